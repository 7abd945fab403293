/*
 * bayes_constraints.h: the Bayesian strategy's constrained acquisition (bayes_constraints.c,
 * issue 20): one GP per constraint metric, log-EI over the best feasible value plus the log
 * probability of feasibility, feasibility first while nothing is feasible. Hidden visibility.
 */
#ifndef GPBO_SEARCH_BAYES_CONSTRAINTS_H
#define GPBO_SEARCH_BAYES_CONSTRAINTS_H

#include "bayes_internal.h"

/* Whether the study has constraints (and the view their metrics): then the strategy proposes
 * through gpbo_bayes__constrained_propose. */
int gpbo_bayes__constrained_applies(const gpbo_search_view *v);

/* log P(lo <= c <= hi) for c ~ N(mu, s2) (lo -inf / hi +inf: one-sided), finite far into the
 * tails; -inf only when the interval is empty. */
double gpbo_bayes__log_pof(double mu, double s2, double lo, double hi);

/* The constrained acquisition of one proposal. */
typedef struct gpbo_bayes_cacq {
    size_t nc;
    const gpbo_constraint *cons;
    gpbo_gp **cgp;   /* nc GPs (NULL: too few reports, the constraint's log probability is 0) */
    gpbo_gp *gp;     /* the objective's GP with the pending fantasies, or NULL (nothing feasible) */
    gpbo_acq *acq;   /* log-EI over best on gp, or NULL */
    double best;     /* the best feasible value (minimization sign), +inf when none */
    double *mu, *s2; /* scratch */
    size_t cap;
} gpbo_bayes_cacq;

/* Builds the acquisition of model e (f: its fit, as bayes_acq.c keeps it; seed the model's).
 * GPBO_ENOMEM or what a fit returned; on failure a is empty. */
int gpbo_bayes__cacq_build(gpbo_bayes_cacq *a, gpbo_bayes_fit *f, const gpbo_search_view *v,
                           const size_t *role, size_t e, uint64_t seed,
                           const gpbo_bayes_data *data);

/* Only the constraints' part of the acquisition, for the study's model (no restart episode):
 * a->gp and a->acq stay NULL, so gpbo_bayes__cacq_eval gives the log probability of
 * feasibility (bayes_mo.c weights the hypervolume improvement by it). GPBO_ENOMEM; on failure a
 * is empty. */
int gpbo_bayes__cacq_build_pof(gpbo_bayes_cacq *a, const gpbo_search_view *v, uint64_t seed);

/* Its log value at m projected points x (m * dim) into out (-inf: hopeless). A status code. */
int gpbo_bayes__cacq_eval(gpbo_bayes_cacq *a, size_t m, const double *x, double *out);

void gpbo_bayes__cacq_free(gpbo_bayes_cacq *a);

/* gpbo_bayes__propose under constraints: model e's acquisition maximized into u (dim values,
 * projected, not a point already taken). GPBO_EOPTIM when every point is taken. */
int gpbo_bayes__constrained_propose(gpbo_bayes_fit *f, const gpbo_search_view *v,
                                    const size_t *role, size_t e, uint64_t seed,
                                    const gpbo_bayes_data *data, size_t number, double *u);

#endif
