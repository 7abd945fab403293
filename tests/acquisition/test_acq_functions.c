/*
 * test_acq_functions.c: the acquisition functions and their gradients — log h and log Phi
 * against long-double references, continuity across their branches and monotonicity down to
 * z = -1000; EI against a Monte Carlo estimate; finite-difference gradients of every kind where
 * EI is large, tiny and underflowing; zero variance; option errors.
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

#include "acq_internal.h"
#include "gpbo/acquisition.h"
#include "gpbo/error.h"
#include "gpbo/gp.h"
#include "gpbo/rng.h"
#include "gradcheck.h"

/* log h(z) in long double: h = phi(z) + z Phi(z), written as phi(u) - u Q(u) for z < 0. */
static long double ref_log_h(double zd)
{
    long double z = zd, s2pi = 2.5066282746310002416L;
    if (z >= 0)
        return logl(expl(-0.5L * z * z) / s2pi + z * 0.5L * erfcl(-z / sqrtl(2.0L)));
    long double u = -z;
    return logl(expl(-0.5L * u * u) / s2pi - u * 0.5L * erfcl(u / sqrtl(2.0L)));
}

static void test_log_h_reference(void **state)
{
    (void)state;
    /* Where the long-double reference is itself accurate (its cancellation ~ u^2 * 1e-19). */
    for (double z = -35.0; z <= 8.0; z += 0.0137) {
        double d, v = gpbo_acq__log_h(z, &d);
        double r = (double)ref_log_h(z);
        if (fabs(v - r) > 1e-10 * (1.0 + fabs(r)))
            fail_msg("log_h(%g) = %.17g, reference %.17g", z, v, r);
    }
}

static void test_log_h_monotone_smooth(void **state)
{
    (void)state;
    double prev = -INFINITY;
    for (double z = -1000.0; z <= 10.0; z += 0.01) {
        double d, v = gpbo_acq__log_h(z, &d);
        assert_true(isfinite(v) && isfinite(d) && d > 0.0);
        if (!(v > prev))
            fail_msg("log_h not increasing at z = %g", z);
        prev = v;
        /* the derivative matches central differences (smoothness) */
        double h = 1e-5 * fmax(1.0, fabs(z));
        double fd = (gpbo_acq__log_h(z + h, NULL) - gpbo_acq__log_h(z - h, NULL)) / (2 * h);
        if (fabs(fd - d) > 1e-5 * fmax(1.0, fabs(d)))
            fail_msg("d log_h(%g): analytic %.12g, finite differences %.12g", z, d, fd);
    }
    /* continuity across the branch points -1 and -10 */
    for (int b = 0; b < 2; b++) {
        double zb = b ? -10.0 : -1.0, dl, dr;
        double l = gpbo_acq__log_h(zb - 1e-12, &dl), r = gpbo_acq__log_h(zb + 1e-12, &dr);
        assert_true(fabs(l - r) < 1e-9 * fabs(l) + 1e-11);
        assert_true(fabs(dl - dr) < 1e-8 * fabs(dl));
    }
    /* far tail: log h(z) ~ -z^2/2 - log(sqrt(2 pi)) - 2 log|z| */
    double z = -1e6;
    assert_true(fabs(gpbo_acq__log_h(z, NULL) -
                     (-0.5 * z * z - 0.91893853320467274 - 2.0 * log(-z))) < 1e-6);
}

static void test_log_Phi(void **state)
{
    (void)state;
    for (double z = -37.0; z <= 8.0; z += 0.0113) {
        double d, v = gpbo_acq__log_Phi(z, &d);
        long double r = logl(0.5L * erfcl(-(long double)z / sqrtl(2.0L)));
        if (fabs(v - (double)r) > 1e-11 * (1.0 + fabs((double)r)))
            fail_msg("log_Phi(%g) = %.17g, reference %.17Lg", z, v, r);
    }
    double prev = -INFINITY;
    for (double z = -1000.0; z <= 10.0; z += 0.01) {
        double d, v = gpbo_acq__log_Phi(z, &d);
        assert_true(isfinite(v) && d > 0.0 && v > prev);
        prev = v;
        double h = 1e-5 * fmax(1.0, fabs(z));
        double fd = (gpbo_acq__log_Phi(z + h, NULL) - gpbo_acq__log_Phi(z - h, NULL)) / (2 * h);
        if (fabs(fd - d) > 1e-5 * fmax(1.0, fabs(d)))
            fail_msg("d log_Phi(%g): analytic %.12g, finite differences %.12g", z, d, fd);
    }
}

/* EI(mu, sigma) directly against log EI wherever EI > 1e-300 (z down to about -37). */
static void test_logei_equals_log_ei(void **state)
{
    (void)state;
    const double s = 1.7;
    for (double z = -37.5; z <= 6.0; z += 0.0071) {
        double mu = 0.3, best = mu + z * s;
        double ei = gpbo_acq__utility(GPBO_ACQ_EI, best, 0, 0, mu, s * s, NULL, NULL, NULL);
        double lei = gpbo_acq__utility(GPBO_ACQ_LOGEI, best, 0, 0, mu, s * s, NULL, NULL, NULL);
        if (ei > 1e-300 && fabs(log(ei) - lei) > 1e-9 * fabs(lei) + 1e-12)
            fail_msg("z = %g: log(EI) = %.17g, log EI = %.17g", z, log(ei), lei);
    }
    /* plain EI underflows where log EI does not */
    double ei = gpbo_acq__utility(GPBO_ACQ_EI, -100.0, 0, 0, 0.0, 1.0, NULL, NULL, NULL);
    double lei = gpbo_acq__utility(GPBO_ACQ_LOGEI, -100.0, 0, 0, 0.0, 1.0, NULL, NULL, NULL);
    assert_true(ei == 0.0);
    assert_true(isfinite(lei) && lei < -5000.0);
}

/* The far tail under a huge sigma, through the public API: y of order 1e120 (sigma too) and
 * z = -38 .. -42.5, where h(z) < 1e-315 is no double but EI = sigma h(z) (above 1e-300) is.
 * EI equals exp(log EI) there, and its gradient EI times log EI's. Before the fix EI was
 * sigma exp(log h(z)), a subnormal times sigma: 3.5e-8 off at z = -38, 0 below z = -38.4. */
static void test_ei_far_tail_huge_sigma(void **state)
{
    (void)state;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 2);
    double x[16], y[8];
    for (int i = 0; i < 8; i++) {
        x[2 * i] = fmod(0.618034 * (i + 1), 1.0);
        x[2 * i + 1] = fmod(0.754878 * (i + 1) + 0.1, 1.0);
        y[i] = 2.385e120 * (sin(5.1 * x[2 * i]) + x[2 * i + 1]);
    }
    assert_int_equal(gpbo_gp_set_data(gp, 8, x, y), GPBO_OK);
    const double pt[2] = {0.41, 0.27}, zs[] = {-38.0, -39.5, -41.0, -42.5};
    double mu, var;
    assert_int_equal(gpbo_gp_predict(gp, 1, pt, &mu, &var), GPBO_OK);
    assert_true(sqrt(var) > 1e100);
    for (size_t i = 0; i < 4; i++) {
        double best = mu + zs[i] * sqrt(var), ei, lei, g[2], lg[2];
        gpbo_acq_options o = GPBO_ACQ_OPTIONS_INIT;
        o.kind = GPBO_ACQ_EI;
        gpbo_acq *a = gpbo_acq_new(gp, &o, best);
        o.kind = GPBO_ACQ_LOGEI;
        gpbo_acq *l = gpbo_acq_new(gp, &o, best);
        assert_int_equal(gpbo_acq_eval(a, 1, pt, &ei, g), GPBO_OK);
        assert_int_equal(gpbo_acq_eval(l, 1, pt, &lei, lg), GPBO_OK);
        assert_true(lei > -700.0); /* exp(log EI) is a normal double */
        if (!(fabs(ei - exp(lei)) <= 1e-11 * exp(lei)))
            fail_msg("z = %g: EI %.17g, exp(log EI) %.17g", zs[i], ei, exp(lei));
        for (int k = 0; k < 2; k++)
            if (!(fabs(g[k] - ei * lg[k]) <= 1e-9 * fabs(ei * lg[k])))
                fail_msg("z = %g: dEI/dx%d %.17g, EI dlogEI/dx%d %.17g", zs[i], k, g[k], k,
                         ei * lg[k]);
        gpbo_acq_free(a);
        gpbo_acq_free(l);
    }
    gpbo_gp_free(gp);
}

static void test_ei_monte_carlo(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    const double cases[][3] = {{0.4, 1.3, 0.9}, {2.0, 0.5, 1.0}, {-1.2, 0.25, 0.1}};
    for (size_t c = 0; c < 3; c++) {
        double mu = cases[c][0], s = cases[c][1], best = cases[c][2];
        const int N = 100000;
        double sum = 0.0, sum2 = 0.0;
        for (int i = 0; i < N; i++) {
            double f = mu + s * gpbo_rng_normal(&r);
            double imp = best > f ? best - f : 0.0;
            sum += imp;
            sum2 += imp * imp;
        }
        double mean = sum / N, se = sqrt((sum2 / N - mean * mean) / N);
        double ei = gpbo_acq__utility(GPBO_ACQ_EI, best, 0, 0, mu, s * s, NULL, NULL, NULL);
        if (fabs(ei - mean) > 4.0 * se)
            fail_msg("case %zu: EI %.6g, Monte Carlo %.6g +- %.2g", c, ei, mean, se);
    }
}

/* A 2-D GP on a smooth function, hyperparameters set by hand. */
static gpbo_gp *make_gp(size_t n)
{
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 2);
    assert_non_null(gp);
    double *x = malloc(n * 2 * sizeof *x), *y = malloc(n * sizeof *y);
    gpbo_rng r;
    gpbo_rng_seed(&r, 77);
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = gpbo_rng_uniform(&r);
        x[2 * i + 1] = gpbo_rng_uniform(&r);
        y[i] = sin(5.1 * x[2 * i]) + cos(3.3 * x[2 * i + 1]) + x[2 * i] * x[2 * i + 1];
    }
    assert_int_equal(gpbo_gp_set_data(gp, n, x, y), GPBO_OK);
    double p[4] = {log(0.3), log(0.2), log(1.1), log(1e-4)};
    assert_int_equal(gpbo_gp_set_params(gp, p), GPBO_OK);
    free(x);
    free(y);
    return gp;
}

static int acq_scalar(const double *x, double *out, void *payload)
{
    return gpbo_acq_eval(payload, 1, x, out, NULL);
}

static void test_gradients(void **state)
{
    (void)state;
    gpbo_gp *gp = make_gp(12);
    const double pts[][2] = {{0.13, 0.71}, {0.52, 0.37}, {0.91, 0.08}, {0.33, 0.95}};
    /* best_f offsets give EI large (above the mean), tiny (z ~ -8) and underflowing (z ~ -45) */
    const double offsets[] = {+0.5, -8.0, -45.0};
    for (int kind = GPBO_ACQ_EI; kind <= GPBO_ACQ_LCB; kind++) {
        for (size_t p = 0; p < 4; p++) {
            for (size_t o = 0; o < 3; o++) {
                double mu, var;
                assert_int_equal(gpbo_gp_predict(gp, 1, pts[p], &mu, &var), GPBO_OK);
                double best = mu + offsets[o] * sqrt(var);
                gpbo_acq_options opt = GPBO_ACQ_OPTIONS_INIT;
                opt.kind = (gpbo_acq_kind)kind;
                gpbo_acq *a = gpbo_acq_new(gp, &opt, best);
                assert_non_null(a);
                double v, g[2];
                assert_int_equal(gpbo_acq_eval(a, 1, pts[p], &v, g), GPBO_OK);
                assert_true(isfinite(v) && isfinite(g[0]) && isfinite(g[1]));
                if (!(kind == GPBO_ACQ_EI && o == 2)) { /* underflowed EI: 0 and flat */
                    char label[64];
                    snprintf(label, sizeof label, "%s point %zu offset %g",
                             gpbo_acq_kind_name((gpbo_acq_kind)kind), p, offsets[o]);
                    double atol = kind == GPBO_ACQ_EI ? 1e-3 * fabs(v) + 1e-300 : 1e-6;
                    assert_int_equal(gpbo_test_check_gradient(label, acq_scalar, a, 2, pts[p], g,
                                                              1e-6, 1e-4, atol),
                                     0);
                }
                gpbo_acq_free(a);
            }
        }
    }
    gpbo_gp_free(gp);
}

/* The gradients in x through the public API, over the whole range: z = (best_f - mu) / sigma
 * from -40 to +40 at four points of a 2-D GP whose y are scaled by 1e-100, 1 and 1e100 (sigma
 * tiny, ordinary and huge), every pointwise kind, against central differences (step 1e-6,
 * relative tolerance 1e-4; EI only where it is above 1e-290, its differences below are
 * subnormal). */
static void test_gradients_wide_range(void **state)
{
    (void)state;
    const double pts[][2] = {{0.13, 0.71}, {0.52, 0.37}, {0.91, 0.08}, {0.33, 0.95}};
    const double zs[] = {-40.0, -25.0, -9.5, -3.0, 0.0, 3.0, 9.5, 25.0, 40.0};
    const double scales[] = {1e-100, 1.0, 1e100};
    for (size_t sc = 0; sc < 3; sc++) {
        gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 2);
        double x[24], y[12], p[4] = {log(0.3), log(0.2), log(1.1), log(1e-4)};
        for (int i = 0; i < 12; i++) {
            x[2 * i] = fmod(0.618034 * (i + 1), 1.0);
            x[2 * i + 1] = fmod(0.754878 * (i + 1) + 0.1, 1.0);
            y[i] = scales[sc] * (sin(5.1 * x[2 * i]) + cos(3.3 * x[2 * i + 1]));
        }
        assert_int_equal(gpbo_gp_set_data(gp, 12, x, y), GPBO_OK);
        assert_int_equal(gpbo_gp_set_params(gp, p), GPBO_OK);
        for (int kind = GPBO_ACQ_EI; kind <= GPBO_ACQ_LCB; kind++)
            for (size_t i = 0; i < 4; i++)
                for (size_t k = 0; k < 9; k++) {
                    double mu, var, v, g[2];
                    assert_int_equal(gpbo_gp_predict(gp, 1, pts[i], &mu, &var), GPBO_OK);
                    gpbo_acq_options opt = GPBO_ACQ_OPTIONS_INIT;
                    opt.kind = (gpbo_acq_kind)kind;
                    gpbo_acq *a = gpbo_acq_new(gp, &opt, mu + zs[k] * sqrt(var));
                    assert_non_null(a);
                    assert_int_equal(gpbo_acq_eval(a, 1, pts[i], &v, g), GPBO_OK);
                    assert_true(isfinite(v) && isfinite(g[0]) && isfinite(g[1]));
                    if (kind != GPBO_ACQ_EI || v > 1e-290) {
                        char label[96];
                        snprintf(label, sizeof label, "%s, y x %g, point %zu, z = %g",
                                 gpbo_acq_kind_name((gpbo_acq_kind)kind), scales[sc], i, zs[k]);
                        double atol = 1e-9 * (fabs(g[0]) + fabs(g[1])) + 1e-300;
                        assert_int_equal(gpbo_test_check_gradient(label, acq_scalar, a, 2, pts[i],
                                                                  g, 1e-6, 1e-4, atol),
                                         0);
                    }
                    gpbo_acq_free(a);
                }
        gpbo_gp_free(gp);
    }
}

/* m points at once (one BLAS call through the workspace) equal m single evaluations. */
/* The penalized log EI that local penalization maximizes: log EI plus the log penalties. */
typedef struct lp_case {
    gpbo_acq *acq;
    const double *centers, *mu, *sd, *scale;
    double L, M;
} lp_case;

static int lp_scalar(const double *x, double *out, void *payload)
{
    const lp_case *c = payload;
    int rc = gpbo_acq_eval(c->acq, 1, x, out, NULL);
    gpbo_acq__lp_penalize(2, 3, c->centers, c->mu, c->sd, c->scale, c->L, c->M, x, out, NULL);
    return rc;
}

/* The gradients of the batch acquisitions agree with central differences: local penalization's
 * penalized log EI (centers predicted below, at and above M, near and far), and log EI on a
 * model extended by gpbo_gp_add() fantasies with the incumbent lowered to the smallest
 * fantasy, as a Kriging-believer batch evaluates it. */
static void test_batch_gradients(void **state)
{
    (void)state;
    gpbo_gp *gp = make_gp(12);
    const double pts[][2] = {{0.13, 0.71}, {0.52, 0.37}, {0.91, 0.08}, {0.33, 0.95}};
    const double centers[] = {0.5, 0.4, 0.2, 0.8, 0.85, 0.1};
    const double mu[] = {-0.3, 0.1, 0.6}, sd[] = {0.2, 0.05, 0.4};
    const double scales[][2] = {{1.0, 1.0}, {0.3, 2.0}}; /* the unit cube's and lengthscales */
    gpbo_acq_options opt = GPBO_ACQ_OPTIONS_INIT;
    lp_case c = {
        gpbo_acq_new(gp, &opt, gpbo_gp_y_min(gp, NULL)), centers, mu, sd, NULL, 2.385, 0.1};
    assert_non_null(c.acq);
    for (size_t sc = 0; sc < 2; sc++) {
        c.scale = scales[sc];
        for (size_t p = 0; p < 4; p++) {
            double v, g[2];
            assert_int_equal(gpbo_acq_eval(c.acq, 1, pts[p], &v, g), GPBO_OK);
            gpbo_acq__lp_penalize(2, 3, centers, mu, sd, c.scale, c.L, c.M, pts[p], &v, g);
            assert_true(isfinite(v) && isfinite(g[0]) && isfinite(g[1]));
            char label[64];
            snprintf(label, sizeof label, "local penalization scale %zu point %zu", sc, p);
            assert_int_equal(
                gpbo_test_check_gradient(label, lp_scalar, &c, 2, pts[p], g, 1e-6, 1e-4, 1e-6), 0);
        }
    }
    gpbo_acq_free(c.acq);
    gpbo_gp *kb = gpbo_gp_copy(gp);
    assert_non_null(kb);
    double inc = gpbo_gp_y_min(gp, NULL);
    for (size_t j = 0; j < 3; j++) {
        double y;
        assert_int_equal(gpbo_gp_predict(kb, 1, centers + 2 * j, &y, NULL), GPBO_OK);
        assert_int_equal(gpbo_gp_add(kb, centers + 2 * j, y), GPBO_OK);
        inc = fmin(inc, y);
    }
    gpbo_acq *a = gpbo_acq_new(kb, &opt, inc);
    assert_non_null(a);
    for (size_t p = 0; p < 4; p++) {
        double v, g[2];
        assert_int_equal(gpbo_acq_eval(a, 1, pts[p], &v, g), GPBO_OK);
        char label[64];
        snprintf(label, sizeof label, "Kriging believer point %zu", p);
        assert_int_equal(
            gpbo_test_check_gradient(label, acq_scalar, a, 2, pts[p], g, 1e-6, 1e-4, 1e-6), 0);
    }
    gpbo_acq_free(a);
    gpbo_gp_free(kb);
    gpbo_gp_free(gp);
}

static void test_eval_many_equals_one(void **state)
{
    (void)state;
    gpbo_gp *gp = make_gp(20);
    enum { M = 37 };
    double x[2 * M], v[M], g[2 * M];
    gpbo_rng r;
    gpbo_rng_seed(&r, 4242);
    for (size_t i = 0; i < 2 * M; i++)
        x[i] = gpbo_rng_uniform(&r);
    for (int kind = GPBO_ACQ_EI; kind <= GPBO_ACQ_LCB; kind++) {
        gpbo_acq_options opt = GPBO_ACQ_OPTIONS_INIT;
        opt.kind = (gpbo_acq_kind)kind;
        gpbo_acq *a = gpbo_acq_new(gp, &opt, gpbo_gp_y_min(gp, NULL));
        assert_non_null(a);
        assert_int_equal(gpbo_acq_eval(a, M, x, v, g), GPBO_OK);
        for (size_t i = 0; i < M; i++) {
            double v1, g1[2], v2;
            assert_int_equal(gpbo_acq_eval(a, 1, x + 2 * i, &v1, g1), GPBO_OK);
            assert_int_equal(gpbo_acq_eval(a, 1, x + 2 * i, &v2, NULL), GPBO_OK);
            assert_true(fabs(v1 - v[i]) <= 1e-10 * fabs(v1) + 1e-14);
            assert_true(v1 == v2);
            for (int k = 0; k < 2; k++)
                assert_true(fabs(g1[k] - g[2 * i + k]) <= 1e-8 * fabs(g1[k]) + 1e-12);
        }
        gpbo_acq_free(a);
    }
    gpbo_gp_free(gp);
}

/* An SE GP of lengthscale 0.2 through y = 1, 0, 2 at x, noise variance 1e-12. */
static gpbo_gp *noiseless_gp(const double x[3])
{
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_SE, 1);
    double y[3] = {1.0, 0.0, 2.0}, p[3] = {log(0.2), 0.0, log(1e-12)};
    assert_int_equal(gpbo_gp_set_data(gp, 3, x, y), GPBO_OK);
    assert_int_equal(gpbo_gp_set_params(gp, p), GPBO_OK);
    return gp;
}

static void test_zero_variance_and_lcb(void **state)
{
    (void)state;
    double x[3] = {0.2, 0.5, 0.8};
    gpbo_gp *gp = noiseless_gp(x);
    for (int kind = GPBO_ACQ_EI; kind <= GPBO_ACQ_LCB; kind++) {
        gpbo_acq_options opt = GPBO_ACQ_OPTIONS_INIT;
        opt.kind = (gpbo_acq_kind)kind;
        gpbo_acq *a = gpbo_acq_new(gp, &opt, 0.0);
        for (int i = 0; i < 3; i++) {
            double v, g;
            assert_int_equal(gpbo_acq_eval(a, 1, &x[i], &v, &g), GPBO_OK);
            assert_true(!isnan(v) && isfinite(g));
            if (kind != GPBO_ACQ_LCB)
                assert_true(v > -INFINITY);
        }
        gpbo_acq_free(a);
    }
    /* LCB: -(mu - sqrt(beta) sigma); the GP-UCB beta grows with n as 2 log(d t^2 pi^2/(6 delta)) */
    gpbo_acq_options opt = GPBO_ACQ_OPTIONS_INIT;
    opt.kind = GPBO_ACQ_LCB;
    opt.beta = 2.385;
    gpbo_acq *a = gpbo_acq_new(gp, &opt, 0.0);
    double q = 0.37, mu, var, v;
    assert_int_equal(gpbo_gp_predict(gp, 1, &q, &mu, &var), GPBO_OK);
    assert_int_equal(gpbo_acq_eval(a, 1, &q, &v, NULL), GPBO_OK);
    assert_true(fabs(v - (-(mu - sqrt(2.385) * sqrt(var)))) < 1e-12);
    gpbo_acq_free(a);
    opt.beta_rule = GPBO_ACQ_BETA_GP_UCB;
    a = gpbo_acq_new(gp, &opt, 0.0);
    assert_true(fabs(gpbo_acq_beta_value(a) - 2.0 * log(1.0 * 16.0 * M_PI * M_PI / 0.6)) < 1e-12);
    gpbo_acq_free(a);
    gpbo_gp_free(gp);
}

/* An improvement so large that z = (best_f - mu) / sigma overflows to +inf: at zero variance
 * (sigma floored at 1e-150) from best_f - mu ~ 1.8e158 on, at a variance of 1e-12 from ~1.8e302.
 * EI is then best_f - mu (h(z) -> z), log EI its logarithm, log PI 0, as for a z just below the
 * overflow. Before the fix EI and log EI were +inf (and gpbo_acq_propose() took such a point,
 * the most promising one, for a non-finite, excluded one) and their gradients were 0. */
static void test_z_overflow(void **state)
{
    (void)state;
    const double mus[] = {0.0, -2.385, 7.25e157};
    for (size_t i = 0; i < 3; i++) {
        double mu = mus[i], best = 1e200, dmu = 1.0, g;
        double ei = gpbo_acq__utility(GPBO_ACQ_EI, best, 0, 1, mu, 0.0, &dmu, NULL, &g);
        assert_true(fabs(ei - (best - mu)) <= 1e-15 * (best - mu));
        assert_true(g == -1.0);
        double lei = gpbo_acq__utility(GPBO_ACQ_LOGEI, best, 0, 1, mu, 0.0, &dmu, NULL, &g);
        assert_true(fabs(lei - log(best - mu)) <= 1e-15 * fabs(log(best - mu)));
        assert_true(fabs(g + 1.0 / (best - mu)) <= 1e-15 / (best - mu));
        double lpi = gpbo_acq__utility(GPBO_ACQ_LOGPI, best, 0, 1, mu, 0.0, &dmu, NULL, &g);
        assert_true(lpi == 0.0 && g == 0.0);
    }
    /* through the public API: best_f = 1e303 at the training inputs of a nearly noiseless GP */
    double x[3] = {0.2, 0.5, 0.8};
    gpbo_gp *gp = noiseless_gp(x);
    for (int kind = GPBO_ACQ_EI; kind <= GPBO_ACQ_LOGPI; kind++) {
        gpbo_acq_options opt = GPBO_ACQ_OPTIONS_INIT;
        opt.kind = (gpbo_acq_kind)kind;
        gpbo_acq *a = gpbo_acq_new(gp, &opt, 1e303);
        assert_non_null(a);
        for (int i = 0; i < 3; i++) {
            double v, g, mu;
            assert_int_equal(gpbo_gp_predict(gp, 1, &x[i], &mu, NULL), GPBO_OK);
            assert_int_equal(gpbo_acq_eval(a, 1, &x[i], &v, &g), GPBO_OK);
            double want = kind == GPBO_ACQ_EI      ? 1e303 - mu
                          : kind == GPBO_ACQ_LOGEI ? log(1e303)
                                                   : 0.0;
            if (!(fabs(v - want) <= 1e-12 * fabs(want)) || !isfinite(g))
                fail_msg("%s at x = %g: %.17g (gradient %g), want %.17g",
                         gpbo_acq_kind_name((gpbo_acq_kind)kind), x[i], v, g, want);
        }
        gpbo_acq_free(a);
    }
    gpbo_gp_free(gp);
}

/* An m whose scratch, m (2 + 2 dim) doubles, overflows a size_t (m = -1 through an FFI, or
 * SIZE_MAX / 48 + 2 here, whose 48 m bytes wrap to 80) is refused by gpbo_acq_eval itself, and
 * the object still evaluates as a fresh one. Before the fix the scratch was reallocated to the
 * wrapped size with its capacity set to m; the model's check then refused m, and the next call
 * (64 points) wrote past the 80 bytes (AddressSanitizer: heap-buffer-overflow). */
static void test_eval_huge_m(void **state)
{
    (void)state;
    gpbo_gp *gp = make_gp(8);
    gpbo_acq *a = gpbo_acq_new(gp, NULL, gpbo_gp_y_min(gp, NULL));
    gpbo_acq *fresh = gpbo_acq_new(gp, NULL, gpbo_gp_y_min(gp, NULL));
    assert_non_null(a);
    assert_non_null(fresh);
    enum { M = 64 };
    double x[2 * M], v[M], g[2 * M], v2[M], g2[2 * M];
    for (size_t i = 0; i < 2 * M; i++)
        x[i] = fmod(0.37 * (double)i + 0.1, 1.0);
    assert_int_equal(gpbo_acq_eval(a, SIZE_MAX / 48 + 2, x, v, g), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "acq_eval: m = "));
    assert_non_null(strstr(gpbo_error_message(), "is too large"));
    assert_int_equal(gpbo_acq_eval(a, (size_t)-1, x, v, NULL), GPBO_EINVAL);
    assert_int_equal(gpbo_acq_eval(a, M, x, v, g), GPBO_OK);
    assert_int_equal(gpbo_acq_eval(fresh, M, x, v2, g2), GPBO_OK);
    assert_memory_equal(v, v2, sizeof v);
    assert_memory_equal(g, g2, sizeof g);
    gpbo_acq_free(a);
    gpbo_acq_free(fresh);
    gpbo_gp_free(gp);
}

static void test_errors(void **state)
{
    (void)state;
    gpbo_gp *gp = make_gp(5);
    gpbo_acq_options o = GPBO_ACQ_OPTIONS_INIT;
    assert_null(gpbo_acq_new(NULL, &o, 0.0));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    o.version = 99;
    assert_null(gpbo_acq_new(gp, &o, 0.0));
    assert_non_null(strstr(gpbo_error_message(), "version"));
    o = (gpbo_acq_options)GPBO_ACQ_OPTIONS_INIT;
    o.kind = GPBO_ACQ_THOMPSON;
    assert_null(gpbo_acq_new(gp, &o, 0.0));
    assert_non_null(strstr(gpbo_error_message(), "thompson"));
    o.kind = GPBO_ACQ_EI;
    assert_null(gpbo_acq_new(gp, &o, NAN));
    assert_non_null(strstr(gpbo_error_message(), "best_f"));
    o.kind = GPBO_ACQ_LCB;
    o.batch = GPBO_ACQ_BATCH_LP;
    assert_null(gpbo_acq_new(gp, &o, 0.0));
    assert_non_null(strstr(gpbo_error_message(), "penalization"));
    o = (gpbo_acq_options)GPBO_ACQ_OPTIONS_INIT;
    o.delta = 1.5;
    assert_null(gpbo_acq_new(gp, &o, 0.0));
    assert_non_null(strstr(gpbo_error_message(), "delta"));
    o = (gpbo_acq_options)GPBO_ACQ_OPTIONS_INIT;
    o.beta = -1;
    assert_null(gpbo_acq_new(gp, &o, 0.0));
    /* the message gives the limit, as those of raw_samples and max_evals do (before: "is
     * unreasonable", which left the caller to guess) */
    o = (gpbo_acq_options)GPBO_ACQ_OPTIONS_INIT;
    o.restarts = 10001;
    assert_null(gpbo_acq_new(gp, &o, 0.0));
    assert_non_null(strstr(gpbo_error_message(), "options.restarts = 10001 must be at most 10000"));
    o.restarts = 10000;
    gpbo_acq *at_limit = gpbo_acq_new(gp, &o, 0.0);
    assert_non_null(at_limit);
    gpbo_acq_free(at_limit);
    o = (gpbo_acq_options)GPBO_ACQ_OPTIONS_INIT;
    o.raw_samples = 0;
    assert_null(gpbo_acq_new(gp, &o, 0.0));
    assert_non_null(strstr(gpbo_error_message(), "raw_samples"));
    unsigned char fixed[2] = {1, 0};
    double fv[2] = {1.5, 0};
    o = (gpbo_acq_options)GPBO_ACQ_OPTIONS_INIT;
    o.fixed = fixed;
    assert_null(gpbo_acq_new(gp, &o, 0.0));
    assert_non_null(strstr(gpbo_error_message(), "fixed_values"));
    o.fixed_values = fv;
    assert_null(gpbo_acq_new(gp, &o, 0.0));
    assert_non_null(strstr(gpbo_error_message(), "fixed_values[0]"));
    gpbo_acq *a = gpbo_acq_new(gp, NULL, 0.0);
    double bad[2] = {NAN, 0.5}, v;
    assert_int_equal(gpbo_acq_eval(a, 1, bad, &v, NULL), GPBO_EINVAL);
    assert_int_equal(gpbo_acq_eval(NULL, 1, bad, &v, NULL), GPBO_EINVAL);
    gpbo_acq_free(a);
    gpbo_acq_free(NULL);
    gpbo_acq_kind k;
    assert_int_equal(gpbo_acq_kind_parse("ucb", &k), GPBO_OK);
    assert_int_equal(k, GPBO_ACQ_LCB);
    assert_int_equal(gpbo_acq_kind_parse("logei", &k), GPBO_OK);
    assert_int_equal(k, GPBO_ACQ_LOGEI);
    assert_int_equal(gpbo_acq_kind_parse("eii", &k), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "eii"));
    assert_null(gpbo_acq_kind_name(GPBO_ACQ_KIND_COUNT));
    gpbo_gp_free(gp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_h_reference),
        cmocka_unit_test(test_log_h_monotone_smooth),
        cmocka_unit_test(test_log_Phi),
        cmocka_unit_test(test_logei_equals_log_ei),
        cmocka_unit_test(test_ei_monte_carlo),
        cmocka_unit_test(test_ei_far_tail_huge_sigma),
        cmocka_unit_test(test_gradients),
        cmocka_unit_test(test_gradients_wide_range),
        cmocka_unit_test(test_batch_gradients),
        cmocka_unit_test(test_eval_many_equals_one),
        cmocka_unit_test(test_zero_variance_and_lcb),
        cmocka_unit_test(test_z_overflow),
        cmocka_unit_test(test_eval_huge_m),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
