#!/usr/bin/env bash
# Installs the build tree into a scratch prefix and checks its pkg-config files as a user on a
# machine without the third-party .pc files would see them (issue 21): PKG_CONFIG_LIBDIR holds
# only gpbo's own folder, so lapacke/openblas/nlopt/jansson/... .pc files are out of sight.
# Every gpbo*.pc must resolve, print only flags into the prefix (no -I.../openblas-pthread/),
# keep the third-party libraries in Libs.private (--static shows them, shared linking does not),
# and a tiny program linked with exactly the flags gpbo-gp prints must build and run.
# Usage: check_pkgconfig.sh BUILD_DIR WORK_DIR CC [SANITIZE_FLAGS]
# SANITIZE_FLAGS: the sanitizer build's -fsanitize=..., so that the tiny program links the
# runtime the instrumented libraries need (as installed_consumer does).
set -euo pipefail
build=$1 work=$2 cc=$3 san=${4:-}
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
pcdir=$(dirname "$(find "$prefix" -name gpbo-gp.pc | head -n 1)")
unset PKG_CONFIG_PATH
export PKG_CONFIG_LIBDIR=$pcdir
real_prefix=$(cd "$prefix" && pwd -P)

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

n=0
for pc in "$pcdir"/gpbo*.pc; do
  mod=$(basename "$pc" .pc)
  flags=$(pkg-config --cflags --libs "$mod") || fail "pkg-config --cflags --libs $mod"
  for f in $flags; do
    case $f in
      -I* | -L*)
        dir=$(cd "${f:2}" 2>/dev/null && pwd -P) || fail "$mod: $f is not a folder"
        [[ $dir == "$real_prefix"/* ]] || fail "$mod: $f points outside the prefix"
        ;;
      -lgpbo_*) ;;
      *) fail "$mod: unexpected flag '$f' in shared flags: $flags" ;;
    esac
  done
  n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "found only $n gpbo .pc files in $pcdir"
echo "$n pkg-config files resolve with no third-party .pc file, flags inside the prefix"

static=$(pkg-config --static --libs gpbo-gp)
for lib in -llapacke -lopenblas -lnlopt -ljansson -lgpbo_base; do
  [[ " $static " == *" $lib "* ]] || fail "gpbo-gp --static lacks $lib: $static"
done
echo "gpbo-gp --static: $static"

cat >"$work/tiny.c" <<'C'
#include <stdio.h>
#include <gpbo/gp.h>
int main(void)
{
    double x[3] = {0.0, 0.5, 1.0}, y[3] = {0.0, 1.0, 0.0}, xq = 0.5, mean, var;
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 1);
    if (gp == NULL || gpbo_gp_set_data(gp, 3, x, y) != GPBO_OK ||
        gpbo_gp_predict(gp, 1, &xq, &mean, &var) != GPBO_OK || !(mean > 0.5))
        return 1;
    gpbo_gp_free(gp);
    printf("tiny: mean %.3f at 0.5\n", mean);
    return 0;
}
C
# shellcheck disable=SC2046
# shellcheck disable=SC2086
"$cc" $san -o "$work/tiny" "$work/tiny.c" $(pkg-config --cflags --libs gpbo-gp) \
  -Wl,-rpath,"$(dirname "$pcdir")"
"$work/tiny"
echo "pkg-config: ok"
