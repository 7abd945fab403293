/*
 * test_gp_names.c: the GP library's table of kernel names is the one list there is —
 * gpbo_kernel_name() walks it, gpbo_kernel_parse() reads it back, and every message about an
 * unknown kernel (parse, gpbo_gp_new, a saved model) lists the names from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/gp.h"
#include "gpbo/sys/kernel.h"

static void assert_message_has(const char *text)
{
    if (strstr(gpbo_error_message(), text) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", gpbo_error_message(), text);
}

static void test_names_walk_the_table(void **state)
{
    (void)state;
    static const char *const expected[] = {"se", "matern12", "matern32", "matern52"};
    assert_int_equal(GPBO_KERNEL_COUNT, 4);
    for (int k = 0; k < GPBO_KERNEL_COUNT; k++) {
        const char *name = gpbo_kernel_name((gpbo_kernel_type)k);
        assert_non_null(name);
        assert_string_equal(name, expected[k]);
        /* the name is the one the model and the extension table report */
        assert_string_equal(name, gpbo_kernel_builtin((gpbo_kernel_type)k)->name);
        gpbo_gp *gp = gpbo_gp_new((gpbo_kernel_type)k, 2);
        assert_non_null(gp);
        assert_string_equal(gpbo_gp_kernel_name(gp), name);
        gpbo_gp_free(gp);
        gpbo_kernel_type back = GPBO_KERNEL_COUNT;
        assert_int_equal(gpbo_kernel_parse(name, &back), GPBO_OK);
        assert_int_equal(back, k);
    }
    assert_null(gpbo_kernel_name(GPBO_KERNEL_COUNT));
    assert_null(gpbo_kernel_name((gpbo_kernel_type)-1));
}

static void test_parse_refuses_with_the_list(void **state)
{
    (void)state;
    gpbo_kernel_type k = GPBO_KERNEL_MATERN32;
    gpbo_error_clear();
    assert_int_equal(gpbo_kernel_parse("matern72", &k), GPBO_EINVAL);
    assert_int_equal(k, GPBO_KERNEL_MATERN32); /* unchanged */
    assert_message_has("unknown kernel 'matern72' (se, matern12, matern32, matern52)");
    assert_int_equal(gpbo_kernel_parse("Matern52", &k), GPBO_EINVAL); /* names are exact */
    assert_int_equal(gpbo_kernel_parse(NULL, &k), GPBO_EINVAL);
    assert_message_has("kernel_parse: name or out is NULL");
    assert_int_equal(gpbo_kernel_parse("se", NULL), GPBO_EINVAL);
}

static void test_other_messages_list_the_names(void **state)
{
    (void)state;
    gpbo_error_clear();
    assert_null(gpbo_gp_new(GPBO_KERNEL_COUNT, 2));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    assert_message_has("unknown kernel 4 (0 to 3: se, matern12, matern32, matern52)");

    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 1);
    assert_non_null(gp);
    char *json = gpbo_gp_to_string(gp);
    assert_non_null(json);
    char *at = strstr(json, "\"matern52\"");
    assert_non_null(at);
    memcpy(at + 1, "matern53", 8);
    gpbo_error_clear();
    assert_null(gpbo_gp_from_string(json));
    assert_int_equal(gpbo_error_code(), GPBO_EFORMAT);
    assert_message_has("is not a built-in kernel name (se, matern12, matern32, matern52)");
    gpbo_free(json);
    gpbo_free(NULL); /* accepted, as every gpbo release function */
    gpbo_gp_free(gp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_walk_the_table),
        cmocka_unit_test(test_parse_refuses_with_the_list),
        cmocka_unit_test(test_other_messages_list_the_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
