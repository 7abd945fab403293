/*
 * test_trainer_unread.c: settings that only some values of another one read, through the C API.
 * gpbo_trainer_run used to take momentum with Adam, beta1 with SGD, gamma with a fixed rate or
 * monitor without patience and train what leaving them out trains; gpbo train and the sweep
 * file refused them, the library did not. Each such combination is refused naming both
 * settings; every default config, a default written out, and every value read still run; and
 * gpbo_trainer_config_check_read (what gpbo train and the sweep ask) says which setting decides.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/trainer.h"
#include "trainer_testdata.h"

/* One refused combination: a change to small_config() and what the message must hold. */
typedef struct refusal {
    void (*set)(gpbo_trainer_config *c);
    const char *setting, *decider, *why;
} refusal;

static void momentum_adam(gpbo_trainer_config *c)
{
    c->momentum = 0.5;
}
static void nesterov_rmsprop(gpbo_trainer_config *c)
{
    c->optimizer = GPBO_TRAINER_OPT_RMSPROP;
    c->nesterov = 1;
}
static void beta1_sgd(gpbo_trainer_config *c)
{
    c->optimizer = GPBO_TRAINER_OPT_SGD;
    c->beta1 = 0.8;
}
static void beta2_rmsprop(gpbo_trainer_config *c)
{
    c->optimizer = GPBO_TRAINER_OPT_RMSPROP;
    c->beta2 = 0.98;
}
static void rho_adam(gpbo_trainer_config *c)
{
    c->rho = 0.9;
}
static void eps_sgd(gpbo_trainer_config *c)
{
    c->optimizer = GPBO_TRAINER_OPT_SGD;
    c->eps = 2.385e-6;
}
static void gamma_fixed(gpbo_trainer_config *c)
{
    c->gamma = 0.5;
}
static void gamma_cosine(gpbo_trainer_config *c)
{
    c->schedule = GPBO_TRAINER_SCHED_COSINE;
    c->gamma = 0.5;
}
static void step_exponential(gpbo_trainer_config *c)
{
    c->schedule = GPBO_TRAINER_SCHED_EXPONENTIAL;
    c->step_size = 3;
}
static void step_zero_fixed(gpbo_trainer_config *c)
{
    c->step_size = 0;
}
static void monitor_no_patience(gpbo_trainer_config *c)
{
    c->monitor = GPBO_TRAINER_MONITOR_VAL_LOSS;
}
static void min_delta_no_patience(gpbo_trainer_config *c)
{
    c->min_delta = 0.01;
}
static void tanh_linear(gpbo_trainer_config *c)
{
    c->model = "mlp";
    c->activation = GPBO_TRAINER_ACT_TANH;
}
static void tanh_linear_colon(gpbo_trainer_config *c)
{
    c->model = "mlp:";
    c->activation = GPBO_TRAINER_ACT_TANH;
}

static const refusal REFUSALS[] = {
    {momentum_adam, "momentum", "optimizer",
     "trainer setting momentum is SGD's (optimizer sgd), and optimizer is adam: it would be "
     "ignored"},
    {nesterov_rmsprop, "nesterov", "optimizer",
     "nesterov is SGD's (optimizer sgd), and optimizer "
     "is rmsprop"},
    {beta1_sgd, "beta1", "optimizer", "beta1 is Adam's (optimizer adam), and optimizer is sgd"},
    {beta2_rmsprop, "beta2", "optimizer",
     "beta2 is Adam's (optimizer adam), and optimizer is "
     "rmsprop"},
    {rho_adam, "rho", "optimizer", "rho is RMSprop's (optimizer rmsprop), and optimizer is adam"},
    {eps_sgd, "eps", "optimizer",
     "eps is Adam's and RMSprop's (optimizer adam or rmsprop), and "
     "optimizer is sgd"},
    {gamma_fixed, "gamma", "schedule",
     "gamma is the exponential and step schedules', and "
     "schedule is fixed"},
    {gamma_cosine, "gamma", "schedule", "and schedule is cosine: it would be ignored"},
    {step_exponential, "step_size", "schedule",
     "step_size is the step schedule's, and schedule "
     "is exponential"},
    {step_zero_fixed, "step_size", "schedule",
     "step_size is the step schedule's, and schedule is "
     "fixed"},
    {monitor_no_patience, "monitor", "patience",
     "monitor is early stopping's (patience > 0), and "
     "patience is 0"},
    {min_delta_no_patience, "min_delta", "patience",
     "min_delta is early stopping's (patience > "
     "0), and patience is 0"},
    {tanh_linear, "activation", "model", "activation is a hidden layer's, and model is mlp: it"},
    {tanh_linear_colon, "activation", "model",
     "activation is a hidden layer's, and model is "
     "mlp:: it"},
};
#define NREFUSALS (sizeof REFUSALS / sizeof *REFUSALS)

static void test_refused_naming_both(void **s)
{
    (void)s;
    gpbo_dataset *tr = random_ds(40, 5, 3, 1, 2.385), *va = random_ds(20, 5, 3, 2, 2.385);
    for (size_t i = 0; i < NREFUSALS; i++) {
        gpbo_trainer_config c = small_config();
        REFUSALS[i].set(&c);
        gpbo_trainer_result r;
        gpbo_error_clear();
        int rc = gpbo_trainer_run(&c, tr, va, NULL, &r);
        if (rc != GPBO_EINVAL || strstr(gpbo_error_message(), REFUSALS[i].why) == NULL)
            fail_msg("case %zu (%s): got %d '%s'; wanted GPBO_EINVAL with '%s'", i,
                     REFUSALS[i].setting, rc, gpbo_error_message(), REFUSALS[i].why);
    }
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

/* The same through the function gpbo train and the sweep file ask: the setting's decider named,
 * the same message. */
static void test_check_read_names_decider(void **s)
{
    (void)s;
    for (size_t i = 0; i < NREFUSALS; i++) {
        gpbo_trainer_config c = small_config();
        REFUSALS[i].set(&c);
        const char *on = "unset";
        assert_int_equal(gpbo_trainer_config_check_read(&c, REFUSALS[i].setting, &on), GPBO_EINVAL);
        assert_non_null(strstr(gpbo_error_message(), REFUSALS[i].why));
        assert_non_null(on);
        assert_string_equal(on, REFUSALS[i].decider);
        /* asked about the value, not only a changed one: the default is not read either */
        gpbo_trainer_config d = GPBO_TRAINER_CONFIG_INIT;
        d.optimizer = c.optimizer;
        d.schedule = c.schedule;
        d.patience = c.patience;
        d.model = c.model;
        assert_int_equal(gpbo_trainer_config_check_read(&d, REFUSALS[i].setting, NULL),
                         GPBO_EINVAL);
    }
    /* a setting every run reads, or no setting of the trainer's: read, no decider */
    const char *names[] = {"lr", "seed", "optimizer", "threads", "", "Momentum"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *on = "unset";
        assert_int_equal(gpbo_trainer_config_check_read(NULL, names[i], &on), GPBO_OK);
        assert_null(on);
    }
    /* NULL is the defaults (Adam, a fixed rate, no early stopping, mlp:256-128) */
    const char *on = NULL;
    assert_int_equal(gpbo_trainer_config_check_read(NULL, "momentum", &on), GPBO_EINVAL);
    assert_string_equal(on, "optimizer");
    assert_int_equal(gpbo_trainer_config_check_read(NULL, "beta1", &on), GPBO_OK);
    assert_int_equal(gpbo_trainer_config_check_read(NULL, "activation", &on), GPBO_OK);
    assert_string_equal(on, "model");
    assert_int_equal(gpbo_trainer_config_check_read(NULL, NULL, &on), GPBO_EINVAL);
    assert_null(on);
    gpbo_trainer_config bad = small_config();
    bad.version = GPBO_TRAINER_CONFIG_VERSION + 1;
    assert_int_equal(gpbo_trainer_config_check_read(&bad, "lr", NULL), GPBO_EINVAL);
    /* a version 1 config has no monitor: its default, read or not */
    gpbo_trainer_config v1;
    assert_int_equal(gpbo_trainer_config_init(&v1, 1), GPBO_OK);
    assert_int_equal(gpbo_trainer_config_check_read(&v1, "monitor", &on), GPBO_EINVAL);
    assert_string_equal(on, "patience");
    v1.patience = 3;
    assert_int_equal(gpbo_trainer_config_check_read(&v1, "monitor", &on), GPBO_OK);
}

/* Every optimizer, schedule, early stopping on or off and a model with or without a hidden
 * layer: the defaults run; so does every default written out where it is not read (a caller that
 * fills in every field), and every setting where it is read. */
static void test_defaults_and_read_values_run(void **s)
{
    (void)s;
    gpbo_dataset *tr = random_ds(40, 5, 3, 3, 2.385), *va = random_ds(20, 5, 3, 4, 2.385);
    const char *models[2] = {"mlp:8", "mlp"};
    gpbo_trainer_result r;
    for (int o = 0; o < GPBO_TRAINER_OPT_COUNT; o++)
        for (int k = 0; k < GPBO_TRAINER_SCHED_COUNT; k++)
            for (size_t p = 0; p < 2; p++)
                for (int m = 0; m < 2; m++) {
                    gpbo_trainer_config c = small_config();
                    c.optimizer = (gpbo_trainer_optimizer)o;
                    c.schedule = (gpbo_trainer_schedule)k;
                    c.patience = p;
                    c.model = models[m];
                    gpbo_error_clear();
                    int rc = gpbo_trainer_run(&c, tr, va, NULL, &r);
                    if (rc != GPBO_OK)
                        fail_msg("%s %s patience %zu %s: %d '%s'",
                                 gpbo_trainer_optimizer_name(c.optimizer),
                                 gpbo_trainer_schedule_name(c.schedule), p, c.model, rc,
                                 gpbo_error_message());
                    /* the defaults written out, as a caller filling every field does */
                    c.momentum = 0.9;
                    c.nesterov = 0;
                    c.beta1 = 0.9;
                    c.beta2 = 0.999;
                    c.rho = 0.99;
                    c.eps = 1e-8;
                    c.gamma = 0.95;
                    c.step_size = 10;
                    c.monitor = GPBO_TRAINER_MONITOR_VAL_ACCURACY;
                    c.min_delta = -0.0; /* 0 */
                    c.activation = GPBO_TRAINER_ACT_RELU;
                    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
                }
    /* each setting where it is read */
    gpbo_trainer_config c = small_config();
    c.optimizer = GPBO_TRAINER_OPT_SGD;
    c.momentum = 0.5;
    c.nesterov = 1;
    c.schedule = GPBO_TRAINER_SCHED_STEP;
    c.gamma = 0.5;
    c.step_size = 1;
    c.patience = 1;
    c.monitor = GPBO_TRAINER_MONITOR_VAL_LOSS;
    c.min_delta = 0.01;
    c.activation = GPBO_TRAINER_ACT_TANH;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    c = small_config();
    c.beta1 = 0.8;
    c.beta2 = 0.99;
    c.eps = 2.385e-6;
    c.schedule = GPBO_TRAINER_SCHED_EXPONENTIAL;
    c.gamma = 0.5;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    c = small_config();
    c.optimizer = GPBO_TRAINER_OPT_RMSPROP;
    c.rho = 0.9;
    c.eps = 2.385e-6;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    /* NULL: the defaults */
    assert_int_equal(gpbo_trainer_run(NULL, tr, va, NULL, &r), GPBO_OK);
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_naming_both),
        cmocka_unit_test(test_check_read_names_decider),
        cmocka_unit_test(test_defaults_and_read_values_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
