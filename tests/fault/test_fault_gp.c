/*
 * test_fault_gp.c: allocation failures in every allocating call of gpbo::gp (fault.h): each
 * returns GPBO_ENOMEM with a message, leaks nothing and leaves the model as it was (it predicts
 * exactly as before and the same call then succeeds with the reference result).
 * Data: 12 points in 2-D.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "gpbo/gp.h"
#include "testutil.h"

#define N 12
#define D 2
#define M 5 /* query points */

static double X[N * D], Y[N], XQ[M * D];

typedef struct st {
    gpbo_gp *gp, *out_gp; /* the model under test; a model the call made */
    gpbo_gp_workspace *ws;
    gpbo_rng rng;
    char *str;
    double out[4 * M * D];
    size_t nout;
    int with_ws;
} st_t;

static void fp_model(fault_fp *fp, const gpbo_gp *gp)
{
    if (gp == NULL) {
        fault_fp_str(fp, NULL);
        return;
    }
    double p[D + 2], mean[M], var[M];
    fault_fp_size(fp, gpbo_gp_n(gp));
    assert_int_equal(gpbo_gp_get_params(gp, p), GPBO_OK);
    fault_fp_doubles(fp, p, D + 2);
    assert_int_equal(gpbo_gp_predict(gp, M, XQ, mean, var), GPBO_OK);
    fault_fp_doubles(fp, mean, M);
    fault_fp_doubles(fp, var, M);
    fault_fp_doubles(fp, gpbo_gp_x(gp), gpbo_gp_n(gp) * D);
    fault_fp_doubles(fp, gpbo_gp_y(gp), gpbo_gp_n(gp));
}

static void fp_all(void *p, fault_fp *fp)
{
    st_t *s = p;
    fp_model(fp, s->gp);
    fp_model(fp, s->out_gp);
    fault_fp_doubles(fp, s->out, s->nout);
    if (getenv("FAULT_DUMP") && s->str)
        fprintf(stderr, "%s\n", s->str);
    fault_fp_str(fp, s->str);
    fault_fp_add(fp, &s->rng, sizeof s->rng);
}

static void teardown_st(void *p)
{
    st_t *s = p;
    gpbo_gp_free(s->gp);
    gpbo_gp_free(s->out_gp);
    gpbo_gp_workspace_free(s->ws);
    free(s->str);
    free(s);
}

/* A model with the first n points (n = 0: none, NULL data). */
static void *setup_n(size_t n)
{
    st_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, D);
    assert_non_null(s->gp);
    if (n > 0)
        assert_int_equal(gpbo_gp_set_data(s->gp, n, X, Y), GPBO_OK);
    gpbo_rng_seed(&s->rng, 2385);
    return s;
}

static void *setup_none(void *ctx)
{
    (void)ctx;
    st_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    gpbo_rng_seed(&s->rng, 2385);
    return s;
}

static void *setup_6(void *ctx)
{
    (void)ctx;
    return setup_n(6);
}

static void *setup_8(void *ctx)
{
    (void)ctx;
    return setup_n(8); /* the first buffers hold 8: the 9th point grows them */
}

static void *setup_12(void *ctx)
{
    (void)ctx;
    return setup_n(N);
}

static void *setup_12_fitted(void *ctx)
{
    (void)ctx;
    st_t *s = setup_n(N);
    double p[D + 2] = {log(0.31), log(0.52), log(1.37), log(2.1e-3)};
    assert_int_equal(gpbo_gp_set_params(s->gp, p), GPBO_OK);
    return s;
}

static int call_new(void *p)
{
    st_t *s = p;
    s->gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, D);
    return s->gp ? GPBO_OK : gpbo_error_code();
}

static int call_set_data(void *p)
{
    return gpbo_gp_set_data(((st_t *)p)->gp, N, X, Y);
}

static int call_add(void *p)
{
    st_t *s = p;
    return gpbo_gp_add(s->gp, X + 8 * D, Y[8]);
}

static int call_fit(void *p)
{
    gpbo_gp_fit_options o = GPBO_GP_FIT_OPTIONS_INIT;
    o.restarts = 2;
    o.max_evals = 60;
    o.seed = 7;
    return gpbo_gp_fit(((st_t *)p)->gp, &o);
}

static int call_fit_priors(void *p)
{
    gpbo_gp_fit_options o = GPBO_GP_FIT_OPTIONS_INIT;
    o.restarts = 1;
    o.max_evals = 40;
    o.use_priors = 1;
    o.learn_noise = 0;
    o.seed = 11;
    st_t *s = p;
    int rc = gpbo_gp_set_additive(s->gp, 1);
    if (rc == GPBO_OK)
        rc = gpbo_gp_fit(s->gp, &o);
    gpbo_gp_set_additive(s->gp, 0);
    return rc;
}

static int call_log_likelihood(void *p)
{
    st_t *s = p;
    double g[D + 2];
    double v = gpbo_gp_log_likelihood(s->gp, g);
    if (isnan(v))
        return gpbo_error_code();
    s->out[0] = v;
    memcpy(s->out + 1, g, sizeof g);
    s->nout = D + 3;
    return GPBO_OK;
}

static int call_predict(void *p)
{
    st_t *s = p;
    int rc = gpbo_gp_predict(s->gp, M, XQ, s->out, s->out + M);
    if (rc == GPBO_OK)
        s->nout = 2 * M;
    return rc;
}

static int call_predict_cov(void *p)
{
    st_t *s = p;
    int rc = gpbo_gp_predict_cov(s->gp, M, XQ, s->out, s->out + M);
    if (rc == GPBO_OK)
        s->nout = M + M * M;
    return rc;
}

static void *setup_ws(void *ctx)
{
    st_t *s = setup_n(N);
    s->with_ws = ctx != NULL;
    return s;
}

static int call_predict_grad(void *p)
{
    st_t *s = p;
    if (s->with_ws && s->ws == NULL && (s->ws = gpbo_gp_workspace_new()) == NULL)
        return gpbo_error_code();
    int rc = gpbo_gp_predict_grad(s->gp, s->ws, M, XQ, s->out, s->out + M, s->out + 2 * M,
                                  s->out + 2 * M + M * D);
    if (rc == GPBO_OK)
        s->nout = 2 * M + 2 * M * D;
    return rc;
}

static int call_sample(void *p)
{
    st_t *s = p;
    int rc = gpbo_gp_sample(s->gp, M, XQ, 3, &s->rng, s->out);
    if (rc == GPBO_OK)
        s->nout = 3 * M;
    return rc;
}

static int call_copy(void *p)
{
    st_t *s = p;
    s->out_gp = gpbo_gp_copy(s->gp);
    if (s->out_gp == NULL)
        return gpbo_error_code();
    /* the copy is independent: adding to it leaves the original */
    int rc = gpbo_gp_add(s->out_gp, XQ, 0.2385);
    if (rc != GPBO_OK) {
        gpbo_gp_free(s->out_gp);
        s->out_gp = NULL;
    }
    return rc;
}

static int call_to_string(void *p)
{
    st_t *s = p;
    s->str = gpbo_gp_to_string(s->gp);
    return s->str ? GPBO_OK : gpbo_error_code();
}

static char saved_path[512];

/* What is in saved_path (or "no file"). */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *b = calloc(1, 1 << 16);
    assert_non_null(b);
    size_t n = fread(b, 1, (1 << 16) - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

static void fp_saved(void *p, fault_fp *fp)
{
    fp_all(p, fp);
    char *b = read_all(saved_path);
    fault_fp_str(fp, b);
    free(b);
}

static void *setup_save(void *ctx)
{
    unlink(saved_path);
    return setup_12_fitted(ctx);
}

static int call_save(void *p)
{
    return gpbo_gp_save(((st_t *)p)->gp, saved_path);
}

static char model_path[512];

static int call_load(void *p)
{
    st_t *s = p;
    s->out_gp = gpbo_gp_load(model_path);
    return s->out_gp ? GPBO_OK : gpbo_error_code();
}

static char *model_json;

static int call_from_string(void *p)
{
    st_t *s = p;
    s->out_gp = gpbo_gp_from_string(model_json);
    return s->out_gp ? GPBO_OK : gpbo_error_code();
}

static void run(const char *name, void *(*setup)(void *), int (*call)(void *), void *ctx,
                void (*fp)(void *, fault_fp *))
{
    fault_case c = {name, setup,     call, fp ? fp : fp_all, teardown_st, FAULT_ALLOW_ENOMEM,
                    ctx,  "libnlopt"};
    long points = fault_run(&c);
    assert_true(points >= 0);
}

static void test_lifecycle_and_data(void **state)
{
    (void)state;
    run("gp_new", setup_none, call_new, NULL, NULL);
    run("gp_set_data (6 -> 12 points)", setup_6, call_set_data, NULL, NULL);
    run("gp_add (9th point, buffers grow)", setup_8, call_add, NULL, NULL);
    run("gp_copy (+ add to the copy)", setup_12_fitted, call_copy, NULL, NULL);
}

static void test_fit(void **state)
{
    (void)state;
    run("gp_log_likelihood (gradient)", setup_12_fitted, call_log_likelihood, NULL, NULL);
    run("gp_fit", setup_12, call_fit, NULL, NULL);
    run("gp_fit (additive, priors)", setup_12, call_fit_priors, NULL, NULL);
}

static void test_predict(void **state)
{
    (void)state;
    run("gp_predict", setup_12_fitted, call_predict, NULL, NULL);
    run("gp_predict_cov", setup_12_fitted, call_predict_cov, NULL, NULL);
    run("gp_predict_grad (workspace)", setup_ws, call_predict_grad, (void *)1, NULL);
    run("gp_predict_grad (no workspace)", setup_ws, call_predict_grad, NULL, NULL);
    run("gp_sample", setup_12_fitted, call_sample, NULL, NULL);
}

static void test_save_load(void **state)
{
    (void)state;
    const char *dir = fault_tmpdir();
    snprintf(saved_path, sizeof saved_path, "%s/saved.json", dir);
    snprintf(model_path, sizeof model_path, "%s/model.json", dir);
    st_t *s = setup_12_fitted(NULL);
    assert_int_equal(gpbo_gp_save(s->gp, model_path), GPBO_OK);
    model_json = gpbo_gp_to_string(s->gp);
    assert_non_null(model_json);
    teardown_st(s);
    run("gp_to_string", setup_12_fitted, call_to_string, NULL, NULL);
    run("gp_save", setup_save, call_save, NULL, fp_saved);
    run("gp_from_string", setup_none, call_from_string, NULL, NULL);
    run("gp_load", setup_none, call_load, NULL, NULL);
    gpbo_free(model_json);
}

int main(void)
{
    fault_make_data(X, Y, N, XQ, M);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_and_data),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_predict),
        cmocka_unit_test(test_save_load),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("fault: gp total %.2f s\n", fault_seconds());
    gpbo_test_rmtree(fault_tmpdir());
    return rc;
}
