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

/* Removes the SQLite file path and its -wal and -shm sidecars (any of them may be missing). */
void gpbo_test_remove_db(const char *path);

/* Writes len bytes to path (creating or truncating it). Returns 0 on success. */
int gpbo_test_write_file(const char *path, const void *data, size_t len);

/* The test-only switch that shows a statistical test asserts a property and not a trajectory:
 * with GPBO_TEST_PERTURB_ULP=1 in the environment every objective value the tests' objectives
 * return moves up by one ulp (nextafter towards +inf), which changes a Bayesian run's path as
 * much as another BLAS kernel does; any other value or none leaves v as it is. */
double gpbo_test_objective_value(double v);

/* The source tree's root (GPBO_SOURCE_DIR from ctest's environment, else "."). */
const char *gpbo_test_source_dir(void);

#endif
