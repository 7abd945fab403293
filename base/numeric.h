/*
 * numeric.h: numerical constants and small helpers that more than one file of gpbo needs
 * (gp's log priors, acquisition's normal density, the medians of the pruner and of the
 * Bayesian strategy); an internal header, not installed, compiled into each user.
 * Literals rather than expressions, so that every user gets the same double, bit for bit.
 */
#ifndef GPBO_NUMERIC_H
#define GPBO_NUMERIC_H

/* log(sqrt(2 pi)): the normalizing term of the log normal density. */
#define GPBO_LOG_SQRT_2PI 0.91893853320467274
/* log(2 pi): the same term for a multivariate normal (gp's log marginal likelihood). */
#define GPBO_LOG_2PI 1.8378770664093453

/* qsort's comparison of doubles in increasing order (NaN-free input). */
static inline int gpbo_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A non-finite value as messages name it: "NaN", "inf" or "-inf" (the words scikit-learn's
 * checks and numpy print, where printf's %g gives "nan" or "-nan"). */
static inline const char *gpbo_nonfinite_name(double v)
{
    return v != v ? "NaN" : v > 0 ? "inf" : "-inf";
}

#endif /* GPBO_NUMERIC_H */
