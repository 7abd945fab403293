/*
 * fuzz_output.c: libFuzzer harness for what gpbo reads that a trial or a database wrote — a
 * line of a trial's output (cli/trial_files.c: parse_metric_line for the sweep's metric and
 * its step, cli_line_metrics for every other name=value, cli_metric_unreadable for a metric
 * with no number) and a trial's stored metrics
 * (search/params_json.c). The input's first line is the output line; the whole input is also
 * read as a stored metrics text. Promises checked: a line gives a kind 0, 1 or 2 (a step >= 0
 * with 2), every metric kept has a name of 1-63 bytes other than "step" and a value that is a
 * number or an infinity (a constraint's mem=inf, or a number past DBL_MAX, as Python's float
 * reads it; never NaN), at
 * most CLI_METRICS_MAX of them; metrics text that reads writes back to a text that reads to the
 * same names and values. Anything else — a sanitizer report, abort — is a bug.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "search/params_json.h"

#define FUZZ_HARNESS "fuzz_output"
#include "fuzz_util.h"

static void check_line(const char *line)
{
    double v = 0;
    long step = -1;
    int kind = parse_metric_line(line, "loss", &v, &step);
    if (kind < 0 || kind > 2 || (kind == 2 && step < 0))
        broken("parse_metric_line", line);
    /* the failure reason's excerpt: within its buffer, printable ASCII only */
    char unread[80] = "";
    if (kind == 0)
        cli_metric_unreadable(line, "loss", unread, sizeof unread);
    for (const char *q = unread; q < unread + sizeof unread && *q; q++)
        if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
            broken("cli_metric_unreadable's text", line);
    if (strnlen(unread, sizeof unread) == sizeof unread)
        broken("cli_metric_unreadable's text is not terminated", line);
    cli_metrics m = {.n = 0};
    cli_line_metrics(line, &m);
    if (m.n > CLI_METRICS_MAX)
        broken("too many metrics", line);
    for (size_t i = 0; i < m.n; i++) {
        size_t l = strnlen(m.name[i], sizeof m.name[i]);
        if (l == 0 || l >= sizeof m.name[i] || !strcmp(m.name[i], "step") || isnan(m.value[i]))
            broken("a metric kept", line);
    }
}

static int same(const gpbo_metrics *a, const gpbo_metrics *b)
{
    if (a->n != b->n || (a->attrs == NULL) != (b->attrs == NULL) ||
        (a->attrs && strcmp(a->attrs, b->attrs) != 0)) /* user attributes, compact both times */
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        int both_nan = isnan(a->values[i]) && isnan(b->values[i]);
        if (strcmp(a->names[i], b->names[i]) != 0 || (!both_nan && a->values[i] != b->values[i]))
            return 0;
    }
    return 1;
}

static void check_stored(const char *txt)
{
    gpbo_metrics m = {0}, back = {0};
    if (gpbo_search__metrics_from_json(txt, &m) != GPBO_OK)
        return;
    char *again = NULL;
    if (gpbo_search__metrics_to_json(&m, &again) == GPBO_OK) {
        if (gpbo_search__metrics_from_json(again, &back) == GPBO_OK && !same(&m, &back))
            broken("stored metrics do not read back", txt);
        free(again);
    }
    gpbo_search__metrics_clear(&back);
    gpbo_search__metrics_clear(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    check_stored(buf);
    buf[strcspn(buf, "\n")] = '\0';
    check_line(buf);
    free(buf);
    return 0;
}
