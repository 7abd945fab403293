/*
 * test_gp_obs_noise.c: known per-observation noise variances (gpbo_gp_set_data_noise,
 * gpbo_gp_add_noisy, gpbo_gp_set_obs_noise): the likelihood against K + diag(sn2 + v_i / std^2)
 * built by hand, its gradient against finite differences (every kernel, ARD and additive,
 * standardization on and off), the factor built by gpbo_gp_add_noisy equal to the one built at
 * once, a point of huge variance that barely moves the posterior, all-zero variances that
 * change nothing (bit for bit), copy, save / load (format version 2, version 1 still read), the
 * fit, and every bad variance refused with its index named and the model left as it was.
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
#include "testutil.h"

static const gpbo_kernel_type kernels[] = {GPBO_KERNEL_SE, GPBO_KERNEL_MATERN12,
                                           GPBO_KERNEL_MATERN32, GPBO_KERNEL_MATERN52};

#define EXPECT(call, code, text)                                                                   \
    do {                                                                                           \
        gpbo_error_clear();                                                                        \
        assert_int_equal((call), (code));                                                          \
        if (strstr(gpbo_error_message(), (text)) == NULL)                                          \
            fail_msg("message \"%s\" does not contain \"%s\"", gpbo_error_message(), (text));      \
    } while (0)

static int close_rel(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* Known variances of n observations in y's units: a spread from 0 to some 40% of y's variance
 * (y of gp_test_problem has a spread of a few units), every fifth one 0. */
static void test_variances(size_t n, double *var)
{
    for (size_t i = 0; i < n; i++)
        var[i] = i % 5 == 2 ? 0.0 : 0.0137 * (double)((i * 7) % 11 + 1) * (1.0 + 0.3 * sin(i));
}

/* A model of kernel kt holding gp_test_problem(n, d, seed) with the variances above, at
 * distinct high-entropy hyperparameters. */
static gpbo_gp *noisy_model(gpbo_kernel_type kt, size_t n, size_t d, int normalize, int additive,
                            double *x, double *y, double *var)
{
    gp_test_problem(n, d, 29 + kt, x, y);
    test_variances(n, var);
    gpbo_gp *gp = gpbo_gp_new(kt, d);
    assert_non_null(gp);
    assert_int_equal(gpbo_gp_set_normalize(gp, normalize), GPBO_OK);
    assert_int_equal(gpbo_gp_set_additive(gp, additive), GPBO_OK);
    double theta[16];
    for (size_t k = 0; k < d; k++)
        theta[k] = log(0.27 + 0.29 * (double)k);
    theta[d] = log(normalize ? 1.37 : 7.3);
    theta[d + 1] = log(0.0213);
    assert_int_equal(gpbo_gp_set_params(gp, theta), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data_noise(gp, n, x, y, var), GPBO_OK);
    return gp;
}

/* The population std of y as the library standardizes it (gp.h), 1 when off. */
static double y_scale(size_t n, const double *y, int normalize, double *mean)
{
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < n; i++)
        m += y[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (y[i] - m) * (y[i] - m);
    *mean = normalize ? m : 0.0;
    return normalize ? sqrt(v / (double)n) : 1.0;
}

/* The log marginal likelihood and the posterior at xq from K + diag(sn2 + v_i / std^2) built
 * by hand (R&W Alg. 2.1 with the textbook Cholesky), ARD form, standardized y when normalize. */
static void by_hand(gpbo_kernel_type kt, size_t n, size_t d, const double *x, const double *y,
                    const double *var, const double *theta, int normalize, const double *xq,
                    double *lml, double *mean, double *vf)
{
    double ym, ys = y_scale(n, y, normalize, &ym), s2 = exp(theta[d]), sn2 = exp(theta[d + 1]);
    double *K = malloc(n * n * sizeof *K), *a = malloc(2 * n * sizeof *a), *k = a + n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double r2 = 0.0;
            for (size_t c = 0; c < d; c++) {
                double t = (x[i * d + c] - x[j * d + c]) / exp(theta[c]);
                r2 += t * t;
            }
            K[i * n + j] = s2 * gp_test_kernel(kt, sqrt(r2));
            if (i == j)
                K[i * n + j] += sn2 + var[i] / (ys * ys);
        }
    gp_test_cholesky(n, K);
    double logdet = 0.0, quad = 0.0;
    for (size_t i = 0; i < n; i++) { /* a = L^{-1} ys */
        double s = (y[i] - ym) / ys;
        for (size_t c = 0; c < i; c++)
            s -= K[i * n + c] * a[c];
        a[i] = s / K[i * n + i];
        quad += a[i] * a[i];
        logdet += log(K[i * n + i]);
    }
    *lml = -0.5 * quad - logdet - 0.5 * (double)n * log(2.0 * M_PI);
    /* mean = k^T K^{-1} ys = (L^{-1} k) . (L^{-1} ys); var = s2 - |L^{-1} k|^2 */
    double m = 0.0, v = s2;
    for (size_t i = 0; i < n; i++) {
        double r2 = 0.0;
        for (size_t c = 0; c < d; c++) {
            double t = (xq[c] - x[i * d + c]) / exp(theta[c]);
            r2 += t * t;
        }
        double s = s2 * gp_test_kernel(kt, sqrt(r2));
        for (size_t c = 0; c < i; c++)
            s -= K[i * n + c] * k[c];
        k[i] = s / K[i * n + i];
        m += k[i] * a[i];
        v -= k[i] * k[i];
    }
    *mean = m * ys + ym;
    *vf = v * ys * ys;
    free(K);
    free(a);
}

/* The likelihood and the posterior are those of K + diag(sn2 + v_i / std(y)^2): built by hand,
 * every kernel, standardization on and off. Without the variances the values differ (the test
 * would see a model that ignored them). */
static void test_definition(void **state)
{
    (void)state;
    size_t n = 17, d = 3;
    double x[51], y[17], var[17], theta[5], xq[3] = {0.31, 0.77, 0.52};
    for (size_t k = 0; k < 4; k++) {
        for (int norm = 0; norm <= 1; norm++) {
            gpbo_gp *gp = noisy_model(kernels[k], n, d, norm, 0, x, y, var);
            assert_int_equal(gpbo_gp_get_params(gp, theta), GPBO_OK);
            double lml, mean, vf, m, v;
            by_hand(kernels[k], n, d, x, y, var, theta, norm, xq, &lml, &mean, &vf);
            assert_int_equal(gpbo_gp_predict(gp, 1, xq, &m, &v), GPBO_OK);
            double got = gpbo_gp_log_likelihood(gp, NULL);
            assert_true(close_rel(got, lml, 1e-10));
            assert_true(close_rel(m, mean, 1e-10));
            assert_true(close_rel(v, vf, 1e-9));
            /* the same data without the variances is another model */
            double zero[17] = {0};
            double lml0, mean0, vf0;
            by_hand(kernels[k], n, d, x, y, zero, theta, norm, xq, &lml0, &mean0, &vf0);
            assert_true(fabs(got - lml0) > 1e-2); /* 0.04 to 87 nats here */
            gpbo_gp_free(gp);
        }
    }
}

typedef struct lik_payload {
    gpbo_gp *gp;
} lik_payload;

static int lik_fn(const double *theta, double *out, void *payload)
{
    lik_payload *p = payload;
    if (gpbo_gp_set_params(p->gp, theta) != GPBO_OK)
        return -1;
    *out = gpbo_gp_log_likelihood(p->gp, NULL);
    return isfinite(*out) ? 0 : -1;
}

static void check_gradient(gpbo_kernel_type kt, size_t n, size_t d, int normalize, int additive)
{
    double *x = malloc(n * (d + 2) * sizeof *x), *y = x + n * d, *var = y + n;
    gpbo_gp *gp = noisy_model(kt, n, d, normalize, additive, x, y, var);
    size_t p = d + 2;
    double theta[16], grad[16];
    assert_int_equal(gpbo_gp_get_params(gp, theta), GPBO_OK);
    assert_true(isfinite(gpbo_gp_log_likelihood(gp, grad)));
    char label[80];
    snprintf(label, sizeof label, "obs noise %s%s d=%zu n=%zu norm=%d", additive ? "additive " : "",
             gpbo_gp_kernel_name(gp), d, n, normalize);
    lik_payload pl = {gp};
    /* as test_gp_likelihood.c: the additive form's K carries more round-off */
    double h = additive ? 1e-4 : 1e-5, rtol = additive ? 1e-5 : 1e-6;
    assert_int_equal(gpbo_test_check_gradient(label, lik_fn, &pl, p, theta, grad, h, rtol, 1e-7),
                     0);
    gpbo_gp_free(gp);
    free(x);
}

/* d/d log sn2 keeps its form (the known variances are constant in theta): the analytic gradient
 * against central differences, every kernel, ARD and additive, standardization on and off. */
static void test_gradient(void **state)
{
    (void)state;
    for (size_t k = 0; k < 4; k++) {
        for (int additive = 0; additive <= 1; additive++) {
            check_gradient(kernels[k], 9, 1, 1, additive);
            check_gradient(kernels[k], 25, 3, 1, additive);
            check_gradient(kernels[k], 40, 5, 0, additive);
        }
    }
}

/* Rows added one by one with gpbo_gp_add_noisy (and gpbo_gp_add: v = 0) give the model built
 * at once: the likelihood, its gradient and the posterior agree to rounding. With
 * standardization on std(y) moves at each add (the stale factor is rebuilt), off it does not
 * (the rank-one append). */
static void test_add_equals_batch(void **state)
{
    (void)state;
    size_t n = 30, d = 2, n0 = 5, m = 4;
    double x[60], y[30], var[30], xq[8] = {0.1, 0.2, 0.5, 0.5, 0.93, 0.07, 0.41, 0.66};
    for (size_t k = 0; k < 4; k++) {
        for (int norm = 0; norm <= 1; norm++) {
            for (int additive = 0; additive <= 1; additive++) {
                gpbo_gp *batch = noisy_model(kernels[k], n, d, norm, additive, x, y, var);
                gpbo_gp *inc = gpbo_gp_copy(batch);
                assert_non_null(inc);
                assert_int_equal(gpbo_gp_set_data_noise(inc, n0, x, y, var), GPBO_OK);
                for (size_t i = n0; i < n; i++) {
                    if (var[i] == 0.0 && i % 2 == 0)
                        assert_int_equal(gpbo_gp_add(inc, x + i * d, y[i]), GPBO_OK);
                    else
                        assert_int_equal(gpbo_gp_add_noisy(inc, x + i * d, y[i], var[i]), GPBO_OK);
                }
                assert_int_equal(gpbo_gp_n(inc), n);
                double vb[30], vi[30];
                assert_int_equal(gpbo_gp_get_obs_noise(inc, vi), GPBO_OK);
                assert_int_equal(gpbo_gp_get_obs_noise(batch, vb), GPBO_OK);
                assert_memory_equal(vi, vb, sizeof vb);
                double gb[4], gi[4];
                double lb = gpbo_gp_log_likelihood(batch, gb), li = gpbo_gp_log_likelihood(inc, gi);
                assert_true(close_rel(lb, li, 1e-10));
                for (size_t j = 0; j < d + 2; j++)
                    assert_true(close_rel(gb[j], gi[j], 1e-8));
                double mb[4], sb[4], mi[4], si[4];
                assert_int_equal(gpbo_gp_predict(batch, m, xq, mb, sb), GPBO_OK);
                assert_int_equal(gpbo_gp_predict(inc, m, xq, mi, si), GPBO_OK);
                for (size_t j = 0; j < m; j++)
                    assert_true(close_rel(mb[j], mi[j], 1e-10) && close_rel(sb[j], si[j], 1e-9));
                gpbo_gp_free(batch);
                gpbo_gp_free(inc);
            }
        }
    }
}

/* An observation of huge known variance (1e12, y far off) barely moves the posterior: the
 * model with it predicts as the model without it. The same observation with no variance of
 * its own moves the posterior a lot (what the variance is for). Standardization off: the far
 * y would otherwise change the units of everything. */
static void test_huge_variance(void **state)
{
    (void)state;
    size_t n = 20, d = 2, m = 5;
    double x[44], y[22], var[22], xq[10] = {0.5, 0.5, 0.12, 0.9, 0.8, 0.3, 0.45, 0.55, 0.0, 1.0};
    for (size_t k = 0; k < 4; k++) {
        for (int additive = 0; additive <= 1; additive++) {
            gpbo_gp *base = noisy_model(kernels[k], n, d, 0, additive, x, y, var);
            gpbo_gp *with = gpbo_gp_copy(base), *plain = gpbo_gp_copy(base);
            assert_non_null(with);
            assert_non_null(plain);
            double xo[2] = {0.5, 0.5}, yo = 1e3;
            assert_int_equal(gpbo_gp_add_noisy(with, xo, yo, 1e12), GPBO_OK);
            assert_int_equal(gpbo_gp_add(plain, xo, yo), GPBO_OK);
            double m0[5], v0[5], m1[5], v1[5], m2[5], v2[5];
            assert_int_equal(gpbo_gp_predict(base, m, xq, m0, v0), GPBO_OK);
            assert_int_equal(gpbo_gp_predict(with, m, xq, m1, v1), GPBO_OK);
            assert_int_equal(gpbo_gp_predict(plain, m, xq, m2, v2), GPBO_OK);
            for (size_t j = 0; j < m; j++) {
                /* a shift of at most some 1e3 * s2 / 1e12 */
                assert_true(fabs(m1[j] - m0[j]) <= 1e-6 * fmax(1.0, fabs(m0[j])));
                assert_true(fabs(v1[j] - v0[j]) <= 1e-8 * 7.3);
            }
            assert_true(fabs(m2[0] - m0[0]) > 10.0); /* at the point itself, no variance */
            /* and the same through gpbo_gp_set_data_noise at once */
            memcpy(x + n * d, xo, sizeof xo);
            y[n] = yo;
            var[n] = 1e12;
            gpbo_gp *at_once = gpbo_gp_copy(base);
            assert_int_equal(gpbo_gp_set_data_noise(at_once, n + 1, x, y, var), GPBO_OK);
            assert_int_equal(gpbo_gp_predict(at_once, m, xq, m2, v2), GPBO_OK);
            for (size_t j = 0; j < m; j++)
                assert_true(fabs(m2[j] - m0[j]) <= 1e-6 * fmax(1.0, fabs(m0[j])));
            gpbo_gp_free(at_once);
            gpbo_gp_free(base);
            gpbo_gp_free(with);
            gpbo_gp_free(plain);
        }
    }
}

/* Variances of 0 are no variances: gpbo_gp_set_data_noise with zeros, with NULL, and
 * gpbo_gp_set_obs_noise(NULL) after variances give gpbo_gp_set_data's model bit for bit. */
static void test_zeros_change_nothing(void **state)
{
    (void)state;
    size_t n = 24, d = 3, m = 2;
    double x[72], y[24], var[24], zero[24] = {0}, xq[6] = {0.2, 0.4, 0.6, 0.9, 0.1, 0.3};
    for (int norm = 0; norm <= 1; norm++) {
        gpbo_gp *ref = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
        gpbo_gp *gp = noisy_model(GPBO_KERNEL_MATERN52, n, d, norm, 0, x, y, var);
        double theta[5];
        assert_int_equal(gpbo_gp_get_params(gp, theta), GPBO_OK);
        assert_int_equal(gpbo_gp_set_normalize(ref, norm), GPBO_OK);
        assert_int_equal(gpbo_gp_set_params(ref, theta), GPBO_OK);
        assert_int_equal(gpbo_gp_set_data(ref, n, x, y), GPBO_OK);
        double mr[2], vr[2], gr[5], lr = gpbo_gp_log_likelihood(ref, gr);
        assert_int_equal(gpbo_gp_predict(ref, m, xq, mr, vr), GPBO_OK);
        for (int way = 0; way < 3; way++) {
            /* a fresh model each time: one that has given a gradient keeps the kernel's terms
             * for the next, a path whose last bits may differ (test_gp_likelihood.c) */
            gpbo_gp_free(gp);
            gp = noisy_model(GPBO_KERNEL_MATERN52, n, d, norm, 0, x, y, var);
            if (way == 0)
                assert_int_equal(gpbo_gp_set_data_noise(gp, n, x, y, zero), GPBO_OK);
            else if (way == 1)
                assert_int_equal(gpbo_gp_set_data_noise(gp, n, x, y, NULL), GPBO_OK);
            else
                assert_int_equal(gpbo_gp_set_obs_noise(gp, NULL), GPBO_OK);
            double mg[2], vg[2], gg[5], lg = gpbo_gp_log_likelihood(gp, gg);
            assert_int_equal(gpbo_gp_predict(gp, m, xq, mg, vg), GPBO_OK);
            assert_true(lg == lr);
            assert_memory_equal(gg, gr, sizeof gr);
            assert_memory_equal(mg, mr, sizeof mr);
            assert_memory_equal(vg, vr, sizeof vr);
            char *a = gpbo_gp_to_string(gp), *b = gpbo_gp_to_string(ref);
            assert_string_equal(a, b); /* format version 1, no "noise" */
            assert_non_null(strstr(a, "\"version\":1,"));
            assert_null(strstr(a, "\"noise\""));
            gpbo_free(a);
            gpbo_free(b);
        }
        assert_int_equal(gpbo_gp_set_obs_noise(gp, var), GPBO_OK);
        /* gpbo_gp_set_data drops the variances: v_i = 0 for data given without them */
        assert_int_equal(gpbo_gp_set_data(gp, n, x, y), GPBO_OK);
        double got[24];
        assert_int_equal(gpbo_gp_get_obs_noise(gp, got), GPBO_OK);
        assert_memory_equal(got, zero, sizeof zero);
        gpbo_gp_free(ref);
        gpbo_gp_free(gp);
    }
}

/* gpbo_gp_set_obs_noise and gpbo_gp_set_normalize on a model with variances give the model
 * built afresh with those settings. */
static void test_setters_equal_fresh(void **state)
{
    (void)state;
    size_t n = 21, d = 2;
    double x[42], y[21], var[21], var2[21], xq[2] = {0.37, 0.81};
    for (int norm = 0; norm <= 1; norm++) {
        gpbo_gp *gp = noisy_model(GPBO_KERNEL_MATERN32, n, d, norm, 0, x, y, var);
        for (size_t i = 0; i < n; i++)
            var2[i] = 0.5 * var[n - 1 - i] + 0.003;
        assert_int_equal(gpbo_gp_set_obs_noise(gp, var2), GPBO_OK);
        gpbo_gp *fresh = noisy_model(GPBO_KERNEL_MATERN32, n, d, norm, 0, x, y, var);
        assert_int_equal(gpbo_gp_set_data_noise(fresh, n, x, y, var2), GPBO_OK);
        double a, b, va, vb;
        assert_true(gpbo_gp_log_likelihood(gp, NULL) == gpbo_gp_log_likelihood(fresh, NULL));
        /* the other standardization: the variances' model units change with it */
        assert_int_equal(gpbo_gp_set_normalize(gp, !norm), GPBO_OK);
        gpbo_gp *other = noisy_model(GPBO_KERNEL_MATERN32, n, d, !norm, 0, x, y, var);
        double theta[4];
        assert_int_equal(gpbo_gp_get_params(gp, theta), GPBO_OK);
        assert_int_equal(gpbo_gp_set_params(other, theta), GPBO_OK);
        assert_int_equal(gpbo_gp_set_data_noise(other, n, x, y, var2), GPBO_OK);
        assert_true(close_rel(gpbo_gp_log_likelihood(gp, NULL), gpbo_gp_log_likelihood(other, NULL),
                              1e-12));
        assert_int_equal(gpbo_gp_predict(gp, 1, xq, &a, &va), GPBO_OK);
        assert_int_equal(gpbo_gp_predict(other, 1, xq, &b, &vb), GPBO_OK);
        assert_true(close_rel(a, b, 1e-12) && close_rel(va, vb, 1e-12));
        gpbo_gp_free(gp);
        gpbo_gp_free(fresh);
        gpbo_gp_free(other);
    }
}

/* A copy keeps the variances and predicts bit for bit; it is independent of the original. */
static void test_copy(void **state)
{
    (void)state;
    size_t n = 16, d = 2;
    double x[32], y[16], var[16], got[16], xq[2] = {0.4, 0.6};
    gpbo_gp *gp = noisy_model(GPBO_KERNEL_SE, n, d, 1, 0, x, y, var);
    gpbo_gp *c = gpbo_gp_copy(gp);
    assert_non_null(c);
    assert_int_equal(gpbo_gp_get_obs_noise(c, got), GPBO_OK);
    assert_memory_equal(got, var, sizeof var);
    double m0, v0, m1, v1;
    assert_int_equal(gpbo_gp_predict(gp, 1, xq, &m0, &v0), GPBO_OK);
    assert_int_equal(gpbo_gp_predict(c, 1, xq, &m1, &v1), GPBO_OK);
    assert_true(m0 == m1 && v0 == v1);
    assert_int_equal(gpbo_gp_set_obs_noise(gp, NULL), GPBO_OK);
    assert_int_equal(gpbo_gp_get_obs_noise(c, got), GPBO_OK);
    assert_memory_equal(got, var, sizeof var);
    /* the copy grows by itself (its variance buffer is its own) */
    for (size_t i = 0; i < 40; i++) {
        double xi[2] = {0.013 * (double)i, 1.0 - 0.017 * (double)i};
        assert_int_equal(gpbo_gp_add_noisy(c, xi, sin((double)i), 0.01 * (double)(i % 3)), GPBO_OK);
    }
    double all[56];
    assert_int_equal(gpbo_gp_get_obs_noise(c, all), GPBO_OK);
    assert_memory_equal(all, var, sizeof var);
    assert_true(all[n + 5] == 0.01 * 2.0);
    gpbo_gp_free(gp);
    gpbo_gp_free(c);
}

/* Save and load keep the variances (format version 2) and the predictions bit for bit; a
 * version-1 document (every model before them) still loads, without variances; a bad "noise"
 * is refused, named. */
static void test_io(void **state)
{
    (void)state;
    size_t n = 14, d = 2, m = 3;
    double x[28], y[14], var[14], got[14], xq[6] = {0.2, 0.3, 0.8, 0.1, 0.55, 0.45};
    gpbo_gp *gp = noisy_model(GPBO_KERNEL_MATERN52, n, d, 1, 1, x, y, var);
    char *s = gpbo_gp_to_string(gp);
    assert_non_null(s);
    assert_non_null(strstr(s, "\"version\":2,"));
    assert_non_null(strstr(s, "\"noise\":["));
    gpbo_gp *b = gpbo_gp_from_string(s);
    assert_non_null(b);
    gpbo_free(s);
    assert_int_equal(gpbo_gp_get_obs_noise(b, got), GPBO_OK);
    assert_memory_equal(got, var, sizeof var);
    double m0[3], v0[3], m1[3], v1[3];
    assert_int_equal(gpbo_gp_predict(gp, m, xq, m0, v0), GPBO_OK);
    assert_int_equal(gpbo_gp_predict(b, m, xq, m1, v1), GPBO_OK);
    assert_memory_equal(m0, m1, sizeof m0);
    assert_memory_equal(v0, v1, sizeof v0);
    assert_true(gpbo_gp_log_likelihood(gp, NULL) == gpbo_gp_log_likelihood(b, NULL));
    gpbo_gp_free(b);

    /* through a file */
    char dir[512], path[600];
    assert_int_equal(gpbo_test_mkdtemp(dir, sizeof dir, "gpnoise"), 0);
    snprintf(path, sizeof path, "%s/model.json", dir);
    assert_int_equal(gpbo_gp_save(gp, path), GPBO_OK);
    gpbo_gp *f = gpbo_gp_load(path);
    assert_non_null(f);
    assert_int_equal(gpbo_gp_get_obs_noise(f, got), GPBO_OK);
    assert_memory_equal(got, var, sizeof var);
    assert_int_equal(gpbo_gp_predict(f, m, xq, m1, v1), GPBO_OK);
    assert_memory_equal(m0, m1, sizeof m0);
    gpbo_gp_free(f);
    assert_int_equal(gpbo_test_rmtree(dir), 0);
    gpbo_gp_free(gp);

    /* a version-1 document, as every gpbo before the variances wrote it */
    const char *v1doc = "{\"format\":\"gpbo-gp\",\"version\":1,\"kernel\":\"matern12\",\"dim\":1,"
                        "\"normalize\":false,\"additive\":false,\"params\":[-1.2,0.4,-6.9],\"n\":3,"
                        "\"x\":[[0.37],[0.74],[0.11]],\"y\":[0.1,0.24,-0.18]}";
    gpbo_gp *old = gpbo_gp_from_string(v1doc);
    assert_non_null(old);
    assert_int_equal(gpbo_gp_get_obs_noise(old, got), GPBO_OK);
    for (size_t i = 0; i < 3; i++)
        assert_true(got[i] == 0.0);
    gpbo_gp *same = gpbo_gp_new(GPBO_KERNEL_MATERN12, 1);
    double th[3] = {-1.2, 0.4, -6.9}, xo[3] = {0.37, 0.74, 0.11}, yo[3] = {0.1, 0.24, -0.18};
    assert_int_equal(gpbo_gp_set_normalize(same, 0), GPBO_OK);
    assert_int_equal(gpbo_gp_set_params(same, th), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data(same, 3, xo, yo), GPBO_OK);
    assert_int_equal(gpbo_gp_predict(old, 1, xq, m0, v0), GPBO_OK);
    assert_int_equal(gpbo_gp_predict(same, 1, xq, m1, v1), GPBO_OK);
    assert_true(m0[0] == m1[0] && v0[0] == v1[0]);
    gpbo_gp_free(old);
    gpbo_gp_free(same);

    /* bad "noise": named by index, or its length */
    const char *head = "{\"format\":\"gpbo-gp\",\"version\":2,\"kernel\":\"se\",\"dim\":1,"
                       "\"normalize\":true,\"params\":[0,0,-9],\"n\":2,\"x\":[[0.1],[0.7]],"
                       "\"y\":[1,2],\"noise\":";
    const char *bad[][2] = {{"[0.5,-0.25]}", "\"noise\"[1] is -0.25"},
                            {"[0.5]}", "\"noise\" must be an array of 2"},
                            {"[0.5,\"a\"]}", "\"noise\"[1] is not a number"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char doc[512];
        snprintf(doc, sizeof doc, "%s%s", head, bad[i][0]);
        gpbo_error_clear();
        assert_null(gpbo_gp_from_string(doc));
        assert_int_equal(gpbo_error_code(), GPBO_EFORMAT);
        if (strstr(gpbo_error_message(), bad[i][1]) == NULL)
            fail_msg("message \"%s\" does not contain \"%s\"", gpbo_error_message(), bad[i][1]);
    }
    /* a version newer than this gpbo's is refused by number */
    gpbo_error_clear();
    assert_null(gpbo_gp_from_string("{\"format\":\"gpbo-gp\",\"version\":3}"));
    assert_non_null(strstr(gpbo_error_message(), "\"version\" is 3 (written by a newer gpbo"));
}

/* Every bad variance is refused with GPBO_EINVAL naming its index, and the model is left as it
 * was (data, variances, predictions). */
static void test_bad_variances(void **state)
{
    (void)state;
    size_t n = 10, d = 2;
    double x[20], y[10], var[10], bad[10], got[10], xq[2] = {0.3, 0.3};
    gpbo_gp *gp = noisy_model(GPBO_KERNEL_MATERN52, n, d, 1, 0, x, y, var);
    double m0, v0, m1, v1;
    assert_int_equal(gpbo_gp_predict(gp, 1, xq, &m0, &v0), GPBO_OK);
    const double values[] = {NAN, INFINITY, -INFINITY, -0.5, -1e-300};
    const char *says[] = {"var[3] is not finite (NaN)", "var[3] is not finite (inf)",
                          "var[3] is not finite (-inf)", "var[3] = -0.5 is negative",
                          "var[3] = -1e-300 is negative"};
    for (size_t k = 0; k < sizeof values / sizeof *values; k++) {
        memcpy(bad, var, sizeof bad);
        bad[3] = values[k];
        EXPECT(gpbo_gp_set_data_noise(gp, n - 1, x, y, bad), GPBO_EINVAL, says[k]);
        EXPECT(gpbo_gp_set_data_noise(gp, n, x, y, bad), GPBO_EINVAL, "gp_set_data_noise: ");
        EXPECT(gpbo_gp_set_obs_noise(gp, bad), GPBO_EINVAL, says[k]);
        EXPECT(gpbo_gp_set_obs_noise(gp, bad), GPBO_EINVAL, "gp_set_obs_noise: ");
        EXPECT(gpbo_gp_add_noisy(gp, xq, 0.5, values[k]), GPBO_EINVAL, "gp_add_noisy: var = ");
        assert_int_equal(gpbo_gp_n(gp), n);
        assert_int_equal(gpbo_gp_get_obs_noise(gp, got), GPBO_OK);
        assert_memory_equal(got, var, sizeof var);
        assert_int_equal(gpbo_gp_predict(gp, 1, xq, &m1, &v1), GPBO_OK);
        assert_true(m0 == m1 && v0 == v1);
    }
    EXPECT(gpbo_gp_set_obs_noise(NULL, var), GPBO_EINVAL, "gp is NULL");
    EXPECT(gpbo_gp_get_obs_noise(NULL, got), GPBO_EINVAL, "NULL");
    EXPECT(gpbo_gp_get_obs_noise(gp, NULL), GPBO_EINVAL, "NULL");
    EXPECT(gpbo_gp_add_noisy(NULL, xq, 0.5, 0.1), GPBO_EINVAL, "NULL");
    EXPECT(gpbo_gp_add_noisy(gp, xq, NAN, 0.1), GPBO_EINVAL, "y is not finite");
    EXPECT(gpbo_gp_set_data_noise(NULL, n, x, y, var), GPBO_EINVAL, "gp is NULL");
    EXPECT(gpbo_gp_set_data_noise(gp, n, x, NULL, var), GPBO_EINVAL, "x or y is NULL");
    gpbo_gp_free(gp);

    /* with standardization on, a variance over a tiny std(y)^2 that overflows: named too */
    gpbo_gp *tiny = gpbo_gp_new(GPBO_KERNEL_SE, 1);
    double xt[3] = {0.1, 0.5, 0.9}, yt[3] = {1e-140, 2e-140, 3e-140}, vt[3] = {0.0, 1e150, 0.0};
    EXPECT(gpbo_gp_set_data_noise(tiny, 3, xt, yt, vt), GPBO_EINVAL,
           "var[1] = 1e+150 over std(y)^2");
    assert_int_equal(gpbo_gp_n(tiny), 0);
    vt[1] = 1e-310; /* a subnormal variance is a variance */
    assert_int_equal(gpbo_gp_set_data_noise(tiny, 3, xt, yt, vt), GPBO_OK);
    /* turning standardization off and on again: the variance overflows only when on */
    vt[1] = 1e150;
    assert_int_equal(gpbo_gp_set_normalize(tiny, 0), GPBO_OK);
    assert_int_equal(gpbo_gp_set_obs_noise(tiny, vt), GPBO_OK);
    EXPECT(gpbo_gp_set_normalize(tiny, 1), GPBO_EINVAL, "overflows");
    assert_int_equal(gpbo_gp_get_normalize(tiny), 0);
    gpbo_gp_free(tiny);
}

/* The fit with known noise: data whose noise is known and given leaves the learned sn2 near
 * its floor, where the same data without the variances learn it at the noise's size; through
 * the subset race too (subset_min below n). */
static void test_fit(void **state)
{
    (void)state;
    size_t n = 80, d = 2;
    double x[160], y[80], var[80];
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = gpbo_rng_uniform(&r);
        x[2 * i + 1] = gpbo_rng_uniform(&r);
        var[i] = 0.04 * (1.0 + (double)(i % 4)); /* std 0.2 to 0.4 */
        y[i] = sin(3.1 * x[2 * i]) + cos(2.3 * x[2 * i + 1]) + sqrt(var[i]) * gpbo_rng_normal(&r);
    }
    for (int subset = 0; subset <= 1; subset++) {
        gpbo_gp_fit_options o = GPBO_GP_FIT_OPTIONS_INIT;
        o.restarts = 3;
        o.subset_min = subset ? 40 : 0;
        gpbo_gp *known = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
        gpbo_gp *unknown = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
        assert_int_equal(gpbo_gp_set_data_noise(known, n, x, y, var), GPBO_OK);
        assert_int_equal(gpbo_gp_set_data(unknown, n, x, y), GPBO_OK);
        assert_int_equal(gpbo_gp_fit(known, &o), GPBO_OK);
        assert_int_equal(gpbo_gp_fit(unknown, &o), GPBO_OK);
        double sk = gpbo_gp_noise_variance(known), su = gpbo_gp_noise_variance(unknown);
        print_message("fit subset=%d: sn2 with the variances %.3g, without %.3g\n", subset, sk, su);
        assert_true(su > 0.03 && su < 0.3); /* the mean variance is 0.1 */
        assert_true(sk < 0.1 * su);
        /* the fit's report is the likelihood of the model it leaves, variances included */
        gpbo_gp_fit_info info;
        assert_int_equal(gpbo_gp_get_fit_info(known, &info), GPBO_OK);
        assert_true(close_rel(info.objective, gpbo_gp_log_likelihood(known, NULL), 1e-12));
        gpbo_gp_free(known);
        gpbo_gp_free(unknown);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_definition),
        cmocka_unit_test(test_gradient),
        cmocka_unit_test(test_add_equals_batch),
        cmocka_unit_test(test_huge_variance),
        cmocka_unit_test(test_zeros_change_nothing),
        cmocka_unit_test(test_setters_equal_fresh),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_io),
        cmocka_unit_test(test_bad_variances),
        cmocka_unit_test(test_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
