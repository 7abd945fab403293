/*
 * test_sweep_numbers.c: every number a user writes in a sweep file, and every value gpbo enqueue
 * takes, read by one reader (sweep_number in cli/sweep.c), so that the same text means the same
 * number wherever it is written. The reference is a constraint's min, which the parameter
 * section's reader (PyYAML's reading: 0x10 16, 1_000 1000, 1:30 90, 010 refused) reads; against
 * it, for each text of a list, the value of an initial point, of a `gpbo enqueue` argument
 * (sweep_point), of a when: under an integer parent, and of a default: (its text as {name}
 * gets it) — each either the reference's value or, where the reference is refused, refused
 * too. Then the refusals name the line and the field, a when: and an enqueued categorical value
 * match the category equal to them as numbers (0x10 names 16), and the trainer section's
 * numbers read alike. initial_points, when:, default: and enqueue read numbers with strtod
 * before (0x10 16 but 1_000 no number and 010 ten).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "sweep.h"

#define HEAD "method: random\nrun_cap: 3\nmetric: {name: loss}\ncommand: [/bin/true, '{d}']\n"

/* Number texts: YAML 1.1's integers and floats in every notation, look-alikes that stay
 * strings for PyYAML (1e-3, 0o17, +.5), octal ones that are refused, and non-numbers. */
static const char *const TEXTS[] = {
    "16",   "0x10", "0x_1F", "1_000", "0b110",  "+5",   "-7",     "1:30",    "-1:30", "1:30.5",
    "0.5",  ".5",   "-.5",   "1.",    "1.5e+3", "1e-3", "1e3",    "0o17",    "+.5",   "017",
    "007",  "00",   "010",   "-010",  "0_12",   "09",   "2.50",   "1_0.2_5", "abc",   ".inf",
    ".nan", "true", "~",     "0x",    "1e999",  "1__0", "0b1_01", "-0x0",    "12:60", "1:5:3"};
#define NTEXTS (sizeof TEXTS / sizeof *TEXTS)

static sweep *parse(const char *text)
{
    return sweep_parse("mem/sweep.yaml", text, strlen(text));
}

/* The reference reading of t: a constraint's min. 1 with *out, or 0 when refused. */
static int reference(const char *t, double *out)
{
    char y[512];
    snprintf(y, sizeof y,
             HEAD "constraints: [{name: m, min: %s}]\nparameters:\n  d: {min: 0.0, max: 1.0}\n", t);
    sweep *s = parse(y);
    if (s == NULL)
        return 0;
    *out = s->cons[0].min;
    sweep_free(s);
    return 1;
}

/* Each text read as an initial point's value of a float parameter: the reference's value, or
 * refused where the reference is. */
static void test_initial_points(void **state)
{
    (void)state;
    for (size_t k = 0; k < NTEXTS; k++) {
        double ref = NAN;
        int ok = reference(TEXTS[k], &ref) && fabs(ref) <= 1e6;
        char y[512];
        snprintf(y, sizeof y,
                 HEAD "parameters:\n  d: {min: -1000000.0, max: 1000000.0}\n"
                      "initial_points:\n  - {d: %s}\n",
                 TEXTS[k]);
        sweep *s = parse(y);
        if (ok && (s == NULL || s->ninit != 1 || s->init[0] != ref))
            fail_msg("initial point %s: %s, the reference reads %.17g", TEXTS[k],
                     s ? "another value" : gpbo_error_message(), ref);
        if (s != NULL && !reference(TEXTS[k], &ref))
            fail_msg("initial point %s taken as %.17g, the reference refuses it", TEXTS[k],
                     s->init[0]);
        sweep_free(s);
    }
}

/* Each text as `gpbo enqueue d=TEXT` reads it (sweep_point): the reference's value, or refused
 * naming the parameter. */
static void test_enqueue(void **state)
{
    (void)state;
    sweep *s = parse(HEAD "parameters:\n  d: {min: -1000000.0, max: 1000000.0}\n");
    assert_non_null(s);
    gpbo_space *sp = sweep_space(s);
    assert_non_null(sp);
    for (size_t k = 0; k < NTEXTS; k++) {
        double ref = NAN, got = NAN;
        int ok = reference(TEXTS[k], &ref) && fabs(ref) <= 1e6;
        char arg[64];
        snprintf(arg, sizeof arg, "d=%s", TEXTS[k]);
        char *args[] = {arg};
        int rc = sweep_point(s, sp, 1, args, &got);
        if (ok && (rc != GPBO_OK || got != ref))
            fail_msg("enqueue %s: %s (%.17g), the reference reads %.17g", arg,
                     rc ? gpbo_error_message() : "another value", got, ref);
        if (rc == GPBO_OK && !reference(TEXTS[k], &ref))
            fail_msg("enqueue %s taken as %.17g, the reference refuses it", arg, got);
        if (rc != GPBO_OK && strstr(gpbo_error_message(), "parameter 'd'") == NULL)
            fail_msg("enqueue %s: the message names no parameter: %s", arg, gpbo_error_message());
    }
    gpbo_space_free(sp);
    sweep_free(s);
}

/* Each integer text as a when: value under an integer parent: the reference's value (the
 * category index the condition holds), or refused where the reference is. */
static void test_when_integer_parent(void **state)
{
    (void)state;
    for (size_t k = 0; k < NTEXTS; k++) {
        double ref = NAN;
        int ok = reference(TEXTS[k], &ref) && ref == floor(ref) && fabs(ref) <= 5000;
        char y[512];
        snprintf(y, sizeof y,
                 HEAD "parameters:\n  n: {min: -5000, max: 5000}\n"
                      "  d: {min: 0.0, max: 1.0, when: {n: %s}, default: 0}\n",
                 TEXTS[k]);
        sweep *s = parse(y);
        if (ok && (s == NULL || s->p[1].when_at[0] != ref))
            fail_msg("when: {n: %s}: %s, the reference reads %.17g", TEXTS[k],
                     s ? "another value" : gpbo_error_message(), ref);
        if (!reference(TEXTS[k], &ref) && s != NULL)
            fail_msg("when: {n: %s} taken as %.17g, the reference refuses it", TEXTS[k],
                     s->p[1].when_at[0]);
        sweep_free(s);
    }
}

/* The text text reaches {name} with as a value of values: (sweep_arg_text: Python's str() of
 * what PyYAML reads), in out; NULL where such a list refuses it. */
static const char *as_value(const char *text, char *out, size_t cap)
{
    char y[512], wb[SWEEP_ARG_TEXT_CAP];
    snprintf(y, sizeof y, HEAD "parameters:\n  d: {values: [%s]}\n", text);
    sweep *s = parse(y);
    if (s == NULL)
        return NULL;
    snprintf(out, cap, "%s", sweep_arg_text(s, 0, s->p[0].values[0], wb, sizeof wb));
    sweep_free(s);
    return out;
}

/* Each text as a default: reaches {name} as a text that a program's strtod reads as the
 * reference's value, or is refused where the reference refuses it as a number (010); and, taken
 * or not a number, as the same text written in values: reaches it, so that {name} looks the
 * same whether the value was drawn or is the default (true reached it as "true", 2.50 as "2.50",
 * ~ as "~", where a drawn value is True, 2.5, None). */
static void test_default(void **state)
{
    (void)state;
    for (size_t k = 0; k < NTEXTS; k++) {
        double ref = NAN;
        int ok = reference(TEXTS[k], &ref);
        char y[512], drawn[SWEEP_ARG_TEXT_CAP];
        snprintf(y, sizeof y,
                 HEAD "parameters:\n  n: {min: 0, max: 3}\n"
                      "  d: {min: 0.0, max: 1.0, when: {n: 1}, default: %s}\n",
                 TEXTS[k]);
        sweep *s = parse(y);
        char type = sweep_scalar_type(TEXTS[k]);
        int number = type == SWEEP_T_INT || type == SWEEP_T_FLOAT;
        if (number && ok) {
            if (s == NULL)
                fail_msg("default: %s: %s", TEXTS[k], gpbo_error_message());
            char *end;
            double x = strtod(s->p[1].def, &end);
            if (*end != '\0' || x != ref || strpbrk(s->p[1].def, "xXbo_:") != NULL)
                fail_msg("default: %s reaches {d} as '%s', not the reference %.17g in decimal",
                         TEXTS[k], s->p[1].def, ref);
        } else if (number && s != NULL) {
            fail_msg("default: %s taken as '%s', the reference refuses it", TEXTS[k], s->p[1].def);
        } else if (!number && s == NULL) {
            fail_msg("default: %s (no number for YAML): %s", TEXTS[k], gpbo_error_message());
        }
        const char *v = s != NULL ? as_value(TEXTS[k], drawn, sizeof drawn) : NULL;
        if (v != NULL && strcmp(v, s->p[1].def) != 0)
            fail_msg("default: %s reaches {d} as '%s', a value of values: written alike as '%s'",
                     TEXTS[k], s->p[1].def, v);
        sweep_free(s);
    }
}

/* A refused number names the file's line and the field, wherever it is written. */
static void test_refusals_name_line_and_field(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want[3];
    } cases[] = {
        {HEAD "parameters:\n  d: {min: 0, max: 100}\ninitial_points:\n  - {d: 010}\n",
         {"sweep.yaml:8:", "initial point", "'010' is octal 8"}},
        {HEAD "parameters:\n  d: {min: 0, max: 100}\ninitial_points:\n  - {d: 1_0x}\n",
         {"sweep.yaml:8:", "initial point: parameter 'd'", "'1_0x' is not a number"}},
        {HEAD "parameters:\n  n: {min: 0, max: 100}\n"
              "  d: {min: 0.0, max: 1.0, when: {n: 010}, default: 0}\n",
         {"sweep.yaml:7:", "parameter 'd'", "'010' is octal 8"}},
        {HEAD "parameters:\n  n: {values: [8, 10]}\n"
              "  d: {min: 0.0, max: 1.0, when: {n: [8, 010]}, default: 0}\n",
         {"sweep.yaml:7:", "parameter 'd'", "'010' is octal 8"}},
        {HEAD "parameters:\n  n: {min: 0, max: 3}\n"
              "  d: {min: 0.0, max: 1.0, when: {n: 1},\n      default: 010}\n",
         {"sweep.yaml:8:", "the default of 'd'", "'010' is octal 8"}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        sweep *s = parse(cases[k].text);
        if (s != NULL)
            fail_msg("case %zu was taken:\n%s", k, cases[k].text);
        for (size_t j = 0; j < 3; j++)
            if (strstr(gpbo_error_message(), cases[k].want[j]) == NULL)
                fail_msg("case %zu: '%s' lacks '%s'", k, gpbo_error_message(), cases[k].want[j]);
    }
    /* gpbo enqueue's octal refusal says why and names the parameter */
    sweep *s = parse(HEAD "parameters:\n  d: {min: 0, max: 100}\n");
    assert_non_null(s);
    gpbo_space *sp = sweep_space(s);
    char arg[] = "d=010", *args[] = {arg};
    double v;
    assert_int_equal(sweep_point(s, sp, 1, args, &v), GPBO_EINVAL);
    assert_non_null(strstr(gpbo_error_message(), "parameter 'd': '010' is octal 8"));
    gpbo_space_free(sp);
    sweep_free(s);
}

/* A categorical parent's or an enqueued categorical value names the category equal to it as
 * PyYAML reads both (0x10 and 16; 15 and 017, PyYAML's octal 15); the text of a value itself
 * first. */
static void test_categorical_numbers(void **state)
{
    (void)state;
    sweep *s = parse(HEAD "parameters:\n  u: {values: [8, 16, 017, 1e-3]}\n"
                          "  d: {min: 0.0, max: 1.0, when: {u: [0x10, 15, 0.001]}, default: 0}\n"
                          "initial_points:\n  - {u: 1_6, d: 0.5}\n  - {u: 0b1000}\n");
    if (s == NULL)
        fail_msg("%s", gpbo_error_message());
    assert_int_equal(s->p[1].nwhen, 3);
    assert_true(s->p[1].when_at[0] == 1 && s->p[1].when_at[1] == 2 && s->p[1].when_at[2] == 3);
    assert_int_equal(s->ninit, 2);
    assert_true(s->init[0] == 1 && s->init[2] == 0);
    gpbo_space *sp = sweep_space(s);
    static const char *const given[] = {"u=0x10", "u=017", "u=15", "u=1_000e-6", "u=0b1000"};
    static const double want[] = {1, 2, 2, NAN, 0};
    for (size_t k = 0; k < 5; k++) {
        char a[32], b[] = "d=0.25", *args[] = {a, b};
        double v[2];
        snprintf(a, sizeof a, "%s", given[k]);
        int rc = sweep_point(s, sp, want[k] == 1 || want[k] == 2 ? 2 : 1, args, v);
        if (isnan(want[k]) ? rc == GPBO_OK : rc != GPBO_OK || v[0] != want[k])
            fail_msg("enqueue %s: rc %d, %g (%s)", given[k], rc, v[0], gpbo_error_message());
    }
    gpbo_space_free(sp);
    sweep_free(s);
}

/* The trainer section's numbers read as the rest of the file's: epochs: 0x4 is 4 (as text
 * "4" for the trainer), 1_0 ten, 010 refused with its line. */
static void test_trainer_numbers(void **state)
{
    (void)state;
    static const char *const head = "method: random\nrun_cap: 3\nmetric: {name: val_accuracy, "
                                    "goal: maximize}\nparameters:\n  lr: {min: 0.001, max: 0.1}\n";
    char y[512];
    snprintf(y, sizeof y, "%strainer: {epochs: 0x4, batch_size: 1_28}\n", head);
    sweep *s = parse(y);
    if (s == NULL)
        fail_msg("%s", gpbo_error_message());
    assert_int_equal(s->ntrainer, 2);
    assert_string_equal(s->trainer[0].value, "4");
    assert_string_equal(s->trainer[1].value, "128");
    sweep_free(s);
    snprintf(y, sizeof y, "%strainer:\n  epochs: 010\n", head);
    assert_null(parse(y));
    assert_non_null(strstr(gpbo_error_message(), "sweep.yaml:7:"));
    assert_non_null(strstr(gpbo_error_message(), "epochs: '010' is octal 8"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_points),
        cmocka_unit_test(test_enqueue),
        cmocka_unit_test(test_when_integer_parent),
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_refusals_name_line_and_field),
        cmocka_unit_test(test_categorical_numbers),
        cmocka_unit_test(test_trainer_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
