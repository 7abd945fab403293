/*
 * bayes_design.c: the Bayesian strategy's initial design (bayes_internal.h). Each model — the
 * study's and each restart episode's — starts with n_init points of the Sobol sequence under a
 * digital shift of its own seed, and stays on its design until one of its trials is complete.
 */
#include "gpbo/sys/error.h"
#include "bayes_internal.h"

/* The Sobol shift's generator is seeded with the model's seed XOR this, so that its stream is
 * not the one the study's own generator draws from the same seed (drand48's multiplier; any
 * constant other than 0 would do: chosen by hand, not tuned). */
#define SOBOL_SHIFT_SALT 0x5DEECE66Dull

/* Restart episode e's seed is the study seed plus e times this (2^64 over the golden ratio,
 * SplitMix64's increment), so that the episodes' Sobol shifts, fits and acquisitions draw
 * unrelated streams. Chosen by hand, not tuned. */
#define EPISODE_SEED_STEP 0x9E3779B97F4A7C15ull

uint64_t gpbo_bayes__model_seed(uint64_t study_seed, size_t e)
{
    return study_seed + e * EPISODE_SEED_STEP;
}

int gpbo_bayes__sobol_points(const gpbo_space *space, uint64_t seed, size_t first, size_t count,
                             gpbo_rng *rng, double *u)
{
    size_t d = space->dim;
    if (d == 0 || count == 0)
        return GPBO_OK;
    if (d > GPBO_ACQ_SOBOL_MAX_DIM) {
        if (count != 1)
            return gpbo_error_set(GPBO_EINVAL, "sobol: %zu points at once beyond %d dimensions",
                                  count, GPBO_ACQ_SOBOL_MAX_DIM);
        for (size_t k = 0; k < d; k++)
            u[k] = gpbo_rng_uniform(rng);
        return gpbo_space_project(u, d, (void *)space);
    }
    gpbo_rng sr;
    gpbo_rng_seed(&sr, seed ^ SOBOL_SHIFT_SALT);
    uint32_t shift[GPBO_ACQ_SOBOL_MAX_DIM];
    for (size_t k = 0; k < d; k++)
        shift[k] = (uint32_t)(gpbo_rng_u64(&sr) >> 32);
    int rc = gpbo_acq_sobol(d, shift, first, count, u);
    for (size_t i = 0; rc == GPBO_OK && i < count; i++)
        rc = gpbo_space_project(u + i * d, d, (void *)space);
    return rc;
}

int gpbo_bayes__sobol_point(const gpbo_space *space, uint64_t seed, size_t number, gpbo_rng *rng,
                            double *u)
{
    return gpbo_bayes__sobol_points(space, seed, number, 1, rng, u);
}

/* The study's model: trial `number` itself while it is below n_init or no trial is complete.
 * An episode's: its own members so far (trials before `number` of role e) while fewer than
 * n_init of them or none is complete. */
static int sobol_slot(const gpbo_search_view *v, const size_t *role, size_t e, size_t number,
                      size_t *out_index)
{
    const gpbo_study_options *o = v->opts;
    size_t members = 0, complete = 0;
    if (e == 0) {
        for (size_t i = 0; i < v->n; i++)
            complete += v->state[i] == GPBO_TRIAL_COMPLETE;
        *out_index = number;
        return number < o->n_init || complete == 0 || v->space->dim == 0;
    }
    for (size_t i = 0; i < number && i < v->n; i++)
        if (role[i] == e) {
            members++;
            complete += v->state[i] == GPBO_TRIAL_COMPLETE;
        }
    *out_index = members;
    return members < o->n_init || complete == 0;
}

const gpbo_bayes_design gpbo_bayes__sobol_design = {"sobol", sobol_slot, gpbo_bayes__sobol_point};
