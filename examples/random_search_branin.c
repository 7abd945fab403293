/*
 * random_search_branin.c: the placeholder main job until the search module and the CLI land:
 * minimizes the Branin function (known minimum 0.397887) with a seeded random search and prints
 * the best point found after each power of two evaluations.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <gpbo/gpbo.h>

static double branin(double x1, double x2)
{
    const double pi = 3.14159265358979323846;
    double b = 5.1 / (4.0 * pi * pi), c = 5.0 / pi, t = 1.0 / (8.0 * pi);
    double u = x2 - b * x1 * x1 + c * x1 - 6.0;
    return u * u + 10.0 * (1.0 - t) * cos(x1) + 10.0;
}

/* splitmix64: a small seeded generator, enough for a placeholder demo. */
static double uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

int main(int argc, char **argv)
{
    long budget = argc > 1 ? strtol(argv[1], NULL, 10) : 1024;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 42;
    double best = INFINITY, bx1 = 0, bx2 = 0;
    printf("gpbo %s: random search on Branin (optimum 0.397887), seed %llu\n", gpbo_version(),
           (unsigned long long)seed);
    for (long i = 1; i <= budget; i++) {
        double x1 = -5.0 + 15.0 * uniform(&seed), x2 = 15.0 * uniform(&seed);
        double f = branin(x1, x2);
        if (f < best) {
            best = f;
            bx1 = x1;
            bx2 = x2;
        }
        if ((i & (i - 1)) == 0)
            printf("  after %5ld evaluations: best %.6f at (%.4f, %.4f)\n", i, best, bx1, bx2);
    }
    printf("best value %.6f, simple regret %.2e\n", best, best - 0.397887357729738);
    return 0;
}
