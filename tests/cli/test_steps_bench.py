"""bench/steps (steps_bench): a tiny run of each mode still works, every numeric flag is whole
digits within its range, and a problem is read as compare_bench reads one (a dimension after a
function of fixed dimension refused). A bad flag or problem is one line on stderr naming it, exit
status 2, and nothing printed on stdout.

Usage: test_steps_bench.py PATH/TO/gpbo PATH/TO/steps_bench
"""
import os
import re
import subprocess
import sys

from clitest import check, check_refusals, run_tests

BENCH = os.path.abspath(sys.argv[2])
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")


def bench(args, d, timeout=60):
    return subprocess.run([BENCH] + args, cwd=d, capture_output=True, text=True, timeout=timeout,
                          env=ENV)


def test_tiny_runs(d):
    """Good flags still run: the steps at 12 observations, and --run's whole studies with their
    regret at each of --budgets; "rosenbrock" is rosenbrock:4 (compare_core.c's default)."""
    b = bench(["--problems", "branin,sphere:3", "--at", "12,13", "--steps", "2", "--seed", "3"],
              d)
    rows = [ln.split() for ln in b.stdout.splitlines() if re.match(r"(branin|sphere) ", ln)]
    check(b.returncode == 0 and [r[:3] for r in rows] ==
          [["branin", "12", "2"], ["branin", "13", "2"], ["sphere", "12", "2"],
           ["sphere", "13", "2"]], f"--at 12,13 --steps 2: {b.returncode} {b.stdout!r} {b.stderr!r}")
    b = bench(["--problems", "rosenbrock,rosenbrock:4", "--run", "12", "--seeds", "2",
               "--budgets", "6,12"], d)
    rows = [ln.split("|")[1] for ln in b.stdout.splitlines() if ln.startswith("rosenbrock ")]
    check(b.returncode == 0 and len(rows) == 4 and
          all("regret@6 " in r and "regret@12 " in r for r in rows) and rows[:2] == rows[2:],
          f"--run 12 --budgets 6,12: {b.returncode} {b.stdout!r} {b.stderr!r}")


# Each bad flag, the flag its message names and the value it shows. strtoul read "-1" as
# 2^64 - 1 steps, "abc" as 0 (--at abc timed the design's points, --run x ran the steps mode);
# --budgets past --run were never printed, and --seed 2^64 - 1 with --seeds 2 wrapped to seed 0.
BAD_FLAGS = [
    (["--steps", "-1"], "--steps", "'-1'"),
    (["--steps", "0"], "--steps", "'0'"),
    (["--steps", "2x"], "--steps", "'2x'"),
    (["--steps", ""], "--steps", "''"),
    (["--at", "abc"], "--at", "'abc'"),
    (["--at", "0"], "--at", "'0'"),
    (["--at", "12,,13"], "--at", "''"),
    (["--at", "12,"], "--at", "''"),
    (["--at", ",".join(["12"] * 17)], "--at", "at most 16"),
    (["--run", "x"], "--run", "'x'"),
    (["--run", "0"], "--run", "'0'"),
    (["--run", "18446744073709551617"], "--run", "'18446744073709551617'"),
    (["--seeds", "0"], "--seeds", "'0'"),
    (["--seed", "-1"], "--seed", "'-1'"),
    (["--seed", "1e3"], "--seed", "'1e3'"),
    (["--seed", "18446744073709551615", "--run", "5", "--seeds", "2"], "--seed", "goes past"),
    (["--run", "12", "--budgets", "6,x"], "--budgets", "'x'"),
    (["--run", "12", "--budgets", "6,13"], "--budgets", "(not 13)"),
    (["--budgets", "13", "--run", "12"], "--budgets", "(not 13)"),
]


def test_bad_flags(d):
    """Every numeric flag: one line naming the flag and the value, exit status 2, nothing run.
    With the old parsing some ran the default problems at 60 and 200 observations: a case still
    running after 20 s is a failure."""
    check_refusals([BENCH, "--problems", "branin"], BAD_FLAGS, d, start="steps_bench: ", env=ENV)


# Problems refused, and what the message says after "problem 'SPEC': ". branin:3 ran Branin 2-D,
# hartmann6:4 Hartmann 6-D, rosenbrock:x and rosenbrock:1 were "unknown problem or dimension".
BAD_PROBLEMS = [
    ("branin:3", "branin is 2-D; it takes no dimension (write 'branin')"),
    ("branin:2", "branin is 2-D; it takes no dimension"),
    ("hartmann6:4", "hartmann6 is 6-D; it takes no dimension"),
    ("sphere:3,shekel:4", "shekel is 4-D; it takes no dimension"),
    ("rosenbrock:x", "the dimension must be a whole number from 2 to 300 (not 'x')"),
    ("rosenbrock:1", "the dimension must be a whole number from 2"),
    ("sphere:-1", "the dimension must be a whole number"),
    ("sphere:301", "(not '301')"),
    ("nothere", "unknown test function 'nothere'"),
    ("branin_disk", "unknown test function"),
]


def test_problems_refused(d):
    """A bad problem anywhere in --problems stops the bench before anything runs (the first ones
    ran before): one line, exit status 2."""
    for spec, want in BAD_PROBLEMS:
        b = bench(["--problems", spec, "--at", "12", "--steps", "2"], d, timeout=20)
        culprit = spec.split(",")[-1]
        lines = b.stderr.strip().split("\n")
        check(b.returncode == 2 and len(lines) == 1 and
              lines[0].startswith(f"steps_bench: problem '{culprit}': ") and want in lines[0] and
              b.stdout == "", f"{spec}: {b.returncode} {b.stderr!r} (want {want!r})")
    for spec in ("branin,,sphere:3", "branin,", ""):
        b = bench(["--problems", spec, "--at", "12", "--steps", "2"], d, timeout=20)
        check(b.returncode == 2 and "--problems holds an empty item" in b.stderr and
              b.stdout == "", f"--problems {spec!r}: {b.returncode} {b.stderr!r}")


if __name__ == "__main__":
    sys.exit(run_tests([test_tiny_runs, test_bad_flags, test_problems_refused],
                       prefix="gpbo-stepsbench-"))
