/*
 * compare_core.h: the comparison that `gpbo compare` and bench/compare both run, written once:
 * strategies x problems x seeds, each run a study of its own in one SQLite file (<dir>/<stem>.db),
 * run in parallel processes; then every run's best-so-far read back, its simple regret, the
 * quantiles over seeds, the summary table, the CSV and the HTML report. The callers differ only
 * in how they are told what to run (a COMPARE.yaml file, command-line flags) and in what they
 * print around it. Internal to the gpbo command and the bench (a static library).
 *
 * A problem is a test function ("branin", "rosenbrock:4": the name and, for a function of any
 * dimension, the dimension, 4 by default; a function of fixed dimension takes none, not even its
 * own, "branin:2", so that a problem has one name for its runs), the conditional problem ("cond",
 * "cond-flat": compare_cond.h) or, where the caller accepts them (cmp.sweep_check), a sweep file
 * (".yaml" / ".yml", relative to cmp.dir) run by `gpbo run` on a database of its own under
 * <stem>.sweeps/, its regret measured against the best value any run found.
 *
 * A problem of several objectives (issue 20: "branin_currin", "zdt1:6", "zdt2:6"; 6-D by
 * default, gpbo_test_mo_functions) is measured by the hypervolume of the trials so far against
 * the problem's reference point: `best` is that hypervolume, the regret the true front's
 * hypervolume less it. Its runs may also name the strategies "bayes-ehvi" and "bayes-parego"
 * (the Bayesian strategy with that step for several objectives, mo_acquisition).
 */
#ifndef GPBO_CLI_COMPARE_CORE_H
#define GPBO_CLI_COMPARE_CORE_H

#include <stddef.h>

#include "gpbo/search.h"

#define CMP_MAXL 32 /* strategies, problems, budgets */

typedef struct cmp {
    char name[256], dir[1024];
    char stem[256]; /* name, encoded for file names (the files are <dir>/<stem>.db, ...) */
    char *strategies[CMP_MAXL], *problems[CMP_MAXL]; /* malloc'd; cmp_free frees them */
    /* where each problem is written, for cmp_check's errors: the file (empty: none, as for
     * bench/compare's flags) and its line and column (1-based) */
    char file[1024];
    size_t problem_at[CMP_MAXL][2];
    size_t ns, np, seeds, budget, budgets[CMP_MAXL], nb, init, jobs;
    size_t seed0; /* the runs' seeds are seed0 .. seed0 + seeds - 1 (default 0) */
    /* trials at a time inside each run (default 1): a sweep problem's `gpbo run --jobs` (the
     * runs themselves go c->jobs at a time, so jobs x run_jobs trials train at once); a test
     * function's trials in flight, each asked with the ones before it pending (as that many
     * asynchronous workers have them), the oldest told first */
    size_t run_jobs;
    /* every run's study options but strategy, seed, n_init (init) and lhs_size (budget) */
    gpbo_study_options opts;
    /* the standard deviation of Gaussian noise added to each value a test function of one
     * objective reports (0: none, the default); each trial's draw follows from the run's seed and
     * the trial's id. With noise, a run's best so far is the true (noise-free) value at the trial
     * of the best noisy value: what the user of a noisy objective would deploy */
    double noise;
    int time_asks; /* 1: measure each ask's wall time (cmp_result.ask_s) */
    int progress;  /* 1: a line on stderr as each run ends ([k/total], the run, elapsed) */
    /* NULL: sweep-file problems are refused; else validates one (its path), GPBO_OK or an
     * error with its message; such runs exec `gpbo run` of this process's own executable, so
     * only the gpbo command sets it */
    int (*sweep_check)(const char *path);
} cmp;

/* What the runs gave. Run j is strategy si, problem pi, seed s with j = (si * np + pi) * seeds
 * + s; each array holds budget values a run, evaluation e at [j * budget + e]. */
typedef struct cmp_result {
    size_t total, failed; /* runs; runs whose process failed */
    double *best;         /* best value so far, in the problem's own sign (INFINITY: none yet) */
    double *reg;          /* simple regret of best (minimizing sense) */
    double *ask_s;        /* seconds of each ask (NaN where not measured), or NULL */
    /* with noise (cmp.noise): a run's true simple regret, at its end, of the trial its model
     * recommends (gpbo_study_recommend; NaN where it has none: a strategy without a model) */
    double *rec;
} cmp_result;

/* Sets c to the defaults (10 seeds, budget 60, 10 initial, 2 jobs, the study's default
 * options), nothing listed. This function cannot fail. */
void cmp_init(cmp *c);
/* Frees the lists of c (not c). */
void cmp_free(cmp *c);

/* Compare's names of the Bayesian strategy with a step for several objectives, "bayes-ehvi" and
 * "bayes-parego" (on one objective, the Bayesian strategy as it is), and whether name is one. */
enum { CMP_MO_STRATEGIES = 2 };
extern const char *const cmp_mo_strategies[CMP_MO_STRATEGIES];
int cmp_mo_strategy(const char *name);

/* Checks every problem of c: a known test function at a supported dimension, or a sweep file
 * that loads, run by none of c's cmp_mo_strategy names. GPBO_OK, or the error (its message
 * naming the problem) of the first bad one. */
int cmp_check(const cmp *c);

/* Runs every run of c (jobs processes at a time; a run already finished in the database is
 * read back, an unfinished one continues) and reads them back into out. GPBO_OK (runs may have
 * failed: out->failed), or an error with its message (the database or a folder could not be
 * made), out then empty. */
int cmp_run(const cmp *c, cmp_result *out);
void cmp_result_free(cmp_result *r);

/* Writes the CSV: strategy, problem, seed, evaluation, best, regret (with noise, also a row
 * "STRATEGY@model" at the budget for each run with a recommendation: its true regret, best
 * left empty). GPBO_EIO when the file
 * cannot be written. */
int cmp_write_csv(const cmp *c, const cmp_result *r, const char *path);
/* Prints one line per problem and budget: each strategy's median regret [q1, q3] over seeds
 * and, with a baseline strategy among them, " xR" after every other one (R = the baseline's
 * median / this median). */
void cmp_print_regret(const cmp *c, const cmp_result *r, const char *baseline);
/* Prints, per sweep problem of c (none: nothing), each strategy's median [q1, q3] over seeds of
 * the best value in the sweep's own units and direction, of the first "test_" metric of each
 * run's best trial (when its trials report one: the built-in trainer's test_accuracy with
 * `test: true`), and of each run's wall time (its first trial's start to its last trial's end,
 * so that a resumed comparison still measures it). */
void cmp_print_sweeps(const cmp *c, const cmp_result *r);
/* Writes the HTML report: per problem, each strategy's median regret with its quartile band. */
int cmp_write_html(const cmp *c, const cmp_result *r, const char *path);

/* The q-quantile of v[0..n) (n > 0), linearly interpolated between order statistics; sorts v. */
double cmp_quantile(double *v, size_t n, double q);
/* The q-quantile over seeds of v (cmp_result's reg or ask_s: budget values a run) for strategy
 * si on problem pi after evaluation e (0-based); col: scratch of c->seeds values, left holding
 * them sorted (for further quantiles by cmp_quantile). */
double cmp_over_seeds(const cmp *c, const double *v, size_t si, size_t pi, size_t e, double q,
                      double *col);

#endif
