/*
 * test_space_step.c: stepped parameters (gpbo_space_add_float_step, gpbo_space_add_int_step),
 * Optuna's suggest_float(step=) and suggest_int(step=): the grid and its moved hi, encode /
 * decode / project onto the grid exactly, the refusals, copy and JSON, a round trip through an
 * SQLite study (and a study stored without steps still opening) and, given a server's URL file,
 * a PostgreSQL one, and every strategy proposing only grid values over many seeds.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "gpbo/error.h"
#include "gpbo/rng.h"
#include "gpbo/search.h"
#include "testutil.h"

/* Whether v is exactly a value of stepped parameter i: lo + k step for k < K, hi for k = K. */
static int exactly_on_grid(const gpbo_space *s, size_t i, double v)
{
    double lo = gpbo_space_lo(s, i), hi = gpbo_space_hi(s, i), q = gpbo_space_step(s, i);
    double k = round((v - lo) / q), kmax = round((hi - lo) / q);
    if (k < 0 || k > kmax)
        return 0;
    return v == (k == kmax ? hi : lo + k * q);
}

/* x in [-1.3, 2.35] steps of 0.25 (hi not a multiple: moved down to 2.2), n in [2, 22] steps
 * of 3 (moved down to 20), d in [0, 0.7] steps of 0.1 (0.7 is the last point, kept), a plain
 * float. */
static gpbo_space *stepped_space(void)
{
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float_step(s, "x", -1.3, 2.35, 0.25), GPBO_OK);
    assert_int_equal(gpbo_space_add_int_step(s, "n", 2, 22, 3), GPBO_OK);
    assert_int_equal(gpbo_space_add_float_step(s, "d", 0.0, 0.7, 0.1), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(s, "lr", 0.01, 0.3, 0), GPBO_OK);
    return s;
}

static void test_grid_and_hi(void **state)
{
    (void)state;
    gpbo_space *s = stepped_space();
    assert_int_equal(gpbo_space_dim(s), 4);
    assert_true(gpbo_space_step(s, 0) == 0.25);
    assert_true(gpbo_space_step(s, 1) == 3.0);
    assert_true(gpbo_space_step(s, 3) == 0.0);  /* unstepped */
    assert_true(gpbo_space_step(s, 99) == 0.0); /* bad index */
    assert_true(gpbo_space_hi(s, 0) == -1.3 + 14 * 0.25);
    assert_true(gpbo_space_hi(s, 1) == 20.0);
    assert_true(gpbo_space_hi(s, 2) == 0.7); /* (0.7 - 0) / 0.1 is 6.999...: still 7 steps */
    assert_int_equal(gpbo_space_type(s, 1), GPBO_PARAM_INT);
    /* an integer of step 1 is the plain integer */
    gpbo_space *p = gpbo_space_new(), *q = gpbo_space_new();
    assert_int_equal(gpbo_space_add_int_step(p, "k", 1, 9, 1), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(q, "k", 1, 9, 0), GPBO_OK);
    assert_true(gpbo_space_equal(p, q));
    assert_true(gpbo_space_step(p, 0) == 0.0);
    gpbo_space_free(p);
    gpbo_space_free(q);
    /* every point of a fine sweep of the cube decodes onto the grid, and each grid point is
     * decoded from a cell of equal width */
    size_t hits[3][15] = {{0}};
    double u[4], v[4], w[4];
    for (int j = 0; j <= 3000; j++) {
        for (size_t c = 0; c < 4; c++)
            u[c] = j / 3000.0;
        assert_int_equal(gpbo_space_decode(s, u, v), GPBO_OK);
        for (size_t i = 0; i < 3; i++) {
            assert_true(exactly_on_grid(s, i, v[i]));
            double k = round((v[i] - gpbo_space_lo(s, i)) / gpbo_space_step(s, i));
            hits[i][(size_t)k]++;
        }
        /* the projection lands on the encoding of the decoded values, idempotently */
        memcpy(w, u, sizeof u);
        assert_int_equal(gpbo_space_project(w, 4, s), GPBO_OK);
        double e[4], w2[4];
        assert_int_equal(gpbo_space_encode(s, v, e), GPBO_OK);
        for (size_t c = 0; c < 3; c++)
            assert_true(w[c] == e[c]);
        memcpy(w2, w, sizeof w);
        assert_int_equal(gpbo_space_project(w2, 4, s), GPBO_OK);
        assert_memory_equal(w, w2, sizeof w);
    }
    size_t npts[3] = {15, 7, 8};
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < npts[i]; k++) {
            double share = hits[i][k] / 3001.0;
            assert_true(fabs(share - 1.0 / npts[i]) < 0.002);
        }
    /* every grid value round-trips exactly, hi included */
    for (size_t k = 0; k < 15; k++) {
        double vals[4] = {k == 14 ? gpbo_space_hi(s, 0) : -1.3 + k * 0.25, 2 + 3 * (double)(k % 7),
                          k % 8 == 7 ? 0.7 : (double)(k % 8) * 0.1, 0.1};
        double e[4], back[4];
        assert_int_equal(gpbo_space_encode(s, vals, e), GPBO_OK);
        assert_int_equal(gpbo_space_decode(s, e, back), GPBO_OK);
        for (size_t i = 0; i < 3; i++)
            assert_true(back[i] == vals[i]);
    }
    gpbo_space_free(s);
}

static void test_encode_checks_the_grid(void **state)
{
    (void)state;
    gpbo_space *s = stepped_space();
    double e[4];
    double ok[][4] = {
        {-1.3 + 3 * 0.25, 5, 0.1 * 3, 0.2}, /* 0.30000000000000004 */
        {-0.55, 20, 0.3, 0.2},              /* decimal 0.3: within rounding of 0.1 * 3 */
        {2.2, 2, 0.7, 0.2},                 /* the last points */
    };
    for (size_t r = 0; r < 3; r++)
        assert_int_equal(gpbo_space_encode(s, ok[r], e), GPBO_OK);
    double bad[][4] = {
        {-1.2, 5, 0.3, 0.2},  /* between two points */
        {2.45, 5, 0.3, 0.2},  /* past the moved hi */
        {-1.55, 5, 0.3, 0.2}, /* below lo by a step */
        {-0.55, 6, 0.3, 0.2}, /* an integer off its grid */
        {-0.55, 23, 0.3, 0.2}, {-0.55, 5 + 1e-7, 0.3, 0.2},
        {-0.55, 5, 0.35, 0.2}, {-0.55, 5, NAN, 0.2},
    };
    const char *names[] = {"'x'", "'x'", "'x'", "'n'", "'n'", "'n'", "'d'", "'d'"};
    /* far from 0, a grid point written in decimal is some ulps from lo + k step, more than 1e-9
     * step: 123456.700001 is 123456.7 + 1e-6 (123456.70000099999) */
    gpbo_space *far = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float_step(far, "f", 123456.7, 123457.7, 1e-6), GPBO_OK);
    double fv = 123456.700001, fe, fback;
    assert_true(fv != 123456.7 + 1e-6);
    assert_int_equal(gpbo_space_encode(far, &fv, &fe), GPBO_OK);
    assert_int_equal(gpbo_space_decode(far, &fe, &fback), GPBO_OK);
    assert_true(fback == 123456.7 + 1e-6);
    fv = 123456.7000015; /* half a step off */
    assert_int_equal(gpbo_space_encode(far, &fv, &fe), GPBO_EINVAL);
    gpbo_space_free(far);
    for (size_t r = 0; r < sizeof bad / sizeof bad[0]; r++) {
        assert_int_equal(gpbo_space_encode(s, bad[r], e), GPBO_EINVAL);
        assert_non_null(strstr(gpbo_error_message(), names[r]));
    }
    gpbo_space_free(s);
}

static void test_refusals(void **state)
{
    (void)state;
    gpbo_space *s = gpbo_space_new();
    struct {
        double lo, hi, step;
    } badf[] = {{0, 1, 0},       {0, 1, -0.1},  {0, 1, NAN},   {0, 1, INFINITY},
                {1, 0, 0.1},     {0, NAN, 0.1}, {0, 1, 1e-17}, {-1e300, 1e300, 1e-300},
                {0, INFINITY, 1}};
    for (size_t r = 0; r < sizeof badf / sizeof badf[0]; r++) {
        assert_int_equal(gpbo_space_add_float_step(s, "lr", badf[r].lo, badf[r].hi, badf[r].step),
                         GPBO_EINVAL);
        assert_non_null(strstr(gpbo_error_message(), "'lr'"));
    }
    long long badi[][3] = {{0, 10, 0}, {0, 10, -3}, {10, 0, 2}, {0, 10000000000000000LL, 2}};
    for (size_t r = 0; r < 4; r++) {
        assert_int_equal(gpbo_space_add_int_step(s, "units", badi[r][0], badi[r][1], badi[r][2]),
                         GPBO_EINVAL);
        assert_non_null(strstr(gpbo_error_message(), "'units'"));
    }
    assert_int_equal(gpbo_space_size(s), 0);
    assert_int_equal(gpbo_space_add_float_step(s, "lr", 0, 1, 0.5), GPBO_OK);
    assert_int_equal(gpbo_space_add_int_step(s, "lr", 0, 1, 2), GPBO_EINVAL); /* twice */
    assert_int_equal(gpbo_space_add_float_step(NULL, "a", 0, 1, 0.5), GPBO_EINVAL);
    /* a step as large as the range, or larger: lo alone */
    assert_int_equal(gpbo_space_add_float_step(s, "one", 0.25, 0.5, 2.0), GPBO_OK);
    assert_true(gpbo_space_hi(s, 1) == 0.25);
    double u[2] = {0.9, 0.9}, v[2];
    assert_int_equal(gpbo_space_decode(s, u, v), GPBO_OK);
    assert_true(v[0] == 1.0 && v[1] == 0.25);
    assert_int_equal(gpbo_space_size(s), 2);
    gpbo_space_free(s);
}

static void test_copy_and_json(void **state)
{
    (void)state;
    gpbo_space *s = stepped_space();
    gpbo_space *c = gpbo_space_copy(s);
    assert_non_null(c);
    assert_true(gpbo_space_equal(s, c));
    for (size_t i = 0; i < 4; i++) {
        assert_true(gpbo_space_step(c, i) == gpbo_space_step(s, i));
        assert_true(gpbo_space_hi(c, i) == gpbo_space_hi(s, i));
    }
    /* another step is another space */
    gpbo_space *o = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float_step(o, "x", -1.3, 2.35, 0.5), GPBO_OK);
    assert_int_equal(gpbo_space_add_int_step(o, "n", 2, 22, 3), GPBO_OK);
    assert_int_equal(gpbo_space_add_float_step(o, "d", 0.0, 0.7, 0.1), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(o, "lr", 0.01, 0.3, 0), GPBO_OK);
    assert_false(gpbo_space_equal(s, o));
    char *j = gpbo_space_to_json(s);
    assert_non_null(strstr(j, "\"step\""));
    gpbo_free(j);
    /* an unstepped parameter's JSON has no step: the text stored before steps existed */
    gpbo_space *plain = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(plain, "lr", 0.01, 0.3, 0), GPBO_OK);
    j = gpbo_space_to_json(plain);
    assert_null(strstr(j, "step"));
    gpbo_free(j);
    gpbo_space *old = gpbo_space_from_json(
        "[{\"name\":\"lr\",\"type\":\"float\",\"log\":false,\"lo\":0.01,\"hi\":0.3}]");
    assert_non_null(old);
    assert_true(gpbo_space_equal(old, plain));
    assert_true(gpbo_space_step(old, 0) == 0.0);
    /* steps JSON cannot have */
    const char *bad[] = {
        "[{\"name\":\"a\",\"type\":\"float\",\"log\":true,\"lo\":1,\"hi\":9,\"step\":1}]",
        "[{\"name\":\"a\",\"type\":\"float\",\"log\":false,\"lo\":1,\"hi\":9,\"step\":0}]",
        "[{\"name\":\"a\",\"type\":\"float\",\"log\":false,\"lo\":1,\"hi\":9,\"step\":\"x\"}]",
        "[{\"name\":\"a\",\"type\":\"int\",\"log\":false,\"lo\":1,\"hi\":9,\"step\":1.5}]",
        "[{\"name\":\"a\",\"type\":\"const\",\"log\":false,\"lo\":1,\"hi\":1,\"step\":1}]",
    };
    for (size_t r = 0; r < sizeof bad / sizeof bad[0]; r++) {
        assert_null(gpbo_space_from_json(bad[r]));
        assert_int_equal(gpbo_error_code(), GPBO_EFORMAT);
    }
    gpbo_space_free(old);
    gpbo_space_free(plain);
    gpbo_space_free(o);
    gpbo_space_free(c);
    gpbo_space_free(s);
}

/* The space text stored with study name in the SQLite file path (malloc'd). */
static char *stored_space(const char *path, const char *name)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT space FROM studies WHERE name = ?", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static void test_sqlite_round_trip(void **state)
{
    (void)state;
    char dir[512], path[600];
    assert_int_equal(gpbo_test_mkdtemp(dir, sizeof dir, "step"), 0);
    snprintf(path, sizeof path, "%s/s.db", dir);
    gpbo_space *s = stepped_space();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    o.seed = 23;
    gpbo_study *st = gpbo_study_open(path, "stepped", s, &o);
    assert_non_null(st);
    double v[4], asked[6][4];
    size_t id;
    for (size_t t = 0; t < 6; t++) {
        assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK);
        memcpy(asked[t], v, sizeof v);
        assert_int_equal(gpbo_study_tell(st, id, v[0] + v[1]), GPBO_OK);
    }
    /* a value within rounding of a grid point is stored as that point */
    double given[4] = {-0.55, 8, 0.3, 0.25};
    assert_int_equal(gpbo_study_enqueue(st, given, SIZE_MAX, &id), GPBO_OK);
    gpbo_trial_info ti;
    assert_int_equal(gpbo_study_trial(st, id, &ti), GPBO_OK);
    assert_true(ti.values[2] == 3 * 0.1 && ti.values[0] == -1.3 + 3 * 0.25);
    double off[4] = {-0.6, 8, 0.3, 0.25};
    assert_int_equal(gpbo_study_enqueue(st, off, SIZE_MAX, NULL), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "'x'"));
    gpbo_study_close(st);

    char *txt = stored_space(path, "stepped");
    assert_non_null(txt);
    assert_non_null(strstr(txt, "\"step\""));
    free(txt);
    /* reopened without its space: the steps come back, and every value reads back equal */
    st = gpbo_study_open(path, "stepped", NULL, NULL);
    assert_non_null(st);
    const gpbo_space *sp = gpbo_study_space(st);
    assert_true(gpbo_space_equal(sp, s));
    for (size_t i = 0; i < 4; i++)
        assert_true(gpbo_space_step(sp, i) == gpbo_space_step(s, i));
    for (size_t t = 0; t < 6; t++) {
        assert_int_equal(gpbo_study_trial(st, t, &ti), GPBO_OK);
        assert_memory_equal(ti.values, asked[t], sizeof asked[t]);
        for (size_t i = 0; i < 3; i++)
            assert_true(exactly_on_grid(sp, i, ti.values[i]));
    }
    assert_int_equal(gpbo_study_trial(st, 6, &ti), GPBO_OK);
    assert_true(ti.values[2] == 3 * 0.1);
    gpbo_study_close(st);
    /* the same names without steps are another space: refused, naming the parameter */
    gpbo_space *plain = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(plain, "x", -1.3, 2.2, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(plain, "n", 2, 20, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(plain, "d", 0.0, 0.7, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(plain, "lr", 0.01, 0.3, 0), GPBO_OK);
    assert_null(gpbo_study_open(path, "stepped", plain, &o));
    assert_int_equal(gpbo_error_code(), GPBO_EINVAL);

    /* a study stored before steps existed (its space text written by hand, no step field)
     * opens, with the given unstepped space too, and has no step */
    gpbo_study *p = gpbo_study_open(path, "plain", plain, &o);
    assert_non_null(p);
    gpbo_study_close(p);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            db,
            "UPDATE studies SET space = '[{\"name\":\"x\",\"type\":\"float\",\"log\":false,"
            "\"lo\":-1.3,\"hi\":2.2},{\"name\":\"n\",\"type\":\"int\",\"log\":false,"
            "\"lo\":2,\"hi\":20},{\"name\":\"d\",\"type\":\"float\",\"log\":false,\"lo\":0,"
            "\"hi\":0.7},{\"name\":\"lr\",\"type\":\"float\",\"log\":false,\"lo\":0.01,"
            "\"hi\":0.3}]' WHERE name = 'plain'",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    p = gpbo_study_open(path, "plain", NULL, NULL);
    assert_non_null(p);
    for (size_t i = 0; i < 4; i++)
        assert_true(gpbo_space_step(gpbo_study_space(p), i) == 0.0);
    assert_true(gpbo_space_equal(gpbo_study_space(p), plain));
    gpbo_study_close(p);
    p = gpbo_study_open(path, "plain", plain, &o);
    assert_non_null(p);
    gpbo_study_close(p);
    gpbo_space_free(plain);
    gpbo_space_free(s);
    gpbo_test_rmtree(dir);
}

/* Runs strategy on the stepped space for n trials with seed, asserting each asked value of a
 * stepped parameter lies exactly on its grid; counts the distinct values of "x" seen. */
static void run_on_grid(const char *strategy, uint64_t seed, size_t n, unsigned char *seen_x)
{
    gpbo_space *s = stepped_space();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    o.seed = seed;
    o.n_init = 4;
    o.lhs_size = 7;
    o.grid_resolution = 4;
    o.grid_shuffle = 1;
    gpbo_study *st = gpbo_study_open(NULL, strategy, s, &o);
    assert_non_null(st);
    double v[4];
    size_t id;
    for (size_t t = 0; t < n; t++) {
        int rc = gpbo_study_ask(st, &id, v);
        if (rc == GPBO_EEXHAUSTED)
            break;
        assert_int_equal(rc, GPBO_OK);
        for (size_t i = 0; i < 3; i++) {
            if (!exactly_on_grid(s, i, v[i]))
                fail_msg("%s seed %llu trial %zu: %s = %.17g is off its grid", strategy,
                         (unsigned long long)seed, t, gpbo_space_name(s, i), v[i]);
        }
        seen_x[(size_t)round((v[0] + 1.3) / 0.25)] = 1;
        /* a smooth objective with its minimum between grid points */
        double y = (v[0] - 0.61) * (v[0] - 0.61) + 0.01 * (v[1] - 10.4) * (v[1] - 10.4) +
                   (v[2] - 0.33) * (v[2] - 0.33) + v[3];
        assert_int_equal(gpbo_study_tell(st, id, y), GPBO_OK);
    }
    gpbo_study_close(st);
    gpbo_space_free(s);
}

static void test_strategies_on_grid(void **state)
{
    (void)state;
    const char *strategies[] = {"random", "sobol", "lhs", "grid"};
    for (size_t k = 0; k < 4; k++) {
        unsigned char seen[15] = {0};
        for (uint64_t seed = 1; seed <= 40; seed++)
            run_on_grid(strategies[k], seed, 30, seen);
        size_t distinct = 0;
        for (size_t i = 0; i < 15; i++)
            distinct += seen[i];
        /* the grid of 4 points a parameter: 0, 5, 9, 14 steps; the others reach every point */
        assert_true(distinct == (strcmp(strategies[k], "grid") == 0 ? 4 : 15));
    }
}

static void test_grid_enumerates_steps(void **state)
{
    (void)state;
    /* a resolution above the number of steps enumerates every step once */
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float_step(s, "d", 0.0, 0.7, 0.1), GPBO_OK);
    assert_int_equal(gpbo_space_add_int_step(s, "n", 1, 10, 4), GPBO_OK);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "grid";
    o.grid_resolution = 20;
    gpbo_study *st = gpbo_study_open(NULL, "g", s, &o);
    assert_non_null(st);
    double v[2];
    size_t id, n = 0;
    unsigned char seen[8][3] = {{0}};
    while (gpbo_study_ask(st, &id, v) == GPBO_OK) {
        size_t k = (size_t)round(v[0] / 0.1), j = (size_t)round((v[1] - 1) / 4);
        assert_true(exactly_on_grid(s, 0, v[0]) && exactly_on_grid(s, 1, v[1]));
        assert_false(seen[k][j]);
        seen[k][j] = 1;
        assert_int_equal(gpbo_study_tell(st, id, v[0]), GPBO_OK);
        n++;
    }
    assert_int_equal(gpbo_error_code(), GPBO_EEXHAUSTED);
    assert_int_equal(n, 8 * 3);
    gpbo_study_close(st);
    gpbo_space_free(s);
}

/* PostgreSQL (argv[1]: the file holding the fixture server's URL): a stepped study stored
 * there reopens with its steps, its values equal. */
static char pg_url[1024];

static void test_pg_round_trip(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof name, "stepped-%ld", (long)getpid());
    gpbo_space *s = stepped_space();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "sobol";
    gpbo_study *st = gpbo_study_open(pg_url, name, s, &o);
    assert_non_null(st);
    double v[4], asked[5][4];
    size_t id;
    for (size_t t = 0; t < 5; t++) {
        assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK);
        memcpy(asked[t], v, sizeof v);
        assert_int_equal(gpbo_study_tell(st, id, v[1]), GPBO_OK);
    }
    gpbo_study_close(st);
    st = gpbo_study_open(pg_url, name, NULL, NULL);
    assert_non_null(st);
    const gpbo_space *sp = gpbo_study_space(st);
    assert_true(gpbo_space_equal(sp, s));
    for (size_t i = 0; i < 4; i++)
        assert_true(gpbo_space_step(sp, i) == gpbo_space_step(s, i));
    gpbo_trial_info ti;
    for (size_t t = 0; t < 5; t++) {
        assert_int_equal(gpbo_study_trial(st, t, &ti), GPBO_OK);
        assert_memory_equal(ti.values, asked[t], sizeof asked[t]);
    }
    gpbo_study_close(st);
    gpbo_space_free(s);
}

static void test_bayes_on_grid(void **state)
{
    (void)state;
    unsigned char seen[15] = {0};
    for (uint64_t seed = 1; seed <= 4; seed++)
        run_on_grid("bayes", seed, 14, seen);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        FILE *f = fopen(argv[1], "r");
        if (f == NULL || fgets(pg_url, sizeof pg_url, f) == NULL) {
            fprintf(stderr, "%s: cannot read the server's URL\n", argv[1]);
            return 1;
        }
        fclose(f);
        pg_url[strcspn(pg_url, "\r\n")] = '\0';
        const struct CMUnitTest pg[] = {cmocka_unit_test(test_pg_round_trip)};
        return cmocka_run_group_tests(pg, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_and_hi),
        cmocka_unit_test(test_encode_checks_the_grid),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_copy_and_json),
        cmocka_unit_test(test_sqlite_round_trip),
        cmocka_unit_test(test_strategies_on_grid),
        cmocka_unit_test(test_grid_enumerates_steps),
        cmocka_unit_test(test_bayes_on_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
