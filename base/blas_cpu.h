/*
 * blas_cpu.h: whether OpenBLAS runs slower kernels than the CPU allows. Debian 12's OpenBLAS
 * 0.3.21 does not recognize newer CPUs (AVX-512 Xeons in VMs among them) and falls back to
 * "Prescott", its generic SSE3 kernels: GP fits and training steps then run 2-3.5x slower. The
 * gpbo command re-executes itself with OPENBLAS_CORETYPE=Haswell then (cli/blas.c); a program
 * that links the libraries cannot change the kernels of a loaded OpenBLAS, so the libraries that
 * call BLAS (gp, trainer) warn once, through gpbo_warn(). An internal header, compiled into each
 * module that includes it (static inline), not installed; the includer links OpenBLAS.
 */
#ifndef GPBO_BLAS_CPU_H
#define GPBO_BLAS_CPU_H

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"

/* Test hook (tests/base/test_warning.c): set, a user's OPENBLAS_CORETYPE does not silence the
 * warning, so that OPENBLAS_CORETYPE=Prescott reproduces the fallback on any x86 machine. */
#define GPBO_BLAS_TEST_WARN "GPBO_BLAS_TEST_WARN"

/* Whether core is one of OpenBLAS 0.3.21's DYNAMIC_ARCH cores without AVX2 kernels. */
static inline int gpbo_blas_pre_avx2_core(const char *core)
{
    static const char *const old[] = {
        "Prescott",      "Core2",      "Penryn",    "Dunnington", "Nehalem",     "Atom",
        "Katmai",        "Coppermine", "Northwood", "Banias",     "Sandybridge", "Opteron",
        "Opteron(SSE3)", "Barcelona",  "Bobcat",    "Bulldozer",  "Piledriver",  "Steamroller"};
    for (size_t i = 0; core != NULL && i < sizeof old / sizeof *old; i++)
        if (strcmp(core, old[i]) == 0)
            return 1;
    return 0;
}

/* Whether the CPU and the OS support AVX2 and FMA (GCC's check includes the OS's XSAVE support
 * for the AVX state). */
static inline int gpbo_cpu_has_avx2_fma(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* Whether OpenBLAS fell back to slower kernels than this CPU runs, by its own choice (a user's
 * OPENBLAS_CORETYPE is a choice that stands). */
static inline int gpbo_blas_fell_back(void)
{
    const char *core = openblas_get_corename();
    if (!gpbo_blas_pre_avx2_core(core) || !gpbo_cpu_has_avx2_fma())
        return 0;
    return getenv("OPENBLAS_CORETYPE") == NULL || getenv(GPBO_BLAS_TEST_WARN) != NULL;
}

/* Warns when OpenBLAS fell back (who: what runs slower, "GP fits", "training steps"); each
 * module calls it once (pthread_once). */
static inline void gpbo_blas_warn_if_fallback(const char *who)
{
    if (gpbo_blas_fell_back())
        gpbo_warn("OpenBLAS runs its generic %s kernels on a CPU with AVX2 and FMA: %s run 2-3.5x "
                  "slower than they could; start the program with OPENBLAS_CORETYPE=Haswell (the "
                  "gpbo command does so by itself when OPENBLAS_CORETYPE is not set)",
                  openblas_get_corename(), who);
}

#endif /* GPBO_BLAS_CPU_H */
