#!/usr/bin/env python3
"""Cross-check against PyTorch (Debian's python3-torch): the same network with the same weights
on the same batch gives the same mean cross-entropy and the same gradient of every weight and
bias and of the input, to 1e-4 (relative to the largest gradient entry of the layer, absolute
1e-6). MLPs (nn.Linear: gpbo keeps W as in x out, PyTorch as out x in) and CNNs (nn.Conv2d with
padding k // 2, stride 1, weights f x c x k x k as PyTorch's; max_pool2d(2), which drops an odd
last row or column; flattened channels x rows x cols before the first dense layer), ReLU and
tanh, odd image sizes. With dropout (nn.Dropout after every hidden dense layer's activation;
with no hidden dense layer, before the output layer: on a linear model's input, on a CNN's
flattened features), gpbo's masks are applied to PyTorch's network: each unit is kept with
probability 1 - p and then scaled by 1 / (1 - p) (inverted dropout, as nn.Dropout in training
mode; the mask's kept fraction within 5 standard deviations of 1 - p), the gradients agree
through the masks, and in evaluation mode (model.eval(): no dropout) the class probabilities
agree. The layers are the ones gpbo/trainer.h documents for the spec. gpbo computes in float32, PyTorch here in float64, so the gap is gpbo's
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
         ("cnn:c4k5-p2", "relu", (3, 6, 5)),
         # dropout: p = 0.5 and 0.2, MLP and CNN
         ("mlp:64-48", "relu", (1, 1, 20), 0.5), ("cnn:c3k3-p2-d40-d30", "tanh", (1, 6, 6), 0.2),
         # no hidden layer: a linear softmax classifier (nn.Linear alone), its dropout on the
         # input (nn.Sequential(nn.Dropout(p), nn.Linear)); images flattened as for an MLP
         ("mlp:", "relu", (1, 1, 20)), ("mlp", "tanh", (2, 3, 4)),
         ("mlp:", "relu", (1, 1, 30), 0.5), ("mlp:", "tanh", (1, 5, 5), 0.2),
         # a CNN with no dense hidden layer: dropout on the flattened features that feed the
         # output layer (nn.Flatten(), nn.Dropout(p), nn.Linear), after a pooling, after a
         # convolution's activation (the fused convolution + ReLU forward), and with no layer
         ("cnn:c4k5-p2", "relu", (3, 6, 5), 0.5), ("cnn:c3k3-p2", "tanh", (2, 7, 6), 0.3),
         ("cnn:c3k3-c2k1", "relu", (1, 5, 4), 0.2), ("cnn:", "tanh", (2, 3, 4), 0.4)]


def documented_kinds(spec, p):
    """The layers a spec documents (gpbo/trainer.h): a convolution and its activation, a
    pooling, a dense layer, its activation and, with dropout, a dropout layer; with no hidden
    dense layer (an MLP with no hidden size, a CNN of convolutions and poolings only), dropout
    on what feeds the output layer (the input, or the flattened features); then the output
    layer."""
    cnn = spec.startswith("cnn")
    kinds = []
    for v in (v for v in spec.partition(":")[2].split("-") if v):
        kind = v[0] if cnn else "d"
        kinds += {"c": ["conv", "act"], "p": ["pool"],
                  "d": ["dense", "act"] + (["dropout"] if p else [])}[kind]
    if p and "dense" not in kinds:
        kinds.append("dropout")
    return kinds + ["dense"]


for spec, act, shape, *drop in CASES:
    args = [dump, spec, act] + ([str(v) for v in shape] if shape else []) + \
        [repr(v) for v in drop]
    d = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    got, want = [L["kind"] for L in d["layers"]], documented_kinds(spec, drop[0] if drop else 0)
    if got != want:
        # before, "mlp:" and a CNN with no dense hidden layer had no dropout layer at all with
        # dropout: the setting was ignored
        print(f"FAIL {spec} {act} dropout {drop}: layers {got}, documented {want}")
        fails += 1
    B = len(d["y"])
    x = torch.tensor(d["x"], dtype=torch.float64).reshape(B, *d["shape"]).requires_grad_(True)
    y = torch.tensor(d["y"])
    params = []

    def dropout(h, L):
        """gpbo's masks, checked to be inverted dropout's: 0 or 1 / (1 - p), kept at 1 - p."""
        global fails
        p = d["dropout"]
        m = torch.tensor(L["mask"], dtype=torch.float64)
        kept = (m != 0).double().mean().item()
        # binomial over the mask's units: 5 standard deviations
        sd = (p * (1 - p) / m.numel()) ** 0.5
        if ((m != 0) & ((m - 1 / (1 - p)).abs() > 1e-6)).any() or abs(kept - (1 - p)) > 5 * sd:
            print(f"{spec} {act}: dropout {p}: mask values {sorted(set(m.tolist()))[:4]}, kept "
                  f"{kept:.3f}")
            fails += 1
        return h * m.reshape(h.shape)

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
        elif L["kind"] == "dropout":
            h = dropout(h, L)
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
    # evaluation mode: the same network with dropout off (PyTorch's model.eval())
    with torch.no_grad():
        h = x.detach()
        for L in d["layers"]:
            if L["kind"] == "dense":
                W = torch.tensor(L["W"], dtype=torch.float64).reshape(L["in"], L["out"])
                h = h.reshape(B, -1) @ W + torch.tensor(L["b"], dtype=torch.float64)
            elif L["kind"] == "conv":
                W = torch.tensor(L["W"], dtype=torch.float64).reshape(L["f"], L["c"], L["k"],
                                                                      L["k"])
                h = F.conv2d(h, W, torch.tensor(L["b"], dtype=torch.float64),
                             padding=L["k"] // 2)
            elif L["kind"] == "act":
                h = torch.relu(h) if act == "relu" else torch.tanh(h)
            elif L["kind"] == "pool":
                h = F.max_pool2d(h, 2)
        probs = torch.softmax(h.reshape(B, -1), dim=1).flatten()
    err = (probs - torch.tensor(d["eval_probs"], dtype=torch.float64)).abs().max().item()
    if err > 1e-5:
        print(f"{spec} {act}: evaluation-mode probabilities: max error {err:.3g}")
        fails += 1
    print(f"{spec} {act}{' dropout ' + repr(drop[0]) if drop else ''}: loss {d['loss']:.8f} (torch {loss.item():.8f}), gradients checked")
sys.exit(1 if fails else 0)
