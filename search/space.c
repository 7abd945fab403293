/*
 * space.c: search spaces — named float, integer, categorical and constant parameters — and
 * their encoding into the unit cube: one coordinate per float or integer (log scale where
 * asked; an integer owns the cell [k, k+1) / (hi - lo + 1) of its range), one per category of
 * a categorical (one-hot, decoded by arg-max), none for a constant. Projection maps any point
 * onto the encoding of its decoded values, so the GP sees one point per integer / category
 * combination (Garrido-Merchán & Hernández-Lobato 2020). A stepped float or integer (values
 * lo + k step, k = 0..K) is encoded as the integer k in 0..K would be, K + 1 cells, each
 * decoded to its grid value computed as lo + k step.
 */
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"
#include "../base/json_safe.h"
#include "search_internal.h"

gpbo_space *gpbo_space_new(void)
{
    gpbo_space *s = calloc(1, sizeof *s);
    if (s == NULL)
        gpbo_error_set(GPBO_ENOMEM, "space_new: out of memory");
    return s;
}

static void param_clear(gpbo_param *p)
{
    free(p->name);
    for (size_t k = 0; k < p->nchoices; k++)
        free(p->choices[k]);
    free(p->choices);
    free(p->cond);
}

void gpbo_space_free(gpbo_space *space)
{
    if (space == NULL)
        return;
    for (size_t i = 0; i < space->n; i++)
        param_clear(&space->p[i]);
    free(space->p);
    free(space);
}

size_t gpbo_space_find(const gpbo_space *s, const char *name)
{
    if (s != NULL && name != NULL)
        for (size_t i = 0; i < s->n; i++)
            if (strcmp(s->p[i].name, name) == 0)
                return i;
    return GPBO_SPACE_NOT_FOUND;
}

/* Checks the name and makes room; on success the new slot is s->p[s->n], zeroed, named. */
static int add_slot(gpbo_space *s, const char *fn, const char *name)
{
    if (s == NULL || name == NULL)
        return gpbo_error_set(GPBO_EINVAL, "%s: space or name is NULL", fn);
    if (name[0] == '\0')
        return gpbo_error_set(GPBO_EINVAL, "%s: a parameter name is empty", fn);
    if (!gpbo_utf8_valid(name))
        return gpbo_error_set(GPBO_EINVAL, "%s: a parameter name is not valid UTF-8", fn);
    if (gpbo_space_find(s, name) != GPBO_SPACE_NOT_FOUND)
        return gpbo_error_set(GPBO_EINVAL, "%s: parameter '%s' is defined twice", fn, name);
    if (s->n == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 8;
        gpbo_param *np = realloc(s->p, nc * sizeof *np);
        if (np == NULL)
            return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", fn);
        s->p = np;
        s->cap = nc;
    }
    gpbo_param *p = &s->p[s->n];
    memset(p, 0, sizeof *p);
    if ((p->name = strdup(name)) == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", fn);
    p->offset = s->dim;
    return GPBO_OK;
}

/* The largest magnitude of an integer parameter's bounds: whole doubles are exact below 2^53. */
#define INT_BOUND 9e15

static int check_range(const char *fn, const char *name, double lo, double hi, int log_scale,
                       int integer)
{
    if (!isfinite(lo) || !isfinite(hi))
        return gpbo_error_set(GPBO_EINVAL, "%s: parameter '%s': bounds must be finite", fn, name);
    if (lo > hi)
        return gpbo_error_set(GPBO_EINVAL, "%s: parameter '%s': min %g > max %g", fn, name, lo, hi);
    /* decoding is lo + u (hi - lo): an infinite width would give hi (or NaN) for every u */
    if (!isfinite(hi - lo))
        return gpbo_error_set(
            GPBO_EINVAL, "%s: parameter '%s': the width max - min (%g - %g) is not a finite double",
            fn, name, hi, lo);
    if (log_scale && lo <= 0.0)
        return gpbo_error_set(
            GPBO_EINVAL, "%s: parameter '%s': a log scale needs min > 0 (min is %g)", fn, name, lo);
    if (integer && (fabs(lo) > INT_BOUND || fabs(hi) > INT_BOUND))
        return gpbo_error_set(GPBO_EINVAL, "%s: parameter '%s': bounds beyond 9e15", fn, name);
    return GPBO_OK;
}

int gpbo_space_add_float(gpbo_space *s, const char *name, double lo, double hi, int log_scale)
{
    int rc = check_range("space_add_float", name ? name : "?", lo, hi, log_scale, 0);
    if (rc == GPBO_OK)
        rc = add_slot(s, "space_add_float", name);
    if (rc != GPBO_OK)
        return rc;
    gpbo_param *p = &s->p[s->n++];
    p->type = GPBO_PARAM_FLOAT;
    p->lo = lo;
    p->hi = hi;
    p->log_scale = log_scale != 0;
    s->dim++;
    return GPBO_OK;
}

int gpbo_space_add_int(gpbo_space *s, const char *name, long long lo, long long hi, int log_scale)
{
    int rc = check_range("space_add_int", name ? name : "?", (double)lo, (double)hi, log_scale, 1);
    if (rc == GPBO_OK)
        rc = add_slot(s, "space_add_int", name);
    if (rc != GPBO_OK)
        return rc;
    gpbo_param *p = &s->p[s->n++];
    p->type = GPBO_PARAM_INT;
    p->lo = (double)lo;
    p->hi = (double)hi;
    p->log_scale = log_scale != 0;
    s->dim++;
    return GPBO_OK;
}

/* The most steps a stepped parameter may have: k and lo + k step stay exact integers below. */
#define MAX_STEPS 9e15

/* Relative tolerance of a float on a step's grid: (v - lo) / step within it of a whole k.
 * Rounding in lo + k step, or in a value written in decimal (0.3 for 0.1 * 3), is ~1e-16; any
 * value meant for another point is a whole step away. */
#define GRID_TOL 1e-9

int gpbo_space_add_float_step(gpbo_space *s, const char *name, double lo, double hi, double step)
{
    const char *fn = "space_add_float_step", *nm = name ? name : "?";
    int rc = check_range(fn, nm, lo, hi, 0, 0);
    if (rc != GPBO_OK)
        return rc;
    if (!isfinite(step) || step <= 0)
        return gpbo_error_set(
            GPBO_EINVAL, "%s: parameter '%s': step must be finite and > 0, not %g", fn, nm, step);
    double r = (hi - lo) / step, k = round(r);
    if (!(r <= MAX_STEPS))
        return gpbo_error_set(GPBO_EINVAL,
                              "%s: parameter '%s': %g steps of %g from %g to %g (at most 9e15)", fn,
                              nm, r, step, lo, hi);
    /* Optuna's grid: hi moves down to the last point lo + K step below it, K = floor((hi - lo) /
     * step); hi is kept when it is that point within rounding (0.7 with step 0.1 from 0) */
    if (fabs(r - k) > GRID_TOL * (k > 1 ? k : 1)) {
        k = floor(r);
        hi = lo + k * step;
    }
    if ((rc = add_slot(s, fn, name)) != GPBO_OK)
        return rc;
    gpbo_param *p = &s->p[s->n++];
    p->type = GPBO_PARAM_FLOAT;
    p->lo = lo;
    p->hi = hi;
    p->step = step;
    p->nsteps = k;
    s->dim++;
    return GPBO_OK;
}

int gpbo_space_add_int_step(gpbo_space *s, const char *name, long long lo, long long hi,
                            long long step)
{
    const char *fn = "space_add_int_step", *nm = name ? name : "?";
    int rc = check_range(fn, nm, (double)lo, (double)hi, 0, 1);
    if (rc != GPBO_OK)
        return rc;
    if (step <= 0)
        return gpbo_error_set(GPBO_EINVAL, "%s: parameter '%s': step must be > 0, not %lld", fn, nm,
                              step);
    if (step == 1) /* every integer: the plain integer, so the two spaces are one */
        return gpbo_space_add_int(s, name, lo, hi, 0);
    long long k = (hi - lo) / step; /* bounds within 9e15: no overflow */
    if ((rc = add_slot(s, fn, name)) != GPBO_OK)
        return rc;
    gpbo_param *p = &s->p[s->n++];
    p->type = GPBO_PARAM_INT;
    p->lo = (double)lo;
    p->hi = (double)(lo + k * step);
    p->step = (double)step;
    p->nsteps = (double)k;
    s->dim++;
    return GPBO_OK;
}

int gpbo_space_add_categorical(gpbo_space *s, const char *name, size_t n,
                               const char *const *choices)
{
    const char *fn = "space_add_categorical";
    if (n == 0 || choices == NULL)
        return gpbo_error_set(GPBO_EINVAL, "%s: parameter '%s' has an empty list of values", fn,
                              name ? name : "?");
    for (size_t k = 0; k < n; k++) {
        if (choices[k] == NULL)
            return gpbo_error_set(GPBO_EINVAL, "%s: parameter '%s': value %zu is NULL", fn,
                                  name ? name : "?", k);
        if (!gpbo_utf8_valid(choices[k]))
            return gpbo_error_set(GPBO_EINVAL, "%s: parameter '%s': value %zu is not valid UTF-8",
                                  fn, name && gpbo_utf8_valid(name) ? name : "?", k);
        for (size_t j = 0; j < k; j++)
            if (strcmp(choices[j], choices[k]) == 0)
                return gpbo_error_set(GPBO_EINVAL, "%s: parameter '%s': value '%s' is listed twice",
                                      fn, name ? name : "?", choices[k]);
    }
    int rc = add_slot(s, fn, name);
    if (rc != GPBO_OK)
        return rc;
    gpbo_param *p = &s->p[s->n];
    p->type = GPBO_PARAM_CATEGORICAL;
    p->choices = calloc(n, sizeof *p->choices);
    if (p->choices == NULL) {
        param_clear(p);
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", fn);
    }
    for (size_t k = 0; k < n; k++) {
        p->nchoices = k + 1;
        if ((p->choices[k] = strdup(choices[k])) == NULL) {
            param_clear(p);
            return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", fn);
        }
    }
    p->lo = 0;
    p->hi = (double)(n - 1);
    s->n++;
    s->dim += n;
    return GPBO_OK;
}

int gpbo_space_add_const(gpbo_space *s, const char *name, double value)
{
    if (!isfinite(value))
        return gpbo_error_set(GPBO_EINVAL, "space_add_const: parameter '%s' is not finite",
                              name ? name : "?");
    int rc = add_slot(s, "space_add_const", name);
    if (rc != GPBO_OK)
        return rc;
    gpbo_param *p = &s->p[s->n++];
    p->type = GPBO_PARAM_CONST;
    p->lo = p->hi = value;
    return GPBO_OK;
}

size_t gpbo_space_size(const gpbo_space *s)
{
    return s ? s->n : 0;
}

size_t gpbo_space_dim(const gpbo_space *s)
{
    return s ? s->dim : 0;
}

static const gpbo_param *param(const gpbo_space *s, size_t i)
{
    return (s != NULL && i < s->n) ? &s->p[i] : NULL;
}

const char *gpbo_space_name(const gpbo_space *s, size_t i)
{
    const gpbo_param *p = param(s, i);
    return p ? p->name : NULL;
}

gpbo_param_type gpbo_space_type(const gpbo_space *s, size_t i)
{
    const gpbo_param *p = param(s, i);
    return p ? p->type : GPBO_PARAM_CONST;
}

int gpbo_space_is_log(const gpbo_space *s, size_t i)
{
    const gpbo_param *p = param(s, i);
    return p ? p->log_scale : 0;
}

double gpbo_space_lo(const gpbo_space *s, size_t i)
{
    const gpbo_param *p = param(s, i);
    return p ? p->lo : NAN;
}

double gpbo_space_hi(const gpbo_space *s, size_t i)
{
    const gpbo_param *p = param(s, i);
    return p ? p->hi : NAN;
}

size_t gpbo_space_nchoices(const gpbo_space *s, size_t i)
{
    const gpbo_param *p = param(s, i);
    return p ? p->nchoices : 0;
}

double gpbo_space_step(const gpbo_space *s, size_t i)
{
    const gpbo_param *p = param(s, i);
    return p ? p->step : 0.0;
}

const char *gpbo_space_choice(const gpbo_space *s, size_t i, size_t k)
{
    const gpbo_param *p = param(s, i);
    return (p && k < p->nchoices) ? p->choices[k] : NULL;
}

static double clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/* The continuous scale of a float or integer: u in [0,1] <-> t in [a, b] (log where asked). */
static void scale_of(const gpbo_param *p, double *a, double *b)
{
    double lo = p->lo, hi = p->hi;
    if (p->type == GPBO_PARAM_INT) {
        lo -= 0.5;
        hi += 0.5;
    }
    *a = p->log_scale ? log(lo) : lo;
    *b = p->log_scale ? log(hi) : hi;
}

/* The index k of the grid point of stepped p nearest to v, within [0, nsteps]. */
static double grid_index(const gpbo_param *p, double v)
{
    double k = round((v - p->lo) / p->step);
    return k < 0 ? 0 : k > p->nsteps ? p->nsteps : k;
}

double gpbo_search__snap(const gpbo_param *p, double v)
{
    return p->step > 0 && !isnan(v) ? gpbo_search__grid_value(p, grid_index(p, v)) : v;
}

/* Whether v is a value of stepped p: a grid point within GRID_TOL of a step (and a whole
 * number for an integer). */
static int on_grid(const gpbo_param *p, double v)
{
    if (!isfinite(v) || (p->type == GPBO_PARAM_INT && v != floor(v)))
        return 0;
    double r = (v - p->lo) / p->step, k = round(r);
    if (!(k >= 0 && k <= p->nsteps))
        return 0;
    /* and a few ulps of v: far from 0 (1e15 in steps of 0.1) lo + k step rounds by more */
    return fabs(v - gpbo_search__grid_value(p, k)) <=
           GRID_TOL * p->step + 4 * DBL_EPSILON * fabs(v);
}

static double decode_one(const gpbo_param *p, double u)
{
    if (p->step > 0) { /* nsteps + 1 cells of equal width, as an integer's */
        double k = round(-0.5 + clamp01(u) * (p->nsteps + 1));
        return gpbo_search__grid_value(p, k < 0 ? 0 : k > p->nsteps ? p->nsteps : k);
    }
    /* the ends are lo and hi themselves: exp(log(lo)) is not lo (1e-5 came back an ulp above
     * it, and 1e300 an ulp below, which encode refused), nor a + (b - a) always b (DBL_MAX on a
     * log scale came back 1.7976931348622732e308) */
    if (!(u > 0.0))
        return p->lo;
    if (u >= 1.0)
        return p->hi;
    double a, b;
    scale_of(p, &a, &b);
    double t = a + u * (b - a);
    double v = p->log_scale ? exp(t) : t;
    if (p->type == GPBO_PARAM_INT)
        v = round(v);
    return v < p->lo ? p->lo : v > p->hi ? p->hi : v;
}

static double encode_one(const gpbo_param *p, double v)
{
    if (p->step > 0)
        return (grid_index(p, v) + 0.5) / (p->nsteps + 1);
    double a, b;
    scale_of(p, &a, &b);
    if (b == a)
        return 0.5;
    return clamp01(((p->log_scale ? log(v) : v) - a) / (b - a));
}

/* An inactive parameter's coordinates (space_cond.c): 0, the low edge of a float or integer,
 * the zero vector of a categorical's one-hot. */
static void impute(const gpbo_param *p, double *u)
{
    for (size_t k = 0; k < gpbo_search__param_width(p); k++)
        u[p->offset + k] = 0.0;
}

/* Spaces of up to this many parameters keep their scratch on the stack: the projection runs
 * for every candidate of the acquisition. Chosen by hand, not tuned. */
#define SCRATCH_PARAMS 64

/* The activity of each parameter under values, in buf (SCRATCH_PARAMS bytes) or a malloc'd
 * buffer for a larger space (NULL when the space has no condition: all active); release with
 * release(). *oom set when it was needed and could not be had. */
static unsigned char *activity(const gpbo_space *s, const double *values, unsigned char *buf,
                               int *oom)
{
    *oom = 0;
    if (!gpbo_search__conditional(s))
        return NULL;
    unsigned char *a = s->n <= SCRATCH_PARAMS ? buf : malloc(s->n);
    if (a == NULL)
        *oom = 1;
    else
        gpbo_search__activity(s, values, a);
    return a;
}

static void release(void *p, const void *buf)
{
    if (p != buf)
        free(p);
}

static int encode_one_param(const gpbo_param *p, double v, double *out);

int gpbo_space_encode(const gpbo_space *s, const double *values, double *out)
{
    if (s == NULL || values == NULL || out == NULL)
        return gpbo_error_set(GPBO_EINVAL, "space_encode: NULL argument");
    int oom;
    unsigned char buf[SCRATCH_PARAMS];
    unsigned char *active = activity(s, values, buf, &oom);
    if (oom)
        return gpbo_error_set(GPBO_ENOMEM, "space_encode: out of memory");
    int rc = GPBO_OK;
    for (size_t i = 0; rc == GPBO_OK && i < s->n; i++) {
        if (active != NULL && !active[i])
            impute(&s->p[i], out); /* its value, NaN or any, is not read */
        else
            rc = encode_one_param(&s->p[i], values[i], out);
    }
    release(active, buf);
    return rc;
}

/* Parameter p's value v into its coordinates of out. */
static int encode_one_param(const gpbo_param *p, double v, double *out)
{
    switch (p->type) {
    case GPBO_PARAM_FLOAT:
    case GPBO_PARAM_INT:
        /* a stepped value is checked on its grid only: within rounding of a point, it may lie
         * an ulp past lo or hi (0.1 * 3 for 0.3) */
        if (p->step > 0 && !on_grid(p, v))
            return gpbo_error_set(GPBO_EINVAL,
                                  "space_encode: parameter '%s' = %.17g is not a value %g + k * %g "
                                  "in [%g, %.17g]",
                                  p->name, v, p->lo, p->step, p->lo, p->hi);
        if (p->step == 0 &&
            (!(v >= p->lo && v <= p->hi) || (p->type == GPBO_PARAM_INT && v != floor(v))))
            return gpbo_error_set(GPBO_EINVAL,
                                  "space_encode: parameter '%s' = %g is not %s "
                                  "in [%g, %g]",
                                  p->name, v, p->type == GPBO_PARAM_INT ? "an integer" : "a value",
                                  p->lo, p->hi);
        out[p->offset] = encode_one(p, v);
        break;
    case GPBO_PARAM_CATEGORICAL:
        if (!(v >= 0 && v < (double)p->nchoices && v == floor(v)))
            return gpbo_error_set(GPBO_EINVAL,
                                  "space_encode: parameter '%s': %g is not a category index "
                                  "(0..%zu)",
                                  p->name, v, p->nchoices - 1);
        for (size_t k = 0; k < p->nchoices; k++)
            out[p->offset + k] = (double)k == v ? 1.0 : 0.0;
        break;
    case GPBO_PARAM_CONST:
        if (v != p->lo)
            return gpbo_error_set(GPBO_EINVAL, "space_encode: constant '%s' is %g, not %g", p->name,
                                  p->lo, v);
        break;
    }
    return GPBO_OK;
}

int gpbo_space_decode(const gpbo_space *s, const double *u, double *values)
{
    if (s == NULL || u == NULL || values == NULL)
        return gpbo_error_set(GPBO_EINVAL, "space_decode: NULL argument");
    for (size_t k = 0; k < s->dim; k++)
        if (!isfinite(u[k]))
            return gpbo_error_set(GPBO_EINVAL, "space_decode: u[%zu] is not finite", k);
    for (size_t i = 0; i < s->n; i++) {
        const gpbo_param *p = &s->p[i];
        switch (p->type) {
        case GPBO_PARAM_FLOAT:
        case GPBO_PARAM_INT:
            values[i] = decode_one(p, u[p->offset]);
            break;
        case GPBO_PARAM_CATEGORICAL: {
            size_t best = 0;
            for (size_t k = 1; k < p->nchoices; k++)
                if (u[p->offset + k] > u[p->offset + best])
                    best = k;
            values[i] = (double)best;
            break;
        }
        case GPBO_PARAM_CONST:
            values[i] = p->lo;
            break;
        }
    }
    int oom;
    unsigned char buf[SCRATCH_PARAMS];
    unsigned char *active = activity(s, values, buf, &oom);
    if (oom)
        return gpbo_error_set(GPBO_ENOMEM, "space_decode: out of memory");
    for (size_t i = 0; active != NULL && i < s->n; i++)
        if (!active[i])
            values[i] = NAN;
    release(active, buf);
    return GPBO_OK;
}

/* The coordinates of the parameters that u's (projected) values make inactive, imputed. */
static int project_inactive(const gpbo_space *s, double *u)
{
    double buf[SCRATCH_PARAMS];
    double *v = s->n <= SCRATCH_PARAMS ? buf : malloc(s->n * sizeof *v);
    int rc = v ? gpbo_space_decode(s, u, v)
               : gpbo_error_set(GPBO_ENOMEM, "space_project: out of memory");
    for (size_t i = 0; rc == GPBO_OK && i < s->n; i++)
        if (isnan(v[i]))
            impute(&s->p[i], u);
    release(v, buf);
    return rc;
}

int gpbo_space_project(double *u, size_t dim, void *space)
{
    const gpbo_space *s = space;
    if (s == NULL || u == NULL || dim != s->dim)
        return gpbo_error_set(GPBO_EINVAL, "space_project: bad arguments");
    for (size_t i = 0; i < s->n; i++) {
        const gpbo_param *p = &s->p[i];
        if (gpbo_search__param_discrete(p)) {
            u[p->offset] = encode_one(p, decode_one(p, u[p->offset]));
        } else if (p->type == GPBO_PARAM_FLOAT) {
            u[p->offset] = clamp01(u[p->offset]);
        } else if (p->type == GPBO_PARAM_CATEGORICAL) {
            size_t best = 0;
            for (size_t k = 1; k < p->nchoices; k++)
                if (u[p->offset + k] > u[p->offset + best])
                    best = k;
            for (size_t k = 0; k < p->nchoices; k++)
                u[p->offset + k] = k == best ? 1.0 : 0.0;
        }
    }
    return gpbo_search__conditional(s) ? project_inactive(s, u) : GPBO_OK;
}

int gpbo_space_format(const gpbo_space *s, size_t i, double value, char *buf, size_t cap)
{
    const gpbo_param *p = param(s, i);
    if (p == NULL || buf == NULL || cap == 0)
        return gpbo_error_set(GPBO_EINVAL, "space_format: bad arguments");
    int w;
    if (p->type == GPBO_PARAM_CATEGORICAL) {
        /* checked before the conversion, which is undefined past size_t's range */
        if (!(value >= 0 && value < (double)p->nchoices && value == floor(value)))
            return gpbo_error_set(GPBO_EINVAL, "space_format: '%s' has no category %g", p->name,
                                  value);
        w = snprintf(buf, cap, "%s", p->choices[(size_t)value]);
    } else if (p->type == GPBO_PARAM_INT) {
        w = snprintf(buf, cap, "%.0f", value);
    } else {
        /* the fewest digits, 10 at least, that read back as value bit for bit: "%.10g" alone
         * wrote DBL_MAX as 1.797693135e+308, which reads back as infinity, and a program (and
         * ${args_json}) got another point than the study stored */
        int digits = 10;
        do
            w = snprintf(buf, cap, "%.*g", digits, value);
        while (w > 0 && (size_t)w < cap && strtod(buf, NULL) != value && ++digits <= 17);
    }
    if (w < 0 || (size_t)w >= cap)
        return gpbo_error_set(GPBO_EINVAL, "space_format: buffer of %zu bytes is too small", cap);
    return GPBO_OK;
}

static const char *const TYPE_NAMES[] = {"float", "int", "categorical", "const"};

char *gpbo_space_to_json(const gpbo_space *s)
{
    if (s == NULL) {
        gpbo_error_set(GPBO_EINVAL, "space_to_json: space is NULL");
        return NULL;
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < s->n; i++) {
        const gpbo_param *p = &s->p[i];
        json_t *o = json_pack("{s:s, s:s, s:b, s:f, s:f}", "name", p->name, "type",
                              TYPE_NAMES[p->type], "log", p->log_scale, "lo", p->lo, "hi", p->hi);
        /* only a stepped parameter has "step": an unstepped one's JSON is the one stored
         * before steps existed, so those studies reopen with an equal space */
        if (o && p->step > 0 && json_object_set_new(o, "step", json_real(p->step)) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (o && p->type == GPBO_PARAM_CATEGORICAL) {
            /* every append is checked: a choice lost to out of memory would be stored */
            json_t *c = json_array();
            int bad = c == NULL;
            for (size_t k = 0; !bad && k < p->nchoices; k++)
                bad = json_array_append_new(c, json_string(p->choices[k])) != 0;
            if (bad) {
                json_decref(c);
                c = NULL;
            }
            if (json_object_set_new(o, "choices", c) != 0) {
                json_decref(o);
                o = NULL;
            }
        }
        if (o && gpbo_search__cond_to_json(s, i, o) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    char *txt = gpbo_json_dumps(arr, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(arr);
    if (txt == NULL)
        gpbo_error_set(GPBO_ENOMEM, "space_to_json: out of memory");
    return txt;
}

gpbo_space *gpbo_space_from_json(const char *json)
{
    int code = GPBO_EFORMAT;
    json_t *arr = json ? gpbo_json_loads(json, &code) : NULL;
    if (arr == NULL && code == GPBO_ENOMEM) {
        gpbo_error_set(GPBO_ENOMEM, "space_from_json: out of memory");
        return NULL;
    }
    if (arr == NULL || !json_is_array(arr)) {
        json_decref(arr);
        gpbo_error_set(GPBO_EFORMAT, "space_from_json: not a JSON array of parameters");
        return NULL;
    }
    gpbo_space *s = gpbo_space_new();
    size_t i;
    json_t *o;
    int rc = s ? GPBO_OK : GPBO_ENOMEM;
    json_array_foreach(arr, i, o)
    {
        if (rc != GPBO_OK)
            break;
        const char *name = NULL, *type = NULL;
        int lg = 0;
        double lo = 0, hi = 0, step = 0;
        json_t *choices = NULL;
        json_error_t ue;
        if (json_unpack_ex(o, &ue, 0, "{s:s, s:s, s:b, s:F, s:F, s?o, s?F}", "name", &name, "type",
                           &type, "log", &lg, "lo", &lo, "hi", &hi, "choices", &choices, "step",
                           &step) != 0) {
            rc = json_error_code(&ue) == json_error_out_of_memory
                     ? gpbo_error_set(GPBO_ENOMEM, "space_from_json: out of memory")
                     : gpbo_error_set(GPBO_EFORMAT, "space_from_json: parameter %zu is malformed",
                                      i);
        } else if (json_object_get(o, "step") != NULL &&
                   (lg || !(step > 0) || (strcmp(type, "float") != 0 && strcmp(type, "int") != 0) ||
                    (strcmp(type, "int") == 0 && !(step == floor(step) && step <= INT_BOUND)))) {
            /* no log scale with a step, as Optuna */
            rc = gpbo_error_set(GPBO_EFORMAT,
                                "space_from_json: parameter %zu ('%s'): step %g is not a step of a "
                                "%s%s",
                                i, name, step, lg ? "log-scale " : "", type);
        } else if (strcmp(type, "float") == 0 && step > 0) {
            rc = gpbo_space_add_float_step(s, name, lo, hi, step);
        } else if (strcmp(type, "float") == 0) {
            rc = gpbo_space_add_float(s, name, lo, hi, lg);
        } else if (strcmp(type, "int") == 0) {
            /* converted only when whole and within gpbo_space_add_int's bounds (a double
             * outside long long's range has no conversion) */
            rc =
                lo == floor(lo) && hi == floor(hi) && fabs(lo) <= INT_BOUND && fabs(hi) <= INT_BOUND
                    ? (step > 0 ? gpbo_space_add_int_step(s, name, (long long)lo, (long long)hi,
                                                          (long long)step)
                                : gpbo_space_add_int(s, name, (long long)lo, (long long)hi, lg))
                    : gpbo_error_set(GPBO_EFORMAT,
                                     "space_from_json: parameter %zu ('%s'): an int's lo and hi "
                                     "must be whole numbers within 9e15",
                                     i, name);
        } else if (strcmp(type, "const") == 0) {
            rc = gpbo_space_add_const(s, name, lo);
        } else if (strcmp(type, "categorical") == 0 && json_is_array(choices)) {
            size_t n = json_array_size(choices);
            const char **c = calloc(n ? n : 1, sizeof *c);
            for (size_t k = 0; c && k < n; k++)
                c[k] = json_string_value(json_array_get(choices, k));
            rc = c ? gpbo_space_add_categorical(s, name, n, c)
                   : gpbo_error_set(GPBO_ENOMEM, "space_from_json: out of memory");
            free(c);
        } else {
            rc = gpbo_error_set(GPBO_EFORMAT, "space_from_json: parameter %zu has type '%s'", i,
                                type);
        }
    }
    if (rc == GPBO_OK) /* every parameter first: a parent may come after its child */
        rc = gpbo_search__cond_from_json(s, arr);
    json_decref(arr);
    if (rc != GPBO_OK) {
        gpbo_space_free(s);
        return NULL;
    }
    return s;
}

gpbo_space *gpbo_space_copy(const gpbo_space *s)
{
    char *j = gpbo_space_to_json(s);
    gpbo_space *c = j ? gpbo_space_from_json(j) : NULL;
    free(j);
    return c;
}

int gpbo_space_equal(const gpbo_space *a, const gpbo_space *b)
{
    char *ja = gpbo_space_to_json(a), *jb = gpbo_space_to_json(b);
    int eq = ja && jb && strcmp(ja, jb) == 0;
    free(ja);
    free(jb);
    return eq;
}

/* The parameter named name in a space's JSON array, or NULL. */
static json_t *param_named(json_t *arr, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p)
    {
        const char *n = json_string_value(json_object_get(p, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return p;
    }
    return NULL;
}

/* p's JSON without its name (what a parameter is), malloc'd; NULL when out of memory. */
static char *param_text(json_t *p)
{
    json_t *c = json_copy(p);
    if (c == NULL)
        return NULL;
    json_object_del(c, "name");
    char *t = json_dumps(c, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(c);
    return t;
}

/* The parameters' names in order, "a, b, c", at most about cap bytes, into buf. */
static void names_of(json_t *arr, char *buf, size_t cap)
{
    size_t i, used = 0;
    json_t *p;
    buf[0] = '\0';
    json_array_foreach(arr, i, p)
    {
        const char *n = json_string_value(json_object_get(p, "name"));
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", n ? n : "?");
        if (w < 0 || (size_t)w >= cap - used) {
            if (cap > 4)
                strcpy(buf + cap - 4, "...");
            return;
        }
        used += (size_t)w;
    }
}

int gpbo_search__space_change(const char *stored_json, const char *given_json, char *buf,
                              size_t cap)
{
    buf[0] = '\0';
    json_t *s = json_loads(stored_json, 0, NULL), *g = json_loads(given_json, 0, NULL);
    int found = 0;
    if (json_is_array(s) && json_is_array(g)) {
        size_t i;
        json_t *p;
        /* a parameter given that the study does not have, one it has that is not given, one
         * both have that differs: the first of these, in the given order */
        json_array_foreach(g, i, p)
        {
            const char *n = json_string_value(json_object_get(p, "name"));
            if (found)
                break;
            if (n == NULL)
                continue;
            json_t *q = param_named(s, n);
            if (q != NULL && json_equal(p, q))
                continue;
            char *now = param_text(p), *was = q ? param_text(q) : NULL;
            if (now != NULL && (q == NULL || was != NULL)) {
                if (q == NULL)
                    snprintf(buf, cap, "parameter '%s' is new (%s)", n, now);
                else
                    snprintf(buf, cap, "parameter '%s' is %s, stored as %s", n, now, was);
                found = 1;
            }
            free(now);
            free(was);
        }
        json_array_foreach(s, i, p)
        {
            const char *n = json_string_value(json_object_get(p, "name"));
            if (!found && n != NULL && param_named(g, n) == NULL) {
                snprintf(buf, cap, "parameter '%s' is not given (the study has it)", n);
                found = 1;
                break;
            }
        }
        if (!found && json_array_size(s) == json_array_size(g)) {
            char a[200], b[200];
            names_of(s, a, sizeof a);
            names_of(g, b, sizeof b);
            snprintf(buf, cap, "the same parameters in another order (stored: %s; given: %s)", a,
                     b);
            found = 1;
        }
    }
    json_decref(s);
    json_decref(g);
    return found;
}
