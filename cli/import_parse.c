/*
 * import_parse.c: reading the trials of a file `gpbo export` wrote, CSV or JSON, for `gpbo
 * import` (import_parse.h). Both formats come down to one raw row (a state, a value, each
 * parameter's text, the metrics, a reason), which one function checks against the sweep the
 * way `gpbo enqueue` checks a point: each parameter's text read as the program sees it
 * (sweep_value), every active parameter given, no inactive one, the point inside the space.
 * Intermediate values come with a JSON row ("intermediate": [[step, value], ...]) or, for CSV,
 * from the second file `gpbo export --steps` writes (import_parse_steps), matched by trial id.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "../base/json_safe.h"
#include "import_parse.h"
#include "yaml_text.h"

/* The most columns a CSV header may have (the metrics' and the parameters' together), and the
 * most metrics a trial may have (a study merges a trial's metrics name by name). */
#define MAX_METRICS 1000
#define MAX_COLUMNS (SWEEP_MAX_PARAMS + MAX_METRICS + 16)
/* The most user attributes a trial may have. */
#define MAX_ATTRS 1000

typedef struct ctx {
    const sweep *sw;
    const gpbo_space *sp;
    const char *name;
    import_format f;
    size_t where;   /* CSV: the row's line; JSON: the trial's number (or its element's) */
    int by_element; /* JSON: the element has no trial number, where counts elements from 1 */
    import_set *out;
} ctx;

/* One row as the file gives it, before it is checked. Texts are borrowed. */
typedef struct raw {
    const char *state, *value; /* value NULL: none (an empty cell, null, no column) */
    const char **param;        /* np texts; NULL: none */
    size_t nm;
    const char **mname;
    double *mval;
    const char *reason;
    const char *trial;      /* CSV: the `trial` cell, or NULL */
    const json_t *inter;    /* JSON: the "intermediate" member, or NULL */
    const json_t *attrs;    /* JSON: the "user_attrs" member, or NULL */
    const char *attrs_text; /* CSV: the `user_attrs` cell (a JSON object), or NULL */
} raw;

/* Sets the last error: "name:LINE: field: what" (CSV) or "name: trial N: field: what". */
static int fail(const ctx *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const ctx *c, const char *field, const char *fmt, ...)
{
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char at[64];
    if (c->f == IMPORT_CSV)
        snprintf(at, sizeof at, ":%zu:", c->where);
    else
        snprintf(at, sizeof at, ": %s %zu:", c->by_element ? "element" : "trial", c->where);
    if (field != NULL)
        return gpbo_error_set(GPBO_EFORMAT, "%s%s %s: %s", c->name, at, field, what);
    return gpbo_error_set(GPBO_EFORMAT, "%s%s %s", c->name, at, what);
}

static int oom(void)
{
    return gpbo_error_set(GPBO_ENOMEM, "out of memory");
}

import_format import_guess(const char *name, const char *text, size_t len)
{
    size_t l = strlen(name);
    if (l >= 5 && !strcmp(name + l - 5, ".json"))
        return IMPORT_JSON;
    if (l >= 4 && !strcmp(name + l - 4, ".csv"))
        return IMPORT_CSV;
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", text[i]) != NULL && text[i] != '\0')
        i++;
    return i < len && (text[i] == '[' || text[i] == '{') ? IMPORT_JSON : IMPORT_CSV;
}

static void row_free(import_row *r)
{
    free(r->params);
    free(r->reason);
    for (size_t k = 0; k < r->nmetrics; k++)
        free(r->mnames[k]);
    free(r->mnames);
    free(r->mvalues);
    free(r->steps);
    free(r->svalues);
    for (size_t k = 0; k < r->nattrs; k++) {
        free(r->akeys[k]);
        free(r->avalues[k]);
    }
    free(r->akeys);
    free(r->avalues);
}

gpbo_trial_result import_row_result(const import_row *r)
{
    gpbo_trial_result res = GPBO_TRIAL_RESULT_INIT;
    res.state = r->state;
    res.values = r->values;
    res.reason = r->reason;
    res.n_metrics = r->nmetrics;
    res.metric_names = (const char *const *)r->mnames;
    res.metric_values = r->mvalues;
    res.n_steps = r->nsteps;
    res.steps = r->steps;
    res.step_values = r->svalues;
    res.n_user_attrs = r->nattrs;
    res.user_attr_keys = (const char *const *)r->akeys;
    res.user_attr_values = (const char *const *)r->avalues;
    return res;
}

void import_set_free(import_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        row_free(&s->rows[i]);
    free(s->rows);
    memset(s, 0, sizeof *s);
}

/* A whole number of text into *out: GPBO_OK, or GPBO_EFORMAT (not a number; finite demands a
 * finite one). */
static int number(const char *text, int finite, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || *end != '\0' || (finite && !isfinite(x)))
        return GPBO_EFORMAT;
    *out = x;
    return GPBO_OK;
}

/* The row's parameters into vals (np values) as `gpbo enqueue` reads them, u the scratch of
 * gpbo_space_encode. */
static int row_point(const ctx *c, const raw *r, double *vals, double *u)
{
    const sweep *sw = c->sw;
    for (size_t i = 0; i < sw->np; i++) {
        if (r->param[i] == NULL) { /* a constant's one value; NaN: inactive, or missing */
            vals[i] = sw->p[i].dist == D_CONSTANT ? 0 : NAN;
        } else if (sweep_value(sw, i, r->param[i], &vals[i]) != GPBO_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", gpbo_error_message());
            return fail(c, NULL, "%s", msg); /* "parameter 'x': '...' is not ..." */
        }
    }
    for (size_t i = 0; i < sw->np; i++) {
        int active = gpbo_space_active(c->sp, vals, i);
        if (r->param[i] == NULL && active && sw->p[i].dist != D_CONSTANT)
            return fail(c, NULL, "parameter '%s' is missing", sw->p[i].name);
        if (r->param[i] != NULL && !active)
            return fail(c, NULL, "parameter '%s' has a value but is inactive under its when:",
                        sw->p[i].name);
        if (!active)
            vals[i] = NAN;
    }
    if (gpbo_space_encode(c->sp, vals, u) != GPBO_OK) {
        const char *m = gpbo_error_message();
        char msg[512];
        snprintf(msg, sizeof msg, "%s", strncmp(m, "space_encode: ", 14) ? m : m + 14);
        return fail(c, NULL, "%s", msg);
    }
    return GPBO_OK;
}

/* Metric name's value in r: 1 with *v, or 0 when r has none. */
static int metric_of(const raw *r, const char *name, double *v)
{
    for (size_t k = 0; k < r->nm; k++)
        if (!strcmp(r->mname[k], name)) {
            *v = r->mval[k];
            return 1;
        }
    return 0;
}

/* A complete row's values: `value`, or each objective's metric (the first one falling back on
 * `value`, as a study reads it). */
static int row_values(const ctx *c, const raw *r, double *values)
{
    const sweep *sw = c->sw;
    double v = NAN;
    int has_value = r->value != NULL;
    if (has_value && number(r->value, 1, &v) != GPBO_OK)
        return fail(c, "value", "'%s' is not a finite number", SHOW(r->value));
    if (sw->nobjectives < 2) {
        if (!has_value)
            return fail(c, "value", "missing (a complete trial has one)");
        values[0] = v;
        return GPBO_OK;
    }
    for (size_t j = 0; j < sw->nobjectives; j++) {
        char field[96];
        snprintf(field, sizeof field, "metrics.%s", SHOW(sw->objectives[j]));
        if (!metric_of(r, sw->objectives[j], &values[j]) && j == 0 && has_value)
            values[j] = v;
        else if (!metric_of(r, sw->objectives[j], &values[j]))
            return fail(c, field, "missing: the objective of a complete trial");
        if (!isfinite(values[j]))
            return fail(c, field, "not a finite number");
    }
    return GPBO_OK;
}

/* Copies r's metrics into row (names and values). */
static int row_metrics(const raw *r, import_row *row)
{
    if (r->nm == 0)
        return GPBO_OK;
    row->mnames = calloc(r->nm, sizeof *row->mnames);
    row->mvalues = malloc(r->nm * sizeof *row->mvalues);
    if (row->mnames == NULL || row->mvalues == NULL)
        return oom();
    for (size_t k = 0; k < r->nm; k++) {
        if ((row->mnames[k] = strdup(r->mname[k])) == NULL)
            return oom();
        row->nmetrics = k + 1;
        row->mvalues[k] = r->mval[k];
    }
    return GPBO_OK;
}

/* A step's text (a CSV cell) as gpbo export writes it, a decimal integer >= 0, into *out:
 * GPBO_OK, or GPBO_EFORMAT. */
static int step_text(const char *t, long *out)
{
    char *end;
    errno = 0;
    long v = t[0] >= '0' && t[0] <= '9' ? strtol(t, &end, 10) : -1;
    if (v < 0 || errno != 0 || *end != '\0')
        return GPBO_EFORMAT;
    *out = v;
    return GPBO_OK;
}

/* What put_step keeps of a row's steps: the room of its arrays, and its largest step. */
typedef struct step_room {
    size_t cap;
    long max; /* -1: none */
} step_room;

/* Appends step = value to row (room made for it), unless row has that step: 1 then. Steps come
 * in increasing order from gpbo export, so the search for one given twice is skipped for a step
 * past the largest so far. -1 out of memory. */
static int put_step(import_row *row, step_room *room, long step, double value)
{
    size_t *cap = &room->cap;
    if (step <= room->max)
        for (size_t k = 0; k < row->nsteps; k++)
            if (row->steps[k] == step)
                return 1;
    if (row->nsteps == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        long *ns = realloc(row->steps, nc * sizeof *ns);
        if (ns != NULL)
            row->steps = ns;
        double *nv = realloc(row->svalues, nc * sizeof *nv);
        if (nv != NULL)
            row->svalues = nv;
        if (ns == NULL || nv == NULL)
            return -1;
        *cap = nc;
    }
    row->steps[row->nsteps] = step;
    row->svalues[row->nsteps++] = value;
    room->max = step > room->max ? step : room->max;
    return 0;
}

/* A JSON row's intermediate values (r->inter: [[step, value], ...], steps integers >= 0 given
 * once, values finite numbers) into row. */
static int row_steps(const ctx *c, const raw *r, import_row *row)
{
    const json_t *a = r->inter;
    if (a == NULL || json_is_null(a))
        return GPBO_OK;
    if (!json_is_array(a))
        return fail(c, "intermediate", "not an array of [step, value] pairs");
    step_room room = {0, -1};
    for (size_t k = 0; k < json_array_size(a); k++) {
        const json_t *e = json_array_get(a, k), *st = json_array_get(e, 0),
                     *v = json_array_get(e, 1);
        char field[48];
        snprintf(field, sizeof field, "intermediate[%zu]", k);
        if (!json_is_array(e) || json_array_size(e) != 2)
            return fail(c, field, "not a [step, value] pair");
        if (!json_is_integer(st) || json_integer_value(st) < 0 || json_integer_value(st) > LONG_MAX)
            return fail(c, field, "the step is not an integer >= 0");
        long step = (long)json_integer_value(st);
        if (!json_is_number(v) || !isfinite(json_number_value(v)))
            return fail(c, field, "the value of step %ld is not a finite number", step);
        int put = put_step(row, &room, step, json_number_value(v));
        if (put < 0)
            return oom();
        if (put > 0)
            return fail(c, field, "step %ld is given twice", step);
    }
    return GPBO_OK;
}

/* Room for one more row in c->out. */
static int grow(import_set *s)
{
    if (s->n < s->cap)
        return GPBO_OK;
    size_t nc = s->cap ? 2 * s->cap : 64;
    import_row *nr = realloc(s->rows, nc * sizeof *nr);
    if (nr == NULL)
        return oom();
    s->rows = nr;
    s->cap = nc;
    return GPBO_OK;
}

/* The user attributes of object o (key -> any JSON value) into row: each key, and its value as
 * compact JSON text (what gpbo_trial_result's user_attr_values takes). */
static int attrs_of(const ctx *c, const json_t *o, import_row *row)
{
    size_t n = json_object_size(o);
    if (n > MAX_ATTRS)
        return fail(c, "user_attrs", "more than %d user attributes", MAX_ATTRS);
    if (n == 0)
        return GPBO_OK;
    row->akeys = calloc(n, sizeof *row->akeys);
    row->avalues = calloc(n, sizeof *row->avalues);
    if (row->akeys == NULL || row->avalues == NULL)
        return oom();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        char *txt = gpbo_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
        char *k = strdup(key);
        if (txt == NULL || k == NULL) {
            free(txt);
            free(k);
            return oom();
        }
        row->akeys[row->nattrs] = k;
        row->avalues[row->nattrs++] = txt;
    }
    return GPBO_OK;
}

/* A row's user attributes: a JSON row's "user_attrs" member, or a CSV row's `user_attrs` cell,
 * each a JSON object key -> value (absent, null or an empty cell: none). */
static int row_attrs(const ctx *c, const raw *r, import_row *row)
{
    if (r->attrs_text != NULL) {
        json_error_t err;
        json_t *o = json_loads(r->attrs_text, JSON_REJECT_DUPLICATES, &err);
        if (o == NULL && json_error_code(&err) == json_error_out_of_memory)
            return oom();
        if (!json_is_object(o)) {
            json_decref(o);
            return fail(c, "user_attrs", "'%s' is not a JSON object of attributes",
                        SHOW(r->attrs_text));
        }
        int rc = attrs_of(c, o, row);
        json_decref(o);
        return rc;
    }
    if (r->attrs == NULL || json_is_null(r->attrs))
        return GPBO_OK;
    if (!json_is_object(r->attrs))
        return fail(c, "user_attrs", "not an object of key: JSON value");
    return attrs_of(c, r->attrs, row);
}

/* The states of gpbo export's rows that are left out (their trials unfinished), and the
 * refusal of any state that is neither one of those nor complete, failed or pruned: one list
 * for the rows (take_row) and the --steps file (steps_record). */
static const char *const SKIPPED[] = {"running", "interrupted", "queued"};
#define N_SKIPPED (sizeof SKIPPED / sizeof *SKIPPED)

/* k < N_SKIPPED when state is SKIPPED[k]; N_SKIPPED when it is complete, failed or pruned;
 * otherwise the state field's error (GPBO_EFORMAT) is set and -1 returned. */
static long state_kind(const ctx *c, const char *state)
{
    for (size_t k = 0; k < N_SKIPPED; k++)
        if (!strcmp(state, SKIPPED[k]))
            return (long)k;
    if (!strcmp(state, "complete") || !strcmp(state, "failed") || !strcmp(state, "pruned"))
        return N_SKIPPED;
    fail(c, "state", "'%s' is not one of complete, failed, pruned, running, interrupted, queued",
         SHOW(state));
    return -1;
}

/* Checks raw row r and adds it to c->out (or counts it as skipped). */
static int take_row(ctx *c, const raw *r)
{
    import_set *s = c->out;
    if (r->state == NULL || r->state[0] == '\0')
        return fail(c, "state", "missing");
    size_t *count[N_SKIPPED] = {&s->running, &s->running, &s->queued};
    long kind = state_kind(c, r->state);
    if (kind < 0)
        return GPBO_EFORMAT;
    if (kind < (long)N_SKIPPED) {
        (*count[kind])++;
        return GPBO_OK;
    }
    int complete = !strcmp(r->state, "complete"), pruned = !strcmp(r->state, "pruned");
    if (grow(s) != GPBO_OK)
        return GPBO_ENOMEM;
    size_t np = c->sw->np, d = gpbo_space_dim(c->sp);
    /* a pruned row's value is not read: a pruned trial's is its last intermediate value */
    import_row row = {.where = c->where,
                      .state = complete ? GPBO_TRIAL_COMPLETE
                               : pruned ? GPBO_TRIAL_PRUNED
                                        : GPBO_TRIAL_FAILED};
    double *u = malloc((d ? d : 1) * sizeof *u);
    row.params = malloc((np ? np : 1) * sizeof *row.params);
    int rc = u && row.params ? GPBO_OK : oom();
    if (rc == GPBO_OK)
        rc = row_point(c, r, row.params, u);
    if (rc == GPBO_OK && complete)
        rc = row_values(c, r, row.values);
    if (rc == GPBO_OK && !complete && !pruned && r->reason && r->reason[0] &&
        (row.reason = strdup(r->reason)) == NULL)
        rc = oom();
    if (rc == GPBO_OK)
        rc = row_metrics(r, &row);
    if (rc == GPBO_OK)
        rc = row_steps(c, r, &row);
    if (rc == GPBO_OK)
        rc = row_attrs(c, r, &row);
    long id = 0; /* CSV: the trial id --steps rows name (a cell that is none matches none) */
    if (r->trial != NULL && step_text(r->trial, &id) == GPBO_OK)
        row.has_trial = 1, row.trial = (size_t)id;
    else if (c->f == IMPORT_JSON && !c->by_element)
        row.has_trial = 1, row.trial = c->where;
    free(u);
    if (rc != GPBO_OK) {
        row_free(&row);
        return rc;
    }
    s->rows[s->n++] = row;
    return GPBO_OK;
}

/* ---- CSV ------------------------------------------------------------------------------------- */

/* One record's fields: their texts, NUL-terminated, one after the other in buf. */
typedef struct record {
    char *buf;
    size_t len, cap;
    size_t *start; /* field k's offset in buf */
    size_t n, fcap;
} record;

static int put(record *r, char ch)
{
    if (r->len == r->cap) {
        size_t nc = r->cap ? 2 * r->cap : 256;
        char *nb = realloc(r->buf, nc);
        if (nb == NULL)
            return oom();
        r->buf = nb;
        r->cap = nc;
    }
    r->buf[r->len++] = ch;
    return GPBO_OK;
}

static int new_field(record *r)
{
    if (r->n == MAX_COLUMNS)
        return GPBO_EFORMAT;
    if (r->n == r->fcap) {
        size_t nc = r->fcap ? 2 * r->fcap : 32;
        size_t *ns = realloc(r->start, nc * sizeof *ns);
        if (ns == NULL)
            return oom();
        r->start = ns;
        r->fcap = nc;
    }
    r->start[r->n++] = r->len;
    return GPBO_OK;
}

/* Reads the record at text[*pos] (RFC 4180: fields quoted with ", "" inside them; a record ends
 * at LF, CRLF or CR outside quotes) into r, moving *pos and *line past it. */
static int csv_record(ctx *c, const char *text, size_t len, size_t *pos, size_t *line, record *r)
{
    size_t i = *pos;
    r->len = r->n = 0;
    c->where = *line;
    int rc = new_field(r);
    while (rc == GPBO_OK && i < len) {
        char ch = text[i];
        if (ch == '\0')
            return fail(c, NULL, "a NUL byte: not a CSV file gpbo export wrote");
        if (ch == '\n' || ch == '\r') {
            i += ch == '\r' && i + 1 < len && text[i + 1] == '\n' ? 2 : 1;
            (*line)++;
            break;
        }
        if (ch == ',') {
            rc = put(r, '\0');
            if (rc == GPBO_OK && (rc = new_field(r)) == GPBO_EFORMAT)
                return fail(c, NULL, "more than %d fields", MAX_COLUMNS);
            i++;
            continue;
        }
        if (ch != '"' || r->len != r->start[r->n - 1]) {
            rc = put(r, ch);
            i++;
            continue;
        }
        for (i++;; i++) { /* a quoted field */
            if (i >= len)
                return fail(c, NULL, "a quoted field is not closed");
            if (text[i] == '\0')
                return fail(c, NULL, "a NUL byte: not a CSV file gpbo export wrote");
            if (text[i] == '"' && i + 1 < len && text[i + 1] == '"') {
                i++;
            } else if (text[i] == '"') {
                i++;
                break;
            }
            if (text[i] == '\n' || (text[i] == '\r' && !(i + 1 < len && text[i + 1] == '\n')))
                (*line)++;
            if ((rc = put(r, text[i])) != GPBO_OK)
                return rc;
        }
        if (i < len && !strchr(",\r\n", text[i]))
            return fail(c, NULL, "text after a quoted field's closing quote");
    }
    if (rc == GPBO_OK)
        rc = put(r, '\0');
    *pos = i;
    return rc;
}

static const char *field(const record *r, size_t k)
{
    return r->buf + r->start[k];
}

/* What a header's column is. */
enum {
    COL_IGNORED = -1,
    COL_STATE = -2,
    COL_VALUE = -3,
    COL_REASON = -4,
    COL_METRIC = -5,
    COL_TRIAL = -6,
    COL_ATTRS = -7
};

/* The header's columns into col[k]: a parameter's index, or one of the kinds above. */
static int csv_header(ctx *c, const record *h, long *col)
{
    static const char *const OWN[] = {"feasible", "seconds"};
    const sweep *sw = c->sw;
    int has_state = 0, nmetrics = 0;
    for (size_t k = 0; k < h->n; k++) {
        const char *name = field(h, k), *p = name;
        col[k] = COL_IGNORED;
        for (size_t o = 0; o < sizeof OWN / sizeof *OWN; o++)
            if (!strcmp(name, OWN[o]))
                p = NULL;
        if (p == NULL)
            continue;
        if (!strcmp(name, "state"))
            col[k] = COL_STATE;
        else if (!strcmp(name, "trial"))
            col[k] = COL_TRIAL;
        else if (!strcmp(name, "value"))
            col[k] = COL_VALUE;
        else if (!strcmp(name, "reason"))
            col[k] = COL_REASON;
        else if (!strcmp(name, "user_attrs"))
            col[k] = COL_ATTRS;
        else if (!strncmp(name, "metrics.", 8) && name[8] != '\0' && gpbo_utf8_valid(name))
            col[k] = COL_METRIC; /* a name as gpbo_study_set_metrics takes one */
        if (col[k] != COL_IGNORED) {
            for (size_t j = 0; j < k; j++)
                if (!strcmp(field(h, j), name))
                    return fail(c, NULL, "column '%s' is given twice", SHOW(name));
            has_state |= col[k] == COL_STATE;
            if (col[k] == COL_METRIC && ++nmetrics > MAX_METRICS)
                return fail(c, NULL, "more than %d metrics columns", MAX_METRICS);
            continue;
        }
        if (!strncmp(name, "params.", 7))
            p = name + 7;
        size_t i = 0;
        while (i < sw->np && strcmp(sw->p[i].name, p) != 0)
            i++;
        if (i == sw->np)
            return fail(c, NULL, "column '%s': the sweep has no parameter '%s'", SHOW(name),
                        SHOW(p));
        for (size_t j = 0; j < k; j++)
            if (col[j] == (long)i)
                return fail(c, NULL, "column '%s': parameter '%s' has two columns", SHOW(name),
                            SHOW(p));
        col[k] = (long)i;
    }
    if (!has_state)
        return fail(c, NULL, "no 'state' column: not a file gpbo export wrote");
    return GPBO_OK;
}

static int parse_csv(ctx *c, const char *text, size_t len)
{
    record h = {0}, rec = {0};
    size_t pos = 0, line = 1, np = c->sw->np;
    long *col = NULL;
    raw r = {0};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        pos = 3; /* a UTF-8 byte order mark, as spreadsheets write one */
    int rc = csv_record(c, text, len, &pos, &line, &h);
    if (rc == GPBO_OK && (col = malloc(h.n * sizeof *col)) == NULL)
        rc = oom();
    if (rc == GPBO_OK)
        rc = csv_header(c, &h, col);
    r.param = calloc(np ? np : 1, sizeof *r.param);
    r.mname = calloc(h.n ? h.n : 1, sizeof *r.mname);
    r.mval = calloc(h.n ? h.n : 1, sizeof *r.mval);
    if (rc == GPBO_OK && (!r.param || !r.mname || !r.mval))
        rc = oom();
    while (rc == GPBO_OK && pos < len) {
        rc = csv_record(c, text, len, &pos, &line, &rec);
        if (rc != GPBO_OK || (rec.n == 1 && field(&rec, 0)[0] == '\0'))
            continue; /* an empty line */
        r.state = r.value = r.reason = r.trial = r.attrs_text = NULL;
        for (size_t i = 0; i < np; i++)
            r.param[i] = NULL;
        if (rec.n != h.n) {
            rc = fail(c, NULL, "%zu fields where the header has %zu", rec.n, h.n);
            break;
        }
        r.nm = 0;
        for (size_t k = 0; rc == GPBO_OK && k < h.n; k++) {
            const char *t = field(&rec, k), *none = t[0] ? t : NULL;
            if (col[k] >= 0)
                r.param[col[k]] = none;
            else if (col[k] == COL_STATE)
                r.state = t;
            else if (col[k] == COL_VALUE)
                r.value = none;
            else if (col[k] == COL_REASON)
                r.reason = none;
            else if (col[k] == COL_TRIAL)
                r.trial = none;
            else if (col[k] == COL_ATTRS)
                r.attrs_text = none;
            else if (col[k] == COL_METRIC && none != NULL) { /* empty: not reported */
                if (number(t, 0, &r.mval[r.nm]) != GPBO_OK)
                    rc = fail(c, NULL, "column '%s': '%s' is not a number", SHOW(field(&h, k)),
                              SHOW(t));
                else
                    r.mname[r.nm++] = field(&h, k) + 8;
            }
        }
        if (rc == GPBO_OK)
            rc = take_row(c, &r);
    }
    free(r.param);
    free(r.mname);
    free(r.mval);
    free(col);
    free(h.buf);
    free(h.start);
    free(rec.buf);
    free(rec.start);
    return rc;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

/* A JSON parameter value as the text a program would see: a string as it is, a number in the
 * fewest digits that read back exactly (an integer's digits), true / false. buf holds 32 bytes.
 * NULL: not a value a parameter takes. */
static const char *json_text(const json_t *v, char *buf)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, 32, "%.17g", json_real_value(v));
        return buf;
    }
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

/* The parameters of element t (its "params" object) into r->param, texts in bufs (np x 32). */
static int json_params(ctx *c, const json_t *t, raw *r, char *bufs)
{
    const sweep *sw = c->sw;
    const json_t *ps = json_object_get(t, "params");
    if (ps == NULL)
        return fail(c, "params", "missing");
    if (!json_is_object(ps))
        return fail(c, "params", "not an object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ps, key, v)
    {
        size_t i = 0;
        while (i < sw->np && strcmp(sw->p[i].name, key) != 0)
            i++;
        if (i == sw->np)
            return fail(c, "params", "the sweep has no parameter '%s'", SHOW(key));
        if (json_is_null(v))
            continue;
        if ((r->param[i] = json_text(v, bufs + 32 * i)) == NULL)
            return fail(c, NULL, "parameter '%s': not a number or a string", SHOW(key));
    }
    return GPBO_OK;
}

/* An infinite metric as gpbo export writes one, the string "inf" or "-inf" (or "Infinity",
 * "-Infinity"), as its value; 0 for anything else. */
static double metric_infinity(const json_t *v)
{
    double inf = gpbo_json_metric_infinity(v);
    const char *s = json_string_value(v);
    if (inf != 0 || s == NULL)
        return inf;
    return !strcmp(s, "Infinity") ? INFINITY : !strcmp(s, "-Infinity") ? -INFINITY : 0;
}

/* The metrics of element t ({"name": number, null, "inf" or "-inf"}) into r (names borrowed
 * from t). */
static int json_metrics(ctx *c, const json_t *t, raw *r, size_t cap)
{
    const json_t *ms = json_object_get(t, "metrics");
    if (ms == NULL || json_is_null(ms))
        return GPBO_OK;
    if (!json_is_object(ms))
        return fail(c, "metrics", "not an object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ms, key, v)
    {
        if (r->nm == cap || r->nm == MAX_METRICS)
            return fail(c, "metrics", "more than %d metrics", MAX_METRICS);
        if (key[0] == '\0')
            return fail(c, "metrics", "a metric without a name");
        double inf = metric_infinity(v);
        if (!json_is_number(v) && !json_is_null(v) && inf == 0)
            return fail(c, NULL, "metrics.%s: not a number", SHOW(key));
        r->mname[r->nm] = key;
        r->mval[r->nm++] = json_is_number(v) ? json_number_value(v) : json_is_null(v) ? NAN : inf;
    }
    return GPBO_OK;
}

/* A string member (NULL: absent or null); GPBO_EFORMAT when it is something else. */
static int json_string_member(ctx *c, const json_t *t, const char *key, const char **out)
{
    const json_t *v = json_object_get(t, key);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return GPBO_OK;
    if (!json_is_string(v))
        return fail(c, key, "not a string");
    *out = json_string_value(v);
    return GPBO_OK;
}

/* Element k (from 0) of the array as a raw row. */
static int json_row(ctx *c, const json_t *t, size_t k, raw *r, char *bufs, char *vbuf, size_t cap)
{
    const json_t *id = json_object_get(t, "trial");
    c->by_element = !(json_is_integer(id) && json_integer_value(id) >= 0);
    c->where = c->by_element ? k + 1 : (size_t)json_integer_value(id);
    if (!json_is_object(t))
        return fail(c, NULL, "not an object");
    for (size_t i = 0; i < c->sw->np; i++)
        r->param[i] = NULL;
    r->nm = 0;
    int rc = json_string_member(c, t, "state", &r->state);
    if (rc == GPBO_OK)
        rc = json_string_member(c, t, "reason", &r->reason);
    const json_t *v = json_object_get(t, "value");
    r->value = NULL;
    if (rc == GPBO_OK && v != NULL && !json_is_null(v)) {
        if (!json_is_number(v))
            return fail(c, "value", "not a number");
        snprintf(vbuf, 32, "%.17g", json_number_value(v));
        r->value = vbuf;
    }
    if (rc == GPBO_OK)
        rc = json_params(c, t, r, bufs);
    if (rc == GPBO_OK)
        rc = json_metrics(c, t, r, cap);
    r->inter = json_object_get(t, "intermediate");
    r->attrs = json_object_get(t, "user_attrs");
    return rc;
}

static int parse_json(ctx *c, const char *text, size_t len)
{
    json_error_t err;
    json_t *a = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (a == NULL) {
        /* jansson quotes the text near the error, line breaks included: one line, as a
         * message is (control characters as '?') */
        for (char *p = err.text; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        return gpbo_error_set(GPBO_EFORMAT, "%s:%d:%d: %s", c->name, err.line, err.column,
                              err.text);
    }
    if (!json_is_array(a)) {
        json_decref(a);
        return gpbo_error_set(GPBO_EFORMAT,
                              "%s: not a JSON array of trials (gpbo export "
                              "--format json writes one)",
                              c->name);
    }
    size_t np = c->sw->np, cap = 0, n = json_array_size(a);
    for (size_t k = 0; k < n; k++) { /* room for the most metrics an element has */
        const json_t *ms = json_object_get(json_array_get(a, k), "metrics");
        if (json_is_object(ms) && json_object_size(ms) > cap)
            cap = json_object_size(ms);
    }
    raw r = {0};
    char *bufs = malloc(32 * (np ? np : 1)), vbuf[32];
    r.param = calloc(np ? np : 1, sizeof *r.param);
    r.mname = calloc(cap ? cap : 1, sizeof *r.mname);
    r.mval = calloc(cap ? cap : 1, sizeof *r.mval);
    int rc = bufs && r.param && r.mname && r.mval ? GPBO_OK : oom();
    for (size_t k = 0; rc == GPBO_OK && k < n; k++)
        if ((rc = json_row(c, json_array_get(a, k), k, &r, bufs, vbuf, cap)) == GPBO_OK)
            rc = take_row(c, &r);
    free(bufs);
    free(r.param);
    free(r.mname);
    free(r.mval);
    json_decref(a);
    return rc;
}

int import_parse(const sweep *sw, const gpbo_space *sp, const char *name, const char *text,
                 size_t len, import_format f, import_set *out)
{
    memset(out, 0, sizeof *out);
    ctx c = {sw, sp, name, f, 1, 0, out};
    out->json = f == IMPORT_JSON;
    if (len > IMPORT_MAX_BYTES)
        return gpbo_error_set(GPBO_EFORMAT, "%s: larger than %zu bytes", name, IMPORT_MAX_BYTES);
    int rc = f == IMPORT_JSON ? parse_json(&c, text, len) : parse_csv(&c, text, len);
    if (rc != GPBO_OK)
        import_set_free(out);
    return rc;
}

/* ---- the intermediate values of a CSV file (--steps) ------------------------------------------
 */

/* A row of the set by trial id: sorted (id, index) pairs. */
typedef struct by_trial {
    size_t trial, row;
} by_trial;

static int by_trial_cmp(const void *a, const void *b)
{
    size_t x = ((const by_trial *)a)->trial, y = ((const by_trial *)b)->trial;
    return x < y ? -1 : x > y;
}

/* The index of the row of trial id in idx (n pairs, sorted), or SIZE_MAX. */
static size_t row_of(const by_trial *idx, size_t n, size_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx[mid].trial < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && idx[lo].trial == id ? idx[lo].row : SIZE_MAX;
}

/* The columns of a steps file's header: trial, state, step and value, each once. */
static int steps_header(ctx *c, const record *h, size_t col[4])
{
    static const char *const NAMES[4] = {"trial", "state", "step", "value"};
    for (size_t j = 0; j < 4; j++) {
        col[j] = SIZE_MAX;
        for (size_t k = 0; k < h->n; k++)
            if (!strcmp(field(h, k), NAMES[j]) && col[j] != SIZE_MAX)
                return fail(c, NULL, "column '%s' is given twice", NAMES[j]);
            else if (!strcmp(field(h, k), NAMES[j]))
                col[j] = k;
        if (col[j] == SIZE_MAX)
            return fail(c, NULL,
                        "no '%s' column: not a file gpbo export --steps wrote (trial,state,step,"
                        "value)",
                        NAMES[j]);
    }
    return GPBO_OK;
}

/* One record of a steps file (fields at col) added to its trial's row of set. */
static int steps_record(ctx *c, const record *rec, const size_t col[4], const by_trial *idx,
                        size_t nidx, const char *rows_name, step_room *rooms)
{
    const char *t = field(rec, col[0]), *state = field(rec, col[1]);
    const char *st = field(rec, col[2]), *v = field(rec, col[3]);
    long id = 0, step = 0;
    double value = 0;
    if (step_text(t, &id) != GPBO_OK)
        return fail(c, "trial", "'%s' is not a trial id (an integer >= 0)", SHOW(t));
    long kind = state_kind(c, state);
    if (kind < 0)
        return GPBO_EFORMAT;
    if (kind < (long)N_SKIPPED)
        return GPBO_OK; /* its row is left out */
    if (step_text(st, &step) != GPBO_OK)
        return fail(c, "step", "'%s' is not an integer >= 0", SHOW(st));
    if (number(v, 1, &value) != GPBO_OK)
        return fail(c, "value", "'%s' is not a finite number", SHOW(v));
    size_t r = row_of(idx, nidx, (size_t)id);
    if (r == SIZE_MAX)
        return fail(c, "trial", "trial %ld has no complete, failed or pruned row in %s", id,
                    rows_name);
    int put = put_step(&c->out->rows[r], &rooms[r], step, value);
    if (put < 0)
        return oom();
    if (put > 0)
        return fail(c, "step", "step %ld of trial %ld is given twice", step, id);
    return GPBO_OK;
}

int import_parse_steps(const char *name, const char *text, size_t len, const char *rows_name,
                       import_set *set)
{
    ctx c = {NULL, NULL, name, IMPORT_CSV, 1, 0, set};
    if (len > IMPORT_MAX_BYTES)
        return gpbo_error_set(GPBO_EFORMAT, "%s: larger than %zu bytes", name, IMPORT_MAX_BYTES);
    record h = {0}, rec = {0};
    size_t pos = 0, line = 1, nidx = 0, col[4];
    by_trial *idx = malloc((set->n ? set->n : 1) * sizeof *idx);
    step_room *rooms = calloc(set->n ? set->n : 1, sizeof *rooms);
    int rc = idx && rooms ? GPBO_OK : oom();
    for (size_t i = 0; rc == GPBO_OK && i < set->n; i++) {
        rooms[i] = (step_room){set->rows[i].nsteps, -1}; /* put_step grows from there */
        for (size_t k = 0; k < set->rows[i].nsteps; k++)
            if (set->rows[i].steps[k] > rooms[i].max)
                rooms[i].max = set->rows[i].steps[k];
        if (set->rows[i].has_trial)
            idx[nidx++] = (by_trial){set->rows[i].trial, i};
    }
    if (rc == GPBO_OK && nidx > 0)
        qsort(idx, nidx, sizeof *idx, by_trial_cmp);
    for (size_t i = 1; rc == GPBO_OK && i < nidx; i++)
        if (idx[i].trial == idx[i - 1].trial)
            rc = gpbo_error_set(GPBO_EFORMAT,
                                "%s: trial %zu has two rows: its intermediate values in %s "
                                "cannot be told apart",
                                rows_name, idx[i].trial, name);
    if (rc == GPBO_OK && len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        pos = 3;
    if (rc == GPBO_OK)
        rc = csv_record(&c, text, len, &pos, &line, &h);
    if (rc == GPBO_OK)
        rc = steps_header(&c, &h, col);
    while (rc == GPBO_OK && pos < len) {
        rc = csv_record(&c, text, len, &pos, &line, &rec);
        if (rc != GPBO_OK || (rec.n == 1 && field(&rec, 0)[0] == '\0'))
            continue; /* an empty line */
        if (rec.n != h.n)
            rc = fail(&c, NULL, "%zu fields where the header has %zu", rec.n, h.n);
        else
            rc = steps_record(&c, &rec, col, idx, nidx, rows_name, rooms);
    }
    for (size_t i = 0; rc != GPBO_OK && i < set->n; i++) { /* none of them, then */
        import_row *r = &set->rows[i];
        free(r->steps);
        free(r->svalues);
        r->steps = NULL;
        r->svalues = NULL;
        r->nsteps = 0;
    }
    free(idx);
    free(rooms);
    free(h.buf);
    free(h.start);
    free(rec.buf);
    free(rec.start);
    return rc;
}
