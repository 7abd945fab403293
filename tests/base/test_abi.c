/*
 * test_abi.c: the options structs' binary interface (docs/abi.md). A program built against an
 * older header holds a smaller struct; this file declares every older layout of the six
 * options structs as its header declared it (the compiler checks that each is a prefix of the
 * current one), then for each version:
 *  - gpbo_*_init(opts, version) fills that version's defaults and writes no byte past it: into
 *    a buffer of exactly that size (ASan reports any byte past it) and into one followed by a
 *    guard pattern (checked byte for byte, without ASan);
 *  - every function taking the options accepts a buffer of exactly that size, and the fields
 *    after it take their defaults, not the bytes that happen to follow (the study shows it);
 *  - versions 0 and current + 1 are refused with a message naming the version.
 * Run it under the sanitized build (make build BUILD=build-asan SANITIZE=ON) to make the exact
 * buffers count.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpbo/gpbo.h"

#define GUARD   64
#define PATTERN 0xA5

#define EXPECT_MSG(text)                                                                           \
    do {                                                                                           \
        assert_int_equal(gpbo_error_code(), GPBO_EINVAL);                                          \
        if (strstr(gpbo_error_message(), (text)) == NULL)                                          \
            fail_msg("message \"%s\" does not contain \"%s\"", gpbo_error_message(), (text));      \
    } while (0)

/* A field of an old layout sits where it sits in the current struct, with the same size. */
#define SAME_PLACE(OLD, NEW, f)                                                                    \
    _Static_assert(offsetof(OLD, f) == offsetof(NEW, f) &&                                         \
                       sizeof(((OLD *)0)->f) == sizeof(((NEW *)0)->f),                             \
                   #OLD "." #f " moved in " #NEW);

/* ------------------------------------------------------------------------------------------ */
/* The old layouts, copied from the headers of their time                                     */

/* gpbo_gp_fit_options version 1 (gp.h at e215a5d). */
typedef struct fit_options_v1 {
    unsigned int version;
    size_t restarts;
    size_t max_evals;
    double lengthscale_bounds[2];
    double signal_bounds[2];
    double noise_bounds[2];
    int learn_noise;
    int use_priors;
    double lengthscale_prior[2];
    double noise_prior[2];
    uint64_t seed;
    double ftol_rel;
} fit_options_v1;
/* clang-format off */
#define FIT_V1(X) \
    X(version) X(restarts) X(max_evals) X(lengthscale_bounds) X(signal_bounds) X(noise_bounds) \
    X(learn_noise) X(use_priors) X(lengthscale_prior) X(noise_prior) X(seed) X(ftol_rel)
/* clang-format on */
#define FIT_PLACE(f) SAME_PLACE(fit_options_v1, gpbo_gp_fit_options, f)
FIT_V1(FIT_PLACE)
/* version 2: the subset race */
typedef struct fit_options_v2 {
    fit_options_v1 v1;
    size_t subset_min;
} fit_options_v2;
_Static_assert(offsetof(fit_options_v2, subset_min) == offsetof(gpbo_gp_fit_options, subset_min),
               "subset_min moved");
_Static_assert(sizeof(fit_options_v2) == 136, "version 2 is 136 bytes");
/* version 3: per-coordinate lengthscale priors */
typedef struct fit_options_v3 {
    fit_options_v2 v2;
    const double *lengthscale_priors;
} fit_options_v3;
_Static_assert(offsetof(fit_options_v3, lengthscale_priors) ==
                   offsetof(gpbo_gp_fit_options, lengthscale_priors),
               "lengthscale_priors moved");
_Static_assert(sizeof(fit_options_v3) == 144, "version 3 is 144 bytes");
/* version 4: the starts that run on past the race */
typedef struct fit_options_v4 {
    fit_options_v3 v3;
    size_t race_keep;
} fit_options_v4;
_Static_assert(offsetof(fit_options_v4, race_keep) == offsetof(gpbo_gp_fit_options, race_keep),
               "race_keep moved");
_Static_assert(sizeof(fit_options_v4) == 152, "version 4 is 152 bytes");
_Static_assert(sizeof(gpbo_gp_fit_options) == 160, "version 5 is 160 bytes");

/* gpbo_acq_options version 1 (acquisition.h at ae7c537). */
typedef struct acq_options_v1 {
    unsigned int version;
    gpbo_acq_kind kind;
    gpbo_acq_beta beta_rule;
    double beta;
    double delta;
    gpbo_acq_optimizer optimizer;
    size_t raw_samples;
    size_t restarts;
    size_t max_evals;
    uint64_t seed;
    gpbo_acq_batch batch;
    const unsigned char *fixed;
    const double *fixed_values;
    gpbo_acq_project_fn project;
    void *project_payload;
} acq_options_v1;
/* clang-format off */
#define ACQ_V1(X) \
    X(version) X(kind) X(beta_rule) X(beta) X(delta) X(optimizer) X(raw_samples) X(restarts) \
    X(max_evals) X(seed) X(batch) X(fixed) X(fixed_values) X(project) X(project_payload)
/* clang-format on */
#define ACQ_PLACE(f) SAME_PLACE(acq_options_v1, gpbo_acq_options, f)
ACQ_V1(ACQ_PLACE)

/* gpbo_study_options version 1 (search.h at 22ba392), version 2 (at eec6185) and version 3
 * (at 923eabf). The strategy
 * string is compared by content, apart from the other fields. */
typedef struct study_options_v1 {
    unsigned int version;
    gpbo_direction direction;
    const char *strategy;
    uint64_t seed;
    size_t grid_resolution;
    int grid_shuffle;
    size_t lhs_size;
    size_t n_init;
    gpbo_kernel_type kernel;
    gpbo_acq_kind acquisition;
    gpbo_acq_batch batch;
    size_t refit_every;
    gpbo_failed_policy failed;
    int use_priors;
} study_options_v1;
typedef struct study_options_v2 {
    unsigned int version;
    gpbo_direction direction;
    const char *strategy;
    uint64_t seed;
    size_t grid_resolution;
    int grid_shuffle;
    size_t lhs_size;
    size_t n_init;
    gpbo_kernel_type kernel;
    gpbo_acq_kind acquisition;
    gpbo_acq_batch batch;
    size_t refit_every;
    gpbo_failed_policy failed;
    int use_priors;
    int additive; /* version 2 */
} study_options_v2;
typedef struct study_options_v3 {
    study_options_v2 v2;
    size_t restart; /* version 3 */
} study_options_v3;
typedef struct study_options_v4 {
    study_options_v3 v3;
    double heartbeat; /* version 4 */
    double grace;
    size_t lost_retries;
} study_options_v4;
/* clang-format off */
#define STUDY_V1(X) \
    X(version) X(direction) X(seed) X(grid_resolution) X(grid_shuffle) X(lhs_size) X(n_init) \
    X(kernel) X(acquisition) X(batch) X(refit_every) X(failed) X(use_priors)
/* clang-format on */
#define STUDY_V2(X)     STUDY_V1(X) X(additive)
#define STUDY1_PLACE(f) SAME_PLACE(study_options_v1, gpbo_study_options, f)
#define STUDY2_PLACE(f) SAME_PLACE(study_options_v2, gpbo_study_options, f)
STUDY_V1(STUDY1_PLACE)
STUDY_V2(STUDY2_PLACE)
SAME_PLACE(study_options_v1, gpbo_study_options, strategy)
SAME_PLACE(study_options_v2, gpbo_study_options, strategy)
_Static_assert(offsetof(study_options_v3, restart) == offsetof(gpbo_study_options, restart),
               "restart moved");
_Static_assert(offsetof(study_options_v4, lost_retries) ==
                   offsetof(gpbo_study_options, lost_retries),
               "lost_retries moved");
_Static_assert(sizeof(study_options_v4) == 128, "version 4 is 128 bytes");
/* version 5: outcome constraints */
typedef struct study_options_v5 {
    study_options_v4 v4;
    size_t n_constraints;
    const gpbo_constraint *constraints;
} study_options_v5;
_Static_assert(offsetof(study_options_v5, constraints) == offsetof(gpbo_study_options, constraints),
               "constraints moved");
_Static_assert(sizeof(study_options_v5) == 144, "version 5 is 144 bytes");

/* gpbo_pruner_options version 1 (pruner.h at 0e3f049; version was an int then, same size). */
typedef struct pruner_options_v1 {
    unsigned int version;
    gpbo_pruner_kind kind;
    size_t startup_trials;
    long warmup_steps;
    long interval_steps;
    long min_iter;
    long max_iter;
    double eta;
} pruner_options_v1;
/* clang-format off */
#define PRUNER_V1(X) \
    X(version) X(kind) X(startup_trials) X(warmup_steps) X(interval_steps) X(min_iter) \
    X(max_iter) X(eta)
/* clang-format on */
#define PRUNER_PLACE(f) SAME_PLACE(pruner_options_v1, gpbo_pruner_options, f)
PRUNER_V1(PRUNER_PLACE)

/* gpbo_trainer_config version 1 (trainer.h at 94085af). The model string is compared by
 * content. */
typedef struct trainer_config_v1 {
    unsigned int version;
    const char *model;
    gpbo_trainer_activation activation;
    double dropout;
    gpbo_trainer_optimizer optimizer;
    double lr;
    double momentum;
    int nesterov;
    double beta1, beta2;
    double rho;
    double eps;
    double weight_decay;
    double l1;
    gpbo_trainer_schedule schedule;
    double gamma;
    size_t step_size;
    size_t warmup_epochs;
    size_t batch_size;
    size_t epochs;
    size_t patience;
    double min_delta;
    size_t shift;
    int flip;
    uint64_t seed;
    gpbo_epoch_fn on_epoch;
    void *payload;
} trainer_config_v1;
/* clang-format off */
#define TRAINER_V1(X) \
    X(version) X(activation) X(dropout) X(optimizer) X(lr) X(momentum) X(nesterov) X(beta1) \
    X(beta2) X(rho) X(eps) X(weight_decay) X(l1) X(schedule) X(gamma) X(step_size) \
    X(warmup_epochs) X(batch_size) X(epochs) X(patience) X(min_delta) X(shift) X(flip) X(seed) \
    X(on_epoch) X(payload)
/* clang-format on */
#define TRAINER_PLACE(f) SAME_PLACE(trainer_config_v1, gpbo_trainer_config, f)
TRAINER_V1(TRAINER_PLACE)
SAME_PLACE(trainer_config_v1, gpbo_trainer_config, model)
/* version 2: early stopping's monitor */
typedef struct trainer_config_v2 {
    trainer_config_v1 v1;
    gpbo_trainer_monitor monitor;
} trainer_config_v2;
_Static_assert(offsetof(trainer_config_v2, monitor) == offsetof(gpbo_trainer_config, monitor),
               "monitor moved");
_Static_assert(sizeof(trainer_config_v2) == 224, "version 2 is 224 bytes");

/* ------------------------------------------------------------------------------------------ */
/* Init, for any struct                                                                        */

typedef int (*init_fn)(void *opts, unsigned int version);

static int init_fit(void *o, unsigned int v)
{
    return gpbo_gp_fit_options_init(o, v);
}
static int init_acq(void *o, unsigned int v)
{
    return gpbo_acq_options_init(o, v);
}
static int init_study(void *o, unsigned int v)
{
    return gpbo_study_options_init(o, v);
}
static int init_pruner(void *o, unsigned int v)
{
    return gpbo_pruner_options_init(o, v);
}
static int init_result(void *o, unsigned int v)
{
    return gpbo_trial_result_init(o, v);
}
static int init_trainer(void *o, unsigned int v)
{
    return gpbo_trainer_config_init(o, v);
}

/* Initializes a struct of `size` bytes as version `version`, first in front of a guard that must
 * stay untouched, then in a buffer of exactly that size, which it returns (free it). */
static void *init_exact(init_fn init, unsigned int version, size_t size)
{
    unsigned char *g = malloc(size + GUARD);
    assert_non_null(g);
    memset(g, PATTERN, size + GUARD);
    assert_int_equal(init(g, version), GPBO_OK);
    for (size_t i = size; i < size + GUARD; i++)
        if (g[i] != PATTERN)
            fail_msg("init(version %u) wrote byte %zu of a %zu-byte struct", version, i, size);
    free(g);
    void *p = malloc(size);
    assert_non_null(p);
    assert_int_equal(init(p, version), GPBO_OK);
    unsigned int got;
    memcpy(&got, p, sizeof got);
    assert_int_equal(got, version);
    return p;
}

/* Versions 0 and current + 1, and a NULL struct, are refused and nothing is written. */
static void init_refuses(init_fn init, unsigned int current, size_t size)
{
    unsigned char *p = malloc(size);
    assert_non_null(p);
    memset(p, PATTERN, size);
    const unsigned int bad[2] = {0, current + 1};
    for (int k = 0; k < 2; k++) {
        char want[64];
        snprintf(want, sizeof want, "version %u is unknown", bad[k]);
        gpbo_error_clear();
        assert_int_equal(init(p, bad[k]), GPBO_EINVAL);
        EXPECT_MSG(want);
        for (size_t i = 0; i < size; i++)
            assert_int_equal(p[i], PATTERN);
    }
    gpbo_error_clear();
    assert_int_equal(init(NULL, current), GPBO_EINVAL);
    EXPECT_MSG("NULL");
    free(p);
}

/* Byte-equal fields (doubles are the same constants on both sides); def.version must be set
 * to the version under test. */
#define SAME_DEFAULT(f) assert_memory_equal(&old->f, &def.f, sizeof def.f);
#define SET_VERSION(p, v)                                                                          \
    do {                                                                                           \
        unsigned int v_ = (v);                                                                     \
        memcpy((p), &v_, sizeof v_);                                                               \
    } while (0)

/* Sets the version of the struct at p to the k-th refused one (0, then current + 1) and writes
 * the message that must name it ("<what>.version is <v>") into msg. */
static void set_bad_version(void *p, unsigned int current, int k, const char *what, char msg[64])
{
    const unsigned int v = k == 0 ? 0 : current + 1;
    snprintf(msg, 64, "%s.version is %u", what, v);
    SET_VERSION(p, v);
}

/* ------------------------------------------------------------------------------------------ */
/* gp: gpbo_gp_fit and gpbo_gp_log_posterior                                                    */

static gpbo_gp *small_gp(void)
{
    double x[24], y[12];
    for (size_t i = 0; i < 12; i++) {
        x[2 * i] = fmod(0.137 * (double)i + 0.05, 1.0);
        x[2 * i + 1] = fmod(0.619 * (double)i + 0.21, 1.0);
        y[i] = sin(6.1 * x[2 * i]) + 0.3 * cos(4.7 * x[2 * i + 1]);
    }
    gpbo_gp *gp = gpbo_gp_new(GPBO_KERNEL_MATERN52, 2);
    assert_non_null(gp);
    assert_int_equal(gpbo_gp_set_data(gp, 12, x, y), GPBO_OK);
    return gp;
}

static void test_fit_options(void **state)
{
    (void)state;
    const size_t size[6] = {0,
                            sizeof(fit_options_v1),
                            sizeof(fit_options_v2),
                            sizeof(fit_options_v3),
                            sizeof(fit_options_v4),
                            sizeof(gpbo_gp_fit_options)};
    assert_int_equal(GPBO_GP_FIT_OPTIONS_VERSION, 5);
    init_refuses(init_fit, GPBO_GP_FIT_OPTIONS_VERSION, sizeof(fit_options_v1));
    gpbo_gp *ref = small_gp();
    gpbo_gp_fit_options def = GPBO_GP_FIT_OPTIONS_INIT;
    size_t restarts = def.restarts;
    def.restarts = 1;
    assert_int_equal(gpbo_gp_fit(ref, &def), GPBO_OK);
    double want[4], got[4], grad[4];
    gpbo_gp_get_params(ref, want);
    def.restarts = restarts;
    for (unsigned int v = 1; v <= GPBO_GP_FIT_OPTIONS_VERSION; v++) {
        void *p = init_exact(init_fit, v, size[v]);
        const fit_options_v1 *old = p;
        def.version = v;
        FIT_V1(SAME_DEFAULT)
        if (v >= 2)
            assert_int_equal(((gpbo_gp_fit_options *)p)->subset_min, def.subset_min);
        if (v >= 3)
            assert_null(((gpbo_gp_fit_options *)p)->lengthscale_priors);
        if (v >= 4)
            assert_int_equal(((gpbo_gp_fit_options *)p)->race_keep, def.race_keep);
        if (v >= 5)
            assert_int_equal(((gpbo_gp_fit_options *)p)->data_start, def.data_start);
        /* The same fit as the current defaults (the version-2 field's default changes nothing
         * at n = 12 anyway, which the model test covers at n = 400). */
        ((fit_options_v1 *)p)->restarts = 1;
        gpbo_gp *gp = small_gp();
        assert_int_equal(gpbo_gp_fit(gp, p), GPBO_OK);
        gpbo_gp_get_params(gp, got);
        assert_memory_equal(got, want, sizeof want);
        assert_true(isfinite(gpbo_gp_log_posterior(gp, p, grad)));
        for (int k = 0; k < 2; k++) {
            char msg[64];
            set_bad_version(p, GPBO_GP_FIT_OPTIONS_VERSION, k, "options", msg);
            gpbo_error_clear();
            assert_int_equal(gpbo_gp_fit(gp, p), GPBO_EINVAL);
            EXPECT_MSG(msg);
            gpbo_error_clear();
            assert_true(isnan(gpbo_gp_log_posterior(gp, p, NULL)));
            EXPECT_MSG(msg);
        }
        gpbo_gp_free(gp);
        free(p);
    }
    gpbo_gp_free(ref);
}

/* ------------------------------------------------------------------------------------------ */
/* acquisition: gpbo_acq_new and gpbo_acq_propose                                              */

static void test_acq_options(void **state)
{
    (void)state;
    assert_int_equal(GPBO_ACQ_OPTIONS_VERSION, 1);
    assert_int_equal(sizeof(acq_options_v1), sizeof(gpbo_acq_options));
    init_refuses(init_acq, GPBO_ACQ_OPTIONS_VERSION, sizeof(acq_options_v1));
    gpbo_acq_options def = GPBO_ACQ_OPTIONS_INIT;
    void *p = init_exact(init_acq, 1, sizeof(acq_options_v1));
    const acq_options_v1 *old = p;
    ACQ_V1(SAME_DEFAULT)
    ((acq_options_v1 *)p)->raw_samples = 64;
    gpbo_gp *gp = small_gp();
    double best = gpbo_gp_y_min(gp, NULL), x[2] = {0.3, 0.6}, u, out[2], val;
    gpbo_acq *a = gpbo_acq_new(gp, p, best);
    assert_non_null(a);
    assert_int_equal(gpbo_acq_eval(a, 1, x, &u, NULL), GPBO_OK);
    assert_true(isfinite(u));
    gpbo_acq_free(a);
    assert_int_equal(gpbo_acq_propose(gp, p, NAN, 0, NULL, 1, out, &val), GPBO_OK);
    assert_true(out[0] >= 0.0 && out[0] <= 1.0 && out[1] >= 0.0 && out[1] <= 1.0);
    for (int k = 0; k < 2; k++) {
        char msg[64];
        set_bad_version(p, GPBO_ACQ_OPTIONS_VERSION, k, "options", msg);
        gpbo_error_clear();
        assert_null(gpbo_acq_new(gp, p, best));
        EXPECT_MSG(msg);
        gpbo_error_clear();
        assert_int_equal(gpbo_acq_propose(gp, p, NAN, 0, NULL, 1, out, NULL), GPBO_EINVAL);
        EXPECT_MSG(msg);
    }
    gpbo_gp_free(gp);
    free(p);
}

/* ------------------------------------------------------------------------------------------ */
/* search: gpbo_study_open                                                                     */

/* Opens an in-memory study with the struct at p, checks the options it kept, runs three trials
 * of random search. */
static void study_run(const void *p, int want_additive, size_t want_restart)
{
    gpbo_space *sp = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(sp, "x", -1.0, 2.0, 0), GPBO_OK);
    gpbo_study *s = gpbo_study_open(NULL, "abi", sp, p);
    if (s == NULL)
        fail_msg("study_open: %s", gpbo_error_message());
    const gpbo_study_options *kept = gpbo_study_get_options(s);
    assert_int_equal(kept->version, GPBO_STUDY_OPTIONS_VERSION);
    assert_string_equal(kept->strategy, "random");
    assert_int_equal(kept->n_init, 7);
    assert_int_equal(kept->additive, want_additive);
    assert_int_equal(kept->restart, want_restart);
    assert_int_equal(kept->n_objectives, 0); /* version 6's defaults, whatever follows */
    assert_int_equal(kept->mo_acquisition, GPBO_MO_EHVI);
    assert_true(kept->heartbeat == 10 && kept->grace == 60 && kept->lost_retries == 3);
    assert_int_equal(kept->n_constraints, 0); /* a guard pattern past an older struct: none */
    for (int t = 0; t < 3; t++) {
        size_t id;
        double v;
        assert_int_equal(gpbo_study_ask(s, &id, &v), GPBO_OK);
        assert_true(v >= -1.0 && v <= 2.0);
        assert_int_equal(gpbo_study_tell(s, id, v * v), GPBO_OK);
    }
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

/* gpbo_trial_result version 1 (search.h at 8ec347d): version 2 appended the intermediate
 * values and the user attributes. */
typedef struct trial_result_v1 {
    unsigned int version;
    gpbo_trial_state state;
    const double *values;
    const char *reason;
    size_t n_metrics;
    const char *const *metric_names;
    const double *metric_values;
} trial_result_v1;
/* clang-format off */
#define RESULT_V1(X) \
    X(version) X(state) X(values) X(reason) X(n_metrics) X(metric_names) X(metric_values)
/* clang-format on */
#define RESULT_PLACE(f) SAME_PLACE(trial_result_v1, gpbo_trial_result, f)
RESULT_V1(RESULT_PLACE)

/* gpbo_trial_result (gpbo_study_add_trial), versions 1 (48 bytes on LP64) and 2 (96;
 * docs/abi.md): init writes the _INIT macro's defaults of each and nothing past it, add_trial
 * takes each from a buffer of exactly its size (a version-1 one followed by a pattern that would
 * read as intermediate values adds none), and refuses versions it does not know. */
static void test_trial_result(void **state)
{
    (void)state;
    assert_int_equal(GPBO_TRIAL_RESULT_VERSION, 2);
    const size_t size[3] = {0, sizeof(trial_result_v1), sizeof(gpbo_trial_result)};
    if (sizeof(void *) == 8) {
        assert_int_equal(size[1], 48);
        assert_int_equal(size[2], 96);
    }
    init_refuses(init_result, GPBO_TRIAL_RESULT_VERSION, size[1]);
    gpbo_trial_result def = GPBO_TRIAL_RESULT_INIT;
    gpbo_space *sp = gpbo_space_new();
    assert_int_equal(gpbo_space_add_float(sp, "x", 0, 1, 0), GPBO_OK);
    gpbo_study_options o = GPBO_STUDY_OPTIONS_INIT;
    o.strategy = "random";
    gpbo_study *s = gpbo_study_open(NULL, "abi", sp, &o);
    assert_non_null(s);
    for (unsigned int ver = 1; ver <= GPBO_TRIAL_RESULT_VERSION; ver++) {
        gpbo_trial_result *p = init_exact(init_result, ver, size[ver]);
        assert_int_equal(p->state, def.state);
        assert_true(p->values == NULL && p->reason == NULL && p->n_metrics == 0 &&
                    p->metric_names == NULL && p->metric_values == NULL);
        if (ver >= 2)
            assert_true(p->n_steps == 0 && p->steps == NULL && p->step_values == NULL &&
                        p->n_user_attrs == 0 && p->user_attr_keys == NULL &&
                        p->user_attr_values == NULL);
        double x = 0.25 * ver, v = 2.385;
        p->values = &v;
        size_t id = 0;
        assert_int_equal(gpbo_study_add_trial(s, &x, p, SIZE_MAX, &id), GPBO_OK);
        gpbo_trial_info t;
        assert_int_equal(gpbo_study_trial(s, id, &t), GPBO_OK);
        assert_true(t.state == GPBO_TRIAL_COMPLETE && t.value == v && t.nsteps == 0);
        for (int k = 0; k < 2; k++) {
            char msg[64];
            set_bad_version(p, GPBO_TRIAL_RESULT_VERSION, k, "result", msg);
            gpbo_error_clear();
            assert_int_equal(gpbo_study_add_trial(s, &x, p, SIZE_MAX, NULL), GPBO_EINVAL);
            EXPECT_MSG(msg);
        }
        free(p);
    }
    /* version 1 followed by a pattern: the pattern is not read as steps or attributes */
    unsigned char *g = malloc(size[2]);
    assert_non_null(g);
    memset(g, PATTERN, size[2]);
    assert_int_equal(gpbo_trial_result_init((gpbo_trial_result *)g, 1), GPBO_OK);
    double x = 0.9, v = 1.5;
    ((trial_result_v1 *)g)->values = &v;
    size_t id = 0;
    assert_int_equal(gpbo_study_add_trial(s, &x, (gpbo_trial_result *)g, SIZE_MAX, &id), GPBO_OK);
    gpbo_trial_info t;
    const char *attrs = "";
    assert_int_equal(gpbo_study_trial(s, id, &t), GPBO_OK);
    assert_int_equal(gpbo_study_trial_user_attrs(s, id, &attrs), GPBO_OK);
    assert_true(t.nsteps == 0 && attrs == NULL);
    free(g);
    assert_int_equal(gpbo_study_ntrials(s), 3);
    gpbo_study_close(s);
    gpbo_space_free(sp);
}

static void test_study_options(void **state)
{
    (void)state;
    const size_t size[7] = {0,
                            sizeof(study_options_v1),
                            sizeof(study_options_v2),
                            sizeof(study_options_v3),
                            sizeof(study_options_v4),
                            sizeof(study_options_v5),
                            sizeof(gpbo_study_options)};
    assert_int_equal(GPBO_STUDY_OPTIONS_VERSION, 6);
    init_refuses(init_study, GPBO_STUDY_OPTIONS_VERSION, sizeof(study_options_v1));
    gpbo_study_options def = GPBO_STUDY_OPTIONS_INIT;
    for (unsigned int v = 1; v <= GPBO_STUDY_OPTIONS_VERSION; v++) {
        /* Exactly the version's size. */
        void *p = init_exact(init_study, v, size[v]);
        def.version = v;
        {
            const study_options_v1 *old = p;
            STUDY_V1(SAME_DEFAULT)
            assert_string_equal(old->strategy, "bayes");
        }
        if (v >= 2) {
            const study_options_v2 *old = p;
            STUDY_V2(SAME_DEFAULT)
            ((study_options_v2 *)p)->additive = 0;
        }
        if (v >= 3) {
            assert_int_equal(((gpbo_study_options *)p)->restart, def.restart);
            ((gpbo_study_options *)p)->restart = 5;
        }
        if (v >= 4) {
            const gpbo_study_options *o = p;
            assert_true(o->heartbeat == 10 && o->grace == 60 && o->lost_retries == 3);
        }
        if (v >= 5) {
            const gpbo_study_options *o = p;
            assert_true(o->n_constraints == 0 && o->constraints == NULL);
        }
        if (v >= 6) {
            const gpbo_study_options *o = p;
            assert_true(o->n_objectives == 0 && o->objective_names == NULL &&
                        o->objective_directions == NULL && o->mo_acquisition == GPBO_MO_EHVI);
        }
        ((study_options_v1 *)p)->strategy = "random";
        ((study_options_v1 *)p)->n_init = 7;
        study_run(p, v >= 2 ? 0 : def.additive, v >= 3 ? 5 : def.restart);

        /* The same struct in front of the guard pattern: the fields after it must be the
         * defaults, not the pattern (additive 0xA5A5A5A5, restart 0xA5A5...). */
        unsigned char *g = malloc(size[v] + GUARD);
        assert_non_null(g);
        memset(g, PATTERN, size[v] + GUARD);
        memcpy(g, p, size[v]);
        study_run(g, v >= 2 ? 0 : def.additive, v >= 3 ? 5 : def.restart);
        free(g);

        for (int k = 0; k < 2; k++) {
            char msg[64];
            set_bad_version(p, GPBO_STUDY_OPTIONS_VERSION, k, "options", msg);
            gpbo_space *sp = gpbo_space_new();
            assert_int_equal(gpbo_space_add_float(sp, "x", -1.0, 2.0, 0), GPBO_OK);
            gpbo_error_clear();
            assert_null(gpbo_study_open(NULL, "abi", sp, p));
            EXPECT_MSG(msg);
            gpbo_space_free(sp);
        }
        free(p);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* pruner: gpbo_pruner_new                                                                     */

static void test_pruner_options(void **state)
{
    (void)state;
    assert_int_equal(GPBO_PRUNER_OPTIONS_VERSION, 1);
    assert_int_equal(sizeof(pruner_options_v1), sizeof(gpbo_pruner_options));
    init_refuses(init_pruner, GPBO_PRUNER_OPTIONS_VERSION, sizeof(pruner_options_v1));
    gpbo_pruner_options def = GPBO_PRUNER_OPTIONS_INIT;
    void *p = init_exact(init_pruner, 1, sizeof(pruner_options_v1));
    const pruner_options_v1 *old = p;
    PRUNER_V1(SAME_DEFAULT)
    /* Median rule from the first completed trial on: trial 2 is worse than trial 1 was at
     * step 1, so it is pruned. */
    ((pruner_options_v1 *)p)->startup_trials = 1;
    gpbo_pruner *pr = gpbo_pruner_new(p);
    assert_non_null(pr);
    int prune = -1;
    assert_int_equal(gpbo_pruner_report(pr, 1, 1, 0.25, &prune), GPBO_OK);
    assert_int_equal(prune, 0);
    assert_int_equal(gpbo_pruner_finish(pr, 1, GPBO_PRUNER_COMPLETE), GPBO_OK);
    assert_int_equal(gpbo_pruner_report(pr, 2, 1, 0.75, &prune), GPBO_OK);
    assert_int_equal(prune, 1);
    gpbo_pruner_free(pr);
    for (int k = 0; k < 2; k++) {
        char msg[64];
        set_bad_version(p, GPBO_PRUNER_OPTIONS_VERSION, k, "options", msg);
        gpbo_error_clear();
        assert_null(gpbo_pruner_new(p));
        EXPECT_MSG(msg);
    }
    free(p);
}

/* ------------------------------------------------------------------------------------------ */
/* trainer: gpbo_trainer_run                                                                   */

/* A run of config p (any version, in a buffer of exactly its size, so that a read past it is
 * ASan's to see), and a bad version refused, named. */
static void trainer_run_versions(void *p)
{
    trainer_config_v1 *c = p;
    c->model = "mlp:4";
    c->batch_size = 4;
    c->epochs = 2;
    float x[16 * 3];
    int32_t y[16];
    for (size_t i = 0; i < 16; i++) {
        y[i] = (int32_t)(i % 2);
        for (size_t j = 0; j < 3; j++)
            x[3 * i + j] = (float)(0.1 * (double)j + (y[i] ? 0.6 : -0.4));
    }
    gpbo_dataset ds = {
        .n = 16, .features = 3, .classes = 2, .channels = 1, .rows = 1, .cols = 3, .x = x, .y = y};
    gpbo_trainer_result r;
    assert_int_equal(gpbo_trainer_run(p, &ds, &ds, NULL, &r), GPBO_OK);
    assert_int_equal(r.epochs, 2);
    for (int k = 0; k < 2; k++) {
        char msg[64];
        set_bad_version(p, GPBO_TRAINER_CONFIG_VERSION, k, "config", msg);
        gpbo_error_clear();
        assert_int_equal(gpbo_trainer_run(p, &ds, &ds, NULL, &r), GPBO_EINVAL);
        EXPECT_MSG(msg);
    }
}

static void test_trainer_config(void **state)
{
    (void)state;
    const size_t size[3] = {0, sizeof(trainer_config_v1), sizeof(gpbo_trainer_config)};
    assert_int_equal(GPBO_TRAINER_CONFIG_VERSION, 2);
    assert_int_equal(sizeof(trainer_config_v2), sizeof(gpbo_trainer_config));
    init_refuses(init_trainer, GPBO_TRAINER_CONFIG_VERSION, sizeof(trainer_config_v1));
    gpbo_trainer_config def = GPBO_TRAINER_CONFIG_INIT;
    for (unsigned int v = 1; v <= GPBO_TRAINER_CONFIG_VERSION; v++) {
        void *p = init_exact(init_trainer, v, size[v]);
        const trainer_config_v1 *old = p;
        def.version = v;
        TRAINER_V1(SAME_DEFAULT)
        assert_string_equal(old->model, "mlp:256-128");
        if (v >= 2)
            assert_int_equal(((gpbo_trainer_config *)p)->monitor, def.monitor);
        trainer_run_versions(p);
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_options),    cmocka_unit_test(test_acq_options),
        cmocka_unit_test(test_study_options),  cmocka_unit_test(test_pruner_options),
        cmocka_unit_test(test_trainer_config), cmocka_unit_test(test_trial_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
