/*
 * io.c: saving and loading a model as JSON (jansson). The document holds the format name and
 * version, the kernel name, dim, the standardization flag, the log hyperparameters and the data;
 * loading refactorizes, which repeats the saved model's computation (same jitter path), so a
 * model built with gpbo_gp_set_data() predicts bit for bit as before. Doubles are written with
 * 17 significant digits so that they read back exactly.
 *
 * Format versions: 1 is the model without known noise variances; 2 adds "noise", the n known
 * variances of the observations (units of y^2). A model without them (every variance 0) is still
 * written as version 1, so that older gpbo reads it; one with them is written as version 2, which
 * an older gpbo refuses (naming the version) instead of loading another model without them.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/json_safe.h"
#include "gp_internal.h"
#include "gpbo/sys/error.h"

#define FORMAT_NAME "gpbo-gp"
/* The newest format this gpbo writes and reads; FORMAT_VERSION_PLAIN is written for a model
 * without known noise variances. */
#define FORMAT_VERSION       2
#define FORMAT_VERSION_PLAIN 1

static json_t *real_array(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        if (json_array_append_new(a, json_real(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

char *gpbo_gp_to_string(const gpbo_gp *gp)
{
    if (gp == NULL) {
        gpbo_error_set(GPBO_EINVAL, "gp_to_string: gp is NULL");
        return NULL;
    }
    const gpbo_kernel_def *named = gpbo_kernel_by_name(gp->kern->name);
    if (named != NULL && named != gp->kern && named->eval != gp->kern->eval) {
        /* loading takes the name for the built-in kernel: the file would be another model */
        gpbo_error_set(GPBO_EINVAL,
                       "gp_to_string: the model's custom kernel is named \"%s\", a built-in "
                       "kernel's name, and would load as the built-in one: give it another name",
                       gp->kern->name);
        return NULL;
    }
    size_t n = gp->n, d = gp->dim;
    int noisy = gpbo_gp__has_obs_noise(gp);
    json_t *root = json_object();
    json_t *xs = json_array();
    int bad = root == NULL || xs == NULL;
    for (size_t i = 0; !bad && i < n; i++)
        bad = json_array_append_new(xs, real_array(gp->x + i * d, d)) != 0;
    if (!bad)
        bad = json_object_set_new(root, "format", json_string(FORMAT_NAME)) ||
              json_object_set_new(root, "version",
                                  json_integer(noisy ? FORMAT_VERSION : FORMAT_VERSION_PLAIN)) ||
              json_object_set_new(root, "kernel", json_string(gp->kern->name)) ||
              json_object_set_new(root, "dim", json_integer((json_int_t)d)) ||
              json_object_set_new(root, "normalize", json_boolean(gp->normalize)) ||
              json_object_set_new(root, "additive", json_boolean(gp->additive)) ||
              json_object_set_new(root, "params", real_array(gp->theta, d + 2)) ||
              json_object_set_new(root, "n", json_integer((json_int_t)n)) ||
              json_object_set(root, "x", xs) ||
              json_object_set_new(root, "y", real_array(gp->y, n)) ||
              (noisy && json_object_set_new(root, "noise", real_array(gp->nv, n)));
    char *s = bad ? NULL : gpbo_json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(xs);
    json_decref(root);
    if (s == NULL)
        gpbo_error_set(GPBO_ENOMEM, "gp_to_string: out of memory");
    return s;
}

void gpbo_gp_string_free(char *s)
{
    gpbo_free(s);
}

/* n numbers from the array a into out; field names a in messages, quoted as in the document
 * ("\"params\"", "\"x\"[3]"). */
static int check_length(json_t *a, size_t n, const char *field)
{
    if (!json_is_array(a) || json_array_size(a) != n)
        return gpbo_error_set(GPBO_EFORMAT, "gp model: %s must be an array of %zu numbers", field,
                              n);
    return GPBO_OK;
}

static int read_reals(json_t *a, size_t n, double *out, const char *field)
{
    int rc = check_length(a, n, field);
    if (rc != GPBO_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_number(v))
            return gpbo_error_set(GPBO_EFORMAT, "gp model: %s[%zu] is not a number", field, i);
        out[i] = json_number_value(v);
    }
    return GPBO_OK;
}

static gpbo_gp *from_json(json_t *root)
{
    json_t *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "version");
    json_t *kern = json_object_get(root, "kernel"), *dim = json_object_get(root, "dim");
    json_t *norm = json_object_get(root, "normalize"), *n_ = json_object_get(root, "n");
    json_t *xs = json_object_get(root, "x"), *add = json_object_get(root, "additive");
    json_t *noise = json_object_get(root, "noise"); /* version 2, optional */
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), FORMAT_NAME) != 0) {
        gpbo_error_set(GPBO_EFORMAT, "gp model: \"format\" is not \"%s\"", FORMAT_NAME);
        return NULL;
    }
    if (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
        json_integer_value(ver) > FORMAT_VERSION) {
        /* the version found is named: a later gpbo's file says so, not only what is expected */
        if (json_is_integer(ver))
            gpbo_error_set(GPBO_EFORMAT, "gp model: \"version\" is %lld%s: it must be 1 to %d",
                           (long long)json_integer_value(ver),
                           json_integer_value(ver) > FORMAT_VERSION
                               ? " (written by a newer gpbo, whose format this one cannot read)"
                               : "",
                           FORMAT_VERSION);
        else
            gpbo_error_set(GPBO_EFORMAT, "gp model: \"version\" must be 1 to %d (an integer)",
                           FORMAT_VERSION);
        return NULL;
    }
    const gpbo_kernel_def *def =
        json_is_string(kern) ? gpbo_kernel_by_name(json_string_value(kern)) : NULL;
    if (def == NULL) {
        char list[GPBO_GP__KERNEL_LIST_CAP];
        gpbo_error_set(GPBO_EFORMAT, "gp model: \"kernel\" is not a built-in kernel name (%s)",
                       gpbo_gp__kernel_list(list, sizeof list));
        return NULL;
    }
    /* No upper bound: "params" must hold dim + 2 numbers, checked before any memory is taken for
     * them (a bound of a million refused to load what gpbo_gp_save wrote of a wider model, and
     * said that its "dim" was not a positive integer). */
    if (!json_is_integer(dim) || json_integer_value(dim) < 1) {
        gpbo_error_set(GPBO_EFORMAT, "gp model: \"dim\" must be a positive integer");
        return NULL;
    }
    if (!json_is_boolean(norm)) {
        gpbo_error_set(GPBO_EFORMAT, "gp model: \"normalize\" must be true or false");
        return NULL;
    }
    if (add != NULL && !json_is_boolean(add)) {
        gpbo_error_set(GPBO_EFORMAT, "gp model: \"additive\" must be true or false");
        return NULL;
    }
    if (!json_is_integer(n_) || json_integer_value(n_) < 0 || !json_is_array(xs) ||
        json_array_size(xs) != (size_t)json_integer_value(n_)) {
        gpbo_error_set(GPBO_EFORMAT, "gp model: \"n\" must be the number of rows of \"x\"");
        return NULL;
    }
    size_t d = (size_t)json_integer_value(dim), n = (size_t)json_integer_value(n_);
    /* The arrays' lengths before the n * dim buffer is allocated: a wrong "dim" in a small
     * document (a million, with rows of two numbers) asked for terabytes and was reported as
     * out of memory instead of naming the field. */
    char field[32];
    int rc = check_length(json_object_get(root, "params"), d + 2, "\"params\"");
    for (size_t i = 0; rc == GPBO_OK && i < n; i++) {
        snprintf(field, sizeof field, "\"x\"[%zu]", i);
        rc = check_length(json_array_get(xs, i), d, field);
    }
    if (rc == GPBO_OK)
        rc = check_length(json_object_get(root, "y"), n, "\"y\"");
    if (rc == GPBO_OK && noise != NULL)
        rc = check_length(noise, n, "\"noise\"");
    if (rc != GPBO_OK)
        return NULL;
    gpbo_gp *gp = gpbo_gp_new_with_kernel(def, d);
    double *buf = malloc((n * d + 2 * n + d + 2 + 1) * sizeof *buf);
    if (gp == NULL || buf == NULL) {
        gpbo_gp_free(gp);
        free(buf);
        gpbo_error_set(GPBO_ENOMEM, "gp model: out of memory");
        return NULL;
    }
    double *x = buf, *y = buf + n * d, *var = y + n, *theta = var + n;
    rc = read_reals(json_object_get(root, "params"), d + 2, theta, "\"params\"");
    for (size_t i = 0; rc == GPBO_OK && i < d + 2; i++)
        if (fabs(theta[i]) > GPBO_GP__LOG_PARAM_MAX)
            rc = gpbo_error_set(GPBO_EFORMAT,
                                "gp model: \"params\"[%zu] (log %s) is %g, outside "
                                "[-%g, %g]",
                                i,
                                i < d    ? "lengthscale"
                                : i == d ? "signal variance"
                                         : "noise variance",
                                theta[i], GPBO_GP__LOG_PARAM_MAX, GPBO_GP__LOG_PARAM_MAX);
    for (size_t i = 0; rc == GPBO_OK && i < n; i++) {
        snprintf(field, sizeof field, "\"x\"[%zu]", i);
        rc = read_reals(json_array_get(xs, i), d, x + i * d, field);
    }
    if (rc == GPBO_OK)
        rc = read_reals(json_object_get(root, "y"), n, y, "\"y\"");
    if (rc == GPBO_OK && noise != NULL)
        rc = read_reals(noise, n, var, "\"noise\"");
    for (size_t i = 0; rc == GPBO_OK && noise != NULL && i < n; i++)
        if (!(var[i] >= 0.0))
            rc = gpbo_error_set(GPBO_EFORMAT,
                                "gp model: \"noise\"[%zu] is %g: a noise variance is >= 0", i,
                                var[i]);
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_normalize(gp, json_is_true(norm));
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_params(gp, theta);
    if (rc == GPBO_OK)
        rc = gpbo_gp_set_additive(gp, json_is_true(add));
    if (rc == GPBO_OK &&
        (rc = gpbo_gp_set_data_noise(gp, n, x, y, noise != NULL ? var : NULL)) == GPBO_EINVAL)
        /* numbers the model cannot take (a "y" too spread to standardize) are the document's
         * fault: a format error, the model's reason kept */
        rc = gpbo_error_set(GPBO_EFORMAT, "gp model: \"x\" / \"y\"%s: %s",
                            noise != NULL ? " / \"noise\"" : "", gpbo_error_message());
    free(buf);
    if (rc != GPBO_OK) {
        gpbo_gp_free(gp);
        return NULL;
    }
    return gp;
}

/* The model a parsed document describes; the document is released. NULL with the error set
 * (GPBO_EFORMAT naming what is wrong, GPBO_ENOMEM). */
static gpbo_gp *from_root(json_t *root)
{
    gpbo_gp *gp = NULL;
    if (!json_is_object(root))
        gpbo_error_set(GPBO_EFORMAT, "gp model: the document is not a JSON object");
    else
        gp = from_json(root);
    json_decref(root);
    return gp;
}

gpbo_gp *gpbo_gp_from_string(const char *json)
{
    if (json == NULL) {
        gpbo_error_set(GPBO_EINVAL, "gp_from_string: json is NULL");
        return NULL;
    }
    json_error_t err;
    int code;
    json_t *root = gpbo_json_parse(json_loads, json, &err, &code);
    if (root == NULL) {
        if (code == GPBO_ENOMEM)
            gpbo_error_set(code, "gp model: out of memory while parsing");
        else
            gpbo_error_set(code, "gp model: line %d, column %d: %s", err.line, err.column,
                           err.text);
        return NULL;
    }
    return from_root(root);
}

/* Opens a new file tmp for writing, never through what is already there: a stale file of
 * that name (or a symbolic link planted at it, which fopen(tmp, "w") followed, writing the model
 * into the link's target) is removed and the file made afresh (O_EXCL). It gets the mode of the
 * file at path when there is one (a private model saved with mode 0600 stays 0600: the renamed
 * file used to get the default 0644), else the default. -1 with errno on failure. */
static int open_tmp(const char *tmp, const char *path)
{
    struct stat st;
    int keep = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 && keep && fchmod(fd, st.st_mode & 07777) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    return fd;
}

/* Writes len bytes of s to fd (restarting after signals); 0, or -1 with errno. */
static int write_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Writes the model text s and its newline to fd and closes it: 0, or the errno of the first
 * failure (fd is closed either way). */
static int write_close(int fd, const char *s)
{
    int e =
        write_all(fd, s, strlen(s)) != 0 || write_all(fd, "\n", 1) != 0 ? (errno ? errno : EIO) : 0;
    if (close(fd) != 0 && e == 0)
        e = errno;
    return e;
}

/* Writes the model text s (freed here) into path, which is a FIFO, a device or the like
 * (/dev/stdout): written into, not replaced (renaming a file over it replaced a FIFO, whose
 * reader then waited for ever, and as root the link /dev/stdout itself). */
static int save_to_stream(char *s, const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int e = fd < 0 ? errno : write_close(fd, s);
    free(s);
    if (e != 0)
        return gpbo_error_set(e == ENOMEM ? GPBO_ENOMEM : GPBO_EIO, "gp_save: cannot write %s: %s",
                              path, strerror(e));
    return GPBO_OK;
}

int gpbo_gp_save(const gpbo_gp *gp, const char *path)
{
    if (path == NULL)
        return gpbo_error_set(GPBO_EINVAL, "gp_save: path is NULL");
    char *s = gpbo_gp_to_string(gp);
    if (s == NULL)
        return gpbo_error_code();
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return save_to_stream(s, path);
    /* Written beside the file and renamed over it, so that a failed write (a full disk) leaves
     * the model saved there before intact. The name is the process's and the thread's own: a
     * const model may be saved from several threads at once. */
    size_t cap = strlen(path) + 64;
    char *tmp = malloc(cap);
    if (tmp == NULL) {
        free(s);
        return gpbo_error_set(GPBO_ENOMEM, "gp_save: out of memory");
    }
    snprintf(tmp, cap, "%s.tmp%ld.%lx", path, (long)getpid(), (unsigned long)pthread_self());
    int fd = open_tmp(tmp, path);
    if (fd < 0) {
        int e = errno;
        free(s);
        free(tmp);
        return gpbo_error_set(e == ENOMEM ? GPBO_ENOMEM : GPBO_EIO, "gp_save: cannot open %s: %s",
                              path, strerror(e));
    }
    int e = write_close(fd, s);
    free(s);
    if (e == 0 && rename(tmp, path) != 0)
        e = errno;
    if (e != 0) {
        unlink(tmp);
        free(tmp);
        return gpbo_error_set(GPBO_EIO, "gp_save: cannot write %s: %s", path, strerror(e));
    }
    free(tmp);
    return GPBO_OK;
}

/* The file at path, read once into a NUL-terminated buffer: the document is then parsed from
 * memory (twice, gpbo_json_parse). Parsing the file itself twice read it twice, which a pipe or a
 * FIFO cannot do: the second read of a pipe found nothing (reported as out of memory) and that of
 * a FIFO waited for a writer that never came. Reading stops early where the text cannot be a
 * model, so that a wrong file (a large data file, /dev/zero) is not read to its end or to the end
 * of memory: at a NUL byte, which no JSON text holds (*nul is then set), and after the first
 * chunk when its first non-blank character opens no JSON text (the parse then fails at that
 * character, as on the whole file). NULL with the error set (GPBO_EIO naming the path and the
 * reason, GPBO_ENOMEM). */
static char *read_file(const char *path, int *nul)
{
    *nul = 0;
    size_t blank = 0; /* the leading blanks read so far */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        gpbo_error_set(e == ENOMEM ? GPBO_ENOMEM : GPBO_EIO, "gp_load: cannot open %s: %s", path,
                       strerror(e));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int e = buf == NULL ? ENOMEM : 0;
    while (e == 0) {
        if (cap - len < 2) {
            char *p = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (p == NULL) {
                e = ENOMEM;
                break;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            e = errno;
        if (r <= 0)
            break;
        if (memchr(buf + len, '\0', (size_t)r) != NULL) {
            *nul = 1;
            len += (size_t)r;
            break;
        }
        len += (size_t)r;
        while (blank < len && strchr(" \t\r\n", buf[blank]) != NULL)
            blank++;
        if (blank < len && buf[blank] != '{' && buf[blank] != '[')
            break;
    }
    close(fd);
    if (e != 0) {
        free(buf);
        if (e == ENOMEM)
            gpbo_error_set(GPBO_ENOMEM, "gp_load: %s: out of memory while reading", path);
        else
            gpbo_error_set(GPBO_EIO, "gp_load: cannot read %s: %s", path, strerror(e));
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* The line and column (from 1, in bytes) of the first NUL byte of buf, which holds one. */
static void nul_position(const char *buf, int *line, int *column)
{
    *line = 1;
    *column = 1;
    for (const char *p = buf; *p != '\0'; p++) {
        if (*p == '\n') {
            ++*line;
            *column = 1;
        } else {
            ++*column;
        }
    }
}

gpbo_gp *gpbo_gp_load(const char *path)
{
    if (path == NULL) {
        gpbo_error_set(GPBO_EINVAL, "gp_load: path is NULL");
        return NULL;
    }
    int nul;
    char *text = read_file(path, &nul);
    if (text == NULL)
        return NULL;
    if (nul) {
        int line, column;
        nul_position(text, &line, &column);
        free(text);
        gpbo_error_set(GPBO_EFORMAT, "gp_load: %s: line %d, column %d: a NUL byte (not JSON text)",
                       path, line, column);
        return NULL;
    }
    json_error_t err;
    int code;
    json_t *root = gpbo_json_parse(json_loads, text, &err, &code);
    free(text);
    if (root == NULL) {
        if (code == GPBO_ENOMEM)
            gpbo_error_set(code, "gp_load: %s: out of memory while reading", path);
        else
            gpbo_error_set(code, "gp_load: %s: line %d, column %d: %s", path, err.line, err.column,
                           err.text);
        return NULL;
    }
    gpbo_gp *gp = from_root(root);
    if (gp == NULL)
        gpbo_error_prefix("gp_load: %s: ", path);
    return gp;
}
