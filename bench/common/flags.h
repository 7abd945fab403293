/*
 * bench/common/flags.h: the numbers of the benches' command-line flags (compare_bench,
 * steps_bench), read alike: a whole number in decimal digits alone within the flag's range, or a
 * comma-separated list of them. strtoul, which they used, read "-1" as 2^64 - 1, "abc" and "" as
 * 0 and "4x" as 4 without a word. Not a library: compiled into each bench that uses it (their
 * CMakeLists.txt); bench/CMakeLists.txt adds only folders with a CMakeLists.txt, so none here.
 */
#ifndef GPBO_BENCH_FLAGS_H
#define GPBO_BENCH_FLAGS_H

#include <stddef.h>

/* The whole number in s[0..len) into *out if it is decimal digits alone (no sign, space or
 * exponent; one past SIZE_MAX is refused, not wrapped) from lo to hi. 0; or 2, *out unchanged,
 * with one line on stderr: "<prog>: <what> must be a whole number from <lo> to <hi> (not '<s>')".
 */
int bench_whole(const char *prog, const char *what, const char *s, size_t len, size_t lo, size_t hi,
                size_t *out);

/* bench_whole() of the whole of v, the value of flag (which the message names). */
int bench_number(const char *prog, const char *flag, const char *v, size_t lo, size_t hi,
                 size_t *out);

/* The comma-separated list s of flag into out[0..*n): at most max items, none empty ("30,,60"
 * and "30," are refused: strtok skipped the empty ones), each a whole number from lo to hi. 0; or
 * 2 with one line on stderr naming flag and the culprit (out and *n then hold what came before
 * it). */
int bench_list(const char *prog, const char *flag, const char *s, size_t lo, size_t hi, size_t max,
               size_t *out, size_t *n);

/* Each of flag's n values at most limit (named by limit_name: "the budget", "--run"; past it
 * they were skipped without a word). 0; or 2 with one line on stderr naming the first past it. */
int bench_at_most(const char *prog, const char *flag, const size_t *v, size_t n,
                  const char *limit_name, size_t limit);

/* Whether seeds consecutive seeds from seed (given by seed_flag) stay within size_t (seed + s
 * wrapped around to 0). 0; or 2 with one line on stderr. */
int bench_seeds_fit(const char *prog, const char *seed_flag, size_t seed, size_t seeds);

#endif
