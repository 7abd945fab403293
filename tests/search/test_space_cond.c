/*
 * test_space_cond.c: conditional parameters (issue 20) — the space API's checks (unknown
 * parent, float parent, cycles, values out of range), activity and NaN for inactive values,
 * projection, the JSON round trip, the storage round trip of a study, the consistency of every
 * strategy's points over many seeds, and that the Bayesian strategy beats random search on
 * the conditional problem of `gpbo compare` (cli/compare_cond.c, compiled in).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compare_cond.h"
#include "gpbo/error.h"
#include "gpbo/search.h"
#include "study_util.h"

/* opt (sgd, adam), lr; momentum and nest (no, yes) when opt = sgd; decay when nest = yes (a
 * chain of two conditions, the child defined before its parent); layers 1..3, units3 when
 * layers = 3, wide when layers is 2 or 3. */
static gpbo_space *make(void)
{
    gpbo_space *s = gpbo_space_new();
    const char *opt[] = {"sgd", "adam"}, *yn[] = {"no", "yes"};
    const double sgd = 0, yes = 1, three = 3, two_three[] = {2, 3};
    assert_int_equal(gpbo_space_add_float(s, "decay", 0.1, 0.9, 0), GPBO_OK); /* child first */
    assert_int_equal(gpbo_space_add_categorical(s, "opt", 2, opt), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(s, "lr", 1e-4, 1e-1, 1), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(s, "momentum", 0.0, 0.99, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_categorical(s, "nest", 2, yn), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(s, "layers", 1, 3, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(s, "units3", 8, 64, 1), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(s, "wide", 0, 1, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_condition(s, "momentum", "opt", 1, &sgd), GPBO_OK);
    assert_int_equal(gpbo_space_add_condition(s, "nest", "opt", 1, &sgd), GPBO_OK);
    assert_int_equal(gpbo_space_add_condition(s, "decay", "nest", 1, &yes), GPBO_OK);
    assert_int_equal(gpbo_space_add_condition(s, "units3", "layers", 1, &three), GPBO_OK);
    assert_int_equal(gpbo_space_add_condition(s, "wide", "layers", 2, two_three), GPBO_OK);
    return s;
}

enum { DECAY, OPT, LR, MOMENTUM, NEST, LAYERS, UNITS3, WIDE, NP };

/* The activity the definition above gives, written out by hand. */
static void expected_activity(const double *v, int *act)
{
    int sgd = v[OPT] == 0.0;
    act[OPT] = act[LR] = act[LAYERS] = 1;
    act[MOMENTUM] = act[NEST] = sgd;
    act[DECAY] = sgd && v[NEST] == 1.0;
    act[UNITS3] = v[LAYERS] == 3.0;
    act[WIDE] = v[LAYERS] >= 2.0;
}

/* Every inactive value NaN, every active one a valid value, and the activity as defined. */
static void assert_consistent(const gpbo_space *s, const double *v)
{
    int act[NP];
    expected_activity(v, act);
    for (size_t i = 0; i < NP; i++) {
        if (act[i] != !isnan(v[i]))
            fail_msg("parameter %s: active %d but value %g", gpbo_space_name(s, i), act[i], v[i]);
        assert_int_equal(gpbo_space_active(s, v, i), act[i]);
    }
    double u[32];
    assert_int_equal(gpbo_space_encode(s, v, u), GPBO_OK);
}

static void test_api_errors(void **state)
{
    (void)state;
    gpbo_space *s = make();
    const double zero = 0, five = 5, half = 0.5, one = 1;
    assert_int_equal(gpbo_space_add_condition(s, "lr", "nope", 1, &zero), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "nope"));
    assert_int_equal(gpbo_space_add_condition(s, "nope", "opt", 1, &zero), GPBO_EINVAL);
    assert_int_equal(gpbo_space_add_condition(s, "lr", "lr", 1, &zero), GPBO_EINVAL);
    assert_int_equal(gpbo_space_add_condition(s, "opt", "momentum", 1, &zero), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "float"));
    assert_int_equal(gpbo_space_add_condition(s, "lr", "opt", 1, &five), GPBO_EINVAL);
    assert_int_equal(gpbo_space_add_condition(s, "lr", "layers", 1, &half), GPBO_EINVAL);
    assert_int_equal(gpbo_space_add_condition(s, "lr", "opt", 0, &zero), GPBO_EINVAL);
    assert_int_equal(gpbo_space_add_condition(s, "momentum", "layers", 1, &one), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "already"));
    /* opt depending on nest closes nest -> opt -> nest; layers on units3: units3 -> layers */
    assert_int_equal(gpbo_space_add_condition(s, "opt", "nest", 1, &zero), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "cycle"));
    assert_int_equal(gpbo_space_add_condition(s, "layers", "units3", 1, &(double){8}), GPBO_EINVAL);
    assert_int_equal(gpbo_space_parent(s, OPT), GPBO_SPACE_NOT_FOUND);
    assert_int_equal(gpbo_space_parent(s, DECAY), NEST);
    const double *w;
    assert_int_equal(gpbo_space_condition(s, WIDE, &w), 2);
    assert_true(w[0] == 2 && w[1] == 3);
    assert_int_equal(gpbo_space_condition(s, LR, &w), 0);
    assert_null(w);
    gpbo_space_free(s);
}

static void test_decode_project(void **state)
{
    (void)state;
    gpbo_space *s = make();
    size_t d = gpbo_space_dim(s);
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 11);
    int seen_chain = 0;
    for (int t = 0; t < 2000; t++) {
        double u[32], u2[32], v[NP], v2[NP];
        for (size_t k = 0; k < d; k++)
            u[k] = gpbo_rng_uniform(&rng);
        assert_int_equal(gpbo_space_decode(s, u, v), GPBO_OK);
        assert_consistent(s, v);
        seen_chain += !isnan(v[DECAY]);
        /* projection: idempotent, decodes to the same values, inactive coordinates at 0 */
        assert_int_equal(gpbo_space_project(u, d, s), GPBO_OK);
        memcpy(u2, u, d * sizeof *u);
        assert_int_equal(gpbo_space_project(u2, d, s), GPBO_OK);
        assert_memory_equal(u, u2, d * sizeof *u);
        assert_int_equal(gpbo_space_decode(s, u, v2), GPBO_OK);
        for (size_t i = 0; i < NP; i++)
            assert_true((isnan(v[i]) && isnan(v2[i])) || v[i] == v2[i]);
        /* encode of the values is the projected point */
        assert_int_equal(gpbo_space_encode(s, v, u2), GPBO_OK);
        for (size_t k = 0; k < d; k++)
            assert_true(fabs(u[k] - u2[k]) < 1e-12);
        if (isnan(v[MOMENTUM])) /* coordinates: decay 0, opt 1-2, lr 3, momentum 4 */
            assert_true(u[4] == 0.0);
    }
    assert_true(seen_chain > 100 && seen_chain < 1000); /* sgd and yes: about 1 in 4 */
    gpbo_space_free(s);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    gpbo_space *s = make();
    char *j = gpbo_space_to_json(s);
    assert_non_null(j);
    assert_non_null(strstr(j, "\"when\""));
    gpbo_space *c = gpbo_space_from_json(j);
    assert_non_null(c); /* decay, first, depends on nest, later: conditions after parameters */
    assert_true(gpbo_space_equal(s, c));
    assert_int_equal(gpbo_space_parent(c, UNITS3), LAYERS);
    gpbo_space *cp = gpbo_space_copy(s);
    assert_true(gpbo_space_equal(s, cp));
    gpbo_space *flat = gpbo_space_new();
    const char *opt[] = {"sgd", "adam"};
    gpbo_space_add_categorical(flat, "opt", 2, opt);
    gpbo_space_add_float(flat, "m", 0, 1, 0);
    gpbo_space *cond = gpbo_space_copy(flat);
    assert_int_equal(gpbo_space_add_condition(cond, "m", "opt", 1, &(double){0}), GPBO_OK);
    assert_false(gpbo_space_equal(flat, cond)); /* a condition makes another space */
    /* a cycle or an unknown parent in stored JSON is refused */
    const char *bad = "[{\"name\":\"a\",\"type\":\"int\",\"log\":false,\"lo\":1,\"hi\":3,"
                      "\"when\":{\"parent\":\"b\",\"values\":[1]}},"
                      "{\"name\":\"b\",\"type\":\"int\",\"log\":false,\"lo\":1,\"hi\":3,"
                      "\"when\":{\"parent\":\"a\",\"values\":[2]}}]";
    assert_null(gpbo_space_from_json(bad));
    assert_int_equal(gpbo_error_code(), GPBO_EFORMAT);
    const char *unknown = "[{\"name\":\"a\",\"type\":\"float\",\"log\":false,\"lo\":0,\"hi\":1,"
                          "\"when\":{\"parent\":\"zz\",\"values\":[1]}}]";
    assert_null(gpbo_space_from_json(unknown));
    gpbo_free(j);
    gpbo_space_free(s);
    gpbo_space_free(c);
    gpbo_space_free(cp);
    gpbo_space_free(flat);
    gpbo_space_free(cond);
}

/* A study on an SQLite file: the values handed out (NaN for the inactive) come back the same
 * from a second handle, and the stored space keeps its conditions. */
static void test_storage_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/gpbo_cond_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gpbo_space *s = make();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *st = gpbo_study_open(path, "c", s, &o);
    assert_non_null(st);
    double vals[40][NP];
    for (size_t t = 0; t < 40; t++) {
        size_t id;
        assert_int_equal(gpbo_study_ask(st, &id, vals[t]), GPBO_OK);
        assert_int_equal(id, t);
        assert_consistent(s, vals[t]);
        if (t % 3)
            assert_int_equal(gpbo_study_tell(st, id, (double)t), GPBO_OK);
    }
    gpbo_study *again = gpbo_study_open(path, "c", NULL, NULL);
    assert_non_null(again);
    assert_true(gpbo_space_equal(gpbo_study_space(again), s));
    for (size_t t = 0; t < 40; t++) {
        gpbo_trial_info ti;
        assert_int_equal(gpbo_study_trial(again, t, &ti), GPBO_OK);
        for (size_t i = 0; i < NP; i++)
            assert_true((isnan(vals[t][i]) && isnan(ti.values[i])) || vals[t][i] == ti.values[i]);
    }
    gpbo_study_close(again);
    gpbo_study_close(st);
    gpbo_space_free(s);
    unlink(path);
    char side[64];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* An enqueued point carries NaN for its inactive parameters, as every other trial does,
 * whatever the caller wrote there (encode does not read them, so even a value out of range went
 * through and was handed out and stored as the trial's value). */
static void test_enqueue_inactive_nan(void **state)
{
    (void)state;
    gpbo_space *s = make();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *st = gpbo_study_open(NULL, "q", s, &o);
    assert_non_null(st);
    /* adam: momentum, nest and decay inactive; 1 layer: units3 and wide inactive */
    double v[NP];
    v[DECAY] = 0.5;
    v[OPT] = 1;
    v[LR] = 0.01;
    v[MOMENTUM] = 7.25; /* out of its range, but inactive */
    v[NEST] = 1;
    v[LAYERS] = 1;
    v[UNITS3] = 16;
    v[WIDE] = 0.3;
    size_t qid, id;
    assert_int_equal(gpbo_study_enqueue(st, v, SIZE_MAX, &qid), GPBO_OK);
    gpbo_trial_info ti;
    assert_int_equal(gpbo_study_trial(st, qid, &ti), GPBO_OK);
    assert_consistent(s, ti.values);
    double got[NP];
    assert_int_equal(gpbo_study_ask(st, &id, got), GPBO_OK);
    assert_int_equal(id, qid);
    assert_consistent(s, got);
    assert_float_equal(got[LR], 0.01, 0.0);
    assert_float_equal(got[LAYERS], 1, 0.0);
    gpbo_study_close(st);
    gpbo_space_free(s);
}

/* Objective of the consistency runs: a smooth function of the active values only. */
static int objective(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    (void)s;
    (void)id;
    (void)p;
    double y = log10(v[LR]) + v[LAYERS];
    if (!isnan(v[MOMENTUM]))
        y += (v[MOMENTUM] - 0.9) * (v[MOMENTUM] - 0.9);
    if (!isnan(v[WIDE]))
        y -= v[WIDE];
    *out = y;
    return 0;
}

static size_t n_points;

static int checked(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    assert_consistent(s, v);
    n_points++;
    return objective(s, id, v, out, p);
}

/* Every strategy, many seeds: only points of consistent activity; grid: no point twice. */
static void test_strategies_consistent(void **state)
{
    (void)state;
    const char *strategies[] = {"grid", "random", "sobol", "lhs", "bayes"};
    for (size_t k = 0; k < 5; k++) {
        size_t seeds = strcmp(strategies[k], "bayes") == 0 ? 4 : 25;
        for (size_t seed = 0; seed < seeds; seed++) {
            gpbo_space *s = make();
            gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
            o.strategy = strategies[k];
            o.seed = seed;
            o.n_init = 6;
            o.grid_resolution = 3;
            o.grid_shuffle = 1;
            o.lhs_size = 30;
            gpbo_study *st = gpbo_study_open(NULL, "c", s, &o);
            assert_non_null(st);
            n_points = 0;
            int rc = gpbo_study_optimize(st, checked, NULL, 30);
            assert_true(rc == GPBO_OK || rc == GPBO_EEXHAUSTED);
            assert_true(n_points >= 20);
            gpbo_study_close(st);
            gpbo_space_free(s);
        }
    }
}

/* The grid of make() at resolution 3: opt sgd: lr 3 x (momentum 3) x nest (no: 1 decay; yes: 3)
 * = 3 * 3 * 4 = 36; adam: 3. Times layers: 1 -> 1, 2 -> wide 3, 3 -> units3 3 x wide 3 = 9:
 * 13. (36 + 3) * 13 = 507 distinct points, each once. */
static void test_grid_distinct(void **state)
{
    (void)state;
    gpbo_space *s = make();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "grid";
    o.grid_resolution = 3;
    gpbo_study *st = gpbo_study_open(NULL, "g", s, &o);
    assert_non_null(st);
    n_points = 0;
    int rc = gpbo_study_optimize(st, checked, NULL, 10000);
    assert_true(rc == GPBO_OK || rc == GPBO_EEXHAUSTED); /* it stops when the grid is done */
    assert_int_equal(n_points, 507);
    size_t n = gpbo_study_ntrials(st), d = gpbo_space_dim(s);
    double *u = malloc(n * d * sizeof *u);
    for (size_t t = 0; t < n; t++) {
        gpbo_trial_info ti;
        assert_int_equal(gpbo_study_trial(st, t, &ti), GPBO_OK);
        assert_int_equal(gpbo_space_encode(s, ti.values, u + t * d), GPBO_OK);
        for (size_t q = 0; q < t; q++)
            assert_true(memcmp(u + q * d, u + t * d, d * sizeof *u) != 0);
    }
    free(u);
    gpbo_study_close(st);
    gpbo_space_free(s);
}

static int cond_objective(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    (void)s;
    (void)id;
    (void)p;
    *out = cmp_cond_value(v);
    return 0;
}

static double best_of(const char *strategy, uint64_t seed, size_t n)
{
    gpbo_space *s = cmp_cond_space(0);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    o.seed = seed;
    gpbo_study *st = gpbo_study_open(NULL, "p", s, &o);
    assert_non_null(st);
    assert_int_equal(gpbo_study_optimize(st, cond_objective, NULL, n), GPBO_OK);
    gpbo_trial_info b;
    assert_int_equal(gpbo_study_best(st, &b), GPBO_OK);
    gpbo_study_close(st);
    gpbo_space_free(s);
    return b.value;
}

/* The property: over 9 seeds at 40 evaluations, the Bayesian strategy's median regret on the
 * conditional problem (optimum 0) is below a third of random search's, and it wins on at least 6
 * seeds. Measured (bench/compare/README.md, 20 seeds): bayes ~50x below random at 50. */
static void test_bayes_beats_random(void **state)
{
    (void)state;
    enum { SEEDS = 9, N = 40 };
    double rb[SEEDS], rr[SEEDS];
    size_t wins = 0;
    double v[CMP_COND_PARAMS];
    cmp_cond_argmin(v);
    assert_true(fabs(cmp_cond_value(v)) < 1e-12);
    for (size_t k = 0; k < SEEDS; k++) {
        rb[k] = best_of("bayes", 100 + k, N);
        rr[k] = best_of("random", 100 + k, N);
        wins += rb[k] < rr[k];
    }
    double mb = median(rb, SEEDS), mr = median(rr, SEEDS);
    print_message("conditional problem, %d evaluations: median regret bayes %.4g, random %.4g, "
                  "bayes ahead on %zu of %d seeds\n",
                  N, mb, mr, wins, SEEDS);
    assert_true(mb < mr / 3.0);
    assert_true(wins >= 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_errors),           cmocka_unit_test(test_decode_project),
        cmocka_unit_test(test_json_round_trip),      cmocka_unit_test(test_storage_round_trip),
        cmocka_unit_test(test_enqueue_inactive_nan), cmocka_unit_test(test_strategies_consistent),
        cmocka_unit_test(test_grid_distinct),        cmocka_unit_test(test_bayes_beats_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
