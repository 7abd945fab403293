/*
 * sweep.h: the sweep file — the shape of the most widely used sweep format (name, method,
 * metric, parameters with value / values / distribution / min / max / q, run_cap,
 * command / program, early_terminate) plus gpbo's own `gpbo:` and `trainer:` sections — read
 * with libyaml into plain data, and turned into a search space.
 *
 * A sweep file is untrusted input: whatever it holds, loading it either succeeds or fails with
 * one line naming the file, the line and the column, in time linear (or n log n) in its size.
 * The limits below are refused at load time rather than failing later, trial after trial.
 */
#ifndef GPBO_CLI_SWEEP_H
#define GPBO_CLI_SWEEP_H

#include <stddef.h>

#include "gpbo/pruner.h"
#include "gpbo/search.h"

/* The gpbo: section's names of gpbo_acq_batch, gpbo_mo_acq and gpbo_failed_policy (each
 * enum's order): sweep.c parses them, run.c names a study's stored ones. */
extern const char *const SWEEP_BATCH_NAMES[5];
extern const char *const SWEEP_MO_NAMES[2];
extern const char *const SWEEP_FAILED_NAMES[2];

/* Limits on a sweep file (the README's sweep section states them too). */
#define SWEEP_MAX_BYTES     (1 << 20) /* the file's size: 1 MiB */
#define SWEEP_MAX_DEPTH     32        /* mappings and lists nested in each other */
#define SWEEP_MAX_PARAMS    1000      /* parameters */
#define SWEEP_MAX_VALUES    10000     /* values of one categorical parameter */
#define SWEEP_MAX_VALUE_LEN 255       /* bytes of one value: trials format values into 256 bytes */
#define SWEEP_MAX_NAME_LEN  200       /* bytes of the study name (it names <name>.db and .runs/) */
#define SWEEP_MAX_INT       9e15      /* |bounds| of integer parameters (exact in a double) */
#define SWEEP_MAX_JOBS      1024      /* gpbo: {jobs: N} */

typedef enum {
    D_CONSTANT,
    D_CATEGORICAL,
    D_UNIFORM,
    D_INT_UNIFORM,
    D_Q_UNIFORM,
    D_LOG_UNIFORM,
    D_LOG_UNIFORM_VALUES,
    D_Q_LOG_UNIFORM_VALUES,
    D_INT_LOG_UNIFORM_VALUES,
    /* W&B's others (appended: the order is DISTS' in sweep.c) */
    D_Q_LOG_UNIFORM,          /* round(exp(U(min, max)) / q) q: bounds are exponents */
    D_INV_LOG_UNIFORM,        /* exp(-U(min, max)): log-uniform on [exp(-max), exp(-min)] */
    D_INV_LOG_UNIFORM_VALUES, /* W&B's exp(-U(-log max, -log min)): log-uniform on [min, max] */
    D_NORMAL,                 /* N(mu, sigma) */
    D_Q_NORMAL,               /* round(N(mu, sigma) / q) q */
    D_LOG_NORMAL,             /* exp(N(mu, sigma)) */
    D_Q_LOG_NORMAL            /* round(exp(N(mu, sigma)) / q) q */
} sweep_dist;

/* The normal family (D_NORMAL ... D_Q_LOG_NORMAL) is unbounded: the space holds its quantile,
 * a float in [SWEEP_NORMAL_EPS, 1 - SWEEP_NORMAL_EPS], which every strategy draws as it draws
 * a uniform, and sweep_format turns into the value (mu + sigma * the standard normal's
 * quantile): random search samples W&B's distribution with its two tails of 1e-6 cut. */
#define SWEEP_NORMAL_EPS   1e-6
#define SWEEP_IS_NORMAL(d) ((d) >= D_NORMAL && (d) <= D_Q_LOG_NORMAL)

typedef struct sweep_param {
    char *name;
    size_t line, col; /* where the name is */
    sweep_dist dist;
    double min, max, q;
    double mu, sigma;           /* the normal family's (0 and 1 unless given) */
    size_t dist_line, dist_col; /* where distribution: is (0 when not given) */
    char **values;              /* categorical choices, or the constant (values[0]) */
    size_t nvalues;
    /* each value's type as PyYAML (so W&B) reads the scalar (SWEEP_T_*): what ${args_json}
     * gives the program */
    char *vtypes;
    int q_int; /* q was written as a whole number: W&B's q-distributions then give integers */
    /* when: {parent: value} or {parent: [v1, v2]} — active only while the parent is active and
     * takes one of those values (NULL when_parent: always active); parent its index and when_at
     * the values as the space takes them (category indices, integers), once the file is read */
    char *when_parent;
    char **when_values;
    char *when_plain; /* each value of when: was a plain YAML scalar (1) or a quoted one (0) */
    size_t nwhen, when_line, when_col, parent;
    double *when_at;
    /* default: what a {name} placeholder takes while it is inactive, or NULL; as a value of
     * values: written alike reaches {name} (sweep_arg_text): Python's str() of what PyYAML
     * reads (0x10 as 16, yes as True, null as None, 1.50 as 1.5; a quoted scalar as written) */
    char *def;
} sweep_param;

/* The type of a value as PyYAML's YAML 1.1 resolver reads a plain scalar (quoted ones are
 * strings): what ${args_json} hands the program, as W&B's agent does. */
enum {
    SWEEP_T_STR = 's',
    SWEEP_T_INT = 'i',
    SWEEP_T_FLOAT = 'f',
    SWEEP_T_BOOL = 'b',
    SWEEP_T_NULL = 'n'
};

typedef struct sweep_kv {
    char *key, *value;
    size_t line, col; /* where the key is */
} sweep_kv;

typedef struct sweep {
    char *path;   /* the file */
    char *dir;    /* its directory */
    char *name;   /* study name */
    char *method; /* grid | random | sobol | bayes (and lhs) */
    char *metric; /* metric name (with metrics:, the first one's) */
    int maximize;
    /* the first parameter with W&B's probabilities: (its line, 0 for none; its name): checked,
     * and not used, which gpbo run warns about */
    size_t probabilities_line;
    const char *probabilities_of;
    /* metric: {target: T} (W&B's): no trial starts once one has reached T (has_target) */
    double target;
    int has_target;
    /* metrics: (issue 20): the objectives, each a metric the program reports, and their goals;
     * with two or more, the study's objectives (study.n_objectives ...), else nobjectives 0 or 1 */
    size_t nobjectives;
    char *objectives[GPBO_MAX_OBJECTIVES];
    gpbo_direction objective_dirs[GPBO_MAX_OBJECTIVES];
    sweep_param *p;
    size_t np;
    size_t run_cap;
    char **command; /* argv template */
    size_t ncommand;
    char *program;
    gpbo_pruner_options prune; /* kind NONE when there is no early_terminate */
    /* gpbo: */
    gpbo_study_options study;
    const char *gpbo_set[24]; /* the gpbo: keys the file sets, as written (run.c warns when a
                                 study it resumes keeps other values) */
    size_t ngpbo_set;
    char *strategy_buf;
    double timeout; /* seconds per trial, 0 = none */
    size_t jobs;
    /* gpbo: {max_initial_failures: K}: once the study's first K trials have all failed (none
     * complete or pruned), gpbo run starts no more (0: never stops so); SIZE_MAX when the file
     * does not set it (run.c: max(5, the run's jobs)) */
    size_t max_initial_failures;
    /* trainer: (keys and values as written; parameters override them) */
    sweep_kv *trainer;
    size_t ntrainer;
    int has_trainer;
    /* constraints: (issue 20) the outcome constraints, names owned; study.constraints points
     * here */
    gpbo_constraint *cons;
    size_t ncons;
    /* initial_points: (issue 20) ninit points of np values each, in the space's units (a
     * category's index), checked against the space */
    double *init;
    size_t ninit;
} sweep;

/* Reads and checks a sweep file: the limits above, unique keys, finite ranges, placeholders
 * that name parameters, and a command that execvp can start from the sweep file's folder. On
 * error NULL, with a one-line message (file:line:column: what) in the last error and
 * GPBO_EFORMAT / GPBO_EIO / GPBO_ENOMEM. */
sweep *sweep_load(const char *path);

/* As sweep_load(), for commands that only read a study's results (best, trials, export,
 * report): everything is checked but whether the command can be started, so that results can be
 * read on a machine that cannot run the objective. */
sweep *sweep_load_results(const char *path);

/* As sweep_load(), from the text of the file at path (len bytes, which need not end in a NUL);
 * path names the file in messages and its folder is where the command runs. */
sweep *sweep_parse(const char *path, const char *text, size_t len);
void sweep_free(sweep *s);

/* The search space of the sweep (q_uniform becomes an integer grid scaled by q; when: keys
 * become its conditions). */
gpbo_space *sweep_space(const sweep *s);

/* A parameter's value as the program sees it ("0.001", "64", "adam"), from the space value. */
int sweep_format(const sweep *s, const gpbo_space *space, size_t i, double v, char *buf,
                 size_t cap);

/* Parameter i's value as a number in the sweep's units, from the space's value v: a
 * q-distribution's multiple of q, the normal family's value from its quantile; else v. */
double sweep_shown(const sweep *s, size_t i, double v);

/* Whether parameter i's space value is not the value the program sees (sweep_shown changes
 * it): q-distributions and the normal family. */
int sweep_transformed(const sweep *s, size_t i);

/* The value of parameter i from its text as the program would see it ("0.01", "64", "adam"),
 * in the space's units into *out: GPBO_OK, or GPBO_EINVAL with a message naming it. A number
 * is read as the sweep file reads one (sweep_number, the text a plain YAML scalar: 0x10 is 16,
 * 1_000 1000, 1:30 90, 010 refused); a categorical value is found by its text, else as the
 * value equal to it as a number (PyYAML's value of a plain one). gpbo enqueue and gpbo
 * import. */
int sweep_value(const sweep *s, size_t i, const char *text, double *out);
/* As sweep_value(), plain 0 for a quoted YAML scalar's text (a string for YAML: its number read
 * in decimal; initial_points). */
int sweep_value_text(const sweep *s, size_t i, const char *text, int plain, double *out);

/* The number a user writes, read as the sweep file reads every number (its parameter section,
 * initial_points, when:, default:, the trainer section, gpbo enqueue and gpbo import): text
 * that PyYAML's YAML 1.1 resolver reads as an integer or a float (when plain, a plain scalar's
 * text) has PyYAML's value (0x10 16, 1_000 1000, 0b110 6, 1:30 90, +5 5), an integer with a
 * leading 0 that PyYAML reads as octal and a YAML 1.2 reader or strtod as decimal (010: 8 or
 * 10) is refused, any other text is read as a decimal number (1e-3; no hexadecimal float, no
 * inf or nan). *is_int (may be NULL) tells whether it was written as an integer. GPBO_OK, or
 * GPBO_EINVAL with a message ("'010' is octal 8 ...", "'abc' is not a number") that the caller
 * prefixes with the field. */
int sweep_number(const char *text, int plain, double *out, int *is_int);

/* A point (np values into out) from n `name=value` arguments: every parameter given once (a
 * constant may be left out), each value as sweep_value reads it and within the space.
 * GPBO_EINVAL with a message naming the argument. */
int sweep_point(const sweep *s, const gpbo_space *space, size_t n, char *const *args, double *out);

/* The trial's parameters as W&B's ${args_json} gives them: one JSON object, in the sweep's
 * order, each active parameter (values[i] not NULL; values as sweep_format writes them) with
 * its type: integers (int_uniform, int_log_uniform_values, q-distributions with a whole q) as
 * JSON integers, the other ranges as floats, a categorical or constant value as its YAML
 * scalar's type (SWEEP_T_*). A malloc'd string, or NULL with the error set (GPBO_ENOMEM). */
char *sweep_args_json(const sweep *s, char *const *values);

/* Whether parameter i's value text (as sweep_format writes it) is a YAML boolean: 1 true, 0
 * false, -1 not a boolean (W&B's ${args_no_boolean_flags} passes --name for true and nothing
 * for false). */
int sweep_bool_value(const sweep *s, size_t i, const char *text);

/* Parameter i's value text (as sweep_format writes it) as the program gets it: in ${args},
 * ${args_no_hyphens} and ${args_no_boolean_flags} as W&B's agent writes it, and in a {name}
 * placeholder alike, so that one trial's two spellings agree. Python's str() of the value PyYAML
 * read from a categorical or constant scalar (True and False for a YAML boolean, None for null,
 * an integer in decimal, 0x1F as 31, a float as repr() writes it, 1.50 as 1.5), the text itself
 * otherwise (a quoted scalar, a string, a range's value). Returns text, or out (cap bytes,
 * SWEEP_ARG_TEXT_CAP is enough) holding the text W&B's agent writes. This function cannot
 * fail. */
#define SWEEP_ARG_TEXT_CAP 400
const char *sweep_arg_text(const sweep *s, size_t i, const char *text, char *out, size_t cap);

/* As sweep_arg_text(), for a scalar's text whose PyYAML type (SWEEP_T_*) is known. */
const char *sweep_typed_text(const char *text, char type, char *out, size_t cap);

/* The type (SWEEP_T_*) of a plain YAML scalar's text under PyYAML's resolver. */
char sweep_scalar_type(const char *text);

/* The value PyYAML gives a plain scalar's text that it reads as a number (sweep_scalar_type
 * said SWEEP_T_INT or SWEEP_T_FLOAT): 0x hexadecimal, 0b binary, a leading 0 octal, base 60 with
 * ':', '_' separators dropped, .inf and .nan; an integer past 2^64 saturates (bounds past
 * +-9e15 are refused anyway). This function cannot fail. */
double sweep_yaml_number(const char *text);

/* The closest of n words to w (Levenshtein), for "did you mean" messages. */
const char *sweep_closest(const char *w, const char *const *words, size_t n);
/* "did you mean 'x'?" when one of the n words is close to w, else "one of: a b c", in buf. */
const char *sweep_suggest(const char *w, const char *const *words, size_t n, char *buf, size_t cap);

/* The search library's strategy names (gpbo_strategy_name), grid first; at most SWEEP_STRATEGIES.
 * Returns how many. */
enum { SWEEP_STRATEGIES = 16 };
size_t sweep_strategies(const char *out[SWEEP_STRATEGIES]);

/* The index of w in words[0..n), or n when absent. */
size_t sweep_find(const char *w, const char *const *words, size_t n);

#endif
