/*
 * bayes_restart.c: the Bayesian strategy's restart episodes (bayes_internal.h).
 *
 * A search that has settled in one basin stays there: its GP, fitted mostly to that basin, is
 * confident elsewhere. When the study's best has stalled (o->restart trials in a row improved it
 * by at most RESTART_TOL of its improvement since the initial design), two trials of every three
 * from then on go to a restart episode: a fresh search (its own randomized Sobol design of n_init
 * points, then its own GP of its own trials only), as TuRBO restarts a collapsed trust region
 * (Eriksson et al. 2019). The third goes on with the GP of every trial, which keeps refining the
 * best basin (or the one an episode found). An episode that stalls by the same rule hands its
 * slots to the next one. The share of the episodes was measured on Hartmann 6 (bench/README.md,
 * "Restart episodes"). A noisy objective's best stalls too, because it is a lucky draw the others
 * do not beat; there a fresh design is wasted (the demo sweep: the episodes took its last 20-25
 * trials to proposals as poor as random search's, bench/compare/README.md, session 36). So the
 * first stall is judged: the study's model of the trials before it, refitted under a weak noise
 * prior as gpbo_study_recommend refits it; when that sees noise (GPBO_RECOMMEND_NOISE), no
 * episode starts in the study. Roles are a function of the trials' values in trial order, so a
 * resumed study assigns them exactly as an uninterrupted one did (with parallel workers, a value
 * that arrives late can move a later trial's role).
 */
#include <math.h>
#include <stdlib.h>

#include "bayes_internal.h"
#include "gpbo/sys/error.h"

/* A stall: the last window's improvement is at most this fraction of the improvement since the
 * design. Chosen by hand, not tuned. */
#define RESTART_TOL 1e-4
/* Of every RESTART_CYCLE trials after a stall, the last goes to the study's model and the others
 * to the episode: two in three left fewer Hartmann 6 runs in the second basin than one in two
 * (bench/README.md). */
#define RESTART_CYCLE 3

int gpbo_bayes__stalled(const double *best, size_t len, size_t first, size_t window)
{
    if (window == 0 || first == 0 || len < first + window || !isfinite(best[first - 1]))
        return 0;
    double now = best[len - 1], before = best[len - 1 - window], start = best[first - 1];
    return before - now <= RESTART_TOL * (start - now);
}

/* The gate gives no verdict on fewer observations than the model's hyperparameters (dim + 2)
 * and this many: a model of few can take a function it has not resolved for noise (Branin with
 * two inert parameters, 5 coordinates, deterministic: noise 9e-4 of the variance on 7
 * observations, the level of the demo sweep's noise at 34-40). With the default window, the
 * first stall comes at 30 observations or more. */
#define GATE_MIN_DOF 10

int gpbo_bayes__noise_before(const gpbo_search_view *v, size_t t, double *noise)
{
    *noise = 0;
    size_t *role = malloc((v->n ? v->n : 1) * sizeof *role);
    if (role == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    for (size_t i = 0; i < v->n; i++)
        role[i] = i < t ? 1 : 2; /* the trials before t, as one model's own */
    gpbo_bayes_data data = {0};
    int rc = gpbo_bayes__data_build(&data, v, role, 1, gpbo_bayes__failure(v->opts->failed));
    gpbo_bayes_fit f = GPBO_BAYES_FIT_INIT;
    gpbo_gp *gp = NULL;
    gpbo_bayes_warp warp;
    if (rc == GPBO_OK && v->space->dim > 0 && data.n >= v->space->dim + 2 + GATE_MIN_DOF) {
        rc = gpbo_bayes__model_gp(&f, v->opts, gpbo_bayes__model_seed(v->opts->seed, 0), &data, &gp,
                                  &warp);
        if (rc == GPBO_OK && gpbo_search__recommend_fit(gp, v->space, v->opts, noise) != GPBO_OK)
            *noise = 0;
        rc = rc == GPBO_ENOMEM ? rc : GPBO_OK; /* no verdict of noise: the stall is the search's */
    }
    gpbo_gp_free(gp);
    gpbo_bayes__fit_free(&f);
    gpbo_bayes__data_free(&data);
    free(role);
    return rc;
}

/* Whether the study's first stall, at trial t, is the objective's noise: the verdict of gate,
 * given once for t and kept. */
static int noisy_stall(gpbo_bayes_restart_gate *gate, const gpbo_search_view *v, size_t t,
                       int *noisy)
{
    if (gate->at != t) {
        double noise = 0;
        int rc = gate->noise(v, t, &noise);
        if (rc != GPBO_OK)
            return rc;
        gate->at = t;
        gate->noisy = noise >= GPBO_RECOMMEND_NOISE;
    }
    *noisy = gate->noisy;
    return GPBO_OK;
}

static int two_in_three_roles(const gpbo_search_view *v, size_t count, size_t *role,
                              gpbo_bayes_restart_gate *gate)
{
    const gpbo_study_options *o = v->opts;
    size_t first = o->n_init ? o->n_init : 1, start = SIZE_MAX, e = 0, ne = 0;
    if (count == 0)
        return GPBO_OK;
    /* best so far over every trial, and over the current episode's */
    double *all = malloc(2 * count * sizeof *all);
    if (all == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    double *ep = all + count;
    double best = INFINITY, ebest = INFINITY;
    int noisy = 0;
    for (size_t t = 0; t < count; t++) {
        if (start == SIZE_MAX && !noisy && gpbo_bayes__stalled(all, t, first, o->restart)) {
            int rc = gate ? noisy_stall(gate, v, t, &noisy) : GPBO_OK;
            if (rc != GPBO_OK) {
                free(all);
                return rc;
            }
            start = noisy ? SIZE_MAX : t;
            e = !noisy;
        }
        /* episode, episode, study */
        role[t] = start != SIZE_MAX && (t - start) % RESTART_CYCLE != RESTART_CYCLE - 1 ? e : 0;
        if (role[t] != 0 && gpbo_bayes__stalled(ep, ne, first, o->restart)) {
            role[t] = ++e;
            ne = 0;
            ebest = INFINITY;
        }
        double yt = gpbo_bayes__known_value(v, t) ? v->y[t] : INFINITY;
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

const gpbo_bayes_restart gpbo_bayes__restart_two_in_three = {"two_in_three", two_in_three_roles};
