/*
 * bench/asks: what one ask and its tell cost outside the GP as a study grows to thousands of
 * trials (study.c's mirror and its look at the storage, the strategies without a model). For
 * each strategy (random, Sobol) and storage (in memory, a SQLite file), one study of a 6-parameter
 * space (4 floats, one of them log-scaled, an integer, a categorical of 3) is walked trial by
 * trial, each trial asked and told at once; at each n of --at, --steps consecutive trials are
 * timed one by one: the trials n + 1, n + 2, ... of a study that holds n, as an uninterrupted
 * study meets them. A step is the thread CPU time of the ask and the tell (--api ask: two calls,
 * gpbo_study_ask and gpbo_study_tell; --api tell_ask: one gpbo_study_tell_ask, the call of
 * `gpbo run`'s proposer, whose tell and next reservation share one commit). Prints the mean,
 * 90th percentile and largest step in microseconds. The objective is a sum of squares (free);
 * --objectives 2 makes it a study of two objectives (the second: momentum + dropout), told with
 * gpbo_study_tell_values.
 *
 *   asks_bench [--at 1000,5000,20000] [--steps 300] [--strategies random,sobol]
 *              [--storages memory,sqlite] [--api ask|tell_ask] [--objectives 1|2]
 *              [--dir /tmp] [--seed 0]
 *
 * Every number is a whole number in decimal digits alone (bench/common/flags.h): each of --at
 * from 1 to 10000000 (at most 16, ascending), --steps from 1 to 1000000. A SQLite study lives in
 * DIR/asks_bench_<pid>.db, removed before and after. Thread CPU time includes the system time of
 * SQLite's reads and writes on this thread, not the heartbeat thread's.
 */
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/flags.h"
#include "gpbo/error.h"
#include "gpbo/search.h"

#define AT_MAX 16

typedef struct args {
    size_t at[AT_MAX], nat, steps, seed, nobj;
    const char *strategies, *storages, *api, *dir;
} args;

static double thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return 1e6 * (double)ts.tv_sec + 1e-3 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double objective(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (v[i] - 0.3) * (v[i] - 0.3);
    return s;
}

static gpbo_space *space_new(void)
{
    static const char *const CHOICES[3] = {"relu", "tanh", "gelu"};
    gpbo_space *sp = gpbo_space_new();
    if (sp == NULL || gpbo_space_add_float(sp, "lr", 1e-5, 1e-1, 1) != GPBO_OK ||
        gpbo_space_add_float(sp, "momentum", 0.0, 0.99, 0) != GPBO_OK ||
        gpbo_space_add_float(sp, "dropout", 0.0, 0.5, 0) != GPBO_OK ||
        gpbo_space_add_float(sp, "wd", 0.0, 1e-3, 0) != GPBO_OK ||
        gpbo_space_add_int(sp, "width", 16, 512, 0) != GPBO_OK ||
        gpbo_space_add_categorical(sp, "act", 3, CHOICES) != GPBO_OK) {
        gpbo_space_free(sp);
        return NULL;
    }
    return sp;
}

/* One trial: asked and told (api "ask"), or told with the next ask (tell_ask: *id and v hold
 * the trial asked before, and the next one on return). nobj 2: told both objectives' values
 * (api "ask" only). */
static int step(gpbo_study *st, int tell_ask, size_t nobj, size_t *id, double *v, size_t np)
{
    if (!tell_ask) {
        int rc = gpbo_study_ask(st, id, v);
        double y[2] = {objective(v, np), v[1] + v[2]};
        if (rc == GPBO_OK && nobj == 2)
            return gpbo_study_tell_values(st, *id, 2, y);
        return rc != GPBO_OK ? rc : gpbo_study_tell(st, *id, y[0]);
    }
    int ask_rc = GPBO_OK;
    int rc = gpbo_study_tell_ask(st, *id, objective(v, np), SIZE_MAX, id, v, &ask_rc);
    return rc != GPBO_OK ? rc : ask_rc;
}

/* Removes the SQLite file path and its sidecars (before a walk, and after it). */
static void remove_db(const char *path)
{
    char side[4100];
    remove(path);
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
}

static int walk(const args *a, const char *strategy, const char *storage)
{
    int tell_ask = strcmp(a->api, "tell_ask") == 0;
    char url[4096] = "", path[4000] = "";
    if (strcmp(storage, "sqlite") == 0) {
        snprintf(path, sizeof path, "%s/asks_bench_%ld.db", a->dir, (long)getpid());
        snprintf(url, sizeof url, "sqlite:///%s", path);
        remove_db(path);
    }
    gpbo_space *sp = space_new();
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = strategy;
    o.seed = a->seed;
    static const char *const NAMES[2] = {"loss", "cost"};
    if (a->nobj == 2) {
        o.n_objectives = 2;
        o.objective_names = NAMES;
    }
    gpbo_study *st = sp ? gpbo_study_open(path[0] ? url : NULL, "asks", sp, &o) : NULL;
    size_t np = sp ? gpbo_space_size(sp) : 0, id = 0;
    double v[16], *t = malloc(a->steps * sizeof *t);
    int rc = st && t ? GPBO_OK : GPBO_ENOMEM;
    if (rc == GPBO_OK && tell_ask)
        rc = gpbo_study_ask(st, &id, v);
    for (size_t k = 0; k < a->nat && rc == GPBO_OK; k++) {
        while (rc == GPBO_OK && gpbo_study_ntrials(st) < a->at[k])
            rc = step(st, tell_ask, a->nobj, &id, v, np);
        for (size_t i = 0; i < a->steps && rc == GPBO_OK; i++) {
            double t0 = thread_cpu_us();
            rc = step(st, tell_ask, a->nobj, &id, v, np);
            t[i] = thread_cpu_us() - t0;
        }
        if (rc != GPBO_OK)
            break;
        double mean = 0.0;
        for (size_t i = 0; i < a->steps; i++)
            mean += t[i] / (double)a->steps;
        qsort(t, a->steps, sizeof *t, cmp_double);
        size_t p90 = (size_t)(0.9 * (double)(a->steps - 1) + 0.5);
        printf("%-7s %-7s %-9s %4zu %7zu %6zu | %9.1f %9.1f %9.1f\n", strategy, storage, a->api,
               a->nobj ? a->nobj : 1, a->at[k], a->steps, mean, t[p90], t[a->steps - 1]);
        fflush(stdout);
    }
    if (rc != GPBO_OK)
        fprintf(stderr, "asks_bench: %s %s: %s\n", strategy, storage,
                st ? gpbo_error_message() : "could not open the study");
    free(t);
    gpbo_study_close(st);
    gpbo_space_free(sp);
    if (path[0])
        remove_db(path);
    return rc == GPBO_OK ? 0 : 1;
}

static int parse(int argc, char **argv, args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return -1;
        i++;
        int rc = 0;
        if (strcmp(f, "--at") == 0)
            rc = bench_list(argv[0], f, v, 1, 10000000, AT_MAX, a->at, &a->nat);
        else if (strcmp(f, "--steps") == 0)
            rc = bench_number(argv[0], f, v, 1, 1000000, &a->steps);
        else if (strcmp(f, "--objectives") == 0)
            rc = bench_number(argv[0], f, v, 1, 2, &a->nobj);
        else if (strcmp(f, "--seed") == 0)
            rc = bench_number(argv[0], f, v, 0, SIZE_MAX, &a->seed);
        else if (strcmp(f, "--strategies") == 0)
            a->strategies = v;
        else if (strcmp(f, "--storages") == 0)
            a->storages = v;
        else if (strcmp(f, "--api") == 0)
            a->api = v;
        else if (strcmp(f, "--dir") == 0)
            a->dir = v;
        else
            return -1;
        if (rc != 0)
            return rc;
    }
    for (size_t k = 1; k < a->nat; k++)
        if (a->at[k] <= a->at[k - 1]) {
            fprintf(stderr, "%s: --at must be ascending\n", argv[0]);
            return 2;
        }
    if (a->nobj == 2 && strcmp(a->api, "ask") != 0) {
        fprintf(stderr, "%s: --objectives 2 goes with --api ask\n", argv[0]);
        return 2;
    }
    if (strcmp(a->api, "ask") != 0 && strcmp(a->api, "tell_ask") != 0) {
        fprintf(stderr, "%s: --api is ask or tell_ask (not '%s')\n", argv[0], a->api);
        return 2;
    }
    return 0;
}

/* Whether item is one of the comma-separated list's. */
static int listed(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, item, n) == 0)
            return 1;
        p += len + (e != NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    args a = {{1000, 5000, 20000}, 3, 300, 0, 1, "random,sobol", "memory,sqlite", "ask", "/tmp"};
    int rc = parse(argc, argv, &a);
    if (rc < 0) {
        fprintf(stderr,
                "usage: %s [--at 1000,5000,20000] [--steps 300] [--strategies random,sobol]\n"
                "       [--storages memory,sqlite] [--api ask|tell_ask] [--objectives 1|2]\n"
                "       [--dir /tmp] [--seed 0]\n",
                argv[0]);
        return 2;
    }
    if (rc != 0)
        return 2;
    const char *core = getenv("OPENBLAS_CORETYPE");
    printf("OpenBLAS kernels: %s (%s; no BLAS call is timed); step = ask + tell, thread CPU us\n",
           openblas_get_corename(), core ? "OPENBLAS_CORETYPE" : "OpenBLAS's own choice");
    printf("%-7s %-7s %-9s %4s %7s %6s | %9s %9s %9s\n", "strat", "storage", "api", "objs", "n",
           "steps", "mean", "p90", "max");
    static const char *const STRATS[] = {"random", "sobol"}, *const STORES[] = {"memory", "sqlite"};
    for (size_t i = 0; i < 2 && rc == 0; i++)
        for (size_t j = 0; j < 2 && rc == 0; j++)
            if (listed(a.strategies, STRATS[i]) && listed(a.storages, STORES[j]))
                rc = walk(&a, STRATS[i], STORES[j]);
    return rc;
}
