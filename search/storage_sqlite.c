/*
 * storage_sqlite.c: studies in an SQLite file. WAL journal (readers never block the writer and
 * a process killed at any moment leaves every committed tell intact), one transaction per
 * write, a schema version table checked on open and migrated forward. Parameter values are
 * stored as a JSON array with 17 significant digits, so they read back bit for bit ('null'
 * while the trial's worker is still proposing it); values and intermediate values are REALs,
 * but for -0.0, which is a BLOB of its bytes (bind_real).
 *
 * Many processes may share the file: every write is one statement or one IMMEDIATE transaction
 * (SQLite then holds the file's write lock, so a reservation's "largest id + 1" cannot be taken
 * twice), other writers wait up to 30 s for the lock, and the conditional updates of claim and
 * finish_trial decide races by their changed-row count.
 */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gpbo/sys/error.h"
#include "params_json.h"
#include "search_internal.h"

#define SCHEMA_VERSION 3
/* How long a lock another connection holds on the study file is waited for, in milliseconds:
 * each statement's busy timeout, and the whole of an open's retries (gpbo_search__sqlite_open). */
#define BUSY_WAIT_MS 30000
/* What a failure for a lock adds to SQLite's "database is locked". */
#define BUSY_HINT                                                                                  \
    " (another process held a lock on the study file for 30 s: a transaction left open in the "    \
    "sqlite3 shell or another program?)"

#define TRIAL_COLUMNS                                                                              \
    "id, state, value, reason, params, started, finished, worker, heartbeat, retries, metrics"

/* The statements every ask and tell runs, prepared once per connection (parsing them again at
 * every call cost about a tenth of a worker's CPU time per trial with a null objective). */
typedef enum stmt_id {
    ST_BEGIN,
    ST_BEGIN_IMMEDIATE,
    ST_COMMIT,
    ST_LOAD_FROM,
    ST_LOAD_ID,
    ST_LOAD_STEPS,
    ST_NEXT_ID,
    ST_RESERVE,
    ST_UNRESERVE_DELETE,
    ST_UNRESERVE_RELEASE,
    ST_SET_PARAMS,
    ST_CLAIM,
    ST_FINISH,
    ST_HEARTBEAT,
    ST_REPORT,
    ST_CLEAR_STEPS,
    ST_COUNT
} stmt_id;

static const char *const STMT_SQL[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN",
    [ST_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_LOAD_FROM] = "SELECT " TRIAL_COLUMNS " FROM trials WHERE study = ? AND id >= ? ORDER BY id",
    [ST_LOAD_ID] = "SELECT " TRIAL_COLUMNS " FROM trials WHERE study = ? AND id = ?",
    [ST_LOAD_STEPS] = "SELECT step, value FROM intermediate WHERE study = ? AND trial = ? "
                      "ORDER BY step",
    [ST_NEXT_ID] = "SELECT coalesce(max(id) + 1, 0) FROM trials WHERE study = ?",
    [ST_RESERVE] = "INSERT INTO trials(study, id, state, params, started, worker, heartbeat) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
    [ST_UNRESERVE_DELETE] =
        "DELETE FROM trials WHERE study = ?1 AND id = ?2 AND worker = ?3 AND state = 0 AND "
        "params = 'null' AND id = (SELECT max(id) FROM trials WHERE study = ?1)",
    [ST_UNRESERVE_RELEASE] = "UPDATE trials SET heartbeat = 0 WHERE study = ?1 AND id = ?2 AND "
                             "worker = ?3 AND state = 0",
    [ST_SET_PARAMS] = "UPDATE trials SET params = ? WHERE study = ? AND id = ?",
    [ST_CLAIM] = "UPDATE trials SET state = ?, worker = ?, heartbeat = ?, retries = ?, reason = ?, "
                 "finished = ? WHERE study = ? AND id = ? AND state = 0 AND worker IS ? AND "
                 "heartbeat = ?",
    [ST_FINISH] = "UPDATE trials SET state = ?, value = ?, reason = ?, finished = ?, metrics = ?, "
                  "started = ? WHERE study = ? AND id = ? AND state = 0",
    [ST_HEARTBEAT] = "UPDATE trials SET heartbeat = ? WHERE study = ? AND worker = ? AND state = 0",
    [ST_REPORT] =
        "INSERT OR REPLACE INTO intermediate(study, trial, step, value) VALUES (?, ?, ?, ?)",
    [ST_CLEAR_STEPS] = "DELETE FROM intermediate WHERE study = ? AND trial = ?",
};

typedef struct sqlite_storage {
    gpbo_storage base;
    sqlite3 *db;
    char *path;
    int busy;      /* the last exec() or run() failed for a lock (SQLITE_BUSY / SQLITE_LOCKED) */
    int immutable; /* opened read-only and immutable (a folder this process may not write) */
    int full;      /* ... because its disk had no room for SQLite's -shm file */
    sqlite3_stmt *stmt[ST_COUNT]; /* prepared on first use; NULL until then */
} sqlite_storage;

/* The cached statement `which`, ready to bind (the previous use was ended by done()); NULL when
 * it cannot be prepared (sqlite3_errmsg says why). */
static sqlite3_stmt *stmt(sqlite_storage *s, stmt_id which)
{
    if (s->stmt[which] == NULL) /* a failed prepare leaves it NULL */
        sqlite3_prepare_v3(s->db, STMT_SQL[which], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[which],
                           NULL);
    return s->stmt[which];
}

/* Ends a use of a cached statement: its read position and bindings are dropped, so it holds no
 * lock and no copy of the caller's strings. */
static void done(sqlite3_stmt *q)
{
    if (q != NULL) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
}

static int db_error(sqlite_storage *s, const char *what)
{
    /* SQLite's words alone ("attempt to write a readonly database") do not say whose fault */
    int code = sqlite3_errcode(s->db) & 0xff, ro = code == SQLITE_READONLY;
    return gpbo_error_set(GPBO_ESTORAGE, "%s: %s: %s%s", s->path, what, sqlite3_errmsg(s->db),
                          code == SQLITE_BUSY || code == SQLITE_LOCKED ? BUSY_HINT
                          : !ro                                        ? ""
                          : s->full ? " (the disk of the study file is full: nothing can be "
                                      "stored until room is made; the reading commands still work)"
                                    : " (this process may not write the study file, its folder or "
                                      "its mount; the reading commands still work)");
}

/* Runs sql; on failure the message names what it was for (what). */
static int exec(sqlite_storage *s, const char *sql, const char *what)
{
    char *msg = NULL;
    int code = sqlite3_exec(s->db, sql, NULL, NULL, &msg) & 0xff;
    s->busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
    if (code != SQLITE_OK) {
        int rc = gpbo_error_set(GPBO_ESTORAGE, "%s: %s: %s%s", s->path, what, msg ? msg : "error",
                                s->busy ? BUSY_HINT : "");
        sqlite3_free(msg);
        return rc;
    }
    return GPBO_OK;
}

/* Runs a cached statement that returns no rows (BEGIN, COMMIT); on failure the message names
 * what it was for (what). */
static int run(sqlite_storage *s, stmt_id which, const char *what)
{
    sqlite3_stmt *q = stmt(s, which);
    int code = q ? sqlite3_step(q) & 0xff : SQLITE_NOMEM;
    s->busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
    int rc = code == SQLITE_DONE ? GPBO_OK : db_error(s, what);
    done(q);
    return rc;
}

/* Whether the file at the study's path is still the one this connection writes: a study file
 * deleted or replaced (mv, a restore from a backup) while a run went on took every later result
 * into the removed file, and the run ended with exit status 0 having stored nothing anyone
 * could read. GPBO_OK, or GPBO_ESTORAGE saying so: every write checks it first (a stat). */
static int still_there(sqlite_storage *s)
{
    int moved = 0;
    if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK || !moved)
        return GPBO_OK;
    return gpbo_error_set(GPBO_ESTORAGE,
                          "%s: the study file was deleted or replaced after this process opened "
                          "it: nothing more is stored (it would go to the removed file)",
                          s->path);
}

/* Starts a transaction (ST_BEGIN or ST_BEGIN_IMMEDIATE). A transaction an earlier failure
 * left open (a ROLLBACK that itself ran out of memory) is rolled back first, so that one failed
 * call never makes every later one fail with "cannot start a transaction within a
 * transaction". */
static int begin(sqlite_storage *s, stmt_id which)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (which == ST_BEGIN_IMMEDIATE && still_there(s) != GPBO_OK)
        return GPBO_ESTORAGE;
    return run(s, which, "starting a transaction");
}

/* Commits; a COMMIT that fails (out of memory, disk full) leaves SQLite's transaction open, so
 * it is rolled back: the call failed and nothing of it is stored. */
static int commit(sqlite_storage *s)
{
    int rc = run(s, ST_COMMIT, "committing");
    if (rc != GPBO_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Ends a read transaction after a failed read, leaving that failure's message as it is (the
 * commit's own failure, "committing: database disk image is malformed", replaced it). */
static int end_read(sqlite_storage *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return GPBO_OK;
}

/* Whether the file has the table called table (one the first use makes: the studies'
 * attributes, ATTRS_TABLE; the deleted studies' ids, DELETED_TABLE) in *out; GPBO_ESTORAGE
 * naming what it was for when that cannot be read. */
static int has_table(sqlite_storage *s, const char *table, const char *what, int *out)
{
    sqlite3_stmt *q = NULL;
    int step = SQLITE_ERROR;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC) == SQLITE_OK)
        step = sqlite3_step(q);
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? GPBO_OK : db_error(s, what);
    *out = step == SQLITE_ROW;
    sqlite3_finalize(q);
    return rc;
}

/* The study called name in a read transaction: *out_study, and its space and options (malloc'd)
 * in *out_space and *out_opts. 1 when it is there, 0 when it is not (nothing set), or a
 * negative status. Takes no write lock, so a study file this process may not write is read. */
static int find_study(sqlite_storage *s, const char *name, int64_t *out_study, char **out_space,
                      char **out_opts)
{
    sqlite3_stmt *q = NULL;
    int rc = begin(s, ST_BEGIN), found = 0;
    if (rc != GPBO_OK)
        return rc;
    if (sqlite3_prepare_v2(s->db, "SELECT id, space, options FROM studies WHERE name = ?", -1, &q,
                           NULL) != SQLITE_OK) {
        rc = db_error(s, "reading studies");
    } else {
        int step = sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT) == SQLITE_OK
                       ? sqlite3_step(q)
                       : SQLITE_NOMEM;
        if (step == SQLITE_ROW) {
            const char *cs = (const char *)sqlite3_column_text(q, 1);
            const char *co = (const char *)sqlite3_column_text(q, 2);
            *out_study = sqlite3_column_int64(q, 0);
            *out_space = cs ? strdup(cs) : NULL;
            *out_opts = co ? strdup(co) : NULL;
            found = 1;
            if (*out_space == NULL || *out_opts == NULL) {
                free(*out_space);
                free(*out_opts);
                rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
            }
        } else if (step != SQLITE_DONE) {
            rc = db_error(s, "reading studies");
        }
    }
    sqlite3_finalize(q);
    /* a read transaction: only its end can fail; after a failed read its message is kept */
    int crc = rc == GPBO_OK ? commit(s) : end_read(s);
    if (rc == GPBO_OK && crc != GPBO_OK) {
        if (found) {
            free(*out_space);
            free(*out_opts);
        }
        rc = crc;
    }
    return rc != GPBO_OK ? rc : found;
}

static int sq_open_study(gpbo_storage *st, const char *name, char **io_space, char **io_opts,
                         int64_t *out_study)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_stmt *q = NULL;
    char *sp = NULL, *op = NULL; /* what is stored, handed out only once committed */
    /* an existing study is found without the write lock (a reading command on a file it may
     * not write, and no wait behind a worker's write); only creating one takes it, and looks
     * again under it, as another process may have created it meanwhile */
    int found = find_study(s, name, out_study, &sp, &op);
    if (found < 0)
        return found;
    if (found) {
        *io_space = sp;
        *io_opts = op;
        return GPBO_OK;
    }
    if (*io_space == NULL)
        return gpbo_error_set(GPBO_ENOTFOUND, "%s: no study named '%s'", s->path, name);
    int rc = begin(s, ST_BEGIN_IMMEDIATE);
    if (rc != GPBO_OK)
        return rc;
    if (sqlite3_prepare_v2(s->db, "SELECT id, space, options FROM studies WHERE name = ?", -1, &q,
                           NULL) != SQLITE_OK) {
        rc = db_error(s, "reading studies");
        goto out;
    }
    int step = sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT) == SQLITE_OK ? sqlite3_step(q)
                                                                                : SQLITE_NOMEM;
    if (step == SQLITE_ROW) {
        *out_study = sqlite3_column_int64(q, 0);
        /* column_text is NULL when SQLite runs out of memory converting the value */
        const char *cs = (const char *)sqlite3_column_text(q, 1);
        const char *co = (const char *)sqlite3_column_text(q, 2);
        sp = cs ? strdup(cs) : NULL;
        op = co ? strdup(co) : NULL;
        if (sp == NULL || op == NULL) {
            rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
            goto out;
        }
    } else if (step == SQLITE_DONE) {
        if (*io_space == NULL) {
            rc = gpbo_error_set(GPBO_ENOTFOUND, "%s: no study named '%s'", s->path, name);
            goto out;
        }
        sqlite3_finalize(q);
        q = NULL;
        int deleted = 0; /* ids of deleted studies are never given again (DELETED_TABLE) */
        if ((rc = has_table(s, "deleted_studies", "creating the study", &deleted)) != GPBO_OK)
            goto out;
        if (sqlite3_prepare_v2(s->db,
                               deleted ? "INSERT INTO studies(id, name, space, options, created) "
                                         "VALUES ((SELECT max(m) FROM (SELECT max(id) AS m FROM "
                                         "studies UNION ALL SELECT max(id) FROM deleted_studies)) "
                                         "+ 1, ?, ?, ?, ?)"
                                       : "INSERT INTO studies(name, space, options, created) "
                                         "VALUES (?, ?, ?, ?)",
                               -1, &q, NULL) != SQLITE_OK) {
            rc = db_error(s, "creating the study");
            goto out;
        }
        if (sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
            sqlite3_bind_text(q, 2, *io_space, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
            sqlite3_bind_text(q, 3, *io_opts, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
            sqlite3_bind_double(q, 4, (double)time(NULL)) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_DONE) {
            rc = db_error(s, "creating the study");
            goto out;
        }
        *out_study = sqlite3_last_insert_rowid(s->db);
        sp = strdup(*io_space);
        op = strdup(*io_opts);
        if (sp == NULL || op == NULL) {
            rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
            goto out;
        }
    } else {
        rc = db_error(s, "reading studies");
    }
out:
    sqlite3_finalize(q);
    if (rc == GPBO_OK)
        rc = commit(s);
    if (rc != GPBO_OK) { /* the caller keeps its own strings */
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        free(sp);
        free(op);
        return rc;
    }
    *io_space = sp;
    *io_opts = op;
    return GPBO_OK;
}

/* SQLite writes a REAL that is a whole number as an integer, and reads it back as that
 * integer's double: every double comes back bit for bit but -0.0, which came back +0.0. So
 * -0.0 is bound as a BLOB of its 8 bytes (IEEE 754, most significant first), which a REAL
 * column keeps as it is, and column_real reads such a BLOB back. Every other double is bound as
 * before: a file an older build wrote holds no BLOB there and reads the same, and an older
 * build reads the BLOB as 0.0, as it stored -0.0 itself. No SQL of this file compares values. */
static int bind_real(sqlite3_stmt *q, int col, double v)
{
    if (v != 0.0 || !signbit(v))
        return sqlite3_bind_double(q, col, v);
    uint64_t bits;
    unsigned char b[8];
    memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(bits >> (56 - 8 * i));
    return sqlite3_bind_blob(q, col, b, sizeof b, SQLITE_TRANSIENT);
}

/* Column col of q's row as bind_real bound it; NaN for NULL. This function cannot fail. */
static double column_real(sqlite3_stmt *q, int col)
{
    int type = sqlite3_column_type(q, col);
    if (type == SQLITE_NULL)
        return NAN;
    const unsigned char *b = type == SQLITE_BLOB ? sqlite3_column_blob(q, col) : NULL;
    if (b == NULL || sqlite3_column_bytes(q, col) != 8)
        return sqlite3_column_double(q, col);
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++)
        bits = bits << 8 | b[i];
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Passes the trial q's current row to cb, with its intermediate values (read through qi). */
static int load_row(sqlite_storage *s, int64_t study, size_t nparams, sqlite3_stmt *q,
                    sqlite3_stmt *qi, double *vals, long **steps, double **svals, size_t *cap,
                    int (*cb)(void *payload, const gpbo_trial_rec *rec), void *payload)
{
    gpbo_trial_rec r = {0};
    r.id = (size_t)sqlite3_column_int64(q, 0);
    r.state = (gpbo_trial_state)sqlite3_column_int(q, 1);
    r.value = column_real(q, 2);
    r.reason = (char *)sqlite3_column_text(q, 3);
    const char *ptxt = (const char *)sqlite3_column_text(q, 4);
    r.worker = (char *)sqlite3_column_text(q, 7);
    /* a NULL text where there is a value: SQLite ran out of memory converting it */
    if ((r.reason == NULL && sqlite3_column_type(q, 3) != SQLITE_NULL) ||
        (ptxt == NULL && sqlite3_column_type(q, 4) != SQLITE_NULL) ||
        (r.worker == NULL && sqlite3_column_type(q, 7) != SQLITE_NULL))
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory reading trial %zu", s->path, r.id);
    int proposed = 0;
    int prc = gpbo_search__params_from_json(ptxt, nparams, vals, &proposed);
    if (prc != GPBO_OK)
        return gpbo_search__trial_read_error(prc, s->path, r.id, "parameters");
    r.values = proposed ? vals : NULL;
    r.started = sqlite3_column_double(q, 5);
    r.finished = sqlite3_column_double(q, 6);
    r.heartbeat = sqlite3_column_double(q, 8);
    r.retries = (unsigned)sqlite3_column_int(q, 9);
    sqlite3_reset(qi);
    sqlite3_bind_int64(qi, 1, study);
    sqlite3_bind_int64(qi, 2, (sqlite3_int64)r.id);
    int istep;
    while ((istep = sqlite3_step(qi)) == SQLITE_ROW) {
        if (r.nsteps == *cap) {
            size_t nc = *cap ? 2 * *cap : 16;
            long *ns = realloc(*steps, nc * sizeof *ns);
            if (ns)
                *steps = ns;
            double *nv = realloc(*svals, nc * sizeof *nv);
            if (nv)
                *svals = nv;
            if (ns == NULL || nv == NULL)
                return gpbo_error_set(GPBO_ENOMEM, "out of memory");
            *cap = nc;
        }
        (*steps)[r.nsteps] = (long)sqlite3_column_int64(qi, 0);
        (*svals)[r.nsteps] = column_real(qi, 1);
        r.nsteps++;
    }
    if (istep != SQLITE_DONE) /* else the trial would load without its steps */
        return db_error(s, "reading intermediate values");
    r.steps = *steps;
    r.step_values = *svals;
    const char *mtxt = (const char *)sqlite3_column_text(q, 10);
    if (mtxt == NULL && sqlite3_column_type(q, 10) != SQLITE_NULL)
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory reading trial %zu", s->path, r.id);
    int mrc = gpbo_search__metrics_from_json(mtxt, &r.metrics);
    if (mrc != GPBO_OK)
        return gpbo_search__trial_read_error(mrc, s->path, r.id, "metrics");
    int rc = cb(payload, &r);
    gpbo_search__metrics_clear(&r.metrics);
    return rc;
}

static int sq_load(gpbo_storage *st, int64_t study, size_t nparams, size_t from, const size_t *ids,
                   size_t nids, int (*cb)(void *payload, const gpbo_trial_rec *rec), void *payload)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_stmt *q = NULL, *qid = NULL, *qi = NULL;
    int rc = begin(s, ST_BEGIN);
    if (rc != GPBO_OK)
        return rc;
    double *vals = malloc((nparams ? nparams : 1) * sizeof *vals);
    long *steps = NULL;
    double *svals = NULL;
    size_t cap = 0;
    if (vals == NULL) {
        rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
        goto out;
    }
    if ((q = stmt(s, ST_LOAD_FROM)) == NULL || (qid = stmt(s, ST_LOAD_ID)) == NULL ||
        (qi = stmt(s, ST_LOAD_STEPS)) == NULL) {
        rc = db_error(s, "reading trials");
        goto out;
    }
    /* the listed ids first (ascending; one at or past from is loaded with the range) */
    if (from > (size_t)INT64_MAX)
        from = (size_t)INT64_MAX;
    for (size_t k = 0; k < nids && ids[k] < from && rc == GPBO_OK; k++) {
        sqlite3_reset(qid);
        sqlite3_bind_int64(qid, 1, study);
        sqlite3_bind_int64(qid, 2, (sqlite3_int64)ids[k]);
        int step = sqlite3_step(qid);
        if (step == SQLITE_ROW)
            rc = load_row(s, study, nparams, qid, qi, vals, &steps, &svals, &cap, cb, payload);
        else if (step != SQLITE_DONE)
            rc = db_error(s, "reading trials");
    }
    sqlite3_bind_int64(q, 1, study);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)from);
    int step = SQLITE_DONE;
    while (rc == GPBO_OK && (step = sqlite3_step(q)) == SQLITE_ROW)
        rc = load_row(s, study, nparams, q, qi, vals, &steps, &svals, &cap, cb, payload);
    if (rc == GPBO_OK && step != SQLITE_DONE)
        rc = db_error(s, "reading trials");
out:
    done(q);
    done(qid);
    done(qi);
    free(vals);
    free(steps);
    free(svals);
    /* a read transaction: only its end can fail; after a failed read its message is kept */
    int crc = rc == GPBO_OK ? commit(s) : end_read(s);
    return rc != GPBO_OK ? rc : crc;
}

/* Binds text, or NULL for a NULL string. */
static int bind_text_or_null(sqlite3_stmt *q, int col, const char *txt)
{
    return txt ? sqlite3_bind_text(q, col, txt, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(q, col);
}

/* The reservation's INSERT inside the caller's write transaction: *next is the id it got. */
static int reserve_in(sqlite_storage *s, int64_t study, const gpbo_trial_rec *r, size_t nparams,
                      size_t nahead, size_t cap, sqlite3_int64 *out_next)
{
    char *pj = NULL;
    sqlite3_stmt *q = NULL;
    int rc = GPBO_OK;
    sqlite3_int64 next = 0;
    if ((q = stmt(s, ST_NEXT_ID)) == NULL || sqlite3_bind_int64(q, 1, study) != SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW) {
        rc = db_error(s, "adding a trial");
        goto out;
    }
    next = sqlite3_column_int64(q, 0);
    done(q);
    q = NULL;
    if ((size_t)next >= cap) {
        rc = gpbo_error_set(GPBO_EEXHAUSTED, "%s: the study holds %lld trials, its cap is %zu",
                            s->path, (long long)next, cap);
        goto out;
    }
    if ((q = stmt(s, ST_RESERVE)) == NULL) {
        rc = db_error(s, "adding a trial");
        goto out;
    }
    sqlite3_bind_int64(q, 1, study);
    sqlite3_bind_int64(q, 2, next);
    sqlite3_bind_int(q, 3, (int)r->state);
    sqlite3_bind_double(q, 5, r->started);
    sqlite3_bind_double(q, 7, r->heartbeat);
    /* the values drawn for this id, if any (search_internal.h) */
    const double *v = r->values;
    if (v && nahead > 0)
        v = (size_t)next >= r->id && (size_t)next - r->id < nahead
                ? v + ((size_t)next - r->id) * nparams
                : NULL;
    if ((pj = gpbo_search__params_to_json(v, nparams)) == NULL) {
        rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
        goto out;
    }
    if (sqlite3_bind_text(q, 4, pj, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        bind_text_or_null(q, 6, r->worker) != SQLITE_OK || sqlite3_step(q) != SQLITE_DONE)
        rc = sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_FOREIGNKEY
                 ? gpbo_error_set(GPBO_ENOTFOUND, "%s: study %lld is not there (deleted)", s->path,
                                  (long long)study) /* as PostgreSQL's reserve says */
                 : db_error(s, "adding a trial");
out:
    done(q);
    free(pj);
    *out_next = next;
    return rc;
}

static int sq_reserve(gpbo_storage *st, int64_t study, const gpbo_trial_rec *r, size_t nparams,
                      size_t nahead, size_t cap, size_t *out_id)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_int64 next = 0;
    int rc = begin(s, ST_BEGIN_IMMEDIATE);
    if (rc != GPBO_OK)
        return rc;
    rc = reserve_in(s, study, r, nparams, nahead, cap, &next);
    if (rc == GPBO_OK && (rc = commit(s)) == GPBO_OK)
        *out_id = (size_t)next;
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int sq_unreserve(gpbo_storage *st, int64_t study, size_t id, const char *worker)
{
    sqlite_storage *s = (sqlite_storage *)st;
    static const stmt_id SQL[2] = {ST_UNRESERVE_DELETE, ST_UNRESERVE_RELEASE};
    int rc = begin(s, ST_BEGIN_IMMEDIATE);
    for (int k = 0; k < 2 && rc == GPBO_OK; k++) {
        sqlite3_stmt *q = stmt(s, SQL[k]);
        if (q == NULL || sqlite3_bind_int64(q, 1, study) != SQLITE_OK ||
            sqlite3_bind_int64(q, 2, (sqlite3_int64)id) != SQLITE_OK ||
            sqlite3_bind_text(q, 3, worker, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_DONE)
            rc = db_error(s, "taking back a trial");
        done(q);
        if (rc == GPBO_OK && k == 0 && sqlite3_changes(s->db) == 1)
            break; /* deleted */
    }
    if (rc == GPBO_OK)
        return commit(s);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int sq_set_params(gpbo_storage *st, int64_t study, size_t id, const double *values,
                         size_t nparams)
{
    sqlite_storage *s = (sqlite_storage *)st;
    if (still_there(s) != GPBO_OK)
        return GPBO_ESTORAGE;
    char *pj = gpbo_search__params_to_json(values, nparams);
    if (pj == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    sqlite3_stmt *q = NULL;
    int rc = GPBO_OK;
    if ((q = stmt(s, ST_SET_PARAMS)) == NULL) {
        rc = db_error(s, "storing a trial's parameters");
    } else {
        sqlite3_bind_int64(q, 2, study);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)id);
        if (sqlite3_bind_text(q, 1, pj, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_DONE)
            rc = db_error(s, "storing a trial's parameters");
    }
    done(q);
    free(pj);
    return rc;
}

/* The intermediate values of trial id deleted (in the caller's transaction). */
static int clear_steps(sqlite_storage *s, int64_t study, size_t id)
{
    sqlite3_stmt *q = stmt(s, ST_CLEAR_STEPS);
    int rc = GPBO_OK;
    if (q == NULL) {
        rc = db_error(s, "dropping a rerun trial's intermediate values");
    } else {
        sqlite3_bind_int64(q, 1, study);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)id);
        if (sqlite3_step(q) != SQLITE_DONE)
            rc = db_error(s, "dropping a rerun trial's intermediate values");
    }
    done(q);
    return rc;
}

static int sq_claim(gpbo_storage *st, int64_t study, const gpbo_trial_rec *seen,
                    const gpbo_trial_rec *r, int restart, int *won)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_stmt *q = NULL;
    *won = 0;
    /* a restart's delete goes with the claim: one transaction (begin checks the file) */
    int rc = restart ? begin(s, ST_BEGIN_IMMEDIATE) : still_there(s);
    if (rc != GPBO_OK)
        return rc;
    if ((q = stmt(s, ST_CLAIM)) == NULL) {
        rc = db_error(s, "reclaiming a trial");
    } else if (rc == GPBO_OK) {
        sqlite3_bind_int(q, 1, (int)r->state);
        sqlite3_bind_double(q, 3, r->heartbeat);
        sqlite3_bind_int(q, 4, (int)r->retries);
        sqlite3_bind_double(q, 6, r->finished);
        sqlite3_bind_int64(q, 7, study);
        sqlite3_bind_int64(q, 8, (sqlite3_int64)seen->id);
        sqlite3_bind_double(q, 10, seen->heartbeat);
        if (bind_text_or_null(q, 2, r->worker) != SQLITE_OK ||
            bind_text_or_null(q, 5, r->reason) != SQLITE_OK ||
            bind_text_or_null(q, 9, seen->worker) != SQLITE_OK || sqlite3_step(q) != SQLITE_DONE)
            rc = db_error(s, "reclaiming a trial");
        else
            *won = sqlite3_changes(s->db) == 1;
    }
    done(q);
    if (!restart)
        return rc;
    if (rc == GPBO_OK && *won)
        rc = clear_steps(s, study, seen->id);
    if (rc == GPBO_OK)
        rc = commit(s);
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != GPBO_OK)
        *won = 0;
    return rc;
}

static int report_in(sqlite_storage *s, int64_t study, size_t id, size_t n, const long *steps,
                     const double *values);

/* The tell, in the caller's transaction (or none: one statement) unless r->store_steps: then
 * its intermediate values too, which need the caller's transaction. */
static int finish_in(sqlite_storage *s, int64_t study, const gpbo_trial_rec *r, int *stored)
{
    sqlite3_stmt *q = NULL;
    *stored = 0;
    int rc = still_there(s);
    if (rc == GPBO_OK && (q = stmt(s, ST_FINISH)) == NULL) {
        rc = db_error(s, "telling a trial");
    } else if (rc == GPBO_OK) {
        sqlite3_bind_int(q, 1, (int)r->state);
        int bound = isfinite(r->value) ? bind_real(q, 2, r->value) : sqlite3_bind_null(q, 2);
        /* a copy that fails (out of memory) would store NULL: the reason would be lost */
        if (bound == SQLITE_OK)
            bound = bind_text_or_null(q, 3, r->reason);
        sqlite3_bind_double(q, 4, r->finished);
        char *mtxt = NULL; /* bound as a copy */
        int mrc = gpbo_search__metrics_to_json(&r->metrics, &mtxt);
        if (bound == SQLITE_OK)
            bound = bind_text_or_null(q, 5, mtxt);
        free(mtxt);
        sqlite3_bind_double(q, 6, r->started); /* its run's start (study.c run_starts) */
        sqlite3_bind_int64(q, 7, study);
        sqlite3_bind_int64(q, 8, (sqlite3_int64)r->id);
        if (mrc != GPBO_OK)
            rc = gpbo_error_set(GPBO_ENOMEM, "%s: out of memory telling a trial", s->path);
        else if (bound != SQLITE_OK || sqlite3_step(q) != SQLITE_DONE)
            rc = db_error(s, "telling a trial");
        else
            *stored = sqlite3_changes(s->db) == 1;
    }
    done(q);
    if (rc == GPBO_OK && *stored && r->store_steps)
        rc = report_in(s, study, r->id, r->nsteps, r->steps, r->step_values);
    return rc;
}

static int sq_finish(gpbo_storage *st, int64_t study, const gpbo_trial_rec *r, int *stored)
{
    sqlite_storage *s = (sqlite_storage *)st;
    if (!r->store_steps)
        return finish_in(s, study, r, stored);
    int rc = begin(s, ST_BEGIN_IMMEDIATE); /* the tell and its steps: all or none */
    if (rc == GPBO_OK)
        rc = finish_in(s, study, r, stored);
    if (rc == GPBO_OK)
        rc = commit(s);
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != GPBO_OK)
        *stored = 0;
    return rc;
}

/* The tell and the reservation in one write transaction (one lock taken, one commit), then the
 * read in a transaction of its own: the mirror learns nothing that did not commit. */
static int sq_finish_reserve(gpbo_storage *st, int64_t study, gpbo_storage_step *x)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_int64 next = 0;
    x->committed = 0;
    int rc = begin(s, ST_BEGIN_IMMEDIATE);
    if (rc == GPBO_OK)
        rc = finish_in(s, study, x->done, &x->stored);
    if (rc == GPBO_OK) {
        rc = reserve_in(s, study, x->rec, x->nparams, x->nahead, x->cap, &next);
        x->reserve_rc = rc == GPBO_EEXHAUSTED ? rc : GPBO_OK;
        rc = rc == GPBO_EEXHAUSTED ? GPBO_OK : rc;
    }
    if (rc == GPBO_OK)
        rc = commit(s);
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != GPBO_OK)
        return rc;
    x->committed = 1;
    x->id = (size_t)next;
    return sq_load(st, study, x->nparams, x->from, x->ids, x->nids, x->cb, x->payload);
}

/* The reservation and the tell of a finished trial in one write transaction. */
static int sq_add_finished(gpbo_storage *st, int64_t study, const gpbo_trial_rec *rec,
                           size_t nparams, size_t cap, size_t *out_id)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_int64 next = 0;
    gpbo_trial_rec r = *rec;
    r.state = GPBO_TRIAL_RUNNING;
    int stored = 0, rc = begin(s, ST_BEGIN_IMMEDIATE);
    if (rc == GPBO_OK)
        rc = reserve_in(s, study, &r, nparams, 0, cap, &next);
    r = *rec;
    r.id = (size_t)next;
    if (rc == GPBO_OK && (rc = finish_in(s, study, &r, &stored)) == GPBO_OK && !stored)
        rc = gpbo_error_set(GPBO_ESTORAGE, "%s: trial %zu was not stored", s->path, r.id);
    if (rc == GPBO_OK && (rc = commit(s)) == GPBO_OK)
        *out_id = r.id;
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static int sq_heartbeat(gpbo_storage *st, int64_t study, const char *worker, double when)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_stmt *q = NULL;
    int rc = still_there(s);
    if (rc == GPBO_OK && (q = stmt(s, ST_HEARTBEAT)) == NULL) {
        rc = db_error(s, "refreshing heartbeats");
    } else if (rc == GPBO_OK) {
        sqlite3_bind_double(q, 1, when);
        sqlite3_bind_int64(q, 2, study);
        if (sqlite3_bind_text(q, 3, worker, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
            sqlite3_step(q) != SQLITE_DONE)
            rc = db_error(s, "refreshing heartbeats");
    }
    done(q);
    return rc;
}

/* n intermediate values of trial id, in the caller's transaction. */
static int report_in(sqlite_storage *s, int64_t study, size_t id, size_t n, const long *steps,
                     const double *values)
{
    sqlite3_stmt *q = NULL;
    int rc = GPBO_OK;
    if ((q = stmt(s, ST_REPORT)) == NULL)
        rc = db_error(s, "reporting a value");
    for (size_t i = 0; i < n && rc == GPBO_OK; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, study);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)id);
        sqlite3_bind_int64(q, 3, steps[i]);
        if (bind_real(q, 4, values[i]) != SQLITE_OK || sqlite3_step(q) != SQLITE_DONE)
            rc = db_error(s, "reporting a value");
    }
    done(q);
    return rc;
}

static int sq_report(gpbo_storage *st, int64_t study, size_t id, size_t n, const long *steps,
                     const double *values)
{
    sqlite_storage *s = (sqlite_storage *)st;
    int rc = begin(s, ST_BEGIN_IMMEDIATE);
    if (rc == GPBO_OK)
        rc = report_in(s, study, id, n, steps, values);
    if (rc == GPBO_OK)
        return commit(s);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void sq_close(gpbo_storage *st)
{
    sqlite_storage *s = (sqlite_storage *)st;
    if (s != NULL) {
        for (int k = 0; k < ST_COUNT; k++)
            sqlite3_finalize(s->stmt[k]);
        sqlite3_close(s->db);
        free(s->path);
        free(s);
    }
}

/* The studies' names, in creation order. */
static int sq_studies(gpbo_storage *st, int (*cb)(void *payload, const char *name), void *payload)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_stmt *q = NULL;
    int rc = GPBO_OK, step;
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM studies ORDER BY id", -1, &q, NULL) !=
        SQLITE_OK)
        return db_error(s, "listing studies");
    while (rc == GPBO_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        rc = name ? cb(payload, name) : gpbo_error_set(GPBO_ENOMEM, "out of memory");
    }
    if (rc == GPBO_OK && step != SQLITE_DONE)
        rc = db_error(s, "listing studies");
    sqlite3_finalize(q);
    return rc;
}

static int attrs_table(sqlite_storage *s, const char *what, int *out)
{
    return has_table(s, "study_attrs", what, out);
}

/* The study's attributes go with it, in one write transaction: its row alone could not be
 * deleted while they referenced it (foreign keys are on). */
static int sq_drop_empty(gpbo_storage *st, int64_t study, int *dropped)
{
    static const char *const SQL[2] = {
        "DELETE FROM study_attrs WHERE study = ?1 AND NOT EXISTS (SELECT 1 FROM trials WHERE "
        "study = ?1)",
        "DELETE FROM studies WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM trials WHERE study = "
        "?1)"};
    sqlite_storage *s = (sqlite_storage *)st;
    *dropped = 0;
    int rc = begin(s, ST_BEGIN_IMMEDIATE), has_attrs = 0;
    if (rc == GPBO_OK)
        rc = attrs_table(s, "removing an empty study", &has_attrs);
    for (int k = has_attrs ? 0 : 1; rc == GPBO_OK && k < 2; k++) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(s->db, SQL[k], -1, &q, NULL) != SQLITE_OK ||
            sqlite3_bind_int64(q, 1, study) != SQLITE_OK || sqlite3_step(q) != SQLITE_DONE)
            rc = db_error(s, "removing an empty study");
        else if (k == 1)
            *dropped = sqlite3_changes(s->db) == 1;
        sqlite3_finalize(q);
    }
    if (rc == GPBO_OK)
        rc = commit(s);
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != GPBO_OK)
        *dropped = 0;
    return rc;
}

/* A deleted study's id is never given again: SQLite gives a new row the largest id + 1, which
 * the deleted study's may have been, and a worker still holding that id would have written its
 * trials into the new study. The first delete makes the table (no schema change: an older
 * build ignores it); sq_open_study numbers a new study past every id in it. */
static const char *const DELETED_TABLE =
    "CREATE TABLE IF NOT EXISTS deleted_studies(id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "deleted REAL NOT NULL)";

/* The study called name, its trials with their intermediate values, and its attributes, in one
 * write transaction (search_internal.h: delete_study). */
static int sq_delete_study(gpbo_storage *st, const char *name, size_t *out_trials)
{
    static const char *const SQL[] = {
        "DELETE FROM intermediate WHERE study = ?1", "DELETE FROM study_attrs WHERE study = ?1",
        "DELETE FROM trials WHERE study = ?1", "DELETE FROM studies WHERE id = ?1",
        "INSERT INTO deleted_studies(id, name, deleted) VALUES (?1, ?2, ?3)"};
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_stmt *q = NULL;
    int64_t id = 0, trials = 0;
    int has_attrs = 0, rc = begin(s, ST_BEGIN_IMMEDIATE);
    if (rc == GPBO_OK) {
        int step = SQLITE_ERROR;
        if (sqlite3_prepare_v2(s->db,
                               "SELECT id, (SELECT count(*) FROM trials WHERE study = studies.id) "
                               "FROM studies WHERE name = ?",
                               -1, &q, NULL) == SQLITE_OK &&
            sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT) == SQLITE_OK)
            step = sqlite3_step(q);
        if (step == SQLITE_ROW) {
            id = sqlite3_column_int64(q, 0);
            trials = sqlite3_column_int64(q, 1);
        } else if (step == SQLITE_DONE) {
            rc = gpbo_error_set(GPBO_ENOTFOUND, "%s: no study named '%s'", s->path, name);
        } else {
            rc = db_error(s, "deleting a study");
        }
        sqlite3_finalize(q);
    }
    if (rc == GPBO_OK)
        rc = exec(s, DELETED_TABLE, "deleting a study");
    if (rc == GPBO_OK)
        rc = attrs_table(s, "deleting a study", &has_attrs);
    for (size_t k = 0; rc == GPBO_OK && k < sizeof SQL / sizeof SQL[0]; k++) {
        if (k == 1 && !has_attrs)
            continue;
        q = NULL;
        if (sqlite3_prepare_v2(s->db, SQL[k], -1, &q, NULL) != SQLITE_OK ||
            sqlite3_bind_int64(q, 1, id) != SQLITE_OK ||
            (k == 4 && (sqlite3_bind_text(q, 2, name, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
                        sqlite3_bind_double(q, 3, (double)time(NULL)) != SQLITE_OK)) ||
            sqlite3_step(q) != SQLITE_DONE)
            rc = db_error(s, "deleting a study");
        sqlite3_finalize(q);
    }
    if (rc == GPBO_OK)
        rc = commit(s);
    else
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    *out_trials = rc == GPBO_OK ? (size_t)trials : 0;
    return rc;
}

/* ---- a study's user attributes (search_internal.h: set_study_attr, study_attrs) ---------- */

/* Made by the first set: a database without it has none. The rowid keeps the order the keys
 * were first set in (the upsert keeps the row). */
static const char *const ATTRS_TABLE =
    "CREATE TABLE IF NOT EXISTS study_attrs(study INTEGER NOT NULL REFERENCES studies(id), "
    "key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(study, key))";

static int sq_set_study_attr(gpbo_storage *st, int64_t study, const char *key, const char *json)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_stmt *q = NULL;
    int rc = exec(s, ATTRS_TABLE, "setting a study attribute");
    if (rc == GPBO_OK &&
        (sqlite3_prepare_v2(s->db,
                            "INSERT INTO study_attrs(study, key, value) VALUES (?, ?, ?) "
                            "ON CONFLICT(study, key) DO UPDATE SET value = excluded.value",
                            -1, &q, NULL) != SQLITE_OK ||
         sqlite3_bind_int64(q, 1, study) != SQLITE_OK ||
         sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC) != SQLITE_OK ||
         sqlite3_bind_text(q, 3, json, -1, SQLITE_STATIC) != SQLITE_OK ||
         sqlite3_step(q) != SQLITE_DONE))
        rc = db_error(s, "setting a study attribute");
    sqlite3_finalize(q);
    return rc;
}

static int sq_study_attrs(gpbo_storage *st, int64_t study,
                          int (*cb)(void *payload, const char *key, const char *json),
                          void *payload)
{
    sqlite_storage *s = (sqlite_storage *)st;
    sqlite3_stmt *q = NULL;
    int exists = 0, step = SQLITE_DONE,
        rc = attrs_table(s, "reading the study's attributes", &exists);
    if (rc != GPBO_OK || !exists) /* no table: none set */
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT key, value FROM study_attrs WHERE study = ? ORDER BY rowid", -1,
                           &q, NULL) != SQLITE_OK ||
        sqlite3_bind_int64(q, 1, study) != SQLITE_OK) {
        rc = db_error(s, "reading the study's attributes");
    } else {
        while (rc == GPBO_OK && (step = sqlite3_step(q)) == SQLITE_ROW)
            rc = cb(payload, (const char *)sqlite3_column_text(q, 0),
                    (const char *)sqlite3_column_text(q, 1));
        if (rc == GPBO_OK && step != SQLITE_DONE)
            rc = db_error(s, "reading the study's attributes");
    }
    sqlite3_finalize(q);
    return rc;
}

static const gpbo_storage_ops SQLITE_OPS = {.open_study = sq_open_study,
                                            .load = sq_load,
                                            .reserve = sq_reserve,
                                            .unreserve = sq_unreserve,
                                            .set_params = sq_set_params,
                                            .claim = sq_claim,
                                            .finish_trial = sq_finish,
                                            .finish_reserve = sq_finish_reserve,
                                            .report = sq_report,
                                            .heartbeat = sq_heartbeat,
                                            .close = sq_close,
                                            .studies = sq_studies,
                                            .set_study_attr = sq_set_study_attr,
                                            .study_attrs = sq_study_attrs,
                                            .drop_empty = sq_drop_empty,
                                            .delete_study = sq_delete_study,
                                            .add_finished = sq_add_finished};

/* The schema's migrations: MIGRATIONS[v - 1] takes a database from version v to v + 1, inside
 * the transaction that checks the version (so concurrent openers migrate it once). Version 1
 * is what the first CREATE makes. */
static const char *const MIGRATIONS[SCHEMA_VERSION - 1] = {
    /* 1 -> 2: many workers. Trials running under version 1 have no worker and a heartbeat of 0
     * (released): the first ask reclaims them, as version 1 reran them. */
    "ALTER TABLE trials ADD COLUMN worker TEXT;"
    "ALTER TABLE trials ADD COLUMN heartbeat REAL NOT NULL DEFAULT 0;"
    "ALTER TABLE trials ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;"
    "UPDATE gpbo_schema SET version = 2;",
    /* 2 -> 3: every metric kept (issue 20): a trial's other metrics, a JSON object */
    "ALTER TABLE trials ADD COLUMN metrics TEXT;"
    "UPDATE gpbo_schema SET version = 3;",
};

static int schema_version(sqlite_storage *s)
{
    sqlite3_stmt *q = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT version FROM gpbo_schema", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return version;
}

/* Whether the file holds the current schema in WAL mode, read without writing anything (a
 * reading command on a file it may not write must get past the open): 1 yes, 0 no (a new or
 * older file: check_schema writes), or a negative status (the file cannot be read, or is of a
 * newer gpbo). *out_version: the version read (-1: no gpbo table, as in a new file). */
static int schema_current(sqlite_storage *s, int *out_version)
{
    *out_version = -1;
    sqlite3_stmt *q = NULL;
    int tables = -1, ours = 0, rc = GPBO_OK;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*), count(CASE name WHEN 'gpbo_schema' THEN 1 END) FROM "
                           "sqlite_master WHERE type = 'table'",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        tables = sqlite3_column_int(q, 0);
        ours = sqlite3_column_int(q, 1);
    }
    int code = sqlite3_errcode(s->db) & 0xff;
    s->busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
    int ext = sqlite3_extended_errcode(s->db);
    int shm =
        ext == SQLITE_IOERR_SHMOPEN || ext == SQLITE_IOERR_SHMSIZE || ext == SQLITE_IOERR_SHMMAP;
    if (tables < 0)
        rc = gpbo_error_set(GPBO_ESTORAGE, "%s: cannot read: %s%s%s%s", s->path,
                            sqlite3_errmsg(s->db),
                            shm ? " (SQLite could not make its index file beside it, " : "",
                            shm ? s->path : "", shm ? "-shm: is the disk full?)" : "");
    sqlite3_finalize(q);
    if (rc != GPBO_OK)
        return rc;
    /* gpbo makes its tables and gpbo_schema in one transaction, so tables without it are
     * another program's (an Optuna study, which has its own 'studies' and 'trials'): making
     * ours beside them altered that program's 'trials' and then failed on its columns */
    if (!ours && tables > 0)
        return gpbo_error_set(GPBO_ESTORAGE,
                              "%s: not a gpbo database (its tables are another program's); "
                              "nothing was changed: give a file of its own to gpbo",
                              s->path);
    if (!ours)
        return 0;
    *out_version = schema_version(s);
    if (*out_version > SCHEMA_VERSION)
        rc = gpbo_error_set(GPBO_ESTORAGE, "%s: schema version %d; this gpbo reads version %d",
                            s->path, *out_version, SCHEMA_VERSION);
    if (rc != GPBO_OK || *out_version != SCHEMA_VERSION)
        return rc;
    if (s->immutable || sqlite3_db_readonly(s->db, "main") == 1)
        return 1; /* a reader only: its journal mode and indexes matter to writers alone */
    const char *mode = NULL;
    int wal = 0, indexed = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW && (mode = (const char *)sqlite3_column_text(q, 0)) != NULL)
        wal = sqlite3_stricmp(mode, "wal") == 0;
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                           "name = 'trials_running'",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        indexed = sqlite3_column_int(q, 0) > 0;
    sqlite3_finalize(q);
    return wal && indexed;
}

/* The running trials of a study by worker, as PostgreSQL's schema has had since its version 2:
 * a heartbeat (every `heartbeat` seconds per worker) updates its worker's running trials, and
 * without the index it read every trial of the study, the write lock held (bench/asks/heartbeat.py
 * at 20,000 trials: 4.6 ms of CPU a heartbeat, 0.03 ms with it). An index changes no row and no
 * reader: it is made without a new schema version, so older gpbo builds still open the file. */
#define RUNNING_INDEX                                                                              \
    "CREATE INDEX IF NOT EXISTS trials_running ON trials(study, worker) WHERE state = 0;"

static int check_schema(sqlite_storage *s)
{
    int rc = exec(s,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                  "PRAGMA foreign_keys=ON; BEGIN IMMEDIATE;"
                  "CREATE TABLE IF NOT EXISTS gpbo_schema(version INTEGER NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS studies(id INTEGER PRIMARY KEY, name TEXT "
                  "UNIQUE NOT NULL, space TEXT NOT NULL, options TEXT NOT NULL, created REAL);"
                  "CREATE TABLE IF NOT EXISTS trials(study INTEGER NOT NULL REFERENCES "
                  "studies(id), id INTEGER NOT NULL, state INTEGER NOT NULL, value REAL, "
                  "reason TEXT, params TEXT NOT NULL, started REAL, finished REAL, "
                  "PRIMARY KEY(study, id));"
                  "CREATE TABLE IF NOT EXISTS intermediate(study INTEGER NOT NULL, trial "
                  "INTEGER NOT NULL, step INTEGER NOT NULL, value REAL NOT NULL, "
                  "PRIMARY KEY(study, trial, step));"
                  "INSERT INTO gpbo_schema(version) SELECT 1 WHERE NOT EXISTS "
                  "(SELECT 1 FROM gpbo_schema);",
                  "opening the database");
    if (rc != GPBO_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    int version = schema_version(s);
    while (rc == GPBO_OK && version >= 1 && version < SCHEMA_VERSION) {
        rc = exec(s, MIGRATIONS[version - 1], "migrating the schema");
        version = rc == GPBO_OK ? schema_version(s) : version;
    }
    if (rc == GPBO_OK && version != SCHEMA_VERSION)
        rc = gpbo_error_set(GPBO_ESTORAGE, "%s: schema version %d; this gpbo reads version %d",
                            s->path, version, SCHEMA_VERSION);
    if (rc == GPBO_OK)
        rc = exec(s, RUNNING_INDEX, "indexing the running trials");
    if (rc != GPBO_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return commit(s);
}

/* "file:" URI of path with query (for sqlite3_open_v2 with SQLITE_OPEN_URI): every byte but
 * the unreserved ones and '/' percent-encoded. malloc'd, NULL out of memory. */
static char *file_uri(const char *path, const char *query)
{
    size_t len = strlen(path);
    char *u = malloc(5 + 3 * len + 1 + strlen(query) + 1), *o = u;
    if (u == NULL)
        return NULL;
    memcpy(o, "file:", 5);
    o += 5;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/._-~", *p) != NULL)
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    sprintf(o, "?%s", query);
    return u;
}

/* Whether the failed first read of path (on db) was SQLite's failure to make its WAL index
 * (path-shm) beside it: SQLITE_READONLY / SQLITE_CANTOPEN (a read-only folder or mount, a file
 * owned by another user) or an I/O error growing it (its disk is full: *out_full set) — with
 * no path-wal beside it, or an empty one: then no writer holds anything the file lacks, and
 * the file can be read immutable. A full disk made even gpbo trials and best fail with "disk I/O
 * error" on a study that a full disk had stopped. */
static int wal_unreadable_at(sqlite3 *db, const char *path, int *out_full)
{
    int code = sqlite3_extended_errcode(db);
    int shm =
        code == SQLITE_IOERR_SHMOPEN || code == SQLITE_IOERR_SHMSIZE || code == SQLITE_IOERR_SHMMAP;
    *out_full = 0;
    if ((code & 0xff) != SQLITE_READONLY && (code & 0xff) != SQLITE_CANTOPEN && !shm)
        return 0;
    size_t len = strlen(path);
    char *wal = malloc(len + 5);
    if (wal == NULL)
        return 0;
    memcpy(wal, path, len);
    memcpy(wal + len, "-wal", 5);
    struct stat sb;
    int none = stat(wal, &sb) != 0 ? errno == ENOENT : sb.st_size == 0;
    free(wal);
    *out_full = none && shm;
    return none;
}

static int wal_unreadable(sqlite_storage *s)
{
    return wal_unreadable_at(s->db, s->path, &s->full);
}

/* Opens path read-only and immutable into *db (closing what *db was): no lock, no -shm, the
 * file read as it is. GPBO_OK, or GPBO_ESTORAGE / GPBO_ENOMEM naming path. */
static int open_immutable(const char *path, sqlite3 **db)
{
    sqlite3_close(*db);
    *db = NULL;
    char *uri = file_uri(path, "immutable=1");
    if (uri == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    int rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (rc != SQLITE_OK)
        return gpbo_error_set(GPBO_ESTORAGE, "%s: cannot open: %s", path,
                              *db ? sqlite3_errmsg(*db) : "out of memory");
    sqlite3_busy_timeout(*db, BUSY_WAIT_MS);
    return GPBO_OK;
}

static int reopen_immutable(sqlite_storage *s)
{
    for (int k = 0; k < ST_COUNT; k++) {
        sqlite3_finalize(s->stmt[k]);
        s->stmt[k] = NULL;
    }
    s->immutable = 1;
    return open_immutable(s->path, &s->db);
}

int gpbo_search__sqlite_list(const char *path, int (*cb)(void *payload, const char *name),
                             void *payload)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int rc = GPBO_OK, step = SQLITE_DONE, tables = 0, ours = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = gpbo_error_set(GPBO_ESTORAGE, "%s: cannot open: %s", path,
                            db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, BUSY_WAIT_MS);
    for (int again = 1;; again = 0) {
        if (sqlite3_prepare_v2(db,
                               "SELECT count(*), count(CASE name WHEN 'gpbo_schema' THEN 1 END) "
                               "FROM sqlite_master WHERE type = 'table'",
                               -1, &q, NULL) == SQLITE_OK &&
            (step = sqlite3_step(q)) == SQLITE_ROW)
            break;
        sqlite3_finalize(q);
        q = NULL;
        /* a WAL file in a folder this process may not write: read immutable (sqlite_open) */
        int full = 0;
        if (!again || !wal_unreadable_at(db, path, &full))
            break;
        if ((rc = open_immutable(path, &db)) != GPBO_OK) {
            sqlite3_close(db);
            return rc;
        }
    }
    if (q == NULL || step != SQLITE_ROW)
        rc =
            gpbo_error_set(GPBO_ESTORAGE, "%s: reading the database: %s", path, sqlite3_errmsg(db));
    else {
        tables = sqlite3_column_int(q, 0);
        ours = sqlite3_column_int(q, 1);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc == GPBO_OK && tables > 0 && !ours)
        rc = gpbo_error_set(GPBO_ESTORAGE,
                            "%s: not a gpbo database (its tables are another program's)", path);
    if (rc == GPBO_OK && ours) {
        if (sqlite3_prepare_v2(db, "SELECT name FROM studies ORDER BY id", -1, &q, NULL) ==
            SQLITE_OK)
            while (rc == GPBO_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
                const char *name = (const char *)sqlite3_column_text(q, 0);
                rc = name ? cb(payload, name) : gpbo_error_set(GPBO_ENOMEM, "out of memory");
            }
        if (rc == GPBO_OK && (q == NULL || step != SQLITE_DONE))
            rc = gpbo_error_set(GPBO_ESTORAGE, "%s: listing studies: %s", path, sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return rc;
}

/* Milliseconds of the monotonic clock since *t0. */
static int elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

gpbo_storage *gpbo_search__sqlite_open(const char *path)
{
    sqlite_storage *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        return NULL;
    }
    s->base.ops = &SQLITE_OPS;
    /* a file this process may not write is opened read-only by SQLite itself */
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        gpbo_error_set(GPBO_ESTORAGE, "%s: cannot open: %s", path,
                       s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sq_close(&s->base);
        return NULL;
    }
    /* A current file is opened without writing anything, so every reading command works on a
     * file, folder or mount this process may not write. Switching a new file to WAL takes its
     * lock without waiting for it (the busy handler is not called there): several workers
     * creating one database at the same moment see "database is locked" once. Retried, for
     * BUSY_WAIT_MS in all (each try's busy timeout is what is left of it), as every other lock
     * is waited for: a read that had waited its whole busy timeout was tried again, 600 times
     * (5 hours, silent, behind a process holding the file's lock). */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int pragmas = 0;
    for (;;) {
        int version = -1, cur, left = BUSY_WAIT_MS - elapsed_ms(&t0);
        sqlite3_busy_timeout(s->db, left > 1 ? left : 1);
        /* the pragmas read the schema: they wait for the lock too, and are set once they run */
        if (!pragmas &&
            sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", NULL, NULL,
                         NULL) != SQLITE_OK &&
            ((sqlite3_errcode(s->db) & 0xff) == SQLITE_BUSY ||
             (sqlite3_errcode(s->db) & 0xff) == SQLITE_LOCKED)) {
            s->busy = 1;
            cur = gpbo_error_set(GPBO_ESTORAGE, "%s: cannot read: %s", path, sqlite3_errmsg(s->db));
        } else {
            pragmas = 1;
            cur = schema_current(s, &version);
        }
        if (cur < 0 && !s->busy && !s->immutable && wal_unreadable(s)) {
            if (reopen_immutable(s) != GPBO_OK) {
                sq_close(&s->base);
                return NULL;
            }
            continue;
        }
        if (cur == 1)
            break;
        if (cur == 0 && (s->immutable || sqlite3_db_readonly(s->db, "main") == 1)) {
            /* the schema must be made or migrated, and this process may not write the file */
            if (version >= 1)
                gpbo_error_set(GPBO_ESTORAGE,
                               "%s: the study file has schema version %d, this gpbo reads "
                               "version %d, and this process may not write it: it needs "
                               "upgrading by a gpbo that may (gpbo run or resume on it)",
                               path, version, SCHEMA_VERSION);
            else
                gpbo_error_set(GPBO_ESTORAGE,
                               "%s: not a gpbo study file yet, and this process may not write it",
                               path);
            sq_close(&s->base);
            return NULL;
        }
        if ((cur < 0 ? cur : check_schema(s)) == GPBO_OK)
            break;
        if (!s->busy || elapsed_ms(&t0) >= BUSY_WAIT_MS) {
            if (s->busy && strstr(gpbo_error_message(), BUSY_HINT) == NULL) {
                char msg[1024];
                snprintf(msg, sizeof msg, "%s", gpbo_error_message());
                gpbo_error_set(GPBO_ESTORAGE, "%s%s", msg, BUSY_HINT);
            }
            sq_close(&s->base);
            return NULL;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    sqlite3_busy_timeout(s->db, BUSY_WAIT_MS);
    return &s->base;
}
