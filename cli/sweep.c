/*
 * sweep.c: reads a sweep file with libyaml's document API and checks every key, so that a
 * mistake is one line naming the file, the line, the column and the closest valid key.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "gpbo/sys/error.h"
#include "sweep.h"

typedef struct ctx {
    const char *path;
    yaml_document_t *doc;
    sweep *s;
} ctx;

static int err_at(ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: %s", c->path, n ? n->start_mark.line + 1 : 0,
                          n ? n->start_mark.column + 1 : 0, msg);
}

static size_t lev(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];
    if (la > 60 || lb > 60)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

const char *sweep_closest(const char *w, const char *const *words, size_t n)
{
    const char *best = NULL;
    size_t bd = 99;
    for (size_t i = 0; i < n; i++) {
        size_t d = lev(w, words[i]);
        if (d < bd) {
            bd = d;
            best = words[i];
        }
    }
    return best;
}

static yaml_node_t *node(ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

static const char *scalar(ctx *c, yaml_node_t *n, const char *what)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE) {
        err_at(c, n, "%s must be a single value", what);
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

static int number(ctx *c, yaml_node_t *n, const char *what, double *out)
{
    const char *s = scalar(c, n, what);
    if (s == NULL)
        return GPBO_EFORMAT;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return err_at(c, n, "%s: '%s' is not a number", what, s);
    *out = v;
    return GPBO_OK;
}

static int count(ctx *c, yaml_node_t *n, const char *what, size_t *out)
{
    double v;
    int rc = number(c, n, what, &v);
    if (rc == GPBO_OK && !(v >= 0 && v == floor(v) && v < 1e9))
        rc = err_at(c, n, "%s must be a whole number >= 0", what);
    if (rc == GPBO_OK)
        *out = (size_t)v;
    return rc;
}

static int boolean(ctx *c, yaml_node_t *n, const char *what, int *out)
{
    const char *s = scalar(c, n, what);
    if (s == NULL)
        return GPBO_EFORMAT;
    if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1"))
        *out = 1;
    else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0"))
        *out = 0;
    else
        return err_at(c, n, "%s: '%s' is not true or false", what, s);
    return GPBO_OK;
}

/* Looks a word up in a list; unknown words get the closest valid one in the message. */
static int choose(ctx *c, yaml_node_t *n, const char *what, const char *const *words, size_t nw,
                  int *out)
{
    const char *s = scalar(c, n, what);
    if (s == NULL)
        return GPBO_EFORMAT;
    for (size_t i = 0; i < nw; i++)
        if (!strcmp(s, words[i])) {
            *out = (int)i;
            return GPBO_OK;
        }
    return err_at(c, n, "unknown %s '%s' (did you mean '%s'?)", what, s,
                  sweep_closest(s, words, nw));
}

/* Iterates a mapping's pairs, checking each key against the valid ones. */
typedef int (*pair_fn)(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p);

static int each_pair(ctx *c, yaml_node_t *map, const char *what, const char *const *keys,
                     size_t nkeys, pair_fn fn, void *p)
{
    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return err_at(c, map, "%s must be a mapping of keys to values", what);
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = node(c, pr->key), *v = node(c, pr->value);
        const char *key = scalar(c, k, "a key");
        if (key == NULL)
            return GPBO_EFORMAT;
        if (keys != NULL) {
            size_t i = 0;
            while (i < nkeys && strcmp(keys[i], key))
                i++;
            if (i == nkeys)
                return err_at(c, k, "unknown key '%s' in %s (did you mean '%s'?)", key, what,
                              sweep_closest(key, keys, nkeys));
        }
        int rc = fn(c, key, k, v, p);
        if (rc != GPBO_OK)
            return rc;
    }
    return GPBO_OK;
}

static char *dupstr(const char *s)
{
    char *d = strdup(s ? s : "");
    if (d == NULL)
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
    return d;
}

/* ---- parameters ------------------------------------------------------------------------- */

static const char *const DISTS[] = {"constant",
                                    "categorical",
                                    "uniform",
                                    "int_uniform",
                                    "q_uniform",
                                    "log_uniform",
                                    "log_uniform_values",
                                    "q_log_uniform_values",
                                    "int_log_uniform_values"};
static const char *const PARAM_KEYS[] = {"value", "values", "distribution", "min",
                                         "max",   "q",      "probabilities"};

typedef struct pstate {
    sweep_param *p;
    int has_dist, has_min, has_max, min_int, max_int;
    yaml_node_t *dist_node, *self;
} pstate;

static int is_int_text(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int param_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *pp)
{
    pstate *ps = pp;
    sweep_param *p = ps->p;
    (void)k;
    if (!strcmp(key, "value")) {
        const char *s = scalar(c, v, "value");
        if (s == NULL)
            return GPBO_EFORMAT;
        p->values = calloc(1, sizeof *p->values);
        if (!p->values || !(p->values[0] = dupstr(s)))
            return GPBO_ENOMEM;
        p->nvalues = 1;
        if (!ps->has_dist)
            p->dist = D_CONSTANT;
    } else if (!strcmp(key, "values")) {
        if (v->type != YAML_SEQUENCE_NODE)
            return err_at(c, v, "values of '%s' must be a list", p->name);
        size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (n == 0)
            return err_at(c, v, "values of '%s' is an empty list", p->name);
        p->values = calloc(n, sizeof *p->values);
        if (p->values == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const char *s = scalar(c, node(c, v->data.sequence.items.start[i]), "a value");
            if (s == NULL)
                return GPBO_EFORMAT;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(p->values[j], s))
                    return err_at(c, node(c, v->data.sequence.items.start[i]),
                                  "'%s' is listed twice in the values of '%s'", s, p->name);
            if ((p->values[i] = dupstr(s)) == NULL)
                return GPBO_ENOMEM;
            p->nvalues = i + 1;
        }
        if (!ps->has_dist)
            p->dist = D_CATEGORICAL;
    } else if (!strcmp(key, "distribution")) {
        int d;
        int rc = choose(c, v, "distribution", DISTS, sizeof DISTS / sizeof *DISTS, &d);
        if (rc != GPBO_OK)
            return rc;
        p->dist = (sweep_dist)d;
        ps->has_dist = 1;
        ps->dist_node = v;
    } else if (!strcmp(key, "min") || !strcmp(key, "max")) {
        int mn = key[1] == 'i';
        int rc = number(c, v, key, mn ? &p->min : &p->max);
        if (rc != GPBO_OK)
            return rc;
        *(mn ? &ps->has_min : &ps->has_max) = 1;
        *(mn ? &ps->min_int : &ps->max_int) = is_int_text((const char *)v->data.scalar.value);
    } else if (!strcmp(key, "q")) {
        int rc = number(c, v, "q", &p->q);
        if (rc == GPBO_OK && !(p->q > 0))
            rc = err_at(c, v, "q of '%s' must be > 0", p->name);
        return rc;
    }
    return GPBO_OK;
}

static int param_entry(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)p;
    sweep *s = c->s;
    for (size_t i = 0; i < s->np; i++)
        if (!strcmp(s->p[i].name, key))
            return err_at(c, k, "parameter '%s' is defined twice", key);
    sweep_param *np = realloc(s->p, (s->np + 1) * sizeof *np);
    if (np == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    s->p = np;
    sweep_param *q = &s->p[s->np++];
    memset(q, 0, sizeof *q);
    q->dist = (sweep_dist)-1;
    if ((q->name = dupstr(key)) == NULL)
        return GPBO_ENOMEM;
    pstate ps = {q, 0, 0, 0, 0, 0, NULL, v};
    char what[300];
    snprintf(what, sizeof what, "parameter '%s'", key);
    int rc =
        each_pair(c, v, what, PARAM_KEYS, sizeof PARAM_KEYS / sizeof *PARAM_KEYS, param_pair, &ps);
    if (rc != GPBO_OK)
        return rc;
    if ((int)q->dist == -1) {
        if (ps.has_min && ps.has_max)
            q->dist = ps.min_int && ps.max_int ? D_INT_UNIFORM : D_UNIFORM;
        else
            return err_at(c, v, "parameter '%s' needs value, values, or min and max", key);
    }
    int ranged = q->dist != D_CONSTANT && q->dist != D_CATEGORICAL;
    if (ranged) {
        if (!ps.has_min || !ps.has_max)
            return err_at(c, v, "parameter '%s' (%s) needs min and max", key, DISTS[q->dist]);
        if (q->min > q->max)
            return err_at(c, v, "parameter '%s': min %g > max %g", key, q->min, q->max);
        if ((q->dist == D_LOG_UNIFORM_VALUES || q->dist == D_Q_LOG_UNIFORM_VALUES ||
             q->dist == D_INT_LOG_UNIFORM_VALUES) &&
            q->min <= 0)
            return err_at(c, v, "parameter '%s': %s needs min > 0", key, DISTS[q->dist]);
        if (q->dist == D_INT_UNIFORM && (q->min != floor(q->min) || q->max != floor(q->max)))
            return err_at(c, v, "parameter '%s': int_uniform needs whole-number bounds", key);
        if (q->dist == D_Q_UNIFORM || q->dist == D_Q_LOG_UNIFORM_VALUES) {
            if (q->q == 0)
                q->q = 1;
            if (floor(q->max / q->q) < ceil(q->min / q->q))
                return err_at(c, v, "parameter '%s': no multiple of q = %g in [%g, %g]", key, q->q,
                              q->min, q->max);
        }
    } else if (q->values == NULL) {
        return err_at(c, v, "parameter '%s' (%s) needs %s", key, DISTS[q->dist],
                      q->dist == D_CONSTANT ? "value" : "values");
    }
    return GPBO_OK;
}

/* ---- the other sections ----------------------------------------------------------------- */

static const char *const METRIC_KEYS[] = {"name", "goal", "target"};

static int metric_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    (void)p;
    if (!strcmp(key, "name")) {
        const char *s = scalar(c, v, "metric name");
        if (s == NULL || (c->s->metric = dupstr(s)) == NULL)
            return gpbo_error_code();
    } else if (!strcmp(key, "goal")) {
        static const char *const goals[] = {"minimize", "maximize"};
        return choose(c, v, "goal", goals, 2, &c->s->maximize);
    }
    return GPBO_OK;
}

static const char *const ET_KEYS[] = {"type", "min_iter",       "max_iter",     "eta",
                                      "s",    "startup_trials", "warmup_steps", "strict"};

static int et_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    (void)p;
    gpbo_pruner_options *o = &c->s->prune;
    double x;
    if (!strcmp(key, "type")) {
        static const char *const types[] = {"none", "median", "hyperband"};
        int t;
        int rc = choose(c, v, "early_terminate type", types, 3, &t);
        o->kind = (gpbo_pruner_kind)t;
        return rc;
    }
    if (!strcmp(key, "strict") || !strcmp(key, "s"))
        return GPBO_OK;
    int rc = number(c, v, key, &x);
    if (rc != GPBO_OK)
        return rc;
    if (!strcmp(key, "eta")) {
        if (!(x > 1))
            return err_at(c, v, "eta must be > 1");
        o->eta = x;
    } else if (!(x >= 0 && x == floor(x))) {
        return err_at(c, v, "%s must be a whole number >= 0", key);
    } else if (!strcmp(key, "min_iter")) {
        if (x < 1)
            return err_at(c, v, "min_iter must be at least 1");
        o->min_iter = (long)x;
    } else if (!strcmp(key, "max_iter")) {
        o->max_iter = (long)x;
    } else if (!strcmp(key, "startup_trials")) {
        o->startup_trials = (size_t)x;
    } else if (!strcmp(key, "warmup_steps")) {
        o->warmup_steps = (long)x;
    }
    return GPBO_OK;
}

static const char *const GPBO_KEYS[] = {
    "kernel", "acquisition",     "initial",      "batch",  "refit_every", "seed",     "timeout",
    "jobs",   "grid_resolution", "grid_shuffle", "failed", "priors",      "additive", "restart"};

static int gpbo_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    (void)p;
    gpbo_study_options *o = &c->s->study;
    int rc = GPBO_OK, t;
    if (!strcmp(key, "kernel")) {
        static const char *const w[] = {"se", "matern12", "matern32", "matern52"};
        rc = choose(c, v, "kernel", w, 4, &t);
        o->kernel = (gpbo_kernel_type)t;
    } else if (!strcmp(key, "acquisition")) {
        static const char *const w[] = {"ei", "logei", "logpi", "lcb", "thompson", "ucb"};
        rc = choose(c, v, "acquisition", w, 6, &t);
        o->acquisition = t == 5 ? GPBO_ACQ_LCB : (gpbo_acq_kind)t;
    } else if (!strcmp(key, "batch")) {
        static const char *const w[] = {"kb", "cl_min", "cl_mean", "cl_max", "lp"};
        rc = choose(c, v, "batch mode", w, 5, &t);
        o->batch = (gpbo_acq_batch)t;
    } else if (!strcmp(key, "failed")) {
        static const char *const w[] = {"exclude", "worst"};
        rc = choose(c, v, "failed policy", w, 2, &t);
        o->failed = (gpbo_failed_policy)t;
    } else if (!strcmp(key, "initial")) {
        rc = count(c, v, key, &o->n_init);
    } else if (!strcmp(key, "refit_every")) {
        rc = count(c, v, key, &o->refit_every);
        if (rc == GPBO_OK && o->refit_every < 1)
            rc = err_at(c, v, "refit_every must be at least 1");
    } else if (!strcmp(key, "grid_resolution")) {
        rc = count(c, v, key, &o->grid_resolution);
        if (rc == GPBO_OK && o->grid_resolution < 1)
            rc = err_at(c, v, "grid_resolution must be at least 1");
    } else if (!strcmp(key, "grid_shuffle")) {
        rc = boolean(c, v, key, &o->grid_shuffle);
    } else if (!strcmp(key, "priors")) {
        rc = boolean(c, v, key, &o->use_priors);
    } else if (!strcmp(key, "additive")) {
        rc = boolean(c, v, key, &o->additive);
    } else if (!strcmp(key, "restart")) {
        rc = count(c, v, key, &o->restart);
    } else if (!strcmp(key, "seed")) {
        size_t sd;
        rc = count(c, v, key, &sd);
        o->seed = sd;
    } else if (!strcmp(key, "jobs")) {
        rc = count(c, v, key, &c->s->jobs);
        if (rc == GPBO_OK && c->s->jobs < 1)
            rc = err_at(c, v, "jobs must be at least 1");
    } else if (!strcmp(key, "timeout")) {
        rc = number(c, v, key, &c->s->timeout);
        if (rc == GPBO_OK && !(c->s->timeout >= 0))
            rc = err_at(c, v, "timeout must be >= 0 seconds");
    }
    return rc;
}

/* The keys of the trainer section (cli/trainer_objective.c interprets them). */
const char *const SWEEP_TRAINER_KEYS[] = {
    "data_dir",      "train_size",   "val_size", "test",      "model",     "hidden",
    "layers",        "activation",   "dropout",  "optimizer", "lr",        "momentum",
    "nesterov",      "weight_decay", "l1",       "schedule",  "gamma",     "step_size",
    "warmup_epochs", "batch_size",   "epochs",   "patience",  "min_delta", "shift",
    "flip",          "seed"};
const size_t SWEEP_NTRAINER_KEYS = sizeof SWEEP_TRAINER_KEYS / sizeof *SWEEP_TRAINER_KEYS;

static int trainer_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    (void)p;
    sweep *s = c->s;
    const char *val = scalar(c, v, key);
    if (val == NULL)
        return GPBO_EFORMAT;
    sweep_kv *n = realloc(s->trainer, (s->ntrainer + 1) * sizeof *n);
    if (n == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    s->trainer = n;
    s->trainer[s->ntrainer].key = dupstr(key);
    s->trainer[s->ntrainer].value = dupstr(val);
    s->ntrainer++;
    return GPBO_OK;
}

static const char *const TOP_KEYS[] = {
    "name",    "description", "project", "entity",          "method", "metric", "parameters",
    "run_cap", "command",     "program", "early_terminate", "gpbo",   "trainer"};

static int top_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    (void)p;
    sweep *s = c->s;
    if (!strcmp(key, "name")) {
        const char *x = scalar(c, v, "name");
        if (x == NULL || (s->name = dupstr(x)) == NULL)
            return gpbo_error_code();
    } else if (!strcmp(key, "program")) {
        const char *x = scalar(c, v, "program");
        if (x == NULL || (s->program = dupstr(x)) == NULL)
            return gpbo_error_code();
    } else if (!strcmp(key, "method")) {
        static const char *const m[] = {"grid", "random", "sobol", "lhs", "bayes"};
        int t;
        int rc = choose(c, v, "method", m, 5, &t);
        if (rc == GPBO_OK && (s->method = dupstr(m[t])) == NULL)
            rc = GPBO_ENOMEM;
        return rc;
    } else if (!strcmp(key, "metric")) {
        return each_pair(c, v, "metric", METRIC_KEYS, 3, metric_pair, NULL);
    } else if (!strcmp(key, "parameters")) {
        return each_pair(c, v, "parameters", NULL, 0, param_entry, NULL);
    } else if (!strcmp(key, "run_cap")) {
        return count(c, v, "run_cap", &s->run_cap);
    } else if (!strcmp(key, "command")) {
        if (v->type != YAML_SEQUENCE_NODE)
            return err_at(c, v, "command must be a list of arguments");
        size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (n == 0)
            return err_at(c, v, "command is an empty list");
        s->command = calloc(n, sizeof *s->command);
        if (s->command == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const char *x = scalar(c, node(c, v->data.sequence.items.start[i]), "an argument");
            if (x == NULL || (s->command[i] = dupstr(x)) == NULL)
                return gpbo_error_code();
            s->ncommand = i + 1;
        }
    } else if (!strcmp(key, "early_terminate")) {
        s->prune.kind = GPBO_PRUNER_HYPERBAND;
        return each_pair(c, v, "early_terminate", ET_KEYS, sizeof ET_KEYS / sizeof *ET_KEYS,
                         et_pair, NULL);
    } else if (!strcmp(key, "gpbo")) {
        return each_pair(c, v, "the gpbo section", GPBO_KEYS, sizeof GPBO_KEYS / sizeof *GPBO_KEYS,
                         gpbo_pair, NULL);
    } else if (!strcmp(key, "trainer")) {
        s->has_trainer = 1;
        return each_pair(c, v, "the trainer section", SWEEP_TRAINER_KEYS, SWEEP_NTRAINER_KEYS,
                         trainer_pair, NULL);
    }
    return GPBO_OK;
}

void sweep_free(sweep *s)
{
    if (s == NULL)
        return;
    free(s->path);
    free(s->dir);
    free(s->name);
    free(s->method);
    free(s->metric);
    for (size_t i = 0; i < s->np; i++) {
        free(s->p[i].name);
        for (size_t k = 0; k < s->p[i].nvalues; k++)
            free(s->p[i].values[k]);
        free(s->p[i].values);
    }
    free(s->p);
    for (size_t i = 0; i < s->ncommand; i++)
        free(s->command[i]);
    free(s->command);
    free(s->program);
    for (size_t i = 0; i < s->ntrainer; i++) {
        free(s->trainer[i].key);
        free(s->trainer[i].value);
    }
    free(s->trainer);
    free(s);
}

sweep *sweep_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        gpbo_error_set(GPBO_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    sweep *s = calloc(1, sizeof *s);
    yaml_parser_t parser;
    yaml_document_t doc;
    int have_doc = 0;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (s == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        goto fail;
    }
    gpbo_study_options_init(&s->study, GPBO_STUDY_OPTIONS_VERSION);
    gpbo_pruner_options po = GPBO_PRUNER_OPTIONS_INIT;
    s->prune = po;
    s->prune.kind = GPBO_PRUNER_NONE;
    s->jobs = 1;
    char *tmp = strdup(path);
    s->path = strdup(path);
    s->dir = tmp ? strdup(dirname(tmp)) : NULL;
    free(tmp);
    if (!s->path || !s->dir) {
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        goto fail;
    }
    if (!yaml_parser_load(&parser, &doc)) {
        gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: malformed YAML: %s%s%s", path,
                       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                       parser.problem ? parser.problem : "error", parser.context ? " " : "",
                       parser.context ? parser.context : "");
        goto fail;
    }
    have_doc = 1;
    ctx c = {path, &doc, s};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        gpbo_error_set(GPBO_EFORMAT, "%s: the file is empty", path);
        goto fail;
    }
    if (each_pair(&c, root, "the sweep", TOP_KEYS, sizeof TOP_KEYS / sizeof *TOP_KEYS, top_pair,
                  NULL) != GPBO_OK)
        goto fail;
    if (s->np == 0) {
        err_at(&c, root, "the sweep has no parameters");
        goto fail;
    }
    if (s->metric == NULL) {
        err_at(&c, root, "the sweep needs metric: {name: ..., goal: minimize|maximize}");
        goto fail;
    }
    if (s->ncommand == 0 && s->program == NULL && !s->has_trainer) {
        err_at(&c, root, "the sweep needs a command, a program or a trainer section");
        goto fail;
    }
    if (s->method == NULL && (s->method = strdup("bayes")) == NULL)
        goto fail;
    if (s->name == NULL) {
        /* the file name without its extension */
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        s->name = strdup(b);
        char *dot = s->name ? strrchr(s->name, '.') : NULL;
        if (dot && dot != s->name)
            *dot = '\0';
    }
    s->study.strategy = s->method;
    s->study.direction = s->maximize ? GPBO_MAXIMIZE : GPBO_MINIMIZE;
    if (s->run_cap == 0 && strcmp(s->method, "grid") != 0) {
        err_at(&c, root, "the sweep needs run_cap (the number of trials) for method %s", s->method);
        goto fail;
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return s;
fail:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    sweep_free(s);
    return NULL;
}

gpbo_space *sweep_space(const sweep *s)
{
    gpbo_space *sp = gpbo_space_new();
    int rc = sp ? GPBO_OK : GPBO_ENOMEM;
    for (size_t i = 0; rc == GPBO_OK && i < s->np; i++) {
        const sweep_param *p = &s->p[i];
        switch (p->dist) {
        case D_CONSTANT:
        case D_CATEGORICAL:
            rc =
                gpbo_space_add_categorical(sp, p->name, p->nvalues, (const char *const *)p->values);
            break;
        case D_UNIFORM:
            rc = gpbo_space_add_float(sp, p->name, p->min, p->max, 0);
            break;
        case D_INT_UNIFORM:
            rc = gpbo_space_add_int(sp, p->name, (long long)p->min, (long long)p->max, 0);
            break;
        case D_Q_UNIFORM:
            rc = gpbo_space_add_int(sp, p->name, (long long)ceil(p->min / p->q),
                                    (long long)floor(p->max / p->q), 0);
            break;
        case D_LOG_UNIFORM:
            rc = gpbo_space_add_float(sp, p->name, exp(p->min), exp(p->max), 1);
            break;
        case D_LOG_UNIFORM_VALUES:
        case D_Q_LOG_UNIFORM_VALUES:
            rc = gpbo_space_add_float(sp, p->name, p->min, p->max, 1);
            break;
        case D_INT_LOG_UNIFORM_VALUES:
            rc = gpbo_space_add_int(sp, p->name, (long long)p->min, (long long)p->max, 1);
            break;
        }
    }
    if (rc != GPBO_OK) {
        gpbo_space_free(sp);
        return NULL;
    }
    return sp;
}

int sweep_format(const sweep *s, const gpbo_space *space, size_t i, double v, char *buf, size_t cap)
{
    const sweep_param *p = &s->p[i];
    int w;
    if (p->dist == D_Q_UNIFORM)
        w = snprintf(buf, cap, "%.10g", v * p->q);
    else if (p->dist == D_Q_LOG_UNIFORM_VALUES)
        w = snprintf(buf, cap, "%.10g", round(v / p->q) * p->q);
    else
        return gpbo_space_format(space, i, v, buf, cap);
    return (w < 0 || (size_t)w >= cap) ? gpbo_error_set(GPBO_EINVAL, "value too long") : GPBO_OK;
}
