/*
 * fit.c: hyperparameter fitting: the log prior (log-normal on lengthscales with the
 * dimension-scaled default of Hvarfner, Hellsten & Nardi 2024; log-normal on the noise), and
 * multi-start L-BFGS (NLopt) on the log marginal likelihood or the log posterior, in log space
 * inside bounds, keeping the best start.
 */
#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include "gp_internal.h"
#include "gpbo/sys/error.h"

static const double LOG_SQRT_2PI = 0.91893853320467274;

void gpbo_gp_fit_options_init(gpbo_gp_fit_options *opts)
{
    if (opts != NULL) {
        gpbo_gp_fit_options d = GPBO_GP_FIT_OPTIONS_INIT;
        *opts = d;
    }
}

static int check_bounds(const char *field, const double b[2])
{
    if (!(isfinite(b[0]) && isfinite(b[1]) && b[0] > 0.0 && b[0] < b[1] &&
          fabs(log(b[0])) <= GPBO_GP__LOG_PARAM_MAX && fabs(log(b[1])) <= GPBO_GP__LOG_PARAM_MAX))
        return gpbo_error_set(GPBO_EINVAL,
                              "gp_fit: options.%s = [%g, %g] must satisfy 0 < lo < hi, within "
                              "[exp(-%g), exp(%g)]",
                              field, b[0], b[1], GPBO_GP__LOG_PARAM_MAX, GPBO_GP__LOG_PARAM_MAX);
    return GPBO_OK;
}

int gpbo_gp__check_options(const gpbo_gp_fit_options *o)
{
    if (o->version < 1 || o->version > GPBO_GP_FIT_OPTIONS_VERSION)
        return gpbo_error_set(GPBO_EINVAL, "gp_fit: options.version is %u, expected %d", o->version,
                              GPBO_GP_FIT_OPTIONS_VERSION);
    if (o->max_evals < 1)
        return gpbo_error_set(GPBO_EINVAL, "gp_fit: options.max_evals must be at least 1");
    if (o->restarts > 100000)
        return gpbo_error_set(GPBO_EINVAL, "gp_fit: options.restarts = %zu is unreasonable",
                              o->restarts);
    int rc = check_bounds("lengthscale_bounds", o->lengthscale_bounds);
    if (rc == GPBO_OK)
        rc = check_bounds("signal_bounds", o->signal_bounds);
    if (rc == GPBO_OK)
        rc = check_bounds("noise_bounds", o->noise_bounds);
    if (rc != GPBO_OK)
        return rc;
    if (!(isfinite(o->ftol_rel) && o->ftol_rel >= 0.0))
        return gpbo_error_set(GPBO_EINVAL, "gp_fit: options.ftol_rel = %g must be >= 0",
                              o->ftol_rel);
    if (o->use_priors) {
        if (!isfinite(o->lengthscale_prior[0]) || !isfinite(o->lengthscale_prior[1]))
            return gpbo_error_set(GPBO_EINVAL, "gp_fit: options.lengthscale_prior is not finite");
        if (!isfinite(o->noise_prior[0]) || !(isfinite(o->noise_prior[1]) && o->noise_prior[1] > 0))
            return gpbo_error_set(GPBO_EINVAL,
                                  "gp_fit: options.noise_prior = (%g, %g) needs a finite mean "
                                  "and a positive sigma",
                                  o->noise_prior[0], o->noise_prior[1]);
    }
    return GPBO_OK;
}

static void ls_prior(const gpbo_gp *gp, const gpbo_gp_fit_options *o, double *mu, double *sigma)
{
    if (o->lengthscale_prior[1] > 0.0) {
        *mu = o->lengthscale_prior[0];
        *sigma = o->lengthscale_prior[1];
    } else {
        *mu = 1.4142135623730951 + 0.5 * log((double)gp->dim);
        *sigma = 1.7320508075688772;
    }
}

double gpbo_gp__log_prior(const gpbo_gp *gp, const gpbo_gp_fit_options *o, double *grad)
{
    if (!o->use_priors)
        return 0.0;
    size_t d = gp->dim;
    double mu, sigma, lp = 0.0;
    ls_prior(gp, o, &mu, &sigma);
    /* Normal densities of the log hyperparameters (the variables that are optimized). */
    for (size_t k = 0; k < d; k++) {
        double z = (gp->theta[k] - mu) / sigma;
        lp += -0.5 * z * z - log(sigma) - LOG_SQRT_2PI;
        if (grad != NULL)
            grad[k] -= z / sigma;
    }
    double z = (gp->theta[d + 1] - o->noise_prior[0]) / o->noise_prior[1];
    lp += -0.5 * z * z - log(o->noise_prior[1]) - LOG_SQRT_2PI;
    if (grad != NULL)
        grad[d + 1] -= z / o->noise_prior[1];
    return lp;
}

double gpbo_gp_log_posterior(gpbo_gp *gp, const gpbo_gp_fit_options *opts, double *grad)
{
    gpbo_gp_fit_options def = GPBO_GP_FIT_OPTIONS_INIT;
    const gpbo_gp_fit_options *o = opts ? opts : &def;
    if (gp == NULL) {
        gpbo_error_set(GPBO_EINVAL, "gp_log_posterior: gp is NULL");
        return NAN;
    }
    if (gpbo_gp__check_options(o) != GPBO_OK)
        return NAN;
    double v = gpbo_gp_log_likelihood(gp, grad);
    if (isnan(v))
        return v;
    return v + gpbo_gp__log_prior(gp, o, grad);
}

typedef struct fit_ctx {
    gpbo_gp *gp;
    const gpbo_gp_fit_options *o;
    double *full; /* dim + 2 */
    double *g;    /* dim + 2 */
    double *best; /* dim + 2 */
    double best_val;
    size_t evals;
} fit_ctx;

/* NLopt minimizes -log p; a start whose factorization fails gets +inf (the line search then
 * backs off). */
static double objective(unsigned np, const double *t, double *grad, void *data)
{
    fit_ctx *c = data;
    size_t p = c->gp->dim + 2;
    c->evals++;
    memcpy(c->full, t, np * sizeof *t);
    double v = NAN;
    if (gpbo_gp_set_params(c->gp, c->full) == GPBO_OK)
        v = gpbo_gp_log_likelihood(c->gp, c->g);
    if (isfinite(v))
        v += gpbo_gp__log_prior(c->gp, c->o, c->g);
    if (!isfinite(v)) {
        if (grad != NULL)
            memset(grad, 0, np * sizeof *grad);
        return HUGE_VAL;
    }
    if (v > c->best_val) {
        c->best_val = v;
        memcpy(c->best, c->full, p * sizeof *c->best);
    }
    if (grad != NULL)
        for (unsigned i = 0; i < np; i++)
            grad[i] = -c->g[i];
    return -v;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int gpbo_gp_fit(gpbo_gp *gp, const gpbo_gp_fit_options *opts)
{
    gpbo_gp_fit_options def = GPBO_GP_FIT_OPTIONS_INIT;
    const gpbo_gp_fit_options *o = opts ? opts : &def;
    if (gp == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_fit: gp is NULL");
    int rc = gpbo_gp__check_options(o);
    if (rc != GPBO_OK)
        return rc;
    memset(&gp->info, 0, sizeof gp->info);
    if (gp->n == 0)
        return GPBO_OK;
    size_t d = gp->dim, p = d + 2;
    unsigned np = (unsigned)(o->learn_noise ? p : p - 1);
    double *mem = malloc(7 * p * sizeof *mem);
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, np);
    if (mem == NULL || opt == NULL) {
        free(mem);
        nlopt_destroy(opt);
        return gpbo_error_set(GPBO_ENOMEM, "gp_fit: out of memory");
    }
    double *lo = mem, *hi = mem + p, *x0 = mem + 2 * p, *orig = mem + 3 * p;
    fit_ctx c = {gp, o, mem + 4 * p, mem + 5 * p, mem + 6 * p, -HUGE_VAL, 0};
    memcpy(orig, gp->theta, p * sizeof *orig);
    memcpy(c.full, gp->theta, p * sizeof *orig);
    for (size_t k = 0; k < d; k++) {
        lo[k] = log(o->lengthscale_bounds[0]);
        hi[k] = log(o->lengthscale_bounds[1]);
    }
    lo[d] = log(o->signal_bounds[0]);
    hi[d] = log(o->signal_bounds[1]);
    lo[d + 1] = log(o->noise_bounds[0]);
    hi[d + 1] = log(o->noise_bounds[1]);
    nlopt_set_lower_bounds(opt, lo);
    nlopt_set_upper_bounds(opt, hi);
    nlopt_set_min_objective(opt, objective, &c);
    nlopt_set_maxeval(opt, (int)(o->max_evals > 1000000 ? 1000000 : o->max_evals));
    nlopt_set_ftol_rel(opt, o->ftol_rel);

    double mu, sigma;
    ls_prior(gp, o, &mu, &sigma);
    gpbo_rng rng;
    gpbo_rng_seed(&rng, o->seed);
    size_t starts = 0;
    for (size_t s = 0; s <= o->restarts; s++) {
        /* Start 0: the current hyperparameters (the previous optimum), clamped into the box. */
        for (size_t k = 0; k < np; k++) {
            double v;
            if (s == 0)
                v = orig[k];
            else if (o->use_priors && k < d)
                v = mu + sigma * gpbo_rng_normal(&rng);
            else if (o->use_priors && k == d + 1)
                v = o->noise_prior[0] + o->noise_prior[1] * gpbo_rng_normal(&rng);
            else
                v = lo[k] + (hi[k] - lo[k]) * gpbo_rng_uniform(&rng);
            x0[k] = clampd(v, lo[k], hi[k]);
        }
        if (np < p)
            c.full[d + 1] = orig[d + 1];
        double f;
        nlopt_result r = nlopt_optimize(opt, x0, &f);
        if (r > 0 || r == NLOPT_ROUNDOFF_LIMITED || r == NLOPT_MAXEVAL_REACHED)
            starts++;
    }
    nlopt_destroy(opt);
    gp->info.evaluations = c.evals;
    gp->info.starts = starts;
    if (!(c.best_val > -HUGE_VAL)) {
        gpbo_gp_set_params(gp, orig);
        free(mem);
        return gpbo_error_set(GPBO_EOPTIM,
                              "gp_fit: no start reached a finite objective "
                              "(%zu evaluations)",
                              c.evals);
    }
    gp->info.objective = c.best_val;
    rc = gpbo_gp_set_params(gp, c.best);
    free(mem);
    return rc;
}

int gpbo_gp_get_fit_info(const gpbo_gp *gp, gpbo_gp_fit_info *out)
{
    if (gp == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_get_fit_info: gp or out is NULL");
    *out = gp->info;
    return GPBO_OK;
}
