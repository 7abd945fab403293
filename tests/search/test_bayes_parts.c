/*
 * test_bayes_parts.c: each part of the Bayesian strategy alone, through its internal interface
 * (search/bayes_internal.h; the parts' sources are compiled in, their functions being hidden in
 * the shared library): the initial design's slots and shifts, the stall rule and the restart
 * roles on hand-made histories, the failure policies' stand-in values and the data they build,
 * the model choice (additive on an additive function, ARD on another, the warping on a heavy
 * tail) and the acquisition step's refit schedule and proposals.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../search/bayes_internal.h"
#include "gpbo/error.h"
#include "gpbo/testfn.h"

/* A hand-made view over n trials in a space of dim floats in [0, 1]. */
typedef struct view_fixture {
    gpbo_space *space;
    gpbo_study_options o;
    size_t n;
    double u[64 * 4], y[64];
    gpbo_trial_state state[64];
    gpbo_search_view v;
} view_fixture;

static void fixture_init(view_fixture *f, size_t dim)
{
    memset(f, 0, sizeof *f);
    f->space = gpbo_space_new();
    for (size_t k = 0; k < dim; k++) {
        char nm[8] = {'x', (char)('0' + k), 0};
        assert_int_equal(gpbo_space_add_float(f->space, nm, 0, 1, 0), GPBO_OK);
    }
    f->o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    f->o.strategy = "bayes";
}

/* Appends a trial at point u (NULL: reserved, not yet proposed) with state and value. */
static void fixture_add(view_fixture *f, const double *u, gpbo_trial_state st, double y)
{
    size_t d = f->space->dim, i = f->n++;
    for (size_t k = 0; k < d; k++)
        f->u[i * d + k] = u ? u[k] : NAN;
    f->y[i] = y;
    f->state[i] = st;
    f->v = (gpbo_search_view){f->space, &f->o, f->n, f->u, f->y, f->state, NULL, NULL, NULL};
}

static void fixture_free(view_fixture *f)
{
    gpbo_space_free(f->space);
}

/* ---- initial design ---- */

static void test_design_slots(void **state)
{
    (void)state;
    view_fixture f;
    fixture_init(&f, 2);
    f.o.n_init = 3;
    const gpbo_bayes_design *des = &gpbo_bayes__sobol_design;
    double u[2] = {0.25, 0.75};
    size_t index = 99;
    for (int i = 0; i < 4; i++)
        fixture_add(&f, u, GPBO_TRIAL_FAILED, NAN);
    /* past n_init but nothing complete: still the design, at the trial's own number */
    assert_true(des->slot(&f.v, NULL, 0, 4, &index));
    assert_int_equal(index, 4);
    f.state[1] = GPBO_TRIAL_COMPLETE;
    f.y[1] = 2.5;
    assert_true(des->slot(&f.v, NULL, 0, 2, &index));
    assert_false(des->slot(&f.v, NULL, 0, 4, &index));
    /* an episode counts its own members: trials 1 and 3 are episode 1's, 1 complete */
    size_t role[5] = {0, 1, 0, 1, 1};
    assert_true(des->slot(&f.v, role, 1, 4, &index));
    assert_int_equal(index, 2);
    f.o.n_init = 2;
    assert_false(des->slot(&f.v, role, 1, 4, &index));
    f.state[1] = GPBO_TRIAL_FAILED; /* none of its members complete */
    assert_true(des->slot(&f.v, role, 1, 4, &index));
    fixture_free(&f);
}

static void test_design_points(void **state)
{
    (void)state;
    view_fixture f;
    fixture_init(&f, 3);
    const gpbo_bayes_design *des = &gpbo_bayes__sobol_design;
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 7);
    double a[3], b[3], c[3], e1[3];
    assert_int_equal(gpbo_bayes__model_seed(2385, 0), 2385);
    assert_true(gpbo_bayes__model_seed(2385, 1) != gpbo_bayes__model_seed(2385, 2));
    assert_int_equal(des->point(f.space, 2385, 5, &rng, a), GPBO_OK);
    assert_int_equal(des->point(f.space, 2385, 5, &rng, b), GPBO_OK);
    assert_int_equal(des->point(f.space, 2385, 6, &rng, c), GPBO_OK);
    assert_int_equal(des->point(f.space, gpbo_bayes__model_seed(2385, 1), 5, &rng, e1), GPBO_OK);
    for (int k = 0; k < 3; k++) {
        assert_true(a[k] >= 0 && a[k] <= 1);
        assert_memory_equal(&a[k], &b[k], sizeof a[k]); /* a function of seed and index */
    }
    assert_true(memcmp(a, c, sizeof a) != 0);
    assert_true(memcmp(a, e1, sizeof a) != 0); /* an episode's own shift */
    /* the first 2^k points of a shifted Sobol sequence fill each half of every axis equally */
    for (int k = 0; k < 3; k++) {
        int low = 0;
        for (size_t i = 0; i < 8; i++) {
            assert_int_equal(des->point(f.space, 11, i, &rng, a), GPBO_OK);
            low += a[k] < 0.5;
        }
        assert_int_equal(low, 4);
    }
    fixture_free(&f);
}

/* ---- restart episodes ---- */

static void test_stall_rule(void **state)
{
    (void)state;
    /* design of 3 (best 6), then 2; over the last window of 4 it improves by 1e-5 of 4 */
    double flat[8] = {10, 8, 6, 2, 2, 2, 2 - 1e-5, 2 - 1e-5};
    double moving[8] = {10, 8, 6, 2, 2, 2, 1.5, 1.5};
    double none[8] = {INFINITY, INFINITY, INFINITY, 5, 5, 5, 5, 5};
    assert_true(gpbo_bayes__stalled(flat, 8, 3, 4));
    assert_false(gpbo_bayes__stalled(flat, 6, 3, 4));    /* a window not yet full */
    assert_false(gpbo_bayes__stalled(flat, 8, 3, 0));    /* window 0: never */
    assert_false(gpbo_bayes__stalled(moving, 8, 3, 4));  /* 0.5 of 4.5 is progress */
    assert_false(gpbo_bayes__stalled(none, 8, 3, 4));    /* the design has no value */
    assert_true(gpbo_bayes__stalled(none + 3, 5, 1, 4)); /* a flat start stalls at once */
}

static void test_restart_roles(void **state)
{
    (void)state;
    view_fixture f;
    fixture_init(&f, 1);
    f.o.n_init = 3;
    f.o.restart = 4;
    double u = 0.5;
    double ys[3] = {5, 4, 3};
    for (int t = 0; t < 3; t++)
        fixture_add(&f, &u, GPBO_TRIAL_COMPLETE, ys[t]);
    /* the study stalls at 3 (4 values without progress); its episodes find nothing better */
    for (int t = 3; t < 20; t++)
        fixture_add(&f, &u, t < 7 ? GPBO_TRIAL_COMPLETE : GPBO_TRIAL_FAILED, t < 7 ? 3.0 : NAN);
    for (int t = 7; t < 20; t++)
        if (t != 9 && t != 12 && t != 15 && t != 18) {
            f.state[t] = GPBO_TRIAL_COMPLETE;
            f.y[t] = 10.0;
        }
    size_t role[20], prefix[12];
    size_t want[20] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 2, 0, 2};
    assert_int_equal(gpbo_bayes__restart_two_in_three.roles(&f.v, 20, role), GPBO_OK);
    assert_memory_equal(role, want, sizeof want);
    /* causal: the roles of a prefix do not depend on what came after */
    assert_int_equal(gpbo_bayes__restart_two_in_three.roles(&f.v, 12, prefix), GPBO_OK);
    assert_memory_equal(prefix, want, sizeof prefix);
    /* a history that keeps improving never restarts */
    for (int t = 0; t < 20; t++) {
        f.state[t] = GPBO_TRIAL_COMPLETE;
        f.y[t] = 100.0 - t;
    }
    assert_int_equal(gpbo_bayes__restart_two_in_three.roles(&f.v, 20, role), GPBO_OK);
    for (int t = 0; t < 20; t++)
        assert_int_equal(role[t], 0);
    fixture_free(&f);
}

/* ---- failure policy ---- */

/* Trials: complete 1.5, 4.25, 2.0; failed; pruned at 3.0; pruned with no value; running;
 * reserved (not yet proposed). */
static void failure_fixture(view_fixture *f)
{
    fixture_init(f, 2);
    const gpbo_trial_state st[7] = {GPBO_TRIAL_COMPLETE, GPBO_TRIAL_COMPLETE, GPBO_TRIAL_COMPLETE,
                                    GPBO_TRIAL_FAILED,   GPBO_TRIAL_PRUNED,   GPBO_TRIAL_PRUNED,
                                    GPBO_TRIAL_RUNNING};
    const double y[7] = {1.5, 4.25, 2.0, NAN, 3.0, NAN, NAN};
    for (int i = 0; i < 7; i++) {
        double u[2] = {0.1 * i + 0.05, 0.9 - 0.1 * i};
        fixture_add(f, u, st[i], y[i]);
    }
    fixture_add(f, NULL, GPBO_TRIAL_RUNNING, NAN);
}

static void test_failure_stand_in(void **state)
{
    (void)state;
    view_fixture f;
    failure_fixture(&f);
    const gpbo_bayes_failure *ex = gpbo_bayes__failure(GPBO_FAILED_EXCLUDE);
    const gpbo_bayes_failure *wo = gpbo_bayes__failure(GPBO_FAILED_WORST);
    assert_int_equal(ex->kind, GPBO_FAILED_EXCLUDE);
    assert_int_equal(wo->kind, GPBO_FAILED_WORST);
    assert_true(isnan(ex->stand_in(&f.v, NULL, 0)));
    assert_true(wo->stand_in(&f.v, NULL, 0) == 4.25);
    /* an episode imputes the worst of its own trials: 1.5 and 2.0 */
    size_t role[8] = {1, 0, 1, 1, 0, 1, 0, 1};
    assert_true(wo->stand_in(&f.v, role, 1) == 2.0);
    /* the pruned trial's stand-in is its last intermediate value */
    assert_true(gpbo_bayes__known_value(&f.v, 4));
    assert_false(gpbo_bayes__known_value(&f.v, 5));
    assert_false(gpbo_bayes__known_value(&f.v, 3));
    assert_false(gpbo_bayes__known_value(&f.v, 8)); /* beyond the view */
    fixture_free(&f);
}

static void test_failure_data(void **state)
{
    (void)state;
    view_fixture f;
    failure_fixture(&f);
    gpbo_bayes_data d;
    /* exclude: four values (the pruned one at 3.0); the failed, the silent pruned and the
     * running trial pending; the reserved one nowhere */
    assert_int_equal(
        gpbo_bayes__data_build(&d, &f.v, NULL, 0, gpbo_bayes__failure(GPBO_FAILED_EXCLUDE)),
        GPBO_OK);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.np, 3);
    const double ye[4] = {1.5, 4.25, 2.0, 3.0};
    assert_memory_equal(d.y, ye, sizeof ye);
    assert_memory_equal(d.pend, f.u + 3 * 2, 2 * sizeof *d.pend);
    assert_memory_equal(d.x + 3 * 2, f.u + 4 * 2, 2 * sizeof *d.x);
    gpbo_bayes__data_free(&d);
    /* worst: the failed and the silent pruned trial at 4.25; only the running one pending */
    assert_int_equal(
        gpbo_bayes__data_build(&d, &f.v, NULL, 0, gpbo_bayes__failure(GPBO_FAILED_WORST)), GPBO_OK);
    assert_int_equal(d.n, 6);
    assert_int_equal(d.np, 1);
    const double yw[6] = {1.5, 4.25, 2.0, 4.25, 3.0, 4.25};
    assert_memory_equal(d.y, yw, sizeof yw);
    assert_memory_equal(d.pend, f.u + 6 * 2, 2 * sizeof *d.pend);
    gpbo_bayes__data_free(&d);
    /* an episode sees its own trials; the others' points are pending */
    size_t role[8] = {1, 0, 1, 1, 0, 1, 0, 1};
    assert_int_equal(
        gpbo_bayes__data_build(&d, &f.v, role, 1, gpbo_bayes__failure(GPBO_FAILED_WORST)), GPBO_OK);
    assert_int_equal(d.n, 4);
    assert_int_equal(d.np, 3);
    const double yr[4] = {1.5, 2.0, 2.0, 2.0};
    assert_memory_equal(d.y, yr, sizeof yr);
    gpbo_bayes__data_free(&d);
    fixture_free(&f);
}

static void test_clip_values(void **state)
{
    (void)state;
    /* a diverged value among ordinary ones: capped at q3 + 100 (q3 - min), q3 = 4 (the value at
     * index 3 (n - 1) / 4 = 5 of the sorted eight), the rest untouched */
    double y[8] = {3, 1e30, 1, 2, 4, 5, 1.5, 2.5};
    const double capped[8] = {3, 4 + 100 * (4 - 1), 1, 2, 4, 5, 1.5, 2.5};
    assert_int_equal(gpbo_bayes__clip_values(y, 8), GPBO_OK);
    assert_memory_equal(y, capped, sizeof y);
    /* a heavy tail below the cap: 90 spreads above q3 = 4 */
    double tail[6] = {1, 2, 3, 4, 5, 4 + 90 * 3};
    double tail0[6];
    memcpy(tail0, tail, sizeof tail);
    assert_int_equal(gpbo_bayes__clip_values(tail, 6), GPBO_OK);
    assert_memory_equal(tail, tail0, sizeof tail);
    /* negative values, two diverged ones */
    double neg[8] = {-10, -9, -8, -7, -6, -5, 1e300, DBL_MAX};
    assert_int_equal(gpbo_bayes__clip_values(neg, 8), GPBO_OK);
    assert_true(neg[6] == -5 + 100 * 5.0 && neg[7] == neg[6] && neg[5] == -5 && neg[0] == -10);
    /* too few to judge, no spread below q3, and a spread past the doubles: unchanged */
    double few[3] = {1, 2, 1e30}, ties[6] = {1, 1, 1, 1, 1, 1e30};
    double huge[5] = {-DBL_MAX, -1, 0, 1, DBL_MAX};
    assert_int_equal(gpbo_bayes__clip_values(few, 3), GPBO_OK);
    assert_true(few[2] == 1e30);
    assert_int_equal(gpbo_bayes__clip_values(ties, 6), GPBO_OK);
    assert_true(ties[5] == 1e30);
    assert_int_equal(gpbo_bayes__clip_values(huge, 5), GPBO_OK);
    assert_true(huge[4] == DBL_MAX && huge[0] == -DBL_MAX);
    /* the model's GP sees the values capped (1.5, 2.0, 3.0 pruned and the diverged 1e300: q3 = 3,
     * the cap 153); the data keeps them as they are */
    view_fixture f;
    failure_fixture(&f);
    f.y[1] = 1e300; /* the complete 4.25 diverged */
    gpbo_bayes_data d;
    assert_int_equal(
        gpbo_bayes__data_build(&d, &f.v, NULL, 0, gpbo_bayes__failure(GPBO_FAILED_EXCLUDE)),
        GPBO_OK);
    assert_int_equal(d.n, 4);
    assert_true(d.y[1] == 1e300);
    gpbo_bayes_fit fit = GPBO_BAYES_FIT_INIT;
    gpbo_gp *gp = NULL;
    gpbo_bayes_warp w;
    assert_int_equal(gpbo_bayes__model_gp(&fit, &f.o, 7, &d, &gp, &w), GPBO_OK);
    assert_int_equal(w.warped, 0); /* four values: too few to warp */
    double mu[4];
    assert_int_equal(gpbo_gp_predict(gp, 4, d.x, mu, NULL), GPBO_OK);
    if (!(fabs(mu[1] - 153) < 15 && fabs(mu[0] - 1.5) < 15))
        fail_msg("predictions at the diverged and the first point: %g, %g", mu[1], mu[0]);
    gpbo_gp_free(gp);
    gpbo_bayes__fit_free(&fit);
    gpbo_bayes__data_free(&d);
    fixture_free(&f);
}

/* ---- model choice ---- */

/* n Sobol points in [0,1]^d with values fn(x). */
static void model_data(size_t d, size_t n, double (*fn)(const double *, size_t), double *x,
                       double *y)
{
    uint32_t shift[8] = {0x1234567u, 0x89abcdefu, 0x2385u, 0x77777u, 0xdeadbeefu, 0x31415926u};
    assert_int_equal(gpbo_acq_sobol(d, shift, 0, n, x), GPBO_OK);
    for (size_t i = 0; i < n; i++)
        y[i] = fn(x + i * d, d);
}

/* A sum of one-input terms, each with two basins. */
static double additive_fn(const double *x, size_t d)
{
    double s = 0;
    for (size_t k = 0; k < d; k++)
        s += cos(7.0 * x[k]) + 0.8 * x[k];
    return s;
}

/* exp of a ridge: a heavy upper tail whose log is smooth. */
static double heavy_fn(const double *x, size_t d)
{
    (void)d;
    return exp(6.0 * (x[0] * x[0] + 0.5 * x[1]));
}

/* One narrow bump around (0.3, 0.7, ...): a product of one-input terms, no sum of them. */
static double bump_fn(const double *x, size_t d)
{
    double r2 = 0;
    for (size_t k = 0; k < d; k++) {
        double c = k % 2 ? 0.7 : 0.3;
        r2 += (x[k] - c) * (x[k] - c);
    }
    return -exp(-r2 / 0.08);
}

/* The model choose() picks for fn on n points in d dimensions. */
static gpbo_bayes_choice chosen(double (*fn)(const double *, size_t), size_t d, size_t n,
                                int additive)
{
    double x[60 * 4], y[60], yw[60], theta[6];
    model_data(d, n, fn, x, y);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.additive = additive;
    gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
    fo.seed = 2385;
    gpbo_bayes_fit_data fd = {d, n, x, y, NULL, 0, 0, &o, fo, NULL, -INFINITY, NULL, NULL};
    int warp = 0;
    assert_int_equal(gpbo_bayes__warp_candidate(y, n, 10, &fd.lo, &fd.delta, &warp), GPBO_OK);
    if (warp) {
        for (size_t i = 0; i < n; i++)
            yw[i] = log(y[i] - fd.lo + fd.delta);
        fd.yw = yw;
    }
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
    assert_non_null(gp);
    gpbo_bayes_choice c = {-1, -1};
    assert_int_equal(gpbo_bayes__choose(gp, &fd, theta, &c, NULL, 0), GPBO_OK);
    assert_int_equal(gpbo_gp_get_additive(gp), 0); /* left in its ARD form */
    for (size_t k = 0; k < d + 2; k++)
        assert_true(isfinite(theta[k]));
    gpbo_gp_free(gp);
    return c;
}

static void test_model_choice(void **state)
{
    (void)state;
    gpbo_bayes_choice c = chosen(additive_fn, 4, 40, 1); /* additive on an additive function */
    assert_int_equal(c.additive, 1);
    c = chosen(additive_fn, 4, 40, 0); /* switched off: never a candidate */
    assert_int_equal(c.additive, 0);
    c = chosen(bump_fn, 2, 40, 1); /* ARD on a function no sum of one-input terms fits */
    assert_int_equal(c.additive, 0);
    assert_int_equal(c.warp, 0);
    c = chosen(heavy_fn, 2, 30, 1); /* warped ARD on a heavy upper tail */
    assert_int_equal(c.warp, 1);
    assert_int_equal(c.additive, 0);
    c = chosen(additive_fn, 1, 12, 1); /* one input: additive is ARD */
    assert_int_equal(c.additive, 0);
}

/* A warm choice (gpbo_bayes__choose with warm) starts each candidate from its row: on an
 * additive function the additive row is refitted (it moves) and wins; a row made absurd
 * (lengthscales 1e-3: a likelihood far below ARD's) is not refitted — left bit for bit — and
 * does not win; ARD's row stays a finite fit. */
static void test_warm_choice_rows(void **state)
{
    (void)state;
    size_t d = 4, n = 48, np = d + 2, nm = gpbo_bayes__nmodels;
    double x[48 * 4], y[48], theta[6], cand[8 * 6], before[8 * 6];
    assert_true(nm <= 8);
    model_data(d, n, additive_fn, x, y);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.additive = 1;
    gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
    fo.seed = 11;
    gpbo_bayes_fit_data fd = {d, 40, x, y, NULL, 0, 0, &o, fo, NULL, -INFINITY, NULL, NULL};
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
    assert_non_null(gp);
    gpbo_bayes_choice c;
    assert_int_equal(gpbo_bayes__choose(gp, &fd, theta, &c, cand, 0), GPBO_OK); /* cold, 40 */
    assert_int_equal(c.additive, 1);
    size_t add = nm, ard = nm;
    for (size_t m = 0; m < nm; m++) {
        if (!strcmp(gpbo_bayes__models[m]->name, "additive"))
            add = m;
        if (!strcmp(gpbo_bayes__models[m]->name, "ard"))
            ard = m;
    }
    assert_true(add < nm && ard < nm);
    assert_false(isnan(cand[add * np]));
    fd.n_fit = n; /* warm, 48 */
    memcpy(before, cand, nm * np * sizeof *cand);
    assert_int_equal(gpbo_bayes__choose(gp, &fd, theta, &c, cand, 1), GPBO_OK);
    assert_int_equal(c.additive, 1);
    assert_true(memcmp(before + add * np, cand + add * np, np * sizeof *cand) != 0);
    for (size_t k = 0; k < d; k++)
        cand[add * np + k] = log(1e-3);
    memcpy(before, cand, nm * np * sizeof *cand);
    assert_int_equal(gpbo_bayes__choose(gp, &fd, theta, &c, cand, 1), GPBO_OK);
    assert_int_equal(c.additive, 0);
    assert_memory_equal(before + add * np, cand + add * np, np * sizeof *cand);
    for (size_t k = 0; k < np; k++)
        assert_true(isfinite(cand[ard * np + k]));
    gpbo_gp_free(gp);
}

static void test_warp_candidate(void **state)
{
    (void)state;
    const double sym[6] = {1, 2, 3, 4, 5, 6}, tail[6] = {1, 1.5, 2, 2.5, 50, 400};
    double lo = -1, delta = -1;
    int found = -1;
    assert_int_equal(gpbo_bayes__warp_candidate(sym, 6, 6, &lo, &delta, &found), GPBO_OK);
    assert_int_equal(found, 0);
    assert_int_equal(gpbo_bayes__warp_candidate(tail, 6, 6, &lo, &delta, &found), GPBO_OK);
    assert_int_equal(found, 1);
    assert_true(lo == 1.0);
    assert_true(fabs(delta - 0.1 * (2.5 - 1.0)) < 1e-15); /* 0.1 of median - min */
    /* a design whose median is its minimum: not skewed by the rule (no spread below) */
    const double ties[6] = {1, 1, 1, 1, 2, 90};
    assert_int_equal(gpbo_bayes__warp_candidate(ties, 6, 6, &lo, &delta, &found), GPBO_OK);
    assert_int_equal(found, 0);
    /* without the rule (first 0, the strategy's default since issue 18) values with spread
     * below their median are a candidate, symmetric or not; the offset follows all of them */
    assert_int_equal(gpbo_bayes__warp_candidate(sym, 6, 0, &lo, &delta, &found), GPBO_OK);
    assert_int_equal(found, 1);
    assert_true(lo == 1.0);
    assert_true(fabs(delta - 0.1 * (4.0 - 1.0)) < 1e-15); /* s[n / 2] = 4 */
    const double flat[4] = {1, 1, 1, 5};
    assert_int_equal(gpbo_bayes__warp_candidate(flat, 4, 0, &lo, &delta, &found), GPBO_OK);
    assert_int_equal(found, 0);
}

/* ---- acquisition step ---- */

static void test_acquisition_step(void **state)
{
    (void)state;
    view_fixture f;
    fixture_init(&f, 2);
    f.o.refit_every = 5;
    double x[24], y[12];
    model_data(2, 12, bump_fn, x, y);
    for (size_t i = 0; i < 12; i++)
        fixture_add(&f, x + 2 * i, GPBO_TRIAL_COMPLETE, y[i]);
    double run[2] = {0.3, 0.7};
    fixture_add(&f, run, GPBO_TRIAL_RUNNING, NAN);
    gpbo_bayes_data d;
    assert_int_equal(
        gpbo_bayes__data_build(&d, &f.v, NULL, 0, gpbo_bayes__failure(GPBO_FAILED_EXCLUDE)),
        GPBO_OK);
    gpbo_bayes_fit fit = GPBO_BAYES_FIT_INIT;
    double u[2], u2[2], theta[4];
    assert_int_equal(gpbo_bayes__propose(&fit, &f.v, 2385, &d, 13, u), GPBO_OK);
    assert_int_equal(fit.fitted_at, 10); /* the last multiple of refit_every */
    memcpy(theta, fit.theta, sizeof theta);
    for (int k = 0; k < 2; k++)
        assert_true(u[k] >= 0 && u[k] <= 1);
    assert_true(fabs(u[0] - run[0]) + fabs(u[1] - run[1]) > 1e-9); /* the pending point is taken */
    /* one more observation: the hyperparameters are kept, the proposal is the same function */
    d.n = 11;
    assert_int_equal(gpbo_bayes__propose(&fit, &f.v, 2385, &d, 13, u2), GPBO_OK);
    assert_int_equal(fit.fitted_at, 10);
    assert_memory_equal(fit.theta, theta, sizeof theta);
    d.n = 12;
    assert_int_equal(gpbo_bayes__propose(&fit, &f.v, 2385, &d, 13, u2), GPBO_OK);
    assert_memory_equal(u, u2, sizeof u);
    gpbo_bayes__data_free(&d);
    gpbo_bayes__fit_free(&fit);
    fixture_free(&f);
}

/* Two integer values, both taken: nothing is left to propose. */
static void test_acquisition_exhausted(void **state)
{
    (void)state;
    view_fixture f;
    memset(&f, 0, sizeof f);
    f.space = gpbo_space_new();
    assert_int_equal(gpbo_space_add_int(f.space, "k", 0, 1, 0), GPBO_OK);
    f.o = (gpbo_study_options)GPBO_STUDY_OPTIONS_INIT;
    double a = 0.25, b = 0.75;
    fixture_add(&f, &a, GPBO_TRIAL_COMPLETE, 1.0);
    fixture_add(&f, &b, GPBO_TRIAL_COMPLETE, 2.0);
    gpbo_bayes_data d;
    assert_int_equal(
        gpbo_bayes__data_build(&d, &f.v, NULL, 0, gpbo_bayes__failure(GPBO_FAILED_EXCLUDE)),
        GPBO_OK);
    gpbo_bayes_fit fit = GPBO_BAYES_FIT_INIT;
    double u[1];
    assert_int_equal(gpbo_bayes__propose(&fit, &f.v, 1, &d, 2, u), GPBO_EOPTIM);
    gpbo_bayes__data_free(&d);
    gpbo_bayes__fit_free(&fit);
    fixture_free(&f);
}

/* The choice schedule: every count up to 60, then gaps of a tenth of the count (rounded up),
 * never past n_fit, never more than a tenth plus one behind it. */
static void test_choice_schedule(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 60; n++)
        assert_int_equal(gpbo_bayes__choice_point(n), n);
    assert_int_equal(gpbo_bayes__choice_point(61), 60);
    assert_int_equal(gpbo_bayes__choice_point(65), 60);
    assert_int_equal(gpbo_bayes__choice_point(66), 66);
    assert_int_equal(gpbo_bayes__choice_point(72), 66);
    assert_int_equal(gpbo_bayes__choice_point(73), 73);
    assert_int_equal(gpbo_bayes__choice_point(215), 196);
    assert_int_equal(gpbo_bayes__choice_point(216), 216);
    size_t last = 0, points = 0;
    for (size_t n = 1; n <= 5000; n++) {
        size_t c = gpbo_bayes__choice_point(n);
        assert_true(c <= n && c >= last);
        assert_true((double)(n - c) <= 0.1 * (double)n + 1);
        points += c != last;
        last = c;
    }
    assert_true(points < 60 + 50); /* 60, then a few dozen choices for 5000 observations */
}

/* The objective a fit under fo maximizes: gp's log likelihood plus the log densities (up to
 * constants) of fo's log-normal priors at its hyperparameters. */
static double log_posterior(const gpbo_gp *gp, const gpbo_gp_fit_options *fo)
{
    double th[10], lp = gpbo_gp_log_likelihood((gpbo_gp *)gp, NULL);
    size_t d = gpbo_gp_dim(gp);
    assert_int_equal(gpbo_gp_get_params(gp, th), GPBO_OK);
    for (size_t j = 0; fo->use_priors && j < d; j++) {
        double z = (th[j] - fo->lengthscale_prior[0]) / fo->lengthscale_prior[1];
        lp -= 0.5 * z * z;
    }
    double z = (th[d + 1] - fo->noise_prior[0]) / fo->noise_prior[1];
    return fo->use_priors ? lp - 0.5 * z * z : lp;
}

/* A GP of the kernel on gp's targets (x, the values gp holds in its units, normalization as gp
 * has it), fitted afresh under fo: its log_posterior. */
static double fresh_fit(gpbo_kernel_type kernel, const gpbo_gp *gp, const double *x,
                        const gpbo_gp_fit_options *fo)
{
    size_t n = gpbo_gp_n(gp);
    gpbo_gp *ref = gpbo_gp_new(kernel, gpbo_gp_dim(gp));
    assert_non_null(ref);
    assert_int_equal(gpbo_gp_set_normalize(ref, gpbo_gp_get_normalize(gp)), GPBO_OK);
    assert_int_equal(gpbo_gp_set_data(ref, n, x, gpbo_gp_y(gp)), GPBO_OK);
    assert_int_equal(gpbo_gp_fit(ref, fo), GPBO_OK);
    double full = log_posterior(ref, fo);
    gpbo_gp_free(ref);
    return full;
}

/* n_obs points of test function fn in its box (mapped to [0,1]^d), from a fixed LCG. */
static void sample_problem(const gpbo_test_function *fn, size_t d, size_t n_obs, uint64_t seed,
                           double *x, double *y)
{
    double lo[8], hi[8], z[8];
    fn->bounds(d, lo, hi);
    for (size_t i = 0; i < n_obs; i++) {
        for (size_t k = 0; k < d; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            x[i * d + k] = (double)(seed >> 11) / 9007199254740992.0;
            z[k] = lo[k] + x[i * d + k] * (hi[k] - lo[k]);
        }
        y[i] = fn->f(d, z);
    }
}

/* Past 60 observations a model choice is warm: each candidate one local run from its optimum at
 * the previous choice point. On problems where ARD on the raw values is the only candidate
 * (additive off, no skewed design), random points, the choice at 66 (warm from the one at 60):
 * over 3 problems x 8 seeds, that run never ends below where it started, ends within 2 nats + 1%
 * of a fresh multistart fit (the default: current start + 4 random ones) on the same 66 points in
 * at least 17 of the 24 cases (18 measured on Haswell kernels; other modes make the rest: 3 runs
 * end more than 2 nats above the multistart's, 7 more than 2 below), and the mean difference to
 * the multistart is above -3 nats (-2.0 measured; the choice at 60 kept as it is: -4.9). Since
 * issue 18 the fits are MAP: what is compared is the log posterior, and the multistart fits the
 * strategy's own targets (24 of 24 within, mean +0.04 nats, Haswell). A model
 * without the chain (a reopened study) makes it again: at 80 observations (choice at 73) its
 * hyperparameters are those of the model that went through 60, 66 and 73, bit for bit. */
static void test_warm_choice_close_to_multistart(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t d;
    } P[] = {{"hartmann6", 6}, {"hartmann3", 3}, {"ackley", 4}};
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.additive = 0;
    gpbo_bayes__warp_always = 0; /* the ARD chain alone: no warped candidate on these data */
    size_t n0 = 60, n = 66, n2 = 80;
    assert_int_equal(gpbo_bayes__choice_point(n0), n0);
    assert_int_equal(gpbo_bayes__choice_point(n), n);
    assert_int_equal(gpbo_bayes__choice_point(n2), 73);
    double x[80 * 8], y[80], theta0[10], worst = 0, sum = 0;
    int close = 0, cases = 0;
    for (size_t p = 0; p < sizeof P / sizeof *P; p++)
        for (uint64_t seed = 1; seed <= 8; seed++, cases++) {
            const gpbo_test_function *fn = gpbo_test_function_find(P[p].name);
            assert_non_null(fn);
            size_t d = P[p].d;
            sample_problem(fn, d, n2, seed, x, y);
            double lo, delta;
            int skewed = 1;
            assert_int_equal(gpbo_bayes__warp_candidate(y, n2, o.n_init, &lo, &delta, &skewed),
                             GPBO_OK);
            assert_false(skewed); /* else the warped candidate would compete */
            gpbo_bayes_fit f = GPBO_BAYES_FIT_INIT;
            gpbo_bayes_data data = {d, n0, 0, x, y, NULL, NULL, NULL};
            gpbo_gp *gp = NULL;
            assert_int_equal(gpbo_bayes__model_gp(&f, &o, 7, &data, &gp, NULL), GPBO_OK);
            assert_int_equal(f.chosen_at, n0);
            memcpy(theta0, f.theta_c, (d + 2) * sizeof *theta0);
            gpbo_gp_free(gp);
            data.n = n;
            assert_int_equal(gpbo_bayes__model_gp(&f, &o, 7, &data, &gp, NULL), GPBO_OK);
            assert_int_equal(f.chosen_at, n);
            gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
            gpbo_bayes__fit_options(d, n, o.use_priors, &fo); /* the strategy's bounds and priors */
            fo.seed = 7 + n;
            double warm = log_posterior(gp, &fo);
            double full = fresh_fit(o.kernel, gp, x, &fo);
            assert_int_equal(gpbo_gp_set_params(gp, theta0), GPBO_OK);
            double start = log_posterior(gp, &fo);
            gpbo_gp_free(gp);
            print_message("%s seed %d: lml start %.3f, warm %.3f, multistart %.3f\n", P[p].name,
                          (int)seed, start, warm, full);
            assert_true(warm >= start - 1e-9);
            close += warm >= full - 2.0 - 0.01 * fabs(full);
            worst = fmin(worst, (warm - full) / fabs(full));
            sum += warm - full;
            if (seed <= 2) { /* the chain made again by a model that holds none */
                gpbo_bayes_fit g = GPBO_BAYES_FIT_INIT;
                data.n = n2;
                assert_int_equal(gpbo_bayes__model_gp(&f, &o, 7, &data, &gp, NULL), GPBO_OK);
                gpbo_gp_free(gp);
                assert_int_equal(gpbo_bayes__model_gp(&g, &o, 7, &data, &gp, NULL), GPBO_OK);
                gpbo_gp_free(gp);
                assert_int_equal(f.chosen_at, 73);
                assert_int_equal(g.chosen_at, 73);
                assert_memory_equal(f.theta, g.theta, (d + 2) * sizeof *f.theta);
                gpbo_bayes__fit_free(&g);
            }
            gpbo_bayes__fit_free(&f);
        }
    print_message("%d of %d within 2 nats + 1%%; worst %.1f%%; mean difference %.2f nats\n", close,
                  cases, 100 * worst, sum / cases);
    assert_true(close >= 17);
    assert_true(sum / cases > -3.0);
    gpbo_bayes__warp_always = 1;
}

/* Below 60 observations a model choice is made afresh at every third count and warm in
 * between (bayes_model.c, CHOOSE_AFRESH_EVERY): the choice at 32 is warm from 31, itself warm
 * from the afresh one at 30. Same problems as above (ARD on raw values the only candidate),
 * against a fresh multistart fit on the same 32 points: over 3 problems x 8 seeds the warm
 * choice ends within 2 nats + 1% of it in at least 20 of 24 cases (24 measured on Haswell
 * kernels; 1 warm run 1.6 nats below, 8 above, up to 10.6) and the mean difference is above -1
 * nat (+1.08 measured; as the log posterior under MAP fits, issue 18: 24 of 24, -0.00). A model
 * without the chain makes it again from 30, bit for bit. */
static void test_warm_choice_below_60(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t d;
    } P[] = {{"hartmann6", 6}, {"hartmann3", 3}, {"ackley", 4}};
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.additive = 0;
    size_t n0 = 30, n = 32;
    double x[32 * 8], y[32], sum = 0;
    int close = 0, cases = 0;
    for (size_t p = 0; p < sizeof P / sizeof *P; p++)
        for (uint64_t seed = 1; seed <= 8; seed++, cases++) {
            const gpbo_test_function *fn = gpbo_test_function_find(P[p].name);
            assert_non_null(fn);
            size_t d = P[p].d;
            sample_problem(fn, d, n, seed, x, y);
            gpbo_bayes_fit f = GPBO_BAYES_FIT_INIT, g = GPBO_BAYES_FIT_INIT;
            gpbo_bayes_data data = {d, n0, 0, x, y, NULL, NULL, NULL};
            gpbo_gp *gp = NULL;
            assert_int_equal(gpbo_bayes__model_gp(&f, &o, 7, &data, &gp, NULL), GPBO_OK);
            assert_int_equal(f.chosen_at, n0);
            gpbo_gp_free(gp);
            data.n = n;
            assert_int_equal(gpbo_bayes__model_gp(&f, &o, 7, &data, &gp, NULL), GPBO_OK);
            assert_int_equal(f.chosen_at, n);
            gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
            gpbo_bayes__fit_options(d, n, o.use_priors, &fo); /* the strategy's bounds and priors */
            fo.seed = 7 + n;
            double warm = log_posterior(gp, &fo);
            double full = fresh_fit(o.kernel, gp, x, &fo);
            gpbo_gp_free(gp);
            assert_int_equal(gpbo_bayes__model_gp(&g, &o, 7, &data, &gp, NULL), GPBO_OK);
            gpbo_gp_free(gp);
            assert_int_equal(g.chosen_at, n);
            assert_memory_equal(f.theta, g.theta, (d + 2) * sizeof *f.theta);
            print_message("%s seed %d: lml warm %.3f, multistart %.3f\n", P[p].name, (int)seed,
                          warm, full);
            close += warm >= full - 2.0 - 0.01 * fabs(full);
            sum += warm - full;
            gpbo_bayes__fit_free(&f);
            gpbo_bayes__fit_free(&g);
        }
    print_message("%d of %d within 2 nats + 1%%; mean difference %.2f nats\n", close, cases,
                  sum / cases);
    assert_true(close >= 20);
    assert_true(sum / cases > -1.0);
}

/* ---- the parts together ---- */

/* Restart episode 1 proposes trial 16 again (released by its worker) while trials 17-19,
 * reserved later by other workers, are already done: its model sees the roles of those too. */
static void test_ask_with_later_trials(void **state)
{
    (void)state;
    view_fixture f;
    fixture_init(&f, 2);
    f.o.n_init = 3;
    f.o.restart = 4;
    for (int t = 0; t < 20; t++) {
        double u[2] = {fmod(0.37 * t + 0.1, 1.0), fmod(0.61 * t + 0.2, 1.0)};
        double y = t < 3 ? 5.0 - t : t < 7 ? 3.0 : 10.0 + 0.01 * t;
        fixture_add(&f, u, GPBO_TRIAL_COMPLETE, y);
    }
    f.state[16] = GPBO_TRIAL_RUNNING;
    f.y[16] = NAN;
    f.u[32] = f.u[33] = NAN;
    size_t role[20];
    assert_int_equal(gpbo_bayes__restart_two_in_three.roles(&f.v, 20, role), GPBO_OK);
    assert_int_equal(role[16], 1);
    const gpbo_strategy_def *def = gpbo_search__strategy("bayes");
    assert_non_null(def);
    void *st = NULL;
    assert_int_equal(def->init(&st, f.space, &f.o), GPBO_OK);
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 3);
    double u[2];
    assert_int_equal(def->ask(st, &f.v, 16, &rng, u), GPBO_OK);
    assert_true(u[0] >= 0 && u[0] <= 1 && u[1] >= 0 && u[1] <= 1);
    def->free(st);
    fixture_free(&f);
}

/* ---- the strategy "sobol" ---- */

static double thread_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The strategy "sobol" gives each number the point gpbo_bayes__sobol_point gives it, asked in
 * any order (in sequence, back, across its blocks, far ahead), and an ask costs what a walk of
 * the sequence shared by many asks costs, not a walk from the start each: 1000 asks in sequence
 * from number 20000 used to cost 1000 walks of 20000 points (a study's asks grew linearly with
 * its size: 2 ms an ask at 5000 trials with a storage). Measured in thread CPU time against one
 * walk to 20000 in the same run, with a margin of 50 where the old code took 1000. */
static void test_sobol_strategy_walks_once(void **state)
{
    (void)state;
    const char *opt[3] = {"adam", "sgd", "rmsprop"};
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(s, "lr", 1e-4, 1e-1, 1), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(s, "x", -2.385, 7.5, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(s, "layers", 1, 5, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_categorical(s, "optimizer", 3, opt), GPBO_OK);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "sobol";
    o.seed = 2385;
    size_t d = s->dim;
    double y[1] = {NAN};
    gpbo_trial_state st[1] = {GPBO_TRIAL_RUNNING};
    double u0[1] = {NAN};
    gpbo_search_view v = {s, &o, 0, u0, y, st, NULL, NULL, NULL};
    const gpbo_strategy_def *def = gpbo_search__strategy("sobol");
    assert_non_null(def);
    void *ss = NULL;
    if (def->init) /* a strategy may have no state */
        assert_int_equal(def->init(&ss, s, &o), GPBO_OK);
    const size_t order[] = {0, 1, 2, 63, 64, 65, 5, 1023, 1024, 1025, 2047, 3000, 2999, 70, 20000};
    double u[8], w[8];
    for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
        gpbo_rng r1, r2;
        gpbo_rng_seed(&r1, order[k]);
        gpbo_rng_seed(&r2, order[k]);
        assert_int_equal(def->ask(ss, &v, order[k], &r1, u), GPBO_OK);
        assert_int_equal(gpbo_bayes__sobol_point(s, o.seed, order[k], &r2, w), GPBO_OK);
        if (memcmp(u, w, d * sizeof *u) != 0)
            fail_msg("point %zu differs from gpbo_bayes__sobol_point's", order[k]);
    }
    for (size_t i = 0; i < 3000; i++) { /* in sequence, as a study asks */
        gpbo_rng r1, r2;
        gpbo_rng_seed(&r1, i);
        gpbo_rng_seed(&r2, i);
        assert_int_equal(def->ask(ss, &v, i, &r1, u), GPBO_OK);
        if (i % 97 == 0 || i % 1024 < 2 || i % 1024 > 1021) {
            assert_int_equal(gpbo_bayes__sobol_point(s, o.seed, i, &r2, w), GPBO_OK);
            if (memcmp(u, w, d * sizeof *u) != 0)
                fail_msg("point %zu differs from gpbo_bayes__sobol_point's", i);
        }
    }
    double walk = INFINITY;
    for (int rep = 0; rep < 5; rep++) {
        gpbo_rng r;
        gpbo_rng_seed(&r, 1);
        double t0 = thread_seconds();
        assert_int_equal(gpbo_bayes__sobol_point(s, o.seed, 20000, &r, w), GPBO_OK);
        double t = thread_seconds() - t0;
        walk = t < walk ? t : walk;
    }
    double t0 = thread_seconds();
    for (size_t i = 20000; i < 21000; i++) {
        gpbo_rng r;
        gpbo_rng_seed(&r, i);
        assert_int_equal(def->ask(ss, &v, i, &r, u), GPBO_OK);
    }
    double asks = thread_seconds() - t0;
    if (!(asks < 50 * walk))
        fail_msg("1000 asks from 20000 took %.3g s, %.0f walks to 20000 (%.3g s each)", asks,
                 asks / walk, walk);
    if (def->free)
        def->free(ss);
    gpbo_space_free(s);
}

/* The strategy "lhs" gives each number the point an ask without its state gives (the block's
 * draws made again for that row alone), asked in any order and across blocks, and a design of
 * lhs_size points costs about one drawing of its block, not one per ask: an ask used to shuffle
 * and draw lhs_size numbers per coordinate (1.9 ms an ask at lhs_size 20000 in 6-D). Thread CPU
 * time of 1000 asks against one state-less ask, margin 50 (the old code: 1000). */
static void test_lhs_strategy_draws_block_once(void **state)
{
    (void)state;
    const char *opt[3] = {"adam", "sgd", "rmsprop"};
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(s, "x", -2.385, 7.5, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(s, "layers", 1, 5, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_categorical(s, "optimizer", 3, opt), GPBO_OK);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "lhs";
    o.seed = 2385;
    o.lhs_size = 20000;
    size_t d = s->dim;
    double y[1] = {NAN}, u0[1] = {NAN};
    gpbo_trial_state st[1] = {GPBO_TRIAL_RUNNING};
    gpbo_search_view v = {s, &o, 0, u0, y, st, NULL, NULL, NULL};
    const gpbo_strategy_def *def = gpbo_search__strategy("lhs");
    assert_non_null(def);
    void *ls = NULL;
    assert_int_equal(def->init(&ls, s, &o), GPBO_OK);
    const size_t order[] = {0, 1, 19999, 20000, 5, 40001, 3};
    double u[8], w[8];
    gpbo_rng r;
    gpbo_rng_seed(&r, 1);
    for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
        assert_int_equal(def->ask(ls, &v, order[k], &r, u), GPBO_OK);
        assert_int_equal(def->ask(NULL, &v, order[k], &r, w), GPBO_OK);
        if (memcmp(u, w, d * sizeof *u) != 0)
            fail_msg("point %zu differs from the state-less ask's", order[k]);
    }
    double alone = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = thread_seconds();
        assert_int_equal(def->ask(NULL, &v, 20500, &r, w), GPBO_OK);
        double t = thread_seconds() - t0;
        alone = t < alone ? t : alone;
    }
    double t0 = thread_seconds();
    for (size_t i = 20000; i < 21000; i++)
        assert_int_equal(def->ask(ls, &v, i, &r, u), GPBO_OK);
    double asks = thread_seconds() - t0;
    if (!(asks < 50 * alone))
        fail_msg("1000 asks of one block took %.3g s, %.0f state-less asks (%.3g s each)", asks,
                 asks / alone, alone);
    if (def->free)
        def->free(ls);
    gpbo_space_free(s);
}

/* The per-coordinate lengthscale priors: the flat one on a categorical's one-hot and on a
 * conditional parameter's coordinate, the common one elsewhere; none (NULL) for a space of
 * plain numbers or with the gp's dimension-scaled prior. */
static void test_choice_coordinates_prior(void **state)
{
    (void)state;
    const char *opt[3] = {"adam", "sgd", "rmsprop"};
    gpbo_space *s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(s, "lr", 1e-4, 1e-1, 1), GPBO_OK); /* coordinate 0 */
    assert_int_equal(gpbo_space_add_categorical(s, "optimizer", 3, opt), GPBO_OK); /* 1-3 */
    assert_int_equal(gpbo_space_add_const(s, "epochs", 8), GPBO_OK);               /* none */
    assert_int_equal(gpbo_space_add_float(s, "momentum", 0.5, 0.99, 0), GPBO_OK);  /* 4 */
    assert_int_equal(gpbo_space_add_int(s, "layers", 1, 3, 0), GPBO_OK);           /* 5 */
    double sgd = 1;
    assert_int_equal(gpbo_space_add_condition(s, "momentum", "optimizer", 1, &sgd), GPBO_OK);
    assert_int_equal(gpbo_space_dim(s), 6);
    gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
    gpbo_bayes__fit_options(6, 20, 0, &fo);
    double *lp = NULL;
    assert_int_equal(gpbo_bayes__ls_priors(s, 0, &fo, &lp), GPBO_OK);
    assert_non_null(lp);
    const int flat[6] = {0, 1, 1, 1, 1, 0};
    for (size_t j = 0; j < 6; j++) {
        if (flat[j])
            assert_true(lp[2 * j + 1] >= 10 * fo.lengthscale_prior[1]);
        else
            assert_true(lp[2 * j] == fo.lengthscale_prior[0] &&
                        lp[2 * j + 1] == fo.lengthscale_prior[1]);
    }
    free(lp);
    lp = (double *)&sgd;
    assert_int_equal(gpbo_bayes__ls_priors(s, 1, &fo, &lp), GPBO_OK);
    assert_null(lp);
    gpbo_space_free(s);
    s = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(s, "x", 0, 1, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_int(s, "n", 1, 9, 0), GPBO_OK);
    assert_int_equal(gpbo_bayes__ls_priors(s, 0, &fo, &lp), GPBO_OK);
    assert_null(lp);
    gpbo_space_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_design_slots),
        cmocka_unit_test(test_design_points),
        cmocka_unit_test(test_stall_rule),
        cmocka_unit_test(test_restart_roles),
        cmocka_unit_test(test_failure_stand_in),
        cmocka_unit_test(test_failure_data),
        cmocka_unit_test(test_clip_values),
        cmocka_unit_test(test_model_choice),
        cmocka_unit_test(test_warm_choice_rows),
        cmocka_unit_test(test_warp_candidate),
        cmocka_unit_test(test_acquisition_step),
        cmocka_unit_test(test_acquisition_exhausted),
        cmocka_unit_test(test_choice_schedule),
        cmocka_unit_test(test_warm_choice_close_to_multistart),
        cmocka_unit_test(test_warm_choice_below_60),
        cmocka_unit_test(test_ask_with_later_trials),
        cmocka_unit_test(test_choice_coordinates_prior),
        cmocka_unit_test(test_sobol_strategy_walks_once),
        cmocka_unit_test(test_lhs_strategy_draws_block_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
