/*
 * fuzz_compare.c: libFuzzer harness for the COMPARE.yaml loader of `gpbo compare`
 * (cli/compare_load.c). Any input must either load or fail with one line that starts with the
 * file's name and, for anything found inside the file, a line:column (only a file without
 * strategies or problems fails without one); what loads has at least one strategy and one
 * problem, every strategy known to the library (and not the grid), none listed twice, every
 * number within the limits of compare_load.h, a name and a file stem, and budgets each from 1 to
 * the budget.
 * What loads is then checked by cmp_check (sweep-file problems accepted unread), which must not
 * crash either. The lists are freed after each input, so ASan's leak check covers the loader.
 * Anything else — a sanitizer report, a broken promise (abort), or an input slower than
 * libFuzzer's -timeout — is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/compare_load.h"
#include "cli/sweep.h"
#include "gpbo/error.h"

#define FUZZ_HARNESS "fuzz_compare"
#include "fuzz_util.h"

#define NAME "fuzz-compare.yaml"

static int any_sweep(const char *path)
{
    (void)path;
    return GPBO_OK;
}

static void check_loaded(const cmp *c)
{
    if (c->ns < 1 || c->ns > CMP_MAXL || c->np < 1 || c->np > CMP_MAXL)
        broken("no strategy or no problem", "");
    const char *all[SWEEP_STRATEGIES];
    size_t na = sweep_strategies(all);
    for (size_t i = 0; i < c->ns; i++) {
        int known = sweep_find(c->strategies[i], all, na) < na || cmp_mo_strategy(c->strategies[i]);
        if (!known || !strcmp(c->strategies[i], "grid"))
            broken("an unknown strategy loads", c->strategies[i]);
        if (sweep_find(c->strategies[i], (const char *const *)c->strategies, i) < i)
            broken("a strategy listed twice loads", c->strategies[i]);
    }
    for (size_t i = 0; i < c->np; i++)
        if (sweep_find(c->problems[i], (const char *const *)c->problems, i) < i)
            broken("a problem listed twice loads", c->problems[i]);
    if (c->seeds < 1 || c->seeds > CMP_MAX_COUNT || c->budget < 1 || c->budget > CMP_MAX_COUNT ||
        c->init > CMP_MAX_COUNT || c->jobs < 1 || c->jobs > CMP_MAX_JOBS || c->run_jobs < 1 ||
        c->run_jobs > CMP_MAX_JOBS)
        broken("a number out of its limits loads", "");
    if ((double)c->ns * (double)c->np * (double)c->seeds * (double)c->budget > CMP_MAX_EVALS)
        broken("too many evaluations load", "");
    if (c->nb < 1 || c->nb > CMP_MAXL)
        broken("no budgets", "");
    for (size_t i = 0; i < c->nb; i++)
        if (c->budgets[i] < 1 || c->budgets[i] > c->budget)
            broken("a budget out of its limits loads", "");
    if (c->name[0] == '\0' || c->stem[0] == '\0')
        broken("no name or no file stem", "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cmp c;
    cmp_init(&c);
    c.sweep_check = any_sweep;
    if (compare_parse(NAME, (const char *)data, size, &c) != GPBO_OK) {
        check_file_message(NAME, "needs strategies and problems");
    } else {
        check_loaded(&c);
        if (cmp_check(&c) != GPBO_OK) {
            const char *m = gpbo_error_message();
            if (m == NULL || strchr(m, '\n') != NULL)
                broken("cmp_check's message is not one line", m ? m : "(null)");
        }
    }
    cmp_free(&c);
    return 0;
}
