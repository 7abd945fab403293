#!/usr/bin/python3
"""End-to-end tests of `gpbo dashboard` (issue 21, "Live dashboard") without a browser: the
server started on a free port (--port 0) against SQLite studies, its JSON endpoints checked
against `gpbo export`, the page self-contained, the storage left as it was, and the exits: bad or
busy port (2, one line), SIGINT / SIGTERM (0), --help (0), and the importance with its intervals.

Usage: test_dashboard.py PATH/TO/gpbo [--pg=URLFILE] [TEST ...]
(--pg: only the PostgreSQL test, on the server whose URL the file holds.)
"""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, cond_trials, run, run_tests, write  # noqa: E402

# x, y, c: three intermediate values, then the loss; trials with x > 2 fail (a reason to show)
OBJ = """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    x, y = float(a["x"]), float(a["y"])
    base = (x - 1) ** 2 + (y + 2) ** 2 + (0.5 if a["c"] == "b" else 0.0)
    for s in range(1, 4):
        print(f"loss={base + 1.0 / s!r} step={s}", flush=True)
    if x > 2:
        sys.exit("too far")
    print(f"loss={base!r}")
    """

# direct connections only: a proxy from the environment must not see 127.0.0.1
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sweep(d, name="quad", run_cap=8):
    write(os.path.join(d, "obj.py"), OBJ)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: {name}
    method: random
    metric: {{name: loss, goal: minimize}}
    run_cap: {run_cap}
    parameters:
      x: {{min: -4.0, max: 4.0}}
      y: {{min: -4.0, max: 4.0}}
      lr: {{min: 0.0001, max: 0.1, distribution: log_uniform_values}}
      c: {{values: [a, b]}}
      k: {{value: 3}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)


class Server:
    """`gpbo dashboard ARGS --port 0` in d; url: where it listens (from its first line)."""

    def __init__(self, d, args):
        self.p = subprocess.Popen([GPBO, "dashboard"] + args + ["--port", "0"], cwd=d,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  errors="replace")
        self.first = self.p.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+/)", self.first)
        check(m, f"dashboard's first line gives its address: {self.first!r}")
        self.url = m.group(1) if m else None

    def get(self, path, method="GET", headers=None, timeout=60):
        """(status, body as text)."""
        req = urllib.request.Request(self.url + path, method=method, headers=headers or {})
        try:
            with HTTP.open(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def json(self, path, timeout=60):
        status, body = self.get(path, timeout=timeout)
        check(status == 200, f"GET {path}: {status} {body[:200]}")
        return json.loads(body)

    def stop(self, sig=signal.SIGTERM):
        """Sends sig; returns (exit status, the rest of stdout, stderr)."""
        self.p.send_signal(sig)
        out, err = self.p.communicate(timeout=60)
        return self.p.returncode, out, err


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_endpoints(d):
    sweep(d)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.returncode} {r.stderr}")
    exported = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    before = digest(os.path.join(d, "quad.db"))
    s = Server(d, ["sweep.yaml"])
    try:
        studies = s.json("api/studies")
        check([x["name"] for x in studies["studies"]] == ["quad"], f"studies: {studies}")
        q = studies["studies"][0]
        states = [t["state"] for t in exported]
        for state in ("complete", "failed", "pruned"):
            check(q[state] == states.count(state), f"{state}: {q[state]} vs {states}")
        check(q["trials"] == 8 and q["run_cap"] == 8, f"progress: {q}")
        check(q["running"] == 0 and q["interrupted"] == 0, f"nothing runs: {q}")
        values = [t["value"] for t in exported if t["state"] == "complete"]
        check(values and q["best"] == min(values), f"best {q['best']} vs {values}")

        study = s.json("api/study?name=quad")
        best = study["best_params"]
        check(best["value"] == min(values), f"best_params: {best}")
        ex_best = next(t for t in exported if t["trial"] == best["trial"])
        check(best["params"]["c"] == ex_best["params"]["c"] and
              abs(best["params"]["x"] - ex_best["params"]["x"]) < 1e-9,
              f"best params {best['params']} vs export {ex_best['params']}")
        kinds = {p["name"]: (p["type"], p["log"]) for p in study["space"]}
        check(kinds["x"] == ("float", False) and kinds["lr"] == ("float", True) and
              kinds["c"][0] == "categorical", f"space: {study['space']}")
        check(next(p for p in study["space"] if p["name"] == "c")["choices"] == ["a", "b"],
              "categories listed")

        trials = s.json("api/trials?name=quad")["trials"]
        check(len(trials) == len(exported), f"{len(trials)} trials vs {len(exported)}")
        for t, e in zip(trials, exported):
            check(t["trial"] == e["trial"] and t["state"] == e["state"], f"trial {t} vs {e}")
            check(t["value"] == e["value"], f"trial {t['trial']} value {t['value']} vs {e['value']}")
            check(t["intermediate"] == e["intermediate"],
                  f"trial {t['trial']} steps {t['intermediate']} vs {e['intermediate']}")
            check(set(t["params"]) == {"x", "y", "lr", "c", "k"}, f"params {t['params']}")
            if t["state"] == "failed":
                check("too far" in (t["reason"] or ""), f"failed trial's reason: {t['reason']}")

        sl = s.json("api/slices?name=quad")
        check(sl["slices"] == [] and sl["why"], f"a random study has no GP to show: {sl}")
        status, body = s.get("api/study?name=nope")
        check(status == 404 and "nope" in json.loads(body)["error"], f"unknown study: {status}")
        status, _ = s.get("api/studies", method="POST")
        check(status == 405, f"POST: {status}")
        status, _ = s.get("nothing-here")
        check(status == 404, f"unknown path: {status}")
        status, page = s.get("")
        check(status == 200 and "<table id=\"trials\"" in page, f"the page: {status}")
        # self-contained: nothing loaded from elsewhere
        check(not re.search(r"(src|href)=\"(https?:)?//", page), "the page loads nothing")
        urls = set(re.findall(r"https?://[^\s\"'<>]*", page))
        check(urls <= {"http://www.w3.org/2000/svg"}, f"no address but SVG's namespace: {urls}")
    finally:
        code, out, err = s.stop(signal.SIGTERM)
    check(code == 0, f"SIGTERM: exit {code} {err}")
    check("stopped" in out, f"says it stopped: {out!r}")
    check(digest(os.path.join(d, "quad.db")) == before, "the database is unchanged")


# y matters ten times as much as x, z not at all
IMP_OBJ = """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    x, y = float(a["x"]), float(a["y"])
    print(f"loss={(x - 1) ** 2 + 10 * (y + 2) ** 2 + (0.3 if a['c'] == 'b' else 0.0)!r}")
    """


def test_importance(d):
    """The GP's importance (inverse lengthscales with Laplace intervals) in /api/slices: on a
    Bayesian study where y matters most and z not at all, over three seeds, y's 1/l is far
    above z's, every estimate lies in its interval, and z's interval (not determined by the
    trials) is wider, in ratio hi/lo, than y's."""
    write(os.path.join(d, "obj.py"), IMP_OBJ)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: imp
    method: bayes
    metric: {{name: loss, goal: minimize}}
    run_cap: 25
    parameters:
      x: {{min: -4.0, max: 4.0}}
      y: {{min: -4.0, max: 4.0}}
      z: {{min: -4.0, max: 4.0}}
      c: {{values: [a, b]}}
      k: {{value: 3}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    for seed in (1, 2, 3):
        db = f"imp{seed}.db"
        r = run(["run", "sweep.yaml", "--storage", db, "--seed", str(seed)], d, timeout=300)
        check(r.returncode == 0, f"seed {seed}: gpbo run: {r.stderr}")
        s = Server(d, ["--storage", db])
        try:
            imp = {e["param"]: e for e in s.json("api/slices?name=imp").get("importance", [])}
        finally:
            s.stop()
        check(set(imp) == {"x", "y", "z", "c"}, f"seed {seed}: every varying parameter: {imp}")
        if set(imp) != {"x", "y", "z", "c"}:
            continue
        check(all(e["lo"] is not None and e["lo"] <= e["value"] <= e["hi"] for e in imp.values()),
              f"seed {seed}: each estimate inside its interval: {imp}")
        y, z = imp["y"], imp["z"]
        check(y["value"] > 5 * z["value"], f"seed {seed}: y before z: {y} {z}")
        if y["lo"] and z["lo"]:
            check(z["hi"] / z["lo"] > y["hi"] / y["lo"],
                  f"seed {seed}: z's interval wider than y's: {y} {z}")


def test_storage_all_studies(d):
    sweep(d, run_cap=3)
    for study in ("first", "second"):
        r = run(["run", "sweep.yaml", "--storage", "all.db", "--study", study], d, timeout=300)
        check(r.returncode == 0, f"gpbo run --study {study}: {r.stderr}")
    s = Server(d, ["--storage", "all.db"])
    try:
        names = [x["name"] for x in s.json("api/studies")["studies"]]
        check(names == ["first", "second"], f"every study: {names}")
        check(len(s.json("api/trials?name=second")["trials"]) == 3, "second's trials")
        check(s.json("api/studies")["studies"][0]["run_cap"] is None, "no sweep: no run cap")
    finally:
        code, _, err = s.stop(signal.SIGINT)
    check(code == 0, f"SIGINT: exit {code} {err}")
    s = Server(d, ["--storage", "all.db", "--study", "second"])
    try:
        names = [x["name"] for x in s.json("api/studies")["studies"]]
        check(names == ["second"], f"--study: only it: {names}")
        status, _ = s.get("api/trials?name=first")
        check(status == 404, f"a study not shown: {status}")
    finally:
        s.stop()


def test_waits_for_its_study(d):
    """Started before the run: serves an empty list and creates no database."""
    sweep(d)
    s = Server(d, ["sweep.yaml"])
    try:
        studies = s.json("api/studies")
        check(studies["studies"] == [] and studies["study"] == "quad", f"waiting: {studies}")
        check(not os.path.exists(os.path.join(d, "quad.db")), "no database created")
    finally:
        s.stop()


def test_not_utf8(d):
    """Names and reasons that are not UTF-8 (a study named by --study in Latin-1, a reason stored
    before reasons were repaired, a storage file's name, a request's name) are shown with U+FFFD:
    jansson refused the string, so the study vanished from the list, the trial from the table,
    every /api/studies of such a storage was a 500, and a request for ?name=%FF had its
    connection dropped with no answer."""
    sweep(d, run_cap=3)
    r = subprocess.run([GPBO, "run", "sweep.yaml", "--storage", "bad.db", "--study", b"q\xff"],
                       cwd=d, capture_output=True, timeout=300)
    check(r.returncode == 0, f"gpbo run --study q\\xff: {r.stderr!r}")
    import sqlite3
    con = sqlite3.connect(os.path.join(d, "bad.db"))
    con.execute("UPDATE trials SET reason = CAST(? AS TEXT) WHERE id = 1", (b"f\xe9l\xe9",))
    con.commit()
    con.close()
    s = Server(d, ["--storage", "bad.db"])
    try:
        names = [x["name"] for x in s.json("api/studies")["studies"]]
        check(names == ["q\ufffd"], f"the study is listed: {names}")
        trials = s.json("api/trials?name=" + urllib.parse.quote("q\ufffd"))["trials"]
        check([t["trial"] for t in trials] == [0, 1, 2], f"every trial: {trials}")
        check(len(trials) == 3 and trials[1]["reason"] == "f\ufffdl\ufffd",
              f"the reason, repaired: {trials}")
        check(s.json("api/study?name=q%EF%BF%BD")["trials"] == 3, "the study by its shown name")
        for name in ("%FF", "%E2%82%AC" * 400 + "%FF"):
            try:
                status, body = s.get("api/study?name=" + name)
                check(status == 404 and "error" in json.loads(body), f"?name={name[:12]}: {status}")
            except OSError as e:
                check(False, f"?name={name[:12]}: no answer ({e})")
    finally:
        s.stop()
    os.rename(os.path.join(d, "bad.db"), os.path.join(os.fsencode(d), b"l\xe9.db"))
    s = Server(d, ["--storage", b"l\xe9.db"])
    try:
        status, body = s.get("api/studies")
        check(status == 200 and json.loads(body)["storage"] == "l\ufffd.db",
              f"a storage named in Latin-1: {status} {body[:200]}")
    finally:
        s.stop()


def test_host_header(d):
    """DNS rebinding: a page of evil.example whose name is made to resolve to 127.0.0.1 reads
    the study through a visitor's browser, its requests naming evil.example in Host. A server on
    a loopback address answers only an IP address, localhost or --host (before: everything)."""
    sweep(d, run_cap=2)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    s = Server(d, ["sweep.yaml"])
    try:
        port = s.url.rsplit(":", 1)[1].strip("/")
        for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}",
                     "localhost.evil.example", "[::1"):
            for path in ("", "api/studies", "api/trials?name=quad"):
                status, _ = s.get(path, headers={"Host": host})
                check(status == 403, f"Host: {host}, /{path}: {status}")
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LocalHost", "127.0.0.1",
                     f"[::1]:{port}"):
            status, _ = s.get("api/studies", headers={"Host": host})
            check(status == 200, f"Host: {host}: {status}")
    finally:
        s.stop()


def test_worker_holds_the_lock(d):
    """While a worker holds SQLite's write lock (a transaction of gpbo run), the dashboard
    answers at once: listing the studies opened the storage as a run does, BEGIN IMMEDIATE and
    all, so every request waited for the worker's commit (its single thread with it)."""
    sweep(d, run_cap=2)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    import sqlite3
    import time
    s = Server(d, ["sweep.yaml"])
    con = sqlite3.connect(os.path.join(d, "quad.db"), isolation_level=None)
    try:
        s.json("api/study?name=quad")  # the study's handle, opened before the worker writes
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE trials SET heartbeat = heartbeat WHERE id = 0")
        for path in ("api/studies", "api/study?name=quad", "api/trials?name=quad"):
            t0 = time.time()
            try:
                status, _ = s.get(path, timeout=10)
                took = time.time() - t0
                check(status == 200 and took < 2, f"/{path} under a worker's lock: {status}, "
                                                  f"{took:.1f} s")
            except OSError as e:
                check(False, f"/{path} under a worker's lock: no answer in 10 s ({e})")
    finally:
        con.execute("COMMIT")
        con.close()
        s.stop()


def test_study_made_again(d):
    """The study's file removed while the dashboard runs and made again by a new run (same
    name, fewer trials): the dashboard shows the new study, and a page's cursor from the old one
    gets every trial of the new (before: the handles kept reading the removed file, so the page
    showed the old study's trials for as long as the server ran)."""
    sweep(d, run_cap=3)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    s = Server(d, ["sweep.yaml"])
    try:
        old = s.json("api/trials?name=quad")
        check(len(old["trials"]) == 3, f"the first study: {len(old['trials'])} trials")
        os.remove(os.path.join(d, "quad.db"))
        check(s.json("api/studies")["studies"] == [], "no study while the file is gone")
        sweep(d, run_cap=1)
        r = run(["run", "sweep.yaml"], d, timeout=300)
        check(r.returncode == 0, f"gpbo run again: {r.stderr}")
        q = s.json("api/studies")["studies"]
        check([x["trials"] for x in q] == [1], f"the new study's count: {q}")
        new = s.json("api/trials?name=quad&since=" + urllib.parse.quote(old["cursor"]))
        check(new["full"] is True and [t["trial"] for t in new["trials"]] == [0],
              f"the old cursor: every trial of the new study ({new['full']}, "
              f"{len(new['trials'])} trials)")
        study = s.json("api/study?name=quad")
        check(study["trials"] == 1, f"its progress: {study}")
    finally:
        s.stop()


def big_study(d, ntrials=5000, nsteps=100):
    """quad (two trials run by gpbo run) grown to ntrials complete trials of nsteps intermediate
    values each, written into its SQLite file as workers would have; returns the database's
    path. Trial t's value is 10 + t / ntrials (trial 0's and 1's are smaller: the best)."""
    import sqlite3
    sweep(d, run_cap=2)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    db = os.path.join(d, "quad.db")
    con = sqlite3.connect(db)
    sid, params, started = con.execute(
        "SELECT study, params, started FROM trials WHERE id = 0").fetchone()
    con.executemany(
        "INSERT INTO trials(study, id, state, value, params, started, finished, worker, "
        "heartbeat) VALUES (?, ?, 1, ?, ?, ?, ?, 'otherhost:1:0', 0)",
        ((sid, t, 10 + t / ntrials, params, started, started + 1) for t in range(2, ntrials)))
    con.executemany("INSERT INTO intermediate(study, trial, step, value) VALUES (?, ?, ?, ?)",
                    ((sid, t, s, 10 + t / ntrials + 1.0 / s) for t in range(2, ntrials)
                     for s in range(1, nsteps + 1)))
    con.commit()
    con.close()
    return db


def test_incremental_trials(d):
    """/api/trials?since=CURSOR answers only the trials that changed after the answer that gave
    CURSOR, on a study of 5000 trials x 100 intermediate values: a poll after a quiet period is
    a few hundred bytes (before: every poll resent every trial, about 13 MB), a trial that
    starts, reports steps, and ends reaches the poll that follows each change, and a cursor that
    is not the server's gets every trial. Prints the bytes of each kind of poll."""
    import sqlite3
    import time
    db = big_study(d)
    s = Server(d, ["sweep.yaml"])
    con = sqlite3.connect(db, isolation_level=None)
    sid = con.execute("SELECT id FROM studies").fetchone()[0]
    try:
        status, body = s.get("api/trials?name=quad")
        full = json.loads(body)
        check(status == 200 and full.get("full") and len(full["trials"]) == 5000,
              f"the first answer: every trial ({status}, {len(full.get('trials', []))})")
        check(all(len(t["intermediate"]) == 100 for t in full["trials"][2:]), "100 steps each")
        sizes = {"full": len(body.encode())}

        def poll(what, cursor):
            status, body = s.get("api/trials?name=quad&since=" + urllib.parse.quote(cursor))
            check(status == 200, f"{what}: {status} {body[:200]}")
            sizes[what] = len(body.encode())
            return json.loads(body)

        quiet = poll("quiet", full.get("cursor", ""))
        check(quiet.get("full") is False and quiet["trials"] == [],
              f"quiet: nothing ({len(quiet['trials'])} trials)")
        check(sizes["quiet"] <= 200, f"a quiet poll's bytes: {sizes['quiet']}")
        quiet2 = poll("quiet", quiet.get("cursor", ""))
        check(quiet2["trials"] == [], f"again quiet: {len(quiet2['trials'])} trials")
        # a worker starts trial 5000 (running), it reports steps, then ends with the best value
        now = time.time()
        con.execute("INSERT INTO trials(study, id, state, params, started, worker, heartbeat) "
                    "SELECT study, 5000, 0, params, ?, 'otherhost:1:0', ? FROM trials "
                    "WHERE id = 0", (now, now))
        con.execute("INSERT INTO intermediate VALUES (?, 5000, 1, 0.5), (?, 5000, 2, 0.25)",
                    (sid, sid))
        started = poll("one started", quiet2["cursor"])
        check([(t["trial"], t["state"], len(t["intermediate"])) for t in started["trials"]] ==
              [(5000, "running", 2)], f"the new running trial: {started['trials']}")
        con.execute("INSERT INTO intermediate VALUES (?, 5000, 3, 0.125)", (sid,))
        stepped = poll("one stepped", started["cursor"])
        check([(t["trial"], t["intermediate"][-1]) for t in stepped["trials"]] ==
              [(5000, [3, 0.125])], f"its new step: {stepped['trials']}")
        con.execute("UPDATE trials SET state = 1, value = 0.0625, finished = ? "
                    "WHERE study = ? AND id = 5000", (now + 1, sid))
        ended = poll("one ended", stepped["cursor"])
        check([(t["trial"], t["state"], t["value"]) for t in ended["trials"]] ==
              [(5000, "complete", 0.0625)], f"its end: {ended['trials']}")
        check(sizes["one ended"] < 5000, f"one trial's bytes: {sizes['one ended']}")
        study = s.json("api/study?name=quad")
        check(study["trials"] == 5001 and study["complete"] == 5001 and study["best"] == 0.0625
              and study["best_params"]["trial"] == 5000, f"counts and best: {study}")
        after = poll("quiet", ended["cursor"])
        check(after["trials"] == [], f"quiet after the end: {after['trials']}")
        # cursors that are not this server's: every trial again
        for bad in ("", "x", "1.1", full["cursor"].split(".")[0] + ".999999999"):
            status, body = s.get("api/trials?name=quad&since=" + urllib.parse.quote(bad))
            j = json.loads(body) if status == 200 else {}
            check(j.get("full") is True and len(j.get("trials", [])) == 5001,
                  f"since={bad!r}: every trial ({status}, full={j.get('full')})")
    finally:
        con.close()
        s.stop()
    print("bytes of /api/trials, 5000 trials x 100 intermediate values: "
          f"every trial (each poll before since=) {sizes['full']}; a poll after a quiet period "
          f"{sizes['quiet']}; a poll after one trial started {sizes['one started']}, "
          f"stepped {sizes['one stepped']}, ended {sizes['one ended']}")


def big_bayes(d, ntrials=500):
    """imp (a Bayesian study: IMP_OBJ over x, y, z, c; two trials run by gpbo run) grown to
    ntrials complete trials at random points, written into imp.db as workers would have: its GP
    fit takes seconds. Returns (the database's path, its study id)."""
    import random
    import sqlite3
    write(os.path.join(d, "obj.py"), IMP_OBJ)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: imp
    method: bayes
    metric: {{name: loss, goal: minimize}}
    run_cap: 2
    parameters:
      x: {{min: -4.0, max: 4.0}}
      y: {{min: -4.0, max: 4.0}}
      z: {{min: -4.0, max: 4.0}}
      c: {{values: [a, b]}}
    command: ["{PY}", "obj.py", "${{args}}"]
    """)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    db = os.path.join(d, "imp.db")
    con = sqlite3.connect(db)
    sid, started = con.execute("SELECT study, started FROM trials WHERE id = 0").fetchone()
    rng = random.Random(2.385)
    rows = []
    for t in range(2, ntrials):
        x, y, z = (rng.uniform(-4, 4) for _ in range(3))
        c = rng.randrange(2)
        rows.append((sid, t, (x - 1) ** 2 + 10 * (y + 2) ** 2 + 0.3 * c, f"[{x!r},{y!r},{z!r},{c}]",
                     started, started + 1))
    con.executemany("INSERT INTO trials(study, id, state, value, params, started, finished, "
                    "worker, heartbeat) VALUES (?, ?, 1, ?, ?, ?, ?, 'otherhost:1:0', 0)", rows)
    con.commit()
    con.close()
    return db, sid


def test_slow_request(d):
    """While /api/slices fits the GP of a study of 500 trials (seconds), the same study's
    progress and trials, the list of studies and the page are answered, each before the fit
    ends (before: one thread answered every request, so they waited for the fit)."""
    import threading
    import time
    big_bayes(d)
    s = Server(d, ["--storage", "imp.db"])
    slow = {}

    def fit():
        slow["t0"] = time.time()
        slow["answer"] = s.get("api/slices?name=imp", timeout=1200)
        slow["t1"] = time.time()

    try:
        s.json("api/study?name=imp")  # the study opened: what follows waits for no loading
        th = threading.Thread(target=fit)
        th.start()
        time.sleep(0.5)  # the fit has begun (it takes seconds)
        cheap = []
        for path in ("api/studies", "api/study?name=imp", "api/trials?name=imp", ""):
            t0 = time.time()
            status, _ = s.get(path, timeout=1200)
            cheap.append((path, status, t0, time.time()))
        th.join()
        status, body = slow["answer"]
        check(status == 200 and json.loads(body)["slices"], f"the slices: {status} {body[:200]}")
        took = slow["t1"] - slow["t0"]
        check(took > 1.0, f"the fit took {took:.2f} s: too fast to show anything (more trials)")
        for path, status, t0, t1 in cheap:
            check(status == 200 and t0 < slow["t1"] and t1 < slow["t1"],
                  f"/{path} sent {t0 - slow['t0']:.2f} s into the fit of {took:.2f} s, answered "
                  f"{t1 - slow['t0']:.2f} s into it ({status})")
        print(f"the fit: {took:.2f} s; the other requests answered within "
              f"{max(t1 - t0 for _, _, t0, t1 in cheap):.3f} s")
    finally:
        s.stop()


def test_cached_slices(d):
    """/api/slices on an unchanged study is the answer kept, no new fit (its "fits" stays 1,
    "cached" is true; before: a fit at every call), still so when a trial starts and reports a
    step (the model sees only ended trials), and a fit again once that trial ends."""
    import sqlite3
    import time
    db, sid = big_bayes(d, ntrials=40)
    s = Server(d, ["--storage", "imp.db"])
    try:
        first = s.json("api/slices?name=imp")
        check(first.get("fits") == 1 and first.get("cached") is False and first["slices"],
              f"the first call fits: fits={first.get('fits')} cached={first.get('cached')}")
        again = s.json("api/slices?name=imp")
        check(again.get("fits") == 1 and again.get("cached") is True,
              f"unchanged: no new fit ({again.get('fits')}, {again.get('cached')})")
        check(again["slices"] == first["slices"], "the answer kept is the same")
        con = sqlite3.connect(db, isolation_level=None)
        now = time.time()
        con.execute("INSERT INTO trials(study, id, state, params, started, worker, heartbeat) "
                    "SELECT study, 40, 0, params, ?, 'otherhost:1:0', ? FROM trials "
                    "WHERE id = 0", (now, now))
        con.execute("INSERT INTO intermediate VALUES (?, 40, 1, 3.0)", (sid,))
        running = s.json("api/slices?name=imp")
        check(running.get("fits") == 1 and running.get("cached") is True,
              f"a trial running: no new fit ({running.get('fits')}, {running.get('cached')})")
        con.execute("UPDATE trials SET state = 1, value = 2.385, finished = ? "
                    "WHERE study = ? AND id = 40", (now + 1, sid))
        con.close()
        ended = s.json("api/slices?name=imp")
        check(ended.get("fits") == 2 and ended.get("cached") is False,
              f"a trial ended: a new fit ({ended.get('fits')}, {ended.get('cached')})")
        three = s.json("api/slices?name=imp")
        check(three.get("fits") == 2 and three.get("cached") is True,
              f"then kept again ({three.get('fits')}, {three.get('cached')})")
    finally:
        s.stop()


def import_study(d, storage, name, nparams, ntrials=10, method="random", seed=5):
    """Study name in storage with nparams floats x00.. (xI in [0, I + 1]) and ntrials complete
    trials at random points, made by gpbo import (no objective runs)."""
    import random
    params = "".join(f"  x{i:02d}: {{min: 0.0, max: {i + 1}.0}}\n" for i in range(nparams))
    write(os.path.join(d, "sweep.yaml"), f"name: {name}\nmethod: {method}\nrun_cap: {max(100, ntrials)}\n"
          "metric: {name: loss, goal: minimize}\nparameters:\n" + params +
          f'command: ["{PY}", "obj.py", "${{args}}"]\n')
    rng = random.Random(seed)
    rows = ["trial,state,value," + ",".join(f"x{i:02d}" for i in range(nparams))]
    for t in range(ntrials):
        x = [rng.uniform(0, i + 1) for i in range(nparams)]
        rows.append(f"{t},complete,{sum((v - 0.3 * (i + 1)) ** 2 for i, v in enumerate(x))!r},"
                    + ",".join(repr(v) for v in x))
    write(os.path.join(d, "trials.csv"), "\n".join(rows) + "\n")
    r = run(["import", "sweep.yaml", "trials.csv", "--storage", storage], d)
    check(r.returncode == 0, f"import {name}: {r.stdout} {r.stderr}")


def noisy_study(d, storage, name, seed, method="bayes", sd=0.25, ntrials=30):
    """Study name in storage (gpbo import, no objective run): ntrials complete trials at random
    points of x in [0, 1], y in [0, 2], valued by a bowl plus Gaussian noise of standard
    deviation sd, both drawn from seed. With noise, the study's model often recommends (gpbo
    best --by model) another trial than the best observed one."""
    import random
    write(os.path.join(d, "sweep.yaml"), f"name: {name}\nmethod: {method}\n"
          f"run_cap: {max(100, ntrials)}\n"
          "metric: {name: loss, goal: minimize}\nparameters:\n  x: {min: 0.0, max: 1.0}\n"
          f'  y: {{min: 0.0, max: 2.0}}\ncommand: ["{PY}", "obj.py", "${{args}}"]\n')
    rng = random.Random(seed)
    rows = ["trial,state,value,x,y"]
    for t in range(ntrials):
        x, y = rng.uniform(0, 1), rng.uniform(0, 2)
        v = (x - 0.3) ** 2 + (y - 0.6) ** 2 + rng.gauss(0, sd)
        rows.append(f"{t},complete,{v!r},{x!r},{y!r}")
    write(os.path.join(d, "trials.csv"), "\n".join(rows) + "\n")
    r = run(["import", "sweep.yaml", "trials.csv", "--storage", storage], d)
    check(r.returncode == 0, f"import {name}: {r.stdout} {r.stderr}")


def close(a, b):
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))


def test_recommended(d):
    """/api/slices gives the trial the study's model recommends ("recommended": trial, observed
    value, predicted value, parameters), the one gpbo best --by model gives, computed with the
    slices' fit and kept with them (a second call: cached, no new fit); null for a study without
    a model. Noisy studies over 10 seeds: the recommendation differs from the best observed trial
    (/api/study's best_trial) on at least 2 (the old server had no "recommended" at all)."""
    differ = 0
    for seed in range(10):
        noisy_study(d, "st.db", f"n{seed}", seed)
    noisy_study(d, "st.db", "rnd", 99, method="random", ntrials=8)
    s = Server(d, ["--storage", "st.db"])
    try:
        for seed in range(10):
            name = f"n{seed}"
            got = s.json(f"api/slices?name={name}")
            rec = got.get("recommended")
            b = run(["best", "--storage", "st.db", "--study", name, "--by", "model"], d)
            model = dict(l.split("=", 1) for l in b.stdout.split())
            check(rec and "trial" in model and rec["trial"] == int(model["trial"]) and
                  close(rec["value"], model["value"]) and
                  close(rec["predicted"], model["predicted"]) and
                  close(rec["params"]["x"], model["x"]) and close(rec["params"]["y"], model["y"]),
                  f"{name}: recommended {rec}, gpbo best --by model {model}")
            best = s.json(f"api/study?name={name}")["best_trial"]
            differ += bool(rec) and rec["trial"] != best
            again = s.json(f"api/slices?name={name}")
            check(again.get("cached") is True and again.get("fits") == got.get("fits") and
                  again.get("recommended") == rec, f"{name}: the recommendation kept: {again}")
        print(f"the recommendation differs from the best observed in {differ} of 10 studies")
        check(differ >= 2, f"only {differ} of 10 noisy studies where they differ")
        rnd = s.json("api/slices?name=rnd")
        check("recommended" in rnd and rnd["recommended"] is None and
              "recommended_why" not in rnd, f"a random study: null: {rnd}")
    finally:
        s.stop()


def test_slices_subset(d):
    """/api/slices of Bayesian studies of 1100 and 700 imported trials: past 1000
    (CLI_MODEL_SUBSET, GPBO_RECOMMEND_MAX_OBS) the model is fitted on a subset of 1000 of the
    observations, said in the JSON ("subset", "observations", "observations_total"), each numeric
    parameter's slice drawn from it and the importance with it, and the recommendation comes from
    that same model, said too ("observations": 1000 in "recommended"); studies of 700 and 40
    trials are no subset, their recommendation from the model of them all. The values are a bowl
    without noise: the model sees none, and recommends the best observed trial (/api/study's
    best_trial). Before, the server refitted the exact GP of every trial for the recommendation
    (up to 1000 of them, each time a trial ended: 700 gave "recommended" without "observations")
    and gave none past 1000 (1100: null); then it fitted 500 of them past 500, and its
    recommendation was not gpbo best --by model's (test_recommended_past_subset)."""
    import_study(d, "big.db", "big", 4, ntrials=1100, method="bayes")
    import_study(d, "big.db", "mid", 4, ntrials=700, method="bayes", seed=6)
    import_study(d, "big.db", "small", 4, ntrials=40, method="bayes")
    s = Server(d, ["--storage", "big.db"])
    try:
        for name, total, held in (("big", 1100, 1000), ("mid", 700, 700), ("small", 40, 40)):
            big = s.json(f"api/slices?name={name}", timeout=900)
            check(big.get("subset") is (held < total) and big.get("observations") == held and
                  big.get("observations_total") == total,
                  f"{name}: {held} of {total}: {dict((k, big.get(k)) for k in ('subset', 'observations', 'observations_total', 'why'))}")
            check(sorted(x["param"] for x in big.get("slices", [])) == ["x00", "x01", "x02", "x03"]
                  and all(len(x["mean"]) == 48 and None not in x["mean"]
                          for x in big.get("slices", [])),
                  f"{name}: a slice per parameter: {[x['param'] for x in big.get('slices', [])]}")
            check(len(big.get("importance", [])) == 4, f"{name}: the importance: {big.get('importance')}")
            rec = big.get("recommended") or {}
            best = s.json(f"api/study?name={name}")["best_trial"]
            check(rec.get("observations") == held and "recommended_why" not in big,
                  f"{name}: recommended by the model of {held}: {rec} {big.get('recommended_why')!r}")
            check(rec.get("trial") == best,
                  f"{name}: no noise: the best observed trial {best}, recommended {rec.get('trial')}")
    finally:
        s.stop()


def test_recommended_past_subset(d):
    """Noisy studies of 600 and 1100 trials: the dashboard's "recommended" is gpbo best --by
    model's, the same trial, observed and predicted value, and count of observations (1000 of
    1100: gpbo best says so on stderr; all 600), and the slices come from that model ("subset",
    "observations"). Before, the dashboard recommended from its slices' model of 500 past 500
    observations, a model of 500 where gpbo best's holds 600 or 1000: for these data at 600 the
    same trial with another predicted value (-0.021 against 0.013), at 1100 another trial (1091
    against 139); the counts of observations differ whatever the data."""
    for n in (600, 1100):
        noisy_study(d, "st.db", f"n{n}", 3, sd=0.25, ntrials=n)
    s = Server(d, ["--storage", "st.db"])
    try:
        for n in (600, 1100):
            name, held = f"n{n}", min(n, 1000)
            got = s.json(f"api/slices?name={name}", timeout=900)
            rec = got.get("recommended") or {}
            b = run(["best", "--storage", "st.db", "--study", name, "--by", "model"], d,
                    timeout=900)
            model = dict(l.split("=", 1) for l in b.stdout.split())
            note = f"the recommendation of the model of 1000 of the {n} observations"
            check(b.returncode == 0 and (note in b.stderr) == (n > 1000),
                  f"{name}: gpbo best --by model: {b.returncode} {b.stderr!r}")
            check("trial" in model and rec.get("trial") == int(model["trial"]) and
                  close(rec.get("value"), model["value"]) and
                  close(rec.get("predicted"), model["predicted"]) and
                  close(rec["params"]["x"], model["x"]) and close(rec["params"]["y"], model["y"]),
                  f"{name}: recommended {rec}, gpbo best --by model {model}")
            check(rec.get("observations") == held and got.get("observations") == held and
                  got.get("observations_total") == n and got.get("subset") is (n > 1000),
                  f"{name}: the model of {held} of {n}: recommended {rec.get('observations')}, "
                  f"{dict((k, got.get(k)) for k in ('subset', 'observations', 'observations_total'))}")
    finally:
        s.stop()


def test_slices_of_many_parameters(d):
    """/api/slices of a Bayesian study of 70 parameters: slice_json decoded the slice's points
    into a double[64] only when the space had at most 64 parameters, so every x of every slice
    was null. Now each slice's x runs over its parameter's range, from the middle of its first
    48th to that of its last."""
    import_study(d, "wide.db", "wide", 70, method="bayes")
    s = Server(d, ["--storage", "wide.db"])
    try:
        got = s.json("api/slices?name=wide")
        slices = {x["param"]: x for x in got["slices"]}
        check(len(slices) == 70, f"a slice per parameter: {len(slices)} ({got.get('why')})")
        for i in range(70):
            x = slices.get(f"x{i:02d}", {}).get("x", [])
            hi = i + 1.0
            ok = (len(x) == 48 and None not in x and all(b > a for a, b in zip(x, x[1:])) and
                  abs(x[0] - hi * 0.5 / 48) < 1e-9 * hi and abs(x[-1] - hi * 47.5 / 48) < 1e-9 * hi)
            check(ok, f"x{i:02d}'s slice over 0..{hi}: x = {x[:3]}...{x[-2:]}")
            if not ok:
                break
    finally:
        s.stop()


def test_many_studies(d):
    """A storage of 70 studies: the server kept 64 open and closed the least recently used
    one to open another, so each /api/studies (which takes every study in turn) closed and
    reopened all 70 at every poll (reading each one whole again), and a page's cursor of one
    study was another opening's after one poll of the list: its next /api/trials?since= was
    the whole study again. Now every listed study stays open: an unchanged study answers an
    empty change after any number of polls of the list."""
    for k in range(70):
        import_study(d, "many.db", f"s{k:02d}", 2, ntrials=3, seed=k)
    s = Server(d, ["--storage", "many.db"])
    try:
        first = s.json("api/trials?name=s00")
        check(first["full"] and len(first["trials"]) == 3, f"s00's trials: {first}")
        for _ in range(2):
            studies = s.json("api/studies")["studies"]
            check(len(studies) == 70 and all("error" not in x for x in studies),
                  f"70 studies listed: {len(studies)} {[x for x in studies if 'error' in x][:2]}")
        later = s.json("api/trials?name=s00&since=" + urllib.parse.quote(first["cursor"]))
        check(not later["full"] and later["trials"] == [] and later["cursor"] == first["cursor"],
              f"s00 stayed open: nothing changed since its cursor: full={later['full']} "
              f"{len(later['trials'])} trials, cursor {first['cursor']} -> {later['cursor']}")
    finally:
        s.stop()


def test_slice_of_an_inactive_parameter(d):
    """/api/slices along a conditional parameter inactive at the best trial (mom, when:
    {opt: sgd}, the best trial an adam one): its slice went through the best trial, where every
    point decoded to NaN, so its x was all null and the page drew nothing for it. It now goes
    through the best trial in which mom is active ("trial" says which; the others' is the
    best), with every x set over mom's range; the page says "through trial N"."""
    sgd_best = cond_trials(d)
    s = Server(d, ["sweep.yaml"])
    try:
        study = s.json("api/study?name=cond")
        got = {x["param"]: x for x in s.json("api/slices?name=cond")["slices"]}
        check(set(got) == {"mom", "lr"}, f"two slices: {sorted(got)}")
        mom, lr = got.get("mom", {}), got.get("lr", {})
        check(lr.get("trial") == study["best_trial"] and mom.get("trial") == sgd_best,
              f"lr through the best {study['best_trial']}, mom through {sgd_best}: "
              f"{lr.get('trial')}, {mom.get('trial')}")
        x = mom.get("x", [])
        check(len(x) == 48 and None not in x and abs(x[0] - 0.5 / 48) < 1e-9 and
              abs(x[-1] - 47.5 / 48) < 1e-9 and None not in mom.get("mean", [None]),
              f"mom's slice over 0..1: {x[:2]}...{x[-1:]}")
        page = s.get("")[1]
        check("through trial ${sl.trial}" in page, "the page says which trial a slice goes through")
    finally:
        s.stop()


def test_idle_connections(d):
    """The server took 32 connections at once (a thread each, an idle one closed after 30 s):
    32 idle sockets, or five or six people's browsers (six connections each), got every other
    client's request reset for those 30 s. 100 idle connections now leave the page answered."""
    import socket
    sweep(d)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    s = Server(d, ["sweep.yaml"])
    socks = []
    try:
        host, port = s.url[len("http://"):-1].rsplit(":", 1)
        for _ in range(100):
            socks.append(socket.create_connection((host, int(port)), timeout=10))
        studies = s.json("api/studies")
        check([x["name"] for x in studies["studies"]] == ["quad"], f"answered: {studies}")
    except OSError as e:
        check(False, f"with {len(socks)} idle connections: {e!r}")
    finally:
        for c in socks:
            c.close()
        s.stop()


def one_line_error(r, what, pattern):
    lines = r.stderr.strip().splitlines()
    check(r.returncode == 2, f"{what}: exit {r.returncode}")
    check(len(lines) == 1 and re.search(pattern, lines[0]), f"{what}: {r.stderr!r}")


def test_exits(d):
    sweep(d)
    for port in ("70000", "-1", "http", "80x", ""):
        r = run(["dashboard", "sweep.yaml", "--port", port], d)
        one_line_error(r, f"--port {port!r}", "not a port")
    r = run(["dashboard", "sweep.yaml", "--host", "no.such.host.invalid", "--port", "0"], d)
    one_line_error(r, "an unknown host", "--host")
    s = Server(d, ["sweep.yaml"])
    try:
        port = s.url.rsplit(":", 1)[1].strip("/")
        r = run(["dashboard", "sweep.yaml", "--port", port], d)
        one_line_error(r, "a port in use", "in use")
    finally:
        s.stop()
    r = run(["dashboard", "--storage", "missing.db"], d)
    check(r.returncode != 0 and "missing.db" in r.stderr, f"missing storage: {r.stderr!r}")
    check(not os.path.exists(os.path.join(d, "missing.db")), "a missing storage is not created")
    # another program's SQLite database: refused and left as it was (before: served, with
    # gpbo's tables added to it); a file that is not a database, with a sweep: refused (before:
    # served, every poll a 500)
    import sqlite3
    con = sqlite3.connect(os.path.join(d, "other.db"))
    con.execute("CREATE TABLE notes(body TEXT)")
    con.commit()
    con.close()
    write(os.path.join(d, "text.db"), "not a database\n")
    before = digest(os.path.join(d, "other.db"))
    for args, what in ((["--storage", "other.db"], "not a gpbo database"),
                       (["sweep.yaml", "--storage", "other.db"], "not a gpbo database"),
                       (["sweep.yaml", "--storage", "text.db"], "not a database")):
        try:
            r = run(["dashboard"] + args + ["--port", "0"], d, timeout=10)
            check(r.returncode == 1 and what in r.stderr, f"{args}: {r.returncode} {r.stderr!r}")
        except subprocess.TimeoutExpired:
            check(False, f"{args}: served instead of refused")
    check(digest(os.path.join(d, "other.db")) == before, "another program's database unchanged")
    # another address than loopback: said, once, at the start (before: only the URL)
    p = subprocess.Popen([GPBO, "dashboard", "sweep.yaml", "--host", "0.0.0.0", "--port", "0"],
                         cwd=d, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = [p.stdout.readline()]
    p.send_signal(signal.SIGTERM)  # the lines come before it waits for a signal
    lines += p.stdout.read().splitlines()[:1]  # (communicate would lose readline's buffer)
    p.wait(timeout=60)
    check(lines[0].startswith("gpbo dashboard: http://0.0.0.0:") and
          "not a loopback address: whoever can reach it" in lines[1], f"--host 0.0.0.0: {lines}")
    # --storage with a --study it does not hold: refused with the names it holds (before:
    # served an empty page, and exit 0 when stopped); with a sweep the page still waits for it
    for study in ("alpha", "beta"):
        r = run(["run", "sweep.yaml", "--storage", "two.db", "--study", study], d, timeout=300)
        check(r.returncode == 0, f"gpbo run --study {study}: {r.stderr}")
    try:
        r = run(["dashboard", "--storage", "two.db", "--study", "nope", "--port", "0"], d,
                timeout=30)
        one_line_error(r, "--study nope", r"^gpbo dashboard: two\.db: no study named 'nope'; "
                                          r"give --study with one of: alpha beta$")
    except subprocess.TimeoutExpired:
        check(False, "--study nope: served instead of refused")
    r = run(["dashboard"], d)
    check(r.returncode == 2 and "--storage" in r.stderr, f"nothing named: {r.stderr!r}")
    r = run(["dashboard", "--prot", "1"], d)
    check(r.returncode == 2 and "--port" in r.stderr, f"misspelt option: {r.stderr!r}")
    r = run(["dashboard", "--help"], d)
    check(r.returncode == 0 and "--port" in r.stdout and "--host" in r.stdout,
          f"--help: {r.returncode} {r.stdout!r}")
    top = run(["--help"], d)
    check(re.search(r"^gpbo dashboard\b", top.stdout, re.M), "gpbo --help lists dashboard")


PG = [a[5:] for a in sys.argv[2:] if a.startswith("--pg=")]


def test_pg(d):
    """The same JSON from a PostgreSQL server (shared with other tests: a study of our own)."""
    with open(PG[0]) as f:
        url = f.read().strip()
    name = f"dash-{os.getpid()}"
    sweep(d, run_cap=3)
    r = run(["run", "sweep.yaml", "--storage", url, "--study", name], d, timeout=300)
    check(r.returncode == 0, f"gpbo run on PostgreSQL: {r.stderr}")
    s = Server(d, ["--storage", url, "--study", name])
    try:
        studies = s.json("api/studies")["studies"]
        check([x["name"] for x in studies] == [name], f"the study: {studies}")
        trials = s.json("api/trials?name=" + urllib.parse.quote(name))["trials"]
        check(len(trials) == 3 and all(t["intermediate"] for t in trials), f"trials: {trials}")
    finally:
        s.stop()
    s = Server(d, ["--storage", url])
    try:
        names = [x["name"] for x in s.json("api/studies")["studies"]]
        check(name in names, f"every study of the server: {names}")
    finally:
        s.stop()


# a q_uniform (stored as its multiple of q), an integer, a constant, a category and a float
UNITS_OBJ = """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    x, s, n = float(a["x"]), float(a["s"]), int(a["n"])
    print(f"loss={(x - 1) ** 2 + 4 * (s - 0.5) ** 2 + 0.1 * n + (a['c'] == 'b')!r}")
    """


def x_ticks(page, caption):
    """The numbers along the horizontal axis of the report's figure with that caption: the tick
    labels that share one height (PLplot writes each label as a <text> with its matrix)."""
    import html as htmllib
    fig = next(f for f in page.split("<figure")[1:] if caption in f)
    rows = {}
    # the label's text in a tspan as the driver writes it, or alone once compacted
    # (report/figure.c: compact_markers)
    for m in re.finditer(r'<text[^>]*transform="matrix\(([^)]*)\)"[^>]*>\s*(?:<tspan[^>]*>)?'
                         r'([^<]*)<', fig):
        t = htmllib.unescape(m.group(2))
        if re.fullmatch(r"-?[0-9.]+(e[-+]?[0-9]+)?", t):
            mat = m.group(1).split()
            rows.setdefault(round(float(mat[5])), []).append((float(mat[4]), float(t)))
    row = next((r for r in rows.values() if len({x for x, _ in r}) > 1), [])
    return [v for _, v in row]


def test_sweep_units(d):
    """The dashboard and the report show a sweep's parameters as gpbo trials and gpbo export
    do. A q_uniform is stored as its multiple of q (an integer parameter of the space): the
    dashboard used to give those multiples (s = 2 for 0.5; its space 0 to 4, its GP slice from
    0 to 4) and the report drew them on its axes, while trials, export and the report's own
    table gave 0.5; floats came rounded to 10 digits and a numeric constant as a string."""
    write(os.path.join(d, "obj.py"), UNITS_OBJ)
    write(os.path.join(d, "sweep.yaml"), f"""\
    name: units
    method: bayes
    metric: {{name: loss, goal: minimize}}
    run_cap: 8
    parameters:
      x: {{min: -4.0, max: 4.0}}
      s: {{distribution: q_uniform, min: 0, max: 1, q: 0.25}}
      n: {{min: 1, max: 5}}
      c: {{values: [a, b]}}
      k: {{value: 3}}
    command: ["{PY}", "obj.py", "${{args}}"]
    gpbo: {{initial: 4}}
    """)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.returncode} {r.stderr}")
    exported = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    check(all(t["params"]["s"] in (0, 0.25, 0.5, 0.75, 1) for t in exported),
          f"export gives q_uniform's values: {[t['params'] for t in exported]}")
    s = Server(d, ["sweep.yaml"])
    try:
        trials = s.json("api/trials?name=units")["trials"]
        for t, e in zip(trials, exported):
            check(t["params"] == e["params"],
                  f"trial {t['trial']}: dashboard {t['params']} vs export {e['params']}")
        study = s.json("api/study?name=units")
        best = study["best_params"]
        e = next(t for t in exported if t["trial"] == best["trial"])
        check(best["params"] == e["params"], f"best: {best['params']} vs export {e['params']}")
        space = {p["name"]: p for p in study["space"]}
        check((space["s"]["type"], space["s"]["lo"], space["s"]["hi"]) == ("float", 0, 1),
              f"q_uniform's range in its own units: {space['s']}")
        check((space["n"]["type"], space["n"]["lo"], space["n"]["hi"]) == ("int", 1, 5),
              f"an integer as it is: {space['n']}")
        slices = {x["param"]: x for x in s.json("api/slices?name=units")["slices"]}
        xs = slices.get("s", {}).get("x", [])
        check(xs and min(xs) == 0 and max(xs) == 1, f"the GP along s from 0 to 1: {xs}")
    finally:
        s.stop()
    r = run(["report", "sweep.yaml", "-o", "report.html"], d, timeout=300)
    check(r.returncode == 0, f"gpbo report: {r.returncode} {r.stderr}")
    page = open(os.path.join(d, "report.html"), encoding="utf-8").read()
    for caption in ("loss of every complete trial against s<", "along s, the others"):
        ticks = x_ticks(page, caption)
        check(len(ticks) >= 2 and min(ticks) >= 0 and max(ticks) <= 1,
              f"report's axis of s in its own units (0 to 1): {caption!r} {ticks}")
    n = x_ticks(page, "along n, the others")
    check(len(n) >= 2 and max(n) > 1, f"the integer's axis as it was: {n}")


def test_headers(d):
    """What the answers say of themselves, over real HTTP: the page is text/html in UTF-8 with a
    Content-Security-Policy that lets only its own script and style (a nonce, new at each load)
    and fetches from its own server run; every answer (page, JSON, 404, 405) is never cached,
    never sniffed as another type, never framed; a 405 says what is allowed; HEAD gives the
    headers alone. Before: Content-Type and Cache-Control only. Requests that are odd (a
    100 kB URL, percent-encodings that are none, a NUL, a thousand arguments) get an answer and
    leave the server answering (two thousand arguments: a 414, test_long_requests)."""
    import http.client
    sweep(d, run_cap=2)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    s = Server(d, ["sweep.yaml"])
    port = int(s.url.rsplit(":", 1)[1].strip("/"))

    def ask(method, path):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            c.request(method, path)
            a = c.getresponse()
            return a.status, {k.lower(): v for k, v in a.getheaders()}, a.read()
        finally:
            c.close()
    try:
        nonces = []
        for method in ("GET", "HEAD"):
            status, h, body = ask(method, "/")
            check(status == 200 and h.get("content-type") == "text/html; charset=utf-8",
                  f"{method} /: {status} {h.get('content-type')}")
            csp = h.get("content-security-policy", "")
            m = re.search(r"script-src 'nonce-([0-9a-f]{32})'", csp)
            check(m and "default-src 'none'" in csp and "connect-src 'self'" in csp and
                  "frame-ancestors 'none'" in csp and "unsafe" not in csp,
                  f"{method} /: the policy: {csp!r}")
            if m:
                nonces.append(m.group(1))
            if method == "GET" and m:
                check(body.decode().count(f'nonce="{m.group(1)}"') == 2,
                      "the page's script and style carry the nonce")
            else:
                check(body == b"", f"HEAD: no body ({len(body)} bytes)")
        check(len(set(nonces)) == 2, f"a nonce of its own at each load: {nonces}")
        for method, path, want in (("GET", "/api/studies", 200), ("GET", "/api/study?name=quad", 200),
                                   ("GET", "/nothing", 404), ("POST", "/api/studies", 405),
                                   ("DELETE", "/", 405), ("HEAD", "/api/trials?name=quad", 200)):
            status, h, _ = ask(method, path)
            check(status == want, f"{method} {path}: {status}")
            check(h.get("x-content-type-options") == "nosniff" and
                  h.get("cache-control") == "no-store" and h.get("x-frame-options") == "DENY",
                  f"{method} {path}: headers {h}")
            check("charset=utf-8" in h.get("content-type", "") or
                  h.get("content-type") == "application/json",
                  f"{method} {path}: {h.get('content-type')}")
            if want == 405:
                check(h.get("allow") == "GET, HEAD", f"{method} {path}: Allow: {h.get('allow')}")
        for path in ("/api/study?name=" + "a" * 100_000, "/api/study?name=%zz%", "/%ZZ%",
                     "/api/trials?name=quad&since=%00%ff", "/api/study?name=%00quad",
                     "/api/studies?" + "&".join(f"k{i}=%{i % 7}x" for i in range(50))):
            try:
                status, _, _ = ask("GET", path)
                check(status in (200, 400, 404, 414, 431), f"{path[:30]}: {status}")
            except OSError as e:
                check(False, f"{path[:30]}: no answer ({e})")
        many = "&".join(f"k{i}=%{i % 7}x" for i in range(2000))
        status, _, _ = ask("GET", "/api/studies?" + many)
        check(status == 414, f"2000 arguments: {status}")
        status, _, _ = ask("GET", "/api/studies")
        check(status == 200, f"still answering: {status}")
    finally:
        code, _, err = s.stop()
    check(code == 0, f"exit {code} {err}")


def raw_request(port, head, timeout=60):
    """Sends the request head (bytes) on a connection of its own and reads the answer: (status,
    headers as a dict of lower-case names, body), or (None, {}, why) when the connection ends
    with no answer."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(head)
        data = b""
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                data += b
                top, _, body = data.partition(b"\r\n\r\n")
                n = re.search(rb"(?im)^content-length: *(\d+)", top)
                if n and len(body) >= int(n.group(1)):
                    break
        except OSError as e:
            if not data:
                return None, {}, repr(e)
        if not data:
            return None, {}, "closed with no answer"
        top, _, body = data.partition(b"\r\n\r\n")
        lines = top.decode("latin-1").split("\r\n")
        headers = dict((k.strip().lower(), v.strip()) for k, _, v in
                       (line.partition(":") for line in lines[1:]))
        return int(lines[0].split()[1]), headers, body


def test_long_requests(d):
    """Requests of many query arguments, or a few beside a long header: libmicrohttpd 0.9.75 kept
    each argument in the 32 kB it gives a connection, and when they did not fit (500 arguments;
    five beside a header of 32 kB) it closed the connection with no answer. Now the server reads
    the query itself: past 64 arguments a 414 with a line of text, below that the answer asked
    for, and libmicrohttpd's own 414 and 431 for a URL or headers too long for its memory; each
    time the next request is answered. The arguments are decoded as before (%XX, '+')."""
    sweep(d, run_cap=2)
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"gpbo run: {r.stderr}")
    s = Server(d, ["sweep.yaml"])
    port = int(s.url.rsplit(":", 1)[1].strip("/"))
    host = b"Host: 127.0.0.1\r\n"

    def get(target, extra=b""):
        return raw_request(port, b"GET " + target + b" HTTP/1.1\r\n" + host + extra + b"\r\n")

    def still_answering(what):
        status, _, body = get(b"/api/study?name=quad")
        check(status == 200 and b'"name":"quad"' in body, f"after {what}: {status} {body[:80]!r}")
    try:
        args = lambda n: b"&".join(b"k%d=v" % i for i in range(n))  # noqa: E731
        for what, target, extra, want in (
                ("500 arguments", b"/api/studies?" + args(500), b"", {414}),
                ("2000 arguments", b"/api/study?name=quad&" + args(2000), b"", {414}),
                ("600 empty arguments", b"/api/studies?" + b"&" * 600, b"", {414}),
                ("65 arguments", b"/api/studies?" + args(65), b"", {414}),
                ("64 arguments", b"/api/studies?" + args(64), b"", {200}),
                ("5 arguments and a header of 32 000 bytes", b"/api/studies?" + args(5),
                 b"X-Long: " + b"a" * 32000 + b"\r\n", {200}),
                ("a header of 34 000 bytes", b"/api/studies?" + args(2),
                 b"X-Long: " + b"a" * 34000 + b"\r\n", {431}),
                ("a URL of 100 000 bytes", b"/api/study?name=" + b"a" * 100_000, b"", {414}),
                ("a header of 100 000 bytes", b"/api/studies", b"X-Long: " + b"a" * 100_000 +
                 b"\r\n", {431}),
                ("3000 headers", b"/api/studies", b"".join(b"X-%d: v\r\n" % i
                                                           for i in range(3000)), {431}),
                ("a URL of 30 000 bytes with 50 arguments", b"/api/study?name=" + b"a" * 30000 +
                 b"&" + args(50), b"", {404})):
            status, h, body = get(target, extra)
            check(status in want, f"{what}: {status} {body!r:.120} (want {want})")
            if status == 414 and b"arguments" in target[-20:] + body:
                check(h.get("content-type") == "text/plain; charset=utf-8" and
                      body == b"gpbo dashboard: too many query arguments (at most 64)\n",
                      f"{what}: a line of text: {h.get('content-type')} {body!r}")
            still_answering(what)
        # decoded as libmicrohttpd decoded them: %XX, '+' a space, the first of two the same
        for target, want in ((b"/api/study?name=qu%61d", 200), (b"/api/study?name=q+uad", 404),
                             (b"/api/study?x=1&name=quad&name=other", 200),
                             (b"/api/study?name", 404), (b"/api/study?name=quad%", 404),
                             (b"/api/trials?since=%zz&name=%71uad", 200)):
            status, _, body = get(target)
            check(status == want, f"{target!r}: {status} {body[:80]!r}")
        status, _, body = get(b"/api/study?name=q+uad")
        check(b"no study 'q uad'" in body, f"'+' read as a space: {body!r}")
    finally:
        code, _, err = s.stop()
    check(code == 0, f"exit {code} {err}")


if __name__ == "__main__":
    if PG:
        sys.exit(run_tests([test_pg], prefix="gpbo-dash-pg-"))
    sys.exit(run_tests([test_endpoints, test_storage_all_studies, test_waits_for_its_study,
                        test_importance, test_exits, test_not_utf8,
                        test_host_header, test_worker_holds_the_lock,
                        test_incremental_trials, test_slow_request, test_cached_slices,
                        test_recommended, test_slices_subset, test_recommended_past_subset,
                        test_study_made_again, test_sweep_units,
                        test_slices_of_many_parameters, test_many_studies,
                        test_slice_of_an_inactive_parameter, test_idle_connections, test_headers,
                        test_long_requests],
                       prefix="gpbo-dash-",
                       only=sys.argv[2:]))
