/*
 * proposer.c: see proposer.h. Requests are one byte on one pipe; each answer is a fixed-size
 * message (reply header, then the values) on another, read without blocking as it arrives.
 */
#define _GNU_SOURCE /* pipe2 */
#include "proposer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpbo/sys/error.h"

typedef struct reply {
    int rc;
    size_t id;
    char msg[1024];
} reply;

struct proposer {
    pid_t pid;    /* 0: local */
    int req, ans; /* write end of the requests, read end of the answers (-1: local) */
    size_t np, size, got;
    int pending;
    unsigned char *buf; /* one answer: reply, then np doubles */
    gpbo_study *local;  /* proposer_local's study, and its cap */
    size_t cap;
};

static int write_all(int fd, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The child: answers requests until the pipe closes. */
static void serve(int req, int ans, const char *storage, const char *name, const gpbo_space *space,
                  const gpbo_study_options *opts, size_t cap, size_t np, const char *worker)
{
    size_t size = sizeof(reply) + np * sizeof(double);
    unsigned char *buf = calloc(1, size);
    gpbo_study *study = buf ? gpbo_study_open(storage, name, space, opts) : NULL;
    if (study && gpbo_study_propose_for(study, worker) != GPBO_OK) {
        gpbo_study_close(study);
        study = NULL; /* the error is answered to every request */
    }
    char c;
    ssize_t r;
    while ((r = read(req, &c, 1)) == 1 || (r < 0 && errno == EINTR)) {
        if (r != 1)
            continue;
        reply rep = {0};
        if (study == NULL) {
            rep.rc = buf ? gpbo_error_code() : GPBO_ENOMEM;
            snprintf(rep.msg, sizeof rep.msg, "%s", buf ? gpbo_error_message() : "out of memory");
        } else {
            rep.rc =
                gpbo_study_ask_capped(study, cap, &rep.id, (double *)(void *)(buf + sizeof rep));
            if (rep.rc != GPBO_OK)
                snprintf(rep.msg, sizeof rep.msg, "%s", gpbo_error_message());
        }
        memcpy(buf, &rep, sizeof rep);
        if (write_all(ans, buf, size) != 0)
            break;
    }
    gpbo_study_close(study);
    free(buf);
}

proposer *proposer_start(const char *storage, const char *name, const gpbo_space *space,
                         const gpbo_study_options *opts, size_t cap, const char *worker)
{
    proposer *p = calloc(1, sizeof *p);
    int rq[2] = {-1, -1}, an[2] = {-1, -1};
    if (p == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        return NULL;
    }
    p->np = gpbo_space_size(space);
    p->size = sizeof(reply) + p->np * sizeof(double);
    if ((p->buf = malloc(p->size)) == NULL) {
        free(p);
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        return NULL;
    }
    if (pipe2(rq, O_CLOEXEC) != 0 || pipe2(an, O_CLOEXEC) != 0) {
        gpbo_error_set(GPBO_ESYSTEM, "pipe: %s", strerror(errno));
        goto fail;
    }
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    p->pid = fork();
    if (p->pid < 0) {
        gpbo_error_set(GPBO_ESYSTEM, "fork: %s", strerror(errno));
        goto fail;
    }
    if (p->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) /* the run died before the line above took effect */
            _exit(1);
        /* Ctrl-C or a hangup reaches the whole process group, and so does a SIGTERM sent to
         * it (systemd, docker stop, kill -TERM -PGID): the run stops, then closes this. Killed
         * by that SIGTERM, it took the proposal under way with it, and the run reported 'the
         * proposing process ended' with exit status 1 instead of stopping (130) */
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        signal(SIGPIPE, SIG_IGN); /* a run that stopped listening: close the study, then exit */
        signal(SIGCHLD, SIG_DFL);
        close(rq[1]);
        close(an[0]);
        serve(rq[0], an[1], storage, name, space, opts, cap, p->np, worker);
        _exit(0);
    }
    close(rq[0]);
    close(an[1]);
    p->req = rq[1];
    p->ans = an[0];
    fcntl(p->ans, F_SETFL, fcntl(p->ans, F_GETFL) | O_NONBLOCK);
    return p;
fail:
    for (int k = 0; k < 2; k++) {
        if (rq[k] >= 0)
            close(rq[k]);
        if (an[k] >= 0)
            close(an[k]);
    }
    free(p->buf);
    free(p);
    return NULL;
}

proposer *proposer_local(gpbo_study *study, size_t cap)
{
    proposer *p = calloc(1, sizeof *p);
    if (p != NULL) {
        p->np = gpbo_space_size(gpbo_study_space(study));
        p->size = sizeof(reply) + p->np * sizeof(double);
        p->buf = malloc(p->size);
    }
    if (p == NULL || p->buf == NULL) {
        free(p);
        gpbo_error_set(GPBO_ENOMEM, "out of memory");
        return NULL;
    }
    p->req = p->ans = -1;
    p->local = study;
    p->cap = cap;
    return p;
}

/* A local request: asks now; the answer waits in buf as a child's would. */
static void ask_local(proposer *p)
{
    reply rep = {0};
    rep.rc =
        gpbo_study_ask_capped(p->local, p->cap, &rep.id, (double *)(void *)(p->buf + sizeof rep));
    if (rep.rc != GPBO_OK)
        snprintf(rep.msg, sizeof rep.msg, "%s", gpbo_error_message());
    memcpy(p->buf, &rep, sizeof rep);
    p->got = p->size;
    p->pending = 1;
}

int proposer_tell_request(proposer *p, gpbo_study *study, size_t id, double value)
{
    if (p->local != study || p->pending)
        return gpbo_study_tell(study, id, value);
    reply rep = {0};
    int rc = gpbo_study_tell_ask(p->local, id, value, p->cap, &rep.id,
                                 (double *)(void *)(p->buf + sizeof rep), &rep.rc);
    if (rc != GPBO_OK && rc != GPBO_ESTATE)
        return rc; /* no ask was made */
    if (rep.rc != GPBO_OK)
        snprintf(rep.msg, sizeof rep.msg, "%s", gpbo_error_message());
    memcpy(p->buf, &rep, sizeof rep);
    p->got = p->size;
    p->pending = 1;
    return rc;
}

void proposer_request(proposer *p)
{
    if (p->pending)
        return;
    if (p->local) {
        ask_local(p);
        return;
    }
    char c = 'a';
    p->pending = 1;
    p->got = 0;
    if (write_all(p->req, &c, 1) != 0)
        p->pending = -1; /* answered by proposer_take */
}

int proposer_fd(const proposer *p)
{
    return p->ans;
}

pid_t proposer_pid(const proposer *p)
{
    return p->pid;
}

int proposer_busy(const proposer *p)
{
    return p->pending != 0;
}

int proposer_take(proposer *p, int *rc, size_t *id, double *out_values)
{
    if (p->pending == 0)
        return 0;
    while (p->pending == 1 && p->got < p->size) {
        ssize_t r = read(p->ans, p->buf + p->got, p->size - p->got);
        if (r > 0)
            p->got += (size_t)r;
        else if (r < 0 && errno == EINTR)
            continue;
        else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        else
            p->pending = -1; /* end of file: it died */
    }
    if (p->pending == -1) {
        p->pending = 0;
        *rc = gpbo_error_set(GPBO_ESYSTEM, "the proposing process (pid %ld) ended", (long)p->pid);
        return 1;
    }
    p->pending = 0;
    reply rep;
    memcpy(&rep, p->buf, sizeof rep);
    *rc = rep.rc;
    *id = rep.id;
    if (rep.rc == GPBO_OK)
        memcpy(out_values, p->buf + sizeof rep, p->np * sizeof *out_values);
    else
        gpbo_error_set(rep.rc, "%s", rep.msg);
    return 1;
}

void proposer_stop(proposer *p)
{
    if (p == NULL)
        return;
    if (p->local) { /* its study is the caller's, closed by the caller */
        free(p->buf);
        free(p);
        return;
    }
    close(p->req); /* end of requests: it closes its study and exits */
    close(p->ans);
    int st;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
        ;
    free(p->buf);
    free(p);
}
