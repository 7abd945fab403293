/*
 * trainer_internal.h: the network, its layers and the optimizer step, shared by the files of
 * trainer/ and reached by the gradient-check tests through the object library. Hidden.
 */
#ifndef GPBO_TRAINER_INTERNAL_H
#define GPBO_TRAINER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gpbo/rng.h"
#include "gpbo/trainer.h"

typedef enum { GPBO_L_DENSE, GPBO_L_CONV, GPBO_L_POOL, GPBO_L_ACT, GPBO_L_DROPOUT } gpbo_lkind;

typedef struct gpbo_layer {
    gpbo_lkind kind;
    size_t in, out;    /* features per example */
    size_t c, h, w;    /* input shape (conv, pool) */
    size_t f, k;       /* conv filters and kernel size */
    size_t oc, oh, ow; /* output shape */
    float *W, *b, *dW, *db;
    size_t nW, nb;
    float *y;     /* Bmax * out: this layer's output */
    float *gin;   /* Bmax * in: gradient with respect to its input */
    int32_t *arg; /* pool: index of each output's maximum in the input */
    float *mask;  /* dropout: 0 or 1/(1-p) */
    float p;
    gpbo_trainer_activation act;
    float *cols, *tmp; /* conv: im2col (c k k x cb h w) and an (f x cb h w) scratch */
    size_t cb;         /* conv: images per chunk (the im2col of a chunk stays in cache) */
    float *xpad;       /* conv: one image zero-padded, c x (h + k - 1) x (w + k - 1) */
} gpbo_layer;

/* Bytes of im2col per convolution chunk, read when a network is created (tests lower it to
 * run the chunked path with one image a chunk). */
extern size_t gpbo_trainer__conv_chunk_bytes;

typedef struct gpbo_net {
    size_t nl;
    gpbo_layer *L;
    size_t in, classes, bmax;
    float *probs; /* bmax * classes */
    float *g;     /* bmax * classes: d loss / d logits */
    size_t nparams;
    int drops;  /* a dropout layer with p > 0: training forward passes draw masks */
    int shared; /* a replica: W and b are another network's (gpbo_net_replica) */
} gpbo_net;

/* Builds a network from a spec ("mlp:256-128", "cnn:c32k5-p2-d128") for inputs of shape
 * (channels, rows, cols) and `classes` outputs, batches of at most bmax, initialized from rng.
 * NULL with GPBO_EINVAL naming the problem in the spec, or GPBO_ENOMEM. */
gpbo_net *gpbo_net_new(const char *spec, gpbo_trainer_activation act, double dropout,
                       size_t channels, size_t rows, size_t cols, size_t classes, size_t bmax,
                       gpbo_rng *rng);
void gpbo_net_free(gpbo_net *net);

/* A replica of net for batches of at most bmax: the same layers, reading net's weights (W, b:
 * not copied, so it follows net's updates and must not outlive it), with activations,
 * gradients (dW, db) and scratch of its own, so that threads can each run a share of a batch.
 * NULL with GPBO_ENOMEM. Freed by gpbo_net_free (which leaves the weights to net). */
gpbo_net *gpbo_net_replica(const gpbo_net *net, size_t bmax);

/* Forward pass of B examples (B * in floats); train turns dropout on (masks drawn from rng:
 * one draw, the key of gpbo_net_forward_part, when the net has dropout). Returns the logits
 * (B * classes), owned by the net. */
const float *gpbo_net_forward(gpbo_net *net, const float *x, size_t B, int train, gpbo_rng *rng);

/* The same for examples first .. first + B - 1 of a batch whose dropout masks come from key:
 * example i's masks depend on (key, layer, i) only, so that a batch split into parts (one per
 * thread) draws the masks of the whole batch in one pass, whatever the split. */
const float *gpbo_net_forward_part(gpbo_net *net, const float *x, size_t B, int train, uint64_t key,
                                   size_t first);

/* Softmax cross-entropy of the last forward pass against labels y; fills probs and, when
 * want_grad, the gradient of the mean loss with respect to the logits. Returns the mean loss. */
double gpbo_net_loss(gpbo_net *net, const int32_t *y, size_t B, int want_grad);

/* The same for B examples that are part of a batch of `total`: returns the sum of their losses
 * and the gradient (when want_grad) is that of the batch's mean loss, (probs - onehot) / total,
 * so that the parts' parameter gradients add up to the batch's. */
double gpbo_net_loss_part(gpbo_net *net, const int32_t *y, size_t B, size_t total, int want_grad);

/* Backward pass after gpbo_net_loss(..., 1): fills every dW, db. x is the forward input.
 * When gin is not NULL it receives d loss / d x (B * in). */
void gpbo_net_backward(gpbo_net *net, const float *x, size_t B, float *gin);

#endif
