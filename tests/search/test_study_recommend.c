/*
 * test_study_recommend.c: gpbo_study_recommend, the trial the study's model recommends.
 *  - On a noisy objective (Branin plus Gaussian noise of standard deviation 1, 60 evaluations,
 *    48 seeds) the recommended trial's true value beats the best observed trial's on more seeds
 *    than it loses: the best observed value is partly a lucky draw (the winner's curse).
 *  - On a deterministic objective the model sees no noise and the recommendation is
 *    gpbo_study_best's trial, its predicted value the observed one.
 *  - Maximizing: the predicted value is in the user's sign, near the observed values.
 *  - Infeasible and pruned trials inform the model but are never recommended.
 *  - Strategies without a model, a study of several objectives, an empty study and NULL
 *    arguments are refused.
 *  - gpbo_study_recommend_model on gpbo_study_model's GP gives gpbo_study_recommend's trial and
 *    prediction; on gpbo_study_model_capped's GP of a subset, a trial outside the subset can be
 *    recommended (every trial is asked); a NULL or foreign model is refused.
 *  - Past GPBO_RECOMMEND_MAX_OBS observations (1100 noisy Branin trials) the recommendation is
 *    that of gpbo_study_model_capped's model of GPBO_RECOMMEND_MAX_OBS (gpbo_study_recommend_capped
 *    says it holds a subset), which still sees the noise and predicts the true value; that model
 *    and its recommendation cost a bounded number of likelihood evaluations of 1000 observations.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/gp.h"
#include "gpbo/rng.h"
#include "gpbo/search.h"
#include "gpbo/testfn.h"

/* A study over Branin's box with strategy, direction and seed (optionally a constraint on the
 * metric "c", which must stay at most 0). */
static gpbo_study *open_branin(const char *strategy, gpbo_direction dir, uint64_t seed,
                               int constrained)
{
    const gpbo_test_function *f = gpbo_test_function_find("branin");
    assert_non_null(f);
    double lo[2], hi[2];
    f->bounds(2, lo, hi);
    gpbo_space *sp = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(sp, "x0", lo[0], hi[0], 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(sp, "x1", lo[1], hi[1], 0), GPBO_OK);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    o.direction = dir;
    o.seed = seed;
    gpbo_constraint c = {"c", -INFINITY, 0.0};
    if (constrained) {
        o.n_constraints = 1;
        o.constraints = &c;
    }
    gpbo_study *st = gpbo_study_open(NULL, "recommend", sp, &o);
    gpbo_space_free(sp);
    assert_non_null(st);
    return st;
}

static double branin(const double *x)
{
    const gpbo_test_function *f = gpbo_test_function_find("branin");
    return f->f(2, x) - f->optimum(2);
}

/* n trials of Branin's regret plus noise of standard deviation sd (when maximizing, 10 more and
 * negated: values near -10), the noise drawn from seed. */
static void run(gpbo_study *st, size_t n, double sd, uint64_t seed, int maximize)
{
    gpbo_rng rng;
    gpbo_rng_seed(&rng, seed * 7919 + 1);
    for (size_t t = 0; t < n; t++) {
        size_t id;
        double x[2];
        assert_int_equal(gpbo_study_ask(st, &id, x), GPBO_OK);
        double y = branin(x) + sd * gpbo_rng_normal(&rng);
        assert_int_equal(gpbo_study_tell(st, id, maximize ? -(y + 10.0) : y), GPBO_OK);
    }
}

/* A Bayesian study of seed after n trials of Branin with noise sd (run): its recommendation
 * into *r and *predicted, its best trial into *b. The caller closes it. */
static gpbo_study *recommend_after(uint64_t seed, size_t n, double sd, gpbo_trial_info *r,
                                   gpbo_trial_info *b, double *predicted)
{
    gpbo_study *st = open_branin("bayes", GPBO_MINIMIZE, seed, 0);
    run(st, n, sd, seed, 0);
    assert_int_equal(gpbo_study_recommend(st, r, predicted), GPBO_OK);
    assert_int_equal(gpbo_study_best(st, b), GPBO_OK);
    return st;
}

/* Branin with noise of standard deviation 1, 60 evaluations, seeds 0-47: the true regret of the
 * recommended trial against that of the best observed one. Measured: better on 35, worse on 6
 * under Haswell and Cooperlake kernels, 36 / 5 under Prescott. With per-seed odds of 0.73 / 0.13
 * the expected excess of better over worse is ~29 with a standard deviation ~4.8, so "better >
 * worse" failing by chance is a 6-sigma event. The old answer (the best observed trial) gives
 * better = worse = 0 and fails. */
static void test_noisy_recommendation_beats_best(void **state)
{
    (void)state;
    size_t better = 0, worse = 0;
    for (uint64_t seed = 0; seed < 48; seed++) {
        gpbo_trial_info r, b;
        double predicted = NAN;
        gpbo_study *st = recommend_after(seed, 60, 1.0, &r, &b, &predicted);
        assert_true(isfinite(predicted));
        assert_int_equal(r.state, GPBO_TRIAL_COMPLETE);
        double tr = branin(r.values), tb = branin(b.values);
        better += tr < tb;
        worse += tr > tb;
        gpbo_study_close(st);
    }
    print_message("noisy Branin, 60 evaluations, 48 seeds: recommendation better %zu, worse %zu\n",
                  better, worse);
    assert_true(better > worse);
}

/* Deterministic Branin: the model's noise sits at its floor, so the recommendation is the best
 * observed trial and its predicted value the observed one. */
static void test_deterministic_is_best(void **state)
{
    (void)state;
    for (uint64_t seed = 0; seed < 4; seed++) {
        gpbo_trial_info r, b;
        double predicted = NAN;
        gpbo_study *st = recommend_after(seed, 30, 0.0, &r, &b, &predicted);
        assert_int_equal(r.id, b.id);
        assert_true(predicted == b.value);
        gpbo_study_close(st);
    }
}

/* Maximizing the negated noisy Branin moved to -10: the recommendation's predicted value is in
 * the user's sign (near -10, where a sign lost would put it near +10) and within a few noise
 * deviations of its observed and its true value. */
static void test_maximize_sign(void **state)
{
    (void)state;
    for (uint64_t seed = 0; seed < 4; seed++) {
        gpbo_study *st = open_branin("bayes", GPBO_MAXIMIZE, seed, 0);
        run(st, 40, 1.0, seed, 1);
        gpbo_trial_info r;
        double predicted = NAN;
        assert_int_equal(gpbo_study_recommend(st, &r, &predicted), GPBO_OK);
        assert_true(fabs(predicted - r.value) < 5.0);
        assert_true(fabs(predicted + 10.0 + branin(r.values)) < 5.0);
        gpbo_study_close(st);
    }
}

/* Trials outside the constraint (x0 > 0 fails it) and pruned trials carry the lowest values but
 * are never recommended. */
static void test_infeasible_and_pruned_skipped(void **state)
{
    (void)state;
    gpbo_study *st = open_branin("bayes", GPBO_MINIMIZE, 5, 1);
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 99);
    const char *name = "c";
    for (size_t t = 0; t < 40; t++) {
        size_t id;
        double x[2];
        assert_int_equal(gpbo_study_ask(st, &id, x), GPBO_OK);
        double y = branin(x) + gpbo_rng_normal(&rng), c = x[0];
        if (t % 7 == 3) { /* pruned at a value below any other */
            assert_int_equal(gpbo_study_report(st, id, 1, -100.0), GPBO_OK);
            assert_int_equal(gpbo_study_tell_pruned(st, id), GPBO_OK);
            continue;
        }
        if (c > 0)
            y -= 50.0; /* infeasible trials look best */
        assert_int_equal(gpbo_study_set_metrics(st, id, 1, &name, &c), GPBO_OK);
        assert_int_equal(gpbo_study_tell(st, id, y), GPBO_OK);
    }
    gpbo_trial_info r;
    assert_int_equal(gpbo_study_recommend(st, &r, NULL), GPBO_OK);
    assert_int_equal(r.state, GPBO_TRIAL_COMPLETE);
    assert_true(gpbo_study_trial_feasible(st, r.id));
    gpbo_study_close(st);
}

static void test_refusals(void **state)
{
    (void)state;
    gpbo_trial_info r;
    double p;
    assert_int_equal(gpbo_study_recommend(NULL, &r, &p), GPBO_EINVAL);
    gpbo_study *st = open_branin("bayes", GPBO_MINIMIZE, 1, 0);
    assert_int_equal(gpbo_study_recommend(st, NULL, &p), GPBO_EINVAL);
    assert_int_not_equal(gpbo_study_recommend(st, &r, &p), GPBO_OK); /* no trial yet */
    gpbo_study_close(st);
    st = open_branin("random", GPBO_MINIMIZE, 1, 0);
    run(st, 12, 1.0, 1, 0);
    assert_int_equal(gpbo_study_recommend(st, &r, &p), GPBO_ENOTFOUND);
    assert_non_null(strstr(gpbo_error_message(), "no model"));
    gpbo_study_close(st);

    gpbo_space *sp = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(sp, "x", 0, 1, 0), GPBO_OK);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    static const char *const names[] = {"f1", "f2"};
    o.strategy = "bayes";
    o.n_objectives = 2;
    o.objective_names = names;
    st = gpbo_study_open(NULL, "two", sp, &o);
    gpbo_space_free(sp);
    assert_non_null(st);
    assert_int_equal(gpbo_study_recommend(st, &r, &p), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "several objectives"));
    gpbo_study_close(st);
}

/* The recommendation of a model the caller holds: of gpbo_study_model's GP the same as
 * gpbo_study_recommend's; of a capped one (8 of 40 noisy trials), the trial of the smallest
 * posterior mean of that GP as refitted (gp after the call) among all 40, not only the 8 it holds,
 * and that mean as the prediction; or, when the refit sees no noise, the best observed trial.
 * A NULL gp or info, or a GP of another dimension, is refused. */
static void test_recommend_model(void **state)
{
    (void)state;
    size_t by_mean = 0;
    for (uint64_t seed = 0; seed < 6; seed++) {
        gpbo_trial_info r, m, c, b;
        double pr = NAN, pm = NAN, pc = NAN;
        gpbo_study *st = open_branin("bayes", GPBO_MINIMIZE, seed, 0);
        run(st, 40, 1.0, seed, 0);
        assert_int_equal(gpbo_study_recommend(st, &r, &pr), GPBO_OK);
        gpbo_gp *gp = NULL;
        gpbo_study_model_info info;
        size_t total = 0;
        assert_int_equal(gpbo_study_model(st, &gp, &info), GPBO_OK);
        assert_int_equal(gpbo_study_recommend_model(st, gp, &info, &m, &pm), GPBO_OK);
        assert_int_equal(m.id, r.id);
        assert_true(pm == pr);
        gpbo_gp_free(gp);

        assert_int_equal(gpbo_study_model_capped(st, 8, &gp, &info, &total), GPBO_OK);
        assert_int_equal(info.n, 8);
        assert_int_equal(total, 40);
        assert_int_equal(gpbo_study_recommend_model(st, gp, &info, &c, &pc), GPBO_OK);
        assert_int_equal(gpbo_study_best(st, &b), GPBO_OK);
        size_t low = 40;
        double low_w = INFINITY; /* in the GP's units */
        for (size_t i = 0; i < 40; i++) {
            gpbo_trial_info t;
            double u[2], mu;
            assert_int_equal(gpbo_study_trial(st, i, &t), GPBO_OK);
            assert_int_equal(gpbo_space_encode(gpbo_study_space(st), t.values, u), GPBO_OK);
            assert_int_equal(gpbo_gp_predict(gp, 1, u, &mu, NULL), GPBO_OK);
            if (mu < low_w) {
                low = i;
                low_w = mu;
            }
        }
        double low_mu = info.warped ? exp(low_w) + info.lo - info.delta : low_w;
        if (!(c.id == b.id && pc == b.value)) { /* else no noise seen: the best observed */
            by_mean++;
            assert_int_equal(c.id, low);
            assert_true(fabs(pc - low_mu) <= 1e-12 * (1 + fabs(low_mu)));
        }
        assert_int_equal(gpbo_study_recommend_model(st, NULL, &info, &c, &pc), GPBO_EINVAL);
        assert_int_equal(gpbo_study_recommend_model(st, gp, NULL, &c, &pc), GPBO_EINVAL);
        assert_int_equal(gpbo_study_recommend_model(NULL, gp, &info, &c, &pc), GPBO_EINVAL);
        gpbo_gp_free(gp);
        gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 3);
        assert_non_null(gp);
        assert_int_equal(gpbo_study_recommend_model(st, gp, &info, &c, &pc), GPBO_EINVAL);
        assert_non_null(strstr(gpbo_error_message(), "3 coordinates"));
        gpbo_gp_free(gp);
        gpbo_study_close(st);
    }
    print_message("capped models of 8 of 40: %zu of 6 recommend by their posterior mean\n",
                  by_mean);
    assert_true(by_mean > 0);
}

/* A Bayesian study of n complete trials of Branin plus noise of standard deviation 1 at uniform
 * random points drawn from seed (gpbo_study_add_trial: no fit per trial). */
static gpbo_study *random_noisy_branin(size_t n, uint64_t seed)
{
    const gpbo_test_function *f = gpbo_test_function_find("branin");
    double lo[2], hi[2];
    f->bounds(2, lo, hi);
    gpbo_study *st = open_branin("bayes", GPBO_MINIMIZE, 3, 0);
    gpbo_rng rng;
    gpbo_rng_seed(&rng, seed);
    for (size_t t = 0; t < n; t++) {
        double x[2], y;
        for (size_t j = 0; j < 2; j++)
            x[j] = lo[j] + (hi[j] - lo[j]) * gpbo_rng_uniform(&rng);
        y = branin(x) + gpbo_rng_normal(&rng);
        gpbo_trial_result res = GPBO_TRIAL_RESULT_INIT;
        res.values = &y;
        assert_int_equal(gpbo_study_add_trial(st, x, &res, SIZE_MAX, NULL), GPBO_OK);
    }
    return st;
}

/* 1100 complete trials of Branin plus noise of standard deviation 1 at uniform random points
 * (gpbo_study_add_trial: no fit per trial). Past GPBO_RECOMMEND_MAX_OBS observations
 * gpbo_study_recommend is the capped model's recommendation: the same trial and prediction as
 * gpbo_study_recommend_model on gpbo_study_model_capped(GPBO_RECOMMEND_MAX_OBS)'s GP (the old
 * code fitted the exact GP of all 1100: another model, another prediction), and
 * gpbo_study_recommend_capped says so (total 1100 > the cap). The capped model still sees the
 * noise: its prediction is not the observed value but within one noise deviation of the true
 * one, and the recommended trial is truly near Branin's optimum (regret below 0.5). Measured on
 * 12 other draws of such a study (Python, seeds 0-11): prediction errors 0.02-0.46, true regrets
 * 0.007-0.19, where the best observed trials' reach 1.19 (better on 9, equal on 2, worse on 1). */
static void test_past_exact_limit(void **state)
{
    (void)state;
    const size_t n = GPBO_RECOMMEND_MAX_OBS + 100;
    gpbo_study *st = random_noisy_branin(n, 2385);
    gpbo_trial_info r, c, b;
    double pr = NAN, pc = NAN;
    size_t total = 0;
    assert_int_equal(gpbo_study_recommend(st, &r, &pr), GPBO_OK);
    assert_int_equal(r.state, GPBO_TRIAL_COMPLETE);
    assert_true(isfinite(pr));

    gpbo_gp *gp = NULL;
    gpbo_study_model_info info;
    assert_int_equal(gpbo_study_model_capped(st, GPBO_RECOMMEND_MAX_OBS, &gp, &info, &total),
                     GPBO_OK);
    assert_int_equal(info.n, GPBO_RECOMMEND_MAX_OBS);
    assert_int_equal(total, n);
    assert_int_equal(gpbo_study_recommend_model(st, gp, &info, &c, &pc), GPBO_OK);
    gpbo_gp_free(gp);
    assert_int_equal(c.id, r.id);
    assert_true(pc == pr);

    total = 0;
    assert_int_equal(gpbo_study_recommend_capped(st, GPBO_RECOMMEND_MAX_OBS, &c, &pc, &total),
                     GPBO_OK);
    assert_int_equal(total, n);
    assert_int_equal(c.id, r.id);
    assert_true(pc == pr);
    assert_int_equal(gpbo_study_recommend_capped(st, 0, &c, &pc, &total), GPBO_EINVAL);
    assert_int_equal(total, 0);

    assert_int_equal(gpbo_study_best(st, &b), GPBO_OK);
    print_message("%zu noisy trials: recommended %zu (true %.4f, predicted %.4f), best observed "
                  "%zu (true %.4f, observed %.4f)\n",
                  n, r.id, branin(r.values), pr, b.id, branin(b.values), b.value);
    assert_true(pr != r.value);
    assert_true(fabs(pr - branin(r.values)) < 1.0);
    assert_true(branin(r.values) < 0.5);
    gpbo_study_close(st);
}

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* What the capped model and its recommendation cost (gpbo_study_recommend_capped at the cap, on
 * 1100 noisy Branin trials), in likelihood evaluations with gradient of the capped model's GP of
 * 1000 observations, both measured in process CPU time in this run: below CAPPED_COST_EVALS.
 * The model used to replay the strategy's chain of warm choices on the subset's first 60, 66,
 * ..., 915 observations, and the recommendation ran its second start from where its first ended:
 * 195 such evaluations here (main before session 41); the choice on 300 of them and one start
 * when the first ends noisy: 54. */
#define CAPPED_COST_EVALS 120

static void test_capped_cost(void **state)
{
    (void)state;
    gpbo_study *st = random_noisy_branin(GPBO_RECOMMEND_MAX_OBS + 100, 4711);
    gpbo_gp *gp = NULL;
    gpbo_study_model_info info;
    size_t total = 0;
    assert_int_equal(gpbo_study_model_capped(st, GPBO_RECOMMEND_MAX_OBS, &gp, &info, &total),
                     GPBO_OK);
    double grad[4], t0 = cpu_seconds();
    const int reps = 5;
    for (int k = 0; k < reps; k++)
        assert_true(isfinite(gpbo_gp_log_likelihood(gp, grad)));
    double one = (cpu_seconds() - t0) / reps;
    gpbo_gp_free(gp);
    gpbo_trial_info r;
    double pr = NAN;
    t0 = cpu_seconds();
    assert_int_equal(gpbo_study_recommend_capped(st, GPBO_RECOMMEND_MAX_OBS, &r, &pr, &total),
                     GPBO_OK);
    double cost = (cpu_seconds() - t0) / one;
    print_message("the capped model and its recommendation: %.0f likelihood evaluations of %zu "
                  "observations (one: %.1f ms)\n",
                  cost, info.n, 1e3 * one);
    assert_true(cost < CAPPED_COST_EVALS);
    gpbo_study_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_deterministic_is_best),
        cmocka_unit_test(test_maximize_sign),
        cmocka_unit_test(test_infeasible_and_pruned_skipped),
        cmocka_unit_test(test_noisy_recommendation_beats_best),
        cmocka_unit_test(test_recommend_model),
        cmocka_unit_test(test_past_exact_limit),
        cmocka_unit_test(test_capped_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
