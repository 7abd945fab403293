/*
 * blas.c: makes the gpbo command run on the BLAS kernels its CPU can run, and says which.
 *
 * OpenBLAS picks its kernels once, when the library loads, from cpuid, or from
 * OPENBLAS_CORETYPE when that names a core. Debian 12's OpenBLAS 0.3.21 does not know newer
 * CPUs (AVX-512 Xeons in VMs among them) and falls back to "Prescott", its SSE3 kernels: GP fits
 * and training steps then run 2-3.5x slower than the CPU allows. Nothing can change the kernels
 * of a loaded OpenBLAS, so the command re-executes itself, once, with OPENBLAS_CORETYPE=Haswell
 * (AVX2 + FMA kernels) when all of these hold:
 *   - OpenBLAS runs a core without AVX2 kernels (Prescott and the other pre-Haswell ones),
 *   - cpuid says the CPU and the OS support AVX2 and FMA,
 *   - the user has not set OPENBLAS_CORETYPE (a choice of theirs, Prescott included, stands),
 *   - GPBO_BLAS_REEXEC is not set (the marker this file sets for the new process: no loops).
 * Haswell rather than SkylakeX on AVX-512 CPUs: 0.3.21's SkylakeX/Cooperlake kernels are known
 * to misbehave on some of the CPUs it fails to recognize, and Haswell's are within ~10 % of them
 * on this project's benchmarks (bench/trainer, bench/gp_fit).
 * The new process gets the same argv and the same environment, less the two variables, which
 * it removes at once: programs it starts (objectives) see the user's environment unchanged.
 * The state below is process-wide on purpose: it describes how this process started.
 */
#include "blas.h"

#include <cblas.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/blas_cpu.h"
#include "gpbo/error.h"

#define MARKER "GPBO_BLAS_REEXEC"
/* Test hooks (tests/cli/test_blas_report.py): with GPBO_BLAS_TEST_TARGET=CORE, a user's
 * OPENBLAS_CORETYPE is ignored and CORE is the core to re-execute with, so that the re-exec and
 * its loop guard run on any machine (this one's OpenBLAS recognizes its CPU); with
 * GPBO_BLAS_TEST_EXE=PATH too, the re-exec runs PATH instead of /proc/self/exe (a failing exec). */
#define TEST_TARGET "GPBO_BLAS_TEST_TARGET"
#define TEST_EXE    "GPBO_BLAS_TEST_EXE"
/* the user's OPENBLAS_CORETYPE across the re-exec, when it was set (only the test hook lets a
 * set one through) */
#define ORIG "GPBO_BLAS_REEXEC_CORETYPE"

static char reexec_from[64];   /* the core OpenBLAS chose by itself, when we re-executed */
static char reexec_to[64];     /* and the core we asked for */
static char reexec_error[256]; /* why a re-exec that was due did not happen */

/* OpenBLAS's pthreads build (Debian's default) joins its worker threads; it starts them again
 * by itself at its next call that runs on more than one thread (the same path as after its own
 * fork handler). Weak: the OpenMP and serial builds have no such function. */
int blas_thread_shutdown_(void) __attribute__((weak));

/* OpenBLAS starts its worker threads when it loads, and each spins (sched_yield) for about
 * 2^28 cycles (~0.1 s) waiting for work before it sleeps: ~0.13 s of CPU a gpbo process
 * (`gpbo run` of two 1-s trials: 0.15 s of CPU against 0.02 s without the threads), taken from
 * the objectives and the other workers on the same cores. Most commands never call BLAS in
 * this process (`gpbo run` proposes in a forked proposer; random search, best, trials, export
 * none at all), so the threads are stopped here and come back at the first call that wants
 * them. */
static void stop_idle_blas_threads(void)
{
    if (blas_thread_shutdown_ != NULL)
        blas_thread_shutdown_();
}

/* Puts OPENBLAS_CORETYPE back as the user had it (saved in ORIG, when it was set at all). */
static void restore_coretype(void)
{
    const char *orig = getenv(ORIG);
    if (orig != NULL)
        setenv("OPENBLAS_CORETYPE", orig, 1);
    else
        unsetenv("OPENBLAS_CORETYPE");
    unsetenv(ORIG);
    unsetenv(MARKER);
}

/* Re-executes the program on Haswell's kernels when due (see the top of this file); returns
 * when not due, or when the re-exec failed (recorded), or in the re-executed process. */
static void reexec_if_generic(char **argv)
{
    const char *marker = getenv(MARKER);
    if (marker != NULL) {
        /* we are the re-executed process: note what happened, restore the user's environment */
        const char *to = getenv("OPENBLAS_CORETYPE");
        snprintf(reexec_from, sizeof reexec_from, "%s", marker[0] ? marker : "?");
        snprintf(reexec_to, sizeof reexec_to, "%s", to ? to : "?");
        restore_coretype();
        return;
    }
    const char *test = getenv(TEST_TARGET);
    const char *core = openblas_get_corename();
    if (core == NULL || !gpbo_blas_pre_avx2_core(core) || !gpbo_cpu_has_avx2_fma())
        return;
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (test == NULL && user != NULL)
        return;
    const char *target = test != NULL ? test : "Haswell";
    const char *exe =
        test != NULL && getenv(TEST_EXE) != NULL ? getenv(TEST_EXE) : "/proc/self/exe";
    if ((user != NULL && setenv(ORIG, user, 1) != 0) || setenv(MARKER, core, 1) != 0 ||
        setenv("OPENBLAS_CORETYPE", target, 1) != 0) {
        snprintf(reexec_error, sizeof reexec_error, "setenv: %s", strerror(errno));
    } else {
        fflush(NULL);
        execv(exe, argv);
        snprintf(reexec_error, sizeof reexec_error, "execv %s: %s", exe, strerror(errno));
    }
    /* the re-exec failed: carry on with OpenBLAS's kernels and the user's environment */
    restore_coretype();
}

void blas_startup(char **argv)
{
    reexec_if_generic(argv);
    stop_idle_blas_threads();
}

void blas_report(FILE *f)
{
    const char *core = openblas_get_corename();
    int par = openblas_get_parallel();
    fprintf(f, "gpbo %s\n", gpbo_version());
    fprintf(f, "blas: %s\n", openblas_get_config());
    fprintf(f, "blas kernels: %s\n", core ? core : "?");
    fprintf(f, "blas threads: %d (%s)\n", openblas_get_num_threads(),
            par == 0   ? "sequential"
            : par == 1 ? "pthreads"
                       : "OpenMP");
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    fprintf(f, "cpu: avx2 %s, fma %s, avx512f %s\n", __builtin_cpu_supports("avx2") ? "yes" : "no",
            __builtin_cpu_supports("fma") ? "yes" : "no",
            __builtin_cpu_supports("avx512f") ? "yes" : "no");
#else
    fprintf(f, "cpu: not x86\n");
#endif
    if (reexec_from[0] != '\0') {
        int still = core == NULL || gpbo_blas_pre_avx2_core(core);
        fprintf(f,
                "blas re-exec: yes: OpenBLAS chose %s on a CPU with AVX2 and FMA; gpbo re-ran "
                "itself with OPENBLAS_CORETYPE=%s%s (set OPENBLAS_CORETYPE yourself to choose)\n",
                reexec_from, reexec_to,
                still ? ", but OpenBLAS still runs its generic kernels" : "");
    } else if (reexec_error[0] != '\0') {
        fprintf(f, "blas re-exec: failed (%s); running OpenBLAS's own choice\n", reexec_error);
    } else if (getenv("OPENBLAS_CORETYPE") != NULL) {
        fprintf(f, "blas re-exec: no: OPENBLAS_CORETYPE=%s is set by the user\n",
                getenv("OPENBLAS_CORETYPE"));
    } else {
        fprintf(f, "blas re-exec: no: OpenBLAS's own choice suits this CPU\n");
    }
    const char *env = getenv("OPENBLAS_CORETYPE");
    fprintf(f, "OPENBLAS_CORETYPE: %s\n", env ? env : "(not set)");
}
