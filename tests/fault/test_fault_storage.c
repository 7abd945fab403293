/*
 * test_fault_storage.c: storage failures in the middle of a study on an SQLite file. Every
 * failing ask, tell or report returns GPBO_ESTORAGE with SQLite's words, the study's own view
 * does not change, no trial told before the failure is lost (a fresh handle on the file finds
 * each complete, with its value), and once the storage works again the study goes on where it
 * was.
 *
 * How the failures are provoked, on the study's own connection: sqlite3_auto_extension() (a
 * public SQLite interface, process-wide) hands the test every connection opened after it is
 * registered, so the test reaches the study's connection without any hook in gpbo. Then
 *  - a full database: PRAGMA max_page_count set to the file's current page count (SQLite's
 *    SQLITE_FULL, "database or disk is full", once a write needs a new page);
 *  - a read-only database mid-study: PRAGMA query_only (SQLITE_READONLY on every write);
 *  - a read-only file: the study opened by an unprivileged child process on a file it may
 *    only read (chmod 0444; the tests run as root, whom permissions do not stop, so the child
 *    drops to uid 65534 first).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fault.h"
#include "gpbo/search.h"
#include "testutil.h"

#define MAX_TRIALS 3000

static sqlite3 *last_db; /* the connection opened last in this process */
static int full_next;    /* the next connection opened may add no page to the file */

static void pragma(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* No page beyond those the file has now, on db's connection. */
static void no_more_pages(sqlite3 *db)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int pages = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", pages);
    pragma(db, sql);
}

static int capture(sqlite3 *db, const char **err, const struct sqlite3_api_routines *api)
{
    (void)err;
    (void)api;
    last_db = db;
    if (full_next) {
        full_next = 0;
        no_more_pages(db);
    }
    return SQLITE_OK;
}

static gpbo_space *make_space(void)
{
    gpbo_space *sp = gpbo_space_new();
    assert_non_null(sp);
    assert_int_equal(gpbo_space_add_float(sp, "x", -2.0, 3.5, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(sp, "lr", 1e-4, 0.3, 1), GPBO_OK);
    return sp;
}

/* What the test knows was told: value per trial id (NaN: not told). */
typedef struct told {
    double value[MAX_TRIALS];
    size_t n; /* trials asked */
} told_t;

static gpbo_study *open_study(const char *path, sqlite3 **out_db)
{
    gpbo_space *sp = make_space();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.seed = 2385;
    last_db = NULL;
    gpbo_study *s = gpbo_study_open(path, "storage", sp, &o);
    gpbo_space_free(sp);
    assert_non_null(s);
    assert_non_null(last_db);
    *out_db = last_db;
    return s;
}

static double value_of(size_t id)
{
    return 0.2385 + 0.001 * (double)id;
}

/* Every trial told is in the file, complete, with its value; the others are running. */
static void check_file(const char *path, const told_t *t)
{
    last_db = NULL;
    gpbo_study *r = gpbo_study_open(path, "storage", NULL, NULL);
    assert_non_null(r);
    assert_int_equal(gpbo_study_ntrials(r), t->n);
    for (size_t id = 0; id < t->n; id++) {
        gpbo_trial_info info;
        assert_int_equal(gpbo_study_trial(r, id, &info), GPBO_OK);
        if (isnan(t->value[id])) {
            assert_int_equal(info.state, GPBO_TRIAL_RUNNING);
        } else {
            assert_int_equal(info.state, GPBO_TRIAL_COMPLETE);
            assert_true(info.value == t->value[id]);
        }
    }
    gpbo_study_close(r);
}

/* The study's own view agrees with what was told. */
static void check_view(const gpbo_study *s, const told_t *t)
{
    assert_int_equal(gpbo_study_ntrials(s), t->n);
    for (size_t id = 0; id < t->n; id++) {
        gpbo_trial_info info;
        assert_int_equal(gpbo_study_trial(s, id, &info), GPBO_OK);
        assert_int_equal(info.state,
                         isnan(t->value[id]) ? GPBO_TRIAL_RUNNING : GPBO_TRIAL_COMPLETE);
    }
}

static void expect_storage_error(int rc, const char *words)
{
    assert_int_equal(rc, GPBO_ESTORAGE);
    if (strstr(gpbo_error_message(), words) == NULL)
        fail_msg("expected \"%s\" in: %s", words, gpbo_error_message());
}

/* Starts t with nothing told, then asks and tells the study's first n trials. */
static void tell_first(gpbo_study *s, told_t *t, int n)
{
    for (size_t i = 0; i < MAX_TRIALS; i++)
        t->value[i] = NAN;
    double v[2];
    size_t id;
    for (int i = 0; i < n; i++) {
        assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
        t->n++;
        assert_int_equal(gpbo_study_tell(s, id, value_of(id)), GPBO_OK);
        t->value[id] = value_of(id);
    }
}

static void test_full_database(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/full.db", fault_tmpdir());
    sqlite3 *db;
    gpbo_study *s = open_study(path, &db);
    static told_t t;
    tell_first(s, &t, 4);
    double v[2];
    size_t id;
    no_more_pages(db);

    /* ask and tell until the file is full */
    int rc = GPBO_OK, failed_in_tell = 0;
    size_t pending = SIZE_MAX;
    while (t.n < MAX_TRIALS - 10) {
        rc = gpbo_study_ask(s, &id, v);
        if (rc != GPBO_OK)
            break;
        assert_int_equal(id, t.n);
        t.n++;
        rc = gpbo_study_tell(s, id, value_of(id));
        if (rc != GPBO_OK) {
            failed_in_tell = 1;
            pending = id;
            break;
        }
        t.value[id] = value_of(id);
    }
    printf("storage: the file was full after %zu trials, in %s\n", t.n,
           failed_in_tell ? "a tell" : "an ask");
    expect_storage_error(rc, "full");
    check_view(s, &t);
    /* a second try fails the same way and changes nothing */
    if (failed_in_tell)
        expect_storage_error(gpbo_study_tell(s, pending, value_of(pending)), "full");
    else
        expect_storage_error(gpbo_study_ask(s, &id, v), "full");
    check_view(s, &t);
    check_file(path, &t);

    /* Room again: the study goes on where it was. */
    pragma(db, "PRAGMA max_page_count = 1073741823");
    if (failed_in_tell) {
        assert_int_equal(gpbo_study_tell(s, pending, value_of(pending)), GPBO_OK);
        t.value[pending] = value_of(pending);
    }
    assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
    assert_int_equal(id, t.n);
    assert_true(v[0] >= -2.0 && v[0] <= 3.5 && v[1] >= 1e-4 && v[1] <= 0.3);
    t.n++;
    assert_int_equal(gpbo_study_tell(s, id, value_of(id)), GPBO_OK);
    t.value[id] = value_of(id);
    gpbo_study_close(s);
    check_file(path, &t);
}

/* gpbo_study_delete on a file that is full (its first write, the table of deleted ids, needs a
 * page): it fails with SQLite's words and every trial stays; once there is room it goes whole. */
static void test_delete_on_full_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/delete-full.db", fault_tmpdir());
    sqlite3 *db;
    gpbo_study *s = open_study(path, &db);
    static told_t t;
    tell_first(s, &t, 6);
    gpbo_study_close(s);
    full_next = 1;
    size_t n = 7;
    expect_storage_error(gpbo_study_delete(path, "storage", &n), "full");
    assert_int_equal(full_next, 0); /* the delete's own connection was the full one */
    assert_int_equal(n, 0);
    check_file(path, &t);
    assert_int_equal(gpbo_study_delete(path, "storage", &n), GPBO_OK);
    assert_int_equal(n, 6);
    assert_int_equal(gpbo_study_open(path, "storage", NULL, NULL), NULL);
    assert_int_equal(gpbo_error_code(), GPBO_ENOTFOUND);
}

static void test_read_only_mid_study(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/readonly.db", fault_tmpdir());
    sqlite3 *db;
    gpbo_study *s = open_study(path, &db);
    static told_t t;
    tell_first(s, &t, 5);
    double v[2], v_again[2];
    size_t id, running;
    assert_int_equal(gpbo_study_ask(s, &running, v), GPBO_OK);
    t.n++;

    pragma(db, "PRAGMA query_only = 1");
    expect_storage_error(gpbo_study_tell(s, running, 0.5), "readonly");
    expect_storage_error(gpbo_study_report(s, running, 3, 0.7), "readonly");
    expect_storage_error(gpbo_study_ask(s, &id, v), "readonly");
    check_view(s, &t);
    gpbo_trial_info info;
    assert_int_equal(gpbo_study_trial(s, running, &info), GPBO_OK);
    assert_int_equal(info.nsteps, 0);
    check_file(path, &t);

    /* Writable again: the failed ask's trial is the one asked now (same number, same point
     * as an uninterrupted study: a fresh study with the same seed asks it too). */
    pragma(db, "PRAGMA query_only = 0");
    assert_int_equal(gpbo_study_ask(s, &id, v_again), GPBO_OK);
    assert_int_equal(id, t.n);
    t.n++;
    assert_int_equal(gpbo_study_tell(s, running, 0.5), GPBO_OK);
    t.value[running] = 0.5;
    assert_int_equal(gpbo_study_tell(s, id, value_of(id)), GPBO_OK);
    t.value[id] = value_of(id);
    gpbo_study_close(s);
    check_file(path, &t);

    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.seed = 2385;
    gpbo_space *sp = make_space();
    gpbo_study *ref = gpbo_study_open(NULL, "ref", sp, &o);
    gpbo_space_free(sp);
    assert_non_null(ref);
    double w[2];
    for (size_t i = 0; i <= id; i++) {
        size_t rid;
        assert_int_equal(gpbo_study_ask(ref, &rid, w), GPBO_OK);
        assert_int_equal(gpbo_study_tell(ref, rid, 1.0), GPBO_OK);
    }
    assert_memory_equal(w, v_again, sizeof w);
    gpbo_study_close(ref);
}

static void test_read_only_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/ro-file.db", fault_tmpdir());
    sqlite3 *db;
    gpbo_study *s = open_study(path, &db);
    static told_t t;
    tell_first(s, &t, 3);
    gpbo_study_close(s); /* the WAL is checkpointed into the file and removed */
    assert_int_equal(chmod(fault_tmpdir(), 0755), 0);
    assert_int_equal(chmod(path, 0444), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Read-only to this user (and its folder too): the study opens and reads (gpbo best,
         * trials, export and report are readers; they failed here with "attempt to write a
         * readonly database" until the open stopped writing), and the first write fails with
         * ESTORAGE naming the file and why. Exit codes: 0 as expected, 1 not opened, 2 a wrong
         * count, code or message, 3 no setuid. */
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(3);
        gpbo_study *c = gpbo_study_open(path, "storage", NULL, NULL);
        if (c == NULL) {
            fprintf(stderr, "storage: a read-only file as uid 65534: %s\n", gpbo_error_message());
            _exit(1);
        }
        size_t n = gpbo_study_ntrials(c), id = 0;
        double v[8];
        int rc = gpbo_study_ask(c, &id, v);
        int ok = n == 3 && rc == GPBO_ESTORAGE && strstr(gpbo_error_message(), path) &&
                 strstr(gpbo_error_message(), "may not write");
        fprintf(stderr, "storage: a read-only file as uid 65534: %zu trials read; an ask: %s\n", n,
                gpbo_error_message());
        gpbo_study_close(c);
        _exit(ok ? 0 : 2);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 3)
        skip(); /* no way to drop root here: permissions would not stop the test */
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(chmod(path, 0644), 0);
    check_file(path, &t);
}

int main(void)
{
    assert_int_equal(sqlite3_auto_extension((void (*)(void))capture), SQLITE_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_database),
        cmocka_unit_test(test_delete_on_full_file),
        cmocka_unit_test(test_read_only_mid_study),
        cmocka_unit_test(test_read_only_file),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sqlite3_reset_auto_extension();
    gpbo_test_rmtree(fault_tmpdir());
    return rc;
}
