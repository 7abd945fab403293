"""heartbeat.py: what one heartbeat costs a SQLite study of many trials, with and without the
running trials' index (search/storage_sqlite.c, `trials_running`), in the same run.

A study of N random-search trials is made through the Python package (every trial complete but
the last RUNNING ones, which one worker holds), then the heartbeat's UPDATE (storage_sqlite.c's
ST_HEARTBEAT, the statement a study's heartbeat thread runs every `heartbeat` seconds, default 10)
is timed in its own transaction, as the storage runs it: with the index gpbo makes, then with it
dropped, then made again, alternating for --rounds. Prints the mean and the ratio.

usage: PYTHONPATH=build/python /usr/bin/python3 bench/asks/heartbeat.py [--trials 20000]
           [--running 4] [--reps 200] [--rounds 2] [--dir /tmp]
"""
import argparse
import os
import sqlite3
import tempfile
import time

import gpbo

HEARTBEAT = "UPDATE trials SET heartbeat = ? WHERE study = ? AND worker = ? AND state = 0"
INDEX = "CREATE INDEX IF NOT EXISTS trials_running ON trials(study, worker) WHERE state = 0"


def make_study(path, trials, running):
    space = {"lr": gpbo.LogUniform(1e-5, 1e-1), "dropout": gpbo.Uniform(0.0, 0.5),
             "width": gpbo.Int(16, 512), "opt": gpbo.Categorical(["adam", "sgd", "rmsprop"])}
    study = gpbo.Study(space, storage=path, name="heartbeat", strategy="random", seed=0)
    for i in range(trials - running):
        t = study.ask()
        study.tell(t, float(i % 97))
    held = [study.ask() for _ in range(running)]
    return study, held


def time_heartbeats(path, reps):
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA synchronous=NORMAL")
    sid, worker = c.execute("SELECT study, worker FROM trials WHERE state = 0 LIMIT 1").fetchone()
    t0 = time.process_time()
    for _ in range(reps):
        c.execute("BEGIN IMMEDIATE")
        c.execute(HEARTBEAT, (time.time(), sid, worker))
        c.execute("COMMIT")
    dt = (time.process_time() - t0) / reps
    plan = " ".join(r[3] for r in c.execute("EXPLAIN QUERY PLAN " + HEARTBEAT, (0, sid, worker)))
    c.close()
    return dt, plan


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--running", type=int, default=4)
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    a = ap.parse_args()
    path = os.path.join(a.dir, f"heartbeat_bench_{os.getpid()}.db")
    study, held = make_study(path, a.trials, a.running)
    print(f"{a.trials} trials, {a.running} running; CPU per heartbeat (process time), "
          f"{a.reps} heartbeats a measurement")
    try:
        with_, without = [], []
        for r in range(a.rounds):
            dt, plan = time_heartbeats(path, a.reps)
            with_.append(dt)
            print(f"round {r}: with the index    {dt * 1e3:8.3f} ms   ({plan})")
            sqlite3.connect(path, isolation_level=None).execute("DROP INDEX trials_running")
            dt, plan = time_heartbeats(path, a.reps)
            without.append(dt)
            print(f"round {r}: without the index {dt * 1e3:8.3f} ms   ({plan})")
            sqlite3.connect(path, isolation_level=None).execute(INDEX)
        w, wo = sum(with_) / len(with_), sum(without) / len(without)
        print(f"mean: with {w * 1e3:.3f} ms, without {wo * 1e3:.3f} ms: without / with = {wo / w:.1f}")
    finally:
        del held, study
        for s in ("", "-wal", "-shm"):
            if os.path.exists(path + s):
                os.remove(path + s)


if __name__ == "__main__":
    main()
