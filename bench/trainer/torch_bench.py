#!/usr/bin/env python3
"""PyTorch side of bench/trainer: images per second for one architecture, batch 128, float32,
Adam, on random 28x28 inputs; prints 'train=<img/s> infer=<img/s>'.
Usage: torch_bench.py mlp|cnn THREADS SECONDS [wall|cpu]  (cpu: per second of the process's
CPU time, as trainer_bench --clock cpu)"""
import sys
import time

import torch
import torch.nn as nn

arch, threads, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
clock = time.process_time if len(sys.argv) > 4 and sys.argv[4] == "cpu" else time.perf_counter
torch.set_num_threads(threads)
torch.manual_seed(0)
if arch == "mlp":
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256),
                          nn.ReLU(), nn.Linear(256, 10))
else:
    model = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 7 * 7, 1024), nn.ReLU(),
                          nn.Linear(1024, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
B = 128
x = torch.randn(B, 1, 28, 28)
y = torch.randint(0, 10, (B,))


def train_step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()


def timed(fn):
    for _ in range(3):
        fn()
    n, t0 = 0, clock()
    while clock() - t0 < seconds:
        fn()
        n += 1
    return n * B / (clock() - t0)


train = timed(train_step)
with torch.no_grad():
    infer = timed(lambda: model(x))
print(f"train={train:.1f} infer={infer:.1f}")
