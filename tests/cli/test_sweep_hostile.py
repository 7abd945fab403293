#!/usr/bin/env python3
"""Hostile sweep files: none may crash gpbo, hang it or be silently misread.

Every file in tests/cli/hostile/ (hand-made ones, and fuzz-*: inputs on which libFuzzer caught
the old loader leaking) must make `gpbo run` exit with status 2 and one line of stderr naming
file:line:column, within a time bound; a hand-made file's first line, `# expect: TEXT`, holds the text the message must contain.
The files too big to keep (size, nesting, aliases, lists of 100,000 values) are made here and
must be refused in a few seconds. Values at the stated limits must still load and reach the
program verbatim (cli/sweep.h states the limits).

Usage: test_sweep_hostile.py PATH/TO/gpbo PATH/TO/tests/cli/hostile
"""
import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, check, run_tests  # noqa: E402

HOSTILE = os.path.abspath(sys.argv[2])
# The bounds are on CPU time (gpbo and what it starts), so that a loaded machine does not fail
# them; a sanitized build is given four times as long. Wall time is bounded only against hangs.
SLOW = 4.0 if "libasan" in subprocess.run(["ldd", GPBO], capture_output=True, text=True).stdout \
    else 1.0
FAST = 5.0 * SLOW  # the bound for the size and depth files, each refused before parsing it all


def cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(args, cwd, timeout=120, env=None):
    """Runs gpbo; returns the result and the CPU seconds it (and its children) took."""
    t0 = cpu()
    r = subprocess.run([GPBO] + args, cwd=cwd, capture_output=True, text=True,
                       errors="replace", timeout=timeout, env=env)
    return r, cpu() - t0


def refused(d, name, want=None, bound=10.0 * SLOW, where=True):
    """gpbo run NAME in d: exit status 2, one line naming NAME (and line:column), want in it,
    within bound CPU seconds."""
    try:
        r, secs = run(["run", name], d)
    except subprocess.TimeoutExpired:
        check(False, f"{name}: still running after 120 s")
        return
    lines = r.stderr.rstrip("\n").split("\n")
    msg = lines[0]
    check(r.returncode == 2, f"{name}: exit status {r.returncode} ({r.stderr.strip()[:300]!r})")
    check(len(lines) == 1, f"{name}: {len(lines)} lines of stderr: {r.stderr[:300]!r}")
    pat = re.escape("gpbo: " + name) + (r":\d+:\d+: " if where else ": ")
    check(re.match(pat, msg) is not None, f"{name}: message does not name file:line:col: {msg!r}")
    check("(null)" not in msg, f"{name}: '(null)' in {msg!r}")
    if want is not None:
        check(want in msg, f"{name}: message {msg!r} lacks {want!r}")
    check(secs < bound, f"{name}: took {secs:.1f} s of CPU (bound {bound} s)")
    if bound == FAST:
        print(f"  {name}: refused in {secs:.2f} s of CPU")
    return secs


def test_hostile_files(d):
    # a copy: a file that wrongly loads would run trials and write a study beside it
    work = os.path.join(d, "hostile")
    shutil.copytree(HOSTILE, work)
    names = sorted(n for n in os.listdir(work) if n.endswith(".yaml"))
    check(len(names) >= 50, f"only {len(names)} hostile files")
    for n in names:
        with open(os.path.join(work, n), "rb") as f:
            first = f.readline().decode("utf-8", "replace")
        want = first[len("# expect: "):].rstrip("\n") if first.startswith("# expect: ") else None
        refused(work, n, want)
    # no study was created by any of them
    left = [n for n in os.listdir(work) if n.endswith(".db") or n.endswith(".runs")]
    check(left == [], f"hostile files created studies: {left}")


def test_files_and_paths(d):
    os.mkdir(os.path.join(d, "dir.yaml"))
    refused(d, "dir.yaml", "is a directory, not a sweep file", where=False)
    r, _ = run(["run", "missing.yaml"], d)
    check(r.returncode == 2 and "missing.yaml: cannot open" in r.stderr, f"missing: {r.stderr}")
    # opens, then fails to read (EIO)
    refused(d, "/proc/self/mem", "cannot read", where=False)
    # no name: the file name is the study name, and one of 210 bytes would name too long a file
    body = HEAD + "parameters:\n  x: {values: [a]}\n"
    long = "n" * 210 + ".yaml"
    big(d, long, body)
    refused(d, long, "the file name makes no study name; give the sweep a name")
    # a PATH entry holding the program without its x bit, as execvp would meet it
    os.mkdir(os.path.join(d, "bin"))
    big(d, os.path.join("bin", "tool"), "#!/bin/sh\necho loss=1\n")
    big(d, "path.yaml", HEAD.replace("/bin/sh, -c, 'echo loss=1'", "tool") +
        "parameters:\n  x: {values: [a]}\n")
    env = dict(os.environ, PATH="bin:/usr/bin:/bin")  # relative: from the sweep file's folder
    r, _ = run(["run", "path.yaml"], d, env=env)
    check(r.returncode == 2 and "path.yaml:3:11: command 'tool' is not executable (./bin/tool)"
          in r.stderr, f"PATH entry: {r.returncode} {r.stderr.strip()!r}")
    os.chmod(os.path.join(d, "bin", "tool"), 0o755)
    r, _ = run(["run", "path.yaml"], d, env=env)
    check(r.returncode == 0, f"found on a relative PATH entry: {r.returncode} {r.stderr.strip()!r}")


HEAD = "metric: {name: loss, goal: minimize}\nrun_cap: 3\ncommand: [/bin/sh, -c, 'echo loss=1']\n"


def big(d, name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


def test_size_and_depth(d):
    n = 100_000
    big(d, "cat100k.yaml", HEAD + "parameters:\n  x:\n    values: [" +
        ",".join("v%d" % i for i in range(n)) + "]\n")
    refused(d, "cat100k.yaml", "has 100000 values; at most 10000 are allowed", FAST)
    # the duplicate check at the limit: 10,000 values, the repeat last, found in n log n
    big(d, "cat10k-dup.yaml", HEAD + "parameters:\n  x:\n    values: [" +
        ",".join("v%d" % i for i in range(9_999)) + ",v17]\n")
    refused(d, "cat10k-dup.yaml", "'v17' is listed twice in the values of 'x'", FAST)
    big(d, "list1.5M.yaml", HEAD + "parameters:\n  x:\n    values: [" +
        ",".join("1" for _ in range(1_500_000)) + "]\n")
    refused(d, "list1.5M.yaml", "goes on past 1048576 bytes (1 MiB)", FAST)
    big(d, "deep-seq.yaml", HEAD + "parameters:\n  x: {values: " + "[" * n + "]" * n + "}\n")
    refused(d, "deep-seq.yaml", "nested more than 32 levels deep", FAST)
    big(d, "deep-map.yaml", HEAD + "parameters:\n  x: " + "{a: " * n + "1" + "}" * n + "\n")
    refused(d, "deep-map.yaml", "nested more than 32 levels deep", FAST)
    big(d, "deep-unclosed.yaml", HEAD + "parameters: " + "[" * n + "\n")
    refused(d, "deep-unclosed.yaml", "nested more than 32 levels deep", FAST)
    big(d, "deep-block.yaml", HEAD + "parameters:\n" +
        "".join("  " * (i + 1) + "k%d:\n" % i for i in range(40)) + "  " * 41 + "v: 1\n")
    refused(d, "deep-block.yaml", "nested more than 32 levels deep", FAST)
    # aliases: one 100 kB anchor repeated 100 times would copy 10 MB
    big(d, "alias-bomb.yaml", "description: &a " + "x" * 100_000 + "\n" + HEAD.replace(
        "command: [/bin/sh, -c, 'echo loss=1']\n", "") + "parameters:\n  x: {values: [a]}\n" +
        "command: [" + ", ".join(["*a"] * 100) + "]\n")
    refused(d, "alias-bomb.yaml", "the sweep expands to more than 8388608 bytes", FAST)
    big(d, "params1001.yaml", HEAD + "parameters:\n" +
        "".join("  p%d: {value: 1}\n" % i for i in range(1001)))
    refused(d, "params1001.yaml", "1001 parameters; at most 1000 are allowed", FAST)
    big(d, "params-dup.yaml", HEAD + "parameters:\n" +
        "".join("  p%d: {value: 1}\n" % i for i in range(999)) + "  p5: {value: 2}\n")
    refused(d, "params-dup.yaml", "key 'p5' appears twice in parameters (lines 10 and 1004)", FAST)
    # 60,000 keys in one mapping (as many as 1 MiB holds), each looked up once
    big(d, "keys60k.yaml", HEAD + "parameters:\n  x: {value: 1}\ntrainer:\n" +
        "".join("  k%d: 1\n" % i for i in range(60_000)))
    refused(d, "keys60k.yaml", "unknown key 'k0' in the trainer section", FAST)
    # a 128 kB argument of '{': the placeholder scan is linear, and the last one is undefined
    big(d, "braces.yaml", "metric: {name: loss, goal: minimize}\nrun_cap: 3\n"
        "parameters:\n  x: {value: 1}\ncommand: [/bin/sh, '" + "{" * 130_000 + "{nope}']\n")
    refused(d, "braces.yaml", "'{nope}' in the command names no parameter", FAST)
    # merge keys: one 2000-key mapping merged into 600 others would make 1.2 million keys
    big(d, "merge-bomb.yaml", HEAD + "trainer: &m {" + ", ".join("k%d: 1" % i for i in range(2000))
        + "}\nparameters:\n" + "".join("  p%d: {<<: *m}\n" % i for i in range(600)))
    refused(d, "merge-bomb.yaml", "merge keys ('<<') make more than 1048576 keys", FAST)
    big(d, "arg-too-long.yaml", "metric: {name: loss, goal: minimize}\nrun_cap: 3\n"
        "parameters:\n  x: {value: 1}\ncommand: [/bin/sh, '" + "a" * 131_072 + "']\n")
    refused(d, "arg-too-long.yaml", "an argument is 131072 bytes long; at most 131071", FAST)


def trial_values(d, name):
    con = sqlite3.connect(os.path.join(d, name + ".db"))
    rows = con.execute("SELECT state, value, reason FROM trials ORDER BY id").fetchall()
    con.close()
    return rows


def test_limits_accepted(d):
    # what the limits allow still runs: a subnormal bound, a 255-byte value (its length comes
    # back as the metric), 10,000 values, 1024 jobs, integer bounds at 9e15, the command found
    # on PATH; each value reaches the program verbatim
    v255 = "v" * 255
    big(d, "ok.yaml", "name: ok\nmethod: random\nmetric: {name: loss, goal: minimize}\n"
        "run_cap: 2\nparameters:\n"
        "  tiny: {min: 1e-320, max: 2e-320}\n"
        "  long: {values: [" + v255 + "]}\n"
        "  many: {values: [" + ",".join("c%d" % i for i in range(10_000)) + "]}\n"
        "  big: {min: -9000000000000000, max: 9000000000000000}\n"
        "command: [sh, -c, 'echo \"loss=${#1}\"; echo \"tiny=$2\" >&2', sh, '{long}', '{tiny}']\n"
        "gpbo: {jobs: 1024}\n")
    r, secs = run(["run", "ok.yaml"], d)
    check(r.returncode == 0, f"limits: exit status {r.returncode}: {r.stderr.strip()[:400]}")
    check(secs < 30 * SLOW, f"limits: a 10,000-value sweep took {secs:.1f} s of CPU")
    print(f"  ok.yaml (at the limits, 2 trials): {secs:.2f} s of CPU")
    rows = trial_values(d, "ok")
    check(len(rows) == 2 and all(s == 1 and v == 255.0 for s, v, _ in rows),
          f"limits: each trial saw the 255-byte value: {rows}")
    err = open(os.path.join(d, "ok.runs", "trial-000000", "stderr")).read().strip()
    check(err.startswith("tiny=") and 0 < float(err[5:]) < 3e-320, f"subnormal value: {err!r}")
    # the duplicate key that used to be last-wins: the run is refused, not run with 4 trials
    big(d, "dup.yaml", "metric: {name: loss, goal: minimize}\nrun_cap: 3\nrun_cap: 4\n"
        "parameters:\n  x: {values: [a]}\ncommand: [sh, -c, 'echo loss=1']\n")
    refused(d, "dup.yaml", "key 'run_cap' appears twice in the sweep (lines 2 and 3)")
    check(not os.path.exists(os.path.join(d, "dup.db")), "the duplicate-key sweep ran nothing")


def test_merge_keys(d):
    """YAML's merge key, which PyYAML (and so W&B) reads, was refused as an unknown key ("'<<'
    ... did you mean 'q'?"). Now `<<: *a` and `<<: [*a, *b]` give a mapping the keys it does
    not set itself (of a list, the first one's), as PyYAML does; the parameters keep their
    order."""
    big(d, "merge.yaml", "name: merge\nmethod: random\nmetric: &goal {name: loss}\n"
        "run_cap: 8\nparameters:\n"
        "  x: &unit {min: 0.0, max: 1.0}\n"
        "  y: {<<: *unit, max: 0.001}\n"
        "  z:\n    <<: [{min: 5.0, max: 6.0}, *unit]\n    distribution: uniform\n"
        "  n: {<<: *unit, min: 10, max: 12, distribution: int_uniform}\n"
        "command: [sh, -c, 'echo loss=1 \"$@\" >&2; echo loss=1', sh, '${args}']\n")
    r, _ = run(["run", "merge.yaml"], d)
    check(r.returncode == 0, f"merge keys: exit status {r.returncode}: {r.stderr.strip()[:400]}")
    r, _ = run(["export", "merge.yaml", "--format", "json"], d)
    rows = json.loads(r.stdout) if r.returncode == 0 else []
    check(len(rows) == 8, f"merge keys: {len(rows)} trials")
    for t in rows:
        p = t["params"]
        check(list(p) == ["x", "y", "z", "n"], f"merge keys: parameters {list(p)}")
        check(0 <= p["x"] <= 1 and 0 <= p["y"] <= 0.001 and 5 <= p["z"] <= 6
              and p["n"] in (10, 11, 12), f"merge keys: the merged ranges: {p}")
    # a chain of 400 merges, each of the one before
    big(d, "chain.yaml", HEAD + "parameters:\n  p0: &m0 {min: 0.0, max: 1.0}\n" +
        "".join("  p%d: &m%d {<<: *m%d}\n" % (i, i, i - 1) for i in range(1, 400)))
    r, _ = run(["run", "chain.yaml", "--trials", "1"], d)
    check(r.returncode == 0 and "p399=" in r.stdout, f"a chain of merges: {r.returncode} "
          f"{r.stderr.strip()[:300]} {r.stdout[-300:]!r}")


def main():
    tests = [test_hostile_files, test_files_and_paths, test_size_and_depth, test_limits_accepted,
             test_merge_keys]
    return run_tests(tests, prefix="gpbo-hostile-")


if __name__ == "__main__":
    sys.exit(main())
