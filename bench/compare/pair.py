#!/usr/bin/env python3
"""Paired comparison of two compare_bench CSVs run by run (issue 18's before/after tables).

  python3 bench/compare/pair.py --budgets 60 base.csv new.csv
  python3 bench/compare/pair.py --budgets 60,80 --strategy bayes base.csv new.csv

Both CSVs are compare_bench's format (strategy, problem, seed, evaluation, best, regret; tpe.py
writes the same). For each problem and budget, the runs of the same seed are paired: a run is
"better" ("worse") when its simple regret at that budget is lower (higher) than the baseline's by
more than 0.1 % of the larger of the two (and by more than 1e-12: two runs that both reached the
optimum tie), else "equal". Printed per problem: median [upper quartile] before -> after, better /
worse / equal, the mean of log10(after / before) (regrets floored at 1e-12), the worst run after,
and the two-sided sign test's p-value of better against worse (equal runs left out); then the
totals. Only seeds present in both files are paired. Quantiles are interpolated linearly, as
compare_core.c does. The standard library only, so any python3 runs it.
"""
import argparse
import csv
import math
import sys
from collections import defaultdict

REL = 1e-3  # a difference below 0.1 % of the larger regret is a tie
ABS = 1e-12  # ... and so is one below this (both at the optimum)


def load(path, strategy):
    """{(problem, budget): {seed: regret}} at every evaluation count of the file."""
    out = defaultdict(dict)
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if strategy and row["strategy"] != strategy:
                continue
            out[(row["problem"], int(row["evaluation"]))][int(row["seed"])] = float(row["regret"])
    return out


def quantile(xs, q):
    s = sorted(xs)
    h = (len(s) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def sign_test(b, w):
    """Two-sided exact binomial p-value of b successes in b + w fair trials."""
    n = b + w
    if n == 0:
        return 1.0
    k = min(b, w)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0**n
    return min(1.0, 2 * tail)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("--budgets", default="60", help="evaluation counts, comma-separated")
    ap.add_argument("--strategy", default="bayes", help="the strategy compared ('' : any)")
    ap.add_argument("--new-strategy", default=None, help="the new file's strategy if another")
    a = ap.parse_args()
    base = load(a.base, a.strategy)
    new = load(a.new, a.new_strategy if a.new_strategy is not None else a.strategy)
    budgets = [int(b) for b in a.budgets.split(",")]
    for n in budgets:
        if len(budgets) > 1:
            print(f"-- at {n} evaluations")
        tb = tw = te = 0
        problems = sorted({p for (p, e) in base if e == n and (p, n) in new})
        if not problems:
            sys.exit(f"pair.py: no problem has runs at {n} evaluations in both files")
        for p in problems:
            rb, rn = base[(p, n)], new[(p, n)]
            seeds = sorted(set(rb) & set(rn))
            b = w = e = 0
            logs = []
            for s in seeds:
                x, y = rb[s], rn[s]
                if abs(y - x) <= max(ABS, REL * max(abs(x), abs(y))):
                    e += 1
                elif y < x:
                    b += 1
                else:
                    w += 1
                logs.append(math.log10(max(y, ABS) / max(x, ABS)))
            before = [rb[s] for s in seeds]
            after = [rn[s] for s in seeds]
            print(
                f"{p:22s} {quantile(before, 0.5):10.3g} [{quantile(before, 0.75):9.3g}] -> "
                f"{quantile(after, 0.5):10.3g} [{quantile(after, 0.75):9.3g}]  "
                f"{b:2d}/{w:2d}/{e:d}  mlog10 {sum(logs) / len(logs):+.2f}  "
                f"max {max(after):.3g}  p {sign_test(b, w):.2g}"
            )
            tb, tw, te = tb + b, tw + w, te + e
        print(f"total better/worse/equal {tb}/{tw}/{te}  sign test p {sign_test(tb, tw):.2g}")


if __name__ == "__main__":
    main()
