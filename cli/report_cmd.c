/*
 * report_cmd.c: `gpbo report` — a study as one self-contained HTML page: a summary, the best
 * trial, a table of every trial and PLplot figures: best so far against trial number (on a log
 * axis when the values are positive and span more than two decades) and its gap to the final
 * best, the learning curves (intermediate values) with the pruning points, the objective
 * against each parameter that varies (categories by name), parallel coordinates, the
 * parameters' importance as the GP's inverse lengthscales with their uncertainty, and the GP's
 * prediction along each numeric parameter through the best point with a two-standard-deviation
 * band: the model the study's strategy proposes from (gpbo_study_model: its hyperparameters,
 * additive or ARD kernel, log warping mapped back to the objective's units), or, for a strategy
 * without one and past REPORT_FIT_MAX_DIM coordinates for any, a Matérn 5/2 GP with priors fitted
 * here to the complete trials in the unit cube, which the caption says.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/numeric.h"
#include "cli.h"
#include "gpbo/sys/error.h"
#include "report.h"

#define SLICE 120
/* The GP slices drawn at most: past this many numeric parameters, those of the REPORT_SLICES of
 * shortest lengthscale in the slice model (each slice costs SLICE predictions of O(n d + n^2):
 * 1000 parameters of 400 trials spent ~18 s on them), and the page says so. */
#define REPORT_SLICES 100
/* The complete trials the report's own GP (a study whose strategy has no model) is fitted to at
 * most: a fit is O(n^3) (a random search of 3000 trials took 45 s of CPU and 530 MB; 10,000
 * would take half an hour and 6 GB), 1000 take about 2 s. */
#define REPORT_GP_MAX 1000
/* Past this many unit-cube coordinates the report's own GP is fitted from its default start
 * alone, for at most REPORT_FIT_EVALS evaluations (otherwise 5 starts of up to 200,
 * each evaluation O(n^2 d)): 1000 parameters (1200 coordinates) of 400 trials spent ~21 s of a
 * 33 s report in that fit; so many lengthscales are barely determined by a few hundred trials
 * anyway (the importance's intervals say how little). The caption says so. */
#define REPORT_FIT_MAX_DIM 64
#define REPORT_FIT_EVALS   50
/* Otherwise the report's GP is fitted with 4 restarts, the 2 best of the race run on: the gp
 * library's defaults before version 4 of its options (10 restarts, every start run on below 300
 * observations), which the report's pages and timings were measured with. */
#define REPORT_FIT_RESTARTS  4
#define REPORT_FIT_RACE_KEEP 2

typedef struct strbuf {
    char **v;
    size_t n, cap;
} strbuf;

/* The formatted text, whole, kept in b until rep_free (it was cut at 511 bytes, inside a
 * character at times: a long study name or reason, or "%s against %s" of long names, made the
 * page's text end short and not UTF-8); "" when out of memory. */
static const char *keep(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *text = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (text == NULL)
        return "";
    va_start(ap, fmt);
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    va_end(ap);
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        char **grown = realloc(b->v, cap * sizeof *grown);
        if (grown == NULL) {
            free(text);
            return "";
        }
        b->v = grown;
        b->cap = cap;
    }
    b->v[b->n++] = text;
    return text;
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
    size_t *coord; /* each parameter's first unit-cube coordinate (cli_param_coord) */
    /* the figures */
    char **svgs;
    const char **caps;
    size_t nfig;
    const char *left_out;    /* the titles of the figures with nothing to draw, or NULL */
    const char *slices_note; /* which slices were drawn when not every one was, or NULL */
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
    free(r->coord);
    gpbo_study_close(r->st);
    sweep_free(r->sw);
}

/* Adds figure f with its caption cap to the page. A figure with nothing finite to draw (every
 * value of it NaN, infinite or off any scale: the gap of a best so far that went from 1e308 to
 * -1e308) is left out and named in the text of the section of figures (r->left_out): it was
 * the end of the whole report, which wrote no page at all. */
static int add_fig(rep *r, const gpbo_fig *f, const char *cap)
{
    char *svg = NULL;
    int rc = gpbo_fig_svg(f, &svg);
    if (rc == GPBO_EINVAL) {
        r->left_out = keep(&r->sb, "%s%s'%s'", r->left_out ? r->left_out : "",
                           r->left_out ? ", " : "", f->title ? f->title : "");
        gpbo_error_clear();
        return GPBO_OK;
    }
    if (rc != GPBO_OK)
        return rc;
    char **svgs = realloc(r->svgs, (r->nfig + 1) * sizeof *svgs);
    if (svgs != NULL)
        r->svgs = svgs;
    const char **caps = svgs ? realloc(r->caps, (r->nfig + 1) * sizeof *caps) : NULL;
    if (caps != NULL)
        r->caps = caps;
    if (caps == NULL) {
        free(svg);
        return gpbo_error_set(GPBO_ENOMEM, "no memory for figure '%s'", f->title ? f->title : "");
    }
    r->svgs[r->nfig] = svg;
    r->caps[r->nfig++] = cap;
    return GPBO_OK;
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
    r->coord = calloc(np, sizeof *r->coord);
    if (!r->header || !r->cells || !r->tx || !r->ty || !r->bx || !r->by || !r->U || !r->Y ||
        !r->pv || !r->px || !r->coord)
        return gpbo_error_set(GPBO_ENOMEM, "no memory for %zu trials", n);
    /* once: cli_param_coord counts the coordinates before i, and parallel coordinates asked it
     * for every trial and parameter (O(trials x parameters^2)) */
    for (size_t i = 0; i < r->np; i++)
        r->coord[i] = cli_param_coord(r->sp, i);
    return GPBO_OK;
}

/* Parameter i's value v as the page shows it: a category whole (the buffer of
 * cli_format_value would cut a long one, inside a character at times), else formatted. */
static const char *value_text(rep *r, size_t i, double v)
{
    if (gpbo_space_type(r->sp, i) == GPBO_PARAM_CATEGORICAL && v >= 0 &&
        v < (double)gpbo_space_nchoices(r->sp, i))
        return gpbo_space_choice(r->sp, i, (size_t)v);
    char buf[256];
    cli_format_value(r->sw, r->sp, i, v, buf, sizeof buf);
    return keep(&r->sb, "%s", buf);
}

/* Trial t's row of the table. */
static void table_row(rep *r, const gpbo_trial_info *ti, size_t t)
{
    const char **row = r->cells + t * r->ncols;
    row[0] = keep(&r->sb, "%zu", ti->id);
    row[1] = cli_state_listed(r->st, ti); /* "queued", as gpbo trials says, not "running" */
    row[2] = isfinite(ti->value) ? keep(&r->sb, "%.6g", ti->value) : "";
    for (size_t i = 0; i < r->np; i++)
        row[3 + i] = value_text(r, i, ti->values[i]);
    row[3 + r->np] = ti->reason ? keep(&r->sb, "%s", ti->reason) : "";
    /* an infeasible trial said nothing, though the best so far and the best trial pass it by
     * (a point below the best-so-far line, unexplained) */
    if (ti->state == GPBO_TRIAL_COMPLETE && !gpbo_study_trial_feasible(r->st, ti->id)) {
        char note[512];
        cli_infeasible_note(r->st, ti->id, note, sizeof note);
        row[3 + r->np] = keep(&r->sb, "%s", note);
    }
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
        /* the best FEASIBLE so far: with outcome constraints, infeasible trials do not count */
        if (gpbo_study_trial_feasible(r->st, t) && r->sign * ti.value < run)
            run = r->sign * ti.value;
        if (run == INFINITY)
            continue; /* none feasible yet */
        r->bx[r->nb] = (double)(t + 1);
        r->by[r->nb++] = r->sign * run;
    }
}

/* 1 when every finite value of v[n] is positive and the largest is over 100 times the
 * smallest: a linear axis would flatten the improvements at the small end. */
static int spans_decades(const double *v, size_t n)
{
    double a = INFINITY, b = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (v[i] <= 0)
            return 0;
        a = fmin(a, v[i]);
        b = fmax(b, v[i]);
    }
    return a < INFINITY && b > 100 * a;
}

/* The best so far against the trial number (when a trial is complete). */
static int fig_best(rep *r)
{
    if (r->nc == 0)
        return GPBO_OK;
    int ylog = spans_decades(r->ty, r->nc);
    gpbo_fig_series s1[2] = {{GPBO_FIG_POINTS, "trials", r->nc, r->tx, r->ty, NULL, NULL, 6},
                             {GPBO_FIG_STEPS, "best so far", r->nb, r->bx, r->by, NULL, NULL, 0}};
    gpbo_fig f1 = {"Best so far", "trial", r->metric, ylog, 0, 2, s1, 0, NULL};
    return add_fig(r, &f1,
                   ylog ? "every complete trial and the best so far (log axis: the values span "
                          "more than two decades)"
                        : "every complete trial and the best so far");
}

/* A regret-like view: how far the best so far was from the study's final best, on a log axis,
 * so that late small improvements show. Left out when the best never improved. */
static int fig_gap(rep *r)
{
    if (r->nb < 2)
        return GPBO_OK;
    double *gap = calloc(r->nb, sizeof *gap);
    if (gap == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "no memory for the gap figure");
    double final = r->by[r->nb - 1];
    int any = 0;
    for (size_t k = 0; k < r->nb; k++) {
        gap[k] = fabs(r->by[k] - final);
        any |= gap[k] > 0;
    }
    int rc = GPBO_OK;
    if (any) {
        gpbo_fig_series s = {GPBO_FIG_STEPS, NULL, r->nb, r->bx, gap, NULL, NULL, 0};
        gpbo_fig f = {"Gap to the final best",
                      "trial",
                      keep(&r->sb, "|best so far - final best| of %s", r->metric),
                      1,
                      0,
                      1,
                      &s,
                      0,
                      NULL};
        rc = add_fig(r, &f,
                     "a regret against the best this study found, log axis (it is 0, so not "
                     "drawn, from the trial that found it on)");
    }
    free(gap);
    return rc;
}

/* Parameter i of every complete trial into r->px, in the sweep's units (a q_uniform's value,
 * not the multiple of q the space stores). */
static void param_column(rep *r, size_t i)
{
    for (size_t t = 0; t < r->nc; t++)
        r->px[t] = cli_shown_number(r->sw, i, r->pv[t * r->np + i]);
}

/* 1 when parameter i takes one value only over the complete trials (a `const` parameter or
 * one the study never moved): its figure would be a single column of points; and when it is
 * conditional and active in none of them (its values all NaN): its figure had nothing to draw,
 * which failed the whole report. */
static int param_constant(rep *r, size_t i)
{
    if (gpbo_space_type(r->sp, i) == GPBO_PARAM_CONST)
        return 1;
    int active = 0, same = 1;
    for (size_t t = 0; t < r->nc; t++) {
        double v = r->pv[t * r->np + i];
        active |= !isnan(v);
        same &= t == 0 || v == r->pv[i];
    }
    return same || !active;
}

/* The choices of categorical parameter i as axis labels (NULL for another type); *n their
 * count. The strings belong to the space; the array to the caller. */
static const char **category_labels(rep *r, size_t i, size_t *n)
{
    *n = 0;
    if (gpbo_space_type(r->sp, i) != GPBO_PARAM_CATEGORICAL)
        return NULL;
    size_t k = gpbo_space_nchoices(r->sp, i);
    const char **labels = calloc(k ? k : 1, sizeof *labels);
    for (size_t c = 0; labels != NULL && c < k; c++)
        labels[c] = gpbo_space_choice(r->sp, i, c);
    *n = labels ? k : 0;
    return labels;
}

/* labels[n] as one string "a, b, c" (kept in r->sb); "" for none. */
static const char *join_labels(rep *r, const char **labels, size_t n)
{
    const char *all = "";
    for (size_t k = 0; k < n; k++)
        all = keep(&r->sb, "%s%s%s", all, k ? ", " : "", labels[k]);
    return all;
}

/* The objective against each parameter that varies; categories labelled by name. */
static int fig_params(rep *r)
{
    int rc = GPBO_OK;
    for (size_t i = 0; rc == GPBO_OK && r->nc > 0 && i < r->np; i++) {
        if (param_constant(r, i))
            continue;
        param_column(r, i);
        gpbo_fig_series s = {GPBO_FIG_POINTS, NULL, r->nc, r->px, r->ty, NULL, NULL, 1};
        const char *pn = gpbo_space_name(r->sp, i);
        size_t nl = 0;
        const char **labels = category_labels(r, i, &nl);
        gpbo_fig f = {keep(&r->sb, "%s against %s", r->metric, pn),
                      pn,
                      r->metric,
                      spans_decades(r->ty, r->nc),
                      gpbo_space_is_log(r->sp, i),
                      1,
                      &s,
                      nl,
                      labels};
        rc = add_fig(r, &f,
                     keep(&r->sb, "%s of every complete trial against %s%s%s", r->metric, pn,
                          nl ? "; its categories on the axis: " : "", join_labels(r, labels, nl)));
        free(labels);
    }
    return rc;
}

size_t cli_param_coord(const gpbo_space *sp, size_t i)
{
    size_t coord = 0;
    for (size_t k = 0; k < i; k++)
        coord += gpbo_space_type(sp, k) == GPBO_PARAM_CATEGORICAL ? gpbo_space_nchoices(sp, k)
                 : gpbo_space_type(sp, k) == GPBO_PARAM_CONST     ? 0
                                                                  : 1;
    return coord;
}

int cli_slice_origin(const gpbo_study *st, const gpbo_trial_info *best, size_t i,
                     gpbo_trial_info *out)
{
    *out = *best;
    if (!isnan(best->values[i]))
        return 1;
    double sign = gpbo_study_direction(st) == GPBO_MAXIMIZE ? -1 : 1, low = INFINITY;
    int found = 0;
    for (size_t t = 0; t < gpbo_study_ntrials(st); t++) {
        gpbo_trial_info ti;
        if (gpbo_study_trial(st, t, &ti) == GPBO_OK && ti.state == GPBO_TRIAL_COMPLETE &&
            !isnan(ti.values[i]) && gpbo_study_trial_feasible(st, ti.id) && sign * ti.value < low) {
            low = sign * ti.value;
            *out = ti;
            found = 1;
        }
    }
    return found;
}

/* The learning curves: a trial's intermediate values against their steps. */
typedef struct curves {
    size_t n, ntrials, npruned;  /* points, trials with any, pruned trials */
    double *x, *y;               /* every trial's steps, one after the other */
    gpbo_fig_series *series;     /* one line a trial, then the pruning points */
    double *pruned_x, *pruned_y; /* each pruned trial's last step */
} curves;

static void curves_free(curves *c)
{
    free(c->x);
    free(c->y);
    free(c->series);
    free(c->pruned_x);
    free(c->pruned_y);
}

/* Counts, then copies, every trial's intermediate values into c. */
static int curves_read(rep *r, curves *c)
{
    for (size_t t = 0; t < r->n; t++) {
        gpbo_trial_info ti;
        gpbo_study_trial(r->st, t, &ti);
        c->n += ti.nsteps;
        c->ntrials += ti.nsteps > 0;
    }
    if (c->ntrials == 0)
        return GPBO_OK;
    c->x = calloc(c->n, sizeof *c->x);
    c->y = calloc(c->n, sizeof *c->y);
    c->series = calloc(c->ntrials + 1, sizeof *c->series);
    c->pruned_x = calloc(c->ntrials, sizeof *c->pruned_x);
    c->pruned_y = calloc(c->ntrials, sizeof *c->pruned_y);
    if (!c->x || !c->y || !c->series || !c->pruned_x || !c->pruned_y)
        return gpbo_error_set(GPBO_ENOMEM, "no memory for %zu intermediate values", c->n);
    size_t at = 0, ns = 0;
    int seen_pruned = 0, seen_other = 0;
    for (size_t t = 0; t < r->n; t++) {
        gpbo_trial_info ti;
        gpbo_study_trial(r->st, t, &ti);
        if (ti.nsteps == 0)
            continue;
        for (size_t k = 0; k < ti.nsteps; k++) {
            c->x[at + k] = (double)ti.steps[k];
            c->y[at + k] = ti.step_values[k];
        }
        int pruned = ti.state == GPBO_TRIAL_PRUNED;
        const char *label = NULL;
        if (pruned && !seen_pruned++)
            label = "pruned";
        else if (!pruned && !seen_other++)
            label = "not pruned";
        c->series[ns++] = (gpbo_fig_series){GPBO_FIG_LINE, label, ti.nsteps, c->x + at,
                                            c->y + at,     NULL,  NULL,      pruned ? 1 : 0};
        if (pruned) {
            c->pruned_x[c->npruned] = c->x[at + ti.nsteps - 1];
            c->pruned_y[c->npruned++] = c->y[at + ti.nsteps - 1];
        }
        at += ti.nsteps;
    }
    c->series[ns] = (gpbo_fig_series){GPBO_FIG_POINTS,
                                      c->npruned ? "pruned here" : NULL,
                                      c->npruned,
                                      c->pruned_x,
                                      c->pruned_y,
                                      NULL,
                                      NULL,
                                      7};
    return GPBO_OK;
}

/* Learning curves of every trial that reported intermediate values, pruned ones in their own
 * color with a marker where the pruner stopped them. */
static int fig_curves(rep *r)
{
    curves c = {0};
    int rc = curves_read(r, &c);
    if (rc == GPBO_OK && c.ntrials > 0) {
        gpbo_fig f = {"Learning curves",
                      "step",
                      keep(&r->sb, "intermediate %s", r->metric),
                      spans_decades(c.y, c.n),
                      0,
                      c.ntrials + 1,
                      c.series,
                      0,
                      NULL};
        rc = add_fig(r, &f,
                     keep(&r->sb,
                          "the intermediate values each trial reported (%zu trials, %zu of them "
                          "pruned; a black dot where the pruner stopped one)",
                          c.ntrials, c.npruned));
    }
    curves_free(&c);
    return rc;
}

/* The parameters that vary, by index into the space, in *out (malloc'd); their count. */
static size_t varying_params(rep *r, size_t **out)
{
    size_t m = 0;
    *out = calloc(r->np ? r->np : 1, sizeof **out);
    for (size_t i = 0; *out != NULL && i < r->np; i++)
        if (!param_constant(r, i))
            (*out)[m++] = i;
    return m;
}

/* Parameter i of complete trial t as a position in [0, 1]: its unit-cube coordinate, or for a
 * categorical its choice's index over the last index. */
static double param_position(rep *r, size_t t, size_t i)
{
    if (gpbo_space_type(r->sp, i) != GPBO_PARAM_CATEGORICAL)
        return r->U[t * r->d + r->coord[i]];
    size_t k = gpbo_space_nchoices(r->sp, i);
    return k > 1 ? r->pv[t * r->np + i] / (double)(k - 1) : 0.5;
}
/* Parallel coordinates: each complete trial a line across the varying parameters (each axis
 * its range, low at 0), the best quarter in color and drawn last. */
static int fig_parallel(rep *r)
{
    size_t *idx = NULL, m = varying_params(r, &idx);
    int rc = GPBO_OK;
    double *xs = calloc(m * r->nc + 1, sizeof *xs), *ys = calloc(m * r->nc + 1, sizeof *ys);
    double *sorted = calloc(r->nc + 1, sizeof *sorted);
    gpbo_fig_series *se = calloc(r->nc + 1, sizeof *se);
    const char **names = calloc(m + 1, sizeof *names);
    if (!idx || !xs || !ys || !sorted || !se || !names)
        rc = gpbo_error_set(GPBO_ENOMEM, "no memory for parallel coordinates");
    if (rc != GPBO_OK || m < 2 || r->nc < 2)
        goto cleanup;
    memcpy(sorted, r->Y, r->nc * sizeof *sorted);
    qsort(sorted, r->nc, sizeof *sorted, gpbo_cmp_double);
    double cut = sorted[(r->nc - 1) / 4];
    size_t ns = 0;
    for (int pass = 0; pass < 2; pass++) { /* the others first, the best quarter on top */
        int seen = 0;
        for (size_t t = 0; t < r->nc; t++) {
            int good = r->Y[t] <= cut;
            if (good != pass)
                continue;
            for (size_t j = 0; j < m; j++) {
                xs[t * m + j] = (double)j;
                ys[t * m + j] = param_position(r, t, idx[j]);
            }
            se[ns++] = (gpbo_fig_series){GPBO_FIG_LINE,
                                         seen++ ? NULL
                                         : good ? "best quarter"
                                                : "others",
                                         m,
                                         xs + t * m,
                                         ys + t * m,
                                         NULL,
                                         NULL,
                                         good ? 0 : 6};
        }
    }
    for (size_t j = 0; j < m; j++)
        names[j] = gpbo_space_name(r->sp, idx[j]);
    gpbo_fig f = {"Parallel coordinates",
                  NULL,
                  "position in the range (0 low, 1 high)",
                  0,
                  0,
                  ns,
                  se,
                  m,
                  names};
    rc = add_fig(r, &f,
                 keep(&r->sb,
                      "each complete trial across the parameters that vary; the best quarter by "
                      "%s in color (a log parameter on its log scale; categories in their order)",
                      r->metric));
cleanup:
    free(idx);
    free(xs);
    free(ys);
    free(sorted);
    free(se);
    free(names);
    return rc;
}
/* The GP the slices are drawn from: the study's model (gpbo_study_model_capped: past
 * CLI_MODEL_SUBSET observations on a subset of them) or, when its strategy has none, one fitted
 * here; warped: it models log(y - lo + delta) of the minimizing value y. */
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

/* The GP's slice along numeric parameter i through trial o (cli_slice_origin: the best one, or
 * the best in which i is active); ub, q: scratch of d and SLICE x d, vals: of np (the decoded
 * point: any number of parameters). A failed prediction leaves the figure out. The band is the
 * mean +- 2 sd in the GP's units, mapped to the objective's (when warped: the 2-sd quantiles
 * around the median). */
static int fig_slice(rep *r, const slice_model *m, const gpbo_trial_info *o, double *ub, double *q,
                     double *vals, size_t i)
{
    double sx[SLICE], mu[SLICE], var[SLICE], lo[SLICE], hi[SLICE];
    size_t d = r->d, coord = cli_param_coord(r->sp, i);
    gpbo_space_encode(r->sp, o->values, ub);
    for (size_t k = 0; k < SLICE; k++) {
        double *row = q + k * d;
        memcpy(row, ub, d * sizeof *row);
        row[coord] = (k + 0.5) / SLICE;
        gpbo_space_project(row, d, (void *)r->sp);
        sx[k] = gpbo_space_decode(r->sp, row, vals) == GPBO_OK ? cli_shown_number(r->sw, i, vals[i])
                                                               : NAN; /* left out of the figure */
    }
    if (gpbo_gp_predict(m->gp, SLICE, q, mu, var) != GPBO_OK)
        return GPBO_OK;
    int ylog = spans_decades(r->ty, r->nc); /* as the other figures, when the median stays > 0 */
    for (size_t k = 0; k < SLICE; k++) {
        double sd = sqrt(var[k] > 0 ? var[k] : 0);
        double a = to_objective(r, m, mu[k] - 2 * sd), b = to_objective(r, m, mu[k] + 2 * sd);
        mu[k] = to_objective(r, m, mu[k]);
        lo[k] = a < b ? a : b;
        hi[k] = a < b ? b : a;
        ylog &= mu[k] > 0;
    }
    param_column(r, i);
    gpbo_fig_series s[3] = {
        {GPBO_FIG_BAND, NULL, SLICE, sx, NULL, lo, hi, 0},
        {GPBO_FIG_LINE, m->warped ? "GP median" : "GP mean", SLICE, sx, mu, NULL, NULL, 0},
        {GPBO_FIG_POINTS, "trials", r->nc, r->px, r->ty, NULL, NULL, 1}};
    const char *pn = gpbo_space_name(r->sp, i);
    int at_best = o->id == r->best.id;
    gpbo_fig f = {at_best ? keep(&r->sb, "GP along %s through the best point", pn)
                          : keep(&r->sb, "GP along %s through trial %zu", pn, o->id),
                  pn,
                  r->metric,
                  ylog,
                  gpbo_space_is_log(r->sp, i),
                  3,
                  s,
                  0,
                  NULL};
    return add_fig(r, &f,
                   keep(&r->sb, "posterior %s along %s, the others at %s; %s",
                        m->warped ? "median and 2-sd quantiles" : "mean +- 2 sd", pn,
                        at_best ? "the best trial"
                                : keep(&r->sb,
                                       "trial %zu, the best in which %s is active (its when: "
                                       "does not hold at the best trial, %zu)",
                                       o->id, pn, r->best.id),
                        m->what));
}

/* The complete trials the report's own GP is fitted to past REPORT_GP_MAX of them: n rows of
 * r->U, r->Y into U (n x d) and Y, n < r->nc, spread evenly over the run (rows c n / r->nc...
 * in order), the best row (lowest Y: where the slices go through) in place of the pick nearest
 * to it. Deterministic: the same study gives the same report. */
static void gp_subset(const rep *r, size_t n, double *U, double *Y)
{
    size_t best = 0, near = 0;
    for (size_t c = 1; c < r->nc; c++)
        if (r->Y[c] < r->Y[best])
            best = c;
    for (size_t j = 0; j < n; j++) {
        size_t c = j * r->nc / n; /* strictly increasing: n < r->nc */
        size_t k = near * r->nc / n;
        if ((c > best ? c - best : best - c) < (k > best ? k - best : best - k))
            near = j;
        memcpy(U + j * r->d, r->U + c * r->d, r->d * sizeof *U);
        Y[j] = r->Y[c];
    }
    memcpy(U + near * r->d, r->U + best * r->d, r->d * sizeof *U);
    Y[near] = r->Y[best];
}

/* The model of the slices: the study's (what its strategy proposes from) when it has one;
 * else a Matérn 5/2 GP with priors fitted here to the complete trials in the cube, at most
 * REPORT_GP_MAX of them (gp_subset) (NULL when that fails). */
static void slice_model_get(rep *r, slice_model *m)
{
    gpbo_study_model_info info;
    size_t total = 0;
    memset(m, 0, sizeof *m);
    const char *strategy = gpbo_study_get_options(r->st)->strategy;
    int short_fit = r->d > REPORT_FIT_MAX_DIM;
    /* past CLI_MODEL_SUBSET observations on a subset, as the dashboard draws it and the
     * recommendation (gpbo best --by model) sees it: the exact GP of
     * every trial is O(n^3) (seconds at 1000 trials, minutes at 5000); past REPORT_FIT_MAX_DIM
     * coordinates not at all (below) */
    if (!short_fit &&
        gpbo_study_model_capped(r->st, CLI_MODEL_SUBSET, &m->gp, &info, &total) == GPBO_OK) {
        m->warped = info.warped;
        m->lo = info.lo;
        m->delta = info.delta;
        const char *kind = info.additive ? "additive" : "ARD";
        const char *warp = info.warped ? ", on log-warped values" : "";
        m->what = info.n < total ? keep(&r->sb,
                                        "the study's model (%s%s, as its strategy fits it, on %zu "
                                        "of its %zu observations: the best half and the rest "
                                        "spread evenly; its form and hyperparameters chosen on "
                                        "a part of those spread the same way)",
                                        kind, warp, info.n, total)
                                 : keep(&r->sb, "the study's model (%s%s, as its strategy fits it)",
                                        kind, warp);
        return;
    }
    size_t n = r->nc < REPORT_GP_MAX ? r->nc : REPORT_GP_MAX;
    double *U = r->U, *Y = r->Y;
    if (n < r->nc) { /* a subset: the full fit would take O(nc^3) time and O(nc^2) memory */
        U = malloc(n * r->d * sizeof *U);
        Y = malloc(n * sizeof *Y);
        if (U != NULL && Y != NULL)
            gp_subset(r, n, U, Y);
    }
    const char *how = short_fit ? keep(&r->sb,
                                       " (from one start, at most %d evaluations: %zu coordinates, "
                                       "past %d the fit is bounded)",
                                       REPORT_FIT_EVALS, r->d, REPORT_FIT_MAX_DIM)
                                : "";
    /* the study's model past REPORT_FIT_MAX_DIM coordinates: the strategy's choice of its form
     * (ARD, warped, additive), each from several starts, replayed over the schedule of its choice
     * points, O(n^2 d) an evaluation: 300 parameters of 400 trials spent ~200 s of a 206 s
     * report in it */
    const char *why = strcmp(strategy, "bayes") == 0
                          ? keep(&r->sb,
                                 "the study's own model is not refitted for a report past %d "
                                 "coordinates: its strategy chooses its form from several "
                                 "starts at each of its choice points, minutes of fitting at a "
                                 "few hundred trials",
                                 REPORT_FIT_MAX_DIM)
                          : keep(&r->sb, "the strategy '%s' has no model", strategy);
    /* a noun phrase: "the others at the best trial; %s", "1/l ... of %s" */
    m->what = n < r->nc ? keep(&r->sb,
                               "a Matérn 5/2 GP with priors fitted for this report%s to %zu of the "
                               "%zu complete trials, spread evenly over the run with the best "
                               "among them (%s)",
                               how, n, r->nc, why)
                        : keep(&r->sb, "a Matérn 5/2 GP with priors fitted for this report%s (%s)",
                               how, why);
    m->gp = U && Y ? gpbo_gp_new(GPBO_KERNEL_MATERN52, r->d) : NULL;
    if (m->gp == NULL || gpbo_gp_set_data(m->gp, n, U, Y) != GPBO_OK) {
        gpbo_gp_free(m->gp);
        m->gp = NULL;
    } else {
        gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
        fo.use_priors = 1;
        fo.restarts = REPORT_FIT_RESTARTS;
        fo.race_keep = REPORT_FIT_RACE_KEEP;
        fo.data_start = 0; /* the search's starts (gpbo_bayes__fit_pace) */
        if (short_fit) {
            fo.restarts = 0;
            fo.max_evals = REPORT_FIT_EVALS;
        }
        gpbo_gp_fit(m->gp, &fo);
    }
    if (U != r->U)
        free(U);
    if (Y != r->Y)
        free(Y);
}

/* Parameter importance: the slice model's inverse lengthscales 1/l on the unit cube with the
 * 95 % intervals of a Laplace approximation (importance.c), on a log axis (they span decades).
 * A parameter whose Hessian gave no interval is drawn as a point alone. */
static int fig_importance(rep *r, const slice_model *mdl)
{
    size_t *idx = NULL, m = varying_params(r, &idx);
    cli_importance *imp = calloc(r->np + 1, sizeof *imp);
    double *xs = calloc(3 * m + 1, sizeof *xs), *ys = calloc(3 * m + 1, sizeof *ys);
    double *px = calloc(m + 1, sizeof *px), *py = calloc(m + 1, sizeof *py);
    const char **names = calloc(m + 1, sizeof *names), *how = NULL;
    int rc = GPBO_OK;
    if (!idx || !imp || !xs || !ys || !px || !py || !names)
        rc = gpbo_error_set(GPBO_ENOMEM, "no memory for the importance figure");
    /* no figure (and no error) when the model gives none */
    if (rc != GPBO_OK || m == 0 || cli_importance_get(mdl->gp, r->sp, imp, &how) != GPBO_OK)
        goto cleanup;
    for (size_t j = 0; j < m; j++) {
        const cli_importance *e = &imp[idx[j]];
        /* the interval: a segment from lo to hi, NaN ending it */
        xs[3 * j] = xs[3 * j + 1] = px[j] = (double)j;
        xs[3 * j + 2] = ys[3 * j + 2] = NAN;
        ys[3 * j] = e->lo;
        ys[3 * j + 1] = e->hi;
        py[j] = e->value;
        names[j] = gpbo_space_name(r->sp, idx[j]);
    }
    gpbo_fig_series s[2] = {{GPBO_FIG_LINE, "95 % interval", 3 * m, xs, ys, NULL, NULL, 0},
                            {GPBO_FIG_POINTS, "1/l", m, px, py, NULL, NULL, 1}};
    gpbo_fig f = {
        "Parameter importance", NULL, "inverse lengthscale 1/l (unit cube)", 1, 0, 2, s, m, names};
    rc = add_fig(r, &f,
                 keep(&r->sb,
                      "1/l, the inverse ARD lengthscale of %s on the unit cube (a categorical: "
                      "its largest one-hot coordinate's), %s: how fast the objective changes "
                      "along each parameter, not by how much. Bars: 95 %% intervals of a Laplace "
                      "approximation of the log-lengthscale posterior; a long one: the trials do "
                      "not determine it (docs/importance.md)",
                      mdl->what, how));
cleanup:
    free(idx);
    free(imp);
    free(xs);
    free(ys);
    free(px);
    free(py);
    free(names);
    return rc;
}

/* drawn[i] = 1 for each numeric parameter that gets a slice: every one that varies, or past
 * REPORT_SLICES of them the REPORT_SLICES of shortest lengthscale in m (ties to the earlier),
 * which r->slices_note then names. GPBO_ENOMEM. */
static int slices_chosen(rep *r, const slice_model *m, unsigned char *drawn)
{
    size_t k = 0, p = gpbo_gp_nparams(m->gp);
    cli_by_length *b = malloc((r->np + 1) * sizeof *b);
    double *theta = malloc(p * sizeof *theta);
    int rc = b && theta ? gpbo_gp_get_params(m->gp, theta)
                        : gpbo_error_set(GPBO_ENOMEM, "no memory for the GP figures");
    for (size_t i = 0; rc == GPBO_OK && i < r->np; i++) {
        gpbo_param_type t = gpbo_space_type(r->sp, i);
        if ((t == GPBO_PARAM_FLOAT || t == GPBO_PARAM_INT) && !param_constant(r, i))
            b[k++] = (cli_by_length){theta[cli_param_coord(r->sp, i)], i};
    }
    if (rc == GPBO_OK && k > REPORT_SLICES) {
        qsort(b, k, sizeof *b, cli_cmp_length);
        r->slices_note = keep(&r->sb,
                              "GP slices: along the %d of the %zu numeric parameters of shortest "
                              "lengthscale in the model (the most important, as the importance "
                              "figure ranks them); past %d the report draws no more.",
                              REPORT_SLICES, k, REPORT_SLICES);
        k = REPORT_SLICES;
    }
    for (size_t t = 0; rc == GPBO_OK && t < k; t++)
        drawn[b[t].i] = 1;
    free(b);
    free(theta);
    return rc;
}

/* GP slices through the best point along each numeric parameter (a best trial and two complete
 * trials at least), from slice_model_get's model. */
static int fig_slices(rep *r)
{
    slice_model m = {0};
    if (r->nc >= 2 && r->d > 0 && r->have_best)
        slice_model_get(r, &m);
    double *ub = NULL, *q = NULL, *vals = NULL;
    unsigned char *drawn = NULL;
    int rc = GPBO_OK;
    if (m.gp == NULL)
        goto cleanup;
    ub = calloc(r->d, sizeof *ub);
    q = calloc(SLICE * r->d, sizeof *q);
    vals = calloc(r->np + 1, sizeof *vals);
    drawn = calloc(r->np + 1, 1);
    if (ub == NULL || q == NULL || vals == NULL || drawn == NULL) {
        rc = gpbo_error_set(GPBO_ENOMEM, "no memory for the GP figures");
        goto cleanup;
    }
    rc = slices_chosen(r, &m, drawn);
    for (size_t i = 0; rc == GPBO_OK && i < r->np; i++) {
        gpbo_trial_info o;
        if (drawn[i] && cli_slice_origin(r->st, &r->best, i, &o))
            rc = fig_slice(r, &m, &o, ub, q, vals, i);
    }
    if (rc == GPBO_OK)
        rc = fig_importance(r, &m);
cleanup:
    free(ub);
    free(q);
    free(vals);
    free(drawn);
    gpbo_gp_free(m.gp);
    return rc;
}

static const char *objectives_text(rep *r);

/* Objectives i and j of a study of several objectives: the Pareto front (a line through its
 * trials in the order of objective i; with more than two objectives, its points only) over the
 * dominated trials, and the infeasible ones apart (outcome constraints: they are on no front). y
 * holds every complete trial's objectives (m rows of k), on[] whether each is on the front (1),
 * dominated (0) or infeasible (-1). */
static int fig_pareto_pair(rep *r, const double *y, const int *on, size_t m, size_t k, size_t i,
                           size_t j)
{
    double *fx = malloc((m + 1) * 6 * sizeof *fx), *fy = fx + m + 1, *dx = fy + m + 1,
           *dy = dx + m + 1, *ix = dy + m + 1, *iy = ix + m + 1;
    if (fx == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "no memory for the Pareto front figure");
    size_t nf = 0, nd = 0, ni_ = 0;
    for (size_t t = 0; t < m; t++) {
        double a = y[t * k + i], b = y[t * k + j];
        if (on[t] < 0) {
            ix[ni_] = a;
            iy[ni_++] = b;
            continue;
        }
        size_t at = on[t] ? nf++ : nd++;
        double *xs = on[t] ? fx : dx, *ys = on[t] ? fy : dy;
        if (on[t]) /* insertion by objective i, so that the line runs along the front */
            while (at > 0 && xs[at - 1] > a) {
                xs[at] = xs[at - 1];
                ys[at] = ys[at - 1];
                at--;
            }
        xs[at] = a;
        ys[at] = b;
    }
    const char *ni = gpbo_study_objective_name(r->st, i), *nj = gpbo_study_objective_name(r->st, j);
    gpbo_fig_series s[4] = {{GPBO_FIG_POINTS, "dominated trials", nd, dx, dy, NULL, NULL, 6},
                            {GPBO_FIG_LINE, NULL, nf, fx, fy, NULL, NULL, 0},
                            {GPBO_FIG_POINTS, "Pareto front", nf, fx, fy, NULL, NULL, 0},
                            {GPBO_FIG_POINTS, "infeasible trials", ni_, ix, iy, NULL, NULL, 3}};
    gpbo_fig f = {keep(&r->sb, "Pareto front: %s against %s", nj, ni), ni, nj, 0, 0, 3, s, 0, NULL};
    const char *cap;
    if (k > 2) {
        /* the front of all k objectives seen on two of them: its trials need not trade off in
         * these two (the caption said they did), and a line through them is no staircase */
        s[1] = s[2];
        s[2] = s[3];
        f.nseries = 2;
        cap = keep(&r->sb,
                   "the %zu trials of the Pareto front of all %zu objectives (%s), drawn on %s "
                   "and %s, over the %zu they dominate",
                   nf, k, objectives_text(r), ni, nj, nd);
    } else {
        cap = keep(
            &r->sb,
            "the %zu trials no other beats in every objective (%s %s, %s %s), over "
            "the %zu they dominate",
            nf, gpbo_study_objective_direction(r->st, i) == GPBO_MAXIMIZE ? "maximize" : "minimize",
            ni, gpbo_study_objective_direction(r->st, j) == GPBO_MAXIMIZE ? "maximize" : "minimize",
            nj, nd);
    }
    if (ni_ > 0) { /* the infeasible trials, last in the legend */
        f.nseries++;
        cap = keep(&r->sb, "%s; the %zu infeasible trials (outcome constraints) are on no front",
                   cap, ni_);
    }
    int rc = add_fig(r, &f, cap);
    free(fx);
    return rc;
}

/* on[] of fig_pareto's m complete trials (y rows of k, the user's signs) redone with outcome
 * constraints: -1 for an infeasible trial, and the front of the feasible ones. GPBO_ENOMEM. */
static int feasible_front(rep *r, size_t m, size_t k, const double *y, int *on)
{
    double *yf = malloc(m * k * sizeof *yf);
    int *feas = malloc(m * sizeof *feas);
    if (yf == NULL || feas == NULL) {
        free(yf);
        free(feas);
        return gpbo_error_set(GPBO_ENOMEM, "no memory for the Pareto front");
    }
    double row[GPBO_MAX_OBJECTIVES];
    for (size_t t = 0, c = 0; t < r->n && c < m; t++) {
        if (gpbo_study_trial_objectives(r->st, t, row) != GPBO_OK)
            continue; /* the rows of y are the trials with every objective, in order */
        feas[c++] = gpbo_study_trial_feasible(r->st, t);
    }
    gpbo_error_clear();
    for (size_t t = 0; t < m * k; t++)
        yf[t] =
            feas[t / k]
                ? y[t] * (gpbo_study_objective_direction(r->st, t % k) == GPBO_MAXIMIZE ? -1 : 1)
                : NAN;
    gpbo_pareto_front(m, k, yf, on);
    for (size_t t = 0; t < m; t++)
        on[t] = feas[t] ? on[t] : -1;
    free(yf);
    free(feas);
    return GPBO_OK;
}

/* A study of several objectives: its Pareto front, one figure a pair of the first three
 * objectives (issue 20). */
static int fig_pareto(rep *r)
{
    size_t k = gpbo_study_nobjectives(r->st), m = 0;
    if (k < 2 || r->n == 0)
        return GPBO_OK;
    double *y = malloc(r->n * k * sizeof *y);
    int *on = malloc(r->n * sizeof *on);
    int rc = y && on ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "no memory for the Pareto front");
    for (size_t t = 0; rc == GPBO_OK && t < r->n; t++)
        m += gpbo_study_trial_objectives(r->st, t, y + m * k) == GPBO_OK;
    gpbo_error_clear();
    if (rc == GPBO_OK && m > 0) {
        /* the front in the minimizing sense, the figure in the user's */
        for (size_t t = 0; t < m * k; t++)
            y[t] *= gpbo_study_objective_direction(r->st, t % k) == GPBO_MAXIMIZE ? -1 : 1;
        gpbo_pareto_front(m, k, y, on);
        for (size_t t = 0; t < m * k; t++)
            y[t] *= gpbo_study_objective_direction(r->st, t % k) == GPBO_MAXIMIZE ? -1 : 1;
    }
    /* outcome constraints: the front is of the feasible trials (gpbo_study_pareto's), the
     * others drawn apart; without any, every trial is feasible and this is the front above */
    if (rc == GPBO_OK && m > 0 && gpbo_study_get_options(r->st)->n_constraints > 0)
        rc = feasible_front(r, m, k, y, on);
    for (size_t i = 0; rc == GPBO_OK && m > 0 && i < k && i < 3; i++)
        for (size_t j = i + 1; rc == GPBO_OK && j < k && j < 3; j++)
            rc = fig_pareto_pair(r, y, on, m, k, i, j);
    free(y);
    free(on);
    return rc;
}

/* "minimize a, maximize b" of a study of several objectives (kept in r->sb). */
static const char *objectives_text(rep *r)
{
    const char *all = "";
    for (size_t j = 0; j < gpbo_study_nobjectives(r->st); j++)
        all = keep(&r->sb, "%s%s%s %s", all, j ? ", " : "",
                   gpbo_study_objective_direction(r->st, j) == GPBO_MAXIMIZE ? "maximize"
                                                                             : "minimize",
                   gpbo_study_objective_name(r->st, j));
    return all;
}

/* Writes the page: the summary with the best trial, the figures and the table of trials. */
static int write_page(rep *r, const char *out)
{
    size_t counts[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(r->st, counts);
    int several = gpbo_study_nobjectives(r->st) > 1;
    /* several objectives: each with its goal, not the first one's alone as if it were the
     * study's, and the best trial is said to be the first objective's (it was "Best trial") */
    const char *goal =
        several ? "" : keep(&r->sb, " (%s %s)", r->maximize ? "maximize" : "minimize", r->metric);
    const char *summary = keep(
        &r->sb, "Study '%s'%s: %zu trials — %zu complete, %zu failed, %zu pruned, %zu running.",
        r->name, goal, r->n, counts[GPBO_TRIAL_COMPLETE], counts[GPBO_TRIAL_FAILED],
        counts[GPBO_TRIAL_PRUNED], counts[GPBO_TRIAL_RUNNING]);
    if (several) {
        size_t nf = 0, *ids = malloc((gpbo_study_ntrials(r->st) + 1) * sizeof *ids);
        if (ids == NULL || gpbo_study_pareto(r->st, ids, gpbo_study_ntrials(r->st), &nf) != GPBO_OK)
            nf = 0;
        free(ids);
        summary = keep(&r->sb, "%s Objectives: %s. Pareto front: %zu trials (figures below).",
                       summary, objectives_text(r), nf);
    }
    /* with outcome constraints the best trial is the best feasible one: said so, and when none
     * is, the page said nothing of why it had no best trial (gpbo best says so and exits 1) */
    size_t ncons = gpbo_study_get_options(r->st)->n_constraints;
    if (ncons > 0 && several) /* the front: gpbo_study_pareto's, of the feasible trials */
        summary = keep(&r->sb,
                       "%s The front holds the feasible trials only (outcome constraints: "
                       "the table notes the infeasible trials).",
                       summary);
    if (ncons > 0 && !several)
        summary = keep(&r->sb, "%s %s", summary,
                       r->have_best ? "The best trial is the best feasible one (outcome "
                                      "constraints: the table notes the infeasible trials)."
                                    : keep(&r->sb,
                                           "No trial is feasible: none of its %zu complete trials "
                                           "meets its %zu constraints, so there is no best trial.",
                                           counts[GPBO_TRIAL_COMPLETE], ncons));
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
            bc[2 * bn] = gpbo_space_name(r->sp, i);
            bc[2 * bn++ + 1] = value_text(r, i, r->best.values[i]);
        }
    }
    gpbo_report_table bt = {
        several ? keep(&r->sb, "Best trial by %s alone (the first objective)", r->metric)
                : "Best trial",
        2, bn, bh, bc};
    gpbo_report_table tt = {"Trials", r->ncols, r->n, r->header, r->cells};
    /* a section of figures with none said nothing (a study of failed trials only, or none) */
    const char *figs_text = r->nfig == 0 && r->nc == 0
                                ? "No figures: no trial is complete yet, and none reported "
                                  "intermediate values."
                                : NULL;
    if (r->slices_note != NULL)
        figs_text = keep(&r->sb, "%s%s%s", figs_text ? figs_text : "", figs_text ? " " : "",
                         r->slices_note);
    if (r->left_out != NULL)
        figs_text = keep(&r->sb,
                         "%s%sLeft out, nothing finite to draw (values infinite or "
                         "beyond 1e300 in magnitude): %s.",
                         figs_text ? figs_text : "", figs_text ? " " : "", r->left_out);
    gpbo_report_section secs[3] = {
        {"Summary", summary, r->have_best ? 1 : 0, &bt, 0, NULL, NULL},
        {"Figures", figs_text, 0, NULL, r->nfig, (const char *const *)r->svgs, r->caps},
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
    /* "-": standard output, as /dev/stdout (report.h writes a device in place) */
    const char *out = strcmp(a.out, "-") ? a.out : "/dev/stdout";
    int to_stdout = !strcmp(out, "/dev/stdout");
    rep r = {0};
    int orc = cli_open_study("report", a.path, a.storage, a.study, &r.sw, &r.st);
    if (orc != 0)
        return orc;
    int rc = rep_init(&r);
    if (rc != GPBO_OK)
        goto cleanup;
    read_trials(&r);
    if ((rc = fig_pareto(&r)) != GPBO_OK || (rc = fig_best(&r)) != GPBO_OK ||
        (rc = fig_gap(&r)) != GPBO_OK || (rc = fig_curves(&r)) != GPBO_OK ||
        (rc = fig_params(&r)) != GPBO_OK || (rc = fig_parallel(&r)) != GPBO_OK ||
        (rc = fig_slices(&r)) != GPBO_OK)
        goto cleanup;
    rc = write_page(&r, out);
cleanup:
    if (rc != GPBO_OK)
        fprintf(stderr, "gpbo report: %s\n", gpbo_error_message());
    else /* on stderr when the page is on stdout: it was appended to the page */
        fprintf(to_stdout ? stderr : stdout, "wrote %s (%zu figures)\n", out, r.nfig);
    rep_free(&r);
    return rc == GPBO_OK ? 0 : 1;
}
