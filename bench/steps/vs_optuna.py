#!/usr/bin/python3
"""bench/steps/vs_optuna.py: CPU time of a whole Bayesian-optimization run, gpbo's default
strategy against Optuna's TPE, on Hartmann 6 with 200 evaluations (issue 17's side-by-side).

Runs --pairs interleaved pairs (gpbo then Optuna, each a fresh process, one BLAS thread) and
prints each run's CPU time (user + system of the process and its children), the median of each
side and their ratio. gpbo's run is `compare_bench --strategies bayes --problems hartmann6
--seeds 1 --first-seed s --budget 200 --jobs 1` (seed s of pair s; 10 initial points, the rest Bayesian; its study lives in an
SQLite file, as `gpbo compare` keeps it). Optuna's is Debian's python3-optuna with TPESampler
(seed s, default settings, in-memory storage), the same function in-process; its CPU time is
given with and without Python's start-up and the import of optuna (measured as an empty run).
Beside each run's CPU time stands its simple regret after the budget (gpbo's from compare_bench's
table, Optuna's from its best value; the optimum is testfn's, -3.3223680114155147), so that a
cheaper run is seen to find as much, and the header names the OpenBLAS kernels compare_bench
reports having loaded.

With --before-lib DIR each pair also runs the same bench binary on the gpbo libraries in DIR
(LD_LIBRARY_PATH; the binary's RUNPATH yields to it), right after the first: a change's before
and after against the same Optuna runs, on a machine whose load moves.

Usage: /usr/bin/python3 bench/steps/vs_optuna.py [--pairs 3] [--budget 200]
                                                  [--bench build/bench/compare/compare_bench]
                                                  [--before-lib DIR]
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

OPTUNA = r"""
import math, sys
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
n, seed = int(sys.argv[1]), int(sys.argv[2])
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
     [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
     [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
     [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
ALPHA = [1.0, 1.2, 3.0, 3.2]
def objective(trial):
    x = [trial.suggest_float("x%d" % k, 0.0, 1.0) for k in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6)))
                for i in range(4))
if n > 0:
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n)
    print("regret %.6g" % (study.best_value + 3.3223680114155147))
"""


def cpu_of(cmd, env):
    """Runs cmd; returns the CPU seconds (user + system) it and its children used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr))
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--budget", type=int, default=200)
    ap.add_argument("--bench", default=os.path.join(ROOT, "build/bench/compare/compare_bench"))
    ap.add_argument("--before-lib", default=None)
    a = ap.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    print(f"Hartmann 6, {a.budget} evaluations, {a.pairs} interleaved pairs, one thread; CPU s, "
          f"simple regret after {a.budget}")
    g, gb, o, o_net, rg, ro = [], [], [], [], [], []
    core = None
    for s in range(a.pairs):
        run = [a.bench, "--strategies", "bayes", "--problems", "hartmann6", "--seeds", "1",
               "--first-seed", str(s), "--budget", str(a.budget), "--budgets", str(a.budget),
               "--jobs", "1"]
        tg, out = cpu_of(run, env)
        kern = re.search(r"kernels: (\S+)", out)
        reg = re.search(r"\| bayes (\S+)", out)
        if core is None:
            core = kern.group(1) if kern else "(not reported)"
            print(f"kernels: {core} (compare_bench's own report)")
        rg.append(float(reg.group(1)) if reg else float("nan"))
        if a.before_lib:
            lib = a.before_lib + os.pathsep + env.get("LD_LIBRARY_PATH", "")
            tb, _ = cpu_of(run, dict(env, LD_LIBRARY_PATH=lib))
            gb.append(tb)
            print(f"pair {s}: gpbo before {tb:6.2f}", flush=True)
        to, out = cpu_of(["/usr/bin/python3", "-c", OPTUNA, str(a.budget), str(s)], env)
        reg = re.search(r"regret (\S+)", out)
        ro.append(float(reg.group(1)) if reg else float("nan"))
        t0, _ = cpu_of(["/usr/bin/python3", "-c", OPTUNA, "0", str(s)], env)
        g.append(tg)
        o.append(to)
        o_net.append(to - t0)
        print(f"pair {s}: gpbo {tg:6.2f} (regret {rg[-1]:.3g}) | Optuna TPE {to:6.2f} "
              f"({to - t0:6.2f} without start-up and import, {t0:.2f}; regret {ro[-1]:.3g})",
              flush=True)
    mg, mo, mn = statistics.median(g), statistics.median(o), statistics.median(o_net)
    print(f"median: gpbo {mg:.2f} s, Optuna TPE {mo:.2f} s ({mn:.2f} s without start-up): "
          f"gpbo / Optuna = {mg / mo:.2f} ({mg / mn:.2f} against Optuna without start-up); "
          f"target <= 0.25")
    print(f"median regret: gpbo {statistics.median(rg):.3g}, Optuna TPE "
          f"{statistics.median(ro):.3g}")
    if gb:
        mb = statistics.median(gb)
        print(f"median: gpbo before {mb:.2f} s: before / Optuna = {mb / mo:.2f} "
              f"({mb / mn:.2f} without start-up); after / before = {mg / mb:.2f}")


if __name__ == "__main__":
    main()
