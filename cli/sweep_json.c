/*
 * sweep_json.c: a trial's parameters as one JSON object, for W&B's ${args_json} and
 * ${args_json_file} macros. W&B's agent hands the program json.dumps of the run's config, each
 * value with the type its sweep gave it: an int_uniform's integer as a JSON integer, a uniform's
 * float as a float (3.0, not 3), a categorical value as PyYAML read its scalar (64 an integer,
 * 1e-3 a string: PyYAML's YAML 1.1 floats need a dot, "64" quoted a string, yes a boolean).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gpbo/sys/error.h"
#include "sweep.h"

typedef struct buf {
    char *p;
    size_t len, cap;
    int oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = 2 * (b->len + n + 1);
        char *q = realloc(b->p, cap);
        if (q == NULL) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* A JSON string: '"', '\\' and control characters escaped; other bytes (UTF-8) as they are. */
static void put_string(buf *b, const char *s)
{
    puts_(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            put(b, e, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(e, sizeof e, "\\u%04x", c);
            puts_(b, e);
        } else {
            put(b, s, 1);
        }
    }
    puts_(b, "\"");
}

/* t without its '_' (YAML 1.1's digit separators), into out (cap bytes; values are short). */
static void strip_(const char *t, char *out, size_t cap)
{
    size_t n = 0;
    for (; *t && n + 1 < cap; t++)
        if (*t != '_')
            out[n++] = *t;
    out[n] = '\0';
}

/* x as Python's repr() writes a float (json.dumps writes it so too): the shortest digits that
 * read back as x, in fixed notation from 1e-4 up to 1e16 (with a '.': 3.0, not 3;
 * 1000000000000000.0, where "%g" wrote 1e+15) and as "%e" writes them beyond (1e-05, 1.5e+16);
 * infinities and NaN as json.dumps writes them (Infinity, NaN), or as str() does when py_str
 * (inf, nan). */
static void put_float(buf *b, double x, int py_str)
{
    char t[48];
    if (isnan(x)) {
        puts_(b, py_str ? "nan" : "NaN");
        return;
    }
    if (isinf(x)) {
        puts_(b, x > 0 ? (py_str ? "inf" : "Infinity") : (py_str ? "-inf" : "-Infinity"));
        return;
    }
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(t, sizeof t, "%.*e", prec - 1, x);
        if (strtod(t, NULL) == x)
            break;
    }
    snprintf(t, sizeof t, "%.*e", prec - 1, x);
    int e = atoi(strchr(t, 'e') + 1);
    if (e >= -4 && e < 16) {
        snprintf(t, sizeof t, "%.*f", prec - 1 - e > 0 ? prec - 1 - e : 0, x);
        if (strchr(t, '.') == NULL)
            strcat(t, ".0");
    }
    puts_(b, t);
}

/* A YAML 1.1 float's text (sweep_scalar_type said SWEEP_T_FLOAT), or a number's. */
static void put_yaml_float(buf *b, const char *text)
{
    put_float(b, sweep_yaml_number(text), 0);
}

/* A YAML 1.1 integer's text (sweep_scalar_type said SWEEP_T_INT): 0b binary, 0x hex, a leading
 * 0 octal, base 60 with ':', else decimal, written in decimal. */
static void put_yaml_int(buf *b, const char *text)
{
    char t[300];
    strip_(text, t, sizeof t);
    int neg = t[0] == '-';
    const char *u = t + (t[0] == '-' || t[0] == '+');
    int base = u[0] == '0' && u[1] == 'b' ? 2 : u[0] == '0' && u[1] == 'x' ? 16 : 0;
    if (base == 0 && strchr(u, ':') == NULL && (u[0] != '0' || u[1] == '\0')) {
        /* decimal: its digits as they are, any length (Python's ints have none) */
        if (neg && strcmp(u, "0") != 0)
            puts_(b, "-");
        puts_(b, u);
        return;
    }
    if (base == 0 && strchr(u, ':') != NULL) {
        char d[400]; /* 255 bytes of base 60 stay below 1e160: every digit fits */
        snprintf(d, sizeof d, "%.0f", sweep_yaml_number(text));
        puts_(b, d);
        return;
    }
    const char *digits = base ? u + 2 : u + 1;
    if (base == 0)
        base = 8;
    unsigned long long v = 0;
    int over = 0;
    for (; *digits; digits++) {
        unsigned d =
            *digits <= '9' ? (unsigned)(*digits - '0') : (unsigned)((*digits | 0x20) - 'a' + 10);
        over |= v > (~0ULL - d) / (unsigned)base;
        v = v * (unsigned)base + d;
    }
    char d[400]; /* 253 hexadecimal digits stay below 1e310: every digit fits */
    if (over)    /* past 2^64: Python's exact integer is out of reach here; the nearest double */
        snprintf(d, sizeof d, "%.0f", sweep_yaml_number(text));
    else
        snprintf(d, sizeof d, "%s%llu", neg && v ? "-" : "", v);
    puts_(b, d);
}

/* A categorical or constant value, text, with its YAML type. */
static void put_typed(buf *b, const char *text, char type)
{
    switch (type) {
    case SWEEP_T_NULL:
        puts_(b, "null");
        break;
    case SWEEP_T_BOOL:
        puts_(b, !strcasecmp(text, "yes") || !strcasecmp(text, "true") || !strcasecmp(text, "on")
                     ? "true"
                     : "false");
        break;
    case SWEEP_T_INT:
        put_yaml_int(b, text);
        break;
    case SWEEP_T_FLOAT:
        put_yaml_float(b, text);
        break;
    default:
        put_string(b, text);
    }
}

/* Whether parameter p's values are integers in W&B: int_uniform, int_log_uniform_values, and a
 * q-distribution whose q is a whole number written so (W&B: isinstance(q, int)). */
static int integer_valued(const sweep_param *p)
{
    switch (p->dist) {
    case D_INT_UNIFORM:
    case D_INT_LOG_UNIFORM_VALUES:
        return 1;
    case D_Q_UNIFORM:
    case D_Q_LOG_UNIFORM_VALUES:
    case D_Q_LOG_UNIFORM:
    case D_Q_NORMAL:
    case D_Q_LOG_NORMAL:
        return p->q_int;
    default:
        return 0;
    }
}

int sweep_bool_value(const sweep *s, size_t i, const char *text)
{
    const sweep_param *p = &s->p[i];
    if ((p->dist != D_CONSTANT && p->dist != D_CATEGORICAL) || p->vtypes == NULL || text == NULL)
        return -1;
    size_t k = sweep_find(text, (const char *const *)p->values, p->nvalues);
    if (k == p->nvalues || p->vtypes[k] != SWEEP_T_BOOL)
        return -1;
    return !strcasecmp(text, "yes") || !strcasecmp(text, "true") || !strcasecmp(text, "on");
}

const char *sweep_typed_text(const char *text, char type, char *out, size_t cap)
{
    buf b = {NULL, 0, 0, 0};
    switch (type) {
    case SWEEP_T_BOOL: /* Python's str(True) */
        puts_(&b, !strcasecmp(text, "yes") || !strcasecmp(text, "true") || !strcasecmp(text, "on")
                      ? "True"
                      : "False");
        break;
    case SWEEP_T_NULL:
        puts_(&b, "None");
        break;
    case SWEEP_T_INT:
        put_yaml_int(&b, text);
        break;
    case SWEEP_T_FLOAT:
        put_float(&b, sweep_yaml_number(text), 1);
        break;
    default:
        return text;
    }
    if (b.oom || b.len >= cap) { /* cannot be: a value is at most 255 bytes, its number 310 */
        free(b.p);
        return text;
    }
    memcpy(out, b.p, b.len + 1);
    free(b.p);
    return out;
}

const char *sweep_arg_text(const sweep *s, size_t i, const char *text, char *out, size_t cap)
{
    const sweep_param *p = &s->p[i];
    if ((p->dist != D_CONSTANT && p->dist != D_CATEGORICAL) || p->vtypes == NULL)
        return text;
    size_t k = sweep_find(text, (const char *const *)p->values, p->nvalues);
    return sweep_typed_text(text, k < p->nvalues ? p->vtypes[k] : SWEEP_T_STR, out, cap);
}

char *sweep_args_json(const sweep *s, char *const *values)
{
    buf b = {NULL, 0, 0, 0};
    puts_(&b, "{");
    int first = 1;
    for (size_t i = 0; i < s->np; i++) {
        const sweep_param *p = &s->p[i];
        const char *v = values[i];
        if (v == NULL) /* inactive (when:): left out, as ${args} leaves it out */
            continue;
        if (!first)
            puts_(&b, ", ");
        first = 0;
        put_string(&b, p->name);
        puts_(&b, ": ");
        if (p->dist == D_CONSTANT || p->dist == D_CATEGORICAL) {
            size_t k = sweep_find(v, (const char *const *)p->values, p->nvalues);
            put_typed(&b, v, k < p->nvalues && p->vtypes ? p->vtypes[k] : SWEEP_T_STR);
        } else if (integer_valued(p)) {
            char t[48];
            snprintf(t, sizeof t, "%.0f", strtod(v, NULL));
            puts_(&b, strcmp(t, "-0") ? t : "0");
        } else {
            put_float(&b, strtod(v, NULL), 0);
        }
    }
    puts_(&b, "}");
    if (b.oom) {
        free(b.p);
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        return NULL;
    }
    return b.p;
}
