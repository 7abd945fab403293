/*
 * bench/steps: the cost of the Bayesian strategy's steps at n observations, the way a study
 * meets them. For each problem and each n of --at, a study with the default options (but an
 * initial design of n points: those first n asks are Sobol points, no model) is filled with n
 * observations. Its first model step (at n observations) is what a reopened study's first ask
 * costs: past 60 observations it makes the chain of warm model choices again from 60
 * (bayes_model.c); it is printed apart ("first"). Then --steps further asks are timed one by one,
 * each told its value before the next: the steps at n + 1, n + 2, ... observations as an
 * uninterrupted study meets them, model choices and restart episodes included as they fall.
 * Prints the mean, median, 90th percentile and largest step (thread CPU time, ms), and how many
 * of the timed steps made a model choice (bayes_model.c's schedule, compiled in). Run with
 * OPENBLAS_NUM_THREADS=1 for the one-thread figure.
 *
 *   steps_bench [--problems hartmann6,rosenbrock:4,styblinski_tang:4] [--at 60,200]
 *               [--steps 20] [--seed 0]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../search/bayes_internal.h"
#include "gpbo/error.h"
#include "gpbo/search.h"
#include "gpbo/testfn.h"

#define DIM_MAX 32

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The model-choice points in [n0, n1], by the strategy's own schedule. */
static size_t choices_between(size_t n0, size_t n1)
{
    size_t k = 0;
    for (size_t n = n0; n <= n1; n++)
        k += gpbo_bayes__choice_point(n) == n;
    return k;
}

/* One line: problem fn in dim dims, n observations first, then `steps` timed steps. */
static int run(const gpbo_test_function *fn, size_t dim, size_t n, size_t steps, uint64_t seed)
{
    double lo[DIM_MAX], hi[DIM_MAX], x[DIM_MAX];
    fn->bounds(dim, lo, hi);
    gpbo_space *space = gpbo_space_new();
    for (size_t k = 0; k < dim && space; k++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", k);
        if (gpbo_space_add_float(space, name, lo[k], hi[k], 0) != GPBO_OK)
            return 1;
    }
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.seed = seed;
    o.n_init = n;
    gpbo_study *st = space ? gpbo_study_open(NULL, "steps", space, &o) : NULL;
    double *ms = malloc(steps * sizeof *ms);
    int rc = st && ms ? 0 : 1;
    double first = 0;
    for (size_t i = 0; rc == 0 && i < n + 1 + steps; i++) {
        size_t id;
        double t0 = cpu_ms();
        if (gpbo_study_ask(st, &id, x) != GPBO_OK) {
            fprintf(stderr, "steps_bench: %s\n", gpbo_error_message());
            rc = 1;
            break;
        }
        if (i == n)
            first = cpu_ms() - t0;
        else if (i > n)
            ms[i - n - 1] = cpu_ms() - t0;
        rc = gpbo_study_tell(st, id, fn->f(dim, x)) == GPBO_OK ? 0 : 1;
    }
    if (rc == 0) {
        double mean = 0;
        for (size_t i = 0; i < steps; i++)
            mean += ms[i] / (double)steps;
        qsort(ms, steps, sizeof *ms, cmp);
        size_t p90 = (size_t)ceil(0.9 * (double)steps) - 1;
        printf("%-18s %5zu %5zu | %9.1f %9.1f %9.1f %9.1f | %7zu | %9.1f\n", fn->name, n, steps,
               mean, ms[steps / 2], ms[p90], ms[steps - 1], choices_between(n + 1, n + steps),
               first);
        fflush(stdout);
    }
    free(ms);
    gpbo_study_close(st);
    gpbo_space_free(space);
    return rc;
}

int main(int argc, char **argv)
{
    const char *problems = "hartmann6,rosenbrock:4,styblinski_tang:4", *at = "60,200";
    size_t steps = 20;
    uint64_t seed = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--problems"))
            problems = argv[i + 1];
        else if (!strcmp(argv[i], "--at"))
            at = argv[i + 1];
        else if (!strcmp(argv[i], "--steps"))
            steps = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: %s [--problems LIST] [--at LIST] [--steps K] [--seed S]\n",
                    argv[0]);
            return 2;
        }
    }
    if (steps == 0 || argc % 2 == 0) {
        fprintf(stderr, "usage: %s [--problems LIST] [--at LIST] [--steps K] [--seed S]\n",
                argv[0]);
        return 2;
    }
    const char *threads = getenv("OPENBLAS_NUM_THREADS"), *core = getenv("OPENBLAS_CORETYPE");
    printf("OPENBLAS_NUM_THREADS=%s, kernels %s; step = one ask, thread CPU ms\n",
           threads ? threads : "(unset)", core ? core : "(OpenBLAS's own choice)");
    printf("%-18s %5s %5s | %9s %9s %9s %9s | %7s | %9s\n", "problem", "n", "steps", "mean", "p50",
           "p90", "max", "choices", "first");
    char *plist = strdup(problems);
    int rc = 0;
    for (char *p = strtok(plist, ","); p && rc == 0; p = strtok(NULL, ",")) {
        char *colon = strchr(p, ':');
        size_t dim = 0;
        if (colon) {
            *colon = '\0';
            dim = strtoul(colon + 1, NULL, 10);
        }
        const gpbo_test_function *fn = gpbo_test_function_find(p);
        if (fn == NULL || (fn->dim == 0 && dim == 0) || (fn->dim ? fn->dim : dim) > DIM_MAX) {
            fprintf(stderr, "steps_bench: %s: unknown problem or dimension\n", p);
            rc = 2;
            break;
        }
        dim = fn->dim ? fn->dim : dim;
        char *alist = strdup(at), *save = NULL;
        for (char *a = strtok_r(alist, ",", &save); a && rc == 0; a = strtok_r(NULL, ",", &save))
            rc = run(fn, dim, strtoul(a, NULL, 10), steps, seed);
        free(alist);
    }
    free(plist);
    return rc;
}
