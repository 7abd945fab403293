/*
 * trainer_testdata.h: a dataset of random examples for the trainer's tests.
 */
#ifndef GPBO_TESTS_TRAINER_TESTDATA_H
#define GPBO_TESTS_TRAINER_TESTDATA_H

#include <stdint.h>
#include <stdlib.h>

#include "gpbo/rng.h"
#include "gpbo/trainer.h"

/* n examples of d features (normal, times scale) and random labels of k classes (only
 * memorization can fit them), one channel of 1 x d; free with gpbo_dataset_free. */
static inline gpbo_dataset *random_ds(size_t n, size_t d, size_t k, uint64_t seed, double scale)
{
    gpbo_dataset *ds = calloc(1, sizeof *ds);
    ds->n = n;
    ds->features = d;
    ds->classes = k;
    ds->channels = ds->rows = 1;
    ds->cols = d;
    ds->x = malloc(n * d * sizeof *ds->x);
    ds->y = malloc(n * sizeof *ds->y);
    gpbo_rng r;
    gpbo_rng_seed(&r, seed);
    for (size_t i = 0; i < n * d; i++)
        ds->x[i] = (float)(scale * gpbo_rng_normal(&r));
    for (size_t i = 0; i < n; i++)
        ds->y[i] = (int32_t)gpbo_rng_below(&r, k);
    return ds;
}

/* A small run for the checks' tests: an 8-unit MLP, batches of 16, 2 epochs. */
static inline gpbo_trainer_config small_config(void)
{
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    c.model = "mlp:8";
    c.batch_size = 16;
    c.epochs = 2;
    return c;
}

#endif
