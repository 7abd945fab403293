/*
 * acq.c: the acquisition functions — expected improvement and its stable logarithm, the log
 * probability of improvement and the lower confidence bound — with their gradients in x, from
 * the GP's posterior mean and variance (and their gradients).
 *
 * Notation: sigma = sqrt(var), z = (best_f - mu) / sigma, h(z) = phi(z) + z Phi(z). Then
 * EI = sigma h(z), d EI = phi(z) d sigma - Phi(z) d mu, and log EI = log h(z) + log sigma.
 * log h is computed as in Ament et al. (NeurIPS 2023, eq. 9): directly where h does not lose
 * precision, and below z = -1 as log phi(z) + log(1 - u R(u)) with u = -z and the Mills ratio
 * R(u) = Q(u) / phi(u); beyond u = 30 both R and 1 - u R come from their asymptotic series,
 * summed term by term so that nothing cancels.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/numeric.h"
#include "acq_internal.h"
#include "gpbo/sys/error.h"
#include "gpbo/sys/options.h"

static const double INV_SQRT2 = 0.70710678118654752;
/* Below z = -ASYM the asymptotic series are used (their error is far below 1e-16 there). */
#define ASYM       30.0
#define ASYM_TERMS 14
/* The smallest sigma used: keeps z finite where the predictive variance is zero. */
#define SIGMA_MIN 1e-150
/* z is clamped here: log EI is then still finite (-5e19). */
#define Z_MIN -1e10
/* Option limits, chosen by hand against mistakes: a proposal allocates raw_samples * (dim + 1)
 * doubles and runs up to restarts + 1 local searches; max_evals times the factor DIRECT-L gets
 * (propose.c) stays well inside the int that NLopt takes. */
#define RAW_SAMPLES_MAX 10000000
#define MAX_EVALS_MAX   1000000
#define RESTARTS_MAX    10000

double gpbo_acq__phi(double z)
{
    return exp(-0.5 * z * z - GPBO_LOG_SQRT_2PI);
}

double gpbo_acq__Phi(double z)
{
    return 0.5 * erfc(-z * INV_SQRT2);
}

/* For u >= ASYM: R(u) = Q(u)/phi(u) = (1 + t)/u and 1 - u R(u) = -t, with
 * t = sum_{k>=1} (-1)^k (2k-1)!! / u^(2k). */
static void mills_asym(double u, double *R, double *one_minus_uR)
{
    double u2 = u * u, term = 1.0, t = 0.0;
    for (int k = 1; k <= ASYM_TERMS; k++) {
        term *= -(2.0 * k - 1.0) / u2;
        t += term;
    }
    *R = (1.0 + t) / u;
    *one_minus_uR = -t;
}

double gpbo_acq__log_h(double z, double *dlogh)
{
    if (z > -1.0) {
        double P = gpbo_acq__Phi(z), h = gpbo_acq__phi(z) + z * P;
        if (dlogh)
            *dlogh = P / h;
        return log(h);
    }
    double u = -z;
    if (u < ASYM) {
        double Q = 0.5 * erfc(u * INV_SQRT2), h = gpbo_acq__phi(u) - u * Q;
        if (dlogh)
            *dlogh = Q / h;
        return log(h);
    }
    double R, omr;
    mills_asym(u, &R, &omr);
    if (dlogh)
        *dlogh = R / omr;
    return -0.5 * u * u - GPBO_LOG_SQRT_2PI + log(omr);
}

double gpbo_acq__log_Phi(double z, double *dlog)
{
    if (z > 0.0) {
        double Q = 0.5 * erfc(z * INV_SQRT2);
        if (dlog)
            *dlog = gpbo_acq__phi(z) / (1.0 - Q);
        return log1p(-Q);
    }
    double u = -z;
    if (u < ASYM) {
        double P = 0.5 * erfc(u * INV_SQRT2);
        if (dlog)
            *dlog = gpbo_acq__phi(u) / P;
        return log(P);
    }
    double R, omr;
    mills_asym(u, &R, &omr);
    if (dlog)
        *dlog = 1.0 / R;
    return -0.5 * u * u - GPBO_LOG_SQRT_2PI + log(R);
}

/* The utility where z = (best_f - mu) / sigma overflowed to +inf (a huge improvement over a tiny
 * sigma): Phi(z) = 1 and phi(z) = 0 in doubles, so EI = sigma h(z) = sigma z = imp = best_f - mu,
 * log EI = log imp and log PI = 0, and only mu moves them. Computing them through z would give
 * +inf for EI and log EI. */
static double overflowed_z(gpbo_acq_kind kind, double imp, size_t dim, const double *dmu,
                           double *grad)
{
    double v = 0.0, dmu_coef = 0.0;
    if (kind == GPBO_ACQ_EI) {
        v = imp;
        dmu_coef = -1.0;
    } else if (kind == GPBO_ACQ_LOGEI) {
        v = log(imp);
        dmu_coef = -1.0 / imp;
    }
    if (grad != NULL)
        for (size_t k = 0; k < dim; k++) {
            double g = dmu_coef * (dmu ? dmu[k] : 0.0);
            grad[k] = isfinite(g) ? g : 0.0;
        }
    return v;
}

double gpbo_acq__utility(gpbo_acq_kind kind, double best_f, double sqrt_beta, size_t dim, double mu,
                         double var, const double *dmu, const double *dvar, double *grad)
{
    /* At zero variance sigma is floored and does not move with x. */
    int floored = !(var > SIGMA_MIN * SIGMA_MIN);
    double s = floored ? SIGMA_MIN : sqrt(var);
    double z = (best_f - mu) / s;
    if (z > DBL_MAX && kind != GPBO_ACQ_LCB)
        return overflowed_z(kind, best_f - mu, dim, dmu, grad);
    int clamped = z < Z_MIN;
    if (clamped)
        z = Z_MIN;
    double v, dz_coef = 0.0, ds_coef = 0.0, dmu_coef = 0.0;
    switch (kind) {
    case GPBO_ACQ_EI: {
        double P = gpbo_acq__Phi(z), p = gpbo_acq__phi(z);
        v = z > -ASYM ? s * (p + z * P) : s * exp(gpbo_acq__log_h(z, NULL));
        ds_coef = p;
        dmu_coef = -P;
        break;
    }
    case GPBO_ACQ_LOGEI: {
        double dlh;
        v = gpbo_acq__log_h(z, &dlh) + log(s);
        dz_coef = dlh;
        ds_coef = 1.0 / s;
        break;
    }
    case GPBO_ACQ_LOGPI: {
        double dl;
        v = gpbo_acq__log_Phi(z, &dl);
        dz_coef = dl;
        break;
    }
    case GPBO_ACQ_LCB:
    default:
        v = -(mu - sqrt_beta * s);
        dmu_coef = -1.0;
        ds_coef = sqrt_beta;
        break;
    }
    if (grad != NULL) {
        for (size_t k = 0; k < dim; k++) {
            double dm = dmu ? dmu[k] : 0.0;
            double ds = (floored || dvar == NULL) ? 0.0 : dvar[k] / (2.0 * s);
            /* dz = -(dmu + z ds) / s; zero where z was clamped (the utility is flat there). */
            double dz = clamped ? 0.0 : -(dm + z * ds) / s;
            double g = dz_coef * dz + ds_coef * ds + dmu_coef * dm;
            grad[k] = isfinite(g) ? g : 0.0;
        }
    }
    return v;
}

/* The bytes of each version of gpbo_acq_options (the header lists the versions); index 0 is unused.
 */
static const size_t OPTIONS_SIZE[GPBO_ACQ_OPTIONS_VERSION + 1] = {
    0, GPBO_OPTIONS_FIELD_END(gpbo_acq_options, project_payload)};
static const gpbo_acq_options DEFAULTS = GPBO_ACQ_OPTIONS_INIT;
static const gpbo_options_type OPTIONS = {
    "acq_options_init",       "options",    "GPBO_ACQ_OPTIONS_INIT",
    GPBO_ACQ_OPTIONS_VERSION, OPTIONS_SIZE, &DEFAULTS};

int gpbo_acq_options_init(gpbo_acq_options *opts, unsigned int version)
{
    return gpbo_options_init(&OPTIONS, opts, version);
}

static const char *const KIND_NAMES[GPBO_ACQ_KIND_COUNT] = {"ei", "logei", "logpi", "lcb",
                                                            "thompson"};

const char *gpbo_acq_kind_name(gpbo_acq_kind kind)
{
    return (unsigned)kind < GPBO_ACQ_KIND_COUNT ? KIND_NAMES[kind] : NULL;
}

int gpbo_acq_kind_parse(const char *name, gpbo_acq_kind *out)
{
    if (name == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "acq_kind_parse: name or out is NULL");
    for (int k = 0; k < GPBO_ACQ_KIND_COUNT; k++) {
        if (strcmp(name, KIND_NAMES[k]) == 0) {
            *out = (gpbo_acq_kind)k;
            return GPBO_OK;
        }
    }
    if (strcmp(name, "ucb") == 0) {
        *out = GPBO_ACQ_LCB;
        return GPBO_OK;
    }
    return gpbo_error_set(GPBO_EINVAL,
                          "unknown acquisition '%s' (ei, logei, logpi, lcb/ucb, thompson)", name);
}

int gpbo_acq__options_load(const char *fn, const gpbo_acq_options *opts, size_t dim,
                           gpbo_acq_options *out)
{
    int rc = gpbo_options_load(&OPTIONS, fn, opts, out);
    if (rc != GPBO_OK)
        return rc;
    return gpbo_acq__check_options(fn, out, dim);
}

int gpbo_acq__check_options(const char *fn, const gpbo_acq_options *o, size_t dim)
{
    if ((unsigned)o->kind >= GPBO_ACQ_KIND_COUNT)
        return gpbo_error_set(GPBO_EINVAL, "%s: options.kind = %d is not a known acquisition", fn,
                              (int)o->kind);
    if (o->beta_rule != GPBO_ACQ_BETA_FIXED && o->beta_rule != GPBO_ACQ_BETA_GP_UCB)
        return gpbo_error_set(GPBO_EINVAL, "%s: options.beta_rule = %d is unknown", fn,
                              (int)o->beta_rule);
    if (!(isfinite(o->beta) && o->beta >= 0.0))
        return gpbo_error_set(GPBO_EINVAL, "%s: options.beta = %g must be finite and >= 0", fn,
                              o->beta);
    if (!(o->delta > 0.0 && o->delta < 1.0))
        return gpbo_error_set(GPBO_EINVAL, "%s: options.delta = %g must lie in (0, 1)", fn,
                              o->delta);
    if (o->optimizer != GPBO_ACQ_OPT_LBFGS && o->optimizer != GPBO_ACQ_OPT_DIRECT)
        return gpbo_error_set(GPBO_EINVAL, "%s: options.optimizer = %d is unknown", fn,
                              (int)o->optimizer);
    if (o->raw_samples < 1 || o->raw_samples > RAW_SAMPLES_MAX)
        return gpbo_error_set(GPBO_EINVAL, "%s: options.raw_samples = %zu must be in [1, 1e7]", fn,
                              o->raw_samples);
    if (o->max_evals < 1 || o->max_evals > MAX_EVALS_MAX)
        return gpbo_error_set(GPBO_EINVAL, "%s: options.max_evals = %zu must be in [1, 1e6]", fn,
                              o->max_evals);
    if (o->restarts > RESTARTS_MAX)
        return gpbo_error_set(GPBO_EINVAL, "%s: options.restarts = %zu must be at most %d", fn,
                              o->restarts, RESTARTS_MAX);
    if ((unsigned)o->batch > GPBO_ACQ_BATCH_LP)
        return gpbo_error_set(GPBO_EINVAL, "%s: options.batch = %d is unknown", fn, (int)o->batch);
    if (o->batch == GPBO_ACQ_BATCH_LP && o->kind == GPBO_ACQ_LCB)
        return gpbo_error_set(GPBO_EINVAL,
                              "%s: local penalization needs a positive acquisition (ei, logei, "
                              "logpi), not lcb",
                              fn);
    if (o->fixed != NULL) {
        if (o->fixed_values == NULL)
            return gpbo_error_set(GPBO_EINVAL, "%s: options.fixed is set but fixed_values is NULL",
                                  fn);
        for (size_t j = 0; j < dim; j++)
            if (o->fixed[j] && !(o->fixed_values[j] >= 0.0 && o->fixed_values[j] <= 1.0))
                return gpbo_error_set(GPBO_EINVAL,
                                      "%s: options.fixed_values[%zu] = %g is outside [0, 1]", fn, j,
                                      o->fixed_values[j]);
    }
    return GPBO_OK;
}

struct gpbo_acq {
    const gpbo_gp *gp;
    gpbo_acq_kind kind;
    double best_f;
    double beta;
    size_t dim;
    gpbo_gp_workspace *ws;
    double *buf; /* mean, var (cap each), dmean, dvar (cap * dim each) */
    size_t cap;
};

gpbo_acq *gpbo_acq_new(const gpbo_gp *gp, const gpbo_acq_options *opts, double best_f)
{
    gpbo_acq_options full;
    const gpbo_acq_options *o = &full;
    if (gp == NULL) {
        gpbo_error_set(GPBO_EINVAL, "acq_new: gp is NULL");
        return NULL;
    }
    size_t dim = gpbo_gp_dim(gp);
    if (gpbo_acq__options_load("acq_new", opts, dim, &full) != GPBO_OK)
        return NULL;
    if (o->kind == GPBO_ACQ_THOMPSON) {
        gpbo_error_set(GPBO_EINVAL, "acq_new: thompson sampling has no pointwise value; use "
                                    "gpbo_acq_propose()");
        return NULL;
    }
    if (!isfinite(best_f) && o->kind != GPBO_ACQ_LCB) {
        gpbo_error_set(GPBO_EINVAL, "acq_new: best_f is not finite (%s)",
                       gpbo_nonfinite_name(best_f));
        return NULL;
    }
    gpbo_acq *a = calloc(1, sizeof *a);
    if (a == NULL || (a->ws = gpbo_gp_workspace_new()) == NULL) {
        free(a);
        gpbo_error_set(GPBO_ENOMEM, "acq_new: out of memory");
        return NULL;
    }
    a->gp = gp;
    a->kind = o->kind;
    a->best_f = best_f;
    a->dim = dim;
    a->beta = o->beta;
    if (o->beta_rule == GPBO_ACQ_BETA_GP_UCB) {
        /* Srinivas et al. 2010, Theorem 1 with |D| replaced by d (a common practical form). */
        double t = (double)gpbo_gp_n(gp) + 1.0;
        double pi2 = M_PI * M_PI;
        a->beta = 2.0 * log((double)dim * t * t * pi2 / (6.0 * o->delta));
        if (a->beta < 0.0)
            a->beta = 0.0;
    }
    return a;
}

void gpbo_acq_free(gpbo_acq *acq)
{
    if (acq != NULL) {
        gpbo_gp_workspace_free(acq->ws);
        free(acq->buf);
        free(acq);
    }
}

double gpbo_acq_beta_value(const gpbo_acq *acq)
{
    return acq ? acq->beta : NAN;
}

int gpbo_acq_eval(gpbo_acq *acq, size_t m, const double *x, double *out_value, double *out_grad)
{
    if (acq == NULL || x == NULL || out_value == NULL)
        return gpbo_error_set(GPBO_EINVAL, "acq_eval: acq, x or out_value is NULL");
    if (m == 0)
        return GPBO_OK;
    size_t d = acq->dim;
    if (m > acq->cap) {
        double *nb = realloc(acq->buf, m * (2 + 2 * d) * sizeof *nb);
        if (nb == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "acq_eval: out of memory");
        acq->buf = nb;
        acq->cap = m;
    }
    double *mean = acq->buf, *var = mean + m, *dmean = var + m, *dvar = dmean + m * d;
    int want = out_grad != NULL;
    int rc = gpbo_gp_predict_grad(acq->gp, acq->ws, m, x, mean, var, want ? dmean : NULL,
                                  want ? dvar : NULL);
    if (rc != GPBO_OK)
        return gpbo_error_prefix("acq_eval: ");
    double sb = sqrt(acq->beta);
    for (size_t i = 0; i < m; i++)
        out_value[i] = gpbo_acq__utility(acq->kind, acq->best_f, sb, d, mean[i], var[i],
                                         want ? dmean + i * d : NULL, want ? dvar + i * d : NULL,
                                         want ? out_grad + i * d : NULL);
    return GPBO_OK;
}
