/*
 * params_json.h: a trial's parameter values as the storage backends keep them: a JSON array of
 * numbers written with 17 significant digits (so every double reads back bit for bit), `null`
 * for an inactive parameter's NaN (gpbo_space_add_condition), or the JSON text `null` for a
 * trial reserved but not yet proposed. One definition for every backend,
 * so a study written by one reads the same through another. Hidden visibility.
 */
#ifndef GPBO_SEARCH_PARAMS_JSON_H
#define GPBO_SEARCH_PARAMS_JSON_H

#include <stddef.h>

/* The text of values[0..n), or "null" when values is NULL. A malloc'd string, or NULL when
 * memory runs out (no message set). */
char *gpbo_search__params_to_json(const double *values, size_t n);

/* Reads txt into out[0..n): GPBO_OK with *proposed 1; GPBO_OK with *proposed 0 (out untouched)
 * for "null"; GPBO_EFORMAT when txt is not an array of n numbers or nulls (NaN) (or is NULL);
 * GPBO_ENOMEM. No message is set: the caller names the trial. */
int gpbo_search__params_from_json(const char *txt, size_t n, double *out, int *proposed);

#endif
