#!/usr/bin/env python3
"""Cross-check of the learning-rate schedules against PyTorch (Debian's python3-torch), as
gpbo/trainer.h documents them: ExponentialLR, StepLR and CosineAnnealingLR(T_max = epochs -
warmup), after LinearLR(start_factor = 1 / (warmup + 1), total_iters = warmup) when there is a
warmup (SequentialLR), stepped once an epoch. The rate of every epoch agrees to 1e-12.
Usage: test_schedules_torch.py PATH/TO/lr_dump"""
import subprocess
import sys
import warnings

import torch

warnings.filterwarnings("ignore")
dump = sys.argv[1]
fails = 0
for sched in ["fixed", "exponential", "step", "cosine"]:
    for lr, gamma, step, warm, epochs in [(0.1, 0.9, 3, 0, 12), (0.02385, 0.7, 2, 3, 11),
                                          (1e-3, 0.95, 10, 1, 25)]:
        out = subprocess.run([dump, sched, repr(lr), repr(gamma), str(step), str(warm),
                              str(epochs)], capture_output=True, text=True, check=True).stdout
        got = [float(v) for v in out.split()]
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=lr)
        main = {
            "fixed": lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0),
            "exponential": lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma),
            "step": lambda o: torch.optim.lr_scheduler.StepLR(o, step, gamma),
            "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, epochs - warm),
        }[sched](opt)
        if warm:
            w = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / (warm + 1),
                                                  end_factor=1.0, total_iters=warm)
            s = torch.optim.lr_scheduler.SequentialLR(opt, [w, main], milestones=[warm])
        else:
            s = main
        want = []
        for _ in range(epochs):
            want.append(opt.param_groups[0]["lr"])
            opt.step()
            s.step()
        err = max(abs(a - b) for a, b in zip(got, want))
        if len(got) != epochs or err > 1e-12 * lr:
            print(f"FAIL {sched} lr={lr} gamma={gamma} step={step} warmup={warm}: gpbo {got} "
                  f"torch {want}")
            fails += 1
print("ok" if fails == 0 else f"{fails} failure(s)")
sys.exit(1 if fails else 0)
