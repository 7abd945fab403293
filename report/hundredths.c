/*
 * hundredths.c: a number's decimal text rounded to hundredths from its digits (hundredths.h),
 * for the report's SVG coordinates: strtod and snprintf of every marker's two coordinates were
 * 5 % of the CPU of a report of 300 parameters. It must agree byte for byte with them:
 * fuzz/fuzz_hundredths.c checks that on arbitrary text, tests/report/test_report.c on the
 * tricky values.
 */
#include <string.h>

#include "hundredths.h"

int gpbo_report__round_hundredths(const char *s, size_t n, char buf[64])
{
    size_t neg = n > 0 && s[0] == '-', dot = neg;
    while (dot < n && s[dot] >= '0' && s[dot] <= '9')
        dot++;
    if (dot == neg || dot >= n || s[dot] != '.' || dot + 1 == n ||
        (s[neg] == '0' && dot > neg + 1)) /* a leading zero: snprintf writes none */
        return -1;
    /* at most 15 digits with the decimals padded to D = max(decimals, 3): s and the turning
     * points (a 5 in the thousandths) are multiples of 10^-D, so s is at least 10^-D from the
     * nearest one, and |s| < 10^(15 - D) puts the double nearest s (relative error 2^-53) less
     * than 0.12 10^-D from it: on s's side. Counting s's own digits alone let 91924993500009.9
     * through: 0.005 from the turning points, its double 0.006 above it. */
    size_t decimals = n - dot - 1;
    if (dot - neg + (decimals < 3 ? 3 : decimals) > 15)
        return -1;
    for (size_t i = dot + 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    /* the digits kept: the integer part and two decimals (zeros past s's end) */
    char d[32];
    size_t nd = 0;
    for (size_t i = neg; i < dot; i++)
        d[nd++] = s[i];
    for (size_t i = dot + 1; i < dot + 3; i++)
        d[nd++] = i < n ? s[i] : '0';
    int up = 0;
    if (dot + 3 < n) { /* the rest: below, at or above half a hundredth */
        int above = s[dot + 3] > '5', half = s[dot + 3] == '5';
        for (size_t i = dot + 4; half && !above && i < n; i++)
            above = s[i] != '0';
        if (half && !above)
            return -1;
        up = above || half;
    }
    for (size_t i = nd; up && i-- > 0;) { /* carry */
        up = d[i] == '9';
        d[i] = up ? '0' : (char)(d[i] + 1);
    }
    size_t k = 0;
    if (neg)
        buf[k++] = '-';
    if (up)
        buf[k++] = '1';
    memcpy(buf + k, d, nd - 2);
    k += nd - 2;
    buf[k++] = '.';
    buf[k++] = d[nd - 2];
    buf[k++] = d[nd - 1];
    buf[k] = '\0';
    return (int)k;
}
