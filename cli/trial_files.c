/*
 * trial_files.c: where `gpbo run` keeps each trial's folder (its stdout and stderr), and the
 * other metrics read back from a folder's stdout (output_line.c's rule, line by line) for a
 * trial stored without them (by a gpbo before storage schema 3): `gpbo export` on the machine
 * that ran it.
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

int cli_storage_folder(const char *cmd, const char *storage)
{
    if (strstr(storage, "://") != NULL && strncmp(storage, "sqlite:///", 10) != 0)
        return 0; /* a server */
    const char *db = !strncmp(storage, "sqlite:///", 10) ? storage + 10 : storage;
    const char *slash = strrchr(db, '/');
    if (slash == NULL || slash == db)
        return 0;
    char dir[1200];
    struct stat sb;
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - db), db);
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
        return 0;
    fprintf(stderr, "gpbo %s: storage %s: the folder %s %s\n", cmd, storage, dir,
            stat(dir, &sb) == 0 ? "is not a folder" : "does not exist (make it first)");
    return 2;
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
