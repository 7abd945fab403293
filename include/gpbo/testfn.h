/*
 * gpbo/testfn.h: the standard test functions of the optimization literature — Branin,
 * Hartmann 3 and 6, Rosenbrock, Ackley, ... — with their domains and known global minima, for
 * tests, benchmarks and `gpbo compare` (the gpbo::testfn library; it depends on nothing of
 * gpbo's but the error plumbing, and the search library does not use it).
 *
 * Thread-safety: the table is constant; every function is pure.
 */
#ifndef GPBO_TESTFN_H
#define GPBO_TESTFN_H

#include <stddef.h>

#include "gpbo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A test function with its domain and known optimum (to be minimized). */
typedef struct gpbo_test_function {
    const char *name;
    size_t dim; /**< 0: any dimension >= min_dim */
    size_t min_dim;
    void (*bounds)(size_t dim, double *lo, double *hi); /**< the box, dim values each */
    double (*optimum)(size_t dim);          /**< global minimum value; NaN if unknown there */
    int (*argmin)(size_t dim, double *out); /**< one global minimizer; non-zero if unknown */
    double (*f)(size_t dim, const double *x);
} gpbo_test_function;

/**
 * The table of test functions, NULL-name terminated. Besides the literature's, issue 18's
 * held-out variants (at most 16-D; their optimum is NaN above):
 *  - "rastrigin_sr", "ackley_sr" (on [-5, 10]^d), "levy_sr", "styblinski_tang_sr": the function
 *    shifted and rotated, f(x) = base(z* + R (x - o)) with z* the base's minimizer, o uniform in
 *    the inner 80 % of the box and R a Haar-random orthogonal matrix, both fixed (drawn from a
 *    generator seeded by the function and the dimension alone, never by a run's seed); f* is
 *    the base's, at x = o.
 *  - "narrow_basin": on [0, 1]^d, a broad basin around (0.25, ...) with f near 1 and the
 *    minimum 0 in a well of width 0.08 sqrt(d) around a fixed point of [0.55, 0.95]^d.
 *  - "shekel": Shekel with 10 wells, 4-D on [0, 10]^4, f* = -10.53644315348353.
 */
GPBO_API const gpbo_test_function *gpbo_test_functions(void);

/** Finds a test function by name, or NULL (GPBO_ENOTFOUND, listing the names). */
GPBO_API const gpbo_test_function *gpbo_test_function_find(const char *name);

/**
 * A test problem of several objectives (every one minimized), with the reference point its
 * hypervolume is measured against and the hypervolume of its true Pareto front there.
 */
typedef struct gpbo_test_mo_function {
    const char *name;
    size_t dim; /**< 0: any dimension >= min_dim */
    size_t min_dim;
    size_t nobj;                                         /**< objectives */
    void (*bounds)(size_t dim, double *lo, double *hi);  /**< the box, dim values each */
    const double *ref;                                   /**< the reference point, nobj values */
    double (*front_hv)(size_t dim);                      /**< the true front's hypervolume at ref */
    void (*f)(size_t dim, const double *x, double *out); /**< nobj values into out */
} gpbo_test_mo_function;

/** The table of several-objective problems — branin_currin (2-D; BoTorch's reference point),
 * zdt1, zdt2 (any dimension >= 2) — NULL-name terminated. */
GPBO_API const gpbo_test_mo_function *gpbo_test_mo_functions(void);

/** Finds one by name, or NULL (GPBO_ENOTFOUND, listing the names). */
GPBO_API const gpbo_test_mo_function *gpbo_test_mo_function_find(const char *name);

/**
 * A test problem with outcome constraints (issue 20): minimize f over the box subject to
 * cmin[k] <= c(k, x) <= cmax[k] for every k (-INFINITY / INFINITY: no bound on that side), the
 * constraint values reported as metrics named cname[k].
 */
typedef struct gpbo_test_constrained {
    const char *name;
    size_t dim;
    void (*bounds)(size_t dim, double *lo, double *hi); /**< the box, dim values each */
    double (*f)(size_t dim, const double *x);
    size_t nc; /**< constraints, at most GPBO_TEST_MAX_CONSTRAINTS */
    const char *cname[4];
    double cmin[4], cmax[4];
    double (*c)(size_t k, const double *x);
    double optimum;   /**< the smallest feasible value */
    double argmin[2]; /**< where it is */
} gpbo_test_constrained;

#define GPBO_TEST_MAX_CONSTRAINTS 4

/**
 * The constrained problems, NULL-name terminated:
 *  - "branin_disk": Branin on [-5, 10] x [0, 15] with (x0 - 2.5)^2 + (x1 - 7.5)^2 <= 16 (metric
 *    "disk"): a disk of radius 4 that holds none of Branin's three global minima (the nearest,
 *    (pi, 2.275), is 5.26 from its centre), 22% of the box; the constrained minimum 1.77278 lies
 *    on the disk's edge at (2.9287, 3.5230), against 0.397887 unconstrained.
 *  - "gardner": Gardner et al. (ICML 2014), section 5.1: cos(2 x0) cos(x1) + sin(x0) on
 *    [0, 6]^2 with cos(x0) cos(x1) - sin(x0) sin(x1) <= 0.5 (metric "c"), 66% of the box; the
 *    minimum -2 at (3 pi / 2, 0) is feasible (c = 0), so the constraint shapes the search, not
 *    the answer.
 */
GPBO_API const gpbo_test_constrained *gpbo_test_constrained_problems(void);

/** Finds a constrained problem by name, or NULL (GPBO_ENOTFOUND, listing the names). */
GPBO_API const gpbo_test_constrained *gpbo_test_constrained_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_TESTFN_H */
