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
    /* a stepped FLOAT or INT (gpbo_space_add_float_step): its values are lo + k step,
     * k = 0..nsteps, hi being the last of them; step 0: not stepped (nsteps then 0) */
    double step, nsteps;
    size_t nchoices;
    char **choices;
    size_t offset; /* first coordinate in the unit cube */
    /* its condition (space_cond.c): active while p[parent] is active and takes one of
     * cond[0..ncond); ncond 0: always active */
    size_t parent, ncond;
    double *cond;
} gpbo_param;

/* How many coordinates p takes: its choices for a categorical, none for a constant, else one. */
static inline size_t gpbo_search__param_width(const gpbo_param *p)
{
    return p->type == GPBO_PARAM_CATEGORICAL ? p->nchoices : p->type == GPBO_PARAM_CONST ? 0 : 1;
}

/* Whether p takes a finite set of numeric values (an integer or a stepped float): its
 * coordinate is cut into cells as an integer's, and a local box spans all of it. */
static inline int gpbo_search__param_discrete(const gpbo_param *p)
{
    return p->type == GPBO_PARAM_INT || (p->type == GPBO_PARAM_FLOAT && p->step > 0);
}

/* Stepped parameter p's k-th value (0 <= k <= nsteps): lo + k step, the last one hi itself (so
 * hi, kept as given when it is that point within rounding, is a value as Optuna's). */
static inline double gpbo_search__grid_value(const gpbo_param *p, double k)
{
    return k >= p->nsteps ? p->hi : p->lo + k * p->step;
}

/* The grid value of stepped parameter p nearest to v (v already checked by gpbo_space_encode);
 * v itself for any other parameter (space.c). */
double gpbo_search__snap(const gpbo_param *p, double v);

struct gpbo_space {
    size_t n, cap, dim;
    gpbo_param *p;
};

/* The other metrics a trial reported beside its objective (issue 20: every metric kept): names
 * (distinct, non-empty) and values (NaN: reported as not a number), and its user attributes
 * (gpbo_study_set_user_attr: Optuna's set_user_attr), the compact text of a JSON object or NULL.
 * Stored with the trial's end, as one JSON object (params_json.h). */
typedef struct gpbo_metrics {
    size_t n;
    char **names;
    double *values;
    char *attrs;
} gpbo_metrics;

/* Conditions (space_cond.c). Whether each parameter is active under values (np values; an
 * inactive one's value is not read): active[i] 1 or 0. Cannot fail. */
void gpbo_search__activity(const gpbo_space *s, const double *values, unsigned char *active);
/* 1 when some parameter has a condition. */
int gpbo_search__conditional(const gpbo_space *s);
/* Adds the "when" member ({"parent": name, "values": [...]}) of parameter i to its JSON
 * object o; 0, or -1 out of memory. */
struct json_t;
int gpbo_search__cond_to_json(const gpbo_space *s, size_t i, struct json_t *o);
/* Applies the "when" members of the parameters of arr (a JSON array of parameter objects, all
 * of them already in s) to s. GPBO_OK, GPBO_EFORMAT naming the problem, GPBO_ENOMEM. */
int gpbo_search__cond_from_json(gpbo_space *s, struct json_t *arr);

/* What differs between two spaces' JSON (gpbo_space_to_json), stored and given, in words, for
 * the message of a study reopened with another space: the first parameter new, changed or
 * missing, or their order. Returns 1 when buf (cap bytes) holds it, 0 when not found (or out of
 * memory; buf then holds ""). */
int gpbo_search__space_change(const char *stored_json, const char *given_json, char *buf,
                              size_t cap);

/* One stored trial (the study's in-memory mirror of the storage). */
typedef struct gpbo_trial_rec {
    size_t id;
    gpbo_trial_state state;
    double value;   /* user sign; NaN unless complete */
    double *values; /* NULL (storage) or NaN (mirror) while its worker is still proposing it */
    char *reason;
    size_t nsteps, stepcap;
    long *steps;
    double *step_values;
    double started, finished;
    /* this handle's: when it started running the trial (gpbo_study_adopt), written as its
     * started time with its result; 0 when not adopted here (the storage never reads it) */
    double run_started;
    char *worker;     /* the study handle that runs it (gpbo_search__worker_id), or NULL */
    double heartbeat; /* seconds since the epoch; 0: released, reclaimable at once */
    unsigned retries; /* times it ran again after its worker was lost */
    gpbo_metrics metrics;
    /* finish_trial and add_finished also store its intermediate values (a trial added
     * finished, gpbo_study_add_trial: none of them is stored yet), in their transaction; 0
     * for every other trial, whose values report() stored as they came */
    int store_steps;
} gpbo_trial_rec;

/* pruned_view.c. The index of r's largest reported step in *out; 0 when r reported none. */
int gpbo_search__last_step(const gpbo_trial_rec *r, size_t *out);
/* Sets y[i] (minimizing sign: sign -1 for a study that maximizes) of every pruned trial i of the
 * n trials t that reported a step to its last intermediate value moved by the median gain the
 * complete trials made from that very step to their end, when at least 3 of them reported it,
 * and never past the best complete value by that move (the rule and why: pruned_view.c); var[i]
 * to the sample variance of those gains, the estimate's known noise variance,
 * or 0 when the value stays raw; other entries of y and var are left as they are. O(P log P) for
 * the P intermediate values of the complete trials, O(n) when no trial is pruned. GPBO_ENOMEM
 * (y and var unchanged). */
int gpbo_search__pruned_values(size_t n, const gpbo_trial_rec *t, double sign, double *y,
                               double *var);
/* The most a known noise variance of an observation is given as (pruned_view.c, bayes_model.c):
 * an observation that says next to nothing, still finite for the GP. */
#define GPBO_SEARCH__VAR_MAX 1e300

/* Storage backends. Values are stored in the user's sign. Every function returns a status
 * with the last error set; GPBO_ESTORAGE for a failure of the backend.
 *
 * Many study handles (threads, processes, machines) may work on one study at once; they
 * coordinate only through these calls, each of which is atomic: ids are handed out by
 * reserve() (no two handles get the same id, and the cap holds across all of them), a trial
 * changes hands only through claim() (compare-and-set on its worker and heartbeat), and only
 * the first finish_trial() of a running trial is stored. */
typedef struct gpbo_storage gpbo_storage;

/* finish_reserve's arguments and answers: a tell, the next reservation and the read after
 * them, the storage's part of gpbo_study_tell_ask (one commit and, on PostgreSQL, one round
 * trip a trial instead of two commits and three round trips). */
typedef struct gpbo_storage_step {
    const gpbo_trial_rec *done; /* as finish_trial's rec */
    int stored;                 /* out: as finish_trial's *stored */
    const gpbo_trial_rec *rec;  /* as reserve's rec, nparams, nahead and cap */
    size_t nparams, nahead, cap;
    size_t id;      /* out: the reserved id (reserve_rc GPBO_OK) */
    int reserve_rc; /* out: GPBO_OK, or GPBO_EEXHAUSTED with the message set */
    int committed;  /* out: the tell and the reservation are stored (the read may still fail) */
    size_t from;    /* as load's from, ids, nids, cb and payload */
    const size_t *ids;
    size_t nids;
    int (*cb)(void *payload, const gpbo_trial_rec *rec);
    void *payload;
} gpbo_storage_step;

typedef struct gpbo_storage_ops {
    /* Finds or creates the study; *io_space_json / *io_opts_json: in, what a new study stores;
     * out (malloc'd), what is stored. */
    int (*open_study)(gpbo_storage *st, const char *name, char **io_space_json, char **io_opts_json,
                      int64_t *out_study);
    /* Loads, in id order and from one consistent snapshot, the trials of the study whose id is
     * >= from or is one of ids[0..nids) (ascending; each trial once), each with its intermediate
     * values, through
     * the callback (rec->values NULL for a trial not yet proposed). */
    int (*load)(gpbo_storage *st, int64_t study, size_t nparams, size_t from, const size_t *ids,
                size_t nids, int (*cb)(void *payload, const gpbo_trial_rec *rec), void *payload);
    /* Adds a trial with the next id (the study's largest + 1, 0 for the first) and rec's
     * state, values, started, worker and heartbeat, in one transaction, provided the study
     * then holds at most cap trials; *out_id is its id. Values: NULL, not yet proposed; with
     * nahead 0, one point (nparams values), whatever the id; else nahead points drawn for the
     * ids rec->id, rec->id + 1, ...: the one for the id the trial gets, or none (not yet
     * proposed) when that id is not among them. A worker's reservations have distinct started
     * times (a backend finds one again by its worker and started time). GPBO_EEXHAUSTED when
     * the study already holds cap. */
    int (*reserve)(gpbo_storage *st, int64_t study, const gpbo_trial_rec *rec, size_t nparams,
                   size_t nahead, size_t cap, size_t *out_id);
    /* Takes back reserved trial id of worker, not yet proposed, after its proposal failed:
     * deletes it when it is still the study's last trial (so the ids stay consecutive), else
     * releases it (heartbeat 0: the next ask anywhere proposes it). One transaction. */
    int (*unreserve)(gpbo_storage *st, int64_t study, size_t id, const char *worker);
    /* Stores the parameter values of reserved trial id. */
    int (*set_params)(gpbo_storage *st, int64_t study, size_t id, const double *values,
                      size_t nparams);
    /* Compare-and-set: provided trial seen->id is still running under seen's worker and
     * heartbeat (NULL worker matches NULL), gives it rec's state, worker, heartbeat, retries,
     * reason and finished; *won says whether it was. restart: the trial runs again from its
     * start (a lost or handed-back run taken over), so its intermediate values, the run
     * before's, are deleted in the same transaction when it is won. */
    int (*claim)(gpbo_storage *st, int64_t study, const gpbo_trial_rec *seen,
                 const gpbo_trial_rec *rec, int restart, int *won);
    /* Records the end of a trial (rec's state, value, reason, finished, metrics, and started:
     * when its run began, which may be later than its reservation; with rec->store_steps its
     * intermediate values too, all in one transaction) provided it is still running; *stored
     * is 0 when it is not (told first elsewhere: nothing changes, no value is stored). */
    int (*finish_trial)(gpbo_storage *st, int64_t study, const gpbo_trial_rec *rec, int *stored);
    /* Optional (NULL: the study makes the three calls in turn): finish_trial(x->done) and
     * reserve(x->rec, ...) in one transaction (one commit), then load(x->from, x->ids, ...) of
     * the trials as that transaction left them. The reservation's own refusal (GPBO_EEXHAUSTED,
     * the cap) is x->reserve_rc and commits the tell all the same. Any other failure is the
     * return value: before the commit (x->committed 0) nothing was done; after it, the read
     * failed (the callback may have been called for some trials). */
    int (*finish_reserve)(gpbo_storage *st, int64_t study, struct gpbo_storage_step *x);
    /* Stores n intermediate values of a trial in one transaction (all or none). */
    int (*report)(gpbo_storage *st, int64_t study, size_t id, size_t n, const long *steps,
                  const double *values);
    /* Sets the heartbeat of every running trial of worker to when (0: releases them). */
    int (*heartbeat)(gpbo_storage *st, int64_t study, const char *worker, double when);
    void (*close)(gpbo_storage *st);
    /* Deletes the study provided it holds no trial (one statement: a trial added meanwhile by
     * another process keeps it); *dropped says whether it was. */
    int (*drop_empty)(gpbo_storage *st, int64_t study, int *dropped);
    /* Deletes the study called name with its trials, their intermediate values and its
     * attributes, in one transaction; *out_trials is how many trials it held. Its id is never
     * given to another study (a worker still holding it fails to store, it never writes into
     * another study). GPBO_ENOTFOUND when there is no such study. */
    int (*delete_study)(gpbo_storage *st, const char *name, size_t *out_trials);
    /* Calls cb with the name of each stored study, in creation order, until it returns
     * non-zero (then that status). */
    int (*studies)(gpbo_storage *st, int (*cb)(void *payload, const char *name), void *payload);
    /* The study's user attributes (Optuna's study.set_user_attr), in a table of their own that
     * the first set makes (a database without it has none; no schema change). set_study_attr
     * stores key = json (the text of one JSON value) at once, one statement: a key set again
     * keeps its place and takes the new value. study_attrs hands each key and value to cb in
     * the order the keys were first set, until cb returns non-zero (then that status). */
    int (*set_study_attr)(gpbo_storage *st, int64_t study, const char *key, const char *json);
    int (*study_attrs)(gpbo_storage *st, int64_t study,
                       int (*cb)(void *payload, const char *key, const char *json), void *payload);
    /* Optional (NULL: the study reserves, then finishes, in two calls): a finished trial added
     * in one transaction — reserve(rec as running, its values, nahead 0, cap) then
     * finish_trial(rec with the id it got, its intermediate values with it when
     * rec->store_steps) — for gpbo_study_add_trial. GPBO_EEXHAUSTED at the cap; on any
     * failure nothing is stored. */
    int (*add_finished)(gpbo_storage *st, int64_t study, const gpbo_trial_rec *rec, size_t nparams,
                        size_t cap, size_t *out_id);
} gpbo_storage_ops;

struct gpbo_storage {
    const gpbo_storage_ops *ops;
};

/* A storage by URL: "sqlite:///path", a plain path (SQLite), or "postgresql://..." /
 * "postgres://..." (libpq's connection URI). NULL with GPBO_EINVAL (a bad URL) or
 * GPBO_ESTORAGE on failure. */
gpbo_storage *gpbo_search__storage_open(const char *url);
/* GPBO_OK, or GPBO_EINVAL with a message when url is a sqlite:/// URL with a query ('?...',
 * SQLAlchemy's ?timeout=): it named a file of that name. A plain path may hold '?'. */
int gpbo_search__sqlite_query(const char *url);
/* Whether url names an SQLite file that does not exist (study_list.c): reading what it holds
 * must not create it, as opening the storage would. */
int gpbo_search__missing_file(const char *url);

/* The SQLite backend (path: a file name). NULL with GPBO_ESTORAGE on failure. */
gpbo_storage *gpbo_search__sqlite_open(const char *path);
/* The names of the studies of the SQLite file at path, each handed to cb, read-only: a
 * listing neither creates gpbo's tables (in an empty file, or in another program's database,
 * which is GPBO_ESTORAGE "not a gpbo database") nor takes the write lock that opening the
 * storage takes, so it never waits for a worker's transaction. GPBO_ESTORAGE when the file
 * cannot be read; cb's non-zero status is returned as it is. */
int gpbo_search__sqlite_list(const char *path, int (*cb)(void *payload, const char *name),
                             void *payload);

/* The PostgreSQL backend (conninfo: a libpq connection URI or string). NULL with GPBO_EINVAL
 * (a URL libpq cannot parse or refuses) or GPBO_ESTORAGE on failure. */
gpbo_storage *gpbo_search__pg_open(const char *conninfo);

/* What a strategy sees: the finished and running trials, encoded, minimization sign. */
typedef struct gpbo_search_view {
    const gpbo_space *space;
    const gpbo_study_options *opts;
    size_t n;        /* trials */
    const double *u; /* n * dim encoded points (NaN: reserved, not yet proposed) */
    const double *y; /* n values (minimization sign; NaN unless complete) */
    const gpbo_trial_state *state;
    /* a study of several objectives (opts->n_objectives >= 2): n rows of their values,
     * minimization sign, NaN where a trial is not complete or lacks one; else NULL */
    const double *yobj;
    /* n * opts->n_constraints constraint metrics (issue 20), row by trial (NaN: not reported,
     * or the trial has not ended); NULL when the study has no constraints */
    const double *c;
    /* n known noise variances of y (minimization sign's units; 0: exact), or NULL (all 0): a
     * pruned trial's value is an estimate (gpbo_search__pruned_values) */
    const double *yvar;
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
    /* How many trials it can propose in all (NULL: no limit). */
    size_t (*capacity)(const void *state);
    /* The model it proposes from, on the view's trials (NULL: it has none), on at most max_obs
     * of its observations (*total: how many it has): gpbo_study_model_capped's contract. Leaves
     * the state as it was. */
    int (*model)(void *state, const gpbo_search_view *view, size_t max_obs, gpbo_gp **out,
                 gpbo_study_model_info *info, size_t *total);
    /* After trial number `number`'s proposal is decoded into vals (np values): puts back the
     * values a user writes where the unit cube's round trip and its own arithmetic only rounded
     * them (NULL: vals stay the decoded ones). The grid's log-scale points (strategies.c).
     * GPBO_OK or GPBO_ENOMEM. */
    int (*exact_values)(const void *state, const gpbo_space *space, size_t number, double *vals);
} gpbo_strategy_def;

const gpbo_strategy_def *gpbo_search__strategy(const char *name);

/* gpbo_study_recommend's model (bayes_model.c): gp (the study's model, gpbo_study_model) refitted
 * with the Bayesian strategy's priors but a weak one on the noise instead of its
 * near-deterministic one, so that a noisy objective's noise is learnt; from gp's hyperparameters
 * and again from that optimum with the noise raised to RECOMMEND_NOISE_START (the better posterior
 * kept; from GPBO_RECOMMEND_MAX_OBS observations on not when the noise is there already: the
 * second start would be the first's end). space gives the choices' flat lengthscale priors.
 * *noise: the noise variance it ends with, in the standardized units of its values. GPBO_OK (gp
 * refitted, or left as it was when no start succeeded), GPBO_ENOMEM. */
int gpbo_search__recommend_fit(gpbo_gp *gp, const gpbo_space *space, const gpbo_study_options *o,
                               double *noise);

/* Options as JSON (for storage) and back. */
char *gpbo_search__options_to_json(const gpbo_study_options *o);
int gpbo_search__options_from_json(const char *json, gpbo_study_options *o, char **strategy);

/* How many of the mirror's trial records the asks and tells of study s have looked at so far:
 * each trial a pass over the mirror visits, and each row of a view built for its strategy. A
 * count of work, as SQLite's sqlite3_stmt_status counts a statement's full-scan steps, for tests
 * that hold an ask's passes to its running trials rather than all of them (tests/search/
 * test_study_asks.c). Cannot fail. */
size_t gpbo_search__study_looks(const gpbo_study *s);

#endif
