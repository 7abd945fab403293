#!/usr/bin/python3
"""The storage as a demanding user of a shared study meets it (the storro branch): each test
names the defect it found, and failed before its fix.

- a study file this process may not write (read-only file, folder or mount; another user's):
  the reading commands read it, and an older schema there is one clear error;
- a single-objective study keeps its metric's name: a renamed metric is refused on resume (an
  old study without the name resumes as before), on SQLite and PostgreSQL;
- a PostgreSQL server that does not answer at all is an error at once, not after 30 s;
- a trial that prints far more than the cap keeps its head and tail, and its result is read;
- a study file deleted or replaced under a running study stops the run (it went on, storing
  every later result in the removed file, and exited 0);
- another program's SQLite database (an Optuna study's) given as --storage is refused and left
  as it was (gpbo added its tables beside the program's and columns to its 'trials');
- a study on a full disk is read by the reading commands (they failed with 'disk I/O error'),
  and gpbo run says the disk is full; room made, it resumes with nothing lost;
- a damaged study file is one line saying what failed to read (it said 'committing'), and gpbo
  run writes nothing into it;
- a study file another process holds locked stops gpbo run after 30 s with one line (it waited
  silently for up to 5 hours).

Tests run as root in CI, and root writes any file whatever its mode: the reader here is the
user nobody (setpriv) when this runs as root, this user on a 0444 file in a 0555 folder else.

Usage: test_storage_user.py PATH/TO/gpbo [--pg=URLFILE] [TEST ...]
(--pg: the PostgreSQL server whose URL the file holds; only the renamed metric is tested there.)
"""
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import GPBO, PY, check, quad_sweep, run, run_tests, write  # noqa: E402

OBJ = """\
    import sys
    a = dict(s[2:].split("=", 1) for s in sys.argv[1:] if s.startswith("--"))
    print(f"loss={(float(a['x']) - 1) ** 2 + (float(a['y']) + 2) ** 2}")
    """

PG_ARG = [a for a in sys.argv[2:] if a.startswith("--pg=")]
PG_URL = open(PG_ARG[0][5:]).read().strip() if PG_ARG else None


def reader_command(d):
    """The command line prefix that runs gpbo as a user who may not write d's files: nobody
    when this is root (with a copy of gpbo and its libraries in d when nobody cannot reach the
    build's, as under a private /root), else gpbo itself."""
    if os.geteuid() != 0:
        return [GPBO], None
    who = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    if subprocess.run(who + [GPBO, "--version"], capture_output=True).returncode == 0:
        return who + [GPBO], None
    bin_dir = os.path.join(d, "bin")
    lib_dir = os.path.join(os.path.dirname(os.path.dirname(GPBO)), "lib")
    shutil.copytree(lib_dir, os.path.join(bin_dir, "lib"), symlinks=True)
    shutil.copy(GPBO, bin_dir)
    for root, dirs, _ in os.walk(bin_dir):
        os.chmod(root, 0o755)
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(bin_dir, "lib"))
    return who + [os.path.join(bin_dir, "gpbo")], env


def as_reader(prefix, env, args, cwd):
    return subprocess.run(prefix + args, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env=env)


def quad(d, run_cap=3, extra=""):
    write(os.path.join(d, "obj.py"), OBJ)
    quad_sweep(d, method="random", run_cap=run_cap, extra=extra)
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0, f"the study runs: {r.returncode} {r.stderr}")


def make_v2(path, like):
    """An SQLite study file of storage schema version 2 (before metrics were kept), holding
    study quad (the space and options of the study in the file like, without the metric's
    name) with one complete trial, as a gpbo of that time wrote it."""
    c = sqlite3.connect(like)
    space, options = c.execute("SELECT space, options FROM studies").fetchone()
    c.close()
    options = json.loads(options)
    options.pop("metric", None)
    options = json.dumps(options)
    c = sqlite3.connect(path)
    c.executescript("""
        PRAGMA journal_mode=WAL;
        CREATE TABLE gpbo_schema(version INTEGER NOT NULL);
        CREATE TABLE studies(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,
            space TEXT NOT NULL, options TEXT NOT NULL, created REAL);
        CREATE TABLE trials(study INTEGER NOT NULL REFERENCES studies(id), id INTEGER NOT NULL,
            state INTEGER NOT NULL, value REAL, reason TEXT, params TEXT NOT NULL, started REAL,
            finished REAL, worker TEXT, heartbeat REAL NOT NULL DEFAULT 0,
            retries INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(study, id));
        CREATE TABLE intermediate(study INTEGER NOT NULL, trial INTEGER NOT NULL,
            step INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY(study, trial, step));
        INSERT INTO gpbo_schema VALUES (2);
    """)
    c.execute("INSERT INTO studies(name, space, options, created) VALUES ('quad', ?, ?, 0)",
              (space, options))
    c.execute("INSERT INTO trials(study, id, state, value, params, started, finished) "
              "VALUES (1, 0, 1, 2.5, '[0.5,0.25]', 1, 2)")
    c.commit()
    c.close()


def test_read_only_study(d):
    """gpbo best/trials/export/report/studies (and the dashboard, through the same open) could
    not read a study file this process may not write: every open ran the schema set-up in a
    write transaction ("opening the database: attempt to write a readonly database", exit 1).
    Now a current file is opened without writing anything, a WAL file in a folder the reader
    may not write (where SQLite cannot make its -shm index) is read immutable, and the file is
    left byte for byte as it was."""
    os.chmod(d, 0o755)  # the temporary folder is private: nobody must reach it
    study = os.path.join(d, "study")
    os.mkdir(study)
    quad(study)
    db = os.path.join(study, "quad.db")
    out = os.path.join(d, "out")
    os.mkdir(out)
    os.chmod(out, 0o777)  # where the reader writes its report
    before = open(db, "rb").read()
    os.chmod(db, 0o444)
    os.chmod(study, 0o555)
    prefix, env = reader_command(d)
    try:
        want = run(["export", "sweep.yaml"], study).stdout
        r = as_reader(prefix, env, ["export", "sweep.yaml"], study)
        check(r.returncode == 0 and r.stdout == want and want.count("\n") == 4,
              f"export, read-only: {r.returncode} {r.stderr!r}")
        for args, what in ((["best", "sweep.yaml"], "value="),
                           (["trials", "sweep.yaml"], "complete"),
                           (["studies", "--storage", "quad.db"], "quad"),
                           (["studies", "--storage", "sqlite:///quad.db"], "quad"),
                           (["best", "--storage", db], "value="),
                           (["report", "sweep.yaml", "-o", os.path.join(out, "r.html")],
                            "wrote")):
            r = as_reader(prefix, env, args, study)
            check(r.returncode == 0 and what in r.stdout,
                  f"{' '.join(args)}, read-only: {r.returncode} {r.stdout[-200:]!r} "
                  f"{r.stderr!r}")
        rep = os.path.join(out, "r.html")
        check(os.path.exists(rep) and os.path.getsize(rep) > 1000, "the report was written")
        # the dashboard lists and reads it the same way
        server = subprocess.Popen(prefix + ["dashboard", "--storage", "quad.db", "--port", "0"],
                                  cwd=study, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env)
        try:
            m = re.search(r"(http://127\.0\.0\.1:\d+/)", server.stdout.readline())
            check(m is not None, "the dashboard says where it listens")
            if m:
                studies = json.loads(urllib.request.urlopen(m.group(1) + "api/studies",
                                                            timeout=30).read())
                trials = json.loads(urllib.request.urlopen(m.group(1) + "api/trials?name=quad",
                                                           timeout=30).read())
                check("quad" in json.dumps(studies) and json.dumps(trials).count("complete") == 3,
                      f"the dashboard, read-only: {studies} {str(trials)[:300]}")
        finally:
            server.terminate()
            server.wait(timeout=60)
        check(sorted(os.listdir(study)) == ["obj.py", "quad.db", "quad.runs", "sweep.yaml"] and
              open(db, "rb").read() == before, f"the folder unchanged: {os.listdir(study)}")
        # a run is still refused, with SQLite's reason (this process may not write there)
        r = as_reader(prefix, env, ["run", "sweep.yaml", "--trials", "4"], study)
        check(r.returncode == 1 and "quad.db" in r.stderr and "may not write" in r.stderr,
              f"run, read-only: {r.stderr!r}")
        # an older schema cannot be read without upgrading it: one line naming the file
        os.chmod(study, 0o755)
        old = os.path.join(study, "old.db")
        make_v2(old, db)
        os.chmod(old, 0o444)
        os.chmod(study, 0o555)
        r = as_reader(prefix, env, ["trials", "--storage", "old.db"], study)
        lines = r.stderr.strip().split("\n")
        check(r.returncode == 1 and len(lines) == 1 and "old.db" in lines[0] and
              "schema version 2" in lines[0] and "upgrad" in lines[0],
              f"an old schema, read-only: {r.returncode} {r.stderr!r}")
        # a writer upgrades it (and the trial reads back); then the reader reads it
        os.chmod(study, 0o755)
        r = run(["trials", "--storage", "old.db"], study)
        check(r.returncode == 0 and "2.5" in r.stdout, f"upgraded by a writer: {r.stderr!r}")
        os.chmod(study, 0o555)
        r = as_reader(prefix, env, ["trials", "--storage", "old.db"], study)
        check(r.returncode == 0 and "2.5" in r.stdout, f"then read: {r.stderr!r}")
        # a current file in another journal mode (a copy made with the sqlite3 shell's .backup,
        # say) is read as it is: only a writer switches it to WAL
        os.chmod(study, 0o755)
        c = sqlite3.connect(old)
        check(c.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete", "delete mode")
        c.close()
        os.chmod(study, 0o555)
        r = as_reader(prefix, env, ["trials", "--storage", "old.db"], study)
        check(r.returncode == 0 and "2.5" in r.stdout, f"journal_mode delete: {r.stderr!r}")
    finally:
        os.chmod(study, 0o755)


def test_metric_renamed(d):
    """A single-objective study did not store its metric's name, so a sweep whose metric was
    renamed (loss to val_loss) resumed the old study without a word and mixed two metrics in
    one study (a changed goal or objective list was refused, the name of one was not looked
    at). Now the name is stored with the study's options and a rename is exit status 2 with one
    line naming both; a study stored before the name was kept resumes as before."""
    storage = ["--storage", PG_URL] if PG_URL else []
    name = f"rename_{os.getpid()}_{int(time.time() * 1000) % 10**9}" if PG_URL else "quad"
    write(os.path.join(d, "obj.py"), OBJ)
    quad_sweep(d, name=name, method="random", run_cap=3)
    r = run(["run", "sweep.yaml"] + storage, d)
    check(r.returncode == 0, f"the study runs: {r.returncode} {r.stderr}")
    text = open(os.path.join(d, "sweep.yaml")).read()
    renamed = text.replace("name: loss", "name: val_loss")
    write(os.path.join(d, "sweep.yaml"), renamed)
    write(os.path.join(d, "obj.py"), OBJ.replace("loss=", "val_loss="))
    r = run(["run", "sweep.yaml", "--trials", "4"] + storage, d)
    lines = r.stderr.strip().split("\n")
    check(r.returncode == 2 and len(lines) == 1 and "val_loss" in lines[0] and
          re.search(r"\bloss\b", lines[0].replace("val_loss", "")) is not None and
          name in lines[0], f"metric renamed: {r.returncode} {lines}")
    r = run(["trials", "sweep.yaml"] + storage, d)
    check(r.returncode == 0 and len(r.stdout.strip().split("\n")) == 4,
          f"the study unchanged: {r.stdout}")
    # the old name again resumes it
    write(os.path.join(d, "sweep.yaml"), text)
    write(os.path.join(d, "obj.py"), OBJ)
    r = run(["run", "sweep.yaml", "--trials", "4"] + storage, d)
    check(r.returncode == 0 and "trial 3" in r.stdout, f"resumed: {r.returncode} {r.stderr}")
    # metrics: with one entry names the same objective
    write(os.path.join(d, "sweep.yaml"),
          text.replace("metric: {name: loss, goal: minimize}",
                       "metrics: [{name: val_loss, goal: minimize}]"))
    r = run(["run", "sweep.yaml", "--trials", "5"] + storage, d)
    check(r.returncode == 2 and "val_loss" in r.stderr, f"metrics: renamed: {r.stderr!r}")
    # a study stored before the name was kept: no "metric" in its options; resumes as before
    if PG_URL:
        sql = (f"UPDATE studies SET options = (options::jsonb - 'metric')::text "
               f"WHERE name = '{name}'")
        p = subprocess.run(["psql", PG_URL, "-q", "-c", sql], capture_output=True, text=True)
        check(p.returncode == 0, f"psql: {p.stderr}")
    else:
        c = sqlite3.connect(os.path.join(d, "quad.db"))
        opts = json.loads(c.execute("SELECT options FROM studies").fetchone()[0])
        check(opts.get("metric") == "loss", f"the name stored: {opts}")
        del opts["metric"]
        c.execute("UPDATE studies SET options = ?", (json.dumps(opts),))
        c.commit()
        c.close()
    write(os.path.join(d, "sweep.yaml"), renamed)
    write(os.path.join(d, "obj.py"), OBJ.replace("loss=", "val_loss="))
    r = run(["run", "sweep.yaml", "--trials", "5"] + storage, d)
    check(r.returncode == 0 and "trial 4" in r.stdout,
          f"an old study resumes: {r.returncode} {r.stderr}")


def test_pg_no_server(d):
    """A PostgreSQL host whose name does not resolve, or where nothing listens, took the whole
    retry budget (GPBO_PG_RETRY_SECONDS, 30 s by default) of reconnections before its error,
    every command. Now a first connection that no server answers is an error at once, one line
    naming the host; a server lost during a study is still retried (test_workers_pg)."""
    quad_sweep(d, method="random", run_cap=3)
    write(os.path.join(d, "obj.py"), OBJ)  # a missing script is refused first, since 17fd838
    env = {k: v for k, v in os.environ.items() if k != "GPBO_PG_RETRY_SECONDS"}
    for url, host in (("postgresql://gpbo@no-such-host.invalid/gpbo", "no-such-host.invalid"),
                      ("postgresql://gpbo@127.0.0.1:1/gpbo", "127.0.0.1"),
                      (f"postgresql:///gpbo?host={d}/nothing-here", "nothing-here")):
        for args in (["trials", "--storage", url], ["run", "sweep.yaml", "--storage", url]):
            t0 = time.monotonic()
            r = run(args, d, env=env, timeout=60)
            took = time.monotonic() - t0
            lines = r.stderr.strip().split("\n")
            check(r.returncode == 1 and len(lines) == 1 and host in lines[0] and took < 8,
                  f"{' '.join(args)}: {r.returncode} in {took:.1f} s: {r.stderr!r}")


FLOOD = """\
    import os, sys, time
    mib, most = int(sys.argv[1]), int(sys.argv[2])
    block = ("x" * 199 + "\\n") * 5243  # about 1 MiB
    print("first line of the trial", flush=True)
    for s in range(1, 4):
        print(f"loss={10 - s} step={s}", flush=True)
    for i in range(mib):
        sys.stdout.write(block)
        sys.stderr.write(block)
        if i == mib // 2:
            print("loss=5 step=4", flush=True)  # in what the file drops: still read
    sys.stdout.flush()
    sys.stderr.flush()
    # what the files hold on disk now, once gpbo has read what was printed (30 s at most)
    disk = lambda fd: os.fstat(fd).st_blocks * 512
    t0 = time.time()
    while time.time() - t0 < 30 and max(disk(1), disk(2)) > most:
        time.sleep(0.1)
    print(f"disk_out={disk(1)} disk_err={disk(2)}")
    print("loss=1.25", end="")  # the result, without its newline
    """


def test_output_cap(d):
    """A trial's kept stdout and stderr grew without limit: a program printing gigabytes filled
    the disk (gpbo keeps both files in the trial's folder). Now each file holds at most the
    cap (GPBO_OUTPUT_CAP, 8 MiB by default): its first quarter and last three quarters, whole
    lines, one marker line between saying how much was dropped. While the trial runs, the disk
    blocks past the cap are freed as gpbo reads them; every line still counts (the step in the
    dropped middle, the result line at the very end)."""
    write(os.path.join(d, "flood.py"), FLOOD)
    quad_sweep(d, name="flood", method="random", run_cap=1,
               command=f'["{PY}", "flood.py", "64", "{4 << 20}"]')
    env = dict(os.environ, GPBO_OUTPUT_CAP="1M")
    r = run(["run", "sweep.yaml"], d, env=env, timeout=180)
    check(r.returncode == 0 and "loss=1.25" in r.stdout, f"the flood: {r.returncode} {r.stderr}")
    t = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    t = t["trials"][0] if isinstance(t, dict) else t[0]
    m = t.get("metrics", {})
    check(t["value"] == 1.25 and m.get("disk_out", 1e18) <= 4 << 20 and
          m.get("disk_err", 1e18) <= 4 << 20,
          f"the result read, the disk bounded while it ran: {t}")
    check([4, 5] in t.get("intermediate", []), f"step 4 kept: {t}")
    folder = os.path.join(d, "flood.runs", "trial-000000")
    out = open(os.path.join(folder, "stdout"), "rb").read()
    err = open(os.path.join(folder, "stderr"), "rb").read()
    markers = [l for l in out.split(b"\n") if l.startswith(b"[gpbo: ")]
    check(len(out) <= (1 << 20) + 512 and len(err) <= (1 << 20) + 512,
          f"capped: stdout {len(out)}, stderr {len(err)} bytes")
    check(out.startswith(b"first line of the trial\nloss=9 step=1\n") and
          out.endswith(b"loss=1.25") and len(markers) == 1 and b"dropped" in markers[0],
          f"head, marker, tail: {out[:80]!r} {markers} {out[-60:]!r}")
    if markers:
        dropped = int(markers[0].split()[1])
        check(dropped + len(out) - len(markers[0]) - 1 >= 64 * 1040000,
              f"the marker counts what was dropped: {markers}")
    check(err.count(b"[gpbo: ") == 1 and err.endswith(b"x\n"), f"stderr: {err[-80:]!r}")
    # the default cap (8 MiB), and no cap at all
    for cap, mib, most in ((None, 24, 8 << 20), ("0", 3, 0)):
        env = dict(os.environ)
        env.pop("GPBO_OUTPUT_CAP", None)
        if cap is not None:
            env["GPBO_OUTPUT_CAP"] = cap
        quad_sweep(d, name=f"flood{mib}", method="random", run_cap=1,
                   command=f'["{PY}", "flood.py", "{mib}", "{most + (4 << 20) or 1 << 40}"]')
        r = run(["run", "sweep.yaml"], d, env=env, timeout=180)
        size = os.path.getsize(os.path.join(d, f"flood{mib}.runs", "trial-000000", "stdout"))
        check(r.returncode == 0 and (size <= most + 512 if most else size > mib * 1040000),
              f"cap {cap}: {r.returncode} {size} bytes {r.stderr}")
    # a cap that is no size: refused before anything runs
    for bad in ("lots", "-1", "12Q", "100"):
        r = run(["run", "sweep.yaml"], d, env=dict(os.environ, GPBO_OUTPUT_CAP=bad))
        check(r.returncode == 2 and r.stderr.count("\n") == 1 and "GPBO_OUTPUT_CAP" in r.stderr
              and bad in r.stderr, f"GPBO_OUTPUT_CAP={bad}: {r.returncode} {r.stderr!r}")


def completed(db):
    """The number of complete trials in the SQLite file db (0 while it cannot be read)."""
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        n = c.execute("SELECT count(*) FROM trials WHERE state = 1").fetchone()[0]
        c.close()
        return n
    except sqlite3.Error:
        return 0


def test_study_file_removed(d):
    """A study file deleted (or replaced: mv, a restore from a backup) while gpbo run went on:
    SQLite keeps writing to the removed file, so the run carried on, printed its best trial and
    exited 0, every later result gone with the file. Now every write first checks that the
    path is still the file it opened (SQLITE_FCNTL_HAS_MOVED): the run stops with exit status 1
    and one line naming the file."""
    slow = OBJ.replace("import sys", "import sys, time\n    time.sleep(0.2)")
    for how in ("deleted", "replaced"):
        sub = os.path.join(d, how)
        os.mkdir(sub)
        write(os.path.join(sub, "obj.py"), slow)
        quad_sweep(sub, method="random", run_cap=100)
        db = os.path.join(sub, "quad.db")
        p = subprocess.Popen([GPBO, "run", "sweep.yaml"], cwd=sub, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        while completed(db) < 2 and time.monotonic() - t0 < 60 and p.poll() is None:
            time.sleep(0.05)
        if how == "deleted":
            for f in (db, db + "-wal", db + "-shm"):
                if os.path.exists(f):
                    os.remove(f)
        else:
            c = sqlite3.connect(os.path.join(sub, "other.db"))
            c.execute("CREATE TABLE t(x)")
            c.commit()
            c.close()
            os.replace(os.path.join(sub, "other.db"), db)
        try:
            out, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            check(False, f"{how}: still running 60 s after")
        lines = err.strip().split("\n")
        check(p.returncode == 1 and "quad.db" in lines[-1] and how in lines[-1] and
              "[100/100]" not in out, f"study file {how}: {p.returncode} {err!r} {out[-200:]!r}")
        # a trial whose end could not be stored was logged 'trial 6 running'
        check(not re.search(r"trial \d+ running", out),
              f"study file {how}: a trial that ended is not logged running: {out[-300:]!r}")


def other_programs_databases(d):
    """(label, path) of SQLite files gpbo must not take for its own: an Optuna study written by
    Optuna when it is installed (python3-optuna; else a file with the tables Optuna 3.1 makes,
    'studies' and 'trials' among them), and a one-table database of some other program."""
    optuna_db = os.path.join(d, "optuna.db")
    script = ("import optuna, sys\n"
              "optuna.logging.set_verbosity(optuna.logging.WARNING)\n"
              "s = optuna.create_study(storage='sqlite:///' + sys.argv[1], study_name='quad')\n"
              "s.optimize(lambda t: t.suggest_float('x', -5, 5) ** 2, n_trials=3)\n")
    r = subprocess.run([PY, "-c", script, optuna_db], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        if os.path.exists(optuna_db):
            os.remove(optuna_db)
        c = sqlite3.connect(optuna_db)
        c.executescript("""
            CREATE TABLE studies(study_id INTEGER NOT NULL PRIMARY KEY,
                study_name VARCHAR(512) NOT NULL UNIQUE);
            CREATE TABLE trials(trial_id INTEGER NOT NULL PRIMARY KEY, number INTEGER,
                study_id INTEGER REFERENCES studies(study_id), state VARCHAR(8) NOT NULL,
                datetime_start DATETIME, datetime_complete DATETIME);
            CREATE TABLE trial_values(trial_value_id INTEGER NOT NULL PRIMARY KEY,
                trial_id INTEGER NOT NULL REFERENCES trials(trial_id), objective INTEGER NOT NULL,
                value FLOAT, value_type VARCHAR(7) NOT NULL);
            CREATE TABLE version_info(version_info_id INTEGER NOT NULL PRIMARY KEY,
                schema_version INTEGER, library_version VARCHAR(256));
            INSERT INTO studies VALUES (1, 'quad');
            INSERT INTO trials VALUES (1, 0, 1, 'COMPLETE', '2026-12-05', '2026-12-05');
            INSERT INTO trial_values VALUES (1, 1, 0, 2.5, 'FINITE');
        """)
        c.commit()
        c.close()
    other_db = os.path.join(d, "notes.db")
    c = sqlite3.connect(other_db)
    c.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT)")
    c.execute("INSERT INTO notes(text) VALUES ('keep me')")
    c.commit()
    c.close()
    return [("optuna", optuna_db), ("other", other_db)]


def test_another_programs_database(d):
    """--storage naming another program's SQLite database: gpbo took any file without its
    gpbo_schema table for a new one and made its tables there. In an Optuna study's file that
    kept Optuna's 'studies' and 'trials' (CREATE TABLE IF NOT EXISTS), added gpbo_schema and
    intermediate, altered Optuna's 'trials' with four columns, and then failed with 'reading
    studies: no such column: id'; even gpbo trials and best did it. Now every command refuses
    the file with one line naming it, exit status 1, and leaves it byte for byte as it was."""
    write(os.path.join(d, "obj.py"), OBJ)
    quad_sweep(d, method="random", run_cap=3)
    for label, db in other_programs_databases(d):
        before = hashlib.sha256(open(db, "rb").read()).hexdigest()
        files = sorted(os.listdir(d))
        for cmd in (["run", "sweep.yaml"], ["trials", "sweep.yaml"], ["best", "sweep.yaml"],
                    ["export", "sweep.yaml"], ["enqueue", "sweep.yaml", "x=0.5", "y=0.5"],
                    ["studies"]):
            r = run(cmd + ["--storage", db], d)
            lines = r.stderr.strip().split("\n")
            check(r.returncode == 1 and len(lines) == 1 and db in lines[0] and
                  "not a gpbo database" in lines[0],
                  f"{label}: gpbo {cmd[0]} on it: {r.returncode} {r.stderr!r}")
        after = hashlib.sha256(open(db, "rb").read()).hexdigest()
        check(after == before, f"{label}: the file was changed")
        check(sorted(os.listdir(d)) == files,
              f"{label}: files made beside it: {set(os.listdir(d)) - set(files)}")
        c = sqlite3.connect(db)
        tables = {t for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        c.close()
        check(not tables & {"gpbo_schema", "intermediate"}, f"{label}: gpbo tables {tables}")


def fill(path):
    """Writes zeros to path until its file system has no room left."""
    with open(path, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    try:
        with open(path, "ab") as f:  # the last partial block
            while True:
                f.write(b"\0" * 512)
                f.flush()
    except OSError:
        pass


def test_full_disk(d):
    """A study whose disk filled up (a run stopped by it, checkpoints of the training beside it):
    SQLite must make its WAL index (the -shm file) to read a WAL study, and could not, so gpbo
    trials, best and export failed with 'cannot read: disk I/O error', the results out of
    reach until room was made, and gpbo run said the same, not that the disk was full. With
    no -wal file holding anything (a run ended, however), the file is now read as it is; gpbo
    run stops with one line saying the disk of the study file is full; once room is made the
    study resumes, the trials told before unchanged. Needs a small file system of its own (a
    tmpfs mounted as root); skipped without."""
    mnt = os.path.join(d, "small")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                      capture_output=True).returncode != 0:
        print("test_full_disk: skipped (cannot mount a tmpfs)")
        return
    try:
        write(os.path.join(mnt, "obj.py"), OBJ)
        quad_sweep(mnt, method="random", run_cap=6)
        r = run(["run", "sweep.yaml", "--trials", "3"], mnt)
        check(r.returncode == 0, f"the first run: {r.returncode} {r.stderr}")
        before = run(["export", "sweep.yaml", "--format", "json"], mnt).stdout
        fill(os.path.join(mnt, "filler"))
        for cmd in (["trials"], ["best"], ["export", "--format", "json"]):
            r = run([cmd[0], "sweep.yaml"] + cmd[1:], mnt)
            check(r.returncode == 0 and r.stdout, f"gpbo {cmd[0]} on a full disk: "
                  f"{r.returncode} {r.stderr!r}")
            if cmd[0] == "export" and r.returncode == 0:
                check(r.stdout == before, "export on a full disk: the same trials")
        r = run(["run", "sweep.yaml"], mnt)
        lines = r.stderr.strip().split("\n")
        check(r.returncode == 1 and "quad.db" in lines[-1] and "full" in lines[-1],
              f"gpbo run on a full disk: {r.returncode} {r.stderr!r}")
        os.remove(os.path.join(mnt, "filler"))
        r = run(["run", "sweep.yaml"], mnt)
        check(r.returncode == 0, f"room made, the study resumes: {r.returncode} {r.stderr}")
        t = json.loads(run(["export", "sweep.yaml", "--format", "json"], mnt).stdout)
        check(len(t) == 6 and all(x["state"] == "complete" for x in t), f"6 complete: {t}")
        old = {x["trial"]: (x["value"], x["params"]) for x in json.loads(before)}
        check(all(old[x["trial"]] == (x["value"], x["params"]) for x in t if x["trial"] in old),
              "the trials told before are unchanged")
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True)


def test_damaged_file(d):
    """A study file whose trial pages were overwritten (a bad disk, a copy cut short and patched):
    every command failed with 'committing: database disk image is malformed', naming the end
    of the read transaction instead of the read that failed (the commit's message replaced the
    read's). Now one line says 'reading trials', exit status 1, and gpbo run leaves the file as
    it was."""
    write(os.path.join(d, "obj.py"), OBJ)
    quad_sweep(d, method="random", run_cap=400,
               command="[sh, -c, 'echo loss=$0', '{x}']")
    r = run(["run", "sweep.yaml"], d, timeout=300)
    check(r.returncode == 0, f"the study runs: {r.returncode} {r.stderr[-300:]}")
    db = os.path.join(d, "quad.db")
    size = os.path.getsize(db)
    with open(db, "r+b") as f:  # the last pages: trials' rows
        f.seek(size - 3 * 4096)
        f.write(b"\xff" * 8192)
    before = hashlib.sha256(open(db, "rb").read()).hexdigest()
    for cmd in (["trials"], ["export"], ["best"], ["run"]):
        r = run([cmd[0], "sweep.yaml"], d)
        lines = r.stderr.strip().split("\n")
        check(r.returncode == 1 and len(lines) == 1 and "quad.db" in lines[0] and
              "malformed" in lines[0] and "committing" not in lines[0] and
              "reading" in lines[0], f"gpbo {cmd[0]} on a damaged file: {r.returncode} "
              f"{r.stderr!r}")
    after = hashlib.sha256(open(db, "rb").read()).hexdigest()
    check(after == before, "the damaged file was written")


LOCKER = """\
    import sqlite3, sys, time
    c = sqlite3.connect(sys.argv[1], isolation_level=None)
    c.execute("PRAGMA locking_mode=EXCLUSIVE")  # kept after the transaction: no one else reads
    c.execute("BEGIN EXCLUSIVE")
    c.execute("COMMIT")
    print("locked", flush=True)
    time.sleep(300)
    """


def test_study_file_locked(d):
    """Another process holds the study file's lock (a program that opened it in exclusive
    locking mode, a transaction left open): gpbo run waited for it silently, 30 s at each of
    up to 600 tries to read the schema (5 hours), plus 30 s for its pragmas. It now waits
    30 s in all and stops with one line saying a lock was held and by what kind of process;
    released, the study resumes with the trials told before intact."""
    write(os.path.join(d, "obj.py"), OBJ)
    quad_sweep(d, method="random", run_cap=4)
    r = run(["run", "sweep.yaml", "--trials", "2"], d)
    check(r.returncode == 0, f"the first run: {r.returncode} {r.stderr}")
    before = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    write(os.path.join(d, "locker.py"), LOCKER)
    locker = subprocess.Popen([PY, "locker.py", "quad.db"], cwd=d, stdout=subprocess.PIPE,
                              text=True)
    try:
        check(locker.stdout.readline().strip() == "locked", "the locker holds the file")
        t0 = time.monotonic()
        try:
            r = run(["run", "sweep.yaml"], d, timeout=90)
            took = time.monotonic() - t0
            lines = r.stderr.strip().split("\n")
            check(r.returncode == 1 and len(lines) == 1 and "quad.db" in lines[0] and
                  "locked" in lines[0] and "another process held a lock" in lines[0] and
                  25 <= took <= 50, f"gpbo run on a locked file: exit {r.returncode} after "
                  f"{took:.1f} s: {r.stderr!r}")
        except subprocess.TimeoutExpired:
            check(False, "gpbo run on a locked file: still waiting after 90 s")
    finally:
        locker.kill()
        locker.wait()
    r = run(["run", "sweep.yaml"], d)
    check(r.returncode == 0, f"released, the study resumes: {r.returncode} {r.stderr}")
    t = json.loads(run(["export", "sweep.yaml", "--format", "json"], d).stdout)
    check(len(t) == 4 and all(x["state"] == "complete" for x in t), f"4 complete: {t}")
    check(t[:2] == before, "the trials told before are unchanged")


def main():
    if PG_URL:
        tests = [test_metric_renamed]
    else:
        tests = [test_read_only_study, test_metric_renamed, test_pg_no_server, test_output_cap,
                 test_study_file_removed, test_another_programs_database,
                 test_full_disk, test_damaged_file, test_study_file_locked]
    only = [a for a in sys.argv[2:] if not a.startswith("--pg=")]
    return run_tests(tests, prefix="gpbo-storage-user-", only=only)


if __name__ == "__main__":
    sys.exit(main())
