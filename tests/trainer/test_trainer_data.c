/*
 * test_trainer_data.c: the IDX reader on files the test writes (plain and gzip; truncated,
 * with a wrong magic number, with mismatched counts, missing), the CSV reader (and its errors
 * naming line and field), splits, subsets and normalization.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/trainer.h"
#include "testutil.h"

static char dir[512];

static int setup(void **s)
{
    (void)s;
    return gpbo_test_mkdtemp(dir, sizeof dir, "gpbo-data");
}

static int teardown(void **s)
{
    (void)s;
    return gpbo_test_rmtree(dir);
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Writes an image file of n r x c images (pixel = (i + k) % 256) and a label file of m
 * labels; magic overrides the image magic; cut removes bytes from the end of the images. */
static void write_idx(const char *img, const char *lab, uint32_t n, uint32_t m, uint32_t magic,
                      size_t cut, int gz)
{
    size_t r = 4, c = 3, len = 16 + n * r * c;
    unsigned char *b = malloc(len);
    put32(b, magic);
    put32(b + 4, n);
    put32(b + 8, (uint32_t)r);
    put32(b + 12, (uint32_t)c);
    for (size_t i = 0; i < n * r * c; i++)
        b[16 + i] = (unsigned char)(i % 256);
    unsigned char *l = malloc(8 + m);
    put32(l, 0x801);
    put32(l + 4, m);
    for (uint32_t i = 0; i < m; i++)
        l[8 + i] = (unsigned char)(i % 3);
    if (gz) {
        gzFile f = gzopen(img, "wb");
        gzwrite(f, b, (unsigned)(len - cut));
        gzclose(f);
        f = gzopen(lab, "wb");
        gzwrite(f, l, 8 + m);
        gzclose(f);
    } else {
        gpbo_test_write_file(img, b, len - cut);
        gpbo_test_write_file(lab, l, 8 + m);
    }
    free(b);
    free(l);
}

static void paths(char *img, char *lab, const char *tag)
{
    snprintf(img, 600, "%s/%s-images", dir, tag);
    snprintf(lab, 600, "%s/%s-labels", dir, tag);
}

static void test_idx_good(void **s)
{
    (void)s;
    char img[600], lab[600];
    for (int gz = 0; gz < 2; gz++) {
        paths(img, lab, gz ? "gz" : "plain");
        write_idx(img, lab, 10, 10, 0x803, 0, gz);
        gpbo_dataset *d = gpbo_dataset_load_idx(img, lab, 0);
        assert_non_null(d);
        assert_int_equal(d->n, 10);
        assert_int_equal(d->features, 12);
        assert_int_equal(d->rows, 4);
        assert_int_equal(d->cols, 3);
        assert_int_equal(d->classes, 3);
        assert_true(fabsf(d->x[13] - 13.0f / 255.0f) < 1e-7f);
        assert_int_equal(d->y[5], 2);
        gpbo_dataset_free(d);
        d = gpbo_dataset_load_idx(img, lab, 4);
        assert_int_equal(d->n, 4);
        gpbo_dataset_free(d);
    }
}

static void test_idx_bad(void **s)
{
    (void)s;
    char img[600], lab[600];
    paths(img, lab, "trunc");
    write_idx(img, lab, 10, 10, 0x803, 5, 1);
    assert_null(gpbo_dataset_load_idx(img, lab, 0));
    assert_int_equal(gpbo_error_code(), GPBO_EFORMAT);
    assert_non_null(strstr(gpbo_error_message(), "truncated"));
    paths(img, lab, "magic");
    write_idx(img, lab, 10, 10, 0x802, 0, 0);
    assert_null(gpbo_dataset_load_idx(img, lab, 0));
    assert_non_null(strstr(gpbo_error_message(), "magic"));
    paths(img, lab, "count");
    write_idx(img, lab, 10, 9, 0x803, 0, 1);
    assert_null(gpbo_dataset_load_idx(img, lab, 0));
    assert_non_null(strstr(gpbo_error_message(), "10 images but"));
    paths(img, lab, "header");
    write_idx(img, lab, 10, 10, 0x803, 16 + 120 - 6, 0); /* cut inside the dimensions */
    assert_null(gpbo_dataset_load_idx(img, lab, 0));
    assert_int_equal(gpbo_error_code(), GPBO_EFORMAT);
    assert_null(gpbo_dataset_load_idx("/nonexistent/x", lab, 0));
    assert_int_equal(gpbo_error_code(), GPBO_EIO);
}

static void test_csv(void **s)
{
    (void)s;
    char p[600];
    snprintf(p, sizeof p, "%s/good.csv", dir);
    const char *good = "label,a,b\n1,0.5,2\n0,1.5,-3\n\n2,7,8\n";
    gpbo_test_write_file(p, good, strlen(good));
    gpbo_dataset *d = gpbo_dataset_load_csv(p, 0);
    assert_non_null(d);
    assert_int_equal(d->n, 3);
    assert_int_equal(d->features, 2);
    assert_int_equal(d->classes, 3);
    assert_true(d->x[2] == 1.5f && d->y[2] == 2);
    gpbo_dataset_free(d);
    snprintf(p, sizeof p, "%s/bad.csv", dir);
    const char *bad1 = "1,0.5,2\n0,x,3\n";
    gpbo_test_write_file(p, bad1, strlen(bad1));
    assert_null(gpbo_dataset_load_csv(p, 0));
    assert_non_null(strstr(gpbo_error_message(), ":2: field 2 ('x')"));
    const char *bad2 = "1,0.5,2\n0,3\n";
    gpbo_test_write_file(p, bad2, strlen(bad2));
    assert_null(gpbo_dataset_load_csv(p, 0));
    assert_non_null(strstr(gpbo_error_message(), ":2: 2 fields, expected 3"));
    const char *bad3 = "1.5,0.5,2\n";
    gpbo_test_write_file(p, bad3, strlen(bad3));
    assert_null(gpbo_dataset_load_csv(p, 0));
    assert_non_null(strstr(gpbo_error_message(), "label 1.5"));
    /* a label past the limit is an integer: the message gives the limit instead */
    const char *bad4 = "1,0.5,2\n2000000,1,2\n";
    gpbo_test_write_file(p, bad4, strlen(bad4));
    assert_null(gpbo_dataset_load_csv(p, 0));
    if (strstr(gpbo_error_message(), ":2: field 1: label 2000000 is not an integer from 0 to "
                                     "1000000") == NULL)
        fail_msg("message: %s", gpbo_error_message());
    /* a read error is not the end of the file: a directory opens, but reading it fails */
    assert_null(gpbo_dataset_load_csv(dir, 0));
    assert_int_equal(gpbo_error_code(), GPBO_EIO);
    if (strstr(gpbo_error_message(), "cannot read after line 0: Is a directory") == NULL)
        fail_msg("message: %s", gpbo_error_message());
}

/* Features are floats: a number past FLT_MAX would train as inf (and every loss as NaN), so it
 * is refused with its line and field; a number too small for a double is a number (about 0),
 * not "not a number". */
static void test_csv_float_range(void **s)
{
    (void)s;
    char p[600];
    snprintf(p, sizeof p, "%s/range.csv", dir);
    const char *big = "label,a,b\n1,0.5,2.385\n0,1,1e300\n";
    gpbo_test_write_file(p, big, strlen(big));
    assert_null(gpbo_dataset_load_csv(p, 0));
    assert_int_equal(gpbo_error_code(), GPBO_EFORMAT);
    if (strstr(gpbo_error_message(), "range.csv:3: field 3 ('1e300') is not a number a float "
                                     "can hold") == NULL)
        fail_msg("message: %s", gpbo_error_message());
    const char *neg = "1,-3.5e38,2\n";
    gpbo_test_write_file(p, neg, strlen(neg));
    assert_null(gpbo_dataset_load_csv(p, 0));
    assert_non_null(strstr(gpbo_error_message(), ":1: field 2 ('-3.5e38')"));
    const char *huge = "1,0.5,1e999\n";
    gpbo_test_write_file(p, huge, strlen(huge));
    assert_null(gpbo_dataset_load_csv(p, 0));
    assert_non_null(strstr(gpbo_error_message(), ":1: field 3 ('1e999') is not a number a float"));
    /* the largest floats and a subnormal double are numbers */
    const char *edge = "1,3.4e38,1e-320\n0,-3.4e38,2.385\n";
    gpbo_test_write_file(p, edge, strlen(edge));
    gpbo_dataset *d = gpbo_dataset_load_csv(p, 0);
    if (d == NULL)
        fail_msg("edge values refused: %s", gpbo_error_message());
    assert_int_equal(d->n, 2);
    assert_true(d->x[0] == 3.4e38f && d->x[1] == 0.0f && d->x[2] == -3.4e38f);
    gpbo_dataset_free(d);
}

static void test_split_subset_normalize(void **s)
{
    (void)s;
    char img[600], lab[600];
    paths(img, lab, "split");
    write_idx(img, lab, 100, 100, 0x803, 0, 0);
    gpbo_dataset *d = gpbo_dataset_load_idx(img, lab, 0), *t, *v, *t2, *v2;
    assert_int_equal(gpbo_dataset_split(d, 0.2, 5, &t, &v), GPBO_OK);
    assert_int_equal(t->n, 80);
    assert_int_equal(v->n, 20);
    assert_int_equal(gpbo_dataset_split(d, 0.2, 5, &t2, &v2), GPBO_OK);
    assert_memory_equal(v->x, v2->x, 20 * 12 * sizeof(float));
    assert_int_equal(gpbo_dataset_split(d, 1.0, 5, &t2, &v2), GPBO_EINVAL);
    gpbo_dataset *sub = gpbo_dataset_subset(d, 30, 9);
    assert_int_equal(sub->n, 30);
    gpbo_dataset_normalize(t, v, sub);
    double m = 0, m2 = 0;
    for (size_t i = 0; i < t->n * t->features; i++) {
        m += t->x[i];
        m2 += t->x[i] * t->x[i];
    }
    m /= (double)(t->n * t->features);
    m2 /= (double)(t->n * t->features);
    assert_true(fabs(m) < 1e-5 && fabs(m2 - 1.0) < 1e-4);
    gpbo_dataset_free(d);
    gpbo_dataset_free(t);
    gpbo_dataset_free(v);
    gpbo_dataset_free(t2);
    gpbo_dataset_free(v2);
    gpbo_dataset_free(sub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_good),
        cmocka_unit_test(test_idx_bad),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_float_range),
        cmocka_unit_test(test_split_subset_normalize),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
