#!/usr/bin/python3
"""bench/python/ask_tell_vs_optuna.py: what one study.ask() + tell() costs in-process, gpbo's
Python package against Optuna (Debian's python3-optuna), in one run of one process.

The objective is free (the sum of the parameters), so the time is the library's: d float
parameters in [0, 1], N trials in an in-memory study, asked and told one after the other. gpbo:
gpbo.Study(strategy="random" | "sobol" | "bayes"), ask() then tell(trial, value). Optuna:
optuna.create_study(sampler=RandomSampler | TPESampler), ask(distributions) (all parameters at
once, as gpbo's ask) then tell(trial, value). Random and Sobol run --trials trials; the
model-based samplers (gpbo's GP, Optuna's TPE) --model-trials, their cost growing with the
trials told. The sides alternate --rounds times; the table gives each one's median of the
rounds, microseconds per ask + tell, wall clock, and beside it the median of the rounds' best
values (the sum of the parameters is minimized: the sides' searches are seen to do the same job;
a fast ask that hands out a poor or constant point would show there). The header names the
OpenBLAS kernels and threads (the bayes strategy's GP runs on them).

Usage: OPENBLAS_NUM_THREADS=1 PYTHONPATH=build/python /usr/bin/python3 \
           bench/python/ask_tell_vs_optuna.py [--trials 1000] [--model-trials 100] [--d 6]
           [--rounds 3]
"""
import argparse
import ctypes
import os
import statistics
import time

import optuna

import gpbo

optuna.logging.set_verbosity(optuna.logging.WARNING)


def openblas():
    """'kernels K, threads T' of the OpenBLAS loaded in this process (gpbo's and numpy's)."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return "OpenBLAS kernels: %s, threads: %d" % (lib.openblas_get_corename().decode(),
                                                      lib.openblas_get_num_threads())
    except (OSError, AttributeError):
        return "OPENBLAS_CORETYPE=%s" % os.environ.get("OPENBLAS_CORETYPE", "-")


def gpbo_run(strategy, n, d, seed):
    study = gpbo.Study({"x%d" % k: gpbo.Uniform(0.0, 1.0) for k in range(d)},
                       strategy=strategy, seed=seed)
    best = float("inf")
    t0 = time.perf_counter()
    for _ in range(n):
        t = study.ask()
        v = sum(t.params.values())
        study.tell(t, v)
        best = min(best, v)
    dt = time.perf_counter() - t0
    study.close()
    return dt, best


def optuna_run(sampler, n, d, seed):
    dists = {"x%d" % k: optuna.distributions.FloatDistribution(0.0, 1.0) for k in range(d)}
    s = (optuna.samplers.RandomSampler(seed=seed) if sampler == "random"
         else optuna.samplers.TPESampler(seed=seed))
    study = optuna.create_study(sampler=s)
    best = float("inf")
    t0 = time.perf_counter()
    for _ in range(n):
        t = study.ask(dists)
        v = sum(t.params.values())
        study.tell(t, v)
        best = min(best, v)
    return time.perf_counter() - t0, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--model-trials", type=int, default=100)
    ap.add_argument("--d", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    n, m = a.trials, a.model_trials
    runs = [("gpbo random", n, lambda s: gpbo_run("random", n, a.d, s)),
            ("optuna random", n, lambda s: optuna_run("random", n, a.d, s)),
            ("gpbo sobol", n, lambda s: gpbo_run("sobol", n, a.d, s)),
            ("gpbo bayes", m, lambda s: gpbo_run("bayes", m, a.d, s)),
            ("optuna tpe", m, lambda s: optuna_run("tpe", m, a.d, s))]
    times = {name: [] for name, _, _ in runs}
    bests = {name: [] for name, _, _ in runs}
    for r in range(a.rounds):
        for name, _, run in runs:
            t, b = run(r)
            times[name].append(t)
            bests[name].append(b)
    print("gpbo %s, optuna %s: d = %d, median of %d rounds; %s"
          % (gpbo.__version__, optuna.__version__, a.d, a.rounds, openblas()))
    print("%-14s %7s %12s %10s" % ("", "trials", "us/ask+tell", "best"))
    med = {}
    for name, k, _ in runs:
        med[name] = statistics.median(times[name]) / k * 1e6
        print("%-14s %7d %12.1f %10.4f" % (name, k, med[name], statistics.median(bests[name])))
    print("gpbo random / optuna random: %.4f" % (med["gpbo random"] / med["optuna random"]))
    print("gpbo bayes / optuna tpe:     %.4f" % (med["gpbo bayes"] / med["optuna tpe"]))


if __name__ == "__main__":
    main()
