/*
 * bench/gp_fit: what gpbo::gp costs, against what the machine's Cholesky allows and against
 * scikit-learn, all in one run. For n in {100, 300, 1000, 3000} and d in {2, 6, 20} it times:
 *   - one likelihood + gradient evaluation (set the hyperparameters: build K, dpotrf, alpha;
 *     then dpotri and the gradient), the unit of work of the fit;
 *   - a full gpbo_gp_fit() with default options, from the default start;
 *   - predicting mean and variance at 1000 points;
 * and beside each, one dpotrf + dpotri of the same n (the floor) and the ratio to it. Then the
 * same default fit by scikit-learn's GaussianProcessRegressor (Matérn 5/2 ARD times a constant
 * plus white noise, the same restarts, start and bounds), with the time ratio and both
 * likelihoods (of the standardized y on both sides; a speedup whose fit ended below
 * scikit-learn's likelihood is marked '*'). scikit-learn's fit is timed with the same clock.
 *
 * Usage: gp_fit_bench [--fit-max-n N] [--sklearn-max-n N] [--n LIST] [--d LIST] [--clock wall|cpu]
 *   --fit-max-n: skip the gpbo fit above this n (default: no limit)
 *   --sklearn-max-n: skip scikit-learn above this n (default 1000: at n = 3000 one sklearn fit
 *                    takes far more than a few minutes on 2 cores); 0 disables it.
 * The BLAS thread count is OpenBLAS's (OPENBLAS_NUM_THREADS); scikit-learn runs in a child
 * process with the same environment, so both sides use the same number of threads.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../base/numeric.h"
#include "gpbo/gp.h"
#include "gpbo/rng.h"

/* --clock cpu: the process's CPU time instead of the wall clock, so that figures from a machine
 * shared with other jobs compare code rather than the load (with OPENBLAS_NUM_THREADS=1). */
static int cpu_clock = 0;

/* Rows whose gpbo fit ended below scikit-learn's likelihood by more than LML_TOL. */
#define LML_TOL 1e-4
static int worse_fits = 0;

static double now(void)
{
    struct timespec ts;
    clock_gettime(cpu_clock ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double median(double *v, int k)
{
    qsort(v, (size_t)k, sizeof *v, gpbo_cmp_double);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

/* Repetitions: enough for a stable median, bounded for the large sizes. */
static int reps_for(size_t n)
{
    return n <= 100 ? 51 : n <= 300 ? 21 : n <= 1000 ? 7 : 3;
}

/* A smooth function of the inputs plus noise (Ackley-like mixture, scaled to the unit cube). */
static void make_data(size_t n, size_t d, uint64_t seed, double *x, double *y)
{
    gpbo_rng r;
    gpbo_rng_seed(&r, seed);
    for (size_t i = 0; i < n * d; i++)
        x[i] = gpbo_rng_uniform(&r);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0, c = 0.0;
        for (size_t j = 0; j < d; j++) {
            double t = 2.0 * x[i * d + j] - 1.0;
            s += t * t;
            c += cos(2.0 * M_PI * t * (1.0 + 0.1 * (double)j));
        }
        y[i] = -20.0 * exp(-0.2 * sqrt(s / (double)d)) - exp(c / (double)d) +
               0.1 * gpbo_rng_normal(&r);
    }
}

/* One dpotrf + dpotri of an n x n SPD matrix: the same LAPACK calls the likelihood makes. */
static double floor_time(size_t n, const double *spd, double *work)
{
    int reps = reps_for(n);
    double t[64];
    for (int k = 0; k < reps; k++) {
        memcpy(work, spd, n * n * sizeof *work);
        double t0 = now();
        LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, work, (lapack_int)n);
        LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, work, (lapack_int)n);
        t[k] = now() - t0;
    }
    return median(t, reps);
}

static int run_sklearn(size_t n, size_t d, const double *x, const double *y, size_t restarts,
                       double *secs, double *lml)
{
    char path[] = "/tmp/gpbo-bench-gpfit-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "wb");
    if (f == NULL) {
        close(fd);
        return -1;
    }
    fwrite(x, sizeof *x, n * d, f);
    fwrite(y, sizeof *y, n, f);
    fclose(f);
    char cmd[1024];
    /* the child times its fit with this process's clock (--clock): CPU time against CPU time */
    snprintf(cmd, sizeof cmd, "%s %s %s %zu %zu %zu %s", GPBO_BENCH_PYTHON,
             GPBO_BENCH_SKLEARN_SCRIPT, path, n, d, restarts, cpu_clock ? "cpu" : "wall");
    FILE *p = popen(cmd, "r");
    int ok = p != NULL && fscanf(p, "%lf %lf", secs, lml) == 2;
    if (p != NULL)
        ok &= pclose(p) == 0;
    remove(path);
    return ok ? 0 : -1;
}

static size_t parse_list(const char *s, size_t *out, size_t cap)
{
    size_t k = 0;
    while (*s && k < cap) {
        char *end;
        out[k++] = strtoul(s, &end, 10);
        s = *end == ',' ? end + 1 : end;
        if (end == s && *s)
            break;
    }
    return k;
}

/* What to measure (the flags). */
typedef struct config {
    size_t ns[8], ds[8], nn, nd;
    size_t fit_max_n, sk_max_n;
} config;

/* The flags into c. 0, or 2 after the usage line. */
static int parse_args(int argc, char **argv, config *c)
{
    *c = (config){{100, 300, 1000, 3000}, {2, 6, 20}, 4, 3, (size_t)-1, 1000};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fit-max-n") && i + 1 < argc)
            c->fit_max_n = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--sklearn-max-n") && i + 1 < argc)
            c->sk_max_n = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--n") && i + 1 < argc)
            c->nn = parse_list(argv[++i], c->ns, 8);
        else if (!strcmp(argv[i], "--d") && i + 1 < argc)
            c->nd = parse_list(argv[++i], c->ds, 8);
        else if (!strcmp(argv[i], "--clock") && i + 1 < argc)
            cpu_clock = !strcmp(argv[++i], "cpu");
        else {
            fprintf(stderr,
                    "usage: %s [--fit-max-n N] [--sklearn-max-n N] [--n LIST] [--d LIST] "
                    "[--clock wall|cpu]\n",
                    argv[0]);
            return 2;
        }
    }
    return 0;
}

static void print_header(const gpbo_gp_fit_options *defaults)
{
    printf("gp_fit: Matern 5/2 ARD, default fit options (%zu restarts + the start, <= %zu "
           "evaluations each), OpenBLAS threads: %d, kernels: %s\n",
           defaults->restarts, defaults->max_evals, openblas_get_num_threads(),
           openblas_get_corename());
    printf("floor = one dpotrf + dpotri of the same n, median of repeats; %s times in ms unless "
           "marked s\n\n",
           cpu_clock ? "CPU" : "wall-clock");
    printf("%5s %3s | %9s %9s %5s | %9s %5s %7s | %9s %5s | %9s %8s %12s %12s\n", "n", "d",
           "lik+grad", "floor", "ratio", "fit s", "evals", "fit/fl", "pred1000", "ratio",
           "sklearn s", "speedup", "lml gpbo", "lml sklearn");
}

/* Buffers for the largest n and d of a run. */
typedef struct buffers {
    double *x, *y, *spd, *work, *xq, *mean, *var;
} buffers;

static void buffers_free(buffers *b)
{
    free(b->x);
    free(b->y);
    free(b->spd);
    free(b->work);
    free(b->xq);
    free(b->mean);
    free(b->var);
}

/* The largest of v[0..n) (0 for none). */
static size_t max_of(const size_t *v, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

/* 0, or -1 when they do not fit (b then holds what was allocated). */
static int buffers_alloc(buffers *b, const config *c)
{
    size_t nmax = max_of(c->ns, c->nn), dmax = max_of(c->ds, c->nd);
    b->x = malloc(nmax * dmax * sizeof *b->x);
    b->y = malloc(nmax * sizeof *b->y);
    b->spd = malloc(nmax * nmax * sizeof *b->spd);
    b->work = malloc(nmax * nmax * sizeof *b->work);
    b->xq = malloc(1000 * dmax * sizeof *b->xq);
    b->mean = malloc(1000 * sizeof *b->mean);
    b->var = malloc(1000 * sizeof *b->var);
    return b->x && b->y && b->spd && b->work && b->xq && b->mean && b->var ? 0 : -1;
}

/* The floor's matrix (K at a typical point of the fit, theta, also set on gp) into b->spd, and
 * the floor's time. */
static double floor_at(gpbo_gp *gp, size_t n, size_t d, double *theta, buffers *b)
{
    for (size_t k = 0; k < d; k++)
        theta[k] = log(0.5 * sqrt((double)d));
    theta[d] = 0.0;
    theta[d + 1] = log(1e-2);
    gpbo_gp_set_params(gp, theta);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double r2 = 0.0;
            for (size_t k = 0; k < d; k++) {
                double t = (b->x[i * d + k] - b->x[j * d + k]) / exp(theta[k]);
                r2 += t * t;
            }
            b->spd[i * n + j] = exp(-sqrt(r2)) + (i == j ? 1e-2 : 0.0);
        }
    return floor_time(n, b->spd, b->work);
}

/* The median time of one likelihood + gradient near theta; *finite: whether every value was. */
static double time_likelihood(gpbo_gp *gp, size_t n, size_t d, double *theta, int *finite)
{
    int reps = reps_for(n);
    double t[64], grad[32], check = 0.0;
    for (int k = 0; k < reps; k++) {
        theta[d] = 0.01 * (double)(k % 3); /* a new point each time, as in the fit */
        double t0 = now();
        gpbo_gp_set_params(gp, theta);
        check += gpbo_gp_log_likelihood(gp, grad);
        t[k] = now() - t0;
    }
    *finite = isfinite(check);
    return median(t, reps);
}

/* The median time of predicting at the 1000 points b->xq. */
static double time_predict(const gpbo_gp *gp, size_t n, buffers *b)
{
    int reps = reps_for(n);
    double t[64];
    for (int k = 0; k < reps; k++) {
        double t0 = now();
        gpbo_gp_predict(gp, 1000, b->xq, b->mean, b->var);
        t[k] = now() - t0;
    }
    return median(t, reps);
}

/* One default fit: its seconds, log marginal likelihood and evaluations. 0, or 1 if it failed. */
static int time_fit(size_t n, size_t d, const buffers *b, double *secs, double *lml, size_t *evals)
{
    int status = 0;
    gpbo_gp *f = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
    gpbo_gp_set_data(f, n, b->x, b->y);
    double t0 = now();
    if (gpbo_gp_fit(f, NULL) != GPBO_OK) {
        fprintf(stderr, "n=%zu d=%zu: fit: %s\n", n, d, gpbo_error_message());
        status = 1;
    }
    *secs = now() - t0;
    *lml = gpbo_gp_log_likelihood(f, NULL);
    gpbo_gp_fit_info info;
    gpbo_gp_get_fit_info(f, &info);
    *evals = info.evaluations;
    gpbo_gp_free(f);
    return status;
}

/* Measures and prints the row of n and d. 0, 1 when a measure failed (the row is printed), or
 * -1 when the GP could not be made. */
static int measure(const config *c, const gpbo_gp_fit_options *defaults, size_t n, size_t d,
                   buffers *b)
{
    make_data(n, d, 1000 * n + d, b->x, b->y);
    gpbo_rng r;
    gpbo_rng_seed(&r, 17);
    for (size_t i = 0; i < 1000 * d; i++)
        b->xq[i] = gpbo_rng_uniform(&r);
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
    if (gp == NULL || gpbo_gp_set_data(gp, n, b->x, b->y) != GPBO_OK) {
        fprintf(stderr, "n=%zu d=%zu: %s\n", n, d, gpbo_error_message());
        gpbo_gp_free(gp);
        return -1;
    }
    int status = 0, finite;
    double theta[32];
    double fl = floor_at(gp, n, d, theta, b);
    double lik = time_likelihood(gp, n, d, theta, &finite);
    if (!finite) {
        fprintf(stderr, "n=%zu d=%zu: likelihood is not finite\n", n, d);
        status = 1;
    }
    double pred = time_predict(gp, n, b);
    double fit_s = NAN, lml = NAN;
    size_t evals = 0;
    if (n <= c->fit_max_n && time_fit(n, d, b, &fit_s, &lml, &evals) != 0)
        status = 1;
    char sk[64] = "skipped", skl[32] = "-", spd_s[16] = "-";
    if (n <= c->sk_max_n && n <= c->fit_max_n) {
        double ss, sl;
        if (run_sklearn(n, d, b->x, b->y, defaults->restarts, &ss, &sl) == 0) {
            snprintf(sk, sizeof sk, "%9.2f", ss);
            snprintf(skl, sizeof skl, "%12.4f", sl);
            /* a speedup counts only for a fit as good: '*' marks a likelihood below
             * scikit-learn's by more than the test suite's tolerance (test_gp_sklearn) */
            int worse = !(lml >= sl - LML_TOL);
            snprintf(spd_s, sizeof spd_s, "%6.1fx%s", ss / fit_s, worse ? "*" : "");
            worse_fits += worse;
        } else {
            snprintf(sk, sizeof sk, "failed");
            status = 1;
        }
    }
    printf("%5zu %3zu | %9.3f %9.3f %5.2f | %9.3f %5zu %7.1f | %9.3f %5.2f | %9s %8s "
           "%12.4f %12s\n",
           n, d, 1e3 * lik, 1e3 * fl, lik / fl, fit_s, evals, fit_s / fl, 1e3 * pred, pred / fl, sk,
           spd_s, lml, skl);
    fflush(stdout);
    gpbo_gp_free(gp);
    return status;
}

int main(int argc, char **argv)
{
    config c;
    if (parse_args(argc, argv, &c) != 0)
        return 2;
    gpbo_gp_fit_options defaults = GPBO_GP_FIT_OPTIONS_INIT;
    print_header(&defaults);
    buffers b = {0};
    int status = 1;
    if (buffers_alloc(&b, &c) != 0) {
        fprintf(stderr, "out of memory\n");
        goto cleanup;
    }
    status = 0;
    for (size_t a = 0; a < c.nn; a++) {
        for (size_t k = 0; k < c.nd; k++) {
            int rc = measure(&c, &defaults, c.ns[a], c.ds[k], &b);
            if (rc < 0) {
                status = 1;
                goto cleanup;
            }
            status |= rc;
        }
    }
    size_t nmax = max_of(c.ns, c.nn);
    if (worse_fits > 0)
        printf("\n* %d row(s): gpbo's fit ended more than %g below scikit-learn's log marginal "
               "likelihood; its speedup is not for an equal fit.\n",
               worse_fits, LML_TOL);
    if (c.sk_max_n < nmax)
        printf("\nscikit-learn skipped for n > %zu (one fit there would take far more than a few "
               "minutes on this machine); --sklearn-max-n changes it.\n",
               c.sk_max_n);
    if (c.fit_max_n < nmax)
        printf("gpbo fit skipped for n > %zu (--fit-max-n).\n", c.fit_max_n);
cleanup:
    buffers_free(&b);
    return status;
}
