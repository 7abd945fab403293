/*
 * test_trainer_train.c: training end to end — a tiny dataset fitted to 100 %, early stopping
 * that stops and restores the best weights, the epoch callback stopping a run, the same seed
 * giving the same result, bad configurations, and a short run on a slice of the real
 * Fashion-MNIST (Debian's dataset-fashion-mnist).
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

static void test_fits_tiny_dataset(void **s)
{
    (void)s;
    gpbo_dataset *ds = random_ds(48, 10, 4, 1, 1.0);
    const gpbo_trainer_optimizer opts[3] = {GPBO_TRAINER_OPT_ADAM, GPBO_TRAINER_OPT_SGD,
                                            GPBO_TRAINER_OPT_RMSPROP};
    for (int o = 0; o < 3; o++) {
        gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
        c.model = "mlp:64";
        c.optimizer = opts[o];
        c.lr = opts[o] == GPBO_TRAINER_OPT_SGD ? 0.1 : 0.01;
        c.batch_size = 16;
        c.epochs = 150;
        gpbo_trainer_result r;
        assert_int_equal(gpbo_trainer_run(&c, ds, ds, NULL, &r), GPBO_OK);
        if (r.val_accuracy != 1.0)
            fail_msg("optimizer %d: accuracy %g on its own training set", o, r.val_accuracy);
        assert_true(r.val_f1 == 1.0 && r.val_loss < 0.1 && isnan(r.test_accuracy));
    }
    gpbo_dataset_free(ds);
}

typedef struct history {
    double acc[64];
    size_t n;
    size_t stop_after;
} history;

static int record(size_t epoch, double acc, double loss, void *payload)
{
    history *h = payload;
    (void)loss;
    assert_int_equal(epoch, h->n + 1);
    h->acc[h->n++] = acc;
    return h->stop_after && h->n >= h->stop_after;
}

static void test_early_stopping_restores(void **s)
{
    (void)s;
    /* validation labels unrelated to training: accuracy wanders, so patience triggers */
    gpbo_dataset *tr = random_ds(64, 10, 3, 2, 1.0), *va = random_ds(60, 10, 3, 3, 1.0);
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.model = "mlp:32";
    c.lr = 0.02;
    c.batch_size = 8;
    c.epochs = 60;
    c.patience = 3;
    history h = {{0}, 0, 0};
    c.on_epoch = record;
    c.payload = &h;
    gpbo_trainer_result r;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    assert_true(r.epochs < 60);
    assert_int_equal(h.n, r.epochs);
    size_t best = 0;
    for (size_t i = 1; i < h.n; i++)
        if (h.acc[i] > h.acc[best])
            best = i;
    assert_int_equal(r.best_epoch, best + 1);
    assert_int_equal(r.epochs, best + 1 + 3); /* stopped after 3 epochs without improvement */
    assert_true(fabs(r.val_accuracy - h.acc[best]) < 1e-12); /* the best weights are back */
    /* the callback stops a run */
    history h2 = {{0}, 0, 2};
    c.patience = 0;
    c.payload = &h2;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_EUSER);
    assert_non_null(strstr(gpbo_error_message(), "after epoch 2 (it returned 1)"));
    assert_int_equal(r.epochs, 2);
    /* without early stopping the last epoch's weights are kept and scored, as trainer.h says */
    history h3 = {{0}, 0, 0};
    c.payload = &h3;
    c.epochs = 6;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    assert_int_equal(r.epochs, 6);
    assert_int_equal(r.best_epoch, 6);
    assert_true(fabs(r.val_accuracy - h3.acc[5]) < 1e-12);
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

static void test_same_seed_same_result(void **s)
{
    (void)s;
    gpbo_dataset *tr = random_ds(100, 12, 3, 4, 1.0), *va = random_ds(30, 12, 3, 5, 1.0);
    assert_int_equal(gpbo_trainer_set_threads(1), GPBO_OK); /* the same bits: the same threads */
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.model = "mlp:16-8";
    c.dropout = 0.3;
    c.epochs = 5;
    c.seed = 11;
    gpbo_trainer_result a, b;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &a), GPBO_OK);
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &b), GPBO_OK);
    assert_true(a.train_loss == b.train_loss && a.val_loss == b.val_loss);
    c.seed = 12;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &b), GPBO_OK);
    assert_true(a.train_loss != b.train_loss);
    /* bad configurations */
    c.lr = -1;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &b), GPBO_EINVAL);
    c.lr = 0.01;
    c.model = "mlp:16-";
    c.epochs = 0;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &b), GPBO_EINVAL);
    c.epochs = 1;
    c.model = "transformer";
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &b), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "transformer"));
    c.model = "mlp:4";
    c.shift = 2;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &b), GPBO_EINVAL);
    /* threads: at least one; the result on one thread is the result again */
    assert_int_equal(gpbo_trainer_set_threads(0), GPBO_EINVAL);
    assert_int_equal(gpbo_trainer_set_threads(2), GPBO_OK);
    assert_int_equal(gpbo_trainer_set_threads(1), GPBO_OK);
    c = (gpbo_trainer_config)GPBO_TRAINER_CONFIG_INIT;
    c.model = "mlp:16-8";
    c.dropout = 0.3;
    c.epochs = 5;
    c.seed = 11;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &b), GPBO_OK);
    assert_true(a.train_loss == b.train_loss);
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

static void test_fashion_mnist_slice(void **s)
{
    (void)s;
    const char *d = "/usr/share/datasets/fashion-mnist";
    char img[256], lab[256];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte.gz", d);
    snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte.gz", d);
    gpbo_dataset *all = gpbo_dataset_load_idx(img, lab, 4000), *tr, *va;
    assert_non_null(all);
    assert_int_equal(all->rows, 28);
    assert_int_equal(gpbo_dataset_split(all, 0.25, 1, &tr, &va), GPBO_OK);
    gpbo_dataset_normalize(tr, va, NULL);
    const char *models[2] = {"mlp:128", "cnn:c8k5-p2-d32"};
    for (int m = 0; m < 2; m++) {
        gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
        c.model = models[m];
        c.epochs = 3;
        c.shift = (size_t)m;
        gpbo_trainer_result r;
        assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
        printf("%s on 3000 Fashion-MNIST images, 3 epochs: validation accuracy %.3f (%.2f s)\n",
               models[m], r.val_accuracy, r.seconds);
        assert_true(r.val_accuracy > 0.75);
    }
    gpbo_dataset_free(all);
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits_tiny_dataset),
        cmocka_unit_test(test_early_stopping_restores),
        cmocka_unit_test(test_same_seed_same_result),
        cmocka_unit_test(test_fashion_mnist_slice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
