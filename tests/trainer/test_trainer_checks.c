/*
 * test_trainer_checks.c: what gpbo_trainer_run refuses and reports — labels outside the
 * network's outputs and shapes that do not make the features (the dataset struct is public, so
 * an embedder fills it by hand), non-finite hyperparameters, a step schedule of period 0, and a
 * run whose loss diverges (reported as GPBO_EOPTIM, never as a success scored on NaN weights).
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
#include "gpbo/rng.h"
#include "gpbo/trainer.h"
#include "trainer_testdata.h"

/* The run fails with code, its message holding want. */
static void refuses(const gpbo_trainer_config *c, const gpbo_dataset *tr, const gpbo_dataset *va,
                    const gpbo_dataset *te, int code, const char *want)
{
    gpbo_trainer_result r;
    int rc = gpbo_trainer_run(c, tr, va, te, &r);
    if (rc != code || strstr(gpbo_error_message(), want) == NULL)
        fail_msg("got %d '%s'; wanted %d with '%s'", rc, gpbo_error_message(), code, want);
}

static void test_labels_out_of_range(void **s)
{
    (void)s;
    gpbo_dataset *tr = random_ds(40, 5, 3, 1, 2.385), *va = random_ds(20, 5, 3, 2, 2.385),
                 *te = random_ds(20, 5, 3, 3, 2.385);
    gpbo_trainer_config c = small_config();
    gpbo_trainer_result r;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, te, &r), GPBO_OK);
    /* a label past the outputs would index past the softmax and the confusion matrix */
    tr->y[7] = 3;
    refuses(&c, tr, va, te, GPBO_EINVAL, "training set's example 7 has label 3");
    tr->y[7] = -1;
    refuses(&c, tr, va, te, GPBO_EINVAL, "training set's example 7 has label -1");
    tr->y[7] = 0;
    va->y[19] = 1000000;
    refuses(&c, tr, va, te, GPBO_EINVAL, "validation set's example 19 has label 1000000");
    va->y[19] = 2;
    te->y[0] = 3;
    refuses(&c, tr, va, te, GPBO_EINVAL, "test set's example 0 has label 3");
    te->y[0] = 2;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, te, &r), GPBO_OK);
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
    gpbo_dataset_free(te);
}

static void test_shape_and_arrays(void **s)
{
    (void)s;
    gpbo_dataset *tr = random_ds(40, 12, 3, 4, 2.385), *va = random_ds(20, 12, 3, 5, 2.385);
    gpbo_trainer_config c = small_config();
    /* 2 x 3 x 2 = 12: an image shape that makes the features is fine, also for a CNN */
    tr->channels = va->channels = 2;
    tr->rows = va->rows = 3;
    tr->cols = va->cols = 2;
    gpbo_trainer_result r;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    c.model = "cnn:c4k3-d8";
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    /* 2 x 4 x 2 = 16 > 12: the network would read past every example */
    tr->rows = 4;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "training set's shape 2 x 4 x 2");
    tr->rows = 3;
    va->cols = 1;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "validation set's shape 2 x 3 x 1");
    va->cols = 0;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "validation set's shape 2 x 3 x 0");
    va->cols = 2;
    float *x = va->x;
    va->x = NULL;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "validation set's x or y is NULL");
    va->x = x;
    /* a NaN input is named, not left to look like a learning rate that diverged */
    tr->x[5 * 12 + 7] = NAN;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "training set's example 5 has feature 7 = nan");
    tr->x[5 * 12 + 7] = 0.5f;
    va->x[19 * 12 + 11] = -INFINITY;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "validation set's example 19 has feature 11 = -inf");
    va->x[19 * 12 + 11] = 0.5f;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    /* no model: named, not "bad network arguments" */
    const char *model = c.model;
    c.model = NULL;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "trainer: model is NULL");
    c.model = model;
    /* the same 12 features in another image shape (1 x 2 x 6, 2 x 2 x 3): the network would
     * score them as if they were images of the training set's shape; refused for a CNN and,
     * pixels of one geometry being no pixels of another, for an MLP too */
    gpbo_dataset *te = random_ds(10, 12, 3, 6, 2.385);
    te->channels = 1;
    te->rows = 2;
    te->cols = 6;
    refuses(&c, tr, va, te, GPBO_EINVAL,
            "test set's examples are 1 x 2 x 6 (channels x rows x cols), the training set's 2 x "
            "3 x 2");
    c.model = "mlp:8";
    refuses(&c, tr, va, te, GPBO_EINVAL, "test set's examples are 1 x 2 x 6");
    va->rows = 2;
    va->cols = 3;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "validation set's examples are 2 x 2 x 3");
    va->rows = 3;
    va->cols = 2;
    te->channels = 2;
    te->rows = 3;
    te->cols = 2;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, te, &r), GPBO_OK);
    gpbo_dataset_free(te);
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

/* A CNN whose poolings shrink the image below 2 x 2, or a convolution after a dense layer:
 * the message says which layer and why, not just where the text stopped being read. */
static void test_cnn_too_small(void **s)
{
    (void)s;
    gpbo_dataset *tr = random_ds(40, 36, 3, 10, 2.385), *va = random_ds(20, 36, 3, 11, 2.385);
    tr->rows = va->rows = tr->cols = va->cols = 6;
    gpbo_trainer_config c = small_config();
    gpbo_trainer_result r;
    c.model = "cnn:c2k5-p2-c2k3-p2-d8"; /* 6 -> 3 -> 1: fine, a 5 x 5 kernel on 6 x 6 too */
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    c.model = "cnn:c2k3-p2-p2-p2";
    refuses(&c, tr, va, NULL, GPBO_EINVAL,
            "2 x 2 pooling needs an input of at least 2 x 2, and its input here is 1 x 1 "
            "(near 'p2')");
    c.model = "cnn:d8-c4k3";
    refuses(&c, tr, va, NULL, GPBO_EINVAL,
            "no convolution or pooling after a dense layer (near "
            "'c4k3')");
    c.model = "cnn:c4k4";
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "near 'c4k4'");
    /* a shift of at most a side is fine (as RandomAffine's translate <= 1); more only blanks
     * the images, and SIZE_MAX overflowed the shift's signed arithmetic */
    c.model = "mlp:8";
    c.shift = 6;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    c.shift = 7;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "shift 7 is more than the images' sides (6 x 6)");
    c.shift = SIZE_MAX;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "is more than the images' sides");
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

static void test_hyperparameters_finite(void **s)
{
    (void)s;
    gpbo_dataset *tr = random_ds(40, 5, 3, 6, 2.385), *va = random_ds(20, 5, 3, 7, 2.385);
    gpbo_trainer_config c = small_config();
    c.weight_decay = INFINITY;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "weight_decay inf");
    c.weight_decay = 0.0;
    c.l1 = INFINITY;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "l1 inf");
    c.l1 = 0.0;
    c.schedule = GPBO_TRAINER_SCHED_EXPONENTIAL;
    c.gamma = INFINITY;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "gamma inf");
    c.gamma = 0.95;
    c.eps = INFINITY;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "eps inf");
    c.eps = 1e-8;
    /* an infinite min_delta made every epoch after the first "no improvement": early stopping
     * kept the first epoch's weights whatever came after, though the message said "finite" */
    c.patience = 2;
    c.min_delta = INFINITY;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "min_delta inf");
    c.min_delta = NAN;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "min_delta nan");
    c.min_delta = 0.0;
    c.patience = 0;
    c.batch_size = 0;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "batch size 0 (1 to 65536)");
    c.batch_size = 65537;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "batch size 65537 (1 to 65536)");
    c.batch_size = 16;
    /* StepLR divides by its period: 0 is refused, not quietly taken as 1 */
    c.schedule = GPBO_TRAINER_SCHED_STEP;
    c.step_size = 0;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "step_size >= 1");
    c.step_size = 1;
    /* as PyTorch's SGD: Nesterov without momentum is refused, not run as plain SGD */
    gpbo_trainer_optimizer opt = c.optimizer;
    c.optimizer = GPBO_TRAINER_OPT_SGD;
    c.nesterov = 1;
    c.momentum = 0.0;
    refuses(&c, tr, va, NULL, GPBO_EINVAL, "Nesterov momentum needs a momentum > 0");
    c.optimizer = opt;
    c.nesterov = 0;
    c.momentum = 0.9; /* SGD's: Adam would not read momentum 0 (test_trainer_unread) */
    gpbo_trainer_result r;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    /* step_size is only read by the step schedule: 0 with another schedule is not the step
     * schedule's "step_size >= 1", and not taken either (it would be ignored): refused naming
     * both settings (test_trainer_unread has every such pair) */
    c.schedule = GPBO_TRAINER_SCHED_FIXED;
    c.step_size = 0;
    refuses(&c, tr, va, NULL, GPBO_EINVAL,
            "step_size is the step schedule's, and schedule is fixed: it would be ignored");
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

static void test_divergence_reported(void **s)
{
    (void)s;
    gpbo_dataset *tr = random_ds(64, 10, 3, 8, 2.385), *va = random_ds(32, 10, 3, 9, 2.385);
    gpbo_trainer_config c = small_config();
    c.model = "mlp:16";
    c.optimizer = GPBO_TRAINER_OPT_SGD;
    c.lr = 1e6; /* the loss explodes within a few epochs */
    c.epochs = 20;
    gpbo_trainer_result r;
    memset(&r, 0, sizeof r);
    int rc = gpbo_trainer_run(&c, tr, va, va, &r);
    if (rc != GPBO_EOPTIM)
        fail_msg("diverging run: code %d, train loss %g, val accuracy %g", rc, r.train_loss,
                 r.val_accuracy);
    assert_non_null(strstr(gpbo_error_message(), "diverged in epoch"));
    /* the losses as nan, not "-nan" (NaN's sign bit, which printf shows, means nothing) */
    if (strstr(gpbo_error_message(), "-nan") != NULL)
        fail_msg("%s", gpbo_error_message());
    assert_true(r.epochs >= 1 && r.epochs < 20);
    /* no finite weights kept: no score pretends to measure them */
    assert_true(isnan(r.val_accuracy) && isnan(r.val_f1) && isnan(r.val_loss));
    assert_true(isnan(r.test_accuracy) && isnan(r.test_loss));
    assert_int_equal(r.best_epoch, r.epochs);
    /* early stopping kept a finite first epoch: it is restored and scored */
    c.lr = 3e3;
    c.patience = 50;
    memset(&r, 0, sizeof r);
    rc = gpbo_trainer_run(&c, tr, va, NULL, &r);
    if (rc != GPBO_EOPTIM)
        fail_msg("diverging run with patience: code %d, train loss %g, epochs %zu", rc,
                 r.train_loss, r.epochs);
    assert_true(r.epochs > 1);
    assert_true(r.best_epoch >= 1 && r.best_epoch < r.epochs);
    assert_true(isfinite(r.val_loss) && r.val_accuracy >= 0.0 && r.val_accuracy <= 1.0);
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

int main(void)
{
    gpbo_trainer_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_out_of_range), cmocka_unit_test(test_shape_and_arrays),
        cmocka_unit_test(test_cnn_too_small),       cmocka_unit_test(test_hyperparameters_finite),
        cmocka_unit_test(test_divergence_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
