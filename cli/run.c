/*
 * run.c: `gpbo run` — the study loop. Trials run as child processes (any program, started with
 * execvp and never through a shell, or the built-in trainer in a forked child), up to --jobs
 * at a time (at most 1024), each in its own session with its own directory holding stdout and
 * stderr. The parent follows each stdout as it grows, a bounded amount per trial per loop turn:
 * `metric=value step=N` lines feed the pruner, which can stop a trial at once, and are stored a
 * batch per transaction, thinned beyond 1000 steps; at exit the last `metric=value` (or JSON
 * object) line is the result, with or without its newline, ended by LF, CRLF or a lone CR (a
 * progress bar's), up to 1 MiB long. A non-zero exit, a missing or NaN metric or a timeout make
 * a failed trial, with the reason stored. When a trial's process ends, gpbo (a child subreaper)
 * kills its process group and whatever it left that can still write to its output (see
 * end_trial_processes for exactly what), before reading the rest and telling the study. Every tell
 * is one SQLite transaction, so `kill -9` loses no told trial; a trial that was running then runs
 * again on the next `gpbo run`. A trial that had ended keeps its result on disk while its tell is
 * under way, and after it when the storage refused it (pending.c): the next `gpbo run` stores it,
 * and the trial runs no more.
 */
#define _GNU_SOURCE /* pipe2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "gpbo/sys/error.h"
#include "proposer.h"
#include "report.h"

extern char **environ; /* the trials' environments start from gpbo's */

static volatile sig_atomic_t g_stop = 0;

/* Whether gpbo caught SIGHUP and SIGPIPE (it leaves them ignored when it was started so, as
 * under nohup): a trial's child resets them. */
static int g_hup_caught = 0, g_pipe_caught = 0;

/* The run loop sleeps in poll() on this pipe (and the proposer's answers): SIGCHLD writes to
 * it, so a trial's exit is handled at once rather than at the next turn. */
static int g_wake[2] = {-1, -1};

static void on_signal(int sig)
{
    g_stop = sig; /* the signal, said at the end (cmd_run) */
}

static void on_child(int sig)
{
    (void)sig;
    int saved = errno;
    char c = 0;
    if (write(g_wake[1], &c, 1) < 0) { /* full: a wake-up is pending anyway */
    }
    errno = saved;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- argument vectors -------------------------------------------------------------------- */

/* tmpl with each {name} replaced by the parameter's value as ${args} writes it (sweep_arg_text:
 * a categorical's 0x20 as 32, yes as True), so that one trial's {name} and --name=value agree;
 * an inactive one's (NULL) by its default:, which the sweep holds written alike (sweep_load
 * refuses the placeholder of a parameter that can be inactive without one). */
static char *subst(const sweep *s, const char *tmpl, size_t np, char *const *names,
                   char *const *values)
{
    size_t cap = strlen(tmpl) + 1, len = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    const char *p = tmpl;
    while (*p) {
        const char *rep = NULL;
        char wb[SWEEP_ARG_TEXT_CAP];
        size_t skip = 0;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            for (size_t i = 0; close && i < np; i++)
                if ((size_t)(close - p - 1) == strlen(names[i]) &&
                    !memcmp(p + 1, names[i], strlen(names[i]))) {
                    rep = values[i]     ? sweep_arg_text(s, i, values[i], wb, sizeof wb)
                          : s->p[i].def ? s->p[i].def
                                        : "";
                    skip = (size_t)(close - p) + 1;
                }
        }
        size_t add = rep ? strlen(rep) : 1;
        if (len + add + 1 > cap) {
            cap = 2 * (len + add + 1);
            char *n = realloc(out, cap);
            if (n == NULL) {
                free(out);
                return NULL;
            }
            out = n;
        }
        if (rep) {
            memcpy(out + len, rep, add);
            p += skip;
        } else {
            out[len] = *p++;
        }
        len += add;
    }
    out[len] = '\0';
    return out;
}

void free_argv(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

char **build_argv(const sweep *s, size_t np, char *const *names, char *const *values,
                  const char *json_path)
{
    const char *deflt[3];
    const char *const *tmpl = (const char *const *)s->command;
    size_t nt = s->ncommand;
    if (nt == 0) {
        size_t pl = strlen(s->program);
        int py = pl > 3 && !strcmp(s->program + pl - 3, ".py");
        nt = 0;
        if (py)
            deflt[nt++] = "python3";
        deflt[nt++] = "${program}";
        deflt[nt++] = "${args}";
        tmpl = deflt;
    }
    size_t slots = 1; /* ${args} may appear more than once: count what each entry makes */
    for (size_t i = 0; i < nt; i++)
        slots += !strcmp(tmpl[i], "${args}") || !strcmp(tmpl[i], "${args_no_hyphens}") ||
                         !strcmp(tmpl[i], "${args_no_boolean_flags}")
                     ? np
                     : 1;
    char **argv = calloc(slots, sizeof *argv);
    size_t n = 0;
    if (argv == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < nt; i++) {
        const char *t = tmpl[i];
        if (!strcmp(t, "${env}"))
            continue;
        int nobool = !strcmp(t, "${args_no_boolean_flags}");
        if (!strcmp(t, "${args}") || !strcmp(t, "${args_no_hyphens}") || nobool) {
            int hy = strcmp(t, "${args_no_hyphens}") != 0;
            for (size_t k = 0; k < np; k++) {
                if (values[k] == NULL) /* inactive: not passed */
                    continue;
                /* W&B's ${args_no_boolean_flags}: a YAML boolean as --name when true, else
                 * left out */
                int b = nobool ? sweep_bool_value(s, k, values[k]) : -1;
                if (b == 0)
                    continue;
                if (b == 1) {
                    size_t l = strlen(names[k]) + 3;
                    if ((argv[n] = malloc(l)) == NULL)
                        goto oom;
                    snprintf(argv[n++], l, "--%s", names[k]);
                    continue;
                }
                /* the value as W&B's agent writes it: Python's str() (True, not true) */
                char wb[SWEEP_ARG_TEXT_CAP];
                const char *v = sweep_arg_text(s, k, values[k], wb, sizeof wb);
                size_t l = strlen(names[k]) + strlen(v) + 4;
                if ((argv[n] = malloc(l)) == NULL)
                    goto oom;
                snprintf(argv[n++], l, "%s%s=%s", hy ? "--" : "", names[k], v);
            }
            continue;
        }
        const char *v = !strcmp(t, "${program}")          ? (s->program ? s->program : "")
                        : !strcmp(t, "${interpreter}")    ? "python3"
                        : !strcmp(t, "${args_json_file}") ? (json_path ? json_path : "")
                                                          : NULL;
        if (!strcmp(t, "${args_json}"))
            argv[n] = sweep_args_json(s, values);
        else
            argv[n] = v ? strdup(v) : subst(s, t, np, names, values);
        if (argv[n++] == NULL)
            goto oom;
    }
    if (n == 0) {
        free(argv);
        gpbo_error_set(GPBO_EINVAL, "the command is empty");
        return NULL;
    }
    return argv;
oom:
    free_argv(argv);
    gpbo_error_set(GPBO_ENOMEM, "out of memory");
    return NULL;
}

int cli_uses_json_file(const sweep *s)
{
    for (size_t i = 0; i < s->ncommand; i++)
        if (!strcmp(s->command[i], "${args_json_file}"))
            return 1;
    return 0;
}

/* The file of ${args_json_file} in trial folder dir, into out. */
static void json_file_path(const char *dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/args.json", dir);
}

/* Writes the trial's parameters as JSON (sweep_args_json) to path, for ${args_json_file}:
 * GPBO_OK, or an error with nothing left behind. */
static int write_json_file(const sweep *s, char *const *values, const char *path)
{
    char *text = sweep_args_json(s, values);
    if (text == NULL)
        return gpbo_error_code();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(text), done = 0;
    while (fd >= 0 && done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int e = errno;
    free(text);
    if (fd >= 0 && close(fd) != 0 && done == len) {
        e = errno;
        done = 0;
    }
    if (fd < 0 || done < len) {
        if (fd >= 0)
            unlink(path);
        return gpbo_error_set(GPBO_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return GPBO_OK;
}

/* ---- the run loop ------------------------------------------------------------------------ */

/* What a trial's output may cost gpbo. A line longer than LINE_CAP bytes (its LF, CR or CRLF not
 * counted) is skipped (counted, and named in the failure reason). Each loop turn reads at most
 * TURN_BYTES of each trial's output, so a trial printing millions of lines cannot starve the others
 * or delay timeouts. Distinct intermediate steps are all stored up to STEPS_FULL; then every 2nd
 * for the next STEPS_LEVEL stored, every 4th for the next STEPS_LEVEL, and so on, never more than
 * STEPS_MAX, plus the trial's last step, which is always stored. A step repeated on consecutive
 * lines keeps its last value. Stored values go to the study BATCH at a time, one transaction per
 * batch (at least one per turn), and the pruner sees exactly the stored values, so a resumed study
 * rebuilds the same pruner from them. */
enum {
    LINE_CAP = 1 << 20,
    TURN_BYTES = 256 << 10,
    STEPS_FULL = 1000,
    STEPS_LEVEL = 500,
    STEPS_MAX = 10000,
    BATCH = 256
};

/* The most trials at a time: a bound on --jobs and gpbo.jobs (each job costs a process, two
 * open files and a few kB here). */
enum { JOBS_MAX = 1024 };

enum { JOB_TIMEOUT = 1, JOB_PRUNED, JOB_INTERRUPTED };

/* One running trial. */
typedef struct job {
    size_t id;
    pid_t pid; /* 0: a free slot; the trial's process group and session are this id too */
    double start;
    char dir[1024];
    int fd;                   /* its stdout, read as it grows */
    dev_t dev;                /* its stdout and stderr files (device, inodes), to */
    ino_t out_ino, err_ino;   /* recognise the processes that hold them */
    char *line;               /* the line being read (no terminator until it is complete) */
    size_t len, cap, skipped; /* skipped: lines longer than LINE_CAP */
    int overflow;             /* the current line is past LINE_CAP: read on to its end */
    int stop_reason;          /* 0, or JOB_TIMEOUT / JOB_PRUNED / JOB_INTERRUPTED */
    double term_at;           /* when a timeout or a stop sent it SIGTERM (0: not sent) */
    int exited, status;       /* the trial's process has ended, with this wait status */
    int reaped;               /* its status was collected by reap_orphans, before its turn */
    off_t end;                /* its stdout's size then: the output still to read */
    uint64_t out_punched, err_punched; /* how far the output cap freed its files' blocks */
    int no_punch;                      /* the file system cannot: they are cut at the end */
    double final_value, last_step_value;
    double last_finite; /* the value of last_step (last_step_value may be a later NaN's) */
    int have_final, have_step;
    int diverged;    /* its last step line read is NaN or infinite (take_line) */
    char unread[80]; /* the last metric=value whose value is no number (loss=tensor(0.5), ...) */
    cli_metrics metrics; /* every name=value of its lines without a step, stored with its end */
    long last_step;      /* the last distinct step seen, and whether it was kept */
    int last_kept;
    size_t distinct, kept, since_kept;
    size_t nbatch; /* intermediate values not yet stored */
    long bstep[BATCH];
    double bval[BATCH];
    /* intermediate values the storage could not take (busy, unreachable): stored before the
     * trial's end, or kept with it (pending.c) */
    long *ustep;
    double *uval;
    size_t nunsent, ucap;
    int on_disk; /* its end is kept on disk for the storage (cli_pending_save) */
} job;

typedef struct runner {
    sweep *sw;
    gpbo_study *study;
    gpbo_pruner *pruner;
    const gpbo_space *space;
    trainer_data data;
    trainer_settings base;
    char runs[900];
    size_t np;
    char **names, **vals;
    job *jobs;
    size_t njobs;
    int tty;
    double t0;
    size_t budget;         /* trials the study is to hold ((size_t)-1: until exhausted) */
    size_t done0;          /* trials finished when the run started */
    size_t front_n;        /* several objectives: the Pareto front's size, counted ... */
    size_t front_complete; /* ... when this many trials were complete */
    proposer *prop;        /* proposes the next trial in a process of its own */
    uint64_t output_cap;   /* bytes each kept output file may hold (0: no cap; cli_output_cap) */
    double kill_grace;     /* seconds between SIGTERM and SIGKILL at a timeout or a stop (0: none;
                              cli_kill_grace) */
    size_t unstored;       /* results kept on disk for the storage (pending.c) after the last try */
    double replay_at;      /* when the kept results are tried next (now(): at the next turn) */
    char unstored_path[1300];      /* the last one kept by this run */
    struct timespec unstored_seen; /* the kept results' folder's mtime at the last try */
    int hb_warned;                 /* the heartbeat's failures were said (watch_heartbeat) */
    size_t interrupted;            /* trials this run stopped on a signal: they run again */
    size_t max_initial_failures;   /* no trial starts once the study's first this many all
                                      failed (0: never so; initial_failures) */
    int gave_up;                   /* the run ended so, its budget not spent */
} runner;

/* Seconds between two tries to store the results kept on disk while the storage refuses them
 * (each try may wait its busy timeout). */
#define REPLAY_WAIT 10.0

static int mkdirs(const char *path)
{
    char tmp[1200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s", path) >= sizeof tmp)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return gpbo_error_set(GPBO_EIO, "%s: cannot create: %s", path, strerror(errno));
    return GPBO_OK;
}

/* Opens path for the child to write (close-on-exec, so that no other trial inherits it). */
static int open_output(const char *path, dev_t *dev, ino_t *ino)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return gpbo_error_set(GPBO_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    *dev = sb.st_dev;
    *ino = sb.st_ino;
    return fd;
}

/* The folder of execution k (1, 2, ...) of trial id: trial-000042, then trial-000042.2, ... */
static int trial_dir(const runner *r, size_t id, unsigned k, char *out, size_t cap)
{
    return cli_trial_dir(r->runs, id, k, out, cap);
}

/* The environment of trial id's program: gpbo's own with GPBO_TRIAL_ID, GPBO_STUDY,
 * GPBO_TRIAL_DIR and, when this is not the trial's first execution here, GPBO_PREVIOUS_TRIAL_DIR
 * (prev: the folder of the execution before, interrupted or lost, where a checkpoint it wrote
 * is) set, replacing any inherited ones, and PYTHONUNBUFFERED=1 unless gpbo's environment sets
 * it: a Python program's stdout, a file here, is otherwise block-buffered, so its `loss=...
 * step=N` lines reached gpbo only at its exit, and the pruner, which judges steps while the
 * trial runs, never stopped one (nor did a timeout leave its steps). One allocation: free() the
 * result. */
static char **trial_env(const runner *r, size_t id, const char *dir, const char *prev)
{
    enum { OWN = 4, ALL = 5 }; /* the first OWN are always replaced */
    static const char *const OURS[ALL] = {"GPBO_TRIAL_ID=", "GPBO_STUDY=", "GPBO_TRIAL_DIR=",
                                          "GPBO_PREVIOUS_TRIAL_DIR=", "PYTHONUNBUFFERED="};
    size_t n = 0, bytes = 0;
    for (char **e = environ; *e; e++)
        n++;
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%zu", id);
    const char *vals[ALL] = {idbuf, r->sw->name, dir, prev,
                             getenv("PYTHONUNBUFFERED") == NULL ? "1" : NULL};
    for (int k = 0; k < ALL; k++)
        bytes += vals[k] ? strlen(OURS[k]) + strlen(vals[k]) + 1 : 0;
    char **env = malloc((n + ALL + 1) * sizeof *env + bytes);
    if (env == NULL)
        return NULL;
    size_t m = 0;
    for (char **e = environ; *e; e++) {
        int ours = 0;
        for (int k = 0; k < OWN; k++)
            ours |= !strncmp(*e, OURS[k], strlen(OURS[k]));
        if (!ours)
            env[m++] = *e;
    }
    char *p = (char *)(env + n + ALL + 1);
    for (int k = 0; k < ALL; k++) {
        if (vals[k] == NULL)
            continue;
        env[m++] = p;
        p += sprintf(p, "%s%s", OURS[k], vals[k]) + 1;
    }
    env[m] = NULL;
    return env;
}

/* The start of a trial's child, forked or vforked from gpbo (parent): gpbo's handlers back to
 * their defaults, a session of its own, killed when gpbo dies, /dev/null, the output files and
 * the sweep's folder as stdio and working folder. System calls only, on the child's own stack:
 * it runs in a vfork child too. Exits 1 when gpbo is already gone, 126 when stdio or the folder
 * cannot be set up. */
static void child_enter(const runner *r, int fi, int fo, int fe, pid_t parent)
{
    static const int CAUGHT[] = {SIGINT, SIGTERM, SIGCHLD};
    /* out of gpbo's process group first: a Ctrl-C or a SIGTERM sent to that group until now was
     * meant for gpbo, and is pending here (signals are blocked around the start); ignoring a
     * signal discards its pending instance. Delivered after the exec, it killed the trial,
     * which gpbo then stored as failed ('killed by signal 15') instead of interrupted. */
    setsid();
    struct sigaction ign, dfl;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    dfl = ign;
    dfl.sa_handler = SIG_DFL;
    for (size_t k = 0; k < sizeof CAUGHT / sizeof *CAUGHT; k++) {
        sigaction(CAUGHT[k], &ign, NULL);
        sigaction(CAUGHT[k], &dfl, NULL);
    }
    if (g_hup_caught) {
        sigaction(SIGHUP, &ign, NULL);
        sigaction(SIGHUP, &dfl, NULL);
    }
    if (g_pipe_caught)
        sigaction(SIGPIPE, &dfl, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) /* gpbo died before the line above took effect */
        _exit(1);
    if (dup2(fi, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || chdir(r->sw->dir) != 0)
        _exit(126);
}

/* Starts the program argv of trial id with vfork: the child shares gpbo's memory until it
 * execs, so no page tables are copied and gpbo takes no copy-on-write faults afterwards (with
 * fork, that was about half of gpbo's CPU time per trial on a null objective). The child only
 * makes system calls on its own stack frame; signals are blocked around it, and it resets
 * gpbo's handlers before unblocking them, so that none of gpbo's handlers runs in it. Returns
 * the child's pid, or -1 (errno) when vfork failed; a program that cannot start exits 127 (126
 * when its stdio or folder cannot be set up) after its reason is written to fe. */
static pid_t start_program(const runner *r, char **argv, char **env, int fi, int fo, int fe)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t parent = getpid();
    volatile int failed_errno = 0; /* written by the child before _exit: memory is shared */
    pid_t pid = vfork();
    if (pid == 0) {
        child_enter(r, fi, fo, fe, parent);
        sigprocmask(SIG_SETMASK, &old, NULL);
        execvpe(argv[0], argv, env);
        failed_errno = errno;
        _exit(127);
    }
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid > 0 && failed_errno != 0)
        dprintf(fe, "gpbo: cannot run '%s': %s\n", argv[0], strerror(failed_errno));
    errno = e;
    return pid;
}

/* In the child forked for a trial of the built-in trainer (j its job, env its environment,
 * fi/fo/fe its stdio): child_enter(), then drops the other trials' descriptors, trains with the
 * trial's settings and exits 0, or 1 (training failed), 2 (a bad setting), 126 (stdio or
 * folder); 1 at once if gpbo (parent) has already died. Never returns. */
static _Noreturn void trainer_child(runner *r, job *j, char *const *vals, char **env, int fi,
                                    int fo, int fe, pid_t parent)
{
    child_enter(r, fi, fo, fe, parent);
    /* the trainer runs without exec: drop what gpbo holds open for the other trials */
    for (size_t k = 0; k < r->njobs; k++)
        if (r->jobs[k].pid != 0 && r->jobs[k].fd >= 0)
            close(r->jobs[k].fd);
    close(j->fd);
    environ = env;
    /* one BLAS thread per trial: --jobs trials share the cores */
    gpbo_trainer_set_threads(1);
    trainer_settings t = r->base;
    for (size_t i = 0; i < r->np; i++) /* an inactive parameter (NULL) keeps the trainer's own */
        if (vals[i] != NULL && trainer_set(&t, r->names[i], vals[i]) != GPBO_OK) {
            fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
            _exit(2);
        }
    int trc = trainer_run_print(&t, &r->data, r->sw->metric);
    if (trc != GPBO_OK)
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
    fflush(stdout);
    _exit(trc == GPBO_OK ? 0 : 1);
}

/* The trial's values as the program sees them (in r->vals), an inactive parameter's (NaN: its
 * when: does not hold) as NULL: left out. A malloc'd array, or NULL with the error set. */
static char **format_values(runner *r, const double *values)
{
    char **vals = malloc((r->np ? r->np : 1) * sizeof *vals);
    if (vals == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < r->np; i++) {
        vals[i] = isnan(values[i]) ? NULL : r->vals[i];
        if (vals[i] != NULL && sweep_format(r->sw, r->space, i, values[i], r->vals[i], 256) != 0) {
            free(vals);
            return NULL;
        }
    }
    return vals;
}

/* The value of variable name ("NAME=") in the initial environment of process pid, into out;
 * 0, or -1 when it cannot be read, is not there or does not fit. */
static int environ_value(pid_t pid, const char *name, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    size_t nl = strlen(name), n = 0;
    int ch, found = -1, skip = 0;
    while (found < 0 && (ch = fgetc(f)) != EOF) {
        if (ch == '\0') {
            if (!skip && n > nl && n - nl < cap && !memcmp(out, name, nl)) {
                memmove(out, out + nl, n - nl);
                out[n - nl] = '\0';
                found = 0;
            }
            n = 0;
            skip = 0;
        } else if (n + 1 < cap) {
            out[n++] = (char)ch;
        } else {
            skip = 1; /* longer than out: not ours */
        }
    }
    fclose(f);
    return found;
}

/* Whether a process with GPBO_TRIAL_DIR dir ran an earlier execution (1 to k - 1) of trial
 * id. */
static int earlier_execution(const runner *r, size_t id, unsigned k, const char *dir)
{
    char first[1200];
    if (trial_dir(r, id, 1, first, sizeof first) != GPBO_OK)
        return 0;
    size_t fl = strlen(first);
    if (strncmp(dir, first, fl) != 0)
        return 0;
    if (dir[fl] == '\0')
        return k > 1;
    char *end;
    unsigned long e = dir[fl] == '.' && dir[fl + 1] >= '1' && dir[fl + 1] <= '9'
                          ? strtoul(dir + fl + 1, &end, 10)
                          : 0;
    return e >= 2 && *end == '\0' && e < k;
}

/* Whether the session sid has lost its leader (the trial's own process, which made it): gone,
 * or a zombie no one reaps. */
static int leader_gone(pid_t sid)
{
    if (sid <= 1)
        return 0;
    if (kill(sid, 0) != 0)
        return errno == ESRCH;
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)sid);
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the state follows the command's name */
    return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

/* Before execution k (>= 2) of trial id: ends what its earlier executions left running. A
 * worker killed with -9 takes its trials' own processes with it (PR_SET_PDEATHSIG), but not
 * what they started (a script's python, a trainer's data loaders): orphaned, those ran on
 * beside the new execution, holding their CPU, memory or GPU. Killed here: every process this
 * user may signal whose GPBO_TRIAL_DIR is an earlier execution's folder and whose session's
 * leader (that execution's own process) is gone, with its process group. A worker that is
 * only stopped (its trial taken over after the grace period) still has its trial's process,
 * and what that started is left to it. */
static void end_lost_executions(const runner *r, size_t id, unsigned k)
{
    for (int round = 0; round < 50; round++) {
        DIR *d = opendir("/proc");
        if (d == NULL)
            return;
        int killed = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char *end, dir[1200];
            long pid = strtol(e->d_name, &end, 10);
            if (*end != '\0' || pid <= 1 || pid == getpid() ||
                environ_value((pid_t)pid, "GPBO_TRIAL_DIR=", dir, sizeof dir) != 0 ||
                !earlier_execution(r, id, k, dir) || !leader_gone(getsid((pid_t)pid)))
                continue;
            pid_t pg = getpgid((pid_t)pid);
            if (pg > 1 && pg != getpgid(0))
                kill(-pg, SIGKILL);
            kill((pid_t)pid, SIGKILL);
            killed++;
        }
        closedir(d);
        if (!killed)
            return;
        struct timespec ts = {0, 1000 * 1000}; /* then look again: one may have forked */
        nanosleep(&ts, NULL);
    }
}

/* Starts trial id in a child of its own session (so of its own process group); fills j. The
 * parent creates the output files and keeps a read descriptor on stdout. On error nothing is
 * left running or open. */
static int spawn(runner *r, size_t id, const double *values, job *j)
{
    memset(j, 0, sizeof *j);
    j->id = id;
    j->fd = -1;
    /* each execution its own folder: a trial that runs again (its worker was lost) must not
     * truncate the output the lost worker may still read */
    unsigned k = 1;
    for (;; k++) {
        if (trial_dir(r, id, k, j->dir, sizeof j->dir) != GPBO_OK)
            return gpbo_error_code();
        if (mkdir(j->dir, 0755) == 0)
            break;
        if (errno != EEXIST)
            return gpbo_error_set(GPBO_EIO, "%s: cannot create: %s", j->dir, strerror(errno));
        if (k == CLI_EXECUTIONS_MAX) /* the trial's own: it fails (start_held) */
            return gpbo_error_set(GPBO_EINVAL, "%s: cannot create: too many executions", j->dir);
    }
    if (k > 1)
        end_lost_executions(r, id, k);
    char **vals = format_values(r, values);
    if (vals == NULL)
        return gpbo_error_code();
    char out[1200], err[1200];
    snprintf(out, sizeof out, "%s/stdout", j->dir);
    snprintf(err, sizeof err, "%s/stderr", j->dir);
    char **argv = NULL, json[1300];
    int json_file = !r->sw->has_trainer && cli_uses_json_file(r->sw);
    json_file_path(j->dir, json, sizeof json);
    if (json_file && write_json_file(r->sw, vals, json) != GPBO_OK) {
        free(vals);
        return gpbo_error_code();
    }
    if (!r->sw->has_trainer &&
        (argv = build_argv(r->sw, r->np, r->names, vals, json_file ? json : NULL)) == NULL) {
        if (json_file)
            unlink(json);
        free(vals);
        return gpbo_error_code();
    }
    dev_t edev;
    int fo = open_output(out, &j->dev, &j->out_ino);
    int fe = fo < 0 ? -1 : open_output(err, &edev, &j->err_ino);
    int fi = fe < 0 ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);
    j->fd = fi < 0 ? -1 : open(out, O_RDONLY | O_CLOEXEC);
    if (fi < 0 && fe >= 0)
        gpbo_error_set(GPBO_EIO, "/dev/null: %s", strerror(errno));
    else if (j->fd < 0 && fi >= 0)
        gpbo_error_set(GPBO_EIO, "%s: cannot read: %s", out, strerror(errno));
    pid_t parent = getpid(), pid = -1;
    char **env = NULL;
    char prev[sizeof j->dir];
    if (k > 1 && trial_dir(r, id, k - 1, prev, sizeof prev) != GPBO_OK)
        prev[0] = '\0'; /* cannot be: execution k's folder, no shorter, fitted */
    if (j->fd >= 0 && (env = trial_env(r, id, j->dir, k > 1 && prev[0] ? prev : NULL)) == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
    } else if (j->fd >= 0 && argv != NULL) {
        if ((pid = start_program(r, argv, env, fi, fo, fe)) < 0)
            gpbo_error_set(GPBO_ESYSTEM, "vfork: %s", strerror(errno));
    } else if (j->fd >= 0) {
        fflush(stdout);
        fflush(stderr);
        if ((pid = fork()) < 0)
            gpbo_error_set(GPBO_ESYSTEM, "fork: %s", strerror(errno));
    }
    if (pid == 0) /* the built-in trainer: a fork of gpbo that does not exec */
        trainer_child(r, j, vals, env, fi, fo, fe, parent);
    free_argv(argv);
    free(env);
    free(vals);
    if (fo >= 0)
        close(fo);
    if (fe >= 0)
        close(fe);
    if (fi >= 0)
        close(fi);
    if (pid < 0) {
        if (json_file)
            unlink(json);
        if (j->fd >= 0)
            close(j->fd);
        j->fd = -1;
        return gpbo_error_code();
    }
    j->pid = pid;
    j->start = now();
    return GPBO_OK;
}

/* Stores the pending intermediate values in one transaction, after the pruner has seen them;
 * values after the one the pruner stops the trial at are dropped, so that the stored curve is
 * what the pruner saw. A trial whose process had ended, or that had printed its result, before
 * the pruner saw these values is not stopped: it ran to its end (a program's output buffered to
 * its exit arrives at once, the result with the steps; its interpreter may still be tearing
 * down), and its result is its own (finish_job). */
static int flush_steps(runner *r, job *j)
{
    size_t n = j->nbatch;
    for (size_t k = 0; r->pruner && k < n; k++) {
        int prune = 0;
        double mv = r->sw->maximize ? -j->bval[k] : j->bval[k];
        if (gpbo_pruner_report(r->pruner, j->id, j->bstep[k], mv, &prune) == GPBO_OK && prune &&
            !j->exited && !j->have_final) {
            j->stop_reason = JOB_PRUNED;
            if (!j->exited) /* once reaped, its pid may be another's */
                kill(-j->pid, SIGKILL);
            n = k + 1;
        }
    }
    /* the curve's last step read is NaN or infinite: stopped as pruned, as Python's
     * trial.report(step, nan) makes should_prune() say (a NaN never recovers); its finite steps
     * before are stored. Left to end when it had printed its result or ended, as above. */
    if (r->pruner && j->diverged && !j->stop_reason && !j->exited && !j->have_final) {
        j->stop_reason = JOB_PRUNED;
        kill(-j->pid, SIGKILL);
    }
    j->nbatch = 0;
    int rc = gpbo_study_report_many(r->study, j->id, n, j->bstep, j->bval);
    if (rc == GPBO_ESTORAGE) {
        /* the storage is busy or away: the values wait with the trial, which goes on; they are
         * stored before its end, or kept on disk with it (finish_job) */
        if (j->nunsent + n > j->ucap) {
            size_t nc = j->ucap ? 2 * j->ucap : BATCH;
            while (nc < j->nunsent + n)
                nc *= 2;
            long *ns = realloc(j->ustep, nc * sizeof *ns);
            if (ns)
                j->ustep = ns;
            double *nv = realloc(j->uval, nc * sizeof *nv);
            if (nv)
                j->uval = nv;
            if (!ns || !nv)
                return rc;
            j->ucap = nc;
        }
        memcpy(j->ustep + j->nunsent, j->bstep, n * sizeof *j->ustep);
        memcpy(j->uval + j->nunsent, j->bval, n * sizeof *j->uval);
        j->nunsent += n;
        return GPBO_OK;
    }
    if (rc == GPBO_OK && j->nunsent > 0 &&
        gpbo_study_report_many(r->study, j->id, j->nunsent, j->ustep, j->uval) == GPBO_OK)
        j->nunsent = 0;                      /* the storage is back: what waited is stored too */
    return rc == GPBO_ESTATE ? GPBO_OK : rc; /* finished elsewhere: finish_job says so */
}

static int queue_step(runner *r, job *j, long step, double v)
{
    if (j->nbatch > 0 && j->bstep[j->nbatch - 1] == step) {
        j->bval[j->nbatch - 1] = v;
        return GPBO_OK;
    }
    if (j->nbatch == BATCH) {
        int rc = flush_steps(r, j);
        if (rc != GPBO_OK || j->stop_reason)
            return rc;
    }
    j->bstep[j->nbatch] = step;
    j->bval[j->nbatch++] = v;
    return GPBO_OK;
}

/* Whether a newly seen distinct step is stored (the thinning rule above). */
static int keep_step(job *j)
{
    j->distinct++;
    if (j->kept >= STEPS_MAX)
        return 0;
    size_t stride = 1;
    if (j->kept >= STEPS_FULL)
        stride = (size_t)1 << (1 + (j->kept - STEPS_FULL) / STEPS_LEVEL);
    if (++j->since_kept < stride)
        return 0;
    j->since_kept = 0;
    j->kept++;
    return 1;
}

/* One complete output line (j->line[0..len), no newline). */
static int take_line(runner *r, job *j)
{
    if (j->line == NULL) /* nothing was ever buffered: an empty line */
        return GPBO_OK;
    while (j->len > 0 && (j->line[j->len - 1] == ' ' || j->line[j->len - 1] == '\t'))
        j->len--;
    j->line[j->len] = '\0';
    double v;
    long step = 0;
    int kind = parse_metric_line(j->line, r->sw->metric, &v, &step);
    if (kind == 0)
        cli_metric_unreadable(j->line, r->sw->metric, j->unread, sizeof j->unread);
    cli_line_metrics(j->line, &j->metrics);
    j->len = 0;
    if (kind == 1) {
        j->final_value = v;
        j->have_final = 1;
    } else if (kind == 2 && !isfinite(v)) {
        /* a diverged curve (loss=nan step=3): nothing the storage or the pruner can hold, but
         * the trial's result when no later line gives one, so that it fails as a NaN final
         * value does instead of completing with the last finite step's value. With a pruner
         * it is stopped as pruned unless a finite step follows (flush_steps) */
        j->last_step_value = v;
        j->have_step = 1;
        j->diverged = step >= 0; /* judged with the steps read with it (flush_steps) */
    } else if (kind == 2 && step >= 0) {
        j->last_step_value = v;
        j->have_step = 1;
        j->diverged = 0;
        if (j->stop_reason)
            return GPBO_OK; /* stopped: nothing more is stored or judged */
        j->last_finite = v;
        if (j->distinct > 0 && step == j->last_step)
            return j->last_kept ? queue_step(r, j, step, v) : GPBO_OK;
        j->last_step = step;
        j->last_kept = keep_step(j);
        if (j->last_kept)
            return queue_step(r, j, step, v);
    }
    return GPBO_OK;
}

/* Reads up to budget bytes of what the trial printed since last time (up to j->end once it
 * has exited) and stores its intermediate values. *more is set when output remains to read. */
static int follow(runner *r, job *j, size_t budget, int *more)
{
    char buf[65536];
    size_t got = 0;
    int rc = GPBO_OK;
    *more = 0;
    while (rc == GPBO_OK && got < budget) {
        size_t want = sizeof buf;
        if (j->exited) {
            off_t pos = lseek(j->fd, 0, SEEK_CUR);
            if (pos < 0 || pos >= j->end)
                break;
            if ((off_t)want > j->end - pos)
                want = (size_t)(j->end - pos);
        }
        ssize_t n = read(j->fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        for (ssize_t i = 0; i < n && rc == GPBO_OK; i++) {
            char ch = buf[i];
            /* a lone CR ends a line too, as a terminal shows it and Python's universal newlines
             * read it: a progress bar on stdout (tqdm's, a `print("\r...", end="")`) left its
             * last frame before the metric on one line, and `loss=` was not found; CRLF is a
             * line and an empty one */
            if (ch == '\n' || ch == '\r') {
                if (j->overflow)
                    j->len = 0;
                else
                    rc = take_line(r, j);
                j->overflow = 0;
                continue;
            }
            if (j->overflow)
                continue;
            if (j->len >= LINE_CAP) {
                j->overflow = 1;
                j->skipped++;
                j->len = 0;
                continue;
            }
            if (j->len + 1 >= j->cap) {
                size_t nc = j->cap ? 2 * j->cap : 256;
                if (nc > LINE_CAP + 2) /* the line and its terminator */
                    nc = LINE_CAP + 2;
                char *nl = realloc(j->line, nc);
                if (nl == NULL) {
                    rc = gpbo_error_set(GPBO_ENOMEM, "out of memory reading trial %zu", j->id);
                    break;
                }
                j->line = nl;
                j->cap = nc;
            }
            j->line[j->len++] = ch;
        }
        if (got >= budget)
            *more = 1;
    }
    if (rc == GPBO_OK && (j->nbatch > 0 || j->diverged))
        rc = flush_steps(r, j);
    return rc;
}

/* ---- ending a trial's processes ---------------------------------------------------------- */

/* Whether pid holds one of the trial's output files open for writing, or was started with the
 * trial's GPBO_TRIAL_DIR in its environment. */
static int belongs_to(const job *j, pid_t pid)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    int found = 0;
    struct dirent *e;
    while (d != NULL && !found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char fp[300];
        struct stat sb;
        snprintf(fp, sizeof fp, "/proc/%d/fd/%s", (int)pid, e->d_name);
        if (stat(fp, &sb) != 0 || sb.st_dev != j->dev ||
            (sb.st_ino != j->out_ino && sb.st_ino != j->err_ino))
            continue;
        snprintf(fp, sizeof fp, "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
        FILE *f = fopen(fp, "re");
        char line[128];
        unsigned flags = 0;
        while (f != NULL && fgets(line, sizeof line, f))
            if (sscanf(line, "flags: %o", &flags) == 1)
                break;
        if (f != NULL)
            fclose(f);
        found = (flags & O_ACCMODE) != O_RDONLY;
    }
    if (d != NULL)
        closedir(d);
    if (found)
        return 1;
    char dir[1100];
    return environ_value(pid, "GPBO_TRIAL_DIR=", dir, sizeof dir) == 0 && !strcmp(dir, j->dir);
}

/* Collects processes re-parented to gpbo that ended. A trial's own process found here (it
 * ended after its turn's check) has its status kept for the next turn. */
static void reap_orphans(runner *r)
{
    int st;
    pid_t w;
    while ((w = waitpid(-1, &st, WNOHANG)) > 0)
        for (size_t k = 0; k < r->njobs; k++)
            if (r->jobs[k].pid == w && !r->jobs[k].exited) {
                r->jobs[k].reaped = 1;
                r->jobs[k].status = st;
            }
}

typedef struct pid_list {
    pid_t *v;
    size_t n, cap;
} pid_list;

static int pid_push(pid_list *l, long pid)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        pid_t *nv = realloc(l->v, nc * sizeof *nv);
        if (nv == NULL)
            return -1;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = (pid_t)pid;
    return 0;
}

/* Appends the children of every thread of pid; -1 when /proc has no children files. */
static int push_children(pid_list *l, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL)
        return 0; /* gone */
    int rc = 0, seen = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char cp[320];
        snprintf(cp, sizeof cp, "/proc/%d/task/%s/children", (int)pid, e->d_name);
        FILE *f = fopen(cp, "re");
        if (f == NULL)
            continue;
        seen = 1;
        long c;
        while (rc == 0 && fscanf(f, "%ld", &c) == 1)
            rc = pid_push(l, c);
        fclose(f);
    }
    closedir(d);
    return rc == 0 && !seen && pid == getpid() ? -1 : rc;
}

/* The processes that descend from gpbo (with a child subreaper, every process a trial started
 * and that still runs), walked through /proc/PID/task/TID/children; every process in /proc when
 * the kernel has no such files. On error (out of memory) an empty list. */
static pid_list candidates(void)
{
    pid_list l = {NULL, 0, 0};
    int rc = push_children(&l, getpid());
    for (size_t i = 0; rc == 0 && i < l.n && l.n < 65536; i++)
        rc = push_children(&l, l.v[i]);
    if (rc == -1 && l.n == 0) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        rc = 0;
        while (d != NULL && rc == 0 && (e = readdir(d)) != NULL) {
            char *end;
            long pid = strtol(e->d_name, &end, 10);
            if (*end == '\0' && pid > 1 && pid != getpid())
                rc = pid_push(&l, pid);
        }
        if (d != NULL)
            closedir(d);
    }
    if (rc != 0)
        l.n = 0;
    return l;
}

/* Kills what is left of a trial whose process has ended and been reaped. First its process
 * group (the trial's own session), until the group is empty, reaping the members re-parented to
 * gpbo (a child subreaper). Then every process descending from gpbo that holds the trial's
 * stdout or stderr open for writing or carries the trial's GPBO_TRIAL_DIR in its initial
 * environment (a grandchild that called setsid escapes the group, not these), with the group it
 * leads; the scan repeats until it twice finds none, so when this returns none of them can write
 * to the trial's output. A process that both let go of the files and exec'd with another
 * environment is not found: it runs on, gpbo's child once orphaned, reaped if it ends while gpbo
 * runs. */
static void end_trial_processes(runner *r, const job *j)
{
    for (int i = 0; i < 2000; i++) { /* 2 s at most; SIGKILL takes microseconds */
        kill(-j->pid, SIGKILL);
        reap_orphans(r);
        if (kill(-j->pid, 0) != 0 && errno == ESRCH)
            break;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* the children files are a snapshot that can miss a process forking or exiting meanwhile:
     * a scan that finds nothing is repeated once */
    for (int round = 0, quiet = 0; round < 200 && quiet < 2; round++) {
        pid_list l = candidates();
        int killed = 0, others = 0;
        for (size_t i = 0; i < l.n; i++) {
            pid_t pid = l.v[i];
            int is_job = pid == proposer_pid(r->prop);
            for (size_t k = 0; k < r->njobs && !is_job; k++)
                is_job = r->jobs[k].pid == pid;
            others += !is_job;
            if (is_job || !belongs_to(j, pid))
                continue;
            if (getpgid(pid) == pid)
                kill(-pid, SIGKILL); /* the group it leads */
            kill(pid, SIGKILL);
            killed++;
        }
        free(l.v);
        reap_orphans(r);
        /* no descendant but the trials and the proposer: nothing that could fork or be
         * re-parented to gpbo later (the trial's group is gone, so its members' children were
         * re-parented before), so no second look is needed */
        if (round == 0 && others == 0)
            break;
        quiet = killed ? 0 : quiet + 1;
        if (killed) {
            struct timespec ts = {0, 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

/* The trial's process has ended (wait status st): end what it left, and from now on read its
 * output only up to what was printed by then. */
static void trial_exited(runner *r, job *j, int st)
{
    j->exited = 1;
    j->status = st;
    end_trial_processes(r, j);
    struct stat sb;
    j->end = fstat(j->fd, &sb) == 0 ? sb.st_size : 0;
}

/* The name of signal sig ("SIGSEGV"), or NULL for one not listed: a failed trial's reason
 * named only its number, which a user has to look up. */
static const char *signal_name(int sig)
{
    static const struct {
        int sig;
        const char *name;
    } NAMES[] = {{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
                 {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
                 {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
                 {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
                 {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
                 {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"}};
    for (size_t k = 0; k < sizeof NAMES / sizeof *NAMES; k++)
        if (NAMES[k].sig == sig)
            return NAMES[k].name;
    return NULL;
}

static void tail_line(const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (line[0] != '\n') {
            line[strcspn(line, "\r\n")] = '\0';
            snprintf(out, cap, "%s", line);
        }
    fclose(f);
}

/* The last line of the end of the file at path (its last 64 KiB) that gives metric=..., shown
 * safely (control and non-ASCII bytes as '?') and cut to cap bytes into out; "" when none. A
 * program that reports through Python's logging, which writes to stderr
 * (`WARNING:root:loss=0.5`), failed as if it had printed nothing. */
static void stderr_metric(const char *path, const char *metric, char *out, size_t cap)
{
    out[0] = '\0';
    enum { TAIL = 64 << 10 };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf = fd >= 0 && fstat(fd, &st) == 0 ? malloc(TAIL + 1) : NULL;
    ssize_t n = buf ? pread(fd, buf, TAIL, st.st_size > TAIL ? st.st_size - TAIL : 0) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0) {
        free(buf);
        return;
    }
    buf[n] = '\0';
    size_t ml = strlen(metric);
    const char *hit = NULL;
    for (const char *p = buf; (p = strstr(p, metric)) != NULL; p++) {
        char before = p > buf ? p[-1] : ' ';
        if (p[ml] == '=' &&
            !(before == '_' || before == '-' || before == '.' || (before >= '0' && before <= '9') ||
              ((before | 0x20) >= 'a' && (before | 0x20) <= 'z')))
            hit = p;
    }
    if (hit != NULL) {
        const char *start = hit;
        while (start > buf && start[-1] != '\n' && start[-1] != '\0')
            start--;
        size_t len = strcspn(start, "\r\n"), k = 0;
        for (; k + 1 < cap && k < len; k++)
            out[k] =
                (unsigned char)start[k] < 0x20 || (unsigned char)start[k] >= 0x7f ? '?' : start[k];
        out[k] = '\0';
    }
    free(buf);
}

/* Attaches the trial's other metrics to it: the study stores them with its tell, whatever the
 * end (pruned and failed trials keep what they printed too). */
static int store_metrics(runner *r, job *j)
{
    const char *names[CLI_METRICS_MAX];
    for (size_t i = 0; i < j->metrics.n; i++)
        names[i] = j->metrics.name[i];
    int rc = gpbo_study_set_metrics(r->study, j->id, j->metrics.n, names, j->metrics.value);
    return rc == GPBO_ESTATE ? GPBO_OK : rc; /* told elsewhere first: said below, by the tell */
}

/* Frees the disk blocks of the trial's kept output past the cap as it grows (a trial printing
 * gigabytes filled the disk): of stdout only what follow() has read, of stderr (never read
 * while it runs) anything but its last bytes. */
static void trim_output(runner *r, job *j)
{
    if (r->output_cap == 0 || j->no_punch)
        return;
    char path[1200];
    struct stat sb;
    off_t pos = lseek(j->fd, 0, SEEK_CUR);
    snprintf(path, sizeof path, "%s/stdout", j->dir);
    if (pos > 0)
        cli_output_trim(path, (uint64_t)pos, r->output_cap, &j->out_punched, &j->no_punch);
    snprintf(path, sizeof path, "%s/stderr", j->dir);
    if (stat(path, &sb) == 0 && sb.st_size > 0)
        cli_output_trim(path, (uint64_t)sb.st_size, r->output_cap, &j->err_punched, &j->no_punch);
}

/* Cuts the trial's kept output files to the cap once its processes are gone and its stdout is
 * read; a file that cannot be cut is said once and left whole. */
static void compact_output(runner *r, job *j)
{
    static const char *const NAMES[2] = {"stdout", "stderr"};
    char path[1200];
    for (int k = 0; k < 2 && r->output_cap > 0; k++) {
        snprintf(path, sizeof path, "%s/%s", j->dir, NAMES[k]);
        if (cli_output_compact(path, r->output_cap) != GPBO_OK)
            fprintf(stderr, "gpbo: trial %zu: %s\n", j->id, gpbo_error_message());
    }
}

/* A study of several objectives: 1 (why says which) when the trial's output lacks a finite
 * value of an objective past the first (the first is its value, checked as one objective's).
 * Such a trial fails, as a value of every objective is what it owes: kept complete, it sat on no
 * front with nothing in `gpbo trials` to say why, and the C API's tell_values, Python's tell and
 * gpbo import already refuse one. */
static int objective_missing(const runner *r, const job *j, char *why, size_t cap,
                             const char *skipped)
{
    const gpbo_study_options *o = &r->sw->study;
    for (size_t k = 1; o->n_objectives >= 2 && k < o->n_objectives; k++) {
        size_t i = 0;
        while (i < j->metrics.n && strcmp(j->metrics.name[i], o->objective_names[k]) != 0)
            i++;
        if (i == j->metrics.n || !isfinite(j->metrics.value[i])) {
            snprintf(why, cap,
                     "no '%s=<finite number>' line in its output (objective %zu of %zu)%s",
                     o->objective_names[k], k + 1, o->n_objectives, skipped);
            return 1;
        }
    }
    return 0;
}

/* Whether value v of a complete trial reaches the sweep's metric.target. */
static int reaches(const runner *r, double v)
{
    return r->sw->has_target && (r->sw->maximize ? v >= r->sw->target : v <= r->sw->target);
}

/* The kept results' folder changed by this run's own write: no reason to try it at once
 * (replay_kept). */
static void seen_own_change(runner *r)
{
    char kd[1200];
    struct stat sb;
    snprintf(kd, sizeof kd, "%s/unstored", r->runs);
    if (stat(kd, &sb) == 0)
        r->unstored_seen = sb.st_mtim;
}

/* Tells the study trial j's end (state; value when complete, why when failed), the intermediate
 * values it could not take before first. When the storage cannot take it now (GPBO_ESTORAGE: a
 * file locked past its wait, a server away), the end is kept on disk (pending.c) and stored as
 * soon as it can, later in this run or by the next gpbo run, rather than lost with the trial run
 * again: GPBO_OK with j->on_disk set. next: as finish_job's. */
static int end_trial(runner *r, job *j, gpbo_trial_state state, double value, const char *why,
                     int next)
{
    int rc = GPBO_OK;
    cli_pending p = {j->id, j->dir, state, value, why, &j->metrics, j->nunsent, j->ustep, j->uval};
    /* a copy on disk while the tell is under way: killed as the storage makes it wait, the run
     * leaves it for the next (pending.c); without it (it could not be written) the tell goes on */
    char inflight[1300];
    if (cli_pending_save(r->runs, &p, 1, inflight, sizeof inflight) != GPBO_OK)
        inflight[0] = '\0';
    if (j->nunsent > 0 &&
        (rc = gpbo_study_report_many(r->study, j->id, j->nunsent, j->ustep, j->uval)) == GPBO_OK)
        j->nunsent = 0;
    if (rc == GPBO_OK) {
        if (state == GPBO_TRIAL_PRUNED)
            rc = gpbo_study_tell_pruned(r->study, j->id);
        else if (state == GPBO_TRIAL_FAILED)
            rc = gpbo_study_tell_failed(r->study, j->id, why);
        else /* a value at the target asks for no next trial: none will start */
            rc = next && !reaches(r, value) ? proposer_tell_request(r->prop, r->study, j->id, value)
                                            : gpbo_study_tell(r->study, j->id, value);
    }
    if (rc != GPBO_ESTORAGE) {
        if (inflight[0]) {
            unlink(inflight);
            seen_own_change(r);
        }
        return rc;
    }
    char msg[600];
    snprintf(msg, sizeof msg, "%s", gpbo_error_message());
    if (cli_pending_save(r->runs, &p, 0, r->unstored_path, sizeof r->unstored_path) != GPBO_OK) {
        /* the in-flight copy, if any, stays: the next run stores it */
        fprintf(stderr, "gpbo: trial %zu: its result could not be kept on disk either: %s\n", j->id,
                gpbo_error_message());
        return gpbo_error_set(GPBO_ESTORAGE, "%s", msg);
    }
    if (inflight[0])
        unlink(inflight);
    fprintf(stderr,
            "gpbo: trial %zu ended, but the storage could not take its result (%s); the result "
            "is kept in %s and stored as soon as the storage can (later in this run, or by the "
            "next gpbo run): the trial does not run again\n",
            j->id, msg, r->unstored_path);
    j->on_disk = 1;
    r->unstored++;
    r->replay_at = now() + REPLAY_WAIT;
    /* tried again in REPLAY_WAIT, not at the next turn: the storage refused it a moment ago */
    seen_own_change(r);
    return GPBO_OK;
}

/* The trial ended and its output is read: tell the study. next: the run wants its next
 * proposal now, asked with a value's tell in one step (proposer_tell_request). */
static int finish_job(runner *r, job *j, int next)
{
    int rc = GPBO_OK, st = j->status;
    if (!r->sw->has_trainer && cli_uses_json_file(r->sw)) {
        /* ${args_json_file}'s file: the trial's processes are gone (ended, failed, timed out,
         * pruned or interrupted alike) */
        char json[1300];
        json_file_path(j->dir, json, sizeof json);
        unlink(json);
    }
    if (j->len > 0 && !j->overflow) /* a last line with no newline still counts */
        rc = take_line(r, j);
    if (rc == GPBO_OK && j->distinct > 0 && !j->last_kept && !j->stop_reason) {
        /* the curve ends at the trial's last finite step, whatever the thinning skipped (a
         * NaN line after it, the curve's divergence, is not a value the curve can hold) */
        j->last_kept = 1;
        j->kept++;
        rc = queue_step(r, j, j->last_step, j->last_finite);
    }
    if (rc == GPBO_OK && j->nbatch > 0)
        rc = flush_steps(r, j);
    close(j->fd);
    j->fd = -1;
    free(j->line);
    j->line = NULL;
    compact_output(r, j);
    if (rc != GPBO_OK)
        return rc;
    char why[800], last[512], ep[1200], skipped[96] = "";
    snprintf(ep, sizeof ep, "%s/stderr", j->dir);
    if (j->skipped > 0)
        snprintf(skipped, sizeof skipped, " (%zu line%s longer than %d bytes skipped)", j->skipped,
                 j->skipped > 1 ? "s" : "", LINE_CAP);
    gpbo_pruner_outcome outcome = GPBO_PRUNER_FAILED;
    if (j->stop_reason == JOB_INTERRUPTED)
        return GPBO_OK; /* left running in the study: it runs again on resume */
    if ((rc = store_metrics(r, j)) != GPBO_OK)
        return rc;
    if (j->stop_reason == JOB_PRUNED && WIFEXITED(st) && WEXITSTATUS(st) == 0 && j->have_final)
        /* it had printed its result and exited before the pruner's kill reached it (the values
         * were read between its exit and its reaping): a finished trial, told as one, with the
         * curve the pruner saw */
        j->stop_reason = 0;
    if (j->stop_reason == JOB_PRUNED) {
        rc = end_trial(r, j, GPBO_TRIAL_PRUNED, NAN, NULL, next);
        outcome = GPBO_PRUNER_PRUNED;
    } else if (j->stop_reason == JOB_TIMEOUT) {
        snprintf(why, sizeof why, "timed out after %g s", r->sw->timeout);
        rc = end_trial(r, j, GPBO_TRIAL_FAILED, NAN, why, next);
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        tail_line(ep, last, sizeof last);
        if (WIFSIGNALED(st)) {
            /* SIGKILL that gpbo did not send (no timeout, no pruning, no stop): most often the
             * kernel's out-of-memory killer, which says so only in its log */
            int sig = WTERMSIG(st);
            const char *name = signal_name(sig);
            snprintf(why, sizeof why, "killed by signal %d (%s%s%s)%s%s", sig,
                     name ? name : "unknown", WCOREDUMP(st) ? ", core dumped" : "",
                     sig == SIGKILL ? ", not from gpbo: out of memory? see dmesg" : "",
                     last[0] ? ": " : "", last);
        } else {
            snprintf(why, sizeof why, "exit status %d%s%s", WEXITSTATUS(st), last[0] ? ": " : "",
                     last);
        }
        rc = end_trial(r, j, GPBO_TRIAL_FAILED, NAN, why, next);
    } else {
        double v = j->have_final ? j->final_value : j->last_step_value;
        if (!j->have_final && !j->have_step && j->unread[0]) {
            /* the metric was printed, its value no number: say so, not that it is missing */
            snprintf(why, sizeof why, "its output gives %s, which is not a number%s", j->unread,
                     skipped);
            rc = end_trial(r, j, GPBO_TRIAL_FAILED, NAN, why, next);
        } else if (!j->have_final && !j->have_step) {
            char err[100];
            stderr_metric(ep, r->sw->metric, err, sizeof err);
            snprintf(why, sizeof why, "no '%s=<number>' line in its output%s%s%s%s", r->sw->metric,
                     skipped,
                     err[0] ? " (gpbo reads name=value tokens on stdout; its stderr has '" : "",
                     err, err[0] ? "')" : "");
            rc = end_trial(r, j, GPBO_TRIAL_FAILED, NAN, why, next);
        } else if (!isfinite(v)) {
            snprintf(why, sizeof why, "the metric %s is %g", r->sw->metric, v);
            rc = end_trial(r, j, GPBO_TRIAL_FAILED, NAN, why, next);
        } else if (objective_missing(r, j, why, sizeof why, skipped)) {
            rc = end_trial(r, j, GPBO_TRIAL_FAILED, NAN, why, next);
        } else {
            rc = end_trial(r, j, GPBO_TRIAL_COMPLETE, v, NULL, next);
            outcome = GPBO_PRUNER_COMPLETE;
        }
    }
    if (j->skipped > 0 && !r->tty)
        fprintf(stderr, "gpbo: trial %zu:%s\n", j->id, skipped);
    if (rc == GPBO_ESTATE) { /* another worker took it for lost and told it first */
        fprintf(stderr,
                "gpbo: trial %zu was finished by another worker first (this one had been taken "
                "for lost); this result is not stored\n",
                j->id);
        return GPBO_OK;
    }
    if (r->pruner && rc == GPBO_OK)
        gpbo_pruner_finish(r->pruner, j->id, outcome);
    return rc;
}

/* "i/N", or "i" when the run has no budget (a grid run to its end). */
static void count_text(char *buf, size_t cap, size_t i, size_t budget)
{
    if (budget == (size_t)-1)
        snprintf(buf, cap, "%zu", i);
    else
        snprintf(buf, cap, "%zu/%zu", i, budget);
}

/* The finished trials, what the run has found so far ("best loss=0.25", "best loss=-": none
 * yet; of several objectives "Pareto front 4 trials", counted again only when the complete
 * trials change, as the status line is redrawn at every turn) and the seconds since the start. */
static size_t run_state(runner *r, size_t c[GPBO_TRIAL_STATE_COUNT], char *best, size_t cap,
                        double *elapsed)
{
    gpbo_study_counts(r->study, c);
    gpbo_trial_info b;
    if (gpbo_study_nobjectives(r->study) > 1) { /* no one best: the front's size */
        size_t n = gpbo_study_ntrials(r->study), nf = 0, *ids = NULL;
        if (c[GPBO_TRIAL_COMPLETE] != r->front_complete &&
            (ids = malloc((n ? n : 1) * sizeof *ids)) != NULL &&
            gpbo_study_pareto(r->study, ids, n, &nf) == GPBO_OK) {
            r->front_complete = c[GPBO_TRIAL_COMPLETE];
            r->front_n = nf;
        }
        free(ids);
        snprintf(best, cap, "Pareto front %zu trial%s", r->front_n, r->front_n == 1 ? "" : "s");
    } else if (gpbo_study_best(r->study, &b) == GPBO_OK) {
        snprintf(best, cap, "best %s=%.6g", r->sw->metric, b.value);
    } else {
        snprintf(best, cap, "best %s=-", r->sw->metric);
    }
    *elapsed = now() - r->t0;
    return c[GPBO_TRIAL_COMPLETE] + c[GPBO_TRIAL_FAILED] + c[GPBO_TRIAL_PRUNED];
}

/* On a terminal, the one status line (stderr), rewritten in place. */
static void progress(runner *r, size_t budget, int final)
{
    if (!r->tty)
        return;
    size_t c[GPBO_TRIAL_STATE_COUNT];
    char best[160], count[64];
    double el;
    size_t done = run_state(r, c, best, sizeof best, &el);
    /* the time left at this run's own pace (a resumed study's earlier trials took none of it) */
    size_t mine = done - (done < r->done0 ? done : r->done0);
    double eta = mine > 0 && done < budget ? el / (double)mine * (double)(budget - done) : 0;
    count_text(count, sizeof count, done, budget);
    fprintf(stderr, "\r[%s] %s | failed %zu pruned %zu | %02d:%02d elapsed, ~%02d:%02d left   ",
            count, best, c[GPBO_TRIAL_FAILED], c[GPBO_TRIAL_PRUNED], (int)el / 60, (int)el % 60,
            (int)eta / 60, (int)eta % 60);
    if (final)
        fprintf(stderr, "\n");
    fflush(stderr);
}

/* Elsewhere (a log, a pipe), one line per finished trial on stdout: [i/N], the trial, the best
 * so far and the time elapsed. */
static void log_trial(runner *r, size_t id, int kept)
{
    gpbo_trial_info t;
    if (r->tty || gpbo_study_trial(r->study, id, &t) != GPBO_OK)
        return;
    size_t c[GPBO_TRIAL_STATE_COUNT];
    char best[160], count[64];
    double el;
    count_text(count, sizeof count, run_state(r, c, best, sizeof best, &el), r->budget);
    if (t.state == GPBO_TRIAL_RUNNING && kept) {
        printf("[%s] trial %zu ended, its result kept on disk until the storage takes it | %s | "
               "%02d:%02d elapsed\n",
               count, id, best, (int)el / 60, (int)el % 60);
        fflush(stdout);
        return;
    }
    if (t.state == GPBO_TRIAL_RUNNING) {
        /* its end could not be stored (the run stops with the storage's error): it said
         * "trial 6 running", of a trial that had ended */
        printf("[%s] trial %zu ended, its result not stored: it runs again on the next gpbo run "
               "| %s | %02d:%02d elapsed\n",
               count, id, best, (int)el / 60, (int)el % 60);
        fflush(stdout);
        return;
    }
    printf("[%s] trial %zu %s", count, id, cli_state_name(t.state));
    size_t k = gpbo_study_nobjectives(r->study);
    double y[GPBO_MAX_OBJECTIVES];
    if (t.state == GPBO_TRIAL_COMPLETE && k > 1 &&
        gpbo_study_trial_objectives(r->study, id, y) == GPBO_OK)
        for (size_t j = 0; j < k; j++) /* every objective's value, not the first's alone */
            printf(" %s=%.6g", gpbo_study_objective_name(r->study, j), y[j]);
    else if (t.state == GPBO_TRIAL_COMPLETE)
        printf(" %s=%.6g", r->sw->metric, t.value);
    if (t.state == GPBO_TRIAL_PRUNED && t.nsteps > 0)
        printf(" at step %ld (%s=%.6g)", t.steps[t.nsteps - 1], r->sw->metric,
               t.step_values[t.nsteps - 1]);
    if (t.reason) { /* a program's stderr line: its colours and titles not sent to the terminal */
        char *shown = gpbo_report_text(t.reason);
        printf(" (%s)", shown ? shown : t.reason);
        free(shown);
    }
    printf(" | %s | %02d:%02d elapsed\n", best, (int)el / 60, (int)el % 60);
    fflush(stdout);
}

/* A study that already holds trials: one line saying what this run resumes (and r->done0). */
static void print_resumed(runner *r)
{
    size_t n = gpbo_study_ntrials(r->study), c[GPBO_TRIAL_STATE_COUNT], lost = 0, queued = 0,
           doomed = 0;
    if (n == 0)
        return;
    gpbo_study_counts(r->study, c);
    r->done0 = c[GPBO_TRIAL_COMPLETE] + c[GPBO_TRIAL_FAILED] + c[GPBO_TRIAL_PRUNED];
    for (size_t id = 0; id < n; id++) {
        int l = gpbo_study_trial_lost(r->study, id);
        lost += l != 0;
        doomed += l == 2; /* lost lost_retries times already: failed, not run again */
        queued += (size_t)gpbo_study_trial_queued(r->study, id);
    }
    if (queued == n) { /* a new study with its initial points, or points enqueued before */
        printf("study '%s': %zu enqueued trial%s run first\n", r->sw->name, n, n == 1 ? "" : "s");
        fflush(stdout);
        return;
    }
    printf("resuming study '%s': %zu trials found: %zu complete, %zu failed, %zu pruned",
           r->sw->name, n, c[GPBO_TRIAL_COMPLETE], c[GPBO_TRIAL_FAILED], c[GPBO_TRIAL_PRUNED]);
    if (lost > doomed)
        printf(", %zu interrupted (reclaimed: they run again first)", lost - doomed);
    if (doomed > 0)
        printf(", %zu interrupted too often (their worker was lost lost_retries=%zu times: they "
               "are failed)",
               doomed, gpbo_study_get_options(r->study)->lost_retries);
    if (queued > 0)
        printf(", %zu enqueued (they run first)", queued);
    if (c[GPBO_TRIAL_RUNNING] > lost + queued)
        printf(", %zu running in other workers", c[GPBO_TRIAL_RUNNING] - lost - queued);
    printf("\n");
    fflush(stdout);
}

/* The built-in trainer's final metrics of a trial, from its stdout. */
static void print_trainer_metrics(runner *r, size_t id)
{
    char dir[1024], path[1200], line[256];
    if (cli_last_trial_dir(r->runs, id, dir, sizeof dir) != GPBO_OK)
        return;
    snprintf(path, sizeof path, "%s/stdout", dir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    static const char *const keys[] = {
        "val_accuracy=", "val_f1=", "test_accuracy=", "test_f1=", "epochs=", "seconds="};
    while (fgets(line, sizeof line, f))
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            if (!strncmp(line, keys[k], strlen(keys[k])) && strstr(line, "step=") == NULL)
                printf("  %s", line);
    fclose(f);
}

/* A whole number option in [lo, hi]; -1 (after printing why) otherwise. */
static long count_option(const char *opt, const char *v, long lo, long hi)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end != '\0' || errno == ERANGE || n < lo || n > hi) {
        if (hi == LONG_MAX)
            fprintf(stderr, "gpbo run: %s must be a whole number >= %ld, not '%s'\n", opt, lo, v);
        else
            fprintf(stderr, "gpbo run: %s must be a whole number from %ld to %ld, not '%s'\n", opt,
                    lo, hi, v);
        return -1;
    }
    return n;
}

/* The command line of `gpbo run`: -1 for a number not given. */
typedef struct run_args {
    const char *path, *storage, *study_name, *strategy;
    long jobs, trials, seed, init, max_fail;
} run_args;

/* Reads the options into a. Returns 0, or the exit status (2) after printing why. */
static int parse_run_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->jobs = a->trials = a->seed = a->init = a->max_fail = -1;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (o[0] != '-' && a->path == NULL) {
            a->path = o;
            continue;
        }
        if (o[0] != '-') {
            fprintf(stderr, "gpbo run: unexpected argument '%s' (one sweep file at a time)\n", o);
            return 2;
        }
        char buf[32];
        const char *v;
        if (cli_take_option("run", argc, argv, &i, buf, sizeof buf, &o, &v) != 0)
            return 2;
        long *num = !strcmp(o, "--jobs")                   ? &a->jobs
                    : !strcmp(o, "--trials")               ? &a->trials
                    : !strcmp(o, "--seed")                 ? &a->seed
                    : !strcmp(o, "--init")                 ? &a->init
                    : !strcmp(o, "--max-initial-failures") ? &a->max_fail
                                                           : NULL;
        if (num != NULL) {
            int jobs = num == &a->jobs;
            *num = count_option(o, v, jobs ? 1 : 0, jobs ? JOBS_MAX : LONG_MAX);
            if (*num < 0)
                return 2;
        } else if (!strcmp(o, "--storage")) {
            a->storage = v;
        } else if (!strcmp(o, "--study")) {
            a->study_name = v;
        } else if (!strcmp(o, "--strategy")) {
            a->strategy = v;
        } else { /* in help.c's table, not read here */
            return cli_bad_option("run", o);
        }
    }
    if (a->path == NULL) {
        fprintf(stderr, "gpbo run: give a sweep file (gpbo run --help)\n");
        return 2;
    }
    return 0;
}

/* Loads the sweep into r->sw with the command line's study name, seed, initial count and
 * strategy, and finds the number of trials at a time (*njobs). Returns 0, or the exit status
 * after printing why (r->sw may then hold the sweep: the caller frees it). */
static int load_sweep(runner *r, const run_args *a, size_t *njobs)
{
    if ((r->sw = sweep_load(a->path)) == NULL) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 2;
    }
    sweep *sw = r->sw;
    if (a->study_name) {
        char *n = strdup(a->study_name);
        if (n == NULL) {
            fprintf(stderr, "gpbo: out of memory\n");
            return 1;
        }
        free(sw->name);
        sw->name = n;
    }
    if (sw->name[0] == '\0') {
        fprintf(stderr, "gpbo run: %s: the study name is empty\n",
                a->study_name ? "--study" : a->path);
        return 2;
    }
    if (a->seed >= 0)
        sw->study.seed = (uint64_t)a->seed;
    if (a->init >= 0)
        sw->study.n_init = (size_t)a->init;
    if (a->strategy) {
        const char *known[SWEEP_STRATEGIES];
        size_t nk = sweep_strategies(known), k = sweep_find(a->strategy, known, nk);
        if (k == nk) {
            fprintf(stderr, "gpbo run: unknown strategy '%s' (did you mean '%s'?)\n", a->strategy,
                    sweep_closest(a->strategy, known, nk));
            return 2;
        }
        sw->study.strategy = known[k];
    }
    if (sw->probabilities_line > 0)
        fprintf(stderr,
                "gpbo: warning: %s:%zu: the probabilities of '%s' (and any other parameter's) are "
                "not used: gpbo's strategies draw a categorical's values evenly (random, sobol, "
                "lhs, grid) or by their model (bayes)\n",
                a->path, sw->probabilities_line, sw->probabilities_of);
    *njobs = a->jobs > 0 ? (size_t)a->jobs : sw->jobs;
    if (*njobs < 1 || *njobs > JOBS_MAX) {
        fprintf(stderr, "gpbo: %s: gpbo.jobs is %zu; at most %d trials run at a time\n", a->path,
                *njobs, JOBS_MAX);
        return 2;
    }
    /* by default W&B's agent's 5 (WANDB_AGENT_MAX_INITIAL_FAILURES), or the run's jobs when
     * more: those start together, and the quickest to end are the ones that fail at once (a
     * configuration that runs out of memory), so with fewer the first jobs' failures alone
     * held a healthy study's free slots until one of its trials completed */
    if (a->max_fail >= 0)
        r->max_initial_failures = (size_t)a->max_fail;
    else if (sw->max_initial_failures != SIZE_MAX)
        r->max_initial_failures = sw->max_initial_failures;
    else
        r->max_initial_failures = *njobs > 5 ? *njobs : 5;
    return 0;
}

/* Allocates the runner's buffers for njobs trials and the space's parameters (r->space set),
 * and *vals for one proposal. Returns 0, or 1 after printing why (what was allocated stays in r
 * and *vals for the caller to free). */
static int alloc_runner(runner *r, size_t njobs, double **vals)
{
    r->np = gpbo_space_size(r->space);
    r->names = calloc(r->np ? r->np : 1, sizeof *r->names);
    r->vals = calloc(r->np ? r->np : 1, sizeof *r->vals);
    for (size_t i = 0; r->names && r->vals && i < r->np; i++) {
        r->names[i] = r->sw->p[i].name;
        if ((r->vals[i] = malloc(256)) == NULL)
            break;
    }
    r->jobs = calloc(njobs, sizeof *r->jobs);
    *vals = malloc((r->np ? r->np : 1) * sizeof **vals);
    if (!r->names || !r->vals || (r->np && !r->vals[r->np - 1]) || !r->jobs || !*vals) {
        fprintf(stderr, "gpbo: out of memory\n");
        return 1;
    }
    r->njobs = njobs;
    return 0;
}

/* A trainer sweep's objectives must be metrics the trainer prints, and early_terminate needs its
 * metric per epoch: a misspelt metric (accuracy) ran, its value the last epoch's accuracy printed
 * under that name. Returns 0, or 2 after printing why. */
static int check_trainer_metrics(const sweep *sw, const char *path)
{
    size_t n = sw->study.n_objectives >= 2 ? sw->study.n_objectives : 1;
    for (size_t j = 0; j < n; j++) {
        const char *m = n > 1 ? sw->study.objective_names[j] : sw->metric;
        if (sweep_find(m, TRAINER_METRICS, TRAINER_NMETRICS) == TRAINER_NMETRICS) {
            fprintf(stderr,
                    "gpbo: %s: metric '%s' is not one the built-in trainer reports (did you mean "
                    "'%s'?)\n",
                    path, m, sweep_closest(m, TRAINER_METRICS, TRAINER_NMETRICS));
            return 2;
        }
    }
    if (sw->prune.kind != GPBO_PRUNER_NONE && !trainer_epoch_metric(sw->metric)) {
        fprintf(stderr,
                "gpbo: %s: early_terminate needs the metric per epoch, and the built-in trainer "
                "has %s only at the end (per epoch: val_accuracy, val_loss)\n",
                path, sw->metric);
        return 2;
    }
    return 0;
}

/* Makes the pruner and, for the built-in trainer, its base settings and data; each parameter
 * must then be a trainer setting. Returns 0, or the exit status after printing why. */
static int prepare_objective(runner *r, const char *path)
{
    sweep *sw = r->sw;
    /* a bad early_terminate is the sweep's error: found before any file is made */
    if (sw->prune.kind != GPBO_PRUNER_NONE && (r->pruner = gpbo_pruner_new(&sw->prune)) == NULL) {
        fprintf(stderr, "gpbo: %s: early_terminate: %s\n", path, gpbo_error_message());
        return 2;
    }
    if (!sw->has_trainer)
        return 0;
    trainer_settings_init(&r->base);
    for (size_t i = 0; i < sw->ntrainer; i++)
        if (trainer_set(&r->base, sw->trainer[i].key, sw->trainer[i].value) != GPBO_OK) {
            fprintf(stderr, "gpbo: %s: %s\n", path, gpbo_error_message());
            return 2;
        }
    const char *keys[TRAINER_NKEYS];
    size_t nkeys = trainer_keys(keys);
    for (size_t i = 0; i < r->np; i++) {
        if (sweep_find(r->names[i], keys, nkeys) == nkeys) {
            fprintf(stderr,
                    "gpbo: %s: parameter '%s' is not a trainer setting (did you mean '%s'?)\n",
                    path, r->names[i], sweep_closest(r->names[i], keys, nkeys));
            return 2;
        }
    }
    if (trainer_check_keys(&r->base, (const char *const *)r->names, r->np) != GPBO_OK) {
        fprintf(stderr, "gpbo: %s: %s\n", path, gpbo_error_message());
        return 2;
    }
    if (check_trainer_metrics(sw, path) != 0)
        return 2;
    int lrc = trainer_data_load(&r->base, &r->data);
    if (lrc != GPBO_OK) {
        fprintf(stderr, "gpbo: %s: %s\n", path, gpbo_error_message());
        /* a setting the data cannot meet (train_size, val_size) is the sweep's error, as in
         * gpbo train; a missing or damaged file is not */
        return lrc == GPBO_EINVAL ? 2 : 1;
    }
    return 0;
}

/* Whether the stored study st optimizes what the sweep asks: its objectives' number, names and
 * goals. A study keeps the options it was made with, so a sweep edited from `goal: minimize` to
 * `maximize` went on minimizing and called the smallest value the best. Returns 0, or 2 after
 * printing the difference. */
static int check_goals(const sweep *sw, const gpbo_study *st, const char *storage)
{
    static const char *const GOAL[] = {"minimize", "maximize"};
    size_t n = sw->study.n_objectives >= 2 ? sw->study.n_objectives : 1;
    for (size_t j = 0; j < n && n == gpbo_study_nobjectives(st); j++) {
        const char *name = n > 1 ? sw->study.objective_names[j] : sw->metric;
        gpbo_direction want = n > 1 ? sw->study.objective_directions[j] : sw->study.direction;
        gpbo_direction had =
            n > 1 ? gpbo_study_objective_direction(st, j) : gpbo_study_direction(st);
        if (want != had) {
            fprintf(stderr,
                    "gpbo run: %s: the goal of %s is %s, but study '%s' in %s was made to %s it "
                    "(a study keeps its goal: give another name or --study for a new one)\n",
                    sw->path, name, GOAL[want], sw->name, storage, GOAL[had]);
            return 2;
        }
        /* one objective: a study stored before its metric's name was kept has none to check */
        const char *stored = gpbo_study_objective_name(st, j);
        if (n == 1 && stored != NULL && strcmp(name, stored) != 0) {
            fprintf(stderr,
                    "gpbo run: %s: the metric is %s, but study '%s' in %s was made for %s (a "
                    "study keeps its metric: give another name or --study for a new one)\n",
                    sw->path, name, sw->name, storage, stored);
            return 2;
        }
        if (n > 1 && strcmp(name, gpbo_study_objective_name(st, j)) != 0) {
            fprintf(stderr,
                    "gpbo run: %s: objective %zu is %s, but study '%s' in %s was made with %s\n",
                    sw->path, j + 1, name, sw->name, storage, gpbo_study_objective_name(st, j));
            return 2;
        }
    }
    if (n != gpbo_study_nobjectives(st)) {
        fprintf(stderr,
                "gpbo run: %s: the sweep has %zu objective%s, but study '%s' in %s was made with "
                "%zu\n",
                sw->path, n, n > 1 ? "s" : "", sw->name, storage, gpbo_study_nobjectives(st));
        return 2;
    }
    return 0;
}

/* Makes path (cap bytes, an existing folder) absolute and canonical. The trial folders are named
 * from the storage's path, relative to where gpbo was started, but each program runs in the sweep
 * file's folder: `gpbo run dir/sweep.yaml` gave it GPBO_TRIAL_DIR=dir/sweep.runs/trial-000000,
 * a folder that does not exist from there. */
static int absolute(char *path, size_t cap)
{
    /* canonical (realpath): the folder is found again by its text in a process's
     * GPBO_TRIAL_DIR (belongs_to, earlier_execution), and a worker started from another folder
     * (gpbo run ../sweep.yaml) made /a/sub/../w.runs of /a/w.runs, so that what a lost worker's
     * trial left running was never ended by the worker that ran the trial again */
    char buf[PATH_MAX];
    if (realpath(path, buf) == NULL)
        return gpbo_error_set(GPBO_EIO, "%s: %s", path, strerror(errno));
    size_t w = strlen(buf);
    if (w >= cap)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", buf);
    memcpy(path, buf, w + 1);
    return GPBO_OK;
}

/* Opens the study at storage (NULL: the database next to the sweep, its path kept in dbpath)
 * and makes its trial folders' parent r->runs. Sets *storage to the URL used. Returns 0, or the
 * exit status after printing why. */
static int open_study(runner *r, const char **storage, char *dbpath, size_t cap)
{
    sweep *sw = r->sw;
    /* the name is data: the default file names encode it, so it never walks out of the folder */
    if (*storage == NULL) {
        if (cli_study_file(dbpath, cap, sw->dir, sw->name, ".db") != GPBO_OK) {
            fprintf(stderr, "gpbo run: %s\n", gpbo_error_message());
            return 2;
        }
        *storage = dbpath;
    }
    if (cli_storage_folder("run", *storage) != 0)
        return 2;
    r->study = gpbo_study_open(*storage, sw->name, r->space, &sw->study);
    if (r->study == NULL) {
        int status = gpbo_error_code() == GPBO_EINVAL ? 2 : 1; /* a bad URL or sweep: the user's */
        cli_open_failed(sw->path);
        return status;
    }
    if (check_goals(sw, r->study, *storage) != 0)
        return 2;
    if (cli_runs_dir_claim(sw->dir, sw->name, *storage, r->runs, sizeof r->runs) != GPBO_OK ||
        mkdirs(r->runs) != GPBO_OK || absolute(r->runs, sizeof r->runs) != GPBO_OK) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 1;
    }
    return 0;
}

/* Whether the study holds a trial at exactly the point vals (np values). */
static int holds_point(gpbo_study *st, const double *vals, size_t np)
{
    for (size_t t = 0; t < gpbo_study_ntrials(st); t++) {
        gpbo_trial_info ti;
        if (gpbo_study_trial(st, t, &ti) == GPBO_OK && !memcmp(ti.values, vals, np * sizeof *vals))
            return 1;
    }
    return 0;
}

/* The sweep's initial_points, enqueued first (issue 20), each once however many workers run the
 * sweep: a point the study holds already is skipped (a resumed study, a worker that joins
 * later); the others go in with a cap of n0 + k + 1 trials for point k, n0 the trials the study
 * holds that are not among the points, so that of workers starting together only one adds each
 * point (the others' caps are then full), at the same id. Returns 0, or 1 after printing why. */
static int enqueue_initial(runner *r, size_t budget)
{
    const sweep *sw = r->sw;
    size_t present = 0;
    if (sw->ninit == 0)
        return 0;
    if (gpbo_study_sync(r->study) != GPBO_OK) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 1;
    }
    for (size_t k = 0; k < sw->ninit; k++)
        present += (size_t)holds_point(r->study, sw->init + k * sw->np, sw->np);
    size_t n0 = gpbo_study_ntrials(r->study) - present;
    for (size_t k = 0; k < sw->ninit; k++) {
        const double *p = sw->init + k * sw->np;
        size_t cap = n0 + k + 1 < budget ? n0 + k + 1 : budget;
        int rc =
            holds_point(r->study, p, sw->np) ? GPBO_OK : gpbo_study_enqueue(r->study, p, cap, NULL);
        if (rc != GPBO_OK && rc != GPBO_EEXHAUSTED) {
            fprintf(stderr, "gpbo: initial point %zu: %s\n", k + 1, gpbo_error_message());
            return 1;
        }
    }
    return 0;
}

/* Brings the pruner up to date, starts the proposer for a budget of trials (local: in this
 * process, proposer.h), and installs the SIGINT / SIGTERM / SIGHUP / SIGPIPE (stop) and SIGCHLD
 * (wake-up) handlers, gpbo becoming the subreaper of what trials leave behind. Returns 0, or 1
 * after printing why. */
static int start_machinery(runner *r, const char *storage, size_t budget, int local)
{
    if (r->pruner && gpbo_pruner_catch_up(r->pruner, r->study) != GPBO_OK) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 1;
    }
    /* forked now, while this process has no thread and no trial open; a strategy without a
     * model is asked in this process (proposer.h) */
    if (local)
        r->prop = proposer_local(r->study, budget);
    else
        r->prop = proposer_start(storage, r->sw->name, r->space, &r->sw->study, budget,
                                 gpbo_study_worker(r->study));
    if (r->prop == NULL) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 1;
    }
    if (g_wake[0] < 0 && pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        fprintf(stderr, "gpbo: pipe: %s\n", strerror(errno));
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* a closed terminal or ssh session stops the run as Ctrl-C does; by default it killed gpbo
     * alone, and what the trials had started (their own sessions) ran on with no one to record
     * them. Under nohup SIGHUP stays ignored. */
    struct sigaction old;
    if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN) {
        g_hup_caught = 1;
        sigaction(SIGHUP, &sa, NULL);
    }
    /* and so does a reader of its output that goes away (gpbo run ... | head): by default the
     * next progress line killed gpbo, leaving its trials' processes to run on */
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler != SIG_IGN) {
        g_pipe_caught = 1;
        sigaction(SIGPIPE, &sa, NULL);
    }
    sa.sa_handler = on_child;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    /* processes a trial leaves behind become gpbo's children, so that they can be ended */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    r->tty = isatty(2);
    r->t0 = now();
    return 0;
}

/* The main loop's state between its steps. */
typedef struct run_loop {
    double *vals;      /* the held proposal's values */
    size_t running;    /* trials running */
    size_t held_id;    /* the held proposal's trial, when held */
    size_t ahead;      /* 1: one proposal is asked ahead of a free slot */
    size_t budget;     /* trials to run ((size_t)-1: until exhausted) */
    int held;          /* a proposal waits for a free slot */
    int exhausted;     /* the strategy has nothing more to propose */
    int reached;       /* a trial reached the sweep's metric.target: no trial starts */
    size_t reached_id; /* that trial */
    int gave_up;       /* the study's first trials all failed (initial_failures): none starts */
    int healthy;       /* the study holds a complete or pruned trial: it never gives up */
    int near;          /* the trials running would make it give up if they all failed */
    int busy;          /* a trial has output left to read: do not sleep */
    int failed_rc;     /* the first error that ends the run, or GPBO_OK */
    /* failed_rc's message, kept when it is set: the calls that follow in the same turn (a
     * trial's log line asks for the best, which fails while none is complete) overwrite the
     * thread's last error */
    char failed_msg[1024];
    double synced; /* when the study was last read */
} run_loop;

/* Records rc as the error that ends the run unless one already does; msg: its message (NULL:
 * the thread's last error). */
static void set_failed(run_loop *l, int rc, const char *msg)
{
    if (rc == GPBO_OK || l->failed_rc != GPBO_OK)
        return;
    l->failed_rc = rc;
    snprintf(l->failed_msg, sizeof l->failed_msg, "%s", msg ? msg : gpbo_error_message());
}

/* Whether the study's trials so far have all failed, r->max_initial_failures of them or more
 * (W&B's agent kills a sweep whose first runs all fail; a program that cannot work failed
 * run_cap trials, one after the other): counted over the study, every worker's and every run's,
 * so that a resumed run or another worker stops too, and with `ending` trials of this run that
 * have ended but are not yet told taken as failed (a trial started in their slot before their
 * result is stored would be one failure more). A study that holds a complete or a pruned trial
 * never gives up (l->healthy: it stays so). This function cannot fail. */
static int initial_failures(const runner *r, run_loop *l, size_t ending)
{
    if (r->max_initial_failures == 0 || l->healthy)
        return 0;
    size_t c[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(r->study, c);
    if (c[GPBO_TRIAL_COMPLETE] + c[GPBO_TRIAL_PRUNED] > 0) {
        l->healthy = 1;
        return 0;
    }
    return c[GPBO_TRIAL_FAILED] + ending >= r->max_initial_failures;
}

/* l's give-up state from the study's counts: gave_up as it stands, near if the trials running
 * all failed (initial_failures). Cannot fail. */
static void update_give_up(const runner *r, run_loop *l)
{
    l->gave_up = initial_failures(r, l, 0);
    l->near = initial_failures(r, l, l->running);
}

/* Takes a proposal that arrived (held until a slot is free, then run; stopping, it is left to
 * the study: the proposer's close hands it back). Cannot fail: errors go to l->failed_rc. */
static void take_proposal(runner *r, run_loop *l)
{
    int prc;
    if (!l->held && proposer_take(r->prop, &prc, &l->held_id, l->vals)) {
        if (prc == GPBO_EEXHAUSTED)
            l->exhausted = 1;
        else
            set_failed(l, prc, NULL);
        l->held = prc == GPBO_OK;
    }
}

/* Starts the held proposal in a free slot when there is one and the run goes on: the trial is
 * adopted (so this worker owns it) and spawned. A trial that cannot start stops the run; it is
 * told failed only when the cause is its own (GPBO_EINVAL: its values make no command, it ran
 * too many times), else (a trial folder that cannot be made or written: a full disk, a
 * read-only folder; no process left to fork) it is left running, handed back when the study
 * closes, and runs again first on the next gpbo run: it was told failed, so that once the disk
 * had room it never ran and still counted against run_cap. Errors go to l->failed_rc (a trial
 * another worker owns, GPBO_ESTATE, is no error). */
static void start_held(runner *r, run_loop *l)
{
    if (!l->held || l->running >= r->njobs || g_stop || l->failed_rc != GPBO_OK || l->reached ||
        l->gave_up)
        return;
    size_t slot = 0;
    while (r->jobs[slot].pid != 0)
        slot++;
    l->held = 0;
    int rc = gpbo_study_adopt(r->study, l->held_id);
    if (rc == GPBO_OK)
        l->synced = now(); /* adopting read the study */
    if (rc == GPBO_OK && (rc = spawn(r, l->held_id, l->vals, &r->jobs[slot])) == GPBO_OK)
        l->running++;
    if (rc == GPBO_OK || rc == GPBO_ESTATE)
        return;
    char msg[700];
    snprintf(msg, sizeof msg, "%s", gpbo_error_message());
    if (rc == GPBO_EINVAL) {
        set_failed(l, rc, msg); /* before the tell below can overwrite the message */
        gpbo_study_tell_failed(r->study, l->held_id, msg);
        return;
    }
    char why[800];
    snprintf(why, sizeof why, "%s (trial %zu could not start: it runs again on the next gpbo run)",
             msg, l->held_id);
    set_failed(l, rc, why);
}

/* Sleeps until a child ends (SIGCHLD writes to g_wake), a proposal arrives, or 20 ms pass (a
 * trial's output to read); not at all while a trial has output left. */
static void wait_for_events(runner *r, run_loop *l)
{
    if (!l->busy) {
        struct pollfd pf[2] = {{g_wake[0], POLLIN, 0}, {proposer_fd(r->prop), POLLIN, 0}};
        poll(pf, 2, 20);
        char drain[64];
        while (read(g_wake[0], drain, sizeof drain) > 0)
            ;
    }
    l->busy = 0;
}

/* Whether the run asks for its next proposal now: one ahead of a free slot when the strategy
 * does not learn from results (the next point is the same whenever it is asked). */
static int wants_proposal(const runner *r, const run_loop *l)
{
    /* nor one ahead of a free slot that the trials running may never free: if they all fail,
     * it would stay in the study, proposed and never run */
    return !g_stop && !l->exhausted && l->failed_rc == GPBO_OK && !l->held && !l->reached &&
           !l->gave_up && l->running < r->njobs + (l->near ? 0 : l->ahead);
}

/* Whether the study holds a trial that reached the sweep's metric.target — its best trial, the
 * best feasible one under constraints, any worker's — with that trial in *id. W&B finishes a
 * sweep so; gpbo took the key and ran on to run_cap. */
static int target_reached(const runner *r, size_t *id)
{
    gpbo_trial_info b;
    if (!r->sw->has_target || gpbo_study_best(r->study, &b) != GPBO_OK || !reaches(r, b.value))
        return 0;
    *id = b.id;
    return 1;
}

/* Stops job j's program at a timeout or a stop: SIGKILL to its process group, or, with a grace
 * (GPBO_KILL_GRACE), SIGTERM first, so that it can finish the checkpoint it writes (poll_job
 * sends the SIGKILL once the grace is over). A pruned trial is killed at once: it has ended. */
static void stop_program(const runner *r, job *j, double t)
{
    if (r->kill_grace <= 0) {
        kill(-j->pid, SIGKILL);
    } else if (j->term_at == 0) {
        kill(-j->pid, SIGTERM);
        j->term_at = t;
    }
}

/* One turn for job j: kills it on interruption or timeout, notes its exit, reads a bounded part
 * of its output, and finishes it (told, logged, slot freed) once it has ended and its output is
 * read. Errors go to l->failed_rc. */
static void poll_job(runner *r, run_loop *l, job *j)
{
    int more = 0, st = 0;
    double t = now();
    /* an exit first: a trial that ended by itself before the stop (or its timeout) was seen is
     * a finished trial, told as such, not one interrupted and run again */
    if (!j->exited && (j->reaped || waitpid(j->pid, &st, WNOHANG) == j->pid))
        trial_exited(r, j, j->reaped ? j->status : st);
    if (g_stop && !j->stop_reason && !j->exited) {
        j->stop_reason = JOB_INTERRUPTED;
        r->interrupted++;
        stop_program(r, j, t);
    }
    if (r->sw->timeout > 0 && !j->stop_reason && !j->exited && t - j->start > r->sw->timeout) {
        j->stop_reason = JOB_TIMEOUT;
        stop_program(r, j, t);
    }
    /* its grace (GPBO_KILL_GRACE) since the SIGTERM is over: SIGKILL, as without one */
    if (j->term_at > 0 && !j->exited && t - j->term_at >= r->kill_grace)
        kill(-j->pid, SIGKILL);
    if (!j->exited && (j->reaped || waitpid(j->pid, &st, WNOHANG) == j->pid))
        trial_exited(r, j, j->reaped ? j->status : st);
    char msg[512]; /* rc's message, taken when rc is set (only read then) */
    int rc = follow(r, j, TURN_BYTES, &more);
    if (rc != GPBO_OK)
        snprintf(msg, sizeof msg, "%s", gpbo_error_message());
    trim_output(r, j);
    l->busy |= more;
    if (j->exited && !more) {
        /* the slot is freed and the held proposal started before this result is stored: the
         * next trial's program does not wait for the storage's write (a one-worker run of a
         * fast objective spends that time twice otherwise) */
        job done = *j;
        j->pid = 0;
        j->fd = -1;
        j->line = NULL;
        l->running--;
        /* this trial may be the failure that makes the study give up: nothing starts or is
         * asked in its place until its result is told */
        l->gave_up = initial_failures(r, l, done.stop_reason != JOB_INTERRUPTED);
        /* with metric.target, not before: this result may reach it, and then nothing starts */
        if (!r->sw->has_target)
            start_held(r, l);
        int frc = finish_job(r, &done, wants_proposal(r, l));
        /* at once: a trial ending in the same turn asks for no proposal that would not start */
        l->reached = l->reached || target_reached(r, &l->reached_id);
        if (r->sw->has_target)
            start_held(r, l);
        update_give_up(r, l);
        if (rc == GPBO_OK && frc != GPBO_OK) {
            rc = frc;
            snprintf(msg, sizeof msg, "%s", gpbo_error_message());
        }
        if (done.stop_reason != JOB_INTERRUPTED)
            log_trial(r, done.id, done.on_disk);
        free(done.ustep);
        free(done.uval);
    }
    set_failed(l, rc, msg);
}

/* Says on stderr, once, when this run's heartbeats have failed long enough to put its trials at
 * risk (half of grace without one stored, or 3 failures in a row), and once again when they are
 * stored again: past grace, the other workers of the study take the trials for lost and run them
 * again, and this run's results for them are then refused. */
static void watch_heartbeat(runner *r)
{
    size_t fails = 0;
    double age = 0;
    char msg[512];
    if (gpbo_study_heartbeat_health(r->study, &fails, &age, msg, sizeof msg) != GPBO_OK)
        return;
    double grace = gpbo_study_get_options(r->study)->grace;
    if (fails == 0 && r->hb_warned) {
        fprintf(stderr, "gpbo: the heartbeat of this run's trials is stored again\n");
        r->hb_warned = 0;
    } else if (fails > 0 && !r->hb_warned && (fails >= 3 || age >= grace / 2)) {
        fprintf(stderr,
                "gpbo: warning: the heartbeat of this run's trials has not been stored for %.0f s "
                "(%zu tr%s in a row failed; the last: %s): if the storage stays so for grace=%g "
                "s, other workers of the study take these trials for lost and run them again\n",
                age, fails, fails == 1 ? "y" : "ies", msg, grace);
        r->hb_warned = 1;
    }
}

/* Stores the results kept on disk for the storage (pending.c), this run's and any other worker's
 * of the study (a trial kept by a run that stopped would otherwise run again here): when the
 * folder changed, and again every REPLAY_WAIT seconds while some wait. */
static void replay_kept(runner *r)
{
    char dir[1200];
    struct stat sb;
    snprintf(dir, sizeof dir, "%s/unstored", r->runs);
    if (stat(dir, &sb) != 0)
        return;
    double t = now();
    int changed = sb.st_mtim.tv_sec != r->unstored_seen.tv_sec ||
                  sb.st_mtim.tv_nsec != r->unstored_seen.tv_nsec;
    if (!changed && !(r->unstored > 0 && t >= r->replay_at))
        return;
    r->unstored_seen = sb.st_mtim;
    if (cli_pending_replay(r->study, r->runs, 0, &r->unstored) != GPBO_OK)
        r->replay_at = now() + REPLAY_WAIT; /* the storage is still away: later */
}

/* Reads what the other workers did, at most every 0.25 s: for the pruner and the progress
 * line. Errors are left for the next sync. */
static void periodic_sync(runner *r, run_loop *l)
{
    replay_kept(r);
    watch_heartbeat(r);
    if (now() - l->synced > 0.25) {
        l->synced = now();
        if (gpbo_study_sync(r->study) == GPBO_OK && r->pruner)
            gpbo_pruner_catch_up(r->pruner, r->study);
    }
}

/* Runs trials until the budget is spent, the strategy is exhausted, an error occurs or the run
 * is interrupted, and every started trial has ended. Returns the first error (GPBO_OK if none);
 * its message is l->failed_msg. */
static int run_trials(runner *r, run_loop *l)
{
    for (;;) {
        l->reached = l->reached || target_reached(r, &l->reached_id);
        update_give_up(r, l);
        take_proposal(r, l);
        start_held(r, l);
        if (wants_proposal(r, l)) {
            proposer_request(r->prop);
            take_proposal(r, l); /* a local proposer's answer is there at once */
        }
        /* and no event will say so: it starts, or the next one is asked, without a sleep */
        if ((l->held && l->running < r->njobs && !g_stop && l->failed_rc == GPBO_OK &&
             !l->gave_up) ||
            (proposer_fd(r->prop) < 0 && wants_proposal(r, l)))
            l->busy = 1;
        /* a held proposal that will not start (the run stops, or failed) is left to the
         * study: the close of r->study hands it back */
        int keep = l->held && !g_stop && l->failed_rc == GPBO_OK && !l->reached && !l->gave_up;
        if (l->running == 0 && !keep && !proposer_busy(r->prop))
            break;
        wait_for_events(r, l);
        for (size_t k = 0; k < r->njobs; k++)
            if (r->jobs[k].pid != 0)
                poll_job(r, l, &r->jobs[k]);
        reap_orphans(r);
        periodic_sync(r, l);
        progress(r, l->budget, 0);
    }
    return l->failed_rc;
}

/* When no trial completed: why, in one line on stderr (the counts and the last failure's
 * reason). */
static void print_none_completed(runner *r)
{
    size_t n = gpbo_study_ntrials(r->study), c[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(r->study, c);
    const char *last = NULL;
    for (size_t id = 0; id < n; id++) {
        gpbo_trial_info t;
        if (gpbo_study_trial(r->study, id, &t) == GPBO_OK && t.state == GPBO_TRIAL_FAILED &&
            t.reason)
            last = t.reason;
    }
    if (g_stop) /* interrupted: cmd_run says what runs again */
        return;
    char *shown = last ? gpbo_report_text(last) : NULL; /* as print_trial shows it */
    if (shown != NULL)
        last = shown;
    if (r->gave_up) {
        /* a resumed run ends so at once: how to go on, once the program is fixed */
        fprintf(stderr,
                "gpbo run: no trial completed: the study's first %zu trials all failed, so no "
                "more trials start (max_initial_failures: %zu; once the program is fixed, run "
                "again with --max-initial-failures 0)%s%.300s\n",
                c[GPBO_TRIAL_FAILED], r->max_initial_failures, last ? "; the last failure: " : "",
                last ? last : "");
        free(shown);
        return;
    }
    fprintf(stderr, "gpbo run: no trial completed (%zu trials: %zu failed, %zu pruned", n,
            c[GPBO_TRIAL_FAILED], c[GPBO_TRIAL_PRUNED]);
    if (c[GPBO_TRIAL_RUNNING] > 0)
        fprintf(stderr, ", %zu unfinished", c[GPBO_TRIAL_RUNNING]);
    fprintf(stderr, ")%s%.300s\n", last ? "; the last failure: " : "", last ? last : "");
    free(shown);
}

/* A study of several objectives: the size of its Pareto front (gpbo best lists it). 1 when no
 * trial has a value of every objective. */
static int print_front(runner *r)
{
    size_t n = gpbo_study_ntrials(r->study), m = 0, c[GPBO_TRIAL_STATE_COUNT];
    size_t *ids = malloc((n ? n : 1) * sizeof *ids);
    int rc = ids && gpbo_study_pareto(r->study, ids, n, &m) == GPBO_OK && m > 0 ? 0 : 1;
    gpbo_study_counts(r->study, c);
    if (rc == 0)
        printf("Pareto front: %zu of the %zu complete trials (gpbo best lists them)\n", m,
               c[GPBO_TRIAL_COMPLETE]);
    free(ids);
    return rc;
}

/* After the best trial, one line when the study's model recommends another trial
 * (gpbo_study_recommend: it sees noise in the values, and the best observed one is partly a
 * lucky draw): its id, observed and predicted values, and the commands that use it; past
 * GPBO_RECOMMEND_MAX_OBS observations the line names the model's subset (the library's rule:
 * gpbo_study_model_capped's model of that many). Nothing when the two agree or the strategy has
 * no model; a failed refit is one line on stderr and leaves the run's status alone. Costs one fit
 * of the model on at most GPBO_RECOMMEND_MAX_OBS observations and its refit (README, "gpbo
 * run"). */
static void print_recommended(runner *r, const gpbo_trial_info *best)
{
    /* several objectives: no one recommendation (print_best shows the front when it can) */
    if (strcmp(gpbo_study_get_options(r->study)->strategy, "bayes") != 0 ||
        gpbo_study_nobjectives(r->study) > 1)
        return;
    gpbo_trial_info rec;
    double predicted = NAN;
    size_t total = 0;
    int rc =
        gpbo_study_recommend_capped(r->study, GPBO_RECOMMEND_MAX_OBS, &rec, &predicted, &total);
    if (rc == GPBO_ENOTFOUND) /* a space of constants only: no model to ask */
        return;
    if (rc != GPBO_OK) {
        fprintf(stderr, "gpbo run: no recommendation by the model: %s\n", gpbo_error_message());
        return;
    }
    if (rec.id == best->id)
        return;
    char model[96];
    printf("%s recommends trial %zu: %s=%.6g observed, %.6g predicted (it sees noise in the "
           "values: gpbo best --by model shows it%s)\n",
           cli_recommend_model(model, sizeof model, total), rec.id, r->sw->metric, rec.value,
           predicted, r->sw->has_trainer ? ", gpbo retrain --by model trains it again" : "");
}

/* Prints the best trial (its parameters as the sweep writes them, and the trainer's metrics),
 * then the model's recommendation when it is another trial (print_recommended; not after a
 * signal: the refit would hold up a run asked to stop); for several objectives, the size of the
 * Pareto front. Returns 0, or 1 after saying why no trial completed. */
static int print_best(runner *r)
{
    gpbo_trial_info b;
    if (gpbo_study_nobjectives(r->study) > 1 && print_front(r) == 0)
        return 0;
    size_t c[GPBO_TRIAL_STATE_COUNT];
    gpbo_study_counts(r->study, c);
    if (gpbo_study_best(r->study, &b) != GPBO_OK && c[GPBO_TRIAL_COMPLETE] > 0) {
        /* trials completed, none within the sweep's constraints: the library says so */
        fprintf(stderr, "gpbo run: %s\n", gpbo_error_message());
        return 1;
    }
    if (c[GPBO_TRIAL_COMPLETE] == 0) {
        print_none_completed(r);
        return 1;
    }
    printf("best trial %zu: %s=%.6g\n", b.id, r->sw->metric, b.value);
    for (size_t i = 0; i < r->np; i++) {
        char buf[256];
        if (isnan(b.values[i])) /* inactive: its when: did not hold */
            continue;
        sweep_format(r->sw, r->space, i, b.values[i], buf, sizeof buf);
        printf("  %s=%s\n", r->names[i], buf);
    }
    if (r->sw->has_trainer)
        print_trainer_metrics(r, b.id);
    if (!g_stop)
        print_recommended(r, &b);
    return 0;
}

/* The gpbo: setting `key` of study options o as text, in the sweep's words; 0 for a setting that
 * is no study option (jobs, timeout: the run's own). */
static int setting_text(const char *key, const gpbo_study_options *o, char *out, size_t cap)
{
    if (!strcmp(key, "kernel"))
        snprintf(out, cap, "%s", gpbo_kernel_name(o->kernel));
    else if (!strcmp(key, "acquisition"))
        snprintf(out, cap, "%s", gpbo_acq_kind_name(o->acquisition));
    else if (!strcmp(key, "batch"))
        snprintf(out, cap, "%s", SWEEP_BATCH_NAMES[o->batch]);
    else if (!strcmp(key, "failed"))
        snprintf(out, cap, "%s", SWEEP_FAILED_NAMES[o->failed]);
    else if (!strcmp(key, "mo_acquisition"))
        snprintf(out, cap, "%s", SWEEP_MO_NAMES[o->mo_acquisition]);
    else if (!strcmp(key, "grid_shuffle"))
        snprintf(out, cap, "%s", o->grid_shuffle ? "true" : "false");
    else if (!strcmp(key, "priors"))
        snprintf(out, cap, "%s", o->use_priors ? "true" : "false");
    else if (!strcmp(key, "additive"))
        snprintf(out, cap, "%s", o->additive ? "true" : "false");
    else if (!strcmp(key, "seed"))
        snprintf(out, cap, "%llu", (unsigned long long)o->seed);
    else if (!strcmp(key, "initial"))
        snprintf(out, cap, "%zu", o->n_init);
    else if (!strcmp(key, "refit_every"))
        snprintf(out, cap, "%zu", o->refit_every);
    else if (!strcmp(key, "grid_resolution"))
        snprintf(out, cap, "%zu", o->grid_resolution);
    else if (!strcmp(key, "restart"))
        snprintf(out, cap, "%zu", o->restart);
    else if (!strcmp(key, "lost_retries"))
        snprintf(out, cap, "%zu", o->lost_retries);
    else if (!strcmp(key, "heartbeat"))
        snprintf(out, cap, "%.17g", o->heartbeat);
    else if (!strcmp(key, "grace"))
        snprintf(out, cap, "%.17g", o->grace);
    else
        return 0;
    return 1;
}

/* Warns once, naming each gpbo: setting the sweep file sets that study's stored options do not
 * hold: the study keeps its own (an edited `restart: 0` or `lost_retries: 1` ran on with the
 * old value without a word; `method:` has its own warning). */
static void warn_kept_settings(const runner *r, const run_args *a, const char *storage)
{
    const gpbo_study_options *o = gpbo_study_get_options(r->study);
    char list[1024] = "";
    size_t len = 0, n = 0;
    for (size_t i = 0; i < r->sw->ngpbo_set && len < sizeof list; i++) {
        char given[64], had[64];
        const char *key = r->sw->gpbo_set[i];
        if (!setting_text(key, &r->sw->study, given, sizeof given) ||
            !setting_text(key, o, had, sizeof had) || !strcmp(given, had))
            continue;
        int k = snprintf(list + len, sizeof list - len, "%s%s: %s (the study's: %s)", n ? ", " : "",
                         key, given, had);
        len += k > 0 ? (size_t)k : 0;
        n++;
    }
    if (n > 0)
        fprintf(stderr,
                "gpbo run: warning: %s sets gpbo: %s, but study '%s' in %s was made with other "
                "settings and keeps them (give --study NAME for a new study)\n",
                a->path, list, r->sw->name, storage);
}

/* Whether --strategy, --seed and --init (those given) agree with the stored study's options: a
 * study keeps the options it was made with, so on a study that exists they were ignored without
 * a word (--strategy sobol went on with the study's random search). Returns 0, or 2 after
 * printing which one differs. */
static int check_overrides(const runner *r, const run_args *a, const char *storage)
{
    const gpbo_study_options *o = gpbo_study_get_options(r->study);
    char had[64] = "", given[64] = "";
    const char *flag = NULL;
    if (a->strategy && strcmp(r->sw->study.strategy, o->strategy) != 0) {
        flag = "--strategy";
        snprintf(given, sizeof given, "%s", r->sw->study.strategy);
        snprintf(had, sizeof had, "%s", o->strategy);
    } else if (a->seed >= 0 && (uint64_t)a->seed != o->seed) {
        flag = "--seed";
        snprintf(given, sizeof given, "%ld", a->seed);
        snprintf(had, sizeof had, "%llu", (unsigned long long)o->seed);
    } else if (a->init >= 0 && (size_t)a->init != o->n_init) {
        flag = "--init";
        snprintf(given, sizeof given, "%ld", a->init);
        snprintf(had, sizeof had, "%zu", o->n_init);
    }
    if (flag == NULL && !a->strategy && strcmp(r->sw->study.strategy, o->strategy) != 0)
        /* the sweep's method edited since the study was made: it goes on with its own strategy,
         * as a study keeps its options, but no longer without a word (it ran on silently) */
        fprintf(stderr,
                "gpbo run: warning: %s says method: %s, but study '%s' in %s was made with %s and "
                "keeps it (give --study NAME for a new study)\n",
                a->path, r->sw->study.strategy, r->sw->name, storage, o->strategy);
    if (flag == NULL)
        warn_kept_settings(r, a, storage);
    if (flag == NULL)
        return 0;
    fprintf(stderr,
            "gpbo run: %s %s: study '%s' in %s was made with %s, and a study keeps the options it "
            "was made with (give --study NAME for a new study)\n",
            flag, given, r->sw->name, storage, had);
    return 2;
}

int cmd_run(int argc, char **argv)
{
    run_args a;
    int status = parse_run_args(argc, argv, &a);
    if (status != 0)
        return status;
    runner r;
    memset(&r, 0, sizeof r);
    gpbo_space *space = NULL;
    run_loop l;
    memset(&l, 0, sizeof l);
    size_t njobs = 0;
    if ((status = load_sweep(&r, &a, &njobs)) != 0)
        goto cleanup;
    if ((space = sweep_space(r.sw)) == NULL) {
        fprintf(stderr, "gpbo: %s: %s\n", a.path, gpbo_error_message());
        status = 2;
        goto cleanup;
    }
    r.space = space;
    if (cli_output_cap(&r.output_cap) != GPBO_OK || cli_kill_grace(&r.kill_grace) != GPBO_OK) {
        fprintf(stderr, "gpbo run: %s\n", gpbo_error_message());
        status = 2;
        goto cleanup;
    }
    const char *storage = a.storage;
    char dbpath[1200];
    if ((status = alloc_runner(&r, njobs, &l.vals)) != 0 ||
        (status = prepare_objective(&r, a.path)) != 0 ||
        (status = open_study(&r, &storage, dbpath, sizeof dbpath)) != 0 ||
        (status = check_overrides(&r, &a, storage)) != 0)
        goto cleanup;
    l.budget = a.trials >= 0 ? (size_t)a.trials : r.sw->run_cap;
    if (a.trials < 0 && l.budget == 0)
        l.budget = (size_t)-1; /* a grid without run_cap runs until exhausted */
    r.budget = l.budget;
    /* the results an earlier run kept on disk for the storage, before anything asks: an ask
     * would take their trials (their worker gone) for lost and run them again */
    if (cli_pending_replay(r.study, r.runs, 1, &r.unstored) != GPBO_OK) {
        fprintf(stderr, "gpbo run: %s\n", gpbo_error_message());
        status = 1;
        goto cleanup;
    }
    if ((status = enqueue_initial(&r, l.budget)) != 0)
        goto cleanup;
    print_resumed(&r);
    /* a study an older gpbo import took past its run_cap: the run started nothing, unsaid */
    if (a.trials < 0 && r.sw->run_cap > 0 && gpbo_study_ntrials(r.study) > r.sw->run_cap)
        fprintf(stderr,
                "gpbo run: study '%s' holds %zu trials, past its run_cap of %zu (imported trials "
                "count toward it): no trial starts; raise run_cap to run more\n",
                r.sw->name, gpbo_study_ntrials(r.study), r.sw->run_cap);
    /* a strategy that does not learn from results: its next point is the same whenever it is
     * asked, so it is asked one trial ahead, and in this process (proposer.h); not with
     * metric.target: the trial asked ahead started as a program exited, before its result was
     * read, and so ran one trial past the target (or, not started, stayed in the study as an
     * interrupted trial that no run would start) */
    int local = strcmp(gpbo_study_get_options(r.study)->strategy, "bayes") != 0;
    l.ahead = local && !r.sw->has_target;
    if ((status = start_machinery(&r, storage, l.budget, local)) != 0)
        goto cleanup;
    int rc = run_trials(&r, &l);
    if (l.gave_up) { /* said so unless the budget was spent all the same */
        size_t c[GPBO_TRIAL_STATE_COUNT];
        gpbo_study_counts(r.study, c);
        r.gave_up = !l.exhausted &&
                    c[GPBO_TRIAL_COMPLETE] + c[GPBO_TRIAL_FAILED] + c[GPBO_TRIAL_PRUNED] < l.budget;
    }
    if (rc == GPBO_OK && r.unstored > 0) /* the storage worked since: a last try */
        cli_pending_replay(r.study, r.runs, 0, &r.unstored);
    gpbo_study_sync(r.study);
    progress(&r, l.budget, 1);
    if (r.unstored > 0)
        fprintf(stderr,
                "gpbo: %zu finished trial result%s kept in %s/unstored wait%s for the storage: "
                "the next gpbo run of the study stores %s first (do not delete the folder)\n",
                r.unstored, r.unstored == 1 ? "" : "s", r.runs, r.unstored == 1 ? "s" : "",
                r.unstored == 1 ? "it" : "them");
    if (rc != GPBO_OK) {
        fprintf(stderr, "gpbo: %s\n", l.failed_msg);
        status = 1;
        goto cleanup;
    }
    if (l.reached)
        printf("trial %zu reached metric.target (%s %s %.6g): no more trials start\n", l.reached_id,
               r.sw->metric, r.sw->maximize ? ">=" : "<=", r.sw->target);
    status = print_best(&r);
    if (g_stop && g_stop != SIGPIPE) { /* gpbo run | head: its reader went away, nothing said */
        /* what the signal did, in one line: without it a Ctrl-C with no trial complete yet read
         * "no trial completed (... unfinished)", as if the trials had failed */
        const char *sig = g_stop == SIGINT    ? "Ctrl-C (SIGINT)"
                          : g_stop == SIGTERM ? "SIGTERM"
                                              : "SIGHUP (the terminal closed)";
        fprintf(stderr,
                "gpbo run: stopped by %s: %zu running trial%s interrupted, not failed; the next "
                "gpbo run of the study runs %s again first\n",
                sig, r.interrupted, r.interrupted == 1 ? "" : "s",
                r.interrupted == 1 ? "it" : "them");
    }
    if (g_stop) /* as a shell reports a process a signal ended: SIGINT 130, SIGTERM 143 */
        status = 128 + (int)g_stop;
cleanup:
    proposer_stop(r.prop);
    free(r.jobs);
    free(l.vals);
    gpbo_pruner_free(r.pruner);
    gpbo_study_close(r.study);
    trainer_data_free(&r.data);
    for (size_t i = 0; r.vals && i < r.np; i++)
        free(r.vals[i]);
    free(r.names);
    free(r.vals);
    gpbo_space_free(space);
    sweep_free(r.sw);
    return status;
}
