#!/usr/bin/python3
"""The scikit-learn side of bench/gp_fit: fits GaussianProcessRegressor to the data the C
program wrote and prints "<fit seconds> <log marginal likelihood>".

Model, matching gpbo's default fit: ConstantKernel * Matern(nu=2.5, ARD) + WhiteKernel, y
standardized (normalize_y=True; gpbo's likelihood is also that of the standardized y), the start
l = 1, s2 = 1, sn2 = 1e-4 and gpbo's default bounds (l, s2 in [1e-3, 1e3], sn2 in [1e-6, 10]).

The fit is timed with the clock the C program uses (gp_fit_bench --clock): "wall"
(time.perf_counter, the default) or "cpu" (time.process_time, the process's CPU time), so that
the ratio compares like with like.

Usage: sklearn_fit.py DATA N D RESTARTS [wall|cpu]
       (DATA: N*D doubles of x then N doubles of y, native)
"""
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel


def main():
    path, n, d, restarts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    clock = time.process_time if len(sys.argv) > 5 and sys.argv[5] == "cpu" else time.perf_counter
    raw = np.fromfile(path, dtype=np.float64)
    X = raw[: n * d].reshape(n, d)
    y = raw[n * d: n * d + n]
    kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.ones(d), (1e-3, 1e3), nu=2.5)
              + WhiteKernel(1e-4, (1e-6, 1e1)))
    gp = GaussianProcessRegressor(kernel, alpha=0.0, n_restarts_optimizer=restarts,
                                  normalize_y=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = clock()
        gp.fit(X, y)
        t = clock() - t0
    print(f"{t:.6f} {gp.log_marginal_likelihood_value_:.10f}")


if __name__ == "__main__":
    main()
