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
    double loss[64];
} history;

static int record(size_t epoch, double acc, double loss, void *payload)
{
    history *h = payload;
    assert_int_equal(epoch, h->n + 1);
    h->loss[h->n] = loss;
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
    history h = {{0}, 0, 0, {0}};
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
    history h2 = {{0}, 0, 2, {0}};
    c.patience = 0;
    c.payload = &h2;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_EUSER);
    assert_non_null(strstr(gpbo_error_message(), "after epoch 2 (it returned 1)"));
    assert_int_equal(r.epochs, 2);
    /* without early stopping the last epoch's weights are kept and scored, as trainer.h says */
    history h3 = {{0}, 0, 0, {0}};
    c.payload = &h3;
    c.epochs = 6;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
    assert_int_equal(r.epochs, 6);
    assert_int_equal(r.best_epoch, 6);
    assert_true(fabs(r.val_accuracy - h3.acc[5]) < 1e-12);
    gpbo_dataset_free(tr);
    gpbo_dataset_free(va);
}

/* Keras's rule, written out: the (1-based) epoch kept and the epochs run on curve v of n
 * epochs (lower is better when minimize). */
static void keras_rule(const double *v, size_t n, int minimize, size_t patience, double min_delta,
                       size_t *kept, size_t *ran)
{
    double best = minimize ? INFINITY : -INFINITY;
    size_t wait = 0;
    *kept = *ran = 0;
    for (size_t e = 1; e <= n; e++) {
        *ran = e;
        if (minimize ? v[e - 1] + min_delta < best : v[e - 1] - min_delta > best) {
            best = v[e - 1];
            *kept = e;
            wait = 0;
        } else if (++wait >= patience) {
            return;
        }
    }
}

/* n examples of random_ds's features labelled by a fixed linear teacher (the class of the
 * largest of x . w_c, w drawn from seed 2385), a share `noise` of them relabelled at random:
 * learnable, and overfitted in time. */
static gpbo_dataset *teacher_ds(size_t n, size_t d, size_t k, uint64_t seed, double noise)
{
    gpbo_dataset *ds = random_ds(n, d, k, seed, 1.0);
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    double w[64];
    for (size_t i = 0; i < d * k; i++)
        w[i] = gpbo_rng_normal(&r);
    gpbo_rng_seed(&r, seed + 1);
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        double top = -INFINITY;
        for (size_t c = 0; c < k; c++) {
            double z = 0.0;
            for (size_t j = 0; j < d; j++)
                z += (double)ds->x[i * d + j] * w[c * d + j];
            if (z > top) {
                top = z;
                best = c;
            }
        }
        ds->y[i] = gpbo_rng_uniform(&r) < noise ? (int32_t)gpbo_rng_below(&r, k) : (int32_t)best;
    }
    return ds;
}

/* Early stopping on the validation loss, end to end: the run stops where Keras's rule stops on
 * the losses the epoch callback saw, and the kept weights are those of its kept epoch (the lowest
 * loss with min_delta 0; rescored, they give that epoch's loss and accuracy). The labels are a
 * linear teacher's with a third of them noise, so the validation loss falls and then climbs as
 * the network learns the noise. Before, early stopping watched the accuracy alone. */
static void test_early_stopping_on_loss(void **s)
{
    (void)s;
    gpbo_dataset *tr = teacher_ds(80, 10, 3, 2, 0.35), *va = teacher_ds(200, 10, 3, 3, 0.35);
    const double deltas[2] = {0.0, 0.01};
    for (int k = 0; k < 2; k++) {
        gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
        c.model = "mlp:64";
        c.lr = 0.01;
        c.batch_size = 8;
        c.epochs = 60;
        c.patience = 3;
        c.min_delta = deltas[k];
        c.monitor = GPBO_TRAINER_MONITOR_VAL_LOSS;
        history h = {{0}, 0, 0, {0}};
        c.on_epoch = record;
        c.payload = &h;
        gpbo_trainer_result r;
        assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &r), GPBO_OK);
        assert_int_equal(h.n, r.epochs);
        size_t kept, ran;
        keras_rule(h.loss, h.n, 1, c.patience, c.min_delta, &kept, &ran);
        assert_int_equal(r.epochs, ran);
        assert_int_equal(r.best_epoch, kept);
        assert_true(r.epochs < 60); /* it did stop: patience spent */
        assert_int_equal(r.epochs, kept + 3);
        for (size_t e = 0; e < h.n && k == 0; e++) /* min_delta 0: the lowest loss, first */
            assert_true(h.loss[e] > h.loss[kept - 1] ||
                        (h.loss[e] == h.loss[kept - 1] && e + 1 >= kept));
        assert_true(fabs(r.val_loss - h.loss[kept - 1]) < 1e-12);
        assert_true(fabs(r.val_accuracy - h.acc[kept - 1]) < 1e-12);
        /* the accuracy's rule on the same run's curve, for the record: the same weights kept
         * only where the two curves agree on the best epoch */
        size_t acc_kept, acc_ran;
        keras_rule(h.acc, h.n, 0, c.patience, c.min_delta, &acc_kept, &acc_ran);
        printf("min_delta %g: stopped after %zu epochs, kept %zu (the accuracy's rule: %zu, "
               "%zu)\n",
               c.min_delta, r.epochs, kept, acc_ran, acc_kept);
    }
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
    /* augmentation of tabular data is refused naming the settings (it used to say only
     * "augmentation needs images") */
    assert_non_null(strstr(gpbo_error_message(), "shift and flip"));
    c.shift = 0;
    c.flip = 1;
    assert_int_equal(gpbo_trainer_run(&c, tr, va, NULL, &b), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "shift and flip"));
    c.flip = 0;
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
        cmocka_unit_test(test_early_stopping_on_loss),
        cmocka_unit_test(test_same_seed_same_result),
        cmocka_unit_test(test_fashion_mnist_slice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
