"""EHVI (Monte Carlo) against ParEGO past three objectives: DTLZ2 with 4 objectives and 6
inputs, the hypervolume gap to the true front (the positive orthant of the unit sphere: below
the reference (1.1, 1.1, 1.1, 1.1) it dominates 1.1^4 - pi^2 / 32) after each budget, and the
wall time of each ask past the initial design.

bayes_mo.c sends 4+ objectives to ParEGO whatever mo_acquisition says unless it is built with
-DGPBO_EHVI_MAX_OBJECTIVES=8 (or higher); so "ehvi" here is EHVI only in such a build.

Usage: PYTHONPATH=build/python python3 bench/python/mo4_ehvi_parego.py ACQ SEED [SEED ...]
(ACQ: ehvi, parego or random); prints one line per seed: gaps at 20, 30, 40, 50 and the ask
times (median, max) of asks 41-50.
"""
import math
import statistics
import sys
import time

import gpbo

K, D, BUDGETS = 4, 6, (20, 30, 40, 50)
REF = [1.1] * K
FRONT_HV = 1.1 ** K - math.pi ** 2 / 32


def dtlz2(x):
    g = sum((xi - 0.5) ** 2 for xi in x[K - 1:])
    out = []
    for m in range(K):
        v = 1 + g
        for xi in x[:K - 1 - m]:
            v *= math.cos(xi * math.pi / 2)
        if m > 0:
            v *= math.sin(x[K - 1 - m] * math.pi / 2)
        out.append(v)
    return out


def hv(rows):
    import ctypes as C
    lib = gpbo._lib.library("search")
    f = gpbo._lib.declare(lib, "gpbo_hypervolume", C.c_double,
                          [C.c_size_t, C.c_size_t, C.POINTER(C.c_double), C.POINTER(C.c_double)])
    flat = (C.c_double * (len(rows) * K))(*[v for r in rows for v in r])
    ref = (C.c_double * K)(*REF)
    return f(len(rows), K, flat, ref)


def run(acq, seed):
    space = {"x%d" % i: gpbo.Uniform(0, 1) for i in range(D)}
    kw = {"strategy": "random"} if acq == "random" else {"mo_acquisition": acq}
    st = gpbo.Study(space, objectives=["f%d" % j for j in range(K)], seed=seed, **kw)
    rows, gaps, times = [], {}, []
    for n in range(1, BUDGETS[-1] + 1):
        t0 = time.perf_counter()
        t = st.ask()
        times.append(time.perf_counter() - t0)
        y = dtlz2([t.params["x%d" % i] for i in range(D)])
        st.tell(t, y)
        rows.append(y)
        if n in BUDGETS:
            gaps[n] = FRONT_HV - hv(rows)
    st.close()
    late = times[40:50]
    return gaps, statistics.median(late), max(late)


if __name__ == "__main__":
    acq = sys.argv[1]
    for s in sys.argv[2:]:
        gaps, med, mx = run(acq, int(s))
        print("%s seed %s gaps %s ask41-50 median %.3f s max %.3f s" % (
            acq, s, " ".join("%d:%.4f" % (b, gaps[b]) for b in BUDGETS), med, mx), flush=True)
