/*
 * dashboard_json.c: what `gpbo dashboard`'s page polls, as JSON (jansson): the studies of the
 * storage with their progress, one study's space and best trial, its trials with their
 * intermediate values. Read-only: a study is opened only once the storage lists it (opening a
 * missing SQLite file or study would create it), and the handles are kept and synced, never
 * asked or told.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../base/json_safe.h"
#include "dashboard.h"
#include "gpbo/sys/error.h"

/* NaN and infinities have no JSON number: null. */
static json_t *number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *dash_text(const char *s)
{
    if (s == NULL)
        return json_null();
    json_t *j = json_string(s);
    if (j == NULL) {
        char *fixed = gpbo_utf8_repair(s);
        j = fixed ? json_string(fixed) : NULL;
        free(fixed);
    }
    return j;
}

/* Whether stored (a study's name in the storage) is the name the page asks for: the same
 * bytes, or the name as dash_text shows it (the page only knows that one). */
static int same_name(const char *stored, const char *name)
{
    if (!strcmp(stored, name))
        return 1;
    if (gpbo_utf8_valid(stored))
        return 0;
    char *shown = gpbo_utf8_repair(stored);
    int same = shown != NULL && !strcmp(shown, name);
    free(shown);
    return same;
}

int dash_init(dash *d)
{
    d->next_gen = (unsigned long)time(NULL);
    return pthread_mutex_init(&d->lock, NULL) == 0 ? 0 : -1;
}

static void study_free(dash_open *e)
{
    if (e == NULL)
        return;
    gpbo_study_close(e->mirror);
    gpbo_study_close(e->model);
    json_decref(e->slices);
    free(e->revs);
    free(e->sig);
    free(e->ended);
    free(e->name);
    pthread_mutex_destroy(&e->lock);
    pthread_mutex_destroy(&e->model_lock);
    free(e);
}

/* Where name is among d's open studies (sorted by name), or where it would go: *found set when it
 * is there. Under d->lock. */
static size_t open_index(const dash *d, const char *name, int *found)
{
    size_t lo = 0, hi = d->nopen;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(d->open[mid]->name, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A new open study named name, with its locks; NULL when out of memory. */
static dash_open *study_new(const char *name)
{
    dash_open *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->name = strdup(name);
    int locks = pthread_mutex_init(&e->lock, NULL) == 0;
    if (locks && pthread_mutex_init(&e->model_lock, NULL) != 0) {
        pthread_mutex_destroy(&e->lock);
        locks = 0;
    }
    if (e->name == NULL || !locks) {
        if (locks) {
            pthread_mutex_destroy(&e->lock);
            pthread_mutex_destroy(&e->model_lock);
        }
        free(e->name);
        free(e);
        return NULL;
    }
    return e;
}

/* The study name (as the storage has it), held for the caller until put_study: found among the
 * open ones or made (its handles are opened by whoever uses them first, under its own lock, so
 * that opening a big study holds up no other). A study stays open while the storage lists it
 * (close_unlisted): with a bound on the studies kept, a storage of more studies than that had
 * every one closed and opened again at each poll of the list. NULL with the error set (no
 * memory). */
static dash_open *take_study(dash *d, const char *name)
{
    pthread_mutex_lock(&d->lock);
    int found;
    size_t at = open_index(d, name, &found);
    dash_open *e = found ? d->open[at] : NULL;
    if (e == NULL && d->nopen == d->capopen) {
        size_t cap = d->capopen ? 2 * d->capopen : 16;
        dash_open **grown = realloc(d->open, cap * sizeof *grown);
        if (grown != NULL) {
            d->open = grown;
            d->capopen = cap;
        }
    }
    if (e == NULL && d->nopen < d->capopen && (e = study_new(name)) != NULL) {
        e->gen = d->next_gen++;
        memmove(d->open + at + 1, d->open + at, (d->nopen - at) * sizeof *d->open);
        d->open[at] = e;
        d->nopen++;
    }
    if (e != NULL) {
        e->busy++;
        e->used = ++d->clock;
    } else
        gpbo_error_set(GPBO_ENOMEM, "study '%s': out of memory", name);
    pthread_mutex_unlock(&d->lock);
    return e;
}

/* Closes the open studies that no request holds and that were not taken since d->clock was
 * since: after a listing that took every study listed, those the storage no longer lists (or
 * that another --study hides). */
static void close_unlisted(dash *d, unsigned long since)
{
    pthread_mutex_lock(&d->lock);
    size_t k = 0;
    for (size_t i = 0; i < d->nopen; i++) {
        dash_open *e = d->open[i];
        if (e->busy == 0 && e->used <= since)
            study_free(e);
        else
            d->open[k++] = e;
    }
    d->nopen = k;
    pthread_mutex_unlock(&d->lock);
}

static void put_study(dash *d, dash_open *e)
{
    pthread_mutex_lock(&d->lock);
    e->busy--;
    pthread_mutex_unlock(&d->lock);
}

/* *h opened at its first use and synced at the next ones; NULL with the error set. A handle
 * whose storage failed (a server restarted) is opened anew. */
static gpbo_study *synced(const dash *d, const char *name, gpbo_study **h)
{
    if (*h != NULL && gpbo_study_sync(*h) == GPBO_OK)
        return *h;
    gpbo_study_close(*h);
    *h = gpbo_study_open(d->storage, name, NULL, NULL);
    return *h;
}

/* The storage's file when it is an SQLite file (as gpbo_search__storage_open reads the URL)
 * into *f: 1, or 0 (a server, a file that cannot be read). While a handle has it open, a file
 * made at the same path in its place has another inode: the handle's is still in use. */
static int file_of(const dash *d, struct stat *f)
{
    const char *path = d->storage;
    if (strstr(path, "://") != NULL) {
        if (strncmp(path, "sqlite:///", 10) != 0)
            return 0;
        path += 10;
    }
    return stat(path, f) == 0;
}

/* A hash of what the page shows of trial ti (FNV-1a): a trial whose hash moves has changed. */
static unsigned long long signature(const gpbo_study *st, const gpbo_trial_info *ti)
{
    unsigned long long h = 14695981039346656037ULL;
#define MIX(p, len)                                                                                \
    for (size_t k_ = 0; k_ < (len); k_++)                                                          \
        h = (h ^ ((const unsigned char *)(p))[k_]) * 1099511628211ULL;
    const char *state = cli_state_shown(st, ti);
    int feasible = gpbo_study_trial_feasible(st, ti->id);
    MIX(state, strlen(state));
    MIX(&ti->value, sizeof ti->value);
    MIX(&ti->started, sizeof ti->started);
    MIX(&ti->finished, sizeof ti->finished);
    MIX(&feasible, sizeof feasible);
    MIX(ti->values, gpbo_space_size(gpbo_study_space(st)) * sizeof *ti->values);
    MIX(&ti->nsteps, sizeof ti->nsteps);
    MIX(ti->steps, ti->nsteps * sizeof *ti->steps);
    MIX(ti->step_values, ti->nsteps * sizeof *ti->step_values);
    if (ti->reason != NULL)
        MIX(ti->reason, strlen(ti->reason) + 1);
#undef MIX
    return h;
}

/* e's mirror, synced, with the trials that changed since the last sync given the next revision;
 * NULL with the error set. Under e->lock. A trial that has ended is not looked at again: the
 * mirror reloads only new and running trials, so nothing else can change. */
static gpbo_study *mirror(dash *d, dash_open *e)
{
    struct stat f;
    if (e->mirror != NULL && file_of(d, &f) && (f.st_dev != e->dev || f.st_ino != e->ino)) {
        /* the file was removed and made again (a run started over): the study in it is
         * another, though its name is the same; the handles read the removed one */
        gpbo_study_close(e->mirror);
        e->mirror = NULL;
    }
    gpbo_study *before = e->mirror, *st = synced(d, e->name, &e->mirror);
    if (st == NULL)
        return NULL;
    size_t n = gpbo_study_ntrials(st);
    if (st != before) { /* a new handle: the file it reads, and the page starts over */
        e->dev = file_of(d, &f) ? f.st_dev : 0;
        e->ino = file_of(d, &f) ? f.st_ino : 0;
        e->epoch++;
    }
    if (n < e->n || (st != before && before != NULL)) {
        pthread_mutex_lock(&d->lock);
        e->gen = d->next_gen++;
        pthread_mutex_unlock(&d->lock);
        e->n = 0;
        e->data_rev = ++e->rev;
    }
    if (n > e->n) {
        unsigned long *revs = realloc(e->revs, n * sizeof *revs);
        e->revs = revs ? revs : e->revs;
        unsigned long long *sig = revs ? realloc(e->sig, n * sizeof *sig) : NULL;
        e->sig = sig ? sig : e->sig;
        unsigned char *ended = sig ? realloc(e->ended, n) : NULL;
        e->ended = ended ? ended : e->ended;
        if (ended == NULL) {
            gpbo_error_set(GPBO_ENOMEM, "study '%s': out of memory", e->name);
            return NULL;
        }
    }
    unsigned long rev = e->rev + 1;
    int changed = 0;
    for (size_t t = 0; t < n; t++) {
        gpbo_trial_info ti;
        if (t < e->n && e->ended[t])
            continue;
        if (gpbo_study_trial(st, t, &ti) != GPBO_OK) /* cannot fail for t < n */
            continue;
        unsigned long long h = signature(st, &ti);
        if (t < e->n && h == e->sig[t])
            continue;
        e->sig[t] = h;
        e->revs[t] = rev;
        e->ended[t] = ti.state != GPBO_TRIAL_RUNNING;
        if (e->ended[t])
            e->data_rev = rev;
        changed = 1;
    }
    e->n = n;
    if (changed)
        e->rev = rev;
    return st;
}

/* The studies the page shows, into *names (gpbo_free) and *n: the storage's, or only the one
 * named (none while the storage does not hold it yet: a dashboard started before its run). */
static int names_of(const dash *d, char ***names, size_t *n)
{
    int rc = gpbo_study_list(d->storage, names, n);
    if (rc == GPBO_ENOTFOUND && d->study != NULL) { /* no database yet */
        *names = NULL;
        *n = 0;
        return GPBO_OK;
    }
    if (rc != GPBO_OK || d->study == NULL)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*names)[i], d->study))
            (*names)[k++] = (*names)[i];
    *n = k;
    return GPBO_OK;
}

/* The storage's name of the study the page calls name (a copy to free), or NULL when it is not
 * one the page shows. */
static char *shown(const dash *d, const char *name)
{
    char **names = NULL, *found = NULL;
    size_t n = 0;
    if (names_of(d, &names, &n) != GPBO_OK)
        return NULL;
    for (size_t i = 0; i < n && found == NULL; i++)
        if (same_name(names[i], name))
            found = strdup(names[i]);
    gpbo_free(names);
    return found;
}

/* Parameter i's value v as gpbo export gives it: a number for numeric parameters (in the
 * sweep's units: a q_uniform's value, not the multiple of q the space stores; a float to the
 * last digit) and for constants that are numbers, else its text (a category). */
static json_t *param_value(const dash *d, const gpbo_space *sp, size_t i, double v)
{
    if (isnan(v)) /* reserved by a worker still proposing it */
        return json_null();
    gpbo_param_type t = gpbo_space_type(sp, i);
    if (t == GPBO_PARAM_INT && cli_shown_q(d->sw, i) == 1.0)
        return json_integer((json_int_t)llround(v));
    int constant = d->sw != NULL && i < d->sw->np && d->sw->p[i].dist == D_CONSTANT;
    if (t == GPBO_PARAM_CATEGORICAL && !constant && v >= 0 &&
        v < (double)gpbo_space_nchoices(sp, i))
        return dash_text(gpbo_space_choice(sp, i, (size_t)v)); /* whole: buf would cut it */
    char buf[256];
    int text = cli_param_text(d->sw, sp, i, v, buf, sizeof buf);
    char *end;
    double x = strtod(buf, &end);
    if (!text && end != buf && *end == '\0' && isfinite(x))
        return json_real(x);
    return dash_text(buf);
}

static json_t *params_of(const dash *d, const gpbo_space *sp, const double *values)
{
    json_t *o = json_object();
    for (size_t i = 0; i < gpbo_space_size(sp); i++)
        json_object_set_new(o, gpbo_space_name(sp, i), param_value(d, sp, i, values[i]));
    return o;
}

static json_t *trial_json(const dash *d, const gpbo_study *st, const gpbo_trial_info *ti)
{
    const gpbo_space *sp = gpbo_study_space(st);
    json_t *steps = json_array();
    for (size_t s = 0; s < ti->nsteps; s++)
        json_array_append_new(
            steps, json_pack("[Io]", (json_int_t)ti->steps[s], number(ti->step_values[s])));
    double secs = ti->finished > 0 ? ti->finished - ti->started : NAN;
    /* feasible: complete and within the study's outcome constraints (issue 20) */
    return json_pack("{sI ss so so so so so so sb}", "trial", (json_int_t)ti->id, "state",
                     cli_state_shown(st, ti), "value", number(ti->value), "params",
                     params_of(d, sp, ti->values), "intermediate", steps, "started",
                     number(ti->started), "seconds", number(secs), "reason", dash_text(ti->reason),
                     "feasible", gpbo_study_trial_feasible(st, ti->id));
}

/* A study's progress: its counts (running ones split into running and interrupted), the run
 * cap when the sweep gives it, the best value. */
static json_t *summary_json(const dash *d, const gpbo_study *st)
{
    size_t c[GPBO_TRIAL_STATE_COUNT], lost = 0, n = gpbo_study_ntrials(st);
    gpbo_study_counts(st, c);
    for (size_t t = 0; t < n; t++)
        lost += gpbo_study_trial_lost(st, t) != 0;
    gpbo_trial_info b;
    int has_best = gpbo_study_best(st, &b) == GPBO_OK;
    return json_pack(
        "{so ss sI sI sI sI sI sI so so so}", "name", dash_text(gpbo_study_name(st)), "direction",
        gpbo_study_direction(st) == GPBO_MAXIMIZE ? "maximize" : "minimize", "trials",
        (json_int_t)n, "complete", (json_int_t)c[GPBO_TRIAL_COMPLETE], "failed",
        (json_int_t)c[GPBO_TRIAL_FAILED], "pruned", (json_int_t)c[GPBO_TRIAL_PRUNED], "running",
        (json_int_t)(c[GPBO_TRIAL_RUNNING] - lost), "interrupted", (json_int_t)lost, "run_cap",
        d->run_cap ? json_integer((json_int_t)d->run_cap) : json_null(), "best",
        has_best ? number(b.value) : json_null(), "best_trial",
        has_best ? json_integer((json_int_t)b.id) : json_null());
}

/* The space: each parameter's name, type, bounds (log scale or not) and categories, in the
 * sweep's units (a q_uniform is a float from its lowest to its highest multiple of q, not the
 * integer multiples the space stores). */
static json_t *space_json(const dash *d, const gpbo_space *sp)
{
    static const char *const TYPE[] = {"float", "int", "categorical", "const"};
    json_t *a = json_array();
    for (size_t i = 0; i < gpbo_space_size(sp); i++) {
        gpbo_param_type t = gpbo_space_type(sp, i);
        json_t *choices = json_array();
        for (size_t k = 0; t == GPBO_PARAM_CATEGORICAL && k < gpbo_space_nchoices(sp, i); k++)
            json_array_append_new(choices, json_string(gpbo_space_choice(sp, i, k)));
        int numeric = t == GPBO_PARAM_FLOAT || t == GPBO_PARAM_INT;
        double q = cli_shown_q(d->sw, i);
        json_array_append_new(
            a, json_pack(
                   "{ss ss sb so so so}", "name", gpbo_space_name(sp, i), "type",
                   TYPE[q != 1.0 ? GPBO_PARAM_FLOAT : t], "log",
                   numeric && gpbo_space_is_log(sp, i), "lo",
                   numeric ? number(cli_shown_number(d->sw, i, gpbo_space_lo(sp, i))) : json_null(),
                   "hi",
                   numeric ? number(cli_shown_number(d->sw, i, gpbo_space_hi(sp, i))) : json_null(),
                   "choices", choices));
    }
    return a;
}

json_t *dash_studies(dash *d)
{
    char **names = NULL;
    size_t n = 0;
    if (names_of(d, &names, &n) != GPBO_OK)
        return NULL;
    pthread_mutex_lock(&d->lock);
    unsigned long since = d->clock;
    pthread_mutex_unlock(&d->lock);
    json_t *list = json_array();
    int all_taken = 1;
    for (size_t i = 0; i < n; i++) {
        dash_open *e = take_study(d, names[i]);
        all_taken &= e != NULL;
        if (e != NULL)
            pthread_mutex_lock(&e->lock);
        gpbo_study *st = e ? mirror(d, e) : NULL;
        if (st == NULL) /* listed all the same, with why */
            json_array_append_new(list, json_pack("{so so}", "name", dash_text(names[i]), "error",
                                                  dash_text(gpbo_error_message())));
        else
            json_array_append_new(list, summary_json(d, st));
        if (e != NULL) {
            pthread_mutex_unlock(&e->lock);
            put_study(d, e);
        }
    }
    gpbo_free(names);
    if (all_taken) /* each study listed was taken after since: the others are gone */
        close_unlisted(d, since);
    return json_pack("{so so so}", "storage", dash_text(d->storage), "study", dash_text(d->study),
                     "studies", list);
}

/* The study the page asks for, held (put_study) and its lock taken, or NULL with the error set
 * (GPBO_ENOTFOUND: not a study shown here). */
static dash_open *asked(dash *d, const char *name)
{
    char *stored = name ? shown(d, name) : NULL;
    if (stored == NULL) {
        gpbo_error_set(GPBO_ENOTFOUND, "no study '%s' here", name ? name : "");
        return NULL;
    }
    dash_open *e = take_study(d, stored);
    free(stored);
    if (e != NULL)
        pthread_mutex_lock(&e->lock);
    return e;
}

static void done(dash *d, dash_open *e)
{
    pthread_mutex_unlock(&e->lock);
    put_study(d, e);
}

/* A study of several objectives (issue 20): "objectives" [{name, goal}] and "points", every
 * complete trial with a value of each: {trial, values, pareto} (pareto: on the Pareto front).
 * Nothing is added for a study of one objective. */
static void objectives_json(json_t *o, const gpbo_study *st)
{
    size_t k = gpbo_study_nobjectives(st), n = gpbo_study_ntrials(st), m = 0;
    size_t *front = malloc((n ? n : 1) * sizeof *front);
    if (k < 2 || front == NULL || gpbo_study_pareto(st, front, n, &m) != GPBO_OK) {
        free(front);
        return;
    }
    json_t *objs = json_array(), *pts = json_array();
    for (size_t j = 0; j < k; j++)
        json_array_append_new(
            objs, json_pack("{ss ss}", "name", gpbo_study_objective_name(st, j), "goal",
                            gpbo_study_objective_direction(st, j) == GPBO_MAXIMIZE ? "maximize"
                                                                                   : "minimize"));
    for (size_t t = 0, f = 0; t < n; t++) {
        double y[GPBO_MAX_OBJECTIVES];
        if (gpbo_study_trial_objectives(st, t, y) != GPBO_OK)
            continue;
        json_t *vals = json_array();
        for (size_t j = 0; j < k; j++)
            json_array_append_new(vals, number(y[j]));
        while (f < m && front[f] < t)
            f++;
        json_array_append_new(pts, json_pack("{sI so sb}", "trial", (json_int_t)t, "values", vals,
                                             "pareto", f < m && front[f] == t));
    }
    gpbo_error_clear();
    json_object_set_new(o, "objectives", objs);
    json_object_set_new(o, "points", pts);
    free(front);
}

json_t *dash_study(dash *d, const char *name)
{
    dash_open *e = asked(d, name);
    gpbo_study *st = e ? mirror(d, e) : NULL;
    if (st == NULL) {
        if (e != NULL)
            done(d, e);
        return NULL;
    }
    json_t *o = summary_json(d, st);
    gpbo_trial_info b;
    json_t *best = json_null();
    if (gpbo_study_best(st, &b) == GPBO_OK)
        best = json_pack("{sI so so}", "trial", (json_int_t)b.id, "value", number(b.value),
                         "params", params_of(d, gpbo_study_space(st), b.values));
    json_object_set_new(o, "best_params", best);
    json_object_set_new(o, "space", space_json(d, gpbo_study_space(st)));
    objectives_json(o, st);
    done(d, e);
    return o;
}

/* The revision after which the page asks for changes (the part of since after the dot), when
 * since is "GEN.REV" of this opening of the study; else 0 with *full set. */
static unsigned long since_rev(const dash_open *e, const char *since, int *full)
{
    char *end;
    *full = 1;
    if (since == NULL || strtoul(since, &end, 10) != e->gen || *end != '.')
        return 0;
    const char *r = end + 1;
    unsigned long rev = strtoul(r, &end, 10);
    if (end == r || *end != '\0' || rev > e->rev) /* a revision not given yet: not ours */
        return 0;
    *full = 0;
    return rev;
}

json_t *dash_trials(dash *d, const char *name, const char *since)
{
    dash_open *e = asked(d, name);
    gpbo_study *st = e ? mirror(d, e) : NULL;
    if (st == NULL) {
        if (e != NULL)
            done(d, e);
        return NULL;
    }
    int full;
    unsigned long after = since_rev(e, since, &full);
    json_t *a = json_array();
    for (size_t t = 0; t < gpbo_study_ntrials(st); t++) {
        gpbo_trial_info ti;
        if ((full || e->revs[t] > after) && gpbo_study_trial(st, t, &ti) == GPBO_OK)
            json_array_append_new(a, trial_json(d, st, &ti));
    }
    json_t *o = json_pack("{so so sb so}", "name", dash_text(gpbo_study_name(st)), "cursor",
                          json_sprintf("%lu.%lu", e->gen, e->rev), "full", full, "trials", a);
    done(d, e);
    return o;
}

void dash_close(dash *d)
{
    for (size_t i = 0; i < d->nopen; i++)
        study_free(d->open[i]);
    free(d->open);
    d->open = NULL;
    d->nopen = d->capopen = 0;
    pthread_mutex_destroy(&d->lock);
}

enum { DASH_SLICE = 48 };

/* The GP's slice along numeric parameter i through trial o (cli_slice_origin: the best one, or
 * the best in which i is active), as the report draws it: {"param", "trial" (o), "x", "mean",
 * "lo", "hi"} in the objective's units and sign (mean +- 2 sd, or when the model is log-warped
 * the median and 2-sd quantiles), x in the sweep's units (d->sw); NULL when the prediction
 * fails. ub, q: scratch of dim and DASH_SLICE x dim, vals: of the space's size. */
static json_t *slice_json(const dash *dh, gpbo_gp *gp, const gpbo_study_model_info *info,
                          const gpbo_space *sp, double sign, const gpbo_trial_info *o, double *ub,
                          double *q, double *vals, size_t i)
{
    size_t d = gpbo_space_dim(sp), coord = cli_param_coord(sp, i);
    double mu[DASH_SLICE], var[DASH_SLICE];
    gpbo_space_encode(sp, o->values, ub);
    json_t *x = json_array(), *m = json_array(), *lo = json_array(), *hi = json_array();
    for (size_t k = 0; k < DASH_SLICE; k++) {
        double *row = q + k * d;
        memcpy(row, ub, d * sizeof *row);
        row[coord] = (k + 0.5) / DASH_SLICE;
        gpbo_space_project(row, d, (void *)sp);
        int ok = gpbo_space_decode(sp, row, vals) == GPBO_OK;
        json_array_append_new(x, ok ? number(cli_shown_number(dh->sw, i, vals[i])) : json_null());
    }
    int ok = gpbo_gp_predict(gp, DASH_SLICE, q, mu, var) == GPBO_OK;
    for (size_t k = 0; ok && k < DASH_SLICE; k++) {
        double sd = sqrt(var[k] > 0 ? var[k] : 0), w[3] = {mu[k], mu[k] - 2 * sd, mu[k] + 2 * sd};
        for (int j = 0; j < 3; j++)
            w[j] = sign * (info->warped ? exp(w[j]) + info->lo - info->delta : w[j]);
        json_array_append_new(m, number(w[0]));
        json_array_append_new(lo, number(w[1] < w[2] ? w[1] : w[2]));
        json_array_append_new(hi, number(w[1] < w[2] ? w[2] : w[1]));
    }
    json_t *s = json_pack("{ss sI so so so so}", "param", gpbo_space_name(sp, i), "trial",
                          (json_int_t)o->id, "x", x, "mean", m, "lo", lo, "hi", hi);
    if (!ok)
        json_decref(s);
    return ok ? s : NULL;
}

/* The importance of every parameter the trials varied (importance.c):
 * [{"param", "value", "lo", "hi"}] (lo, hi null without an interval); an empty array when the
 * model gives none, and then *why says why (else NULL): the model's observations vary no
 * parameter yet (one complete trial: the slices of the same model are drawn all the same, and
 * the page said "no model"), or the importance's error. */
static json_t *importance_json(const gpbo_gp *gp, const gpbo_space *sp, json_t **why)
{
    size_t np = gpbo_space_size(sp), n = gpbo_gp_n(gp);
    json_t *a = json_array();
    cli_importance *imp = calloc(np + 1, sizeof *imp);
    int rc = imp ? cli_importance_get(gp, sp, imp, NULL)
                 : gpbo_error_set(GPBO_ENOMEM, "no memory for the importance");
    for (size_t i = 0; rc == GPBO_OK && i < np; i++)
        if (isfinite(imp[i].value))
            json_array_append_new(a, json_pack("{ss so so so}", "param", gpbo_space_name(sp, i),
                                               "value", number(imp[i].value), "lo",
                                               number(imp[i].lo), "hi", number(imp[i].hi)));
    free(imp);
    *why = json_array_size(a) > 0 ? NULL
           : rc != GPBO_OK        ? dash_text(gpbo_error_message())
           : n == 1 ? json_string("the model has one observation: no parameter varies yet")
                    : json_sprintf("no parameter varies among the model's %zu observations yet", n);
    return a;
}

/* The trial that gp, the model of study st the slices were drawn from (gpbo_study_model_capped,
 * info: its account), recommends (gpbo_study_recommend_model: gp refitted in place under the
 * recommendation's noise prior, then its best posterior mean among the feasible trials) into o:
 * "recommended": {"trial", "value", "predicted", "params", "observations"}, null for a study of
 * several objectives; when the refit fails, null and "recommended_why". gp is capped at
 * CLI_MODEL_SUBSET = GPBO_RECOMMEND_MAX_OBS observations, gpbo_study_recommend's own model, so
 * this is gpbo best --by model's trial, prediction and count of observations ("observations":
 * those gp holds) at any size, at the cost of the refit alone. */
static void recommended_json(const dash *d, gpbo_study *st, gpbo_gp *gp,
                             const gpbo_study_model_info *info, json_t *o)
{
    gpbo_trial_info r;
    double predicted = NAN;
    int rc = gpbo_study_nobjectives(st) > 1
                 ? GPBO_ENOTFOUND
                 : gpbo_study_recommend_model(st, gp, info, &r, &predicted);
    json_object_set_new(o, "recommended",
                        rc == GPBO_OK
                            ? json_pack("{sI so so so sI}", "trial", (json_int_t)r.id, "value",
                                        number(r.value), "predicted", number(predicted), "params",
                                        params_of(d, gpbo_study_space(st), r.values),
                                        "observations", (json_int_t)info->n)
                            : json_null());
    if (rc != GPBO_OK && rc != GPBO_ENOTFOUND)
        json_object_set_new(o, "recommended_why", dash_text(gpbo_error_message()));
    gpbo_error_clear();
}

/* The slices of study e from its model handle, as dash_slices describes them (without "fits"
 * and "cached"), and the model's recommendation (recommended_json); *fitted: whether a GP was
 * fitted. NULL with the error set. Under e->model_lock. */
static json_t *slices_of(const dash *d, dash_open *e, int *fitted)
{
    *fitted = 0;
    gpbo_study *st = synced(d, e->name, &e->model);
    if (st == NULL)
        return NULL;
    gpbo_gp *gp = NULL;
    gpbo_study_model_info info;
    gpbo_trial_info b;
    json_t *slices = json_array();
    const char *why = NULL;
    size_t total = 0;
    if (gpbo_study_best(st, &b) != GPBO_OK)
        why = "no complete trial yet";
    else if ((*fitted = 1, gpbo_study_model_capped(st, CLI_MODEL_SUBSET, &gp, &info, &total)) !=
             GPBO_OK)
        why = gpbo_error_message(); /* not a Bayesian study, no value yet, a failed fit */
    const gpbo_space *sp = gpbo_study_space(st);
    size_t dim = gpbo_space_dim(sp);
    double *ub = gp ? calloc(dim, sizeof *ub) : NULL,
           *q = gp ? calloc(DASH_SLICE * dim, sizeof *q) : NULL,
           *vals = gp ? calloc(gpbo_space_size(sp) + 1, sizeof *vals) : NULL;
    if (gp != NULL && (ub == NULL || q == NULL || vals == NULL))
        why = "out of memory";
    double sign = gpbo_study_direction(st) == GPBO_MAXIMIZE ? -1 : 1;
    size_t numeric = 0;
    for (size_t i = 0; gp != NULL && why == NULL && i < gpbo_space_size(sp); i++) {
        gpbo_param_type t = gpbo_space_type(sp, i);
        gpbo_trial_info o;
        numeric += t == GPBO_PARAM_FLOAT || t == GPBO_PARAM_INT;
        json_t *s =
            (t == GPBO_PARAM_FLOAT || t == GPBO_PARAM_INT) && cli_slice_origin(st, &b, i, &o)
                ? slice_json(d, gp, &info, sp, sign, &o, ub, q, vals, i)
                : NULL;
        if (s != NULL)
            json_array_append_new(slices, s);
    }
    json_t *o = json_pack("{so so so}", "name", dash_text(gpbo_study_name(st)), "why",
                          dash_text(why), "slices", slices);
    if (gp != NULL) {
        json_t *iwhy = NULL;
        json_object_set_new(o, "model",
                            json_sprintf("%s%s", info.additive ? "additive" : "ARD",
                                         info.warped ? ", log-warped" : ""));
        /* the observations the model holds, of those the strategy's model would */
        json_object_set_new(o, "observations", json_integer((json_int_t)info.n));
        json_object_set_new(o, "observations_total", json_integer((json_int_t)total));
        json_object_set_new(o, "subset", json_boolean(info.n < total));
        json_object_set_new(o, "importance", importance_json(gp, sp, &iwhy));
        if (iwhy != NULL) /* each card says its own reason, not the other's */
            json_object_set_new(o, "importance_why", iwhy);
        if (why == NULL && json_array_size(slices) == 0)
            json_object_set_new(
                o, "slices_why",
                json_string(numeric ? "the model's prediction failed" : "no numeric parameter"));
    }
    free(ub);
    free(q);
    free(vals);
    if (gp != NULL) /* what the model recommends (after the slices and the importance: its refit
                     * changes gp's hyperparameters) */
        recommended_json(d, st, gp, &info, o);
    else
        json_object_set_new(o, "recommended", json_null());
    gpbo_gp_free(gp);
    return o;
}

json_t *dash_slices(dash *d, const char *name)
{
    dash_open *e = asked(d, name);
    gpbo_study *st = e ? mirror(d, e) : NULL;
    if (st == NULL) {
        if (e != NULL)
            done(d, e);
        return NULL;
    }
    /* the model sees complete, pruned and failed trials only: while none ends, the answer
     * stands (running trials come and go, report steps: no new fit) */
    unsigned long key = e->data_rev, epoch = e->epoch;
    pthread_mutex_unlock(&e->lock); /* the fit holds up nobody but other fits of this study */
    pthread_mutex_lock(&e->model_lock);
    if (e->model_epoch != epoch) { /* the mirror reads another file now: so does the model */
        gpbo_study_close(e->model);
        e->model = NULL;
        json_decref(e->slices);
        e->slices = NULL;
        e->model_epoch = epoch;
    }
    int cached = e->slices != NULL && e->slices_rev == key, fitted = 0;
    json_t *o = cached ? json_deep_copy(e->slices) : slices_of(d, e, &fitted);
    e->fits += (unsigned long)fitted;
    if (o != NULL && !cached) {
        json_decref(e->slices);
        e->slices = json_deep_copy(o);
        e->slices_rev = key;
    }
    if (o != NULL) {
        json_object_set_new(o, "fits", json_integer((json_int_t)e->fits));
        json_object_set_new(o, "cached", json_boolean(cached));
    }
    pthread_mutex_unlock(&e->model_lock);
    put_study(d, e);
    return o;
}
