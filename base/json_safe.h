/*
 * json_safe.h: JSON in and out with jansson (2.14) in spite of what it does when memory runs
 * out, shared by the modules that store JSON (gp's save/load, search's spaces, options and
 * parameters); an internal header, compiled into each (static inline), not installed.
 * Writing: json_dumps() ignores the status of writing an object's key, so a failed allocation
 * there gives a "successful" document with the key cut out; gpbo_json_dumps() writes through a
 * callback that remembers any failure. Reading: the lexer ignores a failed growth of the buffer
 * a token is saved in, so a parse can "succeed" with a digit of a number dropped, and other
 * failed allocations come back as syntax errors; gpbo_json_parse() parses twice and trusts only
 * two parses that agree.
 */
#ifndef GPBO_JSON_SAFE_H
#define GPBO_JSON_SAFE_H

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/error.h"

typedef struct gpbo_json_buf {
    char *s;
    size_t n, cap;
    int failed;
} gpbo_json_buf;

static inline int gpbo_json_dump_cb(const char *b, size_t len, void *data)
{
    gpbo_json_buf *d = data;
    if (d->failed)
        return -1;
    if (d->n + len + 1 > d->cap) {
        size_t cap = d->cap ? d->cap : 256;
        while (cap < d->n + len + 1)
            cap *= 2;
        char *s = realloc(d->s, cap);
        if (s == NULL) {
            d->failed = 1;
            return -1;
        }
        d->s = s;
        d->cap = cap;
    }
    memcpy(d->s + d->n, b, len);
    d->n += len;
    d->s[d->n] = '\0';
    return 0;
}

/* json_dumps() that fails when any allocation failed. A malloc'd string, or NULL. */
static inline char *gpbo_json_dumps(const json_t *j, size_t flags)
{
    gpbo_json_buf d = {0};
    if (j == NULL || json_dump_callback(j, gpbo_json_dump_cb, &d, flags) != 0 || d.failed ||
        d.s == NULL) {
        free(d.s);
        return NULL;
    }
    return d.s;
}

/* Parses with load(arg) twice: two parses that agree are the document; two that fail alike are
 * the document's fault (GPBO_EFORMAT, or GPBO_ENOMEM when jansson says so); any disagreement
 * is memory (GPBO_ENOMEM). *code receives the status; err the first parse's error. */
static inline json_t *gpbo_json_parse(json_t *(*load)(const char *, size_t, json_error_t *),
                                      const char *arg, json_error_t *err, int *code)
{
    json_error_t err2;
    json_t *a = load(arg, 0, err), *b = load(arg, 0, &err2);
    int agree = a && b     ? json_equal(a, b)
                : !a && !b ? err->line == err2.line && err->column == err2.column &&
                                 strcmp(err->text, err2.text) == 0
                           : 0;
    json_decref(b);
    if (a != NULL && agree) {
        *code = GPBO_OK;
        return a;
    }
    json_decref(a);
    *code = agree && json_error_code(err) != json_error_out_of_memory ? GPBO_EFORMAT : GPBO_ENOMEM;
    return NULL;
}

/* A document from a string, parsed as gpbo_json_parse() does; NULL with *code GPBO_EFORMAT (the
 * text is not JSON) or GPBO_ENOMEM; no error message is set. */
static inline json_t *gpbo_json_loads(const char *txt, int *code)
{
    json_error_t err;
    return gpbo_json_parse(json_loads, txt, &err, code);
}

/* The length (1 to 4) of the valid UTF-8 sequence at p, a non-NUL byte (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 when none starts there. */
static inline size_t gpbo_utf8_seq(const unsigned char *p)
{
    unsigned c = *p;
    size_t n = c < 0x80             ? 0
               : (c & 0xE0) == 0xC0 ? 1
               : (c & 0xF0) == 0xE0 ? 2
               : (c & 0xF8) == 0xF0 ? 3
                                    : 4;
    if (n == 4 || (n == 1 && c < 0xC2) || (n == 3 && c > 0xF4))
        return 0;
    unsigned cp = n == 0 ? c : c & (0x3F >> n);
    for (size_t k = 1; k <= n; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n + 1;
}

/* Whether s is valid UTF-8, as jansson requires of every string it stores: a string it
 * refuses makes a whole document fail to serialize, so names are checked where they enter. */
static inline int gpbo_utf8_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = gpbo_utf8_seq(p);
        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}

/* A malloc'd copy of s, valid UTF-8: each byte that starts no valid sequence becomes U+FFFD
 * (free text from elsewhere, a program's last line of stderr, say, in Latin-1 or cut inside a
 * character). NULL when out of memory. */
static inline char *gpbo_utf8_repair(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(3 * len + 1); /* each byte at most U+FFFD's three */
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = gpbo_utf8_seq(p);
        if (n == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            p++;
        } else {
            memcpy(out + o, p, n);
            o += n;
            p += n;
        }
    }
    out[o] = '\0';
    return out;
}

/* A metric as stored JSON: a number, null for NaN, and for an infinity (which JSON has no number
 * for) the string "inf" or "-inf"; NULL when out of memory. */
static inline json_t *gpbo_json_metric(double x)
{
    return isfinite(x) ? json_real(x)
           : isnan(x)  ? json_null()
                       : json_string(x > 0 ? "inf" : "-inf");
}

/* The infinity that a stored metric's string "inf" or "-inf" (gpbo_json_metric) stands for; 0
 * for any other value. */
static inline double gpbo_json_metric_infinity(const json_t *v)
{
    const char *s = json_string_value(v);
    return s == NULL ? 0 : !strcmp(s, "inf") ? INFINITY : !strcmp(s, "-inf") ? -INFINITY : 0;
}

#endif
