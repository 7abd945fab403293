/*
 * bayes_local.c: the Bayesian strategy's large-n path (bayes_internal.h). An exact refit costs
 * O(n^3) per likelihood evaluation and the acquisition O(n^2) per point, so past LOCAL_FROM
 * observations and pending points a model proposes the way TuRBO does (Eriksson et al., "Scalable
 * Global Optimization via Local Bayesian Optimization", NeurIPS 2019): its GP sees only the
 * LOCAL_K observations nearest to the incumbent, and the acquisition is maximized over a trust
 * region around the incumbent, a box within that neighbourhood (so the GP has every observation
 * the box holds), shaped by the fitted lengthscales. An inducing-point approximation was not
 * chosen: its cost is O(n m^2) per likelihood evaluation, still growing with n, and it smooths
 * away the detail near the optimum where a long study spends its trials; the local model's cost
 * is that of LOCAL_K points whatever n is, and the restart episodes (bayes_restart.c) already
 * provide the global moves TuRBO gets from its restarts.
 *
 * The box shrinks by itself as the study closes in (the LOCAL_K nearest come closer), and
 * everything is a function of the data: the model choice is made every LOCAL_CHOOSE_EVERY
 * observations of the full count and a local refit from it every LOCAL_REFIT_EVERY, each on the
 * neighbourhood of the first that many observations, so a resumed study proposes what an
 * uninterrupted one would.
 *
 * The box is handed to the acquisition as a change of coordinates: the GP is given the data in the
 * box's own unit cube (z = (x - lo) / (hi - lo), the lengthscales divided by the box's sides,
 * which leaves a stationary kernel unchanged), so the acquisition's raw points and starts all
 * fall in the box; the projection hook maps z back to the space's cube and projects there.
 * Integer and categorical coordinates keep their whole range.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bayes_internal.h"
#include "gpbo/sys/error.h"

/* Past this many observations and pending points a model takes the local path. In 6-D the exact
 * path's step costs ~60 ms at 300 observations and ~320 ms at 600 (a local refit and the
 * acquisition), its model choices 0.7 s at 300 and 1.2-1.4 s at 390, 10 s at 1000; the local
 * path's step ~15 ms and its choice ~0.35 s whatever n is (bench/steps/README.md). 300 keeps
 * every step of a long study under a second. A build may move it (-DGPBO_BAYES_LOCAL_FROM=N: the
 * bench's exact-path baseline). */
#ifdef GPBO_BAYES_LOCAL_FROM
#define LOCAL_FROM GPBO_BAYES_LOCAL_FROM
#else
#define LOCAL_FROM 300
#endif
/* The observations the local GP sees: a step then costs what an exact one costs at 200 (~15 ms in
 * 6-D), and its predictions in the trust region stay close to the exact GP's
 * (tests/search/test_bayes_local.c). Chosen by hand, not tuned. */
#define LOCAL_K 200
/* The model choice (every candidate, multistart: ~0.35 s at LOCAL_K in 6-D) is made on the
 * neighbourhood every LOCAL_CHOOSE_EVERY observations of the full count, and a short local refit
 * from its optimum (LOCAL_REFIT_EVALS likelihood evaluations, ~25 ms) every LOCAL_REFIT_EVERY: the
 * neighbourhood moves with the incumbent, so its hyperparameters are kept up to date at a cost
 * that does not grow with n. 30 evaluations left one Rosenbrock case of the prediction test off
 * by 7 times the exact GP's error; 60 gives what 200 does there. Otherwise chosen by hand. */
#define LOCAL_CHOOSE_EVERY 100
#define LOCAL_REFIT_EVERY  10
#define LOCAL_REFIT_EVALS  60
/* The capped model's choice (gpbo_bayes__capped_model) is made on this many of its observations.
 * On all 1000 it was a chain of warm choices on the subset's first 60, 66, ..., 915 (the
 * strategy's schedule), 3.5 s of CPU of the 5.6 s of `gpbo best --by model` at 1500 trials, all
 * but 0.2 s past 300; the recommendation refits the hyperparameters on all of them anyway
 * (gpbo_search__recommend_fit), and it came to the same posterior from the choice of 300 as from
 * that of 915 (bench/dashboard/README.md, session 41). */
#define CAPPED_CHOICE_K 300
/* The lengthscale weights of the box's sides are clipped to [1 / LOCAL_W_MAX, LOCAL_W_MAX] times
 * their geometric mean, so that no side collapses. Chosen by hand, not tuned. */
#define LOCAL_W_MAX 4.0
/* The smallest side of the box (in the unit cube): keeps the change of coordinates finite. */
#define LOCAL_SIDE_MIN 1e-6

int gpbo_bayes__local_applies(const gpbo_bayes_data *data)
{
    return data->n >= 1 && data->n + data->np > LOCAL_FROM;
}

size_t gpbo_bayes__local_k(void)
{
    return LOCAL_K;
}

size_t gpbo_bayes__local_from(void)
{
    return LOCAL_FROM;
}

typedef struct ranked {
    double d2;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *p = a, *q = b;
    if (p->d2 != q->d2)
        return p->d2 < q->d2 ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

/* The index of the smallest of y[0..m) (the first of ties). */
static size_t argmin(const double *y, size_t m)
{
    size_t b = 0;
    for (size_t i = 1; i < m; i++)
        if (y[i] < y[b])
            b = i;
    return b;
}

/* The squared Euclidean distance of a and b, d coordinates. */
static double sq_dist(const double *a, const double *b, size_t d)
{
    double d2 = 0;
    for (size_t j = 0; j < d; j++)
        d2 += (a[j] - b[j]) * (a[j] - b[j]);
    return d2;
}

/* Appends to s the observations i < m of data with in[i] set, in trial order (as the exact path
 * sees its data: the first observations, the design, judge the warping). */
static void take_marked(const gpbo_bayes_data *data, size_t m, const unsigned char *in,
                        gpbo_bayes_data *s)
{
    size_t d = data->d;
    for (size_t i = 0; i < m; i++)
        if (in[i]) {
            memcpy(s->x + s->n * d, data->x + i * d, d * sizeof *s->x);
            if (s->yvar)
                s->yvar[s->n] = data->yvar[i];
            s->y[s->n++] = data->y[i];
        }
}

int gpbo_bayes__local_subset(const gpbo_bayes_data *data, size_t m, size_t k, gpbo_bayes_data *out,
                             double *radius)
{
    size_t d = data->d;
    if (m > data->n)
        m = data->n;
    if (k > m)
        k = m;
    ranked *r = malloc(m * sizeof *r);
    unsigned char *in = calloc(m ? m : 1, 1);
    gpbo_bayes_data s = {d,
                         0,
                         0,
                         malloc(k * d * sizeof *s.x),
                         malloc(k * sizeof *s.y),
                         NULL,
                         data->space,
                         data->yvar ? malloc(k * sizeof *s.yvar) : NULL};
    if (r == NULL || in == NULL || s.x == NULL || s.y == NULL || (data->yvar && !s.yvar)) {
        free(r);
        free(in);
        gpbo_bayes__data_free(&s);
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    }
    const double *c = data->x + argmin(data->y, m) * d;
    for (size_t i = 0; i < m; i++) {
        r[i] = (ranked){sq_dist(data->x + i * d, c, d), i};
    }
    qsort(r, m, sizeof *r, cmp_ranked);
    for (size_t t = 0; t < k; t++)
        in[r[t].i] = 1;
    *radius = k ? sqrt(r[k - 1].d2) : 0;
    take_marked(data, m, in, &s);
    free(r);
    free(in);
    *out = s;
    return GPBO_OK;
}

int gpbo_bayes__spread_subset(const gpbo_bayes_data *data, size_t k, gpbo_bayes_data *out)
{
    size_t d = data->d, n = data->n, best = (k + 1) / 2;
    if (k > n)
        k = n;
    if (best > k)
        best = k;
    ranked *r = malloc((n ? n : 1) * sizeof *r);
    double *far = malloc((n ? n : 1) * sizeof *far); /* squared distance to the nearest taken */
    unsigned char *in = calloc(n ? n : 1, 1);
    gpbo_bayes_data s = {d,
                         0,
                         0,
                         malloc((k ? k : 1) * d * sizeof *s.x),
                         malloc((k ? k : 1) * sizeof *s.y),
                         NULL,
                         data->space,
                         data->yvar ? malloc((k ? k : 1) * sizeof *s.yvar) : NULL};
    if (r == NULL || far == NULL || in == NULL || s.x == NULL || s.y == NULL ||
        (data->yvar && !s.yvar)) {
        free(r);
        free(far);
        free(in);
        gpbo_bayes__data_free(&s);
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        r[i] = (ranked){data->y[i], i};
        far[i] = INFINITY;
    }
    qsort(r, n, sizeof *r, cmp_ranked); /* by value, ties to the earlier */
    for (size_t t = 0, taken = 0; taken < k; t++) {
        size_t p = n;
        if (t < best)
            p = r[t].i;
        else /* the farthest from every one taken; the first of ties */
            for (size_t i = 0; i < n; i++)
                if (!in[i] && (p == n || far[i] > far[p]))
                    p = i;
        in[p] = 1;
        taken++;
        const double *c = data->x + p * d;
        for (size_t i = 0; i < n; i++) {
            if (in[i])
                continue;
            double d2 = sq_dist(data->x + i * d, c, d);
            if (d2 < far[i])
                far[i] = d2;
        }
    }
    take_marked(data, n, in, &s);
    free(r);
    free(far);
    free(in);
    *out = s;
    return GPBO_OK;
}

/* The fit count model_gp keys f by for a neighbourhood of LOCAL_K observations. */
static size_t k_fit(const gpbo_study_options *o)
{
    size_t k = LOCAL_K / o->refit_every * o->refit_every;
    return k ? k : LOCAL_K;
}

/* gpbo_bayes__model_gp of f on the neighbourhood of the first m observations of data, with the
 * seed of m (*gp NULL on failure; the caller frees it). */
static int model_on(gpbo_bayes_fit *f, const gpbo_study_options *o, uint64_t seed,
                    const gpbo_bayes_data *data, size_t m, gpbo_gp **gp)
{
    gpbo_bayes_data s;
    double radius;
    *gp = NULL;
    int rc = gpbo_bayes__local_subset(data, m, LOCAL_K, &s, &radius);
    if (rc != GPBO_OK)
        return rc;
    rc = gpbo_bayes__model_gp(f, o, seed + m, &s, gp, NULL);
    gpbo_bayes__data_free(&s);
    return rc;
}

/* The model choice on the neighbourhood of the first c observations of data, from the seed of
 * c: f's choice, theta_c and (the choice's own refit) theta. */
static int choose_on(gpbo_bayes_fit *f, const gpbo_study_options *o, uint64_t seed,
                     const gpbo_bayes_data *data, size_t c)
{
    gpbo_gp *gp;
    f->fitted_at = f->chosen_at = SIZE_MAX;
    int rc = model_on(f, o, seed, data, c, &gp);
    gpbo_gp_free(gp);
    return rc;
}

/* The chosen model refitted on the neighbourhood of the first r observations by one short L-BFGS
 * run from the choice's optimum (LOCAL_REFIT_EVALS evaluations), into f->theta. A run that fails
 * numerically keeps the choice's optimum. */
static int refit_on(gpbo_bayes_fit *f, const gpbo_study_options *o, uint64_t seed,
                    const gpbo_bayes_data *data, size_t r)
{
    gpbo_gp *gp;
    size_t np = data->d + 2;
    memcpy(f->theta, f->theta_c, np * sizeof *f->theta);
    f->fitted_at = k_fit(o); /* the neighbourhood's GP under the choice (its warping, its form) */
    int rc = model_on(f, o, seed, data, r, &gp);
    gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
    gpbo_bayes__fit_options(data->d, k_fit(o), o->use_priors, &fo);
    fo.restarts = 0;
    fo.max_evals = LOCAL_REFIT_EVALS;
    fo.seed = seed + r;
    double *lsp = NULL;
    if (rc == GPBO_OK)
        rc = gpbo_bayes__ls_priors(data->space, o->use_priors, &fo, &lsp);
    fo.lengthscale_priors = lsp;
    int fr = rc == GPBO_OK ? gpbo_gp_fit(gp, &fo) : rc;
    free(lsp);
    if (fr == GPBO_OK)
        gpbo_gp_get_params(gp, f->theta);
    else if (fr == GPBO_ENOMEM)
        rc = fr;
    gpbo_gp_free(gp);
    return rc;
}

int gpbo_bayes__local_model(gpbo_bayes_fit *f, const gpbo_study_options *o, uint64_t seed,
                            const gpbo_bayes_data *data, gpbo_gp **out, double *radius,
                            gpbo_bayes_warp *warp)
{
    size_t n = data->n, c = n / LOCAL_CHOOSE_EVERY * LOCAL_CHOOSE_EVERY;
    c = c > LOCAL_K ? c : LOCAL_K;
    size_t r = n / LOCAL_REFIT_EVERY * LOCAL_REFIT_EVERY;
    r = r > c ? r : c;
    int rc = GPBO_OK;
    *out = NULL;
    if (n > LOCAL_K) {
        /* f's hyperparameters are the local ones of choice point c and refit point r only if
         * its last fit was one of this path's (the exact path and a new episode reset
         * fitted_at) */
        int held = f->theta != NULL && f->theta_c != NULL && f->fitted_at == k_fit(o);
        if (!(held && f->local_chosen_at == c)) {
            f->local_chosen_at = f->local_fitted_at = 0;
            if ((rc = choose_on(f, o, seed, data, c)) != GPBO_OK)
                return rc;
            f->local_chosen_at = f->local_fitted_at = c;
        }
        if (f->local_fitted_at != r) {
            f->local_fitted_at = 0;
            if ((rc = refit_on(f, o, seed, data, r)) != GPBO_OK)
                return rc;
            f->local_fitted_at = r;
        }
    } else {
        f->local_chosen_at = f->local_fitted_at = 0;
    }
    gpbo_bayes_data s;
    if ((rc = gpbo_bayes__local_subset(data, n, LOCAL_K, &s, radius)) != GPBO_OK)
        return rc;
    /* f holds the hyperparameters of s's count: this conditions on s without refitting (or, for
     * n <= LOCAL_K, is the exact path's model) */
    rc = gpbo_bayes__model_gp(f, o, seed, &s, out, warp);
    gpbo_bayes__data_free(&s);
    return rc;
}

void gpbo_bayes__local_box(const gpbo_space *space, const double *center, double radius,
                           const double *theta, double *lo, double *hi)
{
    size_t d = space->dim;
    double mean = 0, w2 = 0;
    for (size_t j = 0; j < d; j++)
        mean += theta[j] / (double)d;
    for (size_t j = 0; j < d; j++) {
        double w = exp(theta[j] - mean);
        w = w > LOCAL_W_MAX ? LOCAL_W_MAX : w < 1 / LOCAL_W_MAX ? 1 / LOCAL_W_MAX : w;
        lo[j] = w; /* the weight, for now */
        w2 += w * w;
    }
    /* half-sides radius * w_j / |w|: the box's corners lie on the neighbourhood's sphere */
    for (size_t j = 0; j < d; j++) {
        double h = radius * lo[j] / sqrt(w2);
        lo[j] = center[j] - h > 0 ? center[j] - h : 0;
        hi[j] = center[j] + h < 1 ? center[j] + h : 1;
        if (hi[j] - lo[j] < LOCAL_SIDE_MIN) {
            lo[j] = center[j] < 0.5 ? center[j] : center[j] - LOCAL_SIDE_MIN;
            hi[j] = lo[j] + LOCAL_SIDE_MIN;
        }
    }
    for (size_t p = 0; p < space->n; p++) {
        const gpbo_param *q = &space->p[p];
        size_t width = q->type == GPBO_PARAM_CATEGORICAL ? q->nchoices
                       : gpbo_search__param_discrete(q)  ? 1
                                                         : 0;
        for (size_t j = q->offset; j < q->offset + width; j++) {
            lo[j] = 0;
            hi[j] = 1;
        }
    }
}

/* The box's cube: the projection hook's payload. */
typedef struct box {
    const gpbo_space *space;
    const double *lo, *hi;
} box;

static void to_space(const box *b, size_t d, const double *z, double *x)
{
    for (size_t j = 0; j < d; j++)
        x[j] = b->lo[j] + (b->hi[j] - b->lo[j]) * z[j];
}

static void to_box(const box *b, size_t d, const double *x, double *z)
{
    for (size_t j = 0; j < d; j++) {
        double t = (x[j] - b->lo[j]) / (b->hi[j] - b->lo[j]);
        z[j] = t < 0 ? 0 : t > 1 ? 1 : t;
    }
}

/* The projection in the box's cube: to the space's cube (in place), projected there, and back. */
static int box_project(double *z, size_t dim, void *payload)
{
    const box *b = payload;
    to_space(b, dim, z, z);
    int rc = gpbo_space_project(z, dim, (void *)b->space);
    to_box(b, dim, z, z);
    return rc != GPBO_OK;
}

static int any_positive(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] > 0)
            return 1;
    return 0;
}

/* gp (data in the space's cube) moved into the box's cube: its inputs mapped, its lengthscales
 * divided by the box's sides, its observations' known noise variances kept. Fails as
 * gpbo_gp_set_data_noise / set_params do. */
static int gp_to_box(gpbo_gp *gp, const box *b)
{
    size_t d = gpbo_gp_dim(gp), n = gpbo_gp_n(gp);
    double *z = malloc((n * d + d + 2) * sizeof *z), *theta = z + n * d;
    double *y = malloc(2 * (n ? n : 1) * sizeof *y), *var = y ? y + n : NULL;
    int rc = z && y ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    if (rc == GPBO_OK)
        rc = gpbo_gp_get_obs_noise(gp, var);
    if (rc == GPBO_OK) {
        const double *x = gpbo_gp_x(gp);
        memcpy(y, gpbo_gp_y(gp), n * sizeof *y);
        for (size_t i = 0; i < n * d; i++) /* outside the box too: no clamping here */
            z[i] = (x[i] - b->lo[i % d]) / (b->hi[i % d] - b->lo[i % d]);
        gpbo_gp_get_params(gp, theta);
        for (size_t j = 0; j < d; j++)
            theta[j] -= log(b->hi[j] - b->lo[j]);
        rc = gpbo_gp_set_params(gp, theta);
    }
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_data_noise(gp, n, z, y, any_positive(var, n) ? var : NULL);
    free(z);
    free(y);
    return rc;
}

/* The pending points of data inside the box, in its cube, into *out (malloc'd; *np of them): the
 * LOCAL_K nearest to center when there are more (a restart episode's box can hold many of the
 * other trials, each a fantasy the acquisition's GP would carry). */
static int pending_in(const gpbo_bayes_data *data, const box *b, const double *center, double **out,
                      size_t *np)
{
    size_t d = data->d, m = 0;
    *np = 0;
    *out = malloc((data->np ? data->np : 1) * d * sizeof **out);
    ranked *r = malloc((data->np ? data->np : 1) * sizeof *r);
    if (*out == NULL || r == NULL) {
        free(r);
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    }
    for (size_t i = 0; i < data->np; i++) {
        const double *p = data->pend + i * d;
        double d2 = 0;
        size_t j = 0;
        while (j < d && p[j] >= b->lo[j] && p[j] <= b->hi[j]) {
            d2 += (p[j] - center[j]) * (p[j] - center[j]);
            j++;
        }
        if (j == d)
            r[m++] = (ranked){d2, i};
    }
    if (m > LOCAL_K)
        qsort(r, m, sizeof *r, cmp_ranked);
    for (size_t t = 0; t < m && t < LOCAL_K; t++)
        to_box(b, d, data->pend + r[t].i * d, *out + (*np)++ * d);
    free(r);
    return GPBO_OK;
}

int gpbo_bayes__box_propose(gpbo_gp *gp, const gpbo_search_view *v, const gpbo_bayes_data *data,
                            const gpbo_acq_options *ao, double radius, double *u, double *value)
{
    size_t d = data->d, np = 0;
    double *pend = NULL, *lo = malloc((4 * d + 2) * sizeof *lo), *hi = lo + d;
    double *ctr = hi + d, *th = ctr + d; /* the incumbent; the hyperparameters */
    if (lo == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    box b = {v->space, lo, hi};
    size_t best;
    gpbo_gp_y_min(gp, &best);
    gpbo_gp_get_params(gp, th);
    memcpy(ctr, gpbo_gp_x(gp) + best * d, d * sizeof *ctr);
    gpbo_bayes__local_box(v->space, ctr, radius, th, lo, hi);
    int rc = gp_to_box(gp, &b);
    if (rc == GPBO_OK)
        rc = pending_in(data, &b, ctr, &pend, &np);
    if (rc == GPBO_OK) {
        gpbo_acq_options bo = *ao;
        bo.project = box_project;
        bo.project_payload = &b;
        double *z = th; /* the hyperparameters are read: reuse */
        rc = gpbo_acq_propose(gp, &bo, NAN, np, np ? pend : NULL, 1, z, value);
        if (rc == GPBO_OK) {
            to_space(&b, d, z, u);
            rc = gpbo_space_project(u, d, (void *)v->space);
        }
    }
    free(pend);
    free(lo);
    return rc;
}

int gpbo_bayes__local_propose(gpbo_bayes_fit *f, const gpbo_search_view *v, uint64_t seed,
                              const gpbo_bayes_data *data, size_t number, double *u)
{
    gpbo_gp *gp = NULL;
    double radius;
    int rc = gpbo_bayes__local_model(f, v->opts, seed, data, &gp, &radius, NULL);
    if (rc == GPBO_OK) {
        gpbo_acq_options ao;
        gpbo_bayes__acq_options(v, seed, number, &ao);
        rc = gpbo_bayes__box_propose(gp, v, data, &ao, radius, u, NULL);
    }
    gpbo_gp_free(gp);
    return rc;
}

int gpbo_bayes__capped_model(gpbo_bayes_fit *f, const gpbo_study_options *o, uint64_t seed,
                             const gpbo_bayes_data *data, gpbo_gp **out, gpbo_bayes_warp *warp)
{
    *out = NULL;
    if (data->n > CAPPED_CHOICE_K) {
        gpbo_bayes_data s;
        gpbo_gp *gp = NULL;
        int rc = gpbo_bayes__spread_subset(data, CAPPED_CHOICE_K, &s);
        if (rc != GPBO_OK)
            return rc;
        rc = gpbo_bayes__model_gp(f, o, seed, &s, &gp, NULL);
        gpbo_bayes__data_free(&s);
        gpbo_gp_free(gp);
        if (rc != GPBO_OK)
            return rc;
        /* f holds the hyperparameters of data's count: model_gp conditions on data without a
         * refit (as between the strategy's refits) */
        size_t n_fit = data->n / o->refit_every * o->refit_every;
        f->fitted_at = n_fit ? n_fit : data->n;
    }
    return gpbo_bayes__model_gp(f, o, seed, data, out, warp);
}
