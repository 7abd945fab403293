/*
 * report_cmd.c: `gpbo report` — a study as one self-contained HTML page: a summary, the best
 * trial, a table of every trial and PLplot figures: best so far against trial number, the
 * objective against each parameter, and the GP's prediction along each numeric parameter
 * through the best point with a two-standard-deviation band: the model the study's strategy
 * proposes from (gpbo_study_model: its hyperparameters, additive or ARD kernel, log warping
 * mapped back to the objective's units), or, for a strategy without one, a Matérn 5/2 GP with
 * priors fitted here to the complete trials in the unit cube, which the caption says.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "gpbo/sys/error.h"
#include "report.h"

#define SLICE 120

typedef struct strbuf {
    char **v;
    size_t n, cap;
} strbuf;

static const char *keep(strbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 256;
        b->v = realloc(b->v, b->cap * sizeof *b->v);
    }
    b->v[b->n] = strdup(tmp);
    return b->v[b->n++];
}

static int add_fig(const gpbo_fig *f, char ***svgs, size_t *n, const char ***caps, const char *cap)
{
    char *svg = NULL;
    if (gpbo_fig_svg(f, &svg) != GPBO_OK)
        return gpbo_error_code();
    *svgs = realloc(*svgs, (*n + 1) * sizeof **svgs);
    *caps = realloc(*caps, (*n + 1) * sizeof **caps);
    (*svgs)[*n] = svg;
    (*caps)[*n] = cap;
    (*n)++;
    return GPBO_OK;
}

/* Everything one report is made of; rep_free frees it. */
typedef struct rep {
    sweep *sw; /* the sweep file the study came from, or NULL */
    gpbo_study *st;
    const gpbo_space *sp;
    const char *name, *metric;
    size_t np, d, n; /* parameters, unit-cube coordinates, trials */
    int maximize;
    double sign; /* -1 when maximizing: the minimizing sense the GP sees */
    gpbo_trial_info best;
    int have_best;
    strbuf sb; /* every string the page points to */
    /* the table of trials */
    size_t ncols;
    const char **header, **cells;
    /* the complete trials: trial number, value, point in the cube, minimizing value and
     * parameter values; the best-so-far steps; px a scratch column */
    size_t nc, nb;
    double *tx, *ty, *bx, *by, *U, *Y, *pv, *px;
    /* the figures */
    char **svgs;
    const char **caps;
    size_t nfig;
} rep;

static void rep_free(rep *r)
{
    for (size_t i = 0; i < r->nfig; i++)
        free(r->svgs[i]);
    free(r->svgs);
    free(r->caps);
    for (size_t i = 0; i < r->sb.n; i++)
        free(r->sb.v[i]);
    free(r->sb.v);
    free(r->header);
    free(r->cells);
    free(r->tx);
    free(r->ty);
    free(r->bx);
    free(r->by);
    free(r->U);
    free(r->Y);
    free(r->pv);
    free(r->px);
    gpbo_study_close(r->st);
    sweep_free(r->sw);
}

/* Reads what the study is (r->st and r->sw set) and allocates the table and the series.
 * GPBO_ENOMEM when they do not fit. */
static int rep_init(rep *r)
{
    r->name = gpbo_study_name(r->st);
    r->sp = gpbo_study_space(r->st);
    r->np = gpbo_space_size(r->sp);
    r->d = gpbo_space_dim(r->sp);
    r->n = gpbo_study_ntrials(r->st);
    r->maximize = gpbo_study_direction(r->st) == GPBO_MAXIMIZE;
    r->sign = r->maximize ? -1.0 : 1.0;
    r->metric = r->sw ? r->sw->metric : "value";
    r->have_best = gpbo_study_best(r->st, &r->best) == GPBO_OK;
    size_t n = r->n, d = r->d ? r->d : 1, np = r->np ? r->np : 1;
    r->ncols = 4 + r->np;
    r->header = calloc(r->ncols, sizeof *r->header);
    r->cells = calloc(r->ncols * (n ? n : 1), sizeof *r->cells);
    r->tx = calloc(n + 1, sizeof *r->tx);
    r->ty = calloc(n + 1, sizeof *r->ty);
    r->bx = calloc(n + 1, sizeof *r->bx);
    r->by = calloc(n + 1, sizeof *r->by);
    r->U = calloc((n + 1) * d, sizeof *r->U);
    r->Y = calloc(n + 1, sizeof *r->Y);
    r->pv = calloc((n + 1) * np, sizeof *r->pv);
    r->px = calloc(n + 1, sizeof *r->px);
    if (!r->header || !r->cells || !r->tx || !r->ty || !r->bx || !r->by || !r->U || !r->Y ||
        !r->pv || !r->px)
        return gpbo_error_set(GPBO_ENOMEM, "no memory for %zu trials", n);
    return GPBO_OK;
}

/* Trial t's row of the table. */
static void table_row(rep *r, const gpbo_trial_info *ti, size_t t)
{
    const char **row = r->cells + t * r->ncols;
    char buf[256];
    row[0] = keep(&r->sb, "%zu", ti->id);
    row[1] = cli_state_name(ti->state);
    row[2] = isfinite(ti->value) ? keep(&r->sb, "%.6g", ti->value) : "";
    for (size_t i = 0; i < r->np; i++) {
        cli_format_value(r->sw, r->sp, i, ti->values[i], buf, sizeof buf);
        row[3 + i] = keep(&r->sb, "%s", buf);
    }
    row[3 + r->np] = ti->reason ? keep(&r->sb, "%s", ti->reason) : "";
}

/* Reads every trial into the table and the complete ones into the series. */
static void read_trials(rep *r)
{
    r->header[0] = "trial";
    r->header[1] = "state";
    r->header[2] = r->metric;
    for (size_t i = 0; i < r->np; i++)
        r->header[3 + i] = gpbo_space_name(r->sp, i);
    r->header[3 + r->np] = "note";
    double run = INFINITY;
    for (size_t t = 0; t < r->n; t++) {
        gpbo_trial_info ti;
        gpbo_study_trial(r->st, t, &ti);
        table_row(r, &ti, t);
        if (ti.state != GPBO_TRIAL_COMPLETE)
            continue;
        size_t c = r->nc++;
        r->tx[c] = (double)(t + 1);
        r->ty[c] = ti.value;
        gpbo_space_encode(r->sp, ti.values, r->U + c * r->d);
        r->Y[c] = r->sign * ti.value;
        memcpy(r->pv + c * r->np, ti.values, r->np * sizeof *r->pv);
        if (r->sign * ti.value < run)
            run = r->sign * ti.value;
        r->bx[r->nb] = (double)(t + 1);
        r->by[r->nb++] = r->sign * run;
    }
}

/* The best so far against the trial number (when a trial is complete). */
static int fig_best(rep *r)
{
    if (r->nc == 0)
        return GPBO_OK;
    gpbo_fig_series s1[2] = {{GPBO_FIG_POINTS, "trials", r->nc, r->tx, r->ty, NULL, NULL, 6},
                             {GPBO_FIG_STEPS, "best so far", r->nb, r->bx, r->by, NULL, NULL, 0}};
    gpbo_fig f1 = {"Best so far", "trial", r->metric, 0, 0, 2, s1};
    return add_fig(&f1, &r->svgs, &r->nfig, &r->caps, "every complete trial and the best so far");
}

/* Parameter i of every complete trial into r->px. */
static void param_column(rep *r, size_t i)
{
    for (size_t t = 0; t < r->nc; t++)
        r->px[t] = r->pv[t * r->np + i];
}

/* The objective against each parameter. */
static int fig_params(rep *r)
{
    int rc = GPBO_OK;
    for (size_t i = 0; rc == GPBO_OK && r->nc > 0 && i < r->np; i++) {
        param_column(r, i);
        gpbo_fig_series s = {GPBO_FIG_POINTS, NULL, r->nc, r->px, r->ty, NULL, NULL, 1};
        const char *pn = gpbo_space_name(r->sp, i);
        int cat = gpbo_space_type(r->sp, i) == GPBO_PARAM_CATEGORICAL;
        gpbo_fig f = {keep(&r->sb, "%s against %s", r->metric, pn),
                      keep(&r->sb, "%s%s", pn, cat ? " (index)" : ""),
                      r->metric,
                      0,
                      gpbo_space_is_log(r->sp, i),
                      1,
                      &s};
        rc = add_fig(&f, &r->svgs, &r->nfig, &r->caps,
                     keep(&r->sb, "%s of every complete trial", r->metric));
    }
    return rc;
}

/* The unit-cube coordinate of parameter i: the one that changes when it does. */
static size_t param_coord(const gpbo_space *sp, size_t i)
{
    size_t coord = 0;
    for (size_t k = 0; k < i; k++)
        coord += gpbo_space_type(sp, k) == GPBO_PARAM_CATEGORICAL ? gpbo_space_nchoices(sp, k)
                 : gpbo_space_type(sp, k) == GPBO_PARAM_CONST     ? 0
                                                                  : 1;
    return coord;
}

/* The GP the slices are drawn from: the study's model (gpbo_study_model) or, when its strategy
 * has none, one fitted here; warped: it models log(y - lo + delta) of the minimizing value y. */
typedef struct slice_model {
    gpbo_gp *gp;
    int warped;
    double lo, delta;
    const char *what; /* the caption's account of it */
} slice_model;

/* A prediction w of m's GP in the objective's units, the user's sign. */
static double to_objective(const rep *r, const slice_model *m, double w)
{
    return r->sign * (m->warped ? exp(w) + m->lo - m->delta : w);
}

/* The GP's slice along numeric parameter i through the best point ub (in the cube); q: scratch
 * of SLICE x d. A failed prediction leaves the figure out. The band is the mean +- 2 sd in the
 * GP's units, mapped to the objective's (when warped: the 2-sd quantiles around the median). */
static int fig_slice(rep *r, const slice_model *m, const double *ub, double *q, size_t i)
{
    double sx[SLICE], mu[SLICE], var[SLICE], lo[SLICE], hi[SLICE], vals[64];
    size_t d = r->d, coord = param_coord(r->sp, i);
    for (size_t k = 0; k < SLICE; k++) {
        double *row = q + k * d;
        memcpy(row, ub, d * sizeof *row);
        row[coord] = (k + 0.5) / SLICE;
        gpbo_space_project(row, d, (void *)r->sp);
        if (r->np <= 64 && gpbo_space_decode(r->sp, row, vals) == GPBO_OK)
            sx[k] = vals[i];
    }
    if (gpbo_gp_predict(m->gp, SLICE, q, mu, var) != GPBO_OK)
        return GPBO_OK;
    for (size_t k = 0; k < SLICE; k++) {
        double sd = sqrt(var[k] > 0 ? var[k] : 0);
        double a = to_objective(r, m, mu[k] - 2 * sd), b = to_objective(r, m, mu[k] + 2 * sd);
        mu[k] = to_objective(r, m, mu[k]);
        lo[k] = a < b ? a : b;
        hi[k] = a < b ? b : a;
    }
    param_column(r, i);
    gpbo_fig_series s[3] = {
        {GPBO_FIG_BAND, NULL, SLICE, sx, NULL, lo, hi, 0},
        {GPBO_FIG_LINE, m->warped ? "GP median" : "GP mean", SLICE, sx, mu, NULL, NULL, 0},
        {GPBO_FIG_POINTS, "trials", r->nc, r->px, r->ty, NULL, NULL, 1}};
    const char *pn = gpbo_space_name(r->sp, i);
    gpbo_fig f = {keep(&r->sb, "GP along %s through the best point", pn),
                  pn,
                  r->metric,
                  0,
                  gpbo_space_is_log(r->sp, i),
                  3,
                  s};
    return add_fig(&f, &r->svgs, &r->nfig, &r->caps,
                   keep(&r->sb, "posterior %s along %s, the others at the best trial; %s",
                        m->warped ? "median and 2-sd quantiles" : "mean +- 2 sd", pn, m->what));
}

/* The model of the slices: the study's (what its strategy proposes from) when it has one;
 * else a Matérn 5/2 GP with priors fitted here to the complete trials in the cube (NULL when
 * that fails). */
static void slice_model_get(rep *r, slice_model *m)
{
    gpbo_study_model_info info;
    memset(m, 0, sizeof *m);
    if (gpbo_study_model(r->st, &m->gp, &info) == GPBO_OK) {
        m->warped = info.warped;
        m->lo = info.lo;
        m->delta = info.delta;
        m->what =
            keep(&r->sb, "the study's model (%s%s, as its strategy fits it)",
                 info.additive ? "additive" : "ARD", info.warped ? ", on log-warped values" : "");
        return;
    }
    m->what = keep(&r->sb,
                   "the strategy '%s' has no model: a Matérn 5/2 GP with priors fitted for "
                   "this report",
                   gpbo_study_get_options(r->st)->strategy);
    m->gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, r->d);
    if (m->gp == NULL || gpbo_gp_set_data(m->gp, r->nc, r->U, r->Y) != GPBO_OK) {
        gpbo_gp_free(m->gp);
        m->gp = NULL;
        return;
    }
    gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
    fo.use_priors = 1;
    gpbo_gp_fit(m->gp, &fo);
}

/* GP slices through the best point along each numeric parameter (a best trial and two complete
 * trials at least), from slice_model_get's model. */
static int fig_slices(rep *r)
{
    slice_model m = {0};
    if (r->nc >= 2 && r->d > 0 && r->have_best)
        slice_model_get(r, &m);
    double *ub = NULL, *q = NULL;
    int rc = GPBO_OK;
    if (m.gp == NULL)
        goto cleanup;
    ub = calloc(r->d, sizeof *ub);
    q = calloc(SLICE * r->d, sizeof *q);
    if (ub == NULL || q == NULL) {
        rc = gpbo_error_set(GPBO_ENOMEM, "no memory for the GP figures");
        goto cleanup;
    }
    gpbo_space_encode(r->sp, r->best.values, ub);
    for (size_t i = 0; rc == GPBO_OK && i < r->np; i++) {
        gpbo_param_type t = gpbo_space_type(r->sp, i);
        if (t == GPBO_PARAM_FLOAT || t == GPBO_PARAM_INT)
            rc = fig_slice(r, &m, ub, q, i);
    }
cleanup:
    free(ub);
    free(q);
    gpbo_gp_free(m.gp);
    return rc;
}

/* Writes the page: the summary with the best trial, the figures and the table of trials. */
static int write_page(rep *r, const char *out)
{
    size_t counts[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(r->st, counts);
    const char *summary =
        keep(&r->sb,
             "Study '%s' (%s %s): %zu trials — %zu complete, %zu failed, %zu pruned, %zu running.",
             r->name, r->maximize ? "maximize" : "minimize", r->metric, r->n,
             counts[GPBO_TRIAL_COMPLETE], counts[GPBO_TRIAL_FAILED], counts[GPBO_TRIAL_PRUNED],
             counts[GPBO_TRIAL_RUNNING]);
    const char *bh[2] = {"", ""};
    const char **bc = calloc(2 * (r->np + 2), sizeof *bc);
    if (bc == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "no memory for the best trial");
    size_t bn = 0;
    if (r->have_best) {
        bc[2 * bn] = "trial";
        bc[2 * bn++ + 1] = keep(&r->sb, "%zu", r->best.id);
        bc[2 * bn] = r->metric;
        bc[2 * bn++ + 1] = keep(&r->sb, "%.6g", r->best.value);
        for (size_t i = 0; i < r->np; i++) {
            char buf[256];
            cli_format_value(r->sw, r->sp, i, r->best.values[i], buf, sizeof buf);
            bc[2 * bn] = gpbo_space_name(r->sp, i);
            bc[2 * bn++ + 1] = keep(&r->sb, "%s", buf);
        }
    }
    gpbo_report_table bt = {"Best trial", 2, bn, bh, bc};
    gpbo_report_table tt = {"Trials", r->ncols, r->n, r->header, r->cells};
    gpbo_report_section secs[3] = {
        {"Summary", summary, r->have_best ? 1 : 0, &bt, 0, NULL, NULL},
        {"Figures", NULL, 0, NULL, r->nfig, (const char *const *)r->svgs, r->caps},
        {"Trials", NULL, 1, &tt, 0, NULL, NULL}};
    int rc = gpbo_report_write_html(out, keep(&r->sb, "gpbo report: %s", r->name), 3, secs);
    free(bc);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    cli_args a = {.out = "report.html"};
    if (cli_parse("report", argc, argv, &a) != 0)
        return 2;
    const char *out = a.out;
    rep r = {0};
    int orc = cli_open_study("report", a.path, a.storage, a.study, &r.sw, &r.st);
    if (orc != 0)
        return orc;
    int rc = rep_init(&r);
    if (rc != GPBO_OK)
        goto cleanup;
    read_trials(&r);
    if ((rc = fig_best(&r)) != GPBO_OK || (rc = fig_params(&r)) != GPBO_OK ||
        (rc = fig_slices(&r)) != GPBO_OK)
        goto cleanup;
    rc = write_page(&r, out);
cleanup:
    if (rc != GPBO_OK)
        fprintf(stderr, "gpbo report: %s\n", gpbo_error_message());
    else
        printf("wrote %s (%zu figures)\n", out, r.nfig);
    rep_free(&r);
    return rc == GPBO_OK ? 0 : 1;
}
