/*
 * gpbo/rng.h: the seeded random generator every gpbo module draws from.
 *
 * xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64. The state is a plain value
 * (four 64-bit words) that the caller owns, so it can be embedded in objects, copied, saved to a
 * study's storage and restored: the same seed gives the same stream on every platform.
 * Thread-safety: a generator must not be shared between threads without a lock; give each thread
 * its own (gpbo_rng_split).
 */
#ifndef GPBO_RNG_H
#define GPBO_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "gpbo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Generator state. Treat the words as opaque; copy the struct to save or restore a stream. */
typedef struct gpbo_rng {
    uint64_t s[4];
} gpbo_rng;

/** Seeds the generator; any seed (0 included) gives a valid, distinct stream. Cannot fail. */
GPBO_API void gpbo_rng_seed(gpbo_rng *rng, uint64_t seed);

/** @return the next 64 random bits. */
GPBO_API uint64_t gpbo_rng_u64(gpbo_rng *rng);

/** @return a uniform double in [0, 1), with 53 random bits. */
GPBO_API double gpbo_rng_uniform(gpbo_rng *rng);

/** @return a uniform double in the open interval (0, 1): never 0, never 1. */
GPBO_API double gpbo_rng_uniform_pos(gpbo_rng *rng);

/** @return a uniform integer in [0, n), without modulo bias; 0 when n is 0. */
GPBO_API uint64_t gpbo_rng_below(gpbo_rng *rng, uint64_t n);

/** @return a standard normal draw (polar Box-Muller; no cached second value, so the state
 * alone determines the stream). */
GPBO_API double gpbo_rng_normal(gpbo_rng *rng);

/** Fills out[0..n) with standard normal draws. */
GPBO_API void gpbo_rng_normals(gpbo_rng *rng, size_t n, double *out);

/** Shuffles idx[0..n) in place (Fisher-Yates). */
GPBO_API void gpbo_rng_shuffle(gpbo_rng *rng, size_t n, size_t *idx);

/**
 * Derives an independent generator for a sub-task (a restart, a worker thread): out receives
 * a generator seeded from the next draw of rng, which advances by one step. Cannot fail.
 */
GPBO_API void gpbo_rng_split(gpbo_rng *rng, gpbo_rng *out);

#ifdef __cplusplus
}
#endif

#endif /* GPBO_RNG_H */
