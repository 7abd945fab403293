"""gpbo.Study and friends (python/gpbo/study.py, space.py), under Debian's pytest: Branin's
regret, studies shared with the gpbo command both ways, pruning, the ask/tell and optimize
contract, and bad input.

Run by ctest with PYTHONPATH at the build tree's staged package and GPBO_BINARY_DIR set.
"""
import csv
import io
import math
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import gpbo
from memory import assert_rss_flat

BRANIN_MIN = 0.397887357729738
GPBO = os.path.join(os.environ.get("GPBO_BINARY_DIR", "build"), "cli", "gpbo")
BRANIN_SPACE = {"x1": gpbo.Uniform(-5, 10), "x2": gpbo.Uniform(0, 15)}


def branin(p):
    x1, x2 = p["x1"], p["x2"]
    return ((x2 - 5.1 / (4 * math.pi ** 2) * x1 ** 2 + 5 / math.pi * x1 - 6) ** 2
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10)


def test_branin_regret_below_1e_2_in_40_trials():
    """Ask/tell (through optimize) on Branin, 20 seeds: every one ends with a regret < 1e-2
    after 40 Bayesian trials. Measured over seeds 0-299 (OpenBLAS Haswell kernels): median
    7.2e-5, 99th percentile 9.6e-4, worst 1.4e-3; over seeds 0-99 with Prescott's kernels worst
    1.4e-3, with OpenBLAS's own choice (Cooperlake on this AMD EPYC) worst 2.0e-3: a margin of
    5x or more whatever the kernels."""
    worst = 0.0
    for seed in range(20):
        study = gpbo.Study(BRANIN_SPACE, seed=seed)
        for _ in range(40):
            t = study.ask()
            study.tell(t, branin(t.params))
        assert len(study.trials) == 40
        worst = max(worst, study.best_value - BRANIN_MIN)
    assert worst < 1e-2, worst


def test_recommend_on_noisy_and_exact_objectives():
    """Study.recommend() (gpbo_study_recommend): on Branin with noise of standard deviation 1,
    40 trials, the recommended trial is a complete trial of the study whose predicted value is
    a number near its true value (the statistics, better than best_trial on 35 of 48 seeds
    and worse on 6, are tests/search/test_study_recommend.c's); without noise it is
    best_trial, predicted at its value; random search has no model and is refused."""
    import random
    rng = random.Random(5)
    study = gpbo.Study(BRANIN_SPACE, seed=5)
    for _ in range(40):
        t = study.ask()
        study.tell(t, branin(t.params) + rng.gauss(0, 1))
    rec, predicted = study.recommend()
    assert rec.state == "complete" and rec in study.trials
    assert abs(predicted - branin(rec.params)) < 3.0, (predicted, rec.params)
    exact = gpbo.Study(BRANIN_SPACE, seed=5)
    for _ in range(25):
        t = exact.ask()
        exact.tell(t, branin(t.params))
    rec, predicted = exact.recommend()
    assert rec == exact.best_trial and predicted == exact.best_value
    rnd = gpbo.Study(BRANIN_SPACE, strategy="random", seed=5)
    with pytest.raises(ValueError, match="no model"):
        rnd.recommend()
    for _ in range(3):
        t = rnd.ask()
        rnd.tell(t, branin(t.params))
    with pytest.raises(ValueError, match="no model"):
        rnd.recommend()


def test_recommend_past_1000_observations():
    """Past 1000 observations Study.recommend() answers from the model of 1000 of them
    (gpbo_study_recommend's rule: gpbo_study_model_capped's subset, a bounded fit instead of the
    exact GP of all, which costs minutes at 3000) and says so: the Recommendation's observations
    1000 of total 1100, capped. 1100 trials of Branin with noise of standard deviation 1 at random
    points (add_trial): the capped model still sees the noise (its prediction is not the
    observed value, and within one deviation of the true one) and its trial is near Branin's
    optimum (regret below 0.5; tests/search/test_study_recommend.c's figures). Below 1000 the
    pair says the model held every observation. The old recommend() returned a plain tuple of
    the exact GP's answer, with no account of the model."""
    import random
    rng = random.Random(11)
    study = gpbo.Study(BRANIN_SPACE, seed=11)
    for _ in range(1100):
        p = {"x1": rng.uniform(-5, 10), "x2": rng.uniform(0, 15)}
        study.add_trial(p, branin(p) + rng.gauss(0, 1))
    r = study.recommend()
    rec, predicted = r
    assert isinstance(r, gpbo.Recommendation) and r == (rec, predicted)
    assert (r.observations, r.total, r.capped) == (1000, 1100, True)
    assert r.trial is rec and r.predicted == predicted
    import copy
    import pickle
    again = pickle.loads(pickle.dumps(r))
    assert again == r and (again.observations, again.total) == (1000, 1100)
    assert copy.copy(r).capped
    assert rec.state == "complete" and rec in study.trials
    assert predicted != rec.value
    assert abs(predicted - branin(rec.params)) < 1.0, (predicted, rec.params)
    assert branin(rec.params) - BRANIN_MIN < 0.5, rec.params
    small = gpbo.Study(BRANIN_SPACE, seed=11)
    for _ in range(30):
        t = small.ask()
        small.tell(t, branin(t.params) + rng.gauss(0, 1))
    r = small.recommend()
    assert (r.observations, r.total, r.capped) == (30, 30, False)


def test_param_types_and_records():
    space = {"lr": gpbo.LogUniform(1e-4, 1e-1), "layers": gpbo.Int(1, 4),
             "width": gpbo.Int(8, 512, log=True), "act": gpbo.Categorical(["relu", None, 3]),
             "opt": gpbo.Constant("adam"), "epochs": gpbo.Constant(7), "x": gpbo.Uniform(-1, 1)}
    study = gpbo.Study(space, strategy="random", seed=3)
    seen = set()
    for _ in range(30):
        t = study.ask()
        p = t.params
        assert isinstance(p["lr"], float) and 1e-4 <= p["lr"] <= 1e-1
        assert isinstance(p["layers"], int) and 1 <= p["layers"] <= 4
        assert isinstance(p["width"], int) and 8 <= p["width"] <= 512
        assert p["opt"] == "adam" and p["epochs"] == 7
        seen.add(p["act"])
        study.tell(t, p["x"] ** 2)
    assert seen == {"relu", None, 3}
    recs = study.trials
    assert [r.id for r in recs] == list(range(30))
    assert all(r.state == "complete" and r.finished >= r.started > 0 for r in recs)
    best = min(recs, key=lambda r: r.value)
    assert study.best_value == best.value and study.best_params == best.params


def test_tell_failed_pruned_and_errors():
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="sobol", seed=1)
    a, b, c, d = (study.ask() for _ in range(4))
    study.tell(a, failed="out of memory")
    study.tell(b, pruned=True)
    study.tell(c, float("nan"))  # a non-finite value is a failure
    study.tell(d.id, 0.5)
    states = {r.id: (r.state, r.reason) for r in study.trials}
    assert states[a.id] == ("failed", "out of memory")
    assert states[b.id][0] == "pruned" and states[c.id][0] == "failed"
    assert states[d.id][0] == "complete"
    with pytest.raises(gpbo.GpboError, match="told|finished|running"):
        study.tell(d, 1.0)  # told already: the library refuses
    with pytest.raises(ValueError):
        study.tell(d)
    with pytest.raises(ValueError):
        study.tell(d, 1.0, pruned=True)


def test_optimize_exceptions_jobs_and_direction():
    def f(p):
        if p["x"] > 0.8:
            raise RuntimeError("too hot")
        return p["x"]

    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, direction="maximize", strategy="random",
                       seed=5)
    study.optimize(f, 40, n_jobs=3)
    recs = study.trials
    assert len(recs) == 40 and len({r.id for r in recs}) == 40
    failed = [r for r in recs if r.state == "failed"]
    assert failed and all(r.reason == "RuntimeError: too hot" for r in failed)
    assert all(r.params["x"] > 0.8 for r in failed)
    assert study.best_value == max(r.value for r in recs if r.state == "complete")

    with pytest.raises(KeyError):  # not in catch: stops the study, the trial told failed
        study.optimize(lambda p: p["nope"], 5, catch=(RuntimeError,))
    last = study.trials[-1]
    assert last.state == "failed" and "KeyError" in last.reason and len(study.trials) == 41


@pytest.mark.parametrize("strategy", ["random", "bayes"])
def test_optimize_one_step_tells_as_ask_and_tell(tmp_path, strategy):
    """optimize() with one thread tells each value and asks the next trial in one step
    (gpbo_study_tell_ask); the trials are those of an ask / tell loop on the same seed, in a
    stored study (the one-transaction path for random) and in memory, every one complete and
    none asked beyond n_trials."""
    space = {"x": gpbo.Uniform(-2, 2), "k": gpbo.Categorical(["a", "b"]), "n": gpbo.Int(1, 4)}

    def f(p):
        return (p["x"] - 0.3) ** 2 + p["n"] + (p["k"] == "b")

    for where in ("sqlite:///" + str(tmp_path / ("one-%s.db" % strategy)), None):
        a = gpbo.Study(space, storage=where, name="chain", strategy=strategy, seed=11, n_init=6)
        a.optimize(f, 9)
        b = gpbo.Study(space, strategy=strategy, seed=11, n_init=6)
        for _ in range(9):
            t = b.ask()
            b.tell(t, f(t.params))
        ra, rb = a.trials, b.trials
        assert [r.params for r in ra] == [r.params for r in rb]
        assert [r.value for r in ra] == [r.value for r in rb]
        assert len(ra) == 9 and all(r.state == "complete" for r in ra)
        a.optimize(f, 3)  # resumes: three more, the chain's first asked afresh
        assert len(a.trials) == 12 and all(r.state == "complete" for r in a.trials)
        a.close()


def test_optimize_grid_stops_when_exhausted():
    study = gpbo.Study({"k": gpbo.Categorical(["a", "b", "c"])}, strategy="grid", seed=0)
    study.optimize(lambda p: "abc".index(p["k"]), 10)
    assert sorted(r.params["k"] for r in study.trials) == ["a", "b", "c"]
    assert study.best_params == {"k": "a"}


def test_minimize_one_liner():
    study = gpbo.minimize(branin, BRANIN_SPACE, n_trials=25, seed=2)
    assert len(study.trials) == 25 and study.best_value - BRANIN_MIN < 0.5


def curve(p, step):
    """A learning curve that ends near p["x"]: a trial's rank is the same at every step."""
    return p["x"] + 1.0 / (1 + step)


@pytest.mark.parametrize("pruner", ["median", gpbo.HyperbandPruner(min_iter=1, eta=3)])
def test_pruning_through_report_and_should_prune(pruner):
    """Curves that keep their rank: the pruner stops trials, only ones worse than the median
    of those that ran to the end, and each pruned trial's stored curve ends where it stopped."""
    def objective(trial):
        for step in range(10):
            trial.report(step, curve(trial.params, step))
            if trial.should_prune():
                raise gpbo.TrialPruned()
        return curve(trial.params, 9)

    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=11, pruner=pruner)
    study.optimize(objective, 40, pass_trial=True)
    recs = study.trials
    pruned = [r for r in recs if r.state == "pruned"]
    done = [r for r in recs if r.state == "complete"]
    assert len(pruned) >= 10, len(pruned)
    median = sorted(r.params["x"] for r in done)[len(done) // 2]
    assert all(r.params["x"] > min(r2.params["x"] for r2 in done) for r in pruned)
    assert sum(r.params["x"] > median for r in pruned) >= 0.8 * len(pruned)
    for r in pruned:
        last = max(r.intermediate)  # hyperband's last rung is step 9 itself
        assert sorted(r.intermediate) == list(range(last + 1))
        assert r.intermediate[last] == curve(r.params, last)


def test_no_pruner_never_prunes():
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=1)
    t = study.ask()
    t.report(0, 5.0)
    assert not t.should_prune()
    study.tell(t, 5.0)
    assert study.trials[0].intermediate == {0: 5.0}


def gpbo_cli(*args):
    r = subprocess.run([GPBO, *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def test_python_study_read_by_the_cli(tmp_path):
    db = str(tmp_path / "py.db")
    study = gpbo.Study({"x": gpbo.Uniform(-2, 2), "n": gpbo.Int(1, 9),
                        "opt": gpbo.Categorical(["sgd", "adam"])}, storage="sqlite:///" + db,
                       name="from-python", strategy="random", seed=4)
    study.optimize(lambda p: p["x"] ** 2 + p["n"], 8)
    t = study.ask()
    study.tell(t, failed="crashed", metrics={"mem_mb": 900, "seconds": float("nan")})
    assert study.trials[t.id].metrics["mem_mb"] == 900
    assert math.isnan(study.trials[t.id].metrics["seconds"])
    with pytest.raises(ValueError):
        study.tell(study.ask(), 1.0, metrics={"": 1.0})
    best = study.best_trial
    out = gpbo_cli("export", "--storage", db, "--study", "from-python", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 10, out
    assert rows[t.id]["metrics.mem_mb"] == "900" and rows[t.id]["metrics.seconds"] == "", out
    byid = {int(next(v for k, v in r.items() if k in ("id", "trial"))): r for r in rows}
    assert byid[best.id]["opt"] == best.params["opt"]
    assert int(byid[best.id]["n"]) == best.params["n"]
    assert abs(float(byid[best.id]["x"]) - best.params["x"]) <= 1e-9 * 2
    shown = gpbo_cli("best", "--storage", db, "--study", "from-python")
    assert str(best.id) in shown and best.params["opt"] in shown, shown
    page = tmp_path / "report.html"
    gpbo_cli("report", "--storage", db, "--study", "from-python", "-o", str(page))
    assert "from-python" in page.read_text()
    study.close()


def test_remove_if_empty(tmp_path):
    """Study.remove_if_empty (gpbo_study_remove_if_empty): a stored study with no trial is
    removed, with its attributes (its typed choices and a user attribute: the library refused
    the delete for them, "FOREIGN KEY constraint failed"), so that a study made next in the file
    starts bare; one with a trial is kept; in memory or never stored, nothing is removed; the
    study is closed in every case; a storage that fails is StorageError, a closed study
    ValueError."""
    url = "sqlite:///%s" % (tmp_path / "rm.db")
    space = {"x": gpbo.Uniform(0, 1), "width": gpbo.Categorical([16, 32])}
    study = gpbo.Study(space, storage=url, name="empty")
    study.set_user_attr("purpose", "import")
    assert study.remove_if_empty() is True
    assert "empty" not in gpbo.get_all_study_names(url)
    with pytest.raises(ValueError):
        study.ask()
    with pytest.raises(ValueError):
        study.remove_if_empty()
    again = gpbo.Study({"y": gpbo.Uniform(0, 1)}, storage=url, name="next")
    assert again.user_attrs == {} and again._all_attrs() == {}
    again.tell(again.ask(), 2.385)
    assert again.remove_if_empty() is False
    assert "next" in gpbo.get_all_study_names(url)
    with gpbo.Study(storage=url, name="next") as kept:
        assert len(kept.trials) == 1
    assert gpbo.Study(space).remove_if_empty() is False  # in memory
    lazy = gpbo.Study(storage=url, name="lazy")  # define-by-run: stored at its first tell
    assert lazy.remove_if_empty() is False
    assert "lazy" not in gpbo.get_all_study_names(url)
    gone = gpbo.Study(space, storage="sqlite:///%s" % (tmp_path / "gone.db"), name="g")
    os.remove(tmp_path / "gone.db")  # the file deleted under it: nothing can be stored
    with pytest.raises(gpbo.StorageError, match="deleted or replaced"):
        gone.remove_if_empty()
    with pytest.raises(ValueError):
        gone.ask()


def test_conditional_parameters(tmp_path):
    """when= (issue 20): an inactive parameter is left out of params, the conditions survive the
    storage (reopened without a space) and the command's export shows null for it."""
    db = str(tmp_path / "cond.db")
    space = {"units3": gpbo.Int(8, 64, when={"layers": 3}),  # a child before its parent
             "opt": gpbo.Categorical(["sgd", "adam", "rms"]),
             "m": gpbo.Uniform(0, 0.9, when={"opt": ["sgd", "rms"]}),
             "layers": gpbo.Int(1, 3)}
    for strategy in ["random", "bayes"]:
        study = gpbo.Study(space, storage=db, name=strategy, strategy=strategy, seed=2)
        study.optimize(lambda p: p["layers"] + p.get("m", 1.0), 16)
        for rec in study.trials:
            p = rec.params
            assert ("m" in p) == (p["opt"] != "adam"), p
            assert ("units3" in p) == (p["layers"] == 3), p
        study.close()
    again = gpbo.Study(storage=db, name="random")
    assert again.space["m"].when == {"opt": ["sgd", "rms"]}
    assert again.space["units3"].when == {"layers": [3]}
    assert all(("m" in r.params) == (r.params["opt"] != "adam") for r in again.trials)
    again.close()
    out = gpbo_cli("export", "--storage", db, "--study", "random", "--format", "json")
    assert '"m": null' in out, out
    with pytest.raises(ValueError):
        gpbo.Study({"m": gpbo.Uniform(0, 1, when={"nope": 1})})
    with pytest.raises(ValueError):
        gpbo.Study({"o": gpbo.Categorical(["a"]), "m": gpbo.Uniform(0, 1, when={"o": "b"})})
    with pytest.raises(ValueError):
        gpbo.Uniform(0, 1, when={"a": 1, "b": 2})


def test_cli_study_read_and_continued_from_python(tmp_path):
    obj = tmp_path / "obj.py"
    obj.write_text("import sys\nkv = dict(a.lstrip('-').split('=') for a in sys.argv[1:])\n"
                   "print('loss=%r' % ((float(kv['x']) - 1) ** 2 + float(kv['y']) ** 2))\n")
    (tmp_path / "sweep.yaml").write_text(
        "name: quad\nmethod: random\nmetric: {name: loss, goal: minimize}\nrun_cap: 6\n"
        "parameters:\n  x: {min: -4.0, max: 4.0}\n  y: {min: -4.0, max: 4.0}\n"
        'command: ["/usr/bin/python3", "%s", "${args}"]\n' % obj)
    db = str(tmp_path / "cli.db")
    r = subprocess.run([GPBO, "run", str(tmp_path / "sweep.yaml"), "--storage", db,
                        "--study", "quad"], capture_output=True, text=True, timeout=300,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    study = gpbo.Study(storage=db, name="quad")  # the stored space and options
    assert set(study.space) == {"x", "y"}
    recs = study.trials
    assert len(recs) == 6 and all(r.state == "complete" for r in recs)
    for rec in recs:
        assert rec.value == pytest.approx((rec.params["x"] - 1) ** 2 + rec.params["y"] ** 2,
                                          rel=1e-9)  # the command passes values as text
        assert rec.metrics == {"loss": rec.value}  # every name=value printed, stored
    t = study.ask()
    assert t.id == 6
    study.tell(t, -1.0)
    study.close()
    out = gpbo_cli("best", "--storage", db, "--study", "quad")
    assert "-1" in out, out


def test_bad_input():
    with pytest.raises(ValueError):
        gpbo.Study({})
    with pytest.raises(ValueError):
        gpbo.Study({"x": (0, 1)})
    with pytest.raises(ValueError):
        gpbo.Uniform(2, 1)
    with pytest.raises(ValueError):
        gpbo.LogUniform(0, 1)
    with pytest.raises(ValueError):
        gpbo.Int(0, 10, log=True)
    with pytest.raises(ValueError):
        gpbo.Categorical([1, "1"])
    with pytest.raises(ValueError):
        gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="annealing")
    with pytest.raises(TypeError):
        gpbo.Study({"x": gpbo.Uniform(0, 1)}, n_inits=3)
    with pytest.raises(ValueError, match="matern52"):  # the library's message lists kernels
        gpbo.Study({"x": gpbo.Uniform(0, 1)}, kernel="rbf")
    with pytest.raises(ValueError):
        gpbo.Study({"x": gpbo.Uniform(0, 1)}, direction="up")
    with pytest.raises(gpbo.GpboError):
        gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage="/nonexistent/dir/x.db")


SQUARE = {"x": gpbo.Uniform(0, 1), "y": gpbo.Uniform(0, 1)}


def test_outcome_constraints():
    """min x + y subject to the metric c = x - y in [0.2, inf): the constrained optimum is 0.2
    at (0.2, 0). Over 5 seeds, 30 Bayesian trials each: best_trial is always feasible (its c
    at least 0.2), every record's `feasible` agrees with its metric, and the best value is
    below 0.25 (measured, seeds 0-19, Haswell kernels: 0.2000 in every seed, the boundary
    point found; an infeasible best would read below 0.2 and fail the first assertion)."""
    for seed in range(5):
        st = gpbo.Study(SQUARE, seed=seed, constraints={"c": (0.2, None)})
        for _ in range(30):
            t = st.ask()
            x, y = t.params["x"], t.params["y"]
            st.tell(t, x + y, metrics={"c": x - y})
        best = st.best_trial
        assert best.feasible and best.metrics["c"] >= 0.2
        assert best.value < 0.25, (seed, best.value)
        for r in st.trials:
            assert r.feasible == (r.metrics["c"] >= 0.2), r
    st = gpbo.Study(SQUARE, strategy="random", seed=1, constraints={"c": (None, -5.0)})
    for _ in range(5):
        t = st.ask()
        st.tell(t, 1.0, metrics={"c": 0.0})
    with pytest.raises(ValueError, match="feasible"):
        st.best_trial
    assert st.best_trials == []  # no infeasible trial among the best (Optuna 3.1's has)
    # best_trials of one objective is the best feasible value's trials, not the infeasible
    # trial of a lower value (it was before)
    st = gpbo.Study(SQUARE, strategy="random", seed=1, constraints={"mem": (None, 4.0)})
    for value, mem in [(0.1, 9.0), (0.5, 3.0), (0.3, 2.0), (0.3, 4.0)]:
        st.tell(st.ask(), value, metrics={"mem": mem})
    assert st.best_trial.id == 2
    assert [r.id for r in st.best_trials] == [2, 3]
    assert all(r.feasible for r in st.best_trials)
    with pytest.raises(ValueError, match="constraint 'c'"):
        gpbo.Study(SQUARE, constraints={"c": 0.5})


def test_reopened_with_other_constraints_is_refused(tmp_path):
    """A stored study keeps the constraints it was made with; a Study opening it with others
    (another bound, another metric, constraints for a study made without) went on with the
    stored ones without a word, so best_trial and each record's `feasible` answered for
    constraints the caller had not asked for (a trial of mem 3 infeasible under the asked
    mem <= 5). Now ValueError naming both; the same ones (a NaN or infinite bound being none,
    as the library reads it), or none given, open it, and nothing was written."""
    url = "sqlite:///%s" % (tmp_path / "cons.db")
    made = gpbo.Study(SQUARE, storage=url, name="s", strategy="random", seed=1,
                      constraints={"mem": (None, 0.0), "lat": (1.0, 10.0)})
    made.tell(made.ask(), 1.0, metrics={"mem": 3.0, "lat": 2.0})
    made.close()
    for cons in ({"mem": (None, 5.0), "lat": (1.0, 10.0)}, {"mem": (None, 0.0)},
                 {"mem": (None, 0.0), "lat": (1.0, 10.0), "gpu": (None, 1.0)},
                 {"mem": (None, 0.0), "lat": (None, 10.0)}, {}):
        for sp in (SQUARE, None):
            with pytest.raises(ValueError, match=r"was made with the constraints \{'mem': "
                                                 r"\(None, 0\.0\), 'lat': \(1\.0, 10\.0\)\}"):
                gpbo.Study(sp, storage=url, name="s", constraints=cons)
    for cons in (None, {"lat": (1.0, 10.0), "mem": (float("-inf"), 0.0)},
                 {"mem": (float("nan"), 0), "lat": (1, 10)}):
        again = gpbo.Study(SQUARE, storage=url, name="s", constraints=cons)
        assert [r.feasible for r in again.trials] == [False]
        again.close()
    plain = gpbo.Study(SQUARE, storage=url, name="plain", strategy="random", seed=1)
    plain.tell(plain.ask(), 1.0, metrics={"mem": 3.0})
    plain.close()
    with pytest.raises(ValueError, match="was made with the constraints none, not "
                                         r"\{'mem': \(None, 0\.0\)\}"):
        gpbo.Study(SQUARE, storage=url, name="plain", constraints={"mem": (None, 0.0)})
    again = gpbo.Study(storage=url, name="plain", constraints={})
    assert [r.feasible for r in again.trials] == [True] and len(again.trials) == 1


def dominated(a, b):
    """Whether b dominates a (both minimized)."""
    return all(q <= p for p, q in zip(a, b)) and any(q < p for p, q in zip(a, b))


def test_several_objectives(tmp_path):
    """Two objectives (f1 = x, f2 = (1 - x)^2 + y, both minimized; the front is y = 0): the
    Pareto front best_trials holds exactly the complete trials no other one dominates, over 3
    seeds; told values come back as `values`; a maximized objective is negated consistently; a
    stored study reopens with its objectives."""
    objs = {"f1": "minimize", "f2": "minimize"}
    for seed in range(3):
        st = gpbo.Study(SQUARE, seed=seed, objectives=objs)
        st.optimize(lambda p: (p["x"], (1 - p["x"]) ** 2 + p["y"]), 25)
        done = [r for r in st.trials if r.state == "complete"]
        front = {r.id for r in st.best_trials}
        want = {r.id for r in done if not any(dominated(r.values, o.values) for o in done)}
        assert front == want and front
        assert all(len(r.values) == 2 and r.values[0] == r.value for r in done)
        # the Bayesian proposals reach the front y = 0 (seeds 0-19, Haswell kernels: exactly 0
        # in every seed; random search's front, same seeds: median 0.036, 8 of 20 above 0.05)
        assert min(r.params["y"] for r in st.best_trials) < 0.01
    with pytest.raises(ValueError, match="best_trials"):
        st.best_trial
    t = st.ask()
    with pytest.raises(ValueError, match="2 objectives"):
        st.tell(t, 1.0)
    with pytest.raises(ValueError, match="got 3 values"):
        st.tell(t, [1.0, 2.0, 3.0])
    st.tell(t, [float("nan"), 1.0])
    assert st.trials[-1].state == "failed"
    db = str(tmp_path / "mo.db")
    st = gpbo.Study(SQUARE, storage=db, name="mo", seed=0, strategy="random",
                    objectives={"acc": "maximize", "ms": "minimize"})
    for acc, ms in ((0.9, 5.0), (0.8, 1.0), (0.7, 6.0)):
        t = st.ask()
        st.tell(t, [acc, ms])
    assert [r.values for r in st.best_trials] == [[0.9, 5.0], [0.8, 1.0]]
    st.close()
    again = gpbo.Study(storage=db, name="mo")
    assert again.objectives == {"acc": "maximize", "ms": "minimize"}
    assert len(again.best_trials) == 2
    again.close()
    with pytest.raises(ValueError, match="direction"):
        gpbo.Study(SQUARE, objectives={"a": "up", "b": "minimize"})
    with pytest.raises(ValueError, match="not both"):
        gpbo.Study(SQUARE, direction="maximize", objectives=["a", "b"])
    # constraints with several objectives (refused before: "not supported yet"): the front is
    # that of the feasible trials (test_python_pareto checks it against Optuna's)
    st = gpbo.Study(SQUARE, objectives=["a", "b"], constraints={"c": (0, 1)}, strategy="random")
    for a, b, c in ((0.1, 0.1, 2.0), (0.5, 0.5, 0.5), (0.2, 0.9, 1.0)):
        st.tell(st.ask(), [a, b], metrics={"c": c})
    assert [r.id for r in st.best_trials] == [1, 2]


def test_enqueue():
    """Enqueued configurations come first, in order, with their ids; categorical values by
    name; max_trials adds each point of a list once; bad points are refused naming why."""
    sp = {"x": gpbo.Uniform(0, 1), "n": gpbo.Int(1, 8), "opt": gpbo.Categorical(["sgd", "adam"])}
    st = gpbo.Study(sp, seed=3)
    a = st.enqueue({"x": 0.25, "n": 3, "opt": "adam"}, max_trials=1)
    b = st.enqueue({"x": 0.75, "n": 8, "opt": "sgd"}, max_trials=2)
    with pytest.raises(gpbo.ExhaustedError):
        st.enqueue({"x": 0.25, "n": 3, "opt": "adam"}, max_trials=1)
    t1, t2, t3 = st.ask(), st.ask(), st.ask()
    assert (t1.id, t1.params) == (a, {"x": 0.25, "n": 3, "opt": "adam"})
    assert (t2.id, t2.params) == (b, {"x": 0.75, "n": 8, "opt": "sgd"})
    assert t3.id not in (a, b)
    with pytest.raises(ValueError, match="unknown parameter"):
        st.enqueue({"x": 0.5, "n": 2, "opt": "sgd", "z": 1})
    with pytest.raises(ValueError, match="not one of"):
        st.enqueue({"x": 0.5, "n": 2, "opt": "rmsprop"})
    with pytest.raises(ValueError, match="x"):  # the library names the parameter
        st.enqueue({"x": 1.5, "n": 2, "opt": "sgd"})


def test_reopened_with_another_space_is_refused(tmp_path):
    db = str(tmp_path / "s.db")
    gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=db, name="s").close()
    with pytest.raises(ValueError):
        gpbo.Study({"x": gpbo.Uniform(0, 2)}, storage=db, name="s")


def test_threads_share_one_study():
    """Four threads ask and tell at once: distinct ids, every trial recorded."""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="bayes", seed=9, n_init=4)
    ids, lock = [], threading.Lock()

    def work():
        for _ in range(5):
            t = study.ask()
            with lock:
                ids.append(t.id)
            study.tell(t, (t.params["x"] - 0.3) ** 2)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ids) == list(range(20))
    assert all(r.state == "complete" for r in study.trials)


def test_struct_mirrors_match_the_headers():
    """The ctypes mirrors have the sizes docs/abi.md gives (LP64), and the library's init
    writes the header's defaults into them."""
    import ctypes as C
    from gpbo import gp, study as st
    assert C.sizeof(st.StudyOptions) == 176
    assert C.sizeof(st.Constraint) == 24
    assert C.sizeof(st.PrunerOptions) == 56
    assert C.sizeof(gp.FitOptions) == 136
    assert C.sizeof(st.TrialInfo) == 80
    assert C.sizeof(st.TrialResult) == 96
    r = st.TrialResult()
    assert st._s.gpbo_trial_result_init(C.byref(r), st.TrialResult.VERSION) == 0
    assert (r.version, r.state, r.n_metrics, r.reason) == (2, 1, 0, None)
    assert (r.n_steps, bool(r.steps), r.n_user_attrs, bool(r.user_attr_keys)) == (0, False, 0,
                                                                                  False)
    o = st.StudyOptions()
    assert st._s.gpbo_study_options_init(C.byref(o), st.StudyOptions.VERSION) == 0
    assert (o.strategy, o.n_init, o.refit_every, o.additive, o.restart, o.heartbeat, o.grace,
            o.lost_retries) == (b"bayes", 10, 1, 1, 20, 10.0, 60.0, 3)
    assert (o.n_constraints, bool(o.constraints), o.n_objectives, bool(o.objective_names),
            o.mo_acquisition) == (0, False, 0, False, 0)
    p = st.PrunerOptions()
    assert st._s.gpbo_pruner_options_init(C.byref(p), st.PrunerOptions.VERSION) == 0
    assert (p.kind, p.startup_trials, p.interval_steps, p.eta) == (1, 5, 1, 3.0)


def test_no_leak_over_3000_studies():
    """Studies opened, asked, told, reported, read and dropped (in memory, with a pruner):
    RSS after 3,000 is within 4 MiB of RSS after the first 300."""
    space = {"x": gpbo.Uniform(0, 1), "k": gpbo.Categorical(["a", "b"]), "n": gpbo.Int(1, 5)}

    def cycles(k):
        for i in range(k):
            s = gpbo.Study(space, strategy="random", seed=i, pruner="median")
            for _ in range(3):
                t = s.ask()
                t.report(0, t.params["x"])
                s.tell(t, t.params["x"])
            assert len(s.trials) == 3 and s.best_value >= 0

    assert_rss_flat(cycles, 300, 2700, "studies")


def _run_python(code):
    """code in a fresh interpreter with the test's environment (a crash there is a return
    code, not this test process's death)."""
    import sys
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_space_the_library_refuses_raises_without_crashing():
    """An Int the library refuses (bounds beyond 2^53) raises; the half-built space was freed
    once (it was freed again by _CSpace.__del__: a double free, the interpreter crashed)."""
    r = _run_python("import gc, gpbo\n"
                    "for _ in range(3):\n"
                    "    try:\n"
                    "        gpbo.Study({'n': gpbo.Int(0, 2**62)}, strategy='random')\n"
                    "    except gpbo.InvalidArgumentError as e:\n"
                    "        print('refused:', e)\n"
                    "    gc.collect()\n"
                    "print('alive')\n")
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    assert r.stdout.count("refused: space_add_int: parameter 'n'") == 3 and "alive" in r.stdout


def test_non_finite_constant_is_given_back():
    """Constant(inf) and Constant(nan) are categoricals of one choice in the library; a trial
    gets the constant itself (it got 0.0, the choice's index)."""
    space = {"max_norm": gpbo.Constant(math.inf), "clip": gpbo.Constant(-math.inf),
             "m": gpbo.Constant(math.nan), "x": gpbo.Uniform(0, 1)}
    for strategy in ("random", "bayes"):
        study = gpbo.Study(space, strategy=strategy, seed=2)
        study.optimize(lambda p: p["x"], 3)
        for p in [study.ask().params] + [r.params for r in study.trials]:
            assert p["max_norm"] == math.inf and p["clip"] == -math.inf, p
            assert math.isnan(p["m"]), p


def test_objective_may_return_a_0d_array_or_tensor():
    """A 0-d numpy array (np.array(x), arr.sum(keepdims=False) of an object array...) or a torch
    scalar tensor (loss.mean()) is one number, as Optuna takes it; they failed the trial ("tell
    one number"). A 1-element array is that element too (Optuna's; test_python_optuna_port);
    two are refused for a study of one objective."""
    import numpy as np
    values = [np.array(0.25), np.array(0.5, dtype=np.float32)]
    try:
        import torch
        values.append(torch.tensor(0.75))
    except ImportError:
        pass
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=1)
    for v in values:
        study.optimize(lambda p: v, 1)
        study.tell(study.ask(), v)
    recs = study.trials
    assert [r.state for r in recs] == ["complete"] * 2 * len(values), [r.reason for r in recs]
    assert [r.value for r in recs] == [float(v) for v in values for _ in (0, 1)]
    with pytest.raises(ValueError, match="one number"):
        study.tell(study.ask(), np.array([0.25, 0.5]))


def test_report_refuses_a_step_that_is_not_an_integer():
    """trial.report(loss, epoch) in Optuna's order put the loss in the step, truncated by int()
    without a word (report(0.37, 3): step 0, value 3.0); now a TypeError saying so, and
    nothing is recorded. Integer steps, numpy's among them, still go."""
    import numpy as np
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=1, pruner="median")
    t = study.ask()
    for bad in (0.37, 2.0, "3", True):
        with pytest.raises(TypeError, match="step must be an integer.*Optuna"):
            t.report(bad, 3)
    t.report(np.int64(1), np.float32(0.5))
    t.report(2, 0.25)
    study.tell(t, 0.25)
    assert study.trials[0].intermediate == {1: 0.5, 2: 0.25}


def test_int_bounds_beyond_64_bits_are_refused():
    """Int(0, 2**64) went to the library through ctypes' long long, which wraps: the space was
    Int(0, 0) and every trial got 0. Now a ValueError naming the parameter."""
    with pytest.raises(ValueError, match="'n': Int bounds 0, 18446744073709551616"):
        gpbo.Study({"n": gpbo.Int(0, 2**64)}, strategy="random")
    with pytest.raises(ValueError, match="'n'"):
        gpbo.Study({"n": gpbo.Int(-2**64 - 5, -2**64)}, strategy="random")


@pytest.mark.parametrize("option", ["n_init", "restart", "lhs_size", "grid_resolution",
                                    "refit_every", "lost_retries"])
def test_negative_counts_are_refused_by_name(option):
    """A negative count option wrapped to a huge size_t: GpboError "the stored study options
    are malformed" for an in-memory study; a negative startup_trials made a pruner that never
    prunes. Now ValueError naming the option."""
    with pytest.raises(ValueError, match="%s must be an integer >= 0, not -3" % option):
        gpbo.Study({"x": gpbo.Uniform(0, 1)}, **{option: -3})
    with pytest.raises(ValueError, match="startup_trials must be an integer >= 0, not -1"):
        gpbo.Study({"x": gpbo.Uniform(0, 1)}, pruner=gpbo.MedianPruner(startup_trials=-1))


def test_enqueue_picks_the_categorical_choice_given():
    """Categorical([True, 1, 1.0, "1.5"]) has four distinct choices, yet enqueue({"c": 1})
    handed out True (1 == True, the first match); 1.0 gave True too. Each value now comes back
    as the choice given; a value only equal to a choice (numpy's 1.5 for "1.5" by str) still
    maps."""
    import numpy as np
    study = gpbo.Study({"c": gpbo.Categorical([True, 1, 1.0, "1.5"])}, strategy="random",
                       seed=0)
    for v in (1, 1.0, True, "1.5"):
        study.enqueue({"c": v})
        got = study.ask().params["c"]
        assert got == v and type(got) is type(v), (v, got)
    study.enqueue({"c": np.int64(1)})
    assert type(study.ask().params["c"]) is int


def test_uniform_wider_than_a_double_is_refused():
    """Uniform(-1e308, 1e308): hi - lo overflows, and every trial of every strategy got
    1e308. The library now refuses the width (search/space.c check_range)."""
    with pytest.raises(gpbo.InvalidArgumentError, match="'x': the width max - min"):
        gpbo.Study({"x": gpbo.Uniform(-1e308, 1e308)}, strategy="random")
    study = gpbo.Study({"x": gpbo.Uniform(-1e307, 1e307)}, strategy="random", seed=3)
    xs = [study.ask().params["x"] for _ in range(5)]
    assert len(set(xs)) == 5 and all(abs(x) < 1e307 for x in xs), xs


def test_ctrl_c_stops_the_workers_of_optimize():
    """Ctrl-C (SIGINT: KeyboardInterrupt in the main thread, which waits in join) during
    optimize(n_jobs=2) raised, and the worker threads went on asking and running trials in
    the background up to n_trials. Now they start none after it: half a second later the
    study holds the same trials (give or take one a worker had taken between its count and
    its ask), all finished; before, some 25 more."""
    import signal
    import time
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=0)

    def f(p):
        time.sleep(0.02)
        return p["x"]

    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        study.optimize(f, 500, n_jobs=2)
    timer.join()
    n = len(study.trials)
    time.sleep(0.5)
    recs = study.trials
    assert 0 < n < 500 and n <= len(recs) <= n + 2, (n, len(recs))
    assert all(r.state == "complete" for r in recs)


@pytest.mark.parametrize("call, nth, callbacks", [("gpbo_study_tell_ask", 3, False),
                                                 ("gpbo_study_ask", 1, False),
                                                 ("gpbo_study_ask", 3, True)])
@pytest.mark.parametrize("stored", [False, True])
def test_ctrl_c_as_a_trial_is_asked_leaves_no_trial_running(tmp_path, monkeypatch, call, nth,
                                                             callbacks, stored):
    """Ctrl-C while optimize is inside the library's ask (or its one-step tell-and-ask):
    Python raises the SIGINT's KeyboardInterrupt as soon as that call returns, so the trial the
    library had just asked was never handed out, never run and never told. It stayed RUNNING:
    in memory for ever (a third of runs interrupted at random in a loop of short trials left
    one), stored until the handle closed, when it was handed back to be run again. Optuna's
    optimize leaves no trial running on Ctrl-C. Now that trial is told failed, its reason
    naming the interrupt. The SIGINT is a real one, sent at the end of the library's real call
    (where a Ctrl-C lands when a proposal or a busy storage takes the time)."""
    import signal
    import gpbo.study as gs
    storage = str(tmp_path / "c.db") if stored else None
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=storage, name="c",
                       strategy="random", seed=2)
    real, calls = getattr(gs._s, call), [0]

    def interrupted(*args):
        rc = real(*args)
        calls[0] += 1
        if calls[0] == nth:
            os.kill(os.getpid(), signal.SIGINT)
        return rc

    monkeypatch.setattr(gs._s, call, interrupted)
    cbs = [lambda st, rec: None] if callbacks else None  # optimize's other path (_run_one)
    with pytest.raises(KeyboardInterrupt):
        study.optimize(lambda p: p["x"], 50, callbacks=cbs)
    monkeypatch.undo()
    recs = study.trials
    assert nth <= len(recs) <= nth + 1, recs
    assert not [r for r in recs if r.state == "running"], recs
    failed = [r for r in recs if r.state == "failed"]
    assert len(failed) == 1 and failed[0].reason.startswith("KeyboardInterrupt"), failed
    if stored:  # and so another process reads it
        study.close()
        again = gpbo.Study(storage=storage, name="c")
        assert [r.state for r in again.trials] == [r.state for r in recs]
        again.close()


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_optimize_feeds_constraint_metrics_through_set_metric(n_jobs):
    """optimize() told only the objective's value, so a constrained study run by optimize had
    no constraint metric: every trial infeasible, best_trial "no feasible trial". An objective
    now calls trial.set_metric (Optuna's set_user_attr); optimize (the one-step tell-and-ask
    path and the threaded one) and tell store it with the trial, failed ones too."""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, constraints={"mem_gb": (None, 4.0)},
                       strategy="random", seed=4)

    def f(trial):
        x = trial.params["x"]
        trial.set_metric("mem_gb", 8 * x)
        if x > 0.9:
            raise RuntimeError("out of memory")
        return -x  # best: the largest x within 4 GB, x <= 0.5

    study.optimize(f, 30, n_jobs=n_jobs, pass_trial=True)
    recs = study.trials
    assert len(recs) == 30 and all(r.metrics == {"mem_gb": 8 * r.params["x"]} for r in recs)
    assert all(r.feasible == (r.state == "complete" and r.params["x"] <= 0.5) for r in recs)
    best = study.best_trial
    assert best.params["x"] == max(r.params["x"] for r in recs if r.feasible)
    t = study.ask()
    t.set_metric("mem_gb", 1.0)
    study.tell(t, -0.01, metrics={"seconds": 2.0})
    assert study.trials[-1].metrics == {"mem_gb": 1.0, "seconds": 2.0}


def test_several_objectives_told_as_a_dict_by_name():
    """Objectives have names, and an objective returning {"err": e, "ms": t} failed its trial
    with "could not convert string to float: 'err'" (the dict was iterated: its keys). A dict
    with exactly the objectives' names is taken by name, whatever its order; other names are
    refused naming the objectives."""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, objectives={"err": "minimize",
                                                              "ms": "maximize"},
                       strategy="random", seed=5)
    study.optimize(lambda p: {"ms": 10 * p["x"], "err": p["x"] ** 2}, 4)
    study.tell(study.ask(), {"err": 0.5, "ms": 3.0})
    recs = study.trials
    assert [r.state for r in recs] == ["complete"] * 5, [r.reason for r in recs]
    for r in recs[:4]:
        assert r.values == [r.params["x"] ** 2, 10 * r.params["x"]]
    assert recs[4].values == [0.5, 3.0]
    with pytest.raises(ValueError, match="objectives err, ms: a dict .* not 'err', 'loss'"):
        study.tell(study.ask(), {"err": 0.5, "loss": 3.0})


def test_trial_ids_are_integers():
    """tell(1.7, v) went through int() and told trial 1; tell(-1, v) named trial
    18446744073709551615; a TrialRecord (from study.trials) raised int()'s TypeError. Now a
    TrialRecord is its id and anything but an integer id >= 0 raises ValueError, telling no
    trial."""
    import numpy as np
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=6)
    a, b, c = study.ask(), study.ask(), study.ask()
    for bad in (1.7, -1, "1", True):
        with pytest.raises(ValueError, match="integer id >= 0, not"):
            study.tell(bad, 0.5)
    assert [r.state for r in study.trials] == ["running"] * 3
    study.tell(np.int64(b.id), 0.25)
    running = [r for r in study.trials if r.state == "running"]
    assert running[0].id == a.id
    study.tell(running[0], 0.75)
    study.tell(c, 1.0)
    assert [r.value for r in study.trials] == [0.75, 0.25, 1.0]


def test_objective_returning_none_is_named():
    """An objective without a return failed its trial with "TypeError: float() argument must
    be a string or a real number, not 'NoneType'", a message about gpbo's own code; now the
    reason says the objective returned None. The study goes on, as for any failure."""
    for n_jobs in (1, 2):
        study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=7)
        study.optimize(lambda p: None, 3, n_jobs=n_jobs)
        assert [r.reason for r in study.trials] == [
            "TypeError: the objective returned None, not a number (no return?)"] * 3


def test_reopened_study_refuses_a_contrary_direction_or_objectives(tmp_path):
    """Reopening a stored study with direction="minimize" when it was made to maximize kept
    maximizing without a word (the library ignores the options of an existing study), and
    objectives given in another order than the stored ones took the told values in the stored
    order: swapped. Both now raise ValueError; the same ones, or none, open the study."""
    db = "sqlite:///%s" % (tmp_path / "d.db")
    gpbo.Study(SQUARE, storage=db, name="acc", direction="maximize").close()
    gpbo.Study(SQUARE, storage=db, name="mo",
               objectives={"err": "minimize", "ms": "maximize"}).close()
    with pytest.raises(ValueError, match="'acc' .* made to maximize, not to minimize"):
        gpbo.Study(SQUARE, storage=db, name="acc", direction="minimize")
    with pytest.raises(ValueError, match="'mo' .* objectives .*in this order"):
        gpbo.Study(SQUARE, storage=db, name="mo", objectives={"ms": "maximize",
                                                                 "err": "minimize"})
    with pytest.raises(ValueError, match="'mo' .* objectives"):
        gpbo.Study(SQUARE, storage=db, name="mo", objectives=["err", "ms"])
    with pytest.raises(ValueError, match="'acc' .* one objective"):
        gpbo.Study(SQUARE, storage=db, name="acc", objectives=["err", "ms"])
    with pytest.raises(ValueError, match="'mo' .* several objectives"):
        gpbo.Study(SQUARE, storage=db, name="mo", direction="minimize")
    assert gpbo.Study(SQUARE, storage=db, name="acc").direction == "maximize"
    assert gpbo.Study(SQUARE, storage=db, name="acc", direction="maximize").direction == \
        "maximize"
    assert list(gpbo.Study(SQUARE, storage=db, name="mo", objectives={
        "err": "minimize", "ms": "maximize"}).objectives) == ["err", "ms"]


def test_reopened_study_refuses_another_single_objective(tmp_path):
    """A study of one named objective (objectives={"err": "minimize"}) reopened with another
    name, or another goal, kept the stored one without a word: the name was not stored, and a
    single objective's goal was not compared. Both now raise ValueError naming both; the same
    objective, or none, opens the study."""
    db = "sqlite:///%s" % (tmp_path / "one.db")
    gpbo.Study(SQUARE, storage=db, name="one", objectives={"err": "minimize"}).close()
    with pytest.raises(ValueError, match="'one' .* objective 'err', not 'acc'"):
        gpbo.Study(SQUARE, storage=db, name="one", objectives={"acc": "minimize"})
    with pytest.raises(ValueError, match="'one' .* made to minimize, not to maximize"):
        gpbo.Study(SQUARE, storage=db, name="one", objectives={"err": "maximize"})
    assert gpbo.Study(SQUARE, storage=db, name="one", objectives=["err"]).direction == \
        "minimize"
    assert gpbo.Study(SQUARE, storage=db, name="one").direction == "minimize"


def test_enqueue_refuses_another_value_of_a_constant():
    """enqueue({"epochs": 50}) with epochs Constant(20) handed out a trial with epochs 20 (the
    value given was dropped without a word); now ValueError. The constant's own value (or its
    str, as a study reopened without its space holds it) still goes, and a constant left out
    is its value (it was NaN: "parameter 'opt': nan is not a category index (0..0)"); another
    parameter left out is drawn (add_trial names it)."""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1), "epochs": gpbo.Constant(20),
                        "opt": gpbo.Constant("adam"), "m": gpbo.Constant(math.nan)},
                       strategy="random", seed=8)
    for bad in ({"epochs": 50}, {"opt": "sgd"}, {"m": 0.0}):
        with pytest.raises(ValueError, match="is Constant"):
            study.enqueue(dict({"x": 0.5}, **bad))
    study.enqueue({"x": 0.5, "epochs": 20.0, "opt": "adam", "m": math.nan})
    study.enqueue({"x": 0.25, "epochs": "20"})
    p, q = study.ask().params, study.ask().params
    assert (p["x"], p["epochs"], p["opt"]) == (0.5, 20, "adam") and q["x"] == 0.25
    assert (q["epochs"], q["opt"]) == (20, "adam") and math.isnan(q["m"])
    # another parameter left out is drawn, as Optuna's enqueue_trial has it drawn (it was
    # "parameter 'x' is missing"); add_trial, a finished trial, still needs each one
    study.enqueue({"epochs": 20})
    r = study.ask().params
    assert 0 <= r["x"] <= 1 and r["epochs"] == 20
    with pytest.raises(ValueError, match="parameter 'x' is missing"):
        study.add_trial({"epochs": 20}, 1.0)


def test_best_trial_error_names_the_study_once():
    """best_trial of a study without a complete trial said "study 'study': study 'study' has
    no complete trial" (the library's message names the study already)."""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=9, name="lr")
    with pytest.raises(ValueError) as info:
        study.best_value
    assert str(info.value) == "study 'lr' has no complete trial"


def test_option_of_a_wrong_type_is_named():
    """heartbeat="10" raised ctypes' "must be real number, not str", naming no option (a
    Study takes fifteen); the TypeError now names it."""
    for key, value in (("heartbeat", "10"), ("grid_shuffle", "yes"), ("additive", None)):
        with pytest.raises(TypeError, match="study option %s: " % key):
            gpbo.Study({"x": gpbo.Uniform(0, 1)}, **{key: value})
    assert gpbo.Study({"x": gpbo.Uniform(0, 1)}, heartbeat=5, grid_shuffle=True)
    for pruner, key in ((gpbo.MedianPruner(warmup_steps=2.5), "MedianPruner option warmup"),
                        (gpbo.HyperbandPruner(eta="3"), "HyperbandPruner option eta")):
        with pytest.raises(TypeError, match=key):
            gpbo.Study({"x": gpbo.Uniform(0, 1)}, pruner=pruner)


def test_optimize_n_jobs_minus_one_is_one_thread_a_cpu():
    """Optuna's optimize(n_jobs=-1) runs one worker a CPU; gpbo refused it ("n_jobs must be
    >= 1"). Now -1 is os.cpu_count() threads; other values below 1, and non-integers, are
    refused naming the value."""
    seen = set()

    def f(p):
        seen.add(threading.get_ident())
        return p["x"]

    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=10)
    study.optimize(f, 12, n_jobs=-1)
    assert len(study.trials) == 12
    if (os.cpu_count() or 1) > 1:  # worker threads, not the caller's
        assert seen and threading.get_ident() not in seen
    for bad in (0, -2, 1.5):
        with pytest.raises(ValueError, match="n_jobs must be an integer >= 1, or -1"):
            study.optimize(f, 1, n_jobs=bad)


def test_reopened_integer_constant_is_an_int(tmp_path):
    """A worker reopening a stored study without its space got Constant(20) back as 20.0 (the
    library's double), so range(trial.params["epochs"]) raised TypeError there and not in the
    process that made the study. A whole constant now comes back as an int, others as floats."""
    db = "sqlite:///%s" % (tmp_path / "k.db")
    space = {"x": gpbo.Uniform(0, 1), "epochs": gpbo.Constant(20), "p": gpbo.Constant(0.5)}
    gpbo.Study(space, storage=db, name="k", strategy="random").optimize(lambda p: p["x"], 2)
    worker = gpbo.Study(storage=db, name="k")
    for params in [worker.ask().params] + [r.params for r in worker.trials]:
        assert type(params["epochs"]) is int and params["epochs"] == 20
        assert type(params["p"]) is float and params["p"] == 0.5
    assert worker.space["epochs"] == gpbo.Constant(20)


def test_refused_report_says_why():
    """A report the library refuses (a step < 0) says the rule (step >= 0, value finite), as
    the library states it. (This test asserted that report(3, nan) failed its trial with that
    message; a diverged value is now taken: test_diverged_report_prunes_with_a_pruner.)"""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=11)
    with pytest.raises(gpbo.InvalidArgumentError, match=r"step -1 value 0.5 \(a step is >= 0"):
        study.ask().report(-1, 0.5)
    with pytest.raises(ValueError, match=r"a step is >= 0, not -1"):
        study.ask().report(-1, math.nan)


@pytest.mark.parametrize("pruner", [None, "median", gpbo.HyperbandPruner(min_iter=1, eta=3)])
def test_diverged_report_prunes_with_a_pruner(pruner, tmp_path):
    """trial.report(step, nan) raised InvalidArgumentError, so an Optuna objective whose
    training diverged failed its trial (or, asked and told by hand, crashed the loop), where
    Optuna takes the value and its pruners prune the trial. Now a NaN or infinite report is
    taken, not stored (the storage keeps finite steps, as gpbo run does), and with any pruner
    should_prune() is True at once, at any step, whatever the other trials did, until a finite
    value is judged; the objective's TrialPruned makes a pruned trial whose finite steps stay.
    Without a pruner nothing is pruned, and a NaN result fails the trial (as a NaN last step
    under gpbo run)."""
    diverge = {1: math.nan, 3: math.inf, 5: -math.inf}  # trial -> its bad value at step 2
    good = lambda trial_id: 1.0 / (1 + trial_id)  # noqa: E731 (each trial the best yet)

    def objective(trial):
        for step in range(4):
            bad = step == 2 and trial.id in diverge
            trial.report(step, diverge[trial.id] if bad else good(trial.id))
            assert trial.should_prune() == (bad and pruner is not None), (trial.id, step)
            if trial.should_prune():
                raise gpbo.TrialPruned()
        return math.nan if trial.id in diverge else good(trial.id)

    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=11, pruner=pruner,
                       storage="sqlite:///" + str(tmp_path / "nan.db"))
    study.optimize(objective, 7, pass_trial=True, catch=())
    for r in study.trials:
        if r.id not in diverge:
            assert r.state == "complete" and r.intermediate == {k: good(r.id) for k in range(4)}
        elif pruner is None:  # the NaN result fails it; the bad step is not stored
            assert r.state == "failed" and r.intermediate == {k: good(r.id) for k in (0, 1, 3)}
        else:
            assert r.state == "pruned" and r.intermediate == {k: good(r.id) for k in (0, 1)}
    # a finite report after the bad one is judged again; a trial that ended is refused
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=11, pruner="median")
    t = study.ask()
    t.report(0, math.nan)
    assert t.should_prune() and study.should_prune(t.id)
    t.report(1, 0.5)
    assert not t.should_prune()
    study.tell(t, 0.5)
    with pytest.raises(gpbo.GpboError, match="already finished"):
        t.report(2, math.nan)
    with pytest.raises(gpbo.NotFoundError, match="no trial 99"):
        study.report(99, 0, math.nan)
    # a define-by-run study's first trial (no study yet) too
    study = gpbo.Study(seed=1, pruner="median")
    t = study.ask()
    t.suggest_float("x", 0, 1)
    t.report(0, 0.5)
    t.report(1, math.nan)
    assert t.should_prune()
    study.tell(t, pruned=True)
    (rec,) = study.trials
    assert (rec.state, rec.intermediate) == ("pruned", {0: 0.5})


@pytest.mark.filterwarnings("ignore:All-NaN slice")  # Optuna's median of the NaN alone
def test_diverged_report_as_optuna():
    """Where Optuna's pruners agree that a trial whose first report is NaN is pruned (the
    median pruner with no startup trials, the threshold pruner), gpbo's pruners prune it too;
    both take the value without an error."""
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    for pruner in (optuna.pruners.MedianPruner(n_startup_trials=0),
                   optuna.pruners.ThresholdPruner(upper=1e9)):
        ost = optuna.create_study(pruner=pruner)
        ost.tell(ost.ask(), 1.0)
        t = ost.ask()
        t.report(math.nan, 0)
        assert t.should_prune()
    for pruner in ("median", "hyperband"):
        st = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=1, pruner=pruner)
        st.tell(st.ask(), 1.0)
        t = st.ask()
        t.report(0, math.nan)
        assert t.should_prune()


def test_integers_past_the_c_types_are_refused():
    """ctypes keeps the low bits of a Python int too big for its C type, without a word: a
    trial id 2**64 told trial 0, report(2**64 + 3, v) stored step 3 (and -2**64 step 0),
    n_init=2**64 + 3 made 3 initial trials, MedianPruner(warmup_steps=2**64) no warm-up,
    HyperbandPruner(min_iter=2**64 + 1) rungs from 1, grid_shuffle=2**40 no shuffle, and the
    GP's n_restarts=2**64 no restart. Each is now a ValueError naming the field and its
    range; the largest value that fits is still taken."""
    space = {"x": gpbo.Uniform(0, 1)}
    study = gpbo.Study(space, strategy="random", seed=3)
    t = study.ask()
    with pytest.raises(ValueError, match="integer id >= 0, not 18446744073709551616"):
        study.tell(2 ** 64, 0.5)
    for step in (2 ** 64 + 3, -2 ** 64, 2 ** 63):
        with pytest.raises(ValueError, match=r"a step is from 0 to 9223372036854775807, not"):
            t.report(step, 0.5)
    t.report(2 ** 63 - 1, 0.5)
    study.tell(t, 0.5)
    (rec,) = study.trials
    assert (rec.state, rec.intermediate) == ("complete", {2 ** 63 - 1: 0.5})
    with pytest.raises(ValueError, match="n_init must be at most 18446744073709551615"):
        gpbo.Study(space, n_init=2 ** 64 + 3)
    with pytest.raises(ValueError, match="grid_shuffle must be from -2147483648 to"):
        gpbo.Study(space, grid_shuffle=2 ** 40)
    with pytest.raises(ValueError, match="warmup_steps must be from"):
        gpbo.Study(space, pruner=gpbo.MedianPruner(warmup_steps=2 ** 64))
    with pytest.raises(ValueError, match="min_iter must be from"):
        gpbo.Study(space, pruner=gpbo.HyperbandPruner(min_iter=2 ** 64 + 1))
    with pytest.raises(ValueError, match="n_restarts must be an integer from 0 to 2\\*\\*64"):
        gpbo.GaussianProcessRegressor(n_restarts=2 ** 64).fit([[0.0], [0.5], [1.0]], [0, 1, 0])
    gpbo.GaussianProcessRegressor(n_restarts=1).fit([[0.0], [0.5], [1.0]], [0, 1, 0])


def test_metric_that_is_not_a_number_is_named():
    """tell(t, v, metrics={"mem_gb": "3 GB"}) raised float()'s "could not convert string to
    float: '3 GB'", naming no metric; set_metric and tell now name it."""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=12)
    t = study.ask()
    with pytest.raises(ValueError, match="metric 'mem_gb': '3 GB' is not a number"):
        study.tell(t, 0.5, metrics={"mem_gb": "3 GB", "s": 1.0})
    with pytest.raises(ValueError, match="metric 'mem_gb': None is not a number"):
        t.set_metric("mem_gb", None)
    study.tell(t, 0.5, metrics={"mem_gb": "3.5"})
    assert study.trials[0].metrics == {"mem_gb": 3.5}


def test_enqueue_names_a_parameter_that_is_not_a_number():
    """enqueue({"lr": "fast"}) raised float()'s "could not convert string to float: 'fast'",
    naming no parameter."""
    study = gpbo.Study({"lr": gpbo.LogUniform(1e-4, 1), "n": gpbo.Int(1, 4)},
                       strategy="random", seed=13)
    with pytest.raises(ValueError, match="parameter 'lr': 'fast' is not a number"):
        study.enqueue({"lr": "fast", "n": 2})
    with pytest.raises(ValueError, match="parameter 'n': None is not a number"):
        study.enqueue({"lr": 0.1, "n": None})
    study.enqueue({"lr": "0.01", "n": 3})
    assert study.ask().params == {"lr": 0.01, "n": 3}


def test_optimize_catch_takes_any_iterable_and_refuses_non_classes():
    """catch={ValueError} (a set: Optuna takes any iterable) was wrapped as one "class", so the
    first failure raised isinstance()'s TypeError out of optimize after failing its trial;
    catch=None or a class's name did the same. A set now works, and a catch that is not
    exception classes is refused before any trial runs."""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=14)

    def f(p):
        raise ValueError("v")

    study.optimize(f, 2, catch={ValueError, KeyError})
    study.optimize(f, 1, catch=(c for c in [ValueError]))
    assert [r.reason for r in study.trials] == ["ValueError: v"] * 3
    for bad in (None, "ValueError", [ValueError, 3]):
        with pytest.raises(TypeError, match="catch must be an exception class"):
            study.optimize(f, 1, catch=bad)
    assert len(study.trials) == 3


def test_seed_must_be_a_whole_number_within_64_bits():
    """seed=1.5 was truncated to 1 and seed=-1 wrapped to 2**64 - 1, both without a word (two
    studies "seeded" 1.5 and 1.9 were the same study). A seed is a whole number from 0 to
    2**64 - 1 (numpy's integers too); anything else is refused naming it."""
    space = {"x": gpbo.Uniform(0, 1)}
    for bad, kind in ((1.5, TypeError), ("3", TypeError), (True, TypeError), (-1, ValueError),
                      (2 ** 64, ValueError)):
        with pytest.raises(kind, match="seed"):
            gpbo.Study(space, strategy="random", seed=bad)
    a = gpbo.Study(space, strategy="random", seed=np.uint64(2 ** 64 - 1))
    b = gpbo.Study(space, strategy="random", seed=2 ** 64 - 1)
    assert a.ask().params == b.ask().params


def test_minimize_refuses_a_direction():
    """minimize(f, space, direction="maximize") raised Python's "got multiple values for
    keyword argument 'direction'", which reads as a bug of the package; now it says what to
    call instead."""
    space = {"x": gpbo.Uniform(0, 1)}
    for kw in ({"direction": "maximize"}, {"objectives": {"a": "minimize", "b": "minimize"}}):
        with pytest.raises(TypeError, match=r"Study\(space, direction=\.\.\.\)"):
            gpbo.minimize(lambda p: p["x"], space, 3, **kw)


def test_minimize_takes_every_optimize_keyword():
    """minimize() passed optimize only n_jobs, catch and pass_trial, and everything else to
    Study: once optimize took Optuna's timeout=, callbacks=, gc_after_trial= and
    show_progress_bar=, minimize(..., timeout=60) raised "unknown study option 'timeout'" (found
    by the docs branch trying the README's gpbo.minimize with them). Each keyword of
    optimize's signature is now optimize's, and a study option still goes to Study."""
    import inspect
    import time

    space = {"x": gpbo.Uniform(0, 1)}
    seen = []
    t0 = time.monotonic()
    study = gpbo.minimize(lambda p: (time.sleep(0.2), p["x"])[1], space, n_trials=1000,
                          timeout=0.5, callbacks=[lambda s, r: seen.append(r.id)],
                          gc_after_trial=True, show_progress_bar=False, strategy="random",
                          seed=1, grid_resolution=3)
    assert time.monotonic() - t0 < 5 and 1 <= len(study.trials) < 10, len(study.trials)
    assert seen == [r.id for r in study.trials], (seen, study.trials)
    own = [p.name for p in inspect.signature(gpbo.Study.optimize).parameters.values()
           if p.kind == p.KEYWORD_ONLY]
    assert {"timeout", "callbacks", "n_jobs", "catch", "pass_trial"} <= set(own), own


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_optimize_timeout_callbacks_and_number(n_jobs):
    """Optuna's optimize(timeout=, callbacks=) and trial.number were missing (a TypeError and
    an AttributeError). No trial starts after the timeout (the running ones finish);
    n_trials=None runs until it; every callback sees each ended trial's record once, in
    order of its end, whatever its state; an exception of a callback stops optimize."""
    import time
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=1)
    seen = []

    def objective(trial):
        assert trial.number == trial.id
        time.sleep(0.01)
        if trial.number % 3 == 0:
            raise ValueError("every third fails")
        return trial.params["x"]

    t0 = time.monotonic()
    study.optimize(objective, None, n_jobs=n_jobs, pass_trial=True, timeout=0.5,
                   callbacks=[lambda s, r: seen.append((r.number, r.state))])
    took = time.monotonic() - t0
    recs = study.trials
    # each trial sleeps 10 ms: no more can have run than the time allowed (a bound that holds
    # however slow the machine; the lower one only says the timeout did not stop it at once)
    assert took >= 0.5 and 1 <= len(recs) <= took / 0.01 * n_jobs + n_jobs
    assert all(r.state in ("complete", "failed") for r in recs)
    assert sorted(seen) == [(r.id, r.state) for r in recs]
    n = len(recs)
    seen.clear()
    study.optimize(objective, 12, n_jobs=n_jobs, pass_trial=True, timeout=600,
                   callbacks=[lambda s, r: seen.append((r.number, r.state))])
    recs = study.trials
    assert len(recs) == n + 12 and sorted(seen) == [(r.id, r.state) for r in recs[n:]]
    assert sorted(st for _, st in seen) == ["complete"] * 8 + ["failed"] * 4
    n += 12

    def stop(s, r):
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        study.optimize(objective, 50, n_jobs=n_jobs, pass_trial=True, callbacks=[stop])
    recs = study.trials
    assert len(recs) <= n + n_jobs and all(r.state != "running" for r in recs)
    for bad in ({"timeout": 0}, {"timeout": float("nan")}, {"callbacks": [3]}):
        with pytest.raises((ValueError, TypeError)):
            study.optimize(objective, 1, **bad)
    with pytest.raises(ValueError, match="n_trials"):
        study.optimize(objective, -1)


def test_a_study_is_neither_copied_nor_pickled(tmp_path):
    """copy.copy(study) shared the library handle: closing the copy (or collecting the
    original) freed it under the other, whose next call crashed the interpreter (SIGSEGV).
    Copying and pickling are refused with TypeError saying how to open the study again (Optuna
    pickles an in-memory study; gpbo's lives in its process); the study goes on. Checked in a
    child process, as the crash was."""
    url = "sqlite:///%s" % (tmp_path / "copy.db")
    code = r"""
import copy, gc, pickle, sys
import gpbo
for storage in (None, sys.argv[1]):
    s = gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=storage, name="c", seed=1)
    s.optimize(lambda p: p["x"], 2)
    t = s.ask()
    for what, f in (("copied", copy.copy), ("copied", copy.deepcopy),
                    ("pickled", pickle.dumps), ("pickled", lambda o: pickle.dumps(t))):
        try:
            f(s)
        except TypeError as e:
            assert "cannot be %s" % what in str(e), e
            assert ("gpbo.Study(storage=%r, name='c')" % storage if storage else
                    "in-memory") in str(e), e
        else:
            raise AssertionError("not refused")
    gc.collect()
    s.tell(t, 0.5)
    s.optimize(lambda p: p["x"], 2)
    assert len(s.trials) == 5, s.trials
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and out.stdout == "ok\n", (out.returncode, out.stderr)


def test_storage_must_be_a_url_or_a_path(tmp_path, monkeypatch):
    """storage= an object (an Optuna RDBStorage, say) is TypeError: str() of it made a SQLite
    file named after its repr. A pathlib.Path is a path, as a str is."""
    import pathlib

    monkeypatch.chdir(tmp_path)

    class Storage:
        pass

    for bad in (Storage(), 3, b"x.db"):
        with pytest.raises(TypeError, match="storage is a URL or a path"):
            gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=bad, name="s")
    assert os.listdir(tmp_path) == []
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=pathlib.Path("p.db"), name="s")
    study.optimize(lambda p: p["x"], 1)
    assert "p.db" in os.listdir(tmp_path)
    assert len(gpbo.Study(storage=str(tmp_path / "p.db"), name="s").trials) == 1


def test_a_trial_of_another_study_is_refused(tmp_path):
    """tell / report with a Trial asked from another study used its id here: the other
    study's trial 0 was told with this value and the asked one stayed running (a script
    comparing two studies side by side got both wrong). Now ValueError, and nothing changes;
    another handle of the same stored study still takes it, as it takes the id."""
    a = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=1, name="a")
    b = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=2, name="b")
    ta, tb = a.ask(), b.ask()
    for call in (lambda: b.tell(ta, 1.0), lambda: b.tell(ta, pruned=True),
                 lambda: b.report(ta, 1, 0.5), lambda: b.tell(ta, 1.0, skip_if_finished=True)):
        with pytest.raises(ValueError, match="asked from .*'a'.*not from this study"):
            call()
    assert [r.state for r in a.trials] == [r.state for r in b.trials] == ["running"]
    assert b.trials[0].intermediate == {}
    a.tell(ta, 0.25)
    b.tell(tb, 0.75)
    assert (a.best_value, b.best_value) == (0.25, 0.75)

    url = "sqlite:///%s" % (tmp_path / "two.db")
    h1 = gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=url, name="s", seed=1)
    h2 = gpbo.Study(storage=url, name="s")
    t = h1.ask()
    h2.tell(t, 0.5)
    assert [r.state for r in h1.trials] == ["complete"]


@pytest.mark.parametrize("callbacks", [False, True])
def test_objective_telling_its_own_trial_leaves_no_trial_running(callbacks):
    """An objective that tells its own trial (study.tell(trial, x), then returns x): optimize
    raises StateError (a ValueError, as Optuna's "Cannot tell a COMPLETE trial"). Its one-step
    tell-and-ask had asked the next trial before the tell's refusal was seen: that trial,
    never run, stayed RUNNING for ever in memory. Now it is told failed; the path with
    callbacks (tell, then ask) asked none."""
    study = gpbo.Study(strategy="random", seed=1)

    def f(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 2:
            study.tell(trial, x)
        return x

    with pytest.raises(ValueError, match="already finished"):
        study.optimize(f, n_trials=5, callbacks=[lambda s, r: None] if callbacks else None)
    recs = study.trials
    assert [r.state for r in recs[:3]] == ["complete"] * 3
    assert not [r for r in recs if r.state == "running"], recs
    assert len(recs) == (3 if callbacks else 4)
    if not callbacks:
        assert recs[3].state == "failed" and recs[3].reason.endswith("(asked, not run)")


def test_ctrl_c_that_ends_the_program_leaves_no_stored_trial_running(tmp_path):
    """A script running optimize(n_jobs=2) on a SQLite study, stopped by Ctrl-C: the
    KeyboardInterrupt is raised at once in the main thread and, uncaught, ends the program.
    The worker threads were daemons, killed at exit in the middle of their objectives: both
    trials stayed RUNNING in the file (until another worker's grace period ran out), where
    Optuna's thread pool lets them finish and tells them (COMPLETE; checked here too). Now
    the interpreter waits for the workers, which start no other trial: the trials running
    are told complete before the process exits. The main thread waited for the workers
    with Thread.join, which on Python 3.11, interrupted, takes a running thread for ended
    (bpo-45274): the interpreter's exit then closed the study under a worker still running
    (a segfault in some runs, the trial left RUNNING)."""
    script = tmp_path / "run.py"
    script.write_text(
        "import os, signal, sys, threading, time\n"
        "lib = sys.argv[1]\n"
        "started = threading.Barrier(3)\n"
        "def f(x):\n"
        "    started.wait(30)\n"  # both trials have started when the signal comes
        "    time.sleep(0.8)\n"
        "    return x\n"
        "def interrupt():\n"
        "    started.wait(30)\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "threading.Thread(target=interrupt, daemon=True).start()\n"
        "if lib == 'gpbo':\n"
        "    import gpbo\n"
        "    s = gpbo.Study({'x': gpbo.Uniform(0, 1)}, storage=sys.argv[2], name='k',\n"
        "                   strategy='random', seed=1)\n"
        "    s.optimize(lambda p: f(p['x']), n_trials=10, n_jobs=2)\n"
        "else:\n"
        "    import optuna\n"
        "    optuna.logging.set_verbosity(optuna.logging.ERROR)\n"
        "    s = optuna.create_study(storage='sqlite:///' + sys.argv[2], study_name='k')\n"
        "    s.optimize(lambda t: f(t.suggest_float('x', 0, 1)), n_trials=10, n_jobs=2)\n")
    states = {}
    for lib in ("gpbo", "optuna"):
        db = str(tmp_path / (lib + ".db"))
        run = subprocess.run([sys.executable, str(script), lib, db], capture_output=True,
                             text=True, timeout=120, env=dict(os.environ))
        # ended by the SIGINT Python sends itself after its exit (no segfault, 0 not 130)
        assert run.returncode == -2 and "KeyboardInterrupt" in run.stderr, \
            (run.returncode, run.stderr)
        if lib == "gpbo":
            with gpbo.Study(storage=db, name="k") as study:
                states[lib] = sorted(str(r.state) for r in study.trials)
        else:
            import optuna
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            theirs = optuna.load_study(storage="sqlite:///" + db, study_name="k")
            states[lib] = sorted(t.state.name.lower() for t in theirs.trials)
    assert states == {"gpbo": ["complete", "complete"], "optuna": ["complete", "complete"]}


def _open_study_at(path):
    """A process pool's job: opens a study at path (for the pickled-error test)."""
    gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=path, name="a")


def test_gpbo_errors_cross_process_pools_and_copies(tmp_path):
    """Many processes each opening the stored study is the documented way to share one, and
    pools (concurrent.futures, multiprocessing) hand a worker's exception back pickled. A
    gpbo error's class took (message, code) and pickled its args alone, so unpickling it
    raised "missing 1 required positional argument: 'code'": the parent's ProcessPoolExecutor
    broke ("A process in the process pool was terminated abruptly") and the error was lost
    (a multiprocessing.Pool waits for ever). copy.copy failed the same way. Now the worker's
    StorageError comes back whole, with its message and code."""
    import concurrent.futures as cf
    import copy
    import multiprocessing as mp
    import pickle

    with pytest.raises(gpbo.StorageError) as local:
        _open_study_at(str(tmp_path))  # a folder: no SQLite file can be opened there
    with cf.ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        fut = pool.submit(_open_study_at, str(tmp_path))
        with pytest.raises(gpbo.StorageError) as remote:
            fut.result(timeout=120)
    assert str(remote.value) == str(local.value) and str(tmp_path) in str(remote.value)
    assert remote.value.code == local.value.code < 0
    for cls in (gpbo.GpboError, gpbo.InvalidArgumentError, gpbo.StorageError,
                gpbo.ExhaustedError, gpbo.NotFoundError, gpbo.StateError):
        e = cls("study 'a': 2.385", -7)
        e.note = "kept"
        for back in (pickle.loads(pickle.dumps(e)), copy.copy(e), copy.deepcopy(e)):
            assert type(back) is cls and str(back) == str(e) and back.code == -7
            assert back.note == "kept"
