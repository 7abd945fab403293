/*
 * importance.c: parameter importance for the report and the dashboard, with its uncertainty.
 *
 * Importance is the GP's inverse ARD lengthscale 1/l on the unit cube the model sees: how fast
 * the fitted model lets the objective change along a parameter. A point estimate alone hides
 * whether the data determined it (with 60 trials in 16 coordinates many lengthscales are not
 * learnt at all), so each comes with an interval from a Laplace approximation of the posterior
 * of the log hyperparameters: at the mode of the log posterior (the library's log-normal priors,
 * gpbo_gp_log_posterior), the covariance is the inverse of minus its Hessian, taken by central
 * differences of the analytic gradient (2 p gradients for p hyperparameters: cheap next to a
 * fit). log l is then normal with that variance, and 1/l log-normal: the interval is
 * exp(-(log l -+ 2 sd)). Chosen over an fANOVA decomposition of the GP mean because it is the
 * model's own quantity, costs no Monte Carlo over the space on every dashboard refresh, and has
 * an uncertainty without refits; its limit (docs/importance.md): 1/l says how fast the
 * objective changes, not by how much.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gpbo/sys/error.h"
#include "gpbo/gp.h"

/* the polish's budget, and the observations past which there is none (each evaluation a
 * Cholesky: the dashboard computes this at every refresh of its slices) */
enum { POLISH_EVALS = 60, POLISH_MAX_N = 500 };
static const double STEP = 1e-4; /* the Hessian's difference step in log hyperparameters */
/* Past this many varied parameters the intervals are those of the IMPORTANCE_INTERVALS of
 * shortest lengthscale alone, the other lengthscales held at their values (conditioned on, as a
 * categorical's twins are), and the polish is skipped: each free hyperparameter costs the
 * Hessian two gradients of O(n^2 d), and each polish step one, so 1000 parameters (1200
 * coordinates) of 400 trials took ~100 s (bench/report/README.md); bounded, the Hessian costs
 * what it costs at 32 parameters. */
#define IMPORTANCE_INTERVALS 32
/* what the report's caption says of it (the number is IMPORTANCE_INTERVALS) */
static const char MANY_HOW[] =
    "at the model's own fit, with intervals for the 32 parameters of shortest lengthscale alone, "
    "the others' lengthscales held at their values (past that many varied parameters the Hessian "
    "is bounded, and not polished)";
_Static_assert(IMPORTANCE_INTERVALS == 32, "MANY_HOW names IMPORTANCE_INTERVALS");

/* The fit objective's options: the library's default priors, a local polish only. */
static void polish_options(gpbo_gp_fit_options *fo)
{
    gpbo_gp_fit_options_init(fo, GPBO_GP_FIT_OPTIONS_VERSION);
    fo->use_priors = 1;
    fo->restarts = 0;
    fo->max_evals = POLISH_EVALS;
}

/* a (p x p, symmetric) = minus the Hessian of the log posterior at theta, by central
 * differences of its gradient (g: 2 p scratch), but for the columns (and so the rows) of the
 * hyperparameters held[j], which laplace_sd never reads: left 0. Each column costs two
 * factorizations and gradients, O(n^2 d) each (the whole O(n^2 d^2)), so a categorical's twins
 * cost as much as a parameter does. Leaves the model at theta. */
static int neg_hessian(gpbo_gp *gp, const gpbo_gp_fit_options *fo, double *theta, size_t p,
                       const unsigned char *held, double *a, double *g)
{
    int rc = GPBO_OK;
    for (size_t j = 0; j < p && rc == GPBO_OK; j++) {
        if (held[j])
            continue;
        double t0 = theta[j];
        for (int s = 0; s < 2 && rc == GPBO_OK; s++) {
            theta[j] = t0 + (s ? -STEP : STEP);
            rc = gpbo_gp_set_params(gp, theta);
            if (rc == GPBO_OK && isnan(gpbo_gp_log_posterior(gp, fo, g + s * p)))
                rc = gpbo_error_code();
        }
        theta[j] = t0;
        for (size_t i = 0; i < p; i++)
            a[i * p + j] = -(g[i] - g[p + i]) / (2 * STEP);
    }
    for (size_t i = 0; i < p; i++) /* symmetric, as the true Hessian is */
        for (size_t j = 0; j < i; j++)
            a[i * p + j] = a[j * p + i] = (a[i * p + j] + a[j * p + i]) / 2;
    int back = gpbo_gp_set_params(gp, theta);
    return rc != GPBO_OK ? rc : back;
}

/* In-place lower Cholesky factor of a (p x p); 0 when a is not positive definite. */
static int cholesky(double *a, size_t p)
{
    for (size_t j = 0; j < p; j++) {
        double s = a[j * p + j];
        for (size_t k = 0; k < j; k++)
            s -= a[j * p + k] * a[j * p + k];
        if (!(s > 0))
            return 0;
        a[j * p + j] = sqrt(s);
        for (size_t i = j + 1; i < p; i++) {
            double t = a[i * p + j];
            for (size_t k = 0; k < j; k++)
                t -= a[i * p + k] * a[j * p + k];
            a[i * p + j] = t / a[j * p + j];
        }
    }
    return 1;
}

/* var[j] = (a^-1)_jj for the first m indices, a = L L^T factored: ||L^-1 e_j||^2 (z scratch).
 * L^-1 e_j is 0 above row j, so each solve starts there: the same sums, since the terms it
 * skips were exact zeros (L is finite once factored). O(p^3 / 6) where it was O(p^3 / 2). */
static void inverse_diagonal(const double *l, size_t p, size_t m, double *var, double *z)
{
    for (size_t j = 0; j < m; j++) {
        double s = 0;
        for (size_t i = j; i < p; i++) {
            double t = i == j ? 1 : 0;
            for (size_t k = j; k < i; k++)
                t -= l[i * p + k] * z[k];
            z[i] = t / l[i * p + i];
            s += z[i] * z[i];
        }
        var[j] = s;
    }
}

/* sd[j] of log l_j (the first d hyperparameters) under the Laplace approximation at theta, the
 * hyperparameters with held[j] set held at their values (conditioned on); NaN for those, and for
 * all when minus the Hessian of the others is not positive definite (the mode is on a bound or
 * flat). */
static int laplace_sd(gpbo_gp *gp, const gpbo_gp_fit_options *fo, double *theta, size_t p, size_t d,
                      const unsigned char *held, double *sd)
{
    double *a = calloc(2 * p * p + 3 * p, sizeof *a);
    size_t *idx = calloc(p, sizeof *idx);
    if (a == NULL || idx == NULL) {
        free(a);
        free(idx);
        return gpbo_error_set(GPBO_ENOMEM, "no memory for the importance's Hessian");
    }
    double *sub = a + p * p, *var = sub + p * p;
    int rc = neg_hessian(gp, fo, theta, p, held, a, var);
    size_t q = 0;
    for (size_t j = 0; j < p; j++)
        if (!held[j])
            idx[q++] = j;
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < q; j++)
            sub[i * q + j] = a[idx[i] * p + idx[j]];
    int pd = rc == GPBO_OK && cholesky(sub, q);
    if (pd)
        inverse_diagonal(sub, q, q, var, var + p);
    for (size_t j = 0; j < d; j++)
        sd[j] = NAN;
    for (size_t i = 0; pd && i < q; i++)
        if (idx[i] < d && var[i] >= 0)
            sd[idx[i]] = sqrt(var[i]);
    free(a);
    free(idx);
    return rc;
}

/* 1 when coordinate c takes one value in all of the model's observations (a constant, a
 * parameter the trials never varied): its lengthscale is the prior's alone. */
static int unvaried(const gpbo_gp *gp, size_t c)
{
    const double *x = gpbo_gp_x(gp);
    size_t n = gpbo_gp_n(gp), d = gpbo_gp_dim(gp);
    for (size_t k = 1; k < n; k++)
        if (x[k * d + c] != x[c])
            return 0;
    return 1;
}

/* Parameter i's coordinate of the smallest lengthscale (a categorical's most important one-hot
 * coordinate; a numeric parameter's only one). */
static size_t best_coord(const gpbo_space *sp, size_t i, const double *theta)
{
    size_t c0 = cli_param_coord(sp, i), d = gpbo_space_dim(sp);
    size_t nc = gpbo_space_type(sp, i) == GPBO_PARAM_CATEGORICAL ? gpbo_space_nchoices(sp, i) : 1;
    size_t best = c0;
    for (size_t c = c0; c < c0 + nc && c < d; c++)
        if (theta[c] < theta[best])
            best = c;
    return best;
}

/* held[j] = 1 for a categorical's one-hot coordinates other than its most important one: they
 * are collinear with it (with two choices, c_b = 1 - c_a gives every pair the same squared
 * distance in both), so the likelihood sees only a combination of their lengthscales and the
 * posterior is a saddle or a ridge across them; the interval of the one that reports the
 * parameter is taken with its twins held at their values. */
static void hold_twins(const gpbo_space *sp, const double *theta, size_t p, unsigned char *held)
{
    memset(held, 0, p);
    size_t np = gpbo_space_size(sp), d = gpbo_space_dim(sp);
    for (size_t i = 0; i < np; i++) {
        if (gpbo_space_type(sp, i) != GPBO_PARAM_CATEGORICAL)
            continue;
        size_t c0 = cli_param_coord(sp, i), best = best_coord(sp, i, theta);
        for (size_t c = c0; c < c0 + gpbo_space_nchoices(sp, i) && c < d && c < p; c++)
            held[c] = c != best;
    }
}

/* Parameter i's entry from the per-coordinate log lengthscales and their sd: a categorical's
 * most important one-hot coordinate (the smallest lengthscale); NaN for one never varied. */
static void entry(const gpbo_gp *gp, const gpbo_space *sp, size_t i, const double *theta,
                  const double *sd, cli_importance *out)
{
    size_t c0 = cli_param_coord(sp, i), d = gpbo_space_dim(sp);
    size_t nc = gpbo_space_type(sp, i) == GPBO_PARAM_CATEGORICAL ? gpbo_space_nchoices(sp, i) : 1;
    int varied = 0;
    for (size_t c = c0; c < c0 + nc && c < d; c++)
        varied |= !unvaried(gp, c);
    if (!varied || gpbo_space_type(sp, i) == GPBO_PARAM_CONST) {
        out->value = out->lo = out->hi = NAN;
        return;
    }
    size_t best = best_coord(sp, i, theta);
    out->value = exp(-theta[best]);
    out->lo = isfinite(sd[best]) ? exp(-(theta[best] + 2 * sd[best])) : NAN;
    out->hi = isfinite(sd[best]) ? exp(-(theta[best] - 2 * sd[best])) : NAN;
}

/* Parameter i's coordinates: [*c0, *c0 + return) (a categorical's one-hot block). */
static size_t coords_of(const gpbo_space *sp, size_t i, size_t *c0)
{
    *c0 = cli_param_coord(sp, i);
    gpbo_param_type t = gpbo_space_type(sp, i);
    return t == GPBO_PARAM_CATEGORICAL ? gpbo_space_nchoices(sp, i) : t == GPBO_PARAM_CONST ? 0 : 1;
}

/* Whether parameter i varies among gp's observations (a constant never does). */
static int param_varied(const gpbo_gp *gp, const gpbo_space *sp, size_t i)
{
    size_t c0, nc = coords_of(sp, i, &c0), d = gpbo_space_dim(sp);
    for (size_t c = c0; c < c0 + nc && c < d; c++)
        if (!unvaried(gp, c))
            return 1;
    return 0;
}

int cli_cmp_length(const void *a, const void *b)
{
    const cli_by_length *p = a, *q = b;
    if (p->log_l != q->log_l)
        return p->log_l < q->log_l ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

/* Past IMPORTANCE_INTERVALS varied parameters (nv of them, varied[i] set for each), held[j] = 1
 * also for every coordinate of the varied parameters outside the IMPORTANCE_INTERVALS of
 * shortest lengthscale (ties to the earlier parameter). GPBO_ENOMEM. */
static int hold_all_but_shortest(const gpbo_space *sp, const double *theta,
                                 const unsigned char *varied, size_t nv, unsigned char *held)
{
    size_t np = gpbo_space_size(sp), d = gpbo_space_dim(sp), k = 0;
    cli_by_length *r = malloc((nv ? nv : 1) * sizeof *r);
    if (r == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "no memory for the importance");
    for (size_t i = 0; i < np; i++)
        if (varied[i])
            r[k++] = (cli_by_length){theta[best_coord(sp, i, theta)], i};
    qsort(r, k, sizeof *r, cli_cmp_length);
    for (size_t t = IMPORTANCE_INTERVALS; t < k; t++) {
        size_t c0, nc = coords_of(sp, r[t].i, &c0);
        for (size_t c = c0; c < c0 + nc && c < d; c++)
            held[c] = 1;
    }
    free(r);
    return GPBO_OK;
}

int cli_importance_get(const gpbo_gp *model, const gpbo_space *sp, cli_importance *out,
                       const char **how)
{
    size_t d = gpbo_space_dim(sp), np = gpbo_space_size(sp);
    if (model == NULL || gpbo_gp_dim(model) != d || gpbo_gp_n(model) == 0)
        return gpbo_error_set(GPBO_EINVAL, "importance: no model of this space");
    gpbo_gp *gp = gpbo_gp_copy(model);
    size_t p = gpbo_gp_nparams(model), nv = 0;
    double *theta = calloc(p + d, sizeof *theta);
    unsigned char *held = malloc(p), *varied = calloc(np + 1, 1);
    if (gp == NULL || theta == NULL || held == NULL || varied == NULL) {
        gpbo_gp_free(gp);
        free(theta);
        free(held);
        free(varied);
        return gpbo_error_set(GPBO_ENOMEM, "no memory for the importance");
    }
    for (size_t i = 0; i < np; i++)
        nv += varied[i] = param_varied(gp, sp, i);
    int many = nv > IMPORTANCE_INTERVALS;
    gpbo_gp_fit_options fo;
    polish_options(&fo);
    /* the mode of the log posterior near the model's fit (which may have been maximum
     * likelihood): the Laplace approximation is taken at a mode */
    int big = gpbo_gp_n(gp) > POLISH_MAX_N;
    int polished = !big && !many && gpbo_gp_fit(gp, &fo) == GPBO_OK;
    int rc = gpbo_gp_get_params(gp, theta);
    if (rc == GPBO_OK) {
        hold_twins(sp, theta, p, held);
        if (many)
            rc = hold_all_but_shortest(sp, theta, varied, nv, held);
    }
    if (rc == GPBO_OK)
        rc = laplace_sd(gp, &fo, theta, p, d, held, theta + p);
    for (size_t i = 0; rc == GPBO_OK && i < np; i++)
        entry(gp, sp, i, theta, theta + p, &out[i]);
    if (how != NULL)
        *how = many       ? MANY_HOW
               : polished ? "at the log posterior's mode (log-normal priors) near the model's fit"
               : big      ? "at the model's own fit (no polish past 500 observations)"
                          : "at the model's own fit (the polish failed)";
    gpbo_gp_free(gp);
    free(theta);
    free(held);
    free(varied);
    return rc;
}
