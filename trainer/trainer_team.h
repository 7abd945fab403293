/*
 * trainer_team.h: batch-level parallelism (team.c) — threads that each run a share of a
 * mini-batch on a replica of the network, the gradients summed in a fixed order. Hidden;
 * shared with the tests and the bench.
 */
#ifndef GPBO_TRAINER_TEAM_H
#define GPBO_TRAINER_TEAM_H

#include <pthread.h>

#include "trainer_internal.h"

typedef struct gpbo_team gpbo_team;
struct gpbo_optim;

/* A team of `threads` (the caller's included; at most net->bmax) for net: threads - 1 worker
 * threads, kept until gpbo_team_free, and as many replicas of net. With 1 the calls run in the
 * caller on net alone, the same floats as gpbo_net_forward / _loss / _backward. The matrix
 * products inside run on however many threads OpenBLAS is set to: the trainer sets it to 1
 * for a team of more. NULL with GPBO_ENOMEM (memory, or a thread that could not start). */
gpbo_team *gpbo_team_new(gpbo_net *net, size_t threads);
void gpbo_team_free(gpbo_team *t);

/* Forward (dropout on, its masks keyed by one draw from rng when the net has dropout), loss and
 * backward of B examples (at most net->bmax), the i-th share of them on thread i, then the
 * optimizer's step o at learning rate lr, every thread taking a part of the parameters: it sums
 * that part's gradient over the shares into net's dW and db, in share order (deterministic for a
 * number of threads; across numbers only the order of float sums differs), and steps it.
 * Returns the batch's mean loss. */
double gpbo_team_train_step(gpbo_team *t, const float *x, const int32_t *y, size_t B, gpbo_rng *rng,
                            struct gpbo_optim *o, double lr);

/* The forward, loss and backward of gpbo_team_train_step alone (no step): each share's
 * gradient stays in its replica until gpbo_team_reduce sums them into net's dW and db (with one
 * thread they are there already). Returns the batch's mean loss. */
double gpbo_team_grad(gpbo_team *t, const float *x, const int32_t *y, size_t B, gpbo_rng *rng);
void gpbo_team_reduce(gpbo_team *t);

/* Forward (no dropout) and loss of B examples in shares; net->probs holds all B rows of
 * probabilities. Returns the mean loss over the labels y. */
double gpbo_team_infer(gpbo_team *t, const float *x, const int32_t *y, size_t B);

/* The team's threads, and the thread that ran share k in the last call (tests: the threads are
 * really there). */
size_t gpbo_team_threads(const gpbo_team *t);
gpbo_net *gpbo_team_net(const gpbo_team *t);
pthread_t gpbo_team_ran(const gpbo_team *t, size_t k);

#endif
