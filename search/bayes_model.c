/*
 * bayes_model.c: the Bayesian strategy's model choice (bayes_internal.h). At each refit the
 * candidate models are fitted in turn on one GP — ARD on the raw values (the baseline), ARD on
 * log-warped values when the initial design is skewed upwards, the additive form of the kernel
 * on the values the winner so far uses — and the one of the highest log marginal likelihood of
 * the raw data wins (warping's Jacobian and standardization's scale added back, so they compare
 * directly). Hyperparameters are refitted every refit_every observations and kept in between.
 * A new model is one more entry of gpbo_bayes__models.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bayes_internal.h"
#include "gpbo/sys/error.h"
#include "../base/numeric.h"

/* The log warping's offset, as a fraction of the spread between the smallest observation and
 * the median: small enough that the warping is close to log(y - min) over the bulk of the data,
 * large enough that the minimum does not map to -inf. With 0.01 six-hump camel fell to 0.015,
 * so 0.1 was kept (bench/README.md). */
#define WARP_DELTA 0.1
/* The initial design is skewed upwards when its upper half spans more than this many times its
 * lower half (a symmetric design gives 1). Chosen by hand, not tuned. */
#define WARP_SKEW 2.0
/* The offset's floor, relative to the range of y (plus the smallest positive double's order
 * when y is constant): keeps log finite when the median is the minimum. */
#define WARP_DELTA_FLOOR 1e-12
/* The fewest observations (and design points) a skew is judged on: a median of fewer says
 * little. Chosen by hand, not tuned. */
#define WARP_MIN_OBS 5
/* The additive candidate's random starts besides the ARD optimum: one instead of all five
 * starts on raw and warped values cut a 6-D step at 199 observations from ~440 to ~310 ms
 * (bench/README.md, "What moved Styblinski-Tang"). */
#define ADDITIVE_RESTARTS 1
/* The model choice (every candidate, each from several starts) was most of a step's time once
 * the data grew (bench/steps/README.md has the profile and the figures). It is made at every
 * observation count up to CHOOSE_EVERY_UNTIL (the tuning budgets, where the choice of each step
 * matters and a choice is cheap; choosing less often there made the 60-evaluation regret table
 * worse), then each time the count has grown by a tenth (gaps of ceil(count /
 * CHOOSE_GROWTH_DIV): 60, 66, 73, 81, ..., 178, 196, 216); in between one local run refits the
 * chosen model. */
#define CHOOSE_EVERY_UNTIL 60
#define CHOOSE_GROWTH_DIV  10

/* The median, smallest and largest of y[0..n), n >= 1. GPBO_ENOMEM (nothing written). */
static int median_of(const double *y, size_t n, double *med, double *lo, double *hi)
{
    double *s = malloc(n * sizeof *s);
    if (s == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    memcpy(s, y, n * sizeof *s);
    qsort(s, n, sizeof *s, gpbo_cmp_double);
    *med = s[n / 2];
    *lo = s[0];
    *hi = s[n - 1];
    free(s);
    return GPBO_OK;
}

/* A heavy upper tail (Rosenbrock-like ranges) swamps a stationary GP. The candidate is
 * w(y) = log(y - lo + delta), monotone, so it keeps every minimizer. It is considered when the
 * first `first` observations (the space-filling design: the function's shape over the box) are
 * skewed upwards; delta follows the median of all observations, so the warping sharpens as the
 * search closes in. */
int gpbo_bayes__warp_candidate(const double *y, size_t n, size_t first, double *lo, double *delta,
                               int *found)
{
    double l0, h0, med, med_all, hi;
    *found = 0;
    if (first > n)
        first = n;
    int rc = median_of(y, first, &med, &l0, &h0);
    if (rc != GPBO_OK || !(h0 - med > WARP_SKEW * (med - l0)) || !(med > l0))
        return rc;
    if ((rc = median_of(y, n, &med_all, lo, &hi)) != GPBO_OK)
        return rc;
    *delta = WARP_DELTA * (med_all - *lo);
    if (!(*delta > WARP_DELTA_FLOOR * (hi - *lo)))
        *delta = WARP_DELTA_FLOOR * (hi - *lo) + 1e-300;
    *found = 1;
    return GPBO_OK;
}

static double std_of(const double *y, size_t n)
{
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        m += y[i] / (double)n;
    for (size_t i = 0; i < n; i++)
        s += (y[i] - m) * (y[i] - m) / (double)n;
    return sqrt(s) > 0 ? sqrt(s) : 1.0;
}

/* Fits on fd's first n_fit observations (warped or raw) and sets *lml to the log marginal
 * likelihood in the units of the raw values: the standardization's -n log std and the
 * warping's log-Jacobian sum log w'(raw) are added back. */
static int fit_lml(gpbo_gp *gp, const gpbo_gp_fit_options *fo, const gpbo_bayes_fit_data *fd,
                   int warped, double *lml)
{
    size_t n = fd->n_fit;
    const double *y = warped ? fd->yw : fd->y;
    *lml = -INFINITY;
    int rc = gpbo_gp_set_data(gp, n, fd->x, y);
    if (rc == GPBO_OK)
        rc = gpbo_gp_fit(gp, fo);
    if (rc != GPBO_OK)
        return rc;
    double l = gpbo_gp_log_likelihood(gp, NULL);
    if (gpbo_gp_get_normalize(gp))
        l -= (double)n * log(std_of(y, n));
    for (size_t i = 0; warped && i < n; i++)
        l -= log(fd->y[i] - fd->lo + fd->delta);
    *lml = isfinite(l) ? l : -INFINITY;
    return GPBO_OK;
}

static int always(const gpbo_bayes_fit_data *fd, const gpbo_bayes_choice *winner)
{
    (void)fd;
    (void)winner;
    return 1;
}

/* ARD on the raw values, from the default start. */
static int ard_fit(gpbo_gp *gp, const gpbo_bayes_fit_data *fd, const double *theta,
                   const gpbo_bayes_choice *winner, gpbo_bayes_choice *out, double *out_lml)
{
    (void)theta;
    (void)winner;
    *out = (gpbo_bayes_choice){0, 0};
    return fit_lml(gp, &fd->fo, fd, 0, out_lml);
}

static int warped_applies(const gpbo_bayes_fit_data *fd, const gpbo_bayes_choice *winner)
{
    (void)winner;
    return fd->yw != NULL;
}

/* ARD on the warped values, from where the GP was left. */
static int warped_fit(gpbo_gp *gp, const gpbo_bayes_fit_data *fd, const double *theta,
                      const gpbo_bayes_choice *winner, gpbo_bayes_choice *out, double *out_lml)
{
    (void)theta;
    (void)winner;
    *out = (gpbo_bayes_choice){1, 0};
    return fit_lml(gp, &fd->fo, fd, 1, out_lml);
}

static int additive_applies(const gpbo_bayes_fit_data *fd, const gpbo_bayes_choice *winner)
{
    (void)winner;
    return fd->d >= 2 && fd->opts->additive;
}

/* The additive form, on the values the winner uses, from its optimum and ADDITIVE_RESTARTS
 * random starts. A GP that refuses the winner's hyperparameters or the form drops it. */
static int additive_fit(gpbo_gp *gp, const gpbo_bayes_fit_data *fd, const double *theta,
                        const gpbo_bayes_choice *winner, gpbo_bayes_choice *out, double *out_lml)
{
    *out = (gpbo_bayes_choice){winner->warp, 1};
    *out_lml = -INFINITY;
    int rc = gpbo_gp_set_params(gp, theta);
    if (rc != GPBO_OK || (rc = gpbo_gp_set_additive(gp, 1)) != GPBO_OK)
        return rc;
    gpbo_gp_fit_options fa = fd->fo;
    fa.restarts = ADDITIVE_RESTARTS;
    rc = fit_lml(gp, &fa, fd, winner->warp, out_lml);
    gpbo_gp_set_additive(gp, 0);
    return rc;
}

static const gpbo_bayes_model ARD = {"ard", 1, always, ard_fit};
static const gpbo_bayes_model WARPED = {"warped", 0, warped_applies, warped_fit};
static const gpbo_bayes_model ADDITIVE = {"additive", 0, additive_applies, additive_fit};

const gpbo_bayes_model *const gpbo_bayes__models[] = {&ARD, &WARPED, &ADDITIVE};
const size_t gpbo_bayes__nmodels = sizeof gpbo_bayes__models / sizeof *gpbo_bayes__models;

int gpbo_bayes__choose(gpbo_gp *gp, const gpbo_bayes_fit_data *fd, double *theta,
                       gpbo_bayes_choice *out)
{
    double l_best = -INFINITY;
    *out = (gpbo_bayes_choice){0, 0};
    for (size_t m = 0; m < gpbo_bayes__nmodels; m++) {
        const gpbo_bayes_model *model = gpbo_bayes__models[m];
        if (!model->applies(fd, out))
            continue;
        gpbo_bayes_choice cand;
        double l;
        int rc = model->fit(gp, fd, theta, out, &cand, &l);
        if (rc != GPBO_OK && (model->baseline || rc == GPBO_ENOMEM))
            return rc;
        if (rc == GPBO_OK && (model->baseline || l > l_best)) {
            *out = cand;
            l_best = l;
            gpbo_gp_get_params(gp, theta);
        }
    }
    return GPBO_OK;
}

/* The log warping of y[0..n) when the design is skewed upwards (*out malloc'd), else *out NULL.
 * GPBO_ENOMEM. */
static int warp_values(const double *y, size_t n, size_t n_init, double **out, double *lo,
                       double *delta)
{
    int warp = 0, rc = GPBO_OK;
    *out = NULL;
    if (n >= WARP_MIN_OBS)
        rc = gpbo_bayes__warp_candidate(y, n, n_init > WARP_MIN_OBS ? n_init : WARP_MIN_OBS, lo,
                                        delta, &warp);
    if (rc != GPBO_OK || !warp)
        return rc;
    double *yw = malloc(n * sizeof *yw);
    if (yw == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    for (size_t i = 0; i < n; i++)
        yw[i] = log(y[i] - *lo + *delta);
    *out = yw;
    return GPBO_OK;
}

size_t gpbo_bayes__choice_point(size_t n_fit)
{
    if (n_fit <= CHOOSE_EVERY_UNTIL)
        return n_fit;
    size_t p = CHOOSE_EVERY_UNTIL;
    for (;;) {
        size_t gap = (p + CHOOSE_GROWTH_DIV - 1) / CHOOSE_GROWTH_DIV;
        if (p + gap > n_fit)
            return p;
        p += gap;
    }
}

/* Chooses f's model afresh on the first c observations of data, from the default start and the
 * seed of c (the warping, if any, computed from those c alone). */
static int choose_at(gpbo_bayes_fit *f, gpbo_gp *gp, const gpbo_bayes_fit_data *fd,
                     const gpbo_bayes_data *data, size_t c, uint64_t seed)
{
    gpbo_bayes_fit_data fc = *fd;
    fc.n_fit = c;
    fc.fo.seed = seed + c;
    double *ywc = NULL;
    int rc = warp_values(data->y, c, fd->opts->n_init, &ywc, &fc.lo, &fc.delta);
    fc.yw = ywc;
    if (rc == GPBO_OK)
        rc = gpbo_bayes__choose(gp, &fc, f->theta_c, &f->choice);
    free(ywc);
    f->chosen_at = rc == GPBO_OK ? c : SIZE_MAX;
    return rc;
}

/* The chosen model refitted on fd's n_fit observations by one local L-BFGS run from the
 * choice's optimum, into f->theta. A run that fails numerically keeps the choice's optimum. */
static int local_fit(gpbo_bayes_fit *f, gpbo_gp *gp, const gpbo_bayes_fit_data *fd)
{
    gpbo_gp_fit_options fl = fd->fo;
    fl.restarts = 0;
    const double *y = f->choice.warp && fd->yw ? fd->yw : fd->y;
    int rc = gpbo_gp_set_additive(gp, f->choice.additive);
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_data(gp, fd->n_fit, fd->x, y);
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_params(gp, f->theta_c);
    if (rc == GPBO_OK)
        rc = gpbo_gp_fit(gp, &fl);
    if (rc == GPBO_OK)
        gpbo_gp_get_params(gp, f->theta);
    else if (rc != GPBO_ENOMEM) {
        memcpy(f->theta, f->theta_c, (fd->d + 2) * sizeof *f->theta);
        rc = GPBO_OK;
    }
    gpbo_gp_set_additive(gp, 0);
    return rc;
}

/* Refits f on fd's n_fit observations: the model choice of its choice point (made now unless f
 * holds it), then the local run when n_fit is past that point. */
static int refit(gpbo_bayes_fit *f, gpbo_gp *gp, gpbo_bayes_fit_data *fd,
                 const gpbo_bayes_data *data, uint64_t seed)
{
    fd->fo.use_priors = fd->opts->use_priors;
    fd->fo.seed = seed + fd->n_fit;
    size_t np = fd->d + 2, c = gpbo_bayes__choice_point(fd->n_fit);
    int rc = GPBO_OK;
    f->fitted_at = SIZE_MAX;
    if (f->theta == NULL && (f->theta = malloc(np * sizeof *f->theta)) == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    if (f->theta_c == NULL && (f->theta_c = malloc(np * sizeof *f->theta_c)) == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    if (f->chosen_at != c && (rc = choose_at(f, gp, fd, data, c, seed)) != GPBO_OK)
        return rc;
    if (c == fd->n_fit)
        memcpy(f->theta, f->theta_c, np * sizeof *f->theta);
    else if ((rc = local_fit(f, gp, fd)) != GPBO_OK)
        return rc;
    f->fitted_at = fd->n_fit;
    return GPBO_OK;
}

int gpbo_bayes__model_gp(gpbo_bayes_fit *f, const gpbo_study_options *o, uint64_t seed,
                         const gpbo_bayes_data *data, gpbo_gp **out, gpbo_bayes_warp *warp)
{
    size_t d = data->d, n = data->n;
    gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
    gpbo_bayes_fit_data fd = {d, n, data->x, data->y, NULL, 0, 0, o, fo};
    /* Hyperparameters are fitted, from the default start, on the first n_fit observations
     * (n_fit = the last multiple of refit_every): a function of the data alone, so a resumed
     * study refits exactly what an uninterrupted one did. */
    size_t n_fit = (n / o->refit_every) * o->refit_every;
    fd.n_fit = n_fit ? n_fit : n;
    double *yw = NULL;
    gpbo_gp *gp = gpbo_gp_new(o->kernel, d);
    int rc = gp ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "bayes: out of memory");
    if (rc == GPBO_OK)
        rc = warp_values(data->y, n, o->n_init, &yw, &fd.lo, &fd.delta);
    fd.yw = yw;
    if (rc == GPBO_OK && !(f->theta != NULL && f->fitted_at == fd.n_fit))
        rc = refit(f, gp, &fd, data, seed);
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_additive(gp, f->choice.additive);
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_data(gp, n, data->x, f->choice.warp && yw ? yw : data->y);
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_params(gp, f->theta);
    if (rc == GPBO_OK && warp != NULL)
        *warp = f->choice.warp && yw ? (gpbo_bayes_warp){1, fd.lo, fd.delta}
                                     : (gpbo_bayes_warp){0, 0, 0};
    free(yw);
    if (rc != GPBO_OK) {
        gpbo_gp_free(gp);
        gp = NULL;
    }
    *out = gp;
    return rc;
}
