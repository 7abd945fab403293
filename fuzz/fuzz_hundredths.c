/*
 * fuzz_hundredths.c: libFuzzer harness for report/hundredths.c, the report's rounding of a
 * number's decimal text to hundredths from its digits. The input is the text, whole (any bytes,
 * any length). Promise checked: whenever gpbo_report__round_hundredths accepts the text (a
 * length >= 0), it wrote what snprintf(buf, 64, "%.2f", strtod(text)) writes, byte for byte —
 * the route it replaced and still falls back to — and its length; and the text it accepts is
 * one strtod reads whole. Anything else — a mismatch, a sanitizer report, abort — is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/hundredths.h"

#define FUZZ_HARNESS "fuzz_hundredths"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = input_text(data, size), got[64], want[64], *end;
    int k = gpbo_report__round_hundredths(text, size, got);
    if (k >= 0) {
        double v = strtod(text, &end);
        if (end != text + size)
            broken("accepted a text strtod does not read whole", text);
        int w = snprintf(want, sizeof want, "%.2f", v);
        if (w != k || strlen(got) != (size_t)k || strcmp(got, want) != 0) {
            fprintf(stderr, FUZZ_HARNESS ": %s: digits give '%s', strtod + snprintf '%s'\n", text,
                    got, want);
            broken("disagrees with strtod + snprintf", text);
        }
    }
    free(text);
    return 0;
}
