/*
 * trainer_optim.h: the optimizer state and step, the schedule and evaluation, shared with the
 * tests (hidden).
 */
#ifndef GPBO_TRAINER_OPTIM_H
#define GPBO_TRAINER_OPTIM_H

#include "trainer_internal.h"

typedef struct gpbo_optim {
    const gpbo_trainer_config *cfg;
    float *m, *v; /* first / second moments (or momentum buffers), one per parameter */
    float *g;     /* scratch: the gradient with its penalties, one layer's worth */
    size_t t;     /* steps taken */
} gpbo_optim;

int gpbo_trainer__optim_init(gpbo_optim *o, const gpbo_trainer_config *c, gpbo_net *net);
void gpbo_trainer__optim_free(gpbo_optim *o);
/* One step over every parameter of net with its current gradients. */
void gpbo_trainer__optim_step(gpbo_optim *o, gpbo_net *net, double lr);
/* The learning rate of a (0-based) epoch. */
double gpbo_trainer__lr_at(const gpbo_trainer_config *c, size_t epoch);
/* Accuracy, macro-F1 and mean cross-entropy of net on ds. */
int gpbo_trainer__evaluate(gpbo_net *net, const gpbo_dataset *ds, double *acc, double *f1,
                           double *loss);

#endif
