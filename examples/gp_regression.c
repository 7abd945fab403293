/*
 * gp_regression.c: the Gaussian-process library on its own (gpbo::gp, header gpbo/gp.h), as a C
 * program that needs a GP and nothing else of gpbo would use it. It draws 40 noisy samples of a
 * 2-D function in which x1 matters much more than x2, fits a GP with a Matérn 5/2 ARD kernel
 * (hyperparameters by maximum likelihood), prints the fitted lengthscales (ARD finds x2's long)
 * and noise level, predicts with standard deviations at held-out points, then saves the model
 * to a JSON file and loads it back.
 *
 * Usage: gp_regression [MODEL.json]     (default gp_regression.json in the current folder)
 *
 * Build against an installed gpbo: cc gp_regression.c $(pkg-config --cflags --libs gpbo-gp) -lm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gpbo/gp.h>

enum { DIM = 2, NTRAIN = 40, NGRID = 10 }; /* NGRID x NGRID held-out points */

/* The true noise standard deviation of the samples: the fit should find about this. */
static const double NOISE_SD = 0.05;

/* The function to learn, on [0, 1]^2: a wave along x1, a gentle slope along x2. */
static double truth(const double *x)
{
    return sin(6.0 * x[0]) + 0.3 * x[1];
}

/* Prints the fitted hyperparameters. They live in log space, in the order l_1 .. l_dim, s2,
 * sn2; s2 is in standardized units (the model is fitted to y scaled to mean 0 and std 1), while
 * gpbo_gp_noise_variance() gives the noise in the units of y. */
static int print_hyperparameters(const gpbo_gp *gp)
{
    double p[DIM + 2];
    gpbo_gp_fit_info info;
    if (gpbo_gp_get_params(gp, p) != GPBO_OK || gpbo_gp_get_fit_info(gp, &info) != GPBO_OK)
        return 1;
    printf("fit: log likelihood %.3f after %zu evaluations from %zu starts\n", info.objective,
           info.evaluations, info.starts);
    for (size_t j = 0; j < DIM; j++)
        printf("lengthscale x%zu = %.4f\n", j + 1, exp(p[j]));
    printf("signal variance = %.4f (standardized units)\n", exp(p[DIM]));
    printf("noise sd = %.4f (true %.4f)\n", sqrt(gpbo_gp_noise_variance(gp)), NOISE_SD);
    return 0;
}

/* The held-out points: the centres of an NGRID x NGRID grid, none of them a training input. */
static void held_out_grid(double *x)
{
    for (size_t i = 0; i < NGRID; i++)
        for (size_t k = 0; k < NGRID; k++) {
            x[(i * NGRID + k) * DIM + 0] = (i + 0.5) / NGRID;
            x[(i * NGRID + k) * DIM + 1] = (k + 0.5) / NGRID;
        }
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "gp_regression.json";
    enum { M = NGRID * NGRID };
    double x[NTRAIN * DIM], y[NTRAIN], xq[M * DIM], mean[M], var[M], mean2[M], var2[M];
    gpbo_gp *gp = NULL, *loaded = NULL;
    const char *step = NULL; /* the call that failed, for the message */
    int status = 1;

    /* Training data: uniform inputs, Gaussian noise, all from one seeded generator (the caller
     * owns it; the same seed gives the same data everywhere). */
    gpbo_rng rng;
    gpbo_rng_seed(&rng, 2024);
    for (size_t i = 0; i < NTRAIN; i++) {
        for (size_t j = 0; j < DIM; j++)
            x[i * DIM + j] = gpbo_rng_uniform(&rng);
        y[i] = truth(&x[i * DIM]) + NOISE_SD * gpbo_rng_normal(&rng);
    }

    /* A model is created with what never changes (kernel, dimension), then given data. */
    step = "gpbo_gp_new";
    if ((gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, DIM)) == NULL)
        goto cleanup;
    step = "gpbo_gp_set_data";
    if (gpbo_gp_set_data(gp, NTRAIN, x, y) != GPBO_OK)
        goto cleanup;

    /* Fitting is a call of its own; the options are a plain struct with defaults (4 random
     * restarts, learned noise) in which we change only what we need: the restarts' seed. */
    gpbo_gp_fit_options opts = GPBO_GP_FIT_OPTIONS_INIT;
    opts.seed = 7;
    step = "gpbo_gp_fit";
    if (gpbo_gp_fit(gp, &opts) != GPBO_OK || print_hyperparameters(gp) != 0)
        goto cleanup;

    /* Posterior mean and variance of f (without the observation noise) at every held-out point
     * in one call; a few of them printed, and the error over all of them. */
    held_out_grid(xq);
    step = "gpbo_gp_predict";
    if (gpbo_gp_predict(gp, M, xq, mean, var) != GPBO_OK)
        goto cleanup;
    printf("%8s %8s %10s %8s %10s\n", "x1", "x2", "mean", "sd", "true f");
    double sse = 0.0;
    size_t within2sd = 0;
    for (size_t i = 0; i < M; i++) {
        double f = truth(&xq[i * DIM]), sd = sqrt(var[i]), err = mean[i] - f;
        sse += err * err;
        within2sd += fabs(err) <= 2.0 * sd;
        if (i % 23 == 0) /* five points spread over the grid */
            printf("%8.3f %8.3f %10.4f %8.4f %10.4f\n", xq[i * DIM], xq[i * DIM + 1], mean[i], sd,
                   f);
    }
    printf("held-out rmse = %.4f over %d points, %zu within 2 sd\n", sqrt(sse / M), M, within2sd);

    /* Save and load: the file holds kernel, hyperparameters and data, with doubles written in
     * full, so the loaded model predicts exactly as the saved one. */
    step = path;
    if (gpbo_gp_save(gp, path) != GPBO_OK || (loaded = gpbo_gp_load(path)) == NULL ||
        gpbo_gp_predict(loaded, M, xq, mean2, var2) != GPBO_OK)
        goto cleanup;
    size_t same = 0;
    for (size_t i = 0; i < M; i++)
        same += mean2[i] == mean[i] && var2[i] == var[i];
    printf("saved to %s; the loaded model predicts %s\n", path,
           same == M ? "identically" : "differently");
    step = NULL; /* no gpbo call failed: a difference is reported above */
    status = same == M ? 0 : 1;

cleanup:
    if (status != 0 && step != NULL) /* the message is per thread: read it before more calls */
        fprintf(stderr, "gp_regression: %s: %s\n", step, gpbo_error_message());
    gpbo_gp_free(loaded); /* both accept NULL */
    gpbo_gp_free(gp);
    return status;
}
