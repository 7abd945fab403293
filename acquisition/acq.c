/*
 * acq.c: the acquisition functions — expected improvement and its stable logarithm, the log
 * probability of improvement and the lower confidence bound — with their gradients in x, from
 * the GP's posterior mean and variance (and their gradients).
 *
 * Notation: sigma = sqrt(var), z = (best_f - mu) / sigma, h(z) = phi(z) + z Phi(z). Then
 * EI = sigma h(z), d EI = phi(z) d sigma - Phi(z) d mu, and log EI = log h(z) + log sigma.
 * log h is computed as in Ament et al. (NeurIPS 2023, eq. 9): directly above z = -1, below as
 * log phi(u) + log(1 - u R(u)) with u = -z and the Mills ratio R(u) = Q(u) / phi(u); h =
 * phi(u) - u Q(u) cancels (1 - u R ~ 1 / u^2), so from u = 10 on both R and 1 - u R come from
 * their asymptotic series, summed term by term so that nothing cancels. phi is computed to a
 * few ulps (scaled_exp_half_sq), since the cancellation multiplies its error by u^2.
 * Accuracy, checked against mpmath at 60 digits by tests/acquisition/acq_reference.py over
 * z in [-40, 40] and beyond, sigma from 1e-140 to 1e140: the bounds that test states.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/numeric.h"
#include "acq_internal.h"
#include "gpbo/sys/error.h"
#include "gpbo/sys/options.h"

/* 1 / sqrt(2) as a double and the rest (INV_SQRT2 + INV_SQRT2_LO is 1 / sqrt(2) to 1e-33). */
static const double INV_SQRT2 = 0.7071067811865476;
static const double INV_SQRT2_LO = -4.833646656726457e-17;
static const double SQRT2 = 1.4142135623730951;
/* 1 / sqrt(2 pi) and exp(-700), correctly rounded. */
static const double INV_SQRT_2PI = 0.3989422804014327;
static const double EXP_M700 = 9.85967654375977e-305;
/* Below z = -ASYM_H, h(z) = phi(u) (1 - u R(u)) takes 1 - u R(u) from its asymptotic series;
 * above, h = phi(u) - u Q(u) directly, which cancels: it loses about log10(u^2) digits (two at
 * u = 10; at the 30 used until 2026-12 it lost three, and phi's own error was multiplied by
 * 900). From u = 10 on the series, summed to its smallest term, is accurate to 2e-16 (at most
 * ASYM_TERMS terms: 28 at u = 10, 10 at u = 30). */
#define ASYM_H     10.0
#define ASYM_TERMS 60
/* Below z = -ASYM_PHI, log Phi(z) takes R(u) from the same series (erfc underflows at 38.5). */
#define ASYM_PHI 30.0
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

/* scale * exp(-z^2 / 2) to a few ulps. exp(-z * z / 2) alone carries the rounding of z * z, a
 * relative error of up to z^2 / 4 ulps (4e-14 at z = 20, which h = phi(u) - u Q(u) then
 * multiplied by u^2): z^2 is split into its rounded value p and the remainder e = z^2 - p
 * (exact, by fma), and exp(-e / 2) = 1 - e / 2 to 1e-28. Where exp(-p / 2) would underflow,
 * exp(-700) joins scale first, so that the product underflows only where the result does
 * (EI = sigma h(z) for a huge sigma far in the tail). Cannot fail; 0 beyond z^2 = 3000, where
 * even scale = DBL_MAX gives less than the smallest subnormal. */
static double scaled_exp_half_sq(double z, double scale)
{
    double p = z * z, a = -0.5 * p;
    if (!(a > -1500.0))
        return 0.0;
    double corr = 1.0 - 0.5 * fma(z, z, -p);
    if (a < -700.0) {
        scale *= EXP_M700;
        a += 700.0; /* exact: a lies in [-1500, -700) */
    }
    return scale * exp(a) * corr;
}

double gpbo_acq__phi(double z)
{
    return scaled_exp_half_sq(z, INV_SQRT_2PI);
}

/* Q(u) = 1 - Phi(u) = erfc(u / sqrt 2) / 2, given phi_u = phi(u). The argument u / sqrt 2 is
 * rounded, and erfc turns its relative error into one u^2 times larger in Q (1e-14 at u = 10,
 * which h = phi(u) - u Q(u) multiplied by u^2 again): the rounding dx (from fma and the rest of
 * 1 / sqrt 2) is taken back to first order, erfc(x + dx) = erfc(x) - 2 / sqrt(pi) exp(-x^2) dx,
 * with exp(-x^2) = sqrt(2 pi) phi(u). The second order, x dx^2, is below 1e-30 of Q. */
static double upper_tail(double u, double phi_u)
{
    double x = u * INV_SQRT2;
    double dx = fma(u, INV_SQRT2, -x) + u * INV_SQRT2_LO;
    return 0.5 * erfc(x) - SQRT2 * phi_u * dx;
}

double gpbo_acq__Phi(double z)
{
    return z < 0.0 ? upper_tail(-z, gpbo_acq__phi(z)) : 0.5 * erfc(-z * INV_SQRT2);
}

/* For u >= ASYM_H: R(u) = Q(u)/phi(u) = (1 + t)/u and 1 - u R(u) = -t, with
 * t = sum_{k>=1} (-1)^k (2k-1)!! / u^(2k), summed until a term is below 1e-17 of the sum or
 * the terms stop shrinking (the series is asymptotic: its error is below the last term). */
static void mills_asym(double u, double *R, double *one_minus_uR)
{
    double u2 = u * u, term = 1.0, t = 0.0;
    for (int k = 1; k <= ASYM_TERMS; k++) {
        double next = term * (-(2.0 * k - 1.0) / u2);
        if (fabs(next) >= fabs(term))
            break;
        term = next;
        t += term;
        if (fabs(term) < 1e-17 * fabs(t))
            break;
    }
    *R = (1.0 + t) / u;
    *one_minus_uR = -t;
}

/* log h(z), and Phi(z) / h(z) into *P_h and phi(z) / h(z) into *p_h: d EI = phi d sigma - Phi
 * d mu, so these two are what the gradient of log EI = log h + log sigma needs. Computing
 * phi / h as 1 - z Phi / h (the old d log EI / d sigma) cancelled for z > 0: at z = 8 it was
 * rounding alone. Either pointer may be NULL. */
static double log_h_parts(double z, double *P_h, double *p_h)
{
    double lh, ph, qh;
    if (z > -1.0) {
        double p = gpbo_acq__phi(z), P = z < 0.0 ? upper_tail(-z, p) : gpbo_acq__Phi(z);
        double h = p + z * P;
        lh = log(h);
        qh = P / h;
        ph = p / h;
    } else if (z > -ASYM_H) {
        double u = -z, p = gpbo_acq__phi(u), Q = upper_tail(u, p), h = p - u * Q;
        lh = log(h);
        qh = Q / h;
        ph = p / h;
    } else {
        double u = -z, R, omr;
        mills_asym(u, &R, &omr);
        lh = -0.5 * u * u - GPBO_LOG_SQRT_2PI + log(omr);
        qh = R / omr;
        ph = 1.0 / omr;
    }
    if (P_h)
        *P_h = qh;
    if (p_h)
        *p_h = ph;
    return lh;
}

double gpbo_acq__log_h(double z, double *dlogh)
{
    return log_h_parts(z, dlogh, NULL);
}

double gpbo_acq__log_Phi(double z, double *dlog)
{
    if (z > 0.0) {
        double p = gpbo_acq__phi(z), Q = upper_tail(z, p);
        if (dlog)
            *dlog = p / (1.0 - Q);
        return log1p(-Q);
    }
    double u = -z;
    if (u < ASYM_PHI) {
        double p = gpbo_acq__phi(u), P = upper_tail(u, p);
        if (dlog)
            *dlog = p / P;
        return log(P);
    }
    double R, omr;
    mills_asym(u, &R, &omr);
    if (dlog)
        *dlog = 1.0 / R;
    return -0.5 * u * u - GPBO_LOG_SQRT_2PI + log(R);
}

/* EI = sigma h(z) for z <= -ASYM_H: sigma phi(u) (1 - u R(u)), through scaled_exp_half_sq() so
 * that a huge sigma keeps an EI that phi(u) alone (below 1e-308 from u = 37.5) would flush to
 * 0. Its gradient phi(u) (d sigma - R(u) d mu) likewise, coordinate by coordinate, into grad
 * when it is not NULL (as gpbo_acq__utility()'s arguments; ds_scale is 0 where sigma is floored,
 * else 1 / (2 sigma)). */
static double ei_tail(double u, double s, size_t dim, const double *dmu, const double *dvar,
                      double ds_scale, double *grad)
{
    double R, omr;
    mills_asym(u, &R, &omr);
    if (grad != NULL)
        for (size_t k = 0; k < dim; k++) {
            double ds = dvar ? dvar[k] * ds_scale : 0.0, dm = dmu ? dmu[k] : 0.0;
            double g = scaled_exp_half_sq(u, INV_SQRT_2PI * (ds - R * dm));
            grad[k] = isfinite(g) ? g : 0.0;
        }
    return scaled_exp_half_sq(u, INV_SQRT_2PI * s) * omr;
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

/* Above this z, phi(z) < 6e-298 heads for underflow while the gradient terms it multiplies (by
 * 1 / sigma, or sigma's own gradient) may keep it representable: they go through
 * scaled_exp_half_sq() instead. */
#define Z_PHI_TINY 37.0

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
    if (kind == GPBO_ACQ_EI && z <= -ASYM_H)
        return ei_tail(-z, s, dim, dmu, dvar, floored ? 0.0 : 0.5 / s, grad);
    /* The gradient is c_mu dm + c_s ds + phi(z) (e_mu dm + e_s ds), where dm and ds are the
     * gradients of mu and sigma, divided by sigma for the logarithms (whose coefficients carry
     * a 1 / sigma: applied to the coefficient first, a huge sigma flushed phi(29) / sigma to 0).
     * The terms proportional to phi(z) are in c_mu and c_s up to Z_PHI_TINY, in e_mu and e_s
     * beyond (where Phi(z) = 1). */
    double v, c_mu, c_s, e_mu = 0.0, e_s = 0.0;
    int tiny = z > Z_PHI_TINY, per_sigma = 0;
    switch (kind) {
    case GPBO_ACQ_EI: {
        double p = gpbo_acq__phi(z), P = z < 0.0 ? upper_tail(-z, p) : gpbo_acq__Phi(z);
        v = s * (p + z * P);
        c_mu = -P;
        c_s = tiny ? 0.0 : p;
        e_s = tiny ? 1.0 : 0.0;
        break;
    }
    case GPBO_ACQ_LOGEI: {
        double P_h, p_h;
        v = log_h_parts(z, &P_h, &p_h) + log(s);
        /* d log EI = (phi d sigma - Phi d mu) / (sigma h); clamped, only log sigma moves */
        per_sigma = 1;
        c_mu = clamped ? 0.0 : -P_h;
        c_s = clamped ? 1.0 : tiny ? 0.0 : p_h;
        e_s = tiny ? P_h : 0.0; /* phi / h = phi P_h / Phi */
        break;
    }
    case GPBO_ACQ_LOGPI: {
        double dl;
        v = gpbo_acq__log_Phi(z, &dl);
        /* dz = -(d mu + z d sigma) / sigma; zero where z was clamped (the utility is flat) */
        per_sigma = 1;
        c_mu = clamped || tiny ? 0.0 : -dl;
        c_s = clamped || tiny ? 0.0 : -dl * z;
        e_mu = tiny ? -1.0 : 0.0;
        e_s = tiny ? -z : 0.0;
        break;
    }
    case GPBO_ACQ_LCB:
    default:
        v = -(mu - sqrt_beta * s);
        c_mu = -1.0;
        c_s = sqrt_beta;
        break;
    }
    if (grad != NULL) {
        for (size_t k = 0; k < dim; k++) {
            double dm = dmu ? dmu[k] : 0.0;
            double ds = (floored || dvar == NULL) ? 0.0 : dvar[k] / (2.0 * s);
            if (per_sigma) {
                dm /= s;
                ds /= s;
            }
            double g = c_mu * dm + c_s * ds;
            if (tiny)
                g += scaled_exp_half_sq(z, INV_SQRT_2PI * (e_mu * dm + e_s * ds));
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
        /* Refused before the scratch grows: a size that wrapped (m = -1 through an FFI) gave a
         * small buffer, the capacity m, and the next call wrote past it. */
        size_t lim = SIZE_MAX / sizeof(double) / (2 + 2 * d);
        if (m > lim)
            return gpbo_error_set(GPBO_EINVAL,
                                  "acq_eval: m = %zu is too large (at most %zu; a negative count?)",
                                  m, lim);
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
