/*
 * trainer_objective.c: the built-in trainer as an objective and as `gpbo train`. Settings come
 * as key = value text (the sweep's trainer section, the trial's parameters, or command-line
 * options), so one function maps them onto the trainer's config for every path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
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

/* The index of v among the n names that name(0 .. n-1) gives (the trainer's tables), or
 * GPBO_EINVAL listing them. */
static int word(const char *key, const char *v, const char *(*name)(int), int n, int *out)
{
    char list[128];
    size_t len = 0;
    list[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (!strcmp(v, name(i))) {
            *out = i;
            return GPBO_OK;
        }
        if (len < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, " %s", name(i));
    }
    return gpbo_error_set(GPBO_EINVAL, "trainer setting %s: unknown value '%s' (one of:%s)", key, v,
                          list);
}

/* The trainer's name functions, as word() takes them. */
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

int trainer_set(trainer_settings *t, const char *key, const char *v)
{
    char *end;
    double x = strtod(v, &end);
    int isnum = end != v && *end == '\0' && isfinite(x);
    gpbo_trainer_config *c = &t->cfg;
    int k = 0;
#define NUM(field)                                                                                 \
    do {                                                                                           \
        if (!isnum)                                                                                \
            return gpbo_error_set(GPBO_EINVAL, "trainer setting %s: '%s' is not a number", key,    \
                                  v);                                                              \
        field = x;                                                                                 \
    } while (0)
#define CNT(field)                                                                                 \
    do {                                                                                           \
        if (!isnum || x < 0 || x != floor(x))                                                      \
            return gpbo_error_set(GPBO_EINVAL, "trainer setting %s: '%s' is not a whole number",   \
                                  key, v);                                                         \
        field = (size_t)x;                                                                         \
    } while (0)
    if (!strcmp(key, "data_dir")) {
        snprintf(t->data_dir, sizeof t->data_dir, "%s", v);
    } else if (!strcmp(key, "train_size")) {
        CNT(t->train_size);
    } else if (!strcmp(key, "val_size")) {
        CNT(t->val_size);
    } else if (!strcmp(key, "test")) {
        t->test = !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes");
    } else if (!strcmp(key, "model")) {
        snprintf(t->model, sizeof t->model, "%s", v);
    } else if (!strcmp(key, "hidden")) {
        CNT(t->hidden);
    } else if (!strcmp(key, "layers")) {
        CNT(t->layers);
    } else if (!strcmp(key, "activation")) {
        if (word(key, v, activation_name, GPBO_TRAINER_ACT_COUNT, &k))
            return GPBO_EINVAL;
        c->activation = (gpbo_trainer_activation)k;
    } else if (!strcmp(key, "optimizer")) {
        if (word(key, v, optimizer_name, GPBO_TRAINER_OPT_COUNT, &k))
            return GPBO_EINVAL;
        c->optimizer = (gpbo_trainer_optimizer)k;
    } else if (!strcmp(key, "schedule")) {
        if (word(key, v, schedule_name, GPBO_TRAINER_SCHED_COUNT, &k))
            return GPBO_EINVAL;
        c->schedule = (gpbo_trainer_schedule)k;
    } else if (!strcmp(key, "dropout")) {
        NUM(c->dropout);
    } else if (!strcmp(key, "lr")) {
        NUM(c->lr);
    } else if (!strcmp(key, "momentum")) {
        NUM(c->momentum);
    } else if (!strcmp(key, "nesterov")) {
        c->nesterov = !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes");
    } else if (!strcmp(key, "weight_decay")) {
        NUM(c->weight_decay);
    } else if (!strcmp(key, "l1")) {
        NUM(c->l1);
    } else if (!strcmp(key, "gamma")) {
        NUM(c->gamma);
    } else if (!strcmp(key, "step_size")) {
        CNT(c->step_size);
    } else if (!strcmp(key, "warmup_epochs")) {
        CNT(c->warmup_epochs);
    } else if (!strcmp(key, "batch_size")) {
        CNT(c->batch_size);
    } else if (!strcmp(key, "epochs")) {
        CNT(c->epochs);
    } else if (!strcmp(key, "patience")) {
        CNT(c->patience);
    } else if (!strcmp(key, "min_delta")) {
        NUM(c->min_delta);
    } else if (!strcmp(key, "shift")) {
        CNT(c->shift);
    } else if (!strcmp(key, "flip")) {
        c->flip = !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes");
    } else if (!strcmp(key, "seed")) {
        size_t s;
        CNT(s);
        c->seed = s;
    } else {
        return gpbo_error_set(GPBO_EINVAL, "unknown trainer setting '%s' (did you mean '%s'?)", key,
                              sweep_closest(key, SWEEP_TRAINER_KEYS, SWEEP_NTRAINER_KEYS));
    }
#undef NUM
#undef CNT
    return GPBO_OK;
}

/* The model spec after hidden / layers. */
static void final_model(trainer_settings *t)
{
    if (t->hidden > 0) {
        size_t off = (size_t)snprintf(t->model, sizeof t->model, "mlp:");
        for (size_t i = 0; i < (t->layers ? t->layers : 1) && off < sizeof t->model - 16; i++)
            off += (size_t)snprintf(t->model + off, sizeof t->model - off, "%s%zu", i ? "-" : "",
                                    t->hidden);
    }
    t->cfg.model = t->model;
}

int trainer_data_load(const trainer_settings *t, trainer_data *d)
{
    memset(d, 0, sizeof *d);
    char p[4][1200];
    const char *names[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    for (int k = 0; k < 4; k++)
        snprintf(p[k], sizeof p[k], "%s/%s", t->data_dir, names[k]);
    size_t limit = t->train_size ? t->train_size + t->val_size : 0;
    gpbo_dataset *all = gpbo_dataset_load_idx(p[0], p[1], limit);
    if (all == NULL)
        return gpbo_error_code();
    if (t->val_size == 0 || t->val_size >= all->n) {
        size_t n = all->n;
        gpbo_dataset_free(all);
        return gpbo_error_set(GPBO_EINVAL, "trainer: val_size %zu does not fit %zu images",
                              t->val_size, n);
    }
    int rc =
        gpbo_dataset_split(all, (double)t->val_size / (double)all->n, 12345, &d->train, &d->val);
    gpbo_dataset_free(all);
    if (rc == GPBO_OK && t->test && (d->test = gpbo_dataset_load_idx(p[2], p[3], 0)) == NULL)
        rc = gpbo_error_code();
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

static int print_epoch(size_t epoch, double acc, double loss, void *payload)
{
    const epoch_out *e = payload;
    double v = strstr(e->metric, "loss") ? loss : acc;
    printf("%s=%.6f step=%zu\n", e->metric, v, epoch);
    fflush(stdout);
    return 0;
}

int trainer_run_print(trainer_settings *t, const trainer_data *d, const char *metric)
{
    final_model(t);
    epoch_out e = {metric ? metric : "val_accuracy"};
    t->cfg.on_epoch = print_epoch;
    t->cfg.payload = &e;
    gpbo_trainer_result r;
    int rc = gpbo_trainer_run(&t->cfg, d->train, d->val, d->test, &r);
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
