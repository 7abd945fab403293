/*
 * torch_dump.c: for test_torch.py — builds an MLP with gpbo's trainer (seeded weights), runs
 * one forward and backward pass on a seeded batch and prints, as one JSON object, the
 * architecture, the weights, the batch, the mean cross-entropy and every parameter gradient.
 * Usage: torch_dump SPEC ACT   (ACT: relu or tanh)
 */
#include <stdio.h>
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
    if (argc != 3)
        return 2;
    gpbo_trainer_activation act =
        strcmp(argv[2], "tanh") == 0 ? GPBO_TRAINER_ACT_TANH : GPBO_TRAINER_ACT_RELU;
    const size_t B = 16, in = 20, classes = 5;
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    gpbo_net *net = gpbo_net_new(argv[1], act, 0.0, 1, 1, in, classes, B, &r);
    if (net == NULL)
        return 1;
    float x[16 * 20];
    int32_t y[16];
    for (size_t i = 0; i < B * in; i++)
        x[i] = (float)gpbo_rng_normal(&r);
    for (size_t i = 0; i < B; i++)
        y[i] = (int32_t)gpbo_rng_below(&r, classes);
    gpbo_net_forward(net, x, B, 1, &r);
    double loss = gpbo_net_loss(net, y, B, 1);
    gpbo_net_backward(net, x, B, NULL);
    printf("{\"act\": \"%s\", \"loss\": %.17g,\n", argv[2], loss);
    arr("x", x, B * in, 1);
    printf("\"y\": [");
    for (size_t i = 0; i < B; i++)
        printf("%s%d", i ? "," : "", y[i]);
    printf("],\n\"layers\": [\n");
    int first = 1;
    for (size_t i = 0; i < net->nl; i++) {
        gpbo_layer *l = &net->L[i];
        if (l->kind != GPBO_L_DENSE)
            continue;
        printf("%s{\"in\": %zu, \"out\": %zu,\n", first ? "" : ",", l->in, l->out);
        arr("W", l->W, l->nW, 1);
        arr("b", l->b, l->nb, 1);
        arr("dW", l->dW, l->nW, 1);
        arr("db", l->db, l->nb, 0);
        printf("}\n");
        first = 0;
    }
    printf("]}\n");
    gpbo_net_free(net);
    return 0;
}
