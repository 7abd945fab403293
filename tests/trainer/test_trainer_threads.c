/*
 * test_trainer_threads.c: batch-level parallelism (trainer/team.c). A batch split over 2 or 3
 * threads gives the gradient of one thread up to the order of float sums, the dropout masks
 * included; each share runs on its own thread; a number of threads gives the same bits run after
 * run; and training with 1 and 2 threads (gpbo_trainer_set_threads) ends with the same losses.
 *
 * Tolerances: a gradient component may differ from one thread's by 1e-5 of the layer's largest
 * (float32 sums of up to a few hundred terms in another order: ~1e-7 relative each); the losses
 * of a whole training run (50 Adam steps) by 1e-4 relative (the order differences compound from
 * step to step; measured <= 3e-8 on Haswell kernels, so the margin covers other kernels).
 */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/rng.h"
#include "trainer_optim.h"
#include "trainer_team.h"

typedef struct batch {
    float *x;
    int32_t *y;
    size_t B;
} batch;

static batch make_batch(size_t B, size_t in, uint64_t seed)
{
    batch b = {malloc(B * in * sizeof(float)), malloc(B * sizeof(int32_t)), B};
    gpbo_rng r;
    gpbo_rng_seed(&r, seed);
    for (size_t i = 0; i < B * in; i++)
        b.x[i] = (float)gpbo_rng_normal(&r);
    for (size_t i = 0; i < B; i++)
        b.y[i] = (int32_t)gpbo_rng_below(&r, 4);
    return b;
}

/* Every parameter gradient of net, concatenated (n floats, malloc'd). */
static float *grads(const gpbo_net *net, size_t *n)
{
    float *g = malloc(net->nparams * sizeof *g);
    size_t off = 0;
    for (size_t i = 0; i < net->nl; i++) {
        if (net->L[i].nW) /* layers without parameters (pooling, dropout) have none */
            memcpy(g + off, net->L[i].dW, net->L[i].nW * sizeof *g);
        off += net->L[i].nW;
        if (net->L[i].nb)
            memcpy(g + off, net->L[i].db, net->L[i].nb * sizeof *g);
        off += net->L[i].nb;
    }
    *n = off;
    return g;
}

/* One step of spec (dropout 0.3) on a team of T over b: the loss, the gradients into *g. The
 * network and the dropout key come from the same seeds whatever T. */
static double team_step(const char *spec, size_t c, size_t h, size_t w, size_t T, const batch *b,
                        float **g, size_t *n)
{
    gpbo_rng r;
    gpbo_rng_seed(&r, 99);
    gpbo_net *net = gpbo_net_new(spec, GPBO_TRAINER_ACT_RELU, 0.3, c, h, w, 4, b->B, &r);
    assert_non_null(net);
    gpbo_team *t = gpbo_team_new(net, T);
    assert_non_null(t);
    assert_int_equal(gpbo_team_threads(t), T < b->B ? T : b->B);
    double loss = gpbo_team_grad(t, b->x, b->y, b->B, &r);
    gpbo_team_reduce(t);
    /* share 0 on the caller, every other share on a thread of its own */
    assert_true(pthread_equal(gpbo_team_ran(t, 0), pthread_self()));
    for (size_t k = 1; k < gpbo_team_threads(t) && k < b->B; k++)
        for (size_t j = 0; j < k; j++)
            assert_false(pthread_equal(gpbo_team_ran(t, k), gpbo_team_ran(t, j)));
    *g = grads(net, n);
    gpbo_team_free(t);
    gpbo_net_free(net);
    return loss;
}

static void compare(const char *spec, size_t c, size_t h, size_t w, size_t B)
{
    batch b = make_batch(B, c * h * w, 5);
    float *g1, *gT;
    size_t n1, nT;
    double l1 = team_step(spec, c, h, w, 1, &b, &g1, &n1);
    for (size_t T = 2; T <= 3; T++) {
        double lT = team_step(spec, c, h, w, T, &b, &gT, &nT);
        assert_int_equal(n1, nT);
        float big = 0.0f;
        for (size_t i = 0; i < n1; i++)
            big = fabsf(g1[i]) > big ? fabsf(g1[i]) : big;
        size_t bad = 0;
        for (size_t i = 0; i < n1; i++)
            if (fabsf(g1[i] - gT[i]) > 1e-5f * big) {
                if (bad++ < 5)
                    printf("%s B=%zu T=%zu: gradient %zu %.9g against %.9g\n", spec, B, T, i,
                           (double)gT[i], (double)g1[i]);
            }
        assert_int_equal(bad, 0);
        assert_true(big > 0.0f);
        assert_true(fabs(l1 - lT) <= 1e-6 * fabs(l1));
        /* the same T again: the same bits (the reduction's order is fixed) */
        float *gA;
        double lA = team_step(spec, c, h, w, T, &b, &gA, &nT);
        assert_true(lA == lT);
        assert_memory_equal(gA, gT, n1 * sizeof *gA);
        free(gA);
        free(gT);
    }
    free(g1);
    free(b.x);
    free(b.y);
}

static void test_team_gradient(void **state)
{
    (void)state;
    compare("mlp:40-24", 1, 1, 30, 37);
    compare("cnn:c4k3-p2-c6k3-p2-d16", 2, 8, 8, 37);
    compare("cnn:c4k3-p2-d16", 1, 6, 6, 2); /* fewer examples than threads: a share empty */
    /* no dense hidden layer: the dropout on the flattened features, split across threads */
    compare("cnn:c4k3-p2", 2, 8, 8, 37);
}

/* A random dataset of n images (1 x 6 x 6) with 3 classes that depend on the pixels (so that
 * training learns something). */
static gpbo_dataset *images(size_t n, uint64_t seed)
{
    gpbo_dataset *ds = calloc(1, sizeof *ds);
    *ds = (gpbo_dataset){.n = n, .features = 36, .classes = 3, .channels = 1, .rows = 6, .cols = 6};
    ds->x = malloc(n * 36 * sizeof *ds->x);
    ds->y = malloc(n * sizeof *ds->y);
    gpbo_rng r;
    gpbo_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        float s = 0.0f;
        for (size_t j = 0; j < 36; j++) {
            ds->x[i * 36 + j] = (float)gpbo_rng_normal(&r);
            s += j < 18 ? ds->x[i * 36 + j] : 0.0f;
        }
        ds->y[i] = s < -1.5f ? 0 : s < 1.5f ? 1 : 2;
    }
    return ds;
}

static void test_run_threads(void **state)
{
    (void)state;
    gpbo_dataset *tr = images(600, 1), *va = images(200, 2);
    const char *models[2] = {"mlp:32-16", "cnn:c4k3-p2-d16"};
    for (int m = 0; m < 2; m++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
            c.model = models[m];
            c.dropout = 0.2;
            c.lr = 1e-2;
            c.batch_size = 64;
            c.epochs = 5;
            c.shift = 1;
            c.seed = seed;
            gpbo_trainer_result r1, r2;
            assert_int_equal(gpbo_trainer_set_threads(1), GPBO_OK);
            assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r1), GPBO_OK);
            assert_int_equal(gpbo_trainer__last_threads, 1);
            assert_int_equal(gpbo_trainer_set_threads(2), GPBO_OK);
            assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r2), GPBO_OK);
            assert_int_equal(gpbo_trainer__last_threads, 2);
            double dt = fabs(r1.train_loss - r2.train_loss) / r1.train_loss;
            double dv = fabs(r1.val_loss - r2.val_loss) / r1.val_loss;
            printf("%s seed %d: train loss %.7f (1 thread) %.7f (2), relative %.2g; validation "
                   "%.2g; accuracy %.3f\n",
                   models[m], (int)seed, r1.train_loss, r2.train_loss, dt, dv, r1.val_accuracy);
            assert_true(dt <= 1e-4 && dv <= 1e-4);
            assert_true(r1.val_accuracy >
                        0.5); /* it learned (chance: 0.36): not a comparison of noise */
        }
    /* more threads than the batch has examples: capped at the batch */
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.model = "mlp:8";
    c.batch_size = 2;
    c.epochs = 1;
    gpbo_trainer_result r;
    assert_int_equal(gpbo_trainer_set_threads(3), GPBO_OK);
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    assert_int_equal(gpbo_trainer__last_threads, 2);
    assert_int_equal(gpbo_trainer_set_threads(1), GPBO_OK);
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

/* A run that, after its first epoch, says so and waits to be let go. */
typedef struct held_run {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started, release, rc;
    gpbo_dataset *tr, *va;
} held_run;

static int hold_epoch(size_t epoch, double acc, double loss, void *payload)
{
    held_run *h = payload;
    (void)epoch, (void)acc, (void)loss;
    pthread_mutex_lock(&h->mu);
    h->started = 1;
    pthread_cond_broadcast(&h->cv);
    while (!h->release)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
    return 0;
}

static void *held_main(void *p)
{
    held_run *h = p;
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.model = "mlp:16";
    c.batch_size = 64;
    c.epochs = 1;
    c.on_epoch = hold_epoch;
    c.payload = h;
    gpbo_trainer_result r;
    h->rc = gpbo_trainer_run(&c, h->tr, h->va, NULL, &r);
    return NULL;
}

/* Starts h's run on thread t and waits until it is inside its first epoch's callback (its team
 * made, OpenBLAS held at one thread). */
static void hold_start(held_run *h, pthread_t *t)
{
    h->started = h->release = 0;
    assert_int_equal(pthread_create(t, NULL, held_main, h), 0);
    pthread_mutex_lock(&h->mu);
    while (!h->started)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

static void hold_end(held_run *h, pthread_t t)
{
    pthread_mutex_lock(&h->mu);
    h->release = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(h->rc, GPBO_OK);
}

static int note_threads(size_t epoch, double acc, double loss, void *payload)
{
    (void)epoch, (void)acc, (void)loss;
    *(size_t *)payload = gpbo_trainer__last_threads;
    return 0;
}

/* Before gpbo_trainer_set_threads a run takes OpenBLAS's count (2 here), also when another run
 * of the process holds OpenBLAS at one thread meanwhile: the second run read that 1 and trained
 * on one thread, other results than the same run alone. And gpbo_trainer_set_threads during a
 * run leaves OpenBLAS held and is the count restored at the run's end (it set OpenBLAS at once,
 * and the run's end put the old count back). Runs first: no set_threads before it. */
static void test_concurrent_runs(void **state)
{
    (void)state;
    openblas_set_num_threads(2);
    held_run h = {PTHREAD_MUTEX_INITIALIZER,
                  PTHREAD_COND_INITIALIZER,
                  0,
                  0,
                  0,
                  images(200, 1),
                  images(50, 2)};
    pthread_t t;
    hold_start(&h, &t);
    assert_int_equal(gpbo_trainer__last_threads, 2);
    assert_int_equal(openblas_get_num_threads(), 1); /* held by the run */
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.model = "mlp:16";
    c.batch_size = 64;
    c.epochs = 1;
    size_t seen = 0;
    c.on_epoch = note_threads;
    c.payload = &seen;
    gpbo_trainer_result r;
    assert_int_equal(gpbo_trainer_run(&c, h.tr, h.va, NULL, &r), GPBO_OK);
    assert_int_equal(seen, 2);
    hold_end(&h, t);
    assert_int_equal(openblas_get_num_threads(), 2); /* restored */
    hold_start(&h, &t);
    assert_int_equal(gpbo_trainer_set_threads(3), GPBO_OK);
    assert_int_equal(openblas_get_num_threads(), 1); /* still held */
    hold_end(&h, t);
    assert_int_equal(openblas_get_num_threads(), 3);
    assert_int_equal(gpbo_trainer_set_threads(1), GPBO_OK);
    assert_int_equal(openblas_get_num_threads(), 1);
    gpbo_dataset_free(h.tr);
    gpbo_dataset_free(h.va);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_runs),
        cmocka_unit_test(test_team_gradient),
        cmocka_unit_test(test_run_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
