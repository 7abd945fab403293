/*
 * study_util.h: spaces, objectives and statistics shared by the study tests.
 */
#ifndef GPBO_TEST_STUDY_UTIL_H
#define GPBO_TEST_STUDY_UTIL_H

#include <stddef.h>

#include "gpbo/search.h"
#include "gpbo/testfn.h"

/* Branin's box (x1 in [-5, 10], x2 in [0, 15]), with a categorical and an integer besides when
 * with_extras. */
gpbo_space *branin_space(int with_extras);
/* Branin on the first two values. */
int branin(const gpbo_space *s, size_t id, const double *v, double *out, void *p);
/* Branin, but failing on every 4th trial and NaN on every 5th. */
int flaky(const gpbo_space *s, size_t id, const double *v, double *out, void *p);
/* A built-in test function as an objective (payload: the gpbo_test_function). */
int test_function(const gpbo_space *s, size_t id, const double *v, double *out, void *p);
/* Runs a new in-memory study of space s (freed here) with options o for n trials of the
 * built-in test function called name and returns the best value. */
double best_after(gpbo_space *s, const gpbo_study_options *o, const char *name, size_t n);
/* x0..x{dim-1}, each a float in [lo, hi]. */
gpbo_space *box(int dim, double lo, double hi);
/* The median of v[0..n), n >= 1 (the mean of the middle two for an even n; v is reordered). */
double median(double *v, size_t n);
/* How many of v[0..n) are below bound. */
size_t count_below(const double *v, size_t n, double bound);

#endif
