/*
 * test_fault_search.c: allocation failures in gpbo::search (fault.h): the space builders and
 * the study calls (open, ask, tell, tell_failed, report, best, trial, close), in memory and on
 * an SQLite file, with the random and the bayes strategies. Each failing call returns
 * GPBO_ENOMEM (or GPBO_ESTORAGE when SQLite ran out), leaks nothing, leaves the study and its
 * file as they were (a fresh handle reopened on the file sees the same trials), and the same
 * call then succeeds with the result of a run without failures: a study whose ask failed asks
 * again and gets the trial an uninterrupted study gets.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "gpbo/search.h"
#include "testutil.h"

static const char *const CHOICES[] = {"adam", "sgd", "rmsprop"};

/* The study's space: two floats (the 2-D problem), an integer, a category and a constant. */
static gpbo_space *make_space(void)
{
    gpbo_space *sp = gpbo_space_new();
    assert_non_null(sp);
    assert_int_equal(gpbo_space_add_float(sp, "x", -2.0, 3.5, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(sp, "lr", 1e-4, 0.3, 1), GPBO_OK);
    return sp;
}

static gpbo_space *make_space_full(void)
{
    gpbo_space *sp = make_space();
    assert_int_equal(gpbo_space_add_int(sp, "units", 8, 512, 1), GPBO_OK);
    assert_int_equal(gpbo_space_add_categorical(sp, "opt", 3, CHOICES), GPBO_OK);
    assert_int_equal(gpbo_space_add_const(sp, "epochs", 12), GPBO_OK);
    return sp;
}

static double objective(const double *v)
{
    return (v[0] - 0.385) * (v[0] - 0.385) + 0.2 * log(v[1]) * log(v[1]);
}

/* ---- spaces ---------------------------------------------------------------------------------- */

typedef struct space_st {
    gpbo_space *sp, *out;
    char *json;
} space_st;

static void fp_space_one(fault_fp *fp, const gpbo_space *sp)
{
    if (sp == NULL) {
        fault_fp_str(fp, NULL);
        return;
    }
    char *j = gpbo_space_to_json(sp);
    assert_non_null(j);
    fault_fp_str(fp, j);
    gpbo_free(j);
}

static void fp_space(void *p, fault_fp *fp)
{
    space_st *s = p;
    fp_space_one(fp, s->sp);
    fp_space_one(fp, s->out);
    fault_fp_str(fp, s->json);
}

static void *setup_space_none(void *ctx)
{
    (void)ctx;
    space_st *s = calloc(1, sizeof *s);
    assert_non_null(s);
    return s;
}

static void *setup_space(void *ctx)
{
    space_st *s = setup_space_none(ctx);
    s->sp = make_space();
    return s;
}

static void *setup_space_full(void *ctx)
{
    space_st *s = setup_space_none(ctx);
    s->sp = make_space_full();
    return s;
}

static void teardown_space(void *p)
{
    space_st *s = p;
    gpbo_space_free(s->sp);
    gpbo_space_free(s->out);
    gpbo_free(s->json);
    free(s);
}

static int call_space_new(void *p)
{
    space_st *s = p;
    s->sp = gpbo_space_new();
    return s->sp ? GPBO_OK : gpbo_error_code();
}

static int call_add_float(void *p)
{
    return gpbo_space_add_float(((space_st *)p)->sp, "momentum", 0.5, 0.99, 0);
}

static int call_add_int(void *p)
{
    return gpbo_space_add_int(((space_st *)p)->sp, "layers", 1, 6, 0);
}

static int call_add_categorical(void *p)
{
    return gpbo_space_add_categorical(((space_st *)p)->sp, "opt", 3, CHOICES);
}

static int call_add_const(void *p)
{
    return gpbo_space_add_const(((space_st *)p)->sp, "seed", 2385);
}

static int call_space_copy(void *p)
{
    space_st *s = p;
    s->out = gpbo_space_copy(s->sp);
    return s->out ? GPBO_OK : gpbo_error_code();
}

static int call_space_to_json(void *p)
{
    space_st *s = p;
    s->json = gpbo_space_to_json(s->sp);
    return s->json ? GPBO_OK : gpbo_error_code();
}

static char *space_json;

static int call_space_from_json(void *p)
{
    space_st *s = p;
    s->out = gpbo_space_from_json(space_json);
    return s->out ? GPBO_OK : gpbo_error_code();
}

static void run_space(const char *name, void *(*setup)(void *), int (*call)(void *))
{
    fault_case c = {name, setup, call, fp_space, teardown_space, FAULT_ALLOW_ENOMEM, NULL, NULL};
    assert_true(fault_run(&c) >= 0);
}

static void test_space(void **state)
{
    (void)state;
    run_space("space_new", setup_space_none, call_space_new);
    run_space("space_add_float", setup_space, call_add_float);
    run_space("space_add_int", setup_space, call_add_int);
    run_space("space_add_categorical", setup_space, call_add_categorical);
    run_space("space_add_const", setup_space, call_add_const);
    run_space("space_copy", setup_space_full, call_space_copy);
    run_space("space_to_json", setup_space_full, call_space_to_json);
    gpbo_space *sp = make_space_full();
    space_json = gpbo_space_to_json(sp);
    assert_non_null(space_json);
    gpbo_space_free(sp);
    run_space("space_from_json", setup_space_none, call_space_from_json);
    gpbo_free(space_json);
}

/* ---- studies --------------------------------------------------------------------------------- */

enum op {
    OP_OPEN_NEW,
    OP_OPEN_EXISTING,
    OP_ASK,
    OP_TELL,
    OP_TELL_FAILED,
    OP_TELL_PRUNED,
    OP_REPORT,
    OP_READ,
    OP_CLOSE
};

typedef struct scase {
    const char *name;
    const char *strategy;
    int file;     /* SQLite file, else memory */
    size_t ntold; /* trials told before the call */
    int running;  /* one more asked and not told (tell / report work on it) */
    enum op op;
    char tmpl[512], work[512]; /* the study built once, and the copy each run works on */
    int built;
} scase;

typedef struct study_st {
    scase *c;
    gpbo_study *study;
    gpbo_space *space;
    size_t id;
    double values[8];
    gpbo_trial_info info;
    int have_out;
} study_st;

static gpbo_study_options options(const scase *c)
{
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = c->strategy;
    o.seed = 2385;
    o.n_init = 6;
    return o;
}

static gpbo_study *open_study(const scase *c, const char *path, const gpbo_space *sp)
{
    gpbo_study_options o = options(c);
    return gpbo_study_open(path, "fault", sp, &o);
}

/* Tells ntold trials (and asks one more when running) on a fresh study. */
static void replay(const scase *c, gpbo_study *s)
{
    double v[8];
    size_t id;
    for (size_t i = 0; i < c->ntold; i++) {
        assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
        if (i == 2) {
            assert_int_equal(gpbo_study_report(s, id, 1, 2.385), GPBO_OK);
            assert_int_equal(gpbo_study_tell_failed(s, id, "diverged"), GPBO_OK);
        } else {
            assert_int_equal(gpbo_study_tell(s, id, objective(v)), GPBO_OK);
        }
    }
    if (c->running) {
        assert_int_equal(gpbo_study_ask(s, &id, v), GPBO_OK);
        assert_int_equal(gpbo_study_report(s, id, 1, 0.75), GPBO_OK);
    }
}

static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0)
        assert_int_equal(fwrite(buf, 1, n, b), n);
    fclose(a);
    assert_int_equal(fclose(b), 0);
}

static void fp_trials(fault_fp *fp, const gpbo_study *s)
{
    if (s == NULL) {
        fault_fp_str(fp, NULL);
        return;
    }
    size_t np = gpbo_space_size(gpbo_study_space(s)), n = gpbo_study_ntrials(s);
    fault_fp_size(fp, n);
    for (size_t i = 0; i < n; i++) {
        gpbo_trial_info t;
        assert_int_equal(gpbo_study_trial(s, i, &t), GPBO_OK);
        fault_fp_size(fp, t.id);
        fault_fp_size(fp, (size_t)t.state);
        fault_fp_doubles(fp, &t.value, 1);
        fault_fp_doubles(fp, t.values, np);
        fault_fp_str(fp, t.reason);
        fault_fp_size(fp, t.nsteps);
        fault_fp_add(fp, t.steps, t.nsteps * sizeof *t.steps);
        fault_fp_doubles(fp, t.step_values, t.nsteps);
    }
}

static void fp_study(void *p, fault_fp *fp)
{
    study_st *s = p;
    fp_trials(fp, s->study);
    if (s->have_out) {
        fault_fp_size(fp, s->id);
        fault_fp_doubles(fp, s->values, gpbo_space_size(s->space));
        fault_fp_size(fp, s->info.id);
        fault_fp_doubles(fp, &s->info.value, 1);
    }
    if (s->c->file) {
        /* what a fresh handle finds in the file */
        struct stat sb;
        if (stat(s->c->work, &sb) != 0) {
            fault_fp_str(fp, "no study");
            return;
        }
        gpbo_study *r = gpbo_study_open(s->c->work, "fault", NULL, NULL);
        /* a failed open may leave the file it created, with no study in it: as no file */
        if (r == NULL) {
            fault_fp_str(fp,
                         gpbo_error_code() == GPBO_ENOTFOUND ? "no study" : gpbo_error_message());
            return;
        }
        /* An open that fails after the new study was committed (parsing what it stored ran
         * out of memory) leaves it created and empty, as an open and a close would: opening
         * again finds it. For a new study that counts as no study. */
        if (s->c->op == OP_OPEN_NEW && s->study == NULL && gpbo_study_ntrials(r) == 0) {
            gpbo_study_close(r);
            fault_fp_str(fp, "no study");
            return;
        }
        fp_trials(fp, r);
        gpbo_study_close(r);
    }
}

static void build_template(scase *c)
{
    if (c->built || !c->file)
        return;
    snprintf(c->tmpl, sizeof c->tmpl, "%s/%s-tmpl.db", fault_tmpdir(), c->name);
    snprintf(c->work, sizeof c->work, "%s/%s.db", fault_tmpdir(), c->name);
    gpbo_test_remove_db(c->tmpl);
    gpbo_space *sp = make_space();
    gpbo_study *s = open_study(c, c->tmpl, sp);
    assert_non_null(s);
    replay(c, s);
    gpbo_study_close(s); /* the last connection checkpoints the WAL into the file */
    gpbo_space_free(sp);
    c->built = 1;
}

static void *setup_study(void *ctx)
{
    scase *c = ctx;
    build_template(c);
    study_st *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->c = c;
    s->space = make_space();
    if (c->file) {
        gpbo_test_remove_db(c->work);
        if (c->op == OP_OPEN_NEW)
            return s;
        copy_file(c->tmpl, c->work);
        if (c->op == OP_OPEN_EXISTING)
            return s;
        s->study = open_study(c, c->work, s->space);
    } else {
        if (c->op == OP_OPEN_NEW)
            return s;
        s->study = open_study(c, NULL, s->space);
        assert_non_null(s->study);
        replay(c, s->study);
    }
    assert_non_null(s->study);
    return s;
}

static void teardown_study(void *p)
{
    study_st *s = p;
    gpbo_study_close(s->study);
    gpbo_space_free(s->space);
    free(s);
}

static int call_study(void *p)
{
    study_st *s = p;
    const scase *c = s->c;
    size_t last = s->study ? gpbo_study_ntrials(s->study) - 1 : 0;
    int rc = GPBO_OK;
    switch (c->op) {
    case OP_OPEN_NEW:
    case OP_OPEN_EXISTING:
        s->study = open_study(c, c->file ? c->work : NULL, s->space);
        return s->study ? GPBO_OK : gpbo_error_code();
    case OP_ASK:
        rc = gpbo_study_ask(s->study, &s->id, s->values);
        s->have_out = rc == GPBO_OK;
        return rc;
    case OP_TELL:
        return gpbo_study_tell(s->study, last, 0.2385);
    case OP_TELL_FAILED:
        return gpbo_study_tell_failed(s->study, last, "out of patience after 17 epochs");
    case OP_TELL_PRUNED:
        return gpbo_study_tell_pruned(s->study, last);
    case OP_REPORT:
        return gpbo_study_report(s->study, last, 2, 0.6172);
    case OP_READ:
        if ((rc = gpbo_study_best(s->study, &s->info)) == GPBO_OK)
            rc = gpbo_study_trial(s->study, 1, &s->info);
        s->have_out = rc == GPBO_OK;
        return rc;
    case OP_CLOSE:
        gpbo_study_close(s->study);
        s->study = NULL;
        return GPBO_OK;
    }
    return GPBO_EINVAL;
}

static void run_study(scase *c)
{
    fault_case fc = {
        c->name,  setup_study,    call_study,
        fp_study, teardown_study, FAULT_ALLOW_ENOMEM | (c->file ? FAULT_ALLOW_ESTORAGE : 0u),
        c,        "libnlopt"};
    assert_true(fault_run(&fc) >= 0);
}

static scase MEMORY_CASES[] = {
    {"memory open (random)", "random", 0, 0, 0, OP_OPEN_NEW, "", "", 0},
    {"memory open (bayes)", "bayes", 0, 0, 0, OP_OPEN_NEW, "", "", 0},
    {"memory ask (random)", "random", 0, 4, 0, OP_ASK, "", "", 0},
    {"memory ask (bayes, initial design)", "bayes", 0, 3, 0, OP_ASK, "", "", 0},
    {"memory ask (bayes, GP)", "bayes", 0, 7, 0, OP_ASK, "", "", 0},
    {"memory ask (bayes, GP, 1 pending)", "bayes", 0, 7, 1, OP_ASK, "", "", 0},
    {"memory tell", "random", 0, 4, 1, OP_TELL, "", "", 0},
    {"memory tell_failed", "random", 0, 4, 1, OP_TELL_FAILED, "", "", 0},
    {"memory tell_pruned", "random", 0, 4, 1, OP_TELL_PRUNED, "", "", 0},
    {"memory report", "random", 0, 4, 1, OP_REPORT, "", "", 0},
    {"memory best + trial", "random", 0, 4, 1, OP_READ, "", "", 0},
    {"memory close", "bayes", 0, 7, 1, OP_CLOSE, "", "", 0},
};

static scase FILE_CASES[] = {
    {"sqlite open new (random)", "random", 1, 0, 0, OP_OPEN_NEW, "", "", 0},
    {"sqlite open existing (bayes)", "bayes", 1, 4, 1, OP_OPEN_EXISTING, "", "", 0},
    {"sqlite ask (random)", "random", 1, 4, 0, OP_ASK, "", "", 0},
    {"sqlite ask (pending first)", "random", 1, 4, 1, OP_ASK, "", "", 0},
    {"sqlite ask (bayes, GP)", "bayes", 1, 7, 0, OP_ASK, "", "", 0},
    {"sqlite tell", "random", 1, 4, 1, OP_TELL, "", "", 0},
    {"sqlite tell_failed", "random", 1, 4, 1, OP_TELL_FAILED, "", "", 0},
    {"sqlite tell_pruned", "random", 1, 4, 1, OP_TELL_PRUNED, "", "", 0},
    {"sqlite report", "random", 1, 4, 1, OP_REPORT, "", "", 0},
    {"sqlite best + trial", "random", 1, 4, 1, OP_READ, "", "", 0},
    {"sqlite close", "random", 1, 4, 1, OP_CLOSE, "", "", 0},
};

static void test_memory_studies(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof MEMORY_CASES / sizeof *MEMORY_CASES; i++)
        run_study(&MEMORY_CASES[i]);
}

static void test_file_studies(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof FILE_CASES / sizeof *FILE_CASES; i++)
        run_study(&FILE_CASES[i]);
}

int main(void)
{
    /* GSL's default error handler aborts when gsl_qrng_alloc runs out of memory (the Sobol
     * design); the library turns it off on first use (acquisition/sobol.c), so after a warm-up
     * study GSL's own allocations are failed like every other. */
    scase *warm = &MEMORY_CASES[4];
    study_st *s = setup_study(warm);
    assert_int_equal(call_study(s), GPBO_OK);
    teardown_study(s);
    if (!fault_gsl_handler_is_off()) {
        printf("fault: GSL's error handler is still abort() after a study's ask\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_space),
        cmocka_unit_test(test_memory_studies),
        cmocka_unit_test(test_file_studies),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("fault: search total %.2f s\n", fault_seconds());
    gpbo_test_rmtree(fault_tmpdir());
    return rc;
}
