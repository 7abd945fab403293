#!/usr/bin/env bash
# bench/pruning: does pruning pay on the Fashion-MNIST demo sweep? Runs the sweep with its
# hyperband early termination and without it, for seeds 1..3, and prints for each run the best
# validation accuracy, the training epochs spent (one intermediate value is stored per epoch)
# and the wall time; then the mean gap in accuracy and the ratio of epochs.
# Usage: [SEEDS="1 2 3"] [JOBS=2] bench/pruning/run.sh [BUILD_DIR] [OUT_DIR]   (2 runs of the demo a seed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
out=${2:-$build/pruning}
gpbo=$build/cli/gpbo
sweep=$top/examples/fashion-mnist/sweep.yaml
mkdir -p "$out"
# the same sweep without its early_terminate section
awk '/^early_terminate:/ {skip=1; next} skip && /^  / {next} {skip=0; print}' "$sweep" \
    > "$out/noprune.yaml"
# the kernels the runs train on, as gpbo itself reports them (it re-executes itself on Haswell
# after a fallback: cli/blas.c), so that the figures say which ran
"$gpbo" --version | grep -E '^(gpbo |blas kernels|blas threads|blas re-exec)'
printf '%-8s %4s %14s %8s %8s\n' mode seed val_accuracy epochs seconds
for seed in ${SEEDS:-1 2 3}; do
  for mode in prune noprune; do
    file=$sweep
    [ "$mode" = noprune ] && file=$out/noprune.yaml
    db=$out/$mode-$seed.db
    rm -rf "$db" "$db-wal" "$db-shm" "$out/$mode-$seed.runs"
    t0=$(date +%s)
    "$gpbo" run "$file" --storage "$db" --seed "$seed" --jobs "${JOBS:-2}" > "$out/$mode-$seed.log" 2>&1
    t1=$(date +%s)
    /usr/bin/python3 - "$db" "$mode" "$seed" "$((t1 - t0))" <<'PY'
import sqlite3, sys
db, mode, seed, secs = sys.argv[1:5]
con = sqlite3.connect(db)
best = con.execute("SELECT MAX(value) FROM trials WHERE state = 1").fetchone()[0]
epochs = con.execute("SELECT COUNT(*) FROM intermediate").fetchone()[0]
print(f"{mode:8s} {seed:>4s} {best:14.4f} {epochs:8d} {secs:>8s}")
PY
  done
done | tee "$out/results.txt"
/usr/bin/python3 - "$out/results.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
p = {r[1]: (float(r[2]), int(r[3])) for r in rows if r[0] == "prune"}
n = {r[1]: (float(r[2]), int(r[3])) for r in rows if r[0] == "noprune"}
gap = [100 * (n[s][0] - p[s][0]) for s in p]
ratio = sum(p[s][1] for s in p) / sum(n[s][1] for s in n)
print(f"accuracy lost to pruning (points): " + " ".join(f"{g:+.2f}" for g in gap)
      + f"; worst {max(gap):+.2f}")
print(f"epochs with pruning / without: {ratio:.2f}")
PY
