/*
 * study.c: ask / tell studies. The study keeps a mirror of its trials in memory and writes
 * every change through to its storage (SQLite, PostgreSQL, or nothing for an in-memory study)
 * before it takes effect in the mirror, so what a caller was told succeeded is stored.
 * Strategies draw their randomness from a generator seeded with the study seed and the trial
 * number: a study reopened after a crash proposes what an uninterrupted one would have.
 *
 * DESIGN — many workers. Any number of study handles (threads, processes, machines) may work
 * on one stored study; they share nothing but the storage, whose calls are atomic (see
 * search_internal.h). Each handle is a worker with an id "host:pid:nonce".
 *  - ask: the mirror is brought up to date (new trials, and the running ones' fate); then a
 *    running trial whose worker is lost is reclaimed (compare-and-set, so exactly one handle
 *    wins it) and runs again with its id and parameters, or is marked failed once it has been
 *    lost lost_retries times; else the next id is reserved (the cap holds across workers) and
 *    only then proposed, with the trial number = its id, so two workers never draw the same
 *    number. A reserved trial shows no point (NaN) until its parameters are stored; strategies
 *    skip it. Everyone else's running trials are pending points of the proposal.
 *  - lost: a trial whose heartbeat is 0 (its handle was closed, or it ran under schema 1), or
 *    older than `grace` seconds (only when heartbeats are on), or whose worker is a process of
 *    this host and pid namespace that no longer exists (so a crashed `gpbo run` resumes at
 *    once, with no grace period to wait; pid_scope says why the namespace). Clocks of the machines
 * must agree to well within `grace`; for `grace` seconds after a step of its own clock a handle
 * judges no heartbeat by its age (watch_clock).
 *  - heartbeat: from the first ask on, a thread refreshes the heartbeat of this handle's
 *    running trials every `heartbeat` seconds. It shares the handle's storage connection: the
 *    handle's lock guards the connection (held for one storage call at a time, never while a
 *    strategy proposes), so tells from the caller go on while the GP is fitted.
 *  - tell: the first result told for a running trial is stored; a later one (the trial was
 *    reclaimed and finished elsewhere) is refused with GPBO_ESTATE and changes nothing.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gpbo/sys/error.h"
#include "gpbo/sys/options.h"
#include "../base/json_safe.h"
#include "constraints_internal.h"
#include "params_json.h"
#include "pareto_internal.h"
#include "search_internal.h"

struct gpbo_study {
    gpbo_space *space;
    char *name;
    char *strategy_name;
    gpbo_study_options opts;
    gpbo_search_objectives obj; /* what opts' objective fields point to (study_mo.c) */
    gpbo_storage *st;
    int64_t sid;
    const gpbo_strategy_def *strat;
    void *sstate;
    gpbo_trial_rec *t;
    size_t n, cap;
    /* the strategy's view: encoded points, minimization-sign values, states (n entries) */
    double *u, *y;
    double *yvar; /* n known noise variances of y (a pruned trial's estimate; 0: exact) */
    gpbo_trial_state *states;
    /* the ids of the running trials, ascending (nrun of them; room for cap): what an ask looks
     * through for a trial to take and a look at the storage reads again, in O(running trials)
     * instead of a pass over all n (bench/asks) */
    size_t *run, nrun;
    size_t looks;    /* gpbo_search__study_looks */
    int views_stale; /* a trial completed or was pruned since the pruned ones' values were set */
    size_t vcap;
    char worker[320];    /* this handle's worker id: host:pid:nonce, or its owner's */
    int lent;            /* its id was handed out: trials may be reserved in its name elsewhere */
    int borrowed;        /* it proposes for the owner of worker (gpbo_study_propose_for) */
    int asked;           /* it has asked at least once */
    double last_started; /* its last reservation's started time: each one's is later */
    /* the heartbeat thread; lock guards st (one storage call at a time) and hb_stop */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t hb;
    int hb_started, hb_stop;
    /* the heartbeat's health (gpbo_study_heartbeat_health), under hb_info alone: the handle's
     * lock is held by the refresh itself for as long as the storage makes it wait */
    pthread_mutex_t hb_info;
    size_t hb_failures; /* refreshes that failed in a row since the last one stored */
    double hb_ok;       /* when (monotonic) the last one was stored, or the thread started */
    char hb_msg[512];   /* the last failure's message */
    /* steps of the wall clock (watch_clock): its offset from the monotonic clock at the last
     * look, and until when (monotonic) no heartbeat is judged by its age; clock_seen is 0
     * before the first look */
    int clock_seen;
    double clock_offset, ages_ignored_until;
    gpbo_constraint *cons; /* the options' constraints, the study's own copy */
    gpbo_metrics attrs;    /* the study's user attributes as last set or read (attrs only) */
};

/* The bytes of each version of gpbo_study_options (the header lists the versions); index 0 is
 * unused. */
static const size_t OPTIONS_SIZE[GPBO_STUDY_OPTIONS_VERSION + 1] = {
    0,
    GPBO_OPTIONS_FIELD_END(gpbo_study_options, use_priors),
    GPBO_OPTIONS_FIELD_END(gpbo_study_options, additive),
    GPBO_OPTIONS_FIELD_END(gpbo_study_options, restart),
    GPBO_OPTIONS_FIELD_END(gpbo_study_options, lost_retries),
    GPBO_OPTIONS_FIELD_END(gpbo_study_options, constraints),
    GPBO_OPTIONS_FIELD_END(gpbo_study_options, mo_acquisition)};
static const gpbo_study_options DEFAULTS = GPBO_STUDY_OPTIONS_INIT;
static const gpbo_options_type OPTIONS = {
    "study_options_init",       "options",    "GPBO_STUDY_OPTIONS_INIT",
    GPBO_STUDY_OPTIONS_VERSION, OPTIONS_SIZE, &DEFAULTS};
/* gpbo_trial_result's versions, as the options' above */
static const size_t RESULT_SIZE[GPBO_TRIAL_RESULT_VERSION + 1] = {
    0, GPBO_OPTIONS_FIELD_END(gpbo_trial_result, metric_values),
    GPBO_OPTIONS_FIELD_END(gpbo_trial_result, user_attr_values)};
static const gpbo_trial_result RESULT_DEFAULTS = GPBO_TRIAL_RESULT_INIT;
static const gpbo_options_type RESULT = {
    "trial_result_init",       "result",    "GPBO_TRIAL_RESULT_INIT",
    GPBO_TRIAL_RESULT_VERSION, RESULT_SIZE, &RESULT_DEFAULTS};

int gpbo_trial_result_init(gpbo_trial_result *r, unsigned int version)
{
    return gpbo_options_init(&RESULT, r, version);
}

int gpbo_study_options_init(gpbo_study_options *o, unsigned int version)
{
    return gpbo_options_init(&OPTIONS, o, version);
}

/* The caller's options (NULL: the defaults) as a struct of this library's version. */
static int load_options(const gpbo_study_options *opts, gpbo_study_options *out)
{
    return gpbo_options_load(&OPTIONS, "study_open", opts, out);
}

/* Trial number k draws from the generator seeded with seed ^ (k + 1) * TRIAL_SEED_STEP: the
 * 64-bit golden ratio, so the seeds of consecutive trials differ in many bits (the value is
 * the usual Weyl-sequence constant, not tuned; changing it changes every study's sequence). */
#define TRIAL_SEED_STEP 0x9E3779B97F4A7C15ull
/* A reservation of a strategy without a model carries its points for this many numbers from
 * the handle's last look on (reserve_new): enough for the ids that 8 workers' proposers take in
 * between (bench/workers, table 1). Chosen by hand, not tuned. */
#define RESERVE_AHEAD 16

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds of the monotonic clock: never stepped, and stopped while the machine sleeps. */
static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A change of the wall clock's offset from the monotonic one larger than this, in seconds, is
 * a step (an NTP step, `date -s`, a machine resumed from sleep, a VM restored): slewing moves
 * both clocks alike, so the offset drifts by no more than the two readings' distance. */
#define CLOCK_STEP_MIN 0.5

char *gpbo_search__options_to_json(const gpbo_study_options *o)
{
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    json_t *j = json_pack(
        "{s:i, s:s, s:s, s:I, s:i, s:I, s:I, s:i, s:i, s:i, s:I, s:i, s:i, s:i, s:I, s:f, s:f, "
        "s:I}",
        "direction", (int)o->direction, "strategy", o->strategy, "seed", seed, "grid_resolution",
        (json_int_t)o->grid_resolution, "grid_shuffle", o->grid_shuffle, "lhs_size",
        (json_int_t)o->lhs_size, "n_init", (json_int_t)o->n_init, "kernel", (int)o->kernel,
        "acquisition", (int)o->acquisition, "batch", (int)o->batch, "refit_every",
        (json_int_t)o->refit_every, "failed", (int)o->failed, "use_priors", o->use_priors,
        "additive", o->additive, "restart", (json_int_t)o->restart, "heartbeat", o->heartbeat,
        "grace", o->grace, "lost_retries", (json_int_t)o->lost_retries);
    if (j != NULL && (gpbo_search__objectives_to_json(j, o) != GPBO_OK ||
                      gpbo_search__constraints_to_json(o, j) != GPBO_OK)) {
        json_decref(j);
        return NULL;
    }
    char *t = gpbo_json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (t == NULL)
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
    return t;
}

int gpbo_search__options_from_json(const char *txt, gpbo_study_options *o, char **strategy)
{
    json_error_t e;
    int code = GPBO_EFORMAT;
    json_t *j = gpbo_json_loads(txt, &code);
    int dir = 0, shuffle = 0, kernel = 0, acq = 0, batch = 0, failed = 0, priors = 0, additive = 0;
    json_int_t res = 0, lhs = 0, ninit = 0, refit = 0, restart = 0;
    /* absent in studies stored before version 4: the defaults */
    double heartbeat = DEFAULTS.heartbeat, grace = DEFAULTS.grace;
    json_int_t lost_retries = (json_int_t)DEFAULTS.lost_retries;
    const char *strat = NULL, *seed = NULL;
    if (j == NULL && code == GPBO_ENOMEM)
        return gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
    if (j == NULL ||
        json_unpack_ex(
            j, &e, 0,
            "{s:i, s:s, s:s, s:I, s:i, s:I, s:I, s:i, s:i, s:i, s:I, s:i, s:i, s?i, s?I, s?F, "
            "s?F, s?I}",
            "direction", &dir, "strategy", &strat, "seed", &seed, "grid_resolution", &res,
            "grid_shuffle", &shuffle, "lhs_size", &lhs, "n_init", &ninit, "kernel", &kernel,
            "acquisition", &acq, "batch", &batch, "refit_every", &refit, "failed", &failed,
            "use_priors", &priors, "additive", &additive, "restart", &restart, "heartbeat",
            &heartbeat, "grace", &grace, "lost_retries", &lost_retries) != 0) {
        json_decref(j);
        if (j != NULL && json_error_code(&e) == json_error_out_of_memory)
            return gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
        return gpbo_error_set(GPBO_EFORMAT, "the stored study options are malformed");
    }
    if (res < 0 || lhs < 0 || ninit < 0 || refit < 0 || restart < 0 || lost_retries < 0) {
        json_decref(j);
        return gpbo_error_set(GPBO_EFORMAT, "the stored study options are malformed: a count "
                                            "(grid_resolution, lhs_size, n_init, refit_every, "
                                            "restart, lost_retries) is negative");
    }
    *o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    o->direction = (gpbo_direction)dir;
    o->seed = strtoull(seed, NULL, 10);
    o->grid_resolution = (size_t)res;
    o->grid_shuffle = shuffle;
    o->lhs_size = (size_t)lhs;
    o->n_init = (size_t)ninit;
    o->kernel = (gpbo_kernel_type)kernel;
    o->acquisition = (gpbo_acq_kind)acq;
    o->batch = (gpbo_acq_batch)batch;
    o->refit_every = (size_t)refit;
    o->failed = (gpbo_failed_policy)failed;
    o->use_priors = priors;
    o->additive = additive;       /* absent (stored before it existed): 0, as the study ran */
    o->restart = (size_t)restart; /* the same */
    o->heartbeat = heartbeat;
    o->grace = grace;
    o->lost_retries = (size_t)lost_retries;
    *strategy = strdup(strat);
    json_decref(j);
    return *strategy ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "out of memory");
}

static void rec_clear(gpbo_trial_rec *r)
{
    free(r->values);
    free(r->reason);
    free(r->steps);
    free(r->step_values);
    free(r->worker);
    gpbo_search__metrics_clear(&r->metrics);
}

/* ---- the storage, one call at a time --------------------------------------------------------- */

static void lock(gpbo_study *s)
{
    pthread_mutex_lock(&s->lock);
}

static void unlock(gpbo_study *s)
{
    pthread_mutex_unlock(&s->lock);
}

/* The longest wait between two heartbeats, in seconds (about 31 years): a study's heartbeat
 * may be any finite number below its grace, and the wait must fit a time_t. */
#define HEARTBEAT_MAX 1e9

/* Refreshes this handle's running trials every opts.heartbeat seconds until told to stop. */
static void *heartbeat_main(void *arg)
{
    gpbo_study *s = arg;
    lock(s);
    while (!s->hb_stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        /* at most HEARTBEAT_MAX between beats: a longer wait has no time_t (fuzz_study) */
        double beat = s->opts.heartbeat < HEARTBEAT_MAX ? s->opts.heartbeat : HEARTBEAT_MAX;
        double whole = floor(beat);
        until.tv_sec += (time_t)whole;
        until.tv_nsec += (long)((beat - whole) * 1e9);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!s->hb_stop && pthread_cond_timedwait(&s->wake, &s->lock, &until) != ETIMEDOUT)
            ;
        if (s->hb_stop)
            break;
        int rc = s->st->ops->heartbeat(s->st, s->sid, s->worker, now_s());
        pthread_mutex_lock(&s->hb_info);
        if (rc == GPBO_OK) {
            s->hb_failures = 0;
            s->hb_ok = mono_s();
        } else {
            s->hb_failures++;
            snprintf(s->hb_msg, sizeof s->hb_msg, "%s", gpbo_error_message());
        }
        pthread_mutex_unlock(&s->hb_info);
    }
    unlock(s);
    return NULL;
}

/* Starts the heartbeat thread (once, at the first ask of a stored study with heartbeats on). */
static int start_heartbeat(gpbo_study *s)
{
    if (s->hb_started || s->borrowed || s->st == NULL || !(s->opts.heartbeat > 0))
        return GPBO_OK;
    s->hb_ok = mono_s();
    if (pthread_create(&s->hb, NULL, heartbeat_main, s) != 0)
        return gpbo_error_set(GPBO_ENOMEM, "study '%s': cannot start the heartbeat thread",
                              s->name);
    s->hb_started = 1;
    return GPBO_OK;
}

void gpbo_study_close(gpbo_study *s)
{
    if (s == NULL)
        return;
    if (s->hb_started) {
        lock(s);
        s->hb_stop = 1;
        pthread_cond_signal(&s->wake);
        unlock(s);
        pthread_join(s->hb, NULL);
    }
    if (s->strat && s->strat->free)
        s->strat->free(s->sstate);
    if (s->st) {
        /* what this handle leaves running is handed back: the next ask anywhere reruns it (a
         * handle that lent its id may hold trials its mirror never saw; one that borrowed an
         * id leaves them to their owner) */
        int release = s->lent;
        for (size_t i = 0; i < s->n && !release; i++)
            release = s->t[i].state == GPBO_TRIAL_RUNNING && s->t[i].worker &&
                      strcmp(s->t[i].worker, s->worker) == 0;
        if (release && !s->borrowed)
            s->st->ops->heartbeat(s->st, s->sid, s->worker, 0);
        s->st->ops->close(s->st);
    }
    for (size_t i = 0; i < s->n; i++)
        rec_clear(&s->t[i]);
    free(s->t);
    free(s->u);
    free(s->y);
    free(s->yvar);
    free(s->states);
    free(s->run);
    gpbo_space_free(s->space);
    free(s->name);
    free(s->strategy_name);
    gpbo_search__metrics_clear(&s->attrs);
    gpbo_search__objectives_free(&s->obj);
    gpbo_search__constraints_free(s->cons, s->opts.n_constraints);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->hb_info);
    free(s);
}

int gpbo_study_heartbeat_health(gpbo_study *s, size_t *out_failures, double *out_seconds, char *msg,
                                size_t cap)
{
    if (s == NULL || out_failures == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_heartbeat_health: NULL argument");
    pthread_mutex_lock(&s->hb_info);
    *out_failures = s->hb_started ? s->hb_failures : 0;
    if (out_seconds)
        *out_seconds = s->hb_started ? mono_s() - s->hb_ok : 0;
    if (msg && cap > 0)
        snprintf(msg, cap, "%s", *out_failures > 0 ? s->hb_msg : "");
    pthread_mutex_unlock(&s->hb_info);
    return GPBO_OK;
}

/* ---- the mirror ------------------------------------------------------------------------------ */

/* The raw view of a trial (minimization sign): its value when complete; for a pruned trial its
 * last intermediate value (a pessimistic stand-in that still tells the model the region is
 * poor), which refresh_views then moves by the gain the complete trials made from that step on;
 * NaN otherwise. */
static double view_value(const gpbo_study *s, const gpbo_trial_rec *r)
{
    double sign = s->opts.direction == GPBO_MAXIMIZE ? -1.0 : 1.0;
    size_t last;
    if (r->state == GPBO_TRIAL_COMPLETE)
        return sign * r->value;
    if (r->state == GPBO_TRIAL_PRUNED && gpbo_search__last_step(r, &last))
        return sign * r->step_values[last];
    return NAN;
}

/* The index in s->run of the first id at or past id (s->nrun if none). Cannot fail. */
static size_t run_find(const gpbo_study *s, size_t id)
{
    size_t lo = 0, hi = s->nrun;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->run[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Adds id to the running ids (running) or takes it out. Cannot fail: s->run has room for every
 * slot of s->t (mirror_add grows them together), and id < s->cap. O(running trials). */
static void run_note(gpbo_study *s, size_t id, int running)
{
    size_t k = run_find(s, id);
    int in = k < s->nrun && s->run[k] == id;
    if (running && !in) {
        memmove(s->run + k + 1, s->run + k, (s->nrun - k) * sizeof *s->run);
        s->run[k] = id;
        s->nrun++;
    } else if (!running && in) {
        memmove(s->run + k, s->run + k + 1, (s->nrun - k - 1) * sizeof *s->run);
        s->nrun--;
    }
}

/* The smallest id at or past from of a running trial of the mirror, or s->n if none: the ids a
 * pass over the mirror that skips every trial not running would visit, in its order. */
static size_t next_running(const gpbo_study *s, size_t from)
{
    size_t k = run_find(s, from);
    return k < s->nrun && s->run[k] < s->n ? s->run[k] : s->n;
}

/* Sets the view arrays' slot of trial r (its id) to its state and raw value. A trial that
 * completes changes what every pruned trial's value is corrected by, and one pruned needs its
 * correction: both mark the views stale, and refresh_views recomputes the pruned trials' values
 * once before the strategy next reads them (not here: a sync that brings in many trials would
 * recompute them once per trial). */
static void set_view(gpbo_study *s, const gpbo_trial_rec *r)
{
    s->y[r->id] = view_value(s, r);
    s->yvar[r->id] = 0;
    s->states[r->id] = r->state;
    run_note(s, r->id, r->state == GPBO_TRIAL_RUNNING);
    if (r->state == GPBO_TRIAL_COMPLETE || r->state == GPBO_TRIAL_PRUNED)
        s->views_stale = 1;
}

/* Brings the pruned trials' values in the view up to date (gpbo_search__pruned_values: the last
 * intermediate value moved by the complete trials' median gain from that step on) before a
 * strategy reads the view: O(P log P) for the P intermediate values of the complete trials, and
 * only after a trial completed or was pruned. A study of several objectives keeps the raw values:
 * its strategy reads each trial's objectives (view_of's yobj), which have no intermediate values
 * of their own; so does a strategy without a model (grid, random, Sobol, LHS), which reads no
 * values at all. GPBO_ENOMEM. */
static int refresh_views(gpbo_study *s)
{
    if (!s->views_stale || s->opts.n_objectives >= 2 || s->strat->model == NULL)
        return GPBO_OK;
    double sign = s->opts.direction == GPBO_MAXIMIZE ? -1.0 : 1.0;
    int rc = gpbo_search__pruned_values(s->n, s->t, sign, s->y, s->yvar);
    if (rc == GPBO_OK)
        s->views_stale = 0;
    return rc;
}

/* Whether the mirror's trial has its parameters (else it is reserved and being proposed: all
 * NaN). One value may be NaN in a proposed point, an inactive parameter's, never all: a space's
 * conditions have no cycle, so some parameter is always active. */
static int proposed(const gpbo_study *s, const gpbo_trial_rec *r)
{
    for (size_t k = 0; k < s->space->n; k++)
        if (!isnan(r->values[k]))
            return 1;
    return s->space->n == 0;
}

/* Sets the mirror's trial r (its slot in the view arrays: i) to the parameter values v, or to
 * "not yet proposed" (NaN) for v NULL. */
static int mirror_set_point(gpbo_study *s, gpbo_trial_rec *r, size_t i, const double *v)
{
    size_t np = s->space->n, d = s->space->dim;
    if (v == NULL) {
        for (size_t k = 0; k < np; k++)
            r->values[k] = NAN;
        for (size_t k = 0; k < d; k++)
            s->u[i * d + k] = NAN;
        return GPBO_OK;
    }
    memcpy(r->values, v, np * sizeof *v);
    if (gpbo_space_encode(s->space, r->values, s->u + i * d) != GPBO_OK)
        return gpbo_error_prefix("study '%s', trial %zu: ", s->name, r->id);
    return GPBO_OK;
}

/* Copies the steps of src into dst (replacing dst's); nothing changes on failure. */
static int copy_steps(gpbo_trial_rec *dst, const gpbo_trial_rec *src)
{
    long *st = src->nsteps ? malloc(src->nsteps * sizeof *st) : NULL;
    double *sv = src->nsteps ? malloc(src->nsteps * sizeof *sv) : NULL;
    if (src->nsteps && (!st || !sv)) {
        free(st);
        free(sv);
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    }
    if (src->nsteps) {
        memcpy(st, src->steps, src->nsteps * sizeof *st);
        memcpy(sv, src->step_values, src->nsteps * sizeof *sv);
    }
    free(dst->steps);
    free(dst->step_values);
    dst->steps = st;
    dst->step_values = sv;
    dst->nsteps = dst->stepcap = src->nsteps;
    return GPBO_OK;
}

/* Replaces *dst with a copy of src (NULL allowed); nothing changes on failure. */
static int copy_string(char **dst, const char *src)
{
    char *c = src ? strdup(src) : NULL;
    if (src && !c)
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    free(*dst);
    *dst = c;
    return GPBO_OK;
}

/* Sets the mirror's trial i to what the storage holds (r): its state, value, reason, worker,
 * heartbeat, steps, and its parameters once they are proposed. */
static int mirror_update(gpbo_study *s, const gpbo_trial_rec *r)
{
    gpbo_trial_rec *m = &s->t[r->id];
    int rc = GPBO_OK;
    if (r->values && !proposed(s, m))
        rc = mirror_set_point(s, m, r->id, r->values);
    if (rc == GPBO_OK)
        rc = copy_string(&m->reason, r->reason);
    if (rc == GPBO_OK)
        rc = copy_string(&m->worker, r->worker);
    if (rc == GPBO_OK)
        rc = copy_steps(m, r);
    /* metrics are stored with the trial's end: a running trial's are this handle's own, told
     * with it (gpbo_study_set_metrics), and the storage has none yet to replace them with */
    if (rc == GPBO_OK && r->state != GPBO_TRIAL_RUNNING)
        rc = gpbo_search__metrics_copy(&m->metrics, &r->metrics);
    if (rc != GPBO_OK)
        return rc;
    m->state = r->state;
    m->value = r->value;
    m->started = r->started;
    m->finished = r->finished;
    m->heartbeat = r->heartbeat;
    m->retries = r->retries;
    set_view(s, m);
    return GPBO_OK;
}

/* Appends a copy of r (its id: s->n) to the mirror (and grows the view arrays). */
static int mirror_add(gpbo_study *s, const gpbo_trial_rec *r)
{
    size_t np = s->space->n, d = s->space->dim;
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 64;
        gpbo_trial_rec *nt = realloc(s->t, nc * sizeof *nt);
        if (nt == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
        s->t = nt;
        double *nu = realloc(s->u, nc * (d ? d : 1) * sizeof *nu);
        if (nu)
            s->u = nu;
        double *ny = realloc(s->y, nc * sizeof *ny);
        if (ny)
            s->y = ny;
        double *nv = realloc(s->yvar, nc * sizeof *nv);
        if (nv)
            s->yvar = nv;
        gpbo_trial_state *ns = realloc(s->states, nc * sizeof *ns);
        if (ns)
            s->states = ns;
        size_t *nr = realloc(s->run, nc * sizeof *nr);
        if (nr)
            s->run = nr;
        if (!nu || !ny || !nv || !ns || !nr)
            return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
        s->cap = nc;
    }
    gpbo_trial_rec c = {0};
    c.id = r->id;
    c.values = malloc((np ? np : 1) * sizeof *c.values);
    int rc = c.values ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    if (rc == GPBO_OK)
        rc = mirror_set_point(s, &c, s->n, NULL);
    s->t[s->n] = c; /* not counted until complete: a failure below frees it */
    if (rc == GPBO_OK)
        rc = mirror_update(s, r);
    if (rc != GPBO_OK) {
        run_note(s, s->n, 0); /* should set_view have run: the slot is no trial of the mirror */
        rec_clear(&s->t[s->n]);
        return rc;
    }
    s->n++;
    return GPBO_OK;
}

static int sync_cb(void *payload, const gpbo_trial_rec *r)
{
    gpbo_study *s = payload;
    /* a row another program may have written: the state indexes arrays (gpbo_study_counts),
     * and a complete trial's value is what best and the strategies rank */
    if ((unsigned)r->state >= GPBO_TRIAL_STATE_COUNT)
        return gpbo_error_set(GPBO_EFORMAT, "study '%s': trial %zu has an unknown state %d",
                              s->name, r->id, (int)r->state);
    if (r->state == GPBO_TRIAL_COMPLETE && !isfinite(r->value))
        return gpbo_error_set(
            GPBO_EFORMAT, "study '%s': trial %zu is complete with no finite value", s->name, r->id);
    /* 'null' parameters are a reservation not yet proposed, which only a running trial is, or
     * a failed one (its worker lost before it proposed: reclaim) */
    if ((r->state == GPBO_TRIAL_COMPLETE || r->state == GPBO_TRIAL_PRUNED) && r->values == NULL)
        return gpbo_error_set(GPBO_EFORMAT, "study '%s': trial %zu is %s with no parameters",
                              s->name, r->id,
                              r->state == GPBO_TRIAL_COMPLETE ? "complete" : "pruned");
    for (size_t k = 0; k < r->nsteps; k++) /* as gpbo_study_report_many takes them */
        if (r->steps[k] < 0 || !isfinite(r->step_values[k]))
            return gpbo_error_set(GPBO_EFORMAT,
                                  "study '%s': trial %zu has step %ld value %g (a step is >= 0, a "
                                  "value finite)",
                                  s->name, r->id, r->steps[k], r->step_values[k]);
    if (r->id < s->n)
        return mirror_update(s, r);
    if (r->id != s->n)
        return gpbo_error_set(GPBO_EFORMAT,
                              "study '%s': trial ids are not consecutive (%zu "
                              "after %zu)",
                              s->name, r->id, s->n);
    return mirror_add(s, r);
}

/* Brings the mirror up to date with the storage: the trials added since, and what became of
 * the ones running (by anyone) at the last look. */
/* The ids of the mirror's running trials (malloc'd, ascending; *nrun of them): what a look at
 * the storage reads again besides the trials added since. NULL when memory runs out. */
static size_t *running_ids(gpbo_study *s, size_t *nrun)
{
    size_t *ids = malloc((s->nrun ? s->nrun : 1) * sizeof *ids);
    if (ids == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
        return NULL;
    }
    size_t n = 0;
    for (size_t i = next_running(s, 0); i < s->n; i = next_running(s, i + 1))
        ids[n++] = i;
    s->looks += n;
    *nrun = n;
    return ids;
}

/* Notes a step of the wall clock since the last look. Heartbeats are wall-clock times, so a
 * step ahead (a laptop resumed after an hour) made every other worker's heartbeat look an hour
 * old at this handle's next ask: the trials of live workers were taken for lost and ran twice,
 * their owners' results refused. For grace seconds after a step this handle judges no
 * heartbeat by its age (lost()): a live worker writes a fresh one within its heartbeat period,
 * and a worker that is gone or handed its trials back is still seen at once. A step before
 * this handle's first look is not seen (a worker started just after a resume). */
static void watch_clock(gpbo_study *s)
{
    double mono = mono_s(), offset = now_s() - mono;
    if (s->clock_seen && fabs(offset - s->clock_offset) > CLOCK_STEP_MIN)
        s->ages_ignored_until = mono + s->opts.grace;
    s->clock_seen = 1;
    s->clock_offset = offset;
}

static int sync_mirror(gpbo_study *s)
{
    if (s->st == NULL)
        return GPBO_OK;
    watch_clock(s);
    size_t nrun = 0, *ids = running_ids(s, &nrun);
    if (ids == NULL)
        return GPBO_ENOMEM;
    lock(s);
    int rc = s->st->ops->load(s->st, s->sid, s->space->n, s->n, ids, nrun, sync_cb, s);
    unlock(s);
    free(ids);
    return rc;
}

int gpbo_study_sync(gpbo_study *s)
{
    if (s == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_sync: study is NULL");
    return sync_mirror(s);
}

/* ---- opening --------------------------------------------------------------------------------- */

int gpbo_search__sqlite_query(const char *url)
{
    const char *q = strncmp(url, "sqlite:///", 10) == 0 ? strchr(url + 10, '?') : NULL;
    if (q == NULL)
        return GPBO_OK;
    /* SQLAlchemy's URL (Optuna's storage) takes a query, sqlite:///study.db?timeout=30: here it
     * named a file 'study.db?timeout=30', and a worker given the URL without it opened another
     * study file */
    return gpbo_error_set(GPBO_EINVAL,
                          "storage '%s': a sqlite:/// URL takes no query ('%s'; gpbo waits on a "
                          "busy database by itself): give sqlite:///%.*s",
                          url, q, (int)(q - url - 10), url + 10);
}

gpbo_storage *gpbo_search__storage_open(const char *url)
{
    const char *path = url;
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        return gpbo_search__pg_open(url);
    if (gpbo_search__sqlite_query(url) != GPBO_OK) {
        return NULL;
    } else if (strncmp(url, "sqlite:///", 10) == 0) {
        path = url + 10;
    } else if (strstr(url, "://") != NULL) {
        gpbo_error_set(GPBO_EINVAL,
                       "storage '%s': unsupported scheme (use sqlite:///path.db or "
                       "postgresql://...)",
                       url);
        return NULL;
    }
    if (*path == '\0') {
        gpbo_error_set(GPBO_EINVAL, "storage '%s': the path is empty", url);
        return NULL;
    }
    return gpbo_search__sqlite_open(path);
}

/* Where this process's pids mean something, appended to the host name: the kernel's boot id
 * (16 hex digits of /proc/sys/kernel/random/boot_id: one machine, one boot; the same inside its
 * containers) and the inode of the pid namespace. Two workers whose host parts are equal see the
 * same processes; the host name alone did not say so: a worker in a container of the same host
 * name (docker --network host, a pid namespace of its own) found a running worker's pid absent
 * in its own namespace and took over every trial it ran. Empty when /proc cannot say (then no
 * worker is taken for dead by its pid, only by its heartbeat). */
static void pid_scope(char *out, size_t cap)
{
    char boot[64] = "", hex[17];
    size_t n = 0;
    struct stat ns;
    out[0] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (f != NULL) {
        if (fgets(boot, sizeof boot, f) == NULL)
            boot[0] = '\0';
        fclose(f);
    }
    for (const char *c = boot; *c && n < sizeof hex - 1; c++)
        if ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))
            hex[n++] = *c;
    hex[n] = '\0';
    if (n == sizeof hex - 1 && stat("/proc/self/ns/pid", &ns) == 0)
        snprintf(out, cap, "/%s-%llu", hex, (unsigned long long)ns.st_ino);
}

/* This process's worker id for a new handle: host:pid:nonce (the nonce tells apart the handles
 * of one process), host being the host name and where its pids are seen (pid_scope). */
static void make_worker_id(gpbo_study *s)
{
    char host[256] = "localhost", scope[64];
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
        strcpy(host, "localhost");
    host[200] = '\0'; /* room for the rest in s->worker */
    for (char *c = host; *c; c++)
        if (*c == ':' || *c == '/')
            *c = '_'; /* the id is split at its colons; a '/' starts the scope */
    pid_scope(scope, sizeof scope);
    uint32_t nonce = 0;
    if (getrandom(&nonce, sizeof nonce, GRND_NONBLOCK) != (ssize_t)sizeof nonce)
        nonce = (uint32_t)((uintptr_t)s ^ (uintptr_t)time(NULL) ^ (uintptr_t)clock());
    snprintf(s->worker, sizeof s->worker, "%.200s%.63s:%ld:%08x", host, scope, (long)getpid(),
             nonce);
}

/* The length of worker's host part (host:pid:nonce), or 0 when it has no such shape. */
static size_t host_len(const char *worker)
{
    const char *nonce = worker ? strrchr(worker, ':') : NULL;
    if (nonce == NULL || nonce == worker)
        return 0;
    const char *pidp = nonce - 1;
    while (pidp > worker && *pidp != ':')
        pidp--;
    return *pidp == ':' ? (size_t)(pidp - worker) : 0;
}

/* Whether worker (host:pid:nonce) is a process of this handle's host that no longer exists.
 * The host (with where its pids are seen: pid_scope) is compared with this handle's own id, so
 * it is looked up once, at open; an id without that scope (of an older gpbo, or when /proc could
 * not say) is never taken for dead here. */
static int worker_dead(const gpbo_study *s, const char *worker)
{
    size_t hl = host_len(worker);
    if (hl == 0 || hl != host_len(s->worker) || strncmp(worker, s->worker, hl) != 0 ||
        memchr(s->worker, '/', hl) == NULL)
        return 0;
    char *end = NULL;
    long pid = strtol(worker + hl + 1, &end, 10);
    if (end != strrchr(worker, ':') || pid <= 0)
        return 0;
    if (kill((pid_t)pid, 0) != 0)
        return errno == ESRCH;
    /* a zombie is dead too (its parent died and nobody reaps it yet, as in a container whose
     * first process does not) */
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')'); /* the command name may hold spaces */
    return close_paren != NULL && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

static int check_worker_options(const gpbo_study_options *o)
{
    if (!(o->heartbeat >= 0) || !(o->grace > 0) || isinf(o->heartbeat) ||
        (o->heartbeat > 0 && !(o->heartbeat < o->grace)))
        return gpbo_error_set(GPBO_EINVAL,
                              "study_open: heartbeat %g and grace %g: need 0 <= heartbeat < grace "
                              "(heartbeat 0: none)",
                              o->heartbeat, o->grace);
    return GPBO_OK;
}

/* The enumerations the strategies read only when they first need them (a bad one made every ask
 * after the initial design fail, or was taken for another value without a word). */
static int check_enums(const gpbo_study_options *o)
{
    if ((unsigned)o->direction > GPBO_MAXIMIZE)
        return gpbo_error_set(GPBO_EINVAL, "study_open: unknown direction %d", (int)o->direction);
    if ((unsigned)o->batch > GPBO_ACQ_BATCH_LP)
        return gpbo_error_set(GPBO_EINVAL, "study_open: unknown batch %d", (int)o->batch);
    if (o->batch == GPBO_ACQ_BATCH_LP && o->acquisition == GPBO_ACQ_LCB)
        return gpbo_error_set(GPBO_EINVAL, "study_open: batch local penalization needs a positive "
                                           "acquisition (ei, logei, logpi), not lcb");
    if ((unsigned)o->failed > GPBO_FAILED_WORST)
        return gpbo_error_set(GPBO_EINVAL, "study_open: unknown failed policy %d", (int)o->failed);
    return GPBO_OK;
}

/* The checks a study's options pass, the caller's at every open and the stored ones read back
 * (another program may have written them). */
static int check_options(const gpbo_study_options *o)
{
    int rc = check_enums(o);
    if (rc == GPBO_OK)
        rc = check_worker_options(o);
    if (rc == GPBO_OK)
        rc = gpbo_search__objectives_check(o);
    if (rc == GPBO_OK)
        rc = gpbo_search__constraints_check(o);
    return rc;
}

/* The caller's strategy and the options it reads, tried on the caller's space (when given)
 * before anything is stored: a new study is written to its storage before its strategy starts,
 * and one stored with options its strategy refuses could never be opened again. (A grid over a
 * space with conditions then sorts its points twice, up to ~0.3 s each on a 1e7-point grid.) */
static int check_strategy(const gpbo_study_options *o, const gpbo_space *space)
{
    const gpbo_strategy_def *def = gpbo_search__strategy(o->strategy);
    if (def == NULL)
        return gpbo_error_prefix("study_open: ");
    if (space == NULL || gpbo_space_size(space) == 0 || def->init == NULL)
        return GPBO_OK;
    void *state = NULL;
    int rc = def->init(&state, space, o);
    if (rc == GPBO_OK && def->free != NULL)
        def->free(state);
    return rc == GPBO_OK ? GPBO_OK : gpbo_error_prefix("study_open: ");
}

/* A handle with its lock, its heartbeat's condition variable, its worker id and name, and
 * nothing else yet; NULL (GPBO_ENOMEM) on failure. */
static gpbo_study *study_alloc(const char *name)
{
    gpbo_study *s = calloc(1, sizeof *s);
    if (s == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "study_open: out of memory");
        return NULL;
    }
    pthread_condattr_t ca;
    int cond_ok = pthread_condattr_init(&ca) == 0;
    if (cond_ok) {
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        cond_ok = pthread_cond_init(&s->wake, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    int lock_ok = cond_ok && pthread_mutex_init(&s->lock, NULL) == 0;
    if (!lock_ok || pthread_mutex_init(&s->hb_info, NULL) != 0) {
        if (lock_ok)
            pthread_mutex_destroy(&s->lock);
        if (cond_ok)
            pthread_cond_destroy(&s->wake);
        free(s);
        gpbo_error_set(GPBO_ENOMEM, "study_open: out of memory");
        return NULL;
    }
    make_worker_id(s);
    if ((s->name = strdup(name)) == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "study_open: out of memory");
        gpbo_study_close(s);
        return NULL;
    }
    return s;
}

gpbo_study *gpbo_study_open(const char *storage, const char *name, const gpbo_space *space,
                            const gpbo_study_options *opts)
{
    gpbo_study_options full;
    const gpbo_study_options *o = &full;
    if (name == NULL || name[0] == '\0') {
        gpbo_error_set(GPBO_EINVAL, "study_open: the study needs a name");
        return NULL;
    }
    if (load_options(opts, &full) != GPBO_OK || check_options(&full) != GPBO_OK)
        return NULL;
    int memory = storage == NULL || strcmp(storage, ":memory:") == 0;
    if (memory && space == NULL) {
        gpbo_error_set(GPBO_EINVAL, "study_open: an in-memory study needs a space");
        return NULL;
    }
    /* in memory nothing outlives a refusal: the strategy's own start below is the check */
    if (check_strategy(&full, memory ? NULL : space) != GPBO_OK)
        return NULL;
    gpbo_study *s = study_alloc(name);
    if (s == NULL)
        return NULL;
    char *sj = NULL, *oj = NULL;
    if (space != NULL) {
        if (gpbo_space_size(space) == 0) {
            gpbo_error_set(GPBO_EINVAL, "study_open: the space has no parameters");
            goto fail;
        }
        if ((sj = gpbo_space_to_json(space)) == NULL ||
            (oj = gpbo_search__options_to_json(o)) == NULL)
            goto fail;
    }
    if (!memory) {
        /* a study to reopen (no space to create one with) in a file that does not exist: not
         * there, and the file is not created either */
        if (space == NULL && gpbo_search__missing_file(storage)) {
            gpbo_error_set(GPBO_ENOTFOUND, "%s: no such file", storage);
            goto fail;
        }
        if ((s->st = gpbo_search__storage_open(storage)) == NULL)
            goto fail;
        char *in_s = sj, *in_o = oj;
        if (s->st->ops->open_study(s->st, name, &sj, &oj, &s->sid) != GPBO_OK) {
            sj = in_s;
            oj = in_o;
            goto fail;
        }
        free(in_s);
        free(in_o);
    }
    if ((s->space = gpbo_space_from_json(sj)) == NULL)
        goto fail;
    gpbo_error_clear(); /* gpbo_space_equal() says 0 when out of memory too: told apart below */
    if (space != NULL && !gpbo_space_equal(space, s->space)) {
        if (gpbo_error_code() == GPBO_ENOMEM)
            goto fail;
        /* the whole stored space used to be all it said: which parameter changed, and how,
         * was the user's to find (test_study test_reopen_space_change) */
        char what[1024], *gj = gpbo_space_to_json(space);
        if (gj != NULL && gpbo_search__space_change(sj, gj, what, sizeof what))
            gpbo_error_set(GPBO_EINVAL,
                           "study_open: study '%s' exists with a different search space: %s", name,
                           what);
        else
            gpbo_error_set(GPBO_EINVAL,
                           "study_open: study '%s' exists with a different search space "
                           "(stored: %s)",
                           name, sj);
        free(gj);
        goto fail;
    }
    if (gpbo_search__options_from_json(oj, &s->opts, &s->strategy_name) != GPBO_OK ||
        gpbo_search__objectives_from_json(oj, &s->obj, &s->opts) != GPBO_OK)
        goto fail;
    s->opts.strategy = s->strategy_name;
    if (gpbo_search__constraints_from_json(oj, &s->cons, &s->opts.n_constraints) != GPBO_OK)
        goto fail;
    s->opts.constraints = s->cons;
    if (check_options(&s->opts) != GPBO_OK) {
        gpbo_error_prefix("study '%s' as stored: ", name);
        goto fail;
    }
    if ((s->strat = gpbo_search__strategy(s->strategy_name)) == NULL)
        goto fail;
    if (s->strat->init && s->strat->init(&s->sstate, s->space, &s->opts) != GPBO_OK)
        goto fail;
    if (sync_mirror(s) != GPBO_OK)
        goto fail;
    free(sj);
    free(oj);
    return s;
fail:
    free(sj);
    free(oj);
    gpbo_study_close(s);
    return NULL;
}

const gpbo_space *gpbo_study_space(const gpbo_study *s)
{
    return s ? s->space : NULL;
}

const char *gpbo_study_name(const gpbo_study *s)
{
    return s ? s->name : NULL;
}

gpbo_direction gpbo_study_direction(const gpbo_study *s)
{
    return s ? s->opts.direction : GPBO_MINIMIZE;
}

const gpbo_study_options *gpbo_study_get_options(const gpbo_study *s)
{
    return s ? &s->opts : NULL;
}

size_t gpbo_study_ntrials(const gpbo_study *s)
{
    return s ? s->n : 0;
}

/* ---- asking ---------------------------------------------------------------------------------- */

static int mine(const gpbo_study *s, const gpbo_trial_rec *r)
{
    return r->worker != NULL && strcmp(r->worker, s->worker) == 0;
}

/* Whether r was enqueued (gpbo_study_enqueue) and no worker has taken it yet: running, with its
 * values, no worker and heartbeat 0 — released, so the next ask anywhere takes it (lost()). */
static int queued(const gpbo_study *s, const gpbo_trial_rec *r)
{
    return r->state == GPBO_TRIAL_RUNNING && r->worker == NULL && r->heartbeat == 0 &&
           proposed(s, r);
}

/* Whether running trial r has lost its worker; *released: it was handed back (not lost). */
static int lost(const gpbo_study *s, const gpbo_trial_rec *r, double now, int *released)
{
    *released = r->heartbeat == 0;
    if (*released)
        return 1;
    /* not in the grace seconds after a step of the clock (watch_clock) */
    if (s->opts.heartbeat > 0 && r->heartbeat < now - s->opts.grace &&
        !(mono_s() < s->ages_ignored_until))
        return 1;
    return worker_dead(s, r->worker);
}

/* Compare-and-set of running trial r to c (state, worker, heartbeat, retries, reason,
 * finished) in the storage, then in the mirror. restart: r runs again from its start, so the
 * intermediate values of the run before are dropped (the storage's claim). *won: the storage
 * still held r as seen. */
static int take(gpbo_study *s, gpbo_trial_rec *r, const gpbo_trial_rec *c, int restart, int *won)
{
    /* the mirror's copies first, so that nothing can fail once the storage has changed */
    char *wcopy = c->worker ? strdup(c->worker) : NULL,
         *rcopy = c->reason ? strdup(c->reason) : NULL;
    *won = 0;
    if ((c->worker && !wcopy) || (c->reason && !rcopy)) {
        free(wcopy);
        free(rcopy);
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    }
    lock(s);
    int rc = s->st->ops->claim(s->st, s->sid, r, c, restart, won);
    unlock(s);
    if (rc != GPBO_OK || !*won) {
        free(wcopy);
        free(rcopy);
        return rc;
    }
    free(r->worker);
    free(r->reason);
    r->worker = wcopy;
    r->reason = rcopy;
    r->state = c->state;
    r->heartbeat = c->heartbeat;
    r->retries = c->retries;
    r->finished = c->finished;
    if (restart)
        r->nsteps = 0;
    set_view(s, r);
    return GPBO_OK;
}

/* Trial r starts running under this handle now (gpbo_study_adopt): the time is kept in the
 * mirror and written as its started time with its result (no write of its own; until then the
 * storage has its reservation's). Later than the handle's last started time, as a reservation's
 * is, so that a worker's started times stay distinct (a backend finds a reservation again by
 * them). */
static void run_starts(gpbo_study *s, gpbo_trial_rec *r)
{
    double t = now_s();
    if (!(t > s->last_started))
        t = nextafter(s->last_started, INFINITY);
    s->last_started = r->run_started = t;
}

/* The started time trial r is told with: its run's under this handle, else its reservation's. */
static double told_started(const gpbo_trial_rec *r)
{
    return r->run_started > 0 ? r->run_started : r->started;
}

/* Takes over trial r, whose worker is lost: it runs again under this handle, or, lost
 * lost_retries times already, is marked failed. *won: this handle runs it now. */
static int reclaim(gpbo_study *s, gpbo_trial_rec *r, double now, int released, int *won)
{
    gpbo_trial_rec c = *r;
    char why[160];
    if (!released && r->retries >= s->opts.lost_retries) {
        snprintf(why, sizeof why,
                 "its worker was lost %u time%s (no heartbeat for %g s, or its process ended)",
                 r->retries + 1, r->retries ? "s" : "", s->opts.grace);
        c.state = GPBO_TRIAL_FAILED;
        c.reason = why;
        c.finished = now;
    } else {
        c.worker = s->worker;
        c.heartbeat = now;
        c.retries = r->retries + !released;
    }
    /* run again: its steps were the lost run's, and the new run reports its own (kept, they
     * would mix with them: a rerun pruned at step 1 would show the lost run's step 6 as its
     * last, and the pruner and the Bayesian strategy would take that value as its) */
    int again = !queued(s, r); /* it ran before: its seconds are the new run's */
    int rc = take(s, r, &c, c.state == GPBO_TRIAL_RUNNING, won);
    *won = *won && r->state == GPBO_TRIAL_RUNNING;
    if (*won && again) /* an enqueued trial keeps its started time (enqueue_started) */
        run_starts(s, r);
    return rc;
}

int gpbo_study_adopt(gpbo_study *s, size_t id)
{
    if (s == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_adopt: study is NULL");
    /* asked through this handle: its own already (its heartbeats keep it, so no one else has
     * taken it over), with nothing to read. Not a reservation read before its proposer wrote
     * its parameters (a look at the storage between the two): that one is read again below, or
     * the mirror kept it unproposed, and once told it stood complete with no parameters (gpbo
     * run's best trial printed none of them, a model of this handle refused its NaN point). */
    if (s->st && id < s->n && s->t[id].state == GPBO_TRIAL_RUNNING && mine(s, &s->t[id]) &&
        proposed(s, &s->t[id])) {
        run_starts(s, &s->t[id]);
        return start_heartbeat(s);
    }
    for (int attempt = 0; attempt < 16; attempt++) {
        int rc = sync_mirror(s);
        if (rc != GPBO_OK)
            return rc;
        if (id >= s->n)
            return gpbo_error_set(GPBO_ENOTFOUND, "study_adopt: study '%s' has no trial %zu",
                                  s->name, id);
        gpbo_trial_rec *r = &s->t[id];
        if (r->state != GPBO_TRIAL_RUNNING)
            return gpbo_error_set(GPBO_ESTATE,
                                  "study_adopt: trial %zu of study '%s' is already finished", id,
                                  s->name);
        if (s->st == NULL || mine(s, r))
            run_starts(s, r); /* mine: proposed for this handle (gpbo_study_propose_for) */
        if (s->st == NULL)
            return GPBO_OK;
        if ((rc = start_heartbeat(s)) != GPBO_OK || mine(s, r))
            return rc;
        gpbo_trial_rec c = *r;
        c.worker = s->worker;
        c.heartbeat = now_s();
        int won = 0;
        if ((rc = take(s, r, &c, 0, &won)) != GPBO_OK)
            return rc;
        if (won) {
            run_starts(s, r);
            return GPBO_OK;
        }
        /* its heartbeat moved between the look and the take: look again */
    }
    return gpbo_error_set(GPBO_ESTATE, "study_adopt: trial %zu of study '%s' keeps changing hands",
                          id, s->name);
}

const char *gpbo_study_worker(gpbo_study *s)
{
    if (s == NULL)
        return NULL;
    s->lent = 1;
    return s->worker;
}

int gpbo_study_propose_for(gpbo_study *s, const char *worker)
{
    if (s == NULL || worker == NULL || worker[0] == '\0')
        return gpbo_error_set(GPBO_EINVAL, "study_propose_for: NULL study or empty worker");
    if (strlen(worker) >= sizeof s->worker)
        return gpbo_error_set(GPBO_EINVAL, "study_propose_for: worker id too long (%zu bytes)",
                              strlen(worker));
    if (s->asked)
        return gpbo_error_set(GPBO_EINVAL, "study_propose_for: study '%s' has asked already",
                              s->name);
    snprintf(s->worker, sizeof s->worker, "%s", worker);
    s->borrowed = 1;
    return GPBO_OK;
}

/* After a failed ask: takes reserved trial id back (the storage deletes it when it is still
 * the last trial, else releases it), so that a failed ask changes nothing; with_values: values
 * may have gone with its reservation (reserve_new). Keeps the caller's error. Should the storage
 * fail here, the trial stays reserved by this handle and its next ask proposes it. */
static void unreserve(gpbo_study *s, size_t id, int with_values)
{
    int code = gpbo_error_code();
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", gpbo_error_message());
    int rc = GPBO_OK;
    if (s->st) {
        lock(s);
        /* values that went with the reservation (never handed out) are taken off first: the
         * storage deletes only a trial not yet proposed */
        if (with_values)
            rc = s->st->ops->set_params(s->st, s->sid, id, NULL, s->space->n);
        if (rc == GPBO_OK)
            rc = s->st->ops->unreserve(s->st, s->sid, id, s->worker);
        unlock(s);
    }
    if (rc == GPBO_OK && id + 1 == s->n) {
        run_note(s, id, 0);
        rec_clear(&s->t[--s->n]);
    } else if (rc == GPBO_OK && id < s->n) {
        s->t[id].heartbeat = 0;
        if (with_values) /* as stored now: proposed again by whoever takes it */
            mirror_set_point(s, &s->t[id], id, NULL);
    }
    gpbo_error_set(code, "%s", msg);
}

/* The strategy's view of the mirror; for a strategy with a model, with constraints *cbuf
 * (malloc'd, the caller frees it) holds the trials' constraint metrics (NaN: none), and with
 * several objectives *ybuf their values (view.yobj); both NULL otherwise. GPBO_ENOMEM. */
static int view_of(gpbo_study *s, gpbo_search_view *v, double **cbuf, double **ybuf)
{
    size_t nc = s->opts.n_constraints, k = s->opts.n_objectives;
    *v = (gpbo_search_view){s->space, &s->opts, s->n, s->u, s->y, s->states, NULL, NULL, s->yvar};
    *cbuf = *ybuf = NULL;
    /* grid, random, Sobol and LHS read no values: building these n rows for each of an ask's
     * RESERVE_AHEAD draws cost 1.6 ms an ask at 5000 trials of two objectives (bench/asks) */
    if (s->strat->model == NULL)
        return GPBO_OK;
    if (k >= 2 || nc > 0)
        s->looks += s->n;
    if (k >= 2) { /* a study of several objectives: each trial's (study_mo.c) */
        double *y = malloc((s->n ? s->n : 1) * k * sizeof *y);
        if (y == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
        for (size_t i = 0; i < s->n; i++)
            gpbo_search__trial_objectives(&s->opts, &s->t[i], y + i * k);
        v->yobj = *ybuf = y;
    }
    if (nc == 0)
        return GPBO_OK;
    double *c = malloc((s->n ? s->n : 1) * nc * sizeof *c);
    if (c == NULL) {
        free(*ybuf);
        *ybuf = NULL;
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    }
    for (size_t i = 0; i < s->n; i++)
        for (size_t m = 0; m < nc; m++)
            if (gpbo_search__metrics_get(&s->t[i].metrics, s->opts.constraints[m].name,
                                         &c[i * nc + m]) != GPBO_OK)
                c[i * nc + m] = NAN;
    v->c = *cbuf = c;
    return GPBO_OK;
}

/* Draws the parameter values of trial number id into vals (np values): the strategy's
 * proposal on the mirror as it is. */
static int draw(gpbo_study *s, size_t id, double *vals)
{
    size_t d = s->space->dim;
    gpbo_rng rng;
    gpbo_rng_seed(&rng, s->opts.seed ^ (TRIAL_SEED_STEP * (uint64_t)(id + 1)));
    double *u = malloc((d ? d : 1) * sizeof *u), *cbuf = NULL, *ybuf = NULL;
    int rc = u ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "study_ask: out of memory");
    gpbo_search_view view;
    if (rc == GPBO_OK)
        rc = refresh_views(s);
    if (rc == GPBO_OK && (rc = view_of(s, &view, &cbuf, &ybuf)) == GPBO_OK)
        rc = s->strat->ask(s->sstate, &view, id, &rng, u);
    if (rc == GPBO_OK)
        rc = gpbo_space_decode(s->space, u, vals);
    if (rc == GPBO_OK && s->strat->exact_values != NULL)
        rc = s->strat->exact_values(s->sstate, s->space, id, vals);
    free(cbuf);
    free(ybuf);
    free(u);
    return rc;
}

/* A new trial for this handle: the next id, reserved (in the storage: against the cap across
 * every worker). vals (NULL: none) are nahead points drawn for the numbers s->n, s->n + 1, ...:
 * the one for the id it gets goes with the reservation; for another id, it is reserved not yet
 * proposed. */
/* The record of a new reservation by this handle: the next id as the mirror has it, vals (see
 * reserve), its started time later than the handle's last (a reservation is found again by its
 * worker and started time, search_internal.h). */
static gpbo_trial_rec reservation(gpbo_study *s, const double *vals)
{
    gpbo_trial_rec r = {0};
    r.id = s->n;
    r.state = GPBO_TRIAL_RUNNING;
    r.value = NAN;
    r.values = (double *)vals;
    r.started = now_s();
    if (!(r.started > s->last_started))
        r.started = nextafter(s->last_started, INFINITY);
    s->last_started = r.started;
    r.worker = s->worker;
    r.heartbeat = r.started;
    return r;
}

static int reserve(gpbo_study *s, size_t cap, const double *vals, size_t nahead, size_t *out_id)
{
    gpbo_trial_rec r = reservation(s, vals);
    if (s->st == NULL) {
        if (s->n >= cap)
            return gpbo_error_set(GPBO_EEXHAUSTED, "study '%s' holds %zu trials, its cap is %zu",
                                  s->name, s->n, cap);
        r.id = s->n;
        *out_id = r.id;
        return mirror_add(s, &r);
    }
    lock(s);
    int rc = s->st->ops->reserve(s->st, s->sid, &r, s->space->n, vals ? nahead : 0, cap, out_id);
    unlock(s);
    if (rc != GPBO_OK)
        return rc;
    /* the next id: nobody reserved in between, and the mirror takes the row as it was written;
     * else the rows others reserved meanwhile come in with it (and its values, if stored) */
    r.values = *out_id == r.id ? r.values : NULL;
    r.id = *out_id;
    rc = r.id == s->n ? mirror_add(s, &r) : sync_mirror(s);
    if (rc == GPBO_OK && *out_id >= s->n) /* the storage lost it between two calls */
        rc = gpbo_error_set(GPBO_ESTORAGE, "study '%s': reserved trial %zu is not stored", s->name,
                            *out_id);
    if (rc != GPBO_OK)
        unreserve(s, *out_id, vals != NULL);
    return rc;
}

/* Whether another trial than id holds the point vals (every parameter equal; NaN, an inactive
 * parameter, equal to NaN). */
static int taken(const gpbo_study *s, size_t id, const double *vals)
{
    size_t np = s->space->n;
    for (size_t j = 0; np > 0 && j < s->n; j++) {
        if (j == id || !proposed(s, &s->t[j]))
            continue;
        const double *v = s->t[j].values;
        size_t i = 0;
        while (i < np && (v[i] == vals[i] || (isnan(v[i]) && isnan(vals[i]))))
            i++;
        if (i == np)
            return 1;
    }
    return 0;
}

/* Largest unit-cube coordinate difference under which another worker's point that a proposal
 * did not see counts as the same place. Two workers whose models are fitted to the same data
 * propose within 1e-5..1e-3 of each other (test_constraints' two workers: 9 pairs of 24 trials
 * in one run in ~20, the run's best regret 9.85 against ~0.05); a step of a refining search is
 * larger than this at the budgets gpbo runs. */
static const double NEAR_UNSEEN = 2e-3;

/* seen[j] (j < s->n) = whether the mirror holds trial j's point: what a proposal drawn now sees. */
static unsigned char *seen_now(const gpbo_study *s)
{
    unsigned char *seen = malloc(s->n ? s->n : 1);
    for (size_t j = 0; seen != NULL && j < s->n; j++)
        seen[j] = (unsigned char)proposed(s, &s->t[j]);
    return seen;
}

/* Whether a trial other than id whose point was not seen (seen[j] 0, or j >= nseen) lies within
 * NEAR_UNSEEN of the encoded point u in every coordinate (NaN coordinates ignored). */
static int near_unseen(const gpbo_study *s, size_t id, const double *u, const unsigned char *seen,
                       size_t nseen)
{
    size_t d = s->space->dim;
    for (size_t j = 0; j < s->n; j++) {
        if (j == id || (j < nseen && seen[j]) || !proposed(s, &s->t[j]))
            continue;
        size_t k = 0;
        while (k < d && !(fabs(s->u[j * d + k] - u[k]) >= NEAR_UNSEEN))
            k++;
        if (k == d)
            return 1;
    }
    return 0;
}

/* Proposes the parameters of reserved trial id (its number) and stores them. Workers that
 * propose at the same moment do not see each other's points (a trial reserved and not yet
 * proposed is no pending point): their models, fitted to the same data, land on the same place
 * (a corner of the box, or within 1e-3 of each other), and half the evaluations are spent twice.
 * So a model's proposal is checked against a fresh look at the study just before it is stored,
 * and drawn again (the other points now pending) when a point it did not see lies at the same
 * place (NEAR_UNSEEN): the window shrinks from a whole proposal to one read and one write. A
 * point the model proposes again knowingly, a trial it saw, is its choice: kept. */
static int propose(gpbo_study *s, size_t id)
{
    size_t np = s->space->n, d = s->space->dim, nseen = s->n;
    int recheck = s->st != NULL && s->strat->model; /* a model's proposal with other workers */
    double *vals = malloc((np ? np : 1) * sizeof *vals);
    double *u = recheck ? malloc((d ? d : 1) * sizeof *u) : NULL; /* the rechecked point, encoded */
    unsigned char *seen = recheck ? seen_now(s) : NULL;
    int rc = vals && (!recheck || (u && seen))
                 ? draw(s, id, vals)
                 : gpbo_error_set(GPBO_ENOMEM, "study_ask: out of memory");
    for (int again = 0; rc == GPBO_OK && recheck && again < 3; again++) {
        if (taken(s, id, vals) || (rc = sync_mirror(s)) != GPBO_OK ||
            (rc = gpbo_space_encode(s->space, vals, u)) != GPBO_OK ||
            !near_unseen(s, id, u, seen, nseen))
            break;
        free(seen);
        nseen = s->n;
        if ((seen = seen_now(s)) == NULL) {
            rc = gpbo_error_set(GPBO_ENOMEM, "study_ask: out of memory");
            break;
        }
        rc = draw(s, id, vals);
    }
    if (rc == GPBO_OK && s->st) {
        lock(s);
        rc = s->st->ops->set_params(s->st, s->sid, id, vals, np);
        unlock(s);
    }
    if (rc == GPBO_OK)
        rc = mirror_set_point(s, &s->t[id], id, vals);
    free(vals);
    free(u);
    free(seen);
    return rc;
}

/* A new trial (its id in *out_id), reserved, and proposed when its values went with the
 * reservation. A strategy without a model draws from the trial number alone, not from the
 * other trials: its points for the next RESERVE_AHEAD numbers are drawn first and the one for
 * the id the trial gets is stored with it, one write instead of two (the ids other workers take
 * between this handle's last look and its reservation are skipped; beyond them it is proposed
 * after the reservation, as a Bayesian trial is). */
static size_t capped(const gpbo_study *s, size_t cap)
{
    size_t c = s->strat->capacity ? s->strat->capacity(s->sstate) : cap;
    return c < cap ? c : cap;
}

/* The points of a strategy without a model for the next numbers from s->n on (at most
 * RESERVE_AHEAD, within cap): *vals (malloc'd; NULL with *k 0 for a strategy with a model or a
 * study at its cap), *k of them. Fails only when the strategy fails on the next number. */
static int draw_ahead(gpbo_study *s, size_t cap, double **vals, size_t *k)
{
    size_t np = s->space->n;
    *vals = NULL;
    *k = 0;
    if (s->strat->model != NULL || s->n >= cap)
        return GPBO_OK;
    size_t n = cap - s->n < RESERVE_AHEAD ? cap - s->n : RESERVE_AHEAD;
    double *v = malloc(n * (np ? np : 1) * sizeof *v);
    if (v == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "study_ask: out of memory");
    for (size_t i = 0; i < n; i++) {
        int rc = draw(s, s->n + i, v + i * np);
        if (rc != GPBO_OK && i == 0) {
            free(v);
            return rc; /* the strategy fails on the next number itself */
        }
        if (rc != GPBO_OK)
            n = i; /* the ones after: proposed once reserved, should one be the id */
    }
    *vals = v;
    *k = n;
    return GPBO_OK;
}

static int reserve_new(gpbo_study *s, size_t cap, size_t *out_id)
{
    cap = capped(s, cap);
    size_t k = 0;
    double *vals = NULL;
    int rc = s->st ? draw_ahead(s, cap, &vals, &k) : GPBO_OK;
    if (rc == GPBO_OK)
        rc = reserve(s, cap, vals, k, out_id);
    free(vals);
    return rc;
}

/* Hands out this handle's reserved trial id, proposed first if its values did not come with
 * its reservation (taken back if that fails). */
static int hand_out(gpbo_study *s, size_t id, size_t *out_id, double *out_values)
{
    int rc = GPBO_OK;
    if (!proposed(s, &s->t[id]) && (rc = propose(s, id)) != GPBO_OK) {
        unreserve(s, id, 0);
        return rc;
    }
    *out_id = id;
    memcpy(out_values, s->t[id].values, s->space->n * sizeof *out_values);
    return GPBO_OK;
}

/* An in-memory study's first enqueued trial, taken by this handle (*id; left as is when there
 * is none): a stored study's asks take them as they take released trials (reclaim). */
static int take_queued_memory(gpbo_study *s, double now, size_t *id)
{
    for (size_t i = next_running(s, 0); i < s->n; i = next_running(s, i + 1)) {
        gpbo_trial_rec *r = &s->t[i];
        s->looks++;
        if (!queued(s, r))
            continue;
        if ((r->worker = strdup(s->worker)) == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "study_ask: out of memory");
        r->heartbeat = now;
        *id = i;
        break;
    }
    return GPBO_OK;
}

/* gpbo_study_enqueue's trial of valid values vals: reserved, released for any worker; started
 * at `started` (NaN: now), moved just past this handle's last reservation when it is not later
 * (a reservation is found again by its started time). */
static int enqueue_values(gpbo_study *s, const double *vals, size_t cap, double started,
                          size_t *out_id)
{
    size_t id = 0;
    int rc = sync_mirror(s);
    if (rc != GPBO_OK)
        return rc;
    double last = s->last_started;
    /* no worker, heartbeat 0: released, so that the next ask of any handle takes it */
    gpbo_trial_rec r = reservation(s, vals);
    if (!isnan(started)) /* in place of the now reservation() stamped: the handle's last */
        s->last_started = r.started = started > last ? started : nextafter(last, INFINITY);
    r.worker = NULL;
    r.heartbeat = 0;
    if (s->st == NULL) {
        if (s->n >= cap)
            return gpbo_error_set(GPBO_EEXHAUSTED, "study '%s' holds %zu trials, its cap is %zu",
                                  s->name, s->n, cap);
        id = r.id = s->n;
        rc = mirror_add(s, &r);
    } else {
        lock(s);
        rc = s->st->ops->reserve(s->st, s->sid, &r, s->space->n, 0, cap, &id);
        unlock(s);
        if (rc == GPBO_OK)
            rc = sync_mirror(s);
    }
    if (rc == GPBO_OK && out_id != NULL)
        *out_id = id;
    return rc;
}

/* The point values checked against the space (GPBO_EINVAL naming the parameter, the message
 * prefixed by fn) into *out (malloc'd, the caller frees it), an inactive parameter's value, which
 * encode does not read, NaN as every trial's. *out NULL on failure. */
static int checked_point(const gpbo_study *s, const char *fn, const double *values, double **out)
{
    size_t d = s->space->dim, np = s->space->n;
    double *u = malloc((d ? d : 1) * sizeof *u), *vals = malloc((np ? np : 1) * sizeof *vals);
    *out = NULL;
    if (u == NULL || vals == NULL) {
        free(u);
        free(vals);
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", fn);
    }
    int rc = gpbo_space_encode(s->space, values, u); /* validates against the space */
    free(u);
    if (rc != GPBO_OK) {
        free(vals);
        return gpbo_error_prefix("%s: ", fn);
    }
    /* a stepped value within rounding of its grid point is stored as that point, so the study
     * holds the values its strategies would give */
    for (size_t i = 0; i < np; i++)
        vals[i] = gpbo_space_active(s->space, values, i)
                      ? gpbo_search__snap(&s->space->p[i], values[i])
                      : NAN;
    *out = vals;
    return GPBO_OK;
}

int gpbo_study_enqueue(gpbo_study *s, const double *values, size_t cap, size_t *out_id)
{
    return gpbo_study_enqueue_started(s, values, cap, NAN, out_id);
}

int gpbo_study_enqueue_started(gpbo_study *s, const double *values, size_t cap, double started,
                               size_t *out_id)
{
    if (s == NULL || values == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_enqueue: NULL argument");
    if (!isnan(started) && !(isfinite(started) && started > 0 && started <= now_s()))
        return gpbo_error_set(GPBO_EINVAL,
                              "study_enqueue: a started time is seconds since the epoch, not "
                              "after now (%g)",
                              started);
    double *vals = NULL;
    int rc = checked_point(s, "study_enqueue", values, &vals);
    if (rc == GPBO_OK)
        rc = enqueue_values(s, vals, cap, started, out_id);
    free(vals);
    return rc;
}

/* A result's intermediate values checked as gpbo_study_report_many checks them. */
static int check_steps(const gpbo_trial_result *res)
{
    if (res->n_steps > 0 && (res->steps == NULL || res->step_values == NULL))
        return gpbo_error_set(GPBO_EINVAL, "study_add_trial: NULL steps or step values");
    for (size_t i = 0; i < res->n_steps; i++)
        if (!isfinite(res->step_values[i]) || res->steps[i] < 0)
            return gpbo_error_set(GPBO_EINVAL,
                                  "study_add_trial: intermediate value %zu: step %ld value %g (a "
                                  "step is >= 0, a value finite)",
                                  i, res->steps[i], res->step_values[i]);
    return GPBO_OK;
}

/* Sets the n user attributes keys[i] = json[i] of res in m. */
static int merge_attrs(gpbo_metrics *m, const gpbo_trial_result *res)
{
    for (size_t i = 0; i < res->n_user_attrs; i++) {
        if (res->user_attr_keys[i] == NULL || res->user_attr_values[i] == NULL)
            return gpbo_error_set(GPBO_EINVAL, "user attribute %zu: NULL key or value", i);
        int rc = gpbo_search__attrs_set(m, res->user_attr_keys[i], res->user_attr_values[i]);
        if (rc != GPBO_OK)
            return rc;
    }
    return GPBO_OK;
}

/* gpbo_study_add_trial's result checked before anything is stored: its version, state and
 * values, its metrics and user attributes (merged into a scratch list, as set_metrics and
 * set_user_attr would merge them), and its intermediate values. */
static int check_result(const gpbo_study *s, const gpbo_trial_result *res)
{
    size_t k = s->opts.n_objectives >= 2 ? s->opts.n_objectives : 1;
    if (res == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_add_trial: NULL result");
    if (res->state != GPBO_TRIAL_COMPLETE && res->state != GPBO_TRIAL_FAILED &&
        res->state != GPBO_TRIAL_PRUNED)
        return gpbo_error_set(
            GPBO_EINVAL, "study_add_trial: state %d (a trial is added complete, failed or pruned)",
            (int)res->state);
    if (res->state == GPBO_TRIAL_COMPLETE && res->values == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_add_trial: a complete trial without values");
    for (size_t j = 0; res->state == GPBO_TRIAL_COMPLETE && j < k; j++)
        if (!isfinite(res->values[j]))
            return gpbo_error_set(GPBO_EINVAL, "study_add_trial: value %zu is %g (not finite)", j,
                                  res->values[j]);
    if (res->n_metrics > 0 && (res->metric_names == NULL || res->metric_values == NULL))
        return gpbo_error_set(GPBO_EINVAL, "study_add_trial: NULL metric names or values");
    if (res->n_user_attrs > 0 && (res->user_attr_keys == NULL || res->user_attr_values == NULL))
        return gpbo_error_set(GPBO_EINVAL, "study_add_trial: NULL user attribute keys or values");
    int rc = check_steps(res);
    if (rc != GPBO_OK)
        return rc;
    gpbo_metrics scratch = {0};
    rc =
        gpbo_search__metrics_merge(&scratch, res->n_metrics, res->metric_names, res->metric_values);
    if (rc == GPBO_OK)
        rc = merge_attrs(&scratch, res);
    gpbo_search__metrics_clear(&scratch);
    return rc == GPBO_OK ? GPBO_OK : gpbo_error_prefix("study_add_trial: ");
}

/* Room in r for n more intermediate values. GPBO_ENOMEM (r unchanged but for its capacity). */
static int steps_room(gpbo_trial_rec *r, size_t n)
{
    if (r->nsteps + n <= r->stepcap)
        return GPBO_OK;
    size_t nc = r->stepcap ? r->stepcap : 16;
    while (nc < r->nsteps + n)
        nc *= 2;
    long *ns = realloc(r->steps, nc * sizeof *ns);
    if (ns)
        r->steps = ns;
    double *nv = realloc(r->step_values, nc * sizeof *nv);
    if (nv)
        r->step_values = nv;
    if (!ns || !nv)
        return gpbo_error_set(GPBO_ENOMEM, "out of memory");
    r->stepcap = nc;
    return GPBO_OK;
}

static size_t step_index(const gpbo_trial_rec *r, long step);

/* Puts n intermediate values into r, which has room for them (steps_room): a step it holds
 * takes the new value. This function cannot fail. */
static void steps_put(gpbo_trial_rec *r, size_t n, const long *steps, const double *values)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = step_index(r, steps[i]);
        r->steps[k] = steps[i];
        r->step_values[k] = values[i];
        if (k == r->nsteps)
            r->nsteps++;
    }
}

/* Finishes trial id, reserved by gpbo_study_add_trial, with res (checked): its metrics, then
 * the outcome through the tells. */
static int finish_added(gpbo_study *s, size_t id, const gpbo_trial_result *res)
{
    int rc = GPBO_OK;
    if (res->n_metrics > 0)
        rc = gpbo_study_set_metrics(s, id, res->n_metrics, res->metric_names, res->metric_values);
    for (size_t i = 0; rc == GPBO_OK && i < res->n_user_attrs; i++)
        rc = gpbo_study_set_user_attr(s, id, res->user_attr_keys[i], res->user_attr_values[i]);
    /* the intermediate values go with the tell, in its storage transaction (store_steps) */
    gpbo_trial_rec *r = &s->t[id];
    if (rc == GPBO_OK && res->n_steps > 0 && (rc = steps_room(r, res->n_steps)) == GPBO_OK) {
        steps_put(r, res->n_steps, res->steps, res->step_values);
        r->store_steps = 1;
    }
    if (rc != GPBO_OK)
        return rc;
    if (res->state == GPBO_TRIAL_FAILED)
        rc = gpbo_study_tell_failed(s, id, res->reason ? res->reason : "failed");
    else if (res->state == GPBO_TRIAL_PRUNED)
        rc = gpbo_study_tell_pruned(s, id);
    else
        rc = gpbo_study_tell_values(s, id, gpbo_study_nobjectives(s), res->values);
    if (id < s->n) /* the tell may have brought the mirror up to date: t moved */
        s->t[id].store_steps = 0;
    return rc;
}

/* The record of trial vals finished with res (checked), as the tells would store it: its
 * metrics, then the objectives' values as the metrics named so (gpbo_study_tell_values), the
 * first one the value; a failed trial's reason as UTF-8; a pruned trial as
 * gpbo_study_tell_pruned stores one: no value (NaN), no reason, its intermediate values. */
static int added_record(gpbo_study *s, const double *vals, const gpbo_trial_result *res,
                        gpbo_trial_rec *r)
{
    *r = reservation(s, vals);
    r->state = res->state;
    r->finished = r->started;
    int rc = gpbo_search__metrics_merge(&r->metrics, res->n_metrics, res->metric_names,
                                        res->metric_values);
    if (rc == GPBO_OK)
        rc = merge_attrs(&r->metrics, res);
    if (rc == GPBO_OK && res->n_steps > 0 && (rc = steps_room(r, res->n_steps)) == GPBO_OK)
        steps_put(r, res->n_steps, res->steps, res->step_values);
    r->store_steps = r->nsteps > 0;
    if (rc == GPBO_OK && res->state == GPBO_TRIAL_COMPLETE && s->opts.n_objectives >= 2)
        rc = gpbo_search__metrics_merge(&r->metrics, s->opts.n_objectives, s->opts.objective_names,
                                        res->values);
    if (res->state == GPBO_TRIAL_COMPLETE)
        r->value = res->values[0];
    else if (res->state == GPBO_TRIAL_PRUNED)
        r->value = NAN;
    else if (rc == GPBO_OK &&
             (r->reason = gpbo_utf8_repair(res->reason ? res->reason : "failed")) == NULL)
        rc = gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    return rc;
}

/* gpbo_study_add_trial in one storage transaction (the backend's add_finished): nothing of it
 * is stored unless all of it is. */
static int add_at_once(gpbo_study *s, const double *vals, const gpbo_trial_result *res, size_t cap,
                       size_t *out_id)
{
    gpbo_trial_rec r;
    int rc = added_record(s, vals, res, &r);
    if (rc == GPBO_OK) {
        lock(s);
        rc = s->st->ops->add_finished(s->st, s->sid, &r, s->space->n, cap, out_id);
        unlock(s);
    }
    /* the trial as stored, and whatever others added meanwhile; should this read fail, the
     * trial is stored all the same and the handle's next look brings it in */
    if (rc == GPBO_OK)
        sync_mirror(s);
    free(r.reason);
    free(r.steps);
    free(r.step_values);
    gpbo_search__metrics_clear(&r.metrics);
    return rc;
}

int gpbo_study_add_trial(gpbo_study *s, const double *values, const gpbo_trial_result *res,
                         size_t cap, size_t *out_id)
{
    if (s == NULL || values == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_add_trial: NULL argument");
    double *vals = NULL;
    size_t id = 0;
    gpbo_trial_result r; /* the caller's, of its version, as this library's */
    int rc = res ? gpbo_options_load(&RESULT, "study_add_trial", res, &r) : GPBO_OK;
    res = res ? &r : NULL;
    if (rc == GPBO_OK)
        rc = check_result(s, res);
    if (rc == GPBO_OK)
        rc = checked_point(s, "study_add_trial", values, &vals);
    if (rc == GPBO_OK)
        rc = sync_mirror(s);
    if (rc == GPBO_OK && s->st && s->st->ops->add_finished) {
        rc = add_at_once(s, vals, res, cap, &id);
        free(vals);
        if (rc == GPBO_OK && out_id != NULL)
            *out_id = id;
        return rc;
    }
    /* reserved as running under this handle, its values with it, then finished at once */
    if (rc == GPBO_OK)
        rc = reserve(s, cap, vals, 0, &id);
    free(vals);
    if (rc != GPBO_OK)
        return rc;
    if ((rc = finish_added(s, id, res)) != GPBO_OK) {
        if (id < s->n) {
            gpbo_search__metrics_clear(&s->t[id].metrics);
            s->t[id].nsteps = 0; /* none was stored: they went with the tell */
        }
        unreserve(s, id, 1);
        return rc;
    }
    if (out_id != NULL)
        *out_id = id;
    return GPBO_OK;
}

int gpbo_study_ask_capped(gpbo_study *s, size_t cap, size_t *out_id, double *out_values)
{
    if (s == NULL || out_id == NULL || out_values == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_ask: NULL argument");
    s->asked = 1;
    int rc = sync_mirror(s);
    if (rc == GPBO_OK)
        rc = start_heartbeat(s);
    if (rc != GPBO_OK)
        return rc;
    size_t id = s->n;
    double now = now_s();
    if (s->st == NULL && (rc = take_queued_memory(s, now, &id)) != GPBO_OK)
        return rc;
    /* the running trials alone, in the order of ids (a trial not running is never taken) */
    for (size_t i = next_running(s, 0); s->st && i < s->n && id == s->n;
         i = next_running(s, i + 1)) {
        gpbo_trial_rec *r = &s->t[i];
        int released = 0, won = 0;
        s->looks++;
        if (r->state == GPBO_TRIAL_RUNNING && mine(s, r) && !proposed(s, r)) {
            id = i; /* reserved here by an ask whose proposal failed, and not taken back */
            break;
        }
        if (r->state != GPBO_TRIAL_RUNNING || mine(s, r) || !lost(s, r, now, &released))
            continue;
        if ((rc = reclaim(s, r, now, released, &won)) != GPBO_OK)
            return rc;
        if (won)
            id = i;
    }
    if (id == s->n && (rc = reserve_new(s, cap, &id)) != GPBO_OK)
        return rc;
    return hand_out(s, id, out_id, out_values);
}

size_t gpbo_search__study_looks(const gpbo_study *s)
{
    return s->looks;
}

int gpbo_study_ask(gpbo_study *s, size_t *out_id, double *out_values)
{
    return gpbo_study_ask_capped(s, SIZE_MAX, out_id, out_values);
}

/* ---- telling --------------------------------------------------------------------------------- */

static gpbo_trial_rec *running(gpbo_study *s, const char *fn, size_t id)
{
    if (s == NULL) {
        gpbo_error_set(GPBO_EINVAL, "%s: study is NULL", fn);
        return NULL;
    }
    if (id >= s->n && sync_mirror(s) != GPBO_OK) /* asked through another handle */
        return NULL;
    if (id >= s->n) {
        gpbo_error_set(GPBO_ENOTFOUND, "%s: study '%s' has no trial %zu", fn, s->name, id);
        return NULL;
    }
    if (s->t[id].state != GPBO_TRIAL_RUNNING) {
        gpbo_error_set(GPBO_ESTATE, "%s: trial %zu of study '%s' is already finished", fn, id,
                       s->name);
        return NULL;
    }
    return &s->t[id];
}

static int finish(gpbo_study *s, gpbo_trial_rec *r, gpbo_trial_state state, double value,
                  const char *reason)
{
    gpbo_trial_rec c = *r;
    c.state = state;
    c.value = state == GPBO_TRIAL_COMPLETE ? value : NAN;
    c.started = told_started(r);
    c.finished = now_s();
    /* a reason is free text (a program's last line of stderr): stored as valid UTF-8, which
     * the JSON of an export and PostgreSQL's text require */
    char *rcopy = reason ? gpbo_utf8_repair(reason) : NULL;
    if (reason && !rcopy)
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    c.reason = rcopy;
    int stored = 1, rc = GPBO_OK;
    if (s->st) {
        lock(s);
        rc = s->st->ops->finish_trial(s->st, s->sid, &c, &stored);
        unlock(s);
    }
    if (rc != GPBO_OK || !stored) {
        free(rcopy);
        if (rc != GPBO_OK)
            return rc;
        size_t id = r->id;
        sync_mirror(s); /* learn what became of it */
        return gpbo_error_set(GPBO_ESTATE,
                              "trial %zu of study '%s' was finished by another worker first (its "
                              "worker had been taken for lost); this result is not stored",
                              id, s->name);
    }
    free(r->reason);
    r->reason = rcopy;
    r->state = state;
    r->value = c.value;
    r->started = c.started;
    r->finished = c.finished;
    set_view(s, r);
    return GPBO_OK;
}

int gpbo_study_tell(gpbo_study *s, size_t id, double value)
{
    gpbo_trial_rec *r = running(s, "study_tell", id);
    if (r == NULL)
        return gpbo_error_code();
    if (!isfinite(value)) {
        char why[64];
        snprintf(why, sizeof why, "the objective returned %g", value);
        return finish(s, r, GPBO_TRIAL_FAILED, NAN, why);
    }
    return finish(s, r, GPBO_TRIAL_COMPLETE, value, NULL);
}

/* ---- telling and asking at once -------------------------------------------------------------- */

/* Whether an ask would take a trial before reserving a new one, as the mirror has them: one of
 * this handle's reserved and never proposed, or one whose worker is lost. */
static int anything_to_take(gpbo_study *s, double now)
{
    for (size_t i = next_running(s, 0); i < s->n; i = next_running(s, i + 1)) {
        const gpbo_trial_rec *r = &s->t[i];
        int released = 0;
        s->looks++;
        if (r->state == GPBO_TRIAL_RUNNING &&
            (mine(s, r) ? !proposed(s, r) : lost(s, r, now, &released)))
            return 1;
    }
    return 0;
}

/* The tell of r (state, value, reason), then an ask, one after the other. */
static int tell_then_ask(gpbo_study *s, gpbo_trial_rec *r, const gpbo_trial_rec *c, size_t cap,
                         size_t *out_id, double *out_values, int *ask_rc)
{
    int rc = finish(s, r, c->state, c->value, c->reason);
    *ask_rc =
        rc == GPBO_OK || rc == GPBO_ESTATE ? gpbo_study_ask_capped(s, cap, out_id, out_values) : rc;
    return rc;
}

/* The tell c of trial r and a new reservation in one storage call (finish_reserve: one commit),
 * for a strategy without a model; the read that follows brings the mirror up to date, the
 * tell and the new trial included. Its own look for trials to take is the mirror's, as the
 * previous call left it (the caller checked it). */
static int tell_reserve(gpbo_study *s, gpbo_trial_rec *r, const gpbo_trial_rec *c, size_t cap,
                        size_t *out_id, double *out_values, int *ask_rc)
{
    double *vals = NULL;
    size_t k = 0, nrun = 0, *ids = NULL, id = c->id;
    cap = capped(s, cap);
    if (draw_ahead(s, cap, &vals, &k) != GPBO_OK || (ids = running_ids(s, &nrun)) == NULL) {
        free(vals); /* the ask fails on its own, after the tell */
        return tell_then_ask(s, r, c, cap, out_id, out_values, ask_rc);
    }
    gpbo_trial_rec next = reservation(s, vals);
    gpbo_storage_step x = {.done = c,
                           .rec = &next,
                           .nparams = s->space->n,
                           .nahead = k,
                           .cap = cap,
                           .from = s->n,
                           .ids = ids,
                           .nids = nrun,
                           .cb = sync_cb,
                           .payload = s};
    lock(s);
    int rc = s->st->ops->finish_reserve(s->st, s->sid, &x);
    unlock(s);
    free(ids);
    free(vals);
    if (rc != GPBO_OK && x.committed && x.reserve_rc == GPBO_OK)
        unreserve(s, x.id, 1); /* the read failed: the trial is handed back, the error kept */
    if (rc != GPBO_OK) {       /* the mirror learns of a committed tell at its next look */
        *ask_rc = rc;
        return x.committed ? (x.stored ? GPBO_OK : GPBO_ESTATE) : rc;
    }
    int trc = x.stored ? GPBO_OK
                       : gpbo_error_set(GPBO_ESTATE,
                                        "trial %zu of study '%s' was finished by another worker "
                                        "first (its worker had been taken for lost); this result "
                                        "is not stored",
                                        id, s->name);
    if (x.reserve_rc != GPBO_OK) /* at the cap: a trial handed back meanwhile is still there */
        *ask_rc = gpbo_study_ask_capped(s, cap, out_id, out_values);
    else if (x.id >= s->n) /* the storage lost it between two statements */
        *ask_rc = gpbo_error_set(GPBO_ESTORAGE, "study '%s': reserved trial %zu is not stored",
                                 s->name, x.id);
    else
        *ask_rc = hand_out(s, x.id, out_id, out_values);
    return trc;
}

int gpbo_study_tell_ask(gpbo_study *s, size_t id, double value, size_t max_trials, size_t *out_id,
                        double *out_values, int *out_ask_rc)
{
    if (out_id == NULL || out_values == NULL || out_ask_rc == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_tell_ask: NULL argument");
    gpbo_trial_rec *r = running(s, "study_tell_ask", id);
    if (r == NULL) {
        int rc = gpbo_error_code();
        *out_ask_rc =
            rc == GPBO_ESTATE ? gpbo_study_ask_capped(s, max_trials, out_id, out_values) : rc;
        return rc;
    }
    char why[64];
    gpbo_trial_rec c = *r;
    c.state = isfinite(value) ? GPBO_TRIAL_COMPLETE : GPBO_TRIAL_FAILED;
    c.value = isfinite(value) ? value : NAN;
    c.reason = NULL;
    if (!isfinite(value)) {
        snprintf(why, sizeof why, "the objective returned %g", value);
        c.reason = why;
    }
    c.started = told_started(r);
    c.finished = now_s();
    s->asked = 1;
    if (s->st == NULL || s->st->ops->finish_reserve == NULL || s->strat->model != NULL ||
        start_heartbeat(s) != GPBO_OK || anything_to_take(s, c.finished))
        return tell_then_ask(s, r, &c, max_trials, out_id, out_values, out_ask_rc);
    return tell_reserve(s, r, &c, max_trials, out_id, out_values, out_ask_rc);
}

int gpbo_study_tell_failed(gpbo_study *s, size_t id, const char *reason)
{
    gpbo_trial_rec *r = running(s, "study_tell_failed", id);
    return r ? finish(s, r, GPBO_TRIAL_FAILED, NAN, reason ? reason : "failed") : gpbo_error_code();
}

int gpbo_study_tell_pruned(gpbo_study *s, size_t id)
{
    gpbo_trial_rec *r = running(s, "study_tell_pruned", id);
    return r ? finish(s, r, GPBO_TRIAL_PRUNED, NAN, NULL) : gpbo_error_code();
}

int gpbo_study_report(gpbo_study *s, size_t id, long step, double value)
{
    return gpbo_study_report_many(s, id, 1, &step, &value);
}

/* Index of step among the trial's intermediate values, or r->nsteps. Searched from the end:
 * steps nearly always arrive in increasing order. */
static size_t step_index(const gpbo_trial_rec *r, long step)
{
    for (size_t k = r->nsteps; k-- > 0;)
        if (r->steps[k] == step)
            return k;
    return r->nsteps;
}

int gpbo_study_report_many(gpbo_study *s, size_t id, size_t n, const long *steps,
                           const double *values)
{
    gpbo_trial_rec *r = running(s, "study_report", id);
    if (r == NULL)
        return gpbo_error_code();
    if (n > 0 && (steps == NULL || values == NULL))
        return gpbo_error_set(GPBO_EINVAL, "study_report: NULL steps or values");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(values[i]) || steps[i] < 0)
            return gpbo_error_set(GPBO_EINVAL,
                                  "study_report: trial %zu: step %ld value %g (a step is >= 0, "
                                  "a value finite)",
                                  id, steps[i], values[i]);
    if (n == 0)
        return GPBO_OK;
    /* room for n new steps first, so that nothing can fail after the storage has them */
    if (steps_room(r, n) != GPBO_OK)
        return gpbo_error_prefix("study_report: ");
    int rc = s->st ? s->st->ops->report(s->st, s->sid, id, n, steps, values) : GPBO_OK;
    if (rc != GPBO_OK)
        return rc;
    steps_put(r, n, steps, values);
    return GPBO_OK;
}

int gpbo_study_set_metrics(gpbo_study *s, size_t id, size_t n, const char *const *names,
                           const double *values)
{
    if (n > 0 && (names == NULL || values == NULL))
        return gpbo_error_set(GPBO_EINVAL, "study_set_metrics: NULL argument");
    gpbo_trial_rec *r = running(s, "study_set_metrics", id);
    if (r == NULL)
        return gpbo_error_code();
    int rc = gpbo_search__metrics_merge(&r->metrics, n, names, values);
    return rc == GPBO_OK ? GPBO_OK : gpbo_error_prefix("study_set_metrics: ");
}

int gpbo_study_trial_metrics(const gpbo_study *s, size_t id, size_t *out_n,
                             const char *const **out_names, const double **out_values)
{
    if (s == NULL || out_n == NULL || out_names == NULL || out_values == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_trial_metrics: NULL argument");
    if (id >= s->n)
        return gpbo_error_set(GPBO_ENOTFOUND, "study '%s' has no trial %zu", s->name, id);
    const gpbo_metrics *m = &s->t[id].metrics;
    *out_n = m->n;
    *out_names = (const char *const *)m->names;
    *out_values = m->values;
    return GPBO_OK;
}

int gpbo_study_set_user_attr(gpbo_study *s, size_t id, const char *key, const char *json)
{
    if (key == NULL || json == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_set_user_attr: NULL argument");
    gpbo_trial_rec *r = running(s, "study_set_user_attr", id);
    if (r == NULL)
        return gpbo_error_code();
    int rc = gpbo_search__attrs_set(&r->metrics, key, json);
    return rc == GPBO_OK ? GPBO_OK : gpbo_error_prefix("study_set_user_attr: ");
}

int gpbo_study_trial_user_attrs(const gpbo_study *s, size_t id, const char **out_json)
{
    if (s == NULL || out_json == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_trial_user_attrs: NULL argument");
    if (id >= s->n)
        return gpbo_error_set(GPBO_ENOTFOUND, "study '%s' has no trial %zu", s->name, id);
    *out_json = s->t[id].metrics.attrs;
    return GPBO_OK;
}

/* A study attribute read from the storage, added to the object being built (payload). */
static int attr_read(void *payload, const char *key, const char *json)
{
    int rc = gpbo_search__attrs_set(payload, key, json);
    return rc == GPBO_EINVAL ? gpbo_error_set(GPBO_EFORMAT,
                                              "study attribute '%s' is malformed "
                                              "in the storage",
                                              key)
                             : rc;
}

int gpbo_study_remove_if_empty(gpbo_study *s, int *out_removed)
{
    int removed = 0, rc = GPBO_OK;
    if (out_removed != NULL)
        *out_removed = 0;
    if (s == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_remove_if_empty: NULL study");
    if (s->st != NULL && s->st->ops->drop_empty != NULL) {
        lock(s);
        rc = s->st->ops->drop_empty(s->st, s->sid, &removed);
        unlock(s);
    }
    if (rc != GPBO_OK)
        return gpbo_error_prefix("study_remove_if_empty: ");
    if (out_removed != NULL)
        *out_removed = removed;
    return GPBO_OK;
}

int gpbo_study_set_attr(gpbo_study *s, const char *key, const char *json)
{
    if (s == NULL || key == NULL || json == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_set_attr: NULL argument");
    gpbo_metrics one = {0}; /* checks key and json first: nothing is stored when they are bad */
    int rc = gpbo_search__attrs_set(&one, key, json);
    gpbo_search__metrics_clear(&one);
    if (rc == GPBO_OK && s->st) {
        lock(s);
        rc = s->st->ops->set_study_attr(s->st, s->sid, key, json);
        unlock(s);
    }
    if (rc == GPBO_OK)
        rc = gpbo_search__attrs_set(&s->attrs, key, json);
    return rc == GPBO_OK ? GPBO_OK : gpbo_error_prefix("study_set_attr: ");
}

int gpbo_study_attrs(gpbo_study *s, const char **out_json)
{
    if (s == NULL || out_json == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_attrs: NULL argument");
    if (s->st) {
        gpbo_metrics fresh = {0};
        lock(s);
        int rc = s->st->ops->study_attrs(s->st, s->sid, attr_read, &fresh);
        unlock(s);
        if (rc != GPBO_OK) {
            gpbo_search__metrics_clear(&fresh);
            return gpbo_error_prefix("study_attrs: ");
        }
        gpbo_search__metrics_clear(&s->attrs);
        s->attrs = fresh;
    }
    *out_json = s->attrs.attrs;
    return GPBO_OK;
}

int gpbo_study_trial_metric(const gpbo_study *s, size_t id, const char *name, double *out_value)
{
    if (s == NULL || name == NULL || out_value == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_trial_metric: NULL argument");
    if (id >= s->n)
        return gpbo_error_set(GPBO_ENOTFOUND, "study '%s' has no trial %zu", s->name, id);
    if (gpbo_search__metrics_get(&s->t[id].metrics, name, out_value) != GPBO_OK)
        return gpbo_error_set(GPBO_ENOTFOUND, "trial %zu of study '%s' has no metric '%s'", id,
                              s->name, name);
    return GPBO_OK;
}

static void info_of(const gpbo_trial_rec *r, gpbo_trial_info *out)
{
    out->id = r->id;
    out->state = r->state;
    out->value = r->value;
    out->values = r->values;
    out->reason = r->reason;
    out->nsteps = r->nsteps;
    out->steps = r->steps;
    out->step_values = r->step_values;
    out->started = r->started;
    out->finished = r->finished;
}

int gpbo_study_trial(const gpbo_study *s, size_t id, gpbo_trial_info *out)
{
    if (s == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_trial: NULL argument");
    if (id >= s->n)
        return gpbo_error_set(GPBO_ENOTFOUND, "study '%s' has no trial %zu", s->name, id);
    info_of(&s->t[id], out);
    return GPBO_OK;
}

int gpbo_study_trial_lost(const gpbo_study *s, size_t id)
{
    int released;
    if (s == NULL || id >= s->n || s->t[id].state != GPBO_TRIAL_RUNNING || mine(s, &s->t[id]) ||
        queued(s, &s->t[id]))
        return 0;
    if (!lost(s, &s->t[id], now_s(), &released))
        return 0;
    /* as reclaim() decides: a loss past lost_retries fails it, a hand-back counts none */
    return !released && s->t[id].retries >= s->opts.lost_retries ? 2 : 1;
}

int gpbo_study_trial_queued(const gpbo_study *s, size_t id)
{
    return s != NULL && id < s->n && queued(s, &s->t[id]);
}

int gpbo_study_best(const gpbo_study *s, gpbo_trial_info *out)
{
    if (s == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_best: NULL argument");
    size_t best = s->n, complete = 0;
    for (size_t i = 0; i < s->n; i++) {
        complete += s->states[i] == GPBO_TRIAL_COMPLETE;
        if (gpbo_study_trial_feasible(s, i) && (best == s->n || s->y[i] < s->y[best]))
            best = i;
    }
    if (best == s->n && complete > 0)
        return gpbo_error_set(GPBO_ENOTFOUND,
                              "study '%s' has no feasible trial: none of its %zu complete trials "
                              "meets its %zu constraint%s",
                              s->name, complete, s->opts.n_constraints,
                              s->opts.n_constraints == 1 ? "" : "s");
    if (best == s->n)
        return gpbo_error_set(GPBO_ENOTFOUND, "study '%s' has no complete trial", s->name);
    info_of(&s->t[best], out);
    return GPBO_OK;
}

int gpbo_study_trial_feasible(const gpbo_study *s, size_t id)
{
    return s != NULL && id < s->n && s->states[id] == GPBO_TRIAL_COMPLETE &&
           gpbo_search__feasible(&s->opts, &s->t[id].metrics);
}

int gpbo_study_model(gpbo_study *s, gpbo_gp **out, gpbo_study_model_info *info)
{
    return gpbo_study_model_capped(s, SIZE_MAX, out, info, NULL);
}

int gpbo_study_model_capped(gpbo_study *s, size_t max_obs, gpbo_gp **out,
                            gpbo_study_model_info *info, size_t *total)
{
    gpbo_study_model_info unused;
    size_t unused_total;
    if (out != NULL)
        *out = NULL;
    if (total == NULL)
        total = &unused_total;
    *total = 0;
    if (info == NULL)
        info = &unused;
    memset(info, 0, sizeof *info);
    if (s == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_model: NULL argument");
    if (max_obs == 0)
        return gpbo_error_set(GPBO_EINVAL, "study_model: a model of 0 observations");
    if (s->strat->model == NULL)
        return gpbo_error_set(GPBO_ENOTFOUND, "study '%s': strategy '%s' has no model", s->name,
                              s->strategy_name);
    int rc = sync_mirror(s);
    if (rc != GPBO_OK)
        return rc;
    gpbo_search_view view;
    double *cbuf = NULL, *ybuf = NULL;
    if ((rc = refresh_views(s)) == GPBO_OK && (rc = view_of(s, &view, &cbuf, &ybuf)) == GPBO_OK)
        rc = s->strat->model(s->sstate, &view, max_obs, out, info, total);
    if (rc != GPBO_OK) {
        memset(info, 0, sizeof *info);
        *total = 0;
    }
    free(cbuf);
    free(ybuf);
    return rc;
}

/* The trial of the smallest posterior mean among the feasible ones of gp's study, and that mean
 * in the user's sign (through info's warping). GPBO_ENOMEM, GPBO_ENOTFOUND (no feasible trial),
 * or what the prediction returned. */
static int model_best(gpbo_study *s, gpbo_gp *gp, const gpbo_study_model_info *info, size_t *at,
                      double *predicted)
{
    size_t d = s->space->dim, best = s->n;
    double *u = malloc((d ? d : 1) * sizeof *u), mu = 0, low = INFINITY;
    int rc = u ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "study_recommend: out of memory");
    for (size_t i = 0; rc == GPBO_OK && i < s->n; i++) {
        if (!gpbo_study_trial_feasible(s, i))
            continue;
        rc = gpbo_space_encode(s->space, s->t[i].values, u);
        if (rc == GPBO_OK)
            rc = gpbo_gp_predict(gp, 1, u, &mu, NULL);
        if (rc == GPBO_OK && (best == s->n || mu < low)) {
            best = i;
            low = mu;
        }
    }
    free(u);
    if (rc != GPBO_OK)
        return rc;
    if (best == s->n)
        return gpbo_error_set(GPBO_ENOTFOUND, "study '%s' has no feasible trial", s->name);
    double y = info->warped ? exp(low) + info->lo - info->delta : low;
    *at = best;
    *predicted = s->opts.direction == GPBO_MAXIMIZE ? -y : y;
    return GPBO_OK;
}

/* gpbo_study_recommend's arguments and objectives checked: GPBO_OK or GPBO_EINVAL. */
static int recommend_check(const gpbo_study *s, const gpbo_trial_info *out)
{
    if (s == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_recommend: NULL argument");
    if (gpbo_study_nobjectives(s) > 1)
        return gpbo_error_set(GPBO_EINVAL,
                              "study '%s' has several objectives: its best trials are its Pareto "
                              "front",
                              s->name);
    return GPBO_OK;
}

int gpbo_study_recommend_model(gpbo_study *s, gpbo_gp *gp, const gpbo_study_model_info *info,
                               gpbo_trial_info *out, double *predicted)
{
    int rc = recommend_check(s, out);
    if (rc != GPBO_OK)
        return rc;
    if (gp == NULL || info == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_recommend: NULL model");
    if (gpbo_gp_dim(gp) != s->space->dim)
        return gpbo_error_set(GPBO_EINVAL,
                              "study_recommend: a model of %zu coordinates, the study has %zu",
                              gpbo_gp_dim(gp), s->space->dim);
    size_t at = s->n;
    double noise = 0, y = NAN;
    rc = gpbo_search__recommend_fit(gp, s->space, &s->opts, &noise);
    /* a model that sees (next to) no noise predicts each observed value back: the best
     * observation is its best estimate */
    if (rc == GPBO_OK && noise >= GPBO_RECOMMEND_NOISE)
        rc = model_best(s, gp, info, &at, &y);
    if (rc != GPBO_OK)
        return rc;
    if (at == s->n) {
        if ((rc = gpbo_study_best(s, out)) == GPBO_OK && predicted)
            *predicted = out->value;
        return rc;
    }
    info_of(&s->t[at], out);
    if (predicted)
        *predicted = y;
    return GPBO_OK;
}

int gpbo_study_recommend_capped(gpbo_study *s, size_t max_obs, gpbo_trial_info *out,
                                double *predicted, size_t *total)
{
    size_t unused;
    if (total == NULL)
        total = &unused;
    *total = 0;
    int rc = recommend_check(s, out);
    if (rc != GPBO_OK)
        return rc;
    gpbo_gp *gp = NULL;
    gpbo_study_model_info info;
    if ((rc = gpbo_study_model_capped(s, max_obs, &gp, &info, total)) == GPBO_OK)
        rc = gpbo_study_recommend_model(s, gp, &info, out, predicted);
    gpbo_gp_free(gp);
    if (rc != GPBO_OK)
        *total = 0;
    return rc;
}

/* Past GPBO_RECOMMEND_MAX_OBS observations the exact GP of every one would cost minutes (O(n^3):
 * 118 s of CPU at 3000 observations of 4 parameters): the capped model bounds it (search.h). */
int gpbo_study_recommend(gpbo_study *s, gpbo_trial_info *out, double *predicted)
{
    return gpbo_study_recommend_capped(s, GPBO_RECOMMEND_MAX_OBS, out, predicted, NULL);
}

void gpbo_study_counts(const gpbo_study *s, size_t out[GPBO_TRIAL_STATE_COUNT])
{
    if (out == NULL) /* no status to return it in */
        return;
    memset(out, 0, GPBO_TRIAL_STATE_COUNT * sizeof *out);
    for (size_t i = 0; s && i < s->n; i++)
        out[s->states[i]]++;
}

int gpbo_study_optimize(gpbo_study *s, gpbo_objective_fn fn, void *payload, size_t n_trials)
{
    if (s == NULL || fn == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_optimize: study or fn is NULL");
    double *vals = malloc((s->space->n ? s->space->n : 1) * sizeof *vals);
    if (vals == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "study_optimize: out of memory");
    int rc = GPBO_OK;
    for (;;) {
        size_t c[GPBO_TRIAL_STATE_COUNT];
        gpbo_study_counts(s, c);
        if (c[GPBO_TRIAL_COMPLETE] + c[GPBO_TRIAL_FAILED] + c[GPBO_TRIAL_PRUNED] >= n_trials)
            break;
        size_t id;
        rc = gpbo_study_ask_capped(s, n_trials, &id, vals);
        if (rc == GPBO_EEXHAUSTED) {
            rc = GPBO_OK;
            break;
        }
        if (rc != GPBO_OK)
            break;
        double v = NAN;
        gpbo_error_clear();
        int frc = fn(s->space, id, vals, &v, payload);
        if (frc != 0) {
            const char *m = gpbo_error_code() != GPBO_OK ? gpbo_error_message() : NULL;
            char why[256];
            snprintf(why, sizeof why, "the objective failed (%d)%s%s", frc, m ? ": " : "",
                     m ? m : "");
            rc = gpbo_study_tell_failed(s, id, why);
        } else {
            rc = gpbo_study_tell(s, id, v);
        }
        if (rc != GPBO_OK)
            break;
    }
    free(vals);
    return rc;
}
