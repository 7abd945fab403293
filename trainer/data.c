/*
 * data.c: datasets — IDX (MNIST / Fashion-MNIST) and CSV readers, seeded splits and subsets,
 * normalization. Bad files give GPBO_EFORMAT with the file and what is wrong, never a crash.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gpbo/rng.h"
#include "gpbo/sys/error.h"
#include "gpbo/trainer.h"

static gpbo_dataset *ds_alloc(size_t n, size_t features)
{
    gpbo_dataset *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->n = n;
    d->features = features;
    d->channels = 1;
    d->rows = 1;
    d->cols = features;
    d->x = malloc((n * features != 0 ? n * features : 1) * sizeof *d->x);
    d->y = malloc((n ? n : 1) * sizeof *d->y);
    if (d->x == NULL || d->y == NULL) {
        gpbo_dataset_free(d);
        return NULL;
    }
    return d;
}

void gpbo_dataset_free(gpbo_dataset *ds)
{
    if (ds != NULL) {
        free(ds->x);
        free(ds->y);
        free(ds);
    }
}

/* Reads exactly len bytes, or fails naming what was being read. */
static int read_exact(gzFile f, const char *path, void *buf, size_t len, const char *what)
{
    unsigned char *p = buf;
    while (len > 0) {
        unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
        int got = gzread(f, p, chunk);
        if (got < 0) {
            int e;
            const char *m = gzerror(f, &e);
            return gpbo_error_set(GPBO_EFORMAT, "%s: reading %s: %s", path, what, m);
        }
        if (got == 0)
            return gpbo_error_set(GPBO_EFORMAT, "%s: truncated while reading %s", path, what);
        p += got;
        len -= (size_t)got;
    }
    return GPBO_OK;
}

static uint32_t be32(const unsigned char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Opens an IDX file and reads its header: type 0x08 (unsigned byte) and ndims dimensions. */
static int idx_header(const char *path, int ndims, gzFile *out, uint32_t dims[3])
{
    gzFile f = gzopen(path, "rb");
    if (f == NULL)
        return gpbo_error_set(GPBO_EIO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char h[16];
    int rc = read_exact(f, path, h, 4, "the magic number");
    if (rc == GPBO_OK && (h[0] != 0 || h[1] != 0 || h[2] != 0x08 || h[3] != ndims))
        rc = gpbo_error_set(GPBO_EFORMAT,
                            "%s: bad magic number %02x%02x%02x%02x (expected 000008%02x: %s)", path,
                            h[0], h[1], h[2], h[3], ndims,
                            ndims == 3 ? "IDX unsigned-byte images" : "IDX unsigned-byte labels");
    if (rc == GPBO_OK)
        rc = read_exact(f, path, h + 4, 4 * (size_t)ndims, "the dimensions");
    if (rc != GPBO_OK) {
        gzclose(f);
        return rc;
    }
    for (int k = 0; k < ndims; k++)
        dims[k] = be32(h + 4 + 4 * k);
    *out = f;
    return GPBO_OK;
}

gpbo_dataset *gpbo_dataset_load_idx(const char *images, const char *labels, size_t limit)
{
    if (images == NULL || labels == NULL) {
        gpbo_error_set(GPBO_EINVAL, "dataset_load_idx: a path is NULL");
        return NULL;
    }
    gzFile fi = NULL, fl = NULL;
    uint32_t di[3] = {0}, dl[3] = {0};
    gpbo_dataset *d = NULL;
    unsigned char *buf = NULL;
    if (idx_header(images, 3, &fi, di) != GPBO_OK || idx_header(labels, 1, &fl, dl) != GPBO_OK)
        goto fail;
    if (di[0] != dl[0]) {
        gpbo_error_set(GPBO_EFORMAT, "%s holds %u images but %s holds %u labels", images, di[0],
                       labels, dl[0]);
        goto fail;
    }
    if (di[1] == 0 || di[2] == 0 || di[1] > 4096 || di[2] > 4096) {
        gpbo_error_set(GPBO_EFORMAT, "%s: image size %ux%u is not plausible", images, di[1], di[2]);
        goto fail;
    }
    size_t n = di[0], f = (size_t)di[1] * di[2];
    if (limit > 0 && limit < n)
        n = limit;
    if ((d = ds_alloc(n, f)) == NULL || (buf = malloc(n * f + 1)) == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "dataset_load_idx: out of memory for %zu images", n);
        goto fail;
    }
    d->rows = di[1];
    d->cols = di[2];
    if (read_exact(fi, images, buf, n * f, "the pixels") != GPBO_OK)
        goto fail;
    for (size_t i = 0; i < n * f; i++)
        d->x[i] = (float)buf[i] / 255.0f;
    if (read_exact(fl, labels, buf, n, "the labels") != GPBO_OK)
        goto fail;
    size_t classes = 0;
    for (size_t i = 0; i < n; i++) {
        d->y[i] = buf[i];
        if ((size_t)buf[i] + 1 > classes)
            classes = (size_t)buf[i] + 1;
    }
    d->classes = classes < 2 ? 2 : classes;
    free(buf);
    gzclose(fi);
    gzclose(fl);
    return d;
fail:
    free(buf);
    gpbo_dataset_free(d);
    if (fi)
        gzclose(fi);
    if (fl)
        gzclose(fl);
    return NULL;
}

/* Splits a line into fields at commas, in place. Returns the count (at most cap). */
static size_t fields(char *line, char **out, size_t cap)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n < cap)
            out[n] = p;
        n++;
        char *c = strchr(p, ',');
        if (c == NULL)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int parse_num(const char *s, double *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE)
        return -1;
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    if (*end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

gpbo_dataset *gpbo_dataset_load_csv(const char *path, size_t label_col)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f == NULL) {
        gpbo_error_set(GPBO_EIO, "%s: cannot open: %s", path ? path : "(null)", strerror(errno));
        return NULL;
    }
    char *line = NULL;
    size_t lcap = 0, ncols = 0, n = 0, cap = 0, lineno = 0, classes = 0;
    float *x = NULL;
    int32_t *y = NULL;
    char **fv = NULL;
    gpbo_dataset *d = NULL;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (ncols == 0) {
            size_t c = fields(line, NULL, 0);
            if (c < 2 || label_col >= c) {
                gpbo_error_set(GPBO_EFORMAT,
                               "%s:%zu: %zu fields; need a label column %zu and a feature", path,
                               lineno, c, label_col);
                goto fail;
            }
            ncols = c;
            fv = malloc(ncols * sizeof *fv);
            if (fv == NULL)
                goto oom;
            /* re-split (the count above consumed the commas) */
            for (char *p = line; p < line + len; p++)
                if (*p == '\0')
                    *p = ',';
            fields(line, fv, ncols);
            double t;
            if (parse_num(fv[0], &t) != 0)
                continue; /* a header line */
        } else if (fields(line, fv, ncols) != ncols) {
            gpbo_error_set(GPBO_EFORMAT, "%s:%zu: expected %zu fields", path, lineno, ncols);
            goto fail;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            float *nx = realloc(x, cap * (ncols - 1) * sizeof *nx);
            if (nx)
                x = nx;
            int32_t *ny = realloc(y, cap * sizeof *ny);
            if (ny)
                y = ny;
            if (!nx || !ny)
                goto oom;
        }
        size_t k = 0;
        for (size_t c = 0; c < ncols; c++) {
            double v;
            if (parse_num(fv[c], &v) != 0) {
                gpbo_error_set(GPBO_EFORMAT, "%s:%zu: field %zu ('%s') is not a number", path,
                               lineno, c + 1, fv[c]);
                goto fail;
            }
            if (c == label_col) {
                if (v < 0 || v != floor(v) || v > 1e6) {
                    gpbo_error_set(GPBO_EFORMAT,
                                   "%s:%zu: field %zu: label %g is not an integer >= 0", path,
                                   lineno, c + 1, v);
                    goto fail;
                }
                y[n] = (int32_t)v;
                if ((size_t)v + 1 > classes)
                    classes = (size_t)v + 1;
            } else {
                x[n * (ncols - 1) + k++] = (float)v;
            }
        }
        n++;
    }
    if (n == 0) {
        gpbo_error_set(GPBO_EFORMAT, "%s: no examples", path);
        goto fail;
    }
    d = calloc(1, sizeof *d);
    if (d == NULL)
        goto oom;
    d->n = n;
    d->features = ncols - 1;
    d->classes = classes < 2 ? 2 : classes;
    d->channels = d->rows = 1;
    d->cols = ncols - 1;
    d->x = x;
    d->y = y;
    free(line);
    free(fv);
    fclose(f);
    return d;
oom:
    gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", path);
fail:
    free(line);
    free(fv);
    free(x);
    free(y);
    fclose(f);
    return NULL;
}

/* A copy of the rows idx[0..n) of ds. */
static gpbo_dataset *take_rows(const gpbo_dataset *ds, const size_t *idx, size_t n)
{
    gpbo_dataset *d = ds_alloc(n, ds->features);
    if (d == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "dataset: out of memory");
        return NULL;
    }
    d->classes = ds->classes;
    d->channels = ds->channels;
    d->rows = ds->rows;
    d->cols = ds->cols;
    for (size_t i = 0; i < n; i++) {
        memcpy(d->x + i * ds->features, ds->x + idx[i] * ds->features, ds->features * sizeof *d->x);
        d->y[i] = ds->y[idx[i]];
    }
    return d;
}

static size_t *shuffled(size_t n, uint64_t seed)
{
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (idx == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    gpbo_rng r;
    gpbo_rng_seed(&r, seed);
    gpbo_rng_shuffle(&r, n, idx);
    return idx;
}

int gpbo_dataset_split(const gpbo_dataset *ds, double fraction, uint64_t seed,
                       gpbo_dataset **out_train, gpbo_dataset **out_val)
{
    if (ds == NULL || out_train == NULL || out_val == NULL)
        return gpbo_error_set(GPBO_EINVAL, "dataset_split: NULL argument");
    size_t nv = (size_t)llround(fraction * (double)ds->n);
    if (!(fraction > 0 && fraction < 1) || nv == 0 || nv >= ds->n)
        return gpbo_error_set(GPBO_EINVAL,
                              "dataset_split: fraction %g of %zu examples leaves a part empty",
                              fraction, ds->n);
    size_t *idx = shuffled(ds->n, seed);
    if (idx == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "dataset_split: out of memory");
    gpbo_dataset *v = take_rows(ds, idx, nv), *t = v ? take_rows(ds, idx + nv, ds->n - nv) : NULL;
    free(idx);
    if (t == NULL) {
        gpbo_dataset_free(v);
        return gpbo_error_code();
    }
    *out_train = t;
    *out_val = v;
    return GPBO_OK;
}

gpbo_dataset *gpbo_dataset_subset(const gpbo_dataset *ds, size_t n, uint64_t seed)
{
    if (ds == NULL) {
        gpbo_error_set(GPBO_EINVAL, "dataset_subset: NULL dataset");
        return NULL;
    }
    if (n > ds->n)
        n = ds->n;
    size_t *idx = shuffled(ds->n, seed);
    gpbo_dataset *d = idx ? take_rows(ds, idx, n) : NULL;
    if (idx == NULL)
        gpbo_error_set(GPBO_ENOMEM, "dataset_subset: out of memory");
    free(idx);
    return d;
}

void gpbo_dataset_normalize(gpbo_dataset *train, gpbo_dataset *o1, gpbo_dataset *o2)
{
    if (train == NULL || train->n == 0)
        return;
    double s = 0, s2 = 0;
    size_t m = train->n * train->features;
    for (size_t i = 0; i < m; i++) {
        s += train->x[i];
        s2 += (double)train->x[i] * train->x[i];
    }
    double mean = s / (double)m, var = s2 / (double)m - mean * mean;
    double sd = var > 1e-12 ? sqrt(var) : 1.0;
    gpbo_dataset *all[3] = {train, o1, o2};
    for (int k = 0; k < 3; k++) {
        if (all[k] == NULL)
            continue;
        size_t mm = all[k]->n * all[k]->features;
        for (size_t i = 0; i < mm; i++)
            all[k]->x[i] = (float)((all[k]->x[i] - mean) / sd);
    }
}
