/*
 * test_pareto.c: the geometry of several objectives (search/pareto.c): the Pareto front and the
 * hypervolume against cases computed by hand, the hypervolume of three objectives against a
 * Monte Carlo estimate, the improvement of one point against two hypervolumes, and the closed
 * form of the two-objective EHVI against a Monte Carlo estimate of the same expectation.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/rng.h"
#include "gpbo/search.h"
#include "../../search/pareto_internal.h"

static void test_front_by_hand(void **state)
{
    (void)state;
    /* (1,3), (2,2), (3,1) trade off; (2,3) is dominated by (2,2); (1,3) again ties itself;
     * a NaN row is never on it */
    const double y[] = {1, 3, 2, 2, 3, 1, 2, 3, 1, 3, NAN, 0};
    int on[6];
    assert_int_equal(gpbo_pareto_front(6, 2, y, on), 4);
    const int want[] = {1, 1, 1, 0, 1, 0};
    for (int i = 0; i < 6; i++)
        assert_int_equal(on[i], want[i]);
    /* one objective: the minima */
    const double z[] = {3, 1, 2, 1};
    int on1[4];
    assert_int_equal(gpbo_pareto_front(4, 1, z, on1), 2);
    assert_true(on1[1] && on1[3] && !on1[0] && !on1[2]);
}

static void test_hypervolume_by_hand(void **state)
{
    (void)state;
    /* the staircase of (1,3), (2,2), (3,1) below (4,4): 3 + 2 + 1 */
    const double y[] = {1, 3, 2, 2, 3, 1, 5, 0 /* not below the reference: nothing */};
    const double ref[] = {4, 4};
    assert_float_equal(gpbo_hypervolume(4, 2, y, ref), 6.0, 1e-12);
    assert_float_equal(gpbo_hypervolume(0, 2, y, ref), 0.0, 0);
    /* three: boxes of 4 and 2 sharing the unit cube [1,2]^3 */
    const double y3[] = {0, 0, 1, 1, 1, 0};
    const double r3[] = {2, 2, 2};
    assert_float_equal(gpbo_hypervolume(2, 3, y3, r3), 5.0, 1e-12);
    const double one[] = {0, 0, 0}, r1[] = {1, 2, 3};
    assert_float_equal(gpbo_hypervolume(1, 3, one, r1), 6.0, 1e-12);
    /* one objective: the distance to the reference */
    const double s[] = {3, 1.5, 2};
    const double rs[] = {4};
    assert_float_equal(gpbo_hypervolume(3, 1, s, rs), 2.5, 1e-12);
    assert_true(isnan(gpbo_hypervolume(1, 0, s, rs)));
}

/* The fraction of uniform points of [0, ref] some row of y dominates, times the box. */
static double hv_monte_carlo(size_t n, size_t k, const double *y, const double *ref, size_t m,
                             gpbo_rng *rng)
{
    size_t hit = 0;
    double p[4], box = 1;
    for (size_t j = 0; j < k; j++)
        box *= ref[j];
    for (size_t t = 0; t < m; t++) {
        for (size_t j = 0; j < k; j++)
            p[j] = gpbo_rng_uniform(rng) * ref[j];
        for (size_t i = 0; i < n; i++) {
            int dom = 1;
            for (size_t j = 0; j < k; j++)
                dom &= y[i * k + j] <= p[j];
            if (dom) {
                hit++;
                break;
            }
        }
    }
    return box * (double)hit / (double)m;
}

static void test_hypervolume_monte_carlo(void **state)
{
    (void)state;
    /* 20 random sets of 12 points in [0,1]^3 (near a front: on the sphere's corner, jittered):
     * the exact hypervolume within 4 standard errors of 200000 uniform draws */
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 7);
    const double ref[] = {1.2, 1.2, 1.2};
    for (int rep = 0; rep < 20; rep++) {
        double y[36];
        for (int i = 0; i < 12; i++) {
            double a = fabs(gpbo_rng_normal(&rng)), b = fabs(gpbo_rng_normal(&rng)),
                   c = fabs(gpbo_rng_normal(&rng)), r = sqrt(a * a + b * b + c * c);
            y[i * 3] = 1 - a / r + 0.1 * gpbo_rng_uniform(&rng);
            y[i * 3 + 1] = 1 - b / r;
            y[i * 3 + 2] = 1 - c / r;
        }
        double exact = gpbo_hypervolume(12, 3, y, ref);
        double mc = hv_monte_carlo(12, 3, y, ref, 200000, &rng);
        double p = mc / (1.2 * 1.2 * 1.2), se = 1.2 * 1.2 * 1.2 * sqrt(p * (1 - p) / 200000);
        assert_true(fabs(exact - mc) < 4 * se + 1e-12);
        /* a third objective constant at 0 below a reference of 1: the two-objective volume */
        double y2[24], y3[36];
        for (int i = 0; i < 12; i++) {
            y2[i * 2] = y3[i * 3] = y[i * 3];
            y2[i * 2 + 1] = y3[i * 3 + 1] = y[i * 3 + 1];
            y3[i * 3 + 2] = 0;
        }
        const double r3[] = {1.2, 1.2, 1.0};
        assert_float_equal(gpbo_hypervolume(12, 3, y3, r3), gpbo_hypervolume(12, 2, y2, ref),
                           1e-12);
    }
}

static void test_improvement(void **state)
{
    (void)state;
    /* HVI(y) = HV(front + y) - HV(front), two and three objectives, points inside, outside and
     * dominated */
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 11);
    for (size_t k = 2; k <= 3; k++) {
        const double ref[] = {1, 1, 1};
        for (int rep = 0; rep < 50; rep++) {
            double y[11 * 3], scratch[10 * 3 * 4];
            for (int i = 0; i < 11 * 3; i++)
                y[i] = gpbo_rng_uniform(&rng) * 1.1;
            double hvi = gpbo_search__hvi(10, k, y, ref, y + 10 * k, scratch);
            double want = gpbo_hypervolume(11, k, y, ref) - gpbo_hypervolume(10, k, y, ref);
            assert_float_equal(hvi, want, 1e-12);
        }
    }
}

/* The exact hypervolume by brute force: the grid that every coordinate of y and ref cuts
 * [min, ref] into, a cell counted when some row (every value <= the cell's low corner, below ref
 * in every value, no NaN) dominates it. k <= 5, n <= 10. */
static double hv_brute(size_t n, size_t k, const double *y, const double *ref)
{
    double cut[5][11];
    size_t nc[5];
    for (size_t j = 0; j < k; j++) {
        nc[j] = 0;
        for (size_t i = 0; i <= n; i++) {
            double v = i < n ? y[i * k + j] : ref[j];
            if (isnan(v) || v > ref[j])
                continue;
            size_t at = nc[j];
            while (at > 0 && cut[j][at - 1] > v) {
                cut[j][at] = cut[j][at - 1];
                at--;
            }
            cut[j][at] = v;
            nc[j]++;
        }
    }
    size_t idx[5] = {0}, cells = 1;
    for (size_t j = 0; j < k; j++)
        cells *= nc[j] > 1 ? nc[j] - 1 : 0;
    double hv = 0;
    for (size_t c = 0; c < cells; c++) {
        size_t r = c;
        double vol = 1;
        for (size_t j = 0; j < k; j++) {
            idx[j] = r % (nc[j] - 1);
            r /= nc[j] - 1;
            vol *= cut[j][idx[j] + 1] - cut[j][idx[j]];
        }
        for (size_t i = 0; i < n && vol > 0; i++) {
            int dom = 1;
            for (size_t j = 0; j < k; j++)
                dom &=
                    !isnan(y[i * k + j]) && y[i * k + j] < ref[j] && y[i * k + j] <= cut[j][idx[j]];
            if (dom) {
                hv += vol;
                break;
            }
        }
    }
    return hv;
}

static void test_hypervolume_brute_force(void **state)
{
    (void)state;
    /* 1 to 5 objectives, up to 10 points of small integers (so many ties and duplicates), some
     * on or beyond the reference, some with a NaN, the reference itself with ties: the exact
     * hypervolume as a brute-force count of grid cells; the improvement of one point as the
     * difference of two of them */
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 23);
    for (int rep = 0; rep < 3000; rep++) {
        size_t k = 1 + (size_t)gpbo_rng_below(&rng, 5), n = (size_t)gpbo_rng_below(&rng, 11);
        double y[10 * 5], ref[5], scratch[10 * 5 * 6];
        for (size_t j = 0; j < k; j++)
            ref[j] = 3 + (double)gpbo_rng_below(&rng, 3) + (rep % 2 ? 0.5 : 0);
        for (size_t i = 0; i < n * k; i++)
            y[i] = (double)gpbo_rng_below(&rng, 6) * (rep % 3 ? 1.0 : 0.75);
        if (n > 0 && rep % 7 == 0)
            y[gpbo_rng_below(&rng, n * k)] = NAN;
        double want = hv_brute(n, k, y, ref);
        assert_float_equal(gpbo_hypervolume(n, k, y, ref), want, 1e-9 * (1 + want));
        if (n > 0 && !isnan(y[(n - 1) * k]) && !isnan(y[n * k - 1])) {
            int clean = 1;
            for (size_t i = 0; i < n * k; i++)
                clean &= !isnan(y[i]);
            if (clean)
                assert_float_equal(gpbo_search__hvi(n - 1, k, y, ref, y + (n - 1) * k, scratch),
                                   want - hv_brute(n - 1, k, y, ref), 1e-9 * (1 + want));
        }
    }
}

/* The hypervolume by inclusion-exclusion over the subsets of the n rows (n small): the sum of
 * (-1)^(|S|+1) times the box of S's componentwise max, every row below ref. */
static double hv_inclusion_exclusion(size_t n, size_t k, const double *y, const double *ref)
{
    double hv = 0;
    for (unsigned long s = 1; s < (1ul << n); s++) {
        double box = 1;
        int odd = 0;
        for (size_t j = 0; j < k; j++) {
            double hi = -INFINITY;
            for (size_t i = 0; i < n; i++)
                if (s >> i & 1ul)
                    hi = fmax(hi, y[i * k + j]);
            box *= ref[j] - hi;
        }
        for (size_t i = 0; i < n; i++)
            odd ^= (int)(s >> i & 1ul);
        hv += odd ? box : -box;
    }
    return hv;
}

static void test_hypervolume_many_objectives(void **state)
{
    (void)state;
    /* 4 to GPBO_MAX_OBJECTIVES objectives (WFG, its recursion down to three), up to 9 rows below
     * the reference, continuous or on a coarse grid (ties, duplicates): the inclusion-exclusion
     * sum; the order of the objectives does not change it */
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 2385);
    for (int rep = 0; rep < 600; rep++) {
        size_t k = 4 + (size_t)rep % (GPBO_MAX_OBJECTIVES - 3), n = 1 + gpbo_rng_below(&rng, 9);
        double y[9 * GPBO_MAX_OBJECTIVES], z[9 * GPBO_MAX_OBJECTIVES], ref[GPBO_MAX_OBJECTIVES],
            rz[GPBO_MAX_OBJECTIVES];
        for (size_t j = 0; j < k; j++)
            ref[j] = 1.0 + 0.5 * gpbo_rng_uniform(&rng);
        for (size_t i = 0; i < n * k; i++)
            y[i] = rep % 2 ? gpbo_rng_uniform(&rng) : 0.25 * (double)gpbo_rng_below(&rng, 4);
        double want = hv_inclusion_exclusion(n, k, y, ref);
        assert_float_equal(gpbo_hypervolume(n, k, y, ref), want, 1e-12 * (1 + want));
        for (size_t i = 0; i < n; i++) /* the objectives reversed */
            for (size_t j = 0; j < k; j++)
                z[i * k + j] = y[i * k + k - 1 - j];
        for (size_t j = 0; j < k; j++)
            rz[j] = ref[k - 1 - j];
        assert_float_equal(gpbo_hypervolume(n, k, z, rz), want, 1e-12 * (1 + want));
    }
}

/* E[HVI] of N(mu, sd^2) in each objective over the sorted front, by m draws. */
static double ehvi_monte_carlo(size_t nf, const double *front, const double *ref, const double *mu,
                               const double *sd, size_t m, gpbo_rng *rng, double *out_se)
{
    double sum = 0, sum2 = 0, scratch[32 * 2 * 3];
    for (size_t t = 0; t < m; t++) {
        double y[2] = {mu[0] + sd[0] * gpbo_rng_normal(rng), mu[1] + sd[1] * gpbo_rng_normal(rng)};
        double h = gpbo_search__hvi(nf, 2, front, ref, y, scratch);
        sum += h;
        sum2 += h * h;
    }
    double mean = sum / (double)m;
    *out_se = sqrt(fmax(sum2 / (double)m - mean * mean, 0) / (double)m);
    return mean;
}

static void test_ehvi_closed_form(void **state)
{
    (void)state;
    /* 30 random cases (fronts of 1 to 8 points, means inside and outside the dominated region,
     * small and large deviations): the closed form within 4 standard errors (plus 1e-9) of
     * 100000 draws; with zero deviation it is the improvement at the mean */
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 5);
    const double ref[] = {1.1, 1.1};
    for (int rep = 0; rep < 30; rep++) {
        size_t n = 1 + (size_t)gpbo_rng_below(&rng, 8);
        double y[16], front[16], scratch[16 * 3];
        for (size_t i = 0; i < 2 * n; i++)
            y[i] = gpbo_rng_uniform(&rng);
        size_t m = gpbo_search__front_sorted2(n, y, ref, front);
        assert_true(m >= 1 && m <= n);
        for (size_t i = 1; i < m; i++) /* sorted by the first value, the second descending */
            assert_true(front[2 * i] > front[2 * i - 2] && front[2 * i + 1] < front[2 * i - 1]);
        double mu[2] = {gpbo_rng_uniform(&rng) * 1.2 - 0.1, gpbo_rng_uniform(&rng) * 1.2 - 0.1};
        double sd[2] = {0.02 + 0.3 * gpbo_rng_uniform(&rng), 0.02 + 0.3 * gpbo_rng_uniform(&rng)};
        double se, mc = ehvi_monte_carlo(m, front, ref, mu, sd, 100000, &rng, &se);
        double cf = gpbo_search__ehvi2(m, front, ref, mu, sd);
        assert_true(fabs(cf - mc) < 4 * se + 1e-9);
        const double zero[2] = {0, 0};
        assert_float_equal(gpbo_search__ehvi2(m, front, ref, mu, zero),
                           gpbo_search__hvi(m, 2, front, ref, mu, scratch), 1e-12);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_front_by_hand),
        cmocka_unit_test(test_hypervolume_by_hand),
        cmocka_unit_test(test_hypervolume_monte_carlo),
        cmocka_unit_test(test_improvement),
        cmocka_unit_test(test_ehvi_closed_form),
        cmocka_unit_test(test_hypervolume_brute_force),
        cmocka_unit_test(test_hypervolume_many_objectives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
