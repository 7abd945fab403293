/*
 * test_gp_likelihood.c: the log marginal likelihood and its analytic gradient (every kernel,
 * every hyperparameter, standardization on and off), the prior's gradient, the one-point closed
 * form, agreement of the gradient with its definition 1/2 tr(W dK), and a custom kernel
 * (sys/kernel.h) giving what its built-in twin gives.
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
#include "gpbo/sys/kernel.h"
#include "gradcheck.h"

static const gpbo_kernel_type kernels[] = {GPBO_KERNEL_SE, GPBO_KERNEL_MATERN12,
                                           GPBO_KERNEL_MATERN32, GPBO_KERNEL_MATERN52};

typedef struct lik_payload {
    gpbo_gp *gp;
    const gpbo_gp_fit_options *opts; /* NULL: plain likelihood */
} lik_payload;

static int lik_fn(const double *theta, double *out, void *payload)
{
    lik_payload *p = payload;
    if (gpbo_gp_set_params(p->gp, theta) != GPBO_OK)
        return -1;
    *out =
        p->opts ? gpbo_gp_log_posterior(p->gp, p->opts, NULL) : gpbo_gp_log_likelihood(p->gp, NULL);
    return isfinite(*out) ? 0 : -1;
}

static int g_additive; /* run the checks on the additive form of the kernel */

static void check_kernel_gradient(gpbo_kernel_type kt, size_t d, size_t n, int normalize,
                                  const gpbo_gp_fit_options *opts)
{
    double *x = malloc(n * d * sizeof *x), *y = malloc(n * sizeof *y);
    gp_test_problem(n, d, 11 + kt, x, y);
    gpbo_gp *gp = gpbo_gp_new(kt, d);
    assert_non_null(gp);
    assert_int_equal(gpbo_gp_set_normalize(gp, normalize), GPBO_OK);
    assert_int_equal(gpbo_gp_set_additive(gp, g_additive), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data(gp, n, x, y), GPBO_OK);
    assert_int_equal(gpbo_gp_get_additive(gp), g_additive);
    size_t p = gpbo_gp_nparams(gp);
    assert_int_equal(p, d + 2);
    double theta[16], grad[16];
    /* High-entropy, distinct lengthscales so that every component matters. */
    for (size_t k = 0; k < d; k++)
        theta[k] = log(0.23 + 0.31 * (double)k);
    theta[d] = log(normalize ? 1.37 : 7.3);
    theta[d + 1] = log(0.0213);
    assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
    double v = opts ? gpbo_gp_log_posterior(gp, opts, grad) : gpbo_gp_log_likelihood(gp, grad);
    assert_true(isfinite(v));
    /* Once a gradient has been asked for, factorizations keep the kernel's terms for the next
     * one: the gradient from them is the same. */
    double grad2[16];
    assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
    double v3 = opts ? gpbo_gp_log_posterior(gp, opts, grad2) : gpbo_gp_log_likelihood(gp, grad2);
    assert_true(fabs(v3 - v) <= 1e-12 * fabs(v));
    for (size_t k = 0; k < d + 2; k++)
        assert_true(fabs(grad2[k] - grad[k]) <= 1e-9 * (1.0 + fabs(grad[k])));
    /* Same value with and without the gradient. */
    double v2 = opts ? gpbo_gp_log_posterior(gp, opts, NULL) : gpbo_gp_log_likelihood(gp, NULL);
    assert_true(v == v2);
    lik_payload pl = {gp, opts};
    char label[64];
    snprintf(label, sizeof label, "%s%s d=%zu norm=%d prior=%d", g_additive ? "additive " : "",
             gpbo_gp_kernel_name(gp), d, normalize, opts != NULL);
    /* The additive form's K is closer to singular on the same points (a sum of dim one-input
     * kernels has a lower numerical rank), so its likelihood carries more round-off: a larger
     * step and tolerance there (checked separately at 1e-9 with a step of 1e-4). */
    double h = g_additive ? 1e-4 : 1e-5, rtol = g_additive ? 1e-5 : 1e-6;
    assert_int_equal(gpbo_test_check_gradient(label, lik_fn, &pl, p, theta, grad, h, rtol, 1e-7),
                     0);
    gpbo_gp_free(gp);
    free(x);
    free(y);
}

static void test_likelihood_gradient_every_kernel(void **state)
{
    (void)state;
    for (size_t k = 0; k < 4; k++) {
        check_kernel_gradient(kernels[k], 1, 9, 1, NULL);
        check_kernel_gradient(kernels[k], 3, 25, 1, NULL);
        check_kernel_gradient(kernels[k], 5, 40, 0, NULL);
    }
}

static void test_likelihood_gradient_additive(void **state)
{
    (void)state;
    g_additive = 1;
    test_likelihood_gradient_every_kernel(state);
    check_kernel_gradient(GPBO_KERNEL_MATERN52, 12, 150, 1, NULL);
    g_additive = 0;
}

/* The additive kernel against its definition: K built by hand from one-dimensional Matérn 5/2
 * terms gives the same likelihood through a plain Cholesky. */
static void test_additive_definition(void **state)
{
    (void)state;
    size_t n = 12, d = 3;
    double x[36], y[12], th[5] = {log(0.3), log(0.7), log(1.9), log(1.6), log(0.05)};
    gp_test_problem(n, d, 3, x, y);
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
    assert_int_equal(gpbo_gp_set_normalize(gp, 0), GPBO_OK);
    assert_int_equal(gpbo_gp_set_params(gp, th), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data(gp, n, x, y), GPBO_OK);
    double ard = gpbo_gp_log_likelihood(gp, NULL);
    assert_int_equal(gpbo_gp_set_additive(gp, 1), GPBO_OK);
    double v = gpbo_gp_log_likelihood(gp, NULL);
    double K[144];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++) {
                double r = fabs(x[i * d + k] - x[j * d + k]) / exp(th[k]);
                s += gp_test_kernel(GPBO_KERNEL_MATERN52, r);
            }
            K[i * n + j] = exp(th[3]) * s / (double)d + (i == j ? exp(th[4]) : 0.0);
        }
    /* Cholesky, solve and log determinant by hand */
    gp_test_cholesky(n, K);
    double z[12], quad = 0.0, logdet = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = y[i];
        for (size_t k = 0; k < i; k++)
            s -= K[i * n + k] * z[k];
        z[i] = s / K[i * n + i];
        quad += z[i] * z[i];
        logdet += log(K[i * n + i]);
    }
    double ref = -0.5 * quad - logdet - 0.5 * (double)n * log(2.0 * M_PI);
    assert_true(fabs(v - ref) <= 1e-10 * fabs(ref));
    assert_true(fabs(v - ard) > 1e-3); /* the two forms differ */
    gpbo_gp_free(gp);
}

static void test_log_posterior_gradient(void **state)
{
    (void)state;
    gpbo_gp_fit_options o = GPBO_GP_FIT_OPTIONS_INIT;
    o.use_priors = 1;
    check_kernel_gradient(GPBO_KERNEL_MATERN52, 4, 30, 1, &o);
    o.lengthscale_prior[0] = -0.3;
    o.lengthscale_prior[1] = 0.77;
    o.noise_prior[0] = -2.1;
    o.noise_prior[1] = 0.6;
    check_kernel_gradient(GPBO_KERNEL_SE, 2, 20, 1, &o);
    /* A prior of its own on each lengthscale (options.lengthscale_priors). */
    double own[8] = {-0.3, 0.77, 0.4, 2.5, log(0.5), 100.0, -1.2, 0.3};
    o.lengthscale_priors = own;
    check_kernel_gradient(GPBO_KERNEL_MATERN52, 4, 30, 1, &o);
}

/* Per-lengthscale priors: the same pairs as the common prior give the same log posterior to the
 * last bit; a different pair on one lengthscale changes it by exactly the difference of that
 * lengthscale's two log-normal densities (in log l). */
static void test_lengthscale_priors_value(void **state)
{
    (void)state;
    size_t n = 25, d = 3;
    double x[75], y[25];
    gpbo_gp *gp = gp_test_matern52_on(n, d, 5, x, y);
    assert_non_null(gp);
    double theta[5] = {log(0.3), log(0.8), log(2.0), log(1.1), log(0.01)};
    assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
    gpbo_gp_fit_options o = GPBO_GP_FIT_OPTIONS_INIT;
    o.use_priors = 1;
    o.lengthscale_prior[0] = log(0.5);
    o.lengthscale_prior[1] = 1.0;
    double common = gpbo_gp_log_posterior(gp, &o, NULL);
    double same[6] = {log(0.5), 1.0, log(0.5), 1.0, log(0.5), 1.0};
    o.lengthscale_priors = same;
    assert_true(gpbo_gp_log_posterior(gp, &o, NULL) == common);
    double other[6] = {log(0.5), 1.0, log(0.5), 1.0, log(3.0), 0.4};
    o.lengthscale_priors = other;
    double z0 = (theta[2] - log(0.5)) / 1.0, z1 = (theta[2] - log(3.0)) / 0.4;
    double expect = (-0.5 * z1 * z1 - log(0.4)) - (-0.5 * z0 * z0 - log(1.0));
    assert_true(fabs(gpbo_gp_log_posterior(gp, &o, NULL) - common - expect) < 1e-10);
    /* Without use_priors they are not read. */
    o.use_priors = 0;
    o.lengthscale_priors = other;
    assert_true(gpbo_gp_log_posterior(gp, &o, NULL) == gpbo_gp_log_likelihood(gp, NULL));
    gpbo_gp_free(gp);
}

/* n = 1, standardization off: K = s2 + sn2, a scalar. */
/* One observation, the ARD and the additive form alike: k(x, x) = s2 in both, so the likelihood
 * is -y^2 / 2c - log(c) / 2 - log(2 pi) / 2 with c = s2 + sn2, its gradient s2 (y^2 / c - 1) / 2c
 * and sn2 (y^2 / c - 1) / 2c in log s2 and log sn2 and 0 in the lengthscales, asked twice (the
 * second factorization keeps the kernel's terms for the gradient: with one observation there are
 * none, the case a sanitizer once caught in the additive form's cache); the prediction is
 * k(xq, x0) y / c with k the ARD kernel of the scaled distance, or the mean of the one-input
 * kernels in the additive form. */
static void test_one_point_closed_form(void **state)
{
    (void)state;
    for (int additive = 0; additive < 2; additive++)
        for (size_t k = 0; k < 4; k++) {
            gpbo_gp *gp = gpbo_gp_new(kernels[k], 2);
            assert_int_equal(gpbo_gp_set_normalize(gp, 0), GPBO_OK);
            assert_int_equal(gpbo_gp_set_additive(gp, additive), GPBO_OK);
            double x0[2] = {0.31, 0.77}, y0 = 2.385;
            double theta[4] = {log(0.4), log(0.9), log(2.2), log(0.15)};
            assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
            assert_int_equal(gpbo_gp_set_data(gp, 1, x0, &y0), GPBO_OK);
            double s2 = 2.2, sn2 = 0.15, c = s2 + sn2;
            double expect = -0.5 * y0 * y0 / c - 0.5 * log(c) - 0.5 * log(2 * M_PI);
            double dc = 0.5 * (y0 * y0 / c - 1) / c, want[4] = {0, 0, s2 * dc, sn2 * dc};
            for (int pass = 0; pass < 2; pass++) {
                double g[4] = {NAN, NAN, NAN, NAN};
                assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
                assert_true(fabs(gpbo_gp_log_likelihood(gp, g) - expect) < 1e-13);
                for (int i = 0; i < 4; i++)
                    assert_true(fabs(g[i] - want[i]) < 1e-13);
            }
            assert_true(fabs(gpbo_gp_log_likelihood(gp, NULL) - expect) < 1e-13);

            double xq[2] = {0.45, 0.61}, mean, var;
            assert_int_equal(gpbo_gp_predict(gp, 1, xq, &mean, &var), GPBO_OK);
            double r0 = fabs(0.45 - 0.31) / 0.4, r1 = fabs(0.61 - 0.77) / 0.9;
            double kr =
                additive ? 0.5 * (gp_test_kernel(kernels[k], r0) + gp_test_kernel(kernels[k], r1))
                         : gp_test_kernel(kernels[k], sqrt(r0 * r0 + r1 * r1));
            double kx = s2 * kr;
            assert_true(fabs(mean - kx * y0 / c) < 1e-13);
            assert_true(fabs(var - (s2 - kx * kx / c)) < 1e-13);
            gpbo_gp_free(gp);
        }
}

/* n = 0: the likelihood is 0 and its gradient is zero; n = 1 with standardization works. */
static void test_empty_and_single(void **state)
{
    (void)state;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN32, 3);
    double g[5] = {1, 1, 1, 1, 1};
    assert_true(gpbo_gp_log_likelihood(gp, g) == 0.0);
    for (int i = 0; i < 5; i++)
        assert_true(g[i] == 0.0);
    double x[3] = {0.1, 0.2, 0.3}, y = -4.5;
    assert_int_equal(gpbo_gp_set_data(gp, 1, x, &y), GPBO_OK);
    double v = gpbo_gp_log_likelihood(gp, g);
    assert_true(isfinite(v));
    for (int i = 0; i < 5; i++)
        assert_true(isfinite(g[i]));
    double mean, var;
    assert_int_equal(gpbo_gp_predict(gp, 1, x, &mean, &var), GPBO_OK);
    assert_true(fabs(mean - y) < 1e-3); /* noise 1e-4 relative to s2 = 1 */
    gpbo_gp_free(gp);
}

/* Duplicated inputs with a negligible noise: K is factorized with a jitter, a multiple of s2,
 * and the likelihood returned is that of K + jitter I; its gradient in log s2 includes the
 * jitter's share (finite differences within the same rung of the ladder, with a wide step: the
 * likelihood of so ill-conditioned a K is only good to about 1e-6). Every kernel, both forms. */
static void test_gradient_with_jitter(void **state)
{
    (void)state;
    enum { N = 13, D = 2 };
    double x[N * D], y[N];
    gp_test_problem(10, D, 5, x, y);
    for (size_t i = 10; i < N; i++) { /* three exact duplicates, same targets */
        x[i * D] = x[(i - 10) * D];
        x[i * D + 1] = x[(i - 10) * D + 1];
        y[i] = y[i - 10];
    }
    for (int a = 0; a < 2; a++) {
        for (size_t k = 0; k < 4; k++) {
            gpbo_gp *gp = gpbo_gp_new(kernels[k], D);
            double theta[4] = {log(0.3), log(0.4), 0.3, -40.0}, g[4], h = 1e-2;
            assert_int_equal(gpbo_gp_set_additive(gp, a), GPBO_OK);
            assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
            assert_int_equal(gpbo_gp_set_data(gp, N, x, y), GPBO_OK);
            double rung = gpbo_gp_jitter(gp) / exp(theta[2]);
            assert_true(rung > 0.0);
            assert_true(isfinite(gpbo_gp_log_likelihood(gp, g)));
            double v[2];
            for (int side = 0; side < 2; side++) {
                double t[4] = {theta[0], theta[1], theta[2] + (side ? h : -h), theta[3]};
                assert_int_equal(gpbo_gp_set_params(gp, t), GPBO_OK);
                assert_true(fabs(gpbo_gp_jitter(gp) / exp(t[2]) / rung - 1.0) < 1e-9);
                v[side] = gpbo_gp_log_likelihood(gp, NULL);
            }
            double fd = (v[1] - v[0]) / (2.0 * h);
            if (!(fabs(g[2] - fd) < 1e-3 * fmax(1.0, fabs(fd))))
                fail_msg("kernel %zu additive %d: d lml / d log s2 = %.10g, finite differences "
                         "%.10g (jitter %g s2)",
                         k, a, g[2], fd, rung);
            gpbo_gp_free(gp);
        }
    }
}

/* A training input so far from the others along one input that its squared distance there
 * overflows: the kernel between them is 0 and so is their term of the gradient (not 0 * inf);
 * every kernel, both forms, against finite differences. */
static void test_gradient_far_input(void **state)
{
    (void)state;
    enum { N = 6, D = 2 };
    double x[N * D] = {0.1, 0.2, 0.5, 0.55, 1e160, 0.3, 0.9, 0.1, 0.37, 0.81, 0.66, 0.05};
    double y[N] = {1.0, 2.385, 3.1, 0.5, -1.2, 0.7};
    /* Two inputs near +-DBL_MAX over their lengthscale (0.31), whose difference overflows: the ARD
     * gradient multiplied the pair's dk = 0 by the infinite square of that difference and was NaN
     * in l_1. */
    double xf[N * D] = {0.1, 0.2, 0.5, 0.55, 5e307, 0.3, -5e307, 0.1, 0.37, 0.81, 0.66, 0.05};
    for (int a = 0; a < 4; a++) {
        for (size_t k = 0; k < 4; k++) {
            gpbo_gp *gp = gpbo_gp_new(kernels[k], D);
            double theta[4] = {log(0.31), log(0.47), log(1.3), log(0.02)}, g[4];
            assert_int_equal(gpbo_gp_set_additive(gp, a % 2), GPBO_OK);
            assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
            assert_int_equal(gpbo_gp_set_data(gp, N, a < 2 ? x : xf, y), GPBO_OK);
            assert_true(isfinite(gpbo_gp_log_likelihood(gp, g)));
            for (size_t i = 0; i < 4; i++)
                assert_true(isfinite(g[i]));
            char label[64];
            snprintf(label, sizeof label, "far input%s %s additive %d", a < 2 ? "" : " (DBL_MAX)",
                     gpbo_gp_kernel_name(gp), a % 2);
            lik_payload pl = {gp, NULL};
            assert_int_equal(
                gpbo_test_check_gradient(label, lik_fn, &pl, 4, theta, g, 1e-5, 1e-6, 1e-7), 0);
            gpbo_gp_free(gp);
        }
    }
}

/* A larger problem: the gradient with dim 20 and n 150 (the pairwise loop, not the tiny cases). */
static void test_gradient_larger(void **state)
{
    (void)state;
    check_kernel_gradient(GPBO_KERNEL_MATERN52, 12, 150, 1, NULL);
}

/* The gradient takes K^{-1} by dtrsm and dlauum up to 128 observations and by LAPACK's dpotri
 * beyond (gp.c, KINV_TRSM_MAX): both sides of the threshold against finite differences, ARD
 * and additive. */
static void test_gradient_inverse_paths(void **state)
{
    (void)state;
    static const size_t ns[] = {60, 128, 129, 200};
    for (int a = 0; a < 2; a++) {
        g_additive = a;
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
            check_kernel_gradient(GPBO_KERNEL_MATERN52, 6, ns[i], 1, NULL);
    }
    g_additive = 0;
}

/* The squared exponential as a user of sys/kernel.h may write it: every k first, then every dk
 * from r2 again. Nothing in the header forbade it; the library evaluated kernels in place (k
 * over r2), so the second pass read k for r2 and every derivative was wrong. */
static void se_two_passes(size_t count, const double *r2, double *k, double *dk)
{
    for (size_t i = 0; i < count; i++)
        k[i] = exp(-0.5 * r2[i]);
    for (size_t i = 0; dk != NULL && i < count; i++)
        dk[i] = -0.5 * exp(-0.5 * r2[i]);
}

static const gpbo_kernel_def se_custom = {GPBO_KERNEL_DEF_VERSION, "se-two-passes", se_two_passes};

/* A custom kernel gives what the built-in kernel it copies gives (within rounding: libm's exp
 * against the built-in one), for the likelihood and its gradient, an incremental update, and
 * the predictions with their gradients, in both forms of the kernel; 300 observations take the
 * ARD K's whole triangle (44850 pairs) in one evaluation. */
static void test_custom_kernel_two_passes(void **state)
{
    (void)state;
    enum { D = 3, N = 300, M = 5 };
    double *x = malloc(N * D * sizeof *x), *y = malloc(N * sizeof *y), xq[M * D], yq[M];
    gp_test_problem(N, D, 41, x, y);
    gp_test_problem(M, D, 42, xq, yq);
    const double theta[D + 2] = {log(0.37), log(0.61), log(1.3), log(1.7), log(0.013)};
    for (int additive = 0; additive <= 1; additive++) {
        for (size_t n = 1; n <= N; n += N - 1) {
            gpbo_gp *gp[2] = {gpbo_gp_new(GPBO_KERNEL_SE, D),
                              gpbo_gp_new_with_kernel(&se_custom, D)};
            double v[2], g[2][D + 2], mean[2][M], var[2][M], dm[2][M * D], dv[2][M * D];
            for (int c = 0; c < 2; c++) {
                assert_non_null(gp[c]);
                assert_int_equal(gpbo_gp_set_additive(gp[c], additive), GPBO_OK);
                assert_int_equal(gpbo_gp_set_params(gp[c], theta), GPBO_OK);
                assert_int_equal(gpbo_gp_set_data(gp[c], n - 1, x, y), GPBO_OK);
                assert_int_equal(gpbo_gp_add(gp[c], x + (n - 1) * D, y[n - 1]), GPBO_OK);
                v[c] = gpbo_gp_log_likelihood(gp[c], g[c]);
                /* twice: the second factorization keeps the kernel's terms for the gradient */
                assert_int_equal(gpbo_gp_set_params(gp[c], theta), GPBO_OK);
                v[c] = gpbo_gp_log_likelihood(gp[c], g[c]);
                assert_int_equal(
                    gpbo_gp_predict_grad(gp[c], NULL, M, xq, mean[c], var[c], dm[c], dv[c]),
                    GPBO_OK);
            }
            char label[64];
            snprintf(label, sizeof label, "additive=%d n=%zu", additive, n);
            if (!(fabs(v[0] - v[1]) <= 1e-9 * fabs(v[0])))
                fail_msg("%s: log likelihood %.17g vs %.17g", label, v[0], v[1]);
            for (size_t k = 0; k < D + 2; k++)
                if (!(fabs(g[0][k] - g[1][k]) <= 1e-8 * (1.0 + fabs(g[0][k]))))
                    fail_msg("%s: gradient[%zu] %.17g (built-in) vs %.17g (custom)", label, k,
                             g[0][k], g[1][k]);
            for (size_t i = 0; i < M; i++) {
                assert_true(fabs(mean[0][i] - mean[1][i]) <= 1e-9 * (1.0 + fabs(mean[0][i])));
                assert_true(fabs(var[0][i] - var[1][i]) <= 1e-9 * (1.0 + var[0][i]));
            }
            for (size_t i = 0; i < M * D; i++)
                if (!(fabs(dm[0][i] - dm[1][i]) <= 1e-8 * (1.0 + fabs(dm[0][i])) &&
                      fabs(dv[0][i] - dv[1][i]) <= 1e-8 * (1.0 + fabs(dv[0][i]))))
                    fail_msg("%s: d mean / d x %.17g vs %.17g, d var / d x %.17g vs %.17g", label,
                             dm[0][i], dm[1][i], dv[0][i], dv[1][i]);
            gpbo_gp_free(gp[0]);
            gpbo_gp_free(gp[1]);
        }
    }
    free(x);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_likelihood_gradient_every_kernel),
        cmocka_unit_test(test_likelihood_gradient_additive),
        cmocka_unit_test(test_additive_definition),
        cmocka_unit_test(test_log_posterior_gradient),
        cmocka_unit_test(test_lengthscale_priors_value),
        cmocka_unit_test(test_one_point_closed_form),
        cmocka_unit_test(test_empty_and_single),
        cmocka_unit_test(test_gradient_larger),
        cmocka_unit_test(test_gradient_inverse_paths),
        cmocka_unit_test(test_gradient_with_jitter),
        cmocka_unit_test(test_gradient_far_input),
        cmocka_unit_test(test_custom_kernel_two_passes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
