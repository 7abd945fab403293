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
 *   steps_bench --run N [--problems LIST] [--seeds 1] [--seed 0] [--budgets 200,1000,2000]
 *
 * A problem is a test function's name, with ":D" for its dimension where it has none of its own
 * (rosenbrock:4; 4 when left out), read as compare_bench reads one (cli/compare_core.c): a
 * dimension after a function of fixed dimension is refused, even its own ("branin:3" ran 2-D).
 * Every number is a whole number in decimal digits alone (bench/common/flags.h): --steps, --run,
 * --seeds and each of --at and --budgets from 1 to 1000000, at most 16 in a list, each of
 * --budgets at most --run; --seed any, but the last seed within 2^64 - 1. A bad flag or problem
 * is one line on stderr naming it, exit status 2, before anything runs.
 */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../search/bayes_internal.h"
#include "../common/flags.h"
#include "gpbo/error.h"
#include "gpbo/search.h"
#include "gpbo/testfn.h"

#define DIM_MAX      300 /* wide spaces: the additive candidate's cost (README, "Wide spaces") */
#define COUNT_MAX    1000000 /* --steps, --run, --seeds, each of --at and --budgets */
#define LIST_MAX     16      /* items of --at and --budgets */
#define PROBLEMS_MAX 32      /* items of --problems */
#define PROG         "steps_bench"

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

/* A problem of --problems: its spec as written, the test function and its dimension. */
typedef struct problem_spec {
    char spec[64];
    const gpbo_test_function *fn;
    size_t dim;
} problem_spec;

typedef struct args {
    const char *problems;
    size_t at[LIST_MAX], nat, budgets[LIST_MAX], nb;
    int budgets_given; /* --budgets was given (the default's past --run are skipped) */
    size_t steps, run, seeds, seed;
} args;

/* Reads the flags into a. 0; 2 with one line printed for a bad value; -1 for the usage (an
 * unknown flag, one without its value). */
static int parse(int argc, char **argv, args *a)
{
    if (argc % 2 == 0)
        return -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        int rc = 0;
        if (!strcmp(k, "--problems"))
            a->problems = v;
        else if (!strcmp(k, "--at"))
            rc = bench_list(PROG, k, v, 1, COUNT_MAX, LIST_MAX, a->at, &a->nat);
        else if (!strcmp(k, "--steps"))
            rc = bench_number(PROG, k, v, 1, COUNT_MAX, &a->steps);
        else if (!strcmp(k, "--seed"))
            rc = bench_number(PROG, k, v, 0, SIZE_MAX, &a->seed);
        else if (!strcmp(k, "--run"))
            rc = bench_number(PROG, k, v, 1, COUNT_MAX, &a->run);
        else if (!strcmp(k, "--seeds"))
            rc = bench_number(PROG, k, v, 1, COUNT_MAX, &a->seeds);
        else if (!strcmp(k, "--budgets")) {
            rc = bench_list(PROG, k, v, 1, COUNT_MAX, LIST_MAX, a->budgets, &a->nb);
            a->budgets_given = 1;
        } else
            return -1;
        if (rc != 0)
            return rc;
    }
    /* what depends on several flags, checked once all are read (either may come first) */
    if (a->run && a->budgets_given &&
        bench_at_most(PROG, "--budgets", a->budgets, a->nb, "--run", a->run))
        return 2;
    return bench_seeds_fit(PROG, "--seed", a->seed, a->seeds);
}

/* One problem "name" or, for a test function of any dimension, "name:dim" (4 by default) into
 * p, as compare_core.c's problem_parse reads a test function: the dimension in digits alone,
 * from the function's least to DIM_MAX, where its optimum is known (--run's regret); none after
 * a function of fixed dimension, not even its own (it was ignored: "branin:3" ran 2-D; and the
 * same problem would have two names). Test functions only: this bench opens plain studies. 0, or
 * 2 with one line on stderr. */
static int problem_parse(const char *spec, size_t len, problem_spec *p)
{
    if (len >= sizeof p->spec) {
        fprintf(stderr, PROG ": problem '%.*s' is longer than %zu bytes\n", (int)len, spec,
                sizeof p->spec - 1);
        return 2;
    }
    char nm[sizeof p->spec];
    memcpy(p->spec, spec, len);
    p->spec[len] = '\0';
    memcpy(nm, p->spec, len + 1);
    char *colon = strchr(nm, ':');
    if (colon)
        *colon = '\0';
    if ((p->fn = gpbo_test_function_find(nm)) == NULL) {
        fprintf(stderr, PROG ": problem '%s': %s\n", p->spec, gpbo_error_message());
        return 2;
    }
    if (p->fn->dim && colon) {
        fprintf(stderr, PROG ": problem '%s': %s is %zu-D; it takes no dimension (write '%s')\n",
                p->spec, nm, p->fn->dim, nm);
        return 2;
    }
    p->dim = p->fn->dim ? p->fn->dim : 4;
    if (colon) {
        char what[sizeof p->spec + 32];
        snprintf(what, sizeof what, "problem '%.*s': the dimension", (int)len, spec);
        if (bench_number(PROG, what, colon + 1, p->fn->min_dim, DIM_MAX, &p->dim) != 0)
            return 2;
    }
    if (p->dim < p->fn->min_dim || isnan(p->fn->optimum(p->dim))) {
        fprintf(stderr, PROG ": problem '%s': dimension %zu is not supported\n", p->spec, p->dim);
        return 2;
    }
    return 0;
}

/* The comma-separated problems s into ps[0..*n) (at most PROBLEMS_MAX, none empty). 0, or 2
 * with one line on stderr. */
static int problems_parse(const char *s, problem_spec *ps, size_t *n)
{
    *n = 0;
    for (const char *p = s;; p++) {
        size_t len = strcspn(p, ",");
        if (*n == PROBLEMS_MAX) {
            fprintf(stderr, PROG ": --problems takes at most %d values\n", PROBLEMS_MAX);
            return 2;
        }
        if (len == 0) { /* strtok skipped it */
            fprintf(stderr, PROG ": --problems holds an empty item (not '%s')\n", s);
            return 2;
        }
        if (problem_parse(p, len, &ps[*n]) != 0)
            return 2;
        ++*n;
        p += len;
        if (*p == '\0')
            return 0;
    }
}

/* The lines of one problem: its steps at each n of --at, or its --run studies. */
static int problem(const args *a, const problem_spec *p)
{
    int rc = 0;
    if (a->run) {
        for (size_t s = 0; s < a->seeds && rc == 0; s++)
            rc = run_study(p->fn, p->dim, a->run, (uint64_t)(a->seed + s), a->budgets, a->nb);
        return rc;
    }
    for (size_t i = 0; i < a->nat && rc == 0; i++)
        rc = run(p->fn, p->dim, a->at[i], a->steps, (uint64_t)a->seed);
    return rc;
}

int main(int argc, char **argv)
{
    args a = {"hartmann6,rosenbrock:4,styblinski_tang:4",
              {60, 200},
              2,
              {200, 1000, 2000},
              3,
              0,
              20,
              0,
              1,
              0};
    problem_spec ps[PROBLEMS_MAX];
    size_t np = 0;
    int rc = parse(argc, argv, &a);
    if (rc < 0) {
        fprintf(stderr,
                "usage: %s [--problems LIST] [--at LIST] [--steps K] [--seed S]\n"
                "       %s --run N [--problems LIST] [--seeds K] [--seed S] [--budgets LIST]\n",
                argv[0], argv[0]);
        return 2;
    }
    if (rc != 0 || problems_parse(a.problems, ps, &np) != 0)
        return 2;
    /* the kernels OpenBLAS loaded, not the environment's wish: with OPENBLAS_CORETYPE unset the
     * line used to say "OpenBLAS's own choice" without naming it */
    const char *core = getenv("OPENBLAS_CORETYPE");
    printf("OpenBLAS threads: %d, kernels: %s (%s); step = one ask, thread CPU ms\n",
           openblas_get_num_threads(), openblas_get_corename(),
           core ? "OPENBLAS_CORETYPE" : "OpenBLAS's own choice");
    if (!a.run)
        printf("%-18s %5s %5s | %9s %9s %9s %9s | %7s | %9s\n", "problem", "n", "steps", "mean",
               "p50", "p90", "max", "choices", "first");
    for (size_t i = 0; i < np && rc == 0; i++)
        rc = problem(&a, &ps[i]);
    return rc;
}
