/*
 * compare_load.c: reads COMPARE.yaml (compare.c describes its keys) into a cmp. Every error is
 * one line naming the file and, where the file holds the culprit, its line and column: a key
 * that is not a plain word, unknown or given twice, a number that is not a whole number within
 * its limits (compare_load.h), one of budgets past the budget, a list that is not a list of plain
 * values, a strategy the library does not know, a strategy or problem listed twice (their runs
 * would share one study) or holding a control character, a name that names no file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "compare_load.h"
#include "yaml_text.h"
#include "gpbo/sys/error.h"

enum {
    K_NAME,
    K_STRATEGIES,
    K_PROBLEMS,
    K_SEEDS,
    K_BUDGET,
    K_BUDGETS,
    K_INITIAL,
    K_JOBS,
    K_RUN_JOBS,
    NKEYS
};
static const char *const KEYS[NKEYS] = {"name",    "strategies", "problems", "seeds",   "budget",
                                        "budgets", "initial",    "jobs",     "run_jobs"};

typedef struct ctx {
    const char *path;
    yaml_document_t *doc;
    cmp *c;
    const yaml_node_t *key[NKEYS];        /* each key's node once read (a second one is refused) */
    const yaml_node_t *budgets[CMP_MAXL]; /* each of budgets' nodes, checked against budget */
} ctx;

static int fail(const ctx *x, const yaml_node_t *n, const char *fmt, ...) GPBO_PRINTF_LIKE(3, 4);
static int fail(const ctx *x, const yaml_node_t *n, const char *fmt, ...)
{
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: %s", x->path, n->start_mark.line + 1,
                          n->start_mark.column + 1, m);
}

/* The text of a scalar node into *out: GPBO_OK, or the error naming what (a list or a mapping
 * where a plain value belongs; a NUL byte, which C strings would cut short). */
static int text(const ctx *x, const yaml_node_t *n, const char *what, const char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail(x, n, "%s must be a plain value, not a %s", what,
                    n->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
    *out = (const char *)n->data.scalar.value;
    if (strlen(*out) != n->data.scalar.length)
        return fail(x, n, "%s holds a NUL byte", what);
    return GPBO_OK;
}

/* A whole number from lo to hi in decimal digits alone (no sign, space or exponent) into *out. */
static int whole(const ctx *x, const yaml_node_t *n, const char *what, size_t lo, size_t hi,
                 size_t *out)
{
    const char *s;
    if (n->type != YAML_SCALAR_NODE || text(x, n, what, &s) != GPBO_OK)
        return fail(x, n, "%s must be a whole number from %zu to %zu", what, lo, hi);
    size_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9' && v <= hi; p++)
        v = v * 10 + (size_t)(*p - '0');
    if (p == s || *p != '\0' || v < lo || v > hi)
        return fail(x, n, "%s must be a whole number from %zu to %zu (not '%s')", what, lo, hi,
                    SHOW(s));
    *out = v;
    return GPBO_OK;
}

/* The strategies the library knows, but the grid (a comparison runs the ones that take a
 * budget), and compare's two names of the Bayesian strategy for several objectives
 * (cmp_mo_strategy). Returns how many. */
enum { KNOWN_MAX = SWEEP_STRATEGIES + CMP_MO_STRATEGIES };
static size_t known_strategies(const char *known[KNOWN_MAX])
{
    const char *all[SWEEP_STRATEGIES];
    size_t na = sweep_strategies(all), nk = 0;
    for (size_t k = 0; k < na; k++)
        if (strcmp(all[k], "grid") != 0)
            known[nk++] = all[k];
    for (size_t k = 0; k < CMP_MO_STRATEGIES; k++)
        known[nk++] = cmp_mo_strategies[k];
    return nk;
}

/* The list v of plain values into out[0..*n) (what: "strategies", "problems"), each at most
 * CMP_MAX_VALUE bytes, listed once, and for strategies known. */
static int list(const ctx *x, const yaml_node_t *v, const char *what, char **out, size_t *n)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(x, v, "%s: expected a list", what);
    const char *known[KNOWN_MAX];
    int strategies = !strcmp(what, "strategies");
    size_t nk = strategies ? known_strategies(known) : 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        const yaml_node_t *e = yaml_document_get_node(x->doc, *it);
        const char *s;
        if (e->type != YAML_SCALAR_NODE || *n >= CMP_MAXL)
            return fail(x, e, "%s: expected at most %d plain values", what, CMP_MAXL);
        int rc = text(x, e, what, &s);
        if (rc != GPBO_OK)
            return rc;
        if (strlen(s) > CMP_MAX_VALUE)
            return fail(x, e, "%s: '%s' is longer than %d bytes", what, SHOW(s), CMP_MAX_VALUE);
        /* no name of a strategy, function or file has them, and messages show the value */
        for (const char *q = s; *q; q++)
            if ((unsigned char)*q < 0x20 || *q == 0x7f)
                return fail(x, e, "%s: '%s' holds a control character", what, SHOW(s));
        if (strategies && sweep_find(s, known, nk) == nk)
            return fail(x, e, "unknown strategy '%s' (did you mean '%s'?)", SHOW(s),
                        sweep_closest(s, known, nk));
        if (sweep_find(s, (const char *const *)out, *n) < *n)
            return fail(x, e, "%s: '%s' is listed twice (its runs would be one study)", what,
                        SHOW(s));
        if ((out[*n] = strdup(s)) == NULL)
            return cli_yaml_oom();
        ++*n;
    }
    return *n ? GPBO_OK : fail(x, v, "%s: the list is empty", what);
}

/* budgets: a list of whole numbers (their nodes kept: that each is at most the budget is checked
 * by finish(), since budget: may come after). */
static int budgets(ctx *x, const yaml_node_t *v, cmp *c)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(x, v, "budgets: expected a list");
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        const yaml_node_t *e = yaml_document_get_node(x->doc, *it);
        if (c->nb >= CMP_MAXL)
            return fail(x, e, "budgets: expected at most %d plain values", CMP_MAXL);
        int rc = whole(x, e, "each of budgets", 1, CMP_MAX_COUNT, &c->budgets[c->nb]);
        if (rc != GPBO_OK)
            return rc;
        x->budgets[c->nb++] = e;
    }
    return c->nb ? GPBO_OK : fail(x, v, "budgets: the list is empty");
}

/* name: a plain value of at most 255 bytes that names a file (cli_file_stem); empty: the
 * default, the file's name without its extension (finish). */
static int name(const ctx *x, const yaml_node_t *v, cmp *c)
{
    const char *s = NULL;
    int rc = text(x, v, "name", &s);
    if (rc != GPBO_OK)
        return rc;
    if (strlen(s) >= sizeof c->name)
        return fail(x, v, "name is longer than %zu bytes", sizeof c->name - 1);
    if (*s && cli_file_stem(c->stem, sizeof c->stem, s) != GPBO_OK)
        return fail(x, v, "name: %s", gpbo_error_message());
    snprintf(c->name, sizeof c->name, "%s", s);
    return GPBO_OK;
}

/* Applies one key: value of COMPARE.yaml to c. */
static int set_key(ctx *x, const yaml_node_t *k, const yaml_node_t *v)
{
    cmp *c = x->c;
    const char *key;
    if (k->type != YAML_SCALAR_NODE)
        return fail(x, k, "a key must be a plain word, not a %s",
                    k->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
    int rc = text(x, k, "a key", &key);
    if (rc != GPBO_OK)
        return rc;
    size_t i = sweep_find(key, KEYS, NKEYS);
    if (i == NKEYS)
        return fail(x, k, "unknown key '%s' (did you mean '%s'?)", SHOW(key),
                    sweep_closest(key, KEYS, NKEYS));
    if (x->key[i])
        return fail(x, k, "%s is given twice (first on line %zu)", key,
                    x->key[i]->start_mark.line + 1);
    x->key[i] = k;
    switch (i) {
    case K_NAME:
        return name(x, v, c);
    case K_STRATEGIES:
        return list(x, v, key, c->strategies, &c->ns);
    case K_PROBLEMS:
        if ((rc = list(x, v, key, c->problems, &c->np)) != GPBO_OK)
            return rc;
        for (size_t i = 0; i < c->np; i++) { /* for cmp_check's errors */
            const yaml_node_t *e = yaml_document_get_node(x->doc, v->data.sequence.items.start[i]);
            c->problem_at[i][0] = e->start_mark.line + 1;
            c->problem_at[i][1] = e->start_mark.column + 1;
        }
        return GPBO_OK;
    case K_BUDGETS:
        return budgets(x, v, c);
    case K_SEEDS:
        return whole(x, v, key, 1, CMP_MAX_COUNT, &c->seeds);
    case K_BUDGET:
        return whole(x, v, key, 1, CMP_MAX_COUNT, &c->budget);
    case K_INITIAL:
        return whole(x, v, key, 0, CMP_MAX_COUNT, &c->init);
    case K_JOBS:
        return whole(x, v, key, 1, CMP_MAX_JOBS, &c->jobs);
    default:
        return whole(x, v, key, 1, CMP_MAX_JOBS, &c->run_jobs);
    }
}

/* Reads the keys of the parsed file into c. */
static int read_keys(ctx *x)
{
    yaml_node_t *root = yaml_document_get_root_node(x->doc);
    if (root == NULL)
        return gpbo_error_set(GPBO_EFORMAT, "%s:1:1: the file is empty", x->path);
    if (root->type != YAML_MAPPING_NODE)
        return fail(x, root, "expected a mapping of keys");
    int rc = GPBO_OK;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
         pr < root->data.mapping.pairs.top && rc == GPBO_OK; pr++)
        rc = set_key(x, yaml_document_get_node(x->doc, pr->key),
                     yaml_document_get_node(x->doc, pr->value));
    return rc;
}

/* What follows from the keys read: each of budgets at most the budget (given or the default;
 * one past it was left out of the summary without a word), the defaults of name and budgets, the
 * file stem, and the number of evaluations in all within CMP_MAX_EVALS. */
static int finish(ctx *x)
{
    cmp *c = x->c;
    if (c->ns == 0 || c->np == 0)
        return gpbo_error_set(GPBO_EFORMAT, "%s: needs strategies and problems", x->path);
    for (size_t i = 0; i < c->nb; i++)
        if (c->budgets[i] > c->budget)
            return fail(x, x->budgets[i],
                        "each of budgets must be at most the budget, %zu%s (not %zu)", c->budget,
                        x->key[K_BUDGET] ? "" : " by default", c->budgets[i]);
    /* seeds and budget are at most CMP_MAX_COUNT, so this does not overflow */
    double evals = (double)c->ns * (double)c->np * (double)c->seeds * (double)c->budget;
    if (evals > CMP_MAX_EVALS) {
        const yaml_node_t *k = x->key[K_BUDGET] ? x->key[K_BUDGET] : x->key[K_SEEDS];
        if (k == NULL) /* the defaults alone stay far below it */
            k = x->key[K_PROBLEMS];
        return fail(x, k,
                    "%s: %zu strategies x %zu problems x %zu seeds x budget %zu is %.0f "
                    "evaluations, more than %d",
                    k == x->key[K_BUDGET]  ? "budget"
                    : k == x->key[K_SEEDS] ? "seeds"
                                           : "problems",
                    c->ns, c->np, c->seeds, c->budget, evals, CMP_MAX_EVALS);
    }
    if (c->name[0] == '\0') {
        /* the file's name without its extension, as a sweep's study: "compare" for every
         * file made two comparisons in one folder share their studies, CSV and page */
        const char *b = strrchr(x->path, '/');
        b = b ? b + 1 : x->path;
        const char *dot = strrchr(b, '.');
        int n = dot && dot != b ? (int)(dot - b) : (int)strlen(b);
        snprintf(c->name, sizeof c->name, "%.*s", n, b);
        if (c->name[0] == '\0' || cli_file_stem(c->stem, sizeof c->stem, c->name) != GPBO_OK)
            snprintf(c->name, sizeof c->name, "compare");
    }
    if (cli_file_stem(c->stem, sizeof c->stem, c->name) != GPBO_OK) /* checked by name() */
        return gpbo_error_prefix("%s: name: ", x->path);
    if (c->nb == 0)
        c->budgets[c->nb++] = c->budget;
    return GPBO_OK;
}

int compare_parse(const char *path, const char *text, size_t len, cmp *c)
{
    snprintf(c->file, sizeof c->file, "%s", path);
    const char *slash = strrchr(path, '/');
    snprintf(c->dir, sizeof c->dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    int rc = cli_yaml_check(path, text, len, CMP_MAX_BYTES, CMP_MAX_DEPTH, "a compare file");
    if (rc != GPBO_OK)
        return rc;
    yaml_parser_t p;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&p))
        return cli_yaml_oom();
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        rc = cli_yaml_failed(path, &p, text, len);
    } else {
        ctx x = {path, &doc, c, {NULL}, {NULL}};
        rc = read_keys(&x);
        if (rc == GPBO_OK)
            rc = finish(&x);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&p);
    return rc;
}

int compare_load(const char *path, cmp *c)
{
    char *text;
    size_t len;
    int rc = cli_yaml_read(path, "a compare file", CMP_MAX_BYTES, &text, &len);
    if (rc == GPBO_OK)
        rc = compare_parse(path, text, len, c);
    free(text);
    return rc;
}
