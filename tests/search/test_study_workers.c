/*
 * test_study_workers.c: many workers on one stored study through the C API (issue 15) —
 * threads each with a handle of their own running gpbo_study_optimize() against one budget,
 * and forked processes that ask and then vanish, stop (SIGSTOP: no heartbeat) or report late.
 *
 *   test_study_workers sqlite     on an SQLite file in a scratch folder
 *   test_study_workers URLFILE    on the PostgreSQL server whose URL the file holds
 *
 * Study names are unique per run (a server's database outlives the test).
 */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "gpbo/search.h"
#include "gpbo/sys/error.h"
#include "study_util.h"
#include "testutil.h"

static char storage[1024]; /* the URL every handle opens */
static char dir[512];
static unsigned serial;

/* A study name of its own for each case. */
static void study_name(char *out, size_t cap, const char *what)
{
    snprintf(out, cap, "%s_%ld_%ld_%u", what, (long)getpid(), (long)time(NULL), serial++);
}

static gpbo_study *open_named(const char *name, const gpbo_study_options *o)
{
    gpbo_space *sp = box(2, -1.0, 1.0);
    gpbo_study *s = gpbo_study_open(storage, name, sp, o);
    gpbo_space_free(sp);
    if (s == NULL)
        fail_msg("study_open %s: %s", name, gpbo_error_message());
    return s;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

/* ---- threads, each its own handle, one budget -------------------------------------------- */

typedef struct worker_arg {
    const char *name;
    const gpbo_study_options *opts;
    size_t budget;
    atomic_int *calls;
    int rc;
} worker_arg;

static int counted(const gpbo_space *s, size_t id, const double *v, double *out, void *p)
{
    (void)s;
    (void)id;
    atomic_fetch_add((atomic_int *)p, 1);
    *out = (v[0] - 0.3) * (v[0] - 0.3) + (v[1] + 0.2) * (v[1] + 0.2);
    return 0;
}

static void *worker_main(void *p)
{
    worker_arg *a = p;
    gpbo_space *sp = box(2, -1.0, 1.0);
    gpbo_study *s = gpbo_study_open(storage, a->name, sp, a->opts);
    gpbo_space_free(sp);
    a->rc = s ? gpbo_study_optimize(s, counted, a->calls, a->budget) : gpbo_error_code();
    gpbo_study_close(s);
    return NULL;
}

/* A strategy without a model draws trial k's point from the seed and k alone, however many
 * workers asked and in whatever order (their points drawn ahead of the reservation go with the
 * id they were drawn for): every trial of s holds what an in-memory study with the same
 * options asks for that number, bit for bit. */
static void same_points_by_number(gpbo_study *s, const gpbo_study_options *o)
{
    gpbo_space *sp = box(2, -1.0, 1.0);
    gpbo_study *ref = gpbo_study_open(NULL, "reference", sp, o);
    gpbo_space_free(sp);
    assert_non_null(ref);
    for (size_t k = 0; k < gpbo_study_ntrials(s); k++) {
        size_t id;
        double v[2];
        gpbo_trial_info t;
        assert_int_equal(gpbo_study_ask(ref, &id, v), GPBO_OK);
        assert_int_equal(id, k);
        assert_int_equal(gpbo_study_trial(s, k, &t), GPBO_OK);
        assert_memory_equal(t.values, v, sizeof v);
    }
    gpbo_study_close(ref);
}

/* Six threads, one budget: every id once, each asked once (objective calls == trials), all
 * complete. */
static void run_threads(const char *strategy, size_t budget)
{
    char name[128];
    study_name(name, sizeof name, strategy);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    atomic_int calls = 0;
    enum { T = 6 };
    pthread_t th[T];
    worker_arg a[T];
    for (int i = 0; i < T; i++) {
        a[i] = (worker_arg){name, &o, budget, &calls, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &a[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].rc, GPBO_OK);
    }
    gpbo_study *s = open_named(name, NULL);
    size_t c[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(s, c);
    assert_int_equal(gpbo_study_ntrials(s), budget);
    assert_int_equal(c[GPBO_TRIAL_COMPLETE], budget);
    assert_int_equal((size_t)atomic_load(&calls), budget);
    if (strcmp(strategy, "bayes") != 0)
        same_points_by_number(s, &o);
    gpbo_study_close(s);
}

static void test_threads_share_a_budget(void **state)
{
    (void)state;
    run_threads("random", 120);
}

static void test_threads_bayes(void **state)
{
    (void)state;
    run_threads("bayes", 40);
}

/* ---- telling and asking in one step ------------------------------------------------------ */

/* A worker that runs its trials one after another, each tell carrying the next ask
 * (gpbo_study_tell_ask), until the study holds budget trials. */
static void *tell_ask_main(void *p)
{
    worker_arg *a = p;
    gpbo_space *sp = box(2, -1.0, 1.0);
    gpbo_study *s = gpbo_study_open(storage, a->name, sp, a->opts);
    gpbo_space_free(sp);
    size_t id;
    double v[2], y;
    int ask = s ? gpbo_study_ask_capped(s, a->budget, &id, v) : gpbo_error_code();
    a->rc = GPBO_OK;
    while (ask == GPBO_OK && a->rc == GPBO_OK) {
        counted(NULL, id, v, &y, a->calls);
        a->rc = gpbo_study_tell_ask(s, id, y, a->budget, &id, v, &ask);
    }
    if (a->rc == GPBO_OK && ask != GPBO_EEXHAUSTED)
        a->rc = ask;
    gpbo_study_close(s);
    return NULL;
}

/* Six threads on one budget, each trial's tell carrying the next ask: every id once, asked
 * once, complete with the value told, and each trial's point the one its number draws. */
static void test_threads_tell_ask(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "tellask");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    atomic_int calls = 0;
    enum { T = 6, BUDGET = 150 };
    pthread_t th[T];
    worker_arg a[T];
    for (int i = 0; i < T; i++) {
        a[i] = (worker_arg){name, &o, BUDGET, &calls, 0};
        assert_int_equal(pthread_create(&th[i], NULL, tell_ask_main, &a[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].rc, GPBO_OK);
    }
    gpbo_study *s = open_named(name, &o);
    size_t c[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(s, c);
    assert_int_equal(gpbo_study_ntrials(s), BUDGET);
    assert_int_equal(c[GPBO_TRIAL_COMPLETE], BUDGET);
    assert_int_equal((size_t)atomic_load(&calls), BUDGET);
    atomic_int scratch; /* the recomputation's own counter (clang takes no {0} for an atomic) */
    atomic_init(&scratch, 0);
    for (size_t k = 0; k < BUDGET; k++) {
        gpbo_trial_info t;
        double y;
        assert_int_equal(gpbo_study_trial(s, k, &t), GPBO_OK);
        counted(NULL, k, t.values, &y, &scratch);
        assert_true(t.value == y);
    }
    same_points_by_number(s, &o);
    gpbo_study_close(s);
}

/* tell_ask's other outcomes: a trial handed back is taken within the next two calls (its
 * first look may predate the hand-back) and, at the cap, by the call that finds the cap; a
 * non-finite value is a failure; a trial told elsewhere first is GPBO_ESTATE with the ask made
 * all the same; at the cap the tell is stored and the ask refused; the handle's view holds
 * every tell. */
static void test_tell_ask_outcomes(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "tellask_cases");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *a = open_named(name, &o), *b = open_named(name, &o);
    size_t id, g1, g2, bid;
    double v[2];
    int ask = -1;
    gpbo_trial_info t;
    assert_int_equal(gpbo_study_ask_capped(a, 4, &id, v), GPBO_OK);
    assert_int_equal(gpbo_study_tell_ask(a, id, 1.5, 4, &g1, v, &ask), GPBO_OK);
    assert_int_equal(ask, GPBO_OK);
    assert_int_equal(g1, id + 1);
    assert_int_equal(gpbo_study_trial(a, id, &t), GPBO_OK);
    assert_int_equal(t.state, GPBO_TRIAL_COMPLETE);
    assert_true(t.value == 1.5);
    assert_int_equal(gpbo_study_ask_capped(b, 4, &bid, v), GPBO_OK);
    assert_int_equal(bid, 2);
    gpbo_study_close(b); /* hands trial 2 back */
    id = g1;
    assert_int_equal(gpbo_study_tell_ask(a, id, NAN, 4, &g1, v, &ask), GPBO_OK);
    assert_int_equal(ask, GPBO_OK);
    assert_int_equal(gpbo_study_trial(a, id, &t), GPBO_OK);
    assert_int_equal(t.state, GPBO_TRIAL_FAILED);
    assert_int_equal(gpbo_study_tell_ask(a, g1, 2.0, 4, &g2, v, &ask), GPBO_OK);
    assert_int_equal(ask, GPBO_OK);
    assert_true((g1 == 2 && g2 == 3) || (g1 == 3 && g2 == 2));
    /* another handle tells a's trial first (as after a reclaim): a's tell is not stored */
    b = open_named(name, &o);
    assert_int_equal(gpbo_study_sync(b), GPBO_OK);
    assert_int_equal(gpbo_study_tell(b, g2, 7.0), GPBO_OK);
    assert_int_equal(gpbo_study_tell_ask(a, g2, 8.0, 4, &id, v, &ask), GPBO_ESTATE);
    assert_int_equal(ask, GPBO_EEXHAUSTED);
    assert_int_equal(gpbo_study_trial(a, g2, &t), GPBO_OK);
    assert_true(t.value == 7.0);
    assert_int_equal(gpbo_study_ntrials(a), 4);
    gpbo_study_close(a);
    assert_int_equal(gpbo_study_sync(b), GPBO_OK);
    assert_int_equal(gpbo_study_trial(b, g1, &t), GPBO_OK);
    assert_true(t.state == GPBO_TRIAL_COMPLETE && t.value == 2.0);
    gpbo_study_close(b);
    /* at the cap, a trial handed back after the handle's last look */
    study_name(name, sizeof name, "tellask_cap");
    a = open_named(name, &o);
    b = open_named(name, &o);
    assert_int_equal(gpbo_study_ask_capped(a, 2, &id, v), GPBO_OK);
    assert_int_equal(gpbo_study_ask_capped(b, 2, &bid, v), GPBO_OK);
    gpbo_study_close(b);
    assert_int_equal(gpbo_study_tell_ask(a, id, 1.0, 2, &g1, v, &ask), GPBO_OK);
    assert_int_equal(ask, GPBO_OK);
    assert_int_equal(g1, bid);
    assert_int_equal(gpbo_study_tell_ask(a, g1, 2.0, 2, &g2, v, &ask), GPBO_OK);
    assert_int_equal(ask, GPBO_EEXHAUSTED);
    size_t c[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(a, c);
    assert_int_equal(c[GPBO_TRIAL_COMPLETE], 2);
    gpbo_study_close(a);
}

/* ---- processes that ask and then vanish, stop or report late ------------------------------ */

/* In a child: waits for a byte on go (when go >= 0), opens the study, asks one trial, writes
 * its id to fd, then does `then`. Forked while this process has no other thread: a handle that
 * has asked runs a heartbeat thread, and a child forked then could inherit a lock (SQLite's
 * allocator's, say) that thread holds, and wait for it forever. So a case that needs a child
 * after its own handles have asked forks it first and lets it go later. */
enum { THEN_EXIT, THEN_STOP_THEN_TELL };
static pid_t child_asks(const char *name, const gpbo_study_options *o, int then, int fd, int go)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid != 0)
        return pid;
    char c;
    if (go >= 0 && read(go, &c, 1) != 1)
        _exit(6);
    gpbo_space *sp = box(2, -1.0, 1.0);
    gpbo_study *s = gpbo_study_open(storage, name, sp, o);
    size_t id = SIZE_MAX;
    double v[2];
    if (s == NULL || gpbo_study_ask(s, &id, v) != GPBO_OK)
        _exit(3);
    if (write(fd, &id, sizeof id) != (ssize_t)sizeof id)
        _exit(4);
    if (then == THEN_EXIT)
        _exit(0); /* no close: as kill -9 would leave it */
    raise(SIGSTOP);
    /* woken after another worker took the trial over and told it: this late tell is refused */
    int rc = gpbo_study_tell(s, id, 2.0);
    _exit(rc == GPBO_ESTATE ? 0 : 5);
}

static size_t read_id(int fd)
{
    size_t id = SIZE_MAX;
    assert_int_equal(read(fd, &id, sizeof id), (ssize_t)sizeof id);
    return id;
}

static int wait_exit(pid_t pid)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A worker process that dies without closing: its trial is reclaimed at once (its process is
 * gone, on this machine), with the same id and parameters; lost once more than lost_retries,
 * the trial is recorded as failed and a new one is asked instead. */
static void test_dead_process_reclaimed(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "dead");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.lost_retries = 1;
    gpbo_study *s = open_named(name, &o); /* created; asks nothing yet */
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t c = child_asks(name, &o, THEN_EXIT, p[1], -1);
    size_t id0 = read_id(p[0]);
    assert_int_equal(wait_exit(c), 0);
    /* a second process reclaims it (retries 1) and dies too */
    c = child_asks(name, &o, THEN_EXIT, p[1], -1);
    assert_int_equal(read_id(p[0]), id0);
    assert_int_equal(wait_exit(c), 0);
    size_t id;
    double v[2];
    assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
    assert_int_equal(id, id0 + 1); /* lost twice: failed, and a new trial instead */
    gpbo_trial_info t;
    assert_int_equal(gpbo_study_trial(s, id0, &t), GPBO_OK);
    assert_int_equal(t.state, GPBO_TRIAL_FAILED);
    assert_non_null(strstr(t.reason, "lost 2 times"));
    assert_int_equal(gpbo_study_tell(s, id, 1.0), GPBO_OK);
    gpbo_study_close(s);
    close(p[0]);
    close(p[1]);
}

/* A closed handle hands its running trials back: the next ask anywhere gets them, first, with
 * their parameters, without counting a loss. */
static void test_closed_handle_hands_back(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "closed");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.lost_retries = 0;
    gpbo_study *a = open_named(name, &o);
    size_t id, id2;
    double v[2], v2[2];
    assert_int_equal(gpbo_study_ask(a, &id, v), GPBO_OK);
    gpbo_study_close(a);
    gpbo_study *b = open_named(name, &o);
    assert_int_equal(gpbo_study_ask(b, &id2, v2), GPBO_OK);
    assert_int_equal(id2, id);
    assert_true(v2[0] == v[0] && v2[1] == v[1]);
    assert_int_equal(gpbo_study_tell(b, id2, 0.5), GPBO_OK);
    gpbo_study_close(b);
}

/* Whether trial id holds exactly the steps steps[0..n) with values vals, as handle s sees it. */
static void assert_steps(gpbo_study *s, size_t id, size_t n, const long *steps, const double *vals)
{
    gpbo_trial_info t;
    assert_int_equal(gpbo_study_trial(s, id, &t), GPBO_OK);
    assert_int_equal(t.nsteps, n);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(t.steps[k], steps[k]);
        assert_true(t.step_values[k] == vals[k]);
    }
}

/* A trial that runs again (its handle closed mid-run, or its worker lost) starts with no
 * intermediate values, in the storage and in every handle: the lost run's used to stay, mixed
 * with the new run's, so a rerun pruned at step 1 kept the lost run's steps 2..6, `gpbo trials`
 * called it pruned at step 6 with that step's (better) value, and a resumed pruner replayed
 * that curve. Found by killing `gpbo run` mid-trial under a median pruner and resuming. */
static void test_rerun_drops_lost_steps(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "rerun");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.lost_retries = 0;
    gpbo_study *a = open_named(name, &o);
    gpbo_study *watch = open_named(name, &o);
    size_t id, id2;
    double v[2];
    long steps[6];
    double vals[6];
    assert_int_equal(gpbo_study_ask(a, &id, v), GPBO_OK);
    for (int k = 0; k < 6; k++) {
        steps[k] = k + 1;
        vals[k] = 10.0 / (k + 1.0) + 0.125;
        assert_int_equal(gpbo_study_report(a, id, steps[k], vals[k]), GPBO_OK);
    }
    assert_int_equal(gpbo_study_sync(watch), GPBO_OK);
    assert_steps(watch, id, 6, steps, vals);
    gpbo_study_close(a); /* hands the trial back: the next ask runs it again */
    gpbo_study *b = open_named(name, &o);
    assert_int_equal(gpbo_study_ask(b, &id2, v), GPBO_OK);
    assert_int_equal(id2, id);
    assert_steps(b, id, 0, NULL, NULL);
    const long one = 1;
    const double bad = 60.375;
    assert_int_equal(gpbo_study_report(b, id, one, bad), GPBO_OK);
    assert_int_equal(gpbo_study_tell_pruned(b, id), GPBO_OK);
    assert_steps(b, id, 1, &one, &bad);
    assert_int_equal(gpbo_study_sync(watch), GPBO_OK);
    assert_steps(watch, id, 1, &one, &bad);
    gpbo_study_close(b);
    gpbo_study *c = open_named(name, &o);
    assert_steps(c, id, 1, &one, &bad);
    gpbo_study_close(c);
    gpbo_study_close(watch);
}

/* A live handle's heartbeats keep its trial: another handle does not take it, however long
 * past the grace period it runs. Then a stopped process (no heartbeat) loses its trial once the
 * grace period has passed; the taker's result is stored, and the stopped one's late tell is
 * refused (GPBO_ESTATE) and changes nothing. */
static void test_heartbeat_and_stopped_worker(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "beat");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.heartbeat = 0.2;
    o.grace = 1.0;
    int p[2], go[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(go), 0);
    pid_t c = child_asks(name, &o, THEN_STOP_THEN_TELL, p[1], go[0]);
    gpbo_study *a = open_named(name, &o), *b = open_named(name, &o);
    size_t ia, ib;
    double v[2];
    assert_int_equal(gpbo_study_ask(a, &ia, v), GPBO_OK);
    /* before its first ask a handle runs no heartbeat: nothing failed, no age */
    size_t fails = 7;
    double age = -1;
    char msg[64] = "x";
    assert_int_equal(gpbo_study_heartbeat_health(b, &fails, &age, msg, sizeof msg), GPBO_OK);
    assert_true(fails == 0 && age == 0 && msg[0] == '\0');
    assert_int_equal(gpbo_study_heartbeat_health(NULL, &fails, NULL, NULL, 0), GPBO_EINVAL);
    assert_int_equal(gpbo_study_heartbeat_health(b, NULL, NULL, NULL, 0), GPBO_EINVAL);
    sleep_s(2.0); /* twice the grace period: a's heartbeat thread keeps ia alive */
    /* and its refreshes are stored: none failed, the last one younger than a few beats */
    assert_int_equal(gpbo_study_heartbeat_health(a, &fails, &age, NULL, 0), GPBO_OK);
    assert_true(fails == 0 && age >= 0 && age < 1.0);
    assert_int_equal(gpbo_study_ask(b, &ib, v), GPBO_OK);
    assert_int_not_equal(ib, ia);
    assert_int_equal(gpbo_study_tell(a, ia, 1.0), GPBO_OK);
    assert_int_equal(gpbo_study_tell(b, ib, 1.0), GPBO_OK);

    assert_int_equal(write(go[1], "g", 1), 1);
    size_t ic = read_id(p[0]);
    int st;
    assert_int_equal(waitpid(c, &st, WUNTRACED), c);
    assert_true(WIFSTOPPED(st));
    /* within the grace period the stopped worker's trial is not taken */
    size_t id;
    assert_int_equal(gpbo_study_ask(b, &id, v), GPBO_OK);
    assert_int_not_equal(id, ic);
    assert_int_equal(gpbo_study_tell(b, id, 1.0), GPBO_OK);
    sleep_s(1.5);
    assert_int_equal(gpbo_study_ask(b, &id, v), GPBO_OK);
    assert_int_equal(id, ic); /* taken over */
    assert_int_equal(gpbo_study_tell(b, id, 0.25), GPBO_OK);
    kill(c, SIGCONT);
    assert_int_equal(wait_exit(c), 0); /* its late tell: GPBO_ESTATE */
    gpbo_study *r = open_named(name, NULL);
    gpbo_trial_info t;
    assert_int_equal(gpbo_study_trial(r, ic, &t), GPBO_OK);
    assert_int_equal(t.state, GPBO_TRIAL_COMPLETE);
    assert_true(t.value == 0.25);
    gpbo_study_close(r);
    gpbo_study_close(a);
    gpbo_study_close(b);
    close(p[0]);
    close(p[1]);
    close(go[0]);
    close(go[1]);
}

/* A handle that proposes for another (a `gpbo run` and its proposing process): its trials are
 * reserved in the owner's name, so its close hands none back while the owner lives; the
 * owner adopts them as its own, and its close hands back the ones it never adopted. */
static void test_propose_for(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "propose_for");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.lost_retries = 0; /* a trial counted lost would be failed: a hand-back must not count */
    gpbo_study *a = open_named(name, &o), *p = open_named(name, &o), *b = open_named(name, &o);
    assert_int_equal(gpbo_study_propose_for(p, ""), GPBO_EINVAL);
    assert_int_equal(gpbo_study_propose_for(NULL, "x"), GPBO_EINVAL);
    assert_int_equal(gpbo_study_propose_for(p, gpbo_study_worker(a)), GPBO_OK);
    size_t id[2], got;
    double v[2][2], w[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(gpbo_study_ask(p, &id[k], v[k]), GPBO_OK);
    assert_int_equal(gpbo_study_propose_for(p, gpbo_study_worker(a)), GPBO_EINVAL); /* asked */
    gpbo_study_close(p); /* hands back nothing: both are a's, and a lives */
    assert_int_equal(gpbo_study_ask(b, &got, w), GPBO_OK);
    assert_int_equal(got, 2);
    assert_int_equal(gpbo_study_tell(b, got, 1.0), GPBO_OK);
    assert_int_equal(gpbo_study_adopt(a, id[0]), GPBO_OK);
    assert_int_equal(gpbo_study_tell(a, id[0], 0.5), GPBO_OK);
    gpbo_study_close(a); /* hands back id[1], proposed for it and never adopted */
    assert_int_equal(gpbo_study_ask(b, &got, w), GPBO_OK);
    assert_int_equal(got, id[1]);
    assert_memory_equal(w, v[1], sizeof w);
    assert_int_equal(gpbo_study_tell(b, got, 0.25), GPBO_OK);
    size_t c[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(b, c);
    assert_int_equal(c[GPBO_TRIAL_COMPLETE], 3);
    gpbo_study_close(b);
}

static double epoch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A trial's started time is its run's: reserved 0.4 s before it is adopted (a proposer one
 * ahead of a free slot, or the owner's own ask), it is told with the adoption's time, as
 * another handle reads it; one never adopted keeps its reservation's. One handed back by a
 * closed handle and asked again runs from that ask. Before, every one of them showed the
 * first reservation's (0.4 s too early). */
static void test_adopted_started(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "adopted_started");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *a = open_named(name, &o), *p = open_named(name, &o), *c = open_named(name, &o);
    assert_int_equal(gpbo_study_propose_for(p, gpbo_study_worker(a)), GPBO_OK);
    size_t id[4], again;
    double v[2];
    gpbo_study *e = open_named(name, &o);
    assert_int_equal(gpbo_study_ask(e, &id[3], v), GPBO_OK);
    gpbo_study_close(e); /* hands id[3] back */
    sleep_s(0.4);
    assert_int_equal(gpbo_study_ask(a, &again, v), GPBO_OK); /* the handed-back one first */
    assert_int_equal(again, id[3]);
    double rerun = epoch_now();
    assert_int_equal(gpbo_study_ask(p, &id[0], v), GPBO_OK); /* proposed for a */
    assert_int_equal(gpbo_study_ask(a, &id[1], v), GPBO_OK); /* a's own */
    assert_int_equal(gpbo_study_ask(a, &id[2], v), GPBO_OK); /* told without adoption */
    double asked = epoch_now();
    sleep_s(0.4);
    double adopted = epoch_now();
    for (int k = 0; k < 2; k++) {
        assert_int_equal(gpbo_study_adopt(a, id[k]), GPBO_OK);
        assert_int_equal(gpbo_study_tell(a, id[k], 1.0 + k), GPBO_OK);
    }
    assert_int_equal(gpbo_study_tell(a, id[2], 3.0), GPBO_OK);
    assert_int_equal(gpbo_study_tell(a, id[3], 4.0), GPBO_OK);
    assert_int_equal(gpbo_study_sync(c), GPBO_OK);
    gpbo_trial_info t3;
    assert_int_equal(gpbo_study_trial(c, id[3], &t3), GPBO_OK); /* from a's ask, not e's */
    assert_true(t3.started > rerun - 0.3 && t3.started <= rerun);
    for (int k = 0; k < 3; k++) {
        gpbo_trial_info t, mine;
        assert_int_equal(gpbo_study_trial(c, id[k], &t), GPBO_OK);
        assert_int_equal(gpbo_study_trial(a, id[k], &mine), GPBO_OK);
        assert_true(t.started == mine.started); /* the teller's mirror holds what it stored */
        if (k < 2)
            assert_true(t.started >= adopted && t.finished - t.started < 0.2);
        else
            assert_true(t.started <= asked && t.finished - t.started >= 0.4);
    }
    gpbo_study_close(p);
    gpbo_study_close(a);
    gpbo_study_close(c);
}

/* The cap holds across handles: ask_capped refuses once the study holds max_trials trials,
 * whoever asked them; a reclaimed trial does not count twice. */
static void test_cap_across_handles(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "cap");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "sobol";
    gpbo_study *a = open_named(name, &o), *b = open_named(name, &o);
    size_t id;
    double v[2];
    assert_int_equal(gpbo_study_ask_capped(a, 3, &id, v), GPBO_OK);
    assert_int_equal(gpbo_study_ask_capped(b, 3, &id, v), GPBO_OK);
    assert_int_equal(gpbo_study_ask_capped(a, 3, &id, v), GPBO_OK);
    assert_int_equal(gpbo_study_ask_capped(b, 3, &id, v), GPBO_EEXHAUSTED);
    gpbo_study_close(a); /* its two trials are handed back ... */
    size_t got[2];
    assert_int_equal(gpbo_study_ask_capped(b, 3, &got[0], v), GPBO_OK);
    assert_int_equal(gpbo_study_ask_capped(b, 3, &got[1], v), GPBO_OK);
    assert_true(got[0] != got[1] && got[0] != 1 && got[1] != 1); /* ... and b runs them */
    assert_int_equal(gpbo_study_ask_capped(b, 3, &id, v), GPBO_EEXHAUSTED);
    assert_int_equal(gpbo_study_ntrials(b), 3);
    gpbo_study_close(b);
}

/* gpbo_study_optimize's n_trials caps the study's trials in all, as ask_capped does (gpbo/search.h
 * says so): with another handle's two trials running, optimize(5) runs three and returns GPBO_OK,
 * the study then holding five trials, two of them still running; once they are told, optimize(5)
 * has nothing left to run. */
static void test_optimize_cap_across_handles(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "optcap");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *a = open_named(name, &o), *b = open_named(name, &o);
    size_t ids[2];
    double v[2];
    assert_int_equal(gpbo_study_ask(a, &ids[0], v), GPBO_OK);
    assert_int_equal(gpbo_study_ask(a, &ids[1], v), GPBO_OK);
    atomic_int calls = 0;
    assert_int_equal(gpbo_study_optimize(b, counted, &calls, 5), GPBO_OK);
    size_t c[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(b, c);
    assert_int_equal(calls, 3);
    assert_int_equal(c[GPBO_TRIAL_COMPLETE], 3);
    assert_int_equal(c[GPBO_TRIAL_RUNNING], 2);
    assert_int_equal(gpbo_study_tell(a, ids[0], 1.5), GPBO_OK);
    assert_int_equal(gpbo_study_tell(a, ids[1], 2.5), GPBO_OK);
    assert_int_equal(gpbo_study_optimize(b, counted, &calls, 5), GPBO_OK);
    assert_int_equal(calls, 3);
    gpbo_study_counts(b, c);
    assert_int_equal(c[GPBO_TRIAL_COMPLETE], 5);
    gpbo_study_close(a);
    gpbo_study_close(b);
}

/* ---- every metric kept (issue 20) ---------------------------------------------------------- */

static void assert_metric(const gpbo_study *s, size_t id, const char *name, double want)
{
    double v = 0;
    assert_int_equal(gpbo_study_trial_metric(s, id, name, &v), GPBO_OK);
    if (isnan(want))
        assert_true(isnan(v));
    else
        assert_true(v == want);
}

/* A trial's other metrics are stored with its end, whichever the end (tell, tell_ask on the
 * one-transaction path, failed, pruned), in the order first given, a name given twice keeping
 * its last value, NaN kept as NaN; another handle reads them; a sync before the tell keeps a
 * running trial's; a trial that never ends stores none; bad calls change nothing. */
static void test_metrics_kept(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "metrics");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *s = open_named(name, &o);
    size_t id[5];
    double v[2];
    for (int k = 0; k < 4; k++)
        assert_int_equal(gpbo_study_ask(s, &id[k], v), GPBO_OK);
    const char *n3[] = {"seconds", "mem_mb", "seconds"};
    const double x3[] = {1.5, 512, 2.25};
    assert_int_equal(gpbo_study_set_metrics(s, id[0], 3, n3, x3), GPBO_OK);
    const char *bad[] = {"ok", ""};
    assert_int_equal(gpbo_study_set_metrics(s, id[0], 2, bad, x3), GPBO_EINVAL);
    assert_int_equal(gpbo_study_set_metrics(s, id[0], 1, NULL, x3), GPBO_EINVAL);
    assert_int_equal(gpbo_study_sync(s), GPBO_OK);
    assert_metric(s, id[0], "mem_mb", 512);
    assert_int_equal(gpbo_study_tell(s, id[0], 0.5), GPBO_OK);
    const char *n1[] = {"acc"};
    const double nan1[] = {NAN}, x1[] = {0.875};
    assert_int_equal(gpbo_study_set_metrics(s, id[1], 1, n1, nan1), GPBO_OK);
    assert_int_equal(gpbo_study_tell_failed(s, id[1], "crashed"), GPBO_OK);
    assert_int_equal(gpbo_study_set_metrics(s, id[2], 1, n1, x1), GPBO_OK);
    assert_int_equal(gpbo_study_tell_pruned(s, id[2]), GPBO_OK);
    assert_int_equal(gpbo_study_set_metrics(s, id[3], 1, n1, x1), GPBO_OK);
    int ask_rc = -1;
    assert_int_equal(gpbo_study_tell_ask(s, id[3], 1.0, 10, &id[4], v, &ask_rc), GPBO_OK);
    assert_int_equal(ask_rc, GPBO_OK);
    assert_int_equal(gpbo_study_set_metrics(s, id[4], 1, n1, x1), GPBO_OK);
    assert_int_equal(gpbo_study_set_metrics(s, id[0], 1, n1, x1), GPBO_ESTATE);
    gpbo_study *r = open_named(name, &o); /* another handle: what the storage holds */
    size_t n = 9;
    const char *const *names = NULL;
    const double *vals = NULL;
    assert_int_equal(gpbo_study_trial_metrics(r, id[0], &n, &names, &vals), GPBO_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "seconds");
    assert_string_equal(names[1], "mem_mb");
    assert_true(vals[0] == 2.25 && vals[1] == 512);
    assert_metric(r, id[1], "acc", NAN);
    assert_metric(r, id[2], "acc", 0.875);
    assert_metric(r, id[3], "acc", 0.875);
    assert_int_equal(gpbo_study_trial_metrics(r, id[4], &n, &names, &vals), GPBO_OK);
    assert_int_equal(n, 0); /* still running: nothing stored yet */
    assert_int_equal(gpbo_study_trial_metric(r, id[0], "acc", v), GPBO_ENOTFOUND);
    assert_int_equal(gpbo_study_trial_metrics(r, 99, &n, &names, &vals), GPBO_ENOTFOUND);
    gpbo_study_close(r);
    gpbo_study_close(s);
}

/* A trial's user attributes (gpbo_study_set_user_attr, Optuna's set_user_attr) are stored with
 * its end beside its metrics, whichever the end, read back by another handle as one JSON object
 * in the order the keys were first set (a key set again keeps its last value); metrics stay
 * as they were; a trial with none has NULL; text that is not one JSON value, or a told trial,
 * is refused and changes nothing. */
static void test_user_attrs_kept(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "attrs");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *s = open_named(name, &o);
    size_t id[4];
    double v[2];
    for (int k = 0; k < 3; k++)
        assert_int_equal(gpbo_study_ask(s, &id[k], v), GPBO_OK);
    assert_int_equal(gpbo_study_set_user_attr(s, id[0], "note", "\"lr \\u00e9 ok\""), GPBO_OK);
    assert_int_equal(gpbo_study_set_user_attr(s, id[0], "epochs", "[1, 2.385, null]"), GPBO_OK);
    assert_int_equal(gpbo_study_set_user_attr(s, id[0], "note", "{\"a\": true}"), GPBO_OK);
    assert_int_equal(gpbo_study_set_user_attr(s, id[0], "x", "1, 2"), GPBO_EINVAL);
    assert_int_equal(gpbo_study_set_user_attr(s, id[0], "x", "nope"), GPBO_EINVAL);
    assert_int_equal(gpbo_study_set_user_attr(s, id[0], "x", ""), GPBO_EINVAL);
    assert_int_equal(gpbo_study_set_user_attr(s, id[0], NULL, "1"), GPBO_EINVAL);
    const char *mn[] = {"acc"};
    const double mv[] = {0.875};
    assert_int_equal(gpbo_study_set_metrics(s, id[0], 1, mn, mv), GPBO_OK);
    const char *json = NULL;
    assert_int_equal(gpbo_study_trial_user_attrs(s, id[0], &json), GPBO_OK);
    assert_string_equal(json, "{\"note\":{\"a\":true},\"epochs\":[1,2.3849999999999998,null]}");
    assert_int_equal(gpbo_study_tell(s, id[0], 0.5), GPBO_OK);
    assert_int_equal(gpbo_study_set_user_attr(s, id[1], "why", "\"oom\""), GPBO_OK);
    assert_int_equal(gpbo_study_tell_failed(s, id[1], "crashed"), GPBO_OK);
    assert_int_equal(gpbo_study_set_user_attr(s, id[2], "k", "3"), GPBO_OK);
    int ask_rc = -1;
    assert_int_equal(gpbo_study_tell_ask(s, id[2], 1.0, 10, &id[3], v, &ask_rc), GPBO_OK);
    assert_int_equal(ask_rc, GPBO_OK);
    assert_int_equal(gpbo_study_set_user_attr(s, id[3], "k", "4"), GPBO_OK);
    assert_int_equal(gpbo_study_set_user_attr(s, id[0], "k", "4"), GPBO_ESTATE);
    gpbo_study *r = open_named(name, &o); /* another handle: what the storage holds */
    assert_int_equal(gpbo_study_trial_user_attrs(r, id[0], &json), GPBO_OK);
    assert_string_equal(json, "{\"note\":{\"a\":true},\"epochs\":[1,2.3849999999999998,null]}");
    assert_metric(r, id[0], "acc", 0.875);
    size_t n = 9;
    const char *const *names = NULL;
    const double *vals = NULL;
    assert_int_equal(gpbo_study_trial_metrics(r, id[0], &n, &names, &vals), GPBO_OK);
    assert_int_equal(n, 1); /* the attributes are not a metric */
    assert_int_equal(gpbo_study_trial_user_attrs(r, id[1], &json), GPBO_OK);
    assert_string_equal(json, "{\"why\":\"oom\"}");
    assert_int_equal(gpbo_study_trial_user_attrs(r, id[2], &json), GPBO_OK);
    assert_string_equal(json, "{\"k\":3}");
    assert_int_equal(gpbo_study_trial_user_attrs(r, id[3], &json), GPBO_OK);
    assert_null(json); /* still running: nothing stored yet */
    assert_int_equal(gpbo_study_trial_user_attrs(r, 99, &json), GPBO_ENOTFOUND);
    assert_int_equal(gpbo_study_trial_user_attrs(r, id[0], NULL), GPBO_EINVAL);
    gpbo_study_close(r);
    gpbo_study_close(s);
}

/* gpbo_study_enqueue_started: the trial asked keeps the started time given (a define-by-run
 * study's first trial, run before the study existed), in the storage too; the same time given
 * again is moved just past it (a handle's trials differ in started time); a time after now,
 * not finite or <= 0 is refused and enqueues nothing. */
static void test_enqueue_started(void **state)
{
    (void)state;
    char name[128];
    study_name(name, sizeof name, "started");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *s = open_named(name, &o);
    const double x[2] = {0.25, 0.75};
    double v[2], t0 = (double)time(NULL) - 90.5;
    size_t q[2], id;
    assert_int_equal(gpbo_study_enqueue_started(s, x, SIZE_MAX, t0 + 1e9, NULL), GPBO_EINVAL);
    assert_int_equal(gpbo_study_enqueue_started(s, x, SIZE_MAX, INFINITY, NULL), GPBO_EINVAL);
    assert_int_equal(gpbo_study_enqueue_started(s, x, SIZE_MAX, -1, NULL), GPBO_EINVAL);
    assert_int_equal(gpbo_study_ntrials(s), 0);
    assert_int_equal(gpbo_study_enqueue_started(s, x, SIZE_MAX, t0, &q[0]), GPBO_OK);
    assert_int_equal(gpbo_study_enqueue_started(s, x, SIZE_MAX, t0, &q[1]), GPBO_OK);
    assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
    assert_int_equal(id, q[0]);
    assert_int_equal(gpbo_study_tell(s, id, 1.5), GPBO_OK);
    gpbo_study *r = open_named(name, &o); /* what the storage holds */
    gpbo_trial_info a, b;
    assert_int_equal(gpbo_study_trial(r, q[0], &a), GPBO_OK);
    assert_true(a.started == t0);
    assert_true(a.finished - a.started > 90 && a.finished - a.started < 3600);
    assert_int_equal(gpbo_study_trial(r, q[1], &b), GPBO_OK);
    assert_true(b.started > t0 && b.started - t0 < 1e-3);
    gpbo_study_close(r);
    gpbo_study_close(s);
}

/* The study's own user attributes (gpbo_study_set_attr, Optuna's study.set_user_attr): none
 * before any is set (no table yet), stored at once, so another handle reads them without a
 * tell, in the order first set, a key set again through the other handle taking its new value
 * in its place; text that is not one JSON value changes nothing; another study of the same
 * storage has its own. */
static void test_study_attrs_kept(void **state)
{
    (void)state;
    char name[128], other[128];
    study_name(name, sizeof name, "sattrs");
    study_name(other, sizeof other, "sattrs_other");
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *a = open_named(name, &o), *b = open_named(name, &o), *c = open_named(other, &o);
    const char *json = "unset";
    assert_int_equal(gpbo_study_attrs(b, &json), GPBO_OK);
    assert_null(json);
    assert_int_equal(gpbo_study_set_attr(a, "dataset", "\"fashion-mnist v2\""), GPBO_OK);
    assert_int_equal(gpbo_study_set_attr(a, "budget", "{\"gpu_h\": 2.385}"), GPBO_OK);
    assert_int_equal(gpbo_study_set_attr(a, "bad", "1 2"), GPBO_EINVAL);
    assert_int_equal(gpbo_study_set_attr(a, NULL, "1"), GPBO_EINVAL);
    assert_int_equal(gpbo_study_attrs(b, &json), GPBO_OK);
    assert_string_equal(
        json, "{\"dataset\":\"fashion-mnist v2\",\"budget\":{\"gpu_h\":2.3849999999999998}}");
    assert_int_equal(gpbo_study_set_attr(b, "dataset", "[1, null]"), GPBO_OK);
    assert_int_equal(gpbo_study_attrs(a, &json), GPBO_OK);
    assert_string_equal(json, "{\"dataset\":[1,null],\"budget\":{\"gpu_h\":2.3849999999999998}}");
    assert_int_equal(gpbo_study_attrs(c, &json), GPBO_OK);
    assert_null(json);
    assert_int_equal(gpbo_study_attrs(a, NULL), GPBO_EINVAL);
    gpbo_study_close(c);
    gpbo_study_close(b);
    gpbo_study_close(a);
}

int main(int argc, char **argv)
{
    const char *kind = argc > 1 ? argv[1] : "sqlite";
    if (strcmp(kind, "sqlite") == 0) {
        if (gpbo_test_mkdtemp(dir, sizeof dir, "gpbo-workers-") != 0)
            return 1;
        snprintf(storage, sizeof storage, "sqlite:///%s/workers.db", dir);
    } else {
        FILE *f = fopen(kind, "r");
        if (f == NULL || fgets(storage, sizeof storage, f) == NULL) {
            fprintf(stderr, "%s: cannot read the server's URL\n", kind);
            return 1;
        }
        fclose(f);
        storage[strcspn(storage, "\r\n")] = '\0';
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_a_budget),
        cmocka_unit_test(test_threads_bayes),
        cmocka_unit_test(test_threads_tell_ask),
        cmocka_unit_test(test_tell_ask_outcomes),
        cmocka_unit_test(test_dead_process_reclaimed),
        cmocka_unit_test(test_closed_handle_hands_back),
        cmocka_unit_test(test_rerun_drops_lost_steps),
        cmocka_unit_test(test_heartbeat_and_stopped_worker),
        cmocka_unit_test(test_cap_across_handles),
        cmocka_unit_test(test_propose_for),
        cmocka_unit_test(test_adopted_started),
        cmocka_unit_test(test_metrics_kept),
        cmocka_unit_test(test_user_attrs_kept),
        cmocka_unit_test(test_enqueue_started),
        cmocka_unit_test(test_study_attrs_kept),
        cmocka_unit_test(test_optimize_cap_across_handles),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (dir[0])
        gpbo_test_rmtree(dir);
    return rc;
}
