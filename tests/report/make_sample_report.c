/*
 * make_sample_report.c: writes a report with every kind of figure (steps, lines with bands,
 * points, a log axis, a categorical axis with its labels) and a table holding markup characters,
 * for test_report_browser.py. Usage: make_sample_report OUT.html
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gpbo/error.h"
#include "report.h"

#define N 60

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT.html\n", argv[0]);
        return 2;
    }
    double x[N], best[N], obs[N], mean[N], lo[N], hi[N], regret[N], q1[N], q3[N];
    double running = INFINITY;
    for (int i = 0; i < N; i++) {
        x[i] = i + 1;
        obs[i] = 2.0 + sin(0.7 * i) * exp(-0.03 * i) + 0.4 * cos(3.1 * i);
        running = fmin(running, obs[i]);
        best[i] = running;
        mean[i] = 1.5 + sin(0.1 * i);
        lo[i] = mean[i] - 0.3 - 0.01 * i;
        hi[i] = mean[i] + 0.3 + 0.01 * i;
        regret[i] = 3.0 * exp(-0.08 * i);
        q1[i] = regret[i] * 0.5;
        q3[i] = regret[i] * 2.0;
    }
    gpbo_fig_series s1[] = {
        {GPBO_FIG_POINTS, "trials", N, x, obs, NULL, NULL, 6},
        {GPBO_FIG_STEPS, "best so far", N, x, best, NULL, NULL, 0},
    };
    gpbo_fig_series s2[] = {
        {GPBO_FIG_BAND, NULL, N, x, NULL, lo, hi, 0},
        {GPBO_FIG_LINE, "GP mean", N, x, mean, NULL, NULL, 0},
        {GPBO_FIG_POINTS, "observed", N, x, obs, NULL, NULL, 1},
    };
    gpbo_fig_series s3[] = {
        {GPBO_FIG_BAND, NULL, N, x, NULL, q1, q3, 2},
        {GPBO_FIG_LINE, "bayes (median)", N, x, regret, NULL, NULL, 2},
    };
    /* a categorical x axis: each choice's trials at its index, a log y axis */
    double cx[N], cy[N];
    for (int i = 0; i < N; i++) {
        cx[i] = i % 3;
        cy[i] = pow(10.0, -(i % 3) - 0.02 * i);
    }
    gpbo_fig_series s4[] = {{GPBO_FIG_POINTS, NULL, N, cx, cy, NULL, NULL, 1}};
    const char *choices[] = {"sgd", "adam", "rmsprop"};
    gpbo_fig figs[] = {
        {"Best so far", "trial", "objective", 0, 0, 2, s1, 0, NULL},
        {"GP slice", "learning rate", "objective", 0, 0, 3, s2, 0, NULL},
        {"Simple regret", "evaluations", "regret", 1, 0, 2, s3, 0, NULL},
        {"Loss by optimizer", "optimizer", "loss", 1, 0, 1, s4, 3, choices},
    };
    char *svg[4] = {NULL, NULL, NULL, NULL};
    for (int i = 0; i < 4; i++) {
        if (gpbo_fig_svg(&figs[i], &svg[i]) != GPBO_OK) {
            fprintf(stderr, "figure %d: %s\n", i, gpbo_error_message());
            return 1;
        }
    }
    const char *header[] = {"trial", "state", "value", "note"};
    const char *cells[] = {"1", "complete", "0.123", "<script>alert(1)</script>",
                           "2", "failed",   "",      "exit status 3 & \"quoted\""};
    gpbo_report_table table = {"Trials", 4, 2, header, cells};
    const char *captions[] = {"best so far", "GP slice", "regret", "categories"};
    gpbo_report_section sections[] = {
        {"Summary", "A sample report <with markup> in its text.", 1, &table, 0, NULL, NULL},
        {"Figures", NULL, 0, NULL, 4, (const char *const *)svg, captions},
    };
    int rc = gpbo_report_write_html(argv[1], "Sample report", 2, sections);
    for (int i = 0; i < 4; i++)
        free(svg[i]);
    if (rc != GPBO_OK) {
        fprintf(stderr, "%s\n", gpbo_error_message());
        return 1;
    }
    return 0;
}
