/*
 * study.c: ask / tell studies. The study keeps a mirror of its trials in memory and writes
 * every change through to its storage (SQLite, or nothing for an in-memory study) before it
 * takes effect in the mirror, so what a caller was told succeeded is on disk. Strategies draw
 * their randomness from a generator seeded with the study seed and the trial number: a study
 * reopened after a crash proposes what an uninterrupted one would have.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpbo/sys/error.h"
#include "gpbo/sys/options.h"
#include "../base/json_safe.h"
#include "search_internal.h"

struct gpbo_study {
    gpbo_space *space;
    char *name;
    char *strategy_name;
    gpbo_study_options opts;
    gpbo_storage *st;
    int64_t sid;
    const gpbo_strategy_def *strat;
    void *sstate;
    gpbo_trial_rec *t;
    size_t n, cap;
    /* the strategy's view: encoded points, minimization-sign values, states (n entries) */
    double *u, *y;
    gpbo_trial_state *states;
    size_t vcap;
};

/* The bytes of each version of gpbo_study_options (the header lists the versions); index 0 is
 * unused. */
static const size_t OPTIONS_SIZE[GPBO_STUDY_OPTIONS_VERSION + 1] = {
    0, GPBO_OPTIONS_FIELD_END(gpbo_study_options, use_priors),
    GPBO_OPTIONS_FIELD_END(gpbo_study_options, additive),
    GPBO_OPTIONS_FIELD_END(gpbo_study_options, restart)};
static const gpbo_study_options DEFAULTS = GPBO_STUDY_OPTIONS_INIT;
static const gpbo_options_type OPTIONS = {
    "study_options_init",       "options",    "GPBO_STUDY_OPTIONS_INIT",
    GPBO_STUDY_OPTIONS_VERSION, OPTIONS_SIZE, &DEFAULTS};

int gpbo_study_options_init(gpbo_study_options *o, unsigned int version)
{
    return gpbo_options_init(&OPTIONS, o, version);
}

/* The caller's options (NULL: the defaults) as a struct of this library's version. */
static int load_options(const gpbo_study_options *opts, gpbo_study_options *out)
{
    return gpbo_options_load(&OPTIONS, "study_open", opts, out);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

char *gpbo_search__options_to_json(const gpbo_study_options *o)
{
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    json_t *j = json_pack(
        "{s:i, s:s, s:s, s:I, s:i, s:I, s:I, s:i, s:i, s:i, s:I, s:i, s:i, s:i, s:I}", "direction",
        (int)o->direction, "strategy", o->strategy, "seed", seed, "grid_resolution",
        (json_int_t)o->grid_resolution, "grid_shuffle", o->grid_shuffle, "lhs_size",
        (json_int_t)o->lhs_size, "n_init", (json_int_t)o->n_init, "kernel", (int)o->kernel,
        "acquisition", (int)o->acquisition, "batch", (int)o->batch, "refit_every",
        (json_int_t)o->refit_every, "failed", (int)o->failed, "use_priors", o->use_priors,
        "additive", o->additive, "restart", (json_int_t)o->restart);
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
    const char *strat = NULL, *seed = NULL;
    if (j == NULL && code == GPBO_ENOMEM)
        return gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
    if (j == NULL ||
        json_unpack_ex(
            j, &e, 0, "{s:i, s:s, s:s, s:I, s:i, s:I, s:I, s:i, s:i, s:i, s:I, s:i, s:i, s?i, s?I}",
            "direction", &dir, "strategy", &strat, "seed", &seed, "grid_resolution", &res,
            "grid_shuffle", &shuffle, "lhs_size", &lhs, "n_init", &ninit, "kernel", &kernel,
            "acquisition", &acq, "batch", &batch, "refit_every", &refit, "failed", &failed,
            "use_priors", &priors, "additive", &additive, "restart", &restart) != 0) {
        json_decref(j);
        if (j != NULL && json_error_code(&e) == json_error_out_of_memory)
            return gpbo_error_set(GPBO_ENOMEM, "study options: out of memory");
        return gpbo_error_set(GPBO_EFORMAT, "the stored study options are malformed");
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
}

void gpbo_study_close(gpbo_study *s)
{
    if (s == NULL)
        return;
    if (s->strat && s->strat->free)
        s->strat->free(s->sstate);
    if (s->st)
        s->st->ops->close(s->st);
    for (size_t i = 0; i < s->n; i++)
        rec_clear(&s->t[i]);
    free(s->t);
    free(s->u);
    free(s->y);
    free(s->states);
    gpbo_space_free(s->space);
    free(s->name);
    free(s->strategy_name);
    free(s);
}

/* What the strategies see of a trial (minimization sign): its value when complete; for a
 * pruned trial its last intermediate value (a pessimistic stand-in that still tells the model
 * the region is poor); NaN otherwise. */
static double view_value(const gpbo_study *s, const gpbo_trial_rec *r)
{
    double sign = s->opts.direction == GPBO_MAXIMIZE ? -1.0 : 1.0;
    if (r->state == GPBO_TRIAL_COMPLETE)
        return sign * r->value;
    if (r->state == GPBO_TRIAL_PRUNED && r->nsteps > 0) {
        size_t last = 0;
        for (size_t k = 1; k < r->nsteps; k++)
            if (r->steps[k] > r->steps[last])
                last = k;
        return sign * r->step_values[last];
    }
    return NAN;
}

/* Appends a copy of r to the mirror (and grows the view arrays). */
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
        gpbo_trial_state *ns = realloc(s->states, nc * sizeof *ns);
        if (ns)
            s->states = ns;
        if (!nu || !ny || !ns)
            return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
        s->cap = nc;
    }
    gpbo_trial_rec c = *r;
    c.values = malloc((np ? np : 1) * sizeof *c.values);
    c.reason = r->reason ? strdup(r->reason) : NULL;
    c.steps = r->nsteps ? malloc(r->nsteps * sizeof *c.steps) : NULL;
    c.step_values = r->nsteps ? malloc(r->nsteps * sizeof *c.step_values) : NULL;
    c.stepcap = r->nsteps;
    if (c.values == NULL || (r->reason && !c.reason) ||
        (r->nsteps && (!c.steps || !c.step_values))) {
        rec_clear(&c);
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    }
    memcpy(c.values, r->values, np * sizeof *c.values);
    if (r->nsteps) {
        memcpy(c.steps, r->steps, r->nsteps * sizeof *c.steps);
        memcpy(c.step_values, r->step_values, r->nsteps * sizeof *c.step_values);
    }
    if (gpbo_space_encode(s->space, c.values, s->u + s->n * d) != GPBO_OK) {
        rec_clear(&c);
        return gpbo_error_prefix("study '%s', trial %zu: ", s->name, r->id);
    }
    s->y[s->n] = view_value(s, &c);
    s->states[s->n] = c.state;
    s->t[s->n++] = c;
    return GPBO_OK;
}

static int load_cb(void *payload, const gpbo_trial_rec *r)
{
    gpbo_study *s = payload;
    if (r->id != s->n)
        return gpbo_error_set(GPBO_EFORMAT,
                              "study '%s': trial ids are not consecutive (%zu "
                              "after %zu)",
                              s->name, r->id, s->n);
    int rc = mirror_add(s, r);
    if (rc == GPBO_OK)
        s->t[s->n - 1].claimed = 0; /* a running trial of an earlier process runs again */
    return rc;
}

/* "sqlite:///x.db" -> "x.db", "sqlite:////abs/x.db" -> "/abs/x.db"; plain paths as they are. */
static int storage_path(const char *url, const char **out)
{
    if (strncmp(url, "sqlite:///", 10) == 0) {
        *out = url + 10;
    } else if (strstr(url, "://") != NULL) {
        return gpbo_error_set(GPBO_EINVAL,
                              "storage '%s': unsupported scheme (use sqlite:///path.db)", url);
    } else {
        *out = url;
    }
    if (**out == '\0')
        return gpbo_error_set(GPBO_EINVAL, "storage '%s': the path is empty", url);
    return GPBO_OK;
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
    if (load_options(opts, &full) != GPBO_OK)
        return NULL;
    int memory = storage == NULL || strcmp(storage, ":memory:") == 0;
    if (memory && space == NULL) {
        gpbo_error_set(GPBO_EINVAL, "study_open: an in-memory study needs a space");
        return NULL;
    }
    gpbo_study *s = calloc(1, sizeof *s);
    char *sj = NULL, *oj = NULL;
    if (s == NULL || (s->name = strdup(name)) == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "study_open: out of memory");
        goto fail;
    }
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
        const char *path = NULL;
        if (storage_path(storage, &path) != GPBO_OK ||
            (s->st = gpbo_search__sqlite_open(path)) == NULL)
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
        gpbo_error_set(GPBO_EINVAL,
                       "study_open: study '%s' exists with a different search space (stored: %s)",
                       name, sj);
        goto fail;
    }
    if (gpbo_search__options_from_json(oj, &s->opts, &s->strategy_name) != GPBO_OK)
        goto fail;
    s->opts.strategy = s->strategy_name;
    if ((s->strat = gpbo_search__strategy(s->strategy_name)) == NULL)
        goto fail;
    if (s->strat->init && s->strat->init(&s->sstate, s->space, &s->opts) != GPBO_OK)
        goto fail;
    if (s->st && s->st->ops->load(s->st, s->sid, s->space->n, load_cb, s) != GPBO_OK)
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

int gpbo_study_ask(gpbo_study *s, size_t *out_id, double *out_values)
{
    if (s == NULL || out_id == NULL || out_values == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_ask: NULL argument");
    size_t np = s->space->n, d = s->space->dim;
    for (size_t i = 0; i < s->n; i++) {
        gpbo_trial_rec *r = &s->t[i];
        if (r->state == GPBO_TRIAL_RUNNING && !r->claimed) {
            r->claimed = 1;
            *out_id = r->id;
            memcpy(out_values, r->values, np * sizeof *out_values);
            return GPBO_OK;
        }
    }
    size_t number = s->n;
    gpbo_rng rng;
    gpbo_rng_seed(&rng, s->opts.seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(number + 1)));
    double *u = malloc((d ? d : 1) * sizeof *u);
    double *vals = malloc((np ? np : 1) * sizeof *vals);
    int rc = (u && vals) ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "study_ask: out of memory");
    if (rc == GPBO_OK) {
        gpbo_search_view view = {s->space, &s->opts, s->n, s->u, s->y, s->states};
        rc = s->strat->ask(s->sstate, &view, number, &rng, u);
    }
    if (rc == GPBO_OK)
        rc = gpbo_space_decode(s->space, u, vals);
    if (rc == GPBO_OK) {
        gpbo_trial_rec r = {0};
        r.id = number;
        r.state = GPBO_TRIAL_RUNNING;
        r.value = NAN;
        r.values = vals;
        r.started = now_s();
        /* The mirror first: a trial stored and then not mirrored (out of memory) would make
         * every later ask insert the same id again and fail. A storage failure takes the
         * mirror's entry back, so the trial exists in both or in neither. */
        rc = mirror_add(s, &r);
        if (rc == GPBO_OK && s->st &&
            (rc = s->st->ops->insert_trial(s->st, s->sid, &r, np)) != GPBO_OK)
            rec_clear(&s->t[--s->n]);
        if (rc == GPBO_OK) {
            s->t[s->n - 1].claimed = 1;
            *out_id = number;
            memcpy(out_values, vals, np * sizeof *out_values);
        }
    }
    free(u);
    free(vals);
    return rc;
}

static gpbo_trial_rec *running(gpbo_study *s, const char *fn, size_t id)
{
    if (s == NULL) {
        gpbo_error_set(GPBO_EINVAL, "%s: study is NULL", fn);
        return NULL;
    }
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
    c.reason = (char *)reason;
    c.finished = now_s();
    char *rcopy = reason ? strdup(reason) : NULL;
    if (reason && !rcopy)
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    int rc = s->st ? s->st->ops->finish_trial(s->st, s->sid, &c) : GPBO_OK;
    if (rc != GPBO_OK) {
        free(rcopy);
        return rc;
    }
    free(r->reason);
    r->reason = rcopy;
    r->state = state;
    r->value = c.value;
    r->finished = c.finished;
    s->states[r->id] = state;
    s->y[r->id] = view_value(s, r);
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
            return gpbo_error_set(GPBO_EINVAL, "study_report: trial %zu: step %ld value %g", id,
                                  steps[i], values[i]);
    if (n == 0)
        return GPBO_OK;
    /* room for n new steps first, so that nothing can fail after the storage has them */
    if (r->nsteps + n > r->stepcap) {
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
            return gpbo_error_set(GPBO_ENOMEM, "study_report: out of memory");
        r->stepcap = nc;
    }
    int rc = s->st ? s->st->ops->report(s->st, s->sid, id, n, steps, values) : GPBO_OK;
    if (rc != GPBO_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        size_t k = step_index(r, steps[i]);
        r->steps[k] = steps[i];
        r->step_values[k] = values[i];
        if (k == r->nsteps)
            r->nsteps++;
    }
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

int gpbo_study_best(const gpbo_study *s, gpbo_trial_info *out)
{
    if (s == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "study_best: NULL argument");
    size_t best = s->n;
    for (size_t i = 0; i < s->n; i++)
        if (s->states[i] == GPBO_TRIAL_COMPLETE && (best == s->n || s->y[i] < s->y[best]))
            best = i;
    if (best == s->n)
        return gpbo_error_set(GPBO_ENOTFOUND, "study '%s' has no complete trial", s->name);
    info_of(&s->t[best], out);
    return GPBO_OK;
}

void gpbo_study_counts(const gpbo_study *s, size_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
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
        size_t c[4];
        gpbo_study_counts(s, c);
        if (c[GPBO_TRIAL_COMPLETE] + c[GPBO_TRIAL_FAILED] + c[GPBO_TRIAL_PRUNED] >= n_trials)
            break;
        size_t id;
        rc = gpbo_study_ask(s, &id, vals);
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
