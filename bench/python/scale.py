#!/usr/bin/python3
"""bench/python/scale.py: what a study's bookkeeping costs as it grows, outside any model.

One study per strategy and storage grows to the largest of --sizes trials; each ask + tell is
timed (wall clock, from Python, a free objective: the sum of the parameters), and the table gives
the mean microseconds per ask + tell over each stretch (from the previous size to this one), so a
cost that grows with the study shows as a column that grows. Six parameters (4 uniform, a
log-uniform, a categorical), one trial in ten reporting 5 intermediate values. Sides:

- gpbo random and gpbo sobol, in memory and in an SQLite file (a fresh temporary one each);
- Optuna 3.1's RandomSampler in memory (Debian's python3-optuna), the baseline measured in the
  same run (its SQLite storage costs ~270 ms a trial on this machine's disk: left out).

Ratios printed under the table: sobol / random at each size for each storage (a strategy without
a model draws from the trial number alone: the two should cost the same; the Sobol strategy's
walk from the sequence's start made it 7x random's at 5000 trials with SQLite before
2026-12-05), and gpbo random / Optuna random. Then, at the largest size, what reading the study
back costs: Study.trials, best_trial and trials_dataframe() (pandas) for each side.

Usage: OPENBLAS_NUM_THREADS=1 PYTHONPATH=build/python /usr/bin/python3 bench/python/scale.py
           [--sizes 100,1000,5000]
"""
import argparse
import math
import os
import tempfile
import time

import optuna

import gpbo

optuna.logging.set_verbosity(optuna.logging.WARNING)


def space():
    s = {"x%d" % i: gpbo.Uniform(0, 1) for i in range(4)}
    s["lr"] = gpbo.LogUniform(1e-5, 1e-1)
    s["opt"] = gpbo.Categorical(["sgd", "adam"])
    return s


def grow(ask_tell, sizes):
    """Mean us per ask + tell over each stretch of sizes (ask_tell(i) runs trial i)."""
    out, prev, t_prev = [], 0, 0.0
    t0 = time.perf_counter()
    for i in range(sizes[-1]):
        ask_tell(i)
        if i + 1 in sizes:
            t = time.perf_counter() - t0
            out.append(1e6 * (t - t_prev) / (i + 1 - prev))
            prev, t_prev = i + 1, t
    return out


def gpbo_side(strategy, storage, sizes):
    st = gpbo.Study(space(), storage=storage, name="scale", strategy=strategy, seed=1)

    def one(i):
        t = st.ask()
        if i % 10 == 9:
            for k in range(5):
                st.report(t, k, float(k))
        st.tell(t, sum(v for k, v in t.params.items() if k.startswith("x")))
    return grow(one, sizes), st


def optuna_side(sizes):
    st = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))

    def one(i):
        t = st.ask()
        x = [t.suggest_float("x%d" % k, 0, 1) for k in range(4)]
        t.suggest_float("lr", 1e-5, 1e-1, log=True)
        t.suggest_categorical("opt", ["sgd", "adam"])
        if i % 10 == 9:
            for k in range(5):
                t.report(float(k), k)
        st.tell(t, sum(x))
    return grow(one, sizes), st


def reads(st):
    out = []
    for what in ("trials", "best_trial"):
        t0 = time.perf_counter()
        getattr(st, what)
        out.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    st.trials_dataframe()
    out.append(time.perf_counter() - t0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,5000")
    a = ap.parse_args()
    sizes = sorted({int(s) for s in a.sizes.split(",")})
    print("gpbo %s, optuna %s: us per ask + tell over each stretch, wall clock"
          % (gpbo.__version__, optuna.__version__))
    print("%-22s" % "side" + "".join("%10s" % ("to %d" % n) for n in sizes))
    rows, studies = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for strategy in ("random", "sobol"):
            for where in ("memory", "sqlite"):
                url = None if where == "memory" else "sqlite:///" + os.path.join(
                    tmp, "%s.db" % strategy)
                name = "gpbo %s %s" % (strategy, where)
                rows[name], studies[name] = gpbo_side(strategy, url, sizes)
                print("%-22s" % name + "".join("%10.1f" % v for v in rows[name]), flush=True)
        rows["optuna random memory"], studies["optuna random memory"] = optuna_side(sizes)
        print("%-22s" % "optuna random memory" +
              "".join("%10.1f" % v for v in rows["optuna random memory"]))
        for where in ("memory", "sqlite"):
            r = [s / q for s, q in zip(rows["gpbo sobol " + where], rows["gpbo random " + where])]
            print("sobol / random, %-6s " % where + " ".join("%.2f" % v for v in r))
        r = [g / o for g, o in zip(rows["gpbo random memory"], rows["optuna random memory"])]
        print("gpbo random / optuna random, memory: " + " ".join("%.3f" % v for v in r))
        print("reading back at %d trials, s: %-8s %-10s %s"
              % (sizes[-1], "trials", "best_trial", "trials_dataframe"))
        for name, st in studies.items():
            t = reads(st)
            print("%-22s %8.3f %10.4f %8.3f" % (name, *t))
            if isinstance(st, gpbo.Study):
                st.close()


if __name__ == "__main__":
    main()
