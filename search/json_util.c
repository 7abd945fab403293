/*
 * json_util.c: JSON in and out for the search module (spaces, study options, stored parameter
 * values) in spite of jansson's (2.14) behaviour when memory runs out. Writing: json_dumps()
 * ignores the status of writing an object's key, so a failed allocation there gives a
 * "successful" document with the key cut out (a study created then would store a space it can
 * never read back); here the output goes through a callback that remembers any failure.
 * Reading: the lexer ignores a failed growth of the buffer a token is saved in, so a parse can
 * "succeed" with a digit of a number dropped, and other failed allocations come back as syntax
 * errors; here every document is parsed twice and trusted only when both parses agree.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "search_internal.h"

typedef struct dump_buf {
    char *s;
    size_t n, cap;
    int failed;
} dump_buf;

static int dump_cb(const char *b, size_t len, void *data)
{
    dump_buf *d = data;
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

char *gpbo_search__json_dumps(const json_t *j, size_t flags)
{
    dump_buf d = {0};
    if (j == NULL || json_dump_callback(j, dump_cb, &d, flags) != 0 || d.failed || d.s == NULL) {
        free(d.s);
        return NULL;
    }
    return d.s;
}

json_t *gpbo_search__json_loads(const char *txt, int *code)
{
    json_error_t e1, e2;
    json_t *a = json_loads(txt, 0, &e1), *b = json_loads(txt, 0, &e2);
    int agree = a && b     ? json_equal(a, b)
                : !a && !b ? e1.position == e2.position && strcmp(e1.text, e2.text) == 0
                           : 0;
    json_decref(b);
    if (a != NULL && agree) {
        *code = GPBO_OK;
        return a;
    }
    json_decref(a);
    *code = agree && json_error_code(&e1) != json_error_out_of_memory ? GPBO_EFORMAT : GPBO_ENOMEM;
    return NULL;
}
