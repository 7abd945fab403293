/*
 * trainer_objective.c: the built-in trainer as an objective and as `gpbo train`. Settings come
 * as key = value text (the sweep's trainer section, the trial's parameters, or command-line
 * options), so one function maps them onto the trainer's config for every path.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "yaml_text.h"
#include "gpbo/sys/error.h"

void trainer_settings_init(trainer_settings *t)
{
    memset(t, 0, sizeof *t);
    gpbo_trainer_config_init(&t->cfg, GPBO_TRAINER_CONFIG_VERSION);
    snprintf(t->data_dir, sizeof t->data_dir, "%s", "/usr/share/datasets/fashion-mnist");
    t->train_size = 0;
    t->val_size = 5000;
    t->layers = 1;
    snprintf(t->model, sizeof t->model, "%s", t->cfg.model);
}

/* How a setting's text becomes its field. */
typedef enum { S_TEXT, S_COUNT, S_NUMBER, S_FLAG, S_WORD, S_SEED } setting_kind;

/* The trainer's name functions, as a S_WORD setting takes them (its enum's values 0..n-1). */
static const char *activation_name(int i)
{
    return gpbo_trainer_activation_name((gpbo_trainer_activation)i);
}
static const char *optimizer_name(int i)
{
    return gpbo_trainer_optimizer_name((gpbo_trainer_optimizer)i);
}
static const char *schedule_name(int i)
{
    return gpbo_trainer_schedule_name((gpbo_trainer_schedule)i);
}
static const char *monitor_name(int i)
{
    return gpbo_trainer_monitor_name((gpbo_trainer_monitor)i);
}

/* One trainer setting: its key, its kind and where it goes in trainer_settings (size: the
 * buffer of a S_TEXT; name, nwords: the values of a S_WORD, from the trainer's own table). */
typedef struct setting {
    const char *key;
    setting_kind kind;
    size_t off, size;
    const char *(*name)(int);
    int nwords;
} setting;

/* the enums are written as ints */
_Static_assert(sizeof(gpbo_trainer_activation) == sizeof(int) &&
                   sizeof(gpbo_trainer_optimizer) == sizeof(int) &&
                   sizeof(gpbo_trainer_schedule) == sizeof(int) &&
                   sizeof(gpbo_trainer_monitor) == sizeof(int),
               "trainer enums are int-sized");

#define FIELD(field) offsetof(trainer_settings, field), sizeof(((trainer_settings *)0)->field)
/* In the order the sweep's trainer section has always listed them (the "did you mean"
 * suggestions break ties by this order). */
static const setting SETTINGS[] = {
    {"data_dir", S_TEXT, FIELD(data_dir), NULL, 0},
    {"train_size", S_COUNT, FIELD(train_size), NULL, 0},
    {"val_size", S_COUNT, FIELD(val_size), NULL, 0},
    {"test", S_FLAG, FIELD(test), NULL, 0},
    {"model", S_TEXT, FIELD(model), NULL, 0},
    {"hidden", S_COUNT, FIELD(hidden), NULL, 0},
    {"layers", S_COUNT, FIELD(layers), NULL, 0},
    {"activation", S_WORD, FIELD(cfg.activation), activation_name, GPBO_TRAINER_ACT_COUNT},
    {"dropout", S_NUMBER, FIELD(cfg.dropout), NULL, 0},
    {"optimizer", S_WORD, FIELD(cfg.optimizer), optimizer_name, GPBO_TRAINER_OPT_COUNT},
    {"lr", S_NUMBER, FIELD(cfg.lr), NULL, 0},
    {"momentum", S_NUMBER, FIELD(cfg.momentum), NULL, 0},
    {"nesterov", S_FLAG, FIELD(cfg.nesterov), NULL, 0},
    {"weight_decay", S_NUMBER, FIELD(cfg.weight_decay), NULL, 0},
    {"l1", S_NUMBER, FIELD(cfg.l1), NULL, 0},
    {"schedule", S_WORD, FIELD(cfg.schedule), schedule_name, GPBO_TRAINER_SCHED_COUNT},
    {"gamma", S_NUMBER, FIELD(cfg.gamma), NULL, 0},
    {"step_size", S_COUNT, FIELD(cfg.step_size), NULL, 0},
    {"warmup_epochs", S_COUNT, FIELD(cfg.warmup_epochs), NULL, 0},
    {"batch_size", S_COUNT, FIELD(cfg.batch_size), NULL, 0},
    {"epochs", S_COUNT, FIELD(cfg.epochs), NULL, 0},
    {"patience", S_COUNT, FIELD(cfg.patience), NULL, 0},
    {"min_delta", S_NUMBER, FIELD(cfg.min_delta), NULL, 0},
    {"monitor", S_WORD, FIELD(cfg.monitor), monitor_name, GPBO_TRAINER_MONITOR_COUNT},
    {"shift", S_COUNT, FIELD(cfg.shift), NULL, 0},
    {"flip", S_FLAG, FIELD(cfg.flip), NULL, 0},
    {"seed", S_SEED, FIELD(cfg.seed), NULL, 0},
    {"threads", S_COUNT, FIELD(threads), NULL, 0},
};
#undef FIELD
_Static_assert(sizeof SETTINGS / sizeof *SETTINGS == TRAINER_NKEYS, "TRAINER_NKEYS is the table's");
_Static_assert(TRAINER_NKEYS <= 32, "trainer_settings.given has a bit for each setting");

size_t trainer_keys(const char *out[TRAINER_NKEYS])
{
    for (size_t i = 0; i < TRAINER_NKEYS; i++)
        out[i] = SETTINGS[i].key;
    return TRAINER_NKEYS;
}

int trainer_default(size_t i, char *buf, size_t size)
{
    trainer_settings t;
    trainer_settings_init(&t);
    if (i >= TRAINER_NKEYS)
        return -1;
    const setting *s = &SETTINGS[i];
    const void *p = (const char *)&t + s->off;
    switch (s->kind) {
    case S_TEXT:
        return snprintf(buf, size, "%s", (const char *)p);
    case S_COUNT:
        return snprintf(buf, size, "%zu", *(const size_t *)p);
    case S_NUMBER:
        return snprintf(buf, size, "%.15g", *(const double *)p);
    case S_FLAG:
        return snprintf(buf, size, "%s", *(const int *)p ? "true" : "false");
    case S_WORD:
        return snprintf(buf, size, "%s", s->name(*(const int *)p));
    case S_SEED:
        return snprintf(buf, size, "%" PRIu64, *(const uint64_t *)p);
    }
    return -1;
}

/* Writes the index of v among S_WORD setting s's names into the int at p, or GPBO_EINVAL
 * listing the names. */
static int word(const setting *s, void *p, const char *v)
{
    char list[128];
    size_t len = 0;
    list[0] = '\0';
    for (int i = 0; i < s->nwords; i++) {
        if (!strcmp(v, s->name(i))) {
            *(int *)p = i;
            return GPBO_OK;
        }
        if (len < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, " %s", s->name(i));
    }
    return gpbo_error_set(GPBO_EINVAL, "trainer setting %s: unknown value '%s' (one of:%s)", s->key,
                          SHOW(v), list);
}

/* The flag v names: 1 or 0, or -1 when it names neither (a typo must not read as false). */
static int flag_value(const char *v)
{
    static const char *const yes[] = {"true", "1", "yes", "on"}, *const no[] = {"false", "0", "no",
                                                                                "off"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]))
            return 1;
        if (!strcasecmp(v, no[i]))
            return 0;
    }
    return -1;
}

/* The whole number v, exactly: digits are read as an integer (a seed of 20 digits keeps every
 * one), other spellings ("1e3", "64.0") as a double only up to 2^53, where doubles still hold
 * every integer. -1 when v is none (negative, fractional, too large). */
static int whole_value(const char *v, uint64_t *out)
{
    char *end;
    if (v[0] >= '0' && v[0] <= '9' && v[strspn(v, "0123456789")] == '\0') {
        errno = 0;
        unsigned long long u = strtoull(v, &end, 10);
        if (errno == ERANGE || u > SIZE_MAX)
            return -1;
        *out = (uint64_t)u;
        return 0;
    }
    double x = strtod(v, &end);
    if (end == v || *end != '\0' || !(x >= 0 && x <= 9007199254740992.0) || x != floor(x))
        return -1;
    *out = (uint64_t)x;
    return 0;
}

/* Writes v as setting s into the field at p. GPBO_EINVAL naming the key for a bad value. */
static int apply(const setting *s, void *p, const char *v)
{
    char *end;
    double x = strtod(v, &end);
    int isnum = end != v && *end == '\0' && isfinite(x);
    uint64_t u = 0;
    switch (s->kind) {
    case S_TEXT:
        /* cut to the buffer, a model of 130 layers trained as one of 125 (and "mlp:...-128"
         * could end as "-12"), a data_dir read another folder's files: refused instead */
        if (strlen(v) >= s->size)
            return gpbo_error_set(GPBO_EINVAL,
                                  "trainer setting %s: %zu characters (at most %zu): '%s'", s->key,
                                  strlen(v), s->size - 1, SHOW(v));
        snprintf(p, s->size, "%s", v);
        return GPBO_OK;
    case S_FLAG: {
        int f = flag_value(v);
        if (f < 0)
            return gpbo_error_set(GPBO_EINVAL,
                                  "trainer setting %s: '%s' is not true or false (true, yes, on, "
                                  "1 / false, no, off, 0)",
                                  s->key, SHOW(v));
        *(int *)p = f;
        return GPBO_OK;
    }
    case S_WORD:
        return word(s, p, v);
    case S_NUMBER:
        if (!isnum)
            return gpbo_error_set(GPBO_EINVAL, "trainer setting %s: '%s' is not a number", s->key,
                                  SHOW(v));
        *(double *)p = x;
        return GPBO_OK;
    case S_COUNT:
    case S_SEED:
        if (whole_value(v, &u) != 0)
            return gpbo_error_set(GPBO_EINVAL,
                                  "trainer setting %s: '%s' is not a whole number (0 to %s)",
                                  s->key, SHOW(v),
                                  v[strspn(v, "0123456789")] == '\0' ? "18446744073709551615"
                                                                     : "2^53 unless in digits");
        if (s->kind == S_COUNT)
            *(size_t *)p = (size_t)u;
        else
            *(uint64_t *)p = u;
        return GPBO_OK;
    }
    return GPBO_OK;
}

/* Marks which of model, hidden and layers key names in the flags (model_set, ...). */
static void mark_shape_key(const char *key, int *model, int *hidden, int *layers)
{
    *model |= !strcmp(key, "model");
    *hidden |= !strcmp(key, "hidden");
    *layers |= !strcmp(key, "layers");
}

/* The most threads a run may ask for (gpbo_trainer_set_threads takes an int; a team of more
 * threads than that is a typo, not a machine). */
#define TRAINER_MAX_THREADS 1024

int trainer_set(trainer_settings *t, const char *key, const char *v)
{
    for (size_t i = 0; i < sizeof SETTINGS / sizeof *SETTINGS; i++)
        if (!strcmp(key, SETTINGS[i].key)) {
            size_t threads = t->threads;
            int rc = apply(&SETTINGS[i], (char *)t + SETTINGS[i].off, v);
            if (rc == GPBO_OK && t->threads > TRAINER_MAX_THREADS) {
                t->threads = threads;
                return gpbo_error_set(GPBO_EINVAL,
                                      "trainer setting threads: %s (at most %d; 0 takes "
                                      "OpenBLAS's count)",
                                      v, TRAINER_MAX_THREADS);
            }
            if (rc == GPBO_OK) {
                mark_shape_key(key, &t->model_set, &t->hidden_set, &t->layers_set);
                t->given |= (uint32_t)1 << i;
            }
            return rc;
        }
    const char *keys[TRAINER_NKEYS];
    size_t n = trainer_keys(keys);
    return gpbo_error_set(GPBO_EINVAL, "unknown trainer setting '%s' (did you mean '%s'?)",
                          SHOW(key), sweep_closest(key, keys, n));
}

/* hidden and layers describe the model that `model` spells out: layers alone used to leave the
 * default model (mlp:256-128) in place, so `gpbo train --layers 3`, or a sweep that searched
 * layers without hidden, trained the same network whatever layers said; hidden beside model
 * replaced it (a CNN became an MLP), and 0 was taken as "not given". */
static int check_shape(int model, int hidden, int layers)
{
    if (layers && !hidden)
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer setting layers needs hidden, the units of each hidden layer "
                              "(hidden: 256, layers: 2 is the model mlp:256-256), or give model "
                              "(mlp:512-256) instead: without hidden, layers would be ignored");
    if (hidden && model)
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer settings model and hidden are two ways to give the model: "
                              "give model (mlp:512-256, cnn:c32k5-p2-d128) or hidden and layers");
    return GPBO_OK;
}

int trainer_check_keys(const trainer_settings *t, const char *const *names, size_t n)
{
    int model = t->model_set, hidden = t->hidden_set, layers = t->layers_set;
    for (size_t i = 0; i < n; i++) {
        mark_shape_key(names[i], &model, &hidden, &layers);
        /* the data is loaded once, from the trainer section, before the first trial: a
         * searched train_size (a learning curve) used to train every trial on the same images
         * whatever its value said, and a searched test printed no test metrics */
        static const char *const data_keys[] = {"data_dir", "train_size", "val_size", "test"};
        for (size_t k = 0; k < sizeof data_keys / sizeof *data_keys; k++)
            if (!strcmp(names[i], data_keys[k]))
                return gpbo_error_set(GPBO_EINVAL,
                                      "parameter '%s' cannot be searched: the data is loaded "
                                      "once, from the trainer section, for every trial (give "
                                      "%s there; a sweep file each for other values)",
                                      names[i], names[i]);
    }
    return check_shape(model, hidden, layers);
}

/* ---- settings that only some values of another setting read ------------------------------ */

static int in_names(const char *key, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], key))
            return 1;
    return 0;
}

/* These used to be taken and ignored: momentum 0.5 with Adam, gamma with a fixed rate, monitor
 * val_loss without patience (which keeps the last epoch) trained what leaving them out trains.
 * A setting given its default (a script that writes every default out) is taken as not given.
 * The rule (which setting decides, and which of its values read it) is the trainer's:
 * gpbo_trainer_config_check_read, whose message names both settings; this adds what only the
 * command line and the sweep know, which settings were given and which are searched. */
int trainer_check_used(const trainer_settings *t, const char *const *names, size_t n,
                       const char **key)
{
    trainer_settings def;
    trainer_settings_init(&def);
    gpbo_trainer_config cfg = t->cfg;
    /* the model trainer_final_model will make: hidden makes hidden layers (any spec of one
     * does: only whether it has one is asked), else model's spec */
    cfg.model = t->hidden_set ? "mlp:1" : t->model;
    for (size_t k = 0; k < TRAINER_NKEYS; k++) {
        const setting *s = &SETTINGS[k];
        const char *on;
        int rc = gpbo_trainer_config_check_read(&cfg, s->key, &on);
        if (rc == GPBO_OK)
            continue;
        if (on == NULL) /* not the rule's refusal (cannot happen with a config of ours) */
            return rc;
        int given = (((t->given >> k) & 1u) &&
                     memcmp((const char *)t + s->off, (const char *)&def + s->off, s->size)) ||
                    in_names(s->key, names, n);
        /* a searched setting that decides may take a value that reads it; hidden makes the
         * model too */
        int searched =
            in_names(on, names, n) || (!strcmp(on, "model") && in_names("hidden", names, n));
        if (!given || searched)
            continue;
        *key = s->key;
        return rc;
    }
    return GPBO_OK;
}

/* A trial of a sweep whose optimizer (schedule, patience, model) is searched takes the trainer
 * section's momentum (gamma, monitor, activation) also where its value for the decider does not
 * read it (trainer_check_used took the sweep for that): the trainer refuses a config that gives
 * a setting it would ignore, so for this run the setting goes back to its default, which trains
 * the same. */
static void drop_unread(trainer_settings *t)
{
    trainer_settings def;
    trainer_settings_init(&def);
    for (size_t k = 0; k < TRAINER_NKEYS; k++) {
        const char *on;
        if (gpbo_trainer_config_check_read(&t->cfg, SETTINGS[k].key, &on) != GPBO_OK && on != NULL)
            memcpy((char *)t + SETTINGS[k].off, (const char *)&def + SETTINGS[k].off,
                   SETTINGS[k].size);
    }
    gpbo_error_clear();
}

int trainer_final_model(trainer_settings *t)
{
    int rc = check_shape(t->model_set, t->hidden_set, t->layers_set);
    if (rc != GPBO_OK)
        return rc;
    if ((t->hidden_set && t->hidden == 0) || (t->layers_set && t->layers == 0))
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer setting %s is 0: hidden and layers make hidden "
                              "layers of at least one unit (for none, a linear softmax "
                              "classifier, give model mlp)",
                              t->hidden_set && t->hidden == 0 ? "hidden" : "layers");
    if (t->hidden_set) {
        /* the spec must hold every layer: the loop used to stop where the buffer ended, and
         * layers: 100 trained 79 layers of 16 units, saying nothing */
        char unit[32];
        size_t len = (size_t)snprintf(unit, sizeof unit, "%zu", t->hidden);
        if (t->layers > (sizeof t->model - 4) / (len + 1))
            return gpbo_error_set(GPBO_EINVAL,
                                  "trainer settings hidden %zu and layers %zu: too many layers "
                                  "(at most %zu of %zu units; give model for a longer spec)",
                                  t->hidden, t->layers, (sizeof t->model - 4) / (len + 1),
                                  t->hidden);
        size_t off = (size_t)snprintf(t->model, sizeof t->model, "mlp:");
        for (size_t i = 0; i < t->layers; i++)
            off +=
                (size_t)snprintf(t->model + off, sizeof t->model - off, "%s%s", i ? "-" : "", unit);
    }
    t->cfg.model = t->model;
    return GPBO_OK;
}

/* The path of data_dir's file `name` (an IDX file's name without ".gz") into out: NAME.gz, or
 * NAME when only that exists (the reader takes plain IDX files too, and many copies of the data
 * set, Kaggle's among them, hold them uncompressed; `gpbo train` used to look for NAME.gz alone and
 * say it could not be opened). When neither exists, NAME.gz, whose error names it. */
static void data_path(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s.gz", dir, name);
    size_t len = strlen(out);
    if (access(out, F_OK) == 0 || len < 3 || strcmp(out + len - 3, ".gz") != 0)
        return;
    out[len - 3] = '\0';
    if (access(out, F_OK) != 0)
        out[len - 3] = '.'; /* neither: NAME.gz, which the reader's error names */
}

int trainer_data_load(const trainer_settings *t, trainer_data *d)
{
    memset(d, 0, sizeof *d);
    char p[4][1200];
    const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (int k = 0; k < 4; k++)
        data_path(p[k], sizeof p[k], t->data_dir, names[k]);
    /* train_size + val_size, all (0) without train_size; SIZE_MAX (more than any file holds)
     * when the sum would wrap around to a small limit */
    size_t limit = t->train_size == 0                        ? 0
                   : t->train_size <= SIZE_MAX - t->val_size ? t->train_size + t->val_size
                                                             : SIZE_MAX;
    gpbo_dataset *all = gpbo_dataset_load_idx(p[0], p[1], limit);
    if (all == NULL)
        return gpbo_error_code();
    if (t->val_size == 0 || t->val_size >= all->n) {
        size_t n = all->n;
        gpbo_dataset_free(all);
        return gpbo_error_set(GPBO_EINVAL, "trainer: val_size %zu does not fit %zu images",
                              t->val_size, n);
    }
    /* a train_size the file cannot give used to train on what there was (train_size 60000 of
     * Fashion-MNIST's 60000 trained on 55000, saying nothing): refused, as scikit-learn's
     * train_test_split refuses a train_size above the samples */
    if (limit > 0 && all->n < limit) {
        size_t n = all->n;
        gpbo_dataset_free(all);
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer setting train_size %zu: with val_size %zu that needs %zu "
                              "images, but %s holds %zu (train_size at most %zu; 0 takes all "
                              "but val_size)",
                              t->train_size, t->val_size, limit, p[0], n, n - t->val_size);
    }
    int rc =
        gpbo_dataset_split(all, (double)t->val_size / (double)all->n, 12345, &d->train, &d->val);
    gpbo_dataset_free(all);
    if (rc == GPBO_OK && t->test && (d->test = gpbo_dataset_load_idx(p[2], p[3], 0)) == NULL)
        rc = gpbo_error_code();
    /* the test files must fit the network trained on the training files: named here, where
     * the files are known (the trainer can only say "the test set") */
    if (rc == GPBO_OK && d->test &&
        (d->test->rows != d->train->rows || d->test->cols != d->train->cols))
        rc =
            gpbo_error_set(GPBO_EFORMAT, "%s: images of %zux%zu pixels, but %s holds %zux%zu", p[2],
                           d->test->rows, d->test->cols, p[0], d->train->rows, d->train->cols);
    if (rc == GPBO_OK && d->test && d->test->classes > d->train->classes)
        rc = gpbo_error_set(GPBO_EFORMAT,
                            "%s: label %zu, but the labels of %s go up to %zu (the network has "
                            "an output for each)",
                            p[3], d->test->classes - 1, p[1], d->train->classes - 1);
    if (rc != GPBO_OK) {
        trainer_data_free(d);
        return rc;
    }
    gpbo_dataset_normalize(d->train, d->val, d->test);
    return GPBO_OK;
}

void trainer_data_free(trainer_data *d)
{
    gpbo_dataset_free(d->train);
    gpbo_dataset_free(d->val);
    gpbo_dataset_free(d->test);
    memset(d, 0, sizeof *d);
}

typedef struct epoch_out {
    const char *metric;
} epoch_out;

const char *const TRAINER_METRICS[TRAINER_NMETRICS] = {
    "val_accuracy", "val_f1", "val_loss",   "test_accuracy", "test_f1", "test_loss",
    "train_loss",   "epochs", "best_epoch", "parameters",    "seconds"};

int trainer_epoch_metric(const char *metric)
{
    return !strcmp(metric, "val_accuracy") || !strcmp(metric, "val_loss");
}

/* An epoch's line. Only val_accuracy and val_loss are known per epoch: any other metric got the
 * accuracy under its name (val_f1's learning curve and a pruned trial's value were accuracies,
 * beside complete trials' F1), so those get the two under their own names, which are no
 * intermediate values of the metric. */
static int print_epoch(size_t epoch, double acc, double loss, void *payload)
{
    const epoch_out *e = payload;
    if (trainer_epoch_metric(e->metric))
        printf("%s=%.6f step=%zu\n", e->metric, strcmp(e->metric, "val_loss") ? acc : loss, epoch);
    else
        printf("val_accuracy=%.6f val_loss=%.6f step=%zu\n", acc, loss, epoch);
    fflush(stdout);
    return 0;
}

int trainer_run(trainer_settings *t, const trainer_data *d, gpbo_trainer_result *r)
{
    int rc = trainer_final_model(t);
    if (rc == GPBO_OK)
        drop_unread(t);
    /* results repeat bit for bit only at one thread count (each batch is split over the
     * threads, and float sums in another order differ): `gpbo train` used to take it from
     * OPENBLAS_NUM_THREADS or the cores, with no setting of its own */
    if (rc == GPBO_OK && t->threads > 0)
        rc = gpbo_trainer_set_threads((int)t->threads);
    return rc != GPBO_OK ? rc : gpbo_trainer_run(&t->cfg, d->train, d->val, d->test, r);
}

int trainer_run_print(trainer_settings *t, const trainer_data *d, const char *metric)
{
    epoch_out e = {metric ? metric : "val_accuracy"};
    t->cfg.on_epoch = print_epoch;
    t->cfg.payload = &e;
    gpbo_trainer_result r;
    int rc = trainer_run(t, d, &r);
    if (rc != GPBO_OK)
        return rc;
    printf("val_accuracy=%.6f\nval_f1=%.6f\nval_loss=%.6f\n", r.val_accuracy, r.val_f1, r.val_loss);
    if (d->test)
        printf("test_accuracy=%.6f\ntest_f1=%.6f\ntest_loss=%.6f\n", r.test_accuracy, r.test_f1,
               r.test_loss);
    printf("train_loss=%.6f\nepochs=%zu\nbest_epoch=%zu\nparameters=%zu\nseconds=%.3f\n",
           r.train_loss, r.epochs, r.best_epoch, r.parameters, r.seconds);
    fflush(stdout);
    return GPBO_OK;
}
