/*
 * testfn.c: the standard test functions of the optimization literature, with their domains and
 * known global minima (Surjanovic & Bingham, "Virtual Library of Simulation Experiments").
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "gpbo/testfn.h"

static void box(size_t d, double *lo, double *hi, double a, double b)
{
    for (size_t k = 0; k < d; k++) {
        lo[k] = a;
        hi[k] = b;
    }
}

static void fill(size_t d, double *out, double v)
{
    for (size_t k = 0; k < d; k++)
        out[k] = v;
}

static double zero(size_t d)
{
    (void)d;
    return 0.0;
}

static int at_zero(size_t d, double *x)
{
    fill(d, x, 0.0);
    return 0;
}

static int at_one(size_t d, double *x)
{
    fill(d, x, 1.0);
    return 0;
}

/* Branin-Hoo */
static void branin_b(size_t d, double *lo, double *hi)
{
    (void)d;
    lo[0] = -5;
    hi[0] = 10;
    lo[1] = 0;
    hi[1] = 15;
}
static double branin(size_t d, const double *x)
{
    (void)d;
    double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
    double a = x[1] - b * x[0] * x[0] + c * x[0] - 6;
    return a * a + 10 * (1 - t) * cos(x[0]) + 10;
}
static double branin_opt(size_t d)
{
    (void)d;
    return 0.39788735772973816;
}
static int branin_at(size_t d, double *x)
{
    (void)d;
    x[0] = M_PI;
    x[1] = 2.275;
    return 0;
}

/* Six-hump camel */
static void camel_b(size_t d, double *lo, double *hi)
{
    (void)d;
    lo[0] = -3;
    hi[0] = 3;
    lo[1] = -2;
    hi[1] = 2;
}
static double camel(size_t d, const double *x)
{
    (void)d;
    double a = x[0] * x[0], b = x[1] * x[1];
    return (4 - 2.1 * a + a * a / 3) * a + x[0] * x[1] + (-4 + 4 * b) * b;
}
static double camel_opt(size_t d)
{
    (void)d;
    return -1.0316284534898774;
}
static int camel_at(size_t d, double *x)
{
    (void)d;
    x[0] = 0.08984201368301331;
    x[1] = -0.7126564032704135;
    return 0;
}

/* Goldstein-Price */
static void gp_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, -2, 2);
}
static double goldstein(size_t d, const double *x)
{
    (void)d;
    double a = x[0], b = x[1];
    double t1 =
        1 + (a + b + 1) * (a + b + 1) * (19 - 14 * a + 3 * a * a - 14 * b + 6 * a * b + 3 * b * b);
    double t2 = 30 + (2 * a - 3 * b) * (2 * a - 3 * b) *
                         (18 - 32 * a + 12 * a * a + 48 * b - 36 * a * b + 27 * b * b);
    return t1 * t2;
}
static double gp_opt(size_t d)
{
    (void)d;
    return 3.0;
}
static int gp_at(size_t d, double *x)
{
    (void)d;
    x[0] = 0;
    x[1] = -1;
    return 0;
}

/* Hartmann 3 and 6 */
static const double H_ALPHA[4] = {1.0, 1.2, 3.0, 3.2};
static const double H3_A[4][3] = {{3, 10, 30}, {0.1, 10, 35}, {3, 10, 30}, {0.1, 10, 35}};
static const double H3_P[4][3] = {{0.3689, 0.1170, 0.2673},
                                  {0.4699, 0.4387, 0.7470},
                                  {0.1091, 0.8732, 0.5547},
                                  {0.0381, 0.5743, 0.8828}};
static const double H6_A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                  {0.05, 10, 17, 0.1, 8, 14},
                                  {3, 3.5, 1.7, 10, 17, 8},
                                  {17, 8, 0.05, 10, 0.1, 14}};
static const double H6_P[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                  {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                  {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                  {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
static void unit_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, 0, 1);
}
static double hartmann3(size_t d, const double *x)
{
    (void)d;
    double s = 0;
    for (int i = 0; i < 4; i++) {
        double e = 0;
        for (int j = 0; j < 3; j++)
            e += H3_A[i][j] * (x[j] - H3_P[i][j]) * (x[j] - H3_P[i][j]);
        s -= H_ALPHA[i] * exp(-e);
    }
    return s;
}
static double h3_opt(size_t d)
{
    (void)d;
    /* this code's minimum (Nelder-Mead and Powell from the published minimizer, to the last
     * digit; the constant was 3.8e-10 above it, which printed negative regrets) */
    return -3.862779787332663;
}
static int h3_at(size_t d, double *x)
{
    (void)d;
    x[0] = 0.11458887155955824;
    x[1] = 0.5556488948259716;
    x[2] = 0.852546984746062;
    return 0;
}
static double hartmann6(size_t d, const double *x)
{
    (void)d;
    double s = 0;
    for (int i = 0; i < 4; i++) {
        double e = 0;
        for (int j = 0; j < 6; j++)
            e += H6_A[i][j] * (x[j] - H6_P[i][j]) * (x[j] - H6_P[i][j]);
        s -= H_ALPHA[i] * exp(-e);
    }
    return s;
}
static double h6_opt(size_t d)
{
    (void)d;
    return -3.3223680114155147;
}
static int h6_at(size_t d, double *x)
{
    (void)d;
    const double a[6] = {0.20168952, 0.15001069, 0.47687398, 0.27533243, 0.31165162, 0.65730054};
    memcpy(x, a, sizeof a);
    return 0;
}

/* Ackley */
static void ackley_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, -32.768, 32.768);
}
static double ackley(size_t d, const double *x)
{
    double s1 = 0, s2 = 0;
    for (size_t k = 0; k < d; k++) {
        s1 += x[k] * x[k];
        s2 += cos(2 * M_PI * x[k]);
    }
    return -20 * exp(-0.2 * sqrt(s1 / (double)d)) - exp(s2 / (double)d) + 20 + M_E;
}

/* Ackley on [-5, 10]^d, the box BayesOpt's and BoTorch's benchmarks use: the minimizer is off
 * the box's centre, where a search drawn to the middle does not find it for free (issue 18). */
static void ackley_box_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, -5, 10);
}

/* Levy */
static void levy_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, -10, 10);
}
static double levy(size_t d, const double *x)
{
    double w1 = 1 + (x[0] - 1) / 4, wd = 1 + (x[d - 1] - 1) / 4;
    double s = pow(sin(M_PI * w1), 2);
    for (size_t k = 0; k + 1 < d; k++) {
        double w = 1 + (x[k] - 1) / 4;
        s += (w - 1) * (w - 1) * (1 + 10 * pow(sin(M_PI * w + 1), 2));
    }
    return s + (wd - 1) * (wd - 1) * (1 + pow(sin(2 * M_PI * wd), 2));
}

/* Rosenbrock */
static void rosen_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, -5, 10);
}
static double rosenbrock(size_t d, const double *x)
{
    double s = 0;
    for (size_t k = 0; k + 1 < d; k++)
        s += 100 * pow(x[k + 1] - x[k] * x[k], 2) + pow(x[k] - 1, 2);
    return s;
}

/* Styblinski-Tang */
static void st_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, -5, 5);
}
static double styblinski(size_t d, const double *x)
{
    double s = 0;
    for (size_t k = 0; k < d; k++)
        s += pow(x[k], 4) - 16 * x[k] * x[k] + 5 * x[k];
    return 0.5 * s;
}
static double st_opt(size_t d)
{
    return -39.166165703771412 * (double)d;
}
static int st_at(size_t d, double *x)
{
    fill(d, x, -2.9035340276126953);
    return 0;
}

/* Rastrigin, Sphere, Ellipsoid: [-5.12, 5.12] */
static void r_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, -5.12, 5.12);
}
static double rastrigin(size_t d, const double *x)
{
    double s = 10.0 * (double)d;
    for (size_t k = 0; k < d; k++)
        s += x[k] * x[k] - 10 * cos(2 * M_PI * x[k]);
    return s;
}
static double sphere(size_t d, const double *x)
{
    double s = 0;
    for (size_t k = 0; k < d; k++)
        s += x[k] * x[k];
    return s;
}
static double ellipsoid(size_t d, const double *x)
{
    double s = 0;
    for (size_t k = 0; k < d; k++)
        s += (double)(k + 1) * x[k] * x[k];
    return s;
}

/* Griewank */
static void grie_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, -600, 600);
}
static double griewank(size_t d, const double *x)
{
    double s = 0, p = 1;
    for (size_t k = 0; k < d; k++) {
        s += x[k] * x[k] / 4000;
        p *= cos(x[k] / sqrt((double)k + 1));
    }
    return s - p + 1;
}

/* Michalewicz (m = 10) */
static void mich_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, 0, M_PI);
}
static double michalewicz(size_t d, const double *x)
{
    double s = 0;
    for (size_t k = 0; k < d; k++)
        s -= sin(x[k]) * pow(sin((double)(k + 1) * x[k] * x[k] / M_PI), 20);
    return s;
}
static double mich_opt(size_t d)
{
    return d == 2 ? -1.8013034100985537 : d == 5 ? -4.687658179 : d == 10 ? -9.66015 : NAN;
}
static int mich_at(size_t d, double *x)
{
    if (d != 2)
        return -1;
    x[0] = 2.2029055201726;
    x[1] = 1.5707963267949;
    return 0;
}

/* ---- held-out variants (issue 18): shifted and rotated optima, narrow basins ---------------- */

/* The largest dimension of the variants below (their transforms live on the stack). */
#define SR_MAX_DIM 16

/* SplitMix64: the fixed generator of the variants' shifts and rotations. */
static uint64_t sm_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double sm_uniform(uint64_t *s) /* in (0, 1) */
{
    return ((double)(sm_next(s) >> 11) + 0.5) * 0x1.0p-53;
}

static double sm_normal(uint64_t *s) /* Box-Muller */
{
    double u = sm_uniform(s), v = sm_uniform(s);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/*
 * The fixed transform of variant `id` at dimension d: its minimizer o, uniform in the inner 80 %
 * of the box [lo, hi] (so never at the centre nor on a face by construction), and, when R is not
 * NULL, a rotation R (d x d, row-major) drawn from the Haar measure on orthogonal matrices:
 * Gram-Schmidt of a matrix of standard normals (the QR factor with a positive diagonal). Drawn
 * from a generator seeded by id and d alone: the same function for every seed of every run, on
 * every machine (the arithmetic is IEEE, no BLAS).
 */
static void sr_transform(unsigned id, size_t d, const double *lo, const double *hi, double *o,
                         double *R)
{
    uint64_t s = 0x6770626FULL * 1000003u + (uint64_t)id * 7919u + (uint64_t)d;
    for (size_t k = 0; k < d; k++)
        o[k] = lo[k] + (hi[k] - lo[k]) * (0.1 + 0.8 * sm_uniform(&s));
    if (R == NULL)
        return;
    for (size_t i = 0; i < d * d; i++)
        R[i] = sm_normal(&s);
    for (size_t i = 0; i < d; i++) {
        double *r = R + i * d;
        for (size_t j = 0; j < i; j++) { /* remove the earlier rows' components */
            double dot = 0;
            for (size_t k = 0; k < d; k++)
                dot += r[k] * R[j * d + k];
            for (size_t k = 0; k < d; k++)
                r[k] -= dot * R[j * d + k];
        }
        double nrm = 0;
        for (size_t k = 0; k < d; k++)
            nrm += r[k] * r[k];
        nrm = sqrt(nrm);
        for (size_t k = 0; k < d; k++)
            r[k] /= nrm;
    }
}

/* A shifted and rotated variant: f(x) = base(z* + R (x - o)), where z* is the base function's
 * minimizer. base is minimal at z* over all of R^d (not only over its box), so f's minimum is
 * base's, reached at x = o; rotation makes a separable function non-separable, the shift moves
 * the optimum off the box's centre and off the diagonal. */
typedef struct sr_variant {
    unsigned id;
    double lo, hi; /* the box, every coordinate */
    double (*base)(size_t, const double *);
    double (*base_opt)(size_t);
    int (*base_at)(size_t, double *);
} sr_variant;

static double sr_eval(const sr_variant *v, size_t d, const double *x)
{
    double lo[SR_MAX_DIM] = {0}, hi[SR_MAX_DIM] = {0}, o[SR_MAX_DIM], R[SR_MAX_DIM * SR_MAX_DIM];
    double z[SR_MAX_DIM];
    if (d > SR_MAX_DIM)
        return NAN;
    box(d, lo, hi, v->lo, v->hi);
    sr_transform(v->id, d, lo, hi, o, R);
    v->base_at(d, z);
    for (size_t i = 0; i < d; i++)
        for (size_t k = 0; k < d; k++)
            z[i] += R[i * d + k] * (x[k] - o[k]);
    return v->base(d, z);
}

static int sr_argmin(const sr_variant *v, size_t d, double *x)
{
    double lo[SR_MAX_DIM], hi[SR_MAX_DIM];
    if (d > SR_MAX_DIM)
        return -1;
    box(d, lo, hi, v->lo, v->hi);
    sr_transform(v->id, d, lo, hi, x, NULL);
    return 0;
}

static double sr_opt(const sr_variant *v, size_t d)
{
    return d > SR_MAX_DIM ? NAN : v->base_opt(d);
}

static const sr_variant SR_RASTRIGIN = {1, -5.12, 5.12, rastrigin, zero, at_zero};
static const sr_variant SR_ACKLEY = {2, -5, 10, ackley, zero, at_zero};
static const sr_variant SR_LEVY = {3, -10, 10, levy, zero, at_one};
static const sr_variant SR_STYBLINSKI = {4, -5, 5, styblinski, st_opt, st_at};

/* The table wants plain functions: one set of three a variant. */
#define SR_FUNCTIONS(tag, v)                                                                       \
    static void tag##_b(size_t d, double *lo, double *hi)                                          \
    {                                                                                              \
        box(d, lo, hi, (v).lo, (v).hi);                                                            \
    }                                                                                              \
    static double tag##_opt(size_t d)                                                              \
    {                                                                                              \
        return sr_opt(&(v), d);                                                                    \
    }                                                                                              \
    static int tag##_at(size_t d, double *x)                                                       \
    {                                                                                              \
        return sr_argmin(&(v), d, x);                                                              \
    }                                                                                              \
    static double tag(size_t d, const double *x)                                                   \
    {                                                                                              \
        return sr_eval(&(v), d, x);                                                                \
    }
SR_FUNCTIONS(rastrigin_sr, SR_RASTRIGIN)
SR_FUNCTIONS(ackley_sr, SR_ACKLEY)
SR_FUNCTIONS(levy_sr, SR_LEVY)
SR_FUNCTIONS(styblinski_sr, SR_STYBLINSKI)

/*
 * A narrow basin away from a broad one, on [0, 1]^d:
 *   f(x) = (1 + |x - a|^2 / d) (1 - exp(-|x - b|^2 / (2 w^2))),  a = (0.25, ..., 0.25),
 * w = 0.08 sqrt(d), b fixed (sr_transform's shift in [0.55, 0.95]^d, so |b - a| >= 0.3 sqrt(d)
 * = 3.75 w). Both factors are >= 0 and the second is 0 only at b: the minimum is 0 at b, exactly.
 * Away from b the first factor leads a search to the broad basin around a (f near 1); the global
 * minimum is the well of width w around b (the radius where f halves, 1.18 w, holds about 0.2 %
 * of the box in 5-D).
 */
static void narrow_b_at(size_t d, double *b)
{
    double lo[SR_MAX_DIM], hi[SR_MAX_DIM];
    box(d, lo, hi, 0.5, 1.0);
    sr_transform(5, d, lo, hi, b, NULL);
}
static double narrow_opt(size_t d)
{
    return d > SR_MAX_DIM ? NAN : 0.0;
}
static int narrow_at(size_t d, double *x)
{
    if (d > SR_MAX_DIM)
        return -1;
    narrow_b_at(d, x);
    return 0;
}
static double narrow_basin(size_t d, const double *x)
{
    double b[SR_MAX_DIM], ra = 0, rb = 0, w = 0.08 * sqrt((double)d);
    if (d > SR_MAX_DIM)
        return NAN;
    narrow_b_at(d, b);
    for (size_t k = 0; k < d; k++) {
        ra += (x[k] - 0.25) * (x[k] - 0.25);
        rb += (x[k] - b[k]) * (x[k] - b[k]);
    }
    return (1 + ra / (double)d) * -expm1(-rb / (2 * w * w));
}

/*
 * Shekel with m = 10 wells (4-D, [0, 10]^4): -sum_i 1 / (beta_i + |x - C_i|^2), wells of widths
 * sqrt(beta_i) between 0.3 and 0.84 in a box of side 10 — narrow basins of unequal depths. The
 * minimum, -10.53644315348353 at (4.000746869687141, 3.9995094792416537, 4.000746864307974,
 * 3.999509478892575), was found by BFGS then Nelder-Mead (tolerance 1e-14) from each well's
 * centre, the deepest of the ten kept (tests/search/test_testfn.c checks it against random and
 * nearby points).
 */
static const double SHEKEL_BETA[10] = {0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5};
static const double SHEKEL_C[10][4] = {{4, 4, 4, 4}, {1, 1, 1, 1},    {8, 8, 8, 8}, {6, 6, 6, 6},
                                       {3, 7, 3, 7}, {2, 9, 2, 9},    {5, 3, 5, 3}, {8, 1, 8, 1},
                                       {6, 2, 6, 2}, {7, 3.6, 7, 3.6}};
static void shekel_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, 0, 10);
}
static double shekel(size_t d, const double *x)
{
    (void)d;
    double s = 0;
    for (int i = 0; i < 10; i++) {
        double e = SHEKEL_BETA[i];
        for (int j = 0; j < 4; j++)
            e += (x[j] - SHEKEL_C[i][j]) * (x[j] - SHEKEL_C[i][j]);
        s -= 1 / e;
    }
    return s;
}
static double shekel_opt(size_t d)
{
    (void)d;
    return -10.53644315348353;
}
static int shekel_at(size_t d, double *x)
{
    (void)d;
    const double a[4] = {4.000746869687141, 3.9995094792416537, 4.000746864307974,
                         3.999509478892575};
    memcpy(x, a, sizeof a);
    return 0;
}

static const gpbo_test_function FUNCTIONS[] = {
    {"branin", 2, 2, branin_b, branin_opt, branin_at, branin},
    {"six_hump_camel", 2, 2, camel_b, camel_opt, camel_at, camel},
    {"goldstein_price", 2, 2, gp_b, gp_opt, gp_at, goldstein},
    {"hartmann3", 3, 3, unit_b, h3_opt, h3_at, hartmann3},
    {"hartmann6", 6, 6, unit_b, h6_opt, h6_at, hartmann6},
    {"ackley", 0, 1, ackley_b, zero, at_zero, ackley},
    {"ackley_box", 0, 1, ackley_box_b, zero, at_zero, ackley},
    {"levy", 0, 1, levy_b, zero, at_one, levy},
    {"rosenbrock", 0, 2, rosen_b, zero, at_one, rosenbrock},
    {"styblinski_tang", 0, 1, st_b, st_opt, st_at, styblinski},
    {"rastrigin", 0, 1, r_b, zero, at_zero, rastrigin},
    {"griewank", 0, 1, grie_b, zero, at_zero, griewank},
    {"michalewicz", 0, 2, mich_b, mich_opt, mich_at, michalewicz},
    {"sphere", 0, 1, r_b, zero, at_zero, sphere},
    {"ellipsoid", 0, 1, r_b, zero, at_zero, ellipsoid},
    /* held-out variants (issue 18; at most 16-D) */
    {"rastrigin_sr", 0, 2, rastrigin_sr_b, rastrigin_sr_opt, rastrigin_sr_at, rastrigin_sr},
    {"ackley_sr", 0, 2, ackley_sr_b, ackley_sr_opt, ackley_sr_at, ackley_sr},
    {"levy_sr", 0, 2, levy_sr_b, levy_sr_opt, levy_sr_at, levy_sr},
    {"styblinski_tang_sr", 0, 2, styblinski_sr_b, styblinski_sr_opt, styblinski_sr_at,
     styblinski_sr},
    {"narrow_basin", 0, 1, unit_b, narrow_opt, narrow_at, narrow_basin},
    {"shekel", 4, 4, shekel_b, shekel_opt, shekel_at, shekel},
    {NULL, 0, 0, NULL, NULL, NULL, NULL},
};

const gpbo_test_function *gpbo_test_functions(void)
{
    return FUNCTIONS;
}

const gpbo_test_function *gpbo_test_function_find(const char *name)
{
    for (const gpbo_test_function *f = FUNCTIONS; name && f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    gpbo_error_set(
        GPBO_ENOTFOUND,
        "unknown test function '%s' (branin, six_hump_camel, goldstein_price, "
        "hartmann3, hartmann6, ackley, ackley_box, levy, rosenbrock, styblinski_tang, rastrigin, "
        "griewank, michalewicz, sphere, ellipsoid, rastrigin_sr, ackley_sr, levy_sr, "
        "styblinski_tang_sr, narrow_basin, shekel)",
        name ? name : "(null)");
    return NULL;
}

/* ---- constrained problems (issue 20) --------------------------------------------------------- */

/* Branin under the disk of radius 4 around (2.5, 7.5) (its squared distance, "disk" <= 16). */
static double disk(size_t k, const double *x)
{
    (void)k;
    return (x[0] - 2.5) * (x[0] - 2.5) + (x[1] - 7.5) * (x[1] - 7.5);
}

/* Gardner et al. 2014, section 5.1. */
static void gardner_b(size_t d, double *lo, double *hi)
{
    box(d, lo, hi, 0.0, 6.0);
}
static double gardner(size_t d, const double *x)
{
    (void)d;
    return cos(2 * x[0]) * cos(x[1]) + sin(x[0]);
}
static double gardner_c(size_t k, const double *x)
{
    (void)k;
    return cos(x[0]) * cos(x[1]) - sin(x[0]) * sin(x[1]);
}

/* The constrained optimum of branin_disk: on the disk's edge (Branin's minima lie outside),
 * found by minimizing Branin along the circle (a 1e5-point scan of the angle, then Nelder-Mead
 * to 1e-14; tests/testfn checks it against a dense grid of the disk). */
#define BRANIN_DISK_OPT 1.7727822946017753
#define BRANIN_DISK_X0  2.928691974235407
#define BRANIN_DISK_X1  3.5230384473537906
static const gpbo_test_constrained CONSTRAINED[] = {
    {"branin_disk",
     2,
     branin_b,
     branin,
     1,
     {"disk"},
     {-INFINITY},
     {16.0},
     disk,
     BRANIN_DISK_OPT,
     {BRANIN_DISK_X0, BRANIN_DISK_X1}},
    {"gardner",
     2,
     gardner_b,
     gardner,
     1,
     {"c"},
     {-INFINITY},
     {0.5},
     gardner_c,
     -2.0,
     {1.5 * M_PI, 0.0}},
    {NULL, 0, NULL, NULL, 0, {NULL}, {0}, {0}, NULL, 0, {0, 0}},
};

const gpbo_test_constrained *gpbo_test_constrained_problems(void)
{
    return CONSTRAINED;
}

const gpbo_test_constrained *gpbo_test_constrained_find(const char *name)
{
    for (const gpbo_test_constrained *p = CONSTRAINED; name && p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    gpbo_error_set(GPBO_ENOTFOUND, "unknown constrained problem '%s' (branin_disk, gardner)",
                   name ? name : "(null)");
    return NULL;
}
