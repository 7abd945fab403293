#!/usr/bin/python3
"""bench/python/gp_vs_sklearn.py: gpbo.GaussianProcessRegressor against scikit-learn's, fit time
and log marginal likelihood at n = 100, 300, 1000 (d = 6), in one run of one process.

Both fit the same data with the same model: Matérn 5/2 ARD times a signal variance plus a noise
variance, y standardized, the start l = 1, s2 = 1, sn2 = 1e-4, gpbo's default bounds (l, s2 in
[1e-3, 1e3], sn2 in [1e-6, 10]) and 4 random restarts besides the start. gpbo's is its default
fit (gpbo_gp_fit: L-BFGS with racing restarts, in C); scikit-learn's is L-BFGS-B (scipy) on its
own likelihood. Both likelihoods are of the standardized y. Each (n, repeat) fits gpbo then
scikit-learn on fresh data; times are wall clock and the process's CPU time. The header names
the OpenBLAS kernels and threads both ran on (asked of the loaded OpenBLAS, which numpy and gpbo
share); a row whose gpbo fit ended more than 1e-4 below scikit-learn's likelihood (the test
suite's tolerance) is marked '*': its speedup is not for an equal fit.

Usage: OPENBLAS_NUM_THREADS=1 PYTHONPATH=build/python /usr/bin/python3 \
           bench/python/gp_vs_sklearn.py [--n 100,300,1000] [--d 6] [--repeats 1]
"""
import argparse
import ctypes
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor as SkGPR
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

import gpbo


LML_TOL = 1e-4


def openblas():
    """(kernels, threads) of the OpenBLAS loaded in this process, or what the environment asks."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode(), str(lib.openblas_get_num_threads())
    except (OSError, AttributeError):
        return ("OPENBLAS_CORETYPE=" + os.environ.get("OPENBLAS_CORETYPE", "-"),
                os.environ.get("OPENBLAS_NUM_THREADS", "-"))


def problem(seed, n, d):
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, d))
    w = rng.normal(size=d)
    y = np.sin(3.0 * X @ w) + 0.5 * np.cos(7.0 * X[:, 0]) + 0.1 * rng.normal(size=n)
    return X, y


def timed(fit):
    w0, c0 = time.perf_counter(), time.process_time()
    model = fit()
    return model, time.perf_counter() - w0, time.process_time() - c0


def sklearn_fit(X, y, restarts, seed):
    d = X.shape[1]
    k = (ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.ones(d), (1e-3, 1e3), nu=2.5)
         + WhiteKernel(1e-4, (1e-6, 1e1)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SkGPR(k, alpha=0.0, n_restarts_optimizer=restarts, normalize_y=True,
                     random_state=seed).fit(X, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="100,300,1000")
    ap.add_argument("--d", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--restarts", type=int, default=4)
    a = ap.parse_args()
    core, threads = openblas()
    print("gpbo %s, OpenBLAS threads: %s, kernels: %s" % (gpbo.__version__, threads, core))
    print("   n  d rep |  gpbo s   cpu s |  sklearn s   cpu s | wall x  cpu x |"
          "   lml gpbo  lml sklearn      diff")
    worse_rows = 0
    for n in [int(v) for v in a.n.split(",")]:
        for rep in range(a.repeats):
            X, y = problem(1000 * rep + n, n, a.d)
            g, gw, gc = timed(lambda: gpbo.GaussianProcessRegressor(
                n_restarts=a.restarts, random_state=rep).fit(X, y))
            s, sw, sc = timed(lambda: sklearn_fit(X, y, a.restarts, rep))
            gl, sl = g.log_marginal_likelihood_value_, s.log_marginal_likelihood_value_
            worse = not gl >= sl - LML_TOL
            worse_rows += worse
            print("%4d %2d %3d | %7.3f %7.3f | %10.3f %7.3f | %6.1f %6.1f | %10.4f %12.4f %+9.2e%s"
                  % (n, a.d, rep, gw, gc, sw, sc, sw / gw, sc / gc, gl, sl, gl - sl,
                     " *" if worse else ""), flush=True)
    if worse_rows:
        print("* %d row(s): gpbo's fit ended more than %g below scikit-learn's likelihood; "
              "its speedup is not for an equal fit." % (worse_rows, LML_TOL))


if __name__ == "__main__":
    main()
