/*
 * bench/common/flags.c: the benches' numeric flags (flags.h): digits alone, within a range, a
 * bad one named on stderr.
 */
#include "flags.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int bench_whole(const char *prog, const char *what, const char *s, size_t len, size_t lo, size_t hi,
                size_t *out)
{
    size_t v = 0, i = 0;
    int big = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        size_t d = (size_t)(s[i] - '0');
        if (v > (SIZE_MAX - d) / 10)
            big = 1;
        else
            v = v * 10 + d;
    }
    if (i == 0 || i < len || big || v < lo || v > hi) {
        fprintf(stderr, "%s: %s must be a whole number from %zu to %zu (not '%.*s')\n", prog, what,
                lo, hi, (int)len, s);
        return 2;
    }
    *out = v;
    return 0;
}

int bench_number(const char *prog, const char *flag, const char *v, size_t lo, size_t hi,
                 size_t *out)
{
    return bench_whole(prog, flag, v, strlen(v), lo, hi, out);
}

int bench_list(const char *prog, const char *flag, const char *s, size_t lo, size_t hi, size_t max,
               size_t *out, size_t *n)
{
    char what[64];
    snprintf(what, sizeof what, "each of %s", flag);
    *n = 0;
    for (const char *p = s;; p++) {
        size_t len = strcspn(p, ",");
        if (*n == max) {
            fprintf(stderr, "%s: %s takes at most %zu values (not '%s')\n", prog, flag, max, s);
            return 2;
        }
        if (bench_whole(prog, what, p, len, lo, hi, &out[*n]) != 0)
            return 2;
        ++*n;
        p += len;
        if (*p == '\0')
            return 0;
    }
}

int bench_at_most(const char *prog, const char *flag, const size_t *v, size_t n,
                  const char *limit_name, size_t limit)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] > limit) {
            fprintf(stderr, "%s: each of %s must be at most %s, %zu (not %zu)\n", prog, flag,
                    limit_name, limit, v[i]);
            return 2;
        }
    return 0;
}

int bench_seeds_fit(const char *prog, const char *seed_flag, size_t seed, size_t seeds)
{
    if (seeds - 1 <= SIZE_MAX - seed)
        return 0;
    fprintf(stderr, "%s: %s %zu with --seeds %zu goes past seed %zu\n", prog, seed_flag, seed,
            seeds, (size_t)SIZE_MAX);
    return 2;
}
