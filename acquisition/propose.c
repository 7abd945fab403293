/*
 * propose.c: maximizing an acquisition over the unit cube, and batches of proposals.
 *
 * One proposal: score raw_samples randomized Sobol points (GSL's Sobol sequence with a random
 * digital shift, which keeps its net structure), start L-BFGS (NLopt) from the best of them and
 * from small perturbations of the best observations, and keep the best point that is finite and
 * not already taken (observed, pending or chosen earlier in the batch). Or DIRECT-L, then an
 * L-BFGS polish. Fixed coordinates are removed from the optimizer's variables; a projection hook
 * maps each point before it is evaluated, and the gradient at the projected point is used for
 * the relaxed one (a straight-through estimate; the acquisition is flat within a cell).
 *
 * Batches and pending points: the Kriging believer and constant liars add each earlier point to
 * a copy of the model with a fantasized y (gpbo_gp_add, O(n^2)); local penalization (González
 * et al. 2016) multiplies the acquisition by Phi((L |x - x_j| + M - mu_j) / sigma_j) for every
 * earlier point x_j, with L the largest gradient norm of the posterior mean over the raw points
 * and M the best observed y; it works in log space on EI, log EI or log PI. In a batch (q > 1)
 * the fantasies are observations to the later points (Ginsbourger et al. 2010): the incumbent
 * is the smallest of best_f and the fantasized y's, and M the smallest of the best observed y
 * and the posterior mean over the raw points and at the centers (as Trieste's eta), so that no
 * radius (mu_j - M) / L is negative; and local penalization measures |x - x_j| in lengthscales
 * (L then being the largest norm of the mean's gradient times the lengthscales), so that points
 * apart only along a coordinate the model ignores count as one. With the caller's incumbent a
 * point predicted below it kept its EI after its own fantasy, and the next point landed beside
 * it. One proposal (q = 1) keeps best_f, M = the best observed y and the unit cube's distance
 * even with pending points: it is the search's path, whose proposals are under separate study.
 * Thompson sampling draws one joint posterior sample per batch point over a candidate set (raw
 * points and perturbations of the best observations) and takes its minimizer.
 */
#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include "../base/numeric.h"
#include "acq_internal.h"
#include "gpbo/rng.h"
#include "gpbo/sys/error.h"

/* Two points closer than this in every coordinate are the same point. */
#define DUP_TOL 1e-9
/* Thompson sampling: joint samples over at most this many candidates (O(m^3)). */
#define TS_MAX_CANDIDATES 1000
/* Perturbations of the best observations (starts, Thompson candidates): N(0, LOCAL_SIGMA). */
#define LOCAL_SIGMA 0.02
/* near_best() perturbs at most this many of the best observations (a selection in O(k n)). */
#define NEAR_BEST_MAX 16
/* Raw points are scored in chunks of this many (bounded scratch: 64 x n doubles stay below
 * glibc's mmap threshold up to n = 256, so a step reuses heap pages instead of faulting fresh
 * ones in; per point a chunk of 64 costs what one of 256 did). */
#define CHUNK 64
/* One L-BFGS start in NEAR_BEST_SHARE (rounded up) is near the best observations, the rest are
 * the best raw points. Chosen by hand, not tuned. */
#define NEAR_BEST_SHARE 4
/* L-BFGS stops on these relative changes of the utility and of x. Chosen by hand, not tuned. */
#define LBFGS_FTOL_REL 1e-9
#define LBFGS_XTOL_REL 1e-7
/* DIRECT-L gets this many times options.max_evals (as acquisition.h documents): a global search
 * needs far more evaluations than one local run. Chosen by hand, not tuned. */
#define DIRECT_EVALS_FACTOR 10
/* Where the utility is -inf (a taken or non-finite point) NLopt is given this finite value
 * instead, so that its arithmetic on values stays finite. */
#define NL_WORST -1e300
/* Thompson sampling's candidates beyond the raw points: TS_PER_NEAR perturbations of each of the
 * TS_NEAR_BEST best observations. Chosen by hand, not tuned. */
#define TS_NEAR_BEST 5
#define TS_PER_NEAR  20
/* Local penalization: the Lipschitz constant of the mean is the largest gradient norm over at
 * most LIPSCHITZ_POINTS raw points (a bounded cost; chosen by hand, not tuned). A flat mean
 * (below LIPSCHITZ_FLAT) gets LIPSCHITZ_DEFAULT instead, as GPyOpt's estimate_L does. */
#define LIPSCHITZ_POINTS  1024
#define LIPSCHITZ_FLAT    1e-7
#define LIPSCHITZ_DEFAULT 10.0
/* The smallest posterior variance a penalization center gets, so that the penalty never
 * divides by a zero sigma_j. Chosen by hand. */
#define LP_VAR_MIN 1e-20

typedef struct ctx {
    gpbo_acq *acq;
    const gpbo_acq_options *o;
    size_t d, nf;
    size_t *free_idx; /* nf */
    double *tmpl;     /* d: the fixed values, 0.5 elsewhere */
    double *x;        /* d scratch */
    double *g;        /* d scratch */
    double *scale;    /* d (+2 scratch): local penalization's unit of length in each coordinate,
                         the lengthscale in a batch (q > 1), 1 otherwise */
    /* local penalization centers */
    size_t np;
    double *pc, *pmu, *ps; /* np * d, np, np (capacity grows with the batch) */
    double L, M;
    /* A batch of q > 1 points: fantasies lower the incumbent (inc) and the centers the
     * penalization's M. q = 1 (with or without pending points) keeps best_f and M as they were:
     * that path is the search's and stays bit for bit what it was. */
    int batch;
    double inc;
    int status;        /* first failure inside an NLopt callback */
    nlopt_opt running; /* the NLopt run in progress, stopped by that failure */
    /* taken points */
    double *taken;
    size_t ntaken;
    /* owned by gpbo_acq_propose(), freed by ctx_free() */
    double *mem;         /* tmpl, x, g, scale, taken, pc, pmu, ps, raw, vals */
    unsigned char *used; /* R flags: raw points already chosen as starts */
    gpbo_gp *work;       /* the copy that receives the fantasies (KB, constant liars) */
} ctx;

static void to_full(const ctx *c, const double *z, double *x)
{
    memcpy(x, c->tmpl, c->d * sizeof *x);
    for (size_t k = 0; k < c->nf; k++)
        x[c->free_idx[k]] = z[k] < 0.0 ? 0.0 : z[k] > 1.0 ? 1.0 : z[k];
}

static int project(ctx *c, double *x)
{
    if (c->o->project == NULL)
        return GPBO_OK;
    int rc = c->o->project(x, c->d, c->o->project_payload);
    if (rc != 0) /* the one rule of gpbo/error.h: a callback's non-zero is GPBO_EUSER */
        return gpbo_error_set(GPBO_EUSER, "acq_propose: the projection hook returned %d", rc);
    for (size_t k = 0; k < c->d; k++)
        if (!(x[k] >= 0.0 && x[k] <= 1.0))
            return gpbo_error_set(
                GPBO_EINVAL, "acq_propose: the projection put x[%zu] = %g outside [0, 1]", k, x[k]);
    /* Every point reaches the hook with its fixed coordinates set: one that moves them (a fixed
     * value off the hook's grid) would have the proposal break the promise that they hold. */
    for (size_t k = 0; c->o->fixed != NULL && k < c->d; k++)
        if (c->o->fixed[k] && x[k] != c->o->fixed_values[k])
            return gpbo_error_set(GPBO_EINVAL,
                                  "acq_propose: the projection moved the fixed coordinate x[%zu] "
                                  "from %.17g to %.17g (is the fixed value feasible?)",
                                  k, c->o->fixed_values[k], x[k]);
    return GPBO_OK;
}

static int same_point(const double *a, const double *b, size_t d)
{
    size_t k = 0;
    while (k < d && fabs(a[k] - b[k]) < DUP_TOL)
        k++;
    return k == d;
}

/* The index of the taken point that x is, or c->ntaken. */
static size_t taken_index(const ctx *c, const double *x)
{
    size_t i = 0;
    while (i < c->ntaken && !same_point(c->taken + i * c->d, x, c->d))
        i++;
    return i;
}

static int is_taken(const ctx *c, const double *x)
{
    return taken_index(c, x) < c->ntaken;
}

static void take(ctx *c, const double *x)
{
    memcpy(c->taken + c->ntaken * c->d, x, c->d * sizeof *x);
    c->ntaken++;
}

void gpbo_acq__lp_penalize(size_t dim, size_t np, const double *centers, const double *mu,
                           const double *sd, const double *scale, double L, double M,
                           const double *x, double *v, double *g)
{
    for (size_t j = 0; j < np; j++) {
        const double *cj = centers + j * dim;
        double r2 = 0.0;
        for (size_t k = 0; k < dim; k++) {
            double t = (x[k] - cj[k]) / scale[k];
            r2 += t * t;
        }
        double r = sqrt(r2), dl;
        *v += gpbo_acq__log_Phi((L * r + M - mu[j]) / sd[j], &dl);
        if (g != NULL && r > 0.0)
            for (size_t k = 0; k < dim; k++)
                g[k] += dl * L / sd[j] * (x[k] - cj[k]) / (scale[k] * scale[k]) / r;
    }
}

/* Adds the log penalties of the centers to *v (and their gradient to g, if not NULL). */
static void penalize(const ctx *c, const double *x, double *v, double *g)
{
    gpbo_acq__lp_penalize(c->d, c->np, c->pc, c->pmu, c->ps, c->scale, c->L, c->M, x, v, g);
}

/* The (penalized) utility at a full point x, projected in place first. */
static int value_at(ctx *c, double *x, double *v, double *g)
{
    int rc = project(c, x);
    if (rc == GPBO_OK)
        rc = gpbo_acq_eval(c->acq, 1, x, v, g);
    if (rc != GPBO_OK)
        return rc;
    penalize(c, x, v, g);
    if (!isfinite(*v)) {
        *v = -HUGE_VAL;
        if (g)
            memset(g, 0, c->d * sizeof *g);
    }
    return GPBO_OK;
}

static double nl_objective(unsigned n, const double *z, double *grad, void *data)
{
    ctx *c = data;
    /* A failure (a hook that asked to stop, no memory) ends the run: NLopt may still call back
     * before it notices the forced stop, and the hook must not be called again. */
    if (c->status != GPBO_OK)
        return -HUGE_VAL;
    to_full(c, z, c->x);
    double v;
    int rc = value_at(c, c->x, &v, grad ? c->g : NULL);
    if (rc != GPBO_OK) {
        c->status = rc;
        nlopt_force_stop(c->running);
        return -HUGE_VAL;
    }
    if (grad != NULL)
        for (unsigned k = 0; k < n; k++)
            grad[k] = c->g[c->free_idx[k]];
    return v == -HUGE_VAL ? NL_WORST : v;
}

/* raw: R full points (projected, fixed coordinates set), drawn once per proposal call: the
 * randomized Sobol sequence in the free coordinates (uniform draws beyond its dimensions). */
static int make_raw(ctx *c, gpbo_rng *rng, size_t R, double *raw)
{
    size_t nf = c->nf, d = c->d;
    double *z = NULL;
    /* Every coordinate free: the Sobol points are the raw points (no copy through z). */
    int direct = nf == d;
    if (nf >= 1 && nf <= GPBO_ACQ_SOBOL_MAX_DIM) {
        uint32_t shift[GPBO_ACQ_SOBOL_MAX_DIM];
        for (size_t k = 0; k < nf; k++)
            shift[k] = (uint32_t)(gpbo_rng_u64(rng) >> 32);
        if (!direct && (z = malloc(R * nf * sizeof *z)) == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "acq_propose: out of memory (Sobol)");
        int rc = gpbo_acq_sobol(nf, shift, 0, R, direct ? raw : z);
        if (rc != GPBO_OK) {
            free(z);
            return rc;
        }
    } else {
        direct = 0;
    }
    for (size_t i = 0; i < R; i++) {
        double *x = raw + i * d;
        if (!direct) {
            memcpy(x, c->tmpl, d * sizeof *x);
            for (size_t k = 0; k < nf; k++)
                x[c->free_idx[k]] = z != NULL ? z[i * nf + k] : gpbo_rng_uniform(rng);
        }
        int rc = project(c, x);
        if (rc != GPBO_OK) {
            free(z);
            return rc;
        }
    }
    free(z);
    return GPBO_OK;
}

/* Starts near the best observations: x of the k smallest y, perturbed on the free coords. */
static void near_best(ctx *c, const gpbo_gp *gp, gpbo_rng *rng, size_t k, size_t per, double *out)
{
    size_t n = gpbo_gp_n(gp), d = c->d;
    const double *X = gpbo_gp_x(gp), *Y = gpbo_gp_y(gp);
    /* k smallest by selection: k is small */
    size_t chosen[NEAR_BEST_MAX];
    if (k > NEAR_BEST_MAX)
        k = NEAR_BEST_MAX;
    if (k > n)
        k = n;
    for (size_t a = 0; a < k; a++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++) {
            size_t b = 0;
            while (b < a && chosen[b] != i)
                b++;
            if (b < a)
                continue;
            if (best == n || Y[i] < Y[best])
                best = i;
        }
        chosen[a] = best;
    }
    for (size_t a = 0; a < k; a++)
        for (size_t p = 0; p < per; p++) {
            double *x = out + (a * per + p) * d;
            memcpy(x, X + chosen[a] * d, d * sizeof *x);
            for (size_t j = 0; j < c->nf; j++) {
                size_t f = c->free_idx[j];
                double v = x[f] + LOCAL_SIGMA * gpbo_rng_normal(rng);
                x[f] = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
            }
            for (size_t j = 0; j < d; j++)
                if (c->o->fixed && c->o->fixed[j])
                    x[j] = c->o->fixed_values[j];
        }
}

/* Scores the raw points (penalized), marking non-finite ones -inf. Taken points are marked
 * by argmax_unused() when one comes up: a test against every taken point for each of the R
 * points cost more than the few that reach the top. */
static int score_raw(ctx *c, size_t R, const double *raw, double *vals)
{
    for (size_t i = 0; i < R; i += CHUNK) {
        size_t m = R - i < CHUNK ? R - i : CHUNK;
        int rc = gpbo_acq_eval(c->acq, m, raw + i * c->d, vals + i, NULL);
        if (rc != GPBO_OK)
            return rc;
    }
    for (size_t i = 0; i < R; i++) {
        penalize(c, raw + i * c->d, &vals[i], NULL);
        if (!isfinite(vals[i]))
            vals[i] = -HUGE_VAL;
    }
    return GPBO_OK;
}

/* The index of the largest value not yet marked used whose point is not taken, or R. When the
 * largest is a taken point, every raw point that is that same taken point is marked -inf (what
 * score_raw() would have given it) in one pass: the projection can map many raw points onto one
 * taken point (a small discrete space, all of it observed), and marking them one scan of the R
 * values at a time cost O(R^2) (65536 raw points: 2.5 s; the 1e7 allowed: hours). Marking taken
 * points early changes no result: a taken point is never returned. */
static size_t argmax_unused(const ctx *c, size_t R, const double *raw, double *vals,
                            unsigned char *used)
{
    for (;;) {
        size_t best = R;
        for (size_t i = 0; i < R; i++)
            if (!used[i] && vals[i] > -HUGE_VAL && (best == R || vals[i] > vals[best]))
                best = i;
        if (best == R)
            return R;
        size_t t = taken_index(c, raw + best * c->d);
        if (t == c->ntaken) {
            used[best] = 1;
            return best;
        }
        const double *tp = c->taken + t * c->d;
        for (size_t i = 0; i < R; i++)
            if (vals[i] > -HUGE_VAL && same_point(tp, raw + i * c->d, c->d))
                vals[i] = -HUGE_VAL;
    }
}

/* Local run from the full point x0; keeps the result in (bx, bv) when better and untaken. */
static int local_run(ctx *c, nlopt_opt opt, const double *x0, double *z, double *bx, double *bv)
{
    for (size_t k = 0; k < c->nf; k++)
        z[k] = x0[c->free_idx[k]];
    double f = -HUGE_VAL;
    c->status = GPBO_OK;
    c->running = opt;
    nlopt_result r = nlopt_optimize(opt, z, &f);
    if (c->status != GPBO_OK)
        return c->status;
    if (r == NLOPT_OUT_OF_MEMORY) /* a start skipped silently would change the proposal */
        return gpbo_error_set(GPBO_ENOMEM, "acq_propose: out of memory (L-BFGS)");
    double *x = c->x, v;
    to_full(c, z, x);
    int rc = value_at(c, x, &v, NULL);
    if (rc != GPBO_OK)
        return rc;
    if (v > *bv && !is_taken(c, x)) {
        *bv = v;
        memcpy(bx, x, c->d * sizeof *x);
    }
    return GPBO_OK;
}

/* The L-BFGS problem over the free coordinates, maximizing the utility; NULL when out of memory
 * (no message set). */
static nlopt_opt lbfgs_new(ctx *c)
{
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, (unsigned)c->nf);
    if (opt == NULL)
        return NULL;
    nlopt_set_lower_bounds1(opt, 0.0);
    nlopt_set_upper_bounds1(opt, 1.0);
    nlopt_set_max_objective(opt, nl_objective, c);
    nlopt_set_maxeval(opt, (int)c->o->max_evals);
    nlopt_set_ftol_rel(opt, LBFGS_FTOL_REL);
    nlopt_set_xtol_rel(opt, LBFGS_XTOL_REL);
    return opt;
}

/* The L-BFGS starts into starts (at most restarts + 1 full points), after the best raw point
 * `first` (if < R): the next best unused raw points, then nobs points near the best
 * observations. Returns how many. */
static size_t collect_starts(ctx *c, const gpbo_gp *gp, gpbo_rng *rng, size_t R, const double *raw,
                             double *vals, unsigned char *used, size_t first, size_t nobs,
                             double *starts)
{
    size_t d = c->d, restarts = c->o->restarts, ns = 0;
    if (first < R)
        memcpy(starts + ns++ * d, raw + first * d, d * sizeof *starts);
    while (ns + nobs < restarts) {
        size_t i = argmax_unused(c, R, raw, vals, used);
        if (i == R)
            break;
        memcpy(starts + ns++ * d, raw + i * d, d * sizeof *starts);
    }
    if (nobs > 0 && ns + nobs <= restarts + 1) {
        near_best(c, gp, rng, nobs, 1, starts + ns * d);
        ns += nobs;
    }
    return ns;
}

/* DIRECT-L over the free coordinates (z: nf scratch); its best point becomes the first start,
 * replacing the last one when starts (restarts + 1 points) is full. */
static int direct_start(ctx *c, nlopt_opt glob, double *z, double *starts, size_t *ns)
{
    size_t d = c->d;
    nlopt_set_lower_bounds1(glob, 0.0);
    nlopt_set_upper_bounds1(glob, 1.0);
    nlopt_set_max_objective(glob, nl_objective, c);
    nlopt_set_maxeval(glob, (int)(DIRECT_EVALS_FACTOR * c->o->max_evals));
    for (size_t k = 0; k < c->nf; k++)
        z[k] = 0.5;
    double f;
    c->status = GPBO_OK;
    c->running = glob;
    nlopt_result r = nlopt_optimize(glob, z, &f);
    if (c->status != GPBO_OK)
        return c->status;
    if (r == NLOPT_OUT_OF_MEMORY)
        return gpbo_error_set(GPBO_ENOMEM, "acq_propose: out of memory (DIRECT-L)");
    /* DIRECT's best point is polished first (it replaces the last start). */
    to_full(c, z, c->x);
    if (*ns == c->o->restarts + 1)
        (*ns)--;
    memmove(starts + d, starts, *ns * d * sizeof *starts);
    memcpy(starts, c->x, d * sizeof *starts);
    (*ns)++;
    return GPBO_OK;
}

/* Maximizes the bound acquisition: out_x (full, projected), *out_v. GPBO_EOPTIM if nothing. */
static int maximize(ctx *c, const gpbo_gp *gp, gpbo_rng *rng, size_t R, const double *raw,
                    double *vals, unsigned char *used, double *out_x, double *out_v)
{
    size_t d = c->d, nf = c->nf;
    int rc = score_raw(c, R, raw, vals);
    if (rc != GPBO_OK)
        return rc;
    memset(used, 0, R);
    double bv = -HUGE_VAL;
    size_t first = argmax_unused(c, R, raw, vals, used);
    if (first < R) {
        bv = vals[first];
        memcpy(out_x, raw + first * d, d * sizeof *out_x);
    }
    if (nf == 0) {
        *out_v = bv;
        return bv > -HUGE_VAL ? GPBO_OK
                              : gpbo_error_set(GPBO_EOPTIM, "acq_propose: every coordinate is "
                                                            "fixed and that point is taken");
    }
    size_t restarts = c->o->restarts, n = gpbo_gp_n(gp);
    /* As many starts near the best observations as near_best() fills: never more than
     * NEAR_BEST_MAX or n. */
    size_t nobs = restarts == 0 ? 0 : (restarts + NEAR_BEST_SHARE - 1) / NEAR_BEST_SHARE;
    if (nobs > n)
        nobs = n;
    if (nobs > NEAR_BEST_MAX)
        nobs = NEAR_BEST_MAX;
    int direct = c->o->optimizer == GPBO_ACQ_OPT_DIRECT;
    double *starts = malloc((restarts + 1) * d * sizeof *starts + nf * sizeof(double));
    nlopt_opt opt = lbfgs_new(c);
    nlopt_opt glob = direct ? nlopt_create(NLOPT_GN_DIRECT_L, (unsigned)nf) : NULL;
    if (starts == NULL || opt == NULL || (direct && glob == NULL)) {
        rc = gpbo_error_set(GPBO_ENOMEM, "acq_propose: out of memory");
        goto cleanup;
    }
    double *z = starts + (restarts + 1) * d;
    size_t ns = collect_starts(c, gp, rng, R, raw, vals, used, first, nobs, starts);
    if (glob != NULL)
        rc = direct_start(c, glob, z, starts, &ns);
    for (size_t s = 0; s < ns && rc == GPBO_OK; s++)
        rc = local_run(c, opt, starts + s * d, z, out_x, &bv);
    if (rc != GPBO_OK)
        goto cleanup;
    *out_v = bv;
    if (!(bv > -HUGE_VAL))
        rc = gpbo_error_set(GPBO_EOPTIM, "acq_propose: no finite point that is not taken");
cleanup:
    free(starts);
    nlopt_destroy(opt);
    nlopt_destroy(glob);
    return rc;
}

static int thompson(ctx *c, const gpbo_gp *gp, gpbo_rng *rng, size_t R, const double *raw, size_t q,
                    double *out_x, double *out_value)
{
    size_t d = c->d, n = gpbo_gp_n(gp);
    size_t mr = R < TS_MAX_CANDIDATES ? R : TS_MAX_CANDIDATES;
    size_t kb = n < TS_NEAR_BEST ? n : TS_NEAR_BEST, per = TS_PER_NEAR, m = mr + kb * per;
    double *cand = malloc(m * d * sizeof *cand + q * m * sizeof(double));
    if (cand == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "acq_propose: out of memory");
    double *smp = cand + m * d;
    memcpy(cand, raw, mr * d * sizeof *cand);
    near_best(c, gp, rng, kb, per, cand + mr * d);
    int rc = GPBO_OK;
    for (size_t i = mr; i < m && rc == GPBO_OK; i++)
        rc = project(c, cand + i * d);
    if (rc == GPBO_OK)
        rc = gpbo_gp_sample(gp, m, cand, q, rng, smp);
    for (size_t j = 0; j < q && rc == GPBO_OK; j++) {
        size_t best = m;
        for (size_t i = 0; i < m; i++)
            if (isfinite(smp[j * m + i]) && (best == m || smp[j * m + i] < smp[j * m + best]) &&
                !is_taken(c, cand + i * d))
                best = i;
        if (best == m) {
            rc = gpbo_error_set(GPBO_EOPTIM, "acq_propose: no candidate left for thompson");
            break;
        }
        memcpy(out_x + j * d, cand + best * d, d * sizeof *out_x);
        if (out_value)
            out_value[j] = -smp[j * m + best];
        take(c, cand + best * d);
    }
    free(cand);
    return rc;
}

static int check_inputs(const gpbo_gp *gp, size_t npending, const double *pending, size_t q,
                        const double *out_x)
{
    if (gp == NULL || out_x == NULL)
        return gpbo_error_set(GPBO_EINVAL, "acq_propose: gp or out_x is NULL");
    if (q < 1)
        return gpbo_error_set(GPBO_EINVAL, "acq_propose: q must be at least 1");
    if (npending > 0 && pending == NULL)
        return gpbo_error_set(GPBO_EINVAL, "acq_propose: %zu pending points but pending is NULL",
                              npending);
    /* Counts past which the scratch, about (n + npending + q) (d + 2) doubles, no longer fits a
     * size_t are refused rather than wrapped (q = -1 through an FFI is SIZE_MAX: it wrapped to
     * a small allocation and the batch wrote past it). */
    size_t d = gpbo_gp_dim(gp), lim = SIZE_MAX / sizeof(double) / 4 / (d + 2);
    if (q > lim || npending > lim)
        return gpbo_error_set(GPBO_EINVAL,
                              "acq_propose: %s = %zu is too large (at most %zu; a negative count?)",
                              q > lim ? "q" : "npending", q > lim ? q : npending, lim);
    for (size_t i = 0; i < npending * d; i++)
        if (!(pending[i] >= 0.0 && pending[i] <= 1.0))
            return gpbo_error_set(GPBO_EINVAL,
                                  "acq_propose: pending[%zu][%zu] = %g is outside [0, 1]", i / d,
                                  i % d, pending[i]);
    return GPBO_OK;
}

/* The fantasized y of a batch point under KB or a constant liar. */
static int fantasy(const gpbo_acq_options *o, const gpbo_gp *model, const double *x, double lie,
                   double *y)
{
    if (o->batch == GPBO_ACQ_BATCH_KB)
        return gpbo_gp_predict(model, 1, x, y, NULL);
    *y = lie;
    return GPBO_OK;
}

/* Adds a point to the penalization centers with the original model's mean and sd there. */
static int add_center(ctx *c, const gpbo_gp *gp, const double *x)
{
    double mu, var;
    int rc = gpbo_gp_predict(gp, 1, x, &mu, &var);
    if (rc != GPBO_OK)
        return rc;
    memcpy(c->pc + c->np * c->d, x, c->d * sizeof *x);
    c->pmu[c->np] = mu;
    c->ps[c->np] = sqrt(var > LP_VAR_MIN ? var : LP_VAR_MIN);
    c->np++;
    /* In a batch M never exceeds a center's mean: a negative radius (mu_j - M) / L would leave
     * the neighbourhood of a point predicted better than every observation unpenalized. */
    if (c->batch && mu < c->M)
        c->M = mu;
    return GPBO_OK;
}

/* Lipschitz constant of the mean in c->scale's units (the largest norm of its gradient times
 * the scales), estimated on the raw points (González et al. 2016); in a batch (q > 1) M also
 * drops to the smallest posterior mean there. */
static int estimate_lipschitz(ctx *c, const gpbo_gp *gp, size_t R, const double *raw)
{
    size_t d = c->d, m = R < LIPSCHITZ_POINTS ? R : LIPSCHITZ_POINTS;
    double *buf = malloc(m * (2 + d) * sizeof *buf);
    if (buf == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "acq_propose: out of memory");
    int rc = gpbo_gp_predict_grad(gp, NULL, m, raw, buf, buf + m, buf + 2 * m, NULL);
    double L = 0.0;
    for (size_t i = 0; rc == GPBO_OK && i < m; i++) {
        double s = 0.0;
        for (size_t k = 0; k < d; k++) {
            double t = buf[2 * m + i * d + k] * c->scale[k];
            s += t * t;
        }
        if (sqrt(s) > L)
            L = sqrt(s);
        if (c->batch && buf[i] < c->M)
            c->M = buf[i];
    }
    free(buf);
    c->L = L < LIPSCHITZ_FLAT ? LIPSCHITZ_DEFAULT : L;
    return rc;
}

/* Allocates c's scratch for d dimensions, n observations, npending pending points, q proposals
 * and R raw points; sets the template (fixed values, 0.5 elsewhere), the free coordinates and
 * the taken points (the observations and the pending points). On error (GPBO_ENOMEM) what was
 * allocated is left in c for ctx_free(). */
static int ctx_init(ctx *c, const gpbo_gp *gp, const gpbo_acq_options *o, size_t npending,
                    const double *pending, size_t q)
{
    size_t d = gpbo_gp_dim(gp), n = gpbo_gp_n(gp), R = o->raw_samples;
    c->o = o;
    c->d = d;
    size_t ntake = n + npending + q, ncent = npending + q;
    size_t doubles = 4 * d + 2 + ntake * d + ncent * (d + 2) + R * (d + 1);
    c->mem = malloc(doubles * sizeof *c->mem);
    c->free_idx = malloc((d + 1) * sizeof *c->free_idx);
    c->used = malloc(R);
    if (c->mem == NULL || c->free_idx == NULL || c->used == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "acq_propose: out of memory");
    c->tmpl = c->mem;
    c->x = c->mem + d;
    c->g = c->mem + 2 * d;
    c->scale = c->mem + 3 * d;
    c->taken = c->scale + d + 2;
    c->pc = c->taken + ntake * d;
    c->pmu = c->pc + ncent * d;
    c->ps = c->pmu + ncent;
    /* A batch (or a proposal beside pending points) penalizes in lengthscales: two points apart
     * only along a coordinate the model ignores (a long lengthscale) are one point to it, and
     * Euclidean balls let a batch line up along that coordinate. One proposal with nothing
     * pending keeps the unit cube's metric (the search's sequential path). */
    if (c->batch)
        gpbo_gp_get_params(gp, c->scale);
    for (size_t k = 0; k < d; k++)
        c->scale[k] = c->batch ? exp(c->scale[k]) : 1.0;
    for (size_t k = 0; k < d; k++) {
        int fixed = o->fixed && o->fixed[k];
        c->tmpl[k] = fixed ? o->fixed_values[k] : 0.5;
        if (!fixed)
            c->free_idx[c->nf++] = k;
    }
    if (n > 0)
        memcpy(c->taken, gpbo_gp_x(gp), n * d * sizeof *c->taken);
    c->ntaken = n;
    for (size_t i = 0; i < npending; i++)
        take(c, pending + i * d);
    return GPBO_OK;
}

static void ctx_free(ctx *c)
{
    gpbo_gp_free(c->work);
    free(c->mem);
    free(c->free_idx);
    free(c->used);
}

/* No data: the raw points in Sobol order are the space-filling design (skipping taken ones). */
static int design_points(ctx *c, size_t R, const double *raw, size_t q, double *out_x,
                         double *out_value)
{
    size_t d = c->d, i = 0;
    for (size_t j = 0; j < q; j++) {
        while (i < R && is_taken(c, raw + i * d))
            i++;
        if (i == R)
            return gpbo_error_set(GPBO_EOPTIM,
                                  "acq_propose: raw_samples = %zu points hold "
                                  "fewer than q = %zu distinct ones",
                                  R, q);
        memcpy(out_x + j * d, raw + i * d, d * sizeof *out_x);
        if (out_value)
            out_value[j] = NAN;
        take(c, raw + i * d);
    }
    return GPBO_OK;
}

/* The constant liar's y (the smallest, mean or largest observed y; unused by KB). */
static double liar(const gpbo_acq_options *o, const gpbo_gp *gp)
{
    size_t n = gpbo_gp_n(gp);
    const double *Y = gpbo_gp_y(gp);
    double lo = Y[0], hi = Y[0], sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        lo = Y[i] < lo ? Y[i] : lo;
        hi = Y[i] > hi ? Y[i] : hi;
        sum += Y[i];
    }
    return o->batch == GPBO_ACQ_BATCH_CL_MIN   ? lo
           : o->batch == GPBO_ACQ_BATCH_CL_MAX ? hi
                                               : sum / (double)n;
}

/* Adds a fantasy at x to c->work. A fantasy the factor cannot take (a duplicate) only loses its
 * information; one that finds no memory would change the proposal, so it is an error. */
static int add_fantasy(ctx *c, const double *x, double lie)
{
    double y;
    int rc = fantasy(c->o, c->work, x, lie, &y);
    if (rc == GPBO_OK && gpbo_gp_add(c->work, x, y) == GPBO_ENOMEM)
        rc = GPBO_ENOMEM;
    /* A fantasy is an observation to the later points of a batch (Ginsbourger et al. 2010), so
     * the incumbent is the best of best_f and the fantasies: with best_f alone the believer's
     * own point, predicted below best_f, kept its EI after its fantasy, and the next point of
     * the batch landed right beside it. */
    if (rc == GPBO_OK && c->batch && y < c->inc)
        c->inc = y;
    return rc;
}

/* Prepares the batch of the model gp with npending pending points: for local penalization the
 * Lipschitz constant and a center per pending point (*eo then works in log space); for KB and
 * the constant liars, when there is more than one point to place, a copy (c->work, *model) with
 * the pending points fantasized. */
static int batch_begin(ctx *c, const gpbo_gp *gp, size_t npending, const double *pending, size_t q,
                       size_t R, const double *raw, gpbo_acq_options *eo, const gpbo_gp **model,
                       double *lie)
{
    int rc = GPBO_OK;
    if (c->o->batch == GPBO_ACQ_BATCH_LP) {
        if (eo->kind == GPBO_ACQ_EI)
            eo->kind = GPBO_ACQ_LOGEI; /* the penalties multiply: work in log space */
        c->M = gpbo_gp_y_min(gp, NULL);
        if ((rc = estimate_lipschitz(c, gp, R, raw)) != GPBO_OK)
            return rc;
        for (size_t i = 0; i < npending && rc == GPBO_OK; i++)
            rc = add_center(c, gp, pending + i * c->d);
        return rc;
    }
    if (!(q > 1 || npending > 0))
        return GPBO_OK;
    *lie = liar(c->o, gp);
    if ((c->work = gpbo_gp_copy(gp)) == NULL)
        return gpbo_error_code();
    for (size_t i = 0; i < npending && rc == GPBO_OK; i++)
        rc = add_fantasy(c, pending + i * c->d, *lie);
    *model = c->work;
    return rc;
}

/* The q proposals in turn: each maximizes the acquisition of model (options eo), is taken, and
 * becomes a penalization center (LP) or a fantasy of c->work for the next. */
static int propose_batch(ctx *c, const gpbo_gp *gp, const gpbo_gp *model,
                         const gpbo_acq_options *eo, double lie, gpbo_rng *rng, size_t R,
                         const double *raw, double *vals, size_t q, double *out_x,
                         double *out_value)
{
    size_t d = c->d;
    for (size_t j = 0; j < q; j++) {
        c->acq = gpbo_acq_new(model, eo, c->inc);
        if (c->acq == NULL)
            return gpbo_error_code();
        double v = -HUGE_VAL;
        int rc = maximize(c, model, rng, R, raw, vals, c->used, out_x + j * d, &v);
        gpbo_acq_free(c->acq);
        c->acq = NULL;
        if (rc != GPBO_OK)
            return rc;
        if (out_value)
            out_value[j] = v;
        take(c, out_x + j * d);
        if (j + 1 == q)
            break;
        if (c->o->batch == GPBO_ACQ_BATCH_LP)
            rc = add_center(c, gp, out_x + j * d);
        else
            rc = add_fantasy(c, out_x + j * d, lie);
        if (rc != GPBO_OK)
            return rc;
    }
    return GPBO_OK;
}

int gpbo_acq_propose(const gpbo_gp *gp, const gpbo_acq_options *opts, double best_f,
                     size_t npending, const double *pending, size_t q, double *out_x,
                     double *out_value)
{
    gpbo_acq_options o;
    int rc = check_inputs(gp, npending, pending, q, out_x);
    if (rc != GPBO_OK)
        return rc;
    size_t d = gpbo_gp_dim(gp), n = gpbo_gp_n(gp);
    if ((rc = gpbo_acq__options_load("acq_propose", opts, d, &o)) != GPBO_OK)
        return rc;
    size_t R = o.raw_samples;
    if (isnan(best_f))
        best_f = n > 0 ? gpbo_gp_y_min(gp, NULL) : 0.0;
    if (!isfinite(best_f))
        return gpbo_error_set(GPBO_EINVAL, "acq_propose: best_f is not finite (%s)",
                              gpbo_nonfinite_name(best_f));

    ctx c = {0};
    c.batch = q > 1 || npending > 0; /* pending points: the earlier points of a batch */
    c.inc = best_f;
    if ((rc = ctx_init(&c, gp, &o, npending, pending, q)) != GPBO_OK)
        goto cleanup;
    double *raw = c.ps + npending + q, *vals = raw + R * d;
    gpbo_rng rng;
    gpbo_rng_seed(&rng, o.seed);
    if ((rc = make_raw(&c, &rng, R, raw)) != GPBO_OK)
        goto cleanup;
    if (n == 0) {
        rc = design_points(&c, R, raw, q, out_x, out_value);
        goto cleanup;
    }
    if (o.kind == GPBO_ACQ_THOMPSON) {
        rc = thompson(&c, gp, &rng, R, raw, q, out_x, out_value);
        goto cleanup;
    }
    gpbo_acq_options eo = o;
    const gpbo_gp *model = gp;
    double lie = 0.0;
    if ((rc = batch_begin(&c, gp, npending, pending, q, R, raw, &eo, &model, &lie)) != GPBO_OK)
        goto cleanup;
    rc = propose_batch(&c, gp, model, &eo, lie, &rng, R, raw, vals, q, out_x, out_value);
cleanup:
    ctx_free(&c);
    return rc;
}
