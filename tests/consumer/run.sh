#!/usr/bin/env bash
# Installs the gpbo build tree into a scratch prefix, then builds and runs tests/consumer against
# it twice: through find_package(gpbo COMPONENTS ...) and through pkg-config; given the examples
# folder, builds and runs examples/gp_regression.c and study_branin.c both ways too, each linked
# to only the library it shows (gpbo::gp, gpbo::search), as the README tells users to.
# Usage: run.sh BUILD_DIR WORK_DIR CC "mod1;mod2;..." [EXTRA_CFLAGS] [EXAMPLES_DIR]
set -euo pipefail
build=$1 work=$2 cc=$3 modules=$4 extra=${5:-} examples=${6:-}
src=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
test -f "$prefix/include/gpbo/gpbo.h"
test -f "$prefix/lib/cmake/gpbo/gpboConfig.cmake" || test -f "$prefix"/lib/*/cmake/gpbo/gpboConfig.cmake

echo "== CMake package, components: $modules"
cmake -S "$src" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" \
  -DGPBO_TEST_COMPONENTS="$modules" -DGPBO_EXAMPLES_DIR="$examples" >"$work/cmake-configure.log"
cmake --build "$work/cmake-build" >"$work/cmake-build.log"
"$work/cmake-build/consumer"
# A short study (2 Bayesian trials after the 10 initial ones) proves the link, not the search.
if [ -n "$examples" ]; then
  "$work/cmake-build/gp_regression" "$work/model-cmake.json" | tail -n 1
  "$work/cmake-build/study_branin" :memory: 12 | tail -n 1
fi

echo "== pkg-config"
libdir=$(dirname "$(find "$prefix" -name gpbo.pc | head -n 1)")
export PKG_CONFIG_PATH=$libdir
pcmods=""
defs=""
for m in ${modules//;/ }; do
  pcmods="$pcmods gpbo-$m"
  defs="$defs -DGPBO_HAVE_${m^^}"
done
# shellcheck disable=SC2086
"$cc" $extra $defs -o "$work/consumer-pc" "$src/main.c" $(pkg-config --cflags --libs $pcmods) \
  -Wl,-rpath,"$(dirname "$libdir")"
"$work/consumer-pc"
pkg-config --exists gpbo
if [ -n "$examples" ]; then
  for ex in gp_regression:gpbo-gp study_branin:gpbo-search; do
    # shellcheck disable=SC2046
    "$cc" $extra -o "$work/${ex%:*}-pc" "$examples/${ex%:*}.c" $(pkg-config --cflags --libs "${ex#*:}") \
      -lm -Wl,-rpath,"$(dirname "$libdir")"
  done
  "$work/gp_regression-pc" "$work/model-pc.json" | tail -n 1
  "$work/study_branin-pc" :memory: 12 | tail -n 1
fi
echo "installed consumer: ok"
