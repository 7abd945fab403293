#!/usr/bin/env bash
# Fails if a gpbo shared library exports a name that is not gpbo_*, or a module-internal
# gpbo_<module>__* name (those must have hidden visibility).
set -u
bad=0
for lib in "$@"; do
  syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWiu]$/ {print $3}')
  if [ -z "$syms" ]; then
    echo "FAIL $lib exports nothing"
    bad=1
    continue
  fi
  foreign=$(echo "$syms" | grep -v -E '^gpbo_' | grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$')
  internal=$(echo "$syms" | grep -E '^gpbo_[a-z0-9]+__')
  if [ -n "$foreign$internal" ]; then
    echo "FAIL $lib exports names outside gpbo_*:" $foreign $internal
    bad=1
  else
    echo "ok   $lib: $(echo "$syms" | wc -l) symbols, all gpbo_*"
  fi
done
exit $bad
