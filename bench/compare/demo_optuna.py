#!/usr/bin/python3
"""Optuna 3.1's TPE on the demo sweep (examples/fashion-mnist/sweep.yaml), for the table against
gpbo's own searches of it (issue 18: the demo sweep as a problem).

Each trial trains the built-in trainer through `gpbo train` with the sweep's base settings
(20000 training and 5000 validation images, 8 epochs, step_size 3, seed 1, test on) and the
trial's parameters, one OpenBLAS thread per training as `gpbo run` gives its trainers; the
space is the sweep's, written define-by-run (momentum only with SGD, gamma only with the
exponential and step schedules, as the sweep's `when:`). Pruning is Optuna's
SuccessiveHalvingPruner(min_resource=2, reduction_factor=3): rungs at epochs 2, 6, 18, the
sweep's `early_terminate: {type: hyperband, min_iter: 2, eta: 3}` (W&B's hyperband stops a
trial below the top 1/eta at a rung: asynchronous successive halving). TPESampler(seed=SEED)
with its defaults (10 random startup trials, as gpbo's 10-point design). Two trials at a time
(study.optimize(n_jobs=2)), as `make demo`'s --jobs 2.

    /usr/bin/python3 bench/compare/demo_optuna.py --gpbo build/cli/gpbo --seeds 20-29 \
        --out demo-optuna.csv

Per seed, one CSV row: the best validation accuracy of a complete trial, the test accuracy of
that trial, the trials pruned, the run's wall seconds.
"""
import argparse
import csv
import os
import subprocess
import sys
import time

import optuna

BASE = ["--train_size", "20000", "--val_size", "5000", "--epochs", "8", "--seed", "1", "--test",
        "true"]


def params(trial):
    """The sweep's space, define-by-run."""
    p = {
        "lr": trial.suggest_float("lr", 1e-4, 0.03, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128, 256]),
        "hidden": trial.suggest_int("hidden", 64, 512, log=True),
        "layers": trial.suggest_int("layers", 1, 3),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "weight_decay": trial.suggest_float("weight_decay", 1e-6, 0.01, log=True),
        "optimizer": trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"]),
    }
    if p["optimizer"] == "sgd":
        p["momentum"] = trial.suggest_float("momentum", 0.5, 0.98)
    p["schedule"] = trial.suggest_categorical("schedule", ["fixed", "cosine", "exponential",
                                                           "step"])
    if p["schedule"] in ("exponential", "step"):
        p["gamma"] = trial.suggest_float("gamma", 0.5, 0.95)
    if p["schedule"] == "step":
        # the sweep's step_size; gpbo train refuses it beside a schedule that does not read it
        p["step_size"] = 3
    return p


def objective(gpbo):
    def run(trial):
        argv = [gpbo, "train"] + BASE
        for k, v in params(trial).items():
            argv += ["--" + k, repr(v) if isinstance(v, float) else str(v)]
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, env=env)
        final = {}
        try:
            for line in proc.stdout:
                fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
                if "step" in fields and "val_accuracy" in fields:
                    trial.report(float(fields["val_accuracy"]), int(fields["step"]))
                    if trial.should_prune():
                        raise optuna.TrialPruned()
                else:
                    final.update(fields)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        if proc.returncode != 0 or "val_accuracy" not in final:
            raise RuntimeError("gpbo train exited %d" % proc.returncode)
        trial.set_user_attr("test_accuracy", float(final["test_accuracy"]))
        return float(final["val_accuracy"])
    return run


def seeds_arg(s):
    a, _, b = s.partition("-")
    return list(range(int(a), int(b or a) + 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gpbo", required=True)
    ap.add_argument("--seeds", type=seeds_arg, required=True, help="A-B")
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", required=True, help="CSV, appended to")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    new = not os.path.exists(a.out)
    with open(a.out, "a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["strategy", "seed", "best_val", "test_of_best", "pruned", "failed",
                        "seconds"])
        for seed in a.seeds:
            t0 = time.time()
            study = optuna.create_study(
                direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
                pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=2,
                                                              reduction_factor=3))
            study.optimize(objective(a.gpbo), n_trials=a.trials, n_jobs=a.jobs,
                           catch=(RuntimeError,))
            done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
            best = max(done, key=lambda t: t.value)
            states = [t.state for t in study.trials]
            row = ["tpe", seed, "%.4f" % best.value, "%.4f" % best.user_attrs["test_accuracy"],
                   states.count(optuna.trial.TrialState.PRUNED),
                   states.count(optuna.trial.TrialState.FAIL), "%.0f" % (time.time() - t0)]
            w.writerow(row)
            f.flush()
            print(*row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
