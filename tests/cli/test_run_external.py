#!/usr/bin/python3
"""End-to-end tests of how `gpbo run` runs an external objective program, beside
test_run_hostile.py: a trial folder that cannot be made (the trial is not failed, it runs again
once the folder can be made), a program that dies by a signal (the reason names it), a
progress bar's carriage returns on stdout (a lone CR ends a line, as a terminal shows it), a
command that cannot run its script (a misspelt `python3 trian.py`, a #! line ending in a CR):
refused before any trial.

Each objective is a tiny program written by the test. Usage: test_run_external.py PATH/TO/gpbo
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, check_refusals, run, run_tests, write  # noqa: E402


def exported(d):
    r = run(["export", "sweep.yaml", "--format", "json"], d)
    check(r.returncode == 0, f"export: {r.stderr}")
    return json.loads(r.stdout) if r.returncode == 0 else []


def test_trial_folder_cannot_be_made(d):
    # The runs folder's place holds a file: no trial folder can be made (as on a full disk or
    # a read-only folder). The run stops saying so, and the trial it could not start is no
    # failed trial: once the folder can be made, the next run runs it first, and the study
    # reaches run_cap with every trial complete. It was told failed with the folder's error,
    # counted against run_cap, and its point was never evaluated.
    write(os.path.join(d, "obj.py"), 'print("loss=0.5")\n')
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: nofolder
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 3
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    runs = os.path.join(d, "nofolder.runs")
    write(runs, "not a folder\n")
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 1 and "nofolder.runs/trial-000000" in r.stderr
          and "runs again" in r.stderr,
          f"stops naming the folder: exit {r.returncode}: {r.stderr!r}")
    t = exported(d)
    check(not [x for x in t if x["state"] == "failed"], f"no trial failed: {t}")
    os.unlink(runs)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"resumed: exit {r.returncode}: {r.stderr}")
    t = exported(d)
    check(len(t) == 3 and all(x["state"] == "complete" for x in t),
          f"3 trials, all complete: {[(x['trial'], x['state'], x.get('reason')) for x in t]}")


SIGNALS = """\
    import os, signal, sys
    kind = sys.argv[1].split("=", 1)[1]
    print("loss=0.5", flush=True)   # a result, then a death: failed all the same
    if kind == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif kind == "abort":
        print("about to abort", file=sys.stderr, flush=True)
        os.abort()
    elif kind == "kill":            # as the kernel's out-of-memory killer does
        os.kill(os.getpid(), signal.SIGKILL)
    """


def test_signal_named(d):
    # A program that dies by a signal fails with a reason naming the signal (it gave the number
    # alone), its last stderr line kept; a SIGKILL gpbo did not send points at the usual cause.
    write(os.path.join(d, "obj.py"), SIGNALS)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: signals
    method: grid
    metric: {{name: loss, goal: minimize}}
    parameters:
      kind: {{values: [segv, abort, kill]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 1, f"no trial completed: exit {r.returncode}: {r.stderr}")
    t = {x["params"]["kind"]: x for x in exported(d)}
    for kind, want in [("segv", "SIGSEGV"), ("abort", "SIGABRT"), ("kill", "SIGKILL")]:
        x = t.get(kind, {})
        why = x.get("reason") or ""
        check(x.get("state") == "failed" and "killed by signal" in why and want in why,
              f"{kind}: failed naming {want}: {x.get('state')} {why!r}")
    why = (t.get("abort", {}).get("reason") or "")
    check(why.endswith(": about to abort"), f"abort: its last stderr line kept: {why!r}")
    why = (t.get("kill", {}).get("reason") or "")
    check("out of memory" in why, f"kill: the likely cause named: {why!r}")


PROGRESS = """\
    import sys
    kind = sys.argv[1].split("=", 1)[1]
    if kind == "bar":       # tqdm(file=sys.stdout, leave=False): frames, then the bar erased
        for i in range(5):
            sys.stdout.write("\\r%3d%%|%s| %d/5" % (20 * i, "#" * i, i))
        sys.stdout.write("\\r" + " " * 20 + "\\r")
        print("loss=0.125 acc=0.75")
    elif kind == "steps":   # each step's line overwrites the last one, no newline until the end
        for s in range(1, 4):
            sys.stdout.write("\\rloss=%g step=%d" % (1.0 / s, s))
        sys.stdout.write("\\rloss=0.25\\n")
    elif kind == "crlf":    # CRLF still ends one line
        sys.stdout.write("loss=0.5 step=1\\r\\nloss=0.375\\r\\n")
    """


def test_carriage_return_ends_a_line(d):
    # A lone CR ends a line, as a terminal shows it and Python's universal newlines read it: a
    # progress bar on stdout erased before the metric left its frames on the metric's line, and
    # the trial failed with no 'loss=<number>' line; steps overwritten in place were lost.
    write(os.path.join(d, "obj.py"), PROGRESS)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: progress
    method: grid
    metric: {{name: loss, goal: minimize}}
    parameters:
      kind: {{values: [bar, steps, crlf]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    t = {x["params"]["kind"]: x for x in exported(d)}
    for kind, want, steps in [("bar", 0.125, []), ("steps", 0.25, [1, 2, 3]),
                              ("crlf", 0.375, [1])]:
        x = t.get(kind, {})
        check(x.get("state") == "complete" and x.get("value") == want,
              f"{kind}: complete with loss {want}: {x.get('state')} {x.get('value')} "
              f"{x.get('reason')}")
        got = [s for s, _ in x.get("intermediate", [])]
        check(got == steps, f"{kind}: steps {steps}: {got}")
    check(t.get("bar", {}).get("metrics", {}).get("acc") == 0.75,
          f"bar: its other metric kept: {t.get('bar', {}).get('metrics')}")


def test_missing_script_refused(d):
    # `python3 trian.py` (a misspelt script): python3 is on PATH, so the command passed the
    # load's check, and every trial of the study failed with "can't open file". The script a
    # command's interpreter runs is looked for in the sweep file's folder, as the trials run
    # it: exit status 2 naming the line, before any trial. What gpbo cannot judge is left to the
    # trials: a module (-m), a script named by a placeholder.
    os.makedirs(os.path.join(d, "sub"))
    write(os.path.join(d, "sub", "ok.py"), 'print("loss=0.5")\n')
    cases = [
        (f'["{PY}", "trian.py", "${{args}}"]', "trian.py"),
        (f'["{PY}", "-u", "trian.py"]', "trian.py"),
        ('["bash", "run.sh"]', "run.sh"),
        ('["${env}", "${interpreter}", "${program}", "${args}"]', "nope.py"),
    ]
    for cmd, script in cases:
        program = "nope.py" if script == "nope.py" else "ok.py"
        write(os.path.join(d, "sub", "sweep.yaml"), f"""\
        name: miss
        method: random
        metric: {{name: loss, goal: minimize}}
        run_cap: 2
        parameters:
          x: {{min: 0.0, max: 1.0}}
        command: {cmd}
        program: {program}
        """)
        r = run(["run", "sub/sweep.yaml"], d, timeout=60)
        lines = r.stderr.strip().split("\n")
        check(r.returncode == 2 and len(lines) == 1 and "sweep.yaml:7:" in lines[0]
              and f"'{script}' does not exist" in lines[0]
              and not os.path.exists(os.path.join(d, "sub", "miss.db")),
              f"{cmd}: exit {r.returncode}: {r.stderr!r}")
    for cmd in [f'["{PY}", "-u", "ok.py"]', f'["{PY}", "-W", "ignore", "ok.py"]',
                f'["{PY}", "-m", "ok"]']:
        write(os.path.join(d, "sub", "sweep.yaml"), f"""\
        name: fine
        method: random
        metric: {{name: loss, goal: minimize}}
        run_cap: 1
        parameters:
          x: {{min: 0.0, max: 1.0}}
        command: {cmd}
        """)
        r = run(["run", "sub/sweep.yaml", "--study", "fine" + str(abs(hash(cmd)))], d, timeout=60)
        check(r.returncode == 0, f"{cmd} runs: exit {r.returncode}: {r.stderr!r}")


def test_crlf_shebang_refused(d):
    # A script saved with Windows line ends: its #! line ends in a CR, which the kernel takes as
    # part of the interpreter's name, so execve fails with ENOENT on a file that exists. It
    # passed the load's check (the file is there and executable) and every trial failed with
    # "cannot run './train.sh': No such file or directory". Now exit status 2 before any
    # trial, the line named, the CR said.
    with open(os.path.join(d, "train.sh"), "wb") as f:
        f.write(b"#!/bin/sh\r\necho loss=0.5\r\n")
    os.chmod(os.path.join(d, "train.sh"), 0o755)
    write(os.path.join(d, "sweep.yaml"), """\
    name: crlf
    method: random
    metric: {name: loss, goal: minimize}
    run_cap: 2
    parameters:
      x: {min: 0.0, max: 1.0}
    command: ["./train.sh", "${args}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    lines = r.stderr.strip().split("\n")
    check(r.returncode == 2 and len(lines) == 1 and "sweep.yaml:7:" in lines[0]
          and "Windows line ends" in lines[0]
          and not os.path.exists(os.path.join(d, "crlf.db")),
          f"refused before any trial: exit {r.returncode}: {r.stderr!r}")
    with open(os.path.join(d, "train.sh"), "wb") as f:  # the same script with LF ends runs
        f.write(b"#!/bin/sh\necho loss=0.5\n")
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"LF script runs: exit {r.returncode}: {r.stderr!r}")


def test_stop_said(d):
    # SIGTERM (or Ctrl-C) while trials run: exit status 128 + the signal's number, as a shell
    # reports a process a signal ended (143 for SIGTERM: it was 130 whatever the signal), and one
    # line saying the running trials were interrupted, not failed, and run again. With no trial complete yet, the run
    # said only "no trial completed (... 2 unfinished)", as if they had failed.
    write(os.path.join(d, "obj.py"), 'import time\ntime.sleep(30)\nprint("loss=0.5")\n')
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: stop
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 4
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    p = subprocess.Popen([GPBO, "run", "sweep.yaml", "--jobs", "2"], cwd=d,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runs = os.path.join(d, "stop.runs")
    deadline = time.monotonic() + 60
    while p.poll() is None and time.monotonic() < deadline:
        started = [t for t in (os.listdir(runs) if os.path.isdir(runs) else [])
                   if os.path.exists(os.path.join(runs, t, "stdout"))]
        if len(started) >= 2:
            break
        time.sleep(0.05)
    time.sleep(0.3)  # the programs themselves under way
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 128 + signal.SIGTERM, f"exit {p.returncode}: {err!r}")
    check("stopped by SIGTERM" in err and "2 running trials interrupted" in err
          and "no trial completed" not in err, f"the stop said: {err!r}")
    t = exported(d)
    check(len(t) >= 2 and not [x for x in t if x["state"] in ("failed", "complete")],
          f"no trial failed or complete: {[(x['trial'], x['state']) for x in t]}")


CHECKPOINTED = """\
    import os, sys, time
    here, prev = os.environ["GPBO_TRIAL_DIR"], os.environ.get("GPBO_PREVIOUS_TRIAL_DIR")
    with open(os.path.join(here, "seen"), "w") as f:
        f.write(prev or "")
    if prev is None:
        with open(os.path.join(here, "ckpt"), "w") as f:
            f.write("0.25")
        time.sleep(60)
        print("loss=0.5")
    else:
        with open(os.path.join(prev, "ckpt")) as f:
            print("loss=" + f.read())
    """


def test_previous_trial_dir(d):
    # A trial interrupted by a stop runs again in a folder of its own (trial-N.2), so its
    # program could not find the checkpoint it wrote in GPBO_TRIAL_DIR, which the README calls
    # the place for one. The execution that runs again is told the folder of the one before,
    # GPBO_PREVIOUS_TRIAL_DIR, an absolute path; a first execution gets none, even when gpbo's
    # own environment carries one (a gpbo run started from a trial).
    write(os.path.join(d, "obj.py"), CHECKPOINTED)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: ckpt
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 1
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    env = dict(os.environ, GPBO_PREVIOUS_TRIAL_DIR="/inherited")
    p = subprocess.Popen([GPBO, "run", "sweep.yaml"], cwd=d, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = os.path.join(d, "ckpt.runs", "trial-000000")
    deadline = time.monotonic() + 60
    while p.poll() is None and time.monotonic() < deadline \
            and not os.path.exists(os.path.join(first, "ckpt")):
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 128 + signal.SIGTERM, f"stopped: exit {p.returncode}: {err!r}")
    with open(os.path.join(first, "seen")) as f:
        check(f.read() == "", "a first execution is told no previous folder")
    r = run(["run", "sweep.yaml"], d, timeout=60, env=env)
    check(r.returncode == 0, f"resumed: exit {r.returncode}: {r.stderr}")
    with open(os.path.join(d, "ckpt.runs", "trial-000000.2", "seen")) as f:
        seen = f.read()
    check(os.path.isabs(seen) and os.path.samefile(seen, first),
          f"the second execution is told the first's folder: {seen!r}")
    t = exported(d)
    check(len(t) == 1 and t[0]["state"] == "complete" and t[0]["value"] == 0.25,
          f"the trial resumed from its checkpoint: {t}")


GRACEFUL = """\
    import os, signal, sys, time
    kind = sys.argv[1].split("=", 1)[1]
    here = os.environ["GPBO_TRIAL_DIR"]
    def save(sig, frame):
        with open(os.path.join(here, "ckpt"), "w") as f:
            f.write("saved")
        sys.exit(1)
    signal.signal(signal.SIGTERM, save if kind == "saves" else signal.SIG_IGN)
    with open(os.path.join(here, "ready"), "w") as f:
        f.write("1")
    time.sleep(120)
    print("loss=0.5")
    """


def test_kill_grace(d):
    # A timeout killed the program with SIGKILL at once: a checkpoint it would write on
    # SIGTERM was never written. With GPBO_KILL_GRACE=S the program gets SIGTERM first and
    # SIGKILL S seconds later if it is still there; the trial is failed as timed out either way.
    write(os.path.join(d, "obj.py"), GRACEFUL)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: grace
    method: grid
    metric: {{name: loss, goal: minimize}}
    parameters:
      kind: {{values: [saves, ignores]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    gpbo: {{timeout: 2}}
    """)
    env = dict(os.environ, GPBO_KILL_GRACE="3")
    t0 = time.monotonic()
    r = run(["run", "sweep.yaml"], d, timeout=60, env=env)
    took = time.monotonic() - t0
    check(r.returncode == 1, f"no trial completed: exit {r.returncode}: {r.stderr}")
    t = {x["params"]["kind"]: x for x in exported(d)}
    check(all(x["state"] == "failed" and "timed out" in (x.get("reason") or "")
              for x in t.values()) and len(t) == 2, f"both failed as timed out: {t}")
    runs = os.path.join(d, "grace.runs")
    saved = {x["params"]["kind"]: os.path.exists(os.path.join(runs, f"trial-{x['trial']:06d}",
                                                                "ckpt")) for x in t.values()}
    check(saved == {"saves": True, "ignores": False},
          f"the SIGTERM handler wrote its checkpoint: {saved} {os.listdir(runs)}")
    # the one that ignores SIGTERM is killed after its grace: 2 s + 3 s, not its 120 s
    check(took < 30, f"the program that ignores SIGTERM is killed after the grace: {took:.1f} s")
    for bad in ("-1", "abc", "1e9", "nan"):
        r = run(["run", "sweep.yaml"], d, timeout=30, env=dict(os.environ, GPBO_KILL_GRACE=bad))
        check(r.returncode == 2 and "GPBO_KILL_GRACE" in r.stderr and bad in r.stderr,
              f"GPBO_KILL_GRACE={bad} refused: exit {r.returncode}: {r.stderr!r}")


UNFLUSHED = """\
    import sys, time
    kind = sys.argv[1].split("=", 1)[1]
    loss = 0.1 if kind == "good" else 10.0
    for step in range(1, 5):           # print() with no flush, as training scripts do
        print(f"loss={loss} step={step}")
        if kind == "bad":
            time.sleep(2)
    print(f"loss={loss}")
    """


def test_python_steps_arrive_as_printed(d):
    # A Python program's stdout is a file here, so Python buffers it to the program's end
    # unless told otherwise: its step lines reached gpbo at its exit, and the pruner never
    # stopped a trial (a buffered trial that ends is complete, not pruned). gpbo sets
    # PYTHONUNBUFFERED=1 in the trial's environment: the bad trial is pruned at its first rung,
    # seconds before its end.
    write(os.path.join(d, "obj.py"), UNFLUSHED)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: unflushed
    method: grid
    metric: {{name: loss, goal: minimize}}
    parameters:
      kind: {{values: [good, bad]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    early_terminate: {{type: hyperband, min_iter: 1, eta: 2}}
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    t0 = time.monotonic()
    r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, env=env, capture_output=True,
                       text=True, timeout=120)
    took = time.monotonic() - t0
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    t = {x["params"]["kind"]: x for x in exported(d)}
    bad = t.get("bad", {})
    check(bad.get("state") == "pruned" and took < 6,
          f"bad pruned while it runs: {bad.get('state')} {bad.get('intermediate')} "
          f"after {took:.1f} s")


def test_env_shebang_refused(d):
    # `#!/usr/bin/env NAME` with no NAME on PATH: /usr/bin/env exists, so the load's check of
    # the #! line passed, and every trial failed with "env: 'python9': No such file or
    # directory". Now exit status 2 before any trial, naming the sweep's line, the script and the
    # program env cannot find; so too `#!/usr/bin/env python3 -u`, which the kernel hands env
    # as the one name 'python3 -u', and env -S's program (its NAME=VALUE words skipped). What
    # env would read otherwise (a PATH it sets, quotes) is left to the trials.
    refused = [("#!/usr/bin/env python9", "'python9', which is not on PATH"),
               ("#!/usr/bin/env  python9  ", "'python9', which is not on PATH"),
               ("#!/usr/bin/env python3 -u", "'python3 -u', which is not on PATH"),
               ("#!/usr/bin/env -S python9 -u", "'python9', which is not on PATH"),
               ("#!/usr/bin/env -S LC_ALL=C python9", "'python9', which is not on PATH"),
               ("#!/usr/bin/env --split-string=python9", "'python9', which is not on PATH"),
               ("#!/usr/bin/env ./nope.py", "'./nope.py', which does not exist"),
               # env given the script alone runs it again, whose #! line runs env again: the
               # trial never ended (no timeout by default)
               ("#!/usr/bin/env", "with no program to start"),
               ("#!/usr/bin/env  ", "with no program to start")]
    runs = [("#!/usr/bin/env python3", 0), ("#!/usr/bin/env -S python3 -u", 0),
            ("#!/usr/bin/env -S LC_ALL=C python3", 0), ("#!/usr/bin/env -S PATH=/nowhere python9", 1)]
    for k, (line, want) in enumerate(refused + runs):
        write(os.path.join(d, "train.py"), line + '\nprint("loss=0.5")\n', 0o755)
        write(os.path.join(d, "sweep.yaml"), f"""\
        name: env{k}
        method: random
        metric: {{name: loss, goal: minimize}}
        run_cap: 1
        parameters:
          x: {{min: 0.0, max: 1.0}}
        command: ["./train.py", "${{args}}"]
        """)
        r = run(["run", "sweep.yaml"], d, timeout=60)
        if isinstance(want, str):
            lines = r.stderr.strip().split("\n")
            check(r.returncode == 2 and len(lines) == 1 and "sweep.yaml:7:" in lines[0]
                  and "'./train.py'" in lines[0] and want in lines[0]
                  and ("-S" in lines[0]) == (" -u" in want)
                  and not os.path.exists(os.path.join(d, f"env{k}.db")),
                  f"{line!r}: refused before any trial: exit {r.returncode}: {r.stderr!r}")
        else:
            check(r.returncode == want, f"{line!r}: runs, exit {want}: {r.returncode} {r.stderr!r}")


FLAKY = """\
    import os, sys, time
    i = int(os.environ["GPBO_TRIAL_ID"])
    mode = sys.argv[1]
    if mode == "late" and i == 0:   # trial 0 completes, slowly; every other one fails at once
        time.sleep(1.5)
        print("loss=0.5")
    elif mode == "after" and i >= 3:   # the first three fail, then every one completes
        print("loss=0.25")
    elif mode == "first" and i == 0:   # the first completes, every later one fails
        print("loss=0.75")
    else:
        sys.exit("cannot import torch")
    """


def states(d, sweep="sweep.yaml", study=None):
    """The count of the study's trials in each state (interrupted: proposed and not run, or
    stopped, and to run again)."""
    args = ["export", sweep, "--format", "json"] + (["--study", study] if study else [])
    r = run(args, d)
    check(r.returncode == 0, f"export: {r.stderr}")
    t = json.loads(r.stdout) if r.returncode == 0 else []
    return {k: sum(1 for x in t if x["state"] == k)
            for k in ("complete", "failed", "pruned", "interrupted", "running")}


def flaky_sweep(d, mode, run_cap=60, extra=""):
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: flaky
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: {run_cap}
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "obj.py", "{mode}"]
    """ + extra)


def test_broken_program_gives_up(d):
    # A program that cannot work (an import that fails) failed every trial of the study, 60 of
    # 60, however long that took. As W&B's agent kills a sweep whose first runs all fail, once
    # the study's first trials have all failed (5 by default, gpbo.max_initial_failures, or
    # --max-initial-failures; the run's jobs when more: those start together) no more start:
    # the run ends with exit status 1 and one line naming the count and the last failure's
    # reason; a resumed run, or another worker, counts the same trials and starts none.
    write(os.path.join(d, "obj.py"), FLAKY)
    flaky_sweep(d, "broken")
    r = run(["run", "sweep.yaml"], d, timeout=120)
    err = r.stderr.strip().split("\n")
    c = states(d)
    check(r.returncode == 1 and c["failed"] == 5 and c["complete"] == c["interrupted"] == 0
          and len(err) == 1
          and "first 5 trials all failed" in err[0] and "cannot import torch" in err[0]
          and "--max-initial-failures 0" in err[0],
          f"5 failed, then the run stops: exit {r.returncode} {c} {r.stderr!r}")
    r = run(["run", "sweep.yaml"], d, timeout=120)
    check(r.returncode == 1 and states(d)["failed"] == 5 and "first 5 trials all failed" in r.stderr,
          f"a resumed run starts none: exit {r.returncode} {states(d)} {r.stderr!r}")
    # more at a time: 5, or the run's jobs when more, then those still running end
    for jobs, least in [(3, 5), (8, 8)]:
        study = f"jobs{jobs}"
        r = run(["run", "sweep.yaml", "--jobs", str(jobs), "--study", study], d, timeout=120)
        c = states(d, study=study)
        check(r.returncode == 1 and least <= c["failed"] <= least + jobs - 1
              and f"first {c['failed']} trials all failed" in r.stderr,
              f"--jobs {jobs}: {least} to {least + jobs - 1} failed: {c} {r.stderr!r}")
    # the sweep's key, the option over it, and 0: never
    flaky_sweep(d, "broken", run_cap=12, extra="gpbo: {max_initial_failures: 2}\n")
    for args, want in [([], 2), (["--max-initial-failures", "4"], 4),
                       (["--max-initial-failures=0"], 12)]:
        study = "key" + str(want)
        r = run(["run", "sweep.yaml", "--study", study] + args, d, timeout=120)
        c = states(d, study=study)
        said = "first" in r.stderr if want < 12 else "no trial completed (12 trials" in r.stderr
        check(r.returncode == 1 and c["failed"] == want and said,
              f"{args}: {want} failed: {c} {r.stderr!r}")
    check_refusals([GPBO, "run", "sweep.yaml"],
                   [(["--max-initial-failures", "-1"], "--max-initial-failures", "'-1'"),
                    (["--max-initial-failures", "two"], "--max-initial-failures", "'two'")], d,
                   start="gpbo run: ")
    for bad in ["-1", "2.5", "lots"]:
        flaky_sweep(d, "broken", extra=f"gpbo: {{max_initial_failures: {bad}}}\n")
        r = run(["run", "sweep.yaml", "--study", "bad"], d)
        check(r.returncode == 2 and "sweep.yaml:8:" in r.stderr
              and "max_initial_failures" in r.stderr, f"{bad}: exit {r.returncode} {r.stderr!r}")


def test_healthy_study_goes_on(d):
    # Failures that are not all of the study's first trials never stop it: trial 0 completes
    # and every later one fails (a region of the space that crashes); the first three fail and
    # the rest complete; and a trial still running when the first failures reach the count
    # (2 here, 2 jobs) and completes after them lets the run start trials again.
    write(os.path.join(d, "obj.py"), FLAKY)
    for mode, extra, jobs, want in [("first", "", 1, (1, 11)), ("after", "", 1, (9, 3)),
                                    ("late", "gpbo: {max_initial_failures: 2}\n", 2, (1, 11))]:
        flaky_sweep(d, mode, run_cap=12, extra=extra)
        r = run(["run", "sweep.yaml", "--jobs", str(jobs), "--study", mode], d, timeout=120)
        c = states(d, study=mode)
        check(r.returncode == 0 and (c["complete"], c["failed"]) == want,
              f"{mode}: all 12 trials run: exit {r.returncode} {c} {r.stderr!r}")


def test_workers_give_up_together(d):
    # Two workers on one study of a program that cannot work: each counts every worker's
    # failures, so together they stop after the first 5 and what was running then, far from 5
    # each (10) or run_cap. What was running can be two trials: when both workers' trials end
    # at once, each may read the study before the other's failure is stored, count 4 and start
    # one more (7 seen under an ASan build's load). The trials sleep 0.6 s so that no worker
    # ends two trials while the other's view of the study is stale (synced every 0.25 s).
    write(os.path.join(d, "obj.py"), "import time, sys\ntime.sleep(0.6)\nsys.exit('no GPU')\n")
    flaky_sweep(d, "broken")
    ps = [subprocess.Popen([GPBO, "run", "sweep.yaml"], cwd=d, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in ps]
    c = states(d)
    check(all(p.returncode == 1 for p in ps) and 5 <= c["failed"] <= 7
          and all("trials all failed" in e and "no GPU" in e for _, e in outs),
          f"two workers: 5 to 7 failed: {c} {[p.returncode for p in ps]} {[e for _, e in outs]}")


def test_colour_codes_not_sent_to_the_terminal(d):
    # A Python traceback in colour (or a tool setting the terminal's title) ends in a stderr
    # line full of escape sequences: the failure reason keeps them as stored (export), but
    # gpbo run's trial lines, its closing line and gpbo trials' table show the text alone, as
    # the report and the dashboard do; they sent the sequences to the terminal as they were.
    write(os.path.join(d, "obj.py"), """\
    import sys
    sys.stderr.write("\\x1b]0;hijacked title\\x07\\x1b[1;31mValueError\\x1b[0m: bad\\x1b[2J\\n")
    sys.exit(3)
    """)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: colours
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: 2
    parameters:
      x: {{min: 0.0, max: 1.0}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 1, f"no trial completed: exit {r.returncode}: {r.stderr!r}")
    check("ValueError: bad" in r.stdout and "ValueError: bad" in r.stderr,
          f"the reason's text shown: {r.stdout!r} {r.stderr!r}")
    check("\x1b" not in r.stdout and "\x1b" not in r.stderr and "\x07" not in r.stdout,
          f"no escape sequence reaches the terminal: {r.stdout!r} {r.stderr!r}")
    t = run(["trials", "sweep.yaml"], d)
    check(t.returncode == 0 and "ValueError: bad" in t.stdout and "\x1b" not in t.stdout,
          f"gpbo trials shows the text alone: {t.stdout!r}")
    e = exported(d)
    check(len(e) == 2 and all("\x1b[1;31m" in (x.get("reason") or "") for x in e),
          f"export keeps the reason as stored: {[x.get('reason') for x in e]}")


def main():
    tests = [test_trial_folder_cannot_be_made, test_signal_named, test_carriage_return_ends_a_line,
             test_missing_script_refused, test_crlf_shebang_refused,
             test_stop_said, test_python_steps_arrive_as_printed, test_previous_trial_dir,
             test_kill_grace, test_env_shebang_refused, test_broken_program_gives_up, test_healthy_study_goes_on,
             test_workers_give_up_together, test_colour_codes_not_sent_to_the_terminal]
    return run_tests(tests, prefix="gpbo-external-", only=sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
