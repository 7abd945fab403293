/*
 * trainer_optim.h: the optimizer state and step, the schedule and evaluation, shared with the
 * tests (hidden).
 */
#ifndef GPBO_TRAINER_OPTIM_H
#define GPBO_TRAINER_OPTIM_H

#include "trainer_internal.h"
#include "trainer_team.h"

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
/* The same step (o->t already counted) for part `part` of `parts` of every layer's weights and
 * biases (elements [n part / parts, n (part + 1) / parts)), with scratch for the largest
 * part: threads can each take a part. The step of all parts is optim_step's, to the bit. */
void gpbo_trainer__optim_part(const gpbo_optim *o, gpbo_net *net, size_t part, size_t parts,
                              double lr, float *scratch);
/* The learning rate of a (0-based) epoch. */
double gpbo_trainer__lr_at(const gpbo_trainer_config *c, size_t epoch);
/* Accuracy, macro-F1 and mean cross-entropy of the team's network on ds, the batches split
 * over the team. */
int gpbo_trainer__evaluate(gpbo_team *team, const gpbo_dataset *ds, double *acc, double *f1,
                           double *loss);
/* Early stopping's rule, apart from the weights it keeps (Keras's EarlyStopping and PyTorch
 * Lightning's, which agree): an epoch improves when its value beats the kept epoch's by more
 * than min_delta (the accuracy above best + min_delta, the loss below best - min_delta; the
 * first epoch always), and training stops once `patience` epochs in a row have not (never with
 * patience 0). */
typedef struct gpbo_early_stop {
    int minimize;     /* the monitored value is a loss */
    double min_delta; /* >= 0 */
    size_t patience;  /* 0: never stop */
    double best;      /* the kept epoch's value */
    size_t kept;      /* 1-based epoch kept, 0 before the first */
    size_t wait;      /* epochs since the kept one */
} gpbo_early_stop;

/* The rule for config c: its monitor, min_delta and patience, nothing kept yet. */
void gpbo_trainer__stop_init(gpbo_early_stop *s, const gpbo_trainer_config *c);
/* Epoch `epoch` (1-based) scored `value`: sets *improved (its weights are to be kept) and
 * returns 1 when training is to stop after it, else 0. Cannot fail. */
int gpbo_trainer__stop_step(gpbo_early_stop *s, size_t epoch, double value, int *improved);

/* The threads a run uses: gpbo_trainer_set_threads's count, or, until it is called,
 * OpenBLAS's (OPENBLAS_NUM_THREADS, else the cores). */
int gpbo_trainer__threads(void);
/* The threads of the last run's team (tests: the count asked for is the count used). */
extern _Atomic size_t gpbo_trainer__last_threads;

#endif
