/*
 * net.c: the layers of the trainer — dense, 2-D convolution (same padding, stride 1, as
 * im2col and one sgemm per cache-sized chunk of images), 2 x 2 max pooling, ReLU / tanh,
 * dropout — and softmax cross-entropy, forward and backward, in float32 on OpenBLAS. Buffers
 * are allocated once for the largest batch; the training loop allocates nothing.
 */
#include <cblas.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "trainer_internal.h"

static void layer_free(gpbo_layer *l, int shared)
{
    if (!shared) {
        free(l->W);
        free(l->b);
    }
    free(l->dW);
    free(l->db);
    free(l->y);
    free(l->gin);
    free(l->arg);
    free(l->mask);
    free(l->cols);
    free(l->tmp);
    free(l->xpad);
}

void gpbo_net_free(gpbo_net *net)
{
    if (net == NULL)
        return;
    for (size_t i = 0; i < net->nl; i++)
        layer_free(&net->L[i], net->shared);
    free(net->L);
    free(net->probs);
    free(net->g);
    free(net);
}

/* A convolution works on chunks of images whose im2col takes about this many bytes (2 MiB), so
 * that it is written, multiplied and read back in cache rather than through memory. */
size_t gpbo_trainer__conv_chunk_bytes = (size_t)2 << 20;

static float *falloc(size_t n)
{
    return calloc(n ? n : 1, sizeof(float));
}

/* Shapes are fixed here; buffers follow in alloc_layer. */
static int push(gpbo_net *net, gpbo_layer *l)
{
    gpbo_layer *nl = realloc(net->L, (net->nl + 1) * sizeof *nl);
    if (nl == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
    net->L = nl;
    net->L[net->nl++] = *l;
    return GPBO_OK;
}

/* A layer's buffers for batches of at most bmax and its gradients: everything but the
 * weights, which a replica shares. */
static int alloc_buffers(gpbo_layer *l, size_t bmax)
{
    l->y = falloc(bmax * l->out);
    l->gin = falloc(bmax * l->in);
    if (!l->y || !l->gin)
        return GPBO_ENOMEM;
    if (l->kind == GPBO_L_DENSE || l->kind == GPBO_L_CONV) {
        l->nW = l->kind == GPBO_L_DENSE ? l->in * l->out : l->f * l->c * l->k * l->k;
        l->nb = l->kind == GPBO_L_DENSE ? l->out : l->f;
        l->dW = falloc(l->nW);
        l->db = falloc(l->nb);
        if (!l->dW || !l->db)
            return GPBO_ENOMEM;
    }
    if (l->kind == GPBO_L_CONV) {
        size_t ckk = l->c * l->k * l->k, hw = l->h * l->w;
        l->cb = gpbo_trainer__conv_chunk_bytes / (ckk * hw * sizeof(float));
        l->cb = l->cb < 1 ? 1 : l->cb > bmax ? bmax : l->cb;
        l->cols = falloc(ckk * l->cb * hw);
        l->tmp = falloc(l->f * l->cb * hw);
        l->xpad = falloc(l->c * (l->h + l->k - 1) * (l->w + l->k - 1));
        if (!l->cols || !l->tmp || !l->xpad)
            return GPBO_ENOMEM;
    }
    if (l->kind == GPBO_L_POOL && (l->arg = malloc(bmax * l->out * sizeof *l->arg)) == NULL)
        return GPBO_ENOMEM;
    if (l->kind == GPBO_L_DROPOUT && (l->mask = falloc(bmax * l->out)) == NULL)
        return GPBO_ENOMEM;
    return GPBO_OK;
}

/* A layer's buffers and its weights drawn from rng: He (ReLU) or Glorot (tanh) for a hidden
 * layer; the output layer (output: no activation follows it, softmax does) as PyTorch's
 * nn.Linear (torch.nn.Linear.reset_parameters, which torchvision's classifiers keep): weights
 * and biases uniform in +-1/sqrt(fan_in). He's gain sqrt(2) makes up for the half of a ReLU's
 * input that it zeroes; given to the output layer it doubled the logits' variance, and the
 * first loss on N(0, 1) inputs was 3.0 for mlp:256-128 where PyTorch's is ln 10 = 2.30. */
static int alloc_layer(gpbo_layer *l, size_t bmax, gpbo_trainer_activation act, int output,
                       gpbo_rng *rng)
{
    if (alloc_buffers(l, bmax) != GPBO_OK)
        return GPBO_ENOMEM;
    if (l->kind == GPBO_L_DENSE || l->kind == GPBO_L_CONV) {
        size_t fan_in = l->kind == GPBO_L_DENSE ? l->in : l->c * l->k * l->k;
        size_t fan_out = l->kind == GPBO_L_DENSE ? l->out : l->f * l->k * l->k;
        l->W = falloc(l->nW);
        l->b = falloc(l->nb);
        if (!l->W || !l->b)
            return GPBO_ENOMEM;
        /* the output layer as nn.Linear; hidden layers He for ReLU (He et al. 2015), Glorot
         * uniform for tanh (Glorot & Bengio 2010) */
        if (output) {
            double a = 1.0 / sqrt((double)fan_in);
            for (size_t i = 0; i < l->nW; i++)
                l->W[i] = (float)(a * (2.0 * gpbo_rng_uniform(rng) - 1.0));
            for (size_t i = 0; i < l->nb; i++)
                l->b[i] = (float)(a * (2.0 * gpbo_rng_uniform(rng) - 1.0));
        } else if (act == GPBO_TRAINER_ACT_RELU) {
            double sd = sqrt(2.0 / (double)fan_in);
            for (size_t i = 0; i < l->nW; i++)
                l->W[i] = (float)(sd * gpbo_rng_normal(rng));
        } else {
            double a = sqrt(6.0 / (double)(fan_in + fan_out));
            for (size_t i = 0; i < l->nW; i++)
                l->W[i] = (float)(a * (2.0 * gpbo_rng_uniform(rng) - 1.0));
        }
    }
    return GPBO_OK;
}

/* The number at *p, its digits consumed; 0 (with *big set) for one above 100000. */
static unsigned long read_num(const char **p, int *big)
{
    unsigned long v = 0;
    while (isdigit((unsigned char)**p)) {
        if (v <= 100000)
            v = v * 10 + (unsigned long)(**p - '0');
        (*p)++;
    }
    if (v > 100000) {
        *big = 1;
        return 0;
    }
    return v;
}

/* The shape the layers read so far produce: channels x rows x cols, or flat features. */
typedef struct spec_shape {
    size_t c, h, w, feat;
    int flat; /* a dense layer has been read: no convolution or pooling after it */
} spec_shape;

/* Reads one layer of spec at *p (cnn: "cNkK", "p2" or "dN"; mlp: "N") into l, its input the
 * shape s, which it advances. GPBO_EINVAL naming where spec cannot be read. */
static int read_layer(const char *spec, const char **p, int cnn, spec_shape *s, gpbo_layer *l)
{
    const char *at = *p; /* where the layer starts, for messages */
    char kind = cnn ? **p : 'd';
    if (cnn)
        (*p)++;
    int big = 0;
    unsigned long n = read_num(p, &big), k = 0;
    if (kind == 'c' && **p == 'k') {
        (*p)++;
        k = read_num(p, &big);
    }
    memset(l, 0, sizeof *l);
    /* said so: "mlp:200000" was "cannot read model", as if the spec were misspelt */
    if (big)
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer: model '%s': a layer's size (or kernel) is more than "
                              "100000 (near '%s')",
                              spec, at);
    if (kind == 'c' && n > 0 && k % 2 == 1 && !s->flat) {
        l->kind = GPBO_L_CONV;
        l->c = s->c, l->h = s->h, l->w = s->w, l->f = n, l->k = k;
        l->oc = n, l->oh = s->h, l->ow = s->w;
        l->in = s->c * s->h * s->w;
        l->out = n * s->h * s->w;
        s->c = n;
    } else if (kind == 'p' && n == 2 && !s->flat && s->h >= 2 && s->w >= 2) {
        l->kind = GPBO_L_POOL;
        l->c = s->c, l->h = s->h, l->w = s->w, l->oc = s->c, l->oh = s->h / 2, l->ow = s->w / 2;
        l->in = s->c * s->h * s->w;
        l->out = s->c * (s->h / 2) * (s->w / 2);
        s->h /= 2;
        s->w /= 2;
    } else if ((kind == 'p' && n == 2) || (kind == 'c' && n > 0 && k % 2 == 1)) {
        /* well formed, but not here: say why instead of pointing at the text */
        if (s->flat)
            return gpbo_error_set(GPBO_EINVAL,
                                  "trainer: model '%s': no convolution or pooling after a dense "
                                  "layer (near '%s')",
                                  spec, at);
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer: model '%s': 2 x 2 pooling needs an input of at least 2 x "
                              "2, and its input here is %zu x %zu (near '%s')",
                              spec, s->h, s->w, at);
    } else if (kind == 'd' && n > 0) {
        s->flat = 1;
        l->kind = GPBO_L_DENSE;
        l->in = s->feat;
        l->out = n;
    } else {
        return gpbo_error_set(GPBO_EINVAL,
                              "trainer: cannot read model '%s' near '%s' (mlp:N-N-..., or cnn: "
                              "cNkK (odd K), p2, dN)",
                              spec, at);
    }
    s->feat = l->out;
    return GPBO_OK;
}

/* Appends l, then its activation (not after pooling) and, after a dense layer, dropout. */
static int push_block(gpbo_net *net, gpbo_layer *l, gpbo_trainer_activation act, double dropout)
{
    size_t feat = l->out;
    int rc = push(net, l);
    if (rc == GPBO_OK && l->kind != GPBO_L_POOL) {
        gpbo_layer a = {.kind = GPBO_L_ACT, .in = feat, .out = feat, .act = act};
        rc = push(net, &a);
    }
    if (rc == GPBO_OK && l->kind == GPBO_L_DENSE && dropout > 0) {
        gpbo_layer d = {.kind = GPBO_L_DROPOUT, .in = feat, .out = feat, .p = (float)dropout};
        rc = push(net, &d);
    }
    return rc;
}

/* The layers of spec ("mlp:..." or "cnn:...") for inputs of channels x rows x cols, then the
 * output layer, into net (its weights not yet allocated). GPBO_EINVAL naming the problem,
 * GPBO_ENOMEM. */
static int build_layers(gpbo_net *net, const char *spec, gpbo_trainer_activation act,
                        double dropout, size_t channels, size_t rows, size_t cols)
{
    int cnn = strncmp(spec, "cnn:", 4) == 0;
    if (!cnn && strncmp(spec, "mlp:", 4) != 0 && strcmp(spec, "mlp") != 0)
        return gpbo_error_set(GPBO_EINVAL, "trainer: model '%s' must start with 'mlp:' or 'cnn:'",
                              spec);
    spec_shape s = {channels, rows, cols, net->in, !cnn};
    const char *p = spec[3] == ':' ? spec + 4 : spec + 3;
    while (*p) {
        gpbo_layer l;
        int rc = read_layer(spec, &p, cnn, &s, &l);
        if (rc == GPBO_OK)
            rc = push_block(net, &l, act, dropout);
        if (rc != GPBO_OK)
            return rc;
        if (*p == '-' && p[1] == '\0')
            return gpbo_error_set(GPBO_EINVAL, "trainer: model '%s' ends with '-'", spec);
        if (*p == '-')
            p++;
        else if (*p)
            return gpbo_error_set(GPBO_EINVAL, "trainer: model '%s': unexpected '%c'", spec, *p);
    }
    /* no hidden dense layer, so no dropout yet: the output layer's input takes it. With no
     * hidden layer at all ("mlp:", "mlp", "cnn:") that is a linear softmax classifier
     * (multinomial logistic regression) on the input (dropout on the inputs of a linear model is
     * an adaptive L2 penalty: Wager, Wang & Liang 2013); after convolutions and pooling only
     * ("cnn:c4k5-p2"), the flattened features, as nn.Flatten(), nn.Dropout(p), nn.Linear. Both
     * used to be dropped without a word. (s.flat: a dense layer was read, or an MLP's input.) */
    if (dropout > 0 && (net->nl == 0 || !s.flat)) {
        gpbo_layer d = {.kind = GPBO_L_DROPOUT, .in = s.feat, .out = s.feat, .p = (float)dropout};
        int rc = push(net, &d);
        if (rc != GPBO_OK)
            return rc;
    }
    gpbo_layer o = {.kind = GPBO_L_DENSE, .in = s.feat, .out = net->classes};
    return push(net, &o);
}

/* Every layer's weights (drawn from rng) and buffers, and the net's output buffers. */
static int alloc_net(gpbo_net *net, const char *spec, gpbo_trainer_activation act, gpbo_rng *rng)
{
    for (size_t i = 0; i < net->nl; i++) {
        if (alloc_layer(&net->L[i], net->bmax, act, i + 1 == net->nl, rng) != GPBO_OK)
            return gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory for model '%s'", spec);
        net->nparams += net->L[i].nW + net->L[i].nb;
        net->drops |= net->L[i].kind == GPBO_L_DROPOUT && net->L[i].p > 0.0f;
    }
    net->probs = falloc(net->bmax * net->classes);
    net->g = falloc(net->bmax * net->classes);
    if (!net->probs || !net->g)
        return gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
    return GPBO_OK;
}

gpbo_net *gpbo_net_new(const char *spec, gpbo_trainer_activation act, double dropout,
                       size_t channels, size_t rows, size_t cols, size_t classes, size_t bmax,
                       gpbo_rng *rng)
{
    if (spec == NULL || bmax == 0 || classes < 2 || channels * rows * cols == 0) {
        gpbo_error_set(GPBO_EINVAL, "trainer: bad network arguments");
        return NULL;
    }
    if (!(dropout >= 0.0 && dropout < 1.0)) {
        gpbo_error_set(GPBO_EINVAL, "trainer: dropout %g must lie in [0, 1)", dropout);
        return NULL;
    }
    gpbo_net *net = calloc(1, sizeof *net);
    if (net == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
        return NULL;
    }
    net->in = channels * rows * cols;
    net->classes = classes;
    net->bmax = bmax;
    if (build_layers(net, spec, act, dropout, channels, rows, cols) != GPBO_OK ||
        alloc_net(net, spec, act, rng) != GPBO_OK) {
        gpbo_net_free(net);
        return NULL;
    }
    return net;
}

gpbo_net *gpbo_net_replica(const gpbo_net *net, size_t bmax)
{
    gpbo_net *r = calloc(1, sizeof *r);
    if (r == NULL || (r->L = calloc(net->nl, sizeof *r->L)) == NULL) {
        free(r);
        gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
        return NULL;
    }
    r->nl = net->nl;
    r->in = net->in;
    r->classes = net->classes;
    r->bmax = bmax;
    r->nparams = net->nparams;
    r->drops = net->drops;
    r->shared = 1;
    int rc = GPBO_OK;
    for (size_t i = 0; i < net->nl && rc == GPBO_OK; i++) {
        const gpbo_layer *l = &net->L[i];
        gpbo_layer *c = &r->L[i];
        /* the shapes and settings; the buffers its own, the weights the network's */
        *c = (gpbo_layer){.kind = l->kind,
                          .in = l->in,
                          .out = l->out,
                          .c = l->c,
                          .h = l->h,
                          .w = l->w,
                          .f = l->f,
                          .k = l->k,
                          .oc = l->oc,
                          .oh = l->oh,
                          .ow = l->ow,
                          .p = l->p,
                          .act = l->act,
                          .W = l->W,
                          .b = l->b};
        rc = alloc_buffers(c, bmax);
    }
    r->probs = falloc(bmax * r->classes);
    r->g = falloc(bmax * r->classes);
    if (rc != GPBO_OK || !r->probs || !r->g) {
        gpbo_net_free(r);
        gpbo_error_set(GPBO_ENOMEM, "trainer: out of memory");
        return NULL;
    }
    return r;
}

/* ---- convolution helpers: cols[(ci k k + ki k + kj)][b hw + p] ---------------------------- */

/* im2col and col2im go through one zero-padded image (xpad), so that every row of a kernel
 * offset is a plain run of w floats, with no edge cases in the inner loop. */
static void im2col(const gpbo_layer *l, const float *x, size_t B)
{
    size_t k = l->k, pad = k / 2, h = l->h, w = l->w, hw = h * w, BHW = B * hw;
    size_t ph = h + k - 1, pw = w + k - 1;
    float *xp = l->xpad;
    memset(xp, 0, l->c * ph * pw * sizeof *xp);
    for (size_t b = 0; b < B; b++) {
        for (size_t ci = 0; ci < l->c; ci++)
            for (size_t i = 0; i < h; i++)
                memcpy(xp + (ci * ph + i + pad) * pw + pad, x + b * l->in + (ci * h + i) * w,
                       w * sizeof *xp);
        for (size_t ci = 0; ci < l->c; ci++)
            for (size_t ki = 0; ki < k; ki++)
                for (size_t kj = 0; kj < k; kj++) {
                    float *restrict dst = l->cols + ((ci * k + ki) * k + kj) * BHW + b * hw;
                    const float *restrict src = xp + (ci * ph + ki) * pw + kj;
                    for (size_t i = 0; i < h; i++)
                        for (size_t j = 0; j < w; j++)
                            dst[i * w + j] = src[i * pw + j];
                }
    }
}

static void col2im(const gpbo_layer *l, const float *dcols, float *gin, size_t B)
{
    size_t k = l->k, pad = k / 2, h = l->h, w = l->w, hw = h * w, BHW = B * hw;
    size_t ph = h + k - 1, pw = w + k - 1;
    float *gp = l->xpad;
    for (size_t b = 0; b < B; b++) {
        memset(gp, 0, l->c * ph * pw * sizeof *gp);
        for (size_t ci = 0; ci < l->c; ci++)
            for (size_t ki = 0; ki < k; ki++)
                for (size_t kj = 0; kj < k; kj++) {
                    const float *restrict src = dcols + ((ci * k + ki) * k + kj) * BHW + b * hw;
                    float *restrict dst = gp + (ci * ph + ki) * pw + kj;
                    for (size_t i = 0; i < h; i++)
                        for (size_t j = 0; j < w; j++)
                            dst[i * pw + j] += src[i * w + j];
                }
        for (size_t ci = 0; ci < l->c; ci++)
            for (size_t i = 0; i < h; i++)
                memcpy(gin + b * l->in + (ci * h + i) * w, gp + (ci * ph + i + pad) * pw + pad,
                       w * sizeof *gin);
    }
}

/* Convolution forward of B images into out: l->y, or, when relu, the next (ReLU) layer's output,
 * the bias and the activation applied in the one pass that reorders the sgemm's (f x nb hw)
 * result into (b, f, hw): a pass over the largest tensors of the network saved, and the
 * pre-activation (needed by nothing: the backward of a convolution reads its input) never
 * written. */
static void conv_forward(gpbo_layer *l, const float *x, size_t B, float *out, int relu)
{
    size_t hw = l->h * l->w, ckk = l->c * l->k * l->k;
    for (size_t b0 = 0; b0 < B; b0 += l->cb) {
        size_t nb = B - b0 < l->cb ? B - b0 : l->cb, NHW = nb * hw;
        im2col(l, x + b0 * l->in, nb);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)l->f, (int)NHW, (int)ckk, 1.0f,
                    l->W, (int)ckk, l->cols, (int)NHW, 0.0f, l->tmp, (int)NHW);
        for (size_t fi = 0; fi < l->f; fi++)
            for (size_t b = 0; b < nb; b++) {
                float *restrict dst = out + (b0 + b) * l->out + fi * hw;
                const float *restrict src = l->tmp + fi * NHW + b * hw;
                float bias = l->b[fi];
                if (relu)
                    for (size_t q = 0; q < hw; q++) {
                        float v = src[q] + bias;
                        dst[q] = v > 0.0f ? v : 0.0f;
                    }
                else
                    for (size_t q = 0; q < hw; q++)
                        dst[q] = src[q] + bias;
            }
    }
}

/* The seed of example i's dropout masks in layer li of a batch keyed by key: distinct for
 * every (layer, example), so that no two masks share a stream. */
static uint64_t mask_seed(uint64_t key, size_t li, size_t i)
{
    return key ^ ((uint64_t)li << 48) ^ (uint64_t)i;
}

/* Dropout of B examples, the first being the batch's example `first`: each example's mask from
 * its own stream (mask_seed), so that the masks do not depend on how the batch is split. */
static void dropout_forward(gpbo_layer *l, size_t li, const float *x, size_t B, uint64_t key,
                            size_t first)
{
    float keep = 1.0f - l->p, scale = 1.0f / keep;
    for (size_t b = 0; b < B; b++) {
        gpbo_rng er;
        gpbo_rng_seed(&er, mask_seed(key, li, first + b));
        float *mask = l->mask + b * l->out, *y = l->y + b * l->out;
        const float *in = x + b * l->out;
        for (size_t i = 0; i < l->out; i++) {
            mask[i] = gpbo_rng_uniform(&er) < keep ? scale : 0.0f;
            y[i] = in[i] * mask[i];
        }
    }
}

static void forward_layer(gpbo_layer *l, size_t li, const float *x, size_t B, int train,
                          uint64_t key, size_t first)
{
    switch (l->kind) {
    case GPBO_L_DENSE:
        for (size_t b = 0; b < B; b++)
            memcpy(l->y + b * l->out, l->b, l->out * sizeof *l->y);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)l->out, (int)l->in,
                    1.0f, x, (int)l->in, l->W, (int)l->out, 1.0f, l->y, (int)l->out);
        break;
    case GPBO_L_CONV:
        conv_forward(l, x, B, l->y, 0);
        break;
    case GPBO_L_POOL:
        /* 2x2 windows, stride 2; branch-free selects (the winner is data, not predictable), in
         * 32-bit indices so that the row loop vectorizes (floats and int32 in the same lanes) */
        for (size_t b = 0; b < B; b++)
            for (size_t ci = 0; ci < l->c; ci++) {
                const float *img = x + b * l->in + ci * l->h * l->w;
                float *yo = l->y + b * l->out + ci * l->oh * l->ow;
                int32_t *ao = l->arg + b * l->out + ci * l->oh * l->ow;
                int32_t w = (int32_t)l->w, ow = (int32_t)l->ow;
                for (size_t i = 0; i < l->oh; i++) {
                    const float *restrict r0 = img + 2 * i * l->w, *restrict r1 = r0 + l->w;
                    float *restrict yr = yo + i * l->ow;
                    int32_t *restrict ar = ao + i * l->ow;
                    int32_t q0 = (int32_t)(ci * l->h * l->w + 2 * i * l->w);
                    for (int32_t j = 0; j < ow; j++) {
                        float a = r0[2 * j], c = r0[2 * j + 1], e = r1[2 * j], f = r1[2 * j + 1];
                        int32_t qa = q0 + 2 * j, qe = qa + w;
                        float top = c > a ? c : a, bot = f > e ? f : e;
                        int32_t it = c > a ? qa + 1 : qa, ib = f > e ? qe + 1 : qe;
                        yr[j] = bot > top ? bot : top;
                        ar[j] = bot > top ? ib : it;
                    }
                }
            }
        break;
    case GPBO_L_ACT: {
        size_t m = B * l->out;
        float *restrict y = l->y;
        const float *restrict in = x;
        if (l->act == GPBO_TRAINER_ACT_RELU)
            for (size_t i = 0; i < m; i++)
                y[i] = in[i] > 0.0f ? in[i] : 0.0f;
        else
            for (size_t i = 0; i < m; i++)
                y[i] = tanhf(in[i]);
        break;
    }
    case GPBO_L_DROPOUT: {
        size_t m = B * l->out;
        if (!train || l->p <= 0.0f)
            memcpy(l->y, x, m * sizeof *l->y);
        else
            dropout_forward(l, li, x, B, key, first);
        break;
    }
    }
}

const float *gpbo_net_forward(gpbo_net *net, const float *x, size_t B, int train, gpbo_rng *rng)
{
    uint64_t key = train && net->drops ? gpbo_rng_u64(rng) : 0;
    return gpbo_net_forward_part(net, x, B, train, key, 0);
}

const float *gpbo_net_forward_part(gpbo_net *net, const float *x, size_t B, int train, uint64_t key,
                                   size_t first)
{
    const float *a = x;
    for (size_t i = 0; i < net->nl; i++) {
        gpbo_layer *l = &net->L[i], *next = i + 1 < net->nl ? &net->L[i + 1] : NULL;
        if (l->kind == GPBO_L_CONV && next != NULL && next->kind == GPBO_L_ACT &&
            next->act == GPBO_TRAINER_ACT_RELU) {
            conv_forward(l, a, B, next->y, 1); /* the ReLU layer's forward done here */
            a = next->y;
            i++;
            continue;
        }
        forward_layer(l, i, a, B, train, key, first);
        a = l->y;
    }
    return a;
}

double gpbo_net_loss(gpbo_net *net, const int32_t *y, size_t B, int want_grad)
{
    return gpbo_net_loss_part(net, y, B, B, want_grad) / (double)B;
}

double gpbo_net_loss_part(gpbo_net *net, const int32_t *y, size_t B, size_t total, int want_grad)
{
    const float *z = net->L[net->nl - 1].y;
    size_t C = net->classes;
    double loss = 0.0;
    for (size_t b = 0; b < B; b++) {
        const float *zb = z + b * C;
        float mx = zb[0];
        for (size_t c = 1; c < C; c++)
            mx = zb[c] > mx ? zb[c] : mx;
        double s = 0.0;
        for (size_t c = 0; c < C; c++)
            s += exp((double)(zb[c] - mx));
        double lse = log(s) + mx;
        for (size_t c = 0; c < C; c++)
            net->probs[b * C + c] = (float)exp((double)zb[c] - lse);
        loss += lse - zb[y[b]];
        if (want_grad) {
            for (size_t c = 0; c < C; c++)
                net->g[b * C + c] =
                    (net->probs[b * C + c] - (c == (size_t)y[b] ? 1.0f : 0.0f)) / (float)total;
        }
    }
    return loss;
}

/* Backward through layer l with output gradient g and forward input x; writes l->gin (when
 * need_gin) and the parameter gradients. */
static void backward_layer(gpbo_layer *l, const float *x, const float *g, size_t B, int need_gin)
{
    switch (l->kind) {
    case GPBO_L_DENSE:
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)l->in, (int)l->out, (int)B, 1.0f,
                    x, (int)l->in, g, (int)l->out, 0.0f, l->dW, (int)l->out);
        memset(l->db, 0, l->nb * sizeof *l->db);
        for (size_t b = 0; b < B; b++)
            for (size_t o = 0; o < l->out; o++)
                l->db[o] += g[b * l->out + o];
        if (need_gin)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)l->in, (int)l->out,
                        1.0f, g, (int)l->out, l->W, (int)l->out, 0.0f, l->gin, (int)l->in);
        break;
    case GPBO_L_CONV: {
        size_t hw = l->h * l->w, ckk = l->c * l->k * l->k;
        memset(l->db, 0, l->nb * sizeof *l->db);
        for (size_t b0 = 0; b0 < B; b0 += l->cb) {
            size_t nb = B - b0 < l->cb ? B - b0 : l->cb, NHW = nb * hw;
            /* the chunk's output gradient in (f x nb hw) layout */
            for (size_t fi = 0; fi < l->f; fi++)
                for (size_t b = 0; b < nb; b++) {
                    const float *src = g + (b0 + b) * l->out + fi * hw;
                    float *dst = l->tmp + fi * NHW + b * hw;
                    float s = 0.0f;
                    for (size_t q = 0; q < hw; q++) {
                        dst[q] = src[q];
                        s += src[q];
                    }
                    l->db[fi] += s;
                }
            /* the chunk's im2col again (cheaper than keeping the whole batch's in memory) */
            im2col(l, x + b0 * l->in, nb);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)l->f, (int)ckk, (int)NHW,
                        1.0f, l->tmp, (int)NHW, l->cols, (int)NHW, b0 == 0 ? 0.0f : 1.0f, l->dW,
                        (int)ckk);
            if (need_gin) {
                /* dcols = W^T tmp, written over cols (no longer needed) */
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ckk, (int)NHW, (int)l->f,
                            1.0f, l->W, (int)ckk, l->tmp, (int)NHW, 0.0f, l->cols, (int)NHW);
                col2im(l, l->cols, l->gin + b0 * l->in, nb);
            }
        }
        break;
    }
    case GPBO_L_POOL:
        memset(l->gin, 0, B * l->in * sizeof *l->gin);
        for (size_t b = 0; b < B; b++)
            for (size_t o = 0; o < l->out; o++)
                l->gin[b * l->in + (size_t)l->arg[b * l->out + o]] += g[b * l->out + o];
        break;
    case GPBO_L_ACT: {
        size_t m = B * l->out;
        float *restrict gin = l->gin;
        const float *restrict y = l->y, *restrict go = g;
        if (l->act == GPBO_TRAINER_ACT_RELU)
            for (size_t i = 0; i < m; i++) {
                float gv = go[i]; /* loaded unconditionally, so that the select vectorizes */
                gin[i] = y[i] > 0.0f ? gv : 0.0f;
            }
        else
            for (size_t i = 0; i < m; i++)
                gin[i] = go[i] * (1.0f - y[i] * y[i]);
        break;
    }
    case GPBO_L_DROPOUT: {
        size_t m = B * l->out;
        if (!need_gin) /* on the input (a linear model's): nothing before it to pass back to */
            break;
        if (l->p <= 0.0f)
            memcpy(l->gin, g, m * sizeof *g);
        else
            for (size_t i = 0; i < m; i++)
                l->gin[i] = g[i] * l->mask[i];
        break;
    }
    }
}

/* Backward through a 2 x 2 max pooling and the ReLU before it, in one pass that writes the
 * ReLU's input gradient: the window's winner gets the pooled gradient when the pooled value
 * (the winner's ReLU output) is positive, the other three get 0. The same numbers as the two
 * layers' own backward passes (ReLU passes g where y > 0), without the pooling's zeroing and
 * scatter into a buffer that the ReLU then reads back whole. */
static void pool_relu_backward(const gpbo_layer *pool, gpbo_layer *act, const float *g, size_t B)
{
    size_t h = pool->h, w = pool->w, oh = pool->oh, ow = pool->ow, hw = h * w;
    if (h % 2 != 0 || w % 2 != 0) /* a last row or column that no window covers */
        memset(act->gin, 0, B * pool->in * sizeof *act->gin);
    for (size_t b = 0; b < B; b++)
        for (size_t ci = 0; ci < pool->c; ci++) {
            float *img = act->gin + b * pool->in + ci * hw;
            const float *go = g + b * pool->out + ci * oh * ow;
            const float *yo = pool->y + b * pool->out + ci * oh * ow;
            for (size_t i = 0; i < oh; i++) {
                float *r0 = img + 2 * i * w, *r1 = r0 + w;
                for (size_t j = 0; j < 2 * ow; j++)
                    r0[j] = r1[j] = 0.0f;
            }
            const int32_t *ao = pool->arg + b * pool->out + ci * oh * ow;
            float *base = act->gin + b * pool->in; /* arg counts from the image's start */
            for (size_t o = 0; o < oh * ow; o++)
                base[ao[o]] = yo[o] > 0.0f ? go[o] : 0.0f;
        }
}

void gpbo_net_backward(gpbo_net *net, const float *x, size_t B, float *gin)
{
    const float *g = net->g;
    for (size_t i = net->nl; i-- > 0;) {
        gpbo_layer *l = &net->L[i];
        if (l->kind == GPBO_L_POOL && i > 0 && net->L[i - 1].kind == GPBO_L_ACT &&
            net->L[i - 1].act == GPBO_TRAINER_ACT_RELU) {
            pool_relu_backward(l, &net->L[i - 1], g, B);
            g = net->L[--i].gin;
            continue;
        }
        const float *in = i > 0 ? net->L[i - 1].y : x;
        int need = i > 0 || gin != NULL;
        backward_layer(l, in, g, B, need);
        g = l->gin;
    }
    if (gin != NULL)
        memcpy(gin, net->L[0].gin, B * net->in * sizeof *gin);
}
