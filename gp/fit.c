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
/* The data start (options.data_start): every lengthscale DATA_START_LS times its input's spread
 * in the data (max - min), the signal variance the targets' variance in model units, the noise
 * DATA_START_NOISE of it. The screened random starts rarely begin at short lengthscales (a short
 * candidate's first likelihood is poor, a noisy one's fair), and a rough noise-free function's
 * mode is reached from below its lengthscales, the noisy mode from above: on
 * bench/gp_fit/modes.py's problems the fit without it missed scikit-learn's mode by 442 nats (n =
 * 200, d = 2, SE) from all 11 starts, and one start here reached it (bench/gp_fit/README.md "The
 * data start"). Chosen on those 160 problems (0.1: 6 misses of more than 1 nat, 0.2: 8, 0.05: 9,
 * none: 11; noise 1e-4 against 1e-5: 6 and 7). */
#define DATA_START_LS    0.1
#define DATA_START_NOISE 1e-4
/* Evaluations every start gets; then the options.race_keep best continue: by default (0) all of
 * them below RACE_ALL_BELOW observations, and from there on a third of them, at least RACE_KEEP
 * (2 of the 5 starts of 4 restarts, as before version 4 of the options; 4 of the 11 of the
 * default 10). Below it, keeping 2 of 5 ended more than 1 nat below scikit-learn's best mode on
 * 20 of bench/gp_fit/modes.py's 160 problems (n <= 200) and every start to the end of 11 on 9,
 * at under 0.3 s a fit at n = 200. From 300 on, the race saves most of the fit's cost; 2 of 11
 * lost the mode that 2 of 5 found at n = 300, d = 6 (-363.4 against -346.3), 3 or 4 of 11 kept it
 * (bench/gp_fit/README.md). */
#define RACE_EVALS     20
#define RACE_KEEP      2
#define RACE_ALL_BELOW 300
/* From options.subset_min observations on, the candidates and the race are run on a random
 * subset of SUBSET_FRAC of the data (an eighth of the Cholesky cost at a half); the survivors
 * then run on all the data from where the race left them. Version-1 options get the default
 * subset_min of GPBO_GP_FIT_OPTIONS_INIT (load_options). */
#define SUBSET_FRAC 0.5
/* The subset's draws are salted so that they are not the candidates' stream (both are seeded by
 * options.seed); the value is arbitrary (it spells "sabset"), chosen by hand. */
#define SUBSET_SEED_SALT 0x5ab5e7u
/* nlopt_set_maxeval() takes an int: the survivors' budget is capped here so that the cast cannot
 * overflow (a million evaluations is far more than any fit runs). */
#define NLOPT_MAXEVAL_MAX 1000000
/* options.restarts above this is refused as a mistake: the candidates alone would take
 * CAND_PER_START Cholesky factorizations each. Chosen by hand. */
#define RESTARTS_MAX 100000
/* The default lengthscale prior of Hvarfner, Hellsten & Nardi (2024): log l ~ N(sqrt(2) +
 * log(d) / 2, sqrt(3)^2), d the dimension. */
#define LS_PRIOR_MU0    1.4142135623730951
#define LS_PRIOR_SIGMA0 1.7320508075688772

/* The bytes of each version of gpbo_gp_fit_options (the header lists the versions); index 0 is
 * unused. */
static const size_t OPTIONS_SIZE[GPBO_GP_FIT_OPTIONS_VERSION + 1] = {
    0,
    GPBO_OPTIONS_FIELD_END(gpbo_gp_fit_options, ftol_rel),
    GPBO_OPTIONS_FIELD_END(gpbo_gp_fit_options, subset_min),
    GPBO_OPTIONS_FIELD_END(gpbo_gp_fit_options, lengthscale_priors),
    GPBO_OPTIONS_FIELD_END(gpbo_gp_fit_options, race_keep),
    GPBO_OPTIONS_FIELD_END(gpbo_gp_fit_options, data_start)};
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

int gpbo_gp__check_options(const gpbo_gp_fit_options *o, size_t dim)
{
    if (o->max_evals < 1)
        return gpbo_error_set(GPBO_EINVAL, "gp_fit: options.max_evals must be at least 1");
    if (o->restarts > RESTARTS_MAX)
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
        for (size_t j = 0; o->lengthscale_priors != NULL && j < dim; j++) {
            const double *pj = o->lengthscale_priors + 2 * j;
            if (!(isfinite(pj[0]) && isfinite(pj[1]) && pj[1] > 0.0))
                return gpbo_error_set(GPBO_EINVAL,
                                      "gp_fit: options.lengthscale_priors[%zu] = (%g, %g) needs "
                                      "a finite mean and a positive sigma",
                                      j, pj[0], pj[1]);
        }
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
        *mu = LS_PRIOR_MU0 + 0.5 * log((double)gp->dim);
        *sigma = LS_PRIOR_SIGMA0;
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
        if (o->lengthscale_priors != NULL) {
            mu = o->lengthscale_priors[2 * k];
            sigma = o->lengthscale_priors[2 * k + 1];
        }
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
        gpbo_gp__check_options(o, gp->dim) != GPBO_OK)
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

gpbo_gp *gpbo_gp__subset(const gpbo_gp *gp, size_t m, uint64_t seed)
{
    size_t n = gp->n, d = gp->dim;
    size_t *idx = malloc(n * sizeof *idx);
    double *xs = malloc(m * (d + 2) * sizeof *xs);
    gpbo_gp *sub = gpbo_gp_new_with_kernel(gp->kern, d);
    int ok = idx != NULL && xs != NULL && sub != NULL;
    if (ok) {
        gpbo_rng rng;
        gpbo_rng_seed(&rng, seed ^ SUBSET_SEED_SALT);
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
            xs[m * (d + 1) + i] = gp->nvs[idx[i]];
        }
        ok =
            gpbo_gp_set_normalize(sub, 0) == GPBO_OK &&
            gpbo_gp_set_additive(sub, gp->additive) == GPBO_OK &&
            gpbo_gp_set_params(sub, gp->theta) == GPBO_OK &&
            gpbo_gp_set_data_noise(sub, m, xs, xs + m * d,
                                   gpbo_gp__has_obs_noise(gp) ? xs + m * (d + 1) : NULL) == GPBO_OK;
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

/* One fit: the L-BFGS problem (c.opt) on np of the p log hyperparameters, inside [lo, hi]; the
 * screened random candidates; the starts of the race. Everything it points to is freed by
 * fit_free(). */
typedef struct fit_run {
    fit_ctx c;
    size_t d, p;
    unsigned np;  /* p, or p - 1 when the noise is not learned (it is the last) */
    double *mem;  /* lo, hi, orig, c.full, c.g, c.best: p each */
    double *lo;   /* p lower log bounds */
    double *hi;   /* p upper log bounds */
    double *orig; /* p: the hyperparameters before the fit, restored when it fails */
    int restore;  /* the fit has changed gp's hyperparameters: restore orig on failure */
    gpbo_gp *sub; /* the subset the race runs on, or NULL (it runs on gp) */
    size_t ncand; /* CAND_PER_START per restart */
    double *cand; /* ncand * p candidates, then their ncand values (cval) */
    double *cval;
    double *dstart; /* p: the data start (options.data_start), the last restart's, or NULL */
    size_t S;       /* starts: the current hyperparameters and one per restart */
    double *sx;     /* S * p: where each start is (the race leaves it there) */
    double *sf;     /* S: its value after the race, -inf when it failed or was taken */
    double *sdone;  /* S: 1 when it converged in the race (or failed), else 0 */
    size_t race;    /* evaluations of the race */
    size_t starts;  /* starts that reached a finite objective */
} fit_run;

/* The data start (DATA_START_LS, DATA_START_NOISE) of gp into t (p log values, inside r's
 * bounds): an input without spread (or a single observation) keeps its current lengthscale,
 * targets without spread the current signal variance, a noise that is not learned its value. */
static void data_start(const fit_run *r, const gpbo_gp *gp, double *t)
{
    size_t d = r->d, n = gp->n;
    memcpy(t, r->orig, r->p * sizeof *t);
    for (size_t k = 0; k < d; k++) {
        double lo = gp->x[k], hi = lo;
        for (size_t i = 1; i < n; i++) {
            double v = gp->x[i * d + k];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (hi > lo && isfinite(hi - lo))
            t[k] = log(DATA_START_LS * (hi - lo));
    }
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += gp->ys[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (gp->ys[i] - mean) * (gp->ys[i] - mean);
    if (ss > 0.0 && isfinite(ss)) {
        t[d] = log(ss / (double)n);
        if (r->np == r->p)
            t[d + 1] = t[d] + log(DATA_START_NOISE);
    }
    for (size_t k = 0; k < r->np; k++)
        t[k] = clampd(t[k], r->lo[k], r->hi[k]);
}

/* Allocates the bounds and the L-BFGS problem of r for gp and the options o. On error (only
 * GPBO_ENOMEM) what was allocated is left in r for fit_free(). */
static int fit_begin(fit_run *r, gpbo_gp *gp, const gpbo_gp_fit_options *o)
{
    size_t d = gp->dim, p = d + 2;
    r->d = d;
    r->p = p;
    r->np = (unsigned)(o->learn_noise ? p : p - 1);
    r->mem = malloc(7 * p * sizeof *r->mem);
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, r->np);
    r->c.opt = opt;
    if (r->mem == NULL || opt == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "gp_fit: out of memory");
    double *mem = r->mem;
    r->lo = mem;
    r->hi = mem + p;
    r->orig = mem + 2 * p;
    fit_ctx c = {gp, o, mem + 3 * p, mem + 4 * p, mem + 5 * p, -HUGE_VAL, 0, opt, 0};
    r->c = c;
    memcpy(r->orig, gp->theta, p * sizeof *r->orig);
    memcpy(r->c.full, gp->theta, p * sizeof *r->orig);
    for (size_t k = 0; k < d; k++) {
        r->lo[k] = log(o->lengthscale_bounds[0]);
        r->hi[k] = log(o->lengthscale_bounds[1]);
    }
    r->lo[d] = log(o->signal_bounds[0]);
    r->hi[d] = log(o->signal_bounds[1]);
    r->lo[d + 1] = log(o->noise_bounds[0]);
    r->hi[d + 1] = log(o->noise_bounds[1]);
    if (o->data_start && o->restarts > 0)
        data_start(r, gp, r->dstart = mem + 6 * p);
    nlopt_set_lower_bounds(opt, r->lo);
    nlopt_set_upper_bounds(opt, r->hi);
    nlopt_set_min_objective(opt, objective, &r->c);
    nlopt_set_ftol_rel(opt, o->ftol_rel);
    return GPBO_OK;
}

/* Candidate s (in group s / CAND_PER_START) into t: groups alternate between the priors (the
 * dimension-scaled lengthscale prior, mu and sigma, even when use_priors is off; log s2 ~ N(0,
 * LOG_S2_START_SD^2)) and log-uniform draws from the bounds; a noise that is not learned keeps
 * its value. */
static void draw_candidate(const fit_run *r, gpbo_rng *rng, size_t s, double mu, double sigma,
                           double *t)
{
    const gpbo_gp_fit_options *o = r->c.o;
    size_t d = r->d;
    for (size_t k = 0; k < r->p; k++) {
        double v;
        if (k == d + 1 && r->np < r->p)
            v = r->orig[k];
        else if ((s / CAND_PER_START) % 2 == 1)
            v = r->lo[k] + (r->hi[k] - r->lo[k]) * gpbo_rng_uniform(rng);
        else if (k < d)
            v = mu + sigma * gpbo_rng_normal(rng);
        else if (k == d)
            v = LOG_S2_START_SD * gpbo_rng_normal(rng);
        else
            v = o->noise_prior[0] + o->noise_prior[1] * gpbo_rng_normal(rng);
        t[k] = clampd(v, r->lo[k], r->hi[k]);
    }
}

/* Draws the candidates and scores each by its objective (one Cholesky, no gradient) on the
 * subset when there is one; the race then runs there too (c.gp). GPBO_ENOMEM when the
 * candidates find no memory (gp is not changed yet then); a subset that cannot be built only
 * means the race runs on all the data. */
static int screen_candidates(fit_run *r, gpbo_gp *gp)
{
    const gpbo_gp_fit_options *o = r->c.o;
    size_t p = r->p;
    r->ncand = CAND_PER_START * (o->restarts - (r->dstart != NULL)); /* the data start's none */
    r->cand = r->ncand ? malloc(r->ncand * (p + 1) * sizeof *r->cand) : NULL;
    if (r->ncand && r->cand == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "gp_fit: out of memory");
    r->cval = r->cand ? r->cand + r->ncand * p : NULL; /* no candidates (no restarts): none */
    r->restore = 1; /* the candidates change gp's hyperparameters (or the subset's) */
    if (o->subset_min > 0 && gp->n >= o->subset_min && o->max_evals > 2 * RACE_EVALS)
        r->sub = gpbo_gp__subset(gp, (size_t)(SUBSET_FRAC * (double)gp->n), o->seed);
    gpbo_gp *rg = r->sub != NULL ? r->sub : gp;
    r->c.gp = rg;
    double mu, sigma;
    ls_prior(gp, o, &mu, &sigma);
    gpbo_rng rng;
    gpbo_rng_seed(&rng, o->seed);
    for (size_t s = 0; s < r->ncand; s++) {
        double *t = r->cand + s * p;
        draw_candidate(r, &rng, s, mu, sigma, t);
        r->cval[s] = -HUGE_VAL;
        if (gpbo_gp_set_params(rg, t) == GPBO_OK) {
            double v = gpbo_gp_log_likelihood(rg, NULL);
            if (isfinite(v))
                v += gpbo_gp__log_prior(rg, o, NULL);
            if (isfinite(v))
                r->cval[s] = v;
        }
        r->c.evals++;
    }
    return GPBO_OK;
}

/* Where start s begins (x0, np values): the current hyperparameters clamped into the bounds for
 * s = 0, else the best candidate of its own group (groups keep the starts diverse). 0 when the
 * group has no finite candidate (the start is skipped). */
static int start_point(const fit_run *r, size_t s, double *x0)
{
    if (r->dstart != NULL && s == r->S - 1) {
        memcpy(x0, r->dstart, r->np * sizeof *x0);
        return 1;
    }
    if (s == 0) {
        for (size_t k = 0; k < r->np; k++)
            x0[k] = clampd(r->orig[k], r->lo[k], r->hi[k]);
        return 1;
    }
    size_t best = r->ncand;
    for (size_t q = (s - 1) * CAND_PER_START; q < s * CAND_PER_START; q++)
        if (r->cval[q] > -HUGE_VAL && (best == r->ncand || r->cval[q] > r->cval[best]))
            best = q;
    if (best == r->ncand)
        return 0;
    memcpy(x0, r->cand + best * r->p, r->np * sizeof *x0);
    return 1;
}

/* Racing: every start runs `race` evaluations (fewer with a small max_evals) from its start
 * point; sx keeps where each stopped. On out of memory c.nomem is set and the race stops. */
static int run_race(fit_run *r)
{
    size_t S = r->c.o->restarts + 1, p = r->p;
    r->S = S;
    r->sx = malloc(S * (p + 2) * sizeof *r->sx);
    if (r->sx == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "gp_fit: out of memory");
    r->sf = r->sx + S * p;
    r->sdone = r->sf + S;
    size_t max_evals = r->c.o->max_evals;
    r->race = max_evals < RACE_EVALS ? max_evals : RACE_EVALS;
    nlopt_set_maxeval(r->c.opt, (int)r->race);
    for (size_t s = 0; s < S; s++) {
        double *x0s = r->sx + s * p;
        r->sf[s] = -HUGE_VAL;
        r->sdone[s] = 1.0;
        if (!start_point(r, s, x0s))
            continue;
        memcpy(r->c.full, r->orig, p * sizeof *r->orig);
        double f = HUGE_VAL;
        nlopt_result res = nlopt_optimize(r->c.opt, x0s, &f);
        if (res == NLOPT_OUT_OF_MEMORY || r->c.nomem) {
            r->c.nomem = 1;
            break;
        }
        if (isfinite(f)) {
            r->sf[s] = -f;
            r->sdone[s] = res == NLOPT_MAXEVAL_REACHED ? 0.0 : 1.0;
            r->starts++;
        }
    }
    return GPBO_OK;
}

/* Of the race_keep best starts, those that have not converged continue on gp's data up to
 * max_evals (a converged one keeps its place: the next best does not run instead). A
 * race on the subset only ranked the starts: then every survivor continues, converged or not,
 * and the best value so far no longer counts. */
static void run_survivors(fit_run *r, gpbo_gp *gp)
{
    size_t S = r->S, p = r->p, max_evals = r->c.o->max_evals;
    if (r->sub != NULL) {
        r->c.gp = gp;
        r->c.best_val = -HUGE_VAL;
        for (size_t s = 0; s < S; s++)
            r->sdone[s] = 0.0;
    }
    if (!(max_evals > r->race && !r->c.nomem))
        return;
    size_t rest = max_evals - r->race;
    nlopt_set_maxeval(r->c.opt, (int)(rest > NLOPT_MAXEVAL_MAX ? NLOPT_MAXEVAL_MAX : rest));
    size_t keep_n = r->c.o->race_keep, third = (S + 2) / 3;
    if (keep_n == 0 && gp->n < RACE_ALL_BELOW)
        keep_n = S;
    else if (keep_n == 0)
        keep_n = third > RACE_KEEP ? third : RACE_KEEP;
    for (size_t keep = 0; keep < keep_n; keep++) {
        size_t best = S;
        for (size_t s = 0; s < S; s++)
            if (r->sf[s] > -HUGE_VAL && (best == S || r->sf[s] > r->sf[best]))
                best = s;
        if (best == S)
            break;
        r->sf[best] = -HUGE_VAL; /* taken */
        if (r->sdone[best] != 0.0)
            continue;
        memcpy(r->c.full, r->orig, p * sizeof *r->orig);
        double f;
        if (nlopt_optimize(r->c.opt, r->sx + best * p, &f) == NLOPT_OUT_OF_MEMORY || r->c.nomem) {
            r->c.nomem = 1;
            break;
        }
    }
}

/* Records the fit in gp->info and sets the best hyperparameters found. GPBO_ENOMEM (info kept
 * from the last fit) or GPBO_EOPTIM when the runs failed; then fit_free() restores orig. */
static int fit_finish(fit_run *r, gpbo_gp *gp)
{
    if (r->c.nomem)
        return gpbo_error_set(GPBO_ENOMEM, "gp_fit: out of memory (after %zu evaluations)",
                              r->c.evals);
    memset(&gp->info, 0, sizeof gp->info); /* only now: a fit out of memory keeps the last */
    gp->info.evaluations = r->c.evals;
    gp->info.starts = r->starts;
    if (!(r->c.best_val > -HUGE_VAL))
        return gpbo_error_set(GPBO_EOPTIM,
                              "gp_fit: no start reached a finite objective "
                              "(%zu evaluations)",
                              r->c.evals);
    gp->info.objective = r->c.best_val;
    r->restore = 0; /* gpbo_gp_set_params() keeps the last hyperparameters if it fails */
    return gpbo_gp_set_params(gp, r->c.best);
}

/* Frees what r holds; when the fit failed after changing gp's hyperparameters, restores them
 * (which succeeded before the fit, so it succeeds again and leaves the error message alone). */
static void fit_free(fit_run *r, gpbo_gp *gp, int rc)
{
    free(r->sx);
    free(r->cand);
    gpbo_gp_free(r->sub);
    nlopt_destroy(r->c.opt);
    if (rc != GPBO_OK && r->restore)
        gpbo_gp_set_params(gp, r->orig);
    free(r->mem);
}

int gpbo_gp_fit(gpbo_gp *gp, const gpbo_gp_fit_options *opts)
{
    gpbo_gp_fit_options o;
    if (gp == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_fit: gp is NULL");
    int rc = load_options("gp_fit", opts, &o);
    if (rc == GPBO_OK)
        rc = gpbo_gp__check_options(&o, gp->dim);
    if (rc != GPBO_OK)
        return rc;
    if (gp->n == 0) {
        memset(&gp->info, 0, sizeof gp->info);
        return GPBO_OK;
    }
    /* Starts: the current hyperparameters, then for each restart the best of its own group of
     * CAND_PER_START random candidates (the last restart the data start, with data_start). Racing:
     * every start runs RACE_EVALS evaluations; the race_keep best continue up to max_evals unless
     * they have converged. Starts whose early progress is poor rarely end best, and most of the
     * budget goes to the promising ones. */
    fit_run r = {0};
    if ((rc = fit_begin(&r, gp, &o)) != GPBO_OK)
        goto cleanup;
    if ((rc = screen_candidates(&r, gp)) != GPBO_OK)
        goto cleanup;
    if ((rc = run_race(&r)) != GPBO_OK)
        goto cleanup;
    run_survivors(&r, gp);
    rc = fit_finish(&r, gp);
cleanup:
    fit_free(&r, gp, rc);
    return rc;
}

int gpbo_gp_get_fit_info(const gpbo_gp *gp, gpbo_gp_fit_info *out)
{
    if (gp == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_get_fit_info: gp or out is NULL");
    *out = gp->info;
    return GPBO_OK;
}
