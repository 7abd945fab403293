#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, moves the prefix elsewhere, and runs what was
# installed from there with no LD_LIBRARY_PATH: the gpbo command (its RUNPATH is
# $ORIGIN/../lib) and the Python package (PYTHONPATH=<prefix>/lib/python3/dist-packages), which
# must load gpbo's libraries from the moved prefix, relative to itself (issues 19 and 21).
# With the source folder, also checks that `make install PREFIX=P` installs into P whatever
# prefix the build was configured with (make -n: the commands, none run).
# Usage: check_install.sh BUILD_DIR WORK_DIR PYTHON [SOURCE_DIR]
set -euo pipefail
build=$1 work=$2 python=$3 src=${4:-}
rm -rf "$work"
mkdir -p "$work"
if [ -n "$src" ]; then
  make -n -s -C "$src" install BUILD="$build" PREFIX="$work/elsewhere" >"$work/make-n.log"
  grep -qxF "cmake --install $build --prefix $work/elsewhere" "$work/make-n.log" || {
    echo "FAIL: make install PREFIX=... does not install there:" >&2
    cat "$work/make-n.log" >&2
    exit 1
  }
fi
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
mv "$work/prefix" "$work/moved"
prefix=$work/moved
unset LD_LIBRARY_PATH

for f in "$prefix/bin/gpbo" "$prefix"/lib*/libgpbo_search.so.*.*.*; do
  runpath=$(readelf -d "$f" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
  # every entry $ORIGIN-relative, but for the compiler's sanitizer runtime in a clang sanitizer
  # build (GPBO_SANITIZER_RPATH, set by tests/python/CMakeLists.txt only there)
  origin=0
  IFS=: read -r -a entries <<< "$runpath"
  for e in "${entries[@]}"; do
    case $e in
      '$ORIGIN'*) origin=1 ;;
      *) if [ -z "${GPBO_SANITIZER_RPATH:-}" ] || [ "$e" != "$GPBO_SANITIZER_RPATH" ]; then
           echo "FAIL: $f has RUNPATH '$runpath', not \$ORIGIN-relative" >&2; exit 1
         fi ;;
    esac
  done
  if [ "$origin" = 0 ]; then
    echo "FAIL: $f has RUNPATH '$runpath', no \$ORIGIN entry" >&2; exit 1
  fi
  echo "$(basename "$f"): RUNPATH $runpath"
done
"$prefix/bin/gpbo" --version | head -n 1

cd "$work" # not the source tree: the package must come from the prefix
PYTHONPATH="$prefix/lib/python3/dist-packages" GPBO_TEST_PREFIX="$prefix" "$python" - <<'PY'
import os
import numpy as np
import gpbo
from gpbo import gp

prefix = os.path.realpath(os.environ["GPBO_TEST_PREFIX"])
assert os.path.realpath(gpbo.__file__).startswith(prefix), gpbo.__file__
assert os.path.realpath(gpbo.libdir()).startswith(prefix), gpbo.libdir()
X = np.random.RandomState(0).uniform(size=(20, 2))
m = gp.GaussianProcessRegressor(n_restarts=0).fit(X, np.sin(X.sum(1)))
assert m.score(X, np.sin(X.sum(1))) > 0.9
s = gpbo.minimize(lambda p: (p["x"] - 0.3) ** 2, {"x": gpbo.Uniform(0, 1)}, n_trials=12, seed=1)
assert len(s.trials) == 12
maps = [l.split()[-1] for l in open("/proc/self/maps") if "libgpbo_" in l]
assert maps and all(os.path.realpath(p).startswith(prefix) for p in maps), maps
print("installed package: ok,", len(set(maps)), "gpbo libraries from", gpbo.libdir())
PY
