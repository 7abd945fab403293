/*
 * bench/compare: how fast each strategy finds the optimum. Runs every strategy on every test
 * function for every seed, each run in its own process (--jobs at a time), and writes
 *   - a CSV (--csv FILE): strategy, problem, seed, evaluation, best value so far, simple regret;
 *   - a summary on stdout: the median and quartiles of the simple regret (best found minus the
 *     known optimum) at each budget, the ratio of random search's median to each strategy's,
 *     and the median wall time of one Bayesian step (GP fit + proposal) at the given numbers
 *     of observations.
 *
 * Usage: compare_bench [--strategies bayes,random,sobol] [--problems branin,hartmann6,...]
 *          [--seeds N] [--budget N] [--init N] [--budgets 10,30,60] [--jobs N] [--csv FILE]
 *          [--time-at 60,200] [--acquisition logei|ei|logpi|lcb|thompson] [--priors 0|1]
 * A problem is a test function name, with ":D" for its dimension where it has none of its own
 * (rosenbrock:4). The default problem list is every test function (4-D where configurable).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gpbo/error.h"
#include "gpbo/search.h"
#include "gpbo/testfn.h"

#define MAXL 32

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t split(char *s, char **out, size_t cap)
{
    size_t n = 0;
    for (char *t = strtok(s, ","); t && n < cap; t = strtok(NULL, ","))
        out[n++] = t;
    return n;
}

typedef struct problem {
    const gpbo_test_function *f;
    size_t dim;
    char label[96];
    double lo[64], hi[64];
} problem;

static int parse_problem(const char *spec, problem *p)
{
    char name[64];
    snprintf(name, sizeof name, "%s", spec);
    char *colon = strchr(name, ':');
    size_t dim = 0;
    if (colon) {
        *colon = '\0';
        dim = strtoul(colon + 1, NULL, 10);
    }
    p->f = gpbo_test_function_find(name);
    if (p->f == NULL)
        return -1;
    p->dim = p->f->dim ? p->f->dim : (dim ? dim : 4);
    if (p->dim < p->f->min_dim || p->dim > 64)
        return -1;
    if (p->f->dim)
        snprintf(p->label, sizeof p->label, "%s", name);
    else
        snprintf(p->label, sizeof p->label, "%s:%zu", name, p->dim);
    p->f->bounds(p->dim, p->lo, p->hi);
    return isnan(p->f->optimum(p->dim)) ? -1 : 0;
}

static int objective(const gpbo_space *s, size_t id, const double *v, double *out, void *payload)
{
    (void)s;
    (void)id;
    const problem *p = payload;
    *out = p->f->f(p->dim, v);
    return 0;
}

/* One run in the child: writes budget best-so-far values and budget step times to fd. */
static gpbo_acq_kind g_acq = GPBO_ACQ_LOGEI;
static int g_priors = -1;   /* -1: the study's default */
static int g_additive = -1; /* -1: the study's default */
static long g_restart = -1; /* -1: the study's default */

static int run_one(const char *strategy, const problem *p, uint64_t seed, size_t budget,
                   size_t init, FILE *out)
{
    gpbo_space *s = gpbo_space_new();
    for (size_t k = 0; k < p->dim; k++) {
        char nm[24];
        snprintf(nm, sizeof nm, "x%zu", k);
        gpbo_space_add_float(s, nm, p->lo[k], p->hi[k], 0);
    }
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    o.seed = seed;
    o.n_init = init;
    o.lhs_size = budget;
    o.acquisition = g_acq;
    if (g_priors >= 0)
        o.use_priors = g_priors;
    if (g_additive >= 0)
        o.additive = g_additive;
    if (g_restart >= 0)
        o.restart = (size_t)g_restart;
    gpbo_study *st = gpbo_study_open(NULL, "compare", s, &o);
    if (st == NULL) {
        fprintf(stderr, "%s\n", gpbo_error_message());
        return 1;
    }
    double best = INFINITY, v[64];
    for (size_t i = 0; i < budget; i++) {
        size_t id;
        double t0 = now();
        int rc = gpbo_study_ask(st, &id, v);
        double dt = now() - t0;
        if (rc != GPBO_OK) {
            fprintf(stderr, "%s %s seed %llu: %s\n", strategy, p->label, (unsigned long long)seed,
                    gpbo_error_message());
            return 1;
        }
        double y;
        objective(s, id, v, &y, (void *)p);
        gpbo_study_tell(st, id, y);
        best = y < best ? y : best;
        fprintf(out, "%.17g %.9g\n", best, dt);
    }
    gpbo_study_close(st);
    gpbo_space_free(s);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quant(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp);
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    double f = pos - (double)i;
    return i + 1 < n ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

int main(int argc, char **argv)
{
    char sbuf[512] = "bayes,random,sobol", pbuf[1024] = "", bbuf[256] = "", tbuf[256] = "";
    const char *csv = NULL;
    size_t seeds = 20, budget = 60, init = 10, jobs = 2;
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL || !strcmp(a, "-h") || !strcmp(a, "--help")) {
            fprintf(stderr,
                    "usage: %s [--strategies LIST] [--problems LIST] [--seeds N] [--budget N]\n"
                    "       [--budgets LIST] [--init N] [--jobs N] [--csv FILE] [--time-at LIST]\n"
                    "       [--acquisition KIND] [--priors 0|1] [--additive 0|1]\n"
                    "       [--restart N (0: never)]\n",
                    argv[0]);
            return v == NULL && strcmp(a, "-h") && strcmp(a, "--help") ? 2 : 0;
        }
        if (!strcmp(a, "--strategies"))
            snprintf(sbuf, sizeof sbuf, "%s", v);
        else if (!strcmp(a, "--problems"))
            snprintf(pbuf, sizeof pbuf, "%s", v);
        else if (!strcmp(a, "--budgets"))
            snprintf(bbuf, sizeof bbuf, "%s", v);
        else if (!strcmp(a, "--time-at"))
            snprintf(tbuf, sizeof tbuf, "%s", v);
        else if (!strcmp(a, "--seeds"))
            seeds = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--budget"))
            budget = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--init"))
            init = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--jobs"))
            jobs = strtoul(v, NULL, 10);
        else if (!strcmp(a, "--csv"))
            csv = v;
        else if (!strcmp(a, "--acquisition")) {
            if (gpbo_acq_kind_parse(v, &g_acq) != GPBO_OK) {
                fprintf(stderr, "%s\n", gpbo_error_message());
                return 2;
            }
        } else if (!strcmp(a, "--priors"))
            g_priors = atoi(v) != 0;
        else if (!strcmp(a, "--additive"))
            g_additive = atoi(v) != 0;
        else if (!strcmp(a, "--restart"))
            g_restart = atol(v) > 0 ? atol(v) : 0;
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
    }
    if (pbuf[0] == '\0') {
        size_t off = 0;
        for (const gpbo_test_function *f = gpbo_test_functions(); f->name; f++)
            off +=
                (size_t)snprintf(pbuf + off, sizeof pbuf - off, "%s%s%s", off ? "," : "", f->name,
                                 f->dim ? "" : (!strcmp(f->name, "michalewicz") ? ":2" : ":4"));
    }
    if (bbuf[0] == '\0')
        snprintf(bbuf, sizeof bbuf, "%zu", budget);
    char *snames[MAXL], *pnames[MAXL], *bnames[MAXL], *tnames[MAXL];
    size_t ns = split(sbuf, snames, MAXL), np = split(pbuf, pnames, MAXL);
    size_t nb = split(bbuf, bnames, MAXL), nt = tbuf[0] ? split(tbuf, tnames, MAXL) : 0;
    problem probs[MAXL];
    for (size_t i = 0; i < np; i++)
        if (parse_problem(pnames[i], &probs[i]) != 0) {
            fprintf(stderr, "bad problem '%s'\n", pnames[i]);
            return 2;
        }
    if (seeds < 1 || budget < 1 || jobs < 1)
        return 2;
    char tmpl[] = "/tmp/gpbo-compare-XXXXXX";
    if (mkdtemp(tmpl) == NULL)
        return 1;
    size_t total = ns * np * seeds, next = 0, running = 0, failed = 0;
    double t0 = now();
    while (next < total || running > 0) {
        while (running < jobs && next < total) {
            size_t j = next++;
            pid_t pid = fork();
            if (pid == 0) {
                size_t si = j / (np * seeds), pi = (j / seeds) % np, seed = j % seeds;
                char path[256];
                snprintf(path, sizeof path, "%s/%zu", tmpl, j);
                FILE *f = fopen(path, "w");
                int rc = f ? run_one(snames[si], &probs[pi], seed, budget, init, f) : 1;
                if (f)
                    fclose(f);
                _exit(rc);
            }
            running++;
        }
        int status;
        if (wait(&status) > 0) {
            running--;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                failed++;
        }
    }
    double elapsed = now() - t0;
    FILE *out = csv ? fopen(csv, "w") : NULL;
    if (out)
        fprintf(out, "strategy,problem,seed,evaluation,best,regret\n");
    double *reg = malloc(total * budget * sizeof *reg), *tim = malloc(total * budget * sizeof *tim);
    for (size_t j = 0; j < total; j++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%zu", tmpl, j);
        FILE *f = fopen(path, "r");
        size_t pi = (j / seeds) % np;
        double opt = probs[pi].f->optimum(probs[pi].dim);
        for (size_t e = 0; e < budget; e++) {
            double b = NAN, t = NAN;
            if (f == NULL || fscanf(f, "%lf %lf", &b, &t) != 2)
                b = t = NAN;
            reg[j * budget + e] = b - opt;
            tim[j * budget + e] = t;
            if (out)
                fprintf(out, "%s,%s,%zu,%zu,%.17g,%.6g\n", snames[j / (np * seeds)],
                        probs[pi].label, j % seeds, e + 1, b, b - opt);
        }
        if (f)
            fclose(f);
        unlink(path);
    }
    rmdir(tmpl);
    if (out)
        fclose(out);
    printf("compare: %zu strategies x %zu problems x %zu seeds, budget %zu (%zu initial for "
           "bayes), %zu jobs, %.0f s%s\n\n",
           ns, np, seeds, budget, init, jobs, elapsed, failed ? ", SOME RUNS FAILED" : "");
    printf("simple regret: median [q1, q3] over seeds; x = random's median / this median\n");
    double *col = malloc(seeds * sizeof *col);
    for (size_t pi = 0; pi < np; pi++) {
        for (size_t bi = 0; bi < nb; bi++) {
            size_t b = strtoul(bnames[bi], NULL, 10);
            if (b < 1 || b > budget)
                continue;
            double rmed = NAN;
            for (size_t si = 0; si < ns; si++)
                if (!strcmp(snames[si], "random")) {
                    for (size_t sd = 0; sd < seeds; sd++)
                        col[sd] = reg[((si * np + pi) * seeds + sd) * budget + b - 1];
                    rmed = quant(col, seeds, 0.5);
                }
            printf("%-18s n=%-4zu", probs[pi].label, b);
            for (size_t si = 0; si < ns; si++) {
                for (size_t sd = 0; sd < seeds; sd++)
                    col[sd] = reg[((si * np + pi) * seeds + sd) * budget + b - 1];
                double q1 = quant(col, seeds, 0.25), md = quant(col, seeds, 0.5),
                       q3 = quant(col, seeds, 0.75);
                printf(" | %s %.3g [%.2g, %.2g]", snames[si], md, q1, q3);
                if (!isnan(rmed) && strcmp(snames[si], "random"))
                    printf(" x%.3g", md > 0 ? rmed / md : INFINITY);
            }
            printf("\n");
        }
    }
    for (size_t ti = 0; ti < nt; ti++) {
        size_t at = strtoul(tnames[ti], NULL, 10);
        if (at < 1 || at > budget)
            continue;
        for (size_t si = 0; si < ns; si++) {
            if (strcmp(snames[si], "bayes"))
                continue;
            for (size_t pi = 0; pi < np; pi++) {
                for (size_t sd = 0; sd < seeds; sd++)
                    col[sd] = tim[((si * np + pi) * seeds + sd) * budget + at - 1];
                printf("bayes step time at %zu observations, %s: median %.1f ms\n", at - 1,
                       probs[pi].label, 1e3 * quant(col, seeds, 0.5));
            }
        }
    }
    free(col);
    free(reg);
    free(tim);
    return failed ? 1 : 0;
}
