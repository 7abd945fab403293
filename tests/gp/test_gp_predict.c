/*
 * test_gp_predict.c: prediction: gradients of mean and variance in x (finite differences,
 * every kernel, with and without a workspace), agreement of predict / predict_grad /
 * predict_cov, interpolation when the noise is tiny, the prior at n = 0, and joint samples
 * whose empirical moments match the posterior.
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

#include "gp_testdata.h"
#include "gpbo/gp.h"
#include "gradcheck.h"

static const gpbo_kernel_type kernels[] = {GPBO_KERNEL_SE, GPBO_KERNEL_MATERN12,
                                           GPBO_KERNEL_MATERN32, GPBO_KERNEL_MATERN52};

static void test_cov_matches_predict(void **state);
static void test_samples_moments(void **state);

static int g_additive; /* build the models with the additive form of the kernel */

static gpbo_gp *make_model(gpbo_kernel_type kt, size_t n, size_t d, int normalize)
{
    double *x = malloc(n * d * sizeof *x), *y = malloc(n * sizeof *y);
    gp_test_problem(n, d, 5 + kt, x, y);
    gpbo_gp *gp = gpbo_gp_new(kt, d);
    assert_non_null(gp);
    assert_int_equal(gpbo_gp_set_normalize(gp, normalize), GPBO_OK);
    double theta[16];
    for (size_t k = 0; k < d; k++)
        theta[k] = log(0.27 + 0.19 * (double)k);
    theta[d] = log(1.3);
    theta[d + 1] = log(0.013);
    assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
    assert_int_equal(gpbo_gp_set_additive(gp, g_additive), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data(gp, n, x, y), GPBO_OK);
    free(x);
    free(y);
    return gp;
}

typedef struct pred_payload {
    const gpbo_gp *gp;
    int which; /* 0 mean, 1 var */
} pred_payload;

static int pred_fn(const double *x, double *out, void *payload)
{
    pred_payload *p = payload;
    double m, v;
    if (gpbo_gp_predict(p->gp, 1, x, &m, &v) != GPBO_OK)
        return -1;
    *out = p->which ? v : m;
    return 0;
}

static void test_prediction_gradients(void **state)
{
    (void)state;
    gpbo_gp_workspace *ws = gpbo_gp_workspace_new();
    assert_non_null(ws);
    for (size_t k = 0; k < 4; k++) {
        for (int norm = 0; norm < 2; norm++) {
            size_t d = 3, m = 5;
            gpbo_gp *gp = make_model(kernels[k], 30, d, norm);
            double xq[15], mean[5], var[5], dm[15], dv[15], mean2[5], var2[5];
            gpbo_rng r;
            gpbo_rng_seed(&r, 77 + k);
            for (size_t i = 0; i < m * d; i++)
                xq[i] = gpbo_rng_uniform(&r);
            assert_int_equal(gpbo_gp_predict_grad(gp, k % 2 ? ws : NULL, m, xq, mean, var, dm, dv),
                             GPBO_OK);
            assert_int_equal(gpbo_gp_predict(gp, m, xq, mean2, var2), GPBO_OK);
            for (size_t i = 0; i < m; i++) {
                assert_true(fabs(mean[i] - mean2[i]) <= 1e-12 * (1 + fabs(mean2[i])));
                assert_true(fabs(var[i] - var2[i]) <= 1e-12 * (1 + fabs(var2[i])));
                char label[64];
                pred_payload pm = {gp, 0}, pv = {gp, 1};
                snprintf(label, sizeof label, "%s mean point %zu", gpbo_gp_kernel_name(gp), i);
                assert_int_equal(gpbo_test_check_gradient(label, pred_fn, &pm, d, xq + i * d,
                                                          dm + i * d, 1e-6, 1e-5, 1e-7),
                                 0);
                snprintf(label, sizeof label, "%s var point %zu", gpbo_gp_kernel_name(gp), i);
                assert_int_equal(gpbo_test_check_gradient(label, pred_fn, &pv, d, xq + i * d,
                                                          dv + i * d, 1e-6, 1e-5, 1e-8),
                                 0);
            }
            /* Only the outputs asked for: NULL gradients are allowed. */
            assert_int_equal(gpbo_gp_predict_grad(gp, ws, m, xq, mean2, var2, NULL, NULL), GPBO_OK);
            assert_true(mean2[0] == mean[0] && var2[0] == var[0]);
            gpbo_gp_free(gp);
        }
    }
    gpbo_gp_workspace_free(ws);
    gpbo_gp_workspace_free(NULL);
}

/* Prediction gradients, covariance and samples of the additive form (not interpolation: a sum
 * of one-input functions cannot pass through arbitrary data). */
static void test_additive(void **state)
{
    g_additive = 1;
    test_prediction_gradients(state);
    test_cov_matches_predict(state);
    test_samples_moments(state);
    g_additive = 0;
}

/* The additive form's predictions against its definition with more observations than the
 * cross-covariance's block (gp/predict.c evaluates the kernel 128 points at a time): K and k*
 * built by hand from one-input Matern 5/2 terms, a plain Cholesky, mean and variance. */
static void test_additive_blocks(void **state)
{
    (void)state;
    size_t n = 300, d = 2;
    double *x = malloc(n * d * sizeof *x), *y = malloc(n * sizeof *y);
    double *K = malloc(n * n * sizeof *K), *ks = malloc(n * sizeof *ks);
    assert_true(x && y && K && ks);
    gp_test_problem(n, d, 31, x, y);
    double th[4] = {log(0.3), log(0.8), log(1.4), log(0.02)};
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
    assert_int_equal(gpbo_gp_set_normalize(gp, 0), GPBO_OK);
    assert_int_equal(gpbo_gp_set_additive(gp, 1), GPBO_OK);
    assert_int_equal(gpbo_gp_set_params(gp, th), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data(gp, n, x, y), GPBO_OK);
    double s2 = exp(th[2]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++)
                s += gp_test_kernel(GPBO_KERNEL_MATERN52,
                                    fabs(x[i * d + k] - x[j * d + k]) / exp(th[k]));
            K[i * n + j] = s2 * s / (double)d + (i == j ? exp(th[3]) : 0.0);
        }
    gp_test_cholesky(n, K);
    double *z = malloc(n * sizeof *z); /* L^-1 y */
    assert_non_null(z);
    for (size_t i = 0; i < n; i++) {
        double s = y[i];
        for (size_t k = 0; k < i; k++)
            s -= K[i * n + k] * z[k];
        z[i] = s / K[i * n + i];
    }
    double q[6] = {0.13, 0.71, 0.5, 0.5, 0.97, 0.02}, mean[3], var[3];
    assert_int_equal(gpbo_gp_predict(gp, 3, q, mean, var), GPBO_OK);
    for (size_t p = 0; p < 3; p++) {
        double m = 0.0, v = s2;
        for (size_t i = 0; i < n; i++) { /* ks = L^-1 k*, so mean = ks . z, var = s2 - |ks|^2 */
            double s = 0.0;
            for (size_t k = 0; k < d; k++)
                s += gp_test_kernel(GPBO_KERNEL_MATERN52,
                                    fabs(q[p * d + k] - x[i * d + k]) / exp(th[k]));
            s = s2 * s / (double)d;
            for (size_t k = 0; k < i; k++)
                s -= K[i * n + k] * ks[k];
            ks[i] = s / K[i * n + i];
            m += ks[i] * z[i];
            v -= ks[i] * ks[i];
        }
        assert_true(fabs(mean[p] - m) <= 1e-8 * (1.0 + fabs(m)));
        assert_true(fabs(var[p] - v) <= 1e-8 * s2);
    }
    free(z);
    free(ks);
    free(K);
    free(x);
    free(y);
    gpbo_gp_free(gp);
}

static void test_cov_matches_predict(void **state)
{
    (void)state;
    gpbo_gp *gp = make_model(GPBO_KERNEL_MATERN52, 40, 2, 1);
    double xq[8] = {0.1, 0.2, 0.5, 0.5, 0.51, 0.49, 0.9, 0.05}, mean[4], var[4], m2[4], cov[16];
    assert_int_equal(gpbo_gp_predict(gp, 4, xq, mean, var), GPBO_OK);
    assert_int_equal(gpbo_gp_predict_cov(gp, 4, xq, m2, cov), GPBO_OK);
    for (int i = 0; i < 4; i++) {
        assert_true(fabs(mean[i] - m2[i]) < 1e-12 * (1 + fabs(mean[i])));
        assert_true(fabs(var[i] - cov[i * 4 + i]) < 1e-10 * (1 + var[i]));
        for (int j = 0; j < 4; j++)
            assert_true(cov[i * 4 + j] == cov[j * 4 + i]);
    }
    /* Nearby points are strongly correlated a posteriori. */
    assert_true(cov[1 * 4 + 2] / sqrt(cov[5] * cov[10]) > 0.9);
    gpbo_gp_free(gp);
}

/* At the training inputs of a model with a negligible noise the posterior variance is zero to
 * rounding: predict_cov's diagonal, like predict's variance, is never negative there (a
 * caller's sqrt of it would be NaN), for every kernel. */
static void test_cov_diagonal_at_training_points(void **state)
{
    (void)state;
    enum { N = 40, D = 2 };
    double x[N * D], y[N], mean[N], var[N], *cov = malloc(N * N * sizeof *cov);
    gp_test_problem(N, D, 17, x, y);
    for (size_t k = 0; k < 4; k++) {
        gpbo_gp *gp = gpbo_gp_new(kernels[k], D);
        double theta[4] = {log(0.5), log(0.7), 0.0, -50.0};
        assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
        assert_int_equal(gpbo_gp_set_data(gp, N, x, y), GPBO_OK);
        assert_int_equal(gpbo_gp_predict(gp, N, x, mean, var), GPBO_OK);
        assert_int_equal(gpbo_gp_predict_cov(gp, N, x, mean, cov), GPBO_OK);
        for (size_t i = 0; i < N; i++) {
            if (!(cov[i * N + i] >= 0.0))
                fail_msg("kernel %zu: predict_cov's variance at training input %zu is %g", k, i,
                         cov[i * N + i]);
            assert_true(fabs(cov[i * N + i] - var[i]) < 1e-12);
        }
        gpbo_gp_free(gp);
    }
    free(cov);
}

/* A finite query far beyond the data (its scaled squared distance overflows) gets the prior:
 * the mean of y, the prior variance, and zero gradients, never NaN; every kernel, both forms,
 * lengthscales down to exp(-30). */
static void test_far_query(void **state)
{
    (void)state;
    enum { N = 12, D = 2 };
    double x[N * D], y[N];
    gp_test_problem(N, D, 61, x, y);
    const double far[][2] = {{1e306, 0.5}, {-1e308, 1e308}, {1e160, 1e160}, {0.5, 3e15}};
    for (size_t k = 0; k < 4; k++) {
        for (int additive = 0; additive < 2; additive++) {
            for (int l = 0; l < 2; l++) {
                gpbo_gp *gp = gpbo_gp_new(kernels[k], D);
                double theta[4] = {l ? -30.0 : 0.0, l ? -30.0 : log(0.7), log(1.3), log(1e-3)};
                assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
                assert_int_equal(gpbo_gp_set_additive(gp, additive), GPBO_OK);
                assert_int_equal(gpbo_gp_set_data(gp, N, x, y), GPBO_OK);
                for (size_t q = 0; q < sizeof far / sizeof far[0]; q++) {
                    double mean, var, dm[D], dv[D], m2, v2;
                    assert_int_equal(gpbo_gp_predict_grad(gp, NULL, 1, far[q], &mean, &var, dm, dv),
                                     GPBO_OK);
                    assert_int_equal(gpbo_gp_predict(gp, 1, far[q], &m2, &v2), GPBO_OK);
                    int ok = isfinite(mean) && isfinite(var) && var > 0.0 && isfinite(m2) &&
                             isfinite(v2) && v2 > 0.0;
                    for (size_t j = 0; j < D; j++)
                        ok = ok && isfinite(dm[j]) && isfinite(dv[j]);
                    /* the coordinates that are far alone carry no gradient */
                    for (size_t j = 0; j < D; j++)
                        if (fabs(far[q][j]) > 1e10)
                            ok = ok && dm[j] == 0.0 && dv[j] == 0.0;
                    if (!ok)
                        fail_msg("%s additive %d log l %g at (%g, %g): mean %g var %g (predict "
                                 "%g, %g) dmean (%g, %g) dvar (%g, %g)",
                                 gpbo_gp_kernel_name(gp), additive, theta[0], far[q][0], far[q][1],
                                 mean, var, m2, v2, dm[0], dm[1], dv[0], dv[1]);
                }
                gpbo_gp_free(gp);
            }
        }
    }
}

/* With noise 1e-10 the posterior mean interpolates the data and the variance vanishes there. */
static void test_interpolation(void **state)
{
    (void)state;
    for (size_t k = 0; k < 4; k++) {
        size_t n = 25, d = 2;
        double x[50], y[25], mean[25], var[25];
        gp_test_problem(n, d, 99, x, y);
        gpbo_gp *gp = gpbo_gp_new(kernels[k], d);
        double theta[4] = {log(0.3), log(0.4), log(1.0), log(1e-10)};
        assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
        assert_int_equal(gpbo_gp_set_data(gp, n, x, y), GPBO_OK);
        assert_int_equal(gpbo_gp_predict(gp, n, x, mean, var), GPBO_OK);
        double ystd = 0;
        for (size_t i = 0; i < n; i++)
            ystd = fmax(ystd, fabs(y[i]));
        for (size_t i = 0; i < n; i++) {
            assert_true(fabs(mean[i] - y[i]) < 1e-6 * ystd);
            assert_true(var[i] >= 0.0 && var[i] < 1e-6 * ystd * ystd);
        }
        gpbo_gp_free(gp);
    }
}

/* n = 0: predictions are the prior (mean 0, variance s2), in y units. */
static void test_prior(void **state)
{
    (void)state;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_SE, 2);
    double theta[4] = {0.1, 0.2, log(2.385), log(1e-3)};
    assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
    double xq[4] = {0.3, 0.3, 5.0, -2.0}, mean[2], var[2], dm[4], dv[4], cov[4];
    assert_int_equal(gpbo_gp_predict(gp, 2, xq, mean, var), GPBO_OK);
    assert_true(mean[0] == 0.0 && mean[1] == 0.0);
    assert_true(fabs(var[0] - 2.385) < 1e-12 && fabs(var[1] - 2.385) < 1e-12);
    assert_int_equal(gpbo_gp_predict_grad(gp, NULL, 2, xq, mean, var, dm, dv), GPBO_OK);
    for (int i = 0; i < 4; i++)
        assert_true(dm[i] == 0.0 && dv[i] == 0.0);
    assert_int_equal(gpbo_gp_predict_cov(gp, 2, xq, mean, cov), GPBO_OK);
    assert_true(fabs(cov[0] - 2.385) < 1e-12);
    double r2 = (4.7 / exp(0.1)) * (4.7 / exp(0.1)) + (2.3 / exp(0.2)) * (2.3 / exp(0.2));
    assert_true(fabs(cov[1] - 2.385 * exp(-0.5 * r2)) < 1e-14);
    assert_true(isinf(gpbo_gp_y_min(gp, NULL)));
    assert_null(gpbo_gp_x(gp));
    gpbo_gp_free(gp);
}

/* Empirical mean and covariance of many joint samples match the posterior. */
static void test_samples_moments(void **state)
{
    (void)state;
    gpbo_gp *gp = make_model(GPBO_KERNEL_MATERN32, 20, 2, 1);
    enum { M = 3, S = 20000 };
    double xq[2 * M] = {0.2, 0.3, 0.25, 0.3, 0.8, 0.9}, mean[M], cov[M * M];
    assert_int_equal(gpbo_gp_predict_cov(gp, M, xq, mean, cov), GPBO_OK);
    double *out = malloc((size_t)S * M * sizeof *out);
    gpbo_rng r, r2;
    gpbo_rng_seed(&r, 2385);
    r2 = r;
    assert_int_equal(gpbo_gp_sample(gp, M, xq, S, &r, out), GPBO_OK);
    double mu[M] = {0}, c[M * M] = {0};
    for (int s = 0; s < S; s++)
        for (int i = 0; i < M; i++)
            mu[i] += out[s * M + i] / S;
    for (int s = 0; s < S; s++)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++)
                c[i * M + j] += (out[s * M + i] - mu[i]) * (out[s * M + j] - mu[j]) / (S - 1);
    for (int i = 0; i < M; i++) {
        double sd = sqrt(cov[i * M + i]);
        assert_true(fabs(mu[i] - mean[i]) < 5 * sd / sqrt((double)S));
        for (int j = 0; j < M; j++) {
            double sij = sqrt(cov[i * M + i] * cov[j * M + j]);
            assert_true(fabs(c[i * M + j] - cov[i * M + j]) < 6 * sij * sqrt(2.0 / S));
        }
    }
    /* The same generator state gives the same samples. */
    double again[2 * M];
    assert_int_equal(gpbo_gp_sample(gp, M, xq, 2, &r2, again), GPBO_OK);
    assert_memory_equal(again, out, sizeof again);
    /* Repeated points (singular posterior covariance) still sample, identically. */
    double xr[4] = {0.4, 0.4, 0.4, 0.4}, o2[2];
    assert_int_equal(gpbo_gp_sample(gp, 2, xr, 1, &r, o2), GPBO_OK);
    assert_true(fabs(o2[0] - o2[1]) < 1e-3 * (1 + fabs(o2[0])));
    free(out);
    gpbo_gp_free(gp);
}

/* A point given twice is one random variable: every sample is equal at its repeats (the jitter a
 * singular covariance needs made them differ by ~1e-5 sqrt(s2)), at a training input too, and a
 * call with repeats draws what the call with the distinct points alone draws (the same rng). */
static void test_samples_at_repeats(void **state)
{
    (void)state;
    gpbo_gp *gp = make_model(GPBO_KERNEL_MATERN52, 15, 2, 1);
    const double *xt = gpbo_gp_x(gp);
    enum { M = 6, U = 3, S = 4000 };
    double xq[2 * M] = {0.2, 0.7, 0.9, 0.1, 0.2, 0.7, xt[0], xt[1], 0.9, 0.1, 0.2, 0.7};
    const size_t rep[M] = {0, 1, 0, 2, 1, 0};
    double xu[2 * U] = {0.2, 0.7, 0.9, 0.1, xt[0], xt[1]};
    double *out = malloc((size_t)S * (M + U) * sizeof *out), *ou = out + (size_t)S * M;
    gpbo_rng r1, r2;
    gpbo_rng_seed(&r1, 77);
    r2 = r1;
    assert_int_equal(gpbo_gp_sample(gp, M, xq, S, &r1, out), GPBO_OK);
    assert_int_equal(gpbo_gp_sample(gp, U, xu, S, &r2, ou), GPBO_OK);
    for (int s = 0; s < S; s++)
        for (int i = 0; i < M; i++)
            assert_true(out[s * M + i] == ou[s * U + rep[i]]);
    /* the generator advanced by the distinct points' draws alone */
    assert_memory_equal(&r1, &r2, sizeof r1);
    /* and the repeats' marginals are still the posterior's */
    double mean[U], var[U];
    assert_int_equal(gpbo_gp_predict(gp, U, xu, mean, var), GPBO_OK);
    for (int i = 0; i < U; i++) {
        double mu = 0;
        for (int s = 0; s < S; s++)
            mu += out[s * M + (i == 0 ? 5 : i == 1 ? 4 : 3)] / S;
        assert_true(fabs(mu - mean[i]) < 5 * sqrt(var[i] / S) + 1e-9 * (1 + fabs(mean[i])));
    }
    free(out);
    gpbo_gp_free(gp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_at_repeats),
        cmocka_unit_test(test_prediction_gradients),
        cmocka_unit_test(test_cov_matches_predict),
        cmocka_unit_test(test_interpolation),
        cmocka_unit_test(test_prior),
        cmocka_unit_test(test_samples_moments),
        cmocka_unit_test(test_additive),
        cmocka_unit_test(test_additive_blocks),
        cmocka_unit_test(test_cov_diagonal_at_training_points),
        cmocka_unit_test(test_far_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
