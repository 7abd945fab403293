/*
 * test_sweep_normal.c: the normal family of a sweep file (cli/sweep.c), where the space holds a
 * quantile u in [1e-6, 1 - 1e-6] and the program gets mu + sigma * the standard normal's
 * quantile of it. Its quantile against a reference computed here in long double (Newton on
 * erfl / erfcl, which carry 11 more bits than a double) at 1e-6, 1e-3, 0.5, 1 - 1e-6 and 4000
 * seeded points in between; and the value a program gets, as gpbo writes it (10 digits), read
 * back (gpbo enqueue, gpbo import) to the same value for every kind, the ends included.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "sweep.h"

#define SWEEP(params)                                                                              \
    "method: random\nrun_cap: 3\nmetric: {name: loss}\ncommand: [/bin/true]\nparameters:\n" params

static sweep *load(const char *text)
{
    sweep *s = sweep_parse("mem/sweep.yaml", text, strlen(text));
    if (s == NULL)
        fail_msg("%s", gpbo_error_message());
    return s;
}

/* The standard normal's quantile at p, in long double: the root of (1/2) erf(x / sqrt 2) =
 * p - 1/2 near the middle (p - 1/2 is exact there), and of log((1/2) erfc(|x| / sqrt 2)) = log
 * t in the tails, t = min(p, 1 - p) (exact too); Newton, which converges on both from x = 0
 * (the first is odd and monotone, the second concave in x >= 0). */
static long double ref_quantile(double p)
{
    const long double r2 = 1.41421356237309504880168872420969808L;
    const long double sqrt2pi = 2.50662827463100050241576528481104525L;
    long double x = 0;
    if (p >= 0.25 && p <= 0.75) {
        long double d = (long double)p - 0.5L;
        for (int k = 0; k < 200; k++) {
            long double f = 0.5L * erfl(x / r2) - d, g = expl(-x * x / 2) / sqrt2pi;
            long double nx = x - f / g;
            if (nx == x)
                break;
            x = nx;
        }
        return x;
    }
    long double t = p < 0.5 ? (long double)p : 1.0L - (long double)p, lt = logl(t);
    for (int k = 0; k < 200; k++) {
        long double q = 0.5L * erfcl(x / r2);
        long double f = logl(q) - lt, g = -expl(-x * x / 2) / sqrt2pi / q;
        long double nx = x - f / g;
        if (nx == x || fabsl(nx - x) < 1e-21L * fabsl(x))
            break;
        x = nx;
    }
    return p < 0.5 ? -x : x;
}

/* The error of got against ref in units in the last place of ref as a double. */
static double ulps(double got, long double ref)
{
    double r = (double)ref;
    double ulp = r == 0 ? 4.9e-324 : nextafter(fabs(r), INFINITY) - fabs(r);
    return (double)(fabsl((long double)got - ref) / ulp);
}

/* A seeded generator of points in (0, 1) (splitmix64): the same 4000 points every run. */
static double next_unit(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

/* The points checked: the edges and where the old approximation was worst, then 2000 spread
 * evenly and 2000 spread in log over the tails. */
static size_t points(double *p, size_t cap)
{
    static const double edges[] = {1e-6,       1e-3,           0.5,     1 - 1e-6, 1 - 1e-3,
                                   0.5 + 1e-5, 0.5 - 2.385e-4, 0.02425, 0.97575,  0.975};
    size_t n = 0;
    for (size_t k = 0; k < sizeof edges / sizeof *edges && n < cap; k++)
        p[n++] = edges[k];
    uint64_t st = 2385;
    for (size_t k = 0; k < 2000 && n < cap; k++)
        p[n++] = 1e-6 + (1 - 2e-6) * next_unit(&st);
    for (size_t k = 0; k < 2000 && n < cap; k++) {
        double t = exp(log(1e-6) + (log(0.05) - log(1e-6)) * next_unit(&st));
        p[n++] = k % 2 ? t : 1 - t;
    }
    return n;
}

/* mu 0 and sigma 1: sweep_shown is the standard normal's quantile itself, within 8 ulps of the
 * long-double reference everywhere (Acklam's approximation with one Halley step, which it
 * replaced, was 11810 ulps off at 1 - 1e-6 and 39437 near 0.5). */
static void test_quantile_accuracy(void **state)
{
    (void)state;
    sweep *s = load(SWEEP("  x: {distribution: normal}\n"));
    double p[4100];
    size_t n = points(p, sizeof p / sizeof *p);
    double worst = 0, at = 0;
    for (size_t k = 0; k < n; k++) {
        double e = ulps(sweep_shown(s, 0, p[k]), ref_quantile(p[k]));
        if (e > worst) {
            worst = e;
            at = p[k];
        }
    }
    print_message("worst error %.2f ulps at p = %.17g over %zu points\n", worst, at, n);
    if (!(worst <= 8))
        fail_msg("the quantile is %.2f ulps off at p = %.17g", worst, at);
    /* the reference itself, where the answer is known: the quantile of 1/2 is 0, and
     * Phi^-1(0.975) = 1.959963984540054 (to 16 digits) */
    assert_true(ref_quantile(0.5) == 0);
    assert_true(fabsl(ref_quantile(0.975) - 1.959963984540054L) < 1e-15L);
    sweep_free(s);
}

/* For each kind (high-entropy mu and sigma), the value at each point as gpbo writes it reads
 * back to a space value whose value is written the same: what gpbo export writes, gpbo import
 * takes back unchanged, the two ends included. */
static void test_round_trip(void **state)
{
    (void)state;
    sweep *s = load(SWEEP("  n: {distribution: normal, mu: 2.385, sigma: 3.7}\n"
                          "  ln: {distribution: log_normal, mu: -1.25, sigma: 0.85}\n"
                          "  qn: {distribution: q_normal, mu: 10.5, sigma: 5.3, q: 2}\n"
                          "  qln: {distribution: q_log_normal, mu: 0.3, sigma: 1.7, q: 0.5}\n"
                          "  wide: {distribution: normal, mu: -7e5, sigma: 2.5e5}\n"));
    gpbo_space *sp = sweep_space(s);
    assert_non_null(sp);
    double p[4100];
    size_t n = points(p, sizeof p / sizeof *p);
    for (size_t i = 0; i < s->np; i++)
        for (size_t k = 0; k < n; k++) {
            char a[64], b[64];
            double u;
            assert_int_equal(sweep_format(s, sp, i, p[k], a, sizeof a), GPBO_OK);
            if (sweep_value(s, i, a, &u) != GPBO_OK)
                fail_msg("%s at p = %.17g: '%s' does not read back: %s", s->p[i].name, p[k], a,
                         gpbo_error_message());
            assert_true(u >= SWEEP_NORMAL_EPS && u <= 1 - SWEEP_NORMAL_EPS);
            assert_int_equal(sweep_format(s, sp, i, u, b, sizeof b), GPBO_OK);
            if (strcmp(a, b) != 0)
                fail_msg("%s at p = %.17g: '%s' reads back as '%s'", s->p[i].name, p[k], a, b);
        }
    gpbo_space_free(sp);
    sweep_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile_accuracy),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
