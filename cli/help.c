/*
 * help.c: the command's subcommands and their options in one table, so that `gpbo --help`,
 * `gpbo CMD --help`, the usage lines of errors, the "did you mean" of a misspelt option and the
 * parsing of the study-reading commands (best, trials, export, studies, report) cannot disagree.
 * `gpbo run` and `gpbo train` parse their own values (numbers, trainer settings) but take their
 * option names and their errors from here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct cli_option {
    const char *flag, *value, *help; /* value NULL: a switch */
} cli_option;

static const cli_option O_STORAGE = {
    "--storage", "URL",
    "the storage: an SQLite file (a path or sqlite:///path, relative to the current "
    "directory) or postgresql://...; default: <study>.db next to the sweep file"};
static const cli_option O_STORAGE_LIST = {
    "--storage", "URL",
    "the storage: an SQLite file (a path or sqlite:///path) or postgresql://..."};
static const cli_option O_STUDY = {
    "--study", "NAME",
    "the study (default: the sweep's name; with --storage alone, the storage's only study)"};
static const cli_option O_JOBS = {
    "--jobs", "N", "trials at a time, 1 to 1024 (default: the sweep's gpbo.jobs, 1)"};
static const cli_option O_SEED = {"--seed", "S", "the study's seed (default: the sweep's)"};
static const cli_option O_TRIALS = {
    "--trials", "N", "stop once the study holds N trials (default: the sweep's run_cap)"};
static const cli_option O_STRATEGY = {"--strategy", "NAME",
                                      "grid, random, sobol, lhs or bayes (default: the sweep's "
                                      "method)"};
static const cli_option O_INIT = {"--init", "N", "bayes: the initial space-filling trials"};
static const cli_option O_MAX_FAIL = {
    "--max-initial-failures", "N",
    "start no more trials once the study's first N have all failed, none complete or pruned "
    "(0: never; default: the sweep's gpbo.max_initial_failures, else 5 or --jobs when more)"};
static const cli_option O_FORMAT = {"--format", "csv|json", "the format (default csv)"};
static const cli_option O_OUT = {"-o", "FILE", "write to FILE (default, or -: standard output)"};
static const cli_option O_REPORT_OUT = {"-o", "FILE",
                                        "the page (default report.html; -: standard output)"};
static const cli_option O_STEPS = {
    "--steps", NULL,
    "CSV: the intermediate values, one row each (trial,state,step,value); JSON always has "
    "them"};
static const cli_option O_IMPORT_STEPS = {
    "--steps", "FILE",
    "CSV: the intermediate values of FILE's trials, as gpbo export --steps wrote them (JSON "
    "carries its own)"};
/* the commands that need a sweep file (run, enqueue, import, retrain): no "--storage alone" */
static const cli_option O_STUDY_SWEEP = {"--study", "NAME",
                                         "the study (default: the sweep's name; another name is "
                                         "another study of the same storage)"};
static const cli_option O_STUDY_DELETE = {
    "--study", "NAME", "the study (default: the sweep's name; without a sweep file, required)"};
static const cli_option O_STUDY_ALL = {
    "--study", "NAME",
    "the study (default: the sweep's name; with --storage alone, every study of the storage)"};
static const cli_option O_PORT = {"--port", "N",
                                  "the TCP port, 1 to 65535, or 0 for any free one (default 8080)"};
static const cli_option O_HOST = {
    "--host", "ADDR",
    "the address to listen on (default 127.0.0.1: this machine only, and only requests naming "
    "it in Host: an IP address, localhost or ADDR; another address serves the page, "
    "read-only, to whoever reaches it)"};
static const cli_option O_TRIAL = {"--trial", "N", "the trial to train again (default: the best)"};
static const cli_option O_BY = {
    "--by", "value|model",
    "value (the default): the trial of the best observed value; model: the trial the study's "
    "model recommends (gpbo_study_recommend: for a noisy objective, the best posterior mean of "
    "its GP, which a lucky draw does not win; the best observed value when the model sees no "
    "noise; past 1000 observations the GP of 1000 of them, and a line on stderr says so; "
    "Bayesian studies only)"};
static const cli_option O_TRAIN_SIZE = {
    "--train-size", "N",
    "training images (default 0: the whole training set but the trainer section's val_size "
    "validation images; the search may have used fewer)"};
static const cli_option O_METRIC = {"--metric", "NAME",
                                    "the metric printed per epoch (default val_accuracy)"};

typedef struct cli_command {
    const char *name, *args, *summary;
    const cli_option *opts[9]; /* NULL-terminated */
} cli_command;

static const cli_command COMMANDS[] = {
    {"run",
     "SWEEP.yaml",
     "runs the sweep's trials, resuming its study if it exists. On a terminal a status line on "
     "stderr; otherwise one line per finished trial on stdout: [i/N], the trial, the best so far "
     "and the time elapsed. Exit status 0; 1 on an error or when no trial completed (the reason "
     "on stderr, and when the study's first trials all failed); 2 for a bad sweep file or option; "
     "128 + the signal's number when a signal stopped it (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP). "
     "Each trial's stdout "
     "and stderr are kept in its folder, each file at most GPBO_OUTPUT_CAP bytes (default 8M: "
     "its head and its tail). A timeout or a stop kills a trial's program with SIGKILL, or "
     "with SIGTERM first and SIGKILL GPBO_KILL_GRACE seconds later when that is set",
     {&O_STORAGE, &O_STUDY_SWEEP, &O_JOBS, &O_SEED, &O_TRIALS, &O_STRATEGY, &O_INIT, &O_MAX_FAIL}},
    {"enqueue",
     "SWEEP.yaml NAME=VALUE ...",
     "puts a known configuration (every parameter as name=value, as the program sees it; a "
     "number read as the sweep file reads one: 0x40 is 64, 1_000 1000, 010 refused) into "
     "the sweep's study, creating it if need be: the next gpbo run (any worker) runs it before "
     "the strategy's own proposals. It counts toward run_cap. Exit status 0; 1 when the study "
     "already holds run_cap trials or cannot be opened; 2 for a bad sweep file, value or option",
     {&O_STORAGE, &O_STUDY_SWEEP}},
    {"import",
     "SWEEP.yaml FILE",
     "adds the trials of FILE (CSV or JSON as gpbo export writes them, by its extension or its "
     "content; - for standard input) to the sweep's study, creating it if need be: evaluations "
     "made elsewhere warm-start it, and gpbo export | gpbo import copies a study to another "
     "storage. A complete row becomes a complete trial (its value; with metrics:, each "
     "objective's metrics.NAME), a failed one a failed trial with its reason, a pruned one a "
     "pruned trial, each with its other metrics and user attributes; running and queued rows "
     "are skipped, and so is a row whose parameters equal a trial the study holds (importing "
     "twice adds nothing). Each trial comes with its intermediate values (JSON's intermediate; "
     "for CSV, the --steps file). The whole "
     "file is checked first: a bad one adds nothing. Imported trials count toward run_cap. "
     "Prints one summary line. Exit status 0; 1 when the study cannot be opened or written; 2 "
     "for a bad sweep file, option or input file (one line naming the file, the line or trial, "
     "and the field)",
     {&O_STORAGE, &O_STUDY_SWEEP, &O_IMPORT_STEPS}},
    {"best",
     "[SWEEP.yaml]",
     "prints the best trial as name=value lines: the best feasible one when the sweep has "
     "constraints (exit status 1, saying so, when none is); with several objectives the Pareto "
     "front, a line a trial. With --by model, the model's recommendation, with its predicted "
     "value (predicted=) after the observed one",
     {&O_STORAGE, &O_STUDY, &O_BY}},
    {"trials",
     "[SWEEP.yaml]",
     "prints every trial as a table (pruned ones with their last step, interrupted ones named "
     "so)",
     {&O_STORAGE, &O_STUDY}},
    {"export",
     "[SWEEP.yaml]",
     "writes every trial: CSV or JSON (typed parameters, shortest round-trip numbers, "
     "feasible under constraints, the other metrics the program printed as metrics.NAME; JSON "
     "also the intermediate values, CSV with --steps instead of the trials)",
     {&O_STORAGE, &O_STUDY, &O_FORMAT, &O_OUT, &O_STEPS}},
    {"studies",
     "--storage URL",
     "lists the storage's studies: name, trials, best, direction (several objectives: the "
     "size of the Pareto front and each objective's goal)",
     {&O_STORAGE_LIST}},
    {"delete",
     "[SWEEP.yaml]",
     "deletes the study (the sweep's, or --study of --storage: never one left unnamed) from its "
     "storage with every trial, in one transaction; its name is then free for a new study. Its "
     "trial folders are moved aside to <folder>.deleted-<time> (left, and the line says so, "
     "when an older gpbo made them for several studies of the file). Stop its workers first. "
     "Exit status 0; 1 when the storage fails or does not exist; 2 for a bad option or a study "
     "the storage does not hold",
     {&O_STORAGE, &O_STUDY_DELETE}},
    {"report",
     "[SWEEP.yaml]",
     "writes the study's HTML report",
     {&O_STORAGE, &O_STUDY, &O_REPORT_OUT}},
    {"dashboard",
     "[SWEEP.yaml]",
     "serves a live page of the study (or of every study of --storage) at http://127.0.0.1:8080/ "
     "that updates itself while workers run: progress, best so far, a sortable trials table, "
     "learning curves, parameter vs objective plots, a Bayesian study's GP slices; JSON at "
     "/api/studies, /api/study?name=NAME, /api/trials?name=NAME[&since=CURSOR] (with since: "
     "only the trials changed after the answer that gave CURSOR) and /api/slices?name=NAME. "
     "Reads the storage only. Ctrl-C stops it. Exit status 0 when "
     "stopped; 2 for a bad option, a port that cannot be listened on or a --study that "
     "--storage does not hold",
     {&O_STORAGE, &O_STUDY_ALL, &O_PORT, &O_HOST}},
    {"retrain",
     "SWEEP.yaml",
     "shows what tuning bought, for a sweep of the built-in trainer: its best trial's "
     "configuration trained again on the whole training set, beside the trainer's default "
     "configuration (gpbo train's) given the same epochs, data and seed; both tested on the test "
     "set. An epoch line each on stdout, then the two side by side. Exit status 0; 1 when "
     "training fails; 2 for a bad option (a --train-size above what the data holds included) or "
     "a sweep without a trainer section",
     {&O_STORAGE, &O_STUDY_SWEEP, &O_TRIAL, &O_TRAIN_SIZE, &O_BY}},
    {"compare",
     "COMPARE.yaml",
     "runs strategies x problems x seeds and writes <name>.csv and <name>.html next to "
     "COMPARE.yaml, each run a study in <name>.db there (an interrupted comparison resumes); "
     "progress on stderr, one line per finished run; the summary on stdout. Exit status 0; 1 "
     "when a run fails; 2 for a bad file",
     {NULL}},
    {"train",
     "[--KEY VALUE ...]",
     "trains the built-in model once, printing metric=value step=N per epoch; exit status 1 "
     "when training fails (a diverging loss included), 2 for a bad setting",
     {&O_METRIC}},
    {"version", "", "gpbo's version, the BLAS kernels and threads in use", {NULL}},
    {"doctor", "", "the same as version", {NULL}},
    {"help", "", "this help (also --help, -h)", {NULL}},
};
#define NCOMMANDS (sizeof COMMANDS / sizeof *COMMANDS)

static const cli_command *find(const char *cmd)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(COMMANDS[i].name, cmd))
            return &COMMANDS[i];
    return NULL;
}

/* Prints text after an indent, wrapped at 96 columns. */
static void wrapped(FILE *f, const char *text, int indent, int first)
{
    int col = first;
    while (*text) {
        size_t w = strcspn(text, " ");
        if (col > indent && col + 1 + (int)w > 96) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        } else if (col < indent) {
            fprintf(f, "%*s", indent - col, "");
            col = indent;
        }
        fprintf(f, "%.*s", (int)w, text);
        col += (int)w;
        text += w;
        text += strspn(text, " ");
    }
    fputc('\n', f);
}

static void command_usage(FILE *f, const cli_command *c)
{
    fprintf(f, "gpbo %s%s%s%s\n", c->name, c->args[0] ? " " : "", c->args,
            c->opts[0] ? " [options]" : "");
    wrapped(f, c->summary, 4, 0);
    for (size_t k = 0; c->opts[k]; k++) {
        const cli_option *o = c->opts[k];
        char head[40];
        int n = snprintf(head, sizeof head, "    %s%s%s", o->flag, o->value ? " " : "",
                         o->value ? o->value : "");
        fputs(head, f);
        if (n >= 25) { /* a flag too long for its column: its help on the next line */
            fputc('\n', f);
            n = 0;
        }
        wrapped(f, o->help, 26, n);
    }
    if (!strcmp(c->name, "train")) {
        const char *keys[TRAINER_NKEYS];
        size_t n = trainer_keys(keys);
        fprintf(f, "    trainer settings (--KEY VALUE or --KEY=VALUE):\n     ");
        for (size_t k = 0; k < n; k++)
            fprintf(f, " %s%s", keys[k], (k + 1) % 8 == 0 && k + 1 < n ? "\n     " : "");
        fputc('\n', f);
        /* the defaults: SGD's momentum of 0.9 was written nowhere a user of the command
         * reads, and torch.optim.SGD's is 0 */
        fprintf(f, "    defaults:");
        size_t col = 13;
        for (size_t k = 0; k < n; k++) {
            char v[1100];
            if (!strcmp(keys[k], "hidden") || !strcmp(keys[k], "layers"))
                continue;
            trainer_default(k, v, sizeof v);
            size_t w = strlen(keys[k]) + strlen(v) + 2;
            if (col + w > 96) {
                fprintf(f, "\n     ");
                col = 5;
            }
            fprintf(f, " %s=%s", keys[k], v);
            col += w;
        }
        fprintf(f, "\n    (train_size 0: all the images but val_size, and more than the data "
                   "holds is refused;\n    momentum is SGD's, where torch.optim.SGD's default is "
                   "0; weight_decay is AdamW's\n    decoupled decay with adam; threads 0: "
                   "OPENBLAS_NUM_THREADS, else the cores, and a\n    seeded run repeats bit for "
                   "bit only at the same threads)\n");
        fprintf(
            f,
            "    the network: model (default mlp:256-128; mlp, no hidden layer: a linear softmax\n"
            "    classifier, its dropout on the inputs; cnn:c32k5-p2-d128 ...), or hidden (the\n"
            "    units of each hidden layer) and layers (how many, default 1): an MLP, hidden 256\n"
            "    and layers 2 making mlp:256-256; dropout follows every hidden dense layer, or\n"
            "    with none (mlp, cnn:c32k5-p2) comes before the output layer\n"
            "    early stopping: with patience N, the run stops after N epochs in a row without\n"
            "    an improvement of monitor by more than min_delta (val_accuracy: higher, "
            "val_loss:\n"
            "    lower), and the weights of its best epoch are kept\n");
    }
}

void cli_usage(FILE *f, const char *cmd)
{
    const cli_command *c = cmd ? find(cmd) : NULL;
    if (c != NULL) {
        fprintf(f, "usage: ");
        command_usage(f, c);
        return;
    }
    fprintf(f, "usage: gpbo <command> [options]   (gpbo <command> --help: that command alone;\n"
               "an option's value follows it, --flag VALUE, or is joined to it, --flag=VALUE)\n\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        command_usage(f, &COMMANDS[i]);
        fputc('\n', f);
    }
}

int cli_help(const char *cmd)
{
    if (find(cmd) == NULL)
        return cli_bad_command(cmd);
    cli_usage(stdout, cmd);
    return 0;
}

int cli_bad_command(const char *cmd)
{
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = COMMANDS[i].name;
    char hint[300];
    fprintf(stderr, "gpbo: unknown command '%s' (%s); gpbo --help lists them\n", cmd,
            sweep_suggest(cmd, names, NCOMMANDS, hint, sizeof hint));
    return 2;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

int cli_bad_option(const char *cmd, const char *opt)
{
    const cli_command *c = find(cmd);
    const char *flags[8];
    size_t n = 0;
    for (; c && c->opts[n]; n++)
        flags[n] = c->opts[n]->flag;
    char hint[300] = "it takes no option";
    if (n > 0)
        sweep_suggest(opt, flags, n, hint, sizeof hint);
    fprintf(stderr, "gpbo %s: unknown option '%s' (%s); gpbo %s --help lists them\n", cmd, opt,
            hint, cmd);
    return 2;
}

int cli_option_takes_value(const char *cmd, const char *opt)
{
    const cli_command *c = find(cmd);
    for (size_t k = 0; c && c->opts[k]; k++)
        if (!strcmp(c->opts[k]->flag, opt))
            return c->opts[k]->value != NULL;
    return -1;
}

/* Where option flag's value goes in a. */
static const char **slot(cli_args *a, const char *flag)
{
    return !strcmp(flag, "--storage")      ? &a->storage
           : !strcmp(flag, "--study")      ? &a->study
           : !strcmp(flag, "--format")     ? &a->format
           : !strcmp(flag, "--port")       ? &a->port
           : !strcmp(flag, "--host")       ? &a->host
           : !strcmp(flag, "--trial")      ? &a->trial
           : !strcmp(flag, "--train-size") ? &a->train_size
           : !strcmp(flag, "--by")         ? &a->by
                                           : &a->out;
}

int cli_take_option(const char *cmd, int argc, char **argv, int *i, char *buf, size_t cap,
                    const char **flag, const char **value)
{
    const char *o = argv[*i], *eq = strncmp(o, "--", 2) ? NULL : strchr(o, '=');
    *flag = o;
    *value = NULL;
    if (eq != NULL) { /* --flag=VALUE, as getopt_long and argparse take it */
        if ((size_t)(eq - o) >= cap)
            return cli_bad_option(cmd, o);
        snprintf(buf, cap, "%.*s", (int)(eq - o), o);
        *flag = buf;
    }
    int kind = cli_option_takes_value(cmd, *flag);
    if (kind < 0)
        return cli_bad_option(cmd, eq ? *flag : o);
    if (kind == 0 && eq != NULL) {
        fprintf(stderr, "gpbo %s: %s takes no value (given '%s')\n", cmd, *flag, eq + 1);
        return 2;
    }
    if (kind == 0)
        return 0;
    if (eq != NULL) {
        *value = eq + 1;
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "gpbo %s: %s needs a value\n", cmd, o);
        return 2;
    }
    *value = argv[++*i];
    return 0;
}

int cli_parse(const char *cmd, int argc, char **argv, cli_args *a)
{
    const cli_command *c = find(cmd);
    /* [SWEEP.yaml] optional, SWEEP.yaml (retrain) required: the caller checks */
    int takes_path = c && (c->args[0] == '[' || !strcmp(c->args, "SWEEP.yaml"));
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i], *flag, *value;
        char buf[32];
        if (o[0] != '-' && takes_path && a->path == NULL) {
            a->path = o;
        } else if (o[0] != '-') {
            fprintf(stderr,
                    "gpbo %s: unexpected argument '%s'; gpbo %s --help says what it takes\n", cmd,
                    o, cmd);
            return 2;
        } else if (cli_take_option(cmd, argc, argv, &i, buf, sizeof buf, &flag, &value) != 0) {
            return 2;
        } else if (value == NULL) {
            a->steps = 1; /* the one switch */
        } else {
            *slot(a, flag) = value;
        }
    }
    return 0;
}

int cli_by_model(const char *cmd, const char *by)
{
    if (by == NULL || !strcmp(by, "value"))
        return 0;
    if (!strcmp(by, "model"))
        return 1;
    fprintf(stderr, "gpbo %s: --by: '%s' is neither value nor model\n", cmd, by);
    return -1;
}

void cli_number(char *buf, size_t cap, double v)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, cap, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}
