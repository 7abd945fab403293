/*
 * compare.c: `gpbo compare COMPARE.yaml` — strategies x test functions x seeds, each run a
 * study of its own in one SQLite file (so an interrupted comparison resumes: finished runs are
 * read back, unfinished ones continue where they stopped), run in parallel processes; writes
 * the best-so-far CSV, a summary of simple regret (median and quartiles at chosen budgets) and
 * an HTML report with regret curves and quartile bands. COMPARE.yaml is read by
 * compare_load.c; the comparison itself is compare_core.c, which bench/compare runs too.
 *
 * A problem can also be a sweep file: each of its runs is `gpbo run` of the sweep with the
 * strategy, seed, budget and initial design overridden, on a database of its own under
 * <name>.sweeps/; its regret is measured against the best value any run found.
 *
 * COMPARE.yaml:
 *   name: branin-study            # files: <name>.db, <name>.csv, <name>.html next to it
 *   strategies: [bayes, random, sobol]
 *   problems: [branin, hartmann6, rosenbrock:4, my-sweep.yaml]   # and cond, cond-flat:
 *                                 # the conditional problem and its flat encoding; ":D" only
 *                                 # on a function of any dimension (branin:2 is refused)
 *   seeds: 10
 *   budget: 60                    # evaluations per run
 *   budgets: [10, 30, 60]         # where the summary reads the regret (each at most budget)
 *   initial: 10                   # Bayesian initial design
 *   jobs: 2                       # runs at a time
 *   run_jobs: 1                   # trials at a time inside a run (a sweep's gpbo run --jobs;
 *                                 # a function's asks with the ones before still pending)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare_load.h"
#include "gpbo/sys/error.h"

/* A sweep problem is checked by loading it. */
static int check_sweep(const char *path)
{
    sweep *sw = sweep_load(path);
    if (sw == NULL)
        return gpbo_error_code();
    sweep_free(sw);
    return GPBO_OK;
}

/* Runs the comparison c read from file and writes its CSV and report next to it. Returns the
 * exit status: 0, 1 when a run failed, the database could not be made or the CSV or the report
 * could not be written, 2 for a bad problem. */
static int run_compare(const cmp *c)
{
    if (cmp_check(c) != GPBO_OK) { /* its message names the file, the line and the column */
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 2;
    }
    /* what runs, at once: the runs take minutes, each reported on stderr as it ends */
    printf("gpbo compare: %zu strategies x %zu problems x %zu seeds, budget %zu: %zu runs, %zu at "
           "a time (progress on stderr)\n",
           c->ns, c->np, c->seeds, c->budget, c->ns * c->np * c->seeds, c->jobs);
    fflush(stdout);
    cmp_result r;
    if (cmp_run(c, &r) != GPBO_OK) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 1;
    }
    char csv[1400], html[1400];
    snprintf(csv, sizeof csv, "%s/%s.csv", c->dir, c->stem);
    snprintf(html, sizeof html, "%s/%s.html", c->dir, c->stem);
    /* the summary and the report go on without the CSV, but the run says so and fails: it
     * printed "wrote c.csv" and exited 0 when the file could not be written */
    char why[600] = "";
    int csv_rc = cmp_write_csv(c, &r, csv);
    if (csv_rc != GPBO_OK)
        snprintf(why, sizeof why, "%s", gpbo_error_message());
    if (r.failed)
        printf("gpbo compare: %zu of %zu runs FAILED\n", r.failed, r.total);
    printf("simple regret: median [q1, q3] over seeds\n");
    cmp_print_regret(c, &r, NULL);
    cmp_print_sweeps(c, &r);
    int rc = cmp_write_html(c, &r, html);
    if (rc != GPBO_OK)
        fprintf(stderr, "gpbo compare: %s\n", gpbo_error_message());
    if (csv_rc != GPBO_OK)
        fprintf(stderr, "gpbo compare: %s\n", why);
    if (csv_rc == GPBO_OK || rc == GPBO_OK)
        printf("wrote %s%s%s\n", csv_rc == GPBO_OK ? csv : "", csv_rc == rc ? " and " : "",
               rc == GPBO_OK ? html : "");
    size_t failed = r.failed;
    cmp_result_free(&r);
    return failed || csv_rc != GPBO_OK || rc != GPBO_OK ? 1 : 0;
}

int cmd_compare(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-')
            return cli_bad_option("compare", argv[i]);
    if (argc != 1) {
        fprintf(stderr, "gpbo compare: give one COMPARE.yaml (gpbo compare --help)\n");
        return 2;
    }
    cmp c;
    cmp_init(&c);
    c.sweep_check = check_sweep;
    c.progress = 1;
    int rc = 2;
    if (compare_load(argv[0], &c) != GPBO_OK)
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
    else
        rc = run_compare(&c);
    cmp_free(&c);
    return rc;
}
