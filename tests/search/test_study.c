/*
 * test_study.c: ask / tell studies — grid enumeration, determinism per seed, close and reopen
 * mid-way giving the uninterrupted sequence (every strategy, on an SQLite file), interrupted
 * trials handed out again (and seen as lost until then), a storage's list of studies, failing
 * and NaN objectives, a second process reading the file, maximization, the error paths, and
 * stored options another program wrote (checked as the caller's are). The
 * statistical properties of the strategies are in test_strategy_stats.c.
 */
#include <float.h>
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
#include <sqlite3.h>

#include "gpbo/error.h"
#include "gpbo/search.h"
#include "gpbo/sys/error.h"
#include "study_util.h"
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

static void url(char *out, size_t cap, const char *file)
{
    snprintf(out, cap, "sqlite:///%s/%s", dir, file);
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

/* A grid over a log (or linear) scale: its first point is lo and its last hi exactly, every
 * point between inside [lo, hi] and in order, for extreme and ordinary ranges and for several
 * resolutions (exp(log(lo)) is not lo: 1e-5 and 1e300 failed to encode, 1e-300 came out
 * 1.0000000000000237e-300, DBL_MAX 1.7976931348622732e308 through the decode). */
static void test_grid_log_endpoints(void **state)
{
    (void)state;
    static const struct {
        double lo, hi;
        int integer, log_scale;
    } cases[] = {
        {1e-300, 1e300, 0, 1}, {1e300, DBL_MAX, 0, 1},   {1e-5, 1e-1, 0, 1},
        {0.1, 0.7, 0, 1},      {2.385, 2.385, 0, 1},     {1, 1000, 1, 1},
        {3, 7, 1, 1},          {9e15 - 100, 9e15, 1, 1}, {-DBL_MAX / 2, DBL_MAX / 2, 0, 0},
        {0.1, 0.7, 0, 0},
    };
    static const size_t res[] = {2, 3, 5, 7};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t r = 0; r < sizeof res / sizeof res[0]; r++) {
            double lo = cases[c].lo, hi = cases[c].hi;
            gpbo_space *s = gpbo_space_new();
            if (cases[c].integer)
                gpbo_space_add_int(s, "x", (long long)lo, (long long)hi, cases[c].log_scale);
            else
                gpbo_space_add_float(s, "x", lo, hi, cases[c].log_scale);
            gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
            o.strategy = "grid";
            o.grid_resolution = res[r];
            gpbo_study *st = gpbo_study_open(NULL, "grid", s, &o);
            assert_non_null(st);
            size_t id, n = 0;
            double v, first = NAN, prev = -INFINITY;
            int rc;
            while ((rc = gpbo_study_ask(st, &id, &v)) == GPBO_OK) {
                if (n++ == 0)
                    first = v;
                if (!(v >= lo && v <= hi && v >= prev))
                    fail_msg("[%.17g, %.17g] at %zu points: %.17g after %.17g", lo, hi, res[r], v,
                             prev);
                prev = v;
                assert_int_equal(gpbo_study_tell(st, id, 1.0), GPBO_OK);
            }
            if (rc != GPBO_EEXHAUSTED)
                fail_msg("[%.17g, %.17g] at %zu points: %s", lo, hi, res[r], gpbo_error_message());
            if (!(first == lo && prev == hi))
                fail_msg("[%.17g, %.17g] at %zu points: from %.17g to %.17g", lo, hi, res[r], first,
                         prev);
            gpbo_study_close(st);
            gpbo_space_free(s);
        }
}

/* A log-scale float's grid points that are decimals but for rounding are those decimals, asked
 * and as stored (a grid over 1e-5..1e-1 gave 9.999999999999991e-05 for 1e-4 and
 * 0.0010000000000000002 for 1e-3); a point near no decimal (10^-1.5, 0.1 7^(k/4)) stays what it
 * was: exp(log(lo) + t (log(hi) - log(lo))) through the unit cube's round trip. */
static void test_grid_log_decimals(void **state)
{
    (void)state;
    static const struct {
        double lo, hi;
        size_t res;
        double want[7]; /* NaN: near no decimal, the old point */
    } cases[] = {
        {1e-5, 1e-1, 5, {1e-5, 1e-4, 1e-3, 1e-2, 1e-1}},
        {1, 1000, 4, {1, 10, 100, 1000}},
        {1e-300, 1e300, 7, {1e-300, 1e-200, 1e-100, 1, 1e100, 1e200, 1e300}},
        {2e-6, 2e-2, 5, {2e-6, 2e-5, 2e-4, 2e-3, 2e-2}},
        {1, 64, 7, {1, 2, 4, 8, 16, 32, 64}},
        {1e-3, 1, 3, {1e-3, NAN, 1}},
        {0.1, 0.7, 5, {0.1, NAN, NAN, NAN, 0.7}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double lo = cases[c].lo, hi = cases[c].hi, old[7];
        size_t res = cases[c].res;
        gpbo_space *s = gpbo_space_new();
        gpbo_space_add_float(s, "x", lo, hi, 1);
        for (size_t k = 0; k < res; k++) { /* the old point: grid_point, then encode / decode */
            double t = (double)k / (double)(res - 1), u;
            old[k] = k == 0 ? lo : k == res - 1 ? hi : exp(log(lo) + t * (log(hi) - log(lo)));
            assert_int_equal(gpbo_space_encode(s, &old[k], &u), GPBO_OK);
            assert_int_equal(gpbo_space_decode(s, &u, &old[k]), GPBO_OK);
        }
        char u[600], name[32];
        url(u, sizeof u, "decimals.db");
        snprintf(name, sizeof name, "g%zu", c);
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.strategy = "grid";
        o.grid_resolution = res;
        gpbo_study *st = gpbo_study_open(u, name, s, &o);
        assert_non_null(st);
        for (size_t k = 0; k < res; k++) {
            size_t id;
            double v, want = isnan(cases[c].want[k]) ? old[k] : cases[c].want[k];
            assert_int_equal(gpbo_study_ask(st, &id, &v), GPBO_OK);
            if (v != want)
                fail_msg("[%g, %g] at %zu points, point %zu: %.17g, not %.17g", lo, hi, res, k, v,
                         want);
            assert_int_equal(gpbo_study_tell(st, id, 1.0), GPBO_OK);
        }
        gpbo_study_close(st);
        st = gpbo_study_open(u, name, s, &o); /* as stored */
        assert_non_null(st);
        for (size_t k = 0; k < res; k++) {
            gpbo_trial_info t;
            double want = isnan(cases[c].want[k]) ? old[k] : cases[c].want[k];
            assert_int_equal(gpbo_study_trial(st, k, &t), GPBO_OK);
            if (t.values[0] != want)
                fail_msg("[%g, %g] stored point %zu: %.17g, not %.17g", lo, hi, k, t.values[0],
                         want);
        }
        gpbo_study_close(st);
        gpbo_space_free(s);
    }
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
    /* the sixth reopens at 70 trials, between two model choices (66 and 73: the hyperparameters
     * of 67-72 are a local refit from the choice at 66, which the reopened study makes again) */
    const char *strategies[] = {"random", "sobol", "lhs", "bayes", "bayes", "bayes"};
    const size_t lengths[] = {12, 12, 12, 14, 30, 72}, restarts[] = {20, 20, 20, 20, 2, 100};
    const int stops[] = {7, 7, 7, 8, 16, 70};
    for (int k = 0; k < 6; k++) {
        size_t n = lengths[k];
        double a[4 * 72], b[4 * 72], c[4 * 72];
        char u1[600], u2[600];
        char f1[32], f2[32];
        snprintf(f1, sizeof f1, "seq1-%d.db", k);
        snprintf(f2, sizeof f2, "seq2-%d.db", k);
        url(u1, sizeof u1, f1);
        url(u2, sizeof u2, f2);
        run_sequence(u1, strategies[k], strategies[k], n, restarts[k], -1, a);
        run_sequence(u2, strategies[k], strategies[k], n, restarts[k], stops[k], b);
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
    size_t counts[GPBO_TRIAL_STATE_COUNT];
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

/* gpbo_study_trial_lost: a running trial of a closed handle is lost (and runs again), one that
 * its own handle runs, or a told one, is not; once asked again it is running, not lost. */
static void test_trial_lost(void **state)
{
    (void)state;
    char u[600];
    url(u, sizeof u, "lost.db");
    gpbo_space *s = branin_space(0);
    gpbo_study *st = gpbo_study_open(u, "lost", s, NULL);
    size_t id[2];
    double v[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(gpbo_study_ask(st, &id[i], v), GPBO_OK);
    assert_int_equal(gpbo_study_tell(st, id[1], 1.0), GPBO_OK);
    assert_int_equal(gpbo_study_trial_lost(st, id[0]), 0); /* this handle runs it */
    gpbo_study *reader = gpbo_study_open(u, "lost", NULL, NULL);
    assert_int_equal(gpbo_study_trial_lost(reader, id[0]), 0); /* its worker is alive */
    gpbo_study_close(reader);
    gpbo_study_close(st); /* trial 0 was running */
    st = gpbo_study_open(u, "lost", NULL, NULL);
    assert_int_equal(gpbo_study_trial_lost(st, id[0]), 1);
    assert_int_equal(gpbo_study_trial_lost(st, id[1]), 0); /* complete */
    assert_int_equal(gpbo_study_trial_lost(st, 99), 0);    /* no such trial */
    assert_int_equal(gpbo_study_trial_lost(NULL, 0), 0);
    size_t again;
    assert_int_equal(gpbo_study_ask(st, &again, v), GPBO_OK);
    assert_int_equal(again, id[0]);
    assert_int_equal(gpbo_study_trial_lost(st, id[0]), 0);
    gpbo_study_close(st);
    gpbo_space_free(s);
}

/* gpbo_study_list: a storage's studies in creation order, one allocation; nothing created for
 * a missing file; a bad URL is the caller's error. */
static void test_study_list(void **state)
{
    (void)state;
    char u[600], path[600];
    url(u, sizeof u, "list.db");
    snprintf(path, sizeof path, "%s/missing.db", dir);
    char **names = NULL;
    size_t n = 7;
    assert_int_equal(gpbo_study_list(path, &names, &n), GPBO_ENOTFOUND);
    assert_null(names);
    assert_int_equal(n, 0);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(gpbo_study_list("nosuch://x", &names, &n), GPBO_EINVAL);
    assert_int_equal(gpbo_study_list(NULL, &names, &n), GPBO_EINVAL);
    /* an in-memory study is no storage to list: refused, not looked for as a file */
    assert_int_equal(gpbo_study_list(":memory:", &names, &n), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "':memory:'"));
    gpbo_space *s = branin_space(0);
    const char *want[3] = {"zeta", "alpha", "a name with spaces / and slashes"};
    for (int i = 0; i < 3; i++)
        gpbo_study_close(gpbo_study_open(u, want[i], s, NULL));
    assert_int_equal(gpbo_study_list(u, &names, &n), GPBO_OK);
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(names[i], want[i]);
    assert_null(names[3]);
    gpbo_free(names);
    gpbo_space_free(s);
}

/* gpbo_study_delete: the study and its trials leave the storage, the others stay, the name makes
 * a new study; a worker still holding the deleted study stores nothing more, anywhere. */
static void test_study_delete(void **state)
{
    (void)state;
    char u[600], path[600];
    url(u, sizeof u, "delete.db");
    snprintf(path, sizeof path, "%s/missing-delete.db", dir);
    size_t n = 7, id;
    assert_int_equal(gpbo_study_delete(path, "a", &n), GPBO_ENOTFOUND);
    assert_int_equal(n, 0);
    assert_int_equal(access(path, F_OK), -1); /* nothing created */
    assert_int_equal(gpbo_study_delete(":memory:", "a", &n), GPBO_EINVAL);
    assert_int_equal(gpbo_study_delete(NULL, "a", &n), GPBO_EINVAL);
    assert_int_equal(gpbo_study_delete(u, NULL, &n), GPBO_EINVAL);
    gpbo_space *s = branin_space(0);
    gpbo_study *a = gpbo_study_open(u, "a", s, NULL), *b = gpbo_study_open(u, "b", s, NULL);
    assert_non_null(a);
    assert_non_null(b);
    double x[2];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(gpbo_study_ask(a, &id, x), GPBO_OK);
        assert_int_equal(gpbo_study_tell(a, id, x[0] + x[1]), GPBO_OK);
    }
    assert_int_equal(gpbo_study_set_attr(a, "k", "1"), GPBO_OK);
    assert_int_equal(gpbo_study_ask(b, &id, x), GPBO_OK);
    assert_int_equal(gpbo_study_tell(b, id, 1.0), GPBO_OK);
    size_t running;
    assert_int_equal(gpbo_study_ask(a, &running, x), GPBO_OK); /* a worker still at it */
    assert_int_equal(gpbo_study_delete(u, "a", &n), GPBO_OK);
    assert_int_equal(n, 5);
    assert_int_equal(gpbo_study_delete(u, "a", NULL), GPBO_ENOTFOUND);
    assert_non_null(strstr(gpbo_error_message(), "no study named 'a'"));
    char **names = NULL;
    assert_int_equal(gpbo_study_list(u, &names, &n), GPBO_OK);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "b");
    gpbo_free(names);
    /* the worker of the deleted study: its result and its next trial are stored nowhere */
    gpbo_study_tell(a, running, 0.5);
    assert_int_equal(gpbo_study_ask(a, &id, x), GPBO_ENOTFOUND);
    assert_non_null(strstr(gpbo_error_message(), "is not there (deleted)"));
    gpbo_study_close(a);
    gpbo_study *again = gpbo_study_open(u, "a", s, NULL); /* a new study of that name */
    assert_non_null(again);
    assert_int_equal(gpbo_study_ntrials(again), 0);
    const char *attrs = NULL;
    assert_int_equal(gpbo_study_attrs(again, &attrs), GPBO_OK);
    assert_null(attrs); /* the deleted study's attribute did not come back with its name */
    assert_int_equal(gpbo_study_ntrials(b), 1);
    gpbo_study_close(again);
    gpbo_study_close(b);
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
        size_t c[GPBO_TRIAL_STATE_COUNT];
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
}

static void test_second_process_sees_tells(void **state)
{
    (void)state;
    char u[600];
    url(u, sizeof u, "shared.db");
    gpbo_space *s = branin_space(0);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    /* No heartbeat thread: the child below calls gpbo after fork(), which gpbo/search.h allows
     * only without one (it may hold an allocator's or SQLite's lock at the fork: under ASan the
     * child once waited forever on the allocator's). */
    o.heartbeat = 0;
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
        size_t c[GPBO_TRIAL_STATE_COUNT];
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

/* A space of the given parameters, in order: x float [0, hi], k categorical {a, b}, y int. */
static gpbo_space *space_of(const char *order, double hi)
{
    static const char *const ab[] = {"a", "b"};
    gpbo_space *s = gpbo_space_new();
    assert_non_null(s);
    for (const char *c = order; *c; c++) {
        if (*c == 'x')
            assert_int_equal(gpbo_space_add_float(s, "x", 0.0, hi, 0), GPBO_OK);
        else if (*c == 'k')
            assert_int_equal(gpbo_space_add_categorical(s, "k", 2, ab), GPBO_OK);
        else
            assert_int_equal(gpbo_space_add_int(s, "y", 1, 9, 0), GPBO_OK);
    }
    return s;
}

/* Reopening a study with another space said only "exists with a different search space
 * (stored: <the whole stored space>)": which parameter changed, and how, was the user's to find
 * (a sweep of 17 parameters, one bound edited). Now the message names it: changed, new,
 * missing, or the order alone. */
static void test_reopen_space_change(void **state)
{
    (void)state;
    char u[600];
    url(u, sizeof u, "space_change.db");
    gpbo_space *s = space_of("xk", 1.0);
    gpbo_study *st = gpbo_study_open(u, "c", s, NULL);
    assert_non_null(st);
    gpbo_study_close(st);
    static const struct {
        const char *order;
        double hi;
        const char *want;
    } cases[] = {
        {"xk", 2.0,
         "parameter 'x' is {\"type\":\"float\",\"log\":false,\"lo\":0.0,\"hi\":2.0}, "
         "stored as {\"type\":\"float\",\"log\":false,\"lo\":0.0,\"hi\":1.0}"},
        {"xky", 1.0, "parameter 'y' is new ({\"type\":\"int\""},
        {"x", 1.0, "parameter 'k' is not given (the study has it)"},
        {"kx", 1.0, "the same parameters in another order (stored: x, k; given: k, x)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gpbo_space *o = space_of(cases[i].order, cases[i].hi);
        assert_null(gpbo_study_open(u, "c", o, NULL));
        assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
        const char *m = gpbo_error_message();
        if (strstr(m, "study 'c' exists with a different search space: ") == NULL ||
            strstr(m, cases[i].want) == NULL)
            fail_msg("case %zu: %s", i, m);
        gpbo_space_free(o);
    }
    st = gpbo_study_open(u, "c", s, NULL); /* the same space still opens it */
    assert_non_null(st);
    gpbo_study_close(st);
    gpbo_space_free(s);
}

static void test_errors(void **state)
{
    (void)state;
    gpbo_space *s = branin_space(0), *s2 = branin_space(1);
    char u[600];
    url(u, sizeof u, "errors.db");
    assert_null(gpbo_study_open(u, "", s, NULL));
    assert_null(gpbo_study_open(NULL, "m", NULL, NULL));
    assert_null(gpbo_study_open("mysql://x@y/z", "m", s, NULL));
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
    /* nor in a file that does not exist, which is not created by looking */
    char nofile[600], nofile_url[620];
    snprintf(nofile, sizeof nofile, "%s/never.db", dir);
    snprintf(nofile_url, sizeof nofile_url, "sqlite:///%s", nofile);
    assert_null(gpbo_study_open(nofile_url, "e", NULL, NULL));
    assert_int_equal(gpbo_error_code(), GPBO_ENOTFOUND);
    assert_null(gpbo_study_open(nofile, "e", NULL, NULL));
    assert_int_equal(gpbo_error_code(), GPBO_ENOTFOUND);
    assert_int_equal(access(nofile, F_OK), -1);
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

/* Sets option key of study "h" in the database at path to the SQL value val (json_set). */
static void store_option(const char *path, const char *key, const char *val)
{
    sqlite3 *db;
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE studies SET options = json_set(options, '$.%s', %s) WHERE name = 'h'", key,
             val);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_close(db);
}

/* A new random-search study `name` of s in the SQLite file `file` of the test folder; its path
 * and URL into path (600 bytes) and u (620). */
/* A study at its cap says how many trials it holds and what the cap is: enqueue with a
 * max_trials below the study's size said "holds its 2 trials" of a study of three. In memory
 * and in an SQLite file, for enqueue and ask_capped alike. */
static void test_cap_message(void **state)
{
    (void)state;
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(s, "x", 0.0, 1.0, 0), GPBO_OK);
    char u[700];
    url(u, sizeof u, "cap.db");
    const char *where[2] = {NULL, u};
    for (int k = 0; k < 2; k++) {
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.strategy = "random";
        gpbo_study *st = gpbo_study_open(where[k], "cap", s, &o);
        assert_non_null(st);
        for (int t = 0; t < 3; t++) {
            size_t id;
            double v;
            assert_int_equal(gpbo_study_ask(st, &id, &v), GPBO_OK);
            assert_int_equal(gpbo_study_tell(st, id, 2.5 - v), GPBO_OK);
        }
        double v = 0.375;
        size_t id;
        assert_int_equal(gpbo_study_enqueue(st, &v, 2, &id), GPBO_EEXHAUSTED);
        assert_non_null(strstr(gpbo_error_message(), "holds 3 trials, its cap is 2"));
        assert_int_equal(gpbo_study_ask_capped(st, 3, &id, &v), GPBO_EEXHAUSTED);
        assert_non_null(strstr(gpbo_error_message(), "holds 3 trials, its cap is 3"));
        gpbo_study_close(st);
    }
    gpbo_space_free(s);
}

static gpbo_study *open_stored_random(const char *file, const char *name, const gpbo_space *s,
                                      char *path, char *u)
{
    snprintf(path, 600, "%s/%s", dir, file);
    snprintf(u, 620, "sqlite:///%s", path);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *st = gpbo_study_open(u, name, s, &o);
    assert_non_null(st);
    return st;
}

/* Options read back from a database are checked as the caller's are at creation: a negative
 * count (stored as a JSON integer, it would wrap to a huge size_t) is malformed; a heartbeat not
 * below its grace is refused with the study named; a huge heartbeat below a huger grace is valid
 * and the heartbeat thread waits at most HEARTBEAT_MAX (its wait once converted a double beyond
 * time_t's range: fuzz_study, a check the sanitizer build makes). */
static void test_stored_options_checked(void **state)
{
    (void)state;
    char path[600], u[620];
    gpbo_space *s = branin_space(0);
    gpbo_study *st = open_stored_random("stored.db", "h", s, path, u);
    gpbo_study_close(st);

    store_option(path, "n_init", "-1");
    assert_null(gpbo_study_open(u, "h", NULL, NULL));
    assert_int_equal(gpbo_error_code(), GPBO_EFORMAT);
    assert_non_null(strstr(gpbo_error_message(), "negative"));
    store_option(path, "n_init", "10");

    store_option(path, "heartbeat", "120.0");
    assert_null(gpbo_study_open(u, "h", NULL, NULL));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "study 'h' as stored: "));
    assert_non_null(strstr(gpbo_error_message(), "heartbeat 120"));

    store_option(path, "grace", "1e21");
    store_option(path, "heartbeat", "1e20");
    st = gpbo_study_open(u, "h", NULL, NULL);
    assert_non_null(st);
    size_t id;
    double v[2];
    assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK); /* starts the heartbeat thread */
    assert_int_equal(gpbo_study_tell(st, id, 1.0), GPBO_OK);
    gpbo_study_close(st); /* wakes it and joins it */
    gpbo_space_free(s);
}

/* Options a strategy refuses are refused before the study is stored: a SQLite study created
 * with them once stayed in the file and made every later open of that name fail, valid options
 * or none. Enumerations out of range are refused at open, not taken for another value (a
 * direction of 7 ran as minimize and was reported back as 7) nor left to fail every ask after
 * the initial design (an unknown batch). */
static void test_bad_options_not_stored(void **state)
{
    (void)state;
    char u[600];
    url(u, sizeof u, "badopts.db");
    gpbo_space *s = branin_space(0);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "no_such_strategy";
    assert_null(gpbo_study_open(u, "p", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o.refit_every = 0;
    assert_null(gpbo_study_open(u, "p", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "grid";
    o.grid_resolution = 0;
    assert_null(gpbo_study_open(u, "p", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    /* nothing was stored: the name is free for valid options */
    o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *st = gpbo_study_open(u, "p", s, &o);
    assert_non_null(st);
    assert_string_equal(gpbo_study_get_options(st)->strategy, "random");
    gpbo_study_close(st);

    o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o.strategy = NULL;
    assert_null(gpbo_study_open(NULL, "p", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "unknown strategy"));
    o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o.direction = (gpbo_direction)7;
    assert_null(gpbo_study_open(NULL, "p", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "direction 7"));
    o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o.batch = (gpbo_acq_batch)99;
    assert_null(gpbo_study_open(NULL, "p", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o.batch = GPBO_ACQ_BATCH_LP;
    o.acquisition = GPBO_ACQ_LCB;
    assert_null(gpbo_study_open(NULL, "p", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    /* a Latin hypercube whose buffer size wrapped (the first ask wrote past it) */
    o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "lhs";
    o.lhs_size = SIZE_MAX / 8 + 2;
    assert_null(gpbo_study_open(NULL, "p", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "lhs_size"));
    o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o.failed = (gpbo_failed_policy)99;
    assert_null(gpbo_study_open(NULL, "p", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);

    /* the same checks on options another program stored */
    char path[600];
    snprintf(path, sizeof path, "%s/badopts.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE studies SET options = json_set(options, '$.direction', "
                                  "5) WHERE name = 'p'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_null(gpbo_study_open(u, "p", NULL, NULL));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "study 'p' as stored: "));
    gpbo_space_free(s);
}

/* gpbo_study_counts has no status to return: a NULL study gives zeros, and a NULL array is
 * ignored (it was written through). */
static void test_counts_null(void **state)
{
    (void)state;
    gpbo_space *s = branin_space(0);
    gpbo_study *st = gpbo_study_open(NULL, "c", s, NULL);
    assert_non_null(st);
    size_t id, c[GPBO_TRIAL_STATE_COUNT] = {7, 7, 7, 7};
    double v[2];
    assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK);
    gpbo_study_counts(st, NULL);
    gpbo_study_counts(NULL, c);
    for (size_t k = 0; k < GPBO_TRIAL_STATE_COUNT; k++)
        assert_int_equal(c[k], 0);
    gpbo_study_counts(st, c);
    assert_int_equal(c[GPBO_TRIAL_RUNNING], 1);
    gpbo_study_close(st);
    gpbo_space_free(s);
}

/* A space of constants only encodes into no coordinate: the Bayesian strategy has no model of
 * it (every trial is the one point), which gpbo_study_model says with GPBO_ENOTFOUND, not with
 * the GPBO_ENOMEM that the refused zero-dimensional GP became. */
static void test_model_of_constants(void **state)
{
    (void)state;
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_const(s, "epochs", 12), GPBO_OK);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.n_init = 2;
    gpbo_study *st = gpbo_study_open(NULL, "k", s, &o);
    assert_non_null(st);
    for (int i = 0; i < 4; i++) {
        size_t id;
        double v;
        assert_int_equal(gpbo_study_ask(st, &id, &v), GPBO_OK);
        assert_float_equal(v, 12, 0.0);
        assert_int_equal(gpbo_study_tell(st, id, 2.385 + i), GPBO_OK);
    }
    gpbo_gp *gp = (gpbo_gp *)&o; /* set to NULL on failure */
    gpbo_study_model_info info;
    assert_int_equal(gpbo_study_model(st, &gp, &info), GPBO_ENOTFOUND);
    assert_null(gp);
    assert_non_null(strstr(gpbo_error_message(), "constants"));
    gpbo_study_close(st);
    gpbo_space_free(s);
}

/* A trial row another program wrote is checked as the options are: a state that is none of
 * gpbo_trial_state's (gpbo_study_counts then indexed its array with it: -1 crashed, 99 wrote
 * past it) or a complete trial without a finite value (gpbo_study_best handed it out as the
 * best), a complete or pruned trial without parameters, or an intermediate value at a negative
 * step (which gpbo_study_report refuses, and gpbo_pruner_catch_up then failed on), is malformed,
 * and the open fails instead. */
static void test_stored_trials_checked(void **state)
{
    (void)state;
    char path[600], u[620];
    gpbo_space *s = branin_space(0);
    gpbo_study *st = open_stored_random("trials.db", "t", s, path, u);
    for (int i = 0; i < 2; i++) {
        size_t id;
        double v[2];
        assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK);
        assert_int_equal(gpbo_study_tell(st, id, 2.385 + i), GPBO_OK);
    }
    gpbo_study_close(st);
    /* params 'null' is how a reservation not yet proposed is stored: a complete trial with it
     * was handed out by gpbo_study_best with NaN parameters (found by fuzz/fuzz_trials.c) */
    const char *bad[] = {"state = -1",      "state = 99",
                         "value = NULL",    "STEP -5",
                         "params = 'null'", "state = 3, value = NULL, params = 'null'"};
    const char *undo[] = {"state = 1",         "state = 1",
                          "value = 2.385",     "STEP",
                          "params = '[0, 0]'", "state = 1, value = 2.385, params = '[0, 0]'"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        sqlite3 *db;
        char sql[200];
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        if (strncmp(bad[k], "STEP", 4) == 0) /* an intermediate value at a negative step */
            snprintf(sql, sizeof sql, "INSERT INTO intermediate VALUES(1, 0, -5, 1.0)");
        else
            snprintf(sql, sizeof sql, "UPDATE trials SET %s WHERE id = 0", bad[k]);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        st = gpbo_study_open(u, "t", NULL, NULL);
        if (st != NULL)
            fail_msg("a trial with %s was read", bad[k]);
        assert_int_equal(gpbo_error_code(), GPBO_EFORMAT);
        assert_non_null(strstr(gpbo_error_message(), "trial 0"));
        if (strncmp(undo[k], "STEP", 4) == 0)
            snprintf(sql, sizeof sql, "DELETE FROM intermediate WHERE step = -5");
        else
            snprintf(sql, sizeof sql, "UPDATE trials SET %s WHERE id = 0", undo[k]);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        st = gpbo_study_open(u, "t", NULL, NULL);
        assert_non_null(st);
        size_t c[GPBO_TRIAL_STATE_COUNT];
        gpbo_study_counts(st, c);
        assert_int_equal(c[GPBO_TRIAL_COMPLETE], 2);
        gpbo_study_close(st);
    }
    gpbo_space_free(s);
}

/* Names and choices travel as JSON, which is UTF-8: one that is not (Latin-1 "caf\xe9") was
 * taken, and then the space could not be serialized ("out of memory": gpbo_study_open, copy
 * and equal failed) or, as a metric's name, the tell that stores it failed with GPBO_ENOMEM
 * and the trial's result was lost. Refused where it enters, with GPBO_EINVAL. */
static void test_names_utf8(void **state)
{
    (void)state;
    const char *bad = "caf\xe9", *good = "caf\xc3\xa9";
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(s, bad, 0, 1, 0), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "UTF-8"));
    assert_int_equal(gpbo_space_add_int(s, bad, 0, 1, 0), GPBO_EINVAL);
    assert_int_equal(gpbo_space_add_const(s, bad, 1), GPBO_EINVAL);
    const char *choices[] = {"plain", bad};
    assert_int_equal(gpbo_space_add_categorical(s, "c", 2, choices), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "UTF-8"));
    assert_int_equal(gpbo_space_size(s), 0);
    choices[1] = good;
    assert_int_equal(gpbo_space_add_categorical(s, good, 2, choices), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(s, "x", 0, 1, 0), GPBO_OK);

    char u[600];
    url(u, sizeof u, "utf8.db");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_constraint c = {bad, 0, 1};
    o.n_constraints = 1;
    o.constraints = &c;
    assert_null(gpbo_study_open(NULL, "u", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    o.n_constraints = 0;
    const char *names[] = {"a", bad};
    o.n_objectives = 2;
    o.objective_names = names;
    assert_null(gpbo_study_open(NULL, "u", s, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    o.n_objectives = 0;
    gpbo_study *st = gpbo_study_open(u, "u", s, &o);
    assert_non_null(st);
    size_t id;
    double v[3], one = 1.0;
    assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK);
    assert_int_equal(gpbo_study_set_metrics(st, id, 1, &bad, &one), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "UTF-8"));
    assert_int_equal(gpbo_study_set_metrics(st, id, 1, &good, &one), GPBO_OK);
    assert_int_equal(gpbo_study_tell(st, id, 2.385), GPBO_OK);
    gpbo_study_close(st);
    st = gpbo_study_open(u, "u", NULL, NULL);
    assert_non_null(st);
    double m;
    assert_int_equal(gpbo_study_trial_metric(st, id, good, &m), GPBO_OK);
    assert_float_equal(m, 1.0, 0.0);
    assert_true(gpbo_space_equal(gpbo_study_space(st), s));
    gpbo_study_close(st);
    gpbo_space_free(s);
}

/* A failure's reason is free text (the CLI stores a program's last line of stderr): one in
 * Latin-1, or cut inside a character, was stored as it was, and the study's JSON export then was
 * not JSON (PostgreSQL's text refuses it outright). It is stored as UTF-8, each byte that starts
 * no character replaced by U+FFFD, the valid characters kept. */
static void test_failure_reason_utf8(void **state)
{
    (void)state;
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(s, "x", 0, 1, 0), GPBO_OK);
    char u[600];
    url(u, sizeof u, "reason.db");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *st = gpbo_study_open(u, "r", s, &o);
    assert_non_null(st);
    const char *reasons[] = {"exit status 1: caf\xe9 \xff!", "cut \xc3",
                             "d\xc3\xa9j\xc3\xa0 vu \xe2\x82\xac"};
    const char *want[] = {"exit status 1: caf\xef\xbf\xbd \xef\xbf\xbd!", "cut \xef\xbf\xbd",
                          "d\xc3\xa9j\xc3\xa0 vu \xe2\x82\xac"};
    size_t ids[3];
    double v;
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(gpbo_study_ask(st, &ids[k], &v), GPBO_OK);
        assert_int_equal(gpbo_study_tell_failed(st, ids[k], reasons[k]), GPBO_OK);
    }
    for (int reopen = 0; reopen < 2; reopen++) {
        for (size_t k = 0; k < 3; k++) {
            gpbo_trial_info t;
            assert_int_equal(gpbo_study_trial(st, ids[k], &t), GPBO_OK);
            assert_string_equal(t.reason, want[k]);
        }
        gpbo_study_close(st);
        st = reopen ? NULL : gpbo_study_open(u, "r", NULL, NULL);
        assert_true(reopen || st != NULL);
    }
    gpbo_space_free(s);
}

/* A trial another handle proposed for this one (gpbo run's proposing process, reserving in the
 * run's worker name) whose reservation this handle read before the proposer wrote its
 * parameters: adopting it reads them, so that once told it is complete at its point. Before,
 * the handle took the trial for its own with nothing to read and kept it unproposed (NaN): gpbo
 * run's best trial printed no parameter, and gpbo_study_recommend on the run's handle refused
 * the NaN point (found at random in 1 run of 4 by gpbo run's recommendation line). The
 * proposer's two writes are made by hand, as storage_sqlite.c makes them: the reservation
 * ('null' parameters, the owner's worker, a fresh heartbeat), then the parameters. */
static void test_adopt_reads_parameters(void **state)
{
    (void)state;
    char u[620], path[600], sql[1024];
    url(u, sizeof u, "adopt.db");
    snprintf(path, sizeof path, "%s/adopt.db", dir);
    gpbo_space *s = gpbo_space_new();
    gpbo_space_add_float(s, "x", -4, 4, 0);
    gpbo_space_add_float(s, "y", -4, 4, 0);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *a = gpbo_study_open(u, "adopt", s, &o);
    assert_non_null(a);
    const char *worker = gpbo_study_worker(a);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    snprintf(sql, sizeof sql,
             "INSERT INTO trials(study, id, state, params, started, worker, heartbeat) SELECT id, "
             "0, 0, 'null', strftime('%%s', 'now'), '%s', strftime('%%s', 'now') FROM studies "
             "WHERE name = 'adopt'",
             worker);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(gpbo_study_sync(a), GPBO_OK); /* the look between the two writes */
    gpbo_trial_info t;
    assert_int_equal(gpbo_study_trial(a, 0, &t), GPBO_OK);
    assert_int_equal(t.state, GPBO_TRIAL_RUNNING);
    assert_true(isnan(t.values[0]) && isnan(t.values[1]));
    assert_int_equal(sqlite3_exec(db, "UPDATE trials SET params = '[1.375, -2.385]' WHERE id = 0",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(gpbo_study_adopt(a, 0), GPBO_OK);
    assert_int_equal(gpbo_study_tell(a, 0, 0.625), GPBO_OK);
    assert_int_equal(gpbo_study_trial(a, 0, &t), GPBO_OK);
    assert_int_equal(t.state, GPBO_TRIAL_COMPLETE);
    assert_true(t.values[0] == 1.375 && t.values[1] == -2.385);
    gpbo_trial_info b;
    assert_int_equal(gpbo_study_best(a, &b), GPBO_OK);
    assert_true(b.id == 0 && b.values[0] == 1.375 && b.values[1] == -2.385);
    /* and a trial asked through the handle itself still adopts with nothing to read */
    size_t id;
    double v[2];
    assert_int_equal(gpbo_study_ask(a, &id, v), GPBO_OK);
    assert_int_equal(gpbo_study_adopt(a, id), GPBO_OK);
    assert_int_equal(gpbo_study_tell(a, id, 1.5), GPBO_OK);
    assert_int_equal(gpbo_study_trial(a, id, &t), GPBO_OK);
    assert_memory_equal(t.values, v, sizeof v);
    gpbo_study_close(a);
    gpbo_space_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_enumerates),
        cmocka_unit_test(test_grid_log_endpoints),
        cmocka_unit_test(test_grid_log_decimals),
        cmocka_unit_test(test_resume_same_sequence),
        cmocka_unit_test(test_interrupted_trials_run_again),
        cmocka_unit_test(test_trial_lost),
        cmocka_unit_test(test_study_list),
        cmocka_unit_test(test_study_delete),
        cmocka_unit_test(test_failures_complete_budget),
        cmocka_unit_test(test_second_process_sees_tells),
        cmocka_unit_test(test_maximize_and_best),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_reopen_space_change),
        cmocka_unit_test(test_stored_options_checked),
        cmocka_unit_test(test_bad_options_not_stored),
        cmocka_unit_test(test_counts_null),
        cmocka_unit_test(test_model_of_constants),
        cmocka_unit_test(test_stored_trials_checked),
        cmocka_unit_test(test_names_utf8),
        cmocka_unit_test(test_failure_reason_utf8),
        cmocka_unit_test(test_cap_message),
        cmocka_unit_test(test_adopt_reads_parameters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
