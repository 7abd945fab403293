/*
 * pending.c: the results of finished trials that the storage could not take when they ended (an
 * SQLite file locked by another process past its wait, a PostgreSQL server unreachable past
 * GPBO_PG_RETRY_SECONDS), kept on disk next to the trial folders until it can: one JSON file per
 * trial execution in <runs>/unstored/, written whole or not at all (a temporary file, fsync,
 * rename, fsync of the folder), so that a run killed at any moment after its trial ended loses
 * nothing. Each is told to the study when the storage is back: later in the same run, or by the
 * next `gpbo run` of the study before it asks for anything (an ask would take the trial, whose
 * worker is gone, for lost and run it again).
 *
 * DESIGN — races. A result is told with the study's own tell, which stores the first end of a
 * running trial and refuses any later one (GPBO_ESTATE) in one transaction: a file replayed by
 * two workers at once, replayed again after a kill between the tell and the unlink, or of a
 * trial that another worker took over and finished meanwhile is stored once, and the refused
 * copy is removed with a line saying so. A trial taken over and still running elsewhere gets the
 * kept result (the first to finish wins, as between any two executions of a lost trial), and
 * the other execution's end is then refused. The file is removed only once the study has the
 * trial finished; on any storage error it stays for the next try.
 *
 * In flight: the end is also written before its tell, as .inflight-<folder>.json with the
 * writer's pid and host (not synced: it guards against a kill, not a power cut), and removed once
 * the tell returns; a `gpbo run` killed while the storage makes it wait (30 s on a locked file)
 * leaves it, and the next run stores it when that pid is gone from this host. The running
 * workers' replays skip it: its writer is telling it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/json_safe.h"
#include "cli.h"
#include "gpbo/sys/error.h"

static const char *const STATES[] = {"complete", "failed", "pruned"};
static const gpbo_trial_state STATE_OF[] = {GPBO_TRIAL_COMPLETE, GPBO_TRIAL_FAILED,
                                            GPBO_TRIAL_PRUNED};

/* The folder of the kept results under runs. */
static int unstored_dir(const char *runs, char *out, size_t cap)
{
    if ((size_t)snprintf(out, cap, "%s/unstored", runs) >= cap)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", runs);
    return GPBO_OK;
}

/* Writes text to path whole or not at all: a temporary file beside it, synced, renamed over,
 * and the folder synced so that the rename survives a power cut. sync 0 (an in-flight copy,
 * written at every trial's end): straight to path, neither synced nor renamed; a kill in the
 * middle of its few hundred bytes leaves a file that no replay takes (inflight_orphan). */
static int write_durably(const char *dir, const char *path, const char *text, int sync)
{
    char tmp[1400];
    snprintf(tmp, sizeof tmp, "%s", path);
    if (sync)
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return gpbo_error_set(GPBO_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            close(fd);
            unlink(tmp);
            return gpbo_error_set(GPBO_EIO, "%s: cannot write: %s", tmp, strerror(e));
        }
        off += (size_t)w;
    }
    if ((sync && fsync(fd) != 0) || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return gpbo_error_set(GPBO_EIO, "%s: cannot write: %s", tmp, strerror(e));
    }
    if (sync && rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return gpbo_error_set(GPBO_EIO, "%s: cannot rename to %s: %s", tmp, path, strerror(e));
    }
    int dfd = sync ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return GPBO_OK;
}

int cli_pending_save(const char *runs, const cli_pending *p, int inflight, char *out_path,
                     size_t cap)
{
    char dir[1200];
    int rc = unstored_dir(runs, dir, sizeof dir);
    if (rc != GPBO_OK)
        return rc;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return gpbo_error_set(GPBO_EIO, "%s: cannot create: %s", dir, strerror(errno));
    const char *base = strrchr(p->dir, '/');
    base = base ? base + 1 : p->dir;
    if ((size_t)snprintf(out_path, cap, "%s/%s%s.json", dir, inflight ? ".inflight-" : "", base) >=
        cap)
        return gpbo_error_set(GPBO_EINVAL, "%s: path too long", dir);
    size_t si = 0;
    while (si < 3 && STATE_OF[si] != p->state)
        si++;
    if (si == 3)
        return gpbo_error_set(GPBO_EINVAL, "trial %zu: no finished state to keep", p->id);
    json_t *j = json_object(), *m = json_array(), *st = json_array();
    int bad = j == NULL || m == NULL || st == NULL;
    bad |= json_object_set_new(j, "trial", json_integer((json_int_t)p->id)) != 0;
    bad |= json_object_set_new(j, "state", json_string(STATES[si])) != 0;
    if (p->state == GPBO_TRIAL_COMPLETE)
        bad |= json_object_set_new(j, "value", json_real(p->value)) != 0;
    /* a reason is free text (a program's last line of stderr, in Latin-1 maybe): valid UTF-8
     * for JSON, as the study stores it anyway (gpbo_study_tell_failed) */
    char *reason = p->reason ? gpbo_utf8_repair(p->reason) : NULL;
    bad |=
        p->reason && (reason == NULL || json_object_set_new(j, "reason", json_string(reason)) != 0);
    free(reason);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    bad |= json_object_set_new(j, "pid", json_integer((json_int_t)getpid())) != 0;
    bad |= json_object_set_new(j, "host", json_string(host)) != 0;
    for (size_t i = 0; !bad && p->metrics && i < p->metrics->n; i++) {
        double v = p->metrics->value[i];
        /* an infinity (a constraint's mem=inf) as the study stores it */
        bad |= json_array_append_new(
                   m, json_pack("[s, o]", p->metrics->name[i], gpbo_json_metric(v))) != 0;
    }
    for (size_t i = 0; !bad && i < p->nsteps; i++)
        bad |= json_array_append_new(
                   st, json_pack("[I, f]", (json_int_t)p->steps[i], p->step_values[i])) != 0;
    bad |= json_object_set(j, "metrics", m) != 0 || json_object_set(j, "steps", st) != 0;
    json_decref(m);
    json_decref(st);
    char *text = bad ? NULL : json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (text == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "trial %zu: out of memory", p->id);
    rc = write_durably(dir, out_path, text, !inflight);
    free(text);
    return rc;
}

/* Tells the study what the kept file at path holds. GPBO_OK: stored; GPBO_ESTATE: the trial was
 * finished already; GPBO_EFORMAT: the file is not one of ours; else the study's error. */
static int replay_one(gpbo_study *study, const char *path, size_t *out_id)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e), *m = NULL, *st = NULL;
    json_int_t id = -1;
    const char *state = NULL, *reason = NULL;
    double value = NAN;
    if (j == NULL ||
        json_unpack_ex(j, &e, 0, "{s:I, s:s, s?F, s?s, s:o, s:o}", "trial", &id, "state", &state,
                       "value", &value, "reason", &reason, "metrics", &m, "steps", &st) != 0 ||
        id < 0 || !json_is_array(m) || !json_is_array(st)) {
        json_decref(j);
        return gpbo_error_set(GPBO_EFORMAT, "%s: not a kept trial result (%s)", path,
                              j ? "a field is missing or has the wrong type" : e.text);
    }
    *out_id = (size_t)id;
    size_t si = 0;
    while (si < 3 && strcmp(STATES[si], state) != 0)
        si++;
    size_t nm = json_array_size(m), ns = json_array_size(st);
    const char **names = calloc(nm + 1, sizeof *names);
    double *mv = calloc(nm + 1, sizeof *mv), *sv = calloc(ns + 1, sizeof *sv);
    long *steps = calloc(ns + 1, sizeof *steps);
    int rc = names && mv && sv && steps ? GPBO_OK : gpbo_error_set(GPBO_ENOMEM, "out of memory");
    if (rc == GPBO_OK && si == 3)
        rc = gpbo_error_set(GPBO_EFORMAT, "%s: unknown state '%s'", path, state);
    for (size_t i = 0; rc == GPBO_OK && i < nm; i++) {
        json_t *v = NULL;
        int ok = json_unpack(json_array_get(m, i), "[s, o]", &names[i], &v) == 0;
        double inf = ok ? gpbo_json_metric_infinity(v) : 0;
        if (!ok || !(json_is_number(v) || json_is_null(v) || inf != 0))
            rc = gpbo_error_set(GPBO_EFORMAT, "%s: metric %zu is not [name, number]", path, i);
        else
            mv[i] = inf != 0 ? inf : json_is_null(v) ? NAN : json_number_value(v);
    }
    for (size_t i = 0; rc == GPBO_OK && i < ns; i++) {
        json_int_t s = 0;
        if (json_unpack(json_array_get(st, i), "[I, F]", &s, &sv[i]) != 0)
            rc = gpbo_error_set(GPBO_EFORMAT, "%s: step %zu is not [step, value]", path, i);
        steps[i] = (long)s;
    }
    if (rc == GPBO_OK && ns > 0)
        rc = gpbo_study_report_many(study, (size_t)id, ns, steps, sv);
    if (rc == GPBO_OK && nm > 0)
        rc = gpbo_study_set_metrics(study, (size_t)id, nm, names, mv);
    if (rc == GPBO_OK) {
        if (STATE_OF[si] == GPBO_TRIAL_COMPLETE)
            rc = gpbo_study_tell(study, (size_t)id, value);
        else if (STATE_OF[si] == GPBO_TRIAL_PRUNED)
            rc = gpbo_study_tell_pruned(study, (size_t)id);
        else
            rc = gpbo_study_tell_failed(study, (size_t)id, reason);
    }
    free(names);
    free(mv);
    free(sv);
    free(steps);
    json_decref(j);
    return rc;
}

/* Whether the in-flight file at path was left by a process that is gone: its host is this one
 * and its pid no longer exists. A file of another host, or unreadable, is not judged: left. */
static int inflight_orphan(const char *path)
{
    json_t *j = json_load_file(path, 0, NULL);
    json_int_t pid = 0;
    const char *host = NULL;
    char me[256] = "";
    gethostname(me, sizeof me - 1);
    int gone = j && json_unpack(j, "{s:I, s:s}", "pid", &pid, "host", &host) == 0 && pid > 0 &&
               strcmp(host, me) == 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
    json_decref(j);
    return gone;
}

int cli_pending_replay(gpbo_study *study, const char *runs, int orphans, size_t *out_left)
{
    char dir[1200], path[1600];
    size_t left = 0;
    int rc = unstored_dir(runs, dir, sizeof dir), first = GPBO_OK;
    DIR *d = rc == GPBO_OK ? opendir(dir) : NULL;
    if (out_left)
        *out_left = 0;
    if (d == NULL)
        return rc; /* no folder: nothing kept */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue; /* ., .., and a temporary file being written */
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' &&
            (!orphans || strncmp(e->d_name, ".inflight-", 10) != 0 || !inflight_orphan(path)))
            continue;           /* its writer is telling it, or this is no time to judge */
        if (first != GPBO_OK) { /* the storage failed: the others wait for the next try */
            left++;
            continue;
        }
        size_t id = 0;
        rc = replay_one(study, path, &id);
        if (rc == GPBO_OK) {
            printf("trial %zu: its result, kept in %s while the storage could not take it, is "
                   "now stored\n",
                   id, path);
            fflush(stdout);
            unlink(path);
        } else if (rc == GPBO_ESTATE) {
            fprintf(stderr,
                    "gpbo: trial %zu was finished first elsewhere (another worker ran it "
                    "again); the result kept in %s is not stored, and removed\n",
                    id, path);
            unlink(path);
        } else if (rc == GPBO_EFORMAT || rc == GPBO_ENOTFOUND || rc == GPBO_EINVAL) {
            /* never storable as it is: said at each try, left for the user to look at */
            fprintf(stderr, "gpbo: warning: %s; the file is left as it is\n", gpbo_error_message());
        } else {
            first = rc;
            left++;
        }
    }
    closedir(d);
    if (out_left)
        *out_left = left;
    if (first != GPBO_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", gpbo_error_message());
        return gpbo_error_set(first, "%zu kept trial result%s not stored yet (in %s): %s", left,
                              left == 1 ? "" : "s", dir, msg);
    }
    return GPBO_OK;
}
