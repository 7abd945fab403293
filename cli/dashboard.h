/*
 * dashboard.h: what the server of `gpbo dashboard` (dashboard.c) and its JSON
 * (dashboard_json.c) share.
 */
#ifndef GPBO_CLI_DASHBOARD_H
#define GPBO_CLI_DASHBOARD_H

#include <jansson.h>
#include <pthread.h>
#include <sys/types.h>

#include "cli.h"

/* The connections the server takes at once (a thread each; an idle one is closed after 30 s).
 * A browser keeps up to six open to a server, so 32 let five or six people's pages (or 32 idle
 * sockets) shut everyone else out with a reset for those 30 s; the studies kept open no longer
 * depend on it. */
enum { DASH_CONNECTIONS = 512 };

/* One study the server has opened. Two handles, so that a GP fit for /api/slices (minutes on a
 * big study) never holds up the progress and the trials of the same study:
 * - mirror, under lock: synced at each request for progress, best and trials; after each sync the
 *   trials that changed since the last one get the next revision (rev), which is what
 *   /api/trials?since= answers from;
 * - model, under model_lock: the handle /api/slices fits from, and its last answer, kept while no
 *   trial has ended since (data_rev). */
typedef struct dash_open {
    char *name; /* as the storage has it */
    pthread_mutex_t lock;
    gpbo_study *mirror;
    unsigned long gen;       /* this opening's number: a cursor of another opening is not ours */
    unsigned long rev;       /* the last revision given to a change */
    unsigned long data_rev;  /* the revision at which a trial last ended (or began ended) */
    size_t n;                /* trials tracked */
    unsigned long *revs;     /* each trial's revision: of its last change seen */
    unsigned long long *sig; /* each trial's signature when last seen (what the page shows) */
    unsigned char *ended;    /* 1: complete, pruned or failed when last seen (never changes) */
    dev_t dev;               /* the SQLite file mirror reads (0, 0: a server) */
    ino_t ino;
    unsigned long epoch; /* mirror's handles opened so far */
    pthread_mutex_t model_lock;
    gpbo_study *model;
    unsigned long model_epoch; /* the epoch of mirror the model handle reads with */
    json_t *slices;            /* the last answer of /api/slices, or NULL */
    unsigned long slices_rev;  /* the data_rev it was made at */
    unsigned long fits;        /* the GP fits made for /api/slices */
    unsigned busy;             /* requests holding it (under dash.lock) */
    unsigned long used;        /* when it was last taken (dash.clock) */
} dash_open;

typedef struct dash {
    const char *storage;  /* the storage URL */
    const char *study;    /* the one study shown, or NULL: every study of the storage */
    const sweep *sw;      /* the sweep file given, or NULL */
    size_t run_cap;       /* the sweep's run_cap, or 0 when unknown */
    const char *host;     /* --host as given */
    int loopback;         /* listening on a loopback address only: Host headers are checked */
    pthread_mutex_t lock; /* over what follows: requests are answered on threads of their own */
    /* The studies open (each with its handles, change tracking and cached model), sorted by
     * name: every study the storage lists stays open, however many (the page polls them all),
     * and one it no longer lists is closed at the next listing once no request holds it. */
    dash_open **open;
    size_t nopen, capopen;
    unsigned long next_gen; /* starts at the time the server started: a cursor the page kept from
                             * an earlier server is another opening's */
    unsigned long clock;
} dash;

/* Makes d ready for requests (its lock, the first generation); 0, or -1 (no lock). */
int dash_init(dash *d);

/* Text from the storage, the command line or the request as a JSON string (null for NULL):
 * jansson refuses a string that is not UTF-8 (a study named by --study in Latin-1, a reason
 * stored before reasons were repaired), and one refused string makes a whole document fail, so
 * each byte that starts no character becomes U+FFFD. NULL only when out of memory. */
json_t *dash_text(const char *s);

/* The page (dashboard.html, embedded at build time). */
extern const char gpbo_dashboard_html[];

/* {"storage", "study", "studies": [progress of each study]}; NULL with the error set. */
json_t *dash_studies(dash *d);
/* One study's progress, best trial with its parameters and space; NULL with the error set
 * (GPBO_ENOTFOUND: not a study shown here). */
json_t *dash_study(dash *d, const char *name);
/* {"name", "cursor", "full", "trials": [each trial's state, value, parameters, intermediate
 * values]}: every trial (full true) when since is NULL or not a cursor of this study's opening,
 * else only the trials that changed after the answer that gave since (full false); cursor is
 * what to give as since next time. NULL with the error set. */
json_t *dash_trials(dash *d, const char *name, const char *since);
/* The GP of a Bayesian study (gpbo_study_model_capped: the model its strategy proposes from) along
 * each numeric parameter through the best trial (a conditional parameter inactive there: through
 * the best trial in which it is active), as the static report draws it: {"name", "model", "slices":
 * [{"param", "trial", "x", "mean", "lo", "hi"}]}, or no slices and "why" (another strategy, no
 * value yet); "recommended": the trial that model recommends (gpbo_study_recommend_model: gpbo best
 * --by model's trial at any size, the model being gpbo_study_recommend's own) {"trial", "value",
 * "predicted", "params", "observations" (those of the model it comes from)}, or null
 * ("recommended_why" when its refit failed);
 * "fits": the fits made for it so far, "cached": whether this answer is the last one again (no
 * trial has ended since it was made: a fit would give the same GP and the same recommendation).
 * With a model: "observations" (those its GP holds), "observations_total" (those the strategy's
 * model has) and "subset" (fewer held than had: past CLI_MODEL_SUBSET, GPBO_RECOMMEND_MAX_OBS,
 * the slices, the importance and the recommendation come from gpbo_study_model_capped's
 * subset, as gpbo best --by model's). */
json_t *dash_slices(dash *d, const char *name);
/* Closes the studies and the lock. */
void dash_close(dash *d);

#endif
