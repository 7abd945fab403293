/*
 * optim_dump.c: for test_optim_torch.py — trains a small MLP with gpbo's optimizer step, as
 * gpbo_trainer_run's epochs take it (the team's step at THREADS threads, the epoch's rate from
 * the schedule), over a fixed order of batches whose last one is partial, and prints as one
 * JSON object the data, the first weights, every step's loss and the last weights.
 * Usage: optim_dump OPT LR MOMENTUM NESTEROV WEIGHT_DECAY L1 SCHEDULE GAMMA STEP_SIZE WARMUP
 *        EPOCHS THREADS [MODEL]   (OPT and SCHEDULE: the trainer's names; MODEL mlp:12-8 unless
 *        given, "mlp:" for no hidden layer)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/rng.h"
#include "trainer_internal.h"
#include "trainer_optim.h"
#include "trainer_team.h"

enum { N = 50, IN = 20, CLASSES = 5, BATCH = 16 };

static void arr(const char *name, const float *v, size_t n)
{
    printf("\"%s\": [", name);
    for (size_t i = 0; i < n; i++)
        printf("%s%.9g", i ? "," : "", (double)v[i]);
    printf("],\n");
}

static void layers(const char *name, const gpbo_net *net)
{
    printf("\"%s\": [", name);
    int first = 1;
    for (size_t i = 0; i < net->nl; i++) {
        const gpbo_layer *l = &net->L[i];
        if (l->kind != GPBO_L_DENSE)
            continue;
        printf("%s{\"in\": %zu, \"out\": %zu,\n", first ? "" : ",", l->in, l->out);
        arr("W", l->W, l->nW);
        printf("\"b\": [");
        for (size_t k = 0; k < l->nb; k++)
            printf("%s%.9g", k ? "," : "", (double)l->b[k]);
        printf("]}\n");
        first = 0;
    }
    printf("],\n");
}

static int named(const char *(*name)(int), int count, const char *v)
{
    for (int i = 0; i < count; i++)
        if (!strcmp(name(i), v))
            return i;
    return -1;
}
static const char *opt_name(int i)
{
    return gpbo_trainer_optimizer_name((gpbo_trainer_optimizer)i);
}
static const char *sched_name(int i)
{
    return gpbo_trainer_schedule_name((gpbo_trainer_schedule)i);
}

int main(int argc, char **argv)
{
    if (argc != 13 && argc != 14)
        return 2;
    gpbo_trainer_config c = GPBO_TRAINER_CONFIG_INIT;
    int opt = named(opt_name, GPBO_TRAINER_OPT_COUNT, argv[1]);
    int sched = named(sched_name, GPBO_TRAINER_SCHED_COUNT, argv[7]);
    if (opt < 0 || sched < 0)
        return 2;
    c.optimizer = (gpbo_trainer_optimizer)opt;
    c.lr = atof(argv[2]);
    c.momentum = atof(argv[3]);
    c.nesterov = atoi(argv[4]);
    c.weight_decay = atof(argv[5]);
    c.l1 = atof(argv[6]);
    c.schedule = (gpbo_trainer_schedule)sched;
    c.gamma = atof(argv[8]);
    c.step_size = strtoul(argv[9], NULL, 10);
    c.warmup_epochs = strtoul(argv[10], NULL, 10);
    c.epochs = strtoul(argv[11], NULL, 10);
    size_t threads = strtoul(argv[12], NULL, 10);
    gpbo_rng r;
    gpbo_rng_seed(&r, 2385);
    gpbo_net *net = gpbo_net_new(argc == 14 ? argv[13] : "mlp:12-8", GPBO_TRAINER_ACT_RELU, 0.0, 1,
                                 1, IN, CLASSES, BATCH, &r);
    if (net == NULL)
        return 1;
    static float x[N * IN];
    static int32_t y[N];
    for (size_t i = 0; i < N * IN; i++)
        x[i] = (float)gpbo_rng_normal(&r);
    for (size_t i = 0; i < N; i++)
        y[i] = (int32_t)gpbo_rng_below(&r, CLASSES);
    printf("{\"batch\": %d,\n", BATCH);
    arr("x", x, N * IN);
    printf("\"y\": [");
    for (size_t i = 0; i < N; i++)
        printf("%s%d", i ? "," : "", y[i]);
    printf("],\n");
    layers("first", net);
    gpbo_team *team = gpbo_team_new(net, threads);
    gpbo_optim o;
    if (team == NULL || gpbo_trainer__optim_init(&o, &c, net) != 0)
        return 1;
    printf("\"losses\": [");
    for (size_t e = 0; e < c.epochs; e++) {
        double lr = gpbo_trainer__lr_at(&c, e);
        for (size_t s = 0; s < N; s += BATCH) {
            size_t b = N - s < BATCH ? N - s : BATCH;
            double loss = gpbo_team_train_step(team, x + s * IN, y + s, b, &r, &o, lr);
            printf("%s%.9g", e + s ? "," : "", loss);
        }
    }
    printf("],\n");
    layers("last", net);
    printf("\"threads\": %zu}\n", gpbo_team_threads(team));
    gpbo_trainer__optim_free(&o);
    gpbo_team_free(team);
    gpbo_net_free(net);
    return 0;
}
