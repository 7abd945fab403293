/*
 * test_study_model.c: gpbo_study_model hands out the model the study's strategy proposes from.
 * After N Bayesian trials the GP predicts the observed values at the observed points within its
 * learnt noise (in the objective's minimizing units once mapped back when warped), and it is the
 * model the strategy's own parts build from the same trials (the same choice of ARD / additive
 * / warped and the same hyperparameters: search/bayes_internal.h's sources are compiled in, the
 * functions being hidden in the shared library). Handing it out changes no later proposal;
 * strategies without a model, an empty study and NULL arguments are refused.
 * gpbo_study_model_capped holds the best half and a maximin spread of the rest.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../search/bayes_internal.h"
#include "gpbo/error.h"

/* x0, x1 floats in [lo, hi]. */
static gpbo_space *square(double lo, double hi)
{
    gpbo_space *s = gpbo_space_new();
    assert_non_null(s);
    assert_int_equal(gpbo_space_add_float(s, "x0", lo, hi, 0), GPBO_OK);
    assert_int_equal(gpbo_space_add_float(s, "x1", lo, hi, 0), GPBO_OK);
    return s;
}

/* A smooth bowl, off centre. */
static double bowl(const double *v)
{
    return (v[0] - 0.31) * (v[0] - 0.31) + 2.3 * (v[1] + 0.17) * (v[1] + 0.17);
}

/* A heavy upper tail whose logarithm is smooth (a bowl): the warped model's case. */
static double heavy(const double *v)
{
    return exp(3.0 * bowl(v)) - 0.5;
}

/* A new in-memory study on a square with strategy, direction and seed, after n trials of f
 * (negated when maximizing, so that the minimizing values are f's). */
static gpbo_study *run_study(const char *strategy, gpbo_direction dir, double (*f)(const double *),
                             double lo, double hi, size_t n)
{
    gpbo_space *sp = square(lo, hi);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    o.direction = dir;
    o.seed = 2385;
    o.n_init = 8;
    gpbo_study *st = gpbo_study_open(NULL, "model", sp, &o);
    gpbo_space_free(sp);
    assert_non_null(st);
    for (size_t t = 0; t < n; t++) {
        size_t id;
        double v[2];
        assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK);
        double y = f(v);
        assert_int_equal(gpbo_study_tell(st, id, dir == GPBO_MAXIMIZE ? -y : y), GPBO_OK);
    }
    return st;
}

/* The study's trials as the strategy sees them (encoded points, minimizing values, states). */
typedef struct view_copy {
    double u[64 * 2], y[64];
    gpbo_trial_state state[64];
    gpbo_search_view v;
} view_copy;

static void copy_view(view_copy *c, gpbo_study *st)
{
    const gpbo_space *sp = gpbo_study_space(st);
    size_t n = gpbo_study_ntrials(st);
    assert_true(n <= 64);
    double sign = gpbo_study_direction(st) == GPBO_MAXIMIZE ? -1 : 1;
    for (size_t i = 0; i < n; i++) {
        gpbo_trial_info ti;
        assert_int_equal(gpbo_study_trial(st, i, &ti), GPBO_OK);
        assert_int_equal(gpbo_space_encode(sp, ti.values, c->u + 2 * i), GPBO_OK);
        c->y[i] = sign * ti.value;
        c->state[i] = ti.state;
    }
    c->v = (gpbo_search_view){sp,  gpbo_study_get_options(st), n, c->u, c->y, c->state, NULL, NULL,
                              NULL};
}

/* The model's checks on a study of n trials of f: the GP holds n observations and predicts
 * each within 4 standard deviations of its learnt noise (plus the posterior's own spread), in
 * the GP's units; mapped back, the warped prediction stays within the same band's image; and
 * the strategy's parts build the same model from the same trials. Returns info.warped. */
static int check_model(gpbo_study *st, size_t n)
{
    gpbo_gp *gp = NULL;
    gpbo_study_model_info info;
    assert_int_equal(gpbo_study_model(st, &gp, &info), GPBO_OK);
    assert_non_null(gp);
    assert_int_equal(info.n, n);
    assert_int_equal(gpbo_gp_n(gp), n);
    assert_int_equal(gpbo_gp_get_additive(gp), info.additive);
    view_copy c;
    copy_view(&c, st);
    double mu[64], var[64], sn2 = gpbo_gp_noise_variance(gp);
    double yc[64]; /* the values the model sees: a diverged one capped */
    memcpy(yc, c.y, n * sizeof *yc);
    assert_int_equal(gpbo_bayes__clip_values(yc, n), GPBO_OK);
    assert_true(sn2 > 0 && isfinite(sn2));
    assert_int_equal(gpbo_gp_predict(gp, n, c.u, mu, var), GPBO_OK);
    for (size_t i = 0; i < n; i++) {
        double w = info.warped ? log(yc[i] - info.lo + info.delta) : yc[i];
        double band = 4 * sqrt(sn2 + var[i]);
        assert_true(fabs(mu[i] - w) <= band);
        if (info.warped) { /* in the objective's units: inside the band's image */
            double lo = exp(mu[i] - band) + info.lo - info.delta;
            double hi = exp(mu[i] + band) + info.lo - info.delta;
            assert_true(lo <= yc[i] * (1 + 1e-12) + 1e-12 && yc[i] <= hi * (1 + 1e-12) + 1e-12);
        }
    }
    /* the strategy's parts on the same trials, from a fresh fit: the same model */
    gpbo_bayes_data data;
    const gpbo_study_options *o = c.v.opts;
    assert_int_equal(gpbo_bayes__data_build(&data, &c.v, NULL, 0, gpbo_bayes__failure(o->failed)),
                     GPBO_OK);
    gpbo_bayes_fit f = GPBO_BAYES_FIT_INIT;
    gpbo_gp *ref = NULL;
    gpbo_bayes_warp w;
    assert_int_equal(
        gpbo_bayes__model_gp(&f, o, gpbo_bayes__model_seed(o->seed, 0), &data, &ref, &w), GPBO_OK);
    assert_int_equal(w.warped, info.warped);
    assert_int_equal(f.choice.additive, info.additive);
    assert_true(w.lo == info.lo && w.delta == info.delta);
    double p[4], q[4], rmu[64];
    assert_int_equal(gpbo_gp_get_params(gp, p), GPBO_OK);
    assert_int_equal(gpbo_gp_get_params(ref, q), GPBO_OK);
    for (size_t k = 0; k < 4; k++)
        assert_true(fabs(p[k] - q[k]) <= 1e-9 * (1 + fabs(q[k])));
    assert_int_equal(gpbo_gp_predict(ref, n, c.u, rmu, NULL), GPBO_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(rmu[i] - mu[i]) <= 1e-9 * (1 + fabs(mu[i])));
    gpbo_gp_free(ref);
    gpbo_bayes__fit_free(&f);
    gpbo_bayes__data_free(&data);
    gpbo_gp_free(gp);
    return info.warped;
}

static void test_bayes_model_on_a_bowl(void **state)
{
    (void)state;
    /* 14 trials: the raw model's case (from 16 on, under issue 18's MAP fits, the warped
     * candidate wins on the bowl's concentrated values) */
    gpbo_study *st = run_study("bayes", GPBO_MINIMIZE, bowl, -1, 1, 14);
    assert_int_equal(check_model(st, 14), 0);
    gpbo_study_close(st);
}

/* A heavy tail, maximized: the model warps the minimizing values (the negated ones told). */
static void test_bayes_model_warped_and_maximized(void **state)
{
    (void)state;
    gpbo_study *st = run_study("bayes", GPBO_MAXIMIZE, heavy, -1, 1, 20);
    assert_int_equal(check_model(st, 20), 1);
    gpbo_study_close(st);
}

/* Handing the model out leaves the strategy as it was: the same later proposals. */
static void test_model_changes_no_proposal(void **state)
{
    (void)state;
    gpbo_study *a = run_study("bayes", GPBO_MINIMIZE, bowl, -1, 1, 12);
    gpbo_study *b = run_study("bayes", GPBO_MINIMIZE, bowl, -1, 1, 12);
    gpbo_gp *gp = NULL;
    assert_int_equal(gpbo_study_model(a, &gp, NULL), GPBO_OK);
    gpbo_gp_free(gp);
    for (int t = 0; t < 3; t++) {
        size_t ia, ib;
        double va[2], vb[2];
        assert_int_equal(gpbo_study_ask(a, &ia, va), GPBO_OK);
        assert_int_equal(gpbo_study_ask(b, &ib, vb), GPBO_OK);
        assert_int_equal(ia, ib);
        assert_memory_equal(va, vb, sizeof va);
        assert_int_equal(gpbo_study_tell(a, ia, bowl(va)), GPBO_OK);
        assert_int_equal(gpbo_study_tell(b, ib, bowl(vb)), GPBO_OK);
    }
    gpbo_study_close(a);
    gpbo_study_close(b);
}

static void test_refusals(void **state)
{
    (void)state;
    gpbo_gp *gp = (gpbo_gp *)&gp; /* not NULL: a refusal sets it to NULL */
    gpbo_study_model_info info = {1, 1, 2.0, 3.0, 4};
    gpbo_study *st = run_study("random", GPBO_MINIMIZE, bowl, -1, 1, 5);
    assert_int_equal(gpbo_study_model(st, &gp, &info), GPBO_ENOTFOUND);
    assert_null(gp);
    assert_int_equal(info.warped + info.additive + (int)info.n, 0);
    assert_non_null(strstr(gpbo_error_message(), "random"));
    assert_int_equal(gpbo_study_model(st, NULL, &info), GPBO_EINVAL);
    assert_int_equal(gpbo_study_model(NULL, &gp, &info), GPBO_EINVAL);
    gpbo_study_close(st);
    /* a Bayesian study with nothing observed yet: its one trial still running */
    st = run_study("bayes", GPBO_MINIMIZE, bowl, -1, 1, 0);
    assert_int_equal(gpbo_study_model(st, &gp, &info), GPBO_ESTATE);
    size_t id;
    double v[2];
    assert_int_equal(gpbo_study_ask(st, &id, v), GPBO_OK);
    assert_int_equal(gpbo_study_model(st, &gp, &info), GPBO_ESTATE);
    assert_null(gp);
    assert_int_equal(gpbo_study_tell(st, id, bowl(v)), GPBO_OK);
    assert_int_equal(gpbo_study_model(st, &gp, &info), GPBO_OK);
    assert_int_equal(info.n, 1);
    gpbo_gp_free(gp);
    gpbo_study_close(st);
}

/* A Bayesian study on the square [0, 1]^2 of n trials added at points of a fixed low-discrepancy
 * walk (no ask: their values are the bowl's), for gpbo_study_model_capped. */
static gpbo_study *added_study(size_t n)
{
    gpbo_space *sp = square(0, 1);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "bayes";
    o.seed = 2385;
    gpbo_study *st = gpbo_study_open(NULL, "capped", sp, &o);
    gpbo_space_free(sp);
    assert_non_null(st);
    for (size_t t = 0; t < n; t++) {
        double v[2] = {fmod(0.2385 + 0.7548776662 * (double)t, 1.0),
                       fmod(0.5 + 0.5698402910 * (double)t, 1.0)};
        double y = bowl(v);
        gpbo_trial_result r = GPBO_TRIAL_RESULT_INIT;
        r.values = &y;
        assert_int_equal(gpbo_study_add_trial(st, v, &r, SIZE_MAX, NULL), GPBO_OK);
    }
    return st;
}

static double dist2(const double *a, const double *b)
{
    return (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]);
}

/* gpbo_study_model_capped at k of n observations: the GP holds k of them, in trial order, the
 * (k + 1) / 2 lowest values among them, and the rest spread as greedy maximin spreads them (the
 * covering radius of the held set over all n points is at most the smallest distance between
 * two of the spread ones); the same subset at a second call; at k >= n the model of
 * gpbo_study_model itself; k = 0 refused. */
static void test_capped_model(void **state)
{
    (void)state;
    enum { N = 90, K = 21 };
    gpbo_study *st = added_study(N);
    gpbo_gp *gp = NULL, *again = NULL;
    gpbo_study_model_info info;
    size_t total = 0;
    assert_int_equal(gpbo_study_model_capped(st, K, &gp, &info, &total), GPBO_OK);
    assert_int_equal(info.n, K);
    assert_int_equal(total, N);
    assert_int_equal(gpbo_gp_n(gp), K);
    double u[N][2], y[N];
    for (size_t t = 0; t < N; t++) {
        gpbo_trial_info ti;
        assert_int_equal(gpbo_study_trial(st, t, &ti), GPBO_OK);
        assert_int_equal(gpbo_space_encode(gpbo_study_space(st), ti.values, u[t]), GPBO_OK);
        y[t] = ti.value;
    }
    const double *x = gpbo_gp_x(gp);
    size_t at[K], last = 0;
    int held[N] = {0};
    for (size_t k = 0; k < K; k++) { /* each held point is a trial's, in trial order */
        size_t t = last;
        while (t < N && dist2(u[t], x + 2 * k) > 0)
            t++;
        assert_true(t < N);
        at[k] = t;
        held[t] = 1;
        last = t + 1;
    }
    size_t best = (K + 1) / 2, below = 0;
    for (size_t t = 0; t < N; t++) { /* rank of each held one: the lowest best are all held */
        size_t rank = 0;
        for (size_t i = 0; i < N; i++)
            rank += y[i] < y[t] || (y[i] == y[t] && i < t);
        if (rank < best)
            assert_true(held[t]);
        below += rank < best;
    }
    assert_int_equal(below, best);
    double cover = 0, spread = INFINITY;
    for (size_t t = 0; t < N; t++) {
        double nearest = INFINITY;
        for (size_t k = 0; k < K; k++)
            nearest = fmin(nearest, dist2(u[t], u[at[k]]));
        cover = fmax(cover, nearest);
    }
    for (size_t a = 0; a < K; a++)
        for (size_t b = a + 1; b < K; b++) {
            size_t ra = 0, rb = 0;
            for (size_t i = 0; i < N; i++) {
                ra += y[i] < y[at[a]] || (y[i] == y[at[a]] && i < at[a]);
                rb += y[i] < y[at[b]] || (y[i] == y[at[b]] && i < at[b]);
            }
            if (ra >= best && rb >= best)
                spread = fmin(spread, dist2(u[at[a]], u[at[b]]));
        }
    assert_true(cover <= spread * (1 + 1e-12));
    assert_int_equal(gpbo_study_model_capped(st, K, &again, NULL, NULL), GPBO_OK);
    assert_memory_equal(gpbo_gp_x(again), x, K * 2 * sizeof *x);
    gpbo_gp_free(again);
    gpbo_gp_free(gp);
    /* not capped: gpbo_study_model's model */
    gpbo_gp *full = NULL, *ref = NULL;
    assert_int_equal(gpbo_study_model_capped(st, N, &full, &info, &total), GPBO_OK);
    assert_true(info.n == N && total == N);
    assert_int_equal(gpbo_study_model(st, &ref, NULL), GPBO_OK);
    double p[4], q[4];
    assert_int_equal(gpbo_gp_get_params(full, p), GPBO_OK);
    assert_int_equal(gpbo_gp_get_params(ref, q), GPBO_OK);
    assert_memory_equal(p, q, sizeof p);
    gpbo_gp_free(full);
    gpbo_gp_free(ref);
    gp = (gpbo_gp *)&gp;
    total = 7;
    assert_int_equal(gpbo_study_model_capped(st, 0, &gp, &info, &total), GPBO_EINVAL);
    assert_true(gp == NULL && total == 0 && info.n == 0);
    gpbo_study_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bayes_model_on_a_bowl),
        cmocka_unit_test(test_bayes_model_warped_and_maximized),
        cmocka_unit_test(test_model_changes_no_proposal),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_capped_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
