#!/usr/bin/python3
"""bench/workers: many `gpbo run` processes on one study (issue 15's benchmark).

Drives the real gpbo binary: every worker is a separate `gpbo run SWEEP --storage URL --jobs J`
process, all started together on the same study and storage. Prints three tables, each line
with the baseline measured in the same run:

1. Null objective: trials per second with the random and the Bayesian strategy for 1, 2, 4, 8
   workers (each `--jobs 1`), on SQLite and on PostgreSQL (a throwaway server from
   scripts/pg-scratch), against Optuna (Debian's python3-optuna under /usr/bin/python3) with
   RandomSampler and TPESampler, N processes on one RDB storage (the same kind of SQLite file,
   the same PostgreSQL server), the same trial count. The objective for gpbo is a C program
   this script compiles (prints `loss=(x-1)^2+(y+2)^2`, exits): the cheapest real program a
   `command:` can start. Optuna runs twice: with the same formula as a Python function called
   in-process (`function`, the stricter baseline), and with the same program, one process a
   trial started by subprocess.run (`runs obj`, what an Optuna user tuning a program pays).
   A third gpbo row runs the in-process function too, through gpbo's Python package (N Python
   processes, each `gpbo.Study(..., storage=URL).optimize(f, n_trials=share)`, the clock from
   the same kind of barrier as Optuna's): the like-for-like line against Optuna's `function`.
   The target (random search >= 5x Optuna) is judged on the like-for-like pairs, each on a clock
   that treats both sides alike: `gpbo run` against Optuna running the same program, both
   rates from their barriers (every worker started, its storage open); gpbo's Python package
   against Optuna's function, both from their barriers. The other clocks are printed too:
   gpbo from its processes' start against Optuna from its barrier (the row's own ratio), and
   both from their processes' start.
2. A 1-second objective, 64 trials: wall time against the ideal 64 s / workers, and what each
   worker spends between two trials (the proposal, storing, starting the next process).
3. Objective exit to stored result: the objective writes its own CLOCK_REALTIME exit time to a
   side file named by $GPBO_TRIAL_ID; the storage's `finished` column is when gpbo stored the
   result. A study pre-filled with 200 complete trials (its initial design is 200 points, so
   the next trials are Bayesian proposals on a GP of 200+ observations, restarts off), then
   --jobs 2 on a 50 ms objective for 100 more trials: median, p99, max.

Timing: wall time runs from the first worker's start to the last worker's exit. Optuna's
workers first import optuna and load the study, then wait at a barrier; their clock starts at
the barrier (Python's start-up is left out, in Optuna's favour). gpbo's clock includes its
processes' start and the study's opening.

Usage: nice -n 0 /usr/bin/python3 bench/workers/run.py [options]   (--help lists them)
"""
import argparse
import math
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"

OBJ_C = r"""
/* The benchmark's objective: obj SLEEP SIDEDIR --x=X --y=Y. Sleeps SLEEP seconds, prints
 * loss=(x-1)^2+(y+2)^2, and when SIDEDIR is not "-" writes "START EXIT" (CLOCK_REALTIME, s)
 * to SIDEDIR/$GPBO_TRIAL_ID, EXIT read after the loss was written, just before exiting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
int main(int argc, char **argv)
{
    double start = wall(), x = 0, y = 0;
    if (argc < 3)
        return 2;
    double s = atof(argv[1]);
    for (int i = 3; i < argc; i++) {
        if (!strncmp(argv[i], "--x=", 4))
            x = atof(argv[i] + 4);
        else if (!strncmp(argv[i], "--y=", 4))
            y = atof(argv[i] + 4);
    }
    if (s > 0) {
        struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
        nanosleep(&ts, NULL);
    }
    printf("loss=%.17g\n", (x - 1) * (x - 1) + (y + 2) * (y + 2));
    fflush(stdout);
    if (strcmp(argv[2], "-") != 0) {
        const char *id = getenv("GPBO_TRIAL_ID");
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[2], id ? id : "unknown");
        FILE *f = fopen(path, "w");
        if (f == NULL)
            return 3;
        double exit_time = wall();
        fprintf(f, "%.6f %.6f\n", start, exit_time);
        fclose(f);
    }
    return 0;
}
"""

OPTUNA_WORKER = r"""
import subprocess
import sys
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
url, name, sampler, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
prog = sys.argv[5] if len(sys.argv) > 5 else None  # run this program per trial, as gpbo does
mk = optuna.samplers.RandomSampler if sampler == "random" else optuna.samplers.TPESampler
study = optuna.load_study(study_name=name, storage=url, sampler=mk())
print("ready", flush=True)
sys.stdin.readline()  # the barrier
done = 0
def objective(trial):
    x = trial.suggest_float("x", -4.0, 4.0)
    y = trial.suggest_float("y", -4.0, 4.0)
    if prog is None:
        return (x - 1) ** 2 + (y + 2) ** 2
    # The program gpbo's workers run, started the way an Optuna user runs one (no side file).
    out = subprocess.run([prog, "0", "-", "--x=%r" % x, "--y=%r" % y], stdout=subprocess.PIPE,
                         check=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("loss="):
            return float(line[5:])
    raise RuntimeError("no loss= line from " + prog)
def count(study, trial):
    global done
    done += trial.state == optuna.trial.TrialState.COMPLETE
study.optimize(objective, n_trials=n, callbacks=[count])
print("done", done, flush=True)
"""

GPBO_PY_WORKER = r"""
import sys
import gpbo
url, name, strategy, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
study = gpbo.Study({"x": gpbo.Uniform(-4.0, 4.0), "y": gpbo.Uniform(-4.0, 4.0)}, storage=url,
                   name=name, strategy=strategy)
print("ready", flush=True)
sys.stdin.readline()  # the barrier
done = 0
def objective(p):
    global done
    done += 1  # a value returned is told, or optimize raises and the process fails
    return (p["x"] - 1) ** 2 + (p["y"] + 2) ** 2
study.optimize(objective, n_trials=n)
study.close()  # every tell stored
print("done", done, flush=True)
"""


def log(*a):
    print(*a, flush=True)


# ---- storage access (the trials table gpbo writes) ---------------------------------------------


class Store:
    """One backend: the URL gpbo gets per study, and reading a study's trials back."""

    def __init__(self, kind, work, pg_url=None):
        self.kind, self.work, self.pg_url = kind, work, pg_url

    def gpbo_url(self, name):
        return os.path.join(self.work, name + ".db") if self.kind == "sqlite" else self.pg_url

    def optuna_url(self, name):
        if self.kind == "sqlite":
            return "sqlite:///" + os.path.join(self.work, "optuna-" + name + ".db")
        return sqlalchemy_url(self.pg_url, "optuna")

    def trials(self, name):
        """[(id, state, worker, started, finished)] of study name, by id."""
        q = ("SELECT t.id, t.state, t.worker, t.started, t.finished FROM trials t "
             "JOIN studies s ON s.id = t.study WHERE s.name = {} ORDER BY t.id")
        if self.kind == "sqlite":
            path = self.gpbo_url(name)
            if not os.path.exists(path):
                return []
            con = sqlite3.connect(path)
            try:
                return con.execute(q.format("?"), (name,)).fetchall()
            except sqlite3.Error:
                return []
            finally:
                con.close()
        import psycopg2
        con = psycopg2.connect(self.pg_url)
        try:
            cur = con.cursor()
            cur.execute(q.format("%s"), (name,))
            return cur.fetchall()
        except psycopg2.Error:
            return []
        finally:
            con.close()


def sqlalchemy_url(libpq_url, dbname):
    """postgresql:///gpbo?host=/dir&user=u -> postgresql+psycopg2://u@/DBNAME?host=/dir (the
    other query parameters kept; user and password from the query or the authority)."""
    u = urllib.parse.urlsplit(libpq_url)
    q = urllib.parse.parse_qsl(u.query)
    user = u.username or ""
    pw = u.password or ""
    keep = []
    for k, v in q:
        if k == "user":
            user = v
        elif k == "password":
            pw = v
        else:
            keep.append((k, v))
    auth = urllib.parse.quote(user, safe="")
    if pw:
        auth += ":" + urllib.parse.quote(pw, safe="")
    if auth:
        auth += "@"
    host = u.hostname or ""
    if u.port:
        host += ":%d" % u.port
    query = urllib.parse.urlencode(keep, safe="/")
    return "postgresql+psycopg2://%s%s/%s%s" % (auth, host, dbname, "?" + query if query else "")


# ---- running workers ---------------------------------------------------------------------------


def sweep_text(name, method, run_cap, sleep, side, obj, extra=""):
    return (f"name: {name}\n"
            f"method: {method}\n"
            "metric: {name: loss, goal: minimize}\n"
            f"run_cap: {run_cap}\n"
            "parameters:\n"
            "  x: {min: -4.0, max: 4.0}\n"
            "  y: {min: -4.0, max: 4.0}\n"
            f'command: ["{obj}", "{sleep}", "{side}", "${{args}}"]\n'
            "gpbo:\n"
            "  jobs: 1\n" + extra)


def run_gpbo(args, store, name, sweep, workers, jobs, timeout, extra=()):
    """Starts `workers` gpbo processes together; returns (wall s, [exit codes], last stderr
    line of the first that failed)."""
    path = os.path.join(store.work, name + ".yaml")
    with open(path, "w") as f:
        f.write(sweep)
    procs, errs = [], []
    args.started_wall = time.time()
    t0 = time.monotonic()
    for i in range(workers):
        err = open(os.path.join(store.work, "%s.w%d.err" % (name, i)), "w+")
        errs.append(err)
        procs.append(subprocess.Popen(
            [args.gpbo, "run", path, "--storage", store.gpbo_url(name), "--jobs", str(jobs)]
            + list(extra), cwd=store.work, stdout=subprocess.DEVNULL, stderr=err))
    codes = []
    for p in procs:
        try:
            codes.append(p.wait(timeout=max(1.0, t0 + timeout - time.monotonic())))
        except subprocess.TimeoutExpired:
            p.kill()
            codes.append(p.wait())
    wall = time.monotonic() - t0
    why = ""
    for c, e in zip(codes, errs):
        e.seek(0)
        lines = [ln.strip() for ln in e.read().splitlines() if ln.strip()]
        e.close()
        if c != 0 and not why:
            why = lines[-1] if lines else "exit %d" % c
    return wall, codes, why


def run_at_barrier(cmds, timeout, env=None):
    """Starts one process a command; each prints "ready" once its storage is open, waits for a
    line on stdin (the barrier, released when all are ready), runs its share and prints "done
    N" (N complete trials). Returns (wall s from the barrier to the last exit, the same from the
    processes' start, completed trials, error text)."""
    spawned = time.monotonic()
    procs = [subprocess.Popen(c, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for c in cmds]
    for p in procs:  # every worker has loaded its library and opened the study
        if p.stdout.readline().strip() != "ready":
            for q in procs:
                q.kill()
            return None, None, 0, "a worker did not start: " + p.stderr.read()[-300:]
    t0 = time.monotonic()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    done, why = 0, ""
    for p in procs:
        try:
            out, err = p.communicate(timeout=max(1.0, t0 + timeout - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        if p.returncode == 0 and out.split()[:1] == ["done"]:
            done += int(out.split()[1])
        elif not why:
            why = (err.strip().splitlines() or ["exit %d" % p.returncode])[-1]
    end = time.monotonic()
    return end - t0, end - spawned, done, why


def shares(trials, workers):
    return [trials // workers + (1 if i < trials % workers else 0) for i in range(workers)]


def run_optuna(args, store, name, sampler, workers, trials, timeout, prog=None):
    """N Optuna processes on one study, trials split evenly, the objective a Python function or
    (prog) the program gpbo runs, one process a trial; returns run_at_barrier's tuple."""
    url = store.optuna_url(name)
    script = os.path.join(store.work, "optuna_worker.py")
    import optuna  # the study is created here, before the clock starts
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        optuna.create_study(study_name=name, storage=url)
    except Exception as e:  # noqa: BLE001 (any failure is the row's)
        return None, None, 0, "creating the study: %s" % str(e).splitlines()[0]
    tail = [prog] if prog else []
    return run_at_barrier([[PY, script, url, name, sampler, str(n)] + tail
                           for n in shares(trials, workers)], timeout)


def run_gpbo_python(args, store, name, strategy, workers, trials, timeout):
    """N Python processes on one gpbo study through gpbo's Python package, the objective the
    formula as a Python function (as Optuna's `function`), trials split evenly; returns
    run_at_barrier's tuple. The study is created first, by one process, before the clock."""
    env = dict(os.environ, PYTHONPATH=args.gpbo_python)
    script = os.path.join(store.work, "gpbo_py_worker.py")
    url = store.gpbo_url(name)
    mk = subprocess.run([PY, script, url, name, strategy, "0"], input="\n", env=env,
                        capture_output=True, text=True)
    if mk.returncode != 0:
        return None, None, 0, "creating the study: %s" % (
            mk.stderr.strip().splitlines() or ["exit %d" % mk.returncode])[-1]
    return run_at_barrier([[PY, script, url, name, strategy, str(n)]
                           for n in shares(trials, workers)], timeout, env)


def complete(rows):
    return sum(1 for r in rows if r[1] == 1)


# ---- the tables --------------------------------------------------------------------------------


def table_null(args, stores, obj):
    log("\n1. Null objective: trials per second, every worker a separate process (gpbo: "
        "`gpbo run --jobs 1` each;")
    log("   objective: %s, a C program compiled by this script that prints "
        "loss=(x-1)^2+(y+2)^2, writes its start and exit times to a side file and exits;"
        % os.path.basename(obj))
    log("   Optuna, trials split evenly over its processes, clock from the barrier: "
        "`function` = the same formula as a Python function called in-process; `runs obj` = "
        "the same program gpbo runs, one process a trial by subprocess.run;")
    log("   the row under them without a backend: gpbo's Python package, N processes each "
        "`gpbo.Study(...).optimize(f)` on the formula in-process, clock from a barrier as "
        "Optuna's, against Optuna's `function`)")
    log("%-8s %-6s %2s | %-26s | %-42s | %s" % ("backend", "method", "w", "gpbo trials/s",
                                                 "Optuna trials/s", "gpbo / Optuna"))
    rows = []
    for store in stores:
        for method, sampler in (("random", "random"), ("bayes", "tpe")):
            n = args.trials if method == "random" else args.bayes_trials
            for w in args.workers:
                name = "null-%s-%s-w%d" % (store.kind, method, w)
                side = os.path.join(store.work, name + ".side")
                os.makedirs(side)
                sw = sweep_text(name, method, n, 0, side, obj)
                wall, codes, why = run_gpbo(args, store, name, sw, w, 1, args.timeout)
                trials = store.trials(name)
                got = complete(trials)
                times = side_times(side)
                detail = breakdown(trials, times, args.started_wall)
                g = got / wall if got else 0.0
                gb = rate_from_barrier(trials, times, args.started_wall, wall)
                gtxt = "%7.1f (%d in %.2f s)" % (g, got, wall)
                gfail = any(codes) or got != n
                if gfail:
                    gtxt += " FAILED: %s" % (why or "%d of %d trials" % (got, n))[:160]
                if args.no_optuna:
                    log("%-8s %-6s %2d | %-26s |" % (store.kind, method, w, gtxt))
                    log(detail)
                    continue
                ofunc = None
                for kind in args.optuna_objective:
                    prog = obj if kind == "program" else None
                    oname = name + ("-program" if prog else "")
                    o, ratio, line, start = optuna_row(args, store, oname, sampler, w, n, prog,
                                                       g if not gfail else 0.0,
                                                       gb if not gfail else 0.0)
                    if kind == args.optuna_objective[0]:
                        log("%-8s %-6s %2d | %-26s | %s" % (store.kind, method, w, gtxt, line))
                        log(detail)
                    else:
                        log("%-8s %-6s %2d | %-26s | %s" % ("", "", w, "", line))
                    log(start)
                    rows.append((store.kind, method, w, kind, g, o, ratio))
                    if kind == "function":
                        ofunc = o
                if not args.no_python:
                    pname = name + "-py"
                    line, p, ratio = python_row(args, store, pname, method, w, n, ofunc)
                    log("%-8s %-6s %2d | %s" % ("", "", w, line))
                    rows.append((store.kind, method, w, "python", p, ofunc, ratio))
    return rows


def target_5(ratio):
    """Table 1's verdict on a like-for-like ratio gpbo / Optuna (random search)."""
    return "target >= 5: %s" % ("met" if ratio >= 5 else "MISSED")


def python_row(args, store, name, method, w, n, ofunc):
    """gpbo's Python package with the in-process function, against Optuna's `function` rate
    ofunc of the same line (None: not measured): (the row's text, rate, ratio)."""
    pwall, _, pdone, pwhy = run_gpbo_python(args, store, name, method, w, n, args.timeout)
    p = pdone / pwall if pwall and pdone == n and not pwhy else 0.0
    ptxt = "%7.1f (%d in %.2f s)" % (p, pdone, pwall) if pwall else "n/a"
    if pwhy or pdone != n:
        ptxt += " FAILED: %s" % (pwhy or "%d of %d trials" % (pdone, n))[:160]
    ratio = p / ofunc if ofunc and p > 0 else float("nan")
    verdict = ""
    if method == "random" and ratio == ratio:
        verdict = "  " + target_5(ratio)
    return ("%-26s | %-42s | x%.2f%s" % (ptxt, "gpbo Python package, function, from barrier",
                                         ratio, verdict), p, ratio)


def rate_from_barrier(rows, times, t0, wall):
    """gpbo's trials per second on Optuna's clock: from the moment every worker had started
    its first objective (the point where Optuna's barrier stands: processes started, storage
    opened) to the last worker's exit, counting the complete trials whose objective started
    from then on. 0 when the side files do not say."""
    fs = first_starts(rows, times, t0)
    if fs is None or wall - fs[1] <= 0:
        return 0.0
    barrier = t0 + fs[1]
    n = sum(1 for r in rows if r[1] == 1 and r[0] in times and times[r[0]][0] >= barrier)
    return n / (wall - fs[1])


def optuna_row(args, store, name, sampler, w, n, prog, g, gb=0.0):
    """One Optuna run against gpbo's rate g (gb: gpbo's rate from its barrier, see
    rate_from_barrier): (rate, ratio, the row's Optuna part, its start). The ratio printed in
    the row is g over Optuna's rate from its barrier (gpbo's start counted, Optuna's not). The
    target's verdict is given for like-for-like pairs only, on a clock that treats both alike:
    the program row (both run obj) with both rates from their barriers. The function row pits
    a process a trial against an in-process call and gets none: its like-for-like line is the
    Python package's row (python_row)."""
    owall, ostart, odone, owhy = run_optuna(args, store, name, sampler, w, n, args.timeout, prog)
    o = odone / owall if owall else 0.0
    what = "Random" if sampler == "random" else "TPE"
    what += ", runs obj" if prog else ", function"
    otxt = "%7.1f (%d in %.2f s, %s)" % (o, odone, owall, what) if owall else "n/a"
    if owhy:
        otxt += " FAILED: %s" % owhy
    ratio = g / o if o > 0 and g > 0 else float("nan")
    both = gb / o if gb > 0 and o > 0 else float("nan")
    verdict = ""
    if sampler == "random" and prog and both == both:
        verdict = "  both from barriers x%.2f, %s" % (both, target_5(both))
    elif sampler == "random" and not prog:
        verdict = "  (a process a trial against a call: no target; like-for-like: the Python row)"
    orate0 = odone / ostart if ostart else 0.0
    start = ("    Optuna (%s) from its processes' start (import, load the study) to the last exit: "
             "%.1f trials/s (%.2f s)" % ("runs obj" if prog else "function", orate0, ostart or 0.0))
    if orate0 > 0 and g > 0:
        start += "; gpbo from its processes' start against that: x%.2f" % (g / orate0)
    if gb > 0 and o > 0:
        start += ("; both from their barriers (gpbo's from every worker's first objective: "
                  "%.1f trials/s): x%.2f" % (gb, both))
    return o, ratio, "%-42s | x%.2f%s" % (otxt, ratio, verdict), start


def side_times(side):
    out = {}
    for f in os.listdir(side):
        with open(os.path.join(side, f)) as fh:
            parts = fh.read().split()
        if len(parts) == 2 and f.isdigit():
            out[int(f)] = (float(parts[0]), float(parts[1]))
    return out


def pct(v, p):
    """Nearest-rank percentile."""
    s = sorted(v)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def ms(v):
    return "%.0f" % (1e3 * v)


def between_trials(rows, times):
    """The time each worker spends between one objective's exit and the next one's start, and
    from a trial's reservation (`started`, taken before its proposal) to its objective's start:
    lists in seconds."""
    gaps, reserve = [], []
    by_worker = {}
    for tid, state, worker, started, finished in rows:
        if tid in times:
            by_worker.setdefault(worker, []).append(times[tid])
            if started:
                reserve.append(times[tid][0] - started)
    for ts in by_worker.values():
        ts.sort()
        gaps += [b[0] - a[1] for a, b in zip(ts, ts[1:]) if b[0] > a[1]]
    return gaps, reserve


def first_starts(rows, times, t0):
    """From the workers' start (t0, wall clock) to the first objective's start, and to the
    moment every worker had started its first objective (its process started and opened the
    study; Optuna's clock starts at such a point, its barrier): seconds."""
    first = {}
    for tid, state, worker, started, finished in rows:
        if tid in times:
            first[worker] = min(first.get(worker, float("inf")), times[tid][0])
    if not first:
        return None
    return min(first.values()) - t0, max(first.values()) - t0


def breakdown(rows, times, t0=None):
    """Where a gpbo trial's time goes (medians over the trials, ms), and the workers' start."""
    gaps, res = between_trials(rows, times)
    run = [e - b for b, e in times.values()]
    store = [r[4] - times[r[0]][1] for r in rows if r[0] in times and r[1] == 1 and r[4]]
    if not (gaps and res and store):
        return "    (no per-trial times)"
    line = ("    gpbo per trial, median ms: reserved->objective start %s, objective %s, "
            "exit->stored %s, a worker's exit->next start %s" % (
                ms2(statistics.median(res)), ms2(statistics.median(run)),
                ms2(statistics.median(store)), ms2(statistics.median(gaps))))
    fs = first_starts(rows, times, t0) if t0 is not None else None
    if fs:
        line += ("\n    gpbo's start: first objective %s ms after the workers were started, "
                 "every worker's first by %s ms" % (ms(fs[0]), ms(fs[1])))
    return line


def ms2(v):
    return "%.1f" % (1e3 * v)


def table_slow(args, store, obj):
    n, sec = args.slow_trials, args.slow_seconds
    log("\n2. A %g-second objective, %d trials, %s, each worker `--jobs 1`: wall time against "
        "the ideal %d x %g s / workers" % (sec, n, store.kind, n, sec))
    log("   between = a worker's time from one objective's exit to its next one's start (for "
        "bayes: the proposal, as --jobs 1 asks for it then);")
    log("   reserved = a trial's reservation to its objective's start (random proposes one trial "
        "ahead, so there it includes the wait for the previous one); ms, median / max;")
    log("   first = ms from starting the workers to the first objective's start; trials = the "
        "fewest and most trials a worker ran")
    log("%-6s %2s | %7s | %7s | %10s | %-11s | %-11s | %5s | %s" % (
        "method", "w", "wall s", "ideal s", "wall/ideal", "between ms", "reserved ms", "first",
        "trials"))
    rows = []
    for method in ("random", "bayes"):
        for w in args.workers:
            name = "slow-%s-%s-w%d" % (store.kind, method, w)
            side = os.path.join(store.work, name + ".side")
            os.makedirs(side)
            sw = sweep_text(name, method, n, sec, side, obj)
            wall, codes, why = run_gpbo(args, store, name, sw, w, 1, args.timeout)
            trials = store.trials(name)
            got = complete(trials)
            ideal = n * sec / w
            times = side_times(side)
            gaps, res = between_trials(trials, times)
            per = {}
            for r in trials:
                per[r[2]] = per.get(r[2], 0) + 1
            first = min((b for b, e in times.values()), default=args.started_wall)
            verdict = ""
            if method == "random" and w == 8:
                verdict = "  target <= 1.25 at 8 workers: %s" % (
                    "met" if wall / ideal <= 1.25 else "MISSED")
            fail = "" if got == n and not any(codes) else "  FAILED: %s" % (
                why or "%d of %d trials" % (got, n))
            log("%-6s %2d | %7.2f | %7.2f | %9.3fx | %-11s | %-11s | %5s | %s%s%s" % (
                method, w, wall, ideal, wall / ideal,
                "%s / %s" % (ms(statistics.median(gaps)), ms(max(gaps))) if gaps else "-",
                "%s / %s" % (ms(statistics.median(res)), ms(max(res))) if res else "-",
                ms(first - args.started_wall),
                "%d-%d" % (min(per.values()), max(per.values())) if per else "-",
                verdict, fail))
            rows.append((method, w, wall, ideal))
    return rows


def table_latency(args, store, obj):
    pre, n, sec = args.prefill, args.latency_trials, args.latency_sleep
    name = "latency-%s" % store.kind
    side = os.path.join(store.work, name + ".side")
    os.makedirs(side)
    extra = "  initial: %d\n  restart: 0\n" % pre
    # pre-fill: the initial design of the same study, without side files
    sw = sweep_text(name, "bayes", pre, 0, "-", obj, extra)
    wall0, codes, why = run_gpbo(args, store, name, sw, 1, 2, args.timeout)
    got0 = complete(store.trials(name))
    sw = sweep_text(name, "bayes", pre + n, sec, side, obj, extra)
    wall, codes, why = run_gpbo(args, store, name, sw, 1, 2, args.timeout)
    trials = store.trials(name)
    times = side_times(side)
    lat = [r[4] - times[r[0]][1] for r in trials if r[0] in times and r[1] == 1 and r[4]]
    gaps, res = between_trials(trials, times)
    log("\n3. Objective exit -> stored result (`finished` - the objective's own exit time), %s:"
        % store.kind)
    log("   bayes, one worker `--jobs 2`, restarts off, %d complete trials pre-filled (%.1f s), "
        "then %d trials of a %g s objective (%.1f s)" % (got0, wall0, n, sec, wall))
    if len(lat) < n or any(codes):
        log("   FAILED: %d latencies of %d; %s" % (len(lat), n, why))
    if lat:
        p99 = pct(lat, 99)
        log("   n=%d  median %s ms  p99 %s ms  max %s ms  (min %s ms)   target p99 <= 100 ms: %s"
            % (len(lat), ms(statistics.median(lat)), ms(p99), ms(max(lat)), ms(min(lat)),
               "met" if p99 <= 0.1 else "MISSED"))
    if res:
        log("   meanwhile, proposals (reservation to objective start): median %s ms, p90 %s ms, "
            "max %s ms, on GPs of %d..%d observations" % (
                ms(statistics.median(res)), ms(pct(res, 90)), ms(max(res)), pre,
                pre + n - 1))
    return lat


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gpbo", default=os.path.join(ROOT, "build", "cli", "gpbo"))
    ap.add_argument("--workers", default="1,2,4,8", help="worker counts (default 1,2,4,8)")
    ap.add_argument("--trials", type=int, default=200, help="table 1, random (default 200)")
    ap.add_argument("--bayes-trials", type=int, default=100,
                    help="table 1, bayes / TPE (default 100)")
    ap.add_argument("--slow-trials", type=int, default=64, help="table 2 (default 64)")
    ap.add_argument("--slow-seconds", type=float, default=1.0, help="table 2 (default 1)")
    ap.add_argument("--prefill", type=int, default=200, help="table 3 (default 200)")
    ap.add_argument("--latency-trials", type=int, default=100, help="table 3 (default 100)")
    ap.add_argument("--latency-sleep", type=float, default=0.05, help="table 3 (default 0.05)")
    ap.add_argument("--tables", default="1,2,3")
    ap.add_argument("--backends", default="sqlite,pg", help="sqlite,pg (default both)")
    ap.add_argument("--slow-backends", default="sqlite",
                    help="backends of tables 2 and 3 (default sqlite)")
    ap.add_argument("--pg-scratch", default=os.path.join(ROOT, "scripts", "pg-scratch"))
    ap.add_argument("--no-optuna", action="store_true")
    ap.add_argument("--optuna-objective", default="function,program",
                    help="table 1: Optuna's objective, `function` (the formula in-process) and/or "
                         "`program` (runs the same obj as gpbo; default both)")
    ap.add_argument("--no-python", action="store_true",
                    help="table 1: leave out the row of gpbo's Python package")
    ap.add_argument("--gpbo-python", help="the folder holding gpbo's Python package (default: "
                    "the build tree's, ../../python from --gpbo)")
    ap.add_argument("--timeout", type=float, default=600, help="per configuration (s)")
    ap.add_argument("--keep", help="work in this folder and keep it")
    args = ap.parse_args()
    args.workers = [int(w) for w in args.workers.split(",")]
    if args.gpbo_python is None:
        args.gpbo_python = os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(args.gpbo))), "python")
    args.optuna_objective = args.optuna_objective.split(",")
    if not args.optuna_objective or any(k not in ("function", "program")
                                        for k in args.optuna_objective):
        ap.error("--optuna-objective: function and/or program")
    tables = set(args.tables.split(","))
    backends = args.backends.split(",")
    slow_backends = args.slow_backends.split(",")

    work = args.keep or tempfile.mkdtemp(prefix="gpbo-bench-workers.")
    os.makedirs(work, exist_ok=True)
    pgdir = os.path.join(work, "pg")
    t_start = time.monotonic()
    try:
        obj = os.path.join(work, "obj")
        with open(obj + ".c", "w") as f:
            f.write(OBJ_C)
        subprocess.run(["cc", "-O2", "-o", obj, obj + ".c"], check=True)
        with open(os.path.join(work, "optuna_worker.py"), "w") as f:
            f.write(OPTUNA_WORKER)
        with open(os.path.join(work, "gpbo_py_worker.py"), "w") as f:
            f.write(GPBO_PY_WORKER)

        ver = subprocess.run([args.gpbo, "--version"], capture_output=True, text=True).stdout
        core = os.environ.get("OPENBLAS_CORETYPE")
        log("bench/workers  %s" % time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
        log("OpenBLAS kernels: %s; OPENBLAS_NUM_THREADS=%s" % (
            "OPENBLAS_CORETYPE=%s (from the environment)" % core if core
            else "OpenBLAS's own choice (OPENBLAS_CORETYPE unset)",
            os.environ.get("OPENBLAS_NUM_THREADS", "unset")))
        log("gpbo --version (%s):" % args.gpbo)
        for ln in ver.strip().splitlines():
            log("  " + ln)
        if not args.no_optuna:
            o = subprocess.run([PY, "-c", "import optuna, sqlalchemy; print(optuna.__version__,"
                                " sqlalchemy.__version__)"], capture_output=True, text=True)
            log("Optuna %s" % (o.stdout.strip() or o.stderr.strip().splitlines()[-1]))
        log("CPUs: %d; load average at start: %.2f %.2f %.2f; nice %d" % (
            (os.cpu_count() or 0,) + os.getloadavg() + (os.nice(0),)))

        stores = {}
        if "sqlite" in backends or "sqlite" in slow_backends:
            stores["sqlite"] = Store("sqlite", work)
        if "pg" in backends or "pg" in slow_backends:
            r = subprocess.run([args.pg_scratch, "start", pgdir], capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit("bench/workers: %s start failed: %s" % (args.pg_scratch, r.stderr))
            url = r.stdout.strip().splitlines()[-1]
            import psycopg2
            con = psycopg2.connect(url)
            con.autocommit = True
            con.cursor().execute("CREATE DATABASE optuna")
            con.close()
            stores["pg"] = Store("pg", work, url)
            log("PostgreSQL: %s (scripts/pg-scratch; Optuna: %s)" % (
                url, sqlalchemy_url(url, "optuna")))

        if "1" in tables:
            table_null(args, [stores[b] for b in backends], obj)
        if "2" in tables:
            for b in slow_backends:
                table_slow(args, stores[b], obj)
        if "3" in tables:
            for b in slow_backends:
                table_latency(args, stores[b], obj)
        log("\nload average at end: %.2f %.2f %.2f; total %.0f s" % (
            os.getloadavg() + (time.monotonic() - t_start,)))
    finally:
        if os.path.exists(pgdir):
            subprocess.run([args.pg_scratch, "stop", pgdir])
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
