#!/usr/bin/env python3
"""Cross-check against PyTorch (Debian's python3-torch): the same network with the same weights
on the same batch gives the same mean cross-entropy and the same gradient of every weight and
bias and of the input, to 1e-4 (relative to the largest gradient entry of the layer, absolute
1e-6). MLPs (nn.Linear: gpbo keeps W as in x out, PyTorch as out x in) and CNNs (nn.Conv2d with
padding k // 2, stride 1, weights f x c x k x k as PyTorch's; max_pool2d(2), which drops an odd
last row or column; flattened channels x rows x cols before the first dense layer), ReLU and
tanh, odd image sizes. gpbo computes in float32, PyTorch here in float64, so the gap is gpbo's
rounding alone.
Usage: test_torch.py PATH/TO/torch_dump"""
import json
import subprocess
import sys

import torch
import torch.nn.functional as F

dump = sys.argv[1]
fails = 0
CASES = [("mlp:32-16", "relu", None), ("mlp:24", "tanh", None), ("mlp:40-30-20", "tanh", None),
         # convolutions: the fused convolution + ReLU forward and pooling + ReLU backward, odd
         # sides through two poolings, several input channels, a pooling before a dense layer
         ("cnn:c4k3-p2-c6k5-p2-d12", "relu", (1, 11, 9)),
         ("cnn:c3k3-c5k1-p2-d8", "tanh", (2, 7, 6)),
         ("cnn:c4k5-p2", "relu", (3, 6, 5))]
for spec, act, shape in CASES:
    args = [dump, spec, act] + ([str(v) for v in shape] if shape else [])
    d = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    B = len(d["y"])
    x = torch.tensor(d["x"], dtype=torch.float64).reshape(B, *d["shape"]).requires_grad_(True)
    y = torch.tensor(d["y"])
    params = []
    h = x
    for L in d["layers"]:
        if L["kind"] == "dense":
            W = torch.tensor(L["W"], dtype=torch.float64).reshape(L["in"], L["out"])
            h = h.reshape(B, -1)
        elif L["kind"] == "conv":
            W = torch.tensor(L["W"], dtype=torch.float64).reshape(L["f"], L["c"], L["k"], L["k"])
        if L["kind"] in ("dense", "conv"):
            b = torch.tensor(L["b"], dtype=torch.float64)
            W.requires_grad_(True)
            b.requires_grad_(True)
            params.append((W, b, L))
            h = h @ W + b if L["kind"] == "dense" else F.conv2d(h, W, b, padding=L["k"] // 2)
        elif L["kind"] == "act":
            h = torch.relu(h) if act == "relu" else torch.tanh(h)
        elif L["kind"] == "pool":
            h = F.max_pool2d(h, 2)
        if h.numel() != B * L["out"]:
            print(f"{spec} {act}: layer {L['kind']} gives {h.numel() // B} outputs, gpbo "
                  f"{L['out']}")
            fails += 1
    loss = F.cross_entropy(h.reshape(B, -1), y)
    loss.backward()
    if abs(loss.item() - d["loss"]) > 1e-4 * max(1.0, abs(loss.item())):
        print(f"{spec} {act}: loss gpbo {d['loss']} torch {loss.item()}")
        fails += 1
    grads = [(f"layer {k} d{name}", t.grad.flatten(), g) for k, (W, b, L) in enumerate(params)
             for name, t, g in (("W", W, L["dW"]), ("b", b, L["db"]))]
    for what, ref, g in grads + [("input", x.grad.flatten(), d["dx"])]:
        got = torch.tensor(g, dtype=torch.float64)
        scale = max(ref.abs().max().item(), 1e-12)
        err = (ref - got).abs().max().item()
        if err > 1e-4 * scale + 1e-6:
            print(f"{spec} {act}: {what}: max error {err:.3g} (scale {scale:.3g})")
            fails += 1
    print(f"{spec} {act}: loss {d['loss']:.8f} (torch {loss.item():.8f}), gradients checked")
sys.exit(1 if fails else 0)
