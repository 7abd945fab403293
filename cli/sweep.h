/*
 * sweep.h: the sweep file — the shape of the most widely used sweep format (name, method,
 * metric, parameters with value / values / distribution / min / max / q, run_cap,
 * command / program, early_terminate) plus gpbo's own `gpbo:` and `trainer:` sections — read
 * with libyaml into plain data, and turned into a search space.
 */
#ifndef GPBO_CLI_SWEEP_H
#define GPBO_CLI_SWEEP_H

#include <stddef.h>

#include "gpbo/pruner.h"
#include "gpbo/search.h"

typedef enum {
    D_CONSTANT,
    D_CATEGORICAL,
    D_UNIFORM,
    D_INT_UNIFORM,
    D_Q_UNIFORM,
    D_LOG_UNIFORM,
    D_LOG_UNIFORM_VALUES,
    D_Q_LOG_UNIFORM_VALUES,
    D_INT_LOG_UNIFORM_VALUES
} sweep_dist;

typedef struct sweep_param {
    char *name;
    sweep_dist dist;
    double min, max, q;
    char **values; /* categorical choices, or the constant (values[0]) */
    size_t nvalues;
} sweep_param;

typedef struct sweep_kv {
    char *key, *value;
} sweep_kv;

typedef struct sweep {
    char *path;   /* the file */
    char *dir;    /* its directory */
    char *name;   /* study name */
    char *method; /* grid | random | sobol | bayes (and lhs) */
    char *metric; /* metric name */
    int maximize;
    sweep_param *p;
    size_t np;
    size_t run_cap;
    char **command; /* argv template */
    size_t ncommand;
    char *program;
    gpbo_pruner_options prune; /* kind NONE when there is no early_terminate */
    /* gpbo: */
    gpbo_study_options study;
    char *strategy_buf;
    double timeout; /* seconds per trial, 0 = none */
    size_t jobs;
    /* trainer: (keys and values as written; parameters override them) */
    sweep_kv *trainer;
    size_t ntrainer;
    int has_trainer;
} sweep;

/* Reads and checks a sweep file. On error NULL, with a one-line message (file:line:column:
 * what) in the last error and GPBO_EFORMAT / GPBO_EINVAL / GPBO_EIO. */
sweep *sweep_load(const char *path);
void sweep_free(sweep *s);

/* The search space of the sweep (q_uniform becomes an integer grid scaled by q). */
gpbo_space *sweep_space(const sweep *s);

/* A parameter's value as the program sees it ("0.001", "64", "adam"), from the space value. */
int sweep_format(const sweep *s, const gpbo_space *space, size_t i, double v, char *buf,
                 size_t cap);

/* The closest of n words to w (Levenshtein), for "did you mean" messages. */
const char *sweep_closest(const char *w, const char *const *words, size_t n);

#endif
