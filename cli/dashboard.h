/*
 * dashboard.h: what the server of `gpbo dashboard` (dashboard.c) and its JSON
 * (dashboard_json.c) share.
 */
#ifndef GPBO_CLI_DASHBOARD_H
#define GPBO_CLI_DASHBOARD_H

#include <jansson.h>

#include "cli.h"

/* Study handles kept open (and synced at each request) at most: past it the oldest is closed. */
enum { DASH_OPEN_MAX = 64 };

typedef struct dash {
    const char *storage; /* the storage URL */
    const char *study;   /* the one study shown, or NULL: every study of the storage */
    const sweep *sw;     /* the sweep file given, or NULL */
    size_t run_cap;      /* the sweep's run_cap, or 0 when unknown */
    const char *host;    /* --host as given */
    int loopback;        /* listening on a loopback address only: Host headers are checked */
    gpbo_study *open[DASH_OPEN_MAX];
    size_t nopen;
} dash;

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
/* {"name", "trials": [each trial's state, value, parameters, intermediate values]}. */
json_t *dash_trials(dash *d, const char *name);
/* The GP of a Bayesian study (gpbo_study_model: the model its strategy proposes from) along each
 * numeric parameter through the best trial, as the static report draws it: {"name", "model",
 * "slices": [{"param", "x", "mean", "lo", "hi"}]}, or no slices and "why" (another strategy, no
 * value yet). One fit per call. */
json_t *dash_slices(dash *d, const char *name);
/* Closes the study handles. */
void dash_close(dash *d);

#endif
