/*
 * study_mo.c: a study's several objectives (issue 20, options version 6): their check, how they
 * are stored with the options, each trial's values (its metrics named as the objectives) and
 * the public calls around them — tell_values, trial_objectives, the Pareto front. Objective j of
 * a trial is its metric objective_names[j] (the first objective falls back on the trial's value,
 * which tell_values makes it), so a program that reports several metrics (gpbo run) and the C
 * API both feed the same values.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "../base/json_safe.h"
#include "params_json.h"
#include "pareto_internal.h"

static int several(const gpbo_study_options *o)
{
    return o->n_objectives >= 2;
}

/* Whether o names the metric of its one objective (n_objectives 1 with a name): it is then
 * stored, so that a study resumed for another metric is refused (gpbo run). */
static int named_one(const gpbo_study_options *o)
{
    return o->n_objectives == 1 && o->objective_names != NULL && o->objective_names[0] != NULL;
}

int gpbo_search__objectives_check(const gpbo_study_options *o)
{
    if (named_one(o)) {
        const char *nm = o->objective_names[0];
        if (nm[0] == '\0')
            return gpbo_error_set(GPBO_EINVAL, "study_open: objective 0 has no name");
        if (!gpbo_utf8_valid(nm))
            return gpbo_error_set(GPBO_EINVAL, "study_open: objective 0's name is not valid UTF-8");
    }
    if (!several(o))
        return GPBO_OK;
    if (o->n_objectives > GPBO_MAX_OBJECTIVES)
        return gpbo_error_set(GPBO_EINVAL, "study_open: %zu objectives (at most %d)",
                              o->n_objectives, GPBO_MAX_OBJECTIVES);
    if (o->objective_names == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_open: %zu objectives without names",
                              o->n_objectives);
    if ((unsigned)o->mo_acquisition >= GPBO_MO_ACQ_COUNT)
        return gpbo_error_set(GPBO_EINVAL, "study_open: unknown mo_acquisition %d",
                              (int)o->mo_acquisition);
    for (size_t j = 0; j < o->n_objectives; j++) {
        const char *nm = o->objective_names[j];
        if (nm == NULL || nm[0] == '\0')
            return gpbo_error_set(GPBO_EINVAL, "study_open: objective %zu has no name", j);
        if (!gpbo_utf8_valid(nm))
            return gpbo_error_set(GPBO_EINVAL,
                                  "study_open: objective %zu's name is not valid UTF-8", j);
        for (size_t i = 0; i < j; i++)
            if (strcmp(o->objective_names[i], nm) == 0)
                return gpbo_error_set(GPBO_EINVAL, "study_open: objective '%s' is given twice", nm);
        if (o->objective_directions && (unsigned)o->objective_directions[j] > GPBO_MAXIMIZE)
            return gpbo_error_set(GPBO_EINVAL, "study_open: objective '%s': unknown direction %d",
                                  nm, (int)o->objective_directions[j]);
    }
    return GPBO_OK;
}

static gpbo_direction dir_of(const gpbo_study_options *o, size_t j)
{
    return o->objective_directions ? o->objective_directions[j] : GPBO_MINIMIZE;
}

int gpbo_search__objectives_to_json(json_t *j, const gpbo_study_options *o)
{
    if (named_one(o))
        return json_object_set_new(j, "metric", json_string(o->objective_names[0])) == 0
                   ? GPBO_OK
                   : gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
    if (!several(o))
        return GPBO_OK;
    json_t *list = json_array();
    int bad = list == NULL;
    for (size_t k = 0; !bad && k < o->n_objectives; k++)
        bad = json_array_append_new(
                  list, json_pack("{s:s, s:s}", "name", o->objective_names[k], "goal",
                                  dir_of(o, k) == GPBO_MAXIMIZE ? "maximize" : "minimize")) != 0;
    if (!bad && json_object_set_new(j, "objectives", list) == 0)
        return json_object_set_new(j, "mo_acquisition", json_integer((int)o->mo_acquisition)) == 0
                   ? GPBO_OK
                   : gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
    json_decref(bad ? list : NULL);
    return gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
}

void gpbo_search__objectives_free(gpbo_search_objectives *obj)
{
    for (size_t k = 0; obj->names && k < obj->n; k++)
        free(obj->names[k]);
    free(obj->names);
    free(obj->dirs);
    memset(obj, 0, sizeof *obj);
}

/* One stored objective {name, goal} into slot k of out. */
static int objective_from(json_t *e, gpbo_search_objectives *out, size_t k)
{
    const char *nm = NULL, *goal = NULL;
    if (json_unpack(e, "{s:s, s:s}", "name", &nm, "goal", &goal) != 0 ||
        (strcmp(goal, "minimize") != 0 && strcmp(goal, "maximize") != 0))
        return gpbo_error_set(GPBO_EFORMAT, "the stored study objectives are malformed");
    out->dirs[k] = strcmp(goal, "maximize") == 0 ? GPBO_MAXIMIZE : GPBO_MINIMIZE;
    if ((out->names[k] = strdup(nm)) == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
    return GPBO_OK;
}

int gpbo_search__objectives_from_json(const char *txt, gpbo_search_objectives *out,
                                      gpbo_study_options *o)
{
    memset(out, 0, sizeof *out);
    o->n_objectives = 0;
    o->objective_names = NULL;
    o->objective_directions = NULL;
    int code = GPBO_EFORMAT;
    json_t *j = gpbo_json_loads(txt, &code);
    if (j == NULL)
        return gpbo_error_set(code, "the stored study options are malformed");
    json_t *list = json_object_get(j, "objectives"), *acq = json_object_get(j, "mo_acquisition");
    json_t *metric = json_object_get(j, "metric"); /* one objective's name (absent before) */
    size_t n = json_array_size(list);
    gpbo_mo_acq kind = json_is_integer(acq) ? (gpbo_mo_acq)json_integer_value(acq) : GPBO_MO_EHVI;
    int rc = GPBO_OK;
    if (n < 2 && metric != NULL) {
        if (!json_is_string(metric) || json_string_length(metric) == 0) {
            json_decref(j);
            return gpbo_error_set(GPBO_EFORMAT, "the stored study metric is malformed");
        }
        out->names = calloc(1, sizeof *out->names);
        out->dirs = calloc(1, sizeof *out->dirs);
        out->n = 1;
        if (out->names == NULL || out->dirs == NULL ||
            (out->names[0] = strdup(json_string_value(metric))) == NULL)
            rc = gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
        else
            out->dirs[0] = o->direction; /* one objective's direction is the study's */
    }
    if (n >= 2) {
        out->names = calloc(n, sizeof *out->names);
        out->dirs = calloc(n, sizeof *out->dirs);
        out->n = n;
        rc = out->names && out->dirs ? GPBO_OK
                                     : gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
        for (size_t k = 0; rc == GPBO_OK && k < n; k++)
            rc = objective_from(json_array_get(list, k), out, k);
    }
    json_decref(j);
    if (rc != GPBO_OK) {
        gpbo_search__objectives_free(out);
        return rc;
    }
    if (out->n == 1) {
        o->n_objectives = 1;
        o->objective_names = (const char *const *)out->names;
        o->objective_directions = out->dirs;
    }
    if (n >= 2) {
        o->n_objectives = n;
        o->objective_names = (const char *const *)out->names;
        o->objective_directions = out->dirs;
        o->mo_acquisition = kind;
        o->direction = out->dirs[0];
    }
    return GPBO_OK;
}

void gpbo_search__trial_objectives(const gpbo_study_options *o, const gpbo_trial_rec *r,
                                   double *out)
{
    for (size_t k = 0; k < o->n_objectives; k++) {
        double v = NAN;
        if (r->state == GPBO_TRIAL_COMPLETE &&
            gpbo_search__metrics_get(&r->metrics, o->objective_names[k], &v) != GPBO_OK)
            v = k == 0 ? r->value : NAN;
        out[k] = dir_of(o, k) == GPBO_MAXIMIZE ? -v : v;
    }
}

/* ---- the public calls -------------------------------------------------------------------- */

size_t gpbo_study_nobjectives(const gpbo_study *s)
{
    const gpbo_study_options *o = gpbo_study_get_options(s);
    return o && several(o) ? o->n_objectives : 1;
}

const char *gpbo_study_objective_name(const gpbo_study *s, size_t j)
{
    const gpbo_study_options *o = gpbo_study_get_options(s);
    return o && o->objective_names && j < o->n_objectives ? o->objective_names[j] : NULL;
}

gpbo_direction gpbo_study_objective_direction(const gpbo_study *s, size_t j)
{
    const gpbo_study_options *o = gpbo_study_get_options(s);
    if (o && several(o) && j < o->n_objectives)
        return dir_of(o, j);
    return gpbo_study_direction(s);
}

int gpbo_study_tell_values(gpbo_study *s, size_t id, size_t n, const double *values)
{
    const gpbo_study_options *o = gpbo_study_get_options(s);
    if (o == NULL || values == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_tell_values: NULL argument");
    if (n != gpbo_study_nobjectives(s))
        return gpbo_error_set(GPBO_EINVAL, "study_tell_values: %zu values for %zu objectives", n,
                              gpbo_study_nobjectives(s));
    if (several(o)) {
        int rc = gpbo_study_set_metrics(s, id, n, o->objective_names, values);
        if (rc != GPBO_OK)
            return rc;
    }
    /* a non-finite value fails the trial, naming the objective (of several) and its value */
    for (size_t k = 0; several(o) && k < n; k++)
        if (!isfinite(values[k])) {
            char why[160];
            snprintf(why, sizeof why, "objective '%.100s' is %g (not finite)",
                     o->objective_names[k], values[k]);
            return gpbo_study_tell_failed(s, id, why);
        }
    return gpbo_study_tell(s, id, values[0]);
}

int gpbo_study_trial_objectives(const gpbo_study *s, size_t id, double *out)
{
    gpbo_trial_info t;
    if (out == NULL || gpbo_study_get_options(s) == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_trial_objectives: NULL argument");
    int rc = gpbo_study_trial(s, id, &t);
    if (rc != GPBO_OK)
        return rc;
    size_t k = gpbo_study_nobjectives(s);
    int missing = t.state != GPBO_TRIAL_COMPLETE;
    for (size_t j = 0; j < k; j++) {
        out[j] = NAN;
        if (t.state == GPBO_TRIAL_COMPLETE && k >= 2 &&
            gpbo_study_trial_metric(s, id, gpbo_study_objective_name(s, j), &out[j]) != GPBO_OK)
            out[j] = j == 0 ? t.value : NAN;
        if (t.state == GPBO_TRIAL_COMPLETE && k == 1)
            out[j] = t.value;
        missing |= !isfinite(out[j]);
    }
    gpbo_error_clear();
    return missing ? gpbo_error_set(GPBO_ESTATE, "trial %zu has no value of every objective", id)
                   : GPBO_OK;
}

int gpbo_study_pareto(const gpbo_study *s, size_t *out_ids, size_t cap, size_t *out_n)
{
    if (s == NULL || out_n == NULL || (cap > 0 && out_ids == NULL))
        return gpbo_error_set(GPBO_EINVAL, "study_pareto: NULL argument");
    size_t n = gpbo_study_ntrials(s), k = gpbo_study_nobjectives(s);
    double *y = malloc((n ? n : 1) * k * sizeof *y);
    int *front = malloc((n ? n : 1) * sizeof *front);
    if (y == NULL || front == NULL) {
        free(y);
        free(front);
        return gpbo_error_set(GPBO_ENOMEM, "study_pareto: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        /* an infeasible trial is on no front, as it is never gpbo_study_best (Optuna 3.1's
         * best_trials ignores constraints; Optuna 4 keeps only the feasible ones) */
        if (gpbo_study_trial_objectives(s, i, y + i * k) != GPBO_OK ||
            !gpbo_study_trial_feasible(s, i))
            y[i * k] = NAN;
        for (size_t j = 0; j < k; j++) /* minimizing sense */
            y[i * k + j] *= gpbo_study_objective_direction(s, j) == GPBO_MAXIMIZE ? -1.0 : 1.0;
    }
    gpbo_error_clear();
    *out_n = gpbo_pareto_front(n, k, y, front);
    int rc = *out_n <= cap
                 ? GPBO_OK
                 : gpbo_error_set(GPBO_EINVAL, "study_pareto: %zu ids, room for %zu", *out_n, cap);
    for (size_t i = 0, m = 0; rc == GPBO_OK && i < n; i++)
        if (front[i])
            out_ids[m++] = i;
    free(y);
    free(front);
    return rc;
}
