/*
 * fault.c: the allocation interposer and the driver of the malloc-failure harness (fault.h).
 *
 * The allocation functions defined here take precedence over libc's (and over ASan's) for the
 * whole process, because the executable comes first in the dynamic linker's search order. They
 * find the next definition with dlsym(RTLD_NEXT); dlsym may itself allocate before that is
 * known, which a small static bootstrap buffer serves. Pointers never carry a header: what
 * comes back is the next allocator's own pointer, so malloc_usable_size and ASan's checks stay
 * valid. The set of live armed allocations is an open-addressing table in static memory whose
 * entries are stored XOR-ed with a constant, so that LeakSanitizer does not take them for
 * references and still sees a leak.
 */
#define _GNU_SOURCE
#include "fault.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gpbo/error.h"

/* ---- forwarding ------------------------------------------------------------------------------ */

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);
static void *(*next_memalign)(size_t, size_t);

/* Allocations made before main() (the dynamic linker's, library constructors', dlsym's own)
 * come from this static buffer and are never freed: under ASan the next allocator cannot be
 * called before ASan has initialized itself, which happens during those very constructors.
 * Each block has a 64-byte header holding its size (for realloc). */
static _Alignas(64) unsigned char boot[8u << 20];
static size_t boot_used;
static int resolving, ready;

#define BOOT_HDR 64

static void *boot_alloc(size_t n)
{
    size_t off = (boot_used + 63) & ~(size_t)63;
    if (off + BOOT_HDR + n > sizeof boot) {
        static const char msg[] = "fault: bootstrap buffer exhausted\n";
        (void)!write(2, msg, sizeof msg - 1);
        abort();
    }
    boot_used = off + BOOT_HDR + n;
    memcpy(boot + off, &n, sizeof n);
    return boot + off + BOOT_HDR; /* static storage is zero */
}

static int from_boot(const void *p)
{
    return (const unsigned char *)p >= boot && (const unsigned char *)p < boot + sizeof boot;
}

static size_t boot_size(const void *p)
{
    size_t n;
    memcpy(&n, (const unsigned char *)p - BOOT_HDR, sizeof n);
    return n;
}

/* main() is near: every library (ASan's runtime among them) has initialized. */
__attribute__((constructor)) static void fault_ready(void)
{
    ready = 1;
}

#define RESOLVE(var, name) (var = (__typeof__(var))dlsym(RTLD_NEXT, name))

static void resolve(void)
{
    if (next_free != NULL || resolving || !ready)
        return;
    resolving = 1;
    RESOLVE(next_malloc, "malloc");
    RESOLVE(next_calloc, "calloc");
    RESOLVE(next_realloc, "realloc");
    RESOLVE(next_posix_memalign, "posix_memalign");
    RESOLVE(next_aligned_alloc, "aligned_alloc");
    RESOLVE(next_memalign, "memalign");
    RESOLVE(next_free, "free");
    resolving = 0;
}

/* ---- counting and the live set --------------------------------------------------------------- */

/* Only the thread that armed counts (OpenBLAS or SQLite threads, if any, never fail). */
static _Thread_local int armed;
static _Thread_local int in_hook; /* dladdr inside the hook must not recurse into it */
static long fail_at, count;
static int injected;
/* OpenBLAS cannot report an allocation failure: a threaded level-3 driver (dsyrk under dpotrf,
 * even with one thread) prints "OpenBLAS: malloc failed" and exits the process. Its
 * allocations are therefore never failed. GSL's may be added (fault_skip_object()). */
#define MAX_SKIP 4
static const char *skip_names[MAX_SKIP] = {"libopenblas"};
static long trace_at = -1;
static void *injected_ra; /* the caller of the failed allocation */
static int retried;       /* ... which allocated again at once from the same place */

#define LIVE_CAP  (1u << 16)
#define LIVE_MASK ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
#define EMPTY     ((uintptr_t)0)
#define TOMB      ((uintptr_t)1)
static uintptr_t live[LIVE_CAP];
static size_t nlive, nused; /* live entries; live + tombstones */

static size_t slot_of(uintptr_t key)
{
    key ^= key >> 17;
    key *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return (size_t)(key >> 20) & (LIVE_CAP - 1);
}

static void live_add(void *p)
{
    uintptr_t key = (uintptr_t)p ^ LIVE_MASK;
    if (nused + 1 > LIVE_CAP / 2) {
        static const char msg[] = "fault: too many live armed allocations\n";
        (void)!write(2, msg, sizeof msg - 1);
        abort();
    }
    size_t i = slot_of(key);
    while (live[i] != EMPTY && live[i] != TOMB)
        i = (i + 1) & (LIVE_CAP - 1);
    if (live[i] == EMPTY)
        nused++;
    live[i] = key;
    nlive++;
}

/* Removes p from the set; returns 1 when it was there. */
static int live_remove(const void *p)
{
    if (nlive == 0 || p == NULL)
        return 0;
    uintptr_t key = (uintptr_t)p ^ LIVE_MASK;
    for (size_t i = slot_of(key); live[i] != EMPTY; i = (i + 1) & (LIVE_CAP - 1)) {
        if (live[i] == key) {
            live[i] = TOMB;
            nlive--;
            return 1;
        }
    }
    return 0;
}

/* The code segments of the objects to skip, found once per change of the list (dladdr() in
 * every allocation would cost more than the calls under test). */
#define MAX_RANGES 32
static uintptr_t range_lo[MAX_RANGES], range_hi[MAX_RANGES];
static size_t nranges;
static int ranges_stale = 1;

static int add_ranges(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    int skip = 0;
    for (size_t i = 0; i < MAX_SKIP && skip_names[i] != NULL && !skip; i++)
        skip = info->dlpi_name != NULL && strstr(info->dlpi_name, skip_names[i]) != NULL;
    for (int k = 0; skip && k < info->dlpi_phnum; k++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && nranges < MAX_RANGES) {
            range_lo[nranges] = info->dlpi_addr + ph->p_vaddr;
            range_hi[nranges] = range_lo[nranges] + ph->p_memsz;
            nranges++;
        }
    }
    return 0;
}

static void find_ranges(void)
{
    nranges = 0;
    dl_iterate_phdr(add_ranges, NULL);
    ranges_stale = 0;
}

/* Whether the caller (return address ra) lies in a shared object to skip. */
static int skipped_caller(void *ra)
{
    uintptr_t a = (uintptr_t)ra;
    for (size_t i = 0; i < nranges; i++)
        if (a >= range_lo[i] && a < range_hi[i])
            return 1;
    return 0;
}

/* Counts one allocation; 1 when this one must fail. */
static int should_fail(void *ra)
{
    if (!armed || in_hook || skipped_caller(ra))
        return 0;
    count++;
    if (count == fail_at + 1 && ra == injected_ra)
        retried = 1;
    if (count == fail_at) {
        injected_ra = ra;
        injected = 1;
        if (trace_at == count) {
            /* FAULT_TRACE=k: where the k-th allocation comes from (for debugging) */
            void *frames[24];
            in_hook = 1;
            int n = backtrace(frames, 24);
            backtrace_symbols_fd(frames, n, 2);
            in_hook = 0;
        }
        return 1;
    }
    return 0;
}

static void *track(void *p)
{
    if (p != NULL && armed && !in_hook)
        live_add(p);
    return p;
}

/* ---- the allocation functions ---------------------------------------------------------------- */

#define CALLER __builtin_return_address(0)
/* The project builds with hidden visibility; these must be seen by the shared libraries. */
#define EXPORT __attribute__((visibility("default")))

EXPORT void *malloc(size_t n)
{
    resolve();
    if (next_malloc == NULL)
        return boot_alloc(n);
    if (should_fail(CALLER)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(next_malloc(n));
}

EXPORT void *calloc(size_t m, size_t n)
{
    resolve();
    if (next_calloc == NULL)
        return boot_alloc(m * n);
    if (should_fail(CALLER)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(next_calloc(m, n));
}

EXPORT void *realloc(void *p, size_t n)
{
    resolve();
    if (from_boot(p)) {
        void *q = malloc(n);
        size_t old = boot_size(p);
        if (q != NULL)
            memcpy(q, p, n < old ? n : old);
        return q;
    }
    if (n > 0 && should_fail(CALLER)) {
        errno = ENOMEM;
        return NULL;
    }
    int was = live_remove(p);
    void *q = next_realloc(p, n);
    if (q == NULL && n > 0) {
        if (was)
            live_add(p); /* a genuine failure leaves p as it was */
        return NULL;
    }
    if (q != NULL && (was || (armed && !in_hook)))
        live_add(q);
    return q;
}

EXPORT void free(void *p)
{
    if (p == NULL || from_boot(p))
        return;
    resolve();
    if (next_free == NULL)
        abort(); /* a block that did not come from here */
    live_remove(p);
    next_free(p);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    resolve();
    if (next_posix_memalign == NULL && align <= BOOT_HDR) {
        *out = boot_alloc(n);
        return 0;
    }
    if (should_fail(CALLER))
        return ENOMEM;
    int rc = next_posix_memalign(out, align, n);
    if (rc == 0)
        track(*out);
    return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    resolve();
    if (next_aligned_alloc == NULL && align <= BOOT_HDR)
        return boot_alloc(n);
    if (should_fail(CALLER)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(next_aligned_alloc(align, n));
}

EXPORT void *memalign(size_t align, size_t n)
{
    resolve();
    if (next_memalign == NULL && align <= BOOT_HDR)
        return boot_alloc(n);
    if (should_fail(CALLER)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(next_memalign(align, n));
}

/* ASan intercepts these itself; defined here they go through malloc above in every build. */
EXPORT char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

EXPORT char *strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---- control --------------------------------------------------------------------------------- */

void fault_arm(long k)
{
    if (ranges_stale)
        find_ranges();
    if (nused > 0) {
        memset(live, 0, sizeof live);
        nused = nlive = 0;
    }
    static int trace_read;
    if (!trace_read) {
        const char *t = getenv("FAULT_TRACE");
        trace_at = t ? atol(t) : -1;
        trace_read = 1;
    }
    fail_at = k;
    count = 0;
    injected = 0;
    injected_ra = NULL;
    retried = 0;
    armed = 1;
}

void fault_disarm(void)
{
    armed = 0;
}

long fault_count(void)
{
    return count;
}

int fault_injected(void)
{
    return injected;
}

int fault_retried_in(const char *name)
{
    Dl_info info;
    return injected && retried && name != NULL && dladdr(injected_ra, &info) != 0 &&
           info.dli_fname != NULL && strstr(info.dli_fname, name) != NULL;
}

size_t fault_live(void)
{
    return nlive;
}

void fault_skip_object(const char *name)
{
    for (size_t i = 0; i < MAX_SKIP; i++) {
        if (skip_names[i] == NULL) {
            skip_names[i] = name;
            ranges_stale = 1;
            return;
        }
    }
    abort(); /* more than the test infrastructure expects */
}

int fault_gsl_handler_is_off(void)
{
    typedef void handler_fn(const char *, const char *, int, int);
    handler_fn *(*set)(handler_fn *) =
        (handler_fn * (*)(handler_fn *)) dlsym(RTLD_DEFAULT, "gsl_set_error_handler");
    if (set == NULL)
        return 0;
    handler_fn *h = set(NULL); /* NULL is GSL's default: abort() */
    set(h);
    return h != NULL;
}

/* ---- fingerprints ---------------------------------------------------------------------------- */

void fault_fp_add(fault_fp *fp, const void *data, size_t len)
{
    if (fp->n + len > fp->cap) {
        size_t cap = fp->cap ? fp->cap : 256;
        while (cap < fp->n + len)
            cap *= 2;
        unsigned char *b = realloc(fp->b, cap);
        if (b == NULL)
            abort(); /* unarmed: a real out-of-memory in the test itself */
        fp->b = b;
        fp->cap = cap;
    }
    memcpy(fp->b + fp->n, data, len);
    fp->n += len;
}

void fault_fp_doubles(fault_fp *fp, const double *v, size_t n)
{
    fault_fp_size(fp, n);
    fault_fp_add(fp, v, n * sizeof *v);
}

void fault_fp_str(fault_fp *fp, const char *s)
{
    if (s == NULL) {
        fault_fp_add(fp, "\xff(null)", 7);
        return;
    }
    fault_fp_add(fp, s, strlen(s) + 1);
}

void fault_fp_size(fault_fp *fp, size_t v)
{
    fault_fp_add(fp, &v, sizeof v);
}

void fault_fp_free(fault_fp *fp)
{
    free(fp->b);
    fp->b = NULL;
    fp->n = fp->cap = 0;
}

/* ---- the driver ------------------------------------------------------------------------------ */

#define MAX_PROBLEMS 12
#define MAX_K        200000

static double total_seconds;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double fault_seconds(void)
{
    return total_seconds;
}

static void fingerprint_of(const fault_case *c, void *st, fault_fp *fp)
{
    fp->n = 0;
    c->fingerprint(st, fp);
}

static int same(const fault_fp *a, const fault_fp *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->b, b->b, a->n) == 0);
}

static int allowed(unsigned allow, int rc)
{
    return ((allow & FAULT_ALLOW_ENOMEM) && rc == GPBO_ENOMEM) ||
           ((allow & FAULT_ALLOW_ESTORAGE) && rc == GPBO_ESTORAGE);
}

#define PROBLEM(...)                                                                               \
    do {                                                                                           \
        if (problems++ < MAX_PROBLEMS) {                                                           \
            fprintf(stderr, "fault: %s, k = %ld: ", c->name, k);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

long fault_run(const fault_case *c)
{
    double t0 = now();
    fault_fp before = {0}, after = {0}, fp = {0};
    int problems = 0;
    long k = 0, absorbed = 0;
    /* The reference: a run without failures (it also warms up OpenBLAS, SQLite and GSL, which
     * allocate process-wide state on first use). */
    void *st = c->setup(c->ctx);
    if (st == NULL) {
        fprintf(stderr, "fault: %s: setup failed: %s\n", c->name, gpbo_error_message());
        return -1;
    }
    fingerprint_of(c, st, &before);
    gpbo_error_clear();
    int rc = c->call(st);
    if (rc != 0) {
        fprintf(stderr, "fault: %s: the reference call failed (%d): %s\n", c->name, rc,
                gpbo_error_message());
        c->teardown(st);
        fault_fp_free(&before);
        return -1;
    }
    fingerprint_of(c, st, &after);
    c->teardown(st);

    long points = -1;
    for (k = 1; k <= MAX_K && problems < MAX_PROBLEMS; k++) {
        st = c->setup(c->ctx);
        if (st == NULL) {
            PROBLEM("setup failed: %s", gpbo_error_message());
            break;
        }
        gpbo_error_clear();
        fault_arm(k);
        rc = c->call(st);
        fault_disarm();
        int inj = fault_injected();
        if (rc != 0) {
            char msg[512]; /* the fingerprint below makes gpbo calls of its own */
            snprintf(msg, sizeof msg, "%s", gpbo_error_message());
            if (!inj)
                PROBLEM("failed (%d) with no injected failure: %s", rc, msg);
            else if (!allowed(c->allow, rc))
                PROBLEM("returned %d (%s), not an allowed code: %s", rc, gpbo_strerror(rc), msg);
            else if (msg[0] == '\0')
                PROBLEM("returned %d with an empty message", rc);
            fingerprint_of(c, st, &fp);
            if (!same(&fp, &before))
                PROBLEM("failed (%d: %s) and left the object changed", rc, msg);
            /* The object still works: the same call again gives the reference result. */
            gpbo_error_clear();
            int again = c->call(st);
            if (again != 0) {
                PROBLEM("called again after the failure, failed (%d): %s", again,
                        gpbo_error_message());
            } else {
                fingerprint_of(c, st, &fp);
                if (!same(&fp, &after))
                    PROBLEM("called again after the failure, gave another result");
            }
        } else if (fault_retried_in(c->retry_ok)) {
            absorbed++; /* the library retried with less memory: another result is its right */
        } else {
            fingerprint_of(c, st, &fp);
            if (!same(&fp, &after))
                PROBLEM("succeeded%s but gave another result than without failures",
                        inj ? " (absorbing the failure)" : "");
        }
        c->teardown(st);
        if (fault_live() != 0)
            PROBLEM("%zu allocation(s) made during the call are still live after teardown (leak)",
                    fault_live());
        if (!inj) {
            points = k - 1;
            break;
        }
    }
    if (k > MAX_K)
        PROBLEM("more than %d allocations", MAX_K);
    fault_fp_free(&before);
    fault_fp_free(&after);
    fault_fp_free(&fp);
    double dt = now() - t0;
    total_seconds += dt;
    if (problems > 0) {
        fprintf(stderr, "fault: %s: %d problem(s)%s\n", c->name, problems,
                problems > MAX_PROBLEMS ? " (first ones shown)" : "");
        return -1;
    }
    printf("fault: %-36s %5ld injection points  %6.2f s", c->name, points, dt);
    if (absorbed > 0)
        printf("  (%ld retried by %s)", absorbed, c->retry_ok);
    printf("\n");
    fflush(stdout);
    return points;
}

const char *fault_tmpdir(void)
{
    static char dir[256];
    if (dir[0] != '\0')
        return dir;
    struct stat sb;
    const char *base =
        stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK) == 0
            ? "/dev/shm"
            : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    snprintf(dir, sizeof dir, "%s/gpbo-fault-XXXXXX", base);
    if (mkdtemp(dir) == NULL) {
        perror("fault: mkdtemp");
        abort();
    }
    return dir;
}

void fault_make_data(double *x, double *y, size_t n, double *xq, size_t m)
{
    for (size_t i = 0; i < n; i++) {
        x[i * 2] = fmod(0.1379 + 0.6180339887 * (double)i, 1.0);
        x[i * 2 + 1] = fmod(0.7213 + 0.4142135623 * (double)i, 1.0);
        y[i] = sin(3.1 * x[i * 2]) + cos(2.3 * x[i * 2 + 1]) + 0.385 * x[i * 2] * x[i * 2 + 1];
    }
    for (size_t i = 0; i < m; i++) {
        xq[i * 2] = 0.05 + 0.2137 * (double)i;
        xq[i * 2 + 1] = 0.93 - 0.1791 * (double)i;
    }
}
