/*
 * test_fault_compare.c: allocation failures in the COMPARE.yaml loader of `gpbo compare`
 * (cli/compare_load.c, fault.h): for every allocation it makes (libyaml's, the lists' strdup)
 * a failed one gives GPBO_ENOMEM with a message and leaks nothing once the caller frees the
 * cmp, and the same text then loads as it does without failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compare_load.h"
#include "fault.h"
#include "gpbo/error.h"

typedef struct st {
    const char *text;
    cmp c; /* what loaded (loaded 1), its lists this state's */
    int loaded;
} st_t;

static void *setup(void *ctx)
{
    st_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->text = ctx;
    cmp_init(&s->c);
    return s;
}

/* Loads into a cmp of its own, kept only when it loads: a failed load leaves the state as it
 * was (compare_parse's partial lists are the caller's to free, and are freed here). */
static int call(void *p)
{
    st_t *s = p;
    cmp c;
    cmp_init(&c);
    int rc = compare_parse("c.yaml", s->text, strlen(s->text), &c);
    if (rc != GPBO_OK) {
        cmp_free(&c);
        return rc;
    }
    cmp_free(&s->c);
    s->c = c;
    s->loaded = 1;
    return GPBO_OK;
}

static void fingerprint(void *p, fault_fp *fp)
{
    const st_t *s = p;
    const cmp *c = &s->c;
    fault_fp_size(fp, (size_t)s->loaded);
    fault_fp_str(fp, c->name);
    fault_fp_str(fp, c->stem);
    fault_fp_str(fp, c->dir);
    fault_fp_size(fp, c->ns);
    for (size_t i = 0; i < c->ns; i++)
        fault_fp_str(fp, c->strategies[i]);
    fault_fp_size(fp, c->np);
    for (size_t i = 0; i < c->np; i++)
        fault_fp_str(fp, c->problems[i]);
    size_t n[] = {c->seeds, c->budget, c->init, c->jobs, c->run_jobs, c->nb};
    for (size_t i = 0; i < sizeof n / sizeof *n; i++)
        fault_fp_size(fp, n[i]);
    for (size_t i = 0; i < c->nb; i++)
        fault_fp_size(fp, c->budgets[i]);
}

static void teardown(void *p)
{
    st_t *s = p;
    cmp_free(&s->c);
    free(s);
}

static void run_case(const char *name, const char *text)
{
    fault_case fc = {name,         setup, call, fingerprint, teardown, FAULT_ALLOW_ENOMEM,
                     (void *)text, NULL};
    assert_true(fault_run(&fc) > 0);
}

static void test_compare_parse(void **state)
{
    (void)state;
    run_case("compare_parse, every key",
             "name: cmp\n"
             "strategies: [bayes, random, sobol]\n"
             "problems: [branin, sphere:3, quad.yaml, cond]\n"
             "seeds: 3\nbudget: 15\nbudgets: [5, 10, 15]\ninitial: 5\njobs: 2\nrun_jobs: 1\n");
    run_case("compare_parse, block lists and the defaults",
             "# several objectives\n"
             "strategies:\n  - bayes\n  - random\n"
             "problems:\n  - branin_currin\n  - zdt1:6\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_parse),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("fault: compare total %.2f s\n", fault_seconds());
    return rc;
}
