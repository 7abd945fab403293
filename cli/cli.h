/*
 * cli.h: what the files of the gpbo command share.
 */
#ifndef GPBO_CLI_H
#define GPBO_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "gpbo/trainer.h"
#include "sweep.h"

typedef struct trainer_settings {
    gpbo_trainer_config cfg;
    char data_dir[1024];
    char model[256];
    size_t train_size, val_size, hidden, layers;
    /* the trainer's threads (gpbo_trainer_set_threads when a run starts); 0: the process's
     * count as it stands (OpenBLAS's, or what `gpbo run` set for its trials) */
    size_t threads;
    int test;
    /* which of model, hidden and layers were given (trainer_final_model checks them) */
    int model_set, hidden_set, layers_set;
    /* bit i: trainer_set took setting i (trainer_keys' order); trainer_check_used reads it */
    uint32_t given;
} trainer_settings;

typedef struct trainer_data {
    gpbo_dataset *train, *val, *test;
} trainer_data;

void trainer_settings_init(trainer_settings *t);
/* Applies one key = value setting. GPBO_EINVAL naming the key (and the closest valid one). */
int trainer_set(trainer_settings *t, const char *key, const char *value);
/* Makes the model from hidden and layers (an MLP of `layers` hidden layers of `hidden` units:
 * mlp:H-H-...), or keeps `model` when neither is given. GPBO_EINVAL, nothing changed, when
 * layers is given without hidden (the default model would be trained whatever layers says),
 * hidden with model (one of the two would be dropped), or either is 0. */
int trainer_final_model(trainer_settings *t);
/* The same check before any trial, for a sweep whose trainer section is t and whose n
 * parameters (each set in every trial where it is active) are names, and that none of them is
 * a setting of the data (data_dir, train_size, val_size, test: loaded once for all trials): 0,
 * or GPBO_EINVAL. */
int trainer_check_keys(const trainer_settings *t, const char *const *names, size_t n);
/* The number of trainer settings: their keys are the sweep's trainer section's. */
enum { TRAINER_NKEYS = 28 };
/* A setting that only some values of another one read (momentum and nesterov: optimizer sgd;
 * gamma: schedule exponential or step; step_size: schedule step; monitor and min_delta:
 * patience > 0; activation: a model with a hidden layer), given (trainer_set took it, or it
 * is among the n searched names) while the setting it depends on is fixed (not searched) to a
 * value that does not read it, would be ignored: GPBO_EINVAL naming both, with *key the setting
 * given. A searched setting it depends on may take a value that reads it: 0. Which setting
 * decides and which of its values read it is the trainer's rule
 * (gpbo_trainer_config_check_read), whose message this returns. */
int trainer_check_used(const trainer_settings *t, const char *const *names, size_t n,
                       const char **key);
/* Writes the keys of the settings trainer_set knows (its one table, in the table's order) to out
 * and returns their number, TRAINER_NKEYS. Cannot fail. */
size_t trainer_keys(const char *out[TRAINER_NKEYS]);
/* Writes setting i's default (trainer_settings_init's; i indexes trainer_keys) into buf as
 * trainer_set reads it, and returns snprintf's count; -1 for an i out of range. */
int trainer_default(size_t i, char *buf, size_t size);
int trainer_data_load(const trainer_settings *t, trainer_data *d);
void trainer_data_free(trainer_data *d);
/* Trains once (t->cfg.on_epoch as the caller set it) into r, on t->threads threads when that is
 * not 0 (set for the whole process): gpbo_trainer_run's status. A setting this run would not read
 * (momentum in a trial of a searched optimizer that is adam) goes back to its default first. */
int trainer_run(trainer_settings *t, const trainer_data *d, gpbo_trainer_result *r);
/* Trains once, printing `metric=value step=N` per epoch (for a metric the trainer has per epoch,
 * val_accuracy or val_loss; for another, `val_accuracy=A val_loss=L step=N`) and name=value
 * lines at the end. */
int trainer_run_print(trainer_settings *t, const trainer_data *d, const char *metric);
/* The metrics the built-in trainer prints at the end of a run (test_* with test: true). */
enum { TRAINER_NMETRICS = 11 };
extern const char *const TRAINER_METRICS[TRAINER_NMETRICS];
/* 1 when the trainer has metric per epoch (val_accuracy, val_loss), 0 otherwise. */
int trainer_epoch_metric(const char *metric);

/* Parses one output line (no newline) for the metric: returns 1 for a final value, 2 for an
 * intermediate value (with *step), 0 when the line does not carry the metric. */
int parse_metric_line(const char *line, const char *metric, double *value, long *step);
/* When line (one parse_metric_line found no value in) gives metric a value that is no number
 * (`loss=tensor(0.5`, `{"loss": "0.5"}`), writes what it gives, shown safely and cut to cap
 * bytes, to out; else leaves out alone. Cannot fail. */
void cli_metric_unreadable(const char *line, const char *metric, char *out, size_t cap);

/* Builds the argument vector of a trial (NULL-terminated, malloc'd strings) from the sweep's
 * command / program and the trial's formatted values; values[i] NULL: parameter i is inactive
 * (its when: does not hold), left out of ${args} and ${args_json} and its {name} replaced by
 * its default:. ${args_json} becomes the values as one JSON object (sweep_args_json),
 * ${args_json_file} json_path (the caller writes that object there). */
char **build_argv(const sweep *s, size_t np, char *const *names, char *const *values,
                  const char *json_path);
/* Whether the sweep's command holds ${args_json_file} (each trial then writes its file). */
int cli_uses_json_file(const sweep *s);
void free_argv(char **argv);

/* The command's help (help.c: one table of subcommands and options). cli_usage prints the usage
 * of cmd, or of every command when cmd is NULL or unknown. */
void cli_usage(FILE *f, const char *cmd);
/* `gpbo cmd --help`: cmd's usage on stdout, 0; or, for an unknown cmd, cli_bad_command. */
int cli_help(const char *cmd);
/* Prints that there is no command cmd, with the closest one; returns 2 (the exit status). */
int cli_bad_command(const char *cmd);
/* 1 when one of the arguments asks for help (--help, -h). */
int cli_wants_help(int argc, char **argv);
/* Prints that cmd has no option opt, with the closest one it has; returns 2 (the exit status). */
int cli_bad_option(const char *cmd, const char *opt);
/* 1 when cmd's option opt takes a value, 0 for a switch, -1 when cmd has no such option. */
int cli_option_takes_value(const char *cmd, const char *opt);
/* argv[*i] as an option of cmd, in either form `--flag VALUE` or `--flag=VALUE`: *flag is the
 * flag (argv[*i] itself, or its part before '=' copied into buf), *value its value (NULL for a
 * switch), and *i moves past a separate value. Returns 0, or 2 after printing why (an unknown
 * flag, a missing value, a value given to a switch). */
int cli_take_option(const char *cmd, int argc, char **argv, int *i, char *buf, size_t cap,
                    const char **flag, const char **value);
/* The arguments of the commands that read a study (best, trials, export, studies, report). */
typedef struct cli_args {
    const char *path, *storage, *study, *format, *out;
    int steps;                      /* export --steps */
    const char *port, *host;        /* dashboard */
    const char *trial, *train_size; /* retrain */
    const char *by;                 /* best, retrain: "value" (the default) or "model" */
} cli_args;
/* --by's value (NULL: "value"): 1 for "model", 0 for "value", or -1 after printing, as `gpbo
 * cmd`, that it takes neither. */
int cli_by_model(const char *cmd, const char *by);
/* Reads argv into a (its defaults set by the caller): 0, or 2 after printing the error. */
int cli_parse(const char *cmd, int argc, char **argv, cli_args *a);
/* v with the fewest significant digits (15 to 17) that read back as v: 0.01892, not
 * 0.018919999999999999. */
void cli_number(char *buf, size_t cap, double v);

/* Trial folders (trial_files.c). The most executions of one trial that get a folder of their
 * own: trial-000042, trial-000042.2, ... (a trial runs again only when its worker is lost, at
 * most lost_retries times, or when a run is interrupted). */
enum { CLI_EXECUTIONS_MAX = 100000 };
/* The parent of a study's trial folders: for an SQLite file <db without .db>.runs when the
 * study owns it (its .gpbo-study file names the study, or it has none and the study has no
 * folder of its own), else <db without .db>.<study>.runs; for a server's database (each machine
 * its own), <study>.runs in sweep_dir (NULL: GPBO_ENOTFOUND). _claim (gpbo run): makes
 * <db>.runs the study's when no study owns it yet. cli_runs_alone: whether runs (what
 * cli_runs_dir gave) is the study's alone (1), or <db>.runs without an owner file (0: an older
 * gpbo made it for whichever studies of the file ran). */
int cli_runs_dir(const char *sweep_dir, const char *name, const char *storage, char *out,
                 size_t cap);
int cli_runs_dir_claim(const char *sweep_dir, const char *name, const char *storage, char *out,
                       size_t cap);
int cli_runs_alone(const char *storage, const char *name, const char *runs);
/* Whether an SQLite storage's folder exists, before a study is made there: one that does not
 * failed with SQLite's "unable to open database file" (exit status 1), which does not say why.
 * Returns 0 (a server, too), or 2 after printing, as `gpbo cmd`, which folder is missing. */
int cli_storage_folder(const char *cmd, const char *storage);
/* The folder of execution k (1, 2, ...) of trial id, and that of its last execution. */
int cli_trial_dir(const char *runs, size_t id, unsigned k, char *out, size_t cap);
int cli_last_trial_dir(const char *runs, size_t id, char *out, size_t cap);
/* The cap on each kept trial output file (a trial's stdout and stderr): a file that grows past
 * it keeps its first quarter and its last three quarters of the cap, whole lines, with one
 * marker line between them saying how much was dropped. gpbo reads every line as the trial
 * prints it, so what is dropped still counted (intermediate values, the result line). */
#define CLI_OUTPUT_CAP_DEFAULT ((uint64_t)8 << 20)
#define CLI_OUTPUT_CAP_MIN     ((uint64_t)4 << 10)
/* The cap from GPBO_OUTPUT_CAP (bytes, with K, M or G: KiB, MiB, GiB; 0: none), else the
 * default, in *out. GPBO_EINVAL with the message saying what it takes. */
int cli_output_cap(uint64_t *out);
/* GPBO_KILL_GRACE: the seconds a trial's program is given between SIGTERM and SIGKILL at a
 * timeout or a stop (unset or empty: 0, SIGKILL at once). GPBO_EINVAL naming the value when it
 * is not a number of seconds from 0 to 3600. */
int cli_kill_grace(double *out);
/* While a trial runs: frees the disk blocks of path (that file's bytes [0, upto) are read or
 * need not be) between its head and its last bytes, a hole punched in place (the writer goes
 * on appending; the size stays). *punched: how far it got (0 at first); *unsupported is set
 * when the file system cannot punch holes (the file is then cut only at the end). Cannot fail:
 * a file that cannot be trimmed is left as it is. */
void cli_output_trim(const char *path, uint64_t upto, uint64_t cap, uint64_t *punched,
                     int *unsupported);
/* Once nothing writes path any more: when it is over cap, replaces it with its head, the marker
 * line and its tail (a new file renamed over it). GPBO_OK (also when under the cap), GPBO_EIO
 * (the file is left as it was). */
int cli_output_compact(const char *path, uint64_t cap);
/* What a trial's program printed on lines without a step: each name's last numeric value. */
enum { CLI_METRICS_MAX = 32 };
typedef struct cli_metrics {
    char name[CLI_METRICS_MAX][64];
    double value[CLI_METRICS_MAX];
    size_t n;
} cli_metrics;
/* Sets name[0..len)'s value in m (a name already there takes the new value), if there is room. */
void cli_metrics_set(cli_metrics *m, const char *name, size_t len, double v);
/* Adds what one output line (no newline) says to m: its name=value tokens with a finite number
 * (blanks or commas between them) or a JSON object's numeric members, unless the line has a
 * step (an intermediate value). Names past CLI_METRICS_MAX or of 64 bytes and more are left out. */
void cli_line_metrics(const char *line, cli_metrics *m);
/* A finished trial's end that the storage could not take (pending.c): kept on disk until it
 * can. dir: the execution's folder (its name names the kept file). Borrowed pointers. */
typedef struct cli_pending {
    size_t id;
    const char *dir;
    gpbo_trial_state state; /* complete, failed or pruned */
    double value;           /* complete: its value (user sign) */
    const char *reason;     /* failed: why (NULL: none) */
    const cli_metrics *metrics;
    size_t nsteps; /* intermediate values not stored yet */
    const long *steps;
    const double *step_values;
} cli_pending;
/* Writes p durably to <runs>/unstored/<folder name>.json (its path in out_path); inflight:
 * to .inflight-<folder name>.json instead, not synced, the copy held while its tell is under
 * way. GPBO_EIO, GPBO_EINVAL, GPBO_ENOMEM with nothing written. */
int cli_pending_save(const char *runs, const cli_pending *p, int inflight, char *out_path,
                     size_t cap);
/* Tells study every result kept under runs, removing each file once the study has the trial
 * finished (stored now, or finished elsewhere first: said on stderr); a file that can never be
 * told (malformed, another study's trial) is left with a warning. orphans: the in-flight copies
 * whose process is gone are told too (at a run's start). Stops at the first storage error, which it
 * returns, the files not told yet counted in *out_left (may be NULL). */
int cli_pending_replay(gpbo_study *study, const char *runs, int orphans, size_t *out_left);
/* Prints why gpbo_study_open() failed (its last error) for the sweep file at path, one line on
 * stderr; a study whose parameters differ from the sweep's also gets what to do about it. */
void cli_open_failed(const char *path);
/* Reads trial id's last stdout under runs into m, line by line as cli_line_metrics: GPBO_OK, or
 * GPBO_ENOTFOUND (no folder) with m empty. */
int cli_trial_metrics(const char *runs, size_t id, cli_metrics *m);
/* The unit-cube coordinate of parameter i of sp: the one that changes when it does (a category
 * takes one coordinate per choice, a constant none). The report and the dashboard both read a
 * study's model through it. */
size_t cli_param_coord(const gpbo_space *sp, size_t i);
/* The trial the GP's slice along parameter i goes through, into *out: best (the study's best
 * trial), or when i is inactive there (a when: that does not hold: its value is NaN, and a slice
 * through it would move a coordinate the model never sees) the best feasible complete trial in
 * which i is active. 1, or 0 when no complete trial has i active (no slice). */
int cli_slice_origin(const gpbo_study *st, const gpbo_trial_info *best, size_t i,
                     gpbo_trial_info *out);

/* The model's exact GP costs O(n^3) in the observations it holds (1000 of 4 parameters: 6 s of
 * CPU for a fit and its recommendation refit, 2000: 37 s). The recommendation (gpbo run's last
 * line, gpbo best --by model, gpbo retrain --by model) follows the library's rule: the exact GP
 * up to GPBO_RECOMMEND_MAX_OBS observations, past them gpbo_study_model_capped's model of that
 * many, which they name (cli_recommend_model). The dashboard and gpbo report draw their slices and
 * importance from that same model (past CLI_MODEL_SUBSET observations a subset of them: the best
 * half and a space-filling rest, which they say), and the dashboard's recommendation comes from
 * it (gpbo_study_recommend_model): so it is gpbo best --by model's trial, prediction and count of
 * observations at any size. It was 500 until the dashboard named another trial than gpbo best
 * between 500 and 1000+ observations; one fit of 1000 observations instead of one of 500 costs
 * the dashboard 5.2 s of CPU instead of 1.3 s at 1500 trials (bench/dashboard/README.md). */
#define CLI_MODEL_SUBSET GPBO_RECOMMEND_MAX_OBS

int cmd_run(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_dashboard(int argc, char **argv);
int cmd_enqueue(int argc, char **argv); /* enqueue.c: gpbo enqueue SWEEP.yaml name=value ... */
int cmd_import(int argc, char **argv);  /* import.c: gpbo import SWEEP.yaml FILE */
int cmd_retrain(int argc, char **argv);
int cmd_show(const char *what, int argc, char **argv); /* best, trials, export, studies */
/* A trial state's name: "running", "complete", "failed", "pruned". */
const char *cli_state_name(gpbo_trial_state state);
/* The state every view shows: the stored one, or "interrupted" for a running trial whose worker
 * is lost (gpbo_study_trial_lost). */
const char *cli_state_shown(const gpbo_study *st, const gpbo_trial_info *ti);
/* A trial's state as the tables and files of trials give it (trials, export, report): as
 * cli_state_shown, and "queued" for an enqueued trial no worker has taken yet. */
const char *cli_state_listed(const gpbo_study *st, const gpbo_trial_info *ti);
/* Why complete trial id is infeasible, as `gpbo trials` and the report's table note it: the
 * first constraint it breaks ("infeasible: mem=600 > 512", "infeasible: no number for mem
 * reported"), into buf (cap bytes, cut short when longer). */
void cli_infeasible_note(const gpbo_study *st, size_t id, char *buf, size_t cap);
/* The model a recommendation came from, as gpbo run, best and retrain name it: "the model of
 * 1000 of the 1500 observations" when total (gpbo_study_recommend_capped's, at
 * GPBO_RECOMMEND_MAX_OBS) says it was capped, else "the model"; into buf (cap bytes). Returns
 * buf. Cannot fail. */
const char *cli_recommend_model(char *buf, size_t cap, size_t total);
/* Past GPBO_RECOMMEND_MAX_OBS observations (total as cli_recommend_model's), one line on stderr,
 * "CMD: the recommendation of the model of 1000 of the 1500 observations (...)", so that stdout
 * keeps its own lines; nothing up to there. */
void cli_recommend_capped_note(const char *cmd, size_t total);
/* Parameter i's value v as the user wrote it: the sweep's formatting (sw NULL: the space's); "-"
 * for NaN (an inactive parameter). */
void cli_format_value(const sweep *sw, const gpbo_space *sp, size_t i, double v, char *buf,
                      size_t cap);
/* Parameter i's value v as a number in the sweep's own units, for figures and the dashboard
 * (sweep_shown): a q_uniform's stored value is its multiple of q (the search space holds
 * integers), so it is multiplied by q; a q_log_uniform's is rounded to its q; the normal
 * family's stored quantile becomes its value; any other value (NaN too), or with sw NULL (a
 * study read without its sweep file), is returned as it is. cli_shown_q gives q_uniform's
 * factor (1 for any other parameter). */
double cli_shown_number(const sweep *sw, size_t i, double v);
double cli_shown_q(const sweep *sw, size_t i);
/* Parameter i's value v (not NaN) as gpbo export writes it, into buf: a number as the sweep
 * writes it when it is a multiple of its q, else shortest round-trip (an integer's digits); a
 * category's text. Returns 1 when it is a string (a category, a constant that is no JSON
 * number), 0 for a number. */
int cli_param_text(const sweep *sw, const gpbo_space *sp, size_t i, double v, char *buf,
                   size_t cap);
/* Opens the study a command names: by its sweep file (the storage next to it by default) or by
 * --storage and --study. Returns 0, or the exit status after printing the error. */
/* The file a study keeps next to others in dir: "<dir>/<name><suffix>", the name encoded so that
 * it stays one file name inside dir: ASCII letters, digits, '-', '_' and '.' (but not a leading
 * one) are kept, every other byte becomes %XX, so distinct names give distinct files and no name
 * gives "." or "..". The name itself stays as given wherever it is data (the database).
 * GPBO_EINVAL for an empty name, an encoded name over CLI_STEM_MAX bytes or a path over cap.
 * cli_file_stem writes the encoded name alone (cap > 0). */
#define CLI_STEM_MAX 240
int cli_file_stem(char *out, size_t cap, const char *name);
int cli_study_file(char *out, size_t cap, const char *dir, const char *name, const char *suffix);
int cli_open_study(const char *cmd, const char *path, const char *storage, const char *name,
                   sweep **out_sw, gpbo_study **out_st);
/* The sweep file at path (*out_sw), its name replaced by study when given (--study), and its
 * space (*out_space): `gpbo enqueue` and `gpbo import`. 0; 2 after printing why the file does
 * not load; 1 out of memory. The caller frees both (either may be NULL). */
int cli_sweep_for_study(const char *path, const char *study, sweep **out_sw,
                        gpbo_space **out_space);
/* Opens the sweep's study (sw->name) in storage (NULL: <study>.db next to the sweep file),
 * creating it with space and the sweep's options if need be: `gpbo enqueue` and `gpbo import`.
 * NULL after printing why, as `gpbo cmd`, with *status the exit status (2: a bad name, option
 * or missing folder; 1: the storage). */
gpbo_study *cli_make_study(const char *cmd, sweep *sw, const gpbo_space *space, const char *storage,
                           int *status);
/* One line on stderr: the storage holds no study named name; the n names it holds. */
void cli_no_such_study(const char *cmd, const char *storage, const char *name, char *const *names,
                       size_t n);

/* A parameter's importance (importance.c): the GP's inverse ARD lengthscale 1/l on the unit
 * cube (a categorical: its largest one-hot coordinate's) and the 95 % interval [lo, hi] of a
 * Laplace approximation of the log-lengthscale posterior (NaN when the Hessian is not positive
 * definite); all NaN for a parameter the model's observations never varied (a constant). */
typedef struct cli_importance {
    double value, lo, hi;
} cli_importance;
/* out[i] for every parameter of sp from the model (left unchanged: a copy is polished to the
 * mode of the log posterior); *how (may be NULL) says where the estimate was taken.
 * GPBO_EINVAL for a model of another space or without data, GPBO_ENOMEM. */
int cli_importance_get(const gpbo_gp *model, const gpbo_space *sp, cli_importance *out,
                       const char **how);

/* A parameter i and its (log) lengthscale, and qsort's order for them: the shortest first,
 * ties to the earlier parameter (importance.c; the report's slices use it too). */
typedef struct cli_by_length {
    double log_l;
    size_t i;
} cli_by_length;
int cli_cmp_length(const void *a, const void *b);

#endif
