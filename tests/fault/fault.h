/*
 * fault.h: the malloc-failure harness of tests/fault/ (SQLite's way of testing allocation
 * failures): an allocation interposer that fails the k-th allocation made while it is armed,
 * and a driver that runs one call under test for k = 1, 2, ... until a run completes with no
 * injected failure.
 *
 * The interposer (fault.c) defines malloc, calloc, realloc, free, posix_memalign, aligned_alloc,
 * memalign, strdup and strndup in the test executable, so every allocation of gpbo and of the
 * libraries below it (OpenBLAS, NLopt, GSL, SQLite, jansson, libc's stdio) goes through it, and
 * forwards to the next definition (libc's, or ASan's in the sanitized build). It counts and
 * fails allocations only while armed, and only on the arming thread, and keeps the set of live
 * allocations made while armed, so the driver can tell a leak apart from memory the caller
 * legitimately still holds.
 *
 * For each k the driver builds the object under test (unarmed), arms, makes the call, disarms
 * and then checks (unarmed):
 *   - a call that failed saw an injected failure, returned one of the allowed codes
 *     (GPBO_ENOMEM, or GPBO_ESTORAGE where SQLite is below) with a non-empty message, left a
 *     fingerprint equal to the one before the call (the object is as it was), and, called
 *     again without failures, succeeds with the reference result;
 *   - a call that succeeded (an injected failure may have been absorbed) left exactly the
 *     reference fingerprint, the one of a run without failures;
 *   - once the object is freed, nothing allocated while armed is still live.
 * Problems are collected (up to a limit) and reported together, then the test fails.
 */
#ifndef GPBO_TEST_FAULT_H
#define GPBO_TEST_FAULT_H

#include <stddef.h>

/* ---- the interposer -------------------------------------------------------------------------- */

/* Starts counting allocations on this thread; the fail_at-th fails (0: none fails). Clears the
 * count, the injected flag and the set of live armed allocations. */
void fault_arm(long fail_at);

/* Stops counting (the live set is kept for fault_live()). */
void fault_disarm(void);

/* Allocations counted since the last fault_arm(). */
long fault_count(void);

/* 1 when the last armed period failed an allocation. */
int fault_injected(void);

/* 1 when the failed allocation came from a shared object whose name contains `name` and the
 * next allocation came from the same place: the library retried (NLopt's L-BFGS does, with
 * less memory, and then legitimately gives another result). */
int fault_retried_in(const char *name);

/* Allocations made while armed that are not freed yet. */
size_t fault_live(void);

/* Allocations whose caller is in a shared object whose file name contains `name` are neither
 * counted nor failed, from now on. OpenBLAS's never are: it exits the process when one fails.
 * See fault_gsl_handler_is_off() for GSL. */
void fault_skip_object(const char *name);

/* 1 when GSL's error handler is no longer its default (abort()): gpbo turned it off, so GSL's
 * allocations may fail. GSL need not be loaded (0 then). */
int fault_gsl_handler_is_off(void);

/* ---- fingerprints ---------------------------------------------------------------------------- */

/* Bytes that describe an object's observable state (predictions, trials, outputs). */
typedef struct fault_fp {
    unsigned char *b;
    size_t n, cap;
} fault_fp;

void fault_fp_add(fault_fp *fp, const void *data, size_t len);
void fault_fp_doubles(fault_fp *fp, const double *v, size_t n);
void fault_fp_str(fault_fp *fp, const char *s); /* NULL is recorded as such */
void fault_fp_size(fault_fp *fp, size_t v);
void fault_fp_free(fault_fp *fp);

/* ---- the driver ------------------------------------------------------------------------------ */

#define FAULT_ALLOW_ENOMEM   1u /* GPBO_ENOMEM */
#define FAULT_ALLOW_ESTORAGE 2u /* GPBO_ESTORAGE (SQLite below: SQLITE_NOMEM and friends) */

typedef struct fault_case {
    const char *name;
    /* Builds the state the call works on (unarmed); returns it, or NULL on failure. */
    void *(*setup)(void *ctx);
    /* The call under test: a gpbo status. */
    int (*call)(void *st);
    /* The observable state (unarmed). */
    void (*fingerprint)(void *st, fault_fp *fp);
    /* Frees everything setup and call made. */
    void (*teardown)(void *st);
    unsigned allow;       /* FAULT_ALLOW_* */
    void *ctx;            /* handed to setup */
    const char *retry_ok; /* a library whose retry after a failure may change the result
                             (fault_retried_in()), or NULL */
} fault_case;

/* Runs c for every k. @return the number of injection points (allocations the call makes),
 * or -1 after reporting problems (the caller fails the test). */
long fault_run(const fault_case *c);

/* Where scratch files go: a fresh directory, on tmpfs when there is one (fsync is free). */
const char *fault_tmpdir(void);

/* Total seconds spent in fault_run() so far (printed by the tests). */
double fault_seconds(void);

/* ---- test data ---------------------------------------------------------------------------------
 */

/* The 2-D problem of the gp and acquisition tests: n training points x (n x 2, spread by
 * golden-ratio steps) with values y, and m query points xq (m x 2). */
void fault_make_data(double *x, double *y, size_t n, double *xq, size_t m);

#endif
