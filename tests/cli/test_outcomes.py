#!/usr/bin/python3
"""Outcome constraints and known starting points through the gpbo command (issue 20).

    test_outcomes.py PATH/TO/gpbo sqlite
    test_outcomes.py PATH/TO/gpbo URLFILE      (a file holding a postgresql:// URL)

- the sweep keys `constraints:` and `initial_points:`: every mistake exits 2 naming the line;
- `gpbo enqueue SWEEP.yaml name=value ...`: its errors exit 2, a study at run_cap exits 1, the
  enqueued points run first, in order, and count toward run_cap;
- a constrained run: export's feasible field against the metrics the program printed, `gpbo best`
  the best feasible trial, and a study with no feasible trial saying so (exit 1);
- initial points with two `gpbo run` workers started together, then resumed: each point once.
The storage tests (enqueue, the constrained run, two workers) run on the storage given.
"""
import json
import os
import subprocess
import sys
import textwrap
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, run, run_tests, write  # noqa: E402

KIND = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
PG_URL = open(KIND).read().strip() if KIND != "sqlite" else None

# x, y from --x=.. --y=..: loss is Branin, disk the squared distance to (2.5, 7.5)
OBJ = """\
    #!/usr/bin/python3
    import math, sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    x, y = float(a["x"]), float(a["y"])
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    print(f"disk={(x - 2.5) ** 2 + (y - 7.5) ** 2}")
    print(f"loss={(y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10}")
    """

BASE = """\
    name: {name}
    method: {method}
    metric: {{name: loss, goal: minimize}}
    run_cap: {run_cap}
    parameters:
      x: {{min: -5.0, max: 10.0}}
      y: {{min: 0.0, max: 15.0}}
      opt: {{values: [adam, sgd]}}
    command: ["{py}", "obj.py", "${{args}}"]
    """


def sweep(d, name="c", method="random", run_cap=10, extra=""):
    write(os.path.join(d, "obj.py"), OBJ, 0o755)
    write(os.path.join(d, "sweep.yaml"),
          textwrap.dedent(BASE.format(name=name, method=method, run_cap=run_cap, py=PY)) + extra)


def unique_name(base):
    """A study name of its own per run (a PostgreSQL database outlives the test's folder)."""
    return f"{base}_{os.getpid()}_{int(time.time() * 1000) % 10**9}"


def storage(d, name):
    return ["--storage", PG_URL if PG_URL else os.path.join(d, name + ".db")]


def export(d, st):
    r = run(["export", "sweep.yaml", "--format", "json"] + st, d)
    check(r.returncode == 0, f"export: {r.stderr}")
    return json.loads(r.stdout) if r.returncode == 0 else []


# (the text appended to the sweep, the line the error names, a word of the message)
BAD = [
    ("constraints: {name: disk, max: 1}\n", 10, "must be a list"),
    ("constraints:\n  - {name: disk, maximum: 1}\n", 11, "unknown key 'maximum'"),
    ("constraints:\n  - {name: disk}\n", 11, "needs min or max"),
    ("constraints:\n  - {name: disk, min: 3, max: 2}\n", 11, "above max"),
    ("constraints:\n  - {name: disk, max: 1}\n  - {name: disk, min: 0}\n", 12, "twice"),
    ("constraints:\n  - {max: 1}\n", 11, "needs a name"),
    ("constraints:\n  - {name: 'a=b', max: 1}\n", 11, "without spaces or '='"),
    ("constraints:\n  - {name: disk, max: lots}\n", 11, "not a number"),
    ("constraints:\n  - {name: loss, max: 1}\n", 1, "objective's metric"),
    ("initial_points: {x: 1}\n", 10, "must be a list"),
    ("initial_points:\n  - {x: 1, y: 2, opt: adam, z: 3}\n", 11, "unknown parameter 'z'"),
    ("initial_points:\n  - {x: 1, y: 20, opt: adam}\n", 11, "not a value in [0, 15]"),
    ("initial_points:\n  - {x: 1, opt: adam}\n", 11, "lacks parameter 'y'"),
    ("initial_points:\n  - {x: 1, y: two, opt: adam}\n", 11, "not a number"),
    ("initial_points:\n  - {x: 1, y: 2, opt: rmsprop}\n", 11, "not one of its values"),
    ("initial_points:\n  - {x: 1, y: 2, opt: adam}\n  - [1, 2]\n", 12, "mapping"),
]


def test_sweep_errors(d):
    for extra, line, word in BAD:
        sweep(d, extra=extra)
        for cmd in (["run", "sweep.yaml"], ["best", "sweep.yaml"]):
            r = run(cmd, d)
            where = f"sweep.yaml:{line}:"
            check(r.returncode == 2 and where in r.stderr and word in r.stderr
                  and len(r.stderr.strip().splitlines()) == 1,
                  f"{extra!r}: {cmd[0]} exit {r.returncode}, want 2, {where} and {word!r}: "
                  f"{r.stderr!r}")
    # good ones load: both bounds, a bound alone, a constant left out of a point
    sweep(d, extra="constraints:\n  - {name: disk, min: 0, max: 16}\n  - {name: t, max: 9}\n"
          "initial_points:\n  - {x: 1, y: 2, opt: sgd}\n", run_cap=1)
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode in (0, 1) and "sweep.yaml:" not in r.stderr, f"good sweep: {r.stderr}")


def test_enqueue(d):
    name = unique_name("enq")
    sweep(d, name=name, run_cap=4)
    st = storage(d, name)
    for args, word in [(["x=1", "y=2"], "'opt' is not given"),
                       (["x=1", "y=20", "opt=adam"], "not a value in [0, 15]"),
                       (["x=1", "y=2", "opt=adam", "z=1"], "no parameter 'z'"),
                       (["x=1", "y=2", "opt=nope"], "not one of its values"),
                       (["x=1", "y", "opt=adam"], "not name=value"),
                       (["x=1", "x=2", "y=2", "opt=adam"], "given twice")]:
        r = run(["enqueue", "sweep.yaml"] + args + st, d)
        check(r.returncode == 2 and word in r.stderr, f"enqueue {args}: {r.returncode} {r.stderr}")
    r = run(["enqueue", "sweep.yaml", "x=1", "--bogus", "1"], d)
    check(r.returncode == 2 and "--bogus" in r.stderr, f"enqueue --bogus: {r.stderr}")
    points = [("9.5", "1.25", "sgd"), ("-2", "3", "adam"), ("0.1", "14", "sgd")]
    for k, (x, y, o) in enumerate(points):
        r = run(["enqueue", "sweep.yaml", f"x={x}", f"y={y}", f"opt={o}"] + st, d)
        check(r.returncode == 0 and f"trial {k}" in r.stdout, f"enqueue {k}: {r.stdout} {r.stderr}")
    t = run(["trials", "sweep.yaml"] + st, d)
    check(t.stdout.count("enqueued: runs first") == 3, f"trials shows the queued ones: {t.stdout}")
    r = run(["run", "sweep.yaml"] + st, d)
    check(r.returncode == 0, f"run: {r.stderr}")
    rows = export(d, st)
    check(len(rows) == 4, f"run_cap 4 counts the 3 enqueued: {len(rows)} trials")
    for k, (x, y, o) in enumerate(points):
        p = rows[k]["params"] if k < len(rows) else {}
        check(p == {"x": float(x), "y": float(y), "opt": o} and rows[k]["state"] == "complete",
              f"trial {k} is enqueued point {k}: {rows[k] if k < len(rows) else None}")
    r = run(["enqueue", "sweep.yaml", "x=1", "y=2", "opt=adam"] + st, d)
    check(r.returncode == 1 and "run_cap" in r.stderr, f"enqueue past run_cap: {r.stderr}")


def test_constrained_run(d):
    name = unique_name("con")
    sweep(d, name=name, method="bayes", run_cap=14,
          extra="gpbo: {initial: 6}\nconstraints:\n  - {name: disk, max: 16}\n")
    st = storage(d, name)
    r = run(["run", "sweep.yaml"] + st, d, timeout=600)
    check(r.returncode == 0, f"run: {r.stderr}")
    rows = export(d, st)
    check(len(rows) == 14, f"14 trials: {len(rows)}")
    feasible = [t for t in rows if t["metrics"].get("disk", 1e9) <= 16]
    for t in rows:
        want = t["state"] == "complete" and t["metrics"].get("disk", 1e9) <= 16
        check(t.get("feasible") == want, f"trial {t['trial']}: feasible {t.get('feasible')}")
    check(len(feasible) >= 4, f"bayes keeps to the disk once it knows it: {len(feasible)} of 14")
    b = run(["best", "sweep.yaml"] + st, d)
    best = min(feasible, key=lambda t: t["value"]) if feasible else None
    check(b.returncode == 0 and best is not None and f"trial={best['trial']}\n" in b.stdout,
          f"best is the best feasible: {b.stdout} {best}")
    csv = run(["export", "sweep.yaml"] + st, d).stdout.splitlines()
    check(csv and csv[0].startswith("trial,state,value,feasible,"), f"CSV header: {csv[:1]}")
    table = run(["trials", "sweep.yaml"] + st, d).stdout
    check(len(rows) - len(feasible) == table.count("infeasible: disk="),
          f"the table names the broken constraint: {table}")
    page = run(["report", "sweep.yaml", "-o", "-"] + st, d).stdout
    check("The best trial is the best feasible one" in page, "the report's best is feasible")
    # no feasible trial at all: best says so, exit 1
    name2 = unique_name("none")
    sweep(d, name=name2, run_cap=3, extra="constraints:\n  - {name: disk, max: -1}\n")
    st2 = storage(d, name2)
    r = run(["run", "sweep.yaml"] + st2, d)
    check(r.returncode == 1 and "no feasible trial" in r.stderr, f"run, none feasible: {r.stderr}")
    b = run(["best", "sweep.yaml"] + st2, d)
    check(b.returncode == 1 and "no feasible trial" in b.stderr, f"none feasible: {b.stderr}")
    # the report says why it has no best trial (it said nothing)
    page = run(["report", "sweep.yaml", "-o", "-"] + st2, d).stdout
    check("No trial is feasible: none of its 3 complete trials meets its 1 constraints" in page,
          "the report says none is feasible")


def test_constraint_notes(d):
    """gpbo trials' note on each way a constraint metric can be missing: printed as nan or a
    word, or not printed at all, the trial is infeasible and the note says no number came (it
    said "mem not reported" of a program that printed mem=nan); a value past a bound names it,
    mem=inf too (it was taken for none); best is the best feasible trial."""
    name = unique_name("notes")
    write(os.path.join(d, "notes.py"), """\
    import sys
    i = int(sys.argv[1])
    print(f"loss={10 - i}")
    print(["mem=600", "mem=100", "", "mem=nan", "mem=inf", "mem=abc", "mem=-3"][i])
    """)
    write(os.path.join(d, "sweep.yaml"), textwrap.dedent(f"""\
    name: {name}
    method: grid
    metric: {{name: loss, goal: minimize}}
    constraints: [{{name: mem, min: 0, max: 512}}]
    parameters:
      i: {{values: [0, 1, 2, 3, 4, 5, 6]}}
    command: ["{PY}", "notes.py", "{{i}}"]
    """))
    st = storage(d, name)
    r = run(["run", "sweep.yaml"] + st, d, timeout=300)
    check(r.returncode == 0, f"run: {r.stderr}")
    notes = {}
    for line in run(["trials", "sweep.yaml"] + st, d).stdout.splitlines()[1:]:
        words = line.split(None, 4)
        notes[int(words[0])] = words[4] if len(words) > 4 else ""
    want = {0: "infeasible: mem=600 > 512", 1: "", 4: "infeasible: mem=inf > 512",
            6: "infeasible: mem=-3 < 0"}
    for i in (2, 3, 5):
        want[i] = "infeasible: no number for mem reported"
    check(notes == want, f"the notes: {notes}")
    b = run(["best", "sweep.yaml"] + st, d)
    check(b.returncode == 0 and b.stdout.startswith("trial=1\n"), f"best: {b.stdout}")
    # the report's table notes them as gpbo trials does (it said nothing of an infeasible trial,
    # while its best-so-far line passed it by)
    page = run(["report", "sweep.yaml", "-o", "-"] + st, d).stdout
    for i, note in want.items():
        cell = f"<td>{note.replace('>', '&gt;').replace('<', '&lt;')}</td></tr>"
        check(not note or cell in page, f"the report's note of trial {i}: {cell}")
    check(page.count("<td>infeasible: ") == 6, "six infeasible trials in the report's table")


# (what the program prints, mem, tput): name=value lines and Python's json.dumps lines
INF_CASES = [("line", "-inf", "inf"), ("json", "inf", "100"), ("line", "100", "-inf"),
             ("json", "-inf", "inf"), ("line", "300", "inf"), ("line", "inf", "inf")]


def optuna_feasible(cases):
    """Which cases Optuna 3.1 takes for feasible with constraints_func (mem - 512, 10 - tput),
    as it stores them (an SQLite storage, read back) and judges them (every value <= 0)."""
    import math
    import tempfile
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/o.db"
        sampler = optuna.samplers.NSGAIISampler(
            constraints_func=lambda t: (t.user_attrs["mem"] - 512, 10 - t.user_attrs["tput"]))
        study = optuna.create_study(storage=url, sampler=sampler)
        for _, mem, tput in cases:
            t = study.ask()
            t.suggest_float("x", 0, 1)
            t.set_user_attr("mem", float(mem))
            t.set_user_attr("tput", float(tput))
            study.tell(t, 1.0)
        stored = [t.system_attrs["constraints"]
                  for t in optuna.load_study(study_name=study.study_name, storage=url).trials]
    check(any(math.isinf(c) for cs in stored for c in cs), f"Optuna keeps infinities: {stored}")
    return [all(c <= 0 for c in cs) for cs in stored]


def test_infinite_constraints(d):
    """A constraint metric printed as inf or -inf (mem=inf, or json.dumps's Infinity) is kept as
    it is, not as NaN or none, and compared as Optuna compares its constraints_func values:
    -inf meets any max, inf any min. Feasibility, gpbo best, the stored metrics read back (export)
    and an export imported into a fresh study all agree with Optuna's on the same values."""
    name = unique_name("inf")
    write(os.path.join(d, "infobj.py"), f"""\
    import json, sys
    cases = {INF_CASES!r}
    kind, mem, tput = cases[int(sys.argv[1])]
    loss = 10 - int(sys.argv[1])
    if kind == "json":
        print(json.dumps({{"loss": loss, "mem": float(mem), "tput": float(tput)}}))
    else:
        print(f"loss={{loss}} mem={{mem}} tput={{tput}}")
    """)
    sweep_text = textwrap.dedent(f"""\
    name: {name}
    method: grid
    metric: {{name: loss, goal: minimize}}
    constraints: [{{name: mem, max: 512}}, {{name: tput, min: 10}}]
    parameters:
      i: {{values: [{", ".join(str(i) for i in range(len(INF_CASES)))}]}}
    command: ["{PY}", "infobj.py", "{{i}}"]
    """)
    write(os.path.join(d, "sweep.yaml"), sweep_text)
    st = storage(d, name)
    r = run(["run", "sweep.yaml"] + st, d, timeout=300)
    check(r.returncode == 0, f"run: {r.stderr}")
    want = optuna_feasible(INF_CASES)
    check(want == [True, False, False, True, True, False], f"Optuna's verdicts: {want}")
    rows = sorted(export(d, st), key=lambda t: int(t["params"]["i"]))
    check(len(rows) == len(INF_CASES), f"every case ran: {rows}")
    got = [t.get("feasible") for t in rows]
    check(got == want, f"feasible as Optuna: {got} against {want}")
    for t in rows:
        _, mem, tput = INF_CASES[int(t["params"]["i"])]
        shown = {k: t["metrics"].get(k) for k in ("mem", "tput")}
        expect = {k: v if "inf" in v else float(v) for k, v in (("mem", mem), ("tput", tput))}
        check(shown == expect, f"case {t['params']['i']}: the stored metrics {shown}")
    best_i = max(i for i, ok in enumerate(want) if ok)  # loss = 10 - i
    b = run(["best", "sweep.yaml"] + st, d)
    check(b.returncode == 0 and f"\ni={best_i}\n" in b.stdout, f"best: {b.stdout}")
    csv = run(["export", "sweep.yaml"] + st, d).stdout
    check(",-inf," in csv and ",inf," in csv, f"the CSV's infinities: {csv}")
    table = run(["trials", "sweep.yaml"] + st, d).stdout
    check("infeasible: mem=inf > 512" in table and "infeasible: tput=-inf < 10" in table,
          f"the notes name the infinite value: {table}")
    # an export imported into a fresh study (JSON and CSV) keeps them, and so feasibility
    for fmt in ("json", "csv"):
        out = os.path.join(d, f"inf.{fmt}")
        r = run(["export", "sweep.yaml", "--format", fmt, "-o", out] + st, d)
        check(r.returncode == 0, f"export {fmt}: {r.stderr}")
        name2 = unique_name("infimp" + fmt)
        write(os.path.join(d, "sweep.yaml"), sweep_text.replace(f"name: {name}", f"name: {name2}"))
        st2 = storage(d, name2)
        r = run(["import", "sweep.yaml", out] + st2, d)
        check(r.returncode == 0, f"import {fmt}: {r.stderr}")
        back = sorted(export(d, st2), key=lambda t: int(t["params"]["i"]))
        check([(t["feasible"], t["metrics"]) for t in back]
              == [(t["feasible"], t["metrics"]) for t in rows], f"{fmt} round trip: {back}")
        write(os.path.join(d, "sweep.yaml"), sweep_text)


def test_initial_points_two_workers(d):
    name = unique_name("two")
    pts = [(1.5, 2.5, "adam"), (-4, 14, "sgd"), (7.25, 0.5, "adam")]
    sweep(d, name=name, run_cap=10, extra="initial_points:\n" + "".join(
        f"  - {{x: {x}, y: {y}, opt: {o}}}\n" for x, y, o in pts))
    st = storage(d, name)
    ps = [subprocess.Popen([GPBO, "run", "sweep.yaml"] + st, cwd=d, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in ps:
        out, err = p.communicate(timeout=600)
        check(p.returncode == 0, f"worker: {err}")
    for resume in (False, True):
        if resume:  # a later run of the same sweep adds none of them again
            r = run(["run", "sweep.yaml", "--trials", "12"] + st, d)
            check(r.returncode == 0, f"resume: {r.stderr}")
        rows = export(d, st)
        check(len(rows) == (12 if resume else 10), f"trials: {len(rows)}")
        for k, (x, y, o) in enumerate(pts):
            want = {"x": float(x), "y": float(y), "opt": o}
            at = [t["trial"] for t in rows if t["params"] == want]
            check(at == [k], f"initial point {k} runs once, as trial {k}: {at}")


def main():
    tests = [test_enqueue, test_constrained_run, test_initial_points_two_workers,
             test_constraint_notes, test_infinite_constraints]
    if not PG_URL:
        tests = [test_sweep_errors] + tests
    return run_tests(tests, prefix="gpbo-outcomes-", only=sys.argv[3:])


if __name__ == "__main__":
    sys.exit(main())
