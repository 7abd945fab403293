/*
 * predict.c: what the fitted model answers: posterior mean and variance of f at a batch of
 * points (BLAS level 2/3), their gradients in x, the full covariance and joint samples
 * (Rasmussen & Williams 2006, eq. 2.25-2.26 and Alg. 2.1). Everything is computed in model
 * units (standardized y) and converted to the units of y on the way out.
 */
#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/numeric.h"
#include "gp_internal.h"
#include "gpbo/sys/error.h"

/* A workspace's first size in doubles; it doubles from there. Chosen by hand. */
#define WS_MIN_CAP 64

/* Row i of the additive form's cross-covariance (and D's row when D is not NULL), input by
 * input against xt in blocks of ADD_BLOCK (the kernel evaluated on a whole block at a time, on
 * the stack: a const gp is shared between threads). */
#define ADD_BLOCK 128
static void cross_additive_row(const gpbo_gp *gp, const double *xi, double *Ki, double *Di)
{
    size_t n = gp->n, d = gp->dim;
    double r2[ADD_BLOCK], kv[ADD_BLOCK], dk[ADD_BLOCK];
    memset(Ki, 0, n * sizeof *Ki);
    for (size_t k = 0; k < d; k++) {
        const double *c = gp->xt + k * n;
        double q = xi[k] / gp->ell[k];
        /* d k / d a_k = (s2 / dim) dkern/dr2 2 t / l_k, t = (a_k - b_k) / l_k */
        double gscale = 2.0 * gp->s2 / (double)d / gp->ell[k];
        for (size_t j0 = 0; j0 < n; j0 += ADD_BLOCK) {
            size_t nb = n - j0 < ADD_BLOCK ? n - j0 : ADD_BLOCK;
            for (size_t j = 0; j < nb; j++) {
                double t = q - c[j0 + j];
                r2[j] = t * t;
            }
            gp->kern->eval(nb, r2, kv, Di ? dk : NULL);
            for (size_t j = 0; j < nb; j++)
                Ki[j0 + j] += kv[j];
            /* a zero dk (far: t may be infinite there) contributes 0, not 0 * inf */
            for (size_t j = 0; Di && j < nb; j++)
                Di[(j0 + j) * d + k] = dk[j] != 0.0 ? gscale * dk[j] * (q - c[j0 + j]) : 0.0;
        }
    }
    double sc = gp->s2 / (double)d;
    for (size_t j = 0; j < n; j++)
        Ki[j] *= sc;
}

/* r2 (n) of the query xi against the training inputs (xt: scaled by ell, transposed), a pass
 * per input. */
GPBO_GP__CLONES static void cross_r2(size_t n, size_t d, const double *xt, const double *ell,
                                     const double *xi, double *r2)
{
    memset(r2, 0, n * sizeof *r2);
    for (size_t k = 0; k < d; k++) {
        const double *c = xt + k * n;
        double q = xi[k] / ell[k];
#pragma omp simd
        for (size_t j = 0; j < n; j++) {
            double t = q - c[j];
            r2[j] += t * t;
        }
    }
}

GPBO_GP__CLONES static void scale_row(size_t n, double s, double *v)
{
#pragma omp simd
    for (size_t j = 0; j < n; j++)
        v[j] *= s;
}

void gpbo_gp__cross(const gpbo_gp *gp, size_t m, const double *xq, double *K, double *D)
{
    size_t n = gp->n, d = gp->dim;
    if (gp->additive) {
        /* D (m x n x dim) takes d k / d xq_k, the additive form having no common dk/dr2 */
        for (size_t i = 0; i < m; i++)
            cross_additive_row(gp, xq + i * d, K + i * n, D ? D + i * n * d : NULL);
        return;
    }
    /* Against xt (training inputs / ell, transposed): the loop over j vectorizes. */
    for (size_t i = 0; i < m; i++) {
        double *Ki = K + i * n;
        cross_r2(n, d, gp->xt, gp->ell, xq + i * d, Ki);
        gpbo_gp__eval_in_place(gp, n, Ki, D ? D + i * n : NULL);
        scale_row(n, gp->s2, Ki);
    }
}

/* Whether m rows of extra + per_m * m doubles each overflow a size_t count of bytes. Computed
 * without wrapping: the sum extra + m + n was taken modulo 2^64 first, and an m of -1 (a
 * caller's size arithmetic) made it 0, a division by zero that killed the process (SIGFPE). */
static int rows_overflow(size_t m, size_t extra, size_t per_m)
{
    const size_t lim = SIZE_MAX / sizeof(double);
    if (m == 0)
        return 0;
    if (m > lim / per_m || extra > lim - per_m * m)
        return 1;
    return m > lim / (extra + per_m * m);
}

static int check_query(const char *fn, const gpbo_gp *gp, size_t m, const double *x,
                       const void *out)
{
    if (gp == NULL)
        return gpbo_error_set(GPBO_EINVAL, "%s: gp is NULL", fn);
    if (m > 0 && (x == NULL || out == NULL))
        return gpbo_error_set(GPBO_EINVAL, "%s: x or an output is NULL with m = %zu", fn, m);
    if (rows_overflow(m, gp->n + gp->dim, 1))
        return gpbo_error_set(GPBO_EINVAL, "%s: m = %zu is too large", fn, m);
    return m > 0 ? gpbo_gp__check_finite(fn, "x", m * gp->dim, gp->dim, x) : GPBO_OK;
}

/* GPBO_EINVAL naming the first of the m means (and variances, var[i * stride], var NULL for
 * none) that is not finite: K^{-1} y, or its product with a prediction's kernel row, overflows
 * a double when the targets are near DBL_MAX and the model does not standardize them (the
 * factor itself is finite: gpbo_gp__factorize checks it). */
static int check_outputs(const char *fn, const gpbo_gp *gp, size_t m, const double *mean,
                         const double *var, size_t stride)
{
    for (size_t i = 0; i < m; i++) {
        int bad_mean = mean != NULL && !isfinite(mean[i]);
        if (bad_mean || (var != NULL && !isfinite(var[i * stride])))
            return gpbo_error_set(GPBO_EINVAL,
                                  "%s: the %s at x[%zu] is not finite (%s): the targets' scale "
                                  "overflows this model's arithmetic (%s)",
                                  fn, bad_mean ? "mean" : "variance", i,
                                  gpbo_nonfinite_name(bad_mean ? mean[i] : var[i * stride]),
                                  gp->normalize ? "rescale y"
                                                : "rescale y, or turn standardization on");
    }
    return GPBO_OK;
}

int gpbo_gp_predict(const gpbo_gp *gp, size_t m, const double *x, double *mean, double *var)
{
    int rc = check_query("gp_predict", gp, m, x, mean);
    if (rc != GPBO_OK || m == 0)
        return rc;
    size_t n = gp->n;
    double sc = gp->ystd, sc2 = gp->ystd * gp->ystd;
    if (n == 0) {
        for (size_t i = 0; i < m; i++) {
            mean[i] = gp->ymean;
            if (var != NULL)
                var[i] = gp->s2 * sc2;
        }
        return GPBO_OK;
    }
    double *K = malloc(m * n * sizeof *K);
    if (K == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "gp_predict: out of memory for %zu x %zu", m, n);
    gpbo_gp__cross(gp, m, x, K, NULL);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)n, 1.0, K, (int)n, gp->alpha, 1, 0.0,
                mean, 1);
    for (size_t i = 0; i < m; i++)
        mean[i] = mean[i] * sc + gp->ymean;
    if (var != NULL) {
        /* V = K L^{-T}: row i is (L^{-1} k_i)^T, and var_i = s2 - |v_i|^2. */
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)m, (int)n,
                    1.0, gp->L, (int)gp->cap, K, (int)n);
        for (size_t i = 0; i < m; i++) {
            double v = gp->s2 - cblas_ddot((int)n, K + i * n, 1, K + i * n, 1);
            var[i] = (v > 0.0 ? v : 0.0) * sc2;
        }
    }
    free(K);
    return check_outputs("gp_predict", gp, m, mean, var, 1);
}

void gpbo_gp__post_cov(const gpbo_gp *gp, size_t m, const double *xq, double *mean, double *cov,
                       double *V)
{
    size_t n = gp->n, d = gp->dim;
    /* Prior covariance, lower triangle, then the symmetric copy at the end. */
    for (size_t i = 0; i < m; i++) {
        double *ci = cov + i * m;
        for (size_t j = 0; j < i; j++)
            ci[j] = gp->s2 * gpbo_gp__corr_pair(gp, xq + i * d, xq + j * d, NULL);
        ci[i] = gp->s2;
    }
    if (n > 0) {
        gpbo_gp__cross(gp, m, xq, V, NULL);
        if (mean != NULL)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)n, 1.0, V, (int)n, gp->alpha, 1,
                        0.0, mean, 1);
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)m, (int)n,
                    1.0, gp->L, (int)gp->cap, V, (int)n);
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)m, (int)n, -1.0, V, (int)n, 1.0,
                    cov, (int)m);
    } else if (mean != NULL) {
        memset(mean, 0, m * sizeof *mean);
    }
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < i; j++)
            cov[j * m + i] = cov[i * m + j];
}

int gpbo_gp_predict_cov(const gpbo_gp *gp, size_t m, const double *x, double *mean, double *cov)
{
    int rc = check_query("gp_predict_cov", gp, m, x, cov);
    if (rc != GPBO_OK || m == 0)
        return rc;
    double *V = malloc((m * gp->n + 1) * sizeof *V);
    if (V == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "gp_predict_cov: out of memory");
    gpbo_gp__post_cov(gp, m, x, mean, cov, V);
    free(V);
    double sc2 = gp->ystd * gp->ystd;
    for (size_t i = 0; i < m * m; i++)
        cov[i] *= sc2;
    /* A variance s2 - |v|^2 rounds below zero where the posterior is certain (a training input
     * with a negligible noise): clamped as gpbo_gp_predict() clamps it. */
    for (size_t i = 0; i < m; i++)
        cov[i * m + i] = fmax(cov[i * m + i], 0.0);
    if (mean != NULL)
        for (size_t i = 0; i < m; i++)
            mean[i] = mean[i] * gp->ystd + gp->ymean;
    return check_outputs("gp_predict_cov", gp, m, mean, cov, m + 1);
}

/* The distinct rows of x (m rows of d): rep[i] is the position, among the distinct rows in order
 * of first appearance, of row i's first occurrence. Returns their count. O(m u d), u the count:
 * the order of the covariance of the u rows this feeds (u^2 kernel evaluations of O(d)). */
static size_t distinct_rows(size_t m, size_t d, const double *x, size_t *first, size_t *rep)
{
    size_t u = 0;
    for (size_t i = 0; i < m; i++) {
        const double *xi = x + i * d;
        size_t k = 0;
        for (; k < u; k++) {
            const double *xk = x + first[k] * d;
            size_t j = 0;
            while (j < d && xi[j] == xk[j])
                j++;
            if (j == d)
                break;
        }
        if (k == u)
            first[u++] = i;
        rep[i] = k;
    }
    return u;
}

int gpbo_gp_sample(const gpbo_gp *gp, size_t m, const double *x, size_t nsamples, gpbo_rng *rng,
                   double *out)
{
    /* Sizes first, before x is read: BLAS takes the samples' count as an int (a larger one was
     * truncated, or wrapped with m to a product of 0, and the loop below then wrote past out),
     * and the scratch (two m x m matrices, m x n, m) must not wrap either. */
    if (gp != NULL && nsamples > (size_t)INT_MAX)
        return gpbo_error_set(GPBO_EINVAL, "gp_sample: nsamples = %zu is too large (%d at most)",
                              nsamples, INT_MAX);
    if (gp != NULL && rows_overflow(m, 1 + gp->n, 2))
        return gpbo_error_set(GPBO_EINVAL, "gp_sample: m = %zu is too large", m);
    int rc = check_query("gp_sample", gp, m, x, out);
    if (rc != GPBO_OK)
        return rc;
    if (rng == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_sample: rng is NULL");
    if (m == 0 || nsamples == 0)
        return GPBO_OK;
    /* f at a repeated point is one random variable: its samples must be equal there, which a
     * jitter on the singular covariance of the repeats would not give (they differed by about
     * 1e-5 sqrt(s2)). The distinct points are sampled and copied out to their repeats. */
    size_t *rep = malloc(2 * m * sizeof *rep);
    if (rep == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "gp_sample: out of memory");
    size_t *first = rep + m, d = gp->dim, u = distinct_rows(m, d, x, first, rep);
    double *cov =
        malloc((u * u + u + u * gp->n + u * u + (u < m ? u * d + nsamples * u : 0)) * sizeof *cov);
    if (cov == NULL) {
        free(rep);
        return gpbo_error_set(GPBO_ENOMEM, "gp_sample: out of memory");
    }
    double *mean = cov + u * u, *V = mean + u, *C = V + u * gp->n;
    double *xu = u < m ? C + u * u : NULL, *su = u < m ? xu + u * d : out;
    for (size_t k = 0; xu != NULL && k < u; k++)
        memcpy(xu + k * d, x + first[k] * d, d * sizeof *xu);
    size_t m0 = m;
    m = u; /* from here on, the distinct points */
    gpbo_gp__post_cov(gp, m, xu != NULL ? xu : x, mean, cov, V);
    /* Posterior covariances are often singular (repeated or training points): escalate a
     * jitter relative to s2, as for K. */
    double jitter = 0.0;
    for (;;) {
        memcpy(C, cov, m * m * sizeof *C);
        for (size_t i = 0; i < m; i++)
            C[i * m + i] += jitter;
        if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)m, C, (lapack_int)m) == 0)
            break;
        if (!gpbo_gp__jitter_next(&jitter, gp->s2)) {
            free(cov);
            free(rep);
            return gpbo_error_set(GPBO_ENOTPD,
                                  "gp_sample: posterior covariance of the %zu points "
                                  "is not positive definite even with jitter",
                                  m0);
        }
    }
    /* su = Z L^T + mean, Z standard normal (nsamples x m), L lower (row-major). */
    gpbo_rng_normals(rng, nsamples * m, su);
    cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)nsamples,
                (int)m, 1.0, C, (int)m, su, (int)m);
    for (size_t s = 0; s < nsamples; s++)
        for (size_t i = 0; i < m; i++)
            su[s * m + i] = (su[s * m + i] + mean[i]) * gp->ystd + gp->ymean;
    for (size_t s = 0; su != out && s < nsamples; s++) /* each point from its distinct one */
        for (size_t i = 0; i < m0; i++)
            out[s * m0 + i] = su[s * m + rep[i]];
    free(cov);
    free(rep);
    return GPBO_OK;
}

gpbo_gp_workspace *gpbo_gp_workspace_new(void)
{
    gpbo_gp_workspace *ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        gpbo_error_set(GPBO_ENOMEM, "gp_workspace_new: out of memory");
    return ws;
}

void gpbo_gp_workspace_free(gpbo_gp_workspace *ws)
{
    if (ws == NULL)
        return;
    free(ws->buf);
    free(ws);
}

/* With no observations: the prior, flat. */
static void prior_grad(const gpbo_gp *gp, size_t m, double *mean, double *var, double *dmean,
                       double *dvar)
{
    size_t d = gp->dim;
    double sc2 = gp->ystd * gp->ystd;
    for (size_t i = 0; i < m; i++) {
        mean[i] = gp->ymean;
        var[i] = gp->s2 * sc2;
    }
    if (dmean != NULL)
        memset(dmean, 0, m * d * sizeof *dmean);
    if (dvar != NULL)
        memset(dvar, 0, m * d * sizeof *dvar);
}

/* need doubles of scratch into *out: ws's buffer, grown geometrically from WS_MIN_CAP, or (ws
 * NULL) a fresh one the caller frees. */
static int grad_scratch(gpbo_gp_workspace *ws, size_t need, double **out)
{
    if (ws == NULL) {
        *out = malloc(need * sizeof **out);
        return *out != NULL ? GPBO_OK
                            : gpbo_error_set(GPBO_ENOMEM, "gp_predict_grad: out of memory");
    }
    if (ws->cap < need) {
        size_t cap = ws->cap ? ws->cap : WS_MIN_CAP;
        while (cap < need)
            cap *= 2;
        double *p = realloc(ws->buf, cap * sizeof *p);
        if (p == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "gp_predict_grad: out of memory");
        ws->buf = p;
        ws->cap = cap;
    }
    *out = ws->buf;
    return GPBO_OK;
}

/* The gradients in x of the mean and variance at the m points (model units, then scaled to
 * y's): K holds U = K K^{-1} when dvar is wanted, D the cross's dk/dr2 (ARD) or dk/dx
 * (additive). */
static void accumulate_grads(const gpbo_gp *gp, size_t m, const double *x, const double *K,
                             const double *D, double *dmean, double *dvar)
{
    size_t n = gp->n, d = gp->dim;
    double sc = gp->ystd, sc2 = sc * sc;
    for (size_t i = 0; i < m; i++) {
        const double *xi = x + i * d;
        double *dm = dmean ? dmean + i * d : NULL, *dv = dvar ? dvar + i * d : NULL;
        if (dm)
            memset(dm, 0, d * sizeof *dm);
        if (dv)
            memset(dv, 0, d * sizeof *dv);
        if (dm == NULL && dv == NULL)
            continue;
        for (size_t j = 0; j < n; j++) {
            const double *xj = gp->x + j * d;
            /* ARD: d k / d x_k = s2 dk/dr2 * 2 (x_k - x_jk) / l_k^2; additive: from the cross */
            double a = gp->additive ? 1.0 : 2.0 * gp->s2 * D[i * n + j];
            if (a == 0.0)
                continue; /* far from x_j (the distance may be infinite): no term, not 0 * inf */
            double cm = a * gp->alpha[j], cv = dv ? -2.0 * a * K[i * n + j] : 0.0;
            const double *g = gp->additive ? D + (i * n + j) * d : NULL;
            for (size_t k = 0; k < d; k++) {
                double t = g ? g[k] : (xi[k] - xj[k]) / (gp->ell[k] * gp->ell[k]);
                if (dm)
                    dm[k] += cm * t;
                if (dv)
                    dv[k] += cv * t;
            }
        }
        for (size_t k = 0; k < d; k++) {
            if (dm)
                dm[k] *= sc;
            if (dv)
                dv[k] *= sc2;
        }
    }
}

int gpbo_gp_predict_grad(const gpbo_gp *gp, gpbo_gp_workspace *ws, size_t m, const double *x,
                         double *mean, double *var, double *dmean, double *dvar)
{
    int rc = check_query("gp_predict_grad", gp, m, x, mean);
    if (rc != GPBO_OK || m == 0)
        return rc;
    if (var == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_predict_grad: var is NULL");
    size_t n = gp->n, d = gp->dim;
    double sc = gp->ystd, sc2 = sc * sc;
    if (n == 0) {
        prior_grad(gp, m, mean, var, dmean, dvar);
        return GPBO_OK;
    }
    double *buf;
    /* K, then D (see cross) only when a gradient is asked for: the acquisition's raw points
     * (values only) are most of its calls' points */
    int grads = dmean != NULL || dvar != NULL;
    rc = grad_scratch(ws, m * n * (grads ? (gp->additive ? 1 + d : 2) : 1), &buf);
    if (rc != GPBO_OK)
        return rc;
    double *K = buf, *D = grads ? buf + m * n : NULL;
    gpbo_gp__cross(gp, m, x, K, D);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)n, 1.0, K, (int)n, gp->alpha, 1, 0.0,
                mean, 1);
    /* V = K L^{-T} (var), then U = V L^{-1} = K K^{-1}: d var / dx = -2 u^T dk/dx. One point
     * (the acquisition's L-BFGS asks one at a time) takes the triangular solves of a vector:
     * OpenBLAS's dtrsm packs L on every call, which cost more than the solve itself at
     * n = 200 (bench/steps/README.md). */
    if (m == 1)
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, gp->L,
                    (int)gp->cap, K, 1);
    else
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)m, (int)n,
                    1.0, gp->L, (int)gp->cap, K, (int)n);
    for (size_t i = 0; i < m; i++)
        var[i] = gp->s2 - cblas_ddot((int)n, K + i * n, 1, K + i * n, 1);
    if (dvar != NULL && m == 1)
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)n, gp->L,
                    (int)gp->cap, K, 1);
    else if (dvar != NULL)
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, (int)m,
                    (int)n, 1.0, gp->L, (int)gp->cap, K, (int)n);
    accumulate_grads(gp, m, x, K, D, dmean, dvar);
    for (size_t i = 0; i < m; i++) {
        mean[i] = mean[i] * sc + gp->ymean;
        var[i] = (var[i] > 0.0 ? var[i] : 0.0) * sc2;
    }
    if (ws == NULL)
        free(buf);
    return check_outputs("gp_predict_grad", gp, m, mean, var, 1);
}
