"""Helpers shared by the end-to-end tests of the gpbo command under tests/cli/.

Each test script takes PATH/TO/gpbo as its first argument; GPBO is that path, made absolute.
check() records a failed check in FAILS and prints it; run_tests() runs the test functions and
gives the script's exit status.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

GPBO = os.path.abspath(sys.argv[1])
PY = "/usr/bin/python3"
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def write(path, text, mode=None):
    """Writes text, dedented, to path; then sets its mode, if one is given."""
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    if mode is not None:
        os.chmod(path, mode)


def quad_sweep(d, name="quad", method="bayes", run_cap=10, command=None, extra=""):
    """Writes d/sweep.yaml: minimize the objective program obj.py (started with ${args}, or
    the given command list) over x, y in [-4, 4]; extra (dedented) is appended."""
    cmd = command or '["%s", "obj.py", "${args}"]' % PY
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: {name}
    method: {method}
    metric: {{name: loss, goal: minimize}}
    run_cap: {run_cap}
    parameters:
      x: {{min: -4.0, max: 4.0}}
      y: {{min: -4.0, max: 4.0}}
    command: {cmd}
    """ + textwrap.dedent(extra))


def run(args, cwd, timeout=120, **kw):
    return subprocess.run([GPBO] + args, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, **kw)


def check_refusals(cmd, cases, cwd, start="", env=None, timeout=20):
    """Each (args, flag, value) of cases: cmd + args exits 2 with one line on stderr, starting
    with start and holding flag and value, and nothing on stdout. A case still running after
    timeout seconds is a failure (the benches' old parsing ran some for hours)."""
    for args, flag, value in cases:
        try:
            b = subprocess.run(cmd + args, cwd=cwd, capture_output=True, text=True,
                               timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            check(False, f"{args}: still running after {timeout} s")
            continue
        lines = b.stderr.strip().split("\n")
        check(b.returncode == 2 and len(lines) == 1 and lines[0].startswith(start) and
              flag in lines[0] and value in lines[0] and b.stdout == "",
              f"{args}: {b.returncode} {b.stderr!r} (want {flag} ... {value})")


def run_tests(tests, prefix=None, only=()):
    """Runs each test (only those named in `only`, if any) and returns the exit status: 1 if a
    check failed, else 0. With a prefix, each test is given a fresh temporary directory named
    with it (removed afterwards) and its time is printed; without one, it is called with no
    argument and "NAME done" is printed. A name in `only` that is no test is a failure (else a
    misspelt name would run nothing and pass)."""
    names = {t.__name__ for t in tests}
    for n in only:
        check(n in names, f"no test named {n!r}")
    for t in tests:
        if only and t.__name__ not in only:
            continue
        if prefix is None:
            try:
                t()
            except Exception as e:  # a crash of the test itself is a failure too
                check(False, f"{t.__name__} raised {e!r}")
            print(t.__name__, "done")
            continue
        d = tempfile.mkdtemp(prefix=prefix)
        t0 = time.time()
        try:
            t(d)
        except Exception as e:  # a crash of the test itself is a failure too
            check(False, f"{t.__name__} raised {e!r}")
        print(f"{t.__name__}: {time.time() - t0:.1f} s")
        shutil.rmtree(d, ignore_errors=True)
    if FAILS:
        print(f"{len(FAILS)} checks failed")
        return 1
    print("all checks passed")
    return 0


# a conditional space (mom only when opt is sgd) over a program that does nothing: studies
# filled by gpbo import (cond_trials: test_cli's and test_dashboard's slices of an inactive
# parameter)
COND_SWEEP = """\
    name: cond
    method: bayes
    run_cap: 40
    metric: {name: loss, goal: minimize}
    parameters:
      opt: {values: [sgd, adam]}
      mom: {min: 0.0, max: 1.0, when: {opt: sgd}}
      lr: {min: 0.0, max: 1.0}
    command: ["/bin/true"]
    """


def cond_trials(d):
    """cond (COND_SWEEP) with 16 complete trials by gpbo import: adam ones (no mom) all better
    than the sgd ones, whose loss grows with mom. Returns the id of the best sgd trial."""
    rng = random.Random(7)
    rows, best = ["trial,state,value,opt,mom,lr"], (float("inf"), None)
    for t in range(16):
        lr = rng.uniform(0, 1)
        if t % 2:
            rows.append(f"{t},complete,{0.1 + abs(lr - 0.5)!r},adam,,{lr!r}")
        else:
            mom = rng.uniform(0, 1)
            v = 1.0 + mom + abs(lr - 0.5)
            best = min(best, (v, t))
            rows.append(f"{t},complete,{v!r},sgd,{mom!r},{lr!r}")
    write(os.path.join(d, "sweep.yaml"), COND_SWEEP)
    write(os.path.join(d, "trials.csv"), "\n".join(rows) + "\n")
    r = run(["import", "sweep.yaml", "trials.csv"], d)
    check(r.returncode == 0, f"import: {r.stdout} {r.stderr}")
    return best[1]
