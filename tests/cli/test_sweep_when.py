#!/usr/bin/env python3
"""Conditional parameters in sweep files (issue 20): `when: {parent: value}` and
`when: {parent: [v1, v2]}`, `default:`.

- every bad use (unknown parent, a float parent, a value the parent cannot take, a cycle, a
  malformed when, a {name} placeholder of a parameter that can be inactive without default:)
  exits 2 with one line naming file:LINE:column, LINE the line of the when: (or of the command
  argument);
- a run with every strategy passes a parameter exactly when its condition holds (parents
  conditional themselves), not in ${args} otherwise, and a {name} placeholder takes the
  default; export writes null (JSON) and an empty cell (CSV) for an inactive value.

Usage: test_sweep_when.py PATH/TO/gpbo
"""
import csv
import io
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import PY, check, run, run_tests, write  # noqa: E402

HEAD = """\
name: w
method: random
metric: {name: loss, goal: minimize}
run_cap: 3
"""
CMD = 'command: ["%s", "obj.py", "${args}"]\n' % PY


def refused(d, body, line, want):
    """The sweep HEAD + body is refused: exit 2, one line naming sweep.yaml:line:col, want in
    it."""
    write(os.path.join(d, "sweep.yaml"), HEAD + body)
    write(os.path.join(d, "obj.py"), "print('loss=1')\n")
    r = run(["run", "sweep.yaml"], d)
    lines = r.stderr.rstrip("\n").split("\n")
    check(r.returncode == 2, f"{want!r}: exit {r.returncode}: {r.stderr.strip()!r}")
    check(len(lines) == 1, f"{want!r}: {len(lines)} lines: {r.stderr!r}")
    m = re.match(r"gpbo: sweep\.yaml:(\d+):\d+: (.*)", lines[0])
    check(m is not None, f"{want!r}: no file:line:col in {lines[0]!r}")
    if m:
        check(int(m.group(1)) == line, f"{want!r}: line {m.group(1)}, expected {line}: {lines[0]!r}")
        check(want in m.group(2), f"{want!r} not in {lines[0]!r}")


def test_errors(d):
    # HEAD is 4 lines: parameters: is line 5
    refused(d, """\
parameters:
  opt: {values: [sgd, adam]}
  momentum: {min: 0.0, max: 0.9, when: {optt: sgd}}
""" + CMD, 7, "when names 'optt', which is no parameter (did you mean 'opt'?)")
    refused(d, """\
parameters:
  lr: {min: 0.1, max: 0.9}
  momentum:
    min: 0.0
    max: 0.9
    when: {lr: 0.5}
""" + CMD, 10, "parent 'lr' is a uniform; a parent is categorical or an integer")
    refused(d, """\
parameters:
  opt: {values: [sgd, adam]}
  momentum: {min: 0.0, max: 0.9, when: {opt: [sgd, adamw]}}
""" + CMD, 7, "'adamw' is not a value of 'opt'")
    refused(d, """\
parameters:
  layers: {min: 1, max: 3}
  units3: {min: 8, max: 64, when: {layers: 4}}
""" + CMD, 7, "'4' is not a value 'layers' takes")
    refused(d, """\
parameters:
  a: {values: [x, y], when: {c: 1}}
  b: {min: 1, max: 3, when: {a: x}}
  c: {min: 1, max: 3, when: {b: [1, 2]}}
""" + CMD, 6, "when makes a cycle")
    refused(d, """\
parameters:
  a: {values: [x, y], when: {a: x}}
  b: {min: 1, max: 3}
""" + CMD, 6, "itself")
    refused(d, """\
parameters:
  opt: {values: [sgd, adam]}
  m: {min: 0.0, max: 0.9, when: {opt: sgd, b: 1}}
""" + CMD, 7, "when of 'm' must be one {parent: value}")
    refused(d, """\
parameters:
  opt: {values: [sgd, adam]}
  m: {min: 0.0, max: 0.9, when: sgd}
""" + CMD, 7, "when of 'm' must be one")
    refused(d, """\
parameters:
  opt: {values: [sgd, adam]}
  m: {min: 0.0, max: 0.9, when: {opt: []}}
""" + CMD, 7, "is empty")
    refused(d, """\
parameters:
  opt: {values: [sgd, adam]}
  m: {min: 0.0, max: 0.9, when: {opt: sgd}}
command:
  - %s
  - obj.py
  - --momentum={m}
""" % PY, 11, "'{m}' in the command: 'm' is inactive unless opt is sgd (when:, line 7)")


PROG = r"""
import json, sys
args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
extra = [a for a in sys.argv[1:] if not a.startswith("--")]
with open("calls.jsonl", "a") as f:
    f.write(json.dumps({"args": args, "extra": extra}) + "\n")
print("loss=%g" % (float(args["lr"]) + float(args.get("m", 0))))
"""

SWEEP = """\
parameters:
  opt: {values: [sgd, adam, rms]}
  lr: {min: 0.0, max: 1.0}
  m: {min: 0.0, max: 0.9, when: {opt: sgd}, default: none}
  nest: {values: ["no", "yes"], when: {opt: sgd}}
  decay: {min: 1, max: 4, when: {nest: "yes"}}
  layers: {min: 1, max: 3}
  units: {distribution: q_uniform, min: 8, max: 64, q: 8, when: {layers: [2, 3]}}
command:
  - %s
  - obj.py
  - ${args}
  - m={m}
""" % PY


def active(a):
    """The parameters that must be passed, given the passed values a."""
    want = {"opt", "lr", "layers"}
    if a.get("opt") == "sgd":
        want |= {"m", "nest"}
        if a.get("nest") == "yes":
            want.add("decay")
    if a.get("layers") in ("2", "3"):
        want.add("units")
    return want


def test_runs(d):
    for method in ["grid", "random", "sobol", "lhs", "bayes"]:
        body = SWEEP.replace("method: random", "")
        write(os.path.join(d, "sweep.yaml"), HEAD.replace("random", method).replace(
            "run_cap: 3", "run_cap: 24\ngpbo: {initial: 6, grid_resolution: 2}") + body)
        write(os.path.join(d, "obj.py"), PROG)
        if os.path.exists(os.path.join(d, "calls.jsonl")):
            os.remove(os.path.join(d, "calls.jsonl"))
        r = run(["run", "sweep.yaml", "--storage", f"{method}.db"], d, timeout=300)
        check(r.returncode == 0, f"{method}: exit {r.returncode}: {r.stderr[-400:]!r}")
        with open(os.path.join(d, "calls.jsonl")) as f:
            calls = [json.loads(line) for line in f]
        check(len(calls) >= 20, f"{method}: {len(calls)} trials")
        seen_sgd = seen_other = 0
        for c in calls:
            a = c["args"]
            check(set(a) == active(a), f"{method}: passed {sorted(a)}, active {sorted(active(a))}")
            want = "m=" + (a["m"] if "m" in a else "none")
            check(c["extra"] == [want], f"{method}: placeholder gave {c['extra']}, want {want}")
            seen_sgd += a["opt"] == "sgd"
            seen_other += a["opt"] != "sgd"
        # the grid goes in order, the first parameter slowest: its first 24 points are all sgd
        check(seen_sgd > 0 and (seen_other > 0 or method == "grid"),
              f"{method}: branches {seen_sgd} / {seen_other}")
        # export: null / empty for the inactive, the value for the active
        r = run(["export", "sweep.yaml", "--storage", f"{method}.db", "--format", "json"], d)
        check(r.returncode == 0, f"{method}: export: {r.stderr!r}")
        rows = json.loads(r.stdout)
        for row in rows:
            p = row["params"]
            sgd = p["opt"] == "sgd"
            check((p["m"] is None) != sgd, f"{method}: export json m {p['m']!r} with {p['opt']}")
        r = run(["report", "sweep.yaml", "--storage", f"{method}.db", "-o", "page.html"], d)
        check(r.returncode == 0 and os.path.getsize(os.path.join(d, "page.html")) > 0,
              f"{method}: report: {r.returncode} {r.stderr[-300:]!r}")
        r = run(["best", "sweep.yaml", "--storage", f"{method}.db"], d)
        check(r.returncode == 0, f"{method}: best: {r.stderr!r}")
        r = run(["export", "sweep.yaml", "--storage", f"{method}.db", "--format", "csv"], d)
        for row in csv.DictReader(io.StringIO(r.stdout)):
            check((row["m"] == "") != (row["opt"] == "sgd"), f"{method}: csv m {row['m']!r}")


def test_report_child_never_active(d):
    """gpbo report on a study whose conditional parameter is active in no complete trial (every
    sgd trial failed here; on the demo sweep, no complete trial used sgd's momentum): its figure
    had no finite point and failed the whole report ("nothing finite to draw", exit 1)."""
    write(os.path.join(d, "nv.yaml"), f"""\
name: nv
method: random
metric: {{name: loss, goal: minimize}}
run_cap: 12
parameters:
  opt: {{values: [adam, sgd]}}
  m: {{min: 0.5, max: 0.9, when: {{opt: sgd}}}}
  x: {{min: 0.0, max: 1.0}}
command: ["{PY}", "nv.py", "${{args}}"]
""")
    write(os.path.join(d, "nv.py"), "import sys\n"
          "a = dict(x[2:].split('=') for x in sys.argv[1:])\n"
          "sys.exit(1) if a['opt'] == 'sgd' else print('loss=' + a['x'])\n")
    r = run(["run", "nv.yaml"], d, timeout=120)
    rows = json.loads(run(["export", "nv.yaml", "--format", "json"], d).stdout)
    states = {(t["params"]["opt"], t["state"]) for t in rows}
    check(("sgd", "failed") in states and ("adam", "complete") in states, f"states {states}")
    r = run(["report", "nv.yaml", "-o", "nv.html"], d)
    check(r.returncode == 0 and os.path.getsize(os.path.join(d, "nv.html")) > 0,
          f"report: {r.returncode} {r.stderr[-300:]!r}")


def test_initial_points(d):
    """initial_points and gpbo enqueue under conditions: an inactive parameter is left out (and
    may not be given), an active one is required; the points run first, as given."""
    pts = """\
initial_points:
  - {opt: adam, lr: 0.25, layers: 1}
  - {opt: sgd, lr: 0.5, m: 0.125, nest: "no", layers: 2, units: 16}
"""
    body = SWEEP.replace("command:", pts + "command:")
    refused(d, body.replace("{opt: adam, lr: 0.25, layers: 1}",
                            "{opt: adam, lr: 0.25, layers: 1, m: 0.5}"), 14,
            "gives 'm', inactive under its when:")
    refused(d, body.replace("nest: \"no\", ", ""), 15, "lacks parameter 'nest'")
    write(os.path.join(d, "obj.py"), PROG)
    write(os.path.join(d, "sweep.yaml"), HEAD + body)
    r = run(["run", "sweep.yaml", "--trials", "2"], d)
    check(r.returncode == 0, f"initial points run: {r.stderr}")
    calls = [json.loads(l) for l in open(os.path.join(d, "calls.jsonl"))]
    check(len(calls) == 2 and calls[0]["args"] == {"opt": "adam", "lr": "0.25", "layers": "1"}
          and calls[1]["args"] == {"opt": "sgd", "lr": "0.5", "m": "0.125", "nest": "no",
                                   "layers": "2", "units": "16"},
          f"the initial points as given: {calls}")
    r = run(["enqueue", "sweep.yaml", "opt=rms", "lr=0.75", "layers=1", "units=8"], d)
    check(r.returncode == 2, f"enqueue of an inactive parameter: {r.returncode} {r.stderr}")
    r = run(["enqueue", "sweep.yaml", "opt=rms", "lr=0.75", "layers=1"], d)
    check(r.returncode == 0, f"enqueue without the inactive ones: {r.returncode} {r.stderr}")


def test_default_as_drawn(d):
    """An inactive parameter's default: reaches {name} as the same text in values: reaches it
    when drawn: Python's str() of what PyYAML reads (yes as True, 0x20 as 32, 1.50 as 1.5, null
    as None, 1.5e+3 as 1500.0; a quoted "yes" as written), so {name} looks the same whether
    the value was drawn or is the default. The default reached it as written (yes, 1.50, null)."""
    import yaml
    texts = {"flag": "yes", "hexa": "0x20", "half": "1.50", "nil": "null", "word": '"yes"',
             "big": "1.5e+3", "tilde": "~", "off": "Off"}
    params = "".join(f"  {n}: {{values: [{t}], when: {{opt: sgd}}, default: {t}}}\n"
                     for n, t in texts.items())
    params += "  lr: {min: 0.25, max: 0.25, when: {opt: sgd}, default: 0.25}\n"
    names = list(texts) + ["lr"]
    write(os.path.join(d, "dd.yaml"), "name: dd\nmethod: grid\nmetric: {name: loss}\n"
          "parameters:\n  opt: {values: [sgd, adam]}\n" + params +
          "command: [\"%s\", dd.py, \"{opt}\", %s]\n"
          % (PY, ", ".join(f'"{{{n}}}"' for n in names)))
    write(os.path.join(d, "dd.py"), """\
    import json, sys
    open("dd.jsonl", "a").write(json.dumps(sys.argv[1:]) + "\\n")
    print("loss=1")
    """)
    r = run(["run", "dd.yaml"], d, timeout=120)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    with open(os.path.join(d, "dd.jsonl")) as f:
        got = {a[0]: a[1:] for a in map(json.loads, f)}
    want = [str(yaml.safe_load(t)) for t in texts.values()] + ["0.25"]
    check(got.get("sgd") == want, f"drawn: {got.get('sgd')}, PyYAML's str() {want}")
    check(got.get("adam") == want, f"default: {got.get('adam')}, drawn {got.get('sgd')}")


if __name__ == "__main__":
    sys.exit(run_tests([test_errors, test_runs, test_initial_points, test_report_child_never_active,
                        test_default_as_drawn], prefix="gpbo-when-"))
