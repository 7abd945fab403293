"""The geometry of several objectives against Optuna 3.1's, as a demanding Optuna user checks
it: gpbo_hypervolume (through ctypes, beside the package's libraries) against Optuna's own WFG
(optuna._hypervolume.WFG, every objective minimized, points no worse than the reference) on
random fronts of 2 to 5 objectives and up to hundreds of points, with ties, duplicates, points on
and beyond the reference and NaN rows; its invariances on fronts of hundreds of
points in 4 and 5 objectives; its answers at the edges (NaN reference, infinite boxes); and
Study.best_trials against Optuna's study.best_trials on the same trials, failed, pruned and
running ones among them, objectives minimized and maximized; and with outcome constraints, the
front of the feasible trials against Optuna's best_trials of those trials alone (Optuna 3.1's
ignores constraints), on SRN run by the Bayesian and random strategies.

Run by ctest with PYTHONPATH at the build tree's staged package.
"""
import ctypes as C
import math
import random

import numpy as np
import optuna
import pytest
from optuna._hypervolume import WFG

import gpbo

optuna.logging.set_verbosity(optuna.logging.WARNING)
_DP = C.POINTER(C.c_double)


def _hv_fn():
    lib = gpbo._lib.library("search")
    return gpbo._lib.declare(lib, "gpbo_hypervolume", C.c_double,
                             [C.c_size_t, C.c_size_t, _DP, _DP])


def gpbo_hv(y, ref):
    """gpbo_hypervolume of the rows of y (every objective minimized) below ref."""
    y = np.ascontiguousarray(y, dtype=float).reshape(-1, len(ref))
    ref = np.ascontiguousarray(ref, dtype=float)
    return _hv_fn()(y.shape[0], y.shape[1], y.ctypes.data_as(_DP), ref.ctypes.data_as(_DP))


def optuna_hv(y, ref):
    """Optuna's WFG of the same rows: it takes only rows no worse than ref in every value (it
    raises ValueError on others, and on NaN), so those that add nothing are left out first."""
    y = np.asarray(y, dtype=float)
    keep = np.all(y <= ref, axis=1) if len(y) else np.zeros(0, bool)
    return WFG().compute(y[keep], np.asarray(ref, dtype=float)) if keep.any() else 0.0


def _front(rng, kind, n, k):
    if kind == 0:  # continuous, few non-dominated
        return rng.random((n, k))
    if kind == 1:  # a small integer grid: ties in every coordinate and duplicates
        return rng.integers(0, 4, (n, k)).astype(float)
    if kind == 2:  # every point non-dominated (a sphere's positive orthant)
        y = np.abs(rng.normal(size=(n, k)))
        return -y / (np.linalg.norm(y, axis=1, keepdims=True) + 1e-12)
    if kind == 3:  # a few points drawn again and again, at large and negative values
        base = rng.normal(size=(max(1, n // 4), k)) * 1e3
        return base[rng.integers(0, len(base), n)]
    return rng.random((n, k)) * np.array([1e-3, 1.0, 1e3, 1.0, 1e-3])[:k]  # scales far apart


def test_hypervolume_matches_optunas_wfg():
    """140 random fronts: 2 and 3 objectives up to 300 and 150 points, 4 and 5 up to 60 and 40
    (Optuna's WFG, in Python, takes a minute on 100 points of a sphere in 5); the reference
    inside the cloud (many points beyond it in some value) or beyond it, points put exactly on
    it in one value, a NaN row: within 1e-12 relative (measured: a few 1e-16). (Both take
    every objective minimized: a maximized one enters negated, as the study's front does it,
    test_best_trials_match_optunas.)"""
    rng = np.random.default_rng(2385)
    sizes = {2: 300, 3: 150, 4: 60, 5: 40}
    for case in range(140):
        k = 2 + case % 4
        n = int(rng.integers(1, sizes[k] if case % 5 != 2 else sizes[k] // 2 + 1))
        y = _front(rng, case % 5, n, k)
        if rng.random() < 0.6:
            ref = np.quantile(y, rng.uniform(0.3, 1.0), axis=0)
        else:
            ref = y.max(axis=0) + rng.random(k)
        if rng.random() < 0.4:  # on the reference in one value: a box of no volume
            rows = rng.integers(0, n, max(1, n // 5))
            cols = rng.integers(0, k, len(rows))
            y[rows, cols] = ref[cols]
        want = optuna_hv(y, ref)
        if case % 7 == 0:  # a NaN row adds nothing (Optuna refuses it: it is left out there)
            y = np.vstack([y, y[:1]])
            y[-1, int(rng.integers(0, k))] = math.nan
        got = gpbo_hv(y, ref)
        assert abs(got - want) <= 1e-12 * abs(want), (case, k, n, got, want)


def _sphere(rng, n, k):
    y = np.abs(rng.normal(size=(n, k)))
    return y / np.linalg.norm(y, axis=1, keepdims=True)


@pytest.mark.parametrize("k,n", [(4, 500), (5, 300), (5, 500)])
def test_hypervolume_of_large_fronts(k, n):
    """A front of hundreds of points, every one non-dominated (on a sphere), in 4 and 5
    objectives: the value does not depend on the order of the objectives nor of the rows, nor on
    dominated rows and duplicates added. (Its cost is bench/python/hypervolume.py's, against
    Optuna's WFG: no timed test.)"""
    rng = np.random.default_rng(n + k)
    y, ref = _sphere(rng, n, k), np.full(k, 1.1)
    hv = gpbo_hv(y, ref)
    assert 0 < hv < 1.1 ** k
    perm = rng.permutation(k)
    more = np.vstack([y, y[: n // 10], y[: n // 10] + 0.01])  # duplicates and dominated rows
    for other in (y[:, perm], y[rng.permutation(n)], more):
        assert gpbo_hv(other, ref[perm] if other is not more else ref) == \
            pytest.approx(hv, rel=1e-12)
    # and each point adds a part of its own: leaving one out lowers it
    assert gpbo_hv(y[1:], ref) < hv


def test_hypervolume_edges():
    """A NaN in the reference gives NaN (it gave 0: nothing was below it); a row below the
    reference with an infinite side (-inf in a value, or +inf in the reference) has an infinite
    box, so the hypervolume is +inf, in every number of objectives (the WFG sums must not make
    NaN of inf - inf); rows on or beyond the reference, or none, give 0."""
    for k in range(1, 6):
        ref = np.full(k, 1.0)
        half = np.full((1, k), 0.5)
        bad = ref.copy()
        bad[k - 1] = math.nan
        assert math.isnan(gpbo_hv(half, bad))
        for col in range(k):
            low = np.vstack([half, np.full((1, k), 0.2)])
            low[:, col] = -math.inf
            assert gpbo_hv(np.vstack([low, np.full((3, k), 0.3)]), ref) == math.inf, (k, col)
            far = ref.copy()
            far[col] = math.inf
            assert gpbo_hv(np.vstack([half, np.full((1, k), 0.7)]), far) == math.inf
        assert gpbo_hv(np.vstack([ref, ref + 1]), ref) == 0.0
        assert gpbo_hv(np.zeros((0, k)), ref) == 0.0


def test_best_trials_match_optunas():
    """Study.best_trials (gpbo_study_pareto) against Optuna's study.best_trials on the same
    trials added to both: 1 to 5 objectives of random directions, values on a small grid (ties,
    duplicates, trials equal to earlier ones) or continuous, failed, pruned and running trials
    among them (never on the front): the same trial numbers, 80 studies."""
    from optuna.distributions import FloatDistribution
    rng = random.Random(2385)
    dist = {"x": FloatDistribution(0, 1)}
    for case in range(80):
        k = 1 + case % 5
        dirs = [rng.choice(["minimize", "maximize"]) for _ in range(k)]
        theirs = optuna.create_study(directions=dirs)
        if k == 1:
            ours = gpbo.Study({"x": gpbo.Uniform(0, 1)}, direction=dirs[0], strategy="random",
                              seed=1)
        else:
            ours = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=1,
                              objectives={"o%d" % j: d for j, d in enumerate(dirs)})
        grid = rng.choice([2, 4, None])
        told = []
        for i in range(rng.randint(1, 50)):
            x = rng.random()
            vals = [float(rng.randint(0, grid)) if grid else rng.gauss(0, 1) for _ in range(k)]
            if told and rng.random() < 0.2:
                vals = list(rng.choice(told))
            state = rng.choice(["complete"] * 6 + ["failed", "pruned", "running"])
            if state == "complete":
                told.append(vals)
                theirs.add_trial(optuna.trial.create_trial(params={"x": x}, distributions=dist,
                                                           values=vals))
                ours.add_trial({"x": x}, values=vals if k > 1 else vals[0])
            elif state == "running":
                theirs.ask().suggest_float("x", 0, 1)
                ours.ask()
            else:
                st = optuna.trial.TrialState.FAIL if state == "failed" else \
                    optuna.trial.TrialState.PRUNED
                theirs.add_trial(optuna.trial.create_trial(params={"x": x}, distributions=dist,
                                                           state=st))
                ours.add_trial({"x": x}, state=state)
        want = sorted(t.number for t in theirs.best_trials)
        assert [r.id for r in ours.best_trials] == want, (case, dirs)
        ours.close()


def _srn(x1, x2):
    """SRN (Srinivas & Deb 1994): two objectives, two constraints (g1 <= 225, g2 <= 0)."""
    return ([2 + (x1 - 2) ** 2 + (x2 - 1) ** 2, 9 * x1 - (x2 - 1) ** 2],
            {"g1": x1 * x1 + x2 * x2, "g2": x1 - 3 * x2 + 10})


@pytest.mark.parametrize("strategy", ["bayes", "random"])
def test_constrained_best_trials_match_filtered_optunas(strategy):
    """Constraints with several objectives (Optuna: directions=[...] with a sampler's
    constraints_func): Study.best_trials is Optuna's best_trials of the feasible trials alone,
    no infeasible trial is on it, and on SRN the front of every trial holds infeasible ones
    (those near x1 = -20), so the filter is seen at work. (The Bayesian strategy's quality is
    measured over seeds in tests/search/test_mo_constraints.c.)"""
    from optuna.distributions import FloatDistribution
    dist = {"x1": FloatDistribution(-20, 20), "x2": FloatDistribution(-20, 20)}
    space = {"x1": gpbo.Uniform(-20, 20), "x2": gpbo.Uniform(-20, 20)}
    for seed in range(3):
        ours = gpbo.Study(space, directions=["minimize", "minimize"], strategy=strategy,
                          seed=seed, constraints={"g1": (None, 225.0), "g2": (None, 0.0)})
        feasible = optuna.create_study(directions=["minimize", "minimize"])
        every = optuna.create_study(directions=["minimize", "minimize"])
        ids, infeasible = [], set()
        for i in range(25):
            t = ours.ask()
            vals, cons = _srn(t.params["x1"], t.params["x2"])
            ours.tell(t, vals, metrics=cons)
            ok = cons["g1"] <= 225.0 and cons["g2"] <= 0.0
            fr = optuna.trial.create_trial(params=t.params, distributions=dist, values=vals)
            every.add_trial(fr)
            if ok:
                ids.append(i)
                feasible.add_trial(fr)
            else:
                infeasible.add(i)
        want = sorted(ids[t.number] for t in feasible.best_trials)
        got = [r.id for r in ours.best_trials]
        assert got == want and got, (strategy, seed)
        assert not set(got) & infeasible
        assert {t.number for t in every.best_trials} & infeasible, "the filter is at work"
        ours.close()
