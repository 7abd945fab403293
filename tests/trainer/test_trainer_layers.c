/*
 * test_trainer_layers.c: gradients of the loss with respect to the inputs and every parameter,
 * for dense, convolution, pooling, ReLU and tanh layers, against central differences.
 *
 * The network computes in float32, so the differences use a step of 1e-2 (truncation error
 * O(h^2) ~ 1e-4, rounding ~ 1e-7 / h = 1e-5) and the comparison allows 2e-2 relative plus
 * 2e-4 absolute. ReLU and max pooling have kinks: a component whose difference quotients at h
 * and h/2 disagree by more than the tolerance straddles one and is skipped (and counted: at
 * most a few percent may be).
 */
#include <math.h>
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
#include "trainer_internal.h"

typedef struct fixture {
    gpbo_net *net;
    float *x;
    int32_t *y;
    size_t B;
} fixture;

static double loss_at(fixture *f)
{
    gpbo_net_forward(f->net, f->x, f->B, 0, NULL);
    return gpbo_net_loss(f->net, f->y, f->B, 0);
}

/* Central difference of the loss in *p with step h. */
static double fd(fixture *f, float *p, float h)
{
    float keep = *p;
    *p = keep + h;
    double a = loss_at(f);
    *p = keep - h;
    double b = loss_at(f);
    *p = keep;
    return (a - b) / (2.0 * (double)h);
}

/* Checks analytic gradients g of the n values at p; returns failures, counts skipped kinks. */
static size_t check(fixture *f, float *p, const float *g, size_t n, size_t stride, size_t *skipped,
                    const char *what)
{
    size_t fails = 0;
    for (size_t i = 0; i < n; i += stride) {
        double d1 = fd(f, p + i, 1e-2f), d2 = fd(f, p + i, 5e-3f);
        double tol = 2e-2 * fmax(fabs(d1), fabs((double)g[i])) + 2e-4;
        if (fabs(d1 - d2) > tol) {
            (*skipped)++;
            continue;
        }
        if (fabs(d1 - (double)g[i]) > tol) {
            if (fails < 5)
                printf("%s[%zu]: analytic %.6g, finite differences %.6g\n", what, i, (double)g[i],
                       d1);
            fails++;
        }
    }
    return fails;
}

static void check_net(const char *spec, gpbo_trainer_activation act, size_t c, size_t h, size_t w)
{
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    fixture f;
    f.B = 3;
    f.net = gpbo_net_new(spec, act, 0.0, c, h, w, 4, f.B, &r);
    assert_non_null(f.net);
    size_t in = c * h * w;
    f.x = malloc(f.B * in * sizeof *f.x);
    f.y = malloc(f.B * sizeof *f.y);
    for (size_t i = 0; i < f.B * in; i++)
        f.x[i] = (float)gpbo_rng_normal(&r);
    for (size_t b = 0; b < f.B; b++)
        f.y[b] = (int32_t)gpbo_rng_below(&r, 4);
    float *gin = malloc(f.B * in * sizeof *gin);
    gpbo_net_forward(f.net, f.x, f.B, 1, &r);
    gpbo_net_loss(f.net, f.y, f.B, 1);
    gpbo_net_backward(f.net, f.x, f.B, gin);
    size_t skipped = 0, checked = 0, fails = 0;
    fails += check(&f, f.x, gin, f.B * in, 1, &skipped, "input");
    checked += f.B * in;
    for (size_t i = 0; i < f.net->nl; i++) {
        gpbo_layer *l = &f.net->L[i];
        if (l->nW == 0)
            continue;
        /* copies: the finite differences run forward passes that leave dW alone, but be safe */
        float *dW = malloc(l->nW * sizeof *dW), *db = malloc(l->nb * sizeof *db);
        memcpy(dW, l->dW, l->nW * sizeof *dW);
        memcpy(db, l->db, l->nb * sizeof *db);
        size_t stride = l->nW > 400 ? 7 : 1;
        fails += check(&f, l->W, dW, l->nW, stride, &skipped, "W");
        fails += check(&f, l->b, db, l->nb, 1, &skipped, "b");
        checked += l->nW / stride + l->nb;
        free(dW);
        free(db);
    }
    if (fails > 0 || skipped * 20 > checked)
        fail_msg("%s: %zu of %zu components wrong, %zu skipped at kinks", spec, fails, checked,
                 skipped);
    free(gin);
    free(f.x);
    free(f.y);
    gpbo_net_free(f.net);
}

static void test_mlp_tanh(void **state)
{
    (void)state;
    check_net("mlp:7-5", GPBO_TRAINER_ACT_TANH, 1, 1, 6);
}

static void test_mlp_relu(void **state)
{
    (void)state;
    check_net("mlp:9-6", GPBO_TRAINER_ACT_RELU, 1, 1, 8);
}

static void test_cnn_tanh(void **state)
{
    (void)state;
    check_net("cnn:c3k3-p2-c4k3-d5", GPBO_TRAINER_ACT_TANH, 2, 6, 6);
}

static void test_cnn_relu(void **state)
{
    (void)state;
    check_net("cnn:c3k5-p2-d6", GPBO_TRAINER_ACT_RELU, 1, 8, 6);
    /* odd sizes: pooling windows that leave a row or a column out (the fused ReLU + pooling
     * backward of net.c), twice */
    check_net("cnn:c4k3-p2-c3k3-p2-d5", GPBO_TRAINER_ACT_RELU, 1, 9, 7);
}

/* The convolutions in chunks of one image (the forward's and the backward's chunk loops, the
 * gradient of the weights accumulated across chunks). */
static void test_cnn_chunked(void **state)
{
    (void)state;
    size_t saved = gpbo_trainer__conv_chunk_bytes;
    gpbo_trainer__conv_chunk_bytes = 1;
    check_net("cnn:c3k3-p2-c4k3-d5", GPBO_TRAINER_ACT_TANH, 2, 6, 6);
    check_net("cnn:c3k5-p2-d6", GPBO_TRAINER_ACT_RELU, 1, 8, 6);
    gpbo_trainer__conv_chunk_bytes = saved;
}

static void test_dropout_and_specs(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 1);
    gpbo_net *n = gpbo_net_new("mlp:1000", GPBO_TRAINER_ACT_RELU, 0.25, 1, 1, 3, 2, 1, &r);
    assert_non_null(n);
    /* layers: dense, act, dropout, dense */
    assert_int_equal(n->nl, 4);
    assert_int_equal(n->L[2].kind, GPBO_L_DROPOUT);
    float x[3] = {1.0f, -2.0f, 0.5f};
    gpbo_net_forward(n, x, 1, 1, &r);
    size_t zero = 0;
    for (size_t i = 0; i < 1000; i++) {
        float m = n->L[2].mask[i];
        assert_true(m == 0.0f || fabsf(m - 1.0f / 0.75f) < 1e-6f);
        zero += m == 0.0f;
        assert_true(n->L[2].y[i] == n->L[1].y[i] * m);
    }
    assert_true(zero > 180 && zero < 320); /* 250 expected, sd 14 */
    gpbo_net_forward(n, x, 1, 0, NULL);    /* evaluation: identity */
    assert_memory_equal(n->L[2].y, n->L[1].y, 1000 * sizeof(float));
    assert_int_equal(n->nparams, 3 * 1000 + 1000 + 1000 * 2 + 2);
    gpbo_net_free(n);
    const char *bad[] = {"rnn:5",       "mlp:5-x", "cnn:c3k4", "cnn:p3",
                         "cnn:d5-c3k3", "mlp:0",   "mlp:16-",  "cnn:c4k3-p2-"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_null(gpbo_net_new(bad[i], GPBO_TRAINER_ACT_RELU, 0.0, 1, 8, 8, 3, 4, &r));
        assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    }
    assert_null(gpbo_net_new("mlp:4", GPBO_TRAINER_ACT_RELU, 1.0, 1, 8, 8, 3, 4, &r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlp_tanh),    cmocka_unit_test(test_mlp_relu),
        cmocka_unit_test(test_cnn_tanh),    cmocka_unit_test(test_cnn_relu),
        cmocka_unit_test(test_cnn_chunked), cmocka_unit_test(test_dropout_and_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
