/*
 * strategies.c: grid, random, Sobol, Latin hypercube and Bayesian search behind one interface
 * (gpbo_strategy_def). Every choice is a function of the study seed and the trial number, so
 * a resumed study repeats an uninterrupted one.
 *
 * bayes: the first n_init trials are randomized Sobol points (bayes_design.c); then a GP
 * (Matérn 5/2 ARD by default; maximum likelihood unless use_priors) is fitted to the complete
 * trials and to the pruned ones at their last intermediate value moved by the complete trials'
 * median gain from that step on (pruned_view.c, applied by study.c), failed trials left out or
 * imputed (bayes_failure.c); at each refit the ARD, log-warped and additive models compete by
 * marginal likelihood (bayes_model.c), and the acquisition (log-EI by default) is maximized over
 * the projected space with the running trials as pending points (bayes_acq.c). Once the best has
 * stalled, two trials in three go to a restart episode (bayes_restart.c). A study of several
 * objectives proposes past its design by EHVI or ParEGO instead (bayes_mo.c), without restarts.
 *
 * Conditional parameters (space_cond.c): every strategy's point goes through the space's
 * projection or encoding, which writes an inactive parameter's coordinates at a fixed place, so
 * no strategy proposes a point of inconsistent activity. For bayes that is the model's choice
 * too: inactive inputs imputed at a constant (SMAC's imputation, as Lévesque et al. 2017 use it
 * with a GP) and the acquisition maximized through the projection, so each branch is searched
 * over its own parameters (bench/compare/README.md measures it against the flat encoding). The
 * grid lists its distinct points only.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "bayes_constraints.h"
#include "bayes_internal.h"

/* Latin hypercube block b draws from the study seed XOR b + 1 times this odd 64-bit constant
 * of high entropy, so that blocks draw unrelated permutations. Chosen by hand, not tuned. */
#define LHS_BLOCK_SALT 0xD1B54A32D192ED03ull
/* The most points a grid may have: beyond, its index would not fit the study's trials anyway.
 * Chosen by hand, not tuned. */
#define GRID_MAX_POINTS 1e8
/* The most points a grid over a space with conditions may have before its duplicates are sorted
 * out (each is looked at once, at the study's start). Chosen by hand, not tuned. */
#define GRID_COND_MAX_POINTS 10000000u

static int random_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    (void)st;
    (void)number;
    size_t d = v->space->dim;
    for (size_t k = 0; k < d; k++)
        u[k] = gpbo_rng_uniform(rng);
    return gpbo_space_project(u, d, (void *)v->space);
}

/* ---- sobol --------------------------------------------------------------------------------- */

/* Sobol point `number` costs O(number) on its own (GSL's generator walks the sequence from its
 * start), so a study of n trials spent O(n^2) in its asks: 2 ms an ask at 5000 trials with a
 * storage, which draws RESERVE_AHEAD points an ask (study.c). The state keeps a block of the
 * next points, drawn in one walk: an ask in it is a copy, and one past it walks once for the
 * next block (SOBOL_BLOCK_SMALL points while the study is small, so that a short study draws
 * little ahead; SOBOL_BLOCK past that). Amortized, an ask at n costs O(n / SOBOL_BLOCK) steps of
 * the walk. The points are those gpbo_bayes__sobol_point gives, bit for bit. Sizes chosen by
 * hand (bench/steps/README.md, "Sobol asks"), not tuned. */
#define SOBOL_BLOCK_SMALL 64
#define SOBOL_BLOCK       1024

typedef struct sobol_state {
    size_t first, count; /* the block held: points first .. first + count - 1 */
    double *u;           /* count rows of dim, projected */
} sobol_state;

static void sobol_free(void *p)
{
    sobol_state *s = p;
    if (s) {
        free(s->u);
        free(s);
    }
}

static int sobol_init(void **state, const gpbo_space *space, const gpbo_study_options *o)
{
    (void)o;
    *state = NULL;
    if (space->dim == 0 || space->dim > GPBO_ACQ_SOBOL_MAX_DIM)
        return GPBO_OK; /* nothing to walk: each ask draws its point alone */
    sobol_state *s = calloc(1, sizeof *s);
    if (s == NULL || (s->u = malloc(SOBOL_BLOCK * space->dim * sizeof *s->u)) == NULL) {
        free(s);
        return gpbo_error_set(GPBO_ENOMEM, "sobol: out of memory");
    }
    *state = s;
    return GPBO_OK;
}

static int sobol_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    sobol_state *s = st;
    size_t d = v->space->dim;
    if (s == NULL)
        return gpbo_bayes__sobol_point(v->space, v->opts->seed, number, rng, u);
    if (number < s->first || number - s->first >= s->count) {
        size_t count = number < SOBOL_BLOCK ? SOBOL_BLOCK_SMALL : SOBOL_BLOCK;
        s->count = 0; /* nothing held should the walk fail half-way */
        int rc = gpbo_bayes__sobol_points(v->space, v->opts->seed, number, count, rng, s->u);
        if (rc != GPBO_OK) /* past the sequence's end within the block: this point alone */
            return gpbo_bayes__sobol_point(v->space, v->opts->seed, number, rng, u);
        s->first = number;
        s->count = count;
    }
    memcpy(u, s->u + (number - s->first) * d, d * sizeof *u);
    return GPBO_OK;
}

/* The largest Latin hypercube: each ask shuffles and draws lhs_size numbers per coordinate (and a
 * size near SIZE_MAX / 8 once wrapped its buffer's size). As the grid's bound; chosen by hand. */
#define LHS_MAX_SIZE 1e8
/* The most numbers (lhs_size x dimension) of one block the state keeps: 16 bytes each, 16 MB.
 * Past it every ask draws its block's permutations again (O(lhs_size x dim) an ask). Chosen by
 * hand, not tuned. */
#define LHS_KEEP_MAX ((size_t)1 << 20)

/* A Latin hypercube of L points per block draws, for each coordinate, a permutation of L and L
 * jitters from the block's generator: an ask that drew them all again for its one row cost
 * O(L x dim), and a design of L trials O(L^2 x dim) (1.9 ms an ask at lhs_size 20000 in 6-D).
 * The state keeps the last block's draws (when they fit LHS_KEEP_MAX), so each row of a block
 * after its first is a lookup. */
typedef struct lhs_state {
    size_t L, d, block; /* block: the one held, SIZE_MAX for none */
    size_t *perm;       /* d rows of L */
    double *jit;        /* d rows of L */
} lhs_state;

static void lhs_free(void *p)
{
    lhs_state *s = p;
    if (s) {
        free(s->perm);
        free(s->jit);
        free(s);
    }
}

static int lhs_init(void **state, const gpbo_space *space, const gpbo_study_options *o)
{
    *state = NULL;
    if ((double)o->lhs_size > LHS_MAX_SIZE)
        return gpbo_error_set(GPBO_EINVAL, "lhs: lhs_size %zu is too large (at most 1e8)",
                              o->lhs_size);
    size_t L = o->lhs_size ? o->lhs_size : 1, d = space->dim;
    if (d == 0 || L > LHS_KEEP_MAX / d)
        return GPBO_OK; /* nothing to keep, or too much: each ask draws its block */
    lhs_state *s = calloc(1, sizeof *s);
    if (s == NULL || (s->perm = malloc(L * d * sizeof *s->perm)) == NULL ||
        (s->jit = malloc(L * d * sizeof *s->jit)) == NULL) {
        lhs_free(s);
        return gpbo_error_set(GPBO_ENOMEM, "lhs: out of memory");
    }
    s->L = L;
    s->d = d;
    s->block = SIZE_MAX;
    *state = s;
    return GPBO_OK;
}

/* One column of block draws from br: a permutation of L into p, then L jitters (row i's the
 * (i+1)-th), kept in jit unless it is NULL. Returns row j's jitter. */
static double lhs_column(gpbo_rng *br, size_t L, size_t *p, double *jit, size_t j)
{
    for (size_t i = 0; i < L; i++)
        p[i] = i;
    gpbo_rng_shuffle(br, L, p);
    double mine = 0.0;
    for (size_t i = 0; i < L; i++) {
        double x = gpbo_rng_uniform(br);
        if (jit != NULL)
            jit[i] = x;
        if (i == j)
            mine = x;
    }
    return mine;
}

static void lhs_seed(gpbo_rng *br, uint64_t seed, size_t block)
{
    gpbo_rng_seed(br, seed ^ (LHS_BLOCK_SALT * (block + 1)));
}

/* Block b's draws, column after column, into perm and jit (d rows of L each). */
static void lhs_block(uint64_t seed, size_t b, size_t L, size_t d, size_t *perm, double *jit)
{
    gpbo_rng br;
    lhs_seed(&br, seed, b);
    for (size_t k = 0; k < d; k++)
        lhs_column(&br, L, perm + k * L, jit + k * L, 0);
}

/* Row j of block `block` without a state: the block's draws made again, only row j's kept. */
static int lhs_row_alone(uint64_t seed, size_t L, size_t block, size_t j, size_t d, double *u)
{
    size_t *perm = malloc(L * sizeof *perm);
    if (perm == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "lhs: out of memory");
    gpbo_rng br;
    lhs_seed(&br, seed, block);
    for (size_t k = 0; k < d; k++) {
        double jit = lhs_column(&br, L, perm, NULL, j);
        u[k] = ((double)perm[j] + jit) / (double)L;
    }
    free(perm);
    return GPBO_OK;
}

static int lhs_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    (void)rng;
    lhs_state *s = st;
    size_t L = v->opts->lhs_size ? v->opts->lhs_size : 1, d = v->space->dim;
    size_t block = number / L, j = number % L;
    if (s == NULL || s->L != L || s->d != d) {
        int rc = lhs_row_alone(v->opts->seed, L, block, j, d, u);
        if (rc != GPBO_OK)
            return rc;
    } else {
        if (s->block != block) {
            lhs_block(v->opts->seed, block, L, d, s->perm, s->jit);
            s->block = block;
        }
        for (size_t k = 0; k < d; k++)
            u[k] = ((double)s->perm[k * L + j] + s->jit[k * L + j]) / (double)L;
    }
    return gpbo_space_project(u, d, (void *)v->space);
}

/* ---- grid ---------------------------------------------------------------------------------- */

typedef struct grid_state {
    size_t np;
    size_t *count; /* values per parameter */
    size_t total;
    size_t *order; /* shuffled visiting order, or NULL */
} grid_state;

static void grid_free(void *p)
{
    grid_state *g = p;
    if (g) {
        free(g->count);
        free(g->order);
        free(g);
    }
}

static void grid_values(const grid_state *g, const gpbo_space *s, size_t idx, double *vals,
                        size_t *digit);

/* A space with conditions: the grid's points are its distinct ones, those where every inactive
 * parameter sits at the first point of its axis (the others repeat them), listed in g->order
 * (g->total their count). */
static int grid_distinct(grid_state *g, const gpbo_space *s)
{
    if (g->total > GRID_COND_MAX_POINTS)
        return gpbo_error_set(GPBO_EINVAL,
                              "grid: %zu points are too many to sort out by their "
                              "conditions (at most 1e7)",
                              g->total);
    size_t n = s->n ? s->n : 1, m = 0;
    double *vals = malloc(n * sizeof *vals);
    size_t *digit = malloc(n * sizeof *digit);
    unsigned char *active = malloc(n);
    g->order = malloc((g->total ? g->total : 1) * sizeof *g->order);
    int rc = vals && digit && active && g->order
                 ? GPBO_OK
                 : gpbo_error_set(GPBO_ENOMEM, "grid: out of memory");
    for (size_t idx = 0; rc == GPBO_OK && idx < g->total; idx++) {
        grid_values(g, s, idx, vals, digit);
        gpbo_search__activity(s, vals, active);
        int dup = 0;
        for (size_t i = 0; i < s->n && !dup; i++)
            dup = !active[i] && digit[i] != 0;
        if (!dup)
            g->order[m++] = idx;
    }
    g->total = m;
    free(vals);
    free(digit);
    free(active);
    return rc;
}

static int grid_init(void **out, const gpbo_space *space, const gpbo_study_options *o)
{
    if (o->grid_resolution < 1)
        return gpbo_error_set(GPBO_EINVAL, "grid: grid_resolution must be at least 1");
    grid_state *g = calloc(1, sizeof *g);
    if (g == NULL || (g->count = calloc(space->n + 1, sizeof *g->count)) == NULL) {
        grid_free(g);
        return gpbo_error_set(GPBO_ENOMEM, "grid: out of memory");
    }
    g->np = space->n;
    double total = 1.0;
    for (size_t i = 0; i < space->n; i++) {
        const gpbo_param *p = &space->p[i];
        size_t c = 1;
        if (p->type == GPBO_PARAM_FLOAT && p->step == 0)
            c = p->lo == p->hi ? 1 : o->grid_resolution;
        else if (gpbo_search__param_discrete(p)) {
            /* an integer or a stepped value: its points, or grid_resolution of them */
            double range = p->step > 0 ? p->nsteps + 1.0 : p->hi - p->lo + 1.0;
            c = range < (double)o->grid_resolution ? (size_t)range : o->grid_resolution;
        } else if (p->type == GPBO_PARAM_CATEGORICAL)
            c = p->nchoices;
        g->count[i] = c;
        total *= (double)c;
    }
    if (total > GRID_MAX_POINTS) {
        grid_free(g);
        return gpbo_error_set(GPBO_EINVAL, "grid: %.3g points are too many (at most 1e8)", total);
    }
    g->total = (size_t)total;
    int rc = gpbo_search__conditional(space) ? grid_distinct(g, space) : GPBO_OK;
    if (rc != GPBO_OK) {
        grid_free(g);
        return rc;
    }
    if (o->grid_shuffle && g->order == NULL) {
        g->order = malloc(g->total * sizeof *g->order);
        if (g->order == NULL) {
            grid_free(g);
            return gpbo_error_set(GPBO_ENOMEM, "grid: out of memory");
        }
        for (size_t i = 0; i < g->total; i++)
            g->order[i] = i;
    }
    if (o->grid_shuffle) {
        gpbo_rng r;
        gpbo_rng_seed(&r, o->seed);
        gpbo_rng_shuffle(&r, g->total, g->order);
    }
    *out = g;
    return GPBO_OK;
}

static size_t grid_capacity(const void *st)
{
    return ((const grid_state *)st)->total;
}

/* Point k of c (c > 1) on the axis of float or integer p, evenly spaced on its scale: the first
 * is lo and the last hi exactly, as np.geomspace and Optuna's grids give them (exp(log(lo)) is
 * not lo: 1e-5 came out an ulp above it, 1e300 an ulp below, which encode refused), and every
 * point between is held inside [lo, hi]. */
static double grid_point(const gpbo_param *p, size_t k, size_t c)
{
    if (k == 0)
        return p->lo;
    if (k == c - 1)
        return p->hi;
    double t = (double)k / (double)(c - 1), x;
    if (p->log_scale)
        x = exp(log(p->lo) + t * (log(p->hi) - log(p->lo)));
    else
        x = p->lo + t * (p->hi - p->lo);
    if (p->type == GPBO_PARAM_INT)
        x = round(x);
    return x < p->lo ? p->lo : x > p->hi ? p->hi : x;
}

/* The values of grid point idx (mixed radix, the last parameter varying fastest); digit[i]
 * (NULL: not wanted) is parameter i's index on its axis. */
static void grid_values(const grid_state *g, const gpbo_space *s, size_t idx, double *vals,
                        size_t *digit)
{
    for (size_t i = s->n; i-- > 0;) {
        const gpbo_param *p = &s->p[i];
        size_t c = g->count[i], k = idx % c;
        idx /= c;
        if (digit != NULL)
            digit[i] = k;
        if (p->type == GPBO_PARAM_CATEGORICAL) {
            vals[i] = (double)k;
        } else if (p->type == GPBO_PARAM_CONST || c == 1) {
            vals[i] = p->lo;
        } else if (p->step > 0) { /* k of c spread over the steps, as an integer's */
            double j = k == c - 1 ? p->nsteps : round((double)k / (double)(c - 1) * p->nsteps);
            vals[i] = gpbo_search__grid_value(p, j);
        } else {
            vals[i] = grid_point(p, k, c);
        }
    }
}

static int grid_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    (void)rng;
    grid_state *g = st;
    if (number >= g->total)
        return gpbo_error_set(GPBO_EEXHAUSTED, "grid: all %zu points were asked", g->total);
    size_t idx = g->order ? g->order[number] : number;
    const gpbo_space *s = v->space;
    double *vals = malloc((s->n ? s->n : 1) * sizeof *vals);
    if (vals == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "grid: out of memory");
    grid_values(g, s, idx, vals, NULL);
    int rc = gpbo_space_encode(s, vals, u);
    free(vals);
    return rc;
}

/* Decimals of more significant digits than this are not looked for: a double has 15 to 17. */
enum { GRID_DECIMAL_DIGITS = 15 };
/* How much coarser than the tolerance the decimals looked for must be spaced: a point that is
 * no decimal (10^-2.5) is taken for one with a chance of about 2 / GRID_DECIMAL_MARGIN at most
 * (1e4 took 5895.595480000021 of a grid over 7.98..30733 for 5895.59548, once in 25000 random
 * grids' points; 1e6 none), while a grid over 1e-5..1e-1 still finds its decimals of up to 7
 * digits, over 1..1000 of up to 8. Chosen by hand. */
static const double GRID_DECIMAL_MARGIN = 1e6;

/* The decimal a user writes for point x of log-scale float p's grid when x is that decimal but
 * for rounding, else x. exp(log(lo) + t (log(hi) - log(lo))) carries the rounding of its
 * argument, about DBL_EPSILON times the larger |log| of the ends, into x's relative error (the
 * middle of 1e-5..1e-1 came out 9.999999999999991e-05, 7 ulps below 1e-4); tol bounds that. The
 * shortest decimal of at most GRID_DECIMAL_DIGITS significant digits within tol of x is taken,
 * among the digit counts whose decimals are spaced at least GRID_DECIMAL_MARGIN tol apart (the
 * relative spacing of d digits is at least 10^-d), and only inside [lo, hi]. */
static double grid_decimal(const gpbo_param *p, double x)
{
    double la = fabs(log(p->lo)), lb = fabs(log(p->hi));
    double tol = 4 * DBL_EPSILON * (1 + (la > lb ? la : lb));
    for (int digits = 1;
         digits <= GRID_DECIMAL_DIGITS && pow(10, -digits) >= GRID_DECIMAL_MARGIN * tol; digits++) {
        char buf[48];
        snprintf(buf, sizeof buf, "%.*e", digits - 1, x);
        double y = strtod(buf, NULL);
        if (fabs(y - x) <= tol * fabs(x))
            return y >= p->lo && y <= p->hi ? y : x;
    }
    return x;
}

/* gpbo_strategy_def.exact_values: the interior points of a log-scale float's axis that are
 * decimals but for rounding (grid_decimal) take the decimal, 1e-4 rather than
 * 9.999999999999991e-05; every other value (the ends, linear axes, integers, steps, categories,
 * a point near no decimal, an inactive NaN) stays as decoded. Only the grid's points: the
 * other strategies' draws are no values a user wrote. */
static int grid_exact_values(const void *st, const gpbo_space *s, size_t number, double *vals)
{
    const grid_state *g = st;
    if (number >= g->total)
        return GPBO_OK;
    size_t n = s->n ? s->n : 1;
    double *pt = malloc(n * sizeof *pt);
    size_t *digit = malloc(n * sizeof *digit);
    if (pt == NULL || digit == NULL) {
        free(pt);
        free(digit);
        return gpbo_error_set(GPBO_ENOMEM, "grid: out of memory");
    }
    grid_values(g, s, g->order ? g->order[number] : number, pt, digit);
    for (size_t i = 0; i < s->n; i++) {
        const gpbo_param *p = &s->p[i];
        if (p->type != GPBO_PARAM_FLOAT || !p->log_scale || p->step > 0 || isnan(vals[i]) ||
            digit[i] == 0 || digit[i] + 1 >= g->count[i])
            continue;
        double y = grid_decimal(p, pt[i]);
        if (y != pt[i])
            vals[i] = y;
    }
    free(pt);
    free(digit);
    return GPBO_OK;
}

/* ---- bayes ---------------------------------------------------------------------------------
 * The parts (initial design, restart episodes, failure policy, model choice, acquisition step)
 * are policies of their own, bayes_internal.h; bayes_ask only strings them together. */

typedef struct bayes_state {
    gpbo_bayes_fit fit[2]; /* [0] the model of every trial, [1] the current restart episode's */
    const gpbo_bayes_design *design;   /* the initial design of each model */
    const gpbo_bayes_restart *restart; /* the restart rule, when the options' window is not 0 */
} bayes_state;

static void bayes_free(void *p)
{
    bayes_state *b = p;
    if (b) {
        for (int k = 0; k < 2; k++)
            gpbo_bayes__fit_free(&b->fit[k]);
        free(b);
    }
}

static int bayes_init(void **out, const gpbo_space *space, const gpbo_study_options *o)
{
    (void)space;
    if (o->refit_every < 1)
        return gpbo_error_set(GPBO_EINVAL, "bayes: refit_every must be at least 1");
    if ((unsigned)o->kernel > GPBO_KERNEL_MATERN52)
        return gpbo_error_set(GPBO_EINVAL, "bayes: unknown kernel %d", (int)o->kernel);
    if ((unsigned)o->acquisition >= GPBO_ACQ_KIND_COUNT)
        return gpbo_error_set(GPBO_EINVAL, "bayes: unknown acquisition %d", (int)o->acquisition);
    bayes_state *b = calloc(1, sizeof *b);
    if (b == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    for (int k = 0; k < 2; k++)
        b->fit[k] = (gpbo_bayes_fit)GPBO_BAYES_FIT_INIT;
    b->design = &gpbo_bayes__sobol_design;
    b->restart = &gpbo_bayes__restart_two_in_three;
    *out = b;
    return GPBO_OK;
}

/* Model e's data, then its proposal; a discrete space with every cell taken falls back to the
 * study's design sequence. */
static int bayes_model_ask(bayes_state *b, const gpbo_search_view *v, const size_t *role, size_t e,
                           size_t number, gpbo_rng *rng, double *u)
{
    gpbo_bayes_data data;
    int rc = gpbo_bayes__data_build(&data, v, role, e, gpbo_bayes__failure(v->opts->failed));
    if (rc != GPBO_OK)
        return rc;
    gpbo_bayes_fit *f = &b->fit[e != 0];
    if (f->episode != e) {
        f->episode = e;
        f->fitted_at = f->chosen_at = SIZE_MAX;
    }
    uint64_t mseed = gpbo_bayes__model_seed(v->opts->seed, e);
    if (gpbo_bayes__constrained_applies(v)) /* outcome constraints: bayes_constraints.c */
        rc = gpbo_bayes__constrained_propose(f, v, role, e, mseed, &data, number, u);
    else
        rc = gpbo_bayes__propose(f, v, mseed, &data, number, u);
    if (rc == GPBO_EOPTIM)
        rc = b->design->point(v->space, v->opts->seed, number, rng, u);
    gpbo_bayes__data_free(&data);
    return rc;
}

/* Whether another trial of v than `number` holds point u already. */
static int point_taken(const gpbo_search_view *v, size_t number, const double *u)
{
    size_t d = v->space->dim;
    for (size_t i = 0; i < v->n; i++)
        if (i != number && !memcmp(v->u + i * d, u, d * sizeof *u))
            return 1;
    return 0;
}

static int bayes_ask(void *st, const gpbo_search_view *v, size_t number, gpbo_rng *rng, double *u)
{
    bayes_state *b = st;
    uint64_t seed = v->opts->seed;
    size_t index;
    if (b->design->slot(v, NULL, 0, number, &index))
        return b->design->point(v->space, seed, index, rng, u);
    if (v->yobj != NULL) /* several objectives: no restart episodes (bayes_mo.c) */
        return gpbo_bayes__mo_propose(&b->fit[0], v, number, rng, u);
    /* Roles of every trial in the view (later ones too: another worker's), so that every trial
     * an episode's model looks at has one. */
    size_t count = v->n > number ? v->n : number + 1;
    size_t *role = calloc(count, sizeof *role);
    if (role == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    int rc = v->opts->restart ? b->restart->roles(v, count, role) : GPBO_OK;
    size_t e = role[number];
    int design = rc == GPBO_OK && e != 0 && b->design->slot(v, role, e, number, &index);
    if (design)
        rc = b->design->point(v->space, gpbo_bayes__model_seed(seed, e), index, rng, u);
    /* with parallel workers a value that arrives late can move roles, and two trials can get the
     * same slot of an episode's design: the second one asks the model instead */
    if (rc == GPBO_OK && (!design || point_taken(v, number, u)))
        rc = bayes_model_ask(b, v, role, e, number, rng, u);
    free(role);
    return rc;
}

/* The study's model (e 0) on v's data, as bayes_ask's next proposal from it would fit it. A
 * copy of fit[0] is refitted, so the strategy's own state stays what its asks made it (the fit
 * is a function of the data alone: the copy ends where the state would). Past max_obs
 * observations, on gpbo_bayes__spread_subset's max_obs of them, from a fresh fit state (fit[0]'s
 * hyperparameters and choices were made on other data), the choice made on fewer of them
 * (gpbo_bayes__capped_model). */
static int bayes_model(void *st, const gpbo_search_view *v, size_t max_obs, gpbo_gp **out,
                       gpbo_study_model_info *info, size_t *total)
{
    bayes_state *b = st;
    size_t np = v->space->dim + 2;
    *out = NULL;
    if (v->space->dim == 0) /* a GP needs an input; every trial is the one point */
        return gpbo_error_set(GPBO_ENOTFOUND,
                              "bayes: a space of constants only has no coordinate to model");
    gpbo_bayes_fit f;
    int rc = gpbo_bayes__fit_copy(&f, &b->fit[0], np);
    if (rc != GPBO_OK)
        return rc;
    gpbo_bayes_data data = {0};
    gpbo_bayes_warp warp;
    rc = v->n ? gpbo_bayes__data_build(&data, v, NULL, 0, gpbo_bayes__failure(v->opts->failed))
              : GPBO_OK;
    if (rc == GPBO_OK && data.n == 0)
        rc = gpbo_error_set(GPBO_ESTATE, "bayes: no observation to model yet");
    *total = data.n;
    if (rc == GPBO_OK && data.n > max_obs) {
        gpbo_bayes_data sub = {0};
        rc = gpbo_bayes__spread_subset(&data, max_obs, &sub);
        gpbo_bayes__data_free(&data);
        data = sub;
        gpbo_bayes__fit_free(&f);
        f = (gpbo_bayes_fit)GPBO_BAYES_FIT_INIT;
    }
    uint64_t seed = gpbo_bayes__model_seed(v->opts->seed, 0);
    if (rc == GPBO_OK && *total > max_obs)
        rc = gpbo_bayes__capped_model(&f, v->opts, seed, &data, out, &warp);
    else if (rc == GPBO_OK)
        rc = gpbo_bayes__model_gp(&f, v->opts, seed, &data, out, &warp);
    if (rc == GPBO_OK) {
        info->warped = warp.warped;
        info->lo = warp.lo;
        info->delta = warp.delta;
        info->additive = f.choice.additive;
        info->n = data.n;
    } else if (*out != NULL) {
        gpbo_gp_free(*out);
        *out = NULL;
    }
    gpbo_bayes__data_free(&data);
    gpbo_bayes__fit_free(&f);
    return rc;
}

static const gpbo_strategy_def STRATEGIES[] = {
    {"grid", grid_init, grid_ask, grid_free, grid_capacity, NULL, grid_exact_values},
    {"random", NULL, random_ask, NULL, NULL, NULL, NULL},
    {"sobol", sobol_init, sobol_ask, sobol_free, NULL, NULL, NULL},
    {"lhs", lhs_init, lhs_ask, lhs_free, NULL, NULL, NULL},
    {"bayes", bayes_init, bayes_ask, bayes_free, NULL, bayes_model, NULL},
};

const gpbo_strategy_def *gpbo_search__strategy(const char *name)
{
    for (size_t i = 0; name && i < sizeof STRATEGIES / sizeof *STRATEGIES; i++)
        if (strcmp(STRATEGIES[i].name, name) == 0)
            return &STRATEGIES[i];
    char names[128] = "";
    for (size_t i = 0; i < sizeof STRATEGIES / sizeof *STRATEGIES; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                 STRATEGIES[i].name);
    gpbo_error_set(GPBO_EINVAL, "unknown strategy '%s' (%s)", name ? name : "(null)", names);
    return NULL;
}

const char *gpbo_strategy_name(size_t i)
{
    return i < sizeof STRATEGIES / sizeof *STRATEGIES ? STRATEGIES[i].name : NULL;
}
