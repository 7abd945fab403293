/*
 * params_json.h: a trial's parameter values as the storage backends keep them: a JSON array of
 * numbers written with 17 significant digits (so every double reads back bit for bit), `null`
 * for an inactive parameter's NaN (gpbo_space_add_condition), or the JSON text `null` for a
 * trial reserved but not yet proposed. One definition for every backend, so a study written by
 * one reads the same through another. Also a trial's other metrics, a JSON object. Hidden
 * visibility.
 */
#ifndef GPBO_SEARCH_PARAMS_JSON_H
#define GPBO_SEARCH_PARAMS_JSON_H

#include <stddef.h>

#include "search_internal.h"

/* The text of values[0..n), or "null" when values is NULL. A malloc'd string, or NULL when
 * memory runs out (no message set). */
char *gpbo_search__params_to_json(const double *values, size_t n);

/* Reads txt into out[0..n): GPBO_OK with *proposed 1; GPBO_OK with *proposed 0 (out untouched)
 * for "null"; GPBO_EFORMAT when txt is not an array of n numbers or nulls (NaN) (or is NULL);
 * GPBO_ENOMEM. No message is set: the caller names the trial. */
int gpbo_search__params_from_json(const char *txt, size_t n, double *out, int *proposed);

/* The error of reading trial id's `what` ("parameters", "metrics") from the storage named
 * where, after a read above failed with code: GPBO_ENOMEM stays itself, anything else is
 * GPBO_EFORMAT ("... are malformed"). Returns the code, with the message set. */
int gpbo_search__trial_read_error(int code, const char *where, size_t id, const char *what);

/* A trial's other metrics as the backends keep them: a JSON object of name -> number (17
 * significant digits; null for NaN), in the order they were reported, and its user attributes,
 * when it has any, as the object under the empty name, which no metric can have (so the storage
 * backends keep them in the same column, unchanged); *out NULL (SQL NULL) when there is
 * neither. GPBO_OK or GPBO_ENOMEM (no message set). */
int gpbo_search__metrics_to_json(const gpbo_metrics *m, char **out);

/* Reads txt (NULL: none) into *out, which must be empty. GPBO_EFORMAT when txt is not an object
 * of numbers and nulls (and, under the empty name, an object: the user attributes);
 * GPBO_ENOMEM. No message is set; *out is empty on failure. */
int gpbo_search__metrics_from_json(const char *txt, gpbo_metrics *out);

/* Frees what m holds and empties it. */
void gpbo_search__metrics_clear(gpbo_metrics *m);

/* Replaces *dst with a copy of src; GPBO_ENOMEM (message set) leaves dst unchanged. */
int gpbo_search__metrics_copy(gpbo_metrics *dst, const gpbo_metrics *src);

/* Adds names[i] = values[i] to m (a name already there gets the new value). GPBO_EINVAL for a
 * NULL or empty name, GPBO_ENOMEM; messages set; on failure m is unchanged. */
int gpbo_search__metrics_merge(gpbo_metrics *m, size_t n, const char *const *names,
                               const double *values);

/* Sets m's user attribute key (valid UTF-8, may be empty) to the JSON value json (any JSON
 * text: an object, a string, a number...). GPBO_EINVAL (json is not JSON, or key or json not
 * UTF-8), GPBO_ENOMEM; messages set; on failure m is unchanged. */
int gpbo_search__attrs_set(gpbo_metrics *m, const char *key, const char *json);

/* The value of metric name in m: GPBO_OK, or GPBO_ENOTFOUND (no message set). */
int gpbo_search__metrics_get(const gpbo_metrics *m, const char *name, double *out);

#endif
