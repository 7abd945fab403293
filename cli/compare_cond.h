/*
 * compare_cond.h: the conditional problem of `gpbo compare` and bench/compare (issue 20): a
 * search space whose optimum lies under one branch of a categorical, with parameters of that
 * branch only, and a nested condition under another. "cond" is the space with its conditions;
 * "cond-flat" is the same objective over the same parameters with every one always active (the
 * flat encoding, a baseline for the Bayesian strategy's treatment of conditions).
 */
#ifndef GPBO_CLI_COMPARE_COND_H
#define GPBO_CLI_COMPARE_COND_H

#include "gpbo/search.h"

/* The number of parameters of the problem. */
#define CMP_COND_PARAMS 9

/* 1 (with *flat set) when spec names the conditional problem, else 0. */
int cmp_cond_find(const char *spec, int *flat);

/* Its space: with its conditions, or flat (none). NULL with the error set. */
gpbo_space *cmp_cond_space(int flat);

/* The objective at values (CMP_COND_PARAMS, in the space's order; the parameters of other
 * branches are not read, so NaN or anything). Its minimum is 0, at cmp_cond_argmin. */
double cmp_cond_value(const double *values);

/* A minimizer (CMP_COND_PARAMS values; NaN for the inactive ones). */
void cmp_cond_argmin(double *values);

#endif
