/*
 * gradcheck.h: the finite-difference gradient checker every numerical test uses.
 */
#ifndef GPBO_TEST_GRADCHECK_H
#define GPBO_TEST_GRADCHECK_H

#include <stddef.h>

/* A scalar function of n variables; returns 0 on success. */
typedef int (*gpbo_test_scalar_fn)(const double *x, double *out, void *payload);

/*
 * Compares grad (the analytic gradient at x) with central differences of f of step h (scaled
 * by max(1, |x_i|)). Component i passes when |grad_i - fd_i| <= atol + rtol * max(|grad_i|,
 * |fd_i|). Prints every failing component (with the label) and returns the number of failures;
 * -1 if f itself failed.
 */
int gpbo_test_check_gradient(const char *label, gpbo_test_scalar_fn f, void *payload, size_t n,
                             const double *x, const double *grad, double h, double rtol,
                             double atol);

/* Central-difference gradient of f at x into out (n values); returns 0 or f's failure. */
int gpbo_test_fd_gradient(gpbo_test_scalar_fn f, void *payload, size_t n, const double *x, double h,
                          double *out);

#endif
