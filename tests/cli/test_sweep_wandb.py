"""W&B sweep-file features a W&B user's sweep relies on: the ${args_json} and
${args_json_file} command macros (the parameters as one JSON argument / the path of a JSON file
holding them, each value with the type W&B gives it), and the file removed after every trial,
however it ended.

Usage: test_sweep_wandb.py PATH/TO/gpbo [TEST ...]
"""
import json
import math
import os
import re
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


def test_types_match_pyyaml(d):
    """Each value of a values: list reaches ${args_json} with the type and value PyYAML (which
    W&B's sweep loader uses) gives it: YAML 1.1's binary, octal, hex, base-60 and '_' integers,
    floats with a dot (and a signed exponent), .inf and .nan, its booleans and nulls, and the
    look-alikes that stay strings."""
    import yaml
    vals = ["1_000", "0b101", "0o17", "017", "0x_1F", "1:30", "-1:30", "1:30.5", ".5", "-.5",
            "+1", "-0", "1.", "1.e+3", "1e+3", "1.0e3", ".inf", "-.inf", "+.inf", ".NaN", "Yes",
            "NO", "on", "Off", "y", "~", "Null", "0", "00", "09", "1__0", "_1", "0.1_5", "1:60",
            "1:5:3", "+0x1f", "0b", "TRUE", "tRue", "'7'", '"yes"', "abc", "2.5"]
    items = "".join(f"      - {v}\n" for v in vals)
    text = (f"method: grid\nmetric: {{name: loss}}\nparameters:\n  v:\n    values:\n{items}"
            f"command: [\"{PY}\", p.py, \"${{args_json}}\"]\n")
    with open(os.path.join(d, "sweep.yaml"), "w") as f:
        f.write(text)
    write(os.path.join(d, "p.py"), """\
    import sys
    open("seen.jsonl", "a").write(sys.argv[1] + "\\n")
    print("loss=1")
    """)
    r = run(["run", "sweep.yaml"], d, timeout=120)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    want = yaml.safe_load(text)["parameters"]["v"]["values"]
    with open(os.path.join(d, "seen.jsonl")) as f:
        got = [json.loads(x)["v"] for x in f]  # the grid runs the values in order

    def same(a, b):
        if isinstance(a, float) and math.isnan(a):
            return isinstance(b, float) and math.isnan(b)
        return type(a) is type(b) and a == b
    check(len(got) == len(want), f"{len(got)} trials for {len(want)} values")
    for v, w, g in zip(vals, want, got):
        check(same(w, g), f"{v}: PyYAML {w!r}, ${{args_json}} {g!r}")


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


def test_no_boolean_flags(d):
    """W&B's ${args_no_boolean_flags}: --name=value pairs, but a YAML boolean as --name when
    true and left out when false (W&B's agent: isinstance(value, bool)); a quoted "true" is a
    string, passed as --name=true."""
    write(os.path.join(d, "p.py"), """\
    import json, sys
    open("seen.jsonl", "a").write(json.dumps(sys.argv[1:]) + "\\n")
    print("loss=1")
    """)
    write(os.path.join(d, "sweep.yaml"), f"""\
    method: grid
    metric: {{name: loss}}
    parameters:
      amp: {{values: [true, false]}}
      lr: {{value: 0.5}}
      word: {{value: "true"}}
    command: ["{PY}", "p.py", "${{args_no_boolean_flags}}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    with open(os.path.join(d, "seen.jsonl")) as f:
        rows = sorted(json.loads(x) for x in f)
    check(rows == [["--amp", "--lr=0.5", "--word=true"], ["--lr=0.5", "--word=true"]],
          f"arguments: {rows}")


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


# W&B's distributions that gpbo lacked, each with parameters that make it lopsided (a sign or a
# factor gone wrong shows), and what each value must be: (name, spec, valid(v)).
DISTS = [
    ("n", "{distribution: normal, mu: 2, sigma: 3}", math.isfinite),
    ("qn", "{distribution: q_normal, mu: 10, sigma: 5, q: 2}",
     lambda v: v == int(v) and int(v) % 2 == 0),
    ("ln", "{distribution: log_normal, mu: -1, sigma: 0.5}", lambda v: v > 0),
    ("qln", "{distribution: q_log_normal, mu: 3, sigma: 1, q: 0.5}",
     lambda v: v >= 0 and (2 * v) == int(2 * v)),
    ("qlu", "{distribution: q_log_uniform, min: 0, max: 5, q: 1}",
     lambda v: v == int(v) and 1 <= v <= 148),
    ("ilu", "{distribution: inv_log_uniform, min: 1, max: 5}",
     lambda v: math.exp(-5) * (1 - 1e-12) <= v <= math.exp(-1) * (1 + 1e-12)),
    ("iluv", "{distribution: inv_log_uniform_values, min: 0.01, max: 10}",
     lambda v: 0.01 * (1 - 1e-12) <= v <= 10 * (1 + 1e-12)),
]


def dist_sweep(d, name, method, run_cap, extra=""):
    """A sweep over DISTS whose program is echo: it prints loss=1 and the --name=value pairs
    it was given, which gpbo stores as the trial's metrics (what the program saw)."""
    params = "".join(f"  {n}: {spec}\n" for n, spec, _ in DISTS)
    with open(os.path.join(d, name), "w") as f:
        f.write(f"method: {method}\nrun_cap: {run_cap}\nmetric: {{name: loss}}\nparameters:\n"
                f"{params}command: [/bin/echo, \"loss=1\", \"${{args}}\"]\n{extra}")


def seen_matches_stored(rows, what):
    """Each complete trial's export value (what users see) is what its program was given."""
    for t in rows:
        for n, _, _ in DISTS:
            got, shown = t["metrics"]["--" + n], t["params"][n]
            if not math.isclose(got, shown, rel_tol=1e-9, abs_tol=1e-300):
                check(False, f"{what}: trial {t['trial']} {n}: program {got}, export {shown}")
                return


def chi2_quantized(vals, q, cdf):
    """Pearson's chi-square p-value of values round(X / q) q against X's CDF: each multiple k q
    has P = cdf((k + 1/2) q) - cdf((k - 1/2) q), the tails folded into the end bins, bins merged
    from the left until each expects 5 or more."""
    import numpy as np
    from scipy import stats
    ks = np.round(np.asarray(vals) / q).astype(int)
    lo, hi = ks.min() - 3, ks.max() + 3
    kk = np.arange(lo, hi + 1)
    p = cdf((kk + 0.5) * q) - cdf((kk - 0.5) * q)
    p[0] += cdf((lo - 0.5) * q)
    p[-1] += 1 - cdf((hi + 0.5) * q)
    obs, exp_, ao, ae = [], [], 0.0, 0.0
    for o, e in zip([(ks == k).sum() for k in kk], p * len(ks)):
        ao, ae = ao + o, ae + e
        if ae >= 5:
            obs.append(ao)
            exp_.append(ae)
            ao = ae = 0.0
    obs[-1] += ao
    exp_[-1] += ae
    return stats.chisquare(obs, exp_).pvalue


def test_distributions_sample_wandb(d):
    """Random search draws each of W&B's distributions that gpbo lacked as W&B's params.py
    does (normal: N(mu, sigma); log_normal: exp of it; q_*: round(x / q) q; q_log_uniform:
    round(exp(U(min, max)) / q) q; inv_log_uniform: exp(-U(min, max)); inv_log_uniform_values:
    exp(-U(-log max, -log min))): 1500 draws, a Kolmogorov-Smirnov test against scipy's
    distribution for the continuous ones and a chi-square over the multiples of q for the
    quantized ones, each at significance 0.001 (the seed is fixed: the draws do not change
    between runs). What export, best and the report show is the value the program got."""
    import numpy as np
    from scipy import stats
    dist_sweep(d, "sweep.yaml", "random", 1500)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr[-500:]}")
    rows = trials(d)
    check(len(rows) == 1500 and all(t["state"] == "complete" for t in rows),
          f"{len(rows)} trials")
    seen_matches_stored(rows, "random")
    for n, _, valid in DISTS:
        bad = [t["params"][n] for t in rows if not valid(t["params"][n])]
        check(bad == [], f"{n}: values it cannot take: {bad[:5]}")
    col = {n: np.array([t["params"][n] for t in rows], float) for n, _, _ in DISTS}
    alpha = 1e-3
    for n, dist in (("n", stats.norm(2, 3)), ("ln", stats.lognorm(s=0.5, scale=math.exp(-1))),
                    ("ilu", stats.loguniform(math.exp(-5), math.exp(-1))),
                    ("iluv", stats.loguniform(0.01, 10))):
        p = stats.kstest(col[n], dist.cdf).pvalue
        check(p > alpha, f"{n}: KS p = {p:.2g} against W&B's distribution")
    # the test can fail: the normal's draws are not a normal of another sigma, nor uniform
    check(stats.kstest(col["n"], stats.norm(2, 2.5).cdf).pvalue < alpha, "KS has no power")
    check(stats.kstest(col["ilu"], stats.uniform(math.exp(-5), math.exp(-1) - math.exp(-5)).cdf)
          .pvalue < alpha, "KS has no power (uniform)")

    def qlu_cdf(x):
        return np.clip(np.log(np.maximum(x, 1e-300)) / 5, 0, 1)
    for n, q, cdf in (("qn", 2, stats.norm(10, 5).cdf),
                      ("qln", 0.5, stats.lognorm(s=1, scale=math.exp(3)).cdf),
                      ("qlu", 1, qlu_cdf)):
        p = chi2_quantized(col[n], q, cdf)
        check(p > alpha, f"{n}: chi-square p = {p:.2g} against W&B's distribution")
    # best and the report show the best trial's values as the program got them
    b = run(["best", "sweep.yaml"], d)
    best = dict(x.split("=", 1) for x in b.stdout.split() if "=" in x)
    t0 = next(t for t in rows if t["trial"] == int(best.get("trial", -1)))
    for n, _, _ in DISTS:
        check(math.isclose(float(best.get(n, "nan")), t0["metrics"]["--" + n], rel_tol=1e-9),
              f"best: {n}={best.get(n)}, program {t0['metrics']['--' + n]}")
    r = run(["report", "sweep.yaml", "-o", "r.html"], d, timeout=300)
    html = open(os.path.join(d, "r.html")).read() if r.returncode == 0 else ""
    check(r.returncode == 0 and best.get("n", "?") in html and best.get("ln", "?") in html,
          f"report: {r.returncode} {r.stderr[-300:]}; shows n={best.get('n')}")


def test_distributions_every_strategy(d):
    """Every strategy proposes values each distribution can take (no quantile, no value off
    the grid of q, none outside an inv_log_uniform's range), and each trial's values in export
    and trials are the program's; grid takes the bounded ones and refuses the normal family
    (unbounded: W&B's grid refuses continuous parameters), naming the line."""
    for method in ("random", "sobol", "lhs", "bayes"):
        name = method + ".yaml"
        dist_sweep(d, name, method, 10, "gpbo: {initial: 4}\n")
        r = run(["run", name], d, timeout=300)
        check(r.returncode == 0, f"{method}: {r.returncode} {r.stderr[-500:]}")
        rows = trials(d, name)
        check(len(rows) == 10, f"{method}: {len(rows)} trials")
        seen_matches_stored(rows, method)
        for n, _, valid in DISTS:
            bad = [t["params"][n] for t in rows if not valid(t["params"][n])]
            check(bad == [], f"{method}: {n}: values it cannot take: {bad[:5]}")
        table = run(["trials", name], d).stdout
        last = rows[-1]
        for n, _, _ in DISTS:
            x = last["metrics"]["--" + n]  # as gpbo writes it: from 10 digits, read back exact
            got = next(t for t in ("%.*g" % (p, x) for p in range(10, 18)) if float(t) == x)
            check(re.search(r"(^|\s)" + re.escape(got) + r"(\s|$)", table) is not None,
                  f"{method}: trials lacks {n}={got}")
    write(os.path.join(d, "grid.yaml"), """\
    method: grid
    metric: {name: loss}
    parameters:
      qlu: {distribution: q_log_uniform, min: 0, max: 2, q: 1}
      ilu: {distribution: inv_log_uniform, min: 1, max: 5}
      iluv: {distribution: inv_log_uniform_values, min: 0.01, max: 10}
    command: [/bin/echo, "loss=1", "${args}"]
    gpbo: {grid_resolution: 3}
    """)
    r = run(["run", "grid.yaml"], d, timeout=120)
    rows = trials(d, "grid.yaml")
    check(r.returncode == 0 and len(rows) > 0, f"grid: {r.returncode} {r.stderr}")
    for t in rows:
        p = t["params"]
        check(p["qlu"] in (1, 2, 3, 4, 5, 6, 7) and
              math.exp(-5) * (1 - 1e-12) <= p["ilu"] <= math.exp(-1) * (1 + 1e-12) and
              0.01 * (1 - 1e-12) <= p["iluv"] <= 10 * (1 + 1e-12), f"grid: {p}")
    dist_sweep(d, "gridn.yaml", "grid", 5)
    r = run(["run", "gridn.yaml"], d)
    check(r.returncode == 2 and re.match(r"gpbo: gridn.yaml:5:\d+: parameter 'n': method grid",
                                         r.stderr) is not None, f"grid normal: {r.stderr}")


def test_distributions_refused(d):
    """What a distribution cannot take is refused with the file, line and field: bounds on the
    normal family, mu or sigma on another one, sigma 0, q on normal, a log_normal too wide for
    a double; and a value gpbo would never draw, given to enqueue."""
    cases = [
        ("{distribution: normal, min: 0, max: 1}", "takes mu and sigma, not min and max"),
        ("{distribution: uniform, min: 0, max: 1, mu: 3}", "mu and sigma belong to normal"),
        ("{distribution: log_normal, sigma: 0}", "sigma must be > 0"),
        ("{distribution: normal, q: 2}", "takes no q (q_normal does)"),
        ("{distribution: log_normal, mu: 600, sigma: 30}", "too large for log_normal"),
        ("{distribution: inv_log_uniform, min: -800, max: 1}", "from -709 to 708"),
        ("{distribution: inv_log_uniform_values, min: 0, max: 1}", "needs min > 0"),
        ("{distribution: q_log_uniform, min: -800, max: 1}", "from -708 to 709"),
    ]
    for spec, want in cases:
        write(os.path.join(d, "bad.yaml"), f"""\
        method: random
        run_cap: 3
        metric: {{name: loss}}
        parameters:
          x: {spec}
        command: [/bin/echo, "loss=1"]
        """)
        r = run(["run", "bad.yaml"], d)
        check(r.returncode == 2 and r.stderr.startswith("gpbo: bad.yaml:5:") and want in r.stderr,
              f"{spec}: {r.returncode} {r.stderr!r}")
    write(os.path.join(d, "ok.yaml"), """\
    method: random
    run_cap: 3
    metric: {name: loss}
    parameters:
      x: {distribution: normal, mu: 0, sigma: 1}
      y: {distribution: q_normal, q: 0.5}
    command: [/bin/echo, "loss=1"]
    """)
    r = run(["enqueue", "ok.yaml", "x=9", "y=0.5"], d)
    check(r.returncode == 2 and "beyond the quantiles" in r.stderr, f"x=9: {r.stderr}")
    r = run(["enqueue", "ok.yaml", "x=1.5", "y=0.7"], d)
    check(r.returncode == 2 and "not a multiple of 0.5" in r.stderr, f"y=0.7: {r.stderr}")
    # the lowest value gpbo draws, as it writes it (10 digits: a hair below the 1e-6 quantile
    # -4.7534243088), reads back: an export of a trial at the end imports
    r = run(["enqueue", "ok.yaml", "x=-4.753424309", "y=0"], d)
    check(r.returncode == 0, f"x at its end: {r.returncode} {r.stderr}")
    r = run(["enqueue", "ok.yaml", "x=-4.7535", "y=0"], d)
    check(r.returncode == 2 and "beyond the quantiles" in r.stderr, f"x=-4.7535: {r.stderr}")
    r = run(["enqueue", "ok.yaml", "x=1.5", "y=-2.5"], d)
    check(r.returncode == 0, f"enqueue: {r.returncode} {r.stderr}")
    r = run(["run", "ok.yaml"], d)
    rows = trials(d, "ok.yaml")
    check(r.returncode == 0 and len(rows) == 3 and rows[1]["params"] == {"x": 1.5, "y": -2.5},
          f"the enqueued values run as given: {rows[:2]}")


def test_rounded_round_trip(d):
    """W&B's round(y / q) q reaches values beyond a distribution's range (0 from a
    q_log_uniform_values' min of 0.01 with q 0.1; 0 from a q_log_normal; 1 from a q_log_uniform
    up to exp(0.1)), and the program gets them: gpbo export writes them, and gpbo import takes
    them back (it refused them as outside [min, max], or 0 as no log_normal value), to a study
    whose export holds the same parameters, row for row. gpbo enqueue takes such a value, and
    refuses a multiple no draw rounds to and a value between two multiples (which it took, and
    the program got the multiple nearest it)."""
    write(os.path.join(d, "sweep.yaml"), """\
    method: random
    run_cap: 40
    metric: {name: loss}
    parameters:
      lr: {distribution: q_log_uniform_values, min: 0.01, max: 0.2, q: 0.1}
      k: {distribution: q_log_uniform, min: -5, max: 0.1, q: 1}
      qln: {distribution: q_log_normal, mu: -3, sigma: 1, q: 0.5}
      qn: {distribution: q_normal, mu: 0.3, sigma: 0.2, q: 1}
      u: {min: 0.0, max: 1.0}
    command: [/bin/echo, "loss=1", "${args}"]
    """)
    # u tells the rows apart: import skips a row whose parameters a trial already holds
    r = run(["run", "sweep.yaml", "--trials", "24"], d, timeout=120)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr[-300:]}")
    rows = trials(d)
    # the draws below the range that the test is about (each has probability > 0.5 a trial)
    check(any(t["params"]["lr"] == 0 for t in rows) and any(t["params"]["k"] == 0 for t in rows)
          and any(t["params"]["qln"] == 0 for t in rows), f"no value below a range: {rows[:3]}")
    for t in rows:
        check(t["metrics"]["--lr"] == t["params"]["lr"], f"program got {t}")
    out = run(["export", "sweep.yaml", "--format", "json", "-o", "all.json"], d)
    check(out.returncode == 0, f"export: {out.stderr}")
    r = run(["import", "sweep.yaml", "all.json", "--storage", "sqlite:///copy.db"], d)
    check(r.returncode == 0, f"import: {r.returncode} {r.stderr.strip()}")
    copy = json.loads(run(["export", "sweep.yaml", "--format", "json", "--storage",
                           "sqlite:///copy.db"], d).stdout or "[]")
    check([t["params"] for t in copy] == [t["params"] for t in rows],
          f"the copy's parameters differ: {[t['params'] for t in copy][:3]}")
    point = ("lr=0", "k=0", "qln=0", "qn=1", "u=0.5")
    r = run(["enqueue", "sweep.yaml"] + list(point), d)
    check(r.returncode == 0, f"enqueue lr=0: {r.returncode} {r.stderr}")
    for arg, want in (("lr=0.3", "from 0 to 0.2 in steps of 0.1"),
                      ("lr=0.15", "is not a multiple of 0.1"),
                      ("qln=-0.5", "is not a value its q_log_normal gives"),
                      ("qn=2", "between the quantiles")):
        args = dict(x.split("=") for x in point)
        args.update([arg.split("=")])
        r = run(["enqueue", "sweep.yaml"] + [f"{k}={v}" for k, v in args.items()], d)
        check(r.returncode == 2 and want in r.stderr, f"{arg}: {r.returncode} {r.stderr.strip()}")


def test_categorical_numbers_round_trip(d):
    """Values of one list that are the same number written otherwise ([1, 1.0], [2.50, 2.5]:
    W&B's int 1 and float 1.0) are distinct categories, and gpbo export then gpbo import keeps
    each as written: import read '1.0' as the first value equal to it as a number, 1, and
    skipped the row as one the study held. A number written otherwise still finds its value
    (enqueue 0.0010 for 0.001)."""
    write(os.path.join(d, "sweep.yaml"), """\
    method: grid
    metric: {name: loss}
    parameters:
      x: {values: [1, 1.0, 2.50, 2.5, 0.001]}
    command: [/bin/echo, "loss=1", "${args}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    rows = trials(d)
    for fmt in ("json", "csv"):
        out = run(["export", "sweep.yaml", "--format", fmt, "-o", "all." + fmt], d)
        check(out.returncode == 0, f"export {fmt}: {out.stderr}")
        r = run(["import", "sweep.yaml", "all." + fmt, "--storage", f"sqlite:///{fmt}.db"], d)
        check(r.returncode == 0 and "added 5 complete" in r.stdout,
              f"import {fmt}: {r.returncode} {r.stdout} {r.stderr}")
        copy = json.loads(run(["export", "sweep.yaml", "--format", "json", "--storage",
                               f"sqlite:///{fmt}.db"], d).stdout or "[]")
        check(sorted(t["params"]["x"] for t in copy) == sorted(t["params"]["x"] for t in rows)
              == ["0.001", "1", "1.0", "2.5", "2.50"], f"{fmt}: {[t['params'] for t in copy]}")
    r = run(["enqueue", "sweep.yaml", "x=0.0010"], d)
    check(r.returncode == 0, f"enqueue 0.0010: {r.returncode} {r.stderr}")


def test_import_own_export(d):
    """A study's export imported into the study itself adds nothing (every row is a trial it
    holds), JSON or CSV, for the values the space transforms too: the normal family's (its
    quantile, written in 10 digits) and a q-distribution's (its draw, written rounded). The old
    import held the trials' exact space values, which no row reads back to, and added each such
    trial again."""
    write(os.path.join(d, "sweep.yaml"), """\
    method: random
    run_cap: 12
    metric: {name: loss}
    parameters:
      n: {distribution: normal, mu: 2.385, sigma: 3.7}
      l: {distribution: q_log_uniform_values, min: 0.01, max: 1, q: 0.1}
      u: {min: 0.0, max: 1.0}
    command: [/bin/echo, "loss=1", "${args}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=120)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr[-300:]}")
    for fmt in ("json", "csv"):
        out = run(["export", "sweep.yaml", "--format", fmt, "-o", "own." + fmt], d)
        check(out.returncode == 0, f"export {fmt}: {out.stderr}")
        r = run(["import", "sweep.yaml", "own." + fmt], d)
        check(r.returncode == 0 and "added 0 complete" in r.stdout and
              "skipped 12 already in the study" in r.stdout,
              f"import {fmt} into its own study: {r.returncode} {r.stdout} {r.stderr}")
    check(len(trials(d)) == 12, f"{len(trials(d))} trials")


def grid_argv(d, vals, placeholders):
    """Runs a grid sweep over a parameter v with the `values:` vals (YAML text), its program
    started with placeholders (the command's items after the program, as YAML text) and
    recording its argv; returns (PyYAML's reading of the values, each trial's argv after the
    program), the grid running the values in order."""
    import yaml
    items = "".join(f"      - {v}\n" for v in vals)
    text = (f"method: grid\nmetric: {{name: loss}}\nparameters:\n  v:\n    values:\n{items}"
            f"command: [\"{PY}\", p.py, {placeholders}]\n")
    with open(os.path.join(d, "sweep.yaml"), "w") as f:
        f.write(text)
    write(os.path.join(d, "p.py"), """\
    import json, sys
    open("seen.jsonl", "a").write(json.dumps(sys.argv[1:]) + "\\n")
    print("loss=1")
    """)
    r = run(["run", "sweep.yaml"], d, timeout=120)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    want = yaml.safe_load(text)["parameters"]["v"]["values"]
    with open(os.path.join(d, "seen.jsonl")) as f:
        got = [json.loads(x) for x in f]
    check(len(got) == len(want), f"{len(got)} trials for {len(want)} values")
    return want, got


def test_args_as_wandb_agent(d):
    """${args}, ${args_no_hyphens} and ${args_no_boolean_flags} write a categorical value as W&B's
    agent does, f"--{name}={value}" of the value PyYAML read: Python's str(), so True and False
    for YAML's booleans (gpbo wrote the text, --v=true, --v=yes), None for null, an integer in
    decimal (0x1F as 31, 017 as 15: PyYAML's octal), a float as repr() writes it (1.50 as 1.5,
    1.0e+15 as 1000000000000000.0); a string as it is. The program records its argv; the
    expected arguments are computed from PyYAML's reading of the same file."""
    vals = ["true", "no", "Off", "~", "null", "0x1F", "017", "1_000", "+5", "-0", "1:30",
            "0b101", "1.50", "1.0e+15", "1.5e+16", "0.0001", "1.0e-5", ".inf", "-.inf", ".nan",
            "1e-3", "abc", "'7'", '"True"', "-2.50"]
    want, got = grid_argv(d, vals, '"${args}", "--", "${args_no_hyphens}", "--", '
                                   '"${args_no_boolean_flags}"')
    for v, w, g in zip(vals, want, got):
        # W&B's agent (wandb_agent.py, _create_sweep_command_args): the f-string of the value
        flag = f"v={w}"
        nobool = (["--v"] if w else []) if isinstance(w, bool) else ["--" + flag]
        check(g == ["--" + flag, "--", flag, "--"] + nobool,
              f"{v}: W&B's agent writes {['--' + flag, flag] + nobool}, gpbo {g}")


def test_placeholder_agrees_with_args(d):
    """One trial's two spellings of a parameter agree: {name} gets the text ${args} writes, W&B's
    agent's str() of the value PyYAML read (0x20 as 32, 1_000 as 1000, 1:30 as 90, yes as True,
    ~ as None, 1.50 as 1.5), a string (quoted, or text YAML reads as no number) exactly as
    written. {name} passed the text as written (0x20, yes) while ${args} passed 32, True. A
    constant (value:) and a range are checked alike; the expectations are PyYAML's reading of the
    same file."""
    import yaml
    vals = ["0x20", "64", "1_000", "1:30", "-0b101", "017", "yes", "Off", "true", "~", "1.50",
            "1.0e+15", ".inf", "adam", "'0x10'", '"2_000"', "'on'", "1e-3", "two words",
            "'2:30'"]
    items = "".join(f"      - {v}\n" for v in vals)
    text = (f"method: grid\nmetric: {{name: loss}}\nparameters:\n  v:\n    values:\n{items}"
            f"  k: {{value: 0x1F}}\n  r: {{distribution: uniform, min: 0.375, max: 0.375}}\n"
            f"command: [\"{PY}\", p.py, \"v={{v}}\", \"<{{k}}>\", \"{{r}}\", \"${{args}}\"]\n")
    with open(os.path.join(d, "sweep.yaml"), "w") as f:
        f.write(text)
    write(os.path.join(d, "p.py"), """\
    import json, sys
    open("seen.jsonl", "a").write(json.dumps(sys.argv[1:]) + "\\n")
    print("loss=1")
    """)
    r = run(["run", "sweep.yaml"], d, timeout=120)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    cfg = yaml.safe_load(text)["parameters"]
    want = cfg["v"]["values"]
    with open(os.path.join(d, "seen.jsonl")) as f:
        got = [json.loads(x) for x in f]
    check(len(got) == len(want), f"{len(got)} trials for {len(want)} values")
    seen_v = set()
    for g in got:
        if len(g) != 6:
            check(False, f"argv {g}")
            continue
        args = dict(a[2:].split("=", 1) for a in g[3:])
        check(g[0] == "v=" + args.get("v", "?"), f"{{v}} {g[0]!r} but ${{args}} --v={args.get('v')}")
        check(g[1] == f"<{args.get('k')}>" == f"<{cfg['k']['value']}>",
              f"{{k}} {g[1]!r}, ${{args}} --k={args.get('k')}, PyYAML {cfg['k']['value']!r}")
        check(g[2] == args.get("r") and float(g[2]) == cfg["r"]["min"],
              f"{{r}} {g[2]!r} but ${{args}} --r={args.get('r')}")
        seen_v.add(g[0][2:])
    check(seen_v == {str(w) for w in want},
          f"{{v}} gave {sorted(seen_v)}, PyYAML's str() {sorted(str(w) for w in want)}")


def test_numbers_as_pyyaml(d):
    """Numbers are read as PyYAML (so W&B) reads them, integer-ness included: bounds written
    0x10, 1_000, +5, 0b110 or 1:30 are integers (an int_uniform, its values JSON integers),
    q: 0x2 a whole q (the q_uniform's values integers), run_cap: 0x4 four trials. They were
    taken from the raw text: 0x10 made a uniform of floats, 1_000 and 1:30 were "not a number",
    0x2 an inexact q. The expectations are PyYAML's reading of the same file."""
    import yaml
    write(os.path.join(d, "p.py"), """\
    import sys
    open("seen.jsonl", "a").write(sys.argv[1] + "\\n")
    print("loss=1")
    """)
    text = f"""\
    method: random
    metric: {{name: loss}}
    run_cap: 0x4
    parameters:
      h: {{min: 0x10, max: 0x13}}
      u: {{min: 1_000, max: 1_003}}
      p: {{min: +5, max: 0b110}}
      s: {{min: 1:30, max: 1:35}}
      q: {{distribution: q_uniform, min: 0, max: 8, q: 0x2}}
    command: ["{PY}", "p.py", "${{args_json}}"]
    """
    write(os.path.join(d, "sweep.yaml"), text)
    r = run(["run", "sweep.yaml"], d, timeout=120)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    if r.returncode != 0:
        return
    cfg = yaml.safe_load(open(os.path.join(d, "sweep.yaml")))
    with open(os.path.join(d, "seen.jsonl")) as f:
        rows = [json.loads(x) for x in f]
    check(len(rows) == cfg["run_cap"], f"{len(rows)} trials for run_cap {cfg['run_cap']}")
    for row in rows:
        for k in "hups":
            lo, hi = cfg["parameters"][k]["min"], cfg["parameters"][k]["max"]
            check(type(lo) is int and type(row[k]) is int and lo <= row[k] <= hi,
                  f"{k}: {row[k]!r} for PyYAML's int_uniform [{lo!r}, {hi!r}]")
        q = cfg["parameters"]["q"]["q"]
        check(type(q) is int and type(row["q"]) is int and row["q"] % q == 0,
              f"q: {row['q']!r} for PyYAML's q {q!r}")


def test_impute(d):
    """W&B's metric impute: worst (its default) is gpbo's failed: worst and is stored so; its
    impute_while_running "false" (its default) is taken; both were refused as unknown keys. A
    study made with impute: worst keeps failed: worst: the same sweep with gpbo: {failed:
    exclude} instead is warned about, with {failed: worst} it is not."""
    base = f"""\
    method: random
    metric: {{name: loss, METRIC}}
    run_cap: 2
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "-c", "print('loss=1')"]
    """
    write(os.path.join(d, "sweep.yaml"),
          base.replace("METRIC", 'impute: worst, impute_while_running: "false"'))
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0 and "warning" not in r.stderr, f"impute: {r.returncode} {r.stderr}")
    for failed, warned in (("worst", False), ("exclude", True)):
        write(os.path.join(d, "sweep.yaml"), base.replace(", METRIC", "") +
              f"gpbo: {{failed: {failed}}}\n")
        r = run(["run", "sweep.yaml"], d, timeout=60)
        said = "failed: exclude (the study's: worst)" in r.stderr
        check(r.returncode == 0 and said == warned,
              f"failed: {failed} on the impute: worst study: {r.returncode} {r.stderr}")


def test_import_past_run_cap(d):
    """gpbo import took a study past its run_cap (it ignored it), and gpbo run then started no
    trial without a word. Now an import that would is refused before adding anything (exit
    status 2, the counts in one line), as gpbo run and gpbo enqueue never go past run_cap; with
    run_cap raised it adds them all. A study an older import took past its cap is named so by
    gpbo run."""
    text = f"""\
    method: random
    metric: {{name: loss}}
    run_cap: CAP
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "-c", "import sys; print('loss=' + sys.argv[1][4:])", "${{args}}"]
    gpbo: {{seed: SEED}}
    """
    write(os.path.join(d, "a.yaml"), text.replace("CAP", "3").replace("SEED", "1"))
    r = run(["run", "a.yaml"], d, timeout=60)
    check(r.returncode == 0, f"run a: {r.returncode} {r.stderr}")
    check(run(["export", "a.yaml", "--format", "csv", "-o", "a.csv"], d).returncode == 0, "export")
    write(os.path.join(d, "b.yaml"), text.replace("CAP", "3").replace("SEED", "2"))
    r = run(["run", "b.yaml", "--trials", "2"], d, timeout=60)
    check(r.returncode == 0 and len(trials(d, "b.yaml")) == 2, f"run b: {r.returncode} {r.stderr}")
    r = run(["import", "b.yaml", "a.csv"], d)
    check(r.returncode == 2 and "past its run_cap of 3" in r.stderr and
          "nothing was added" in r.stderr and len(r.stderr.strip().split("\n")) == 1,
          f"import past run_cap: {r.returncode} {r.stdout} {r.stderr}")
    check(len(trials(d, "b.yaml")) == 2, f"{len(trials(d, 'b.yaml'))} trials after the refusal")
    write(os.path.join(d, "b.yaml"), text.replace("CAP", "5").replace("SEED", "2"))
    r = run(["import", "b.yaml", "a.csv"], d)
    check(r.returncode == 0 and "added 3 complete" in r.stdout, f"import: {r.stdout} {r.stderr}")
    r = run(["run", "b.yaml"], d, timeout=60)
    check(r.returncode == 0 and len(trials(d, "b.yaml")) == 5, f"run b: {r.returncode} {r.stderr}")
    write(os.path.join(d, "b.yaml"), text.replace("CAP", "4").replace("SEED", "2"))
    r = run(["run", "b.yaml"], d, timeout=60)
    check(r.returncode == 0 and "holds 5 trials, past its run_cap of 4" in r.stderr and
          len(trials(d, "b.yaml")) == 5, f"run past run_cap: {r.returncode} {r.stderr}")


def test_big_integers(d):
    """Integers past 2^64 (PyYAML's are exact Python ints) reach ${args_json} and ${args} as the
    double nearest PyYAML's value: a negative hexadecimal one was written "--2417...", no JSON,
    and a binary or octal one past 2^64 was 0."""
    vals = ["-0x1FFFFFFFFFFFFFFFFFFFF", "0b1" + "1" * 70, "0_777777777777777777777777",
            "1_0000000000000000000000", "0x" + "F" * 250]
    want, got = grid_argv(d, vals, '"${args_json}", "${args}"')
    for v, w, (js, arg) in zip(vals, want, got):
        try:
            g = json.loads(js)["v"]
        except ValueError:
            check(False, f"{v}: ${{args_json}} {js!r} is no JSON")
            continue
        a = int(arg.split("=", 1)[1]) if re.fullmatch(r"--v=-?[0-9]+", arg) else None
        for what, x in (("${args_json}", g), ("${args}", a)):
            check(type(x) is int and abs(x - w) <= 1e-15 * abs(w),
                  f"{v}: {what} {x!r} for PyYAML's {w}")


def test_grid_log_endpoints(d):
    """A grid over a log scale starts at min and ends at max exactly, as np.geomspace and
    Optuna's grid do, with every point between inside [min, max]: the program gets them through
    {name} (exp(log(min)) is not min: 1e-5 and 1e300 failed to encode, the run failing at its
    first trial; 1e-300 came out 1.0000000000000237e-300 and DBL_MAX 1.7976931348622732e308)."""
    write(os.path.join(d, "prog.py"), """\
    import sys
    with open("seen.txt", "a") as f:
        f.write(sys.argv[1] + "\\n")
    print("loss=1")
    """)
    cases = [("log_uniform_values", "1e-300", "1e300"),
             ("log_uniform_values", "1e300", "1.7976931348623157e308"),
             ("log_uniform_values", "1e-5", "0.1"),
             ("log_uniform_values", "0.1", "0.7"),
             ("int_log_uniform_values", "1", "1000"),
             ("int_log_uniform_values", "3", "7"),
             ("int_log_uniform_values", "8999999999999900", "9000000000000000")]
    for i, (dist, lo, hi) in enumerate(cases):
        name = f"g{i}.yaml"
        write(os.path.join(d, name), f"""\
        method: grid
        metric: {{name: loss}}
        parameters:
          x: {{distribution: {dist}, min: {lo}, max: {hi}}}
        command: ["{PY}", "prog.py", "{{x}}"]
        gpbo: {{grid_resolution: 5}}
        """)
        if os.path.exists(os.path.join(d, "seen.txt")):
            os.remove(os.path.join(d, "seen.txt"))
        r = run(["run", name], d, timeout=120)
        check(r.returncode == 0, f"{dist} [{lo}, {hi}]: {r.returncode} {r.stderr}")
        if r.returncode != 0:
            continue
        with open(os.path.join(d, "seen.txt")) as f:
            got = [float(line) for line in f.read().split()]
        want_n = min(5, int(float(hi)) - int(float(lo)) + 1) if dist.startswith("int") else 5
        check(len(got) == want_n, f"{dist} [{lo}, {hi}]: {len(got)} points, not {want_n}: {got}")
        check(got[:1] == [float(lo)] and got[-1:] == [float(hi)],
              f"{dist} [{lo}, {hi}]: first and last {got[:1]} {got[-1:]}")
        check(all(float(lo) <= x <= float(hi) for x in got) and got == sorted(got),
              f"{dist} [{lo}, {hi}]: points outside the range or out of order: {got}")


def test_grid_log_decimals(d):
    """A grid over a log scale gives the decimals a user writes where its points are decimals but
    for rounding: 1e-5..0.1 in 5 points hands the program 1e-05, 0.0001, 0.001, 0.01, 0.1 and
    stores those (gpbo export), 1..1000 in 4 points 1, 10, 100, 1000. Before, the first were
    stored as 9.999999999999991e-05, 0.0010000000000000002 and 0.010000000000000004 (the program
    got the decimals of the command's own formatting), and 1..1000 handed the program and stored
    9.999999999999998 and 99.99999999999996."""
    write(os.path.join(d, "prog.py"), """\
    import sys
    with open("seen.txt", "a") as f:
        f.write(sys.argv[1] + "\\n")
    print("loss=1")
    """)
    for lo, hi, n, want in (("1e-5", "0.1", 5, ["1e-05", "0.0001", "0.001", "0.01", "0.1"]),
                            ("1", "1000", 4, ["1", "10", "100", "1000"])):
        name = f"dec{n}.yaml"
        write(os.path.join(d, name), f"""\
        method: grid
        metric: {{name: loss}}
        parameters:
          x: {{distribution: log_uniform_values, min: {lo}, max: {hi}}}
        command: ["{PY}", "prog.py", "{{x}}"]
        gpbo: {{grid_resolution: {n}}}
        """)
        if os.path.exists(os.path.join(d, "seen.txt")):
            os.remove(os.path.join(d, "seen.txt"))
        r = run(["run", name], d, timeout=120)
        check(r.returncode == 0, f"[{lo}, {hi}]: {r.returncode} {r.stderr}")
        with open(os.path.join(d, "seen.txt")) as f:
            got = f.read().split()
        check(got == want,
              f"[{lo}, {hi}] in {n}: the program got {got}, not {want}")
        e = run(["export", name, "--format", "json"], d)
        stored = sorted(t["params"]["x"] for t in json.loads(e.stdout)) if e.returncode == 0 else []
        check(stored == [float(x) for x in want], f"[{lo}, {hi}] in {n}: stored {stored}")


def main():
    tests = [test_types, test_types_match_pyyaml, test_file_removed, test_inactive_left_out, test_no_boolean_flags,
             test_target_stops,
             test_target_lets_running_finish, test_distributions_sample_wandb,
             test_distributions_every_strategy, test_distributions_refused,
             test_rounded_round_trip, test_categorical_numbers_round_trip,
             test_import_own_export, test_args_as_wandb_agent, test_placeholder_agrees_with_args,
             test_numbers_as_pyyaml,
             test_impute, test_import_past_run_cap, test_big_integers, test_grid_log_endpoints,
             test_grid_log_decimals]
    return run_tests(tests, prefix="gpbo-wandb-", only=sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
