/*
 * testfn_mo.c: test problems of several objectives (issue 20), every objective minimized, with
 * the reference point and the hypervolume of the true front there, as BoTorch's test problems
 * state them:
 * - branin_currin (Belakaria et al. 2019): Branin on [0,1]^2 rescaled to its box, and Currin's
 *   exponential function; reference (18, 6), front hypervolume 59.36011874867746;
 * - zdt1, zdt2 (Zitzler, Deb & Thiele 2000), any dimension d >= 2 on [0,1]^d: f1 = x0,
 *   g = 1 + 9 / (d - 1) * sum of the others, f2 = g (1 - sqrt(f1 / g)) or g (1 - (f1 / g)^2);
 *   reference (11, 11); the front (g = 1) dominates 110 + (11 - 1/3) and 110 + (11 - 2/3).
 */
#include <math.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "gpbo/testfn.h"

static void unit_box(size_t d, double *lo, double *hi)
{
    for (size_t i = 0; i < d; i++) {
        lo[i] = 0.0;
        hi[i] = 1.0;
    }
}

static void branin_currin(size_t d, const double *x, double *out)
{
    (void)d;
    double a = 15.0 * x[0] - 5.0, b = 15.0 * x[1];
    double t = b - 5.1 / (4.0 * M_PI * M_PI) * a * a + 5.0 / M_PI * a - 6.0;
    out[0] = t * t + 10.0 * (1.0 - 1.0 / (8.0 * M_PI)) * cos(a) + 10.0;
    double u = x[0], v = x[1] > 1e-12 ? x[1] : 1e-12; /* Currin's factor tends to 0 at x1 = 0 */
    double num = 2300.0 * u * u * u + 1900.0 * u * u + 2092.0 * u + 60.0;
    double den = 100.0 * u * u * u + 500.0 * u * u + 4.0 * u + 20.0;
    out[1] = (1.0 - exp(-1.0 / (2.0 * v))) * num / den;
}

static double branin_currin_hv(size_t d)
{
    (void)d;
    return 59.36011874867746;
}

static double zdt_g(size_t d, const double *x)
{
    double s = 0.0;
    for (size_t i = 1; i < d; i++)
        s += x[i];
    return 1.0 + 9.0 / (double)(d - 1) * s;
}

static void zdt1(size_t d, const double *x, double *out)
{
    double g = zdt_g(d, x);
    out[0] = x[0];
    out[1] = g * (1.0 - sqrt(x[0] / g));
}

static void zdt2(size_t d, const double *x, double *out)
{
    double g = zdt_g(d, x), r = x[0] / g;
    out[0] = x[0];
    out[1] = g * (1.0 - r * r);
}

static double zdt1_hv(size_t d)
{
    (void)d;
    return 110.0 + 11.0 - 1.0 / 3.0;
}

static double zdt2_hv(size_t d)
{
    (void)d;
    return 110.0 + 11.0 - 2.0 / 3.0;
}

static const double REF_BC[] = {18.0, 6.0};
static const double REF_ZDT[] = {11.0, 11.0};

static const gpbo_test_mo_function TABLE[] = {
    {"branin_currin", 2, 2, 2, unit_box, REF_BC, branin_currin_hv, branin_currin},
    {"zdt1", 0, 2, 2, unit_box, REF_ZDT, zdt1_hv, zdt1},
    {"zdt2", 0, 2, 2, unit_box, REF_ZDT, zdt2_hv, zdt2},
    {NULL, 0, 0, 0, NULL, NULL, NULL, NULL},
};

const gpbo_test_mo_function *gpbo_test_mo_functions(void)
{
    return TABLE;
}

const gpbo_test_mo_function *gpbo_test_mo_function_find(const char *name)
{
    for (const gpbo_test_mo_function *f = TABLE; name && f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    gpbo_error_set(GPBO_ENOTFOUND,
                   "unknown test problem of several objectives '%s' (branin_currin, zdt1, zdt2)",
                   name ? name : "(null)");
    return NULL;
}
