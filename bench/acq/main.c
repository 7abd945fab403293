/*
 * bench/acq: what one Bayesian-optimization step costs. For n in {50, 200, 1000} observations
 * of a smooth test function in d in {2, 6, 20} dimensions it times, with default options:
 *   - the GP fit (gpbo_gp_fit, Matérn 5/2 ARD, from the default hyperparameters);
 *   - proposing 1 point (log-EI, 2048 Sobol points, 8 L-BFGS starts);
 *   - proposing 4 points (Kriging believer: three O(n^2) fantasy updates on a copy);
 * median of a few repetitions, in milliseconds.
 * Usage: acq_bench [--n LIST] [--d LIST] [--reps R]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpbo/acquisition.h"
#include "gpbo/gp.h"
#include "gpbo/rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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

int main(int argc, char **argv)
{
    size_t ns[8] = {50, 200, 1000}, ds[8] = {2, 6, 20}, nn = 3, nd = 3;
    int reps = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--n") == 0)
            nn = parse_list(argv[i + 1], ns, 8);
        else if (strcmp(argv[i], "--d") == 0)
            nd = parse_list(argv[i + 1], ds, 8);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
    }
    if (reps < 1 || reps > 50)
        reps = 3;
    printf("acq: Matern 5/2 ARD, default fit; log-EI, default proposal options "
           "(2048 Sobol points, 8 L-BFGS starts); batch of 4 by Kriging believer\n");
    printf("times in ms, median of %d\n\n", reps);
    printf("    n   d |   GP fit | propose 1 | propose 4 | total 1 | total 4\n");
    for (size_t a = 0; a < nn; a++) {
        for (size_t b = 0; b < nd; b++) {
            size_t n = ns[a], d = ds[b];
            double *x = malloc(n * d * sizeof *x), *y = malloc(n * sizeof *y);
            double tf[50], t1[50], t4[50], out[4 * 20 * 8];
            gpbo_rng r;
            gpbo_rng_seed(&r, 1000 * n + d);
            for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < d; k++)
                    x[i * d + k] = gpbo_rng_uniform(&r);
                y[i] = objective(x + i * d, d) + 0.01 * gpbo_rng_normal(&r);
            }
            int ok = 1;
            for (int rep = 0; rep < reps && ok; rep++) {
                gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, d);
                gpbo_gp_set_data(gp, n, x, y);
                double t0 = now();
                ok = gpbo_gp_fit(gp, NULL) == GPBO_OK;
                tf[rep] = now() - t0;
                gpbo_acq_options o = GPBO_ACQ_OPTIONS_INIT;
                o.seed = (uint64_t)rep;
                t0 = now();
                ok = ok && gpbo_acq_propose(gp, &o, NAN, 0, NULL, 1, out, NULL) == GPBO_OK;
                t1[rep] = now() - t0;
                t0 = now();
                ok = ok && gpbo_acq_propose(gp, &o, NAN, 0, NULL, 4, out, NULL) == GPBO_OK;
                t4[rep] = now() - t0;
                gpbo_gp_free(gp);
            }
            if (!ok) {
                printf("%5zu %3zu | failed\n", n, d);
            } else {
                double f = median(tf, reps) * 1e3, p1 = median(t1, reps) * 1e3,
                       p4 = median(t4, reps) * 1e3;
                printf("%5zu %3zu | %8.1f | %9.1f | %9.1f | %7.1f | %7.1f\n", n, d, f, p1, p4,
                       f + p1, f + p4);
            }
            fflush(stdout);
            free(x);
            free(y);
        }
    }
    return 0;
}
