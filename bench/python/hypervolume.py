#!/usr/bin/python3
"""gpbo_hypervolume's cost against Optuna 3.1's WFG (optuna._hypervolume.WFG) on the same fronts,
in one process: fronts of n points every one non-dominated (the positive orthant of a sphere,
reflected so that every objective is minimized), reference 1.1 in every objective. Prints the
median wall time of each over --repeats calls, their ratio, and the two values' relative
difference (they must agree). Optuna's WFG is pure Python and slow past a few hundred points in 4
objectives: fronts of more than --optuna-max points are timed for gpbo alone.

    PYTHONPATH=build/python /usr/bin/python3 bench/python/hypervolume.py [--repeats 3]
"""
import argparse
import ctypes as C
import time

import numpy as np
from optuna._hypervolume import WFG

import gpbo

DP = C.POINTER(C.c_double)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", default="3:100,3:500,4:50,4:100,4:500,5:50,5:100,5:300,5:500")
    ap.add_argument("--optuna-max", type=int, default=100)
    a = ap.parse_args()
    lib = gpbo._lib.library("search")
    hv = gpbo._lib.declare(lib, "gpbo_hypervolume", C.c_double, [C.c_size_t, C.c_size_t, DP, DP])
    print("gpbo %s, optuna WFG; median of %d calls" % (gpbo.__version__, a.repeats))
    print("  k    n |   gpbo s  optuna s  gpbo/optuna |  rel diff")
    for kn in a.sizes.split(","):
        k, n = (int(v) for v in kn.split(":"))
        rng = np.random.default_rng(1000 * k + n)
        y = np.abs(rng.normal(size=(n, k)))
        y = np.ascontiguousarray(-y / np.linalg.norm(y, axis=1, keepdims=True))
        ref = np.full(k, 1.1)
        tg, to = [], []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            vg = hv(n, k, y.ctypes.data_as(DP), ref.ctypes.data_as(DP))
            tg.append(time.perf_counter() - t0)
            if n <= a.optuna_max:
                t0 = time.perf_counter()
                vo = WFG().compute(y.copy(), ref.copy())
                to.append(time.perf_counter() - t0)
        g = float(np.median(tg))
        if not to:
            print("%3d %4d | %8.4f  %8s  %11s | %9s" % (k, n, g, "-", "-", "-"))
            continue
        o = float(np.median(to))
        print("%3d %4d | %8.4f  %8.4f  %11.4f | %9.1e" % (k, n, g, o, g / o, abs(vg - vo) / vo))


if __name__ == "__main__":
    main()
