/*
 * test_pruner.c: the median rule and ASHA on hand-made learning curves, the replay of history
 * after a resume, and every error path.
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/pruner.h"
#include "gpbo/search.h"
#include "testutil.h"

/* A curve that decays from start to floor: value at step s. */
static double curve(double start, double floor_, long s)
{
    return floor_ + (start - floor_) * exp(-0.3 * (double)s);
}

/* Runs a trial to the end (steps 1..steps) unless pruned; returns the step it stopped at. */
static long run_trial(gpbo_pruner *p, size_t id, double start, double floor_, long steps)
{
    for (long s = 1; s <= steps; s++) {
        int prune = -1;
        assert_int_equal(gpbo_pruner_report(p, id, s, curve(start, floor_, s), &prune), GPBO_OK);
        assert_true(prune == 0 || prune == 1);
        if (prune) {
            assert_int_equal(gpbo_pruner_finish(p, id, GPBO_PRUNER_PRUNED), GPBO_OK);
            return s;
        }
    }
    assert_int_equal(gpbo_pruner_finish(p, id, GPBO_PRUNER_COMPLETE), GPBO_OK);
    return steps;
}

static void test_median_waits_for_startup_then_prunes_bad_curves(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.kind = GPBO_PRUNER_MEDIAN;
    o.startup_trials = 3;
    o.warmup_steps = 2;
    gpbo_pruner *p = gpbo_pruner_new(&o);
    assert_non_null(p);
    /* Before 3 completed trials nothing is pruned, even a terrible curve. */
    assert_int_equal(run_trial(p, 1, 1.0, 0.50, 10), 10);
    assert_int_equal(run_trial(p, 2, 9.0, 8.00, 10), 10);
    assert_int_equal(run_trial(p, 3, 1.2, 0.60, 10), 10);
    /* Median of best-so-far at each step comes from trials 1 and 3's side: a curve far worse
     * than it stops at the first step after warmup. */
    assert_int_equal(run_trial(p, 4, 5.0, 4.00, 10), 2);
    /* A curve better than the median runs to the end. */
    assert_int_equal(run_trial(p, 5, 0.9, 0.30, 10), 10);
    assert_int_equal(gpbo_pruner_pruned_count(p), 1);
    gpbo_pruner_free(p);
}

static void test_median_interval_and_failed_trials(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.startup_trials = 1;
    o.interval_steps = 4; /* judged at steps 0, 4, 8, ... */
    gpbo_pruner *p = gpbo_pruner_new(&o);
    assert_non_null(p);
    /* A failed trial is no reference: with only it finished, nothing is pruned. */
    int prune = 1;
    assert_int_equal(gpbo_pruner_report(p, 10, 1, 0.1, NULL), GPBO_OK);
    assert_int_equal(gpbo_pruner_finish(p, 10, GPBO_PRUNER_FAILED), GPBO_OK);
    assert_int_equal(run_trial(p, 11, 9.0, 9.0, 6), 6);
    assert_int_equal(run_trial(p, 12, 1.0, 1.0, 6), 6);
    /* Trial 13 is worse than the median of {11, 12} (5.0) but only judged at step 4 (and at
     * step 0, where no complete trial has a value yet). */
    for (long s = 0; s <= 3; s++) {
        assert_int_equal(gpbo_pruner_report(p, 13, s, 8.0, &prune), GPBO_OK);
        assert_int_equal(prune, 0);
    }
    assert_int_equal(gpbo_pruner_report(p, 13, 4, 8.0, &prune), GPBO_OK);
    assert_int_equal(prune, 1);
    gpbo_pruner_free(p);
}

/* A trial whose reported steps miss the judging steps (warmup + k * interval) is judged at the
 * first step it reports past each of them, once per interval, as Optuna's MedianPruner: it used
 * to be judged only at a step landing exactly on one, so a trial reporting odd steps under an
 * interval of 2 (or every 3rd epoch past a warmup of 5 under an interval of 10) was never
 * pruned, however bad. */
static void test_median_interval_with_missing_steps(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.startup_trials = 1;
    o.warmup_steps = 1;
    o.interval_steps = 2; /* judging steps 1, 3, 5, ...: none even */
    gpbo_pruner *p = gpbo_pruner_new(&o);
    assert_non_null(p);
    for (size_t id = 0; id < 3; id++) {
        for (long s = 2; s <= 8; s += 2)
            assert_int_equal(gpbo_pruner_report(p, id, s, 1.0, NULL), GPBO_OK);
        assert_int_equal(gpbo_pruner_finish(p, id, GPBO_PRUNER_COMPLETE), GPBO_OK);
    }
    /* even steps only: each one is the first past a judging step */
    int prune = 0;
    assert_int_equal(gpbo_pruner_report(p, 3, 2, 50.0, &prune), GPBO_OK);
    assert_int_equal(prune, 1);
    /* steps 0 and 1 before the first even one: judged at 1, not 0 (warmup), nor 2 (1 came) */
    assert_int_equal(gpbo_pruner_report(p, 4, 0, 0.5, &prune), GPBO_OK);
    assert_int_equal(prune, 0);
    assert_int_equal(gpbo_pruner_report(p, 4, 1, 0.5, &prune), GPBO_OK);
    assert_int_equal(prune, 0); /* no reference at step 1: nothing to compare */
    assert_int_equal(gpbo_pruner_report(p, 4, 2, 50.0, &prune), GPBO_OK);
    assert_int_equal(prune, 0); /* best so far 0.5 < 1 anyway; step 2 is not judged */
    gpbo_pruner_free(p);

    /* warmup 5, interval 10, every 3rd step reported: judged at 6 (the first past 5), 15 and 27
     * (the first past 25), never at 9, 12, 18, 21, 24 or 30. A complete trial's curve falls
     * as 100 - 3 s; a trial holding c throughout is pruned at the first judged step where the
     * reference is below c. */
    o.warmup_steps = 5;
    o.interval_steps = 10;
    p = gpbo_pruner_new(&o);
    assert_non_null(p);
    for (long s = 0; s <= 30; s++)
        assert_int_equal(gpbo_pruner_report(p, 0, s, 100.0 - 3.0 * (double)s, NULL), GPBO_OK);
    assert_int_equal(gpbo_pruner_finish(p, 0, GPBO_PRUNER_COMPLETE), GPBO_OK);
    const double level[] = {99.0, 90.0, 70.0, 40.0};
    const long expect[] = {6, 6, 15, 27};
    for (size_t k = 0; k < 4; k++) {
        long at = -1;
        for (long s = 0; s <= 30 && at < 0; s += 3) {
            assert_int_equal(gpbo_pruner_report(p, 10 + k, s, level[k], &prune), GPBO_OK);
            if (prune)
                at = s;
        }
        assert_int_equal(at, expect[k]);
    }
    gpbo_pruner_free(p);
}

static void test_asha_keeps_top_fraction_at_each_rung(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.kind = GPBO_PRUNER_HYPERBAND;
    o.min_iter = 1;
    o.eta = 3;
    o.max_iter = 9; /* rungs at steps 1, 3, 9 */
    gpbo_pruner *p = gpbo_pruner_new(&o);
    assert_non_null(p);
    int prune;
    /* First trial: alone at every rung, always the best: runs to the end. */
    assert_int_equal(run_trial(p, 1, 1.0, 0.5, 12), 12);
    /* A worse trial is stopped at the first rung (it is not the best of 2 values). */
    assert_int_equal(run_trial(p, 2, 2.0, 1.5, 12), 1);
    /* A better one passes every rung. */
    assert_int_equal(run_trial(p, 3, 0.8, 0.2, 12), 12);
    /* Six more middling trials at rung 1: with 9 values the top 3 continue. */
    for (size_t id = 4; id < 10; id++) {
        assert_int_equal(gpbo_pruner_report(p, id, 1, 5.0 + (double)id, &prune), GPBO_OK);
        assert_int_equal(prune, 1);
        assert_int_equal(gpbo_pruner_finish(p, id, GPBO_PRUNER_PRUNED), GPBO_OK);
    }
    /* Rung 1 now holds 9 values; a trial ranking third continues, one ranking fourth stops. */
    double third = curve(1.0, 0.5, 1) + 1e-6;
    assert_int_equal(gpbo_pruner_report(p, 20, 1, third, &prune), GPBO_OK);
    assert_int_equal(prune, 0);
    assert_int_equal(gpbo_pruner_report(p, 21, 1, 5.5, &prune), GPBO_OK);
    assert_int_equal(prune, 1);
    /* Steps that jump over several rungs are judged at each rung they passed. */
    assert_int_equal(gpbo_pruner_report(p, 22, 9, 0.01, &prune), GPBO_OK);
    assert_int_equal(prune, 0);
    gpbo_pruner_free(p);
}

typedef struct event {
    size_t id;
    long step; /* -1: the trial finished with outcome */
    double value;
    gpbo_pruner_outcome outcome;
} event;

static void test_replay_rebuilds_the_same_state(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.startup_trials = 2;
    gpbo_pruner *a = gpbo_pruner_new(&o), *b = gpbo_pruner_new(&o), *fresh = gpbo_pruner_new(&o);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(fresh);
    /* Live run on a, recording every event as a study's storage would. */
    event log[64];
    size_t nlog = 0;
    double starts[4] = {1.0, 2.0, 6.0, 1.2};
    for (size_t id = 0; id < 4; id++) {
        gpbo_pruner_outcome outcome = GPBO_PRUNER_COMPLETE;
        for (long s = 1; s <= 8; s++) {
            double v = curve(starts[id], starts[id] / 2, s);
            int prune;
            assert_int_equal(gpbo_pruner_report(a, id, s, v, &prune), GPBO_OK);
            log[nlog++] = (event){id, s, v, GPBO_PRUNER_COMPLETE};
            if (prune) {
                outcome = GPBO_PRUNER_PRUNED;
                break;
            }
        }
        assert_int_equal(gpbo_pruner_finish(a, id, outcome), GPBO_OK);
        log[nlog++] = (event){id, -1, 0, outcome};
    }
    assert_int_equal(gpbo_pruner_pruned_count(a), 1); /* trial 2 (start 6.0) was stopped */
    /* Resume: replay the log into b without asking for decisions. */
    for (size_t i = 0; i < nlog; i++) {
        if (log[i].step < 0)
            assert_int_equal(gpbo_pruner_finish(b, log[i].id, log[i].outcome), GPBO_OK);
        else
            assert_int_equal(gpbo_pruner_report(b, log[i].id, log[i].step, log[i].value, NULL),
                             GPBO_OK);
    }
    assert_int_equal(gpbo_pruner_pruned_count(b), 1);
    /* A new trial gets the same verdicts from a and b, and is pruned; a pruner without the
     * history would let it run. */
    int pa = 0, pb = 0, pf = 0;
    for (long s = 1; s <= 8 && !pa; s++) {
        assert_int_equal(gpbo_pruner_report(a, 99, s, 3.0, &pa), GPBO_OK);
        assert_int_equal(gpbo_pruner_report(b, 99, s, 3.0, &pb), GPBO_OK);
        assert_int_equal(gpbo_pruner_report(fresh, 99, s, 3.0, &pf), GPBO_OK);
        assert_int_equal(pa, pb);
        assert_int_equal(pf, 0);
    }
    assert_int_equal(pa, 1);
    gpbo_pruner_free(a);
    gpbo_pruner_free(b);
    gpbo_pruner_free(fresh);
}

/* gpbo_pruner_catch_up: a study (maximizing, so the sign is the study's business) holds the
 * curves and outcomes a live pruner saw; a new pruner caught up from it gives the same verdicts,
 * a running trial is left alone, and a second catch-up changes nothing. */
static void test_catch_up_from_a_study(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.startup_trials = 2;
    gpbo_pruner *live = gpbo_pruner_new(&o), *b = gpbo_pruner_new(&o);
    assert_non_null(live);
    assert_non_null(b);
    gpbo_space *sp = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(sp, "x", 0.0, 1.0, 0), GPBO_OK);
    gpbo_study_options so = GPBO_STUDY_OPTIONS_INIT;
    so.direction = GPBO_MAXIMIZE;
    so.strategy = "random";
    gpbo_study *st = gpbo_study_open(NULL, "catch-up", sp, &so);
    assert_non_null(st);
    double starts[4] = {1.0, 2.0, 6.0, 1.2};
    for (size_t id = 0; id < 5; id++) {
        size_t tid;
        double x;
        assert_int_equal(gpbo_study_ask(st, &tid, &x), GPBO_OK);
        assert_int_equal(tid, (size_t)id);
        if (id == 4) { /* left running, with a value that would otherwise count */
            assert_int_equal(gpbo_study_report(st, tid, 1, -100.0), GPBO_OK);
            break;
        }
        int pruned = 0;
        for (long s = 1; s <= 8 && !pruned; s++) {
            double v = curve(starts[id], starts[id] / 2, s);
            assert_int_equal(gpbo_pruner_report(live, id, s, v, &pruned), GPBO_OK);
            assert_int_equal(gpbo_study_report(st, tid, s, -v), GPBO_OK); /* maximized */
        }
        assert_int_equal(
            gpbo_pruner_finish(live, id, pruned ? GPBO_PRUNER_PRUNED : GPBO_PRUNER_COMPLETE),
            GPBO_OK);
        assert_int_equal(pruned ? gpbo_study_tell_pruned(st, tid) : gpbo_study_tell(st, tid, 0.0),
                         GPBO_OK);
    }
    assert_int_equal(gpbo_pruner_catch_up(b, st), GPBO_OK);
    assert_int_equal(gpbo_pruner_catch_up(b, st), GPBO_OK);
    assert_int_equal(gpbo_pruner_pruned_count(b), gpbo_pruner_pruned_count(live));
    assert_int_equal(gpbo_pruner_pruned_count(b), 1);
    int pa = 0, pb = 0;
    for (long s = 1; s <= 8 && !pa; s++) {
        assert_int_equal(gpbo_pruner_report(live, 99, s, 3.0, &pa), GPBO_OK);
        assert_int_equal(gpbo_pruner_report(b, 99, s, 3.0, &pb), GPBO_OK);
        assert_int_equal(pa, pb);
    }
    assert_int_equal(pa, 1);
    /* the running trial was not told to b: it can still report */
    int p4;
    assert_int_equal(gpbo_pruner_report(b, 4, 2, 1.0, &p4), GPBO_OK);
    assert_int_equal(gpbo_pruner_catch_up(NULL, st), GPBO_EINVAL);
    gpbo_study_close(st);
    gpbo_space_free(sp);
    gpbo_pruner_free(live);
    gpbo_pruner_free(b);
}

/* A step reported again, and one reported after a later one, as `gpbo run` passes them on
 * (a program printing `loss=... step=EPOCH` several times an epoch, lines read in different
 * turns) and Trial.report takes an earlier step: the storage keeps the last value of a step and
 * gives steps back in order, while the pruner kept the best value seen at a repeated step and
 * folded an earlier step into the last one. A study resumed from its SQLite file then rebuilt a
 * pruner (gpbo_pruner_catch_up) that judged new trials otherwise than the one that had run on:
 * the median at step 3 was 1.0 live and 1.35 resumed. Now both hold the stored curves. Every
 * probe (a trial reporting value v at step s) gets the same verdict from both, for each rule. */
/* per trial: (step, value) in the order reported; trial 0 repeats step 3 with a worse value,
 * trial 2 reports step 2 after step 4 */
static const struct {
    long step;
    double value;
} RESUME_EV[3][6] = {{{1, 2.0}, {2, 1.5}, {3, 1.0}, {3, 3.0}, {4, 3.0}, {-1, 0}},
                     {{1, 2.0}, {2, 1.4}, {3, 1.35}, {4, 1.3}, {-1, 0}, {-1, 0}},
                     {{1, 1.0}, {4, 1.2}, {2, 0.5}, {-1, 0}, {-1, 0}, {-1, 0}}};

/* A pruner told RESUME_EV live, and st (when not NULL) storing the same. */
static gpbo_pruner *resume_live(const gpbo_pruner_options *o, gpbo_study *st)
{
    gpbo_pruner *p = gpbo_pruner_new(o);
    assert_non_null(p);
    for (size_t id = 0; id < 3; id++) {
        size_t tid = id;
        double x;
        if (st != NULL)
            assert_int_equal(gpbo_study_ask(st, &tid, &x), GPBO_OK);
        assert_int_equal(tid, id);
        for (size_t e = 0; e < 6 && RESUME_EV[id][e].step >= 0; e++) {
            long step = RESUME_EV[id][e].step;
            double v = RESUME_EV[id][e].value;
            int prune = -1; /* none is stopped: they run to their end as told */
            assert_int_equal(gpbo_pruner_report(p, id, step, v, &prune), GPBO_OK);
            assert_int_equal(prune, 0);
            if (st != NULL)
                assert_int_equal(gpbo_study_report(st, id, step, v), GPBO_OK);
        }
        assert_int_equal(gpbo_pruner_finish(p, id, GPBO_PRUNER_COMPLETE), GPBO_OK);
        if (st != NULL)
            assert_int_equal(gpbo_study_tell(st, id, 1.0), GPBO_OK);
    }
    return p;
}

/* A one-parameter space (x in [0, 1]) and a study of it with the random strategy, at url (NULL:
 * in memory); the caller frees both. */
static gpbo_study *random_study(const char *url, const char *name, gpbo_space **sp)
{
    *sp = gpbo_space_new();
    assert_non_null(*sp);
    assert_int_equal(gpbo_space_add_float(*sp, "x", 0.0, 1.0, 0), GPBO_OK);
    gpbo_study_options so = GPBO_STUDY_OPTIONS_INIT;
    so.strategy = "random";
    gpbo_study *st = gpbo_study_open(url, name, *sp, &so);
    assert_non_null(st);
    return st;
}

static double thread_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Thread CPU seconds of the fastest of three catch-ups of a new pruner of kind from st. */
static double catch_up_seconds(const gpbo_study *st, gpbo_pruner_kind kind, size_t *pruned)
{
    double best = INFINITY;
    for (int r = 0; r < 3; r++) {
        gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
        o.kind = kind;
        gpbo_pruner *p = gpbo_pruner_new(&o);
        assert_non_null(p);
        double t0 = thread_seconds();
        assert_int_equal(gpbo_pruner_catch_up(p, st), GPBO_OK);
        double t = thread_seconds() - t0;
        best = t < best ? t : best;
        *pruned = gpbo_pruner_pruned_count(p);
        gpbo_pruner_free(p);
    }
    return best;
}

/* A worker that opens a stored study catches its pruner up on every finished trial's curve.
 * The median rule judged each stored step against every completed trial there, verdicts that
 * nobody reads: O(T^2 S log T) for T trials of S steps (2000 trials of 50 steps: 7.9 s before
 * `gpbo run` or a Python Study's first ask). Measured against the same catch-up with no rule
 * (type none, which records the curves alone), in thread CPU time in the same run: 1000 trials
 * of 20 steps took ~140 times as long before, ~1 time after; the bound is 5. */
static void test_catch_up_linear(void **state)
{
    (void)state;
    gpbo_space *sp;
    gpbo_study *st = random_study(NULL, "many", &sp);
    for (size_t i = 0; i < 1000; i++) {
        size_t tid;
        double x;
        assert_int_equal(gpbo_study_ask(st, &tid, &x), GPBO_OK);
        for (long s = 1; s <= 20; s++)
            assert_int_equal(gpbo_study_report(st, tid, s, curve(1 + x, x, s)), GPBO_OK);
        assert_int_equal(i % 3 ? gpbo_study_tell(st, tid, x) : gpbo_study_tell_pruned(st, tid),
                         GPBO_OK);
    }
    size_t pm = 0, pn = 0;
    double none = catch_up_seconds(st, GPBO_PRUNER_NONE, &pn);
    double median = catch_up_seconds(st, GPBO_PRUNER_MEDIAN, &pm);
    print_message("catch-up of 1000 trials x 20 steps: none %.4f s, median %.4f s (x%.2f)\n", none,
                  median, median / none);
    assert_int_equal(pm, 334); /* the stored outcomes, not verdicts */
    assert_int_equal(pn, 334);
    assert_true(median < 5 * none + 0.005);
    gpbo_study_close(st);
    gpbo_space_free(sp);
}

static void test_repeated_and_earlier_steps_resume_alike(void **state)
{
    (void)state;
    char dir[512], url[700];
    assert_int_equal(gpbo_test_mkdtemp(dir, sizeof dir, "gpbo-pruner-resume"), 0);
    /* the median rule; hyperband with rungs at 1, 3, 9 and at 2, 6, 18 */
    for (int kind = 0; kind < 3; kind++) {
        snprintf(url, sizeof url, "sqlite:///%s/k%d.db", dir, kind);
        gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
        o.kind = kind == 0 ? GPBO_PRUNER_MEDIAN : GPBO_PRUNER_HYPERBAND;
        o.startup_trials = 2;
        o.min_iter = kind == 2 ? 2 : 1;
        gpbo_space *sp;
        gpbo_study *st = random_study(url, "resume", &sp);
        gpbo_pruner_free(resume_live(&o, st));
        gpbo_study_close(st);
        st = gpbo_study_open(url, "resume", sp, NULL); /* the resume (options as stored) */
        assert_non_null(st);
        /* each probe on a new pair: a hyperband probe's value stays in the rungs */
        size_t npruned = 0, nprobes = 0;
        for (long step = 1; step <= 4; step++)
            for (double v = 0.25; v < 3.3; v += 0.1, nprobes++) {
                gpbo_pruner *live = resume_live(&o, NULL), *resumed = gpbo_pruner_new(&o);
                assert_non_null(resumed);
                assert_int_equal(gpbo_pruner_catch_up(resumed, st), GPBO_OK);
                int pl = -1, pr = -1;
                assert_int_equal(gpbo_pruner_report(live, 100, step, v, &pl), GPBO_OK);
                assert_int_equal(gpbo_pruner_report(resumed, 100, step, v, &pr), GPBO_OK);
                if (pl != pr)
                    fail_msg("kind %d: value %g at step %ld: %s live, %s resumed", kind, v, step,
                             pl ? "pruned" : "kept", pr ? "pruned" : "kept");
                npruned += (size_t)pl;
                gpbo_pruner_free(live);
                gpbo_pruner_free(resumed);
            }
        assert_true(npruned > 0 && npruned < nprobes);
        gpbo_study_close(st);
        gpbo_space_free(sp);
    }
    assert_int_equal(gpbo_test_rmtree(dir), 0);
}

static void test_none_never_prunes(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.kind = GPBO_PRUNER_NONE;
    gpbo_pruner *p = gpbo_pruner_new(&o);
    assert_non_null(p);
    for (size_t id = 0; id < 10; id++)
        assert_int_equal(run_trial(p, id, 10.0 - (double)id, 1.0, 5), 5);
    assert_int_equal(gpbo_pruner_pruned_count(p), 0);
    gpbo_pruner_free(p);
}

/* Hyperband's rung count is bounded when the pruner is made: an eta barely above 1 once made
 * hundreds of millions of rungs on the first report (3 GB in 8 s). */
static void test_asha_rung_bound(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.kind = GPBO_PRUNER_HYPERBAND;
    o.eta = 1.0000001;
    assert_null(gpbo_pruner_new(&o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "set max_iter"));
    o.max_iter = 20; /* still 3e7 rungs between 1 and 20 */
    assert_null(gpbo_pruner_new(&o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "lower max_iter"));
    o.eta = INFINITY;
    assert_null(gpbo_pruner_new(&o));
    o.eta = NAN;
    assert_null(gpbo_pruner_new(&o));
    o.eta = 3;
    o.max_iter = -4;
    assert_null(gpbo_pruner_new(&o));
    /* eta 1.5 with no max_iter makes 108 rungs up to LONG_MAX: accepted. */
    o.eta = 1.5;
    o.max_iter = 0;
    gpbo_pruner *p = gpbo_pruner_new(&o);
    assert_non_null(p);
    int prune = 7;
    assert_int_equal(gpbo_pruner_report(p, 1, LONG_MAX, 0.25, &prune), GPBO_OK);
    assert_int_equal(prune, 0);
    gpbo_pruner_free(p);
    /* A small eta is fine when max_iter keeps the rungs few: 1.05^94 < 100, 95 rungs. */
    o.eta = 1.05;
    o.max_iter = 100;
    p = gpbo_pruner_new(&o);
    assert_non_null(p);
    assert_int_equal(gpbo_pruner_report(p, 1, 100, 0.5, &prune), GPBO_OK);
    assert_int_equal(prune, 0);
    /* the second trial is worse: stopped at the first rung it passed */
    assert_int_equal(gpbo_pruner_report(p, 2, 100, 0.75, &prune), GPBO_OK);
    assert_int_equal(prune, 1);
    gpbo_pruner_free(p);
}

static void test_errors(void **state)
{
    (void)state;
    gpbo_pruner_options o = GPBO_PRUNER_OPTIONS_INIT;
    o.kind = GPBO_PRUNER_HYPERBAND;
    o.eta = 1.0;
    assert_null(gpbo_pruner_new(&o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);
    o.eta = 3;
    o.min_iter = 0;
    assert_null(gpbo_pruner_new(&o));
    o.min_iter = 5;
    o.max_iter = 2;
    assert_null(gpbo_pruner_new(&o));
    o = (gpbo_pruner_options)GPBO_PRUNER_OPTIONS_INIT;
    o.interval_steps = 0;
    assert_null(gpbo_pruner_new(&o));
    o = (gpbo_pruner_options)GPBO_PRUNER_OPTIONS_INIT;
    o.version = 99;
    assert_null(gpbo_pruner_new(&o));
    o = (gpbo_pruner_options)GPBO_PRUNER_OPTIONS_INIT;
    o.kind = (gpbo_pruner_kind)42;
    assert_null(gpbo_pruner_new(&o));

    gpbo_pruner *p = gpbo_pruner_new(NULL);
    assert_non_null(p);
    int prune = 7;
    assert_int_equal(gpbo_pruner_report(p, 1, 0, NAN, &prune), GPBO_EINVAL);
    assert_int_equal(prune, 0);
    assert_int_equal(gpbo_pruner_report(p, 1, -1, 1.0, &prune), GPBO_EINVAL);
    assert_int_equal(gpbo_pruner_report(p, 1, 1, 1.0, &prune), GPBO_OK);
    assert_int_equal(gpbo_pruner_finish(p, 1, GPBO_PRUNER_COMPLETE), GPBO_OK);
    assert_int_equal(gpbo_pruner_report(p, 1, 2, 1.0, &prune), GPBO_EINVAL);
    assert_int_equal(gpbo_pruner_finish(p, 1, (gpbo_pruner_outcome)9), GPBO_EINVAL);
    assert_int_equal(gpbo_pruner_report(NULL, 1, 2, 1.0, &prune), GPBO_EINVAL);
    assert_int_equal(gpbo_pruner_finish(NULL, 1, GPBO_PRUNER_COMPLETE), GPBO_EINVAL);
    gpbo_pruner_free(p);
    gpbo_pruner_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_waits_for_startup_then_prunes_bad_curves),
        cmocka_unit_test(test_median_interval_and_failed_trials),
        cmocka_unit_test(test_median_interval_with_missing_steps),
        cmocka_unit_test(test_asha_keeps_top_fraction_at_each_rung),
        cmocka_unit_test(test_replay_rebuilds_the_same_state),
        cmocka_unit_test(test_catch_up_from_a_study),
        cmocka_unit_test(test_catch_up_linear),
        cmocka_unit_test(test_repeated_and_earlier_steps_resume_alike),
        cmocka_unit_test(test_none_never_prunes),
        cmocka_unit_test(test_asha_rung_bound),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
