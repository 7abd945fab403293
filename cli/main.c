/*
 * main.c: the gpbo command — run a sweep, look at its study, train once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "cli.h"
#include "gpbo/error.h"

int cmd_train(int argc, char **argv)
{
    trainer_settings t;
    trainer_settings_init(&t);
    const char *metric = "val_accuracy";
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "gpbo train: expected --KEY VALUE, got '%s'\n", a);
            return 2;
        }
        char key[64];
        const char *val;
        const char *eq = strchr(a + 2, '=');
        if (eq) {
            snprintf(key, sizeof key, "%.*s", (int)(eq - a - 2), a + 2);
            val = eq + 1;
        } else if (i + 1 < argc) {
            snprintf(key, sizeof key, "%s", a + 2);
            val = argv[++i];
        } else {
            fprintf(stderr, "gpbo train: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(key, "metric")) {
            /* any other name printed the accuracy under it */
            if (!trainer_epoch_metric(val)) {
                fprintf(stderr,
                        "gpbo train: --metric %s: the trainer has val_accuracy and val_loss per "
                        "epoch\n",
                        val);
                return 2;
            }
            metric = val;
            continue;
        }
        if (trainer_set(&t, key, val) != GPBO_OK) {
            fprintf(stderr, "gpbo train: %s\n", gpbo_error_message());
            return 2;
        }
    }
    const char *unused;
    if (trainer_check_used(&t, NULL, 0, &unused) != GPBO_OK) {
        fprintf(stderr, "gpbo train: %s\n", gpbo_error_message());
        return 2;
    }
    trainer_data d;
    int lrc = trainer_data_load(&t, &d);
    if (lrc != GPBO_OK) {
        fprintf(stderr, "gpbo train: %s\n", gpbo_error_message());
        return lrc == GPBO_EINVAL ? 2 : 1; /* a setting the data cannot meet (val_size, ...) */
    }
    int rc = trainer_run_print(&t, &d, metric);
    trainer_data_free(&d);
    if (rc != GPBO_OK) {
        fprintf(stderr, "gpbo train: %s\n", gpbo_error_message());
        return rc == GPBO_EINVAL ? 2 : 1;
    }
    return 0;
}

/* The libraries' warnings (gpbo_warn): one line each on stderr. */
static void print_warning(void *payload, const char *message)
{
    (void)payload;
    fprintf(stderr, "gpbo: warning: %s\n", message);
}

/* Runs command c with its arguments; returns its exit status. */
static int dispatch(const char *c, int argc, char **argv)
{
    if (!strcmp(c, "run"))
        return cmd_run(argc, argv);
    if (!strcmp(c, "best") || !strcmp(c, "trials") || !strcmp(c, "export") ||
        !strcmp(c, "studies") || !strcmp(c, "delete"))
        return cmd_show(c, argc, argv);
    if (!strcmp(c, "enqueue"))
        return cmd_enqueue(argc, argv);
    if (!strcmp(c, "import"))
        return cmd_import(argc, argv);
    if (!strcmp(c, "dashboard"))
        return cmd_dashboard(argc, argv);
    if (!strcmp(c, "compare"))
        return cmd_compare(argc, argv);
    if (!strcmp(c, "report"))
        return cmd_report(argc, argv);
    if (!strcmp(c, "train"))
        return cmd_train(argc, argv);
    if (!strcmp(c, "retrain"))
        return cmd_retrain(argc, argv);
    if (!strcmp(c, "version") || !strcmp(c, "--version") || !strcmp(c, "doctor")) {
        /* they take nothing: `gpbo version --json` printed the text and exited 0, where
         * compare refuses an option */
        const char *name = c[0] == '-' ? "version" : c;
        if (argc > 0 && argv[0][0] == '-')
            return cli_bad_option(name, argv[0]);
        if (argc > 0) {
            fprintf(stderr, "gpbo %s: takes no argument (given '%s')\n", name, argv[0]);
            return 2;
        }
        blas_report(stdout);
        return 0;
    }
    return cli_bad_command(c);
}

/* The exit status of command c that ended with status, once what it wrote to standard output
 * has reached it: a write that failed there (a full disk under `gpbo export > trials.csv`)
 * made a truncated file and exit status 0; now it is an error, 1. */
static int written(const char *c, int status)
{
    errno = 0;
    int flush = fflush(stdout), err = errno;
    if (flush == 0 && !ferror(stdout))
        return status;
    if (err == EPIPE) /* the reader left (gpbo run ... | head): it knows */
        return status == 0 ? 1 : status;
    fprintf(stderr, "gpbo %s: cannot write to standard output%s%s\n", c, err ? ": " : "",
            err ? strerror(err) : "");
    return status == 0 ? 1 : status;
}

int main(int argc, char **argv)
{
    /* before anything is printed or started: may re-execute the program (see blas.c) */
    blas_startup(argv);
    gpbo_set_warning_handler(print_warning, NULL);
    if (argc < 2) {
        cli_usage(stderr, NULL);
        return 2;
    }
    const char *c = argv[1];
    if (!strcmp(c, "help") || !strcmp(c, "--help") || !strcmp(c, "-h")) {
        if (argc > 2)
            return written("help", cli_help(argv[2]));
        cli_usage(stdout, NULL);
        return written("help", 0);
    }
    /* every command's --help, before its own parsing can take it for a value or a file */
    if (cli_wants_help(argc - 2, argv + 2))
        return written(c, cli_help(c));
    return written(c, dispatch(c, argc - 2, argv + 2));
}
