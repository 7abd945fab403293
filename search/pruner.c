/*
 * pruner.c: the median stopping rule and asynchronous successive halving (ASHA), judging
 * trials from their intermediate values (see gpbo/pruner.h for the rules and their sources).
 *
 * Each trial keeps its curve as (step, best value up to that step); both rules compare best
 * values so far, which makes them insensitive to noisy single epochs. Trials are found by a
 * backwards linear scan: the trial reporting is nearly always among the most recent ones, and a
 * study holds hundreds of trials, not millions.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/pruner.h"
#include "gpbo/search.h"
#include "gpbo/sys/error.h"
#include "gpbo/sys/options.h"
#include "../base/numeric.h"

enum { RUNNING, COMPLETE, PRUNED, FAILED };

typedef struct curve_point {
    long step;
    double value; /* the value reported at step (the last one, for a step reported again) */
    double best;  /* best value reported at or before step */
} curve_point;

typedef struct trial_rec {
    size_t id;
    int state;
    size_t next_rung; /* hyperband: first rung this trial has not reached yet */
    size_t *rpos;     /* hyperband: rpos[k], k < next_rung: its value's index in rung k */
    size_t rpos_cap;
    size_t n, cap;
    curve_point *pts; /* sorted by step, steps distinct */
} trial_rec;

typedef struct rung {
    size_t n, cap;
    double *values;
} rung;

struct gpbo_pruner {
    gpbo_pruner_options opts;
    size_t ntrials, cap;
    trial_rec *trials;
    size_t nrungs, rung_cap;
    rung *rungs;
    size_t pruned;
    size_t completed;
    /* ended[id]: the pruner was told how trial id ended (ids below ENDED_MAX; study ids are
     * 0, 1, 2, ...), so that gpbo_pruner_catch_up skips it without a search */
    unsigned char *ended;
    size_t nended;
    /* gpbo_pruner_catch_up is replaying stored curves: their verdicts are not wanted, and the
     * median rule's (which changes nothing) is skipped; hyperband's still places the values
     * in its rungs */
    int replaying;
};

/* Trial ids the ended[] map covers (16 MiB at most); larger ids are looked up. */
#define ENDED_MAX ((size_t)1 << 24)

/* The bytes of each version of gpbo_pruner_options (the header lists the versions); index 0 is
 * unused. */
static const size_t OPTIONS_SIZE[GPBO_PRUNER_OPTIONS_VERSION + 1] = {
    0, GPBO_OPTIONS_FIELD_END(gpbo_pruner_options, eta)};
static const gpbo_pruner_options DEFAULTS = GPBO_PRUNER_OPTIONS_INIT;
static const gpbo_options_type OPTIONS = {
    "pruner_options_init",       "options",    "GPBO_PRUNER_OPTIONS_INIT",
    GPBO_PRUNER_OPTIONS_VERSION, OPTIONS_SIZE, &DEFAULTS};

int gpbo_pruner_options_init(gpbo_pruner_options *opts, unsigned int version)
{
    return gpbo_options_init(&OPTIONS, opts, version);
}

/* Hyperband's options, and the number of rungs they make: rungs sit at min_iter * eta^k up to
 * max_iter (or LONG_MAX when there is none), and each rung keeps an array of values, so an eta
 * barely above 1 (1.0000001 makes 4e8 rungs below step 20) would exhaust memory on one report.
 * The rung count is checked here, where the caller can still be told why. */
static int check_rungs(const gpbo_pruner_options *o)
{
    if (!isfinite(o->eta) || !(o->eta > 1.0))
        return gpbo_error_set(GPBO_EINVAL, "pruner: eta must be a number > 1, not %g", o->eta);
    if (o->min_iter < 1)
        return gpbo_error_set(GPBO_EINVAL, "pruner: min_iter must be >= 1, not %ld", o->min_iter);
    if (o->max_iter < 0 || (o->max_iter != 0 && o->max_iter < o->min_iter))
        return gpbo_error_set(GPBO_EINVAL, "pruner: max_iter %ld is below min_iter %ld",
                              o->max_iter, o->min_iter);
    double top = o->max_iter != 0 ? (double)o->max_iter : (double)LONG_MAX;
    double n = floor(log(top / (double)o->min_iter) / log(o->eta) + 1e-9) + 1.0;
    if (n > (double)GPBO_PRUNER_MAX_RUNGS && o->max_iter != 0)
        return gpbo_error_set(GPBO_EINVAL,
                              "pruner: eta %.10g makes %.3g rungs from min_iter %ld to max_iter "
                              "%ld; at most %d: raise eta or lower max_iter",
                              o->eta, n, o->min_iter, o->max_iter, GPBO_PRUNER_MAX_RUNGS);
    if (n > (double)GPBO_PRUNER_MAX_RUNGS)
        return gpbo_error_set(GPBO_EINVAL,
                              "pruner: eta %.10g makes %.3g rungs from min_iter %ld with no "
                              "max_iter; at most %d: raise eta or set max_iter",
                              o->eta, n, o->min_iter, GPBO_PRUNER_MAX_RUNGS);
    return GPBO_OK;
}

gpbo_pruner *gpbo_pruner_new(const gpbo_pruner_options *opts)
{
    /* The caller's version's fields from opts, the later ones their defaults: nothing past the
     * caller's struct is read. */
    gpbo_pruner_options o;
    if (gpbo_options_load(&OPTIONS, "pruner", opts, &o) != GPBO_OK)
        return NULL;
    if (o.kind != GPBO_PRUNER_NONE && o.kind != GPBO_PRUNER_MEDIAN &&
        o.kind != GPBO_PRUNER_HYPERBAND) {
        gpbo_error_set(GPBO_EINVAL, "pruner: unknown kind %d", (int)o.kind);
        return NULL;
    }
    if (o.kind == GPBO_PRUNER_HYPERBAND && check_rungs(&o) != GPBO_OK)
        return NULL;
    if (o.interval_steps < 1 || o.warmup_steps < 0) {
        gpbo_error_set(GPBO_EINVAL, "pruner: interval_steps must be >= 1 and warmup_steps >= 0");
        return NULL;
    }
    gpbo_pruner *p = calloc(1, sizeof *p);
    if (p == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "pruner: out of memory");
        return NULL;
    }
    p->opts = o;
    return p;
}

void gpbo_pruner_free(gpbo_pruner *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->ntrials; i++) {
        free(p->trials[i].pts);
        free(p->trials[i].rpos);
    }
    for (size_t k = 0; k < p->nrungs; k++)
        free(p->rungs[k].values);
    free(p->trials);
    free(p->rungs);
    free(p->ended);
    free(p);
}

size_t gpbo_pruner_pruned_count(const gpbo_pruner *p)
{
    return p ? p->pruned : 0;
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    void *b = realloc(*buf, c * elem);
    if (b == NULL)
        return -1;
    *buf = b;
    *cap = c;
    return 0;
}

static trial_rec *find_trial(gpbo_pruner *p, size_t id)
{
    for (size_t i = p->ntrials; i-- > 0;)
        if (p->trials[i].id == id)
            return &p->trials[i];
    return NULL;
}

static trial_rec *find_or_add(gpbo_pruner *p, size_t id)
{
    trial_rec *t = find_trial(p, id);
    if (t != NULL)
        return t;
    if (grow((void **)&p->trials, &p->cap, p->ntrials + 1, sizeof *p->trials) != 0)
        return NULL;
    t = &p->trials[p->ntrials++];
    memset(t, 0, sizeof *t);
    t->id = id;
    return t;
}

/* The number of points of t's curve at steps below step (after: 0) or at or below it (after: 1):
 * a binary search, so that the median rule costs O(log n) per reference curve, not O(n). */
static size_t points_before(const trial_rec *t, long step, int after)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->pts[mid].step < step || (after && t->pts[mid].step == step))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Best value of a curve at or before step; 0 when the curve has no point that early. */
static int best_up_to(const trial_rec *t, long step, double *out)
{
    size_t i = points_before(t, step, 1);
    if (i == 0)
        return 0;
    *out = t->pts[i - 1].best;
    return 1;
}

/* Whether the median rule judges trial t at step, its last point: past the warmup, at the first
 * step it reported at or after a judging step (warmup + k * interval). A trial that skips steps
 * (every 3rd epoch reported, interval 2) is judged at the first step past each judging step, as
 * Optuna's MedianPruner does, instead of never when no reported step falls on one. */
static int median_judges(const gpbo_pruner_options *o, const trial_rec *t, long step)
{
    if (step < o->warmup_steps)
        return 0;
    long at = o->warmup_steps + (step - o->warmup_steps) / o->interval_steps * o->interval_steps;
    long before = t->n >= 2 ? t->pts[t->n - 2].step : -1; /* the step reported before this one */
    return before < at;
}

/* The median rule. Returns 1 to prune, 0 to go on, -1 when out of memory. */
static int judge_median(gpbo_pruner *p, const trial_rec *t, long step, double best)
{
    const gpbo_pruner_options *o = &p->opts;
    if (p->replaying || !median_judges(o, t, step))
        return 0;
    if (p->completed < o->startup_trials || p->completed == 0)
        return 0;
    double *ref = malloc(p->completed * sizeof *ref);
    if (ref == NULL)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < p->ntrials; i++) {
        const trial_rec *u = &p->trials[i];
        if (u == t || u->state != COMPLETE)
            continue;
        double v;
        if (best_up_to(u, step, &v))
            ref[m++] = v;
    }
    int prune = 0;
    if (m > 0) {
        qsort(ref, m, sizeof *ref, gpbo_cmp_double);
        double median = m % 2 ? ref[m / 2] : 0.5 * (ref[m / 2 - 1] + ref[m / 2]);
        prune = best > median;
    }
    free(ref);
    return prune;
}

static double rung_step(const gpbo_pruner_options *o, size_t k)
{
    return ceil((double)o->min_iter * pow(o->eta, (double)k) - 1e-9);
}

/* Whether value ranks outside the top 1/eta of rung g's values (which hold it). */
static int rung_prunes(const gpbo_pruner_options *o, const rung *g, double value)
{
    size_t better = 0;
    for (size_t i = 0; i < g->n; i++)
        better += g->values[i] < value;
    size_t keep = (size_t)floor((double)g->n / o->eta);
    if (keep < 1)
        keep = 1;
    return better >= keep;
}

/* After t's curve changed below its last step (a step reported again, or an earlier one): its
 * value at each rung it reached becomes its best at the first point at or past the rung, as a
 * replay of the stored curve, in step order, records it; judged again where that changed.
 * Returns 1 to prune, 0 to go on. */
static int refresh_rungs(gpbo_pruner *p, const trial_rec *t)
{
    int prune = 0;
    for (size_t k = 0; k < t->next_rung; k++) {
        double r = rung_step(&p->opts, k);
        size_t i = points_before(t, r >= (double)LONG_MAX ? LONG_MAX : (long)r, 0);
        if (i >= t->n) /* unreachable: the last point, past every rung reached, stays */
            continue;
        double *v = &p->rungs[k].values[t->rpos[k]];
        if (*v != t->pts[i].best) {
            *v = t->pts[i].best;
            prune |= rung_prunes(&p->opts, &p->rungs[k], *v);
        }
    }
    return prune;
}

/* Successive halving at every rung the trial has newly reached, lowest first, up to the first
 * that prunes it (as Optuna's SuccessiveHalvingPruner: a trial enters a rung only once the one
 * below kept it; a report that skips steps can reach several). Returns 1 to prune, 0 to go on,
 * -1 when out of memory. */
static int judge_asha(gpbo_pruner *p, trial_rec *t, long step, double best)
{
    const gpbo_pruner_options *o = &p->opts;
    for (;;) {
        if (t->next_rung >= GPBO_PRUNER_MAX_RUNGS) /* unreachable after check_rungs */
            return 0;
        double r = rung_step(o, t->next_rung);
        if (r > (double)step || (o->max_iter > 0 && r > (double)o->max_iter))
            return 0;
        size_t k = t->next_rung;
        if (grow((void **)&t->rpos, &t->rpos_cap, k + 1, sizeof *t->rpos) != 0)
            return -1;
        if (k >= p->nrungs) {
            if (grow((void **)&p->rungs, &p->rung_cap, k + 1, sizeof *p->rungs) != 0)
                return -1;
            memset(p->rungs + p->nrungs, 0, (k + 1 - p->nrungs) * sizeof *p->rungs);
            p->nrungs = k + 1;
        }
        rung *g = &p->rungs[k];
        if (grow((void **)&g->values, &g->cap, g->n + 1, sizeof *g->values) != 0)
            return -1;
        t->rpos[k] = g->n;
        g->values[g->n++] = best;
        t->next_rung++;
        if (rung_prunes(o, g, best))
            return 1;
    }
}

/* A step at or below t's last one: its value replaces the one reported at that step (or is put
 * in its place among the earlier ones), as the study's storage keeps it (gpbo_study_report
 * replaces a step's value; SQLite and PostgreSQL give steps back in order), so that a pruner
 * caught up from the storage holds what this one holds. The bests from there on are recomputed,
 * and so are hyperband's rung values; the trial is judged again at its last step. Returns 1 to
 * prune, 0 to go on, -1 when out of memory. */
static int revise(gpbo_pruner *p, trial_rec *t, long step, double value)
{
    size_t i = points_before(t, step, 0);
    if (t->pts[i].step != step) {
        if (grow((void **)&t->pts, &t->cap, t->n + 1, sizeof *t->pts) != 0)
            return -1;
        memmove(t->pts + i + 1, t->pts + i, (t->n - i) * sizeof *t->pts);
        t->n++;
        t->pts[i].step = step;
    }
    t->pts[i].value = value;
    for (size_t j = i; j < t->n; j++)
        t->pts[j].best = j > 0 ? fmin(t->pts[j].value, t->pts[j - 1].best) : t->pts[j].value;
    const curve_point *last = &t->pts[t->n - 1];
    if (p->opts.kind == GPBO_PRUNER_MEDIAN)
        return judge_median(p, t, last->step, last->best);
    if (p->opts.kind != GPBO_PRUNER_HYPERBAND)
        return 0;
    /* the rungs it reached, then any its last step reached that a rung pruning it had held back
     * (as its next report would record them) */
    int prune = refresh_rungs(p, t);
    return prune ? 1 : judge_asha(p, t, last->step, last->best);
}

int gpbo_pruner_report(gpbo_pruner *p, size_t trial, long step, double value, int *out_prune)
{
    if (out_prune != NULL)
        *out_prune = 0;
    if (p == NULL)
        return gpbo_error_set(GPBO_EINVAL, "pruner: NULL pruner");
    if (!isfinite(value))
        return gpbo_error_set(GPBO_EINVAL,
                              "pruner: trial %zu reported a non-finite value "
                              "at step %ld",
                              trial, step);
    if (step < 0)
        return gpbo_error_set(GPBO_EINVAL, "pruner: trial %zu reported step %ld < 0", trial, step);
    trial_rec *t = find_or_add(p, trial);
    if (t == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "pruner: out of memory");
    if (t->state != RUNNING)
        return gpbo_error_set(GPBO_EINVAL, "pruner: trial %zu has already finished", trial);
    if (t->n > 0 && step <= t->pts[t->n - 1].step) {
        /* A step reported again, or an earlier one. */
        int verdict = revise(p, t, step, value);
        if (verdict < 0)
            return gpbo_error_set(GPBO_ENOMEM, "pruner: out of memory");
        if (out_prune != NULL)
            *out_prune = verdict;
        return GPBO_OK;
    }
    double best = t->n > 0 ? fmin(value, t->pts[t->n - 1].best) : value;
    if (grow((void **)&t->pts, &t->cap, t->n + 1, sizeof *t->pts) != 0)
        return gpbo_error_set(GPBO_ENOMEM, "pruner: out of memory");
    t->pts[t->n++] = (curve_point){step, value, best};
    int verdict = 0;
    if (p->opts.kind == GPBO_PRUNER_MEDIAN)
        verdict = judge_median(p, t, step, best);
    else if (p->opts.kind == GPBO_PRUNER_HYPERBAND)
        verdict = judge_asha(p, t, step, best);
    if (verdict < 0)
        return gpbo_error_set(GPBO_ENOMEM, "pruner: out of memory");
    if (out_prune != NULL)
        *out_prune = verdict;
    return GPBO_OK;
}

int gpbo_pruner_finish(gpbo_pruner *p, size_t trial, gpbo_pruner_outcome outcome)
{
    if (p == NULL)
        return gpbo_error_set(GPBO_EINVAL, "pruner: NULL pruner");
    int state;
    switch (outcome) {
    case GPBO_PRUNER_COMPLETE:
        state = COMPLETE;
        break;
    case GPBO_PRUNER_PRUNED:
        state = PRUNED;
        break;
    case GPBO_PRUNER_FAILED:
        state = FAILED;
        break;
    default:
        return gpbo_error_set(GPBO_EINVAL, "pruner: unknown outcome %d", (int)outcome);
    }
    trial_rec *t = find_or_add(p, trial);
    if (t == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "pruner: out of memory");
    if (trial < ENDED_MAX) {
        if (trial >= p->nended) {
            size_t nc = p->nended ? p->nended : 64;
            while (nc <= trial)
                nc *= 2;
            unsigned char *e = realloc(p->ended, nc);
            if (e == NULL)
                return gpbo_error_set(GPBO_ENOMEM, "pruner: out of memory");
            memset(e + p->nended, 0, nc - p->nended);
            p->ended = e;
            p->nended = nc;
        }
        p->ended[trial] = 1;
    }
    if (t->state == RUNNING) {
        t->state = state;
        p->completed += state == COMPLETE;
        p->pruned += state == PRUNED;
    }
    return GPBO_OK;
}

/* Whether the pruner was told how trial id ended. */
static int has_ended(gpbo_pruner *p, size_t id)
{
    if (id < ENDED_MAX)
        return id < p->nended && p->ended[id];
    const trial_rec *t = find_trial(p, id);
    return t != NULL && t->state != RUNNING;
}

int gpbo_pruner_catch_up(gpbo_pruner *p, const gpbo_study *study)
{
    if (p == NULL || study == NULL)
        return gpbo_error_set(GPBO_EINVAL, "pruner_catch_up: NULL argument");
    double sign = gpbo_study_direction(study) == GPBO_MAXIMIZE ? -1.0 : 1.0;
    for (size_t i = 0; i < gpbo_study_ntrials(study); i++) {
        gpbo_trial_info t;
        if (has_ended(p, i) || gpbo_study_trial(study, i, &t) != GPBO_OK ||
            t.state == GPBO_TRIAL_RUNNING)
            continue;
        /* the median rule judged every stored step against every completed trial here:
         * 2000 trials of 50 steps took 7.9 s to catch up, 0.1 s without (test_pruner
         * test_catch_up_linear) */
        int rc = GPBO_OK;
        p->replaying = 1;
        for (size_t k = 0; rc == GPBO_OK && k < t.nsteps; k++)
            rc = gpbo_pruner_report(p, i, t.steps[k], sign * t.step_values[k], NULL);
        p->replaying = 0;
        if (rc != GPBO_OK)
            return rc;
        rc = gpbo_pruner_finish(p, i,
                                t.state == GPBO_TRIAL_COMPLETE ? GPBO_PRUNER_COMPLETE
                                : t.state == GPBO_TRIAL_PRUNED ? GPBO_PRUNER_PRUNED
                                                               : GPBO_PRUNER_FAILED);
        if (rc != GPBO_OK)
            return rc;
    }
    return GPBO_OK;
}
