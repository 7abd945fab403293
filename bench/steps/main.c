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

/* The box of fn in dim dims as a space of floats, or NULL. */
static gpbo_space *space_of(const gpbo_test_function *fn, size_t dim)
{
    double lo[DIM_MAX], hi[DIM_MAX];
    fn->bounds(dim, lo, hi);
    gpbo_space *space = gpbo_space_new();
    for (size_t k = 0; k < dim && space; k++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", k);
        if (gpbo_space_add_float(space, name, lo[k], hi[k], 0) != GPBO_OK) {
            gpbo_space_free(space);
            return NULL;
        }
    }
    return space;
}

/* Mean, median, 90th percentile and largest of ms[0..k) (sorted in place) into out[4]. */
static void summary(double *ms, size_t k, double *out)
{
    out[0] = 0;
    for (size_t i = 0; i < k; i++)
        out[0] += ms[i] / (double)k;
    qsort(ms, k, sizeof *ms, cmp);
    out[1] = ms[k / 2];
    out[2] = ms[(size_t)ceil(0.9 * (double)k) - 1];
    out[3] = ms[k - 1];
}

/* One ask of st into x (*id), its thread CPU ms into *ms. 0, or 1 with the error printed. */
static int timed_ask(gpbo_study *st, size_t *id, double *x, double *ms)
{
    double t0 = cpu_ms();
    if (gpbo_study_ask(st, id, x) != GPBO_OK) {
        fprintf(stderr, "steps_bench: %s\n", gpbo_error_message());
        return 1;
    }
    *ms = cpu_ms() - t0;
    return 0;
}

/* --run: one whole study of `budget` trials with the default options (10 design points): the
 * total thread CPU of its asks, the steps' summary from 1000 observations on, the largest step,
 * and the simple regret at each of budgets[0..nb). */
static int run_study(const gpbo_test_function *fn, size_t dim, size_t budget, uint64_t seed,
                     const size_t *budgets, size_t nb)
{
    double x[DIM_MAX], best = INFINITY, total = 0, fmin = fn->optimum(dim);
    gpbo_space *space = space_of(fn, dim);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.seed = seed;
    gpbo_study *st = space ? gpbo_study_open(NULL, "steps", space, &o) : NULL;
    double *ms = malloc(budget * sizeof *ms);
    int rc = st && ms ? 0 : 1;
    printf("%-18s seed %-3llu %5zu |", fn->name, (unsigned long long)seed, budget);
    for (size_t i = 0; rc == 0 && i < budget; i++) {
        size_t id;
        if ((rc = timed_ask(st, &id, x, &ms[i])) != 0)
            break;
        total += ms[i];
        double y = fn->f(dim, x);
        best = y < best ? y : best;
        for (size_t b = 0; b < nb; b++)
            if (budgets[b] == i + 1)
                printf(" regret@%zu %.3g", i + 1, best - fmin);
        rc = gpbo_study_tell(st, id, y) == GPBO_OK ? 0 : 1;
    }
    if (rc == 0) {
        double sm[4], big = 0;
        for (size_t i = 0; i < budget; i++)
            big = ms[i] > big ? ms[i] : big;
        printf(" | asks %.1f s, largest %.0f ms", total / 1e3, big);
        if (budget > 1000) {
            summary(ms + 1000, budget - 1000, sm);
            printf(", from 1000: mean %.1f p50 %.1f p90 %.1f max %.1f ms", sm[0], sm[1], sm[2],
                   sm[3]);
        }
    }
    printf("\n");
    fflush(stdout);
    free(ms);
    gpbo_study_close(st);
    gpbo_space_free(space);
    return rc;
}

/* One line: problem fn in dim dims, n observations first, then `steps` timed steps. */
static int run(const gpbo_test_function *fn, size_t dim, size_t n, size_t steps, uint64_t seed)
{
    double x[DIM_MAX];
    gpbo_space *space = space_of(fn, dim);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.seed = seed;
    o.n_init = n;
    gpbo_study *st = space ? gpbo_study_open(NULL, "steps", space, &o) : NULL;
    double *ms = malloc(steps * sizeof *ms);
    int rc = st && ms ? 0 : 1;
    double first = 0;
    for (size_t i = 0; rc == 0 && i < n + 1 + steps; i++) {
        size_t id;
        double t;
        if ((rc = timed_ask(st, &id, x, &t)) != 0)
            break;
        if (i == n)
            first = t;
        else if (i > n)
            ms[i - n - 1] = t;
        rc = gpbo_study_tell(st, id, fn->f(dim, x)) == GPBO_OK ? 0 : 1;
    }
    if (rc == 0) {
        double sm[4];
        summary(ms, steps, sm);
        printf("%-18s %5zu %5zu | %9.1f %9.1f %9.1f %9.1f | %7zu | %9.1f\n", fn->name, n, steps,
               sm[0], sm[1], sm[2], sm[3], choices_between(n + 1, n + steps), first);
        fflush(stdout);
    }
    free(ms);
    gpbo_study_close(st);
    gpbo_space_free(space);
    return rc;
}

typedef struct args {
    const char *problems, *at, *budgets;
    size_t steps, run, seeds;
    uint64_t seed;
} args;

static int parse(int argc, char **argv, args *a)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--problems"))
            a->problems = v;
        else if (!strcmp(k, "--at"))
            a->at = v;
        else if (!strcmp(k, "--steps"))
            a->steps = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--seed"))
            a->seed = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--run"))
            a->run = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--seeds"))
            a->seeds = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--budgets"))
            a->budgets = v;
        else
            return 2;
    }
    return a->steps == 0 || a->seeds == 0 || argc % 2 == 0 ? 2 : 0;
}

/* The lines of one problem: its steps at each n of --at, or its --run studies. */
static int problem(const args *a, const gpbo_test_function *fn, size_t dim)
{
    int rc = 0;
    if (a->run) {
        size_t b[16], nb = 0;
        char *blist = strdup(a->budgets), *save = NULL;
        for (char *t = strtok_r(blist, ",", &save); t && nb < 16; t = strtok_r(NULL, ",", &save))
            b[nb++] = strtoul(t, NULL, 10);
        free(blist);
        for (size_t s = 0; s < a->seeds && rc == 0; s++)
            rc = run_study(fn, dim, a->run, a->seed + s, b, nb);
        return rc;
    }
    char *alist = strdup(a->at), *save = NULL;
    for (char *t = strtok_r(alist, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save))
        rc = run(fn, dim, strtoul(t, NULL, 10), a->steps, a->seed);
    free(alist);
    return rc;
}

int main(int argc, char **argv)
{
    args a = {"hartmann6,rosenbrock:4,styblinski_tang:4", "60,200", "200,1000,2000", 20, 0, 1, 0};
    if (parse(argc, argv, &a) != 0) {
        fprintf(stderr,
                "usage: %s [--problems LIST] [--at LIST] [--steps K] [--seed S]\n"
                "       %s --run N [--problems LIST] [--seeds K] [--seed S] [--budgets LIST]\n",
                argv[0], argv[0]);
        return 2;
    }
    const char *threads = getenv("OPENBLAS_NUM_THREADS"), *core = getenv("OPENBLAS_CORETYPE");
    printf("OPENBLAS_NUM_THREADS=%s, kernels %s; step = one ask, thread CPU ms\n",
           threads ? threads : "(unset)", core ? core : "(OpenBLAS's own choice)");
    if (!a.run)
        printf("%-18s %5s %5s | %9s %9s %9s %9s | %7s | %9s\n", "problem", "n", "steps", "mean",
               "p50", "p90", "max", "choices", "first");
    char *plist = strdup(a.problems);
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
        rc = problem(&a, fn, fn->dim ? fn->dim : dim);
    }
    free(plist);
    return rc;
}
