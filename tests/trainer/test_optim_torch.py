#!/usr/bin/env python3
"""Cross-check of the optimizers over several epochs against torch.optim (Debian's
python3-torch), as gpbo/trainer.h documents them: SGD with momentum (PyTorch's form, Nesterov
too), Adam with decoupled weight decay (AdamW), RMSprop; weight decay and L1 on the weights only
(biases are not decayed: a parameter group of their own with weight_decay 0 here; L1 as
l1 * sum |W| added to the loss); the epoch's rate from the schedule (SequentialLR of LinearLR and
the schedule, stepped once an epoch); mini-batches of 16 over 50 examples, so that every epoch
ends with a partial batch of 2 whose loss is its own mean. gpbo runs the steps as its epochs do
(the threads' step, at 1 and 2 threads) in float32; PyTorch from the same first weights in
float64. The same again with no hidden layer (model "mlp:", a linear softmax classifier:
multinomial logistic regression, L1 and L2 on its one weight matrix). Every step's loss agrees to 1e-4 relative and the last weights to 1e-3 of each
layer's largest weight (float32 rounding over 15 to 30 steps).
Usage: test_optim_torch.py PATH/TO/optim_dump"""
import json
import subprocess
import sys
import warnings

import torch

warnings.filterwarnings("ignore")
dump = sys.argv[1]
fails = 0
CASES = [
    # opt, lr, momentum, nesterov, weight_decay, l1, schedule, gamma, step, warmup, epochs
    ("sgd", 0.05, 0.0, 0, 0.0, 0.0, "fixed", 0.9, 1, 0, 5),
    ("sgd", 0.05, 0.9, 0, 0.01, 0.0, "step", 0.5, 2, 0, 6),
    ("sgd", 0.03, 0.8, 1, 0.0, 0.002, "exponential", 0.8, 1, 1, 6),
    ("adam", 0.01, 0.9, 0, 0.0, 0.0, "fixed", 0.9, 1, 0, 5),
    ("adam", 0.01, 0.9, 0, 0.05, 0.0, "cosine", 0.9, 1, 2, 8),
    ("adam", 0.003, 0.9, 0, 0.0, 0.003, "exponential", 0.7, 1, 0, 5),
    ("rmsprop", 0.002, 0.9, 0, 0.01, 0.001, "step", 0.5, 3, 1, 7),
]


def run(case, threads, model):
    (opt, lr, mom, nest, wd, l1, sched, gamma, step, warm, epochs) = case
    args = [dump, opt, repr(lr), repr(mom), str(nest), repr(wd), repr(l1), sched, repr(gamma),
            str(step), str(warm), str(epochs), str(threads), model]
    d = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    hidden = [v for v in model.partition(":")[2].split("-") if v]
    if len(d["first"]) != len(hidden) + 1:
        return [f"{len(d['first'])} dense layers, the model has {len(hidden) + 1}"], d["threads"]
    x = torch.tensor(d["x"], dtype=torch.float64).reshape(len(d["y"]), -1)
    y = torch.tensor(d["y"])
    Ws, bs = [], []
    for L in d["first"]:
        Ws.append(torch.tensor(L["W"], dtype=torch.float64).reshape(L["in"], L["out"])
                  .requires_grad_(True))
        bs.append(torch.tensor(L["b"], dtype=torch.float64).requires_grad_(True))
    groups = [{"params": Ws, "weight_decay": wd}, {"params": bs, "weight_decay": 0.0}]
    if opt == "sgd":
        o = torch.optim.SGD(groups, lr=lr, momentum=mom, nesterov=bool(nest))
    elif opt == "adam":
        o = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    else:
        o = torch.optim.RMSprop(groups, lr=lr, alpha=0.99, eps=1e-8)
    S = torch.optim.lr_scheduler
    main = {"fixed": lambda: S.LambdaLR(o, lambda e: 1.0),
            "exponential": lambda: S.ExponentialLR(o, gamma),
            "step": lambda: S.StepLR(o, step, gamma),
            "cosine": lambda: S.CosineAnnealingLR(o, epochs - warm)}[sched]()
    s = S.SequentialLR(o, [S.LinearLR(o, 1 / (warm + 1), 1.0, warm), main], [warm]) if warm else main
    losses = []
    B, n = d["batch"], len(d["y"])
    for _ in range(epochs):
        for lo in range(0, n, B):
            h = x[lo:lo + B]
            for i, (W, b) in enumerate(zip(Ws, bs)):
                h = h @ W + b
                if i + 1 < len(Ws):
                    h = torch.relu(h)
            loss = torch.nn.functional.cross_entropy(h, y[lo:lo + B])
            losses.append(loss.item())
            if l1:
                loss = loss + l1 * sum(W.abs().sum() for W in Ws)
            o.zero_grad()
            loss.backward()
            o.step()
        s.step()
    bad = []
    if len(losses) != len(d["losses"]):
        bad.append(f"{len(d['losses'])} steps, torch {len(losses)}")
    for k, (a, b) in enumerate(zip(d["losses"], losses)):
        if abs(a - b) > 1e-4 * max(1.0, abs(b)):
            bad.append(f"step {k + 1}: loss gpbo {a:.7g} torch {b:.7g}")
            break
    for k, (L, W, b) in enumerate(zip(d["last"], Ws, bs)):
        for name, t, g in (("W", W, L["W"]), ("b", b, L["b"])):
            ref = t.detach().flatten()
            got = torch.tensor(g, dtype=torch.float64)
            scale = ref.abs().max().item()
            err = (ref - got).abs().max().item()
            if err > 1e-3 * scale:
                bad.append(f"layer {k} {name}: max error {err:.3g} (scale {scale:.3g})")
    return bad, d["threads"]


for model, case in ((m, c) for m in ("mlp:12-8", "mlp:") for c in CASES):
    for threads in (1, 2):
        bad, used = run(case, threads, model)
        label = model + " " + " ".join(str(v) for v in case) + f" threads={used}"
        if bad:
            fails += 1
            print("FAIL " + label + ": " + "; ".join(bad))
        else:
            print("ok   " + label)
print("ok" if fails == 0 else f"{fails} failure(s)")
sys.exit(1 if fails else 0)
