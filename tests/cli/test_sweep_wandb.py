"""W&B sweep-file features a W&B user's sweep relies on: the ${args_json} and
${args_json_file} command macros (the parameters as one JSON argument / the path of a JSON file
holding them, each value with the type W&B gives it), and the file removed after every trial,
however it ended.

Usage: test_sweep_wandb.py PATH/TO/gpbo [TEST ...]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import PY, check, run, run_tests, write  # noqa: E402

# The program: reads ${args_json} (argv[1]) and ${args_json_file} (argv[2]), records both with
# the file's path in seen.jsonl, and behaves as the parameter `end` says.
PROG = """\
import json, os, sys, time
a = json.loads(sys.argv[1])
path = sys.argv[2]
with open(path) as f:
    b = json.load(f)
with open("seen.jsonl", "a") as f:
    f.write(json.dumps({"arg": a, "file": b, "path": path,
                        "types": {k: type(v).__name__ for k, v in a.items()}}) + "\\n")
end = a.get("end", "ok")
if end == "fail":
    sys.exit(3)
if end == "hang":
    time.sleep(60)
print("loss=%r" % float(a["lr"]))
"""


def sweep(d, end_values, extra=""):
    write(os.path.join(d, "prog.py"), PROG)
    write(os.path.join(d, "sweep.yaml"), f"""\
    method: grid
    metric: {{name: loss}}
    parameters:
      lr: {{values: [0.5]}}
      end: {{values: {end_values}}}
      units: {{distribution: int_uniform, min: 16, max: 16}}
      frac: {{distribution: uniform, min: 2, max: 2}}
      qi: {{distribution: q_uniform, min: 4, max: 4, q: 2}}
      qf: {{distribution: q_uniform, min: 4, max: 4}}
      kind: {{values: [adam]}}
      num: {{value: 64}}
      quoted: {{value: "64"}}
      sci: {{value: 1e-3}}
      flt: {{value: 1.5e+3}}
      flag: {{value: yes}}
      none: {{value: null}}
      hexa: {{value: 0x1F}}
    command: ["{PY}", "prog.py", "${{args_json}}", "${{args_json_file}}"]
    """ + extra)


def seen(d):
    with open(os.path.join(d, "seen.jsonl")) as f:
        return [json.loads(line) for line in f]


def test_types(d):
    """Each value keeps W&B's type: an int_uniform's an int, a uniform's a float even when whole
    (2.0), a q_uniform's an int with an integer q and a float with W&B's default q 1.0, a
    categorical or constant value as PyYAML reads its scalar (64 an int, "64" a string, 1e-3 a
    string since YAML 1.1 floats need a dot, 1.5e+3 a float, yes a bool, null None, 0x1F 31).
    The argument and the file hold the same object."""
    sweep(d, "[ok]")
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    rows = seen(d)
    check(len(rows) == 1, f"one trial: {rows}")
    if not rows:
        return
    a = rows[0]["arg"]
    want = {"lr": 0.5, "end": "ok", "units": 16, "frac": 2.0, "qi": 4, "qf": 4.0, "kind": "adam",
            "num": 64, "quoted": "64", "sci": "1e-3", "flt": 1500.0, "flag": True, "none": None,
            "hexa": 31}
    check(a == want, f"values: {a}")
    types = rows[0]["types"]
    want_types = {"lr": "float", "end": "str", "units": "int", "frac": "float", "qi": "int",
                  "qf": "float", "kind": "str", "num": "int", "quoted": "str", "sci": "str",
                  "flt": "float", "flag": "bool", "none": "NoneType", "hexa": "int"}
    check(types == want_types, f"types: {types}")
    check(list(a) == list(want), f"the sweep's order: {list(a)}")
    check(rows[0]["file"] == a, f"the file holds the argument's object: {rows[0]['file']}")
    check(os.path.isabs(rows[0]["path"]), f"an absolute path: {rows[0]['path']}")


def test_file_removed(d):
    """The file is there while the trial runs and gone after it, whether it completed, failed
    or was killed at its timeout; each trial has its own."""
    sweep(d, "[ok, fail, hang]", "gpbo: {timeout: 2}\n")
    r = run(["run", "sweep.yaml"], d, timeout=120)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    rows = seen(d)
    ends = sorted(x["arg"]["end"] for x in rows)
    check(ends == ["fail", "hang", "ok"], f"three trials: {ends}")
    paths = [x["path"] for x in rows]
    check(len(set(paths)) == 3, f"a file per trial: {paths}")
    left = [p for p in paths if os.path.exists(p)]
    check(left == [], f"files left behind: {left}")
    out = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    states = sorted(t["state"] for t in out)
    check(states == ["complete", "failed", "failed"], f"states: {states}")


def test_inactive_left_out(d):
    """A parameter inactive under its when: is left out of the object, as ${args} leaves it
    out."""
    write(os.path.join(d, "p.py"), """\
    import json, sys
    a = json.loads(sys.argv[1])
    open("seen.jsonl", "a").write(json.dumps(a) + "\\n")
    print("loss=1")
    """)
    write(os.path.join(d, "sweep.yaml"), f"""\
    method: grid
    metric: {{name: loss}}
    parameters:
      opt: {{values: [sgd, adam]}}
      momentum: {{values: [0.9], when: {{opt: sgd}}}}
    command: ["{PY}", "p.py", "${{args_json}}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    with open(os.path.join(d, "seen.jsonl")) as f:
        rows = sorted((json.loads(x) for x in f), key=lambda a: a["opt"])
    check(rows == [{"opt": "adam"}, {"opt": "sgd", "momentum": 0.9}], f"objects: {rows}")


def trials(d, name="sweep.yaml"):
    return json.loads(run(["export", name, "--format", "json"], d).stdout)


def test_target_stops(d):
    """metric.target (W&B: the sweep finishes once a run reaches it): once a complete trial
    reaches it, no trial starts, not even the one a grid asks ahead of a free slot (the old run
    started it as the program that reached the target exited: one trial more); the run says so
    in one line and exits 0; a resumed run starts nothing. For each strategy that asks ahead."""
    write(os.path.join(d, "obj.py"), """\
    import sys
    kind = sys.argv[1].split("=", 1)[1]
    print("acc=" + {"a": "0.2", "b": "0.5", "c": "0.9", "d": "0.95", "e": "0.3"}[kind])
    """)
    for method in ("grid", "random", "sobol", "lhs"):
        name = method + ".yaml"
        write(os.path.join(d, name), f"""\
        method: {method}
        run_cap: 5
        metric: {{name: acc, goal: maximize, target: 0.85}}
        parameters:
          kind: {{values: [a, b, c, d, e]}}
        command: ["{PY}", "obj.py", "${{args}}"]
        gpbo: {{grid_shuffle: false}}
        """)
        r = run(["run", name], d, timeout=60)
        said = [x for x in r.stdout.splitlines() if "reached metric.target" in x]
        rows = trials(d, name)
        accs = [{"a": 0.2, "b": 0.5, "c": 0.9, "d": 0.95, "e": 0.3}[t["params"]["kind"]]
                for t in rows]
        check(r.returncode == 0 and len(said) == 1, f"{method}: {r.returncode} {r.stdout}")
        # the trials run up to the first that reached 0.85, that one last, none after it
        first = next((i for i, a in enumerate(accs) if a >= 0.85), None)
        check(first is not None and len(rows) == first + 1, f"{method}: trials run: {accs}")
        check(all(t["state"] == "complete" for t in rows), f"{method}: states {rows}")
        again = run(["run", name], d, timeout=60)
        check(again.returncode == 0 and len(trials(d, name)) == len(rows) and
              "reached metric.target" in again.stdout,
              f"{method}: a resumed run starts none: {again.stdout} {again.stderr}")


def test_target_lets_running_finish(d):
    """Two at a time, minimizing: a trial that reaches the target stops new ones from starting,
    while the one already running finishes and is stored complete."""
    write(os.path.join(d, "obj.py"), """\
    import sys, time
    kind = sys.argv[1].split("=", 1)[1]
    if kind == "slow":
        time.sleep(2)
    print("loss=" + {"slow": "5", "hit": "0.5", "a": "3", "b": "4"}[kind])
    """)
    write(os.path.join(d, "sweep.yaml"), f"""\
    method: grid
    metric: {{name: loss, goal: minimize, target: 1}}
    parameters:
      kind: {{values: [slow, hit, a, b]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    gpbo: {{jobs: 2, grid_shuffle: false}}
    """)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    rows = {t["params"]["kind"]: t for t in trials(d)}
    check(r.returncode == 0 and "trial 1 reached metric.target (loss <= 1)" in r.stdout,
          f"run: {r.returncode} {r.stdout} {r.stderr}")
    check(sorted(rows) == ["hit", "slow"], f"trials: {sorted(rows)}")
    check(all(t["state"] == "complete" for t in rows.values()), f"states: {rows}")


def main():
    tests = [test_types, test_file_removed, test_inactive_left_out, test_target_stops,
             test_target_lets_running_finish]
    return run_tests(tests, prefix="gpbo-wandb-", only=sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
