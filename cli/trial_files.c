/*
 * trial_files.c: where `gpbo run` keeps each trial's folder (its stdout and stderr), the cap on
 * what each kept file may hold (its head and tail, a marker line between them), and the other
 * metrics read back from a folder's stdout (output_line.c's rule, line by line) for a trial
 * stored without them (by a gpbo before storage schema 3): `gpbo export` on the machine that
 * ran it.
 */
#define _GNU_SOURCE /* fallocate */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "gpbo/sys/error.h"

/* The file in an SQLite file's <db>.runs that names the study it belongs to (its name, then a
 * newline). A folder made before it existed has none. */
#define RUNS_OWNER ".gpbo-study"

/* Whether the study owner file in dir names is name: 1; another study: 0; none (or unreadable):
 * -1. */
static int runs_owner(const char *dir, const char *name)
{
    char path[1300], buf[CLI_STEM_MAX * 4 + 8];
    snprintf(path, sizeof path, "%s/" RUNS_OWNER, dir);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    if (n == 0 || buf[n - 1] != '\n') /* being written, or not ours: as if none */
        return -1;
    buf[n - 1] = '\0';
    return strlen(buf) == n - 1 && strcmp(buf, name) == 0;
}

/* The SQLite file a storage URL names (a path or sqlite:///path), or NULL for a server's
 * database. */
static const char *sqlite_path(const char *storage)
{
    if (!strncmp(storage, "sqlite:///", 10))
        return storage + 10;
    return strstr(storage, "://") != NULL ? NULL : storage;
}

/* An SQLite file's two candidate parents of study name's trial folders: the file's own
 * <db without .db>.runs (own) and the study's <db without .db>.<study>.runs (theirs). */
static int runs_candidates(const char *db, const char *name, char *own, char *theirs, size_t cap)
{
    char stem[CLI_STEM_MAX + 1];
    size_t l = strlen(db);
    if (l > 3 && !strcmp(db + l - 3, ".db"))
        l -= 3;
    if ((size_t)snprintf(own, cap, "%.*s.runs", (int)l, db) >= cap)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", db);
    /* a name too long to name a file (a study given by --storage and --study) has no folder of
     * its own: the file's, as before */
    if (cli_file_stem(stem, sizeof stem, name) != GPBO_OK ||
        (size_t)snprintf(theirs, cap, "%.*s.%s.runs", (int)l, db, stem) >= cap)
        snprintf(theirs, cap, "%s", own);
    return GPBO_OK;
}

/* Whether the storage holds study name and no other (0 when that cannot be read). */
static int only_study(const char *storage, const char *name)
{
    char **names = NULL;
    size_t n = 0;
    int one = gpbo_study_list(storage, &names, &n) == GPBO_OK && n == 1 && !strcmp(names[0], name);
    gpbo_free(names);
    return one;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Writes the owner file of dir naming study name, unless one is there: whole or not at all (a
 * file of this process linked into place, so a reader never sees half a name and of two
 * workers of two studies one wins). GPBO_OK when it is there after, whoever wrote it; else
 * GPBO_EIO (the caller goes on without). */
static int claim_runs(const char *dir, const char *name)
{
    char path[1300], tmp[1340];
    snprintf(path, sizeof path, "%s/" RUNS_OWNER, dir);
    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return gpbo_error_set(GPBO_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    size_t len = strlen(name);
    int ok = write(fd, name, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    ok = close(fd) == 0 && ok;
    int linked = ok && link(tmp, path) == 0, err = errno;
    unlink(tmp);
    if (!ok || (!linked && err != EEXIST))
        return gpbo_error_set(GPBO_EIO, "%s: cannot write: %s", path, strerror(ok ? err : EIO));
    return GPBO_OK;
}

/* SQLite: <db>.runs is one study's: the one its owner file names (the first `gpbo run` that made
 * it, or found it without one, wrote it); every other study of the file has <db>.<study>.runs.
 * All the studies of a file shared <db>.runs before: a second study's trial 0 ran in
 * trial-000000.2 with the first study's trial-000000 as its GPBO_PREVIOUS_TRIAL_DIR (a
 * checkpoint of another configuration resumed), `gpbo trials` read the other study's metrics
 * from its folders, and a result kept for the storage (unstored/) could be told to the other
 * study's trial of the same id. A folder without an owner file is taken by whichever study asks
 * (as before) unless that study has a folder of its own. claim: `gpbo run`, which makes the
 * folder and writes the owner file (claim_runs: of two workers of two studies, one wins); it
 * claims a folder without one only for the file's one study. */
static int runs_dir(const char *sweep_dir, const char *name, const char *storage, char *out,
                    size_t cap, int claim)
{
    /* for a server's database (each machine its own), next to the sweep: <study>.runs */
    const char *db = sqlite_path(storage);
    if (db == NULL) {
        if (sweep_dir == NULL)
            return gpbo_error_set(GPBO_ENOTFOUND,
                                  "%s: the trial folders are next to the sweep file", storage);
        return cli_study_file(out, cap, sweep_dir, name, ".runs");
    }
    char own[1200], theirs[1200];
    int rc = runs_candidates(db, name, own, theirs, sizeof own);
    if (rc != GPBO_OK)
        return rc;
    int owner = runs_owner(own, name);
    if (claim && owner < 0 && !is_dir(theirs)) {
        if (is_dir(own) && !only_study(storage, name))
            owner = 0; /* an older gpbo's folder, with other studies in the file: maybe theirs */
        /* best effort: a folder that cannot be made or written (its place holds a file, a full
         * disk) stays the study's as before, and the trial that cannot make its own folder
         * says so (run.c) */
        else if ((mkdir(own, 0755) == 0 || errno == EEXIST) && claim_runs(own, name) == GPBO_OK)
            owner = runs_owner(own, name) == 1; /* this claim, or another worker's before it */
    }
    const char *dir = owner == 1 || (owner < 0 && !is_dir(theirs)) ? own : theirs;
    if (strlen(dir) >= cap)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", dir);
    memcpy(out, dir, strlen(dir) + 1);
    return GPBO_OK;
}

int cli_runs_dir(const char *sweep_dir, const char *name, const char *storage, char *out,
                 size_t cap)
{
    return runs_dir(sweep_dir, name, storage, out, cap, 0);
}

int cli_runs_dir_claim(const char *sweep_dir, const char *name, const char *storage, char *out,
                       size_t cap)
{
    return runs_dir(sweep_dir, name, storage, out, cap, 1);
}

int cli_runs_alone(const char *storage, const char *name, const char *runs)
{
    char own[1200], theirs[1200];
    const char *db = sqlite_path(storage);
    if (db == NULL)
        return 1; /* a server's: <study>.runs */
    if (runs_candidates(db, name, own, theirs, sizeof own) != GPBO_OK)
        return 0;
    return strcmp(runs, own) != 0 || runs_owner(own, name) == 1;
}

int cli_storage_folder(const char *cmd, const char *storage)
{
    const char *db = sqlite_path(storage);
    if (db == NULL)
        return 0; /* a server */
    const char *slash = strrchr(db, '/');
    if (slash == NULL || slash == db)
        return 0;
    char dir[1200];
    struct stat sb;
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - db), db);
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
        return 0;
    fprintf(stderr, "gpbo %s: storage %s: the folder %s %s\n", cmd, storage, dir,
            stat(dir, &sb) == 0 ? "is not a folder" : "does not exist (make it first)");
    return 2;
}

int cli_trial_dir(const char *runs, size_t id, unsigned k, char *out, size_t cap)
{
    int n = k == 1 ? snprintf(out, cap, "%s/trial-%06zu", runs, id)
                   : snprintf(out, cap, "%s/trial-%06zu.%u", runs, id, k);
    if (n < 0 || (size_t)n >= cap)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", runs);
    return GPBO_OK;
}

int cli_last_trial_dir(const char *runs, size_t id, char *out, size_t cap)
{
    struct stat sb;
    unsigned k = 1;
    while (k < CLI_EXECUTIONS_MAX && cli_trial_dir(runs, id, k + 1, out, cap) == GPBO_OK &&
           stat(out, &sb) == 0)
        k++;
    return cli_trial_dir(runs, id, k, out, cap);
}

int cli_trial_metrics(const char *runs, size_t id, cli_metrics *m)
{
    char dir[1200], path[1300];
    m->n = 0;
    if (cli_last_trial_dir(runs, id, dir, sizeof dir) != GPBO_OK)
        return GPBO_EINVAL;
    snprintf(path, sizeof path, "%s/stdout", dir);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return GPBO_ENOTFOUND;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        /* a lone CR ends a line, as gpbo run reads a trial's output (run.c follow) */
        for (char *p = line, *end; *p; p = end + (*end != '\0')) {
            end = p + strcspn(p, "\r\n");
            char c = *end;
            *end = '\0';
            cli_line_metrics(p, m);
            *end = c;
        }
    }
    free(line);
    fclose(f);
    return GPBO_OK;
}

/* ---- the output cap ---------------------------------------------------------------------- */

int cli_output_cap(uint64_t *out)
{
    const char *e = getenv("GPBO_OUTPUT_CAP");
    *out = CLI_OUTPUT_CAP_DEFAULT;
    if (e == NULL || *e == '\0')
        return GPBO_OK;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(e, &end, 10);
    unsigned shift = 0;
    if (end != e && *end != '\0' && end[1] == '\0') {
        const char *units = "kKmMgG", *u = strchr(units, *end);
        if (u != NULL) {
            shift = 10 * (unsigned)(1 + (u - units) / 2);
            end++;
        }
    }
    if (end == e || *end != '\0' || errno == ERANGE || *e == '-' || (v >> (62 - shift)) != 0 ||
        (v != 0 && (v << shift) < CLI_OUTPUT_CAP_MIN))
        return gpbo_error_set(GPBO_EINVAL,
                              "GPBO_OUTPUT_CAP is '%s': give the bytes each kept trial output "
                              "file may hold (a whole number, K, M or G after it for KiB, MiB, "
                              "GiB; at least 4K), or 0 for no cap",
                              e);
    *out = (uint64_t)v << shift;
    return GPBO_OK;
}

int cli_kill_grace(double *out)
{
    const char *e = getenv("GPBO_KILL_GRACE");
    *out = 0;
    if (e == NULL || *e == '\0')
        return GPBO_OK;
    char *end = NULL;
    errno = 0;
    double v = strtod(e, &end);
    if (end == e || *end != '\0' || errno == ERANGE || !(v >= 0 && v <= 3600))
        return gpbo_error_set(GPBO_EINVAL,
                              "GPBO_KILL_GRACE is '%s': give the seconds a trial's program has "
                              "between SIGTERM and SIGKILL at a timeout or a stop, from 0 to 3600",
                              e);
    *out = v;
    return GPBO_OK;
}

/* The bytes kept at the start of a capped file: a quarter of the cap; the rest is its end. */
static uint64_t head_of(uint64_t cap)
{
    return cap / 4;
}

void cli_output_trim(const char *path, uint64_t upto, uint64_t cap, uint64_t *punched,
                     int *unsupported)
{
    uint64_t head = head_of(cap), tail = cap - head;
    if (cap == 0 || *unsupported || upto < head + tail)
        return;
    uint64_t from = *punched > head ? *punched : head, to = upto - tail;
    from = (from + 4095) & ~(uint64_t)4095; /* whole blocks (a partial one is only zeroed) */
    to &= ~(uint64_t)4095;
    if (to <= from || to - from < (1u << 20)) /* a MiB at a time: a few calls per GiB */
        return;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from,
                  (off_t)(to - from)) == 0)
        *punched = to;
    else if (errno == EOPNOTSUPP || errno == ENOSYS)
        *unsupported = 1; /* this file system: the file is cut to size only at the end */
    close(fd);
}

/* Copies [from, to) of in to out. 0, or -1 (errno set). */
static int copy_range(int in, int out, uint64_t from, uint64_t to)
{
    char buf[65536];
    while (from < to) {
        size_t want = to - from < sizeof buf ? (size_t)(to - from) : sizeof buf;
        ssize_t n = pread(in, buf, want, (off_t)from);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO; /* shorter than it was: nothing to copy there */
            return -1;
        }
        for (ssize_t w = 0; w < n;) {
            ssize_t k = write(out, buf + w, (size_t)(n - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                return -1;
            w += k;
        }
        from += (uint64_t)n;
    }
    return 0;
}

/* The offset just past the last newline of [lo, hi) of fd (read backwards), or hi when it has
 * none. */
static uint64_t after_last_newline(int fd, uint64_t lo, uint64_t hi)
{
    char buf[65536];
    for (uint64_t end = hi; end > lo;) {
        uint64_t start = end - lo > sizeof buf ? end - sizeof buf : lo;
        ssize_t n = pread(fd, buf, (size_t)(end - start), (off_t)start);
        if (n <= 0)
            return hi;
        for (ssize_t i = n; i > 0; i--)
            if (buf[i - 1] == '\n')
                return start + (uint64_t)i;
        end = start;
    }
    return hi;
}

/* The offset just past the first newline of [lo, hi) of fd, or lo when it has none. */
static uint64_t after_first_newline(int fd, uint64_t lo, uint64_t hi)
{
    char buf[65536];
    for (uint64_t start = lo; start < hi;) {
        size_t want = hi - start < sizeof buf ? (size_t)(hi - start) : sizeof buf;
        ssize_t n = pread(fd, buf, want, (off_t)start);
        if (n <= 0)
            return lo;
        char *nl = memchr(buf, '\n', (size_t)n);
        if (nl != NULL)
            return start + (uint64_t)(nl - buf) + 1;
        start += (uint64_t)n;
    }
    return lo;
}

/* "1.5 MiB", "512 KiB", "42 bytes" */
static void human_bytes(char *buf, size_t cap, uint64_t n)
{
    if (n >= (1u << 30))
        snprintf(buf, cap, "%.4g GiB", (double)n / (double)(1u << 30));
    else if (n >= (1u << 20))
        snprintf(buf, cap, "%.4g MiB", (double)n / (double)(1u << 20));
    else if (n >= (1u << 10))
        snprintf(buf, cap, "%.4g KiB", (double)n / (double)(1u << 10));
    else
        snprintf(buf, cap, "%llu bytes", (unsigned long long)n);
}

int cli_output_compact(const char *path, uint64_t cap)
{
    struct stat sb;
    if (cap == 0 || stat(path, &sb) != 0 || (uint64_t)sb.st_size <= cap)
        return GPBO_OK;
    uint64_t size = (uint64_t)sb.st_size, head = head_of(cap), tail = cap - head;
    char tmp[1300];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.cap", path) >= sizeof tmp)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", path);
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return gpbo_error_set(GPBO_EIO, "%s: %s", path, strerror(errno));
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        return gpbo_error_set(GPBO_EIO, "%s: cannot create: %s", tmp, strerror(e));
    }
    /* whole lines where there are some: the head up to its last newline, the tail from its
     * first (the result lines gpbo reads are at the end; a line cut in two would be a garbage
     * one) */
    uint64_t head_end = after_last_newline(in, 0, head);
    uint64_t tail_start = after_first_newline(in, size - tail, size);
    char last = '\n', marker[400], dropped[48], hb[48], tb[48];
    if (head_end > 0 && pread(in, &last, 1, (off_t)(head_end - 1)) != 1)
        last = '\n';
    human_bytes(dropped, sizeof dropped, tail_start - head_end);
    human_bytes(hb, sizeof hb, head);
    human_bytes(tb, sizeof tb, tail);
    int n = snprintf(marker, sizeof marker,
                     "%s[gpbo: %llu bytes (%s) of this output dropped here; a trial's file keeps "
                     "its first %s and last %s (GPBO_OUTPUT_CAP)]\n",
                     last != '\n' ? "\n" : "", (unsigned long long)(tail_start - head_end), dropped,
                     hb, tb);
    int bad = copy_range(in, out, 0, head_end) != 0 || write(out, marker, (size_t)n) != n ||
              copy_range(in, out, tail_start, size) != 0;
    int e = errno;
    close(in);
    if (close(out) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad || rename(tmp, path) != 0) {
        if (!bad)
            e = errno;
        unlink(tmp);
        return gpbo_error_set(GPBO_EIO, "%s: capping the kept output: %s", path, strerror(e));
    }
    return GPBO_OK;
}
