/*
 * fuzz_import.c: libFuzzer harness for the reader of `gpbo import` (cli/import_parse.c). The
 * first byte chooses the sweep (bit 0: one objective or two) and the format (bit 1: CSV, else
 * JSON); the rest is the file. With bit 2 the rest is instead the CSV of intermediate values
 * (`--steps`, import_parse_steps) of a fixed CSV file of the sweep (trials 0 to 3). Any input
 * must either fail with one line that starts with the file's name and a colon, leaving no rows
 * (no intermediate values for --steps), or give rows that keep import_parse.h's promises:
 * complete, failed or pruned, parameters inside the space (inactive ones NaN and only they), a
 * complete row's values finite, intermediate values at distinct steps >= 0 and finite, user
 * attributes each one JSON value — and every row is added by gpbo_study_add_trial to an
 * in-memory study of the sweep with its intermediate values and user attributes, as `gpbo
 * import` adds it. Anything else — a sanitizer report, a broken promise
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

#define NAME       "fuzz-import.csv"
#define STEPS_NAME "fuzz-steps.csv"

/* The rows --steps inputs are read against, for each sweep: trials 0 to 3 (1 failed, 3 pruned:
 * all four take intermediate values). */
static const char *const ROWS[2] = {
    "trial,state,value,lr,units,step,act,momentum,seed,metrics.mem\n"
    "0,complete,1.5,0.01,64,0.5,relu,,3,20\n"
    "1,failed,,0.02,64,0.5,tanh,0.7,3,\n"
    "2,complete,0.5,0.001,100,0.25,0.5,,3,90\n"
    "3,pruned,,0.001,100,0.25,relu,,3,\n",
    "trial,state,value,x,opt,mom,metrics.loss,metrics.acc\n"
    "0,complete,1,0.5,adam,,1,0.5\n"
    "1,failed,,0.25,sgd,0.5,,\n"
    "2,complete,2,-1,sgd,0.25,2,0.75\n"
    "3,pruned,,1,adam,,,\n"};

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
        if (r->state != GPBO_TRIAL_COMPLETE && r->state != GPBO_TRIAL_FAILED &&
            r->state != GPBO_TRIAL_PRUNED)
            broken("a row neither complete, failed nor pruned", "");
        if (gpbo_space_encode(s, r->params, u) != GPBO_OK)
            broken("a row outside the space", gpbo_error_message());
        for (size_t p = 0; p < np; p++)
            if (isnan(r->params[p]) != !gpbo_space_active(s, r->params, p))
                broken("a value's activity disagrees with its conditions", "");
        for (size_t j = 0; r->state == GPBO_TRIAL_COMPLETE && j < nobj; j++)
            if (!isfinite(r->values[j]))
                broken("a complete row without a finite value", "");
        for (size_t j = 0; j < r->nsteps; j++) {
            if (r->steps[j] < 0 || !isfinite(r->svalues[j]))
                broken("a step < 0 or a value not finite", "");
            for (size_t k = 0; k < j; k++)
                if (r->steps[k] == r->steps[j])
                    broken("a step given twice", "");
        }
        gpbo_trial_result res = import_row_result(r);
        size_t id = 0;
        gpbo_trial_info t;
        if (gpbo_study_add_trial(st, r->params, &res, SIZE_MAX, &id) != GPBO_OK)
            broken("a row the study does not add", gpbo_error_message());
        if (gpbo_study_trial(st, id, &t) != GPBO_OK || t.nsteps != r->nsteps)
            broken("the trial added lacks intermediate values", "");
        const char *attrs = NULL;
        if (gpbo_study_trial_user_attrs(st, id, &attrs) != GPBO_OK ||
            (r->nattrs > 0) != (attrs != NULL))
            broken("the trial added lacks user attributes", "");
    }
    if (gpbo_study_ntrials(st) != rows->n)
        broken("the study does not hold every row", "");
    gpbo_study_close(st);
    free(u);
}

/* The --steps file data (size bytes) for ROWS[k]: fails with one line naming it, every row
 * left without intermediate values, or keeps the promises. */
static void steps_input(int k, const uint8_t *data, size_t size)
{
    import_set rows;
    if (import_parse(sw[k], sp[k], NAME, ROWS[k], strlen(ROWS[k]), IMPORT_CSV, &rows) != GPBO_OK ||
        rows.n != 4)
        broken("the harness's rows do not load", gpbo_error_message());
    int rc = import_parse_steps(STEPS_NAME, (const char *)data, size, NAME, &rows);
    if (rc != GPBO_OK) {
        const char *m = gpbo_error_message();
        if (m == NULL || strchr(m, '\n') != NULL)
            broken("the message is not one line", m);
        if (strcmp(m, "out of memory") != 0 &&
            strncmp(m, STEPS_NAME ":", strlen(STEPS_NAME) + 1) != 0)
            broken("the message does not name the file", m);
        for (size_t i = 0; i < rows.n; i++)
            if (rows.rows[i].nsteps != 0 || rows.rows[i].steps != NULL)
                broken("a failure left intermediate values", m);
    }
    check_rows(k, &rows);
    import_set_free(&rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int k = data[0] & 1;
    if (data[0] & 4) {
        steps_input(k, data + 1, size - 1);
        return 0;
    }
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
