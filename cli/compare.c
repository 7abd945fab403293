/*
 * compare.c: `gpbo compare COMPARE.yaml` — strategies x test functions x seeds, each run a
 * study of its own in one SQLite file (so an interrupted comparison resumes: finished runs are
 * read back, unfinished ones continue where they stopped), run in parallel processes; writes
 * the best-so-far CSV, a summary of simple regret (median and quartiles at chosen budgets) and
 * an HTML report with regret curves and quartile bands. This file reads COMPARE.yaml; the
 * comparison itself is compare_core.c, which bench/compare runs too.
 *
 * A problem can also be a sweep file: each of its runs is `gpbo run` of the sweep with the
 * strategy, seed, budget and initial design overridden, on a database of its own under
 * <name>.sweeps/; its regret is measured against the best value any run found.
 *
 * COMPARE.yaml:
 *   name: branin-study            # files: <name>.db, <name>.csv, <name>.html next to it
 *   strategies: [bayes, random, sobol]
 *   problems: [branin, hartmann6, rosenbrock:4, my-sweep.yaml]   # and cond, cond-flat:
 *                                 # the conditional problem and its flat encoding
 *   seeds: 10
 *   budget: 60                    # evaluations per run
 *   budgets: [10, 30, 60]         # where the summary reads the regret
 *   initial: 10                   # Bayesian initial design
 *   jobs: 2                       # runs at a time
 *   run_jobs: 1                   # trials at a time inside a run of a sweep (gpbo run --jobs)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "compare_core.h"
#include "gpbo/sys/error.h"

static const char *const KEYS[] = {"name",    "strategies", "problems", "seeds",   "budget",
                                   "budgets", "initial",    "jobs",     "run_jobs"};
#define NKEYS (sizeof KEYS / sizeof *KEYS)

static int fail(const char *path, const yaml_node_t *n, const char *fmt, ...)
{
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: %s", path, n ? n->start_mark.line + 1 : 0,
                          n ? n->start_mark.column + 1 : 0, m);
}

static int list(yaml_document_t *doc, const char *path, yaml_node_t *v, char **out, size_t *n)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(path, v, "expected a list");
    while (*n > 0) /* a repeated key replaces the earlier list */
        free(out[--*n]);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *e = yaml_document_get_node(doc, *it);
        if (e->type != YAML_SCALAR_NODE || *n >= CMP_MAXL)
            return fail(path, e, "expected at most %d plain values", CMP_MAXL);
        out[(*n)++] = strdup((const char *)e->data.scalar.value);
    }
    return *n ? GPBO_OK : fail(path, v, "the list is empty");
}

static int budgets(yaml_document_t *doc, const char *path, yaml_node_t *v, cmp *c)
{
    char *b[CMP_MAXL];
    c->nb = 0;
    int rc = list(doc, path, v, b, &c->nb);
    for (size_t i = 0; i < c->nb; i++) {
        c->budgets[i] = strtoul(b[i], NULL, 10);
        free(b[i]);
    }
    return rc;
}

/* Applies one key: value of COMPARE.yaml to c. GPBO_EFORMAT naming the line for an unknown key
 * (with the closest known one) or a bad value. */
static int set_key(yaml_document_t *doc, const char *path, yaml_node_t *k, yaml_node_t *v, cmp *c)
{
    const char *key = (const char *)k->data.scalar.value;
    const char *val = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
    char *end;
    unsigned long num = strtoul(val, &end, 10);
    int isnum = *val && *end == '\0';
    if (!strcmp(key, "name"))
        snprintf(c->name, sizeof c->name, "%s", val);
    else if (!strcmp(key, "strategies"))
        return list(doc, path, v, c->strategies, &c->ns);
    else if (!strcmp(key, "problems"))
        return list(doc, path, v, c->problems, &c->np);
    else if (!strcmp(key, "budgets"))
        return budgets(doc, path, v, c);
    else if (isnum && num > 0 && !strcmp(key, "seeds"))
        c->seeds = num;
    else if (isnum && num > 0 && !strcmp(key, "budget"))
        c->budget = num;
    else if (isnum && !strcmp(key, "initial"))
        c->init = num;
    else if (isnum && num > 0 && !strcmp(key, "jobs"))
        c->jobs = num;
    else if (isnum && num > 0 && !strcmp(key, "run_jobs"))
        c->run_jobs = num;
    else if (sweep_find(key, KEYS, NKEYS) < NKEYS)
        return fail(path, v, "%s must be a whole number > 0", key);
    else
        return fail(path, k, "unknown key '%s' (did you mean '%s'?)", key,
                    sweep_closest(key, KEYS, NKEYS));
    return GPBO_OK;
}

/* Reads the keys of the parsed file into c. */
static int read_keys(yaml_document_t *doc, const char *path, cmp *c)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE)
        return fail(path, root, "expected a mapping of keys");
    int rc = GPBO_OK;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
         pr < root->data.mapping.pairs.top && rc == GPBO_OK; pr++)
        rc = set_key(doc, path, yaml_document_get_node(doc, pr->key),
                     yaml_document_get_node(doc, pr->value), c);
    return rc;
}

/* What follows from the keys read: the defaults of name and budgets, the file stem, and every
 * strategy known. */
static int finish(const char *path, cmp *c)
{
    if (c->ns == 0 || c->np == 0)
        return gpbo_error_set(GPBO_EFORMAT, "%s: needs strategies and problems", path);
    if (c->name[0] == '\0')
        snprintf(c->name, sizeof c->name, "compare");
    if (cli_file_stem(c->stem, sizeof c->stem, c->name) != GPBO_OK)
        return gpbo_error_set(GPBO_EINVAL, "%s: name: %s", path, gpbo_error_message());
    if (c->nb == 0)
        c->budgets[c->nb++] = c->budget;
    /* every strategy of the library but the grid (a comparison runs the ones that take a budget) */
    const char *all[SWEEP_STRATEGIES], *known[SWEEP_STRATEGIES];
    size_t na = sweep_strategies(all), nk = 0;
    for (size_t k = 0; k < na; k++)
        if (strcmp(all[k], "grid") != 0)
            known[nk++] = all[k];
    for (size_t i = 0; i < c->ns; i++)
        if (sweep_find(c->strategies[i], known, nk) == nk)
            return gpbo_error_set(GPBO_EFORMAT, "%s: unknown strategy '%s' (did you mean '%s'?)",
                                  path, c->strategies[i],
                                  sweep_closest(c->strategies[i], known, nk));
    return GPBO_OK;
}

/* Reads COMPARE.yaml at path into c (initialized by the caller; its lists are c's to free
 * whatever happens). GPBO_OK, or the error with a message naming path (and line:column). */
static int load(const char *path, cmp *c)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return gpbo_error_set(GPBO_EIO, "%s: cannot open", path);
    const char *slash = strrchr(path, '/');
    snprintf(c->dir, sizeof c->dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    yaml_parser_t p;
    yaml_document_t doc;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int rc;
    if (!yaml_parser_load(&p, &doc)) {
        rc = gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: malformed YAML: %s", path,
                            p.problem_mark.line + 1, p.problem_mark.column + 1,
                            p.problem ? p.problem : "error");
        goto cleanup;
    }
    rc = read_keys(&doc, path, c);
    yaml_document_delete(&doc);
    if (rc == GPBO_OK)
        rc = finish(path, c);
cleanup:
    yaml_parser_delete(&p);
    fclose(f);
    return rc;
}

/* A sweep problem is checked by loading it. */
static int check_sweep(const char *path)
{
    sweep *sw = sweep_load(path);
    if (sw == NULL)
        return gpbo_error_code();
    sweep_free(sw);
    return GPBO_OK;
}

/* Runs the comparison c read from file and writes its CSV and report next to it. Returns the
 * exit status: 0, 1 when a run failed or the database could not be made, 2 for a bad problem. */
static int run_compare(const cmp *c, const char *file)
{
    if (cmp_check(c) != GPBO_OK) {
        fprintf(stderr, "gpbo: %s: %s\n", file, gpbo_error_message());
        return 2;
    }
    /* what runs, at once: the runs take minutes, each reported on stderr as it ends */
    printf("gpbo compare: %zu strategies x %zu problems x %zu seeds, budget %zu: %zu runs, %zu at "
           "a time (progress on stderr)\n",
           c->ns, c->np, c->seeds, c->budget, c->ns * c->np * c->seeds, c->jobs);
    fflush(stdout);
    cmp_result r;
    if (cmp_run(c, &r) != GPBO_OK) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 1;
    }
    char csv[1400], html[1400];
    snprintf(csv, sizeof csv, "%s/%s.csv", c->dir, c->stem);
    snprintf(html, sizeof html, "%s/%s.html", c->dir, c->stem);
    cmp_write_csv(c, &r, csv); /* as before: the summary and the report go on without it */
    if (r.failed)
        printf("gpbo compare: %zu of %zu runs FAILED\n", r.failed, r.total);
    printf("simple regret: median [q1, q3] over seeds\n");
    cmp_print_regret(c, &r, NULL);
    cmp_print_sweeps(c, &r);
    int rc = cmp_write_html(c, &r, html);
    printf("wrote %s and %s\n", csv, rc == GPBO_OK ? html : "(no report)");
    size_t failed = r.failed;
    cmp_result_free(&r);
    return failed ? 1 : 0;
}

int cmd_compare(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-')
            return cli_bad_option("compare", argv[i]);
    if (argc != 1) {
        fprintf(stderr, "gpbo compare: give one COMPARE.yaml (gpbo compare --help)\n");
        return 2;
    }
    cmp c;
    cmp_init(&c);
    c.sweep_check = check_sweep;
    c.progress = 1;
    int rc = 2;
    if (load(argv[0], &c) != GPBO_OK)
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
    else
        rc = run_compare(&c, argv[0]);
    cmp_free(&c);
    return rc;
}
