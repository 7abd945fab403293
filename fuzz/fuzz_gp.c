/*
 * fuzz_gp.c: libFuzzer harness for a saved Gaussian-process model (gp/io.c's
 * gpbo_gp_from_string, what gpbo_gp_load reads from a file). The input is the model's text.
 * Promises checked: a text that does not load says why (an error code and a message); a model
 * that loads predicts at a point a finite mean and a variance that is finite and not negative
 * (a NaN in K passed unnoticed: fuzz/corpus/gp/scaled-input-overflow), and saved again and
 * loaded back it predicts the same mean and variance to the bit (gp.h: doubles are written with
 * 17 significant digits). The same bytes read from a file by gpbo_gp_load (an in-memory file,
 * NUL bytes included) load exactly when the text loads and predict the same, and a failure names
 * the file. Anything else — a sanitizer report, abort — is a bug.
 */
#define _GNU_SOURCE /* memfd_create */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gpbo/error.h"
#include "gpbo/gp.h"

#define FUZZ_HARNESS "fuzz_gp"
#include "fuzz_util.h"

/* Mean and variance at the point whose coordinates are all 0.37 (x: dim values). */
static int predict_at(const gpbo_gp *gp, double *x, double *mean, double *var)
{
    for (size_t j = 0; j < gpbo_gp_dim(gp); j++)
        x[j] = 0.37;
    return gpbo_gp_predict(gp, 1, x, mean, var);
}

static void same_bits(double a, double b, const char *what)
{
    if (memcmp(&a, &b, sizeof a) != 0 && !(isnan(a) && isnan(b)))
        broken(what, "differs after a save and a load");
}

/* The input as a file (an in-memory one, /proc/self/fd/N) through gpbo_gp_load; NULL when it does
 * not load, with a message that names the file. */
static gpbo_gp *load_as_file(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_gp", MFD_CLOEXEC);
    if (fd < 0)
        broken("memfd_create", "failed");
    if (size > 0 && write(fd, data, size) != (ssize_t)size)
        broken("memfd write", "short");
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    gpbo_gp *gp = gpbo_gp_load(path);
    if (gp == NULL) {
        const char *m = gpbo_error_message();
        if (gpbo_error_code() == GPBO_OK || m == NULL || strstr(m, path) == NULL)
            broken("gp_load failed without an error naming the file", m);
    }
    close(fd);
    return gp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gpbo_gp *from_file = load_as_file(data, size);
    if (memchr(data, '\0', size) != NULL) {
        if (from_file != NULL)
            broken("gp_load", "a file holding a NUL byte loaded");
        return 0;
    }
    char *text = input_text(data, size);
    gpbo_gp *gp = gpbo_gp_from_string(text);
    free(text);
    if ((gp == NULL) != (from_file == NULL))
        broken("gp_load",
               gp ? "the file does not load, the text does" : "the file loads, the text does not");
    if (gp == NULL) {
        const char *m = gpbo_error_message();
        if (gpbo_error_code() == GPBO_OK || m == NULL || m[0] == '\0')
            broken("from_string", "failed without an error");
        return 0;
    }
    double *x = malloc(gpbo_gp_dim(gp) * sizeof *x), m1, v1, m2, v2;
    if (x == NULL)
        broken("predict", "out of memory");
    if (predict_at(gp, x, &m1, &v1) == GPBO_OK) {
        if (predict_at(from_file, x, &m2, &v2) != GPBO_OK)
            broken("a model loaded from a file does not predict", gpbo_error_message());
        same_bits(m1, m2, "the mean (loaded from a file)");
        same_bits(v1, v2, "the variance (loaded from a file)");
        if (v1 < 0)
            broken("predict", "a negative variance");
        if (!isfinite(m1) || !isfinite(v1))
            broken("predict", "a mean or variance that is not finite");
        char *again = gpbo_gp_to_string(gp);
        if (again == NULL)
            broken("to_string", gpbo_error_message());
        gpbo_gp *back = gpbo_gp_from_string(again);
        if (back == NULL)
            broken("a saved model does not load", gpbo_error_message());
        if (predict_at(back, x, &m2, &v2) != GPBO_OK)
            broken("a loaded model does not predict", gpbo_error_message());
        same_bits(m1, m2, "the mean");
        same_bits(v1, v2, "the variance");
        gpbo_gp_free(back);
        gpbo_free(again);
    }
    free(x);
    gpbo_gp_free(gp);
    gpbo_gp_free(from_file);
    return 0;
}
