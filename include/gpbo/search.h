/*
 * gpbo/search.h: search spaces, studies (ask / tell) and the strategies behind them.
 *
 * A search space holds named parameters — floats and integers (uniform or log scale, or
 * stepped: lo + k * step), categories (strings) and constants — and maps them to and from the unit
 * cube that strategies and the GP work in: one coordinate per float or integer, one per category of
 * a categorical (one-hot), none for a constant. Values travel as doubles, one per parameter: the
 * number itself, or the index of the category.
 *
 * A study is a named sequence of trials kept in a storage: an SQLite file (WAL mode, each tell
 * one transaction), a PostgreSQL database, or memory. ask() hands out a trial (its id and
 * parameter values); tell() records its value, its failure with a reason, or that it was
 * pruned; report() records intermediate values. A trial asked and not told is running. A study
 * reopened by name continues exactly where it stopped: strategies draw their randomness from
 * the study seed and the trial number, so the sequence is the one an uninterrupted run would
 * have produced.
 *
 * Many workers: any number of handles — threads, processes, machines — may open one stored
 * study and ask and tell at once, with no coordinator. Ids are reserved in the storage (no two
 * workers run one id; gpbo_study_ask_capped() keeps a budget across all of them), every
 * worker's running trials are pending points of the others' proposals, and a handle refreshes
 * a heartbeat on the trials it runs (options heartbeat, grace). A running trial whose worker
 * is lost — closed without telling it, no heartbeat for `grace` seconds, or a process of this
 * machine and pid namespace that has ended (a worker in a container of its own is judged by its
 * heartbeat alone) — is reclaimed by the next ask anywhere: it runs again with its id
 * and parameters (up to lost_retries times), before any new trial. The first result told for
 * a trial is the one stored; a later one is refused (GPBO_ESTATE).
 *
 * Direction: strategies minimize. A study that maximizes flips the sign where values enter and
 * leave; every value in this API is in the user's own sign.
 *
 * Thread-safety: one study handle per thread (or a lock around it); handles of one study may
 * be used from distinct threads. A handle that has asked runs a thread of its own for the
 * heartbeats, until it is closed: a process forked while such a handle is open must not call
 * gpbo (nor SQLite, nor libpq) before it execs, since that thread may hold their locks then.
 */
#ifndef GPBO_SEARCH_H
#define GPBO_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "gpbo/acquisition.h"
#include "gpbo/export.h"
#include "gpbo/gp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Search space                                                                                */

typedef enum gpbo_param_type {
    GPBO_PARAM_FLOAT = 0,
    GPBO_PARAM_INT,
    GPBO_PARAM_CATEGORICAL,
    GPBO_PARAM_CONST
} gpbo_param_type;

typedef struct gpbo_space gpbo_space;

/** Creates an empty space. @return the space, or NULL (GPBO_ENOMEM). */
GPBO_API gpbo_space *gpbo_space_new(void);

/** Frees a space. Accepts NULL. */
GPBO_API void gpbo_space_free(gpbo_space *space);

/** A deep copy, or NULL (GPBO_EINVAL, GPBO_ENOMEM). */
GPBO_API gpbo_space *gpbo_space_copy(const gpbo_space *space);

/**
 * Adds a float in [lo, hi], uniform or log-uniform (log needs lo > 0).
 * @return GPBO_OK; GPBO_EINVAL naming the problem (empty, duplicate or not UTF-8 name,
 *         non-finite bounds, lo > hi, hi - lo beyond a double, log with lo <= 0); GPBO_ENOMEM.
 *         On error the space is unchanged.
 */
GPBO_API int gpbo_space_add_float(gpbo_space *space, const char *name, double lo, double hi,
                                  int log_scale);

/** Adds an integer in [lo, hi] (inclusive), uniform or log (lo >= 1). Errors as above. */
GPBO_API int gpbo_space_add_int(gpbo_space *space, const char *name, long long lo, long long hi,
                                int log_scale);

/**
 * Adds a stepped float, Optuna's suggest_float(name, lo, hi, step=step): its values are
 * lo + k * step, k = 0..K, K = floor((hi - lo) / step). As Optuna 3.1 does, hi is moved down to
 * the last of them, lo + K * step (gpbo_space_hi() gives it), unless it is that point within
 * rounding (0.7 from 0 in steps of 0.1 stays 0.7, the last value). It is encoded as an integer
 * k of 0..K; decode, project and every strategy give only the values lo + k * step (computed
 * so, the last one hi), and encode takes a value within 1e-9 step (and 4 ulps) of one of them.
 * There is no log scale with a step (Optuna has none).
 * @return GPBO_OK; GPBO_EINVAL naming the parameter (the errors of gpbo_space_add_float(), a
 *         step not finite or not > 0, more than 9e15 steps); GPBO_ENOMEM. On error the space is
 *         unchanged.
 */
GPBO_API int gpbo_space_add_float_step(gpbo_space *space, const char *name, double lo, double hi,
                                       double step);

/**
 * Adds a stepped integer, Optuna's suggest_int(name, lo, hi, step=step): lo + k * step,
 * k = 0..(hi - lo) / step, hi moved down to the last of them. step 1 adds the plain integer
 * (gpbo_space_add_int() with a linear scale: gpbo_space_step() then gives 0). Errors as
 * gpbo_space_add_int(), and GPBO_EINVAL for a step <= 0.
 */
GPBO_API int gpbo_space_add_int_step(gpbo_space *space, const char *name, long long lo,
                                     long long hi, long long step);

/**
 * Adds a categorical with n >= 1 distinct choices (strings, copied).
 * @return GPBO_OK; GPBO_EINVAL (empty list, NULL, duplicate or not UTF-8 choice, a name as
 *         gpbo_space_add_float() takes);
 *         GPBO_ENOMEM.
 */
GPBO_API int gpbo_space_add_categorical(gpbo_space *space, const char *name, size_t n,
                                        const char *const *choices);

/** Adds a numeric constant (it takes no coordinate). Errors as gpbo_space_add_float(). */
GPBO_API int gpbo_space_add_const(gpbo_space *space, const char *name, double value);

/** Number of parameters. */
GPBO_API size_t gpbo_space_size(const gpbo_space *space);

/** Dimension of the unit cube the space is encoded into. */
GPBO_API size_t gpbo_space_dim(const gpbo_space *space);

/** What a parameter is. Out-of-range indices give NULL / GPBO_PARAM_CONST / 0. */
GPBO_API const char *gpbo_space_name(const gpbo_space *space, size_t i);
GPBO_API gpbo_param_type gpbo_space_type(const gpbo_space *space, size_t i);
GPBO_API int gpbo_space_is_log(const gpbo_space *space, size_t i);
GPBO_API double gpbo_space_lo(const gpbo_space *space, size_t i);
GPBO_API double gpbo_space_hi(const gpbo_space *space, size_t i);
GPBO_API size_t gpbo_space_nchoices(const gpbo_space *space, size_t i);
GPBO_API const char *gpbo_space_choice(const gpbo_space *space, size_t i, size_t k);
/** Parameter i's step (gpbo_space_add_float_step), 0 for a parameter without one (a plain
 * float or integer, or a bad index). */
GPBO_API double gpbo_space_step(const gpbo_space *space, size_t i);

/** What gpbo_space_find() returns for a name the space does not have (SIZE_MAX: no index
 * can be that large). */
#define GPBO_SPACE_NOT_FOUND ((size_t)-1)

/** Index of the parameter called name, or GPBO_SPACE_NOT_FOUND. */
GPBO_API size_t gpbo_space_find(const gpbo_space *space, const char *name);

/**
 * Encodes one value per parameter into the unit cube (out: gpbo_space_dim values).
 * @return GPBO_OK; GPBO_EINVAL (a NULL argument, or naming the parameter whose value is out of
 *         its range); GPBO_ENOMEM (only in a space of more than 64 parameters with conditions).
 */
GPBO_API int gpbo_space_encode(const gpbo_space *space, const double *values, double *out);

/**
 * Decodes a point of the unit cube (coordinates clamped into [0, 1]) into one value per
 * parameter: floats scaled, integers and stepped values rounded into their cell, categories by
 * arg-max, NaN for a
 * parameter its parent's value makes inactive.
 * @return GPBO_OK; GPBO_EINVAL for a NULL or non-finite input; GPBO_ENOMEM (only in a space of
 *         more than 64 parameters with conditions).
 */
GPBO_API int gpbo_space_decode(const gpbo_space *space, const double *u, double *values);

/**
 * Maps a point of the unit cube onto the point that encodes its decoded values (the center of
 * an integer's cell, a one-hot vector; an inactive parameter's fixed place), in place.
 * Idempotent. Returns GPBO_OK for valid arguments (GPBO_ENOMEM is possible only in a space
 * with conditions); its signature is gpbo_acq_project_fn's, with the space as payload.
 */
GPBO_API int gpbo_space_project(double *u, size_t dim, void *space);

/**
 * Writes parameter i's value as text ("0.001", "64", "adam") into buf (cap bytes); a float
 * in the fewest significant digits, 10 at least, that strtod() reads back as value bit for bit
 * (DBL_MAX as 1.7976931348623157e+308, -0.0 as -0).
 * @return GPBO_OK, GPBO_EINVAL (bad index, a categorical's value that is no category index, or
 *         a buffer too small).
 */
GPBO_API int gpbo_space_format(const gpbo_space *space, size_t i, double value, char *buf,
                               size_t cap);

/**
 * Serializes the space to JSON (a string to release with gpbo_free()) and back. from_json
 * returns NULL with GPBO_EFORMAT naming the problem.
 */
GPBO_API char *gpbo_space_to_json(const gpbo_space *space);
GPBO_API gpbo_space *gpbo_space_from_json(const char *json);

/** 1 when both spaces define the same parameters in the same order, else 0. */
GPBO_API int gpbo_space_equal(const gpbo_space *a, const gpbo_space *b);

/*
 * Conditional parameters (SMAC's conditions, Optuna's define-by-run, Hyperopt's nested
 * spaces): a parameter with a condition is active only while its parent — a categorical or an
 * integer, itself possibly conditional — is active and takes one of the given values (category
 * indices, or integer values). An inactive parameter's value is NaN wherever values travel
 * (ask, decode, trials, storage; `null` in JSON exports); encode ignores it. Every strategy
 * proposes only points whose activity is consistent: the projection writes an inactive
 * parameter's coordinates at a fixed place (0: the low edge of a float or integer, the zero
 * vector of a categorical's one-hot), so decoded points, the GP's inputs and the acquisition's
 * candidates agree with the parents' values.
 */

/**
 * Makes parameter `child` active only when `parent` takes one of values[0..n). Both must be
 * in the space already; parent a categorical (values: category indices) or an integer (values:
 * integers in its range); child has no condition yet.
 * @return GPBO_OK; GPBO_EINVAL naming the problem (unknown name, child == parent, a float or
 *         constant parent, a value out of the parent's range, a second condition, a cycle
 *         child -> parent -> ... -> child); GPBO_ENOMEM. On error the space is unchanged.
 */
GPBO_API int gpbo_space_add_condition(gpbo_space *space, const char *child, const char *parent,
                                      size_t n, const double *values);

/** Parameter i's parent, or GPBO_SPACE_NOT_FOUND when it is always active (or i is out of
 * range). */
GPBO_API size_t gpbo_space_parent(const gpbo_space *space, size_t i);

/** The values of its parent under which parameter i is active: the count, and *values (owned
 * by the space; NULL for none). 0 for an unconditional parameter. */
GPBO_API size_t gpbo_space_condition(const gpbo_space *space, size_t i, const double **values);

/**
 * Whether parameter i is active under values (one per parameter; an inactive parent's value
 * may be anything): 1 or 0 (0 too for a bad index or NULL values).
 */
GPBO_API int gpbo_space_active(const gpbo_space *space, const double *values, size_t i);

/* ------------------------------------------------------------------------------------------ */
/* Studies                                                                                     */

typedef enum gpbo_direction { GPBO_MINIMIZE = 0, GPBO_MAXIMIZE } gpbo_direction;

typedef enum gpbo_trial_state {
    GPBO_TRIAL_RUNNING = 0, /**< asked, not told (pending) */
    GPBO_TRIAL_COMPLETE,
    GPBO_TRIAL_FAILED,
    GPBO_TRIAL_PRUNED,
    GPBO_TRIAL_STATE_COUNT /**< the number of states (not a state): gpbo_study_counts' size */
} gpbo_trial_state;

/** How the Bayesian strategy treats failed trials. */
typedef enum gpbo_failed_policy {
    GPBO_FAILED_EXCLUDE = 0, /**< left out of the GP (never proposed again: they stay taken) */
    GPBO_FAILED_WORST        /**< imputed with the worst value seen so far */
} gpbo_failed_policy;

/**
 * An outcome constraint (issue 20): the metric `name` a trial reports beside its objective
 * (gpbo_study_set_metrics) must lie in [min, max]. A side without a bound is -INFINITY /
 * INFINITY (NaN is read as no bound too); at least one side is bounded. A trial is feasible when
 * it is complete and every constraint holds; a constraint metric it did not report, or reported
 * as NaN, makes it infeasible (an infinite one is compared as it is: +INFINITY breaks a max and
 * meets a min).
 */
typedef struct gpbo_constraint {
    const char *name; /**< the metric (copied by gpbo_study_open) */
    double min, max;  /**< bounds, inclusive */
} gpbo_constraint;

/** How the Bayesian strategy proposes for a study of several objectives (options version 6). */
typedef enum gpbo_mo_acq {
    GPBO_MO_EHVI = 0, /**< expected hypervolume improvement of independent GPs, one an objective
                           (closed form for two objectives, Monte Carlo for three; ParEGO for
                           more) */
    GPBO_MO_PAREGO,   /**< ParEGO (Knowles 2006): one GP of a random augmented Chebyshev
                           scalarization of the normalized objectives a trial, log-EI on it */
    GPBO_MO_ACQ_COUNT /**< the number of kinds (not a kind) */
} gpbo_mo_acq;

/** The most objectives a study may have. */
#define GPBO_MAX_OBJECTIVES 8

/** Version of gpbo_study_options this header describes. */
#define GPBO_STUDY_OPTIONS_VERSION 6

/**
 * Options of a new study. Initialize with GPBO_STUDY_OPTIONS_INIT (or
 * gpbo_study_options_init(&opts, GPBO_STUDY_OPTIONS_VERSION)), then change fields. Stored with
 * the study: a reopened study keeps the options it was created with (those given are then
 * ignored).
 * Versions (fields are only ever appended; sizes on LP64; the rule is in docs/abi.md):
 *  - 1: direction .. use_priors (88 bytes);
 *  - 2: added additive (96 bytes);
 *  - 3: added restart (104 bytes);
 *  - 4: added heartbeat, grace, lost_retries (128 bytes);
 *  - 5: added n_constraints, constraints (144 bytes).
 *  - 6: added n_objectives, objective_names, objective_directions, mo_acquisition (176 bytes).
 * The library reads only the fields of opts->version; a new study gets the defaults of the later
 * fields (additive 1, restart 20, heartbeat 10, grace 60, lost_retries 3). Studies stored by an
 * older library reopen differently: with the values those fields had then (0: the study keeps
 * running as it ran).
 */
typedef struct gpbo_study_options {
    unsigned int version;     /**< GPBO_STUDY_OPTIONS_VERSION */
    gpbo_direction direction; /**< default GPBO_MINIMIZE */
    const char *strategy;     /**< "grid", "random", "sobol", "lhs" or "bayes" (default) */
    uint64_t seed;
    /* grid */
    size_t grid_resolution; /**< points per numeric parameter (default 5), evenly spaced on its
                             * scale from lo to hi exactly; on a log scale a point that is a
                             * decimal but for rounding is that decimal (1e-5..1e-1 in 5:
                             * 1e-4, not 9.999999999999991e-05) */
    int grid_shuffle;       /**< 1: visit the grid in a seeded random order */
    /* lhs */
    size_t lhs_size; /**< points per Latin hypercube (default 60; at most 1e8; 0 counts as 1) */
    /* bayes */
    size_t n_init;             /**< space-filling trials first (default 10) */
    gpbo_kernel_type kernel;   /**< default GPBO_KERNEL_MATERN52 (ARD) */
    gpbo_acq_kind acquisition; /**< default GPBO_ACQ_LOGEI */
    gpbo_acq_batch batch;      /**< pending trials: default Kriging believer */
    size_t refit_every;        /**< refit hyperparameters every k trials (default 1) */
    gpbo_failed_policy failed; /**< default GPBO_FAILED_EXCLUDE */
    int use_priors;            /**< 1: fit the GP's log posterior with gp's default priors (the
                                    dimension-scaled log-normal lengthscale prior and a log-normal noise
                                    prior); 0 (the default): the Bayesian strategy's own weak priors
                                    (lengthscale median 0.5 in the unit cube, noise near its floor;
                                    search/bayes_model.c). The gp's priors are off by default because
                                    bench/compare measured them worse on the low-dimensional test
                                    functions (Hartmann 6 at 60 evaluations: median regret 0.19 with,
                                    0.003 without, 30 seeds) */
    /* version 2 */
    int additive; /**< 1 (the default): at each refit the additive form of the kernel (a sum of
                       one-input terms, gpbo_gp_set_additive) competes with the ARD form by
                       marginal likelihood, and the better model proposes; 0: ARD only. Studies
                       stored before version 2 reopen with 0, as they ran */
    /* version 3 */
    size_t restart; /**< restarts (default 20): once `restart` trials in a row have improved the
                         best by at most 1e-4 of its improvement since the initial design, two
                         trials in three go to a fresh search (its own space-filling design and GP,
                         of its own trials only, the others' points taken) until that stalls too
                         and the next one starts; the remaining trials keep refining with the GP
                         of all trials. 0: never. Studies stored before version 3 reopen with 0 */
    /* version 4: many workers (studies stored before reopen with the defaults) */
    double heartbeat;    /**< seconds between two refreshes of the heartbeat of the trials a
                              study handle runs (default 10; 0: none, then only a closed handle's
                              or a dead local process's trials are ever reclaimed) */
    double grace;        /**< a running trial whose heartbeat is older than this many seconds
                              (default 60) has lost its worker: the next ask reclaims it */
    size_t lost_retries; /**< a trial that lost its worker runs again, same id and parameters,
                              up to this many times (default 3); then it is marked failed */
    /* version 5: outcome constraints (issue 20; studies stored before have none) */
    size_t n_constraints; /**< entries of constraints (default 0: every complete trial is
                               feasible) */
    const gpbo_constraint *constraints; /**< copied by gpbo_study_open (names distinct); the
                                             study's options point to its own copy. The "bayes"
                                             strategy models each constraint metric with its own
                                             GP and weights log-EI by the log probability of
                                             feasibility (Gardner et al., ICML 2014); while no
                                             trial is feasible it maximizes that probability.
                                             With several objectives, its EHVI over the feasible
                                             front is weighted by that probability */
    /* version 6: several objectives (issue 20). With n_objectives >= 2 each trial has that many
       values, objective j being the trial's metric objective_names[j] (gpbo_study_set_metrics,
       gpbo_study_tell_values; the first one is also the trial's value), each minimized or
       maximized as objective_directions[j] says; `direction` is then objective_directions[0].
       The study keeps copies. 0 or 1 (the default): one objective, the trial's value; with 1
       and objective_names, its metric's name is stored with the study (gpbo_study_objective_name
       reads it back; gpbo run refuses to resume a study for another metric) */
    size_t n_objectives;                        /**< 0, 1, or 2 to GPBO_MAX_OBJECTIVES */
    const char *const *objective_names;         /**< n_objectives distinct non-empty names */
    const gpbo_direction *objective_directions; /**< n_objectives directions (NULL: minimize) */
    gpbo_mo_acq mo_acquisition;                 /**< default GPBO_MO_EHVI */
} gpbo_study_options;

#define GPBO_STUDY_OPTIONS_INIT                                                                    \
    {                                                                                              \
        .version = GPBO_STUDY_OPTIONS_VERSION, .direction = GPBO_MINIMIZE, .strategy = "bayes",    \
        .seed = 0, .grid_resolution = 5, .grid_shuffle = 0, .lhs_size = 60, .n_init = 10,          \
        .kernel = GPBO_KERNEL_MATERN52, .acquisition = GPBO_ACQ_LOGEI, .batch = GPBO_ACQ_BATCH_KB, \
        .refit_every = 1, .failed = GPBO_FAILED_EXCLUDE, .use_priors = 0, .additive = 1,           \
        .restart = 20, .heartbeat = 10, .grace = 60, .lost_retries = 3, .n_constraints = 0,        \
        .constraints = NULL, .n_objectives = 0, .objective_names = NULL,                           \
        .objective_directions = NULL, .mo_acquisition = GPBO_MO_EHVI                               \
    }

/**
 * Sets the fields of version `version` of opts to the defaults of GPBO_STUDY_OPTIONS_INIT and
 * opts->version to `version`, writing nothing past that version's fields.
 * @param version GPBO_STUDY_OPTIONS_VERSION of the caller's header, 1 to this header's.
 * @return GPBO_OK; GPBO_EINVAL for NULL opts or an unknown version (opts is left unchanged).
 */
GPBO_API int gpbo_study_options_init(gpbo_study_options *opts, unsigned int version);

/** The name of strategy i (0, 1, ...: "grid", "random", "sobol", "lhs", "bayes"), or NULL past
 * the last: the names gpbo_study_options.strategy takes. */
GPBO_API const char *gpbo_strategy_name(size_t i);

/* Declared once, whichever of this header and gpbo/pruner.h comes first (a typedef given twice
 * is a C11 feature, refused by C99 compilers). */
#ifndef GPBO_STUDY_TYPEDEF
#define GPBO_STUDY_TYPEDEF
typedef struct gpbo_study gpbo_study;
#endif

/**
 * Opens the study called name in storage, creating it when it does not exist.
 * @param storage "sqlite:///path/to/file.db", a plain file path, or NULL / ":memory:" for a
 *        study that lives in memory only.
 * @param space required for a new study; for an existing one it must equal the stored space,
 *        or be NULL to use the stored one. Copied.
 * @param opts NULL for the defaults; of any version 1 to GPBO_STUDY_OPTIONS_VERSION.
 * @return the study, or NULL with GPBO_EINVAL (bad arguments, an unknown options version,
 *         options out of range or that the strategy refuses, checked before anything is
 *         stored; a different space; an in-memory study without a space), GPBO_ENOTFOUND
 *         (no study of that name and no space to create it with), GPBO_EFORMAT (what is
 *         stored is malformed: the space, the options or a trial, as another program may have
 *         written them), GPBO_ESTORAGE (the database failed; the message has SQLite's words)
 *         or GPBO_ENOMEM.
 */
GPBO_API gpbo_study *gpbo_study_open(const char *storage, const char *name, const gpbo_space *space,
                                     const gpbo_study_options *opts);

/** Closes the study (everything told is already stored). Accepts NULL. */
GPBO_API void gpbo_study_close(gpbo_study *study);

/** The study's space (owned by the study), name, direction and options. The options are of
 * this library's GPBO_STUDY_OPTIONS_VERSION, which may be newer than the caller's header: read
 * only the fields of the caller's version. */
GPBO_API const gpbo_space *gpbo_study_space(const gpbo_study *study);
GPBO_API const char *gpbo_study_name(const gpbo_study *study);
GPBO_API gpbo_direction gpbo_study_direction(const gpbo_study *study);
GPBO_API const gpbo_study_options *gpbo_study_get_options(const gpbo_study *study);

/**
 * Asks for a trial: one whose worker was lost first (see the top of this file), else a new one
 * from the strategy.
 * @param[out] out_id the trial id (0, 1, 2, ... within the study).
 * @param[out] out_values gpbo_space_size() values.
 * @return GPBO_OK; GPBO_EINVAL (a NULL argument); GPBO_EEXHAUSTED (a finished grid);
 *         GPBO_ESTORAGE; GPBO_EOPTIM; GPBO_ENOMEM; from the Bayesian strategy, what its GP fit
 *         returned.
 */
GPBO_API int gpbo_study_ask(gpbo_study *study, size_t *out_id, double *out_values);

/**
 * Asks for a trial, as gpbo_study_ask(), provided the study then holds at most max_trials
 * trials (every worker's, every state): the way to keep a budget when several workers share
 * the study. A reclaimed trial does not count against it (it already does).
 * @return as gpbo_study_ask(); GPBO_EEXHAUSTED when the study already holds max_trials trials
 *         and none is left to reclaim.
 */
GPBO_API int gpbo_study_ask_capped(gpbo_study *study, size_t max_trials, size_t *out_id,
                                   double *out_values);

/**
 * Reads what other workers did since the last look (new trials, results of running ones) into
 * this handle. ask() and tell() do it themselves; call it to show a study's progress.
 * @return GPBO_OK; GPBO_EINVAL (NULL study); GPBO_ESTORAGE; GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_sync(gpbo_study *study);

/**
 * Takes over running trial id, asked through another handle of the study — typically one that
 * only proposes, in a thread or process of its own, while this one runs the trials. From now
 * on this handle's heartbeats keep the trial alive, and closing this handle hands it back.
 * The trial's run starts now: its started time becomes this moment, written with its result
 * (no write of its own), so that its seconds are its run's and not its wait in the queue.
 * Call it for trials asked through this handle too when they are asked ahead of their start.
 * @return GPBO_OK (also when it is this handle's already); GPBO_EINVAL (NULL study);
 *         GPBO_ENOTFOUND; GPBO_ESTATE (it is finished); GPBO_ESTORAGE; GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_adopt(gpbo_study *study, size_t id);

/**
 * This handle's worker id ("host:pid:nonce", host being the host name, '/', and where the pid
 * is seen: 16 hex digits of the kernel's boot id, '-', the pid namespace's inode), the name the
 * storage records on the trials it runs: to hand to gpbo_study_propose_for() in a handle that
 * proposes for this one. Once it has been handed out, closing this handle hands back every running
 * trial in its name, the ones proposed for it and never adopted included.
 * @return the id (owned by the handle); NULL when study is NULL.
 */
GPBO_API const char *gpbo_study_worker(gpbo_study *study);

/**
 * How this handle's heartbeats fare (options heartbeat): a worker whose refreshes keep failing
 * (its storage busy or unreachable) has its running trials taken for lost by the other workers
 * once their heartbeat is `grace` seconds old, and run again there; the heartbeat thread cannot
 * say so itself, so a caller that runs trials polls this and warns.
 * @param[out] out_failures the refreshes that failed in a row since the last one stored (0: none
 *        failed, or no heartbeat runs: before the first ask, heartbeat 0, an in-memory study).
 * @param[out] out_seconds may be NULL: the seconds since the last refresh stored (or since the
 *        heartbeat started), 0 when none runs.
 * @param[out] msg may be NULL: cap bytes for the last failure's message ("" when none failed).
 * @return GPBO_OK; GPBO_EINVAL (NULL study or out_failures).
 * Thread-safety: it never waits for the storage (a refresh under way does not block it).
 */
GPBO_API int gpbo_study_heartbeat_health(gpbo_study *study, size_t *out_failures,
                                         double *out_seconds, char *msg, size_t cap);

/**
 * Makes this handle propose for another handle of the study, whose worker id (from
 * gpbo_study_worker()) is `worker`: the trials it asks from now on are reserved in that name,
 * so the other handle's gpbo_study_adopt() finds them its own and has nothing to take over.
 * This handle then refreshes no heartbeat and hands nothing back when it is closed: the owner's
 * heartbeats keep the trials alive and its close hands them back. Call it before the first ask.
 * @return GPBO_OK; GPBO_EINVAL (NULL or empty worker, one too long, or the handle asked
 *         already).
 */
GPBO_API int gpbo_study_propose_for(gpbo_study *study, const char *worker);

/** Records the value of a running trial (user sign). NaN/Inf is recorded as a failure.
 * @return GPBO_OK; GPBO_EINVAL (NULL study); GPBO_ENOTFOUND; GPBO_ESTATE (already told);
 *         GPBO_ESTORAGE; GPBO_ENOMEM. */
GPBO_API int gpbo_study_tell(gpbo_study *study, size_t id, double value);

/**
 * Records the value of running trial id, as gpbo_study_tell(), and asks for the next trial, as
 * gpbo_study_ask_capped(), in one step: for a strategy without a model (random, grid, sobol)
 * on a stored study, one transaction (one commit; on PostgreSQL one round trip, the read of what
 * other workers did included) instead of three storage calls. Other strategies, or an ask that
 * has a lost trial to take over first, make the two calls in turn. A worker that runs trials
 * one after another calls it as each ends, its next trial already running.
 * @param[out] out_ask_rc the ask's status (GPBO_OK: *out_id and out_values are set); the ask is
 *        made when the tell returns GPBO_OK or GPBO_ESTATE, else it is the tell's status. When
 *        the ask fails, the last error message is the ask's.
 * @return the tell's status, as gpbo_study_tell().
 */
GPBO_API int gpbo_study_tell_ask(gpbo_study *study, size_t id, double value, size_t max_trials,
                                 size_t *out_id, double *out_values, int *out_ask_rc);

/** Records that a running trial failed, with a reason (copied; may be NULL), stored as UTF-8:
 * a byte that starts no UTF-8 character (a program's stderr in Latin-1) becomes U+FFFD.
 * @return as gpbo_study_tell(). */
GPBO_API int gpbo_study_tell_failed(gpbo_study *study, size_t id, const char *reason);

/** Records that a running trial was pruned (its intermediate values stay). The Bayesian
 * strategy sees it at its last intermediate value moved by the median gain the complete trials
 * made from that very step to their end (when at least 3 of them reported that step): report
 * every trial at the same steps (epochs, rungs) for that to apply.
 * @return as gpbo_study_tell(). */
GPBO_API int gpbo_study_tell_pruned(gpbo_study *study, size_t id);

/** Records an intermediate value of a running trial at a step (replaces that step's value).
 * @return as gpbo_study_report_many(). */
GPBO_API int gpbo_study_report(gpbo_study *study, size_t id, long step, double value);

/** Records n intermediate values of a running trial in one storage transaction: all of them or,
 * on error, none. A step given twice keeps its last value.
 * @return GPBO_OK; GPBO_EINVAL (a non-finite value or a negative step; nothing is stored);
 *         GPBO_ENOTFOUND; GPBO_ESTATE; GPBO_ESTORAGE; GPBO_ENOMEM. */
GPBO_API int gpbo_study_report_many(gpbo_study *study, size_t id, size_t n, const long *steps,
                                    const double *values);

/**
 * Attaches other metrics to running trial id, beside its objective (every `name=value` a
 * program reports: accuracy, seconds, memory...): names and values are copied, a name given
 * again keeps its last value, an infinity is kept as it is (a constraint compares it as any
 * number: -INFINITY holds under every max, as Optuna's constraints_func values -inf <= 0 do) and
 * NaN stands for a value not available. They are
 * stored with the trial's end (gpbo_study_tell, _tell_ask, _tell_failed or _tell_pruned), in
 * the same storage transaction; a trial that never ends keeps none.
 * @return GPBO_OK; GPBO_EINVAL (a NULL array or a NULL, empty or not UTF-8 name: nothing is
 *         kept);
 *         GPBO_ENOTFOUND; GPBO_ESTATE (already told); GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_set_metrics(gpbo_study *study, size_t id, size_t n,
                                    const char *const *names, const double *values);

/**
 * The other metrics of trial id, in the order they were first given (none until the trial
 * ended, except the running trials of this handle): *out_n names and values, owned by the
 * study, valid until the next call that changes it.
 * @return GPBO_OK; GPBO_EINVAL (a NULL argument); GPBO_ENOTFOUND (no such trial).
 */
GPBO_API int gpbo_study_trial_metrics(const gpbo_study *study, size_t id, size_t *out_n,
                                      const char *const **out_names, const double **out_values);

/** Metric `name` of trial id (NaN when it was reported as not a number).
 * @return GPBO_OK; GPBO_EINVAL; GPBO_ENOTFOUND (no such trial, or no such metric). */
GPBO_API int gpbo_study_trial_metric(const gpbo_study *study, size_t id, const char *name,
                                     double *out_value);

/**
 * Sets user attribute `key` of running trial id to `json`, the text of one JSON value (Optuna's
 * trial.set_user_attr: a note, a string, a number, a list...; the caller serializes it). A key
 * given again keeps its last value. Kept with the trial's other metrics: stored with its end, in
 * the same storage transaction (every backend, in the metrics' JSON object); a trial that never
 * ends keeps none.
 * @return GPBO_OK; GPBO_EINVAL (a NULL argument, json not one JSON value, key or json not
 *         UTF-8: nothing is kept); GPBO_ENOTFOUND; GPBO_ESTATE (already told); GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_set_user_attr(gpbo_study *study, size_t id, const char *key,
                                      const char *json);

/**
 * The user attributes of trial id (gpbo_study_set_user_attr): the compact text of a JSON object
 * key -> value in the order the keys were first set, or NULL when it has none (none until the
 * trial ended, except the running trials of this handle). Owned by the study, valid until the
 * next call that changes it.
 * @return GPBO_OK; GPBO_EINVAL (a NULL argument); GPBO_ENOTFOUND (no such trial).
 */
GPBO_API int gpbo_study_trial_user_attrs(const gpbo_study *study, size_t id, const char **out_json);

/**
 * Removes the study, with its attributes (gpbo_study_set_attr), from its storage provided it
 * holds no trial (a trial added meanwhile, by any process, keeps it): for a program that made
 * the study and then could not store what it was made for (gpbo import whose first trial the
 * storage refused), so that it leaves nothing behind. The handle stays usable only for
 * gpbo_study_close(). A study in memory (no storage) is never removed.
 * @param[out] out_removed 1 when the study was removed, else 0 (may be NULL).
 * @return GPBO_OK; GPBO_EINVAL (a NULL study); GPBO_ESTORAGE; GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_remove_if_empty(gpbo_study *study, int *out_removed);

/**
 * Sets the study's own user attribute `key` to `json`, the text of one JSON value (Optuna's
 * study.set_user_attr: what the run is about, the dataset's version...). Stored at once (a
 * stored study: in a table of its own that the first set makes; every handle of the study
 * reads it); a key set again keeps its place and takes the new value.
 * @return GPBO_OK; GPBO_EINVAL (a NULL argument, json not one JSON value, key or json not
 *         UTF-8: nothing is stored); GPBO_ESTORAGE; GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_set_attr(gpbo_study *study, const char *key, const char *json);

/**
 * The study's user attributes (gpbo_study_set_attr), read from the storage now: the compact
 * text of a JSON object key -> value in the order the keys were first set, or NULL when there
 * is none. Owned by the study, valid until its next gpbo_study_attrs or gpbo_study_set_attr.
 * @return GPBO_OK; GPBO_EINVAL (a NULL argument); GPBO_ESTORAGE; GPBO_EFORMAT (a stored value
 *         that is not JSON); GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_attrs(gpbo_study *study, const char **out_json);

/** A trial as the study holds it. Pointers stay valid until the next call that changes it. */
typedef struct gpbo_trial_info {
    size_t id;
    gpbo_trial_state state;
    double value;         /**< user sign; NaN unless complete */
    const double *values; /**< gpbo_space_size() parameter values */
    const char *reason;   /**< why it failed, or NULL */
    size_t nsteps;        /**< intermediate values */
    const long *steps;
    const double *step_values;
    /** seconds since the epoch; finished is 0 while running. started is when the trial was
     * asked, and once finished, when its run began if a handle adopted it (gpbo_study_adopt) */
    double started, finished;
} gpbo_trial_info;

/** Number of trials (every state). */
GPBO_API size_t gpbo_study_ntrials(const gpbo_study *study);

/** Trial id. @return GPBO_OK; GPBO_EINVAL (a NULL argument); GPBO_ENOTFOUND. */
GPBO_API int gpbo_study_trial(const gpbo_study *study, size_t id, gpbo_trial_info *out);

/** The best feasible trial: the best complete one when the study has no constraints, else the
 * best complete one whose constraints all hold (gpbo_study_trial_feasible).
 * @return GPBO_OK; GPBO_ENOTFOUND when none is complete, or none of the complete ones is
 *         feasible (the message says which). */
GPBO_API int gpbo_study_best(const gpbo_study *study, gpbo_trial_info *out);

/**
 * Whether trial id is feasible: complete, and every constraint of the study's options holds for
 * the metrics it reported (a missing or NaN metric fails its constraint). Without constraints,
 * every complete trial is.
 * @return 1 if so; 0 otherwise (also for a trial that does not exist).
 */
GPBO_API int gpbo_study_trial_feasible(const gpbo_study *study, size_t id);

/**
 * Puts a given configuration first (Optuna's enqueue_trial): a new trial with these parameter
 * values (gpbo_space_size() of them, as gpbo_study_ask() hands them out: numbers, category
 * indices), which the next ask of any worker hands out before any proposal of the strategy
 * (enqueued trials in id order). It counts toward the budget like any trial (it is one, running
 * until a worker takes it), and the strategies see its point as pending until it ends. The
 * values are validated against the space (a value out of its range, a non-integer integer or an
 * unknown category index: GPBO_EINVAL naming the parameter); a parameter its parent's value
 * makes inactive is not read and becomes NaN, as in every trial. Strategies number trials by id, so
 * an enqueued trial takes the place of one of theirs: "bayes" counts it in its initial design,
 * "grid" skips the grid point of that number.
 * @param max_trials the trial is added only while the study holds fewer (SIZE_MAX: no cap);
 *        GPBO_EEXHAUSTED otherwise. Enqueuing point k of a list with max_trials k + 1 before
 *        any ask adds each point once however many workers run the same list at once.
 * @param[out] out_id its id, or NULL.
 * @return GPBO_OK; GPBO_EINVAL; GPBO_EEXHAUSTED; GPBO_ESTORAGE; GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_enqueue(gpbo_study *study, const double *values, size_t max_trials,
                                size_t *out_id);

/**
 * As gpbo_study_enqueue(), the trial's started time being `started` (seconds since the epoch)
 * instead of now: for a trial that ran before it could be stored, as the first trial of a
 * define-by-run study, whose space is known only when it ends; enqueued and asked at once, it
 * keeps its real duration. A time not later than this handle's earlier trials' is moved just
 * past the last of them (a handle's trials are told apart by their started times). NaN: now.
 * @return as gpbo_study_enqueue(); GPBO_EINVAL also for a time that is not finite, <= 0 or
 *         after now.
 */
GPBO_API int gpbo_study_enqueue_started(gpbo_study *study, const double *values, size_t max_trials,
                                        double started, size_t *out_id);
/** How a trial added with gpbo_study_add_trial() ended (an evaluation made elsewhere). A
 * versioned struct (docs/abi.md): version 1 has the fields up to metric_values; version 2
 * added the intermediate values and the user attributes (n_steps .. user_attr_values). */
typedef struct gpbo_trial_result {
    unsigned int version;   /**< GPBO_TRIAL_RESULT_VERSION, or an older one */
    gpbo_trial_state state; /**< GPBO_TRIAL_COMPLETE, GPBO_TRIAL_FAILED or GPBO_TRIAL_PRUNED */
    /** complete: gpbo_study_nobjectives() finite values (user sign), in the order of the
     * objectives; the first is the trial's value. Not read for a failed or a pruned trial (a
     * pruned trial is stored as gpbo_study_tell_pruned stores one: no value, its intermediate
     * values; the strategies read its last intermediate value as they read a pruned one's). */
    const double *values;
    const char *reason; /**< failed: why (copied, as gpbo_study_tell_failed; NULL: "failed") */
    /** other metrics, as gpbo_study_set_metrics() takes them (n_metrics 0: none) */
    size_t n_metrics;
    const char *const *metric_names;
    const double *metric_values;
    /** version 2: intermediate values, as gpbo_study_report_many() takes them (n_steps 0:
     * none): steps >= 0, finite values; a step given twice keeps its last value */
    size_t n_steps;
    const long *steps;
    const double *step_values;
    /** version 2: user attributes, as gpbo_study_set_user_attr() takes them (n_user_attrs 0:
     * none): keys, and the text of one JSON value each; a key given twice keeps its last */
    size_t n_user_attrs;
    const char *const *user_attr_keys;
    const char *const *user_attr_values;
} gpbo_trial_result;

#define GPBO_TRIAL_RESULT_VERSION 2
#define GPBO_TRIAL_RESULT_INIT                                                                     \
    {                                                                                              \
        .version = GPBO_TRIAL_RESULT_VERSION, .state = GPBO_TRIAL_COMPLETE, .values = NULL,        \
        .reason = NULL, .n_metrics = 0, .metric_names = NULL, .metric_values = NULL, .n_steps = 0, \
        .steps = NULL, .step_values = NULL, .n_user_attrs = 0, .user_attr_keys = NULL,             \
        .user_attr_values = NULL                                                                   \
    }

/** Writes the defaults of that version's fields (a complete trial, no values, no metrics, no
 * intermediate values, no user attributes).
 * @return GPBO_OK; GPBO_EINVAL (NULL, or a version this library does not know). */
GPBO_API int gpbo_trial_result_init(gpbo_trial_result *result, unsigned int version);

/**
 * Adds a finished trial with given parameter values and outcome (Optuna's add_trial): an
 * evaluation made elsewhere — another study, another tool, a run by hand — that warm-starts
 * this one. It gets the next id, its state and outcome, its metrics, intermediate values and
 * user attributes in result (for a study of several objectives, the objectives' values are
 * also stored as the metrics named as the objectives, as gpbo_study_tell_values stores them);
 * its started and finished times are the time of the call. Strategies see it as every finished
 * trial: "bayes" takes a complete one as an observation, a pruned one as it takes a trial pruned
 * here (its last intermediate value, moved by the complete trials' gain from that step on; with
 * none, as its failure policy takes a failed one) (its initial design counts trials by id, so
 * trials added before the first ask take the design's place), "grid" skips the grid point of its
 * number. The values are validated against the space exactly as gpbo_study_enqueue() validates them
 * (an inactive parameter's value is not read and becomes NaN). No trial is compared with the
 * study's others: adding one point twice makes two trials.
 *
 * How it is stored: on SQLite (and in memory) in one transaction — the trial, reserved against
 * max_trials across every worker as an ask reserves, and its outcome, metrics, user attributes
 * and intermediate values — so that it is stored whole or not at all. On PostgreSQL in two:
 * the trial is reserved as running under this handle with its values, then finished with its
 * outcome, metrics, user attributes and intermediate values (one statement, so all of them or
 * none). Should the process die between the two
 * there, the trial stays running under a lost worker, and the next ask of any worker takes it
 * over and runs it (its point then evaluated for real, as an enqueued one); should the second
 * one fail, the reservation is taken back (deleted when it is still the study's last trial,
 * else released for the strategy to propose, as a failed ask leaves it).
 *
 * Thread-safety: as gpbo_study_ask (one thread at a time per handle).
 * @param values gpbo_space_size() parameter values, as gpbo_study_ask() hands them out
 * @param result the outcome; a NULL result, a version this library does not know, a state
 *        other than complete, failed or pruned, a complete result with a NULL or non-finite value,
 * a negative step or a non-finite intermediate value, or a user attribute that is not one JSON
 * value: GPBO_EINVAL, nothing added
 * @param max_trials the trial is added only while the study holds fewer (SIZE_MAX: no cap);
 *        GPBO_EEXHAUSTED otherwise
 * @param[out] out_id its id, or NULL
 * @return GPBO_OK; GPBO_EINVAL (a NULL argument, a bad result, a value outside the space, a
 *         bad metric name, a bad step or user attribute: nothing is added); GPBO_EEXHAUSTED;
 *         GPBO_ESTORAGE; GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_add_trial(gpbo_study *study, const double *values,
                                  const gpbo_trial_result *result, size_t max_trials,
                                  size_t *out_id);

/** Whether trial id was enqueued (gpbo_study_enqueue) and no worker has taken it yet (it is
 * running, waiting). @return 1 if so; 0 otherwise. */
GPBO_API int gpbo_study_trial_queued(const gpbo_study *study, size_t id);

/** Counts of trials by state (out has GPBO_TRIAL_STATE_COUNT entries, indexed by
 * gpbo_trial_state; all 0 for a NULL study; a NULL out is ignored). This function cannot fail. */
GPBO_API void gpbo_study_counts(const gpbo_study *study, size_t out[GPBO_TRIAL_STATE_COUNT]);

/**
 * Whether trial id is running with its worker lost: the handle that ran it was closed without
 * telling it (an interrupted run), its heartbeat is older than `grace` seconds, or its process
 * on this host has ended. The next ask of any handle runs it again (see the top of this file),
 * or fails it when its worker was lost lost_retries times already.
 * @return 1 if so and it runs again; 2 if so and it is to be failed (lost too often); 0
 *         otherwise, also for a trial that is not running or does not exist.
 */
GPBO_API int gpbo_study_trial_lost(const gpbo_study *study, size_t id);

/**
 * The names of the studies stored at storage (a URL as gpbo_study_open() takes), in the order
 * they were created. Nothing is created: an SQLite file that does not exist is GPBO_ENOTFOUND.
 * @param out_names one allocation (free it with gpbo_free()) holding *out_n pointers to the
 *        names, then NULL
 * @return GPBO_OK; GPBO_EINVAL (a bad URL, or ":memory:"), GPBO_ENOTFOUND, GPBO_ESTORAGE or
 *         GPBO_ENOMEM
 */
GPBO_API int gpbo_study_list(const char *storage, char ***out_names, size_t *out_n);

/**
 * Deletes the study called name from storage (a URL as gpbo_study_open() takes): the study, its
 * trials with their parameters, values, metrics, user attributes and intermediate values, and
 * its attributes, in one transaction (Optuna's delete_study). The name is free again: a study
 * opened under it later is a new one. Its id is never given to another study, so a worker still
 * holding the deleted study fails to store its next trial (GPBO_ESTORAGE or GPBO_ENOTFOUND) and
 * never writes into another study; stop the workers first. Nothing else of the storage changes;
 * files a program made for the study's trials (gpbo run's trial folders) are not the storage's
 * and stay. Nothing is created: an SQLite file that does not exist is GPBO_ENOTFOUND.
 * @param[out] out_trials (may be NULL) how many trials the study held.
 * @return GPBO_OK; GPBO_EINVAL (a NULL argument, a bad URL, or ":memory:"); GPBO_ENOTFOUND (no
 *         such file or study); GPBO_ESTORAGE; GPBO_ENOMEM.
 */
GPBO_API int gpbo_study_delete(const char *storage, const char *name, size_t *out_trials);

/** What the GP gpbo_study_model() hands out holds. */
typedef struct gpbo_study_model_info {
    int warped;       /**< 1: the GP models w = log(y - lo + delta) of the minimizing value y */
    int additive;     /**< 1: its kernel is in the additive form */
    double lo, delta; /**< the warping's offset when warped (else 0): y = exp(w) + lo - delta */
    size_t n;         /**< the observations the GP holds */
} gpbo_study_model_info;

/**
 * The model the study's strategy proposes from, fitted now. For "bayes": the GP of the study's
 * own model (not a restart episode's) on the observations the strategy uses (complete trials,
 * pruned ones at their last intermediate value moved by the median gain that 3 or more complete
 * trials made from that step to their end, failed ones as the `failed` option says), with
 * the hyperparameters and the model choice (ARD, additive, log-warped) the strategy uses at this
 * number of observations, so that it predicts what the strategy sees (during the initial
 * design too, though the design's points do not come from it). The study is read first (as
 * gpbo_study_sync); the strategy's own state is left as it was, so proposals do not change.
 *
 * Units: x in the space's projected unit coordinates (gpbo_space_encode); y in the minimizing
 * sense (the negated value when maximizing), capped from above at q3 + 100 (q3 - min) of the
 * values it holds (q3 their upper quartile; 4 values or more): one diverged value is modelled at
 * that cap, not at its own, as the strategy models it; and when info->warped the GP models
 * log(y - lo + delta): a prediction w maps back to y = exp(w) + lo - delta (monotone, so
 * quantiles of w map to quantiles of y).
 *
 * Ownership: *out is the caller's (gpbo_gp_free). Thread-safety: as gpbo_study_ask (one thread
 * at a time per study handle). Cost: one fit of the model, as an ask's.
 * @param[out] out the GP; NULL on failure.
 * @param[out] info what the GP models (may be NULL); zeroed on failure.
 * @return GPBO_OK; GPBO_EINVAL (NULL study or out); GPBO_ENOTFOUND when the strategy has no
 *         model (grid, random, sobol, lhs; a space of constants only, which has no coordinate);
 * GPBO_ESTATE when no trial has a value yet; GPBO_ENOMEM; GPBO_ESTORAGE when the study cannot be
 * read; or what the fit returned.
 */
GPBO_API int gpbo_study_model(gpbo_study *study, gpbo_gp **out, gpbo_study_model_info *info);

/**
 * As gpbo_study_model(), on at most max_obs of the observations, for a picture of the model at a
 * bounded cost (the exact GP's fit is O(n^3): 1000 observations of 4 parameters take seconds,
 * 5000 minutes). When the strategy's observations number more than max_obs, the GP holds the
 * (max_obs + 1) / 2 of the lowest (minimizing) values, ties to the earlier trial, and then, one
 * at a time, the observation farthest (Euclidean, in the unit cube) from every one held so far,
 * ties to the earlier trial, until max_obs: the region of the best trials in detail and the rest
 * of the space evenly. No random draw: the same observations give the same subset and the same
 * GP. The model (its form and hyperparameters) is chosen on a subset of 300 of those picked the
 * same way (on that subset itself when max_obs is at most 300), in trial order, as the strategy
 * would on those observations alone, and the GP holds the whole subset under it; info->n is the
 * number it holds. (Until session 41 it was chosen on the whole subset: 3.5 s of CPU at 1000 of 4
 * parameters against 0.25 s, for the same recommendation, bench/dashboard/README.md.)
 *
 * Ownership, thread-safety: as gpbo_study_model(). Cost: one fit of the model on
 * min(n, max_obs, 300) observations, one factorization of min(n, max_obs), and O(n max_obs d) to
 * choose them.
 * @param max_obs at least 1; SIZE_MAX: every observation (gpbo_study_model())
 * @param[out] out the GP; NULL on failure.
 * @param[out] info what the GP models (may be NULL); zeroed on failure.
 * @param[out] total (may be NULL) the observations the strategy has (gpbo_study_model()'s
 *        info->n); 0 on failure.
 * @return as gpbo_study_model(); GPBO_EINVAL also for max_obs 0.
 */
GPBO_API int gpbo_study_model_capped(gpbo_study *study, size_t max_obs, gpbo_gp **out,
                                     gpbo_study_model_info *info, size_t *total);

/** gpbo_study_recommend's threshold: the model's noise variance, as a fraction of the variance
 * of the values it standardizes, from which it is taken to see noise. */
#define GPBO_RECOMMEND_NOISE 1e-4

/** gpbo_study_recommend's exact limit: up to this many observations its model is
 * gpbo_study_model()'s GP of every one; past it, gpbo_study_model_capped()'s GP of this many. */
#define GPBO_RECOMMEND_MAX_OBS 1000

/**
 * The trial the study's model recommends: for a noisy objective the best observed value is a
 * lucky draw as much as a good configuration (the winner's curse), so the recommendation is the
 * feasible complete trial of the best posterior mean of the study's model (as Ax's best point by
 * model), refitted first under a weak prior on the noise (the search's own prior takes the
 * objective as deterministic). When the refitted noise variance is below GPBO_RECOMMEND_NOISE of
 * the standardized values' (the model predicts each observation back), it is gpbo_study_best()'s
 * trial. Pruned trials inform the model but are never recommended.
 *
 * The model: up to GPBO_RECOMMEND_MAX_OBS observations, gpbo_study_model()'s GP of every one;
 * past them, gpbo_study_model_capped()'s GP of GPBO_RECOMMEND_MAX_OBS of them (the
 * (GPBO_RECOMMEND_MAX_OBS + 1) / 2 of the lowest values and a space-filling rest), so the answer
 * is that capped model's recommendation, chosen among every feasible complete trial (those
 * outside the subset too): gpbo_study_recommend_capped(study, GPBO_RECOMMEND_MAX_OBS, out,
 * predicted, &total) says which (total > GPBO_RECOMMEND_MAX_OBS: capped).
 *
 * Measured (bench/compare/README.md, "Noisy objectives"): five test functions with Gaussian
 * noise, 60 evaluations, 40 seeds: the recommended trial's true value better than the best
 * observed trial's on 127 runs, worse on 41 (Branin, noise SD 1: median true regret 0.098 ->
 * 0.042). On a rugged deterministic function (Ackley) the model can take the ripple for noise
 * and recommend a slightly worse trial than gpbo_study_best(): for deterministic objectives
 * keep gpbo_study_best().
 *
 * Cost: one fit of the model on min(n, GPBO_RECOMMEND_MAX_OBS) observations (as an ask's up to
 * there; past the limit gpbo_study_model_capped()'s), its refit (two local runs; past the limit
 * one when the first ends with a noise that the second would start from), one prediction per
 * complete trial, and past the limit O(n GPBO_RECOMMEND_MAX_OBS d) to choose the subset: bounded
 * whatever the study's size. Measured (bench/python/recommend_scale.py; 4 parameters, a noisy
 * bowl, one BLAS thread, Haswell kernels, process CPU): 4.9 s at 1100 trials and 4.9 s at 3000,
 * where the exact GP of every observation took 7.4 s and 118 s; since session 41 about 2 s
 * (bench/dashboard/README.md).
 * Thread-safety: as gpbo_study_ask.
 * @param[out] out the recommended trial (its pointers valid until the study changes).
 * @param[out] predicted (may be NULL) the model's posterior mean of its value, in the user's
 *        sign; its observed value when the model sees no noise.
 * @return GPBO_OK; GPBO_EINVAL (NULL study or out; a study of several objectives);
 *         GPBO_ENOTFOUND (a strategy without a model, as gpbo_study_model(); no feasible trial);
 *         GPBO_ESTATE, GPBO_ENOMEM, GPBO_ESTORAGE or a fit's error, as gpbo_study_model().
 */
GPBO_API int gpbo_study_recommend(gpbo_study *study, gpbo_trial_info *out, double *predicted);

/**
 * As gpbo_study_recommend(), from gpbo_study_model_capped()'s GP of at most max_obs observations
 * (gpbo_study_recommend_model() on it); gpbo_study_recommend() is this call with max_obs
 * GPBO_RECOMMEND_MAX_OBS. For a caller that says when the answer came from a subset's model.
 * @param max_obs at least 1; SIZE_MAX: every observation
 * @param[out] total (may be NULL) the observations the strategy has: the model held
 *        min(*total, max_obs) of them, a subset when *total > max_obs; 0 on failure.
 * @return as gpbo_study_recommend(); GPBO_EINVAL also for max_obs 0.
 */
GPBO_API int gpbo_study_recommend_capped(gpbo_study *study, size_t max_obs, gpbo_trial_info *out,
                                         double *predicted, size_t *total);

/**
 * As gpbo_study_recommend(), from a model the caller already holds: gp, this study's model from
 * gpbo_study_model() or gpbo_study_model_capped() (info: what that call said of it), is refitted
 * in place under the recommendation's weak noise prior (its hyperparameters change, its
 * observations stay), then the feasible complete trial of the best posterior mean is chosen
 * among all the study's trials as read then (those outside a capped model's subset too). With
 * gpbo_study_model_capped(study, GPBO_RECOMMEND_MAX_OBS, ...)'s GP of an unchanged study
 * (gpbo_study_model()'s up to that many observations): gpbo_study_recommend()'s trial and
 * prediction, without fitting the model again; with another capped one: that model's
 * recommendation, at the cost of a fit on its max_obs observations instead of one on every
 * observation (O(n^3)).
 *
 * Ownership: gp stays the caller's. Thread-safety: as gpbo_study_ask.
 * @param gp the study's model, refitted in place (its hyperparameters are the refit's after).
 * @param info gpbo_study_model_capped()'s account of gp (its warping).
 * @param[out] out, predicted as gpbo_study_recommend().
 * @return as gpbo_study_recommend() (no GPBO_ESTORAGE: the study is not read again);
 *         GPBO_EINVAL also for a NULL gp or info, or a gp of another dimension than the study's.
 */
GPBO_API int gpbo_study_recommend_model(gpbo_study *study, gpbo_gp *gp,
                                        const gpbo_study_model_info *info, gpbo_trial_info *out,
                                        double *predicted);

/* ------------------------------------------------------------------------------------------ */
/* Several objectives (options version 6)                                                      */

/* A study of several objectives keeps the calls of one: its value is the first objective, so
 * gpbo_study_best() is the best trial by that objective alone, and gpbo_study_model() the GP of
 * that objective as the one-objective strategy would fit it (the EHVI step fits one GP an
 * objective of its own). The Bayesian strategy leaves failed trials out of its models (their
 * points taken) and runs no restart episodes. */

/** The number of objectives of the study (1 for a study of one). */
GPBO_API size_t gpbo_study_nobjectives(const gpbo_study *study);

/** Objective j's name and direction. The name is NULL for j out of range, and for a study of
 * one objective that was not given its metric's name (gpbo_study_options.objective_names with
 * n_objectives 1) or was stored by a gpbo that did not keep it. */
GPBO_API const char *gpbo_study_objective_name(const gpbo_study *study, size_t j);
GPBO_API gpbo_direction gpbo_study_objective_direction(const gpbo_study *study, size_t j);

/**
 * Records the gpbo_study_nobjectives() values of running trial id (user sign, in the order of
 * the objectives): they become its metrics named as the objectives, and the first one its value
 * (gpbo_study_tell). A non-finite value fails the trial, as gpbo_study_tell does.
 * @return as gpbo_study_set_metrics() and gpbo_study_tell(); GPBO_EINVAL when n is not the
 *         number of objectives.
 */
GPBO_API int gpbo_study_tell_values(gpbo_study *study, size_t id, size_t n, const double *values);

/**
 * The objective values of trial id (user sign), gpbo_study_nobjectives() of them into out.
 * @return GPBO_OK (all finite); GPBO_EINVAL (a NULL argument); GPBO_ENOTFOUND (no such trial);
 *         GPBO_ESTATE (the trial is not complete, or lacks one of them: out then holds NaN
 *         there).
 */
GPBO_API int gpbo_study_trial_objectives(const gpbo_study *study, size_t id, double *out);

/**
 * The Pareto front of the study: the feasible trials (gpbo_study_trial_feasible: complete, and
 * within the outcome constraints if there are any) with every objective value whose values no
 * other such trial dominates (at least as good in every objective, better in one), ids in
 * ascending order into out_ids (room for cap ids; gpbo_study_ntrials() is always enough), their
 * number into *out_n. Two trials of equal values are both on it. For a study of one objective:
 * the feasible trials of the best feasible value (gpbo_study_best is the first of them).
 * @return GPBO_OK; GPBO_EINVAL (NULL arguments, or cap too small: *out_n then says how many).
 */
GPBO_API int gpbo_study_pareto(const gpbo_study *study, size_t *out_ids, size_t cap, size_t *out_n);

/**
 * Marks the non-dominated rows of y (n points of k values, row-major; every objective
 * minimized): out[i] = 1 when no other row is at least as small in every value and smaller in
 * one, else 0. A row with a NaN is never on the front and dominates nothing.
 * @return the number of rows on the front.
 */
GPBO_API size_t gpbo_pareto_front(size_t n, size_t k, const double *y, int *out);

/**
 * The hypervolume of y (n points of k values, every objective minimized) with respect to the
 * reference point ref (k values): the measure of the points of the box below ref that some row
 * dominates. Rows not below ref in every value (or with a NaN) add nothing; a row below ref
 * with an infinite side (a value -INFINITY, or ref +INFINITY there) makes it +INFINITY. Exact:
 * k = 1, 2 in O(n log n); k = 3 by slices, O(n^2); k >= 4 by WFG (While, Bradstreet & Barone
 * 2012), each point's exclusive part over the points clipped to it (a front of 500 points in 5
 * objectives takes well under a second). Optuna's optuna._hypervolume.WFG gives the same value
 * on the rows it accepts (tests/python/test_python_pareto.py).
 * @return the hypervolume (0 for n = 0); NaN for k = 0, NULL arguments, or a NaN in ref.
 */
GPBO_API double gpbo_hypervolume(size_t n, size_t k, const double *y, const double *ref);

/**
 * An objective for gpbo_study_optimize(): computes the value at the given parameter values.
 * Return 0 with *out_value set (NaN counts as a failure), or non-zero for a failed trial (the
 * calling thread's gpbo error message, if set, becomes the reason).
 */
typedef int (*gpbo_objective_fn)(const gpbo_space *space, size_t trial_id, const double *values,
                                 double *out_value, void *payload);

/**
 * Runs trials until the study holds n_trials finished ones (complete, failed or pruned) or the
 * strategy is exhausted: ask, call fn, tell. n_trials is also a cap on the study's trials in
 * all, as gpbo_study_ask_capped() keeps it: while other handles (workers) run trials of the
 * study, it returns GPBO_OK as soon as asking for one more would pass the cap, with fewer than
 * n_trials finished (their running trials count).
 * @return GPBO_OK (also when exhausted); GPBO_EINVAL (NULL study or fn); or the failure of ask
 *         or tell.
 */
GPBO_API int gpbo_study_optimize(gpbo_study *study, gpbo_objective_fn fn, void *payload,
                                 size_t n_trials);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_SEARCH_H */
