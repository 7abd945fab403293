/*
 * acq_internal.h: what the files of acquisition/ share (hidden visibility; tests reach these
 * through the object library gpbo_acquisition_obj).
 */
#ifndef GPBO_ACQ_INTERNAL_H
#define GPBO_ACQ_INTERNAL_H

#include <stddef.h>

#include "gpbo/acquisition.h"

/* Standard normal density and distribution function. */
double gpbo_acq__phi(double z);
double gpbo_acq__Phi(double z);

/*
 * log h(z) with h(z) = phi(z) + z Phi(z), so that EI = sigma h((best_f - mu) / sigma); finite
 * for every finite z (asymptotic series below z = -30). *dlogh receives d log h / dz =
 * Phi(z) / h(z).
 */
double gpbo_acq__log_h(double z, double *dlogh);

/* log Phi(z), finite for every finite z; *dlog receives phi(z) / Phi(z). */
double gpbo_acq__log_Phi(double z, double *dlog);

/*
 * Utility of one point from the posterior mean and variance of f there (and their gradients,
 * dim values each, or NULL): the formulas of EI, LOGEI, LOGPI and LCB. grad may be NULL.
 */
double gpbo_acq__utility(gpbo_acq_kind kind, double best_f, double sqrt_beta, size_t dim, double mu,
                         double var, const double *dmu, const double *dvar, double *grad);

/*
 * Local penalization (González et al. 2016): adds to *v the log penalties
 * sum_j log Phi((L r_j + M - mu[j]) / sd[j]) of the np centers c_j (rows of centers, np * dim),
 * r_j = |(x - c_j) / scale| the distance in units of scale (dim values), and their gradient in
 * x to g when g is not NULL (none at a center itself, where r_j has none). Cannot fail.
 */
void gpbo_acq__lp_penalize(size_t dim, size_t np, const double *centers, const double *mu,
                           const double *sd, const double *scale, double L, double M,
                           const double *x, double *v, double *g);

/* Checks the options (named errors). */
int gpbo_acq__check_options(const char *fn, const gpbo_acq_options *o, size_t dim);

/* Reads the caller's options (NULL: the defaults) into *out, a struct of this library's version
 * (the fields of opts->version from opts, later ones their defaults; nothing past the caller's
 * version is read), then checks them. GPBO_EINVAL names an unknown version or a bad field. */
int gpbo_acq__options_load(const char *fn, const gpbo_acq_options *opts, size_t dim,
                           gpbo_acq_options *out);

#endif /* GPBO_ACQ_INTERNAL_H */
