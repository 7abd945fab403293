#!/usr/bin/env bash
# Runs every harness that fuzz/CMakeLists.txt lists in BUILD/harnesses.txt for SECONDS each,
# nice'd, on a working corpus in BUILD/corpus/NAME seeded from fuzz/corpus/NAME and the other
# seed folders the harness lists. A crash, a
# leak or a slow input (over 10 s) leaves its input in BUILD/crashes/ and fails the run.
#   fuzz/run.sh BUILD SECONDS [extra libFuzzer flags]
set -uo pipefail
build=$1 seconds=$2
shift 2
status=0
mkdir -p "$build/crashes"
while read -r name seeds dict; do
  [ -n "$name" ] || continue
  work="$build/corpus/$name"
  mkdir -p "$work"
  flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
         -artifact_prefix="$build/crashes/$name-")
  [ -n "${dict:-}" ] && flags+=(-dict="$dict")
  echo "fuzz: $name for $seconds s (seeds $seeds)"
  dirs=("$work")
  IFS=: read -r -a seed_dirs <<< "$seeds"
  for s in "${seed_dirs[@]}"; do
    [ -d "$s" ] && dirs+=("$s")
  done
  if ! nice -n 10 "$build/$name" "${flags[@]}" "$@" "${dirs[@]}"; then
    echo "fuzz: $name FAILED; inputs in $build/crashes/" >&2
    status=1
  fi
done < "$build/harnesses.txt"
exit $status
