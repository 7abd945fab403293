/*
 * test_error.c: status codes, messages, and the per-thread isolation of the last error.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/sys/error.h"

static void test_strerror_names_every_code(void **state)
{
    (void)state;
    assert_string_equal(gpbo_strerror(GPBO_OK), "success");
    assert_string_equal(gpbo_strerror(GPBO_EINVAL), "invalid argument");
    assert_string_equal(gpbo_strerror(GPBO_ENOTPD), "matrix not positive definite");
    for (int code = GPBO_ETIMEOUT; code < 0; code++)
        assert_string_not_equal(gpbo_strerror(code), "unknown error");
    assert_string_equal(gpbo_strerror(-9999), "unknown error");
    assert_string_equal(gpbo_strerror(17), "unknown error");
}

static void test_set_returns_code_and_formats(void **state)
{
    (void)state;
    gpbo_error_clear();
    assert_int_equal(gpbo_error_code(), GPBO_OK);
    assert_string_equal(gpbo_error_message(), "");
    int rc = gpbo_error_set(GPBO_EINVAL, "x[%d][%d] is %s", 3, 1, "NaN");
    assert_int_equal(rc, GPBO_EINVAL);
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    assert_string_equal(gpbo_error_message(), "x[3][1] is NaN");
    gpbo_error_clear();
    assert_int_equal(gpbo_error_code(), GPBO_OK);
    assert_string_equal(gpbo_error_message(), "");
}

static void test_null_format_uses_strerror(void **state)
{
    (void)state;
    gpbo_error_set(GPBO_ENOMEM, NULL);
    assert_string_equal(gpbo_error_message(), "out of memory");
}

static void test_prefix_keeps_code(void **state)
{
    (void)state;
    gpbo_error_set(GPBO_EFORMAT, "line %d: bad field", 7);
    int rc = gpbo_error_prefix("%s: ", "sweep.yaml");
    assert_int_equal(rc, GPBO_EFORMAT);
    assert_string_equal(gpbo_error_message(), "sweep.yaml: line 7: bad field");
}

static void test_set_may_quote_the_current_message(void **state)
{
    (void)state;
    /* the current message as an argument of the next (cli_study_file does so): formatted apart,
     * not over itself */
    gpbo_error_set(GPBO_EFORMAT, "name '%s' is not a file name", "a/b");
    assert_int_equal(gpbo_error_set(GPBO_EINVAL, "study %s: give --storage", gpbo_error_message()),
                     GPBO_EINVAL);
    assert_string_equal(gpbo_error_message(),
                        "study name 'a/b' is not a file name: give --storage");
}

static void test_prefix_may_quote_the_current_message(void **state)
{
    (void)state;
    gpbo_error_set(GPBO_EFORMAT, "bad field");
    assert_int_equal(gpbo_error_prefix("[%s] ", gpbo_error_message()), GPBO_EFORMAT);
    assert_string_equal(gpbo_error_message(), "[bad field] bad field");
}

static void test_long_message_is_truncated(void **state)
{
    (void)state;
    char big[4000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    gpbo_error_set(GPBO_EIO, "%s", big);
    size_t len = strlen(gpbo_error_message());
    assert_true(len > 0 && len < 1024);
}

static void *other_thread(void *arg)
{
    (void)arg;
    /* A fresh thread sees no error, and its own error does not leak to the main thread. */
    if (gpbo_error_code() != GPBO_OK || gpbo_error_message()[0] != '\0')
        return (void *)1;
    gpbo_error_set(GPBO_ESTORAGE, "thread-local failure");
    return strcmp(gpbo_error_message(), "thread-local failure") == 0 ? NULL : (void *)1;
}

static void test_errors_are_per_thread(void **state)
{
    (void)state;
    gpbo_error_set(GPBO_EUSER, "main thread failure");
    pthread_t t;
    void *ret = (void *)1;
    assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
    assert_int_equal(pthread_join(t, &ret), 0);
    assert_null(ret);
    assert_int_equal(gpbo_error_code(), GPBO_EUSER);
    assert_string_equal(gpbo_error_message(), "main thread failure");
}

static void test_version_is_semver(void **state)
{
    (void)state;
    const char *v = gpbo_version();
    int dots = 0;
    for (const char *p = v; *p; p++)
        dots += *p == '.';
    assert_int_equal(dots, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_names_every_code),
        cmocka_unit_test(test_set_returns_code_and_formats),
        cmocka_unit_test(test_null_format_uses_strerror),
        cmocka_unit_test(test_set_may_quote_the_current_message),
        cmocka_unit_test(test_prefix_may_quote_the_current_message),
        cmocka_unit_test(test_prefix_keeps_code),
        cmocka_unit_test(test_long_message_is_truncated),
        cmocka_unit_test(test_errors_are_per_thread),
        cmocka_unit_test(test_version_is_semver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
