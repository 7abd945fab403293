/*
 * bayes_acq.c: the Bayesian strategy's acquisition step (bayes_internal.h). The data a model
 * sees is built from the trials (through the failure policy); everything else finished or
 * running is taken as a pending point, so that no point is proposed twice; then the model's GP
 * (bayes_model.c) and the acquisition (log-EI by default) propose the trial over the projected
 * space.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bayes_internal.h"
#include "gpbo/sys/error.h"

void gpbo_bayes__data_free(gpbo_bayes_data *data)
{
    free(data->x);
    free(data->y);
    free(data->pend);
    data->x = data->y = data->pend = NULL;
}

int gpbo_bayes__data_build(gpbo_bayes_data *out, const gpbo_search_view *v, const size_t *role,
                           size_t e, const gpbo_bayes_failure *failure)
{
    size_t d = v->space->dim;
    gpbo_bayes_data b = {d,
                         0,
                         0,
                         malloc(v->n * d * sizeof *b.x),
                         malloc(v->n * sizeof *b.y),
                         malloc(v->n * d * sizeof *b.pend),
                         v->space};
    if (!(b.x && b.y && b.pend)) {
        gpbo_bayes__data_free(&b);
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    }
    double stand_in = failure->stand_in(v, role, e);
    for (size_t i = 0; i < v->n; i++) {
        const double *ui = v->u + i * d;
        if (isnan(ui[0])) /* reserved, its point not yet proposed (this one, or elsewhere) */
            continue;
        int done = v->state[i] == GPBO_TRIAL_FAILED || v->state[i] == GPBO_TRIAL_PRUNED;
        int known = gpbo_bayes__known_value(v, i);
        if (gpbo_bayes__sees(role, e, i) && (known || (done && !isnan(stand_in)))) {
            memcpy(b.x + b.n * d, ui, d * sizeof *b.x);
            b.y[b.n++] = known ? v->y[i] : stand_in;
        } else {
            /* running trials are pending; excluded failures stay taken the same way, and so do
             * the other model's trials for an episode (believed at its own predictions) */
            memcpy(b.pend + b.np++ * d, ui, d * sizeof *b.pend);
        }
    }
    *out = b;
    return GPBO_OK;
}

/* The acquisition's effort, half of acquisition.h's defaults (2048 raw points, 8 restarts): the
 * raw points (Sobol points scored before the L-BFGS starts) were 22 % of a run's CPU and the
 * L-BFGS runs 11 % (bench/steps/README.md, session 12). With RAW_FULL raw points and ACQ_RESTARTS
 * starts (the best raw point, two more, and two perturbations of the best observations, which
 * win about half the proposals) the regret tables stayed within noise of the defaults' on fresh
 * seeds, and on 6-D models the maximizer lands as close to a thorough one (8192 points, 32
 * starts) as the defaults did (tests/acquisition/test_acq_propose.c). */
#define RAW_FULL     1024
#define ACQ_RESTARTS 5
/* RAW_FULL up to RAW_FULL_UNTIL observations, then fewer as n grows, so that scoring them (O(n^2)
 * each: most of a step's acquisition at 200 observations, bench/steps/README.md) costs about what
 * it cost at RAW_FULL_UNTIL, and never fewer than RAW_MIN. */
#define RAW_FULL_UNTIL 60
#define RAW_MIN        512
static size_t raw_samples(size_t n, size_t full)
{
    if (n <= RAW_FULL_UNTIL)
        return full;
    size_t r = full * RAW_FULL_UNTIL / n;
    return r > RAW_MIN ? r : RAW_MIN;
}

void gpbo_bayes__acq_options(const gpbo_search_view *v, uint64_t seed, size_t number,
                             gpbo_acq_options *ao)
{
    const gpbo_study_options *o = v->opts;
    *ao = (gpbo_acq_options)GPBO_ACQ_OPTIONS_INIT;
    ao->kind = o->acquisition;
    ao->batch = o->batch;
    ao->seed = seed ^ (uint64_t)number;
    ao->project = gpbo_space_project;
    ao->project_payload = (void *)v->space;
    /* local penalization takes EI, log-EI and log-PI only: LCB keeps the kriging believer */
    if (ao->batch == GPBO_ACQ_BATCH_LP && ao->kind == GPBO_ACQ_LCB)
        ao->batch = GPBO_ACQ_BATCH_KB;
}

int gpbo_bayes__propose(gpbo_bayes_fit *f, const gpbo_search_view *v, uint64_t seed,
                        const gpbo_bayes_data *data, size_t number, double *u)
{
    /* past a few hundred points the exact GP is too dear: bayes_local.c */
    if (gpbo_bayes__local_applies(data))
        return gpbo_bayes__local_propose(f, v, seed, data, number, u);
    f->local_chosen_at = f->local_fitted_at = 0; /* f's fit is the exact path's from here */
    gpbo_gp *gp = NULL;
    int rc = gpbo_bayes__model_gp(f, v->opts, seed, data, &gp, NULL);
    if (rc != GPBO_OK)
        return rc;
    gpbo_acq_options ao;
    gpbo_bayes__acq_options(v, seed, number, &ao);
    ao.raw_samples = raw_samples(data->n, RAW_FULL);
    ao.restarts = ACQ_RESTARTS;
    rc = gpbo_acq_propose(gp, &ao, NAN, data->np, data->np ? data->pend : NULL, 1, u, NULL);
    gpbo_gp_free(gp);
    return rc;
}
