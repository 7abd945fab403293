/*
 * proposer.h: the next trial, proposed in a process of its own, so that `gpbo run` goes on
 * storing results (and reading the trials' output, and enforcing timeouts) while a GP is
 * fitted and an acquisition maximized.
 *
 * DESIGN: a forked child with a study handle of its own on the same storage: a second worker
 * of the study, as a second `gpbo run` would be. It reserves and proposes a trial when asked
 * (over a pipe) and sends back its id and values. It reserves in the run's worker name
 * (gpbo_study_propose_for), so the run's handle adopts the trial (gpbo_study_adopt) with
 * nothing to take over (one write less per trial), and the run's own heartbeats keep it alive:
 * a run that is stopped or killed loses its trials, whatever its proposer does. A process rather
 * than a thread because `gpbo run` forks the built-in trainer without exec: a thread inside
 * OpenBLAS or SQLite at that moment could leave the child a lock that is never released. The child
 * dies with its parent (PR_SET_PDEATHSIG), ignores the terminal's SIGINT (the run decides when it
 * stops), and on a clean stop closes its handle; the run's close hands back a trial proposed and
 * never run.
 *
 * A strategy without a model proposes in microseconds, from the trial number alone: for it
 * there is no second process, connection or handle (each costs more than a hundred null trials'
 * worth of CPU to start, in gpbo and on a database server); the run's own handle asks when the
 * proposal is requested (proposer_local), after its trials have started, so the objectives run
 * while it reserves. The request that follows a value's tell goes with it
 * (proposer_tell_request: gpbo_study_tell_ask), one commit for both.
 */
#ifndef GPBO_CLI_PROPOSER_H
#define GPBO_CLI_PROPOSER_H

#include <stddef.h>
#include <sys/types.h>

#include "gpbo/search.h"

typedef struct proposer proposer;

/* Forks the proposer, which opens study `name` in storage (space, opts as gpbo_study_open) and
 * proposes for worker (gpbo_study_worker of the run's handle). cap: the study's budget
 * (gpbo_study_ask_capped). NULL with the error set. */
proposer *proposer_start(const char *storage, const char *name, const gpbo_space *space,
                         const gpbo_study_options *opts, size_t cap, const char *worker);

/* A proposer served in the calling process by study itself (which must outlive it): each
 * request asks at once (gpbo_study_ask_capped, cap as above), its answer ready for
 * proposer_take; proposer_fd is -1 and proposer_pid 0. NULL with the error set. */
proposer *proposer_local(gpbo_study *study, size_t cap);

/* Asks for the next trial unless one is requested already. */
void proposer_request(proposer *p);

/* Tells trial id's value (gpbo_study_tell on study, the run's handle) and requests the next
 * trial: for a local proposer of study with no request under way, in one step
 * (gpbo_study_tell_ask: one commit), its answer ready for proposer_take; otherwise only the
 * tell. Returns the tell's status. */
int proposer_tell_request(proposer *p, gpbo_study *study, size_t id, double value);

/* The descriptor that becomes readable when an answer arrives (for poll). */
int proposer_fd(const proposer *p);

/* The proposer's process. */
pid_t proposer_pid(const proposer *p);

/* Whether a request is under way. */
int proposer_busy(const proposer *p);

/* Takes a result if one has arrived: 1 with *rc (GPBO_OK: trial *id, its values copied to
 * out_values; else the error, its message set), 0 when none is ready yet. A proposer that
 * died answers GPBO_ESYSTEM. */
int proposer_take(proposer *p, int *rc, size_t *id, double *out_values);

/* Stops the proposer (after the proposal under way) and waits for it. Accepts NULL. */
void proposer_stop(proposer *p);

#endif
