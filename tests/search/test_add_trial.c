/*
 * test_add_trial.c: gpbo_study_add_trial, warm starting a study from evaluations made
 * elsewhere (Optuna's add_trial).
 *  - validation: values outside the space and bad results are refused and add nothing;
 *  - complete and failed trials with their metrics, in memory and stored (read back by a handle
 *    opened afterwards), inactive parameters as NaN, the cap, asks going on after them;
 *  - several objectives (their values as the objectives' metrics, the Pareto front) and
 *    constraints (feasibility from the added metrics);
 *  - a finish the storage refuses (a trigger) leaves nothing: one transaction on SQLite, the
 *    reservation taken back on PostgreSQL;
 *  - intermediate values and user attributes (result version 2) stored with the trial, bad
 *    ones refused, and a storage refusing the values storing nothing of the trial;
 *  - pruned trials: stored as a trial pruned here is (no value, no reason, their intermediate
 *    values), in memory and stored, and taken by the Bayesian strategy as one pruned here;
 *  - the Bayesian strategy warm-started with 16 points of a quadratic: its first model holds
 *    them and its first proposal lands nearer the minimum than any of them, over several seeds.
 * The stored cases run on an SQLite file, or on the PostgreSQL server whose URL file is the
 * first argument (test_add_trial_pg).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "gpbo/error.h"
#include "gpbo/gp.h"
#include "gpbo/search.h"
#include "testutil.h"

static char dir[512];      /* the SQLite files' folder ("" on PostgreSQL) */
static char storage[1024]; /* the URL stored studies are opened at */
static unsigned study_no;  /* distinct study names on one server */

static const char *study_name(char *buf, size_t cap, const char *tag)
{
    snprintf(buf, cap, "%s-%d-%u", tag, (int)getpid(), study_no++);
    return buf;
}

/* lr (log float), units (int), opt (adam | sgd), momentum (float, only while opt is sgd). */
static gpbo_space *mixed_space(void)
{
    gpbo_space *sp = gpbo_space_new();
    const char *ch[] = {"adam", "sgd"};
    double sgd = 1;
    assert_int_equal(gpbo_space_add_float(sp, "lr", 1e-4, 1, 1), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(sp, "units", 1, 64, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_categorical(sp, "opt", 2, ch), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(sp, "momentum", 0.5, 0.99, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_condition(sp, "momentum", "opt", 1, &sgd), GPBO_OK);
    return sp;
}

static void test_refused(void **state)
{
    (void)state;
    gpbo_space *sp = mixed_space();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *s = gpbo_study_open(NULL, "refused", sp, &o);
    assert_non_null(s);
    double good[4] = {0.01, 32, 0, NAN}, v = 2.385;
    double bad[5][4] = {{2, 32, 0, NAN},    /* lr above its range */
                        {0.1, 3.5, 0, NAN}, /* not an integer */
                        {0.1, 3, 2, NAN},   /* no category 2 */
                        {NAN, 3, 1, 0.9},   /* NaN where a value is needed */
                        {0.1, 3, 1, 1.5}};  /* momentum active, and above its range */
    gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
    r.values = &v;
    for (int b = 0; b < 5; b++) {
        assert_int_equal(gpbo_study_add_trial(s, bad[b], &r, SIZE_MAX, NULL), GPBO_EINVAL);
        assert_non_null(strstr(gpbo_error_message(), "study_add_trial"));
    }
    const char *empty[] = {""};
    double nan = NAN, m = 1;
    gpbo_trial_result rs[7];
    for (int k = 0; k < 7; k++)
        rs[k] = r;
    rs[0].version = GPBO_TRIAL_RESULT_VERSION + 1;
    rs[1].state = GPBO_TRIAL_RUNNING;
    rs[2].state = (gpbo_trial_state)GPBO_TRIAL_STATE_COUNT;
    rs[3].values = NULL;
    rs[4].values = &nan;
    rs[5].n_metrics = 1; /* NULL names */
    rs[6].n_metrics = 1;
    rs[6].metric_names = empty;
    rs[6].metric_values = &m;
    for (int k = 0; k < 7; k++) {
        assert_int_equal(gpbo_study_add_trial(s, good, &rs[k], SIZE_MAX, NULL), GPBO_EINVAL);
        assert_non_null(strstr(gpbo_error_message(), "study_add_trial"));
    }
    assert_int_equal(gpbo_study_add_trial(s, good, NULL, SIZE_MAX, NULL), GPBO_EINVAL);
    assert_int_equal(gpbo_study_add_trial(s, NULL, &r, SIZE_MAX, NULL), GPBO_EINVAL);
    assert_int_equal(gpbo_study_add_trial(NULL, good, &r, SIZE_MAX, NULL), GPBO_EINVAL);
    assert_int_equal(gpbo_study_ntrials(s), 0);
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

/* Three trials added to a study (complete with metrics, failed, complete with momentum
 * inactive but given), checked as the handle h holds them. */
static void check_added(const gpbo_study *h, size_t first)
{
    gpbo_trial_info t;
    double m = 0;
    assert_int_equal(gpbo_study_trial(h, first, &t), GPBO_OK);
    assert_int_equal(t.state, GPBO_TRIAL_COMPLETE);
    assert_true(t.value == 0.0123);
    assert_true(t.values[0] == 0.003 && t.values[1] == 17 && t.values[2] == 1 &&
                t.values[3] == 0.9);
    assert_int_equal(gpbo_study_trial_metric(h, first, "acc", &m), GPBO_OK);
    assert_true(m == 0.875);
    assert_int_equal(gpbo_study_trial_metric(h, first, "mem", &m), GPBO_OK);
    assert_true(isnan(m));
    assert_true(t.finished >= t.started && t.started > 0);
    assert_int_equal(gpbo_study_trial(h, first + 1, &t), GPBO_OK);
    assert_int_equal(gpbo_study_trial(h, first + 1, &t), GPBO_OK);
    assert_int_equal(t.state, GPBO_TRIAL_FAILED);
    assert_true(isnan(t.value));
    assert_string_equal(t.reason, "out of memory on the GPU");
    assert_int_equal(gpbo_study_trial(h, first + 2, &t), GPBO_OK);
    assert_int_equal(t.state, GPBO_TRIAL_COMPLETE);
    assert_true(t.values[2] == 0 && isnan(t.values[3])); /* adam: momentum inactive */
    assert_int_equal(gpbo_study_trial_lost(h, first), 0);
    assert_int_equal(gpbo_study_trial_queued(h, first), 0);
}

/* Adds check_added's three trials through s; their ids come after `first` trials. */
static void add_three(gpbo_study *s, size_t first)
{
    const char *names[] = {"acc", "mem"};
    double mv[2] = {0.875, NAN}, v = 0.0123, w = 4.5;
    double p0[4] = {0.003, 17, 1, 0.9}, p1[4] = {0.5, 2, 0, NAN}, p2[4] = {1e-4, 64, 0, 0.7};
    gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT, f = GPBO_TRIAL_RESULT_INIT, c = r;
    r.values = &v;
    r.n_metrics = 2;
    r.metric_names = names;
    r.metric_values = mv;
    f.state = GPBO_TRIAL_FAILED;
    f.reason = "out of memory on the GPU";
    c.values = &w;
    size_t id = 99;
    assert_int_equal(gpbo_study_add_trial(s, p0, &r, SIZE_MAX, &id), GPBO_OK);
    assert_int_equal(id, first);
    assert_int_equal(gpbo_study_add_trial(s, p1, &f, SIZE_MAX, &id), GPBO_OK);
    assert_int_equal(id, first + 1);
    assert_int_equal(gpbo_study_add_trial(s, p2, &c, SIZE_MAX, NULL), GPBO_OK);
}

/* In memory and stored: the trials as added, the next ask after them, the cap; a stored study
 * read back by a handle opened afterwards. */
static void test_added(void **state)
{
    (void)state;
    gpbo_space *sp = mixed_space();
    for (int stored = 0; stored < 2; stored++) {
        char name[64];
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.strategy = "random";
        study_name(name, sizeof name, "added");
        gpbo_study *s = gpbo_study_open(stored ? storage : NULL, name, sp, &o);
        assert_non_null(s);
        add_three(s, 0);
        check_added(s, 0);
        size_t counts[GPBO_TRIAL_STATE_COUNT];
        gpbo_study_counts(s, counts);
        assert_int_equal(counts[GPBO_TRIAL_COMPLETE], 2);
        assert_int_equal(counts[GPBO_TRIAL_FAILED], 1);
        assert_int_equal(counts[GPBO_TRIAL_RUNNING], 0);
        gpbo_trial_info b;
        assert_int_equal(gpbo_study_best(s, &b), GPBO_OK);
        assert_int_equal(b.id, 0);
        /* an ask goes on after them; the cap counts them */
        size_t id;
        double v[4], w = 1, p[4] = {0.1, 5, 0, NAN};
        assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
        assert_int_equal(id, 3);
        gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
        r.values = &w;
        assert_int_equal(gpbo_study_add_trial(s, p, &r, 4, NULL), GPBO_EEXHAUSTED);
        assert_int_equal(gpbo_study_add_trial(s, p, &r, 5, &id), GPBO_OK);
        assert_int_equal(id, 4);
        assert_int_equal(gpbo_study_ntrials(s), 5);
        if (stored) {
            gpbo_study *h = gpbo_study_open(storage, name, sp, &o);
            assert_non_null(h);
            assert_int_equal(gpbo_study_ntrials(h), 5);
            check_added(h, 0);
            /* a second handle adds after what the first added */
            add_three(h, 5);
            check_added(h, 5);
            assert_int_equal(gpbo_study_sync(s), GPBO_OK);
            check_added(s, 5);
            gpbo_study_close(h);
        }
        gpbo_study_close(s);
    }
    gpbo_space_free(sp);
}

/* Several objectives: the values become the objectives' metrics and the Pareto front is theirs;
 * constraints read the added metrics. */
static void test_objectives_constraints(void **state)
{
    (void)state;
    gpbo_space *sp = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(sp, "x", 0, 1, 0), GPBO_OK);
    const char *obj[] = {"err", "secs"};
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.n_objectives = 2;
    o.objective_names = obj;
    char name[64];
    gpbo_study *s = gpbo_study_open(storage, study_name(name, sizeof name, "mo"), sp, &o);
    assert_non_null(s);
    double y[3][2] = {{0.1, 9}, {0.2, 3}, {0.3, 10}}; /* the third is dominated */
    for (int k = 0; k < 3; k++) {
        double x = 0.25 * k;
        gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
        r.values = y[k];
        assert_int_equal(gpbo_study_add_trial(s, &x, &r, SIZE_MAX, NULL), GPBO_OK);
    }
    double got[2];
    assert_int_equal(gpbo_study_trial_objectives(s, 1, got), GPBO_OK);
    assert_true(got[0] == 0.2 && got[1] == 3);
    size_t ids[3], n = 0;
    assert_int_equal(gpbo_study_pareto(s, ids, 3, &n), GPBO_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 0);
    assert_int_equal(ids[1], 1);
    gpbo_study_close(s);

    gpbo_constraint c = {"mem_mb", -INFINITY, 512};
    gpbo_study_options oc = GPBO_STUDY_OPTIONS_INIT;
    oc.strategy = "random";
    oc.n_constraints = 1;
    oc.constraints = &c;
    s = gpbo_study_open(NULL, "constrained", sp, &oc);
    assert_non_null(s);
    const char *mn[] = {"mem_mb"};
    double mem[2] = {600, 300}, val[2] = {1, 2};
    for (int k = 0; k < 2; k++) {
        double x = 0.5 + 0.1 * k;
        gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
        r.values = &val[k];
        r.n_metrics = 1;
        r.metric_names = mn;
        r.metric_values = &mem[k];
        assert_int_equal(gpbo_study_add_trial(s, &x, &r, SIZE_MAX, NULL), GPBO_OK);
    }
    assert_int_equal(gpbo_study_trial_feasible(s, 0), 0);
    assert_int_equal(gpbo_study_trial_feasible(s, 1), 1);
    gpbo_trial_info b;
    assert_int_equal(gpbo_study_best(s, &b), GPBO_OK);
    assert_int_equal(b.id, 1);
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

/* Makes the storage refuse (on 1) or accept (on 0) every update that ends a trial: a trigger on
 * the SQLite file or on the server's trials table. */
static void refuse_finish(const char *path, int on)
{
    if (dir[0]) {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        const char *sql = on ? "CREATE TRIGGER no_finish BEFORE UPDATE ON trials WHEN NEW.state "
                               "<> 0 BEGIN SELECT RAISE(ABORT, 'no finish'); END;"
                             : "DROP TRIGGER no_finish;";
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        return;
    }
    PGconn *c = PQconnectdb(storage);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    const char *sql =
        on ? "CREATE FUNCTION gpbo_test_no_finish() RETURNS trigger AS $$ BEGIN IF NEW.state <> 0 "
             "THEN RAISE EXCEPTION 'no finish'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; "
             "CREATE TRIGGER no_finish BEFORE UPDATE ON trials FOR EACH ROW EXECUTE FUNCTION "
             "gpbo_test_no_finish();"
           : "DROP TRIGGER no_finish ON trials; DROP FUNCTION gpbo_test_no_finish();";
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "%s\n", PQerrorMessage(c));
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

/* The finish refused by the storage: nothing of the trial stays, in the handle or in the storage
 * (a handle opened afterwards), and the error is the storage's. On SQLite the reservation and the
 * finish are one transaction (rolled back); on PostgreSQL the reservation is taken back. */
static void test_finish_refused(void **state)
{
    (void)state;
    char path[700], name[64];
    snprintf(path, sizeof path, "%s/fails.db", dir);
    gpbo_space *sp = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(sp, "x", 0, 1, 0), GPBO_OK);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    const char *url = dir[0] ? path : storage;
    study_name(name, sizeof name, "fails");
    gpbo_study *s = gpbo_study_open(url, name, sp, &o);
    assert_non_null(s);
    double x = 0.3, v = 1.5;
    gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
    r.values = &v;
    assert_int_equal(gpbo_study_add_trial(s, &x, &r, SIZE_MAX, NULL), GPBO_OK);
    refuse_finish(path, 1);
    x = 0.6;
    int rc = gpbo_study_add_trial(s, &x, &r, SIZE_MAX, NULL);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", gpbo_error_message());
    refuse_finish(path, 0);
    assert_int_equal(rc, GPBO_ESTORAGE);
    assert_non_null(strstr(msg, "no finish"));
    assert_int_equal(gpbo_study_ntrials(s), 1);
    gpbo_study *h = gpbo_study_open(url, name, sp, &o);
    assert_non_null(h);
    assert_int_equal(gpbo_study_ntrials(h), 1);
    gpbo_study_close(h);
    size_t id = 0;
    assert_int_equal(gpbo_study_add_trial(s, &x, &r, SIZE_MAX, &id), GPBO_OK);
    assert_int_equal(id, 1);
    assert_int_equal(gpbo_study_ntrials(s), 2);
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

/* Trial id of s holds the steps 0, 1, 3 with 0.9, 0.4 (the second of two values given for step
 * 1), 0.25 (in any order), and the user attributes note = "warm", k = [1, 2.5]. */
static void check_steps_attrs(const gpbo_study *s, size_t id)
{
    gpbo_trial_info t;
    assert_int_equal(gpbo_study_trial(s, id, &t), GPBO_OK);
    assert_int_equal(t.nsteps, 3);
    const long want_s[3] = {0, 1, 3};
    const double want_v[3] = {0.9, 0.4, 0.25};
    for (size_t w = 0; w < 3; w++) {
        size_t k = 0;
        while (k < t.nsteps && t.steps[k] != want_s[w])
            k++;
        assert_true(k < t.nsteps);
        assert_true(t.step_values[k] == want_v[w]);
    }
    const char *attrs = NULL;
    assert_int_equal(gpbo_study_trial_user_attrs(s, id, &attrs), GPBO_OK);
    assert_non_null(attrs);
    assert_string_equal(attrs, "{\"note\":\"warm\",\"k\":[1,2.5]}");
}

/* Makes the storage refuse (on 1) or accept (on 0) every intermediate value: a trigger. */
static void refuse_steps(const char *path, int on)
{
    if (dir[0]) {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        const char *sql = on ? "CREATE TRIGGER no_steps BEFORE INSERT ON intermediate BEGIN "
                               "SELECT RAISE(ABORT, 'no steps'); END;"
                             : "DROP TRIGGER no_steps;";
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        return;
    }
    PGconn *c = PQconnectdb(storage);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    const char *sql =
        on ? "CREATE FUNCTION gpbo_test_no_steps() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
             "'no steps'; END $$ LANGUAGE plpgsql; CREATE TRIGGER no_steps BEFORE INSERT ON "
             "intermediate FOR EACH ROW EXECUTE FUNCTION gpbo_test_no_steps();"
           : "DROP TRIGGER no_steps ON intermediate; DROP FUNCTION gpbo_test_no_steps();";
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "%s\n", PQerrorMessage(c));
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

/* Version 2 of the result: intermediate values and user attributes come with the trial, in
 * memory and stored (read back by a handle opened afterwards), complete and failed; bad ones
 * are refused and add nothing; a storage that refuses the values stores nothing of the trial
 * (one transaction with the outcome). */
static void test_steps_attrs(void **state)
{
    (void)state;
    gpbo_space *sp = mixed_space();
    const long steps[4] = {0, 1, 3, 1};
    const double sv[4] = {0.9, 0.5, 0.25, 0.4};
    const char *keys[2] = {"note", "k"}, *json[2] = {"\"warm\"", "[1, 2.5]"};
    double p0[4] = {0.003, 17, 1, 0.9}, p1[4] = {0.5, 2, 0, NAN}, v = 0.0123;
    for (int stored = 0; stored < 2; stored++) {
        char name[64];
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.strategy = "random";
        study_name(name, sizeof name, "steps");
        gpbo_study *s = gpbo_study_open(stored ? storage : NULL, name, sp, &o);
        assert_non_null(s);
        gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT, f;
        r.values = &v;
        r.n_steps = 4;
        r.steps = steps;
        r.step_values = sv;
        r.n_user_attrs = 2;
        r.user_attr_keys = keys;
        r.user_attr_values = json;
        f = r;
        f.state = GPBO_TRIAL_FAILED;
        f.values = NULL;
        f.reason = "diverged";
        assert_int_equal(gpbo_study_add_trial(s, p0, &r, SIZE_MAX, NULL), GPBO_OK);
        assert_int_equal(gpbo_study_add_trial(s, p1, &f, SIZE_MAX, NULL), GPBO_OK);
        check_steps_attrs(s, 0);
        check_steps_attrs(s, 1);
        /* refused, nothing added: a negative step, a NaN value, a NULL array, bad JSON */
        long bs[1] = {-1};
        double bv[1] = {NAN};
        const char *bj[1] = {"{not json"};
        gpbo_trial_result bad[4];
        for (int k = 0; k < 4; k++)
            bad[k] = r;
        bad[0].steps = bs, bad[0].n_steps = 1;
        bad[1].step_values = bv, bad[1].n_steps = 1;
        bad[2].step_values = NULL;
        bad[3].user_attr_values = bj, bad[3].n_user_attrs = 1;
        for (int k = 0; k < 4; k++) {
            gpbo_error_clear();
            assert_int_equal(gpbo_study_add_trial(s, p1, &bad[k], SIZE_MAX, NULL), GPBO_EINVAL);
            assert_non_null(strstr(gpbo_error_message(), "study_add_trial"));
        }
        assert_int_equal(gpbo_study_ntrials(s), 2);
        /* a version-1 result carries none (the fields after it are not read) */
        gpbo_trial_result v1 = r;
        v1.version = 1;
        size_t id = 0;
        assert_int_equal(gpbo_study_add_trial(s, p1, &v1, SIZE_MAX, &id), GPBO_OK);
        gpbo_trial_info t;
        const char *attrs = "";
        assert_int_equal(gpbo_study_trial(s, id, &t), GPBO_OK);
        assert_int_equal(gpbo_study_trial_user_attrs(s, id, &attrs), GPBO_OK);
        assert_true(t.nsteps == 0 && attrs == NULL);
        if (stored) {
            gpbo_study *h = gpbo_study_open(storage, name, sp, &o);
            assert_non_null(h);
            assert_int_equal(gpbo_study_ntrials(h), 3);
            check_steps_attrs(h, 0);
            check_steps_attrs(h, 1);
            gpbo_study_close(h);
        }
        gpbo_study_close(s);
    }
    /* the values refused by the storage: the trial is not stored either */
    char path[700], name[64];
    snprintf(path, sizeof path, "%s/nosteps.db", dir);
    const char *url = dir[0] ? path : storage;
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    study_name(name, sizeof name, "nosteps");
    gpbo_study *s = gpbo_study_open(url, name, sp, &o);
    assert_non_null(s);
    gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
    r.values = &v;
    assert_int_equal(gpbo_study_add_trial(s, p0, &r, SIZE_MAX, NULL), GPBO_OK);
    r.n_steps = 4;
    r.steps = steps;
    r.step_values = sv;
    refuse_steps(path, 1);
    int rc = gpbo_study_add_trial(s, p1, &r, SIZE_MAX, NULL);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", gpbo_error_message());
    refuse_steps(path, 0);
    assert_int_equal(rc, GPBO_ESTORAGE);
    assert_non_null(strstr(msg, "no steps"));
    assert_int_equal(gpbo_study_ntrials(s), 1);
    gpbo_study *h = gpbo_study_open(url, name, sp, &o);
    assert_non_null(h);
    assert_int_equal(gpbo_study_ntrials(h), 1);
    gpbo_study_close(h);
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

/* (x - 0.7)^2 + (y - 0.3)^2 on the unit square: its minimum at (0.7, 0.3). */
static double bowl(const double *p)
{
    return (p[0] - 0.7) * (p[0] - 0.7) + (p[1] - 0.3) * (p[1] - 0.3);
}

/* A Bayesian study (initial design of 10) warm-started with a 4 x 4 grid of the bowl: its first
 * model holds the 16 observations, and its first proposal (trial 16, past the design) lands near
 * the minimum, nearer than any added point, for every seed. Without the added trials trial 0 would
 * be a Sobol point, and with fewer than the design's 10 another Sobol point: this proposal comes
 * from a model of them. */
static void test_bayes_warm_start(void **state)
{
    (void)state;
    gpbo_space *sp = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(sp, "x", 0, 1, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(sp, "y", 0, 1, 0), GPBO_OK);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        double nearest = INFINITY; /* the added point nearest to the minimum */
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.strategy = "bayes";
        o.seed = seed;
        gpbo_study *s = gpbo_study_open(NULL, "warm", sp, &o);
        assert_non_null(s);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                double p[2] = {(i + 0.5) / 4 + 0.01 * (double)seed, (j + 0.5) / 4}, v = bowl(p);
                nearest = fmin(nearest, sqrt(v));
                gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
                r.values = &v;
                assert_int_equal(gpbo_study_add_trial(s, p, &r, SIZE_MAX, NULL), GPBO_OK);
            }
        gpbo_gp *gp = NULL;
        gpbo_study_model_info info;
        assert_int_equal(gpbo_study_model(s, &gp, &info), GPBO_OK);
        assert_int_equal(info.n, 16);
        gpbo_gp_free(gp);
        size_t id;
        double p[2];
        assert_int_equal(gpbo_study_ask(s, &id, p), GPBO_OK);
        assert_int_equal(id, 16);
        double d = sqrt(bowl(p));
        printf("seed %u: first proposal (%.3f, %.3f), %.3f from the minimum (the nearest added "
               "point: %.3f)\n",
               (unsigned)seed, p[0], p[1], d, nearest);
        /* nearer than any added point (0.079 to 0.1 away; a uniform point is 0.4 away on
         * average): the model of the added trials, not the points themselves, put it there */
        assert_true(d < nearest);
        gpbo_study_close(s);
    }
    gpbo_space_free(sp);
}

/* A pruned trial is added as gpbo_study_tell_pruned leaves one: state pruned, no value (its
 * values are not read), no reason, its intermediate values and user attributes; one with no
 * intermediate values too. In memory and stored (read back by a handle opened afterwards). */
static void test_pruned(void **state)
{
    (void)state;
    gpbo_space *sp = mixed_space();
    const long steps[4] = {0, 1, 3, 1};
    const double sv[4] = {0.9, 0.5, 0.25, 0.4};
    const char *keys[2] = {"note", "k"}, *json[2] = {"\"warm\"", "[1, 2.5]"};
    double p0[4] = {0.003, 17, 1, 0.9}, p1[4] = {0.5, 2, 0, NAN}, v = 7.25;
    for (int stored = 0; stored < 2; stored++) {
        char name[64];
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.strategy = "random";
        study_name(name, sizeof name, "pruned");
        gpbo_study *s = gpbo_study_open(stored ? storage : NULL, name, sp, &o);
        assert_non_null(s);
        gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT, bare = GPBO_TRIAL_RESULT_INIT;
        r.state = GPBO_TRIAL_PRUNED;
        r.values = &v; /* not read */
        r.reason = "not read either";
        r.n_steps = 4;
        r.steps = steps;
        r.step_values = sv;
        r.n_user_attrs = 2;
        r.user_attr_keys = keys;
        r.user_attr_values = json;
        bare.state = GPBO_TRIAL_PRUNED;
        size_t id = 9;
        assert_int_equal(gpbo_study_add_trial(s, p0, &r, SIZE_MAX, &id), GPBO_OK);
        assert_int_equal(id, 0);
        assert_int_equal(gpbo_study_add_trial(s, p1, &bare, SIZE_MAX, &id), GPBO_OK);
        assert_int_equal(id, 1);
        for (int h = 0; h < 1 + stored; h++) {
            gpbo_study *q = h ? gpbo_study_open(storage, name, sp, &o) : s;
            assert_non_null(q);
            check_steps_attrs(q, 0);
            gpbo_trial_info t;
            assert_int_equal(gpbo_study_trial(q, 0, &t), GPBO_OK);
            assert_int_equal(t.state, GPBO_TRIAL_PRUNED);
            assert_true(isnan(t.value) && t.reason == NULL && t.finished >= t.started);
            assert_true(t.values[0] == 0.003 && t.values[3] == 0.9);
            assert_int_equal(gpbo_study_trial(q, 1, &t), GPBO_OK);
            assert_int_equal(t.state, GPBO_TRIAL_PRUNED);
            assert_true(isnan(t.value) && t.reason == NULL && t.nsteps == 0);
            size_t counts[GPBO_TRIAL_STATE_COUNT];
            gpbo_study_counts(q, counts);
            assert_int_equal(counts[GPBO_TRIAL_PRUNED], 2);
            assert_int_equal(counts[GPBO_TRIAL_RUNNING], 0);
            gpbo_trial_info b;
            assert_int_not_equal(gpbo_study_best(q, &b), GPBO_OK); /* no complete trial */
            if (h)
                gpbo_study_close(q);
        }
        gpbo_study_close(s);
    }
    gpbo_space_free(sp);
}

/* Two Bayesian studies of the same seed and the same 12 complete trials, then one point pruned
 * after the same intermediate values: told pruned in one (enqueued, asked, reported,
 * gpbo_study_tell_pruned), added pruned in the other. Their models hold the same observations
 * (the pruned one among them: 13) and their next proposals are the same point: the strategy
 * takes an added pruned trial as one pruned here. Before, the add was refused. */
static void test_pruned_as_told(void **state)
{
    (void)state;
    gpbo_space *sp = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(sp, "x", 0, 1, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(sp, "y", 0, 1, 0), GPBO_OK);
    const long steps[3] = {0, 2, 5};
    const double sv[3] = {0.61, 0.43, 0.385};
    double pruned_at[2] = {0.137, 0.862};
    for (uint64_t seed = 1; seed <= 3; seed++) {
        gpbo_study *s[2];
        size_t n[2];
        double next[2][2];
        for (int added = 0; added < 2; added++) {
            gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
            o.strategy = "bayes";
            o.seed = seed;
            s[added] = gpbo_study_open(NULL, "as-told", sp, &o);
            assert_non_null(s[added]);
            for (int i = 0; i < 12; i++) {
                double p[2] = {fmod(0.618 * i + 0.1 * (double)seed, 1), fmod(0.382 * i, 1)};
                double v = bowl(p);
                gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
                r.values = &v;
                assert_int_equal(gpbo_study_add_trial(s[added], p, &r, SIZE_MAX, NULL), GPBO_OK);
            }
            size_t id = 0;
            if (added) {
                gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
                r.state = GPBO_TRIAL_PRUNED;
                r.n_steps = 3;
                r.steps = steps;
                r.step_values = sv;
                assert_int_equal(gpbo_study_add_trial(s[added], pruned_at, &r, SIZE_MAX, &id),
                                 GPBO_OK);
            } else {
                double p[2];
                assert_int_equal(gpbo_study_enqueue(s[added], pruned_at, SIZE_MAX, NULL), GPBO_OK);
                assert_int_equal(gpbo_study_ask(s[added], &id, p), GPBO_OK);
                assert_true(p[0] == pruned_at[0] && p[1] == pruned_at[1]);
                assert_int_equal(gpbo_study_report_many(s[added], id, 3, steps, sv), GPBO_OK);
                assert_int_equal(gpbo_study_tell_pruned(s[added], id), GPBO_OK);
            }
            assert_int_equal(id, 12);
            gpbo_gp *gp = NULL;
            gpbo_study_model_info info;
            assert_int_equal(gpbo_study_model(s[added], &gp, &info), GPBO_OK);
            n[added] = info.n;
            gpbo_gp_free(gp);
            assert_int_equal(gpbo_study_ask(s[added], &id, next[added]), GPBO_OK);
            assert_int_equal(id, 13);
        }
        assert_int_equal(n[0], 13);
        assert_int_equal(n[1], n[0]);
        assert_true(next[0][0] == next[1][0] && next[0][1] == next[1][1]);
        gpbo_study_close(s[0]);
        gpbo_study_close(s[1]);
    }
    gpbo_space_free(sp);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        FILE *f = fopen(argv[1], "r");
        if (f == NULL || fgets(storage, sizeof storage, f) == NULL) {
            fprintf(stderr, "%s: cannot read the server's URL\n", argv[1]);
            return 1;
        }
        fclose(f);
        storage[strcspn(storage, "\r\n")] = '\0';
    } else {
        if (gpbo_test_mkdtemp(dir, sizeof dir, "gpbo-add-trial-") != 0)
            return 1;
        snprintf(storage, sizeof storage, "sqlite:///%s/add.db", dir);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_added),
        cmocka_unit_test(test_objectives_constraints),
        cmocka_unit_test(test_finish_refused),
        cmocka_unit_test(test_steps_attrs),
        cmocka_unit_test(test_bayes_warm_start),
        cmocka_unit_test(test_pruned),
        cmocka_unit_test(test_pruned_as_told),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (dir[0])
        gpbo_test_rmtree(dir);
    return rc;
}
