/*
 * train_fashion_mnist: trains an MLP and a CNN on Fashion-MNIST (Debian's dataset-fashion-mnist
 * package) with gpbo::trainer and prints their validation and test accuracy, with a line per
 * epoch as it goes (a CNN epoch takes minutes).
 *
 * Usage: train_fashion_mnist [--dir DIR] [--train N] [--epochs E] [--model SPEC]...
 *   --dir     where the four IDX .gz files are (default /usr/share/datasets/fashion-mnist)
 *   --train   training examples used, of 60000 (default all; 5000 of them validate, so more
 *             than 5000)
 *   --epochs  epochs per model (default 15 for the MLP, 12 for the CNN)
 *   --model   a model spec to train instead of the two defaults (repeatable, up to 8 times)
 * Anything else (an unknown option, one without its value, N or E not a whole number from 1)
 * prints the usage and exits with status 2.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpbo/error.h"
#include "gpbo/trainer.h"

enum { VAL = 5000 }; /* validation images, held out of the --train ones */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* What the per-epoch line needs: the model's name, its epoch budget, when it started. */
typedef struct progress {
    const char *model;
    size_t epochs;
    double start;
} progress;

static int print_epoch(size_t epoch, double val_accuracy, double val_loss, void *payload)
{
    const progress *p = payload;
    printf("  %s epoch %zu/%zu  val_accuracy=%.4f  val_loss=%.4f  %.1f s\n", p->model, epoch,
           p->epochs, val_accuracy, val_loss, now() - p->start);
    fflush(stdout); /* shows up at once when stdout is a pipe or a file */
    return 0;
}

/* Reads a whole number of at least min from s into *out; 0 when s is anything else. */
static int whole(const char *s, unsigned long long min, size_t *out)
{
    char *end;
    errno = 0;
    if (s[0] < '0' || s[0] > '9')
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    *out = (size_t)v;
    return errno == 0 && *end == '\0' && v >= min && v <= SIZE_MAX;
}

int main(int argc, char **argv)
{
    const char *dir = "/usr/share/datasets/fashion-mnist", *models[8];
    size_t nmodels = 0, ntrain = 0, epochs = 0;
    /* every argument is an option and its value: a lone --bogus (or a value that is not a
     * number) used to be passed over, and the two default models trained for many minutes */
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 < argc && !strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
        else if (i + 1 < argc && !strcmp(argv[i], "--train") &&
                 whole(argv[i + 1], VAL + 1, &ntrain))
            ;
        else if (i + 1 < argc && !strcmp(argv[i], "--epochs") && whole(argv[i + 1], 1, &epochs))
            ;
        else if (i + 1 < argc && !strcmp(argv[i], "--model") && nmodels < 8)
            models[nmodels++] = argv[i + 1];
        else {
            fprintf(stderr,
                    "usage: %s [--dir DIR] [--train N] [--epochs E] [--model SPEC]...\n"
                    "  (N more than %d: %d of them validate; E from 1; at most 8 models)\n",
                    argv[0], VAL, VAL);
            return 2;
        }
    }
    char p[4][1024];
    const char *names[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    for (int k = 0; k < 4; k++)
        snprintf(p[k], sizeof p[k], "%s/%s", dir, names[k]);
    gpbo_dataset *all = gpbo_dataset_load_idx(p[0], p[1], ntrain);
    gpbo_dataset *test = all ? gpbo_dataset_load_idx(p[2], p[3], 0) : NULL;
    gpbo_dataset *train = NULL, *val = NULL;
    if (test == NULL ||
        gpbo_dataset_split(all, (double)VAL / (double)all->n, 1, &train, &val) != 0) {
        fprintf(stderr, "train_fashion_mnist: %s\n", gpbo_error_message());
        return 1;
    }
    gpbo_dataset_normalize(train, val, test);
    printf("Fashion-MNIST: %zu training, %zu validation, %zu test images\n", train->n, val->n,
           test->n);
    fflush(stdout);
    if (nmodels == 0) {
        models[nmodels++] = "mlp:512-256";
        models[nmodels++] = "cnn:c32k5-p2-c64k5-p2-d256";
    }
    int status = 0;
    for (size_t m = 0; m < nmodels; m++) {
        gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
        int cnn = strncmp(models[m], "cnn", 3) == 0;
        c.model = models[m];
        c.optimizer = GPBO_TRAINER_OPT_ADAM;
        c.lr = cnn ? 1e-3 : 1e-3;
        c.weight_decay = cnn ? 1e-4 : 1e-4;
        c.dropout = cnn ? 0.3 : 0.2;
        c.schedule = GPBO_TRAINER_SCHED_COSINE;
        c.batch_size = 128;
        c.epochs = epochs ? epochs : (cnn ? 12 : 15);
        c.patience = 4;
        c.shift = cnn ? 2 : 0;
        c.seed = 7;
        progress pr = {models[m], c.epochs, now()};
        c.on_epoch = print_epoch;
        c.payload = &pr;
        gpbo_trainer_result r;
        if (gpbo_trainer_run(&c, train, val, test, &r) != 0) {
            fprintf(stderr, "%s: %s\n", models[m], gpbo_error_message());
            status = 1;
            continue;
        }
        printf("%-28s %8zu parameters  %2zu epochs (best %2zu)  val_accuracy=%.4f  "
               "test_accuracy=%.4f  test_macro_f1=%.4f  %.1f s\n",
               models[m], r.parameters, r.epochs, r.best_epoch, r.val_accuracy, r.test_accuracy,
               r.test_f1, r.seconds);
        fflush(stdout);
    }
    gpbo_dataset_free(all);
    gpbo_dataset_free(train);
    gpbo_dataset_free(val);
    gpbo_dataset_free(test);
    return status;
}
