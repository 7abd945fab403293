/*
 * torch_dump.c: for test_torch.py — builds a network with gpbo's trainer (seeded weights), runs
 * one forward and backward pass on a seeded batch and prints, as one JSON object, the input
 * shape, every layer in order (dense and convolution layers with their weights and gradients,
 * activations, poolings), the batch, the mean cross-entropy and the input's gradient.
 * With DROPOUT, each dropout layer's masks (the factor each unit was multiplied by) and the
 * class probabilities of the same batch in evaluation mode are printed too.
 * Usage: torch_dump SPEC ACT [CHANNELS ROWS COLS [DROPOUT]]   (ACT: relu or tanh; the shape
 *        defaults to 1 x 1 x 20, tabular; DROPOUT to 0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/rng.h"
#include "trainer_internal.h"

static void arr(const char *name, const float *v, size_t n, int comma)
{
    printf("\"%s\": [", name);
    for (size_t i = 0; i < n; i++)
        printf("%s%.9g", i ? "," : "", (double)v[i]);
    printf("]%s\n", comma ? "," : "");
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 6 && argc != 7)
        return 2;
    gpbo_trainer_activation act =
        strcmp(argv[2], "tanh") == 0 ? GPBO_TRAINER_ACT_TANH : GPBO_TRAINER_ACT_RELU;
    size_t ch = 1, rows = 1, cols = 20;
    double dropout = argc == 7 ? atof(argv[6]) : 0.0;
    if (argc >= 6) {
        ch = strtoul(argv[3], NULL, 10);
        rows = strtoul(argv[4], NULL, 10);
        cols = strtoul(argv[5], NULL, 10);
    }
    const size_t B = 16, in = ch * rows * cols, classes = 5;
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    gpbo_net *net = gpbo_net_new(argv[1], act, dropout, ch, rows, cols, classes, B, &r);
    float *x = malloc(B * in * sizeof *x), *gin = malloc(B * in * sizeof *gin);
    int32_t y[16];
    if (net == NULL || x == NULL || gin == NULL)
        return 1;
    for (size_t i = 0; i < B * in; i++)
        x[i] = (float)gpbo_rng_normal(&r);
    for (size_t i = 0; i < B; i++)
        y[i] = (int32_t)gpbo_rng_below(&r, classes);
    gpbo_net_forward(net, x, B, 1, &r);
    double loss = gpbo_net_loss(net, y, B, 1);
    gpbo_net_backward(net, x, B, gin);
    printf("{\"dropout\": %.9g, \"act\": \"%s\", \"loss\": %.17g, \"shape\": [%zu, %zu, %zu],\n",
           dropout, argv[2], loss, ch, rows, cols);
    arr("x", x, B * in, 1);
    arr("dx", gin, B * in, 1);
    printf("\"y\": [");
    for (size_t i = 0; i < B; i++)
        printf("%s%d", i ? "," : "", y[i]);
    printf("],\n\"layers\": [\n");
    for (size_t i = 0; i < net->nl; i++) {
        gpbo_layer *l = &net->L[i];
        static const char *const kinds[] = {"dense", "conv", "pool", "act", "dropout"};
        printf("%s{\"kind\": \"%s\", \"in\": %zu, \"out\": %zu", i ? "," : "", kinds[l->kind],
               l->in, l->out);
        if (l->kind == GPBO_L_CONV)
            printf(", \"c\": %zu, \"f\": %zu, \"k\": %zu", l->c, l->f, l->k);
        if (l->kind == GPBO_L_DENSE || l->kind == GPBO_L_CONV) {
            printf(",\n");
            arr("W", l->W, l->nW, 1);
            arr("b", l->b, l->nb, 1);
            arr("dW", l->dW, l->nW, 1);
            arr("db", l->db, l->nb, 0);
        }
        if (l->kind == GPBO_L_DROPOUT) {
            printf(",\n");
            arr("mask", l->mask, B * l->out, 0);
        }
        printf("}\n");
    }
    printf("],\n");
    /* the same batch in evaluation mode, where dropout passes its input unchanged */
    gpbo_net_forward(net, x, B, 0, &r);
    gpbo_net_loss(net, y, B, 0);
    arr("eval_probs", net->probs, B * classes, 0);
    printf("}\n");
    free(x);
    free(gin);
    gpbo_net_free(net);
    return 0;
}
