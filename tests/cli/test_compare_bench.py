"""bench/compare and `gpbo compare` run one comparison (cli/compare_core.c, issue 16): for the
same settings the bench prints the same regret table (plus its ratio to random search), writes the
same CSV, times the Bayesian steps through the shared memory of its runs, keeps the runs' database
when asked (--keep, read by bench/compare/basins.py), refuses what only the command can run, and
checks every numeric flag.

Usage: test_compare_bench.py PATH/TO/gpbo PATH/TO/compare_bench
"""
import csv
import importlib.util
import json
import math
import os
import re
import sqlite3
import subprocess
import sys

from clitest import check, check_refusals, run, run_tests, write

BENCH = os.path.abspath(sys.argv[2])
BASINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "compare",
                      "basins.py")
SETTINGS = dict(strategies="bayes,random,sobol", problems="branin,sphere:3", seeds=3, budget=15,
                budgets="5,15", init=5, jobs=2)


def bench(args, d):
    return subprocess.run([BENCH] + args, cwd=d, capture_output=True, text=True, timeout=300)


def quantile(v, q):
    """compare_core.c's cmp_quantile: linear between order statistics."""
    v = sorted(v)
    pos = q * (len(v) - 1)
    i = int(pos)
    f = pos - i
    return v[i] * (1 - f) + v[i + 1] * f if i + 1 < len(v) else v[i]


def test_same_table_and_csv(d):
    s = SETTINGS
    write(os.path.join(d, "c.yaml"), f"""\
    name: cmp
    strategies: [{s['strategies']}]
    problems: [{s['problems']}]
    seeds: {s['seeds']}
    budget: {s['budget']}
    budgets: [{s['budgets']}]
    initial: {s['init']}
    jobs: {s['jobs']}
    """)
    r = run(["compare", "c.yaml"], d)
    check(r.returncode == 0, f"gpbo compare: {r.returncode} {r.stderr}")
    b = bench(["--strategies", s["strategies"], "--problems", s["problems"], "--seeds",
               str(s["seeds"]), "--budget", str(s["budget"]), "--budgets", s["budgets"], "--init",
               str(s["init"]), "--jobs", str(s["jobs"]), "--csv", "b.csv", "--time-at", "10,15"],
              d)
    check(b.returncode == 0, f"compare_bench: {b.returncode} {b.stderr}")
    rows = lambda out: [l for l in out.split("\n") if re.match(r"\S+ +n=", l)]
    mine, theirs = rows(r.stdout), rows(b.stdout)
    check(len(mine) == 4 and [re.sub(r" x\S+", "", l) for l in theirs] == mine,
          f"the same regret table:\n{r.stdout}\n{b.stdout}")
    csv = open(os.path.join(d, "cmp.csv")).read()
    check(csv == open(os.path.join(d, "b.csv")).read(), "the same CSV")
    # the ratio: random's median regret over each other strategy's, from the CSV
    reg = {}
    for line in csv.strip().split("\n")[1:]:
        st, pb, seed, ev, best, regret = line.split(",")
        if ev == str(s["budget"]):
            reg.setdefault((st, pb), []).append(float(regret))
    for st in ("bayes", "sobol"):
        for pb in ("branin", "sphere:3"):
            want = "x%s" % ("%.3g" % (quantile(reg[("random", pb)], 0.5) /
                                      quantile(reg[(st, pb)], 0.5)))
            line = [l for l in theirs if l.startswith(pb + " ") and "n=15 " in l]
            check(len(line) == 1 and re.search(rf"\| {st} \S+ \[[^]]*\] {re.escape(want)}",
                                               line[0]) is not None,
                  f"{st} on {pb}: {want} in {line}")
    check(all(" x" not in part for l in theirs for part in l.split("|") if "random" in part),
          f"no ratio for random itself: {theirs}")
    times = re.findall(r"bayes step time at (\d+) observations, (\S+): median (\S+) ms", b.stdout)
    check(sorted((a, p) for a, p, _ in times) ==
          sorted((a, p) for a in ("9", "14") for p in ("branin", "sphere:3")),
          f"a step time per problem and --time-at: {times}")
    check(all(math.isfinite(float(ms)) and float(ms) > 0 for _, _, ms in times),
          f"the children's step times reach the bench: {times}")


def test_keep(d):
    """--keep: every run's trials in the kept database, agreeing with the CSV; basins.py reads it."""
    b = bench(["--strategies", "bayes,random", "--problems", "hartmann6,branin", "--seeds", "3",
               "--first-seed", "7", "--budget", "12", "--budgets", "12", "--init", "10", "--jobs",
               "2", "--csv", "k.csv", "--keep", "k.db"], d)
    check(b.returncode == 0, f"compare_bench --keep: {b.returncode} {b.stderr}")
    con = sqlite3.connect(os.path.join(d, "k.db"))
    names = sorted(n for (n,) in con.execute("SELECT name FROM studies WHERE name LIKE '%/%/%'"))
    want = sorted(f"{st}/{pb}/{s}" for st in ("bayes", "random") for pb in ("hartmann6", "branin")
                  for s in (7, 8, 9))
    check(names == want, f"one study a run: {names}")
    best = {}
    for line in open(os.path.join(d, "k.csv")).read().strip().split("\n")[1:]:
        st, pb, seed, ev, b_, _ = line.split(",")
        best[(f"{st}/{pb}/{seed}", int(ev))] = float(b_)
    for name in names:
        vals = [v for (v,) in con.execute("SELECT value FROM trials t JOIN studies s ON t.study ="
                                          " s.id WHERE s.name = ? ORDER BY t.id", (name,))]
        check(len(vals) == 12 and all(v is not None for v in vals), f"{name}: {vals}")
        for e in range(1, 13):
            check(abs(min(vals[:e]) - best[(name, e)]) <= 1e-12 * max(1, abs(best[(name, e)])),
                  f"{name} at {e}: {min(vals[:e])} against the CSV's {best[(name, e)]}")
    # basins.py: every hartmann6 run counted once, each in the basin nearer its best point
    rows = con.execute("SELECT s.name, t.params, t.value FROM trials t JOIN studies s ON t.study"
                       " = s.id WHERE s.name LIKE '%/hartmann6/%' ORDER BY s.name, t.id").fetchall()
    con.close()
    spec = importlib.util.spec_from_file_location("basins", BASINS)
    basins = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(basins)
    best_of = {}  # run: (its best value, its strategy, whether that point is the second's side)
    for name, params, value in rows:
        if name not in best_of or value < best_of[name][0]:
            x = json.loads(params)
            dg = sum((a - c) ** 2 for a, c in zip(x, basins.X_GLOBAL))
            dl = sum((a - c) ** 2 for a, c in zip(x, basins.X_SECOND))
            best_of[name] = (value, name.split("/")[0], dl < dg)
    r = subprocess.run([sys.executable, BASINS, "k.db", "--at", "12"], cwd=d, capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == 0, f"basins.py: {r.returncode} {r.stderr}")
    for st in ("bayes", "random"):
        k = sum(1 for v in best_of.values() if v[1] == st and v[2])
        m = re.search(rf"^{st}: 3 runs, (\d+) \(", r.stdout, re.M)
        check(m is not None and int(m.group(1)) == k, f"{st}: {k} in the second basin\n{r.stdout}")
    # a stale log beside FILE is removed, not applied; and FILE on another file system (tmpfs's
    # /dev/shm where the temporary folder is on disk) is reached by a copy
    targets = [os.path.join(d, "k2.db")]
    if os.path.isdir("/dev/shm") and os.stat("/dev/shm").st_dev != os.stat(d).st_dev:
        targets.append("/dev/shm/gpbo-cmpbench-%d.db" % os.getpid())
    for t in targets:
        write(t + "-wal", "not a write-ahead log\n")
        b = bench(["--strategies", "random", "--problems", "branin", "--seeds", "2", "--budget",
                   "5", "--budgets", "5", "--keep", t], d)
        try:
            check(b.returncode == 0 and not os.path.exists(t + "-wal"),
                  f"--keep {t}: {b.returncode} {b.stderr}")
            con = sqlite3.connect(t)
            n = con.execute("SELECT COUNT(*) FROM trials t JOIN studies s ON t.study = s.id "
                            "WHERE s.name LIKE 'random/branin/%'").fetchone()[0]
            con.close()
            check(n == 10, f"--keep {t}: {n} trials, not 10")
        finally:
            for ext in ("", "-wal", "-shm"):
                if t.startswith("/dev/shm/") and os.path.exists(t + ext):
                    os.unlink(t + ext)
    r = subprocess.run([sys.executable, BASINS, "k.csv"], cwd=d, capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 1 and "k.csv: not a database" in r.stderr,
          f"basins.py on a file that is no database: {r.returncode} {r.stderr}")


def test_refused(d):
    write(os.path.join(d, "sweep.yaml"), "method: random\n")
    b = bench(["--problems", "sweep.yaml", "--seeds", "1", "--budget", "2"], d)
    check(b.returncode == 2 and "sweep.yaml" in b.stderr and "gpbo compare" in b.stderr,
          f"a sweep problem: {b.returncode} {b.stderr}")
    b = bench(["--problems", "nosuch", "--seeds", "1", "--budget", "2"], d)
    check(b.returncode == 2 and "nosuch" in b.stderr, f"an unknown problem: {b.stderr}")
    b = bench(["--problems", "rosenbrock:99", "--seeds", "1", "--budget", "2"], d)
    check(b.returncode == 2 and "dimension 99 is not supported" in b.stderr,
          f"a dimension too large: {b.stderr}")
    b = bench(["--seeds"], d)
    check(b.returncode == 2 and "usage" in b.stderr, f"a flag without its value: {b.stderr}")
    # a dimension on a problem of fixed dimension, even its own (branin:3 ran 2-D without a word)
    for spec, want in (("branin:3", "branin is 2-D"), ("branin:2", "branin is 2-D"),
                       ("shekel:4", "shekel is 4-D"), ("branin_disk:2", "branin_disk is 2-D"),
                       ("branin_currin:3", "branin_currin is 2-D")):
        b = bench(["--strategies", "random", "--problems", spec, "--seeds", "1", "--budget", "2",
                   "--jobs", "1"], d)
        check(b.returncode == 2 and f"problem '{spec}': {want}; it takes no dimension" in b.stderr
              and b.stdout == "", f"{spec}: {b.returncode} {b.stderr!r}")


# Each numeric flag with a bad value, and what its message must show (strtoul read "-1" as
# 2^64 - 1 seeds, "abc" as 0, "30,x" as 30 and 0; budgets past the budget were skipped)
BAD_FLAGS = [
    (["--seeds", "-1"], "--seeds", "'-1'"),
    (["--seeds", "abc"], "--seeds", "'abc'"),
    (["--seeds", "0"], "--seeds", "'0'"),
    (["--seeds", "18446744073709551617"], "--seeds", "'18446744073709551617'"),
    (["--seeds", ""], "--seeds", "''"),
    (["--first-seed", "4x"], "--first-seed", "'4x'"),
    (["--first-seed", "18446744073709551615"], "--first-seed", "18446744073709551615"),
    (["--budget", "1e3"], "--budget", "'1e3'"),
    (["--budget", "0"], "--budget", "'0'"),
    (["--init", "-1"], "--init", "'-1'"),
    (["--jobs", "0"], "--jobs", "'0'"),
    (["--jobs", " 2"], "--jobs", "' 2'"),
    (["--jobs", "100000"], "--jobs", "'100000'"),
    (["--budgets", "1,x"], "--budgets", "'x'"),
    (["--budgets", "1,,2"], "--budgets", "''"),
    (["--budgets", "1,2,"], "--budgets", "''"),
    (["--budgets", "0"], "--budgets", "'0'"),
    (["--budgets", "1,3"], "--budgets", "(not 3)"),
    (["--time-at", "-2"], "--time-at", "'-2'"),
    (["--time-at", "5"], "--time-at", "(not 5)"),
    (["--priors", "yes"], "--priors", "'yes'"),
    (["--additive", "2"], "--additive", "'2'"),
    (["--restart", "-1"], "--restart", "'-1'"),
    (["--noise", "-1"], "--noise", "'-1'"),
    (["--noise", "x"], "--noise", "'x'"),
    (["--noise", "nan"], "--noise", "'nan'"),
    (["--noise", "1e400"], "--noise", "'1e400'"),
    (["--seeds", "1000000", "--budget", "1000"], "seeds x budget", "more than"),
]


def test_bad_flags(d):
    """Every numeric flag is whole digits within its range; a bad one is one line on stderr
    naming the flag and the value, exit status 2, and nothing runs. With the old parsing some ran
    2^64 - 1 seeds: a case still running after 20 s is a failure."""
    base = ["--strategies", "random", "--problems", "branin", "--seeds", "2", "--budget", "2",
            "--jobs", "1"]
    check_refusals([BENCH] + base, BAD_FLAGS, d)
    # the edges are accepted: seeds from the last one there is, budgets up to the budget
    b = bench(base + ["--first-seed", "18446744073709551614", "--budgets", "1,2", "--time-at",
                      "2", "--priors", "0", "--additive", "1", "--restart", "0", "--init", "0"], d)
    check(b.returncode == 0 and "n=1 " in b.stdout and "n=2 " in b.stdout,
          f"the edges: {b.returncode} {b.stderr}")


def test_noise(d):
    """--noise SD: the regret is the true value's at the trial of the best noisy value. With SD
    50 on Branin (f* = 0.398) the best noisy values fall far below f*, yet every best and regret
    of the CSV stays at or above the optimum; the Bayesian runs add a bayes@model row each at
    the budget (the model's recommendation), random search none."""
    r = bench(["--strategies", "bayes,random", "--problems", "branin", "--seeds", "2", "--budget",
               "14", "--init", "5", "--jobs", "2", "--noise", "50", "--csv", "n.csv"], d)
    check(r.returncode == 0 and "noise: every value + N(0, 50^2)" in r.stdout
          and "recommendation at n=14" in r.stdout, f"noisy run: {r.returncode} {r.stderr}")
    with open(os.path.join(d, "n.csv")) as f:
        rows = list(csv.DictReader(f))
    plain = [x for x in rows if "@" not in x["strategy"]]
    check(len(plain) == 2 * 2 * 14 and all(float(x["regret"]) >= 0 and
                                           float(x["best"]) >= 0.3978 for x in plain),
          f"true regrets: {min(float(x['regret']) for x in plain)}")
    model = [x for x in rows if "@" in x["strategy"]]
    check(len(model) == 2 and {x["strategy"] for x in model} == {"bayes@model"} and
          all(x["evaluation"] == "14" and float(x["regret"]) >= 0 for x in model),
          f"the model's rows: {model}")


if __name__ == "__main__":
    sys.exit(run_tests([test_same_table_and_csv, test_keep, test_refused, test_bad_flags,
                        test_noise],
                       prefix="gpbo-cmpbench-"))
