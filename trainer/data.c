/*
 * data.c: datasets — IDX (MNIST / Fashion-MNIST) and CSV readers, seeded splits and subsets,
 * normalization. Bad files give GPBO_EFORMAT with the file and what is wrong, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gpbo/rng.h"
#include "gpbo/sys/error.h"
#include "gpbo/trainer.h"

static gpbo_dataset *ds_alloc(size_t n, size_t features)
{
    /* callers pass sizes of data they hold; the check keeps n * features honest anyway */
    if (features != 0 && n > SIZE_MAX / sizeof(float) / features)
        return NULL;
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

/*
 * IDX files (the MNIST format): a 4-byte magic number (two zero bytes, the data type, the
 * number of dimensions), the dimensions as big-endian 32-bit counts, then the items. Only type
 * 0x08 (unsigned bytes) is read, plain or gzip-compressed (a file starting with gzip's magic
 * bytes 1f 8b is inflated).
 *
 * Nothing is allocated on the header's word alone. A plain file's size is compared with what
 * its header claims before anything is read; a gzip stream's size is known only by inflating
 * it, so its bytes go into a buffer that grows as they arrive, never beyond what the header
 * claims: a header claiming 2^32-1 images reserves no more than the stream really delivers.
 *
 * Bytes after the items the header declares are an error: they mean a wrong count in the
 * header or two files run together, and taking the header's word would quietly train on part
 * of the data. With a limit, a gzip image stream is read only as far as the limit (checking its
 * remainder would inflate the whole file for data nobody asked for); a plain file is checked
 * whole, from its size. The label file is always read whole (it is small), so that the number
 * of classes is the file's and not that of its first `limit` labels.
 *
 * A gzip file is a series of members (RFC 1952, 2.2): members after the first are read on, as
 * gzip -d and Python's gzip read them, and so are zero bytes after the last (padding, which
 * both accept). Anything else after a member's end is an error naming the file and the offset:
 * zlib's gzread, which read these files before, drops such bytes without a word, so a file
 * with another file or garbage appended to it loaded as if it were whole.
 */

/* The first allocation for a stream of unknown size; it doubles as the data arrives. */
#define IDX_FIRST_CHUNK ((size_t)1 << 16)
/* The bytes read from the file at a time. */
#define IDX_INBUF ((size_t)1 << 14)

/* One IDX file being read. */
typedef struct idx_file {
    const char *path;
    const char *what; /* "the pixels" or "the labels", for messages */
    int fd;           /* -1 when closed */
    unsigned char *in;
    z_stream z;        /* next_in / avail_in: the bytes of in not used yet, in either mode */
    int gz;            /* 0: plain; 1: gzip; 2: gzip, and inflate holds state (inflateEnd) */
    int ended;         /* gzip: the last member ended, only zero padding followed */
    int regular;       /* a regular file, whose size fstat gave */
    uint64_t size;     /* if regular: the file's size */
    uint64_t consumed; /* the bytes read from the file so far */
    int sized;         /* a plain regular file, whose payload size fstat tells */
    uint64_t on_disk;  /* if sized: the bytes after the header */
    int header;        /* the header's length in bytes */
    uint32_t dims[3];
} idx_file;

/* Moves the unused input to the start of x->in and reads more after it. Returns the bytes read
 * (0 at the end of the file), or -1 with errno set. */
static ssize_t in_fill(idx_file *x)
{
    if (x->z.avail_in > 0 && x->z.next_in != x->in)
        memmove(x->in, x->z.next_in, x->z.avail_in);
    x->z.next_in = x->in;
    ssize_t got;
    do
        got = read(x->fd, x->in + x->z.avail_in, IDX_INBUF - x->z.avail_in);
    while (got < 0 && errno == EINTR);
    if (got > 0) {
        x->z.avail_in += (uInt)got;
        x->consumed += (uint64_t)got;
    }
    return got;
}

/* The error for a failed read() while reading what. */
static int sys_fail(const idx_file *x, const char *what)
{
    return gpbo_error_set(GPBO_EIO, "%s: cannot read %s: %s", x->path, what, strerror(errno));
}

/*
 * After a gzip member's end: starts inflating the next member when one follows, or marks the
 * end (x->ended) when the file ends there or only zero bytes follow. GPBO_EFORMAT naming the
 * offset when other bytes follow; GPBO_EIO.
 */
static int after_member(idx_file *x, const char *what)
{
    while (x->z.avail_in < 2) {
        ssize_t got = in_fill(x);
        if (got < 0)
            return sys_fail(x, what);
        if (got == 0)
            break;
    }
    if (x->z.avail_in >= 2 && x->z.next_in[0] == 0x1f && x->z.next_in[1] == 0x8b)
        return inflateReset(&x->z) == Z_OK
                   ? GPBO_OK
                   : gpbo_error_set(GPBO_EFORMAT, "%s: reading %s: %s", x->path, what,
                                    x->z.msg ? x->z.msg : "inflateReset failed");
    uint64_t at = x->consumed - x->z.avail_in;
    for (;;) {
        for (uInt i = 0; i < x->z.avail_in; i++)
            if (x->z.next_in[i] != 0) {
                if (x->regular)
                    return gpbo_error_set(
                        GPBO_EFORMAT,
                        "%s: %" PRIu64 " bytes after the end of the gzip data (at byte %" PRIu64
                        ") are neither gzip data nor zero padding: a damaged file, or another "
                        "file appended to it?",
                        x->path, x->size - at, at);
                return gpbo_error_set(GPBO_EFORMAT,
                                      "%s: the bytes after the end of the gzip data (at byte "
                                      "%" PRIu64 ") are neither gzip data nor zero padding: a "
                                      "damaged file, or another file appended to it?",
                                      x->path, at);
            }
        x->z.avail_in = 0;
        ssize_t got = in_fill(x);
        if (got < 0)
            return sys_fail(x, what);
        if (got == 0)
            break;
    }
    x->ended = 1;
    return GPBO_OK;
}

/*
 * Reads up to len bytes of the file's data (decompressed when it is gzip) into buf; *got is how
 * many, 0 only at the end of the data. On error returns the code with a message naming the file
 * and what was being read: GPBO_EIO, GPBO_ENOMEM, GPBO_EFORMAT (corrupt gzip data, a gzip file
 * cut inside a member, bytes after the gzip data that are none).
 */
static int idx_read(idx_file *x, void *buf, size_t len, size_t *got, const char *what)
{
    *got = 0;
    if (x->gz == 0) {
        if (x->z.avail_in > 0) { /* the bytes read to tell plain from gzip */
            size_t n = len < x->z.avail_in ? len : x->z.avail_in;
            memcpy(buf, x->z.next_in, n);
            x->z.next_in += n;
            x->z.avail_in -= (uInt)n;
            *got = n;
            return GPBO_OK;
        }
        ssize_t n;
        do
            n = read(x->fd, buf, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return sys_fail(x, what);
        x->consumed += (uint64_t)n;
        *got = (size_t)n;
        return GPBO_OK;
    }
    x->z.next_out = buf;
    x->z.avail_out = len > (1u << 30) ? (1u << 30) : (uInt)len;
    uInt want = x->z.avail_out;
    while (x->z.avail_out == want && !x->ended) {
        if (x->z.avail_in == 0) {
            ssize_t n = in_fill(x);
            if (n < 0)
                return sys_fail(x, what);
            if (n == 0)
                return gpbo_error_set(GPBO_EFORMAT,
                                      "%s: truncated while reading %s: the file ends inside "
                                      "gzip data",
                                      x->path, what);
        }
        int r = inflate(&x->z, Z_NO_FLUSH);
        if (r == Z_STREAM_END) {
            int rc = after_member(x, what);
            if (rc != GPBO_OK)
                return rc;
        } else if (r == Z_MEM_ERROR) {
            return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory reading %s", x->path, what);
        } else if (r != Z_OK && r != Z_BUF_ERROR) {
            return gpbo_error_set(GPBO_EFORMAT, "%s: reading %s: %s", x->path, what,
                                  x->z.msg ? x->z.msg : "corrupt gzip data");
        }
    }
    *got = want - x->z.avail_out;
    return GPBO_OK;
}

/* Reads exactly len bytes, or fails naming what was being read. */
static int read_exact(idx_file *x, void *buf, size_t len, const char *what)
{
    unsigned char *p = buf;
    while (len > 0) {
        size_t got;
        int rc = idx_read(x, p, len, &got, what);
        if (rc != GPBO_OK)
            return rc;
        if (got == 0)
            return gpbo_error_set(GPBO_EFORMAT, "%s: truncated while reading %s", x->path, what);
        p += got;
        len -= got;
    }
    return GPBO_OK;
}

static uint32_t be32(const unsigned char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* The compressed or archive format whose magic bytes start h (4 bytes), or NULL: the IDX
 * files of (Fashion-)MNIST are handed around as .zip (Kaggle), .bz2 or .xz too, and "bad magic
 * number" alone did not say that the file only needs unpacking. */
static const char *other_format(const unsigned char *h)
{
    if (h[0] == 'P' && h[1] == 'K' && h[2] == 3 && h[3] == 4)
        return "a zip archive";
    if (h[0] == 'B' && h[1] == 'Z' && h[2] == 'h')
        return "a bzip2 file";
    if (h[0] == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X')
        return "an xz file";
    if (h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
        return "a zstd file";
    return NULL;
}

/* Closes x; nothing when it is not open (x->in NULL: zeroed, or its idx_open failed). */
static void idx_close(idx_file *x)
{
    if (x->in == NULL)
        return;
    if (x->gz == 2)
        inflateEnd(&x->z);
    close(x->fd);
    free(x->in);
    x->in = NULL;
}

/*
 * Opens an IDX file of ndims dimensions (3: images, 1: labels) and reads its header into x.
 * On error returns the code with a message naming the file and the field; x holds nothing open.
 */
static int idx_open(idx_file *x, const char *path, int ndims)
{
    memset(x, 0, sizeof *x);
    x->path = path;
    x->what = ndims == 3 ? "the pixels" : "the labels";
    x->header = 4 + 4 * ndims;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return gpbo_error_set(GPBO_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return gpbo_error_set(GPBO_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    if ((x->in = malloc(IDX_INBUF)) == NULL) {
        close(fd);
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory opening the file", path);
    }
    x->fd = fd;
    x->z.next_in = x->in;
    x->regular = S_ISREG(st.st_mode);
    x->size = x->regular && st.st_size > 0 ? (uint64_t)st.st_size : 0;
    /* gzip or plain, by gzip's magic bytes: the first two bytes are needed */
    int rc = GPBO_OK;
    while (rc == GPBO_OK && x->z.avail_in < 2) {
        ssize_t got = in_fill(x);
        if (got < 0)
            rc = sys_fail(x, "the magic number");
        else if (got == 0)
            break;
    }
    if (rc == GPBO_OK && x->z.avail_in >= 2 && x->in[0] == 0x1f && x->in[1] == 0x8b) {
        x->gz = 1;
        if (inflateInit2(&x->z, 16 + MAX_WBITS) != Z_OK)
            rc = gpbo_error_set(GPBO_ENOMEM, "%s: out of memory opening the file", path);
        else
            x->gz = 2;
    }
    if (rc != GPBO_OK) {
        idx_close(x);
        return rc;
    }
    unsigned char h[16];
    const char *kind = ndims == 3 ? "images" : "labels";
    rc = read_exact(x, h, 4, "the magic number");
    if (rc == GPBO_OK && (h[0] != 0 || h[1] != 0)) {
        const char *other = other_format(h);
        rc = gpbo_error_set(GPBO_EFORMAT,
                            "%s: bad magic number %02x%02x%02x%02x: an IDX file starts with two "
                            "zero bytes (expected 000008%02x, IDX unsigned-byte %s)%s%s%s",
                            path, h[0], h[1], h[2], h[3], ndims, kind, other ? "; this is " : "",
                            other ? other : "",
                            other ? ": IDX files are read plain or gzip-compressed, so unpack "
                                    "it first"
                                  : "");
    } else if (rc == GPBO_OK && h[2] != 0x08)
        rc = gpbo_error_set(GPBO_EFORMAT,
                            "%s: magic number %02x%02x%02x%02x: data type 0x%02x is not supported "
                            "(only 0x08, unsigned bytes)",
                            path, h[0], h[1], h[2], h[3], h[2]);
    else if (rc == GPBO_OK && h[3] != ndims)
        rc = gpbo_error_set(GPBO_EFORMAT,
                            "%s: magic number %02x%02x%02x%02x: %u dimensions, but IDX %s have %d",
                            path, h[0], h[1], h[2], h[3], h[3], kind, ndims);
    if (rc == GPBO_OK)
        rc = read_exact(x, h + 4, 4 * (size_t)ndims, "the dimensions");
    if (rc != GPBO_OK) {
        idx_close(x);
        return rc;
    }
    for (int k = 0; k < ndims; k++)
        x->dims[k] = be32(h + 4 + 4 * k);
    /* plain: the bytes on disk are the bytes read */
    x->sized = x->regular && x->gz == 0;
    if (x->sized && st.st_size > x->header)
        x->on_disk = (uint64_t)st.st_size - (uint64_t)x->header;
    return GPBO_OK;
}

/* The error for a file holding fewer bytes (holds) than its header claims (total, claim). */
static int idx_short(const idx_file *x, uint64_t total, const char *claim, uint64_t holds)
{
    return gpbo_error_set(GPBO_EFORMAT,
                          "%s: truncated: header claims %s (%" PRIu64
                          " bytes after the %d-byte header) but the %s holds %" PRIu64,
                          x->path, claim, total, x->header,
                          x->sized ? "file" : "decompressed stream", holds);
}

/* The error for data after what the header claims; extra is how much (0: unknown). */
static int idx_trailing(const idx_file *x, const char *claim, uint64_t extra)
{
    if (extra > 0)
        return gpbo_error_set(GPBO_EFORMAT,
                              "%s: %" PRIu64 " bytes of trailing data after the %s its header "
                              "claims (a wrong count in the header?)",
                              x->path, extra, claim);
    return gpbo_error_set(GPBO_EFORMAT,
                          "%s: the decompressed stream goes on after the %s its header claims "
                          "(trailing data, or a wrong count in the header?)",
                          x->path, claim);
}

/*
 * For a plain file, compares the payload its header claims (total bytes, described by claim)
 * with the file's size: free, so done before anything is read or allocated. A gzip stream
 * passes here and is checked as it is read.
 */
static int idx_check_size(const idx_file *x, uint64_t total, const char *claim)
{
    if (!x->sized || x->on_disk == total)
        return GPBO_OK;
    if (x->on_disk < total)
        return idx_short(x, total, claim, x->on_disk);
    return idx_trailing(x, claim, x->on_disk - total);
}

/*
 * Reads the payload of x, which its header claims is total bytes (described by claim), and
 * keeps the first keep <= total of them in *out. A sized file (already checked by
 * idx_check_size) gets its buffer at once; a stream's buffer grows as the data arrives, so it
 * is never larger than what the stream delivered. With whole, reads on to the end through a
 * small scratch buffer to check that the stream holds exactly total bytes (this also makes zlib
 * check the gzip trailer's CRC). *max_out, if not NULL, receives the largest byte of the whole
 * payload read. On error returns the code with a message naming the file; *out is unchanged.
 */
static int idx_payload(idx_file *x, uint64_t total, size_t keep, int whole, const char *claim,
                       unsigned char **out, unsigned *max_out)
{
    size_t cap = x->sized || keep < IDX_FIRST_CHUNK ? keep : IDX_FIRST_CHUNK, have = 0;
    unsigned char *buf = malloc(cap > 0 ? cap : 1);
    if (buf == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory for %zu bytes of %s", x->path, cap,
                              x->what);
    int rc = GPBO_OK;
    while (rc == GPBO_OK && have < keep) {
        if (have == cap) {
            size_t grown = cap > keep / 2 ? keep : 2 * cap;
            unsigned char *b = realloc(buf, grown);
            if (b == NULL) {
                rc = gpbo_error_set(GPBO_ENOMEM, "%s: out of memory for %zu bytes of %s", x->path,
                                    grown, x->what);
                break;
            }
            buf = b;
            cap = grown;
        }
        size_t got;
        rc = idx_read(x, buf + have, cap - have, &got, x->what);
        if (rc == GPBO_OK && got == 0)
            rc = idx_short(x, total, claim, have);
        have += got;
    }
    unsigned max = 0;
    for (size_t i = 0; rc == GPBO_OK && max_out != NULL && i < keep; i++)
        max = buf[i] > max ? buf[i] : max;
    uint64_t seen = keep;
    unsigned char scratch[16384];
    while (rc == GPBO_OK && whole) {
        uint64_t left = total - seen;
        /* once everything claimed is in, ask for one byte more: there must be none */
        size_t want = left == 0 ? 1 : left < sizeof scratch ? (size_t)left : sizeof scratch, got;
        rc = idx_read(x, scratch, want, &got, x->what);
        if (rc != GPBO_OK) {
            break;
        } else if (got == 0) {
            if (left > 0)
                rc = idx_short(x, total, claim, seen);
            break;
        } else if (left == 0) {
            rc = idx_trailing(x, claim, 0);
        } else {
            for (size_t i = 0; max_out != NULL && i < got; i++)
                max = scratch[i] > max ? scratch[i] : max;
            seen += (uint64_t)got;
        }
    }
    if (rc != GPBO_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    if (max_out != NULL)
        *max_out = max;
    return GPBO_OK;
}

gpbo_dataset *gpbo_dataset_load_idx(const char *images, const char *labels, size_t limit)
{
    if (images == NULL || labels == NULL) {
        gpbo_error_set(GPBO_EINVAL, "dataset_load_idx: a path is NULL");
        return NULL;
    }
    idx_file fi, fl;
    gpbo_dataset *d = NULL;
    unsigned char *pix = NULL, *lab = NULL;
    memset(&fl, 0, sizeof fl);
    if (idx_open(&fi, images, 3) != GPBO_OK || idx_open(&fl, labels, 1) != GPBO_OK)
        goto fail;
    uint32_t n = fi.dims[0], r = fi.dims[1], c = fi.dims[2];
    if (n == 0) {
        gpbo_error_set(GPBO_EFORMAT, "%s: header claims 0 images", images);
        goto fail;
    }
    if (r == 0 || c == 0 || r > 4096 || c > 4096) {
        gpbo_error_set(GPBO_EFORMAT,
                       "%s: header claims images of %ux%u pixels (each side must be 1 to 4096)",
                       images, r, c);
        goto fail;
    }
    if (fl.dims[0] != n) {
        gpbo_error_set(GPBO_EFORMAT, "%s holds %u images but %s holds %u labels", images, n, labels,
                       fl.dims[0]);
        goto fail;
    }
    /* n < 2^32 and r * c <= 2^24: no overflow in 64 bits */
    uint64_t f = (uint64_t)r * c, total = n * f;
    size_t keep = limit > 0 && limit < n ? limit : n;
    if (total > SIZE_MAX / sizeof(float)) { /* only where size_t has 32 bits */
        gpbo_error_set(GPBO_ENOMEM, "%s: %u images of %ux%u do not fit in memory here", images, n,
                       r, c);
        goto fail;
    }
    char ci[80], cl[48];
    snprintf(ci, sizeof ci, "%u images of %ux%u", n, r, c);
    snprintf(cl, sizeof cl, "%u labels", n);
    unsigned maxlab = 0;
    /* the labels before the pixels: a short label file then fails before the images, 28x28
     * times larger, have been inflated into memory */
    if (idx_check_size(&fi, total, ci) != GPBO_OK || idx_check_size(&fl, n, cl) != GPBO_OK ||
        idx_payload(&fl, n, keep, 1, cl, &lab, &maxlab) != GPBO_OK ||
        idx_payload(&fi, total, keep * (size_t)f, !fi.sized && keep == n, ci, &pix, NULL) !=
            GPBO_OK)
        goto fail;
    if ((d = ds_alloc(keep, (size_t)f)) == NULL) {
        gpbo_error_set(GPBO_ENOMEM, "dataset_load_idx: out of memory for %zu images", keep);
        goto fail;
    }
    d->rows = r;
    d->cols = c;
    for (size_t i = 0; i < keep * (size_t)f; i++)
        d->x[i] = (float)pix[i] / 255.0f;
    for (size_t i = 0; i < keep; i++)
        d->y[i] = lab[i];
    d->classes = maxlab + 1 < 2 ? 2 : maxlab + 1;
    free(pix);
    free(lab);
    idx_close(&fi);
    idx_close(&fl);
    return d;
fail:
    free(pix);
    free(lab);
    gpbo_dataset_free(d);
    idx_close(&fi);
    idx_close(&fl);
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

/* The number in s (blanks around it allowed): 0, or -1 when s is not a number, -2 when it is
 * one that a float cannot hold (features are floats: 1e300 would be inf). A number too small
 * for a double (1e-320) is a number, read as what strtod makes of it (about 0). */
static int parse_num(const char *s, double *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s)
        return -1;
    int range = errno == ERANGE;
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    if (*end != '\0' || isnan(v))
        return -1;
    if (!isfinite(v) || fabs(v) > FLT_MAX || (range && fabs(v) >= 1.0))
        return -2;
    *out = v;
    return 0;
}

/* A CSV file being read: its shape once the first line has fixed it, and the rows so far. */
typedef struct csv_reader {
    const char *path;
    size_t label_col;
    size_t lineno;
    size_t ncols; /* fields per line, 0 before the first non-empty line */
    char **fv;    /* the current line's fields */
    size_t n, cap, classes;
    float *x;
    int32_t *y;
} csv_reader;

/* The first non-empty line fixes the number of fields; line (len bytes) is split into r->fv.
 * @return 1 when it is a header (its first field not a number), 0 when it is data, or
 * GPBO_EFORMAT / GPBO_ENOMEM. */
static int csv_first_line(csv_reader *r, char *line, size_t len)
{
    size_t c = fields(line, NULL, 0);
    if (c < 2 || r->label_col >= c)
        return gpbo_error_set(GPBO_EFORMAT,
                              "%s:%zu: %zu fields; need a label column %zu and a feature", r->path,
                              r->lineno, c, r->label_col);
    r->ncols = c;
    r->fv = malloc(r->ncols * sizeof *r->fv);
    if (r->fv == NULL)
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", r->path);
    /* re-split (the count above consumed the commas) */
    for (char *p = line; p < line + len; p++)
        if (*p == '\0')
            *p = ',';
    fields(line, r->fv, r->ncols);
    double t;
    return parse_num(r->fv[0], &t) == -1;
}

/* Room for one more row (geometric growth). GPBO_ENOMEM. */
static int csv_grow(csv_reader *r)
{
    if (r->n < r->cap)
        return GPBO_OK;
    r->cap = r->cap ? 2 * r->cap : 1024;
    float *nx = realloc(r->x, r->cap * (r->ncols - 1) * sizeof *nx);
    if (nx)
        r->x = nx;
    int32_t *ny = realloc(r->y, r->cap * sizeof *ny);
    if (ny)
        r->y = ny;
    if (!nx || !ny)
        return gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", r->path);
    return GPBO_OK;
}

/* Appends the current line's fields as row n. GPBO_EFORMAT naming the line and the field. */
static int csv_row(csv_reader *r)
{
    int rc = csv_grow(r);
    if (rc != GPBO_OK)
        return rc;
    size_t k = 0, n = r->n;
    for (size_t c = 0; c < r->ncols; c++) {
        double v;
        int bad = parse_num(r->fv[c], &v);
        if (bad != 0)
            return gpbo_error_set(GPBO_EFORMAT, "%s:%zu: field %zu ('%s') is not a %s", r->path,
                                  r->lineno, c + 1, r->fv[c],
                                  bad == -2 ? "number a float can hold" : "number");
        if (c == r->label_col) {
            if (v < 0 || v != floor(v) || v > 1e6)
                return gpbo_error_set(
                    GPBO_EFORMAT,
                    "%s:%zu: field %zu: label %.15g is not an integer from 0 to 1000000", r->path,
                    r->lineno, c + 1, v);
            r->y[n] = (int32_t)v;
            if ((size_t)v + 1 > r->classes)
                r->classes = (size_t)v + 1;
        } else {
            r->x[n * (r->ncols - 1) + k++] = (float)v;
        }
    }
    r->n++;
    return GPBO_OK;
}

/* Reads every line of f into r. A status code. */
static int csv_read(csv_reader *r, FILE *f)
{
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int rc = GPBO_OK;
    errno = 0;
    while (rc == GPBO_OK && (len = getline(&line, &lcap, f)) >= 0) {
        r->lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (r->ncols == 0) {
            rc = csv_first_line(r, line, (size_t)len);
            if (rc == 1) { /* a header line */
                rc = GPBO_OK;
                continue;
            }
        } else {
            size_t got = fields(line, r->fv, r->ncols);
            if (got != r->ncols)
                rc = gpbo_error_set(GPBO_EFORMAT, "%s:%zu: %zu fields, expected %zu", r->path,
                                    r->lineno, got, r->ncols);
        }
        if (rc == GPBO_OK)
            rc = csv_row(r);
    }
    /* getline's -1 is also a read error (EISDIR, EIO): not the end of the data */
    if (rc == GPBO_OK && ferror(f))
        rc = gpbo_error_set(errno == ENOMEM ? GPBO_ENOMEM : GPBO_EIO,
                            "%s: cannot read after line %zu: %s", r->path, r->lineno,
                            strerror(errno));
    free(line);
    if (rc == GPBO_OK && r->n == 0)
        rc = gpbo_error_set(GPBO_EFORMAT, "%s: no examples", r->path);
    return rc;
}

gpbo_dataset *gpbo_dataset_load_csv(const char *path, size_t label_col)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f == NULL) {
        gpbo_error_set(GPBO_EIO, "%s: cannot open: %s", path ? path : "(null)", strerror(errno));
        return NULL;
    }
    csv_reader r = {.path = path, .label_col = label_col};
    gpbo_dataset *d = NULL;
    if (csv_read(&r, f) == GPBO_OK && (d = calloc(1, sizeof *d)) == NULL)
        gpbo_error_set(GPBO_ENOMEM, "%s: out of memory", path);
    fclose(f);
    free(r.fv);
    if (d == NULL) {
        free(r.x);
        free(r.y);
        return NULL;
    }
    d->n = r.n;
    d->features = r.ncols - 1;
    d->classes = r.classes < 2 ? 2 : r.classes;
    d->channels = d->rows = 1;
    d->cols = r.ncols - 1;
    d->x = r.x;
    d->y = r.y;
    return d;
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
