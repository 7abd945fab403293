/*
 * error.c: gpbo's status codes and the per-thread last-error message.
 *
 * The message lives in thread-local storage so that distinct threads using distinct gpbo objects
 * never see each other's failures and no lock is needed. Warnings go to one process-wide handler
 * under a lock (they are rare: a few per process).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpbo/sys/error.h"

#define GPBO_ERROR_MSG_MAX 1024

static _Thread_local int last_code = GPBO_OK;
static _Thread_local char last_msg[GPBO_ERROR_MSG_MAX];

const char *gpbo_strerror(int code)
{
    switch (code) {
    case GPBO_OK:
        return "success";
    case GPBO_EINVAL:
        return "invalid argument";
    case GPBO_ENOMEM:
        return "out of memory";
    case GPBO_ENOTPD:
        return "matrix not positive definite";
    case GPBO_ESTORAGE:
        return "storage error";
    case GPBO_EUSER:
        return "stopped by a user callback";
    case GPBO_EIO:
        return "input/output error";
    case GPBO_EFORMAT:
        return "malformed input";
    case GPBO_ENOTFOUND:
        return "not found";
    case GPBO_ESTATE:
        return "invalid state for this call";
    case GPBO_EOPTIM:
        return "optimizer failure";
    case GPBO_EEXHAUSTED:
        return "nothing left to propose";
    case GPBO_ESYSTEM:
        return "system call failed";
    case GPBO_ETIMEOUT:
        return "timed out";
    default:
        return "unknown error";
    }
}

const char *gpbo_error_message(void)
{
    return last_msg;
}

int gpbo_error_code(void)
{
    return last_code;
}

void gpbo_error_clear(void)
{
    last_code = GPBO_OK;
    last_msg[0] = '\0';
}

int gpbo_error_setv(int code, const char *fmt, va_list ap)
{
    last_code = code;
    if (fmt == NULL) {
        snprintf(last_msg, sizeof last_msg, "%s", gpbo_strerror(code));
        return code;
    }
    /* formatted apart first: an argument may be the current message itself ("%s: more",
     * gpbo_error_message()), and vsnprintf into the buffer it reads is undefined */
    char msg[sizeof last_msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    memcpy(last_msg, msg, sizeof msg);
    return code;
}

int gpbo_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gpbo_error_setv(code, fmt, ap);
    va_end(ap);
    return code;
}

int gpbo_error_prefix(const char *fmt, ...)
{
    char pre[GPBO_ERROR_MSG_MAX]; /* formatted apart, as gpbo_error_setv does */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof pre ? (size_t)n : sizeof pre - 1;
    size_t keep = strnlen(last_msg, sizeof last_msg - 1 - len);
    memmove(last_msg + len, last_msg, keep);
    memcpy(last_msg, pre, len);
    last_msg[len + keep] = '\0';
    return last_code;
}

const char *gpbo_version(void)
{
    return GPBO_VERSION_STRING;
}

/* One allocator on both sides: the string came from this library's malloc, so it goes back
 * through this library's free, whatever allocator the caller's code is linked with. */
void gpbo_free(void *ptr)
{
    free(ptr);
}

static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static gpbo_warning_handler warn_handler;
static void *warn_payload;

gpbo_warning_handler gpbo_set_warning_handler(gpbo_warning_handler handler, void *payload)
{
    pthread_mutex_lock(&warn_lock);
    gpbo_warning_handler old = warn_handler;
    warn_handler = handler;
    warn_payload = payload;
    pthread_mutex_unlock(&warn_lock);
    return old;
}

void gpbo_warn(const char *fmt, ...)
{
    char msg[GPBO_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&warn_lock);
    if (warn_handler != NULL)
        warn_handler(warn_payload, msg);
    pthread_mutex_unlock(&warn_lock);
}
