/*
 * import.c: `gpbo import SWEEP.yaml FILE` — warm starts the sweep's study (created when it does
 * not exist, as `gpbo run` would create it) from the trials of a file `gpbo export` wrote, CSV
 * or JSON, so that evaluations made elsewhere become trials of its own (Optuna's add_trials),
 * and `gpbo export A | gpbo import B.yaml - --storage ...` copies a study between storages. The
 * whole file is read and checked first (import_parse.c): a bad one adds nothing. Then each
 * complete, failed or pruned row becomes a trial (gpbo_study_add_trial; a pruned one with its
 * intermediate values, its value their last, as a trial pruned here); running and queued rows
 * are left out, and so is a row whose parameters equal a trial the study already holds, so that
 * importing a file twice adds nothing the second time. A trial comes with its intermediate
 * values: a JSON row's own, or for CSV those of the file `gpbo export --steps` writes (--steps).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gpbo/sys/error.h"
#include "import_parse.h"

/* The arguments: the sweep, the file, --storage, --study and --steps. Returns 0, or 2 after
 * printing. */
static int import_args(int argc, char **argv, const char **path, const char **file,
                       const char **storage, const char **study, const char **steps)
{
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i], *flag, *value;
        char buf[32];
        if (o[0] == '-' && o[1] != '\0') {
            if (cli_take_option("import", argc, argv, &i, buf, sizeof buf, &flag, &value) != 0)
                return 2;
            *(!strcmp(flag, "--storage") ? storage
              : !strcmp(flag, "--study") ? study
                                         : steps) = value;
        } else if (*path == NULL) {
            *path = o;
        } else if (*file == NULL) {
            *file = o;
        } else {
            fprintf(stderr, "gpbo import: one file at a time ('%s' is a third argument)\n", o);
            return 2;
        }
    }
    if (*path == NULL || *file == NULL) {
        fprintf(stderr, "gpbo import: give the sweep file and the file to import, CSV or JSON "
                        "as gpbo export writes it, or - for standard input (gpbo import --help)\n");
        return 2;
    }
    return 0;
}

/* The whole of f into *out (malloc'd, NUL-terminated), *len bytes; at most IMPORT_MAX_BYTES + 1
 * are read, so that the parser can say the file is too large. 0, or -1 (errno). */
static int read_all(FILE *f, char **out, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL && n <= IMPORT_MAX_BYTES) {
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (nb == NULL) {
                free(buf);
                return -1;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (buf == NULL || ferror(f)) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* ---- the points the study holds -------------------------------------------------------------- */

/* A set of points of np values (hashed; NaN equal to NaN, -0 to 0): the study's trials' and the
 * rows added so far. */
typedef struct point_set {
    size_t np, n, cap; /* cap: slots, a power of 2, at least twice n */
    double *pts;       /* n points */
    size_t *slot;      /* index + 1 of the point in each slot, 0: empty */
} point_set;

static uint64_t point_hash(const double *v, size_t np)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < np; i++) {
        double x = isnan(v[i]) ? NAN : v[i] == 0 ? 0.0 : v[i];
        unsigned char b[sizeof x];
        memcpy(b, &x, sizeof x);
        for (size_t k = 0; k < sizeof b; k++)
            h = (h ^ b[k]) * 1099511628211ull;
    }
    return h;
}

static int same_point(const double *a, const double *b, size_t np)
{
    for (size_t i = 0; i < np; i++)
        if (!(a[i] == b[i] || (isnan(a[i]) && isnan(b[i]))))
            return 0;
    return 1;
}

/* The slot of v in s: where it is, or the empty slot where it would go. */
static size_t find_slot(const point_set *s, const double *v)
{
    size_t k = (size_t)point_hash(v, s->np) & (s->cap - 1);
    while (s->slot[k] != 0 && !same_point(s->pts + (s->slot[k] - 1) * s->np, v, s->np))
        k = (k + 1) & (s->cap - 1);
    return k;
}

static int point_held(const point_set *s, const double *v)
{
    return s->slot[find_slot(s, v)] != 0;
}

/* Adds v (not held); room for max points was made by point_set_init. */
static void point_add(point_set *s, const double *v)
{
    size_t k = find_slot(s, v);
    memcpy(s->pts + s->n * s->np, v, s->np * sizeof *v);
    s->slot[k] = ++s->n;
}

/* A trial's values v as a row of its export reads back (into out): a value the space
 * transforms (the normal family's quantile, a q-distribution's draw) written as gpbo writes it
 * (10 digits) and read as import reads it. The study's own trials were held as their exact
 * space values, which no row reads back to: an export imported into its own study added every
 * such trial again. */
static void as_exported(const sweep *sw, const gpbo_space *sp, const double *v, size_t np,
                        double *out)
{
    for (size_t i = 0; i < np; i++) {
        char text[256];
        double back;
        out[i] = v[i];
        if (sw != NULL && i < sw->np && !isnan(v[i]) && sweep_transformed(sw, i) &&
            sweep_format(sw, sp, i, v[i], text, sizeof text) == GPBO_OK &&
            sweep_value(sw, i, text, &back) == GPBO_OK)
            out[i] = back;
    }
    gpbo_error_clear();
}

/* A set with room for max points, holding the points of st's trials (those proposed), each as
 * its export reads back (as_exported). */
static int point_set_init(point_set *s, const gpbo_study *st, const sweep *sw, size_t np,
                          size_t max)
{
    s->np = np ? np : 1;
    s->n = 0;
    s->cap = 16;
    while (s->cap < 2 * max + 2)
        s->cap *= 2;
    s->pts = malloc((max ? max : 1) * s->np * sizeof *s->pts);
    s->slot = calloc(s->cap, sizeof *s->slot);
    if (s->pts == NULL || s->slot == NULL)
        return -1;
    double *v = malloc(s->np * sizeof *v);
    if (v == NULL)
        return -1;
    for (size_t t = 0; st != NULL && t < gpbo_study_ntrials(st); t++) {
        gpbo_trial_info ti;
        if (gpbo_study_trial(st, t, &ti) != GPBO_OK || np == 0)
            continue;
        as_exported(sw, gpbo_study_space(st), ti.values, np, v);
        if (!point_held(s, v))
            point_add(s, v);
    }
    free(v);
    return 0;
}

/* ---- adding the rows ------------------------------------------------------------------------- */

typedef struct tally {
    size_t complete, failed, pruned, held;
} tally;

/* Adds row r to st unless its point is held. GPBO_OK, or the failure of gpbo_study_add_trial. */
static int add_row(gpbo_study *st, point_set *held, const import_row *r, size_t cap, tally *t)
{
    size_t np = gpbo_space_size(gpbo_study_space(st));
    if (np > 0 && point_held(held, r->params)) {
        t->held++;
        return GPBO_OK;
    }
    gpbo_trial_result res = import_row_result(r);
    int rc = gpbo_study_add_trial(st, r->params, &res, cap, NULL);
    if (rc != GPBO_OK)
        return rc;
    if (np > 0)
        point_add(held, r->params);
    *(r->state == GPBO_TRIAL_COMPLETE ? &t->complete
      : r->state == GPBO_TRIAL_PRUNED ? &t->pruned
                                      : &t->failed) += 1;
    return GPBO_OK;
}

/* The summary line: what was added and what was left out, and why. */
static void summary(const char *file, const char *study, const tally *t, const import_set *rows)
{
    printf("%s: added %zu complete, %zu failed and %zu pruned trial%s to study '%s'", file,
           t->complete, t->failed, t->pruned, t->complete + t->failed + t->pruned == 1 ? "" : "s",
           study);
    printf("; skipped %zu already in the study, %zu running, %zu queued\n", t->held, rows->running,
           rows->queued);
}

/* How many of the rows add_row would add to st (those whose point the study does not hold, nor
 * a row before them); held is left holding their points too. */
static size_t rows_to_add(point_set *held, const import_set *rows, size_t np)
{
    size_t n = 0;
    for (size_t i = 0; i < rows->n; i++)
        if (np == 0 || !point_held(held, rows->rows[i].params)) {
            n++;
            if (np > 0)
                point_add(held, rows->rows[i].params);
        }
    return n;
}

/* The import's trials past the sweep's run_cap: gpbo import ignored run_cap, so a study could
 * hold more trials than its cap, and gpbo run then started none without a word (gpbo run and
 * gpbo enqueue never take a study past it). Refused before anything is added: exit status 2,
 * one line with the counts. have: the trials the study holds (0: a study not made yet).
 * Returns 0 when they fit. */
static int past_cap(const sweep *sw, size_t have, const char *file, size_t adding)
{
    if (sw->run_cap == 0 || have + adding <= sw->run_cap)
        return 0;
    fprintf(stderr,
            "gpbo import: %s: its %zu new trial%s would take study '%s' to %zu trials, past its "
            "run_cap of %zu (it holds %zu; imported trials count toward run_cap, and gpbo run "
            "and gpbo enqueue never go past it): raise run_cap to %zu or more; nothing was "
            "added\n",
            file, adding, adding == 1 ? "" : "s", sw->name, have + adding, sw->run_cap, have,
            have + adding);
    return 2;
}

/* Whether storage (NULL: the file next to the sweep, as cli_make_study opens) holds study
 * sw->name: 1; 0 when it does not (an SQLite file that does not exist included); -1 when that
 * cannot be told (":memory:", a storage that fails: cli_make_study then says why). Nothing is
 * created. */
static int study_exists(const sweep *sw, const char *storage)
{
    char db[1200], **names = NULL;
    size_t n = 0;
    if (storage == NULL && cli_study_file(db, sizeof db, sw->dir, sw->name, ".db") != GPBO_OK) {
        gpbo_error_clear();
        return -1;
    }
    int rc = gpbo_study_list(storage ? storage : db, &names, &n);
    if (rc != GPBO_OK) {
        gpbo_error_clear();
        return rc == GPBO_ENOTFOUND ? 0 : -1;
    }
    int found = 0;
    for (size_t i = 0; i < n && !found; i++)
        found = !strcmp(names[i], sw->name);
    gpbo_free(names);
    return found;
}

/* A refusal of an import into a study not made yet, checked before it is made (a refused
 * import left an empty study behind, whose options and space then bound the next gpbo run):
 * past its run_cap. Returns 0, or the exit status after printing why. */
static int refused_new(const sweep *sw, const gpbo_space *space, const char *file,
                       const import_set *rows)
{
    size_t np = gpbo_space_size(space);
    point_set held = {0};
    if (point_set_init(&held, NULL, sw, np, rows->n) != 0) {
        free(held.pts);
        free(held.slot);
        fprintf(stderr, "gpbo import: out of memory\n");
        return 1;
    }
    int status = past_cap(sw, 0, file, rows_to_add(&held, rows, np));
    free(held.pts);
    free(held.slot);
    return status;
}

/* After a write that failed before any row was added to study st, which this import created:
 * removes the study (it held nothing), so that a failed import leaves no study behind, as a
 * refused one does (refused_new). An SQLite file the import created stays, holding no study.
 * Says on stderr when the study cannot be removed. */
static void undo_new_study(gpbo_study *st)
{
    int removed = 0;
    if (gpbo_study_remove_if_empty(st, &removed) != GPBO_OK)
        fprintf(stderr, "gpbo import: the empty study could not be removed: %s\n",
                gpbo_error_message());
}

/* Opens (or creates) the study, adds the rows and prints the summary. Returns the exit status. */
static int import_rows(sweep *sw, const gpbo_space *space, const char *storage, const char *file,
                       const import_set *rows)
{
    int status = 0, is_new = study_exists(sw, storage) == 0;
    if (is_new && (status = refused_new(sw, space, file, rows)) != 0)
        return status;
    gpbo_study *st = cli_make_study("import", sw, space, storage, &status);
    if (st == NULL)
        return status;
    size_t np = gpbo_space_size(space);
    point_set held = {0};
    tally t = {0, 0, 0, 0};
    int rc = point_set_init(&held, st, sw, np, gpbo_study_ntrials(st) + rows->n) == 0
                 ? GPBO_OK
                 : gpbo_error_set(GPBO_ENOMEM, "out of memory");
    if (rc == GPBO_OK && (status = past_cap(sw, gpbo_study_ntrials(st), file,
                                            rows_to_add(&held, rows, np))) == 0) { /* held anew */
        free(held.pts);
        free(held.slot);
        held = (point_set){0};
        if (point_set_init(&held, st, sw, np, gpbo_study_ntrials(st) + rows->n) != 0)
            rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
    }
    size_t cap = sw->run_cap ? sw->run_cap : SIZE_MAX, i = 0;
    for (; rc == GPBO_OK && status == 0 && i < rows->n; i++)
        rc = add_row(st, &held, &rows->rows[i], cap, &t);
    if (rc != GPBO_OK && i > 0)
        fprintf(stderr,
                "gpbo import: %s: at the row of %s %zu: %s (the %zu trials before it "
                "were added)\n",
                file, rows->json ? "trial" : "line", rows->rows[i - 1].where, gpbo_error_message(),
                t.complete + t.failed + t.pruned);
    else if (rc != GPBO_OK)
        fprintf(stderr, "gpbo import: %s%s\n", gpbo_error_message(),
                is_new ? "; nothing was added" : "");
    else if (status == 0)
        summary(file, sw->name, &t, rows);
    free(held.pts);
    free(held.slot);
    if (rc != GPBO_OK && is_new && t.complete + t.failed + t.pruned == 0) /* it holds nothing */
        undo_new_study(st);
    gpbo_study_close(st);
    return rc != GPBO_OK ? 1 : status;
}

/* The whole of file name ("-": standard input; shown: its name in messages) into *text (free
 * it), *len bytes. Returns 0, or the exit status after printing why (2: it cannot be opened;
 * 1: it cannot be read). */
static int read_file(const char *name, const char *shown, char **text, size_t *len)
{
    FILE *f = strcmp(name, "-") ? fopen(name, "rb") : stdin;
    if (f == NULL || read_all(f, text, len) != 0) {
        fprintf(stderr, "gpbo import: %s: cannot be read\n", shown);
        if (f != NULL && f != stdin)
            fclose(f);
        return f == NULL ? 2 : 1;
    }
    if (f != stdin)
        fclose(f);
    return 0;
}

/* The exit status for a parse's rc (after printing its message): 2 for bad input, 1 out of
 * memory. */
static int parse_status(int rc)
{
    if (rc != GPBO_OK)
        fprintf(stderr, "gpbo import: %s\n", gpbo_error_message());
    return rc == GPBO_OK ? 0 : rc == GPBO_ENOMEM ? 1 : 2;
}

/* Reads and checks the file (name: "-" for standard input) against the sweep into rows, and
 * the intermediate values of its trials from steps (a CSV file: the file gpbo export --steps
 * wrote; NULL: none). Returns 0, or the exit status after printing why (2: bad input; 1: it
 * cannot be read). */
static int read_rows(const sweep *sw, const gpbo_space *space, const char *name, const char *shown,
                     const char *steps, import_set *rows)
{
    char *text = NULL;
    size_t len = 0;
    const char *steps_shown = steps && !strcmp(steps, "-") ? "standard input" : steps;
    if (steps != NULL && !strcmp(steps, "-") && !strcmp(name, "-")) {
        fprintf(stderr, "gpbo import: the file and --steps cannot both be standard input\n");
        return 2;
    }
    int status = read_file(name, shown, &text, &len);
    if (status != 0)
        return status;
    import_format f = import_guess(name, text, len);
    status = parse_status(import_parse(sw, space, shown, text, len, f, rows));
    free(text);
    if (status != 0 || steps == NULL)
        return status;
    if (f != IMPORT_CSV) {
        fprintf(stderr,
                "gpbo import: --steps goes with a CSV file; %s is JSON, whose trials carry their "
                "intermediate values\n",
                shown);
        return 2;
    }
    if ((status = read_file(steps, steps_shown, &text, &len)) != 0)
        return status;
    status = parse_status(import_parse_steps(steps_shown, text, len, shown, rows));
    free(text);
    return status;
}

int cmd_import(int argc, char **argv)
{
    const char *path = NULL, *file = NULL, *storage = NULL, *study = NULL, *steps = NULL;
    int status = import_args(argc, argv, &path, &file, &storage, &study, &steps);
    sweep *sw = NULL;
    gpbo_space *space = NULL;
    if (status == 0)
        status = cli_sweep_for_study(path, study, &sw, &space);
    const char *shown = file && strcmp(file, "-") == 0 ? "standard input" : file;
    import_set rows = {0};
    if (status == 0)
        status = read_rows(sw, space, file, shown, steps, &rows);
    if (status == 0)
        status = import_rows(sw, space, storage, shown, &rows);
    import_set_free(&rows);
    gpbo_space_free(space);
    sweep_free(sw);
    return status;
}
