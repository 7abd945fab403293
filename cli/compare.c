/*
 * compare.c: `gpbo compare COMPARE.yaml` — strategies x test functions x seeds, each run a
 * study of its own in one SQLite file (so an interrupted comparison resumes: finished runs are
 * read back, unfinished ones continue where they stopped), run in parallel processes; writes
 * the best-so-far CSV, a summary of simple regret (median and quartiles at chosen budgets) and
 * an HTML report with regret curves and quartile bands.
 *
 * A problem can also be a sweep file: each of its runs is `gpbo run` of the sweep with the
 * strategy, seed, budget and initial design overridden, on a database of its own under
 * <name>.sweeps/; its regret is measured against the best value any run found.
 *
 * COMPARE.yaml:
 *   name: branin-study            # files: <name>.db, <name>.csv, <name>.html next to it
 *   strategies: [bayes, random, sobol]
 *   problems: [branin, hartmann6, rosenbrock:4, my-sweep.yaml]
 *   seeds: 10
 *   budget: 60                    # evaluations per run
 *   budgets: [10, 30, 60]         # where the summary reads the regret
 *   initial: 10                   # Bayesian initial design
 *   jobs: 2
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml.h>

#include "cli.h"
#include "gpbo/sys/error.h"
#include "report.h"

#define MAXL 32

typedef struct cmp {
    char name[256], dir[1024];
    char stem[CLI_STEM_MAX + 1]; /* name, encoded for file names (cli_file_stem) */
    char *strategies[MAXL], *problems[MAXL];
    size_t ns, np, seeds, budget, budgets[MAXL], nb, init, jobs;
} cmp;

static int fail(const char *path, const yaml_node_t *n, const char *fmt, ...)
{
    char m[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: %s", path, n ? n->start_mark.line + 1 : 0,
                          n ? n->start_mark.column + 1 : 0, m);
}

static int list(yaml_document_t *doc, const char *path, yaml_node_t *v, char **out, size_t *n)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(path, v, "expected a list");
    while (*n > 0) /* a repeated key replaces the earlier list */
        free(out[--*n]);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *e = yaml_document_get_node(doc, *it);
        if (e->type != YAML_SCALAR_NODE || *n >= MAXL)
            return fail(path, e, "expected at most %d plain values", MAXL);
        out[(*n)++] = strdup((const char *)e->data.scalar.value);
    }
    return *n ? GPBO_OK : fail(path, v, "the list is empty");
}

static int load(const char *path, cmp *c)
{
    memset(c, 0, sizeof *c);
    c->seeds = 10;
    c->budget = 60;
    c->init = 10;
    c->jobs = 2;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return gpbo_error_set(GPBO_EIO, "%s: cannot open", path);
    const char *slash = strrchr(path, '/');
    snprintf(c->dir, sizeof c->dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    yaml_parser_t p;
    yaml_document_t doc;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int rc = GPBO_OK;
    if (!yaml_parser_load(&p, &doc)) {
        rc = gpbo_error_set(GPBO_EFORMAT, "%s:%zu:%zu: malformed YAML: %s", path,
                            p.problem_mark.line + 1, p.problem_mark.column + 1,
                            p.problem ? p.problem : "error");
        yaml_parser_delete(&p);
        fclose(f);
        return rc;
    }
    static const char *const keys[] = {"name",   "strategies", "problems", "seeds",
                                       "budget", "budgets",    "initial",  "jobs"};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE)
        rc = fail(path, root, "expected a mapping of keys");
    for (yaml_node_pair_t *pr = root && rc == GPBO_OK ? root->data.mapping.pairs.start : NULL;
         pr && pr < root->data.mapping.pairs.top && rc == GPBO_OK; pr++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
        const char *key = (const char *)k->data.scalar.value;
        const char *val = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
        char *end;
        unsigned long num = strtoul(val, &end, 10);
        int isnum = *val && *end == '\0';
        if (!strcmp(key, "name"))
            snprintf(c->name, sizeof c->name, "%s", val);
        else if (!strcmp(key, "strategies"))
            rc = list(&doc, path, v, c->strategies, &c->ns);
        else if (!strcmp(key, "problems"))
            rc = list(&doc, path, v, c->problems, &c->np);
        else if (!strcmp(key, "budgets")) {
            char *b[MAXL];
            c->nb = 0;
            rc = list(&doc, path, v, b, &c->nb);
            for (size_t i = 0; i < c->nb; i++) {
                c->budgets[i] = strtoul(b[i], NULL, 10);
                free(b[i]);
            }
        } else if (isnum && num > 0 && !strcmp(key, "seeds"))
            c->seeds = num;
        else if (isnum && num > 0 && !strcmp(key, "budget"))
            c->budget = num;
        else if (isnum && !strcmp(key, "initial"))
            c->init = num;
        else if (isnum && num > 0 && !strcmp(key, "jobs"))
            c->jobs = num;
        else {
            size_t i = 0;
            while (i < 8 && strcmp(keys[i], key))
                i++;
            rc = i < 8 ? fail(path, v, "%s must be a whole number > 0", key)
                       : fail(path, k, "unknown key '%s' (did you mean '%s'?)", key,
                              sweep_closest(key, keys, 8));
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    fclose(f);
    if (rc != GPBO_OK)
        return rc;
    if (c->ns == 0 || c->np == 0)
        return gpbo_error_set(GPBO_EFORMAT, "%s: needs strategies and problems", path);
    if (c->name[0] == '\0')
        snprintf(c->name, sizeof c->name, "compare");
    if (cli_file_stem(c->stem, sizeof c->stem, c->name) != GPBO_OK)
        return gpbo_error_set(GPBO_EINVAL, "%s: name: %s", path, gpbo_error_message());
    if (c->nb == 0)
        c->budgets[c->nb++] = c->budget;
    /* every strategy of the library but the grid (a comparison runs the ones that take a budget) */
    const char *all[SWEEP_STRATEGIES], *known[SWEEP_STRATEGIES];
    size_t na = sweep_strategies(all), nk = 0;
    for (size_t k = 0; k < na; k++)
        if (strcmp(all[k], "grid") != 0)
            known[nk++] = all[k];
    for (size_t i = 0; i < c->ns; i++)
        if (sweep_find(c->strategies[i], known, nk) == nk)
            return gpbo_error_set(GPBO_EFORMAT, "%s: unknown strategy '%s' (did you mean '%s'?)",
                                  path, c->strategies[i],
                                  sweep_closest(c->strategies[i], known, nk));
    return GPBO_OK;
}

/* A problem "name" or "name:dim": the function and the space over its box. */
static const gpbo_test_function *problem(const char *spec, size_t *dim, gpbo_space **space)
{
    char nm[128];
    snprintf(nm, sizeof nm, "%s", spec);
    char *colon = strchr(nm, ':');
    size_t d = 0;
    if (colon) {
        *colon = '\0';
        d = strtoul(colon + 1, NULL, 10);
    }
    const gpbo_test_function *f = gpbo_test_function_find(nm);
    if (f == NULL)
        return NULL;
    d = f->dim ? f->dim : (d ? d : 4);
    if (d < f->min_dim || d > 64 || isnan(f->optimum(d))) {
        gpbo_error_set(GPBO_EINVAL, "problem '%s': dimension %zu is not supported", spec, d);
        return NULL;
    }
    double lo[64], hi[64];
    f->bounds(d, lo, hi);
    *space = gpbo_space_new();
    for (size_t k = 0; k < d; k++) {
        char pn[16];
        snprintf(pn, sizeof pn, "x%zu", k % 1000);
        gpbo_space_add_float(*space, pn, lo[k], hi[k], 0);
    }
    *dim = d;
    return f;
}

/* A problem given as a sweep file (".yaml" / ".yml"), relative to the comparison file. */
static int is_sweep(const char *spec)
{
    size_t l = strlen(spec);
    return (l > 5 && !strcmp(spec + l - 5, ".yaml")) || (l > 4 && !strcmp(spec + l - 4, ".yml"));
}

static void sweep_path(const cmp *c, const char *spec, char *out, size_t cap)
{
    if (spec[0] == '/')
        snprintf(out, cap, "%s", spec);
    else
        snprintf(out, cap, "%s/%s", c->dir, spec);
}

/* Each run of a sweep problem is `gpbo run` on a database of its own under <name>.sweeps/
 * (its trial directories next to it), so runs never share trial folders. */
static void sweep_db(const cmp *c, size_t si, size_t pi, size_t seed, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s.sweeps/%s-p%zu-s%zu.db", c->dir, c->stem, c->strategies[si], pi,
             seed);
}

static void run_name(const cmp *c, size_t si, size_t pi, size_t seed, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s/%zu", c->strategies[si], c->problems[pi], seed);
}

/* In a forked child: replaces it with `gpbo run` of the sweep (output to a log beside its
 * database). Returns only on failure. */
static int run_sweep(const cmp *c, size_t si, size_t pi, size_t seed)
{
    char path[1400], db[1400], log[1500], name[512], sd[32], budget[32], init[32];
    sweep_path(c, c->problems[pi], path, sizeof path);
    sweep_db(c, si, pi, seed, db, sizeof db);
    run_name(c, si, pi, seed, name, sizeof name);
    snprintf(log, sizeof log, "%.*s.log", (int)(strlen(db) - 3), db);
    snprintf(sd, sizeof sd, "%zu", seed);
    snprintf(budget, sizeof budget, "%zu", c->budget);
    snprintf(init, sizeof init, "%zu", c->init);
    FILE *f = freopen(log, "a", stdout);
    if (f == NULL || dup2(fileno(stdout), 2) < 0)
        return 1;
    char *argv[] = {
        "gpbo",   "run",    path,       "--storage", db,           "--study",         name,
        "--seed", sd,       "--trials", budget,      "--strategy", c->strategies[si], "--init",
        init,     "--jobs", "1",        NULL};
    execv("/proc/self/exe", argv);
    fprintf(stderr, "gpbo compare: cannot run gpbo: %s\n", strerror(errno));
    return 1;
}

static int run_one(const cmp *c, const char *db, size_t si, size_t pi, size_t seed)
{
    if (is_sweep(c->problems[pi]))
        return run_sweep(c, si, pi, seed);
    size_t d;
    gpbo_space *sp = NULL;
    const gpbo_test_function *f = problem(c->problems[pi], &d, &sp);
    if (f == NULL)
        return 1;
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = c->strategies[si];
    o.seed = seed;
    o.n_init = c->init;
    o.lhs_size = c->budget;
    char name[512];
    run_name(c, si, pi, seed, name, sizeof name);
    gpbo_study *st = gpbo_study_open(db, name, sp, &o);
    int rc = st ? GPBO_OK : gpbo_error_code();
    double v[64];
    while (rc == GPBO_OK) {
        size_t cnt[4], id;
        gpbo_study_counts(st, cnt);
        if (cnt[1] + cnt[2] + cnt[3] >= c->budget)
            break;
        rc = gpbo_study_ask(st, &id, v);
        if (rc == GPBO_OK)
            rc = gpbo_study_tell(st, id, f->f(d, v));
    }
    if (rc != GPBO_OK && rc != GPBO_EEXHAUSTED)
        fprintf(stderr, "gpbo compare: %s: %s\n", name, gpbo_error_message());
    gpbo_study_close(st);
    gpbo_space_free(sp);
    return rc == GPBO_OK || rc == GPBO_EEXHAUSTED ? 0 : 1;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quant(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmpd);
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    return i + 1 < n ? v[i] + (pos - (double)i) * (v[i + 1] - v[i]) : v[i];
}

static int run_compare(cmp *cp, char **argv)
{
    cmp c = *cp;
    int any_sweep = 0;
    for (size_t i = 0; i < c.np; i++) {
        size_t d;
        gpbo_space *sp = NULL;
        if (is_sweep(c.problems[i])) {
            char path[1400];
            sweep_path(&c, c.problems[i], path, sizeof path);
            sweep *sw = sweep_load(path);
            if (sw == NULL) {
                fprintf(stderr, "gpbo: %s: problem %s: %s\n", argv[0], c.problems[i],
                        gpbo_error_message());
                return 2;
            }
            sweep_free(sw);
            any_sweep = 1;
            continue;
        }
        if (problem(c.problems[i], &d, &sp) == NULL) {
            fprintf(stderr, "gpbo: %s: %s\n", argv[0], gpbo_error_message());
            return 2;
        }
        gpbo_space_free(sp);
    }
    char db[1400], csv[1400], html[1400];
    if (any_sweep) {
        char dir[1400];
        snprintf(dir, sizeof dir, "%s/%s.sweeps", c.dir, c.stem);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "gpbo: %s: %s\n", dir, strerror(errno));
            return 1;
        }
    }
    snprintf(db, sizeof db, "%s/%s.db", c.dir, c.stem);
    snprintf(csv, sizeof csv, "%s/%s.csv", c.dir, c.stem);
    snprintf(html, sizeof html, "%s/%s.html", c.dir, c.stem);
    /* create the database before the children race for it */
    {
        gpbo_space *sp = gpbo_space_new();
        gpbo_space_add_float(sp, "x", 0, 1, 0);
        gpbo_study *probe = gpbo_study_open(db, "_compare_", sp, NULL);
        gpbo_space_free(sp);
        if (probe == NULL) {
            fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
            return 1;
        }
        gpbo_study_close(probe);
    }
    size_t total = c.ns * c.np * c.seeds, next = 0, running = 0, failed = 0;
    fflush(stdout);
    while (next < total || running > 0) {
        while (running < c.jobs && next < total) {
            size_t j = next++;
            pid_t parent = getpid(), pid = fork();
            if (pid == 0) {
                /* a run must not outlive the comparison: a rerun would write the same study */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                    _exit(1);
                _exit(run_one(&c, db, j / (c.np * c.seeds), (j / c.seeds) % c.np, j % c.seeds));
            }
            if (pid > 0)
                running++;
            else
                failed++;
        }
        int st;
        if (wait(&st) > 0) {
            running--;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                failed++;
        }
    }
    /* read every run back: best-so-far (in the minimizing sense) per evaluation; the regret is
     * against the known optimum for a test function, against the best value any run found for
     * a sweep problem */
    size_t B = c.budget;
    double *reg = malloc(total * B * sizeof *reg);
    int *maxi = calloc(c.np, sizeof *maxi);
    for (size_t j = 0; j < total; j++) {
        size_t si = j / (c.np * c.seeds), pi = (j / c.seeds) % c.np, seed = j % c.seeds;
        char name[512], sdb[1400];
        run_name(&c, si, pi, seed, name, sizeof name);
        const char *from = db;
        if (is_sweep(c.problems[pi])) {
            sweep_db(&c, si, pi, seed, sdb, sizeof sdb);
            from = sdb;
        }
        gpbo_study *st = access(from, F_OK) == 0 ? gpbo_study_open(from, name, NULL, NULL) : NULL;
        if (st)
            maxi[pi] = gpbo_study_direction(st) == GPBO_MAXIMIZE;
        double best = INFINITY;
        for (size_t e = 0; e < B; e++) {
            gpbo_trial_info t;
            if (st && gpbo_study_trial(st, e, &t) == GPBO_OK && t.state == GPBO_TRIAL_COMPLETE &&
                (maxi[pi] ? -t.value : t.value) < best)
                best = maxi[pi] ? -t.value : t.value;
            reg[j * B + e] = best;
        }
        gpbo_study_close(st);
    }
    double *opt = malloc(c.np * sizeof *opt);
    for (size_t pi = 0; pi < c.np; pi++) {
        size_t d;
        gpbo_space *sp = NULL;
        const gpbo_test_function *f =
            is_sweep(c.problems[pi]) ? NULL : problem(c.problems[pi], &d, &sp);
        gpbo_space_free(sp);
        opt[pi] = f ? f->optimum(d) : INFINITY;
        for (size_t j = 0; f == NULL && j < total; j++)
            if ((j / c.seeds) % c.np == pi && reg[j * B + B - 1] < opt[pi])
                opt[pi] = reg[j * B + B - 1];
    }
    FILE *out = fopen(csv, "w");
    if (out)
        fprintf(out, "strategy,problem,seed,evaluation,best,regret\n");
    for (size_t j = 0; j < total; j++) {
        size_t si = j / (c.np * c.seeds), pi = (j / c.seeds) % c.np, seed = j % c.seeds;
        for (size_t e = 0; e < B; e++) {
            double b = reg[j * B + e];
            reg[j * B + e] = b - opt[pi];
            if (out)
                fprintf(out, "%s,%s,%zu,%zu,%.17g,%.6g\n", c.strategies[si], c.problems[pi], seed,
                        e + 1, maxi[pi] ? -b : b, b - opt[pi]);
        }
    }
    if (out)
        fclose(out);
    printf("gpbo compare: %zu strategies x %zu problems x %zu seeds, budget %zu%s\n", c.ns, c.np,
           c.seeds, B, failed ? " (SOME RUNS FAILED)" : "");
    printf("simple regret: median [q1, q3] over seeds\n");
    double *col = malloc(c.seeds * sizeof *col);
    /* figures: per problem, the median regret per strategy with its quartile band */
    char **svgs = calloc(c.np, sizeof *svgs);
    const char **caps = calloc(c.np, sizeof *caps);
    char capbuf[MAXL][160];
    double *xs = malloc(B * sizeof *xs), *md = malloc(c.ns * B * 3 * sizeof *md);
    for (size_t e = 0; e < B; e++)
        xs[e] = (double)(e + 1);
    for (size_t pi = 0; pi < c.np; pi++) {
        for (size_t bi = 0; bi < c.nb; bi++) {
            size_t b = c.budgets[bi];
            if (b < 1 || b > B)
                continue;
            printf("%-18s n=%-4zu", c.problems[pi], b);
            for (size_t si = 0; si < c.ns; si++) {
                for (size_t s = 0; s < c.seeds; s++)
                    col[s] = reg[((si * c.np + pi) * c.seeds + s) * B + b - 1];
                printf(" | %s %.3g [%.2g, %.2g]", c.strategies[si], quant(col, c.seeds, 0.5),
                       quant(col, c.seeds, 0.25), quant(col, c.seeds, 0.75));
            }
            printf("\n");
        }
        gpbo_fig_series ser[2 * MAXL];
        for (size_t si = 0; si < c.ns; si++) {
            double *m = md + si * B * 3, *lo = m + B, *hi = lo + B;
            for (size_t e = 0; e < B; e++) {
                for (size_t s = 0; s < c.seeds; s++)
                    col[s] = reg[((si * c.np + pi) * c.seeds + s) * B + e];
                m[e] = quant(col, c.seeds, 0.5);
                lo[e] = quant(col, c.seeds, 0.25);
                hi[e] = quant(col, c.seeds, 0.75);
            }
            ser[2 * si] =
                (gpbo_fig_series){GPBO_FIG_BAND, NULL, B, xs, NULL, lo, hi, (int)(si % 8)};
            ser[2 * si + 1] = (gpbo_fig_series){GPBO_FIG_LINE, c.strategies[si], B, xs, m, NULL,
                                                NULL,          (int)(si % 8)};
        }
        gpbo_fig fig = {c.problems[pi], "evaluations", "simple regret", 1, 0, 2 * c.ns, ser};
        if (gpbo_fig_svg(&fig, &svgs[pi]) != GPBO_OK)
            svgs[pi] = strdup("<svg xmlns='http://www.w3.org/2000/svg'/>");
        snprintf(capbuf[pi], sizeof capbuf[pi],
                 "%s: median simple regret%s, quartile bands, %zu seeds", c.problems[pi],
                 is_sweep(c.problems[pi]) ? " (to the best value any run found)" : "", c.seeds);
        caps[pi] = capbuf[pi];
    }
    char text[512];
    snprintf(text, sizeof text,
             "%zu strategies x %zu problems x %zu seeds, %zu evaluations each. "
             "Data: %s.csv",
             c.ns, c.np, c.seeds, B, c.stem);
    gpbo_report_section sec[1] = {
        {"Simple regret", text, 0, NULL, c.np, (const char *const *)svgs, caps}};
    char title[300];
    snprintf(title, sizeof title, "gpbo compare: %s", c.name);
    int rc = gpbo_report_write_html(html, title, 1, sec);
    printf("wrote %s and %s\n", csv, rc == GPBO_OK ? html : "(no report)");
    for (size_t pi = 0; pi < c.np; pi++)
        free(svgs[pi]);
    free(svgs);
    free(caps);
    free(xs);
    free(md);
    free(col);
    free(reg);
    free(opt);
    free(maxi);
    return failed ? 1 : 0;
}

int cmd_compare(int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "usage: gpbo compare COMPARE.yaml\n");
        return 2;
    }
    cmp c;
    int rc = 2;
    if (load(argv[0], &c) != GPBO_OK)
        fprintf(stderr, "gpbo: %s\n", gpbo_error_message());
    else
        rc = run_compare(&c, argv);
    for (size_t i = 0; i < c.ns; i++)
        free(c.strategies[i]);
    for (size_t i = 0; i < c.np; i++)
        free(c.problems[i]);
    return rc;
}
