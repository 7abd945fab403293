/*
 * pruned_view.c: the value a strategy sees of a pruned trial. A pruned trial stopped at step t
 * has no final value; it enters the model at its last intermediate value moved by the median
 * gain that the study's complete trials made from step t to their final value (issue 18).
 *
 * Why: the last intermediate value alone is pessimistic by however much training was left. On
 * the demo sweep (an MLP on Fashion-MNIST with hyperband, bench/compare/README.md, "The demo
 * sweep as a problem") finished trials gained 0.027 of validation accuracy from step 2 to the
 * end and 0.005 from step 6, and two thirds of the trials were pruned: most of the model's data
 * sat below where they would have ended, by an offset that depends on the rung they stopped at,
 * which the GP reads as structure of the space (a lengthscale, a trend) rather than of the
 * schedule. Moving each value by its rung's typical gain puts the trials of all rungs on the
 * scale of final values while keeping their order within a rung.
 *
 * The rule, in the minimizing sign (values already multiplied by `sign`):
 *  - gain of a complete trial c at step t = final(c) - value(c at step t), for each step t that c
 *    reported exactly;
 *  - a pruned trial whose largest reported step is t and whose value there is v gets
 *    v + median{gain(c, t)} when at least PEERS_MIN complete trials reported step t, else v (the
 *    pessimistic stand-in: too few curves to say what the rest of training brings);
 *  - a correction that improves the value stops at the study's best complete value (or at v when
 *    v is already below it): the trial was stopped because it ranked behind its peers at step
 *    t, so an estimate must not make it the study's best point, which the acquisition would
 *    then try to beat without any trial having shown that value.
 *  - the estimate is one: it enters the model with a known noise variance (gpbo_gp_set_data_noise),
 *    the sample variance of the gains it was moved by (0 when it stays at v). The gains of the
 *    complete trials at step t spread by how differently trials still learn after t and by the
 *    noise of the value at t, which is this trial's error too; the GP fitted to an estimate as if
 *    it were exact bends its mean through it. On the learning curve of
 *    tests/search/test_pruned_view.c the median final regret fell about 45x (0.0072 -> 0.00016;
 *    bench/compare/README.md, session 41); level when the complete trials' values are noisy too.
 * Exact steps only: a complete trial's value at an earlier step would overstate the gain from t
 * (it includes the training between that step and t), and in the loops pruners serve every trial
 * reports the same schedule of steps (epochs, rungs), so exact matches are the common case; when
 * they are not, the rule falls back on the pessimistic value, never on a biased one. Exact
 * matches also make the whole refresh one sort: O(P log P) for the P intermediate values of the
 * complete trials, with no pass over pairs of trials.
 */
#include <math.h>
#include <stdlib.h>

#include "gpbo/sys/error.h"
#include "search_internal.h"

/* Complete trials that must have reported a step before their median gain is trusted: with 3
 * the median ignores one diverging or outlying curve; with 1 or 2 it would be a single trial's
 * gain or the mean of two. Chosen by reasoning, not tuned. */
#define PEERS_MIN 3

typedef struct step_gain {
    long step;
    double gain;
} step_gain;

static int by_step_gain(const void *a, const void *b)
{
    const step_gain *p = a, *q = b;
    if (p->step != q->step)
        return p->step < q->step ? -1 : 1;
    return (p->gain > q->gain) - (p->gain < q->gain);
}

int gpbo_search__last_step(const gpbo_trial_rec *r, size_t *out)
{
    if (r->nsteps == 0)
        return 0;
    size_t last = 0;
    for (size_t k = 1; k < r->nsteps; k++)
        if (r->steps[k] > r->steps[last])
            last = k;
    *out = last;
    return 1;
}

/* The first index of a (sorted by step) whose step is above step (after: 1) or at least step
 * (after: 0); n if there is none. */
static size_t bound(const step_gain *a, size_t n, long step, int after)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid].step < step || (after && a[mid].step == step))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The sample variance of the gains g[lo..hi) (at least 2), at most GPBO_SEARCH__VAR_MAX (gains
 * past 1e150 overflow it: such an estimate says next to nothing). */
static double gain_var(const step_gain *g, size_t lo, size_t hi)
{
    double m = 0, s = 0, c = (double)(hi - lo);
    for (size_t k = lo; k < hi; k++)
        m += g[k].gain / c;
    for (size_t k = lo; k < hi; k++)
        s += (g[k].gain - m) * (g[k].gain - m);
    return fmin(s / (c - 1), GPBO_SEARCH__VAR_MAX);
}

int gpbo_search__pruned_values(size_t n, const gpbo_trial_rec *t, double sign, double *y,
                               double *var)
{
    size_t npairs = 0, npruned = 0;
    double best = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (t[i].state == GPBO_TRIAL_COMPLETE && isfinite(t[i].value)) {
            npairs += t[i].nsteps;
            best = fmin(best, sign * t[i].value);
        }
        npruned += t[i].state == GPBO_TRIAL_PRUNED;
    }
    if (npruned == 0)
        return GPBO_OK;
    step_gain *g = npairs ? malloc(npairs * sizeof *g) : NULL;
    if (npairs && g == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "study: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].state != GPBO_TRIAL_COMPLETE || !isfinite(t[i].value))
            continue;
        for (size_t k = 0; k < t[i].nsteps; k++)
            g[m++] = (step_gain){t[i].steps[k], sign * t[i].value - sign * t[i].step_values[k]};
    }
    if (m)
        qsort(g, m, sizeof *g, by_step_gain);
    for (size_t i = 0; i < n; i++) {
        size_t last;
        if (t[i].state != GPBO_TRIAL_PRUNED || !gpbo_search__last_step(&t[i], &last))
            continue;
        long step = t[i].steps[last];
        double v = sign * t[i].step_values[last];
        size_t lo = bound(g, m, step, 0), hi = bound(g, m, step, 1);
        y[i] = v;
        var[i] = 0;
        if (hi - lo < PEERS_MIN)
            continue;
        size_t c = hi - lo, mid = lo + c / 2;
        double med = c % 2 ? g[mid].gain : 0.5 * (g[mid - 1].gain + g[mid].gain);
        double corrected = v + med;
        if (med < 0 && corrected < best) /* an improvement stops at the incumbent */
            corrected = fmin(v, best);
        y[i] = corrected;
        var[i] = gain_var(g, lo, hi);
    }
    free(g);
    return GPBO_OK;
}
