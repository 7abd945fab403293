/*
 * compare_load.h: COMPARE.yaml, the file `gpbo compare` runs, read into a cmp (compare_core.h).
 * Apart from compare.c so that the fuzz harness (fuzz/fuzz_compare.c) reads text from memory
 * through the same code.
 */
#ifndef GPBO_CLI_COMPARE_LOAD_H
#define GPBO_CLI_COMPARE_LOAD_H

#include <stddef.h>

#include "compare_core.h"

#define CMP_MAX_BYTES (1 << 20) /* the file's size: 1 MiB */
#define CMP_MAX_DEPTH 32        /* mappings and lists nested in each other */
#define CMP_MAX_COUNT 1000000   /* seeds, budget, initial and each of budgets */
#define CMP_MAX_JOBS  1024      /* jobs and run_jobs (gpbo run --jobs takes as many) */
/* strategies x problems x seeds x budget: every evaluation's best and regret are held in memory
 * (16 bytes each) and every trial is a row of the database */
#define CMP_MAX_EVALS 10000000
#define CMP_MAX_VALUE 255 /* bytes of one strategy or problem (run names hold them) */

/* Reads COMPARE.yaml at path into c (set by cmp_init; its lists are c's to free, cmp_free,
 * whatever happens): every key known and given once, numbers whole and within the limits above,
 * each of budgets at most budget (given or the default, 60), strategies known to the library and
 * listed once, problems listed once (cmp_check checks them). GPBO_OK, or GPBO_EFORMAT / GPBO_EIO /
 * GPBO_ENOMEM / GPBO_EINVAL with a one-line message that starts with path and, for what is found
 * inside the file, line:column. */
int compare_load(const char *path, cmp *c);

/* As compare_load(), from the text of the file at path (len bytes, which need not end in a NUL);
 * path names the file in messages and its folder is c->dir. */
int compare_parse(const char *path, const char *text, size_t len, cmp *c);

#endif
