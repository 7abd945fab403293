/*
 * fuzz_idx.c: libFuzzer target for the IDX reader, gpbo_dataset_load_idx(). The input is
 * split into an image file and a label file, each written to an anonymous file (or a pipe)
 * and, if a flag says so, gzip-compressed first, so that both the plain and the gzip paths see
 * fuzzed headers and payloads; bytes that start with a gzip header of their own reach zlib's
 * error paths too. The loader must return a dataset or NULL with a message, and never crash,
 * leak or allocate more than the files can back (libFuzzer's -malloc_limit_mb catches that).
 *
 * Input: byte 0 = flags, bytes 1-2 = where the images end (big-endian, modulo the rest),
 * then the image file's bytes and the label file's bytes.
 *   flags bit 0: gzip the images      bit 1: gzip the labels
 *   flags bits 2-3: limit 0, 1, 3, 100
 *   flags bit 4: images through a pipe (a stream of unknown size)   bit 5: labels likewise
 *
 * Built and run with the other harnesses by `make fuzz` (fuzz/CMakeLists.txt, fuzz/run.sh;
 * seeds in fuzz/corpus/idx).
 */
#define _GNU_SOURCE 1 /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "gpbo/error.h"
#include "gpbo/trainer.h"

/* The gzip compression of data[0..len) into a malloc'd buffer (*out_len), or NULL. */
static unsigned char *gzip(const uint8_t *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, len);
    unsigned char *out = malloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (out == NULL || deflate(&z, Z_FINISH) != Z_STREAM_END) {
        free(out);
        deflateEnd(&z);
        return NULL;
    }
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/*
 * Makes a file holding data (gzip-compressed if gz) that open() can reach by path: an anonymous
 * memory file, or a pipe (already written and closed for writing) if piped and the data fits
 * the pipe's buffer. Returns the descriptor to close afterwards, or -1.
 */
static int make_file(const uint8_t *data, size_t len, int gz, int piped, char *path, size_t cap)
{
    unsigned char *z = NULL;
    const unsigned char *p = data;
    if (gz) {
        if ((z = gzip(data, len, &len)) == NULL)
            return -1;
        p = z;
    }
    int fd = -1;
    if (piped && len <= 32768) {
        int pp[2];
        if (pipe(pp) == 0) {
            if (write_all(pp[1], p, len) == 0)
                fd = pp[0];
            else
                close(pp[0]);
            close(pp[1]);
        }
    } else if ((fd = memfd_create("idx", MFD_CLOEXEC)) >= 0 && write_all(fd, p, len) != 0) {
        close(fd);
        fd = -1;
    }
    free(z);
    if (fd >= 0)
        snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t limits[4] = {0, 1, 3, 100};
    if (size < 3)
        return 0;
    unsigned flags = data[0];
    size_t rest = size - 3, split = ((size_t)data[1] << 8 | data[2]) % (rest + 1);
    const uint8_t *img = data + 3, *lab = data + 3 + split;
    char pi[64], pl[64];
    int fi = make_file(img, split, flags & 1, flags & 16, pi, sizeof pi);
    int fl = make_file(lab, rest - split, flags & 2, flags & 32, pl, sizeof pl);
    if (fi >= 0 && fl >= 0) {
        gpbo_error_clear();
        gpbo_dataset *d = gpbo_dataset_load_idx(pi, pl, limits[(flags >> 2) & 3]);
        if (d != NULL) {
            /* what a loaded dataset promises: labels in [0, classes), pixels in [0, 1] */
            if (d->n == 0 || d->features != d->rows * d->cols || d->classes < 2)
                abort();
            for (size_t i = 0; i < d->n; i++)
                if (d->y[i] < 0 || (size_t)d->y[i] >= d->classes)
                    abort();
            for (size_t i = 0; i < d->n * d->features; i++)
                if (!(d->x[i] >= 0.0f && d->x[i] <= 1.0f))
                    abort();
            gpbo_dataset_free(d);
        } else if (gpbo_error_message()[0] == '\0' || gpbo_error_code() == GPBO_OK) {
            abort(); /* a failure must say what failed */
        }
    }
    if (fi >= 0)
        close(fi);
    if (fl >= 0)
        close(fl);
    return 0;
}
