"""Stepped parameters, Optuna's suggest_float(step=) and suggest_int(step=) (and Optuna 2's
suggest_discrete_uniform): gpbo takes only the values of Optuna 3.1's grid for the same bounds
(high not a multiple of step moved down as Optuna moves it), every strategy proposes only those,
a stored study gives them back equal, and values off the grid are refused.
"""
import math
import warnings

import optuna
import pytest

import gpbo

optuna.logging.set_verbosity(optuna.logging.WARNING)

BOUNDS = [(0.1, 1.0, 0.2), (0, 0.7, 0.1), (-1, 1, 0.3), (0, 1, 0.25), (0.001, 0.002, 0.0001),
          (2, 2, 0.5), (0, 1, 0.3), (-3.7, 12.2, 1.1)]


def optuna_grid(low, high, step):
    """Optuna's FloatDistribution(low, high, step=step): its values (as Optuna computes them,
    low + k * step clipped into [low, high]) and its high."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna warns when it moves high
        d = optuna.distributions.FloatDistribution(low, high, step=step)
    n = int(round((d.high - d.low) / d.step))
    return [min(d.low + k * d.step, d.high) for k in range(n + 1)], d.high


def index_in(grid, v):
    hits = [k for k, g in enumerate(grid) if math.isclose(v, g, rel_tol=1e-12, abs_tol=1e-15)]
    return hits[0] if hits else None


@pytest.mark.parametrize("strategy", ["random", "sobol", "bayes", "grid"])
@pytest.mark.parametrize("low, high, step", BOUNDS)
def test_suggest_float_step_takes_optunas_grid(low, high, step, strategy):
    grid, ohigh = optuna_grid(low, high, step)
    n = 24 if strategy != "bayes" else 12
    study = gpbo.Study(seed=5, strategy=strategy,
                       **({"n_init": 4} if strategy == "bayes" else {}),
                       **({"grid_resolution": 50} if strategy == "grid" else {}))
    seen = []

    def objective(trial):
        x = trial.suggest_float("x", low, high, step=step)
        seen.append(x)
        return (x - (low + high) / 2.01) ** 2

    study.optimize(objective, n)
    assert seen and all(type(x) is float for x in seen)
    ks = [index_in(grid, x) for x in seen]
    assert None not in ks, (seen, grid)
    sp = study.space["x"]
    assert type(sp) is gpbo.Uniform and sp.step == step and sp.lo == low
    assert math.isclose(sp.hi, ohigh, rel_tol=1e-12)
    if strategy == "grid":  # a resolution above the number of points: each point once (the
        # first trial, drawn before the study exists, takes the place of the grid's point 0)
        assert len(seen) == min(n, len(grid)) and len(set(ks[1:])) == len(ks) - 1
        assert set(ks[1:]) == set(range(1, len(grid)))
    elif len(grid) > 3:  # a proposal strategy reaches more than one point
        assert len(set(ks)) > 1


def test_suggest_int_step_takes_optunas_grid(tmp_path):
    url = "sqlite:///%s" % (tmp_path / "s.db")
    study = gpbo.Study(storage=url, name="n", seed=2, strategy="random")
    seen = []

    def objective(trial):
        n = trial.suggest_int("n", 2, 21, step=3)  # 21 is no value: high moves down to 20
        seen.append(n)
        return float(n)

    study.optimize(objective, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna warns when it moves high
        d = optuna.distributions.IntDistribution(2, 21, step=3)
    want = set(range(d.low, d.high + 1, d.step))
    assert want == {2, 5, 8, 11, 14, 17, 20}
    assert all(type(n) is int for n in seen) and set(seen) <= want and len(set(seen)) >= 5
    assert study.space["n"] == gpbo.Int(2, 20, step=3) and study.space["n"].hi == d.high
    # Optuna's own trial for the same call takes only those values too
    ostudy = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ostudy.optimize(lambda t: t.suggest_int("n", 2, 21, step=3), 30)
    assert {t.params["n"] for t in ostudy.trials} <= want
    # reopened without its space: the step comes back, every value equal
    again = gpbo.Study(storage=url, name="n")
    assert again.space["n"] == gpbo.Int(2, 20, step=3)
    assert [r.params["n"] for r in again.trials] == seen


def test_stored_float_values_read_back_equal(tmp_path):
    url = "sqlite:///%s" % (tmp_path / "f.db")
    study = gpbo.Study(storage=url, name="f", seed=9, strategy="random")
    study.optimize(lambda t: t.suggest_float("x", 0, 1, step=0.1) +
                   t.suggest_discrete_uniform("q", -1, 1, 0.3), 20)
    vals = [(r.params["x"], r.params["q"]) for r in study.trials]
    again = gpbo.Study(storage=url, name="f")
    assert [(r.params["x"], r.params["q"]) for r in again.trials] == vals
    assert again.space["q"] == gpbo.Uniform(-1, 1, step=0.3)
    grid, _ = optuna_grid(-1, 1, 0.3)
    assert all(index_in(grid, q) is not None for _, q in vals)
    # the same call reopened: the same space, the values suggested are the stored ones
    seen = []
    again.optimize(lambda t: seen.append(t.suggest_discrete_uniform("q", -1, 1, 0.3)) or
                   t.suggest_float("x", 0, 1, step=0.1), 3)
    assert len(seen) == 3 and all(index_in(grid, q) is not None for q in seen)


def test_off_grid_values_are_refused_and_near_ones_stored_on_the_grid():
    study = gpbo.Study(seed=1, strategy="random")
    study.optimize(lambda t: t.suggest_float("x", 0, 1, step=0.1), 2)
    with pytest.raises(ValueError, match="'x'"):
        study.enqueue({"x": 0.15})
    study.enqueue({"x": 0.3})  # 0.1 * 3 within rounding
    t = study.ask()
    assert t.params["x"] == 3 * 0.1
    study.tell(t, 0.0)
    # a contradicting step is another distribution
    t = study.ask()
    with pytest.raises(ValueError, match="step"):
        t.suggest_float("x", 0, 1, step=0.2)
    with pytest.raises(ValueError):
        t.suggest_float("x", 0, 1)
    assert index_in(optuna_grid(0, 1, 0.1)[0], t.suggest_float("x", 0, 1, step=0.1)) is not None


def test_first_trial_draws_on_the_grid_and_enqueued_values_checked():
    """A define-by-run study's first trial is drawn in Python: on the grid too, an enqueued
    value within rounding is taken as its grid point, one off it is refused as Optuna would
    not take it."""
    for seed in range(30):
        study = gpbo.Study(seed=seed)
        t = study.ask()
        x = t.suggest_float("x", -1, 1, step=0.3)
        n = t.suggest_int("n", 1, 10, step=4)
        assert index_in(optuna_grid(-1, 1, 0.3)[0], x) is not None and n in (1, 5, 9)
        study.tell(t, x + n)
        assert study.trials[0].params == {"x": x, "n": n}
    study = gpbo.Study(seed=0)
    study.enqueue_trial({"x": 0.4})
    t = study.ask()
    assert t.suggest_float("x", -0.5, 1, step=0.3) == -0.5 + 3 * 0.3
    # far from 0 a decimal grid point is some ulps from lo + k * step: still that point
    study = gpbo.Study(seed=0)
    study.enqueue_trial({"f": 123456.700001})
    t = study.ask()
    assert t.suggest_float("f", 123456.7, 123457.7, step=1e-6) == 123456.7 + 1e-6
    study.tell(t, 0.0)
    study.enqueue_trial({"f": 123456.700002})
    t = study.ask()
    assert t.suggest_float("f", 123456.7, 123457.7, step=1e-6) == 123456.7 + 2e-6
    study = gpbo.Study(seed=0)
    study.enqueue_trial({"n": 6})
    t = study.ask()
    with pytest.raises(ValueError, match="enqueued value 6"):
        t.suggest_int("n", 1, 10, step=4)


def test_fixed_distributions_carry_the_step():
    study = gpbo.Study(seed=3, strategy="random")
    dists = {"x": optuna.distributions.FloatDistribution(0, 1, step=0.25),
             "n": optuna.distributions.IntDistribution(0, 9, step=3)}
    for _ in range(6):
        t = study.ask(fixed_distributions=dists)
        assert t.params["x"] in (0, 0.25, 0.5, 0.75, 1.0) and t.params["n"] in (0, 3, 6, 9)
        study.tell(t, t.params["x"])
    assert t.distributions["x"] == gpbo.Uniform(0, 1, step=0.25)
    assert t.distributions["n"] == gpbo.Int(0, 9, step=3)


def test_space_classes_check_the_step():
    with pytest.raises(ValueError):
        gpbo.Uniform(0, 1, step=0)
    with pytest.raises(ValueError):
        gpbo.Int(0, 9, step=0)
    with pytest.raises(ValueError):
        gpbo.Int(1, 9, step=2, log=True)
    assert gpbo.Int(0, 10, step=3).hi == 9 and gpbo.Uniform(0, 1, step=0.3).hi == 0.3 * 3
    assert gpbo.Uniform(0, 0.7, step=0.1).hi == 0.7
    assert "step=3" in repr(gpbo.Int(0, 10, step=3))
