/*
 * gpbo/acquisition.h: where to evaluate next, given a fitted GP.
 *
 * The objective is minimized (as everywhere in gpbo). An acquisition is a utility over the unit
 * cube [0,1]^d that is larger where an evaluation looks more useful; the optimizer maximizes it:
 *  - EI, expected improvement over the incumbent best_f (Jones, Schonlau & Welch 1998);
 *  - LOGEI, its logarithm, computed stably where EI underflows (Ament et al., "Unexpected
 *    Improvements to Expected Improvement", NeurIPS 2023);
 *  - LOGPI, the log probability of improvement (Kushner 1964);
 *  - LCB, the lower confidence bound mu - sqrt(beta) sigma, as the utility -(mu - sqrt(beta)
 *    sigma), with a fixed beta or the GP-UCB schedule (Srinivas et al., ICML 2010);
 *  - THOMPSON, Thompson sampling: the minimizer of one joint posterior sample over a candidate
 *    set (it has no pointwise value; the optimizer handles it).
 * The incumbent best_f is always passed explicitly, in the units of y (BoTorch's best_f), so the
 * caller decides what "best" means (observed minimum, or the best posterior mean under noise).
 *
 * Proposals (gpbo_acq_propose) score a few thousand randomized Sobol points, start L-BFGS from
 * the best of them and from around the best observations, and keep the best; or run DIRECT-L
 * and polish. Some coordinates can be held fixed, and a projection hook can map relaxed points
 * onto integers and categories: the acquisition is then evaluated at the projected point. A
 * batch of q points, and points proposed while others are still pending, use the Kriging
 * believer, a constant liar (min / mean / max) through the GP's O(n^2) incremental update on a
 * copy, or local penalization (González et al., AISTATS 2016). Everything is deterministic for
 * a given seed.
 *
 * Thread-safety: a gpbo_acq object is used by one thread at a time (gpbo_acq_eval writes its
 * scratch); distinct objects, also bound to one gpbo_gp, may be used from distinct threads, as
 * may concurrent gpbo_acq_propose() calls on one model (each works on its own copies), provided
 * the model is not changed meanwhile and the projection hook is safe to call concurrently.
 */
#ifndef GPBO_ACQUISITION_H
#define GPBO_ACQUISITION_H

#include <stddef.h>
#include <stdint.h>

#include "gpbo/export.h"
#include "gpbo/gp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The acquisition functions. */
typedef enum gpbo_acq_kind {
    GPBO_ACQ_EI = 0,   /**< expected improvement */
    GPBO_ACQ_LOGEI,    /**< log expected improvement (the default) */
    GPBO_ACQ_LOGPI,    /**< log probability of improvement */
    GPBO_ACQ_LCB,      /**< lower confidence bound (UCB for minimization) */
    GPBO_ACQ_THOMPSON, /**< Thompson sampling over a candidate set */
    GPBO_ACQ_KIND_COUNT
} gpbo_acq_kind;

/** How beta of LCB is chosen. */
typedef enum gpbo_acq_beta {
    GPBO_ACQ_BETA_FIXED = 0, /**< options.beta */
    GPBO_ACQ_BETA_GP_UCB     /**< beta_t = 2 log(d t^2 pi^2 / (6 delta)), t = n + 1 */
} gpbo_acq_beta;

/** The inner optimizer of gpbo_acq_propose(). */
typedef enum gpbo_acq_optimizer {
    GPBO_ACQ_OPT_LBFGS = 0, /**< raw Sobol points, then L-BFGS multistart (the default) */
    GPBO_ACQ_OPT_DIRECT     /**< DIRECT-L (global, derivative-free, 10 x max_evals
                                 evaluations); its best point is polished first by L-BFGS,
                                 then the usual starts run */
} gpbo_acq_optimizer;

/** How a batch (or pending points) is handled. */
typedef enum gpbo_acq_batch {
    GPBO_ACQ_BATCH_KB = 0,  /**< Kriging believer: fantasize the posterior mean (the default) */
    GPBO_ACQ_BATCH_CL_MIN,  /**< constant liar, the smallest observed y */
    GPBO_ACQ_BATCH_CL_MEAN, /**< constant liar, the mean observed y */
    GPBO_ACQ_BATCH_CL_MAX,  /**< constant liar, the largest observed y */
    GPBO_ACQ_BATCH_LP       /**< local penalization (EI, LOGEI, LOGPI only) */
} gpbo_acq_batch;

/**
 * Maps a relaxed point onto the feasible set in place (rounding integers, one-hot arg-max of
 * categories, ...). It must be idempotent, keep x in [0,1]^d and leave the fixed coordinates
 * (options.fixed) at their values: gpbo_acq_propose() refuses a point it moves out of the cube
 * or off a fixed value with GPBO_EINVAL (a fixed value off the hook's grid). It returns 0; anything
 * else stops the call that invoked it, which returns GPBO_EUSER (the value is in the message, as
 * for every gpbo callback: gpbo/error.h). payload is options.project_payload, handed
 * through untouched: the library never reads it, and it is not const so that a hook may keep
 * state there (a count, a cache; the hook then makes that state safe for concurrent calls).
 */
typedef int (*gpbo_acq_project_fn)(double *x, size_t dim, void *payload);

/** Version of gpbo_acq_options this header describes. */
#define GPBO_ACQ_OPTIONS_VERSION 1

/**
 * Options of the acquisition and its optimizer. Initialize with GPBO_ACQ_OPTIONS_INIT (or
 * gpbo_acq_options_init(&opts, GPBO_ACQ_OPTIONS_VERSION)), then change fields. Pointers are
 * borrowed for the duration of each call that receives the options.
 * Versions (fields are only ever appended; sizes on LP64; the rule is in docs/abi.md):
 *  - 1: kind .. project_payload (112 bytes).
 * The library reads only the fields of opts->version; later fields take their defaults.
 */
typedef struct gpbo_acq_options {
    unsigned int version;    /**< GPBO_ACQ_OPTIONS_VERSION */
    gpbo_acq_kind kind;      /**< default GPBO_ACQ_LOGEI */
    gpbo_acq_beta beta_rule; /**< LCB: fixed beta or the GP-UCB schedule */
    double beta;             /**< LCB with GPBO_ACQ_BETA_FIXED, >= 0 (default 4: 2 sigma) */
    double delta;            /**< GP-UCB schedule, in (0, 1) (default 0.1) */
    gpbo_acq_optimizer optimizer;
    size_t raw_samples; /**< Sobol points scored first (default 2048); Thompson's candidates */
    size_t restarts;    /**< L-BFGS starts: best raw points and points near the best
                             observations (default 8) */
    size_t max_evals;   /**< evaluations per local run, and DIRECT's budget x 10 (default 100) */
    uint64_t seed;      /**< randomizes the Sobol points and the starts */
    gpbo_acq_batch batch;
    const unsigned char *fixed;  /**< dim flags (non-zero = held), or NULL */
    const double *fixed_values;  /**< dim values, read where fixed[j] != 0 */
    gpbo_acq_project_fn project; /**< or NULL */
    void *project_payload;       /**< handed to project */
} gpbo_acq_options;

/** The defaults: log-EI, L-BFGS from 2048 Sobol points and 8 starts, Kriging believer. */
#define GPBO_ACQ_OPTIONS_INIT                                                                      \
    {                                                                                              \
        .version = GPBO_ACQ_OPTIONS_VERSION, .kind = GPBO_ACQ_LOGEI,                               \
        .beta_rule = GPBO_ACQ_BETA_FIXED, .beta = 4.0, .delta = 0.1,                               \
        .optimizer = GPBO_ACQ_OPT_LBFGS, .raw_samples = 2048, .restarts = 8, .max_evals = 100,     \
        .seed = 0, .batch = GPBO_ACQ_BATCH_KB, .fixed = NULL, .fixed_values = NULL,                \
        .project = NULL, .project_payload = NULL                                                   \
    }

/**
 * Sets the fields of version `version` of opts to the defaults of GPBO_ACQ_OPTIONS_INIT and
 * opts->version to `version`, writing nothing past that version's fields.
 * @param version GPBO_ACQ_OPTIONS_VERSION of the caller's header, 1 to this header's.
 * @return GPBO_OK; GPBO_EINVAL for NULL opts or an unknown version (opts is left unchanged).
 */
GPBO_API int gpbo_acq_options_init(gpbo_acq_options *opts, unsigned int version);

/** The name of a kind ("ei", "logei", "logpi", "lcb", "thompson"), or NULL when out of range. */
GPBO_API const char *gpbo_acq_kind_name(gpbo_acq_kind kind);

/**
 * Parses a kind name as gpbo_acq_kind_name() writes it (also "ucb" for LCB).
 * @return GPBO_OK, or GPBO_EINVAL naming the unknown word; *out is unchanged then.
 */
GPBO_API int gpbo_acq_kind_parse(const char *name, gpbo_acq_kind *out);

/** An acquisition bound to a model and an incumbent, with its scratch memory (opaque). */
typedef struct gpbo_acq gpbo_acq;

/**
 * Binds the acquisition of opts to gp (borrowed: it must outlive the object and not change)
 * and the incumbent best_f (units of y). Allocates. THOMPSON cannot be evaluated pointwise:
 * use gpbo_acq_propose().
 * @return the object, or NULL with the last error set (GPBO_EINVAL for bad options, a
 *         non-finite best_f or THOMPSON; GPBO_ENOMEM).
 */
GPBO_API gpbo_acq *gpbo_acq_new(const gpbo_gp *gp, const gpbo_acq_options *opts, double best_f);

/** Frees the object. Accepts NULL. */
GPBO_API void gpbo_acq_free(gpbo_acq *acq);

/** The beta that LCB uses (after the GP-UCB schedule, if chosen). Cannot fail. */
GPBO_API double gpbo_acq_beta_value(const gpbo_acq *acq);

/**
 * Evaluates the utility at m points (m * dim, row-major, in [0,1]^d; not projected here) and,
 * when out_grad is not NULL, its gradient in x (m * dim). Allocates nothing once the object's
 * scratch fits m. Where the predictive variance is zero the utility is that of sigma = 1e-150
 * (EI becomes max(best_f - mu, 0)); LOGEI and LOGPI stay finite down to z = -1e10 (below, z is
 * taken as -1e10). Accuracy, for z = (best_f - mu) / sigma in [-40, 40] and beyond, sigma from
 * 1e-140 to 1e140: every value and gradient is within 16 eps of the exact one at a z at most 4
 * ulps away (z itself is rounded; log EI's gradient between z = -10 and -1 within 16 eps
 * (1 + z^2)); log EI and log PI to about 1e-14 relative (tests/acquisition/
 * test_acq_reference.py, against mpmath). EI is sigma h(z) wherever that is a double, also
 * where h(z) alone is not (a huge sigma, z below -37.5).
 * @param[out] out_value m utilities (larger is better).
 * @return GPBO_OK, GPBO_EINVAL (NULL or non-finite x), GPBO_ENOMEM.
 */
GPBO_API int gpbo_acq_eval(gpbo_acq *acq, size_t m, const double *x, double *out_value,
                           double *out_grad);

/**
 * Proposes q points to evaluate next, distinct from each other, from the observations and from
 * the pending points, in [0,1]^d, projected and with the fixed coordinates set. Pending points
 * (being evaluated elsewhere) are treated like the earlier points of the batch (opts->batch).
 * A batch is built greedily, one point at a time, each maximizing the acquisition under the
 * points before it; its first point is the q = 1 proposal when nothing is pending. In a batch
 * (q > 1), and beside pending points (which are the earlier points of the batch), the fantasies
 * count as observations: the incumbent of each point is the smallest of best_f and the y's
 * fantasized so far (pending points included); local penalization's M is the smallest of the
 * best observed y and the posterior mean over the raw points and at the earlier points, and it
 * measures distances in lengthscales (points apart only along a coordinate the model ignores
 * are one point to it). So a q = 1 proposal with pending points is what a batch would propose
 * after them (asynchronous workers get the batch's rules). One proposal with nothing pending
 * keeps best_f, M = the best observed y and the unit cube's distances.
 * Batches may still cluster where the acquisition says so: LOGPI's (beside a fantasy the
 * probability of improving on it stays near 1/2, more than PI gives most other places, and
 * local penalization at most halves it there), and local penalization's around a point whose
 * value the model already knows (its penalty there vanishes a few posterior sds / L away).
 * For diverse batches use the believer with LOGEI or EI (beside an earlier point the incumbent
 * is at most that point's fantasized mean and the variance is reduced), or THOMPSON.
 * THOMPSON ignores opts->batch: each of the q points minimizes its own joint posterior sample,
 * and pending points are only excluded (asynchronous parallel Thompson sampling, Kandasamy et
 * al., AISTATS 2018: fresh samples diversify by themselves). With no observations the points are
 * space-filling (randomized Sobol, in sequence order, skipping pending points). gp is not changed
 * (fantasies go to a private copy). Allocates.
 * @param best_f the incumbent in units of y; NaN means the smallest observed y.
 * @param pending npending * dim, or NULL when npending is 0.
 * @param[out] out_x q * dim. @param[out] out_value q utilities at the proposals (each under
 *        the fantasies of the batch so far), or NULL. With GPBO_ACQ_BATCH_LP they are the log
 *        of the penalized acquisition (EI is penalized as log EI); for THOMPSON, minus the
 *        sampled value; NaN when there are no observations.
 * @return GPBO_OK; GPBO_EINVAL (bad options or inputs, named); GPBO_EOPTIM when no finite
 *         distinct point could be found; GPBO_ENOMEM; GPBO_EUSER when the projection returned
 *         non-zero.
 *         On error out_x is unspecified.
 */
GPBO_API int gpbo_acq_propose(const gpbo_gp *gp, const gpbo_acq_options *opts, double best_f,
                              size_t npending, const double *pending, size_t q, double *out_x,
                              double *out_value);

/** The largest dimension gpbo_acq_sobol() supports (that of GSL's Sobol sequence). */
#define GPBO_ACQ_SOBOL_MAX_DIM 40

/**
 * Points first .. first + count - 1 of the Sobol sequence in dim dimensions, the origin first,
 * each randomized by a digital shift (its 32-bit binary expansion XORed with shift[k] in
 * coordinate k, which keeps the net structure: every 2^m leading points stratify each
 * coordinate), mapped to the centres of the 2^-32 cells so that no coordinate is exactly 0 or 1.
 * The one Sobol generator of gpbo: the acquisition's raw points and the search's Sobol strategy
 * and initial designs use it. Costs O(first + count) (the sequence is walked from its start).
 * @param shift dim 32-bit shifts; all zero gives the plain sequence.
 * @param[out] out count * dim, row-major.
 * @return GPBO_OK; GPBO_EINVAL when dim is 0 or above GPBO_ACQ_SOBOL_MAX_DIM or a pointer is
 *         NULL; GPBO_ENOMEM. On error out is unspecified.
 * Thread-safety: safe on distinct outputs. It never lets GSL abort the process: on first use it
 * turns GSL's default abort-on-error handler off unless the application installed its own.
 */
GPBO_API int gpbo_acq_sobol(size_t dim, const uint32_t *shift, size_t first, size_t count,
                            double *out);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_ACQUISITION_H */
