/*
 * constraints_internal.h: outcome constraints (issue 20, constraints.c) — what the study, the
 * storage's options JSON and the Bayesian strategy (bayes_constraints.c) share. Hidden
 * visibility.
 */
#ifndef GPBO_SEARCH_CONSTRAINTS_INTERNAL_H
#define GPBO_SEARCH_CONSTRAINTS_INTERNAL_H

#include <math.h>
#include <stddef.h>

#include "params_json.h"
#include "search_internal.h"

/* Checks the caller's constraints (names non-empty and distinct, a bound at least, min <= max).
 * GPBO_EINVAL naming the constraint. */
int gpbo_search__constraints_check(const gpbo_study_options *o);

/* b, or `none` when b is NaN or infinite (no bound on that side). */
static inline double gpbo_search__bound(double b, double none)
{
    return isnan(b) || isinf(b) ? none : b;
}

/* Whether value satisfies c (NaN never does). */
static inline int gpbo_search__constraint_holds(const gpbo_constraint *c, double value)
{
    return !isnan(value) && value >= gpbo_search__bound(c->min, -INFINITY) &&
           value <= gpbo_search__bound(c->max, INFINITY);
}

/* Whether metrics m satisfy every constraint of o (1 with none). */
int gpbo_search__feasible(const gpbo_study_options *o, const gpbo_metrics *m);

/* Adds "constraints" to the options JSON object (a json_t *) when o has some. GPBO_ENOMEM. */
int gpbo_search__constraints_to_json(const gpbo_study_options *o, void *object);

/* The constraints of stored options txt (none when the key is absent): *out malloc'd with its
 * names (gpbo_search__constraints_free). GPBO_EFORMAT, GPBO_ENOMEM (message set). */
int gpbo_search__constraints_from_json(const char *txt, gpbo_constraint **out, size_t *out_n);

void gpbo_search__constraints_free(gpbo_constraint *c, size_t n);

#endif
