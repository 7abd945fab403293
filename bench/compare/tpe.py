#!/usr/bin/python3
"""Optuna's TPE on gpbo's test functions, and the table against compare_bench's CSV (issue 18).

The functions are gpbo's own, called through ctypes from libgpbo_testfn.so (the same code
compare_bench runs, no second implementation to drift), so the two CSVs measure one problem.

  /usr/bin/python3 bench/compare/tpe.py run --lib build/lib/libgpbo_testfn.so \
      --problems ackley_sr:5,levy_sr:6 --seeds 5 --budget 80 --csv tpe.csv
  /usr/bin/python3 bench/compare/tpe.py table --budgets 60,80 gpbo.csv tpe.csv

`run` writes compare_bench's CSV format (strategy, problem, seed, evaluation, best, regret) with
the strategy "tpe": Optuna's TPESampler with its defaults (10 random startup trials, like
gpbo's 10-point initial design) and seed = the run's seed, every coordinate a float over the
function's box. With `--noise SD` every value TPE sees carries Gaussian noise of that standard
deviation (its own draws, seeded by the run's seed), and the regret is the true value at the
trial of the best noisy one, as compare_bench's `--noise` measures it. `table` prints, per problem and budget, each strategy's median [q1, q3] of the
simple regret over seeds (quantiles interpolated linearly, as compare_core.c does) as a
Markdown table, then at each budget on how many problems gpbo's bayes beats TPE (a median
more than 5 % lower), loses (more than 5 % higher) or ties (within 5 %: two searches stuck at
one basin's value differ by less).
"""
import argparse
import csv
import ctypes
import random
import statistics
import sys

FN = ctypes.CFUNCTYPE
D = ctypes.c_double
SZ = ctypes.c_size_t
P = ctypes.POINTER(D)


class TestFunction(ctypes.Structure):
    """gpbo_test_function of gpbo/testfn.h."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("dim", SZ),
        ("min_dim", SZ),
        ("bounds", FN(None, SZ, P, P)),
        ("optimum", FN(D, SZ)),
        ("argmin", FN(ctypes.c_int, SZ, P)),
        ("f", FN(D, SZ, P)),
    ]


def load(lib, spec):
    """The function of "name" or "name:dim": (dimension, lo, hi, f*, f)."""
    so = ctypes.CDLL(lib)
    so.gpbo_test_function_find.restype = ctypes.POINTER(TestFunction)
    name, _, dim = spec.partition(":")
    ptr = so.gpbo_test_function_find(name.encode())
    if not ptr:
        sys.exit(f"tpe.py: unknown test function {name}")
    t = ptr.contents
    d = t.dim or int(dim or 4)
    lo, hi = (D * d)(), (D * d)()
    t.bounds(d, lo, hi)
    fn = t.f

    def f(x):
        return fn(d, (D * d)(*x))

    return d, list(lo), list(hi), t.optimum(d), f


def run(args):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with open(args.csv, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["strategy", "problem", "seed", "evaluation", "best", "regret"])
        for spec in args.problems.split(","):
            d, lo, hi, opt, f = load(args.lib, spec)
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
                rng = random.Random(seed)
                best, truth = float("inf"), float("inf")
                for e in range(args.budget):
                    trial = study.ask()
                    x = [trial.suggest_float(f"x{k}", lo[k], hi[k]) for k in range(d)]
                    y = f(x)
                    seen = y + args.noise * rng.gauss(0.0, 1.0) if args.noise > 0 else y
                    study.tell(trial, seen)
                    if seen < best:
                        best, truth = seen, y
                    w.writerow(["tpe", spec, seed, e + 1, repr(truth), f"{truth - opt:.6g}"])
                best = truth
                print(f"tpe {spec} seed {seed}: regret {best - opt:.4g}", file=sys.stderr)


def quantile(v, q):
    v = sorted(v)
    pos = q * (len(v) - 1)
    i = int(pos)
    return v[i] if i + 1 >= len(v) else v[i] * (1 - (pos - i)) + v[i + 1] * (pos - i)


def table(args):
    reg = {}  # (problem, strategy, budget) -> regrets over seeds
    budgets = [int(b) for b in args.budgets.split(",")]
    order, strategies = [], []
    for path in args.csv:
        with open(path) as f:
            for r in csv.DictReader(f):
                e = int(r["evaluation"])
                if e not in budgets:
                    continue
                if r["problem"] not in order:
                    order.append(r["problem"])
                if r["strategy"] not in strategies:
                    strategies.append(r["strategy"])
                reg.setdefault((r["problem"], r["strategy"], e), []).append(float(r["regret"]))
    print("| problem | n | " + " | ".join(strategies) + " | bayes / tpe |")
    print("| --- | ---: |" + " --- |" * len(strategies) + " ---: |")
    score = {b: [0, 0, 0] for b in budgets}  # wins, ties, losses
    for p in order:
        for b in budgets:
            cells, med = [], {}
            for s in strategies:
                v = reg.get((p, s, b), [])
                if not v:
                    cells.append("")
                    continue
                med[s] = statistics.median(v)
                cells.append(f"{med[s]:.3g} [{quantile(v, 0.25):.2g}, {quantile(v, 0.75):.2g}]")
            ratio = ""
            if "bayes" in med and "tpe" in med:
                r = med["bayes"] / med["tpe"] if med["tpe"] > 0 else float("inf")
                score[b][0 if r < 0.95 else 2 if r > 1.05 else 1] += 1
                ratio = f"{med['bayes'] / med['tpe']:.3g}" if med["tpe"] > 0 else "inf"
            print(f"| {p} | {b} | " + " | ".join(cells) + f" | {ratio} |")
    for b in budgets:
        w, t, l = score[b]
        print(f"at {b}: gpbo bayes beats TPE on {w} of {len(order)} problems, ties {t}, loses {l}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--lib", default="build/lib/libgpbo_testfn.so")
    r.add_argument("--problems", required=True)
    r.add_argument("--seeds", type=int, default=5)
    r.add_argument("--first-seed", type=int, default=0)
    r.add_argument("--budget", type=int, default=80)
    r.add_argument("--csv", required=True)
    r.add_argument("--noise", type=float, default=0.0)
    t = sub.add_parser("table")
    t.add_argument("--budgets", default="60,80")
    t.add_argument("csv", nargs="+")
    a = ap.parse_args()
    run(a) if a.cmd == "run" else table(a)


if __name__ == "__main__":
    main()
