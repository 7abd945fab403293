/*
 * params_json.c: parameter values to and from the JSON text the storage backends keep (see
 * params_json.h). jansson through base/json_safe.h, so a failed allocation is an error and never
 * a value silently cut out of the array.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
