/*
 * import_parse.h: the trials of a file `gpbo export` wrote (CSV or JSON), read against a sweep
 * for `gpbo import` (import.c). The file is untrusted input: whatever it holds, reading it either
 * gives rows whose parameters lie in the sweep's space, whose outcome is complete (finite
 * values), failed or pruned and whose intermediate values have distinct steps >= 0 and finite
 * values, or fails with one line naming the file, the line (CSV) or the trial (JSON), and the
 * field. It has no storage and no study, so that a fuzzer drives it alone.
 */
#ifndef GPBO_CLI_IMPORT_PARSE_H
#define GPBO_CLI_IMPORT_PARSE_H

#include <stddef.h>

#include "sweep.h"

/* The largest file read (bytes). */
#define IMPORT_MAX_BYTES ((size_t)1 << 30)

/* One trial to add: complete (values: the objectives', the first one the value), failed or
 * pruned (no value: a pruned trial's is its last intermediate value). */
typedef struct import_row {
    size_t where;           /* CSV: the line the row starts on; JSON: the trial's number */
    gpbo_trial_state state; /* GPBO_TRIAL_COMPLETE, GPBO_TRIAL_FAILED or GPBO_TRIAL_PRUNED */
    double *params;         /* np values, the space's units (NaN: inactive) */
    double values[GPBO_MAX_OBJECTIVES];
    char *reason; /* failed: why (NULL: none given) */
    size_t nmetrics;
    char **mnames;
    double *mvalues; /* NaN: reported as not a number */
    size_t nsteps;   /* intermediate values: distinct steps >= 0, finite values */
    long *steps;
    double *svalues;
    size_t nattrs; /* user attributes: keys (UTF-8), and each value's compact JSON text */
    char **akeys;
    char **avalues;
    int has_trial; /* CSV: the row's `trial` cell is an id (trial), which --steps rows name */
    size_t trial;
} import_row;

/* The rows of one file, and what was skipped. */
typedef struct import_set {
    size_t n, cap;
    import_row *rows;
    size_t running, queued; /* rows left out by their state ("interrupted" is running) */
    int json;               /* the file was read as JSON (where: trial numbers) */
} import_set;

typedef enum { IMPORT_CSV, IMPORT_JSON } import_format;

/* The format of a file named name holding text: by its extension (.csv, .json), else by its
 * first character that is not white space ('[' or '{': JSON). */
import_format import_guess(const char *name, const char *text, size_t len);

/* Reads len bytes of text (need not end in NUL) in format f into *out (zeroed first) against
 * sweep sw and its space sp. name names the file in messages. GPBO_OK; GPBO_EFORMAT with one line
 * "name:LINE: field: what" (CSV) or "name: trial N: field: what" (JSON) in the last error, *out
 * then empty; GPBO_ENOMEM. */
int import_parse(const sweep *sw, const gpbo_space *sp, const char *name, const char *text,
                 size_t len, import_format f, import_set *out);

/* Reads len bytes of text, the CSV of intermediate values `gpbo export --steps` writes
 * (trial,state,step,value: a row per value), into the rows of *set, read from the CSV file
 * rows_name: each complete, failed or pruned row's values go to the row of that trial (its
 * `trial` column), the other states' are left out as their rows are. name names the file in
 * messages. GPBO_OK; GPBO_EFORMAT with one line "name:LINE: field: what" (a bad step or value, a
 * step given twice, a trial with no complete, failed or pruned row in rows_name, two rows of one
 * trial there), every row's intermediate values then dropped; GPBO_ENOMEM (likewise). */
int import_parse_steps(const char *name, const char *text, size_t len, const char *rows_name,
                       import_set *set);

/* Row r as gpbo_study_add_trial() takes it (borrowing r's arrays: valid while r is). */
gpbo_trial_result import_row_result(const import_row *r);

void import_set_free(import_set *s);

#endif
