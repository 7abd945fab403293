#!/usr/bin/python3
"""bench/python/recommend_scale.py: what one Study.recommend() (gpbo_study_recommend) costs on
Bayesian studies of many trials, and, with --exact, what the exact GP of every observation (the
recommendation before 2026-12-07, gpbo_study_recommend_capped with no cap) costs on the same
study.

Each study: 4 floats in [0, 1], a noisy bowl (value = sum (x_i - 0.3)^2 + N(0, 0.05^2), as
bench/dashboard's), random points added with add_trial (no fit per trial), in memory. One
recommendation each, timed in process CPU (time.process_time: run with OPENBLAS_NUM_THREADS=1)
and wall clock. Columns: trials, the observations the model held (1000 past 1000: the capped
model), CPU and wall seconds, the trial recommended and its true value (the bowl without the
noise), the best observed trial's true value; with --exact the same for the exact GP.

Usage: OPENBLAS_NUM_THREADS=1 PYTHONPATH=build/python /usr/bin/python3 \\
           bench/python/recommend_scale.py [--trials 1100,3000] [--exact]
"""
import argparse
import ctypes as C
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ask_tell_vs_optuna import openblas  # noqa: E402

import gpbo  # noqa: E402
from gpbo import study as gs  # noqa: E402


def truth(p):
    return sum((v - 0.3) ** 2 for v in p.values())


def make(n, seed):
    st = gpbo.Study({"x%d" % i: gpbo.Uniform(0, 1) for i in range(4)}, seed=seed)
    rng = random.Random(seed)
    for _ in range(n):
        p = {"x%d" % i: rng.random() for i in range(4)}
        st.add_trial(p, truth(p) + rng.gauss(0, 0.05))
    return st


def timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def exact(st):
    """The exact GP's recommendation (the old gpbo_study_recommend): no cap."""
    info, predicted, total = gs.TrialInfo(), C.c_double(), gs._SZ()
    rc = gs._s.gpbo_study_recommend_capped(st._handle(), C.c_size_t(-1).value, C.byref(info),
                                           C.byref(predicted), C.byref(total))
    if rc != 0:
        raise gpbo.GpboError("exact recommendation: %d" % rc)
    return st._record(info), total.value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", default="1100,3000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--exact", action="store_true")
    a = ap.parse_args()
    print("gpbo %s, %s, OPENBLAS_NUM_THREADS=%s" % (gpbo.version(), openblas(),
                                                     os.environ.get("OPENBLAS_NUM_THREADS", "-")))
    print("trials  held   cpu s  wall s   rec  rec true  best true" +
          ("   exact cpu s  wall s   rec  rec true" if a.exact else ""))
    for n in (int(x) for x in a.trials.split(",")):
        st = make(n, a.seed)
        r, cpu, wall = timed(st.recommend)
        line = "%6d  %4d  %6.2f  %6.2f  %4d  %8.4f  %9.4f" % (
            n, r.observations, cpu, wall, r.trial.id, truth(r.trial.params),
            truth(st.best_trial.params))
        if a.exact:
            (rec, _), cpu, wall = timed(lambda: exact(st))
            line += "   %11.2f  %6.2f  %4d  %8.4f" % (cpu, wall, rec.id, truth(rec.params))
        print(line, flush=True)


if __name__ == "__main__":
    main()
