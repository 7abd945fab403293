/*
 * space_cond.c: conditional parameters (gpbo/search.h). A parameter may depend on one parent, a
 * categorical or an integer, itself possibly conditional; it is active while the parent is
 * active and takes one of the listed values. The conditions form a forest (one parent each, no
 * cycle: checked when one is added), so a parameter's activity is its ancestors' chain, read
 * in at most n steps.
 *
 * What the strategies see: space.c's encode, decode and project consult the activity. An
 * inactive parameter decodes to NaN and its coordinates are projected to a fixed place (0 for a
 * float or an integer, the zero vector of a categorical's one-hot), so every strategy — grid,
 * random, Sobol, LHS, and the Bayesian one through the acquisition's projection hook — proposes
 * only points of consistent activity, and the GP sees an inactive input always at the same
 * value (the imputation of Lévesque et al. 2017 and of SMAC, Hutter et al. 2011): points of
 * one branch differ only in the parameters active there, and the branch itself is told apart
 * by the parent's coordinates (its one-hot, or the integer's cell).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "search_internal.h"

/* Whether v is one of the values a parent p can take: a category index or an integer in its
 * range. */
static int parent_value_ok(const gpbo_param *p, double v)
{
    if (!(v == floor(v)))
        return 0;
    if (p->type == GPBO_PARAM_CATEGORICAL)
        return v >= 0 && v < (double)p->nchoices;
    return v >= p->lo && v <= p->hi;
}

/* Whether making `child` depend on `parent` closes a cycle: walking up from the parent meets
 * the child. The existing conditions have no cycle, so the walk ends within n steps. */
static int closes_cycle(const gpbo_space *s, size_t child, size_t parent)
{
    size_t at = parent;
    for (size_t steps = 0; steps <= s->n; steps++) {
        if (at == child)
            return 1;
        if (s->p[at].ncond == 0)
            return 0;
        at = s->p[at].parent;
    }
    return 1;
}

static int check_condition(const gpbo_space *s, size_t c, size_t p, const char *child,
                           const char *parent, size_t n, const double *values)
{
    const char *fn = "space_add_condition";
    if (c == GPBO_SPACE_NOT_FOUND)
        return gpbo_error_set(GPBO_EINVAL, "%s: no parameter '%s'", fn, child);
    if (p == GPBO_SPACE_NOT_FOUND)
        return gpbo_error_set(GPBO_EINVAL, "%s: '%s' depends on '%s', which is no parameter", fn,
                              child, parent);
    if (c == p)
        return gpbo_error_set(GPBO_EINVAL, "%s: '%s' cannot depend on itself", fn, child);
    const gpbo_param *pp = &s->p[p];
    if (pp->type != GPBO_PARAM_CATEGORICAL && pp->type != GPBO_PARAM_INT)
        return gpbo_error_set(GPBO_EINVAL,
                              "%s: '%s' depends on '%s', a %s; a parent is a categorical or an "
                              "integer",
                              fn, child, parent,
                              pp->type == GPBO_PARAM_FLOAT ? "float" : "constant");
    if (s->p[c].ncond != 0)
        return gpbo_error_set(GPBO_EINVAL, "%s: '%s' already depends on '%s'", fn, child,
                              s->p[s->p[c].parent].name);
    if (n == 0 || values == NULL)
        return gpbo_error_set(GPBO_EINVAL, "%s: '%s': the list of values of '%s' is empty", fn,
                              child, parent);
    for (size_t k = 0; k < n; k++)
        if (!parent_value_ok(pp, values[k]))
            return gpbo_error_set(
                GPBO_EINVAL, "%s: '%s': %g is not a %s of '%s'", fn, child, values[k],
                pp->type == GPBO_PARAM_CATEGORICAL ? "category index" : "value", parent);
    if (closes_cycle(s, c, p))
        return gpbo_error_set(GPBO_EINVAL, "%s: '%s' depending on '%s' makes a cycle", fn, child,
                              parent);
    return GPBO_OK;
}

int gpbo_space_add_condition(gpbo_space *s, const char *child, const char *parent, size_t n,
                             const double *values)
{
    if (s == NULL || child == NULL || parent == NULL)
        return gpbo_error_set(GPBO_EINVAL, "space_add_condition: NULL argument");
    size_t c = gpbo_space_find(s, child), p = gpbo_space_find(s, parent);
    int rc = check_condition(s, c, p, child, parent, n, values);
    if (rc != GPBO_OK)
        return rc;
    double *v = malloc(n * sizeof *v);
    if (v == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "space_add_condition: out of memory");
    memcpy(v, values, n * sizeof *v);
    s->p[c].cond = v;
    s->p[c].ncond = n;
    s->p[c].parent = p;
    return GPBO_OK;
}

size_t gpbo_space_parent(const gpbo_space *s, size_t i)
{
    if (s == NULL || i >= s->n || s->p[i].ncond == 0)
        return GPBO_SPACE_NOT_FOUND;
    return s->p[i].parent;
}

size_t gpbo_space_condition(const gpbo_space *s, size_t i, const double **values)
{
    int has = s != NULL && i < s->n && s->p[i].ncond != 0;
    if (values != NULL)
        *values = has ? s->p[i].cond : NULL;
    return has ? s->p[i].ncond : 0;
}

int gpbo_search__conditional(const gpbo_space *s)
{
    for (size_t i = 0; s != NULL && i < s->n; i++)
        if (s->p[i].ncond != 0)
            return 1;
    return 0;
}

/* Whether i's own condition holds (its parent's value among the listed ones). */
static int holds(const gpbo_space *s, const double *values, size_t i)
{
    const gpbo_param *p = &s->p[i];
    double v = values[p->parent];
    for (size_t k = 0; k < p->ncond; k++)
        if (v == p->cond[k])
            return 1;
    return 0;
}

int gpbo_space_active(const gpbo_space *s, const double *values, size_t i)
{
    if (s == NULL || values == NULL || i >= s->n)
        return 0;
    /* up the chain: every condition on the way must hold (at most n links, no cycle) */
    for (size_t steps = 0; steps <= s->n; steps++) {
        if (s->p[i].ncond == 0)
            return 1;
        if (!holds(s, values, i))
            return 0;
        i = s->p[i].parent;
    }
    return 0;
}

void gpbo_search__activity(const gpbo_space *s, const double *values, unsigned char *active)
{
    /* 2: not yet known. A parameter's parent is settled first (recursion along the chain,
     * written as a walk up to the first settled ancestor, then back down). */
    for (size_t i = 0; i < s->n; i++)
        active[i] = s->p[i].ncond == 0 ? 1 : 2;
    for (size_t i = 0; i < s->n; i++) {
        while (active[i] == 2) {
            size_t at = i;
            while (active[s->p[at].parent] == 2)
                at = s->p[at].parent;
            active[at] = active[s->p[at].parent] && holds(s, values, at);
        }
    }
}

int gpbo_search__cond_to_json(const gpbo_space *s, size_t i, json_t *o)
{
    const gpbo_param *p = &s->p[i];
    if (p->ncond == 0)
        return 0;
    json_t *v = json_array();
    for (size_t k = 0; v != NULL && k < p->ncond; k++)
        if (json_array_append_new(v, json_real(p->cond[k])) != 0) {
            json_decref(v);
            v = NULL;
        }
    json_t *w = v ? json_pack("{s:s, s:o}", "parent", s->p[p->parent].name, "values", v) : NULL;
    return w != NULL && json_object_set_new(o, "when", w) == 0 ? 0 : -1;
}

/* The condition of parameter i as its JSON object w states it. */
static int cond_one(gpbo_space *s, size_t i, json_t *w)
{
    const char *parent = NULL;
    json_t *vals = NULL;
    if (json_unpack(w, "{s:s, s:o}", "parent", &parent, "values", &vals) != 0 ||
        !json_is_array(vals))
        return gpbo_error_set(GPBO_EFORMAT, "space_from_json: parameter %zu: malformed 'when'", i);
    size_t n = json_array_size(vals);
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (v == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "space_from_json: out of memory");
    int rc = GPBO_OK;
    for (size_t k = 0; rc == GPBO_OK && k < n; k++) {
        json_t *x = json_array_get(vals, k);
        if (!json_is_number(x))
            rc = gpbo_error_set(GPBO_EFORMAT,
                                "space_from_json: parameter %zu: a 'when' value "
                                "is not a number",
                                i);
        else
            v[k] = json_number_value(x);
    }
    if (rc == GPBO_OK && gpbo_space_add_condition(s, s->p[i].name, parent, n, v) != GPBO_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", gpbo_error_message());
        rc = gpbo_error_code() == GPBO_ENOMEM
                 ? GPBO_ENOMEM
                 : gpbo_error_set(GPBO_EFORMAT, "space_from_json: parameter %zu: %s", i, why);
    }
    free(v);
    return rc;
}

int gpbo_search__cond_from_json(gpbo_space *s, json_t *arr)
{
    for (size_t i = 0; i < s->n && i < json_array_size(arr); i++) {
        json_t *w = json_object_get(json_array_get(arr, i), "when");
        int rc = w ? cond_one(s, i, w) : GPBO_OK;
        if (rc != GPBO_OK)
            return rc;
    }
    return GPBO_OK;
}
