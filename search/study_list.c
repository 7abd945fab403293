/*
 * study_list.c: the studies a storage holds (gpbo_study_list), for commands that are given a
 * storage and no study name; and deleting one by name (gpbo_study_delete).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpbo/search.h"
#include "gpbo/sys/error.h"
#include "search_internal.h"

/* The names as the storage hands them out, copied. */
typedef struct name_list {
    char **names;
    size_t n, cap, bytes;
} name_list;

static int add_name(void *payload, const char *name)
{
    name_list *l = payload;
    if (l->n == l->cap) {
        size_t cap = 2 * l->cap + 8;
        char **more = realloc(l->names, cap * sizeof *more);
        if (more == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "out of memory");
        l->names = more;
        l->cap = cap;
    }
    if ((l->names[l->n] = strdup(name)) == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    l->bytes += strlen(name) + 1;
    l->n++;
    return GPBO_OK;
}

/* One allocation holding the n pointers, a NULL, then the strings. */
static char **pack(const name_list *l)
{
    char **out = malloc((l->n + 1) * sizeof *out + l->bytes);
    if (out == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        return NULL;
    }
    char *p = (char *)(out + l->n + 1);
    for (size_t i = 0; i < l->n; i++) {
        size_t len = strlen(l->names[i]) + 1;
        memcpy(p, l->names[i], len);
        out[i] = p;
        p += len;
    }
    out[l->n] = NULL;
    return out;
}

int gpbo_search__missing_file(const char *url)
{
    const char *path = !strncmp(url, "sqlite:///", 10) ? url + 10 : url;
    if (path != url || strstr(url, "://") == NULL)
        return *path != '\0' && access(path, F_OK) != 0 && errno == ENOENT;
    return 0;
}

int gpbo_study_list(const char *storage, char ***out_names, size_t *out_n)
{
    if (storage == NULL || out_names == NULL || out_n == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_list: NULL argument");
    *out_names = NULL;
    *out_n = 0;
    /* gpbo_study_open's word for a study of one handle: never a file to read (one of that name
     * in the working directory was listed, though no open would ever use it) */
    if (strcmp(storage, ":memory:") == 0)
        return gpbo_error_set(GPBO_EINVAL,
                              "study_list: ':memory:' names a study of one handle, not a storage "
                              "of studies to list");
    if (gpbo_search__sqlite_query(storage) != GPBO_OK)
        return gpbo_error_code();
    if (gpbo_search__missing_file(storage))
        return gpbo_error_set(GPBO_ENOTFOUND, "%s: no such file", storage);
    name_list l = {NULL, 0, 0, 0};
    int rc;
    /* an SQLite file is read read-only (gpbo_search__sqlite_list: another program's database
     * is left as it was, and a listing never waits for a worker's write) */
    const char *path = !strncmp(storage, "sqlite:///", 10) ? storage + 10 : storage;
    if (path != storage || strstr(storage, "://") == NULL) {
        rc = *path ? gpbo_search__sqlite_list(path, add_name, &l)
                   : gpbo_error_set(GPBO_EINVAL, "storage '%s': the path is empty", storage);
    } else {
        gpbo_storage *st = gpbo_search__storage_open(storage);
        if (st == NULL)
            return gpbo_error_code();
        rc = st->ops->studies(st, add_name, &l);
        st->ops->close(st);
    }
    if (rc == GPBO_OK && (*out_names = pack(&l)) != NULL)
        *out_n = l.n;
    else if (rc == GPBO_OK)
        rc = GPBO_ENOMEM;
    for (size_t i = 0; i < l.n; i++)
        free(l.names[i]);
    free(l.names);
    return rc;
}

int gpbo_study_delete(const char *storage, const char *name, size_t *out_trials)
{
    if (out_trials != NULL)
        *out_trials = 0;
    if (storage == NULL || name == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_delete: NULL argument");
    if (strcmp(storage, ":memory:") == 0)
        return gpbo_error_set(GPBO_EINVAL,
                              "study_delete: ':memory:' names a study of one handle, not a "
                              "storage of studies (close the handle)");
    if (gpbo_search__sqlite_query(storage) != GPBO_OK)
        return gpbo_error_code();
    if (gpbo_search__missing_file(storage)) /* opening the storage would create the file */
        return gpbo_error_set(GPBO_ENOTFOUND, "%s: no such file", storage);
    gpbo_storage *st = gpbo_search__storage_open(storage);
    if (st == NULL)
        return gpbo_error_code();
    size_t n = 0;
    int rc = st->ops->delete_study(st, name, &n);
    st->ops->close(st);
    if (rc == GPBO_OK && out_trials != NULL)
        *out_trials = n;
    return rc;
}
