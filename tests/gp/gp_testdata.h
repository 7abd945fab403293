/*
 * gp_testdata.h: small deterministic regression problems shared by the gp tests.
 */
#ifndef GPBO_TEST_GP_TESTDATA_H
#define GPBO_TEST_GP_TESTDATA_H

#include <math.h>
#include <stddef.h>

#include "gpbo/gp.h"
#include "gpbo/rng.h"

/* The built-in kernel kt at scaled distance r >= 0, from its closed form (libm's exp): the
 * reference the tests build K and k* with by hand. */
static inline double gp_test_kernel(gpbo_kernel_type kt, double r)
{
    double a;
    switch (kt) {
    case GPBO_KERNEL_SE:
        return exp(-0.5 * r * r);
    case GPBO_KERNEL_MATERN12:
        return exp(-r);
    case GPBO_KERNEL_MATERN32:
        a = sqrt(3.0) * r;
        return (1.0 + a) * exp(-a);
    default:
        a = sqrt(5.0) * r;
        return (1.0 + a + a * a / 3.0) * exp(-a);
    }
}

/* n points uniform in [0,1]^d and y = a smooth function plus a little noise. */
static inline void gp_test_problem(size_t n, size_t d, unsigned long long seed, double *x,
                                   double *y)
{
    gpbo_rng r;
    gpbo_rng_seed(&r, seed);
    for (size_t i = 0; i < n * d; i++)
        x[i] = gpbo_rng_uniform(&r);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += sin(2.385 * (double)(j + 1) * x[i * d + j]) + 0.7 * x[i * d + j] * x[i * d + j];
        y[i] = 3.1 * s + 1.7 + 0.05 * gpbo_rng_normal(&r);
    }
}

/* A Matérn 5/2 GP (default hyperparameters) holding gp_test_problem(n, d, seed) in x and y;
 * NULL when it cannot be made. */
static inline gpbo_gp *gp_test_matern52_on(size_t n, size_t d, unsigned long long seed, double *x,
                                           double *y)
{
    gp_test_problem(n, d, seed, x, y);
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
    if (gp != NULL && gpbo_gp_set_data(gp, n, x, y) != GPBO_OK) {
        gpbo_gp_free(gp);
        gp = NULL;
    }
    return gp;
}

/* The lower Cholesky factor of the n x n matrix K (row-major; its lower triangle read), in
 * place, by the textbook loops: the reference the library's LAPACK path is checked against. */
static inline void gp_test_cholesky(size_t n, double *K)
{
    for (size_t j = 0; j < n; j++) {
        for (size_t k = 0; k < j; k++)
            K[j * n + j] -= K[j * n + k] * K[j * n + k];
        K[j * n + j] = sqrt(K[j * n + j]);
        for (size_t i = j + 1; i < n; i++) {
            for (size_t k = 0; k < j; k++)
                K[i * n + j] -= K[i * n + k] * K[j * n + k];
            K[i * n + j] /= K[j * n + j];
        }
    }
}

#endif
