/*
 * test_gp_errors.c: every bad-input path of gpbo::gp returns its code with a message that names
 * the problem, and leaves the model as it was.
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpbo/gp.h"
#include "gpbo/sys/kernel.h"
#include "testutil.h"

#define EXPECT(call, code, text)                                                                   \
    do {                                                                                           \
        gpbo_error_clear();                                                                        \
        assert_int_equal((call), (code));                                                          \
        assert_int_equal(gpbo_error_code(), (code));                                               \
        if (strstr(gpbo_error_message(), (text)) == NULL)                                          \
            fail_msg("message \"%s\" does not contain \"%s\"", gpbo_error_message(), (text));      \
    } while (0)

#define EXPECT_NULL(call, code, text)                                                              \
    do {                                                                                           \
        gpbo_error_clear();                                                                        \
        assert_null((call));                                                                       \
        assert_int_equal(gpbo_error_code(), (code));                                               \
        if (strstr(gpbo_error_message(), (text)) == NULL)                                          \
            fail_msg("message \"%s\" does not contain \"%s\"", gpbo_error_message(), (text));      \
    } while (0)

static void test_new(void **state)
{
    (void)state;
    EXPECT_NULL(gpbo_gp_new((gpbo_kernel_type)7, 2), GPBO_EINVAL, "unknown kernel 7");
    EXPECT_NULL(gpbo_gp_new(GPBO_KERNEL_SE, 0), GPBO_EINVAL, "dim");
    EXPECT_NULL(gpbo_gp_new_with_kernel(NULL, 2), GPBO_EINVAL, "kernel table");
    gpbo_kernel_def bad = *gpbo_kernel_builtin(GPBO_KERNEL_SE);
    bad.version = 99;
    EXPECT_NULL(gpbo_gp_new_with_kernel(&bad, 2), GPBO_EINVAL, "version (99");
    bad.version = GPBO_KERNEL_DEF_VERSION;
    bad.eval = NULL;
    EXPECT_NULL(gpbo_gp_new_with_kernel(&bad, 2), GPBO_EINVAL, "NULL name or eval");
    EXPECT_NULL(gpbo_gp_copy(NULL), GPBO_EINVAL, "NULL");
    assert_null(gpbo_kernel_builtin((gpbo_kernel_type)-1));
    assert_null(gpbo_kernel_by_name("nope"));
    assert_null(gpbo_kernel_by_name(NULL));
    gpbo_gp_free(NULL);
    assert_int_equal(gpbo_gp_n(NULL), 0);
    assert_int_equal(gpbo_gp_dim(NULL), 0);
    assert_int_equal(gpbo_gp_nparams(NULL), 0);
}

static void test_data(void **state)
{
    (void)state;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 2);
    double x[6] = {0.1, 0.2, NAN, 0.4, 0.5, 0.6}, y[3] = {1, 2, 3};
    EXPECT(gpbo_gp_set_data(NULL, 3, x, y), GPBO_EINVAL, "gp is NULL");
    EXPECT(gpbo_gp_set_data(gp, 3, NULL, y), GPBO_EINVAL, "x or y is NULL");
    /* n * dim wrapping (a size of -1, or 2^63 with dim 2) read past x and y until it crashed */
    EXPECT(gpbo_gp_set_data(gp, SIZE_MAX, x, y), GPBO_EINVAL,
           "n = 18446744073709551615 is too large");
    EXPECT(gpbo_gp_set_data(gp, (size_t)1 << 63, x, y), GPBO_EINVAL, "too large");
    EXPECT(gpbo_gp_set_data(gp, 3, x, y), GPBO_EINVAL, "x[1][0] is not finite (NaN)");
    x[2] = 0.3;
    y[2] = INFINITY;
    EXPECT(gpbo_gp_set_data(gp, 3, x, y), GPBO_EINVAL, "y[2] is not finite (inf)");
    assert_int_equal(gpbo_gp_n(gp), 0); /* unchanged */
    y[2] = 3;
    assert_int_equal(gpbo_gp_set_data(gp, 3, x, y), GPBO_OK);
    double bad[2] = {0.1, -INFINITY};
    EXPECT(gpbo_gp_add(gp, bad, 1.0), GPBO_EINVAL, "x[1] is not finite (-inf)");
    EXPECT(gpbo_gp_add(gp, x, NAN), GPBO_EINVAL, "y is not finite (NaN)");
    EXPECT(gpbo_gp_add(gp, NULL, 1.0), GPBO_EINVAL, "NULL");
    EXPECT(gpbo_gp_add(NULL, x, 1.0), GPBO_EINVAL, "NULL");
    assert_int_equal(gpbo_gp_n(gp), 3);
    EXPECT(gpbo_gp_set_normalize(NULL, 1), GPBO_EINVAL, "NULL");

    /* Finite targets whose spread squared overflows cannot be standardized (their std would be
     * infinite and every prediction NaN): refused, and the model is left as it was. */
    double xq[2] = {0.33, 0.71}, m0, v0, m1, v1;
    assert_int_equal(gpbo_gp_predict(gp, 1, xq, &m0, &v0), GPBO_OK);
    double huge[3] = {1.0, -2.385e200, 3.0};
    EXPECT(gpbo_gp_set_data(gp, 3, x, huge), GPBO_EINVAL, "gp_set_data: y");
    EXPECT(gpbo_gp_add(gp, xq, 2.385e200), GPBO_EINVAL, "gp_add: y");
    assert_int_equal(gpbo_gp_n(gp), 3);
    assert_int_equal(gpbo_gp_predict(gp, 1, xq, &m1, &v1), GPBO_OK);
    assert_true(m0 == m1 && v0 == v1);
    /* Targets near DBL_MAX whose sum overflows but whose spread does not are data: equal ones
     * were refused as "its spread overflows (y from 1.5e+308 to 1.5e+308)". */
    double big[3] = {1.5e308, 1.5e308, 1.5e308};
    assert_int_equal(gpbo_gp_set_data(gp, 3, x, big), GPBO_OK);
    assert_int_equal(gpbo_gp_predict(gp, 1, xq, &m1, &v1), GPBO_OK);
    assert_true(m1 == 1.5e308 && isfinite(v1));
    assert_int_equal(gpbo_gp_add(gp, xq, 1.5e308), GPBO_OK);
    assert_int_equal(gpbo_gp_n(gp), 4);
    double near[3] = {1.5e308, -1.5e308, 1.0};
    EXPECT(gpbo_gp_set_data(gp, 3, x, near), GPBO_EINVAL, "its spread overflows");
    assert_int_equal(gpbo_gp_n(gp), 4);
    assert_int_equal(gpbo_gp_set_data(gp, 3, x, y), GPBO_OK);
    /* Without standardization they are taken as given; turning it on is then refused. */
    assert_int_equal(gpbo_gp_set_normalize(gp, 0), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data(gp, 3, x, huge), GPBO_OK);
    EXPECT(gpbo_gp_set_normalize(gp, 1), GPBO_EINVAL, "gp_set_normalize: y");
    assert_int_equal(gpbo_gp_get_normalize(gp), 0);
    assert_int_equal(gpbo_gp_predict(gp, 1, xq, &m1, &v1), GPBO_OK);
    assert_true(isfinite(m1) && isfinite(v1));
    gpbo_gp_free(gp);
}

/* A kernel that fails its contract: NaN beyond r2 = 1. */
static void nan_kernel(size_t count, const double *r2, double *k, double *dk)
{
    for (size_t i = 0; i < count; i++) {
        k[i] = r2[i] > 1.0 ? NAN : exp(-0.5 * r2[i]);
        if (dk != NULL)
            dk[i] = -0.5 * k[i];
    }
}

/* An input whose value over its lengthscale overflows (1e300 / exp(-50)) is refused, naming it:
 * two of them were inf - inf = NaN apart, the NaN passed OpenBLAS's dpotrf (which does not test
 * for it) and the model took the data with GPBO_OK and predicted NaN everywhere. So is a K that
 * holds a NaN (a kernel that returned one). The model is left as it was each time. */
static void test_scaled_input_overflow(void **state)
{
    (void)state;
    double x[3] = {1e300, 1e300, -1e300}, y[3] = {1.0, 2.0, 3.0}, xs[2] = {0.25, 0.75};
    double tiny[3] = {-50.0, 0.0, log(1e-4)}, unit[3] = {0.0, 0.0, log(1e-4)}, got[3];
    double q = 0.4, m0, v0, m1, v1;
    for (int additive = 0; additive < 2; additive++) {
        gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 1);
        assert_int_equal(gpbo_gp_set_additive(gp, additive), GPBO_OK);
        assert_int_equal(gpbo_gp_set_params(gp, tiny), GPBO_OK);
        EXPECT(gpbo_gp_set_data(gp, 3, x, y), GPBO_EINVAL,
               "x[0][0] = 1e+300 over its lengthscale 1.92875e-22 overflows");
        assert_int_equal(gpbo_gp_n(gp), 0);
        /* the same inputs at a lengthscale of 1 are data (far apart: K is diagonal) */
        assert_int_equal(gpbo_gp_set_params(gp, unit), GPBO_OK);
        assert_int_equal(gpbo_gp_set_data(gp, 3, x, y), GPBO_OK);
        assert_int_equal(gpbo_gp_predict(gp, 1, &q, &m0, &v0), GPBO_OK);
        assert_true(isfinite(m0) && isfinite(v0));
        EXPECT(gpbo_gp_set_params(gp, tiny), GPBO_EINVAL, "x[0][0] = 1e+300 over its lengthscale");
        assert_int_equal(gpbo_gp_get_params(gp, got), GPBO_OK);
        assert_memory_equal(got, unit, sizeof got);
        assert_int_equal(gpbo_gp_predict(gp, 1, &q, &m1, &v1), GPBO_OK);
        assert_true(m0 == m1 && v0 == v1);
        /* gp_add: the new input is checked before anything changes */
        assert_int_equal(gpbo_gp_set_data(gp, 2, xs, y), GPBO_OK);
        assert_int_equal(gpbo_gp_set_params(gp, tiny), GPBO_OK);
        assert_int_equal(gpbo_gp_predict(gp, 1, &q, &m0, &v0), GPBO_OK);
        EXPECT(gpbo_gp_add(gp, x, 1.0), GPBO_EINVAL, "gp_add: x[0] = 1e+300 over its lengthscale");
        assert_int_equal(gpbo_gp_n(gp), 2);
        assert_int_equal(gpbo_gp_predict(gp, 1, &q, &m1, &v1), GPBO_OK);
        assert_true(m0 == m1 && v0 == v1 && isfinite(m1));
        gpbo_gp_free(gp);
    }
    /* a saved document with such inputs is a format error naming the fields */
    EXPECT_NULL(
        gpbo_gp_from_string("{\"format\": \"gpbo-gp\", \"version\": 1, \"kernel\": \"se\", "
                            "\"dim\": 1, \"normalize\": true, \"n\": 3, \"x\": [[1e300], "
                            "[1e300], [-1e300]], \"params\": [-50, 0, -9], \"y\": [1, 2, 3]}"),
        GPBO_EFORMAT, "\"x\" / \"y\": gp: x[0][0] = 1e+300 over its lengthscale");

    gpbo_kernel_def bad = {GPBO_KERNEL_DEF_VERSION, "nan-beyond-1", nan_kernel};
    gpbo_gp *gp = gpbo_gp_new_with_kernel(&bad, 1);
    assert_int_equal(gpbo_gp_set_data(gp, 2, xs, y), GPBO_OK); /* 0.5 apart: no NaN */
    assert_int_equal(gpbo_gp_predict(gp, 1, &q, &m0, &v0), GPBO_OK);
    double far[3] = {0.25, 0.75, 9.0};
    EXPECT(gpbo_gp_set_data(gp, 3, far, y), GPBO_EINVAL,
           "holds a value that is not finite: the kernel \"nan-beyond-1\"");
    assert_int_equal(gpbo_gp_n(gp), 2);
    EXPECT(gpbo_gp_add(gp, far + 2, 3.0), GPBO_EINVAL, "not finite");
    assert_int_equal(gpbo_gp_n(gp), 2);
    assert_int_equal(gpbo_gp_predict(gp, 1, &q, &m1, &v1), GPBO_OK);
    assert_true(m0 == m1 && v0 == v1);
    gpbo_gp_free(gp);
}

static void test_params(void **state)
{
    (void)state;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_SE, 2);
    double th[4] = {0.1, 0.2, NAN, 0.0}, got[4];
    EXPECT(gpbo_gp_set_params(gp, th), GPBO_EINVAL, "hyperparameter 2 (signal variance)");
    th[2] = 0.0;
    th[3] = 51.0;
    EXPECT(gpbo_gp_set_params(gp, th), GPBO_EINVAL, "hyperparameter 3 (noise variance) is 51");
    th[3] = 0.0;
    th[0] = -60;
    EXPECT(gpbo_gp_set_params(gp, th), GPBO_EINVAL, "hyperparameter 0 (lengthscale)");
    EXPECT(gpbo_gp_set_params(gp, NULL), GPBO_EINVAL, "NULL");
    EXPECT(gpbo_gp_get_params(gp, NULL), GPBO_EINVAL, "NULL");
    assert_int_equal(gpbo_gp_get_params(gp, got), GPBO_OK);
    assert_true(got[0] == 0.0 && got[3] == log(1e-4)); /* unchanged defaults */
    gpbo_error_clear();
    assert_true(isnan(gpbo_gp_log_likelihood(NULL, NULL)));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    gpbo_gp_free(gp);
}

static void test_fit_options(void **state)
{
    (void)state;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_SE, 1);
    double x[3] = {0.1, 0.5, 0.9}, y[3] = {1, -1, 2}, before[3], after[3];
    assert_int_equal(gpbo_gp_set_data(gp, 3, x, y), GPBO_OK);
    gpbo_gp_get_params(gp, before);
    gpbo_gp_fit_options o;
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.version = 0;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.version");
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.max_evals = 0;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.max_evals");
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.lengthscale_bounds[0] = 2.0;
    o.lengthscale_bounds[1] = 1.0;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.lengthscale_bounds");
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.signal_bounds[0] = 0.0;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.signal_bounds");
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.noise_bounds[1] = NAN;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.noise_bounds");
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.noise_bounds[0] = 1e-30;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.noise_bounds");
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.ftol_rel = -1;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.ftol_rel");
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.restarts = 1u << 30;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.restarts");
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.use_priors = 1;
    o.noise_prior[1] = 0.0;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.noise_prior");
    gpbo_error_clear();
    assert_true(isnan(gpbo_gp_log_posterior(gp, &o, NULL)));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.use_priors = 1;
    o.lengthscale_prior[0] = INFINITY;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.lengthscale_prior");
    gpbo_gp_fit_options_init(&o, GPBO_GP_FIT_OPTIONS_VERSION);
    o.use_priors = 1;
    double own[2] = {0.0, 0.0}; /* dim 1: one pair, sigma 0 */
    o.lengthscale_priors = own;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.lengthscale_priors[0]");
    own[1] = 1.0;
    own[0] = NAN;
    EXPECT(gpbo_gp_fit(gp, &o), GPBO_EINVAL, "options.lengthscale_priors[0]");
    gpbo_error_clear();
    assert_true(isnan(gpbo_gp_log_posterior(gp, &o, NULL)));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    EXPECT(gpbo_gp_fit(NULL, NULL), GPBO_EINVAL, "gp is NULL");
    gpbo_gp_get_params(gp, after);
    assert_memory_equal(before, after, sizeof before);
    gpbo_gp_fit_info info;
    EXPECT(gpbo_gp_get_fit_info(gp, NULL), GPBO_EINVAL, "NULL");
    assert_int_equal(gpbo_gp_get_fit_info(gp, &info), GPBO_OK);
    gpbo_gp_free(gp);
}

/* Targets near DBL_MAX without standardization: K^{-1} y overflows, and every prediction
 * refuses with the reason instead of a NaN mean under GPBO_OK (fuzz_gp found the model: fuzz/
 * corpus/gp/overflowing-targets). */
static void test_predict_overflow(void **state)
{
    (void)state;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_SE, 1);
    assert_non_null(gp);
    double x[5] = {0.37, 0.74, 0.11, 4.8e16, 0.85};
    double y[5] = {0.3, 0.441, 0.0206, 0.712, -0.236572918001e308};
    double th[3] = {-1.2039728043259361, 0.40546510810816438, -6.9077552789821368};
    assert_int_equal(gpbo_gp_set_normalize(gp, 0), GPBO_OK);
    assert_int_equal(gpbo_gp_set_params(gp, th), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data(gp, 5, x, y), GPBO_OK);
    double q = 0.37, mean, var, cov, dm, dv;
    EXPECT(gpbo_gp_predict(gp, 1, &q, &mean, &var), GPBO_EINVAL,
           "gp_predict: the mean at x[0] is not finite");
    assert_non_null(strstr(gpbo_error_message(), "rescale y"));
    EXPECT(gpbo_gp_predict_cov(gp, 1, &q, &mean, &cov), GPBO_EINVAL,
           "gp_predict_cov: the mean at x[0]");
    EXPECT(gpbo_gp_predict_grad(gp, NULL, 1, &q, &mean, &var, &dm, &dv), GPBO_EINVAL,
           "gp_predict_grad: the mean at x[0]");
    /* the same model of y a millionth of that size predicts */
    for (int i = 0; i < 5; i++)
        y[i] *= 1e-6;
    assert_int_equal(gpbo_gp_set_data(gp, 5, x, y), GPBO_OK);
    assert_int_equal(gpbo_gp_predict(gp, 1, &q, &mean, &var), GPBO_OK);
    assert_true(isfinite(mean) && isfinite(var));
    gpbo_gp_free(gp);
}

static void test_predict(void **state)
{
    (void)state;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN32, 2);
    double x[4] = {0.1, 0.2, 0.3, NAN}, mean[2], var[2], cov[4], dm[4], dv[4];
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 1);
    EXPECT(gpbo_gp_predict(gp, 2, x, mean, var), GPBO_EINVAL, "gp_predict: x[1][1] is not finite");
    EXPECT(gpbo_gp_predict(gp, 1, x, NULL, var), GPBO_EINVAL, "NULL");
    EXPECT(gpbo_gp_predict(NULL, 1, x, mean, var), GPBO_EINVAL, "gp is NULL");
    EXPECT(gpbo_gp_predict_cov(gp, 2, x, mean, cov), GPBO_EINVAL, "x[1][1]");
    EXPECT(gpbo_gp_predict_cov(gp, 1, x, mean, NULL), GPBO_EINVAL, "NULL");
    EXPECT(gpbo_gp_predict_grad(gp, NULL, 2, x, mean, var, dm, dv), GPBO_EINVAL, "x[1][1]");
    EXPECT(gpbo_gp_predict_grad(gp, NULL, 1, x, mean, NULL, dm, dv), GPBO_EINVAL, "var is NULL");
    EXPECT(gpbo_gp_sample(gp, 1, x, 1, NULL, mean), GPBO_EINVAL, "rng is NULL");
    EXPECT(gpbo_gp_sample(gp, 2, x, 1, &rng, mean), GPBO_EINVAL, "x[1][1]");
    EXPECT(gpbo_gp_predict(gp, SIZE_MAX / 4, x, mean, var), GPBO_EINVAL, "too large");
    /* Sizes no buffer can have are refused before x or out is touched: nsamples beyond BLAS's
     * int (2^63 with m = 2 wrapped the draws' count to 0 and the loop wrote past out until it
     * crashed), m whose scratch (two m x m matrices) wraps while m x (n + dim + m) does not. */
    double ok[4] = {0.1, 0.2, 0.3, 0.4};
    EXPECT(gpbo_gp_sample(gp, 2, ok, (size_t)1 << 63, &rng, mean), GPBO_EINVAL,
           "gp_sample: nsamples = 9223372036854775808 is too large");
    EXPECT(gpbo_gp_sample(gp, 1, ok, (size_t)INT_MAX + 1, &rng, mean), GPBO_EINVAL,
           "nsamples = 2147483648 is too large");
    EXPECT(gpbo_gp_sample(gp, (size_t)1500000000, ok, 1, &rng, mean), GPBO_EINVAL,
           "gp_sample: m = 1500000000 is too large");
    /* m = 0 is a no-op. */
    assert_int_equal(gpbo_gp_predict(gp, 0, NULL, NULL, NULL), GPBO_OK);
    gpbo_gp_free(gp);

    /* An m of -1 (or -2 ...) from a caller's size arithmetic is refused: the bound on the
     * scratch was computed from m + n + dim (2m + 1 + n in gp_sample), which wrapped to 0 and
     * divided by it (SIGFPE: with dim 1 and no data in predict, one observation in sample). */
    gpbo_gp *one = gpbo_gp_new(GPBO_KERNEL_SE, 1);
    gpbo_gp_workspace *ws = gpbo_gp_workspace_new();
    for (size_t n = 0; n < 3; n++) {
        if (n > 0)
            assert_int_equal(gpbo_gp_add(one, ok + n, 0.5 * (double)n), GPBO_OK);
        for (size_t back = 0; back < 4; back++) {
            size_t m = SIZE_MAX - back;
            EXPECT(gpbo_gp_predict(one, m, ok, mean, var), GPBO_EINVAL, "is too large");
            EXPECT(gpbo_gp_predict_cov(one, m, ok, mean, cov), GPBO_EINVAL, "is too large");
            EXPECT(gpbo_gp_predict_grad(one, ws, m, ok, mean, var, dm, dv), GPBO_EINVAL,
                   "is too large");
            EXPECT(gpbo_gp_sample(one, m, ok, 1, &rng, mean), GPBO_EINVAL, "is too large");
            EXPECT(gpbo_gp_sample(one, m / 2 + 1, ok, 1, &rng, mean), GPBO_EINVAL, "is too large");
        }
    }
    gpbo_gp_workspace_free(ws);
    gpbo_gp_free(one);
}

static void test_io(void **state)
{
    (void)state;
    EXPECT_NULL(gpbo_gp_to_string(NULL), GPBO_EINVAL, "NULL");
    EXPECT_NULL(gpbo_gp_from_string(NULL), GPBO_EINVAL, "NULL");
    EXPECT_NULL(gpbo_gp_from_string("{\"format\": "), GPBO_EFORMAT, "line 1");
    EXPECT_NULL(gpbo_gp_from_string("[1, 2]"), GPBO_EFORMAT, "not a JSON object");
    EXPECT_NULL(gpbo_gp_from_string("{\"format\": \"other\"}"), GPBO_EFORMAT, "\"format\"");
    /* the version found is named (the message said only what was expected) */
    EXPECT_NULL(gpbo_gp_from_string("{\"format\": \"gpbo-gp\", \"version\": 3}"), GPBO_EFORMAT,
                "\"version\" is 3 (written by a newer gpbo, whose format this one cannot read): "
                "it must be 1 to 2");
    EXPECT_NULL(gpbo_gp_from_string("{\"format\": \"gpbo-gp\", \"version\": 0}"), GPBO_EFORMAT,
                "\"version\" is 0: it must be 1 to 2");
    EXPECT_NULL(gpbo_gp_from_string("{\"format\": \"gpbo-gp\", \"version\": \"1\"}"), GPBO_EFORMAT,
                "\"version\" must be 1 to 2 (an integer)");
    const char *head = "{\"format\": \"gpbo-gp\", \"version\": 1, ";
    char buf[512];
    snprintf(buf, sizeof buf, "%s\"kernel\": \"rbf\"}", head);
    EXPECT_NULL(gpbo_gp_from_string(buf), GPBO_EFORMAT, "\"kernel\"");
    snprintf(buf, sizeof buf, "%s\"kernel\": \"se\", \"dim\": 0}", head);
    EXPECT_NULL(gpbo_gp_from_string(buf), GPBO_EFORMAT, "\"dim\"");
    snprintf(buf, sizeof buf, "%s\"kernel\": \"se\", \"dim\": 1, \"normalize\": 3}", head);
    EXPECT_NULL(gpbo_gp_from_string(buf), GPBO_EFORMAT, "\"normalize\"");
    snprintf(buf, sizeof buf,
             "%s\"kernel\": \"se\", \"dim\": 1, \"normalize\": true, \"n\": 2, \"x\": [[0.1]]}",
             head);
    EXPECT_NULL(gpbo_gp_from_string(buf), GPBO_EFORMAT, "\"n\"");
    snprintf(buf, sizeof buf,
             "%s\"kernel\": \"se\", \"dim\": 1, \"normalize\": true, \"n\": 1, \"x\": [[0.1]], "
             "\"params\": [0, 0], \"y\": [1]}",
             head);
    EXPECT_NULL(gpbo_gp_from_string(buf), GPBO_EFORMAT, "\"params\" must be an array of 3");
    snprintf(buf, sizeof buf,
             "%s\"kernel\": \"se\", \"dim\": 1, \"normalize\": true, \"n\": 3, "
             "\"x\": [[0.5], [0.7], [\"a\"]], \"params\": [0, 0, 0], \"y\": [1, 2, 3]}",
             head);
    EXPECT_NULL(gpbo_gp_from_string(buf), GPBO_EFORMAT, "\"x\"[2][0] is not a number");
    snprintf(buf, sizeof buf,
             "%s\"kernel\": \"se\", \"dim\": 2, \"normalize\": true, \"n\": 2, "
             "\"x\": [[0.5, 0.1], [0.7]], \"params\": [0, 0, 0, 0], \"y\": [1, 2]}",
             head);
    EXPECT_NULL(gpbo_gp_from_string(buf), GPBO_EFORMAT, "\"x\"[1] must be an array of 2");
    snprintf(buf, sizeof buf,
             "%s\"kernel\": \"se\", \"dim\": 1, \"normalize\": true, \"n\": 1, \"x\": [[0.5]], "
             "\"params\": [0, 0, 99], \"y\": [1]}",
             head);
    EXPECT_NULL(gpbo_gp_from_string(buf), GPBO_EFORMAT,
                "\"params\"[2] (log noise variance) is 99, outside [-50, 50]");
    /* Numbers the model refuses (targets too spread to standardize) are a format error that
     * names the field and keeps the model's reason (it was set_data's GPBO_EINVAL). */
    snprintf(buf, sizeof buf,
             "%s\"kernel\": \"se\", \"dim\": 1, \"normalize\": true, \"n\": 3, "
             "\"x\": [[0.1], [0.5], [0.9]], \"params\": [0, 0, -2], \"y\": [1, -2.4e200, 3]}",
             head);
    EXPECT_NULL(gpbo_gp_from_string(buf), GPBO_EFORMAT, "\"y\"");
    /* A wrong "dim" in a small document (a million, over 100000 rows of two numbers: 1.2 MB)
     * is named by the field whose length disagrees; it was "out of memory", after asking for
     * the 800 GB that n * dim numbers would take. */
    enum { ROWS = 100000 };
    const char *row = "[0.1, 0.2], ";
    size_t cap = 256 + ROWS * (strlen(row) + 6), len;
    char *big = malloc(cap);
    assert_non_null(big);
    len = (size_t)snprintf(big, cap,
                           "%s\"kernel\": \"se\", \"dim\": 1000000, \"normalize\": true, "
                           "\"n\": %d, \"params\": [0, 0, 0, 0], \"x\": [",
                           head, ROWS);
    for (int i = 0; i < ROWS; i++)
        len += (size_t)snprintf(big + len, cap - len, "%s", i + 1 < ROWS ? row : "[0.1, 0.2]");
    len += (size_t)snprintf(big + len, cap - len, "], \"y\": [");
    for (int i = 0; i < ROWS; i++)
        len += (size_t)snprintf(big + len, cap - len, i + 1 < ROWS ? "1, " : "1]}");
    EXPECT_NULL(gpbo_gp_from_string(big), GPBO_EFORMAT,
                "gp model: \"params\" must be an array of 1000002 numbers");
    free(big);
    /* A valid hand-written document loads. */
    snprintf(buf, sizeof buf,
             "%s\"kernel\": \"se\", \"dim\": 1, \"normalize\": false, \"n\": 1, \"x\": [[0.5]], "
             "\"params\": [0, 0, -2], \"y\": [1]}",
             head);
    gpbo_gp *ok = gpbo_gp_from_string(buf);
    assert_non_null(ok);

    char dir[512], path[600];
    assert_int_equal(gpbo_test_mkdtemp(dir, sizeof dir, "gperr"), 0);
    snprintf(path, sizeof path, "%s/missing.json", dir);
    EXPECT_NULL(gpbo_gp_load(path), GPBO_EIO, "missing.json");
    EXPECT_NULL(gpbo_gp_load(NULL), GPBO_EINVAL, "NULL");
    snprintf(path, sizeof path, "%s/bad.json", dir);
    const char *v5 = "{\"format\": \"gpbo-gp\", \"version\": 5}";
    assert_int_equal(gpbo_test_write_file(path, v5, strlen(v5)), 0);
    EXPECT_NULL(gpbo_gp_load(path), GPBO_EFORMAT, "bad.json: gp model: \"version\"");
    assert_int_equal(gpbo_test_write_file(path, "{oops", 5), 0);
    EXPECT_NULL(gpbo_gp_load(path), GPBO_EFORMAT, "bad.json");
    /* A NUL byte is named by its line and column (jansson's parse of the file said "end of
     * file expected" there); a folder is named as one (it was "'[' or '{' expected"). */
    assert_int_equal(gpbo_test_write_file(path, "{\"format\":\n  \"gp\0garbage", 23), 0);
    EXPECT_NULL(gpbo_gp_load(path), GPBO_EFORMAT, "bad.json: line 2, column 6: a NUL byte");
    EXPECT_NULL(gpbo_gp_load(dir), GPBO_EIO, "Is a directory");
    snprintf(path, sizeof path, "%s/no/such/dir/model.json", dir);
    EXPECT(gpbo_gp_save(ok, path), GPBO_EIO, "cannot open");
    EXPECT(gpbo_gp_save(ok, NULL), GPBO_EINVAL, "NULL");
    EXPECT(gpbo_gp_save(NULL, path), GPBO_EINVAL, "NULL");
    gpbo_gp_free(ok);
    gpbo_test_rmtree(dir);
}

/* A squared-exponential kernel written by a user (the built-in's values, another eval). */
static void user_se(size_t count, const double *r2, double *k, double *dk)
{
    for (size_t i = 0; i < count; i++) {
        double v = exp(-0.5 * r2[i]);
        k[i] = v;
        if (dk != NULL)
            dk[i] = -0.5 * v;
    }
}

/* A custom kernel named as a built-in one cannot be saved: the file would load as the
 * built-in kernel's model without a word (a "matern52" written by a user came back as gpbo's
 * Matern 5/2). A copy of a built-in table (its eval) saves and loads as that kernel, and a
 * custom kernel of its own name is written by it (loading it says it is not built in). */
static void test_custom_kernel_name_clash(void **state)
{
    (void)state;
    double x[3] = {0.1, 0.5, 0.9}, y[3] = {1.0, -1.0, 0.5};
    gpbo_kernel_def clash = {GPBO_KERNEL_DEF_VERSION, "matern52", user_se};
    gpbo_gp *gp = gpbo_gp_new_with_kernel(&clash, 1);
    assert_non_null(gp);
    assert_int_equal(gpbo_gp_set_data(gp, 3, x, y), GPBO_OK);
    EXPECT_NULL(gpbo_gp_to_string(gp), GPBO_EINVAL, "custom kernel is named \"matern52\"");
    char dir[512], path[600];
    assert_int_equal(gpbo_test_mkdtemp(dir, sizeof dir, "gpclash"), 0);
    snprintf(path, sizeof path, "%s/model.json", dir);
    EXPECT(gpbo_gp_save(gp, path), GPBO_EINVAL, "a built-in kernel's name");
    assert_int_equal(access(path, F_OK), -1);
    gpbo_gp_free(gp);

    gpbo_kernel_def copy = *gpbo_kernel_builtin(GPBO_KERNEL_SE);
    gp = gpbo_gp_new_with_kernel(&copy, 1);
    assert_int_equal(gpbo_gp_set_data(gp, 3, x, y), GPBO_OK);
    assert_int_equal(gpbo_gp_save(gp, path), GPBO_OK);
    gpbo_gp *back = gpbo_gp_load(path);
    assert_non_null(back);
    assert_string_equal(gpbo_gp_kernel_name(back), "se");
    gpbo_gp_free(back);
    gpbo_gp_free(gp);

    gpbo_kernel_def own = {GPBO_KERNEL_DEF_VERSION, "user-se", user_se};
    gp = gpbo_gp_new_with_kernel(&own, 1);
    assert_int_equal(gpbo_gp_set_data(gp, 3, x, y), GPBO_OK);
    assert_int_equal(gpbo_gp_save(gp, path), GPBO_OK);
    EXPECT_NULL(gpbo_gp_load(path), GPBO_EFORMAT, "not a built-in kernel name");
    gpbo_gp_free(gp);
    gpbo_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new),
        cmocka_unit_test(test_data),
        cmocka_unit_test(test_scaled_input_overflow),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_fit_options),
        cmocka_unit_test(test_predict),
        cmocka_unit_test(test_predict_overflow),
        cmocka_unit_test(test_io),
        cmocka_unit_test(test_custom_kernel_name_clash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
