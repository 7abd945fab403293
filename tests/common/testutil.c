/*
 * testutil.c: scratch directories and files for tests.
 */
#include <ftw.h>
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

int gpbo_test_mkdtemp(char *out, size_t cap, const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    int len = snprintf(out, cap, "%s/gpbo-%s-XXXXXX", tmp, tag);
    if (len < 0 || (size_t)len >= cap)
        return -1;
    return mkdtemp(out) == NULL ? -1 : 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int gpbo_test_rmtree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int gpbo_test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    int rc = fclose(f);
    return (w == len && rc == 0) ? 0 : -1;
}

const char *gpbo_test_source_dir(void)
{
    const char *dir = getenv("GPBO_SOURCE_DIR");
    return dir != NULL ? dir : ".";
}

double gpbo_test_objective_value(double v)
{
    const char *e = getenv("GPBO_TEST_PERTURB_ULP");
    return e != NULL && strcmp(e, "1") == 0 ? nextafter(v, INFINITY) : v;
}

void gpbo_test_remove_db(const char *path)
{
    char side[4200];
    remove(path);
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
}
