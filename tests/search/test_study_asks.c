/*
 * test_study_asks.c: an ask and its tell look at the study's running trials, not at all of its
 * trials (bench/asks measured the passes over every trial: ~2 ns a trial an ask in memory, and
 * 1.6 ms an ask at 5000 trials of two objectives on SQLite, where random search built each
 * trial's objective row for each of an ask's 16 draws). The work is counted, not timed:
 * gpbo_search__study_looks counts the trial records a handle's asks and tells look at (study.c is
 * compiled in, the function is hidden in the shared library).
 *  - in memory, random search: the looks of 100 asks and tells after 3000 trials;
 *  - on SQLite, Sobol told and asked at once (gpbo_study_tell_ask, `gpbo run`'s call);
 *  - on SQLite, random search of two objectives;
 *  - the running trials as an ask takes them: a closed handle's three trials in the middle of a
 *    stored study are taken by another handle in the order of their ids, their points kept, and
 *    the next ask reserves a new trial; enqueued trials in memory are handed out in id order.
 * Each bound is a constant a trial (the running trials are few), where the pass over all trials
 * made thousands.
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

#include "gpbo/error.h"
#include "gpbo/search.h"
#include "../../search/search_internal.h"
#include "testutil.h"

/* At most this many records looked at per ask and tell: the few running trials and the one
 * being told, with room to spare; a pass over the study looks at all of its thousands. */
#define LOOKS_PER_STEP 8

static gpbo_space *space6(void)
{
    static const char *const CHOICES[3] = {"relu", "tanh", "gelu"};
    gpbo_space *sp = gpbo_space_new();
    assert_non_null(sp);
    assert_int_equal(gpbo_space_add_float(sp, "lr", 1e-5, 1e-1, 1), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(sp, "momentum", 0.0, 0.99, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(sp, "dropout", 0.0, 0.5, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(sp, "width", 16, 512, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_categorical(sp, "act", 3, CHOICES), GPBO_OK);
    return sp;
}

static double objective(const double *v)
{
    return (v[1] - 0.385) * (v[1] - 0.385) + v[2] * 2.17 + log(v[0]) * 0.01;
}

/* A fresh SQLite URL (the file and its sidecars removed) in url, the path in path. */
static void fresh_db(char *url, size_t ucap, char *path, size_t pcap, const char *tag)
{
    snprintf(path, pcap, "/tmp/test_study_asks_%ld_%s.db", (long)getpid(), tag);
    snprintf(url, ucap, "sqlite:///%s", path);
    gpbo_test_remove_db(path);
}

/* Asks and tells (one or two objectives) until s holds n trials. */
static void fill(gpbo_study *s, size_t n, size_t nobj)
{
    double v[8];
    size_t id;
    while (gpbo_study_ntrials(s) < n) {
        assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
        double y[2] = {objective(v), v[1] + v[2]};
        if (nobj == 2)
            assert_int_equal(gpbo_study_tell_values(s, id, 2, y), GPBO_OK);
        else
            assert_int_equal(gpbo_study_tell(s, id, y[0]), GPBO_OK);
    }
}

/* The trials looked at while s, filled to n trials, takes `more` asks and tells (nobj
 * objectives). */
static size_t looks_filling(gpbo_study *s, size_t n, size_t more, size_t nobj)
{
    fill(s, n, nobj);
    size_t before = gpbo_search__study_looks(s);
    fill(s, n + more, nobj);
    return gpbo_search__study_looks(s) - before;
}

static void memory_random(void **state)
{
    (void)state;
    gpbo_space *sp = space6();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.seed = 2385;
    gpbo_study *s = gpbo_study_open(NULL, "asks", sp, &o);
    assert_non_null(s);
    size_t looks = looks_filling(s, 3000, 100, 1);
    printf("in memory, random: %zu looks in 100 asks and tells at 3000 trials\n", looks);
    assert_true(looks <= 100 * LOOKS_PER_STEP);
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

static void sqlite_sobol_tell_ask(void **state)
{
    (void)state;
    char url[700], path[600];
    fresh_db(url, sizeof url, path, sizeof path, "sobol");
    gpbo_space *sp = space6();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "sobol";
    o.seed = 7;
    gpbo_study *s = gpbo_study_open(url, "asks", sp, &o);
    assert_non_null(s);
    double v[8];
    size_t id, before = 0;
    assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
    for (size_t k = 0; k < 1550; k++) {
        if (k == 1500)
            before = gpbo_search__study_looks(s);
        int ask_rc = -1;
        assert_int_equal(gpbo_study_tell_ask(s, id, objective(v), SIZE_MAX, &id, v, &ask_rc),
                         GPBO_OK);
        assert_int_equal(ask_rc, GPBO_OK);
    }
    size_t looks = gpbo_search__study_looks(s) - before;
    printf("SQLite, Sobol, tell_ask: %zu looks in 50 steps at 1500 trials\n", looks);
    assert_true(looks <= 50 * LOOKS_PER_STEP);
    gpbo_study_close(s);
    gpbo_space_free(sp);
    gpbo_test_remove_db(path);
}

static void sqlite_random_two_objectives(void **state)
{
    (void)state;
    char url[700], path[600];
    fresh_db(url, sizeof url, path, sizeof path, "mo");
    gpbo_space *sp = space6();
    static const char *const NAMES[2] = {"loss", "cost"};
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.seed = 11;
    o.n_objectives = 2;
    o.objective_names = NAMES;
    gpbo_study *s = gpbo_study_open(url, "asks", sp, &o);
    assert_non_null(s);
    size_t looks = looks_filling(s, 1000, 20, 2);
    printf("SQLite, random, 2 objectives: %zu looks in 20 asks and tells at 1000 trials\n", looks);
    assert_true(looks <= 20 * LOOKS_PER_STEP);
    gpbo_study_close(s);
    gpbo_space_free(sp);
    gpbo_test_remove_db(path);
}

/* A handle closed with three trials running hands them back; another handle's asks take them in
 * the order of their ids with their points, then reserve a new trial. */
static void released_taken_in_order(void **state)
{
    (void)state;
    char url[700], path[600];
    fresh_db(url, sizeof url, path, sizeof path, "released");
    gpbo_space *sp = space6();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.seed = 3;
    gpbo_study *a = gpbo_study_open(url, "asks", sp, &o);
    gpbo_study *b = gpbo_study_open(url, "asks", sp, &o);
    assert_non_null(a);
    assert_non_null(b);
    fill(a, 400, 1);
    size_t ids[3];
    double va[3][8];
    for (int k = 0; k < 3; k++)
        assert_int_equal(gpbo_study_ask(a, &ids[k], va[k]), GPBO_OK);
    fill(b, 800, 1); /* b's trials after a's running ones */
    gpbo_study_close(a);
    size_t before = gpbo_search__study_looks(b);
    for (int k = 0; k < 3; k++) {
        size_t id;
        double v[8];
        assert_int_equal(gpbo_study_ask(b, &id, v), GPBO_OK);
        assert_int_equal(id, ids[k]);
        assert_memory_equal(v, va[k], gpbo_space_size(sp) * sizeof *v);
        assert_int_equal(gpbo_study_tell(b, id, objective(v)), GPBO_OK);
    }
    size_t id;
    double v[8];
    assert_int_equal(gpbo_study_ask(b, &id, v), GPBO_OK);
    assert_int_equal(id, 800);
    assert_int_equal(gpbo_study_tell(b, id, objective(v)), GPBO_OK);
    assert_true(gpbo_search__study_looks(b) - before <= 4 * LOOKS_PER_STEP);
    size_t counts[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(b, counts);
    assert_int_equal(counts[GPBO_TRIAL_COMPLETE], 801);
    assert_int_equal(counts[GPBO_TRIAL_RUNNING], 0);
    gpbo_study_close(b);
    gpbo_space_free(sp);
    gpbo_test_remove_db(path);
}

/* Points enqueued between finished trials of an in-memory study are handed out first, in the
 * order of their ids, with their values. */
static void enqueued_in_order_memory(void **state)
{
    (void)state;
    gpbo_space *sp = space6();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.seed = 5;
    gpbo_study *s = gpbo_study_open(NULL, "asks", sp, &o);
    assert_non_null(s);
    fill(s, 500, 1);
    double q[2][5] = {{1e-3, 0.5, 0.25, 64, 1}, {2.385e-2, 0.9, 0.1, 300, 2}};
    size_t qid[2];
    assert_int_equal(gpbo_study_enqueue(s, q[0], SIZE_MAX, &qid[0]), GPBO_OK);
    fill(s, 600, 1); /* the queued trial is taken by the first of these asks */
    assert_int_equal(gpbo_study_enqueue(s, q[1], SIZE_MAX, &qid[1]), GPBO_OK);
    size_t id;
    double v[8];
    assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
    assert_int_equal(id, qid[1]);
    assert_memory_equal(v, q[1], sizeof q[1]);
    assert_int_equal(gpbo_study_tell(s, id, objective(v)), GPBO_OK);
    gpbo_trial_info info;
    assert_int_equal(gpbo_study_trial(s, qid[0], &info), GPBO_OK);
    assert_int_equal(info.state, GPBO_TRIAL_COMPLETE);
    assert_memory_equal(info.values, q[0], sizeof q[0]);
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memory_random),
        cmocka_unit_test(sqlite_sobol_tell_ask),
        cmocka_unit_test(sqlite_random_two_objectives),
        cmocka_unit_test(released_taken_in_order),
        cmocka_unit_test(enqueued_in_order_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
