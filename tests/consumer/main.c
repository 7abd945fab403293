/*
 * main.c: a program outside gpbo's tree, built against an installed gpbo by
 * tests/consumer/run.sh (CMake package and pkg-config). It uses each module it was told about
 * (GPBO_HAVE_<MODULE>) just enough to prove the headers and libraries link and work.
 */
#include <stdio.h>
#include <string.h>

#include <gpbo/gpbo.h>

int main(void)
{
    if (strcmp(gpbo_strerror(GPBO_EINVAL), "invalid argument") != 0) {
        fprintf(stderr, "unexpected gpbo_strerror text\n");
        return 1;
    }
#ifdef GPBO_HAVE_GP
    {
        /* Two observations, a fit with options initialized at this header's version (the
         * installed library's ABI, docs/abi.md), one prediction between them. */
        gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 1);
        double x[2] = {0.25, 0.75}, y[2] = {1.0, 3.0}, xq = 0.5, mean, var;
        gpbo_gp_fit_options fo;
        if (gp == NULL || gpbo_gp_set_data(gp, 2, x, y) != GPBO_OK ||
            gpbo_gp_fit_options_init(&fo, GPBO_GP_FIT_OPTIONS_VERSION) != GPBO_OK ||
            gpbo_gp_fit(gp, &fo) != GPBO_OK ||
            gpbo_gp_predict(gp, 1, &xq, &mean, &var) != GPBO_OK || !(mean > 1.0 && mean < 3.0) ||
            !(var > 0.0)) {
            fprintf(stderr, "gp: %s\n", gpbo_error_message());
            gpbo_gp_free(gp);
            return 1;
        }
        gpbo_gp_free(gp);
        printf("gp: mean %.3f at 0.5\n", mean);
    }
#endif
    printf("gpbo %s\n", gpbo_version());
    return 0;
}
