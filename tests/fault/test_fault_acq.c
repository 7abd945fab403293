/*
 * test_fault_acq.c: allocation failures in gpbo::acquisition (fault.h): gpbo_acq_new, eval and
 * propose (q = 1; q = 3 with two pending points under the Kriging believer, a constant liar and
 * local penalization; Thompson sampling) return GPBO_ENOMEM with a message, leak nothing, leave
 * the model untouched and then propose exactly what a run without failures proposes.
 * Data: 12 points in 2-D; small raw sample counts keep the loops short.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"
#include "gpbo/acquisition.h"
#include "testutil.h"

#define N 12
#define D 2
#define M 5
#define Q 3

static double X[N * D], Y[N], XQ[M * D];
static const double PENDING[2 * D] = {0.2385, 0.6172, 0.8123, 0.1447};

typedef struct variant {
    gpbo_acq_kind kind;
    gpbo_acq_batch batch;
    size_t q, npending;
    int no_data;
} variant;

typedef struct st {
    const variant *v;
    gpbo_gp *gp;
    gpbo_acq *acq;
    double out[Q * D + Q + M * (D + 1)];
    size_t nout;
} st_t;

static void fp_st(void *p, fault_fp *fp)
{
    st_t *s = p;
    double mean[M], var[M];
    assert_int_equal(gpbo_gp_predict(s->gp, M, XQ, mean, var), GPBO_OK);
    fault_fp_size(fp, gpbo_gp_n(s->gp));
    fault_fp_doubles(fp, mean, M);
    fault_fp_doubles(fp, var, M);
    fault_fp_doubles(fp, s->out, s->nout);
    if (s->acq != NULL) {
        /* one point at a time: the object's scratch stays smaller than the call's */
        double v[M];
        for (size_t i = 0; i < M; i++)
            assert_int_equal(gpbo_acq_eval(s->acq, 1, XQ + i * D, v + i, NULL), GPBO_OK);
        fault_fp_doubles(fp, v, M);
    } else {
        fault_fp_str(fp, NULL);
    }
}

static void *setup(void *ctx)
{
    st_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->v = ctx;
    s->gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, D);
    assert_non_null(s->gp);
    if (!(s->v && s->v->no_data))
        assert_int_equal(gpbo_gp_set_data(s->gp, N, X, Y), GPBO_OK);
    double p[D + 2] = {log(0.31), log(0.52), log(1.37), log(2.1e-3)};
    assert_int_equal(gpbo_gp_set_params(s->gp, p), GPBO_OK);
    return s;
}

static void *setup_acq(void *ctx)
{
    st_t *s = setup(ctx);
    s->acq = gpbo_acq_new(s->gp, NULL, 0.2385);
    assert_non_null(s->acq);
    return s;
}

static void teardown(void *p)
{
    st_t *s = p;
    gpbo_acq_free(s->acq);
    gpbo_gp_free(s->gp);
    free(s);
}

static int call_new(void *p)
{
    st_t *s = p;
    gpbo_acq_options o = GPBO_ACQ_OPTIONS_INIT;
    o.kind = GPBO_ACQ_EI;
    s->acq = gpbo_acq_new(s->gp, &o, 0.2385);
    return s->acq ? GPBO_OK : gpbo_error_code();
}

static int call_eval(void *p)
{
    st_t *s = p;
    int rc = gpbo_acq_eval(s->acq, M, XQ, s->out, s->out + M);
    if (rc == GPBO_OK)
        s->nout = M * (D + 1);
    return rc;
}

static int call_propose(void *p)
{
    st_t *s = p;
    const variant *v = s->v;
    gpbo_acq_options o = GPBO_ACQ_OPTIONS_INIT;
    o.kind = v->kind;
    o.batch = v->batch;
    o.raw_samples = 128;
    o.restarts = 3;
    o.max_evals = 25;
    o.seed = 2385;
    int rc = gpbo_acq_propose(s->gp, &o, NAN, v->npending, v->npending ? PENDING : NULL, v->q,
                              s->out, s->out + v->q * D);
    if (rc == GPBO_OK)
        s->nout = v->q * (D + 1);
    return rc;
}

static void run(const char *name, void *(*setup_fn)(void *), int (*call)(void *), const void *ctx)
{
    fault_case c = {name,     setup_fn,           call,        fp_st,
                    teardown, FAULT_ALLOW_ENOMEM, (void *)ctx, "libnlopt"};
    assert_true(fault_run(&c) >= 0);
}

static void test_acq_new_eval(void **state)
{
    (void)state;
    run("acq_new", setup, call_new, NULL);
    run("acq_eval (gradient)", setup_acq, call_eval, NULL);
}

static const variant V_Q1 = {GPBO_ACQ_LOGEI, GPBO_ACQ_BATCH_KB, 1, 0, 0};
static const variant V_KB = {GPBO_ACQ_LOGEI, GPBO_ACQ_BATCH_KB, Q, 2, 0};
static const variant V_CL = {GPBO_ACQ_EI, GPBO_ACQ_BATCH_CL_MAX, Q, 2, 0};
static const variant V_LP = {GPBO_ACQ_EI, GPBO_ACQ_BATCH_LP, Q, 2, 0};
static const variant V_TS = {GPBO_ACQ_THOMPSON, GPBO_ACQ_BATCH_KB, 2, 1, 0};
static const variant V_EMPTY = {GPBO_ACQ_LOGEI, GPBO_ACQ_BATCH_KB, Q, 1, 1};

static void test_propose(void **state)
{
    (void)state;
    run("acq_propose q=1", setup, call_propose, &V_Q1);
    run("acq_propose q=3, 2 pending, KB", setup, call_propose, &V_KB);
    run("acq_propose q=3, 2 pending, CL max", setup, call_propose, &V_CL);
    run("acq_propose q=3, 2 pending, LP", setup, call_propose, &V_LP);
    run("acq_propose thompson q=2, 1 pending", setup, call_propose, &V_TS);
    run("acq_propose no data q=3", setup, call_propose, &V_EMPTY);
}

int main(void)
{
    fault_make_data(X, Y, N, XQ, M);
    /* GSL's default error handler aborts when gsl_qrng_alloc runs out of memory; the library
     * turns it off on first use (acquisition/sobol.c), so after a warm-up proposal GSL's own
     * allocations are failed like every other. */
    st_t *s = setup((void *)&V_Q1);
    assert_int_equal(call_propose(s), GPBO_OK);
    teardown(s);
    if (!fault_gsl_handler_is_off()) {
        printf("fault: GSL's error handler is still abort() after a proposal\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acq_new_eval),
        cmocka_unit_test(test_propose),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("fault: acquisition total %.2f s\n", fault_seconds());
    return rc;
}
