/*
 * retrain.c: `gpbo retrain` — what tuning bought. A search of the built-in trainer usually
 * trains on part of the data for speed (the demo: 20000 of 60000 images) and picks by validation
 * accuracy; what a user wants to know afterwards is whether the configuration it found is better
 * than not tuning at all, on data the search never looked at. So the chosen trial's
 * configuration is trained again on the whole training set (but the validation images the
 * trainer keeps its best epoch by), beside the trainer's own default configuration (what
 * `gpbo train` trains with the sweep's trainer section and nothing searched), with the same
 * epochs, data and seed, and both are measured on the test set.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gpbo/error.h"
#include "gpbo/search.h"

/* One of the two trainings. */
typedef struct contender {
    char label[64];
    trainer_settings t;
    gpbo_trainer_result r;
} contender;

/* The settings both start from: the sweep's trainer section, then the whole training set (or
 * --train-size) and the test set. Returns 0 or the exit status after printing why. */
static int base_settings(const sweep *sw, const char *train_size, trainer_settings *t)
{
    trainer_settings_init(t);
    for (size_t i = 0; i < sw->ntrainer; i++)
        if (trainer_set(t, sw->trainer[i].key, sw->trainer[i].value) != GPBO_OK) {
            fprintf(stderr, "gpbo retrain: %s: %s\n", sw->path, gpbo_error_message());
            return 2;
        }
    if (trainer_set(t, "train_size", train_size ? train_size : "0") != GPBO_OK ||
        trainer_set(t, "test", "true") != GPBO_OK) {
        fprintf(stderr, "gpbo retrain: --train-size: %s\n", gpbo_error_message());
        return 2;
    }
    return 0;
}

/* The trial to train again: --trial N, else the best (by_model: the model's recommendation,
 * gpbo_study_recommend's rule, and past GPBO_RECOMMEND_MAX_OBS observations a line on stderr
 * naming the model's subset, as gpbo best --by model's). Returns 0 with *ti, or the exit
 * status. */
static int chosen_trial(gpbo_study *st, const char *trial, int by_model, gpbo_trial_info *ti)
{
    if (trial != NULL && by_model) {
        fprintf(stderr, "gpbo retrain: --trial and --by model each choose the trial: give one\n");
        return 2;
    }
    if (trial == NULL) {
        size_t total = 0;
        if ((by_model ? gpbo_study_recommend_capped(st, GPBO_RECOMMEND_MAX_OBS, ti, NULL, &total)
                      : gpbo_study_best(st, ti)) == GPBO_OK) {
            cli_recommend_capped_note("retrain", total);
            return 0;
        }
        fprintf(stderr, "gpbo retrain: %s\n", gpbo_error_message());
        return 1;
    }
    char *end;
    unsigned long long id = strtoull(trial, &end, 10);
    if (end == trial || *end != '\0' || trial[0] == '-') {
        fprintf(stderr, "gpbo retrain: --trial: '%s' is not a trial number\n", trial);
        return 2;
    }
    if (gpbo_study_trial(st, (size_t)id, ti) != GPBO_OK) {
        fprintf(stderr, "gpbo retrain: %s\n", gpbo_error_message());
        return 2;
    }
    return 0;
}

/* The tuned contender: the base settings and the trial's parameters (an inactive parameter,
 * NaN, is not set). Its line of parameters goes to stdout. Returns 0 or the exit status. */
static int tuned_settings(const sweep *sw, const gpbo_space *sp, const gpbo_trial_info *ti,
                          contender *c)
{
    printf("%s:", c->label);
    for (size_t i = 0; i < gpbo_space_size(sp); i++) {
        char v[256];
        if (isnan(ti->values[i]))
            continue;
        if (sweep_format(sw, sp, i, ti->values[i], v, sizeof v) != GPBO_OK ||
            trainer_set(&c->t, gpbo_space_name(sp, i), v) != GPBO_OK) {
            printf("\n");
            fprintf(stderr, "gpbo retrain: %s\n", gpbo_error_message());
            return 2;
        }
        printf(" %s=%s", gpbo_space_name(sp, i), v);
    }
    printf("\n");
    return 0;
}

/* What the default contender trains: the settings a search usually varies. */
static void describe(contender *c)
{
    /* a bad model, hidden or layers is reported by the training that follows */
    (void)trainer_final_model(&c->t);
    const gpbo_trainer_config *k = &c->t.cfg;
    printf("%s: model=%s optimizer=%s lr=%g batch_size=%zu dropout=%g weight_decay=%g "
           "schedule=%s\n",
           c->label, k->model, gpbo_trainer_optimizer_name(k->optimizer), k->lr, k->batch_size,
           k->dropout, k->weight_decay, gpbo_trainer_schedule_name(k->schedule));
}

typedef struct epoch_line {
    const char *label;
    size_t epochs;
} epoch_line;

static int print_epoch(size_t epoch, double acc, double loss, void *payload)
{
    const epoch_line *e = payload;
    printf("  %s: epoch %zu/%zu val_accuracy=%.4f val_loss=%.4f\n", e->label, epoch, e->epochs, acc,
           loss);
    fflush(stdout);
    return 0;
}

/* Trains c on d with a line per epoch. GPBO_OK or the trainer's status (the error set). */
static int train(contender *c, const trainer_data *d)
{
    epoch_line e = {c->label, c->t.cfg.epochs};
    c->t.cfg.on_epoch = print_epoch;
    c->t.cfg.payload = &e;
    return trainer_run(&c->t, d, &c->r);
}

/* The two side by side, and the difference in test accuracy. */
static void print_table(const contender *c, const trainer_data *d)
{
    printf("trained on %zu images (%zu more for validation), %zu epochs, seed %" PRIu64
           ", tested on %zu:\n",
           d->train->n, d->val->n, c[0].t.cfg.epochs, c[0].t.cfg.seed, d->test->n);
    printf("%-24s  %12s  %13s  %8s  %10s  %10s  %8s\n", "", "val_accuracy", "test_accuracy",
           "test_f1", "best_epoch", "parameters", "seconds");
    for (int k = 0; k < 2; k++)
        printf("%-24s  %12.4f  %13.4f  %8.4f  %10zu  %10zu  %8.1f\n", c[k].label,
               c[k].r.val_accuracy, c[k].r.test_accuracy, c[k].r.test_f1, c[k].r.best_epoch,
               c[k].r.parameters, c[k].r.seconds);
    printf("tuning bought %+.2f points of test accuracy (%.2f %% -> %.2f %%)\n",
           100 * (c[0].r.test_accuracy - c[1].r.test_accuracy), 100 * c[1].r.test_accuracy,
           100 * c[0].r.test_accuracy);
}

/* Sets both contenders up, trains them on one copy of the data and prints the table. */
static int retrain(const sweep *sw, gpbo_study *st, const cli_args *a)
{
    contender c[2];
    memset(c, 0, sizeof c);
    gpbo_trial_info ti;
    int by_model = cli_by_model("retrain", a->by);
    int status = by_model < 0 ? 2 : base_settings(sw, a->train_size, &c[0].t);
    if (status == 0)
        status = chosen_trial(st, a->trial, by_model, &ti);
    if (status != 0)
        return status;
    c[1].t = c[0].t;
    snprintf(c[0].label, sizeof c[0].label, "tuned (trial %zu)", ti.id);
    snprintf(c[1].label, sizeof c[1].label, "default");
    if ((status = tuned_settings(sw, gpbo_study_space(st), &ti, &c[0])) != 0)
        return status;
    c[1].t.cfg.epochs = c[0].t.cfg.epochs; /* the same epochs, even when they were searched */
    describe(&c[1]);
    trainer_data d;
    int lrc = trainer_data_load(&c[0].t, &d);
    if (lrc != GPBO_OK) {
        fprintf(stderr, "gpbo retrain: %s\n", gpbo_error_message());
        /* a --train-size (or val_size) the data cannot meet is a bad option, not a failure */
        return lrc == GPBO_EINVAL ? 2 : 1;
    }
    fflush(stdout);
    for (int k = 0; k < 2 && status == 0; k++)
        if (train(&c[k], &d) != GPBO_OK) {
            fprintf(stderr, "gpbo retrain: %s: %s\n", c[k].label, gpbo_error_message());
            status = 1;
        }
    if (status == 0)
        print_table(c, &d);
    trainer_data_free(&d);
    return status;
}

int cmd_retrain(int argc, char **argv)
{
    cli_args a = {0};
    if (cli_parse("retrain", argc, argv, &a) != 0)
        return 2;
    if (a.path == NULL) {
        fprintf(stderr, "gpbo retrain: give the sweep file (its trainer section says what to "
                        "train)\n");
        return 2;
    }
    sweep *sw = NULL;
    gpbo_study *st = NULL;
    int status = cli_open_study("retrain", a.path, a.storage, a.study, &sw, &st);
    if (status != 0)
        return status;
    if (!sw->has_trainer) {
        fprintf(stderr,
                "gpbo retrain: %s runs its own program: retrain needs the built-in trainer (a "
                "trainer: section)\n",
                a.path);
        status = 2;
    } else {
        status = retrain(sw, st, &a);
    }
    gpbo_study_close(st);
    sweep_free(sw);
    return status;
}
