/*
 * output_line.c: what one line of a trial's output says — the sweep's metric, final or at a
 * step (parse_metric_line), and every other name=value or JSON number of a line without a step
 * (cli_line_metrics: `gpbo run` stores them with the trial), and a metric printed with no number
 * (cli_metric_unreadable: the reason of the trial's failure). Lines come from any program, so
 * nothing here trusts them: fuzz/fuzz_output.c holds the promises.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/json_safe.h"
#include "cli.h"

/* The largest step a line may give: 2^53, every integer up to it exact in a double and in a
 * long. */
#define STEP_MAX 9007199254740992.0

void cli_metrics_set(cli_metrics *m, const char *name, size_t len, double v)
{
    if (len == 0 || len >= sizeof m->name[0])
        return;
    /* the study stores names as JSON, which is UTF-8: one that is not is left out (handed to
     * the study, it failed the trial's tell and stopped the run) */
    char buf[sizeof m->name[0]];
    memcpy(buf, name, len);
    buf[len] = '\0';
    if (!gpbo_utf8_valid(buf))
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

/* The bare words Python's json.dumps writes for non-finite floats (allow_nan=True, its
 * default: {"loss": NaN}), which JSON and jansson refuse, and the marker strings a line's copy
 * holds in their place: each starts with a NUL, which no string of a line jansson parsed
 * without JSON_ALLOW_NUL can hold. */
static const struct {
    const char *word, *marker;
    double value;
} NONFINITE[] = {{"-Infinity", "\"\\u0000-\"", -INFINITY},
                 {"Infinity", "\"\\u0000+\"", INFINITY},
                 {"NaN", "\"\\u0000n\"", NAN}};
#define NNONFINITE (sizeof NONFINITE / sizeof *NONFINITE)

static int word_byte(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' ||
           c == '.' || c == '+' || c == '-';
}

/* A JSON line as jansson reads it, or, when it refuses the line, as Python's json module reads
 * it: NaN, Infinity and -Infinity outside strings stand for those values (json_nonfinite reads
 * them back). They were ignored, so that a program printing json.dumps({"loss": loss}) of a
 * diverged loss completed with its previous line's value instead of failing. NULL when neither
 * reads it (the caller frees what comes back). */
static json_t *json_line_load(const char *line)
{
    json_t *o = json_loads(line, JSON_DECODE_ANY, NULL);
    if (o != NULL || strstr(line, "\\u0000") != NULL) /* the markers' escape: not ours */
        return o;
    size_t n = strlen(line), k = 0;
    int found = 0, in_str = 0;
    char *copy = malloc(3 * n + 1); /* a word of 3 bytes at least becomes 9 */
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        if (in_str) {
            if (line[i] == '\\' && i + 1 < n)
                copy[k++] = line[i++];
            else if (line[i] == '"')
                in_str = 0;
            copy[k++] = line[i++];
            continue;
        }
        size_t w = i > 0 && word_byte(line[i - 1]) ? NNONFINITE : 0; /* a word starts here */
        while (w < NNONFINITE && (strncmp(line + i, NONFINITE[w].word, strlen(NONFINITE[w].word)) ||
                                  word_byte(line[i + strlen(NONFINITE[w].word)])))
            w++;
        if (w < NNONFINITE) {
            size_t ml = strlen(NONFINITE[w].marker);
            memcpy(copy + k, NONFINITE[w].marker, ml);
            k += ml;
            i += strlen(NONFINITE[w].word);
            found = 1;
            continue;
        }
        in_str = line[i] == '"';
        copy[k++] = line[i++];
    }
    copy[k] = '\0';
    o = found ? json_loads(copy, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
    free(copy);
    return o;
}

/* Whether v is one of json_line_load's markers, and its value into *out. */
static int json_nonfinite(const json_t *v, double *out)
{
    if (!json_is_string(v) || json_string_length(v) != 2 || json_string_value(v)[0] != '\0')
        return 0;
    for (size_t w = 0; w < NNONFINITE; w++)
        if (json_string_value(v)[1] == NONFINITE[w].marker[7]) {
            *out = NONFINITE[w].value;
            return 1;
        }
    return 0;
}

/* A JSON object line: its numeric members, unless it has a step (an intermediate value). NaN
 * is left out, as the name=value form leaves out loss=nan; Infinity and -Infinity are kept (a
 * constraint compares them as Optuna's constraints_func values: they were dropped, and a
 * "mem": -Infinity that holds under any max made its trial infeasible). */
static void json_line(cli_metrics *m, const char *line)
{
    json_t *o = json_line_load(line);
    const char *key;
    json_t *v;
    if (json_is_object(o) && json_object_get(o, "step") == NULL) {
        json_object_foreach(o, key, v)
        {
            double x = NAN;
            if (json_is_number(v))
                cli_metrics_set(m, key, strlen(key), json_number_value(v));
            else if (json_nonfinite(v, &x) && !isnan(x))
                cli_metrics_set(m, key, strlen(key), x);
        }
    }
    json_decref(o);
}

/* Calls fn for each name=value token of a line (blanks or commas between them) whose value is a
 * number, an infinity included (strtod's inf, -inf, infinity; NaN is none); returns 1 as soon as
 * fn does. */
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
            if (*end == '\0' && !isnan(v) && fn(m, p, (size_t)(eq - p), v))
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

static int parse_double(const char *s, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int parse_metric_line(const char *line, const char *metric, double *value, long *step)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '{') {
        json_t *o = json_line_load(line);
        int kind = 0;
        if (json_is_object(o)) {
            json_t *v = json_object_get(o, metric), *s = json_object_get(o, "step");
            double x = 0;
            if (json_is_number(v) || json_nonfinite(v, &x)) {
                *value = json_is_number(v) ? json_number_value(v) : x;
                kind = 1;
                /* a step as the name=value form takes one: a whole number from 0 to 2^53
                 * (a negative or larger one, found by fuzz_output, leaves a final value) */
                x = json_is_number(s) ? json_number_value(s) : -1;
                if (x == floor(x) && x >= 0 && x <= STEP_MAX) {
                    *step = (long)x;
                    kind = 2;
                }
            } else if (json_is_string(v) && !strcmp(json_string_value(v), "nan")) {
                *value = NAN;
                kind = 1;
            }
        }
        json_decref(o);
        return kind;
    }
    /* whitespace-separated name=value tokens */
    size_t ml = strlen(metric);
    int found = 0, has_step = 0;
    double v = NAN;
    long st = 0;
    const char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *t = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ',')
            p++;
        const char *eq = memchr(t, '=', (size_t)(p - t));
        if (eq == NULL)
            continue;
        size_t kl = (size_t)(eq - t);
        double x;
        if (parse_double(eq + 1, (size_t)(p - eq - 1), &x) != 0)
            continue;
        if (kl == ml && !memcmp(t, metric, ml)) {
            v = x;
            found = 1;
        } else if (kl == 4 && !memcmp(t, "step", 4) && x == floor(x) && x >= 0 &&
                   x <= STEP_MAX) { /* larger: not a step a long holds (found by fuzz_output) */
            st = (long)x;
            has_step = 1;
        }
    }
    if (!found)
        return 0;
    *value = v;
    if (has_step) {
        *step = st;
        return 2;
    }
    return 1;
}

/* Copies text (n bytes) into out for a message: control and non-ASCII bytes as '?' (the
 * reason is stored as UTF-8 and shown on one line). */
static void shown(char *out, size_t cap, const char *text, size_t n)
{
    size_t k = 0;
    for (; k + 1 < cap && k < n; k++)
        out[k] = (unsigned char)text[k] < 0x20 || (unsigned char)text[k] >= 0x7f ? '?' : text[k];
    out[k] = '\0';
}

void cli_metric_unreadable(const char *line, const char *metric, char *out, size_t cap)
{
    const char *p = line + strspn(line, " \t");
    size_t ml = strlen(metric);
    if (ml == 0 || strstr(p, metric) == NULL)
        return;
    if (*p == '{') {
        json_t *o = json_line_load(p);
        json_t *v = json_is_object(o) ? json_object_get(o, metric) : NULL;
        double x;
        if (v != NULL && !json_is_number(v) && !json_nonfinite(v, &x)) {
            char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            char buf[256];
            snprintf(buf, sizeof buf, "\"%s\": %s", metric, t ? t : "?");
            shown(out, cap, buf, strlen(buf));
            free(t);
        }
        json_decref(o);
        return;
    }
    /* the tokens of parse_metric_line: blanks or commas between them */
    while (*p) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, " \t,");
        /* the caller found no number in any of the line's metric=... tokens */
        if (len >= ml + 1 && p[ml] == '=' && !memcmp(p, metric, ml))
            shown(out, cap, p, len);
        p += len;
    }
}
