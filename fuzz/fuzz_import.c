/*
 * fuzz_import.c: libFuzzer harness for the reader of `gpbo import` (cli/import_parse.c). The
 * first byte chooses the sweep (bit 0: one objective or two) and the format (bit 1: CSV, else
 * JSON); the rest is the file. Any input must either fail with one line that starts with the
 * file's name and a colon, leaving no rows, or give rows that keep import_parse.h's promises:
 * complete or failed, parameters inside the space (inactive ones NaN and only they), a complete
 * row's values finite — and every row is added by gpbo_study_add_trial to an in-memory study of
 * the sweep, as `gpbo import` adds it. Anything else — a sanitizer report, a broken promise
 * (abort), or an input slower than libFuzzer's -timeout — is a bug.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/import_parse.h"
#include "cli/sweep.h"
#include "gpbo/error.h"
#include "gpbo/search.h"

#define FUZZ_HARNESS "fuzz_import"
#include "fuzz_util.h"

#define NAME "fuzz-import.csv"

static const char *const SWEEPS[2] = {
    "name: one\n"
    "method: random\n"
    "run_cap: 100\n"
    "metric: {name: loss, goal: minimize}\n"
    "constraints: [{name: mem, max: 100}]\n"
    "parameters:\n"
    "  lr: {distribution: log_uniform_values, min: 0.0001, max: 0.1}\n"
    "  units: {distribution: int_uniform, min: 16, max: 512}\n"
    "  step: {distribution: q_uniform, min: 0, max: 1, q: 0.25}\n"
    "  act: {values: [relu, tanh, '0.5']}\n"
    "  momentum: {min: 0.5, max: 0.99, when: {act: tanh}}\n"
    "  seed: {value: 3}\n"
    "command: [\"true\"]\n",
    "name: two\n"
    "method: random\n"
    "run_cap: 100\n"
    "metrics: [{name: loss, goal: minimize}, {name: acc, goal: maximize}]\n"
    "parameters:\n"
    "  x: {min: -4.0, max: 4.0}\n"
    "  opt: {values: [adam, sgd]}\n"
    "  mom: {min: 0.0, max: 1.0, when: {opt: sgd}}\n"
    "command: [\"true\"]\n"};

static sweep *sw[2];
static gpbo_space *sp[2];

/* The sweeps, from files of a folder of their own (sweep_load_results reads a path). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[] = "/tmp/fuzz-import-XXXXXX";
    if (mkdtemp(dir) == NULL)
        broken("mkdtemp", "");
    for (int k = 0; k < 2; k++) {
        char path[64];
        snprintf(path, sizeof path, "%s/s%d.yaml", dir, k);
        FILE *f = fopen(path, "w");
        if (f == NULL || fputs(SWEEPS[k], f) < 0 || fclose(f) != 0)
            broken("writing the sweep", path);
        if ((sw[k] = sweep_load_results(path)) == NULL || (sp[k] = sweep_space(sw[k])) == NULL)
            broken("the harness's sweep does not load", gpbo_error_message());
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

static void check_rows(int k, const import_set *rows)
{
    const gpbo_space *s = sp[k];
    size_t np = gpbo_space_size(s), d = gpbo_space_dim(s);
    size_t nobj = sw[k]->nobjectives < 2 ? 1 : sw[k]->nobjectives;
    double *u = malloc((d ? d : 1) * sizeof *u);
    gpbo_study *st = gpbo_study_open(NULL, "fuzz", s, &sw[k]->study);
    if (u == NULL || st == NULL)
        broken("the in-memory study", gpbo_error_message());
    for (size_t i = 0; i < rows->n; i++) {
        const import_row *r = &rows->rows[i];
        if (r->state != GPBO_TRIAL_COMPLETE && r->state != GPBO_TRIAL_FAILED)
            broken("a row neither complete nor failed", "");
        if (gpbo_space_encode(s, r->params, u) != GPBO_OK)
            broken("a row outside the space", gpbo_error_message());
        for (size_t p = 0; p < np; p++)
            if (isnan(r->params[p]) != !gpbo_space_active(s, r->params, p))
                broken("a value's activity disagrees with its conditions", "");
        for (size_t j = 0; r->state == GPBO_TRIAL_COMPLETE && j < nobj; j++)
            if (!isfinite(r->values[j]))
                broken("a complete row without a finite value", "");
        gpbo_trial_result res = GPBO_TRIAL_RESULT_INIT;
        res.state = r->state;
        res.values = r->values;
        res.reason = r->reason;
        res.n_metrics = r->nmetrics;
        res.metric_names = (const char *const *)r->mnames;
        res.metric_values = r->mvalues;
        if (gpbo_study_add_trial(st, r->params, &res, SIZE_MAX, NULL) != GPBO_OK)
            broken("a row the study does not add", gpbo_error_message());
    }
    if (gpbo_study_ntrials(st) != rows->n)
        broken("the study does not hold every row", "");
    gpbo_study_close(st);
    free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int k = data[0] & 1;
    import_format f = data[0] & 2 ? IMPORT_CSV : IMPORT_JSON;
    import_set rows;
    int rc = import_parse(sw[k], sp[k], NAME, (const char *)data + 1, size - 1, f, &rows);
    if (rc != GPBO_OK) {
        const char *m = gpbo_error_message();
        if (m == NULL || strchr(m, '\n') != NULL)
            broken("the message is not one line", m);
        if (strcmp(m, "out of memory") != 0 && strncmp(m, NAME ":", strlen(NAME) + 1) != 0)
            broken("the message does not name the file", m);
        if (rows.n != 0 || rows.rows != NULL)
            broken("a failure left rows", m);
        return 0;
    }
    check_rows(k, &rows);
    import_set_free(&rows);
    return 0;
}
