/*
 * train.c: the training loop — mini-batches reshuffled every epoch, augmentation, the
 * optimizer step (SGD with momentum / Nesterov as PyTorch defines it, Adam and AdamW, RMSprop;
 * L2 added to the gradient, decoupled for Adam; L1 as its subgradient), learning-rate
 * schedules with linear warmup, validation every epoch, early stopping that keeps the best
 * weights, and the metrics (accuracy, macro-F1, cross-entropy); the config's checks, among them
 * the one table of the settings that only some values of another one read.
 */
#include <cblas.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/blas_cpu.h"
#include "gpbo/sys/error.h"
#include "gpbo/sys/options.h"
#include "trainer_internal.h"
#include "trainer_optim.h"
#include "trainer_team.h"

/* The bytes of each version of gpbo_trainer_config (the header lists the versions); index 0 is
 * unused. */
static const size_t OPTIONS_SIZE[GPBO_TRAINER_CONFIG_VERSION + 1] = {
    0, GPBO_OPTIONS_FIELD_END(gpbo_trainer_config, payload),
    GPBO_OPTIONS_FIELD_END(gpbo_trainer_config, monitor)};
static const gpbo_trainer_config DEFAULTS = GPBO_TRAINER_CONFIG_INIT;
static const gpbo_options_type OPTIONS = {
    "trainer_config_init",       "config",     "GPBO_TRAINER_CONFIG_INIT",
    GPBO_TRAINER_CONFIG_VERSION, OPTIONS_SIZE, &DEFAULTS};

int gpbo_trainer_config_init(gpbo_trainer_config *cfg, unsigned int version)
{
    return gpbo_options_init(&OPTIONS, cfg, version);
}

/* The caller's config (NULL: the defaults) as a struct of this library's version. */
static int load_config(const gpbo_trainer_config *cfg, gpbo_trainer_config *out)
{
    return gpbo_options_load(&OPTIONS, "trainer", cfg, out);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* OpenBLAS one-threaded while any run's team works (a team of T threads each calling sgemm,
 * which OpenBLAS would otherwise split again over its own threads: T x T threads on T cores),
 * its count restored when the last such run of the process ends. OpenBLAS's count is per
 * process, so the runs of a process count themselves here. */
static pthread_mutex_t blas_mu = PTHREAD_MUTEX_INITIALIZER;
static int blas_users, blas_saved;

static void blas_single(int enter)
{
    pthread_mutex_lock(&blas_mu);
    if (enter && blas_users++ == 0) {
        blas_saved = openblas_get_num_threads();
        openblas_set_num_threads(1);
    } else if (!enter && --blas_users == 0) {
        openblas_set_num_threads(blas_saved);
    }
    pthread_mutex_unlock(&blas_mu);
}

double gpbo_trainer__lr_at(const gpbo_trainer_config *c, size_t epoch)
{
    size_t w = c->warmup_epochs;
    if (epoch < w) /* (double)w + 1: w + 1 wrapped to 0 for w = SIZE_MAX, an infinite rate */
        return c->lr * ((double)epoch + 1.0) / ((double)w + 1.0);
    size_t e = epoch - w, span = c->epochs > w ? c->epochs - w : 1;
    switch (c->schedule) {
    case GPBO_TRAINER_SCHED_EXPONENTIAL:
        return c->lr * pow(c->gamma, (double)e);
    case GPBO_TRAINER_SCHED_STEP:
        return c->lr * pow(c->gamma, (double)(e / (c->step_size ? c->step_size : 1)));
    case GPBO_TRAINER_SCHED_COSINE:
        return c->lr * 0.5 * (1.0 + cos(M_PI * (double)e / (double)span));
    case GPBO_TRAINER_SCHED_FIXED:
    default:
        return c->lr;
    }
}

int gpbo_trainer__optim_init(gpbo_optim *o, const gpbo_trainer_config *c, gpbo_net *net)
{
    memset(o, 0, sizeof *o);
    o->cfg = c;
    size_t total = 0;
    for (size_t i = 0; i < net->nl; i++)
        total += net->L[i].nW + net->L[i].nb;
    size_t biggest = 1;
    for (size_t i = 0; i < net->nl; i++)
        biggest = net->L[i].nW > biggest ? net->L[i].nW : biggest;
    o->m = calloc(total ? total : 1, sizeof *o->m);
    o->v = calloc(total ? total : 1, sizeof *o->v);
    o->g = malloc(biggest * sizeof *o->g);
    if (o->m == NULL || o->v == NULL || o->g == NULL) {
        gpbo_trainer__optim_free(o);
        return gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
    }
    return GPBO_OK;
}

void gpbo_trainer__optim_free(gpbo_optim *o)
{
    free(o->m);
    free(o->v);
    free(o->g);
    o->m = o->v = o->g = NULL;
}

/* One update of n parameters p with gradients g; decay: weights (1) or biases (0). The loops
 * are branch-free float arithmetic so that they vectorize; the penalties are separate passes
 * that run only when set; g is scratch of n floats. */
static void update(const gpbo_optim *o, float *restrict p, const float *restrict g0, size_t n,
                   int decay, float *restrict m, float *restrict v, double lr, float *restrict g)
{
    const gpbo_trainer_config *c = o->cfg;
    float wd = decay ? (float)c->weight_decay : 0.0f, l1 = decay ? (float)c->l1 : 0.0f;
    for (size_t i = 0; i < n; i++)
        g[i] = g0[i];
    if (l1 != 0.0f)
        for (size_t i = 0; i < n; i++)
            g[i] += l1 * (float)((p[i] > 0.0f) - (p[i] < 0.0f));
    if (wd != 0.0f && c->optimizer != GPBO_TRAINER_OPT_ADAM)
        for (size_t i = 0; i < n; i++)
            g[i] += wd * p[i];
    float flr = (float)lr;
    switch (c->optimizer) {
    case GPBO_TRAINER_OPT_SGD: {
        float mu = (float)c->momentum;
        if (mu == 0.0f) {
            for (size_t i = 0; i < n; i++)
                p[i] -= flr * g[i];
        } else if (o->t == 1) {
            for (size_t i = 0; i < n; i++) {
                m[i] = g[i];
                p[i] -= flr * (c->nesterov ? g[i] + mu * g[i] : g[i]);
            }
        } else if (c->nesterov) {
            for (size_t i = 0; i < n; i++) {
                m[i] = mu * m[i] + g[i];
                p[i] -= flr * (g[i] + mu * m[i]);
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                m[i] = mu * m[i] + g[i];
                p[i] -= flr * m[i];
            }
        }
        break;
    }
    case GPBO_TRAINER_OPT_ADAM: {
        float b1 = (float)c->beta1, b2 = (float)c->beta2, eps = (float)c->eps;
        float step = (float)(lr / (1.0 - pow(c->beta1, (double)o->t)));
        float ic2 = (float)(1.0 / (1.0 - pow(c->beta2, (double)o->t)));
        float keep = (float)(1.0 - lr * wd); /* AdamW: decoupled weight decay */
        for (size_t i = 0; i < n; i++) {
            m[i] = b1 * m[i] + (1.0f - b1) * g[i];
            v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
            p[i] = p[i] * keep - step * m[i] / (sqrtf(v[i] * ic2) + eps);
        }
        break;
    }
    case GPBO_TRAINER_OPT_RMSPROP: {
        float rho = (float)c->rho, eps = (float)c->eps;
        for (size_t i = 0; i < n; i++) {
            v[i] = rho * v[i] + (1.0f - rho) * g[i] * g[i];
            p[i] -= flr * g[i] / (sqrtf(v[i]) + eps);
        }
        break;
    }
    case GPBO_TRAINER_OPT_COUNT: /* not an optimizer; check_config refuses it */
        break;
    }
}

void gpbo_trainer__optim_step(gpbo_optim *o, gpbo_net *net, double lr)
{
    o->t++;
    gpbo_trainer__optim_part(o, net, 0, 1, lr, o->g);
}

void gpbo_trainer__optim_part(const gpbo_optim *o, gpbo_net *net, size_t part, size_t parts,
                              double lr, float *scratch)
{
    size_t off = 0;
    for (size_t i = 0; i < net->nl; i++) {
        gpbo_layer *l = &net->L[i];
        if (l->nW == 0)
            continue;
        float *p[2] = {l->W, l->b}, *g[2] = {l->dW, l->db};
        size_t n[2] = {l->nW, l->nb};
        for (int q = 0; q < 2; q++) {
            size_t lo = n[q] * part / parts, hi = n[q] * (part + 1) / parts;
            update(o, p[q] + lo, g[q] + lo, hi - lo, !q, o->m + off + lo, o->v + off + lo, lr,
                   scratch);
            off += n[q];
        }
    }
}

/* Copies every parameter into (save) or out of (restore) buf. */
static void copy_params(gpbo_net *net, float *buf, int save)
{
    size_t off = 0;
    for (size_t i = 0; i < net->nl; i++) {
        gpbo_layer *l = &net->L[i];
        float *ps[2] = {l->W, l->b};
        size_t ns[2] = {l->nW, l->nb};
        for (int k = 0; k < 2; k++) {
            if (ns[k] == 0)
                continue;
            if (save)
                memcpy(buf + off, ps[k], ns[k] * sizeof *buf);
            else
                memcpy(ps[k], buf + off, ns[k] * sizeof *buf);
            off += ns[k];
        }
    }
}

int gpbo_trainer__evaluate(gpbo_team *team, const gpbo_dataset *ds, double *acc, double *f1,
                           double *loss)
{
    const gpbo_net *net = gpbo_team_net(team);
    size_t C = net->classes, B = net->bmax;
    size_t *conf = calloc(C * C, sizeof *conf);
    if (conf == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
    double total = 0.0;
    size_t correct = 0;
    for (size_t s = 0; s < ds->n; s += B) {
        size_t b = ds->n - s < B ? ds->n - s : B;
        total += gpbo_team_infer(team, ds->x + s * ds->features, ds->y + s, b) * (double)b;
        for (size_t i = 0; i < b; i++) {
            const float *p = net->probs + i * C;
            size_t am = 0;
            for (size_t c = 1; c < C; c++)
                if (p[c] > p[am])
                    am = c;
            size_t t = (size_t)ds->y[s + i];
            correct += am == t;
            conf[t * C + am]++;
        }
    }
    double sf = 0.0;
    size_t present = 0;
    for (size_t c = 0; c < C; c++) {
        size_t tp = conf[c * C + c], fp = 0, fn = 0;
        for (size_t k = 0; k < C; k++) {
            if (k != c) {
                fp += conf[k * C + c];
                fn += conf[c * C + k];
            }
        }
        if (tp + fp + fn > 0) {
            sf += 2.0 * (double)tp / (double)(2 * tp + fp + fn);
            present++;
        }
    }
    free(conf);
    *acc = ds->n ? (double)correct / (double)ds->n : NAN;
    *f1 = present ? sf / (double)present : NAN;
    *loss = ds->n ? total / (double)ds->n : NAN;
    return GPBO_OK;
}

/* Random shift (zero padding with the corner value) and horizontal flip of one image. */
static void augment(const gpbo_dataset *ds, const gpbo_trainer_config *c, gpbo_rng *rng,
                    const float *src, float *dst)
{
    size_t ch = ds->channels, h = ds->rows, w = ds->cols;
    long dy = 0, dx = 0;
    if (c->shift > 0) {
        long s = (long)c->shift;
        dy = (long)gpbo_rng_below(rng, (uint64_t)(2 * s + 1)) - s;
        dx = (long)gpbo_rng_below(rng, (uint64_t)(2 * s + 1)) - s;
    }
    int flip = c->flip && (gpbo_rng_u64(rng) >> 63);
    for (size_t k = 0; k < ch; k++) {
        const float *in = src + k * h * w;
        float *out = dst + k * h * w;
        float bg = in[0];
        for (size_t i = 0; i < h; i++)
            for (size_t j = 0; j < w; j++) {
                long si = (long)i - dy, sj = (long)(flip ? w - 1 - j : j) - dx;
                out[i * w + j] = (si < 0 || si >= (long)h || sj < 0 || sj >= (long)w)
                                     ? bg
                                     : in[si * (long)w + sj];
            }
    }
}

static const char *const ACTIVATION_NAMES[GPBO_TRAINER_ACT_COUNT] = {"relu", "tanh"};
static const char *const OPTIMIZER_NAMES[GPBO_TRAINER_OPT_COUNT] = {"sgd", "adam", "rmsprop"};
static const char *const SCHEDULE_NAMES[GPBO_TRAINER_SCHED_COUNT] = {"fixed", "exponential", "step",
                                                                     "cosine"};
static const char *const MONITOR_NAMES[GPBO_TRAINER_MONITOR_COUNT] = {"val_accuracy", "val_loss"};

const char *gpbo_trainer_activation_name(gpbo_trainer_activation activation)
{
    return (unsigned)activation < GPBO_TRAINER_ACT_COUNT ? ACTIVATION_NAMES[activation] : NULL;
}

const char *gpbo_trainer_optimizer_name(gpbo_trainer_optimizer optimizer)
{
    return (unsigned)optimizer < GPBO_TRAINER_OPT_COUNT ? OPTIMIZER_NAMES[optimizer] : NULL;
}

const char *gpbo_trainer_schedule_name(gpbo_trainer_schedule schedule)
{
    return (unsigned)schedule < GPBO_TRAINER_SCHED_COUNT ? SCHEDULE_NAMES[schedule] : NULL;
}

const char *gpbo_trainer_monitor_name(gpbo_trainer_monitor monitor)
{
    return (unsigned)monitor < GPBO_TRAINER_MONITOR_COUNT ? MONITOR_NAMES[monitor] : NULL;
}

void gpbo_trainer__stop_init(gpbo_early_stop *s, const gpbo_trainer_config *c)
{
    *s = (gpbo_early_stop){.minimize = c->monitor == GPBO_TRAINER_MONITOR_VAL_LOSS,
                           .min_delta = c->min_delta,
                           .patience = c->patience};
}

int gpbo_trainer__stop_step(gpbo_early_stop *s, size_t epoch, double value, int *improved)
{
    /* the loss's test mirrors the accuracy's (-loss > -best + min_delta, exactly, in IEEE
     * arithmetic), so that watching a loss is watching its negation as an accuracy */
    *improved = s->kept == 0 ||
                (s->minimize ? value < s->best - s->min_delta : value > s->best + s->min_delta);
    if (*improved) {
        s->best = value;
        s->kept = epoch;
        s->wait = 0;
    } else {
        s->wait++;
    }
    return s->patience > 0 && s->wait >= s->patience;
}

/* A dataset the run can read: its arrays present, its image shape its features, every feature
 * finite, and every label an output of the network (0 .. classes - 1, classes being the training
 * set's). A label outside would index past the softmax's outputs and the confusion matrix. */
static int check_dataset(const gpbo_dataset *ds, const char *what, size_t classes)
{
    if (ds->x == NULL || ds->y == NULL)
        return gpbo_error_set(GPBO_EINVAL, "trainer: the %s set's x or y is NULL", what);
    size_t c = ds->channels, h = ds->rows, w = ds->cols;
    if (c == 0 || h == 0 || w == 0 || h > SIZE_MAX / c || w > SIZE_MAX / (c * h) ||
        c * h * w != ds->features)
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer: the %s set's shape %zu x %zu x %zu (channels x rows x "
                              "cols) does not make its %zu features",
                              what, c, h, w, ds->features);
    /* a NaN or infinite input would surface only as a "diverged" run, blaming the rate */
    for (size_t i = 0; i < ds->n * ds->features; i++)
        if (!isfinite(ds->x[i]))
            return gpbo_error_set(GPBO_EINVAL,
                                  "trainer: the %s set's example %zu has feature %zu = %g (not "
                                  "finite)",
                                  what, i / ds->features, i % ds->features, (double)ds->x[i]);
    for (size_t i = 0; i < ds->n; i++)
        if (ds->y[i] < 0 || (size_t)ds->y[i] >= classes)
            return gpbo_error_set(GPBO_EINVAL,
                                  "trainer: the %s set's example %zu has label %" PRId32
                                  " (labels lie in [0, %zu))",
                                  what, i, ds->y[i], classes);
    return GPBO_OK;
}

/* ---- settings that only some values of another one read ---------------------------------- */

static int reads_sgd(const gpbo_trainer_config *c)
{
    return c->optimizer == GPBO_TRAINER_OPT_SGD;
}
static int reads_adam(const gpbo_trainer_config *c)
{
    return c->optimizer == GPBO_TRAINER_OPT_ADAM;
}
static int reads_rmsprop(const gpbo_trainer_config *c)
{
    return c->optimizer == GPBO_TRAINER_OPT_RMSPROP;
}
static int reads_eps(const gpbo_trainer_config *c)
{
    return reads_adam(c) || reads_rmsprop(c);
}
static int reads_gamma(const gpbo_trainer_config *c)
{
    return c->schedule == GPBO_TRAINER_SCHED_EXPONENTIAL || c->schedule == GPBO_TRAINER_SCHED_STEP;
}
static int reads_step(const gpbo_trainer_config *c)
{
    return c->schedule == GPBO_TRAINER_SCHED_STEP;
}
static int reads_patience(const gpbo_trainer_config *c)
{
    return c->patience > 0;
}
/* Whether the model has an activation: a hidden layer (an MLP's size, a CNN's convolution or
 * dense layer). "mlp", "mlp:", "cnn:" and "cnn:p2" have none. A spec that cannot be read reads
 * it (gpbo_net_new's error names the spec). */
static int reads_activation(const gpbo_trainer_config *c)
{
    const char *m = c->model;
    if (m == NULL)
        return 1;
    if (!strcmp(m, "mlp") || !strcmp(m, "mlp:") || !strcmp(m, "cnn:"))
        return 0;
    if (strncmp(m, "cnn:", 4) != 0)
        return 1;
    for (const char *p = m + 4; *p; p++)
        if (*p != 'p' && *p != '2' && *p != '-')
            return 1;
    return 0;
}

/* A setting that only some values of another one read: its field (a double, compared by
 * value, so that -0.0 is 0.0; or compared byte for byte), the setting that decides, and whose
 * it is, for the message. The one table of the rule: gpbo train and the sweep file ask
 * gpbo_trainer_config_check_read. */
typedef struct dependent {
    const char *key;
    size_t off, size;
    int is_double;
    const char *on;
    int (*reads)(const gpbo_trainer_config *c);
    const char *what;
} dependent;

#define FIELD(f) offsetof(gpbo_trainer_config, f), sizeof(((gpbo_trainer_config *)0)->f)
static const dependent DEPENDENTS[] = {
    {"momentum", FIELD(momentum), 1, "optimizer", reads_sgd, "SGD's (optimizer sgd)"},
    {"nesterov", FIELD(nesterov), 0, "optimizer", reads_sgd, "SGD's (optimizer sgd)"},
    {"beta1", FIELD(beta1), 1, "optimizer", reads_adam, "Adam's (optimizer adam)"},
    {"beta2", FIELD(beta2), 1, "optimizer", reads_adam, "Adam's (optimizer adam)"},
    {"rho", FIELD(rho), 1, "optimizer", reads_rmsprop, "RMSprop's (optimizer rmsprop)"},
    {"eps", FIELD(eps), 1, "optimizer", reads_eps,
     "Adam's and RMSprop's (optimizer adam or rmsprop)"},
    {"gamma", FIELD(gamma), 1, "schedule", reads_gamma, "the exponential and step schedules'"},
    {"step_size", FIELD(step_size), 0, "schedule", reads_step, "the step schedule's"},
    {"monitor", FIELD(monitor), 0, "patience", reads_patience, "early stopping's (patience > 0)"},
    {"min_delta", FIELD(min_delta), 1, "patience", reads_patience,
     "early stopping's (patience > 0)"},
    {"activation", FIELD(activation), 0, "model", reads_activation, "a hidden layer's"},
};
#undef FIELD

/* Whether c sets d's field to another value than GPBO_TRAINER_CONFIG_INIT's. */
static int given(const dependent *d, const gpbo_trainer_config *c)
{
    const char *p = (const char *)c + d->off, *q = (const char *)&DEFAULTS + d->off;
    if (d->is_double) {
        double x, y;
        memcpy(&x, p, sizeof x);
        memcpy(&y, q, sizeof y);
        return !(x == y);
    }
    return memcmp(p, q, d->size) != 0;
}

/* GPBO_OK when c reads d's setting, else GPBO_EINVAL naming d's setting and the one that
 * decides, with its value. */
static int check_read(const dependent *d, const gpbo_trainer_config *c)
{
    if (d->reads(c))
        return GPBO_OK;
    char buf[32];
    const char *value = buf;
    if (!strcmp(d->on, "optimizer") && gpbo_trainer_optimizer_name(c->optimizer) != NULL)
        value = gpbo_trainer_optimizer_name(c->optimizer);
    else if (!strcmp(d->on, "schedule") && gpbo_trainer_schedule_name(c->schedule) != NULL)
        value = gpbo_trainer_schedule_name(c->schedule);
    else if (!strcmp(d->on, "patience"))
        snprintf(buf, sizeof buf, "%zu", c->patience);
    else if (!strcmp(d->on, "model"))
        value = c->model;
    else /* an optimizer or schedule out of range */
        snprintf(buf, sizeof buf, "%d",
                 !strcmp(d->on, "optimizer") ? (int)c->optimizer : (int)c->schedule);
    return gpbo_error_set(GPBO_EINVAL,
                          "trainer setting %s is %s, and %s is %s: it would be ignored (leave %s "
                          "out, or change %s)",
                          d->key, d->what, d->on, value, d->key, d->on);
}

int gpbo_trainer_config_check_read(const gpbo_trainer_config *cfg, const char *setting,
                                   const char **out_decider)
{
    if (out_decider != NULL)
        *out_decider = NULL;
    if (setting == NULL)
        return gpbo_error_set(GPBO_EINVAL, "trainer_config_check_read: setting is NULL");
    gpbo_trainer_config c;
    int rc = load_config(cfg, &c);
    if (rc != GPBO_OK)
        return rc;
    for (size_t i = 0; i < sizeof DEPENDENTS / sizeof *DEPENDENTS; i++)
        if (!strcmp(DEPENDENTS[i].key, setting)) {
            if (out_decider != NULL)
                *out_decider = DEPENDENTS[i].on;
            return check_read(&DEPENDENTS[i], &c);
        }
    return GPBO_OK;
}

/* A setting given another value than its default where c never reads it used to be taken and
 * ignored (momentum 0.5 with Adam trained Adam's run, beta1 with SGD SGD's): refused, naming
 * both settings. Its default is taken as not given, as gpbo train takes a default written out. */
static int check_used(const gpbo_trainer_config *c)
{
    for (size_t i = 0; i < sizeof DEPENDENTS / sizeof *DEPENDENTS; i++) {
        const dependent *d = &DEPENDENTS[i];
        int rc = given(d, c) ? check_read(d, c) : GPBO_OK;
        if (rc != GPBO_OK)
            return rc;
    }
    return GPBO_OK;
}

static int check_config(const gpbo_trainer_config *c, const gpbo_dataset *train,
                        const gpbo_dataset *val, const gpbo_dataset *test)
{
    if (train == NULL || val == NULL || train->n == 0 || val->n == 0)
        return gpbo_error_set(GPBO_EINVAL, "trainer: the training and validation sets must not "
                                           "be empty");
    const gpbo_dataset *o[2] = {val, test};
    for (int k = 0; k < 2; k++)
        if (o[k] && (o[k]->features != train->features || o[k]->classes > train->classes))
            return gpbo_error_set(GPBO_EINVAL,
                                  "trainer: the %s set has %zu features and %zu "
                                  "classes; the training set %zu and %zu",
                                  k ? "test" : "validation", o[k]->features, o[k]->classes,
                                  train->features, train->classes);
    const gpbo_dataset *all[3] = {train, val, test};
    const char *names[3] = {"training", "validation", "test"};
    for (int k = 0; k < 3; k++) {
        int rc = all[k] ? check_dataset(all[k], names[k], train->classes) : GPBO_OK;
        if (rc != GPBO_OK)
            return rc;
    }
    /* the same number of features in another image shape (a test file of 2 x 6 images beside
     * training images of 4 x 3) was scored as if its pixels were the training set's: a
     * convolution read them in the training set's rows, an MLP took pixel k of one shape for
     * pixel k of the other */
    for (int k = 1; k < 3; k++)
        if (all[k] && (all[k]->channels != train->channels || all[k]->rows != train->rows ||
                       all[k]->cols != train->cols))
            return gpbo_error_set(GPBO_EINVAL,
                                  "trainer: the %s set's examples are %zu x %zu x %zu (channels x "
                                  "rows x cols), the training set's %zu x %zu x %zu",
                                  names[k], all[k]->channels, all[k]->rows, all[k]->cols,
                                  train->channels, train->rows, train->cols);
    /* NULL reached gpbo_net_new, whose "bad network arguments" named nothing */
    if (c->model == NULL)
        return gpbo_error_set(GPBO_EINVAL, "trainer: model is NULL (give a spec such as "
                                           "\"mlp:256-128\" or \"cnn:c32k5-p2-d128\")");
    if (!(c->lr > 0 && isfinite(c->lr)))
        return gpbo_error_set(GPBO_EINVAL, "trainer: learning rate %g must be > 0", c->lr);
    if (c->batch_size < 1 || c->batch_size > 65536)
        return gpbo_error_set(GPBO_EINVAL, "trainer: batch size %zu (1 to 65536)", c->batch_size);
    if (c->epochs < 1)
        return gpbo_error_set(GPBO_EINVAL, "trainer: epochs must be at least 1");
    if (!(c->momentum >= 0 && c->momentum < 1) || !(c->beta1 >= 0 && c->beta1 < 1) ||
        !(c->beta2 >= 0 && c->beta2 < 1) || !(c->rho >= 0 && c->rho < 1) || !(c->eps > 0))
        return gpbo_error_set(GPBO_EINVAL, "trainer: momentum, beta1, beta2 and rho must lie in "
                                           "[0, 1) and eps > 0");
    /* finite too: an infinite decay or factor turns the weights or the rate into NaN */
    if (!(c->weight_decay >= 0 && isfinite(c->weight_decay)) || !(c->l1 >= 0 && isfinite(c->l1)) ||
        !(c->gamma > 0 && isfinite(c->gamma)) || !(c->min_delta >= 0 && isfinite(c->min_delta)) ||
        !isfinite(c->eps))
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer: weight_decay, l1, min_delta must be >= 0, gamma > 0, "
                              "eps > 0, all finite (weight_decay %g, l1 %g, min_delta %g, gamma "
                              "%g, eps %g)",
                              c->weight_decay, c->l1, c->min_delta, c->gamma, c->eps);
    /* PyTorch's SGD refuses it too: Nesterov's look-ahead is the momentum's */
    if (c->optimizer == GPBO_TRAINER_OPT_SGD && c->nesterov && c->momentum == 0)
        return gpbo_error_set(GPBO_EINVAL, "trainer: Nesterov momentum needs a momentum > 0");
    /* PyTorch's StepLR divides by step_size too */
    if (c->schedule == GPBO_TRAINER_SCHED_STEP && c->step_size < 1)
        return gpbo_error_set(GPBO_EINVAL, "trainer: the step schedule needs step_size >= 1");
    if ((unsigned)c->optimizer >= GPBO_TRAINER_OPT_COUNT ||
        (unsigned)c->schedule >= GPBO_TRAINER_SCHED_COUNT ||
        (unsigned)c->activation >= GPBO_TRAINER_ACT_COUNT)
        return gpbo_error_set(GPBO_EINVAL, "trainer: unknown optimizer, schedule or activation");
    if ((unsigned)c->monitor >= GPBO_TRAINER_MONITOR_COUNT)
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer: monitor %d is none of early stopping's (val_accuracy %d, "
                              "val_loss %d)",
                              (int)c->monitor, GPBO_TRAINER_MONITOR_VAL_ACCURACY,
                              GPBO_TRAINER_MONITOR_VAL_LOSS);
    if ((c->shift > 0 || c->flip) && (train->rows < 2 || train->cols < 2))
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer: shift and flip (augmentation) need images of at least 2 x "
                              "2, and the data's are %zu x %zu (tabular data has no rows to shift)",
                              train->rows, train->cols);
    /* as PyTorch's RandomAffine(translate <= 1): a larger shift only blanks images, and one
     * near 2^63 overflowed augment()'s signed arithmetic */
    if (c->shift > train->rows || c->shift > train->cols)
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer: shift %zu is more than the images' sides (%zu x %zu)",
                              c->shift, train->rows, train->cols);
    return check_used(c);
}

/* One run's state: the network, its optimizer, the scratch of the epochs and what early
 * stopping keeps. Zeroed, it is safe to free. */
typedef struct run_state {
    const gpbo_trainer_config *c;
    const gpbo_dataset *train;
    gpbo_rng rng;
    size_t B; /* batch size, at most train->n */
    gpbo_net *net;
    gpbo_team *team; /* the threads that run the batch's shares (one: the caller alone) */
    int blas_one;    /* OpenBLAS set to one thread for the team (blas_single) */
    gpbo_optim opt;
    size_t *idx;          /* the training examples in this epoch's shuffled order */
    float *xb, *best;     /* one batch's inputs; the kept weights */
    int32_t *yb;          /* one batch's labels */
    gpbo_early_stop stop; /* which epoch's weights are kept, and when to stop */
    int diverged;         /* the loss became NaN or infinite: the run stops with GPBO_EOPTIM */
} run_state;

static void run_free(run_state *r)
{
    gpbo_trainer__optim_free(&r->opt);
    gpbo_team_free(r->team);
    if (r->blas_one)
        blas_single(0);
    gpbo_net_free(r->net);
    free(r->idx);
    free(r->xb);
    free(r->best);
    free(r->yb);
}

/* The network (its weights drawn from the run's seed), the optimizer and the scratch. On
 * failure the status, with what was made left for run_free. */
static int run_begin(run_state *r, const gpbo_trainer_config *c, const gpbo_dataset *train)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->train = train;
    gpbo_trainer__stop_init(&r->stop, c);
    gpbo_rng_seed(&r->rng, c->seed);
    r->B = c->batch_size < train->n ? c->batch_size : train->n;
    r->net = gpbo_net_new(c->model, c->activation, c->dropout, train->channels, train->rows,
                          train->cols, train->classes, r->B, &r->rng);
    if (r->net == NULL)
        return gpbo_error_code();
    size_t T = (size_t)gpbo_trainer__threads();
    if (T > 1) {
        blas_single(1);
        r->blas_one = 1;
    }
    if ((r->team = gpbo_team_new(r->net, T)) == NULL)
        return gpbo_error_code();
    gpbo_trainer__last_threads = gpbo_team_threads(r->team);
    size_t F = train->features;
    r->idx = malloc(train->n * sizeof *r->idx);
    r->xb = malloc(r->B * F * sizeof *r->xb);
    r->best = malloc(r->net->nparams * sizeof *r->best);
    r->yb = malloc(r->B * sizeof *r->yb);
    int rc = gpbo_trainer__optim_init(&r->opt, c, r->net);
    if (rc != GPBO_OK)
        return rc;
    if (!r->idx || !r->xb || !r->best || !r->yb)
        return gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
    for (size_t i = 0; i < train->n; i++)
        r->idx[i] = i;
    return GPBO_OK;
}

/* One pass over the training set in a fresh shuffled order, a step per mini-batch (augmented
 * when the config asks). @return the mean training loss. Cannot fail. */
static double train_epoch(run_state *r, size_t epoch)
{
    const gpbo_trainer_config *c = r->c;
    const gpbo_dataset *train = r->train;
    size_t F = train->features, B = r->B;
    int augmenting = c->shift > 0 || c->flip;
    double lr = gpbo_trainer__lr_at(c, epoch), sum = 0.0;
    gpbo_rng_shuffle(&r->rng, train->n, r->idx);
    for (size_t s = 0; s < train->n; s += B) {
        size_t b = train->n - s < B ? train->n - s : B;
        for (size_t i = 0; i < b; i++) {
            const float *src = train->x + r->idx[s + i] * F;
            if (augmenting)
                augment(train, c, &r->rng, src, r->xb + i * F);
            else
                memcpy(r->xb + i * F, src, F * sizeof *r->xb);
            r->yb[i] = train->y[r->idx[s + i]];
        }
        sum += gpbo_team_train_step(r->team, r->xb, r->yb, b, &r->rng, &r->opt, lr) * (double)b;
    }
    return sum / (double)train->n;
}

/* After epoch (0-based) scored acc and loss on validation: keeps the weights if they improved
 * on the monitored value (or are the first), then asks whether to stop. @return 1 to stop (patience
 * spent), 0 to go on, GPBO_EOPTIM when the loss diverged, GPBO_EUSER when the epoch callback
 * stopped the run. */
static int after_epoch(run_state *r, size_t epoch, double acc, double loss,
                       gpbo_trainer_result *out)
{
    const gpbo_trainer_config *c = r->c;
    if (!isfinite(out->train_loss) || isnan(loss)) {
        /* diverged: the weights are NaN or soon will be, and so would every score of them (an
         * accuracy of NaN outputs is only the share of class 0); the caller must know */
        r->diverged = 1; /* run_finish then scores the kept weights, if any */
        /* fabs: a NaN with its sign bit set printed as "-nan" */
        double tl = isnan(out->train_loss) ? fabs(out->train_loss) : out->train_loss;
        return gpbo_error_set(GPBO_EOPTIM,
                              "trainer: training diverged in epoch %zu (training loss %g, "
                              "validation loss %g); a smaller learning rate may help",
                              epoch + 1, tl, isnan(loss) ? fabs(loss) : loss);
    }
    int improved, done = gpbo_trainer__stop_step(
                      &r->stop, epoch + 1, c->monitor == GPBO_TRAINER_MONITOR_VAL_LOSS ? loss : acc,
                      &improved);
    if (improved) {
        out->best_epoch = epoch + 1;
        copy_params(r->net, r->best, 1);
    }
    int stop = c->on_epoch ? c->on_epoch(epoch + 1, acc, loss, c->payload) : 0;
    if (stop != 0)
        return gpbo_error_set(GPBO_EUSER,
                              "trainer: stopped by the epoch callback after epoch %zu "
                              "(it returned %d)",
                              epoch + 1, stop);
    return done;
}

/* Restores the kept weights (with early stopping) and scores them on val and test; after a
 * divergence with no finite weights kept, the scores are NaN. */
static int run_finish(run_state *r, const gpbo_dataset *val, const gpbo_dataset *test,
                      gpbo_trainer_result *out)
{
    out->test_accuracy = out->test_f1 = out->test_loss = NAN;
    if (r->diverged && (r->c->patience == 0 || r->stop.kept == 0)) {
        /* no finite weights kept: nothing to score */
        out->best_epoch = out->epochs;
        out->val_accuracy = out->val_f1 = out->val_loss = NAN;
        return GPBO_OK;
    }
    if (r->c->patience > 0)
        copy_params(r->net, r->best, 0);
    else
        out->best_epoch = out->epochs;
    int rc = gpbo_trainer__evaluate(r->team, val, &out->val_accuracy, &out->val_f1, &out->val_loss);
    if (rc == GPBO_OK && test != NULL)
        rc = gpbo_trainer__evaluate(r->team, test, &out->test_accuracy, &out->test_f1,
                                    &out->test_loss);
    return rc;
}

/* The first training run of the process warns when OpenBLAS runs slower kernels than the CPU
 * allows. */
static pthread_once_t blas_checked = PTHREAD_ONCE_INIT;
static void blas_check(void)
{
    gpbo_blas_warn_if_fallback("training steps");
}

int gpbo_trainer_run(const gpbo_trainer_config *cfg, const gpbo_dataset *train,
                     const gpbo_dataset *val, const gpbo_dataset *test, gpbo_trainer_result *out)
{
    pthread_once(&blas_checked, blas_check);
    gpbo_trainer_config c;
    if (out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "trainer_run: out is NULL");
    int rc = load_config(cfg, &c);
    if (rc == GPBO_OK)
        rc = check_config(&c, train, val, test);
    if (rc != GPBO_OK)
        return rc;
    double t0 = now();
    run_state r;
    if ((rc = run_begin(&r, &c, train)) != GPBO_OK)
        goto done;
    memset(out, 0, sizeof *out);
    out->parameters = r.net->nparams;
    for (size_t epoch = 0; epoch < c.epochs; epoch++) {
        out->train_loss = train_epoch(&r, epoch);
        out->epochs = epoch + 1;
        double acc, f1, loss;
        if ((rc = gpbo_trainer__evaluate(r.team, val, &acc, &f1, &loss)) != GPBO_OK)
            goto done;
        int stop = after_epoch(&r, epoch, acc, loss, out);
        if (stop != 0) {
            rc = stop < 0 ? stop : GPBO_OK;
            break;
        }
    }
    /* a callback's stop (GPBO_EUSER) or a divergence (GPBO_EOPTIM) keeps its code unless
     * scoring the kept weights fails */
    int erc = run_finish(&r, val, test, out);
    if (erc != GPBO_OK)
        rc = erc;
    out->seconds = now() - t0;
done:
    run_free(&r);
    return rc;
}

/* The trainer's threads: 0 until gpbo_trainer_set_threads, then OpenBLAS's count is used. */
static _Atomic int trainer_threads;
_Atomic size_t gpbo_trainer__last_threads;

int gpbo_trainer__threads(void)
{
    int t = trainer_threads;
    if (t > 0)
        return t;
    /* while other runs hold OpenBLAS at one thread (blas_single), its count is the one they
     * saved: a run started beside another one used to read that 1 and train on one thread,
     * its results those of another thread count than the same run alone */
    pthread_mutex_lock(&blas_mu);
    t = blas_users > 0 ? blas_saved : openblas_get_num_threads();
    pthread_mutex_unlock(&blas_mu);
    return t;
}

int gpbo_trainer_set_threads(int threads)
{
    if (threads < 1)
        return gpbo_error_set(GPBO_EINVAL, "trainer_set_threads: %d threads (at least 1)", threads);
    trainer_threads = threads;
    /* while runs hold OpenBLAS at one thread, the count is theirs to restore: setting it now
     * gave their threads as many BLAS threads each, and their end then put the old count back */
    pthread_mutex_lock(&blas_mu);
    if (blas_users > 0)
        blas_saved = threads;
    else
        openblas_set_num_threads(threads);
    pthread_mutex_unlock(&blas_mu);
    return GPBO_OK;
}
