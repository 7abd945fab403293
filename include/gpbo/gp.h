/*
 * gpbo/gp.h: exact Gaussian-process regression (library gpbo::gp, pkg-config gpbo-gp).
 *
 * A gpbo_gp is a zero-mean GP prior with a stationary ARD kernel (squared exponential or Matérn
 * 1/2, 3/2, 5/2), a signal variance and Gaussian observation noise, conditioned on n
 * observations (x_i, y_i), x_i in R^dim. It answers "posterior at X" (mean, variance, their
 * gradients in x, full covariance, joint samples); fitting the hyperparameters is a separate
 * call (gpbo_gp_fit).
 *
 * Model: y_i = f(x_i) + e_i, f ~ GP(0, s2 * k(r)), e_i ~ N(0, sn2 + v_i),
 *        r^2 = sum_j ((x_j - x'_j) / l_j)^2,
 * with v_i >= 0 a known noise variance of observation i (0 unless given: gpbo_gp_set_data_noise,
 * gpbo_gp_add_noisy, gpbo_gp_set_obs_noise), as scikit-learn's per-sample `alpha` or BoTorch's
 * `train_Yvar`; sn2 is the model's own noise, learned or fixed, on top of it. The factorized
 * matrix is K + diag(sn2 + v_i) + jitter I.
 * Hyperparameters live in log space, in this order (gpbo_gp_nparams() = dim + 2):
 *        log l_1 .. log l_dim, log s2, log sn2.
 * With output standardization on (the default), the model is fitted to (y - mean(y)) / std(y)
 * and s2, sn2 are in those standardized units; every prediction is returned in the units of y.
 * The known variances v_i are always given (and read back) in the units of y^2: with
 * standardization on they enter the model as v_i / std(y)^2, and follow std(y) whenever it
 * changes (gpbo_gp_add, gpbo_gp_set_normalize).
 *
 * Allocation: functions marked "Allocates" may call malloc; all others never allocate. The
 * hot path for acquisition optimizers is gpbo_gp_predict_grad() with a gpbo_gp_workspace, which
 * allocates nothing once the workspace has grown to the model's size.
 *
 * Thread-safety: distinct gpbo_gp objects may be used from distinct threads. Functions taking
 * a `const gpbo_gp *` may run concurrently on one object (each thread with its own workspace and
 * its own gpbo_rng); functions taking a non-const `gpbo_gp *` need exclusive access.
 *
 * Errors: fallible functions return GPBO_OK (0) or a negative gpbo_status, with a message for
 * gpbo_error_message(); on failure, the model is left as it was unless stated otherwise.
 *
 * Accessor names: a property that can be set is read by the twin of its setter
 * (gpbo_gp_set_normalize / gpbo_gp_get_normalize, as NLopt's set_ / get_ pairs), and so is one
 * copied out through an `out` parameter (gpbo_gp_get_params, gpbo_gp_get_fit_info); a read-only
 * value returned directly is its bare noun (gpbo_gp_dim, gpbo_gp_n, gpbo_gp_jitter).
 */
#ifndef GPBO_GP_H
#define GPBO_GP_H

#include <stddef.h>
#include <stdint.h>

#include "gpbo/error.h"
#include "gpbo/export.h"
#include "gpbo/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A GP regression model (opaque). */
typedef struct gpbo_gp gpbo_gp;

/** Per-thread scratch memory for gpbo_gp_predict_grad() (opaque). */
typedef struct gpbo_gp_workspace gpbo_gp_workspace;

/** The built-in stationary kernels (correlation functions of the scaled distance r). */
typedef enum gpbo_kernel_type {
    GPBO_KERNEL_SE = 0,       /**< squared exponential, exp(-r^2 / 2) */
    GPBO_KERNEL_MATERN12 = 1, /**< Matérn nu = 1/2, exp(-r) */
    GPBO_KERNEL_MATERN32 = 2, /**< Matérn nu = 3/2, (1 + sqrt3 r) exp(-sqrt3 r) */
    GPBO_KERNEL_MATERN52 = 3, /**< Matérn nu = 5/2, (1 + sqrt5 r + 5r^2/3) exp(-sqrt5 r) */
    GPBO_KERNEL_COUNT         /**< the number of built-in kernels (not a kernel) */
} gpbo_kernel_type;

/**
 * The name of a built-in kernel ("se", "matern12", "matern32", "matern52"), as saved models
 * store it; NULL when kernel is not one of them. Walking 0 .. GPBO_KERNEL_COUNT - 1 lists them
 * all (a command line offering the choice asks here instead of keeping its own list).
 * Cannot fail.
 */
GPBO_API const char *gpbo_kernel_name(gpbo_kernel_type kernel);

/**
 * Parses a kernel name as gpbo_kernel_name() writes it.
 * @param[out] out the kernel; unchanged on error.
 * @return GPBO_OK; GPBO_EINVAL for NULL arguments or an unknown name, with a message naming it
 *         and listing the built-in kernels.
 */
GPBO_API int gpbo_kernel_parse(const char *name, gpbo_kernel_type *out);

/* ------------------------------------------------------------------------------------------ */
/* Lifecycle                                                                                   */

/**
 * Creates a model with no data (predictions are the prior), output standardization on, and
 * hyperparameters l_j = 1, s2 = 1, sn2 = 1e-4 (log values 0, 0, log 1e-4).
 * Allocates.
 * @param kernel one of gpbo_kernel_type.
 * @param dim input dimension, >= 1.
 * @return the model, or NULL (GPBO_EINVAL for a bad kernel or dim = 0, GPBO_ENOMEM).
 */
GPBO_API gpbo_gp *gpbo_gp_new(gpbo_kernel_type kernel, size_t dim);

/** Frees a model and everything it owns. Accepts NULL. */
GPBO_API void gpbo_gp_free(gpbo_gp *gp);

/**
 * Deep copy: data (with the known noise variances), hyperparameters, factorization, options. The
 * copy is independent (for Kriging-believer batches: copy, then gpbo_gp_add() fantasies to the
 * copy). Allocates.
 * @return the copy, or NULL (GPBO_EINVAL if gp is NULL, GPBO_ENOMEM).
 */
GPBO_API gpbo_gp *gpbo_gp_copy(const gpbo_gp *gp);

/* ------------------------------------------------------------------------------------------ */
/* Shape and data                                                                              */

/** @return the input dimension. Cannot fail (0 for NULL). */
GPBO_API size_t gpbo_gp_dim(const gpbo_gp *gp);

/** @return the number of observations n. Cannot fail (0 for NULL). */
GPBO_API size_t gpbo_gp_n(const gpbo_gp *gp);

/** @return the number of hyperparameters, dim + 2. Cannot fail (0 for NULL). */
GPBO_API size_t gpbo_gp_nparams(const gpbo_gp *gp);

/** @return the name of the model's kernel (gpbo_kernel_name() of a built-in one, or a custom
 * kernel's own); "" for NULL. Cannot fail. */
GPBO_API const char *gpbo_gp_kernel_name(const gpbo_gp *gp);

/**
 * Replaces the data with n observations and factorizes K (hyperparameters unchanged). The
 * observations have no known noise variance (every v_i = 0, also for those of the model's own
 * arrays passed back; gpbo_gp_set_data_noise() gives them one).
 * Allocates: the n x n factor and the rows to the next power of two up to 2048 observations;
 * beyond, n plus a sixteenth (room for pending points' fantasies), grown 1.5x by gpbo_gp_add().
 * @param n number of observations; 0 clears the data (the model is the prior again).
 * @param x n * dim inputs, row-major (row i is x_i). Copied. May be NULL when n = 0. May be
 *          the model's own gpbo_gp_x() (shifted: dropping the first rows), as may y.
 * @param y n targets. Copied. May be NULL when n = 0.
 * @return GPBO_OK; GPBO_EINVAL (NULL pointer, a NaN or infinite value, named by index; an n
 *         so large that n * dim values overflow a size_t, refused before x is read; with
 *         standardization on, finite targets whose spread overflows, about 1e154 apart; an
 *         input x_ij whose ratio x_ij / l_j overflows a double, named; a custom kernel that
 *         returns a value that is not finite);
 *         GPBO_ENOTPD (K not positive definite even with the largest jitter); GPBO_ENOMEM.
 *         On failure the previous data and factorization are kept.
 */
GPBO_API int gpbo_gp_set_data(gpbo_gp *gp, size_t n, const double *x, const double *y);

/**
 * gpbo_gp_set_data() with a known noise variance per observation: var[i] >= 0, in the units of
 * y^2, is added to the diagonal of K for observation i, on top of sn2 and the jitter (see the
 * model above). gpbo_gp_set_data() is this function with var = NULL: every v_i = 0, and the
 * model is exactly (bit for bit) the one without known noise. Allocates as gpbo_gp_set_data().
 * @param var n variances, copied; NULL for none (all 0).
 * @return as gpbo_gp_set_data(); GPBO_EINVAL also for a var[i] that is negative, NaN or
 *         infinite (named by index), or, with standardization on, one whose v_i / std(y)^2
 *         overflows. On failure the previous data, variances and factorization are kept.
 */
GPBO_API int gpbo_gp_set_data_noise(gpbo_gp *gp, size_t n, const double *x, const double *y,
                                    const double *var);

/**
 * Replaces the known noise variances of the current n observations (units of y^2, >= 0) and
 * refactorizes K; data and hyperparameters unchanged. Allocates (a copy of the old variances,
 * kept until the factorization has succeeded, and as gpbo_gp_set_params()).
 * @param var n values, copied; NULL sets every v_i to 0. Not read when n = 0.
 * @return GPBO_OK; GPBO_EINVAL (NULL gp, a bad var[i] named as gpbo_gp_set_data_noise());
 *         GPBO_ENOTPD; GPBO_ENOMEM. On failure the previous variances are kept.
 */
GPBO_API int gpbo_gp_set_obs_noise(gpbo_gp *gp, const double *var);

/**
 * Copies the known noise variances of the n observations (units of y^2; 0 for those given
 * none) into out[n].
 * @return GPBO_OK; GPBO_EINVAL (NULL gp, or NULL out with n > 0).
 */
GPBO_API int gpbo_gp_get_obs_noise(const gpbo_gp *gp, double *out);

/**
 * Adds one observation and extends the Cholesky factor in O(n^2) (no refit, hyperparameters
 * unchanged). The new observation has no known noise variance (v = 0; see
 * gpbo_gp_add_noisy()). With standardization on, mean and std of y are recomputed, as
 * gpbo_gp_set_data() on all n + 1 points would do, and the result equals it up to rounding.
 * Allocates (geometric growth). If the extension is not positive definite, K is refactorized with
 * jitter.
 * @param x dim values; may be a row of the model's own gpbo_gp_x(). @param y the target.
 * @return GPBO_OK, GPBO_EINVAL (NULL or non-finite; a y that standardization cannot take, or
 *         an x_j / l_j that overflows, as gpbo_gp_set_data()), GPBO_ENOTPD, GPBO_ENOMEM; on
 *         failure the model is unchanged.
 */
GPBO_API int gpbo_gp_add(gpbo_gp *gp, const double *x, double y);

/**
 * gpbo_gp_add() of an observation with known noise variance var (units of y^2, >= 0; 0 is
 * gpbo_gp_add()). Its row of the factor is appended in O(n^2) as gpbo_gp_add()'s, except when
 * standardization is on, some earlier observation has a non-zero variance and std(y) changes:
 * those variances' model units change with it, and K is refactorized (O(n^3)).
 * @return as gpbo_gp_add(); GPBO_EINVAL also for a negative, NaN or infinite var.
 */
GPBO_API int gpbo_gp_add_noisy(gpbo_gp *gp, const double *x, double y, double var);

/**
 * Training inputs, borrowed: n * dim values, row-major, in the order given. Valid until the
 * next call that changes the data or frees the model. NULL when n = 0.
 */
GPBO_API const double *gpbo_gp_x(const gpbo_gp *gp);

/** Training targets as given (units of y), borrowed as gpbo_gp_x(). NULL when n = 0. */
GPBO_API const double *gpbo_gp_y(const gpbo_gp *gp);

/**
 * @param[out] out_index if not NULL, receives the index of the smallest y (the first of ties).
 * @return the smallest observed y (units of y), or +INFINITY when n = 0. Cannot fail.
 */
GPBO_API double gpbo_gp_y_min(const gpbo_gp *gp, size_t *out_index);

/**
 * Output standardization on (non-zero, the default) or off. Off means the likelihood is that of
 * y exactly as given. The hyperparameter values are kept as they are (they are in different
 * units afterwards); K does not depend on y and is kept, unless observations have known noise
 * variances (their model units change: K is refactorized, which allocates as
 * gpbo_gp_set_params(), and may fail with GPBO_ENOTPD). y whose standard deviation is below
 * 16 DBL_EPSILON |mean(y)| (a spread of some 16 units in the last place of the mean: rounding)
 * counts as constant and is only centred (std taken as 1); any wider spread is standardized,
 * however far y is from 0 (y = 1e9 + 1e-4 f(x) is data, as for scikit-learn's normalize_y).
 * @return GPBO_OK, GPBO_EINVAL (NULL; turning it on over targets whose spread overflows, as
 *         gpbo_gp_set_data(): the setting is then left as it was).
 */
GPBO_API int gpbo_gp_set_normalize(gpbo_gp *gp, int on);

/** @return 1 if output standardization is on, else 0. */
GPBO_API int gpbo_gp_get_normalize(const gpbo_gp *gp);

/**
 * Additive form of the kernel (non-zero) or the ordinary ARD form (0, the default). Additive:
 * k(x, x') = s2 / dim * sum_k kern(((x_k - x'_k) / l_k)^2), a sum of one-dimensional kernels
 * with the same hyperparameters (lengthscales, signal and noise variance) as the ARD form. It
 * suits functions that are sums of one-input terms, which it extrapolates across the space
 * where the ARD form cannot (Duvenaud, Nickisch & Rasmussen 2011, first order). Likelihood,
 * gradients, predictions, samples, incremental updates and save/load all follow it; its
 * likelihood gradient costs O(n^2 dim) kernel evaluations. K is refactorized if there is data
 * (which allocates, as gpbo_gp_set_params()).
 * @return GPBO_OK, GPBO_EINVAL (NULL), GPBO_ENOTPD (the form is then left unchanged).
 */
GPBO_API int gpbo_gp_set_additive(gpbo_gp *gp, int on);

/** @return 1 if the kernel is in its additive form, else 0. */
GPBO_API int gpbo_gp_get_additive(const gpbo_gp *gp);

/* ------------------------------------------------------------------------------------------ */
/* Hyperparameters and likelihood                                                              */

/**
 * Copies the log hyperparameters (log l_1..log l_dim, log s2, log sn2) into out[nparams].
 * @return GPBO_OK or GPBO_EINVAL (NULL).
 */
GPBO_API int gpbo_gp_get_params(const gpbo_gp *gp, double *out);

/**
 * Sets the log hyperparameters from in[nparams] and refactorizes K if there is data.
 * Allocates: once a likelihood gradient has been asked for, the factorization keeps the
 * kernel's terms for the next one, in scratch that grows here when n has grown since.
 * @return GPBO_OK; GPBO_EINVAL (NULL, a non-finite value, or a value outside [-50, 50], named by
 *         index; lengthscales that make a training input's x_ij / l_j overflow, as
 *         gpbo_gp_set_data()); GPBO_ENOTPD. On failure the previous hyperparameters are kept.
 */
GPBO_API int gpbo_gp_set_params(gpbo_gp *gp, const double *in);

/** @return the model's noise variance sn2 in the units of y^2 (std(y)^2 * sn2 when
 * standardized), without the observations' known variances (gpbo_gp_get_obs_noise()). */
GPBO_API double gpbo_gp_noise_variance(const gpbo_gp *gp);

/**
 * @return the jitter added to the diagonal of K at the last factorization, in the same units
 *         as s2 (it is a multiple of s2: 0, then 1e-10 s2, escalated x100 up to 1e-4 s2 when the
 *         Cholesky fails). 0 when none was needed. Cannot fail.
 */
GPBO_API double gpbo_gp_jitter(const gpbo_gp *gp);

/**
 * Log marginal likelihood log p(y | X, theta) of the current hyperparameters (Rasmussen &
 * Williams 2006, eq. 5.8), of the standardized y when standardization is on (without the
 * constant Jacobian term -n log std(y)). For n = 0 it is 0. Known noise variances are part of
 * the covariance and constant in theta: the derivative in log sn2 is 1/2 sn2 tr(W) whatever
 * they are.
 * Uses the model's internal buffers: needs exclusive access; allocates only the first time
 * (or when n has grown).
 * @param[out] grad if not NULL, receives the gradient with respect to the nparams log
 *             hyperparameters (eq. 5.9), computed without any n x n x p tensor.
 * @return the log likelihood, or NaN on failure (GPBO_EINVAL for NULL gp, GPBO_ENOMEM).
 */
GPBO_API double gpbo_gp_log_likelihood(gpbo_gp *gp, double *grad);

/* ------------------------------------------------------------------------------------------ */
/* Fitting                                                                                     */

/** Version of gpbo_gp_fit_options this header describes. */
#define GPBO_GP_FIT_OPTIONS_VERSION 5

/**
 * Options of gpbo_gp_fit(). Initialize with GPBO_GP_FIT_OPTIONS_INIT (or
 * gpbo_gp_fit_options_init(&opts, GPBO_GP_FIT_OPTIONS_VERSION)), then change fields. Bounds are
 * on the natural (not log) values, in the units the model is fitted in (standardized y when
 * standardization is on).
 * Versions (fields are only ever appended; sizes on LP64; the rule is in docs/abi.md):
 *  - 1: restarts .. ftol_rel (128 bytes);
 *  - 2: added subset_min (136 bytes);
 *  - 3: added lengthscale_priors (144 bytes);
 *  - 4: added race_keep (152 bytes); the default restarts went from 4 to 10;
 *  - 5: added data_start (160 bytes).
 * The library reads only the fields of opts->version; later fields take their defaults.
 */
typedef struct gpbo_gp_fit_options {
    unsigned int version;         /**< GPBO_GP_FIT_OPTIONS_VERSION */
    size_t restarts;              /**< extra starts besides the current hyperparameters */
    size_t max_evals;             /**< likelihood evaluations per start (L-BFGS), >= 1 */
    double lengthscale_bounds[2]; /**< [lo, hi] for every l_j, 0 < lo < hi */
    double signal_bounds[2];      /**< [lo, hi] for s2 */
    double noise_bounds[2];       /**< [lo, hi] for sn2; lo is the noise floor */
    int learn_noise;              /**< 1: fit sn2; 0: keep the current sn2 (fixed noise) */
    int use_priors;               /**< 1: maximize the log posterior (priors below) */
    double lengthscale_prior[2];  /**< log-normal (mu, sigma) on l_j; sigma <= 0 (the default)
                                       means the dimension-scaled prior mu = sqrt2 + log(dim)/2,
                                       sigma = sqrt3 (Hvarfner, Hellsten & Nardi 2024) */
    double noise_prior[2];        /**< log-normal (mu, sigma) on sn2, default (-4, 1) */
    uint64_t seed;                /**< seeds the random restarts */
    double ftol_rel;              /**< L-BFGS relative tolerance on the objective, >= 0 */
    /* version 2 */
    size_t subset_min; /**< from this many observations on (default 600; 0: never), the
                            screening and the race run on a random half of the data, and only
                            the survivors on all of it; a version-1 struct gets the default */
    /* version 3 */
    const double *lengthscale_priors; /**< with use_priors: NULL (the default) for
                                           lengthscale_prior on every l_j, else dim pairs
                                           (mu_j, sigma_j), the log-normal prior of l_j on its
                                           own (sigma_j > 0; read during the call, not kept);
                                           the random starts still draw from
                                           lengthscale_prior */
    /* version 4 */
    size_t race_keep; /**< starts that run on past the race, up to max_evals: 0 (the default)
                           means every start below 300 observations (where a start is cheap
                           and racing lost the best mode, bench/gp_fit/README.md), and from
                           300 on a third of the starts, at least 2 (4 of the default 11); a
                           struct of version 1 to 3 gets the default */
    /* version 5 */
    int data_start; /**< 1 (the default): the last restart begins at the data's scale instead
                         of random candidates: each lengthscale a tenth of its input's spread
                         in the data (max - min), the signal variance the targets' variance
                         (in the model's units), the noise 1e-4 of it (a noise that is not
                         learned keeps its value). It reaches the short-lengthscale mode of a
                         rough noise-free function that screened random starts miss
                         (bench/gp_fit/README.md "The data start"). 0: every restart random,
                         as before version 5; a struct of version 1 to 4 gets the default.
                         Nothing changes with restarts = 0 */
} gpbo_gp_fit_options;

/** The default options (10 restarts, 200 evaluations per start, learned noise, no priors). */
#define GPBO_GP_FIT_OPTIONS_INIT                                                                   \
    {                                                                                              \
        .version = GPBO_GP_FIT_OPTIONS_VERSION, .restarts = 10, .max_evals = 200,                  \
        .lengthscale_bounds = {1e-3, 1e3}, .signal_bounds = {1e-3, 1e3},                           \
        .noise_bounds = {1e-6, 1e1}, .learn_noise = 1, .use_priors = 0,                            \
        .lengthscale_prior = {0.0, 0.0}, .noise_prior = {-4.0, 1.0}, .seed = 0, .ftol_rel = 1e-9,  \
        .subset_min = 600, .lengthscale_priors = NULL, .race_keep = 0, .data_start = 1             \
    }

/**
 * Sets the fields of version `version` of opts to the defaults of GPBO_GP_FIT_OPTIONS_INIT and
 * opts->version to `version`. Writes only that version's fields, never past them: a program
 * built against an older header passes its own GPBO_GP_FIT_OPTIONS_VERSION and its smaller
 * struct stays intact.
 * @param version GPBO_GP_FIT_OPTIONS_VERSION of the caller's header, 1 to this header's.
 * @return GPBO_OK; GPBO_EINVAL for NULL opts or an unknown version (opts is left unchanged).
 */
GPBO_API int gpbo_gp_fit_options_init(gpbo_gp_fit_options *opts, unsigned int version);

/**
 * Fits the hyperparameters: maximizes the log marginal likelihood (or the log posterior with
 * use_priors) with L-BFGS (NLopt) inside the bounds, from the current hyperparameters (clamped
 * into the bounds) and from `restarts` random starts, seeded by opts->seed. Each random start is
 * the best (by the objective, one Cholesky each) of 8 candidates drawn alternately from the
 * priors (the dimension-scaled lengthscale prior even when use_priors is off) and
 * log-uniformly in the bounds; with opts->data_start (the default) the last restart instead
 * begins at the data's scale (see the field). Every start runs 20 evaluations; the opts->race_keep
 * best (by default all of them below 300 observations, a third of them from 300 on) then continue
 * up to max_evals unless they have converged already (one that has keeps its place: the next best
 * does not run on instead). Racing: starts that begin poorly rarely end best, and from 300
 * observations on the budget goes to those that do. From opts->subset_min observations on (and
 * max_evals > 40), the screening and the race see only a random half of the data (seeded by
 * opts->seed; an eighth of the Cholesky cost), in the model's units; their values only rank the
 * starts, and the two survivors then run on all the data. Keeps the best and refactorizes. A start
 * whose factorization fails is skipped. With n = 0 nothing changes. Allocates.
 * @param opts NULL for the defaults; of any version 1 to GPBO_GP_FIT_OPTIONS_VERSION.
 * @return GPBO_OK; GPBO_EINVAL (bad options, named; an unknown version); GPBO_EOPTIM (no
 *         start succeeded; the hyperparameters are left as they were); GPBO_ENOMEM.
 */
GPBO_API int gpbo_gp_fit(gpbo_gp *gp, const gpbo_gp_fit_options *opts);

/** What the last gpbo_gp_fit() did. */
typedef struct gpbo_gp_fit_info {
    double objective;   /**< best log likelihood (or log posterior) reached */
    size_t evaluations; /**< likelihood evaluations, all starts together */
    size_t starts;      /**< starts whose race (their first evaluations) reached a finite
                             objective; a start skipped or failing throughout is not counted */
} gpbo_gp_fit_info;

/** Copies the report of the last fit (zeros before any fit). @return GPBO_OK or GPBO_EINVAL. */
GPBO_API int gpbo_gp_get_fit_info(const gpbo_gp *gp, gpbo_gp_fit_info *out);

/**
 * The fit objective: log likelihood plus, when opts->use_priors, the log prior density of the
 * log hyperparameters. Needs exclusive access and allocates as gpbo_gp_log_likelihood().
 * @param opts NULL for the defaults. @param[out] grad may be NULL.
 * @return the value, or NaN on failure (GPBO_EINVAL, GPBO_ENOMEM).
 */
GPBO_API double gpbo_gp_log_posterior(gpbo_gp *gp, const gpbo_gp_fit_options *opts, double *grad);

/* ------------------------------------------------------------------------------------------ */
/* Prediction (latent f, without observation noise; add gpbo_gp_noise_variance() for y)       */

/**
 * Posterior mean and variance of f at m points, through BLAS (dgemm / dtrsm). Allocates
 * (m x n scratch).
 * @param x m * dim, row-major. @param[out] mean m values. @param[out] var m values, or NULL.
 * @return GPBO_OK, GPBO_EINVAL (NULL or non-finite x, named; a mean or variance that
 *         overflows a double, as targets near DBL_MAX without standardization make it, named
 *         with its point), GPBO_ENOMEM.
 */
GPBO_API int gpbo_gp_predict(const gpbo_gp *gp, size_t m, const double *x, double *mean,
                             double *var);

/**
 * Full posterior covariance of f at m points. Allocates. Its diagonal, the variances, is
 * clamped at 0 as gpbo_gp_predict()'s (rounding takes it just below where the posterior is
 * certain).
 * @param[out] mean m values, or NULL. @param[out] cov m * m, row-major (symmetric).
 * @return GPBO_OK, GPBO_EINVAL (as gpbo_gp_predict()'s), GPBO_ENOMEM.
 */
GPBO_API int gpbo_gp_predict_cov(const gpbo_gp *gp, size_t m, const double *x, double *mean,
                                 double *cov);

/** Creates an empty workspace; it grows on first use to the model's size. Allocates. */
GPBO_API gpbo_gp_workspace *gpbo_gp_workspace_new(void);

/** Frees a workspace. Accepts NULL. */
GPBO_API void gpbo_gp_workspace_free(gpbo_gp_workspace *ws);

/**
 * Posterior mean and variance of f at m points and their gradients with respect to x, for
 * acquisition optimizers. With a workspace it allocates nothing once the workspace fits the
 * model (n, dim, m); with ws = NULL it allocates per call.
 * @param[out] mean m values. @param[out] var m values.
 * @param[out] dmean m * dim, row-major (row i = d mean_i / d x_i), or NULL.
 * @param[out] dvar m * dim, or NULL.
 * At a training input, Matérn 1/2 (not differentiable there) gives the average of the two
 * one-sided derivatives (the central difference: that input's own term contributes 0).
 * @return GPBO_OK, GPBO_EINVAL (as gpbo_gp_predict()'s), GPBO_ENOMEM (workspace growth).
 */
GPBO_API int gpbo_gp_predict_grad(const gpbo_gp *gp, gpbo_gp_workspace *ws, size_t m,
                                  const double *x, double *mean, double *var, double *dmean,
                                  double *dvar);

/**
 * Joint samples of f at m points from the posterior: mean + L z, with L the Cholesky factor
 * of the posterior covariance (jitter added if needed) and z ~ N(0, I) drawn from rng.
 * Points given more than once (equal coordinate by coordinate) are sampled once, so each
 * sample is equal at their repeats. Allocates.
 * @param rng caller-owned generator, advanced by u * nsamples normal draws, u the number of
 *        distinct points among the m (m when none repeats).
 * @param[out] out nsamples * m, row-major (row s = sample s at the m points).
 * @param nsamples at most INT_MAX (BLAS counts in int).
 * @return GPBO_OK, GPBO_EINVAL (also nsamples above INT_MAX, or an m whose scratch of two m x m
 *         matrices would overflow, refused before x is read), GPBO_ENOTPD, GPBO_ENOMEM.
 */
GPBO_API int gpbo_gp_sample(const gpbo_gp *gp, size_t m, const double *x, size_t nsamples,
                            gpbo_rng *rng, double *out);

/* ------------------------------------------------------------------------------------------ */
/* Save and load (JSON, with a format version)                                                 */

/**
 * Serializes the model (kernel, dim, standardization, hyperparameters, data) to a JSON string.
 * Known noise variances are saved as "noise" (units of y^2), in format version 2, which a gpbo
 * older than them refuses, naming the version; a model without them (every v_i = 0) is written
 * in format version 1, as before they existed.
 * Doubles are written with 17 significant digits and loading factorizes K as
 * gpbo_gp_set_data() does, so a model last factorized by gpbo_gp_set_data(),
 * gpbo_gp_set_params() or gpbo_gp_fit() predicts bit for bit as the saved one once loaded. The
 * factor is not saved: a model extended by gpbo_gp_add() since then reloads to the batch
 * factorization of the same data, which agrees with its incremental one only to rounding
 * (about 1e-12 relative). A custom kernel is written by its name (gpbo_gp_from_string() loads
 * built-in kernels only); one named as a built-in kernel with another eval is refused
 * (GPBO_EINVAL), since the file would load as the built-in kernel's model. Allocates.
 * @return a string to release with gpbo_free(), or NULL (GPBO_EINVAL, GPBO_ENOMEM).
 */
GPBO_API char *gpbo_gp_to_string(const gpbo_gp *gp);

/**
 * Deprecated: the same as gpbo_free(s), which releases every string gpbo returns (gpbo/error.h
 * states the one rule). Kept because removing an exported function breaks the ABI
 * (docs/abi.md); new code calls gpbo_free().
 */
GPBO_API void gpbo_gp_string_free(char *s);

/**
 * Rebuilds a model from gpbo_gp_to_string() output. Only built-in kernels can be loaded. Reads
 * format versions 1 and 2 (2: with known noise variances); a newer one is refused with its
 * version named. Allocates.
 * @return the model, or NULL (GPBO_EFORMAT with the field named as in the document, e.g.
 *         "x"[3][1] or "params"[2], or with the line and column of a syntax error; the arrays'
 *         lengths are checked against "dim" and "n" before any memory is taken for them, so a
 *         wrong "dim" is named, not reported as out of memory; GPBO_EINVAL,
 *         GPBO_ENOTPD, GPBO_ENOMEM).
 */
GPBO_API gpbo_gp *gpbo_gp_from_string(const char *json);

/**
 * Writes gpbo_gp_to_string() to a file: to a temporary file beside it (path.tmp<pid>.<thread>,
 * always made afresh: whatever is found at that name, a symbolic link included, is removed
 * first), then renamed over path, so that a failed write leaves what path held before intact
 * (the file is replaced, not rewritten: a symbolic link at path is replaced by the file). A
 * regular file at path passes its permissions on to the new one (a model kept private with mode
 * 0600 stays so); a new file gets the default mode (0666 less the umask). A path that is neither
 * a regular file nor a folder (a FIFO, /dev/stdout) is written into directly, not replaced.
 * Allocates (the text and the temporary file's name).
 * @return GPBO_OK, GPBO_EINVAL, GPBO_EIO, GPBO_ENOMEM.
 */
GPBO_API int gpbo_gp_save(const gpbo_gp *gp, const char *path);

/** Reads a model saved by gpbo_gp_save(). The file is read once, to its end, so it may also be a
 * pipe or a FIFO (/dev/stdin, a shell's <(...)). Allocates. @return the model, or NULL (GPBO_EIO:
 * cannot open or read, e.g. a folder; GPBO_EFORMAT with the line and column of a syntax error or of
 * a NUL byte, or the field; GPBO_EINVAL, GPBO_ENOTPD, GPBO_ENOMEM), with the path in the message.
 */
GPBO_API gpbo_gp *gpbo_gp_load(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_GP_H */
