/*
 * trial_files.c: where `gpbo run` keeps each trial's folder (its stdout and stderr), and what a
 * trial's program printed besides its intermediate values: every name=value (or JSON member) of
 * its lines without a step (a trainer's test accuracy, an F1, the epochs run). `gpbo run`
 * collects them as the lines arrive and stores them with the trial (gpbo_study_set_metrics);
 * for a trial stored without them (by a gpbo before storage schema 3) `gpbo export` reads them
 * back from its folder, on the machine that ran it.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "gpbo/sys/error.h"

int cli_runs_dir(const char *sweep_dir, const char *name, const char *storage, char *out,
                 size_t cap)
{
    /* next to the database: <db without .db>.runs; for a server's database (each machine its
     * own), next to the sweep: <study>.runs */
    if (strstr(storage, "://") != NULL && strncmp(storage, "sqlite:///", 10) != 0) {
        if (sweep_dir == NULL)
            return gpbo_error_set(GPBO_ENOTFOUND,
                                  "%s: the trial folders are next to the sweep "
                                  "file",
                                  storage);
        return cli_study_file(out, cap, sweep_dir, name, ".runs");
    }
    const char *db = !strncmp(storage, "sqlite:///", 10) ? storage + 10 : storage;
    size_t l = strlen(db);
    if (l > 3 && !strcmp(db + l - 3, ".db"))
        l -= 3;
    if ((size_t)snprintf(out, cap, "%.*s.runs", (int)l, db) >= cap)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", db);
    return GPBO_OK;
}

int cli_trial_dir(const char *runs, size_t id, unsigned k, char *out, size_t cap)
{
    int n = k == 1 ? snprintf(out, cap, "%s/trial-%06zu", runs, id)
                   : snprintf(out, cap, "%s/trial-%06zu.%u", runs, id, k);
    if (n < 0 || (size_t)n >= cap)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", runs);
    return GPBO_OK;
}

int cli_last_trial_dir(const char *runs, size_t id, char *out, size_t cap)
{
    struct stat sb;
    unsigned k = 1;
    while (k < CLI_EXECUTIONS_MAX && cli_trial_dir(runs, id, k + 1, out, cap) == GPBO_OK &&
           stat(out, &sb) == 0)
        k++;
    return cli_trial_dir(runs, id, k, out, cap);
}

void cli_metrics_set(cli_metrics *m, const char *name, size_t len, double v)
{
    if (len == 0 || len >= sizeof m->name[0])
        return;
    size_t i = 0;
    while (i < m->n && (strlen(m->name[i]) != len || memcmp(m->name[i], name, len) != 0))
        i++;
    if (i == m->n) {
        if (m->n == CLI_METRICS_MAX)
            return;
        memcpy(m->name[m->n], name, len);
        m->name[m->n++][len] = '\0';
    }
    m->value[i] = v;
}

/* A JSON object line: its numeric members, unless it has a step (an intermediate value). */
static void json_line(cli_metrics *m, const char *line)
{
    json_t *o = json_loads(line, JSON_DECODE_ANY, NULL);
    const char *key;
    json_t *v;
    if (json_is_object(o) && json_object_get(o, "step") == NULL) {
        json_object_foreach(o, key, v)
        {
            if (json_is_number(v))
                cli_metrics_set(m, key, strlen(key), json_number_value(v));
        }
    }
    json_decref(o);
}

/* Calls fn for each name=value token of a line (blanks or commas between them) whose value is a
 * finite number; returns 1 as soon as fn does. */
static int tokens(const char *p, int (*fn)(cli_metrics *m, const char *name, size_t len, double v),
                  cli_metrics *m)
{
    while (*p) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, " \t,");
        const char *eq = memchr(p, '=', len);
        char num[64], *end;
        size_t vl = eq ? len - (size_t)(eq + 1 - p) : 0;
        if (eq && vl > 0 && vl < sizeof num) {
            memcpy(num, eq + 1, vl);
            num[vl] = '\0';
            double v = strtod(num, &end);
            if (*end == '\0' && isfinite(v) && fn(m, p, (size_t)(eq - p), v))
                return 1;
        }
        p += len;
    }
    return 0;
}

static int is_step(cli_metrics *m, const char *name, size_t len, double v)
{
    (void)m;
    (void)v;
    return len == 4 && !memcmp(name, "step", 4);
}

static int take(cli_metrics *m, const char *name, size_t len, double v)
{
    cli_metrics_set(m, name, len, v);
    return 0;
}

void cli_line_metrics(const char *line, cli_metrics *m)
{
    const char *p = line + strspn(line, " \t");
    /* lines with a step are intermediate values (the storage's); the others are final */
    if (*p == '{')
        json_line(m, p);
    else if (!tokens(p, is_step, m))
        tokens(p, take, m);
}

int cli_trial_metrics(const char *runs, size_t id, cli_metrics *m)
{
    char dir[1200], path[1300];
    m->n = 0;
    if (cli_last_trial_dir(runs, id, dir, sizeof dir) != GPBO_OK)
        return GPBO_EINVAL;
    snprintf(path, sizeof path, "%s/stdout", dir);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return GPBO_ENOTFOUND;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        line[strcspn(line, "\r\n")] = '\0';
        cli_line_metrics(line, m);
    }
    free(line);
    fclose(f);
    return GPBO_OK;
}
