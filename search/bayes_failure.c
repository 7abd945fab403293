/*
 * bayes_failure.c: the Bayesian strategy's failure policy (bayes_internal.h). A pruned trial
 * enters the GP at its last intermediate value. A failed trial, or a pruned one that reported
 * nothing, has no value: GPBO_FAILED_EXCLUDE leaves it out of the data, GPBO_FAILED_WORST
 * imputes the worst complete value the model sees. Either way its point is never proposed again
 * (an excluded one is taken as a pending point).
 */
#include <math.h>

#include "bayes_internal.h"

int gpbo_bayes__known_value(const gpbo_search_view *v, size_t i)
{
    return i < v->n && (v->state[i] == GPBO_TRIAL_COMPLETE ||
                        (v->state[i] == GPBO_TRIAL_PRUNED && isfinite(v->y[i])));
}

static double exclude_stand_in(const gpbo_search_view *v, const size_t *role, size_t e)
{
    (void)v;
    (void)role;
    (void)e;
    return NAN;
}

/* The largest complete value model e sees (-inf when it sees none; the strategy asks a model
 * only once it sees a complete trial). */
static double worst_stand_in(const gpbo_search_view *v, const size_t *role, size_t e)
{
    double worst = -INFINITY;
    for (size_t i = 0; i < v->n; i++)
        if (gpbo_bayes__sees(role, e, i) && v->state[i] == GPBO_TRIAL_COMPLETE && v->y[i] > worst)
            worst = v->y[i];
    return worst;
}

static const gpbo_bayes_failure EXCLUDE = {GPBO_FAILED_EXCLUDE, exclude_stand_in};
static const gpbo_bayes_failure WORST = {GPBO_FAILED_WORST, worst_stand_in};

const gpbo_bayes_failure *gpbo_bayes__failure(gpbo_failed_policy kind)
{
    return kind == GPBO_FAILED_WORST ? &WORST : &EXCLUDE;
}
