/*
 * dashboard.c: `gpbo dashboard` — a live page of a study (or of every study of a storage),
 * served by libmicrohttpd on 127.0.0.1 unless --host says otherwise. The page
 * (dashboard.html) polls the JSON of dashboard_json.c; the server only reads the storage.
 * Each connection has a thread of its own (libmicrohttpd's thread per connection, at most
 * DASH_CONNECTIONS), so a slow answer (a big study's trials, a GP fit) holds up no other
 * client; the studies' handles are shared under locks (dashboard.h). The main thread waits for
 * SIGINT or SIGTERM and stops the server.
 */
#include <ctype.h>
#include <errno.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../base/json_safe.h"
#include "dashboard.h"
#include "gpbo/sys/error.h"

/* Sends body (taken: freed by libmicrohttpd) with status and content type, and csp as its
 * Content-Security-Policy when not NULL; never cached, never sniffed as another type (a JSON
 * answer or a plain text holding markup is not a page), never framed, no Referer sent on. */
static enum MHD_Result respond_with(struct MHD_Connection *c, unsigned status, const char *type,
                                    char *body, enum MHD_ResponseMemoryMode mode, const char *csp)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, mode);
    if (r == NULL) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (csp != NULL)
        MHD_add_response_header(r, "Content-Security-Policy", csp);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) /* RFC 9110 15.5.6: a 405 says what is */
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
                               char *body, enum MHD_ResponseMemoryMode mode)
{
    return respond_with(c, status, type, body, mode, NULL);
}

/* The page with a nonce of its own on its <script> and <style>, and the policy that lets those
 * two run and nothing else: no other script (an injected <script> or onerror= would not run,
 * though the page puts no text from the storage anywhere but in textContent), no other style,
 * no fetch but from this server, no frame around it, no form, no <base>. A 500 in plain text
 * when out of memory or with no random bytes. */
static enum MHD_Result respond_page(struct MHD_Connection *c)
{
    unsigned char raw[16];
    char nonce[2 * sizeof raw + 1];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                       "no random bytes for the page's nonce\n", MHD_RESPMEM_PERSISTENT);
    for (size_t k = 0; k < sizeof raw; k++)
        snprintf(nonce + 2 * k, 3, "%02x", raw[k]);
    static const char *const TAGS[] = {"<style>", "<script>"};
    const char *page = gpbo_dashboard_html;
    size_t len = strlen(page) + 2 * (sizeof " nonce=\"\"" + sizeof nonce) + 1;
    char *out = malloc(len), *w = out;
    for (size_t t = 0; out != NULL && t < 2; t++) {
        const char *at = strstr(page, TAGS[t]); /* the first of each: the page's own */
        size_t tag = strlen(TAGS[t]) - 1;       /* up to the '>' */
        if (at == NULL)
            continue;
        memcpy(w, page, (size_t)(at - page) + tag);
        w += (at - page) + tag;
        w += sprintf(w, " nonce=\"%s\"", nonce);
        page = at + tag;
    }
    if (out == NULL)
        return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                       "the page could not be written (out of memory)\n", MHD_RESPMEM_PERSISTENT);
    strcpy(w, page);
    char csp[400];
    snprintf(csp, sizeof csp,
             "default-src 'none'; script-src 'nonce-%s'; style-src 'nonce-%s'; "
             "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
             "frame-ancestors 'none'",
             nonce, nonce);
    return respond_with(c, MHD_HTTP_OK, "text/html; charset=utf-8", out, MHD_RESPMEM_MUST_FREE,
                        csp);
}

/* A JSON answer: the document, or {"error": why} with 404 (no such study) or 500; a document
 * that cannot be written (no memory) is a 500 in plain text, never a dropped connection. */
static enum MHD_Result respond_json(struct MHD_Connection *c, json_t *doc)
{
    unsigned status = MHD_HTTP_OK;
    if (doc == NULL) {
        status = gpbo_error_code() == GPBO_ENOTFOUND ? MHD_HTTP_NOT_FOUND
                                                     : MHD_HTTP_INTERNAL_SERVER_ERROR;
        doc = json_pack("{so}", "error", dash_text(gpbo_error_message()));
    }
    char *text = gpbo_json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text == NULL)
        return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                       "the answer could not be written (out of memory)\n", MHD_RESPMEM_PERSISTENT);
    return respond(c, status, "application/json", text, MHD_RESPMEM_MUST_FREE);
}

/* Whether a request's Host header (NULL: none) may be answered. On a loopback address only an
 * IP address, localhost or --host itself: a page of evil.example whose name its DNS server
 * later points at 127.0.0.1 ("DNS rebinding") would otherwise read the study through the
 * browser of whoever opened it, and such requests name evil.example. A server the user put on
 * another address answers every name (whoever reaches it may read it, as --help says). */
static int host_allowed(const dash *d, const char *hdr)
{
    if (!d->loopback || hdr == NULL)
        return 1;
    char h[256];
    size_t n = strlen(hdr);
    if (n >= sizeof h)
        return 0;
    memcpy(h, hdr, n + 1);
    char *end = h[0] == '[' ? strchr(h, ']') : strrchr(h, ':');
    if (h[0] == '[' && end == NULL)
        return 0;
    if (end != NULL)
        *end = '\0'; /* the port, or the bracket of an IPv6 address */
    const char *name = h[0] == '[' ? h + 1 : h;
    unsigned char addr[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1 ||
           !strcasecmp(name, "localhost") || !strcasecmp(name, d->host);
}

/* A request's query arguments, read by the server itself (query_seen) rather than by
 * libmicrohttpd: libmicrohttpd 0.9.75 keeps each argument in the connection's 32 kB of memory,
 * and when they do not fit (about 500 arguments, or a few beside a header of 30 kB) it loses the
 * error answer it makes and closes the connection without a word. Nothing of the request is
 * kept in that memory here, so any query is answered: a 414 past DASH_ARGS arguments. */
enum { DASH_ARGS = 64 };

typedef struct dash_query {
    size_t n;                                /* the arguments, at most DASH_ARGS are kept */
    int too_many;                            /* more than DASH_ARGS of them */
    char *key[DASH_ARGS], *value[DASH_ARGS]; /* decoded; a value is NULL without '=' */
    char text[]; /* the query as sent, then split and decoded in place */
} dash_query;

/* s decoded in place as libmicrohttpd decodes an argument: '+' is a space, %XX the byte XX (a
 * '%' not followed by two hexadecimal digits stays as it is). */
static void unescape(char *s)
{
    static const char HEX[] = "0123456789abcdef";
    char *w = s;
    for (char *p = s; *p; p++) {
        const char *hi = NULL, *lo = NULL;
        if (*p == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
            hi = strchr(HEX, tolower((unsigned char)p[1]));
            lo = strchr(HEX, tolower((unsigned char)p[2]));
        }
        if (hi != NULL && lo != NULL) {
            *w++ = (char)((hi - HEX) << 4 | (lo - HEX));
            p += 2;
        } else
            *w++ = *p == '+' ? ' ' : *p;
    }
    *w = '\0';
}

/* libmicrohttpd's MHD_OPTION_URI_LOG_CALLBACK: called with the request's target before
 * libmicrohttpd parses its arguments. The query is copied and parsed here, and the target
 * ends at its '?' for libmicrohttpd, which then parses no argument (the target lies in the
 * connection's buffer, which libmicrohttpd hands over as const but writes itself: the '?' and
 * the '%' escapes of the path are rewritten there in place after this call). The query is
 * handed to answer() as the request's *con_cls; NULL when out of memory (a 500). */
static void *query_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls, (void)c;
    char *mark = uri ? strchr(uri, '?') : NULL; /* NULL: a request line of a method alone */
    const char *q = mark ? mark + 1 : "";
    dash_query *r = malloc(sizeof *r + strlen(q) + 1);
    if (r != NULL)
        strcpy(r->text, q);
    if (mark != NULL)
        mark[1] = '\0';
    if (r == NULL)
        return NULL;
    r->n = 0;
    r->too_many = 0;
    for (char *p = r->text, *amp; p != NULL && *p; p = amp) {
        amp = strchr(p, '&');
        if (amp != NULL)
            *amp++ = '\0';
        if (r->n == DASH_ARGS) {
            r->too_many = 1;
            break;
        }
        char *eq = strchr(p, '=');
        if (eq != NULL)
            *eq++ = '\0';
        unescape(p);
        if (eq != NULL)
            unescape(eq);
        r->key[r->n] = p;
        r->value[r->n++] = eq;
    }
    return r;
}

/* libmicrohttpd's MHD_OPTION_NOTIFY_COMPLETED: the request's query (query_seen) is freed,
 * whether the request was answered or not (libmicrohttpd calls this for every request whose
 * target query_seen saw). */
static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    free(*con_cls);
    *con_cls = NULL;
}

/* The value of argument key in q (the first one so named), or NULL. */
static const char *argument(const dash_query *q, const char *key)
{
    for (size_t i = 0; i < q->n; i++)
        if (!strcmp(q->key[i], key))
            return q->value[i];
    return NULL;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version, (void)upload, (void)upload_size;
    dash *d = cls;
    const dash_query *query = *con_cls;
    if (query == NULL)
        return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                       "the request could not be read (out of memory)\n", MHD_RESPMEM_PERSISTENT);
    if (query->too_many)
        return respond(c, MHD_HTTP_URI_TOO_LONG, "text/plain; charset=utf-8",
                       "gpbo dashboard: too many query arguments (at most 64)\n",
                       MHD_RESPMEM_PERSISTENT);
    if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
        return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                       "read-only: GET only\n", MHD_RESPMEM_PERSISTENT);
    if (!host_allowed(d, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)))
        return respond(c, MHD_HTTP_FORBIDDEN, "text/plain; charset=utf-8",
                       "gpbo dashboard: not a name of this machine in the Host header (open the "
                       "address the dashboard printed)\n",
                       MHD_RESPMEM_PERSISTENT);
    const char *name = argument(query, "name");
    if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
        return respond_page(c);
    if (!strcmp(url, "/api/studies"))
        return respond_json(c, dash_studies(d));
    if (!strcmp(url, "/api/study"))
        return respond_json(c, dash_study(d, name));
    if (!strcmp(url, "/api/trials"))
        return respond_json(c, dash_trials(d, name, argument(query, "since")));
    if (!strcmp(url, "/api/slices"))
        return respond_json(c, dash_slices(d, name));
    return respond(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n",
                   MHD_RESPMEM_PERSISTENT);
}

/* A listening socket on host:port, or -1 after printing why (one line). Made here rather than
 * by libmicrohttpd so that the error names the address and the system's reason. */
static int listen_on(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, "gpbo dashboard: --host %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = ai; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        int one = 1;
        if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 64) == 0)
            break;
        err = errno;
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        fprintf(stderr, "gpbo dashboard: cannot listen on %s port %s: %s\n", host, port,
                strerror(err));
    return fd;
}

/* The port's number as the user gave it (0: any free one), or -1 after printing why. */
static long port_number(const char *text)
{
    char *end;
    errno = 0;
    long p = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || p < 0 || p > 65535 || text[0] == '-' ||
        text[0] == '+' || text[0] == ' ') {
        fprintf(stderr, "gpbo dashboard: --port %s: not a port (0 to 65535)\n", text);
        return -1;
    }
    return p;
}

/* 0 when the storage's names (n of them) hold d->study, else 2 after saying so with the names
 * it holds. Only without a sweep file: a sweep's study may not have run yet, and the page
 * waits for it; --storage --study names a study that is there or a typo. */
static int missing_study(const dash *d, char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], d->study))
            return 0;
    cli_no_such_study("dashboard", d->storage, d->study, names, n);
    return 2;
}

/* The storage and study the dashboard shows (d), from the arguments; 0, or the exit status
 * after printing why (a storage that cannot be read, another program's database, --storage with
 * a --study it does not hold). A sweep whose study has not run yet is served all the same: the
 * page waits for it. */
static int what_to_show(const cli_args *a, sweep **sw, char *db, size_t cap, dash *d)
{
    d->storage = a->storage;
    d->study = a->study;
    if (a->path != NULL) {
        if ((*sw = sweep_load_results(a->path)) == NULL) {
            fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
            return 2;
        }
        d->sw = *sw;
        d->run_cap = (*sw)->run_cap;
        d->study = a->study ? a->study : (*sw)->name;
        if (d->storage == NULL) {
            if (cli_study_file(db, cap, (*sw)->dir, d->study, ".db") != GPBO_OK) {
                fprintf(stderr, "gpbo dashboard: %s\n", gpbo_error_message());
                return 2;
            }
            d->storage = db;
        }
    } else if (d->storage == NULL) {
        fprintf(stderr, "gpbo dashboard: give a sweep file or --storage (gpbo dashboard --help)\n");
        return 2;
    }
    char **names = NULL;
    size_t n = 0;
    int rc = gpbo_study_list(d->storage, &names, &n); /* a storage that cannot be read: now */
    if (rc == GPBO_ENOTFOUND && a->path != NULL)
        return 0; /* the sweep's study has not run yet: the page waits for it */
    if (rc != GPBO_OK) {
        fprintf(stderr, "gpbo dashboard: %s\n", gpbo_error_message());
        return rc == GPBO_EINVAL ? 2 : 1;
    }
    int status = a->path == NULL && d->study != NULL ? missing_study(d, names, n) : 0;
    gpbo_free(names);
    return status;
}

/* The port the server listens on (asked of the socket: --port 0 picks one). */
static unsigned bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Whether the socket listens on a loopback address (127.0.0.0/8, ::1) only. */
static int is_loopback(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
    return ss.ss_family == AF_INET &&
           (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
}

/* Serves until SIGINT or SIGTERM (blocked here, so that the server's thread never takes them).
 * Returns the exit status. */
static int serve(dash *d, int fd, const char *host)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct MHD_Daemon *m = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0, NULL,
        NULL, answer, d, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)DASH_CONNECTIONS, MHD_OPTION_URI_LOG_CALLBACK,
        query_seen, NULL, MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
    if (m == NULL) {
        fprintf(stderr, "gpbo dashboard: cannot start the server\n");
        close(fd);
        return 1;
    }
    const char *shown = strchr(host, ':') ? "[%s]" : "%s"; /* an IPv6 address in a URL */
    char where[300];
    snprintf(where, sizeof where, shown, host);
    printf("gpbo dashboard: http://%s:%u/ (%s%s; Ctrl-C stops it)\n", where, bound_port(fd),
           d->study ? "study " : "every study of ", d->study ? d->study : d->storage);
    if (!d->loopback) /* --host put it there: say what that means, once */
        printf("gpbo dashboard: --host %s is not a loopback address: whoever can reach it reads "
               "the studies, their parameters and failure reasons (no password)\n",
               host);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    MHD_stop_daemon(m); /* closes the socket too */
    printf("gpbo dashboard: stopped (%s)\n", sig == SIGINT ? "interrupted" : "terminated");
    return 0;
}

int cmd_dashboard(int argc, char **argv)
{
    cli_args a = {.port = "8080", .host = "127.0.0.1"};
    if (cli_parse("dashboard", argc, argv, &a) != 0)
        return 2;
    long port = port_number(a.port);
    if (port < 0)
        return 2;
    sweep *sw = NULL;
    char db[1200];
    dash d = {0};
    if (dash_init(&d) != 0) {
        fprintf(stderr, "gpbo dashboard: cannot make a lock\n");
        return 1;
    }
    int status = what_to_show(&a, &sw, db, sizeof db, &d);
    if (status != 0) {
        dash_close(&d);
        sweep_free(sw);
        return status;
    }
    char service[24];
    snprintf(service, sizeof service, "%ld", port);
    int fd = listen_on(a.host, service);
    d.host = a.host;
    d.loopback = fd >= 0 && is_loopback(fd);
    status = fd < 0 ? 2 : serve(&d, fd, a.host);
    dash_close(&d);
    sweep_free(sw);
    return status;
}
