/*
 * gp.c: the gpbo_gp model: lifecycle, data, hyperparameters, the Cholesky factorization with
 * jitter escalation, the O(n^2) incremental update, and the log marginal likelihood with its
 * analytic gradient (Rasmussen & Williams 2006, Alg. 2.1 and eq. 5.8-5.9).
 *
 * Storage: L is lower-triangular, row-major with leading dimension cap. The same memory is the
 * upper triangle of a column-major matrix, which is what LAPACK's dpotrf('U') / dpotri('U')
 * work on directly (no transposed copies, unlike LAPACKE's row-major wrappers).
 */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/blas_cpu.h"
#include "../base/numeric.h"
#include "gp_internal.h"
#include "gpbo/sys/error.h"

/* Below this size relative to |mean(y)| the standard deviation of y counts as zero (constant y):
 * a spread of some 16 units in the last place of the mean is rounding, not data. It was 1e-12,
 * thousands of units, and y = 1e9 + 1e-4 sin(6x) (spread 840 units) was then only centred and
 * fitted as noise (74% error where scikit-learn's normalize_y fits it to 0.06%). */
#define YSTD_MIN_REL (16.0 * DBL_EPSILON)
/* gpbo_gp_add() appends a row to the factor only when its pivot is above this share of the
 * diagonal (s2 + sn2); else it refactorizes. Chosen by hand, not tuned. */
#define PIVOT_MIN_REL 1e-14
/* Up to this many observations the likelihood gradient inverts K through dtrsm and dlauum
 * rather than dpotri (kinv_from_factor). */
#define KINV_TRSM_MAX 128
/* The noise variance of a new model (gp.h documents it). */
#define NOISE_DEFAULT 1e-4

double gpbo_gp__r2(size_t dim, const double *a, const double *b, const double *ell)
{
    double s = 0.0;
    for (size_t j = 0; j < dim; j++) {
        double t = (a[j] - b[j]) / ell[j];
        s += t * t;
    }
    return s;
}

int gpbo_gp__check_finite(const char *fn, const char *what, size_t count, size_t width,
                          const double *v)
{
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(v[i])) {
            if (width > 1)
                return gpbo_error_set(GPBO_EINVAL, "%s: %s[%zu][%zu] is not finite (%s)", fn, what,
                                      i / width, i % width, gpbo_nonfinite_name(v[i]));
            return gpbo_error_set(GPBO_EINVAL, "%s: %s[%zu] is not finite (%s)", fn, what, i,
                                  gpbo_nonfinite_name(v[i]));
        }
    }
    return GPBO_OK;
}

static void update_params(gpbo_gp *gp)
{
    for (size_t j = 0; j < gp->dim; j++)
        gp->ell[j] = exp(gp->theta[j]);
    gp->s2 = exp(gp->theta[gp->dim]);
    gp->sn2 = exp(gp->theta[gp->dim + 1]);
}

/* The first GP of the process warns when OpenBLAS runs slower kernels than the CPU allows. */
static pthread_once_t blas_checked = PTHREAD_ONCE_INIT;
static void blas_check(void)
{
    gpbo_blas_warn_if_fallback("GP fits");
}

gpbo_gp *gpbo_gp_new_with_kernel(const gpbo_kernel_def *def, size_t dim)
{
    pthread_once(&blas_checked, blas_check);
    if (def == NULL || def->version != GPBO_KERNEL_DEF_VERSION || def->eval == NULL ||
        def->name == NULL) {
        gpbo_error_set(GPBO_EINVAL,
                       "gp_new: kernel table is NULL, of another version (%u, "
                       "expected %u) or has a NULL name or eval",
                       def ? def->version : 0u, (unsigned)GPBO_KERNEL_DEF_VERSION);
        return NULL;
    }
    if (dim == 0) {
        gpbo_error_set(GPBO_EINVAL, "gp_new: dim must be at least 1");
        return NULL;
    }
    gpbo_gp *gp = calloc(1, sizeof *gp);
    if (gp == NULL)
        goto oom;
    gp->kern = def;
    gp->kern_in_place = gpbo_gp__kernel_eval_is_builtin(def->eval);
    gp->dim = dim;
    gp->normalize = 1;
    gp->ymean = 0.0;
    gp->ystd = 1.0;
    gp->theta = calloc(dim + 2, sizeof *gp->theta);
    gp->theta_prev = calloc(dim + 2, sizeof *gp->theta_prev);
    gp->ell = calloc(dim, sizeof *gp->ell);
    if (gp->theta == NULL || gp->theta_prev == NULL || gp->ell == NULL)
        goto oom;
    gp->theta[dim + 1] = log(NOISE_DEFAULT);
    update_params(gp);
    return gp;
oom:
    gpbo_gp_free(gp);
    gpbo_error_set(GPBO_ENOMEM, "gp_new: out of memory");
    return NULL;
}

gpbo_gp *gpbo_gp_new(gpbo_kernel_type kernel, size_t dim)
{
    const gpbo_kernel_def *def = gpbo_kernel_builtin(kernel);
    if (def == NULL) {
        char list[GPBO_GP__KERNEL_LIST_CAP];
        gpbo_error_set(GPBO_EINVAL, "gp_new: unknown kernel %d (0 to %d: %s)", (int)kernel,
                       GPBO_KERNEL_COUNT - 1, gpbo_gp__kernel_list(list, sizeof list));
        return NULL;
    }
    return gpbo_gp_new_with_kernel(def, dim);
}

void gpbo_gp_free(gpbo_gp *gp)
{
    if (gp == NULL)
        return;
    for (size_t i = 0; i < GP_NBUFFERS; i++)
        free(gp->buffers[i]);
    free(gp);
}

_Static_assert(sizeof(((gpbo_gp *)0)->buffers) == GP_NBUFFERS * sizeof(double *),
               "every owned pointer of gpbo_gp is one of enum gp_buffer");

/* How many doubles data buffer b of gp holds (gpbo_gp_copy copies exactly that). */
static size_t buffer_count(const gpbo_gp *gp, enum gp_buffer b)
{
    switch (b) {
    case GP_X:
    case GP_XT:
        return gp->cap * gp->dim;
    case GP_Y:
    case GP_YS:
    case GP_ALPHA:
    case GP_NV:
    case GP_NVS:
        return gp->cap;
    case GP_THETA:
    case GP_THETA_PREV:
        return gp->dim + 2;
    case GP_ELL:
        return gp->dim;
    case GP_L:
        return gp->cap * gp->cap;
    case GP_ASCR:
        return 3 * gp->cap;
    default:
        return 0; /* scratch: rebuilt on demand */
    }
}

gpbo_gp *gpbo_gp_copy(const gpbo_gp *gp)
{
    if (gp == NULL) {
        gpbo_error_set(GPBO_EINVAL, "gp_copy: gp is NULL");
        return NULL;
    }
    gpbo_gp *c = malloc(sizeof *c);
    if (c == NULL)
        goto oom;
    *c = *gp;
    for (size_t i = 0; i < GP_NBUFFERS; i++)
        c->buffers[i] = NULL;
    /* The scratch starts empty, and with it everything that says what it holds. */
    c->scratch_cap = c->akd_cap = 0;
    c->akd_valid = c->keep_kd = c->kd_valid = 0;
    for (size_t i = 0; i < GP_SCRATCH_FIRST; i++) {
        size_t count = buffer_count(gp, (enum gp_buffer)i);
        if (gp->buffers[i] == NULL || count == 0)
            continue;
        if ((c->buffers[i] = malloc(count * sizeof(double))) == NULL)
            goto oom;
        memcpy(c->buffers[i], gp->buffers[i], count * sizeof(double));
    }
    return c;
oom:
    gpbo_gp_free(c);
    gpbo_error_set(GPBO_ENOMEM, "gp_copy: out of memory");
    return NULL;
}

size_t gpbo_gp_dim(const gpbo_gp *gp)
{
    return gp ? gp->dim : 0;
}

size_t gpbo_gp_n(const gpbo_gp *gp)
{
    return gp ? gp->n : 0;
}

size_t gpbo_gp_nparams(const gpbo_gp *gp)
{
    return gp ? gp->dim + 2 : 0;
}

const char *gpbo_gp_kernel_name(const gpbo_gp *gp)
{
    return gp ? gp->kern->name : "";
}

const double *gpbo_gp_x(const gpbo_gp *gp)
{
    return gp && gp->n ? gp->x : NULL;
}

const double *gpbo_gp_y(const gpbo_gp *gp)
{
    return gp && gp->n ? gp->y : NULL;
}

double gpbo_gp_y_min(const gpbo_gp *gp, size_t *out_index)
{
    double best = INFINITY;
    size_t idx = 0;
    if (gp != NULL) {
        for (size_t i = 0; i < gp->n; i++) {
            if (gp->y[i] < best) {
                best = gp->y[i];
                idx = i;
            }
        }
    }
    if (out_index != NULL)
        *out_index = idx;
    return best;
}

double gpbo_gp_noise_variance(const gpbo_gp *gp)
{
    return gp ? gp->sn2 * gp->ystd * gp->ystd : NAN;
}

double gpbo_gp_jitter(const gpbo_gp *gp)
{
    return gp ? gp->jitter : 0.0;
}

/* The rows to allocate for need observations when cap are held. Up to 2048 rows (an n x n
 * matrix of 32 MB, the most glibc serves from its heap), the next power of two: a model
 * refitted as a study grows asks for the same size again and reuses heap pages (as
 * reserve_akd's cache). Beyond, every such block is mapped afresh anyway, and doubling only
 * wastes memory (20000 observations held a 32768 x 32768 factor: 8.6 GB where 3.2 do): a
 * model's first data get a sixteenth of headroom (pending points' fantasies are added to a
 * fitted model), a model growing one observation at a time half again what it holds. */
static size_t grow_rows(size_t cap, size_t need)
{
    if (need <= 2048) {
        size_t rows = 8;
        while (rows < need)
            rows *= 2;
        return rows;
    }
    size_t grown = cap > 2048 ? cap + cap / 2 : 0;
    return grown > need ? grown : need + need / 16;
}

int gpbo_gp__reserve(gpbo_gp *gp, size_t need)
{
    if (need <= gp->cap)
        return GPBO_OK;
    size_t cap = grow_rows(gp->cap, need);
    size_t wide = gp->dim > cap ? gp->dim : cap; /* x is cap x dim, L cap x cap */
    if (cap > SIZE_MAX / sizeof(double) / wide)
        goto oom;
    double *x = realloc(gp->x, cap * gp->dim * sizeof *x);
    if (x == NULL)
        goto oom;
    gp->x = x;
    x = realloc(gp->xt, cap * gp->dim * sizeof *x);
    if (x == NULL)
        goto oom;
    gp->xt = x;
    double **vecs[] = {&gp->y, &gp->ys, &gp->alpha, &gp->nv, &gp->nvs};
    for (size_t v = 0; v < sizeof vecs / sizeof *vecs; v++) {
        double *p = realloc(*vecs[v], cap * sizeof *p);
        if (p == NULL)
            goto oom;
        *vecs[v] = p;
    }
    double *a = realloc(gp->ascr, 3 * cap * sizeof *a);
    if (a == NULL)
        goto oom;
    gp->ascr = a;
    double *L = malloc(cap * cap * sizeof *L);
    if (L == NULL)
        goto oom;
    for (size_t i = 0; i < gp->n; i++)
        memcpy(L + i * cap, gp->L + i * gp->cap, (i + 1) * sizeof *L);
    free(gp->L);
    gp->L = L;
    gp->cap = cap;
    return GPBO_OK;
oom:
    return gpbo_error_set(GPBO_ENOMEM, "gp: out of memory growing to %zu observations", need);
}

/* Scratch of the likelihood gradient: kinv and kd (n x n each), row (n). */
static int reserve_scratch(gpbo_gp *gp)
{
    size_t n = gp->n;
    if (n <= gp->scratch_cap)
        return GPBO_OK;
    size_t cap = grow_rows(gp->scratch_cap, n);
    free(gp->kinv);
    free(gp->kd);
    free(gp->row);
    gp->kinv = malloc(cap * cap * sizeof *gp->kinv);
    gp->kd = malloc(cap * cap * sizeof *gp->kd);
    gp->row = malloc(cap * sizeof *gp->row);
    gp->kd_valid = 0;
    if (gp->kinv == NULL || gp->kd == NULL || gp->row == NULL) {
        free(gp->kinv);
        free(gp->kd);
        free(gp->row);
        gp->kinv = gp->kd = gp->row = NULL;
        gp->scratch_cap = 0;
        return gpbo_error_set(GPBO_ENOMEM, "gp: out of memory for %zu x %zu scratch", n, n);
    }
    gp->scratch_cap = cap;
    return GPBO_OK;
}

static double y_max(const gpbo_gp *gp)
{
    double best = -INFINITY;
    for (size_t i = 0; i < gp->n; i++)
        best = fmax(best, gp->y[i]);
    return best;
}

int gpbo_gp__standardize(gpbo_gp *gp, const char *fn)
{
    size_t n = gp->n;
    gp->ymean = 0.0;
    gp->ystd = 1.0;
    if (gp->normalize && n > 0) {
        double m = 0.0;
        for (size_t i = 0; i < n; i++)
            m += gp->y[i];
        m /= (double)n;
        /* Targets near DBL_MAX overflow the sum, not their mean: equal targets of 1.5e308 were
         * refused as if their spread overflowed. The mean is then y_0 plus the mean difference
         * to it (exact for equal targets; only then: the mean of any other y keeps its bits). A
         * difference that overflows is a spread that does, refused below. */
        if (!isfinite(m)) {
            double dm = 0.0;
            for (size_t i = 0; i < n; i++)
                dm += gp->y[i] - gp->y[0];
            m = gp->y[0] + dm / (double)n;
        }
        double v = 0.0;
        for (size_t i = 0; i < n; i++)
            v += (gp->y[i] - m) * (gp->y[i] - m);
        /* Finite targets 1e154 apart overflow here: their std would be infinite, every
         * standardized target 0 and every prediction NaN. */
        if (!isfinite(v))
            return gpbo_error_set(GPBO_EINVAL,
                                  "%s: y cannot be standardized: its spread overflows (y from "
                                  "%g to %g); turn standardization off or rescale y",
                                  fn, gpbo_gp_y_min(gp, NULL), y_max(gp));
        double s = sqrt(v / (double)n);
        gp->ymean = m;
        /* Constant y (or n = 1): keep the scale, as scikit-learn does. Constant means a spread
         * at the rounding level of the values themselves, however small they are: an absolute
         * floor would take targets of size 1e-13 for a constant. */
        gp->ystd = s > YSTD_MIN_REL * fabs(m) ? s : 1.0;
    }
    for (size_t i = 0; i < n; i++)
        gp->ys[i] = (gp->y[i] - gp->ymean) / gp->ystd;
    /* The known noise variances follow the targets' scale (divided twice: ystd^2 underflows
     * for y of size 1e-160, where the variances may still be meaningful). */
    for (size_t i = 0; i < n; i++) {
        gp->nvs[i] = gp->nv[i] / gp->ystd / gp->ystd;
        if (!isfinite(gp->nvs[i]))
            return gpbo_error_set(GPBO_EINVAL,
                                  "%s: the noise variance var[%zu] = %g over std(y)^2 (std(y) = "
                                  "%g) overflows a double: rescale y or turn standardization off",
                                  fn, i, gp->nv[i], gp->ystd);
    }
    return GPBO_OK;
}

int gpbo_gp__has_obs_noise(const gpbo_gp *gp)
{
    for (size_t i = 0; i < gp->n; i++)
        if (gp->nv[i] != 0.0)
            return 1;
    return 0;
}

void gpbo_gp__solve_alpha(gpbo_gp *gp)
{
    size_t n = gp->n;
    if (n == 0)
        return;
    memcpy(gp->alpha, gp->ys, n * sizeof *gp->alpha);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, gp->L, (int)gp->cap,
                gp->alpha, 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)n, gp->L, (int)gp->cap,
                gp->alpha, 1);
}

/* xt = (x / ell)^T, dim rows of n: the layout in which the pair loops below vectorize. */
static void fill_xt(gpbo_gp *gp)
{
    size_t n = gp->n, d = gp->dim;
    for (size_t k = 0; k < d; k++) {
        double inv = 1.0 / gp->ell[k];
        for (size_t i = 0; i < n; i++)
            gp->xt[k * n + i] = gp->x[i * d + k] * inv;
    }
}

/* out[j] = squared scaled distance between rows i and j, for j < i. */
GPBO_GP__CLONES static void row_r2(const gpbo_gp *gp, size_t i, double *out)
{
    size_t n = gp->n;
    memset(out, 0, i * sizeof *out);
    for (size_t k = 0; k < gp->dim; k++) {
        const double *c = gp->xt + k * n;
        double xi = c[i];
#pragma omp simd
        for (size_t j = 0; j < i; j++) {
            double t = xi - c[j];
            out[j] += t * t;
        }
    }
}

double gpbo_gp__corr_pair(const gpbo_gp *gp, const double *a, const double *b, double *dk)
{
    size_t d = gp->dim;
    if (!gp->additive) {
        double r2 = gpbo_gp__r2(d, a, b, gp->ell), kv;
        gp->kern->eval(1, &r2, &kv, NULL);
        return kv;
    }
    double s = 0.0;
    for (size_t k = 0; k < d; k++) {
        double t = (a[k] - b[k]) / gp->ell[k], r2 = t * t, kv;
        gp->kern->eval(1, &r2, &kv, dk ? dk + k : NULL);
        s += kv;
    }
    return s / (double)d;
}

/* Values of a custom kernel's input staged at a time on the stack by gpbo_gp__eval_in_place. */
#define EVAL_COPY_BLOCK 256

void gpbo_gp__eval_in_place(const gpbo_gp *gp, size_t count, double *buf, double *dk)
{
    if (gp->kern_in_place) {
        gp->kern->eval(count, buf, buf, dk);
        return;
    }
    double r2[EVAL_COPY_BLOCK];
    for (size_t o = 0; o < count; o += EVAL_COPY_BLOCK) {
        size_t c = count - o < EVAL_COPY_BLOCK ? count - o : EVAL_COPY_BLOCK;
        memcpy(r2, buf + o, c * sizeof *r2);
        gp->kern->eval(c, r2, buf + o, dk != NULL ? dk + o : NULL);
    }
}

/* Offsets of row i's k and dk values in the packed kd cache. */
static size_t kd_off(size_t i)
{
    return i * (i - (i > 0)) / 2;
}

/* Fills kd (k and dk/dr2 of every pair j < i) from xt: r2 of every pair staged in kd's k
 * part, then the kernel in one call over the whole triangle (in place): a call a row cost
 * the latency of its last four values for every row, a short one more than its length. */
static void fill_kd(gpbo_gp *gp)
{
    size_t n = gp->n, half = n * (n - (n > 0)) / 2;
    for (size_t i = 1; i < n; i++)
        row_r2(gp, i, gp->kd + kd_off(i));
    gpbo_gp__eval_in_place(gp, half, gp->kd, gp->kd + half);
    gp->kd_valid = 1;
}

/* The additive cache for n observations; refused (GPBO_ENOMEM, no message) beyond 8M values,
 * where the gradient evaluates the kernel again instead. Sized for the next power of two of n
 * (within the limit): a model refitted as a study grows then asks glibc for the same size
 * again, which its heap serves from pages already mapped, instead of a larger block each
 * time, which it maps afresh (page faults: bench/steps/README.md, session 12). */
static int reserve_akd(gpbo_gp *gp)
{
    size_t n = gp->n, need = gp->dim * n * (n - (n > 0)), limit = (size_t)8 << 20;
    /* held even when no pair needs it (one observation): the rows' pointers into it are then
     * offsets 0 of a buffer, never of NULL */
    if (need <= gp->akd_cap && gp->akd != NULL)
        return GPBO_OK;
    if (need > limit)
        return GPBO_ENOMEM;
    size_t nc = 8;
    while (nc < n)
        nc *= 2;
    if (gp->dim * nc * (nc - 1) <= limit)
        need = gp->dim * nc * (nc - 1);
    double *p = realloc(gp->akd, need * sizeof *p);
    if (p == NULL)
        return GPBO_ENOMEM;
    gp->akd = p;
    gp->akd_cap = need;
    return GPBO_OK;
}

/* Row i's squared distances along one input (c: that input of every observation, scaled). */
GPBO_GP__CLONES static void input_r2(size_t i, const double *c, double *out)
{
    double q = c[i];
#pragma omp simd
    for (size_t j = 0; j < i; j++) {
        double t = q - c[j];
        out[j] = t * t;
    }
}

GPBO_GP__CLONES static void add_row(size_t i, const double *v, double *acc)
{
#pragma omp simd
    for (size_t j = 0; j < i; j++)
        acc[j] += v[j];
}

/* acc[j] * a * b, in that order (two roundings, as the row was always scaled). */
GPBO_GP__CLONES static void scale_row2(size_t i, double a, double b, double *acc)
{
#pragma omp simd
    for (size_t j = 0; j < i; j++)
        acc[j] = acc[j] * a * b;
}

/* build_k for the additive form: row by row, input by input; once a gradient has been asked
 * for, every input's kern and dkern/dr2 are kept in akd for it, else they pass through
 * scratch. */
static void build_k_additive(gpbo_gp *gp, double jitter)
{
    size_t n = gp->n, cap = gp->cap, d = gp->dim;
    double *r2 = gp->ascr, *kscr = gp->ascr + cap;
    gp->kd_valid = 0;
    gp->akd_valid = gp->keep_kd && reserve_akd(gp) == GPBO_OK;
    for (size_t i = 0; i < n; i++) {
        double *Li = gp->L + i * cap, *kb = gp->akd_valid ? gp->akd + 2 * d * kd_off(i) : NULL;
        memset(Li, 0, i * sizeof *Li);
        if (kb != NULL) {
            /* the row's d x i values of r2 staged where its kern values go, the kernel
             * called once on all of them (in place) */
            for (size_t k = 0; k < d; k++)
                input_r2(i, gp->xt + k * n, kb + k * i);
            gpbo_gp__eval_in_place(gp, d * i, kb, kb + d * i);
        }
        for (size_t k = 0; k < d; k++) {
            double *kv = kb ? kb + k * i : kscr;
            if (kb == NULL) {
                input_r2(i, gp->xt + k * n, r2);
                gp->kern->eval(i, r2, kv, NULL);
            }
            add_row(i, kv, Li);
        }
        scale_row2(i, 1.0 / (double)d, gp->s2, Li);
        Li[i] = gp->s2 + gp->sn2 + gp->nvs[i] + jitter;
    }
}

/* Fills the lower triangle of L with K + diag(sn2 + nvs_i) + jitter I (and kd when it is kept).
 * A zero nvs_i adds exactly nothing: without known noise the factor is bit for bit what it was
 * before they existed. */
static void build_k(gpbo_gp *gp, double jitter)
{
    size_t n = gp->n, cap = gp->cap;
    fill_xt(gp);
    if (gp->additive) {
        build_k_additive(gp, jitter);
        return;
    }
    int keep = gp->keep_kd && reserve_scratch(gp) == GPBO_OK;
    if (keep)
        fill_kd(gp);
    for (size_t i = 0; i < n; i++) {
        double *Li = gp->L + i * cap;
        if (keep) {
            const double *kr = gp->kd + kd_off(i);
            for (size_t j = 0; j < i; j++)
                Li[j] = gp->s2 * kr[j];
        } else {
            row_r2(gp, i, Li);
            gpbo_gp__eval_in_place(gp, i, Li, NULL);
            for (size_t j = 0; j < i; j++)
                Li[j] *= gp->s2;
        }
        Li[i] = gp->s2 + gp->sn2 + gp->nvs[i] + jitter;
    }
    gp->kd_valid = keep;
}

/* The first input of x (one row, dim values) whose value over its lengthscale (what xt holds)
 * overflows, or dim when there is none. Two such inputs were inf - inf = NaN apart, the NaN went
 * through OpenBLAS's dpotrf, which does not test for it, and every prediction was NaN with
 * GPBO_OK returned. */
static size_t scaled_overflow(const gpbo_gp *gp, const double *x)
{
    size_t k = 0;
    while (k < gp->dim && isfinite(x[k] / gp->ell[k]))
        k++;
    return k;
}

#define SCALED_OVERFLOW_MSG "over its lengthscale %g overflows a double: rescale the inputs"

int gpbo_gp__factorize(gpbo_gp *gp)
{
    size_t n = gp->n;
    gp->jitter = 0.0;
    gp->logdet_half = 0.0;
    gp->kd_valid = 0;
    gp->akd_valid = 0;
    if (n == 0)
        return GPBO_OK;
    for (size_t i = 0, k; i < n; i++)
        if ((k = scaled_overflow(gp, gp->x + i * gp->dim)) < gp->dim)
            return gpbo_error_set(GPBO_EINVAL, "gp: x[%zu][%zu] = %g " SCALED_OVERFLOW_MSG, i, k,
                                  gp->x[i * gp->dim + k], gp->ell[k]);
    double jitter = 0.0;
    for (;;) {
        build_k(gp, jitter);
        lapack_int info =
            LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, gp->L, (lapack_int)gp->cap);
        if (info == 0)
            break;
        if (info < 0)
            return gpbo_error_set(GPBO_EINVAL, "gp: dpotrf rejected argument %d", (int)-info);
        if (!gpbo_gp__jitter_next(&jitter, gp->s2))
            return gpbo_error_set(GPBO_ENOTPD,
                                  "gp: K (n = %zu) is not positive definite even with a jitter "
                                  "of %g times the signal variance",
                                  n, GPBO_GP__JITTER_LAST);
    }
    gp->jitter = jitter;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += log(gp->L[i * gp->cap + i]);
    /* A NaN in K (a custom kernel's value) passes dpotrf (OpenBLAS's does not test for it) and
     * reaches the diagonal of every later row. */
    if (!isfinite(s))
        return gpbo_error_set(GPBO_EINVAL,
                              "gp: K (n = %zu) holds a value that is not finite: the kernel "
                              "\"%s\" returned one",
                              n, gp->kern->name);
    gp->logdet_half = s;
    gpbo_gp__solve_alpha(gp);
    return GPBO_OK;
}

/* Checks count known noise variances: each finite and >= 0; the first bad one is named. */
static int check_noise(const char *fn, size_t count, const double *var)
{
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(var[i]))
            return gpbo_error_set(GPBO_EINVAL, "%s: var[%zu] is not finite (%s)", fn, i,
                                  gpbo_nonfinite_name(var[i]));
        if (var[i] < 0.0)
            return gpbo_error_set(GPBO_EINVAL,
                                  "%s: var[%zu] = %g is negative (a noise variance is >= 0)", fn, i,
                                  var[i]);
    }
    return GPBO_OK;
}

/* The data-setting of gpbo_gp_set_data_noise(), fn naming it in messages. */
static int set_data(gpbo_gp *gp, const char *fn, size_t n, const double *x, const double *y,
                    const double *var)
{
    if (gp == NULL)
        return gpbo_error_set(GPBO_EINVAL, "%s: gp is NULL", fn);
    if (n > 0 && (x == NULL || y == NULL))
        return gpbo_error_set(GPBO_EINVAL, "%s: x or y is NULL with n = %zu", fn, n);
    /* Before x is read: n * dim values must not wrap (a size of -1 from a caller's arithmetic
     * read past x and y until it crashed). */
    if (n > SIZE_MAX / sizeof(double) / (gp->dim + 2))
        return gpbo_error_set(GPBO_EINVAL, "%s: n = %zu is too large", fn, n);
    if (n > 0) {
        int rc = gpbo_gp__check_finite(fn, "x", n * gp->dim, gp->dim, x);
        if (rc == GPBO_OK)
            rc = gpbo_gp__check_finite(fn, "y", n, 1, y);
        if (rc == GPBO_OK && var != NULL)
            rc = check_noise(fn, n, var);
        if (rc != GPBO_OK)
            return rc;
    }
    /* Keep the old data until the new factorization has succeeded. */
    size_t old_n = gp->n, d = gp->dim;
    double *old = NULL;
    if (old_n > 0) {
        old = malloc(old_n * (d + 2) * sizeof *old);
        if (old == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", fn);
        memcpy(old, gp->x, old_n * d * sizeof *old);
        memcpy(old + old_n * d, gp->y, old_n * sizeof *old);
        memcpy(old + old_n * (d + 1), gp->nv, old_n * sizeof *old);
    }
    int rc = gpbo_gp__reserve(gp, n);
    if (rc != GPBO_OK) {
        free(old);
        return rc;
    }
    if (n > 0) { /* x and y may be the model's own arrays, shifted (memmove) */
        memmove(gp->x, x, n * d * sizeof *x);
        memmove(gp->y, y, n * sizeof *y);
        if (var != NULL)
            memmove(gp->nv, var, n * sizeof *var);
        else
            memset(gp->nv, 0, n * sizeof *gp->nv);
    }
    gp->n = n;
    rc = gpbo_gp__standardize(gp, fn);
    int factorized = rc == GPBO_OK;
    if (factorized)
        rc = gpbo_gp__factorize(gp);
    if (rc != GPBO_OK) {
        gp->n = old_n;
        if (old_n > 0) {
            memcpy(gp->x, old, old_n * d * sizeof *old);
            memcpy(gp->y, old + old_n * d, old_n * sizeof *old);
            memcpy(gp->nv, old + old_n * (d + 1), old_n * sizeof *old);
        }
        /* both succeeded before; the failure's message is kept (a refused standardization has
         * not touched the factor) */
        gpbo_gp__standardize(gp, fn);
        if (factorized)
            gpbo_gp__factorize(gp);
    }
    free(old);
    return rc;
}

int gpbo_gp_set_data(gpbo_gp *gp, size_t n, const double *x, const double *y)
{
    return set_data(gp, "gp_set_data", n, x, y, NULL);
}

int gpbo_gp_set_data_noise(gpbo_gp *gp, size_t n, const double *x, const double *y,
                           const double *var)
{
    return set_data(gp, "gp_set_data_noise", n, x, y, var);
}

int gpbo_gp_set_obs_noise(gpbo_gp *gp, const double *var)
{
    /* the model's own data again with these variances: set_data keeps and restores on failure */
    if (gp == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_set_obs_noise: gp is NULL");
    return gp->n == 0 ? GPBO_OK : set_data(gp, "gp_set_obs_noise", gp->n, gp->x, gp->y, var);
}

int gpbo_gp_get_obs_noise(const gpbo_gp *gp, double *out)
{
    if (gp == NULL || (out == NULL && gp->n > 0))
        return gpbo_error_set(GPBO_EINVAL, "gp_get_obs_noise: gp or out is NULL");
    if (gp->n > 0)
        memcpy(out, gp->nv, gp->n * sizeof *out);
    return GPBO_OK;
}

/* The incremental update of gpbo_gp_add_noisy() for an observation that passed the checks. */
static int add_obs(gpbo_gp *gp, const char *fn, const double *x, double y, double var)
{
    size_t bad = scaled_overflow(gp, x);
    if (bad < gp->dim)
        return gpbo_error_set(GPBO_EINVAL, "%s: x[%zu] = %g " SCALED_OVERFLOW_MSG, fn, bad, x[bad],
                              gp->ell[bad]);
    /* x may be one of the model's own inputs (gpbo_gp_x() + i * dim), which growing the
     * buffers would free: it is found again at its offset afterwards. */
    size_t n = gp->n, d = gp->dim;
    uintptr_t at = (uintptr_t)x, base = (uintptr_t)gp->x;
    int own = gp->x != NULL && at >= base && at < base + n * d * sizeof *x;
    size_t off = own ? (size_t)(at - base) / sizeof *x : 0;
    int rc = gpbo_gp__reserve(gp, n + 1);
    if (rc != GPBO_OK)
        return rc;
    size_t cap = gp->cap;
    if (own)
        x = gp->x + off;
    memcpy(gp->x + n * d, x, d * sizeof *x);
    x = gp->x + n * d; /* the copy, from here on */
    gp->y[n] = y;
    gp->nv[n] = var;
    /* The targets' standardization first: when it is refused, nothing else has changed. */
    double ystd = gp->ystd;
    gp->n = n + 1;
    rc = gpbo_gp__standardize(gp, fn);
    gp->n = n;
    if (rc != GPBO_OK) {
        gpbo_gp__standardize(gp, fn); /* the n targets: succeeded before */
        return rc;
    }
    /* Known noise variances in model units move with std(y): then the n rows of the factor
     * are stale, and K is factorized afresh below. */
    int stale = gp->ystd != ystd && gpbo_gp__has_obs_noise(gp);
    /* New row of L: solve L l = k(X, x), then the new diagonal is sqrt(k(x,x) + sn2 - l.l). */
    double *Ln = gp->L + n * cap;
    if (gp->additive) {
        for (size_t j = 0; j < n; j++)
            Ln[j] = gp->s2 * gpbo_gp__corr_pair(gp, x, gp->x + j * d, NULL);
    } else { /* corr_pair's values, the kernel called once on the row (fantasies add many) */
        for (size_t j = 0; j < n; j++)
            Ln[j] = gpbo_gp__r2(d, x, gp->x + j * d, gp->ell);
        gpbo_gp__eval_in_place(gp, n, Ln, NULL);
        for (size_t j = 0; j < n; j++)
            Ln[j] *= gp->s2;
    }
    if (n > 0)
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, gp->L, (int)cap,
                    Ln, 1);
    double d2 = gp->s2 + gp->sn2 + gp->nvs[n] + gp->jitter - cblas_ddot((int)n, Ln, 1, Ln, 1);
    gp->n = n + 1;
    gp->kd_valid = 0;
    gp->akd_valid = 0;
    fill_xt(gp); /* its leading dimension is n: rebuilt, O(n dim) */
    /* A negligible pivot (relative to the diagonal) would make the factor useless. */
    if (!stale && isfinite(d2) && d2 > PIVOT_MIN_REL * (gp->s2 + gp->sn2)) {
        Ln[n] = sqrt(d2);
        gp->logdet_half += log(Ln[n]);
        gpbo_gp__standardize(gp, fn); /* accepted above */
        gpbo_gp__solve_alpha(gp);
        return GPBO_OK;
    }
    gpbo_gp__standardize(gp, fn);
    rc = gpbo_gp__factorize(gp);
    if (rc != GPBO_OK) {
        gp->n = n;
        gpbo_gp__standardize(gp, fn);
        gpbo_gp__factorize(gp);
    }
    return rc;
}

/* The checks of an added observation (gpbo_gp_add, gpbo_gp_add_noisy), fn naming the caller. */
static int check_added(const char *fn, const gpbo_gp *gp, const double *x, double y)
{
    if (gp == NULL || x == NULL)
        return gpbo_error_set(GPBO_EINVAL, "%s: gp or x is NULL", fn);
    int rc = gpbo_gp__check_finite(fn, "x", gp->dim, 1, x);
    if (rc == GPBO_OK && !isfinite(y))
        rc = gpbo_error_set(GPBO_EINVAL, "%s: y is not finite (%s)", fn, gpbo_nonfinite_name(y));
    return rc;
}

int gpbo_gp_add(gpbo_gp *gp, const double *x, double y)
{
    int rc = check_added("gp_add", gp, x, y);
    return rc != GPBO_OK ? rc : add_obs(gp, "gp_add", x, y, 0.0);
}

int gpbo_gp_add_noisy(gpbo_gp *gp, const double *x, double y, double var)
{
    int rc = check_added("gp_add_noisy", gp, x, y);
    if (rc == GPBO_OK && !(isfinite(var) && var >= 0.0))
        rc = gpbo_error_set(GPBO_EINVAL,
                            "gp_add_noisy: var = %g is not a noise variance (finite, >= 0)", var);
    return rc != GPBO_OK ? rc : add_obs(gp, "gp_add_noisy", x, y, var);
}

int gpbo_gp_set_normalize(gpbo_gp *gp, int on)
{
    if (gp == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_set_normalize: gp is NULL");
    int old = gp->normalize;
    gp->normalize = on != 0;
    int rc = gpbo_gp__standardize(gp, "gp_set_normalize");
    /* K does not depend on y, unless known noise variances are there: their model units do. */
    int refactor = rc == GPBO_OK && gpbo_gp__has_obs_noise(gp);
    if (refactor)
        rc = gpbo_gp__factorize(gp);
    if (rc != GPBO_OK) {
        gp->normalize = old;
        gpbo_gp__standardize(gp, "gp_set_normalize"); /* succeeded before */
        if (refactor)
            gpbo_gp__factorize(gp);
        return rc;
    }
    if (!refactor)
        gpbo_gp__solve_alpha(gp);
    return GPBO_OK;
}

int gpbo_gp_get_normalize(const gpbo_gp *gp)
{
    return gp ? gp->normalize : 0;
}

int gpbo_gp_get_params(const gpbo_gp *gp, double *out)
{
    if (gp == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_get_params: gp or out is NULL");
    memcpy(out, gp->theta, (gp->dim + 2) * sizeof *out);
    return GPBO_OK;
}

int gpbo_gp_set_params(gpbo_gp *gp, const double *in)
{
    if (gp == NULL || in == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_set_params: gp or in is NULL");
    size_t p = gp->dim + 2;
    for (size_t i = 0; i < p; i++) {
        if (!isfinite(in[i]) || fabs(in[i]) > GPBO_GP__LOG_PARAM_MAX)
            return gpbo_error_set(GPBO_EINVAL,
                                  "gp_set_params: log hyperparameter %zu (%s) is %g, outside "
                                  "[-%g, %g]",
                                  i,
                                  i < gp->dim    ? "lengthscale"
                                  : i == gp->dim ? "signal variance"
                                                 : "noise variance",
                                  in[i], GPBO_GP__LOG_PARAM_MAX, GPBO_GP__LOG_PARAM_MAX);
    }
    double *old = gp->theta_prev;
    memcpy(old, gp->theta, p * sizeof *old);
    memcpy(gp->theta, in, p * sizeof *in);
    update_params(gp);
    int rc = gpbo_gp__factorize(gp);
    if (rc != GPBO_OK) {
        memcpy(gp->theta, old, p * sizeof *old);
        update_params(gp);
        gpbo_gp__factorize(gp);
    }
    return rc;
}

/* K^{-1} into kinv (lower triangle, ld n) from the factor. Up to KINV_TRSM_MAX observations
 * L^{-1} comes from a triangular solve against the identity (BLAS level 3: dtrsm) and K^{-1} =
 * L^{-T} L^{-1} from dlauum: OpenBLAS's dpotri inverts L column by column at these sizes (a
 * dtrmv and a dscal each), which cost a third more at n = 60 and 100 (bench/steps/README.md). */
static int kinv_from_factor(gpbo_gp *gp)
{
    size_t n = gp->n, cap = gp->cap;
    if (n <= KINV_TRSM_MAX) {
        memset(gp->kinv, 0, n * n * sizeof *gp->kinv);
        for (size_t i = 0; i < n; i++)
            gp->kinv[i * n + i] = 1.0;
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)n,
                    (int)n, 1.0, gp->L, (int)cap, gp->kinv, (int)n);
        lapack_int info =
            LAPACKE_dlauum_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, gp->kinv, (lapack_int)n);
        if (info != 0)
            return gpbo_error_set(GPBO_ENOTPD, "gp_log_likelihood: dlauum failed (%d)", (int)info);
        return GPBO_OK;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(gp->kinv + i * n, gp->L + i * cap, (i + 1) * sizeof *gp->kinv);
    lapack_int info =
        LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, gp->kinv, (lapack_int)n);
    if (info != 0)
        return gpbo_error_set(GPBO_ENOTPD, "gp_log_likelihood: dpotri failed (%d)", (int)info);
    return GPBO_OK;
}

/* The likelihood gradient of the additive kernel: 1/2 tr(W dK), with dK_ij / d log l_k =
 * (s2 / dim) dkern/dr2 (-2 t_k^2) evaluated input by input; O(n^2 dim) kernel evaluations. */
static double additive_grad(gpbo_gp *gp, double *grad, double lml)
{
    size_t n = gp->n, d = gp->dim, cap = gp->cap;
    if (kinv_from_factor(gp) != GPBO_OK)
        return NAN;
    double *r2 = gp->ascr, *kscr = gp->ascr + cap, *dscr = gp->ascr + 2 * cap, *w = gp->row;
    const double *alpha = gp->alpha;
    double gs = 0.0, gn = 0.0;
    gp->keep_kd = 1; /* from now on the factorization keeps the terms for the gradient */
    int cached = gp->akd_valid;
    for (size_t i = 0; i < n; i++) {
        const double *Ki = gp->kinv + i * n;
        double ai = alpha[i];
        for (size_t j = 0; j < i; j++)
            w[j] = ai * alpha[j] - Ki[j];
        for (size_t k = 0; k < d; k++) {
            const double *c = gp->xt + k * n;
            double q = c[i], sl = 0.0, sk = 0.0;
            for (size_t j = 0; j < i; j++) {
                double t = q - c[j];
                r2[j] = t * t;
            }
            const double *kv = kscr, *dk = dscr;
            if (cached) {
                kv = gp->akd + 2 * d * kd_off(i) + k * i;
                dk = kv + d * i;
            } else {
                gp->kern->eval(i, r2, kscr, dscr);
            }
            for (size_t j = 0; j < i; j++) {
                if (dk[j] != 0.0) /* a pair too far apart: r2 may be infinite, 0 * inf */
                    sl += w[j] * dk[j] * r2[j];
                sk += w[j] * kv[j];
            }
            grad[k] += 2.0 * sl;
            gs += 2.0 * sk / (double)d;
        }
        double wii = ai * ai - Ki[i];
        gs += wii;
        gn += wii;
    }
    for (size_t k = 0; k < d; k++)
        grad[k] *= -gp->s2 / (double)d;
    grad[d] = 0.5 * (gp->s2 * gs + gp->jitter * gn); /* the jitter is a multiple of s2 */
    grad[d + 1] = 0.5 * gp->sn2 * gn;
    return lml;
}

int gpbo_gp_set_additive(gpbo_gp *gp, int on)
{
    if (gp == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_set_additive: gp is NULL");
    int old = gp->additive;
    gp->additive = on != 0;
    if (gp->additive == old || gp->n == 0)
        return GPBO_OK;
    int rc = gpbo_gp__factorize(gp);
    if (rc != GPBO_OK) {
        gp->additive = old;
        gpbo_gp__factorize(gp); /* succeeded before; the failure's message is kept */
    }
    return rc;
}

int gpbo_gp_get_additive(const gpbo_gp *gp)
{
    return gp != NULL && gp->additive;
}

double gpbo_gp_log_likelihood(gpbo_gp *gp, double *grad)
{
    if (gp == NULL) {
        gpbo_error_set(GPBO_EINVAL, "gp_log_likelihood: gp is NULL");
        return NAN;
    }
    size_t n = gp->n, d = gp->dim;
    if (grad != NULL)
        memset(grad, 0, (d + 2) * sizeof *grad);
    if (n == 0)
        return 0.0;
    double lml = -0.5 * cblas_ddot((int)n, gp->ys, 1, gp->alpha, 1) - gp->logdet_half -
                 0.5 * (double)n * GPBO_LOG_2PI;
    if (grad == NULL)
        return lml;
    if (reserve_scratch(gp) != GPBO_OK)
        return NAN;
    if (gp->additive)
        return additive_grad(gp, grad, lml);
    gp->keep_kd = 1; /* from now on the factorization keeps k and dk for the gradient */
    if (!gp->kd_valid) {
        fill_xt(gp);
        fill_kd(gp);
    }

    /* W = alpha alpha^T - K^{-1}; K^{-1} from the factor by dpotri (lower triangle, ld n). */
    if (kinv_from_factor(gp) != GPBO_OK)
        return NAN;
    const double *kinv = gp->kinv;

    /* 1/2 tr(W dK/dtheta), dK/dtheta formed pair by pair from the cached k and dk (lower
     * triangle counted twice): never an n x n x p tensor. */
    size_t half = n * (n - 1) / 2;
    double *c = gp->row;
    double *gl = grad; /* accumulates sum w dk (dx_k / l_k)^2 per lengthscale */
    double gs = 0.0, gn = 0.0;
    const double *alpha = gp->alpha;
    for (size_t i = 0; i < n; i++) {
        const double *kr = gp->kd + kd_off(i), *dr = gp->kd + half + kd_off(i);
        const double *Ki = kinv + i * n;
        double ai = alpha[i], gsi = 0.0;
#pragma omp simd reduction(+ : gsi)
        for (size_t j = 0; j < i; j++) {
            double w = ai * alpha[j] - Ki[j];
            gsi += w * kr[j];
            c[j] = w * dr[j];
        }
        gs += 2.0 * gsi;
        for (size_t k = 0; k < d; k++) {
            const double *col = gp->xt + k * n;
            double xi = col[i], s = 0.0;
#pragma omp simd reduction(+ : s)
            for (size_t j = 0; j < i; j++) {
                double t = xi - col[j];
                s += c[j] * t * t;
            }
            /* A pair too far apart has dk = 0, and its t may be infinite (inputs near
             * +-DBL_MAX): 0 * inf = NaN. Such a pair adds no term; the sum is taken again
             * without it only then, since a test in the loop above changes how it is
             * vectorized, and so the last bits of every gradient and every search's path. */
            if (isnan(s)) {
                s = 0.0;
                for (size_t j = 0; j < i; j++) {
                    double t = xi - col[j];
                    s += c[j] != 0.0 ? c[j] * t * t : 0.0;
                }
            }
            gl[k] += 2.0 * s;
        }
        double wii = ai * ai - Ki[i];
        gs += wii;
        gn += wii;
    }
    /* d K_ij / d log l_k = s2 dk/dr2 (-2 t_k^2); d K / d log s2 = s2 k + jitter I (the jitter
     * is a multiple of s2: gpbo_gp__jitter_next); d K / d log sn2 = sn2 I */
    for (size_t k = 0; k < d; k++)
        grad[k] = -gp->s2 * gl[k];
    grad[d] = 0.5 * (gp->s2 * gs + gp->jitter * gn);
    grad[d + 1] = 0.5 * gp->sn2 * gn;
    return lml;
}
