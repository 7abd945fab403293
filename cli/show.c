/*
 * show.c: `gpbo best`, `gpbo trials` and `gpbo export` — reading a study back, from its sweep
 * file (the default storage next to it) or from --storage and --study.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gpbo/sys/error.h"

static const char *const STATE[] = {"running", "complete", "failed", "pruned"};

const char *cli_state_name(gpbo_trial_state state)
{
    return STATE[state];
}

void cli_format_value(const sweep *sw, const gpbo_space *sp, size_t i, double v, char *buf,
                      size_t cap)
{
    if (sw)
        sweep_format(sw, sp, i, v, buf, cap);
    else
        gpbo_space_format(sp, i, v, buf, cap);
}

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n") == NULL) {
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

int cli_file_stem(char *out, size_t cap, const char *name)
{
    size_t n = 0, max = cap - 1 < CLI_STEM_MAX ? cap - 1 : CLI_STEM_MAX;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || (c == '.' && p != name);
        if (n + (keep ? 1 : 3) > max)
            return gpbo_error_set(GPBO_EINVAL,
                                  "the study name is too long to name a file (over %zu bytes "
                                  "encoded)",
                                  max);
        if (keep)
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, 4, "%%%02X", c);
    }
    out[n] = '\0';
    if (n == 0)
        return gpbo_error_set(GPBO_EINVAL, "the study name is empty");
    return GPBO_OK;
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

int cli_open_study(const char *cmd, const char *path, const char *storage, const char *name,
                   sweep **out_sw, gpbo_study **out_st)
{
    sweep *sw = NULL;
    char db[1200];
    *out_sw = NULL;
    *out_st = NULL;
    if (path != NULL) {
        if ((sw = sweep_load_results(path)) == NULL) {
            fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
            return 2;
        }
        if (name == NULL)
            name = sw->name;
        /* the file `gpbo run` made for this name (--study included) */
        if (storage == NULL) {
            if (cli_study_file(db, sizeof db, sw->dir, name, ".db") != GPBO_OK) {
                fprintf(stderr, "gpbo %s: %s\n", cmd, gpbo_error_message());
                sweep_free(sw);
                return 2;
            }
            storage = db;
        }
    }
    if (storage == NULL || name == NULL) {
        fprintf(stderr, "gpbo %s: give a sweep file, or --storage and --study\n", cmd);
        sweep_free(sw);
        return 2;
    }
    gpbo_study *st = gpbo_study_open(storage, name, NULL, NULL);
    if (st == NULL) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        sweep_free(sw);
        return 1;
    }
    *out_sw = sw;
    *out_st = st;
    return 0;
}

/* How `gpbo trials` and `gpbo export` write the trials. */
typedef enum { OUT_CSV, OUT_JSON, OUT_TABLE } out_kind;

/* The arguments of `gpbo WHAT`: 0, or 2 after the usage line or an unknown format. */
static int parse_args(const char *what, int argc, char **argv, const char **path,
                      const char **storage, const char **name, const char **format,
                      const char **outp)
{
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] != '-' && *path == NULL) {
            *path = argv[i];
        } else if (i + 1 < argc && !strcmp(argv[i], "--storage")) {
            *storage = argv[++i];
        } else if (i + 1 < argc && !strcmp(argv[i], "--study")) {
            *name = argv[++i];
        } else if (i + 1 < argc && !strcmp(argv[i], "--format")) {
            *format = argv[++i];
        } else if (i + 1 < argc && !strcmp(argv[i], "-o")) {
            *outp = argv[++i];
        } else {
            fprintf(stderr, "usage: gpbo %s [SWEEP.yaml] [--storage URL] [--study NAME]%s\n", what,
                    strcmp(what, "export") ? "" : " [--format csv|json] [-o FILE]");
            return 2;
        }
    }
    if (strcmp(*format, "csv") && strcmp(*format, "json")) {
        fprintf(stderr, "gpbo export: unknown format '%s' (csv or json)\n", *format);
        return 2;
    }
    return 0;
}

/* `gpbo best`: the best trial as name=value lines. Returns the exit status. */
static int show_best(const sweep *sw, gpbo_study *st)
{
    const gpbo_space *sp = gpbo_study_space(st);
    gpbo_trial_info b;
    if (gpbo_study_best(st, &b) != GPBO_OK) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 1;
    }
    printf("trial=%zu\nvalue=%.10g\n", b.id, b.value);
    for (size_t i = 0; i < gpbo_space_size(sp); i++) {
        char buf[256];
        cli_format_value(sw, sp, i, b.values[i], buf, sizeof buf);
        printf("%s=%s\n", gpbo_space_name(sp, i), buf);
    }
    return 0;
}

static void write_header(FILE *f, out_kind k, const gpbo_space *sp)
{
    size_t np = gpbo_space_size(sp);
    if (k == OUT_JSON) {
        fprintf(f, "[\n");
    } else if (k == OUT_TABLE) {
        fprintf(f, "%6s  %-8s  %14s", "trial", "state", "value");
        for (size_t i = 0; i < np; i++)
            fprintf(f, "  %14s", gpbo_space_name(sp, i));
        fprintf(f, "  %s\n", "note");
    } else {
        fprintf(f, "trial,state,value");
        for (size_t i = 0; i < np; i++) {
            fputc(',', f);
            csv_field(f, gpbo_space_name(sp, i));
        }
        fprintf(f, ",seconds,reason\n");
    }
}

/* A trial's line up to its parameters. */
static void write_start(FILE *f, out_kind k, const gpbo_trial_info *ti)
{
    if (k == OUT_JSON) {
        fprintf(f, "  {\"trial\": %zu, \"state\": \"%s\", \"value\": ", ti->id, STATE[ti->state]);
        if (isfinite(ti->value))
            fprintf(f, "%.17g", ti->value);
        else
            fprintf(f, "null");
        fprintf(f, ", \"params\": {");
    } else if (k == OUT_TABLE) {
        fprintf(f, "%6zu  %-8s  %14.6g", ti->id, STATE[ti->state], ti->value);
    } else {
        fprintf(f, "%zu,%s,", ti->id, STATE[ti->state]);
        if (isfinite(ti->value))
            fprintf(f, "%.17g", ti->value);
    }
}

/* Parameter i of a trial. */
static void write_param(FILE *f, out_kind k, const sweep *sw, const gpbo_space *sp, size_t i,
                        double v)
{
    char buf[256];
    /* NaN: reserved by a worker that is still proposing it */
    int none = isnan(v);
    if (none)
        snprintf(buf, sizeof buf, "%s", k == OUT_TABLE ? "-" : "");
    else
        cli_format_value(sw, sp, i, v, buf, sizeof buf);
    if (k == OUT_JSON) {
        fprintf(f, "%s", i ? ", " : "");
        json_str(f, gpbo_space_name(sp, i));
        fprintf(f, ": ");
        if (none)
            fprintf(f, "null");
        else
            json_str(f, buf);
    } else if (k == OUT_TABLE) {
        fprintf(f, "  %14s", buf);
    } else {
        fputc(',', f);
        csv_field(f, buf);
    }
}

/* A trial's line after its parameters: its seconds and its reason (last: no comma in JSON). */
static void write_end(FILE *f, out_kind k, const gpbo_trial_info *ti, int last)
{
    double secs = ti->finished > 0 ? ti->finished - ti->started : NAN;
    if (k == OUT_JSON) {
        fprintf(f, "}, \"seconds\": ");
        if (isfinite(secs))
            fprintf(f, "%.3f", secs);
        else
            fprintf(f, "null");
        fprintf(f, ", \"reason\": ");
        if (ti->reason)
            json_str(f, ti->reason);
        else
            fprintf(f, "null");
        fprintf(f, "}%s\n", last ? "" : ",");
    } else if (k == OUT_TABLE) {
        fprintf(f, "  %s\n", ti->reason ? ti->reason : "");
    } else {
        fprintf(f, ",");
        if (isfinite(secs))
            fprintf(f, "%.3f", secs);
        fputc(',', f);
        if (ti->reason)
            csv_field(f, ti->reason);
        fputc('\n', f);
    }
}

/* `gpbo trials` (a table) and `gpbo export` (CSV or JSON): every trial, to outp or stdout.
 * Returns the exit status. */
static int show_trials(out_kind k, const char *outp, const sweep *sw, gpbo_study *st)
{
    FILE *f = outp ? fopen(outp, "w") : stdout;
    if (f == NULL) {
        fprintf(stderr, "gpbo: %s: cannot write\n", outp);
        return 1;
    }
    const gpbo_space *sp = gpbo_study_space(st);
    size_t np = gpbo_space_size(sp), n = gpbo_study_ntrials(st);
    write_header(f, k, sp);
    for (size_t t = 0; t < n; t++) {
        gpbo_trial_info ti;
        gpbo_study_trial(st, t, &ti);
        write_start(f, k, &ti);
        for (size_t i = 0; i < np; i++)
            write_param(f, k, sw, sp, i, ti.values[i]);
        write_end(f, k, &ti, t + 1 == n);
    }
    if (k == OUT_JSON)
        fprintf(f, "]\n");
    if (outp)
        fclose(f);
    return 0;
}

int cmd_show(const char *what, int argc, char **argv)
{
    const char *path = NULL, *storage = NULL, *name = NULL, *format = "csv", *outp = NULL;
    if (parse_args(what, argc, argv, &path, &storage, &name, &format, &outp) != 0)
        return 2;
    sweep *sw = NULL;
    gpbo_study *st = NULL;
    int status = cli_open_study(what, path, storage, name, &sw, &st);
    if (status != 0)
        return status;
    if (!strcmp(what, "best"))
        status = show_best(sw, st);
    else if (!strcmp(what, "trials"))
        status = show_trials(OUT_TABLE, outp, sw, st);
    else /* export */
        status = show_trials(!strcmp(format, "json") ? OUT_JSON : OUT_CSV, outp, sw, st);
    gpbo_study_close(st);
    sweep_free(sw);
    return status;
}
