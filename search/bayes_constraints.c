/*
 * bayes_constraints.c: the Bayesian strategy under outcome constraints (issue 20; Gardner,
 * Kusner, Xu, Weinberger & Cunningham, "Bayesian Optimization with Inequality Constraints",
 * ICML 2014). Each constraint metric has a GP of its own (Matérn 5/2 ARD, standardized, fitted
 * by maximum likelihood on the trials that reported it); the probability of feasibility of x is
 * the product over constraints of P(min <= c_k(x) <= max). The acquisition is, in log form so
 * that neither factor underflows,
 *     log EI(x; best feasible value) + sum_k log P_k(x)
 * with the objective's GP as the unconstrained path has it (bayes_model.c: its model choice and
 * warping); while no trial is feasible, the objective is left out and the search maximizes the
 * probability of feasibility alone (feasibility first). Pending points enter the objective's GP
 * as Kriging-believer fantasies, and a proposal never repeats a point already taken.
 *
 * The acquisition is maximized over the projected cube by scoring randomized Sobol points, then
 * a shrinking random local search from the best few and from the best feasible trial: the log
 * probabilities have no gradient through gpbo_acq_eval, and the constrained problems this serves
 * are of low dimension. Past the exact path's size this stays on the exact GP (no trust region).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "../base/numeric.h"
#include "bayes_constraints.h"
#include "constraints_internal.h"

/* Sobol points scored first, local starts, perturbations a start tries per round, rounds, and
 * the first and last step of the local search (a fraction of the cube's side). Chosen by hand,
 * not tuned: enough to resolve the 2-D problems of bench/compare to well below a lengthscale. */
#define RAW_POINTS 2048
#define STARTS     8
#define PERTURB    8
#define ROUNDS     60
#define STEP_FIRST 0.1
#define STEP_LAST  1e-4
/* A proposal closer than this (Euclidean, projected cube) to a taken point is a repeat. */
#define TAKEN_DIST 1e-9
/* Below this many reports, a constraint's GP says nothing (its log probability is 0). */
#define MIN_REPORTS 2
/* Where log Phi switches to its asymptotic series (erfc underflows past -37). */
#define LOG_PHI_TAIL (-30.0)

int gpbo_bayes__constrained_applies(const gpbo_search_view *v)
{
    return v->opts->n_constraints > 0 && v->c != NULL;
}

/* log Phi(z), accurate into the far lower tail. */
static double log_phi(double z)
{
    if (z > LOG_PHI_TAIL)
        return log(0.5 * erfc(-z / M_SQRT2));
    /* Phi(z) ~ phi(z) / -z (1 - 1/z^2 + 3/z^4) */
    double z2 = z * z;
    return -0.5 * z2 - GPBO_LOG_SQRT_2PI - log(-z) + log1p(-1.0 / z2 + 3.0 / (z2 * z2));
}

/* log P(lo <= c <= hi) for c ~ N(mu, s2). */
double gpbo_bayes__log_pof(double mu, double s2, double lo, double hi)
{
    double s = sqrt(s2 > 1e-300 ? s2 : 1e-300);
    double a = (lo - mu) / s, b = (hi - mu) / s;
    if (a > 0) { /* both ends in the upper tail: by symmetry, the lower tail is the accurate one */
        double t = a;
        a = -b;
        b = -t;
    }
    double lb = b == INFINITY ? 0.0 : log_phi(b);
    if (a == -INFINITY)
        return lb;
    double la = log_phi(a);
    return la >= lb ? -INFINITY : lb + log1p(-exp(la - lb));
}

/* The best value (minimization sign) of a feasible trial model e sees: +inf when none is. */
static double best_feasible(const gpbo_search_view *v, const size_t *role, size_t e)
{
    size_t nc = v->opts->n_constraints, d = v->space->dim;
    double best = INFINITY;
    for (size_t i = 0; i < v->n; i++) {
        if (v->state[i] != GPBO_TRIAL_COMPLETE || isnan(v->u[i * d]) ||
            !gpbo_bayes__sees(role, e, i))
            continue;
        int ok = 1;
        for (size_t k = 0; k < nc && ok; k++)
            ok = gpbo_search__constraint_holds(&v->opts->constraints[k], v->c[i * nc + k]);
        if (ok && v->y[i] < best)
            best = v->y[i];
    }
    return best;
}

/* The GP of constraint k on the finished trials model e sees that reported it (*out NULL when
 * fewer than MIN_REPORTS did, or when its values cannot be modelled). GPBO_ENOMEM. */
static int constraint_gp(const gpbo_search_view *v, const size_t *role, size_t e, size_t k,
                         uint64_t seed, gpbo_gp **out)
{
    size_t nc = v->opts->n_constraints, d = v->space->dim, m = 0;
    *out = NULL;
    double *x = malloc((v->n ? v->n : 1) * d * sizeof *x),
           *y = malloc((v->n ? v->n : 1) * sizeof *y);
    int rc = x && y ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    for (size_t i = 0; rc == GPBO_OK && i < v->n; i++) {
        double c = v->c[i * nc + k];
        if (v->state[i] == GPBO_TRIAL_RUNNING || isnan(v->u[i * d]) || !isfinite(c) ||
            !gpbo_bayes__sees(role, e, i))
            continue;
        memcpy(x + m * d, v->u + i * d, d * sizeof *x);
        y[m++] = c;
    }
    gpbo_gp *gp = NULL;
    if (rc == GPBO_OK && m >= MIN_REPORTS) {
        gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
        fo.seed = seed ^ (0x5851F42D4C957F2Dull * (k + 1));
        gpbo_bayes__fit_pace(&fo);
        gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
        rc =
            gp ? gpbo_gp_set_normalize(gp, 1) : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
        if (rc == GPBO_OK)
            rc = gpbo_gp_set_data(gp, m, x, y);
        if (rc == GPBO_OK)
            rc = gpbo_gp_fit(gp, &fo);
        if (rc != GPBO_OK) {
            gpbo_gp_free(gp);
            gp = NULL;
        }
        /* metrics the GP cannot take (finite values 1e154 apart overflow its standardization)
         * leave this constraint without a model, as too few reports do: failing here failed
         * every ask of the study, as long as the trials stayed */
        if (rc != GPBO_OK && rc != GPBO_ENOMEM) {
            gpbo_error_clear();
            rc = GPBO_OK;
        }
    }
    free(x);
    free(y);
    *out = gp;
    return rc;
}

void gpbo_bayes__cacq_free(gpbo_bayes_cacq *a)
{
    for (size_t k = 0; a->cgp && k < a->nc; k++)
        gpbo_gp_free(a->cgp[k]);
    free(a->cgp);
    gpbo_acq_free(a->acq);
    gpbo_gp_free(a->gp);
    free(a->mu);
    free(a->s2);
    memset(a, 0, sizeof *a);
}

/* Scratch for m points. GPBO_ENOMEM. */
static int cacq_reserve(gpbo_bayes_cacq *a, size_t m)
{
    if (m <= a->cap)
        return GPBO_OK;
    double *mu = realloc(a->mu, m * sizeof *mu);
    if (mu)
        a->mu = mu;
    double *s2 = realloc(a->s2, m * sizeof *s2);
    if (s2)
        a->s2 = s2;
    if (!mu || !s2)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    a->cap = m;
    return GPBO_OK;
}

int gpbo_bayes__cacq_eval(gpbo_bayes_cacq *a, size_t m, const double *x, double *out)
{
    int rc = cacq_reserve(a, m);
    if (rc == GPBO_OK && a->acq != NULL)
        rc = gpbo_acq_eval(a->acq, m, x, out, NULL);
    else
        for (size_t j = 0; j < m; j++)
            out[j] = 0.0;
    for (size_t k = 0; rc == GPBO_OK && k < a->nc; k++) {
        if (a->cgp[k] == NULL)
            continue;
        const gpbo_constraint *c = &a->cons[k];
        if ((rc = gpbo_gp_predict(a->cgp[k], m, x, a->mu, a->s2)) != GPBO_OK)
            break;
        for (size_t j = 0; j < m; j++)
            out[j] += gpbo_bayes__log_pof(a->mu[j], a->s2[j], gpbo_search__bound(c->min, -INFINITY),
                                          gpbo_search__bound(c->max, INFINITY));
    }
    for (size_t j = 0; rc == GPBO_OK && j < m; j++)
        if (isnan(out[j]))
            out[j] = -INFINITY;
    return rc;
}

/* data with its values y squashed to log(y - lo + delta) into *out (its own y, the rest
 * borrowed; free out->y): lo the least value, delta a tenth of the median's distance to it (the
 * log warping's rule without its floor at a share of the range, which a range of 1e300 made
 * larger than every ordinary value, all squashed to one). GPBO_EINVAL when they cannot be (more
 * than half the values the least, or a value past the doubles), GPBO_ENOMEM. */
static int squashed(const gpbo_bayes_data *data, double *lo, double *delta, gpbo_bayes_data *out)
{
    size_t n = data->n;
    *out = *data;
    out->y = malloc((n ? n : 1) * sizeof *out->y);
    if (out->y == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    memcpy(out->y, data->y, n * sizeof *out->y);
    qsort(out->y, n, sizeof *out->y, gpbo_cmp_double);
    *lo = n ? out->y[0] : 0;
    *delta = n ? 0.1 * (out->y[n / 2] - *lo) : 0;
    int ok = n > 0 && *delta > 0 && isfinite(*delta);
    for (size_t i = 0; ok && i < n; i++)
        ok = isfinite(out->y[i] = log(data->y[i] - *lo + *delta));
    return ok ? GPBO_OK
              : gpbo_error_set(GPBO_EINVAL, "bayes: the objective's values cannot be squashed");
}

/* The objective's part: its GP (model f, as the unconstrained path fits it) with the pending
 * points as fantasies at their means, and log-EI over the best feasible value in its units.
 * Values whose spread overflows the GP's standardization even after the model's cap on
 * diverged values (gpbo_bayes__clip_values: a quarter of them or more diverged, 1e300 beside
 * losses of 1, or fewer than four values; the unconstrained path standardizes them itself) are
 * modelled squashed by a log (squashed()), and when even that cannot be, the objective is left out
 * (the search then maximizes the probability of feasibility alone): failing here failed every ask
 * of the study for as long as that trial stayed in it. GPBO_ENOMEM, or what the GP calls returned.
 */
static int objective_part(gpbo_bayes_cacq *a, gpbo_bayes_fit *f, const gpbo_search_view *v,
                          uint64_t seed, const gpbo_bayes_data *data, double best)
{
    gpbo_bayes_warp w;
    gpbo_bayes_data sq = {0};
    double lo = 0, delta = 0;
    f->local_chosen_at = f->local_fitted_at = 0; /* f's fit is the exact path's (bayes_acq.c) */
    int rc = gpbo_bayes__model_gp(f, v->opts, seed, data, &a->gp, &w);
    if (rc != GPBO_OK && rc != GPBO_ENOMEM) {
        f->fitted_at = f->chosen_at = SIZE_MAX; /* refitted on the squashed values */
        rc = squashed(data, &lo, &delta, &sq);
        if (rc == GPBO_OK)
            rc = gpbo_bayes__model_gp(f, v->opts, seed, &sq, &a->gp, &w);
        free(sq.y);
        if (rc != GPBO_OK && rc != GPBO_ENOMEM) { /* no model: feasibility alone */
            f->fitted_at = f->chosen_at = SIZE_MAX;
            gpbo_error_clear();
            return GPBO_OK;
        }
        best = log(best - lo + delta);
    }
    for (size_t p = 0; rc == GPBO_OK && p < data->np; p++) {
        double mu;
        rc = gpbo_gp_predict(a->gp, 1, data->pend + p * data->d, &mu, NULL);
        if (rc == GPBO_OK)
            rc = gpbo_gp_add(a->gp, data->pend + p * data->d, mu);
    }
    if (rc != GPBO_OK)
        return rc;
    double bf = w.warped ? log(best - w.lo + w.delta) : best;
    gpbo_acq_options ao = GPBO_ACQ_OPTIONS_INIT;
    ao.kind = GPBO_ACQ_LOGEI;
    a->acq = gpbo_acq_new(a->gp, &ao, bf);
    return a->acq ? GPBO_OK : gpbo_error_code();
}

/* The constraints' GPs of model e into a (emptied first). GPBO_ENOMEM; on failure a is empty. */
static int cacq_constraints(gpbo_bayes_cacq *a, const gpbo_search_view *v, const size_t *role,
                            size_t e, uint64_t seed)
{
    memset(a, 0, sizeof *a);
    a->nc = v->opts->n_constraints;
    a->cons = v->opts->constraints;
    a->best = INFINITY;
    a->cgp = calloc(a->nc ? a->nc : 1, sizeof *a->cgp);
    if (a->cgp == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    int rc = GPBO_OK;
    for (size_t k = 0; rc == GPBO_OK && k < a->nc; k++)
        rc = constraint_gp(v, role, e, k, seed, &a->cgp[k]);
    if (rc != GPBO_OK)
        gpbo_bayes__cacq_free(a);
    return rc;
}

int gpbo_bayes__cacq_build_pof(gpbo_bayes_cacq *a, const gpbo_search_view *v, uint64_t seed)
{
    return cacq_constraints(a, v, NULL, 0, seed);
}

int gpbo_bayes__cacq_build(gpbo_bayes_cacq *a, gpbo_bayes_fit *f, const gpbo_search_view *v,
                           const size_t *role, size_t e, uint64_t seed, const gpbo_bayes_data *data)
{
    int rc = cacq_constraints(a, v, role, e, seed);
    if (rc != GPBO_OK)
        return rc;
    a->best = best_feasible(v, role, e);
    /* feasibility first: the objective joins once a trial is feasible */
    if (rc == GPBO_OK && a->best < INFINITY && data->n > 0)
        rc = objective_part(a, f, v, seed, data, a->best);
    if (rc != GPBO_OK)
        gpbo_bayes__cacq_free(a);
    return rc;
}

/* Whether u is within TAKEN_DIST of an observation or a pending point of data. */
static int taken(const gpbo_bayes_data *data, const double *u)
{
    size_t d = data->d;
    for (size_t s = 0; s < 2; s++) {
        const double *p = s ? data->pend : data->x;
        for (size_t i = 0, n = s ? data->np : data->n; i < n; i++) {
            double r2 = 0;
            for (size_t j = 0; j < d; j++)
                r2 += (p[i * d + j] - u[j]) * (p[i * d + j] - u[j]);
            if (r2 <= TAKEN_DIST * TAKEN_DIST)
                return 1;
        }
    }
    return 0;
}

/* m points of the cube into x (randomized Sobol, uniform past its dimensions), projected. */
static int raw_points(const gpbo_space *space, gpbo_rng *rng, size_t m, double *x)
{
    size_t d = space->dim;
    int rc = GPBO_OK;
    if (d <= GPBO_ACQ_SOBOL_MAX_DIM) {
        uint32_t shift[GPBO_ACQ_SOBOL_MAX_DIM];
        for (size_t j = 0; j < d; j++)
            shift[j] = (uint32_t)gpbo_rng_u64(rng);
        rc = gpbo_acq_sobol(d, shift, 0, m, x);
    } else {
        for (size_t i = 0; i < m * d; i++)
            x[i] = gpbo_rng_uniform(rng);
    }
    for (size_t i = 0; rc == GPBO_OK && i < m; i++)
        rc = gpbo_space_project(x + i * d, d, (void *)space);
    return rc;
}

/* A shrinking random local search from x (its score *fx), in place: PERTURB Gaussian steps a
 * round, the best taken when it improves and is not a taken point, else the step halves. trial
 * holds PERTURB * d values, score PERTURB. */
static int local_search(gpbo_bayes_cacq *a, const gpbo_space *space, const gpbo_bayes_data *data,
                        gpbo_rng *rng, double *x, double *fx, double *trial, double *score)
{
    size_t d = space->dim;
    double step = STEP_FIRST;
    for (size_t r = 0; r < ROUNDS && step >= STEP_LAST; r++) {
        for (size_t p = 0; p < PERTURB; p++) {
            for (size_t j = 0; j < d; j++) {
                double t = x[j] + step * gpbo_rng_normal(rng);
                trial[p * d + j] = t < 0 ? 0 : t > 1 ? 1 : t;
            }
            int rc = gpbo_space_project(trial + p * d, d, (void *)space);
            if (rc != GPBO_OK)
                return rc;
        }
        int rc = gpbo_bayes__cacq_eval(a, PERTURB, trial, score);
        if (rc != GPBO_OK)
            return rc;
        size_t best = PERTURB;
        for (size_t p = 0; p < PERTURB; p++)
            if (score[p] > *fx && (best == PERTURB || score[p] > score[best]) &&
                !taken(data, trial + p * d))
                best = p;
        if (best == PERTURB) {
            step *= 0.5;
            continue;
        }
        memcpy(x, trial + best * d, d * sizeof *x);
        *fx = score[best];
    }
    return GPBO_OK;
}

/* The indices of the (at most) k best scores of points not taken, best first, into top; their
 * count. */
static size_t top_k(const double *score, const double *x, size_t m, size_t k,
                    const gpbo_bayes_data *data, size_t *top)
{
    size_t n = 0;
    for (size_t i = 0; i < m; i++) {
        if ((n == k && !(score[i] > score[top[k - 1]])) || taken(data, x + i * data->d))
            continue;
        size_t at = n < k ? n : k - 1; /* full: the last one drops out */
        for (; at > 0 && score[top[at - 1]] < score[i]; at--)
            top[at] = top[at - 1];
        top[at] = i;
        n += n < k;
    }
    return n;
}

/* Maximizes a over the projected cube into u: the best of the local searches from the raw
 * points' best and from the best feasible trial's point (start, or NULL). GPBO_EOPTIM when every
 * point scored is taken. */
static int maximize(gpbo_bayes_cacq *a, const gpbo_search_view *v, const gpbo_bayes_data *data,
                    const double *start, gpbo_rng *rng, double *u)
{
    size_t d = v->space->dim, top[STARTS + 1];
    double *x = malloc((RAW_POINTS + PERTURB) * d * sizeof *x);
    double *score = malloc((RAW_POINTS + PERTURB) * sizeof *score);
    int rc = x && score ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    if (rc == GPBO_OK)
        rc = raw_points(v->space, rng, RAW_POINTS, x);
    if (rc == GPBO_OK)
        rc = gpbo_bayes__cacq_eval(a, RAW_POINTS, x, score);
    size_t ns = rc == GPBO_OK ? top_k(score, x, RAW_POINTS, STARTS, data, top) : 0;
    double best = -INFINITY, *cand = x + RAW_POINTS * d, fc;
    int found = 0;
    for (size_t s = 0; rc == GPBO_OK && s <= ns; s++) {
        if (s == ns && start == NULL)
            break;
        /* the feasible incumbent's point is taken: its search starts from it, scored -inf, so
         * that only a step away from it counts */
        memcpy(cand, s < ns ? x + top[s] * d : start, d * sizeof *cand);
        fc = s < ns ? score[top[s]] : -INFINITY;
        double *tr = malloc(PERTURB * d * sizeof *tr), sc[PERTURB];
        rc = tr ? local_search(a, v->space, data, rng, cand, &fc, tr, sc)
                : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
        free(tr);
        if (rc == GPBO_OK && fc > -INFINITY && (!found || fc > best) && !taken(data, cand)) {
            memcpy(u, cand, d * sizeof *u);
            best = fc;
            found = 1;
        }
    }
    free(x);
    free(score);
    if (rc == GPBO_OK && !found)
        rc = gpbo_error_set(GPBO_EOPTIM, "bayes: every point of the constrained search is taken");
    return rc;
}

/* The point of model e's best feasible trial (a row of v->u), or NULL. */
static const double *incumbent(const gpbo_search_view *v, const size_t *role, size_t e, double best)
{
    size_t d = v->space->dim;
    for (size_t i = 0; best < INFINITY && i < v->n; i++)
        if (v->state[i] == GPBO_TRIAL_COMPLETE && v->y[i] == best && !isnan(v->u[i * d]) &&
            gpbo_bayes__sees(role, e, i))
            return v->u + i * d;
    return NULL;
}

int gpbo_bayes__constrained_propose(gpbo_bayes_fit *f, const gpbo_search_view *v,
                                    const size_t *role, size_t e, uint64_t seed,
                                    const gpbo_bayes_data *data, size_t number, double *u)
{
    gpbo_bayes_cacq a;
    int rc = gpbo_bayes__cacq_build(&a, f, v, role, e, seed, data);
    if (rc != GPBO_OK)
        return rc;
    gpbo_rng rng;
    gpbo_rng_seed(&rng, seed ^ (0xA24BAED4963EE407ull * ((uint64_t)number + 1)));
    rc = maximize(&a, v, data, incumbent(v, role, e, a.best), &rng, u);
    gpbo_bayes__cacq_free(&a);
    return rc;
}
