/*
 * acq_values.c: a helper of test_acq_reference.py. It reads lines "kind best_f mu var dmu dvar
 * sqrt_beta" (kind as gpbo_acq_kind's number, one coordinate) from stdin and prints, for each,
 * the utility and its gradient as gpbo_acq__utility() computes them (%.17g: the doubles
 * exactly), so that the script can hold them against mpmath. Exits 1 on a malformed line.
 */
#include <stdio.h>

#include "acq_internal.h"

int main(void)
{
    int kind, got;
    double best, mu, var, dmu, dvar, sqrt_beta;
    while ((got = scanf("%d %lf %lf %lf %lf %lf %lf", &kind, &best, &mu, &var, &dmu, &dvar,
                        &sqrt_beta)) == 7) {
        if (kind < GPBO_ACQ_EI || kind > GPBO_ACQ_LCB)
            return 1;
        double g, v = gpbo_acq__utility((gpbo_acq_kind)kind, best, sqrt_beta, 1, mu, var, &dmu,
                                        &dvar, &g);
        printf("%.17g %.17g\n", v, g);
    }
    return got == EOF ? 0 : 1;
}
