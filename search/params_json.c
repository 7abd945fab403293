/*
 * params_json.c: parameter values to and from the JSON text the storage backends keep (see
 * params_json.h). jansson through base/json_safe.h, so a failed allocation is an error and never
 * a value silently cut out of the array.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "../base/json_safe.h"
#include "params_json.h"

char *gpbo_search__params_to_json(const double *values, size_t n)
{
    if (values == NULL)
        return strdup("null");
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        /* NaN, an inactive parameter's value (gpbo_space_add_condition), is JSON's null */
        json_t *x = isnan(values[i]) ? json_null() : json_real(values[i]);
        if (json_array_append_new(a, x) != 0) { /* else a value goes missing */
            json_decref(a);
            a = NULL;
        }
    }
    char *t = gpbo_json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(a);
    return t;
}

int gpbo_search__params_from_json(const char *txt, size_t n, double *out, int *proposed)
{
    if (txt != NULL && strcmp(txt, "null") == 0) { /* the only text a backend writes for it */
        *proposed = 0;
        return GPBO_OK;
    }
    int code = GPBO_EFORMAT;
    json_t *a = txt ? gpbo_json_loads(txt, &code) : NULL;
    if (a == NULL)
        return code == GPBO_ENOMEM ? GPBO_ENOMEM : GPBO_EFORMAT;
    int ok = json_is_array(a) && json_array_size(a) == n;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *v = json_array_get(a, i);
        ok = json_is_number(v) || json_is_null(v);
        if (ok)
            out[i] = json_is_null(v) ? NAN : json_number_value(v);
    }
    json_decref(a);
    *proposed = ok;
    return ok ? GPBO_OK : GPBO_EFORMAT;
}

int gpbo_search__trial_read_error(int code, const char *where, size_t id, const char *what)
{
    if (code == GPBO_ENOMEM)
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory reading trial %zu", where, id);
    return gpbo_error_set(GPBO_EFORMAT, "%s: trial %zu: its %s are malformed", where, id, what);
}

/* ---- a trial's other metrics ----------------------------------------------------------------- */

int gpbo_search__metrics_to_json(const gpbo_metrics *m, char **out)
{
    *out = NULL;
    if (m->n == 0 && m->attrs == NULL)
        return GPBO_OK;
    json_t *o = json_object();
    for (size_t i = 0; o && i < m->n; i++) {
        /* an infinity as the string "inf" or "-inf" (JSON has no number for it; it was null,
         * read back as NaN: a constraint metric of -inf, which holds under any max, made its
         * trial infeasible), NaN as null */
        json_t *v = gpbo_json_metric(m->values[i]);
        if (json_object_set_new(o, m->names[i], v) != 0) { /* else a metric goes missing */
            json_decref(o);
            o = NULL;
        }
    }
    if (o && m->attrs) { /* written by attrs_set: an object; a failure here is memory's */
        int code;
        json_t *a = gpbo_json_loads(m->attrs, &code);
        if (a == NULL || json_object_set_new(o, "", a) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    *out = gpbo_json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    return *out ? GPBO_OK : GPBO_ENOMEM;
}

void gpbo_search__metrics_clear(gpbo_metrics *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->names[i]);
    free(m->names);
    free(m->values);
    free(m->attrs);
    m->n = 0;
    m->names = NULL;
    m->values = NULL;
    m->attrs = NULL;
}

/* Makes room for n metrics in an empty m (names NULL); GPBO_ENOMEM, no message. */
static int metrics_alloc(gpbo_metrics *m, size_t n)
{
    m->names = n ? calloc(n, sizeof *m->names) : NULL;
    m->values = n ? malloc(n * sizeof *m->values) : NULL;
    if (n && (!m->names || !m->values)) {
        free(m->names);
        free(m->values);
        m->names = NULL;
        m->values = NULL;
        return GPBO_ENOMEM;
    }
    return GPBO_OK;
}

int gpbo_search__metrics_from_json(const char *txt, gpbo_metrics *out)
{
    if (txt == NULL)
        return GPBO_OK;
    int code = GPBO_EFORMAT;
    json_t *o = gpbo_json_loads(txt, &code);
    if (o == NULL)
        return code == GPBO_ENOMEM ? GPBO_ENOMEM : GPBO_EFORMAT;
    int rc = json_is_object(o) ? metrics_alloc(out, json_object_size(o)) : GPBO_EFORMAT;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (rc != GPBO_OK)
            break;
        if (key[0] == '\0') { /* the user attributes (metrics_to_json) */
            if (!json_is_object(v) || out->attrs != NULL)
                rc = GPBO_EFORMAT;
            else if ((out->attrs = gpbo_json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(17))) ==
                     NULL)
                rc = GPBO_ENOMEM;
        } else if (!json_is_number(v) && !json_is_null(v) && gpbo_json_metric_infinity(v) == 0) {
            rc = GPBO_EFORMAT;
        } else if ((out->names[out->n] = strdup(key)) == NULL) {
            rc = GPBO_ENOMEM;
        } else {
            out->values[out->n++] = json_is_number(v) ? json_number_value(v)
                                    : json_is_null(v) ? NAN
                                                      : gpbo_json_metric_infinity(v);
        }
    }
    json_decref(o);
    if (rc != GPBO_OK)
        gpbo_search__metrics_clear(out);
    return rc;
}

int gpbo_search__metrics_copy(gpbo_metrics *dst, const gpbo_metrics *src)
{
    gpbo_metrics c = {0};
    if (metrics_alloc(&c, src->n) != GPBO_OK)
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    for (; c.n < src->n; c.n++) {
        if ((c.names[c.n] = strdup(src->names[c.n])) == NULL) {
            gpbo_search__metrics_clear(&c);
            return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
        }
        c.values[c.n] = src->values[c.n];
    }
    if (src->attrs && (c.attrs = strdup(src->attrs)) == NULL) {
        gpbo_search__metrics_clear(&c);
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    }
    gpbo_search__metrics_clear(dst);
    *dst = c;
    return GPBO_OK;
}

static size_t metrics_find(const gpbo_metrics *m, const char *name)
{
    size_t i = 0;
    while (i < m->n && strcmp(m->names[i], name) != 0)
        i++;
    return i;
}

int gpbo_search__metrics_get(const gpbo_metrics *m, const char *name, double *out)
{
    size_t i = metrics_find(m, name);
    if (i == m->n)
        return GPBO_ENOTFOUND;
    *out = m->values[i];
    return GPBO_OK;
}

int gpbo_search__metrics_merge(gpbo_metrics *m, size_t n, const char *const *names,
                               const double *values)
{
    for (size_t i = 0; i < n; i++)
        if (names == NULL || names[i] == NULL || names[i][0] == '\0')
            return gpbo_error_set(GPBO_EINVAL, "a metric needs a name");
        else if (!gpbo_utf8_valid(names[i]))
            return gpbo_error_set(GPBO_EINVAL, "metric %zu's name is not valid UTF-8", i);
    gpbo_metrics c = {0};
    if (gpbo_search__metrics_copy(&c, m) != GPBO_OK)
        return GPBO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t k = metrics_find(&c, names[i]);
        if (k == c.n) {
            char **nn = realloc(c.names, (c.n + 1) * sizeof *nn);
            if (nn)
                c.names = nn;
            double *nv = nn ? realloc(c.values, (c.n + 1) * sizeof *nv) : NULL;
            if (nv)
                c.values = nv;
            if (!nn || !nv || (c.names[c.n] = strdup(names[i])) == NULL) {
                gpbo_search__metrics_clear(&c);
                return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
            }
            c.n++;
        }
        c.values[k] = values[i]; /* an infinity kept (as Optuna keeps one), NaN as NaN */
    }
    gpbo_search__metrics_clear(m);
    *m = c;
    return GPBO_OK;
}

int gpbo_search__attrs_set(gpbo_metrics *m, const char *key, const char *json)
{
    if (!gpbo_utf8_valid(key) || !gpbo_utf8_valid(json))
        return gpbo_error_set(GPBO_EINVAL, "a user attribute's key and value are UTF-8 text");
    /* any JSON value, a string or a number too: parsed as the one element of an array (the
     * parser takes only an object or an array at the top) */
    size_t len = strlen(json);
    char *wrapped = malloc(len + 3);
    if (wrapped == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    wrapped[0] = '[';
    memcpy(wrapped + 1, json, len);
    memcpy(wrapped + 1 + len, "]", 2);
    int code;
    json_t *arr = gpbo_json_loads(wrapped, &code);
    free(wrapped);
    if (arr == NULL && code == GPBO_ENOMEM)
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    if (arr == NULL || json_array_size(arr) != 1) {
        json_decref(arr);
        return gpbo_error_set(GPBO_EINVAL, "user attribute '%s': not one JSON value: %.60s", key,
                              json);
    }
    json_t *o = m->attrs ? gpbo_json_loads(m->attrs, &code) : json_object();
    char *txt = NULL;
    if (o && json_object_set(o, key, json_array_get(arr, 0)) == 0)
        txt = gpbo_json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    json_decref(arr);
    if (txt == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    free(m->attrs);
    m->attrs = txt;
    return GPBO_OK;
}
