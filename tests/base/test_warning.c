/*
 * test_warning: the warning channel (gpbo/error.h gpbo_set_warning_handler, gpbo/sys/error.h
 * gpbo_warn): dropped without a handler, delivered formatted and truncated with one, the
 * thread's last error untouched, the previous handler handed back, and warnings from several
 * threads delivered one at a time.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "gpbo/sys/error.h"

typedef struct seen {
    int count, inside, overlap; /* inside: calls in progress (the handler's calls never overlap) */
    char last[2048];
} seen;

static void on_warning(void *payload, const char *message)
{
    seen *s = payload;
    if (__atomic_add_fetch(&s->inside, 1, __ATOMIC_SEQ_CST) != 1)
        s->overlap = 1;
    s->count++;
    snprintf(s->last, sizeof s->last, "%s", message);
    __atomic_sub_fetch(&s->inside, 1, __ATOMIC_SEQ_CST);
}

static void test_channel(void **state)
{
    (void)state;
    gpbo_warn("dropped: no handler %d", 1); /* nothing to see, nothing to crash */
    seen s = {0};
    assert_null(gpbo_set_warning_handler(on_warning, &s));
    gpbo_error_set(GPBO_EIO, "the thread's failure");
    gpbo_warn("kernels %s, %d times slower", "Prescott", 3);
    assert_int_equal(s.count, 1);
    assert_string_equal(s.last, "kernels Prescott, 3 times slower");
    assert_int_equal(gpbo_error_code(), GPBO_EIO); /* a warning is not a failure */
    assert_string_equal(gpbo_error_message(), "the thread's failure");
    char big[3000];
    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    gpbo_warn("%s", big);
    assert_int_equal(strlen(s.last), 1023);
    assert_ptr_equal(gpbo_set_warning_handler(NULL, NULL), on_warning);
    gpbo_warn("dropped again");
    assert_int_equal(s.count, 2);
}

static void *warn_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++)
        gpbo_warn("from a thread: %d", i);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    seen s = {0};
    gpbo_set_warning_handler(on_warning, &s);
    pthread_t t[4];
    for (int k = 0; k < 4; k++)
        assert_int_equal(pthread_create(&t[k], NULL, warn_many, NULL), 0);
    for (int k = 0; k < 4; k++)
        pthread_join(t[k], NULL);
    gpbo_set_warning_handler(NULL, NULL);
    assert_int_equal(s.count, 8000);
    assert_false(s.overlap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_channel),
                                       cmocka_unit_test(test_threads)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
