/*
 * gpbo/export.h: the symbol-visibility macro every public declaration carries.
 *
 * gpbo's libraries are built with hidden visibility by default, so only names marked GPBO_API
 * leave a shared library. Define GPBO_STATIC when linking a static build of gpbo on a platform
 * where the distinction matters.
 */
#ifndef GPBO_EXPORT_H
#define GPBO_EXPORT_H

#if defined(GPBO_STATIC)
#define GPBO_API
#elif defined(_WIN32)
#if defined(GPBO_BUILDING)
#define GPBO_API __declspec(dllexport)
#else
#define GPBO_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define GPBO_API __attribute__((visibility("default")))
#else
#define GPBO_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#define GPBO_PRINTF_LIKE(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define GPBO_PRINTF_LIKE(fmt_index, first_arg)
#endif

#endif /* GPBO_EXPORT_H */
