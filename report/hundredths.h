/*
 * hundredths.h: a number's decimal text rounded to hundredths from its digits, internal to the
 * report library (figure.c shortens the SVG driver's coordinates with it), the fuzz harness
 * fuzz/fuzz_hundredths.c and tests/report/test_report.c.
 */
#ifndef GPBO_REPORT_HUNDREDTHS_H
#define GPBO_REPORT_HUNDREDTHS_H

#include <stddef.h>

/* snprintf(buf, 64, "%.2f", strtod(s)) for the n characters s of the form "-"? digits "."
 * digits (no leading zero), read off the digits, byte for byte the same text. Accepted only
 * when s, its decimals padded with zeros to at least three, has at most 15 digits: the double
 * nearest s is then closer to s than s is to any point where the rounding to hundredths turns,
 * unless s is such a point itself (its rest past the hundredths exactly a half: left to
 * snprintf, which rounds the double). Any other s (another form, more digits) is left to
 * snprintf too. Returns the length written to buf (NUL-terminated), or -1 when the caller must
 * ask snprintf (buf untouched then). Reads s[0..n) only; cannot fail otherwise. */
int gpbo_report__round_hundredths(const char *s, size_t n, char buf[64]);

#endif
