#!/usr/bin/python3
"""`gpbo report` on studies of many parameters: the old code against the new, in one run.

    report_scale.py --new build/cli/gpbo --old OLD/build/cli/gpbo [--params 200,1000]
                    [--trials 60,400] [--rounds 1] [--keep DIR] [--method random|bayes]

Each study is made once (random complete trials, a sweep of floats with every tenth parameter
a categorical of three values and every tenth plus one an integer, imported with `gpbo import`
of the new binary), then each round runs the old and the new `gpbo report` on it back to back
(their order alternating by round) and compares the two pages byte for byte. Prints one line a
study: parameters, trials, the median wall time of each over the rounds, new / old, and whether
every round's pages were identical. `--method bayes` makes the studies Bayesian ones, whose
slices and importance come from the study's own model (`gpbo_study_model_capped`). A benchmark, not a test: the figures depend on the load of
the machine, which is why the two run side by side and the ratio is what to read.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def make_study(gpbo, d, np_, nt, method="random", seed=1):
    rng = random.Random(seed)
    lines = [f"name: s{np_}_{nt}", f"method: {method}", "metric: {name: loss, goal: minimize}",
             f"run_cap: {nt}", "parameters:"]
    kinds = []
    for i in range(np_):
        if i % 10 == 0:
            lines.append(f"  c{i}: {{values: [a, b, c]}}")
            kinds.append(("c", f"c{i}"))
        elif i % 10 == 1:
            lines.append(f"  n{i}: {{distribution: int_uniform, min: 1, max: 9}}")
            kinds.append(("n", f"n{i}"))
        else:
            lines.append(f"  x{i}: {{min: -1.0, max: 1.0}}")
            kinds.append(("x", f"x{i}"))
    lines.append('command: ["true"]')
    with open(os.path.join(d, "sweep.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    rows = []
    for t in range(nt):
        params, loss = {}, 0.0
        for k, name in kinds:
            v = (rng.choice("abc") if k == "c" else rng.randint(1, 9) if k == "n"
                 else rng.uniform(-1, 1))
            params[name] = v
            loss += 0.1 if k == "c" and v != "a" else (v / 9) ** 2 if k == "n" else (
                0 if k == "c" else v * v)
        rows.append({"trial": t, "state": "complete", "value": loss, "params": params})
    with open(os.path.join(d, "trials.json"), "w") as f:
        json.dump(rows, f)
    r = subprocess.run([gpbo, "import", "sweep.yaml", "trials.json"], cwd=d,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"import failed: {r.stderr}")


def report(gpbo, d, out):
    t0 = time.monotonic()
    r = subprocess.run([gpbo, "report", "sweep.yaml", "-o", out], cwd=d,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{gpbo} report failed: {r.stderr}")
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--new", required=True)
    ap.add_argument("--old", required=True)
    ap.add_argument("--params", default="200,1000")
    ap.add_argument("--trials", default="60,400")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--keep")
    ap.add_argument("--method", default="random", choices=["random", "bayes"])
    a = ap.parse_args()
    new, old = os.path.abspath(a.new), os.path.abspath(a.old)
    base = a.keep or tempfile.mkdtemp(prefix="gpbo-report-bench-")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
    print(f"{'params':>6} {'trials':>6} {'old s':>8} {'new s':>8} {'new/old':>8}  identical")
    for np_ in [int(x) for x in a.params.split(",")]:
        for nt in [int(x) for x in a.trials.split(",")]:
            d = os.path.join(base, f"p{np_}_t{nt}")
            os.makedirs(d, exist_ok=True)
            make_study(new, d, np_, nt, a.method)
            to, tn, same = [], [], True
            for k in range(a.rounds):
                order = [("old", old), ("new", new)] if k % 2 == 0 else [("new", new),
                                                                         ("old", old)]
                for which, exe in order:
                    (to if which == "old" else tn).append(
                        report(exe, d, os.path.join(d, f"{which}.html")))
                with open(os.path.join(d, "old.html"), "rb") as f1, \
                        open(os.path.join(d, "new.html"), "rb") as f2:
                    same &= f1.read() == f2.read()
            mo, mn = statistics.median(to), statistics.median(tn)
            print(f"{np_:>6} {nt:>6} {mo:>8.2f} {mn:>8.2f} {mn / mo:>8.3f}  {'yes' if same else 'NO'}",
                  flush=True)
    if not a.keep:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
