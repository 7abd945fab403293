#!/usr/bin/env python3
"""Runs examples/study_branin as a user would and checks what it prints: 30 Bayesian trials on
Branin that end near its minimum, a study in an SQLite file that resumes with exactly the trials
an uninterrupted run makes, a bad storage named in a one-line error, and bad arguments refused.

Usage: test_study_branin.py PATH/TO/study_branin
"""
import os
import re
import subprocess
import sys
import tempfile

EXE = sys.argv[1]
FAILS = []
BRANIN_MIN = 0.397887357729738

# The best value after 30 trials with the default seed 0: measured 0.399818 on OpenBLAS's
# Haswell, Prescott and Cooperlake kernels alike. Another kernel (or GPBO_TEST_PERTURB_ULP, which
# does not reach the example's own objective) may send a Bayesian run down another path, as
# another seed does: over seeds 0-299 (Haswell, `study_branin :memory: 30 SEED`) the best was
# 0.4008 in the median, 0.465 at the 99th percentile and 0.508 at worst, so 0.6 leaves a margin
# of 0.09 above the worst of 300 runs.
BEST_BOUND = 0.6

TRIAL = re.compile(r"^trial +(\d+) +x1 = +(\S+) +x2 = +(\S+) +f = +(\S+) +best so far (\S+)$")
BEST = re.compile(r"^best of (\d+) trials: trial (\d+), f = (\S+) at x1 = (\S+), x2 = (\S+) ")


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def run(*args, status=0):
    r = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=60)
    check(r.returncode == status, f"{args}: exit {r.returncode}, wanted {status}: {r.stderr}")
    return r


def trials(out):
    return [m.groups() for m in map(TRIAL.match, out.splitlines()) if m]


def test_thirty_trials_in_memory():
    r = run()
    t = trials(r.stdout)
    check([int(x[0]) for x in t] == list(range(30)), f"trials 0..29 printed: {r.stdout}")
    fs = [float(x[3]) for x in t]
    check(all(float(x[4]) == min(fs[: i + 1]) for i, x in enumerate(t)),
          "each 'best so far' is the minimum of the values before it")
    m = BEST.match(r.stdout.splitlines()[-1])
    check(m is not None, f"a last line with the best trial: {r.stdout}")
    if m:
        n, bid, best = int(m[1]), int(m[2]), float(m[3])
        check(n == 30 and best == min(fs) and fs[bid] == best,
              f"the best line names the smallest trial: {m[0]}")
        check(BRANIN_MIN - 1e-6 <= best < BEST_BOUND,
              f"best after 30 trials {best} in [{BRANIN_MIN}, {BEST_BOUND})")
        print(f"best after 30 trials: {best:.6f}")
    return r.stdout


def test_resume_from_sqlite(uninterrupted):
    with tempfile.TemporaryDirectory(prefix="gpbo-example-") as d:
        db = os.path.join(d, "branin.db")
        first = run(db, "20").stdout
        second = run(db, "30").stdout
        third = run(db, "30").stdout
        check(second.startswith("resuming: the study holds 20 trials\n"),
              f"the second run resumes: {second[:80]!r}")
        check(trials(first) + trials(second) == trials(uninterrupted),
              "20 trials, then 10 more on resuming, are those of one run of 30")
        check(third.startswith("resuming: the study holds 30 trials\n") and not trials(third)
              and third.splitlines()[-1] == uninterrupted.splitlines()[-1],
              f"a third run adds nothing and prints the same best: {third!r}")


def test_bad_storage():
    r = run("nosuch://x", status=1)
    check(r.stdout == "" and r.stderr.count("\n") == 1 and
          r.stderr.startswith("study_branin: nosuch://x: ") and "unsupported scheme" in r.stderr,
          f"one line naming the storage: {r.stderr!r}")


def test_bad_arguments():
    """TRIALS and SEED were read by strtoul alone: "abc" and "0" made a study of no trial
    (printing a best of trials no one asked for, or failing at gpbo_study_best), "-3" a seed of
    2^64 - 3 (the docs branch). Now each is the usage and exit status 2, nothing run."""
    for args in (["x.db", "abc"], ["x.db", "0"], ["x.db", "12x"], ["x.db", "5", "-3"],
                 ["x.db", "5", "1", "extra"]):
        with tempfile.TemporaryDirectory(prefix="gpbo-example-") as d:
            r = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=60, cwd=d)
            check(r.returncode == 2 and r.stderr.startswith("usage: study_branin") and
                  not r.stdout and not os.listdir(d), f"{args}: {r.returncode} {r.stderr!r}")


if __name__ == "__main__":
    test_resume_from_sqlite(test_thirty_trials_in_memory())
    test_bad_storage()
    test_bad_arguments()
    print("FAILED" if FAILS else "ok")
    sys.exit(1 if FAILS else 0)
