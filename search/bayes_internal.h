/*
 * bayes_internal.h: the parts of the Bayesian strategy (search/strategies.c, bayes_ask), each a
 * small policy behind one interface, as limbo keeps its policies orthogonal: the initial design
 * (bayes_design.c), the restart episodes (bayes_restart.c), the failure policy
 * (bayes_failure.c), the model choice (bayes_model.c), the acquisition step (bayes_acq.c) and
 * its large-n path (bayes_local.c: a local model and a trust region past a few hundred points).
 * A new model, restart rule or failure policy is one file and one table entry; the tests
 * (tests/search/test_bayes_parts.c) exercise each part alone. Hidden visibility.
 *
 * Every part sees the trials through the strategy view (search_internal.h): a reserved trial
 * whose point is not yet proposed has NaN coordinates and is skipped by every part.
 */
#ifndef GPBO_SEARCH_BAYES_INTERNAL_H
#define GPBO_SEARCH_BAYES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gpbo/acquisition.h"
#include "gpbo/gp.h"
#include "search_internal.h"

/* ---- initial design --------------------------------------------------------------------- */

/* A space-filling design: the first points of each model (the study's, each restart
 * episode's) before it has a GP. */
typedef struct gpbo_bayes_design {
    const char *name;
    /* Whether trial `number` is a design point of the model of role e (role NULL: the study's
     * model, e 0) and which one (*out_index). Cannot fail. */
    int (*slot)(const gpbo_search_view *v, const size_t *role, size_t e, size_t number,
                size_t *out_index);
    /* Design point `index` of the design seeded by `seed`, projected, into u[dim]. Returns
     * what gpbo_acq_sobol or the projection returned. */
    int (*point)(const gpbo_space *space, uint64_t seed, size_t index, gpbo_rng *rng, double *u);
} gpbo_bayes_design;

/* The randomized Sobol design (the strategy "sobol" uses its point too). */
extern const gpbo_bayes_design gpbo_bayes__sobol_design;

/* Point `number` of the Sobol sequence (origin first), digitally shifted by seed; uniform
 * draws from rng beyond the sequence's dimensions. */
int gpbo_bayes__sobol_point(const gpbo_space *space, uint64_t seed, size_t number, gpbo_rng *rng,
                            double *u);
/* Points first, first + 1, ..., first + count - 1 of that sequence into u (count rows of dim),
 * as gpbo_bayes__sobol_point gives each one: the sequence is walked once for all of them (GSL
 * walks it from its start for each call, so point `number` alone costs O(number)). Beyond the
 * sequence's dimensions only count 1 is taken (GPBO_EINVAL otherwise). */
int gpbo_bayes__sobol_points(const gpbo_space *space, uint64_t seed, size_t first, size_t count,
                             gpbo_rng *rng, double *u);

/* The seed of model e (0: the study's own; restart episode e: its own Sobol shift, fit and
 * acquisition streams). Cannot fail. */
uint64_t gpbo_bayes__model_seed(uint64_t study_seed, size_t e);

/* ---- restart episodes -------------------------------------------------------------------- */

typedef struct gpbo_bayes_restart {
    const char *name;
    /* role[t] for t < count: 0 for the study's model, e >= 1 for restart episode e. Roles are
     * causal (role[t] depends on the values of trials before t only). GPBO_ENOMEM. */
    int (*roles)(const gpbo_search_view *v, size_t count, size_t *role);
} gpbo_bayes_restart;

/* Two trials in three to a fresh episode once the best has stalled (bayes_restart.c). */
extern const gpbo_bayes_restart gpbo_bayes__restart_two_in_three;

/* Whether best[0..len) (a best-so-far sequence, +inf before the first value, its first `first`
 * entries a design) has stalled over the last `window` entries. Cannot fail. */
int gpbo_bayes__stalled(const double *best, size_t len, size_t first, size_t window);

/* Whether model e (0: the study's, else an episode's) sees trial i. */
static inline int gpbo_bayes__sees(const size_t *role, size_t e, size_t i)
{
    return e == 0 || role[i] == e;
}

/* ---- failure policy ---------------------------------------------------------------------- */

typedef struct gpbo_bayes_failure {
    gpbo_failed_policy kind;
    /* The value with which a finished trial that has none (failed, or pruned before it
     * reported) enters model e's data; NaN: it stays out, its point taken as pending. Cannot
     * fail. */
    double (*stand_in)(const gpbo_search_view *v, const size_t *role, size_t e);
} gpbo_bayes_failure;

/* The policy of kind (GPBO_FAILED_EXCLUDE for an unknown kind). */
const gpbo_bayes_failure *gpbo_bayes__failure(gpbo_failed_policy kind);

/* Whether trial i has a value: complete, or pruned at its last intermediate value. */
int gpbo_bayes__known_value(const gpbo_search_view *v, size_t i);

/* The data model e sees: n observations (x, y) and np pending points (running trials, excluded
 * failures, the other models' trials for an episode), each of dim d. */
typedef struct gpbo_bayes_data {
    size_t d, n, np;
    double *x, *y, *pend;
    const gpbo_space *space; /* the coordinates' kinds (the lengthscale priors), or NULL */
    double *yvar;            /* n known noise variances of y (0: exact), or NULL: all exact */
} gpbo_bayes_data;

/* ---- model choice ------------------------------------------------------------------------ */

/* A model: the form of the kernel and the transform of y. */
typedef struct gpbo_bayes_choice {
    int warp;     /* the GP models log(y - lo + delta) */
    int additive; /* the kernel in its additive form */
} gpbo_bayes_choice;

/* What the candidate models are fitted to: the first n_fit of the n observations. */
typedef struct gpbo_bayes_fit_data {
    size_t d, n_fit;
    const double *x, *y; /* raw observations */
    const double *yw;    /* their log warping, or NULL: no warped candidate */
    double lo, delta;    /* the warping's offset */
    const gpbo_study_options *opts;
    gpbo_gp_fit_options fo;
    /* a warm start: the hyperparameters (dim + 2) the candidate's one local run starts from,
     * instead of its own starts; NULL for those */
    const double *start;
    /* with a warm start: the likelihood at it below which the candidate is not refitted (it
     * keeps the start and that likelihood); -inf: always refitted */
    double skip_below;
    /* known noise variances of y and of yw (delta method), or NULL: exact observations */
    const double *yvar, *yvw;
} gpbo_bayes_fit_data;

typedef struct gpbo_bayes_model {
    const char *name;
    /* 1: the baseline, fitted first; its failure fails the ask. A candidate after it that fails
     * numerically drops out; only GPBO_ENOMEM fails the ask. */
    int baseline;
    /* Whether the candidate competes, given the winner so far. */
    int (*applies)(const gpbo_bayes_fit_data *fd, const gpbo_bayes_choice *winner);
    /* Fits the candidate on gp from the winner's hyperparameters theta (or gp's current ones),
     * or by one local run from fd->start when that is set; *out its model, *out_lml the log
     * marginal likelihood of the raw data (-inf if not finite). Leaves gp's kernel in its ARD
     * form. A status code. */
    int (*fit)(gpbo_gp *gp, const gpbo_bayes_fit_data *fd, const double *theta,
               const gpbo_bayes_choice *winner, gpbo_bayes_choice *out, double *out_lml);
} gpbo_bayes_model;

/* The candidates in the order they are fitted: ARD, warped ARD, additive. */
extern const gpbo_bayes_model *const gpbo_bayes__models[];
extern const size_t gpbo_bayes__nmodels;

/* The hyperparameters of one model, kept between asks until the next refit. The three arrays
 * are one allocation (gpbo_bayes__fit_free, gpbo_bayes__fit_copy); GPBO_BAYES_FIT_INIT is the
 * empty state. */
typedef struct gpbo_bayes_fit {
    double *theta;    /* last fitted hyperparameters (dim + 2), or NULL */
    size_t fitted_at; /* number of GP observations at the last fit (SIZE_MAX: none) */
    size_t episode;   /* which model: 0 the study's, e >= 1 restart episode e */
    gpbo_bayes_choice choice;
    double *theta_c;  /* the last model choice's hyperparameters (dim + 2), or NULL */
    size_t chosen_at; /* the observation count it was made at (SIZE_MAX: none) */
    /* each candidate's optimum at that choice (gpbo_bayes__nmodels rows of dim + 2; a row
     * whose first entry is NaN did not compete): the warm starts of the next choice */
    double *cand;
    /* The large-n path's keys (bayes_local.c; 0: none): the full observation counts of the
     * model choice and of the local refit f's hyperparameters come from. They hold only while
     * fitted_at is the local neighbourhood's count (a new episode resets fitted_at; the exact
     * path, gpbo_bayes__propose, resets them). */
    size_t local_chosen_at, local_fitted_at;
} gpbo_bayes_fit;

#define GPBO_BAYES_FIT_INIT                                                                        \
    {                                                                                              \
        NULL, SIZE_MAX, 0, {0, 0}, NULL, SIZE_MAX, NULL, 0, 0                                      \
    }

void gpbo_bayes__fit_free(gpbo_bayes_fit *f);

/* *dst = a deep copy of src (np = dim + 2). GPBO_ENOMEM (*dst then empty). */
int gpbo_bayes__fit_copy(gpbo_bayes_fit *dst, const gpbo_bayes_fit *src, size_t np);

/* The observation count of the model choice that serves n_fit observations: n_fit itself up
 * to 60, then the last point of a schedule whose gaps are a tenth of the count. */
size_t gpbo_bayes__choice_point(size_t n_fit);

/* Fits every candidate that applies on gp and keeps the one of the highest likelihood of the
 * raw data: *out its model, theta[dim + 2] its hyperparameters. cand (gpbo_bayes__nmodels rows
 * of dim + 2, or NULL) receives each candidate's optimum (a row's first entry NaN: it did not
 * compete); with warm, a candidate whose row is set makes one local run from it instead of its
 * own starts (a warm choice). On failure *out, theta and cand are unspecified. GPBO_ENOMEM, or
 * the baseline's fit status. */
int gpbo_bayes__choose(gpbo_gp *gp, const gpbo_bayes_fit_data *fd, double *theta,
                       gpbo_bayes_choice *out, double *cand, int warm);

/* The transform of y under which a model's GP holds its values: log(y - lo + delta) when
 * warped, else y (lo and delta 0). */
typedef struct gpbo_bayes_warp {
    int warped;
    double lo, delta;
} gpbo_bayes_warp;

/* Refits model f at each multiple n_fit of refit_every observations (else keeps its
 * hyperparameters) and hands out a GP of data under it (*out, the caller frees it; NULL on
 * failure). With warp NULL it is the search's GP, whose values are only compared among
 * themselves (its incumbent is its data's minimum): standardized, with the pessimistic prior
 * mean (MEAN_SHIFT, bayes_model.c). With warp, *warp is the transform its values are under and
 * the GP predicts in those units, standardized by the gp itself (the data's mean as the prior
 * mean), with the same hyperparameters. A refit takes the
 * model choice made on the first gpbo_bayes__choice_point(n_fit) observations (unless f holds
 * it already): afresh (every candidate, multistart) up to 60 observations, past that warm from
 * the schedule's previous choice (each candidate one local run from its last optimum), the
 * chain made again from 60 when f does not hold it. A function of the data alone, so a resumed
 * study refits what an uninterrupted one did. seed is the model's. GPBO_ENOMEM or what the fit
 * returned. */
int gpbo_bayes__model_gp(gpbo_bayes_fit *f, const gpbo_study_options *o, uint64_t seed,
                         const gpbo_bayes_data *data, gpbo_gp **out, gpbo_bayes_warp *warp);

/* The fit options of a model's fit on n observations in d dimensions (bayes_model.c): on fo's
 * defaults, MAP with the strategy's priors (hvarfner 0) or the gp's dimension-scaled ones (1:
 * the study option use_priors); the noise floor lowered from NOISE_FLOOR_FROM observations on
 * in spaces of at most NOISE_FLOOR_MAX_DIM coordinates; from 3-D and below LENGTHSCALE_CAP_BELOW
 * observations the lengthscales capped (LENGTHSCALE_CAP, or sqrt(d) when larger). Cannot fail. */
void gpbo_bayes__fit_options(size_t d, size_t n, int hvarfner, gpbo_gp_fit_options *fo);

/* The search's own pace of a fit, set on fo: 4 random restarts, the 2 best of the race run on.
 * Version 4 of gp's options raised its defaults (10 restarts, every start run on below 300
 * observations, for a standalone fit's best mode); the search keeps what its benchmarks were
 * measured with (bench/gp_fit/README.md), about 4 times less fit per step. Cannot fail. */
void gpbo_bayes__fit_pace(gpbo_gp_fit_options *fo);

/* The per-coordinate lengthscale priors of a fit on space (fo->lengthscale_priors): *out a
 * fresh array of dim (mu, sigma) pairs when the space has a categorical or a conditional
 * parameter and the fit uses the search's own priors (not hvarfner): those parameters'
 * coordinates the flat prior, the others fo's common one; else NULL (every coordinate the
 * common prior). GPBO_ENOMEM. */
int gpbo_bayes__ls_priors(const gpbo_space *space, int hvarfner, const gpbo_gp_fit_options *fo,
                          double **out);

/* 1 (the default): the log-warped candidate competes at every choice (the likelihood decides);
 * 0: only when the initial design is skewed upwards (before issue 18; tests of the ARD chain
 * alone set it). */
extern int gpbo_bayes__warp_always;

/* Caps y[0..n) from above, in place, where a value lies more than a large multiple of the spread
 * between the least value and the upper quartile above that quartile (a diverged value):
 * ordinary values are left as they are. Every model (gpbo_bayes__model_gp, and each choice on
 * the first c observations) sees its values capped, the cap computed from those values alone.
 * GPBO_ENOMEM (y unchanged). */
int gpbo_bayes__clip_values(double *y, size_t n);

/* Whether y[0..n) (its first `first` values the design; first 0: all of them, without the skew
 * rule) calls for the log warping: sets
 * *found, and *lo and *delta when it does. GPBO_ENOMEM. */
int gpbo_bayes__warp_candidate(const double *y, size_t n, size_t first, double *lo, double *delta,
                               int *found);

/* ---- acquisition step -------------------------------------------------------------------- */

/* Builds model e's data from v (role may be NULL when e is 0), skipping reserved trials not
 * yet proposed. GPBO_ENOMEM (nothing to free). */
int gpbo_bayes__data_build(gpbo_bayes_data *out, const gpbo_search_view *v, const size_t *role,
                           size_t e, const gpbo_bayes_failure *failure);
void gpbo_bayes__data_free(gpbo_bayes_data *data);

/* Fits (or reuses, between refits) model f on data and proposes trial `number` into u with the
 * pending points taken. seed is the model's (gpbo_bayes__model_seed). What the fit or
 * gpbo_acq_propose returned (GPBO_EOPTIM: every point taken). */
int gpbo_bayes__propose(gpbo_bayes_fit *f, const gpbo_search_view *v, uint64_t seed,
                        const gpbo_bayes_data *data, size_t number, double *u);

/* The acquisition options of trial `number` of model seed `seed` (the study's kind, batch rule
 * and projection). Cannot fail. */
void gpbo_bayes__acq_options(const gpbo_search_view *v, uint64_t seed, size_t number,
                             gpbo_acq_options *ao);

/* ---- large-n path ------------------------------------------------------------------------ */

/* Whether model data is past the exact path's reach (bayes_local.c): then its GP sees only the
 * observations nearest to the incumbent and the acquisition a trust region around it. */
int gpbo_bayes__local_applies(const gpbo_bayes_data *data);

/* How many observations the local GP sees, and past how many observations and pending points
 * the path applies. */
size_t gpbo_bayes__local_k(void);
size_t gpbo_bayes__local_from(void);

/* The k observations nearest to the incumbent (Euclidean, in the projected cube) among the
 * first m of data, in their order, into *out (no pending points; gpbo_bayes__data_free), and
 * the distance of the farthest of them into *radius. GPBO_ENOMEM (nothing to free). */
int gpbo_bayes__local_subset(const gpbo_bayes_data *data, size_t m, size_t k, gpbo_bayes_data *out,
                             double *radius);

/* A subset of k < data->n observations of data for a picture of its model at a bounded cost
 * (gpbo_study_model_capped): the (k + 1) / 2 lowest values, then, one at a time, the observation
 * farthest from all those taken (greedy maximin, Euclidean in the unit cube), ties to the
 * earlier observation; *out in data's order, without pending points (free it with
 * gpbo_bayes__data_free). O(data->n k d). GPBO_ENOMEM (nothing made). */
int gpbo_bayes__spread_subset(const gpbo_bayes_data *data, size_t k, gpbo_bayes_data *out);

/* The model of data past gpbo_study_model_capped's cap (data: gpbo_bayes__spread_subset's
 * subset, f fresh): the model choice and its hyperparameters made by gpbo_bayes__model_gp on
 * gpbo_bayes__spread_subset's CAPPED_CHOICE_K (bayes_local.c: 300) of data (on data itself when
 * it holds no more), and the GP of all of data under them (*out, the caller frees it; *warp as
 * gpbo_bayes__model_gp's). What gpbo_bayes__model_gp or the subset returned. */
int gpbo_bayes__capped_model(gpbo_bayes_fit *f, const gpbo_study_options *o, uint64_t seed,
                             const gpbo_bayes_data *data, gpbo_gp **out, gpbo_bayes_warp *warp);

/* The local model of data: f's hyperparameters chosen every 100 observations of the full count n
 * and refitted every 10 (each on the neighbourhood of the first that many observations), its GP
 * conditioned on the neighbourhood of all n (*out, the caller frees it), *radius that
 * neighbourhood's, *warp (when not NULL) the transform its values are under. With n <=
 * gpbo_bayes__local_k() it is the exact path's model. What gpbo_bayes__model_gp returned. */
int gpbo_bayes__local_model(gpbo_bayes_fit *f, const gpbo_study_options *o, uint64_t seed,
                            const gpbo_bayes_data *data, gpbo_gp **out, double *radius,
                            gpbo_bayes_warp *warp);

/* The trust region around center in the projected cube, [lo, hi] (dim each): half-sides
 * radius * w_j / |w|, w_j the lengthscales of theta over their geometric mean (clipped), so that
 * its corners lie on the sphere of the given radius; integer and categorical coordinates keep
 * [0, 1]. Cannot fail. */
void gpbo_bayes__local_box(const gpbo_space *space, const double *center, double radius,
                           const double *theta, double *lo, double *hi);

/* The acquisition ao (its projection replaced) maximized over the trust region of the given radius
 * around gp's incumbent (gpbo_bayes__local_box's, shaped by gp's lengthscales), with data's
 * pending points inside it: the proposal into u (the space's cube), its utility into *value when
 * not NULL. gp is left moved into the box's coordinates (free it after). What gpbo_acq_propose
 * returned, or GPBO_ENOMEM. */
int gpbo_bayes__box_propose(gpbo_gp *gp, const gpbo_search_view *v, const gpbo_bayes_data *data,
                            const gpbo_acq_options *ao, double radius, double *u, double *value);

/* gpbo_bayes__propose's local path: the local model, the acquisition over the trust region with
 * the pending points inside it. Same contract. */
int gpbo_bayes__local_propose(gpbo_bayes_fit *f, const gpbo_search_view *v, uint64_t seed,
                              const gpbo_bayes_data *data, size_t number, double *u);

/* ---- several objectives ------------------------------------------------------------------ */

/* The step of a study of several objectives past its initial design (bayes_mo.c): ParEGO on f
 * (the study's model, reset each trial) or EHVI, as v->opts->mo_acquisition says, from
 * v->yobj. What the fits or the proposal returned. */
int gpbo_bayes__mo_propose(gpbo_bayes_fit *f, const gpbo_search_view *v, size_t number,
                           gpbo_rng *rng, double *u);

#endif
