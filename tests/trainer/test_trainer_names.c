/*
 * test_trainer_names.c: the trainer's tables of activation, optimizer, schedule and early
 * stopping monitor names are
 * the one list there is (gpbo train and the sweep's trainer section ask them), each enum's
 * _COUNT bounds its table, and a config holding a _COUNT value is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/trainer.h"

static void test_names(void **state)
{
    (void)state;
    static const char *const act[] = {"relu", "tanh"};
    static const char *const opt[] = {"sgd", "adam", "rmsprop"};
    static const char *const sched[] = {"fixed", "exponential", "step", "cosine"};
    assert_int_equal(GPBO_TRAINER_ACT_COUNT, 2);
    assert_int_equal(GPBO_TRAINER_OPT_COUNT, 3);
    assert_int_equal(GPBO_TRAINER_SCHED_COUNT, 4);
    for (int i = 0; i < GPBO_TRAINER_ACT_COUNT; i++)
        assert_string_equal(gpbo_trainer_activation_name((gpbo_trainer_activation)i), act[i]);
    for (int i = 0; i < GPBO_TRAINER_OPT_COUNT; i++)
        assert_string_equal(gpbo_trainer_optimizer_name((gpbo_trainer_optimizer)i), opt[i]);
    for (int i = 0; i < GPBO_TRAINER_SCHED_COUNT; i++)
        assert_string_equal(gpbo_trainer_schedule_name((gpbo_trainer_schedule)i), sched[i]);
    assert_string_equal(gpbo_trainer_optimizer_name(GPBO_TRAINER_OPT_ADAM), "adam");
    assert_null(gpbo_trainer_activation_name(GPBO_TRAINER_ACT_COUNT));
    assert_null(gpbo_trainer_optimizer_name(GPBO_TRAINER_OPT_COUNT));
    assert_null(gpbo_trainer_schedule_name(GPBO_TRAINER_SCHED_COUNT));
    assert_null(gpbo_trainer_optimizer_name((gpbo_trainer_optimizer)-1));
    assert_int_equal(GPBO_TRAINER_MONITOR_COUNT, 2);
    assert_string_equal(gpbo_trainer_monitor_name(GPBO_TRAINER_MONITOR_VAL_ACCURACY),
                        "val_accuracy");
    assert_string_equal(gpbo_trainer_monitor_name(GPBO_TRAINER_MONITOR_VAL_LOSS), "val_loss");
    assert_null(gpbo_trainer_monitor_name(GPBO_TRAINER_MONITOR_COUNT));
    assert_null(gpbo_trainer_monitor_name((gpbo_trainer_monitor)-1));
}

/* A two-class dataset of 8 examples with 3 features. */
static gpbo_dataset *tiny(void)
{
    static float x[24];
    static int32_t y[8];
    for (int i = 0; i < 24; i++)
        x[i] = (float)((i * 7) % 5) * 0.25f;
    for (int i = 0; i < 8; i++)
        y[i] = i % 2;
    static gpbo_dataset d;
    d = (gpbo_dataset){
        .n = 8, .features = 3, .classes = 2, .channels = 1, .rows = 1, .cols = 3, .x = x, .y = y};
    return &d;
}

static void test_count_values_are_refused(void **state)
{
    (void)state;
    gpbo_dataset *d = tiny();
    gpbo_trainer_result r;
    for (int k = 0; k < 3; k++) {
        gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
        c.model = "mlp:4";
        c.epochs = 1;
        if (k == 0)
            c.activation = GPBO_TRAINER_ACT_COUNT;
        else if (k == 1)
            c.optimizer = GPBO_TRAINER_OPT_COUNT;
        else
            c.schedule = GPBO_TRAINER_SCHED_COUNT;
        gpbo_error_clear();
        assert_int_equal(gpbo_trainer_run(&c, d, d, NULL, &r), GPBO_EINVAL);
        assert_non_null(strstr(gpbo_error_message(), "unknown optimizer, schedule or activation"));
    }
    gpbo_trainer_config m = GPBO_TRAINER_CONFIG_INIT;
    m.model = "mlp:4";
    m.epochs = 1;
    m.monitor = GPBO_TRAINER_MONITOR_COUNT;
    gpbo_error_clear();
    assert_int_equal(gpbo_trainer_run(&m, d, d, NULL, &r), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "monitor 2 is none of early stopping's"));
    /* the last valid value of each still runs */
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.model = "mlp:4";
    c.epochs = 1;
    c.activation = GPBO_TRAINER_ACT_TANH;
    c.optimizer = GPBO_TRAINER_OPT_RMSPROP;
    c.schedule = GPBO_TRAINER_SCHED_COSINE;
    assert_int_equal(gpbo_trainer_run(&c, d, d, NULL, &r), GPBO_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_count_values_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
