/*
 * strategies.c: grid, random, Sobol, Latin hypercube and Bayesian search behind one interface
 * (gpbo_strategy_def). Every choice is a function of the study seed and the trial number, so
 * a resumed study repeats an uninterrupted one.
 *
 * bayes: the first n_init trials are randomized Sobol points; then a GP (Matérn 5/2 ARD by
 * default; maximum likelihood unless use_priors) is fitted to the complete trials and to the pruned
 * ones at their last intermediate value — failed trials (and pruned ones that reported nothing) are
 * left out (GPBO_FAILED_EXCLUDE) or imputed with the worst value seen (GPBO_FAILED_WORST),
 * and can never be proposed again — with hyperparameters refitted every
 * refit_every trials (kept in between), and the acquisition (log-EI by default) is maximized
 * over the projected space with the running trials as pending points. When the initial design
 * is skewed upwards, a GP of log(y - min + delta) is fitted too and the model of the higher
 * likelihood of the raw data is kept (see warp_candidate), and the additive form of the kernel
 * competes the same way. Once the best has stalled, two trials in three go to a restart episode
 * (see restart_roles).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "search_internal.h"

/* The Sobol shift's generator is seeded with the study seed XOR this, so that its stream is
 * not the one the study's own generator draws from the same seed. */
#define SOBOL_SHIFT_SALT 0x5DEECE66Dull

static int random_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    (void)st;
    (void)number;
    size_t d = v->space->dim;
    for (size_t k = 0; k < d; k++)
        u[k] = gpbo_rng_uniform(rng);
    return gpbo_space_project(u, d, (void *)v->space);
}

/* Point `number` of the Sobol sequence (origin first), digitally shifted by the study seed;
 * uniform draws beyond the sequence's dimensions. */
static int sobol_point(const gpbo_space *space, uint64_t seed, size_t number, gpbo_rng *rng,
                       double *u)
{
    size_t d = space->dim;
    if (d == 0)
        return GPBO_OK;
    if (d > GPBO_ACQ_SOBOL_MAX_DIM) {
        for (size_t k = 0; k < d; k++)
            u[k] = gpbo_rng_uniform(rng);
        return gpbo_space_project(u, d, (void *)space);
    }
    gpbo_rng sr;
    gpbo_rng_seed(&sr, seed ^ SOBOL_SHIFT_SALT);
    uint32_t shift[GPBO_ACQ_SOBOL_MAX_DIM];
    for (size_t k = 0; k < d; k++)
        shift[k] = (uint32_t)(gpbo_rng_u64(&sr) >> 32);
    int rc = gpbo_acq_sobol(d, shift, number, 1, u);
    if (rc != GPBO_OK)
        return rc;
    return gpbo_space_project(u, d, (void *)space);
}

static int sobol_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    (void)st;
    return sobol_point(v->space, v->opts->seed, number, rng, u);
}

static int lhs_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    (void)st;
    (void)rng;
    size_t L = v->opts->lhs_size ? v->opts->lhs_size : 1, d = v->space->dim;
    size_t block = number / L, j = number % L;
    size_t *perm = malloc(L * sizeof *perm);
    if (perm == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "lhs: out of memory");
    gpbo_rng br;
    gpbo_rng_seed(&br, v->opts->seed ^ (0xD1B54A32D192ED03ull * (block + 1)));
    for (size_t k = 0; k < d; k++) {
        for (size_t i = 0; i < L; i++)
            perm[i] = i;
        gpbo_rng_shuffle(&br, L, perm);
        /* the jitter of row j in column k: draws in a fixed order, row by row */
        double jit = 0.0;
        for (size_t i = 0; i <= j; i++)
            jit = gpbo_rng_uniform(&br);
        for (size_t i = j + 1; i < L; i++)
            (void)gpbo_rng_uniform(&br);
        u[k] = ((double)perm[j] + jit) / (double)L;
    }
    free(perm);
    return gpbo_space_project(u, d, (void *)v->space);
}

/* ---- grid ---------------------------------------------------------------------------------- */

typedef struct grid_state {
    size_t np;
    size_t *count; /* values per parameter */
    size_t total;
    size_t *order; /* shuffled visiting order, or NULL */
} grid_state;

static void grid_free(void *p)
{
    grid_state *g = p;
    if (g) {
        free(g->count);
        free(g->order);
        free(g);
    }
}

static int grid_init(void **out, const gpbo_space *space, const gpbo_study_options *o)
{
    if (o->grid_resolution < 1)
        return gpbo_error_set(GPBO_EINVAL, "grid: grid_resolution must be at least 1");
    grid_state *g = calloc(1, sizeof *g);
    if (g == NULL || (g->count = calloc(space->n + 1, sizeof *g->count)) == NULL) {
        grid_free(g);
        return gpbo_error_set(GPBO_ENOMEM, "grid: out of memory");
    }
    g->np = space->n;
    double total = 1.0;
    for (size_t i = 0; i < space->n; i++) {
        const gpbo_param *p = &space->p[i];
        size_t c = 1;
        if (p->type == GPBO_PARAM_FLOAT)
            c = p->lo == p->hi ? 1 : o->grid_resolution;
        else if (p->type == GPBO_PARAM_INT) {
            double range = p->hi - p->lo + 1.0;
            c = range < (double)o->grid_resolution ? (size_t)range : o->grid_resolution;
        } else if (p->type == GPBO_PARAM_CATEGORICAL)
            c = p->nchoices;
        g->count[i] = c;
        total *= (double)c;
    }
    if (total > 1e8) {
        grid_free(g);
        return gpbo_error_set(GPBO_EINVAL, "grid: %.3g points are too many (at most 1e8)", total);
    }
    g->total = (size_t)total;
    if (o->grid_shuffle) {
        g->order = malloc(g->total * sizeof *g->order);
        if (g->order == NULL) {
            grid_free(g);
            return gpbo_error_set(GPBO_ENOMEM, "grid: out of memory");
        }
        for (size_t i = 0; i < g->total; i++)
            g->order[i] = i;
        gpbo_rng r;
        gpbo_rng_seed(&r, o->seed);
        gpbo_rng_shuffle(&r, g->total, g->order);
    }
    *out = g;
    return GPBO_OK;
}

static size_t grid_capacity(const void *st)
{
    return ((const grid_state *)st)->total;
}

static int grid_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    (void)rng;
    grid_state *g = st;
    if (number >= g->total)
        return gpbo_error_set(GPBO_EEXHAUSTED, "grid: all %zu points were asked", g->total);
    size_t idx = g->order ? g->order[number] : number;
    const gpbo_space *s = v->space;
    double *vals = malloc((s->n ? s->n : 1) * sizeof *vals);
    if (vals == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "grid: out of memory");
    /* mixed radix, the last parameter varying fastest */
    for (size_t i = s->n; i-- > 0;) {
        const gpbo_param *p = &s->p[i];
        size_t c = g->count[i], k = idx % c;
        idx /= c;
        if (p->type == GPBO_PARAM_CATEGORICAL) {
            vals[i] = (double)k;
        } else if (p->type == GPBO_PARAM_CONST || c == 1) {
            vals[i] = p->lo;
        } else {
            double t = (double)k / (double)(c - 1), x;
            if (p->log_scale)
                x = exp(log(p->lo) + t * (log(p->hi) - log(p->lo)));
            else
                x = p->lo + t * (p->hi - p->lo);
            if (k == c - 1)
                x = p->hi;
            vals[i] = p->type == GPBO_PARAM_INT ? round(x) : x;
        }
    }
    int rc = gpbo_space_encode(s, vals, u);
    free(vals);
    return rc;
}

/* ---- bayes --------------------------------------------------------------------------------- */

/* The hyperparameters of one model, kept between asks until the next refit. */
typedef struct bayes_fit {
    double *theta;    /* last fitted hyperparameters (dim + 2), or NULL */
    size_t fitted_at; /* number of GP observations at the last fit */
    size_t episode;   /* which model: 0 the study's, e >= 1 restart episode e */
    int warp;         /* whether the last fit chose the log warping of y */
    int additive;     /* whether the last fit chose the additive form of the kernel */
} bayes_fit;

typedef struct bayes_state {
    bayes_fit fit[2]; /* [0] the model of every trial, [1] the current restart episode's */
} bayes_state;

static void bayes_free(void *p)
{
    bayes_state *b = p;
    if (b) {
        free(b->fit[0].theta);
        free(b->fit[1].theta);
        free(b);
    }
}

static int bayes_init(void **out, const gpbo_space *space, const gpbo_study_options *o)
{
    (void)space;
    if (o->refit_every < 1)
        return gpbo_error_set(GPBO_EINVAL, "bayes: refit_every must be at least 1");
    if ((unsigned)o->kernel > GPBO_KERNEL_MATERN52)
        return gpbo_error_set(GPBO_EINVAL, "bayes: unknown kernel %d", (int)o->kernel);
    if ((unsigned)o->acquisition >= GPBO_ACQ_KIND_COUNT)
        return gpbo_error_set(GPBO_EINVAL, "bayes: unknown acquisition %d", (int)o->acquisition);
    bayes_state *b = calloc(1, sizeof *b);
    if (b == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    *out = b;
    return GPBO_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median, smallest and largest of y[0..n), n >= 1. GPBO_ENOMEM (nothing written). */
static int median_of(const double *y, size_t n, double *med, double *lo, double *hi)
{
    double *s = malloc(n * sizeof *s);
    if (s == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    memcpy(s, y, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    *med = s[n / 2];
    *lo = s[0];
    *hi = s[n - 1];
    free(s);
    return GPBO_OK;
}

/* The log warping's offset, as a fraction of the spread between the smallest observation and
 * the median: small enough that the warping is close to log(y - min) over the bulk of the data,
 * large enough that the minimum does not map to -inf. */
#define WARP_DELTA 0.1
/* The initial design is skewed upwards when its upper half spans more than this many times its
 * lower half (a symmetric design gives 1). */
#define WARP_SKEW 2.0

/* A heavy upper tail (Rosenbrock-like ranges) swamps a stationary GP. The candidate is
 * w(y) = log(y - lo + delta), monotone, so it keeps every minimizer. It is considered when the
 * first `first` observations (the space-filling design: the function's shape over the box) are
 * skewed upwards; delta follows the median of all observations, so the warping sharpens as the
 * search closes in. Sets *found to 0 when there is no candidate. GPBO_ENOMEM. */
static int warp_candidate(const double *y, size_t n, size_t first, double *lo, double *delta,
                          int *found)
{
    double l0, h0, med, med_all, hi;
    *found = 0;
    if (first > n)
        first = n;
    int rc = median_of(y, first, &med, &l0, &h0);
    if (rc != GPBO_OK || !(h0 - med > WARP_SKEW * (med - l0)) || !(med > l0))
        return rc;
    if ((rc = median_of(y, n, &med_all, lo, &hi)) != GPBO_OK)
        return rc;
    *delta = WARP_DELTA * (med_all - *lo);
    if (!(*delta > 1e-12 * (hi - *lo)))
        *delta = 1e-12 * (hi - *lo) + 1e-300;
    *found = 1;
    return GPBO_OK;
}

static double std_of(const double *y, size_t n)
{
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        m += y[i] / (double)n;
    for (size_t i = 0; i < n; i++)
        s += (y[i] - m) * (y[i] - m) / (double)n;
    return sqrt(s) > 0 ? sqrt(s) : 1.0;
}

/* Fits on y[0..n) and returns the log marginal likelihood in the units of `raw` (the density
 * of the raw observations): the standardization's -n log std and the warping's log-Jacobian
 * sum log w'(raw) are added back, so a warped and an unwarped fit compare directly. */
static double fit_lml(gpbo_gp *gp, const gpbo_gp_fit_options *fo, size_t n, const double *x,
                      const double *y, const double *raw, double lo, double delta, int warped,
                      int *rc)
{
    *rc = gpbo_gp_set_data(gp, n, x, y);
    if (*rc == GPBO_OK)
        *rc = gpbo_gp_fit(gp, fo);
    if (*rc != GPBO_OK)
        return -INFINITY;
    double l = gpbo_gp_log_likelihood(gp, NULL);
    if (gpbo_gp_get_normalize(gp))
        l -= (double)n * log(std_of(y, n));
    for (size_t i = 0; warped && i < n; i++)
        l -= log(raw[i] - lo + delta);
    return isfinite(l) ? l : -INFINITY;
}

/* ---- restarts ----
 * A search that has settled in one basin stays there: its GP, fitted mostly to that basin, is
 * confident elsewhere. When the study's best has stalled (o->restart trials in a row improved it
 * by at most RESTART_TOL of its improvement since the initial design), two trials of every three
 * from then on go to a restart episode: a fresh search (its own randomized Sobol design of n_init
 * points, then its own GP of its own trials only), as TuRBO restarts a collapsed trust region
 * (Eriksson et al. 2019). The third goes on with the GP of every trial, which keeps refining the
 * best basin (or the one an episode found). An episode that stalls by the same rule hands its
 * slots to the next one. Measured on Hartmann 6 (200 evaluations, 30 seeds): runs left in the
 * second basin 12 without restarts, 6 with one trial in two, 3 with two in three
 * (bench/README.md). Roles are a function of the trials' values in trial order, so a resumed
 * study assigns them exactly as an uninterrupted one did (with parallel workers, a value that
 * arrives late can move a later trial's role). */
#define RESTART_TOL 1e-4

/* best[0..len) is a best-so-far sequence (+inf before the first value); its first `first`
 * entries are a design. Not stalled before the design has a value. */
static int stalled(const double *best, size_t len, size_t first, size_t window)
{
    if (window == 0 || first == 0 || len < first + window || !isfinite(best[first - 1]))
        return 0;
    double now = best[len - 1], before = best[len - 1 - window], start = best[first - 1];
    return before - now <= RESTART_TOL * (start - now);
}

static int known_value(const gpbo_search_view *v, size_t i)
{
    return i < v->n && (v->state[i] == GPBO_TRIAL_COMPLETE ||
                        (v->state[i] == GPBO_TRIAL_PRUNED && isfinite(v->y[i])));
}

/* Whether the model that proposes for role e (0: the study's, else an episode's) sees trial i. */
static int sees(const size_t *role, size_t e, size_t i)
{
    return e == 0 || role[i] == e;
}

/* role[t] for t <= number: 0 for the study's model, e >= 1 for restart episode e. */
static int restart_roles(const gpbo_search_view *v, size_t number, size_t *role)
{
    const gpbo_study_options *o = v->opts;
    size_t first = o->n_init ? o->n_init : 1, start = SIZE_MAX, e = 0, ne = 0;
    /* best so far over every trial, and over the current episode's */
    double *all = malloc(2 * (number + 1) * sizeof *all);
    if (all == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    double *ep = all + number + 1;
    double best = INFINITY, ebest = INFINITY;
    for (size_t t = 0; t <= number; t++) {
        if (start == SIZE_MAX && stalled(all, t, first, o->restart)) {
            start = t;
            e = 1;
        }
        role[t] = start != SIZE_MAX && (t - start) % 3 != 2 ? e : 0; /* episode, episode, study */
        if (role[t] != 0 && stalled(ep, ne, first, o->restart)) {
            role[t] = ++e;
            ne = 0;
            ebest = INFINITY;
        }
        if (t == number)
            break;
        double yt = known_value(v, t) ? v->y[t] : INFINITY;
        best = yt < best ? yt : best;
        all[t] = best;
        if (role[t] != 0) {
            ebest = yt < ebest ? yt : ebest;
            ep[ne++] = ebest;
        }
    }
    free(all);
    return GPBO_OK;
}

/* Fits (or reuses) the model f of the n observations (x, y) and proposes u with the np pending
 * points taken. */
static int bayes_propose(bayes_fit *f, const gpbo_study_options *o, uint64_t seed, size_t d,
                         size_t n, const double *x, const double *y, size_t np, const double *pend,
                         const gpbo_space *space, size_t number, double *u)
{
    gpbo_gp *gp = gpbo_gp_new(o->kernel, d);
    int rc = gp ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    double lo = 0, delta = 0;
    double *yw = NULL;
    int warp = 0;
    if (rc == GPBO_OK && n >= 5)
        rc = warp_candidate(y, n, o->n_init > 5 ? o->n_init : 5, &lo, &delta, &warp);
    if (rc == GPBO_OK && warp) {
        if ((yw = malloc(n * sizeof *yw)) == NULL)
            rc = gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
        for (size_t i = 0; rc == GPBO_OK && i < n; i++)
            yw[i] = log(y[i] - lo + delta);
    }
    /* Hyperparameters are fitted, from the default start, on the first n_fit observations
     * (n_fit = the last multiple of refit_every): a function of the data alone, so a resumed
     * study refits exactly what an uninterrupted one did. */
    size_t k = o->refit_every, n_fit = (n / k) * k;
    if (n_fit == 0)
        n_fit = n;
    if (rc == GPBO_OK && !(f->theta != NULL && f->fitted_at == n_fit)) {
        gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
        fo.use_priors = o->use_priors;
        fo.seed = seed + n_fit;
        if (f->theta == NULL && (f->theta = malloc((d + 2) * sizeof *f->theta)) == NULL)
            rc = gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
        /* With a warping candidate, the model of higher likelihood of the raw data wins. */
        double l_raw = rc == GPBO_OK ? fit_lml(gp, &fo, n_fit, x, y, y, 0, 0, 0, &rc) : 0;
        if (rc == GPBO_OK)
            gpbo_gp_get_params(gp, f->theta);
        f->warp = 0;
        f->additive = 0;
        double l_best = l_raw;
        /* One policy for the candidate models (warped, additive): a candidate whose fit fails
         * numerically drops out and the model that fitted stays; only running out of memory
         * fails the proposal. */
        if (rc == GPBO_OK && yw != NULL) {
            int wrc = GPBO_OK;
            double l_warp = fit_lml(gp, &fo, n_fit, x, yw, y, lo, delta, 1, &wrc);
            if (wrc == GPBO_ENOMEM)
                rc = wrc;
            else if (wrc == GPBO_OK && l_warp > l_raw) {
                f->warp = 1;
                l_best = l_warp;
                gpbo_gp_get_params(gp, f->theta);
            }
        }
        /* The additive form of the kernel (a sum of one-input terms) competes by the same
         * likelihood, fitted on the values (warped or not) the ARD model preferred, from the
         * ARD optimum and one random start. */
        if (rc == GPBO_OK && d >= 2 && o->additive && gpbo_gp_set_params(gp, f->theta) == GPBO_OK &&
            gpbo_gp_set_additive(gp, 1) == GPBO_OK) {
            gpbo_gp_fit_options fa = fo;
            fa.restarts = 1;
            int w = f->warp, frc = GPBO_OK;
            double l_add = fit_lml(gp, &fa, n_fit, x, w ? yw : y, y, lo, delta, w, &frc);
            if (frc == GPBO_ENOMEM)
                rc = frc;
            else if (frc == GPBO_OK && l_add > l_best) {
                f->additive = 1;
                gpbo_gp_get_params(gp, f->theta);
            }
            gpbo_gp_set_additive(gp, 0);
        }
        if (rc == GPBO_OK)
            f->fitted_at = n_fit;
        else
            f->fitted_at = SIZE_MAX;
    }
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_additive(gp, f->additive);
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_data(gp, n, x, f->warp && yw ? yw : y);
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_params(gp, f->theta);
    if (rc == GPBO_OK) {
        gpbo_acq_options ao = GPBO_ACQ_OPTIONS_INIT;
        ao.kind = o->acquisition;
        ao.batch = o->batch;
        ao.seed = seed ^ (uint64_t)number;
        ao.project = gpbo_space_project;
        ao.project_payload = (void *)space;
        if (ao.batch == GPBO_ACQ_BATCH_LP && ao.kind == GPBO_ACQ_LCB)
            ao.batch = GPBO_ACQ_BATCH_KB;
        rc = gpbo_acq_propose(gp, &ao, NAN, np, np ? pend : NULL, 1, u, NULL);
    }
    gpbo_gp_free(gp);
    free(yw);
    return rc;
}

static int bayes_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    bayes_state *b = st;
    const gpbo_study_options *o = v->opts;
    size_t d = v->space->dim, ncomplete = 0;
    for (size_t i = 0; i < v->n; i++)
        ncomplete += v->state[i] == GPBO_TRIAL_COMPLETE;
    if (number < o->n_init || ncomplete == 0 || d == 0)
        return sobol_point(v->space, o->seed, number, rng, u);

    size_t *role = calloc(number + 1, sizeof *role);
    if (role == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    int rc = o->restart ? restart_roles(v, number, role) : GPBO_OK;
    /* the proposing model sees every trial, or restart episode e's own (sees()) */
    size_t e = role[number];
    uint64_t seed = o->seed + e * 0x9E3779B97F4A7C15ull;
    if (rc == GPBO_OK && e != 0) {
        size_t members = 0, mcomplete = 0;
        for (size_t i = 0; i < number && i < v->n; i++)
            if (role[i] == e) {
                members++;
                mcomplete += v->state[i] == GPBO_TRIAL_COMPLETE;
            }
        /* an episode's design: the Sobol sequence under the episode's own shift */
        if (members < o->n_init || mcomplete == 0) {
            free(role);
            return sobol_point(v->space, seed, members, rng, u);
        }
    }

    double worst = -INFINITY;
    for (size_t i = 0; i < v->n; i++)
        if (sees(role, e, i) && v->state[i] == GPBO_TRIAL_COMPLETE && v->y[i] > worst)
            worst = v->y[i];
    double *x = malloc(v->n * d * sizeof *x), *y = malloc(v->n * sizeof *y);
    double *pend = malloc(v->n * d * sizeof *pend);
    if (rc == GPBO_OK && !(x && y && pend))
        rc = gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    size_t n = 0, np = 0;
    for (size_t i = 0; rc == GPBO_OK && i < v->n; i++) {
        const double *ui = v->u + i * d;
        if (isnan(ui[0])) /* reserved, its point not yet proposed (this one, or elsewhere) */
            continue;
        int done = v->state[i] == GPBO_TRIAL_FAILED || v->state[i] == GPBO_TRIAL_PRUNED;
        int known = known_value(v, i);
        if (sees(role, e, i) && (known || (done && o->failed == GPBO_FAILED_WORST))) {
            memcpy(x + n * d, ui, d * sizeof *x);
            y[n++] = known ? v->y[i] : worst;
        } else {
            /* running trials are pending; excluded failures stay taken the same way, and so do
             * the other model's trials for an episode (believed at its own predictions) */
            memcpy(pend + np++ * d, ui, d * sizeof *pend);
        }
    }
    bayes_fit *f = &b->fit[e != 0];
    if (f->episode != e) {
        f->episode = e;
        f->fitted_at = SIZE_MAX;
    }
    if (rc == GPBO_OK)
        rc = bayes_propose(f, o, seed, d, n, x, y, np, pend, v->space, number, u);
    if (rc == GPBO_EOPTIM) /* every cell taken (a small discrete space): fall back */
        rc = sobol_point(v->space, o->seed, number, rng, u);
    free(role);
    free(x);
    free(y);
    free(pend);
    return rc;
}

static const gpbo_strategy_def STRATEGIES[] = {
    {"grid", grid_init, grid_ask, grid_free, grid_capacity},
    {"random", NULL, random_ask, NULL, NULL},
    {"sobol", NULL, sobol_ask, NULL, NULL},
    {"lhs", NULL, lhs_ask, NULL, NULL},
    {"bayes", bayes_init, bayes_ask, bayes_free, NULL},
};

const gpbo_strategy_def *gpbo_search__strategy(const char *name)
{
    for (size_t i = 0; name && i < sizeof STRATEGIES / sizeof *STRATEGIES; i++)
        if (strcmp(STRATEGIES[i].name, name) == 0)
            return &STRATEGIES[i];
    gpbo_error_set(GPBO_EINVAL, "unknown strategy '%s' (grid, random, sobol, lhs, bayes)",
                   name ? name : "(null)");
    return NULL;
}

const char *gpbo_strategy_name(size_t i)
{
    return i < sizeof STRATEGIES / sizeof *STRATEGIES ? STRATEGIES[i].name : NULL;
}
