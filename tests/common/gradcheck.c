/*
 * gradcheck.c: central finite differences, for checking analytic gradients in tests.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"

int gpbo_test_fd_gradient(gpbo_test_scalar_fn f, void *payload, size_t n, const double *x, double h,
                          double *out)
{
    double *xp = malloc(n * sizeof *xp);
    if (xp == NULL)
        return -1;
    memcpy(xp, x, n * sizeof *xp);
    for (size_t i = 0; i < n; i++) {
        double step = h * fmax(1.0, fabs(x[i]));
        double fp, fm;
        xp[i] = x[i] + step;
        int rc = f(xp, &fp, payload);
        xp[i] = x[i] - step;
        if (rc == 0)
            rc = f(xp, &fm, payload);
        xp[i] = x[i];
        if (rc != 0) {
            free(xp);
            return rc;
        }
        out[i] = (fp - fm) / (2.0 * step);
    }
    free(xp);
    return 0;
}

int gpbo_test_check_gradient(const char *label, gpbo_test_scalar_fn f, void *payload, size_t n,
                             const double *x, const double *grad, double h, double rtol,
                             double atol)
{
    double *fd = malloc(n * sizeof *fd);
    if (fd == NULL)
        return -1;
    if (gpbo_test_fd_gradient(f, payload, n, x, h, fd) != 0) {
        free(fd);
        return -1;
    }
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        double tol = atol + rtol * fmax(fabs(grad[i]), fabs(fd[i]));
        if (!(fabs(grad[i] - fd[i]) <= tol)) {
            fprintf(stderr, "gradcheck %s: component %zu analytic %.12g finite-diff %.12g\n", label,
                    i, grad[i], fd[i]);
            failures++;
        }
    }
    free(fd);
    return failures;
}
