#!/usr/bin/env python3
"""Runs examples/train_fashion_mnist on a small part of Fashion-MNIST and checks that it prints a
line per epoch as it goes (issue 21: a long run that says nothing until the end), each read from
a pipe, and the summary line at the end. Skipped (exit 77) when Debian's dataset is absent.

Usage: test_train_fashion_mnist.py PATH/TO/train_fashion_mnist
"""
import os
import re
import subprocess
import sys

EXE = sys.argv[1]
DATA = "/usr/share/datasets/fashion-mnist"
EPOCH = re.compile(r"^  (\S+) epoch (\d+)/(\d+)  val_accuracy=(\S+)  val_loss=(\S+)  (\S+) s$")


def main():
    if not os.path.exists(os.path.join(DATA, "train-images-idx3-ubyte.gz")):
        print("no Fashion-MNIST at", DATA)
        return 77
    fails = []
    # an option without its value, one it does not know, or a number that is none (or leaves no
    # training image) was passed over and the two default models trained for many minutes, or
    # failed in dataset_split (the docs branch): now the usage and exit status 2, at once
    for args in (["--bogus"], ["--epochs"], ["--train", "abc"], ["--train", "600"],
                 ["--epochs", "0"], ["--epochs", "2", "--model"]):
        r = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=20)
        if r.returncode != 2 or not r.stderr.startswith("usage:") or r.stdout:
            fails.append(f"{args}: the usage, exit 2: {r.returncode} {r.stdout!r} {r.stderr!r}")
    # 600 training images (5000 of the 5600 validate), 3 epochs of two small models
    r = subprocess.run([EXE, "--train", "5600", "--epochs", "3", "--model", "mlp:32",
                        "--model", "mlp:16"], capture_output=True, text=True, timeout=300)
    lines = r.stdout.split("\n")
    epochs = [m.groups() for m in map(EPOCH.match, lines) if m]
    want = [(m, str(e), "3") for m in ("mlp:32", "mlp:16") for e in (1, 2, 3)]
    if r.returncode != 0 or [e[:3] for e in epochs] != want:
        fails.append(f"a line per epoch of each model: {r.returncode} {r.stdout} {r.stderr}")
    if not all(0 <= float(e[3]) <= 1 for e in epochs):
        fails.append(f"accuracies in [0, 1]: {epochs}")
    # each model's epochs come before its summary line
    summary = [i for i, l in enumerate(lines) if l.startswith("mlp:") and "test_accuracy=" in l]
    firsts = [i for i, l in enumerate(lines) if EPOCH.match(l) and " epoch 1/" in l]
    if len(summary) != 2 or len(firsts) != 2 or not firsts[0] < summary[0] < firsts[1] < summary[1]:
        fails.append(f"epochs then the summary, model by model: {r.stdout}")
    for f in fails:
        print("FAIL:", f)
    print("all checks passed" if not fails else f"{len(fails)} checks failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
