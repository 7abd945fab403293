/*
 * test_testfn.c: every test function reaches its stated optimum at its stated minimizer, and
 * no random point of its domain goes below it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/rng.h"
#include "gpbo/search.h"
#include "gpbo/testfn.h"

static void test_optima(void **state)
{
    (void)state;
    gpbo_rng r;
    gpbo_rng_seed(&r, 42);
    size_t count = 0;
    for (const gpbo_test_function *f = gpbo_test_functions(); f->name; f++, count++) {
        size_t dims[3] = {f->dim, f->dim, f->dim};
        if (f->dim == 0) {
            dims[0] = f->min_dim > 2 ? f->min_dim : 2;
            dims[1] = 4;
            dims[2] = 10;
        }
        for (int di = 0; di < 3; di++) {
            size_t d = dims[di];
            double x[10], lo[10], hi[10];
            f->bounds(d, lo, hi);
            double opt = f->optimum(d);
            if (f->argmin(d, x) == 0) {
                double v = f->f(d, x);
                if (fabs(v - opt) > 1e-6 * fmax(1.0, fabs(opt)))
                    fail_msg("%s (d=%zu): f(argmin) = %.12g, optimum %.12g", f->name, d, v, opt);
                for (size_t k = 0; k < d; k++)
                    assert_true(x[k] >= lo[k] && x[k] <= hi[k]);
            }
            if (isnan(opt))
                continue;
            for (int i = 0; i < 2000; i++) {
                for (size_t k = 0; k < d; k++)
                    x[k] = lo[k] + (hi[k] - lo[k]) * gpbo_rng_uniform(&r);
                double v = f->f(d, x);
                if (!(v >= opt - 1e-6 * fmax(1.0, fabs(opt))))
                    fail_msg("%s (d=%zu): %.12g below the optimum %.12g", f->name, d, v, opt);
            }
        }
    }
    assert_int_equal(count, 15);
    assert_non_null(gpbo_test_function_find("hartmann6"));
    assert_null(gpbo_test_function_find("hartman6"));
    assert_int_equal(gpbo_error_code(), GPBO_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_optima)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
