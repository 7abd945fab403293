/*
 * sobol.c: the digitally shifted Sobol sequence shared by the acquisition's raw points and the
 * search strategies (GSL's generator underneath), and the one place that keeps GSL from aborting
 * the process: GSL's default error handler calls abort() when, say, an allocation fails, and
 * gpbo's libraries promise never to abort.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_qrng.h>
#include <pthread.h>
#include <string.h>

#include "gpbo/acquisition.h"
#include "gpbo/sys/error.h"

static pthread_once_t gsl_quiet_once = PTHREAD_ONCE_INIT;

/* Turns GSL's handler off only when it is the default one (NULL): a handler the application
 * installed stays, since the handler is process-wide and the application's to choose. Every
 * GSL call gpbo makes reports failure through its return value as well. */
static void gsl_quiet(void)
{
    gsl_error_handler_t *previous = gsl_set_error_handler_off();
    if (previous != NULL)
        gsl_set_error_handler(previous);
}

int gpbo_acq_sobol(size_t dim, const uint32_t *shift, size_t first, size_t count, double *out)
{
    if (dim == 0 || dim > GPBO_ACQ_SOBOL_MAX_DIM)
        return gpbo_error_set(GPBO_EINVAL, "sobol: dimension %zu is outside 1..%d", dim,
                              GPBO_ACQ_SOBOL_MAX_DIM);
    if ((shift == NULL || out == NULL) && count > 0)
        return gpbo_error_set(GPBO_EINVAL, "sobol: shift or out is NULL");
    if (count == 0)
        return GPBO_OK;
    pthread_once(&gsl_quiet_once, gsl_quiet);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)dim);
    if (q == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "sobol: out of memory");
    double z[GPBO_ACQ_SOBOL_MAX_DIM] = {0};
    int rc = GPBO_OK;
    /* GSL's sequence starts after the origin; point 0 is the origin itself. */
    for (size_t i = 1; i <= first && rc == GPBO_OK; i++)
        if (gsl_qrng_get(q, z) != GSL_SUCCESS)
            rc = gpbo_error_set(GPBO_EINVAL, "sobol: point %zu is beyond the sequence", i);
    for (size_t i = 0; i < count && rc == GPBO_OK; i++) {
        if (i > 0 && gsl_qrng_get(q, z) != GSL_SUCCESS) {
            rc = gpbo_error_set(GPBO_EINVAL, "sobol: point %zu is beyond the sequence", first + i);
            break;
        }
        for (size_t k = 0; k < dim; k++) {
            uint32_t b = (uint32_t)(z[k] * 4294967296.0) ^ shift[k];
            out[i * dim + k] = ((double)b + 0.5) / 4294967296.0;
        }
    }
    gsl_qrng_free(q);
    return rc;
}
