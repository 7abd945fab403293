/*
 * blas.h: the gpbo command's BLAS start-up check (re-executing itself once on the kernels the
 * CPU can run when OpenBLAS fell back to its generic ones) and the report of what it runs on.
 */
#ifndef GPBO_CLI_BLAS_H
#define GPBO_CLI_BLAS_H

#include <stdio.h>

/* Call first thing in main, before any output or thread. When OpenBLAS runs a pre-AVX2 core
 * (e.g. "Prescott", its fallback for CPUs it does not recognize) on a CPU with AVX2 and FMA,
 * and the user has not set OPENBLAS_CORETYPE, re-executes the program once with
 * OPENBLAS_CORETYPE=Haswell and the same argv; the new process restores the user's
 * environment (child programs see it unchanged) and remembers what happened for
 * blas_report(). Returns normally when no re-exec is needed or when it failed (the failure is
 * recorded for blas_report); does not return when the re-exec succeeds. When it returns,
 * OpenBLAS's worker threads are stopped: they would spin ~0.1 s of CPU for nothing in a
 * process that makes no BLAS call, and OpenBLAS starts them again at the first call that runs
 * on more than one thread. */
void blas_startup(char **argv);

/* Prints, one fact a line: the BLAS library and its build, the kernels (core) and threads in
 * use, the CPU's vector features, and whether and why the command re-executed itself. */
void blas_report(FILE *f);

#endif
