#!/usr/bin/env python3
"""Cross-check against PyTorch (Debian's python3-torch): the same MLP with the same weights on
the same batch gives the same mean cross-entropy and the same gradient of every weight and
bias, to 1e-4 (relative to the largest gradient entry of the layer, absolute 1e-6). gpbo
computes in float32, PyTorch here in float64, so the gap is gpbo's rounding alone.
Usage: test_torch.py PATH/TO/torch_dump"""
import json
import subprocess
import sys

import torch

dump = sys.argv[1]
fails = 0
for spec, act in [("mlp:32-16", "relu"), ("mlp:24", "tanh"), ("mlp:40-30-20", "tanh")]:
    out = subprocess.run([dump, spec, act], capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    x = torch.tensor(d["x"], dtype=torch.float64).reshape(len(d["y"]), -1)
    y = torch.tensor(d["y"])
    params = []
    h = x
    for i, L in enumerate(d["layers"]):
        W = torch.tensor(L["W"], dtype=torch.float64).reshape(L["in"], L["out"])
        b = torch.tensor(L["b"], dtype=torch.float64)
        W.requires_grad_(True)
        b.requires_grad_(True)
        params.append((W, b, L))
        h = h @ W + b
        if i + 1 < len(d["layers"]):
            h = torch.relu(h) if act == "relu" else torch.tanh(h)
    loss = torch.nn.functional.cross_entropy(h, y)
    loss.backward()
    if abs(loss.item() - d["loss"]) > 1e-4 * max(1.0, abs(loss.item())):
        print(f"{spec} {act}: loss gpbo {d['loss']} torch {loss.item()}")
        fails += 1
    for k, (W, b, L) in enumerate(params):
        for name, t, g in (("W", W, L["dW"]), ("b", b, L["db"])):
            ref = t.grad.flatten()
            got = torch.tensor(g, dtype=torch.float64)
            scale = max(ref.abs().max().item(), 1e-12)
            err = (ref - got).abs().max().item()
            if err > 1e-4 * scale + 1e-6:
                print(f"{spec} {act}: layer {k} d{name}: max error {err:.3g} (scale {scale:.3g})")
                fails += 1
    print(f"{spec} {act}: loss {d['loss']:.8f} (torch {loss.item():.8f}), gradients checked")
sys.exit(1 if fails else 0)
