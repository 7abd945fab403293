/*
 * team.c: batch-level parallelism. A step's mini-batch is split over T threads; each runs the
 * forward and backward passes of its share on its own replica of the network (the weights
 * shared, activations, gradients and scratch its own) with single-threaded matrix products,
 * and the replicas' gradients are then summed into the network's, in the order of the shares,
 * so that the result does not depend on which thread finished first. On the CNN's small
 * matrices this scales better than OpenBLAS's threads inside each sgemm (bench/trainer).
 * The threads (T - 1 of them; the caller runs share 0) live as long as the team.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "trainer_optim.h"
#include "trainer_team.h"

/* JOB_STEP: a part of every layer's gradient summed over the shares, and the optimizer's step
 * of that part at once (while it is in cache); the parts are the same for both, so no thread
 * waits for another between them. */
typedef enum { JOB_GRAD, JOB_INFER, JOB_STEP, JOB_QUIT } job_kind;

struct gpbo_team {
    gpbo_net *net;  /* share 0's network: the weights, and the batch's gradients */
    size_t T;       /* threads, the caller's included */
    gpbo_net **rep; /* rep[0] = net, rep[k] share k's replica */
    pthread_t *tid; /* T - 1 workers; worker k - 1 runs share k */
    size_t started; /* workers created */
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long gen; /* incremented for every job */
    size_t pending;    /* workers not done with the current job */
    /* the current job */
    job_kind job;
    const float *x;
    const int32_t *y;
    size_t B;
    uint64_t key;
    size_t *first, *len; /* per share */
    double *loss;        /* per share: the sum of its losses */
    pthread_t *ran;      /* per share: the thread that ran its last part of a job */
    float **scratch;     /* per share: the optimizer's scratch for its part */
    gpbo_optim *opt;     /* JOB_STEP's optimizer and learning rate */
    double lr;
};

typedef struct worker_arg {
    gpbo_team *t;
    size_t k;
} worker_arg;

/* Part k of T of every layer's gradient in net: += the other shares' (in share order, those
 * that had examples; the larger shares come first, so an empty one ends the list). */
static void reduce_part(gpbo_team *t, size_t k)
{
    for (size_t i = 0; i < t->net->nl; i++) {
        gpbo_layer *l = &t->net->L[i];
        float *dst[2] = {l->dW, l->db};
        size_t num[2] = {l->nW, l->nb};
        for (int q = 0; q < 2; q++) {
            size_t lo = num[q] * k / t->T, hi = num[q] * (k + 1) / t->T;
            for (size_t s = 1; s < t->T && t->len[s] > 0; s++) {
                const float *restrict src = q ? t->rep[s]->L[i].db : t->rep[s]->L[i].dW;
                float *restrict d = dst[q];
                for (size_t j = lo; j < hi; j++)
                    d[j] += src[j];
            }
        }
    }
}

/* Share k's part of the current job. */
static void run_share(gpbo_team *t, size_t k)
{
    gpbo_net *n = t->rep[k];
    size_t first = t->first[k], len = t->len[k];
    t->ran[k] = pthread_self();
    if (t->job == JOB_STEP) {
        reduce_part(t, k);
        gpbo_trainer__optim_part(t->opt, t->net, k, t->T, t->lr, t->scratch[k]);
        return;
    }
    if (len == 0)
        return;
    int grad = t->job == JOB_GRAD;
    gpbo_net_forward_part(n, t->x + first * n->in, len, grad, t->key, first);
    t->loss[k] = gpbo_net_loss_part(n, t->y + first, len, t->B, grad);
    if (grad)
        gpbo_net_backward(n, t->x + first * n->in, len, NULL);
}

static void *worker(void *p)
{
    worker_arg *a = p;
    gpbo_team *t = a->t;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&t->mu);
        while (t->gen == seen)
            pthread_cond_wait(&t->go, &t->mu);
        seen = t->gen;
        job_kind job = t->job;
        pthread_mutex_unlock(&t->mu);
        if (job == JOB_QUIT)
            break;
        run_share(t, a->k);
        pthread_mutex_lock(&t->mu);
        if (--t->pending == 0)
            pthread_cond_signal(&t->done);
        pthread_mutex_unlock(&t->mu);
    }
    free(a);
    return NULL;
}

/* Runs the job set in t on every share (share 0 in the caller) and waits for all of them. */
static void run_job(gpbo_team *t, job_kind job)
{
    t->job = job;
    if (t->T == 1) {
        run_share(t, 0);
        return;
    }
    pthread_mutex_lock(&t->mu);
    t->pending = t->T - 1;
    t->gen++;
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    run_share(t, 0);
    pthread_mutex_lock(&t->mu);
    while (t->pending > 0)
        pthread_cond_wait(&t->done, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

/* The batch of B examples into T shares, the larger first (share 0 is never empty). */
static void split(gpbo_team *t, size_t B)
{
    t->B = B;
    for (size_t k = 0, first = 0; k < t->T; k++) {
        t->first[k] = first;
        t->len[k] = B / t->T + (k < B % t->T);
        t->loss[k] = 0.0;
        first += t->len[k];
    }
}

/* The replicas, the per-share arrays and the workers; GPBO_ENOMEM or the failure of
 * pthread_create (what was made is left for gpbo_team_free). */
static int team_start(gpbo_team *t)
{
    size_t T = t->T, share = (t->net->bmax + T - 1) / T;
    t->rep = calloc(T, sizeof *t->rep);
    t->tid = calloc(T, sizeof *t->tid);
    t->first = calloc(T, sizeof *t->first);
    t->len = calloc(T, sizeof *t->len);
    t->loss = calloc(T, sizeof *t->loss);
    t->ran = calloc(T, sizeof *t->ran);
    t->scratch = calloc(T, sizeof *t->scratch);
    if (!t->rep || !t->tid || !t->first || !t->len || !t->loss || !t->ran || !t->scratch)
        return gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
    size_t biggest = 1;
    for (size_t i = 0; i < t->net->nl; i++)
        biggest = t->net->L[i].nW > biggest ? t->net->L[i].nW : biggest;
    for (size_t k = 0; k < T; k++)
        if ((t->scratch[k] = malloc((biggest / T + 1) * sizeof(float))) == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
    t->rep[0] = t->net;
    for (size_t k = 1; k < T; k++)
        if ((t->rep[k] = gpbo_net_replica(t->net, share)) == NULL)
            return gpbo_error_code();
    for (size_t k = 1; k < T; k++) {
        worker_arg *a = malloc(sizeof *a);
        if (a == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
        *a = (worker_arg){t, k};
        int e = pthread_create(&t->tid[k - 1], NULL, worker, a);
        if (e != 0) {
            free(a);
            return gpbo_error_set(GPBO_ENOMEM, "trainer: cannot start thread %zu of %zu (%s)", k,
                                  T - 1, strerror(e));
        }
        t->started++;
    }
    return GPBO_OK;
}

gpbo_team *gpbo_team_new(gpbo_net *net, size_t threads)
{
    if (threads < 1)
        threads = 1;
    gpbo_team *t = calloc(1, sizeof *t);
    if (t == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
        return NULL;
    }
    t->net = net;
    /* more threads than examples would leave some without work */
    t->T = threads < net->bmax ? threads : net->bmax;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->go, NULL);
    pthread_cond_init(&t->done, NULL);
    if (team_start(t) != GPBO_OK) {
        gpbo_team_free(t);
        return NULL;
    }
    return t;
}

void gpbo_team_free(gpbo_team *t)
{
    if (t == NULL)
        return;
    if (t->started > 0) {
        pthread_mutex_lock(&t->mu);
        t->job = JOB_QUIT;
        t->gen++;
        pthread_cond_broadcast(&t->go);
        pthread_mutex_unlock(&t->mu);
        for (size_t k = 0; k < t->started; k++)
            pthread_join(t->tid[k], NULL);
    }
    for (size_t k = 1; t->rep != NULL && k < t->T; k++)
        gpbo_net_free(t->rep[k]);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->go);
    pthread_cond_destroy(&t->done);
    free(t->rep);
    free(t->tid);
    free(t->first);
    free(t->len);
    free(t->loss);
    free(t->ran);
    for (size_t k = 0; t->scratch != NULL && k < t->T; k++)
        free(t->scratch[k]);
    free(t->scratch);
    free(t);
}

size_t gpbo_team_threads(const gpbo_team *t)
{
    return t->T;
}

gpbo_net *gpbo_team_net(const gpbo_team *t)
{
    return t->net;
}

pthread_t gpbo_team_ran(const gpbo_team *t, size_t k)
{
    return t->ran[k];
}

/* The sum of the shares' losses, in share order, over B. */
static double mean_loss(const gpbo_team *t)
{
    double s = 0.0;
    for (size_t k = 0; k < t->T; k++)
        s += t->loss[k];
    return s / (double)t->B;
}

double gpbo_team_grad(gpbo_team *t, const float *x, const int32_t *y, size_t B, gpbo_rng *rng)
{
    t->x = x;
    t->y = y;
    t->key = t->net->drops ? gpbo_rng_u64(rng) : 0;
    split(t, B);
    run_job(t, JOB_GRAD);
    return mean_loss(t);
}

double gpbo_team_train_step(gpbo_team *t, const float *x, const int32_t *y, size_t B, gpbo_rng *rng,
                            struct gpbo_optim *o, double lr)
{
    double loss = gpbo_team_grad(t, x, y, B, rng);
    if (t->T == 1) {
        gpbo_trainer__optim_step(o, t->net, lr);
        return loss;
    }
    o->t++;
    t->opt = o;
    t->lr = lr;
    run_job(t, JOB_STEP);
    return loss;
}

void gpbo_team_reduce(gpbo_team *t)
{
    for (size_t k = 0; k < t->T; k++)
        reduce_part(t, k);
}

double gpbo_team_infer(gpbo_team *t, const float *x, const int32_t *y, size_t B)
{
    t->x = x;
    t->y = y;
    t->key = 0;
    split(t, B);
    run_job(t, JOB_INFER);
    size_t C = t->net->classes;
    for (size_t k = 1; k < t->T; k++)
        memcpy(t->net->probs + t->first[k] * C, t->rep[k]->probs, t->len[k] * C * sizeof(float));
    return mean_loss(t);
}
