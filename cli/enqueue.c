/*
 * enqueue.c: `gpbo enqueue SWEEP.yaml name=value ...` (issue 20, known starting points) — puts a
 * configuration one knows into the sweep's study (created when it does not exist yet, as `gpbo
 * run` would create it), so that the next ask of any worker runs it before the strategy's own
 * proposals. It counts toward the budget (run_cap); its values are checked against the sweep's
 * parameters.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gpbo/sys/error.h"

/* The arguments: the sweep, --storage, --study and the name=value pairs (pointers into argv).
 * Returns 0, or 2 after printing the error. */
static int enqueue_args(int argc, char **argv, const char **path, const char **storage,
                        const char **study, char **pairs, size_t *npairs)
{
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i], *flag, *value;
        char buf[32];
        if (o[0] == '-') {
            if (cli_take_option("enqueue", argc, argv, &i, buf, sizeof buf, &flag, &value) != 0)
                return 2;
            *(strcmp(flag, "--storage") ? study : storage) = value;
        } else if (*path == NULL) {
            *path = o;
        } else {
            pairs[(*npairs)++] = argv[i];
        }
    }
    if (*path == NULL || *npairs == 0) {
        fprintf(stderr, "gpbo enqueue: give the sweep file and name=value for each parameter "
                        "(gpbo enqueue --help)\n");
        return 2;
    }
    return 0;
}

/* Opens (or creates) the study and enqueues the point. Returns the exit status. */
static int enqueue_point(sweep *sw, const gpbo_space *space, const char *storage,
                         const double *vals)
{
    int status = 0;
    gpbo_study *st = cli_make_study("enqueue", sw, space, storage, &status);
    if (st == NULL)
        return status;
    size_t id, cap = sw->run_cap ? sw->run_cap : SIZE_MAX;
    int rc = gpbo_study_enqueue(st, vals, cap, &id);
    if (rc == GPBO_OK)
        printf("enqueued trial %zu of study '%s': the next gpbo run runs it first\n", id, sw->name);
    else if (rc == GPBO_EEXHAUSTED)
        fprintf(stderr, "gpbo enqueue: study '%s' already holds its run_cap of %zu trials\n",
                sw->name, sw->run_cap);
    else
        fprintf(stderr, "gpbo enqueue: %s\n", gpbo_error_message());
    gpbo_study_close(st);
    return rc == GPBO_OK ? 0 : 1;
}

int cmd_enqueue(int argc, char **argv)
{
    const char *path = NULL, *storage = NULL, *study = NULL;
    char **pairs = calloc(argc > 0 ? (size_t)argc : 1, sizeof *pairs);
    size_t npairs = 0;
    if (pairs == NULL) {
        fprintf(stderr, "gpbo enqueue: out of memory\n");
        return 1;
    }
    int status = enqueue_args(argc, argv, &path, &storage, &study, pairs, &npairs);
    sweep *sw = NULL;
    gpbo_space *space = NULL;
    if (status == 0)
        status = cli_sweep_for_study(path, study, &sw, &space);
    double *vals = space ? malloc((gpbo_space_size(space) + 1) * sizeof *vals) : NULL;
    if (status == 0 && vals == NULL)
        status = 1;
    if (status == 0 && sweep_point(sw, space, npairs, pairs, vals) != GPBO_OK) {
        fprintf(stderr, "gpbo enqueue: %s: %s\n", path, gpbo_error_message());
        status = 2;
    }
    if (status == 0)
        status = enqueue_point(sw, space, storage, vals);
    free(vals);
    gpbo_space_free(space);
    sweep_free(sw);
    free(pairs);
    return status;
}
