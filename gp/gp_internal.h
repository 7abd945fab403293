/*
 * gp_internal.h: the gpbo_gp structure and the helpers shared by the files of gp/ (hidden
 * visibility; tests reach them through the object library gpbo_gp_obj).
 */
#ifndef GPBO_GP_INTERNAL_H
#define GPBO_GP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gpbo/gp.h"
#include "gpbo/sys/kernel.h"

/* Jitter ladder (multiples of s2) tried when the Cholesky factorization fails. */
/* Loops over the training inputs (squared distances, sums of a row) built for AVX2 as well: 4
 * values an instruction instead of SSE2's 2. The library is compiled in C17 mode, which
 * contracts no a * b + c, so every clone computes the same values. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GPBO_GP__CLONES __attribute__((target_clones("arch=x86-64-v3", "avx2", "default")))
#else
#define GPBO_GP__CLONES
#endif

#define GPBO_GP__JITTER_FIRST 1e-10
#define GPBO_GP__JITTER_LAST  1e-4
#define GPBO_GP__JITTER_STEP  100.0
/* The rungs are products rounded on the way (FIRST * STEP^k): the last one is compared with
 * LAST with this relative slack so that it is still tried. */
#define GPBO_GP__JITTER_SLACK 1.000001

/* The next rung of the jitter ladder after *jitter (0: none yet) for signal variance s2, into
 * *jitter. Returns 0 when the ladder is exhausted (the factorization has failed). */
static inline int gpbo_gp__jitter_next(double *jitter, double s2)
{
    *jitter = *jitter == 0.0 ? GPBO_GP__JITTER_FIRST * s2 : *jitter * GPBO_GP__JITTER_STEP;
    return !(*jitter > GPBO_GP__JITTER_LAST * s2 * GPBO_GP__JITTER_SLACK);
}

/* Log hyperparameters must lie in this box (exp(50) ~ 5e21). */
#define GPBO_GP__LOG_PARAM_MAX 50.0

/* The heap buffers a gpbo_gp owns, in the order of the union below. Every owned pointer is one
 * of these, so that freeing and copying walk them all (gpbo_gp_copy, gpbo_gp_free): a new buffer
 * is a new entry here and in the struct, and the static assertion below fails until both agree.
 * Data buffers are copied; scratch buffers (GP_SCRATCH_FIRST on) start empty in a copy. */
enum gp_buffer {
    GP_X,          /* cap * dim inputs, row-major */
    GP_Y,          /* cap targets as given */
    GP_YS,         /* cap targets in model units: standardized or as given */
    GP_THETA,      /* dim + 2 log hyperparameters */
    GP_THETA_PREV, /* dim + 2, to restore theta when a factorization fails */
    GP_ELL,        /* dim lengthscales, exp(theta[0..dim)) */
    GP_L,          /* cap * cap lower Cholesky factor of K + jitter I, row-major */
    GP_ALPHA,      /* cap: K^{-1} ys */
    GP_XT,         /* cap * dim: x / ell transposed */
    GP_ASCR,       /* 3 * cap scratch rows of the additive kernel (kept: predictions use it) */
    GP_NV,         /* cap known noise variances of the observations, units of y^2, as given */
    GP_NVS,        /* cap: the same in model units (over std(y)^2 when standardized) */
    GP_KINV,       /* scratch of the likelihood gradient, from here on */
    GP_KD,
    GP_ROW,
    GP_AKD,
    GP_NBUFFERS,
    GP_SCRATCH_FIRST = GP_KINV
};

struct gpbo_gp {
    const gpbo_kernel_def *kern;
    int kern_in_place; /* kern->eval is a built-in one, which may be evaluated in place (k over
                          r2); a custom kernel is never handed overlapping arrays */
    size_t dim;
    size_t n;   /* observations */
    size_t cap; /* rows allocated in x, y, ys, alpha; L is cap x cap */
    union {
        struct {
            double *x;          /* cap * dim, row-major */
            double *y;          /* targets as given */
            double *ys;         /* targets in model units: standardized or as given */
            double *theta;      /* dim + 2 log hyperparameters */
            double *theta_prev; /* dim + 2, scratch to restore theta when a factorization fails */
            double *ell;        /* dim lengthscales, exp(theta[0..dim)) */
            double *L; /* lower Cholesky factor of K + jitter I, row-major, leading dimension cap */
            double *alpha; /* K^{-1} ys */
            double *xt; /* cap * dim: x / ell transposed (dim rows of n, leading dimension n); kept
                           current by every factorization and by gpbo_gp_add() */
            double *ascr; /* 3 * cap scratch of the additive kernel's rows */
            /* Known noise variance of each observation (gpbo_gp_set_data_noise), 0 for one given
             * none: nv in y's units as given, nvs in model units (nv / ystd^2 when standardized),
             * kept by gpbo_gp__standardize. K's diagonal is s2 + sn2 + nvs_i + jitter. */
            double *nv;
            double *nvs;
            /* Scratch of the likelihood gradient, grown on demand (scratch_cap rows):
             * kinv: K^{-1} (lower, ld n); kd: k(r2_ij) then dk/dr2_ij for j < i, packed row by
             * row, kept from the factorization once a gradient has been asked for (keep_kd), so
             * that the gradient does not evaluate the kernel a second time; row: n. */
            double *kinv;
            double *kd;
            double *row;
            double *akd; /* additive, once a gradient has been asked for: per row i, the d x i
                            values kern and then d x i values dkern/dr2 of every input, kept by
                            build_k */
        };
        double *buffers[GP_NBUFFERS];
    };
    int normalize;
    double ymean, ystd;
    double s2, sn2;     /* signal and noise variance, model units */
    double jitter;      /* absolute jitter in L */
    double logdet_half; /* sum log L_ii */
    size_t scratch_cap;
    int additive; /* k = s2/dim sum_k kern(((x_k - x'_k) / l_k)^2), one term per input */
    size_t akd_cap;
    int akd_valid;
    int keep_kd;  /* fill kd while building K */
    int kd_valid; /* kd and xt hold the current K's values */
    gpbo_gp_fit_info info;
};

struct gpbo_gp_workspace {
    double *buf;
    size_t cap;
};

/* Room for every built-in kernel's name, ", "-separated, with the terminating NUL. */
#define GPBO_GP__KERNEL_LIST_CAP 128

/* Writes the built-in kernels' names, ", "-separated ("se, matern12, ..."), into buf (cap
 * bytes, at least 1; truncated if smaller than GPBO_GP__KERNEL_LIST_CAP) and returns buf, for
 * messages that list the valid choices. Cannot fail. */
const char *gpbo_gp__kernel_list(char *buf, size_t cap);

/* The built-in kernel evaluation eval is (one of kernel.c's table: it reads each r2 before
 * writing its k, so it may be evaluated in place). Cannot fail. */
int gpbo_gp__kernel_eval_is_builtin(void (*eval)(size_t, const double *, double *, double *));

/* The model's kernel at count squared distances held in buf, evaluated in place: buf[i] becomes
 * k(buf[i]) and dk (NULL, or count values apart from buf) takes dk/dr2. A built-in kernel is
 * called on buf itself; a custom one on a copy of buf on the stack, a block at a time, since
 * sys/kernel.h does not ask it to read r2[i] before writing k[i] (a kernel that wrote every k and
 * then read r2 again for dk got its derivatives from k). Cannot fail. */
void gpbo_gp__eval_in_place(const gpbo_gp *gp, size_t count, double *buf, double *dk);

/* Grows the data buffers to hold at least need rows, keeping their contents. */
int gpbo_gp__reserve(gpbo_gp *gp, size_t need);

/* The correlation k(a, b) / s2 of two unscaled points, for either form of the kernel; for the
 * additive form, dk (dim values, or NULL) takes each input's dkern/dr2. */
double gpbo_gp__corr_pair(const gpbo_gp *gp, const double *a, const double *b, double *dk);

/* Builds K + diag(sn2 + nvs_i) + jitter I in L (lower, row-major, ld cap) for the current data and
 * hyperparameters, factorizes it escalating the jitter, and computes alpha. */
int gpbo_gp__factorize(gpbo_gp *gp);

/* Recomputes ymean, ystd, ys and nvs from y and nv. GPBO_EINVAL (fn in the message) when
 * standardization is on and the spread of y overflows, or a noise variance over std(y)^2 does;
 * ymean, ystd, ys and nvs are then unusable and the caller restores the previous y (and nv).
 * Cannot fail with standardization off. */
int gpbo_gp__standardize(gpbo_gp *gp, const char *fn);

/* alpha = K^{-1} ys from the factor L. */
void gpbo_gp__solve_alpha(gpbo_gp *gp);

/* Squared scaled distance between a (dim values) and b, with lengthscales ell. */
double gpbo_gp__r2(size_t dim, const double *a, const double *b, const double *ell);

/* Checks that all count values are finite; names the first bad one with what and the row
 * width (for "x[i][j]"). */
int gpbo_gp__check_finite(const char *fn, const char *what, size_t count, size_t width,
                          const double *v);

/* Log prior of the log hyperparameters (0 without priors); adds its gradient to grad. */
double gpbo_gp__log_prior(const gpbo_gp *gp, const gpbo_gp_fit_options *o, double *grad);

/* Row i of s2 k(xq_i, X) into K and, if D is not NULL, dk/dr2 into D (m x n) or, for the
 * additive form, d s2 k / d xq_i into D (m x n x dim); m query rows of dim values, against the
 * model's n inputs. */
void gpbo_gp__cross(const gpbo_gp *gp, size_t m, const double *xq, double *K, double *D);

/* Posterior covariance in model units (m x m, full) and mean in model units; V is m x n
 * scratch. */
void gpbo_gp__post_cov(const gpbo_gp *gp, size_t m, const double *xq, double *mean, double *cov,
                       double *V);

/* Whether any of the n observations has a known noise variance (a non-zero nv). */
int gpbo_gp__has_obs_noise(const gpbo_gp *gp);

/* A GP on a random subset of m <= n of gp's observations (the fit's race), in gp's model units
 * (no standardization of its own: targets and known noise variances as gp's model sees them),
 * with gp's form and hyperparameters; NULL when it cannot be built (the caller then races on
 * all the data). Allocates. */
gpbo_gp *gpbo_gp__subset(const gpbo_gp *gp, size_t m, uint64_t seed);

/* Validates fit options (names the bad field). */
int gpbo_gp__check_options(const gpbo_gp_fit_options *o, size_t dim);

#endif
