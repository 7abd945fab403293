/*
 * clockshift.c: an LD_PRELOAD library that moves a process's wall clock (CLOCK_REALTIME,
 * time(), gettimeofday()) by the number of seconds written in the file GPBO_CLOCKSHIFT_FILE
 * names, read again at every call: a test writes the file to make the clock jump under running
 * processes, as a laptop's resume or an NTP step does, without touching the machine's clock
 * (which needs CAP_SYS_TIME and would move every process's). The monotonic clocks are left as
 * they are, as a real jump leaves them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

/* The shift in seconds the file holds now (0 without one, or when it cannot be read). */
static double shift(void)
{
    const char *path = getenv("GPBO_CLOCKSHIFT_FILE");
    char buf[64];
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtod(buf, NULL);
}

static clock_gettime_fn real_clock_gettime(void)
{
    static clock_gettime_fn f;
    if (f == NULL)
        f = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    return f;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    int rc = real_clock_gettime()(id, ts);
    if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
        double s = shift();
        time_t whole = (time_t)s;
        long ns = ts->tv_nsec + (long)((s - (double)whole) * 1e9);
        ts->tv_sec += whole + (ns >= 1000000000L) - (ns < 0);
        ts->tv_nsec = ns >= 1000000000L ? ns - 1000000000L : ns < 0 ? ns + 1000000000L : ns;
    }
    return rc;
}

time_t time(time_t *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out)
        *out = ts.tv_sec;
    return ts.tv_sec;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}
