#!/usr/bin/python3
"""examples/python/tune_torch.py: tune a small PyTorch CNN on Fashion-MNIST in-process with
gpbo, pruning unpromising trials from their per-epoch validation accuracy.

The objective trains the CNN (Debian's python3-torch) on a subset of the training images and
reports the validation accuracy after each epoch; the median pruner stops a trial whose curve
falls below the median of the finished ones. The search is gpbo's default Bayesian strategy,
maximizing the last epoch's accuracy. With the defaults (10 trials of 3 epochs on 3000 images)
it took 3 min 41 s (1 min 37 s of CPU) on a 2-core machine shared with other jobs.

Run (build tree): PYTHONPATH=build/python /usr/bin/python3 examples/python/tune_torch.py
    [--trials 10] [--epochs 3] [--train 3000] [--storage sqlite:///tune.db]
With --storage the study is kept in that file: `gpbo trials --storage tune.db --study cnn`
shows it, and running again resumes it.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from torch import nn

import gpbo

DATA = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist


def idx(name, offset):
    with gzip.open(os.path.join(DATA, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load(n_train, n_val):
    images = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)
    labels = idx("train-labels-idx1-ubyte.gz", 8)
    x = torch.tensor(images[: n_train + n_val], dtype=torch.float32) / 255.0
    y = torch.tensor(labels[: n_train + n_val], dtype=torch.long)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def cnn(channels, dropout):
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(dropout), nn.Linear(2 * channels * 49, 10))


def accuracy(model, data):
    model.eval()
    with torch.no_grad():
        return (model(data[0]).argmax(1) == data[1]).float().mean().item()


def objective(trial, train, val, epochs):
    p = trial.params
    torch.manual_seed(trial.id)
    model = cnn(p["channels"], p["dropout"])
    opt = (torch.optim.Adam(model.parameters(), lr=p["lr"]) if p["optimizer"] == "adam"
           else torch.optim.SGD(model.parameters(), lr=p["lr"], momentum=0.9))
    n, acc = len(train[0]), 0.0
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n)
        for k in range(0, n, p["batch"]):
            b = perm[k: k + p["batch"]]
            opt.zero_grad()
            nn.functional.cross_entropy(model(train[0][b]), train[1][b]).backward()
            opt.step()
        acc = accuracy(model, val)
        trial.report(epoch, acc)
        print("  trial %2d epoch %d: validation accuracy %.4f" % (trial.id, epoch, acc),
              flush=True)
        if trial.should_prune():
            raise gpbo.TrialPruned()
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--train", type=int, default=3000)
    ap.add_argument("--storage", default=None)
    a = ap.parse_args()
    torch.set_num_threads(2)
    train, val = load(a.train, 2000)
    space = {
        "lr": gpbo.LogUniform(1e-4, 3e-2),
        "channels": gpbo.Int(4, 16, log=True),
        "dropout": gpbo.Uniform(0.0, 0.5),
        "optimizer": gpbo.Categorical(["adam", "sgd"]),
        "batch": gpbo.Categorical([32, 64, 128]),
    }
    study = gpbo.Study(space, direction="maximize", storage=a.storage, name="cnn", seed=0,
                       pruner=gpbo.MedianPruner(startup_trials=3), n_init=6)
    t0 = time.time()
    study.optimize(lambda t: objective(t, train, val, a.epochs), a.trials, pass_trial=True)
    states = [r.state for r in study.trials]
    print("%d trials in %.0f s: %d complete, %d pruned, %d failed"
          % (len(states), time.time() - t0, states.count("complete"), states.count("pruned"),
             states.count("failed")))
    print("best validation accuracy %.4f with %s" % (study.best_value, study.best_params))


if __name__ == "__main__":
    main()
