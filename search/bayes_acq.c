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
    free(data->yvar);
    data->x = data->y = data->pend = data->yvar = NULL;
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
                         v->space,
                         NULL};
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
            double var = known && v->yvar ? v->yvar[i] : 0;
            if (var > 0 && b.yvar == NULL && (b.yvar = calloc(v->n, sizeof *b.yvar)) == NULL) {
                gpbo_bayes__data_free(&b);
                return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
            }
            if (b.yvar)
                b.yvar[b.n] = var;
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

/* Refinement in a trust region: from REFINE_FROM observations on, in spaces of at most
 * REFINE_MAX_DIM coordinates, log-EI is also maximized over a box of radius REFINE_RADIUS around
 * the incumbent (gpbo_bayes__local_box's, shaped by the lengthscales), and the box's proposal
 * is taken unless the whole space's beats it by more than REFINE_ODDS nats. Once a basin is mapped
 * with the noise floor's confidence, log-EI near the incumbent falls below that of unexplored
 * space, where the pessimistic prior mean still leaves a little: in the Hartmann 6 runs that end
 * in the global basin (200 development seeds 1000-1199, main before this), 54 % of the proposals
 * from evaluation 40 to 49 and 66 % from 50 to 59 went farther than 0.1 from the incumbent (median
 * distance 0.26 and 0.62), and none of them found anything. With the box taken (bench/compare/
 * README.md, session 20), those runs refine ~10 times faster: the median of the 200 at 50
 * evaluations 6.7e-5 -> 5.0e-6, at 60 1.3e-5 -> 2.0e-6 (with REFINE_RAW below). The odds keep the
 * global moves that matter: with the box taken at every step, Styblinski-Tang 4-D (whose other
 * wells the additive model predicts well below the incumbent) went from 2e-5 to 14 at the median.
 * Development seeds 20-39 of the eight functions, against main: 111 better / 36 worse (at the full
 * effort below 114 / 35; odds 2 nats 106 / 40, 8 nats 108 / 41; from 20 observations 96 / 53;
 * radius 0.2 110 / 36). Spaces of more coordinates (the demo sweep's 17) were not measured and
 * keep log-EI over the whole space. */
#define REFINE_FROM    30
#define REFINE_MAX_DIM 8
#define REFINE_RADIUS  0.1
#define REFINE_ODDS    5.0
/* With the box, each step maximized log-EI twice at full effort (RAW_FULL raw points, ACQ_RESTARTS
 * starts): a 200-evaluation Hartmann 6 run cost 0.91 s of CPU instead of 0.68 (Haswell, one
 * thread; 0.32 of Optuna TPE's instead of 0.24, past issue 17's 0.25). From REFINE_FROM on both
 * maximizations take REFINE_RAW raw points (scaled down past RAW_FULL_UNTIL as the full count is)
 * and REFINE_RESTARTS starts: 0.69-0.74 s (0.24-0.25 of TPE's). Against the full effort:
 * Hartmann 6's 200 development runs unchanged (median at 50 4.95e-6 against 4.84e-6), the eight
 * development functions 50 / 67 / 43 (no median moved by more than x1.3 but Levy 4-D's, 2.9e-5 ->
 * 0.026, its upper quartile 0.45 -> 0.93). 128 / 2 in the box and 512 / 3 over the space: 46 / 69.
 */
#define REFINE_RAW      256
#define REFINE_RESTARTS 2

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
    int refine = ao.kind == GPBO_ACQ_LOGEI && data->n >= REFINE_FROM && data->d <= REFINE_MAX_DIM;
    ao.raw_samples = raw_samples(data->n, RAW_FULL);
    if (refine) /* REFINE_RAW in RAW_FULL's place, scaled down as it is past RAW_FULL_UNTIL */
        ao.raw_samples = ao.raw_samples * REFINE_RAW / RAW_FULL;
    ao.restarts = refine ? REFINE_RESTARTS : ACQ_RESTARTS;
    double whole = NAN;
    rc = gpbo_acq_propose(gp, &ao, NAN, data->np, data->np ? data->pend : NULL, 1, u, &whole);
    if (rc == GPBO_OK && refine) {
        double *ub = malloc(data->d * sizeof *ub), near = -INFINITY;
        rc = ub ? gpbo_bayes__box_propose(gp, v, data, &ao, REFINE_RADIUS, ub, &near)
                : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
        if (rc == GPBO_OK && near >= whole - REFINE_ODDS)
            memcpy(u, ub, data->d * sizeof *u);
        if (rc == GPBO_EOPTIM) /* every point of the box taken: the whole space's stands */
            rc = GPBO_OK;
        free(ub);
    }
    gpbo_gp_free(gp);
    return rc;
}
