#!/usr/bin/python3
"""Finished trials whose result the storage cannot take when they end (the keep branch): an
SQLite study file locked by another process for longer than gpbo's 30 s wait, a real lock held
by a real process here. Each test names the defect it found, and failed before its fix.

- the result of a trial that ended while the file was locked was lost: `gpbo run` said "its
  result not stored: it runs again on the next gpbo run", and it did run again. It is now kept on
  disk (<study>.runs/unstored/) and stored by the next `gpbo run` before anything is asked,
  without running the trial again, and a copy told a second time changes nothing;
- the same, when the lock goes away while the run goes on: the run itself stores it;
- gpbo run killed (kill -9) while its tell waits for the lock: the result was lost with it and
  the trial ran again; the copy held during the tell is now stored by the next run;
- a worker whose heartbeats kept failing said nothing before its trials were taken for lost by
  the others (study.c counted the failures and never read them): it now warns on stderr, naming
  the storage and what follows.

On PostgreSQL (--pg=URLFILE, the test server of tests/cli, stopped and started again with
scripts/pg-scratch): the server is down when trial 1 ends; the result is kept and the next run
stores it once the server is back.

Usage: test_kept_results.py PATH/TO/gpbo [--pg=URLFILE] [TEST ...]
"""
import glob
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, quad_sweep, run, run_tests, write  # noqa: E402

PG_ARG = [a for a in sys.argv[2:] if a.startswith("--pg=")]
PG_FILE = PG_ARG[0][5:] if PG_ARG else None
PG_URL = open(PG_FILE).read().strip() if PG_FILE else None
SCRATCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                       "pg-scratch")

# trial 1 says it started and waits for the file t1-go; every execution is logged in ran.log
OBJ = """\
    import os, sys, time
    d = os.path.dirname(os.path.abspath(__file__))
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    tid = os.environ["GPBO_TRIAL_ID"]
    with open(os.path.join(d, "ran.log"), "a") as f:
        f.write(tid + "\\n")
    loss = (float(a["x"]) - 1) ** 2 + (float(a["y"]) + 2) ** 2
    print(f"loss={loss + 1} step=0", flush=True)
    if tid == "1":
        open(os.path.join(d, "t1-started"), "w").close()
        while not os.path.exists(os.path.join(d, "t1-go")):
            time.sleep(0.05)
    print(f"loss={loss} twice={2 * loss} cap=inf", flush=True)
    if tid == "1":
        open(os.path.join(d, "t1-done"), "w").close()
        if os.environ.get("FAIL1"):  # a failure whose reason is Latin-1
            os.write(2, b"caf\\xe9 broke\\n")
            sys.exit(3)
    """

# holds the study file's write lock (a write transaction left open, as a program or an sqlite3
# shell does) for argv[2] seconds: gpbo reads on, and its writes wait
LOCKER = """\
    import sqlite3, sys, time
    c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
    c.execute("BEGIN IMMEDIATE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    """


def wait_for(cond, timeout, what):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            check(False, f"still waiting after {timeout} s for {what}")
            return False
        time.sleep(0.05)
    return True


def setup(d, extra="gpbo: {heartbeat: 0}\n", name="quad"):
    write(os.path.join(d, "obj.py"), OBJ)
    write(os.path.join(d, "locker.py"), LOCKER)
    quad_sweep(d, name=name, method="random", run_cap=3, extra=extra)


def start_run(d, args=(), env=None):
    err = open(os.path.join(d, "run.err"), "w")
    out = open(os.path.join(d, "run.out"), "w")
    return subprocess.Popen([GPBO, "run", "sweep.yaml"] + list(args), cwd=d, stdout=out,
                            stderr=err, env=env)


def lock_during_trial1(d, seconds):
    """Once trial 1 runs, locks quad.db for `seconds` and lets trial 1 end."""
    if not wait_for(lambda: os.path.exists(os.path.join(d, "t1-started")), 60, "trial 1"):
        return None
    locker = subprocess.Popen([PY, "locker.py", "quad.db", str(seconds)], cwd=d,
                              stdout=subprocess.PIPE, text=True)
    check(locker.stdout.readline().strip() == "locked", "the locker holds the file")
    write(os.path.join(d, "t1-go"), "")
    return locker


def trials(d, args=()):
    r = run(["export", "sweep.yaml", "--format", "json"] + list(args), d)
    check(r.returncode == 0, f"export: {r.returncode} {r.stderr}")
    return json.loads(r.stdout) if r.returncode == 0 else []


def check_study(d, what, args=()):
    """3 trials, all complete, trial 1 run once, its value and metric its program's (trial 2,
    started at trial 1's end, may have been interrupted and run again)."""
    t = trials(d, args)
    ran = open(os.path.join(d, "ran.log")).read().split()
    check(ran.count("0") == 1 and ran.count("1") == 1, f"{what}: trial 1 ran once: {ran}")
    check(len(t) == 3 and all(x["state"] == "complete" for x in t), f"{what}: 3 complete: {t}")
    if len(t) == 3:
        x, y = t[1]["params"]["x"], t[1]["params"]["y"]
        loss = (x - 1) ** 2 + (y + 2) ** 2
        v, twice = t[1]["value"], t[1]["metrics"].get("twice")
        check(v is not None and twice is not None and
              math.isclose(v, loss, rel_tol=1e-9) and math.isclose(twice, 2 * loss, rel_tol=1e-9),
              f"{what}: trial 1 is its program's result: {t[1]}")
        # an infinite metric (a constraint's) kept as such, not dropped as a NaN would be
        check(t[1]["metrics"].get("cap") == "inf", f"{what}: trial 1's cap=inf: {t[1]}")
    return t


def test_kept_for_next_run(d):
    """The file stays locked after trial 1 ends: its result is kept on disk (it was lost, the
    trial ran again on the next run); gpbo run killed then, the next run stores it first and
    runs only the trial left; the kept copy told again is refused and removed."""
    setup(d)
    p = start_run(d)
    locker = lock_during_trial1(d, 300)
    try:
        err = os.path.join(d, "run.err")
        wait_for(lambda: "is kept in" in open(err).read(), 100, "the result kept")
        p.send_signal(signal.SIGKILL)  # a run killed with its result kept: nothing is lost
        p.wait()
    finally:
        if locker:
            locker.kill()
            locker.wait()
    msg = open(os.path.join(d, "run.err")).read()
    check("trial 1 ended" in msg and "quad.db" in msg and "does not run again" in msg,
          f"the run says where the result is kept and why: {msg!r}")
    kept = glob.glob(os.path.join(d, "quad.runs", "unstored", "*.json"))
    check(len(kept) == 1, f"one kept result: {kept}")
    r = run(["trials", "sweep.yaml"], d)
    row1 = [ln for ln in r.stdout.splitlines() if ln.split()[:1] == ["1"]]
    check(r.returncode == 0 and len(row1) == 1 and "its result kept in" in row1[0] and
          "unstored" in row1[0] and "runs again" not in row1[0],
          f"gpbo trials says trial 1's result is kept, not that it runs again: {r.stdout!r}")
    copy = os.path.join(d, "copy.json")
    if kept:
        shutil.copy(kept[0], copy)
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0, f"the next run: {r.returncode} {r.stderr}")
    check("trial 1: its result" in r.stdout and "now stored" in r.stdout,
          f"it says the kept result is stored: {r.stdout!r}")
    t = check_study(d, "resumed")
    check(not glob.glob(os.path.join(d, "quad.runs", "unstored", "*.json")),
          "the kept file is removed once stored")
    if kept:
        shutil.copy(copy, kept[0])  # a second worker, a kill before the unlink: told again
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0 and "trial 1 was finished first" in r.stderr,
          f"a copy told again is refused: {r.returncode} {r.stderr!r}")
    check(trials(d) == t, "and changes nothing")
    check(not os.path.exists(kept[0]) if kept else False, "the refused copy is removed")


def test_killed_while_telling(d):
    """gpbo run killed with kill -9 while its tell of trial 1 waits for a locked file (the 30 s
    before it would keep the result): the next run stores the copy held during the tell, and
    trial 1 does not run again. Trial 1 fails here, its reason in Latin-1: kept as stored."""
    setup(d)
    p = start_run(d, env=dict(os.environ, FAIL1="1"))
    locker = lock_during_trial1(d, 300)
    try:
        wait_for(lambda: os.path.exists(os.path.join(d, "t1-done")), 60, "trial 1's end")
        time.sleep(3)  # its process gone, its output read: the tell waits for the lock
        check(p.poll() is None, "the run waits for the lock")
        p.send_signal(signal.SIGKILL)
        p.wait()
    finally:
        if locker:
            locker.kill()
            locker.wait()
    check("is kept in" not in open(os.path.join(d, "run.err")).read(),
          "killed before its 30 s wait ended")
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0 and "trial 1: its result" in r.stdout and "now stored" in r.stdout,
          f"the next run stores the copy: {r.returncode} {r.stdout!r} {r.stderr!r}")
    t = trials(d)
    ran = open(os.path.join(d, "ran.log")).read().split()
    check(ran.count("1") == 1, f"trial 1 ran once: {ran}")
    check(len(t) == 3 and t[1]["state"] == "failed" and
          t[1]["reason"] == "exit status 3: caf\ufffd broke",
          f"trial 1 failed with its reason: {t[1] if len(t) > 1 else t}")
    u = os.path.join(d, "quad.runs", "unstored")
    left = os.listdir(u) if os.path.isdir(u) else []
    check(not [x for x in left if x.endswith(".json")], f"no copy left: {left}")


def test_kept_then_stored_in_the_run(d):
    """The file is locked for 45 s from trial 1's end: its tell gives up after 30 s, the result
    is kept, and the run itself stores it once the lock is gone, going on to its budget."""
    setup(d)
    p = start_run(d)
    locker = lock_during_trial1(d, 45)
    try:
        p.wait(timeout=200)
    except subprocess.TimeoutExpired:
        p.kill()
        check(False, "the run is still going after 200 s")
    if locker:
        locker.wait()
    err = open(os.path.join(d, "run.err")).read()
    out = open(os.path.join(d, "run.out")).read()
    check("is kept in" in err and "now stored" in out,
          f"kept, then stored in the same run: {err!r} {out!r}")
    check_study(d, "one run")


def test_heartbeat_warning(d):
    """The study file locked while trial 1 runs: its heartbeat cannot be stored, and the run
    says so (once) before the other workers would take the trial for lost."""
    setup(d, extra="gpbo: {heartbeat: 1, grace: 50}\n")
    p = start_run(d)
    if not wait_for(lambda: os.path.exists(os.path.join(d, "t1-started")), 60, "trial 1"):
        p.kill()
        return
    locker = subprocess.Popen([PY, "locker.py", "quad.db", "40"], cwd=d,
                              stdout=subprocess.PIPE, text=True)
    check(locker.stdout.readline().strip() == "locked", "the locker holds the file")
    locker.wait()
    time.sleep(2)  # a heartbeat stored again
    write(os.path.join(d, "t1-go"), "")
    try:
        p.wait(timeout=200)
    except subprocess.TimeoutExpired:
        p.kill()
        check(False, "the run is still going after 200 s")
    err = open(os.path.join(d, "run.err")).read()
    warn = [x for x in err.split("\n") if "heartbeat" in x and "warning" in x]
    check(len(warn) == 1 and "quad.db" in warn[0] and "run them again" in warn[0] and
          "grace=50" in warn[0], f"one warning naming the storage and the risk: {err!r}")
    check(p.returncode == 0, f"the run ends well: {p.returncode} {err!r}")
    check_study(d, "after the heartbeat's failures")


def test_pg_server_down(d):
    """PostgreSQL: the server stops as trial 1 ends (GPBO_PG_RETRY_SECONDS=3): the result is
    kept (it was lost, the trial ran again), the run stops at its next ask, and once the server
    is back the next run stores it first."""
    pg_dir = os.path.dirname(os.path.abspath(PG_FILE))
    name = f"kept_{os.getpid()}_{int(time.time() * 1000) % 10**9}"
    setup(d, name=name)
    storage = ["--storage", PG_URL]
    env = dict(os.environ, GPBO_PG_RETRY_SECONDS="3")
    p = start_run(d, storage, env)
    up = None
    try:
        if wait_for(lambda: os.path.exists(os.path.join(d, "t1-started")), 60, "trial 1"):
            down = subprocess.run([SCRATCH, "down", pg_dir], capture_output=True, text=True)
            check(down.returncode == 0, f"pg-scratch down: {down.stderr}")
            write(os.path.join(d, "t1-go"), "")
        try:
            p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            check(False, "the run is still going 120 s into the outage")
    finally:
        up = subprocess.run([SCRATCH, "up", pg_dir], capture_output=True, text=True)
    check(up.returncode == 0, f"pg-scratch up: {up.stderr}")
    err = open(os.path.join(d, "run.err")).read()
    check(p.returncode == 1 and "is kept in" in err, f"kept, the run stops: {p.returncode} {err!r}")
    # trial 2, started at trial 1's end, may have ended in the outage too: kept as well
    kept = [os.path.basename(k) for k in
            glob.glob(os.path.join(d, name + ".runs", "unstored", "*.json"))]
    check("trial-000001.json" in kept, f"trial 1's result kept: {kept}")
    r = run(["run", "sweep.yaml"] + storage, d)
    check(r.returncode == 0 and "now stored" in r.stdout,
          f"the next run stores it: {r.returncode} {r.stdout!r} {r.stderr!r}")
    check_study(d, "after the outage", storage)
    check(not glob.glob(os.path.join(d, name + ".runs", "unstored", "*.json")),
          "the kept file is removed once stored")


def main():
    if PG_URL:
        tests = [test_pg_server_down]
    else:
        tests = [test_kept_for_next_run, test_killed_while_telling,
                 test_kept_then_stored_in_the_run, test_heartbeat_warning]
    only = [a for a in sys.argv[2:] if not a.startswith("--pg=")]
    return run_tests(tests, prefix="gpbo-kept-", only=only)


if __name__ == "__main__":
    sys.exit(main())
