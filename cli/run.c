/*
 * run.c: `gpbo run` — the study loop. Trials run as child processes (any program, started with
 * execvp and never through a shell, or the built-in trainer in a forked child), up to --jobs
 * at a time, each in its own process group with its own directory holding stdout and stderr.
 * The parent follows each stdout as it grows: `metric=value step=N` lines feed the pruner,
 * which can stop a trial at once; at exit the last `metric=value` (or JSON object) line is the
 * result. A non-zero exit, a missing or NaN metric or a timeout make a failed trial, with the
 * reason stored. Every tell is one SQLite transaction, so `kill -9` loses no told trial; a
 * trial that was running then runs again on the next `gpbo run`.
 */
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "gpbo/sys/error.h"

static volatile sig_atomic_t g_stop = 0;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- output parsing ---------------------------------------------------------------------- */

static int parse_double(const char *s, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int parse_metric_line(const char *line, const char *metric, double *value, long *step)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '{') {
        json_error_t e;
        json_t *o = json_loads(line, JSON_DECODE_ANY, &e);
        int kind = 0;
        if (json_is_object(o)) {
            json_t *v = json_object_get(o, metric), *s = json_object_get(o, "step");
            if (json_is_number(v)) {
                *value = json_number_value(v);
                kind = 1;
                if (json_is_integer(s)) {
                    *step = (long)json_integer_value(s);
                    kind = 2;
                }
            } else if (json_is_string(v) && !strcmp(json_string_value(v), "nan")) {
                *value = NAN;
                kind = 1;
            }
        }
        json_decref(o);
        return kind;
    }
    /* whitespace-separated name=value tokens */
    size_t ml = strlen(metric);
    int found = 0, has_step = 0;
    double v = NAN;
    long st = 0;
    const char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *t = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ',')
            p++;
        const char *eq = memchr(t, '=', (size_t)(p - t));
        if (eq == NULL)
            continue;
        size_t kl = (size_t)(eq - t);
        double x;
        if (parse_double(eq + 1, (size_t)(p - eq - 1), &x) != 0)
            continue;
        if (kl == ml && !memcmp(t, metric, ml)) {
            v = x;
            found = 1;
        } else if (kl == 4 && !memcmp(t, "step", 4) && x == floor(x) && x >= 0) {
            st = (long)x;
            has_step = 1;
        }
    }
    if (!found)
        return 0;
    *value = v;
    if (has_step) {
        *step = st;
        return 2;
    }
    return 1;
}

/* ---- argument vectors -------------------------------------------------------------------- */

static char *subst(const char *tmpl, size_t np, char *const *names, char *const *values)
{
    size_t cap = strlen(tmpl) + 1, len = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    const char *p = tmpl;
    while (*p) {
        const char *rep = NULL;
        size_t skip = 0;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            for (size_t i = 0; close && i < np; i++)
                if ((size_t)(close - p - 1) == strlen(names[i]) &&
                    !memcmp(p + 1, names[i], strlen(names[i]))) {
                    rep = values[i];
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

char **build_argv(const sweep *s, size_t np, char *const *names, char *const *values)
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
    char **argv = calloc(nt + np + 1, sizeof *argv);
    size_t n = 0;
    for (size_t i = 0; argv && i < nt; i++) {
        const char *t = tmpl[i];
        if (!strcmp(t, "${env}"))
            continue;
        if (!strcmp(t, "${args}") || !strcmp(t, "${args_no_hyphens}")) {
            int hy = !strcmp(t, "${args}");
            for (size_t k = 0; k < np; k++) {
                size_t l = strlen(names[k]) + strlen(values[k]) + 4;
                if ((argv[n] = malloc(l)) == NULL)
                    goto oom;
                snprintf(argv[n++], l, "%s%s=%s", hy ? "--" : "", names[k], values[k]);
            }
            continue;
        }
        const char *v = !strcmp(t, "${program}")       ? (s->program ? s->program : "")
                        : !strcmp(t, "${interpreter}") ? "python3"
                                                       : NULL;
        argv[n] = v ? strdup(v) : subst(t, np, names, values);
        if (argv[n++] == NULL)
            goto oom;
    }
    if (argv == NULL || n == 0) {
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

/* ---- the run loop ------------------------------------------------------------------------ */

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
    int tty;
    double t0;
} runner;

static int mkdirs(const char *path)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s", path);
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

/* Starts trial id in a child; fills j. */
static int spawn(runner *r, size_t id, const double *values, job *j)
{
    memset(j, 0, sizeof *j);
    j->id = id;
    snprintf(j->dir, sizeof j->dir, "%s/trial-%06zu", r->runs, id);
    int rc = mkdirs(j->dir);
    if (rc != GPBO_OK)
        return rc;
    for (size_t i = 0; i < r->np; i++) {
        rc = sweep_format(r->sw, r->space, i, values[i], r->vals[i], 256);
        if (rc != GPBO_OK)
            return rc;
    }
    char out[1200], err[1200];
    snprintf(out, sizeof out, "%s/stdout", j->dir);
    snprintf(err, sizeof err, "%s/stderr", j->dir);
    char **argv = NULL;
    if (!r->sw->has_trainer && (argv = build_argv(r->sw, r->np, r->names, r->vals)) == NULL)
        return gpbo_error_code();
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        free_argv(argv);
        return gpbo_error_set(GPBO_ESYSTEM, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) /* gpbo died before the line above took effect */
            _exit(1);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fi = open("/dev/null", O_RDONLY);
        if (fo < 0 || fe < 0 || fi < 0)
            _exit(126);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        char idbuf[32];
        snprintf(idbuf, sizeof idbuf, "%zu", id);
        setenv("GPBO_TRIAL_ID", idbuf, 1);
        setenv("GPBO_STUDY", r->sw->name, 1);
        setenv("GPBO_TRIAL_DIR", j->dir, 1);
        if (chdir(r->sw->dir) != 0)
            _exit(126);
        if (argv != NULL) {
            execvp(argv[0], argv);
            fprintf(stderr, "gpbo: cannot run '%s': %s\n", argv[0], strerror(errno));
            _exit(127);
        }
        /* one BLAS thread per trial: --jobs trials share the cores */
        openblas_set_num_threads(1);
        trainer_settings t = r->base;
        for (size_t i = 0; i < r->np; i++)
            if (trainer_set(&t, r->names[i], r->vals[i]) != GPBO_OK) {
                fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
                _exit(2);
            }
        int trc = trainer_run_print(&t, &r->data, r->sw->metric);
        if (trc != GPBO_OK)
            fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        fflush(stdout);
        _exit(trc == GPBO_OK ? 0 : 1);
    }
    setpgid(pid, pid);
    free_argv(argv);
    j->pid = pid;
    j->start = now();
    return GPBO_OK;
}

/* Reads what the trial printed since last time; feeds the pruner. */
static void follow(runner *r, job *j)
{
    if (j->out == NULL) {
        char out[1200];
        snprintf(out, sizeof out, "%s/stdout", j->dir);
        j->out = fopen(out, "r");
        if (j->out == NULL)
            return;
    }
    int ch;
    clearerr(j->out);
    while ((ch = fgetc(j->out)) != EOF) {
        if (ch != '\n') {
            if (j->len + 1 < sizeof j->line)
                j->line[j->len++] = (char)ch;
            else
                j->overflow = 1;
            continue;
        }
        j->line[j->len] = '\0';
        double v;
        long step = 0;
        int kind = j->overflow ? 0 : parse_metric_line(j->line, r->sw->metric, &v, &step);
        j->len = 0;
        j->overflow = 0;
        if (kind == 1) {
            j->final_value = v;
            j->have_final = 1;
        } else if (kind == 2 && isfinite(v)) {
            j->last_step_value = v;
            j->have_step = 1;
            gpbo_study_report(r->study, j->id, step, v);
            if (r->pruner && !j->stop_reason) {
                int prune = 0;
                double mv = r->sw->maximize ? -v : v;
                if (gpbo_pruner_report(r->pruner, (int64_t)j->id, step, mv, &prune) == GPBO_OK &&
                    prune) {
                    j->stop_reason = JOB_PRUNED;
                    kill(-j->pid, SIGKILL);
                }
            }
        }
    }
}

static void tail_line(const char *path, char *out, size_t cap)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (line[0] != '\n') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, cap, "%s", line);
        }
    fclose(f);
}

/* The trial ended with wait status st: tell the study. */
static int finish_job(runner *r, job *j, int st)
{
    follow(r, j);
    if (j->out)
        fclose(j->out);
    j->out = NULL;
    char why[700], last[512], ep[1200];
    snprintf(ep, sizeof ep, "%s/stderr", j->dir);
    int rc;
    gpbo_pruner_outcome outcome = GPBO_PRUNER_FAILED;
    if (j->stop_reason == JOB_INTERRUPTED)
        return GPBO_OK; /* left running in the study: it runs again on resume */
    if (j->stop_reason == JOB_PRUNED) {
        rc = gpbo_study_tell_pruned(r->study, j->id);
        outcome = GPBO_PRUNER_PRUNED;
    } else if (j->stop_reason == JOB_TIMEOUT) {
        snprintf(why, sizeof why, "timed out after %g s", r->sw->timeout);
        rc = gpbo_study_tell_failed(r->study, j->id, why);
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        tail_line(ep, last, sizeof last);
        if (WIFSIGNALED(st))
            snprintf(why, sizeof why, "killed by signal %d%s%s", WTERMSIG(st), last[0] ? ": " : "",
                     last);
        else
            snprintf(why, sizeof why, "exit status %d%s%s", WEXITSTATUS(st), last[0] ? ": " : "",
                     last);
        rc = gpbo_study_tell_failed(r->study, j->id, why);
    } else {
        double v = j->have_final ? j->final_value : j->last_step_value;
        if (!j->have_final && !j->have_step) {
            snprintf(why, sizeof why, "no '%s=<number>' line in its output", r->sw->metric);
            rc = gpbo_study_tell_failed(r->study, j->id, why);
        } else if (!isfinite(v)) {
            snprintf(why, sizeof why, "the metric %s is %g", r->sw->metric, v);
            rc = gpbo_study_tell_failed(r->study, j->id, why);
        } else {
            rc = gpbo_study_tell(r->study, j->id, v);
            outcome = GPBO_PRUNER_COMPLETE;
        }
    }
    if (r->pruner)
        gpbo_pruner_finish(r->pruner, (int64_t)j->id, outcome);
    return rc;
}

static void progress(runner *r, size_t budget, int final)
{
    size_t c[4];
    gpbo_study_counts(r->study, c);
    size_t done = c[GPBO_TRIAL_COMPLETE] + c[GPBO_TRIAL_FAILED] + c[GPBO_TRIAL_PRUNED];
    gpbo_trial_info b;
    char best[64] = "-";
    if (gpbo_study_best(r->study, &b) == GPBO_OK)
        snprintf(best, sizeof best, "%.6g", b.value);
    double el = now() - r->t0;
    double eta = done > 0 && done < budget ? el / (double)done * (double)(budget - done) : 0;
    if (r->tty) {
        fprintf(stderr,
                "\r[%zu/%zu] best %s=%s | failed %zu pruned %zu | %02d:%02d elapsed, "
                "~%02d:%02d left   ",
                done, budget, r->sw->metric, best, c[GPBO_TRIAL_FAILED], c[GPBO_TRIAL_PRUNED],
                (int)el / 60, (int)el % 60, (int)eta / 60, (int)eta % 60);
        if (final)
            fprintf(stderr, "\n");
        fflush(stderr);
    }
}

static void log_trial(runner *r, size_t id)
{
    gpbo_trial_info t;
    if (r->tty || gpbo_study_trial(r->study, id, &t) != GPBO_OK)
        return;
    static const char *const st[] = {"running", "complete", "failed", "pruned"};
    printf("trial %zu %s", id, st[t.state]);
    if (t.state == GPBO_TRIAL_COMPLETE)
        printf(" %s=%.6g", r->sw->metric, t.value);
    if (t.reason)
        printf(" (%s)", t.reason);
    printf("\n");
    fflush(stdout);
}

/* Rebuilds the pruner from the stored intermediate values, in trial order. */
static int replay_pruner(runner *r)
{
    for (size_t i = 0; i < gpbo_study_ntrials(r->study); i++) {
        gpbo_trial_info t;
        gpbo_study_trial(r->study, i, &t);
        if (t.state == GPBO_TRIAL_RUNNING)
            continue;
        for (size_t k = 0; k < t.nsteps; k++)
            gpbo_pruner_report(r->pruner, (int64_t)i, t.steps[k],
                               r->sw->maximize ? -t.step_values[k] : t.step_values[k], NULL);
        gpbo_pruner_finish(r->pruner, (int64_t)i,
                           t.state == GPBO_TRIAL_COMPLETE ? GPBO_PRUNER_COMPLETE
                           : t.state == GPBO_TRIAL_PRUNED ? GPBO_PRUNER_PRUNED
                                                          : GPBO_PRUNER_FAILED);
    }
    return GPBO_OK;
}

/* The built-in trainer's final metrics of a trial, from its stdout. */
static void print_trainer_metrics(runner *r, size_t id)
{
    char path[1200], line[256];
    snprintf(path, sizeof path, "%s/trial-%06zu/stdout", r->runs, id);
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

static void usage_run(void)
{
    fprintf(stderr,
            "usage: gpbo run SWEEP.yaml [--storage URL] [--study NAME] [--jobs N] "
            "[--seed S] [--trials N] [--strategy grid|random|sobol|lhs|bayes] [--init N]\n");
}

int cmd_run(int argc, char **argv)
{
    const char *path = NULL, *storage = NULL, *study_name = NULL, *strategy = NULL;
    long jobs = -1, trials = -1, seed = -1, init = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' && path == NULL) {
            path = a;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "gpbo run: %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        char *end;
        long n = strtol(v, &end, 10);
        int num = *end == '\0' && end != v && n >= 0;
        if (!strcmp(a, "--storage"))
            storage = v;
        else if (!strcmp(a, "--study"))
            study_name = v;
        else if (!strcmp(a, "--jobs") && num && n >= 1)
            jobs = n;
        else if (!strcmp(a, "--trials") && num)
            trials = n;
        else if (!strcmp(a, "--seed") && num)
            seed = n;
        else if (!strcmp(a, "--strategy"))
            strategy = v;
        else if (!strcmp(a, "--init") && num)
            init = n;
        else {
            fprintf(stderr, "gpbo run: bad option %s %s\n", a, v);
            usage_run();
            return 2;
        }
    }
    if (path == NULL) {
        usage_run();
        return 2;
    }
    runner r;
    memset(&r, 0, sizeof r);
    r.sw = sweep_load(path);
    if (r.sw == NULL) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        return 2;
    }
    sweep *sw = r.sw;
    if (study_name) {
        free(sw->name);
        sw->name = strdup(study_name);
    }
    if (seed >= 0)
        sw->study.seed = (uint64_t)seed;
    if (init >= 0)
        sw->study.n_init = (size_t)init;
    if (strategy) {
        static const char *const known[] = {"grid", "random", "sobol", "lhs", "bayes"};
        size_t k = 0;
        while (k < 5 && strcmp(known[k], strategy))
            k++;
        if (k == 5) {
            fprintf(stderr, "gpbo run: unknown strategy '%s' (did you mean '%s'?)\n", strategy,
                    sweep_closest(strategy, known, 5));
            sweep_free(sw);
            return 2;
        }
        sw->study.strategy = known[k];
    }
    size_t njobs = jobs > 0 ? (size_t)jobs : sw->jobs;
    int status = 1;
    gpbo_space *space = sweep_space(sw);
    if (space == NULL) {
        fprintf(stderr, "gpbo: %s: %s\n", path, gpbo_error_message());
        sweep_free(sw);
        return 2;
    }
    r.space = space;
    r.np = gpbo_space_size(space);
    r.names = calloc(r.np, sizeof *r.names);
    r.vals = calloc(r.np, sizeof *r.vals);
    for (size_t i = 0; i < r.np; i++) {
        r.names[i] = sw->p[i].name;
        r.vals[i] = malloc(256);
    }
    if (sw->has_trainer) {
        trainer_settings_init(&r.base);
        for (size_t i = 0; i < sw->ntrainer; i++)
            if (trainer_set(&r.base, sw->trainer[i].key, sw->trainer[i].value) != GPBO_OK) {
                fprintf(stderr, "gpbo: %s: %s\n", path, gpbo_error_message());
                status = 2;
                goto out;
            }
        for (size_t i = 0; i < r.np; i++) {
            trainer_settings probe = r.base;
            size_t k = 0;
            while (k < SWEEP_NTRAINER_KEYS && strcmp(SWEEP_TRAINER_KEYS[k], r.names[i]))
                k++;
            if (k == SWEEP_NTRAINER_KEYS) {
                fprintf(stderr,
                        "gpbo: %s: parameter '%s' is not a trainer setting (did you mean "
                        "'%s'?)\n",
                        path, r.names[i],
                        sweep_closest(r.names[i], SWEEP_TRAINER_KEYS, SWEEP_NTRAINER_KEYS));
                status = 2;
                goto out;
            }
            (void)probe;
        }
        if (trainer_data_load(&r.base, &r.data) != GPBO_OK) {
            fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
            goto out;
        }
    }
    char dbpath[1200];
    if (storage == NULL) {
        snprintf(dbpath, sizeof dbpath, "%s/%s.db", sw->dir, sw->name);
        storage = dbpath;
    }
    r.study = gpbo_study_open(storage, sw->name, space, &sw->study);
    if (r.study == NULL) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        goto out;
    }
    /* trial directories sit next to the database: <db without .db>.runs */
    {
        const char *db = !strncmp(storage, "sqlite:///", 10) ? storage + 10 : storage;
        size_t l = strlen(db);
        if (l > 3 && !strcmp(db + l - 3, ".db"))
            l -= 3;
        snprintf(r.runs, sizeof r.runs, "%.*s.runs", (int)l, db);
    }
    if (mkdirs(r.runs) != GPBO_OK) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        goto out;
    }
    if (sw->prune.kind != GPBO_PRUNER_NONE) {
        if ((r.pruner = gpbo_pruner_new(&sw->prune)) == NULL) {
            fprintf(stderr, "gpbo: %s: early_terminate: %s\n", path, gpbo_error_message());
            status = 2;
            goto out;
        }
        replay_pruner(&r);
    }
    size_t budget = trials >= 0 ? (size_t)trials : sw->run_cap;
    if (budget == 0)
        budget = (size_t)-1; /* a grid runs until exhausted */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    r.tty = isatty(2);
    r.t0 = now();
    job *jobsv = calloc(njobs, sizeof *jobsv);
    double *vals = malloc((r.np ? r.np : 1) * sizeof *vals);
    size_t running = 0;
    int exhausted = 0, failed_rc = GPBO_OK;
    for (;;) {
        size_t c[4];
        gpbo_study_counts(r.study, c);
        size_t done = c[GPBO_TRIAL_COMPLETE] + c[GPBO_TRIAL_FAILED] + c[GPBO_TRIAL_PRUNED];
        while (!g_stop && !exhausted && failed_rc == GPBO_OK && running < njobs &&
               done + running < budget) {
            size_t id;
            int rc = gpbo_study_ask(r.study, &id, vals);
            if (rc == GPBO_EEXHAUSTED) {
                exhausted = 1;
                break;
            }
            if (rc == GPBO_OK) {
                size_t slot = 0;
                while (jobsv[slot].pid != 0)
                    slot++;
                rc = spawn(&r, id, vals, &jobsv[slot]);
                if (rc == GPBO_OK)
                    running++;
                else
                    gpbo_study_tell_failed(r.study, id, gpbo_error_message());
            }
            if (rc != GPBO_OK && rc != GPBO_EEXHAUSTED)
                failed_rc = rc;
        }
        if (running == 0)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        double t = now();
        for (size_t k = 0; k < njobs; k++) {
            job *j = &jobsv[k];
            if (j->pid == 0)
                continue;
            follow(&r, j);
            if (g_stop && !j->stop_reason) {
                j->stop_reason = JOB_INTERRUPTED;
                kill(-j->pid, SIGKILL);
            }
            if (sw->timeout > 0 && !j->stop_reason && t - j->start > sw->timeout) {
                j->stop_reason = JOB_TIMEOUT;
                kill(-j->pid, SIGKILL);
            }
            int st;
            pid_t w = waitpid(j->pid, &st, WNOHANG);
            if (w == j->pid) {
                kill(-j->pid, SIGKILL); /* whatever it left behind in its group */
                int rc = finish_job(&r, j, st);
                if (rc != GPBO_OK && failed_rc == GPBO_OK)
                    failed_rc = rc;
                if (j->stop_reason != JOB_INTERRUPTED)
                    log_trial(&r, j->id);
                j->pid = 0;
                running--;
            }
        }
        progress(&r, budget, 0);
    }
    progress(&r, budget, 1);
    free(jobsv);
    free(vals);
    if (failed_rc != GPBO_OK) {
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
        goto out;
    }
    gpbo_trial_info b;
    if (gpbo_study_best(r.study, &b) == GPBO_OK) {
        printf("best trial %zu: %s=%.6g\n", b.id, sw->metric, b.value);
        for (size_t i = 0; i < r.np; i++) {
            char buf[256];
            sweep_format(sw, space, i, b.values[i], buf, sizeof buf);
            printf("  %s=%s\n", r.names[i], buf);
        }
        if (sw->has_trainer)
            print_trainer_metrics(&r, b.id);
    } else {
        printf("no trial completed\n");
    }
    status = g_stop ? 130 : 0;
out:
    gpbo_pruner_free(r.pruner);
    gpbo_study_close(r.study);
    trainer_data_free(&r.data);
    for (size_t i = 0; i < r.np; i++)
        free(r.vals[i]);
    free(r.names);
    free(r.vals);
    gpbo_space_free(space);
    sweep_free(sw);
    return status;
}
