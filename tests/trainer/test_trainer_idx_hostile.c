/*
 * test_trainer_idx_hostile.c: the IDX reader against hostile files the test writes: headers
 * claiming 2^32-1 images (loaded in a forked child under an address-space limit, so a reader
 * that believed the header would fail or die there), gzip bombs claiming fewer and more than the
 * stream holds, files cut at every offset, bad magic numbers, zero and absurd dimensions,
 * label/image mismatches, trailing data, corrupt gzip data, every allocation failing in turn,
 * and `gpbo train`'s message when val_size does not fit the images loaded.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "gpbo/error.h"
#include "gpbo/trainer.h"
#include "testutil.h"

/* ASan reserves terabytes of address space and replaces malloc: the address-space limit and
 * the failing allocator below are left out under it (the error checks stay). */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifndef TEST_ASAN
#define TEST_ASAN 0
#endif

static char dir[256];

static int setup(void **s)
{
    (void)s;
    return gpbo_test_mkdtemp(dir, sizeof dir, "gpbo-idx");
}

static int teardown(void **s)
{
    (void)s;
    return gpbo_test_rmtree(dir);
}

/* ---- building files ------------------------------------------------------------------------ */

typedef struct bytes {
    unsigned char *p;
    size_t n;
} bytes;

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* An image file: magic, n, r, c, then len payload bytes (pixel k = k % 251). */
static bytes images(uint32_t magic, uint32_t n, uint32_t r, uint32_t c, size_t len)
{
    bytes b = {malloc(16 + len), 16 + len};
    assert_non_null(b.p);
    put32(b.p, magic);
    put32(b.p + 4, n);
    put32(b.p + 8, r);
    put32(b.p + 12, c);
    for (size_t k = 0; k < len; k++)
        b.p[16 + k] = (unsigned char)(k % 251);
    return b;
}

/* A label file claiming n labels and holding len of them (label k = k % 3). */
static bytes labels(uint32_t n, size_t len)
{
    bytes b = {malloc(8 + len), 8 + len};
    assert_non_null(b.p);
    put32(b.p, 0x801);
    put32(b.p + 4, n);
    for (size_t k = 0; k < len; k++)
        b.p[8 + k] = (unsigned char)(k % 3);
    return b;
}

/* The gzip compression of b (b is freed). */
static bytes gz(bytes b)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, b.n);
    bytes o = {malloc(cap), 0};
    assert_non_null(o.p);
    z.next_in = b.p;
    z.avail_in = (uInt)b.n;
    z.next_out = o.p;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    o.n = cap - z.avail_out;
    deflateEnd(&z);
    free(b.p);
    return o;
}

/* a followed by b (both freed). */
static bytes cat(bytes a, bytes b)
{
    bytes o = {malloc(a.n + b.n), a.n + b.n};
    assert_non_null(o.p);
    memcpy(o.p, a.p, a.n);
    memcpy(o.p + a.n, b.p, b.n);
    free(a.p);
    free(b.p);
    return o;
}

/* n bytes of value v. */
static bytes fill(size_t n, unsigned char v)
{
    bytes o = {malloc(n ? n : 1), n};
    assert_non_null(o.p);
    memset(o.p, v, n);
    return o;
}

/* Writes b (or its first len bytes) to dir/name, returns the path in out; frees b. */
static void put(char *out, const char *name, bytes b)
{
    assert_true(snprintf(out, 600, "%s/%s", dir, name) < 600);
    assert_int_equal(gpbo_test_write_file(out, b.p, b.n), 0);
    free(b.p);
}

/* Loads and expects failure with code and a message holding each of the NULL-ended needles. */
static void expect_fail(const char *img, const char *lab, size_t limit, int code, ...)
{
    gpbo_dataset *d = gpbo_dataset_load_idx(img, lab, limit);
    if (d != NULL)
        fail_msg("loaded %s (%zu images) but expected an error", img, d->n);
    const char *m = gpbo_error_message();
    if (gpbo_error_code() != code)
        fail_msg("code %d, expected %d: %s", gpbo_error_code(), code, m);
    va_list ap;
    va_start(ap, code);
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        if (strstr(m, s) == NULL)
            fail_msg("message '%s' lacks '%s'", m, s);
    va_end(ap);
}

/* ---- loading in a child under a memory limit ----------------------------------------------- */

typedef struct outcome {
    int loaded; /* 1: a dataset came back */
    size_t n;   /* its size */
    int code;   /* else: the status */
    char msg[512];
    long maxrss_kb; /* the child's peak resident memory */
} outcome;

/* The calling process's address-space size in bytes, from /proc/self/statm. */
static size_t vm_size(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f != NULL) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Loads img + lab in a forked child whose address space may grow by at most extra bytes (not
 * under ASan), and reports what came back. A child that crashes or is killed fails the test.
 */
static outcome load_bounded(const char *img, const char *lab, size_t limit, size_t extra)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        if (!TEST_ASAN) {
            struct rlimit rl;
            rl.rlim_cur = rl.rlim_max = vm_size() + extra;
            if (setrlimit(RLIMIT_AS, &rl) != 0)
                _exit(3);
        }
        outcome o;
        memset(&o, 0, sizeof o);
        gpbo_dataset *d = gpbo_dataset_load_idx(img, lab, limit);
        o.loaded = d != NULL;
        o.n = d ? d->n : 0;
        o.code = gpbo_error_code();
        snprintf(o.msg, sizeof o.msg, "%s", gpbo_error_message());
        gpbo_dataset_free(d);
        ssize_t w = write(fd[1], &o, sizeof o);
        _exit(w == (ssize_t)sizeof o ? 0 : 4);
    }
    close(fd[1]);
    outcome o;
    memset(&o, 0, sizeof o);
    ssize_t got = read(fd[0], &o, sizeof o);
    close(fd[0]);
    int status = 0;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the loading child died (status %#x) on %s", status, img);
    assert_int_equal(got, sizeof o);
    o.maxrss_kb = ru.ru_maxrss;
    return o;
}

/* An outcome that is a clean error with code and a message holding needle. */
static void expect_outcome(const outcome *o, int code, const char *needle)
{
    if (o->loaded)
        fail_msg("loaded %zu images but expected an error", o->n);
    if (o->code != code || strstr(o->msg, needle) == NULL)
        fail_msg("code %d '%s', expected %d with '%s'", o->code, o->msg, code, needle);
}

#define MIB ((size_t)1 << 20)

/* ---- the tests ----------------------------------------------------------------------------- */

/* 58 bytes claiming 2^32-1 images of 1x1: a clean error at once, plain and gzip, whole and with
 * a limit, in a child that may map 64 MiB more than it has. */
static void test_header_claims_4g_images(void **s)
{
    (void)s;
    char img[600], lab[600], gimg[600], glab[600];
    put(img, "huge-images", images(0x803, 0xffffffffu, 1, 1, 42));
    put(lab, "huge-labels", labels(0xffffffffu, 42));
    put(gimg, "huge-images.gz", gz(images(0x803, 0xffffffffu, 1, 1, 42)));
    put(glab, "huge-labels.gz", gz(labels(0xffffffffu, 42)));
    outcome o = load_bounded(img, lab, 0, 64 * MIB);
    expect_outcome(&o, GPBO_EFORMAT,
                   "huge-images: truncated: header claims 4294967295 images of 1x1 (4294967295 "
                   "bytes after the 16-byte header) but the file holds 42");
    o = load_bounded(img, lab, 10, 64 * MIB);
    expect_outcome(&o, GPBO_EFORMAT, "but the file holds 42");
    /* a gzip stream's size shows only as it is read, and the labels are read first */
    o = load_bounded(gimg, glab, 0, 64 * MIB);
    expect_outcome(&o, GPBO_EFORMAT,
                   "huge-labels.gz: truncated: header claims 4294967295 labels (4294967295 bytes "
                   "after the 8-byte header) but the decompressed stream holds 42");
    o = load_bounded(gimg, glab, 10, 64 * MIB);
    expect_outcome(&o, GPBO_EFORMAT,
                   "huge-labels.gz: truncated: header claims 4294967295 labels (4294967295 bytes "
                   "after the 8-byte header) but the decompressed stream holds 42");
    /* the same claim for 28x28 images: 3.4 TB */
    put(gimg, "huge28.gz", gz(images(0x803, 0xffffffffu, 28, 28, 42)));
    o = load_bounded(gimg, glab, 0, 64 * MIB);
    expect_outcome(&o, GPBO_EFORMAT, "huge-labels.gz: truncated");
    assert_true(TEST_ASAN || o.maxrss_kb < 16 * 1024);
    put(img, "huge28", images(0x803, 0xffffffffu, 28, 28, 42));
    o = load_bounded(img, lab, 0, 64 * MIB);
    expect_outcome(&o, GPBO_EFORMAT, "4294967295 images of 28x28 (3367254359280 bytes");
}

/* A gzip stream of 8 MiB of zeros (8 KB compressed) under headers that claim less than it
 * holds, more than it holds, and exactly what it holds. */
static void test_gzip_bomb(void **s)
{
    (void)s;
    const size_t big = 8 * MIB;
    char img[600], lab[600], lab_big[600];
    bytes b = images(0x803, 1000, 1, 1, big);
    memset(b.p + 16, 0, big);
    b = gz(b);
    assert_true(b.n < 64 * 1024);
    put(img, "bomb-less.gz", b);
    put(lab, "bomb-labels.gz", gz(labels(1000, 1000)));
    outcome o = load_bounded(img, lab, 0, 64 * MIB);
    expect_outcome(&o, GPBO_EFORMAT,
                   "bomb-less.gz: the decompressed stream goes on after the 1000 images of 1x1 "
                   "its header claims");
    assert_true(TEST_ASAN || o.maxrss_kb < 48 * 1024);
    /* with a limit, the rest of an image stream is not read (documented in data.c) */
    o = load_bounded(img, lab, 10, 64 * MIB);
    assert_true(o.loaded && o.n == 10);

    /* 100000 images of 28x28 claimed (78 MB of pixels, 313 MB as floats), 8 MiB there: the
     * buffer follows the stream, within an address space 64 MiB larger than at the start */
    b = images(0x803, 100000, 28, 28, big);
    memset(b.p + 16, 0, big);
    put(img, "bomb-more.gz", gz(b));
    put(lab, "bomb-more-labels.gz", gz(labels(100000, 100000)));
    o = load_bounded(img, lab, 0, 64 * MIB);
    expect_outcome(&o, GPBO_EFORMAT,
                   "bomb-more.gz: truncated: header claims 100000 images of 28x28 (78400000 "
                   "bytes after the 16-byte header) but the decompressed stream holds 8388608");
    assert_true(TEST_ASAN || o.maxrss_kb < 48 * 1024);

    /* an honest 8 MiB image stream with a short label file: the labels are read first, so the
     * images never reach memory (the reader that read images first held 5 bytes per pixel) */
    outcome base = load_bounded(img, "/nonexistent/labels", 0, 64 * MIB);
    expect_outcome(&base, GPBO_EIO, "cannot open");
    b = images(0x803, (uint32_t)big, 1, 1, big);
    memset(b.p + 16, 0, big);
    put(img, "bomb-exact.gz", gz(b));
    put(lab, "bomb-exact-short-labels.gz", gz(labels((uint32_t)big, 10)));
    o = load_bounded(img, lab, 0, 64 * MIB);
    expect_outcome(&o, GPBO_EFORMAT, "bomb-exact-short-labels.gz: truncated");
    assert_true(TEST_ASAN || o.maxrss_kb < base.maxrss_kb + 4 * 1024);

    /* with its labels, it loads, the buffer grown from 64 KiB as the data came */
    b = labels((uint32_t)big, big);
    memset(b.p + 8, 0, big);
    put(lab_big, "bomb-exact-labels.gz", gz(b));
    o = load_bounded(img, lab_big, 0, 256 * MIB);
    assert_true(o.loaded);
    assert_int_equal(o.n, big);
}

/* Every file cut at every offset short of its end, plain and gzip: a clean error each time. */
static void test_truncated_everywhere(void **s)
{
    (void)s;
    char img[600], lab[600], good_img[600], good_lab[600];
    put(good_img, "good-images", images(0x803, 10, 4, 3, 120));
    put(good_lab, "good-labels", labels(10, 10));
    for (int z = 0; z < 2; z++) {
        for (size_t cut = 0; cut < 16 + 120; cut++) {
            bytes b = images(0x803, 10, 4, 3, 120);
            b.n = cut;
            put(img, "cut-images", z ? gz(b) : b);
            expect_fail(img, good_lab, 0, GPBO_EFORMAT, "cut-images: truncated",
                        cut < 4    ? "the magic number"
                        : cut < 16 ? "the dimensions"
                                   : "holds",
                        NULL);
        }
        for (size_t cut = 0; cut < 8 + 10; cut++) {
            bytes b = labels(10, 10);
            b.n = cut;
            put(lab, "cut-labels", z ? gz(b) : b);
            expect_fail(good_img, lab, 0, GPBO_EFORMAT, "cut-labels: truncated",
                        cut < 4   ? "the magic number"
                        : cut < 8 ? "the dimensions"
                                  : "holds",
                        NULL);
        }
    }
    gpbo_dataset *d = gpbo_dataset_load_idx(good_img, good_lab, 0); /* the uncut pair is good */
    assert_non_null(d);
    gpbo_dataset_free(d);
}

static void test_bad_magic_and_dims(void **s)
{
    (void)s;
    char img[600], lab[600], good_img[600], good_lab[600];
    put(good_img, "good-images", images(0x803, 10, 4, 3, 120));
    put(good_lab, "good-labels", labels(10, 10));
    put(img, "m1", images(0x01000803, 10, 4, 3, 120));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "m1: bad magic number 01000803", NULL);
    /* another compression or an archive: said, since unpacking is all the file needs */
    put(img, "m1.zip", images(0x504b0304, 10, 4, 3, 120));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "m1.zip: bad magic number 504b0304",
                "; this is a zip archive: IDX files are read plain or gzip-compressed, so unpack "
                "it first",
                NULL);
    put(img, "m1.bz2", images(0x425a6839, 10, 4, 3, 120));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "this is a bzip2 file", NULL);
    put(img, "m1.xz", images(0xfd377a58, 10, 4, 3, 120));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "this is an xz file", NULL);
    put(img, "m1.zst", images(0x28b52ffd, 10, 4, 3, 120));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "this is a zstd file", NULL);
    put(img, "m2", images(0x00000d03, 10, 4, 3, 120));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "m2: magic number 00000d03: data type 0x0d", NULL);
    put(img, "m3", images(0x802, 10, 4, 3, 120));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "m3: magic number 00000802: 2 dimensions", NULL);
    /* the two files swapped */
    expect_fail(good_lab, good_img, 0, GPBO_EFORMAT,
                "good-labels: magic number 00000801: 1 "
                "dimensions, but IDX images have 3",
                NULL);
    put(img, "z0", images(0x803, 0, 4, 3, 0));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "z0: header claims 0 images", NULL);
    put(img, "zr", images(0x803, 10, 0, 3, 0));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "zr: header claims images of 0x3 pixels", NULL);
    put(img, "zc", images(0x803, 10, 4, 0, 0));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "images of 4x0 pixels", NULL);
    put(img, "wide", images(0x803, 10, 4, 5000, 0));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "images of 4x5000 pixels", NULL);
    put(lab, "l3", images(0x803, 10, 4, 3, 120));
    expect_fail(good_img, lab, 0, GPBO_EFORMAT, "l3: magic number 00000803: 3 dimensions", NULL);
    /* a directory: opened, then reading fails with the system's reason */
    expect_fail(dir, good_lab, 0, GPBO_EIO, "cannot read the magic number", NULL);
    expect_fail("/nonexistent/images", good_lab, 0, GPBO_EIO, "cannot open", NULL);
}

static void test_labels_against_images(void **s)
{
    (void)s;
    char img[600], lab[600];
    for (int z = 0; z < 2; z++) {
        put(img, "c-images", z ? gz(images(0x803, 10, 4, 3, 120)) : images(0x803, 10, 4, 3, 120));
        put(lab, "c-labels", z ? gz(labels(9, 9)) : labels(9, 9));
        expect_fail(img, lab, 0, GPBO_EFORMAT, "c-images holds 10 images but", "holds 9 labels",
                    NULL);
        put(lab, "c-labels", z ? gz(labels(11, 11)) : labels(11, 11));
        expect_fail(img, lab, 0, GPBO_EFORMAT, "holds 11 labels", NULL);
        put(lab, "c-labels", z ? gz(labels(10, 9)) : labels(10, 9));
        expect_fail(img, lab, 3, GPBO_EFORMAT, "c-labels: truncated: header claims 10 labels",
                    NULL);
    }
    /* the classes come from the whole label file, not from the first `limit` labels */
    bytes b = labels(10, 10);
    memset(b.p + 8, 0, 9);
    b.p[8 + 9] = 9;
    put(img, "cl-images", images(0x803, 10, 4, 3, 120));
    put(lab, "cl-labels", b);
    gpbo_dataset *d = gpbo_dataset_load_idx(img, lab, 3);
    assert_non_null(d);
    assert_int_equal(d->n, 3);
    assert_int_equal(d->classes, 10);
    assert_int_equal(d->y[2], 0);
    gpbo_dataset_free(d);
}

static void test_trailing_and_corrupt(void **s)
{
    (void)s;
    char img[600], lab[600], good_img[600], good_lab[600];
    put(good_img, "good-images", images(0x803, 10, 4, 3, 120));
    put(good_lab, "good-labels", labels(10, 10));
    put(img, "t-images", images(0x803, 10, 4, 3, 125));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT,
                "t-images: 5 bytes of trailing data after the 10 images of 4x3", NULL);
    expect_fail(img, good_lab, 2, GPBO_EFORMAT, "5 bytes of trailing data", NULL);
    put(lab, "t-labels", labels(10, 11));
    expect_fail(good_img, lab, 0, GPBO_EFORMAT, "t-labels: 1 bytes of trailing data", NULL);
    put(lab, "t-labels.gz", gz(labels(10, 11)));
    expect_fail(good_img, lab, 0, GPBO_EFORMAT,
                "t-labels.gz: the decompressed stream goes on after the 10 labels", NULL);
    put(img, "t-images.gz", gz(images(0x803, 10, 4, 3, 121)));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "t-images.gz: the decompressed stream goes on",
                NULL);
    /* a gzip file whose CRC does not match: found when the stream is read to its end */
    bytes b = gz(images(0x803, 10, 4, 3, 120));
    b.p[b.n - 6] ^= 0x5a;
    put(img, "crc.gz", b);
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "crc.gz: reading ", ": incorrect data check", NULL);
    /* deflate data that is not deflate data */
    b = gz(images(0x803, 10, 4, 3, 120));
    memset(b.p + 10, 0xff, b.n - 18);
    put(img, "junk.gz", b);
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "junk.gz: reading the", NULL);
}

/* Bytes after a gzip file's data: zlib's gzread dropped anything that was no gzip member
 * without a word, so a file with garbage or another file appended loaded as if whole. Now
 * further members (legal gzip, RFC 1952) and zero padding are read as gzip -d and Python's
 * gzip read them, and other bytes are an error naming the file and where they start. */
static void test_after_the_gzip_data(void **s)
{
    (void)s;
    char img[600], lab[600], good_img[600], good_lab[600];
    put(good_img, "good-images", images(0x803, 10, 4, 3, 120));
    put(good_lab, "good-labels", labels(10, 10));
    gpbo_dataset *want = gpbo_dataset_load_idx(good_img, good_lab, 0);
    assert_non_null(want);
    /* the images as two members, split inside the header and inside the pixels; the labels
     * as three, an empty one among them; zero padding after the last */
    for (size_t cut = 1; cut < 136; cut += 9) {
        bytes b = images(0x803, 10, 4, 3, 120), rest = {malloc(b.n - cut), b.n - cut};
        assert_non_null(rest.p);
        memcpy(rest.p, b.p + cut, rest.n);
        b.n = cut;
        put(img, "members-images.gz", cat(gz(b), gz(rest)));
        bytes l = labels(10, 10), l2 = {malloc(5), 5};
        assert_non_null(l2.p);
        memcpy(l2.p, l.p + 13, 5);
        l.n = 13;
        put(lab, "members-labels.gz", cat(cat(cat(gz(l), gz(fill(0, 0))), gz(l2)), fill(512, 0)));
        gpbo_dataset *d = gpbo_dataset_load_idx(img, lab, 0);
        if (d == NULL)
            fail_msg("cut %zu: %s", cut, gpbo_error_message());
        assert_int_equal(d->n, want->n);
        assert_memory_equal(d->x, want->x, 120 * sizeof *d->x);
        assert_memory_equal(d->y, want->y, 10 * sizeof *d->y);
        gpbo_dataset_free(d);
    }
    gpbo_dataset_free(want);
    /* garbage after the data: named, with its size and offset */
    bytes g = gz(images(0x803, 10, 4, 3, 120));
    size_t end = g.n;
    free(g.p);
    char at[64];
    snprintf(at, sizeof at, "(at byte %zu)", end);
    bytes junk = {(unsigned char *)strdup("hello"), 5};
    put(img, "garbage-images.gz", cat(gz(images(0x803, 10, 4, 3, 120)), junk));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT,
                "garbage-images.gz: 5 bytes after the end of the gzip data", at,
                "neither gzip data nor zero padding", NULL);
    /* zero padding, then something else; one stray byte (half a gzip magic) */
    put(img, "garbage2-images.gz",
        cat(cat(gz(images(0x803, 10, 4, 3, 120)), fill(100, 0)), fill(1, 7)));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "garbage2-images.gz: 101 bytes after", at, NULL);
    put(img, "stray-images.gz", cat(gz(images(0x803, 10, 4, 3, 120)), fill(1, 0x1f)));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "stray-images.gz: 1 bytes after", NULL);
    put(lab, "garbage-labels.gz", cat(gz(labels(10, 10)), fill(3000, 0xab)));
    expect_fail(good_img, lab, 0, GPBO_EFORMAT, "garbage-labels.gz: 3000 bytes after", NULL);
    /* gzip's magic, then no gzip member: inflate's own reason, the file named */
    bytes bad = fill(20, 0x55);
    bad.p[0] = 0x1f;
    bad.p[1] = 0x8b;
    put(img, "badmember-images.gz", cat(gz(images(0x803, 10, 4, 3, 120)), bad));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "badmember-images.gz: reading the pixels: ", NULL);
    /* a second (empty) member cut short, in its trailer */
    bytes second = gz(fill(0, 0));
    second.n -= 4;
    put(img, "cutmember-images.gz", cat(gz(images(0x803, 10, 4, 3, 120)), second));
    expect_fail(img, good_lab, 0, GPBO_EFORMAT,
                "cutmember-images.gz: truncated while reading the pixels: the file ends "
                "inside gzip data",
                NULL);
    /* the first member cut in its data, and in its header */
    bytes half = gz(images(0x803, 10, 4, 3, 120));
    half.n /= 2;
    put(img, "half-images.gz", half);
    expect_fail(img, good_lab, 0, GPBO_EFORMAT, "half-images.gz: truncated while reading the ",
                "the file ends inside gzip data", NULL);
    bytes magic = fill(2, 0x1f);
    magic.p[1] = 0x8b;
    put(img, "magic-images.gz", magic);
    expect_fail(img, good_lab, 0, GPBO_EFORMAT,
                "magic-images.gz: truncated while reading the magic number: the file ends inside "
                "gzip data",
                NULL);
}

/* ---- allocation failures ------------------------------------------------------------------- */

#if !TEST_ASAN
/* A malloc that fails its fail_at-th call (counting from 0) while armed, for every library in
 * the process (the executable's definition takes precedence over glibc's). */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static int armed;
static long calls, fail_at = -1;

static int should_fail(void)
{
    return armed && calls++ == fail_at;
}

#define EXPORTED __attribute__((visibility("default"))) /* the build hides symbols by default */

EXPORTED void *malloc(size_t n)
{
    return should_fail() ? NULL : __libc_malloc(n);
}

EXPORTED void *calloc(size_t m, size_t n)
{
    return should_fail() ? NULL : __libc_calloc(m, n);
}

EXPORTED void *realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __libc_realloc(p, n);
}
#endif

/* Every allocation of a load (plain and gzip, with the growing buffer doubling several times)
 * fails in turn: each failure is a clean GPBO_ENOMEM, and the load succeeds once none fails. */
static void test_every_allocation_fails(void **s)
{
    (void)s;
#if TEST_ASAN
    skip();
#else
    char img[600], lab[600];
    const uint32_t n = 3 * (1u << 20) / 4; /* 3 MiB of 2x2 images: 64 KiB doubled to 3 MiB */
    long plain_failures = 0;
    for (int z = 0; z < 2; z++) {
        put(img, "a-images",
            z ? gz(images(0x803, n, 2, 2, 4 * (size_t)n)) : images(0x803, n, 2, 2, 4 * (size_t)n));
        put(lab, "a-labels", z ? gz(labels(n, n)) : labels(n, n));
        long failures = 0;
        /* the four places that report it: the file's input buffer (and inflate's state),
         * inflate's reads (gzip only), the loader's buffers, the dataset */
        const char *where[4] = {"out of memory opening the file", "out of memory reading",
                                "bytes of the pixels", "out of memory for 786432 images"};
        int seen[4] = {0};
        for (fail_at = 0;; fail_at++) {
            calls = 0;
            armed = 1;
            gpbo_dataset *d = gpbo_dataset_load_idx(img, lab, 0);
            armed = 0;
            if (d != NULL) {
                assert_int_equal(d->n, n);
                gpbo_dataset_free(d);
                break;
            }
            if (gpbo_error_code() != GPBO_ENOMEM)
                fail_msg("allocation %ld failed: code %d '%s'", fail_at, gpbo_error_code(),
                         gpbo_error_message());
            for (int k = 0; k < 4; k++)
                seen[k] |= strstr(gpbo_error_message(), where[k]) != NULL;
            failures++;
        }
        for (int k = 0; k < 4; k++)
            if (!seen[k] && (z || k != 1))
                fail_msg("no failure said '%s'", where[k]);
        /* plain: 7 here (each file's input buffer, pixels, labels, the dataset's three
         * arrays); gzip adds inflate's state and window and the pixel buffer's doublings */
        assert_true(failures >= 7);
        if (z)
            assert_true(failures > plain_failures);
        plain_failures = failures;
        fail_at = -1;
    }
#endif
}

/* ---- gpbo train's message ------------------------------------------------------------------ */

/* Runs `gpbo train` with args (NULL-ended), returns its exit status, stderr in err. */
static int run_gpbo(char *err, size_t cap, ...)
{
    const char *argv[16] = {GPBO_CLI, "train"};
    int argc = 2;
    va_list ap;
    va_start(ap, cap);
    for (const char *a; argc < 15 && (a = va_arg(ap, const char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        execv(GPBO_CLI, (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t got;
    while (len + 1 < cap && (got = read(fd[0], err + len, cap - 1 - len)) > 0)
        len += (size_t)got;
    err[len] = '\0';
    close(fd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A 200-image training set with val_size 500: the message counts the 200 images loaded. */
static void test_val_size_message(void **s)
{
    (void)s;
    char p[600], sub[600], err[2048];
    snprintf(sub, sizeof sub, "%s/fmnist", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(p, sizeof p, "fmnist/train-images-idx3-ubyte.gz");
    char path[600];
    put(path, p, gz(images(0x803, 200, 4, 3, 200 * 12)));
    put(path, "fmnist/train-labels-idx1-ubyte.gz", gz(labels(200, 200)));
    assert_int_equal(run_gpbo(err, sizeof err, "--data_dir", sub, "--val_size", "500", NULL), 2);
    if (strstr(err, "val_size 500 does not fit 200 images") == NULL)
        fail_msg("stderr: %s", err);
    /* with train_size the loader asks for 600 and gets 200; the message says 200 */
    assert_int_equal(run_gpbo(err, sizeof err, "--data_dir", sub, "--val_size", "500",
                              "--train_size", "100", NULL),
                     2);
    if (strstr(err, "val_size 500 does not fit 200 images") == NULL)
        fail_msg("stderr: %s", err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_claims_4g_images), cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_truncated_everywhere),    cmocka_unit_test(test_bad_magic_and_dims),
        cmocka_unit_test(test_labels_against_images),   cmocka_unit_test(test_trailing_and_corrupt),
        cmocka_unit_test(test_every_allocation_fails),  cmocka_unit_test(test_val_size_message),
        cmocka_unit_test(test_after_the_gzip_data),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
