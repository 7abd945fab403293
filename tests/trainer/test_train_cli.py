#!/usr/bin/env python3
"""`gpbo train`'s settings: a flag that is neither true nor false, and whole numbers that do not
fit (or lose digits in a double), are refused with exit status 2 and a message naming the
setting, before any data is read; a run that diverges fails (exit 1) instead of printing scores
of NaN weights. Usage: test_train_cli.py PATH/TO/gpbo"""
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile

gpbo = sys.argv[1]
fails = 0


def run(*args, data_dir="/nonexistent-gpbo-data", blas_threads=None):
    env = dict(os.environ)
    if blas_threads is not None:
        env["OPENBLAS_NUM_THREADS"] = blas_threads
    p = subprocess.run([gpbo, "train", "--data_dir", data_dir, *args], capture_output=True,
                       text=True, timeout=120, env=env)
    return p.returncode, p.stdout, p.stderr


def expect(args, code, want, **kw):
    global fails
    rc, out, err = run(*args, **kw)
    if rc != code or want not in err:
        print(f"FAIL {args}: exit {rc}, stderr {err!r}; wanted exit {code} with {want!r}")
        fails += 1


# a typo in a flag used to read as false and the run went on
expect(["--flip", "treu"], 2, "trainer setting flip: 'treu' is not true or false")
expect(["--nesterov", "maybe"], 2, "trainer setting nesterov: 'maybe' is not true or false")
expect(["--test", "ture"], 2, "trainer setting test: 'ture' is not true or false")
# accepted spellings go on to the data (which is missing here: exit 1, the file named)
for v in ["true", "True", "false", "FALSE", "yes", "no", "on", "off", "1", "0"]:
    expect(["--flip", v], 1, "/nonexistent-gpbo-data/train-images-idx3-ubyte.gz")
# 1e30 epochs used to convert out of range (undefined behaviour; here it became 0 and the
# message said "epochs must be at least 1"); a seed past 2^64 - 1 likewise
expect(["--epochs", "1e30"], 2, "trainer setting epochs: '1e30' is not a whole number")
expect(["--seed", "1e20"], 2, "trainer setting seed: '1e20' is not a whole number")
expect(["--seed", "18446744073709551616"], 2, "trainer setting seed: '18446744073709551616'")
expect(["--batch_size", "-3"], 2, "trainer setting batch_size: '-3' is not a whole number")
expect(["--seed", "18446744073709551615"], 1, "train-images-idx3-ubyte.gz")
expect(["--epochs", "1e3"], 1, "train-images-idx3-ubyte.gz")

# a setting that only some values of another read, given while that other one does not read it,
# was taken and ignored (momentum 0.5 with adam trained adam's run): refused, exit 2, naming
# both, before any data is read; with a value that reads it, or given its default (a script that
# writes every default out), it goes on to the data
IGNORED = "it would be ignored"
for args, why in [
        (["--momentum", "0.5"], "trainer setting momentum is SGD's (optimizer sgd), and optimizer "
                                "is adam: " + IGNORED),
        (["--optimizer", "rmsprop", "--nesterov", "true"], "nesterov is SGD's (optimizer sgd), "
                                                           "and optimizer is rmsprop"),
        (["--gamma", "0.5"], "gamma is the exponential and step schedules', and schedule is fixed"),
        (["--schedule", "cosine", "--gamma", "0.5"], "and schedule is cosine: " + IGNORED),
        (["--schedule", "exponential", "--step_size", "3"],
         "step_size is the step schedule's, and schedule is exponential"),
        (["--monitor", "val_loss"], "monitor is early stopping's (patience > 0), and patience "
                                    "is 0: " + IGNORED),
        (["--min_delta", "0.01", "--epochs", "5"], "min_delta is early stopping's"),
        (["--model", "mlp", "--activation", "tanh"], "activation is a hidden layer's, and model "
                                                     "is mlp: " + IGNORED),
        (["--model", "cnn:p2-p2", "--activation", "tanh"], "and model is cnn:p2-p2: " + IGNORED)]:
    expect(args, 2, why)
for args in [["--optimizer", "sgd", "--momentum", "0.5", "--nesterov", "true"],
             ["--momentum", "0.9", "--nesterov", "false", "--gamma", "0.95", "--step_size", "10",
              "--monitor", "val_accuracy", "--min_delta", "0", "--activation", "relu"],
             ["--schedule", "exponential", "--gamma", "0.5"],
             ["--schedule", "step", "--gamma", "0.5", "--step_size", "3"],
             ["--patience", "2", "--monitor", "val_loss", "--min_delta", "0.01"],
             ["--model", "cnn:c2k3", "--activation", "tanh"],
             ["--hidden", "8", "--activation", "tanh"]]:
    expect(args, 1, "train-images-idx3-ubyte.gz")

# the same in a sweep: the trainer section's setting, or a parameter, named at its line; a
# setting that depends on a searched parameter (in some trials it is read) is taken
runs = tempfile.mkdtemp(prefix="gpbo-train-cli-sweep-")
SWEEP = """name: t
method: random
run_cap: 1
metric: {{name: val_accuracy, goal: maximize}}
parameters:
{params}
trainer: {{data_dir: /nonexistent-gpbo-data, epochs: 1, {section}}}
"""
for params, section, want in [
        ("  lr: {min: 0.001, max: 0.01}", "momentum: 0.5", "sweep.yaml:7:56: trainer setting "
                                                          "momentum is SGD's"),
        ("  lr: {min: 0.001, max: 0.01}\n  optimizer: {value: rmsprop}", "momentum: 0.5",
         "sweep.yaml:8:56: trainer setting momentum is SGD's (optimizer sgd), and optimizer is "
         "rmsprop"),
        ("  gamma: {min: 0.5, max: 0.9}", "schedule: cosine",
         "sweep.yaml:6:3: parameter 'gamma': trainer setting gamma is the exponential and step "
         "schedules', and schedule is cosine"),
        ("  optimizer: {values: [adam, sgd]}", "momentum: 0.5", "train-images-idx3-ubyte.gz"),
        ("  optimizer: {values: [adam, sgd]}\n  momentum: {min: 0.5, max: 0.9, when: {optimizer: "
         "sgd}}", "step_size: 3, schedule: step", "train-images-idx3-ubyte.gz"),
        ("  patience: {values: [0, 3]}", "monitor: val_loss", "train-images-idx3-ubyte.gz")]:
    with open(os.path.join(runs, "sweep.yaml"), "w") as f:
        f.write(SWEEP.format(params=params, section=section))
    p = subprocess.run([gpbo, "run", "sweep.yaml"], cwd=runs, capture_output=True, text=True,
                       timeout=120)
    refused = IGNORED in p.stderr
    if want not in p.stderr or (refused and p.returncode != 2) or \
            refused == ("train-images-idx3-ubyte.gz" in want):
        print(f"FAIL sweep {params!r} {section!r}: exit {p.returncode}: {p.stderr!r}; "
              f"wanted {want!r}")
        fails += 1
    for name in os.listdir(runs):
        if name != "sweep.yaml":
            path = os.path.join(runs, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
shutil.rmtree(runs)

# a setting longer than its buffer used to be cut: a model of 130 layers trained 125, and
# "...-128" could have become "...-12"; refused before any data is read
expect(["--model", "mlp:" + "-".join(["8"] * 130)], 2,
       "trainer setting model: 263 characters (at most 255)")
expect(["--data_dir", "/tmp/" + "d" * 1100], 2, "trainer setting data_dir: 1105 characters")
# a whole-number flag too long for its digits is still a whole-number error, not a length one
expect(["--epochs", "1" * 300], 2, "trainer setting epochs:")

# a tiny IDX data set of 200 images of 4 x 3 pixels, 3 classes
tmp = tempfile.mkdtemp(prefix="gpbo-train-cli-")
n = 200
with gzip.open(os.path.join(tmp, "train-images-idx3-ubyte.gz"), "wb") as f:
    f.write(struct.pack(">IIII", 0x803, n, 4, 3) + bytes((i * 37 + j * 11) % 256
                                                        for i in range(n) for j in range(12)))
with gzip.open(os.path.join(tmp, "train-labels-idx1-ubyte.gz"), "wb") as f:
    f.write(struct.pack(">II", 0x801, n) + bytes(i % 3 for i in range(n)))
small = ["--model", "mlp:4", "--epochs", "1", "--batch_size", "16"]
rc, out, err = run(*small, "--train_size", "100", "--val_size", "50", data_dir=tmp)
if rc != 0:
    print(f"FAIL tiny data set: exit {rc}: {err}")
    fails += 1
# a train_size the data cannot give used to train on what there was (train_size 60000 beside
# val_size 5000 of Fashion-MNIST's 60000 trained on 55000, saying nothing): refused, exit 2, as
# scikit-learn's train_test_split refuses a train_size above the samples; train_size + val_size
# used to wrap around too (2^64 - 1 + 50 asked the loader for 49 images)
for size in ["151", "18446744073709551615"]:
    rc, out, err = run(*small, "--train_size", size, "--val_size", "50", data_dir=tmp)
    if rc != 2 or f"trainer setting train_size {size}: with val_size 50" not in err or \
            "train-images-idx3-ubyte.gz holds 200 (train_size at most 150" not in err or \
            "val_accuracy=" in out:
        print(f"FAIL train_size {size} of 200 - 50: exit {rc}: {err}")
        fails += 1
# exactly what there is (150 + 50 of 200) runs
rc, out, err = run(*small, "--train_size", "150", "--val_size", "50", data_dir=tmp)
if rc != 0 or "val_accuracy=" not in out:
    print(f"FAIL train_size 150 of 200 - 50: exit {rc}: {err}")
    fails += 1
# the threads a run splits each batch over: `gpbo train` had no setting for them and took
# OPENBLAS_NUM_THREADS (else the cores), so a seeded run gave other numbers on another machine
# or shell; --threads N gives the same run whatever that variable says
for threads in ["1", "2"]:
    outs = set()
    for blas in ["1", "2", "3"]:
        rc, out, err = run(*small, "--train_size", "150", "--val_size", "50", "--threads",
                           threads, data_dir=tmp, blas_threads=blas)
        if rc != 0 or "val_accuracy=" not in out:
            print(f"FAIL --threads {threads} OPENBLAS_NUM_THREADS={blas}: exit {rc}: {err}")
            fails += 1
        outs.add(out.split("seconds=")[0])
    if len(outs) != 1:
        print(f"FAIL --threads {threads} moved with OPENBLAS_NUM_THREADS: {outs}")
        fails += 1
expect(["--threads", "1025"], 2, "trainer setting threads: 1025 (at most 1024")
expect(["--threads", "-1"], 2, "trainer setting threads: '-1' is not a whole number")
expect(["--threads", "0"], 1, "train-images-idx3-ubyte.gz")

# the defaults `gpbo train --help` prints (SGD's momentum of 0.9, where torch.optim.SGD's is 0,
# was written nowhere a user of the command reads) are the ones a run uses: the same run with
# each of them given
helptext = subprocess.run([gpbo, "train", "--help"], capture_output=True, text=True).stdout
block = helptext.split("defaults:", 1)[-1].split("(", 1)[0]
defaults = dict(kv.split("=", 1) for kv in block.split() if "=" in kv) \
    if "defaults:" in helptext else {}
if defaults.get("momentum") != "0.9" or defaults.get("optimizer") != "adam" or \
        "torch.optim.SGD's" not in helptext:
    print(f"FAIL gpbo train --help's defaults: {defaults}")
    fails += 1
given = [f"--{k}={v}" for k, v in defaults.items()
         if k not in ("data_dir", "train_size", "val_size", "model", "epochs", "batch_size")]
for opt in ["adam", "sgd"]:
    base = [*small, "--train_size", "100", "--val_size", "50", "--optimizer", opt]
    _, out_implicit, _ = run(*base, data_dir=tmp)
    rc, out_explicit, err = run(*[g for g in given if not g.startswith("--optimizer=")], *base,
                                data_dir=tmp)
    if rc != 0 or out_implicit.split("seconds=")[0] != out_explicit.split("seconds=")[0]:
        print(f"FAIL {opt} with the printed defaults given: exit {rc} {err}\n{out_explicit}\n"
              f"{out_implicit}")
        fails += 1

# test files that do not fit the training files: images of another shape with the same number
# of pixels (2 x 6 beside 4 x 3) used to be scored as if they were 4 x 3; a label the training
# labels never reach has no output of the network. Both refused naming the t10k file.
def t10k(r, c, label):
    m = 60
    with gzip.open(os.path.join(tmp, "t10k-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, m, r, c) + bytes((i * 7) % 256 for i in range(m * r * c)))
    with gzip.open(os.path.join(tmp, "t10k-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 0x801, m) + bytes(min(i % 3, label) if i else label
                                                     for i in range(m)))


for shape, label, code, want in [((2, 6), 2, 1, "t10k-images-idx3-ubyte.gz: images of 2x6 pixels, "
                                   "but " + tmp + "/train-images-idx3-ubyte.gz holds 4x3"),
                                  ((4, 3), 5, 1, "t10k-labels-idx1-ubyte.gz: label 5, but the "
                                   "labels of " + tmp + "/train-labels-idx1-ubyte.gz go up to 2"),
                                  ((4, 3), 2, 0, "")]:
    t10k(*shape, label)
    rc, out, err = run(*small, "--train_size", "100", "--val_size", "50", "--test", "true",
                       data_dir=tmp)
    if rc != code or want not in err or (code == 0) != ("test_accuracy=" in out):
        print(f"FAIL test files {shape} label {label}: exit {rc}: {err}")
        fails += 1

# hidden and layers whose spec does not fit the model's buffer: the layers past it used to be
# dropped silently (hidden 16, layers 100 trained 79 layers); now refused, exit 2
rc, out, err = run(*small[2:], "--hidden", "16", "--layers", "100", "--train_size", "100",
                   "--val_size", "50", data_dir=tmp)
if rc != 2 or "too many layers" not in err or "val_accuracy=" in out:
    print(f"FAIL hidden 16 layers 100: exit {rc}: {err}")
    fails += 1
# the most that fit ("mlp:" and 126 times "3-" less one dash: 255 characters) run with every
# layer (4 x 3 inputs, 3 classes: 12*3+3 + 125*(3*3+3) + 3*3+3 parameters); one more is refused
rc, out, err = run(*small[2:], "--hidden", "3", "--layers", "126", "--train_size", "100",
                   "--val_size", "50", data_dir=tmp)
if rc != 0 or f"parameters={12 * 3 + 3 + 125 * 12 + 12}" not in out:
    print(f"FAIL hidden 3 layers 126: exit {rc}: {err} {out}")
    fails += 1
rc, out, err = run(*small[2:], "--hidden", "3", "--layers", "127", "--train_size", "100",
                   "--val_size", "50", data_dir=tmp)
if rc != 2 or "at most 126 of 3 units" not in err:
    print(f"FAIL hidden 3 layers 127: exit {rc}: {err}")
    fails += 1

# a sweep searching a setting of the data: the data is loaded once, from the trainer section,
# before the first trial, so a searched train_size trained every trial on the same images
# whatever its value said (and a searched test printed no test metrics); refused before any
# trial, exit 2, naming the parameter
for name, values in [("train_size", "[20, 150]"), ("val_size", "[20, 50]"),
                     ("test", "[true, false]"), ("data_dir", f"['{tmp}']")]:
    sweep = os.path.join(tmp, f"search-{name}.yaml")
    with open(sweep, "w") as f:
        f.write(f"name: s\nmethod: grid\nmetric: {{name: val_accuracy, goal: maximize}}\n"
                f"parameters:\n  {name}: {{values: {values}}}\n"
                f"trainer: {{data_dir: '{tmp}', val_size: 50, model: 'mlp:4', epochs: 1}}\n")
    p = subprocess.run([gpbo, "run", sweep, "--storage",
                        "sqlite:///" + os.path.join(tmp, f"search-{name}.db")],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 2 or f"parameter '{name}' cannot be searched" not in p.stderr or \
            "val_accuracy=" in p.stdout:
        print(f"FAIL searched {name}: exit {p.returncode}: {p.stderr} {p.stdout[-300:]}")
        fails += 1

# gpbo retrain's --train-size above what the data holds: refused as a bad option (exit 2,
# naming the setting), where it trained on what there was
sweep = os.path.join(tmp, "retrain.yaml")
with open(sweep, "w") as f:
    f.write("name: r\nmethod: grid\nmetric: {name: val_accuracy, goal: maximize}\n"
            "parameters:\n  lr: {values: [0.01]}\n"
            f"trainer: {{data_dir: '{tmp}', val_size: 50, model: 'mlp:4', epochs: 1}}\n")
db = "sqlite:///" + os.path.join(tmp, "retrain.db")
p = subprocess.run([gpbo, "run", sweep, "--storage", db], capture_output=True, text=True,
                   timeout=120)
if p.returncode != 0:
    print(f"FAIL the study to retrain: exit {p.returncode}: {p.stderr}")
    fails += 1
# gpbo run with a trainer section's train_size the data cannot give: the sweep's error, exit 2
# (it was 1, as for a missing file), naming the sweep file and the setting; no trial runs
big = os.path.join(tmp, "big.yaml")
with open(big, "w") as f:
    f.write("name: b\nmethod: grid\nmetric: {name: val_accuracy, goal: maximize}\n"
            "parameters:\n  lr: {values: [0.01]}\n"
            f"trainer: {{data_dir: '{tmp}', train_size: 151, val_size: 50, model: 'mlp:4', "
            "epochs: 1}\n")
p = subprocess.run([gpbo, "run", big, "--storage", "sqlite:///" + os.path.join(tmp, "big.db")],
                   capture_output=True, text=True, timeout=120)
if p.returncode != 2 or "big.yaml: trainer setting train_size 151" not in p.stderr or \
        "val_accuracy=" in p.stdout:
    print(f"FAIL gpbo run, train_size 151 of 200 with val_size 50: exit {p.returncode}: "
          f"{p.stderr} {p.stdout[-300:]}")
    fails += 1
for size, code, want in [("151", 2, "trainer setting train_size 151: with val_size 50"),
                         ("150", 0, "")]:
    p = subprocess.run([gpbo, "retrain", sweep, "--storage", db, "--train-size", size],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != code or want not in p.stderr or \
            (code == 0 and "trained on 150 images (50 more for validation)" not in p.stdout):
        print(f"FAIL retrain --train-size {size}: exit {p.returncode}: {p.stderr} {p.stdout}")
        fails += 1

# the same data set uncompressed, as many copies of (Fashion-)MNIST hold it: `gpbo train` looked
# for the .gz names only and said it could not open train-images-idx3-ubyte.gz, though the
# reader takes plain IDX files; now it takes NAME when NAME.gz is missing
plain = tempfile.mkdtemp(prefix="gpbo-train-cli-plain-")
for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]:
    with gzip.open(os.path.join(tmp, name + ".gz"), "rb") as src, \
            open(os.path.join(plain, name), "wb") as dst:
        dst.write(src.read())
rc, out, err = run(*small, "--train_size", "100", "--val_size", "50", data_dir=plain)
if rc != 0 or "val_accuracy=" not in out:
    print(f"FAIL uncompressed IDX files: exit {rc}: {err}")
    fails += 1
# the same run as from the .gz files (the same bytes)
rc_gz, out_gz, _ = run(*small, "--train_size", "100", "--val_size", "50", data_dir=tmp)
if out.split("seconds=")[0] != out_gz.split("seconds=")[0]:
    print(f"FAIL uncompressed and gzip files gave different runs:\n{out}\n{out_gz}")
    fails += 1
# the test set missing in both spellings: the error names the .gz file
rc, out, err = run(*small, "--train_size", "100", "--val_size", "50", "--test", "true",
                   data_dir=plain)
if rc != 1 or "t10k-images-idx3-ubyte.gz: cannot open" not in err:
    print(f"FAIL missing test set: exit {rc}: {err}")
    fails += 1
shutil.rmtree(plain)

# no hidden layer: model mlp (or "mlp:") trains a linear softmax classifier, (12 + 1) x 3
# parameters on these 4 x 3 images of 3 classes; its dropout is on the inputs (it used to be
# ignored: dropout 0.5 gave the run of dropout 0 to the last digit). hidden 16 with layers 0
# is refused, pointing at model mlp.
lin = [*small[2:], "--train_size", "100", "--val_size", "50", "--epochs", "3"]
outs = {}
for model, drop in [("mlp", "0"), ("mlp:", "0"), ("mlp", "0.5")]:
    rc, out, err = run(*lin, "--model", model, "--dropout", drop, data_dir=tmp)
    outs[model, drop] = out.split("seconds=")[0]
    if rc != 0 or "parameters=39\n" not in out:
        print(f"FAIL linear model {model!r} dropout {drop}: exit {rc}: {err} {out}")
        fails += 1
if outs["mlp", "0"] != outs["mlp:", "0"] or outs["mlp", "0"] == outs["mlp", "0.5"]:
    print(f"FAIL linear model: 'mlp' and 'mlp:' differ, or dropout changed nothing: {outs}")
    fails += 1
# early stopping watching the validation loss (it watched the accuracy alone): the run stops
# patience epochs after the epoch of the lowest loss it printed, and best_epoch names it; a value
# that is neither val_accuracy nor val_loss is refused, exit 2, naming the setting
expect(["--monitor", "val_acc"], 2,
       "trainer setting monitor: unknown value 'val_acc' (one of: val_accuracy val_loss)")
for mon in ["val_loss", "val_accuracy"]:
    rc, out, err = run(*small[:2], "--train_size", "100", "--val_size", "50", "--epochs", "40",
                       "--batch_size", "8", "--lr", "0.01", "--patience", "3", "--monitor", mon,
                       "--metric", mon, data_dir=tmp)
    curve = [float(l.split("=")[1].split()[0]) for l in out.split("\n") if " step=" in l]
    got = dict(l.split("=", 1) for l in out.split("\n") if "=" in l and " step=" not in l)
    ep, best = int(got.get("epochs", 0)), int(got.get("best_epoch", 0))
    pick = min if mon == "val_loss" else max
    if rc != 0 or len(curve) != ep or not 1 <= best <= ep or \
            curve[best - 1] != pick(curve) or curve.index(pick(curve)) != best - 1 or \
            not (ep == best + 3 or ep == 40) or abs(float(got[mon]) - curve[best - 1]) > 1e-6:
        print(f"FAIL --monitor {mon}: exit {rc}: {err} {out}")
        fails += 1
# a CNN with no dense hidden layer (convolution and pooling straight into the output layer):
# its dropout is on the flattened features that feed the output layer, as nn.Flatten(),
# nn.Dropout(p), nn.Linear (it used to be ignored: dropout 0.5 gave the run of dropout 0 to the
# last digit); parameters: the convolution's 2 x 9 + 2, the output layer's (2 x 2 x 1 + 1) x 3,
# and (2 x 4 x 3 + 1) x 3 with no pooling
cnn = {}
for model, drop, params in [("cnn:c2k3-p2", "0", 35), ("cnn:c2k3-p2", "0.5", 35),
                            ("cnn:c2k3", "0", 95), ("cnn:c2k3", "0.5", 95)]:
    rc, out, err = run(*lin, "--model", model, "--dropout", drop, data_dir=tmp)
    cnn[model, drop] = out.split("seconds=")[0]
    if rc != 0 or f"parameters={params}\n" not in out:
        print(f"FAIL CNN {model!r} dropout {drop}: exit {rc}: {err} {out}")
        fails += 1
for model in ("cnn:c2k3-p2", "cnn:c2k3"):
    if cnn[model, "0"] == cnn[model, "0.5"]:
        print(f"FAIL CNN {model!r}: dropout 0.5 changed nothing: {cnn[model, '0']}")
        fails += 1
rc, out, err = run(*lin, "--hidden", "16", "--layers", "0", data_dir=tmp)
if rc != 2 or "layers is 0" not in err or "give model mlp" not in err:
    print(f"FAIL hidden 16 layers 0: exit {rc}: {err}")
    fails += 1

# settings that depend on a searched one are taken by the sweep (some trials read them), and the
# trainer's C API refuses a config giving one it would not read: each trial where the searched
# value does not read it (adam beside the section's momentum, a fixed schedule beside gamma, no
# patience beside monitor, model mlp beside activation) must train without it, not fail saying
# "it would be ignored"; so must gpbo retrain of the study's best trial
sweep = os.path.join(tmp, "searched-parents.yaml")
with open(sweep, "w") as f:
    f.write("name: p\nmethod: grid\nmetric: {name: val_accuracy, goal: maximize}\n"
            "parameters:\n  optimizer: {values: [adam, sgd]}\n  schedule: {values: [fixed, step]}\n"
            "  patience: {values: [0, 2]}\n  model: {values: [mlp, 'mlp:4']}\n"
            f"trainer: {{data_dir: '{tmp}', val_size: 50, epochs: 2, momentum: 0.5, "
            "nesterov: true, gamma: 0.5, step_size: 1, monitor: val_loss, min_delta: 0.01, "
            "activation: tanh}\n")
db = "sqlite:///" + os.path.join(tmp, "searched-parents.db")
p = subprocess.run([gpbo, "run", sweep, "--storage", db], capture_output=True, text=True,
                   timeout=300)
t = subprocess.run([gpbo, "trials", "--storage", db], capture_output=True, text=True,
                   timeout=120)
rows = [l.split() for l in t.stdout.splitlines()[1:] if l.strip()]
states = [r[1] for r in rows]
if p.returncode != 0 or IGNORED in p.stdout + p.stderr or len(rows) != 16 or \
        set(states) != {"complete"}:
    print(f"FAIL searched parents: exit {p.returncode}: {p.stderr[-600:]}\n{t.stdout}{t.stderr}")
    fails += 1
p = subprocess.run([gpbo, "retrain", sweep, "--storage", db, "--train-size", "150"],
                   capture_output=True, text=True, timeout=120)
if p.returncode != 0 or IGNORED in p.stderr:
    print(f"FAIL retrain of searched parents: exit {p.returncode}: {p.stderr} {p.stdout}")
    fails += 1
shutil.rmtree(tmp)

# 2^53 and 2^53 + 1: they used to go through a double and became the same seed
fm = "/usr/share/datasets/fashion-mnist"
if os.path.exists(os.path.join(fm, "train-images-idx3-ubyte.gz")):
    common = ["--train_size", "300", "--val_size", "100", "--model", "mlp:8", "--epochs", "1",
              "--dropout", "0.5"]
    outs = []
    for seed in ["9007199254740992", "9007199254740993"]:
        rc, out, err = run(*common, "--seed", seed, data_dir=fm)
        outs.append(out.split("seconds=")[0])
        if rc != 0:
            print(f"FAIL seed {seed}: exit {rc}: {err}")
            fails += 1
    if outs[0] == outs[1]:
        print("FAIL seeds 2^53 and 2^53 + 1 gave the same run:\n" + outs[0])
        fails += 1
    # --threads is the count the run splits its batches over: the same run as
    # OPENBLAS_NUM_THREADS of that count without it (the two counts give different runs here,
    # so a --threads that was ignored would show)
    common = ["--train_size", "3000", "--val_size", "500", "--model", "mlp:512-256", "--epochs",
              "3", "--lr", "0.01", "--seed", "3"]
    by_env = {t: run(*common, data_dir=fm, blas_threads=t)[1].split("seconds=")[0]
              for t in ["1", "2"]}
    if by_env["1"] == by_env["2"]:
        print("note: 1 and 2 threads gave the same run here; --threads against them not checked")
    for t, other in [("1", "2"), ("2", "1")] if by_env["1"] != by_env["2"] else []:
        rc, out, err = run(*common, "--threads", t, data_dir=fm, blas_threads=other)
        if rc != 0 or out.split("seconds=")[0] != by_env[t]:
            print(f"FAIL --threads {t} under OPENBLAS_NUM_THREADS={other}: exit {rc} {err}\n"
                  f"{out}\nwanted\n{by_env[t]}")
            fails += 1
    # a learning rate that makes SGD diverge: a failure with the reason, not scores of NaN
    rc, out, err = run("--train_size", "300", "--val_size", "100", "--model", "mlp:32",
                       "--optimizer", "sgd", "--lr", "1e7", "--epochs", "10", data_dir=fm)
    if rc != 1 or "training diverged in epoch" not in err or "val_accuracy=" in out:
        print(f"FAIL diverging run: exit {rc}, stdout {out!r}, stderr {err!r}")
        fails += 1

print("ok" if fails == 0 else f"{fails} failure(s)")
sys.exit(1 if fails else 0)
