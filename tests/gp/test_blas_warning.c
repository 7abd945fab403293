/*
 * test_blas_warning: the libraries that call BLAS warn once, through gpbo_warn(), when OpenBLAS
 * runs slower kernels than the CPU allows (base/blas_cpu.h). Run twice by ctest:
 *   - "fallback": OPENBLAS_CORETYPE=Prescott with the hook GPBO_BLAS_TEST_WARN (this machine's
 *     OpenBLAS recognizes its CPU, so its own fallback cannot happen here; Prescott is the same
 *     kernels a user on an unrecognized CPU gets): one warning from the first GP, one from the
 *     first training run, none after — on a CPU with AVX2 and FMA; none on one without.
 *   - "user": OPENBLAS_CORETYPE=Prescott alone: the user's choice stands, no warning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../base/blas_cpu.h"
#include "gpbo/gp.h"
#include "gpbo/trainer.h"

static const char *mode = "";
static int count;
static char last[1024];

static void on_warning(void *payload, const char *message)
{
    (*(int *)payload)++;
    snprintf(last, sizeof last, "%s", message);
}

static void test_warns_once_per_library(void **state)
{
    (void)state;
    int expect = strcmp(mode, "fallback") == 0 && gpbo_cpu_has_avx2_fma();
    assert_true(strcmp(mode, "fallback") == 0 || strcmp(mode, "user") == 0);
    assert_string_equal(openblas_get_corename(), "Prescott"); /* the environment took */
    assert_null(gpbo_set_warning_handler(on_warning, &count));
    for (int k = 0; k < 3; k++)
        gpbo_gp_free(gpbo_gp_new(GPBO_KERNEL_MATERN52, 2));
    assert_int_equal(count, expect);
    if (expect) {
        assert_non_null(strstr(last, "Prescott"));
        assert_non_null(strstr(last, "GP fits"));
        assert_non_null(strstr(last, "OPENBLAS_CORETYPE=Haswell"));
    }
    gpbo_trainer_result res;
    for (int k = 0; k < 2; k++) /* the check runs first, whatever the call's arguments */
        assert_int_equal(gpbo_trainer_run(NULL, NULL, NULL, NULL, &res), GPBO_EINVAL);
    assert_int_equal(count, 2 * expect);
    if (expect)
        assert_non_null(strstr(last, "training steps"));
    assert_ptr_equal(gpbo_set_warning_handler(NULL, NULL), on_warning);
}

int main(int argc, char **argv)
{
    mode = argc > 1 ? argv[1] : "";
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_warns_once_per_library)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
