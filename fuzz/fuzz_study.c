/*
 * fuzz_study.c: libFuzzer harness for a stored study that another program wrote: the texts a
 * SQLite database holds for it (search/study.c's gpbo_study_open reads the space, then the options
 * with their objectives and constraints, search/space.c, study.c, study_mo.c, constraints.c), and
 * what a worker then does with them. The input's first line is the space text and the rest the
 * options text; both are written into the study's row of a real database (in /dev/shm), the study
 * is opened from it and up to ASKS trials are asked and told. Promises checked: an open or an ask
 * that fails says why (an error code and a message); every value asked is one of the space's
 * (gpbo_space_encode takes it); the study holds the trials it was told. Anything else — a
 * sanitizer report, an allocation past libFuzzer's limit, abort — is a bug.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpbo/error.h"
#include "gpbo/search.h"

#define FUZZ_HARNESS "fuzz_study"
#include "fuzz_util.h"

#define ASKS 4

static char path[64], url[80];

/* The database, once: a study named "s" of one float, whose row each input then rewrites. */
static void setup(void)
{
    snprintf(path, sizeof path, "/dev/shm/gpbo_fuzz_study_%ld.db", (long)getpid());
    snprintf(url, sizeof url, "sqlite:///%s", path);
    unlink(path);
    gpbo_space *sp = gpbo_space_new();
    if (sp == NULL || gpbo_space_add_float(sp, "x", 0, 1, 0) != GPBO_OK)
        broken("setup", gpbo_error_message());
    gpbo_study *s = gpbo_study_open(url, "s", sp, NULL);
    if (s == NULL)
        broken("setup", gpbo_error_message());
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

/* The study's row given the two texts, its trials gone. 0 on success. */
static int store(const char *space, const char *options)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_open(path, &db) == SQLITE_OK &&
             sqlite3_exec(db, "DELETE FROM intermediate; DELETE FROM trials;", NULL, NULL, NULL) ==
                 SQLITE_OK &&
             sqlite3_prepare_v2(db, "UPDATE studies SET space = ?1, options = ?2 WHERE name = 's'",
                                -1, &st, NULL) == SQLITE_OK &&
             sqlite3_bind_text(st, 1, space, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_text(st, 2, options, -1, SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ok ? 0 : -1;
}

/* Asks and tells up to ASKS trials of the open study s. */
static void work(gpbo_study *s)
{
    const gpbo_space *sp = gpbo_study_space(s);
    size_t np = gpbo_space_size(sp), nobj = gpbo_study_nobjectives(s);
    double *v = malloc((np + 1) * sizeof *v), *u = malloc((gpbo_space_dim(sp) + 1) * sizeof *u);
    double obj[8];
    if (v == NULL || u == NULL)
        broken("work", "out of memory");
    size_t told = 0;
    for (int k = 0; k < ASKS; k++) {
        size_t id;
        if (gpbo_study_ask(s, &id, v) != GPBO_OK) {
            explained("ask");
            break;
        }
        if (gpbo_space_encode(sp, v, u) != GPBO_OK)
            broken("a value asked is not the space's", gpbo_error_message());
        double y = 0;
        for (size_t i = 0; i < np; i++)
            y += isfinite(v[i]) ? sin(v[i] * (double)(i + 1)) : 0;
        int rc;
        if (nobj >= 2) {
            size_t m = nobj < 8 ? nobj : 8;
            for (size_t j = 0; j < m; j++)
                obj[j] = y + (double)j;
            rc = m == nobj ? gpbo_study_tell_values(s, id, m, obj)
                           : gpbo_study_tell_failed(s, id, "fuzz: too many objectives");
        } else {
            rc = gpbo_study_tell(s, id, y);
        }
        if (rc != GPBO_OK)
            explained("tell");
        else
            told++;
    }
    if (gpbo_study_ntrials(s) < told)
        broken("work", "the study holds fewer trials than were told");
    free(v);
    free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl == NULL || memchr(data, '\0', size) != NULL)
        return 0;
    size_t ls = (size_t)(nl - data);
    char *space = malloc(ls + 1), *options = malloc(size - ls);
    if (space == NULL || options == NULL)
        broken("input", "out of memory");
    memcpy(space, data, ls);
    space[ls] = '\0';
    memcpy(options, nl + 1, size - ls - 1);
    options[size - ls - 1] = '\0';
    if (store(space, options) == 0) {
        gpbo_study *s = gpbo_study_open(url, "s", NULL, NULL);
        if (s == NULL)
            explained("open");
        else
            work(s);
        gpbo_study_close(s);
    }
    free(space);
    free(options);
    return 0;
}
