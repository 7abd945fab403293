#!/usr/bin/python3
"""gpbo import: warm starting a study from a file gpbo export wrote, and copying a study.

    test_import.py PATH/TO/gpbo sqlite
    test_import.py PATH/TO/gpbo URLFILE      (a file holding a postgresql:// URL)

- a study run on an SQLite file (a log float, an integer, a q_uniform, a category, a constant,
  a conditional parameter, failed trials, a metric and a constraint on it, one enqueued point)
  exported as CSV and imported into the storage given: complete and failed trials added, the
  queued row skipped and counted; importing again adds nothing; the copy's export is the
  original's, cell for cell (parameters, values, metrics, feasibility, reasons);
- the same through JSON on standard input (`gpbo export ... | gpbo import SWEEP -`);
- a study whose complete, failed and pruned trials have intermediate values: export -> import
  -> export reads the same but for trial ids and seconds, through JSON and through CSV with its
  `--steps` file;
- several objectives: the objectives come back from the metrics, and `gpbo best` (the Pareto
  front) of the copy is the original's;
- a Bayesian run after an import runs only what run_cap leaves, after the imported trials;
- user attributes (JSON "user_attrs", CSV's `user_attrs` column of JSON objects): a file's
  read back in the study's export, export -> import -> export the same through JSON and CSV;
- running, interrupted and queued rows skipped and counted, a pruned row added (no value, no
  reason);
- a refused import (past run_cap, a bad value) into a storage without the study creates no
  study (nor, on SQLite, the file), beside another study too;
- bad files (unknown parameter, value outside the space, unknown category, missing parameter,
  a value that is no number, a bad state, bad JSON, a bad intermediate value in JSON or in a
  --steps file, user attributes that are not a JSON object): exit 2, one line naming the file, the line or trial and the field, and nothing
  added.
The copies are made into the storage given (SQLite -> SQLite, or SQLite -> PostgreSQL).
"""
import csv
import io
import json
import math
import os
import struct
import subprocess
import sys
import textwrap
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, run, run_tests, write  # noqa: E402

KIND = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
PG_URL = open(KIND).read().strip() if KIND != "sqlite" else None

# every parameter from --name=value; fails for a wide tanh net; loss, acc and mem printed
OBJ = """\
    #!/usr/bin/python3
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    lr, units, step = float(a["lr"]), int(a["units"]), float(a["step"])
    if a["act"] == "tanh" and units > 300:
        sys.exit("too wide for tanh")
    mom = float(a.get("momentum", "0"))
    print(f"acc={1 / (1 + units)} mem={units * 3.7}")
    print(f"loss={(lr - 0.01) ** 2 * 1e4 + (units - 100) ** 2 / 1e4 + step + mom}")
    """

SWEEP = """\
    name: {name}
    method: {method}
    metric: {{name: loss, goal: minimize}}
    run_cap: {run_cap}
    parameters:
      lr: {{distribution: log_uniform_values, min: 0.0001, max: 0.1}}
      units: {{distribution: int_uniform, min: 16, max: 512}}
      step: {{distribution: q_uniform, min: 0, max: 1, q: 0.25}}
      act: {{values: [relu, tanh]}}
      momentum: {{min: 0.5, max: 0.99, when: {{act: tanh}}}}
      seed: {{value: 3}}
    constraints: [{{name: mem, max: 1200}}]
    command: ["{py}", "obj.py", "${{args}}"]
    gpbo: {{initial: 4}}
    """

MO_SWEEP = """\
    name: {name}
    method: random
    metrics: [{{name: loss, goal: minimize}}, {{name: acc, goal: maximize}}]
    run_cap: 10
    parameters:
      lr: {{distribution: log_uniform_values, min: 0.0001, max: 0.1}}
      units: {{distribution: int_uniform, min: 16, max: 512}}
      step: {{distribution: q_uniform, min: 0, max: 1, q: 0.25}}
      act: {{values: [relu, tanh]}}
      momentum: {{min: 0.5, max: 0.99, when: {{act: tanh}}}}
      seed: {{value: 3}}
    command: ["{py}", "obj.py", "${{args}}"]
    """


def unique_name(base):
    """A study name of its own per run (a PostgreSQL database outlives the test's folder)."""
    return f"{base}_{os.getpid()}_{int(time.time() * 1000) % 10**9}"


def sweep(d, name, method="random", run_cap=14, text=SWEEP, file="sweep.yaml"):
    write(os.path.join(d, "obj.py"), OBJ, 0o755)
    write(os.path.join(d, file), textwrap.dedent(text.format(
        name=name, method=method, run_cap=run_cap, py=PY)))


def target(d, tag):
    """The storage copies go to: an SQLite file of the test's folder, or the server."""
    return PG_URL if PG_URL else "sqlite:///" + os.path.join(d, tag + ".db")


def export(d, storage, study, fmt="csv", sweep_file="sweep.yaml"):
    r = run(["export", sweep_file, "--storage", storage, "--study", study, "--format", fmt], d)
    check(r.returncode == 0, f"export {storage} {study}: {r.returncode} {r.stderr!r}")
    return r.stdout


def imported(d, args, stdin=None):
    """gpbo import args (after the command): its completed process."""
    return subprocess.run([GPBO, "import"] + args, cwd=d, capture_output=True, text=True,
                          timeout=120, input=stdin)


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def comparable(rows, drop=("trial", "seconds")):
    """The rows of an export without their ids and times (a copy has its own), queued ones
    left out (import skips them)."""
    return [{k: v for k, v in r.items() if k not in drop} for r in rows
            if r["state"] != "queued"]


def source_study(d, name):
    """Runs the sweep on src.db (random: complete and failed trials), then enqueues a point:
    the exported file has complete, failed and queued rows."""
    sweep(d, name)
    r = run(["run", "sweep.yaml", "--storage", "src.db", "--trials", "12"], d, timeout=300)
    check(r.returncode == 0, f"source run: {r.returncode} {r.stderr[-400:]!r}")
    r = run(["enqueue", "sweep.yaml", "--storage", "src.db", "lr=0.01", "units=64", "step=0.5",
             "act=relu"], d)
    check(r.returncode == 0, f"enqueue: {r.stderr!r}")
    return "src.db"


def test_copy_csv(d):
    name = unique_name("imp")
    src = source_study(d, name)
    a = export(d, src, name)
    rows = csv_rows(a)
    complete = sum(r["state"] == "complete" for r in rows)
    failed = sum(r["state"] == "failed" for r in rows)
    check(complete >= 3 and failed >= 1 and any(r["state"] == "queued" for r in rows),
          f"the source has complete, failed and queued rows: {[r['state'] for r in rows]}")
    check(any(r["momentum"] == "" for r in rows) and any(r["momentum"] != "" for r in rows),
          "the source has the conditional parameter active and inactive")
    write(os.path.join(d, "a.csv"), a)
    dst = target(d, "dst")
    r = imported(d, ["sweep.yaml", "a.csv", "--storage", dst])
    want = (f"a.csv: added {complete} complete, {failed} failed and 0 pruned trials to study "
            f"'{name}'; skipped 0 already in the study, 0 running, 1 queued\n")
    check(r.returncode == 0 and r.stdout == want and r.stderr == "",
          f"import: {r.returncode} {r.stdout!r} {r.stderr!r} (want {want!r})")
    b = export(d, dst, name)
    check(comparable(csv_rows(b)) == comparable(rows),
          f"the copy's export differs:\n{a}\n{b}")
    check(list(csv_rows(b)[0].keys()) == list(rows[0].keys()), "the copy has other columns")
    # again: every row is already there
    r = imported(d, ["sweep.yaml", "a.csv", "--storage", dst])
    check(r.returncode == 0 and f"added 0 complete, 0 failed and 0 pruned trials" in r.stdout and
          f"skipped {complete + failed} already in the study" in r.stdout,
          f"second import: {r.returncode} {r.stdout!r} {r.stderr!r}")
    check(export(d, dst, name) == b, "a second import changed the study")
    # feasibility came with the metrics: the constraint on mem holds where the source's does
    check([r["feasible"] for r in comparable(csv_rows(b))] ==
          [r["feasible"] for r in comparable(rows)] and "0" in [r["feasible"] for r in rows],
          "feasibility")
    # the JSON path, from standard input, into a study of another name
    other = name + "_json"
    aj = export(d, src, name, "json")
    r = imported(d, ["sweep.yaml", "-", "--storage", dst, "--study", other], stdin=aj)
    check(r.returncode == 0 and r.stdout.startswith(f"standard input: added {complete} complete, "
                                                    f"{failed} failed"),
          f"import from stdin: {r.returncode} {r.stdout!r} {r.stderr!r}")
    keep = ("state", "value", "params", "metrics", "reason", "feasible")
    pick = [{k: t[k] for k in keep} for t in json.loads(aj) if t["state"] != "queued"]
    got = [{k: t[k] for k in keep} for t in json.loads(export(d, dst, other, "json"))]
    check(got == pick, f"the JSON copy differs:\n{pick}\n{got}")
    # the export of the JSON copy as CSV is the CSV copy's
    check(comparable(csv_rows(export(d, dst, other))) == comparable(csv_rows(b)),
          "the JSON copy's CSV differs from the CSV copy's")


# loss at three steps (epochs 0, 2, 4), then a final line; a wide net fails after its steps.
# It waits after each step so that the pruner (median) reads it before the program ends.
OBJ_STEPS = """\
    #!/usr/bin/python3
    import sys, time
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    lr, units = float(a["lr"]), int(a["units"])
    for epoch in range(3):
        print(f"loss={(lr * 10 + units / 100) / (epoch + 1.37)} step={2 * epoch}", flush=True)
        time.sleep(0.4)
    if units > 300:
        sys.exit("too wide")
    print(f"acc={units / 1000} loss={lr * 10 + units / 1000}")
    """

STEPS_SWEEP = """\
    name: {name}
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 10
    early_terminate: {{type: median, startup_trials: 3}}
    gpbo: {{seed: 5}}
    parameters:
      lr: {{distribution: log_uniform_values, min: 0.0001, max: 0.1}}
      units: {{distribution: int_uniform, min: 16, max: 512}}
    command: ["{py}", "steps.py", "${{args}}"]
    """


def steps_source(d, name):
    """A study whose complete, failed and pruned trials have intermediate values, run on
    steps.db (a median pruner)."""
    write(os.path.join(d, "steps.py"), OBJ_STEPS, 0o755)
    write(os.path.join(d, "steps.yaml"), textwrap.dedent(STEPS_SWEEP.format(name=name, py=PY)))
    r = run(["run", "steps.yaml", "--storage", "steps.db"], d, timeout=300)
    check(r.returncode == 0, f"steps run: {r.returncode} {r.stderr[-400:]!r}")
    return "steps.db"


def but_ids_and_seconds(trials):
    return [{k: v for k, v in t.items() if k not in ("trial", "seconds")} for t in trials]


def test_steps_round_trip(d):
    """export -> import -> export, JSON and CSV (with --steps): the two exports read the same,
    cell for cell, but for trial ids and seconds, intermediate values included, for complete,
    failed and pruned trials (pruned rows were skipped before)."""
    name = unique_name("steps")
    src = steps_source(d, name)
    a = json.loads(export(d, src, name, "json", "steps.yaml"))
    states = [t["state"] for t in a]
    check("complete" in states and "failed" in states and "pruned" in states and
          set(states) <= {"complete", "failed", "pruned"}, f"the source's trials: {states}")
    check(all(len(t["intermediate"]) == 3 or t["state"] == "pruned" and t["intermediate"]
              for t in a),
          f"every source trial has its 3 steps: {[t['intermediate'] for t in a]}")
    dst = target(d, "steps_dst")
    r = imported(d, ["steps.yaml", "-", "--storage", dst], stdin=json.dumps(a))
    n = {s: states.count(s) for s in ("complete", "failed", "pruned")}
    check(r.returncode == 0 and f"added {n['complete']} complete, {n['failed']} failed and "
          f"{n['pruned']} pruned trials" in r.stdout, f"import: {r.returncode} {r.stdout!r} "
          f"{r.stderr!r}")
    b = json.loads(export(d, dst, name, "json", "steps.yaml"))
    check(but_ids_and_seconds(b) == but_ids_and_seconds(a),
          f"the JSON copy's export differs:\n{a}\n{b}")
    # CSV: the trials, and their intermediate values from the --steps file
    write(os.path.join(d, "t.csv"), export(d, src, name, "csv", "steps.yaml"))
    r = run(["export", "steps.yaml", "--storage", src, "--study", name, "--steps"], d)
    check(r.returncode == 0, f"export --steps: {r.stderr!r}")
    write(os.path.join(d, "s.csv"), r.stdout)
    other = name + "_csv"
    r = imported(d, ["steps.yaml", "t.csv", "--steps", "s.csv", "--storage", dst,
                     "--study", other])
    check(r.returncode == 0 and f"{n['pruned']} pruned trials" in r.stdout,
          f"CSV import: {r.returncode} {r.stderr!r}")
    c = json.loads(export(d, dst, other, "json", "steps.yaml"))
    check(but_ids_and_seconds(c) == but_ids_and_seconds(a),
          f"the CSV copy's export differs:\n{a}\n{c}")


# trials with user attributes of every JSON kind (a pruned one with intermediate values)
ATTRS = [{"note": "warm start", "k": [1, 2.5], "nested": {"ok": True, "none": None},
          "ü": "é, \"quoted\"", "n": -3},
         {"why": "out of memory"},
         {}]
ATTRS_ROWS = [
    {"trial": 0, "state": "complete", "value": 1.5,
     "params": {"lr": 0.01, "units": 64, "step": 0.5, "act": "relu", "seed": 3},
     "metrics": {"mem": 236.8}, "user_attrs": ATTRS[0]},
    {"trial": 1, "state": "failed", "value": None,
     "params": {"lr": 0.02, "units": 400, "step": 0.25, "act": "tanh", "momentum": 0.7,
                "seed": 3}, "reason": "too wide", "user_attrs": ATTRS[1]},
    {"trial": 2, "state": "pruned", "value": None,
     "params": {"lr": 0.001, "units": 100, "step": 0.75, "act": "relu", "seed": 3},
     "intermediate": [[0, 2.5], [3, 1.25]], "user_attrs": ATTRS[2]},
]


def test_user_attrs_round_trip(d):
    """User attributes go through export and import (they were not exported, so a copy lost
    them): JSON "user_attrs": {key: value}, CSV a `user_attrs` column holding the JSON object
    (only when some trial has any). A file's attributes read back from the study's export; its
    export -> import -> export reads the same but for ids and seconds, through JSON and CSV."""
    name = unique_name("attrs")
    sweep(d, name)
    dst = target(d, "attrs")
    r = imported(d, ["sweep.yaml", "-", "--storage", dst], stdin=json.dumps(ATTRS_ROWS))
    check(r.returncode == 0 and "added 1 complete, 1 failed and 1 pruned" in r.stdout,
          f"attrs import: {r.returncode} {r.stdout!r} {r.stderr!r}")
    a = json.loads(export(d, dst, name, "json"))
    check([t.get("user_attrs") for t in a] == ATTRS, f"the exported attributes: {a}")
    check(a[2]["intermediate"] == [[0, 2.5], [3, 1.25]], f"the pruned trial's steps: {a[2]}")
    c = export(d, dst, name)
    rows = csv_rows(c)
    check(list(rows[0].keys())[-1] == "user_attrs" and
          [json.loads(x["user_attrs"]) if x["user_attrs"] else {} for x in rows] == ATTRS,
          f"the CSV's user_attrs column: {c!r}")
    write(os.path.join(d, "attrs.csv"), c)
    r = run(["export", "sweep.yaml", "--storage", dst, "--study", name, "--steps"], d)
    write(os.path.join(d, "attrs_steps.csv"), r.stdout)
    for fmt, args, text in (("json", ["-"], json.dumps(a)),
                            ("csv", ["attrs.csv", "--steps", "attrs_steps.csv"], None)):
        other = f"{name}_{fmt}"
        r = imported(d, ["sweep.yaml"] + args + ["--storage", dst, "--study", other],
                     stdin=text)
        check(r.returncode == 0 and "added 1 complete, 1 failed and 1 pruned" in r.stdout,
              f"{fmt} import: {r.returncode} {r.stdout!r} {r.stderr!r}")
        b = json.loads(export(d, dst, other, "json"))
        check(but_ids_and_seconds(b) == but_ids_and_seconds(a),
              f"the {fmt} copy's export differs:\n{a}\n{b}")
    # a study without user attributes exports no user_attrs column (its CSV is as before)
    plain = name + "_plain"
    rows = [dict(t, user_attrs={}) for t in ATTRS_ROWS]
    r = imported(d, ["sweep.yaml", "-", "--storage", dst, "--study", plain],
                 stdin=json.dumps(rows))
    check(r.returncode == 0, f"plain import: {r.stderr!r}")
    check("user_attrs" not in export(d, dst, plain).splitlines()[0], "a user_attrs column")


def test_objectives(d):
    name = unique_name("mo")
    sweep(d, name, text=MO_SWEEP, file="mo.yaml")
    r = run(["run", "mo.yaml", "--storage", "mo.db"], d, timeout=300)
    check(r.returncode == 0, f"mo run: {r.stderr[-300:]!r}")
    dst = target(d, "mo_dst")
    aj = export(d, "mo.db", name, "json", "mo.yaml")
    r = imported(d, ["mo.yaml", "-", "--storage", dst], stdin=aj)
    check(r.returncode == 0, f"mo import: {r.returncode} {r.stderr!r}")
    best = [run(["best", "mo.yaml", "--storage", s, "--study", name], d) for s in ("mo.db", dst)]
    strip = [[" ".join(w for w in line.split() if not w.startswith("trial="))
              for line in b.stdout.splitlines()] for b in best]
    check(best[0].returncode == 0 and strip[0] == strip[1] and strip[0],
          f"the Pareto fronts differ: {best[0].stdout!r} {best[1].stdout!r}")
    # a complete row without its second objective is refused
    rows = json.loads(aj)
    c = next(t for t in rows if t["state"] == "complete")
    del c["metrics"]["acc"]
    r = imported(d, ["mo.yaml", "-", "--storage", "x.db"], stdin=json.dumps(rows))
    check(r.returncode == 2 and f"trial {c['trial']}: metrics.acc: missing" in r.stderr,
          f"missing objective: {r.returncode} {r.stderr!r}")


def test_warm_start_run(d):
    """A Bayesian sweep given 6 imported trials (initial: 4) runs run_cap - 6 trials after them
    (the C test test_add_trial checks what its model makes of them)."""
    name = unique_name("warm")
    sweep(d, name, method="bayes", run_cap=9)
    lines = ["trial,state,value,lr,units,step,act,momentum,seed"]
    for k, (lr, units) in enumerate([(0.01, 100), (0.02, 90), (0.005, 120), (0.001, 300),
                                     (0.05, 30), (0.0003, 480)]):
        loss = (lr - 0.01) ** 2 * 1e4 + (units - 100) ** 2 / 1e4 + 0.25
        lines.append(f"{k},complete,{loss!r},{lr},{units},0.25,relu,,3")
    # with a byte order mark, as a spreadsheet saves it
    with open(os.path.join(d, "warm.csv"), "w", encoding="utf-8-sig") as f:
        f.write("\n".join(lines) + "\n")
    dst = target(d, "warm")
    r = imported(d, ["sweep.yaml", "warm.csv", "--storage", dst])
    check(r.returncode == 0 and "added 6 complete" in r.stdout, f"warm import: {r.stderr!r}")
    r = run(["run", "sweep.yaml", "--storage", dst], d, timeout=300)
    check(r.returncode == 0, f"warm run: {r.returncode} {r.stderr[-300:]!r}")
    rows = csv_rows(export(d, dst, name))
    check(len(rows) == 9 and [r["trial"] for r in rows[:6]] == list("012345"),
          f"the run after the import: {len(rows)} trials")
    check(rows[0]["lr"] == "0.01" and rows[0]["units"] == "100", "the imported rows come first")


def test_skipped_states(d):
    name = unique_name("skip")
    sweep(d, name)
    head = "trial,state,value,lr,units,step,act,momentum,seed,metrics.mem,reason"
    body = ["0,complete,1.5,0.01,64,0.5,relu,,3,236.8,",
            "1,pruned,2.5,0.02,64,0.5,relu,,3,,",
            "2,running,,0.03,64,0.5,relu,,3,,",
            "3,interrupted,,0.04,64,0.5,relu,,3,,",
            "4,queued,,0.05,64,0.5,relu,,3,,",
            "5,failed,,0.06,400,0.25,tanh,0.7,3,,\"exit status 1: too wide, for tanh\"",
            "6,complete,1.5,0.01,64,0.5,relu,,3,236.8,",  # the point of trial 0 again
            ""]
    write(os.path.join(d, "s.csv"), head + "\r\n" + "\r\n".join(body))
    dst = target(d, "skip")
    r = imported(d, ["sweep.yaml", "s.csv", "--storage", dst])
    check(r.returncode == 0 and r.stdout.endswith(
        "added 1 complete, 1 failed and 1 pruned trials to study '%s'; skipped 1 already in the "
        "study, 2 running, 1 queued\n" % name), f"skipped: {r.stdout!r} {r.stderr!r}")
    rows = csv_rows(export(d, dst, name))
    check([(x["state"], x["value"], x["reason"], x["metrics.mem"]) for x in rows] ==
          [("complete", "1.5", "", "236.8"), ("pruned", "", "", ""),
           ("failed", "", "exit status 1: too wide, for tanh", "")],
          f"the added trials: {rows}")


BAD_ROW = ('"params": {"lr": 0.01, "units": 64, "step": 0.5, "act": "relu", "seed": 3}')
BAD = [
    # (file name, text, what the one line holds)
    # user attributes: not an object (JSON), a cell that is not a JSON object (CSV)
    ("a1.json", '[{"trial": 3, "state": "complete", "value": 1, %s, '
                '"user_attrs": [1, 2]}]' % BAD_ROW,
     ["a1.json: trial 3:", "user_attrs", "not an object"]),
    ("a2.csv", "state,value,lr,units,step,act,momentum,seed,user_attrs\n"
               "complete,1,0.01,64,0.5,relu,,3,\"{\"\"a\"\": 1}\"\n"
               "complete,1,0.02,64,0.5,relu,,3,[1]\n",
     ["a2.csv:3:", "user_attrs", "'[1]' is not a JSON object"]),
    ("a3.csv", "state,value,lr,units,step,act,momentum,seed,user_attrs\n"
               "complete,1,0.02,64,0.5,relu,,3,\"{\"\"a\"\": 1, \"\"a\"\": 2}\"\n",
     ["a3.csv:2:", "user_attrs", "is not a JSON object"]),
    # intermediate values: a negative step, a value that is no number, not pairs, a step twice
    ("s1.json", '[{"trial": 8, "state": "complete", "value": 1, %s, '
                '"intermediate": [[0, 0.5], [-1, 0.25]]}]' % BAD_ROW,
     ["s1.json: trial 8:", "intermediate[1]", "step is not an integer >= 0"]),
    ("s2.json", '[{"trial": 9, "state": "failed", %s, "intermediate": [[0, "x"]]}]' % BAD_ROW,
     ["s2.json: trial 9:", "intermediate[0]", "value of step 0 is not a finite number"]),
    ("s3.json", '[{"trial": 1, "state": "complete", "value": 1, %s, '
                '"intermediate": [0.5]}]' % BAD_ROW,
     ["s3.json: trial 1:", "intermediate[0]", "not a [step, value] pair"]),
    ("s4.json", '[{"trial": 2, "state": "complete", "value": 1, %s, '
                '"intermediate": [[3, 1], [3, 2]]}]' % BAD_ROW,
     ["s4.json: trial 2:", "intermediate[1]", "step 3 is given twice"]),
    ("s5.json", '[{"trial": 4, "state": "complete", "value": 1, %s, '
                '"intermediate": [[1.5, 1]]}]' % BAD_ROW,
     ["s5.json: trial 4:", "intermediate[0]", "step is not an integer >= 0"]),
    ("u.csv", "trial,state,value,lr,units,step,act,momentum,seed,dropout\n",
     ["u.csv:1:", "column 'dropout'", "no parameter"]),
    ("r.csv", "state,value,lr,units,step,act,momentum,seed\n"
              "complete,1,0.01,64,0.5,relu,,3\ncomplete,1,0.5,64,0.5,relu,,3\n",
     ["r.csv:3:", "'lr'", "0.1]"]),
    ("c.csv", "state,value,lr,units,step,act,momentum,seed\ncomplete,1,0.01,64,0.5,gelu,,3\n",
     ["c.csv:2:", "'act'", "'gelu' is not one of its values"]),
    ("m.csv", "state,value,lr,step,act,momentum,seed\ncomplete,1,0.01,0.5,relu,,3\n",
     ["m.csv:2:", "'units' is missing"]),
    ("n.csv", "state,value,lr,units,step,act,momentum,seed\ncomplete,1,0.01,6x,0.5,relu,,3\n",
     ["n.csv:2:", "'units'", "'6x' is not a number"]),
    ("v.csv", "state,value,lr,units,step,act,momentum,seed\ncomplete,low,0.01,64,0.5,relu,,3\n",
     ["v.csv:2:", "value", "'low' is not a finite number"]),
    ("q.csv", "state,value,lr,units,step,act,momentum,seed\n"
              "complete,1,0.01,64,0.5,relu,,3\n\"complete,1,0.01,64,0.5,relu,,3\n",
     ["q.csv:3:", "not closed"]),
    ("s.csv", "state,value,lr,units,step,act,momentum,seed\ndone,1,0.01,64,0.5,relu,,3\n",
     ["s.csv:2:", "state", "'done'"]),
    ("i.csv", "state,value,lr,units,step,act,momentum,seed\ncomplete,1,0.01,64,0.5,relu,0.7,3\n",
     ["i.csv:2:", "'momentum'", "inactive"]),
    ("k.csv", "state,value,lr,units,step,act,momentum,seed\ncomplete,1,0.01,64,0.5,relu,3\n",
     ["k.csv:2:", "7 fields where the header has 8"]),
    ("u.json", '[{"trial": 7, "state": "complete", "value": 1, "params": {"lr": 0.01, '
               '"units": 64, "step": 0.5, "act": "relu", "seed": 3, "dropout": 0.1}}]',
     ["u.json: trial 7:", "params", "no parameter 'dropout'"]),
    ("r.json", '[{"trial": 2, "state": "complete", "value": 1, "params": {"lr": 0.01, '
               '"units": 1000, "step": 0.5, "act": "relu", "seed": 3}}]',
     ["r.json: trial 2:", "'units'", "[16, 512]"]),
    ("c.json", '[{"trial": 3, "state": "complete", "value": 1, "params": {"lr": 0.01, '
               '"units": 64, "step": 0.5, "act": "elu", "seed": 3}}]',
     ["c.json: trial 3:", "'act'", "'elu' is not one of its values"]),
    ("m.json", '[{"trial": 4, "state": "failed", "value": null, "params": {"lr": 0.01, '
               '"step": 0.5, "act": "relu", "seed": 3}}]',
     ["m.json: trial 4:", "'units' is missing"]),
    ("n.json", '[{"trial": 5, "state": "complete", "value": "1", "params": {"lr": 0.01, '
               '"units": 64, "step": 0.5, "act": "relu", "seed": 3}}]',
     ["n.json: trial 5:", "value", "not a number"]),
    ("p.json", '[{"trial": 6, "state": "complete", "value": 1, "params": {"lr": [0.01], '
               '"units": 64, "step": 0.5, "act": "relu", "seed": 3}}]',
     ["p.json: trial 6:", "'lr'", "not a number or a string"]),
    ("x.json", '[{"trial": 1, "state": "complete",', ["x.json:1:"]),
    ("o.json", '{"trial": 1}', ["o.json:", "not a JSON array"]),
    # fuzz_import found it: jansson's message quotes the text near the error, a line break in it
    # made the error two lines (fuzz/corpus/import/crash-json-newline-in-message)
    ("e.json", '[{"trial": 0, "reason": "x\\\n"}]', ["e.json:", "invalid escape"]),
]


def test_bad_files(d):
    name = unique_name("bad")
    sweep(d, name)
    for fname, text, want in BAD:
        write(os.path.join(d, fname), text)
        r = imported(d, ["sweep.yaml", fname, "--storage", "bad.db"])
        lines = r.stderr.strip().split("\n")
        check(r.returncode == 2 and len(lines) == 1 and r.stdout == "" and
              lines[0].startswith("gpbo import: " + fname) and all(w in lines[0] for w in want),
              f"{fname}: {r.returncode} {r.stderr!r} (want {want})")
    check(not os.path.exists(os.path.join(d, "bad.db")), "a bad file created the storage")
    # a good row before a bad one: nothing is added either (the whole file is checked first)
    write(os.path.join(d, "half.csv"), "state,value,lr,units,step,act,momentum,seed\n"
                                       "complete,1,0.01,64,0.5,relu,,3\n"
                                       "complete,1,0.01,64,0.5,relu,,4\n")
    r = imported(d, ["sweep.yaml", "half.csv", "--storage", "bad.db"])
    check(r.returncode == 2 and "half.csv:3:" in r.stderr and "'seed'" in r.stderr and
          not os.path.exists(os.path.join(d, "bad.db")), f"half: {r.stderr!r}")
    # a --steps file (CSV) with a bad cell, or naming a trial the file has no row of: the line
    # and the field named, nothing added
    write(os.path.join(d, "t.csv"), "trial,state,value,lr,units,step,act,momentum,seed\n"
                                    "0,complete,1,0.01,64,0.5,relu,,3\n"
                                    "1,pruned,,0.02,64,0.5,relu,,3\n")
    for text, want in [("trial,state,step,value\n0,complete,0,1\n0,complete,1,nan\n",
                        ["st.csv:3:", "value", "'nan' is not a finite number"]),
                       ("trial,state,step,value\n0,complete,-2,1\n",
                        ["st.csv:2:", "step", "'-2' is not an integer >= 0"]),
                       ("trial,state,step,value\n0,complete,0,1\n0,complete,0,2\n",
                        ["st.csv:3:", "step", "step 0 of trial 0 is given twice"]),
                       # out of order first (fuzz/corpus/import/crash-steps-out-of-order)
                       ("trial,state,step,value\n0,complete,5,1\n0,complete,2,1\n"
                        "0,complete,5,2\n",
                        ["st.csv:4:", "step", "step 5 of trial 0 is given twice"]),
                       ("trial,state,step,value\n5,complete,0,1\n",
                        ["st.csv:2:", "trial", "trial 5 has no complete, failed or pruned row in t.csv"]),
                       ("trial,state,value\n0,complete,1\n", ["st.csv:1:", "no 'step' column"])]:
        write(os.path.join(d, "st.csv"), text)
        r = imported(d, ["sweep.yaml", "t.csv", "--steps", "st.csv", "--storage", "bad.db"])
        lines = r.stderr.strip().split("\n")
        check(r.returncode == 2 and len(lines) == 1 and r.stdout == "" and
              lines[0].startswith("gpbo import: st.csv") and all(w in lines[0] for w in want),
              f"steps {text!r}: {r.returncode} {r.stderr!r} (want {want})")
    # its pruned trial's values come with it, as its row does
    write(os.path.join(d, "st.csv"), "trial,state,step,value\n1,pruned,0,1\n1,pruned,3,0.5\n")
    r = imported(d, ["sweep.yaml", "t.csv", "--steps", "st.csv", "--storage", "ok.db"])
    check(r.returncode == 0 and "1 pruned" in r.stdout, f"pruned steps: {r.stderr!r}")
    r = run(["export", "sweep.yaml", "--storage", "ok.db", "--study", name, "--steps"], d)
    check(r.stdout.endswith("1,pruned,0,1\n1,pruned,3,0.5\n"), f"pruned steps: {r.stdout!r}")
    write(os.path.join(d, "j.json"), '[{"trial": 0, "state": "complete", "value": 1, %s}]'
          % BAD_ROW)
    r = imported(d, ["sweep.yaml", "j.json", "--steps", "st.csv", "--storage", "bad.db"])
    check(r.returncode == 2 and "--steps goes with a CSV file" in r.stderr,
          f"--steps with JSON: {r.returncode} {r.stderr!r}")
    check(not os.path.exists(os.path.join(d, "bad.db")), "a bad steps file created the storage")
    for args, want in [(["sweep.yaml"], "give the sweep file"),
                       (["sweep.yaml", "nofile.csv"], "nofile.csv: cannot be read"),
                       (["sweep.yaml", "a", "b"], "one file at a time"),
                       (["sweep.yaml", "half.csv", "--bogus"], "--bogus")]:
        r = imported(d, args)
        check(r.returncode == 2 and want in r.stderr, f"{args}: {r.returncode} {r.stderr!r}")
    r = run(["import", "--help"], d)
    check(r.returncode == 0 and "gpbo import SWEEP.yaml FILE" in r.stdout and
          "--storage" in r.stdout, f"import --help: {r.stdout!r}")

THREE_ROWS = ("state,value,lr,units,step,act,momentum,seed\n"
              "complete,1.5,0.01,64,0.5,relu,,3\n"
              "complete,2.5,0.02,65,0.25,relu,,3\n"
              "failed,,0.03,66,0.75,tanh,0.6,3\n")


def no_study(d, storage, name):
    """Whether storage holds no study called name (gpbo trials says so, or that the SQLite file
    is not there)."""
    r = run(["trials", "--storage", storage, "--study", name], d)
    return r.returncode != 0 and (f"no study named '{name}'" in r.stderr or
                                  r.stderr.endswith(": no such file\n"))


def test_refused_creates_nothing(d):
    """A refused import into a storage that does not hold the study creates nothing: no study
    (it was created empty before the refusal past run_cap, and its space and options then bound
    the next gpbo run), and on SQLite no file; in a storage holding another study, the same. A
    malformed file or a bad value is refused before the storage is opened. With run_cap
    raised the same file is added whole."""
    dst = target(d, "refused")
    rows = THREE_ROWS
    write(os.path.join(d, "three.csv"), rows)
    write(os.path.join(d, "bad.csv"), rows.replace("0.03,66", "0.03,0x_Q"))
    name = unique_name("refused")
    sweep(d, name, run_cap=2)
    for f, want in (("three.csv", "past its run_cap of 2"), ("bad.csv", "'0x_Q' is not a number")):
        r = imported(d, ["sweep.yaml", f, "--storage", dst])
        check(r.returncode == 2 and want in r.stderr, f"{f}: {r.returncode} {r.stderr!r}")
        check(no_study(d, dst, name), f"{f}: the refused import left study {name}")
    if not PG_URL:
        check(not os.path.exists(dst[len("sqlite:///"):]), "a refused import created the file")
    # a storage that holds another study: the refused one is not made there either
    other = unique_name("held")
    sweep(d, other, run_cap=5)
    r = imported(d, ["sweep.yaml", "three.csv", "--storage", dst])
    check(r.returncode == 0 and "added 2 complete, 1 failed" in r.stdout, f"held: {r.stderr!r}")
    sweep(d, name, run_cap=2)
    r = imported(d, ["sweep.yaml", "three.csv", "--storage", dst])
    check(r.returncode == 2 and "past its run_cap of 2" in r.stderr and no_study(d, dst, name),
          f"beside {other}: {r.returncode} {r.stderr!r}")
    sweep(d, name, run_cap=3)
    r = imported(d, ["sweep.yaml", "three.csv", "--storage", dst])
    check(r.returncode == 0 and "added 2 complete, 1 failed" in r.stdout and
          not no_study(d, dst, name), f"run_cap 3: {r.returncode} {r.stderr!r}")


def admin_sql(d, storage, sql):
    """Runs sql on the storage itself (sqlite3's module, or psql), outside gpbo."""
    if PG_URL:
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", PG_URL, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        check(p.returncode == 0, f"psql: {p.stderr}")
    else:
        import sqlite3
        con = sqlite3.connect(storage[len("sqlite:///"):])
        con.executescript(sql)
        con.close()


def inject_failure(d, storage, name):
    """Makes the storage refuse every trial of study name (a trigger: the storage's own error,
    SQLite's RAISE(ABORT) or PostgreSQL's RAISE EXCEPTION, with no hook in gpbo); other studies
    write as before."""
    if PG_URL:
        admin_sql(d, storage, f"""
            CREATE FUNCTION inj_{name}() RETURNS trigger AS $$ BEGIN
              IF NEW.study IN (SELECT id FROM studies WHERE name = '{name}') THEN
                RAISE EXCEPTION 'injected failure';
              END IF;
              RETURN NEW; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER inj_{name} BEFORE INSERT ON trials FOR EACH ROW
              EXECUTE FUNCTION inj_{name}();""")
    else:
        admin_sql(d, storage, f"""
            CREATE TRIGGER inj_{name} BEFORE INSERT ON trials
            WHEN NEW.study IN (SELECT id FROM studies WHERE name = '{name}')
            BEGIN SELECT RAISE(ABORT, 'injected failure'); END;""")


def lift_failure(d, storage, name):
    admin_sql(d, storage, f"DROP TRIGGER inj_{name} ON trials; DROP FUNCTION inj_{name}();"
              if PG_URL else f"DROP TRIGGER inj_{name};")


def test_failed_write_creates_nothing(d):
    """An import into a storage that lacks the study, whose first trial the storage fails to
    write, leaves no study behind (it left an empty one, whose space and options then bound the
    next gpbo run), as a refused import leaves none; the storage's other study keeps its trials.
    Once the storage writes again, the same import creates the study with every row."""
    name, other = unique_name("failw"), unique_name("held")
    dst = target(d, "dst")
    sweep(d, other, run_cap=5)
    write(os.path.join(d, "three.csv"), THREE_ROWS)
    r = imported(d, ["sweep.yaml", "three.csv", "--storage", dst])
    check(r.returncode == 0, f"{other}: {r.returncode} {r.stderr!r}")
    before = export(d, dst, other)
    inject_failure(d, dst, name)
    sweep(d, name, run_cap=5)
    r = imported(d, ["sweep.yaml", "three.csv", "--storage", dst])
    check(r.returncode == 1 and "injected failure" in r.stderr and r.stdout == "",
          f"failed write: {r.returncode} {r.stdout!r} {r.stderr!r}")
    check(no_study(d, dst, name), f"a failed import left study {name} behind")
    check(export(d, dst, other) == before, f"the failure changed study {other}")
    lift_failure(d, dst, name)
    r = imported(d, ["sweep.yaml", "three.csv", "--storage", dst])
    check(r.returncode == 0 and "added 2 complete, 1 failed" in r.stdout,
          f"after the failure: {r.returncode} {r.stdout!r} {r.stderr!r}")


EXTREME_SWEEP = """\
    name: {name}
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: {run_cap}
    parameters:
      x: {{min: 0.0, max: 1.7976931348623157e308}}
      y: {{min: -1.7976931348623157e308, max: 0.0}}
      z: {{min: -1.0, max: 1.0}}
    command: ["{py}", "ext.py", "{{x}}", "{{y}}", "{{z}}", "${{args_json}}"]
    """

# the program: records its argv; its loss is x, its metric m is z
EXT = """\
    import json, sys
    open("ext.jsonl", "a").write(json.dumps(sys.argv[1:]) + "\\n")
    print("m=%s" % sys.argv[3])
    print("loss=%s" % sys.argv[1])
    """


def bits(x):
    """x's bits (a number), else its repr (null, a string): what must match exactly."""
    return struct.pack("<d", x) if isinstance(x, (int, float)) else repr(x)


def test_extreme_doubles(d):
    """Every finite double reads back bit for bit, through the storage given (the run's), the
    program's arguments and an export -> import round trip (JSON and CSV): DBL_MAX, -DBL_MAX, the
    largest below it, subnormals, DBL_MIN, -0.0. The program was given {x} and ${args_json} in 10
    digits, DBL_MAX as 1.797693135e+308, which reads back as infinity; and a JSON export wrote
    -0.0 as -0, the integer 0, so that the copy held +0.0. (SQLite keeps an integral REAL as an
    integer on disk: a -0.0 objective value reads back as 0 there; parameters and metrics keep
    the sign on both storages.)"""
    big = sys.float_info.max
    tiny = sys.float_info.min
    points = [(big, -big, -0.0), (5e-324, -5e-324, tiny / 3), (math.nextafter(big, 0), -tiny, 0.1 + 0.2),
              (tiny, -2.2250738585072009e-308, -5e-324)]
    name = unique_name("ext")
    src = target(d, "src")
    write(os.path.join(d, "ext.py"), EXT)
    write(os.path.join(d, "ext.yaml"), textwrap.dedent(EXTREME_SWEEP.format(
        name=name, run_cap=len(points), py=PY)))
    for p in points:
        r = run(["enqueue", "ext.yaml", "--storage", src] +
                [f"{k}={v!r}" for k, v in zip("xyz", p)], d)
        check(r.returncode == 0, f"enqueue {p}: {r.stderr!r}")
    r = run(["run", "ext.yaml", "--storage", src], d, timeout=120)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr[-400:]!r}")
    rows = json.loads(export(d, src, name, "json", "ext.yaml") or "[]")
    check(len(rows) == len(points), f"{len(rows)} trials for {len(points)} points")
    want = {bits(p[0]): p for p in points}
    for t in rows:
        p = want.get(bits(t["params"]["x"]))
        check(p is not None, f"trial {t['trial']}: x {t['params']['x']!r} is no point enqueued")
        if p is None:
            continue
        for k, v in zip("xyz", p):
            check(bits(t["params"][k]) == bits(v), f"stored {k} {t['params'][k]!r} for {v!r}")
        check(bits(t["metrics"]["m"]) == bits(p[2]), f"metric m {t['metrics']['m']!r} for {p[2]!r}")
        check(bits(t["value"]) == bits(p[0]), f"value {t['value']!r} for {p[0]!r}")
    with open(os.path.join(d, "ext.jsonl")) as f:
        argv = [json.loads(x) for x in f]
    check(len(argv) == len(points), f"{len(argv)} programs ran")
    for a in argv:
        js = json.loads(a[3])
        p = want.get(bits(float(a[0])))
        check(p is not None, f"the program got x={a[0]!r}, no point enqueued")
        if p is None:
            continue
        for k, text, v in zip("xyz", a[:3], p):
            check(bits(float(text)) == bits(v), f"{{{k}}} {text!r} reads back as {float(text)!r}, not {v!r}")
            check(bits(js[k]) == bits(v), f"${{args_json}} {k}: {js[k]!r}, not {v!r}")
    for fmt in ("json", "csv"):
        copy = unique_name("ext_" + fmt)
        text = export(d, src, name, fmt, "ext.yaml")
        r = imported(d, ["ext.yaml", "-", "--storage", target(d, "dst"), "--study", copy],
                     stdin=text)
        check(r.returncode == 0, f"import {fmt}: {r.returncode} {r.stderr!r}")
        back = json.loads(export(d, target(d, "dst"), copy, "json", "ext.yaml") or "[]")
        check(len(back) == len(rows), f"{fmt}: {len(back)} trials copied of {len(rows)}")
        for t, u in zip(rows, back):
            for k in "xyz":
                check(bits(u["params"][k]) == bits(t["params"][k]),
                      f"{fmt}: {k} {u['params'][k]!r} copied from {t['params'][k]!r}")
            check(bits(u["metrics"]["m"]) == bits(t["metrics"]["m"]),
                  f"{fmt}: metric m {u['metrics']['m']!r} copied from {t['metrics']['m']!r}")
            check(u["value"] == t["value"] and (not PG_URL or bits(u["value"]) == bits(t["value"])),
                  f"{fmt}: value {u['value']!r} copied from {t['value']!r}")


def main():
    tests = [test_copy_csv, test_steps_round_trip, test_objectives, test_warm_start_run,
             test_skipped_states, test_user_attrs_round_trip, test_refused_creates_nothing,
             test_extreme_doubles, test_failed_write_creates_nothing]
    if not PG_URL:
        tests.append(test_bad_files)
    return run_tests(tests, prefix="gpbo-import-", only=sys.argv[3:])


if __name__ == "__main__":
    sys.exit(main())
