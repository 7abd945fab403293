/*
 * test_trainer_layers.c: gradients of the loss with respect to the inputs and every parameter,
 * for dense, convolution, pooling, ReLU and tanh layers, against central differences.
 *
 * The network computes in float32, so the differences use a step of 1e-2 (truncation error
 * O(h^2) ~ 1e-4, rounding ~ 1e-7 / h = 1e-5) and the comparison allows 2e-2 relative plus
 * 2e-4 absolute. ReLU and max pooling have kinks: a component whose step changes which ReLU
 * outputs are positive or which input wins a pooling window straddles one; it is tried again
 * with a step of 1e-3 (1e-3 absolute), then skipped (and counted: at most a third may
 * be), so that the check holds whatever the seed (40 seeds tried; XSEED=N sets it). (Until
 * 2026-12-05 a kink was guessed from the quotients at h and h/2 disagreeing; one that both
 * straddled passed as a wrong gradient, and the test held at its one seed only.) Also: the
 * initialization (the output layer's, PyTorch's).
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
    uint64_t key; /* with dropout: the training forward's masks (fixed by the key), else 0 */
} fixture;

/* A hash of the network's kinks as the last forward pass left them: which ReLU outputs are
 * positive and which input won each pooling window. Between two points of equal pattern the
 * loss is smooth (ReLU linear, pooling a fixed selection), so a difference quotient there is
 * accurate; one whose ends differ in pattern straddles a kink. */
static uint64_t kinks(const gpbo_net *n, size_t B)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n->nl; i++) {
        const gpbo_layer *l = &n->L[i];
        for (size_t j = 0; j < B * l->out; j++) {
            uint64_t v = 0;
            if (l->kind == GPBO_L_ACT && l->act == GPBO_TRAINER_ACT_RELU)
                v = l->y[j] > 0.0f;
            else if (l->kind == GPBO_L_POOL) /* a window of zeros (dead ReLUs) has no winner */
                v = l->y[j] == 0.0f ? UINT64_MAX : (uint64_t)l->arg[j];
            else
                break;
            h = (h ^ v) * 1099511628211u;
        }
    }
    return h;
}

static double loss_at(fixture *f, uint64_t *pattern)
{
    /* with dropout, the training pass with the key's masks: the loss is then a smooth function
     * of the masked network (the masks depend on the key, never on the values) */
    gpbo_net_forward_part(f->net, f->x, f->B, f->key != 0, f->key, 0);
    *pattern = kinks(f->net, f->B);
    return gpbo_net_loss(f->net, f->y, f->B, 0);
}

/* Central difference of the loss in *p with step h; sets *kinked when the two ends, or the
 * point itself, are on different sides of a kink. */
static double fd(fixture *f, float *p, float h, int *kinked)
{
    float keep = *p;
    uint64_t k0, ka, kb;
    loss_at(f, &k0);
    *p = keep + h;
    double a = loss_at(f, &ka);
    *p = keep - h;
    double b = loss_at(f, &kb);
    *p = keep;
    *kinked = ka != k0 || kb != k0;
    return (a - b) / (2.0 * (double)h);
}

/* Checks analytic gradients g of the n values at p; returns failures, counts skipped kinks. A
 * component whose step of 1e-2 straddles a kink is tried with 1e-3, then skipped. */
static size_t check(fixture *f, float *p, const float *g, size_t n, size_t stride, size_t *skipped,
                    const char *what)
{
    size_t fails = 0;
    for (size_t i = 0; i < n; i += stride) {
        int kinked;
        double d1 = fd(f, p + i, 1e-2f, &kinked);
        double tol = 2e-2 * fmax(fabs(d1), fabs((double)g[i])) + 2e-4;
        if (kinked) {
            d1 = fd(f, p + i, 1e-3f, &kinked);
            tol = 2e-2 * fmax(fabs(d1), fabs((double)g[i])) + 1e-3;
        }
        if (kinked) {
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

/* Checks spec's gradients against finite differences; with dropout > 0, those of the training
 * pass through one fixed set of masks (the forward's key held, so that every difference sees
 * the masks the analytic gradient went through). */
static void check_net_dropout(const char *spec, gpbo_trainer_activation act, double dropout,
                              size_t c, size_t h, size_t w)
{
    gpbo_rng r;
    gpbo_rng_seed(&r, getenv("XSEED") ? strtoull(getenv("XSEED"), NULL, 10) : 2385);
    fixture f;
    f.B = 3;
    f.net = gpbo_net_new(spec, act, dropout, c, h, w, 4, f.B, &r);
    assert_non_null(f.net);
    f.key = dropout > 0 ? gpbo_rng_u64(&r) | 1 : 0;
    size_t in = c * h * w;
    f.x = malloc(f.B * in * sizeof *f.x);
    f.y = malloc(f.B * sizeof *f.y);
    for (size_t i = 0; i < f.B * in; i++)
        f.x[i] = (float)gpbo_rng_normal(&r);
    for (size_t b = 0; b < f.B; b++)
        f.y[b] = (int32_t)gpbo_rng_below(&r, 4);
    float *gin = malloc(f.B * in * sizeof *gin);
    if (f.key != 0)
        gpbo_net_forward_part(f.net, f.x, f.B, 1, f.key, 0);
    else
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
    /* a unit within 1e-3 of its kink makes every component that feeds it straddle one: up to a
     * quarter of these small ReLU networks' at 2 of 40 seeds, under 8 % at the others */
    if (fails > 0 || skipped * 3 > checked)
        fail_msg("%s: %zu of %zu components wrong, %zu skipped at kinks", spec, fails, checked,
                 skipped);
    free(gin);
    free(f.x);
    free(f.y);
    gpbo_net_free(f.net);
}

static void check_net(const char *spec, gpbo_trainer_activation act, size_t c, size_t h, size_t w)
{
    check_net_dropout(spec, act, 0.0, c, h, w);
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

/* No hidden layer ("mlp:", "mlp"): the output layer alone on the flattened input, a linear
 * softmax classifier, its gradients against finite differences (images flattened too); its
 * parameters are those of multinomial logistic regression, (in + 1) x classes. */
static void test_linear(void **state)
{
    (void)state;
    check_net("mlp:", GPBO_TRAINER_ACT_RELU, 1, 1, 6);
    check_net("mlp", GPBO_TRAINER_ACT_TANH, 2, 3, 4);
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    gpbo_net *n = gpbo_net_new("mlp:", GPBO_TRAINER_ACT_RELU, 0.0, 1, 28, 28, 10, 4, &r);
    assert_non_null(n);
    assert_int_equal(n->nl, 1);
    assert_int_equal(n->L[0].kind, GPBO_L_DENSE);
    assert_int_equal(n->nparams, (784 + 1) * 10);
    gpbo_net_free(n);
}

/* A linear model's dropout is on its input (the one place it has), as inverted dropout after a
 * hidden layer: each input kept with probability 1 - p and scaled by 1 / (1 - p) in training,
 * passed unchanged in evaluation; the input's gradient goes through the mask. Before, "mlp:"
 * had nowhere to put its dropout and trained without it, saying nothing. */
static void test_linear_dropout(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    const size_t in = 1000, B = 2;
    gpbo_net *n = gpbo_net_new("mlp:", GPBO_TRAINER_ACT_RELU, 0.3, 1, 1, in, 3, B, &r);
    assert_non_null(n);
    assert_int_equal(n->nl, 2);
    assert_int_equal(n->L[0].kind, GPBO_L_DROPOUT);
    assert_int_equal(n->L[0].in, in);
    assert_int_equal(n->L[1].kind, GPBO_L_DENSE);
    assert_int_equal(n->nparams, (in + 1) * 3);
    float *x = malloc(B * in * sizeof *x), *gin = malloc(B * in * sizeof *gin);
    assert_non_null(x);
    assert_non_null(gin);
    for (size_t i = 0; i < B * in; i++)
        x[i] = (float)gpbo_rng_normal(&r) + 2.385f;
    int32_t y[2] = {1, 2};
    gpbo_net_forward(n, x, B, 1, &r);
    size_t zero = 0;
    for (size_t i = 0; i < B * in; i++) {
        float m = n->L[0].mask[i];
        assert_true(m == 0.0f || fabsf(m - 1.0f / 0.7f) < 1e-6f);
        assert_true(n->L[0].y[i] == x[i] * m);
        zero += m == 0.0f;
    }
    assert_true(zero > 510 && zero < 690); /* 600 expected, sd 20.5 */
    gpbo_net_loss(n, y, B, 1);
    gpbo_net_backward(n, x, B, gin);
    /* dL/dx = mask * (W g), the dense layer's input gradient through the mask */
    for (size_t i = 0; i < B * in; i++)
        assert_true(gin[i] == n->L[1].gin[i] * n->L[0].mask[i]);
    /* the weights' gradient sees the dropped input: x_masked^T g */
    const float *g = n->g;
    for (size_t k = 0; k < in; k += 97)
        for (size_t c = 0; c < 3; c++) {
            double want = 0.0;
            for (size_t b = 0; b < B; b++)
                want += (double)n->L[0].y[b * in + k] * (double)g[b * 3 + c];
            assert_true(fabs(want - (double)n->L[1].dW[k * 3 + c]) < 1e-5 * (1.0 + fabs(want)));
        }
    gpbo_net_forward(n, x, B, 0, NULL); /* evaluation: the input unchanged */
    assert_memory_equal(n->L[0].y, x, B * in * sizeof *x);
    free(x);
    free(gin);
    gpbo_net_free(n);
}

/* Gradients through dropout's masks (the training pass, its masks held) against finite
 * differences: after a hidden dense layer, on a linear model's input, and on the flattened
 * features of a CNN with no dense hidden layer, after a pooling or straight after a
 * convolution's activation (the fused convolution + ReLU forward feeding it). */
static void test_dropout_gradients(void **state)
{
    (void)state;
    check_net_dropout("mlp:7-5", GPBO_TRAINER_ACT_TANH, 0.5, 1, 1, 6);
    check_net_dropout("cnn:c3k3-p2-d6", GPBO_TRAINER_ACT_RELU, 0.25, 1, 6, 6);
    check_net_dropout("cnn:c4k5-p2", GPBO_TRAINER_ACT_RELU, 0.3, 1, 8, 6);
    check_net_dropout("cnn:c3k3", GPBO_TRAINER_ACT_TANH, 0.5, 2, 5, 5);
    check_net_dropout("cnn:c3k3-c2k1", GPBO_TRAINER_ACT_RELU, 0.2, 1, 5, 4);
    check_net_dropout("cnn:", GPBO_TRAINER_ACT_RELU, 0.4, 2, 3, 4);
}

/* A CNN with no dense hidden layer ("cnn:c4k5-p2": convolution and pooling straight into the
 * output layer) drops out the flattened features that feed the output layer, as
 * nn.Flatten(), nn.Dropout(p), nn.Linear: inverted dropout, each feature kept with probability
 * 1 - p and scaled by 1 / (1 - p) in training, passed unchanged in evaluation, the gradient
 * going back through the mask. Before, such a CNN had no dropout layer and trained as with
 * dropout 0, saying nothing. With a dense hidden layer, dropout stays after it alone. */
static void test_cnn_dropout(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    const size_t B = 3, in = 2 * 12 * 10, feat = 8 * 6 * 5;
    gpbo_net *n = gpbo_net_new("cnn:c8k5-p2", GPBO_TRAINER_ACT_RELU, 0.35, 2, 12, 10, 4, B, &r);
    assert_non_null(n);
    /* conv, act, pool, dropout, output */
    assert_int_equal(n->nl, 5);
    gpbo_layer *pool = &n->L[2], *drop = &n->L[3], *out = &n->L[4];
    assert_int_equal(pool->kind, GPBO_L_POOL);
    assert_int_equal(drop->kind, GPBO_L_DROPOUT);
    assert_int_equal(drop->in, feat);
    assert_int_equal(drop->out, feat);
    assert_int_equal(out->kind, GPBO_L_DENSE);
    assert_int_equal(out->in, feat);
    /* dropout has no parameters */
    assert_int_equal(n->nparams, 8 * 2 * 25 + 8 + (feat + 1) * 4);
    float *x = malloc(B * in * sizeof *x), *gin = malloc(B * in * sizeof *gin);
    assert_non_null(x);
    assert_non_null(gin);
    for (size_t i = 0; i < B * in; i++)
        x[i] = (float)gpbo_rng_normal(&r) + 0.5f;
    int32_t y[3] = {1, 3, 0};
    gpbo_net_forward(n, x, B, 1, &r);
    size_t zero = 0;
    for (size_t i = 0; i < B * feat; i++) {
        float m = drop->mask[i];
        assert_true(m == 0.0f || fabsf(m - 1.0f / 0.65f) < 1e-6f);
        assert_true(drop->y[i] == pool->y[i] * m);
        zero += m == 0.0f;
    }
    assert_true(zero > 188 && zero < 316); /* 252 of 720 expected, sd 12.8 */
    gpbo_net_loss(n, y, B, 1);
    gpbo_net_backward(n, x, B, gin);
    /* the pooled features' gradient is the output layer's input gradient through the mask */
    for (size_t i = 0; i < B * feat; i++)
        assert_true(drop->gin[i] == out->gin[i] * drop->mask[i]);
    /* the output weights' gradient sees the dropped features: y_dropped^T g */
    for (size_t k = 0; k < feat; k += 13)
        for (size_t c = 0; c < 4; c++) {
            double want = 0.0;
            for (size_t b = 0; b < B; b++)
                want += (double)drop->y[b * feat + k] * (double)n->g[b * 4 + c];
            assert_true(fabs(want - (double)out->dW[k * 4 + c]) < 1e-5 * (1.0 + fabs(want)));
        }
    gpbo_net_forward(n, x, B, 0, NULL); /* evaluation: the features unchanged */
    assert_memory_equal(drop->y, pool->y, B * feat * sizeof *x);
    free(x);
    free(gin);
    gpbo_net_free(n);
    /* straight after a convolution's activation, and on the input of "cnn:" (no layer at all) */
    n = gpbo_net_new("cnn:c3k3", GPBO_TRAINER_ACT_TANH, 0.5, 1, 4, 4, 3, 2, &r);
    assert_non_null(n);
    assert_int_equal(n->nl, 4);
    assert_int_equal(n->L[2].kind, GPBO_L_DROPOUT);
    assert_int_equal(n->L[2].in, 3 * 16);
    gpbo_net_free(n);
    n = gpbo_net_new("cnn:", GPBO_TRAINER_ACT_RELU, 0.5, 1, 4, 4, 3, 2, &r);
    assert_non_null(n);
    assert_int_equal(n->nl, 2);
    assert_int_equal(n->L[0].kind, GPBO_L_DROPOUT);
    assert_int_equal(n->L[0].in, 16);
    gpbo_net_free(n);
    /* a dense hidden layer keeps dropout after it alone: conv, act, pool, dense, act, dropout,
     * output */
    n = gpbo_net_new("cnn:c3k3-p2-d5", GPBO_TRAINER_ACT_RELU, 0.5, 1, 4, 4, 3, 2, &r);
    assert_non_null(n);
    assert_int_equal(n->nl, 7);
    for (size_t i = 0; i < n->nl; i++)
        assert_true((n->L[i].kind == GPBO_L_DROPOUT) == (i == 5));
    gpbo_net_free(n);
    /* dropout 0: no dropout layer anywhere */
    n = gpbo_net_new("cnn:c3k3-p2", GPBO_TRAINER_ACT_RELU, 0.0, 1, 4, 4, 3, 2, &r);
    assert_non_null(n);
    assert_int_equal(n->nl, 4);
    gpbo_net_free(n);
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
    /* a size past the limit is named as such, not as a spec that cannot be read; 100000 is
     * still read (and refused only further on, for memory, which no test here asks) */
    const char *big[] = {"mlp:100001", "mlp:16-99999999999999999999999", "cnn:c200000k3",
                         "cnn:c4k100001"};
    for (size_t i = 0; i < sizeof big / sizeof *big; i++) {
        assert_null(gpbo_net_new(big[i], GPBO_TRAINER_ACT_RELU, 0.0, 1, 8, 8, 3, 4, &r));
        assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
        assert_non_null(strstr(gpbo_error_message(), "is more than 100000"));
    }
    n = gpbo_net_new("mlp:100000", GPBO_TRAINER_ACT_RELU, 0.0, 1, 1, 3, 2, 1, &r);
    assert_non_null(n);
    gpbo_net_free(n);
}

/* Mean first loss of spec on N(0, 1) inputs of shape (1, rows, cols), 10 classes, over seeds. */
static double first_loss(const char *spec, gpbo_trainer_activation act, size_t rows, size_t cols)
{
    const size_t B = 256, C = 10, in = rows * cols, seeds = 4;
    float *x = malloc(B * in * sizeof *x);
    int32_t *y = malloc(B * sizeof *y);
    assert_non_null(x);
    assert_non_null(y);
    double sum = 0.0;
    for (size_t s = 0; s < seeds; s++) {
        gpbo_rng r;
        gpbo_rng_seed(&r, 2385 + s);
        gpbo_net *n = gpbo_net_new(spec, act, 0.0, 1, rows, cols, C, B, &r);
        assert_non_null(n);
        for (size_t i = 0; i < B * in; i++)
            x[i] = (float)gpbo_rng_normal(&r);
        for (size_t i = 0; i < B; i++)
            y[i] = (int32_t)gpbo_rng_below(&r, C);
        gpbo_net_forward(n, x, B, 0, NULL);
        sum += gpbo_net_loss(n, y, B, 0);
        gpbo_net_free(n);
    }
    free(x);
    free(y);
    return sum / (double)seeds;
}

/* The output layer is initialized as PyTorch's nn.Linear (uniform in +-1/sqrt(fan_in), weights
 * and bias), the hidden ones He (ReLU). Before, the output layer was He's too: its gain sqrt(2),
 * meant for a ReLU after the layer, doubled the logits' variance, and the first loss on N(0, 1)
 * inputs was 3.0 for mlp:256-128 and 4.9 for the bench's CNN, where PyTorch's default
 * initialization gives ln 10 = 2.30 for both (torch 1.13; bench/trainer prints the two). Now
 * 2.47 and 2.77 (max pooling raises the CNN's activations): under ln 10 + 0.4 and + 0.6. */
static void test_output_layer_init(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 7);
    gpbo_net *n = gpbo_net_new("mlp:256-128", GPBO_TRAINER_ACT_RELU, 0.0, 1, 28, 28, 10, 4, &r);
    assert_non_null(n);
    const gpbo_layer *hid = &n->L[0], *out = &n->L[n->nl - 1];
    assert_int_equal(out->in, 128);
    double a = 1.0 / sqrt(128.0), s2 = 0.0, h2 = 0.0;
    for (size_t i = 0; i < out->nW; i++) {
        assert_true(fabs((double)out->W[i]) <= a);
        s2 += (double)out->W[i] * out->W[i];
    }
    size_t nonzero = 0;
    for (size_t i = 0; i < out->nb; i++) {
        assert_true(fabs((double)out->b[i]) <= a);
        nonzero += out->b[i] != 0.0f;
    }
    assert_int_equal(nonzero, out->nb);
    /* uniform in +-a: variance a^2 / 3 (1280 draws: the sample's within 10 %) */
    double var = s2 / (double)out->nW;
    assert_true(fabs(var / (a * a / 3.0) - 1.0) < 0.1);
    /* the hidden layers keep He: variance 2 / fan_in */
    for (size_t i = 0; i < hid->nW; i++)
        h2 += (double)hid->W[i] * hid->W[i];
    assert_true(fabs(h2 / (double)hid->nW / (2.0 / 784.0) - 1.0) < 0.02);
    gpbo_net_free(n);

    double bound = log(10.0) + 0.4, cnn_bound = log(10.0) + 0.6;
    double mlp = first_loss("mlp:256-128", GPBO_TRAINER_ACT_RELU, 28, 28);
    double cnn = first_loss("cnn:c32k5-p2-c64k5-p2-d1024", GPBO_TRAINER_ACT_RELU, 28, 28);
    double tanh_mlp = first_loss("mlp:256-128", GPBO_TRAINER_ACT_TANH, 28, 28);
    printf("first loss on N(0, 1) inputs: mlp %.3f, cnn %.3f, tanh mlp %.3f (ln 10 = %.3f)\n", mlp,
           cnn, tanh_mlp, log(10.0));
    assert_true(mlp < bound && mlp > log(10.0) - 0.05);
    assert_true(cnn < cnn_bound && cnn > log(10.0) - 0.05);
    assert_true(tanh_mlp < bound && tanh_mlp > log(10.0) - 0.05);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlp_tanh),          cmocka_unit_test(test_mlp_relu),
        cmocka_unit_test(test_cnn_tanh),          cmocka_unit_test(test_cnn_relu),
        cmocka_unit_test(test_cnn_chunked),       cmocka_unit_test(test_dropout_and_specs),
        cmocka_unit_test(test_output_layer_init), cmocka_unit_test(test_linear),
        cmocka_unit_test(test_linear_dropout),    cmocka_unit_test(test_dropout_gradients),
        cmocka_unit_test(test_cnn_dropout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
