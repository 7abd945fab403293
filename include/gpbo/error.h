/*
 * gpbo/error.h: status codes and the per-thread last-error message shared by every gpbo module.
 *
 * Every gpbo function that can fail returns an int status (GPBO_OK or a negative code below) or
 * a pointer that is NULL on failure. In both cases a human-readable message describing what went
 * wrong is kept for the calling thread and can be read with gpbo_error_message() until the next
 * failing gpbo call on that thread. Library code never prints and never aborts.
 *
 * Memory: what a gpbo function hands out is given back to gpbo, never to the caller's free():
 * an object to its own gpbo_X_free() (gpbo_gp_free, gpbo_space_free, ...; a study to
 * gpbo_study_close), which accepts NULL; any other buffer returned for the caller to own (the
 * strings of gpbo_gp_to_string and gpbo_space_to_json, gpbo_study_list's names) to
 * gpbo_free(). Pointers documented as borrowed are not freed at all.
 *
 * Callbacks: a function the caller hands to gpbo returns 0 to go on; any other value stops the
 * call that invoked it, which returns GPBO_EUSER with a message naming the callback and the
 * value it returned (an objective of gpbo_study_optimize differs only in that a non-zero
 * return fails that one trial, recorded with its reason, and the study goes on).
 */
#ifndef GPBO_ERROR_H
#define GPBO_ERROR_H

#include "gpbo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes. Zero is success, negative values are failures. */
typedef enum gpbo_status {
    GPBO_OK = 0,
    GPBO_EINVAL = -1,      /**< an argument or an input value is invalid */
    GPBO_ENOMEM = -2,      /**< memory allocation failed */
    GPBO_ENOTPD = -3,      /**< a matrix is not positive definite, even with jitter */
    GPBO_ESTORAGE = -4,    /**< the study storage failed (database error, schema mismatch) */
    GPBO_EUSER = -5,       /**< a user callback asked to stop */
    GPBO_EIO = -6,         /**< a file could not be read or written */
    GPBO_EFORMAT = -7,     /**< a file or a stream is malformed */
    GPBO_ENOTFOUND = -8,   /**< a named object (study, trial, parameter) does not exist */
    GPBO_ESTATE = -9,      /**< the object is not in a state that allows this call */
    GPBO_EOPTIM = -10,     /**< a numerical optimizer failed */
    GPBO_EEXHAUSTED = -11, /**< nothing is left to propose (a finished grid, a spent budget) */
    GPBO_ESYSTEM = -12,    /**< an operating-system call failed (fork, exec, pipe, ...) */
    GPBO_ETIMEOUT = -13    /**< an operation ran past its time limit */
} gpbo_status;

/**
 * @return a short static description of a status code ("invalid argument" for GPBO_EINVAL);
 *         "unknown error" for a code gpbo does not define. This function cannot fail.
 */
GPBO_API const char *gpbo_strerror(int code);

/**
 * @return the message of the last failure on the calling thread, or "" when there was none
 *         since the thread started or since gpbo_error_clear(). The pointer stays valid until
 *         the next gpbo call on this thread. Thread-safety: per thread.
 */
GPBO_API const char *gpbo_error_message(void);

/** @return the status code of the last failure on the calling thread, GPBO_OK if none. */
GPBO_API int gpbo_error_code(void);

/** Forget the calling thread's last failure. This function cannot fail. */
GPBO_API void gpbo_error_clear(void);

/**
 * Releases a buffer that a gpbo function returned for the caller to own (a string of
 * gpbo_gp_to_string or gpbo_space_to_json). Accepts NULL. This function cannot fail.
 */
GPBO_API void gpbo_free(void *ptr);

/**
 * Receives a warning: something the caller may want to know about a call that succeeded (for
 * now: OpenBLAS running its generic pre-AVX2 kernels on a CPU that has AVX2 and FMA, which makes
 * every GP fit and training step 2-3.5x slower than it could be). message is one line, borrowed
 * for the call. Library code never prints: without a handler, warnings are dropped.
 */
typedef void (*gpbo_warning_handler)(void *payload, const char *message);

/**
 * Sets the process-wide warning handler (NULL: drop warnings, the default) and the payload it is
 * called with. Thread-safety: may be called from any thread; the handler is called from the
 * thread that made the call that warns, one warning at a time across the process, so it needs
 * no lock of its own. It must not call gpbo functions.
 * @return the previous handler. This function cannot fail.
 */
GPBO_API gpbo_warning_handler gpbo_set_warning_handler(gpbo_warning_handler handler, void *payload);

/** @return the library version as "MAJOR.MINOR.PATCH". This function cannot fail. */
GPBO_API const char *gpbo_version(void);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_ERROR_H */
