/*
 * numeric.h: numerical constants that more than one module of gpbo needs (gp's log priors,
 * acquisition's normal density); an internal header, not installed, compiled into each user.
 * Literals rather than expressions, so that every user gets the same double, bit for bit.
 */
#ifndef GPBO_NUMERIC_H
#define GPBO_NUMERIC_H

/* log(sqrt(2 pi)): the normalizing term of the log normal density. */
#define GPBO_LOG_SQRT_2PI 0.91893853320467274
/* log(2 pi): the same term for a multivariate normal (gp's log marginal likelihood). */
#define GPBO_LOG_2PI 1.8378770664093453

#endif /* GPBO_NUMERIC_H */
