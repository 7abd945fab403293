#!/usr/bin/env python3
"""The sweep file's normal quantile (cli/sweep.c: the program gets mu + sigma * Phi^-1(u) of the
quantile u the space holds, u in [1e-6, 1 - 1e-6]): GSL's gsl_cdf_ugaussian_Pinv, which gpbo uses
since 2026-12-06 (branch sweep2), against the approximation it replaced (Acklam's rational
approximation and one Halley step on erfc, kept below as it was), both against mpmath at 60
digits: 1e-6, 1e-3, 0.5, 1 - 1e-6, the approximation's region ends, and 6000 seeded points (4000
uniform, 2000 log-spread over both tails). Errors in units in the last place of the exact value.
Not a test: tests/cli/test_sweep_normal.c checks gpbo's quantile against a long-double reference.

Usage: /usr/bin/python3 bench/python/normal_quantile.py   (needs cc, GSL, python3-mpmath)
"""
import math
import os
import random
import subprocess
import sys
import tempfile

import mpmath

C = r"""
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>
static double norm_cdf(double z) { return 0.5 * erfc(-z / M_SQRT2); }
static double norm_ppf(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    double x, q, r;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - 0.02425) {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double e = norm_cdf(x) - p, u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}
int main(void)
{
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        double p = strtod(line, NULL);
        printf("%a %a %a\n", p, norm_ppf(p), gsl_cdf_ugaussian_Pinv(p));
    }
    return 0;
}
"""


def main():
    mpmath.mp.dps = 60
    random.seed(2385)
    named = [1e-6, 1e-3, 0.5, 1 - 1e-6, 0.02425, 1 - 0.02425, 0.975, 0.025]
    pts = named + [random.uniform(1e-6, 1 - 1e-6) for _ in range(4000)]
    pts += [math.exp(random.uniform(math.log(1e-6), math.log(0.05))) for _ in range(1000)]
    pts += [1 - math.exp(random.uniform(math.log(1e-6), math.log(0.05))) for _ in range(1000)]
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "q.c"), os.path.join(d, "q")
        with open(src, "w") as f:
            f.write(C)
        subprocess.run(["cc", "-O2", "-o", exe, src, "-lgsl", "-lopenblas", "-lm"], check=True)
        out = subprocess.run([exe], input="".join(float.hex(p) + "\n" for p in pts),
                             capture_output=True, text=True, check=True).stdout.split()

    def ulps(a, exact):
        return float(abs(mpmath.mpf(a) - exact) / mpmath.mpf(math.ulp(float(exact)) or 5e-324))
    worst = {"old": (0.0, 0.0), "gsl": (0.0, 0.0)}
    total = {"old": 0.0, "gsl": 0.0}
    print("          p |            exact |  old ulps |  gsl ulps")
    for k in range(0, len(out), 3):
        p, a, g = (float.fromhex(x) for x in out[k:k + 3])
        exact = mpmath.sqrt(2) * mpmath.erfinv(2 * mpmath.mpf(p) - 1)
        e = {"old": ulps(a, exact), "gsl": ulps(g, exact)}
        for w in e:
            total[w] += e[w]
            if e[w] > worst[w][0]:
                worst[w] = (e[w], p)
        if k // 3 < len(named):
            print(f"{p:11.6g} | {float(exact):16.12f} | {e['old']:9.2f} | {e['gsl']:9.2f}")
    n = len(pts)
    for w in ("old", "gsl"):
        print(f"{w}: mean {total[w] / n:.3f} ulps, worst {worst[w][0]:.2f} ulps at "
              f"p = {worst[w][1]!r} ({n} points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
