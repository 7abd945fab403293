#!/usr/bin/python3
"""Which of Hartmann 6's two basins each run ends in, and which one its initial design favoured.

Hartmann 6 has its global minimum -3.32237 at X_GLOBAL and a second minimum -3.20316 (regret
0.119) at X_SECOND, far apart in the cube. A run's basin is the minimizer nearer to its best point;
what the design favoured is the basin whose side (the points nearer that minimizer than the other)
held the design's best value. Reads the database `compare_bench --keep DB` left:

    OPENBLAS_NUM_THREADS=1 build/bench/compare/compare_bench --problems hartmann6 --strategies bayes \\
        --seeds 200 --first-seed 1000 --budget 60 --budgets 60 --jobs 1 --keep h6.db
    /usr/bin/python3 bench/compare/basins.py h6.db [--init 10] [--at 60]

Prints, for every strategy: the runs in each basin at evaluation --at (with a Wilson 95 %
interval for the share in the second), and the table of end basin against the design's favourite.
"""
import argparse
import json
import math
import sqlite3
import sys

X_GLOBAL = (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)
X_SECOND = (0.40465, 0.88244, 0.84610, 0.57399, 0.13893, 0.03850)


def side(x):
    """'global' or 'second': the minimizer nearer to x."""
    dg = sum((a - b) ** 2 for a, b in zip(x, X_GLOBAL))
    ds = sum((a - b) ** 2 for a, b in zip(x, X_SECOND))
    return "global" if dg <= ds else "second"


def favourite(trials):
    """The side whose points hold the best value among trials (x, y)."""
    best = {"global": math.inf, "second": math.inf}
    for x, y in trials:
        s = side(x)
        best[s] = min(best[s], y)
    return "global" if best["global"] <= best["second"] else "second"


def wilson(k, n, z=1.96):
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (c - h, c + h)


def runs(db):
    """{strategy: [[(x, y), ...] per run in trial order]} for the hartmann6 studies of db."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    out = {}
    for sid, name in con.execute("SELECT id, name FROM studies ORDER BY id"):
        parts = name.split("/")
        if len(parts) != 3 or parts[1] != "hartmann6":
            continue
        rows = con.execute(
            "SELECT params, value FROM trials WHERE study = ? AND value IS NOT NULL ORDER BY id",
            (sid,),
        ).fetchall()
        out.setdefault(parts[0], []).append([(json.loads(p), v) for p, v in rows])
    con.close()
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db")
    ap.add_argument("--init", type=int, default=10, help="the initial design's size (10)")
    ap.add_argument("--at", type=int, default=60, help="the evaluation the basin is read at")
    a = ap.parse_args(argv)
    try:
        found = runs(a.db)
    except sqlite3.Error as e:
        print("%s: not a database of compare_bench --keep (%s)" % (a.db, e), file=sys.stderr)
        return 1
    if not found:
        print("no hartmann6 runs in %s" % a.db, file=sys.stderr)
        return 1
    short = sum(len(r) < a.at for rs in found.values() for r in rs)
    if short:
        # reading a shorter run's last trial as its state at --at would label the table wrongly
        print("%s: %d run(s) hold fewer than --at %d trials; give --at their budget"
              % (a.db, short, a.at), file=sys.stderr)
        return 1
    for strategy, rs in sorted(found.items()):
        table = {}
        for r in rs:
            head = r[: a.at]
            x_best = min(head, key=lambda t: t[1])[0]
            key = (side(x_best), favourite(r[: a.init]))
            table[key] = table.get(key, 0) + 1
        n = len(rs)
        k = sum(v for (end, _), v in table.items() if end == "second")
        lo, hi = wilson(k, n)
        print("%s: %d runs, %d (%.1f %%, 95 %% interval %.1f-%.1f %%) in the second basin at "
              "evaluation %d" % (strategy, n, k, 100 * k / n, 100 * lo, 100 * hi, a.at))
        print("  %-22s %14s %14s" % ("end basin \\ design's", "global side", "second side"))
        for end in ("global", "second"):
            g, s = table.get((end, "global"), 0), table.get((end, "second"), 0)
            print("  %-22s %14d %14d" % (end, g, s))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
