/*
 * test_trainer_stopping.c: early stopping's rule (gpbo_trainer__stop_step) on constructed
 * validation curves, as Keras's EarlyStopping and PyTorch Lightning's define it: an epoch
 * improves when it beats the kept epoch by more than min_delta (the accuracy upwards, the loss
 * downwards; the first epoch always), training stops exactly when `patience` epochs in a row
 * have not improved, and the kept epoch is the last that improved. Curves are random walks with
 * plateaus on a grid of 1/64 (so that every sum and comparison here is exact and equalities,
 * improvements of exactly min_delta among them, are frequent), over every patience from 0 to 6
 * and several min_delta; a few hand-made curves pin the documented cases.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gpbo/rng.h"
#include "trainer_optim.h"

/* What a run of the rule over curve v[0..n) did: epochs run and the kept (1-based) epoch. */
typedef struct outcome {
    size_t ran, kept;
    int stopped;
} outcome;

static outcome follow(gpbo_trainer_monitor monitor, size_t patience, double min_delta,
                      const double *v, size_t n)
{
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.monitor = monitor;
    c.patience = patience;
    c.min_delta = min_delta;
    gpbo_early_stop s;
    gpbo_trainer__stop_init(&s, &c);
    outcome o = {0, 0, 0};
    int minimize = monitor == GPBO_TRAINER_MONITOR_VAL_LOSS;
    for (size_t e = 1; e <= n; e++) {
        int improved;
        int stop = gpbo_trainer__stop_step(&s, e, v[e - 1], &improved);
        /* improvement: the first epoch, or beyond the kept value by more than min_delta */
        double gain = o.kept == 0 ? INFINITY
                      : minimize  ? v[o.kept - 1] - v[e - 1]
                                  : v[e - 1] - v[o.kept - 1];
        assert_int_equal(improved, gain > min_delta);
        if (improved)
            o.kept = e;
        o.ran = e;
        /* stops exactly when patience epochs in a row have not improved, never before */
        assert_int_equal(stop, patience > 0 && e - o.kept >= patience);
        if (stop) {
            o.stopped = 1;
            break;
        }
    }
    return o;
}

/* A random walk of n values on the grid k / 64 in [0, 1], flat for a while now and then. */
static void walk(gpbo_rng *r, double *v, size_t n)
{
    long k = (long)gpbo_rng_below(r, 65);
    for (size_t i = 0; i < n; i++) {
        if (gpbo_rng_below(r, 3) != 0)
            k += (long)gpbo_rng_below(r, 9) - 4;
        k = k < 0 ? 0 : k > 64 ? 64 : k;
        v[i] = (double)k / 64.0;
    }
}

static void test_random_curves(void **state)
{
    (void)state;
    static const double deltas[] = {0.0, 1.0 / 64, 3.0 / 64, 0.1};
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    double v[40], neg[40];
    size_t stopped = 0, runs = 0;
    for (int t = 0; t < 3000; t++) {
        size_t n = 1 + (size_t)gpbo_rng_below(&r, 40);
        walk(&r, v, n);
        for (size_t i = 0; i < n; i++)
            neg[i] = -v[i];
        size_t patience = (size_t)gpbo_rng_below(&r, 7);
        double d = deltas[gpbo_rng_below(&r, 4)];
        for (int m = 0; m < 2; m++) {
            gpbo_trainer_monitor mon =
                m ? GPBO_TRAINER_MONITOR_VAL_LOSS : GPBO_TRAINER_MONITOR_VAL_ACCURACY;
            int minimize = m;
            outcome o = follow(mon, patience, d, v, n);
            runs++;
            stopped += o.stopped;
            /* stopped: exactly patience epochs after the kept one; else every epoch ran */
            if (o.stopped)
                assert_int_equal(o.ran - o.kept, patience);
            else
                assert_true(o.ran == n && (patience == 0 || n - o.kept < patience));
            /* no epoch after the kept one beats it by more than min_delta */
            for (size_t e = o.kept + 1; e <= o.ran; e++)
                assert_false((minimize ? v[o.kept - 1] - v[e - 1] : v[e - 1] - v[o.kept - 1]) > d);
            /* with min_delta 0 the kept epoch is the first best of the epochs run */
            if (d == 0.0)
                for (size_t e = 1; e <= o.ran; e++) {
                    double x = minimize ? -v[e - 1] : v[e - 1];
                    double best = minimize ? -v[o.kept - 1] : v[o.kept - 1];
                    assert_true(x < best || (x == best && e >= o.kept));
                }
            /* watching a loss is watching its negation as an accuracy */
            outcome mirror =
                follow(m ? GPBO_TRAINER_MONITOR_VAL_ACCURACY : GPBO_TRAINER_MONITOR_VAL_LOSS,
                       patience, d, neg, n);
            assert_int_equal(mirror.ran, o.ran);
            assert_int_equal(mirror.kept, o.kept);
        }
    }
    /* the curves do exercise both endings */
    printf("%zu of %zu runs stopped early\n", stopped, runs);
    assert_true(stopped > runs / 5 && stopped < runs - runs / 5);
}

static void expect(gpbo_trainer_monitor mon, size_t patience, double d, const double *v, size_t n,
                   size_t ran, size_t kept)
{
    outcome o = follow(mon, patience, d, v, n);
    if (o.ran != ran || o.kept != kept)
        fail_msg("monitor %d patience %zu min_delta %g: ran %zu kept %zu, expected %zu and %zu",
                 (int)mon, patience, d, o.ran, o.kept, ran, kept);
}

static void test_documented_cases(void **state)
{
    (void)state;
    const gpbo_trainer_monitor ACC = GPBO_TRAINER_MONITOR_VAL_ACCURACY,
                               LOSS = GPBO_TRAINER_MONITOR_VAL_LOSS;
    /* a plateau: equal is no improvement; stops 2 epochs after the kept one */
    const double plateau[] = {0.5, 0.625, 0.625, 0.625, 0.75};
    expect(ACC, 2, 0.0, plateau, 5, 4, 2);
    expect(ACC, 3, 0.0, plateau, 5, 5, 5);
    /* a rise of exactly min_delta is not more than it (Keras: current - min_delta > best) */
    const double exact[] = {0.5, 0.75, 0.625, 1.0};
    expect(ACC, 2, 0.25, exact, 4, 3, 1);
    expect(ACC, 2, 0.125, exact, 4, 4, 4);
    /* small steps that each miss min_delta but add up to more: compared with the kept epoch,
     * not the previous one */
    const double creep[] = {0.5, 0.5625, 0.625, 0.6875, 0.75};
    expect(ACC, 10, 0.125, creep, 5, 5, 4);
    /* a loss: lower is better; the accuracy's rule on it keeps the first epoch */
    const double loss[] = {1.0, 0.875, 0.9375, 0.75, 0.875, 0.875};
    expect(LOSS, 2, 0.0, loss, 6, 6, 4);
    expect(ACC, 2, 0.0, loss, 6, 3, 1);
    expect(LOSS, 2, 0.125, loss, 6, 3, 1); /* 0.875 is 0.125 below 1: not more */
    /* patience 0: never stops, still keeps the best */
    expect(LOSS, 0, 0.0, loss, 6, 6, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_curves),
        cmocka_unit_test(test_documented_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
