/*
 * gpbo/sys/error.h: recording failures, for gpbo's own modules and for code that extends gpbo
 * through what gpbo/sys/ publishes: a custom kernel (gpbo/sys/kernel.h) and options structs of
 * its own (gpbo/sys/options.h). Strategies and storage backends have internal interfaces only
 * (search/search_internal.h, search/bayes_internal.h); they are not an extension point.
 */
#ifndef GPBO_SYS_ERROR_H
#define GPBO_SYS_ERROR_H

#include <stdarg.h>

#include "gpbo/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Record a failure for the calling thread: the code and a printf-style message, which is
 * truncated to 1023 bytes if longer.
 * @return code, unchanged, so that a caller can write `return gpbo_error_set(GPBO_EINVAL, ...)`.
 * This function cannot fail.
 */
GPBO_API int gpbo_error_set(int code, const char *fmt, ...) GPBO_PRINTF_LIKE(2, 3);

/** As gpbo_error_set(), with a va_list. */
GPBO_API int gpbo_error_setv(int code, const char *fmt, va_list ap);

/**
 * Put a prefix in front of the calling thread's current message ("loading model.json: " + the
 * message), keeping its code. Used when a failure crosses a layer that knows more context.
 * @return the current code. This function cannot fail.
 */
GPBO_API int gpbo_error_prefix(const char *fmt, ...) GPBO_PRINTF_LIKE(1, 2);

/**
 * Send a warning (printf-style, truncated to 1023 bytes) to the handler set with
 * gpbo_set_warning_handler(), or drop it when there is none. Keeps the thread's last error.
 * This function cannot fail.
 */
GPBO_API void gpbo_warn(const char *fmt, ...) GPBO_PRINTF_LIKE(1, 2);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_SYS_ERROR_H */
