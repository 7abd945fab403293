/*
 * fuzz_util.h: what the harnesses share. A harness defines FUZZ_HARNESS (its name, for the
 * report) before including this.
 */
#ifndef GPBO_FUZZ_UTIL_H
#define GPBO_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/error.h"

#ifndef FUZZ_HARNESS
#error "define FUZZ_HARNESS before including fuzz_util.h"
#endif

/* A broken promise: what and its detail (the message, the value) on stderr, then abort. */
static inline void broken(const char *what, const char *detail)
{
    fprintf(stderr, FUZZ_HARNESS ": %s: %s\n", what, detail ? detail : "(no message)");
    abort();
}

/* A failure must carry its code and a message. */
static inline void explained(const char *what)
{
    const char *m = gpbo_error_message();
    if (gpbo_error_code() == GPBO_OK || m == NULL || m[0] == '\0')
        broken(what, "failed without an error");
}

/* The input as a C string (malloc'd; the caller frees it). */
static inline char *input_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        broken("input", "out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

/* A loader's failure message: one line, and either "out of memory", "FILE: BARE" (bare: the
 * one message about the file as a whole, or NULL for none) or "FILE:LINE:COL: ...". */
static inline void check_file_message(const char *file, const char *bare)
{
    const char *m = gpbo_error_message();
    if (m == NULL || strchr(m, '\n') != NULL)
        broken("the message is not one line", m);
    if (!strcmp(m, "out of memory"))
        return;
    size_t l = strlen(file);
    const char *p = m + l;
    if (strncmp(m, file, l) != 0 || *p++ != ':')
        broken("the message does not name the file", m);
    if (bare != NULL && *p == ' ' && !strcmp(p + 1, bare))
        return;
    for (int field = 0; field < 2; field++) {
        if (*p < '0' || *p > '9')
            broken("the message has no line:column", m);
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p++ != ':')
            broken("the message has no line:column", m);
    }
}

#endif
