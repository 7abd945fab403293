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

#include "../base/numeric.h"
#include "gp_internal.h"
#include "gpbo/sys/error.h"
#include "gpbo/sys/options.h"

/* Random starts draw log s2 from N(0, LOG_S2_START_SD^2): the signal variance of standardized
 * targets is near 1, and two standard deviations of this cover 1/50 .. 50. */
#define LOG_S2_START_SD 2.0
/* Random candidates screened per random start (by their objective, without gradient). */
#define CAND_PER_START 8
/* Evaluations every start gets; then the RACE_KEEP best continue. */
#define RACE_EVALS 20
#define RACE_KEEP  2
/* From options.subset_min observations on, the candidates and the race are run on a random
 * subset of SUBSET_FRAC of the data (an eighth of the Cholesky cost at a half); the survivors
 * then run on all the data from where the race left them. Version-1 options get the default
 * subset_min of GPBO_GP_FIT_OPTIONS_INIT (load_options). */
#define SUBSET_FRAC 0.5

/* The bytes of each version of gpbo_gp_fit_options (the header lists the versions); index 0 is
 * unused. */
static const size_t OPTIONS_SIZE[GPBO_GP_FIT_OPTIONS_VERSION + 1] = {
    0, GPBO_OPTIONS_FIELD_END(gpbo_gp_fit_options, ftol_rel),
    GPBO_OPTIONS_FIELD_END(gpbo_gp_fit_options, subset_min)};
static const gpbo_gp_fit_options DEFAULTS = GPBO_GP_FIT_OPTIONS_INIT;
static const gpbo_options_type OPTIONS = {
    "gp_fit_options_init",       "options",    "GPBO_GP_FIT_OPTIONS_INIT",
    GPBO_GP_FIT_OPTIONS_VERSION, OPTIONS_SIZE, &DEFAULTS};

int gpbo_gp_fit_options_init(gpbo_gp_fit_options *opts, unsigned int version)
{
    return gpbo_options_init(&OPTIONS, opts, version);
}

/* The caller's options (NULL: the defaults) as a struct of this library's version. */
static int load_options(const char *fn, const gpbo_gp_fit_options *opts, gpbo_gp_fit_options *out)
{
    return gpbo_options_load(&OPTIONS, fn, opts, out);
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
        lp += -0.5 * z * z - log(sigma) - GPBO_LOG_SQRT_2PI;
        if (grad != NULL)
            grad[k] -= z / sigma;
    }
    double z = (gp->theta[d + 1] - o->noise_prior[0]) / o->noise_prior[1];
    lp += -0.5 * z * z - log(o->noise_prior[1]) - GPBO_LOG_SQRT_2PI;
    if (grad != NULL)
        grad[d + 1] -= z / o->noise_prior[1];
    return lp;
}

double gpbo_gp_log_posterior(gpbo_gp *gp, const gpbo_gp_fit_options *opts, double *grad)
{
    gpbo_gp_fit_options full;
    const gpbo_gp_fit_options *o = &full;
    if (gp == NULL) {
        gpbo_error_set(GPBO_EINVAL, "gp_log_posterior: gp is NULL");
        return NAN;
    }
    if (load_options("gp_log_posterior", opts, &full) != GPBO_OK ||
        gpbo_gp__check_options(o) != GPBO_OK)
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
    nlopt_opt opt; /* stopped when memory runs out */
    int nomem;     /* an allocation failed: the fit fails with GPBO_ENOMEM */
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
    if (gpbo_gp_set_params(c->gp, c->full) == GPBO_OK) {
        v = gpbo_gp_log_likelihood(c->gp, c->g);
        /* A start that fails numerically is skipped; one that ran out of memory would be
         * skipped silently too and the fit would quietly differ, so it stops everything. */
        if (isnan(v) && gpbo_error_code() == GPBO_ENOMEM) {
            c->nomem = 1;
            nlopt_force_stop(c->opt);
        }
    }
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

/* A GP on a random subset of m of gp's observations, in gp's model units (no standardization of
 * its own), with gp's hyperparameters; NULL when it cannot be built (the caller then races on
 * all the data). */
static gpbo_gp *subset_gp(const gpbo_gp *gp, size_t m, uint64_t seed)
{
    size_t n = gp->n, d = gp->dim;
    size_t *idx = malloc(n * sizeof *idx);
    double *xs = malloc(m * (d + 1) * sizeof *xs);
    gpbo_gp *sub = gpbo_gp_new_with_kernel(gp->kern, d);
    int ok = idx != NULL && xs != NULL && sub != NULL;
    if (ok) {
        gpbo_rng rng;
        gpbo_rng_seed(&rng, seed ^ 0x5ab5e7u);
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        for (size_t i = 0; i < m; i++) {
            size_t j = i + (size_t)(gpbo_rng_uniform(&rng) * (double)(n - i));
            if (j >= n)
                j = n - 1;
            size_t t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            memcpy(xs + i * d, gp->x + idx[i] * d, d * sizeof *xs);
            xs[m * d + i] = gp->ys[idx[i]];
        }
        ok = gpbo_gp_set_normalize(sub, 0) == GPBO_OK &&
             gpbo_gp_set_additive(sub, gp->additive) == GPBO_OK &&
             gpbo_gp_set_params(sub, gp->theta) == GPBO_OK &&
             gpbo_gp_set_data(sub, m, xs, xs + m * d) == GPBO_OK;
    }
    free(idx);
    free(xs);
    if (!ok) {
        gpbo_gp_free(sub);
        return NULL;
    }
    return sub;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int gpbo_gp_fit(gpbo_gp *gp, const gpbo_gp_fit_options *opts)
{
    gpbo_gp_fit_options full;
    const gpbo_gp_fit_options *o = &full;
    if (gp == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_fit: gp is NULL");
    int rc = load_options("gp_fit", opts, &full);
    if (rc == GPBO_OK)
        rc = gpbo_gp__check_options(o);
    if (rc != GPBO_OK)
        return rc;
    if (gp->n == 0) {
        memset(&gp->info, 0, sizeof gp->info);
        return GPBO_OK;
    }
    size_t d = gp->dim, p = d + 2;
    unsigned np = (unsigned)(o->learn_noise ? p : p - 1);
    double *mem = malloc(7 * p * sizeof *mem);
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, np);
    if (mem == NULL || opt == NULL) {
        free(mem);
        nlopt_destroy(opt);
        return gpbo_error_set(GPBO_ENOMEM, "gp_fit: out of memory");
    }
    double *lo = mem, *hi = mem + p, *orig = mem + 3 * p;
    fit_ctx c = {gp, o, mem + 4 * p, mem + 5 * p, mem + 6 * p, -HUGE_VAL, 0, opt, 0};
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
    nlopt_set_ftol_rel(opt, o->ftol_rel);

    /* Starts: the current hyperparameters, then for each restart the best of its own group of
     * CAND_PER_START random candidates (one Cholesky each, no gradient). Groups alternate
     * between the priors (the dimension-scaled lengthscale prior even when use_priors is off;
     * log s2 ~ N(0, LOG_S2_START_SD^2)) and log-uniform draws from the bounds. */
    size_t ncand = CAND_PER_START * o->restarts;
    double *cand = ncand ? malloc(ncand * (p + 1) * sizeof *cand) : NULL;
    if (ncand && cand == NULL) {
        free(mem);
        nlopt_destroy(opt);
        return gpbo_error_set(GPBO_ENOMEM, "gp_fit: out of memory");
    }
    double *cval = cand + ncand * p;
    gpbo_gp *sub = NULL;
    if (o->subset_min > 0 && gp->n >= o->subset_min && o->max_evals > 2 * RACE_EVALS)
        sub = subset_gp(gp, (size_t)(SUBSET_FRAC * (double)gp->n), o->seed);
    gpbo_gp *rg = sub != NULL ? sub : gp;
    c.gp = rg;
    double mu, sigma;
    ls_prior(gp, o, &mu, &sigma);
    gpbo_rng rng;
    gpbo_rng_seed(&rng, o->seed);
    for (size_t s = 0; s < ncand; s++) {
        double *t = cand + s * p;
        for (size_t k = 0; k < p; k++) {
            double v;
            if (k == d + 1 && np < p)
                v = orig[k];
            else if ((s / CAND_PER_START) % 2 == 1)
                v = lo[k] + (hi[k] - lo[k]) * gpbo_rng_uniform(&rng);
            else if (k < d)
                v = mu + sigma * gpbo_rng_normal(&rng);
            else if (k == d)
                v = LOG_S2_START_SD * gpbo_rng_normal(&rng);
            else
                v = o->noise_prior[0] + o->noise_prior[1] * gpbo_rng_normal(&rng);
            t[k] = clampd(v, lo[k], hi[k]);
        }
        cval[s] = -HUGE_VAL;
        if (gpbo_gp_set_params(rg, t) == GPBO_OK) {
            double v = gpbo_gp_log_likelihood(rg, NULL);
            if (isfinite(v))
                v += gpbo_gp__log_prior(rg, o, NULL);
            if (isfinite(v))
                cval[s] = v;
        }
        c.evals++;
    }
    /* Racing: every start runs RACE_EVALS evaluations; the RACE_KEEP best that have not
     * converged yet continue up to max_evals. Starts whose early progress is poor rarely end
     * best, and most of the budget goes to the promising ones. */
    size_t S = o->restarts + 1, starts = 0;
    double *sx = malloc(S * (p + 2) * sizeof *sx);
    if (sx == NULL) {
        gpbo_gp_free(sub);
        free(cand);
        gpbo_gp_set_params(gp, orig); /* the candidates changed them; this succeeded before */
        free(mem);
        nlopt_destroy(opt);
        return gpbo_error_set(GPBO_ENOMEM, "gp_fit: out of memory");
    }
    double *sf = sx + S * p, *sdone = sf + S;
    size_t race = o->max_evals < RACE_EVALS ? o->max_evals : RACE_EVALS;
    nlopt_set_maxeval(opt, (int)race);
    for (size_t s = 0; s < S; s++) {
        double *x0s = sx + s * p;
        sf[s] = -HUGE_VAL;
        sdone[s] = 1.0;
        if (s == 0) {
            for (size_t k = 0; k < np; k++)
                x0s[k] = clampd(orig[k], lo[k], hi[k]);
        } else {
            /* The best candidate of this start's own group (groups keep the starts diverse). */
            size_t best = ncand;
            for (size_t q = (s - 1) * CAND_PER_START; q < s * CAND_PER_START; q++)
                if (cval[q] > -HUGE_VAL && (best == ncand || cval[q] > cval[best]))
                    best = q;
            if (best == ncand)
                continue;
            memcpy(x0s, cand + best * p, np * sizeof *x0s);
        }
        memcpy(c.full, orig, p * sizeof *orig);
        double f = HUGE_VAL;
        nlopt_result r = nlopt_optimize(opt, x0s, &f);
        if (r == NLOPT_OUT_OF_MEMORY || c.nomem) {
            c.nomem = 1;
            break;
        }
        if (isfinite(f)) {
            sf[s] = -f;
            sdone[s] = r == NLOPT_MAXEVAL_REACHED ? 0.0 : 1.0;
            starts++;
        }
    }
    if (sub != NULL) {
        /* The race ran on the subset: its values only rank the starts. The survivors go on
         * with all the data, converged or not. */
        c.gp = gp;
        c.best_val = -HUGE_VAL;
        for (size_t s = 0; s < S; s++)
            sdone[s] = 0.0;
    }
    if (o->max_evals > race && !c.nomem) {
        nlopt_set_maxeval(opt,
                          (int)(o->max_evals - race > 1000000 ? 1000000 : o->max_evals - race));
        for (size_t keep = 0; keep < RACE_KEEP; keep++) {
            size_t best = S;
            for (size_t s = 0; s < S; s++)
                if (sf[s] > -HUGE_VAL && (best == S || sf[s] > sf[best]))
                    best = s;
            if (best == S)
                break;
            sf[best] = -HUGE_VAL; /* taken */
            if (sdone[best] != 0.0)
                continue;
            memcpy(c.full, orig, p * sizeof *orig);
            double f;
            if (nlopt_optimize(opt, sx + best * p, &f) == NLOPT_OUT_OF_MEMORY || c.nomem) {
                c.nomem = 1;
                break;
            }
        }
    }
    free(sx);
    free(cand);
    gpbo_gp_free(sub);
    nlopt_destroy(opt);
    if (c.nomem) {
        gpbo_gp_set_params(gp, orig); /* succeeded before the fit */
        free(mem);
        return gpbo_error_set(GPBO_ENOMEM, "gp_fit: out of memory (after %zu evaluations)",
                              c.evals);
    }
    memset(&gp->info, 0, sizeof gp->info); /* only now: a fit out of memory keeps the last */
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
