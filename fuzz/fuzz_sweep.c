/*
 * fuzz_sweep.c: libFuzzer harness for the sweep loader (cli/sweep.c). Any input must either
 * load or fail with one line that starts with the file's name and a line:column; what loads
 * must make a search space whose lowest, middle and highest values each format into the
 * 256 bytes a trial gives them. Anything else — a sanitizer report, a broken promise (abort),
 * or an input slower than libFuzzer's -timeout — is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/sweep.h"
#include "gpbo/error.h"

#define FUZZ_HARNESS "fuzz_sweep"
#include "fuzz_util.h"

#define NAME "fuzz-sweep.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sweep *s = sweep_parse(NAME, (const char *)data, size);
    if (s == NULL) {
        check_file_message(NAME, NULL);
        return 0;
    }
    gpbo_space *sp = sweep_space(s);
    if (sp == NULL)
        broken("a loaded sweep makes no search space", gpbo_error_message());
    size_t n = gpbo_space_size(sp), dim = gpbo_space_dim(sp);
    double *u = malloc((dim ? dim : 1) * sizeof *u), *v = malloc((n ? n : 1) * sizeof *v);
    if (u == NULL || v == NULL)
        broken("out of memory", "");
    char buf[256];
    char **text = calloc(n ? n : 1, sizeof *text);
    for (size_t i = 0; text != NULL && i < n; i++)
        if ((text[i] = malloc(256)) == NULL)
            broken("out of memory", "");
    if (text == NULL)
        broken("out of memory", "");
    for (int k = 0; k < 3; k++) {
        for (size_t j = 0; j < dim; j++)
            u[j] = 0.5 * k;
        if (gpbo_space_decode(sp, u, v) != GPBO_OK)
            broken("decode", gpbo_error_message());
        for (size_t i = 0; i < n; i++) {
            /* an inactive parameter (its when: does not hold) is NaN, and only it */
            if (isnan(v[i]) != !gpbo_space_active(sp, v, i))
                broken("a value's activity disagrees with its conditions", "");
            if (!isnan(v[i]) && sweep_format(s, sp, i, v[i], buf, sizeof buf) != GPBO_OK)
                broken("a value does not format into 256 bytes", gpbo_error_message());
            /* every value as the program gets it reads back (enqueue, import: sweep_value,
             * the sweep file's number reader) to a value written the same: one the space
             * transforms (the normal family's, a q-distribution's, which may round beyond its
             * range), a category (by its text before any number equal to it), an integer or a
             * float as gpbo writes them */
            double back;
            char again[256];
            if (!isnan(v[i])) {
                if (sweep_value(s, i, buf, &back) != GPBO_OK)
                    broken("a value as written does not read back", gpbo_error_message());
                if (sweep_format(s, sp, i, back, again, sizeof again) != GPBO_OK ||
                    strcmp(again, buf) != 0)
                    broken("a value as written reads back as another", buf);
            }
            if (isnan(v[i]))
                free(text[i]), text[i] = NULL;
            else if (text[i] == NULL && (text[i] = malloc(256)) == NULL)
                broken("out of memory", "");
            if (text[i] != NULL)
                memcpy(text[i], buf, sizeof buf);
        }
        /* ${args_json}'s object of those values */
        char *json = sweep_args_json(s, text);
        size_t jl = json ? strlen(json) : 0;
        if (json == NULL || jl < 2 || json[0] != '{' || json[jl - 1] != '}')
            broken("${args_json} makes no object", json ? json : gpbo_error_message());
        free(json);
    }
    for (size_t i = 0; i < n; i++)
        free(text[i]);
    free(text);
    /* the space, conditions included, survives its JSON (how a study stores it) */
    gpbo_space *copy = gpbo_space_copy(sp);
    if (copy == NULL || !gpbo_space_equal(copy, sp))
        broken("the space does not survive its JSON", gpbo_error_message());
    gpbo_space_free(copy);
    /* every categorical value, not only the ones decoding reaches; and as ${args} writes it
     * (W&B's agent: Python's str() of PyYAML's value), an integer in decimal digits, a float
     * as a number Python writes (inf, -inf and nan included) */
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < gpbo_space_nchoices(sp, i); c++) {
            if (sweep_format(s, sp, i, (double)c, buf, sizeof buf) != GPBO_OK)
                broken("a category does not format into 256 bytes", gpbo_error_message());
            char wb[SWEEP_ARG_TEXT_CAP], *end;
            const char *a = sweep_arg_text(s, i, buf, wb, sizeof wb);
            char t = s->p[i].vtypes && c < s->p[i].nvalues ? s->p[i].vtypes[c] : SWEEP_T_STR;
            if (a == NULL || strlen(a) >= sizeof wb)
                broken("${args}' text of a value is missing or too long", buf);
            if (t == SWEEP_T_INT &&
                (a[strspn(a, "-")] == '\0' ||
                 a[strspn(a, "-") + strspn(a + strspn(a, "-"), "0123456789")] != '\0'))
                broken("${args}' text of an integer is not decimal digits", a);
            if (t == SWEEP_T_FLOAT && strcmp(a, "inf") && strcmp(a, "-inf") && strcmp(a, "nan") &&
                (strtod(a, &end), *end != '\0' || end == a))
                broken("${args}' text of a float is not a number", a);
        }
    free(u);
    free(v);
    gpbo_space_free(sp);
    sweep_free(s);
    return 0;
}
