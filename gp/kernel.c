/*
 * kernel.c: the built-in stationary kernels, each given only as k(r2) and dk/dr2 (the ARD
 * scaling and the chain rule live once in gp.c and predict.c), and their lookup by type or name.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gp_internal.h"
#include "gpbo/sys/error.h"

static void se_eval(size_t count, const double *r2, double *k, double *dk)
{
    for (size_t i = 0; i < count; i++) {
        double e = exp(-0.5 * r2[i]);
        k[i] = e;
        if (dk != NULL)
            dk[i] = -0.5 * e;
    }
}

/* exp(-r): dk/dr2 = -exp(-r) / (2r) is infinite at r = 0, where it only ever multiplies terms
 * that vanish; 0 is written there (the one-sided derivative of the x-gradient). */
static void m12_eval(size_t count, const double *r2, double *k, double *dk)
{
    for (size_t i = 0; i < count; i++) {
        double r = sqrt(r2[i]);
        double e = exp(-r);
        k[i] = e;
        if (dk != NULL)
            dk[i] = r > 0.0 ? -0.5 * e / r : 0.0;
    }
}

/* (1 + a) exp(-a), a = sqrt(3) r: dk/dr2 = -3/2 exp(-a). */
static void m32_eval(size_t count, const double *r2, double *k, double *dk)
{
    const double s3 = 1.7320508075688772;
    for (size_t i = 0; i < count; i++) {
        double a = s3 * sqrt(r2[i]);
        double e = exp(-a);
        k[i] = (1.0 + a) * e;
        if (dk != NULL)
            dk[i] = -1.5 * e;
    }
}

/* (1 + a + a^2/3) exp(-a), a = sqrt(5) r: dk/dr2 = -5/6 (1 + a) exp(-a). */
static void m52_eval(size_t count, const double *r2, double *k, double *dk)
{
    const double s5 = 2.23606797749979;
    for (size_t i = 0; i < count; i++) {
        double a = s5 * sqrt(r2[i]);
        double e = exp(-a);
        k[i] = (1.0 + a + a * a / 3.0) * e;
        if (dk != NULL)
            dk[i] = -(5.0 / 6.0) * (1.0 + a) * e;
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
