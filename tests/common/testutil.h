/*
 * testutil.h: small helpers shared by gpbo's tests: scratch directories and files.
 */
#ifndef GPBO_TEST_TESTUTIL_H
#define GPBO_TEST_TESTUTIL_H

#include <stddef.h>

/* Creates a fresh scratch directory under $TMPDIR (or /tmp) whose name starts with tag; writes
 * its path into out (size cap). Returns 0 on success. */
int gpbo_test_mkdtemp(char *out, size_t cap, const char *tag);

/* Removes a directory tree made by gpbo_test_mkdtemp. Returns 0 on success. */
int gpbo_test_rmtree(const char *path);

/* Writes len bytes to path (creating or truncating it). Returns 0 on success. */
int gpbo_test_write_file(const char *path, const void *data, size_t len);

/* The source tree's root (GPBO_SOURCE_DIR from ctest's environment, else "."). */
const char *gpbo_test_source_dir(void);

#endif
