/*
 * gpbo/pruner.h: early termination of unpromising trials from their intermediate values.
 *
 * A pruner watches the values a trial reports while it runs (a validation loss per epoch, say)
 * and tells whether to stop it now. Two rules are provided:
 *  - median, after the median stopping rule of Golovin et al., "Google Vizier", KDD 2017: stop
 *    a trial whose best value so far at step t is worse than the median of the completed
 *    trials' best values up to step t (Vizier takes their running averages up to step t,
 *    Optuna's MedianPruner their values at step t);
 *  - hyperband, in its asynchronous successive-halving form (ASHA; Li et al., "A System for
 *    Massively Parallel Hyperparameter Tuning", MLSys 2020): rungs at steps min_iter * eta^k;
 *    a trial reaching a rung continues only if its value ranks in the top 1/eta of the values
 *    recorded at that rung so far.
 * Values are minimized (a study that maximizes flips the sign first, as everywhere in gpbo).
 * The pruner keeps its own record of what it was told; gpbo_pruner_catch_up() rebuilds it from
 * a study's stored intermediate values and final states.
 * Thread-safety: one pruner per thread, or a lock around it.
 */
#ifndef GPBO_PRUNER_H
#define GPBO_PRUNER_H

#include <stddef.h>

#include "gpbo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gpbo_pruner gpbo_pruner;

typedef enum gpbo_pruner_kind {
    GPBO_PRUNER_NONE = 0, /**< never prunes */
    GPBO_PRUNER_MEDIAN,   /**< the median stopping rule */
    GPBO_PRUNER_HYPERBAND /**< asynchronous successive halving (ASHA) */
} gpbo_pruner_kind;

/** Version of gpbo_pruner_options this header describes. */
#define GPBO_PRUNER_OPTIONS_VERSION 1

/** Hyperband: the most rungs (steps min_iter * eta^k up to max_iter) a pruner accepts. With no
 * max_iter the rungs are counted up to LONG_MAX, so eta >= 1.5 always passes. */
#define GPBO_PRUNER_MAX_RUNGS 128

/**
 * Options of a pruner. Initialize with GPBO_PRUNER_OPTIONS_INIT (or
 * gpbo_pruner_options_init(&opts, GPBO_PRUNER_OPTIONS_VERSION)), then change fields.
 * Versions (fields are only ever appended; sizes on LP64; the rule is in docs/abi.md):
 *  - 1: kind .. eta (56 bytes).
 * The library reads only the fields of opts->version; later fields take their defaults.
 */
typedef struct gpbo_pruner_options {
    unsigned int version;  /**< GPBO_PRUNER_OPTIONS_VERSION */
    gpbo_pruner_kind kind; /**< default GPBO_PRUNER_MEDIAN */
    size_t startup_trials; /**< median: no pruning before this many trials completed (5) */
    long warmup_steps;     /**< median: no pruning at steps below this (0) */
    long interval_steps;   /**< median: judge at steps warmup_steps + k * interval_steps,
                                or, for a trial that reports no such step, at the first step
                                it reports past one (as Optuna's MedianPruner) (1) */
    long min_iter;         /**< hyperband: step of the first rung (1) */
    long max_iter;         /**< hyperband: no rung beyond this step; 0 for no limit (0) */
    double eta;            /**< hyperband: reduction factor, > 1 with at most
                                GPBO_PRUNER_MAX_RUNGS rungs (3) */
} gpbo_pruner_options;

#define GPBO_PRUNER_OPTIONS_INIT                                                                   \
    {                                                                                              \
        .version = GPBO_PRUNER_OPTIONS_VERSION, .kind = GPBO_PRUNER_MEDIAN, .startup_trials = 5,   \
        .warmup_steps = 0, .interval_steps = 1, .min_iter = 1, .max_iter = 0, .eta = 3.0           \
    }

/**
 * Sets the fields of version `version` of opts to the defaults of GPBO_PRUNER_OPTIONS_INIT and
 * opts->version to `version`, writing nothing past that version's fields.
 * @param version GPBO_PRUNER_OPTIONS_VERSION of the caller's header, 1 to this header's.
 * @return GPBO_OK; GPBO_EINVAL for NULL opts or an unknown version (opts is left unchanged).
 */
GPBO_API int gpbo_pruner_options_init(gpbo_pruner_options *opts, unsigned int version);

/**
 * Creates a pruner. opts NULL means the defaults above; otherwise of any version 1 to
 * GPBO_PRUNER_OPTIONS_VERSION.
 * @return the pruner, or NULL with GPBO_EINVAL (eta <= 1 or not finite, min_iter < 1,
 *         max_iter below min_iter, more than GPBO_PRUNER_MAX_RUNGS rungs, interval < 1, an
 *         unknown kind or version) or GPBO_ENOMEM. Ownership: free with gpbo_pruner_free.
 */
GPBO_API gpbo_pruner *gpbo_pruner_new(const gpbo_pruner_options *opts);

/** Frees a pruner; NULL is accepted. */
GPBO_API void gpbo_pruner_free(gpbo_pruner *pruner);

/**
 * Records that trial reported value at step and decides whether it should stop. A step reported
 * again replaces its value, and a step below the trial's last one takes its place among the
 * earlier ones, as the study's storage keeps them (gpbo_study_report), so that a pruner caught
 * up from the storage judges as this one does; the trial is then judged again at its last step.
 * Hyperband judges a report that reaches several rungs (steps skipped) at each, lowest first,
 * up to the first that prunes it, as Optuna's successive halving; which rungs hold the trial
 * then depends on the verdicts, so where such a step is revised later (or the trial goes on
 * reporting after a rung pruned it) a pruner caught up from the storage may hold it at a rung
 * this one does not.
 * @param trial the trial's id, of the study's type (gpbo_study_ask's id); any value.
 * @param[out] out_prune 1 to stop the trial now, 0 to let it go on (may be NULL when
 *             replaying history).
 * @return GPBO_OK; GPBO_EINVAL for a non-finite value, a negative step or a trial already
 *         finished; GPBO_ENOMEM (the value may be recorded in the trial's curve, not yet at
 *         the rungs it reaches: a later report of the trial records them).
 */
GPBO_API int gpbo_pruner_report(gpbo_pruner *pruner, size_t trial, long step, double value,
                                int *out_prune);

/** How a trial ended, for gpbo_pruner_finish. */
typedef enum gpbo_pruner_outcome {
    GPBO_PRUNER_COMPLETE, /**< ran to the end: its curve becomes a reference for the median */
    GPBO_PRUNER_PRUNED,   /**< stopped by the pruner */
    GPBO_PRUNER_FAILED    /**< failed: forgotten by the median rule */
} gpbo_pruner_outcome;

/**
 * Records how a trial ended. A trial never reported is accepted (it had no curve).
 * @return GPBO_OK; GPBO_EINVAL for an unknown outcome; GPBO_ENOMEM.
 */
GPBO_API int gpbo_pruner_finish(gpbo_pruner *pruner, size_t trial, gpbo_pruner_outcome outcome);

/* The study a pruner catches up from (gpbo/search.h). Declared once, whichever of the two
 * headers comes first: a typedef given twice is a C11 feature, refused by C99 compilers. */
#ifndef GPBO_STUDY_TYPEDEF
#define GPBO_STUDY_TYPEDEF
typedef struct gpbo_study gpbo_study;
#endif

/**
 * Tells the pruner of every trial of study that has ended and that it was not told of yet:
 * the trial's stored intermediate values, then how it ended, in trial order, in the
 * minimizing sign (the study's direction applied). A pruner made for a reopened study rebuilds
 * the state it had; with several workers on one study, calling it after gpbo_study_sync()
 * brings in what the others' trials did. Trials this pruner was told of stay as they are.
 * @return GPBO_OK; GPBO_EINVAL (NULL argument); GPBO_ENOMEM.
 */
GPBO_API int gpbo_pruner_catch_up(gpbo_pruner *pruner, const gpbo_study *study);

/** @return the number of trials the pruner has stopped so far. */
GPBO_API size_t gpbo_pruner_pruned_count(const gpbo_pruner *pruner);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_PRUNER_H */
