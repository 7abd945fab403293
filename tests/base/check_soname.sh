#!/usr/bin/env bash
# Fails unless every library given has the soname lib<name>.so.SOVERSION (docs/abi.md).
# Usage: check_soname.sh SOVERSION lib1.so [lib2.so ...]
set -u
want=$1
shift
bad=0
for lib in "$@"; do
  base=$(basename "$lib")
  soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  if [ "$soname" != "${base%%.so*}.so.$want" ]; then
    echo "FAIL $lib: soname '$soname', expected ${base%%.so*}.so.$want"
    bad=1
  else
    echo "ok   $lib: $soname"
  fi
done
exit $bad
