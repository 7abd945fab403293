/*
 * compare_core.c: the comparison `gpbo compare` and bench/compare run (see compare_core.h):
 * the problems, the runs in forked processes, reading them back, regret, quantiles and what is
 * written of them. One implementation, so that the command and the bench cannot drift apart.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/numeric.h"
#include "compare_core.h"
#include "gpbo/rng.h"
#include "gpbo/sys/error.h"
#include "compare_cond.h"
#include "gpbo/testfn.h"
#include "report.h"

#define CMP_MAX_DIM 64 /* the largest dimension of a test-function problem */

void cmp_init(cmp *c)
{
    memset(c, 0, sizeof *c);
    c->seeds = 10;
    c->budget = 60;
    c->init = 10;
    c->jobs = 2;
    c->run_jobs = 1;
    c->opts = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
}

void cmp_free(cmp *c)
{
    for (size_t i = 0; i < c->ns; i++)
        free(c->strategies[i]);
    for (size_t i = 0; i < c->np; i++)
        free(c->problems[i]);
    c->ns = c->np = 0;
}

double cmp_quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, gpbo_cmp_double);
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    double f = pos - (double)i;
    return i + 1 < n ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

/* ---- problems ---------------------------------------------------------------------------- */

typedef struct problem {
    const gpbo_test_function *f;     /* NULL for the other kinds below */
    const gpbo_test_mo_function *mo; /* a problem of several objectives (f NULL), or NULL */
    size_t dim;
    /* a constrained problem (issue 20: testfn.h): f is then NULL, its own function and box are
     * cp's */
    const gpbo_test_constrained *cp;
    int cond, flat; /* the conditional problem (compare_cond.h), its flat encoding */
} problem;

/* The error for a dimension after the name of a problem of fixed dimension dim ("branin:3"; it
 * was run 2-D without a word). Even its own dimension ("branin:2") is refused: a problem's spec
 * names its runs' studies and the rows of the CSV, so each problem has one spelling. */
static int fixed_dim(const char *spec, const char *nm, size_t dim)
{
    return gpbo_error_set(GPBO_EINVAL,
                          "problem '%s': %s is %zu-D; it takes no dimension (write '%s')", spec, nm,
                          dim, nm);
}

/* A problem of several objectives "name" or "name:dim" (nm the name, d the dimension or 0),
 * measured by the hypervolume against the problem's reference point (compare_core.h). */
static int problem_parse_mo(const char *spec, const char *nm, size_t d, problem *p,
                            const char *names)
{
    if ((p->mo = gpbo_test_mo_function_find(nm)) == NULL) {
        /* every kind's names, from testfn's own tables */
        char cp[256] = "", mo[256] = "";
        for (const gpbo_test_constrained *c = gpbo_test_constrained_problems(); c->name; c++)
            snprintf(cp + strlen(cp), sizeof cp - strlen(cp), "%s%s", cp[0] ? ", " : "", c->name);
        for (const gpbo_test_mo_function *m = gpbo_test_mo_functions(); m->name; m++)
            snprintf(mo + strlen(mo), sizeof mo - strlen(mo), "%s%s", mo[0] ? ", " : "", m->name);
        return gpbo_error_set(GPBO_ENOTFOUND, "%s; constrained: %s; of several objectives: %s",
                              names, cp, mo);
    }
    if (p->mo->dim && d) {
        int rc = fixed_dim(spec, nm, p->mo->dim);
        p->mo = NULL;
        return rc;
    }
    d = p->mo->dim ? p->mo->dim : (d ? d : 6);
    p->dim = d;
    if (d < p->mo->min_dim || d > CMP_MAX_DIM) {
        p->mo = NULL;
        return gpbo_error_set(GPBO_EINVAL, "problem '%s': dimension %zu is not supported", spec, d);
    }
    return GPBO_OK;
}

/* The value and optimum of p: a test function, a constrained problem or the conditional one. */
static double problem_f(const problem *p, const double *x)
{
    if (p->cond)
        return cmp_cond_value(x);
    return p->cp ? p->cp->f(p->dim, x) : p->f->f(p->dim, x);
}

static double problem_optimum(const problem *p)
{
    if (p->cond)
        return 0.0;
    return p->cp ? p->cp->optimum : p->f->optimum(p->dim);
}

/* A problem "name" or, for a function of any dimension, "name:dim". GPBO_OK, or an error naming
 * it (NULL f, cp and mo). */
static int problem_parse(const char *spec, problem *p)
{
    char nm[128];
    p->cond = cmp_cond_find(spec, &p->flat);
    p->f = NULL;
    p->mo = NULL;
    p->cp = NULL;
    p->dim = CMP_COND_PARAMS;
    if (p->cond)
        return GPBO_OK;
    snprintf(nm, sizeof nm, "%s", spec);
    char *colon = strchr(nm, ':');
    size_t d = 0;
    if (colon) {
        /* digits alone, from 1: "sphere:-1", "sphere:4x", "sphere:" or "sphere:0" are no
         * dimension (strtoul read them as 2^64 - 1, 4, and the default twice) */
        *colon = '\0';
        const char *q = colon + 1;
        for (; *q >= '0' && *q <= '9'; q++)
            if (d <= CMP_MAX_DIM) /* saturates: any more digits only keep it too large */
                d = d * 10 + (size_t)(*q - '0');
        if (q == colon + 1 || *q != '\0' || d == 0)
            return gpbo_error_set(GPBO_EINVAL,
                                  "problem '%s': the dimension after ':' must be a whole number "
                                  "from 1",
                                  spec);
        if (d > CMP_MAX_DIM)
            return gpbo_error_set(GPBO_EINVAL, "problem '%s': dimension %s is not supported", spec,
                                  colon + 1);
    }
    if ((p->f = gpbo_test_function_find(nm)) == NULL) {
        char names[512]; /* the test functions, as the miss listed them */
        snprintf(names, sizeof names, "%s", gpbo_error_message());
        if ((p->cp = gpbo_test_constrained_find(nm)) == NULL)
            return problem_parse_mo(spec, nm, d, p, names);
        if (d) {
            int rc = fixed_dim(spec, nm, p->cp->dim);
            p->cp = NULL;
            return rc;
        }
        p->dim = p->cp->dim;
        return GPBO_OK;
    }
    if (p->f->dim && d) {
        int rc = fixed_dim(spec, nm, p->f->dim);
        p->f = NULL;
        return rc;
    }
    d = p->f->dim ? p->f->dim : (d ? d : 4);
    p->dim = d;
    if (d < p->f->min_dim || d > CMP_MAX_DIM || isnan(p->f->optimum(d))) {
        p->f = NULL;
        return gpbo_error_set(GPBO_EINVAL, "problem '%s': dimension %zu is not supported", spec, d);
    }
    return GPBO_OK;
}

/* The search space over the function's box: x0, x1, ... */
static gpbo_space *problem_space(const problem *p)
{
    if (p->cond)
        return cmp_cond_space(p->flat);
    double lo[CMP_MAX_DIM], hi[CMP_MAX_DIM];
    if (p->mo)
        p->mo->bounds(p->dim, lo, hi);
    else if (p->cp)
        p->cp->bounds(p->dim, lo, hi);
    else
        p->f->bounds(p->dim, lo, hi);
    gpbo_space *space = gpbo_space_new();
    for (size_t k = 0; k < p->dim; k++) {
        char pn[16];
        snprintf(pn, sizeof pn, "x%zu", k % 1000);
        gpbo_space_add_float(space, pn, lo[k], hi[k], 0);
    }
    return space;
}

/* A problem given as a sweep file (".yaml" / ".yml"), relative to the comparison file. */
static int is_sweep(const char *spec)
{
    size_t l = strlen(spec);
    return (l > 5 && !strcmp(spec + l - 5, ".yaml")) || (l > 4 && !strcmp(spec + l - 4, ".yml"));
}

static void sweep_path(const cmp *c, const char *spec, char *out, size_t cap)
{
    if (spec[0] == '/')
        snprintf(out, cap, "%s", spec);
    else
        snprintf(out, cap, "%s/%s", c->dir, spec);
}

/* cmp_check's check of problem i. */
static int check_problem(const cmp *c, size_t i)
{
    if (!is_sweep(c->problems[i])) {
        problem p;
        return problem_parse(c->problems[i], &p);
    }
    if (c->sweep_check == NULL)
        return gpbo_error_set(GPBO_EINVAL, "problem %s: sweep files run with gpbo compare",
                              c->problems[i]);
    /* gpbo run takes the study's strategies; a sweep names its own mo_acquisition */
    for (size_t si = 0; si < c->ns; si++)
        if (cmp_mo_strategy(c->strategies[si]))
            return gpbo_error_set(GPBO_EINVAL,
                                  "problem %s: the strategy '%s' runs test functions only "
                                  "(a sweep file sets mo_acquisition under gpbo:)",
                                  c->problems[i], c->strategies[si]);
    char path[1400];
    sweep_path(c, c->problems[i], path, sizeof path);
    /* the sweep loader's code and message, the problem named in front */
    if (c->sweep_check(path) != GPBO_OK)
        return gpbo_error_prefix("problem %s: ", c->problems[i]);
    return GPBO_OK;
}

int cmp_check(const cmp *c)
{
    for (size_t i = 0; i < c->np; i++) {
        int rc = check_problem(c, i);
        /* led by where the problem is written, when known: file:line:column, as every other
         * error of a compare file (the caller then names no file) */
        if (rc != GPBO_OK && c->file[0] && c->problem_at[i][0] > 0)
            return gpbo_error_prefix("%s:%zu:%zu: ", c->file, c->problem_at[i][0],
                                     c->problem_at[i][1]);
        if (rc != GPBO_OK)
            return rc;
    }
    return GPBO_OK;
}

/* ---- runs -------------------------------------------------------------------------------- */

/* Run j's strategy, problem and seed. */
static void run_of(const cmp *c, size_t j, size_t *si, size_t *pi, size_t *seed)
{
    *si = j / (c->np * c->seeds);
    *pi = (j / c->seeds) % c->np;
    *seed = c->seed0 + j % c->seeds;
}

static void run_name(const cmp *c, size_t j, char *out, size_t cap)
{
    size_t si, pi, seed;
    run_of(c, j, &si, &pi, &seed);
    snprintf(out, cap, "%s/%s/%zu", c->strategies[si], c->problems[pi], seed);
}

/* Each run of a sweep problem is `gpbo run` on a database of its own under <stem>.sweeps/
 * (its trial directories next to it), so runs never share trial folders. */
static void sweep_db(const cmp *c, size_t j, char *out, size_t cap)
{
    size_t si, pi, seed;
    run_of(c, j, &si, &pi, &seed);
    snprintf(out, cap, "%s/%s.sweeps/%s-p%zu-s%zu.db", c->dir, c->stem, c->strategies[si], pi,
             seed);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* In a forked child: replaces it with `gpbo run` of the sweep (output to a log beside its
 * database). Returns only on failure. */
static int run_sweep(const cmp *c, size_t j)
{
    size_t si, pi, seed;
    run_of(c, j, &si, &pi, &seed);
    char path[1400], db[1400], log[1500], name[512], sd[32], budget[32], init[32], rj[32];
    sweep_path(c, c->problems[pi], path, sizeof path);
    sweep_db(c, j, db, sizeof db);
    run_name(c, j, name, sizeof name);
    snprintf(log, sizeof log, "%.*s.log", (int)(strlen(db) - 3), db);
    snprintf(sd, sizeof sd, "%zu", seed);
    snprintf(budget, sizeof budget, "%zu", c->budget);
    snprintf(init, sizeof init, "%zu", c->init);
    snprintf(rj, sizeof rj, "%zu", c->run_jobs ? c->run_jobs : 1);
    FILE *f = freopen(log, "a", stdout);
    if (f == NULL || dup2(fileno(stdout), 2) < 0)
        return 1;
    char *argv[] = {
        "gpbo",   "run",    path,       "--storage", db,           "--study",         name,
        "--seed", sd,       "--trials", budget,      "--strategy", c->strategies[si], "--init",
        init,     "--jobs", rj,         NULL};
    /* only gpbo compare accepts sweep problems (cmp.sweep_check), so this is gpbo */
    execv("/proc/self/exe", argv);
    fprintf(stderr, "gpbo compare: cannot run gpbo: %s\n", strerror(errno));
    return 1;
}

const char *const cmp_mo_strategies[CMP_MO_STRATEGIES] = {"bayes-ehvi", "bayes-parego"};

int cmp_mo_strategy(const char *name)
{
    for (size_t k = 0; k < CMP_MO_STRATEGIES; k++)
        if (strcmp(name, cmp_mo_strategies[k]) == 0)
            return 1;
    return 0;
}

/* "bayes-ehvi" and "bayes-parego": the Bayesian strategy with that step for several
 * objectives (compare_core.h). */
static void mo_strategy(const char *name, gpbo_study_options *o)
{
    if (cmp_mo_strategy(name)) {
        o->strategy = "bayes";
        o->mo_acquisition = name[6] == 'p' ? GPBO_MO_PAREGO : GPBO_MO_EHVI;
    }
}

/* A constrained problem's constraint metrics at x, reported for trial id (set_metrics). */
static int report_constraints(gpbo_study *st, const problem *p, size_t id, const double *x)
{
    if (p->cp == NULL)
        return GPBO_OK;
    double cv[GPBO_TEST_MAX_CONSTRAINTS];
    for (size_t k = 0; k < p->cp->nc; k++)
        cv[k] = p->cp->c(k, x);
    return gpbo_study_set_metrics(st, id, p->cp->nc, p->cp->cname, cv);
}

/* The noise of trial id in the run of seed seed: c->noise times a standard normal draw that
 * depends on the two alone, so a run continued after a restart adds the same noise. */
static double trial_noise(const cmp *c, size_t seed, size_t id)
{
    if (c->noise <= 0)
        return 0.0;
    gpbo_rng rng;
    gpbo_rng_seed(&rng, ((uint64_t)seed << 32) ^ (uint64_t)id ^ 0x6e6f697365ULL);
    return c->noise * gpbo_rng_normal(&rng);
}

/* In a forked child: run j of a test function on its study in db until the study holds budget
 * finished trials; each ask's seconds go to ask_s[k] (k: trials finished before it) unless
 * ask_s is NULL. Returns the exit status: 0 when done (or the strategy is exhausted). */
static int run_function(const cmp *c, const char *db, size_t j, double *ask_s)
{
    size_t si, pi, seed;
    run_of(c, j, &si, &pi, &seed);
    char name[512];
    run_name(c, j, name, sizeof name);
    problem p;
    gpbo_space *sp = NULL;
    gpbo_study *st = NULL;
    int rc = problem_parse(c->problems[pi], &p);
    if (rc != GPBO_OK)
        goto cleanup;
    sp = problem_space(&p);
    gpbo_study_options o = c->opts;
    o.strategy = c->strategies[si];
    static const char *const objectives[] = {"f1", "f2", "f3"};
    if (p.mo) {
        o.n_objectives = p.mo->nobj;
        o.objective_names = objectives;
    }
    mo_strategy(c->strategies[si], &o); /* for one objective: the Bayesian strategy as it is */
    o.seed = seed;
    o.n_init = c->init;
    o.lhs_size = c->budget;
    gpbo_constraint cons[GPBO_TEST_MAX_CONSTRAINTS];
    for (size_t k = 0; p.cp && k < p.cp->nc; k++)
        cons[k] = (gpbo_constraint){p.cp->cname[k], p.cp->cmin[k], p.cp->cmax[k]};
    o.n_constraints = p.cp ? p.cp->nc : 0;
    o.constraints = cons;
    st = gpbo_study_open(db, name, sp, &o);
    rc = st ? GPBO_OK : gpbo_error_code();
    /* run_jobs trials in flight, as that many workers would have them: each ask is made with
     * the ones asked before it and not yet told pending, and the oldest is told first */
    size_t width = c->run_jobs ? c->run_jobs : 1, nfly = 0, *fid = malloc(width * sizeof *fid);
    double *fv = malloc(width * CMP_MAX_DIM * sizeof *fv);
    if (rc == GPBO_OK && (fid == NULL || fv == NULL))
        rc = gpbo_error_set(GPBO_ENOMEM, "out of memory");
    int exhausted = 0;
    while (rc == GPBO_OK) {
        size_t cnt[GPBO_TRIAL_STATE_COUNT], id;
        gpbo_study_counts(st, cnt);
        size_t done = cnt[GPBO_TRIAL_COMPLETE] + cnt[GPBO_TRIAL_FAILED] + cnt[GPBO_TRIAL_PRUNED];
        if (done >= c->budget || (exhausted && nfly == 0))
            break;
        while (rc == GPBO_OK && !exhausted && nfly < width && done + nfly < c->budget) {
            double t0 = now();
            rc = gpbo_study_ask(st, &id, fv + nfly * CMP_MAX_DIM);
            if (rc == GPBO_OK && ask_s)
                ask_s[done + nfly] = now() - t0;
            if (rc == GPBO_OK)
                fid[nfly++] = id;
            else if (rc == GPBO_EEXHAUSTED && nfly > 0) {
                exhausted = 1; /* the ones in flight are told first */
                rc = GPBO_OK;
            }
        }
        if (rc != GPBO_OK || nfly == 0)
            break;
        double *v = fv, y[3];
        id = fid[0];
        if (p.mo)
            p.mo->f(p.dim, v, y);
        rc = report_constraints(st, &p, id, v);
        if (rc == GPBO_OK)
            rc = p.mo ? gpbo_study_tell_values(st, id, p.mo->nobj, y)
                      : gpbo_study_tell(st, id, problem_f(&p, v) + trial_noise(c, seed, id));
        nfly--;
        memmove(fid, fid + 1, nfly * sizeof *fid);
        memmove(fv, fv + CMP_MAX_DIM, nfly * CMP_MAX_DIM * sizeof *fv);
    }
    free(fid);
    free(fv);
    if (rc == GPBO_OK && exhausted)
        rc = GPBO_EEXHAUSTED;
cleanup:
    if (rc != GPBO_OK && rc != GPBO_EEXHAUSTED)
        fprintf(stderr, "gpbo compare: %s: %s\n", name, gpbo_error_message());
    gpbo_study_close(st);
    gpbo_space_free(sp);
    return rc == GPBO_OK || rc == GPBO_EEXHAUSTED ? 0 : 1;
}

/* The progress line of run j, the done-th to end (c->progress): on stderr, flushed. */
static void run_ended(const cmp *c, size_t j, size_t done, size_t total, int ok, double t0)
{
    if (!c->progress)
        return;
    char name[512];
    run_name(c, j, name, sizeof name);
    int el = (int)(now() - t0);
    fprintf(stderr, "gpbo compare: [%zu/%zu] %s %s | %02d:%02d elapsed\n", done, total, name,
            ok ? "done" : "FAILED", el / 60, el % 60);
    fflush(stderr);
}

/* Runs every run in forked children, at most c->jobs at a time; a child dies with this process
 * (a rerun must not race a left-over run for the same study). ask_s: shared memory of budget
 * values a run, or NULL. Returns the number of runs that failed or could not start. */
static size_t fan_out(const cmp *c, const char *db, double *ask_s, size_t total)
{
    size_t next = 0, running = 0, failed = 0, done = 0;
    pid_t *pids = calloc(total ? total : 1, sizeof *pids); /* run j's process; NULL: no names */
    double t0 = now();
    fflush(stdout);
    while (next < total || running > 0) {
        while (running < c->jobs && next < total) {
            size_t j = next++, si, pi, seed;
            run_of(c, j, &si, &pi, &seed);
            pid_t parent = getpid(), pid = fork();
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                    _exit(1);
                _exit(is_sweep(c->problems[pi])
                          ? run_sweep(c, j)
                          : run_function(c, db, j, ask_s ? ask_s + j * c->budget : NULL));
            }
            if (pid > 0) {
                running++;
            } else {
                failed++;
                run_ended(c, j, ++done, total, 0, t0);
            }
            if (pids)
                pids[j] = pid;
        }
        int st;
        pid_t pid = wait(&st);
        if (pid > 0) {
            running--;
            int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
            failed += !ok;
            size_t j = 0;
            while (pids && j < total && pids[j] != pid)
                j++;
            if (pids && j < total)
                run_ended(c, j, ++done, total, ok, t0);
        }
    }
    free(pids);
    return failed;
}

/* A run of several objectives: minus the hypervolume of its first e + 1 trials, per evaluation
 * e, against the problem's reference point (0 before any). */
static void read_run_mo(const cmp *c, gpbo_study *st, const problem *p, double *best)
{
    size_t k = p->mo->nobj, m = 0;
    double *y = malloc((c->budget ? c->budget : 1) * k * sizeof *y);
    for (size_t e = 0; e < c->budget; e++) {
        if (y && st && gpbo_study_trial_objectives(st, e, y + m * k) == GPBO_OK)
            m++;
        best[e] = y ? -gpbo_hypervolume(m, k, y, p->mo->ref) : INFINITY;
    }
    free(y);
}

/* Reads run j back: its best value so far per evaluation, in the minimizing sense, into
 * best[0..budget) (INFINITY before the first complete trial; all of it when the run left no
 * study). Sets *maxi from its study's direction, when there is a study. */
static void read_run(const cmp *c, const char *db, size_t j, double *best, int *maxi, double *rec)
{
    size_t si, pi, seed;
    run_of(c, j, &si, &pi, &seed);
    char name[512], sdb[1400];
    run_name(c, j, name, sizeof name);
    const char *from = db;
    if (is_sweep(c->problems[pi])) {
        sweep_db(c, j, sdb, sizeof sdb);
        from = sdb;
    }
    gpbo_study *st = access(from, F_OK) == 0 ? gpbo_study_open(from, name, NULL, NULL) : NULL;
    problem p;
    int parsed = !is_sweep(c->problems[pi]) && problem_parse(c->problems[pi], &p) == GPBO_OK;
    if (parsed && p.mo) {
        *maxi = 1; /* the hypervolume: its negative is minimized */
        read_run_mo(c, st, &p, best);
        gpbo_study_close(st);
        return;
    }
    if (st)
        *maxi = gpbo_study_direction(st) == GPBO_MAXIMIZE;
    /* with noise (a test function's only: a sweep's problem is parsed as none), the true value
     * at the trial of the best noisy one */
    int noisy = c->noise > 0 && parsed;
    double b = INFINITY, truth = INFINITY;
    for (size_t e = 0; e < c->budget; e++) {
        gpbo_trial_info t;
        /* feasible: complete, and within the constraints of a constrained problem */
        if (st && gpbo_study_trial(st, e, &t) == GPBO_OK && gpbo_study_trial_feasible(st, e) &&
            (*maxi ? -t.value : t.value) < b) {
            b = *maxi ? -t.value : t.value;
            truth = noisy ? problem_f(&p, t.values) : b;
        }
        best[e] = truth;
    }
    gpbo_trial_info t;
    if (noisy && rec && st && gpbo_study_recommend(st, &t, NULL) == GPBO_OK)
        *rec = problem_f(&p, t.values) - problem_optimum(&p);
    gpbo_study_close(st);
}

/* The regret's reference of problem pi: the known optimum of a test function; for a sweep, the
 * best value any run found (best in the minimizing sense). */
static double reference(const cmp *c, size_t pi, const double *best, size_t total)
{
    problem p;
    size_t B = c->budget;
    if (!is_sweep(c->problems[pi]) && problem_parse(c->problems[pi], &p) == GPBO_OK)
        return p.mo ? -p.mo->front_hv(p.dim) : problem_optimum(&p);
    double opt = INFINITY;
    for (size_t j = 0; j < total; j++)
        if ((j / c->seeds) % c->np == pi && best[j * B + B - 1] < opt)
            opt = best[j * B + B - 1];
    return opt;
}

/* Reads every run back into r (its arrays allocated) and turns best values into regret. */
static int read_back(const cmp *c, const char *db, cmp_result *r)
{
    size_t B = c->budget, total = r->total;
    int rc = GPBO_OK;
    int *maxi = calloc(c->np, sizeof *maxi);
    r->best = malloc(total * B * sizeof *r->best);
    r->reg = malloc(total * B * sizeof *r->reg);
    r->rec = c->noise > 0 ? malloc(total * sizeof *r->rec) : NULL;
    if (maxi == NULL || r->best == NULL || r->reg == NULL || (c->noise > 0 && r->rec == NULL)) {
        rc = gpbo_error_set(GPBO_ENOMEM, "compare: out of memory");
        goto cleanup;
    }
    for (size_t j = 0; r->rec && j < total; j++)
        r->rec[j] = NAN;
    for (size_t j = 0; j < total; j++)
        read_run(c, db, j, r->best + j * B, &maxi[(j / c->seeds) % c->np],
                 r->rec ? r->rec + j : NULL);
    for (size_t pi = 0; pi < c->np; pi++) {
        double opt = reference(c, pi, r->best, total);
        for (size_t j = 0; j < total; j++) {
            if ((j / c->seeds) % c->np != pi)
                continue;
            for (size_t e = 0; e < B; e++) {
                double b = r->best[j * B + e];
                r->reg[j * B + e] = b - opt;
                r->best[j * B + e] = maxi[pi] ? -b : b;
            }
        }
    }
cleanup:
    free(maxi);
    return rc;
}

/* Makes <stem>.sweeps/ when a problem is a sweep, and the database before the children race
 * for it. */
static int prepare(const cmp *c, const char *db)
{
    for (size_t i = 0; i < c->np; i++) {
        if (!is_sweep(c->problems[i]))
            continue;
        char dir[1400];
        snprintf(dir, sizeof dir, "%s/%s.sweeps", c->dir, c->stem);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            return gpbo_error_set(GPBO_EIO, "%s: %s", dir, strerror(errno));
        break;
    }
    gpbo_space *sp = gpbo_space_new();
    gpbo_space_add_float(sp, "x", 0, 1, 0);
    gpbo_study *probe = gpbo_study_open(db, "_compare_", sp, NULL);
    gpbo_space_free(sp);
    if (probe == NULL)
        return gpbo_error_code();
    gpbo_study_close(probe);
    return GPBO_OK;
}

int cmp_run(const cmp *c, cmp_result *out)
{
    memset(out, 0, sizeof *out);
    out->total = c->ns * c->np * c->seeds;
    size_t cells = out->total * c->budget;
    char db[1400];
    snprintf(db, sizeof db, "%s/%s.db", c->dir, c->stem);
    double *shared = MAP_FAILED;
    int rc = prepare(c, db);
    if (rc != GPBO_OK)
        goto cleanup;
    if (c->time_asks) {
        /* the children write their ask times where the parent reads them */
        shared = mmap(NULL, cells * sizeof *shared, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        out->ask_s = malloc(cells * sizeof *out->ask_s);
        if (shared == MAP_FAILED || out->ask_s == NULL) {
            rc = gpbo_error_set(GPBO_ENOMEM, "compare: no memory for %zu ask times", cells);
            goto cleanup;
        }
        for (size_t k = 0; k < cells; k++)
            shared[k] = NAN;
    }
    out->failed = fan_out(c, db, shared == MAP_FAILED ? NULL : shared, out->total);
    if (out->ask_s)
        memcpy(out->ask_s, shared, cells * sizeof *shared);
    rc = read_back(c, db, out);
cleanup:
    if (shared != MAP_FAILED)
        munmap(shared, cells * sizeof *shared);
    if (rc != GPBO_OK)
        cmp_result_free(out);
    return rc;
}

void cmp_result_free(cmp_result *r)
{
    free(r->best);
    free(r->reg);
    free(r->ask_s);
    free(r->rec);
    r->best = r->reg = r->ask_s = r->rec = NULL;
}

/* ---- what is written of them ------------------------------------------------------------- */

int cmp_write_csv(const cmp *c, const cmp_result *r, const char *path)
{
    FILE *out = fopen(path, "w");
    if (out == NULL)
        return gpbo_error_set(GPBO_EIO, "%s: cannot write: %s", path, strerror(errno));
    fprintf(out, "strategy,problem,seed,evaluation,best,regret\n");
    for (size_t j = 0; j < r->total; j++) {
        size_t si, pi, seed;
        run_of(c, j, &si, &pi, &seed);
        for (size_t e = 0; e < c->budget; e++)
            fprintf(out, "%s,%s,%zu,%zu,%.17g,%.6g\n", c->strategies[si], c->problems[pi], seed,
                    e + 1, r->best[j * c->budget + e], r->reg[j * c->budget + e]);
    }
    /* with noise, the model's recommendation at the end: a row of its own "strategy" */
    for (size_t j = 0; r->rec && j < r->total; j++) {
        size_t si, pi, seed;
        run_of(c, j, &si, &pi, &seed);
        if (!isnan(r->rec[j]))
            fprintf(out, "%s@model,%s,%zu,%zu,,%.6g\n", c->strategies[si], c->problems[pi], seed,
                    c->budget, r->rec[j]);
    }
    int bad = ferror(out);
    errno = 0;
    bad |= fclose(out) != 0;
    return bad ? gpbo_error_set(GPBO_EIO, "%s: cannot write%s%s", path, errno ? ": " : "",
                                errno ? strerror(errno) : "")
               : GPBO_OK;
}

double cmp_over_seeds(const cmp *c, const double *v, size_t si, size_t pi, size_t e, double q,
                      double *col)
{
    for (size_t s = 0; s < c->seeds; s++)
        col[s] = v[((si * c->np + pi) * c->seeds + s) * c->budget + e];
    return cmp_quantile(col, c->seeds, q);
}

/* ---- sweep problems: their own figures ------------------------------------------------- */

/* What one sweep run left in its database: its best trial's first "test_" metric (NaN: none),
 * its wall time (first start to last end), its pruned trials and whether its best trial came
 * among the first c->init trials (bayes's initial design; id < c->init). */
typedef struct sweep_run {
    double test, wall, pruned, from_init;
} sweep_run;

static void sweep_run_read(const cmp *c, size_t j, sweep_run *o)
{
    char sdb[1400], name[512];
    sweep_db(c, j, sdb, sizeof sdb);
    run_name(c, j, name, sizeof name);
    *o = (sweep_run){NAN, NAN, NAN, NAN};
    gpbo_study *st = access(sdb, F_OK) == 0 ? gpbo_study_open(sdb, name, NULL, NULL) : NULL;
    if (st == NULL)
        return;
    double t0 = INFINITY, t1 = -INFINITY;
    size_t pruned = 0;
    for (size_t e = 0; e < gpbo_study_ntrials(st); e++) {
        gpbo_trial_info t;
        if (gpbo_study_trial(st, e, &t) != GPBO_OK)
            continue;
        pruned += t.state == GPBO_TRIAL_PRUNED;
        t0 = t.started > 0 && t.started < t0 ? t.started : t0;
        t1 = t.finished > t1 ? t.finished : t1;
    }
    o->pruned = (double)pruned;
    o->wall = t1 > t0 ? t1 - t0 : NAN;
    gpbo_trial_info b;
    size_t n = 0;
    const char *const *names;
    const double *vals;
    if (gpbo_study_best(st, &b) == GPBO_OK) {
        o->from_init = b.id < c->init;
        if (gpbo_study_trial_metrics(st, b.id, &n, &names, &vals) == GPBO_OK)
            for (size_t k = 0; k < n && isnan(o->test); k++)
                if (strncmp(names[k], "test_", 5) == 0)
                    o->test = vals[k];
    }
    gpbo_study_close(st);
}

/* " name median [q1, q3]" of v[0..n) without its NaNs (nothing when all are NaN). */
static void print_quartiles(const char *name, double *v, size_t n, const char *fmt)
{
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (!isnan(v[k]))
            v[m++] = v[k];
    if (m == 0)
        return;
    char f[64];
    snprintf(f, sizeof f, " %%s %s [%s, %s]", fmt, fmt, fmt);
    printf(f, name, cmp_quantile(v, m, 0.5), cmp_quantile(v, m, 0.25), cmp_quantile(v, m, 0.75));
}

/* Sweep problem pi's lines: one per strategy. col: scratch of 4 x seeds values. */
static void print_sweep(const cmp *c, const cmp_result *r, size_t pi, double *col)
{
    size_t S = c->seeds, B = c->budget;
    for (size_t si = 0; si < c->ns; si++) {
        double *best = col, *test = col + S, *wall = test + S, *pr = wall + S;
        size_t from_init = 0, known = 0;
        for (size_t s = 0; s < S; s++) {
            size_t j = (si * c->np + pi) * S + s;
            sweep_run o;
            sweep_run_read(c, j, &o);
            best[s] = r->best[j * B + B - 1];
            test[s] = o.test;
            wall[s] = o.wall;
            pr[s] = o.pruned;
            known += !isnan(o.from_init);
            from_init += o.from_init == 1;
        }
        printf("%-18s %-8s best", c->problems[pi], c->strategies[si]);
        print_quartiles("value", best, S, "%.4f");
        print_quartiles("| test of the best", test, S, "%.4f");
        print_quartiles("| wall s", wall, S, "%.0f");
        print_quartiles("| pruned", pr, S, "%.0f");
        printf(" | best among the first %zu trials in %zu of %zu\n", c->init, from_init, known);
    }
}

void cmp_print_sweeps(const cmp *c, const cmp_result *r)
{
    double *col = malloc(4 * c->seeds * sizeof *col);
    int head = 0;
    for (size_t pi = 0; col && pi < c->np; pi++) {
        if (!is_sweep(c->problems[pi]))
            continue;
        if (!head++)
            printf("sweep problems: median [q1, q3] over seeds of the best value (the sweep's "
                   "metric, its direction), of the best trial's test metric, of a run's wall "
                   "time and of its pruned trials\n");
        print_sweep(c, r, pi, col);
    }
    free(col);
}

/* Under the lines of a problem of several objectives: what its regret is. */
static void print_mo_note(const cmp *c, size_t pi)
{
    problem p;
    if (is_sweep(c->problems[pi]) || problem_parse(c->problems[pi], &p) != GPBO_OK || !p.mo)
        return;
    printf("%-18s (several objectives: the regret is the true front's hypervolume, %.6g, less "
           "the run's, against the reference point (",
           "", p.mo->front_hv(p.dim));
    for (size_t j = 0; j < p.mo->nobj; j++)
        printf("%s%g", j ? ", " : "", p.mo->ref[j]);
    printf("))\n");
}

void cmp_print_regret(const cmp *c, const cmp_result *r, const char *baseline)
{
    double *col = malloc(c->seeds * sizeof *col);
    if (col == NULL)
        return;
    size_t base = c->ns;
    for (size_t si = 0; baseline && si < c->ns; si++)
        if (!strcmp(c->strategies[si], baseline))
            base = si;
    for (size_t pi = 0; pi < c->np; pi++) {
        for (size_t bi = 0; bi < c->nb; bi++) {
            size_t b = c->budgets[bi];
            if (b < 1 || b > c->budget)
                continue;
            double bmed = base < c->ns ? cmp_over_seeds(c, r->reg, base, pi, b - 1, 0.5, col) : NAN;
            printf("%-18s n=%-4zu", c->problems[pi], b);
            for (size_t si = 0; si < c->ns; si++) {
                double md = cmp_over_seeds(c, r->reg, si, pi, b - 1, 0.5, col);
                /* one precision for the three: at 3 digits against 2 the quartiles of 49.7
                 * read [50, 50], above their median */
                printf(" | %s %.3g [%.3g, %.3g]", c->strategies[si], md,
                       cmp_quantile(col, c->seeds, 0.25), cmp_quantile(col, c->seeds, 0.75));
                if (base < c->ns && si != base)
                    printf(" x%.3g", md > 0 ? bmed / md : INFINITY);
            }
            printf("\n");
        }
        print_mo_note(c, pi);
    }
    free(col);
}

/* Problem pi's figure: per strategy its median regret line and quartile band. xs: 1..budget;
 * md: scratch of 3 x budget values a strategy; col: scratch of seeds values. On failure an
 * empty SVG (a report without one figure is still a report); NULL only without memory. */
static char *problem_figure(const cmp *c, const cmp_result *r, size_t pi, const double *xs,
                            double *md, double *col)
{
    size_t B = c->budget;
    gpbo_fig_series ser[2 * CMP_MAXL];
    for (size_t si = 0; si < c->ns; si++) {
        double *m = md + si * B * 3, *lo = m + B, *hi = lo + B;
        for (size_t e = 0; e < B; e++) {
            m[e] = cmp_over_seeds(c, r->reg, si, pi, e, 0.5, col);
            lo[e] = cmp_quantile(col, c->seeds, 0.25);
            hi[e] = cmp_quantile(col, c->seeds, 0.75);
        }
        ser[2 * si] = (gpbo_fig_series){GPBO_FIG_BAND, NULL, B, xs, NULL, lo, hi, (int)(si % 8)};
        ser[2 * si + 1] = (gpbo_fig_series){GPBO_FIG_LINE, c->strategies[si], B, xs, m, NULL,
                                            NULL,          (int)(si % 8)};
    }
    gpbo_fig fig = {c->problems[pi], "evaluations", "simple regret", 1, 0, 2 * c->ns, ser, 0, NULL};
    char *svg = NULL;
    if (gpbo_fig_svg(&fig, &svg) != GPBO_OK)
        svg = strdup("<svg xmlns='http://www.w3.org/2000/svg'/>");
    return svg;
}

int cmp_write_html(const cmp *c, const cmp_result *r, const char *path)
{
    size_t B = c->budget;
    int rc = GPBO_OK;
    char **svgs = calloc(c->np, sizeof *svgs);
    const char **caps = calloc(c->np, sizeof *caps);
    char(*capbuf)[160] = calloc(c->np, sizeof *capbuf);
    double *xs = malloc(B * sizeof *xs), *md = malloc(c->ns * B * 3 * sizeof *md);
    double *col = malloc(c->seeds * sizeof *col);
    if (!svgs || !caps || !capbuf || !xs || !md || !col) {
        rc = gpbo_error_set(GPBO_ENOMEM, "compare: out of memory for the report");
        goto cleanup;
    }
    for (size_t e = 0; e < B; e++)
        xs[e] = (double)(e + 1);
    for (size_t pi = 0; pi < c->np; pi++) {
        svgs[pi] = problem_figure(c, r, pi, xs, md, col);
        snprintf(capbuf[pi], sizeof capbuf[pi],
                 "%s: median simple regret%s, quartile bands, %zu seeds", c->problems[pi],
                 is_sweep(c->problems[pi]) ? " (to the best value any run found)" : "", c->seeds);
        caps[pi] = capbuf[pi];
    }
    char text[512], title[300];
    snprintf(text, sizeof text,
             "%zu strategies x %zu problems x %zu seeds, %zu evaluations each. Data: %s.csv", c->ns,
             c->np, c->seeds, B, c->stem);
    gpbo_report_section sec[1] = {
        {"Simple regret", text, 0, NULL, c->np, (const char *const *)svgs, caps}};
    snprintf(title, sizeof title, "gpbo compare: %s", c->name);
    rc = gpbo_report_write_html(path, title, 1, sec);
cleanup:
    for (size_t pi = 0; svgs && pi < c->np; pi++)
        free(svgs[pi]);
    free(svgs);
    free(caps);
    free(capbuf);
    free(xs);
    free(md);
    free(col);
    return rc;
}
