#!/usr/bin/python3
"""End-to-end tests of the command as a user meets it (issue 21, "The terminal"): --help on every
command, "did you mean" for misspelt options, the exit status of a run where no trial
completed, progress lines away from a terminal ([i/N], best so far, elapsed) and in
`gpbo compare`, what a resumed run says, `gpbo studies` and a storage's only study, the trials
table (pruned steps, interrupted trials), and export (typed parameters, shortest round-trip
numbers, intermediate values), and `gpbo retrain` (what tuning bought).

Usage: test_ux.py PATH/TO/gpbo [--pg=URLFILE] [TEST ...]
(--pg: the PostgreSQL server whose URL the file holds; only `gpbo studies` on it is tested.)
"""
import csv
import io
import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, run, run_tests, write  # noqa: E402

# x, y, n (int), c (category), k (constant): prints three steps, then the loss rounded to 5
# decimals with Python's shortest repr (so the export can be compared with the text printed),
# after other metrics (acc, f1, epochs on a line, aux in a JSON object);
# OBJ_FAIL: exits 1 after the steps; OBJ_SLEEP: seconds over the steps
OBJ = """\
    import os, sys, time
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    x, y, n = float(a["x"]), float(a["y"]), int(a["n"])
    base = (x - 1) ** 2 + (y + 2) ** 2 + 0.01 * n + (0.5 if a["c"] == "b" else 0.0)
    for s in range(1, 4):
        time.sleep(float(os.environ.get("OBJ_SLEEP", "0")) / 3)
        print(f"loss={round(base + 1.0 / s, 5)!r} step={s}", flush=True)
    if os.environ.get("OBJ_FAIL"):
        print("the objective gives up", file=sys.stderr)
        sys.exit(1)
    print(f"acc={round(1 / (1 + base), 6)!r}, f1={n / 20!r} epochs=3")
    print('{"aux": 2.5, "label": "x"}')
    print(f"loss={round(base, 5)!r}")
    """


def sweep(d, name="quad", run_cap=6, method="random", extra=""):
    """Writes d/obj.py and d/sweep.yaml (extra: more top-level lines, not indented)."""
    write(os.path.join(d, "obj.py"), OBJ)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: {name}
    method: {method}
    metric: {{name: loss, goal: minimize}}
    run_cap: {run_cap}
    parameters:
      x: {{min: -4.0, max: 4.0}}
      y: {{min: -4.0, max: 4.0}}
      n: {{min: 1, max: 20}}
      c: {{values: [a, b]}}
      k: {{value: 3}}
      opt: {{value: adam}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    with open(os.path.join(d, "sweep.yaml"), "a") as f:
        f.write(extra)


COMMANDS = ["run", "best", "trials", "export", "studies", "delete", "report", "retrain",
            "compare", "train", "version", "doctor"]
OPTIONS = ["--storage", "--study", "--jobs", "--seed", "--trials", "--strategy", "--init",
           "--format", "-o", "--steps", "--trial", "--train-size", "--metric"]


def test_help(d):
    sweep(d)
    top = run(["--help"], d)
    check(top.returncode == 0, f"gpbo --help: {top.returncode}")
    for c in COMMANDS:
        check(re.search(rf"^gpbo {c}\b", top.stdout, re.M), f"gpbo --help lists {c}")
    for o in OPTIONS:
        check(re.search(rf"^\s+{re.escape(o)}\b", top.stdout, re.M), f"gpbo --help lists {o}")
    for c in COMMANDS:
        for flag in ("--help", "-h"):
            # after a file or option too: help wins, nothing runs
            for args in ([c, flag], [c, "sweep.yaml", flag]):
                r = run(args, d)
                check(r.returncode == 0 and r.stdout.startswith(f"usage: gpbo {c}") and
                      not r.stderr, f"{' '.join(args)}: {r.returncode} {r.stdout[:80]} {r.stderr}")
    check(not os.path.exists(os.path.join(d, "quad.db")), "run --help runs nothing")
    check(run(["help", "export"], d).stdout.startswith("usage: gpbo export"), "gpbo help export")
    # a command's help promises --storage alone (no sweep file) only when the command takes it:
    # run, enqueue, import and retrain said "with --storage alone, the storage's only study" and
    # refuse --storage without a sweep file (the docs branch)
    for c in ("run", "enqueue", "import", "retrain", "best", "trials", "export", "report",
              "dashboard"):
        usage = run([c, "--help"], d).stdout
        alone = run([c, "--storage", "none.db"], d)
        says = "--storage alone" in usage
        check(says == (alone.returncode != 2 or "give" not in alone.stderr),
              f"gpbo {c} --help says '--storage alone' ({says}) as gpbo {c} --storage takes it: "
              f"{alone.returncode} {alone.stderr!r}")
    # misspelt options and commands: one line naming the closest, exit status 2
    for args, want in ((["run", "sweep.yaml", "--trails", "3"], "did you mean '--trials'?"),
                       (["run", "sweep.yaml", "--job", "2"], "did you mean '--jobs'?"),
                       (["best", "sweep.yaml", "--stdy", "x"], "did you mean '--study'?"),
                       (["export", "sweep.yaml", "--fromat", "json"], "did you mean '--format'?"),
                       (["report", "--storge", "x.db"], "did you mean '--storage'?"),
                       (["studies", "--storag", "x.db"], "did you mean '--storage'?"),
                       (["compare", "c.yaml", "--jobs", "2"], "takes no option"),
                       # version and doctor printed their text and exited 0 (the docs branch)
                       (["version", "--json"], "takes no option"),
                       (["--version", "--json"], "takes no option"),
                       (["doctor", "x"], "takes no argument"),
                       (["train", "--epoks", "2"], "did you mean 'epochs'?"),
                       (["rnu", "sweep.yaml"], "did you mean 'run'?")):
        r = run(args, d)
        check(r.returncode == 2 and want in r.stderr and r.stderr.count("\n") == 1,
              f"{' '.join(args)}: {r.returncode} {r.stderr!r}")
    r = run(["run", "sweep.yaml", "--trials"], d)
    check(r.returncode == 2 and "--trials needs a value" in r.stderr, f"no value: {r.stderr}")


def test_no_trial_completed(d):
    sweep(d, run_cap=3)
    r = run(["run", "sweep.yaml"], d, env=dict(os.environ, OBJ_FAIL="1"))
    err = [l for l in r.stderr.split("\n") if l]
    check(r.returncode == 1, f"no trial completed: exit {r.returncode}")
    check(len(err) == 1 and "no trial completed" in err[0] and "3 failed" in err[0] and
          "exit status 1: the objective gives up" in err[0], f"one line saying why: {err}")
    # a later run that completes one: exit 0
    r = run(["run", "sweep.yaml", "--trials", "4"], d)
    check(r.returncode == 0 and "best trial 3" in r.stdout, f"then one completes: {r.stdout}")


LINE = re.compile(r"^\[(\d+)/(\d+)\] trial (\d+) (complete|failed|pruned)(.*) \| "
                  r"best loss=(\S+) \| (\d\d):(\d\d) elapsed$")


def test_progress_and_resume(d):
    sweep(d, run_cap=5)
    r = run(["run", "sweep.yaml", "--jobs", "2"], d)  # stdout is a pipe: one line per trial
    lines = [l for l in r.stdout.split("\n") if l.startswith("[")]
    m = [LINE.match(l) for l in lines]
    check(r.returncode == 0 and len(lines) == 5 and all(m), f"a line per trial: {r.stdout}")
    if all(m) and len(m) == 5:
        check([int(x.group(1)) for x in m] == [1, 2, 3, 4, 5] and
              all(x.group(2) == "5" for x in m), "[i/N] counts the finished trials")
        values = [float(re.search(r"loss=(\S+)", x.group(5)).group(1)) for x in m]
        bests = [float(x.group(6)) for x in m]
        check(all(abs(b - min(values[:i + 1])) <= 1e-5 * max(1, abs(b))
                  for i, b in enumerate(bests)), f"best so far: {values} {bests}")
    # resumed: what it found
    r = run(["run", "sweep.yaml", "--trials", "7"], d)
    first = r.stdout.split("\n")[0]
    check(first == "resuming study 'quad': 5 trials found: 5 complete, 0 failed, 0 pruned",
          f"resume line: {first!r}")
    check(sum(1 for l in r.stdout.split("\n") if LINE.match(l)) == 2, "two more lines")
    # interrupted trials: Ctrl-C, then the table and the resumed run name them
    d2 = os.path.join(d, "sigint")
    os.mkdir(d2)
    sweep(d2, run_cap=4)
    p = subprocess.Popen([GPBO, "run", "sweep.yaml", "--jobs", "2"], cwd=d2,
                         env=dict(os.environ, OBJ_SLEEP="30"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    wait_for_steps(os.path.join(d2, "quad.db"), 2)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    check(p.returncode == 130, f"Ctrl-C: {p.returncode}")
    # the two started, and (random asks one ahead) perhaps one proposed and not started
    t = run(["trials", "sweep.yaml"], d2)
    rows = [l.split() for l in t.stdout.split("\n")[1:] if l.strip()]
    check(len(rows) in (2, 3) and all(r[1] == "interrupted" for r in rows) and
          "nan" not in t.stdout and t.stdout.count("stopped after step") >= 2 and
          t.stdout.count("runs again on the next gpbo run") == len(rows),
          f"interrupted trials: {t.stdout}")
    # the exports say so too (JSON, CSV, and the intermediate values' CSV)
    js = json.loads(run(["export", "sweep.yaml", "--format", "json"], d2).stdout)
    check(len(js) == len(rows) and all(x["state"] == "interrupted" for x in js),
          f"export json of interrupted trials: {js}")
    cs = list(csv.DictReader(io.StringIO(run(["export", "sweep.yaml"], d2).stdout)))
    check(len(cs) == len(rows) and all(x["state"] == "interrupted" for x in cs),
          f"export csv of interrupted trials: {cs}")
    st = list(csv.DictReader(io.StringIO(run(["export", "sweep.yaml", "--steps"], d2).stdout)))
    check(len(st) >= 2 and all(x["state"] == "interrupted" for x in st),
          f"export --steps of interrupted trials: {st}")
    sl = run(["studies", "--storage", os.path.join(d2, "quad.db")], d2).stdout.split("\n")
    head, row = sl[0].split(), sl[1].split()
    check(row[head.index("running")] == "0" and row[head.index("interrupted")] == str(len(rows)),
          f"gpbo studies counts them as interrupted: {sl}")
    rep = run(["report", "sweep.yaml", "-o", "r.html"], d2)
    page = open(os.path.join(d2, "r.html"), encoding="utf-8").read() if rep.returncode == 0 else ""
    check(page.count("<td>interrupted</td>") == len(rows) and "<td>running</td>" not in page,
          f"the report's table: {rep.returncode} {rep.stderr}")
    r = run(["run", "sweep.yaml", "--jobs", "2"], d2)
    n = len(rows)
    check(r.returncode == 0 and r.stdout.startswith(
        f"resuming study 'quad': {n} trials found: 0 complete, 0 failed, 0 pruned, "
        f"{n} interrupted"), f"resumed after Ctrl-C: {r.stdout}")


def wait_for_steps(db, n, timeout=60):
    """Until n trials have stored an intermediate value (both running, their handler set)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            con = sqlite3.connect(db)
            k = con.execute("SELECT COUNT(DISTINCT trial) FROM intermediate").fetchone()[0]
            con.close()
            if k >= n:
                return
        except sqlite3.Error:
            pass
        time.sleep(0.05)


def test_compare_progress(d):
    sweep(d, run_cap=3)
    os.rename(os.path.join(d, "sweep.yaml"), os.path.join(d, "quad.yaml"))
    write(os.path.join(d, "c.yaml"), """\
    name: cmp
    strategies: [random, sobol]
    problems: [quad.yaml]
    seeds: 2
    budget: 3
    jobs: 1
    """)
    # each run takes >= 3 trials x 1 s: the first progress line comes while runs remain
    p = subprocess.Popen([GPBO, "compare", "c.yaml"], cwd=d, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ, OBJ_SLEEP="1"))
    header = p.stdout.readline()
    first = p.stderr.readline()
    alive = p.poll() is None
    out, err = p.communicate(timeout=300)
    check(header.startswith("gpbo compare: 2 strategies x 1 problems x 2 seeds, budget 3: 4 runs"),
          f"the header first: {header!r}")
    check(re.match(r"gpbo compare: \[1/4\] \S+ done \| \d\d:\d\d elapsed", first) and alive,
          f"progress while it runs: {first!r} (running: {alive})")
    lines = [first] + err.split("\n")
    done = [int(m.group(1)) for m in (re.match(r"gpbo compare: \[(\d)/4\]", l) for l in lines) if m]
    check(p.returncode == 0 and done == [1, 2, 3, 4], f"a line per run: {err}")


def test_studies_and_default_study(d):
    sweep(d, run_cap=3)
    db = os.path.join(d, "two.db")
    for name in ("alpha", "beta"):
        r = run(["run", "sweep.yaml", "--storage", db, "--study", name, "--trials", "2"], d)
        check(r.returncode == 0, f"run {name}: {r.stderr}")
    s = run(["studies", "--storage", db], d)
    rows = [l.split() for l in s.stdout.split("\n")[1:] if l.strip()]
    check(s.returncode == 0 and [r[0] for r in rows] == ["alpha", "beta"] and
          all(r[1] == "2" and r[-1] == "minimize" for r in rows), f"studies: {s.stdout}")
    con = sqlite3.connect(db)
    best = con.execute("SELECT MIN(value) FROM trials t JOIN studies s ON t.study = s.id "
                       "WHERE s.name = 'alpha'").fetchone()[0]
    con.close()
    col = s.stdout.split("\n")[0].split().index("best")
    check(rows and abs(float(rows[0][col]) - best) <= 1e-9 * max(1, abs(best)),
          f"studies shows the best: {rows} {best}")
    for c in ("best", "trials", "export", "report"):
        r = run([c, "--storage", db], d)
        check(r.returncode == 2 and "alpha" in r.stderr and "beta" in r.stderr and
              "--study" in r.stderr, f"{c} on two studies: {r.stderr}")
    for c in ("best", "trials", "export", "report", "retrain"):  # a misspelt --study
        r = run([c] + (["sweep.yaml"] if c == "retrain" else []) +
                ["--storage", db, "--study", "alpah"], d)
        check(r.returncode == 2 and r.stderr.count("\n") == 1 and
              r.stderr.endswith("no study named 'alpah'; give --study with one of: alpha beta\n"),
              f"{c} --study alpah: {r.returncode} {r.stderr}")
    one = os.path.join(d, "quad.db")
    run(["run", "sweep.yaml"], d)
    for c in ("best", "trials", "export"):
        r = run([c, "--storage", one], d)
        check(r.returncode == 0 and r.stdout, f"{c} on one study: {r.returncode} {r.stderr}")
    r = run(["report", "--storage", one, "-o", os.path.join(d, "r.html")], d)
    check(r.returncode == 0, f"report on one study: {r.stderr}")
    missing = os.path.join(d, "nosuch.db")
    r = run(["studies", "--storage", missing], d)
    check(r.returncode == 1 and "no such file" in r.stderr and not os.path.exists(missing),
          f"a missing file: {r.returncode} {r.stderr}")
    r = run(["best", "--storage", missing], d)
    check(r.returncode == 1 and not os.path.exists(missing), f"best on a missing file: {r.stderr}")
    r = run(["studies"], d)
    check(r.returncode == 2 and "--storage" in r.stderr, f"studies without storage: {r.stderr}")


def test_studies_pg(d):
    """gpbo studies on a server: two studies of this run among the server's others."""
    sweep(d, run_cap=3)
    names = [f"ux_{k}_{os.getpid()}_{int(time.time() * 1000) % 10**9}" for k in ("a", "b")]
    for name in names:
        r = run(["run", "sweep.yaml", "--storage", PG_URL, "--study", name, "--trials", "2"], d)
        check(r.returncode == 0, f"run {name}: {r.stderr}")
    s = run(["studies", "--storage", PG_URL], d)
    rows = {l.split()[0]: l.split() for l in s.stdout.split("\n")[1:] if l.strip()}
    check(s.returncode == 0 and all(n in rows and rows[n][1] == "2" for n in names),
          f"studies on PostgreSQL: {s.stdout}")
    order = [n for n in rows if n in names]
    check(order == names, f"in creation order: {order}")
    r = run(["best", "--storage", PG_URL], d)
    check(r.returncode == 2 and all(n in r.stderr for n in names), f"best, several: {r.stderr}")


def test_delete(d):
    """gpbo delete: the named study leaves the storage with its trials and the other stays; its
    trial folders move aside, so a study made anew under its name starts at trial-000000 again
    (the old folder was taken for an earlier execution of its trial 0, trial-000000.2); refused:
    no name, a misspelt one; a missing file is not made."""
    sweep(d, run_cap=3)
    db = os.path.join(d, "two.db")
    for name in ("alpha", "beta"):
        r = run(["run", "sweep.yaml", "--storage", db, "--study", name, "--trials", "2"], d)
        check(r.returncode == 0, f"run {name}: {r.stderr}")
    r = run(["delete", "--storage", db], d)
    check(r.returncode == 2 and "--study" in r.stderr, f"delete without a name: {r.stderr}")
    r = run(["delete", "--storage", db, "--study", "alpah"], d)
    check(r.returncode == 2 and r.stderr.endswith(
        "no study named 'alpah'; give --study with one of: alpha beta\n"), f"alpah: {r.stderr}")
    r = run(["delete", "--storage", db, "--study", "alpha"], d)
    check(r.returncode == 0 and f"deleted study 'alpha' (2 trials) from {db}" in r.stdout and
          "moved to" in r.stdout and not os.path.exists(os.path.join(d, "two.runs")) and
          os.path.isdir(os.path.join(d, "two.beta.runs", "trial-000000")),
          f"delete alpha: {r.returncode} {r.stdout} {r.stderr} {os.listdir(d)}")
    s = run(["studies", "--storage", db], d)
    rows = [l.split() for l in s.stdout.split("\n")[1:] if l.strip()]
    check([(r[0], r[1]) for r in rows] == [("beta", "2")], f"beta stays: {s.stdout}")
    r = run(["delete", "--storage", db, "--study", "alpha"], d)
    check(r.returncode == 2 and "no study named 'alpha'" in r.stderr, f"again: {r.stderr}")
    missing = os.path.join(d, "nosuch.db")
    r = run(["delete", "--storage", missing, "--study", "alpha"], d)
    check(r.returncode == 1 and "no such file" in r.stderr and not os.path.exists(missing),
          f"a missing file: {r.returncode} {r.stderr}")
    # the sweep's own study and storage; then made anew under its name
    r = run(["run", "sweep.yaml"], d)
    runs = os.path.join(d, "quad.runs")
    trials = lambda: sorted(f for f in os.listdir(runs) if f.startswith("trial-"))  # noqa: E731
    check(r.returncode == 0 and trials() == ["trial-000000", "trial-000001", "trial-000002"],
          f"run: {r.stderr}")
    r = run(["delete", "sweep.yaml"], d)
    aside = [f for f in os.listdir(d) if f.startswith("quad.runs.deleted-")]
    check(r.returncode == 0 and "deleted study 'quad' (3 trials)" in r.stdout and
          "moved to" in r.stdout and not os.path.exists(runs) and len(aside) == 1 and
          "trial-000000" in os.listdir(os.path.join(d, aside[0])),
          f"delete sweep.yaml: {r.returncode} {r.stdout} {r.stderr} {os.listdir(d)}")
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0 and trials() == ["trial-000000", "trial-000001", "trial-000002"],
          f"made anew: {r.stderr} {os.listdir(runs) if os.path.isdir(runs) else None}")


def test_two_studies_one_file(d):
    """Two studies of one SQLite file keep their trial folders apart: the first run there owns
    <file>.runs, the other has <file>.<study>.runs. They shared the one folder: the second
    study's trial 0 ran in trial-000000.2 with the first study's trial-000000 as its
    GPBO_PREVIOUS_TRIAL_DIR. A folder an older gpbo made (no owner file) stays the study's when
    the file holds it alone, and is not claimed by a second study."""
    sweep(d, run_cap=3)
    with open(os.path.join(d, "obj.py"), "a") as f:
        f.write('print("prev=" + os.environ.get("GPBO_PREVIOUS_TRIAL_DIR", "none"))\n')
    db = os.path.join(d, "shared.db")
    for name in ("alpha", "beta"):
        r = run(["run", "sweep.yaml", "--storage", db, "--study", name, "--trials", "2"], d)
        check(r.returncode == 0, f"run {name}: {r.stderr}")
    for folder in ("shared.runs", "shared.beta.runs"):
        trials = sorted(f for f in os.listdir(os.path.join(d, folder)) if f.startswith("trial"))
        check(trials == ["trial-000000", "trial-000001"], f"{folder}: {trials}")
    with open(os.path.join(d, "shared.beta.runs", "trial-000000", "stdout")) as f:
        out = f.read()
    check("prev=none" in out, f"beta's trial 0 resumed another's: {out}")
    with open(os.path.join(d, "shared.runs", ".gpbo-study")) as f:
        check(f.read() == "alpha\n", "the owner file")
    # an older gpbo's folder: no owner file. The file's one study keeps it ...
    old = os.path.join(d, "old.db")
    r = run(["run", "sweep.yaml", "--storage", old, "--study", "solo", "--trials", "1"], d)
    os.unlink(os.path.join(d, "old.runs", ".gpbo-study"))
    r = run(["run", "sweep.yaml", "--storage", old, "--study", "solo", "--trials", "2"], d)
    trials = sorted(f for f in os.listdir(os.path.join(d, "old.runs")) if f.startswith("trial"))
    check(r.returncode == 0 and trials == ["trial-000000", "trial-000001"] and
          not os.path.exists(os.path.join(d, "old.solo.runs")), f"solo resumed: {trials}")
    # ... and a second study of the file does not take it
    os.unlink(os.path.join(d, "old.runs", ".gpbo-study"))
    r = run(["run", "sweep.yaml", "--storage", old, "--study", "other", "--trials", "1"], d)
    check(r.returncode == 0 and os.path.isdir(os.path.join(d, "old.other.runs", "trial-000000"))
          and not os.path.exists(os.path.join(d, "old.runs", ".gpbo-study")),
          f"other: {r.stderr} {os.listdir(d)}")
    # deleting it moves its own folder aside, and leaves the older gpbo's one
    r = run(["delete", "--storage", old, "--study", "other"], d)
    check(r.returncode == 0 and "moved to" in r.stdout and
          not os.path.exists(os.path.join(d, "old.other.runs")) and
          os.path.isdir(os.path.join(d, "old.runs", "trial-000000")),
          f"delete other: {r.stdout} {r.stderr} {os.listdir(d)}")
    r = run(["delete", "--storage", old, "--study", "solo"], d)  # the file's last study
    check(r.returncode == 0 and "moved to" in r.stdout and
          not os.path.exists(os.path.join(d, "old.runs")), f"delete solo: {r.stdout} {r.stderr}")


def test_delete_pg(d):
    """gpbo delete on a server: the study leaves it, the server's others stay; with the sweep
    file its trial folders (next to the sweep) move aside."""
    sweep(d, run_cap=3)
    names = [f"uxdel_{k}_{os.getpid()}_{int(time.time() * 1000) % 10**9}" for k in ("a", "b")]
    for name in names:
        r = run(["run", "sweep.yaml", "--storage", PG_URL, "--study", name, "--trials", "2"], d)
        check(r.returncode == 0, f"run {name}: {r.stderr}")
    r = run(["delete", "sweep.yaml", "--storage", PG_URL, "--study", names[0]], d)
    check(r.returncode == 0 and f"deleted study '{names[0]}' (2 trials)" in r.stdout and
          "moved to" in r.stdout and not os.path.exists(os.path.join(d, names[0] + ".runs")),
          f"delete: {r.returncode} {r.stdout} {r.stderr}")
    s = run(["studies", "--storage", PG_URL], d)
    listed = [l.split()[0] for l in s.stdout.split("\n")[1:] if l.strip()]
    check(names[0] not in listed and names[1] in listed, f"studies after: {s.stdout}")
    r = run(["delete", "--storage", PG_URL, "--study", names[0]], d)
    check(r.returncode == 2 and f"no study named '{names[0]}'" in r.stderr, f"again: {r.stderr}")


def test_pruned_in_trials(d):
    sweep(d, run_cap=12, extra="early_terminate: {type: hyperband, min_iter: 1, eta: 2}\n")
    r = run(["run", "sweep.yaml", "--jobs", "2"], d, env=dict(os.environ, OBJ_SLEEP="0.6"))
    check(r.returncode == 0, f"run: {r.stderr}")
    pruned_lines = [l for l in r.stdout.split("\n") if " pruned at step " in l]
    data = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    pruned = {t["trial"]: t for t in data if t["state"] == "pruned"}
    check(len(pruned) >= 1 and len(pruned_lines) == len(pruned), f"pruned: {r.stdout}")
    t = run(["trials", "sweep.yaml"], d)
    for line in t.stdout.split("\n")[1:]:
        w = line.split()
        if len(w) > 2 and w[1] == "pruned":
            tr = pruned[int(w[0])]
            step, value = tr["intermediate"][-1]
            check(f"pruned at step {step}" in line and
                  abs(float(w[2]) - value) <= 1e-5 * max(1, abs(value)),
                  f"a pruned trial's last step and value: {line} {tr['intermediate']}")
    check("nan" not in t.stdout, f"no nan in the table: {t.stdout}")


def significant(text):
    """The number of significant digits of a number's text (1.50e3: 2)."""
    return len(text.lower().split("e")[0].lstrip("-").replace(".", "").strip("0"))


def test_export(d):
    sweep(d, run_cap=6)
    r = run(["run", "sweep.yaml", "--jobs", "2"], d)
    check(r.returncode == 0, f"run: {r.stderr}")
    j = run(["export", "sweep.yaml", "--format", "json"], d)
    data = json.loads(j.stdout)
    con = sqlite3.connect(os.path.join(d, "quad.db"))
    steps = con.execute("SELECT trial, step, value FROM intermediate ORDER BY trial, step")
    stored = {}
    for t, s, v in steps.fetchall():
        stored.setdefault(t, []).append([s, v])
    con.close()
    for t in data:
        p = t["params"]
        check(type(p["x"]) is float and type(p["y"]) is float and type(p["n"]) is int and
              type(p["c"]) is str and p["k"] == 3 and type(p["k"]) is int and p["opt"] == "adam",
              f"typed parameters: {p}")
        check(t["intermediate"] == stored.get(t["trial"]), f"intermediate values of {t['trial']}")
    # every number as short as it reads back: the loss is printed with Python's shortest repr,
    # and comes back as that same text
    printed = set()
    for t in range(6):
        out = open(os.path.join(d, "quad.runs", f"trial-{t:06d}", "stdout")).read()
        printed.add(re.findall(r"^loss=(\S+)$", out, re.M)[-1])
    texts = set(re.findall(r'"value": ([-0-9.e+]+)', j.stdout))
    check(printed <= texts, f"the values as printed: {printed} in {texts}")
    for num in re.findall(r"(?<![\w.])-?\d+\.\d+(?:e[-+]?\d+)?", j.stdout):
        check(significant(num) <= significant(repr(float(num))) and float(num) == float(num),
              f"shortest round-trip: {num} (Python: {float(num)!r})")
    # the other metrics the program printed: the final ones, typed, stored with each trial
    for t in data:
        out = open(os.path.join(d, "quad.runs", f"trial-{t['trial']:06d}", "stdout")).read()
        acc = float(re.search(r"^acc=(\S+),", out, re.M).group(1))
        m = t["metrics"]
        check(m.get("acc") == acc and m.get("f1") == t["params"]["n"] / 20 and
              m.get("epochs") == 3 and m.get("aux") == 2.5 and m.get("loss") == t["value"] and
              "label" not in m and "step" not in m, f"metrics of {t['trial']}: {m}")
    j2 = json.loads(run(["export", "--storage", os.path.join(d, "quad.db"), "--format", "json"],
                        d).stdout)
    check([t["metrics"] for t in j2] == [t["metrics"] for t in data],
          "the metrics through --storage alone")
    con = sqlite3.connect(os.path.join(d, "quad.db"))
    kept = dict(con.execute("SELECT id, metrics FROM trials").fetchall())
    con.close()
    check(all(json.loads(kept[t["trial"]]) == t["metrics"] for t in data),
          f"the metrics are the stored ones: {kept}")
    os.rename(os.path.join(d, "quad.runs"), os.path.join(d, "moved.runs"))
    j3 = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    check([t["metrics"] for t in j3] == [t["metrics"] for t in data],
          "the metrics without the trial folders")
    c = run(["export", "sweep.yaml"], d)
    os.rename(os.path.join(d, "moved.runs"), os.path.join(d, "quad.runs"))
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    check(len(rows) == 6 and {r["value"] for r in rows} >= printed and
          all(re.fullmatch(r"\d+", r["n"]) for r in rows), f"CSV: {c.stdout}")
    check(all(float(r["metrics.acc"]) == t["metrics"]["acc"] and
              float(r["metrics.aux"]) == 2.5 and r["metrics.epochs"] == "3"
              for r, t in zip(rows, data)), f"CSV metric columns: {c.stdout}")
    s = run(["export", "sweep.yaml", "--steps"], d)
    srows = list(csv.DictReader(io.StringIO(s.stdout)))
    check(len(srows) == sum(len(v) for v in stored.values()) and
          all(float(r["value"]) == dict(map(tuple, stored[int(r["trial"])]))[int(r["step"])]
              for r in srows), f"--steps: {s.stdout[:300]}")
    b = run(["best", "sweep.yaml"], d)
    value = dict(l.split("=", 1) for l in b.stdout.split())["value"]
    check(value in printed, f"best's value as printed: {value}")


PG_ARG = [a for a in sys.argv[2:] if a.startswith("--pg=")]
PG_URL = open(PG_ARG[0][5:]).read().strip() if PG_ARG else None


ROW = re.compile(r"^(tuned \(trial (\d+)\)|default)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)"
                 r"\s+(\S+)$")


def retrained(r):
    """gpbo retrain's output: its rows {label: (val_accuracy, test_accuracy)}, the number of
    training images, the points it says tuning bought, the epoch lines per label."""
    rows = {m.group(1): (float(m.group(3)), float(m.group(4)))
            for m in map(ROW.match, r.stdout.split("\n")) if m}
    size = re.search(r"^trained on (\d+) images \((\d+) more for validation\), (\d+) epochs",
                     r.stdout, re.M)
    bought = re.search(r"^tuning bought ([-+]\d+\.\d+) points", r.stdout, re.M)
    epochs = {}
    for m in re.finditer(r"^  (.+): epoch (\d+)/(\d+) val_accuracy=", r.stdout, re.M):
        epochs.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3))))
    return (rows, size and tuple(int(x) for x in size.groups()),
            bought and float(bought.group(1)), epochs)


def test_retrain(d):
    """What tuning bought: the best trial of a trainer sweep trained again beside the trainer's
    defaults. With --train-size equal to the search's, the tuned row repeats the trial (same
    data, seed and settings: only the order of float sums may differ) and the default row
    repeats `gpbo train` with the sweep's trainer section."""
    write(os.path.join(d, "mlp.yaml"), """\
    name: mlp
    method: random
    metric: {name: val_accuracy, goal: maximize}
    run_cap: 3
    parameters:
      lr: {distribution: log_uniform_values, min: 0.001, max: 0.03}
      hidden: {values: [16, 32]}
      optimizer: {values: [adam, sgd]}
    trainer: {train_size: 600, val_size: 300, epochs: 2, seed: 3}
    gpbo: {seed: 4}
    """)
    check(run(["run", "mlp.yaml", "--jobs", "2"], d).returncode == 0, "the trainer sweep runs")
    best = dict(l.split("=", 1) for l in run(["best", "mlp.yaml"], d).stdout.split("\n") if l)
    r = run(["retrain", "mlp.yaml", "--train-size", "600"], d)
    rows, size, bought, epochs = retrained(r)
    tuned = f"tuned (trial {best['trial']})"
    check(r.returncode == 0 and set(rows) == {tuned, "default"}, f"two rows: {r.stdout} {r.stderr}")
    first = r.stdout.split("\n")[0]
    check(first == f"{tuned}: lr={best['lr']} hidden={best['hidden']} "
          f"optimizer={best['optimizer']}", f"the best trial's parameters: {first!r} {best}")
    check(size == (600, 300, 2), f"the data and epochs said: {size}")
    check(epochs == {tuned: [(1, 2), (2, 2)], "default": [(1, 2), (2, 2)]},
          f"an epoch line each: {epochs}")
    if set(rows) == {tuned, "default"}:
        check(abs(rows[tuned][0] - float(best["value"])) <= 0.02,
              f"the tuned row repeats the trial: {rows[tuned]} vs {best['value']}")
        t = run(["train", "--train_size", "600", "--val_size", "300", "--epochs", "2", "--seed",
                 "3", "--test", "true"], d)
        got = dict(l.split("=", 1) for l in t.stdout.split("\n") if l.startswith(("val_", "test_")))
        check(abs(rows["default"][0] - float(got["val_accuracy"])) <= 0.02 and
              abs(rows["default"][1] - float(got["test_accuracy"])) <= 0.02,
              f"the default row is gpbo train's defaults: {rows['default']} vs {got}")
        check(bought is not None and
              abs(bought - 100 * (rows[tuned][1] - rows["default"][1])) <= 0.011,
              f"what tuning bought is the rows' difference: {bought} {rows}")
    # another trial, the whole training set (but the validation images)
    r = run(["retrain", "mlp.yaml", "--trial", "0"], d)
    rows, size, _, _ = retrained(r)
    check(r.returncode == 0 and "tuned (trial 0)" in rows and size == (59700, 300, 2),
          f"--trial 0 on the whole set: {size} {r.stdout} {r.stderr}")
    # --by model: refused beside --trial (both choose the trial), with a word it does not take,
    # and on a study whose strategy has no model (random search), each saying why
    for args, code, want in ((["--trial", "0", "--by", "model"], 2, "give one"),
                             (["--by", "best"], 2, "'best' is neither value nor model"),
                             (["--by", "model"], 1, "has no model")):
        r = run(["retrain", "mlp.yaml"] + args, d)
        check(r.returncode == code and want in r.stderr and "tuned" not in r.stdout,
              f"retrain {args}: exit {r.returncode} {r.stderr!r}")
    # refused: a trial that does not exist, a sweep of its own program, no sweep file
    sweep(d, run_cap=2)
    run(["run", "sweep.yaml"], d)
    for args, want in ((["retrain", "mlp.yaml", "--trial", "9"], "has no trial 9"),
                       (["retrain", "sweep.yaml"], "needs the built-in trainer"),
                       (["retrain", "--storage", "mlp.db"], "give the sweep file")):
        r = run(args, d)
        check(r.returncode == 2 and want in r.stderr and r.stderr.count("\n") == 1,
              f"{' '.join(args)}: {r.returncode} {r.stderr!r}")


def test_retrain_capped_model(d):
    """gpbo retrain --by model says when the recommendation came from the model of 1000 of the
    observations (gpbo_study_recommend's cap, GPBO_RECOMMEND_MAX_OBS), in gpbo best --by model's
    words (one helper, cli_recommend_capped_note): past 1000 trials (1001) one line on stderr,
    at 1000 none; it trains the trial gpbo best --by model names. Before, retrain never said it."""
    import random
    rng = random.Random(23)
    for n in (1000, 1001):
        name = f"m{n}"
        write(os.path.join(d, f"{name}.yaml"), f"""\
        name: {name}
        method: bayes
        metric: {{name: val_accuracy, goal: maximize}}
        run_cap: {n}
        parameters:
          lr: {{distribution: log_uniform_values, min: 0.001, max: 0.03}}
          dropout: {{min: 0.0, max: 0.5}}
        trainer: {{train_size: 300, val_size: 100, epochs: 1, seed: 3}}
        """)
        rows = ["trial,state,value,lr,dropout"]
        for t in range(n):
            lr, dr = 10 ** rng.uniform(-3, math.log10(0.03)), rng.uniform(0, 0.5)
            acc = 0.8 - (math.log10(lr) + 2) ** 2 / 10 - (dr - 0.2) ** 2 + rng.gauss(0, 0.02)
            rows.append(f"{t},complete,{acc!r},{lr!r},{dr!r}")
        write(os.path.join(d, f"{name}.csv"), "\n".join(rows) + "\n")
        r = run(["import", f"{name}.yaml", f"{name}.csv"], d)
        check(r.returncode == 0, f"import {name}: {r.stderr}")
        r = run(["retrain", f"{name}.yaml", "--by", "model", "--train-size", "300"], d,
                timeout=600)
        b = run(["best", f"{name}.yaml", "--by", "model"], d, timeout=600)
        note = f"the recommendation of the model of 1000 of the {n} observations"
        said = [l for l in r.stderr.split("\n") if note in l]
        check(r.returncode == 0 and b.returncode == 0 and len(said) == (n > 1000),
              f"{name}: retrain's note past 1000 only: {r.returncode} {r.stderr!r}")
        check([l.replace("gpbo retrain:", "gpbo best:") for l in said] ==
              [l for l in b.stderr.split("\n") if note in l],
              f"{name}: gpbo best's words: {said} {b.stderr!r}")
        trial = dict(l.split("=", 1) for l in b.stdout.split("\n") if l).get("trial")
        check(re.search(rf"^tuned \(trial {trial}\): ", r.stdout, re.M) is not None,
              f"{name}: retrains gpbo best --by model's trial {trial}: {r.stdout[:200]!r}")


def mlp_parameters(hidden, layers, inputs=784, classes=10):
    """The weights and biases of an MLP of `layers` hidden layers of `hidden` units."""
    return (inputs + 1) * hidden + (layers - 1) * (hidden + 1) * hidden + (hidden + 1) * classes


def test_trainer_shape(d):
    """hidden and layers make the trainer's model an MLP of `layers` hidden layers of `hidden`
    units. layers without hidden used to be ignored (the default mlp:256-128 trained whatever
    layers said: a sweep searching layers alone searched nothing), hidden beside model replaced
    the model (a CNN became an MLP), and 0 meant "not given"; each is now refused."""
    small = ["--train_size", "300", "--val_size", "100", "--epochs", "1"]
    for args, want in ((["--layers", "3"], "layers needs hidden"),
                       (["--hidden", "0"], "hidden is 0"),
                       (["--hidden", "16", "--layers", "0"], "layers is 0"),
                       (["--model", "cnn:c4k3-p2", "--hidden", "16"], "model and hidden")):
        r = run(["train"] + args + small, d)
        check(r.returncode == 2 and want in r.stderr and r.stderr.count("\n") == 1,
              f"train {args}: {r.returncode} {r.stderr!r}")
    for hidden, layers in ((16, 3), (16, 1)):
        r = run(["train", "--hidden", str(hidden), "--layers", str(layers)] + small, d)
        got = dict(l.split("=", 1) for l in r.stdout.split("\n") if "=" in l)
        check(r.returncode == 0 and got.get("parameters") == str(mlp_parameters(hidden, layers)),
              f"train --hidden {hidden} --layers {layers}: {r.returncode} {got} {r.stderr}")

    body = """\
    name: {name}
    method: grid
    metric: {{name: val_accuracy, goal: maximize}}
    parameters:
      layers: {{min: 1, max: 3}}
    trainer: {{train_size: 300, val_size: 100, epochs: 1{extra}}}
    """
    write(os.path.join(d, "alone.yaml"), body.format(name="alone", extra=""))
    r = run(["run", "alone.yaml"], d)
    check(r.returncode == 2 and "alone.yaml" in r.stderr and "layers needs hidden" in r.stderr,
          f"a sweep of layers without hidden is refused: {r.returncode} {r.stderr!r}")
    check(not os.path.exists(os.path.join(d, "alone.db")), "nothing stored for it")
    write(os.path.join(d, "cnn.yaml"), body.format(name="cnn", extra=", model: 'cnn:c4k3-p2'")
          .replace("layers: {min: 1, max: 3}", "hidden: {min: 8, max: 16}"))
    r = run(["run", "cnn.yaml"], d)
    check(r.returncode == 2 and "model and hidden" in r.stderr, f"model and hidden: {r.stderr!r}")
    write(os.path.join(d, "shape.yaml"), body.format(name="shape", extra=", hidden: 16"))
    r = run(["run", "shape.yaml"], d)
    check(r.returncode == 0, f"hidden in the trainer section, layers searched: {r.stderr}")
    trials = json.loads(run(["export", "shape.yaml", "--format", "json"], d).stdout)
    sizes = {t["params"]["layers"]: t["metrics"].get("parameters") for t in trials}
    check(sizes == {k: mlp_parameters(16, k) for k in (1, 2, 3)},
          f"each trial trains the network its layers says: {sizes}")


def test_compare_quartiles(d):
    """The regret summary's median and quartiles are printed to one precision, so that the
    quartiles read q1 <= median <= q3: at 3 digits for the median and 2 for the quartiles, one
    seed's 49.7 read '49.7 [50, 50]'."""
    write(os.path.join(d, "q.yaml"), """\
    strategies: [random, sobol]
    problems: [branin, rosenbrock:3]
    seeds: 1
    budget: 6
    budgets: [2, 4, 6]
    """)
    write(os.path.join(d, "q3.yaml"), """\
    strategies: [random]
    problems: [branin, ackley:2]
    seeds: 3
    budget: 5
    budgets: [3, 5]
    """)
    for name, ncells in (("q.yaml", 2 * 3 * 2), ("q3.yaml", 2 * 2 * 1)):  # problems budgets strategies
        r = run(["compare", name], d, timeout=300)
        cells = re.findall(r"\| (\S+) (\S+) \[(\S+), (\S+)\]", r.stdout)
        check(r.returncode == 0 and len(cells) == ncells,
              f"{name}: {r.returncode} {len(cells)} cells {r.stdout} {r.stderr}")
        for st, md, q1, q3 in cells:
            check(float(q1) <= float(md) <= float(q3), f"{name} {st}: {md} [{q1}, {q3}]")
            if name == "q.yaml":  # one seed: the median is each quartile
                check(md == q1 == q3, f"one seed, one number: {st} {md} [{q1}, {q3}]")


def main():
    if PG_URL:
        tests = [test_studies_pg, test_delete_pg]
    else:
        tests = [test_help, test_no_trial_completed, test_progress_and_resume,
                 test_compare_progress, test_studies_and_default_study, test_delete,
                 test_two_studies_one_file,
                 test_pruned_in_trials,
                 test_export, test_retrain, test_retrain_capped_model, test_trainer_shape, test_compare_quartiles]
    only = [a for a in sys.argv[2:] if not a.startswith("--pg=")]
    return run_tests(tests, prefix="gpbo-ux-", only=only)


if __name__ == "__main__":
    sys.exit(main())
