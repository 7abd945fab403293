#!/usr/bin/python3
"""End-to-end tests of defects found by auditing the command as a demanding user would use it:
options written --flag=VALUE, output that cannot be written (a full disk), and the others named
in each test's docstring. Each test failed on the command before its fix.

Usage: test_cliaudit.py PATH/TO/gpbo [TEST ...]
"""
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, quad_sweep, run, run_tests, write  # noqa: E402

# the quadratic of quad_sweep's x and y, from --x=... --y=...
OBJ = """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    print(f"loss={(float(a['x']) - 1) ** 2 + (float(a['y']) + 2) ** 2}")
    """


def quad(d, run_cap=3):
    """A finished random study of run_cap trials in d (sweep.yaml, quad.db)."""
    write(os.path.join(d, "obj.py"), OBJ)
    quad_sweep(d, method="random", run_cap=run_cap)
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0, f"the study runs: {r.returncode} {r.stderr}")


def test_option_equals(d):
    """--flag=VALUE, the form getopt_long and argparse (Optuna's CLI) take, was refused as an
    unknown option ("unknown option '--storage=quad.db' (did you mean '--storage'?)"), by every
    command but train."""
    quad(d)
    for args in (["best", "--storage=quad.db"], ["best", "sweep.yaml", "--study=quad"],
                 ["trials", "--storage=sqlite:///quad.db"],
                 ["export", "sweep.yaml", "--format=json"], ["studies", "--storage=quad.db"]):
        r = run(args, d)
        check(r.returncode == 0 and r.stderr == "" and r.stdout != "",
              f"{args}: {r.returncode} {r.stderr!r}")
    r = run(["export", "sweep.yaml", "--format=json", "-o", "t.json"], d)
    check(r.returncode == 0 and open(os.path.join(d, "t.json")).read().startswith("["),
          f"export --format=json: {r.returncode} {r.stderr!r}")
    r = run(["run", "sweep.yaml", "--trials=5", "--jobs=2", "--seed=0"], d)
    check(r.returncode == 0 and "[5/5]" in r.stdout, f"run --trials=5: {r.returncode} {r.stderr}")
    r = run(["enqueue", "sweep.yaml", "--storage=quad.db", "x=1", "y=-2"], d)
    check(r.returncode == 1 and "run_cap" in r.stderr, f"enqueue --storage=: {r.stderr!r}")
    # refused as before, now naming the flag: a switch given a value, an unknown flag, a bad value
    for args, want in ((["export", "sweep.yaml", "--steps=1"], "--steps takes no value"),
                       (["best", "sweep.yaml", "--bogus=1"], "unknown option '--bogus'"),
                       (["run", "sweep.yaml", "--jobs=0"], "--jobs must be"),
                       (["run", "sweep.yaml", "--trial=3"], "did you mean '--trials'")):
        r = run(args, d)
        check(r.returncode == 2 and want in r.stderr and r.stderr.count("\n") == 1,
              f"{args}: {r.returncode} {r.stderr!r}")


def test_write_error(d):
    """A full disk: gpbo export -o FILE, and any command whose standard output is a file on
    it, wrote a truncated file and exited 0 with nothing said; now exit status 1 and a line on
    stderr."""
    if not os.path.exists("/dev/full"):
        print("no /dev/full: skipped")
        return
    quad(d)
    r = run(["export", "sweep.yaml", "-o", "/dev/full"], d)
    check(r.returncode == 1 and "/dev/full: cannot write" in r.stderr,
          f"export -o /dev/full: {r.returncode} {r.stderr!r}")
    for args in (["export", "sweep.yaml"], ["export", "sweep.yaml", "--format", "json"],
                 ["trials", "sweep.yaml"], ["best", "sweep.yaml"],
                 ["studies", "--storage", "quad.db"], ["--help"], ["export", "--help"]):
        with open("/dev/full", "w") as full:
            r = subprocess.run([GPBO] + args, cwd=d, stdout=full, stderr=subprocess.PIPE,
                               text=True, timeout=60)
        check(r.returncode == 1 and "cannot write to standard output" in r.stderr,
              f"{args} > /dev/full: {r.returncode} {r.stderr!r}")
    # written where there is room, it says nothing and exits 0 as before
    r = run(["export", "sweep.yaml", "-o", "t.csv"], d)
    check(r.returncode == 0 and r.stderr == "", f"export -o t.csv: {r.returncode} {r.stderr!r}")


def test_report_through_symlink(d):
    """gpbo report -o LINK, LINK a symbolic link to the page a web server serves: the page was
    written beside it and renamed over the link, so the link became a plain file and the page
    it pointed to stayed stale (as root, -o /dev/stdout replaced /dev/stdout so). Now a path
    that exists and is no regular file is written in place."""
    quad(d)
    os.mkdir(os.path.join(d, "www"))
    os.symlink("www/page.html", os.path.join(d, "link.html"))
    r = run(["report", "sweep.yaml", "-o", "link.html"], d)
    link = os.path.join(d, "link.html")
    page = os.path.join(d, "www", "page.html")
    check(r.returncode == 0 and os.path.islink(link) and os.path.exists(page) and
          open(page).read().startswith("<!DOCTYPE html>"),
          f"report -o link.html: {r.returncode} {r.stderr!r} link {os.path.islink(link)} "
          f"page {os.path.exists(page)}")
    check(sorted(os.listdir(os.path.join(d, "www"))) == ["page.html"],
          f"nothing left beside the page: {os.listdir(os.path.join(d, 'www'))}")
    # a regular file is still replaced whole, with no temporary file left
    r = run(["report", "sweep.yaml", "-o", "r.html"], d)
    check(r.returncode == 0 and not [f for f in os.listdir(d) if ".tmp" in f],
          f"report -o r.html: {r.returncode} {r.stderr!r} {os.listdir(d)}")


HANG = """\
    import os, subprocess, sys, time
    # a grandchild, as a wrapper script's python or torchrun's workers are
    g = subprocess.Popen(["sleep", "60"])
    with open(os.environ["GPBO_TRIAL_ID"] + ".pid", "w") as f:
        f.write(str(g.pid))
    time.sleep(60)
    print("loss=1")
    """


def alive(pid):
    """Whether process pid runs (a zombie, waiting for a reaper, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sighup_stops_run(d):
    """A closed terminal or ssh session (SIGHUP to the run's process group) killed gpbo run at
    once, without ending its trials: what each had started ran on for as long as it liked,
    recorded by no one (the trials only ran again on the next run). Now SIGHUP stops the run as
    Ctrl-C does: every trial's processes killed, exit status 129 (128 + SIGHUP, as a shell
    reports it; it was 130 whatever the signal)."""
    write(os.path.join(d, "hang.py"), HANG)
    quad_sweep(d, method="bayes", run_cap=2, command=f'["{PY}", "hang.py"]')
    p = subprocess.Popen([GPBO, "run", "sweep.yaml", "--jobs", "2"], cwd=d,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    pids = []
    try:
        for _ in range(200):
            if all(os.path.exists(os.path.join(d, f"{i}.pid")) for i in (0, 1)):
                break
            time.sleep(0.1)
        time.sleep(0.2)
        for i in (0, 1):
            with open(os.path.join(d, f"{i}.pid")) as f:
                pids.append(int(f.read()))
        os.killpg(p.pid, signal.SIGHUP)
        out, err = p.communicate(timeout=30)
        check(p.returncode == 128 + signal.SIGHUP, f"SIGHUP: exit status {p.returncode} {err!r}")
        t0 = time.time()
        while any(alive(g) for g in pids) and time.time() - t0 < 10:
            time.sleep(0.1)
        check(not any(alive(g) for g in pids),
              f"the trials' processes end with the run: {[g for g in pids if alive(g)]}")
        r = run(["trials", "sweep.yaml"], d)
        check(r.stdout.count("interrupted") == 2, f"both trials interrupted: {r.stdout}")
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        for g in pids:
            if alive(g):
                os.kill(g, signal.SIGKILL)


def test_csv_carriage_return(d):
    """A category holding a carriage return ("a\\rb" in the sweep file) went into the CSV
    unquoted: RFC 4180 quotes CR as it quotes LF, and a CSV reader (Python's csv, pandas) ended
    the row there, so every such trial read back as two broken rows."""
    write(os.path.join(d, "obj.py"), OBJ)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: quad
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 3
    parameters:
      x: {{min: -4.0, max: 4.0}}
      y: {{min: -4.0, max: 4.0}}
      c: {{values: ["a\\rb", "a\\r\\nb"]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    # bytes as written: text mode would turn every CR into LF before the reader sees it
    r = subprocess.run([GPBO, "export", "sweep.yaml"], cwd=d, capture_output=True, timeout=60)
    rows = list(csv.reader(io.StringIO(r.stdout.decode(), newline="")))
    check(r.returncode == 0 and len(rows) == 4 and all(len(x) == len(rows[0]) for x in rows),
          f"4 rows of {len(rows[0])} fields: {rows}")
    c = rows[0].index("c")
    check(all(x[c] in ("a\rb", "a\r\nb") for x in rows[1:]), f"the categories: {rows}")


def test_trials_zero(d):
    """gpbo run --trials 0 ("stop once the study holds N trials") ran without end on a random
    or Bayesian sweep: 0 was taken for a grid's "until exhausted". Now it starts no trial (a
    sweep's run_cap, which must be at least 1 but for a grid, keeps its meaning)."""
    write(os.path.join(d, "obj.py"), OBJ)
    quad_sweep(d, method="random", run_cap=3)
    try:
        r = run(["run", "sweep.yaml", "--trials", "0"], d, timeout=20)
    except subprocess.TimeoutExpired:
        check(False, "--trials 0: still running after 20 s")
        return
    check(r.returncode == 1 and "no trial completed (0 trials" in r.stderr,
          f"--trials 0: {r.returncode} {r.stderr!r}")
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0 and "[3/3]" in r.stdout, f"then the run_cap: {r.stdout}")
    r = run(["run", "sweep.yaml", "--trials=0"], d, timeout=20)
    check(r.returncode == 0 and "trial 3" not in r.stdout and "best trial" in r.stdout,
          f"--trials 0 on a finished study: {r.returncode} {r.stdout} {r.stderr!r}")


def test_goal_changed(d):
    """A sweep edited from goal: minimize to maximize and run again resumed its study, which
    went on minimizing: the run printed the smallest loss as the best, exit status 0, nothing
    said (a changed search space was refused; the goal was not looked at). Now a goal, an
    objective's name or the number of objectives that differ from the stored study's is exit
    status 2 with one line naming both; another --study starts afresh."""
    quad(d)
    text = open(os.path.join(d, "sweep.yaml")).read()
    write(os.path.join(d, "sweep.yaml"), text.replace("goal: minimize", "goal: maximize"))
    r = run(["run", "sweep.yaml", "--trials", "4"], d)
    lines = r.stderr.strip().split("\n")
    check(r.returncode == 2 and len(lines) == 1 and "maximize" in lines[0] and
          "minimize" in lines[0] and "quad" in lines[0], f"goal flipped: {r.returncode} {lines}")
    r = run(["trials", "sweep.yaml"], d)
    check(len(r.stdout.strip().split("\n")) == 4, f"the study unchanged: {r.stdout}")
    r = run(["run", "sweep.yaml", "--study", "quad-max"], d)
    check(r.returncode == 0, f"a new study for the new goal: {r.returncode} {r.stderr}")
    # several objectives: one goal flipped, one renamed, one objective dropped
    write(os.path.join(d, "mo.py"), """\
        print("a=1 b=2")
        """)
    mo = f"""\
        name: mo
        method: random
        metrics: [{{name: a, goal: minimize}}, {{name: b, goal: minimize}}]
        run_cap: 2
        parameters:
          x: {{min: -4.0, max: 4.0}}
        command: ["{PY}", "mo.py"]
        """
    write(os.path.join(d, "mo.yaml"), mo)
    r = run(["run", "mo.yaml"], d)
    check(r.returncode == 0, f"mo: {r.returncode} {r.stderr}")
    for old, new, want in (("{name: b, goal: minimize}", "{name: b, goal: maximize}", "maximize"),
                           ("{name: b, goal: minimize}", "{name: c, goal: minimize}", "c"),
                           (", {name: b, goal: minimize}", "", "1 objective")):
        write(os.path.join(d, "mo.yaml"), mo.replace(old, new))
        r = run(["run", "mo.yaml", "--trials", "3"], d)
        check(r.returncode == 2 and r.stderr.count("\n") == 1 and want in r.stderr,
              f"mo {new!r}: {r.returncode} {r.stderr!r}")
    write(os.path.join(d, "mo.yaml"), mo)
    r = run(["run", "mo.yaml", "--trials", "3"], d)
    check(r.returncode == 0, f"mo as made: {r.returncode} {r.stderr}")


def test_export_queued(d):
    """A trial put in by gpbo enqueue and not yet taken by a worker: gpbo trials said "queued",
    gpbo export said "running" (CSV and JSON), as if a program ran it, and so did the report's
    table. Now export and the report say queued too, until a run takes it."""
    write(os.path.join(d, "obj.py"), OBJ)
    quad_sweep(d, method="random", run_cap=2)
    r = run(["enqueue", "sweep.yaml", "x=1", "y=-2"], d)
    check(r.returncode == 0, f"enqueue: {r.returncode} {r.stderr}")
    r = run(["export", "sweep.yaml"], d)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    check(len(rows) == 1 and rows[0]["state"] == "queued", f"CSV: {rows}")
    r = run(["export", "sweep.yaml", "--format", "json"], d)
    rows = json.loads(r.stdout)
    check(len(rows) == 1 and rows[0]["state"] == "queued", f"JSON: {rows}")
    r = run(["report", "sweep.yaml", "-o", "r.html"], d)
    page = open(os.path.join(d, "r.html")).read() if r.returncode == 0 else ""
    check("<td>queued</td>" in page and "<td>running</td>" not in page,
          f"the report's table: {r.returncode} {r.stderr}")
    r = run(["run", "sweep.yaml"], d)
    rows = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    check(r.returncode == 0 and [x["state"] for x in rows] == ["complete"] * 2 and
          rows[0]["params"] == {"x": 1, "y": -2}, f"after the run: {rows}")


def test_compare_unwritten_csv(d):
    """gpbo compare whose CSV cannot be written (a folder in its place, a full disk): it printed
    "wrote ./c.csv and ./c.html" and exited 0. Now it says why on stderr, names only what it
    wrote, and exits 1; the same for the report."""
    write(os.path.join(d, "c.yaml"), """\
        name: c
        strategies: [random, sobol]
        problems: [branin]
        seeds: 2
        budget: 4
        """)
    os.mkdir(os.path.join(d, "c.csv"))
    r = run(["compare", "c.yaml"], d)
    check(r.returncode == 1 and "c.csv: cannot write" in r.stderr and
          "wrote ./c.html\n" in r.stdout and "c.csv" not in r.stdout,
          f"no CSV: {r.returncode} {r.stdout!r} {r.stderr!r}")
    os.rmdir(os.path.join(d, "c.csv"))
    os.remove(os.path.join(d, "c.html"))
    os.mkdir(os.path.join(d, "c.html"))
    r = run(["compare", "c.yaml"], d)
    check(r.returncode == 1 and "cannot write ./c.html" in r.stderr and
          "wrote ./c.csv\n" in r.stdout, f"no report: {r.returncode} {r.stdout!r} {r.stderr!r}")
    os.rmdir(os.path.join(d, "c.html"))
    r = run(["compare", "c.yaml"], d)
    check(r.returncode == 0 and "wrote ./c.csv and ./c.html" in r.stdout,
          f"both: {r.returncode} {r.stdout!r}")


def test_reader_gone_stops_run(d):
    """gpbo run ... | head -1: once the reader had gone, the next progress line killed gpbo
    (SIGPIPE, exit status 141), and what its running trials had started ran on with no one to
    record it. Now that stops the run as Ctrl-C does: the trials' processes killed, exit
    status 141 (128 + SIGPIPE, what a shell reports; Python sees a death by the signal itself as
    -13), nothing more said."""
    # trial 1 hangs (with a grandchild); trial 0 ends at once, the others after a second (by
    # then trial 1 has started its grandchild)
    write(os.path.join(d, "obj.py"), """\
        import os, runpy, time
        i = int(os.environ["GPBO_TRIAL_ID"])
        if i == 1:
            runpy.run_path("hang.py")
        time.sleep(1 if i > 1 else 0)
        print("loss=1")
        """)
    write(os.path.join(d, "hang.py"), HANG)
    quad_sweep(d, method="random", run_cap=6, command=f'["{PY}", "obj.py"]')
    p = subprocess.Popen([GPBO, "run", "sweep.yaml", "--jobs", "2"], cwd=d,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids = []
    try:
        first = p.stdout.readline()
        p.stdout.close()  # the reader goes, as head does
        for _ in range(200):
            if os.path.exists(os.path.join(d, "1.pid")):
                break
            time.sleep(0.1)
        with open(os.path.join(d, "1.pid")) as f:
            pids.append(int(f.read()))
        err = p.stderr.read()
        p.wait(timeout=30)
        check(first.startswith("[1/6]") and p.returncode == 128 + signal.SIGPIPE and err == "",
              f"reader gone: exit status {p.returncode} {first!r} {err!r}")
        t0 = time.time()
        while any(alive(g) for g in pids) and time.time() - t0 < 10:
            time.sleep(0.1)
        check(not any(alive(g) for g in pids), "the hanging trial's processes end with the run")
        r = run(["trials", "sweep.yaml"], d)
        check("interrupted" in r.stdout and "complete" in r.stdout, f"the study: {r.stdout}")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for g in pids:
            if alive(g):
                os.kill(g, signal.SIGKILL)


def test_finished_before_stop_kept(d):
    """A trial whose program had ended, with its result printed, when Ctrl-C came (before gpbo
    had noticed the exit) was killed as an interrupted trial: its result was thrown away and it
    ran again on resume (hours, for a training). Now an exit already there is taken first and
    the trial is told complete. Made deterministic by holding gpbo with SIGSTOP while the trial
    ends and the SIGINT arrives."""
    write(os.path.join(d, "obj.py"), """\
        import os, time
        i = os.environ["GPBO_TRIAL_ID"]
        open(f"started{i}", "w").close()
        time.sleep(0.5)
        print("loss=1.25", flush=True)
        open(f"done{i}", "w").close()
        """)
    quad_sweep(d, method="random", run_cap=3, command=f'["{PY}", "obj.py"]')
    p = subprocess.Popen([GPBO, "run", "sweep.yaml"], cwd=d, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            if os.path.exists(os.path.join(d, "started0")):
                break
            time.sleep(0.05)
        p.send_signal(signal.SIGSTOP)
        for _ in range(200):
            if os.path.exists(os.path.join(d, "done0")):
                break
            time.sleep(0.05)
        time.sleep(0.5)  # the program has exited; gpbo, stopped, has not seen it
        p.send_signal(signal.SIGINT)
        p.send_signal(signal.SIGCONT)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    check(p.returncode == 130, f"exit status {p.returncode} {err!r}")
    rows = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    check(rows and rows[0]["state"] == "complete" and rows[0]["value"] == 1.25,
          f"trial 0 finished before the stop is kept: {rows[:1]}")


def test_trainer_metric(d):
    """A sweep of the built-in trainer whose metric the trainer does not print ran all the
    same: metric: {name: accuracy} gave each trial the last epoch's accuracy printed under that
    name, exit status 0; with val_f1 the per-epoch lines (the learning curve, the pruner's input,
    a pruned trial's value) were accuracies labelled val_f1, beside complete trials' F1; and
    gpbo train --metric foo printed the accuracy as foo. Now an unknown metric is exit status 2
    with the closest one, per-epoch lines carry val_accuracy and val_loss under their own names,
    and early_terminate (or train --metric) with a metric known only at the end is refused."""
    sweep = """\
        name: mlp
        method: random
        metric: {{name: {m}, goal: maximize}}
        run_cap: 2
        parameters:
          lr: {{distribution: log_uniform_values, min: 0.001, max: 0.03}}
        trainer: {{train_size: 300, val_size: 200, epochs: 2, seed: 3}}
        """
    write(os.path.join(d, "mlp.yaml"), sweep.format(m="accuracy"))
    r = run(["run", "mlp.yaml"], d)
    check(r.returncode == 2 and r.stderr.count("\n") == 1 and "'accuracy'" in r.stderr and
          "did you mean 'val_accuracy'" in r.stderr, f"accuracy: {r.returncode} {r.stderr!r}")
    write(os.path.join(d, "mlp.yaml"), sweep.format(m="val_f1").replace("name: mlp", "name: f1"))
    r = run(["run", "mlp.yaml"], d)
    check(r.returncode == 0, f"val_f1: {r.returncode} {r.stderr}")
    rows = json.loads(run(["export", "mlp.yaml", "--format", "json"], d).stdout)
    check(len(rows) == 2 and all(t["intermediate"] == [] and
                                 t["value"] == t["metrics"]["val_f1"] for t in rows),
          f"val_f1 has no per-epoch values of accuracy: {rows}")
    write(os.path.join(d, "mlp.yaml"),
          sweep.format(m="val_f1").replace("name: mlp", "name: et") +
          "early_terminate: {type: median}\n")
    r = run(["run", "mlp.yaml"], d)
    check(r.returncode == 2 and "early_terminate" in r.stderr and "val_f1" in r.stderr,
          f"val_f1 with early_terminate: {r.returncode} {r.stderr!r}")
    r = run(["train", "--metric", "foo", "--epochs", "1", "--train_size", "300"], d)
    check(r.returncode == 2 and "foo" in r.stderr and r.stdout == "",
          f"train --metric foo: {r.returncode} {r.stdout[:80]!r} {r.stderr!r}")
    r = run(["train", "--metric", "val_loss", "--epochs", "1", "--train_size", "300"], d)
    check(r.returncode == 0 and r.stdout.startswith("val_loss="),
          f"train --metric val_loss: {r.returncode} {r.stdout[:80]!r}")


def test_overrides_on_existing_study(d):
    """gpbo run --strategy sobol (or --seed 7, --init 3) on a study that exists was ignored
    without a word: the study keeps the options it was made with, and the run went on with its
    random search and its seed while the user believed otherwise. Now an explicit option that
    differs from the stored study's is exit status 2 naming both; the same values pass."""
    quad(d)
    for args, flag, had in ((["--strategy", "sobol"], "--strategy sobol", "random"),
                            (["--seed", "7"], "--seed 7", "made with 0"),
                            (["--init", "3"], "--init 3", "made with 10")):
        r = run(["run", "sweep.yaml", "--trials", "5"] + args, d)
        check(r.returncode == 2 and r.stderr.count("\n") == 1 and flag in r.stderr and
              had in r.stderr, f"{args}: {r.returncode} {r.stderr!r}")
    r = run(["trials", "sweep.yaml"], d)
    check(len(r.stdout.strip().split("\n")) == 4, f"the study unchanged: {r.stdout}")
    r = run(["run", "sweep.yaml", "--trials", "4", "--strategy", "random", "--seed", "0",
             "--init", "10"], d)
    check(r.returncode == 0 and "[4/4]" in r.stdout, f"the study's own: {r.returncode} {r.stderr}")
    r = run(["run", "sweep.yaml", "--study", "quad-sobol", "--strategy", "sobol"], d)
    check(r.returncode == 0, f"a new study: {r.returncode} {r.stderr}")
    # the sweep's own method edited since: the study goes on with its random search, as it
    # keeps its options, but says so (it went on without a word)
    with open(os.path.join(d, "sweep.yaml")) as f:
        text = f.read()
    write(os.path.join(d, "sweep.yaml"), text.replace("method: random", "method: sobol"))
    r = run(["run", "sweep.yaml", "--trials", "5"], d)
    check(r.returncode == 0 and "[5/5]" in r.stdout and "warning" in r.stderr and
          "method: sobol" in r.stderr and "made with random" in r.stderr,
          f"an edited method: {r.returncode} {r.stderr!r}")
    r = run(["run", "sweep.yaml", "--trials", "6", "--strategy", "random"], d)
    check(r.returncode == 0 and "warning" not in r.stderr, f"--strategy random: {r.stderr!r}")



def test_edited_settings_on_existing_study(d):
    """A sweep's gpbo: settings edited after the study was made (restart, lost_retries, kernel,
    priors) were ignored without a word on resume: the study keeps the options it was made
    with. Now one warning names each edited setting with the study's value; settings the run
    owns (jobs, timeout) and ones left as they were say nothing, and the run goes on."""
    quad(d)
    with open(os.path.join(d, "sweep.yaml")) as f:
        text = f.read()
    write(os.path.join(d, "sweep.yaml"), text.replace("run_cap: 3", "run_cap: 5") +
          "gpbo: {restart: 5, lost_retries: 1, kernel: matern32, priors: true, seed: 0,\n"
          "       jobs: 2, timeout: 30, grace: 60}\n")
    r = run(["run", "sweep.yaml"], d)
    warn = [x for x in r.stderr.splitlines() if "warning" in x]
    check(r.returncode == 0 and "[5/5]" in r.stdout and len(warn) == 1,
          f"the run goes on with one warning: {r.returncode} {r.stdout[-200:]!r} {r.stderr!r}")
    w = warn[0] if warn else ""
    for part in ("restart: 5 (the study's: 20)", "lost_retries: 1 (the study's: 3)",
                 "kernel: matern32 (the study's: matern52)", "priors: true (the study's: false)"):
        check(part in w, f"{part!r} named: {w!r}")
    for quiet in ("seed", "jobs", "timeout", "grace"):
        check(quiet + ":" not in w, f"{quiet} (unchanged or the run's own) not named: {w!r}")
    r = run(["run", "sweep.yaml", "--study", "quad-new", "--trials", "2"], d)
    check(r.returncode == 0 and "warning" not in r.stderr, f"a new study: {r.stderr!r}")

def test_compare_problem_line(d):
    """A bad problem in a compare file (an unknown function, a dimension a function does not
    take, a sweep file that is not there) was named without its place ("gpbo: c.yaml: problem
    nosuch.yaml: ..."), where every other error of the file, as README promises, gives
    file:line:column. Now it does too, and still nothing runs."""
    for problems, line, col, word in (("[branin, nosuch.yaml]", 3, 20, "nosuch.yaml"),
                                      ("\n  - branin\n  - hartmann6:3", 5, 5, "hartmann6"),
                                      ("[branin, zz]", 3, 20, "'zz'")):
        write(os.path.join(d, "c.yaml"), f"strategies: [random]\nseeds: 1\nproblems: {problems}\n")
        r = run(["compare", "c.yaml"], d)
        lines = r.stderr.strip().split("\n")
        check(r.returncode == 2 and len(lines) == 1 and
              lines[0].startswith(f"gpbo: c.yaml:{line}:{col}: ") and word in lines[0] and
              not os.path.exists(os.path.join(d, "c.db")),
              f"{problems}: {r.returncode} {lines} (want c.yaml:{line}:{col})")


def test_compare_default_name(d):
    """Two compare files with no name: in one folder both wrote compare.db, compare.csv and
    compare.html, so the second overwrote the first's CSV and page and ran on the first's
    studies (a larger budget continued them). Now a comparison without a name takes its file's
    name, as a sweep's study does."""
    for name, budget in (("first", 3), ("second", 5)):
        write(os.path.join(d, f"{name}.yaml"),
              f"strategies: [random]\nproblems: [branin]\nseeds: 1\nbudget: {budget}\n")
        r = run(["compare", f"{name}.yaml"], d)
        check(r.returncode == 0 and f"wrote ./{name}.csv and ./{name}.html" in r.stdout,
              f"{name}: {r.returncode} {r.stdout!r} {r.stderr!r}")
    for name, budget in (("first", 3), ("second", 5)):
        with open(os.path.join(d, f"{name}.csv")) as f:
            rows = list(csv.DictReader(f))
        check(len(rows) == budget, f"{name}.csv: {len(rows)} rows, want {budget}")
    check(not os.path.exists(os.path.join(d, "compare.db")), "no shared compare.db")


def test_studies_queued(d):
    """gpbo studies counted an enqueued trial that no worker has taken as running (a worker
    seemed at work on an idle study). Now it has a column of its own, queued."""
    write(os.path.join(d, "obj.py"), OBJ)
    quad_sweep(d, method="random", run_cap=3)
    run(["enqueue", "sweep.yaml", "x=1", "y=-2"], d)
    run(["enqueue", "sweep.yaml", "x=2", "y=-2"], d)
    lines = run(["studies", "--storage", "quad.db"], d).stdout.split("\n")
    head, row = lines[0].split(), lines[1].split()
    check("queued" in head and row[head.index("running")] == "0" and
          row[head.index("queued")] == "2" and row[head.index("trials")] == "2",
          f"two queued, none running: {lines}")
    run(["run", "sweep.yaml"], d)
    lines = run(["studies", "--storage", "quad.db"], d).stdout.split("\n")
    head, row = lines[0].split(), lines[1].split()
    check(row[head.index("complete")] == "3" and row[head.index("queued")] == "0",
          f"after the run: {lines}")


def test_storage_folder_missing(d):
    """gpbo run --storage out/study.db with no folder out: SQLite's "unable to open database
    file" and exit status 1, which does not say what is wrong. Now exit status 2 (the option's
    fault) naming the folder that does not exist, or that is a file."""
    quad(d)
    for storage, want in (("out/s.db", "the folder out does not exist"),
                          ("sqlite:///out/x/s.db", "the folder out/x does not exist"),
                          ("sweep.yaml/s.db", "the folder sweep.yaml is not a folder")):
        r = run(["run", "sweep.yaml", "--storage", storage], d)
        check(r.returncode == 2 and want in r.stderr and r.stderr.count("\n") == 1,
              f"{storage}: {r.returncode} {r.stderr!r}")
    r = run(["enqueue", "sweep.yaml", "--storage", "out/s.db", "x=1", "y=1"], d)
    check(r.returncode == 2 and r.stderr.startswith("gpbo enqueue: storage out/s.db: the folder "
                                                    "out does not exist"),
          f"enqueue: {r.returncode} {r.stderr!r}")
    os.mkdir(os.path.join(d, "out"))
    r = run(["run", "sweep.yaml", "--storage", "out/s.db"], d)
    check(r.returncode == 0, f"once the folder exists: {r.returncode} {r.stderr}")


def test_export_json_constant_numbers(d):
    """A constant that strtod reads as a number but JSON does not ("007", 1., 1.e3, as YAML
    gives them) went into gpbo export --format json bare: tag: 007 made a document no JSON
    parser reads. Now only JSON's own number syntax goes out bare; the others are strings."""
    write(os.path.join(d, "obj.py"), OBJ)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: quad
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 1
    parameters:
      x: {{min: -4.0, max: 4.0}}
      y: {{min: -4.0, max: 4.0}}
      tag: {{value: "007"}}
      v: {{value: 1.}}
      w: {{value: 1.e3}}
      n: {{value: -0.5e-3}}
      k: {{value: 12}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0, f"run: {r.returncode} {r.stderr}")
    r = run(["export", "sweep.yaml", "--format", "json"], d)
    try:
        p = json.loads(r.stdout)[0]["params"]
    except ValueError as e:
        check(False, f"not JSON ({e}): {r.stdout}")
        return
    check(p["tag"] == "007" and p["v"] == "1." and p["w"] == "1.e3" and p["n"] == -0.0005 and
          p["k"] == 12, f"the constants: {p}")


def test_metric_not_a_number_reason(d):
    """A program that printed its metric with something that is no number (PyTorch's
    print(f"loss={loss}") gives loss=tensor(0.5000, grad_fn=...); a JSON string or null) failed
    with "no 'loss=<number>' line in its output", as if it had printed nothing. Now the reason
    shows what it printed: "its output gives loss=tensor(0.5000, which is not a number"."""
    write(os.path.join(d, "obj.py"), """\
        import os
        i = int(os.environ["GPBO_TRIAL_ID"])
        print(["loss=tensor(0.5000, grad_fn=<MeanBackward0>)", '{"loss": "0.5"}',
               '{"loss": null}', "epoch done", "loss=abc\\nloss=0.25"][i])
        """)
    quad_sweep(d, method="random", run_cap=5, command=f'["{PY}", "obj.py"]')
    r = run(["run", "sweep.yaml"], d)
    rows = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    want = ["its output gives loss=tensor(0.5000, which is not a number",
            'its output gives "loss": "0.5", which is not a number',
            'its output gives "loss": null, which is not a number',
            "no 'loss=<number>' line in its output", None]
    check([t["reason"] for t in rows] == want and rows[4]["value"] == 0.25,
          f"reasons: {[(t['state'], t['reason']) for t in rows]}")


def test_metric_on_stderr_reason(d):
    """A program that reports its metric on stderr — Python's logging writes there — failed
    with "no 'loss=<number>' line in its output", as if it had printed nothing. Now the reason
    says that stdout is read and shows the stderr line that names the metric (the last one;
    val_loss= is another metric)."""
    write(os.path.join(d, "obj.py"), """\
        import logging, os, sys
        i = int(os.environ["GPBO_TRIAL_ID"])
        if i == 0:
            logging.warning("loss=%s", 0.75)
            logging.warning("epoch done")
        elif i == 1:
            print("loss=0.5\\x1b[0m", file=sys.stderr)
        else:
            print("val_loss=0.5", file=sys.stderr)
        """)
    quad_sweep(d, method="random", run_cap=3, command=f'["{PY}", "obj.py"]')
    run(["run", "sweep.yaml"], d)
    rows = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    hint = "no 'loss=<number>' line in its output (gpbo reads name=value tokens on stdout; "
    want = [hint + "its stderr has 'WARNING:root:loss=0.75')",
            hint + "its stderr has 'loss=0.5?[0m')",
            "no 'loss=<number>' line in its output"]
    check([t["reason"] for t in rows] == want, f"reasons: {[t['reason'] for t in rows]}")


def test_parameters_edited(d):
    """A sweep whose parameters were edited since its study began was refused with the library's
    "study_open: study 'quad' exists with a different search space (stored: ...)", naming
    neither the sweep file nor what to do. Now the line names the file and says to give another
    name: or --study; exit status 2 still, and --study runs a new study."""
    quad(d)
    path = os.path.join(d, "sweep.yaml")
    with open(path) as f:
        text = f.read()
    write(path, text.replace("y: {min: -4.0, max: 4.0}", "y: {min: -4.0, max: 8.0}"))
    for cmd in (["run", "sweep.yaml"], ["enqueue", "sweep.yaml", "x=1", "y=7"]):
        r = run(cmd, d)
        lines = r.stderr.strip().split("\n")
        check(r.returncode == 2 and len(lines) == 1 and lines[0].startswith("gpbo: sweep.yaml: ")
              and "give the sweep another name: or --study NAME for a new study" in lines[0]
              and '"hi":4.0' in lines[0], f"{cmd[0]}, parameters edited: {r.returncode} "
              f"{r.stderr!r}")
    r = run(["run", "sweep.yaml", "--study", "wider"], d)
    check(r.returncode == 0, f"--study for a new one: {r.returncode} {r.stderr!r}")


def test_probabilities_checked(d):
    """W&B's probabilities: of a categorical's values were accepted and silently ignored, a
    list of any length or of words included. Now they are checked (numbers in [0, 1], one a
    value; on a categorical) and gpbo run warns, naming the line, that they are not used."""
    write(os.path.join(d, "obj.py"), OBJ)
    base = f"""\
    method: random
    metric: {{name: loss}}
    run_cap: 2
    parameters:
      x: {{min: -4.0, max: 4.0}}
      y: {{min: -4.0, max: 4.0}}
      opt: {{values: [adam, sgd], probabilities: PROB}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """
    write(os.path.join(d, "p.yaml"), base.replace("PROB", "[0.25, 0.75]"))
    r = run(["run", "p.yaml"], d)
    check(r.returncode == 0 and "gpbo: warning: p.yaml:7: the probabilities of 'opt'" in r.stderr
          and "not used" in r.stderr, f"probabilities: {r.returncode} {r.stderr!r}")
    r = run(["trials", "p.yaml"], d)
    check(r.returncode == 0 and "warning" not in r.stderr, f"trials: no warning: {r.stderr!r}")
    for prob, word in (("[0.25]", "must be a list of 2 numbers"), ("[0.5, half]", "not a number"),
                       ("[1.5, 0]", "not within [0, 1]")):
        write(os.path.join(d, "bad.yaml"), base.replace("PROB", prob))
        r = run(["run", "bad.yaml"], d)
        check(r.returncode == 2 and r.stderr.startswith("gpbo: bad.yaml:7:") and word in r.stderr,
              f"probabilities {prob}: {r.returncode} {r.stderr!r}")
    write(os.path.join(d, "bad.yaml"), base.replace("x: {min: -4.0, max: 4.0}", "x: {min: -4.0, "
          "max: 4.0, probabilities: [1]}").replace(", probabilities: PROB", ""))
    r = run(["run", "bad.yaml"], d)
    check(r.returncode == 2 and "bad.yaml:5:" in r.stderr and "only a categorical" in r.stderr,
          f"probabilities of a float: {r.returncode} {r.stderr!r}")


def test_output_to_stdout(d):
    """gpbo report -o /dev/stdout (the page into a pipe) ended the page with "wrote /dev/stdout
    (9 figures)" (a line on the same standard output), and -o - made a file named '-' (report
    and export). Now '-' is standard output for both, and the report's "wrote" line goes to
    stderr when the page is on stdout."""
    quad(d)
    for o in ("-", "/dev/stdout"):
        r = run(["report", "sweep.yaml", "-o", o], d)
        check(r.returncode == 0 and r.stdout.startswith("<!DOCTYPE html>") and
              r.stdout.endswith("</html>\n") and "wrote /dev/stdout" in r.stderr,
              f"report -o {o}: {r.returncode} ...{r.stdout[-40:]!r} {r.stderr!r}")
    r = run(["export", "sweep.yaml", "-o", "-"], d)
    check(r.returncode == 0 and r.stdout.startswith("trial,state,value") and
          not os.path.exists(os.path.join(d, "-")), f"export -o -: {r.returncode} {r.stdout[:40]!r}")
    r = run(["report", "sweep.yaml"], d)
    check(r.returncode == 0 and r.stdout == "wrote report.html (%s figures)\n" %
          r.stdout.split("(")[-1].split()[0], f"report to a file says so on stdout: {r.stdout!r}")


def test_csv_param_named_as_column(d):
    """A parameter named value or reason (or seconds, metrics.x, ...) made two CSV columns of
    one name, so a CSV reader (csv.DictReader, pandas) kept one: the trial's value read as the
    parameter's, or the other way round. Now such a parameter's column is params.NAME, as
    metrics are metrics.NAME; other names are unchanged."""
    write(os.path.join(d, "obj.py"), 'print("loss=1.5")\n')
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: col
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 1
    parameters:
      value: {{values: [0.25]}}
      reason: {{values: [a, "b,c"]}}
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "obj.py"]
    """)
    run(["run", "sweep.yaml"], d)
    r = run(["export", "sweep.yaml"], d)
    rows = list(csv.reader(io.StringIO(r.stdout)))
    head = rows[0]
    check(len(set(head)) == len(head) and "params.value" in head and "params.reason" in head and
          "x" in head, f"distinct columns: {head}")
    row = dict(zip(head, rows[1]))
    check(row["value"] == "1.5" and row["params.value"] == "0.25" and row["reason"] == "",
          f"the values: {row}")


def test_metric_target(d):
    """metric: {target: T}, W&B's "the sweep is finished once a run reaches T", was accepted
    and ignored: the run went on to run_cap. Now no trial starts once one has reached it
    (trials already started finish), a later gpbo run on the study starts none, and the run
    says which trial reached it."""
    write(os.path.join(d, "obj.py"), """\
    import sys
    kind = sys.argv[1].split("=", 1)[1]
    print("acc=" + {"a": "0.2", "b": "0.5", "c": "0.9", "d": "0.95", "e": "0.3",
                    "f": "0.1"}[kind])
    """)
    write(os.path.join(d, "sweep.yaml"), f"""\
    method: grid
    metric: {{name: acc, goal: maximize, target: 0.85}}
    parameters:
      kind: {{values: [a, b, c, d, e, f]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0 and "trial 2 reached metric.target (acc >= 0.85)" in r.stdout,
          f"target: {r.returncode} {r.stdout} {r.stderr}")
    rows = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    kinds = [t["params"]["kind"] for t in rows]
    # the grid asks one trial ahead: d may have started before c's result was read, no other
    check(kinds in (["a", "b", "c"], ["a", "b", "c", "d"]), f"trials run: {kinds}")
    check(all(t["state"] == "complete" for t in rows), f"states: {rows}")
    r = run(["run", "sweep.yaml"], d, timeout=60)
    again = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    check(r.returncode == 0 and len(again) == len(rows) and "reached metric.target" in r.stdout,
          f"a resumed run starts none: {len(again)} trials; {r.stdout} {r.stderr}")
    # a Bayesian minimization, two at a time: the first batch of two, no more
    write(os.path.join(d, "min.yaml"), f"""\
    metric: {{name: loss, target: 10}}
    run_cap: 20
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "-c", "print('loss={{x}}')"]
    gpbo: {{jobs: 2}}
    """)
    r = run(["run", "min.yaml"], d, timeout=120)
    n = len(json.loads(run(["export", "min.yaml", "--format", "json"], d).stdout))
    check(r.returncode == 0 and n == 2, f"bayes, jobs 2: {n} trials; {r.stdout} {r.stderr}")
    write(os.path.join(d, "bad.yaml"), "metric: {name: l, target: high}\nrun_cap: 3\n"
          "command: [/bin/true]\nparameters:\n  a: {min: 1.0, max: 2.0}\n")
    r = run(["run", "bad.yaml"], d)
    check(r.returncode == 2 and "bad.yaml:1:" in r.stderr and "target" in r.stderr,
          f"a target that is no number: {r.returncode} {r.stderr}")


def main():
    tests = [test_option_equals, test_write_error, test_report_through_symlink,
             test_sighup_stops_run, test_csv_carriage_return,
             test_trials_zero, test_goal_changed,
             test_export_queued, test_compare_unwritten_csv,
             test_reader_gone_stops_run, test_finished_before_stop_kept,
             test_trainer_metric, test_overrides_on_existing_study,
             test_edited_settings_on_existing_study,
             test_compare_problem_line, test_compare_default_name,
             test_studies_queued, test_storage_folder_missing,
             test_export_json_constant_numbers, test_metric_not_a_number_reason,
             test_output_to_stdout, test_csv_param_named_as_column, test_metric_target,
             test_metric_on_stderr_reason, test_parameters_edited,
             test_probabilities_checked]
    return run_tests(tests, prefix="gpbo-cliaudit-", only=sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
