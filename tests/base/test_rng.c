/*
 * test_rng.c: the seeded generator: reproducibility, ranges, moments, shuffles, splits.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/rng.h"

static void test_same_seed_same_stream(void **state)
{
    (void)state;
    gpbo_rng a, b, c;
    gpbo_rng_seed(&a, 2385);
    gpbo_rng_seed(&b, 2385);
    gpbo_rng_seed(&c, 2386);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = gpbo_rng_u64(&a);
        assert_true(x == gpbo_rng_u64(&b));
        differ += x != gpbo_rng_u64(&c);
    }
    assert_true(differ > 990);
}

static void test_saved_state_resumes(void **state)
{
    (void)state;
    gpbo_rng a;
    gpbo_rng_seed(&a, 7);
    for (int i = 0; i < 37; i++)
        gpbo_rng_u64(&a);
    gpbo_rng saved = a; /* a plain copy is a saved stream */
    double x = gpbo_rng_normal(&a);
    assert_true(x == gpbo_rng_normal(&saved));
}

static void test_uniform_range_and_mean(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 0);
    double sum = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = gpbo_rng_uniform(&r);
        double p = gpbo_rng_uniform_pos(&r);
        assert_true(u >= 0.0 && u < 1.0);
        assert_true(p > 0.0 && p < 1.0);
        sum += u;
    }
    /* mean 1/2, standard error sqrt(1/12/n) ~ 6.5e-4: allow 5 standard errors */
    assert_true(fabs(sum / n - 0.5) < 5 * sqrt(1.0 / 12.0 / n));
}

static void test_normal_moments(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 99);
    const int n = 200000;
    double s1 = 0, s2 = 0;
    double buf[100];
    for (int i = 0; i < n / 100; i++) {
        gpbo_rng_normals(&r, 100, buf);
        for (int j = 0; j < 100; j++) {
            s1 += buf[j];
            s2 += buf[j] * buf[j];
        }
    }
    double mean = s1 / n, var = s2 / n - mean * mean;
    assert_true(fabs(mean) < 5 / sqrt((double)n));
    assert_true(fabs(var - 1.0) < 5 * sqrt(2.0 / n));
}

static void test_below_is_unbiased_and_in_range(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 3);
    int counts[7] = {0};
    const int n = 70000;
    for (int i = 0; i < n; i++) {
        uint64_t k = gpbo_rng_below(&r, 7);
        assert_true(k < 7);
        counts[k]++;
    }
    for (int k = 0; k < 7; k++)
        assert_true(fabs(counts[k] - n / 7.0) < 5 * sqrt(n / 7.0));
    assert_true(gpbo_rng_below(&r, 0) == 0);
    assert_true(gpbo_rng_below(&r, 1) == 0);
}

static void test_shuffle_is_a_permutation(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 11);
    size_t idx[50];
    for (size_t i = 0; i < 50; i++)
        idx[i] = i;
    gpbo_rng_shuffle(&r, 50, idx);
    int seen[50] = {0}, moved = 0;
    for (size_t i = 0; i < 50; i++) {
        assert_true(idx[i] < 50);
        seen[idx[i]]++;
        moved += idx[i] != i;
    }
    for (int i = 0; i < 50; i++)
        assert_int_equal(seen[i], 1);
    assert_true(moved > 30);
}

static void test_split_gives_independent_streams(void **state)
{
    (void)state;
    gpbo_rng parent, child1, child2;
    gpbo_rng_seed(&parent, 5);
    gpbo_rng_split(&parent, &child1);
    gpbo_rng_split(&parent, &child2);
    int equal = 0;
    for (int i = 0; i < 100; i++)
        equal += gpbo_rng_u64(&child1) == gpbo_rng_u64(&child2);
    assert_int_equal(equal, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_stream),
        cmocka_unit_test(test_saved_state_resumes),
        cmocka_unit_test(test_uniform_range_and_mean),
        cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_below_is_unbiased_and_in_range),
        cmocka_unit_test(test_shuffle_is_a_permutation),
        cmocka_unit_test(test_split_gives_independent_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
