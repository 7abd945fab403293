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
 * "Restart episodes"). Roles are a function of the trials' values in trial order, so a resumed
 * study assigns them exactly as an uninterrupted one did (with parallel workers, a value that
 * arrives late can move a later trial's role).
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

static int two_in_three_roles(const gpbo_search_view *v, size_t count, size_t *role)
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
    for (size_t t = 0; t < count; t++) {
        if (start == SIZE_MAX && gpbo_bayes__stalled(all, t, first, o->restart)) {
            start = t;
            e = 1;
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
