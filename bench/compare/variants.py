"""variants.py: Bayesian search on test functions changed the ways the compare suite's are not:
additive Gaussian noise, categorical parameters, and a trial always pending (two workers). Used
to check whether a change measured on the deterministic suite holds there too (bench/compare/
README.md, session 14: the pessimistic prior mean in more than 8 coordinates).

    /usr/bin/python3 bench/compare/variants.py BUILD OUT.csv [SEEDS [KINDS]]

BUILD is a build tree (its python/ package is imported, so two builds compare side by side).
OUT.csv is compare_bench's format (strategy, problem, seed, evaluation, best, regret; one row a
run, at its last evaluation), the problem named function:variant:noise ("levy:d12:0.05"), so
bench/compare/pair.py pairs two builds' files. Variants, 60 evaluations, 10 initial, default
options, seeds 0..SEEDS-1 (10):
  - d4 / d12: the function in 4 / 12 dimensions, noise sd 0, 0.05 and 0.2 times the function's
    standard deviation over the box (2000 uniform points);
  - P12: 12 dimensions, no noise, one trial always pending (ask two, tell the older);
  - C6 / C6P: 6 continuous dimensions and 3 categoricals of 4 choices, each choice adding its
    own offset (0-9), sequential / with a trial pending;
  - C6Z: the same 3 categoricals, but none of them matters (every offset 0): what a tuner meets
    when some of the parameters it is given do not change the result (the demo sweep's
    optimizer-specific and schedule-specific choices).
  - Z6+6: the function in 6 dimensions and 6 more coordinates it does not read (a tuner's
    parameters that do not matter), no noise.
KINDS (comma-separated, e.g. C6,C6P,C6Z) runs only those variants.
The regret is the noiseless function at the point with the best observed value, less the
function's minimum (0; the offsets' minimum is 0 too); `best` is that observed value.
Compare two files with `bench/compare/pair.py --budgets 60 A.csv B.csv`.
"""
import csv
import math
import sys

import numpy as np


def levy(x):
    w = 1 + (x - 1) / 4
    return float(math.sin(math.pi * w[0]) ** 2
                 + np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2))
                 + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2))


def rosenbrock(x):
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def styblinski_tang(x):
    return float(0.5 * np.sum(x ** 4 - 16 * x ** 2 + 5 * x) + 39.16616570377142 * len(x))


def ackley(x):
    d = len(x)
    return float(-20 * math.exp(-0.2 * math.sqrt(np.sum(x * x) / d))
                 - math.exp(np.sum(np.cos(2 * math.pi * x)) / d) + 20 + math.e)


FUNCTIONS = {"levy": (levy, -10, 10), "rosenbrock": (rosenbrock, -5, 10),
             "styblinski_tang": (styblinski_tang, -5, 5), "ackley": (ackley, -32.768, 32.768)}
OFFSETS = np.array([[0, 3, 8, 1.5], [2, 0, 5, 9], [6, 1, 0, 4]])  # categorical j, choice k
BUDGET = 60


def run(gpbo, space, d, f, seed, noise_sd, pending, cats, offsets):
    """(best observed value, the noiseless value there) of one run."""
    st = gpbo.Study(space, seed=seed, n_init=10)
    rng = np.random.default_rng(1000 + seed)
    queue, asked, told = [], 0, 0
    best_obs = best_true = math.inf
    while told < BUDGET:
        while len(queue) < 1 + pending and asked < BUDGET:
            queue.append(st.ask())
            asked += 1
        tr = queue.pop(0)
        x = np.array([tr.params["x%d" % i] for i in range(d)])
        v = f(x) + sum(offsets[j]["abcd".index(tr.params["c%d" % j])] for j in range(cats))
        y = v + noise_sd * rng.standard_normal()
        st.tell(tr, y)
        told += 1
        if y < best_obs:
            best_obs, best_true = y, v
    st.close()
    return best_obs, best_true


def main(build, out_path, seeds, kinds=None):
    sys.path.insert(0, build + "/python")
    import gpbo
    from gpbo.space import Categorical, Uniform
    out = csv.writer(open(out_path, "w", newline=""))
    out.writerow(["strategy", "problem", "seed", "evaluation", "best", "regret"])
    for name, (f, lo, hi) in FUNCTIONS.items():
        if name == "rosenbrock":
            variants = [("d4", 4, 0, 0), ("d12", 12, 0, 0)]
        else:
            variants = [("d4", 4, 0, 0), ("d12", 12, 0, 0), ("P12", 12, 1, 0), ("C6", 6, 0, 3),
                        ("C6P", 6, 1, 3), ("C6Z", 6, 0, 3), ("Z6+6", 6, 0, 0)]
        for kind, d, pending, cats in variants:
            if kinds is not None and kind not in kinds:
                continue
            offsets = OFFSETS * 0 if kind == "C6Z" else OFFSETS
            rs = np.random.default_rng(123)
            sd = float(np.std([f(rs.uniform(lo, hi, d)) for _ in range(2000)]))
            fracs = (0.0, 0.05, 0.2) if kind.startswith("d") else (0.0,)
            space = {"x%d" % i: Uniform(lo, hi) for i in range(d)}
            if kind == "Z6+6":
                space.update({"z%d" % i: Uniform(lo, hi) for i in range(6)})
            space.update({"c%d" % j: Categorical(["a", "b", "c", "d"]) for j in range(cats)})
            for frac in fracs:
                for seed in range(seeds):
                    problem = "%s:%s:%g" % (name, kind, frac)
                    best, r = run(gpbo, space, d, f, seed, frac * sd, pending, cats, offsets)
                    out.writerow(["bayes", problem, seed, BUDGET, repr(best), repr(r)])
                    print(problem, seed, "%.6g" % r, flush=True)


if __name__ == "__main__":
    if len(sys.argv) in (3, 4, 5):
        main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) >= 4 else 10,
             sys.argv[4].split(",") if len(sys.argv) == 5 else None)
    else:
        sys.exit(__doc__)
