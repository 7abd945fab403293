/*
 * gpbo/sys/kernel.h: the extension table for stationary kernels of gpbo::gp.
 *
 * A stationary kernel is given only as its correlation function k of the squared scaled
 * distance r2 = sum_j ((x_j - x'_j) / l_j)^2, with k(0) = 1, and its derivative dk/dr2. The GP
 * code does everything else once for all kernels: the ARD scaling, the signal variance, the
 * chain rule to the log hyperparameters (d r2 / d log l_j = -2 ((x_j - x'_j) / l_j)^2) and to
 * the inputs (d r2 / d x_j = 2 (x_j - x'_j) / l_j^2). Adding a kernel is writing one function.
 */
#ifndef GPBO_SYS_KERNEL_H
#define GPBO_SYS_KERNEL_H

#include <stddef.h>

#include "gpbo/export.h"
#include "gpbo/gp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of gpbo_kernel_def this header describes. */
#define GPBO_KERNEL_DEF_VERSION 1

/** A stationary kernel. Instances are borrowed by the models that use them (static storage). */
typedef struct gpbo_kernel_def {
    unsigned int version; /**< GPBO_KERNEL_DEF_VERSION */
    const char *name;     /**< short identifier, stored in saved models ("matern52") */
    /**
     * Evaluates the correlation at count squared scaled distances: k[i] = k(r2[i]) and, when
     * dk_dr2 is not NULL, dk_dr2[i] = dk/dr2 at r2[i]. r2[i] >= 0. Where the derivative is
     * infinite (r2 = 0 for Matérn 1/2), write a finite value (0): it is only ever multiplied by
     * terms that vanish there. The three arrays never overlap (the library evaluates its
     * built-in kernels in place, k over r2, but never a custom one). Must not allocate, fail or
     * keep state.
     */
    void (*eval)(size_t count, const double *r2, double *k, double *dk_dr2);
} gpbo_kernel_def;

/** @return the table of a built-in kernel, or NULL for an unknown value. Cannot fail. */
GPBO_API const gpbo_kernel_def *gpbo_kernel_builtin(gpbo_kernel_type kernel);

/** @return the table of a built-in kernel by name ("se", "matern12", ...), or NULL. */
GPBO_API const gpbo_kernel_def *gpbo_kernel_by_name(const char *name);

/**
 * As gpbo_gp_new() with a kernel given by its table. def is borrowed and must outlive the model
 * and its copies. A model with a custom kernel can be saved but only loaded if the name is that
 * of a built-in kernel. Allocates.
 * @return the model, or NULL (GPBO_EINVAL for a NULL def, wrong version, NULL eval or name, or
 *         dim = 0; GPBO_ENOMEM).
 */
GPBO_API gpbo_gp *gpbo_gp_new_with_kernel(const gpbo_kernel_def *def, size_t dim);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_SYS_KERNEL_H */
