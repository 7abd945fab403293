/*
 * test_gp_subset.c: the fit's race past options.subset_min observations runs on a random half
 * of the data (gpbo_gp__subset, reached through the object library): each of its observations
 * is one of the model's, with the target and the known noise variance in the model's units
 * (standardized when the model is), so that the race ranks the starts on the model it fits.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gp_internal.h"
#include "gp_testdata.h"

static void check_subset(int normalize, int noisy)
{
    size_t n = 60, d = 3, m = 30;
    double x[180], y[60], var[60];
    gp_test_problem(n, d, 2385, x, y);
    for (size_t i = 0; i < n; i++)
        var[i] = noisy ? 0.031 * (double)(i % 7) : 0.0;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
    assert_non_null(gp);
    assert_int_equal(gpbo_gp_set_normalize(gp, normalize), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data_noise(gp, n, x, y, var), GPBO_OK);
    gpbo_gp *sub = gpbo_gp__subset(gp, m, 17);
    assert_non_null(sub);
    assert_int_equal(gpbo_gp_n(sub), m);
    assert_int_equal(gpbo_gp_get_normalize(sub), 0);
    const double *xs = gpbo_gp_x(sub), *ys = gpbo_gp_y(sub);
    double vs[30], ystd = gp->ystd;
    assert_int_equal(gpbo_gp_get_obs_noise(sub, vs), GPBO_OK);
    size_t distinct = 0, nonzero = 0;
    for (size_t j = 0; j < m; j++) {
        size_t i = 0;
        while (i < n && memcmp(x + i * d, xs + j * d, d * sizeof *x) != 0)
            i++;
        assert_true(i < n); /* one of the model's observations */
        assert_true(ys[j] == (y[i] - gp->ymean) / ystd);
        assert_true(vs[j] == var[i] / ystd / ystd);
        nonzero += vs[j] != 0.0;
        distinct++;
    }
    assert_int_equal(distinct, m);
    if (noisy)
        assert_true(nonzero > 0);
    /* and so its likelihood is that of the model of those observations */
    double theta[5];
    assert_int_equal(gpbo_gp_get_params(gp, theta), GPBO_OK);
    gpbo_gp *ref = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
    assert_int_equal(gpbo_gp_set_normalize(ref, 0), GPBO_OK);
    assert_int_equal(gpbo_gp_set_params(ref, theta), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data_noise(ref, m, xs, ys, vs), GPBO_OK);
    assert_true(gpbo_gp_log_likelihood(ref, NULL) == gpbo_gp_log_likelihood(sub, NULL));
    gpbo_gp_free(ref);
    gpbo_gp_free(sub);
    gpbo_gp_free(gp);
}

static void test_subset_keeps_variances(void **state)
{
    (void)state;
    for (int normalize = 0; normalize <= 1; normalize++)
        for (int noisy = 0; noisy <= 1; noisy++)
            check_subset(normalize, noisy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subset_keeps_variances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
