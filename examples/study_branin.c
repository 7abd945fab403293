/*
 * study_branin.c: a Bayesian-optimization study through gpbo's C API (gpbo::search, header
 * gpbo/search.h), on the Branin function — an objective written here, as a user's own would be.
 * It declares the search space, sets the study's options, opens the study in an SQLite file (or
 * in memory), and runs the ask / tell loop itself, printing each trial and, at the end, the
 * best one. (gpbo_study_optimize() runs the same loop for a callback; owning the loop is what
 * lets a program run trials its own way: in other processes, on other machines, late.)
 *
 * Usage: study_branin [STORAGE] [TRIALS] [SEED]
 *   STORAGE  an SQLite file that keeps the study — a plain path, or a URL: sqlite:///study.db
 *            (relative), sqlite:////tmp/study.db (absolute) — run the program again with it and
 *            the study resumes where it stopped, with the trials an uninterrupted run would
 *            have made. ":memory:" (the default) keeps it in memory only.
 *   TRIALS   how many trials the study holds at the end (default 30; at least 1)
 *   SEED     the study's seed (default 0; the seed of a stored study is the one it began with)
 * Anything else (a TRIALS or SEED that is not a whole number, a fourth argument) prints the
 * usage and exits with status 2.
 *
 * Build against an installed gpbo: cc study_branin.c $(pkg-config --cflags --libs gpbo-search) -lm
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gpbo/search.h>

/* Branin's global minimum, reached at three points of its domain. */
static const double BRANIN_MIN = 0.397887357729738;

/* The objective: Branin on x1 in [-5, 10], x2 in [0, 15], in its usual constants. */
static double branin(double x1, double x2)
{
    const double pi = 3.14159265358979323846;
    const double b = 5.1 / (4.0 * pi * pi), c = 5.0 / pi, t = 1.0 / (8.0 * pi);
    double u = x2 - b * x1 * x1 + c * x1 - 6.0;
    return u * u + 10.0 * (1.0 - t) * cos(x1) + 10.0;
}

/* The space: two floats in real units. The strategies work in the unit square; the study
 * converts at its edge, so ask() hands out x1 and x2 as declared here. */
static gpbo_space *branin_space(void)
{
    gpbo_space *space = gpbo_space_new();
    if (space == NULL || gpbo_space_add_float(space, "x1", -5.0, 10.0, 0) != GPBO_OK ||
        gpbo_space_add_float(space, "x2", 0.0, 15.0, 0) != GPBO_OK) {
        gpbo_space_free(space);
        return NULL;
    }
    return space;
}

/* Reads a whole number of at least `min` from s into *out; 0 when s is anything else (strtoul
 * alone took "abc" and "-3" as numbers: a study of 0 trials, a seed of 2^64 - 3). */
static int whole(const char *s, unsigned long long min, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (s[0] < '0' || s[0] > '9')
        return 0;
    *out = strtoull(s, &end, 10);
    return errno == 0 && *end == '\0' && *out >= min;
}

int main(int argc, char **argv)
{
    const char *storage = argc > 1 ? argv[1] : ":memory:";
    unsigned long long budget = 30, seed = 0;
    if (argc > 4 || (argc > 2 && !whole(argv[2], 1, &budget)) ||
        (argc > 3 && !whole(argv[3], 0, &seed))) {
        fprintf(stderr, "usage: study_branin [STORAGE] [TRIALS] [SEED] (TRIALS a whole number "
                        "from 1, SEED from 0)\n");
        return 2;
    }
    gpbo_study *study = NULL;
    const char *step = "the search space"; /* what failed, for the message */
    int status = 1;

    gpbo_space *space = branin_space();
    if (space == NULL)
        goto cleanup;

    /* The options: a struct with a version and defaults, in which we set what we mean. Bayesian
     * search is the default strategy (10 space-filling trials, then a Matérn 5/2 GP and log-EI);
     * it is named here to show where the choice is made ("random", "sobol", "lhs", "grid"). */
    gpbo_study_options opts = GPBO_STUDY_OPTIONS_INIT;
    opts.strategy = "bayes";
    opts.direction = GPBO_MINIMIZE;
    opts.seed = seed;

    /* Opens the study called "branin", creating it if the storage has none; a stored one keeps
     * its own space check and the options it was created with. */
    step = storage;
    if ((study = gpbo_study_open(storage, "branin", space, &opts)) == NULL)
        goto cleanup;
    if (gpbo_study_ntrials(study) > 0)
        printf("resuming: the study holds %zu trials\n", gpbo_study_ntrials(study));

    /* Ask, evaluate, tell, until the study holds `budget` trials. ask_capped keeps the budget
     * whatever earlier runs (or other workers on the same file) did, and first hands out again
     * any trial whose run was interrupted before its tell. */
    for (;;) {
        size_t id;
        double x[2];
        int rc = gpbo_study_ask_capped(study, (size_t)budget, &id, x);
        if (rc == GPBO_EEXHAUSTED)
            break;
        step = "gpbo_study_ask";
        if (rc != GPBO_OK)
            goto cleanup;
        double f = branin(x[0], x[1]);
        step = "gpbo_study_tell";
        if (gpbo_study_tell(study, id, f) != GPBO_OK)
            goto cleanup;
        gpbo_trial_info best;
        step = "gpbo_study_best";
        if (gpbo_study_best(study, &best) != GPBO_OK)
            goto cleanup;
        printf("trial %3zu  x1 = %8.4f  x2 = %8.4f  f = %10.6f  best so far %.6f\n", id, x[0], x[1],
               f, best.value);
    }

    /* The best trial as the study holds it: id, value and parameter values. */
    gpbo_trial_info best;
    step = "gpbo_study_best";
    if (gpbo_study_best(study, &best) != GPBO_OK)
        goto cleanup;
    printf("best of %zu trials: trial %zu, f = %.6f at x1 = %.4f, x2 = %.4f "
           "(optimum %.6f, regret %.2e)\n",
           gpbo_study_ntrials(study), best.id, best.value, best.values[0], best.values[1],
           BRANIN_MIN, best.value - BRANIN_MIN);
    status = 0;

cleanup:
    if (status != 0) /* the message is per thread: read it before more calls */
        fprintf(stderr, "study_branin: %s: %s\n", step, gpbo_error_message());
    gpbo_study_close(study); /* every tell is already stored; accepts NULL */
    gpbo_space_free(space);
    return status;
}
