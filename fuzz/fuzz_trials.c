/*
 * fuzz_trials.c: libFuzzer harness for the trials another program (or a damaged disk) left in a
 * study's SQLite database: the rows of `trials` and `intermediate` that gpbo_study_open reads
 * back (search/storage_sqlite.c's row decoding, study.c's checks of each row, params_json.c's
 * parameters and metrics), and what a worker then does with them: the best trial, the pruned
 * trials' view and the Bayesian strategy's asks (search/pruned_view.c, bayes_*.c).
 *
 * The study, made once: "s" over a float x in [0, 1], an integer n in [1, 5] and a categorical
 * c of three choices, the default options (bayes). Each input is lines; a line starting with T
 * is a trials row, its tab-separated fields id, state, value, params, metrics, reason, started,
 * finished, worker, heartbeat, retries (fewer fields: the rest as gpbo writes a complete trial),
 * one starting with I an intermediate row: trial, step, value. A field "N" is SQL NULL; every
 * other field is bound as text, so that the columns' affinity makes numbers of what reads as
 * one and leaves the rest text, as a careless writer would. A row the schema refuses (a repeated
 * key, a NULL where none may be) is skipped.
 *
 * Promises checked: an open that fails says why; an open that succeeds holds only trials whose
 * state is known, whose complete value is finite, whose parameters are the space's (an active
 * one encodes, gpbo_space_encode) and whose steps are >= 0 with finite values; best, when found,
 * is a complete trial; asking and telling then works or says why. Anything else — a sanitizer
 * report, an allocation past libFuzzer's limit, abort — is a bug.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpbo/error.h"
#include "gpbo/search.h"

#define FUZZ_HARNESS "fuzz_trials"
#include "fuzz_util.h"

#define ASKS       3
#define ROWS_MAX   64 /* rows an input may write: more makes each run slow, not more thorough */
#define FIELDS_MAX 11

static char path[64], url[80];
static long long study_id;

static void setup(void)
{
    snprintf(path, sizeof path, "/dev/shm/gpbo_fuzz_trials_%ld.db", (long)getpid());
    snprintf(url, sizeof url, "sqlite:///%s", path);
    unlink(path);
    static const char *const choices[] = {"a", "b", "c"};
    gpbo_space *sp = gpbo_space_new();
    if (sp == NULL || gpbo_space_add_float(sp, "x", 0, 1, 0) != GPBO_OK ||
        gpbo_space_add_int(sp, "n", 1, 5, 0) != GPBO_OK ||
        gpbo_space_add_categorical(sp, "c", 3, choices) != GPBO_OK)
        broken("setup", gpbo_error_message());
    gpbo_study *s = gpbo_study_open(url, "s", sp, NULL);
    if (s == NULL)
        broken("setup", gpbo_error_message());
    gpbo_study_close(s);
    gpbo_space_free(sp);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id FROM studies WHERE name = 's'", -1, &q, NULL) !=
            SQLITE_OK ||
        sqlite3_step(q) != SQLITE_ROW)
        broken("setup", sqlite3_errmsg(db));
    study_id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* Splits line (changed in place) at tabs into at most FIELDS_MAX fields; their count. */
static int split(char *line, char **f)
{
    int n = 0;
    for (char *p = line; n < FIELDS_MAX;) {
        f[n++] = p;
        p = strchr(p, '\t');
        if (p == NULL)
            break;
        *p++ = '\0';
    }
    return n;
}

static void bind_field(sqlite3_stmt *q, int i, const char *v)
{
    if (!strcmp(v, "N"))
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
}

/* The input's rows written in place of the study's trials. 0 on success. */
static int store(char *text)
{
    static const char *const DEFAULTS[FIELDS_MAX] = {
        "0", "1", "0.5", "[0.5, 2, 1]", "N", "N", "1700000000", "1700000001", "w", "0", "0"};
    sqlite3 *db = NULL;
    sqlite3_stmt *t = NULL, *im = NULL;
    int ok = sqlite3_open(path, &db) == SQLITE_OK &&
             sqlite3_exec(db, "BEGIN; DELETE FROM intermediate; DELETE FROM trials;", NULL, NULL,
                          NULL) == SQLITE_OK &&
             sqlite3_prepare_v2(db,
                                "INSERT INTO trials(study, id, state, value, params, metrics, "
                                "reason, started, finished, worker, heartbeat, retries) VALUES "
                                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                -1, &t, NULL) == SQLITE_OK &&
             sqlite3_prepare_v2(db,
                                "INSERT INTO intermediate(study, trial, step, value) VALUES "
                                "(?1, ?2, ?3, ?4)",
                                -1, &im, NULL) == SQLITE_OK;
    int rows = 0;
    for (char *line = text; ok && line != NULL && rows < ROWS_MAX; rows++) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *f[FIELDS_MAX];
        if (line[0] == 'T' || line[0] == 'I') {
            int n = split(line + 1, f);
            sqlite3_stmt *q = line[0] == 'T' ? t : im;
            int nf = line[0] == 'T' ? FIELDS_MAX : 3;
            sqlite3_reset(q);
            sqlite3_clear_bindings(q);
            sqlite3_bind_int64(q, 1, study_id);
            for (int i = 0; i < nf; i++)
                bind_field(q, i + 2, i < n ? f[i] : line[0] == 'T' ? DEFAULTS[i] : "0");
            sqlite3_step(q); /* a row the schema refuses is skipped */
        }
        line = next;
    }
    ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_finalize(t);
    sqlite3_finalize(im);
    sqlite3_close(db);
    return ok ? 0 : -1;
}

/* What an open study promises of the trials it read. */
static void check_trials(const gpbo_study *s)
{
    const gpbo_space *sp = gpbo_study_space(s);
    size_t np = gpbo_space_size(sp), n = gpbo_study_ntrials(s);
    double u[8];
    if (np != 3 || gpbo_space_dim(sp) > 8)
        broken("check", "the space changed");
    for (size_t id = 0; id < n; id++) {
        gpbo_trial_info t;
        if (gpbo_study_trial(s, id, &t) != GPBO_OK)
            broken("a trial the study counts is not found", gpbo_error_message());
        if ((unsigned)t.state >= GPBO_TRIAL_STATE_COUNT)
            broken("a trial's state is unknown", NULL);
        if (t.state == GPBO_TRIAL_COMPLETE && !isfinite(t.value))
            broken("a complete trial's value is not finite", NULL);
        if (t.state == GPBO_TRIAL_COMPLETE && gpbo_space_encode(sp, t.values, u) != GPBO_OK)
            broken("a complete trial's parameters are not the space's", gpbo_error_message());
        for (size_t k = 0; k < t.nsteps; k++)
            if (t.steps[k] < 0 || !isfinite(t.step_values[k]))
                broken("a trial's intermediate value is out of range", NULL);
    }
    gpbo_trial_info b;
    if (gpbo_study_best(s, &b) == GPBO_OK && b.state != GPBO_TRIAL_COMPLETE)
        broken("best is not complete", NULL);
}

static void work(gpbo_study *s)
{
    const gpbo_space *sp = gpbo_study_space(s);
    double v[3], u[8];
    for (int k = 0; k < ASKS; k++) {
        size_t id;
        if (gpbo_study_ask(s, &id, v) != GPBO_OK) {
            explained("ask");
            return;
        }
        if (gpbo_space_encode(sp, v, u) != GPBO_OK)
            broken("a value asked is not the space's", gpbo_error_message());
        if (gpbo_study_tell(s, id, sin(3 * v[0]) + v[1] + v[2]) != GPBO_OK)
            explained("tell");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (memchr(data, '\0', size) != NULL)
        return 0;
    char *text = input_text(data, size);
    if (store(text) == 0) {
        gpbo_study *s = gpbo_study_open(url, "s", NULL, NULL);
        if (s == NULL) {
            explained("open");
        } else {
            check_trials(s);
            work(s);
            gpbo_study_close(s);
        }
    }
    free(text);
    return 0;
}
