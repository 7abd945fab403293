/*
 * storage_pg.c: studies in a PostgreSQL database through libpq, for workers on many machines.
 * The tables have the SQLite backend's shape (parameter values as the JSON text of
 * params_json.h), the schema is created on first use and migrated step by step under an advisory
 * lock, and every operation is one transaction or one statement, so that many workers can share
 * a study with no coordinator: the study's row lock serialises reservations, claims are
 * compare-and-set updates, and only a running trial can be finished.
 *
 * Failures: every one sets GPBO_ESTORAGE with one line naming the database and host (never the
 * password) and libpq's own words; a URL that libpq cannot parse or whose parameters it refuses
 * is GPBO_EINVAL. A transient one (the connection lost, the server shutting
 * down or starting up, a serialization failure or deadlock) is retried with exponential backoff
 * (0.1 s doubling, up to GPBO_PG_RETRY_SECONDS in all, 30 by default), reconnecting with
 * PQreset. A permanent one (a malformed URL, authentication, a missing database, a server that
 * answers but refuses us) is reported at once, and so is a first connection that no server
 * answers (a host name that does not resolve, a refused connection: gpbo_search__pg_open).
 *
 * Retry rule: an attempt whose committing statement was sent but whose reply was lost (the
 * connection dropped) may or may not have committed. Reads, set_params, report (an upsert),
 * heartbeat, unreserve (matches only this worker's trial, which is gone or released after the
 * first run) and open_study (find, else insert ON CONFLICT DO NOTHING, then find) give the same
 * result when run twice. The other three first look whether the lost write landed: reserve
 * looks for the trial it had been given (the id its INSERT returned) with this worker and this
 * started time; claim for the trial already holding rec's state, worker, heartbeat and retries;
 * finish_trial for the trial already holding rec's state, value, reason and finished;
 * finish_reserve (one transaction) for its reservation, else for its tell. If it is there, the
 * earlier attempt committed and its answer is returned; if not, nothing of it is stored and
 * the write runs again.
 *
 * Thread-safety: one handle is one connection, used by one thread at a time.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpbo/sys/error.h"
#include "params_json.h"
#include "search_internal.h"

/* ---- libpq, loaded when a PostgreSQL storage is first opened ------------------------------
 *
 * DESIGN: libpq is not linked but opened (dlopen) by the first gpbo_search__pg_open. Debian's
 * libpq brings 24 more libraries (OpenSSL, GnuTLS, Kerberos, LDAP, SASL...): loading them was
 * about 45 % of the CPU time a gpbo process takes to start (bench/workers/README.md), paid by
 * every gpbo command and every SQLite worker, which never talk to a server. Every libpq call
 * of this file goes through the table lpq. The pipeline's functions are optional (a libpq
 * before version 14 has none): without them a reservation goes one statement at a time. */
/* (clang-format lays this list out differently from one run to the next: kept by hand) */
// clang-format off
#define PQ_REQUIRED(X) \
    X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQconninfoFree) X(PQconninfoParse) X(PQdb) \
    X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQexecPrepared) X(PQfinish) X(PQfreemem) \
    X(PQgetResult) X(PQgetisnull) X(PQgetvalue) X(PQhost) X(PQntuples) X(PQpingParams) \
    X(PQprepare) X(PQreset) X(PQresultErrorField) X(PQresultStatus) X(PQsendQueryParams) \
    X(PQsendQueryPrepared) X(PQserverVersion) X(PQsetNoticeProcessor) X(PQstatus) \
    X(PQtransactionStatus)
// clang-format on
#ifdef LIBPQ_HAS_PIPELINING
#define PQ_PIPELINE(X)                                                                             \
    X(PQenterPipelineMode) X(PQexitPipelineMode) X(PQpipelineSync) X(PQpipelineStatus)
#else
#define PQ_PIPELINE(X)
#endif
#define PQ_MEMBER(f) __typeof__(f) *f;
static struct {
    PQ_REQUIRED(PQ_MEMBER)
    PQ_PIPELINE(PQ_MEMBER)
    int loaded;   /* every required function was found */
    int pipeline; /* and the pipeline's */
} lpq;
#undef PQ_MEMBER
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_why[300]; /* why libpq could not be loaded */

/* Sets *fn to library h's function name; 0 when h has none. */
static int pq_sym(void *h, const char *name, void *fn)
{
    void *p = dlsym(h, name);
    memcpy(fn, &p, sizeof p); /* a function pointer from dlsym's void *, as POSIX allows */
    return p != NULL;
}

static void pq_load(void)
{
    void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *e = dlerror();
        snprintf(pq_why, sizeof pq_why, "%s", e ? e : "libpq.so.5: cannot be loaded");
        return;
    }
    const char *missing = NULL;
#define PQ_LOAD(f)                                                                                 \
    if (!pq_sym(h, #f, &lpq.f) && missing == NULL)                                                 \
        missing = #f;
    PQ_REQUIRED(PQ_LOAD)
#undef PQ_LOAD
    if (missing != NULL) {
        snprintf(pq_why, sizeof pq_why, "libpq.so.5 has no %s", missing);
        return;
    }
    lpq.pipeline = 1;
#define PQ_LOAD_OPTIONAL(f) lpq.pipeline &= pq_sym(h, #f, &lpq.f);
    PQ_PIPELINE(PQ_LOAD_OPTIONAL)
#undef PQ_LOAD_OPTIONAL
#ifndef LIBPQ_HAS_PIPELINING
    lpq.pipeline = 0;
#endif
    lpq.loaded = 1;
}

#define SCHEMA_VERSION  3
#define SCHEMA_LOCK_KEY 0x6770626f /* "gpbo": pg_advisory_xact_lock's key around migrations */
#define RETRY_DEFAULT_S 30.0
#define RETRY_FIRST_S   0.1
#define RETRY_MAX_STEP  5.0 /* the longest single wait between two attempts */
#define PREPARED_MAX    32  /* more distinct statements than this file has: the rest run unnamed */

/* MIGRATIONS[v] takes the schema from version v to v + 1 (one transaction with the rest);
 * version 3 is one more entry and SCHEMA_VERSION 3. */
static const char *const MIGRATIONS[SCHEMA_VERSION] = {
    /* 0 -> 1: the first SQLite schema's tables */
    "CREATE TABLE studies(id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
    "name text UNIQUE NOT NULL, space text NOT NULL, options text NOT NULL, "
    "created double precision);"
    "CREATE TABLE trials(study bigint NOT NULL REFERENCES studies(id), id bigint NOT NULL, "
    "state integer NOT NULL, value double precision, reason text, params text NOT NULL, "
    "started double precision, finished double precision, PRIMARY KEY(study, id));"
    "CREATE TABLE intermediate(study bigint NOT NULL, trial bigint NOT NULL, "
    "step bigint NOT NULL, value double precision NOT NULL, PRIMARY KEY(study, trial, step), "
    "FOREIGN KEY(study, trial) REFERENCES trials(study, id));",
    /* 1 -> 2: many workers. A trial left running by version 1 has no heartbeat: 0, which
     * makes it reclaimable at once. */
    "ALTER TABLE trials ADD COLUMN worker text, ADD COLUMN heartbeat double precision, "
    "ADD COLUMN retries integer NOT NULL DEFAULT 0;"
    "UPDATE trials SET heartbeat = 0 WHERE state = 0;"
    "CREATE INDEX trials_running ON trials(study, worker) WHERE state = 0;",
    /* 2 -> 3: every metric kept (issue 20): a trial's other metrics, a JSON object */
    "ALTER TABLE trials ADD COLUMN metrics text;",
};

typedef struct pg_storage {
    gpbo_storage base;
    PGconn *conn;
    char *conninfo;  /* as given: handed to PQpingParams; holds any password, never printed */
    char *where;     /* "db@host" for messages */
    char *secret[3]; /* the password as written in the URL and decoded, scrubbed from messages */
    double budget;   /* seconds of retries for a transient failure */
    int transient;   /* the last failure may pass: retry */
    int no_answer;   /* the last failed connection met no server at all (PQPING_NO_RESPONSE) */
    int ready;       /* the session on this connection is set up */
    /* statements prepared on this session (PQprepare, named "gpbo_<index>"): the server parses
     * and plans each once instead of at every call; a new session starts the list again */
    const char *prepared[PREPARED_MAX];
    int nprepared;
} pg_storage;

/* ---- messages ---------------------------------------------------------------------------- */

/* Copies src into dst (cap bytes) on one line: every run of white space becomes one space,
 * trailing white space goes, and each secret becomes "***". */
static void one_line(const pg_storage *s, char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    while (*src && n + 1 < cap) {
        size_t skip = 0;
        for (int k = 0; s && k < 3 && !skip; k++) {
            size_t len = s->secret[k] ? strlen(s->secret[k]) : 0;
            if (len && strncmp(src, s->secret[k], len) == 0)
                skip = len;
        }
        if (skip) {
            for (const char *m = "***"; *m && n + 1 < cap; m++)
                dst[n++] = *m;
            src += skip;
        } else if (*src == '\n' || *src == '\t' || *src == '\r' || *src == ' ') {
            while (*src == '\n' || *src == '\t' || *src == '\r' || *src == ' ')
                src++;
            if (n > 0 && dst[n - 1] != ' ')
                dst[n++] = ' ';
        } else {
            dst[n++] = *src++;
        }
    }
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

static int sqlstate_transient(const char *st)
{
    return st != NULL && (strncmp(st, "08", 2) == 0   /* connection exception */
                          || strcmp(st, "57P01") == 0 /* admin shutdown */
                          || strcmp(st, "57P02") == 0 /* crash shutdown */
                          || strcmp(st, "57P03") == 0 /* cannot connect now (starting up) */
                          || strcmp(st, "40001") == 0 /* serialization failure */
                          || strcmp(st, "40P01") == 0 /* deadlock detected */);
}

/* Records a failure of what (r: its result, or NULL) as GPBO_ESTORAGE and whether it is
 * transient. Returns GPBO_ESTORAGE. */
static int pg_error(pg_storage *s, const PGresult *r, const char *what)
{
    const char *m = r ? lpq.PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (m == NULL || *m == '\0')
        m = lpq.PQerrorMessage(s->conn);
    if (m == NULL || *m == '\0')
        m = "out of memory";
    char line[600];
    one_line(s, line, sizeof line, m);
    const char *state = r ? lpq.PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    s->transient = lpq.PQstatus(s->conn) == CONNECTION_BAD || sqlstate_transient(state);
    /* lock_not_available: the session's lock_timeout passed (LOCK_WAIT) */
    int lock = state != NULL && strcmp(state, "55P03") == 0;
    return gpbo_error_set(GPBO_ESTORAGE, "%s: %s: %s%s", s->where, what, line,
                          lock ? " (another session held a lock on the study for the whole "
                                 "lock_timeout: a transaction left open, in psql or elsewhere? "
                                 "pg_stat_activity shows who holds it)"
                               : "");
}

/* ---- statements -------------------------------------------------------------------------- */

/* The name under which sql is prepared on this session (preparing it at its first use), or
 * NULL when it cannot be: the caller then runs it unnamed. sql is one of this file's string
 * constants: statements are told apart by address. */
static const char *prepared_name(pg_storage *s, char *name, size_t cap, const char *sql, int n)
{
    int k = 0;
    while (k < s->nprepared && s->prepared[k] != sql)
        k++;
    if (k == PREPARED_MAX)
        return NULL;
    snprintf(name, cap, "gpbo_%d", k);
    if (k == s->nprepared) {
        PGresult *r = lpq.PQprepare(s->conn, name, sql, n, NULL);
        int ok = r != NULL && lpq.PQresultStatus(r) == PGRES_COMMAND_OK;
        lpq.PQclear(r);
        if (!ok)
            return NULL; /* run unnamed: its error (if it persists) is reported from there */
        s->prepared[s->nprepared++] = sql;
    }
    return name;
}

/* Runs sql (one of this file's string constants) with n text parameters (NULL: SQL NULL). The
 * result when its status is want, else NULL with the error recorded. */
static PGresult *pq(pg_storage *s, const char *what, ExecStatusType want, const char *sql, int n,
                    const char *const *params)
{
    char nbuf[32];
    const char *name = lpq.PQtransactionStatus(s->conn) == PQTRANS_INERROR
                           ? NULL
                           : prepared_name(s, nbuf, sizeof nbuf, sql, n);
    PGresult *r = name ? lpq.PQexecPrepared(s->conn, name, n, params, NULL, NULL, 0)
                       : lpq.PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);
    if (r != NULL && lpq.PQresultStatus(r) == want)
        return r;
    pg_error(s, r, what);
    lpq.PQclear(r);
    return NULL;
}

/* A command with no rows back; *affected (may be NULL) gets the rows it changed. */
static int pq_cmd(pg_storage *s, const char *what, const char *sql, int n,
                  const char *const *params, long *affected)
{
    PGresult *r = pq(s, what, PGRES_COMMAND_OK, sql, n, params);
    if (r == NULL)
        return GPBO_ESTORAGE;
    if (affected)
        *affected = strtol(lpq.PQcmdTuples(r), NULL, 10);
    lpq.PQclear(r);
    return GPBO_OK;
}

/* A multi-statement script without parameters (simple protocol). */
static int pq_script(pg_storage *s, const char *what, const char *sql)
{
    PGresult *r = lpq.PQexec(s->conn, sql);
    int ok = r != NULL && (lpq.PQresultStatus(r) == PGRES_COMMAND_OK ||
                           lpq.PQresultStatus(r) == PGRES_TUPLES_OK);
    int rc = ok ? GPBO_OK : pg_error(s, r, what);
    lpq.PQclear(r);
    return rc;
}

/* Doubles as text that float8in reads back bit for bit. */
static const char *fmt_double(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "NaN");
    else if (isinf(v))
        snprintf(buf, cap, v > 0 ? "Infinity" : "-Infinity");
    else
        snprintf(buf, cap, "%.17g", v);
    return buf;
}

static const char *fmt_i64(char *buf, size_t cap, int64_t v)
{
    snprintf(buf, cap, "%" PRId64, v);
    return buf;
}

/* size_t ids and caps as bigint: the few beyond its range mean "no limit". */
static const char *fmt_size(char *buf, size_t cap, size_t v)
{
    return fmt_i64(buf, cap, v > (size_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

/* A trial's value column: NULL unless finite (NaN stands for "no value", as in SQLite). */
static const char *fmt_value(char *buf, size_t cap, double v)
{
    return isfinite(v) ? fmt_double(buf, cap, v) : NULL;
}

static double col_double(const PGresult *r, int row, int col, double if_null)
{
    return lpq.PQgetisnull(r, row, col) ? if_null : strtod(lpq.PQgetvalue(r, row, col), NULL);
}

/* ---- connecting and retrying ------------------------------------------------------------- */

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_s(double t)
{
    struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg; /* library code never prints: libpq's default prints notices to stderr */
    (void)message;
}

/* The keywords every connection adds; the URL's own (expanded from dbname) come after and win. */
static const char *const CONN_KEYS[] = {"connect_timeout", "fallback_application_name", "dbname",
                                        NULL};

/* The longest wait for a lock, unless the session has a limit of its own (the URL's
 * options=-c lock_timeout=..., the role's or the database's setting). Without one a worker waited
 * forever, silent, behind any session holding the study's row (a transaction left open in psql,
 * a VACUUM FULL, a worker on a machine that vanished mid-transaction): SQLite's file gives up
 * after the same 30 s. The failure says a lock was waited for (pg_error). */
#define LOCK_WAIT                                                                                  \
    "SELECT set_config('lock_timeout', '30s', false) WHERE current_setting('lock_timeout') = '0'"

/* After a connection is (re)made: doubles come back with every digit they need (the default of
 * servers before version 12 rounds to 15), and from version 12 on, the prepared statements run
 * on their generic plans from the first call (by default the server plans each of the first
 * five calls anew for its parameters: a fifth of its CPU per trial in bench/workers; this
 * file's statements look up a study's trials by their primary key, whatever the values). */
static int session_setup(pg_storage *s)
{
    return pq_script(
        s, "setting up the session",
        lpq.PQserverVersion(s->conn) >= 120000
            ? "SET extra_float_digits = 3; SET plan_cache_mode = force_generic_plan; " LOCK_WAIT
            : "SET extra_float_digits = 3; " LOCK_WAIT);
}

/* After a failed connection attempt: records why the connection is bad, and whether trying again
 * may help: a server that does not answer or is starting up may come back; one that answers but
 * refused us (authentication, no such database, bad options) will not. A server that answers the
 * ping may also have come up just after the attempt failed (CI met it once: a worker gave up in
 * test_workers_pg's outage, its last attempt made while the server was down, its ping answered
 * once it was up): one more attempt tells the two apart, and GPBO_OK when it connects. */
static int connect_error(pg_storage *s)
{
    const char *vals[] = {"10", "gpbo", s->conninfo, NULL};
    PGPing ping = lpq.PQpingParams(CONN_KEYS, vals, 1);
    if (ping == PQPING_OK) {
        lpq.PQreset(s->conn);
        if (lpq.PQstatus(s->conn) == CONNECTION_OK) {
            s->transient = 0;
            return GPBO_OK;
        }
    }
    pg_error(s, NULL, "cannot connect");
    s->transient = ping == PQPING_NO_RESPONSE || ping == PQPING_REJECT;
    s->no_answer = ping == PQPING_NO_RESPONSE;
    if (ping == PQPING_NO_ATTEMPT) { /* libpq refused the parameters themselves: a bad URL */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", gpbo_error_message());
        return gpbo_error_set(GPBO_EINVAL, "%s", msg);
    }
    return GPBO_ESTORAGE;
}

static int reconnect(pg_storage *s)
{
    lpq.PQreset(s->conn);
    return lpq.PQstatus(s->conn) == CONNECTION_OK ? GPBO_OK : connect_error(s);
}

/* One operation: body runs it once, in one transaction or one statement. */
typedef struct pg_call pg_call;
struct pg_call {
    int (*body)(pg_storage *s, pg_call *c);
    int sent;   /* this attempt sent the statement that commits */
    int unsure; /* an earlier attempt sent it and lost the reply: it may have committed */
};

/* Whether a failed body left the connection in pipeline mode (an error between entering it and
 * leaving it; test_workers_pg's outage met it once). */
static int left_in_pipeline(pg_storage *s)
{
#ifdef LIBPQ_HAS_PIPELINING
    return lpq.pipeline && lpq.PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF;
#else
    (void)s;
    return 0;
#endif
}

/* Runs c->body until it succeeds, fails for good, or the retry budget is spent (see the top of
 * the file). Leaves no transaction open. */
static int run(pg_storage *s, pg_call *c)
{
    double t0 = mono_s(), wait = RETRY_FIRST_S;
    for (;;) {
        s->transient = 0;
        c->sent = 0;
        int rc = GPBO_OK;
        if (lpq.PQstatus(s->conn) != CONNECTION_OK) {
            s->ready = 0;
            s->nprepared = 0; /* a new session: nothing is prepared on it */
            rc = reconnect(s);
        }
        if (rc == GPBO_OK && !s->ready && (rc = session_setup(s)) == GPBO_OK)
            s->ready = 1;
        if (rc == GPBO_OK && (rc = c->body(s, c)) == GPBO_OK)
            return GPBO_OK;
        if (lpq.PQstatus(s->conn) == CONNECTION_OK && left_in_pipeline(s)) {
            /* a pipeline a failure left open takes no ROLLBACK (nor anything synchronous): a
             * new session ends it, the transaction with it */
            lpq.PQreset(s->conn);
            s->ready = 0;
            s->nprepared = 0;
            c->unsure |= c->sent;
        } else if (lpq.PQstatus(s->conn) == CONNECTION_OK) {
            if (lpq.PQtransactionStatus(s->conn) != PQTRANS_IDLE)
                lpq.PQclear(lpq.PQexec(s->conn, "ROLLBACK"));
        } else if (c->sent) {
            c->unsure = 1;
        }
        if (!s->transient)
            return rc;
        double spent = mono_s() - t0;
        if (spent >= s->budget) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", gpbo_error_message());
            return gpbo_error_set(rc, "%s (gave up after %.1f s of retries)", msg, spent);
        }
        sleep_s(wait < s->budget - spent ? wait : s->budget - spent);
        wait = wait * 2 < RETRY_MAX_STEP ? wait * 2 : RETRY_MAX_STEP;
        /* the next turn reconnects if the connection is bad; after a deadlock or a
         * serialization failure it is fine and the body simply runs again */
    }
}

/* ---- schema ------------------------------------------------------------------------------ */

static int read_version(pg_storage *s, const char *sql, int *out)
{
    PGresult *r = pq(s, "reading the schema version", PGRES_TUPLES_OK, sql, 0, NULL);
    if (r == NULL)
        return GPBO_ESTORAGE;
    *out = lpq.PQntuples(r) > 0 ? atoi(lpq.PQgetvalue(r, 0, 0)) : 0;
    lpq.PQclear(r);
    return GPBO_OK;
}

static int refuse_version(pg_storage *s, int version)
{
    s->transient = 0;
    return gpbo_error_set(GPBO_ESTORAGE,
                          "%s: schema version %d is newer than this gpbo's (%d): upgrade gpbo",
                          s->where, version, SCHEMA_VERSION);
}

/* Before the first schema is made: GPBO_OK when no table of its names is there. An Optuna
 * storage has its own 'studies' and 'trials' (and many users keep one tuning database): the
 * CREATE failed with 'relation "studies" already exists', which did not say what to do. Nothing
 * is changed either way (the caller's transaction is rolled back). */
static int refuse_foreign_tables(pg_storage *s)
{
    PGresult *r = pq(s, "creating the schema", PGRES_TUPLES_OK,
                     "SELECT string_agg(t, ', ') FROM unnest(ARRAY['studies', 'trials', "
                     "'intermediate']) AS t WHERE to_regclass(t) IS NOT NULL",
                     0, NULL);
    if (r == NULL)
        return GPBO_ESTORAGE;
    if (lpq.PQgetisnull(r, 0, 0)) {
        lpq.PQclear(r);
        return GPBO_OK;
    }
    char names[64];
    snprintf(names, sizeof names, "%s", lpq.PQgetvalue(r, 0, 0));
    lpq.PQclear(r);
    s->transient = 0;
    return gpbo_error_set(GPBO_ESTORAGE,
                          "%s: the database holds another program's tables (%s; an Optuna "
                          "storage?) and no gpbo schema: nothing was changed. Give gpbo a "
                          "database of its own, or a schema: CREATE SCHEMA gpbo, then add "
                          "options=-csearch_path%%3Dgpbo to the URL",
                          s->where, names);
}

/* Creates or migrates the schema: one transaction holding the advisory lock, so workers that
 * connect at the same moment take turns and the later ones find the work done. */
static int migrate(pg_storage *s)
{
    int version = 0, rc;
    char lock[32], sql[128];
    const char *p[] = {fmt_i64(lock, sizeof lock, SCHEMA_LOCK_KEY)};
    if ((rc = pq_script(s, "creating the schema", "BEGIN")) != GPBO_OK)
        return rc;
    PGresult *r =
        pq(s, "creating the schema", PGRES_TUPLES_OK, "SELECT pg_advisory_xact_lock($1)", 1, p);
    if (r == NULL)
        return GPBO_ESTORAGE;
    lpq.PQclear(r);
    if ((rc = pq_script(s, "creating the schema",
                        "CREATE TABLE IF NOT EXISTS gpbo_schema(version integer NOT NULL)")) !=
            GPBO_OK ||
        (rc = read_version(s, "SELECT max(version) FROM gpbo_schema", &version)) != GPBO_OK)
        return rc;
    if (version > SCHEMA_VERSION)
        return refuse_version(s, version);
    if (version == 0 && (rc = refuse_foreign_tables(s)) != GPBO_OK)
        return rc;
    for (int v = version; v < SCHEMA_VERSION; v++) {
        snprintf(sql, sizeof sql, "migrating the schema from version %d to %d", v, v + 1);
        if ((rc = pq_script(s, sql, MIGRATIONS[v])) != GPBO_OK)
            return rc;
    }
    snprintf(sql, sizeof sql, "DELETE FROM gpbo_schema; INSERT INTO gpbo_schema VALUES (%d)",
             SCHEMA_VERSION);
    if (version < SCHEMA_VERSION && (rc = pq_script(s, "creating the schema", sql)) != GPBO_OK)
        return rc;
    return pq_script(s, "creating the schema", "COMMIT");
}

static int schema_body(pg_storage *s, pg_call *c)
{
    (void)c;
    /* the usual case, one round trip and no lock: the schema is there and current */
    PGresult *r = lpq.PQexec(s->conn, "SELECT max(version) FROM gpbo_schema");
    if (r != NULL && lpq.PQresultStatus(r) == PGRES_TUPLES_OK && !lpq.PQgetisnull(r, 0, 0)) {
        int version = atoi(lpq.PQgetvalue(r, 0, 0));
        lpq.PQclear(r);
        if (version == SCHEMA_VERSION)
            return GPBO_OK;
        if (version > SCHEMA_VERSION)
            return refuse_version(s, version);
    } else {
        lpq.PQclear(r);
        if (lpq.PQstatus(s->conn) != CONNECTION_OK)
            return pg_error(s, NULL, "reading the schema version");
    }
    return migrate(s);
}

/* ---- operations -------------------------------------------------------------------------- */

static pg_storage *PG(gpbo_storage *st)
{
    return (pg_storage *)st;
}

typedef struct open_call {
    pg_call c;
    const char *name, *space, *opts; /* space NULL: find only */
    int64_t id;
    char *space_out, *opts_out;
} open_call;

/* Finds the study: 1 found, 0 not found, or a failure status. */
static int find_study(pg_storage *s, open_call *a)
{
    const char *p[] = {a->name};
    PGresult *r = pq(s, "reading studies", PGRES_TUPLES_OK,
                     "SELECT id, space, options FROM studies WHERE name = $1", 1, p);
    if (r == NULL)
        return GPBO_ESTORAGE;
    int found = lpq.PQntuples(r) > 0;
    if (found) {
        free(a->space_out); /* an earlier attempt's, if it failed later */
        free(a->opts_out);
        a->id = strtoll(lpq.PQgetvalue(r, 0, 0), NULL, 10);
        a->space_out = strdup(lpq.PQgetvalue(r, 0, 1));
        a->opts_out = strdup(lpq.PQgetvalue(r, 0, 2));
    }
    lpq.PQclear(r);
    if (found && (a->space_out == NULL || a->opts_out == NULL))
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    return found;
}

static int open_body(pg_storage *s, pg_call *c)
{
    open_call *a = (open_call *)c;
    int rc = find_study(s, a);
    if (rc != 0)
        return rc < 0 ? rc : GPBO_OK;
    if (a->space == NULL)
        return gpbo_error_set(GPBO_ENOTFOUND, "%s: no study named '%s'", s->where, a->name);
    /* a worker creating it at the same moment: the loser's insert does nothing, and both read
     * the winner's row */
    char created[32];
    const char *p[] = {a->name, a->space, a->opts,
                       fmt_double(created, sizeof created, (double)time(NULL))};
    if ((rc = pq_cmd(s, "creating the study",
                     "INSERT INTO studies(name, space, options, created) VALUES ($1, $2, $3, $4) "
                     "ON CONFLICT (name) DO NOTHING",
                     4, p, NULL)) != GPBO_OK)
        return rc;
    rc = find_study(s, a);
    if (rc == 0) /* only if someone deleted it in between */
        return gpbo_error_set(GPBO_ESTORAGE, "%s: study '%s' vanished as it was created", s->where,
                              a->name);
    return rc < 0 ? rc : GPBO_OK;
}

static int pg_open_study(gpbo_storage *st, const char *name, char **io_space, char **io_opts,
                         int64_t *out_study)
{
    open_call a = {{open_body, 0, 0}, name, *io_space, *io_opts, 0, NULL, NULL};
    int rc = run(PG(st), &a.c);
    if (rc != GPBO_OK) { /* the caller keeps its own strings */
        free(a.space_out);
        free(a.opts_out);
        return rc;
    }
    *io_space = a.space_out;
    *io_opts = a.opts_out;
    *out_study = a.id;
    return GPBO_OK;
}

/* "{a,b,c}" of n values formatted by fmt (a malloc'd string, NULL when memory runs out). */
static char *pg_array(size_t n, const void *v,
                      void (*fmt)(char *buf, size_t cap, const void *v, size_t i))
{
    size_t cap = 2 + 32 * (n ? n : 1), len = 1;
    char *t = malloc(cap);
    if (t == NULL)
        return NULL;
    t[0] = '{';
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        fmt(buf, sizeof buf, v, i);
        len += (size_t)snprintf(t + len, cap - len, i ? ",%s" : "%s", buf);
    }
    snprintf(t + len, cap - len, "}");
    return t;
}

static void fmt_size_at(char *buf, size_t cap, const void *v, size_t i)
{
    fmt_size(buf, cap, ((const size_t *)v)[i]);
}

static void fmt_long_at(char *buf, size_t cap, const void *v, size_t i)
{
    snprintf(buf, cap, "%ld", ((const long *)v)[i]);
}

static void fmt_double_at(char *buf, size_t cap, const void *v, size_t i)
{
    fmt_double(buf, cap, ((const double *)v)[i]);
}

/* Reads the text of a bigint[] or a float8[] ("{1,2}"; NULL: empty) into out[0..n); the count
 * must be n. 0 on success. */
static int parse_array(const char *t, size_t n, long *out_l, double *out_d)
{
    if (t == NULL)
        return n == 0 ? 0 : -1;
    if (*t++ != '{')
        return -1;
    size_t i = 0;
    while (*t != '}') {
        char *end;
        if (i == n)
            return -1;
        if (out_l)
            out_l[i] = strtol(t, &end, 10);
        else
            out_d[i] = strtod(t, &end);
        if (end == t)
            return -1;
        i++;
        t = end;
        if (*t == ',')
            t++;
        else if (*t != '}')
            return -1;
    }
    return i == n && t[1] == '\0' ? 0 : -1;
}

typedef struct load_call {
    pg_call c;
    int64_t study;
    size_t nparams, from;
    const char *ids; /* "{...}" */
    int (*cb)(void *payload, const gpbo_trial_rec *rec);
    void *payload;
} load_call;

enum {
    L_ID,
    L_STATE,
    L_VALUE,
    L_REASON,
    L_PARAMS,
    L_STARTED,
    L_FINISHED,
    L_WORKER,
    L_HEARTBEAT,
    L_RETRIES,
    L_NSTEPS,
    L_STEPS,
    L_VALUES,
    L_METRICS
};

/* One statement: one snapshot, one round trip, each trial's intermediate values gathered into
 * arrays next to it. $1 the study, $2 from, $3 the ids ("{...}"). */
static const char *const LOAD_SQL =
    "SELECT t.id, t.state, t.value, t.reason, t.params, t.started, t.finished, "
    "t.worker, t.heartbeat, t.retries, i.n, i.steps, i.vals, t.metrics FROM trials t "
    "LEFT JOIN LATERAL (SELECT count(*) AS n, array_agg(step ORDER BY step) "
    "AS steps, array_agg(value ORDER BY step) AS vals FROM intermediate "
    "WHERE study = t.study AND trial = t.id) i ON true "
    "WHERE t.study = $1 AND (t.id >= $2 OR t.id = ANY($3::bigint[])) "
    "ORDER BY t.id";

/* Hands LOAD_SQL's rows in r to a->cb, as trial records. */
static int load_rows(pg_storage *s, const load_call *a, const PGresult *r)
{
    int rc = GPBO_OK;
    double *vals = malloc((a->nparams ? a->nparams : 1) * sizeof *vals);
    long *steps = NULL;
    double *svals = NULL;
    size_t cap = 0;
    if (vals == NULL)
        rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
    for (int row = 0; rc == GPBO_OK && row < lpq.PQntuples(r); row++) {
        gpbo_trial_rec t = {0};
        t.id = (size_t)strtoull(lpq.PQgetvalue(r, row, L_ID), NULL, 10);
        t.state = (gpbo_trial_state)atoi(lpq.PQgetvalue(r, row, L_STATE));
        t.value = col_double(r, row, L_VALUE, NAN);
        t.reason = lpq.PQgetisnull(r, row, L_REASON) ? NULL : lpq.PQgetvalue(r, row, L_REASON);
        t.started = col_double(r, row, L_STARTED, 0);
        t.finished = col_double(r, row, L_FINISHED, 0);
        t.worker = lpq.PQgetisnull(r, row, L_WORKER) ? NULL : lpq.PQgetvalue(r, row, L_WORKER);
        t.heartbeat = col_double(r, row, L_HEARTBEAT, 0);
        t.retries = (unsigned)strtoul(lpq.PQgetvalue(r, row, L_RETRIES), NULL, 10);
        int proposed = 0;
        rc = gpbo_search__params_from_json(lpq.PQgetvalue(r, row, L_PARAMS), a->nparams, vals,
                                           &proposed);
        if (rc != GPBO_OK) {
            rc = gpbo_search__trial_read_error(rc, s->where, t.id, "parameters");
            break;
        }
        t.values = proposed ? vals : NULL;
        t.nsteps = (size_t)strtoull(lpq.PQgetvalue(r, row, L_NSTEPS), NULL, 10);
        if (t.nsteps > cap) {
            long *ns = realloc(steps, t.nsteps * sizeof *ns);
            if (ns)
                steps = ns;
            double *nv = realloc(svals, t.nsteps * sizeof *nv);
            if (nv)
                svals = nv;
            if (ns == NULL || nv == NULL) {
                rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
                break;
            }
            cap = t.nsteps;
        }
        const char *ts = lpq.PQgetisnull(r, row, L_STEPS) ? NULL : lpq.PQgetvalue(r, row, L_STEPS);
        const char *tv =
            lpq.PQgetisnull(r, row, L_VALUES) ? NULL : lpq.PQgetvalue(r, row, L_VALUES);
        if (parse_array(ts, t.nsteps, steps, NULL) != 0 ||
            parse_array(tv, t.nsteps, NULL, svals) != 0) {
            rc = gpbo_error_set(GPBO_EFORMAT,
                                "%s: trial %zu: its intermediate values are "
                                "malformed",
                                s->where, t.id);
            break;
        }
        t.steps = steps;
        t.step_values = svals;
        t.stepcap = t.nsteps;
        rc = gpbo_search__metrics_from_json(
            lpq.PQgetisnull(r, row, L_METRICS) ? NULL : lpq.PQgetvalue(r, row, L_METRICS),
            &t.metrics);
        if (rc != GPBO_OK) {
            rc = gpbo_search__trial_read_error(rc, s->where, t.id, "metrics");
            break;
        }
        rc = a->cb(a->payload, &t);
        gpbo_search__metrics_clear(&t.metrics);
    }
    free(vals);
    free(steps);
    free(svals);
    return rc;
}

static int load_body(pg_storage *s, pg_call *c)
{
    load_call *a = (load_call *)c;
    char study[32], from[32];
    const char *p[] = {fmt_i64(study, sizeof study, a->study), fmt_size(from, sizeof from, a->from),
                       a->ids};
    PGresult *r = pq(s, "reading trials", PGRES_TUPLES_OK, LOAD_SQL, 3, p);
    if (r == NULL)
        return GPBO_ESTORAGE;
    int rc = load_rows(s, a, r);
    lpq.PQclear(r);
    return rc;
}

static int pg_load(gpbo_storage *st, int64_t study, size_t nparams, size_t from, const size_t *ids,
                   size_t nids, int (*cb)(void *payload, const gpbo_trial_rec *rec), void *payload)
{
    char *idt = pg_array(nids, ids, fmt_size_at);
    if (idt == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    load_call a = {{load_body, 0, 0}, study, nparams, from, idt, cb, payload};
    int rc = run(PG(st), &a.c);
    free(idt);
    return rc;
}

typedef struct reserve_call {
    pg_call c;
    int64_t study;
    const gpbo_trial_rec *rec;
    const char *params; /* JSON: one point, or (expect) the array of the points ahead */
    int expect;         /* params holds points for ids rec->id, rec->id + 1, ... */
    size_t cap;
    int64_t got; /* the id the reservation got, -1 before */
} reserve_call;

/* The reservation's statements, one transaction: the study's row lock makes reservations of one
 * study take turns, and the INSERT after it (READ COMMITTED: a fresh snapshot per statement)
 * sees every id handed out before. The parameters: $4 whatever the id ($8 NULL), or the
 * element of the JSON array $4 drawn for the id it gets (the array's first for id $8; none, the
 * text 'null', for an id outside it). json, not jsonb: its elements keep their text as written. */
static const char *const RESERVE_LOCK = "SELECT 1 FROM studies WHERE id = $1 FOR UPDATE";
static const char *const RESERVE_INSERT =
    "INSERT INTO trials(study, id, state, params, started, worker, heartbeat) "
    "SELECT $1, n, $3, CASE WHEN $8::bigint IS NULL THEN $4::text "
    "WHEN n >= $8::bigint AND n < $8::bigint + json_array_length($4::text::json) "
    "THEN ($4::text::json -> (n - $8::bigint)::int)::text ELSE 'null' END, "
    "$5, $6, $7 FROM (SELECT coalesce(max(id) + 1, 0) AS n FROM trials WHERE study = $1) m "
    "WHERE n < $2 RETURNING id";
/* a worker's reservation is the one with its started time (search_internal.h) */
static const char *const RESERVE_FIND =
    "SELECT id FROM trials WHERE study = $1 AND worker IS NOT DISTINCT FROM $2 AND started = $3";
enum { R_STUDY, R_CAP, R_STATE, R_PARAMS, R_STARTED, R_WORKER, R_HB, R_EXPECT, R_N };

/* What the lock's and the INSERT's rows say: GPBO_OK with a->got set, or why not. */
static int reserve_outcome(pg_storage *s, reserve_call *a, int found, const PGresult *ins)
{
    if (!found)
        return gpbo_error_set(GPBO_ENOTFOUND, "%s: study %" PRId64 " is not there (deleted)",
                              s->where, a->study);
    if (lpq.PQntuples(ins) == 0)
        return gpbo_error_set(GPBO_EEXHAUSTED, "%s: study %" PRId64 " holds its cap of %zu trials",
                              s->where, a->study, a->cap);
    a->got = strtoll(lpq.PQgetvalue(ins, 0, 0), NULL, 10);
    return GPBO_OK;
}

/* The reservation one statement at a time (four round trips). After a lost COMMIT (c->unsure)
 * it first looks, under the lock, whether that COMMIT landed. */
static int reserve_steps(pg_storage *s, reserve_call *a, const char *const *p)
{
    int rc = pq_script(s, "reserving a trial", "BEGIN");
    if (rc != GPBO_OK)
        return rc;
    PGresult *r = pq(s, "reserving a trial", PGRES_TUPLES_OK, RESERVE_LOCK, 1, p);
    if (r == NULL)
        return GPBO_ESTORAGE;
    int found = lpq.PQntuples(r) > 0;
    lpq.PQclear(r);
    if (!found)
        return reserve_outcome(s, a, 0, NULL);
    if (a->c.unsure) { /* did the lost COMMIT land? */
        const char *pf[] = {p[R_STUDY], p[R_WORKER], p[R_STARTED]};
        if ((r = pq(s, "reserving a trial", PGRES_TUPLES_OK, RESERVE_FIND, 3, pf)) == NULL)
            return GPBO_ESTORAGE;
        a->got = lpq.PQntuples(r) > 0 ? strtoll(lpq.PQgetvalue(r, 0, 0), NULL, 10) : -1;
        lpq.PQclear(r);
        if (a->got >= 0)
            return pq_script(s, "reserving a trial", "COMMIT");
    }
    if ((r = pq(s, "reserving a trial", PGRES_TUPLES_OK, RESERVE_INSERT, R_N, p)) == NULL)
        return GPBO_ESTORAGE;
    rc = reserve_outcome(s, a, 1, r);
    lpq.PQclear(r);
    if (rc != GPBO_OK)
        return rc;
    a->c.sent = 1;
    return pq_script(s, "reserving a trial", "COMMIT");
}

#ifdef LIBPQ_HAS_PIPELINING
/* The next query's result in a pipeline, which must have status want (then the caller clears
 * it), else NULL with the error recorded. Reads the NULL that ends the query's results too. */
static PGresult *pipe_result(pg_storage *s, const char *what, ExecStatusType want)
{
    PGresult *r = lpq.PQgetResult(s->conn);
    if (r != NULL && lpq.PQresultStatus(r) != PGRES_PIPELINE_SYNC)
        lpq.PQclear(lpq.PQgetResult(s->conn));
    if (r != NULL && lpq.PQresultStatus(r) == want)
        return r;
    pg_error(s, r, what);
    lpq.PQclear(r);
    return NULL;
}

/* Sends sql (prepared as *name, or unnamed when name is NULL) into the pipeline. */
static int pipe_send(pg_storage *s, const char *name, const char *sql, int n, const char *const *p)
{
    return name ? lpq.PQsendQueryPrepared(s->conn, name, n, p, NULL, NULL, 0)
                : lpq.PQsendQueryParams(s->conn, sql, n, NULL, p, NULL, NULL, 0);
}

/* Reads what is left of a pipeline: the results of its last `queries` queries (each ended by a
 * NULL), then its sync point. */
static void pipe_skip(pg_storage *s, int queries)
{
    PGresult *r;
    for (; queries > 0; queries--)
        while ((r = lpq.PQgetResult(s->conn)) != NULL)
            lpq.PQclear(r);
    lpq.PQclear(lpq.PQgetResult(s->conn)); /* PGRES_PIPELINE_SYNC */
}

/* Ends a pipeline whose results were read but its last `left` queries': reads those and its
 * sync point and leaves pipeline mode. A failure to leave it keeps rc when rc is an error (run()
 * resets the session, left_in_pipeline). After a success it means the server ended the session
 * between the last reply and the sync (test_workers_pg's outage under load: "FATAL: terminating
 * connection due to administrator command", then "cannot exit pipeline mode with uncollected
 * results", while libpq still took the connection for good): what the replies said was done is
 * committed, so rc stays GPBO_OK, and the session is begun again here (run() reconnects at the
 * next call if the server is not back). It was an error that run() did not take for transient,
 * and `gpbo run` stopped, its trial reserved. */
static int pipe_end(pg_storage *s, int rc, int left)
{
    pipe_skip(s, left);
    if (!lpq.PQexitPipelineMode(s->conn) && rc == GPBO_OK) {
        lpq.PQreset(s->conn);
        s->ready = 0;
        s->nprepared = 0;
    }
    return rc;
}

/* The reservation in one round trip: BEGIN, the lock, the INSERT and COMMIT sent together
 * (libpq's pipeline mode). An error aborts the statements after it, COMMIT included, and
 * leaves the transaction for run() to roll back. */
static int reserve_pipelined(pg_storage *s, reserve_call *a, const char *const *p)
{
    const char *what = "reserving a trial";
    char lname[32], iname[32]; /* prepared first: PQprepare waits for its reply */
    const char *ln = prepared_name(s, lname, sizeof lname, RESERVE_LOCK, 1);
    const char *in = prepared_name(s, iname, sizeof iname, RESERVE_INSERT, R_N);
    if (!lpq.PQenterPipelineMode(s->conn))
        return pg_error(s, NULL, what);
    if (!pipe_send(s, NULL, "BEGIN", 0, NULL) || !pipe_send(s, ln, RESERVE_LOCK, 1, p) ||
        !pipe_send(s, in, RESERVE_INSERT, R_N, p) || !pipe_send(s, NULL, "COMMIT", 0, NULL) ||
        !lpq.PQpipelineSync(s->conn))
        return pg_error(s, NULL, what); /* a bad connection: run() resets it, pipeline and all */
    a->c.sent = 1;
    int rc = GPBO_ESTORAGE, found = 0, left = 4;
    PGresult *r = pipe_result(s, what, PGRES_COMMAND_OK);
    left--;
    if (r != NULL) {
        lpq.PQclear(r);
        r = pipe_result(s, what, PGRES_TUPLES_OK);
        left--;
    }
    if (r != NULL) {
        found = lpq.PQntuples(r) > 0;
        lpq.PQclear(r);
        r = pipe_result(s, what, PGRES_TUPLES_OK); /* fails without the study's row */
        left--;
        rc = r != NULL || !found ? reserve_outcome(s, a, found, r) : GPBO_ESTORAGE;
        lpq.PQclear(r);
    }
    if (r != NULL && rc == GPBO_OK) {
        r = pipe_result(s, what, PGRES_COMMAND_OK); /* COMMIT */
        left--;
        rc = r != NULL ? GPBO_OK : GPBO_ESTORAGE;
        lpq.PQclear(r);
    }
    if (lpq.PQstatus(s->conn) != CONNECTION_OK)
        return rc == GPBO_OK ? pg_error(s, NULL, what) : rc;
    return pipe_end(s, rc, left);
}
#endif

/* The text of a reservation's parameters. */
typedef struct reserve_text {
    char study[32], cap[32], state[16], started[32], hb[32], expect[32];
} reserve_text;

/* The reservation's statements' parameters p[R_N] (pointing into b and a). */
static void reserve_params(const reserve_call *a, reserve_text *b, const char **p)
{
    const gpbo_trial_rec *t = a->rec;
    snprintf(b->state, sizeof b->state, "%d", (int)t->state);
    p[R_STUDY] = fmt_i64(b->study, sizeof b->study, a->study);
    p[R_CAP] = fmt_size(b->cap, sizeof b->cap, a->cap);
    p[R_STATE] = b->state;
    p[R_PARAMS] = a->params;
    p[R_STARTED] = fmt_double(b->started, sizeof b->started, t->started);
    p[R_WORKER] = t->worker;
    p[R_HB] = fmt_double(b->hb, sizeof b->hb, t->heartbeat);
    p[R_EXPECT] = a->expect ? fmt_size(b->expect, sizeof b->expect, t->id) : NULL;
}

static int reserve_body(pg_storage *s, pg_call *c)
{
    reserve_call *a = (reserve_call *)c;
    reserve_text b;
    const char *p[R_N];
    reserve_params(a, &b, p);
    a->got = -1;
#ifdef LIBPQ_HAS_PIPELINING
    if (!c->unsure && lpq.pipeline)
        return reserve_pipelined(s, a, p);
#endif
    return reserve_steps(s, a, p);
}

/* The JSON array of n points of nparams values, "[[..],[..]]" (NULL when memory runs out). */
static char *points_json(const double *values, size_t nparams, size_t n)
{
    char **p = calloc(n ? n : 1, sizeof *p);
    size_t len = 3; /* the brackets and the terminator */
    int ok = p != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        ok = (p[i] = gpbo_search__params_to_json(values + i * nparams, nparams)) != NULL;
        len += ok ? strlen(p[i]) + 1 : 0;
    }
    char *t = ok ? malloc(len) : NULL;
    if (t != NULL) {
        size_t at = 1;
        t[0] = '[';
        for (size_t i = 0; i < n; i++)
            at += (size_t)snprintf(t + at, len - at, i ? ",%s" : "%s", p[i]);
        snprintf(t + at, len - at, "]");
    }
    for (size_t i = 0; p && i < n; i++)
        free(p[i]);
    free(p);
    return t;
}

/* The reservation's parameter values as reserve_call's params (malloc'd; NULL: out of memory),
 * and whether they are points drawn ahead (*expect). */
static char *reserve_points(const gpbo_trial_rec *rec, size_t nparams, size_t nahead, int *expect)
{
    *expect = rec->values != NULL && nahead > 0;
    return *expect ? points_json(rec->values, nparams, nahead)
                   : gpbo_search__params_to_json(rec->values, nparams);
}

static int pg_reserve(gpbo_storage *st, int64_t study, const gpbo_trial_rec *rec, size_t nparams,
                      size_t nahead, size_t cap, size_t *out_id)
{
    int expect = 0;
    char *params = reserve_points(rec, nparams, nahead, &expect);
    if (params == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    reserve_call a = {{reserve_body, 0, 0}, study, rec, params, expect, cap, -1};
    int rc = run(PG(st), &a.c);
    free(params);
    if (rc == GPBO_OK)
        *out_id = (size_t)a.got;
    return rc;
}

typedef struct unreserve_call {
    pg_call c;
    int64_t study;
    size_t id;
    const char *worker;
} unreserve_call;

/* Under the study's row lock, as reserve: a trial deleted while another worker computes "largest
 * id + 1" would leave a gap. Run twice, the second finds nothing of this worker's to change. */
static int unreserve_body(pg_storage *s, pg_call *c)
{
    unreserve_call *a = (unreserve_call *)c;
    char study[32], id[32];
    const char *p[] = {fmt_i64(study, sizeof study, a->study), fmt_size(id, sizeof id, a->id),
                       a->worker};
    int rc = pq_script(s, "taking back a trial", "BEGIN");
    if (rc != GPBO_OK)
        return rc;
    PGresult *r = pq(s, "taking back a trial", PGRES_TUPLES_OK,
                     "SELECT 1 FROM studies WHERE id = $1 FOR UPDATE", 1, p);
    if (r == NULL)
        return GPBO_ESTORAGE;
    lpq.PQclear(r);
    long n = 0;
    if ((rc = pq_cmd(s, "taking back a trial",
                     "DELETE FROM trials WHERE study = $1 AND id = $2 AND worker = $3 AND "
                     "state = 0 AND params = 'null' AND "
                     "id = (SELECT max(id) FROM trials WHERE study = $1)",
                     3, p, &n)) != GPBO_OK)
        return rc;
    if (n == 0 && (rc = pq_cmd(s, "taking back a trial",
                               "UPDATE trials SET heartbeat = 0 WHERE study = $1 AND id = $2 AND "
                               "worker = $3 AND state = 0",
                               3, p, NULL)) != GPBO_OK)
        return rc;
    c->sent = 1;
    return pq_script(s, "taking back a trial", "COMMIT");
}

static int pg_unreserve(gpbo_storage *st, int64_t study, size_t id, const char *worker)
{
    unreserve_call a = {{unreserve_body, 0, 0}, study, id, worker};
    return run(PG(st), &a.c);
}

typedef struct set_params_call {
    pg_call c;
    int64_t study;
    size_t id;
    const char *params;
} set_params_call;

static int set_params_body(pg_storage *s, pg_call *c)
{
    set_params_call *a = (set_params_call *)c;
    char study[32], id[32];
    const char *p[] = {fmt_i64(study, sizeof study, a->study), fmt_size(id, sizeof id, a->id),
                       a->params};
    long n = 0;
    int rc = pq_cmd(s, "storing parameters",
                    "UPDATE trials SET params = $3 WHERE study = $1 AND id = $2", 3, p, &n);
    if (rc == GPBO_OK && n == 0)
        rc = gpbo_error_set(GPBO_ENOTFOUND, "%s: study %" PRId64 " has no trial %zu", s->where,
                            a->study, a->id);
    return rc;
}

static int pg_set_params(gpbo_storage *st, int64_t study, size_t id, const double *values,
                         size_t nparams)
{
    char *params = gpbo_search__params_to_json(values, nparams);
    if (params == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    set_params_call a = {{set_params_body, 0, 0}, study, id, params};
    int rc = run(PG(st), &a.c);
    free(params);
    return rc;
}

typedef struct drop_call {
    pg_call c;
    int64_t study;
    int dropped;
} drop_call;

/* Whether the database has the table of the studies' attributes (the first set makes it) in
 * *out; GPBO_ESTORAGE naming what it was for when that cannot be asked. */
static int attrs_table(pg_storage *s, const char *what, int *out)
{
    PGresult *r =
        pq(s, what, PGRES_TUPLES_OK, "SELECT to_regclass('study_attrs') IS NOT NULL", 0, NULL);
    if (r == NULL)
        return GPBO_ESTORAGE;
    *out = lpq.PQgetvalue(r, 0, 0)[0] == 't';
    lpq.PQclear(r);
    return GPBO_OK;
}

/* The study's attributes go with it, in the same statement (one snapshot; the foreign key is
 * checked at its end): its row alone could not be deleted while they referenced it. */
static int drop_body(pg_storage *s, pg_call *c)
{
    drop_call *a = (drop_call *)c;
    char study[32];
    const char *p[] = {fmt_i64(study, sizeof study, a->study)};
    long n = 0;
    int attrs = 0, rc = attrs_table(s, "removing an empty study", &attrs);
    if (rc != GPBO_OK)
        return rc;
    rc = pq_cmd(s, "removing an empty study",
                attrs ? "WITH a AS (DELETE FROM study_attrs WHERE study = $1 AND NOT EXISTS "
                        "(SELECT 1 FROM trials WHERE study = $1)) DELETE FROM studies WHERE "
                        "id = $1 AND NOT EXISTS (SELECT 1 FROM trials WHERE study = $1)"
                      : "DELETE FROM studies WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM "
                        "trials WHERE study = $1)",
                1, p, &n);
    a->dropped = rc == GPBO_OK && n == 1;
    return rc;
}

static int pg_drop_empty(gpbo_storage *st, int64_t study, int *dropped)
{
    drop_call a = {{drop_body, 0, 0}, study, 0};
    int rc = run(PG(st), &a.c);
    *dropped = rc == GPBO_OK && a.dropped;
    return rc;
}

typedef struct delete_call {
    pg_call c;
    const char *name;
    long trials; /* how many the study held, from the attempt that deleted it */
} delete_call;

/* Under the study's row lock, as a reservation takes it: a worker's reservation waits, then
 * finds no study; one statement deletes the rest (each foreign key is checked at its end). */
static int delete_body(pg_storage *s, pg_call *c)
{
    delete_call *a = (delete_call *)c;
    const char *what = "deleting a study", *pn[] = {a->name};
    int attrs = 0, rc = pq_script(s, what, "BEGIN");
    if (rc != GPBO_OK || (rc = attrs_table(s, what, &attrs)) != GPBO_OK)
        return rc;
    PGresult *r =
        pq(s, what, PGRES_TUPLES_OK, "SELECT id FROM studies WHERE name = $1 FOR UPDATE", 1, pn);
    if (r == NULL)
        return GPBO_ESTORAGE;
    char study[32] = "";
    if (lpq.PQntuples(r) > 0)
        snprintf(study, sizeof study, "%s", lpq.PQgetvalue(r, 0, 0));
    lpq.PQclear(r);
    if (study[0] == '\0') {
        if (a->c.unsure) /* an earlier attempt's COMMIT landed, its reply lost */
            return pq_script(s, what, "COMMIT");
        s->transient = 0;
        return gpbo_error_set(GPBO_ENOTFOUND, "%s: no study named '%s'", s->where, a->name);
    }
    const char *p[] = {study};
    if ((r = pq(s, what, PGRES_TUPLES_OK, "SELECT count(*) FROM trials WHERE study = $1", 1, p)) ==
        NULL)
        return GPBO_ESTORAGE;
    a->trials = strtol(lpq.PQgetvalue(r, 0, 0), NULL, 10);
    lpq.PQclear(r);
    if ((rc = pq_cmd(s, what,
                     attrs ? "WITH i AS (DELETE FROM intermediate WHERE study = $1), a AS (DELETE "
                             "FROM study_attrs WHERE study = $1), t AS (DELETE FROM trials WHERE "
                             "study = $1) DELETE FROM studies WHERE id = $1"
                           : "WITH i AS (DELETE FROM intermediate WHERE study = $1), t AS (DELETE "
                             "FROM trials WHERE study = $1) DELETE FROM studies WHERE id = $1",
                     1, p, NULL)) != GPBO_OK)
        return rc;
    c->sent = 1;
    return pq_script(s, what, "COMMIT");
}

static int pg_delete_study(gpbo_storage *st, const char *name, size_t *out_trials)
{
    delete_call a = {{delete_body, 0, 0}, name, 0};
    int rc = run(PG(st), &a.c);
    *out_trials = rc == GPBO_OK ? (size_t)a.trials : 0;
    return rc;
}

typedef struct claim_call {
    pg_call c;
    int64_t study;
    const gpbo_trial_rec *seen, *rec;
    int restart; /* the trial's intermediate values go with the claim */
    int won;
} claim_call;

/* The claim's UPDATE; a restart's deletes the trial's intermediate values in the same statement
 * (one snapshot, atomic: a claim that landed took its delete with it). */
#define CLAIM_UPDATE                                                                               \
    "UPDATE trials SET state = $3, worker = $4, heartbeat = $5, retries = $6, reason = $7, "       \
    "finished = $8 WHERE study = $1 AND id = $2 AND state = 0 AND worker IS NOT DISTINCT FROM "    \
    "$9 AND coalesce(heartbeat, 0) = $10"

static int claim_body(pg_storage *s, pg_call *c)
{
    claim_call *a = (claim_call *)c;
    const gpbo_trial_rec *t = a->rec;
    char study[32], id[32], state[16], hb[32], retries[16], fin[32], seen_hb[32];
    fmt_i64(study, sizeof study, a->study);
    fmt_size(id, sizeof id, a->seen->id);
    snprintf(state, sizeof state, "%d", (int)t->state);
    fmt_double(hb, sizeof hb, t->heartbeat);
    snprintf(retries, sizeof retries, "%u", t->retries);
    if (c->unsure) { /* did the lost update land? */
        const char *p[] = {study, id, state, t->worker, hb, retries};
        PGresult *r = pq(s, "claiming a trial", PGRES_TUPLES_OK,
                         "SELECT 1 FROM trials WHERE study = $1 AND id = $2 AND state = $3 AND "
                         "worker IS NOT DISTINCT FROM $4 AND heartbeat = $5 AND retries = $6",
                         6, p);
        if (r == NULL)
            return GPBO_ESTORAGE;
        a->won = lpq.PQntuples(r) > 0;
        lpq.PQclear(r);
        if (a->won)
            return GPBO_OK;
    }
    /* a NULL heartbeat (none stored) reads as 0, as load() hands it out */
    const char *p[] = {study,
                       id,
                       state,
                       t->worker,
                       hb,
                       retries,
                       t->reason,
                       fmt_double(fin, sizeof fin, t->finished),
                       a->seen->worker,
                       fmt_double(seen_hb, sizeof seen_hb, a->seen->heartbeat)};
    long n = 0;
    c->sent = 1;
    if (a->restart) {
        PGresult *r = pq(s, "claiming a trial", PGRES_TUPLES_OK,
                         "WITH u AS (" CLAIM_UPDATE " RETURNING id), d AS (DELETE FROM "
                         "intermediate WHERE study = $1 AND trial IN (SELECT id FROM u)) "
                         "SELECT id FROM u",
                         10, p);
        if (r == NULL)
            return GPBO_ESTORAGE;
        a->won = lpq.PQntuples(r) == 1;
        lpq.PQclear(r);
        return GPBO_OK;
    }
    int rc = pq_cmd(s, "claiming a trial", CLAIM_UPDATE, 10, p, &n);
    a->won = n == 1;
    return rc;
}

static int pg_claim(gpbo_storage *st, int64_t study, const gpbo_trial_rec *seen,
                    const gpbo_trial_rec *rec, int restart, int *won)
{
    claim_call a = {{claim_body, 0, 0}, study, seen, rec, restart, 0};
    int rc = run(PG(st), &a.c);
    *won = rc == GPBO_OK && a.won;
    return rc;
}

typedef struct finish_call {
    pg_call c;
    int64_t study;
    const gpbo_trial_rec *rec;
    const char *metrics;        /* rec's, as text (NULL: none) */
    const char *steps, *values; /* rec's intermediate values (store_steps), as arrays, or NULL */
    int stored;
} finish_call;

/* A tell: $1 the study, $2 the trial, $3 its state, $4 value, $5 reason, $6 finished, $7 its
 * other metrics, $8 its started time (its run's, study.c run_starts). Only a running trial is
 * told; FINISH_FIND finds a tell that landed (its finished time is its own). */
static const char *const FINISH_SQL =
    "UPDATE trials SET state = $3, value = $4, reason = $5, finished = $6, metrics = $7, "
    "started = $8 WHERE study = $1 AND id = $2 AND state = 0";
static const char *const FINISH_FIND =
    "SELECT 1 FROM trials WHERE study = $1 AND id = $2 AND state = $3 AND "
    "value IS NOT DISTINCT FROM $4 AND reason IS NOT DISTINCT FROM $5 AND finished = $6 AND "
    "metrics IS NOT DISTINCT FROM $7 AND started = $8";
enum { F_N = 8 };
/* FINISH_SQL with the trial's intermediate values, $9 the steps and $10 their values (a trial
 * added finished: gpbo_study_add_trial), in the same statement, so both or neither: inserted
 * only when the update told the trial (the join with f), a step given twice keeping its last
 * value as pg_report's does. One row back: how many trials were told. FINISH_FIND finds it
 * too (the values come with the tell). */
static const char *const FINISH_STEPS_SQL =
    "WITH f AS (UPDATE trials SET state = $3, value = $4, reason = $5, finished = $6, "
    "metrics = $7, started = $8 WHERE study = $1 AND id = $2 AND state = 0 RETURNING id), "
    "i AS (INSERT INTO intermediate(study, trial, step, value) "
    "SELECT DISTINCT ON (u.s) $1::bigint, f.id, u.s, u.v "
    "FROM f, unnest($9::bigint[], $10::float8[]) WITH ORDINALITY AS u(s, v, o) "
    "ORDER BY u.s, u.o DESC "
    "ON CONFLICT (study, trial, step) DO UPDATE SET value = excluded.value) "
    "SELECT count(*) FROM f";

typedef struct finish_text {
    char study[32], id[32], state[16], value[32], fin[32], sta[32];
} finish_text;

static void finish_params(int64_t study, const gpbo_trial_rec *t, const char *metrics,
                          finish_text *b, const char **p)
{
    snprintf(b->state, sizeof b->state, "%d", (int)t->state);
    p[0] = fmt_i64(b->study, sizeof b->study, study);
    p[1] = fmt_size(b->id, sizeof b->id, t->id);
    p[2] = b->state;
    p[3] = fmt_value(b->value, sizeof b->value, t->value);
    p[4] = t->reason;
    p[5] = fmt_double(b->fin, sizeof b->fin, t->finished);
    p[6] = metrics;
    p[7] = fmt_double(b->sta, sizeof b->sta, t->started);
}

/* Whether the tell with parameters p is stored (a lost reply's write landed). */
static int finish_found(pg_storage *s, const char *const *p, int *found)
{
    PGresult *r = pq(s, "telling a trial", PGRES_TUPLES_OK, FINISH_FIND, F_N, p);
    if (r == NULL)
        return GPBO_ESTORAGE;
    *found = lpq.PQntuples(r) > 0;
    lpq.PQclear(r);
    return GPBO_OK;
}

static int finish_body(pg_storage *s, pg_call *c)
{
    finish_call *a = (finish_call *)c;
    finish_text b;
    const char *p[F_N];
    finish_params(a->study, a->rec, a->metrics, &b, p);
    if (c->unsure) { /* did the lost update land? */
        int rc = finish_found(s, p, &a->stored);
        if (rc != GPBO_OK || a->stored)
            return rc;
    }
    long n = 0;
    c->sent = 1;
    if (a->steps == NULL) {
        int rc = pq_cmd(s, "telling a trial", FINISH_SQL, F_N, p, &n);
        a->stored = n == 1;
        return rc;
    }
    const char *ps[F_N + 2];
    memcpy(ps, p, sizeof p);
    ps[F_N] = a->steps;
    ps[F_N + 1] = a->values;
    PGresult *r = pq(s, "telling a trial", PGRES_TUPLES_OK, FINISH_STEPS_SQL, F_N + 2, ps);
    if (r == NULL)
        return GPBO_ESTORAGE;
    a->stored = lpq.PQntuples(r) == 1 && strtol(lpq.PQgetvalue(r, 0, 0), NULL, 10) == 1;
    lpq.PQclear(r);
    return GPBO_OK;
}

static int pg_finish_trial(gpbo_storage *st, int64_t study, const gpbo_trial_rec *rec, int *stored)
{
    char *metrics = NULL, *ts = NULL, *tv = NULL;
    *stored = 0;
    int with_steps = rec->store_steps && rec->nsteps > 0;
    if (with_steps) {
        ts = pg_array(rec->nsteps, rec->steps, fmt_long_at);
        tv = pg_array(rec->nsteps, rec->step_values, fmt_double_at);
    }
    if (gpbo_search__metrics_to_json(&rec->metrics, &metrics) != GPBO_OK ||
        (with_steps && (ts == NULL || tv == NULL))) {
        free(metrics);
        free(ts);
        free(tv);
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    }
    finish_call a = {{finish_body, 0, 0}, study, rec, metrics, ts, tv, 0};
    int rc = run(PG(st), &a.c);
    free(metrics);
    free(ts);
    free(tv);
    *stored = rc == GPBO_OK && a.stored;
    return rc;
}

/* ---- a tell and the next reservation together -------------------------------------------- */

typedef struct step_call {
    pg_call c;
    gpbo_storage_step *x;
    reserve_call r;      /* the reservation (its params and got) */
    load_call l;         /* the read after it */
    const char *metrics; /* the told trial's other metrics, as text (NULL: none) */
} step_call;

/* What the committed transaction did: *x's stored, id and reserve_rc from the tell's count of
 * rows changed and the INSERT's rows. */
static void step_outcome(pg_storage *s, step_call *a, long told, const PGresult *ins)
{
    a->x->committed = 1;
    a->x->stored = told == 1;
    a->x->reserve_rc = GPBO_OK;
    if (ins != NULL && lpq.PQntuples(ins) > 0)
        a->x->id = (size_t)strtoull(lpq.PQgetvalue(ins, 0, 0), NULL, 10);
    else
        a->x->reserve_rc =
            gpbo_error_set(GPBO_EEXHAUSTED, "%s: study %" PRId64 " holds its cap of %zu trials",
                           s->where, a->r.study, a->r.cap);
}

/* After a lost reply: whether that transaction committed (*landed), and then what it did. One
 * transaction, so its reservation, or else its tell, is the trace it left; with neither (a tell
 * that found the trial told elsewhere and a reservation refused by the cap leave none), running
 * it again changes nothing that running it once would not have. */
static int step_landed(pg_storage *s, step_call *a, const char *const *fp, const char *const *rp,
                       int *landed)
{
    const char *pf[] = {rp[R_STUDY], rp[R_WORKER], rp[R_STARTED]};
    PGresult *r =
        pq(s, "telling a trial and reserving the next", PGRES_TUPLES_OK, RESERVE_FIND, 3, pf);
    if (r == NULL)
        return GPBO_ESTORAGE;
    int found = 0, rc = GPBO_OK;
    if (lpq.PQntuples(r) > 0 || (rc = finish_found(s, fp, &found)) != GPBO_OK || found) {
        int told = 1;
        if (rc == GPBO_OK && lpq.PQntuples(r) > 0)
            rc = finish_found(s, fp, &told);
        if (rc == GPBO_OK) {
            step_outcome(s, a, told, lpq.PQntuples(r) > 0 ? r : NULL);
            *landed = 1;
        }
    }
    lpq.PQclear(r);
    return rc;
}

/* The transaction one statement at a time (no pipeline in this libpq), then the read. */
static int step_sequential(pg_storage *s, step_call *a, const char *const *fp,
                           const char *const *rp)
{
    const char *what = "telling a trial and reserving the next";
    long told = 0;
    int rc = pq_script(s, what, "BEGIN");
    if (rc == GPBO_OK)
        rc = pq_cmd(s, what, FINISH_SQL, F_N, fp, &told);
    PGresult *r = rc == GPBO_OK ? pq(s, what, PGRES_TUPLES_OK, RESERVE_LOCK, 1, rp) : NULL;
    if (r == NULL)
        return GPBO_ESTORAGE;
    int found = lpq.PQntuples(r) > 0;
    lpq.PQclear(r);
    if (!found)
        return gpbo_error_set(GPBO_ENOTFOUND, "%s: no study %" PRId64, s->where, a->r.study);
    if ((r = pq(s, what, PGRES_TUPLES_OK, RESERVE_INSERT, R_N, rp)) == NULL)
        return GPBO_ESTORAGE;
    a->c.sent = 1;
    if ((rc = pq_script(s, what, "COMMIT")) == GPBO_OK)
        step_outcome(s, a, told, r);
    lpq.PQclear(r);
    return rc;
}

#ifdef LIBPQ_HAS_PIPELINING
enum { S_BEGIN, S_FINISH, S_LOCK, S_INSERT, S_COMMIT, S_LOAD, S_N };

/* The transaction and the read after it in one round trip (one pipeline): BEGIN, the tell,
 * the study's lock, the INSERT, COMMIT, then the read in a transaction of its own. An error
 * aborts the rest of the pipeline and leaves the transaction for run() to roll back. On
 * success *load is the read's result (the caller clears it). */
static int step_pipelined(pg_storage *s, step_call *a, const char *const *fp, const char *const *rp,
                          const char *const *lp, PGresult **load)
{
    const char *what = "telling a trial and reserving the next";
    static const ExecStatusType WANT[S_N] = {PGRES_COMMAND_OK, PGRES_COMMAND_OK, PGRES_TUPLES_OK,
                                             PGRES_TUPLES_OK,  PGRES_COMMAND_OK, PGRES_TUPLES_OK};
    char nb[4][32]; /* prepared first: PQprepare waits for its reply */
    const char *fn = prepared_name(s, nb[0], sizeof nb[0], FINISH_SQL, F_N);
    const char *ln = prepared_name(s, nb[1], sizeof nb[1], RESERVE_LOCK, 1);
    const char *in = prepared_name(s, nb[2], sizeof nb[2], RESERVE_INSERT, R_N);
    const char *rn = prepared_name(s, nb[3], sizeof nb[3], LOAD_SQL, 3);
    if (!lpq.PQenterPipelineMode(s->conn))
        return pg_error(s, NULL, what);
    if (!pipe_send(s, NULL, "BEGIN", 0, NULL) || !pipe_send(s, fn, FINISH_SQL, F_N, fp) ||
        !pipe_send(s, ln, RESERVE_LOCK, 1, rp) || !pipe_send(s, in, RESERVE_INSERT, R_N, rp) ||
        !pipe_send(s, NULL, "COMMIT", 0, NULL) || !pipe_send(s, rn, LOAD_SQL, 3, lp) ||
        !lpq.PQpipelineSync(s->conn))
        return pg_error(s, NULL, what); /* a bad connection: run() resets it, pipeline and all */
    a->c.sent = 1;
    PGresult *r[S_N] = {NULL};
    int k = 0;
    while (k < S_N && (r[k] = pipe_result(s, what, WANT[k])) != NULL)
        k++;
    int rc = k == S_N ? GPBO_OK : GPBO_ESTORAGE;
    if (k == S_INSERT &&
        lpq.PQntuples(r[S_LOCK]) == 0) /* the INSERT failed for want of the study */
        rc = gpbo_error_set(GPBO_ENOTFOUND, "%s: no study %" PRId64, s->where, a->r.study);
    if (rc == GPBO_OK)
        step_outcome(s, a, strtol(lpq.PQcmdTuples(r[S_FINISH]), NULL, 10), r[S_INSERT]);
    for (int q = 0; q < S_LOAD; q++)
        lpq.PQclear(r[q]);
    *load = r[S_LOAD];
    if (lpq.PQstatus(s->conn) != CONNECTION_OK)
        return rc == GPBO_OK ? pg_error(s, NULL, what) : rc;
    return pipe_end(s, rc, k < S_N ? S_N - k - 1 : 0);
}
#endif

static int step_body(pg_storage *s, pg_call *c)
{
    step_call *a = (step_call *)c;
    gpbo_storage_step *x = a->x;
    reserve_text rb;
    finish_text fb;
    char from[32];
    const char *rp[R_N], *fp[F_N];
    reserve_params(&a->r, &rb, rp);
    finish_params(a->r.study, x->done, a->metrics, &fb, fp);
    const char *lp[] = {rp[R_STUDY], fmt_size(from, sizeof from, a->l.from), a->l.ids};
    int rc = GPBO_OK, landed = 0;
    if (c->unsure && (rc = step_landed(s, a, fp, rp, &landed)) != GPBO_OK)
        return rc;
    PGresult *r = NULL;
#ifdef LIBPQ_HAS_PIPELINING
    if (!landed && lpq.pipeline) {
        if ((rc = step_pipelined(s, a, fp, rp, lp, &r)) != GPBO_OK) {
            lpq.PQclear(r);
            return rc;
        }
        landed = 1;
    }
#endif
    if (!landed && (rc = step_sequential(s, a, fp, rp)) != GPBO_OK)
        return rc;
    if (r == NULL && (r = pq(s, "reading trials", PGRES_TUPLES_OK, LOAD_SQL, 3, lp)) == NULL)
        return GPBO_ESTORAGE; /* committed: a retry finds it landed */
    rc = load_rows(s, &a->l, r);
    lpq.PQclear(r);
    return rc;
}

static int pg_finish_reserve(gpbo_storage *st, int64_t study, gpbo_storage_step *x)
{
    int expect = 0;
    char *params = reserve_points(x->rec, x->nparams, x->nahead, &expect);
    char *ids = pg_array(x->nids, x->ids, fmt_size_at), *metrics = NULL;
    int rc = GPBO_OK;
    if (params == NULL || ids == NULL ||
        gpbo_search__metrics_to_json(&x->done->metrics, &metrics) != GPBO_OK) {
        rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
    } else {
        step_call a = {{step_body, 0, 0},
                       x,
                       {{NULL, 0, 0}, study, x->rec, params, expect, x->cap, -1},
                       {{NULL, 0, 0}, study, x->nparams, x->from, ids, x->cb, x->payload},
                       metrics};
        x->reserve_rc = GPBO_OK;
        x->committed = 0;
        rc = run(PG(st), &a.c);
    }
    free(params);
    free(ids);
    free(metrics);
    return rc;
}

typedef struct report_call {
    pg_call c;
    int64_t study;
    size_t id;
    const char *steps, *values;
} report_call;

/* One statement, so all or none. A step given twice keeps its last value, as SQLite's INSERT
 * OR REPLACE does (ON CONFLICT DO UPDATE refuses to touch one row twice). */
static int report_body(pg_storage *s, pg_call *c)
{
    report_call *a = (report_call *)c;
    char study[32], id[32];
    const char *p[] = {fmt_i64(study, sizeof study, a->study), fmt_size(id, sizeof id, a->id),
                       a->steps, a->values};
    return pq_cmd(s, "reporting a value",
                  "INSERT INTO intermediate(study, trial, step, value) "
                  "SELECT DISTINCT ON (s) $1::bigint, $2::bigint, s, v "
                  "FROM unnest($3::bigint[], $4::float8[]) WITH ORDINALITY AS u(s, v, o) "
                  "ORDER BY s, o DESC "
                  "ON CONFLICT (study, trial, step) DO UPDATE SET value = excluded.value",
                  4, p, NULL);
}

static int pg_report(gpbo_storage *st, int64_t study, size_t id, size_t n, const long *steps,
                     const double *values)
{
    if (n == 0)
        return GPBO_OK;
    char *ts = pg_array(n, steps, fmt_long_at), *tv = pg_array(n, values, fmt_double_at);
    int rc = GPBO_OK;
    if (ts == NULL || tv == NULL) {
        rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
    } else {
        report_call a = {{report_body, 0, 0}, study, id, ts, tv};
        rc = run(PG(st), &a.c);
    }
    free(ts);
    free(tv);
    return rc;
}

typedef struct heartbeat_call {
    pg_call c;
    int64_t study;
    const char *worker;
    double when;
} heartbeat_call;

static int heartbeat_body(pg_storage *s, pg_call *c)
{
    heartbeat_call *a = (heartbeat_call *)c;
    char study[32], when[32];
    const char *p[] = {fmt_i64(study, sizeof study, a->study), a->worker,
                       fmt_double(when, sizeof when, a->when)};
    return pq_cmd(s, "refreshing heartbeats",
                  "UPDATE trials SET heartbeat = $3 WHERE study = $1 AND state = 0 AND "
                  "worker = $2",
                  3, p, NULL);
}

static int pg_heartbeat(gpbo_storage *st, int64_t study, const char *worker, double when)
{
    heartbeat_call a = {{heartbeat_body, 0, 0}, study, worker, when};
    return run(PG(st), &a.c);
}

static void pg_close(gpbo_storage *st)
{
    pg_storage *s = PG(st);
    if (s == NULL)
        return;
    lpq.PQfinish(s->conn);
    for (int k = 0; k < 3; k++) {
        if (s->secret[k])
            memset(s->secret[k], 0, strlen(s->secret[k]));
        free(s->secret[k]);
    }
    if (s->conninfo)
        memset(s->conninfo, 0, strlen(s->conninfo));
    free(s->conninfo);
    free(s->where);
    free(s);
}

typedef struct studies_call {
    pg_call c;
    PGresult *rows;
} studies_call;

static int studies_body(pg_storage *s, pg_call *c)
{
    studies_call *a = (studies_call *)c;
    a->rows =
        pq(s, "listing studies", PGRES_TUPLES_OK, "SELECT name FROM studies ORDER BY id", 0, NULL);
    return a->rows ? GPBO_OK : GPBO_ESTORAGE;
}

/* The studies' names, in creation order. */
static int pg_studies(gpbo_storage *st, int (*cb)(void *payload, const char *name), void *payload)
{
    studies_call a = {{studies_body, 0, 0}, NULL};
    int rc = run(PG(st), &a.c);
    for (int i = 0; rc == GPBO_OK && i < lpq.PQntuples(a.rows); i++)
        rc = cb(payload, lpq.PQgetvalue(a.rows, i, 0));
    lpq.PQclear(a.rows);
    return rc;
}

/* ---- a study's user attributes (search_internal.h: set_study_attr, study_attrs) ---------- */

typedef struct attr_call {
    pg_call c;
    int64_t study;
    const char *key, *json;
    PGresult *rows;
} attr_call;

/* The table is made by the first set, under the schema's advisory lock (two workers making it
 * at once would otherwise collide on the catalog), in the transaction that sets the key; seq
 * keeps the order the keys were first set in (the upsert keeps the row). */
static int set_attr_body(pg_storage *s, pg_call *c)
{
    attr_call *a = (attr_call *)c;
    char lock[32], study[32];
    const char *l[] = {fmt_i64(lock, sizeof lock, SCHEMA_LOCK_KEY)};
    const char *p[] = {fmt_i64(study, sizeof study, a->study), a->key, a->json};
    int rc = pq_script(s, "setting a study attribute", "BEGIN");
    PGresult *r = rc == GPBO_OK ? pq(s, "setting a study attribute", PGRES_TUPLES_OK,
                                     "SELECT pg_advisory_xact_lock($1)", 1, l)
                                : NULL;
    if (r == NULL)
        return rc == GPBO_OK ? GPBO_ESTORAGE : rc;
    lpq.PQclear(r);
    if ((rc = pq_script(s, "setting a study attribute",
                        "CREATE TABLE IF NOT EXISTS study_attrs(study bigint NOT NULL "
                        "REFERENCES studies(id), key text NOT NULL, value text NOT NULL, "
                        "seq bigserial, PRIMARY KEY(study, key))")) != GPBO_OK ||
        (rc = pq_cmd(s, "setting a study attribute",
                     "INSERT INTO study_attrs(study, key, value) VALUES ($1, $2, $3) "
                     "ON CONFLICT (study, key) DO UPDATE SET value = excluded.value",
                     3, p, NULL)) != GPBO_OK)
        return rc;
    c->sent = 1;
    return pq_script(s, "setting a study attribute", "COMMIT");
}

static int pg_set_study_attr(gpbo_storage *st, int64_t study, const char *key, const char *json)
{
    attr_call a = {{set_attr_body, 0, 0}, study, key, json, NULL};
    return run(PG(st), &a.c);
}

/* No table yet (to_regclass NULL): no attribute, and no rows. */
static int attrs_body(pg_storage *s, pg_call *c)
{
    attr_call *a = (attr_call *)c;
    char study[32];
    const char *p[] = {fmt_i64(study, sizeof study, a->study)};
    int exists = 0, rc = attrs_table(s, "reading the study's attributes", &exists);
    if (rc != GPBO_OK || !exists)
        return rc;
    a->rows = pq(s, "reading the study's attributes", PGRES_TUPLES_OK,
                 "SELECT key, value FROM study_attrs WHERE study = $1 ORDER BY seq", 1, p);
    return a->rows ? GPBO_OK : GPBO_ESTORAGE;
}

static int pg_study_attrs(gpbo_storage *st, int64_t study,
                          int (*cb)(void *payload, const char *key, const char *json),
                          void *payload)
{
    attr_call a = {{attrs_body, 0, 0}, study, NULL, NULL, NULL};
    int rc = run(PG(st), &a.c);
    for (int i = 0; rc == GPBO_OK && a.rows && i < lpq.PQntuples(a.rows); i++)
        rc = cb(payload, lpq.PQgetvalue(a.rows, i, 0), lpq.PQgetvalue(a.rows, i, 1));
    lpq.PQclear(a.rows);
    return rc;
}

static const gpbo_storage_ops PG_OPS = {.open_study = pg_open_study,
                                        .load = pg_load,
                                        .reserve = pg_reserve,
                                        .unreserve = pg_unreserve,
                                        .set_params = pg_set_params,
                                        .claim = pg_claim,
                                        .finish_trial = pg_finish_trial,
                                        .finish_reserve = pg_finish_reserve,
                                        .report = pg_report,
                                        .heartbeat = pg_heartbeat,
                                        .close = pg_close,
                                        .studies = pg_studies,
                                        .set_study_attr = pg_set_study_attr,
                                        .study_attrs = pg_study_attrs,
                                        .drop_empty = pg_drop_empty,
                                        .delete_study = pg_delete_study};

/* ---- opening ----------------------------------------------------------------------------- */

/* A malloc'd copy of [b, e). */
static char *dup_range(const char *b, const char *e)
{
    char *t = malloc((size_t)(e - b) + 1);
    if (t) {
        memcpy(t, b, (size_t)(e - b));
        t[e - b] = '\0';
    }
    return t;
}

/* The password as it is written in a URL ("postgresql://user:PASSWORD@host",
 * "?password=PASSWORD"), found without libpq so that even a URL it cannot parse has it
 * scrubbed from the messages. */
static void find_raw_secrets(pg_storage *s)
{
    const char *u = s->conninfo, *sep = strstr(u, "://");
    if (sep != NULL) {
        const char *auth = sep + 3, *end = auth + strcspn(auth, "/?");
        const char *at = memchr(auth, '@', (size_t)(end - auth));
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon && at > colon + 1)
            s->secret[0] = dup_range(colon + 1, at);
    }
    const char *pw = strstr(u, "password=");
    if (pw != NULL) {
        pw += strlen("password=");
        size_t len = strcspn(pw, "& ");
        if (len)
            s->secret[1] = dup_range(pw, pw + len);
    }
}

/* "db@host" for messages, from what libpq parsed (NULL for what the URL leaves to defaults). */
static char *describe(const char *db, const char *host)
{
    size_t len = strlen(db ? db : "?") + strlen(host ? host : "localhost") + 16;
    char *t = malloc(len);
    if (t)
        snprintf(t, len, "postgresql %s@%s", db ? db : "?", host ? host : "localhost");
    return t;
}

static double retry_budget(void)
{
    /* GPBO_PG_RETRY_SECONDS: how long, in all, a transient failure is retried (the tests make it
     * short); anything but a number >= 0 leaves the default */
    const char *e = getenv("GPBO_PG_RETRY_SECONDS");
    char *end;
    double v = e ? strtod(e, &end) : -1;
    return e && end != e && *end == '\0' && v >= 0 && v < 1e6 ? v : RETRY_DEFAULT_S;
}

/* libpq checks its integer options only as it connects, and a failure there looks to PQping
 * like a server that does not answer: checked here, so a typo is not retried for 30 s. */
static int int_option_ok(const PQconninfoOption *o)
{
    static const char *const INTS[] = {"port",
                                       "connect_timeout",
                                       "keepalives",
                                       "keepalives_idle",
                                       "keepalives_interval",
                                       "keepalives_count",
                                       "tcp_user_timeout",
                                       NULL};
    int is_int = 0;
    for (int k = 0; INTS[k]; k++)
        is_int |= strcmp(o->keyword, INTS[k]) == 0;
    if (!is_int || o->val == NULL)
        return 1;
    for (const char *v = o->val; *v;) { /* port may be a list, "5432,5433" */
        char *end;
        while (*v == ' ')
            v++;
        strtol(v, &end, 10);
        while (*end == ' ')
            end++;
        if (end == v || (*end != ',' && *end != '\0'))
            return 0;
        v = *end == ',' ? end + 1 : end;
    }
    return 1;
}

gpbo_storage *gpbo_search__pg_open(const char *conninfo)
{
    pthread_once(&pq_once, pq_load);
    if (!lpq.loaded) {
        gpbo_error_set(GPBO_ESTORAGE, "PostgreSQL storage needs libpq: %s", pq_why);
        return NULL;
    }
    pg_storage *s = calloc(1, sizeof *s);
    if (s == NULL || (s->conninfo = strdup(conninfo)) == NULL) {
        free(s);
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        return NULL;
    }
    s->base.ops = &PG_OPS;
    s->budget = retry_budget();
    find_raw_secrets(s);
    char *err = NULL;
    PQconninfoOption *opts = lpq.PQconninfoParse(conninfo, &err);
    if (opts == NULL) {
        char line[600];
        one_line(s, line, sizeof line, err ? err : "out of memory");
        gpbo_error_set(err ? GPBO_EINVAL : GPBO_ENOMEM, "postgresql: bad URL: %s", line);
        lpq.PQfreemem(err);
        pg_close(&s->base);
        return NULL;
    }
    const char *db = NULL, *host = NULL, *user = NULL, *bad = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!bad && !int_option_ok(o))
            bad = o->keyword;
        if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
        else if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
        else if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
            s->secret[2] = strdup(o->val);
    }
    s->where = describe(db ? db : user, host);
    if (bad != NULL) {
        gpbo_error_set(GPBO_EINVAL, "postgresql: bad URL: option '%s' is not an integer", bad);
        lpq.PQconninfoFree(opts);
        pg_close(&s->base);
        return NULL;
    }
    lpq.PQconninfoFree(opts);
    if (s->where == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        pg_close(&s->base);
        return NULL;
    }
    const char *vals[] = {"10", "gpbo", s->conninfo, NULL};
    s->conn = lpq.PQconnectdbParams(CONN_KEYS, vals, 1);
    if (s->conn == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        pg_close(&s->base);
        return NULL;
    }
    char *where = describe(lpq.PQdb(s->conn), lpq.PQhost(s->conn)); /* libpq's defaults filled in */
    if (where != NULL && lpq.PQdb(s->conn) != NULL && lpq.PQhost(s->conn) != NULL) {
        free(s->where);
        s->where = where;
    } else {
        free(where);
    }
    lpq.PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
    /* A connection that failed as it was opened is judged before it is tried again. One that
     * met no server at all (a host name that does not resolve, a refused connection, no socket)
     * is an error at once: a study being opened has nothing to lose yet, and a typo in the URL
     * waited out the whole budget. A server that answers but is starting up is retried, as is
     * one lost once the storage is open. */
    pg_call a = {schema_body, 0, 0};
    if (lpq.PQstatus(s->conn) != CONNECTION_OK && connect_error(s) != GPBO_OK &&
        (!s->transient || s->no_answer)) {
        if (s->no_answer) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", gpbo_error_message());
            gpbo_error_set(GPBO_ESTORAGE, "%s (no server answers there: check the host and port)",
                           msg);
        }
        pg_close(&s->base);
        return NULL;
    }
    if (run(s, &a) != GPBO_OK) {
        pg_close(&s->base);
        return NULL;
    }
    return &s->base;
}
