/*
 * test_report_many.c: intermediate values stored a batch per transaction
 * (gpbo_study_report_many) — a repeated step keeps its last value, the batch reads back from
 * the SQLite file after a reopen, a bad entry anywhere stores nothing, a failing storage rolls
 * the whole batch back, and the other error paths.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "gpbo/error.h"
#include "gpbo/search.h"
#include "testutil.h"

static char dir[512];

static int setup(void **state)
{
    (void)state;
    return gpbo_test_mkdtemp(dir, sizeof dir, "gpbo-report-many");
}

static int teardown(void **state)
{
    (void)state;
    return gpbo_test_rmtree(dir);
}

static gpbo_study *open_study(const char *file, gpbo_space **sp)
{
    char path[700];
    snprintf(path, sizeof path, "sqlite:///%s/%s", dir, file);
    *sp = gpbo_space_new();
    gpbo_space_add_float(*sp, "x", 0.0, 1.0, 0);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *st = gpbo_study_open(path, "batch", *sp, &o);
    assert_non_null(st);
    return st;
}

static void test_batch_round_trip(void **state)
{
    (void)state;
    gpbo_space *sp;
    gpbo_study *st = open_study("round.db", &sp);
    size_t id;
    double x;
    assert_int_equal(gpbo_study_ask(st, &id, &x), GPBO_OK);
    long steps[] = {1, 2, 2, 5};
    double vals[] = {0.875, 0.5, 0.4375, 0.25};
    assert_int_equal(gpbo_study_report_many(st, id, 4, steps, vals), GPBO_OK);
    assert_int_equal(gpbo_study_report_many(st, id, 0, NULL, NULL), GPBO_OK);
    long more[] = {5, 7};
    double mv[] = {0.1875, 0.125};
    assert_int_equal(gpbo_study_report_many(st, id, 2, more, mv), GPBO_OK);
    gpbo_trial_info t;
    assert_int_equal(gpbo_study_trial(st, id, &t), GPBO_OK);
    assert_int_equal(t.nsteps, 4);
    assert_int_equal(t.steps[1], 2);
    assert_true(t.step_values[1] == 0.4375); /* the step's last value */
    assert_true(t.step_values[2] == 0.1875); /* replaced by the second batch */
    assert_int_equal(t.steps[3], 7);
    assert_int_equal(gpbo_study_tell(st, id, 0.125), GPBO_OK);
    gpbo_study_close(st);
    /* the same from the file */
    gpbo_space_free(sp);
    st = open_study("round.db", &sp);
    assert_int_equal(gpbo_study_trial(st, id, &t), GPBO_OK);
    assert_int_equal(t.nsteps, 4);
    long want_s[] = {1, 2, 5, 7};
    double want_v[] = {0.875, 0.4375, 0.1875, 0.125};
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(t.steps[k], want_s[k]);
        assert_true(t.step_values[k] == want_v[k]);
    }
    gpbo_study_close(st);
    gpbo_space_free(sp);
}

static void test_batch_errors_store_nothing(void **state)
{
    (void)state;
    gpbo_space *sp;
    gpbo_study *st = open_study("errors.db", &sp);
    size_t id;
    double x;
    assert_int_equal(gpbo_study_ask(st, &id, &x), GPBO_OK);
    long steps[] = {1, 2, 3};
    double bad_v[] = {0.5, 0.25, NAN};
    assert_int_equal(gpbo_study_report_many(st, id, 3, steps, bad_v), GPBO_EINVAL);
    long bad_s[] = {1, -2, 3};
    double vals[] = {0.5, 0.25, 0.125};
    assert_int_equal(gpbo_study_report_many(st, id, 3, bad_s, vals), GPBO_EINVAL);
    assert_int_equal(gpbo_study_report_many(st, id, 3, NULL, vals), GPBO_EINVAL);
    assert_int_equal(gpbo_study_report_many(st, id, 3, steps, NULL), GPBO_EINVAL);
    assert_int_equal(gpbo_study_report_many(st, id + 9, 3, steps, vals), GPBO_ENOTFOUND);
    gpbo_trial_info t;
    assert_int_equal(gpbo_study_trial(st, id, &t), GPBO_OK);
    assert_int_equal(t.nsteps, 0);
    /* the storage fails half way (its table is gone): the batch is rolled back, and the study
     * in memory holds nothing of it either */
    char path[700];
    snprintf(path, sizeof path, "%s/errors.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE keep AS SELECT * FROM intermediate;"
                                  "DROP TABLE intermediate;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(gpbo_study_report_many(st, id, 3, steps, vals), GPBO_ESTORAGE);
    assert_int_equal(gpbo_study_trial(st, id, &t), GPBO_OK);
    assert_int_equal(t.nsteps, 0);
    assert_int_equal(sqlite3_exec(db, "ALTER TABLE keep RENAME TO intermediate;", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(gpbo_study_report_many(st, id, 3, steps, vals), GPBO_OK);
    assert_int_equal(gpbo_study_tell(st, id, 0.125), GPBO_OK);
    /* a told trial takes no more values */
    assert_int_equal(gpbo_study_report_many(st, id, 3, steps, vals), GPBO_ESTATE);
    gpbo_study_close(st);
    gpbo_space_free(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_round_trip),
        cmocka_unit_test(test_batch_errors_store_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
