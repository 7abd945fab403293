/*
 * test_study.c: ask / tell studies — grid enumeration, determinism per seed, close and reopen
 * mid-way giving the uninterrupted sequence (every strategy, on an SQLite file), interrupted
 * trials handed out again, failing and NaN objectives, a second process reading the file,
 * maximization, the Bayesian strategy beating random search on Branin, the output warping on
 * Rosenbrock, and the error paths.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/search.h"
#include "gpbo/sys/error.h"
#include "testutil.h"

static char dir[512];

static int setup(void **state)
{
    (void)state;
    return gpbo_test_mkdtemp(dir, sizeof dir, "gpbo-study");
}

static int teardown(void **state)
{
    (void)state;
    return gpbo_test_rmtree(dir);
}

static gpbo_space *branin_space(int with_extras)
{
    gpbo_space *s = gpbo_space_new();
    gpbo_space_add_float(s, "x1", -5, 10, 0);
    gpbo_space_add_float(s, "x2", 0, 15, 0);
    if (with_extras) {
        const char *c[] = {"a", "b"};
        gpbo_space_add_categorical(s, "cat", 2, c);
        gpbo_space_add_int(s, "k", 1, 3, 0);
    }
    return s;
}

static int branin(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    (void)s;
    (void)id;
    (void)p;
    const gpbo_test_function *f = gpbo_test_function_find("branin");
    *out = gpbo_test_objective_value(f->f(2, v));
    return 0;
}

/* Fails on every 4th trial, returns NaN on every 5th. */
static int flaky(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    if (id % 4 == 3) {
        gpbo_error_set(GPBO_EUSER, "simulated crash");
        return 1;
    }
    if (id % 5 == 4) {
        *out = NAN;
        return 0;
    }
    return branin(s, id, v, out, p);
}

static void url(char *out, size_t cap, const char *file)
{
    snprintf(out, cap, "sqlite:///%s/%s", dir, file);
}

/* Seeds of the statistical tests. Every such test asserts a property of the distribution of
 * outcomes over these seeds, with a margin measured over more seeds under three BLAS kernel
 * choices and with the objective moved by one ulp (GPBO_TEST_PERTURB_ULP=1): a Bayesian run is
 * chaotic, and the last bit of any sum changes its path, so no test expects a seed to end
 * anywhere in particular. */
#define NSEEDS_FLAKY      9
#define NSEEDS_BRANIN     9
#define NSEEDS_ROSENBROCK 15
#define NSEEDS_STYBLINSKI 11
#define NSEEDS_HARTMANN3  9

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n), n odd (v is reordered). */
static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

static size_t count_below(const double *v, size_t n, double bound)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += v[i] < bound;
    return k;
}

static void test_grid_enumerates(void **state)
{
    (void)state;
    gpbo_space *s = gpbo_space_new();
    const char *c[] = {"relu", "tanh"};
    gpbo_space_add_float(s, "lr", 1e-4, 1e-1, 1);
    gpbo_space_add_int(s, "k", 1, 2, 0);
    gpbo_space_add_categorical(s, "act", 2, c);
    for (int shuffle = 0; shuffle < 2; shuffle++) {
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.strategy = "grid";
        o.grid_resolution = 4;
        o.grid_shuffle = shuffle;
        gpbo_study *st = gpbo_study_open(NULL, "grid", s, &o);
        assert_non_null(st);
        int seen[4][2][2] = {{{0}}};
        size_t id;
        double v[3];
        for (int i = 0; i < 16; i++) {
            assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK);
            int li = (int)round(log10(v[0]) + 4.0);
            assert_true(fabs(log10(v[0]) - (li - 4)) < 1e-9);
            seen[li][(int)v[1] - 1][(int)v[2]]++;
            assert_int_equal(gpbo_study_tell(st, id, 1.0), GPBO_OK);
        }
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 2; b++)
                for (int k = 0; k < 2; k++)
                    assert_int_equal(seen[a][b][k], 1);
        assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_EEXHAUSTED);
        gpbo_study_close(st);
    }
    gpbo_space_free(s);
}

static void run_sequence(const char *storage, const char *name, const char *strategy, size_t n,
                         size_t restart, int stop_at, double *out)
{
    gpbo_space *s = branin_space(1);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    o.seed = 99;
    o.n_init = 5;
    o.lhs_size = 8;
    o.restart = restart;
    gpbo_study *st = gpbo_study_open(storage, name, s, &o);
    assert_non_null(st);
    for (size_t i = 0; i < n; i++) {
        if ((int)i == stop_at) { /* close mid-way and reopen by name */
            gpbo_study_close(st);
            st = gpbo_study_open(storage, name, NULL, NULL);
            assert_non_null(st);
            assert_int_equal(gpbo_study_ntrials(st), i);
        }
        size_t id;
        double v[4], y;
        assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK);
        assert_int_equal(id, i);
        memcpy(out + 4 * i, v, sizeof v);
        branin(s, id, v, &y, NULL);
        assert_int_equal(gpbo_study_tell(st, id, y), GPBO_OK);
    }
    gpbo_study_close(st);
    gpbo_space_free(s);
}

static void test_resume_same_sequence(void **state)
{
    (void)state;
    /* the last case restarts after 2 trials without progress: by trial 30 the trials alternate
     * between the study's model and restart episodes, whose roles a reopened study must
     * rebuild from the stored values alone */
    const char *strategies[] = {"random", "sobol", "lhs", "bayes", "bayes"};
    const size_t lengths[] = {12, 12, 12, 14, 30}, restarts[] = {20, 20, 20, 20, 2};
    for (int k = 0; k < 5; k++) {
        size_t n = lengths[k];
        double a[4 * 30], b[4 * 30], c[4 * 30];
        char u1[600], u2[600];
        char f1[32], f2[32];
        snprintf(f1, sizeof f1, "seq1-%d.db", k);
        snprintf(f2, sizeof f2, "seq2-%d.db", k);
        url(u1, sizeof u1, f1);
        url(u2, sizeof u2, f2);
        run_sequence(u1, strategies[k], strategies[k], n, restarts[k], -1, a);
        run_sequence(u2, strategies[k], strategies[k], n, restarts[k], (int)n / 2 + 1, b);
        run_sequence(NULL, strategies[k], strategies[k], n, restarts[k], -1, c);
        if (memcmp(a, b, n * 4 * sizeof *a) != 0)
            fail_msg("%s: the resumed study differs from the uninterrupted one", strategies[k]);
        assert_memory_equal(a, c, n * 4 * sizeof *a);
        /* distinct trials */
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < i; j++)
                assert_true(memcmp(a + 4 * i, a + 4 * j, 4 * sizeof *a) != 0);
        if (k == 4) { /* the episodes did happen */
            run_sequence(NULL, "norestart", "bayes", n, 0, -1, c);
            assert_true(memcmp(a, c, n * 4 * sizeof *a) != 0);
        }
    }
}

static void test_interrupted_trials_run_again(void **state)
{
    (void)state;
    char u[600];
    url(u, sizeof u, "interrupted.db");
    gpbo_space *s = branin_space(0);
    gpbo_study *st = gpbo_study_open(u, "int", s, NULL);
    size_t id[3];
    double v[3][2], w[2];
    for (int i = 0; i < 3; i++)
        assert_int_equal(gpbo_study_ask(st, &id[i], v[i]), GPBO_OK);
    assert_int_equal(gpbo_study_tell(st, id[1], 3.5), GPBO_OK);
    gpbo_study_close(st); /* trials 0 and 2 were running */
    st = gpbo_study_open(u, "int", NULL, NULL);
    size_t counts[4];
    gpbo_study_counts(st, counts);
    assert_int_equal(counts[GPBO_TRIAL_RUNNING], 2);
    assert_int_equal(counts[GPBO_TRIAL_COMPLETE], 1);
    size_t again;
    assert_int_equal(gpbo_study_ask(st, &again, w), GPBO_OK);
    assert_int_equal(again, 0);
    assert_memory_equal(w, v[0], sizeof w);
    assert_int_equal(gpbo_study_ask(st, &again, w), GPBO_OK);
    assert_int_equal(again, 2);
    assert_int_equal(gpbo_study_ask(st, &again, w), GPBO_OK);
    assert_int_equal(again, 3);
    gpbo_study_close(st);
    gpbo_space_free(s);
}

static void test_failures_complete_budget(void **state)
{
    (void)state;
    for (int policy = 0; policy < 2; policy++) {
        gpbo_space *s = branin_space(0);
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.n_init = 4;
        o.failed = (gpbo_failed_policy)policy;
        gpbo_study *st = gpbo_study_open(NULL, "flaky", s, &o);
        assert_int_equal(gpbo_study_optimize(st, flaky, NULL, 20), GPBO_OK);
        size_t c[4];
        gpbo_study_counts(st, c);
        assert_int_equal(c[GPBO_TRIAL_COMPLETE] + c[GPBO_TRIAL_FAILED], 20);
        assert_int_equal(c[GPBO_TRIAL_FAILED], 5 + 4 - 1); /* ids 3,7,11,15,19 and 4,9,14 */
        gpbo_trial_info t;
        assert_int_equal(gpbo_study_trial(st, 3, &t), GPBO_OK);
        assert_int_equal(t.state, GPBO_TRIAL_FAILED);
        assert_non_null(strstr(t.reason, "simulated crash"));
        assert_int_equal(gpbo_study_trial(st, 4, &t), GPBO_OK);
        assert_non_null(strstr(t.reason, "nan"));
        assert_int_equal(gpbo_study_best(st, &t), GPBO_OK);
        assert_true(isfinite(t.value));
        gpbo_study_close(st);
        gpbo_space_free(s);
    }
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
            size_t c[4];
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

static void test_second_process_sees_tells(void **state)
{
    (void)state;
    char u[600];
    url(u, sizeof u, "shared.db");
    gpbo_space *s = branin_space(0);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *st = gpbo_study_open(u, "shared", s, &o);
    assert_int_equal(gpbo_study_optimize(st, branin, NULL, 7), GPBO_OK);
    size_t id;
    double v[2];
    gpbo_study_ask(st, &id, v);
    gpbo_study_report(st, id, 1, 0.5);
    gpbo_study_report(st, id, 2, 0.25);
    pid_t pid = fork();
    if (pid == 0) {
        gpbo_study *other = gpbo_study_open(u, "shared", NULL, NULL);
        size_t c[4];
        gpbo_study_counts(other, c);
        gpbo_trial_info t;
        int ok = other && c[GPBO_TRIAL_COMPLETE] == 7 && c[GPBO_TRIAL_RUNNING] == 1 &&
                 gpbo_study_trial(other, 7, &t) == GPBO_OK && t.nsteps == 2 &&
                 t.step_values[1] == 0.25;
        gpbo_study_close(other);
        _exit(ok ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    gpbo_study_close(st);
    gpbo_space_free(s);
}

static void test_maximize_and_best(void **state)
{
    (void)state;
    gpbo_space *s = branin_space(0);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.direction = GPBO_MAXIMIZE;
    o.strategy = "sobol";
    gpbo_study *st = gpbo_study_open(NULL, "max", s, &o);
    assert_int_equal(gpbo_study_optimize(st, branin, NULL, 16), GPBO_OK);
    gpbo_trial_info best, t;
    assert_int_equal(gpbo_study_best(st, &best), GPBO_OK);
    for (size_t i = 0; i < 16; i++) {
        gpbo_study_trial(st, i, &t);
        assert_true(t.value <= best.value);
    }
    gpbo_study_close(st);
    gpbo_space_free(s);
}

/* A built-in test function as an objective (payload: the gpbo_test_function). */
static int test_function(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    (void)id;
    *out = gpbo_test_objective_value(((const gpbo_test_function *)p)->f(gpbo_space_dim(s), v));
    return 0;
}

/* Runs a new in-memory study of space s (freed here) with options o for n trials of the
 * built-in test function called `name` and returns the best value. */
static double best_after(gpbo_space *s, const gpbo_study_options *o, const char *name, size_t n)
{
    gpbo_study *st = gpbo_study_open(NULL, "run", s, o);
    assert_non_null(st);
    const gpbo_test_function *tf = gpbo_test_function_find(name);
    assert_non_null(tf);
    assert_int_equal(gpbo_study_optimize(st, test_function, (void *)tf, n), GPBO_OK);
    gpbo_trial_info b;
    assert_int_equal(gpbo_study_best(st, &b), GPBO_OK);
    gpbo_study_close(st);
    gpbo_space_free(s);
    return b.value;
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

/* x0..x{dim-1}, each a float in [lo, hi] */
static gpbo_space *box(int dim, double lo, double hi)
{
    gpbo_space *s = gpbo_space_new();
    for (int j = 0; j < dim; j++) {
        char nm[16];
        snprintf(nm, sizeof nm, "x%d", j);
        gpbo_space_add_float(s, nm, lo, hi, 0);
    }
    return s;
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

static void test_errors(void **state)
{
    (void)state;
    gpbo_space *s = branin_space(0), *s2 = branin_space(1);
    char u[600];
    url(u, sizeof u, "errors.db");
    assert_null(gpbo_study_open(u, "", s, NULL));
    assert_null(gpbo_study_open(NULL, "m", NULL, NULL));
    assert_null(gpbo_study_open("postgresql://x@y/z", "m", s, NULL));
    assert_non_null(strstr(gpbo_error_message(), "unsupported scheme"));
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "simulated_annealing";
    assert_null(gpbo_study_open(NULL, "m", s, &o));
    assert_non_null(strstr(gpbo_error_message(), "simulated_annealing"));
    gpbo_study *st = gpbo_study_open(u, "e", s, NULL);
    assert_non_null(st);
    assert_int_equal(gpbo_study_tell(st, 5, 1.0), GPBO_ENOTFOUND);
    size_t id;
    double v[2];
    gpbo_study_ask(st, &id, v);
    assert_int_equal(gpbo_study_tell(st, id, 1.0), GPBO_OK);
    assert_int_equal(gpbo_study_tell(st, id, 2.0), GPBO_ESTATE);
    assert_int_equal(gpbo_study_report(st, id, 1, 1.0), GPBO_ESTATE);
    gpbo_study_close(st);
    assert_null(gpbo_study_open(u, "e", s2, NULL));
    assert_non_null(strstr(gpbo_error_message(), "different search space"));
    assert_null(gpbo_study_open(u, "missing", NULL, NULL));
    assert_int_equal(gpbo_error_code(), GPBO_ENOTFOUND);
    char bad[600];
    snprintf(bad, sizeof bad, "%s/no/such/dir/x.db", dir);
    assert_null(gpbo_study_open(bad, "e", s, NULL));
    assert_int_equal(gpbo_error_code(), GPBO_ESTORAGE);
    /* a file that is not a database */
    char junk[600];
    snprintf(junk, sizeof junk, "%s/junk.db", dir);
    gpbo_test_write_file(junk, "this is not sqlite at all, not at all........", 45);
    assert_null(gpbo_study_open(junk, "e", s, NULL));
    assert_int_equal(gpbo_error_code(), GPBO_ESTORAGE);
    gpbo_space_free(s);
    gpbo_space_free(s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_enumerates),
        cmocka_unit_test(test_resume_same_sequence),
        cmocka_unit_test(test_interrupted_trials_run_again),
        cmocka_unit_test(test_failures_complete_budget),
        cmocka_unit_test(test_second_process_sees_tells),
        cmocka_unit_test(test_maximize_and_best),
        cmocka_unit_test(test_bayes_beats_random),
        cmocka_unit_test(test_heavy_tail_warping),
        cmocka_unit_test(test_additive_model_choice),
        cmocka_unit_test(test_restarts_keep_refining),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
