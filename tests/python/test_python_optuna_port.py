"""Optuna users' scripts on gpbo.Study: what a demanding Optuna user reaches for beyond
suggest_* (user attributes, trials_dataframe, FrozenTrial's fields, durations, pruning, resuming
a stored study, stopping from a callback), each checked against Optuna 3 running the same
objective where Optuna's behaviour is the reference.

Run by ctest with PYTHONPATH at the build tree's staged package and GPBO_BINARY_DIR set.
"""
import datetime
import math
import os
import subprocess
import sys
import threading
import time
import warnings

import optuna
import pandas as pd
import pytest

import gpbo

optuna.logging.set_verbosity(optuna.logging.WARNING)


def noted(trial):
    """An objective that sets user attributes of every JSON kind, one of them in its first
    trial before any suggestion; trial 1 is pruned (Optuna's own exception), trial 2 fails."""
    trial.set_user_attr("number_seen", trial.number)
    x = trial.suggest_float("x", -2, 2)
    n = trial.suggest_int("n", 1, 4)
    trial.set_user_attr("note", "n=%d" % n)
    trial.set_user_attr("shape", {"layers": [n, 2 * n], "ok": True, "lr": 2.385e-3})
    trial.set_user_attr("pair", (n, None))  # a tuple comes back as a list, as from Optuna's RDB
    if trial.number == 1:
        raise optuna.TrialPruned()
    if trial.number == 2:
        raise RuntimeError("diverged")
    return (x - 0.5) ** 2 + n


def expected_attrs(number, n):
    return {"number_seen": number, "note": "n=%d" % n,
            "shape": {"layers": [n, 2 * n], "ok": True, "lr": 2.385e-3}, "pair": [n, None]}


@pytest.mark.parametrize("where", ["memory", "sqlite"])
def test_user_attrs_stored_and_reopened_as_optuna(tmp_path, where):
    """Trial.set_user_attr / user_attrs and TrialRecord.user_attrs hold what Optuna's RDB
    storage holds for the same objective (a tuple as a list, every trial whatever its end, the
    first define-by-run trial's set before its first suggestion included); a stored study
    reopened by another handle reads them back."""
    storage = None if where == "memory" else "sqlite:///%s" % (tmp_path / "attrs.db")
    study = gpbo.Study(storage=storage, name="attrs", seed=3, strategy="random")
    study.optimize(noted, 6)
    ours = {r.number: r.user_attrs for r in study.trials}
    ourl = "sqlite:///%s" % (tmp_path / "optuna.db")
    optuna.create_study(storage=ourl, study_name="o").optimize(noted, 6, catch=(RuntimeError,))
    ostudy = optuna.load_study(storage=ourl, study_name="o")  # read back, not from its cache
    theirs = {t.number: t.user_attrs for t in ostudy.trials}
    assert len(ours) == len(theirs) == 6
    for k in range(6):
        n = study.trials[k].params["n"]
        assert ours[k] == expected_attrs(k, n)
        assert theirs[k] == expected_attrs(k, ostudy.trials[k].params["n"])
    assert [r.state for r in study.trials][:3] == ["complete", "pruned", "failed"]
    assert study.best_trial.user_attrs["note"] == "n=%d" % study.best_trial.params["n"]
    if storage:
        again = gpbo.Study(storage=storage, name="attrs")
        assert {r.number: r.user_attrs for r in again.trials} == ours
        again.close()
    # a running trial's, at once, through the Trial and the study's records
    t = study.ask()
    t.set_user_attr("k", 1)
    t.set_user_attr("k", [2])  # set again: the last value
    assert t.user_attrs == {"k": [2]}
    assert study.trials[-1].user_attrs == {"k": [2]}
    study.tell(t, 1.0)
    with pytest.raises(gpbo.GpboError):  # told: the library refuses, as Optuna refuses
        t.set_user_attr("late", 1)


def test_user_attr_values_refused_as_optuna_rdb_refuses(tmp_path):
    """A value JSON cannot hold is refused with the error Optuna's RDB storage gives (a set:
    TypeError) and NaN too (ValueError: JSON has no NaN; the storage could not read it back),
    naming the key; a key that is not a string: TypeError. Nothing is stored."""
    ostudy = optuna.create_study(storage="sqlite:///%s" % (tmp_path / "optuna.db"))
    ot = ostudy.ask()
    with pytest.raises(TypeError):
        ot.set_user_attr("s", {1, 2})
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=1, strategy="random")
    t = study.ask()
    with pytest.raises(TypeError, match="'s'"):
        t.set_user_attr("s", {1, 2})
    with pytest.raises(ValueError, match="'nan'"):
        t.set_user_attr("nan", float("nan"))
    with pytest.raises(TypeError, match="key"):
        t.set_user_attr(3, "x")
    t.set_user_attr("é", "ünïcode")
    study.tell(t, 0.5)
    assert study.trials[0].user_attrs == {"é": "ünïcode"}


def test_trials_dataframe_as_optuna():
    """Study.trials_dataframe has Optuna's columns, in Optuna's order, with the same dtypes, for
    the same objective: number, value, datetime_start, datetime_complete, duration,
    params_NAME (sorted), user_attrs_NAME (sorted), state in Optuna's names; multi_index keeps
    the (params, NAME) pairs; values_0, values_1 for several objectives; an empty DataFrame
    with no trial."""
    study = gpbo.Study(seed=3, strategy="random")
    assert study.trials_dataframe().empty
    study.optimize(noted, 5)
    ostudy = optuna.create_study()
    ostudy.optimize(noted, 5, catch=(RuntimeError,))
    ours, theirs = study.trials_dataframe(), ostudy.trials_dataframe()
    assert list(ours.columns) == list(theirs.columns) == [
        "number", "value", "datetime_start", "datetime_complete", "duration", "params_n",
        "params_x", "user_attrs_note", "user_attrs_number_seen", "user_attrs_pair",
        "user_attrs_shape", "state"]
    assert list(ours.dtypes) == list(theirs.dtypes)
    assert list(ours["state"]) == list(theirs["state"]) == \
        ["COMPLETE", "PRUNED", "FAIL", "COMPLETE", "COMPLETE"]
    assert list(ours["number"]) == [0, 1, 2, 3, 4]
    assert ours["value"].isna().tolist() == [False, True, True, False, False]
    recs = study.trials
    assert ours["value"][0] == recs[0].value and ours["params_x"][3] == recs[3].params["x"]
    assert ours["user_attrs_note"][4] == "n=%d" % recs[4].params["n"]
    assert (ours["duration"] >= pd.Timedelta(0)).all()
    assert ours["datetime_start"][0] == datetime.datetime.fromtimestamp(recs[0].started)
    assert list(study.trials_dataframe(multi_index=True).columns) == \
        list(ostudy.trials_dataframe(multi_index=True).columns)
    assert list(study.trials_dataframe(attrs=("number", "params", "state")).columns) == \
        list(ostudy.trials_dataframe(attrs=("number", "params", "state")).columns)
    with pytest.raises(ValueError, match="unknown attribute 'bogus'"):
        study.trials_dataframe(attrs=("number", "bogus"))

    def two(trial):
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    mo = gpbo.Study(objectives={"a": "minimize", "b": "minimize"}, seed=1, strategy="random")
    mo.optimize(two, 3)
    omo = optuna.create_study(directions=["minimize", "minimize"],  # NSGA-II's system_attrs
                              sampler=optuna.samplers.RandomSampler(seed=1))  # aside
    omo.optimize(two, 3)
    assert list(mo.trials_dataframe().columns) == list(omo.trials_dataframe().columns)
    assert mo.trials_dataframe()["values_1"][2] == pytest.approx(1 - mo.trials[2].params["x"])


def test_trials_dataframe_waiting_and_running():
    """An enqueued trial no worker has taken is WAITING, an asked one RUNNING (Optuna's names):
    no end, no duration."""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=1, strategy="random")
    study.ask()
    study.enqueue({"x": 0.25})
    df = study.trials_dataframe()
    assert list(df["state"]) == ["RUNNING", "WAITING"]
    assert df["datetime_complete"].isna().all() and df["duration"].isna().all()


def test_trials_dataframe_without_pandas_names_it():
    """Without pandas, trials_dataframe raises ImportError naming pandas and Debian's package
    (the rest of the package needs no pandas)."""
    code = ("import sys; sys.modules['pandas'] = None\n"
            "import gpbo\n"
            "s = gpbo.Study({'x': gpbo.Uniform(0, 1)}, strategy='random')\n"
            "s.optimize(lambda p: p['x'], 2)\n"
            "try:\n"
            "    s.trials_dataframe()\n"
            "except ImportError as e:\n"
            "    print('ImportError:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "ImportError:" in out and "pandas" in out and "python3-pandas" in out


@pytest.mark.parametrize("where", ["memory", "sqlite"])
def test_first_define_by_run_trial_lasts_as_long_as_it_ran(tmp_path, where):
    """A define-by-run study's first trial (stored only when it is told) starts when it was
    asked, not when it was told: its duration is the objective's, as every later trial's
    (it was about 0 s), also as another handle reads the stored study."""
    storage = None if where == "memory" else "sqlite:///%s" % (tmp_path / "dur.db")

    def slow(trial):
        x = trial.suggest_float("x", 0, 1)
        time.sleep(0.3)
        return x

    before = time.time()
    study = gpbo.Study(storage=storage, name="dur", seed=1, strategy="random")
    study.optimize(slow, 2)
    first = study.trials[0]
    assert first.started >= before - 1e-3
    assert 0.3 <= first.duration.total_seconds() < 30
    assert first.datetime_complete - first.datetime_start == first.duration
    assert study.trials[1].started >= first.finished
    if storage:
        again = gpbo.Study(storage=storage, name="dur")
        assert again.trials[0].duration.total_seconds() >= 0.3
        again.close()


def test_optuna_trial_pruned_prunes():
    """An objective ported as it is raises optuna.TrialPruned (or Optuna's framework callbacks
    do): the trial is pruned, as with gpbo.TrialPruned, not failed (nor, with a narrow catch,
    fatal to optimize)."""
    def f(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 2:
            raise optuna.TrialPruned()
        return x

    study = gpbo.Study(seed=1, strategy="random")
    study.optimize(f, 4, catch=(RuntimeError,))
    assert [r.state for r in study.trials] == ["complete", "pruned"] * 2


@pytest.mark.parametrize("where", ["memory", "sqlite"])
def test_study_user_attrs_as_optuna(tmp_path, where):
    """study.set_user_attr / study.user_attrs hold what Optuna's hold (values as JSON gives
    them back), set before a define-by-run study's first trial too; stored at once, so another
    handle of a stored study reads them without any trial told, and a key set there is seen
    here; a value JSON cannot hold is refused naming the key."""
    storage = None if where == "memory" else "sqlite:///%s" % (tmp_path / "sattrs.db")
    study = gpbo.Study(storage=storage, name="s", seed=1, strategy="random")
    study.set_user_attr("dataset", "fashion-mnist")  # before the study exists
    assert study.user_attrs == {"dataset": "fashion-mnist"}
    study.optimize(lambda t: t.suggest_float("x", 0, 1), 2)
    study.set_user_attr("budget", {"gpu_h": 2.385, "cards": ("a100", 2)})
    ostudy = optuna.create_study(storage="sqlite:///%s" % (tmp_path / "optuna.db"),
                                 study_name="o")
    ostudy.set_user_attr("dataset", "fashion-mnist")
    ostudy.set_user_attr("budget", {"gpu_h": 2.385, "cards": ("a100", 2)})
    theirs = optuna.load_study(storage="sqlite:///%s" % (tmp_path / "optuna.db"),
                               study_name="o").user_attrs
    assert study.user_attrs == theirs == {"dataset": "fashion-mnist",
                                          "budget": {"gpu_h": 2.385, "cards": ["a100", 2]}}
    with pytest.raises(TypeError, match="'bad'"):
        study.set_user_attr("bad", object())
    if storage:
        other = gpbo.Study(storage=storage, name="s")
        assert other.user_attrs == theirs
        other.set_user_attr("dataset", "v2")
        assert study.user_attrs == {"dataset": "v2", "budget": theirs["budget"]}
        other.close()


# ---- Optuna users' scripts, ported -------------------------------------------------------------
# Each script is Optuna's (its docs, FAQ or its own callbacks) with the changes a port needs:
# the study made by gpbo.Study, TrialState imported from gpbo, report(step, value).


class StopWhenTrialKeepBeingPrunedCallback:
    """Optuna's FAQ: "How can I stop a study after N consecutive pruned trials?"; the state
    class is Optuna's TrialState or gpbo's."""

    def __init__(self, threshold, trial_state):
        self.threshold, self.states = threshold, trial_state
        self._consecutive_pruned_count = 0

    def __call__(self, study, trial):
        if trial.state == self.states.PRUNED:
            self._consecutive_pruned_count += 1
        else:
            self._consecutive_pruned_count = 0
        if self._consecutive_pruned_count >= self.threshold:
            study.stop()


def test_port_faq_stop_after_consecutive_pruned():
    """The FAQ's callback stops the study after 2 consecutive pruned trials, as under Optuna:
    the same 5 trials, the same states (a string state never equalled TrialState.PRUNED, and
    Study had no stop())."""
    def objective(trial, pruned):
        x = trial.suggest_float("x", 0, 1)
        if trial.number >= 3:
            raise pruned()
        return x

    ostudy = optuna.create_study()
    ostudy.optimize(lambda t: objective(t, optuna.TrialPruned), n_trials=10,
                    callbacks=[StopWhenTrialKeepBeingPrunedCallback(2, optuna.trial.TrialState)])
    study = gpbo.Study(seed=1, strategy="random")
    study.optimize(lambda t: objective(t, gpbo.TrialPruned), n_trials=10,
                   callbacks=[StopWhenTrialKeepBeingPrunedCallback(2, gpbo.TrialState)])
    assert [t.state.name for t in ostudy.trials] == [t.state.name for t in study.trials] == \
        ["COMPLETE"] * 3 + ["PRUNED"] * 2
    assert study.trials[0].state == "complete" and str(study.trials[3].state) == "pruned"


def test_port_stop_from_the_objective():
    """Optuna's Study.stop docstring: the objective stops the study at trial 4, so 5 trials run
    (n_trials 10), in one thread (the one-step tell-and-ask path) and in two; stop() outside
    optimize raises RuntimeError, as Optuna's; a later optimize runs again."""
    def objective(trial):
        if trial.number == 4:
            trial.study.stop()
        x = trial.suggest_float("x", 0, 10)
        return x ** 2

    ostudy = optuna.create_study()
    ostudy.optimize(objective, n_trials=10)
    study = gpbo.Study(seed=1, strategy="random")
    study.optimize(objective, n_trials=10)
    assert len(ostudy.trials) == len(study.trials) == 5
    with pytest.raises(RuntimeError):
        ostudy.stop()
    with pytest.raises(RuntimeError, match="optimize"):
        study.stop()
    study.optimize(objective, n_trials=3)
    assert len(study.trials) == 8
    two = gpbo.Study({"x": gpbo.Uniform(0, 10)}, seed=1, strategy="random")
    two.optimize(objective, n_trials=40, n_jobs=2, pass_trial=True)
    # trial 4's stop lets the other thread's running trial end, and starts none
    assert 5 <= len(two.trials) <= 6 and all(r.state == "complete" for r in two.trials)


class MaxTrialsCallback:
    """optuna.study.MaxTrialsCallback as Optuna 3.1 writes it: stop once the study holds
    n_trials trials in `states`."""

    def __init__(self, n_trials, states):
        self._n_trials, self._states = n_trials, states

    def __call__(self, study, trial):
        trials = study.get_trials(deepcopy=False, states=self._states)
        if len(trials) >= self._n_trials:
            study.stop()


def test_port_max_trials_callback_with_threads():
    """MaxTrialsCallback(6, states=(COMPLETE,)) with a failing objective every third trial and
    two threads: optimize stops with at least 6 complete trials and at most one more a thread
    (the trials running when it stops end); Optuna's own callback on an Optuna study agrees;
    get_trials filters by state (gpbo's TrialState or its strings) and refuses a state that is
    not one."""
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 3 == 2:
            raise RuntimeError("every third")
        return x

    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=2, strategy="random")
    study.optimize(objective, n_trials=100, n_jobs=2, pass_trial=True,
                   callbacks=[MaxTrialsCallback(6, states=(gpbo.TrialState.COMPLETE,))])
    complete = study.get_trials(states=(gpbo.TrialState.COMPLETE,))
    assert 6 <= len(complete) <= 7 and len(study.trials) <= 11
    assert all(r.state == "complete" for r in complete)
    assert study.get_trials(states=("failed",)) == [] or \
        all(r.state == gpbo.TrialState.FAIL for r in study.get_trials(states=("failed",)))
    with pytest.raises(ValueError):
        study.get_trials(states=("bogus",))
    ostudy = optuna.create_study()
    ostudy.optimize(objective, n_trials=100, catch=(RuntimeError,), callbacks=[
        optuna.study.MaxTrialsCallback(6, states=(optuna.trial.TrialState.COMPLETE,))])
    assert len([t for t in ostudy.trials if t.state.name == "COMPLETE"]) == 6


def test_port_enqueue_trial_docs_example():
    """Optuna's enqueue_trial tutorial ("specify hyperparameters manually"): two known-good
    configurations first, then the sampler's; skip_if_exists=True adds a configuration once
    (run twice, as a resumed script does), as Optuna's; user_attrs= is refused naming
    set_user_attr (an enqueued trial could not carry them), and nothing is enqueued."""
    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        y = trial.suggest_int("y", 0, 5)
        return (x - 2) ** 2 + y

    def script(study):
        study.enqueue_trial({"x": 2.0, "y": 0}, skip_if_exists=True)
        study.enqueue_trial({"x": 5.0, "y": 1}, skip_if_exists=True)
        study.optimize(objective, n_trials=3)

    ostudy = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    study = gpbo.Study(seed=1, strategy="random")
    for _ in range(2):
        script(ostudy)
        script(study)
    for s in (ostudy, study):
        assert [t.params for t in s.trials[:2]] == [{"x": 2.0, "y": 0}, {"x": 5.0, "y": 1}]
        assert len(s.trials) == 6 and s.best_value == 0.0 and s.best_params == {"x": 2.0, "y": 0}
        assert [t.params for t in s.trials].count({"x": 2.0, "y": 0}) == 1
    with pytest.raises(NotImplementedError, match="set_user_attr"):
        study.enqueue_trial({"x": 1.0, "y": 1}, user_attrs={"memo": "good"})
    assert len(study.trials) == 6


def test_port_optuna2_suggest_names():
    """A script of Optuna 2's time (suggest_uniform, suggest_loguniform; Optuna 3 still runs
    them) makes the space Optuna 3's suggest_float makes; suggest_discrete_uniform too (it was
    refused as any step was): the stepped float of Optuna's FloatDistribution(step=q)."""
    def objective(trial):
        x = trial.suggest_uniform("x", -3, 3)
        lr = trial.suggest_loguniform("lr", 1e-5, 1e-1)
        return x ** 2 + lr

    study = gpbo.Study(seed=1, strategy="random")
    study.optimize(objective, 3)
    assert list(study.space) == ["x", "lr"]
    x, lr = study.space["x"], study.space["lr"]
    assert type(x) is gpbo.Uniform and (x.lo, x.hi, x.log) == (-3, 3, False)
    assert isinstance(lr, gpbo.LogUniform) and (lr.lo, lr.hi) == (1e-5, 1e-1)
    assert all(r.state == "complete" for r in study.trials)
    ostudy = optuna.create_study()
    with pytest.warns(FutureWarning):
        ostudy.optimize(objective, 1)
    assert ostudy.trials[0].distributions["lr"] == optuna.distributions.FloatDistribution(
        1e-5, 1e-1, log=True)
    qs = []
    study = gpbo.Study(seed=2, strategy="random")
    study.optimize(lambda t: qs.append(t.suggest_discrete_uniform("q", 0, 1, 0.25)) or 0.0, 10)
    assert study.space["q"] == gpbo.Uniform(0, 1, step=0.25)
    assert set(qs) <= {0, 0.25, 0.5, 0.75, 1.0} and len(set(qs)) > 1
    ostudy = optuna.create_study()
    with pytest.warns(FutureWarning):
        ostudy.optimize(lambda t: t.suggest_discrete_uniform("q", 0, 1, 0.25), 1)
    assert ostudy.trials[0].distributions["q"] == optuna.distributions.FloatDistribution(
        0, 1, step=0.25)


def test_port_ask_and_tell_tutorial():
    """Optuna's ask-and-tell tutorial, its loop as it is written (values=, state=PRUNED after
    should_prune, state=FAIL, skip_if_finished=True), with gpbo's TrialState: the same states
    as Optuna's loop gives; a value with state=PRUNED, none with COMPLETE, RUNNING or a string
    that is no state: ValueError as Optuna's; a trial told twice without skip_if_finished
    still raises."""
    def loop(study, states):
        for k in range(6):
            trial = study.ask()
            x = trial.suggest_float("x", 1e-7, 10.0, log=True)
            trial.report(0.5, 0) if states is optuna.trial.TrialState else trial.report(0, 0.5)
            if k == 2:
                study.tell(trial, state=states.PRUNED)
            elif k == 4:
                study.tell(trial, state=states.FAIL)
            else:
                study.tell(trial, values=x)
            study.tell(trial, values=1.0, skip_if_finished=True)  # told: left as it is
        return [t.state.name for t in study.trials]

    ostudy = optuna.create_study()
    study = gpbo.Study({"x": gpbo.LogUniform(1e-7, 10.0)}, seed=1, strategy="random")
    assert loop(ostudy, optuna.trial.TrialState) == loop(study, gpbo.TrialState) == \
        ["COMPLETE", "COMPLETE", "PRUNED", "COMPLETE", "FAIL", "COMPLETE"]
    assert study.trials[1].value == study.trials[1].params["x"]
    t = study.ask()
    for bad in (dict(values=1.0, state=gpbo.TrialState.PRUNED), dict(state="complete"),
                dict(values=1.0, state="running"), dict(values=1.0, state="done"),
                dict(value=1.0, values=2.0)):
        with pytest.raises(ValueError):
            study.tell(t, **bad)
    study.tell(t, 1.0)
    with pytest.raises(gpbo.GpboError):
        study.tell(t, values=2.0)
    assert study.trials[-1].value == 1.0


def test_port_optimize_gc_after_trial_and_progress_bar(capsys):
    """optimize(..., gc_after_trial=True, show_progress_bar=True), as Optuna's tutorials call
    it: a full collection after each trial (counted through gc.callbacks), and tqdm's bar on
    stderr counting the trials to n_trials with the best trial so far; with only a timeout,
    the bar counts seconds; with neither, no bar (as Optuna)."""
    import gc

    full = []

    def count(phase, info):
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    study = gpbo.Study(seed=1, strategy="random")
    gc.callbacks.append(count)
    try:
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4, gc_after_trial=True,
                       show_progress_bar=True)
    finally:
        gc.callbacks.remove(count)
    assert len(full) >= 4
    err = capsys.readouterr().err
    best = study.best_trial
    assert "4/4" in err and "Best trial: %d. Best value: %.6g" % (best.number, best.value) in err
    study.optimize(lambda t: t.suggest_float("x", 0, 1), timeout=0.5, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "%|" in err and "Best trial:" in err and "/00:00" in err  # seconds of the 0.5
    n = len(study.trials)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(study.trials) == n + 2 and capsys.readouterr().err == ""
    grid = gpbo.Study({"k": gpbo.Int(0, 2)}, strategy="grid")
    grid.optimize(lambda p: p["k"], show_progress_bar=True)  # until the grid is done: no end
    assert len(grid.trials) == 3 and capsys.readouterr().err == ""


def test_port_add_trial_warm_start_as_optuna(tmp_path):
    """Optuna's add_trial tutorial ("manually specify hyperparameters with known results"):
    evaluations made elsewhere go in as finished trials; best_trial, best_params and the trial
    list read as Optuna's do, a later optimize numbers its trials after them, and the added
    trials are stored (another handle reads them back)."""
    known = [({"x": 2.5, "y": 1}, 1.25), ({"x": -1.0, "y": 0}, 9.0), ({"x": 2.0, "y": 3}, 3.0)]

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        y = trial.suggest_int("y", 0, 5)
        return (x - 2) ** 2 + y

    ostudy = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=2))
    dists = {"x": optuna.distributions.FloatDistribution(-10, 10),
             "y": optuna.distributions.IntDistribution(0, 5)}
    for p, v in known:
        ostudy.add_trial(optuna.trial.create_trial(params=p, distributions=dists, value=v))
    url = "sqlite:///%s" % (tmp_path / "warm.db")
    study = gpbo.Study({"x": gpbo.Uniform(-10, 10), "y": gpbo.Int(0, 5)}, storage=url,
                       name="warm", seed=2, strategy="random")
    ids = [study.add_trial(p, v) for p, v in known]
    assert ids == [0, 1, 2]
    for s in (ostudy, study):
        assert [(t.params, t.value) for t in s.trials] == known
        assert s.best_value == 1.25 and s.best_params == {"x": 2.5, "y": 1}
        assert s.best_trial.number == 0
        if s is study:
            s.optimize(objective, n_trials=2, pass_trial=True)
        else:
            s.optimize(objective, n_trials=2)
        assert [t.number for t in s.trials] == [0, 1, 2, 3, 4]
    again = gpbo.Study(storage=url, name="warm")
    assert [(t.params, t.value, t.state) for t in again.trials[:3]] == \
        [(p, v, "complete") for p, v in known]


def test_add_trials_copies_another_study(tmp_path):
    """add_trials(other.trials) copies a study's finished trials (params, values, failure
    reasons, metrics; pruned ones included) into a stored one, skipping what did not finish; a
    study of two
    objectives keeps its Pareto front."""
    space = {"x": gpbo.Uniform(0, 1), "c": gpbo.Categorical(["a", "b"])}

    calls = []

    def objective(p):  # a study with a declared space passes the parameters
        calls.append(p)
        if len(calls) == 4:
            raise RuntimeError("diverged")
        return p["x"] + (p["c"] == "b")

    src = gpbo.Study(space, seed=4, strategy="random")
    src.optimize(objective, 8)
    src.tell(src.ask(), pruned=True)
    src.ask()  # still running
    dst = gpbo.Study(space, storage="sqlite:///%s" % (tmp_path / "copy.db"), name="copy",
                     seed=9, strategy="random")
    ids = dst.add_trials(src.trials)
    assert ids == list(range(9))  # the pruned one too (skipped before), not the running one
    pairs = [(a.params, a.state, a.value if a.state == "complete" else None, a.reason)
             for a in src.trials[:9]]
    assert [(b.params, b.state, b.value if b.state == "complete" else None, b.reason)
            for b in dst.trials] == pairs
    assert dst.trials[3].state == "failed" and "diverged" in dst.trials[3].reason
    assert dst.best_params == src.best_params

    mo = {"x": gpbo.Uniform(0, 1)}
    a = gpbo.Study(mo, objectives={"a": "minimize", "b": "minimize"}, seed=1,
                   strategy="random")
    a.optimize(lambda p: (p["x"], (1 - p["x"]) ** 2 + 0.1), 10)
    b = gpbo.Study(mo, objectives={"a": "minimize", "b": "minimize"}, seed=2,
                   strategy="random")
    b.add_trials(a.trials)
    assert [t.values for t in b.trials] == [t.values for t in a.trials]
    assert sorted(t.number for t in b.best_trials) == sorted(t.number for t in a.best_trials)


def test_add_trial_refusals():
    """What add_trial refuses, nothing added: a complete trial without a value or with a
    non-finite one, a failed one with a value, a running one, a pruned one with a value that is
    not finite, the reserved attribute key, a value outside the space, an
    unknown or missing parameter, the cap; a define-by-run study before its first trial."""
    study = gpbo.Study({"x": gpbo.Uniform(0, 1), "n": gpbo.Int(1, 3)}, seed=1)
    bad = [
        (lambda: study.add_trial({"x": 0.5, "n": 2}), ValueError, "needs its value"),
        (lambda: study.add_trial({"x": 0.5, "n": 2}, math.nan), ValueError, "finite"),
        (lambda: study.add_trial({"x": 0.5, "n": 2}, 1.0, state="failed"), ValueError,
         "no value"),
        (lambda: study.add_trial({"x": 0.5, "n": 2}, state="running"), ValueError, "RUNNING"),
        # a pruned trial's value is None or finite (any: Optuna's add_trial keeps it)
        (lambda: study.add_trial({"x": 0.5, "n": 2}, math.inf, state="pruned",
                                 intermediate_values={0: 2.0}), ValueError, "finite"),
        (lambda: study.add_trial({"x": 0.5, "n": 2}, "1.0x", state="pruned"), ValueError,
         "finite"),
        # the attribute that holds such a value is gpbo's own
        (lambda: study.add_trial({"x": 0.5, "n": 2}, 1.0,
                                 user_attrs={"gpbo.pruned_value": 1.0}), ValueError, "gpbo's own"),
        (lambda: study.add_trial({"x": 1.5, "n": 2}, 1.0), gpbo.GpboError, "x"),
        (lambda: study.add_trial({"x": 0.5, "n": 2, "z": 1}, 1.0), ValueError, "unknown"),
        (lambda: study.add_trial({"x": 0.5}, 1.0), ValueError, "missing"),
    ]
    for call, exc, words in bad:
        with pytest.raises(exc, match=words):
            call()
    assert study.trials == []
    assert study.add_trial({"x": 0.5, "n": 2}, state="failed", reason="out of memory") == 0
    assert study.trials[0].reason == "out of memory"
    with pytest.raises(gpbo.ExhaustedError):
        study.add_trial({"x": 0.25, "n": 1}, 0.5, max_trials=1)
    assert len(study.trials) == 1
    with pytest.raises(ValueError, match="no space yet"):
        gpbo.Study(direction="minimize").add_trial({"x": 0.5}, 1.0)


def test_add_trial_pruned_as_optunas(tmp_path):
    """Optuna 3.1's add_trial(create_trial(state=PRUNED, ...)) adds a pruned trial (gpbo's
    refused it): side by side, the same pruned trials (with intermediate values and a value,
    its last one or another, with intermediate values and none, with neither, with a NaN last
    report) read back as Optuna's (state, value: None when added without one, intermediate
    values), from a stored study reopened too and from a copy; they count as pruned, not as
    the best. gpbo read a pruned trial added without a value as its last intermediate value
    (a difference docs/python.md listed)."""
    from optuna.distributions import FloatDistribution
    dists = {"x": FloatDistribution(0, 1)}
    PR = optuna.trial.TrialState.PRUNED
    made = [optuna.trial.create_trial(params={"x": 0.25}, distributions=dists, state=PR,
                                      value=0.75, intermediate_values={0: 2.0, 3: 0.75}),
            optuna.trial.create_trial(params={"x": 0.5}, distributions=dists, state=PR,
                                      intermediate_values={1: 1.5}),
            optuna.trial.create_trial(params={"x": 0.625}, distributions=dists, state=PR),
            optuna.trial.create_trial(params={"x": 0.375}, distributions=dists, state=PR,
                                      value=1.25, intermediate_values={0: 3.5}),
            optuna.trial.create_trial(params={"x": 0.125}, distributions=dists, state=PR,
                                      intermediate_values={0: 2.5, 1: math.nan}),
            optuna.trial.create_trial(params={"x": 0.875}, distributions=dists, value=2.385)]
    theirs = optuna.create_study()
    url = "sqlite:///%s" % (tmp_path / "pruned.db")
    ours = gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=url, name="p", strategy="random")
    for study in (theirs, ours):
        for t in made:
            study.add_trial(t)

    def seen(t):
        iv = {k: v for k, v in t.intermediate_values.items() if not math.isnan(v)}
        return (t.params, t.state.name, t.value, iv)  # NaN reports are not stored here

    want = [seen(t) for t in theirs.trials]
    assert [w[1] for w in want] == ["PRUNED"] * 5 + ["COMPLETE"]
    # a pruned trial added without a value keeps None, also with intermediate values (gpbo
    # read its last one: the value optimize gives a trial it prunes, not the one added), and
    # one added with a value keeps that value, its last intermediate value or not
    assert [w[2] for w in want[:5]] == [0.75, None, None, 1.25, None]
    assert [seen(t) for t in ours.trials] == want
    again = gpbo.Study(storage=url, name="p")
    assert [seen(t) for t in again.trials] == want
    assert [(t.value, t.values) for t in again.trials][1:3] == [(None, None)] * 2
    assert [t.user_attrs for t in again.trials] == [{}] * 6  # the value is no user attribute
    assert ours.best_value == theirs.best_value == 2.385
    assert len(ours.get_trials(states=(gpbo.TrialState.PRUNED,))) == 5
    # copied on (add_trials of TrialRecords), the values stay; the strategy still takes the
    # intermediate values of each (a Bayesian ask after them works)
    copy = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=2)
    copy.add_trials(again.trials)
    assert [seen(t) for t in copy.trials] == want
    assert 0 <= copy.ask().params["x"] <= 1
    again.close()


def test_one_objective_told_a_sequence_of_one_as_optuna():
    """An objective of one objective that returns a sequence of one value (`return [loss]`,
    `return (loss,)`, an array of one), or tell(trial, [v]): Optuna completes the trial with v,
    and so does gpbo (it failed every trial of optimize, "tell one number"). Two values, a
    string, a dict or a nested list are still refused, as Optuna fails them."""
    import numpy as np

    shapes = [lambda x: [x], lambda x: (x,), lambda x: np.array([x]),
              lambda x: np.array([[x]])]

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        return shapes[trial.number % len(shapes)](x)

    ostudy = optuna.create_study()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's on float() of a 2-d array
        ostudy.optimize(objective, 4)
        study = gpbo.Study(seed=1, strategy="random")
        study.optimize(objective, 4)
    for s in (ostudy, study):
        assert [t.state.name for t in s.trials] == ["COMPLETE"] * 4
        assert all(t.value == t.params["x"] for t in s.trials)
    t = study.ask()
    for bad in ([0.1, 0.2], "0", {"v": 0.1}, [[0.1]], [None], []):
        with pytest.raises(ValueError, match="one number"):
            study.tell(t, bad)
    study.tell(t, values=(0.25,))
    assert study.trials[-1].value == 0.25


def test_waiting_trials_and_optunas_trial_state_as_optuna():
    """An enqueued trial no worker has taken is WAITING in study.trials and get_trials, as in
    Optuna (it was RUNNING, so counting running trials counted the queue), RUNNING once
    asked; get_trials, tell(state=) and add_trial take Optuna's own TrialState members by name
    (a script ported with `from optuna.trial import TrialState` left in: "1 is not a valid
    TrialState"); a state that is none is ValueError naming the states."""
    OState = optuna.trial.TrialState
    ostudy = optuna.create_study()
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=1, strategy="random")
    for s in (ostudy, study):
        s.enqueue_trial({"x": 0.5})
        s.enqueue_trial({"x": 0.25})
    assert [t.state.name for t in ostudy.trials] == ["WAITING"] * 2
    assert [t.state.name for t in study.trials] == ["WAITING"] * 2
    assert study.trials[0].state == "waiting" and study.trials[0].duration is None
    assert study.trials[0].datetime_start is ostudy.trials[0].datetime_start is None
    t, ot = study.ask(), ostudy.ask()
    ot.suggest_float("x", 0, 1)
    for s in (ostudy, study):
        assert [x.state.name for x in s.trials] == ["RUNNING", "WAITING"]
        assert [x.number for x in s.get_trials(states=(OState.WAITING,))] == [1]
        assert [x.number for x in s.get_trials(states=[OState.RUNNING])] == [0]
    assert [x.number for x in study.get_trials(states=[gpbo.TrialState.WAITING])] == [1]
    assert list(study.trials_dataframe()["state"]) == ["RUNNING", "WAITING"]
    for s in (ostudy, study):
        df = s.trials_dataframe()
        assert df["datetime_start"].notna().tolist() == [True, False]
    assert study.trials[0].datetime_start is not None
    study.tell(t, state=OState.PRUNED)
    assert study.trials[0].state == gpbo.TrialState.PRUNED
    for bad in (OState.WAITING, OState.RUNNING, "waiting"):
        with pytest.raises(ValueError, match="not an end"):
            study.tell(study.ask(), state=bad)
    with pytest.raises(ValueError, match="'done' is not a trial state: one of WAITING, RUNNING"):
        study.get_trials(states=["done"])
    assert study.add_trial({"x": 0.75}, state=OState.FAIL) >= 0
    assert study.trials[-1].state == "failed"


def test_create_study_arguments_name_gpbos():
    """Optuna's create_study arguments given to gpbo.Study (study_name=, sampler=,
    load_if_exists=) are TypeError naming gpbo's argument, not only 'unknown study
    option' with the library's option list (directions= is taken: test_directions_...)."""
    for kw, says in ((dict(study_name="s"), "name="),
                     (dict(sampler=optuna.samplers.RandomSampler()), "strategy="),
                     (dict(load_if_exists=True), "always opened")):
        with pytest.raises(TypeError, match="Optuna's create_study argument; gpbo.Study takes "
                                            ".*" + says):
            gpbo.Study(**kw)
    with pytest.raises(TypeError, match="unknown study option 'n_initial'"):
        gpbo.Study(n_initial=3)


def test_directions_as_optunas_create_study(tmp_path):
    """Optuna's create_study(directions=[...]) (its multi-objective tutorial) runs as it is:
    it was TypeError ("gpbo.Study takes objectives="). The same points told to both give the
    same best_trials (the Pareto front, minimize the first, maximize the second), the same
    trials_dataframe columns and directions; one direction is a study of one objective;
    Optuna's refusals (with direction=, empty, a wrong name) are ValueError here too; a stored
    study reopened with the same directions opens, with others is ValueError."""
    points = [(0.1, 0.2), (0.4, 0.9), (0.3, 0.3), (0.8, 0.95), (0.5, 0.1), (0.05, 0.05)]

    def objective(trial):
        return trial.suggest_float("x", 0, 1), trial.suggest_float("y", 0, 1)

    url = "sqlite:///%s" % (tmp_path / "mo.db")
    D = optuna.study.StudyDirection
    ours = gpbo.Study(directions=["minimize", D.MAXIMIZE], storage=url, name="mo",
                      strategy="random", seed=1)
    theirs = optuna.create_study(directions=["minimize", "maximize"])
    for st in (ours, theirs):
        for x, y in points:
            st.enqueue_trial({"x": x, "y": y})
        st.optimize(objective, len(points))
    front = sorted(t.number for t in theirs.best_trials)
    assert front == [0, 1, 2, 3, 5]  # (0.5, 0.1) is dominated by (0.3, 0.3)
    assert sorted(t.number for t in ours.best_trials) == front
    assert [t.values for t in ours.trials] == [t.values for t in theirs.trials]
    # (Optuna's adds system_attrs columns: its enqueue's fixed_params and NSGA-II's own)
    assert list(ours.trials_dataframe().columns) == \
        [c for c in theirs.trials_dataframe().columns if not c.startswith("system_attrs")]
    assert ours.directions == ["minimize", "maximize"]
    again = gpbo.Study(storage=url, name="mo", directions=["minimize", "maximize"])
    assert sorted(t.number for t in again.best_trials) == front
    again.close()
    for bad in (["minimize", "minimize"], ["minimize"], ["maximize", "minimize", "minimize"]):
        with pytest.raises(ValueError, match="not the directions|not one direction"):
            gpbo.Study(storage=url, name="mo", directions=bad)
    one = gpbo.Study(directions=["maximize"], strategy="random", seed=1)
    one.optimize(lambda t: t.suggest_float("x", 0, 1), 3)
    assert one.direction == "maximize" and one.best_value == max(t.value for t in one.trials)
    for kw in (dict(directions=["minimize"], direction="minimize"), dict(directions=[]),
               dict(directions="minimize"), dict(directions=["minimise", "maximize"])):
        with pytest.raises(ValueError):
            optuna.create_study(**kw)
        with pytest.raises(ValueError):
            gpbo.Study(**kw)
    with pytest.raises(ValueError, match="only one of them"):
        gpbo.Study(directions=["minimize"] * 2, objectives=["a", "b"])
    ours.close()


def test_enqueue_trial_with_some_params_draws_the_others_as_optunas(tmp_path):
    """Optuna's enqueue_trial({"lr": 1e-3}) (its tutorial: "try this learning rate first")
    fixes the parameters given and has its sampler draw the others; gpbo's raised "parameter
    ... is missing" (and dropped such a configuration, kept before a define-by-run study's
    first trial, with a warning). Side by side: each enqueued trial runs first with the values
    given, the others within their distributions; a conditional one is drawn only when its
    condition holds; the same seed draws the same values; an unknown name is still refused."""

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        n = trial.suggest_int("n", 1, 8)
        opt = trial.suggest_categorical("opt", ["sgd", "adam"])
        return x + lr + n + len(opt)

    given = [{"lr": 1e-3}, {"opt": "adam", "n": 3}, {"x": 0.25}]

    def run(study):
        study.enqueue_trial({"x": 0.5, "lr": 1e-2, "n": 2, "opt": "sgd"})
        study.enqueue_trial(given[0])  # before the first trial is told (define-by-run)
        study.optimize(objective, 3)
        for g in given[1:]:
            study.enqueue_trial(g)
        study.optimize(objective, 3)
        return study.trials

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # nothing dropped
        ours = run(gpbo.Study(seed=4, strategy="random"))
    theirs = run(optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=4)))
    for trials in (ours, theirs):
        got = [t.params for t in trials]
        assert [{k: p[k] for k in g} for p, g in zip([got[1], got[3], got[4]], given)] == given
        for p in got:
            assert 0 <= p["x"] <= 1 and 1e-5 <= p["lr"] <= 1e-1 and 1 <= p["n"] <= 8 and \
                p["opt"] in ("sgd", "adam") and len(p) == 4
    assert [t.state.name for t in ours] == [t.state.name for t in theirs] == ["COMPLETE"] * 6
    # the draws: in range and not the values given elsewhere, the same for the same seed
    again = run(gpbo.Study(seed=4, strategy="random"))
    assert [t.params for t in again[:5]] == [t.params for t in ours[:5]]
    assert ours[1].params["x"] != ours[4].params["x"]
    # a declared conditional space: momentum drawn with sgd only
    sp = {"opt": gpbo.Categorical(["sgd", "adam"]),
          "momentum": gpbo.Uniform(0, 0.9, when={"opt": "sgd"}), "lr": gpbo.LogUniform(1e-4, 1)}
    st = gpbo.Study(sp, seed=1, storage="sqlite:///%s" % (tmp_path / "c.db"), name="c")
    st.enqueue_trial({"opt": "adam"})
    st.enqueue_trial({"opt": "sgd", "lr": 0.5})
    a, b = st.ask(), st.ask()
    assert set(a.params) == {"opt", "lr"} and a.params["opt"] == "adam"
    assert b.params["opt"] == "sgd" and b.params["lr"] == 0.5 and 0 <= b.params["momentum"] <= 0.9
    with pytest.raises(ValueError, match="unknown parameter"):
        st.enqueue_trial({"z": 1})
    st.close()


def test_reopened_with_another_strategy_or_option_is_refused(tmp_path):
    """Optuna's load_study(..., sampler=RandomSampler()) runs that sampler; gpbo's stored study
    keeps the strategy and options it was made with, and a Study opening it with another
    strategy (or n_init, kernel...) went on with the stored ones without a word. Now
    ValueError naming both, as a contrary direction is, and nothing is written; the same ones,
    or none given, open it."""
    url = "sqlite:///%s" % (tmp_path / "opts.db")
    space = {"x": gpbo.Uniform(0, 1)}
    study = gpbo.Study(space, storage=url, name="s", strategy="bayes", n_init=4, seed=1)
    study.optimize(lambda p: p["x"], 2)
    study.close()
    for kw, says in ((dict(strategy="random"), "strategy 'bayes', not 'random'"),
                     (dict(n_init=8), "another n_init than 8"),
                     (dict(kernel="matern32"), "another kernel than 'matern32'")):
        for sp in (space, None):
            with pytest.raises(ValueError, match="study 's' in .* was made with " + says):
                gpbo.Study(sp, storage=url, name="s", **kw)
    for kw in (dict(), dict(strategy="bayes", n_init=4), dict(seed=7)):
        again = gpbo.Study(storage=url, name="s", **kw)
        again.optimize(lambda trial: trial.suggest_float("x", 0, 1), 1)
        again.close()
    assert len(gpbo.Study(storage=url, name="s").trials) == 5
    fresh = gpbo.Study(space, storage=url, name="new", strategy="random")  # a new study: its own
    fresh.optimize(lambda p: p["x"], 1)
    with pytest.raises(ValueError, match="strategy 'random', not 'bayes'"):
        gpbo.Study(storage=url, name="new", strategy="bayes")


def test_user_attrs_take_numpy_values(tmp_path):
    """A numpy scalar or array as a user attribute (np.argmax's np.int64, a float32 metric, a
    confusion matrix), which Optuna's default in-memory storage keeps, was TypeError ("Object
    of type int64 is not JSON serializable"); it is stored as the Python number or list it
    holds, read back so from the storage; a NaN in it is still ValueError, a set TypeError."""
    import numpy as np

    url = "sqlite:///%s" % (tmp_path / "np.db")
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=url, name="s", seed=1)
    t = study.ask()
    t.set_user_attr("epoch", np.argmax([0.1, 0.7, 0.2]))
    t.set_user_attr("acc", np.float32(0.5))
    t.set_user_attr("cm", np.array([[3, 1], [0, 4]]))
    t.set_user_attr("ok", np.bool_(True))
    t.set_user_attr("mixed", {"a": [np.int32(2), 1.5]})
    with pytest.raises(ValueError, match="'bad'"):
        t.set_user_attr("bad", np.float64("nan"))
    with pytest.raises(ValueError, match="'bad'"):
        t.set_user_attr("bad", np.array([1.0, np.inf]))
    with pytest.raises(TypeError, match="'bad'.*set"):
        t.set_user_attr("bad", {1, 2})
    study.set_user_attr("n", np.int64(7))
    study.tell(t, 0.5)
    want = {"epoch": 1, "acc": 0.5, "cm": [[3, 1], [0, 4]], "ok": True,
            "mixed": {"a": [2, 1.5]}}
    got = gpbo.Study(storage=url, name="s")
    assert got.trials[0].user_attrs == want
    assert type(got.trials[0].user_attrs["epoch"]) is int
    assert got.user_attrs == {"n": 7}


def test_a_step_reported_again_is_ignored_as_optuna():
    """A step reported twice: Optuna keeps the first value with a warning; gpbo's storage
    replaced it with the second while its pruner kept judging the first, so the intermediate
    values showed one curve and the pruning decisions followed another. Now the second is
    ignored with a RuntimeWarning, in a first define-by-run trial too, and the intermediate
    values are Optuna's."""
    def reports(trial, rep):
        trial.suggest_float("x", 0, 1)
        for step, v in ((0, 0.5), (1, 0.25), (1, 0.75), (2, 0.125), (0, 9.0)):
            rep(trial, step, v)
        return 0.125

    ostudy = optuna.create_study()
    with pytest.warns(UserWarning):
        ostudy.optimize(lambda t: reports(t, lambda tr, s, v: tr.report(v, s)), 2)
    for pruner in (None, "median"):
        study = gpbo.Study(seed=1, pruner=pruner)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.optimize(lambda t: reports(t, lambda tr, s, v: tr.report(s, v)), 2)
        assert sum("reported step 1 already" in str(w.message) for w in caught) == 2
        assert [t.intermediate_values for t in study.trials] == \
            [t.intermediate_values for t in ostudy.trials] == [{0: 0.5, 1: 0.25, 2: 0.125}] * 2
    t = study.ask()
    study.tell(t, 0.5)
    with pytest.raises(gpbo.GpboError, match="already finished"):
        t.report(0, 0.5)  # a trial told still raises, first step or not


def test_port_ask_with_fixed_distributions():
    """Optuna's ask-and-tell tutorial, define-and-run: study.ask(distributions) with Optuna's
    distribution objects, then trial.params. It was TypeError (ask takes no argument); the
    first trial now makes a define-by-run study's space of them, later asks check them, and
    gpbo's own space parameters are taken too. A refused distribution fails the trial and
    raises."""
    D = optuna.distributions
    dists = {"C": D.FloatDistribution(1e-7, 10.0, log=True), "n": D.IntDistribution(1, 4),
             "k": D.CategoricalDistribution(["rbf", "linear"])}

    def loop(study):
        for _ in range(4):
            trial = study.ask(dists)
            study.tell(trial, trial.params["C"] * trial.params["n"])
        return study

    ostudy = loop(optuna.create_study(direction="maximize"))
    study = loop(gpbo.Study(direction="maximize", seed=1, strategy="random"))
    for s in (ostudy, study):
        assert [t.state.name for t in s.trials] == ["COMPLETE"] * 4
        assert all(set(t.params) == {"C", "n", "k"} and 1e-7 <= t.params["C"] <= 10 and
                   t.params["k"] in ("rbf", "linear") for t in s.trials)
    assert list(study.space) == ["C", "n", "k"] and study.space["C"].log
    t = study.ask({"C": gpbo.LogUniform(1e-7, 10.0)})  # gpbo's own, a part of the space
    assert set(t.params) == {"C", "n", "k"}
    study.tell(t, 1.0)
    with pytest.raises(ValueError, match="contradicts the study's space"):
        study.ask({"C": D.FloatDistribution(0, 1)})
    assert study.trials[-1].state == "failed" and "contradicts" in study.trials[-1].reason
    with pytest.raises(TypeError, match="not a distribution"):
        study.ask({"C": (0, 1)})
    assert len(study.trials) == 6


def test_records_of_one_trial_are_equal_as_optunas():
    """study.best_trial == record and record in study.best_trials, as Optuna's callbacks write
    them, hold for the record of the same trial read twice (FrozenTrial compares its fields);
    they compared identities, so they never held. Another trial, or the same trial once it has
    changed, is not equal; NaN values (trials not complete) are equal to themselves."""
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 2:
            raise RuntimeError("boom")
        return x

    seen = {}

    def cb(study, record):
        if record.state.name == "COMPLETE":
            seen[record.number] = study.best_trial == record

    for s in (optuna.create_study(), gpbo.Study(seed=1, strategy="random")):
        seen.clear()
        s.optimize(objective, 6, callbacks=[cb], catch=(RuntimeError,))
        best = s.best_trial
        assert best in s.best_trials and best == s.trials[best.number]
        assert best != s.trials[(best.number + 1) % 6]
        assert s.trials[2] == s.trials[2]  # failed: no value
        assert any(seen.values()) and all(seen[k] == (s.trials[k].value ==
                                                      min(t.value for t in s.trials[:k + 1]
                                                          if t.state.name == "COMPLETE"))
                                          for k in seen)
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=1)
    t = study.ask()
    before = study.trials[0]
    t.set_user_attr("k", 1)
    study.tell(t, 0.5)
    assert study.trials[0] != before and study.trials[0] == study.trials[0]
    assert len({study.trials[0], study.trials[0]}) == 1


def test_study_directions_and_study_name():
    """study.directions and study.study_name, Optuna's names, which a ported script logs or
    loops over (AttributeError before): each objective's direction in order (as strings), one
    for a study of one objective; the name."""
    def f(t):
        x = t.suggest_float("x", 0, 1)
        return x, 1 - x

    study = gpbo.Study(objectives={"a": "minimize", "b": "maximize"}, name="mo", seed=1)
    ostudy = optuna.create_study(directions=["minimize", "maximize"], study_name="mo")
    for s in (study, ostudy):
        s.optimize(f, 2)
        assert [getattr(d, "name", d).lower() for d in s.directions] == ["minimize", "maximize"]
        assert s.study_name == "mo"
    assert gpbo.Study({"x": gpbo.Uniform(0, 1)}, direction="maximize").directions == \
        ["maximize"]
    assert gpbo.Study().directions == ["minimize"]  # define-by-run, before its first trial


def test_optimize_third_positional_argument_is_refused():
    """optimize(f, 3, 600): Optuna's third positional argument is timeout (600 s); gpbo's was
    n_jobs, so it ran 600 threads. Now TypeError naming both, before any trial; keywords work
    as before."""
    started = []

    def objective(trial):
        started.append(threading.get_ident())
        return trial.suggest_float("x", 0, 1)

    ostudy = optuna.create_study()
    ostudy.optimize(objective, 3, 600)
    assert len(ostudy.trials) == 3 and len(set(started)) == 1
    study = gpbo.Study(seed=1, strategy="random")
    for args in ((3, 600), (3, 2, (Exception,)), (None, 0.5)):
        with pytest.raises(TypeError, match="Optuna's timeout.*n_jobs"):
            study.optimize(objective, *args)
    assert study.trials == [] and len(started) == 3
    study.optimize(objective, 3, timeout=600, n_jobs=2)
    assert len(study.trials) == 3


def test_a_waiting_trial_is_not_told(tmp_path):
    """tell or report by the id of an enqueued trial no worker has asked: Optuna refuses
    ("Cannot tell a WAITING trial"); gpbo told it, so the configuration was recorded complete
    (or pruned, with a report) without ever being run. Now ValueError and the trial stays
    WAITING; once asked (by this handle or another one of the stored study) it is told as
    any."""
    ostudy = optuna.create_study()
    ostudy.enqueue_trial({"x": 0.5})
    with pytest.raises(ValueError, match="WAITING"):
        ostudy.tell(0, 1.0)
    url = "sqlite:///%s" % (tmp_path / "w.db")
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=url, name="s", seed=1)
    study.enqueue_trial({"x": 0.5})
    for call in (lambda: study.tell(0, 1.0), lambda: study.tell(0, pruned=True),
                 lambda: study.tell(study.trials[0], failed="x"),
                 lambda: study.report(0, 1, 0.5), lambda: study.report(0, 1, math.nan)):
        with pytest.raises(ValueError, match="enqueued and no worker has asked it"):
            call()
    (rec,) = study.trials
    assert rec.state == "waiting" and rec.intermediate == {}
    other = gpbo.Study(storage=url, name="s")
    t = other.ask()
    assert t.id == 0 and t.params == {"x": 0.5}
    study.report(0, 1, 0.5)  # asked by another handle: this one's mirror is read again
    study.tell(0, 0.25)
    assert [(r.state, r.value, r.intermediate) for r in other.trials] == \
        [("complete", 0.25, {1: 0.5})]


def test_a_finished_trial_raises_what_optuna_raises():
    """A trial told twice: Optuna raises ValueError ("Cannot tell a COMPLETE trial"), gpbo
    raised GpboError, a RuntimeError, so a ported `except ValueError` let it through. It is
    now gpbo.StateError, a GpboError (code GPBO_ESTATE) and a ValueError; reported or given an
    attribute once told it is still a RuntimeError, as Optuna's."""
    ostudy = optuna.create_study()
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=1)
    for s, rep in ((ostudy, lambda t: t.report(0.5, 1)), (study, lambda t: t.report(1, 0.5))):
        t = s.ask()
        t.suggest_float("x", 0, 1)
        s.tell(t, 0.5)
        with pytest.raises(ValueError):
            s.tell(t, 0.25)
        for late in (lambda: rep(t), lambda: t.set_user_attr("k", 1)):
            with pytest.raises(RuntimeError):
                late()
    with pytest.raises(gpbo.StateError, match="already finished") as e:
        study.tell(0, pruned=True)
    assert isinstance(e.value, gpbo.GpboError) and e.value.code == -9
    study.tell(0, 0.1, skip_if_finished=True)
    assert study.best_value == 0.5


def test_pruner_optuna_argument_names_named():
    """An Optuna pruner's arguments given to gpbo's (a port that changed only the module) were
    Python's bare "unexpected keyword argument"; Study names its own for Optuna's create_study
    arguments, and the pruners now do too (the docs branch). Each Optuna name is checked to be
    one Optuna's pruner really takes, so the table cannot drift from Optuna."""
    import inspect

    for ours, theirs in ((gpbo.MedianPruner, optuna.pruners.MedianPruner),
                         (gpbo.HyperbandPruner, optuna.pruners.HyperbandPruner)):
        optuna_args = inspect.signature(theirs.__init__).parameters
        gpbo_args = inspect.signature(ours.__init__).parameters
        for name, own in ours.OPTUNA_NAMES.items():
            assert name in optuna_args, (theirs, name)
            with pytest.raises(TypeError) as e:
                ours(**{name: 1})
            assert name in str(e.value) and "Optuna" in str(e.value), e.value
            if own is not None:
                assert own in gpbo_args and own + "=" in str(e.value), e.value
        with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
            ours(bogus=1)
    # gpbo's own names still work
    s = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=3,
                   pruner=gpbo.HyperbandPruner(min_iter=1, eta=2))
    s.optimize(lambda t: t.params["x"], n_trials=3, pass_trial=True)
    assert len(s.trials) == 3


def test_sqlite_url_query_refused(tmp_path, monkeypatch):
    """Optuna's storage URLs are SQLAlchemy's, which take a query: sqlite:///study.db?timeout=30
    (Optuna's FAQ for "database is locked"). gpbo took the whole rest as the file name, made
    'study.db?timeout=30', and a worker given the URL without the query opened another study
    file (the docs branch). The URL is now refused naming the one to give, with no file made;
    a plain path may still hold '?'."""
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite:///study.db?timeout=30", "sqlite:///study.db?"):
        with pytest.raises(ValueError, match=r"takes no query .*give sqlite:///study\.db$"):
            gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage=url)
    assert os.listdir(tmp_path) == []
    s = gpbo.Study({"x": gpbo.Uniform(0, 1)}, storage="odd?name.db", seed=1)
    s.tell(s.ask(), 0.5)
    assert os.path.exists(tmp_path / "odd?name.db")


def test_constraints_differ_from_optunas_as_documented():
    """docs/python.md's three differences with a sampler's constraints_func, checked against
    Optuna 3.1 itself: its best_trial and best_trials keep an infeasible trial (gpbo's count only
    feasible ones); a constraint value not told or NaN (Optuna: ValueError) makes gpbo's trial
    infeasible; a value of 0 is feasible in both, and so is -inf (it was stored as NaN)."""
    values = [(0.1, 1.0), (0.5, 0.0), (0.7, -2.0)]
    o = optuna.create_study(sampler=optuna.samplers.TPESampler(
        n_startup_trials=10, constraints_func=lambda t: [t.user_attrs["c"]]))
    for v, c in values:
        def f(trial, v=v, c=c):
            trial.suggest_float("x", 0, 1)
            trial.set_user_attr("c", c)
            return v
        o.optimize(f, n_trials=1)
    assert o.best_trial.number == 0 and [t.number for t in o.best_trials] == [0]
    g = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=1,
                   constraints={"c": (None, 0.0)})
    for v, c in values:
        g.tell(g.ask(), v, metrics={"c": c})
    assert g.best_trial.id == 1 and [r.id for r in g.best_trials] == [1]
    for c in ({}, {"c": float("nan")}, {"c": float("inf")}):
        g.tell(g.ask(), 0.01, metrics=c)
        assert not g.trials[-1].feasible, c
    assert g.best_trial.id == 1
    # an infinite value is kept and compared as Optuna compares it (c <= 0): -inf is feasible
    # (it was stored as NaN, and so infeasible)
    def f(trial):
        trial.suggest_float("x", 0, 1)
        trial.set_user_attr("c", float("-inf"))
        return 0.01
    o.optimize(f, n_trials=1)
    assert all(c <= 0 for c in o.trials[-1].system_attrs["constraints"])
    g.tell(g.ask(), 0.01, metrics={"c": float("-inf")})
    assert g.trials[-1].feasible and g.trials[-1].metrics["c"] == float("-inf")
    assert g.best_trial.id == g.trials[-1].id


def test_best_trial_of_several_objectives_raises_runtime_error_as_optunas():
    """best_trial, best_value and best_params of a study of several objectives raise
    RuntimeError in Optuna 3.1, so a ported script catches that; gpbo's raised a plain
    ValueError, which such a script let through. Now a StateError: both."""
    o = optuna.create_study(directions=["minimize", "maximize"])
    o.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)
    g = gpbo.Study({"x": gpbo.Uniform(0, 1)}, objectives={"a": "minimize", "b": "maximize"},
                   strategy="random", seed=1)
    g.optimize(lambda p: (p["x"], 1.0), 2)
    for what in ("best_trial", "best_value", "best_params"):
        with pytest.raises(RuntimeError):
            getattr(o, what)
        with pytest.raises(RuntimeError, match="best_trials, the Pareto front"):
            getattr(g, what)
        with pytest.raises(ValueError):
            getattr(g, what)
    assert len(g.best_trials) >= 1


def test_hypervolume_and_front_match_optunas():
    """The library's gpbo_hypervolume against Optuna 3.1's WFG (optuna._hypervolume) on random
    fronts of 2 to 4 objectives — continuous points, points on a sphere, integer grids full of
    ties and duplicates, values of 1e3 — within 1e-12 relative (measured: 7e-16), and
    gpbo_pareto_front against Optuna's own front of the same points."""
    import ctypes as C
    import numpy as np
    from optuna._hypervolume import WFG
    from optuna.study._multi_objective import _dominates
    from optuna.study import StudyDirection
    lib = gpbo._lib.library("search")
    dp = C.POINTER(C.c_double)
    hv = lib.gpbo_hypervolume
    hv.restype, hv.argtypes = C.c_double, [C.c_size_t, C.c_size_t, dp, dp]
    front = lib.gpbo_pareto_front
    front.restype, front.argtypes = C.c_size_t, [C.c_size_t, C.c_size_t, dp, C.POINTER(C.c_int)]
    rng = np.random.default_rng(2385)
    for case in range(400):
        k = int(rng.integers(2, 5))
        n = int(rng.integers(1, 30 if k < 4 else 12))
        y = [rng.random((n, k)), rng.integers(0, 4, (n, k)).astype(float),
             rng.normal(size=(n, k)) * 1e3][case % 3]
        if case % 4 == 3:
            y = np.abs(y) / np.linalg.norm(np.abs(y) + 1e-9, axis=1, keepdims=True)
        y = np.ascontiguousarray(y)
        ref = np.ascontiguousarray(y.max(axis=0) + rng.random(k) + 0.01)
        ours = hv(n, k, y.ctypes.data_as(dp), ref.ctypes.data_as(dp))
        want = WFG().compute(y, ref)
        assert abs(ours - want) <= 1e-12 * abs(want), (case, k, n, ours, want)
        on = (C.c_int * n)()
        front(n, k, y.ctypes.data_as(dp), on)
        trials = [optuna.trial.create_trial(values=list(row), params={}, distributions={})
                  for row in y]
        dirs = [StudyDirection.MINIMIZE] * k
        theirs = [not any(_dominates(o, t, dirs) for o in trials) for t in trials]
        assert list(map(bool, on)) == theirs, case


def _prune_steps(study_kind, pruner, curves, direction):
    """The step each curve's trial was pruned at (None: ran to its end), told in order."""
    out = []
    if study_kind == "optuna":
        st = optuna.create_study(pruner=pruner, direction=direction)
    else:
        st = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=3, pruner=pruner,
                        direction=direction)
    for curve in curves:
        t = st.ask()
        stop = None
        for step, v in curve:
            if study_kind == "optuna":
                t.report(v, step)
            else:
                t.report(step, v)
            if t.should_prune():
                stop = step
                break
        if study_kind == "optuna":
            st.tell(t, state=optuna.trial.TrialState.PRUNED) if stop is not None \
                else st.tell(t, curve[-1][1])
        else:
            st.tell(t, pruned=True) if stop is not None else st.tell(t, curve[-1][1])
        out.append(stop)
    return out


@pytest.mark.parametrize("stride", [1, 5])
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_pruners_decide_as_optunas_on_improving_curves(direction, stride):
    """docs/python.md: on curves that only improve, gpbo.MedianPruner decides as Optuna's
    MedianPruner (their rules differ on the completed trials' values at a step against their
    best up to it, which agree then) and gpbo.HyperbandPruner(min_iter, eta) as Optuna's
    SuccessiveHalvingPruner(min_resource, reduction_factor): the same trials stopped at the same
    steps, whatever the direction (40 trials of 12 steps, random decays). Also when trials report
    every 5th step, so that one report reaches several rungs: each is judged lowest first, up to
    the first that prunes (recording the trial at every rung reached made 12 of 40 differ)."""
    import random
    rng = random.Random(2385)
    sign = 1 if direction == "minimize" else -1
    curves = []
    for _ in range(40):
        floor_, start, rate = rng.uniform(0, 1), rng.uniform(1, 3), rng.uniform(0.1, 0.8)
        curves.append([(s, sign * (floor_ + start * math.exp(-rate * s)))
                       for s in range(0, 12 * stride, stride)])
    pairs = [(optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2,
                                          interval_steps=3),
              gpbo.MedianPruner(startup_trials=5, warmup_steps=2, interval_steps=3)),
             (optuna.pruners.MedianPruner(), gpbo.MedianPruner()),
             (optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
              gpbo.HyperbandPruner(min_iter=1, eta=3)),
             (optuna.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=2),
              gpbo.HyperbandPruner(min_iter=2, eta=2))]
    for theirs, ours in pairs:
        want = _prune_steps("optuna", theirs, curves, direction)
        got = _prune_steps("gpbo", ours, curves, direction)
        assert got == want, (type(theirs).__name__, got, want)
        assert 0 < sum(s is not None for s in got) < len(curves)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_pruned_trial_value_is_its_last_intermediate_value_as_optunas(tmp_path, direction):
    """Optuna 3 gives a pruned trial the value of its last report (FrozenTrial.value,
    trials_dataframe's value column), by optimize's TrialPruned and by tell(state=PRUNED)
    alike, and None when it reported nothing. gpbo's records and data frame had NaN for every
    pruned trial: a ported script reading how far pruned trials got (`df[df.state ==
    "PRUNED"].value`) found nothing, and `gpbo trials` showed those values all along. The
    same objective on both, in memory and stored, read back by another handle."""

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 3:
            raise optuna.TrialPruned()  # pruned before any report: no value
        for step in range(trial.number + 1):
            v = x + 0.7 * step
            if isinstance(trial, optuna.trial.Trial):
                trial.report(v, step)
            else:
                trial.report(step, v)
        if trial.number in (1, 2):
            raise optuna.TrialPruned()
        return x

    def told_pruned(study, state):
        t = study.ask()
        x = t.suggest_float("x", 0, 1)
        if isinstance(study, optuna.Study):
            t.report(x + 2.385, 4)
        else:
            t.report(4, x + 2.385)
        study.tell(t, state=state)

    ours = gpbo.Study(strategy="random", seed=5, direction=direction,
                      storage=str(tmp_path / "p.db"), name="p")
    theirs = optuna.create_study(direction=direction,
                                 sampler=optuna.samplers.RandomSampler(seed=5))
    for study, state in ((ours, gpbo.TrialState.PRUNED),
                         (theirs, optuna.trial.TrialState.PRUNED)):
        study.optimize(objective, n_trials=4)
        told_pruned(study, state)

    def value(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    def expected(rec):  # what Optuna's rule gives for the record's own reports
        if rec.state != "pruned":
            return value(rec.value)
        iv = rec.intermediate_values
        return iv[max(iv)] if iv else None

    again = gpbo.Study(storage=str(tmp_path / "p.db"), name="p")
    for study in (ours, again):
        recs = study.trials
        assert [str(r.state) for r in recs] == ["complete", "pruned", "pruned", "pruned",
                                                "pruned"]
        assert [value(r.value) for r in recs] == [expected(r) for r in recs]
        assert [r.values and value(r.values[0]) for r in recs] == \
            [expected(r) for r in recs]
        # None, as Optuna's, not NaN: `t.value is not None` filters out what has no value
        assert recs[3].value is None and recs[3].values is None
        assert value(recs[2].value) is not None
        df = study.trials_dataframe()
        assert [value(v) for v in df["value"]] == [expected(r) for r in recs]
    # Optuna's rule, the same on its own trials
    theirs_values = [t.value for t in theirs.trials]
    assert [t.state.name for t in theirs.trials] == ["COMPLETE", "PRUNED", "PRUNED", "PRUNED",
                                                     "PRUNED"]
    assert theirs_values[3] is None
    assert theirs_values[1:3] == [t.intermediate_values[max(t.intermediate_values)]
                                  for t in theirs.trials[1:3]]
    assert theirs_values[4] == theirs.trials[4].intermediate_values[4]
    assert [value(v) for v in theirs.trials_dataframe()["value"]] == theirs_values
    again.close()
    ours.close()


def test_pruned_after_a_diverged_report_has_no_value_as_optunas(tmp_path):
    """A trial pruned after a NaN (or infinite) report: Optuna's last intermediate value is
    that NaN, so its value is None; gpbo stores no NaN report and read the last finite one
    as the value. Now None too, the first (define-by-run) trial's as a later one's, stored
    and reopened; a finite report after the NaN gives the value again, as Optuna's. (After an
    infinite report gpbo's is None too, where Optuna's is that infinity: docs/python.md.)"""

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if isinstance(trial, optuna.trial.Trial):
            rep = lambda step, v: trial.report(v, step)
        else:
            rep = trial.report
        rep(0, 1.0 + x)
        if trial.number in (0, 1):
            rep(1, math.nan)
            raise optuna.TrialPruned()
        if trial.number == 2:
            rep(1, math.nan)
            rep(2, 0.5)
            raise optuna.TrialPruned()
        return x

    url = "sqlite:///%s" % (tmp_path / "d.db")
    ours = gpbo.Study(seed=1, strategy="random", storage=url, name="d")
    theirs = optuna.create_study()
    for s in (ours, theirs):
        s.optimize(objective, 4)
    want = [(t.state.name, t.value) for t in theirs.trials]
    assert want[:3] == [("PRUNED", None), ("PRUNED", None), ("PRUNED", 0.5)]
    for s in (ours, gpbo.Study(storage=url, name="d")):
        assert [(t.state.name, t.value) for t in s.trials][:3] == want[:3]
        assert s.trials[3].value == s.trials[3].params["x"]
        assert s.trials[1].intermediate_values == {0: 1.0 + s.trials[1].params["x"]}


@pytest.mark.parametrize("nobj", [1, 2])
def test_value_is_none_without_one_as_optunas(nobj):
    """FrozenTrial.value and .values are None for a trial that has no value (failed, running,
    waiting, pruned before any report), so Optuna scripts filter with `t.value is not None`;
    gpbo's were NaN ([NaN] or [NaN, NaN]), which passed that filter and then made min(),
    sorted() and sums wrong. Side by side on the same objective."""

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 1:
            raise RuntimeError("failed")
        if trial.number == 2:
            raise optuna.TrialPruned()
        return x if nobj == 1 else (x, 1 - x)

    ours = gpbo.Study(seed=3, strategy="random",
                      **({} if nobj == 1 else {"objectives": ["a", "b"]}))
    theirs = optuna.create_study(**({} if nobj == 1 else {"directions": ["minimize"] * 2}))
    for s in (ours, theirs):
        s.optimize(objective, 4, catch=(RuntimeError,))
        s.enqueue_trial({"x": 0.25})  # waiting
        s.ask()  # takes the enqueued one: running
        s.enqueue_trial({"x": 0.75})  # waiting

    def seen(study):  # (Optuna's FrozenTrial.value raises for several objectives)
        return [(t.state.name, (t.value if nobj == 1 else t.values) is None,
                 t.values is None) for t in study.trials]

    want = seen(theirs)
    assert want == [("COMPLETE", False, False), ("FAIL", True, True), ("PRUNED", True, True),
                    ("COMPLETE", False, False), ("RUNNING", True, True),
                    ("WAITING", True, True)]
    assert seen(ours) == want
    assert [t.value is None for t in ours.trials] == [w[1] for w in want]
    done = [t.values for t in ours.trials if t.values is not None]
    assert len(done) == 2 and all(len(v) == nobj for v in done)


def test_study_direction_takes_optunas_study_direction(tmp_path):
    """optuna.create_study(direction=StudyDirection.MAXIMIZE) runs (Optuna takes its enum as
    it takes the string); gpbo.Study refused it with ValueError, in objectives= too. Now
    StudyDirection.MINIMIZE / MAXIMIZE are the strings, checked against a stored study's as
    they are."""
    from optuna.study import StudyDirection
    assert optuna.create_study(direction=StudyDirection.MAXIMIZE).direction == \
        StudyDirection.MAXIMIZE
    db = str(tmp_path / "d.db")
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, direction=StudyDirection.MAXIMIZE,
                       strategy="random", seed=7, storage=db, name="d")
    assert study.direction == "maximize" and study.directions == ["maximize"]
    study.optimize(lambda p: p["x"], n_trials=6)
    assert study.best_value == max(r.value for r in study.trials)
    again = gpbo.Study(storage=db, name="d", direction=StudyDirection.MAXIMIZE)
    assert again.direction == "maximize"
    again.close()
    with pytest.raises(ValueError, match="maximize"):
        gpbo.Study(storage=db, name="d", direction=StudyDirection.MINIMIZE)
    study.close()
    two = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random", seed=7,
                     objectives={"a": StudyDirection.MAXIMIZE, "b": StudyDirection.MINIMIZE})
    assert two.directions == ["maximize", "minimize"]
    with pytest.raises(ValueError, match="direction must be"):
        gpbo.Study(direction=StudyDirection.NOT_SET)


def test_add_trial_takes_optunas_frozen_trial():
    """Optuna's add_trial takes a FrozenTrial (optuna.trial.create_trial's, or an Optuna
    study's trials to copy). gpbo's took one for a params dict and refused its complete trial
    with "a complete trial needs its value", which it had. Now its params, state and value
    are added (add_trials skips the running ones, as it skips such TrialRecords; a pruned
    one is added, as Optuna 3.1 adds it), with its user attributes and reports
    (test_add_trial_keeps_reports_and_user_attrs)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.suggest_categorical("c", ["a", None])
        if trial.number == 1:
            raise optuna.TrialPruned()
        if trial.number == 2:
            raise RuntimeError("diverged")
        return x

    theirs = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    theirs.optimize(objective, n_trials=6, catch=(RuntimeError,))
    ours = gpbo.Study({"x": gpbo.Uniform(0, 1), "c": gpbo.Categorical(["a", None])},
                      strategy="random", seed=3)
    ids = ours.add_trials(theirs.trials)
    kept = [t for t in theirs.trials if t.state.name in ("COMPLETE", "FAIL", "PRUNED")]
    recs = ours.trials
    assert ids == [r.id for r in recs] and len(recs) == len(kept) == 6
    assert [(r.state.name, r.params) for r in recs] == [(t.state.name, t.params) for t in kept]
    assert [r.value for r in recs if r.state == "complete"] == \
        [t.value for t in kept if t.state.name == "COMPLETE"]
    assert ours.best_value == theirs.best_value
    made = optuna.trial.create_trial(
        params={"x": 0.25, "c": None},
        distributions={"x": FloatDistribution(0, 1), "c": CategoricalDistribution(["a", None])},
        value=-2.385, user_attrs={"source": "notebook"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # they were dropped with a RuntimeWarning
        tid = ours.add_trial(made)
    assert ours.best_trial.id == tid and ours.best_params == {"x": 0.25, "c": None}
    assert ours.best_value == -2.385
    assert ours.best_trial.user_attrs == {"source": "notebook"}


def test_add_trial_keeps_reports_and_user_attrs(tmp_path):
    """Optuna 3.1's add_trial keeps a FrozenTrial's intermediate values and user attributes;
    gpbo's dropped both (with a RuntimeWarning). Side by side: an Optuna study whose objective
    reports and sets user attributes (a complete trial, a failed one after its reports, a
    pruned one), and FrozenTrials made with create_trial, added to an Optuna study and to a
    stored gpbo study; each trial reads back as Optuna's (params, state, value, intermediate
    values, user attributes), from the handle that added them and from one opened afterwards,
    and a TrialRecord copied on (add_trials of gpbo trials) keeps them too. Pruned trials are
    added too (gpbo refused them before): an Optuna study's and create_trial's, with the value
    Optuna gives a pruned trial (its last intermediate value)."""
    from optuna.distributions import FloatDistribution, IntDistribution

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        n = trial.suggest_int("n", 1, 4)
        trial.set_user_attr("shape", {"layers": [n, 2 * n], "ok": True, "lr": 2.385e-3})
        trial.set_user_attr("note", "trial %d" % trial.number)
        for step in (0, 2, 5):
            trial.report((x - 0.3) ** 2 + n / (step + 1.5), step)
        if trial.number == 1:
            raise RuntimeError("diverged")
        if trial.number == 2:
            raise optuna.TrialPruned()
        return (x - 0.3) ** 2 + n

    source = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=5))
    source.optimize(objective, n_trials=5, catch=(RuntimeError,))
    dists = {"x": FloatDistribution(0, 1), "n": IntDistribution(1, 4)}
    made = [optuna.trial.create_trial(params={"x": 0.25, "n": 3}, distributions=dists,
                                      value=1.5, intermediate_values={0: 4.0, 3: 2.5, 7: 1.75},
                                      user_attrs={"source": "notebook", "epochs": [1, 2]}),
            optuna.trial.create_trial(params={"x": 0.5, "n": 1}, distributions=dists,
                                      state=optuna.trial.TrialState.FAIL,
                                      intermediate_values={1: 9.5},
                                      user_attrs={"why": "out of memory"}),
            optuna.trial.create_trial(params={"x": 0.125, "n": 2}, distributions=dists,
                                      state=optuna.trial.TrialState.PRUNED, value=3.25,
                                      intermediate_values={0: 6.5, 4: 3.25},
                                      user_attrs={"pruned at": 4})]
    theirs = optuna.create_study()
    url = "sqlite:///%s" % (tmp_path / "added.db")
    ours = gpbo.Study({"x": gpbo.Uniform(0, 1), "n": gpbo.Int(1, 4)}, storage=url,
                      name="added", strategy="random", seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for study in (theirs, ours):
            study.add_trials(source.trials)
            for t in made:
                study.add_trial(t)

    def seen(t):
        return (t.params, t.state.name,
                t.value if t.state.name in ("COMPLETE", "PRUNED") else None,
                t.intermediate_values, t.user_attrs)

    # Optuna's add_trials adds the pruned ones too, and so does gpbo's now
    want = [seen(t) for t in theirs.trials]
    assert len(want) == 8 and [w[1] for w in want].count("FAIL") == 2
    assert [w[1] for w in want].count("PRUNED") == 2 and all(
        w[2] == w[3][max(w[3])] for w in want if w[1] == "PRUNED")
    assert all(w[3] and w[4] for w in want)  # every one has reports and user attributes
    assert [seen(t) for t in ours.trials] == want
    again = gpbo.Study(storage=url, name="added")
    assert [seen(t) for t in again.trials] == want
    copy = gpbo.Study({"x": gpbo.Uniform(0, 1), "n": gpbo.Int(1, 4)}, strategy="random")
    copy.add_trials(again.trials)
    assert [seen(t) for t in copy.trials] == want
    # given by name with a params dict; a NaN report left out, as Trial.report leaves it out
    tid = ours.add_trial({"x": 0.75, "n": 2}, 0.5, intermediate_values={0: 1.0, 1: math.nan},
                         user_attrs={"k": 1})
    rec = ours.trials[tid]
    assert rec.intermediate == {0: 1.0} and rec.user_attrs == {"k": 1}
    n = len(ours.trials)
    for bad, exc in [({"intermediate_values": {-1: 1.0}}, ValueError),
                     ({"intermediate_values": {1.5: 1.0}}, ValueError),
                     ({"intermediate_values": {1: "high"}}, ValueError),
                     ({"user_attrs": {"v": math.nan}}, ValueError),
                     ({"user_attrs": {"v": {1, 2}}}, TypeError)]:
        with pytest.raises(exc):
            ours.add_trial({"x": 0.75, "n": 2}, 0.5, **bad)
    assert len(ours.trials) == n


def test_optimize_and_add_trial_take_optunas_keyword_names():
    """Optuna's signatures are optimize(func, n_trials, ...) and add_trial(trial): a port
    that names them, study.optimize(func=objective, n_trials=3) or
    study.add_trial(trial=create_trial(...)), got TypeError ("unexpected keyword argument").
    Both run the same on Optuna and gpbo now; both names at once, or neither, is TypeError."""
    from optuna.distributions import FloatDistribution

    def objective(trial):
        return trial.suggest_float("x", 0, 1)

    made = optuna.trial.create_trial(params={"x": 0.25}, value=-1.0,
                                     distributions={"x": FloatDistribution(0, 1)})
    theirs = optuna.create_study()
    ours = gpbo.Study(strategy="random", seed=2)
    for study in (theirs, ours):
        study.optimize(func=objective, n_trials=3)
        study.add_trial(trial=made)
        assert len(study.trials) == 4 and study.best_value == -1.0
        assert study.best_params == {"x": 0.25}
    with pytest.raises(TypeError, match="f or func"):
        ours.optimize(objective, func=objective, n_trials=1)
    with pytest.raises(TypeError, match="needs the objective"):
        ours.optimize(n_trials=1)
    with pytest.raises(TypeError, match="params or trial"):
        ours.add_trial({"x": 0.5}, 1.0, trial=made)
    assert len(ours.trials) == 4


def test_nested_optimize_raises_as_optunas():
    """Optuna 3.1 refuses study.optimize from inside an objective (or a callback) of the same
    study's optimize with RuntimeError; gpbo's ran a second loop inside the first. Side by
    side: the same message, the trial failed, the RuntimeError out of the outer optimize (with
    catch=(), Optuna's default); another study's optimize inside the objective is allowed."""
    def run(make):
        study = make()
        other = make()
        seen = []

        def nested(trial):
            x = trial.suggest_float("x", 0, 1)
            other.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
            if trial.number == 1:
                try:
                    study.optimize(lambda t: 1.0, n_trials=1)
                except RuntimeError as e:
                    seen.append(str(e))
                    raise
            return x

        with pytest.raises(RuntimeError) as e:
            study.optimize(nested, n_trials=3, catch=())
        states = sorted(t.state.name for t in study.trials)
        cb_errors = []

        def callback(s, t):
            try:
                s.optimize(lambda t: 1.0, n_trials=1)
            except RuntimeError as e:
                cb_errors.append(str(e))

        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[callback])
        return str(e.value), seen, states, len(other.trials), cb_errors

    theirs = run(lambda: optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1)))
    ours = run(lambda: gpbo.Study(seed=1, strategy="random"))
    assert theirs[0] == "Nested invocation of `Study.optimize` method isn't allowed."
    assert ours == theirs
    # in a worker thread of n_jobs=2 too (Optuna's thread pool raises it or not by timing:
    # an exception of its last trials is not checked; gpbo's raises it)
    study = gpbo.Study(seed=1, strategy="random")
    seen = []

    def nested(trial):
        trial.suggest_float("x", 0, 1)
        if trial.number == 2:
            try:
                study.optimize(lambda t: 1.0, n_trials=1)
            except RuntimeError as e:
                seen.append(str(e))
                raise
        return 1.0

    with pytest.raises(RuntimeError, match="Nested invocation"):
        study.optimize(nested, n_trials=4, n_jobs=2, catch=())
    assert seen == [theirs[0]] and study.trials[2].state == "failed"
    # the study is usable afterwards, from this thread and as an ordinary optimize
    study = gpbo.Study({"x": gpbo.Uniform(0, 1)}, seed=1, strategy="random")
    study.optimize(lambda p: p["x"], n_trials=2)
    assert len(study.trials) == 2


def test_last_step_as_optunas():
    """FrozenTrial.last_step (Optuna's: the largest step reported, None when none) on
    TrialRecord, which had no such attribute (AttributeError in a ported script)."""
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in {0: [], 1: [3, 0, 7], 2: [2]}.get(trial.number, [1, 5]):
            trial.report(x + step, step) if isinstance(trial, optuna.Trial) else \
                trial.report(step, x + step)
        if trial.number == 2:
            raise optuna.TrialPruned()
        return x

    theirs = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=2))
    theirs.optimize(objective, n_trials=4)
    ours = gpbo.Study(seed=2, strategy="random")
    ours.optimize(objective, n_trials=4)
    want = [t.last_step for t in theirs.trials]
    assert want == [None, 7, 2, 5]
    assert [t.last_step for t in ours.trials] == want


def test_system_attrs_as_optuna31(tmp_path):
    """Optuna 3.1's trial.set_system_attr / trial.system_attrs and study.set_system_attr /
    study.system_attrs (each deprecated there with a FutureWarning): gpbo had none of them
    (AttributeError). Side by side: the same warnings (category and message), the same
    attributes read back (FrozenTrial/TrialRecord.system_attrs, study.system_attrs), user
    attributes apart from them, a stored study reopened; add_trial carries a FrozenTrial's
    system attributes as Optuna's does; a user attribute key in gpbo's reserved prefix is
    refused."""
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_system_attr("origin", {"run": trial.number, "tags": ["a", None]})
        trial.set_user_attr("note", "n%d" % trial.number)
        assert trial.system_attrs == {"origin": {"run": trial.number, "tags": ["a", None]}}
        assert trial.user_attrs == {"note": "n%d" % trial.number}
        return x

    def run(study):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            study.set_system_attr("source", "port")
            study.set_user_attr("owner", "me")
            study.optimize(objective, n_trials=2)
            got = study.system_attrs
        msgs = sorted({(x.category.__name__, str(x.message)) for x in w
                       if issubclass(x.category, FutureWarning)})
        return msgs, got, study.user_attrs, [(t.system_attrs, t.user_attrs) for t in study.trials]

    theirs = run(optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=4)))
    url = "sqlite:///%s" % (tmp_path / "sys.db")
    ours = run(gpbo.Study(storage=url, name="sys", seed=4, strategy="random"))
    assert len(theirs[0]) == 2 and all(c == "FutureWarning" for c, _ in theirs[0])
    assert ours == theirs
    again = gpbo.Study(storage=url, name="sys")
    with pytest.warns(FutureWarning):
        assert again.system_attrs == {"source": "port"}
    assert again.user_attrs == {"owner": "me"}
    assert [(t.system_attrs, t.user_attrs) for t in again.trials] == theirs[3]
    # add_trial of a FrozenTrial keeps its system attributes, as Optuna's
    from optuna.distributions import FloatDistribution
    made = optuna.trial.create_trial(params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)},
                                     value=0.5, system_attrs={"k": [1]}, user_attrs={"u": 2})
    o = optuna.create_study()
    o.add_trial(made)
    tid = again.add_trial(made)
    rec = again.trials[tid]
    assert (rec.system_attrs, rec.user_attrs) == (o.trials[0].system_attrs, o.trials[0].user_attrs)
    copy = gpbo.Study({"x": gpbo.Uniform(0, 1)}, strategy="random")
    copy.add_trials(again.trials)
    assert [(t.system_attrs, t.user_attrs) for t in copy.trials] == \
        [(t.system_attrs, t.user_attrs) for t in again.trials]
    df = again.trials_dataframe(attrs=("number", "system_attrs"))
    assert list(df["system_attrs_origin"][:2]) == [t[0]["origin"] for t in theirs[3]]
    with pytest.raises(ValueError, match="system"):
        again.set_user_attr("gpbo.system:x", 1)


def test_create_load_study_and_summaries_as_optunas(tmp_path):
    """Optuna's module functions, which a ported script calls as optuna.create_study,
    optuna.load_study and optuna.get_all_study_summaries (gpbo had none: AttributeError), side
    by side on SQLite files: a name held already is DuplicatedStudyError without
    load_if_exists; load_study of a missing name is KeyError (gpbo.Study(storage=, name=)
    starts a new study there, so a typo gave an empty study), of no name the storage's one
    study or ValueError; the summaries give each study's name, directions, number of trials,
    best trial and user attributes in the order they were made; no study_name is a new study
    at each call."""

    def objective(trial):
        return (trial.suggest_float("x", 0, 1) - 0.25) ** 2

    def run(mod, url, **seeded):
        s = mod.create_study(storage=url, study_name="a", **seeded)
        s.optimize(objective, 3)
        s.set_user_attr("owner", "me")
        with pytest.raises(Exception) as dup:
            mod.create_study(storage=url, study_name="a")
        again = mod.create_study(storage=url, study_name="a", load_if_exists=True)
        assert len(again.trials) == 3
        b = mod.create_study(storage=url, study_name="b", directions=["minimize", "maximize"],
                             **seeded)
        b.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), 2)
        with pytest.raises(KeyError):
            mod.load_study(study_name="typo", storage=url)
        with pytest.raises(ValueError, match="exactly 1 study"):
            mod.load_study(study_name=None, storage=url)
        loaded = mod.load_study(study_name="a", storage=url)
        assert [t.params for t in loaded.trials] == [t.params for t in s.trials]
        assert loaded.best_value == s.best_value
        summaries = mod.get_all_study_summaries(url)
        seen = [(x.study_name, [getattr(d, "name", d).lower() for d in x.directions],
                 x.n_trials, x.best_trial is not None and x.best_trial.number, x.user_attrs,
                 x.datetime_start is not None) for x in summaries]
        assert summaries[0].best_trial == s.best_trial
        unnamed = mod.create_study(storage=url)
        assert unnamed.study_name != mod.create_study(storage=url).study_name
        return type(dup.value).__name__, seen, s.best_trial.number

    ours = run(gpbo, "sqlite:///%s" % (tmp_path / "ours.db"), strategy="random", seed=2)
    theirs = run(optuna, "sqlite:///%s" % (tmp_path / "theirs.db"))
    assert ours[0] == theirs[0] == "DuplicatedStudyError"
    assert ours[1][0][:3] == theirs[1][0][:3] == ("a", ["minimize"], 3)
    assert ours[1][0][3] == ours[2] and theirs[1][0][3] == theirs[2]
    assert ours[1][0][4:] == theirs[1][0][4:] == ({"owner": "me"}, True)
    assert ours[1][1] == theirs[1][1] == ("b", ["minimize", "maximize"], 2, False, {}, True)
    # an empty or missing storage: no study, nothing created
    assert gpbo.get_all_study_names("sqlite:///%s" % (tmp_path / "none.db")) == []
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(KeyError):
        gpbo.load_study(study_name="a", storage=str(tmp_path / "none.db"))
    with pytest.raises(TypeError, match="strategy="):
        gpbo.create_study(sampler=optuna.samplers.RandomSampler())


def test_distributions_of_trials_as_optunas(tmp_path):
    """FrozenTrial.distributions and Trial.distributions (a script copying trials or drawing
    its own plots reads them; gpbo's had none: AttributeError): the same names as Optuna's,
    each distribution of the same kind, bounds, scale and choices (gpbo's own classes), for
    the parameters the trial has (a conditional one left out when inactive), in the objective
    (the first, define-by-run trial's too) and read back from a stored study."""
    from optuna import distributions as D

    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        n = trial.suggest_int("n", 1, 8)
        opt = trial.suggest_categorical("opt", ["sgd", "adam"])
        seen.append(dict(trial.distributions))
        return x + lr + n + len(opt)

    def same(o, g):
        if isinstance(o, D.FloatDistribution):
            return isinstance(g, gpbo.Uniform) and (o.low, o.high, o.log) == (g.lo, g.hi, g.log)
        if isinstance(o, D.IntDistribution):
            return isinstance(g, gpbo.Int) and (o.low, o.high, o.log) == (g.lo, g.hi, g.log)
        return isinstance(g, gpbo.Categorical) and list(o.choices) == list(g.choices)

    seen = []
    theirs = optuna.create_study()
    theirs.optimize(objective, 2)
    want, seen = seen, []
    url = "sqlite:///%s" % (tmp_path / "d.db")
    ours = gpbo.Study(strategy="random", seed=1, storage=url, name="d")
    ours.optimize(objective, 2)
    for got, exp in zip(seen, want):
        assert list(got) == list(exp) and all(same(exp[k], got[k]) for k in exp)
    for rec in gpbo.Study(storage=url, name="d").trials + ours.trials:
        exp = theirs.trials[0].distributions
        assert list(rec.distributions) == list(exp)
        assert all(same(exp[k], rec.distributions[k]) for k in exp)
    # Trial.datetime_start, Optuna's: a datetime when the trial started (it was missing)
    starts = []
    before = datetime.datetime.now()
    for study in (optuna.create_study(), gpbo.Study(strategy="random", seed=1)):
        study.optimize(lambda t: starts.append(t.datetime_start) or t.suggest_float("x", 0, 1),
                       2)
    assert all(isinstance(d, datetime.datetime) and before <= d <= datetime.datetime.now()
               for d in starts) and len(starts) == 4
    # a conditional parameter: only where it is active
    sp = {"opt": gpbo.Categorical(["sgd", "adam"]),
          "momentum": gpbo.Uniform(0, 0.9, when={"opt": "sgd"})}
    st = gpbo.Study(sp, strategy="random", seed=1)
    st.enqueue({"opt": "adam"})
    st.enqueue({"opt": "sgd", "momentum": 0.5})
    a, b = st.ask(), st.ask()
    assert list(a.distributions) == ["opt"] and list(b.distributions) == ["opt", "momentum"]
    st.tell(a, 1.0)
    st.tell(b, 2.0)
    assert [list(r.distributions) for r in st.trials] == [["opt"], ["opt", "momentum"]]


def test_conditional_objective_stops_optimize_instead_of_failing_silently():
    """Optuna's own first example (a classifier chosen, then its parameters): the parameters
    vary from trial to trial. gpbo's space is fixed by the first trial, so every trial of the
    other branch failed, without a word under optimize's default catch, and the search never
    saw that branch (Optuna's best might be there). Now optimize stops at the first one with
    the refusal (how to declare the space with when=); declared so, the same objective runs
    both branches as Optuna's does, every trial complete. Bounds that change between trials
    stop it the same way."""

    def objective(trial):
        c = trial.suggest_categorical("classifier", ["SVC", "RandomForest"])
        if c == "SVC":
            return abs(math.log10(trial.suggest_float("svc_c", 1e-10, 1e10, log=True)))
        return trial.suggest_int("rf_max_depth", 2, 32, log=True) / 32

    theirs = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    theirs.optimize(objective, 20)
    assert {t.params["classifier"] for t in theirs.trials} == {"SVC", "RandomForest"}
    assert all(t.state.name == "COMPLETE" for t in theirs.trials)

    ours = gpbo.Study(seed=0, strategy="random")
    with pytest.raises(ValueError, match="optimize stops.*has no parameter.*when="):
        ours.optimize(objective, 20)  # the default catch takes every Exception
    recs = ours.trials
    assert recs[-1].state == "failed" and len(recs) < 20
    assert all(r.state == "complete" for r in recs[:-1])

    space = {"classifier": gpbo.Categorical(["SVC", "RandomForest"]),
             "svc_c": gpbo.LogUniform(1e-10, 1e10, when={"classifier": "SVC"}),
             "rf_max_depth": gpbo.Int(2, 32, log=True, when={"classifier": "RandomForest"})}
    declared = gpbo.Study(space, seed=0, strategy="random")
    declared.optimize(objective, 20, pass_trial=True)
    recs = declared.trials
    assert {r.params["classifier"] for r in recs} == {"SVC", "RandomForest"}
    assert [r.state for r in recs] == ["complete"] * 20

    def moving(trial):  # bounds that change with the trial (Optuna: each its own)
        return trial.suggest_float("x", 0, 1 + trial.number)

    theirs = optuna.create_study()
    theirs.optimize(moving, 3)
    assert all(t.state.name == "COMPLETE" for t in theirs.trials)
    ours = gpbo.Study(seed=0, strategy="random")
    with pytest.raises(ValueError, match="optimize stops.*contradicts"):
        ours.optimize(moving, 3)
    assert [r.state for r in ours.trials] == ["complete", "failed"]
    # an objective that catches the refusal itself goes on, as before
    def careful(trial):
        try:
            return trial.suggest_float("x", 0, 1 + trial.number)
        except ValueError:
            return 5.0
    ours = gpbo.Study(seed=0, strategy="random")
    ours.optimize(careful, 3)
    assert [r.state for r in ours.trials] == ["complete"] * 3


def test_reopened_study_gives_categorical_choices_as_given_as_optunas(tmp_path):
    """suggest_categorical("batch_size", [16, 32, 64]), [True, False], [None, "relu"], [0.5,
    1.5]: a script that loads the stored study later (optuna.load_study, best_params to build
    the final model) gets the choices as given from Optuna. gpbo's storage keeps str(choice),
    and a study reopened with space=None gave "16", "False" (true in an if), "None": now the
    same objects as Optuna's, for best_params, trials and the space, from the first trial's
    study and from a declared space alike; string choices stay strings, and user attributes
    do not show how they are kept."""

    def objective(trial):
        bs = trial.suggest_categorical("bs", [16, 32, 64])
        flag = trial.suggest_categorical("flag", [True, False])
        act = trial.suggest_categorical("act", [None, "relu"])
        p = trial.suggest_categorical("p", [0.5, 1.5])
        opt = trial.suggest_categorical("opt", ["1", "adam"])
        return bs / 64 + flag + (act is None) + p + len(opt)

    ourl, gurl = ("sqlite:///%s" % (tmp_path / f) for f in ("o.db", "g.db"))
    o = optuna.create_study(storage=ourl, study_name="c")
    o.optimize(objective, 6)
    g = gpbo.Study(storage=gurl, name="c", strategy="random", seed=1)
    g.optimize(objective, 6)

    def typed(params):
        return {k: (type(v).__name__, v) for k, v in params.items()}

    o_again = optuna.load_study(study_name="c", storage=ourl)
    g_again = gpbo.Study(storage=gurl, name="c")
    want = {"bs": "int", "flag": "bool", "act": None, "p": "float", "opt": "str"}
    for study in (o_again, g_again):
        for t in study.trials:
            got = typed(t.params)
            assert {k: got[k][0] for k in got if k != "act"} == \
                {k: v for k, v in want.items() if k != "act"}
            assert got["act"][1] in (None, "relu")
    assert [typed(t.params) for t in g_again.trials] == [typed(t.params) for t in g.trials]
    assert typed(g_again.best_params) == typed(g.best_params)
    assert g_again.space["flag"].choices == [True, False]
    assert g_again.user_attrs == {}
    with pytest.warns(FutureWarning):  # Optuna 3.1's deprecation, as Optuna's
        assert g_again.system_attrs == {}
    # the reopened study runs on with them (the objective's own choices match)
    g_again.optimize(objective, 2)
    assert typed(g_again.trials[-1].params).keys() == want.keys()
    # a declared space, reopened without it
    durl = "sqlite:///%s" % (tmp_path / "d.db")
    d = gpbo.Study({"layers": gpbo.Categorical([1, 2, 4]),
                    "width": gpbo.Int(8, 64, when={"layers": [2, 4]})},
                   storage=durl, name="d", strategy="random", seed=2)
    d.optimize(lambda p: p["layers"] + p.get("width", 0), 4)
    again = gpbo.Study(storage=durl, name="d")
    assert [r.params for r in again.trials] == [r.params for r in d.trials]
    assert all(type(r.params["layers"]) is int for r in again.trials)
    again.enqueue({"layers": 4})  # the child is active: drawn
    assert 8 <= again.ask().params["width"] <= 64
    with pytest.raises(ValueError, match="gpbo's own"):
        g.set_user_attr("gpbo.categorical_choices", 1)


def test_copy_study_as_optunas(tmp_path):
    """optuna.copy_study (its FAQ: back a study up to another storage) has gpbo.copy_study:
    the copy holds the same trials (states, values, params with their types, intermediate
    values, user attributes), the study's attributes and direction, and its best trial is
    the source's, as Optuna's copy; the copy runs on; a name held already is
    DuplicatedStudyError and a missing source KeyError."""

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        bs = trial.suggest_categorical("bs", [16, 32])
        trial.set_user_attr("bs_seen", bs)
        if isinstance(trial, optuna.trial.Trial):
            trial.report(x + 1, 0)
        else:
            trial.report(0, x + 1)
        if trial.number == 1:
            raise optuna.TrialPruned()
        if trial.number == 2:
            raise RuntimeError("failed")
        return x + bs

    def seen(study):
        return [(t.state.name, t.value, t.intermediate_values, t.user_attrs,
                 {k: type(v).__name__ for k, v in t.params.items()}) for t in study.trials]

    out = {}
    for mod, kw in ((optuna, {}), (gpbo, dict(strategy="random", seed=3))):
        src_url = "sqlite:///%s" % (tmp_path / ("src_%s.db" % mod.__name__))
        dst_url = "sqlite:///%s" % (tmp_path / ("dst_%s.db" % mod.__name__))
        src = mod.create_study(storage=src_url, study_name="s", direction="maximize", **kw)
        src.optimize(objective, 5, catch=(RuntimeError,))
        src.set_user_attr("dataset", "v2")
        mod.copy_study(from_study_name="s", from_storage=src_url, to_storage=dst_url)
        dst = mod.load_study(study_name="s", storage=dst_url)
        assert seen(dst) == seen(src)
        assert dst.user_attrs == {"dataset": "v2"}
        assert dst.best_trial.params == src.best_trial.params
        assert [getattr(d, "name", d).lower() for d in dst.directions] == ["maximize"]
        with pytest.raises(Exception) as dup:
            mod.copy_study(from_study_name="s", from_storage=src_url, to_storage=dst_url)
        out[mod.__name__] = type(dup.value).__name__
        dst.optimize(objective, 1, catch=(RuntimeError,))
        assert len(dst.trials) == 6
    assert out == {"optuna": "DuplicatedStudyError", "gpbo": "DuplicatedStudyError"}
    with pytest.raises(KeyError):
        gpbo.copy_study(from_study_name="nope", from_storage=str(tmp_path / "src_gpbo.db"),
                        to_storage=str(tmp_path / "other.db"))


def test_optunas_pruning_callbacks_and_enums_work_on_gpbo_trials():
    """Optuna's framework pruning callbacks call trial.report(value, step=epoch) (LightGBM,
    XGBoost, Keras, PyTorch Lightning, CatBoost, fastai...), which raised TypeError on a gpbo
    Trial ("multiple values for argument 'step'"), and LightGBM's first checks
    trial.study.direction against Optuna's StudyDirection, which a string never equalled
    ("intermediate values are inconsistent"); a ported callback comparing a record's state
    with Optuna's TrialState never matched either. Optuna's own LightGBMPruningCallback code
    (its __call__; lightgbm itself is not needed) now runs on gpbo's trials and prunes them as
    on Optuna's, and Optuna's enums compare by name."""
    import types

    from optuna.integration.lightgbm import LightGBMPruningCallback
    from optuna.study import StudyDirection as OD
    from optuna.trial import TrialState as OT

    def callback_for(trial):  # as LightGBMPruningCallback(trial, "binary_logloss") makes it
        cb = object.__new__(LightGBMPruningCallback)
        cb._trial, cb._valid_name, cb._metric, cb._report_interval = \
            trial, "valid_0", "binary_logloss", 1
        return cb

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        cb = callback_for(trial)
        for it in range(8):  # a training whose loss ends near x
            loss = x + 1.0 / (it + 1)
            cb(types.SimpleNamespace(iteration=it, evaluation_result_list=[
                ("valid_0", "binary_logloss", loss, False)]))
        return x

    pruned_seen = []

    def count(study, frozen):  # a ported callback, Optuna's TrialState still imported
        if frozen.state == OT.PRUNED:
            pruned_seen.append(frozen.number)

    xs = [0.1, 0.2, 0.3, 0.9, 0.95, 0.05, 0.85, 0.8]
    theirs = optuna.create_study(pruner=optuna.pruners.MedianPruner(n_startup_trials=3))
    ours = gpbo.Study(strategy="random", seed=1,
                      pruner=gpbo.MedianPruner(startup_trials=3))
    got = {}
    for study in (theirs, ours):
        for x in xs:
            study.enqueue_trial({"x": x})
        pruned_seen.clear()
        study.optimize(objective, len(xs), callbacks=[count])
        got[type(study).__module__] = ([t.state.name for t in study.trials], list(pruned_seen))
        assert study.direction == OD.MINIMIZE and study.direction != OD.MAXIMIZE
    assert got["optuna.study.study"] == got["gpbo.study"]
    states, pruned = got["gpbo.study"]
    assert states[:3] == ["COMPLETE"] * 3 and "PRUNED" in states and len(pruned) > 0
    assert all(t.intermediate_values == {i: t.params["x"] + 1.0 / (i + 1)
                                         for i in range(len(t.intermediate_values))}
               for t in ours.trials)
    # the enums: strings still, Optuna's members by name, each other's never
    assert gpbo.TrialState.PRUNED == OT.PRUNED == gpbo.TrialState.PRUNED
    assert gpbo.TrialState.FAIL == OT.FAIL and gpbo.TrialState.FAIL != OT.COMPLETE
    assert gpbo.TrialState.COMPLETE == "complete" and {"complete": 1}[gpbo.TrialState.COMPLETE]
    assert gpbo.StudyDirection.MAXIMIZE == OD.MAXIMIZE and gpbo.StudyDirection.MAXIMIZE != \
        OD.MINIMIZE and gpbo.StudyDirection.MINIMIZE == "minimize"
    assert gpbo.StudyDirection.MINIMIZE != gpbo.TrialState.COMPLETE
    assert gpbo.Study(directions=["maximize", OD.MINIMIZE]).directions == [OD.MAXIMIZE,
                                                                           OD.MINIMIZE]
    # report's forms: gpbo's order, Optuna's keyword, both keywords; others TypeError
    t = ours.ask()
    t.report(0, 1.5)
    t.report(2.5, step=1)
    t.report(value=3.5, step=2)
    t.report(3, value=4.5)
    for bad in (lambda: t.report(0.5), lambda: t.report(1, 2, 3),
                lambda: t.report(1, 2, step=3), lambda: t.report()):
        with pytest.raises(TypeError):
            bad()
    ours.tell(t, 1.0)
    assert ours.trials[-1].intermediate_values == {0: 1.5, 1: 2.5, 2: 3.5, 3: 4.5}


def test_enqueue_trial_skip_if_exists_with_some_params_as_optunas(tmp_path):
    """A resumable script (Optuna's FAQ) enqueues its known good point with
    skip_if_exists=True and is run again: Optuna skips a configuration enqueued before with
    the same params (its fixed_params), also when it gave only some of them. gpbo compared
    with the trials' full params, which hold the drawn ones too, so each run enqueued the
    point again. Both now enqueue it once over three runs, before and after the first trial
    of a define-by-run study; the reserved attributes that remember it are no user
    attributes."""

    def objective(trial):
        return trial.suggest_float("lr", 1e-4, 1e-1, log=True) + trial.suggest_int("n", 1, 4)

    def run(mod, url, **kw):
        study = optuna.create_study(storage=url, study_name="s", load_if_exists=True) \
            if mod is optuna else gpbo.Study(storage=url, name="s", **kw)
        study.enqueue_trial({"lr": 1e-3}, skip_if_exists=True)
        study.enqueue_trial({"lr": 2e-3, "n": 2}, skip_if_exists=True)
        study.optimize(objective, 3)
        return study

    for mod, kw in ((optuna, {}), (gpbo, dict(strategy="random", seed=1))):
        url = "sqlite:///%s" % (tmp_path / ("%s.db" % mod.__name__))
        for _ in range(3):
            study = run(mod, url, **kw)
        lrs = [t.params["lr"] for t in study.trials]
        assert len(lrs) == 9 and lrs.count(1e-3) == 1 and lrs.count(2e-3) == 1, (mod, lrs)
        assert study.user_attrs == {}


def test_delete_study_as_optunas(tmp_path):
    """optuna.delete_study ported: the study and its trials leave the storage, the others stay,
    the name makes a new empty study; deleting it again, or from a file that does not exist, is
    KeyError in both libraries (and gpbo creates no file)."""
    for lib in (optuna, gpbo):
        url = "sqlite:///%s" % (tmp_path / ("%s.db" % lib.__name__))
        for name in ("a", "b"):
            st = lib.create_study(storage=url, study_name=name)
            st.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        assert lib.delete_study(study_name="a", storage=url) is None
        assert [s.study_name for s in lib.get_all_study_summaries(url)] == ["b"], lib.__name__
        assert len(lib.load_study(study_name="b", storage=url).trials) == 3
        with pytest.raises(KeyError):
            lib.delete_study(study_name="a", storage=url)
        again = lib.create_study(storage=url, study_name="a")
        assert again.trials == [] and again.user_attrs == {}, lib.__name__
    missing = tmp_path / "missing.db"
    with pytest.raises(KeyError, match="no such file"):
        gpbo.delete_study(study_name="a", storage="sqlite:///%s" % missing)
    assert not missing.exists()
    # a Study still open on the deleted study stores nothing more
    url = "sqlite:///%s" % (tmp_path / "open.db")
    st = gpbo.Study(storage=url, name="w")
    st.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    gpbo.delete_study(study_name="w", storage=url)
    with pytest.raises(gpbo.NotFoundError, match="deleted"):
        st.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert gpbo.get_all_study_names(url) == []
