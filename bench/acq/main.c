/*
 * bench/acq: what the gp and acquisition libraries' calls of one Bayesian-optimization step cost
 * with their default options. For n in {50, 200, 1000} observations of a smooth test function in
 * d in {2, 6, 20} dimensions it times:
 *   - the GP fit (gpbo_gp_fit, Matérn 5/2 ARD, from the default hyperparameters);
 *   - proposing 1 point (log-EI, 2048 Sobol points, 8 L-BFGS starts: acquisition.h's defaults);
 *   - proposing 4 points (Kriging believer: three O(n^2) fantasy updates on a copy);
 * median of a few repetitions, in milliseconds, and beside them the baseline of the same run:
 * the floor, one dpotrf + dpotri of the same n on the same kernels (what one likelihood
 * evaluation of the fit cannot avoid), and the fit's and the proposal's ratios to it.
 * The Bayesian strategy's own step (its choice among ARD, additive and warped models, 1024
 * points and 5 starts) is bench/steps'.
 *
 * Checked, so that a fast wrong answer does not pass for a fast one: every proposal lies in
 * [0,1]^d and the batch's 4 points are distinct (exit status 1 otherwise), and `vs rand` is the
 * proposal's log EI minus the largest log EI of 4096 uniform random points (not Sobol, another
 * seed): a maximizer that does its job gives a value >= 0 (marked '!' when not).
 *
 * Usage: acq_bench [--n LIST] [--d LIST] [--reps R] [--clock wall|cpu]
 *        (d at most 64, R from 1 to 50; cpu: the process's CPU time)
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpbo/acquisition.h"
#include "gpbo/gp.h"
#include "gpbo/rng.h"

/* --clock cpu: the process's CPU time instead of the wall clock (as gp_fit_bench's), so that on a
 * machine shared with other jobs the figures compare code rather than the load (one thread). */
static int cpu_clock = 0;

static double now(void)
{
    struct timespec ts;
    clock_gettime(cpu_clock ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int k)
{
    qsort(v, (size_t)k, sizeof *v, cmp);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

static size_t parse_list(const char *s, size_t *out, size_t cap)
{
    size_t k = 0;
    while (*s && k < cap) {
        char *end;
        out[k++] = strtoul(s, &end, 10);
        s = *end == ',' ? end + 1 : end;
        if (end == s && *s == '\0')
            break;
    }
    return k;
}

/* Levy-like smooth function on [0,1]^d, plus small noise. */
static double objective(const double *x, size_t d)
{
    double s = 0.0;
    for (size_t k = 0; k < d; k++) {
        double w = 1.0 + (4.0 * x[k] - 2.0) / 4.0;
        s += (w - 1) * (w - 1) * (1 + 10 * pow(sin(M_PI * w + 1), 2)) / (double)d;
    }
    return s;
}

#define DIM_MAX  64
#define REPS_MAX 50
#define RAND_PTS 4096

/* One dpotrf + dpotri of an n x n SPD matrix (a Matérn 1/2 K of the inputs x plus noise), the
 * median of reps: the floor of one likelihood evaluation. -1 when out of memory. */
static double floor_time(size_t n, size_t d, const double *x, int reps)
{
    double *k = malloc(n * n * sizeof *k), *w = malloc(n * n * sizeof *w), t[REPS_MAX];
    if (k == NULL || w == NULL) {
        free(k);
        free(w);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double r2 = 0.0;
            for (size_t c = 0; c < d; c++)
                r2 += (x[i * d + c] - x[j * d + c]) * (x[i * d + c] - x[j * d + c]);
            k[i * n + j] = exp(-sqrt(r2)) + (i == j ? 1e-2 : 0.0);
        }
    for (int r = 0; r < reps; r++) {
        memcpy(w, k, n * n * sizeof *w);
        double t0 = now();
        LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, w, (lapack_int)n);
        LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (lapack_int)n, w, (lapack_int)n);
        t[r] = now() - t0;
    }
    free(k);
    free(w);
    return median(t, reps);
}

/* Whether the q points x (q x d) lie in [0,1]^d and are pairwise distinct. */
static int proposals_valid(const double *x, size_t q, size_t d)
{
    for (size_t i = 0; i < q * d; i++)
        if (!(x[i] >= 0.0 && x[i] <= 1.0))
            return 0;
    for (size_t a = 0; a < q; a++)
        for (size_t b = a + 1; b < q; b++)
            if (memcmp(x + a * d, x + b * d, d * sizeof *x) == 0)
                return 0;
    return 1;
}

/* The largest log EI of RAND_PTS uniform random points (seeded apart from the proposals' Sobol
 * points) on gp against best_f, or NaN. */
static double best_random(const gpbo_gp *gp, const gpbo_acq_options *o, double best_f, size_t d)
{
    double *x = malloc(RAND_PTS * d * sizeof *x), *v = malloc(RAND_PTS * sizeof *v), best = NAN;
    gpbo_acq *acq = gpbo_acq_new(gp, o, best_f);
    gpbo_rng r;
    gpbo_rng_seed(&r, 12345);
    if (x && v && acq) {
        for (size_t i = 0; i < RAND_PTS * d; i++)
            x[i] = gpbo_rng_uniform(&r);
        if (gpbo_acq_eval(acq, RAND_PTS, x, v, NULL) == GPBO_OK) {
            best = -INFINITY;
            for (size_t i = 0; i < RAND_PTS; i++)
                best = v[i] > best ? v[i] : best;
        }
    }
    gpbo_acq_free(acq);
    free(x);
    free(v);
    return best;
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--n LIST] [--d LIST (each 1 to %d)] [--reps R (1 to %d)] "
            "[--clock wall|cpu]\n",
            argv0, DIM_MAX, REPS_MAX);
    return 2;
}

int main(int argc, char **argv)
{
    size_t ns[8] = {50, 200, 1000}, ds[8] = {2, 6, 20}, nn = 3, nd = 3;
    int reps = 3;
    if (argc % 2 == 0)
        return usage(argv[0]);
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--n") == 0)
            nn = parse_list(argv[i + 1], ns, 8);
        else if (strcmp(argv[i], "--d") == 0)
            nd = parse_list(argv[i + 1], ds, 8);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--clock") == 0 &&
                 (!strcmp(argv[i + 1], "cpu") || !strcmp(argv[i + 1], "wall")))
            cpu_clock = !strcmp(argv[i + 1], "cpu");
        else
            return usage(argv[0]);
    }
    for (size_t b = 0; b < nd; b++)
        if (ds[b] < 1 || ds[b] > DIM_MAX)
            return usage(argv[0]);
    for (size_t a = 0; a < nn; a++)
        if (ns[a] < 2)
            return usage(argv[0]);
    if (reps < 1 || reps > REPS_MAX)
        return usage(argv[0]);
    printf("acq: Matern 5/2 ARD, default fit; log-EI, default proposal options "
           "(2048 Sobol points, 8 L-BFGS starts); batch of 4 by Kriging believer\n");
    printf("OpenBLAS threads: %d, kernels: %s; %s ms, median of %d; floor = one dpotrf + "
           "dpotri of the same n, same run\n",
           openblas_get_num_threads(), openblas_get_corename(), cpu_clock ? "CPU" : "wall-clock",
           reps);
    printf("vs rand = log EI of the proposal - the best of %d uniform random points (>= 0 "
           "expected)\n\n",
           RAND_PTS);
    printf("    n   d |   GP fit | propose 1 | propose 4 | total 1 | total 4 |    floor  fit/fl  "
           "p1/fl | vs rand\n");
    int status = 0;
    for (size_t a = 0; a < nn; a++) {
        for (size_t b = 0; b < nd; b++) {
            size_t n = ns[a], d = ds[b];
            double *x = malloc(n * d * sizeof *x), *y = malloc(n * sizeof *y);
            double tf[REPS_MAX], t1[REPS_MAX], t4[REPS_MAX], out[4 * DIM_MAX], v1 = NAN, gap = NAN;
            if (x == NULL || y == NULL) {
                fprintf(stderr, "acq_bench: out of memory at n = %zu, d = %zu\n", n, d);
                free(x);
                free(y);
                return 1;
            }
            gpbo_rng r;
            gpbo_rng_seed(&r, 1000 * n + d);
            double ymin = INFINITY;
            for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < d; k++)
                    x[i * d + k] = gpbo_rng_uniform(&r);
                y[i] = objective(x + i * d, d) + 0.01 * gpbo_rng_normal(&r);
                ymin = y[i] < ymin ? y[i] : ymin;
            }
            int ok = 1, valid = 1;
            for (int rep = 0; rep < reps && ok; rep++) {
                gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
                ok = gp != NULL && gpbo_gp_set_data(gp, n, x, y) == GPBO_OK;
                double t0 = now();
                ok = ok && gpbo_gp_fit(gp, NULL) == GPBO_OK;
                tf[rep] = now() - t0;
                gpbo_acq_options o = GPBO_ACQ_OPTIONS_INIT;
                o.seed = (uint64_t)rep;
                t0 = now();
                ok = ok && gpbo_acq_propose(gp, &o, NAN, 0, NULL, 1, out, &v1) == GPBO_OK;
                t1[rep] = now() - t0;
                valid &= !ok || proposals_valid(out, 1, d);
                if (ok && rep == 0) /* the check, untimed: the first repetition's proposal */
                    gap = v1 - best_random(gp, &o, ymin, d);
                t0 = now();
                ok = ok && gpbo_acq_propose(gp, &o, NAN, 0, NULL, 4, out, NULL) == GPBO_OK;
                t4[rep] = now() - t0;
                valid &= !ok || proposals_valid(out, 4, d);
                gpbo_gp_free(gp);
            }
            if (!ok) {
                printf("%5zu %3zu | failed: %s\n", n, d, gpbo_error_message());
                status = 1;
            } else {
                double f = median(tf, reps) * 1e3, p1 = median(t1, reps) * 1e3,
                       p4 = median(t4, reps) * 1e3, fl = floor_time(n, d, x, reps) * 1e3;
                printf("%5zu %3zu | %8.1f | %9.1f | %9.1f | %7.1f | %7.1f | %8.3f %7.0f %6.1f | "
                       "%+7.3f%s%s\n",
                       n, d, f, p1, p4, f + p1, f + p4, fl, f / fl, p1 / fl, gap,
                       gap >= 0 ? "" : " !", valid ? "" : " PROPOSAL OUTSIDE [0,1]^d OR REPEATED");
                status |= !valid;
            }
            fflush(stdout);
            free(x);
            free(y);
        }
    }
    return status;
}
