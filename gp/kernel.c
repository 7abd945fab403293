/*
 * kernel.c: the built-in stationary kernels, each given only as k(r2) and dk/dr2 (the ARD
 * scaling and the chain rule live once in gp.c and predict.c), and their lookup by type or name.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gp_internal.h"
#include "gpbo/sys/error.h"

/* The kernels evaluate exp(-a), a >= 0, four values at a time: exp from the C library was a
 * third of a Bayesian run's time (bench/steps/README.md). On x86-64 each kernel is also built
 * for x86-64-v3 (AVX2 with FMA: the file is compiled with -ffp-contract=fast, so that a * b + c
 * is one fused instruction there) and for AVX2 alone, and the loader picks the variant the CPU
 * runs (GCC's target_clones). */
/* GCC warns that a 32-byte vector changes the calling convention without AVX: the helpers
 * below are inlined, never called across an ABI boundary. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4i __attribute__((vector_size(32)));

/* The helpers on four values are inlined into every kernel even without optimization: a call
 * from a kernel's AVX2 clone to a helper built for the default target would pass the vectors
 * in different registers (the -Wpsabi warning below; a Debug build crashed on it). */
#define INLINE4 __attribute__((always_inline))

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KERNEL_CLONES __attribute__((target_clones("arch=x86-64-v3", "avx2", "default")))
#else
#define KERNEL_CLONES
#endif

/* exp(x) for x <= 0, within 1 ulp (tests/gp/test_kernel_exp.c); 0 below -708 (where exp is
 * subnormal or 0: a kernel value there is 0 to any use), NaN for NaN. Range reduction x = k ln2
 * + r, |r| <= ln2 / 2 (ln2 in two parts, Cody-Waite), exp(r) by its Taylor polynomial of degree
 * 13 (truncation below 2e-16 relative on that interval), 2^k put in the exponent bits: k is
 * read from the low bits of x log2(e) + 1.5 * 2^52, where adding the constant rounds to an
 * integer. */
static inline INLINE4 v4d exp_neg4(v4d x)
{
    const v4d lo = {-708.0, -708.0, -708.0, -708.0};
    const double shift = 0x1.8p52;
    v4i under = x < lo;
    x = (v4d)(((v4i)x & ~under) | ((v4i)lo & under));
    v4d kd = x * 1.4426950408889634 + shift;
    v4i ki = (v4i)kd;
    kd -= shift;
    v4d r = x - kd * 6.93147180369123816490e-01 - kd * 1.90821492927058770002e-10;
    /* The terms from r^5 on by Estrin's scheme (independent products, a short chain), the
     * first five by Horner's, whose last steps decide the rounding as before. */
    v4d r2 = r * r, r4 = r2 * r2;
    v4d t = (1.0 / 120.0 + r * (1.0 / 720.0)) + r2 * (1.0 / 5040.0 + r * (1.0 / 40320.0));
    v4d u = (1.0 / 362880.0 + r * (1.0 / 3628800.0)) +
            r2 * (1.0 / 39916800.0 + r * (1.0 / 479001600.0));
    t += r4 * (u + r4 * (1.0 / 6227020800.0));
    v4d p = 1.0 / 24.0 + r * t;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    v4i scale = (ki + 1023) << 52;
    return (v4d)((v4i)(p * (v4d)scale) & ~under);
}

/* Four values of r2 from position i (zeros past count): loaded before anything is stored, so
 * that k may be r2 itself. The tails are written out element by element: as a loop, GCC made
 * it a call to memcpy, which kept the vectors on the stack (the kernels are called on short
 * rows: a row of the additive form holds i values). */
static inline INLINE4 v4d load4(const double *r2, size_t i, size_t count)
{
    v4d v = {0.0, 0.0, 0.0, 0.0};
    switch (count - i < 4 ? count - i : 4) {
    case 4:
        memcpy(&v, r2 + i, sizeof v);
        break;
    case 3:
        v[2] = r2[i + 2];
        /* fall through */
    case 2:
        v[1] = r2[i + 1];
        /* fall through */
    default:
        v[0] = r2[i];
    }
    return v;
}

static inline INLINE4 void store4(double *out, size_t i, size_t count, v4d v)
{
    switch (count - i < 4 ? count - i : 4) {
    case 4:
        memcpy(out + i, &v, sizeof v);
        break;
    case 3:
        out[i + 2] = v[2];
        /* fall through */
    case 2:
        out[i + 1] = v[1];
        /* fall through */
    default:
        out[i] = v[0];
    }
}

static inline INLINE4 v4d sqrt4(v4d v)
{
    return (v4d){sqrt(v[0]), sqrt(v[1]), sqrt(v[2]), sqrt(v[3])};
}

/* The Matérn polynomials' argument a = sqrt(2 nu) r, capped at 1000 (NaN passes): beyond 708
 * exp(-a) is already 0, so no value changes, but an infinite r2 (finite points 1e154 scaled
 * lengths apart) would make the kernel (1 + a) * 0 = NaN instead of 0. */
static inline INLINE4 v4d cap_far4(v4d a)
{
    const v4d hi = {1000.0, 1000.0, 1000.0, 1000.0};
    v4i far = a > hi;
    return (v4d)(((v4i)a & ~far) | ((v4i)hi & far));
}

KERNEL_CLONES static void se_eval(size_t count, const double *r2, double *k, double *dk)
{
    for (size_t i = 0; i < count; i += 4) {
        v4d e = exp_neg4(-0.5 * load4(r2, i, count));
        store4(k, i, count, e);
        if (dk != NULL)
            store4(dk, i, count, -0.5 * e);
    }
}

/* exp(-r): dk/dr2 = -exp(-r) / (2r) is infinite at r = 0, where it only ever multiplies terms
 * that vanish; 0 is written there (that term then adds nothing to the x-gradient, which is the
 * average of the two one-sided derivatives at a training input). */
KERNEL_CLONES static void m12_eval(size_t count, const double *r2, double *k, double *dk)
{
    for (size_t i = 0; i < count; i += 4) {
        v4d r = sqrt4(load4(r2, i, count)), e = exp_neg4(-r);
        store4(k, i, count, e);
        if (dk == NULL)
            continue;
        v4d g;
        for (int j = 0; j < 4; j++)
            g[j] = r[j] > 0.0 ? -0.5 * e[j] / r[j] : 0.0;
        store4(dk, i, count, g);
    }
}

/* (1 + a) exp(-a), a = sqrt(3) r: dk/dr2 = -3/2 exp(-a). */
KERNEL_CLONES static void m32_eval(size_t count, const double *r2, double *k, double *dk)
{
    const double s3 = 1.7320508075688772;
    for (size_t i = 0; i < count; i += 4) {
        v4d a = cap_far4(s3 * sqrt4(load4(r2, i, count))), e = exp_neg4(-a);
        store4(k, i, count, (1.0 + a) * e);
        if (dk != NULL)
            store4(dk, i, count, -1.5 * e);
    }
}

/* (1 + a + a^2/3) exp(-a), a = sqrt(5) r: dk/dr2 = -5/6 (1 + a) exp(-a). */
KERNEL_CLONES static void m52_eval(size_t count, const double *r2, double *k, double *dk)
{
    const double s5 = 2.23606797749979;
    for (size_t i = 0; i < count; i += 4) {
        v4d a = cap_far4(s5 * sqrt4(load4(r2, i, count))), e = exp_neg4(-a);
        store4(k, i, count, (1.0 + a + a * a / 3.0) * e);
        if (dk != NULL)
            store4(dk, i, count, -(5.0 / 6.0) * (1.0 + a) * e);
    }
}

static const gpbo_kernel_def builtin[] = {
    {GPBO_KERNEL_DEF_VERSION, "se", se_eval},
    {GPBO_KERNEL_DEF_VERSION, "matern12", m12_eval},
    {GPBO_KERNEL_DEF_VERSION, "matern32", m32_eval},
    {GPBO_KERNEL_DEF_VERSION, "matern52", m52_eval},
};

/* The enum of gp.h indexes this table: a kernel added to one and not the other fails here. */
_Static_assert(sizeof builtin / sizeof builtin[0] == GPBO_KERNEL_COUNT,
               "builtin[] and gpbo_kernel_type disagree");

int gpbo_gp__kernel_eval_is_builtin(void (*eval)(size_t, const double *, double *, double *))
{
    for (int k = 0; k < GPBO_KERNEL_COUNT; k++)
        if (eval == builtin[k].eval)
            return 1;
    return 0;
}

const gpbo_kernel_def *gpbo_kernel_builtin(gpbo_kernel_type kernel)
{
    if ((int)kernel < 0 || (int)kernel >= GPBO_KERNEL_COUNT)
        return NULL;
    return &builtin[kernel];
}

const char *gpbo_kernel_name(gpbo_kernel_type kernel)
{
    const gpbo_kernel_def *def = gpbo_kernel_builtin(kernel);
    return def != NULL ? def->name : NULL;
}

const char *gpbo_gp__kernel_list(char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < GPBO_KERNEL_COUNT && len < cap; k++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", k ? ", " : "", builtin[k].name);
    return buf;
}

int gpbo_kernel_parse(const char *name, gpbo_kernel_type *out)
{
    if (name == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "kernel_parse: name or out is NULL");
    for (int k = 0; k < GPBO_KERNEL_COUNT; k++) {
        if (strcmp(name, builtin[k].name) == 0) {
            *out = (gpbo_kernel_type)k;
            return GPBO_OK;
        }
    }
    char list[GPBO_GP__KERNEL_LIST_CAP];
    return gpbo_error_set(GPBO_EINVAL, "unknown kernel '%s' (%s)", name,
                          gpbo_gp__kernel_list(list, sizeof list));
}

const gpbo_kernel_def *gpbo_kernel_by_name(const char *name)
{
    if (name == NULL)
        return NULL;
    for (int i = 0; i < GPBO_KERNEL_COUNT; i++)
        if (strcmp(builtin[i].name, name) == 0)
            return &builtin[i];
    return NULL;
}
