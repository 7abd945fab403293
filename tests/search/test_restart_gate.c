/*
 * test_restart_gate.c: restart episodes start on a settled search, not on a noisy objective.
 *
 * Once the best has stalled for `restart` trials, two trials in three go to a fresh search
 * (search/bayes_restart.c). On a noisy objective the best stalls because it is a lucky draw
 * the others do not beat, and the episodes then spend two thirds of what is left on a new
 * space-filling design (the demo sweep: its proposals after the stall were as poor as random
 * search's at their first rung; bench/compare/README.md, session 36). The gate refits the
 * study's model of the trials before the first stall under a weak noise prior, as
 * gpbo_study_recommend does, and starts no episode when it sees noise.
 *
 * Observed through the public API: a run with the default window and one with restart 0 (no
 * episodes) ask for the same points, trial after trial, exactly when no episode started.
 *  - Branin plus Gaussian noise of standard deviation 1, 60 evaluations, seeds 0-15: the runs
 *    stay the same on most seeds (the old rule started episodes on most of them).
 *  - Deterministic Hartmann 3, 100 evaluations (test_strategy_stats' restart setting), seeds
 *    0-8: the gate lets the episodes start; the runs part on some seeds.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/rng.h"
#include "gpbo/search.h"
#include "gpbo/testfn.h"

#define MAX_EVALS 100

/* The points a study of `name` (its own box) asks for in n trials, with window `restart`, each
 * told its value plus noise of standard deviation sd drawn from seed; into pts (n * d). */
static void run(const char *name, size_t d, size_t restart, uint64_t seed, size_t n, double sd,
                double *pts)
{
    const gpbo_test_function *f = gpbo_test_function_find(name);
    assert_non_null(f);
    double lo[8], hi[8];
    f->bounds(d, lo, hi);
    gpbo_space *sp = gpbo_space_new();
    for (size_t k = 0; k < d; k++) {
        char nm[4] = {'x', (char)('0' + k), 0, 0};
        assert_int_equal(gpbo_space_add_float(sp, nm, lo[k], hi[k], 0), GPBO_OK);
    }
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.seed = seed;
    o.restart = restart;
    gpbo_study *st = gpbo_study_open(NULL, "gate", sp, &o);
    gpbo_space_free(sp);
    assert_non_null(st);
    gpbo_rng rng;
    gpbo_rng_seed(&rng, seed * 7919 + 1);
    for (size_t t = 0; t < n; t++) {
        size_t id;
        double *x = pts + t * d;
        assert_int_equal(gpbo_study_ask(st, &id, x), GPBO_OK);
        double y = f->f(d, x) + sd * gpbo_rng_normal(&rng);
        assert_int_equal(gpbo_study_tell(st, id, y), GPBO_OK);
    }
    gpbo_study_close(st);
}

/* Over seeds 0..nseeds-1: on how many the default window's run and restart 0's part. */
static size_t runs_that_part(const char *name, size_t d, size_t n, double sd, uint64_t nseeds)
{
    double a[MAX_EVALS * 8], b[MAX_EVALS * 8];
    size_t parted = 0;
    for (uint64_t seed = 0; seed < nseeds; seed++) {
        run(name, d, 20, seed, n, sd, a);
        run(name, d, 0, seed, n, sd, b);
        parted += memcmp(a, b, n * d * sizeof *a) != 0;
    }
    return parted;
}

/* Measured under Haswell, Cooperlake and Prescott kernels: see the figures in the test. */
static void test_no_episodes_on_noise(void **state)
{
    (void)state;
    size_t parted = runs_that_part("branin", 2, 60, 1.0, 16);
    print_message("noisy Branin, 60 evaluations, 16 seeds: %zu runs part from restart 0's\n",
                  parted);
    assert_true(parted <= 4);
}

static void test_episodes_on_a_settled_search(void **state)
{
    (void)state;
    size_t parted = runs_that_part("hartmann3", 3, 100, 0.0, 9);
    print_message("Hartmann 3, 100 evaluations, 9 seeds: %zu runs part from restart 0's\n", parted);
    assert_true(parted >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_episodes_on_noise),
        cmocka_unit_test(test_episodes_on_a_settled_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
