/*
 * test_storage.c: the storage interface's contract (search_internal.h), run against both
 * backends: the SQLite file and a throwaway PostgreSQL server (scripts/pg-scratch, started by
 * the CTest fixture; its URL is in $GPBO_BINARY_DIR/pg-test/url). The backends' sources are
 * compiled into this executable, since their functions are hidden in the shared library.
 * Cases: finding and creating studies, reservation (in order, up to the cap, from 8 processes
 * at once), compare-and-set claims, a trial finished only once, heartbeats, reports (upsert,
 * all or none), loading by id, doubles bit for bit, parameters set later. Then PostgreSQL's
 * failures: bad URLs, a missing database, a server that is down, restarted, or drops the
 * connection just before or just after a COMMIT (a proxy between client and server cuts it),
 * schema creation by many workers at once, a migration from version 1 and a newer schema.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "gpbo/error.h"
#include "../../search/search_internal.h"
#include "testutil.h"

/* ---- the two backends -------------------------------------------------------------------- */

typedef struct backend {
    const char *name;
    char url[600]; /* SQLite: the file; PostgreSQL: the URL */
} backend;

static backend SQLITE = {"sqlite", ""}, PG = {"postgresql", ""};
static char scratch[512];

static gpbo_storage *try_open(const backend *b)
{
    return b == &SQLITE ? gpbo_search__sqlite_open(b->url) : gpbo_search__pg_open(b->url);
}

static gpbo_storage *open_store(const backend *b)
{
    gpbo_storage *st = try_open(b);
    if (st == NULL)
        fail_msg("%s: %s", b->url, gpbo_error_message());
    return st;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Runs sql on the backend's store directly (outside the storage interface). */
static void admin(const backend *b, const char *sql)
{
    if (b == &SQLITE) {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(b->url, &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 30000);
        char *msg = NULL;
        int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
        if (rc != SQLITE_OK)
            fail_msg("%s: %s", sql, msg);
        sqlite3_close(db);
    } else {
        PGconn *c = PQconnectdb(b->url);
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PQsetNoticeProcessor(c, quiet, NULL);
        PGresult *r = PQexec(c, sql);
        int st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            fail_msg("%s: %s", sql, PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
    }
}

static int setup_all(void **state)
{
    (void)state;
    if (gpbo_test_mkdtemp(scratch, sizeof scratch, "storage") != 0)
        return -1;
    snprintf(SQLITE.url, sizeof SQLITE.url, "%s/study.db", scratch);
    const char *bin = getenv("GPBO_BINARY_DIR");
    char path[600];
    snprintf(path, sizeof path, "%s/pg-test/url", bin ? bin : ".");
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(PG.url, sizeof PG.url, f) == NULL) {
        /* the fixture (pg_scratch_start) must have run: a missing server is a failure */
        fprintf(stderr, "test_storage: no PostgreSQL URL in %s (did pg_scratch_start run?)\n",
                path);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    PG.url[strcspn(PG.url, "\n")] = '\0';
    /* a short retry budget keeps the "server down" cases short */
    setenv("GPBO_PG_RETRY_SECONDS", "1.5", 1);
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    return gpbo_test_rmtree(scratch);
}

/* ---- helpers ----------------------------------------------------------------------------- */

static const char *SPACE = "{\"params\":[]}", *OPTS = "{\"strategy\":\"random\"}";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int64_t new_study(gpbo_storage *st, const char *name)
{
    char *sp = (char *)SPACE, *op = (char *)OPTS;
    int64_t id = -1;
    assert_int_equal(st->ops->open_study(st, name, &sp, &op, &id), GPBO_OK);
    assert_string_equal(sp, SPACE);
    assert_string_equal(op, OPTS);
    free(sp);
    free(op);
    return id;
}

static gpbo_trial_rec rec(gpbo_trial_state state, const double *values, double started,
                          const char *worker, double hb)
{
    gpbo_trial_rec r = {0};
    r.state = state;
    r.values = (double *)values;
    r.value = NAN;
    r.started = started;
    r.worker = (char *)worker;
    r.heartbeat = hb;
    return r;
}

static size_t reserve(gpbo_storage *st, int64_t study, const char *worker, double hb,
                      const double *values, size_t nparams)
{
    gpbo_trial_rec r = rec(GPBO_TRIAL_RUNNING, values, now_s(), worker, hb);
    size_t id = (size_t)-1;
    int rc = st->ops->reserve(st, study, &r, nparams, 0, 1000000, &id);
    if (rc != GPBO_OK)
        fail_msg("reserve: %s", gpbo_error_message());
    return id;
}

/* A deep copy of what load() hands out. */
typedef struct loaded {
    size_t n, nparams;
    gpbo_trial_rec r[512];
} loaded;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int collect(void *payload, const gpbo_trial_rec *r)
{
    loaded *l = payload;
    assert_true(l->n < 512);
    gpbo_trial_rec *c = &l->r[l->n++];
    *c = *r;
    c->reason = dup_or_null(r->reason);
    c->worker = dup_or_null(r->worker);
    c->values = NULL;
    if (r->values) {
        c->values = malloc((l->nparams + 1) * sizeof(double));
        memcpy(c->values, r->values, l->nparams * sizeof(double));
    }
    c->steps = malloc((r->nsteps + 1) * sizeof(long));
    c->step_values = malloc((r->nsteps + 1) * sizeof(double));
    if (r->nsteps) {
        memcpy(c->steps, r->steps, r->nsteps * sizeof(long));
        memcpy(c->step_values, r->step_values, r->nsteps * sizeof(double));
    }
    return GPBO_OK;
}

static void release(loaded *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->r[i].reason);
        free(l->r[i].worker);
        free(l->r[i].values);
        free(l->r[i].steps);
        free(l->r[i].step_values);
    }
    free(l);
}

/* Loads trials >= from plus ids. */
static loaded *load(gpbo_storage *st, int64_t study, size_t nparams, size_t from, const size_t *ids,
                    size_t nids)
{
    loaded *l = calloc(1, sizeof *l);
    l->nparams = nparams;
    int rc = st->ops->load(st, study, nparams, from, ids, nids, collect, l);
    if (rc != GPBO_OK)
        fail_msg("load: %s", gpbo_error_message());
    return l;
}

static loaded *load_all(gpbo_storage *st, int64_t study, size_t nparams)
{
    return load(st, study, nparams, 0, NULL, 0);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void assert_one_line(const char *msg)
{
    assert_non_null(msg);
    assert_true(strlen(msg) > 0);
    assert_null(strchr(msg, '\n'));
    assert_null(strchr(msg, '\t'));
}

static void check_backend(void **state, const backend **b)
{
    *b = *state;
}

/* ---- the contract, on both backends ------------------------------------------------------ */

static void test_open_study(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    assert_non_null(st);
    int64_t id = new_study(st, "open-study");
    /* found again: what is stored comes back, not what the caller offers */
    char *sp = strdup("{\"other\":1}"), *op = strdup("{}"), *sp0 = sp, *op0 = op;
    int64_t again = -1;
    assert_int_equal(st->ops->open_study(st, "open-study", &sp, &op, &again), GPBO_OK);
    assert_int_equal(again, id);
    assert_string_equal(sp, SPACE);
    assert_string_equal(op, OPTS);
    free(sp);
    free(op);
    free(sp0);
    free(op0);
    /* find only */
    sp = NULL;
    op = NULL;
    assert_int_equal(st->ops->open_study(st, "open-study", &sp, &op, &again), GPBO_OK);
    assert_int_equal(again, id);
    assert_string_equal(sp, SPACE);
    free(sp);
    free(op);
    sp = NULL;
    op = NULL;
    assert_int_equal(st->ops->open_study(st, "no-such-study", &sp, &op, &again), GPBO_ENOTFOUND);
    assert_null(sp);
    /* another study gets another id; a second handle sees both */
    int64_t other = new_study(st, "open-study-2");
    assert_true(other != id);
    gpbo_storage *st2 = open_store(b);
    assert_non_null(st2);
    sp = NULL;
    op = NULL;
    assert_int_equal(st2->ops->open_study(st2, "open-study-2", &sp, &op, &again), GPBO_OK);
    assert_int_equal(again, other);
    free(sp);
    free(op);
    st2->ops->close(st2);
    st->ops->close(st);
}

static void test_reserve_in_order(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "reserve-order");
    double x[2] = {0.25, 0.75};
    for (size_t i = 0; i < 3; i++) {
        gpbo_trial_rec r = rec(GPBO_TRIAL_RUNNING, i == 1 ? x : NULL, 1000.5 + (double)i, "w",
                               2000.25 + (double)i);
        size_t id = 99;
        assert_int_equal(st->ops->reserve(st, study, &r, 2, 0, 3, &id), GPBO_OK);
        assert_int_equal(id, i);
    }
    gpbo_trial_rec r = rec(GPBO_TRIAL_RUNNING, NULL, 1.0, "w", 1.0);
    size_t id = 99;
    assert_int_equal(st->ops->reserve(st, study, &r, 2, 0, 3, &id), GPBO_EEXHAUSTED);
    assert_int_equal(id, 99);
    assert_int_equal(st->ops->reserve(st, study, &r, 2, 0, 2, &id), GPBO_EEXHAUSTED);
    loaded *l = load_all(st, study, 2);
    assert_int_equal(l->n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(l->r[i].id, i);
        assert_int_equal(l->r[i].state, GPBO_TRIAL_RUNNING);
        assert_true(isnan(l->r[i].value));
        assert_string_equal(l->r[i].worker, "w");
        assert_true(l->r[i].started == 1000.5 + (double)i);
        assert_true(l->r[i].heartbeat == 2000.25 + (double)i);
        assert_int_equal(l->r[i].retries, 0);
        assert_int_equal(l->r[i].nsteps, 0);
    }
    assert_null(l->r[0].values);
    assert_non_null(l->r[1].values);
    assert_true(l->r[1].values[0] == 0.25 && l->r[1].values[1] == 0.75);
    assert_null(l->r[2].values);
    release(l);
    /* a cap of 0 holds too */
    int64_t empty = new_study(st, "reserve-cap-0");
    assert_int_equal(st->ops->reserve(st, empty, &r, 2, 0, 0, &id), GPBO_EEXHAUSTED);
    st->ops->close(st);
}

/* Points drawn ahead for ids rec->id, rec->id + 1, ...: the trial gets the one for its id, and
 * none (not yet proposed) when its id is before or past them; each point bit for bit. */
static void test_reserve_ahead(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "reserve-ahead");
    /* point i of the window is {i + 1/3, -(i + 0.1)} */
    double pts[4 * 2];
    for (size_t i = 0; i < 4; i++) {
        pts[2 * i] = (double)i + 1.0 / 3.0;
        pts[2 * i + 1] = -((double)i + 0.1);
    }
    /* reservation k gets id k against windows from expect[k]: id 0 the first point, id 1 the
     * second of a window from 0, id 2 none (its window starts at 5), id 3 none (past a window
     * of 1 from 0), id 4 the fourth of a window from 1 */
    const size_t expect[] = {0, 0, 5, 0, 1};
    const size_t nahead[] = {4, 4, 4, 1, 4};
    const int want[] = {0, 1, -1, -1, 3}; /* the point stored, -1: none */
    double t0 = now_s();
    for (size_t k = 0; k < 5; k++) {
        gpbo_trial_rec r = rec(GPBO_TRIAL_RUNNING, pts, t0 + (double)k, "w", 1.0);
        r.id = expect[k];
        size_t id = 99;
        assert_int_equal(st->ops->reserve(st, study, &r, 2, nahead[k], 10, &id), GPBO_OK);
        assert_int_equal(id, k);
    }
    loaded *l = load_all(st, study, 2);
    assert_int_equal(l->n, 5);
    for (size_t k = 0; k < 5; k++) {
        if (want[k] < 0) {
            assert_null(l->r[k].values);
            continue;
        }
        assert_non_null(l->r[k].values);
        assert_true(same_bits(l->r[k].values[0], pts[2 * want[k]]));
        assert_true(same_bits(l->r[k].values[1], pts[2 * want[k] + 1]));
    }
    release(l);
    /* a study that is not there: refused (PostgreSQL: GPBO_ENOTFOUND, the statements after
     * the lock in its pipeline aborted and rolled back), and the connection goes on working */
    gpbo_trial_rec r = rec(GPBO_TRIAL_RUNNING, pts, t0 + 10.0, "w", 1.0);
    size_t id = 99;
    int rc = st->ops->reserve(st, study + 1000, &r, 2, 0, 10, &id);
    assert_int_not_equal(rc, GPBO_OK);
    if (b == &PG)
        assert_int_equal(rc, GPBO_ENOTFOUND);
    assert_int_equal(id, 99);
    assert_int_equal(st->ops->reserve(st, study, &r, 2, 0, 10, &id), GPBO_OK);
    assert_int_equal(id, 5);
    st->ops->close(st);
}

/* 8 processes, each with its own connection opened after the fork, reserve until the cap of
 * 200: every id from 0 to 199 exactly once. */
static void test_reserve_concurrent(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "reserve-many");
    st->ops->close(st); /* no connection crosses the fork */
    enum { KIDS = 8, CAP = 200 };
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid[KIDS];
    for (int k = 0; k < KIDS; k++) {
        pid[k] = fork();
        assert_true(pid[k] >= 0);
        if (pid[k] == 0) {
            close(fds[0]);
            gpbo_storage *c = try_open(b);
            if (c == NULL) {
                fprintf(stderr, "child %d: %s\n", k, gpbo_error_message());
                _exit(10);
            }
            char w[32];
            snprintf(w, sizeof w, "child-%d", k);
            for (;;) {
                gpbo_trial_rec r = rec(GPBO_TRIAL_RUNNING, NULL, now_s(), w, now_s());
                size_t id;
                int rc = c->ops->reserve(c, study, &r, 1, 0, CAP, &id);
                if (rc == GPBO_EEXHAUSTED)
                    break;
                if (rc != GPBO_OK) {
                    fprintf(stderr, "child %d: %s\n", k, gpbo_error_message());
                    _exit(11);
                }
                size_t msg[2] = {id, (size_t)k};
                if (write(fds[1], msg, sizeof msg) != sizeof msg)
                    _exit(12);
            }
            c->ops->close(c);
            _exit(0);
        }
    }
    close(fds[1]);
    int owner[CAP];
    for (int i = 0; i < CAP; i++)
        owner[i] = -1;
    size_t msg[2], n = 0;
    while (read(fds[0], msg, sizeof msg) == sizeof msg) {
        assert_true(msg[0] < CAP);
        assert_int_equal(owner[msg[0]], -1); /* no id twice */
        owner[msg[0]] = (int)msg[1];
        n++;
    }
    close(fds[0]);
    for (int k = 0; k < KIDS; k++) {
        int status;
        assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(n, CAP);
    st = open_store(b);
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->n, CAP);
    for (size_t i = 0; i < CAP; i++) {
        char w[32];
        snprintf(w, sizeof w, "child-%d", owner[i]);
        assert_int_equal(l->r[i].id, i);
        assert_string_equal(l->r[i].worker, w);
    }
    release(l);
    st->ops->close(st);
}

/* unreserve: the study's last trial, not yet proposed, goes (its id is handed out again);
 * any other trial of the worker's is released (heartbeat 0); another worker's is left alone. */
static void test_unreserve(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "unreserve");
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(reserve(st, study, "w", 50.5, NULL, 1), i);
    assert_int_equal(st->ops->unreserve(st, study, 2, "w"), GPBO_OK);
    assert_int_equal(reserve(st, study, "w", 50.5, NULL, 1), 2); /* handed out again */
    assert_int_equal(st->ops->unreserve(st, study, 2, "other"), GPBO_OK);
    assert_int_equal(st->ops->unreserve(st, study, 0, "w"), GPBO_OK);
    double x = 0.5;
    assert_int_equal(st->ops->set_params(st, study, 2, &x, 1), GPBO_OK);
    assert_int_equal(st->ops->unreserve(st, study, 2, "w"), GPBO_OK); /* proposed: kept */
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->n, 3);
    assert_true(l->r[0].heartbeat == 0); /* released */
    assert_true(l->r[1].heartbeat == 50.5);
    assert_true(l->r[2].heartbeat == 0);
    assert_non_null(l->r[2].values);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(l->r[i].state, GPBO_TRIAL_RUNNING);
        assert_string_equal(l->r[i].worker, "w");
    }
    release(l);
    st->ops->close(st);
}

static void test_claim(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "claim");
    size_t a = reserve(st, study, "w1", 100.5, NULL, 1);
    size_t n = reserve(st, study, NULL, 0, NULL, 1);
    gpbo_trial_rec seen = rec(GPBO_TRIAL_RUNNING, NULL, 0, "w1", 100.5);
    seen.id = a;
    gpbo_trial_rec mine = rec(GPBO_TRIAL_RUNNING, NULL, 0, "w2", 200.25);
    mine.id = a;
    mine.retries = 1;
    int won = -1;
    assert_int_equal(st->ops->claim(st, study, &seen, &mine, 0, &won), GPBO_OK);
    assert_int_equal(won, 1);
    /* a second claim from what was seen before loses */
    gpbo_trial_rec late = rec(GPBO_TRIAL_RUNNING, NULL, 0, "w3", 300.125);
    late.id = a;
    late.retries = 1;
    assert_int_equal(st->ops->claim(st, study, &seen, &late, 0, &won), GPBO_OK);
    assert_int_equal(won, 0);
    /* a wrong heartbeat or worker loses too */
    gpbo_trial_rec stale = rec(GPBO_TRIAL_RUNNING, NULL, 0, "w2", 200.0);
    stale.id = a;
    assert_int_equal(st->ops->claim(st, study, &stale, &late, 0, &won), GPBO_OK);
    assert_int_equal(won, 0);
    stale.worker = NULL;
    stale.heartbeat = 200.25;
    assert_int_equal(st->ops->claim(st, study, &stale, &late, 0, &won), GPBO_OK);
    assert_int_equal(won, 0);
    /* NULL worker matches NULL; a claim may end the trial (failed, with a reason) */
    gpbo_trial_rec seen_n = rec(GPBO_TRIAL_RUNNING, NULL, 0, NULL, 0);
    seen_n.id = n;
    gpbo_trial_rec dead = rec(GPBO_TRIAL_FAILED, NULL, 0, NULL, 0);
    dead.id = n;
    dead.reason = "its worker was lost";
    dead.finished = 4321.5;
    dead.retries = 2;
    assert_int_equal(st->ops->claim(st, study, &seen_n, &dead, 0, &won), GPBO_OK);
    assert_int_equal(won, 1);
    /* not running any more: nothing to claim */
    assert_int_equal(st->ops->claim(st, study, &seen_n, &dead, 0, &won), GPBO_OK);
    assert_int_equal(won, 0);
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->n, 2);
    assert_string_equal(l->r[a].worker, "w2");
    assert_true(l->r[a].heartbeat == 200.25);
    assert_int_equal(l->r[a].retries, 1);
    assert_int_equal(l->r[a].state, GPBO_TRIAL_RUNNING);
    assert_int_equal(l->r[n].state, GPBO_TRIAL_FAILED);
    assert_null(l->r[n].worker);
    assert_string_equal(l->r[n].reason, "its worker was lost");
    assert_true(l->r[n].finished == 4321.5);
    assert_int_equal(l->r[n].retries, 2);
    release(l);
    st->ops->close(st);
}

static void test_finish_once(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "finish");
    size_t a = reserve(st, study, "w", 1.0, NULL, 1);
    size_t f = reserve(st, study, "w", 1.0, NULL, 1);
    gpbo_trial_rec done = rec(GPBO_TRIAL_COMPLETE, NULL, 0, "w", 0);
    done.id = a;
    done.value = 2.385;
    done.started = 4990.5; /* its run's start (not its reservation's), written with its end */
    done.finished = 5000.75;
    int stored = -1;
    assert_int_equal(st->ops->finish_trial(st, study, &done, &stored), GPBO_OK);
    assert_int_equal(stored, 1);
    gpbo_trial_rec again = done;
    again.value = 9.5;
    again.state = GPBO_TRIAL_FAILED;
    again.reason = "late";
    assert_int_equal(st->ops->finish_trial(st, study, &again, &stored), GPBO_OK);
    assert_int_equal(stored, 0);
    gpbo_trial_rec failed = rec(GPBO_TRIAL_FAILED, NULL, 0, "w", 0);
    failed.id = f;
    failed.reason = "exit status 3";
    failed.started = 1.0;
    failed.finished = 5001.5;
    assert_int_equal(st->ops->finish_trial(st, study, &failed, &stored), GPBO_OK);
    assert_int_equal(stored, 1);
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->r[a].state, GPBO_TRIAL_COMPLETE);
    assert_true(l->r[a].value == 2.385);
    assert_null(l->r[a].reason);
    assert_true(l->r[a].started == 4990.5 && l->r[a].finished == 5000.75);
    assert_true(l->r[f].started == 1.0);
    assert_int_equal(l->r[f].state, GPBO_TRIAL_FAILED);
    assert_true(isnan(l->r[f].value));
    assert_string_equal(l->r[f].reason, "exit status 3");
    release(l);
    st->ops->close(st);
}

/* finish_reserve: the tell and the next reservation in one transaction, then a read with the
 * load's contract. sx: the step's arguments for trial `told` of worker "w" and a new one. */
static gpbo_storage_step step_of(gpbo_trial_rec *done, gpbo_trial_rec *next, size_t told,
                                 double value, size_t cap, size_t from, loaded *l)
{
    *done = rec(GPBO_TRIAL_COMPLETE, NULL, 0, "w", 0);
    done->id = told;
    done->value = value;
    done->finished = 6000.0 + value;
    *next = rec(GPBO_TRIAL_RUNNING, NULL, now_s(), "w", 3.5);
    return (gpbo_storage_step){.done = done,
                               .rec = next,
                               .nparams = 1,
                               .cap = cap,
                               .from = from,
                               .ids = &done->id,
                               .nids = 1,
                               .cb = collect,
                               .payload = l};
}

/* finish_reserve tells, reserves the next id and reads (the ids listed and the trials from
 * `from`, as they are after it) in one call; a trial told already is not stored again while
 * the reservation goes ahead; at the cap the tell commits and the reservation is refused. */
static void test_finish_reserve(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "finish_reserve");
    size_t a = reserve(st, study, "w", 1.0, NULL, 1);
    gpbo_trial_rec done, next;
    loaded *l = calloc(1, sizeof *l);
    l->nparams = 1;
    gpbo_storage_step x = step_of(&done, &next, a, 1.25, 3, a + 1, l);
    assert_int_equal(st->ops->finish_reserve(st, study, &x), GPBO_OK);
    assert_true(x.stored == 1 && x.committed == 1 && x.reserve_rc == GPBO_OK);
    assert_int_equal(x.id, a + 1);
    assert_int_equal(l->n, 2); /* the told trial (listed) and the new one (from) */
    assert_int_equal(l->r[0].id, a);
    assert_int_equal(l->r[0].state, GPBO_TRIAL_COMPLETE);
    assert_true(l->r[0].value == 1.25);
    assert_int_equal(l->r[1].id, a + 1);
    assert_int_equal(l->r[1].state, GPBO_TRIAL_RUNNING);
    assert_string_equal(l->r[1].worker, "w");
    assert_true(l->r[1].heartbeat == 3.5);
    release(l);
    /* trial a again: not stored, the reservation made */
    l = calloc(1, sizeof *l);
    l->nparams = 1;
    x = step_of(&done, &next, a, 9.0, 3, a + 2, l);
    assert_int_equal(st->ops->finish_reserve(st, study, &x), GPBO_OK);
    assert_true(x.stored == 0 && x.committed == 1 && x.reserve_rc == GPBO_OK);
    assert_int_equal(x.id, a + 2);
    assert_true(l->r[0].value == 1.25);
    release(l);
    /* at the cap (3 trials): the tell of a + 1 commits, no trial is added */
    l = calloc(1, sizeof *l);
    l->nparams = 1;
    x = step_of(&done, &next, a + 1, 2.5, 3, a + 3, l);
    assert_int_equal(st->ops->finish_reserve(st, study, &x), GPBO_OK);
    assert_true(x.stored == 1 && x.committed == 1);
    assert_int_equal(x.reserve_rc, GPBO_EEXHAUSTED);
    assert_int_equal(l->n, 1);
    assert_true(l->r[0].id == a + 1 && l->r[0].value == 2.5);
    release(l);
    l = load_all(st, study, 1);
    assert_int_equal(l->n, 3);
    release(l);
    st->ops->close(st);
}

static void test_heartbeat(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "heartbeat");
    int64_t other = new_study(st, "heartbeat-other");
    size_t a1 = reserve(st, study, "A", 10.5, NULL, 1);
    size_t a2 = reserve(st, study, "A", 10.5, NULL, 1);
    size_t b1 = reserve(st, study, "B", 10.5, NULL, 1);
    size_t a3 = reserve(st, study, "A", 10.5, NULL, 1);
    size_t o1 = reserve(st, other, "A", 10.5, NULL, 1);
    gpbo_trial_rec done = rec(GPBO_TRIAL_COMPLETE, NULL, 0, "A", 0);
    done.id = a3;
    done.value = 1.0;
    int stored;
    assert_int_equal(st->ops->finish_trial(st, study, &done, &stored), GPBO_OK);
    assert_int_equal(st->ops->heartbeat(st, study, "A", 555.5), GPBO_OK);
    loaded *l = load_all(st, study, 1);
    assert_true(l->r[a1].heartbeat == 555.5);
    assert_true(l->r[a2].heartbeat == 555.5);
    assert_true(l->r[b1].heartbeat == 10.5); /* another worker's */
    assert_true(l->r[a3].heartbeat == 10.5); /* finished */
    release(l);
    l = load_all(st, other, 1);
    assert_true(l->r[o1].heartbeat == 10.5); /* another study's */
    release(l);
    assert_int_equal(st->ops->heartbeat(st, study, "A", 0), GPBO_OK); /* released */
    l = load_all(st, study, 1);
    assert_true(l->r[a1].heartbeat == 0 && l->r[a2].heartbeat == 0);
    release(l);
    st->ops->close(st);
}

static void test_report(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "report");
    size_t a = reserve(st, study, "w", 1, NULL, 1);
    size_t c = reserve(st, study, "w", 1, NULL, 1);
    long s1[] = {3, 1, 2};
    double v1[] = {0.75, 0.875, 0.8125};
    assert_int_equal(st->ops->report(st, study, a, 3, s1, v1), GPBO_OK);
    long s2[] = {2, 4, 4};
    double v2[] = {0.5, 0.25, 0.125}; /* 2 replaced; 4 twice keeps its last */
    assert_int_equal(st->ops->report(st, study, a, 3, s2, v2), GPBO_OK);
    assert_int_equal(st->ops->report(st, study, a, 0, NULL, NULL), GPBO_OK);
    /* all or none: a step the store refuses (a trigger) fails the whole batch */
    if (b == &SQLITE)
        admin(b, "CREATE TRIGGER refuse1013 BEFORE INSERT ON intermediate WHEN NEW.step = 1013 "
                 "BEGIN SELECT RAISE(ABORT, 'step 1013 refused'); END");
    else
        admin(b, "CREATE FUNCTION refuse1013() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 "IF NEW.step = 1013 THEN RAISE EXCEPTION 'step 1013 refused'; END IF; "
                 "RETURN NEW; END $$; CREATE TRIGGER refuse1013 BEFORE INSERT ON intermediate "
                 "FOR EACH ROW EXECUTE FUNCTION refuse1013()");
    long s3[] = {1011, 1012, 1013, 1014};
    double v3[] = {1, 2, 3, 4};
    assert_int_equal(st->ops->report(st, study, c, 4, s3, v3), GPBO_ESTORAGE);
    assert_one_line(gpbo_error_message());
    assert_non_null(strstr(gpbo_error_message(), "1013 refused"));
    if (b == &SQLITE)
        admin(b, "DROP TRIGGER refuse1013");
    else
        admin(b, "DROP TRIGGER refuse1013 ON intermediate; DROP FUNCTION refuse1013()");
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->r[c].nsteps, 0);
    assert_int_equal(l->r[a].nsteps, 4);
    long want_s[] = {1, 2, 3, 4};
    double want_v[] = {0.875, 0.5, 0.75, 0.125};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(l->r[a].steps[i], want_s[i]);
        assert_true(l->r[a].step_values[i] == want_v[i]);
    }
    release(l);
    st->ops->close(st);
}

static int stop_at_two(void *payload, const gpbo_trial_rec *r)
{
    (*(size_t *)payload)++;
    return r->id == 2 ? GPBO_EUSER : GPBO_OK;
}

static void test_load_by_id(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "load");
    int64_t other = new_study(st, "load-other");
    reserve(st, other, "w", 1, NULL, 1);
    for (size_t i = 0; i < 6; i++) {
        double x = 0.125 * (double)i;
        assert_int_equal(reserve(st, study, "w", 1, &x, 1), i);
        long steps[] = {1, 2};
        double vals[] = {(double)i, (double)i + 0.5};
        assert_int_equal(st->ops->report(st, study, i, i % 3, steps, vals), GPBO_OK);
    }
    size_t ids[] = {1, 2};
    loaded *l = load(st, study, 1, 4, ids, 2);
    size_t want[] = {1, 2, 4, 5};
    assert_int_equal(l->n, 4);
    for (size_t k = 0; k < 4; k++) {
        size_t i = want[k];
        assert_int_equal(l->r[k].id, i);
        assert_true(l->r[k].values[0] == 0.125 * (double)i);
        assert_int_equal(l->r[k].nsteps, i % 3);
        for (size_t j = 0; j < i % 3; j++) {
            assert_int_equal(l->r[k].steps[j], (long)j + 1);
            assert_true(l->r[k].step_values[j] == (double)i + 0.5 * (double)j);
        }
    }
    release(l);
    size_t one[] = {3};
    l = load(st, study, 1, 1000, one, 1);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->r[0].id, 3);
    release(l);
    l = load(st, study, 1, 1000, NULL, 0);
    assert_int_equal(l->n, 0);
    release(l);
    l = load(st, study, 1, 0, NULL, 0);
    assert_int_equal(l->n, 6);
    release(l);
    /* a callback's failure stops the load and comes back unchanged */
    size_t calls = 0;
    assert_int_equal(st->ops->load(st, study, 1, 0, NULL, 0, stop_at_two, &calls), GPBO_EUSER);
    assert_int_equal(calls, 3);
    st->ops->close(st);
}

/* Every double reads back bit for bit, -0.0 too, in the same connection and after a reopen:
 * SQLite keeps an integral REAL as an integer on disk, so a -0.0 value or intermediate value
 * read back as +0.0 there until it was stored as a BLOB of its bytes. */
static void test_doubles_exact(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "doubles");
    double x[8] = {1.0 / 3.0, 1e-300,    -0.0,   DBL_MAX, 4.9406564584124654e-324,
                   0.1 + 0.2, -2.385e17, DBL_MIN};
    double t = 1764690000.123456789;
    gpbo_trial_rec r = rec(GPBO_TRIAL_RUNNING, x, t, "w", nextafter(t, 0));
    size_t id;
    assert_int_equal(st->ops->reserve(st, study, &r, 8, 0, 10, &id), GPBO_OK);
    long steps[8] = {-5, 0, 1, 2, 3, 4, 5, 2147483648L};
    assert_int_equal(st->ops->report(st, study, id, 8, steps, x), GPBO_OK);
    size_t id2;
    assert_int_equal(st->ops->reserve(st, study, &r, 8, 0, 10, &id2), GPBO_OK);
    double y[8] = {-1.0 / 3.0, nextafter(1.0, 2.0), 0.0, -DBL_MAX, 1e300, 0.7, 3.0, -DBL_MIN};
    assert_int_equal(st->ops->set_params(st, study, id2, y, 8), GPBO_OK);
    gpbo_trial_rec done = rec(GPBO_TRIAL_COMPLETE, NULL, 0, "w", 0);
    done.id = id;
    done.value = -0.0;
    done.finished = nextafter(t, 1e10);
    done.started = t; /* a tell writes its run's start (study.c), here its reservation's */
    int stored;
    assert_int_equal(st->ops->finish_trial(st, study, &done, &stored), GPBO_OK);
    done.id = id2;
    done.value = 1.0 / 3.0;
    assert_int_equal(st->ops->finish_trial(st, study, &done, &stored), GPBO_OK);
    /* a trial added finished (gpbo_study_add_trial), -0.0 and its steps with it: in one step
     * where the backend has one (SQLite), else reserved then finished */
    gpbo_trial_rec added = rec(GPBO_TRIAL_COMPLETE, y, t, "w", 0);
    added.value = -0.0;
    added.finished = t;
    added.store_steps = 1;
    added.nsteps = 8;
    added.steps = steps;
    added.step_values = y;
    size_t id3;
    if (st->ops->add_finished != NULL) {
        assert_int_equal(st->ops->add_finished(st, study, &added, 8, 10, &id3), GPBO_OK);
    } else {
        gpbo_trial_rec run = rec(GPBO_TRIAL_RUNNING, y, t, "w", 0);
        assert_int_equal(st->ops->reserve(st, study, &run, 8, 0, 10, &id3), GPBO_OK);
        added.id = id3;
        assert_int_equal(st->ops->finish_trial(st, study, &added, &stored), GPBO_OK);
        assert_true(stored);
    }
    for (int reopen = 0; reopen < 2; reopen++) {
        if (reopen) {
            st->ops->close(st);
            st = open_store(b);
        }
        loaded *l = load_all(st, study, 8);
        assert_int_equal(l->n, 3);
        for (size_t i = 0; i < 8; i++) {
            assert_true(same_bits(l->r[0].values[i], x[i]));
            assert_true(same_bits(l->r[0].step_values[i], x[i]));
            assert_int_equal(l->r[0].steps[i], steps[i]);
            assert_true(same_bits(l->r[1].values[i], y[i]));
            assert_true(same_bits(l->r[2].step_values[i], y[i]));
        }
        if (!signbit(l->r[0].value) || !signbit(l->r[2].value) || !signbit(l->r[0].step_values[2]))
            fail_msg("%s: -0.0 read back as %g, %g, %g (reopened: %d)", b->name, l->r[0].value,
                     l->r[2].value, l->r[0].step_values[2], reopen);
        assert_true(same_bits(l->r[0].value, -0.0) && same_bits(l->r[2].value, -0.0));
        assert_true(same_bits(l->r[1].value, 1.0 / 3.0));
        assert_true(same_bits(l->r[0].started, t));
        assert_true(same_bits(l->r[0].heartbeat, nextafter(t, 0)));
        assert_true(same_bits(l->r[0].finished, nextafter(t, 1e10)));
        release(l);
    }
    st->ops->close(st);
    if (b == &SQLITE) { /* the file as an older build reads it: only -0.0 is no REAL, and reads 0 */
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        assert_int_equal(sqlite3_open(b->url, &db), SQLITE_OK);
        const char *sql = "SELECT (SELECT count(*) FROM trials WHERE study = ?1 AND "
                          "typeof(value) NOT IN ('real', 'null')), (SELECT count(*) FROM "
                          "intermediate WHERE study = ?1 AND typeof(value) <> 'real'), (SELECT "
                          "value FROM trials WHERE study = ?1 AND id = ?2)";
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
        sqlite3_bind_int64(q, 1, study);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)id);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(q, 0), 2);
        assert_int_equal(sqlite3_column_int(q, 1), 1);
        assert_true(sqlite3_column_double(q, 2) == 0.0);
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
}

static void test_set_params(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t study = new_study(st, "set-params");
    size_t id = reserve(st, study, "w", 1, NULL, 3);
    loaded *l = load_all(st, study, 3);
    assert_null(l->r[0].values); /* reserved, not yet proposed */
    release(l);
    double x[3] = {0.5, 2.385, -7.0};
    assert_int_equal(st->ops->set_params(st, study, id, x, 3), GPBO_OK);
    l = load_all(st, study, 3);
    assert_non_null(l->r[0].values);
    assert_memory_equal(l->r[0].values, x, sizeof x);
    release(l);
    /* an inactive parameter's NaN (gpbo_space_add_condition) is stored and read back as such */
    size_t id2 = reserve(st, study, "w", 2, NULL, 3);
    double y[3] = {NAN, 1.5, NAN};
    assert_int_equal(st->ops->set_params(st, study, id2, y, 3), GPBO_OK);
    l = load_all(st, study, 3);
    assert_non_null(l->r[1].values);
    assert_true(isnan(l->r[1].values[0]) && l->r[1].values[1] == 1.5 && isnan(l->r[1].values[2]));
    release(l);
    /* a load with another parameter count: the stored text is malformed for it */
    loaded *bad = calloc(1, sizeof *bad);
    bad->nparams = 2;
    assert_int_equal(st->ops->load(st, study, 2, 0, NULL, 0, collect, bad), GPBO_EFORMAT);
    assert_one_line(gpbo_error_message());
    release(bad);
    st->ops->close(st);
}

typedef struct name_count {
    const char *name;
    int n;
} name_count;

static int count_name(void *payload, const char *name)
{
    name_count *c = payload;
    c->n += !strcmp(name, c->name);
    return 0;
}

/* How many stored studies are called name. */
static int studies_named(gpbo_storage *st, const char *name)
{
    name_count c = {name, 0};
    assert_int_equal(st->ops->studies(st, count_name, &c), GPBO_OK);
    return c.n;
}

/* drop_empty removes a study that holds no trial, and only such a one (gpbo import's undo of a
 * study it made and could not write to). */
static int count_attr(void *payload, const char *key, const char *json)
{
    (void)key;
    (void)json;
    ++*(size_t *)payload;
    return GPBO_OK;
}

static void test_drop_empty(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t full = new_study(st, "drop-full"), empty = new_study(st, "drop-empty");
    reserve(st, full, "w", 1, NULL, 1);
    int dropped = -1;
    assert_int_equal(st->ops->drop_empty(st, full, &dropped), GPBO_OK);
    assert_int_equal(dropped, 0);
    assert_int_equal(studies_named(st, "drop-full"), 1);
    assert_int_equal(st->ops->drop_empty(st, empty, &dropped), GPBO_OK);
    assert_int_equal(dropped, 1);
    assert_int_equal(studies_named(st, "drop-empty"), 0);
    assert_int_equal(st->ops->drop_empty(st, empty, &dropped), GPBO_OK); /* gone: nothing */
    assert_int_equal(dropped, 0);
    new_study(st, "drop-empty"); /* made anew, as a new study */
    assert_int_equal(studies_named(st, "drop-empty"), 1);
    /* a study with attributes goes with them (its row could not be deleted while they
     * referenced it: "FOREIGN KEY constraint failed" on both); one with trials keeps them */
    int64_t tagged = new_study(st, "drop-tagged");
    assert_int_equal(st->ops->set_study_attr(st, tagged, "k", "2.385"), GPBO_OK);
    assert_int_equal(st->ops->set_study_attr(st, full, "k", "1"), GPBO_OK);
    assert_int_equal(st->ops->drop_empty(st, full, &dropped), GPBO_OK);
    assert_int_equal(dropped, 0);
    if (st->ops->drop_empty(st, tagged, &dropped) != GPBO_OK)
        fail_msg("%s: %s", b->name, gpbo_error_message());
    assert_int_equal(dropped, 1);
    assert_int_equal(studies_named(st, "drop-tagged"), 0);
    size_t n = 0;
    assert_int_equal(st->ops->study_attrs(st, tagged, count_attr, &n), GPBO_OK);
    assert_int_equal(n, 0); /* none left for a study that takes its id again */
    assert_int_equal(st->ops->study_attrs(st, full, count_attr, &n), GPBO_OK);
    assert_int_equal(n, 1);
    st->ops->close(st);
}

/* delete_study: the study, its trials, their intermediate values and its attributes go in one
 * transaction, other studies stay; its id is never given again (SQLite gave the newest study's
 * id to the next one made, so a worker still holding the deleted study wrote into it). */
static void test_delete_study(void **state)
{
    const backend *b;
    check_backend(state, &b);
    gpbo_storage *st = open_store(b);
    int64_t keep = new_study(st, "del-keep"), gone = new_study(st, "del-gone");
    size_t kept = reserve(st, keep, "w", 1, NULL, 1);
    for (int i = 0; i < 3; i++)
        reserve(st, gone, "w", 1, NULL, 1);
    long steps[] = {1, 2};
    double vals[] = {0.5, 0.25};
    assert_int_equal(st->ops->report(st, gone, 0, 2, steps, vals), GPBO_OK);
    assert_int_equal(st->ops->report(st, keep, kept, 2, steps, vals), GPBO_OK);
    assert_int_equal(st->ops->set_study_attr(st, gone, "k", "1"), GPBO_OK);
    assert_int_equal(st->ops->set_study_attr(st, keep, "k", "2"), GPBO_OK);
    size_t n = 99;
    if (st->ops->delete_study(st, "del-gone", &n) != GPBO_OK)
        fail_msg("%s: %s", b->name, gpbo_error_message());
    assert_int_equal(n, 3);
    assert_int_equal(studies_named(st, "del-gone"), 0);
    loaded *l = load_all(st, gone, 1);
    assert_int_equal(l->n, 0);
    release(l);
    size_t attrs = 0;
    assert_int_equal(st->ops->study_attrs(st, gone, count_attr, &attrs), GPBO_OK);
    assert_int_equal(attrs, 0);
    /* the other study as it was */
    l = load_all(st, keep, 1);
    assert_int_equal(l->n, 1);
    assert_int_equal(l->r[0].nsteps, 2);
    release(l);
    assert_int_equal(st->ops->study_attrs(st, keep, count_attr, &attrs), GPBO_OK);
    assert_int_equal(attrs, 1);
    /* gone already: not found, nothing changed */
    assert_int_equal(st->ops->delete_study(st, "del-gone", &n), GPBO_ENOTFOUND);
    assert_one_line(gpbo_error_message());
    assert_non_null(strstr(gpbo_error_message(), "del-gone"));
    /* the newest study deleted: the next one made gets another id, and a worker still holding
     * the deleted one stores nothing anywhere */
    int64_t last = new_study(st, "del-last");
    reserve(st, last, "w", 1, NULL, 1);
    assert_int_equal(st->ops->delete_study(st, "del-last", &n), GPBO_OK);
    assert_int_equal(n, 1);
    int64_t again = new_study(st, "del-last");
    assert_true(again > last);
    gpbo_trial_rec r = rec(GPBO_TRIAL_RUNNING, NULL, now_s(), "w", 1);
    size_t id = 0;
    assert_int_not_equal(st->ops->reserve(st, last, &r, 1, 0, 1000000, &id), GPBO_OK);
    l = load_all(st, again, 1);
    assert_int_equal(l->n, 0);
    release(l);
    st->ops->close(st);
}

/* ---- PostgreSQL's failures --------------------------------------------------------------- */

/* scripts/pg-scratch CMD on the fixture's server. */
static void scratch_ctl(const char *cmd)
{
    const char *src = getenv("GPBO_SOURCE_DIR"), *bin = getenv("GPBO_BINARY_DIR");
    char sh[1400];
    snprintf(sh, sizeof sh, "'%s/scripts/pg-scratch' %s '%s/pg-test'", src ? src : ".", cmd,
             bin ? bin : ".");
    fflush(NULL);
    assert_int_equal(system(sh), 0);
}

/* The fixture's URL with another search_path (a schema of its own, created empty). */
static void url_with_schema(char *out, size_t cap, const char *schema)
{
    char sql[200];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    admin(&PG, sql);
    snprintf(out, cap, "%s&options=-csearch_path%%3D%s", PG.url, schema);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void test_pg_bad_urls(void **state)
{
    (void)state;
    const char *bad[] = {"postgresql://gpbo:hunter2@[::1/db", "postgresql:///gpbo?bogus=1",
                         "postgresql://u:hunter2@host:notaport/db",
                         "postgresql:///gpbo?password=hunter2&sslmode=sometimes"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double t0 = mono_s();
        assert_null(gpbo_search__pg_open(bad[i]));
        const char *msg = gpbo_error_message();
        assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
        assert_one_line(msg);
        assert_null(strstr(msg, "hunter2"));
        assert_true(mono_s() - t0 < 1.0); /* no retries for what cannot pass */
    }
    /* a database that does not exist: the server answers, so no retries either */
    char url[700];
    snprintf(url, sizeof url, "%s", PG.url);
    char *db = strstr(url, "/gpbo?");
    assert_non_null(db);
    memcpy(db, "/nodb", 5);
    setenv("GPBO_PG_RETRY_SECONDS", "20", 1);
    double t0 = mono_s();
    assert_null(gpbo_search__pg_open(url));
    setenv("GPBO_PG_RETRY_SECONDS", "1.5", 1);
    assert_true(mono_s() - t0 < 5.0);
    assert_int_equal(gpbo_error_code(), GPBO_ESTORAGE);
    assert_one_line(gpbo_error_message());
    assert_non_null(strstr(gpbo_error_message(), "nodb"));
    /* an unknown user */
    snprintf(url, sizeof url, "%s", PG.url);
    char *user = strstr(url, "user=");
    assert_non_null(user);
    snprintf(user, sizeof url - (size_t)(user - url), "user=nobody_here&password=hunter2");
    assert_null(gpbo_search__pg_open(url));
    assert_one_line(gpbo_error_message());
    assert_null(strstr(gpbo_error_message(), "hunter2"));
}

/* After a case that stops the server: it runs again for the next, even if the case failed. */
static int server_up(void **state)
{
    (void)state;
    if (PQping(PG.url) != PQPING_OK)
        scratch_ctl("up");
    setenv("GPBO_PG_RETRY_SECONDS", "1.5", 1);
    return 0;
}

static void test_pg_server_down_and_back(void **state)
{
    (void)state;
    setenv("GPBO_PG_RETRY_SECONDS", "1.5", 1);
    gpbo_storage *st = gpbo_search__pg_open(PG.url);
    assert_non_null(st);
    int64_t study = new_study(st, "down");
    size_t id = reserve(st, study, "w", 1, NULL, 1);
    scratch_ctl("down");
    double t0 = mono_s();
    int rc = st->ops->heartbeat(st, study, "w", 2.0);
    double took = mono_s() - t0;
    assert_int_equal(rc, GPBO_ESTORAGE);
    assert_one_line(gpbo_error_message());
    assert_non_null(strstr(gpbo_error_message(), "gave up after"));
    assert_non_null(strstr(gpbo_error_message(), "postgresql gpbo@"));
    assert_true(took >= 1.4 && took < 10.0); /* the budget, then an error */
    /* opening while it is down fails the same way */
    assert_null(gpbo_search__pg_open(PG.url));
    assert_int_equal(gpbo_error_code(), GPBO_ESTORAGE);
    assert_one_line(gpbo_error_message());
    scratch_ctl("up");
    /* the same handle reconnects */
    assert_int_equal(st->ops->heartbeat(st, study, "w", 3.0), GPBO_OK);
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->n, 1);
    assert_true(l->r[id].heartbeat == 3.0);
    release(l);
    st->ops->close(st);
}

static void test_pg_restart(void **state)
{
    (void)state;
    setenv("GPBO_PG_RETRY_SECONDS", "30", 1);
    gpbo_storage *st = gpbo_search__pg_open(PG.url);
    assert_non_null(st);
    int64_t study = new_study(st, "restart");
    assert_int_equal(reserve(st, study, "w", 1, NULL, 1), 0);
    scratch_ctl("restart");
    /* every op on a connection the restart cut reconnects and succeeds */
    assert_int_equal(reserve(st, study, "w", 1, NULL, 1), 1);
    scratch_ctl("restart");
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->n, 2);
    release(l);
    setenv("GPBO_PG_RETRY_SECONDS", "1.5", 1);
    st->ops->close(st);
}

/* A relay between the client and the server's socket that cuts the connection when the client
 * sends a message holding `pattern`: before passing it on (CUT_BEFORE: the server never sees
 * it) or after the server had time to run it (CUT_AFTER: the reply is lost). */
enum { PASS, CUT_BEFORE, CUT_AFTER };
typedef struct proxy {
    char dir[512], target[700];
    int lfd;
    pthread_t th;
    pthread_mutex_t mu;
    const char *pattern;
    int mode, cuts;
    volatile int stop;
} proxy;

static void relay(proxy *p, int c)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (snprintf(a.sun_path, sizeof a.sun_path, "%s", p->target) >= (int)sizeof a.sun_path ||
        connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        close(s);
        return;
    }
    char buf[65536];
    for (;;) {
        struct pollfd fds[2] = {{c, POLLIN, 0}, {s, POLLIN, 0}};
        if (poll(fds, 2, 200) < 0 || p->stop)
            break;
        if (fds[0].revents) {
            ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0)
                break;
            pthread_mutex_lock(&p->mu);
            int mode = p->pattern && memmem(buf, (size_t)n, p->pattern, strlen(p->pattern))
                           ? p->mode
                           : PASS;
            if (mode != PASS) {
                p->pattern = NULL;
                p->cuts++;
            }
            pthread_mutex_unlock(&p->mu);
            if (mode == CUT_BEFORE)
                break;
            if (write(s, buf, (size_t)n) != n)
                break;
            if (mode == CUT_AFTER) {
                usleep(300000); /* the server runs it and commits; its reply never arrives */
                break;
            }
        }
        if (fds[1].revents) {
            ssize_t n = read(s, buf, sizeof buf);
            if (n <= 0 || write(c, buf, (size_t)n) != n)
                break;
        }
    }
    close(s);
}

static void *proxy_main(void *arg)
{
    proxy *p = arg;
    while (!p->stop) {
        struct pollfd f = {p->lfd, POLLIN, 0};
        if (poll(&f, 1, 100) <= 0)
            continue;
        int c = accept(p->lfd, NULL, NULL);
        if (c < 0)
            continue;
        relay(p, c);
        close(c);
    }
    return NULL;
}

/* Starts a relay; *url is the fixture's URL through it. */
static void proxy_start(proxy *p, char *url, size_t cap)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    assert_true(snprintf(p->dir, sizeof p->dir, "%.500s/proxy", scratch) < (int)sizeof p->dir);
    mkdir(p->dir, 0700);
    const char *h = strstr(PG.url, "host=");
    assert_non_null(h);
    h += 5;
    snprintf(p->target, sizeof p->target, "%.*s/.s.PGSQL.5432", (int)strcspn(h, "&"), h);
    p->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    assert_true(snprintf(a.sun_path, sizeof a.sun_path, "%s/.s.PGSQL.5432", p->dir) <
                (int)sizeof a.sun_path);
    unlink(a.sun_path);
    assert_int_equal(bind(p->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(p->lfd, 8), 0);
    assert_int_equal(pthread_create(&p->th, NULL, proxy_main, p), 0);
    char rest[700];
    snprintf(rest, sizeof rest, "%s", h + strcspn(h, "&"));
    snprintf(url, cap, "postgresql:///gpbo?host=%s%s", p->dir, rest);
}

static void proxy_arm(proxy *p, const char *pattern, int mode)
{
    pthread_mutex_lock(&p->mu);
    p->pattern = pattern;
    p->mode = mode;
    pthread_mutex_unlock(&p->mu);
}

static int proxy_cuts(proxy *p)
{
    pthread_mutex_lock(&p->mu);
    int n = p->cuts;
    pthread_mutex_unlock(&p->mu);
    return n;
}

static void proxy_stop(proxy *p)
{
    p->stop = 1;
    pthread_join(p->th, NULL);
    close(p->lfd);
    pthread_mutex_destroy(&p->mu);
}

/* A write whose COMMIT (or autocommit statement) was lost, before or after the server ran it,
 * is retried without being done twice and with the answer the first attempt earned. */
static void test_pg_lost_commit(void **state)
{
    (void)state;
    proxy p;
    char url[1400];
    proxy_start(&p, url, sizeof url);
    setenv("GPBO_PG_RETRY_SECONDS", "20", 1);
    gpbo_storage *st = gpbo_search__pg_open(url);
    if (st == NULL)
        fail_msg("%s", gpbo_error_message());
    int64_t study = new_study(st, "lost-commit");
    for (int mode = CUT_BEFORE; mode <= CUT_AFTER; mode++) {
        int cuts = proxy_cuts(&p);
        /* reserve: one trial, the next id, whether or not the first COMMIT landed */
        proxy_arm(&p, "COMMIT", mode);
        size_t id = reserve(st, study, "w", 1, NULL, 1);
        assert_int_equal(proxy_cuts(&p), cuts + 1);
        assert_int_equal(id, (size_t)(mode - CUT_BEFORE));
        /* claim: won once */
        gpbo_trial_rec seen = rec(GPBO_TRIAL_RUNNING, NULL, 0, "w", 1);
        seen.id = id;
        gpbo_trial_rec mine = rec(GPBO_TRIAL_RUNNING, NULL, 0, "w2", 7.5);
        mine.id = id;
        mine.retries = 1;
        int won = 0;
        proxy_arm(&p, "UPDATE trials SET state", mode);
        assert_int_equal(st->ops->claim(st, study, &seen, &mine, 0, &won), GPBO_OK);
        assert_int_equal(proxy_cuts(&p), cuts + 2);
        assert_int_equal(won, 1);
        /* finish: stored once */
        gpbo_trial_rec done = rec(GPBO_TRIAL_COMPLETE, NULL, 0, "w2", 0);
        done.id = id;
        done.value = 0.625;
        done.finished = 99.5;
        int stored = 0;
        proxy_arm(&p, "UPDATE trials SET state", mode);
        assert_int_equal(st->ops->finish_trial(st, study, &done, &stored), GPBO_OK);
        assert_int_equal(proxy_cuts(&p), cuts + 3);
        assert_int_equal(stored, 1);
        /* report: an upsert, the same twice */
        long steps[] = {1, 2};
        double vals[] = {0.5, 0.25};
        proxy_arm(&p, "INSERT INTO intermediate", mode);
        assert_int_equal(st->ops->report(st, study, id, 2, steps, vals), GPBO_OK);
        assert_int_equal(proxy_cuts(&p), cuts + 4);
    }
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->n, 2); /* no trial twice */
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(l->r[i].state, GPBO_TRIAL_COMPLETE);
        assert_true(l->r[i].value == 0.625);
        assert_string_equal(l->r[i].worker, "w2");
        assert_int_equal(l->r[i].nsteps, 2);
    }
    release(l);
    st->ops->close(st);
    setenv("GPBO_PG_RETRY_SECONDS", "1.5", 1);
    proxy_stop(&p);
}

/* finish_reserve whose reply was lost, before or after the server ran it (its COMMIT goes in
 * one pipeline with the rest): retried, the trial told once, one trial reserved, and the same
 * answers as a first attempt's; at the cap too (the tell alone landed). */
static void test_pg_lost_step(void **state)
{
    (void)state;
    proxy p;
    char url[1400];
    proxy_start(&p, url, sizeof url);
    setenv("GPBO_PG_RETRY_SECONDS", "20", 1);
    gpbo_storage *st = gpbo_search__pg_open(url);
    if (st == NULL)
        fail_msg("%s", gpbo_error_message());
    int64_t study = new_study(st, "lost-step");
    size_t id = reserve(st, study, "w", 1, NULL, 1);
    for (int mode = CUT_BEFORE; mode <= CUT_AFTER + 1; mode++) {
        int cuts = proxy_cuts(&p);
        gpbo_trial_rec done, next;
        loaded *l = calloc(1, sizeof *l);
        l->nparams = 1;
        size_t cap = mode <= CUT_AFTER ? 100 : id + 1; /* the last: at the cap */
        gpbo_storage_step x = step_of(&done, &next, id, 0.5 + mode, cap, id + 1, l);
        proxy_arm(&p, "COMMIT", mode <= CUT_AFTER ? mode : CUT_AFTER);
        assert_int_equal(st->ops->finish_reserve(st, study, &x), GPBO_OK);
        assert_int_equal(proxy_cuts(&p), cuts + 1);
        assert_true(x.stored == 1 && x.committed == 1);
        assert_int_equal(x.reserve_rc, mode <= CUT_AFTER ? GPBO_OK : GPBO_EEXHAUSTED);
        assert_true(l->r[0].id == id && l->r[0].value == 0.5 + mode);
        if (mode <= CUT_AFTER) {
            assert_int_equal(x.id, id + 1);
            assert_int_equal(l->n, 2);
            id = x.id;
        }
        release(l);
    }
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->n, 3); /* no trial twice */
    for (size_t i = 0; i < l->n; i++)
        assert_int_equal(l->r[i].state, GPBO_TRIAL_COMPLETE);
    release(l);
    st->ops->close(st);
    setenv("GPBO_PG_RETRY_SECONDS", "1.5", 1);
    proxy_stop(&p);
}

/* A serialization failure or a deadlock (raised once by a trigger here) is retried on the same
 * connection and the write lands once; a permanent error is not retried. */
static void test_pg_transient_sqlstate(void **state)
{
    (void)state;
    admin(&PG, "CREATE SEQUENCE flaky_seq; CREATE FUNCTION flaky() RETURNS trigger LANGUAGE "
               "plpgsql AS $$ BEGIN IF NEW.step = 2013 AND nextval('flaky_seq') = 1 THEN "
               "RAISE EXCEPTION 'serialization (test)' USING ERRCODE = '40001'; END IF; "
               "IF NEW.step = 2014 AND nextval('flaky_seq') = 2 THEN "
               "RAISE EXCEPTION 'deadlock (test)' USING ERRCODE = '40P01'; END IF; "
               "IF NEW.step = 2015 THEN "
               "RAISE EXCEPTION 'check (test)' USING ERRCODE = '23514'; END IF; "
               "RETURN NEW; END $$; CREATE TRIGGER flaky BEFORE INSERT ON intermediate "
               "FOR EACH ROW EXECUTE FUNCTION flaky()");
    setenv("GPBO_PG_RETRY_SECONDS", "20", 1); /* were the permanent error retried, it shows */
    gpbo_storage *st = open_store(&PG);
    setenv("GPBO_PG_RETRY_SECONDS", "1.5", 1);
    int64_t study = new_study(st, "transient");
    size_t id = reserve(st, study, "w", 1, NULL, 1);
    long s1[] = {2012, 2013}, s2[] = {2014}, s3[] = {2015};
    double v[] = {0.5, 0.25};
    assert_int_equal(st->ops->report(st, study, id, 2, s1, v), GPBO_OK);
    assert_int_equal(st->ops->report(st, study, id, 1, s2, v), GPBO_OK);
    double t0 = mono_s();
    assert_int_equal(st->ops->report(st, study, id, 1, s3, v), GPBO_ESTORAGE);
    assert_true(mono_s() - t0 < 1.0);
    assert_non_null(strstr(gpbo_error_message(), "check (test)"));
    assert_null(strstr(gpbo_error_message(), "gave up"));
    admin(&PG, "DROP TRIGGER flaky ON intermediate; DROP FUNCTION flaky(); DROP SEQUENCE "
               "flaky_seq");
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->r[0].nsteps, 3);
    assert_int_equal(l->r[0].steps[2], 2014);
    release(l);
    st->ops->close(st);
}

/* Workers that find an empty database at the same moment: one creates the schema, all open. */
static void test_pg_schema_race(void **state)
{
    (void)state;
    char url[1000];
    url_with_schema(url, sizeof url, "race");
    enum { KIDS = 8 };
    pid_t pid[KIDS];
    fflush(NULL);
    for (int k = 0; k < KIDS; k++) {
        pid[k] = fork();
        assert_true(pid[k] >= 0);
        if (pid[k] == 0) {
            gpbo_storage *st = gpbo_search__pg_open(url);
            if (st == NULL) {
                fprintf(stderr, "child %d: %s\n", k, gpbo_error_message());
                _exit(10);
            }
            char *sp = (char *)SPACE, *op = (char *)OPTS;
            int64_t id;
            int rc = st->ops->open_study(st, "raced", &sp, &op, &id);
            if (rc != GPBO_OK) {
                fprintf(stderr, "child %d: %s\n", k, gpbo_error_message());
                _exit(11);
            }
            free(sp);
            free(op);
            st->ops->close(st);
            _exit(0);
        }
    }
    for (int k = 0; k < KIDS; k++) {
        int status;
        assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    PGconn *c = PQconnectdb(url);
    PGresult *r = PQexec(c, "SELECT (SELECT count(*) FROM studies), (SELECT count(*) FROM "
                            "gpbo_schema), (SELECT max(version) FROM gpbo_schema)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "1");
    assert_string_equal(PQgetvalue(r, 0, 1), "1");
    assert_string_equal(PQgetvalue(r, 0, 2), "3");
    PQclear(r);
    PQfinish(c);
    admin(&PG, "DROP SCHEMA race CASCADE");
}

/* A version 1 database (no workers, no heartbeats) migrates to the current version on open, its
 * trials intact; a newer version than this code knows is refused. */
static void test_pg_schema_versions(void **state)
{
    (void)state;
    char url[1000];
    url_with_schema(url, sizeof url, "v1");
    admin(&PG, "SET search_path = v1; "
               "CREATE TABLE gpbo_schema(version integer NOT NULL); "
               "INSERT INTO gpbo_schema VALUES (1); "
               "CREATE TABLE studies(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
               "name text UNIQUE NOT NULL, space text NOT NULL, options text NOT NULL, "
               "created double precision); "
               "CREATE TABLE trials(study bigint NOT NULL REFERENCES studies(id), id bigint NOT "
               "NULL, state integer NOT NULL, value double precision, reason text, params text "
               "NOT NULL, started double precision, finished double precision, "
               "PRIMARY KEY(study, id)); "
               "CREATE TABLE intermediate(study bigint NOT NULL, trial bigint NOT NULL, step "
               "bigint NOT NULL, value double precision NOT NULL, PRIMARY KEY(study, trial, "
               "step)); "
               "INSERT INTO studies(name, space, options) VALUES ('old', '{}', '{}'); "
               "INSERT INTO trials VALUES (1, 0, 1, 2.5, NULL, '[0.5]', 10, 11), "
               "(1, 1, 0, NULL, NULL, '[0.25]', 12, NULL); "
               "INSERT INTO intermediate VALUES (1, 0, 1, 3.5)");
    gpbo_storage *st = gpbo_search__pg_open(url);
    if (st == NULL)
        fail_msg("%s", gpbo_error_message());
    char *sp = NULL, *op = NULL;
    int64_t study;
    assert_int_equal(st->ops->open_study(st, "old", &sp, &op, &study), GPBO_OK);
    free(sp);
    free(op);
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->n, 2);
    assert_true(l->r[0].value == 2.5 && l->r[0].values[0] == 0.5);
    assert_int_equal(l->r[0].nsteps, 1);
    assert_true(l->r[0].step_values[0] == 3.5);
    assert_int_equal(l->r[1].state, GPBO_TRIAL_RUNNING);
    assert_null(l->r[1].worker);
    assert_true(l->r[1].heartbeat == 0); /* left by version 1: reclaimable */
    assert_int_equal(l->r[1].retries, 0);
    release(l);
    /* and it is claimable: the migrated trial's heartbeat compares as 0 */
    gpbo_trial_rec seen = rec(GPBO_TRIAL_RUNNING, NULL, 0, NULL, 0);
    seen.id = 1;
    gpbo_trial_rec mine = rec(GPBO_TRIAL_RUNNING, NULL, 0, "w", 5);
    mine.id = 1;
    int won = 0;
    assert_int_equal(st->ops->claim(st, study, &seen, &mine, 0, &won), GPBO_OK);
    assert_int_equal(won, 1);
    assert_int_equal(reserve(st, study, "w", 1, NULL, 1), 2);
    st->ops->close(st);
    admin(&PG, "UPDATE v1.gpbo_schema SET version = 4");
    assert_null(gpbo_search__pg_open(url));
    assert_int_equal(gpbo_error_code(), GPBO_ESTORAGE);
    assert_one_line(gpbo_error_message());
    assert_non_null(strstr(gpbo_error_message(), "schema version 4 is newer"));
    admin(&PG, "DROP SCHEMA v1 CASCADE");
}

/* A database that holds an Optuna storage's tables (its own 'studies' and 'trials') and no gpbo
 * schema: the first schema's CREATE failed with 'relation "studies" already exists', which did
 * not say what to do. Now one line names the tables and the way out (a schema of gpbo's own),
 * nothing changes, and the same server with such a schema opens. */
static void test_pg_another_programs_tables(void **state)
{
    (void)state;
    char url[1000], own[1000];
    url_with_schema(url, sizeof url, "optuna");
    admin(&PG, "CREATE TABLE optuna.studies(study_id serial PRIMARY KEY, study_name text); "
               "CREATE TABLE optuna.trials(trial_id serial PRIMARY KEY, number integer, "
               "state text); INSERT INTO optuna.studies(study_name) VALUES ('mine')");
    assert_null(gpbo_search__pg_open(url));
    assert_int_equal(gpbo_error_code(), GPBO_ESTORAGE);
    const char *msg = gpbo_error_message();
    assert_one_line(msg);
    if (strstr(msg, "another program's tables (studies, trials") == NULL ||
        strstr(msg, "search_path") == NULL)
        fail_msg("%s", msg);
    admin(&PG, "DO $$ BEGIN IF (SELECT count(*) FROM information_schema.columns WHERE "
               "table_schema = 'optuna' AND table_name = 'trials') <> 3 OR "
               "to_regclass('optuna.gpbo_schema') IS NOT NULL OR "
               "to_regclass('optuna.intermediate') IS NOT NULL THEN "
               "RAISE EXCEPTION 'the other program''s schema was changed'; END IF; END $$");
    url_with_schema(own, sizeof own, "gpbo_own");
    gpbo_storage *st = gpbo_search__pg_open(own);
    if (st == NULL)
        fail_msg("%s", gpbo_error_message());
    st->ops->close(st);
    admin(&PG, "DROP SCHEMA optuna CASCADE; DROP SCHEMA gpbo_own CASCADE");
}

/* ---- SQLite only -------------------------------------------------------------------------- */

/* Another program's SQLite database (Optuna's tables 'studies' and 'trials') was taken for a
 * new file: gpbo's tables were made beside the program's and its 'trials' altered. Refused now,
 * the file unchanged; an empty file is still made a study file. */
static void test_sqlite_another_programs_database(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/optuna.db", scratch);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE studies(study_id INTEGER PRIMARY KEY, "
                                  "study_name TEXT); CREATE TABLE trials(trial_id INTEGER "
                                  "PRIMARY KEY, number INTEGER, state TEXT)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_null(gpbo_search__sqlite_open(path));
    assert_int_equal(gpbo_error_code(), GPBO_ESTORAGE);
    assert_one_line(gpbo_error_message());
    assert_non_null(strstr(gpbo_error_message(), "not a gpbo database"));
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT count(*) FROM sqlite_master), (SELECT "
                                        "count(*) FROM pragma_table_info('trials'))",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 2); /* its two tables, nothing of gpbo's */
    assert_int_equal(sqlite3_column_int(q, 1), 3); /* trials' own three columns */
    sqlite3_finalize(q);
    sqlite3_close(db);
    remove(path);
    snprintf(path, sizeof path, "%s/empty.db", scratch);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    gpbo_storage *st = gpbo_search__sqlite_open(path);
    if (st == NULL)
        fail_msg("%s", gpbo_error_message());
    st->ops->close(st);
    remove(path);
}

/* What SQLite's planner does with the heartbeat's UPDATE (search/storage_sqlite.c's
 * ST_HEARTBEAT, written again here): 1 when it reads the running trials' index, 0 when it scans
 * the study's trials. */
static int heartbeat_indexed(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "EXPLAIN QUERY PLAN UPDATE trials SET heartbeat = ? WHERE "
                                        "study = ? AND worker = ? AND state = 0",
                                        -1, &q, NULL),
                     SQLITE_OK);
    int indexed = 0, rows = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(q, 3);
        rows++;
        indexed |= detail != NULL && strstr(detail, "INDEX trials_running") != NULL;
    }
    assert_true(rows > 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return indexed;
}

/* A heartbeat read every trial of the study (no index on the running ones, which PostgreSQL's
 * schema has had since its version 2): at 20,000 trials 4.6 ms of CPU with the write lock held,
 * every `heartbeat` seconds per worker. A new file has the index, and a file made before it (or by
 * an older gpbo) gets it from the first writer that opens it, with its schema version unchanged. */
static void test_sqlite_running_index(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/running.db", scratch);
    gpbo_storage *st = gpbo_search__sqlite_open(path);
    assert_non_null(st);
    int64_t study = new_study(st, "running");
    size_t id = reserve(st, study, "A", 1.0, NULL, 1);
    st->ops->close(st);
    assert_true(heartbeat_indexed(path));

    snprintf(SQLITE.url, sizeof SQLITE.url, "%s", path); /* admin() on this file */
    admin(&SQLITE, "DROP INDEX trials_running");
    assert_false(heartbeat_indexed(path));
    st = gpbo_search__sqlite_open(path);
    assert_non_null(st);
    assert_int_equal(st->ops->heartbeat(st, study, "A", 7.5), GPBO_OK);
    loaded *l = load_all(st, study, 1);
    assert_int_equal(l->n, 1);
    assert_true(l->r[id].heartbeat == 7.5);
    release(l);
    st->ops->close(st);
    assert_true(heartbeat_indexed(path));
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT version FROM gpbo_schema", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 3); /* an older gpbo still opens it */
    sqlite3_finalize(q);
    sqlite3_close(db);
    snprintf(SQLITE.url, sizeof SQLITE.url, "%s/study.db", scratch);
    remove(path);
}

/* A study file deleted or replaced while a handle had it open: SQLite went on writing to the
 * removed file, every later write "succeeded" and was lost with it. Each write now fails with
 * one line naming the file; reading what the handle still sees keeps working. */
static void test_sqlite_file_removed(void **state)
{
    (void)state;
    static const char *const HOW[2] = {"deleted", "replaced"};
    for (int k = 0; k < 2; k++) {
        char path[700], side[720];
        snprintf(path, sizeof path, "%s/removed-%d.db", scratch, k);
        gpbo_storage *st = gpbo_search__sqlite_open(path);
        assert_non_null(st);
        int64_t study = new_study(st, "removed");
        size_t id = reserve(st, study, "w", 1, NULL, 1);
        if (k == 0) {
            assert_int_equal(unlink(path), 0);
            snprintf(side, sizeof side, "%s-wal", path);
            unlink(side);
            snprintf(side, sizeof side, "%s-shm", path);
            unlink(side);
        } else { /* another file moved over it, as a restore from a backup does */
            snprintf(side, sizeof side, "%s.new", path);
            gpbo_storage *other = gpbo_search__sqlite_open(side);
            assert_non_null(other);
            other->ops->close(other);
            assert_int_equal(rename(side, path), 0);
        }
        gpbo_trial_rec done = rec(GPBO_TRIAL_COMPLETE, NULL, 0, "w", 0);
        done.id = id;
        done.value = 2.385;
        int stored = -1;
        long step = 1;
        double v = 0.5;
        int rcs[4] = {st->ops->heartbeat(st, study, "w", 5.0),
                      st->ops->finish_trial(st, study, &done, &stored),
                      st->ops->report(st, study, id, 1, &step, &v), 0};
        gpbo_trial_rec next = rec(GPBO_TRIAL_RUNNING, NULL, 0, "w", 1);
        size_t nid = 0;
        rcs[3] = st->ops->reserve(st, study, &next, 1, 0, 100, &nid);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(rcs[i], GPBO_ESTORAGE);
        }
        assert_int_equal(stored, 0);
        assert_non_null(strstr(gpbo_error_message(), path));
        assert_non_null(strstr(gpbo_error_message(), HOW[k]));
        assert_one_line(gpbo_error_message());
        st->ops->close(st);
    }
}

/* ---- the list ---------------------------------------------------------------------------- */

#define BOTH(f)                                                                                    \
    {"sqlite: " #f, f, NULL, NULL, &SQLITE},                                                       \
    {                                                                                              \
        "postgresql: " #f, f, NULL, NULL, &PG                                                      \
    }
#define PG_ONLY(f)                                                                                 \
    {                                                                                              \
        "postgresql: " #f, f, NULL, server_up, NULL                                                \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_open_study),
        BOTH(test_reserve_in_order),
        BOTH(test_reserve_ahead),
        BOTH(test_reserve_concurrent),
        BOTH(test_unreserve),
        BOTH(test_claim),
        BOTH(test_finish_once),
        BOTH(test_finish_reserve),
        BOTH(test_heartbeat),
        BOTH(test_report),
        BOTH(test_load_by_id),
        BOTH(test_doubles_exact),
        BOTH(test_set_params),
        BOTH(test_drop_empty),
        BOTH(test_delete_study),
        {"sqlite: test_sqlite_file_removed", test_sqlite_file_removed, NULL, NULL, NULL},
        {"sqlite: test_sqlite_running_index", test_sqlite_running_index, NULL, NULL, NULL},
        {"sqlite: test_sqlite_another_programs_database", test_sqlite_another_programs_database,
         NULL, NULL, NULL},
        PG_ONLY(test_pg_bad_urls),
        PG_ONLY(test_pg_lost_commit),
        PG_ONLY(test_pg_lost_step),
        PG_ONLY(test_pg_transient_sqlstate),
        PG_ONLY(test_pg_schema_race),
        PG_ONLY(test_pg_schema_versions),
        PG_ONLY(test_pg_another_programs_tables),
        PG_ONLY(test_pg_server_down_and_back),
        PG_ONLY(test_pg_restart),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
