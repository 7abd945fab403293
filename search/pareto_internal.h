/*
 * pareto_internal.h: what search/ shares of the geometry of several objectives (pareto.c) and
 * of the study's objectives (study_mo.c), beside the public gpbo_pareto_front and
 * gpbo_hypervolume. Every objective minimized. Hidden visibility.
 */
#ifndef GPBO_SEARCH_PARETO_INTERNAL_H
#define GPBO_SEARCH_PARETO_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "search_internal.h"

/* The hypervolume improvement of point y (k values) over the front (m rows of k values; any
 * rows, dominated ones included) below ref: HV(front + y) - HV(front). scratch holds
 * m * k * (k + 1) values. NaN when out of memory. */
double gpbo_search__hvi(size_t m, size_t k, const double *front, const double *ref, const double *y,
                        double *scratch);

/* The non-dominated rows of y (n rows of two values) strictly below ref, sorted by the first
 * value (the second then descends), into out (room for n rows); their number, SIZE_MAX when out
 * of memory. */
size_t gpbo_search__front_sorted2(size_t n, const double *y, const double *ref, double *out);

/* The expected hypervolume improvement below ref of a point whose two values are independent
 * Gaussians (mu[j], sd[j]), over front (m rows from gpbo_search__front_sorted2). Closed form:
 * the undominated region as strips of the first value. Cannot fail. */
double gpbo_search__ehvi2(size_t m, const double *front, const double *ref, const double *mu,
                          const double *sd);

/* The objectives a study keeps (options version 6): copies of the names and directions its
 * options point to. */
typedef struct gpbo_search_objectives {
    size_t n;
    char **names;
    gpbo_direction *dirs;
} gpbo_search_objectives;

/* Checks the objectives of o (n_objectives 0: none; 1: its name, if given, non-empty UTF-8;
 * else distinct non-empty names, known directions, at most GPBO_MAX_OBJECTIVES, a known
 * mo_acquisition). GPBO_EINVAL naming it. */
int gpbo_search__objectives_check(const gpbo_study_options *o);

/* Adds o's objectives to the stored options j ("objectives": [{name, goal}], "mo_acquisition")
 * when it has several; "metric": name when it has one objective with a name. GPBO_ENOMEM. */
int gpbo_search__objectives_to_json(json_t *j, const gpbo_study_options *o);

/* Reads the objectives of the stored options txt into out (copies) and points o's fields at
 * them (none stored: n_objectives 0; one objective's name: n_objectives 1, its direction
 * o->direction, so o's direction is read first). GPBO_EFORMAT, GPBO_ENOMEM. */
int gpbo_search__objectives_from_json(const char *txt, gpbo_search_objectives *out,
                                      gpbo_study_options *o);
void gpbo_search__objectives_free(gpbo_search_objectives *obj);

/* Trial r's objective values in the minimizing sense into out (o->n_objectives values; NaN
 * where the trial is not complete or lacks one). */
void gpbo_search__trial_objectives(const gpbo_study_options *o, const gpbo_trial_rec *r,
                                   double *out);

#endif
