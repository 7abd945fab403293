/*
 * test_strategy_stats.c: statistical properties of the Bayesian strategy — it beats random
 * search on Branin, the output warping copes with Rosenbrock's heavy tail, the additive model
 * choice solves Styblinski-Tang, restart episodes keep refining, failures with restart
 * episodes still leave a working search, and each of issue 18's changes (the warped candidate
 * always offered, the lengthscale cap, the MAP fits, the pessimistic prior mean in low and high
 * dimension, the lower noise floor, the flat lengthscale prior of categoricals, the trust-region
 * refinement) does what it was measured to do, over seeds 20-39. Kept apart from test_study.c for
 * its cost (about 50 s of CPU with the Haswell kernels, 90 s with Prescott's), and run by ctest as
 * three groups (main below).
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
#include "gpbo/search.h"
#include "gpbo/testfn.h"
#include "study_util.h"
#include "testutil.h"

/* Seeds of the statistical tests. Every such test asserts a property of the distribution of
 * outcomes over these seeds, with a margin measured over more seeds under three BLAS kernel
 * choices and with the objective moved by one ulp (GPBO_TEST_PERTURB_ULP=1): a Bayesian run is
 * chaotic, and the last bit of any sum changes its path, so no test expects a seed to end
 * anywhere in particular. */
#define NSEEDS_FLAKY            9
#define NSEEDS_BRANIN           9
#define NSEEDS_ROSENBROCK       15
#define NSEEDS_STYBLINSKI       11
#define NSEEDS_HARTMANN3        9
#define NSEEDS_DIVERGED         20
#define DIVERGED_DESIGN_BOUND   0.1
#define DIVERGED_PROPOSAL_BOUND 0.7
/* issue 18's tests: seeds 20-39, the development seeds its changes were chosen on */
#define SEED0_ISSUE18  20
#define NSEEDS_ISSUE18 20

static void test_failures_with_restarts(void **state)
{
    (void)state;
    /* With restart episodes soon (after 2 trials without progress), both policies, seeds 0-8:
     * every run completes its budget with the right counts, and the search still works: the
     * median best of the nine is below 5 (Branin's minimum is 0.398; its values reach 300).
     * Measured over seeds 0-19 under OpenBLAS's Haswell, Cooperlake and Prescott kernels and
     * with every value moved by one ulp (160 runs): median 0.7 (exclude) and 2.1 (worst), 14
     * runs above 5, none above 7.7. With p = 0.1 per run, five of nine above 5 has probability
     * below 1e-3 for each policy. */
    for (int policy = 0; policy < 2; policy++) {
        double best[NSEEDS_FLAKY];
        for (uint64_t seed = 0; seed < NSEEDS_FLAKY; seed++) {
            gpbo_space *s = branin_space(1);
            gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
            o.n_init = 4;
            o.failed = (gpbo_failed_policy)policy;
            o.restart = 2;
            o.seed = seed;
            gpbo_study *st = gpbo_study_open(NULL, "flaky", s, &o);
            assert_int_equal(gpbo_study_optimize(st, flaky, NULL, 40), GPBO_OK);
            size_t c[GPBO_TRIAL_STATE_COUNT];
            gpbo_study_counts(st, c);
            assert_int_equal(c[GPBO_TRIAL_COMPLETE], 40 - 10 - 8 + 2); /* 10 crash, 8 NaN, 2 both */
            gpbo_trial_info t;
            assert_int_equal(gpbo_study_best(st, &t), GPBO_OK);
            assert_true(isfinite(t.value));
            best[seed] = t.value;
            gpbo_study_close(st);
            gpbo_space_free(s);
        }
        double med = median(best, NSEEDS_FLAKY);
        if (!(med < 5.0))
            fail_msg("policy %d: median best %g over %d seeds with restart episodes", policy, med,
                     NSEEDS_FLAKY);
    }
}

static double regret_after(const char *strategy, uint64_t seed, size_t n)
{
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    o.seed = seed;
    return best_after(branin_space(0), &o, "branin", n) - 0.39788735772973816;
}

static void test_bayes_beats_random(void **state)
{
    (void)state;
    /* 30 evaluations on Branin, seeds 0-8: the median regret of Bayesian search is below 0.05
     * and ten times below random search's. Measured over seeds 0-19 under three kernel choices
     * and the one-ulp switch (80 runs each): Bayesian regrets median 0.004, largest 0.056
     * (4 runs above 0.05, one seed); random search's median 1.1. Five of nine runs above 0.05
     * at p = 0.05 has probability below 1e-4; random's median of nine below 0.5 (ten times
     * the Bayesian bound) was never close. */
    double rb[NSEEDS_BRANIN], rr[NSEEDS_BRANIN];
    for (uint64_t seed = 0; seed < NSEEDS_BRANIN; seed++) {
        rb[seed] = regret_after("bayes", seed, 30);
        rr[seed] = regret_after("random", seed, 30);
    }
    double mb = median(rb, NSEEDS_BRANIN), mr = median(rr, NSEEDS_BRANIN);
    if (!(mb < 0.05 && 10.0 * mb < mr))
        fail_msg("median regret after 30 evaluations: bayes %g, random %g", mb, mr);
}

/* Branin, but trial `at` (payload) returns 1e30: a diverged value. */
static int diverged(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    if (id == *(const size_t *)p) {
        *out = 1e30;
        return 0;
    }
    return branin(s, id, v, out, NULL);
}

/* Branin's regret after 30 evaluations, seeds 0 .. NSEEDS_DIVERGED-1, with trial `at`'s value
 * 1e30, into r. */
static void diverged_runs(size_t at, double *r)
{
    for (uint64_t seed = 0; seed < NSEEDS_DIVERGED; seed++) {
        gpbo_space *s = branin_space(0);
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.seed = seed;
        gpbo_study *st = gpbo_study_open(NULL, "diverged", s, &o);
        assert_non_null(st);
        assert_int_equal(gpbo_study_optimize(st, diverged, &at, 30), GPBO_OK);
        gpbo_trial_info t;
        assert_int_equal(gpbo_study_best(st, &t), GPBO_OK);
        r[seed] = t.value - 0.39788735772973816;
        if (getenv("GPBO_TEST_SHOW"))
            print_message("diverged at %zu seed %u: %g\n", at, (unsigned)seed, r[seed]);
        gpbo_study_close(st);
        gpbo_space_free(s);
    }
}

static void test_diverged_value_capped(void **state)
{
    (void)state;
    /* One diverged value (1e30) used to blind the search: the GP's standardization and the log
     * warping's scale were the diverged value's, every ordinary value looked alike, and the median
     * regret after 30 evaluations was 1.9 with it in the design (trial 4) and 0.64 with it at a
     * proposal (trial 14), against 0.003 without. The model's values are capped
     * (search/bayes_acq.c, gpbo_bayes__clip_values). Over seeds 0-19, under the Haswell,
     * Cooperlake and Prescott kernels and with the one-ulp switch (120 runs, each seed on the same
     * path in all six): with the value at trial 4 median 0.0038, largest 0.098 (the old code's
     * smallest 0.21, median 3.3); at trial 14 median 0.027, 4 of 20 above 0.7 (the old code's
     * median 1.3, 12 of 20 above 0.7; a value of 1e3 there, three times Branin's largest and so
     * not capped, costs as much: median 0.053 over seeds 0-15). A median of twenty above 0.7 at
     * p = 0.2 a run has probability 0.003; above 0.1 at trial 4, with no run there in 120, less. */
    double r[NSEEDS_DIVERGED];
    diverged_runs(4, r);
    double m4 = median(r, NSEEDS_DIVERGED);
    diverged_runs(14, r);
    double m14 = median(r, NSEEDS_DIVERGED);
    if (!(m4 < DIVERGED_DESIGN_BOUND && m14 < DIVERGED_PROPOSAL_BOUND))
        fail_msg("median regret after 30 evaluations with a diverged value: %g (trial 4), %g "
                 "(trial 14)",
                 m4, m14);
}

static void test_heavy_tail_warping(void **state)
{
    (void)state;
    /* Rosenbrock 4-D on [-5, 10]^4 spans six orders of magnitude, which swamps a GP of the raw
     * values; the log-warped model the strategy picks by likelihood copes. After 60 evaluations
     * (ARD model only), over seeds 0-14, the median regret is below 300 (random search's median
     * is 1900). Measured over seeds 0-15 under three kernel choices and the one-ulp switch (64
     * runs): median 7, 7 runs above 300 (one seed stuck at 966 every time). At p = 0.11, eight
     * of fifteen above 300 has probability below 1e-4. */
    double r[NSEEDS_ROSENBROCK];
    for (uint64_t seed = 0; seed < NSEEDS_ROSENBROCK; seed++) {
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.strategy = "bayes";
        o.seed = seed;
        o.additive = 0; /* the warping alone */
        r[seed] = best_after(box(4, -5, 10), &o, "rosenbrock", 60);
    }
    double med = median(r, NSEEDS_ROSENBROCK);
    if (!(med < 300.0))
        fail_msg("median regret after 60 evaluations %g over %d seeds", med, NSEEDS_ROSENBROCK);
}

/* Regrets after 60 evaluations of Styblinski-Tang 4-D, seeds 0 .. NSEEDS_STYBLINSKI-1, with or
 * without the additive form of the kernel in the model choice. */
static void styblinski_runs(int additive, double *regret)
{
    double opt = gpbo_test_function_find("styblinski_tang")->optimum(4);
    for (uint64_t seed = 0; seed < NSEEDS_STYBLINSKI; seed++) {
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.seed = seed;
        o.additive = additive;
        regret[seed] = best_after(box(4, -5, 5), &o, "styblinski_tang", 60) - opt;
    }
}

static void test_additive_model_choice(void **state)
{
    (void)state;
    /* Styblinski-Tang is a sum of one-input terms with two basins each; one coordinate in the
     * wrong basin costs 14.1. The ARD model cannot tell that flipping a coordinate helps; the
     * additive one, chosen by likelihood (the default), can. Over seeds 0-10: a majority (6 of
     * 11) of runs below regret 1 with the choice, and at least 2 more than without. Measured
     * over seeds 0-15 under OpenBLAS's Haswell, Cooperlake and Prescott kernels (48 runs each
     * way): below 1 in 92 % of runs with the choice, 21 % without; the bounds then fail with
     * probability 5e-4 (5e-3 were the first rate 85 %). */
    double on[NSEEDS_STYBLINSKI], off[NSEEDS_STYBLINSKI];
    styblinski_runs(1, on);
    styblinski_runs(0, off);
    size_t won = count_below(on, NSEEDS_STYBLINSKI, 1.0),
           woff = count_below(off, NSEEDS_STYBLINSKI, 1.0);
    if (won < 6 || won < woff + 2)
        fail_msg("regret below 1 after 60 evaluations: %zu of %d with the additive choice, %zu "
                 "without",
                 won, NSEEDS_STYBLINSKI, woff);
}

static void test_restarts_keep_refining(void **state)
{
    (void)state;
    /* Restart episodes (the default window of 20) take two trials in three once the best has
     * stalled; the third keeps refining the study's best basin. Over seeds 0-8 of Hartmann 3,
     * 100 evaluations: the median regret is below 0.005, under the second basin's 0.0079.
     * bench/README.md, 30 seeds with restarts: upper quartile 3.6e-5 at 100 evaluations, and
     * the 8 seeds whose runs stayed in the second basin without restarts all left it with them.
     * At p = 0.1 per run of ending above 0.005, five of nine has probability below 1e-3. What
     * restarts gain is measured there over 30 seeds of Hartmann 6 (runs stuck in a basin at 200
     * evaluations: 12 without, 3 with), which as a test would cost minutes. */
    double opt = gpbo_test_function_find("hartmann3")->optimum(3);
    double regret[NSEEDS_HARTMANN3];
    for (uint64_t seed = 0; seed < NSEEDS_HARTMANN3; seed++) {
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.seed = seed;
        regret[seed] = best_after(box(3, 0, 1), &o, "hartmann3", 100) - opt;
    }
    double med = median(regret, NSEEDS_HARTMANN3);
    if (!(med < 0.005))
        fail_msg("median regret after 100 evaluations %g over %d seeds", med, NSEEDS_HARTMANN3);
}

/* Regrets after `evals` evaluations of the default strategy, seeds SEED0_ISSUE18 on, into r; the
 * number of them above `above`. */
static size_t issue18_runs_at(const char *name, int dim, double lo, double hi, double above,
                              size_t evals, double *r)
{
    double opt = gpbo_test_function_find(name)->optimum((size_t)dim);
    size_t count = 0;
    for (uint64_t k = 0; k < NSEEDS_ISSUE18; k++) {
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.seed = SEED0_ISSUE18 + k;
        r[k] = best_after(box(dim, lo, hi), &o, name, evals) - opt;
        count += r[k] > above;
    }
    return count;
}

/* The same after 60 evaluations. */
static size_t issue18_runs(const char *name, int dim, double lo, double hi, double above, double *r)
{
    return issue18_runs_at(name, dim, lo, hi, above, 60, r);
}

static void test_warp_always_offered(void **state)
{
    (void)state;
    /* The log-warped candidate competes at every model choice (the likelihood decides), not
     * only when the initial design is skewed upwards: on Rosenbrock 4-D a design that happened
     * not to look skewed left the raw model alone, which stalled at the design's best for 50
     * evaluations (compare_bench, seeds 20-39 at 60 evaluations before issue 18: 8 runs above
     * 100, two above 1000, at 1320 and 2210; after: worst 31). Over seeds 20-39: at most 2 runs
     * above 100 and none above 1000. */
    double r[NSEEDS_ISSUE18], worst = 0;
    size_t over = issue18_runs("rosenbrock", 4, -5, 10, 100.0, r);
    for (size_t k = 0; k < NSEEDS_ISSUE18; k++)
        worst = r[k] > worst ? r[k] : worst;
    if (over > 2 || !(worst < 1000.0))
        fail_msg("Rosenbrock 4-D after 60 evaluations: %zu of %d runs above 100, worst %g", over,
                 NSEEDS_ISSUE18, worst);
}

static void test_lengthscale_cap(void **state)
{
    (void)state;
    /* Lengthscales capped at max(2, sqrt(d)) in the unit cube: a coordinate maximum likelihood
     * judged flat on few points is still explored. Hartmann 3 at 60 evaluations, seeds 20-39:
     * compare_bench measured 2 runs in the second basin (0.0079) before issue 18, none after
     * (worst 5e-5). Here: at most one run above 1e-3. */
    double r[NSEEDS_ISSUE18];
    size_t over = issue18_runs("hartmann3", 3, 0, 1, 1e-3, r);
    if (over > 1)
        fail_msg("Hartmann 3 after 60 evaluations: %zu of %d runs above 1e-3", over,
                 NSEEDS_ISSUE18);
}

/* The median over issue 18's seeds of the regret at 60 evaluations (issue18_runs). */
static double issue18_median(const char *name, int dim, double lo, double hi)
{
    double r[NSEEDS_ISSUE18];
    issue18_runs(name, dim, lo, hi, 0.0, r);
    return median(r, NSEEDS_ISSUE18);
}

static void test_pessimistic_mean(void **state)
{
    (void)state;
    /* The search's GP has its prior mean one standard deviation above the data's mean
     * (bayes_model.c, MEAN_SHIFT), so that unexplored corners do not look as good as the
     * incumbent once the data concentrate on low values. Ackley 5-D on [-5, 10]^5 at 60
     * evaluations, seeds 20-39 (compare_bench, Haswell): median 2.67 before issue 18's MAP fits
     * and shift, 2.5 with the priors alone, 1.24 with both. Here: median below 2. */
    double med = issue18_median("ackley", 5, -5, 10);
    if (!(med < 2.0))
        fail_msg("Ackley 5-D after 60 evaluations: median %g", med);
}

static void test_pessimistic_mean_high_dim(void **state)
{
    (void)state;
    /* The shifted prior mean holds in more than 8 coordinates too: 60 points cover a 12-cube
     * thinly, and with the data's mean as the prior mean every far corner looks about as good
     * as the incumbent's neighbourhood, so log-EI scatters the proposals. Levy 12-D on
     * [-10, 10]^12 at 60 evaluations, seeds 20-39 (compare_bench, Haswell): median 16.8 with the
     * shift stopped at 8 coordinates (session 13), 3.41 with it (3.46 in this process); seeds
     * 40-59: 22.3 against 5.61. Here: median below 8. */
    double med = issue18_median("levy", 12, -10, 10);
    print_message("Levy 12-D after 60 evaluations: median %g over %d seeds\n", med, NSEEDS_ISSUE18);
    if (!(med < 8.0))
        fail_msg("Levy 12-D after 60 evaluations: median %g", med);
}

static void test_map_fits_refine(void **state)
{
    (void)state;
    /* MAP fits (a log-normal prior of median 0.5 on the lengthscales, the noise near its floor)
     * and the shifted prior mean together: Hartmann 6 at 60 evaluations, seeds 20-39
     * (compare_bench, Haswell): runs within 1e-4 of the minimum 3 before issue 18's change, 3
     * with the priors alone, 4 with the shift alone, 8 with both. Here: at least 6. */
    double r[NSEEDS_ISSUE18];
    size_t over = issue18_runs("hartmann6", 6, 0, 1, 1e-4, r);
    if (NSEEDS_ISSUE18 - over < 6)
        fail_msg("Hartmann 6 after 60 evaluations: %zu of %d runs within 1e-4",
                 NSEEDS_ISSUE18 - over, NSEEDS_ISSUE18);
}

static void test_noise_floor_refines(void **state)
{
    (void)state;
    /* From 20 observations the noise variance's floor is 1e-9 instead of 1e-6 (standardized
     * units, bayes_model.c): with 1e-6 the GP took differences of ~1e-3 of the data's spread for
     * noise and the refinement stalled there. Hartmann 3 and Styblinski-Tang 4-D on [-5, 5]^4 at
     * 60 evaluations, seeds 20-39 (compare_bench, Haswell): medians 7.2e-6 and 8.5e-4 with the
     * floor of 1e-6 throughout, 2.5e-7 and 1.7e-5 with the lower one. Here: medians below 1e-6
     * and 2e-4. */
    double med3 = issue18_median("hartmann3", 3, 0, 1);
    double med_st = issue18_median("styblinski_tang", 4, -5, 5);
    if (!(med3 < 1e-6 && med_st < 2e-4))
        fail_msg("after 60 evaluations: Hartmann 3 median %g, Styblinski-Tang 4-D median %g", med3,
                 med_st);
}

static void test_trust_region_refines(void **state)
{
    (void)state;
    /* From 30 observations log-EI is also maximized over a box around the incumbent, whose
     * proposal is taken unless the whole space's is better by more than 5 nats (bayes_acq.c):
     * once a basin is mapped, log-EI over the whole space went far from it. At 50 evaluations,
     * seeds 20-39 (compare_bench, SkylakeX): Hartmann 3's median 3.3e-7 before, 7.4e-9 after
     * (with the box's full effort; 1.2e-8 with the effort kept, under SkylakeX, Haswell and
     * Prescott kernels and with one-ulp moves); Hartmann 6's runs within 1e-5 of the minimum 0
     * before, 6 after (10 of the 20 are in its second basin either way). Here: median below 5e-8,
     * and at least 3 runs within 1e-5. */
    double r3[NSEEDS_ISSUE18], r6[NSEEDS_ISSUE18];
    issue18_runs_at("hartmann3", 3, 0, 1, 0.0, 50, r3);
    size_t over = issue18_runs_at("hartmann6", 6, 0, 1, 1e-5, 50, r6);
    double med3 = median(r3, NSEEDS_ISSUE18);
    print_message("after 50 evaluations: Hartmann 3 median %g, Hartmann 6 %zu of %d within 1e-5\n",
                  med3, NSEEDS_ISSUE18 - over, NSEEDS_ISSUE18);
    if (!(med3 < 5e-8) || NSEEDS_ISSUE18 - over < 3)
        fail_msg("after 50 evaluations: Hartmann 3 median %g, Hartmann 6 %zu of %d within 1e-5",
                 med3, NSEEDS_ISSUE18 - over, NSEEDS_ISSUE18);
}

/* Levy 6-D on [-10, 10]^6 plus three categoricals of four choices, each choice adding its own
 * offset (bench/compare/variants.py's C6): values are the category indices. */
static const double CAT_OFFSETS[3][4] = {{0, 3, 8, 1.5}, {2, 0, 5, 9}, {6, 1, 0, 4}};

static int levy_with_categoricals(const gpbo_space *s, size_t id, const double *v, double *out,
                                  void *p)
{
    (void)s;
    (void)id;
    double y = ((const gpbo_test_function *)p)->f(6, v);
    for (int j = 0; j < 3; j++)
        y += CAT_OFFSETS[j][(int)v[6 + j]];
    *out = gpbo_test_objective_value(y);
    return 0;
}

static void test_categorical_lengthscales(void **state)
{
    (void)state;
    /* A categorical's one-hot coordinates have a flat lengthscale prior (bayes_model.c,
     * CAT_LS_PRIOR_SIGMA): with the continuous coordinates' prior (median 0.5 in the unit cube)
     * two choices of one categorical are nearly uncorrelated (a switch moves two coordinates by
     * 1), so the GP learns nothing across choices and the search spends its budget on
     * combinations. Levy 6-D with three categoricals at 60 evaluations, seeds 20-39: median 9.7
     * with the common prior on every coordinate (Haswell); with the flat one 3.08 (Haswell),
     * 2.98 (Prescott), 4.09 (OpenBLAS's own choice, every value moved by one ulp). Here: median
     * below 6. */
    const char *choices[4] = {"a", "b", "c", "d"};
    const gpbo_test_function *tf = gpbo_test_function_find("levy");
    double r[NSEEDS_ISSUE18];
    for (uint64_t k = 0; k < NSEEDS_ISSUE18; k++) {
        gpbo_space *sp = box(6, -10, 10);
        for (int j = 0; j < 3; j++) {
            char nm[8];
            snprintf(nm, sizeof nm, "c%d", j);
            assert_int_equal(gpbo_space_add_categorical(sp, nm, 4, choices), GPBO_OK);
        }
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.seed = SEED0_ISSUE18 + k;
        gpbo_study *st = gpbo_study_open(NULL, "cat", sp, &o);
        assert_non_null(st);
        assert_int_equal(gpbo_study_optimize(st, levy_with_categoricals, (void *)tf, 60), GPBO_OK);
        gpbo_trial_info b;
        assert_int_equal(gpbo_study_best(st, &b), GPBO_OK);
        r[k] = b.value; /* the minimum is 0: Levy's, and a zero offset in each categorical */
        gpbo_study_close(st);
        gpbo_space_free(sp);
    }
    double med = median(r, NSEEDS_ISSUE18);
    print_message("Levy 6-D + 3 categoricals after 60 evaluations: median %g over %d seeds\n", med,
                  NSEEDS_ISSUE18);
    if (!(med < 6.0))
        fail_msg("Levy 6-D + 3 categoricals after 60 evaluations: median %g", med);
}

/* Three groups of about equal cost (GROUP, the one argument: ctest runs them side by side as
 * test_strategy_stats_GROUP; no argument runs all): with OpenBLAS's generic Prescott kernels,
 * which many users get, the twelve tests take ~90 s in one process. */
int main(int argc, char **argv)
{
    const struct CMUnitTest base[] = {
        cmocka_unit_test(test_failures_with_restarts), cmocka_unit_test(test_bayes_beats_random),
        cmocka_unit_test(test_heavy_tail_warping),     cmocka_unit_test(test_additive_model_choice),
        cmocka_unit_test(test_restarts_keep_refining), cmocka_unit_test(test_warp_always_offered),
        cmocka_unit_test(test_lengthscale_cap),        cmocka_unit_test(test_diverged_value_capped),
    };
    const struct CMUnitTest prior[] = {
        cmocka_unit_test(test_pessimistic_mean),
        cmocka_unit_test(test_map_fits_refine),
        cmocka_unit_test(test_pessimistic_mean_high_dim),
    };
    const struct CMUnitTest floor_cat[] = {
        cmocka_unit_test(test_noise_floor_refines),
        cmocka_unit_test(test_trust_region_refines),
        cmocka_unit_test(test_categorical_lengthscales),
    };
    const char *g = argc > 1 ? argv[1] : "all";
    int all = strcmp(g, "all") == 0, rc = 0;
    if (!all && strcmp(g, "base") != 0 && strcmp(g, "prior") != 0 && strcmp(g, "floor_cat") != 0) {
        fprintf(stderr, "usage: %s [all|base|prior|floor_cat]\n", argv[0]);
        return 2;
    }
    if (all || strcmp(g, "base") == 0)
        rc |= cmocka_run_group_tests(base, NULL, NULL);
    if (all || strcmp(g, "prior") == 0)
        rc |= cmocka_run_group_tests(prior, NULL, NULL);
    if (all || strcmp(g, "floor_cat") == 0)
        rc |= cmocka_run_group_tests(floor_cat, NULL, NULL);
    return rc;
}
