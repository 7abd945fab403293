/*
 * yaml_text.c: the YAML files' common reading (yaml_text.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gpbo/sys/error.h"
#include "yaml_text.h"

int cli_yaml_oom(void)
{
    return gpbo_error_set(GPBO_ENOMEM, "out of memory");
}

/* Line and column (from 1) of byte off of text. */
static void position(const char *text, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, last = 0;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n') {
            l++;
            last = i + 1;
        }
    *line = l;
    *col = off - last + 1;
}

int cli_yaml_read(const char *path, const char *kind, size_t max, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return gpbo_error_set(GPBO_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return gpbo_error_set(GPBO_EIO, "%s: is a directory, not %s", path, kind);
    }
    size_t cap = max + 1, n = 0;
    char *t = malloc(cap);
    if (t == NULL) {
        fclose(f);
        return cli_yaml_oom();
    }
    while (n < cap) {
        size_t got = fread(t + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f), err = errno;
    fclose(f);
    if (bad) {
        free(t);
        return gpbo_error_set(GPBO_EIO, "%s: cannot read: %s", path, strerror(err));
    }
    *text = t;
    *len = n;
    return GPBO_OK;
}

int cli_yaml_failed(const char *path, const yaml_parser_t *p, const char *text, size_t len)
{
    if (p->error == YAML_MEMORY_ERROR || p->error == YAML_NO_ERROR)
        return cli_yaml_oom();
    size_t line = p->problem_mark.line + 1, col = p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR) /* the reader reports a byte offset, not a mark */
        position(text, p->problem_offset < len ? p->problem_offset : len, &line, &col);
    return gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: malformed YAML: %s%s%s", path, line, col,
                          p->problem ? p->problem : "error", p->context ? " " : "",
                          p->context ? p->context : "");
}

int cli_yaml_check(const char *path, const char *text, size_t len, size_t max, int max_depth,
                   const char *kind)
{
    if (len > max) {
        size_t line, col;
        position(text, max, &line, &col);
        return gpbo_error_set(GPBO_EFORMAT,
                              "%s:%zu:%zu: the file goes on past %zu bytes (%g MiB), the limit "
                              "for %s",
                              path, line, col, max, (double)max / (1 << 20), kind);
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return cli_yaml_oom();
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, docs = 0, rc = GPBO_OK;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            rc = cli_yaml_failed(path, &p, text, len);
            break;
        }
        yaml_event_type_t t = e.type;
        size_t line = e.start_mark.line + 1, col = e.start_mark.column + 1;
        yaml_event_delete(&e);
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1)
            rc = gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: a second YAML document; %s holds one",
                                path, line, col, kind);
        else if ((t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) &&
                 ++depth > max_depth)
            rc = gpbo_error_set(GPBO_EFORMAT,
                                "%s:%zu:%zu: nested more than %d levels deep (the limit for %s)",
                                path, line, col, max_depth, kind);
        else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
            depth--;
        if (rc != GPBO_OK || t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&p);
    return rc;
}

const char *cli_yaml_show(const char *s, char *buf)
{
    size_t n = 0;
    for (; s[n] && n < 60; n++)
        buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
    if (s[n]) {
        while (n > 0 && ((unsigned char)buf[n - 1] & 0xc0) == 0x80)
            n--;
        if (n > 0 && (unsigned char)buf[n - 1] >= 0xc0)
            n--;
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}
