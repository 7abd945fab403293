/*
 * bench/trainer: how fast gpbo's trainer is, against PyTorch (Debian's python3-torch) running
 * the same architectures with the same thread count in the same run:
 *   - MLP 784-512-256-10 and CNN conv 5x5x32 - pool - conv 5x5x64 - pool - dense 1024 - 10;
 *   - images per second, batch 128, float32, Adam: training steps (forward, loss, backward,
 *     update) and inference (forward), 1 and 2 threads; the ratio gpbo / PyTorch (PyTorch
 *     timed in two halves, before and after gpbo's turns, the rates averaged).
 * With --accuracy it also trains the documented MLP and CNN on Fashion-MNIST (the settings of
 * examples/train_fashion_mnist.c) and prints their test accuracy against the README's targets
 * (long: minutes).
 * Checked, so that a fast wrong step cannot pass for a fast one: each row's training steps must
 * lower the loss on the batch they train on (first step against the last, at least CHECK_STEPS
 * steps); PyTorch's losses are printed beside; exit status 1 when gpbo's does not fall.
 * At two threads, two ways: OpenBLAS's threads inside each sgemm (mode blas) and the trainer's
 * batch-level threads, each on a share of the batch with one-thread sgemm (mode batch), measured
 * in turns (--slices of the S seconds each) so that both see the same load.
 * Usage: trainer_bench [--seconds S] [--models mlp,cnn] [--threads 1,2] [--mode blas,batch]
 *                      [--slices N] [--clock wall|cpu] [--no-torch] [--accuracy]
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpbo/error.h"
#include "gpbo/rng.h"
#include "trainer_internal.h"
#include "trainer_optim.h"
#include "trainer_team.h"

/* --clock cpu: the process's CPU time instead of the wall clock, so that figures from a machine
 * shared with other jobs compare code rather than the load (meaningful at one thread: at two,
 * OpenBLAS's spinning threads count too). */
static int cpu_clock = 0;

static double now(void)
{
    struct timespec ts;
    clock_gettime(cpu_clock ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One way of running a model on some threads: OpenBLAS's inside each sgemm (a team of one), or
 * a team's, each thread on a share of the batch with one-thread sgemm; what it measured. */
typedef struct runner {
    gpbo_net *net;
    gpbo_team *team;
    gpbo_trainer_config cfg; /* the optimizer's (it keeps a pointer) */
    gpbo_optim opt;
    int blas_threads;          /* OpenBLAS's count while this runner runs */
    double images[2], secs[2]; /* measured: training, inference */
    double loss[2];            /* the batch's loss at the first and the latest training step */
    size_t steps;              /* training steps, warm-up included */
} runner;

static void runner_init(runner *u, const char *spec, int threads, int batch, gpbo_rng *r)
{
    memset(u, 0, sizeof *u);
    u->net = gpbo_net_new(spec, GPBO_TRAINER_ACT_RELU, 0.0, 1, 28, 28, 10, 128, r);
    u->team = gpbo_team_new(u->net, batch ? (size_t)threads : 1);
    u->blas_threads = batch ? 1 : threads;
    u->cfg = (gpbo_trainer_config)GPBO_TRAINER_CONFIG_INIT;
    gpbo_trainer__optim_init(&u->opt, &u->cfg, u->net);
}

static void runner_free(runner *u)
{
    gpbo_trainer__optim_free(&u->opt);
    gpbo_team_free(u->team);
    gpbo_net_free(u->net);
}

/* Training steps (forward, loss, backward, update) or inference passes of the batch of 128 for
 * about `seconds`, added to u's count (none when seconds is 0: one step, a warm-up). */
static void runner_run(runner *u, int train, double seconds, const float *x, const int32_t *y,
                       gpbo_rng *r)
{
    openblas_set_num_threads(u->blas_threads);
    size_t n = 0;
    double t0 = now();
    do {
        if (train) {
            u->loss[1] = gpbo_team_train_step(u->team, x, y, 128, r, &u->opt, 1e-3);
            u->loss[0] = u->steps++ == 0 ? u->loss[1] : u->loss[0];
        } else
            gpbo_team_infer(u->team, x, y, 128);
        n++;
    } while (now() - t0 < seconds);
    if (seconds > 0) {
        u->images[!train] += (double)(n * 128);
        u->secs[!train] += now() - t0;
    }
}

/* Training steps on the one batch before its loss is compared with the first step's (the
 * timed steps count; torch_bench.py tops up to the same number). */
#define CHECK_STEPS 50

/* What one side measured: images per second of training and inference, and the batch's loss at
 * its first and its latest training step (the check that the steps learn). */
typedef struct speed {
    double train, infer, loss[2];
    size_t steps;
} speed;

/* Training and inference speed of spec on `threads` threads, for each of the nu runners (modes),
 * measured in `slices` turns, the runners taking turns within each (so that a change of load
 * on a shared machine hits them alike), into out[0..nu). */
static void gpbo_speed(const char *spec, int threads, const int *batch, size_t nu, double seconds,
                       int slices, speed *out)
{
    gpbo_rng r;
    gpbo_rng_seed(&r, 1);
    float *x = malloc(128 * 784 * sizeof *x);
    int32_t y[128];
    for (size_t i = 0; i < 128 * 784; i++)
        x[i] = (float)gpbo_rng_normal(&r);
    for (size_t i = 0; i < 128; i++)
        y[i] = (int32_t)gpbo_rng_below(&r, 10);
    runner u[2];
    for (size_t k = 0; k < nu; k++) {
        runner_init(&u[k], spec, threads, batch[k], &r);
        for (int w = 0; w < 3; w++)
            for (int train = 0; train < 2; train++)
                runner_run(&u[k], train, 0.0, x, y, &r);
    }
    for (int s = 0; s < slices; s++)
        for (int train = 1; train >= 0; train--)
            for (size_t k = 0; k < nu; k++)
                runner_run(&u[k], train, seconds / slices, x, y, &r);
    /* the check's steps, untimed: at least CHECK_STEPS in all (Adam's first few steps can
     * raise the loss before it falls) */
    for (size_t k = 0; k < nu; k++)
        while (u[k].steps < CHECK_STEPS)
            runner_run(&u[k], 1, 0.0, x, y, &r);
    for (size_t k = 0; k < nu; k++) {
        out[k] = (speed){u[k].images[0] / u[k].secs[0],
                         u[k].images[1] / u[k].secs[1],
                         {u[k].loss[0], u[k].loss[1]},
                         u[k].steps};
        runner_free(&u[k]);
    }
    free(x);
}

static int torch_speed(const char *arch, int threads, double seconds, speed *out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=%d %s %s %s %d %g %s %d 2>/dev/null", threads,
             GPBO_BENCH_PYTHON, GPBO_BENCH_TORCH_SCRIPT, arch, threads, seconds,
             cpu_clock ? "cpu" : "wall", CHECK_STEPS);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    int ok = fscanf(p, "train=%lf infer=%lf loss0=%lf loss1=%lf steps=%zu", &out->train,
                    &out->infer, &out->loss[0], &out->loss[1], &out->steps) == 5;
    pclose(p);
    return ok ? 0 : -1;
}

static void accuracy_runs(void)
{
    const char *d = "/usr/share/datasets/fashion-mnist";
    char p[4][512];
    const char *nm[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    for (int k = 0; k < 4; k++)
        snprintf(p[k], sizeof p[k], "%s/%s", d, nm[k]);
    gpbo_dataset *all = gpbo_dataset_load_idx(p[0], p[1], 0);
    gpbo_dataset *test = gpbo_dataset_load_idx(p[2], p[3], 0), *train, *val;
    if (!all || !test || gpbo_dataset_split(all, 5000.0 / 60000.0, 1, &train, &val) != 0) {
        fprintf(stderr, "accuracy: %s\n", gpbo_error_message());
        return;
    }
    gpbo_dataset_normalize(train, val, test);
    /* examples/train_fashion_mnist.c's settings, which made the README's figures (this ran
     * 30 and 20 epochs with patience 5 until 2026-12-05: not the documented runs), and the
     * README's targets */
    struct {
        const char *spec;
        double dropout, lr, wd;
        size_t epochs, shift;
        double target;
    } runs[2] = {{"mlp:512-256", 0.2, 1e-3, 1e-4, 15, 0, 0.89},
                 {"cnn:c32k5-p2-c64k5-p2-d256", 0.3, 1e-3, 1e-4, 12, 2, 0.915}};
    for (int k = 0; k < 2; k++) {
        gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
        c.model = runs[k].spec;
        c.dropout = runs[k].dropout;
        c.lr = runs[k].lr;
        c.weight_decay = runs[k].wd;
        c.schedule = GPBO_TRAINER_SCHED_COSINE;
        c.epochs = runs[k].epochs;
        c.patience = 4;
        c.shift = runs[k].shift;
        c.seed = 7;
        gpbo_trainer_result r;
        if (gpbo_trainer_run(&c, train, val, test, &r) != 0) {
            fprintf(stderr, "%s: %s\n", runs[k].spec, gpbo_error_message());
            continue;
        }
        printf("%-28s Adam lr %g, weight decay %g, dropout %g, cosine, %zu epochs max, "
               "patience 4, shift %zu: %zu epochs (best %zu), val %.4f, test accuracy %.4f "
               "(target >= %g: %s), macro-F1 %.4f, %.0f s\n",
               runs[k].spec, runs[k].lr, runs[k].wd, runs[k].dropout, runs[k].epochs, runs[k].shift,
               r.epochs, r.best_epoch, r.val_accuracy, r.test_accuracy, runs[k].target,
               r.test_accuracy >= runs[k].target ? "met" : "NOT MET", r.test_f1, r.seconds);
        fflush(stdout);
    }
    gpbo_dataset_free(all);
    gpbo_dataset_free(test);
    gpbo_dataset_free(train);
    gpbo_dataset_free(val);
}

int main(int argc, char **argv)
{
    double seconds = 3.0;
    int accuracy = 0, no_torch = 0, slices = 3;
    const char *models = "mlp,cnn", *threads = "1,2", *modes = "blas,batch";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--models") && i + 1 < argc)
            models = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = argv[++i];
        else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
            modes = argv[++i];
        else if (!strcmp(argv[i], "--slices") && i + 1 < argc)
            slices = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
        else if (!strcmp(argv[i], "--clock") && i + 1 < argc)
            cpu_clock = !strcmp(argv[++i], "cpu");
        else if (!strcmp(argv[i], "--no-torch"))
            no_torch = 1;
        else if (!strcmp(argv[i], "--accuracy"))
            accuracy = 1;
        else {
            fprintf(stderr,
                    "usage: %s [--seconds S] [--models mlp,cnn] [--threads 1,2] "
                    "[--mode blas,batch] [--slices N] [--clock wall|cpu] [--no-torch] "
                    "[--accuracy]\n",
                    argv[0]);
            return strcmp(argv[i], "-h") && strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    printf("trainer: images per %s second, batch 128, float32, Adam; gpbo vs PyTorch (%s), same "
           "threads, same run; OpenBLAS kernels %s\n\n",
           cpu_clock ? "CPU" : "wall-clock", "python3-torch", openblas_get_corename());
    printf("%-5s %7s %5s | %12s %12s %6s | %12s %12s %6s | %s\n", "model", "threads", "mode",
           "gpbo train", "torch train", "ratio", "gpbo infer", "torch infer", "ratio",
           "batch loss, first > last step (steps): gpbo / torch");
    const char *specs[2] = {"mlp:512-256", "cnn:c32k5-p2-c64k5-p2-d1024"};
    const char *arch[2] = {"mlp", "cnn"};
    int status = 0;
    for (int m = 0; m < 2; m++)
        for (int t = 1; t <= 2; t++) {
            char tn[4] = {(char)('0' + t), 0};
            if (strstr(models, arch[m]) == NULL || strstr(threads, tn) == NULL)
                continue;
            speed ts = {0}, ts2 = {0}, gs[2];
            openblas_set_num_threads(t);
            /* PyTorch in two halves of S / 2 seconds, before gpbo's turns and after them, their
             * rates averaged: a change of load during the row then hits both sides alike on
             * average (until 2026-12-05 PyTorch ran once, before gpbo) */
            int ok = !no_torch && torch_speed(arch[m], t, seconds / 2, &ts) == 0;
            /* the modes asked for; one thread: the two are the same code */
            int batch[2];
            size_t nu = 0;
            for (int b = 0; b < 2; b++)
                if (strstr(modes, b ? "batch" : "blas") != NULL && !(t == 1 && b && nu > 0))
                    batch[nu++] = b;
            gpbo_speed(specs[m], t, batch, nu, seconds, slices, gs);
            ok = ok && torch_speed(arch[m], t, seconds / 2, &ts2) == 0;
            ts.train = 0.5 * (ts.train + ts2.train);
            ts.infer = 0.5 * (ts.infer + ts2.infer);
            for (size_t k = 0; k < nu; k++) {
                const char *mode = t == 1 ? "-" : batch[k] ? "batch" : "blas";
                const speed *g = &gs[k];
                /* the check: training steps that do not lower the loss on the one batch they
                 * see again and again are not training, however fast */
                int learns = g->loss[1] < g->loss[0];
                char tl[64] = "-";
                if (ok) {
                    printf("%-5s %7d %5s | %12.0f %12.0f %6.2f | %12.0f %12.0f %6.2f", arch[m], t,
                           mode, g->train, ts.train, g->train / ts.train, g->infer, ts.infer,
                           g->infer / ts.infer);
                    snprintf(tl, sizeof tl, "%.3f > %.3g (%zu)", ts.loss[0], ts.loss[1], ts.steps);
                } else
                    printf("%-5s %7d %5s | %12.0f %12s %6s | %12.0f %12s %6s", arch[m], t, mode,
                           g->train, "(no torch)", "-", g->infer, "-", "-");
                printf(" | %.3f > %.3g (%zu) / %s%s\n", g->loss[0], g->loss[1], g->steps, tl,
                       learns ? "" : "  GPBO'S LOSS DID NOT FALL");
                status |= !learns;
            }
            fflush(stdout);
        }
    if (accuracy) {
        openblas_set_num_threads(2);
        printf("\naccuracy on Fashion-MNIST (55000 train, 5000 validation, 10000 test):\n");
        accuracy_runs();
    }
    return status;
}
