/*
 * gpbo/trainer.h: a neural-network trainer — multilayer perceptrons and small convolutional
 * networks for classification of MNIST-format data (Fashion-MNIST), in float32 on OpenBLAS.
 *
 * Data: IDX files (gzip or not) with validation of magic numbers, sizes and truncation; CSV
 * files (label column + features); seeded train/validation splits; normalization with the
 * training set's statistics.
 * Models: a textual spec, "mlp:512-256" (hidden layer sizes; "mlp:" or "mlp" has none: a
 * linear softmax classifier, multinomial logistic regression) or
 * "cnn:c32k5-p2-c64k5-p2-d1024" (convolutions with N filters of K x K, same padding; 2 x 2 max
 * pooling; dense layers); the output layer (one unit per class) is added. ReLU or tanh, dropout
 * after every hidden dense layer (a model with none: on what feeds the output layer, an MLP's
 * input or a CNN's flattened features, as nn.Flatten(), nn.Dropout, nn.Linear); hidden layers
 * initialized He
 * (ReLU: normal, variance 2 / fan_in, zero biases) or Glorot (tanh: uniform, zero biases), the
 * output layer as PyTorch's nn.Linear (weights and biases uniform in +-1 / sqrt(fan_in)), so that
 * the first loss is near ln(classes).
 * Training: SGD with momentum (optionally Nesterov), Adam (AdamW: decoupled weight decay),
 * RMSprop; L1 and L2; learning-rate schedules (fixed, exponential, step, cosine) with linear
 * warmup; mini-batches reshuffled every epoch; validation every epoch; early stopping that
 * restores the best weights; random shifts and horizontal flips; a per-epoch callback that can
 * stop training (pruning).
 * Deterministic for a seed and a number of threads (gpbo_trainer_set_threads).
 *
 * Thread-safety: distinct objects may be used from distinct threads.
 */
#ifndef GPBO_TRAINER_H
#define GPBO_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "gpbo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Datasets                                                                                    */

/** A labelled dataset: n examples of `features` floats (row-major), labels in [0, classes). */
typedef struct gpbo_dataset {
    size_t n;
    size_t features;
    size_t classes;
    size_t channels, rows, cols; /**< image shape (features = channels*rows*cols), or 1, 1,
                                      features for tabular data */
    float *x;
    int32_t *y;
} gpbo_dataset;

/**
 * Reads an IDX image file and its IDX label file (gzip-compressed or plain: gzip when the file
 * starts with gzip's magic bytes), scaling pixels to [0, 1]. Checks the magic numbers
 * (unsigned-byte data only), the dimensions (at least one image, sides 1 to 4096), that both
 * files claim the same number of items, and that each holds exactly what its header claims:
 * neither truncated nor followed by extra data. A gzip file may be several gzip members (their
 * data is read as one) followed by zero bytes; any other bytes after its gzip data are an error.
 * Memory follows what the files really hold, never the header's counts alone. The number of
 * classes is the largest label of the whole label file plus one (at least 2).
 * @param limit read at most this many examples (0: all). With a limit, a gzip image file is
 *        read only as far as the limit, so its remainder is not checked.
 * @return the dataset, or NULL with GPBO_EIO (cannot open or read) or GPBO_EFORMAT naming the
 *         file and the field; GPBO_ENOMEM.
 */
GPBO_API gpbo_dataset *gpbo_dataset_load_idx(const char *images, const char *labels, size_t limit);

/**
 * Reads a CSV file: one example per line, the label (an integer from 0 to 1000000) in column
 * label_col, numeric features (each within float range) in the others; an optional header line
 * (detected when its first field is not a number). Every line must have the same number of
 * fields.
 * @return the dataset, or NULL with GPBO_EIO or GPBO_EFORMAT naming the line and the field.
 */
GPBO_API gpbo_dataset *gpbo_dataset_load_csv(const char *path, size_t label_col);

/** Frees a dataset. Accepts NULL. */
GPBO_API void gpbo_dataset_free(gpbo_dataset *ds);

/**
 * Splits ds at random (seeded) into a training part and a validation part holding
 * round(fraction * n) examples. @return GPBO_OK, GPBO_EINVAL (fraction outside (0, 1), or a
 * part would be empty), GPBO_ENOMEM.
 */
GPBO_API int gpbo_dataset_split(const gpbo_dataset *ds, double fraction, uint64_t seed,
                                gpbo_dataset **out_train, gpbo_dataset **out_val);

/** The first n examples of a seeded shuffle of ds (a subset), or NULL (GPBO_ENOMEM). */
GPBO_API gpbo_dataset *gpbo_dataset_subset(const gpbo_dataset *ds, size_t n, uint64_t seed);

/**
 * Standardizes the features of train (one mean and one standard deviation over all features,
 * as for images) and applies the same transform, with train's statistics, to other1 and
 * other2 (typically the validation and the test set; each may be NULL). With train NULL or
 * empty nothing changes. Cannot fail.
 */
GPBO_API void gpbo_dataset_normalize(gpbo_dataset *train, gpbo_dataset *other1,
                                     gpbo_dataset *other2);

/* ------------------------------------------------------------------------------------------ */
/* Training                                                                                    */

/** Hidden units' activation. */
typedef enum gpbo_trainer_activation {
    GPBO_TRAINER_ACT_RELU = 0,
    GPBO_TRAINER_ACT_TANH,
    GPBO_TRAINER_ACT_COUNT /**< the number of activations (not one) */
} gpbo_trainer_activation;

/** The optimizer. */
typedef enum gpbo_trainer_optimizer {
    GPBO_TRAINER_OPT_SGD = 0,
    GPBO_TRAINER_OPT_ADAM,
    GPBO_TRAINER_OPT_RMSPROP,
    GPBO_TRAINER_OPT_COUNT /**< the number of optimizers (not one) */
} gpbo_trainer_optimizer;

/** The learning-rate schedule (after the warmup; epoch counts from 0 at the warmup's end; as
 * PyTorch's ExponentialLR, StepLR and CosineAnnealingLR(T_max = epochs - warmup) chained after
 * LinearLR(start_factor = 1 / (warmup + 1), total_iters = warmup), stepped once an epoch). */
typedef enum gpbo_trainer_schedule {
    GPBO_TRAINER_SCHED_FIXED = 0,
    GPBO_TRAINER_SCHED_EXPONENTIAL, /**< lr * gamma^epoch */
    GPBO_TRAINER_SCHED_STEP,        /**< lr * gamma^floor(epoch / step_size) */
    GPBO_TRAINER_SCHED_COSINE,      /**< lr * (1 + cos(pi epoch / epochs)) / 2 (epochs: those
                                         after the warmup) */
    GPBO_TRAINER_SCHED_COUNT        /**< the number of schedules (not one) */
} gpbo_trainer_schedule;

/** What early stopping watches, on the validation set after every epoch (Keras's
 * EarlyStopping(monitor=...), PyTorch Lightning's EarlyStopping(monitor=..., mode=...)). */
typedef enum gpbo_trainer_monitor {
    GPBO_TRAINER_MONITOR_VAL_ACCURACY = 0, /**< the accuracy, higher is better (the default) */
    GPBO_TRAINER_MONITOR_VAL_LOSS,         /**< the mean cross-entropy, lower is better */
    GPBO_TRAINER_MONITOR_COUNT             /**< the number of choices (not one) */
} gpbo_trainer_monitor;

/**
 * The names of the values above ("relu", "tanh"; "sgd", "adam", "rmsprop"; "fixed",
 * "exponential", "step", "cosine"; "val_accuracy", "val_loss"), NULL out of range. Walking
 * 0 .. _COUNT - 1 lists them: a command line offering the choice asks here instead of keeping
 * its own list. Cannot fail.
 */
GPBO_API const char *gpbo_trainer_activation_name(gpbo_trainer_activation activation);
GPBO_API const char *gpbo_trainer_optimizer_name(gpbo_trainer_optimizer optimizer);
GPBO_API const char *gpbo_trainer_schedule_name(gpbo_trainer_schedule schedule);
GPBO_API const char *gpbo_trainer_monitor_name(gpbo_trainer_monitor monitor);

/**
 * Called after every epoch with the validation accuracy (and loss), except an epoch whose loss
 * diverged (the run then ends with GPBO_EOPTIM). It returns 0 to go on;
 * anything else stops training, and the run ends with GPBO_EUSER (the value in the message, as
 * for every gpbo callback: gpbo/error.h) and the result of the epochs so far.
 */
typedef int (*gpbo_epoch_fn)(size_t epoch, double val_accuracy, double val_loss, void *payload);

/** Version of gpbo_trainer_config this header describes. */
#define GPBO_TRAINER_CONFIG_VERSION 2

/**
 * What to train and how. Initialize with GPBO_TRAINER_CONFIG_INIT (or
 * gpbo_trainer_config_init(&cfg, GPBO_TRAINER_CONFIG_VERSION)), then change fields.
 * Versions (fields are only ever appended; sizes on LP64; the rule is in docs/abi.md):
 *  - 1: model .. payload (216 bytes);
 *  - 2: monitor (224 bytes).
 * The library reads only the fields of cfg->version; later fields take their defaults.
 * A field that only some values of another one read (momentum: SGD's; beta1: Adam's; gamma: the
 * exponential and step schedules'; ...) left at its default is fine whatever the others say;
 * given another value where the run would not read it, the run is refused (the list:
 * gpbo_trainer_config_check_read).
 */
typedef struct gpbo_trainer_config {
    unsigned int version; /**< GPBO_TRAINER_CONFIG_VERSION */
    const char *model;    /**< "mlp:256-128" (default), "mlp:" (linear) or
                               "cnn:c32k5-p2-c64k5-p2-d1024" */
    gpbo_trainer_activation activation;
    double dropout; /**< after every hidden dense layer, in [0, 1); a model with no hidden
                         dense layer: before the output layer (on the input of "mlp:", on
                         the flattened features of "cnn:c32k5-p2") */
    gpbo_trainer_optimizer optimizer;
    double lr;           /**< base learning rate (default 1e-3) */
    double momentum;     /**< SGD (default 0.9) */
    int nesterov;        /**< SGD */
    double beta1, beta2; /**< Adam (0.9, 0.999) */
    double rho;          /**< RMSprop's decay (0.99) */
    double eps;          /**< Adam and RMSprop (1e-8) */
    double weight_decay; /**< L2: added to the gradient; decoupled (AdamW) for Adam. Weights
                              only: biases are not decayed (PyTorch decays every parameter
                              given to the optimizer) */
    double l1;           /**< L1 strength (sign of the weights added to the gradient; weights
                              only, as weight_decay) */
    gpbo_trainer_schedule schedule;
    double gamma;         /**< exponential and step decay factor (0.95) */
    size_t step_size;     /**< step decay period in epochs (10; at least 1) */
    size_t warmup_epochs; /**< linear warmup from lr / (warmup + 1) (0: none) */
    size_t batch_size;    /**< (128; 1 to 65536, and at most the training set's size is used) */
    size_t epochs;        /**< at most (10) */
    size_t patience;      /**< early stopping: training stops once this many epochs in a row
                               have not improved on the kept epoch (0: off) */
    double min_delta;     /**< the change of `monitor` that counts as an improvement (finite,
                               >= 0): the accuracy must rise above the kept epoch's by more than
                               min_delta, the loss fall below it by more (Keras's) */
    size_t shift;         /**< augmentation: random shifts of up to this many pixels (at most
                               the images' shorter side) */
    int flip;             /**< augmentation: random horizontal flips */
    uint64_t seed;
    gpbo_epoch_fn on_epoch; /**< or NULL */
    void *payload;
    gpbo_trainer_monitor monitor; /**< version 2: what early stopping watches and which epoch's
                                       weights it keeps (the validation accuracy by default) */
} gpbo_trainer_config;

#define GPBO_TRAINER_CONFIG_INIT                                                                   \
    {                                                                                              \
        .version = GPBO_TRAINER_CONFIG_VERSION, .model = "mlp:256-128",                            \
        .activation = GPBO_TRAINER_ACT_RELU, .dropout = 0.0, .optimizer = GPBO_TRAINER_OPT_ADAM,   \
        .lr = 1e-3, .momentum = 0.9, .nesterov = 0, .beta1 = 0.9, .beta2 = 0.999, .rho = 0.99,     \
        .eps = 1e-8, .weight_decay = 0.0, .l1 = 0.0, .schedule = GPBO_TRAINER_SCHED_FIXED,         \
        .gamma = 0.95, .step_size = 10, .warmup_epochs = 0, .batch_size = 128, .epochs = 10,       \
        .patience = 0, .min_delta = 0.0, .shift = 0, .flip = 0, .seed = 0, .on_epoch = NULL,       \
        .payload = NULL, .monitor = GPBO_TRAINER_MONITOR_VAL_ACCURACY                              \
    }

/**
 * Sets the fields of version `version` of cfg to the defaults of GPBO_TRAINER_CONFIG_INIT and
 * cfg->version to `version`, writing nothing past that version's fields.
 * @param version GPBO_TRAINER_CONFIG_VERSION of the caller's header, 1 to this header's.
 * @return GPBO_OK; GPBO_EINVAL for NULL cfg or an unknown version (cfg is left unchanged).
 */
GPBO_API int gpbo_trainer_config_init(gpbo_trainer_config *cfg, unsigned int version);

/**
 * Checks that a run of cfg reads `setting`, the name of a field that only some values of another
 * setting read: momentum and nesterov (optimizer sgd); beta1 and beta2 (adam); rho (rmsprop); eps
 * (adam and rmsprop); gamma (schedule exponential or step); step_size (step); monitor and
 * min_delta (patience > 0); activation (a model with a hidden layer: "mlp", "mlp:", "cnn:" and
 * "cnn:p2" have none). gpbo_trainer_run refuses a config that gives one of them another value
 * than GPBO_TRAINER_CONFIG_INIT's where it is not read (its default counts as not given); this
 * asks whatever the value, for a caller that knows which settings it was given (gpbo train, a
 * sweep file) and names where.
 * @param cfg NULL for the defaults; of any version 1 to GPBO_TRAINER_CONFIG_VERSION.
 * @param setting one of those names; any other ("lr", a field every run reads, or "threads",
 *        none of the config's) gives GPBO_OK.
 * @param[out] out_decider (may be NULL) set on every return: the setting that decides
 *        ("optimizer", "schedule", "patience" or "model"), NULL for a setting every run reads.
 * @return GPBO_OK when a run of cfg reads setting; GPBO_EINVAL when it would be ignored, the
 *         message naming both settings and the decider's value ("trainer setting momentum is
 *         SGD's (optimizer sgd), and optimizer is adam: it would be ignored ..."); GPBO_EINVAL
 *         for NULL setting or an unknown version (*out_decider NULL).
 */
GPBO_API int gpbo_trainer_config_check_read(const gpbo_trainer_config *cfg, const char *setting,
                                            const char **out_decider);

/** What a run measured. Test metrics are NaN when no test set was given. */
typedef struct gpbo_trainer_result {
    double val_accuracy, val_f1, val_loss;    /**< of the kept weights: with early stopping
                                                   (patience > 0) the best epoch's by `monitor`
                                                   (the first of equals), restored;
                                                   without, the last epoch's, even when an
                                                   earlier one scored higher */
    double test_accuracy, test_f1, test_loss; /**< of the same weights */
    double train_loss;                        /**< mean over the last epoch run */
    size_t epochs;                            /**< epochs run */
    size_t best_epoch;                        /**< 1-based epoch whose weights were kept (the
                                                   last without early stopping) */
    double seconds;                           /**< wall time of the whole run */
    size_t parameters;                        /**< trainable parameters */
} gpbo_trainer_result;

/**
 * Trains a model on train, validating on val after every epoch, and evaluates the kept weights
 * on val and test (may be NULL). Every label of the three sets must lie in [0, train->classes),
 * every feature must be finite, each set's channels * rows * cols must equal its features, and
 * val and test must have the training set's channels, rows and cols.
 * @param cfg NULL for the defaults; of any version 1 to GPBO_TRAINER_CONFIG_VERSION.
 * @return GPBO_OK; GPBO_EUSER when on_epoch stopped training (out is filled); GPBO_EOPTIM when
 *         training diverged (the training loss became NaN or infinite, or the validation loss
 *         NaN): training stops and out is filled, with the scores of the best earlier weights
 *         under early stopping, else NaN scores; GPBO_EINVAL (a bad config or model spec,
 *         named; a setting given another value than its default where the run would ignore it,
 *         naming it and the setting that decides: gpbo_trainer_config_check_read; an unknown
 *         version; mismatched datasets, a label out of range); GPBO_ENOMEM.
 */
GPBO_API int gpbo_trainer_run(const gpbo_trainer_config *cfg, const gpbo_dataset *train,
                              const gpbo_dataset *val, const gpbo_dataset *test,
                              gpbo_trainer_result *out);

/**
 * Sets how many threads the trainer uses from now on, in this process: a run splits every batch
 * (training steps and evaluation) into that many shares, each on a thread of its own (kept for
 * the run) with one-threaded matrix products, and sums the shares' gradients in a fixed order.
 * Results at different counts differ only in the order of float sums. Until this is called the
 * trainer uses OpenBLAS's count (OPENBLAS_NUM_THREADS, else the cores). It also sets OpenBLAS's
 * own count (per process, like OPENBLAS_NUM_THREADS) for whatever else in the process calls
 * BLAS; while runs with more than one thread are going on, OpenBLAS is held at one thread and
 * its count restored when the last of them ends (a count set here meanwhile is the one
 * restored, and a run started meanwhile takes OpenBLAS's count as it was before the hold). Several
 * trainings at once in separate processes each want 1.
 * @param threads at least 1.
 * @return GPBO_OK; GPBO_EINVAL for threads < 1.
 */
GPBO_API int gpbo_trainer_set_threads(int threads);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_TRAINER_H */
