/*
 * sweep.c: reads a sweep file with libyaml and checks every key, so that a mistake is one line
 * naming the file, the line, the column and the closest valid key. The file is untrusted: a
 * first pass over libyaml's events bounds its nesting and its number of documents before the
 * document API builds the tree; keys are unique; every list is checked in n log n; values,
 * ranges and the command are checked here, once, instead of failing every trial later.
 */
#include <errno.h>
#include <float.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include <gsl/gsl_cdf.h>

#include "gpbo/sys/error.h"
#include "cli.h" /* trainer_keys */
#include "sweep.h"
#include "yaml_text.h"

typedef struct ctx {
    const char *path;
    yaml_document_t *doc;
    sweep *s;
    size_t budget; /* bytes the copies may still take: aliases can repeat a long value */
    yaml_node_t *command_node, *program_node, *trainer_node;
    int skip_exec; /* sweep_load_results(): the command is not started, so not looked up */
    yaml_node_t *metrics_node; /* metrics: (several objectives), or NULL */
    yaml_node_t *init_node;    /* initial_points: read once the parameters are known (finish) */
    yaml_node_t *cons_node;    /* constraints:, or NULL */
    yaml_node_t *impute_node;  /* metric: {impute: worst}, or NULL */
} ctx;

static int err_at(ctx *c, const yaml_node_t *n, const char *fmt, ...) GPBO_PRINTF_LIKE(3, 4);
static int err_at(ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: %s", c->path, n ? n->start_mark.line + 1 : 1,
                          n ? n->start_mark.column + 1 : 1, msg);
}

/* Levenshtein distance; past 255 bytes only its lower bound |la - lb| (a key that long is
 * no typo of a short one, and the row stays on the stack). */
static size_t lev(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[256];
    if (la > 255 || lb > 255)
        return la > lb ? la - lb : lb - la;
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

static const char *closest(const char *w, const char *const *words, size_t n, size_t *dist)
{
    const char *best = NULL;
    size_t bd = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = lev(w, words[i]);
        if (d < bd) {
            bd = d;
            best = words[i];
        }
    }
    *dist = bd;
    return best;
}

const char *sweep_closest(const char *w, const char *const *words, size_t n)
{
    size_t d;
    return closest(w, words, n, &d);
}

size_t sweep_strategies(const char *out[SWEEP_STRATEGIES])
{
    size_t n = 0;
    while (n < SWEEP_STRATEGIES && (out[n] = gpbo_strategy_name(n)) != NULL)
        n++;
    return n;
}

size_t sweep_find(const char *w, const char *const *words, size_t n)
{
    size_t k = 0;
    while (k < n && strcmp(words[k], w) != 0)
        k++;
    return k;
}

/* "did you mean 'x'?" when a word is close to w, else the valid words (the lists are short). */
const char *sweep_suggest(const char *w, const char *const *words, size_t n, char *buf, size_t cap)
{
    size_t d;
    const char *best = closest(w, words, n, &d);
    /* the words shown as every value of a message is (SHOW): a value may hold line breaks (a
     * YAML scalar folded over lines), and a message is one line */
    if (best != NULL && (d <= 2 || 2 * d <= strlen(best))) {
        snprintf(buf, cap, "did you mean '%s'?", SHOW(best));
        return buf;
    }
    size_t len = (size_t)snprintf(buf, cap, "one of:");
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, " %s", SHOW(words[i]));
    return buf;
}

static yaml_node_t *node(ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

/* The text of a scalar node; NULL with the error set if n is not a scalar or holds a NUL
 * (C strings would silently cut it there). */
static const char *scalar(ctx *c, yaml_node_t *n, const char *what)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE) {
        err_at(c, n, "%s must be a single value", what);
        return NULL;
    }
    const char *s = (const char *)n->data.scalar.value;
    if (strlen(s) != n->data.scalar.length) {
        err_at(c, n, "%s holds a NUL character", what);
        return NULL;
    }
    return s;
}

static size_t seq_len(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

/* A copy of s charged to the file's budget; NULL with the error set. */
static char *dupstr(ctx *c, yaml_node_t *n, const char *s)
{
    size_t l = strlen(s);
    if (l + 16 > c->budget) {
        err_at(c, n, "the sweep expands to more than %d bytes (aliases repeating long values?)",
               8 * SWEEP_MAX_BYTES);
        return NULL;
    }
    c->budget -= l + 16;
    char *d = malloc(l + 1);
    if (d == NULL) {
        cli_yaml_oom();
        return NULL;
    }
    memcpy(d, s, l + 1);
    return d;
}

static int is_int_text(const char *s);

/* Whether t, a YAML 1.1 integer with a leading 0 (sweep_scalar_type said SWEEP_T_INT), reads
 * differently as octal, as PyYAML (so W&B) reads it, and as decimal, as YAML 1.2 readers and
 * strtod do: 010 is 8 or 10; 007 and 00 are the same either way. */
static int octal_differs(const char *t)
{
    if (*t == '-' || *t == '+')
        t++;
    if (t[0] != '0' || t[1] == 'x' || t[1] == 'b' || strchr(t, ':') != NULL)
        return 0;
    size_t digits = 0;
    int lead = 1;
    for (; *t; t++)
        if (*t != '_' && !(lead && *t == '0')) {
            lead = 0;
            digits++;
        }
    return digits >= 2;
}

/* The decimal reading of t, an integer with a leading 0 (its digits without the '_'). */
static double decimal_reading(const char *t)
{
    char d[64];
    size_t k = 0;
    for (; *t && k + 1 < sizeof d; t++)
        if (*t != '_')
            d[k++] = *t;
    d[k] = '\0';
    return strtod(d, NULL);
}

/* Whether sweep_number(t, plain, ...) refuses t as octal for PyYAML and decimal for others. */
static int octal_refused(const char *t, int plain)
{
    return plain && sweep_scalar_type(t) == SWEEP_T_INT && octal_differs(t);
}

/* The one reader of the numbers a user writes (sweep.h). A plain scalar that PyYAML's YAML 1.1
 * resolver takes for an integer or a float has PyYAML's value (0x10 16, 1_000 1000, 0b101 5,
 * 1:30 90, +5 5) and *is_int tells whether it is an integer (W&B's int_uniform, a whole q);
 * these were read from the raw text, so min: 0x10 made a uniform and 1_000 was "not a number".
 * An integer whose leading 0 makes PyYAML read it as octal (010: 8) where a YAML 1.2 reader
 * and strtod read 10 is refused: either reading would surprise someone. Any other text, a
 * quoted number or 1e-3 (a string for PyYAML, whose floats need a dot, which W&B's schema
 * refuses as no number), is read as a decimal number, as gpbo always has (no hexadecimal float,
 * no inf). */
int sweep_number(const char *s, int plain, double *out, int *is_int)
{
    char t = plain ? sweep_scalar_type(s) : SWEEP_T_STR;
    double v;
    if (t == SWEEP_T_INT && octal_differs(s))
        return gpbo_error_set(GPBO_EINVAL,
                              "'%s' is octal %.0f for PyYAML (YAML 1.1, as W&B reads sweep "
                              "files) but %.0f for YAML 1.2 readers; write it without the "
                              "leading 0",
                              SHOW(s), sweep_yaml_number(s), decimal_reading(s));
    if (t == SWEEP_T_INT || t == SWEEP_T_FLOAT) {
        v = sweep_yaml_number(s);
        if (!isfinite(v))
            return gpbo_error_set(GPBO_EINVAL, "'%s' is %s", SHOW(s),
                                  isnan(v) ? "not a number" : "out of range");
        if (is_int != NULL)
            *is_int = t == SWEEP_T_INT;
    } else {
        char *end;
        errno = 0;
        v = strtod(s, &end);
        if (end == s || *end != '\0' || strpbrk(s, "xX") != NULL)
            return gpbo_error_set(GPBO_EINVAL, "'%s' is not a number", SHOW(s));
        /* ERANGE on underflow still gives the nearest subnormal (or 0): keep it */
        if (errno == ERANGE && !(fabs(v) <= DBL_MIN))
            return gpbo_error_set(GPBO_EINVAL, "'%s' is out of range", SHOW(s));
        if (!isfinite(v))
            return gpbo_error_set(GPBO_EINVAL, "'%s' is not a number", SHOW(s));
        if (is_int != NULL)
            *is_int = is_int_text(s);
    }
    *out = v;
    return GPBO_OK;
}

/* The number scalar n holds, as sweep_number reads it (a quoted one as a decimal number); on
 * error the message names the file, the line and what (the field). */
static int number_of(ctx *c, yaml_node_t *n, const char *what, double *out, int *is_int)
{
    const char *s = scalar(c, n, what);
    if (s == NULL)
        return GPBO_EFORMAT;
    if (sweep_number(s, n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, out, is_int) == GPBO_OK)
        return GPBO_OK;
    char why[400];
    snprintf(why, sizeof why, "%s", gpbo_error_message());
    /* a YAML scalar can be quoted to make it text */
    return err_at(c, n, "%s: %s%s", what, why,
                  octal_refused(s, n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
                      ? " (quoted if it is text)"
                      : "");
}

static int number(ctx *c, yaml_node_t *n, const char *what, double *out)
{
    int is_int;
    return number_of(c, n, what, out, &is_int);
}

/* A whole number from lo to 999999999 into *out; the message says which are accepted. */
static int count_from(ctx *c, yaml_node_t *n, const char *what, size_t lo, size_t *out)
{
    double v = 0;
    int rc = number(c, n, what, &v);
    if (rc == GPBO_OK && !(v >= (double)lo && v == floor(v) && v < 1e9))
        rc = err_at(c, n, "%s must be a whole number from %zu to 999999999", what, lo);
    if (rc == GPBO_OK)
        *out = (size_t)v;
    return rc;
}

static int count(ctx *c, yaml_node_t *n, const char *what, size_t *out)
{
    return count_from(c, n, what, 0, out);
}

/* Scalar n's text x as a value the program is handed (a trainer setting): a plain scalar YAML
 * reads as a number is read by sweep_number (010 refused naming the line and what) and, unless
 * strtod reads its text alike (a decimal number: 64, 0.5, 1.5e-3), written in decimal (0x10 as
 * 16, 1_000 as 1000, 1:30 as 90; the shortest digits that read back), the value PyYAML gives it
 * in the notation every program reads; any other text as it is. The copy is charged to the
 * file's budget; NULL with the error set. */
static char *value_text(ctx *c, yaml_node_t *n, const char *what, const char *x)
{
    char t = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? sweep_scalar_type(x) : SWEEP_T_STR;
    if (t != SWEEP_T_INT && t != SWEEP_T_FLOAT)
        return dupstr(c, n, x);
    double v;
    int is_int;
    if (number_of(c, n, what, &v, &is_int) != GPBO_OK)
        return NULL;
    if (strspn(x, "+-0123456789.eE") == strlen(x))
        return dupstr(c, n, x);
    char buf[48];
    v = v == 0 ? 0 : v; /* no -0 (-0x0) */
    if (is_int && fabs(v) < 1e18) {
        snprintf(buf, sizeof buf, "%.0f", v);
    } else {
        int prec = 1;
        do
            snprintf(buf, sizeof buf, "%.*g", prec, v);
        while (strtod(buf, NULL) != v && ++prec <= 17);
    }
    return dupstr(c, n, buf);
}

static int boolean(ctx *c, yaml_node_t *n, const char *what, int *out)
{
    const char *s = scalar(c, n, what);
    if (s == NULL)
        return GPBO_EFORMAT;
    /* YAML's own spellings (1.2's core schema: true, True, TRUE; 1.1's, which PyYAML and so
     * W&B read: yes, on, ...), as the trainer's flags take them: `additive: True` was refused */
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    size_t i = 0;
    while (i < 4 && strcasecmp(s, yes[i]) && strcasecmp(s, no[i]))
        i++;
    if (i < 4)
        *out = !strcasecmp(s, yes[i]);
    else
        return err_at(c, n, "%s: '%s' is not true or false", what, SHOW(s));
    return GPBO_OK;
}

/* Looks a word up in a list; unknown words get the closest valid one in the message. */
static int choose(ctx *c, yaml_node_t *n, const char *what, const char *const *words, size_t nw,
                  int *out)
{
    const char *s = scalar(c, n, what);
    if (s == NULL)
        return GPBO_EFORMAT;
    size_t i = sweep_find(s, words, nw);
    if (i < nw) {
        *out = (int)i;
        return GPBO_OK;
    }
    char hint[300];
    return err_at(c, n, "unknown %s '%s' (%s)", what, SHOW(s),
                  sweep_suggest(s, words, nw, hint, sizeof hint));
}

/* ---- unique keys and values, in n log n ---------------------------------------------------- */

typedef struct keyed {
    const char *text;
    yaml_node_t *node;
    size_t index;
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int r = strcmp(x->text, y->text);
    return r ? r : (x->index > y->index) - (x->index < y->index);
}

/* Sorts v (n entries) and finds a repeated text: the repeat that comes first in the file is
 * returned as *first (its earlier occurrence) and *again; 0 when all differ. */
static int find_repeat(keyed *v, size_t n, keyed **first, keyed **again)
{
    qsort(v, n, sizeof *v, keyed_cmp);
    *again = NULL;
    for (size_t i = 1; i < n; i++)
        if (!strcmp(v[i - 1].text, v[i].text) && (*again == NULL || v[i].index < (*again)->index)) {
            size_t j = i - 1;
            while (j > 0 && !strcmp(v[j - 1].text, v[i].text))
                j--;
            *first = &v[j];
            *again = &v[i];
        }
    return *again != NULL;
}

static size_t line_of(const yaml_node_t *n)
{
    return n->start_mark.line + 1;
}

/* Iterates a mapping's pairs, checking each key against the valid ones (any key when keys is
 * NULL) and that no key appears twice: YAML requires unique keys, and last-wins would silently
 * drop a value. fn sees the pairs in file order. */
typedef int (*pair_fn)(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p);

static int each_pair(ctx *c, yaml_node_t *map, const char *what, const char *const *keys,
                     size_t nkeys, pair_fn fn, void *p)
{
    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return err_at(c, map, "%s must be a mapping of keys to values", what);
    yaml_node_pair_t *start = map->data.mapping.pairs.start, *top = map->data.mapping.pairs.top;
    size_t n = (size_t)(top - start);
    if (keys != NULL) {
        yaml_node_t *seen[32] = {0}; /* every fixed key list is shorter */
        for (yaml_node_pair_t *pr = start; pr < top; pr++) {
            yaml_node_t *k = node(c, pr->key);
            const char *key = scalar(c, k, "a key");
            if (key == NULL)
                return GPBO_EFORMAT;
            size_t i = 0;
            while (i < nkeys && strcmp(keys[i], key))
                i++;
            if (i == nkeys) {
                char hint[400];
                return err_at(c, k, "unknown key '%s' in %s (%s)", SHOW(key), what,
                              sweep_suggest(key, keys, nkeys, hint, sizeof hint));
            }
            if (i < 32 && seen[i] != NULL)
                return err_at(c, k, "key '%s' appears twice in %s (lines %zu and %zu)", key, what,
                              line_of(seen[i]), line_of(k));
            if (i < 32)
                seen[i] = k;
        }
    } else if (n > 1) {
        keyed *v = malloc(n * sizeof *v);
        if (v == NULL)
            return cli_yaml_oom();
        for (size_t i = 0; i < n; i++) {
            v[i].node = node(c, start[i].key);
            v[i].index = i;
            if ((v[i].text = scalar(c, v[i].node, "a key")) == NULL) {
                free(v);
                return GPBO_EFORMAT;
            }
        }
        keyed *a, *b;
        int rc = GPBO_OK;
        if (find_repeat(v, n, &a, &b))
            rc = err_at(c, b->node, "key '%s' appears twice in %s (lines %zu and %zu)",
                        SHOW(b->text), what, line_of(a->node), line_of(b->node));
        free(v);
        if (rc != GPBO_OK)
            return rc;
    }
    for (yaml_node_pair_t *pr = start; pr < top; pr++) {
        yaml_node_t *k = node(c, pr->key), *v = node(c, pr->value);
        const char *key = scalar(c, k, "a key");
        if (key == NULL)
            return GPBO_EFORMAT;
        int rc = fn(c, key, k, v, p);
        if (rc != GPBO_OK)
            return rc;
    }
    return GPBO_OK;
}

/* Copies a list of scalars into *out (freeing what was there); NULL items are never left
 * behind, *nout counts the copies made so far, so sweep_free() frees exactly those. */
static int scalar_list(ctx *c, yaml_node_t *seq, const char *what, size_t maxlen, char ***out,
                       size_t *nout)
{
    for (size_t i = 0; i < *nout; i++)
        free((*out)[i]);
    free(*out);
    *out = NULL;
    *nout = 0;
    size_t n = seq_len(seq);
    if ((*out = calloc(n, sizeof **out)) == NULL)
        return cli_yaml_oom();
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = node(c, seq->data.sequence.items.start[i]);
        const char *x = scalar(c, it, what);
        if (x == NULL)
            return GPBO_EFORMAT;
        if (maxlen && strlen(x) > maxlen)
            return err_at(c, it, "%s is %zu bytes long; at most %zu are allowed", what, strlen(x),
                          maxlen);
        if (((*out)[i] = dupstr(c, it, x)) == NULL)
            return gpbo_error_code();
        *nout = i + 1;
    }
    return GPBO_OK;
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
                                    "int_log_uniform_values",
                                    "q_log_uniform",
                                    "inv_log_uniform",
                                    "inv_log_uniform_values",
                                    "normal",
                                    "q_normal",
                                    "log_normal",
                                    "q_log_normal"};
static const char *const PARAM_KEYS[] = {"value",   "values", "distribution",  "min",
                                         "max",     "q",      "probabilities", "when",
                                         "default", "mu",     "sigma"};

typedef struct pstate {
    sweep_param *p;
    int has_dist, has_min, has_max, min_int, max_int;
    yaml_node_t *values_node, *min_node, *max_node, *q_node, *prob_node, *mu_node, *sigma_node;
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

/* ---- what type PyYAML reads a scalar as ---------------------------------------------------- */

/* PyYAML's YAML 1.1 resolver, which W&B's sweep loader uses, by hand (no regex compiled per
 * value): each function tells whether the whole of t matches one of its patterns. */

/* [0-9_]* from t: where it stops; *digits: whether a digit was among them */
static const char *digits_(const char *t, int *digits)
{
    *digits = 0;
    for (; (*t >= '0' && *t <= '9') || *t == '_'; t++)
        *digits |= *t != '_';
    return t;
}

/* (?::[0-5]?[0-9])+ from t: where it stops, or NULL when there is none */
static const char *sexagesimal(const char *t)
{
    const char *start = t;
    while (*t == ':' && t[1] >= '0' && t[1] <= '9') {
        if (t[1] <= '5' && t[2] >= '0' && t[2] <= '9')
            t += 3;
        else
            t += 2;
    }
    return t == start ? NULL : t;
}

static int yaml11_int(const char *t)
{
    int d;
    if (*t == '-' || *t == '+')
        t++;
    if (t[0] == '0' && t[1] == 'b')
        return t[2] != '\0' && strspn(t + 2, "01_") == strlen(t + 2);
    if (t[0] == '0' && t[1] == 'x')
        return t[2] != '\0' && strspn(t + 2, "0123456789abcdefABCDEF_") == strlen(t + 2);
    if (t[0] == '0')
        return t[1] == '\0' || strspn(t + 1, "01234567_") == strlen(t + 1);
    if (!(t[0] >= '1' && t[0] <= '9'))
        return 0;
    const char *e = digits_(t + 1, &d);
    if (*e == '\0')
        return 1;
    e = sexagesimal(e);
    return e != NULL && *e == '\0';
}

static int yaml11_float(const char *t)
{
    int d;
    const char *e;
    if (!strcmp(t, ".nan") || !strcmp(t, ".NaN") || !strcmp(t, ".NAN"))
        return 1;
    if (t[0] == '.' && t[1] >= '0' && t[1] <= '9') { /* \.[0-9_]+([eE][-+][0-9]+)? */
        e = digits_(t + 1, &d);
    } else {
        if (*t == '-' || *t == '+')
            t++;
        if (!strcmp(t, ".inf") || !strcmp(t, ".Inf") || !strcmp(t, ".INF"))
            return 1;
        if (!(*t >= '0' && *t <= '9'))
            return 0;
        e = digits_(t, &d);
        const char *x = sexagesimal(e);
        if (x != NULL) /* [0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* */
            return *x == '.' && *digits_(x + 1, &d) == '\0';
        if (*e != '.')
            return 0;
        e = digits_(e + 1, &d);
    }
    if (*e == 'e' || *e == 'E') {
        if (!(e[1] == '-' || e[1] == '+') || !(e[2] >= '0' && e[2] <= '9'))
            return 0;
        e += 2 + strspn(e + 2, "0123456789");
    }
    return *e == '\0';
}

/* The value of a sexagesimal YAML 1.1 number without its sign, 1:30 (90) or 1:30.5 (90.5). */
static double base60(const char *t)
{
    double v = 0;
    for (;;) {
        char *end;
        double part = strtod(t, &end);
        v = v * 60 + part;
        if (*end != ':')
            return v;
        t = end + 1;
    }
}

/* The value of digits d in base 2, 8 or 16 (no sign, no '_'): exact up to 2^53, the nearest
 * double beyond (no saturation at 2^64, as strtoull's). */
static double digits_value(const char *d, int base)
{
    double v = 0;
    for (; *d; d++)
        v = v * base + (*d <= '9' ? *d - '0' : (*d | 0x20) - 'a' + 10);
    return v;
}

double sweep_yaml_number(const char *text)
{
    char t[300]; /* text without its '_' (values are at most 255 bytes) */
    size_t n = 0;
    for (; *text && n + 1 < sizeof t; text++)
        if (*text != '_')
            t[n++] = *text;
    t[n] = '\0';
    int neg = t[0] == '-';
    const char *u = t + (t[0] == '-' || t[0] == '+');
    double x;
    if (!strcasecmp(u, ".inf"))
        x = INFINITY;
    else if (!strcasecmp(u, ".nan"))
        x = NAN;
    else if (strchr(u, ':') != NULL)
        x = base60(u);
    else if (u[0] == '0' && (u[1] == 'x' || u[1] == 'b'))
        x = digits_value(u + 2, u[1] == 'x' ? 16 : 2);
    else if (u[0] == '0' && u[1] != '\0' && strpbrk(u, ".eE") == NULL)
        x = digits_value(u + 1, 8);
    else
        x = strtod(u, NULL);
    return neg ? -x : x;
}

char sweep_scalar_type(const char *t)
{
    static const char *const BOOLS[] = {"yes",  "Yes",  "YES",  "no",    "No",    "NO",
                                        "true", "True", "TRUE", "false", "False", "FALSE",
                                        "on",   "On",   "ON",   "off",   "Off",   "OFF"};
    static const char *const NULLS[] = {"", "~", "null", "Null", "NULL"};
    if (sweep_find(t, NULLS, 5) < 5)
        return SWEEP_T_NULL;
    if (sweep_find(t, BOOLS, 18) < 18)
        return SWEEP_T_BOOL;
    if (yaml11_int(t))
        return SWEEP_T_INT;
    return yaml11_float(t) ? SWEEP_T_FLOAT : SWEEP_T_STR;
}

/* The type of scalar node n's value: a quoted (or block) scalar is a string; a plain one is
 * what its text resolves to (an explicit tag, `!!str 64`, is not told apart by libyaml's
 * document API: read as its text resolves). */
static char node_type(const yaml_node_t *n)
{
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return SWEEP_T_STR;
    return sweep_scalar_type((const char *)n->data.scalar.value);
}

/* p->vtypes from the value nodes (one scalar, or a list of them), once p->values is read. */
static int value_types(ctx *c, sweep_param *p, yaml_node_t *v)
{
    free(p->vtypes);
    if ((p->vtypes = malloc(p->nvalues ? p->nvalues : 1)) == NULL)
        return cli_yaml_oom();
    for (size_t i = 0; i < p->nvalues; i++)
        p->vtypes[i] =
            node_type(v->type == YAML_SEQUENCE_NODE ? node(c, v->data.sequence.items.start[i]) : v);
    return GPBO_OK;
}

/* when: {parent: value} or {parent: [v1, v2]}: kept as written; finish() resolves the parent
 * (it may come later in the file) through resolve_when. */
static int when_pair(ctx *c, sweep_param *p, yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE ||
        v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
        return err_at(c, v, "when of '%s' must be one {parent: value} or {parent: [values]}",
                      SHOW(p->name));
    yaml_node_pair_t *pr = v->data.mapping.pairs.start;
    yaml_node_t *pk = node(c, pr->key), *pv = node(c, pr->value);
    const char *parent = scalar(c, pk, "the parent's name");
    if (parent == NULL || (p->when_parent = dupstr(c, pk, parent)) == NULL)
        return gpbo_error_code();
    p->when_line = pk->start_mark.line + 1;
    p->when_col = pk->start_mark.column + 1;
    if (pv != NULL && pv->type == YAML_SEQUENCE_NODE) {
        if (seq_len(pv) == 0)
            return err_at(c, pv, "when of '%s': the list of values of '%s' is empty", SHOW(p->name),
                          SHOW(parent));
        int rc =
            scalar_list(c, pv, "a value of when", SWEEP_MAX_VALUE_LEN, &p->when_values, &p->nwhen);
        if (rc == GPBO_OK && (p->when_plain = malloc(p->nwhen)) == NULL)
            rc = cli_yaml_oom();
        for (size_t i = 0; rc == GPBO_OK && i < p->nwhen; i++)
            p->when_plain[i] = node(c, pv->data.sequence.items.start[i])->data.scalar.style ==
                               YAML_PLAIN_SCALAR_STYLE;
        return rc;
    }
    const char *x = scalar(c, pv, "the value of when");
    if (x == NULL)
        return GPBO_EFORMAT;
    if ((p->when_values = calloc(1, sizeof *p->when_values)) == NULL ||
        (p->when_plain = malloc(1)) == NULL)
        return cli_yaml_oom();
    if ((p->when_values[0] = dupstr(c, pv, x)) == NULL)
        return gpbo_error_code();
    p->nwhen = 1;
    p->when_plain[0] = pv->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return GPBO_OK;
}

static int default_pair(ctx *c, sweep_param *p, yaml_node_t *v)
{
    const char *x = scalar(c, v, "default");
    if (x == NULL)
        return GPBO_EFORMAT;
    if (strlen(x) > SWEEP_MAX_VALUE_LEN)
        return err_at(c, v, "the default of '%s' is %zu bytes long; at most %d are allowed",
                      SHOW(p->name), strlen(x), SWEEP_MAX_VALUE_LEN);
    /* a number as the file's other numbers read (010 refused, naming the line) */
    char what[128], typed[SWEEP_ARG_TEXT_CAP], t = node_type(v);
    snprintf(what, sizeof what, "the default of '%s'", SHOW(p->name));
    double num;
    int is_int, rc = t == SWEEP_T_INT || t == SWEEP_T_FLOAT ? number_of(c, v, what, &num, &is_int)
                                                            : GPBO_OK;
    /* then held as a value of values: reaches {name} (sweep_arg_text): Python's str() of what
     * PyYAML reads, so that {name} looks the same whether the value was drawn or is the
     * default (yes reached it as "yes", 1.50 as "1.50", null as "null": True, 1.5, None) */
    if (rc == GPBO_OK &&
        (p->def = dupstr(c, v, sweep_typed_text(x, t, typed, sizeof typed))) == NULL)
        rc = gpbo_error_code();
    return rc;
}

static const char *type_name(char t)
{
    return t == SWEEP_T_INT     ? "an integer"
           : t == SWEEP_T_FLOAT ? "a float"
           : t == SWEEP_T_BOOL  ? "a boolean"
           : t == SWEEP_T_NULL  ? "null"
                                : "a string";
}

/* Two values of p's list, a and b (b later), that read alike. W&B (PyYAML) tells 64 and "64"
 * apart, an integer and a string; gpbo cannot keep both: a study stores a category by its text
 * (export, import, enqueue and when: name it so, and the search space refuses a choice twice).
 * Refused either way, saying which. */
static int repeated_value(ctx *c, const sweep_param *p, const keyed *a, const keyed *b)
{
    char ta = node_type(a->node), tb = node_type(b->node);
    if (ta == tb)
        return err_at(c, b->node, "'%s' is listed twice in the values of '%s' (lines %zu and %zu)",
                      SHOW(b->text), SHOW(p->name), line_of(a->node), line_of(b->node));
    return err_at(c, b->node,
                  "the values of '%s' list %s%s%s (%s, line %zu) and %s%s%s (%s, line %zu): two "
                  "values for W&B, but gpbo names a category by its text, and '%s' would name "
                  "both; give them different text",
                  SHOW(p->name), ta == SWEEP_T_STR ? "\"" : "", SHOW(a->text),
                  ta == SWEEP_T_STR ? "\"" : "", type_name(ta), line_of(a->node),
                  tb == SWEEP_T_STR ? "\"" : "", SHOW(b->text), tb == SWEEP_T_STR ? "\"" : "",
                  type_name(tb), line_of(b->node), SHOW(b->text));
}

static int param_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *pp)
{
    pstate *ps = pp;
    sweep_param *p = ps->p;
    (void)k;
    if (!strcmp(key, "when"))
        return when_pair(c, p, v);
    if (!strcmp(key, "default"))
        return default_pair(c, p, v);
    if (!strcmp(key, "value") || !strcmp(key, "values")) {
        int one = key[5] == '\0';
        if (ps->values_node != NULL)
            return err_at(c, k, "parameter '%s' has both value (line %zu) and values",
                          SHOW(p->name), line_of(ps->values_node));
        ps->values_node = k;
        if (one) {
            const char *s = scalar(c, v, "value");
            if (s == NULL)
                return GPBO_EFORMAT;
            if (strlen(s) > SWEEP_MAX_VALUE_LEN)
                return err_at(c, v, "the value of '%s' is %zu bytes long; at most %d are allowed",
                              SHOW(p->name), strlen(s), SWEEP_MAX_VALUE_LEN);
            if ((p->values = calloc(1, sizeof *p->values)) == NULL)
                return cli_yaml_oom();
            if ((p->values[0] = dupstr(c, v, s)) == NULL)
                return gpbo_error_code();
            p->nvalues = 1;
            if (!ps->has_dist)
                p->dist = D_CONSTANT;
            return value_types(c, p, v);
        }
        if (v->type != YAML_SEQUENCE_NODE)
            return err_at(c, v, "values of '%s' must be a list", SHOW(p->name));
        size_t n = seq_len(v);
        if (n == 0)
            return err_at(c, v, "values of '%s' is an empty list", SHOW(p->name));
        if (n > SWEEP_MAX_VALUES)
            return err_at(c, v, "'%s' has %zu values; at most %d are allowed", SHOW(p->name), n,
                          SWEEP_MAX_VALUES);
        int rc = scalar_list(c, v, "a value", SWEEP_MAX_VALUE_LEN, &p->values, &p->nvalues);
        if (rc == GPBO_OK)
            rc = value_types(c, p, v);
        if (rc != GPBO_OK)
            return rc;
        keyed *kv = malloc(n * sizeof *kv);
        if (kv == NULL)
            return cli_yaml_oom();
        for (size_t i = 0; i < n; i++)
            kv[i] = (keyed){p->values[i], node(c, v->data.sequence.items.start[i]), i};
        keyed *a, *b;
        if (find_repeat(kv, n, &a, &b))
            rc = repeated_value(c, p, a, b);
        free(kv);
        if (rc == GPBO_OK && !ps->has_dist)
            p->dist = D_CATEGORICAL;
        return rc;
    } else if (!strcmp(key, "distribution")) {
        int d = 0;
        int rc = choose(c, v, "distribution", DISTS, sizeof DISTS / sizeof *DISTS, &d);
        if (rc != GPBO_OK)
            return rc;
        p->dist = (sweep_dist)d;
        ps->has_dist = 1;
        p->dist_line = v->start_mark.line + 1;
        p->dist_col = v->start_mark.column + 1;
    } else if (!strcmp(key, "mu") || !strcmp(key, "sigma")) {
        int mu = key[0] == 'm';
        *(mu ? &ps->mu_node : &ps->sigma_node) = v;
        return number(c, v, key, mu ? &p->mu : &p->sigma);
    } else if (!strcmp(key, "min") || !strcmp(key, "max")) {
        int mn = key[1] == 'i';
        int rc = number_of(c, v, key, mn ? &p->min : &p->max, mn ? &ps->min_int : &ps->max_int);
        if (rc != GPBO_OK)
            return rc;
        *(mn ? &ps->has_min : &ps->has_max) = 1;
        *(mn ? &ps->min_node : &ps->max_node) = v;
    } else if (!strcmp(key, "probabilities")) { /* checked once the values are known */
        ps->prob_node = v;
    } else if (!strcmp(key, "q")) {
        int rc = number_of(c, v, "q", &p->q, &p->q_int);
        if (rc == GPBO_OK && !(p->q > 0))
            rc = err_at(c, v, "q of '%s' must be > 0", SHOW(p->name));
        ps->q_node = v;
        return rc;
    }
    return GPBO_OK;
}

/* The checks on a ranged parameter once all its keys are read: bounds that the search space
 * accepts and that stay finite through every conversion (exp, /q, max - min). */
static int check_range(ctx *c, pstate *ps, yaml_node_t *v)
{
    sweep_param *q = ps->p;
    const char *name = SHOW(q->name), *dist = DISTS[q->dist];
    if (!ps->has_min || !ps->has_max)
        return err_at(c, v, "parameter '%s' (%s) needs min and max", name, dist);
    if (q->min > q->max)
        return err_at(c, ps->max_node, "parameter '%s': min %g > max %g", name, q->min, q->max);
    int is_log = q->dist == D_LOG_UNIFORM_VALUES || q->dist == D_Q_LOG_UNIFORM_VALUES ||
                 q->dist == D_INT_LOG_UNIFORM_VALUES || q->dist == D_INV_LOG_UNIFORM_VALUES;
    if (is_log && q->min <= 0)
        return err_at(c, ps->min_node, "parameter '%s': %s needs min > 0", name, dist);
    if ((q->dist == D_LOG_UNIFORM || q->dist == D_Q_LOG_UNIFORM) && (q->min < -708 || q->max > 709))
        return err_at(c, q->min < -708 ? ps->min_node : ps->max_node,
                      "parameter '%s': %s bounds are exponents, from -708 to 709", name, dist);
    if (q->dist == D_INV_LOG_UNIFORM && (q->min < -709 || q->max > 708))
        return err_at(c, q->min < -709 ? ps->min_node : ps->max_node,
                      "parameter '%s': inv_log_uniform bounds are exponents (the values run from "
                      "exp(-max) to exp(-min)), from -709 to 708",
                      name);
    if (q->dist == D_UNIFORM && !isfinite(q->max - q->min))
        return err_at(c, ps->max_node,
                      "parameter '%s': the range [%g, %g] is too wide (max - min overflows)", name,
                      q->min, q->max);
    if (q->dist == D_INT_UNIFORM || q->dist == D_INT_LOG_UNIFORM_VALUES) {
        if (q->min != floor(q->min) || q->max != floor(q->max))
            return err_at(c, q->min != floor(q->min) ? ps->min_node : ps->max_node,
                          "parameter '%s': %s needs whole-number bounds", name, dist);
        if (fabs(q->min) > SWEEP_MAX_INT || fabs(q->max) > SWEEP_MAX_INT)
            return err_at(c, fabs(q->min) > SWEEP_MAX_INT ? ps->min_node : ps->max_node,
                          "parameter '%s': integer bounds must lie within +-9e15", name);
    }
    if (q->dist == D_Q_UNIFORM || q->dist == D_Q_LOG_UNIFORM_VALUES || q->dist == D_Q_LOG_UNIFORM) {
        if (q->q == 0)
            q->q = 1;
        yaml_node_t *at = ps->q_node ? ps->q_node : v;
        double vmin = q->dist == D_Q_LOG_UNIFORM ? exp(q->min) : q->min,
               vmax = q->dist == D_Q_LOG_UNIFORM ? exp(q->max) : q->max;
        double lo = ceil(vmin / q->q), hi = floor(vmax / q->q);
        if (!(fabs(lo) <= SWEEP_MAX_INT && fabs(hi) <= SWEEP_MAX_INT))
            return err_at(c, at,
                          "parameter '%s': q = %g is too small for [%g, %g] (min/q and "
                          "max/q must lie within +-9e15)",
                          name, q->q, vmin, vmax);
        if (hi < lo)
            return err_at(c, at, "parameter '%s': no multiple of q = %g in [%g, %g]", name, q->q,
                          vmin, vmax);
    }
    return GPBO_OK;
}

/* The normal family's checks once its keys are read: mu and sigma (defaults 0 and 1, W&B's)
 * and no bounds, which W&B's schema refuses for them too; values that stay finite. */
static int check_normal(ctx *c, pstate *ps, yaml_node_t *v)
{
    sweep_param *q = ps->p;
    const char *name = SHOW(q->name), *dist = DISTS[q->dist];
    if (ps->has_min || ps->has_max)
        return err_at(c, ps->has_min ? ps->min_node : ps->max_node,
                      "parameter '%s': %s takes mu and sigma, not min and max (it is unbounded)",
                      name, dist);
    if (!ps->sigma_node)
        q->sigma = 1;
    if (!(q->sigma > 0))
        return err_at(c, ps->sigma_node, "parameter '%s': sigma must be > 0 (a constant is value:)",
                      name);
    /* the quantiles drawn reach 4.76 sigma from mu: exp() of them, and mu + that, finite */
    double reach = fabs(q->mu) + 4.8 * q->sigma;
    int logn = q->dist == D_LOG_NORMAL || q->dist == D_Q_LOG_NORMAL;
    if (!(reach < (logn ? 700 : 1e300)))
        return err_at(c, ps->sigma_node ? ps->sigma_node : ps->mu_node,
                      "parameter '%s': mu %g and sigma %g are too large for %s (|mu| + 4.8 sigma "
                      "must be below %s)",
                      name, q->mu, q->sigma, dist, logn ? "700" : "1e300");
    if (q->dist == D_Q_NORMAL || q->dist == D_Q_LOG_NORMAL) {
        if (q->q == 0)
            q->q = 1;
    } else if (ps->q_node != NULL) {
        return err_at(c, ps->q_node, "parameter '%s': %s takes no q (q_%s does)", name, dist, dist);
    }
    (void)v;
    return GPBO_OK;
}

/* A key of another distribution (values: beside min and max, q on uniform, min on a
 * categorical) was read and ignored: {distribution: uniform, min: 0, max: 1, q: 0.1} drew
 * unrounded values, {distribution: int_uniform, min: 1, max: 9, values: [2, 4]} drew 1 to 9.
 * W&B's schema refuses both (each distribution's keys, additionalProperties false). The normal
 * family's bounds and q, and mu and sigma elsewhere, have messages of their own. */
static int keys_of_dist(ctx *c, const pstate *ps)
{
    const sweep_param *q = ps->p;
    const char *name = SHOW(q->name), *dist = DISTS[q->dist];
    int listed = q->dist == D_CONSTANT || q->dist == D_CATEGORICAL;
    int rounded = q->dist == D_Q_UNIFORM || q->dist == D_Q_LOG_UNIFORM ||
                  q->dist == D_Q_LOG_UNIFORM_VALUES || q->dist == D_Q_NORMAL ||
                  q->dist == D_Q_LOG_NORMAL;
    if (!listed && ps->values_node != NULL)
        return err_at(c, ps->values_node,
                      "parameter '%s': %s belongs to a categorical or constant parameter, not %s "
                      "(give the values or the distribution, not both)",
                      name, (const char *)ps->values_node->data.scalar.value, dist);
    if (listed && (ps->has_min || ps->has_max))
        return err_at(c, ps->has_min ? ps->min_node : ps->max_node,
                      "parameter '%s': min and max belong to a range, not %s (its values are "
                      "listed)",
                      name, dist);
    if (!rounded && ps->q_node != NULL && !SWEEP_IS_NORMAL(q->dist))
        return err_at(c, ps->q_node,
                      "parameter '%s': q belongs to q_uniform, q_log_uniform, "
                      "q_log_uniform_values, q_normal and q_log_normal, not %s (it would be "
                      "ignored)",
                      name, dist);
    return GPBO_OK;
}

/* W&B's probabilities: of a categorical parameter's values (random search draws them so): a
 * list of numbers >= 0, one a value. gpbo's strategies do not use them; they were accepted and
 * silently ignored. Checked here, and the first parameter that has them noted for gpbo run's
 * warning. */
static int probabilities(ctx *c, const sweep_param *p, yaml_node_t *v)
{
    if (p->dist != D_CATEGORICAL)
        return err_at(c, v,
                      "probabilities of '%s': only a categorical parameter (values:) has them",
                      SHOW(p->name));
    if (p->values == NULL) /* "needs values" follows */
        return GPBO_OK;
    if (v->type != YAML_SEQUENCE_NODE || seq_len(v) != p->nvalues)
        return err_at(c, v, "probabilities of '%s' must be a list of %zu numbers, one a value",
                      SHOW(p->name), p->nvalues);
    double sum = 0;
    for (size_t i = 0; i < p->nvalues; i++) {
        yaml_node_t *it = node(c, v->data.sequence.items.start[i]);
        double x;
        int rc = number(c, it, "a probability", &x);
        if (rc == GPBO_OK && !(x >= 0 && x <= 1))
            rc = err_at(c, it, "a probability of '%s' is %g, not within [0, 1]", SHOW(p->name), x);
        if (rc != GPBO_OK)
            return rc;
        sum += x;
    }
    /* W&B neither checks nor normalises them: its random search takes the value whose
     * cumulative probability first passes a uniform draw (sweeps' params.py), so a sum below 1
     * gives the rest to the first value and a sum above 1 takes it from the last ones */
    if (!(fabs(sum - 1) <= 1e-6))
        return err_at(c, v,
                      "probabilities of '%s' sum to %.10g, not 1: W&B does not normalise them (its "
                      "random search gives %s to %s value); make them sum to 1",
                      SHOW(p->name), sum, sum < 1 ? "what is missing" : "less than listed",
                      sum < 1 ? "the first" : "the last");
    if (c->s->probabilities_line == 0) {
        c->s->probabilities_line = line_of(v);
        c->s->probabilities_of = p->name;
    }
    return GPBO_OK;
}

/* Parameter names reach argv (--name=value), {name} placeholders and messages. */
static int check_param_name(ctx *c, yaml_node_t *k, const char *key)
{
    if (*key == '\0')
        return err_at(c, k, "a parameter name is empty");
    for (const char *t = key; *t; t++)
        if ((unsigned char)*t < 0x20 || *t == 0x7f || *t == '{' || *t == '}' || *t == '=')
            return err_at(c, k,
                          "parameter name '%s' holds '%c' (names cannot hold control "
                          "characters, braces or '=')",
                          SHOW(key), (unsigned char)*t < 0x20 || *t == 0x7f ? '?' : *t);
    return GPBO_OK;
}

static int param_entry(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)p;
    sweep *s = c->s;
    int rc = check_param_name(c, k, key);
    if (rc != GPBO_OK)
        return rc;
    sweep_param *q = &s->p[s->np++]; /* room for every entry was made up front */
    memset(q, 0, sizeof *q);
    q->dist = (sweep_dist)-1;
    if ((q->name = dupstr(c, k, key)) == NULL)
        return gpbo_error_code();
    q->line = k->start_mark.line + 1;
    q->col = k->start_mark.column + 1;
    pstate ps = {q, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    char what[100];
    snprintf(what, sizeof what, "parameter '%s'", SHOW(key));
    /* the distribution first: W&B's {distribution: normal, mu: 0, sigma: 1} was refused for its
     * key 'mu' ("did you mean 'min'?"), not for the distribution gpbo does not have */
    for (yaml_node_pair_t *pr = v && v->type == YAML_MAPPING_NODE ? v->data.mapping.pairs.start
                                                                  : NULL;
         pr != NULL && pr < v->data.mapping.pairs.top; pr++) {
        yaml_node_t *dk = node(c, pr->key), *dv = node(c, pr->value);
        int d;
        if (dk && dk->type == YAML_SCALAR_NODE && dv && dv->type == YAML_SCALAR_NODE &&
            !strcmp((const char *)dk->data.scalar.value, "distribution") &&
            (rc = choose(c, dv, "distribution", DISTS, sizeof DISTS / sizeof *DISTS, &d)) !=
                GPBO_OK)
            return rc;
        /* W&B's nested parameters (a config value that is a dict) were "unknown key
         * 'parameters' (one of: value values ...)" */
        if (dk && dk->type == YAML_SCALAR_NODE &&
            !strcmp((const char *)dk->data.scalar.value, "parameters"))
            return err_at(c, dk,
                          "parameter '%s': nested parameters (W&B's parameters: inside a "
                          "parameter, whose value is then a dict) are not supported; give each "
                          "at the top level of parameters:",
                          SHOW(key));
    }
    rc = each_pair(c, v, what, PARAM_KEYS, sizeof PARAM_KEYS / sizeof *PARAM_KEYS, param_pair, &ps);
    if (rc != GPBO_OK)
        return rc;
    if ((int)q->dist == -1) {
        if (ps.has_min && ps.has_max)
            q->dist = ps.min_int && ps.max_int ? D_INT_UNIFORM : D_UNIFORM;
        else
            return err_at(c, v, "parameter '%s' needs value, values, or min and max", SHOW(key));
    }
    if (ps.prob_node != NULL && (rc = probabilities(c, q, ps.prob_node)) != GPBO_OK)
        return rc;
    yaml_node_t *musig = ps.mu_node ? ps.mu_node : ps.sigma_node;
    if (musig != NULL && !SWEEP_IS_NORMAL(q->dist))
        return err_at(c, musig,
                      "parameter '%s': mu and sigma belong to normal, q_normal, log_normal and "
                      "q_log_normal, not %s",
                      SHOW(key), DISTS[q->dist]);
    if ((rc = keys_of_dist(c, &ps)) != GPBO_OK)
        return rc;
    if (SWEEP_IS_NORMAL(q->dist))
        return check_normal(c, &ps, v);
    if (q->dist != D_CONSTANT && q->dist != D_CATEGORICAL)
        return check_range(c, &ps, v);
    if (q->values == NULL)
        return err_at(c, v, "parameter '%s' (%s) needs %s", SHOW(key), DISTS[q->dist],
                      q->dist == D_CONSTANT ? "value" : "values");
    if (q->dist == D_CONSTANT && q->nvalues != 1)
        return err_at(c, v, "parameter '%s' (constant) needs one value, not a list", SHOW(key));
    return GPBO_OK;
}

/* ---- the other sections ----------------------------------------------------------------- */

static const char *const METRIC_KEYS[] = {"name", "goal", "target", "impute",
                                          "impute_while_running"};

/* W&B's metric.impute (what its Bayesian search takes for a failed, crashed or killed run:
 * worst, its default, best or latest) and impute_while_running (a metric for running runs:
 * "false", its default, or worst, best, latest) were refused as unknown keys, as if gpbo had no
 * answer. gpbo records a failed trial as failed; its Bayesian strategy leaves it out (gpbo:
 * {failed: exclude}, the default) or gives it the worst value seen (failed: worst), which is
 * impute: worst, taken so; running trials are pending points (gpbo: {batch: ...}), never given
 * a metric, which is impute_while_running's "false". The others are refused saying so. */
static int impute_pair(ctx *c, const char *key, yaml_node_t *v)
{
    const char *x = scalar(c, v, key);
    if (x == NULL)
        return GPBO_EFORMAT;
    if (!strcmp(key, "impute")) {
        if (!strcmp(x, "worst")) {
            c->impute_node = v;
            return GPBO_OK;
        }
        return err_at(c, v,
                      "metric: impute: '%s' is not something gpbo does: a failed trial is recorded "
                      "failed, and the Bayesian strategy leaves it out (gpbo: {failed: exclude}, "
                      "the default) or, with impute: worst (gpbo: {failed: worst}), gives it the "
                      "worst value seen",
                      SHOW(x));
    }
    /* "false" is W&B's (a string: its schema refuses YAML's boolean); either is taken */
    int plain_bool =
        v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && sweep_scalar_type(x) == SWEEP_T_BOOL;
    if (!strcmp(x, "false") ||
        (plain_bool && (!strcasecmp(x, "false") || !strcasecmp(x, "no") || !strcasecmp(x, "off"))))
        return GPBO_OK;
    return err_at(c, v,
                  "metric: impute_while_running: '%s' is not something gpbo does: running trials "
                  "get no metric; the Bayesian strategy holds them as pending points (gpbo: "
                  "{batch: kb|cl_min|cl_mean|cl_max|lp}); give \"false\" or leave it out",
                  SHOW(x));
}

static int metric_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    (void)p;
    if (!strcmp(key, "name")) {
        const char *s = scalar(c, v, "metric name");
        if (s == NULL)
            return GPBO_EFORMAT;
        /* the program prints name=value: a name with '=' or blanks could never be read back */
        if (*s == '\0' || strpbrk(s, "= \t\r\n\v\f") != NULL)
            return err_at(c, v, "metric name '%s' must be a word without spaces or '='", SHOW(s));
        if ((c->s->metric = dupstr(c, v, s)) == NULL)
            return gpbo_error_code();
    } else if (!strcmp(key, "goal")) {
        static const char *const goals[] = {"minimize", "maximize"};
        return choose(c, v, "goal", goals, 2, &c->s->maximize);
    } else if (!strcmp(key, "target")) { /* it was accepted and ignored */
        c->s->has_target = 1;
        return number(c, v, "metric target", &c->s->target);
    } else if (!strcmp(key, "impute") || !strcmp(key, "impute_while_running")) {
        return impute_pair(c, key, v);
    }
    return GPBO_OK;
}

/* metrics: [{name: ..., goal: ...}, ...]: several objectives (issue 20), each an entry read as
 * metric: is, into the sweep's objective lists (finish() makes them the study's). */
static const char *const OBJECTIVE_KEYS[] = {"name", "goal"};

static int objective_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    sweep *s = c->s;
    size_t j = *(size_t *)p;
    if (!strcmp(key, "goal")) {
        static const char *const goals[] = {"minimize", "maximize"};
        int t = 0, rc = choose(c, v, "goal", goals, 2, &t);
        s->objective_dirs[j] = t ? GPBO_MAXIMIZE : GPBO_MINIMIZE;
        return rc;
    }
    const char *nm = scalar(c, v, "metric name");
    if (nm == NULL)
        return GPBO_EFORMAT;
    if (*nm == '\0' || strpbrk(nm, "= \t\r\n\v\f") != NULL)
        return err_at(c, v, "metric name '%s' must be a word without spaces or '='", SHOW(nm));
    for (size_t i = 0; i < j; i++)
        if (!strcmp(s->objectives[i], nm))
            return err_at(c, v, "metric '%s' appears twice in metrics", SHOW(nm));
    if ((s->objectives[j] = dupstr(c, v, nm)) == NULL)
        return gpbo_error_code();
    return GPBO_OK;
}

static int metrics_list(ctx *c, yaml_node_t *v)
{
    sweep *s = c->s;
    if (v->type != YAML_SEQUENCE_NODE)
        return err_at(c, v, "metrics must be a list of {name: ..., goal: minimize|maximize}");
    size_t n = seq_len(v);
    if (n < 1 || n > GPBO_MAX_OBJECTIVES)
        return err_at(c, v, "metrics lists %zu metrics; 1 to %d are allowed", n,
                      GPBO_MAX_OBJECTIVES);
    for (size_t j = 0; j < n; j++) {
        yaml_node_t *e = node(c, v->data.sequence.items.start[j]);
        s->objective_dirs[j] = GPBO_MINIMIZE;
        int rc = each_pair(c, e, "an entry of metrics", OBJECTIVE_KEYS, 2, objective_pair, &j);
        s->nobjectives = j + (s->objectives[j] != NULL);
        if (rc == GPBO_OK && s->objectives[j] == NULL)
            rc = err_at(c, e, "an entry of metrics needs a name");
        if (rc != GPBO_OK)
            return rc;
    }
    c->metrics_node = v;
    return GPBO_OK;
}

/* early_terminate's keys: type, then hyperband's (W&B's names; strict is W&B's and ignored),
 * then the median rule's (Optuna's MedianPruner's, without the n_). */
enum { ET_MIN_ITER = 1, ET_MAX_ITER = 2, ET_S = 4, ET_FIRST_MEDIAN = 6, ET_NKEYS = 9 };
static const char *const ET_KEYS[ET_NKEYS] = {
    "type",   "min_iter",       "max_iter",     "eta",           "s",
    "strict", "startup_trials", "warmup_steps", "interval_steps"};
/* the types, in gpbo_pruner_kind's order */
static const char *const ET_TYPES[] = {"none", "median", "hyperband"};

/* What early_terminate gave besides the pruner's options: each key's value node (NULL when not
 * given), so that W&B's other form of hyperband, max_iter with s brackets, and whether each key
 * belongs to the type (which may come last) are resolved once every key is read. */
typedef struct et_state {
    yaml_node_t *given[ET_NKEYS];
    size_t s;
} et_state;

static int et_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    et_state *e = p;
    gpbo_pruner_options *o = &c->s->prune;
    for (size_t i = 0; i < ET_NKEYS; i++)
        if (!strcmp(key, ET_KEYS[i]))
            e->given[i] = v;
    if (!strcmp(key, "type")) {
        int t;
        int rc = choose(c, v, "early_terminate type", ET_TYPES, 3, &t);
        o->kind = (gpbo_pruner_kind)t;
        return rc;
    }
    if (!strcmp(key, "strict")) { /* W&B's boolean, not used: anything was taken */
        int b;
        return boolean(c, v, "strict", &b);
    }
    if (!strcmp(key, "s"))
        return count(c, v, "s", &e->s);
    if (!strcmp(key, "eta")) {
        double x;
        int rc = number(c, v, key, &x);
        if (rc == GPBO_OK && !(x > 1))
            rc = err_at(c, v, "eta must be > 1");
        if (rc == GPBO_OK)
            o->eta = x;
        return rc;
    }
    size_t x;
    int rc = count_from(c, v, key,
                        !strcmp(key, "min_iter") || !strcmp(key, "interval_steps") ? 1 : 0, &x);
    if (rc != GPBO_OK)
        return rc;
    if (!strcmp(key, "min_iter")) {
        o->min_iter = (long)x;
    } else if (!strcmp(key, "max_iter")) {
        o->max_iter = (long)x;
    } else if (!strcmp(key, "startup_trials")) {
        o->startup_trials = x;
    } else if (!strcmp(key, "warmup_steps")) {
        o->warmup_steps = (long)x;
    } else if (!strcmp(key, "interval_steps")) {
        o->interval_steps = (long)x;
    }
    return GPBO_OK;
}

/* A key of the other rule (median's startup_trials with hyperband, hyperband's eta with median,
 * any with none) used to be read and ignored: {type: median, min_iter: 3} pruned from the
 * first step as if min_iter were not there. */
static int et_keys_of_type(ctx *c, const et_state *e)
{
    gpbo_pruner_kind kind = c->s->prune.kind;
    for (size_t i = 1; i < ET_NKEYS; i++) {
        int hyperband_key = i < ET_FIRST_MEDIAN;
        if (e->given[i] == NULL || (kind == GPBO_PRUNER_HYPERBAND && hyperband_key) ||
            (kind == GPBO_PRUNER_MEDIAN && !hyperband_key))
            continue;
        return err_at(c, e->given[i],
                      "early_terminate: %s is not an option of type %s (hyperband takes "
                      "min_iter, max_iter, eta, s and strict; median takes startup_trials, "
                      "warmup_steps and interval_steps)",
                      ET_KEYS[i], ET_TYPES[kind]);
    }
    return GPBO_OK;
}

/* W&B's hyperband with max_iter and s: brackets at max_iter / eta^i (i = 1 .. s, those of 1
 * step or more), none at max_iter itself. It used to be read as min_iter's form with s
 * ignored: {max_iter: 27, s: 2} pruned at steps 1, 3, 9 and 27 where W&B prunes at 3 and 9,
 * stopping trials after one epoch and at their last. Here the rungs run from the smallest
 * bracket to the largest, max_iter / eta (min_iter * eta^k: W&B's brackets when max_iter is
 * an integer times a power of eta, near them otherwise). Then the
 * options are checked as the pruner will check them, so that their error names the line. */
static int et_finish(ctx *c, yaml_node_t *v, const et_state *e)
{
    gpbo_pruner_options *o = &c->s->prune;
    yaml_node_t *s_node = e->given[ET_S], *min_node = e->given[ET_MIN_ITER],
                *max_node = e->given[ET_MAX_ITER];
    int rc = et_keys_of_type(c, e);
    if (rc != GPBO_OK)
        return rc;
    if (s_node != NULL && o->kind == GPBO_PRUNER_HYPERBAND) {
        if (max_node == NULL)
            return err_at(c, s_node,
                          "early_terminate: s (the number of brackets) needs max_iter; or give "
                          "min_iter alone");
        if (min_node != NULL)
            return err_at(c, min_node,
                          "early_terminate: give min_iter, or max_iter with s, not both");
        double band = (double)o->max_iter, first = 0;
        for (size_t i = 0; i < e->s && band / o->eta >= 1; i++)
            first = band = band / o->eta;
        if (first < 1) /* no bracket of a step or more: W&B refuses it ("Bands must be ...") */
            return err_at(c, s_node,
                          "early_terminate: max_iter %ld, eta %g and s %zu make no bracket of a "
                          "step or more (brackets at max_iter / eta^i, i = 1 .. s): raise s or "
                          "max_iter, or lower eta",
                          o->max_iter, o->eta, e->s);
        o->min_iter = (long)first;
        o->max_iter = (long)((double)o->max_iter / o->eta); /* W&B's largest bracket */
    }
    /* max_iter alone: W&B's schema refuses it (max_iter needs s, or min_iter is given); it used
     * to run min_iter's default rungs 1, 3, 9, ... up to max_iter, so a W&B user's
     * {max_iter: 27} pruned after the first step and at step 27, the trials' last. */
    if (o->kind == GPBO_PRUNER_HYPERBAND && max_node != NULL && min_node == NULL && s_node == NULL)
        return err_at(c, max_node,
                      "early_terminate: max_iter needs s, the number of brackets (W&B's form: "
                      "brackets at max_iter / eta^i, i = 1 .. s), or min_iter (rungs at "
                      "min_iter * eta^k up to max_iter)");
    /* neither: W&B's schema refuses it too; it ran rungs from min_iter's default, 1 */
    if (o->kind == GPBO_PRUNER_HYPERBAND && max_node == NULL && min_node == NULL)
        return err_at(c, v,
                      "early_terminate: hyperband needs min_iter (rungs at min_iter * eta^k), or "
                      "max_iter with s (W&B's brackets at max_iter / eta^i), as W&B requires");
    if (o->kind == GPBO_PRUNER_NONE)
        return GPBO_OK;
    gpbo_pruner *p = gpbo_pruner_new(o);
    if (p == NULL)
        return err_at(c, v, "early_terminate: %s", gpbo_error_message());
    gpbo_pruner_free(p);
    return GPBO_OK;
}

/* the gpbo: section's names of gpbo_acq_batch, gpbo_mo_acq and gpbo_failed_policy, in order */
const char *const SWEEP_BATCH_NAMES[5] = {"kb", "cl_min", "cl_mean", "cl_max", "lp"};
const char *const SWEEP_MO_NAMES[2] = {"ehvi", "parego"};
const char *const SWEEP_FAILED_NAMES[2] = {"exclude", "worst"};

static const char *const GPBO_KEYS[] = {"kernel",
                                        "acquisition",
                                        "initial",
                                        "batch",
                                        "refit_every",
                                        "seed",
                                        "timeout",
                                        "jobs",
                                        "grid_resolution",
                                        "grid_shuffle",
                                        "failed",
                                        "priors",
                                        "additive",
                                        "restart",
                                        "heartbeat",
                                        "grace",
                                        "lost_retries",
                                        "mo_acquisition",
                                        "max_initial_failures"};

static int gpbo_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    (void)p;
    gpbo_study_options *o = &c->s->study;
    int rc = GPBO_OK, t = 0;
    /* GPBO_KEYS' own string (each_pair takes each key once) */
    for (size_t i = 0; i < sizeof GPBO_KEYS / sizeof *GPBO_KEYS; i++)
        if (!strcmp(key, GPBO_KEYS[i]) &&
            c->s->ngpbo_set < sizeof c->s->gpbo_set / sizeof *c->s->gpbo_set)
            c->s->gpbo_set[c->s->ngpbo_set++] = GPBO_KEYS[i];
    if (!strcmp(key, "kernel")) {
        /* the GP library's names (its table, not a copy) */
        const char *w[GPBO_KERNEL_COUNT];
        for (t = 0; t < GPBO_KERNEL_COUNT; t++)
            w[t] = gpbo_kernel_name((gpbo_kernel_type)t);
        rc = choose(c, v, "kernel", w, GPBO_KERNEL_COUNT, &t);
        if (rc == GPBO_OK)
            rc = gpbo_kernel_parse(w[t], &o->kernel);
    } else if (!strcmp(key, "acquisition")) {
        /* the library's names, and "ucb" (which it parses as lcb) */
        const char *w[GPBO_ACQ_KIND_COUNT + 1];
        for (t = 0; t < GPBO_ACQ_KIND_COUNT; t++)
            w[t] = gpbo_acq_kind_name((gpbo_acq_kind)t);
        w[GPBO_ACQ_KIND_COUNT] = "ucb";
        rc = choose(c, v, "acquisition", w, GPBO_ACQ_KIND_COUNT + 1, &t);
        if (rc == GPBO_OK)
            rc = gpbo_acq_kind_parse(w[t], &o->acquisition);
    } else if (!strcmp(key, "batch")) {
        rc = choose(c, v, "batch mode", SWEEP_BATCH_NAMES, 5, &t);
        o->batch = (gpbo_acq_batch)t;
    } else if (!strcmp(key, "mo_acquisition")) {
        rc = choose(c, v, "mo_acquisition", SWEEP_MO_NAMES, 2, &t);
        o->mo_acquisition = (gpbo_mo_acq)t;
    } else if (!strcmp(key, "failed")) {
        rc = choose(c, v, "failed policy", SWEEP_FAILED_NAMES, 2, &t);
        o->failed = (gpbo_failed_policy)t;
    } else if (!strcmp(key, "initial")) {
        rc = count(c, v, key, &o->n_init);
    } else if (!strcmp(key, "refit_every")) {
        rc = count_from(c, v, key, 1, &o->refit_every);
    } else if (!strcmp(key, "grid_resolution")) {
        rc = count_from(c, v, key, 1, &o->grid_resolution);
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
        if (rc == GPBO_OK && (c->s->jobs < 1 || c->s->jobs > SWEEP_MAX_JOBS))
            rc = err_at(c, v, "gpbo.jobs must be from 1 to %d", SWEEP_MAX_JOBS);
    } else if (!strcmp(key, "heartbeat")) {
        rc = number(c, v, key, &o->heartbeat);
        if (rc == GPBO_OK && !(o->heartbeat >= 0 && o->heartbeat < 1e9))
            rc = err_at(c, v, "heartbeat must be >= 0 seconds (0: none)");
    } else if (!strcmp(key, "grace")) {
        rc = number(c, v, key, &o->grace);
        if (rc == GPBO_OK && !(o->grace > 0 && o->grace < 1e9))
            rc = err_at(c, v, "grace must be > 0 seconds");
    } else if (!strcmp(key, "lost_retries")) {
        rc = count(c, v, key, &o->lost_retries);
    } else if (!strcmp(key, "max_initial_failures")) {
        rc = count(c, v, key, &c->s->max_initial_failures);
    } else if (!strcmp(key, "timeout")) {
        rc = number(c, v, key, &c->s->timeout);
        if (rc == GPBO_OK && !(c->s->timeout >= 0))
            rc = err_at(c, v, "timeout must be >= 0 seconds");
    }
    return rc;
}

static int trainer_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)p;
    sweep *s = c->s;
    const char *val = scalar(c, v, key);
    if (val == NULL)
        return GPBO_EFORMAT;
    sweep_kv *kv = &s->trainer[s->ntrainer]; /* room was made up front */
    if ((kv->key = dupstr(c, k, key)) == NULL)
        return gpbo_error_code();
    s->ntrainer++; /* from here sweep_free() frees the pair */
    kv->line = k->start_mark.line + 1;
    kv->col = k->start_mark.column + 1;
    /* a number as the file's other numbers read: epochs: 0x10 (16 for PyYAML) reached the
     * trainer's strtod as hex, 1_000 as no number, 010 as 10 where PyYAML reads 8 */
    char what[128];
    snprintf(what, sizeof what, "trainer setting %s", SHOW(key));
    if ((kv->value = value_text(c, v, what, val)) == NULL)
        return gpbo_error_code();
    /* the value as the trainer will read it, refused here where its line is known: a bad one
     * (flip: treu, monitor: val_acc) was named only with the file, once the run began */
    trainer_settings t;
    trainer_settings_init(&t);
    if (trainer_set(&t, key, kv->value) != GPBO_OK) {
        char why[400];
        snprintf(why, sizeof why, "%s", gpbo_error_message());
        return err_at(c, v, "%s", why);
    }
    return GPBO_OK;
}

/* ---- outcome constraints and initial points (issue 20) ----------------------------------- */

static const char *const CONSTRAINT_KEYS[] = {"name", "min", "max"};

static int constraint_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    gpbo_constraint *con = p;
    if (!strcmp(key, "min"))
        return number(c, v, "a constraint's min", &con->min);
    if (!strcmp(key, "max"))
        return number(c, v, "a constraint's max", &con->max);
    const char *x = scalar(c, v, "a constraint's name");
    if (x == NULL)
        return GPBO_EFORMAT;
    /* a metric the program prints as name=value */
    if (*x == '\0' || strpbrk(x, "= \t\r\n\v\f") != NULL)
        return err_at(c, v, "constraint name '%s' must be a word without spaces or '='", SHOW(x));
    con->name = dupstr(c, v, x);
    return con->name ? GPBO_OK : gpbo_error_code();
}

/* One entry of constraints:, k-th, into s->cons[k] (counted in s->ncons once read). */
static int constraint_entry(ctx *c, yaml_node_t *it, size_t k)
{
    gpbo_constraint *con = &c->s->cons[k];
    *con = (gpbo_constraint){NULL, -INFINITY, INFINITY};
    c->s->ncons = k + 1;
    int rc = each_pair(c, it, "a constraint", CONSTRAINT_KEYS, 3, constraint_pair, con);
    if (rc != GPBO_OK)
        return rc;
    if (con->name == NULL)
        return err_at(c, it, "a constraint needs a name (the metric the program prints)");
    if (con->min == -INFINITY && con->max == INFINITY)
        return err_at(c, it, "constraint '%s' needs min or max", SHOW(con->name));
    if (con->min > con->max)
        return err_at(c, it, "constraint '%s': min %g is above max %g", SHOW(con->name), con->min,
                      con->max);
    for (size_t j = 0; j < k; j++)
        if (!strcmp(c->s->cons[j].name, con->name))
            return err_at(c, it, "constraint '%s' is given twice", SHOW(con->name));
    return GPBO_OK;
}

/* constraints: [{name: mem_mb, max: 512}, {name: latency_ms, min: 1, max: 10}] */
static int constraints(ctx *c, yaml_node_t *v)
{
    c->cons_node = v;
    if (v->type != YAML_SEQUENCE_NODE)
        return err_at(c, v, "constraints must be a list of {name: ..., min: ..., max: ...}");
    size_t n = seq_len(v);
    if (n > SWEEP_MAX_PARAMS)
        return err_at(c, v, "%zu constraints; at most %d are allowed", n, SWEEP_MAX_PARAMS);
    if (n > 0 && (c->s->cons = calloc(n, sizeof *c->s->cons)) == NULL)
        return cli_yaml_oom();
    for (size_t k = 0; k < n; k++) {
        int rc = constraint_entry(c, node(c, v->data.sequence.items.start[k]), k);
        if (rc != GPBO_OK)
            return rc;
    }
    c->s->study.n_constraints = c->s->ncons;
    c->s->study.constraints = c->s->cons;
    return GPBO_OK;
}

/* One pair `parameter: value` of an initial point into vals (its parameter's slot); given
 * marks the slots set. */
typedef struct point_ctx {
    double *vals;
    unsigned char *given;
} point_ctx;

static int point_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    point_ctx *pc = p;
    const sweep *s = c->s;
    size_t i = 0;
    while (i < s->np && strcmp(s->p[i].name, key))
        i++;
    if (i == s->np) {
        const char **names = malloc(s->np * sizeof *names);
        if (names == NULL)
            return cli_yaml_oom();
        for (size_t j = 0; j < s->np; j++)
            names[j] = s->p[j].name;
        char hint[400];
        int rc = err_at(c, k, "initial point: unknown parameter '%s' (%s)", SHOW(key),
                        sweep_suggest(key, names, s->np, hint, sizeof hint));
        free(names);
        return rc;
    }
    const char *x = scalar(c, v, "an initial point's value");
    if (x == NULL)
        return GPBO_EFORMAT;
    if (sweep_value_text(s, i, x, v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, &pc->vals[i]) !=
        GPBO_OK) {
        char why[400];
        snprintf(why, sizeof why, "%s", gpbo_error_message());
        return err_at(c, v, "initial point: %s", why);
    }
    pc->given[i] = 1;
    return GPBO_OK;
}

/* The last error of gpbo_space_encode without its "space_encode: " (a copy in buf). */
static const char *encode_error(char *buf, size_t cap)
{
    const char *m = gpbo_error_message();
    snprintf(buf, cap, "%s", strncmp(m, "space_encode: ", 14) ? m : m + 14);
    return buf;
}

/* Reads initial_points (c->init_node) into s->init, each point checked against the space. */
static int initial_points(ctx *c)
{
    sweep *s = c->s;
    yaml_node_t *seq = c->init_node;
    size_t n = seq ? seq_len(seq) : 0;
    if (n == 0)
        return GPBO_OK;
    gpbo_space *sp = sweep_space(s);
    unsigned char *given = malloc(s->np);
    double *u = sp ? calloc(gpbo_space_dim(sp) + 1, sizeof *u) : NULL;
    double *fixed = malloc((s->np + 1) * sizeof *fixed); /* the constants' values: decoded */
    int rc = sp && given && u && fixed && (s->init = calloc(n * s->np, sizeof *s->init)) &&
                     gpbo_space_decode(sp, u, fixed) == GPBO_OK
                 ? GPBO_OK
                 : cli_yaml_oom();
    for (size_t k = 0; rc == GPBO_OK && k < n; k++) {
        yaml_node_t *it = node(c, seq->data.sequence.items.start[k]);
        point_ctx pc = {s->init + k * s->np, given};
        memset(given, 0, s->np);
        for (size_t i = 0; i < s->np; i++) /* a constant's own value; NaN: inactive (when:) */
            pc.vals[i] = s->p[i].dist == D_CONSTANT ? fixed[i] : NAN;
        rc = each_pair(c, it, "an initial point", NULL, 0, point_pair, &pc);
        for (size_t i = 0; rc == GPBO_OK && i < s->np; i++) {
            int active = gpbo_space_active(sp, pc.vals, i);
            if (!given[i] && active && s->p[i].dist != D_CONSTANT)
                rc = err_at(c, it, "initial point %zu lacks parameter '%s'", k + 1,
                            SHOW(s->p[i].name));
            else if (given[i] && !active)
                rc = err_at(c, it, "initial point %zu gives '%s', inactive under its when:", k + 1,
                            SHOW(s->p[i].name));
        }
        char msg[512];
        if (rc == GPBO_OK && gpbo_space_encode(sp, pc.vals, u) != GPBO_OK)
            rc = err_at(c, it, "initial point %zu: %s", k + 1, encode_error(msg, sizeof msg));
        s->ninit = rc == GPBO_OK ? k + 1 : s->ninit;
    }
    gpbo_space_free(sp);
    free(given);
    free(fixed);
    free(u);
    return rc;
}

/* constraints: (read now) and initial_points: (read in finish, once the parameters are known). */
static int outcome_pair(ctx *c, const char *key, yaml_node_t *v)
{
    if (!strcmp(key, "constraints"))
        return constraints(c, v);
    if (v->type != YAML_SEQUENCE_NODE)
        return err_at(c, v, "initial_points must be a list of {parameter: value, ...}");
    c->init_node = v;
    return GPBO_OK;
}

static const char *const TOP_KEYS[] = {
    "name",       "description", "project",     "entity",        "method",          "metric",
    "parameters", "run_cap",     "command",     "program",       "early_terminate", "gpbo",
    "trainer",    "metrics",     "constraints", "initial_points"};

static int top_pair(ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *p)
{
    (void)k;
    (void)p;
    sweep *s = c->s;
    if (!strcmp(key, "name")) {
        const char *x = scalar(c, v, "name");
        if (x == NULL)
            return GPBO_EFORMAT;
        /* A name is data: any bytes. The files named after it (<name>.db and <name>.runs/
         * next to the sweep file) encode it (cli_study_file), so it never chooses a path. */
        if (*x == '\0' || strlen(x) > SWEEP_MAX_NAME_LEN)
            return err_at(c, v, "name '%s' must be 1 to %d bytes", SHOW(x), SWEEP_MAX_NAME_LEN);
        if ((s->name = dupstr(c, v, x)) == NULL)
            return gpbo_error_code();
    } else if (!strcmp(key, "program")) {
        const char *x = scalar(c, v, "program");
        if (x == NULL)
            return GPBO_EFORMAT;
        if (*x == '\0')
            return err_at(c, v, "program is empty");
        if ((s->program = dupstr(c, v, x)) == NULL)
            return gpbo_error_code();
        c->program_node = v;
    } else if (!strcmp(key, "method")) {
        const char *m[SWEEP_STRATEGIES];
        int t;
        int rc = choose(c, v, "method", m, sweep_strategies(m), &t);
        if (rc == GPBO_OK && (s->method = dupstr(c, v, m[t])) == NULL)
            rc = gpbo_error_code();
        return rc;
    } else if (!strcmp(key, "metric")) {
        return each_pair(c, v, "metric", METRIC_KEYS, sizeof METRIC_KEYS / sizeof *METRIC_KEYS,
                         metric_pair, NULL);
    } else if (!strcmp(key, "metrics")) {
        return metrics_list(c, v);
    } else if (!strcmp(key, "parameters")) {
        if (v->type == YAML_MAPPING_NODE) {
            size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
            if (n > SWEEP_MAX_PARAMS)
                return err_at(c, v, "%zu parameters; at most %d are allowed", n, SWEEP_MAX_PARAMS);
            if (n > 0 && (s->p = calloc(n, sizeof *s->p)) == NULL)
                return cli_yaml_oom();
        }
        return each_pair(c, v, "parameters", NULL, 0, param_entry, NULL);
    } else if (!strcmp(key, "run_cap")) {
        /* 0 meant no cap for a grid, and "needs run_cap" for the others, which had one; a
         * negative one was told "a whole number from 0", which 0 is not */
        double x = 0;
        int rc = number(c, v, "run_cap", &x);
        if (rc == GPBO_OK && !(x >= 1 && x == floor(x) && x < 1e9))
            rc = err_at(c, v,
                        "run_cap must be a whole number from 1 to 999999999, as in W&B (leave it "
                        "out for method grid to run every point)");
        s->run_cap = rc == GPBO_OK ? (size_t)x : 0;
        return rc;
    } else if (!strcmp(key, "command")) {
        if (v->type != YAML_SEQUENCE_NODE)
            return err_at(c, v, "command must be a list of arguments");
        if (seq_len(v) == 0)
            return err_at(c, v, "command is an empty list");
        c->command_node = v;
        /* Linux refuses a longer single argument (MAX_ARG_STRLEN) */
        return scalar_list(c, v, "an argument", 131071, &s->command, &s->ncommand);
    } else if (!strcmp(key, "early_terminate")) {
        s->prune.kind = GPBO_PRUNER_HYPERBAND;
        et_state e = {0};
        int rc = each_pair(c, v, "early_terminate", ET_KEYS, sizeof ET_KEYS / sizeof *ET_KEYS,
                           et_pair, &e);
        return rc != GPBO_OK ? rc : et_finish(c, v, &e);
    } else if (!strcmp(key, "gpbo")) {
        int rc = each_pair(c, v, "the gpbo section", GPBO_KEYS,
                           sizeof GPBO_KEYS / sizeof *GPBO_KEYS, gpbo_pair, NULL);
        const gpbo_study_options *o = &s->study;
        if (rc == GPBO_OK && o->heartbeat > 0 && !(o->heartbeat < o->grace))
            rc = err_at(c, v, "heartbeat (%g s) must be shorter than grace (%g s)", o->heartbeat,
                        o->grace);
        return rc;
    } else if (!strcmp(key, "constraints") || !strcmp(key, "initial_points")) {
        return outcome_pair(c, key, v);
    } else if (!strcmp(key, "trainer")) {
        s->has_trainer = 1;
        c->trainer_node = k;
        if (v->type == YAML_MAPPING_NODE) {
            size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
            if (n > 0 && (s->trainer = calloc(n, sizeof *s->trainer)) == NULL)
                return cli_yaml_oom();
        }
        /* the keys of the one settings table (cli/trainer_objective.c interprets them) */
        const char *keys[TRAINER_NKEYS];
        return each_pair(c, v, "the trainer section", keys, trainer_keys(keys), trainer_pair, NULL);
    }
    return GPBO_OK;
}

/* ---- the command ------------------------------------------------------------------------ */

static const char *const MACROS[] = {
    "${args}",           "${args_no_hyphens}", "${args_no_boolean_flags}", "${args_json}",
    "${args_json_file}", "${program}",         "${interpreter}",           "${env}"};

static int is_macro(const char *t)
{
    for (size_t i = 0; i < sizeof MACROS / sizeof *MACROS; i++)
        if (!strcmp(t, MACROS[i]))
            return 1;
    return 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether t[0..n) is a name a placeholder could mean: cli/run.c replaces {name} only for the
 * parameters, so {word} naming none would reach the program as it stands. Stops at the first
 * other byte, so that scanning every '{' of an argument stays linear. */
static int word_like(const char *t, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(t[i] == '_' || t[i] == '-' || t[i] == '.' || (t[i] >= '0' && t[i] <= '9') ||
              ((t[i] | 0x20) >= 'a' && (t[i] | 0x20) <= 'z')))
            return 0;
    return 1;
}

/* Whether t[0..n) is one of the np sorted names (binary search, no copy); *at its place. */
static int is_name(const char *t, size_t n, char *const *sorted, size_t np, size_t *at)
{
    size_t lo = 0, hi = np;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strncmp(t, sorted[mid], n);
        if (r == 0)
            r = sorted[mid][n] == '\0' ? 0 : -1; /* t is a prefix of the name: it sorts first */
        if (r == 0) {
            *at = mid;
            return 1;
        }
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* A {name} placeholder of a parameter that can be inactive (when:) needs a default: an inactive
 * parameter is not passed, and the argument would otherwise hold nothing in its place. */
static int check_inactive(ctx *c, yaml_node_t *at, const char *name)
{
    const sweep *s = c->s;
    for (size_t i = 0; i < s->np; i++)
        if (s->p[i].name == name && s->p[i].when_parent != NULL && s->p[i].def == NULL)
            return err_at(c, at,
                          "'{%s}' in the command: '%s' is inactive unless %s is %s%s (when:, "
                          "line %zu); give it a default: for the trials where it is inactive",
                          SHOW(name), SHOW(name), SHOW(s->p[i].when_parent),
                          SHOW(s->p[i].when_values[0]), s->p[i].nwhen > 1 ? " or ..." : "",
                          s->p[i].when_line);
    return GPBO_OK;
}

/* Checks the {placeholders} of one argument the way cli/run.c's subst() reads them; *uses is
 * set when the argument has one (its value is then unknown until a trial). */
static int check_placeholders(ctx *c, yaml_node_t *at, const char *arg, char **sorted, int *uses)
{
    sweep *s = c->s;
    *uses = 0;
    const char *close = NULL; /* the first '}' at or after p: found once per '}', not per '{' */
    for (const char *p = strchr(arg, '{'); p != NULL; p = strchr(p + 1, '{')) {
        if (close == NULL || close < p)
            close = strchr(p, '}');
        if (close == NULL)
            return GPBO_OK;
        size_t n = (size_t)(close - p - 1), pos;
        if (is_name(p + 1, n, sorted, s->np, &pos)) {
            /* '${lr}' (a shell's or W&B's habit) passed '$' and then the value, '$0.001': the
             * program failed to read it, or read something else */
            if (p > arg && p[-1] == '$')
                return err_at(c, at,
                              "'${%s}' in '%s': a parameter's placeholder is '{%s}' (the '$' "
                              "before it would be passed as it is, '$' and the value)",
                              SHOW(sorted[pos]), SHOW(arg), SHOW(sorted[pos]));
            int rc = check_inactive(c, at, sorted[pos]);
            if (rc != GPBO_OK)
                return rc;
            *uses = 1;
            p = close;
            continue;
        }
        /* W&B's ${envvar:NAME} reached the program as it stands */
        if (p > arg && p[-1] == '$' && n > 7 && !strncmp(p + 1, "envvar:", 7))
            return err_at(c, at,
                          "'%s': W&B's ${envvar:NAME} is no macro gpbo has; the program inherits "
                          "gpbo's environment (read NAME there)",
                          SHOW(arg));
        if (!word_like(p + 1, n))
            continue;
        char word[72];
        snprintf(word, sizeof word, "%.*s", (int)(n < 60 ? n : 60), p + 1);
        static const char *const MACROS[] = {
            "args",           "args_no_hyphens", "args_no_boolean_flags", "args_json",
            "args_json_file", "program",         "interpreter",           "env"};
        size_t nm = sizeof MACROS / sizeof *MACROS;
        /* a macro gpbo does not have was told it must stand alone */
        if (p > arg && p[-1] == '$' && sweep_find(word, MACROS, nm) == nm)
            return err_at(c, at,
                          "'${%s}' is no macro gpbo has (did you mean '${%s}'?); it has ${args}, "
                          "${args_no_hyphens}, ${args_no_boolean_flags}, ${args_json}, "
                          "${args_json_file}, ${program}, ${interpreter} and ${env}",
                          word, sweep_closest(word, MACROS, nm));
        if (p > arg && p[-1] == '$')
            return err_at(c, at,
                          "'${%s}' in '%s': the macros ${args}, ${args_no_hyphens}, "
                          "${args_no_boolean_flags}, ${args_json}, ${args_json_file}, "
                          "${program}, ${interpreter} and ${env} are arguments of their own",
                          word, SHOW(arg));
        char hint[400] = "the sweep has no parameters";
        if (s->np > 0)
            sweep_suggest(word, (const char *const *)sorted, s->np, hint, sizeof hint);
        return err_at(c, at, "'{%s}' in the command names no parameter (%s)", word, hint);
    }
    return GPBO_OK;
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p != NULL) {
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
    }
    return p;
}

/* 0 when path is a file execve can start, else why not (a static string). */
static const char *why_not_exec(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT || errno == ENOTDIR ? "does not exist" : strerror(errno);
    if (S_ISDIR(st.st_mode))
        return "is a directory";
    if (!S_ISREG(st.st_mode))
        return "is not a regular file";
    if (access(path, X_OK) != 0)
        return "is not executable";
    return NULL;
}

/* Looks prog (no '/' in it) up on PATH as execvp does from folder dir (relative and empty
 * entries being relative to it; no PATH: /bin:/usr/bin). *found: an entry holds a file execve
 * can start; else, when an entry holds one it cannot start, *bad says why and *bad_path (the
 * caller frees it) names it. GPBO_OK, or GPBO_ENOMEM with the error set. */
static int path_lookup(const char *dir, const char *prog, int *found, const char **bad,
                       char **bad_path)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/bin:/usr/bin"; /* what execvp searches when PATH is unset */
    *found = 0;
    *bad = NULL;
    *bad_path = NULL;
    while (!*found) {
        size_t n = strcspn(path, ":");
        char *entry = malloc(n + 1);
        if (entry == NULL)
            break;
        memcpy(entry, path, n);
        entry[n] = '\0';
        char *d = entry[0] == '/' ? strdup(entry) : n == 0 ? strdup(dir) : join(dir, entry);
        char *full = d ? join(d, prog) : NULL;
        free(entry);
        free(d);
        if (full == NULL)
            break;
        const char *why = why_not_exec(full);
        if (why == NULL)
            *found = 1;
        else if (strcmp(why, "does not exist") != 0 && *bad == NULL) {
            *bad = why;
            *bad_path = full;
            full = NULL;
        }
        free(full);
        if (path[n] == '\0')
            return GPBO_OK;
        path += n + 1;
    }
    if (*found)
        return GPBO_OK;
    free(*bad_path); /* out of memory */
    *bad_path = NULL;
    *bad = NULL;
    return cli_yaml_oom();
}

/* The program that `#!/usr/bin/env ARG` has env start, into prog (cap bytes): the kernel hands
 * env the rest of the #! line as one argument (arg, its spaces and tabs trimmed), so without -S
 * that is the whole of it ("python3 -u" included); with -S (--split-string=) env splits it
 * into words, NAME=VALUE ones setting variables. 0 when env's reading cannot be judged here (its
 * other options, quotes, escapes, ${VARS}, comments, a PATH it sets) or there is no program. */
static int env_program(const char *arg, char *prog, size_t cap, int *split)
{
    const char *q = NULL;
    *split = 0;
    if (!strncmp(arg, "-S", 2))
        q = arg + 2;
    else if (!strncmp(arg, "--split-string=", 15))
        q = arg + 15;
    else if (arg[0] == '-' || strchr(arg, '=') != NULL)
        return 0; /* another option of env's, or a variable set with no program after it */
    if (q == NULL) {
        if (strlen(arg) >= cap)
            return 0;
        snprintf(prog, cap, "%s", arg);
        return 1;
    }
    if (strpbrk(q, "\"'\\$#") != NULL)
        return 0;
    *split = 1;
    for (;;) {
        q += strspn(q, " \t");
        size_t w = strcspn(q, " \t");
        if (w == 0 || q[0] == '-' || w >= cap)
            return 0;
        const char *eq = memchr(q, '=', w);
        if (eq == NULL) {
            memcpy(prog, q, w);
            prog[w] = '\0';
            return 1;
        }
        if (eq - q == 4 && !strncmp(q, "PATH", 4))
            return 0; /* env would look the program up on that PATH */
        q += w;
    }
}

/* When interp, the interpreter of a script's #! line, is env and the program that arg (the
 * rest of the line) has it start is not there: why, into buf (cap bytes), else NULL. env looks
 * the program up on PATH (the trial's, which is gpbo's) from the folder the trials run in, dir;
 * `#!/usr/bin/env python9` failed every trial with "env: 'python9': No such file or
 * directory". */
static const char *env_problem(const char *interp, const char *arg, const char *dir, char *buf,
                               size_t cap)
{
    const char *b = strrchr(interp, '/');
    char prog[256];
    int split = 0, found = 0;
    if (b == NULL || strcmp(b + 1, "env") != 0 || !env_program(arg, prog, sizeof prog, &split))
        return NULL;
    const char *why = NULL;
    char *bad_path = NULL;
    if (strchr(prog, '/') != NULL) {
        char *p = prog[0] == '/' ? strdup(prog) : join(dir, prog);
        why = p ? why_not_exec(p) : NULL;
        free(p);
    } else if (path_lookup(dir, prog, &found, &why, &bad_path) != GPBO_OK) {
        return NULL; /* out of memory: left to the trials */
    } else if (!found && why == NULL) {
        why = "is not on PATH";
    } else if (found) {
        why = NULL;
    }
    size_t len = strlen(prog);
    const char *hint = prog[len - 1] == '\r' ? " (the file has Windows line ends: its #! line "
                                               "ends in a CR; dos2unix fixes it)"
                       : !split && strpbrk(prog, " \t") != NULL
                           ? " (the kernel hands env the rest of the #! line as one name: "
                             "write '#!/usr/bin/env -S ...' for env to split it)"
                           : "";
    if (why != NULL)
        snprintf(buf, cap, "cannot start: its #! line has %s run '%s', which %s%s%s%s%s", interp,
                 SHOW(prog), why, bad_path ? " (" : "", bad_path ? SHOW(bad_path) : "",
                 bad_path ? ")" : "", hint);
    free(bad_path);
    return why != NULL ? buf : NULL;
}

/* When the file at path starts with "#!" and the interpreter it names by an absolute path cannot
 * be started, or is env and cannot start the program it names (env_problem; dir: the folder
 * the trials run in): why, into buf (cap bytes), else NULL. execve then fails with ENOENT on a
 * file that exists ("cannot run './train.sh': No such file or directory" at every trial), most
 * often because the file has Windows line ends: its #! line ends in a CR, part of the
 * interpreter's name for the kernel. */
static const char *shebang_problem(const char *path, const char *dir, char *buf, size_t cap)
{
    char line[256];
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(line, 1, sizeof line - 1, f) : 0;
    if (f)
        fclose(f);
    line[n] = '\0';
    if (n < 3 || line[0] != '#' || line[1] != '!')
        return NULL;
    char *p = line + 2 + strspn(line + 2, " \t");
    size_t len = strcspn(p, " \t\n"); /* as the kernel reads it: a CR belongs to the name */
    if (len == 0 || p[0] != '/' || p[len] == '\0')
        return NULL; /* a relative name (from the caller's folder), or a line too long to judge */
    char *arg = p[len] == '\n' ? NULL : p + len + 1, *nl = arg ? strchr(arg, '\n') : NULL;
    p[len] = '\0';
    if (access(p, X_OK) == 0) {
        if (nl != NULL) {
            *nl = '\0';
            arg += strspn(arg, " \t");
            for (size_t m = strlen(arg); m > 0 && (arg[m - 1] == ' ' || arg[m - 1] == '\t'); m--)
                arg[m - 1] = '\0';
        }
        const char *b = strrchr(p, '/');
        /* env given the script alone runs the script, whose #! line runs env again: forever */
        if ((arg == NULL || (nl != NULL && *arg == '\0')) && !strcmp(b + 1, "env")) {
            snprintf(buf, cap,
                     "cannot start: its #! line runs '%s' with no program to start (env would run "
                     "the script itself again, forever; write '#!%s python3', say)",
                     SHOW(p), SHOW(p));
            return buf;
        }
        if (nl == NULL) /* no argument, or a line too long to judge */
            return NULL;
        return *arg ? env_problem(p, arg, dir, buf, cap) : NULL;
    }
    int e = errno, cr = p[len - 1] == '\r';
    snprintf(buf, cap, "cannot start: its #! line names the interpreter '%s', which %s%s", SHOW(p),
             e == ENOENT ? "does not exist" : strerror(e),
             cr ? " (the file has Windows line ends: its #! line ends in a CR; dos2unix fixes it)"
                : "");
    return buf;
}

/* Checks that execvp(prog) would start a program, run from the sweep file's folder as
 * cli/run.c runs it: with a '/', prog is a path from there; without, it is looked up on PATH
 * (relative entries, and empty ones, being relative to the folder too). */
static int check_exec(ctx *c, yaml_node_t *at, const char *prog)
{
    if (c->skip_exec)
        return GPBO_OK;
    const char *dir = c->s->dir;
    if (*prog == '\0')
        return err_at(c, at, "the command's program is empty");
    if (strchr(prog, '/') != NULL) {
        char *p = prog[0] == '/' ? strdup(prog) : join(dir, prog);
        if (p == NULL)
            return cli_yaml_oom();
        char sb[400];
        const char *why = why_not_exec(p);
        if (why == NULL)
            why = shebang_problem(p, dir, sb, sizeof sb);
        int rc = GPBO_OK;
        if (why != NULL && prog[0] == '/')
            rc = err_at(c, at, "command '%s' %s", SHOW(prog), why);
        else if (why != NULL) /* relative to the folder the trials run in */
            rc = err_at(c, at, "command '%s' %s (in the sweep file's folder, %s)", SHOW(prog), why,
                        SHOW(dir));
        free(p);
        return rc;
    }
    const char *bad = NULL;
    char *bad_path = NULL;
    int found = 0;
    int rc = path_lookup(dir, prog, &found, &bad, &bad_path);
    if (rc != GPBO_OK)
        return rc;
    if (!found && bad != NULL) {
        rc = err_at(c, at, "command '%s' %s (%s)", SHOW(prog), bad, SHOW(bad_path));
    } else if (!found) {
        char *here = join(dir, prog);
        int nearby = here != NULL && why_not_exec(here) == NULL;
        free(here);
        rc = err_at(c, at, "command '%s' is not on PATH%s", SHOW(prog),
                    nearby ? " (write ./ in front for the one in the sweep file's folder)" : "");
    }
    free(bad_path);
    return rc;
}

/* Whether prog (a command's first element) names a script interpreter whose first
 * non-option argument is the script it runs; *python: it is Python's. */
static int is_interpreter(const char *prog, int *python)
{
    static const char *const OTHERS[] = {"bash", "sh",   "dash", "zsh",  "Rscript",
                                         "node", "perl", "ruby", "julia"};
    const char *b = strrchr(prog, '/');
    b = b ? b + 1 : prog;
    *python = (!strncmp(b, "python", 6) && strspn(b + 6, "0123456789.") == strlen(b + 6)) ||
              (!strncmp(b, "pypy", 4) && strspn(b + 4, "0123456789.") == strlen(b + 4));
    for (size_t k = 0; !*python && k < sizeof OTHERS / sizeof *OTHERS; k++)
        if (!strcmp(b, OTHERS[k]))
            return 1;
    return *python;
}

/* A command that starts an interpreter on a script (`python3 train.py`, `python3 -u train.py`,
 * `bash run.sh`): the script must be a file, from the sweep file's folder, as the trials run it.
 * It was not looked for, and a misspelt name failed every trial of the study (60 failed trials,
 * each "can't open file"). Only a script named literally is checked: none after an option gpbo
 * does not know (`-m module`, `-c code`, `-W arg`) or in a placeholder. */
static int check_script(ctx *c, size_t first)
{
    sweep *s = c->s;
    int python = 0;
    const char *prog = s->command[first];
    if (!is_interpreter(!strcmp(prog, "${interpreter}") ? "python3" : prog, &python))
        return GPBO_OK;
    for (size_t i = first + 1; i < s->ncommand; i++) {
        const char *t = s->command[i];
        if (!strcmp(t, "${env}"))
            continue;
        /* Python's options that take no value: -u (unbuffered output, common with gpbo), ... */
        if (python && t[0] == '-' && t[1] != '\0' && strspn(t + 1, "uBOEsSIbdqvR") == strlen(t + 1))
            continue;
        const char *script = !strcmp(t, "${program}") ? s->program : t;
        if (script == NULL || script[0] == '-' || script[0] == '\0' || strchr(script, '{') ||
            strchr(script, '$'))
            return GPBO_OK;
        yaml_node_t *at = node(c, c->command_node->data.sequence.items.start[i]);
        char *p = script[0] == '/' ? strdup(script) : join(s->dir, script);
        if (p == NULL)
            return cli_yaml_oom();
        /* only a missing one: Python also runs a folder or a zip file */
        struct stat st;
        int rc = stat(p, &st) == 0 ? GPBO_OK
                                   : err_at(c, at,
                                            "script '%s' does not exist (%s): every trial "
                                            "would fail",
                                            SHOW(script), SHOW(p));
        free(p);
        return rc;
    }
    return GPBO_OK;
}

/* The command as cli/run.c builds it: placeholders that name parameters, macros where they
 * work, and a first argument that execvp can start. */
/* A trainer setting given (in the trainer section, or as a parameter) that the settings it
 * depends on, fixed in the section (or by their defaults, or as a parameter's one value), never
 * read is refused at its line (trainer_check_used): momentum with optimizer adam, gamma with
 * schedule fixed, monitor without patience used to be taken and ignored. A parameter that takes
 * one value only is set as the section's settings are; the others are searched, and a setting
 * that depends on a searched one may be read in some trials. */
static int check_trainer_used(ctx *c)
{
    sweep *s = c->s;
    trainer_settings t;
    trainer_settings_init(&t);
    for (size_t i = 0; i < s->ntrainer; i++)
        (void)trainer_set(&t, s->trainer[i].key, s->trainer[i].value); /* each read already */
    const char **names = calloc(s->np ? s->np : 1, sizeof *names);
    if (names == NULL)
        return cli_yaml_oom();
    size_t n = 0;
    for (size_t i = 0; i < s->np; i++) {
        const sweep_param *p = &s->p[i];
        int one = (p->dist == D_CONSTANT || p->dist == D_CATEGORICAL) && p->nvalues == 1 &&
                  p->when_parent == NULL;
        /* a value the trainer cannot take fails its trials, saying so: searched here */
        if (!one || trainer_set(&t, p->name, p->values[0]) != GPBO_OK)
            names[n++] = p->name;
    }
    const char *key = NULL;
    int rc = trainer_check_used(&t, names, n, &key);
    free(names);
    if (rc == GPBO_OK)
        return GPBO_OK;
    char why[400];
    snprintf(why, sizeof why, "%s", gpbo_error_message());
    for (size_t i = 0; i < s->np; i++) /* a parameter overrides the section */
        if (!strcmp(s->p[i].name, key))
            return gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: parameter '%s': %s", c->path,
                                  s->p[i].line, s->p[i].col, key, why);
    for (size_t i = 0; i < s->ntrainer; i++)
        if (!strcmp(s->trainer[i].key, key))
            return gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: %s", c->path, s->trainer[i].line,
                                  s->trainer[i].col, why);
    return gpbo_error_set(GPBO_EFORMAT, "%s: %s", c->path, why);
}

static int check_command(ctx *c)
{
    sweep *s = c->s;
    if (s->has_trainer) {
        if (s->ncommand > 0 || s->program != NULL)
            return err_at(c, c->trainer_node,
                          "the sweep has both a trainer section and a %s (line %zu); keep one",
                          s->ncommand ? "command" : "program",
                          line_of(s->ncommand ? c->command_node : c->program_node));
        return GPBO_OK;
    }
    if (s->ncommand == 0) {
        size_t pl = strlen(s->program);
        if (pl > 3 && !strcmp(s->program + pl - 3, ".py")) {
            /* python3 PROGRAM: the script must be there, python3 on PATH */
            char *p = s->program[0] == '/' ? strdup(s->program) : join(s->dir, s->program);
            if (p == NULL)
                return cli_yaml_oom();
            struct stat st;
            int ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
            int rc = ok ? GPBO_OK
                        : err_at(c, c->program_node, "program '%s' is not a file (%s)",
                                 SHOW(s->program), SHOW(p));
            free(p);
            return rc != GPBO_OK ? rc : check_exec(c, c->program_node, "python3");
        }
        return check_exec(c, c->program_node, s->program);
    }
    char **sorted = malloc((s->np ? s->np : 1) * sizeof *sorted);
    if (sorted == NULL)
        return cli_yaml_oom();
    for (size_t i = 0; i < s->np; i++)
        sorted[i] = s->p[i].name;
    qsort(sorted, s->np, sizeof *sorted, str_cmp);
    int rc = GPBO_OK;
    size_t first = SIZE_MAX;
    int first_uses = 0;
    for (size_t i = 0; rc == GPBO_OK && i < s->ncommand; i++) {
        const char *t = s->command[i];
        yaml_node_t *at = node(c, c->command_node->data.sequence.items.start[i]);
        int uses = 0;
        if (!strcmp(t, "${program}") && s->program == NULL)
            rc = err_at(c, at, "${program} in the command, but the sweep has no program");
        else if (!is_macro(t))
            rc = check_placeholders(c, at, t, sorted, &uses);
        if (first == SIZE_MAX && strcmp(t, "${env}") != 0) {
            first = i;
            first_uses = uses;
        }
    }
    free(sorted);
    if (rc != GPBO_OK)
        return rc;
    if (first == SIZE_MAX)
        return err_at(c, c->command_node, "the command holds only ${env}");
    if (first_uses) /* the program is named by a parameter: known only at each trial */
        return GPBO_OK;
    const char *t = s->command[first];
    yaml_node_t *at = node(c, c->command_node->data.sequence.items.start[first]);
    if (!strcmp(t, "${args}") || !strcmp(t, "${args_no_hyphens}") ||
        !strcmp(t, "${args_no_boolean_flags}") || !strcmp(t, "${args_json}") ||
        !strcmp(t, "${args_json_file}"))
        return err_at(c, at, "the command starts with %s; its first argument is the program", t);
    if (!strcmp(t, "${program}"))
        return check_exec(c, c->program_node, s->program);
    rc = check_exec(c, at, !strcmp(t, "${interpreter}") ? "python3" : t);
    return rc != GPBO_OK || c->skip_exec ? rc : check_script(c, first);
}

/* ---- merge keys ------------------------------------------------------------------------- */

/* YAML 1.1's merge key, which PyYAML (and so W&B's sweep loader) reads: `<<: *base` or
 * `<<: [*a, *b]` in a mapping gives it the keys of those mappings that it does not set itself
 * (of a list, the first one's win). libyaml leaves `<<` a key like any other, and it was refused
 * as an unknown key ("did you mean 'q'?"). Every mapping's pairs are rewritten in the document
 * before anything reads them: the merged pairs first, as PyYAML puts them, then its own; a
 * merged key that a later source or the mapping itself sets is left out, while a key the
 * mapping sets twice stays twice, for each_pair to refuse. */

enum { MERGE_MAX_PAIRS = 1 << 20 }; /* pairs all merges may add: aliases repeat a mapping */

static int is_merge_key(const yaml_node_t *k)
{
    return k != NULL && k->type == YAML_SCALAR_NODE &&
           k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && k->data.scalar.length == 2 &&
           !memcmp(k->data.scalar.value, "<<", 2);
}

/* The pairs of source mapping m (already merged) appended to out[*n] (room made by the caller). */
static void take_pairs(const yaml_node_t *m, yaml_node_pair_t *out, size_t *n)
{
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++)
        out[(*n)++] = *pr;
}

static size_t npairs(const yaml_node_t *m)
{
    return (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
}

/* A merge key's value v checked: a mapping or a list of mappings (*nsrc of them, into src when
 * it is not NULL); the number of pairs they hold added to *total. */
static int merge_sources(ctx *c, yaml_node_t *v, yaml_node_t **src, size_t *nsrc, size_t *total)
{
    int one = v->type == YAML_MAPPING_NODE;
    size_t n = one ? 1 : v->type == YAML_SEQUENCE_NODE ? seq_len(v) : 0;
    if (n == 0)
        return err_at(c, v, "'<<' (a merge key) takes a mapping or a list of mappings");
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *m = one ? v : node(c, v->data.sequence.items.start[i]);
        if (m == NULL || m->type != YAML_MAPPING_NODE)
            return err_at(c, m ? m : v, "'<<' (a merge key) takes a mapping or a list of mappings");
        if (src != NULL)
            src[*nsrc] = m;
        (*nsrc)++;
        *total += npairs(m);
    }
    return GPBO_OK;
}

/* Rewrites mapping number id (its merge sources merged already); *budget: the pairs merges may
 * still add. */
static int merge_one(ctx *c, int id, size_t *budget)
{
    yaml_node_t *map = node(c, id);
    size_t n0 = npairs(map), total = 0, nsrc = 0, nmerge = 0;
    yaml_node_pair_t *p0 = map->data.mapping.pairs.start;
    for (size_t i = 0; i < n0; i++)
        if (is_merge_key(node(c, p0[i].key))) {
            int rc = merge_sources(c, node(c, p0[i].value), NULL, &nmerge, &total);
            if (rc != GPBO_OK)
                return rc;
        }
    if (nmerge == 0)
        return GPBO_OK;
    if (total > *budget)
        return err_at(c, map, "merge keys ('<<') make more than %d keys", MERGE_MAX_PAIRS);
    *budget -= total;
    yaml_node_t **src = malloc(nmerge * sizeof *src);
    yaml_node_pair_t *all = malloc((total + n0) * sizeof *all);
    keyed *kv = malloc((total + n0) * sizeof *kv);
    int rc = src && all && kv ? GPBO_OK : cli_yaml_oom();
    size_t again = 0; /* total, counted again */
    for (size_t i = 0; rc == GPBO_OK && i < n0; i++)
        if (is_merge_key(node(c, p0[i].key)))
            rc = merge_sources(c, node(c, p0[i].value), src, &nsrc, &again);
    size_t n = 0;
    /* the sources' pairs, the last source's first (a later pair of a key wins), then its own */
    for (size_t k = nsrc; rc == GPBO_OK && k-- > 0;)
        take_pairs(src[k], all, &n);
    size_t merged = n, nk = 0;
    for (size_t i = 0; rc == GPBO_OK && i < n0; i++)
        if (!is_merge_key(node(c, p0[i].key)))
            all[n++] = p0[i];
    for (size_t i = 0; rc == GPBO_OK && i < n; i++) {
        yaml_node_t *k = node(c, all[i].key);
        if (k != NULL && k->type == YAML_SCALAR_NODE) /* others: each_pair refuses them */
            kv[nk++] = (keyed){(const char *)k->data.scalar.value, k, i};
    }
    unsigned char *drop = rc == GPBO_OK ? calloc(n + 1, 1) : NULL;
    if (rc == GPBO_OK && drop == NULL)
        rc = cli_yaml_oom();
    if (rc == GPBO_OK) {
        qsort(kv, nk, sizeof *kv, keyed_cmp);
        for (size_t i = 0; i + 1 < nk; i++) /* a merged pair whose key comes again later */
            if (!strcmp(kv[i].text, kv[i + 1].text) && kv[i].index < merged)
                drop[kv[i].index] = 1;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!drop[i])
                all[m++] = all[i];
        /* the document frees its pairs with free() (libyaml's yaml_free) */
        free(map->data.mapping.pairs.start);
        map->data.mapping.pairs.start = all;
        map->data.mapping.pairs.top = map->data.mapping.pairs.end = all + m;
        all = NULL;
    }
    free(drop);
    free(all);
    free(kv);
    free(src);
    return rc;
}

/* Mapping number id merged, its sources first (state[id]: 0 not yet, 1 under way, 2 done),
 * through at most SWEEP_MAX_DEPTH merges of merges. */
static int merge_node(ctx *c, int id, unsigned char *state, size_t depth, size_t *budget)
{
    yaml_node_t *map = node(c, id);
    if (map == NULL || map->type != YAML_MAPPING_NODE || state[id] == 2)
        return GPBO_OK;
    if (state[id] == 1)
        return err_at(c, map, "'<<' (a merge key) merges a mapping into itself");
    if (depth > SWEEP_MAX_DEPTH)
        return err_at(c, map, "merge keys ('<<') nest more than %d deep", SWEEP_MAX_DEPTH);
    state[id] = 1;
    for (size_t i = 0; i < npairs(map); i++) {
        yaml_node_pair_t *pr = &map->data.mapping.pairs.start[i];
        yaml_node_t *v = node(c, pr->value);
        if (!is_merge_key(node(c, pr->key)) || v == NULL)
            continue;
        if (v->type == YAML_MAPPING_NODE) {
            int rc = merge_node(c, pr->value, state, depth + 1, budget);
            if (rc != GPBO_OK)
                return rc;
        }
        for (size_t k = 0; v->type == YAML_SEQUENCE_NODE && k < seq_len(v); k++) {
            int rc = merge_node(c, v->data.sequence.items.start[k], state, depth + 1, budget);
            if (rc != GPBO_OK)
                return rc;
        }
    }
    int rc = merge_one(c, id, budget);
    state[id] = 2;
    return rc;
}

/* Every mapping of the document merged. */
static int merge_keys(ctx *c)
{
    int n = (int)(c->doc->nodes.top - c->doc->nodes.start);
    size_t budget = MERGE_MAX_PAIRS;
    unsigned char *state = calloc((size_t)n + 1, 1);
    if (state == NULL)
        return cli_yaml_oom();
    int rc = GPBO_OK;
    for (int id = 1; rc == GPBO_OK && id <= n; id++)
        rc = merge_node(c, id, state, 0, &budget);
    free(state);
    return rc;
}

/* ---- loading ------------------------------------------------------------------------------ */

void sweep_free(sweep *s)
{
    if (s == NULL)
        return;
    free(s->path);
    free(s->dir);
    free(s->name);
    free(s->method);
    free(s->metric);
    for (size_t j = 0; j < s->nobjectives; j++)
        free(s->objectives[j]);
    for (size_t i = 0; i < s->np; i++) {
        free(s->p[i].name);
        for (size_t k = 0; k < s->p[i].nvalues; k++)
            free(s->p[i].values[k]);
        free(s->p[i].values);
        free(s->p[i].vtypes);
        for (size_t k = 0; k < s->p[i].nwhen; k++)
            free(s->p[i].when_values[k]);
        free(s->p[i].when_values);
        free(s->p[i].when_plain);
        free(s->p[i].when_parent);
        free(s->p[i].when_at);
        free(s->p[i].def);
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
    for (size_t k = 0; k < s->ncons; k++)
        free((char *)s->cons[k].name);
    free(s->cons);
    free(s->init);
    free(s);
}

/* The defaults, the path and the folder: NULL with the error set. */
static sweep *sweep_new(const char *path)
{
    sweep *s = calloc(1, sizeof *s);
    if (s == NULL) {
        cli_yaml_oom();
        return NULL;
    }
    gpbo_study_options_init(&s->study, GPBO_STUDY_OPTIONS_VERSION);
    gpbo_pruner_options po = GPBO_PRUNER_OPTIONS_INIT;
    s->prune = po;
    s->prune.kind = GPBO_PRUNER_NONE;
    s->jobs = 1;
    s->max_initial_failures = SIZE_MAX;
    char *tmp = strdup(path);
    s->path = strdup(path);
    s->dir = tmp ? strdup(dirname(tmp)) : NULL;
    free(tmp);
    if (!s->path || !s->dir) {
        sweep_free(s);
        cli_yaml_oom();
        return NULL;
    }
    return s;
}

/* The checks that need the whole file read; root is the top mapping. */
/* ---- conditions (when:) --------------------------------------------------------------- */

/* A message at parameter p's when: (file:line:column: parameter 'x': ...). */
static int err_when(ctx *c, const sweep_param *p, const char *fmt, ...) GPBO_PRINTF_LIKE(3, 4);
static int err_when(ctx *c, const sweep_param *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: parameter '%s': %s", c->path, p->when_line,
                          p->when_col, SHOW(p->name), msg);
}

/* The number value k of categorical or constant p holds, as the program gets it: PyYAML's
 * value of a plain scalar it reads as a number (017: 15, 0x10: 16), a string's in decimal
 * (1e-3, "0.5"). 0, or -1 when it holds none (a word, a boolean, null). */
static int category_number(const sweep_param *p, size_t k, double *out)
{
    char t = p->vtypes ? p->vtypes[k] : sweep_scalar_type(p->values[k]);
    if (t == SWEEP_T_INT || t == SWEEP_T_FLOAT) {
        *out = sweep_yaml_number(p->values[k]);
        return 0;
    }
    if (t != SWEEP_T_STR)
        return -1;
    int rc = sweep_number(p->values[k], 0, out, NULL);
    gpbo_error_clear();
    return rc == GPBO_OK ? 0 : -1;
}

/* The index of p's category that text names (plain: a plain YAML scalar's text, or a
 * command-line value's): the value written alike first (of values [1, 1.0], '1.0' is the
 * second, as export writes it), else the first equal to it as numbers (sweep_number: 0x40 or
 * 64 names 64, 15 names 017, which PyYAML reads as octal 15), else p->nvalues. GPBO_OK, or
 * GPBO_EINVAL when text names none and is a number sweep_number refuses (010). */
static int category_of(const sweep_param *p, const char *text, int plain, size_t *out)
{
    size_t k = sweep_find(text, (const char *const *)p->values, p->nvalues);
    double x, y;
    if (k == p->nvalues && sweep_number(text, plain, &x, NULL) != GPBO_OK) {
        *out = k;
        /* a number neither reading may be taken for is refused; a word is no error here */
        if (octal_refused(text, plain))
            return GPBO_EINVAL;
        gpbo_error_clear();
        return GPBO_OK;
    }
    for (size_t j = 0; k == p->nvalues && j < p->nvalues; j++)
        if (category_number(p, j, &y) == 0 && x == y)
            k = j;
    *out = k;
    return GPBO_OK;
}

/* The value text t of parent q as the space takes it (plain: t was a plain YAML scalar): a
 * category's index, an integer (a q_uniform's in units of q), read as the file's other
 * numbers (sweep_number: 0x10 16, 1_000 1000, 010 refused; strtod took 0x10, refused 1_000
 * and read 010 as 10). */
static int when_value(ctx *c, const sweep_param *p, const sweep_param *q, const char *t, int plain,
                      double *out)
{
    char why[400];
    if (q->dist == D_CATEGORICAL || q->dist == D_CONSTANT) {
        size_t k;
        if (category_of(q, t, plain, &k) != GPBO_OK) {
            snprintf(why, sizeof why, "%s", gpbo_error_message());
            return err_when(c, p, "when: %s", why);
        }
        char hint[400];
        if (k == q->nvalues)
            return err_when(
                c, p, "'%s' is not a value of '%s' (%s)", SHOW(t), SHOW(q->name),
                sweep_suggest(t, (const char *const *)q->values, q->nvalues, hint, sizeof hint));
        *out = (double)k;
        return GPBO_OK;
    }
    if (q->dist != D_INT_UNIFORM && q->dist != D_INT_LOG_UNIFORM_VALUES && q->dist != D_Q_UNIFORM)
        return err_when(c, p, "its parent '%s' is a %s; a parent is categorical or an integer",
                        SHOW(q->name), DISTS[q->dist]);
    double x;
    int num = sweep_number(t, plain, &x, NULL) == GPBO_OK;
    if (!num && octal_refused(t, plain)) {
        snprintf(why, sizeof why, "%s", gpbo_error_message());
        return err_when(c, p, "when: %s", why);
    }
    gpbo_error_clear();
    double lo = q->min, hi = q->max;
    if (q->dist == D_Q_UNIFORM) {
        x = num ? x / q->q : NAN;
        x = fabs(x - round(x)) < 1e-9 ? round(x) : NAN;
        lo = ceil(q->min / q->q);
        hi = floor(q->max / q->q);
    }
    if (!num || !(x == floor(x) && x >= lo && x <= hi))
        return err_when(c, p, "'%s' is not a value '%s' takes (%s in [%g, %g])", SHOW(t),
                        SHOW(q->name), DISTS[q->dist], q->min, q->max);
    *out = x;
    return GPBO_OK;
}

/* Parameter i's parent found and its values read. */
static int resolve_one(ctx *c, size_t i, const char *const *names)
{
    sweep *s = c->s;
    sweep_param *p = &s->p[i];
    size_t k = sweep_find(p->when_parent, names, s->np);
    char hint[400];
    if (k == s->np)
        return err_when(c, p, "when names '%s', which is no parameter (%s)", SHOW(p->when_parent),
                        sweep_suggest(p->when_parent, names, s->np, hint, sizeof hint));
    if (k == i)
        return err_when(c, p, "when names the parameter itself (a cycle)");
    p->parent = k;
    if ((p->when_at = calloc(p->nwhen, sizeof *p->when_at)) == NULL)
        return cli_yaml_oom();
    for (size_t j = 0; j < p->nwhen; j++) {
        int rc = when_value(c, p, &s->p[k], p->when_values[j], p->when_plain ? p->when_plain[j] : 1,
                            &p->when_at[j]);
        if (rc != GPBO_OK)
            return rc;
    }
    return GPBO_OK;
}

/* Every when: resolved, and no chain of parents that comes back to where it started. */
static int resolve_when(ctx *c)
{
    sweep *s = c->s;
    const char **names = malloc((s->np ? s->np : 1) * sizeof *names);
    if (names == NULL)
        return cli_yaml_oom();
    for (size_t i = 0; i < s->np; i++)
        names[i] = s->p[i].name;
    int rc = GPBO_OK;
    for (size_t i = 0; rc == GPBO_OK && i < s->np; i++)
        if (s->p[i].when_parent != NULL)
            rc = resolve_one(c, i, names);
    free(names);
    for (size_t i = 0; rc == GPBO_OK && i < s->np; i++) {
        size_t at = i, steps = 0;
        while (s->p[at].when_parent != NULL && steps++ <= s->np) {
            at = s->p[at].parent;
            if (at == i)
                rc = err_when(c, &s->p[i],
                              "when makes a cycle ('%s' depends, through its "
                              "parents, on itself)",
                              SHOW(s->p[i].name));
            if (at == i)
                break;
        }
    }
    return rc;
}

static int finish(ctx *c, yaml_node_t *root)
{
    sweep *s = c->s;
    if (s->np == 0)
        return err_at(c, root, "the sweep has no parameters");
    if (s->metric != NULL && c->metrics_node != NULL)
        return err_at(c, c->metrics_node, "the sweep has metric: and metrics:; give one of them");
    if (s->metric == NULL && c->metrics_node != NULL) {
        /* the first objective is the trial's value; with several, each is a metric it reports */
        s->maximize = s->objective_dirs[0] == GPBO_MAXIMIZE;
        if ((s->metric = dupstr(c, c->metrics_node, s->objectives[0])) == NULL)
            return gpbo_error_code();
        if (s->nobjectives >= 2) {
            s->study.n_objectives = s->nobjectives;
            s->study.objective_names = (const char *const *)s->objectives;
            s->study.objective_directions = s->objective_dirs;
        }
    }
    if (s->metric == NULL)
        return err_at(c, root,
                      "the sweep needs metric: {name: ..., goal: minimize|maximize} or "
                      "metrics: [{name: ..., goal: ...}, ...]");
    if (s->ncommand == 0 && s->program == NULL && !s->has_trainer)
        return err_at(c, root, "the sweep needs a command, a program or a trainer section");
    if (s->method == NULL && (s->method = dupstr(c, root, "bayes")) == NULL)
        return gpbo_error_code();
    if (s->name == NULL) {
        /* the file name without its extension */
        const char *b = strrchr(c->path, '/');
        b = b ? b + 1 : c->path;
        if ((s->name = strdup(b)) == NULL)
            return cli_yaml_oom();
        char *dot = strrchr(s->name, '.');
        if (dot && dot != s->name)
            *dot = '\0';
        if (s->name[0] == '\0' || strlen(s->name) > SWEEP_MAX_NAME_LEN)
            return err_at(c, root, "the file name makes no study name; give the sweep a name");
    }
    for (size_t k = 0; k < s->ncons; k++) {
        if (s->nobjectives < 2 && !strcmp(s->cons[k].name, s->metric))
            return err_at(c, root, "constraint '%s' is the objective's metric", SHOW(s->metric));
        /* several objectives: each is a metric the program reports, which no constraint bounds */
        for (size_t j = 0; s->nobjectives >= 2 && j < s->nobjectives; j++)
            if (!strcmp(s->cons[k].name, s->objectives[j]))
                return err_at(c, c->cons_node,
                              "constraint '%s' is an objective's metric (metrics:)",
                              SHOW(s->objectives[j]));
    }
    if (c->impute_node != NULL) { /* metric: {impute: worst}: gpbo's failed: worst */
        size_t k = 0;
        while (k < s->ngpbo_set && strcmp(s->gpbo_set[k], "failed"))
            k++;
        if (k < s->ngpbo_set && s->study.failed != GPBO_FAILED_WORST)
            return err_at(c, c->impute_node,
                          "metric: impute: worst gives a failed trial the worst value seen, and "
                          "the gpbo section's failed: exclude leaves it out; give one of them");
        if (k == s->ngpbo_set && k < sizeof s->gpbo_set / sizeof *s->gpbo_set)
            s->gpbo_set[s->ngpbo_set++] = "failed"; /* gpbo run warns if the study has another */
        s->study.failed = GPBO_FAILED_WORST;
    }
    s->study.strategy = s->method;
    s->study.direction = s->maximize ? GPBO_MAXIMIZE : GPBO_MINIMIZE;
    if (s->study.n_objectives < 2) { /* one objective: its metric's name is stored too */
        s->study.n_objectives = 1;
        s->study.objective_names = (const char *const *)&s->metric;
    }
    for (size_t i = 0; !strcmp(s->method, "grid") && i < s->np; i++)
        if (SWEEP_IS_NORMAL(s->p[i].dist)) /* W&B's grid refuses every continuous one */
            return gpbo_error_set(GPBO_EFORMAT,
                                  "%s:%zu:%zu: parameter '%s': method grid cannot enumerate %s "
                                  "(unbounded); give values:, or another method",
                                  c->path, s->p[i].dist_line, s->p[i].dist_col, SHOW(s->p[i].name),
                                  DISTS[s->p[i].dist]);
    if (s->run_cap == 0 && strcmp(s->method, "grid") != 0)
        return err_at(c, root, "the sweep needs run_cap (the number of trials) for method %s",
                      s->method);
    int rc = resolve_when(c); /* before the initial points: they are checked under conditions */
    if (rc == GPBO_OK)
        rc = initial_points(c);
    if (rc == GPBO_OK)
        rc = check_command(c);
    return rc != GPBO_OK || !s->has_trainer ? rc : check_trainer_used(c);
}

static sweep *parse(const char *path, const char *text, size_t len, int skip_exec);

sweep *sweep_parse(const char *path, const char *text, size_t len)
{
    return parse(path, text, len, 0);
}

static sweep *parse(const char *path, const char *text, size_t len, int skip_exec)
{
    if (cli_yaml_check(path, text, len, SWEEP_MAX_BYTES, SWEEP_MAX_DEPTH, "a sweep file") !=
        GPBO_OK)
        return NULL;
    sweep *s = sweep_new(path);
    if (s == NULL)
        return NULL;
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        sweep_free(s);
        cli_yaml_oom();
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = GPBO_OK;
    if (!yaml_parser_load(&parser, &doc)) {
        rc = cli_yaml_failed(path, &parser, text, len);
    } else {
        ctx c = {path, &doc, s,   8 * (size_t)SWEEP_MAX_BYTES, NULL, NULL, NULL, skip_exec, NULL,
                 NULL, NULL, NULL};
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root == NULL)
            rc = gpbo_error_set(GPBO_EFORMAT, "%s:1:1: the file is empty", path);
        else if ((rc = merge_keys(&c)) == GPBO_OK)
            rc = each_pair(&c, root, "the sweep", TOP_KEYS, sizeof TOP_KEYS / sizeof *TOP_KEYS,
                           top_pair, NULL);
        if (rc == GPBO_OK)
            rc = finish(&c, root);
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    if (rc != GPBO_OK) {
        sweep_free(s);
        return NULL;
    }
    return s;
}

static sweep *load(const char *path, int skip_exec);

sweep *sweep_load(const char *path)
{
    return load(path, 0);
}

sweep *sweep_load_results(const char *path)
{
    return load(path, 1);
}

static sweep *load(const char *path, int skip_exec)
{
    char *text;
    size_t len;
    if (cli_yaml_read(path, "a sweep file", SWEEP_MAX_BYTES, &text, &len) != GPBO_OK)
        return NULL;
    sweep *s = parse(path, text, len, skip_exec);
    free(text);
    return s;
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
        case D_Q_LOG_UNIFORM:
            rc = gpbo_space_add_float(sp, p->name, exp(p->min), exp(p->max), 1);
            break;
        case D_INV_LOG_UNIFORM:
            rc = gpbo_space_add_float(sp, p->name, exp(-p->max), exp(-p->min), 1);
            break;
        case D_INV_LOG_UNIFORM_VALUES:
            rc = gpbo_space_add_float(sp, p->name, p->min, p->max, 1);
            break;
        case D_NORMAL:
        case D_Q_NORMAL:
        case D_LOG_NORMAL:
        case D_Q_LOG_NORMAL:
            rc = gpbo_space_add_float(sp, p->name, SWEEP_NORMAL_EPS, 1 - SWEEP_NORMAL_EPS, 0);
            break;
        }
    }
    for (size_t i = 0; rc == GPBO_OK && i < s->np; i++)
        if (s->p[i].when_parent != NULL)
            rc = gpbo_space_add_condition(sp, s->p[i].name, s->p[s->p[i].parent].name,
                                          s->p[i].nwhen, s->p[i].when_at);
    if (rc != GPBO_OK) {
        gpbo_space_free(sp);
        return NULL;
    }
    return sp;
}

/* The standard normal's quantile is GSL's (Wichura 1988, AS241: within 4.5 ulps of mpmath
 * over 6000 points from 1e-6 to 1 - 1e-6). It replaced Acklam's approximation refined by one
 * Halley step on erfc, which was 11810 ulps off at 1 - 1e-6 (1 - p lost its digits there) and
 * up to 39437 ulps near 0.5 (its relative error where the quantile nears 0). */
double sweep_shown(const sweep *s, size_t i, double v)
{
    const sweep_param *p = &s->p[i];
    double x;
    if (isnan(v)) /* inactive */
        return v;
    switch (p->dist) {
    case D_Q_UNIFORM:
        return v * p->q;
    case D_Q_LOG_UNIFORM_VALUES:
    case D_Q_LOG_UNIFORM:
        return round(v / p->q) * p->q;
    case D_NORMAL:
    case D_Q_NORMAL:
    case D_LOG_NORMAL:
    case D_Q_LOG_NORMAL:
        x = p->mu + p->sigma * gsl_cdf_ugaussian_Pinv(v);
        if (p->dist == D_LOG_NORMAL || p->dist == D_Q_LOG_NORMAL)
            x = exp(x);
        if (p->dist == D_Q_NORMAL || p->dist == D_Q_LOG_NORMAL)
            x = round(x / p->q) * p->q;
        return x == 0 ? 0 : x; /* no -0 */
    default:
        return v;
    }
}

int sweep_transformed(const sweep *s, size_t i)
{
    sweep_dist d = s->p[i].dist;
    return d == D_Q_UNIFORM || d == D_Q_LOG_UNIFORM_VALUES || d == D_Q_LOG_UNIFORM ||
           SWEEP_IS_NORMAL(d);
}

int sweep_format(const sweep *s, const gpbo_space *space, size_t i, double v, char *buf, size_t cap)
{
    int w;
    if (sweep_transformed(s, i)) {
        /* 10 digits, the value as the user writes a multiple of q (0.3, not
         * 0.30000000000000004), and as export writes it and import reads it back; more only
         * when those would read back as no finite number (a value within 10 digits of DBL_MAX) */
        double x = sweep_shown(s, i, v);
        int digits = 10;
        do
            w = snprintf(buf, cap, "%.*g", digits, x);
        while (w > 0 && (size_t)w < cap && isfinite(x) && !isfinite(strtod(buf, NULL)) &&
               ++digits <= 17);
    } else
        return gpbo_space_format(space, i, v, buf, cap);
    return (w < 0 || (size_t)w >= cap) ? gpbo_error_set(GPBO_EINVAL, "value too long") : GPBO_OK;
}

/* ---- values from text (initial points, gpbo enqueue) --------------------------------------- */

/* Whether d rounds a continuous draw to a multiple of q (W&B's round(y / q) q), which can fall
 * outside the draw's range: q_log_uniform_values from min 0.01 gives 0 with q 0.1. q_uniform is
 * not one: its space holds the multiples of q within [min, max]. */
static int is_rounded(sweep_dist d)
{
    return d == D_Q_LOG_UNIFORM_VALUES || d == D_Q_LOG_UNIFORM || d == D_Q_NORMAL ||
           d == D_Q_LOG_NORMAL;
}

/* A rounded parameter's draw y before rounding, from its space value v (the quantile for the
 * normal family); and back, the space value of a draw (a quantile within the space's ends). */
static double draw_of(const sweep_param *p, double v)
{
    if (!SWEEP_IS_NORMAL(p->dist))
        return v;
    double y = p->mu + p->sigma * gsl_cdf_ugaussian_Pinv(v);
    return p->dist == D_Q_LOG_NORMAL ? exp(y) : y;
}

static double space_of(const sweep_param *p, double y)
{
    if (!SWEEP_IS_NORMAL(p->dist))
        return y;
    double z = ((p->dist == D_Q_LOG_NORMAL ? log(y) : y) - p->mu) / p->sigma;
    double u = z <= 0 ? gsl_cdf_ugaussian_P(z) : 1 - gsl_cdf_ugaussian_Q(z);
    return fmin(fmax(u, SWEEP_NORMAL_EPS), 1 - SWEEP_NORMAL_EPS);
}

/* Parameter i's space value for x, a value of a rounded distribution (is_rounded): a multiple
 * k q whose cell [(k - 1/2) q, (k + 1/2) q] meets the draws' range, held as the draw nearest
 * k q — an end of the range when k q lies beyond it (W&B's round(y / q) q gives 0 from a
 * q_log_uniform_values' min of 0.01 with q 0.1: gpbo export wrote it, and gpbo import refused
 * it as outside [min, max]). GPBO_EINVAL with a message otherwise (a value between two
 * multiples was taken, and the program got the multiple nearest it). */
static int rounded_value(const sweep *s, size_t i, double x, double *out)
{
    const sweep_param *p = &s->p[i];
    int normal = SWEEP_IS_NORMAL(p->dist);
    double m = x / p->q, k = round(m);
    if (fabs(m - k) > 1e-9 * fmax(1.0, fabs(m)))
        return gpbo_error_set(GPBO_EINVAL,
                              "parameter '%s': %g is not a multiple of %g (%s gives multiples "
                              "of q)",
                              p->name, x, p->q, DISTS[p->dist]);
    double lo = normal ? SWEEP_NORMAL_EPS : p->dist == D_Q_LOG_UNIFORM ? exp(p->min) : p->min;
    double hi = normal ? 1 - SWEEP_NORMAL_EPS : p->dist == D_Q_LOG_UNIFORM ? exp(p->max) : p->max;
    double ylo = draw_of(p, lo), yhi = draw_of(p, hi), y = k * p->q;
    double v = y <= ylo ? lo : y >= yhi ? hi : space_of(p, y);
    if (round(sweep_shown(s, i, v) / p->q) != k)
        return gpbo_error_set(GPBO_EINVAL,
                              "parameter '%s': %g is not a value its %s gives (its values run "
                              "from %g to %g in steps of %g%s)",
                              p->name, x, DISTS[p->dist], round(ylo / p->q) * p->q + 0.0,
                              round(yhi / p->q) * p->q + 0.0, p->q,
                              normal ? ", between the quantiles 1e-6 and 1 - 1e-6 where gpbo "
                                       "draws it"
                                     : "");
    *out = v;
    return GPBO_OK;
}

int sweep_value(const sweep *s, size_t i, const char *text, double *out)
{
    return sweep_value_text(s, i, text, 1, out);
}

int sweep_value_text(const sweep *s, size_t i, const char *text, int plain, double *out)
{
    const sweep_param *p = &s->p[i];
    char why[400];
    if (p->dist == D_CONSTANT || p->dist == D_CATEGORICAL) {
        /* the written text first: of values [1, 1.0], '1.0' (what export writes for the
         * second) was read as the first, which equals it as a number, and import took 1;
         * else the same number written otherwise (1e-3 for 0.001, 0x40 for 64) */
        size_t k;
        if (category_of(p, text, plain, &k) != GPBO_OK) {
            snprintf(why, sizeof why, "%s", gpbo_error_message());
            return gpbo_error_set(GPBO_EINVAL, "parameter '%s': %s", p->name, why);
        }
        if (k < p->nvalues) {
            *out = (double)k;
            return GPBO_OK;
        }
        char hint[400];
        return gpbo_error_set(
            GPBO_EINVAL, "parameter '%s': '%s' is not one of its values (%s)", p->name, SHOW(text),
            sweep_suggest(text, (const char *const *)p->values, p->nvalues, hint, sizeof hint));
    }
    double x;
    if (sweep_number(text, plain, &x, NULL) != GPBO_OK) {
        snprintf(why, sizeof why, "%s", gpbo_error_message());
        return gpbo_error_set(GPBO_EINVAL, "parameter '%s': %s", p->name, why);
    }
    if (p->dist == D_Q_UNIFORM) { /* the space holds the multiple of q */
        double m = x / p->q;
        if (fabs(m - round(m)) > 1e-9 * fmax(1.0, fabs(m)))
            return gpbo_error_set(GPBO_EINVAL, "parameter '%s': %g is not a multiple of %g",
                                  p->name, x, p->q);
        x = round(m);
    } else if (is_rounded(p->dist)) {
        return rounded_value(s, i, x, out);
    } else if (SWEEP_IS_NORMAL(p->dist)) { /* the space holds the quantile */
        int logn = p->dist == D_LOG_NORMAL;
        if (logn && !(x > 0))
            return gpbo_error_set(GPBO_EINVAL, "parameter '%s': %s's values are > 0, not %g",
                                  p->name, DISTS[p->dist], x);
        double z = ((logn ? log(x) : x) - p->mu) / p->sigma;
        /* the tail beyond z, each side from its own function (1 - P(z) near 1 kept 1e-10 of
         * the upper tail's digits) */
        double tail = z <= 0 ? gsl_cdf_ugaussian_P(z) : gsl_cdf_ugaussian_Q(z);
        /* an end value as gpbo writes it (10 digits) reads back a hair beyond its quantile */
        const double slack = 1e-6 * SWEEP_NORMAL_EPS;
        if (tail < SWEEP_NORMAL_EPS && tail >= SWEEP_NORMAL_EPS - slack)
            tail = SWEEP_NORMAL_EPS;
        if (!(tail >= SWEEP_NORMAL_EPS))
            return gpbo_error_set(GPBO_EINVAL,
                                  "parameter '%s': %g lies beyond the quantiles 1e-6 and 1 - 1e-6 "
                                  "of its %s (mu %g, sigma %g), where gpbo draws it",
                                  p->name, x, DISTS[p->dist], p->mu, p->sigma);
        x = z <= 0 ? tail : 1 - tail;
    }
    *out = x;
    return GPBO_OK;
}

int sweep_point(const sweep *s, const gpbo_space *space, size_t n, char *const *args, double *out)
{
    unsigned char *given = calloc(s->np ? s->np : 1, 1);
    double *u = malloc((gpbo_space_dim(space) + 1) * sizeof *u);
    int rc = given && u ? GPBO_OK : cli_yaml_oom();
    for (size_t a = 0; rc == GPBO_OK && a < n; a++) {
        const char *eq = strchr(args[a], '=');
        size_t i = 0, len = eq ? (size_t)(eq - args[a]) : 0;
        while (eq && i < s->np &&
               (strlen(s->p[i].name) != len || strncmp(s->p[i].name, args[a], len)))
            i++;
        if (eq == NULL)
            rc = gpbo_error_set(GPBO_EINVAL, "'%s' is not name=value", SHOW(args[a]));
        else if (i == s->np)
            rc = gpbo_error_set(GPBO_EINVAL, "'%s': the sweep has no parameter '%.*s'",
                                SHOW(args[a]), (int)(len < 60 ? len : 60), args[a]);
        else if (given[i])
            rc = gpbo_error_set(GPBO_EINVAL, "parameter '%s' is given twice", s->p[i].name);
        else
            rc = sweep_value(s, i, eq + 1, &out[i]);
        if (rc == GPBO_OK)
            given[i] = 1;
    }
    for (size_t i = 0; rc == GPBO_OK && i < s->np; i++)
        if (!given[i]) /* a constant's one value; NaN: inactive (when:), or an error below */
            out[i] = s->p[i].dist == D_CONSTANT ? 0 : NAN;
    for (size_t i = 0; rc == GPBO_OK && i < s->np; i++) {
        int active = gpbo_space_active(space, out, i);
        if (!given[i] && active && s->p[i].dist != D_CONSTANT)
            rc = gpbo_error_set(GPBO_EINVAL, "parameter '%s' is not given (name=value)",
                                s->p[i].name);
        else if (given[i] && !active)
            rc = gpbo_error_set(GPBO_EINVAL,
                                "parameter '%s' is inactive under its when:", s->p[i].name);
    }
    if (rc == GPBO_OK && gpbo_space_encode(space, out, u) != GPBO_OK) {
        char msg[512];
        rc = gpbo_error_set(GPBO_EINVAL, "%s", encode_error(msg, sizeof msg));
    }
    free(given);
    free(u);
    return rc;
}
