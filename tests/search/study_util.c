/*
 * study_util.c: what the study tests share — the spaces, objectives and statistics of
 * tests/search (test_study.c, test_strategy_stats.c). Every objective value goes through
 * gpbo_test_objective_value(), the one-ulp switch.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/sys/error.h"
#include "study_util.h"
#include "testutil.h"

gpbo_space *branin_space(int with_extras)
{
    gpbo_space *s = gpbo_space_new();
    gpbo_space_add_float(s, "x1", -5, 10, 0);
    gpbo_space_add_float(s, "x2", 0, 15, 0);
    if (with_extras) {
        const char *c[] = {"a", "b"};
        gpbo_space_add_categorical(s, "cat", 2, c);
        gpbo_space_add_int(s, "k", 1, 3, 0);
    }
    return s;
}

int branin(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    (void)s;
    (void)id;
    (void)p;
    const gpbo_test_function *f = gpbo_test_function_find("branin");
    *out = gpbo_test_objective_value(f->f(2, v));
    return 0;
}

/* Fails on every 4th trial, returns NaN on every 5th. */
int flaky(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    if (id % 4 == 3) {
        gpbo_error_set(GPBO_EUSER, "simulated crash");
        return 1;
    }
    if (id % 5 == 4) {
        *out = NAN;
        return 0;
    }
    return branin(s, id, v, out, p);
}

/* A built-in test function as an objective (payload: the gpbo_test_function). */
int test_function(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    (void)id;
    *out = gpbo_test_objective_value(((const gpbo_test_function *)p)->f(gpbo_space_dim(s), v));
    return 0;
}

/* Runs a new in-memory study of space s (freed here) with options o for n trials of the
 * built-in test function called `name` and returns the best value. */
double best_after(gpbo_space *s, const gpbo_study_options *o, const char *name, size_t n)
{
    gpbo_study *st = gpbo_study_open(NULL, "run", s, o);
    assert_non_null(st);
    const gpbo_test_function *tf = gpbo_test_function_find(name);
    assert_non_null(tf);
    assert_int_equal(gpbo_study_optimize(st, test_function, (void *)tf, n), GPBO_OK);
    gpbo_trial_info b;
    assert_int_equal(gpbo_study_best(st, &b), GPBO_OK);
    gpbo_study_close(st);
    gpbo_space_free(s);
    return b.value;
}

/* x0..x{dim-1}, each a float in [lo, hi] */
gpbo_space *box(int dim, double lo, double hi)
{
    gpbo_space *s = gpbo_space_new();
    for (int j = 0; j < dim; j++) {
        char nm[16];
        snprintf(nm, sizeof nm, "x%d", j);
        gpbo_space_add_float(s, nm, lo, hi, 0);
    }
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n), n >= 1: the middle value, or the mean of the two middle ones for an
 * even n (v is reordered). */
double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

size_t count_below(const double *v, size_t n, double bound)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += v[i] < bound;
    return k;
}
