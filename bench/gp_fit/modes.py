#!/usr/bin/python3
"""bench/gp_fit/modes.py: how often gpbo's default hyperparameter fit ends in a worse mode of the
log marginal likelihood than scikit-learn's, on many random problems.

Each problem: n in {20, 50, 100, 200} uniform inputs in [0, 1]^d, d in {1, 2, 4, 6, 10}, a smooth
or a rough function of them, without noise or with noise of 0.1 of its spread, fitted with an ARD
Matérn 5/2 or squared-exponential kernel. Both sides fit the same model, as in main.c and
sklearn_fit.py: signal variance times the kernel plus a noise variance, y standardized (both
likelihoods are of the standardized y), the start l = 1, s2 = 1, sn2 = 1e-4 and gpbo's default
bounds (l, s2 in [1e-3, 1e3], sn2 in [1e-6, 10]). gpbo's fit is its default (gpbo_gp_fit with
GPBO_GP_FIT_OPTIONS_INIT: 10 restarts besides the start, through the Python binding), seeded by the
problem's index; scikit-learn's is GaussianProcessRegressor with n_restarts_optimizer = 4 and 10
(random_state the same index). scikit-learn's optimum is also evaluated by gpbo's likelihood
(column "at sk"), which shows that the two likelihoods are one function: a gap is a mode missed,
not a different objective.

It reports, for each scikit-learn restart count: the problems where gpbo's likelihood is below
scikit-learn's by more than 0.1 and 1 nat, the worst gaps, and both sides' CPU time (the process's
CPU time, one OpenBLAS thread unless OPENBLAS_NUM_THREADS says otherwise).

Usage: PYTHONPATH=build/python /usr/bin/python3 bench/gp_fit/modes.py [--seeds 1] [--n 20,50,100,200]
           [--d 1,2,4,6,10] [--sk-restarts 4,10] [--gpbo-restarts 10] [--verbose] [--json FILE]
"""
import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.gaussian_process import GaussianProcessRegressor as SkGPR  # noqa: E402
from sklearn.gaussian_process.kernels import (RBF, ConstantKernel, Matern,  # noqa: E402
                                              WhiteKernel)

import gpbo  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from gp_vs_sklearn import openblas  # noqa: E402

KERNELS = ("matern52", "se")
FUNCS = ("smooth", "rough")
NOISES = (0.0, 0.1)


def function(kind, rng, X):
    """A smooth function (two low-frequency waves along random directions) or a rough one
    (higher frequencies in every coordinate and a kink), both of spread about 1."""
    n, d = X.shape
    if kind == "smooth":
        w = rng.normal(size=d)
        return np.sin(3.0 * X @ w) + 0.5 * np.cos(7.0 * X[:, 0])
    f = np.zeros(n)
    for j in range(d):
        f += np.sin(2.0 * np.pi * rng.uniform(2.0, 5.0) * X[:, j] + rng.uniform(0, 2 * np.pi))
    c = rng.uniform(size=d)
    return f / np.sqrt(d) + 2.0 * np.abs(X - c).sum(axis=1) / d


def problems(a):
    """(index, n, d, function, noise, kernel, X, y) of every problem, the same on every run."""
    p = 0
    for seed in range(a.seeds):
        for n in a.n:
            for d in a.d:
                for kind in FUNCS:
                    for noise in NOISES:
                        for kernel in KERNELS:
                            rng = np.random.RandomState(7919 + p)
                            X = rng.uniform(size=(n, d))
                            f = function(kind, rng, X)
                            y = f + noise * f.std() * rng.normal(size=n)
                            yield p, n, d, kind, noise, kernel, X, y
                            p += 1


def sk_fit(kernel, X, y, restarts, seed):
    d = X.shape[1]
    base = RBF(np.ones(d), (1e-3, 1e3)) if kernel == "se" else Matern(np.ones(d), (1e-3, 1e3),
                                                                        nu=2.5)
    k = ConstantKernel(1.0, (1e-3, 1e3)) * base + WhiteKernel(1e-4, (1e-6, 1e1))
    m = SkGPR(k, alpha=0.0, n_restarts_optimizer=restarts, normalize_y=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.process_time()
        m.fit(X, y)
        t = time.process_time() - t0
    th = m.kernel_.theta  # log s2, log l_1..l_d, log sn2
    return m.log_marginal_likelihood_value_, t, np.concatenate([th[1:d + 1], th[:1], th[d + 1:]])


def gp_fit(kernel, X, y, restarts, seed):
    t0 = time.process_time()
    m = gpbo.GaussianProcessRegressor(kernel=kernel, n_restarts=restarts, random_state=seed)
    m.fit(X, y)
    return m, time.process_time() - t0


def summary(rows, R, worst):
    gaps = np.array([r["sk"][R]["lml"] - r["gpbo"] for r in rows])
    tg = sum(r["gpbo_s"] for r in rows)
    ts = sum(r["sk"][R]["s"] for r in rows)
    ratio = np.median([r["sk"][R]["s"] / r["gpbo_s"] for r in rows])
    N = len(rows)
    print("\nscikit-learn with %d restarts, %d problems: gpbo below by > 0.1 nat on %d (%.1f %%), "
          "by > 1 nat on %d (%.1f %%); above by > 0.1 on %d, by > 1 on %d"
          % (R, N, (gaps > 0.1).sum(), 100.0 * (gaps > 0.1).mean(), (gaps > 1).sum(),
             100.0 * (gaps > 1).mean(), (gaps < -0.1).sum(), (gaps < -1).sum()))
    print("CPU s in total: gpbo %.2f, scikit-learn %.2f (%.1fx; median per problem %.1fx)"
          % (tg, ts, ts / tg, ratio))
    for key, vals in (("kernel", KERNELS), ("n", sorted({r["n"] for r in rows})),
                      ("d", sorted({r["d"] for r in rows})), ("function", FUNCS),
                      ("noise", NOISES)):
        parts = []
        for v in vals:
            sel = np.array([r[key] == v for r in rows])
            parts.append("%s %d/%d" % (v, (gaps[sel] > 1).sum(), sel.sum()))
        print("  > 1 nat by %-8s: %s" % (key, ", ".join(parts)))
    order = np.argsort(-gaps)[:worst]
    print("  worst gaps:   #    n  d function noise kernel   |   lml gpbo  lml sklearn   "
          "at sk (gpbo)     gap")
    for i in order:
        r = rows[i]
        print("             %4d %4d %2d %-8s %5.2f %-8s | %10.4f %12.4f %12.4f %+9.4f"
              % (r["p"], r["n"], r["d"], r["function"], r["noise"], r["kernel"], r["gpbo"],
                 r["sk"][R]["lml"], r["sk"][R]["at"], gaps[i]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=1, help="problems per (n, d, function, noise, "
                    "kernel)")
    ap.add_argument("--n", default="20,50,100,200")
    ap.add_argument("--d", default="1,2,4,6,10")
    ap.add_argument("--sk-restarts", default="4,10")
    ap.add_argument("--gpbo-restarts", type=int, default=10,
                    help="the library's default (GPBO_GP_FIT_OPTIONS_INIT)")
    ap.add_argument("--worst", type=int, default=10)
    ap.add_argument("--verbose", action="store_true", help="a line per problem")
    ap.add_argument("--json", help="write every problem's figures to this file")
    a = ap.parse_args()
    a.n = [int(v) for v in a.n.split(",")]
    a.d = [int(v) for v in a.d.split(",")]
    sk_restarts = [int(v) for v in a.sk_restarts.split(",")]
    core, threads = openblas()
    print("gpbo %s, OpenBLAS threads: %s, kernels: %s; gpbo restarts %d, scikit-learn restarts %s"
          % (gpbo.__version__, threads, core, a.gpbo_restarts, a.sk_restarts))
    rows = []
    for p, n, d, kind, noise, kernel, X, y in problems(a):
        m, gs = gp_fit(kernel, X, y, a.gpbo_restarts, p)
        row = {"p": p, "n": n, "d": d, "function": kind, "noise": noise, "kernel": kernel,
               "gpbo": m.log_marginal_likelihood_value_, "gpbo_s": gs,
               "gpbo_theta": m.hyperparameters_.tolist(), "sk": {}}
        for R in sk_restarts:
            sl, ss, sth = sk_fit(kernel, X, y, R, p)
            try:
                at = m.log_marginal_likelihood(sth)
            except (ValueError, RuntimeError):
                at = float("nan")
            row["sk"][R] = {"lml": sl, "s": ss, "at": at, "theta": sth.tolist()}
        rows.append(row)
        if a.verbose:
            print("%4d n=%3d d=%2d %-6s noise %.1f %-8s gpbo %10.4f (%.3f s) | %s" % (
                p, n, d, kind, noise, kernel, row["gpbo"], gs, " | ".join(
                    "sk%d %10.4f at %10.4f (%.3f s)" % (R, v["lml"], v["at"], v["s"])
                    for R, v in row["sk"].items())), flush=True)
    for R in sk_restarts:
        summary(rows, R, a.worst)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(rows, fh)


if __name__ == "__main__":
    main()
