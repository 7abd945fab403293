#!/bin/sh
# three_envs.sh ROUNDS CMD [ARGS...]: runs CMD under the three OpenBLAS environments of the
# figures, one after the other, ROUNDS times (interleaved, so that a change of load on a shared
# machine hits all three alike):
#   own       OpenBLAS's own choice from cpuid: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
#   Prescott  OPENBLAS_CORETYPE=Prescott, what Debian 12's OpenBLAS 0.3.21 falls back to on CPUs
#             it does not know
#   Haswell   OPENBLAS_CORETYPE=Haswell, the AVX2 + FMA kernels (this machine's pin, and what
#             `gpbo` re-executes itself with after a fallback)
# Only CMD's environment changes. trainer_bench and gp_fit_bench print the kernels they ran on.
set -eu
rounds=$1
shift
r=1
while [ "$r" -le "$rounds" ]; do
    echo "== round $r, OpenBLAS's own choice"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"
    echo "== round $r, OPENBLAS_CORETYPE=Prescott"
    env OPENBLAS_CORETYPE=Prescott "$@"
    echo "== round $r, OPENBLAS_CORETYPE=Haswell"
    env OPENBLAS_CORETYPE=Haswell "$@"
    r=$((r + 1))
done
