#!/usr/bin/python3
"""End-to-end tests of `gpbo run` against hostile objectives and names (issue 14, sections 3
and 4): a metric line with no newline, with CRLF, inside an 8 KiB JSON object, or past the
1 MiB line cap; a flood of 300,000 step lines while another trial finishes and a third times
out; grandchildren that call setsid and outlive their trial; a hyperband eta barely above 1;
study names with ../, / and a newline; --jobs far too large.

Each objective is a tiny program written by the test. Usage: test_run_hostile.py PATH/TO/gpbo
"""
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, run, run_tests, write  # noqa: E402


def kinds_sweep(d, kinds, extra="", name="hostile", gpbo="jobs: 1"):
    """A grid over one categorical `kind`; obj.py does what the kind says."""
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: {name}
    method: grid
    metric: {{name: loss, goal: minimize}}
    parameters:
      kind: {{values: [{", ".join(kinds)}]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    gpbo: {{{gpbo}}}
    """ + textwrap.dedent(extra))


def exported(d, *args):
    r = run(["export", "sweep.yaml", "--format", "json"] + list(args), d)
    check(r.returncode == 0, f"export: {r.stderr}")
    return {t["params"]["kind"]: t for t in json.loads(r.stdout)} if r.returncode == 0 else {}


def stored_steps(db, trial):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT step FROM intermediate WHERE trial = ? ORDER BY step",
                       (trial,)).fetchall()
    con.close()
    return [s for (s,) in rows]


# ---- 3. objective output -----------------------------------------------------------------

OUTPUT_FORMS = """\
    import sys
    kind = sys.argv[1].split("=", 1)[1]
    if kind == "nonl":          # printf loss=0.25, after empty lines
        sys.stdout.write("\\n\\r\\n  \\nloss=0.25")
    elif kind == "crlf":
        sys.stdout.write("noise\\r\\nloss=0.5\\r\\n")
    elif kind == "json8k":      # one JSON object of 8 KiB
        sys.stdout.write('{"loss": 0.75, "pad": "' + "x" * 8192 + '"}\\n')
    elif kind == "plain64k":    # a metric token after 64 KiB of other tokens
        sys.stdout.write("a=1 " * 16384 + "loss=0.875\\n")
    elif kind == "toolong":     # the only metric line is past the 1 MiB cap: skipped
        sys.stdout.write("loss=0.1 " + "y" * (2 << 20) + "\\n")
    elif kind == "overcap":     # one byte more, and a CR: skipped
        sys.stdout.write("loss=0.0625 " + "z" * ((1 << 20) - 11) + "\\r\\n")
    elif kind == "atcap":       # a line of exactly 1 MiB (and CRLF) still counts
        sys.stdout.write("loss=0.0625 " + "z" * ((1 << 20) - 12) + "\\r\\n")
    elif kind == "hugestep":    # a step past a long (fuzz_output's find; UB under UBSan once)
        sys.stdout.write("loss=25 step=" + "1" * 60 + "3\\nloss=0.375 mem=7 step=1e300\\n")
    elif kind == "jsonstep":    # JSON steps as the name=value form takes them (fuzz_output's
        # find: a negative one was a step, and one past 2^53 stored): no steps, final values
        sys.stdout.write('{"loss": 2, "step": -5}\\n{"loss": 0.125, "step": 1e17}\\n'
                         '{"loss": 0.5, "step": 3.0}\\n')
    """


def test_output_forms(d):
    write(os.path.join(d, "obj.py"), OUTPUT_FORMS)
    kinds_sweep(d, ["nonl", "crlf", "json8k", "plain64k", "toolong", "atcap",
                    "overcap", "hugestep", "jsonstep"])
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0, f"output forms: exit {r.returncode}: {r.stderr}")
    t = exported(d)
    for kind, want in [("nonl", 0.25), ("crlf", 0.5), ("json8k", 0.75), ("plain64k", 0.875),
                       ("atcap", 0.0625), ("hugestep", 0.375), ("jsonstep", 0.125)]:
        got = t.get(kind, {})
        check(got.get("state") == "complete" and got.get("value") == want,
              f"{kind}: complete with loss {want}: {got.get('state')} {got.get('value')} "
              f"{got.get('reason')}")
    for kind in ["toolong", "overcap"]:
        got = t.get(kind, {})
        why = got.get("reason") or ""
        check(got.get("state") == "failed" and "no 'loss=<number>' line" in why
              and "1 line longer than 1048576 bytes skipped" in why,
              f"{kind}: failed naming the skipped line: {got}")
    check("trial" in r.stderr and "skipped" in r.stderr, f"skipped line noted: {r.stderr!r}")
    js = t.get("jsonstep", {})
    check([s for s, _ in js.get("intermediate", [])] == [3],
          f"jsonstep: step 3.0 kept, -5 and 1e17 are no steps: {js.get('intermediate')}")


LATIN1 = """\
    import sys
    kind = sys.argv[1].split("=", 1)[1]
    if kind == "name":          # a metric name in Latin-1, not UTF-8: left out
        sys.stdout.buffer.write(b"caf\\xe9=3 ok=4 loss=0.5\\n")
    else:
        print("loss=0.25")
    """


def test_metric_names_not_utf8(d):
    """A metric name that is not UTF-8 is left out; the trial and the run go on (the study,
    whose JSON is UTF-8, failed the tell with 'out of memory' and the run stopped)."""
    write(os.path.join(d, "obj.py"), LATIN1)
    kinds_sweep(d, ["name", "plain"])
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0, f"latin-1 names: exit {r.returncode}: {r.stderr}")
    t = exported(d)
    nm, pl = t.get("name", {}), t.get("plain", {})
    check(nm.get("state") == "complete" and nm.get("value") == 0.5
          and nm.get("metrics") == {"ok": 4, "loss": 0.5}, f"latin-1 name: {nm}")
    check(pl.get("state") == "complete" and pl.get("value") == 0.25, f"the next trial: {pl}")


STDERR_LATIN1 = """\
    import sys
    kind = sys.argv[1].split("=", 1)[1]
    if kind == "crash":         # its last line of stderr, the failure's reason, in Latin-1
        sys.stderr.buffer.write(b"erreur: caf\\xe9 introuvable\\n")
        sys.exit(3)
    print("loss=0.25")
    """


def test_failure_reason_not_utf8(d):
    """A program whose last line of stderr is not UTF-8 fails its trial with that line as the
    reason, stored as UTF-8 (U+FFFD for the byte): `gpbo export --format json` wrote it as it
    was, which is not JSON (json.loads refused the whole export)."""
    write(os.path.join(d, "obj.py"), STDERR_LATIN1)
    kinds_sweep(d, ["crash", "plain"])
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0, f"latin-1 stderr: exit {r.returncode}: {r.stderr}")
    t = exported(d)
    cr = t.get("crash", {})
    check(cr.get("state") == "failed"
          and cr.get("reason") == "exit status 3: erreur: caf\ufffd introuvable",
          f"latin-1 reason: {cr}")
    check(t.get("plain", {}).get("value") == 0.25, f"the next trial: {t.get('plain')}")


FLOOD = """\
    import sys, time
    kind = sys.argv[1].split("=", 1)[1]
    if kind == "flood":         # 300,000 step lines as fast as it can, then the value
        for k in range(0, 300000, 10000):
            sys.stdout.write("".join(f"loss={1.0 + 1.0 / s} step={s}\\n"
                                     for s in range(k + 1, k + 10001)))
        sys.stdout.write("loss=1.0\\n")
    elif kind == "quick":
        time.sleep(1.0)
        print("loss=2.0")
    else:                       # hang: timed out
        time.sleep(1000)
    """


def test_flood_stays_responsive(d):
    write(os.path.join(d, "obj.py"), FLOOD)
    # the timeout leaves room for a loaded machine; the old read loop took 195 s
    kinds_sweep(d, ["flood", "quick", "hang"], gpbo="jobs: 3, timeout: 8")
    t0 = time.time()
    r = run(["run", "sweep.yaml"], d, timeout=120)
    el = time.time() - t0
    check(r.returncode == 0, f"flood: exit {r.returncode}: {r.stderr}")
    check(el < 30, f"flood: the run took {el:.1f} s (< 30 s)")
    t = exported(d)
    fl, qk, hg = t.get("flood", {}), t.get("quick", {}), t.get("hang", {})
    check(fl.get("state") == "complete" and fl.get("value") == 1.0, f"flood trial: {fl}")
    check(qk.get("state") == "complete" and qk.get("value") == 2.0, f"quick trial: {qk}")
    # the quick trial is recorded when it ends, not after the flood has been read
    check(qk.get("seconds") is not None and qk["seconds"] < 6.0,
          f"quick trial recorded after {qk.get('seconds')} s (< 6 s)")
    check(hg.get("state") == "failed" and "timed out" in (hg.get("reason") or "")
          and hg.get("seconds") is not None and hg["seconds"] < 12.0,
          f"hang trial timed out on time: {hg}")
    steps = stored_steps(os.path.join(d, "hostile.db"), fl.get("trial", -1))
    check(1000 <= len(steps) <= 10001, f"flood: {len(steps)} steps stored (1000..10001)")
    check(steps[:1000] == list(range(1, 1001)), "flood: the first 1000 steps are all stored")
    check(steps and steps[-1] == 300000, "flood: the last step is stored")
    print(f"  flood: {el:.1f} s, {len(steps)} of 300000 steps stored, quick trial "
          f"{qk.get('seconds')} s, hang trial {hg.get('seconds')} s")


def test_repeated_step_keeps_last_value(d):
    write(os.path.join(d, "obj.py"), """\
    import sys
    for i in range(50000):
        print(f"loss={i} step=7")
    print("loss=3.5 step=8")
    """)
    kinds_sweep(d, ["only"])
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"repeated step: exit {r.returncode}: {r.stderr}")
    con = sqlite3.connect(os.path.join(d, "hostile.db"))
    rows = con.execute("SELECT step, value FROM intermediate ORDER BY step").fetchall()
    con.close()
    check(rows == [(7, 49999.0), (8, 3.5)], f"repeated step: stored {rows[:5]}")


def test_nan_last_step_fails(d):
    """A program that prints only step lines, the last one NaN or inf (its training diverged),
    fails with the reason naming the value, as a NaN final value does: it used to complete with
    the last finite step's value, the NaN line dropped. A finite step after the NaN one, or a
    final line, still decides. Past 1000 steps, with the step before the NaN one thinned out,
    the trial's end was never stored (the curve's last point written with the NaN: "its result
    not stored", on every run again)."""
    write(os.path.join(d, "obj.py"), """\
    import sys
    kind = sys.argv[1].split("=", 1)[1]
    if kind == "longnan":
        for s in range(1, 1002):
            print(f"loss={1 / s} step={s}")
        print("loss=nan step=1002")
        sys.exit(0)
    print("loss=0.5 step=1")
    print("loss=0.25 step=2")
    if kind in ("nan", "nanthen", "nanfinal"):
        print("loss=nan step=3")
    elif kind == "inf":
        print("loss=inf step=3")
    if kind == "nanthen":
        print("loss=0.125 step=4")
    elif kind == "nanfinal":
        print("loss=0.0625")
    """)
    kinds_sweep(d, ["nan", "inf", "nanthen", "nanfinal", "longnan"])
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0 and "not stored" not in r.stdout + r.stderr,
          f"nan steps: exit {r.returncode}: {r.stderr}")
    t = exported(d)
    got = t.get("longnan", {})
    steps = got.get("intermediate") or [[None, None]]
    check(got.get("state") == "failed" and "nan" in (got.get("reason") or ""),
          f"nan after 1001 steps: {str(got)[:300]}")
    check(steps[-1] == [1001, 1 / 1001], f"nan after 1001 steps: last stored {steps[-1]}")
    for kind, word in (("nan", "nan"), ("inf", "inf")):
        got = t.get(kind, {})
        check(got.get("state") == "failed" and word in (got.get("reason") or ""),
              f"{kind} last step: {got}")
        check(got.get("intermediate") == [[1, 0.5], [2, 0.25]],
              f"{kind} last step: stored {got.get('intermediate')}")
    check(t.get("nanthen", {}).get("state") == "complete" and t["nanthen"]["value"] == 0.125,
          f"finite step after nan: {t.get('nanthen')}")
    check(t.get("nanfinal", {}).get("state") == "complete" and t["nanfinal"]["value"] == 0.0625,
          f"final line after nan: {t.get('nanfinal')}")



def test_nan_step_pruned(d):
    """With a pruner, a trial whose curve diverges (loss=nan, or inf, at a step) while it runs
    is stopped as pruned at once, its finite steps before kept, as Python's
    trial.report(step, nan) makes should_prune() say (Optuna's pruners mostly agree). It ran
    on to its end (60 s here), its NaN step neither stored nor judged. A program that printed
    its result and ended before gpbo read the NaN step is left complete."""
    write(os.path.join(d, "obj.py"), """\
    import sys, time
    kind = sys.argv[1].split("=", 1)[1]
    if kind == "fast":
        print("loss=2 step=0")
        print("loss=nan step=1")
        print("loss=3")
        sys.exit(0)
    print("loss=1.5 step=0", flush=True)
    print(f"loss={kind} step=1", flush=True)
    time.sleep(60)
    print("loss=0.5")
    """)
    kinds_sweep(d, ["nan", "inf", "fast"], "early_terminate: {type: median}\n")
    t0 = time.monotonic()
    r = run(["run", "sweep.yaml"], d, timeout=120)
    check(r.returncode == 0 and time.monotonic() - t0 < 30,
          f"exit {r.returncode} after {time.monotonic() - t0:.0f} s: {r.stderr}")
    t = exported(d)
    for kind in ("nan", "inf"):
        got = t.get(kind, {})
        check(got.get("state") == "pruned" and got.get("intermediate") == [[0, 1.5]],
              f"{kind} step while running: {got}")
    check(t.get("fast", {}).get("state") == "complete" and t["fast"].get("value") == 3,
          f"ended with its result first: {t.get('fast')}")

def test_json_nonfinite(d):
    """Python's json.dumps writes a NaN or infinite float as the bare words NaN, Infinity and
    -Infinity (allow_nan=True, its default), which JSON and jansson refuse: such a line was
    ignored, so that a program printing json.dumps({"loss": loss}) after a finite one completed
    with the earlier value though the last one said its loss was NaN, and a NaN step went
    unseen. Now they read as Python's json.loads reads them; the words inside strings stay."""
    write(os.path.join(d, "obj.py"), """\
    import json, sys
    kind = sys.argv[1].split("=", 1)[1]
    if kind in ("nan", "neginf"):
        print(json.dumps({"loss": 0.5}))
    if kind == "nan":
        print(json.dumps({"loss": float("nan"), "acc": 0.25}))
    elif kind == "neginf":
        print(json.dumps({"acc": 0.25, "loss": float("-inf")}))
    elif kind == "nanstep":
        print(json.dumps({"loss": 0.375, "step": 1}))
        print(json.dumps({"loss": float("inf"), "step": 2}))
    elif kind == "words":     # the words inside strings, and a NaN of another metric
        print(json.dumps({"note": "NaN, Infinity", "loss": 0.125, "acc": float("nan"),
                          "NaN": 3}))
    """)
    kinds_sweep(d, ["nan", "neginf", "nanstep", "words"])
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"json nonfinite: exit {r.returncode}: {r.stderr}")
    t = exported(d)
    for kind, word in (("nan", "nan"), ("neginf", "-inf"), ("nanstep", "inf")):
        got = t.get(kind, {})
        check(got.get("state") == "failed" and f"loss is {word}" in (got.get("reason") or ""),
              f"{kind}: failed as loss {word}: {got}")
    check(t.get("nan", {}).get("metrics", {}).get("acc") == 0.25,
          f"the finite metric beside NaN is kept: {t.get('nan')}")
    check(t.get("nanstep", {}).get("intermediate") == [[1, 0.375]],
          f"the finite step kept: {t.get('nanstep')}")
    w = t.get("words", {})
    check(w.get("state") == "complete" and w.get("value") == 0.125
          and "acc" not in w.get("metrics", {}) and w.get("metrics", {}).get("NaN") == 3,
          f"words in strings: {w}")


def test_finished_before_pruned(d):
    """A trial whose program printed its curve and its result and exited before gpbo read them
    is complete with that result, though the pruner would have stopped it at its first step: it
    was recorded pruned, its printed final value kept among its metrics only (found by the docs
    audit on the README's sweep). Python's stdout to a file is written at exit (gpbo's own
    PYTHONUNBUFFERED=1 is kept out by an empty one, which gpbo leaves as it is), so these
    programs' lines are read after they ended. A trial still running at its bad step is still
    pruned there."""
    write(os.path.join(d, "obj.py"), """\
    import sys, time
    kind = sys.argv[1].split("=", 1)[1]
    if kind == "good":
        print("loss=1 step=1")
        print("loss=0.5 step=2")
        print("loss=0.4")
    elif kind == "slowbad":
        print("loss=20 step=1", flush=True)
        time.sleep(60)
        print("loss=7")
    else:
        print("loss=9 step=1")
        print("loss=8 step=2")
        print("loss=7")
    """)
    fast = ["bad1", "bad2", "bad3", "bad4"]
    kinds_sweep(d, ["good"] + fast + ["slowbad"],
                "early_terminate: {type: median, startup_trials: 1}\n")
    t0 = time.monotonic()
    r = run(["run", "sweep.yaml"], d, timeout=120, env=dict(os.environ, PYTHONUNBUFFERED=""))
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    t = exported(d)
    for kind in fast:
        got = t.get(kind, {})
        check(got.get("state") == "complete" and got.get("value") == 7,
              f"{kind}, ended before it was judged: {got}")
    got = t.get("slowbad", {})
    check(got.get("state") == "pruned" and got.get("intermediate") == [[1, 20]] and
          time.monotonic() - t0 < 50, f"slowbad, judged while it ran: {got}")


GRANDCHILD = """\
    import os, sys, time
    here = os.path.dirname(os.path.abspath(__file__))
    if len(sys.argv) > 2:                 # the loop of a grandchild: tag, then log and print
        tag = sys.argv[2]
        with open(os.path.join(here, tag + ".pid"), "w") as f:
            f.write(str(os.getpid()))
        for i in range(400):              # 20 s of writes, from 2 s on after the trial
            with open(os.path.join(here, tag + ".log"), "a") as f:
                f.write(f"{time.time()}\\n")
            if tag == "holder" and i >= 40:
                print("loss=999", flush=True)
            time.sleep(0.05)
        sys.exit(0)
    print("loss=0.125", flush=True)
    for tag in ("holder", "daemon"):
        if os.fork() == 0:
            os.setsid()                   # leaves the trial's process group
            if os.fork() != 0:            # and is re-parented once its parent exits
                os._exit(0)
            env = dict(os.environ)
            if tag == "holder":           # keeps the trial's stdout, drops the environment:
                env = {}                  # found by the file it holds
            else:                         # lets go of the trial's output: found by the
                fd = os.open(os.devnull, os.O_WRONLY)   # environment it started with
                os.dup2(fd, 1)
                os.dup2(fd, 2)
            os.execve(sys.executable, [sys.executable, __file__, "--kind=only", tag], env)
    for i in range(600):                  # the grandchildren are logging (however loaded
        if all(os.path.exists(os.path.join(here, t + ".log")) for t in ("holder", "daemon")):
            break                         # the machine)
        time.sleep(0.05)
    time.sleep(0.2)
    """


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_setsid_grandchild_dies_with_trial(d):
    write(os.path.join(d, "obj.py"), GRANDCHILD)
    kinds_sweep(d, ["only"])
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"grandchild: exit {r.returncode}: {r.stderr}")
    t = exported(d).get("only", {})
    check(t.get("state") == "complete" and t.get("value") == 0.125, f"grandchild trial: {t}")
    con = sqlite3.connect(os.path.join(d, "hostile.db"))
    (finished,) = con.execute("SELECT finished FROM trials").fetchone()
    con.close()
    for tag in ("holder", "daemon"):
        try:
            with open(os.path.join(d, tag + ".pid")) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            check(False, f"{tag}: the grandchild left no pid")
            continue
        check(not alive(pid), f"{tag}: grandchild {pid} outlived its trial")
        with open(os.path.join(d, tag + ".log")) as f:
            last = float(f.read().split()[-1])
        check(last <= finished, f"{tag}: wrote at {last:.3f}, after its trial was recorded at "
              f"{finished:.3f}")
        if alive(pid):
            os.kill(pid, 9)


def test_hyperband_eta_near_one(d):
    write(os.path.join(d, "obj.py"), 'print("loss=1 step=20")\nprint("loss=1")\n')
    for extra, hint in [("", "set max_iter"), (", max_iter: 20", "lower max_iter")]:
        kinds_sweep(d, ["only"], "early_terminate: {type: hyperband, eta: 1.0000001, "
                    f"min_iter: 1{extra}}}\n")
        # a child of its own, so that its peak RSS is gpbo's alone
        probe = ("import resource, subprocess, sys, time\n"
                 "t = time.time()\n"
                 "try:\n"
                 f"    r = subprocess.run([{GPBO!r}, 'run', 'sweep.yaml'], capture_output=True, "
                 "text=True, timeout=20)\n"
                 "    rc, err = r.returncode, r.stderr\n"
                 "except subprocess.TimeoutExpired:\n"
                 "    rc, err = 'timeout', 'still running after 20 s'\n"
                 "print(rc, time.time() - t, "
                 "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                 "sys.stderr.write(err)\n")
        p = subprocess.run([PY, "-c", probe], cwd=d, capture_output=True, text=True, timeout=90)
        rc, secs, rss_kb = p.stdout.split()
        err = p.stderr.strip()
        check(rc == "2", f"eta 1.0000001{extra}: exit {rc} (2): {err}")
        check(float(secs) < 10, f"eta 1.0000001{extra}: {float(secs):.1f} s (< 10 s)")
        check(int(rss_kb) < 300 * 1024, f"eta 1.0000001{extra}: peak RSS {rss_kb} kB")
        check(len(err.splitlines()) == 1 and "early_terminate" in err and "eta" in err
              and hint in err, f"eta 1.0000001{extra}: one clear line: {err!r}")
        check(not os.path.exists(os.path.join(d, "hostile.db")),
              "a rejected early_terminate creates no database")


def test_hyperband_wandb_brackets(d):
    """W&B's other form of hyperband, max_iter with s brackets ({max_iter: 27, s: 2}: brackets
    at steps 3 and 9), was read as min_iter's with s ignored: rungs at 1, 3, 9 and 27, so a trial
    behind at step 1 was stopped there, and one that ran to step 27 was pruned at its last step.
    Trials in this order: a, 10 until it drops to 2 at its last step, 27; c, 9 throughout (ahead
    of a until step 27, behind it there); b, behind both at steps 1-2 and ahead from 3. The
    rungs compare best values so far."""
    write(os.path.join(d, "obj.py"), """\
    import sys
    kind = sys.argv[1].split("=", 1)[1]
    for s in range(1, 28):
        v = {"a": 10 if s < 27 else 2, "c": 9, "b": 20 if s < 3 else 5}[kind]
        print(f"loss={v} step={s}")
    print(f"loss={v}")
    """)
    kinds_sweep(d, ["a", "c", "b"], "early_terminate: {type: hyperband, max_iter: 27, s: 2}\n")
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"max_iter with s: exit {r.returncode}: {r.stderr}")
    t = exported(d)
    for kind, value in (("a", 2), ("c", 9), ("b", 5)):
        got = t.get(kind, {})
        check(got.get("state") == "complete" and got.get("value") == value
              and len(got.get("intermediate") or []) == 27,
              f"max_iter 27, s 2: trial {kind}: {got.get('state')} {got.get('value')}")
    # its mistakes name the line: s without max_iter, s with min_iter
    for et, word in (("{type: hyperband, s: 2}", "needs max_iter"),
                     ("{type: hyperband, max_iter: 27, s: 2, min_iter: 3}", "not both")):
        kinds_sweep(d, ["a"], f"early_terminate: {et}\n", name="wb2")
        r = run(["run", "sweep.yaml"], d, timeout=60)
        check(r.returncode == 2 and "sweep.yaml:" in r.stderr and word in r.stderr,
              f"early_terminate {et}: {r.returncode} {r.stderr!r}")


def test_median_interval_steps(d):
    """`type: median` takes Optuna's interval_steps: judged at steps warmup_steps + k *
    interval_steps only. The key used to be refused as unknown (and a key of the other rule,
    {type: median, min_iter: 3}, was read and ignored). As Optuna's, the first step a trial
    reports is judged too. bad is ahead of good at step 1 (9 against 20) and behind from step 2
    (against 1); it reports a step every 0.4 s, so it is judged while it runs: at steps 1 and
    3, pruned at 3 (with interval_steps 1, at 2)."""
    write(os.path.join(d, "obj.py"), """\
    import sys, time
    kind = sys.argv[1].split("=", 1)[1]
    for s in range(1, 7):
        v = 9 if kind == "bad" else 20 if s == 1 else 1
        print(f"loss={v} step={s}", flush=True)
        if kind == "bad":
            time.sleep(0.4)
    print(f"loss={v}")
    """)
    kinds_sweep(d, ["good", "bad"],
                "early_terminate: {type: median, startup_trials: 1, interval_steps: 3}\n")
    r = run(["run", "sweep.yaml"], d, timeout=60)
    check(r.returncode == 0, f"interval_steps 3: exit {r.returncode}: {r.stderr}")
    got = exported(d).get("bad", {})
    steps = [s for s, _ in got.get("intermediate") or []]
    check(got.get("state") == "pruned" and steps[:3] == [1, 2, 3] and max(steps) < 6,
          f"interval_steps 3: bad judged first at step 3: {got}")
    for et, word in (("{type: median, min_iter: 3}", "min_iter is not an option of type median"),
                     ("{min_iter: 1, warmup_steps: 2}", "warmup_steps is not an option of type "
                      "hyperband"),
                     ("{type: median, interval_steps: 0}", "interval_steps must be a whole number from 1")):
        kinds_sweep(d, ["good"], f"early_terminate: {et}\n", name="mixed")
        r = run(["run", "sweep.yaml"], d, timeout=60)
        check(r.returncode == 2 and "sweep.yaml:" in r.stderr and word in r.stderr,
              f"early_terminate {et}: {r.returncode} {r.stderr!r}")


def test_args_repeated(d):
    # ${args} three times with three parameters: 9 arguments, more than the template's length
    # plus the parameter count that the argument vector once had room for
    write(os.path.join(d, "obj.py"), 'import sys\nprint(f"loss={len(sys.argv) - 1}")\n')
    write(os.path.join(d, "sweep.yaml"), f"""\
    method: grid
    metric: {{name: loss, goal: minimize}}
    parameters:
      a: {{value: 1}}
      b: {{value: 2}}
      c: {{value: 3}}
    command: ["{PY}", "obj.py", "${{args}}", "${{args}}", "${{args_no_hyphens}}"]
    """)
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0 and "loss=9" in r.stdout, f"${{args}} thrice: {r.stdout} {r.stderr}")


# ---- how a trial's program is started ---------------------------------------------------------

PROGRAM_START = """\
    #!/bin/sh
    kind=${1#--kind=}
    {
      echo "id=$GPBO_TRIAL_ID"
      echo "study=$GPBO_STUDY"
      echo "dir=$GPBO_TRIAL_DIR"
      echo "ids=$(env | grep -c '^GPBO_TRIAL_ID=')"
      echo "cwd=$(pwd)"
      echo "stdin=$(readlink /proc/$$/fd/0)"
      echo "blocked=$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/$$/status)"
      echo "ignored=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status)"
      echo "session=$(cut -d' ' -f6 /proc/$$/stat) pid=$$"
    } > "env-$kind.txt"
    chmod -x "$0"
    echo "loss=0.5"
    """


def test_program_start(d):
    # gpbo starts a trial's program with vfork + execvpe (cli/run.c start_program): the program
    # gets its own session, /dev/null as stdin, the sweep's folder, no blocked signals, default
    # SIGINT/SIGTERM, its own GPBO_* variables (an inherited GPBO_TRIAL_ID replaced, not
    # doubled); a program that cannot start is a failed trial with the reason, and the study goes
    # on. The program takes its own x bit away, so only the first trial can start.
    write(os.path.join(d, "obj.sh"), PROGRAM_START)
    os.chmod(os.path.join(d, "obj.sh"), 0o755)
    write(os.path.join(d, "sweep.yaml"), """\
    name: start
    method: grid
    metric: {name: loss, goal: minimize}
    parameters:
      kind: {values: [a, b, c]}
    command: ["./obj.sh", "${args}"]
    gpbo: {jobs: 1}
    """)
    env = dict(os.environ, GPBO_TRIAL_ID="inherited", GPBO_STUDY="inherited")
    r = subprocess.run([GPBO, "run", "sweep.yaml"], cwd=d, env=env, capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == 0, f"program start: exit {r.returncode}: {r.stderr}")
    con = sqlite3.connect(os.path.join(d, "start.db"))
    rows = con.execute("SELECT id, state, reason FROM trials ORDER BY id").fetchall()
    con.close()
    states = [s for _, s, _ in rows]
    check(len(rows) == 3 and states.count(1) == 1 and states.count(2) == 2,
          f"one trial complete, two failed: {rows}")
    for tid, state, reason in rows:
        if state == 2:
            check(reason is not None and "cannot run './obj.sh'" in reason
                  and "Permission denied" in reason, f"trial {tid}: reason {reason!r}")
    seen = [k for k in "abc" if os.path.exists(os.path.join(d, f"env-{k}.txt"))]
    check(len(seen) == 1, f"exactly one program ran: {seen}")
    if len(seen) != 1:
        return
    with open(os.path.join(d, f"env-{seen[0]}.txt")) as f:
        got = dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)
    tid = [t for t, s, _ in rows if s == 1][0]
    check(got.get("id") == str(tid) and got.get("ids") == "1",
          f"GPBO_TRIAL_ID {got.get('id')!r} (trial {tid}), {got.get('ids')} copies")
    check(got.get("study") == "start", f"GPBO_STUDY {got.get('study')!r}")
    check(got.get("dir", "").endswith("trial-%06d" % tid)
          and os.path.isdir(os.path.join(d, got.get("dir", ""))),
          f"GPBO_TRIAL_DIR {got.get('dir')!r}")
    check(os.path.realpath(got.get("cwd", "")) == os.path.realpath(d), f"cwd {got.get('cwd')!r}")
    check(got.get("stdin") == "/dev/null", f"stdin {got.get('stdin')!r}")
    check(int(got.get("blocked", "1"), 16) == 0, f"blocked signals {got.get('blocked')!r}")
    ignored = int(got.get("ignored", "ffff"), 16)
    check(not ignored & (1 << 1) and not ignored & (1 << 14),
          f"SIGINT/SIGTERM ignored: {got.get('ignored')!r}")
    sid, pid = got.get("session", "0 pid=1").split(" pid=")
    check(sid == pid, f"own session: session {sid}, pid {pid}")


# ---- 4. names are data, never paths ----------------------------------------------------------

def tree(root):
    out = []
    for base, dirs, files in os.walk(root):
        out += [os.path.relpath(os.path.join(base, n), root) for n in dirs + files]
    return sorted(out)


def db_names(db):
    con = sqlite3.connect(db)
    names = [n for (n,) in con.execute("SELECT name FROM studies")]
    con.close()
    return names


def test_names_stay_inside(d):
    sd = os.path.join(d, "a", "b", "sweeps")
    os.makedirs(sd)
    write(os.path.join(sd, "obj.py"), 'print("loss=0.5")\n')
    cases = [  # (name: in the sweep, --study, the file stem expected)
        ("../../escaped", None, "%2E.%2F..%2Fescaped"),
        ("plain", "../../via-flag", "%2E.%2F..%2Fvia-flag"),
        ("team/study", None, "team%2Fstudy"),
        ('"new\\nline"', None, "new%0Aline"),
        ("plain", "..", "%2E."),
        ("plain", "50% off", "50%25%20off"),
    ]
    for name, flag, stem in cases:
        kinds_sweep(sd, ["only"], name=name)
        args = ["run", "sweep.yaml"] + (["--study", flag] if flag else [])
        r = run(args, sd)
        want = flag if flag else json.loads(name) if name.startswith('"') else name
        check(r.returncode == 0, f"name {want!r}: exit {r.returncode}: {r.stderr}")
        db = os.path.join(sd, stem + ".db")
        check(os.path.isfile(db), f"name {want!r}: {stem}.db in the sweep's folder "
              f"({os.listdir(sd)})")
        check(os.path.isdir(os.path.join(sd, stem + ".runs")), f"name {want!r}: {stem}.runs")
        if os.path.isfile(db):
            check(db_names(db) == [want], f"name {want!r} stored as given: {db_names(db)}")
        # the views find the same file
        r = run(["best", "sweep.yaml"] + (["--study", flag] if flag else []), sd)
        check(r.returncode == 0 and "value=0.5" in r.stdout, f"best {want!r}: {r.stderr}")
    everything = tree(d)
    check(all(p.startswith(os.path.join("a", "b", "sweeps")) or p in ("a", "a/b")
              for p in everything), f"a file outside the sweep's folder: {everything}")
    check(not any("\n" in p for p in everything), "a newline in a file name")
    kinds_sweep(sd, ["only"])
    r = run(["run", "sweep.yaml", "--study", ""], sd)
    check(r.returncode == 2 and "empty" in r.stderr, f"--study '': {r.returncode} {r.stderr}")
    r = run(["run", "sweep.yaml", "--study", "x" * 300], sd)
    check(r.returncode == 2 and "--storage" in r.stderr, f"a 300-byte name: {r.stderr}")
    # --storage alone chooses a path
    r = run(["run", "sweep.yaml", "--study", "../../z", "--storage",
             os.path.join(d, "chosen.db")], sd)
    check(r.returncode == 0 and os.path.isfile(os.path.join(d, "chosen.db"))
          and os.path.isdir(os.path.join(d, "chosen.runs")), f"--storage: {r.stderr}")


def test_compare_name_stays_inside(d):
    sd = os.path.join(d, "a", "b")
    os.makedirs(sd)
    write(os.path.join(sd, "c.yaml"), """\
    name: ../../cmp
    strategies: [random]
    problems: [sphere:2]
    seeds: 1
    budget: 3
    jobs: 1
    """)
    r = run(["compare", "c.yaml"], sd)
    check(r.returncode == 0, f"compare ../../cmp: {r.stderr}")
    everything = tree(d)
    for ext in ("db", "csv", "html"):
        check(os.path.join("a", "b", "%2E.%2F..%2Fcmp." + ext) in everything,
              f"compare: %2E.%2F..%2Fcmp.{ext} in its folder: {everything}")
    check(all(p.startswith(os.path.join("a", "b")) or p == "a" for p in everything),
          f"compare: a file outside its folder: {everything}")


# ---- --jobs ------------------------------------------------------------------------------------

def test_jobs_bound(d):
    write(os.path.join(d, "obj.py"), 'print("loss=0.5")\n')
    kinds_sweep(d, ["only"])
    for v in ["100000000000", "0", "1025", "-3", "4x", "99999999999999999999999"]:
        r = run(["run", "sweep.yaml", "--jobs", v], d, timeout=30)
        check(r.returncode == 2 and "--jobs" in r.stderr and "1024" in r.stderr,
              f"--jobs {v}: exit {r.returncode}: {r.stderr!r}")
    with open(os.path.join(d, "sweep.yaml")) as f:
        text = f.read()
    with open(os.path.join(d, "sweep.yaml"), "w") as f:
        f.write(text.replace("gpbo: {jobs: 1}", "gpbo: {jobs: 5000}"))
    r = run(["run", "sweep.yaml"], d, timeout=30)
    check(r.returncode == 2 and "gpbo.jobs" in r.stderr and "1024" in r.stderr,
          f"gpbo.jobs 5000: {r.returncode} {r.stderr}")
    with open(os.path.join(d, "sweep.yaml"), "w") as f:
        f.write(text)
    r = run(["run", "sweep.yaml", "--jobs", "1024"], d, timeout=60)
    check(r.returncode == 0, f"--jobs 1024: {r.returncode} {r.stderr}")


def test_trial_dir_from_elsewhere(d):
    # The program runs in the sweep file's folder, and GPBO_TRIAL_DIR names its trial folder
    # from there: absolute. It was the folder's path from where gpbo was started
    # (`gpbo run sub/sweep.yaml` gave sub/sweep.runs/trial-000000, which the program, in sub/,
    # could not find), with the default storage and with a relative --storage alike.
    os.makedirs(os.path.join(d, "sub"))
    os.makedirs(os.path.join(d, "store"))
    write(os.path.join(d, "sub", "obj.sh"), """\
    #!/bin/sh
    test -d "$GPBO_TRIAL_DIR" || { echo "no folder $GPBO_TRIAL_DIR in $(pwd)" >&2; exit 3; }
    echo "$GPBO_TRIAL_DIR" > "$GPBO_TRIAL_DIR/checkpoint"
    echo "loss=0.5"
    """)
    os.chmod(os.path.join(d, "sub", "obj.sh"), 0o755)
    write(os.path.join(d, "sub", "sweep.yaml"), """\
    name: where
    method: random
    metric: {name: loss, goal: minimize}
    run_cap: 2
    parameters:
      x: {min: 0.0, max: 1.0}
    command: ["./obj.sh", "${args}"]
    """)
    for extra, runs in (([], os.path.join(d, "sub", "where.runs")),
                        (["--storage", "store/w.db"], os.path.join(d, "store", "w.runs")),
                        (["--storage", "sqlite:///./store/v.db"], os.path.join(d, "store", "v.runs"))):
        r = run(["run", "sub/sweep.yaml"] + extra, d)
        check(r.returncode == 0, f"gpbo run sub/sweep.yaml {extra}: {r.returncode} {r.stderr}")
        for t in range(2):
            ck = os.path.join(runs, "trial-%06d" % t, "checkpoint")
            err = os.path.join(runs, "trial-%06d" % t, "stderr")
            said = open(ck).read().strip() if os.path.exists(ck) else None
            check(said is not None and os.path.isabs(said) and
                  os.path.realpath(said) == os.path.realpath(os.path.dirname(ck)),
                  f"{extra} trial {t}: GPBO_TRIAL_DIR {said!r}; stderr "
                  f"{open(err).read() if os.path.exists(err) else None!r}")


def main():
    tests = [test_output_forms, test_flood_stays_responsive, test_repeated_step_keeps_last_value,
             test_setsid_grandchild_dies_with_trial, test_hyperband_eta_near_one,
             test_args_repeated, test_program_start,
             test_names_stay_inside, test_compare_name_stays_inside, test_jobs_bound,
             test_metric_names_not_utf8, test_failure_reason_not_utf8, test_nan_last_step_fails,
             test_nan_step_pruned,
             test_hyperband_wandb_brackets, test_median_interval_steps,
             test_trial_dir_from_elsewhere,
             test_finished_before_pruned, test_json_nonfinite]
    return run_tests(tests, prefix="gpbo-hostile-", only=sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
