#!/usr/bin/env python3
"""PyTorch side of bench/trainer: images per second for one architecture, batch 128, float32,
Adam, on random 28x28 inputs; prints 'train=<img/s> infer=<img/s> loss0=<first> loss1=<last>
steps=<training steps>', the losses those of the first and the last training step on the fixed
batch (warm-up included), so that the bench can show both sides learning it.
After the timing, untimed training steps top the count up to CHECK_STEPS (default 50), as
trainer_bench does on its side.
Usage: torch_bench.py mlp|cnn THREADS SECONDS [wall|cpu] [CHECK_STEPS]  (cpu: per second of the
process's CPU time, as trainer_bench --clock cpu)"""
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


first_loss, last_loss, steps = None, None, 0  # detached, read once at the end


def train_step():
    global first_loss, last_loss, steps
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    last_loss = loss.detach()
    first_loss = last_loss if first_loss is None else first_loss
    steps += 1


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
while steps < (int(sys.argv[5]) if len(sys.argv) > 5 else 50):
    train_step()
print(f"train={train:.1f} infer={infer:.1f} loss0={first_loss.item():.6f} "
      f"loss1={last_loss.item():.6f} steps={steps}")
