/*
 * report_cmd.c: `gpbo report` — a study as one self-contained HTML page: a summary, the best
 * trial, a table of every trial and PLplot figures: best so far against trial number, the
 * objective against each parameter, and the GP's prediction along each numeric parameter
 * through the best point with a two-standard-deviation band (a Matérn 5/2 GP fitted to the
 * complete trials in the unit cube, the way the Bayesian strategy sees them).
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

int cmd_report(int argc, char **argv)
{
    const char *path = NULL, *storage = NULL, *name = NULL, *out = "report.html";
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] != '-' && path == NULL)
            path = argv[i];
        else if (i + 1 < argc && !strcmp(argv[i], "--storage"))
            storage = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--study"))
            name = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "-o"))
            out = argv[++i];
        else {
            fprintf(stderr, "usage: gpbo report [SWEEP.yaml] [--storage URL] [--study NAME] "
                            "[-o report.html]\n");
            return 2;
        }
    }
    sweep *sw = NULL;
    gpbo_study *st = NULL;
    int orc = cli_open_study("report", path, storage, name, &sw, &st);
    if (orc != 0)
        return orc;
    name = gpbo_study_name(st);
    const gpbo_space *sp = gpbo_study_space(st);
    size_t np = gpbo_space_size(sp), d = gpbo_space_dim(sp), n = gpbo_study_ntrials(st);
    int maximize = gpbo_study_direction(st) == GPBO_MAXIMIZE;
    double sign = maximize ? -1.0 : 1.0;
    const char *metric = sw ? sw->metric : "value";
    strbuf sb = {0};
    size_t counts[4];
    gpbo_study_counts(st, counts);
    gpbo_trial_info best;
    int have_best = gpbo_study_best(st, &best) == GPBO_OK;

    /* the table of trials */
    size_t ncols = 4 + np;
    const char **header = calloc(ncols, sizeof *header),
               **cells = calloc(ncols * (n ? n : 1), sizeof *cells);
    static const char *const STATE[] = {"running", "complete", "failed", "pruned"};
    header[0] = "trial";
    header[1] = "state";
    header[2] = metric;
    for (size_t i = 0; i < np; i++)
        header[3 + i] = gpbo_space_name(sp, i);
    header[3 + np] = "note";
    /* series: best so far, and per-parameter points */
    double *tx = calloc(n + 1, sizeof *tx), *ty = calloc(n + 1, sizeof *ty);
    double *bx = calloc(n + 1, sizeof *bx), *by = calloc(n + 1, sizeof *by);
    double *U = calloc((n + 1) * (d ? d : 1), sizeof *U), *Y = calloc(n + 1, sizeof *Y);
    double *pv = calloc((n + 1) * (np ? np : 1), sizeof *pv);
    size_t nc = 0, nb = 0;
    double run = INFINITY;
    for (size_t t = 0; t < n; t++) {
        gpbo_trial_info ti;
        gpbo_study_trial(st, t, &ti);
        char buf[256];
        cells[t * ncols + 0] = keep(&sb, "%zu", ti.id);
        cells[t * ncols + 1] = STATE[ti.state];
        cells[t * ncols + 2] = isfinite(ti.value) ? keep(&sb, "%.6g", ti.value) : "";
        for (size_t i = 0; i < np; i++) {
            if (sw)
                sweep_format(sw, sp, i, ti.values[i], buf, sizeof buf);
            else
                gpbo_space_format(sp, i, ti.values[i], buf, sizeof buf);
            cells[t * ncols + 3 + i] = keep(&sb, "%s", buf);
        }
        cells[t * ncols + 3 + np] = ti.reason ? keep(&sb, "%s", ti.reason) : "";
        if (ti.state == GPBO_TRIAL_COMPLETE) {
            tx[nc] = (double)(t + 1);
            ty[nc] = ti.value;
            gpbo_space_encode(sp, ti.values, U + nc * d);
            Y[nc] = sign * ti.value;
            memcpy(pv + nc * np, ti.values, np * sizeof *pv);
            nc++;
            if (sign * ti.value < run) {
                run = sign * ti.value;
            }
            bx[nb] = (double)(t + 1);
            by[nb++] = sign * run;
        }
    }
    char **svgs = NULL;
    const char **caps = NULL;
    size_t nfig = 0;
    int rc = GPBO_OK;
    if (nc > 0) {
        gpbo_fig_series s1[2] = {{GPBO_FIG_POINTS, "trials", nc, tx, ty, NULL, NULL, 6},
                                 {GPBO_FIG_STEPS, "best so far", nb, bx, by, NULL, NULL, 0}};
        gpbo_fig f1 = {"Best so far", "trial", metric, 0, 0, 2, s1};
        rc = add_fig(&f1, &svgs, &nfig, &caps, "every complete trial and the best so far");
    }
    /* the objective against each parameter */
    double *px = calloc(nc + 1, sizeof *px);
    for (size_t i = 0; rc == GPBO_OK && nc > 0 && i < np; i++) {
        for (size_t t = 0; t < nc; t++)
            px[t] = pv[t * np + i];
        gpbo_fig_series s = {GPBO_FIG_POINTS, NULL, nc, px, ty, NULL, NULL, 1};
        const char *pn = gpbo_space_name(sp, i);
        gpbo_fig f = {keep(&sb, "%s against %s", metric, pn),
                      keep(&sb, "%s%s", pn,
                           gpbo_space_type(sp, i) == GPBO_PARAM_CATEGORICAL ? " (index)" : ""),
                      metric,
                      0,
                      gpbo_space_is_log(sp, i),
                      1,
                      &s};
        rc = add_fig(&f, &svgs, &nfig, &caps, keep(&sb, "%s of every complete trial", metric));
    }
    /* GP slices through the best point */
    gpbo_gp *gp = nc >= 2 && d > 0 ? gpbo_gp_new(GPBO_KERNEL_MATERN52, d) : NULL;
    if (gp && gpbo_gp_set_data(gp, nc, U, Y) == GPBO_OK) {
        gpbo_gp_fit_options fo = GPBO_GP_FIT_OPTIONS_INIT;
        fo.use_priors = 1;
        gpbo_gp_fit(gp, &fo);
        double *ub = calloc(d, sizeof *ub), *q = calloc(SLICE * d, sizeof *q);
        double sx[SLICE], mu[SLICE], var[SLICE], lo[SLICE], hi[SLICE], vals[64];
        gpbo_space_encode(sp, best.values, ub);
        for (size_t i = 0; rc == GPBO_OK && have_best && i < np; i++) {
            gpbo_param_type ty_i = gpbo_space_type(sp, i);
            if (ty_i != GPBO_PARAM_FLOAT && ty_i != GPBO_PARAM_INT)
                continue;
            /* the coordinate of parameter i: the one that changes when it does */
            size_t coord = 0;
            for (size_t k = 0; k < i; k++)
                coord += gpbo_space_type(sp, k) == GPBO_PARAM_CATEGORICAL
                             ? gpbo_space_nchoices(sp, k)
                         : gpbo_space_type(sp, k) == GPBO_PARAM_CONST ? 0
                                                                      : 1;
            for (size_t k = 0; k < SLICE; k++) {
                double *row = q + k * d;
                memcpy(row, ub, d * sizeof *row);
                row[coord] = (k + 0.5) / SLICE;
                gpbo_space_project(row, d, (void *)sp);
                if (np <= 64 && gpbo_space_decode(sp, row, vals) == GPBO_OK)
                    sx[k] = vals[i];
            }
            if (gpbo_gp_predict(gp, SLICE, q, mu, var) != GPBO_OK)
                continue;
            for (size_t k = 0; k < SLICE; k++) {
                double sd = sqrt(var[k] > 0 ? var[k] : 0);
                mu[k] *= sign;
                lo[k] = mu[k] - 2 * sd;
                hi[k] = mu[k] + 2 * sd;
            }
            for (size_t t = 0; t < nc; t++)
                px[t] = pv[t * np + i];
            gpbo_fig_series s[3] = {{GPBO_FIG_BAND, NULL, SLICE, sx, NULL, lo, hi, 0},
                                    {GPBO_FIG_LINE, "GP mean", SLICE, sx, mu, NULL, NULL, 0},
                                    {GPBO_FIG_POINTS, "trials", nc, px, ty, NULL, NULL, 1}};
            const char *pn = gpbo_space_name(sp, i);
            gpbo_fig f = {keep(&sb, "GP along %s through the best point", pn),
                          pn,
                          metric,
                          0,
                          gpbo_space_is_log(sp, i),
                          3,
                          s};
            rc = add_fig(&f, &svgs, &nfig, &caps,
                         keep(&sb,
                              "posterior mean +- 2 sd along %s, the others at the best "
                              "trial",
                              pn));
        }
        free(ub);
        free(q);
    }
    gpbo_gp_free(gp);
    if (rc == GPBO_OK) {
        const char *summary = keep(
            &sb,
            "Study '%s' (%s %s): %zu trials — %zu complete, %zu failed, %zu pruned, %zu running.",
            name, maximize ? "maximize" : "minimize", metric, n, counts[GPBO_TRIAL_COMPLETE],
            counts[GPBO_TRIAL_FAILED], counts[GPBO_TRIAL_PRUNED], counts[GPBO_TRIAL_RUNNING]);
        const char *bh[2] = {"", ""};
        const char **bc = calloc(2 * (np + 2), sizeof *bc);
        size_t bn = 0;
        if (have_best) {
            bc[2 * bn] = "trial";
            bc[2 * bn++ + 1] = keep(&sb, "%zu", best.id);
            bc[2 * bn] = metric;
            bc[2 * bn++ + 1] = keep(&sb, "%.6g", best.value);
            for (size_t i = 0; i < np; i++) {
                char buf[256];
                if (sw)
                    sweep_format(sw, sp, i, best.values[i], buf, sizeof buf);
                else
                    gpbo_space_format(sp, i, best.values[i], buf, sizeof buf);
                bc[2 * bn] = gpbo_space_name(sp, i);
                bc[2 * bn++ + 1] = keep(&sb, "%s", buf);
            }
        }
        gpbo_report_table bt = {"Best trial", 2, bn, bh, bc};
        gpbo_report_table tt = {"Trials", ncols, n, header, cells};
        gpbo_report_section secs[3] = {
            {"Summary", summary, have_best ? 1 : 0, &bt, 0, NULL, NULL},
            {"Figures", NULL, 0, NULL, nfig, (const char *const *)svgs, caps},
            {"Trials", NULL, 1, &tt, 0, NULL, NULL}};
        rc = gpbo_report_write_html(out, keep(&sb, "gpbo report: %s", name), 3, secs);
        free(bc);
    }
    if (rc != GPBO_OK)
        fprintf(stderr, "gpbo report: %s\n", gpbo_error_message());
    else
        printf("wrote %s (%zu figures)\n", out, nfig);
    for (size_t i = 0; i < nfig; i++)
        free(svgs[i]);
    free(svgs);
    free(caps);
    for (size_t i = 0; i < sb.n; i++)
        free(sb.v[i]);
    free(sb.v);
    free(header);
    free(cells);
    free(tx);
    free(ty);
    free(bx);
    free(by);
    free(U);
    free(Y);
    free(pv);
    free(px);
    gpbo_study_close(st);
    sweep_free(sw);
    return rc == GPBO_OK ? 0 : 1;
}
