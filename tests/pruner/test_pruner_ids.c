/*
 * test_pruner_ids.c: the pruner takes trial ids of the study's type (size_t), all of them —
 * ids beyond its ended[] map (2^24) and SIZE_MAX included — and names them in its messages as
 * the study numbers them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/pruner.h"

static void test_any_size_t_id_is_a_trial(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.kind = GPBO_PRUNER_MEDIAN;
    o.startup_trials = 2;
    gpbo_pruner *p = gpbo_pruner_new(&o);
    assert_non_null(p);
    /* Two reference curves with ids at both ends of the type, beyond the ended[] map. */
    const size_t big[] = {SIZE_MAX, ((size_t)1 << 24) + 7};
    for (size_t i = 0; i < 2; i++) {
        int prune = -1;
        assert_int_equal(gpbo_pruner_report(p, big[i], 1, 1.0 + 0.25 * (double)i, &prune), GPBO_OK);
        assert_int_equal(prune, 0);
        assert_int_equal(gpbo_pruner_finish(p, big[i], GPBO_PRUNER_COMPLETE), GPBO_OK);
    }
    /* They count as completed trials: a far worse curve is now stopped. */
    int prune = -1;
    assert_int_equal(gpbo_pruner_report(p, 3, 1, 9.5, &prune), GPBO_OK);
    assert_int_equal(prune, 1);
    /* and they are remembered as finished */
    gpbo_error_clear();
    assert_int_equal(gpbo_pruner_report(p, SIZE_MAX, 2, 0.5, &prune), GPBO_EINVAL);
    char want[80];
    snprintf(want, sizeof want, "trial %zu has already finished", (size_t)SIZE_MAX);
    if (strstr(gpbo_error_message(), want) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", gpbo_error_message(), want);
    gpbo_pruner_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_any_size_t_id_is_a_trial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
