/*
 * test_acq_callback.c: the projection hook follows gpbo's one callback rule (gpbo/error.h):
 * whatever non-zero value it returns — positive, a gpbo code, or GPBO_EUSER itself — the
 * proposal stops with GPBO_EUSER, and the message names the hook and the value. (Until issue 16
 * the value itself was handed back, so a hook returning 7 made gpbo_acq_propose return 7.)
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/acquisition.h"
#include "gpbo/gp.h"

/* Returns *payload after `after` successful calls, so both the first call and a later one (in
 * the middle of the optimizer's starts) are exercised. */
typedef struct hook {
    int value;
    int after;
    int calls;
} hook;

static int stopping_projection(double *x, size_t dim, void *payload)
{
    (void)x;
    (void)dim;
    hook *h = payload;
    return h->calls++ >= h->after ? h->value : 0;
}

static gpbo_gp *small_gp(void)
{
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 2);
    assert_non_null(gp);
    const double x[8] = {0.12, 0.83, 0.47, 0.31, 0.76, 0.58, 0.29, 0.05};
    const double y[4] = {1.385, 0.217, 0.904, 1.733};
    assert_int_equal(gpbo_gp_set_data(gp, 4, x, y), GPBO_OK);
    return gp;
}

static void expect_euser(const gpbo_gp *gp, int value, int after)
{
    hook h = {value, after, 0};
    gpbo_acq_options o = GPBO_ACQ_OPTIONS_INIT;
    o.project = stopping_projection;
    o.project_payload = &h;
    o.raw_samples = 64;
    double x[2];
    gpbo_error_clear();
    assert_int_equal(gpbo_acq_propose(gp, &o, NAN, 0, NULL, 1, x, NULL), GPBO_EUSER);
    assert_int_equal(gpbo_error_code(), GPBO_EUSER);
    char want[64];
    snprintf(want, sizeof want, "the projection hook returned %d", value);
    if (strstr(gpbo_error_message(), want) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", gpbo_error_message(), want);
    assert_int_equal(h.calls, after + 1); /* stopped at once, not called again */
}

static void test_any_non_zero_is_euser(void **state)
{
    (void)state;
    gpbo_gp *gp = small_gp();
    expect_euser(gp, 7, 0);
    expect_euser(gp, 1, 10);
    expect_euser(gp, GPBO_ENOMEM, 3); /* a gpbo code from the hook is still the hook's stop */
    expect_euser(gp, GPBO_EUSER, 0);
    gpbo_gp_free(gp);
}

/* A stop inside an L-BFGS run (raw_samples = 64: the first 64 calls project the raw points, the
 * later ones come from the optimizer's objective) ends that run at once: the hook is not called
 * again. Before the fix NLopt went on with its line search and called the hook up to 21 more
 * times after it had asked to stop. */
static void test_stop_inside_local_run(void **state)
{
    (void)state;
    gpbo_gp *gp = small_gp();
    const int after[] = {67, 81, 95, 130, 151, 180};
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++)
        expect_euser(gp, 3, after[i]);
    gpbo_gp_free(gp);
}

static void test_no_observations_too(void **state)
{
    (void)state;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_SE, 2); /* the space-filling path */
    assert_non_null(gp);
    expect_euser(gp, 42, 0);
    gpbo_gp_free(gp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_any_non_zero_is_euser),
        cmocka_unit_test(test_stop_inside_local_run),
        cmocka_unit_test(test_no_observations_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
