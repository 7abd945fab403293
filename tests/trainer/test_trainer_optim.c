/*
 * test_trainer_optim.c: each optimizer's update against steps computed by hand (two steps, so
 * that momentum and moment estimates matter), L1 / L2 / decoupled weight decay, and the
 * learning-rate schedules.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trainer_internal.h"
#include "trainer_optim.h"

/* A net whose only layer is dense 1 -> 2: W has 2 values, b has 2. */
static gpbo_net *tiny(void)
{
    gpbo_rng r;
    gpbo_rng_seed(&r, 3);
    gpbo_net *n = gpbo_net_new("mlp:", GPBO_TRAINER_ACT_RELU, 0.0, 1, 1, 1, 2, 1, &r);
    assert_non_null(n);
    assert_int_equal(n->nl, 1);
    n->L[0].W[0] = 0.5f;
    n->L[0].W[1] = -1.5f;
    n->L[0].b[0] = 0.25f;
    n->L[0].b[1] = 0.0f;
    return n;
}

static void set_grads(gpbo_net *n, float gw0, float gw1)
{
    n->L[0].dW[0] = gw0;
    n->L[0].dW[1] = gw1;
    n->L[0].db[0] = 0.1f;
    n->L[0].db[1] = -0.2f;
}

#define NEAR(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-6)

static void test_sgd(void **state)
{
    (void)state;
    for (int nest = 0; nest < 2; nest++) {
        gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
        c.optimizer = GPBO_TRAINER_OPT_SGD;
        c.momentum = 0.9;
        c.nesterov = nest;
        c.weight_decay = 0.01;
        gpbo_net *n = tiny();
        gpbo_optim o;
        assert_int_equal(gpbo_trainer__optim_init(&o, &c, n), 0);
        /* step 1: g = 2 + 0.01*0.5 = 2.005; buf = g; update = g (+ 0.9 buf with nesterov) */
        set_grads(n, 2.0f, 0.0f);
        gpbo_trainer__optim_step(&o, n, 0.1);
        double g1 = 2.0 + 0.01 * 0.5, buf = g1, w = 0.5 - 0.1 * (nest ? g1 + 0.9 * buf : buf);
        NEAR(n->L[0].W[0], w);
        /* bias: no decay */
        NEAR(n->L[0].b[0], 0.25 - 0.1 * (nest ? 0.1 + 0.9 * 0.1 : 0.1));
        /* step 2: g = 1 + 0.01 w; buf = 0.9 buf + g */
        set_grads(n, 1.0f, 0.0f);
        gpbo_trainer__optim_step(&o, n, 0.1);
        double g2 = 1.0 + 0.01 * w;
        buf = 0.9 * buf + g2;
        w = w - 0.1 * (nest ? g2 + 0.9 * buf : buf);
        NEAR(n->L[0].W[0], w);
        gpbo_trainer__optim_free(&o);
        gpbo_net_free(n);
    }
}

static void test_adam_adamw(void **state)
{
    (void)state;
    for (int decoupled = 0; decoupled < 2; decoupled++) {
        gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
        c.optimizer = GPBO_TRAINER_OPT_ADAM;
        c.weight_decay = decoupled ? 0.1 : 0.0;
        gpbo_net *n = tiny();
        gpbo_optim o;
        gpbo_trainer__optim_init(&o, &c, n);
        double w = -1.5, m = 0, v = 0, lr = 0.01;
        const float gs[2] = {0.3f, -0.7f};
        for (int t = 1; t <= 2; t++) {
            set_grads(n, 0.0f, gs[t - 1]);
            gpbo_trainer__optim_step(&o, n, lr);
            double g = gs[t - 1];
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            double mh = m / (1 - pow(0.9, t)), vh = v / (1 - pow(0.999, t));
            w = w * (1 - lr * c.weight_decay) - lr * mh / (sqrt(vh) + 1e-8);
            NEAR(n->L[0].W[1], w);
        }
        gpbo_trainer__optim_free(&o);
        gpbo_net_free(n);
    }
}

static void test_rmsprop_l1(void **state)
{
    (void)state;
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.optimizer = GPBO_TRAINER_OPT_RMSPROP;
    c.l1 = 0.05;
    gpbo_net *n = tiny();
    gpbo_optim o;
    gpbo_trainer__optim_init(&o, &c, n);
    double w = 0.5, v = 0;
    for (int t = 0; t < 2; t++) {
        set_grads(n, 0.4f, 0.0f);
        gpbo_trainer__optim_step(&o, n, 0.01);
        double g = 0.4 + 0.05 * (w > 0 ? 1 : -1);
        v = 0.99 * v + 0.01 * g * g;
        w -= 0.01 * g / (sqrt(v) + 1e-8);
        NEAR(n->L[0].W[0], w);
    }
    gpbo_trainer__optim_free(&o);
    gpbo_net_free(n);
}

static void test_schedules(void **state)
{
    (void)state;
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.lr = 0.1;
    c.epochs = 12;
    NEAR(gpbo_trainer__lr_at(&c, 7), 0.1);
    c.schedule = GPBO_TRAINER_SCHED_EXPONENTIAL;
    c.gamma = 0.9;
    NEAR(gpbo_trainer__lr_at(&c, 3), 0.1 * 0.729);
    c.schedule = GPBO_TRAINER_SCHED_STEP;
    c.step_size = 5;
    c.gamma = 0.5;
    NEAR(gpbo_trainer__lr_at(&c, 4), 0.1);
    NEAR(gpbo_trainer__lr_at(&c, 5), 0.05);
    NEAR(gpbo_trainer__lr_at(&c, 11), 0.025);
    c.schedule = GPBO_TRAINER_SCHED_COSINE;
    NEAR(gpbo_trainer__lr_at(&c, 0), 0.1);
    NEAR(gpbo_trainer__lr_at(&c, 6), 0.05);
    c.warmup_epochs = 2;
    NEAR(gpbo_trainer__lr_at(&c, 0), 0.1 / 3);
    NEAR(gpbo_trainer__lr_at(&c, 1), 0.2 / 3);
    NEAR(gpbo_trainer__lr_at(&c, 2), 0.1);
    NEAR(gpbo_trainer__lr_at(&c, 7), 0.05); /* cosine over the 10 epochs after warmup */
    /* a warmup of SIZE_MAX epochs: w + 1 wrapped to 0 and the rate was infinite (gpbo train
     * --warmup_epochs 18446744073709551615 then said the run diverged) */
    c.warmup_epochs = SIZE_MAX;
    double tiny = gpbo_trainer__lr_at(&c, 0);
    assert_true(isfinite(tiny) && tiny > 0.0 && tiny < 1e-18);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_adam_adamw),
        cmocka_unit_test(test_rmsprop_l1),
        cmocka_unit_test(test_schedules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
