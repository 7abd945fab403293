/*
 * test_constraints.c: outcome constraints and known starting points (issue 20).
 *  - constraints in the study options: stored with the study (every handle sees them), refused
 *    when malformed; feasibility (a missing or NaN metric is infeasible); best = best feasible,
 *    and a study with none says so; gpbo_study_pareto keeps only feasible trials;
 *  - the constrained acquisition's log probability of feasibility, far into the tails
 *    (bayes_constraints.c compiled in: its functions are hidden in the library);
 *  - the Bayesian strategy under constraints, over many seeds: on Branin under a disk that holds
 *    none of its minima it ends far closer to the constrained optimum than random search in the
 *    same run, and with a feasible region of 1.4% of the box it finds a feasible point where
 *    random search mostly does not (feasibility first);
 *  - gpbo_study_enqueue: order, validation, the budget, two handles on one SQLite file taking
 *    each enqueued point exactly once.
 */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "../../search/bayes_constraints.h"
#include "gpbo/error.h"
#include "gpbo/search.h"
#include "gpbo/testfn.h"

static gpbo_space *branin_box(void)
{
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(s, "x0", -5, 10, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(s, "x1", 0, 15, 0), GPBO_OK);
    return s;
}

static char *temp_db(char *buf, size_t cap)
{
    snprintf(buf, cap, "/tmp/gpbo_test_constraints_%d_XXXXXX", (int)getpid());
    int fd = mkstemp(buf);
    assert_true(fd >= 0);
    close(fd);
    unlink(buf);
    return buf;
}

/* ---- options, feasibility, best ------------------------------------------------------------- */

static void test_stored_and_refused(void **state)
{
    (void)state;
    char db[128];
    temp_db(db, sizeof db);
    gpbo_space *sp = branin_box();
    gpbo_constraint c[2] = {{"mem_mb", -INFINITY, 512}, {"latency_ms", 1, 10}};
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.n_constraints = 2;
    o.constraints = c;
    gpbo_study *s = gpbo_study_open(db, "c", sp, &o);
    assert_non_null(s);
    gpbo_study_close(s);
    /* another handle, with no options of its own: the stored ones */
    s = gpbo_study_open(db, "c", NULL, NULL);
    assert_non_null(s);
    const gpbo_study_options *k = gpbo_study_get_options(s);
    assert_int_equal(k->n_constraints, 2);
    assert_string_equal(k->constraints[0].name, "mem_mb");
    assert_true(k->constraints[0].min == -INFINITY && k->constraints[0].max == 512);
    assert_string_equal(k->constraints[1].name, "latency_ms");
    assert_true(k->constraints[1].min == 1 && k->constraints[1].max == 10);
    gpbo_study_close(s);
    unlink(db);
    /* malformed: no name, the same name twice, no bound, min > max, a NULL list */
    gpbo_constraint bad[4][2] = {
        {{"", 0, 1}}, {{"a", 0, 1}, {"a", 0, 2}}, {{"a", -INFINITY, INFINITY}}, {{"a", 3, 2}}};
    size_t nbad[4] = {1, 2, 1, 1};
    for (int b = 0; b < 5; b++) {
        o.constraints = b < 4 ? bad[b] : NULL;
        o.n_constraints = b < 4 ? nbad[b] : 1;
        assert_null(gpbo_study_open(NULL, "bad", sp, &o));
        assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    }
    gpbo_space_free(sp);
}

/* Asks a trial, reports metric m = mv (m NULL: none) and tells value. */
static size_t told(gpbo_study *s, double value, const char *m, double mv)
{
    size_t id;
    double v[2];
    assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
    const char *names[1] = {m};
    if (m != NULL)
        assert_int_equal(gpbo_study_set_metrics(s, id, 1, names, &mv), GPBO_OK);
    assert_int_equal(gpbo_study_tell(s, id, value), GPBO_OK);
    return id;
}

static void test_best_is_best_feasible(void **state)
{
    (void)state;
    gpbo_space *sp = branin_box();
    gpbo_constraint c = {"mem", 100, 512};
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.n_constraints = 1;
    o.constraints = &c;
    gpbo_study *s = gpbo_study_open(NULL, "f", sp, &o);
    assert_non_null(s);
    gpbo_trial_info b;
    assert_int_equal(gpbo_study_best(s, &b), GPBO_ENOTFOUND);
    size_t t0 = told(s, 1.0, "mem", 600);   /* above max */
    size_t t1 = told(s, 2.0, "mem", 50);    /* below min */
    size_t t2 = told(s, 3.0, NULL, NAN);    /* not reported */
    size_t t3 = told(s, 4.0, "mem", NAN);   /* reported as not a number */
    size_t t4 = told(s, 5.0, "other", 200); /* another metric only */
    assert_int_equal(gpbo_study_best(s, &b), GPBO_ENOTFOUND);
    assert_non_null(strstr(gpbo_error_message(), "no feasible trial"));
    size_t t5 = told(s, 9.0, "mem", 512); /* the bound itself holds */
    size_t t6 = told(s, 7.0, "mem", 100);
    size_t t7 = told(s, 8.0, "mem", 300);
    size_t infeasible[] = {t0, t1, t2, t3, t4}, feasible[] = {t5, t6, t7};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(gpbo_study_trial_feasible(s, infeasible[i]), 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(gpbo_study_trial_feasible(s, feasible[i]), 1);
    assert_int_equal(gpbo_study_best(s, &b), GPBO_OK);
    assert_int_equal(b.id, t6); /* 7.0: the infeasible 1.0 .. 5.0 do not count */
    assert_int_equal(gpbo_study_trial_feasible(s, 999), 0);
    /* the "front" of one objective (Python's best_trials) is the best feasible value's trials,
     * never the infeasible 1.0 .. 5.0 below it; a tie of the best feasible value is on it too */
    size_t t8 = told(s, 7.0, "mem", 200), ids[16], nf = 99;
    assert_int_equal(gpbo_study_pareto(s, ids, 16, &nf), GPBO_OK);
    assert_int_equal(nf, 2);
    assert_int_equal(ids[0], t6);
    assert_int_equal(ids[1], t8);
    gpbo_study_close(s);
    /* maximizing: the largest feasible */
    o.direction = GPBO_MAXIMIZE;
    s = gpbo_study_open(NULL, "g", sp, &o);
    told(s, 100.0, "mem", 1000);
    size_t m = told(s, 10.0, "mem", 200);
    told(s, 5.0, "mem", 200);
    assert_int_equal(gpbo_study_best(s, &b), GPBO_OK);
    assert_int_equal(b.id, m);
    size_t front[4], nm = 0;
    assert_int_equal(gpbo_study_pareto(s, front, 4, &nm), GPBO_OK);
    assert_int_equal(nm, 1);
    assert_int_equal(front[0], m);
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

/* ---- the log probability of feasibility -------------------------------------------------------
 */

static double phi_cdf(double z)
{
    return 0.5 * erfc(-z / M_SQRT2);
}

static void test_log_pof(void **state)
{
    (void)state;
    /* against the direct formula where it is accurate */
    double mus[] = {-3, -0.5, 0, 0.7, 4}, s2s[] = {0.01, 1, 9};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 3; j++) {
            double mu = mus[i], s = sqrt(s2s[j]);
            double a = (-1 - mu) / s, b = (1 - mu) / s;
            /* each difference of CDFs in the tail where it does not cancel */
            double up = log(phi_cdf(b)), lo = log(phi_cdf(-a));
            double two = a > 0 ? log(phi_cdf(-a) - phi_cdf(-b)) : log(phi_cdf(b) - phi_cdf(a));
            double got[3] = {gpbo_bayes__log_pof(mu, s2s[j], -INFINITY, 1),
                             gpbo_bayes__log_pof(mu, s2s[j], -1, INFINITY),
                             gpbo_bayes__log_pof(mu, s2s[j], -1, 1)},
                   want[3] = {up, lo, two};
            for (int k = 0; k < 3; k++)
                assert_true(fabs(got[k] - want[k]) < 1e-9 * fmax(1, fabs(want[k])));
        }
    /* far tails: finite, and decreasing as the mean moves away (where P itself underflows) */
    double prev = 0;
    for (double mu = 10; mu <= 1e4; mu *= 3) {
        double l = gpbo_bayes__log_pof(mu, 1e-4, -INFINITY, 0);
        assert_true(isfinite(l) && l < prev);
        /* asymptotically -z^2 / 2 */
        double z = mu / 1e-2;
        assert_true(fabs(l / (-0.5 * z * z) - 1) < 1e-3);
        double u = gpbo_bayes__log_pof(-mu, 1e-4, 0, 1); /* two-sided, both ends far above */
        assert_true(isfinite(u) && fabs(u - l) < 1e-6 * fabs(l));
        prev = l;
    }
    assert_true(gpbo_bayes__log_pof(0, 1, 2, 1) == -INFINITY);   /* an empty interval */
    assert_true(fabs(gpbo_bayes__log_pof(0, 0, -1, 1)) < 1e-12); /* no variance, inside */
}

/* ---- the Bayesian strategy under constraints ------------------------------------------------- */

/* Runs `strategy` on branin_disk-like problem p (constraint disk <= r2 around (2.5, 7.5)) for
 * n trials with seed; returns the regret of the best feasible value against opt (INFINITY: none
 * feasible). */
static double constrained_run(const char *strategy, double r2, double opt, size_t n, uint64_t seed)
{
    const gpbo_test_constrained *p = gpbo_test_constrained_find("branin_disk");
    assert_non_null(p);
    gpbo_space *sp = branin_box();
    gpbo_constraint c = {"disk", -INFINITY, r2};
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    o.seed = seed;
    o.n_constraints = 1;
    o.constraints = &c;
    gpbo_study *s = gpbo_study_open(NULL, "b", sp, &o);
    assert_non_null(s);
    const char *names[1] = {"disk"};
    for (size_t t = 0; t < n; t++) {
        size_t id;
        double v[2];
        assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
        double d = p->c(0, v);
        assert_int_equal(gpbo_study_set_metrics(s, id, 1, names, &d), GPBO_OK);
        assert_int_equal(gpbo_study_tell(s, id, p->f(2, v)), GPBO_OK);
    }
    gpbo_trial_info b;
    double regret = gpbo_study_best(s, &b) == GPBO_OK ? b.value - opt : INFINITY;
    gpbo_study_close(s);
    gpbo_space_free(sp);
    return regret;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* branin_disk at 40 evaluations over 7 seeds, both strategies in this run. bench/compare (20
 * seeds) measured bayes's median regret 0.0018 [q1 0.0015, q3 0.0022] and random's 4.5: here
 * bayes must stay below 0.05 (over 20x its measured q3) in at least 6 of 7 seeds, and random's
 * median must be at least 10x bayes's (measured: over 1000x). */
static void test_bayes_constrained_branin(void **state)
{
    (void)state;
    const gpbo_test_constrained *p = gpbo_test_constrained_find("branin_disk");
    enum { SEEDS = 7 };
    double rb[SEEDS], rr[SEEDS];
    size_t good = 0;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        rb[seed] = constrained_run("bayes", 16, p->optimum, 40, 100 + seed);
        rr[seed] = constrained_run("random", 16, p->optimum, 40, 100 + seed);
        assert_true(rb[seed] >= -1e-9); /* never below the constrained optimum: feasible */
        good += rb[seed] < 0.05;
    }
    qsort(rb, SEEDS, sizeof *rb, cmp_d);
    qsort(rr, SEEDS, sizeof *rr, cmp_d);
    print_message("branin_disk, 40 evaluations: bayes median regret %.3g, random %.3g; bayes "
                  "below 0.05 in %zu of %d seeds\n",
                  rb[SEEDS / 2], rr[SEEDS / 2], good, SEEDS);
    assert_true(good >= SEEDS - 1);
    assert_true(rr[SEEDS / 2] >= 10 * rb[SEEDS / 2]);
}

/* Feasibility first: a disk of radius 1 (1.4% of the box: random search's chance of a feasible
 * point in 25 trials is 1 - 0.986^25 = 30%). Bayes must find one within 25 trials in at least 5
 * of 7 seeds, random in fewer than bayes (same seeds, same run). */
static void test_feasibility_first(void **state)
{
    (void)state;
    enum { SEEDS = 7 };
    size_t fb = 0, fr = 0;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        fb += isfinite(constrained_run("bayes", 1.0, 0, 25, 200 + seed));
        fr += isfinite(constrained_run("random", 1.0, 0, 25, 200 + seed));
    }
    print_message("radius-1 disk, 25 evaluations: a feasible point in %zu of %d seeds (bayes), "
                  "%zu (random)\n",
                  fb, SEEDS, fr);
    assert_true(fb >= SEEDS - 2);
    assert_true(fb > fr);
}

/* A constraint metric the GP cannot model (finite values 1e300 apart: its standardization
 * overflows) failed every ask of the Bayesian strategy past the design, for as long as those
 * trials stayed in the study; that constraint now has no model (as one with too few reports),
 * the search goes on, and a second constraint's model still steers it. Properties: every ask
 * succeeds, every point is in the box, feasibility is still judged by the metrics. */
static void test_unmodellable_constraint_metric(void **state)
{
    (void)state;
    gpbo_space *sp = branin_box();
    gpbo_constraint c[2] = {{"huge", -INFINITY, 0.0}, {"disk", -INFINITY, 30.0}};
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.seed = 2385;
    o.n_init = 4;
    o.n_constraints = 2;
    o.constraints = c;
    gpbo_study *s = gpbo_study_open(NULL, "huge", sp, &o);
    assert_non_null(s);
    const char *names[2] = {"huge", "disk"};
    for (size_t t = 0; t < 12; t++) {
        size_t id;
        double v[2];
        int rc = gpbo_study_ask(s, &id, v);
        if (rc != GPBO_OK)
            fail_msg("ask %zu: %s", t, gpbo_error_message());
        assert_true(v[0] >= -5 && v[0] <= 10 && v[1] >= 0 && v[1] <= 15);
        double m[2] = {1e300 * (v[0] - 2.5) / 7.5,
                       (v[0] - 2.5) * (v[0] - 2.5) + (v[1] - 7.5) * (v[1] - 7.5)};
        assert_int_equal(gpbo_study_set_metrics(s, id, 2, names, m), GPBO_OK);
        assert_int_equal(gpbo_study_tell(s, id, v[0] + v[1]), GPBO_OK);
        assert_int_equal(gpbo_study_trial_feasible(s, id), m[0] <= 0 && m[1] <= 30.0);
    }
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

/* The objective's values the GP cannot standardize (a diverged loss of 1e160, 1e300 or
 * DBL_MAX among Branin's values: their spread overflows) failed every ask of the constrained
 * Bayesian strategy past the design, for as long as that trial stayed in the study (the
 * unconstrained strategy went on). Now they are modelled as the unconstrained path models them,
 * or squashed by a log where it cannot: every ask succeeds, every point is in the box, and the
 * search still follows the objective: its best feasible regret on branin_disk after 30 trials
 * is below 3 in at least 5 of the 6 runs (measured 0.01 to 0.73; random search's median at 40
 * is about 9, bench/compare/README.md; without the outlier bayes reaches 0.006). */
static void test_unmodellable_objective_value(void **state)
{
    (void)state;
    const gpbo_test_constrained *p = gpbo_test_constrained_find("branin_disk");
    const double huge[] = {1e160, 1e300, DBL_MAX};
    size_t good = 0, runs = 0;
    for (size_t h = 0; h < 3; h++)
        for (uint64_t seed = 0; seed < 2; seed++, runs++) {
            gpbo_space *sp = branin_box();
            gpbo_constraint c = {"disk", -INFINITY, 16.0};
            gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
            o.seed = 300 + seed;
            o.n_init = 4 + 2 * seed; /* before and after the log warping's 5 observations */
            o.n_constraints = 1;
            o.constraints = &c;
            gpbo_study *s = gpbo_study_open(NULL, "diverged", sp, &o);
            assert_non_null(s);
            const char *names[1] = {"disk"};
            for (size_t t = 0; t < 30; t++) {
                size_t id;
                double v[2];
                int rc = gpbo_study_ask(s, &id, v);
                if (rc != GPBO_OK)
                    fail_msg("%g, seed %d, ask %zu: %s", huge[h], (int)seed, t,
                             gpbo_error_message());
                assert_true(v[0] >= -5 && v[0] <= 10 && v[1] >= 0 && v[1] <= 15);
                double d = p->c(0, v);
                assert_int_equal(gpbo_study_set_metrics(s, id, 1, names, &d), GPBO_OK);
                assert_int_equal(gpbo_study_tell(s, id, t == 2 ? huge[h] : p->f(2, v)), GPBO_OK);
            }
            gpbo_trial_info b;
            double regret = gpbo_study_best(s, &b) == GPBO_OK ? b.value - p->optimum : INFINITY;
            print_message("objective %g in trial 2, seed %d: regret %.3g after 30\n", huge[h],
                          (int)seed, regret);
            good += regret < 3.0;
            gpbo_study_close(s);
            gpbo_space_free(sp);
        }
    assert_true(good + 1 >= runs);
}

/* ---- known starting points ----------------------------------------------------------------- */

static void test_enqueue_order_validation_budget(void **state)
{
    (void)state;
    gpbo_space *sp = gpbo_space_new();
    const char *ch[] = {"adam", "sgd"};
    assert_int_equal(gpbo_space_add_float(sp, "lr", 1e-4, 1, 1), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(sp, "units", 1, 64, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_categorical(sp, "opt", 2, ch), GPBO_OK);
    for (int bayes = 0; bayes < 2; bayes++) {
        gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
        o.strategy = bayes ? "bayes" : "random";
        o.n_init = 3;
        gpbo_study *s = gpbo_study_open(NULL, "e", sp, &o);
        assert_non_null(s);
        double p[3][3] = {{0.01, 32, 1}, {0.5, 2, 0}, {1e-4, 64, 1}},
               bad[4][3] = {{2, 32, 1},    /* lr */
                            {0.1, 3.5, 1}, /* int */
                            {0.1, 3, 2},   /* cat */
                            {NAN, 3, 1}};
        for (int b = 0; b < 4; b++) {
            assert_int_equal(gpbo_study_enqueue(s, bad[b], SIZE_MAX, NULL), GPBO_EINVAL);
            assert_non_null(strstr(gpbo_error_message(), "study_enqueue"));
        }
        assert_int_equal(gpbo_study_ntrials(s), 0);
        for (size_t k = 0; k < 3; k++) {
            size_t id;
            assert_int_equal(gpbo_study_enqueue(s, p[k], SIZE_MAX, &id), GPBO_OK);
            assert_int_equal(id, k);
            assert_int_equal(gpbo_study_trial_queued(s, k), 1);
            assert_int_equal(gpbo_study_trial_lost(s, k), 0);
        }
        /* the budget: 5 trials in all, the 3 enqueued first and in order */
        assert_int_equal(gpbo_study_enqueue(s, p[0], 3, NULL), GPBO_EEXHAUSTED);
        size_t seen = 0;
        for (;;) {
            size_t id;
            double v[3];
            int rc = gpbo_study_ask_capped(s, 5, &id, v);
            if (rc == GPBO_EEXHAUSTED)
                break;
            assert_int_equal(rc, GPBO_OK);
            assert_int_equal(id, seen);
            if (id < 3)
                assert_memory_equal(v, p[id], sizeof v);
            assert_int_equal(gpbo_study_trial_queued(s, id), 0);
            assert_int_equal(gpbo_study_tell(s, id, v[0] + v[1]), GPBO_OK);
            seen++;
        }
        assert_int_equal(seen, 5);
        assert_int_equal(gpbo_study_ntrials(s), 5);
        gpbo_study_close(s);
    }
    gpbo_space_free(sp);
}

/* Two handles of one SQLite study in two threads, after 6 points were enqueued through a third:
 * each enqueued point runs exactly once, at its own id, before any other, and the cap (10)
 * holds. Each thread holds its first trial until the other has asked its own (the barrier), so
 * both take part however the threads are scheduled: on a loaded machine one thread used to run
 * all ten before the other had opened the study. */
typedef struct worker_arg {
    const char *db;
    size_t got[16], n;
    pthread_barrier_t *first; /* both threads have asked once */
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    gpbo_study *s = gpbo_study_open(w->db, "two", NULL, NULL);
    size_t id;
    double v[2];
    int rc = s ? gpbo_study_ask_capped(s, 10, &id, v) : GPBO_EINVAL;
    pthread_barrier_wait(w->first);
    while (rc == GPBO_OK) {
        w->got[w->n++] = id;
        usleep(2000); /* let the other handle ask meanwhile */
        if (gpbo_study_tell(s, id, v[0] * v[0] + v[1]) != GPBO_OK)
            break;
        rc = gpbo_study_ask_capped(s, 10, &id, v);
    }
    gpbo_study_close(s);
    return NULL;
}

static void test_enqueue_two_workers(void **state)
{
    (void)state;
    char db[128];
    temp_db(db, sizeof db);
    gpbo_space *sp = branin_box();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "sobol";
    gpbo_study *s = gpbo_study_open(db, "two", sp, &o);
    assert_non_null(s);
    double p[6][2];
    for (size_t k = 0; k < 6; k++) {
        p[k][0] = -5 + (double)k;
        p[k][1] = 0.5 * (double)k;
        /* the cap trick: enqueued twice with cap k + 1, it goes in once */
        assert_int_equal(gpbo_study_enqueue(s, p[k], k + 1, NULL), GPBO_OK);
        assert_int_equal(gpbo_study_enqueue(s, p[k], k + 1, NULL), GPBO_EEXHAUSTED);
    }
    pthread_barrier_t first;
    assert_int_equal(pthread_barrier_init(&first, NULL, 2), 0);
    worker_arg w[2] = {{db, {0}, 0, &first}, {db, {0}, 0, &first}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&first);
    assert_int_equal(w[0].n + w[1].n, 10);
    assert_true(w[0].n > 0 && w[1].n > 0);
    unsigned char seen[10] = {0};
    for (int i = 0; i < 2; i++)
        for (size_t k = 0; k < w[i].n; k++) {
            assert_true(w[i].got[k] < 10);
            assert_int_equal(seen[w[i].got[k]]++, 0);
        }
    assert_int_equal(gpbo_study_sync(s), GPBO_OK);
    assert_int_equal(gpbo_study_ntrials(s), 10);
    for (size_t k = 0; k < 6; k++) {
        gpbo_trial_info ti;
        assert_int_equal(gpbo_study_trial(s, k, &ti), GPBO_OK);
        assert_int_equal(ti.state, GPBO_TRIAL_COMPLETE);
        assert_memory_equal(ti.values, p[k], sizeof p[k]);
    }
    gpbo_study_close(s);
    gpbo_space_free(sp);
    unlink(db);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
}

/* Bayes under constraints with two handles of one SQLite study in two threads (each sees the
 * other's running trials as pending and its ended ones' constraint metrics through the
 * storage): 24 trials, no point proposed twice, and the best feasible regret on branin_disk
 * below 0.5 (one worker alone reaches 0.01 by 20 trials in the bench). */
typedef struct cworker {
    const char *db;
    size_t n;
} cworker;

static void one_constrained_two_workers(void **state);

static void *constrained_worker(void *p)
{
    cworker *w = p;
    const gpbo_test_constrained *pr = gpbo_test_constrained_find("branin_disk");
    gpbo_study *s = gpbo_study_open(w->db, "cw", NULL, NULL);
    const char *names[1] = {"disk"};
    for (size_t id; s != NULL;) {
        double v[2];
        if (gpbo_study_ask_capped(s, 24, &id, v) != GPBO_OK)
            break;
        double d = pr->c(0, v);
        if (gpbo_study_set_metrics(s, id, 1, names, &d) != GPBO_OK ||
            gpbo_study_tell(s, id, pr->f(2, v)) != GPBO_OK)
            break;
        w->n++;
    }
    gpbo_study_close(s);
    return NULL;
}

/* Two workers on one constrained study: 24 distinct points, and a best feasible regret below 0.5
 * in each of three studies. Before a proposal was checked for other workers' points near it
 * (study.c, NEAR_UNSEEN), the workers proposed the same place in pairs and about one study in
 * 16-20 ended at a regret of ~9.8 (Haswell kernels); since, 60 studies run two at a time: worst
 * 0.027, median 0.013. */
static void test_bayes_constrained_two_workers(void **state)
{
    for (int rep = 0; rep < 3; rep++)
        one_constrained_two_workers(state);
}

static void one_constrained_two_workers(void **state)
{
    (void)state;
    char db[128];
    temp_db(db, sizeof db);
    gpbo_space *sp = branin_box();
    gpbo_constraint c = {"disk", -INFINITY, 16};
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.n_init = 6;
    o.n_constraints = 1;
    o.constraints = &c;
    gpbo_study *s = gpbo_study_open(db, "cw", sp, &o);
    assert_non_null(s);
    cworker w[2] = {{db, 0}, {db, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, constrained_worker, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(w[0].n + w[1].n, 24);
    assert_int_equal(gpbo_study_sync(s), GPBO_OK);
    for (size_t i = 0; i < 24; i++)
        for (size_t j = 0; j < i; j++) {
            gpbo_trial_info a, b;
            assert_int_equal(gpbo_study_trial(s, i, &a), GPBO_OK);
            assert_int_equal(gpbo_study_trial(s, j, &b), GPBO_OK);
            assert_false(a.values[0] == b.values[0] && a.values[1] == b.values[1]);
        }
    gpbo_trial_info b;
    assert_int_equal(gpbo_study_best(s, &b), GPBO_OK);
    print_message("two workers, 24 trials: best feasible regret %.3g\n",
                  b.value - gpbo_test_constrained_find("branin_disk")->optimum);
    assert_true(b.value - gpbo_test_constrained_find("branin_disk")->optimum < 0.5);
    gpbo_study_close(s);
    gpbo_space_free(sp);
    unlink(db);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_and_refused),
        cmocka_unit_test(test_best_is_best_feasible),
        cmocka_unit_test(test_log_pof),
        cmocka_unit_test(test_enqueue_order_validation_budget),
        cmocka_unit_test(test_enqueue_two_workers),
        cmocka_unit_test(test_bayes_constrained_branin),
        cmocka_unit_test(test_feasibility_first),
        cmocka_unit_test(test_unmodellable_constraint_metric),
        cmocka_unit_test(test_unmodellable_objective_value),
        cmocka_unit_test(test_bayes_constrained_two_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
