/*
 * test_kernel_exp.c: the built-in kernels' values and dk/dr2 against their closed forms with
 * the C library's exp (gp/kernel.c evaluates exp itself, four values at a time): relative error
 * within a few ulp over r2 from 0 to the point where the kernel underflows, every count modulo
 * 4 (the tails), evaluation in place (k the r2 array), 0 far out, NaN kept.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/gp.h"
#include "gpbo/sys/kernel.h"

/* The closed forms, with libm's exp. */
static void reference(gpbo_kernel_type t, double r2, double *k, double *dk)
{
    double r = sqrt(r2), a;
    switch (t) {
    case GPBO_KERNEL_SE:
        *k = exp(-0.5 * r2);
        *dk = -0.5 * *k;
        break;
    case GPBO_KERNEL_MATERN12:
        *k = exp(-r);
        *dk = r > 0.0 ? -0.5 * *k / r : 0.0;
        break;
    case GPBO_KERNEL_MATERN32:
        a = sqrt(3.0) * r;
        *k = (1.0 + a) * exp(-a);
        *dk = -1.5 * exp(-a);
        break;
    default:
        a = sqrt(5.0) * r;
        *k = (1.0 + a + a * a / 3.0) * exp(-a);
        *dk = -(5.0 / 6.0) * (1.0 + a) * exp(-a);
        break;
    }
}

/* |got - want| within 8 ulp of want (a few roundings besides exp's), or both tiny. */
static int close_ulp(double got, double want)
{
    return fabs(got - want) <= 8.0 * DBL_EPSILON * fabs(want) || fabs(want) < 1e-290;
}

static void test_values(void **state)
{
    (void)state;
    enum { N = 4003 }; /* odd: a tail of 3 */
    double *r2 = malloc(3 * N * sizeof *r2), *k = r2 + N, *dk = r2 + 2 * N;
    assert_non_null(r2);
    for (int t = 0; t < GPBO_KERNEL_COUNT; t++) {
        const gpbo_kernel_def *def = gpbo_kernel_builtin((gpbo_kernel_type)t);
        assert_non_null(def);
        /* r2 from 0 to 1e6 on a log-like grid, plus exact 0 */
        for (int i = 0; i < N; i++)
            r2[i] = i == 0 ? 0.0 : 1e-12 * pow(1e18, (double)i / (N - 1));
        def->eval(N, r2, k, dk);
        for (int i = 0; i < N; i++) {
            double wk, wd;
            reference((gpbo_kernel_type)t, r2[i], &wk, &wd);
            if (!close_ulp(k[i], wk) || !close_ulp(dk[i], wd))
                fail_msg("%s r2 = %.17g: k %.17g (want %.17g), dk %.17g (want %.17g)", def->name,
                         r2[i], k[i], wk, dk[i], wd);
        }
    }
    free(r2);
}

/* Every count from 0 to 9, in place and into another array, gives the same values. */
static void test_counts_in_place(void **state)
{
    (void)state;
    for (int t = 0; t < GPBO_KERNEL_COUNT; t++) {
        const gpbo_kernel_def *def = gpbo_kernel_builtin((gpbo_kernel_type)t);
        for (size_t count = 0; count < 10; count++) {
            double r2[10], inplace[10], k[10], guard[12];
            for (size_t i = 0; i < 10; i++)
                r2[i] = inplace[i] = 0.37 * (double)i;
            for (size_t i = 0; i < 12; i++)
                guard[i] = -7.0;
            def->eval(count, r2, guard + 1, NULL);
            def->eval(count, r2, k, NULL);
            def->eval(count, inplace, inplace, NULL);
            for (size_t i = 0; i < count; i++) {
                assert_true(inplace[i] == k[i]);
                assert_true(guard[i + 1] == k[i]);
            }
            assert_true(guard[0] == -7.0 && guard[count + 1] == -7.0); /* nothing past count */
            for (size_t i = count; i < 10; i++)
                assert_true(inplace[i] == 0.37 * (double)i);
        }
    }
}

/* Far out the kernels are exactly 0 (not a tiny number), up to an infinite r2 (the squared
 * distance of finite points 1e154 scaled lengths apart overflows); NaN stays NaN. */
static void test_far_and_nan(void **state)
{
    (void)state;
    for (int t = 0; t < GPBO_KERNEL_COUNT; t++) {
        const gpbo_kernel_def *def = gpbo_kernel_builtin((gpbo_kernel_type)t);
        double r2[7] = {1e7, 1e300, 1e12, NAN, 1.0, INFINITY, DBL_MAX}, k[7], dk[7];
        def->eval(7, r2, k, dk);
        for (int i = 0; i < 7; i++) {
            if (i == 3 || i == 4)
                continue;
            if (!(k[i] == 0.0 && dk[i] == 0.0))
                fail_msg("%s at r2 = %g: k = %g, dk/dr2 = %g", def->name, r2[i], k[i], dk[i]);
        }
        assert_true(isnan(k[3]));
        assert_true(k[4] > 0.0 && k[4] < 1.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_counts_in_place),
        cmocka_unit_test(test_far_and_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
