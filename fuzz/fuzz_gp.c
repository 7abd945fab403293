/*
 * fuzz_gp.c: libFuzzer harness for a saved Gaussian-process model (gp/io.c's
 * gpbo_gp_from_string, what gpbo_gp_load reads from a file). The input is the model's text.
 * Promises checked: a text that does not load says why (an error code and a message); a model
 * that loads predicts at a point with a variance that is not negative, and saved again and
 * loaded back it predicts the same mean and variance to the bit (gp.h: doubles are written with
 * 17 significant digits). Anything else — a sanitizer report, abort — is a bug.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size) != NULL)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        broken("input", "out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    gpbo_gp *gp = gpbo_gp_from_string(text);
    free(text);
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
        if (v1 < 0)
            broken("predict", "a negative variance");
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
    return 0;
}
