/*
 * bayes_mo.c: the Bayesian strategy's step for a study of several objectives (issue 20), once
 * the initial design is done. Each objective is normalized to [0, 1] over the trials that have
 * all of them (min to max, in the minimizing sense); the reference point is 1.1 in each (the
 * worst seen plus a tenth of the range, BoTorch's default rule). Two ways:
 *
 * - ParEGO (Knowles 2006), GPBO_MO_PAREGO: each trial draws weights uniformly from the simplex
 *   and scalarizes the normalized values by the augmented Chebyshev function
 *   max_j w_j y_j + 0.05 sum_j w_j y_j; the one-objective step (bayes_acq.c: the model choice,
 *   log-EI, pending points) proposes on it. The baseline.
 * - EHVI, GPBO_MO_EHVI (the default): one GP a normalized objective (Matern 5/2 ARD, maximum
 *   likelihood), independent; the expected hypervolume improvement over the current front,
 *   closed form for two objectives (pareto.c), Monte Carlo over the GPs' marginals with common
 *   random numbers for more; running and failed trials enter each GP at its own mean (the
 *   kriging believer), so they are not proposed again. Maximized by scoring random points and
 *   points around the front's, then a shrinking random local search from the best few. Two or
 *   three objectives; more take ParEGO (measured: GPBO_EHVI_MAX_OBJECTIVES below).
 * Outcome constraints (issue 20, with bayes_constraints.c's constraint GPs): every complete
 * trial enters the objectives' GPs, but the front is that of the FEASIBLE trials; EHVI over it is
 * weighted by the probability of feasibility (EHVI x PoF, Gardner et al. 2014's weighting as in
 * BoTorch's constrained EHVI), and while no trial is feasible the search maximizes the
 * probability of feasibility alone. ParEGO scalarizes every trial and proposes by the
 * one-objective constrained step (log-EI over the best feasible scalarized value plus log PoF).
 * Failed trials stay out of every model (their points taken, as running ones); there are no
 * restart episodes.
 * bench/compare/README.md has which measured better.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bayes_constraints.h"
#include "bayes_internal.h"
#include "constraints_internal.h"
#include "gpbo/sys/error.h"
#include "pareto_internal.h"

/* The reference point in normalized units: the worst value seen plus this share of the range. */
#define REF_MARGIN 0.1
/* ParEGO's augmentation (Knowles 2006's rho). */
#define PAREGO_RHO 0.05
/* The EHVI search: random points scored, points around each front point's, the best few then
 * refined by a local search of LOCAL_ROUNDS rounds of LOCAL_TRIES perturbations. Chosen by
 * hand, not tuned (bench/compare/README.md). */
#define RAND_POINTS  2048
#define NEAR_FRONT   32
#define LOCAL_STARTS 4
#define LOCAL_ROUNDS 30
#define LOCAL_TRIES  16
/* Monte Carlo EHVI (three objectives or more): samples, and fewer random points. */
#define MC_SAMPLES     48
#define MC_RAND_POINTS 384
/* EHVI for up to three objectives; ParEGO beyond. The hypervolume is WFG now (pareto.c), and
 * the Monte Carlo EHVI was measured against ParEGO on DTLZ2 with four objectives, six inputs, 50
 * evaluations, seeds 0-5 (bench/python/mo4_ehvi_parego.py, bench/compare/README.md): median gap
 * 0.694 against ParEGO's 0.667 (random 0.726), and 0.9 to 2.7 s an ask at 41-50 trials against
 * ParEGO's 0.03-0.05 s: no better, and past a second a step, so ParEGO stays. The bench builds
 * with -DGPBO_EHVI_MAX_OBJECTIVES=8 to run EHVI there. */
#ifndef GPBO_EHVI_MAX_OBJECTIVES
#define GPBO_EHVI_MAX_OBJECTIVES 3
#endif

/* The trials of several objectives: n observations (x rows of d, y rows of k, normalized; row[i]
 * the view's trial of observation i, feas[i] whether it is within the outcome constraints, 1
 * for all without any; nfeas of them are) and np taken points (running, failed, incomplete). */
typedef struct mo_data {
    size_t d, k, n, np, nfeas;
    double *x, *y, *pend;
    size_t *row;
    int *feas;
} mo_data;

static void mo_data_free(mo_data *m)
{
    free(m->x);
    free(m->y);
    free(m->pend);
    free(m->row);
    free(m->feas);
}

/* Whether trial i of v is within every outcome constraint (1 without any). */
static int feasible(const gpbo_search_view *v, size_t i)
{
    size_t nc = v->opts->n_constraints;
    int ok = 1;
    for (size_t c = 0; ok && c < nc && v->c != NULL; c++)
        ok = gpbo_search__constraint_holds(&v->opts->constraints[c], v->c[i * nc + c]);
    return ok && (nc == 0 || v->c != NULL);
}

static int mo_data_build(const gpbo_search_view *v, mo_data *m)
{
    size_t d = v->space->dim, k = v->opts->n_objectives;
    *m = (mo_data){d,
                   k,
                   0,
                   0,
                   0,
                   malloc((v->n + 1) * d * sizeof(double)),
                   malloc((v->n + 1) * k * sizeof(double)),
                   malloc((v->n + 1) * d * sizeof(double)),
                   malloc((v->n + 1) * sizeof(size_t)),
                   malloc((v->n + 1) * sizeof(int))};
    if (!m->x || !m->y || !m->pend || !m->row || !m->feas) {
        mo_data_free(m);
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    }
    for (size_t i = 0; i < v->n; i++) {
        const double *ui = v->u + i * d, *yi = v->yobj + i * k;
        if (d > 0 && isnan(ui[0]))
            continue;
        int all = 1;
        for (size_t j = 0; j < k; j++)
            all &= isfinite(yi[j]);
        if (all) {
            m->row[m->n] = i;
            m->nfeas += m->feas[m->n] = feasible(v, i);
            memcpy(m->x + m->n * d, ui, d * sizeof *ui);
            memcpy(m->y + m->n++ * k, yi, k * sizeof *yi);
        } else {
            memcpy(m->pend + m->np++ * d, ui, d * sizeof *ui);
        }
    }
    /* Each objective normalized to [0, 1] over the observations, its diverged values (those
     * gpbo_bayes__clip_values caps, as one objective's model does) taken as its worst ordinary
     * value. With one loss of 1e30 every other value of that objective normalized to 0, and
     * merely capped (q3 + 100 (q3 - min)) they still sat below 0.06, a spike in the objective's
     * GP and an improvement there worth nothing beside the other objective's: Branin-Currin, 30
     * evaluations, the first objective of trial 5 1e30, median hypervolume over seeds 0-15 54.8
     * without it, 34.3 with it, 34.3 capped, 50.8 taken as the worst. */
    double *col = malloc((m->n + 1) * sizeof *col);
    if (col == NULL) {
        mo_data_free(m);
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    }
    int rc = GPBO_OK;
    for (size_t j = 0; rc == GPBO_OK && j < k; j++) {
        for (size_t i = 0; i < m->n; i++)
            col[i] = m->y[i * k + j];
        if ((rc = gpbo_bayes__clip_values(col, m->n)) != GPBO_OK)
            break;
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < m->n; i++) {
            lo = fmin(lo, col[i]);
            if (col[i] == m->y[i * k + j]) /* not capped */
                hi = fmax(hi, col[i]);
        }
        /* in halves: finite values of both signs past 9e307 (a diverged loss of 1e308) have a
         * range past the doubles, and inf / inf made every value NaN and every ask fail */
        double span = hi / 2 - lo / 2;
        span = span > 0 ? span : 1.0;     /* one value (or two a subnormal apart) */
        for (size_t i = 0; i < m->n; i++) /* a capped value as the worst ordinary one */
            m->y[i * k + j] = (fmin(m->y[i * k + j], hi) / 2 - lo / 2) / span;
    }
    free(col);
    if (rc != GPBO_OK)
        mo_data_free(m);
    return rc;
}

/* ---- ParEGO ------------------------------------------------------------------------------ */

static int parego_propose(gpbo_bayes_fit *f, const gpbo_search_view *v, const mo_data *m,
                          size_t number, gpbo_rng *rng, double *u)
{
    double w[GPBO_MAX_OBJECTIVES], sum = 0.0;
    for (size_t j = 0; j < m->k; j++) /* uniform on the simplex: normalized exponentials */
        sum += w[j] = -log(1.0 - gpbo_rng_uniform(rng));
    gpbo_bayes_data data = {m->d,
                            m->n,
                            m->np,
                            malloc((m->n + 1) * m->d * sizeof(double)),
                            malloc((m->n + 1) * sizeof(double)),
                            malloc((m->np + 1) * m->d * sizeof(double)),
                            v->space,
                            NULL};
    if (!data.x || !data.y || !data.pend) {
        gpbo_bayes__data_free(&data);
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    }
    memcpy(data.x, m->x, m->n * m->d * sizeof *m->x);
    memcpy(data.pend, m->pend, m->np * m->d * sizeof *m->pend);
    for (size_t i = 0; i < m->n; i++) {
        double mx = -INFINITY, lin = 0.0;
        for (size_t j = 0; j < m->k; j++) {
            double t = w[j] / sum * m->y[i * m->k + j];
            mx = fmax(mx, t);
            lin += t;
        }
        data.y[i] = mx + PAREGO_RHO * lin;
    }
    /* the scalarization changes every trial: the model refits from its last hyperparameters */
    f->fitted_at = f->chosen_at = SIZE_MAX;
    uint64_t seed = gpbo_bayes__model_seed(v->opts->seed, 0);
    int rc;
    if (gpbo_bayes__constrained_applies(v)) {
        /* under outcome constraints, the one-objective constrained step (bayes_constraints.c)
         * on the scalarization: log-EI over the best FEASIBLE scalarized value plus the log
         * probability of feasibility, feasibility first while none is feasible. It reads the
         * values from the view: a copy whose values are the scalarized ones */
        double *ys = malloc((v->n ? v->n : 1) * sizeof *ys);
        rc = ys ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
        if (rc == GPBO_OK) {
            gpbo_search_view sv = *v;
            for (size_t i = 0; i < v->n; i++)
                ys[i] = NAN;
            for (size_t i = 0; i < m->n; i++)
                ys[m->row[i]] = data.y[i];
            sv.y = ys;
            rc = gpbo_bayes__constrained_propose(f, &sv, NULL, 0, seed, &data, number, u);
        }
        free(ys);
    } else {
        rc = gpbo_bayes__propose(f, v, seed, &data, number, u);
    }
    gpbo_bayes__data_free(&data);
    return rc;
}

/* ---- EHVI -------------------------------------------------------------------------------- */

typedef struct ehvi_ctx {
    size_t d, k, m; /* inputs, objectives, front points */
    gpbo_gp *gp[GPBO_MAX_OBJECTIVES];
    double ref[GPBO_MAX_OBJECTIVES];
    double *front;   /* m rows of k (for two: sorted, gpbo_search__front_sorted2) */
    double *z;       /* Monte Carlo: MC_SAMPLES rows of k standard normals, else NULL */
    double *scratch; /* Monte Carlo: gpbo_search__hvi's */
    /* outcome constraints: the observations' values with the infeasible rows NaN (the front and
     * the points it is searched around are the feasible ones'), the constraints' GPs
     * (bayes_constraints.c), and whether no trial is feasible yet (then the score is the log
     * probability of feasibility alone); yf NULL and pof NULL without constraints */
    double *yf;
    gpbo_bayes_cacq *pof;
    int feasibility_only;
    const gpbo_space *space;
} ehvi_ctx;

/* The GP of objective j: fitted on the observations, then the taken points at its mean. */
static int fit_objective(const mo_data *m, size_t j, uint64_t seed, gpbo_gp **out)
{
    double *y = malloc((m->n + 1) * sizeof *y), mean;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, m->d);
    int rc = y && gp ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    for (size_t i = 0; rc == GPBO_OK && i < m->n; i++)
        y[i] = m->y[i * m->k + j];
    gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
    fo.seed = seed ^ (0x9E3779B97F4A7C15ull * (j + 1));
    gpbo_bayes__fit_pace(&fo);
    if (rc == GPBO_OK && (rc = gpbo_gp_set_data(gp, m->n, m->x, y)) == GPBO_OK)
        rc = gpbo_gp_fit(gp, &fo);
    for (size_t p = 0; rc == GPBO_OK && p < m->np; p++)
        if ((rc = gpbo_gp_predict(gp, 1, m->pend + p * m->d, &mean, NULL)) == GPBO_OK)
            rc = gpbo_gp_add(gp, m->pend + p * m->d, mean);
    free(y);
    if (rc != GPBO_OK)
        gpbo_gp_free(gp);
    *out = rc == GPBO_OK ? gp : NULL;
    return rc;
}

/* EHVI at c points x (rows of d) into a[c]; under outcome constraints EHVI times the
 * probability of feasibility (Gardner et al. 2014's weighting, as BoTorch's constrained EHVI),
 * or while no trial is feasible the log probability of feasibility alone. */
static int ehvi_score(const ehvi_ctx *e, size_t c, const double *x, double *a)
{
    double *mu = malloc(c * e->k * sizeof *mu), *var = malloc(c * e->k * sizeof *var);
    double *lp = e->pof ? malloc(c * sizeof *lp) : NULL;
    int rc = mu && var && (lp || !e->pof) ? GPBO_OK
                                          : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    if (rc == GPBO_OK && e->pof)
        rc = gpbo_bayes__cacq_eval(e->pof, c, x, lp);
    if (rc == GPBO_OK && e->feasibility_only) {
        memcpy(a, lp, c * sizeof *a);
        c = 0; /* no objective's part (its GPs are not fitted) */
    }
    for (size_t j = 0; rc == GPBO_OK && c > 0 && j < e->k; j++)
        rc = gpbo_gp_predict(e->gp[j], c, x, mu + j * c, var + j * c);
    for (size_t i = 0; rc == GPBO_OK && i < c; i++) {
        double m[GPBO_MAX_OBJECTIVES], s[GPBO_MAX_OBJECTIVES], y[GPBO_MAX_OBJECTIVES];
        for (size_t j = 0; j < e->k; j++) {
            m[j] = mu[j * c + i];
            s[j] = sqrt(fmax(var[j * c + i], 0.0));
        }
        double sum = 0.0;
        if (e->z == NULL) {
            sum = gpbo_search__ehvi2(e->m, e->front, e->ref, m, s);
        } else {
            for (size_t t = 0; t < MC_SAMPLES; t++) {
                for (size_t j = 0; j < e->k; j++)
                    y[j] = m[j] + s[j] * e->z[t * e->k + j];
                sum += gpbo_search__hvi(e->m, e->k, e->front, e->ref, y, e->scratch);
            }
            sum /= MC_SAMPLES;
        }
        a[i] = lp ? sum * exp(lp[i]) : sum;
    }
    free(mu);
    free(var);
    free(lp);
    return rc;
}

/* A point of the cube near c (Gaussian steps of sd), projected, into out. */
static void perturb(const ehvi_ctx *e, const double *c, double sd, gpbo_rng *rng, double *out)
{
    for (size_t i = 0; i < e->d; i++) {
        double t = c[i] + sd * gpbo_rng_normal(rng);
        out[i] = t < 0 ? 0 : t > 1 ? 1 : t;
    }
    gpbo_space_project(out, e->d, (void *)e->space);
}

/* The local search from x (its value *a): rounds of perturbations, the step halved after a
 * round without a better one. */
static int local_search(const ehvi_ctx *e, double *x, double *a, gpbo_rng *rng)
{
    double *cand = malloc(LOCAL_TRIES * e->d * sizeof *cand), val[LOCAL_TRIES], sd = 0.1;
    if (cand == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    int rc = GPBO_OK;
    for (size_t r = 0; rc == GPBO_OK && r < LOCAL_ROUNDS && sd > 1e-4; r++) {
        for (size_t t = 0; t < LOCAL_TRIES; t++)
            perturb(e, x, sd, rng, cand + t * e->d);
        rc = ehvi_score(e, LOCAL_TRIES, cand, val);
        size_t best = LOCAL_TRIES;
        for (size_t t = 0; rc == GPBO_OK && t < LOCAL_TRIES; t++)
            if (val[t] > *a && (best == LOCAL_TRIES || val[t] > val[best]))
                best = t;
        if (best < LOCAL_TRIES) {
            memcpy(x, cand + best * e->d, e->d * sizeof *x);
            *a = val[best];
        } else {
            sd *= 0.5;
        }
    }
    free(cand);
    return rc;
}

/* The points scored first: random ones, then around each front point's (rows of d into x;
 * their number). x has room for nrand + m * NEAR_FRONT rows. */
static size_t candidates(const ehvi_ctx *e, const mo_data *md, size_t nrand, gpbo_rng *rng,
                         double *x)
{
    size_t c = 0;
    for (; c < nrand; c++) {
        for (size_t i = 0; i < e->d; i++)
            x[c * e->d + i] = gpbo_rng_uniform(rng);
        gpbo_space_project(x + c * e->d, e->d, (void *)e->space);
    }
    int *on = malloc((md->n ? md->n : 1) * sizeof *on);
    if (on == NULL)
        return c;
    gpbo_pareto_front(md->n, md->k, e->yf ? e->yf : md->y, on);
    for (size_t i = 0; i < md->n; i++)
        for (size_t t = 0; on[i] && t < NEAR_FRONT; t++, c++)
            perturb(e, md->x + i * e->d, t < NEAR_FRONT / 2 ? 0.02 : 0.1, rng, x + c * e->d);
    free(on);
    return c;
}

/* Maximizes the EHVI of e into u: the best LOCAL_STARTS candidates refined. */
static int ehvi_maximize(const ehvi_ctx *e, const mo_data *md, gpbo_rng *rng, double *u)
{
    size_t nrand = e->z ? MC_RAND_POINTS : RAND_POINTS, cap = nrand + md->n * NEAR_FRONT;
    double *x = malloc(cap * e->d * sizeof *x), *a = malloc(cap * sizeof *a);
    double *xs = malloc((e->d ? e->d : 1) * sizeof *xs); /* the start being refined */
    int rc = x && a && xs ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    size_t c = rc == GPBO_OK ? candidates(e, md, nrand, rng, x) : 0;
    if (rc == GPBO_OK)
        rc = ehvi_score(e, c, x, a);
    double best_a = -INFINITY;
    for (size_t s = 0; rc == GPBO_OK && s < LOCAL_STARTS && s < c; s++) {
        size_t top = 0; /* the best candidate not yet refined */
        for (size_t i = 1; i < c; i++)
            if (a[i] > a[top])
                top = i;
        double as = a[top];
        memcpy(xs, x + top * e->d, e->d * sizeof *xs);
        a[top] = -INFINITY;
        /* a flat EHVI (every prediction dominated for sure) gives the first random point, as
         * does a flat log probability of feasibility (every point hopeless) */
        if (e->feasibility_only ? as > -INFINITY : as > 0)
            rc = local_search(e, xs, &as, rng);
        if (rc == GPBO_OK && (s == 0 || as > best_a)) {
            best_a = as;
            memcpy(u, xs, e->d * sizeof *u);
        }
    }
    free(x);
    free(a);
    free(xs);
    return rc;
}

/* The front of md (normalized, below the reference; of the feasible trials only, e->yf, under
 * outcome constraints) into e->front (and e->m). */
static int ehvi_front(ehvi_ctx *e, const mo_data *md)
{
    const double *y = e->yf ? e->yf : md->y;
    e->front = malloc((md->n + 1) * e->k * sizeof *e->front);
    int *on = malloc((md->n + 1) * sizeof *on);
    int rc = e->front && on ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    if (rc == GPBO_OK && e->k == 2) {
        e->m = gpbo_search__front_sorted2(md->n, y, e->ref, e->front);
        if (e->m == SIZE_MAX)
            rc = gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    } else if (rc == GPBO_OK) {
        gpbo_pareto_front(md->n, e->k, y, on);
        for (size_t i = 0; i < md->n; i++)
            if (on[i])
                memcpy(e->front + e->m++ * e->k, y + i * e->k, e->k * sizeof *y);
    }
    free(on);
    return rc;
}

/* Under outcome constraints: e->yf (md's values, the infeasible rows NaN) and the constraints'
 * GPs into e->pof. GPBO_ENOMEM or what a fit returned. */
static int ehvi_constraints(ehvi_ctx *e, const gpbo_search_view *v, const mo_data *md,
                            uint64_t seed)
{
    e->yf = malloc((md->n + 1) * e->k * sizeof *e->yf);
    e->pof = malloc(sizeof *e->pof);
    if (e->yf == NULL || e->pof == NULL) {
        free(e->pof);
        e->pof = NULL;
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    }
    memcpy(e->yf, md->y, md->n * e->k * sizeof *e->yf);
    for (size_t i = 0; i < md->n; i++)
        for (size_t j = 0; !md->feas[i] && j < e->k; j++)
            e->yf[i * e->k + j] = NAN;
    e->feasibility_only = md->nfeas == 0;
    int rc = gpbo_bayes__cacq_build_pof(e->pof, v, seed);
    if (rc != GPBO_OK) {
        free(e->pof);
        e->pof = NULL;
    }
    return rc;
}

static void ehvi_free(ehvi_ctx *e)
{
    for (size_t j = 0; j < e->k; j++)
        gpbo_gp_free(e->gp[j]);
    free(e->front);
    free(e->z);
    free(e->scratch);
    free(e->yf);
    if (e->pof)
        gpbo_bayes__cacq_free(e->pof);
    free(e->pof);
}

static int ehvi_propose(const gpbo_search_view *v, const mo_data *md, gpbo_rng *rng, double *u)
{
    ehvi_ctx e = {.d = md->d, .k = md->k, .space = v->space};
    uint64_t seed = gpbo_bayes__model_seed(v->opts->seed, 0) ^ (uint64_t)md->n;
    for (size_t j = 0; j < e.k; j++)
        e.ref[j] = 1.0 + REF_MARGIN;
    int rc = gpbo_bayes__constrained_applies(v) ? ehvi_constraints(&e, v, md, seed) : GPBO_OK;
    if (rc == GPBO_OK)
        rc = ehvi_front(&e, md);
    for (size_t j = 0; rc == GPBO_OK && !e.feasibility_only && j < e.k; j++)
        rc = fit_objective(md, j, seed, &e.gp[j]);
    if (rc == GPBO_OK && e.k > 2) {
        e.z = malloc(MC_SAMPLES * e.k * sizeof *e.z);
        e.scratch = malloc((e.m + 2) * e.k * (e.k + 1) * sizeof *e.scratch);
        if (e.z == NULL || e.scratch == NULL)
            rc = gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
        else
            gpbo_rng_normals(rng, MC_SAMPLES * e.k, e.z);
    }
    if (rc == GPBO_OK)
        rc = ehvi_maximize(&e, md, rng, u);
    ehvi_free(&e);
    return rc;
}

int gpbo_bayes__mo_propose(gpbo_bayes_fit *f, const gpbo_search_view *v, size_t number,
                           gpbo_rng *rng, double *u)
{
    mo_data md;
    int rc = mo_data_build(v, &md);
    if (rc != GPBO_OK)
        return rc;
    if (md.n < 2) /* nothing to model yet (the design failed): a random point */
        for (size_t i = 0; i < md.d; i++)
            u[i] = gpbo_rng_uniform(rng);
    else if (v->opts->mo_acquisition == GPBO_MO_PAREGO || md.k > GPBO_EHVI_MAX_OBJECTIVES)
        rc = parego_propose(f, v, &md, number, rng, u);
    else
        rc = ehvi_propose(v, &md, rng, u);
    mo_data_free(&md);
    if (rc == GPBO_EOPTIM) { /* the constrained step found every point it scored taken */
        gpbo_error_clear();
        for (size_t i = 0; i < v->space->dim; i++)
            u[i] = gpbo_rng_uniform(rng);
        rc = GPBO_OK;
    }
    if (rc == GPBO_OK)
        rc = gpbo_space_project(u, v->space->dim, (void *)v->space);
    return rc;
}
