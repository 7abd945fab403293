/*
 * constraints.c: outcome constraints (issue 20) — the study options' list (version 5), its JSON
 * in the stored options, and feasibility: a trial is feasible when every constraint metric it
 * reported lies within its bounds (constraints_internal.h). The Bayesian strategy's model of
 * them is bayes_constraints.c.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "../base/json_safe.h"
#include "constraints_internal.h"

int gpbo_search__constraints_check(const gpbo_study_options *o)
{
    if (o->n_constraints > 0 && o->constraints == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_open: n_constraints is %zu with no constraints",
                              o->n_constraints);
    for (size_t k = 0; k < o->n_constraints; k++) {
        const gpbo_constraint *c = &o->constraints[k];
        if (c->name == NULL || c->name[0] == '\0')
            return gpbo_error_set(GPBO_EINVAL, "study_open: constraint %zu has no metric name", k);
        if (!gpbo_utf8_valid(c->name))
            return gpbo_error_set(GPBO_EINVAL,
                                  "study_open: constraint %zu's metric name is not valid UTF-8", k);
        for (size_t j = 0; j < k; j++)
            if (strcmp(o->constraints[j].name, c->name) == 0)
                return gpbo_error_set(GPBO_EINVAL, "study_open: constraint '%s' is given twice",
                                      c->name);
        double lo = gpbo_search__bound(c->min, -INFINITY),
               hi = gpbo_search__bound(c->max, INFINITY);
        if (lo == -INFINITY && hi == INFINITY)
            return gpbo_error_set(GPBO_EINVAL,
                                  "study_open: constraint '%s' has neither min nor max", c->name);
        if (lo > hi)
            return gpbo_error_set(GPBO_EINVAL, "study_open: constraint '%s' has min %g > max %g",
                                  c->name, lo, hi);
    }
    return GPBO_OK;
}

int gpbo_search__feasible(const gpbo_study_options *o, const gpbo_metrics *m)
{
    for (size_t k = 0; k < o->n_constraints; k++) {
        double v = NAN;
        if (gpbo_search__metrics_get(m, o->constraints[k].name, &v) != GPBO_OK ||
            !gpbo_search__constraint_holds(&o->constraints[k], v))
            return 0;
    }
    return 1;
}

int gpbo_search__constraints_to_json(const gpbo_study_options *o, void *object)
{
    if (o->n_constraints == 0)
        return GPBO_OK; /* the key only when there are some: older readers see what they know */
    json_t *a = json_array();
    int rc =
        a && json_object_set_new((json_t *)object, "constraints", a) == 0 ? GPBO_OK : GPBO_ENOMEM;
    for (size_t k = 0; rc == GPBO_OK && k < o->n_constraints; k++) {
        const gpbo_constraint *c = &o->constraints[k];
        json_t *e = json_pack("{s:s}", "name", c->name);
        double lo = gpbo_search__bound(c->min, -INFINITY),
               hi = gpbo_search__bound(c->max, INFINITY);
        if (e && lo > -INFINITY && json_object_set_new(e, "min", json_real(lo)) != 0)
            rc = GPBO_ENOMEM;
        if (e && hi < INFINITY && json_object_set_new(e, "max", json_real(hi)) != 0)
            rc = GPBO_ENOMEM;
        if (e == NULL || json_array_append_new(a, e) != 0)
            rc = GPBO_ENOMEM;
    }
    return rc == GPBO_OK ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
}

void gpbo_search__constraints_free(gpbo_constraint *c, size_t n)
{
    for (size_t k = 0; c && k < n; k++)
        free((char *)c[k].name);
    free(c);
}

/* Entry k of the stored array into c (its name copied). GPBO_EFORMAT, GPBO_ENOMEM. */
static int read_one(json_t *e, gpbo_constraint *c)
{
    json_t *name = json_object_get(e, "name"), *lo = json_object_get(e, "min"),
           *hi = json_object_get(e, "max");
    if (!json_is_string(name) || (lo && !json_is_number(lo)) || (hi && !json_is_number(hi)))
        return GPBO_EFORMAT;
    c->min = lo ? json_number_value(lo) : -INFINITY;
    c->max = hi ? json_number_value(hi) : INFINITY;
    c->name = strdup(json_string_value(name));
    return c->name ? GPBO_OK : GPBO_ENOMEM;
}

int gpbo_search__constraints_from_json(const char *txt, gpbo_constraint **out, size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    int code = GPBO_EFORMAT;
    json_t *j = gpbo_json_loads(txt, &code);
    if (j == NULL)
        return gpbo_error_set(code, "the stored study options are malformed");
    json_t *a = json_object_get(j, "constraints");
    size_t n = json_array_size(a);
    int rc = a == NULL || json_is_array(a) ? GPBO_OK : GPBO_EFORMAT;
    gpbo_constraint *c = n ? calloc(n, sizeof *c) : NULL;
    if (n && c == NULL)
        rc = GPBO_ENOMEM;
    for (size_t k = 0; rc == GPBO_OK && k < n; k++)
        rc = read_one(json_array_get(a, k), &c[k]);
    json_decref(j);
    if (rc != GPBO_OK) {
        gpbo_search__constraints_free(c, n);
        return gpbo_error_set(rc, rc == GPBO_ENOMEM ? "study options: out of memory"
                                                    : "the stored constraints are malformed");
    }
    *out = c;
    *out_n = n;
    return GPBO_OK;
}
