/*
 * rng.c: xoshiro256** with splitmix64 seeding (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", 2018), plus the derived draws gpbo needs.
 */
#include <math.h>

#include "gpbo/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void gpbo_rng_seed(gpbo_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
}

uint64_t gpbo_rng_u64(gpbo_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gpbo_rng_uniform(gpbo_rng *rng)
{
    return (double)(gpbo_rng_u64(rng) >> 11) * 0x1.0p-53;
}

double gpbo_rng_uniform_pos(gpbo_rng *rng)
{
    return ((double)(gpbo_rng_u64(rng) >> 12) + 0.5) * 0x1.0p-52;
}

uint64_t gpbo_rng_below(gpbo_rng *rng, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Rejection: accept draws below the largest multiple of n. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do {
        r = gpbo_rng_u64(rng);
    } while (r >= limit);
    return r % n;
}

double gpbo_rng_normal(gpbo_rng *rng)
{
    double u, v, s;
    do {
        u = 2.0 * gpbo_rng_uniform(rng) - 1.0;
        v = 2.0 * gpbo_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

void gpbo_rng_normals(gpbo_rng *rng, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = gpbo_rng_normal(rng);
}

void gpbo_rng_shuffle(gpbo_rng *rng, size_t n, size_t *idx)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gpbo_rng_below(rng, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

void gpbo_rng_split(gpbo_rng *rng, gpbo_rng *out)
{
    gpbo_rng_seed(out, gpbo_rng_u64(rng));
}
