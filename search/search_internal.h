/*
 * search_internal.h: what the files of search/ share — the space's layout, the storage
 * interface (one table of functions, so another backend slots in without touching studies or
 * strategies) and the strategy interface. Hidden visibility.
 */
#ifndef GPBO_SEARCH_INTERNAL_H
#define GPBO_SEARCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gpbo/rng.h"
#include "gpbo/search.h"

typedef struct gpbo_param {
    char *name;
    gpbo_param_type type;
    int log_scale;
    double lo, hi; /* bounds (FLOAT, INT) or the value (CONST: lo == hi) */
    size_t nchoices;
    char **choices;
    size_t offset; /* first coordinate in the unit cube */
} gpbo_param;

struct gpbo_space {
    size_t n, cap, dim;
    gpbo_param *p;
};

/* One stored trial (the study's in-memory mirror of the storage). */
typedef struct gpbo_trial_rec {
    size_t id;
    gpbo_trial_state state;
    double value; /* user sign; NaN unless complete */
    double *values;
    char *reason;
    size_t nsteps, stepcap;
    long *steps;
    double *step_values;
    double started, finished;
    int claimed; /* handed out by this process (ask) */
} gpbo_trial_rec;

/* Storage backends. Values are stored in the user's sign. Every function returns a status
 * with the last error set. */
typedef struct gpbo_storage gpbo_storage;
typedef struct gpbo_storage_ops {
    /* Finds or creates the study; *io_space_json / *io_opts_json: in, what a new study stores;
     * out (malloc'd), what is stored. */
    int (*open_study)(gpbo_storage *st, const char *name, char **io_space_json, char **io_opts_json,
                      int64_t *out_study);
    /* Loads every trial of the study (in id order) through the callback. */
    int (*load)(gpbo_storage *st, int64_t study, size_t nparams,
                int (*cb)(void *payload, const gpbo_trial_rec *rec), void *payload);
    int (*insert_trial)(gpbo_storage *st, int64_t study, const gpbo_trial_rec *rec, size_t nparams);
    int (*finish_trial)(gpbo_storage *st, int64_t study, const gpbo_trial_rec *rec);
    /* Stores n intermediate values of a trial in one transaction (all or none). */
    int (*report)(gpbo_storage *st, int64_t study, size_t id, size_t n, const long *steps,
                  const double *values);
    void (*close)(gpbo_storage *st);
} gpbo_storage_ops;

struct gpbo_storage {
    const gpbo_storage_ops *ops;
};

/* The SQLite backend (path: a file name). NULL with GPBO_ESTORAGE on failure. */
gpbo_storage *gpbo_search__sqlite_open(const char *path);

/* What a strategy sees: the finished and running trials, encoded, minimization sign. */
typedef struct gpbo_search_view {
    const gpbo_space *space;
    const gpbo_study_options *opts;
    size_t n;        /* trials */
    const double *u; /* n * dim encoded points */
    const double *y; /* n values (minimization sign; NaN unless complete) */
    const gpbo_trial_state *state;
} gpbo_search_view;

typedef struct gpbo_strategy_def {
    const char *name;
    /* Creates the strategy's state (NULL state is fine); GPBO_EINVAL for bad options. */
    int (*init)(void **state, const gpbo_space *space, const gpbo_study_options *opts);
    /* Proposes trial number `number` into out_u (dim values, projected). rng is seeded from the
     * study seed and the number. GPBO_EEXHAUSTED when nothing is left. */
    int (*ask)(void *state, const gpbo_search_view *view, size_t number, gpbo_rng *rng,
               double *out_u);
    void (*free)(void *state);
} gpbo_strategy_def;

const gpbo_strategy_def *gpbo_search__strategy(const char *name);

/* Options as JSON (for storage) and back. */
char *gpbo_search__options_to_json(const gpbo_study_options *o);
int gpbo_search__options_from_json(const char *json, gpbo_study_options *o, char **strategy);

#endif
