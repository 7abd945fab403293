#!/usr/bin/python3
"""End-to-end tests of studies of several objectives (issue 20): `metrics:` in a sweep file and
its errors (exit 2, one line naming file:line:column), `gpbo best` printing the Pareto front
(checked against the front computed here from `gpbo export`; ties, duplicates, three objectives
of mixed directions, words of distinct names), a trial lacking a finite value of an objective
failing, `gpbo studies` of such a study, the export's objectives, the report's front figure and
summary, the dashboard's front, and `gpbo compare` on Branin-Currin and ZDT2 measuring the
hypervolume against the reference point (each figure checked against a brute-force one).

Usage: test_mo.py PATH/TO/gpbo [TEST ...]
"""
import csv
import json
import math
import os
import re
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import PY, check, run, run_tests, write  # noqa: E402
from test_dashboard import Server  # noqa: E402

# accuracy rises with x and so does the time it takes: a trade-off; y only adds noise-free cost
OBJ = """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    x, y = float(a["x"]), float(a["y"])
    print(f"acc={1 - (1 - x) ** 2 - 0.1 * y * y!r}")
    print(f"seconds={1 + 10 * x * x + y!r}")
    """

HEAD = textwrap.dedent("""\
    name: {name}
    parameters:
      x: {{min: 0.0, max: 1.0}}
      y: {{min: 0.0, max: 1.0}}
    run_cap: {cap}
    command: ["{py}", "obj.py", "${{args}}"]
    """)


def mo_sweep(d, method="bayes", cap=14, name="mo"):
    write(os.path.join(d, "obj.py"), OBJ)
    write(os.path.join(d, "mo.yaml"), HEAD.format(name=name, cap=cap, py=PY) + textwrap.dedent(f"""\
    method: {method}
    metrics:
      - {{name: acc, goal: maximize}}
      - {{name: seconds, goal: minimize}}
    gpbo: {{initial: 6, jobs: 2}}
    """))


def test_sweep_errors(d):
    write(os.path.join(d, "obj.py"), OBJ)
    cases = [
        ("metrics: {name: a}", 7, "metrics must be a list"),
        ("metrics: []", 7, "metrics lists 0 metrics"),
        ("metrics:\n  - {name: a, goal: up}", 8, "unknown goal 'up'"),
        ("metrics:\n  - {name: a}\n  - {name: a}", 9, "metric 'a' appears twice"),
        ("metrics:\n  - {goal: minimize}", 8, "needs a name"),
        ("metrics:\n  - {name: 'a b'}", 8, "must be a word"),
        ("metrics:\n  - {name: a, gaol: minimize}", 8, "did you mean 'goal'"),
        ("metric: {name: a}\nmetrics:\n  - {name: b}", 9, "metric: and metrics:"),
        ("metrics:\n  - {name: a}\n  - {name: b}\ngpbo: {mo_acquisition: nsga}", 10,
         "unknown mo_acquisition 'nsga'"),
        # constraints with several objectives are taken (test_constrained_front), but not on
        # an objective's metric
        ("metrics:\n  - {name: a}\n  - {name: b}\nconstraints: [{name: b, max: 1}]", 10,
         "constraint 'b' is an objective's metric (metrics:)"),
    ]
    for body, line, want in cases:
        text = HEAD.format(name="e", cap=3, py=PY)
        with open(os.path.join(d, "e.yaml"), "w") as f:
            f.write(text + body + "\n")
        r = run(["run", "e.yaml"], d)
        check(r.returncode == 2 and f"e.yaml:{line}:" in r.stderr and want in r.stderr and
              r.stderr.count("\n") == 1, f"{body!r}: {r.returncode} {r.stderr!r}")


def front_of(points):
    """Ids of the non-dominated points (values in the minimizing sense)."""
    out = []
    for i, p in points.items():
        if not any(all(a <= b for a, b in zip(q, p)) and q != p for q in points.values()):
            out.append(i)
    return sorted(out)


def test_best_export_report(d):
    mo_sweep(d)
    ran = run(["run", "mo.yaml"], d, timeout=600)
    check(ran.returncode == 0, f"gpbo run: {ran.returncode} {ran.stderr}")
    exported = json.loads(run(["export", "mo.yaml", "--format", "json"], d).stdout)
    check(len(exported) == 14, f"14 trials: {len(exported)}")
    for t in exported:
        check(t["state"] == "complete" and set(t["metrics"]) >= {"acc", "seconds"} and
              t["value"] == t["metrics"]["acc"], f"every objective exported: {t}")
    points = {t["trial"]: (-t["metrics"]["acc"], t["metrics"]["seconds"]) for t in exported}
    want = front_of(points)
    check(f"Pareto front: {len(want)} of the 14 complete trials" in ran.stdout,
          f"gpbo run ends with the front's size: {ran.stdout[-300:]}")
    r = run(["best", "mo.yaml"], d)
    check(r.returncode == 0, f"gpbo best: {r.stderr}")
    lines = r.stdout.splitlines()
    got = [int(re.match(r"trial=(\d+) ", l).group(1)) for l in lines]
    check(got == want and len(want) >= 2, f"the front {got} vs {want}: {r.stdout}")
    for l in lines:
        kv = dict(w.split("=", 1) for w in l.split())
        t = exported[int(kv["trial"])]
        check(set(kv) == {"trial", "acc", "seconds", "x", "y"} and
              float(kv["acc"]) == t["metrics"]["acc"] and
              float(kv["seconds"]) == t["metrics"]["seconds"], f"a line of the front: {l}")
    r = run(["export", "mo.yaml"], d)
    rows = list(csv.DictReader(r.stdout.splitlines()))
    check(rows and "metrics.acc" in rows[0] and "metrics.seconds" in rows[0],
          f"CSV columns: {list(rows[0]) if rows else r.stdout}")
    r = run(["report", "mo.yaml", "-o", "r.html"], d, timeout=300)
    check(r.returncode == 0, f"gpbo report: {r.stderr}")
    with open(os.path.join(d, "r.html")) as f:
        page = f.read()
    check(f"the {len(want)} trials no other beats in every objective (maximize acc, minimize "
          f"seconds), over the {14 - len(want)} they dominate" in page,
          "the report draws the front over the dominated trials")
    check("Objectives: maximize acc, minimize seconds." in page, "the summary names both")
    # the summary gave the first objective as the study's ("Study 'mo' (maximize acc)") and its
    # best trial as the study's best
    check(f"Pareto front: {len(want)} trials (figures below)." in page and
          "(maximize acc)" not in page and "Best trial by acc alone (the first objective)" in page,
          "the summary is of several objectives")
    s = Server(d, ["mo.yaml"])
    try:
        study = s.json("api/study?name=mo")
        check([o["name"] for o in study["objectives"]] == ["acc", "seconds"] and
              [o["goal"] for o in study["objectives"]] == ["maximize", "minimize"],
              f"objectives: {study.get('objectives')}")
        on = sorted(p["trial"] for p in study["points"] if p["pareto"])
        check(on == want and len(study["points"]) == 14, f"dashboard front {on} vs {want}")
        p0 = next(p for p in study["points"] if p["trial"] == 0)
        check(p0["values"] == [exported[0]["metrics"]["acc"], exported[0]["metrics"]["seconds"]],
              f"values of trial 0: {p0}")
        status, page = s.get("")
        check(status == 200 and "drawPareto" in page, "the page draws the front")
    finally:
        s.stop()


OBJ_MEM = OBJ.rstrip(" ") + """\
    print(f"mem={x + y!r}")
    """


def test_constrained_front(d):
    """Outcome constraints with several objectives (once refused: "not supported yet"): a
    Bayesian sweep with metrics: and constraints: runs; the front that gpbo run, gpbo best, the
    report and the dashboard show is that of the FEASIBLE trials (computed here from the
    export), and no infeasible trial is on it, though an enqueued infeasible one is on the front
    of all the trials."""
    write(os.path.join(d, "obj.py"), OBJ_MEM)
    write(os.path.join(d, "mc.yaml"), HEAD.format(name="mc", cap=16, py=PY) + textwrap.dedent("""\
    method: bayes
    metrics:
      - {name: acc, goal: maximize}
      - {name: seconds, goal: minimize}
    constraints:
      - {name: mem, max: 0.9}
    gpbo: {initial: 6}
    """))
    # x = 1, y = 0: the best acc there is (1) but mem 1: infeasible, and on the front of all trials
    r = run(["enqueue", "mc.yaml", "x=1.0", "y=0.0"], d)
    check(r.returncode == 0, f"gpbo enqueue: {r.stderr}")
    ran = run(["run", "mc.yaml"], d, timeout=600)
    check(ran.returncode == 0, f"gpbo run: {ran.returncode} {ran.stderr}")
    exported = json.loads(run(["export", "mc.yaml", "--format", "json"], d).stdout)
    check(len(exported) == 16 and all(t["state"] == "complete" for t in exported),
          f"16 complete trials: {exported}")
    for t in exported:
        check(t["feasible"] == (t["metrics"]["mem"] <= 0.9), f"feasible as mem says: {t}")
    feas = {t["trial"]: (-t["metrics"]["acc"], t["metrics"]["seconds"]) for t in exported
            if t["feasible"]}
    want = front_of(feas)
    every = front_of({t["trial"]: (-t["metrics"]["acc"], t["metrics"]["seconds"])
                      for t in exported})
    check(want and 0 in every and 0 not in want and not exported[0]["feasible"],
          f"the enqueued trial is on the front of all, not on the feasible one: {every} {want}")
    check(f"Pareto front: {len(want)} of the 16 complete trials" in ran.stdout,
          f"gpbo run ends with the feasible front's size: {ran.stdout[-300:]}")
    r = run(["best", "mc.yaml"], d)
    got = [int(re.match(r"trial=(\d+) ", l).group(1)) for l in r.stdout.splitlines()]
    check(r.returncode == 0 and got == want, f"gpbo best {got} vs {want}: {r.stdout} {r.stderr}")
    check(all(exported[i]["feasible"] for i in got), "no infeasible trial on the front")
    r = run(["report", "mc.yaml", "-o", "r.html"], d, timeout=300)
    check(r.returncode == 0, f"gpbo report: {r.stderr}")
    with open(os.path.join(d, "r.html")) as f:
        page = f.read()
    check(f"Pareto front: {len(want)} trials (figures below)." in page and
          "The front holds the feasible trials only" in page,
          "the report's summary gives the feasible front")
    # the figure drew the front of every trial (the enqueued infeasible one on it), not the
    # summary's: now the same front, the infeasible trials apart
    nin = sum(not t["feasible"] for t in exported)
    check(f"the {len(want)} trials no other beats in every objective (maximize acc, minimize "
          f"seconds), over the {16 - len(want) - nin} they dominate; the {nin} infeasible "
          "trials (outcome constraints) are on no front" in page,
          "the report's figure draws the feasible front and the infeasible trials apart")
    s = Server(d, ["mc.yaml"])
    try:
        study = s.json("api/study?name=mc")
        on = sorted(p["trial"] for p in study["points"] if p["pareto"])
        check(on == want, f"dashboard front {on} vs {want}")
    finally:
        s.stop()


def test_one_objective_has_no_front(d):
    """A study of one objective: best as before, no front in the dashboard."""
    write(os.path.join(d, "obj.py"), OBJ)
    write(os.path.join(d, "one.yaml"), HEAD.format(name="one", cap=3, py=PY) + textwrap.dedent("""\
    method: random
    metrics:
      - {name: seconds, goal: minimize}
    """))
    r = run(["run", "one.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    r = run(["best", "one.yaml"], d)
    check(r.stdout.startswith("trial=") and "\nvalue=" in r.stdout, f"best: {r.stdout}")
    s = Server(d, ["one.yaml"])
    try:
        check("objectives" not in s.json("api/study?name=one"), "no objectives for one")
    finally:
        s.stop()


def branin_currin(x0, x1):
    a, b = 15 * x0 - 5, 15 * x1
    f1 = (b - 5.1 / (4 * math.pi ** 2) * a * a + 5 / math.pi * a - 6) ** 2 + \
        10 * (1 - 1 / (8 * math.pi)) * math.cos(a) + 10
    v = max(x1, 1e-12)
    f2 = (1 - math.exp(-1 / (2 * v))) * (2300 * x0 ** 3 + 1900 * x0 ** 2 + 2092 * x0 + 60) / \
        (100 * x0 ** 3 + 500 * x0 ** 2 + 4 * x0 + 20)
    return (f1, f2)


def zdt2(x):
    g = 1 + 9 / (len(x) - 1) * sum(x[1:])
    return (x[0], g * (1 - (x[0] / g) ** 2))


def hv_brute(pts, ref):
    """The hypervolume below ref that pts dominate (all minimized), counting the cells of the
    grid their coordinates cut the box into."""
    pts = [p for p in pts if all(a < r for a, r in zip(p, ref))]
    cuts = [sorted({p[j] for p in pts} | {ref[j]}) for j in range(len(ref))]
    total = 0.0
    for i in range(len(cuts[0]) - 1):
        for j in range(len(cuts[1]) - 1):
            if any(p[0] <= cuts[0][i] and p[1] <= cuts[1][j] for p in pts):
                total += (cuts[0][i + 1] - cuts[0][i]) * (cuts[1][j + 1] - cuts[1][j])
    return total


def test_compare_hypervolume(d):
    write(os.path.join(d, "c.yaml"), """\
    name: hv
    strategies: [random, sobol]
    problems: [branin_currin, zdt2:3]
    seeds: 2
    budget: 8
    budgets: [8]
    """)
    r = run(["compare", "c.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo compare: {r.returncode} {r.stderr}")
    check("true front's hypervolume, 59.3601" in r.stdout and "(18, 6)" in r.stdout and
          "120.333" in r.stdout and "(11, 11)" in r.stdout, f"what the regret is: {r.stdout}")
    with open(os.path.join(d, "hv.csv")) as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == 2 * 2 * 2 * 8, f"{len(rows)} rows")
    for row in rows:
        hv, reg = float(row["best"]), float(row["regret"])
        full = 59.36011874867746 if row["problem"] == "branin_currin" else 120 + 1 / 3
        check(hv >= 0 and abs(hv + reg - full) < 1e-4 * full, f"hypervolume and gap: {row}")
    per_run = {}
    for row in rows:
        per_run.setdefault((row["strategy"], row["problem"], row["seed"]), []).append(
            float(row["best"]))
    check(all(v == sorted(v) for v in per_run.values()), "the hypervolume never falls")
    # each printed hypervolume against a brute-force one of the objectives computed here from
    # the exported parameters (BoTorch's BraninCurrin and ZDT2)
    for (strategy, problem, seed), hvs in per_run.items():
        r = run(["export", "--storage", "hv.db", "--study", f"{strategy}/{problem}/{seed}",
                 "--format", "json"], d)
        check(r.returncode == 0, f"export {strategy}/{problem}/{seed}: {r.stderr}")
        pts, ref = [], (18.0, 6.0) if problem == "branin_currin" else (11.0, 11.0)
        for e, t in enumerate(json.loads(r.stdout)):
            p = t["params"]
            pts.append(branin_currin(p["x0"], p["x1"]) if problem == "branin_currin" else
                       zdt2([p["x0"], p["x1"], p["x2"]]))
            want = hv_brute(pts, ref)
            check(abs(hvs[e] - want) <= 1e-4 * max(1.0, want),
                  f"{strategy}/{problem}/{seed} evaluation {e + 1}: {hvs[e]} vs {want}")


# trial i prints a and b (b maximized): ties, duplicates, and b missing, NaN or infinite
ROWS_OBJ = """\
    import sys
    rows = {0: ("1", "1"), 1: ("1", "1"), 2: ("2", "3"), 3: ("0.5", "0.5"), 4: ("2", "2"),
            5: ("3", None), 6: ("3", "nan"), 7: ("inf", "0"), 8: ("0.1", "-inf"), 9: ("0.5", "0.5"),
            10: ("0.2", "inf")}
    a, b = rows[int(sys.argv[1])]
    print("a=" + a)
    if b is not None:
        print("b=" + b)
    """


def test_missing_objective_fails_the_trial(d):
    """A trial that prints the first objective but not a finite value of the second (left out,
    nan, inf, -inf) fails naming it, as the C API, Python's tell and gpbo import refuse one
    (it was kept complete, on no front, with nothing in `gpbo trials` saying why); the front of
    the others keeps ties and duplicates, checked against the front computed here; a resumed
    run reruns nothing and the front stays."""
    write(os.path.join(d, "obj.py"), ROWS_OBJ)
    write(os.path.join(d, "g.yaml"), textwrap.dedent(f"""\
    name: g
    method: grid
    metrics: [{{name: a, goal: minimize}}, {{name: b, goal: maximize}}]
    parameters:
      i: {{values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}}
    command: ["{PY}", "obj.py", "{{i}}"]
    """))
    r = run(["run", "g.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.returncode} {r.stderr}")
    exported = json.loads(run(["export", "g.yaml", "--format", "json"], d).stdout)
    state = {t["trial"]: (t["state"], t.get("reason") or "") for t in exported}
    for i in (5, 6, 8, 10):
        check(state[i][0] == "failed" and "'b=<finite number>'" in state[i][1] and
              "objective 2 of 2" in state[i][1], f"trial {i}: {state[i]}")
    check(state[7][0] == "failed" and "the metric a is inf" in state[7][1], f"trial 7: {state[7]}")
    done = {t["trial"]: (t["metrics"]["a"], -t["metrics"]["b"]) for t in exported
            if t["state"] == "complete"}
    check(sorted(done) == [0, 1, 2, 3, 4, 9], f"complete: {sorted(done)}")
    want = front_of(done)
    check(want == [0, 1, 2, 3, 9], f"the front by hand: {want}")
    r = run(["trials", "g.yaml"], d)
    check("objective 2 of 2" in r.stdout, f"gpbo trials says why: {r.stdout}")
    # gpbo studies: the front's size and both goals (it gave the first objective's best and
    # "minimize", as for a study of one)
    r = run(["studies", "--storage", "g.db"], d)
    line = [l for l in r.stdout.splitlines() if l.startswith("g ")]
    check(r.returncode == 0 and len(line) == 1 and
          line[0].endswith(f"{len(want)} on front  minimize a, maximize b"),
          f"gpbo studies: {r.stdout!r}")
    for again in (False, True):
        if again:
            r = run(["run", "g.yaml"], d, timeout=300)
            check(r.returncode == 0 and len(json.loads(run(["export", "g.yaml", "--format",
                                                               "json"], d).stdout)) == 11,
                  f"resumed: {r.returncode} {r.stderr}")
        r = run(["best", "g.yaml"], d)
        got = [int(re.match(r"trial=(\d+) ", l).group(1)) for l in r.stdout.splitlines()]
        check(r.returncode == 0 and got == want, f"gpbo best: {got} vs {want}: {r.stderr}")


def test_three_objectives_mixed(d):
    """Three objectives, one maximized (random search, 12 trials): `gpbo best` is the front
    computed here from the export, and the report draws it on each pair of objectives saying it
    is the front of all three (its captions called it the trials no other beats in the two
    objectives drawn, which they need not be, and joined them by a line)."""
    write(os.path.join(d, "obj.py"), OBJ)
    write(os.path.join(d, "t.yaml"), HEAD.format(name="t", cap=12, py=PY) + textwrap.dedent("""\
    method: random
    metrics:
      - {name: acc, goal: maximize}
      - {name: seconds, goal: minimize}
      - {name: y, goal: maximize}
    """))
    with open(os.path.join(d, "obj.py"), "a") as f:
        f.write('print(f"y={y!r}")\n')
    ran = r = run(["run", "t.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.returncode} {r.stderr}")
    exported = json.loads(run(["export", "t.yaml", "--format", "json"], d).stdout)
    points = {t["trial"]: (-t["metrics"]["acc"], t["metrics"]["seconds"], -t["metrics"]["y"])
              for t in exported if t["state"] == "complete"}
    check(len(points) == 12, f"12 complete: {exported}")
    want = front_of(points)
    r = run(["best", "t.yaml"], d)
    got = [int(re.match(r"trial=(\d+) ", l).group(1)) for l in r.stdout.splitlines()]
    check(r.returncode == 0 and got == want, f"gpbo best: {got} vs {want}")
    r = run(["report", "t.yaml", "-o", "t.html"], d, timeout=300)
    check(r.returncode == 0, f"gpbo report: {r.stderr}")
    with open(os.path.join(d, "t.html")) as f:
        page = f.read()
    for a, b in (("acc", "seconds"), ("acc", "y"), ("seconds", "y")):
        check(f"the {len(want)} trials of the Pareto front of all 3 objectives (maximize acc, "
              f"minimize seconds, maximize y), drawn on {a} and {b}, over the {12 - len(want)} "
              f"they dominate" in page, f"the caption of {a}, {b}")
    check("trials no other beats" not in page, "no caption of two objectives")
    # gpbo run's log line of each trial gives every objective's value and the front's size so
    # far (before: the first objective's value and 'best acc=', the best accuracy alone)
    logged = re.findall(r"^\[\d+/12\] trial (\d+) complete (.*) \| (.*) \| ", ran.stdout, re.M)
    check(len(logged) == 12, f"a line a trial: {ran.stdout}")
    for tid, values, status in logged:
        t = exported[int(tid)]
        kv = dict(w.split("=", 1) for w in values.split())
        check(set(kv) == {"acc", "seconds", "y"} and
              all(abs(float(kv[m]) - t["metrics"][m]) <= 1e-5 * max(1, abs(t["metrics"][m]))
                  for m in kv), f"trial {tid}'s objectives: {values}")
        sofar = front_of({i: p for i, p in points.items() if i <= int(tid)})
        check(status == f"Pareto front {len(sofar)} trial{'s' if len(sofar) > 1 else ''}",
              f"after trial {tid}: {status!r}, the front {sofar}")
    # gpbo trials: a column an objective (before: one 'value' column, the first objective's) and
    # the front's trials noted
    r = run(["trials", "t.yaml"], d)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and lines and lines[0].split()[:5] == [
        "trial", "state", "acc", "seconds", "y"], f"gpbo trials' header: {lines[:1]}")
    for l in lines[1:]:
        w = l.split()
        t = exported[int(w[0])]
        check(all(abs(float(v) - t["metrics"][m]) <= 1e-5 * max(1, abs(t["metrics"][m]))
                  for v, m in zip(w[2:5], ("acc", "seconds", "y"))), f"a row's objectives: {l}")
        check(l.endswith("on the Pareto front") == (int(w[0]) in want), f"front noted: {l}")


def test_front_words_distinct(d):
    """Each word of a line of `gpbo best`'s front has a name of its own: an objective named
    trial is metrics.trial, a parameter named as an objective params.NAME (the line said
    `trial=0 trial=0.25 x=0.74 x=0.25`, and a reader kept one of each)."""
    write(os.path.join(d, "objx.py"), """\
    import sys
    x = float(sys.argv[1])
    print(f"trial={x!r}")
    print(f"x={1 - x!r}")
    """)
    write(os.path.join(d, "nx.yaml"), textwrap.dedent(f"""\
    name: nx
    method: random
    run_cap: 4
    metrics: [{{name: trial, goal: minimize}}, {{name: x, goal: minimize}}]
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "objx.py", "{{x}}"]
    """))
    r = run(["run", "nx.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    r = run(["best", "nx.yaml"], d)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 4, f"gpbo best: {r.stdout} {r.stderr}")
    for l in lines:
        words = [w.split("=", 1) for w in l.split()]
        kv = dict(words)
        check(len(kv) == len(words) == 4 and set(kv) == {"trial", "metrics.trial", "x", "params.x"},
              f"distinct words: {l}")
        if len(kv) == 4 and "params.x" in kv:
            check(abs(float(kv["metrics.trial"]) - float(kv["params.x"])) < 1e-9 and
                  abs(float(kv["x"]) - (1 - float(kv["params.x"]))) < 1e-9, f"the values: {l}")


def test_compare_mo_strategies(d):
    """gpbo compare runs the Bayesian strategy with either step for several objectives (the
    names were refused as unknown strategies though the runs take them): both on Branin-Currin
    from the same 4-point design, EHVI and ParEGO then going their own ways."""
    write(os.path.join(d, "c.yaml"), """\
    name: mo
    strategies: [bayes-ehvi, bayes-parego]
    problems: [branin_currin]
    seeds: 2
    budget: 10
    initial: 4
    """)
    r = run(["compare", "c.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo compare: {r.returncode} {r.stderr}")
    with open(os.path.join(d, "mo.csv")) as f:
        rows = list(csv.DictReader(f))
    runs = {}
    for row in rows:
        runs.setdefault((row["strategy"], row["seed"]), []).append(float(row["best"]))
    check(sorted(runs) == [(s, k) for s in ("bayes-ehvi", "bayes-parego") for k in ("0", "1")] and
          all(len(v) == 10 for v in runs.values()), f"two runs of 10 per strategy: {runs}")
    for k in ("0", "1"):
        e, p = runs[("bayes-ehvi", k)], runs[("bayes-parego", k)]
        # the design is the seed's, whatever the step: its 4 points' hypervolume is the same
        check(e[:4] == p[:4], f"seed {k}: one design: {e[:4]} {p[:4]}")
    # with the step ignored both would be the one Bayesian run of each seed
    check(any(runs[("bayes-ehvi", k)] != runs[("bayes-parego", k)] for k in ("0", "1")),
          f"EHVI and ParEGO propose apart: {runs}")


if __name__ == "__main__":
    sys.exit(run_tests([test_sweep_errors, test_best_export_report, test_constrained_front,
                        test_one_objective_has_no_front,
                        test_compare_hypervolume, test_compare_mo_strategies,
                        test_missing_objective_fails_the_trial, test_three_objectives_mixed,
                        test_front_words_distinct], prefix="gpbo-mo-", only=sys.argv[2:]))
