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

/** The table of test functions, NULL-name terminated. */
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
    size_t nobj;                                        /**< objectives */
    void (*bounds)(size_t dim, double *lo, double *hi); /**< the box, dim values each */
    const double *ref;                                  /**< the reference point, nobj values */
    double (*front_hv)(size_t dim);       /**< the true front's hypervolume at ref */
    void (*f)(size_t dim, const double *x, double *out); /**< nobj values into out */
} gpbo_test_mo_function;

/** The table of several-objective problems — branin_currin (2-D; BoTorch's reference point),
 * zdt1, zdt2 (any dimension >= 2) — NULL-name terminated. */
GPBO_API const gpbo_test_mo_function *gpbo_test_mo_functions(void);

/** Finds one by name, or NULL (GPBO_ENOTFOUND, listing the names). */
GPBO_API const gpbo_test_mo_function *gpbo_test_mo_function_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_TESTFN_H */
