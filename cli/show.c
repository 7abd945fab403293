/*
 * show.c: `gpbo best`, `gpbo trials` and `gpbo export` — reading a study back, from its sweep
 * file (the default storage next to it) or from --storage and --study.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "../base/json_safe.h"
#include "cli.h"
#include "report.h"
#include "gpbo/sys/error.h"

static const char *const STATE[] = {"running", "complete", "failed", "pruned"};

const char *cli_state_name(gpbo_trial_state state)
{
    return STATE[state];
}

/* A running trial whose worker is gone (a run stopped by Ctrl-C, a lost machine) runs again on
 * the next `gpbo run`: every view says so rather than "running". */
const char *cli_state_shown(const gpbo_study *st, const gpbo_trial_info *ti)
{
    if (ti->state == GPBO_TRIAL_RUNNING && gpbo_study_trial_lost(st, ti->id))
        return "interrupted";
    return STATE[ti->state];
}

/* export called an enqueued trial "running", as if a program ran it, while `gpbo trials` said
 * "queued" */
const char *cli_state_listed(const gpbo_study *st, const gpbo_trial_info *ti)
{
    return gpbo_study_trial_queued(st, ti->id) ? "queued" : cli_state_shown(st, ti);
}

void cli_format_value(const sweep *sw, const gpbo_space *sp, size_t i, double v, char *buf,
                      size_t cap)
{
    if (isnan(v)) /* inactive (its when: does not hold), or not yet proposed */
        snprintf(buf, cap, "-");
    else if (sw)
        sweep_format(sw, sp, i, v, buf, cap);
    else
        gpbo_space_format(sp, i, v, buf, cap);
}

double cli_shown_q(const sweep *sw, size_t i)
{
    return sw != NULL && i < sw->np && sw->p[i].dist == D_Q_UNIFORM ? sw->p[i].q : 1.0;
}

double cli_shown_number(const sweep *sw, size_t i, double v)
{
    return sw != NULL && i < sw->np ? sweep_shown(sw, i, v) : v;
}

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) { /* RFC 4180: CR too (a reader ends the row there) */
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

int cli_study_file(char *out, size_t cap, const char *dir, const char *name, const char *suffix)
{
    char stem[CLI_STEM_MAX + 1];
    if (cli_file_stem(stem, sizeof stem, name) != GPBO_OK)
        return gpbo_error_set(GPBO_EINVAL, "%s: give --storage", gpbo_error_message());
    if ((size_t)snprintf(out, cap, "%s/%s%s", dir, stem, suffix) >= cap)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", dir);
    return GPBO_OK;
}

/* The study of a storage named without one: its only study. Returns 0 with *name (a
 * gpbo_free'd list in *list), or the exit status after printing why. */
static int only_study(const char *cmd, const char *storage, const char **name, char ***list)
{
    size_t n = 0;
    int rc = gpbo_study_list(storage, list, &n);
    if (rc != GPBO_OK) {
        fprintf(stderr, "gpbo %s: %s\n", cmd, gpbo_error_message());
        return rc == GPBO_EINVAL ? 2 : 1;
    }
    if (n == 1) {
        *name = (*list)[0];
        return 0;
    }
    if (n == 0)
        fprintf(stderr, "gpbo %s: %s holds no study\n", cmd, storage);
    else {
        fprintf(stderr, "gpbo %s: %s holds %zu studies; give --study with one of:", cmd, storage,
                n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %s", (*list)[i]);
        fprintf(stderr, "\n");
    }
    gpbo_free(*list);
    *list = NULL;
    return 2;
}

void cli_no_such_study(const char *cmd, const char *storage, const char *name, char *const *names,
                       size_t n)
{
    fprintf(stderr, "gpbo %s: %s: no study named '%s'", cmd, storage, name);
    if (n == 0)
        fprintf(stderr, " (it holds no study)\n");
    else {
        fprintf(stderr, "; give --study with one of:");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %s", names[i]);
        fprintf(stderr, "\n");
    }
}

/* A study the storage does not hold (name: a typo, or a sweep's study that has not run): exit
 * status 2 after cli_no_such_study's line; 1 when the names cannot be read either (the open's
 * message is then printed by the caller). */
static int missing_study(const char *cmd, const char *storage, const char *name)
{
    char **names = NULL;
    size_t n = 0;
    if (gpbo_study_list(storage, &names, &n) != GPBO_OK)
        return 1;
    cli_no_such_study(cmd, storage, name, names, n);
    gpbo_free(names);
    return 2;
}

int cli_sweep_for_study(const char *path, const char *study, sweep **out_sw, gpbo_space **out_space)
{
    sweep *sw = sweep_load_results(path);
    *out_sw = sw;
    *out_space = NULL;
    if (sw == NULL) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 2;
    }
    if (study != NULL) {
        char *name = strdup(study);
        if (name == NULL)
            return 1;
        free(sw->name);
        sw->name = name;
    }
    return (*out_space = sweep_space(sw)) != NULL ? 0 : 1;
}

gpbo_study *cli_make_study(const char *cmd, sweep *sw, const gpbo_space *space, const char *storage,
                           int *status)
{
    char db[1200];
    *status = 2;
    if (storage == NULL) {
        if (cli_study_file(db, sizeof db, sw->dir, sw->name, ".db") != GPBO_OK) {
            fprintf(stderr, "gpbo %s: %s\n", cmd, gpbo_error_message());
            return NULL;
        }
        storage = db;
    }
    if (cli_storage_folder(cmd, storage) != 0)
        return NULL;
    gpbo_study *st = gpbo_study_open(storage, sw->name, space, &sw->study);
    if (st == NULL) {
        *status = gpbo_error_code() == GPBO_EINVAL ? 2 : 1;
        cli_open_failed(sw->path);
    }
    return st;
}

void cli_open_failed(const char *path)
{
    const char *m = gpbo_error_message();
    /* the library's words: the sweep's parameters were edited since the study began, and the
     * message did not say what to do */
    if (strstr(m, "exists with a different search space") != NULL)
        fprintf(stderr,
                "gpbo: %s: the parameters differ from its study's: %s; a study keeps its "
                "parameters: give the sweep another name: or --study NAME for a new study\n",
                path, strncmp(m, "study_open: ", 12) ? m : m + 12);
    else
        fprintf(stderr, "gpbo: %s\n", m);
}

/* The sweep file at path (NULL: none) read into *out_sw, and what it names: the study (*name,
 * when not given) and its storage (*storage, when not given: the file `gpbo run` made for that
 * name, --study included, its path in db). Returns 0, or the exit status after printing why. */
static int sweep_names(const char *cmd, const char *path, sweep **out_sw, const char **storage,
                       const char **name, char *db, size_t cap)
{
    *out_sw = NULL;
    if (path == NULL)
        return 0;
    sweep *sw = sweep_load_results(path);
    if (sw == NULL) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 2;
    }
    if (*name == NULL)
        *name = sw->name;
    if (*storage == NULL) {
        if (cli_study_file(db, cap, sw->dir, *name, ".db") != GPBO_OK) {
            fprintf(stderr, "gpbo %s: %s\n", cmd, gpbo_error_message());
            sweep_free(sw);
            return 2;
        }
        *storage = db;
    }
    *out_sw = sw;
    return 0;
}

int cli_open_study(const char *cmd, const char *path, const char *storage, const char *name,
                   sweep **out_sw, gpbo_study **out_st)
{
    sweep *sw = NULL;
    char db[1200], **list = NULL;
    *out_sw = NULL;
    *out_st = NULL;
    if (sweep_names(cmd, path, &sw, &storage, &name, db, sizeof db) != 0)
        return 2;
    if (storage == NULL) {
        fprintf(stderr, "gpbo %s: give a sweep file or --storage (gpbo %s --help)\n", cmd, cmd);
        return 2;
    }
    int status = name == NULL ? only_study(cmd, storage, &name, &list) : 0;
    if (status != 0) {
        sweep_free(sw);
        return status;
    }
    gpbo_study *st = gpbo_study_open(storage, name, NULL, NULL);
    gpbo_free(list);
    if (st == NULL) {
        status = gpbo_error_code() == GPBO_ENOTFOUND ? missing_study(cmd, storage, name) : 1;
        if (status == 1)
            fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        sweep_free(sw);
        return status;
    }
    *out_sw = sw;
    *out_st = st;
    return 0;
}

/* How `gpbo trials` and `gpbo export` write the trials. */
typedef enum { OUT_CSV, OUT_JSON, OUT_TABLE } out_kind;

/* Whether name, a word of a line of `gpbo best`'s front, would read as another: the trial's id,
 * or a prefixed name. */
static int front_word_taken(const char *name)
{
    return !strcmp(name, "trial") || !strncmp(name, "metrics.", 8) || !strncmp(name, "params.", 7);
}

/* `gpbo best` of a study of several objectives: its Pareto front, one line a trial of
 * name=value words (trial, every objective, every parameter), in trial order. A word of one
 * name twice (an objective named trial, a parameter named as an objective) was read as one by
 * anything that parses the line: the objective is then metrics.NAME, the parameter params.NAME,
 * as export's CSV columns are. */
static int show_pareto(const sweep *sw, gpbo_study *st)
{
    const gpbo_space *sp = gpbo_study_space(st);
    size_t n = gpbo_study_ntrials(st), k = gpbo_study_nobjectives(st), m = 0;
    size_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (ids == NULL || gpbo_study_pareto(st, ids, n, &m) != GPBO_OK || m == 0) {
        fprintf(stderr, "gpbo: %s\n",
                ids && m == 0 ? "no trial has a value of every objective yet"
                              : gpbo_error_message());
        free(ids);
        return 1;
    }
    for (size_t t = 0; t < m; t++) {
        double y[GPBO_MAX_OBJECTIVES];
        gpbo_trial_info b;
        char buf[256];
        gpbo_study_trial_objectives(st, ids[t], y);
        gpbo_study_trial(st, ids[t], &b);
        printf("trial=%zu", ids[t]);
        for (size_t j = 0; j < k; j++) {
            const char *nm = gpbo_study_objective_name(st, j);
            cli_number(buf, sizeof buf, y[j]);
            printf(" %s%s=%s", front_word_taken(nm) ? "metrics." : "", nm, buf);
        }
        for (size_t i = 0; i < gpbo_space_size(sp); i++) {
            const char *nm = gpbo_space_name(sp, i);
            int taken = front_word_taken(nm);
            for (size_t j = 0; j < k && !taken; j++)
                taken = !strcmp(nm, gpbo_study_objective_name(st, j));
            cli_format_value(sw, sp, i, b.values[i], buf, sizeof buf);
            printf(" %s%s=%s", taken ? "params." : "", nm, buf);
        }
        printf("\n");
    }
    free(ids);
    return 0;
}

const char *cli_recommend_model(char *buf, size_t cap, size_t total)
{
    if (total > GPBO_RECOMMEND_MAX_OBS)
        snprintf(buf, cap, "the model of %d of the %zu observations", GPBO_RECOMMEND_MAX_OBS,
                 total);
    else
        snprintf(buf, cap, "the model");
    return buf;
}

void cli_recommend_capped_note(const char *cmd, size_t total)
{
    char model[96];
    if (total > GPBO_RECOMMEND_MAX_OBS)
        fprintf(stderr,
                "gpbo %s: the recommendation of %s (the best half and a space-filling rest: past "
                "%d the exact GP of them all is not fitted)\n",
                cmd, cli_recommend_model(model, sizeof model, total), GPBO_RECOMMEND_MAX_OBS);
}

/* `gpbo best`: the best trial as name=value lines (a study of several objectives: its Pareto
 * front, show_pareto); by_model: the model's recommendation (gpbo_study_recommend's rule), its
 * predicted value after the observed one, and past GPBO_RECOMMEND_MAX_OBS observations a line on
 * stderr naming the model's subset (stdout keeps its name=value lines). Returns the exit
 * status. */
static int show_best(const sweep *sw, gpbo_study *st, int by_model)
{
    const gpbo_space *sp = gpbo_study_space(st);
    gpbo_trial_info b;
    double predicted = NAN;
    size_t total = 0;
    if (gpbo_study_nobjectives(st) > 1 && !by_model)
        return show_pareto(sw, st);
    if ((by_model ? gpbo_study_recommend_capped(st, GPBO_RECOMMEND_MAX_OBS, &b, &predicted, &total)
                  : gpbo_study_best(st, &b)) != GPBO_OK) {
        fprintf(stderr, "gpbo best: %s\n", gpbo_error_message());
        return 1;
    }
    cli_recommend_capped_note("best", total);
    char num[32];
    cli_number(num, sizeof num, b.value);
    printf("trial=%zu\nvalue=%s\n", b.id, num);
    if (by_model) {
        cli_number(num, sizeof num, predicted);
        printf("predicted=%s\n", num);
    }
    for (size_t i = 0; i < gpbo_space_size(sp); i++) {
        char buf[256];
        cli_format_value(sw, sp, i, b.values[i], buf, sizeof buf);
        printf("%s=%s\n", gpbo_space_name(sp, i), buf);
    }
    return 0;
}

/* JSON's text for the number text t (cli_number's): -0 as -0.0, which JSON readers (jansson,
 * gpbo import, Python) read as the float -0.0, where -0 is the integer 0 and the sign was lost
 * in an export -> import round trip. */
static const char *json_numeral(const char *t)
{
    return strcmp(t, "-0") ? t : "-0.0";
}

/* A number for CSV and JSON: shortest round-trip; NaN and infinities as none (empty in CSV,
 * null in JSON). */
static void write_number(FILE *f, out_kind k, double v)
{
    char buf[32];
    if (isfinite(v)) {
        cli_number(buf, sizeof buf, v);
        fputs(k == OUT_JSON ? json_numeral(buf) : buf, f);
    } else if (k == OUT_JSON) {
        fputs("null", f);
    }
}

/* Whether s is a number as JSON writes one: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
 * strtod reads more ("007", "1.", "1.e3", " 1", hex, inf), and such a constant went out bare:
 * a JSON document that no parser reads. */
static int json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        s += strspn(s, "0123456789");
    else
        return 0;
    if (*s == '.') {
        size_t n = strspn(++s, "0123456789");
        if (n == 0)
            return 0;
        s += n;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        size_t n = strspn(s, "0123456789");
        if (n == 0)
            return 0;
        s += n;
    }
    return *s == '\0';
}

/* Parameter i's value v as text, and whether it is a string (a category, a constant that is no
 * JSON number): a number as the sweep writes it when it is a multiple of its q (0.3, not
 * 0.30000000000000004), else shortest round-trip (an integer's digits). */
int cli_param_text(const sweep *sw, const gpbo_space *sp, size_t i, double v, char *buf, size_t cap)
{
    gpbo_param_type t = gpbo_space_type(sp, i);
    /* a q-distribution's multiple of q, the normal family's value (not the quantile the space
     * holds): as the program was given it */
    int transformed = sw && sweep_transformed(sw, i);
    if (t == GPBO_PARAM_FLOAT && !transformed) {
        cli_number(buf, cap, v);
        return 0;
    }
    cli_format_value(sw, sp, i, v, buf, cap);
    /* a sweep's constant is a category of one: the number it names, when it is one */
    int constant = t == GPBO_PARAM_CONST || (sw && sw->p[i].dist == D_CONSTANT);
    if (!constant)
        return t == GPBO_PARAM_CATEGORICAL;
    return !json_number(buf) || !isfinite(strtod(buf, NULL)); /* 1e999: no double */
}

/* Whether the study has outcome constraints: then export has a "feasible" field or column. */
static int constrained(const gpbo_study *st)
{
    return gpbo_study_get_options(st)->n_constraints > 0;
}

/* Whether trial id has user attributes; their JSON object in *out (the study's, borrowed),
 * else NULL (none, or text that is not a JSON object). */
static int user_attrs(const gpbo_study *st, size_t id, const char **out)
{
    *out = NULL;
    if (gpbo_study_trial_user_attrs(st, id, out) != GPBO_OK)
        gpbo_error_clear();
    if (*out != NULL && !strcmp(*out, "{}"))
        *out = NULL;
    /* a row another program wrote may hold anything: an export writes a JSON object only */
    int code;
    json_t *o = *out ? gpbo_json_loads(*out, &code) : NULL;
    if (!json_is_object(o))
        *out = NULL;
    json_decref(o);
    return *out != NULL;
}

/* CSV's header (attrs: a user_attrs column, the last, when some trial has user attributes). */
static void write_header(FILE *f, out_kind k, const gpbo_study *st, const cli_metrics *cols,
                         int attrs)
{
    const gpbo_space *sp = gpbo_study_space(st);
    size_t np = gpbo_space_size(sp);
    if (k == OUT_JSON) {
        fprintf(f, "[\n");
    } else if (k == OUT_TABLE && gpbo_study_nobjectives(st) > 1) { /* a column an objective */
        fprintf(f, "%6s  %-11s", "trial", "state");
        for (size_t j = 0; j < gpbo_study_nobjectives(st); j++)
            fprintf(f, "  %14s", gpbo_study_objective_name(st, j));
        for (size_t i = 0; i < np; i++)
            fprintf(f, "  %14s", gpbo_space_name(sp, i));
        fprintf(f, "  %s\n", "note");
    } else if (k == OUT_TABLE) {
        fprintf(f, "%6s  %-11s  %14s", "trial", "state", "value");
        for (size_t i = 0; i < np; i++)
            fprintf(f, "  %14s", gpbo_space_name(sp, i));
        fprintf(f, "  %s\n", "note");
    } else {
        fprintf(f, "trial,state,value%s", constrained(st) ? ",feasible" : "");
        for (size_t i = 0; i < np; i++) {
            /* a parameter named as a column of the trial's own (value, reason, ...) or of its
             * metrics made two columns of one name, and a CSV reader kept one of them: it is
             * params.NAME then, as metrics are metrics.NAME */
            static const char *const OWN[] = {"trial",   "state",  "value",     "feasible",
                                              "seconds", "reason", "user_attrs"};
            const char *name = gpbo_space_name(sp, i);
            int taken = !strncmp(name, "metrics.", 8) || !strncmp(name, "params.", 7);
            for (size_t k = 0; k < sizeof OWN / sizeof *OWN; k++)
                taken |= !strcmp(name, OWN[k]);
            char *col = taken ? malloc(strlen(name) + 8) : NULL;
            if (col != NULL)
                sprintf(col, "params.%s", name);
            fputc(',', f);
            csv_field(f, col ? col : name); /* out of memory: the name as it is */
            free(col);
        }
        for (size_t i = 0; i < cols->n; i++) {
            char name[80];
            snprintf(name, sizeof name, "metrics.%s", cols->name[i]);
            fputc(',', f);
            csv_field(f, name);
        }
        fprintf(f, ",seconds,reason%s\n", attrs ? ",user_attrs" : "");
    }
}

/* A trial's line up to its parameters. The table shows a pruned trial's last intermediate value
 * (its step in the note) and no value for a trial that has none. */
static void write_start(FILE *f, out_kind k, const gpbo_study *st, const gpbo_trial_info *ti)
{
    size_t nobj = gpbo_study_nobjectives(st);
    if (k == OUT_TABLE && nobj > 1) {
        double y[GPBO_MAX_OBJECTIVES];
        gpbo_study_trial_objectives(st, ti->id, y); /* NaN where it has none */
        gpbo_error_clear();
        fprintf(f, "%6zu  %-11s", ti->id, cli_state_listed(st, ti));
        for (size_t j = 0; j < nobj; j++) {
            char buf[32] = "-";
            if (isfinite(y[j]))
                snprintf(buf, sizeof buf, "%.6g", y[j]);
            fprintf(f, "  %14s", buf);
        }
        return;
    }
    if (k == OUT_TABLE) {
        double v = ti->value;
        if (ti->state == GPBO_TRIAL_PRUNED && ti->nsteps > 0)
            v = ti->step_values[ti->nsteps - 1];
        char buf[32] = "-";
        if (isfinite(v))
            snprintf(buf, sizeof buf, "%.6g", v);
        /* the table also names enqueued trials that no worker has taken yet */
        fprintf(f, "%6zu  %-11s  %14s", ti->id, cli_state_listed(st, ti), buf);
        return;
    }
    if (k == OUT_JSON)
        fprintf(f, "  {\"trial\": %zu, \"state\": \"%s\", \"value\": ", ti->id,
                cli_state_listed(st, ti));
    else
        fprintf(f, "%zu,%s,", ti->id, cli_state_listed(st, ti));
    write_number(f, k, ti->value);
    int feasible = gpbo_study_trial_feasible(st, ti->id);
    if (constrained(st) && k == OUT_JSON)
        fprintf(f, ", \"feasible\": %s", feasible ? "true" : "false");
    else if (constrained(st))
        fprintf(f, ",%d", feasible);
    if (k == OUT_JSON)
        fprintf(f, ", \"params\": {");
}

/* Parameter i of a trial. */
static void write_param(FILE *f, out_kind k, const sweep *sw, const gpbo_space *sp, size_t i,
                        double v)
{
    char buf[256];
    /* NaN: reserved by a worker that is still proposing it */
    int none = isnan(v), string = 0;
    if (none)
        snprintf(buf, sizeof buf, "%s", k == OUT_TABLE ? "-" : "");
    else if (k == OUT_TABLE)
        cli_format_value(sw, sp, i, v, buf, sizeof buf);
    else
        string = cli_param_text(sw, sp, i, v, buf, sizeof buf);
    if (k == OUT_JSON) {
        fprintf(f, "%s", i ? ", " : "");
        json_str(f, gpbo_space_name(sp, i));
        fprintf(f, ": ");
        if (none)
            fprintf(f, "null");
        else if (string)
            json_str(f, buf);
        else
            fputs(json_numeral(buf), f);
    } else if (k == OUT_TABLE) {
        fprintf(f, "  %14s", buf);
    } else {
        fputc(',', f);
        csv_field(f, buf);
    }
}

/* The table's note of a complete trial that breaks a constraint: the first one it breaks. */
void cli_infeasible_note(const gpbo_study *st, size_t id, char *buf, size_t cap)
{
    const gpbo_study_options *o = gpbo_study_get_options(st);
    for (size_t k = 0; k < o->n_constraints; k++) {
        const gpbo_constraint *c = &o->constraints[k];
        double v = NAN;
        if (gpbo_study_trial_metric(st, id, c->name, &v) != GPBO_OK || isnan(v)) {
            /* a program's nan or word is not kept either (numbers and infinities are) */
            snprintf(buf, cap, "infeasible: no number for %s reported", c->name);
            return;
        }
        if (v < c->min || v > c->max) {
            snprintf(buf, cap, "infeasible: %s=%.6g %s %.6g", c->name, v, v < c->min ? "<" : ">",
                     v < c->min ? c->min : c->max);
            return;
        }
    }
    snprintf(buf, cap, "infeasible");
}

static void write_infeasible(FILE *f, const gpbo_study *st, size_t id)
{
    char buf[512];
    cli_infeasible_note(st, id, buf, sizeof buf);
    fprintf(f, "  %s\n", buf);
}

/* Whether `gpbo run` kept lost trial id's result on disk because the storage could not take it
 * (pending.c: <runs>/unstored/<execution folder>.json, or the in-flight copy of a killed run);
 * its path in out. The next run stores it: the trial does not run again. */
static int kept_result(const char *runs, size_t id, char *out, size_t cap)
{
    char dir[1200];
    struct stat sb;
    for (unsigned k = 1; runs != NULL && k < CLI_EXECUTIONS_MAX; k++) {
        if (cli_trial_dir(runs, id, k, dir, sizeof dir) != GPBO_OK || stat(dir, &sb) != 0)
            return 0;
        const char *base = strrchr(dir, '/') + 1;
        for (int inflight = 0; inflight < 2; inflight++) {
            int n = snprintf(out, cap, "%s/unstored/%s%s.json", runs, inflight ? ".inflight-" : "",
                             base);
            if (n > 0 && (size_t)n < cap && stat(out, &sb) == 0)
                return 1;
        }
    }
    return 0;
}

/* The table's note: why a trial failed, where one was pruned, how far a running one got (runs:
 * the trial folders, or NULL). */
static void write_note(FILE *f, const gpbo_study *st, const gpbo_trial_info *ti, const char *runs,
                       int front)
{
    long step = ti->nsteps > 0 ? ti->steps[ti->nsteps - 1] : 0;
    double last = ti->nsteps > 0 ? ti->step_values[ti->nsteps - 1] : NAN;
    char kept[1400];
    if (ti->state == GPBO_TRIAL_PRUNED && ti->nsteps > 0)
        fprintf(f, "  pruned at step %ld (the value is that step's)\n", step);
    else if (ti->state == GPBO_TRIAL_RUNNING && gpbo_study_trial_lost(st, ti->id) &&
             kept_result(runs, ti->id, kept, sizeof kept))
        fprintf(f,
                "  ended, its result kept in %s: the next gpbo run stores it (the trial does "
                "not run again)\n",
                kept);
    else if (ti->state == GPBO_TRIAL_RUNNING && gpbo_study_trial_lost(st, ti->id) && ti->nsteps > 0)
        fprintf(f, "  stopped after step %ld; runs again on the next gpbo run\n", step);
    else if (ti->state == GPBO_TRIAL_RUNNING && gpbo_study_trial_lost(st, ti->id))
        fprintf(f, "  runs again on the next gpbo run\n");
    else if (ti->state == GPBO_TRIAL_RUNNING && ti->nsteps > 0)
        fprintf(f, "  step %ld: %.6g\n", step, last);
    else if (gpbo_study_trial_queued(st, ti->id))
        fprintf(f, "  enqueued: runs first on the next gpbo run\n");
    else if (ti->state == GPBO_TRIAL_COMPLETE && !gpbo_study_trial_feasible(st, ti->id))
        write_infeasible(f, st, ti->id);
    else if (front)
        fprintf(f, "  on the Pareto front\n");
    else { /* a program's stderr line: its colours and titles not sent to the terminal */
        char *shown = ti->reason ? gpbo_report_text(ti->reason) : NULL;
        fprintf(f, "  %s\n", shown ? shown : ti->reason ? ti->reason : "");
        free(shown);
    }
}

/* JSON: the intermediate values, [[step, value], ...]. */
static void write_steps_json(FILE *f, const gpbo_trial_info *ti)
{
    fprintf(f, ", \"intermediate\": [");
    for (size_t s = 0; s < ti->nsteps; s++) {
        fprintf(f, "%s[%ld, ", s ? ", " : "", ti->steps[s]);
        write_number(f, OUT_JSON, ti->step_values[s]);
        fputc(']', f);
    }
    fputc(']', f);
}

/* What trial id's program printed besides intermediate values: as stored with the trial, or,
 * for a trial stored without any (by a gpbo before storage schema 3), read back from its folder
 * under runs (NULL: not known here). */
static void trial_metrics(const gpbo_study *st, const char *runs, size_t id, cli_metrics *m)
{
    size_t n = 0;
    const char *const *names = NULL;
    const double *values = NULL;
    m->n = 0;
    if (gpbo_study_trial_metrics(st, id, &n, &names, &values) == GPBO_OK && n > 0) {
        for (size_t i = 0; i < n && m->n < CLI_METRICS_MAX; i++) {
            if (strlen(names[i]) >= sizeof m->name[0])
                continue;
            snprintf(m->name[m->n], sizeof m->name[0], "%s", names[i]);
            m->value[m->n++] = values[i];
        }
    } else if (runs != NULL) {
        cli_trial_metrics(runs, id, m);
    }
}

/* A metric for CSV and JSON: write_number's, but an infinity as inf or -inf (a JSON string,
 * which gpbo import reads back: it was left out, and an imported constraint metric of -inf, which
 * holds under any max, came back as none and made its trial infeasible). */
static void write_metric(FILE *f, out_kind k, double v)
{
    if (isinf(v))
        fputs(k == OUT_JSON ? (v > 0 ? "\"inf\"" : "\"-inf\"") : (v > 0 ? "inf" : "-inf"), f);
    else
        write_number(f, k, v);
}

/* JSON: a trial's other metrics, {"name": value, ...} (null for NaN, "inf" and "-inf" for
 * infinities); {} when there is none. */
static void write_metrics_json(FILE *f, const cli_metrics *m)
{
    fprintf(f, ", \"metrics\": {");
    for (size_t i = 0; i < m->n; i++) {
        fprintf(f, "%s", i ? ", " : "");
        json_str(f, m->name[i]);
        fprintf(f, ": ");
        write_metric(f, OUT_JSON, m->value[i]);
    }
    fputc('}', f);
}

/* CSV: the trial's value of each metric column (empty where it has none). */
static void write_metrics_csv(FILE *f, const cli_metrics *cols, const cli_metrics *m)
{
    for (size_t c = 0; c < cols->n; c++) {
        size_t i = 0;
        while (i < m->n && strcmp(m->name[i], cols->name[c]) != 0)
            i++;
        fputc(',', f);
        if (i < m->n)
            write_metric(f, OUT_CSV, m->value[i]);
    }
}

/* A trial's line after its parameters: its seconds and its reason (last: no comma in JSON). */
static void write_end(FILE *f, out_kind k, const gpbo_study *st, const gpbo_trial_info *ti,
                      const char *runs, const cli_metrics *cols, int attrs, int last, int front)
{
    const char *ua = NULL;
    user_attrs(st, ti->id, &ua);
    cli_metrics m = {.n = 0};
    if (k != OUT_TABLE)
        trial_metrics(st, runs, ti->id, &m);
    double secs = ti->finished > 0 ? ti->finished - ti->started : NAN;
    if (k == OUT_JSON) {
        fprintf(f, "}, \"seconds\": ");
        if (isfinite(secs))
            fprintf(f, "%.3f", secs);
        else
            fprintf(f, "null");
        write_steps_json(f, ti);
        write_metrics_json(f, &m);
        /* the study's JSON object, as gpbo_study_set_user_attr made it (compact, UTF-8) */
        fprintf(f, ", \"user_attrs\": %s", ua ? ua : "{}");
        fprintf(f, ", \"reason\": ");
        if (ti->reason)
            json_str(f, ti->reason);
        else
            fprintf(f, "null");
        fprintf(f, "}%s\n", last ? "" : ",");
    } else if (k == OUT_TABLE) {
        write_note(f, st, ti, runs, front);
    } else {
        write_metrics_csv(f, cols, &m);
        fprintf(f, ",");
        if (isfinite(secs))
            fprintf(f, "%.3f", secs);
        fputc(',', f);
        if (ti->reason)
            csv_field(f, ti->reason);
        if (attrs) { /* the JSON object in one cell; empty for a trial without any */
            fputc(',', f);
            if (ua)
                csv_field(f, ua);
        }
        fputc('\n', f);
    }
}

/* `gpbo export --steps` (CSV): one row per intermediate value. */
static void write_steps_csv(FILE *f, gpbo_study *st)
{
    fprintf(f, "trial,state,step,value\n");
    for (size_t t = 0; t < gpbo_study_ntrials(st); t++) {
        gpbo_trial_info ti;
        gpbo_study_trial(st, t, &ti);
        for (size_t s = 0; s < ti.nsteps; s++) {
            fprintf(f, "%zu,%s,%ld,", ti.id, cli_state_listed(st, &ti), ti.steps[s]);
            write_number(f, OUT_CSV, ti.step_values[s]);
            fputc('\n', f);
        }
    }
}

/* `gpbo trials` (a table) and `gpbo export` (CSV or JSON; steps: the CSV of the intermediate
 * values; runs: the trial folders, or NULL): every trial, to outp or stdout. Returns the exit
 * status. */
static int show_trials(out_kind k, int steps, const char *outp, const sweep *sw, gpbo_study *st,
                       const char *runs)
{
    if (outp && !strcmp(outp, "-")) /* "-": standard output, as for most commands */
        outp = NULL;
    FILE *f = outp ? fopen(outp, "w") : stdout;
    if (f == NULL) {
        fprintf(stderr, "gpbo: %s: cannot write: %s\n", outp, strerror(errno));
        return 1;
    }
    const gpbo_space *sp = gpbo_study_space(st);
    size_t np = gpbo_space_size(sp), n = gpbo_study_ntrials(st);
    cli_metrics cols = {.n = 0}; /* CSV: a column for each metric any trial has */
    int attrs = 0;               /* CSV: a user_attrs column, when any trial has some */
    for (size_t t = 0; k == OUT_CSV && !steps && t < n; t++) {
        cli_metrics m;
        const char *ua;
        trial_metrics(st, runs, t, &m);
        for (size_t i = 0; i < m.n; i++)
            cli_metrics_set(&cols, m.name[i], strlen(m.name[i]), 0);
        attrs |= user_attrs(st, t, &ua);
    }
    if (steps && k == OUT_CSV) {
        write_steps_csv(f, st);
        n = 0; /* no trial rows */
    } else {
        write_header(f, k, st, &cols, attrs);
    }
    /* the table notes the Pareto front's trials of a study of several objectives */
    size_t *front = NULL, nf = 0, fi = 0;
    if (k == OUT_TABLE && gpbo_study_nobjectives(st) > 1 &&
        (front = malloc((n ? n : 1) * sizeof *front)) != NULL &&
        gpbo_study_pareto(st, front, n, &nf) != GPBO_OK)
        nf = 0;
    for (size_t t = 0; t < n; t++) {
        gpbo_trial_info ti;
        gpbo_study_trial(st, t, &ti);
        write_start(f, k, st, &ti);
        for (size_t i = 0; i < np; i++)
            write_param(f, k, sw, sp, i, ti.values[i]);
        while (fi < nf && front[fi] < t)
            fi++;
        write_end(f, k, st, &ti, runs, &cols, attrs, t + 1 == n, fi < nf && front[fi] == t);
    }
    free(front);
    if (k == OUT_JSON)
        fprintf(f, "]\n");
    if (outp == NULL) /* main checks standard output once the command ends */
        return 0;
    /* a full disk: the file is cut short, so the export failed */
    int bad = ferror(f);
    errno = 0;
    bad |= fclose(f) != 0;
    if (bad) {
        int err = errno;
        fprintf(stderr, "gpbo: %s: cannot write%s%s\n", outp, err ? ": " : "",
                err ? strerror(err) : "");
        return 1;
    }
    return 0;
}

/* `gpbo studies`: one line per study of the storage (a study that cannot be opened says why).
 * Returns the exit status: 0 once the storage's list is read. */
static int show_studies(const char *storage)
{
    char **names = NULL;
    size_t n = 0, w = 5;
    int rc = gpbo_study_list(storage, &names, &n);
    if (rc != GPBO_OK) {
        fprintf(stderr, "gpbo studies: %s\n", gpbo_error_message());
        return rc == GPBO_EINVAL ? 2 : 1;
    }
    for (size_t i = 0; i < n; i++)
        w = strlen(names[i]) > w ? strlen(names[i]) : w;
    printf("%-*s  %6s  %8s  %6s  %6s  %7s  %6s  %11s  %14s  %s\n", (int)w, "study", "trials",
           "complete", "failed", "pruned", "running", "queued", "interrupted", "best", "direction");
    for (size_t i = 0; i < n; i++) {
        gpbo_study *st = gpbo_study_open(storage, names[i], NULL, NULL);
        if (st == NULL) { /* listed all the same: the listing is what was asked */
            printf("%-*s  (cannot open it: %s)\n", (int)w, names[i], gpbo_error_message());
            continue;
        }
        size_t c[GPBO_TRIAL_STATE_COUNT];
        gpbo_study_counts(st, c);
        gpbo_trial_info b;
        char best[32] = "-", dirs[GPBO_MAX_OBJECTIVES * 80] = "";
        size_t k = gpbo_study_nobjectives(st), nf = 0;
        if (k >= 2) {
            /* several objectives: the front's size and every objective's goal (the first
             * objective's best and its goal alone read as a study of one) */
            size_t *ids = malloc((gpbo_study_ntrials(st) + 1) * sizeof *ids);
            if (ids && gpbo_study_pareto(st, ids, gpbo_study_ntrials(st), &nf) == GPBO_OK && nf)
                snprintf(best, sizeof best, "%zu on front", nf);
            free(ids);
            for (size_t j = 0, at = 0; j < k && at < sizeof dirs; j++)
                at += (size_t)snprintf(dirs + at, sizeof dirs - at, "%s%s %.60s", j ? ", " : "",
                                       gpbo_study_objective_direction(st, j) == GPBO_MAXIMIZE
                                           ? "maximize"
                                           : "minimize",
                                       gpbo_study_objective_name(st, j));
        } else if (gpbo_study_best(st, &b) == GPBO_OK) {
            snprintf(best, sizeof best, "%.10g", b.value);
        }
        /* of the running ones: lost (their worker gone: they run again on the next gpbo run)
         * and queued (enqueued, no worker took them yet: they were counted as running) */
        size_t lost = 0, queued = 0;
        for (size_t t = 0; t < gpbo_study_ntrials(st); t++) {
            int q = gpbo_study_trial_queued(st, t);
            queued += (size_t)q;
            lost += !q && gpbo_study_trial_lost(st, t);
        }
        printf("%-*s  %6zu  %8zu  %6zu  %6zu  %7zu  %6zu  %11zu  %14s  %s\n", (int)w, names[i],
               gpbo_study_ntrials(st), c[GPBO_TRIAL_COMPLETE], c[GPBO_TRIAL_FAILED],
               c[GPBO_TRIAL_PRUNED], c[GPBO_TRIAL_RUNNING] - lost - queued, queued, lost, best,
               k >= 2                                      ? dirs
               : gpbo_study_direction(st) == GPBO_MAXIMIZE ? "maximize"
                                                           : "minimize");
        gpbo_study_close(st);
    }
    if (n == 0)
        printf("(no study in %s)\n", storage);
    gpbo_free(names);
    return 0;
}

/* The study's trial folders (in runs, cap bytes), where `gpbo run` made them; NULL when they
 * cannot be known here (a server's study read without its sweep file). */
static const char *runs_of(const sweep *sw, const gpbo_study *st, const char *storage, char *runs,
                           size_t cap)
{
    char db[1200];
    const char *name = gpbo_study_name(st);
    if (storage == NULL && sw != NULL) /* the sweep's default database */
        storage = cli_study_file(db, sizeof db, sw->dir, name, ".db") == GPBO_OK ? db : NULL;
    if (storage == NULL || cli_runs_dir(sw ? sw->dir : NULL, name, storage, runs, cap) != GPBO_OK)
        return NULL;
    return runs;
}

/* The study's trial folders moved aside after it was deleted: a study made anew under its name
 * would have taken them for its trials' earlier executions (trial 0's GPBO_PREVIOUS_TRIAL_DIR
 * the deleted study's). A folder of the study's alone is moved (cli_runs_alone: a server's
 * <study>.runs, an SQLite file's <db>.<study>.runs, or its <db>.runs when the owner file names
 * the study); <db>.runs without an owner file (an older gpbo's, every study of the file used it)
 * only when the file holds no other study now. Prints what became of them. */
static void put_aside_runs(const sweep *sw, const char *storage, const char *name)
{
    char runs[1200], aside[1300], **names = NULL;
    struct stat sb;
    if (cli_runs_dir(sw ? sw->dir : NULL, name, storage, runs, sizeof runs) != GPBO_OK ||
        stat(runs, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return;
    size_t others = 0;
    if (!cli_runs_alone(storage, name, runs) &&
        gpbo_study_list(storage, &names, &others) != GPBO_OK)
        others = 1; /* cannot tell: left */
    gpbo_free(names);
    if (others > 0) {
        printf("its trial folders are left in %s (made by an older gpbo, they hold the "
               "storage's other studies' too)\n",
               runs);
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", localtime_r(&now, &tm));
    snprintf(aside, sizeof aside, "%s.deleted-%s", runs, stamp);
    if (rename(runs, aside) == 0)
        printf("its trial folders were moved to %s\n", aside);
    else
        fprintf(stderr, "gpbo delete: %s: cannot move it aside: %s (left as it is)\n", runs,
                strerror(errno));
}

/* `gpbo delete`: the study named by the sweep file or --study leaves its storage. */
static int delete_study(const cli_args *a)
{
    sweep *sw = NULL;
    const char *storage = a->storage, *name = a->study;
    char db[1200];
    if (sweep_names("delete", a->path, &sw, &storage, &name, db, sizeof db) != 0)
        return 2;
    if (storage == NULL || name == NULL) {
        fprintf(stderr, "gpbo delete: give a sweep file, or --storage and --study (a study is "
                        "deleted only by its name)\n");
        sweep_free(sw);
        return 2;
    }
    size_t n = 0;
    int rc = gpbo_study_delete(storage, name, &n), status = 0;
    if (rc == GPBO_OK) {
        printf("deleted study '%s' (%zu trial%s) from %s\n", name, n, n == 1 ? "" : "s", storage);
        put_aside_runs(sw, storage, name);
    } else if (rc == GPBO_ENOTFOUND) { /* no such study (2), or no such file (1, as best's) */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", gpbo_error_message());
        if ((status = missing_study("delete", storage, name)) != 2)
            fprintf(stderr, "gpbo delete: %s\n", msg);
    } else {
        fprintf(stderr, "gpbo delete: %s\n", gpbo_error_message());
        status = rc == GPBO_EINVAL || rc == GPBO_ENOTFOUND ? 2 : 1;
    }
    sweep_free(sw);
    return status;
}

int cmd_show(const char *what, int argc, char **argv)
{
    cli_args a = {.format = "csv"};
    if (cli_parse(what, argc, argv, &a) != 0)
        return 2;
    if (strcmp(a.format, "csv") && strcmp(a.format, "json")) {
        fprintf(stderr, "gpbo export: unknown format '%s' (csv or json)\n", a.format);
        return 2;
    }
    if (!strcmp(what, "studies")) {
        if (a.storage == NULL) {
            fprintf(stderr, "gpbo studies: give --storage URL\n");
            return 2;
        }
        return show_studies(a.storage);
    }
    if (!strcmp(what, "delete"))
        return delete_study(&a);
    int by_model = cli_by_model(what, a.by);
    if (by_model < 0)
        return 2;
    sweep *sw = NULL;
    gpbo_study *st = NULL;
    int status = cli_open_study(what, a.path, a.storage, a.study, &sw, &st);
    if (status != 0)
        return status;
    char runs[1200];
    if (!strcmp(what, "best"))
        status = show_best(sw, st, by_model);
    else if (!strcmp(what, "trials"))
        status =
            show_trials(OUT_TABLE, 0, a.out, sw, st, runs_of(sw, st, a.storage, runs, sizeof runs));
    else /* export */
        status = show_trials(!strcmp(a.format, "json") ? OUT_JSON : OUT_CSV, a.steps, a.out, sw, st,
                             runs_of(sw, st, a.storage, runs, sizeof runs));
    gpbo_study_close(st);
    sweep_free(sw);
    return status;
}
