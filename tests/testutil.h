/* Helpers shared by the test programs (cmocka). */
#ifndef SQK_TESTUTIL_H
#define SQK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Path of a file under ../shared (env SQK_SHARED), e.g. "data/real/x.csv"; static buffer.
 * A path under data/real that cannot be read skips the calling test with a message saying
 * so: the real files are reference data beside the repository, not part of it. */
const char *test_shared(const char *rel);
/* A fresh empty temporary directory (removed by test_rmtree). */
char *test_tmpdir(void);
void test_rmtree(const char *dir);
/* Runs the seqnetquake binary (env SQK_BIN) with a shell argument string; captures stdout and
 * stderr together into *out (malloc'd, may be NULL) and returns the exit status. */
int test_cli(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs the seqnetquake command (arguments as for test_cli, output discarded) in its own
 * process group and kills the group with SIGKILL after delay_s, as a crash would (no handler
 * runs). Returns 1 when it was killed, 0 when it ended first with exit status 0, -1 when it
 * ended first with another status. */
int test_cli_killed(double delay_s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The kill moments of a test: SQK_TEST_SEED (printed, to replay a failure) or the clock seeds
 * them; each call gives a delay uniform in [lo, hi] seconds. */
double test_kill_delay(double lo, double hi);
/* Drops the last field of every line of a CSV text, in place (logs compared without their
 * seconds column); returns text. */
char *test_drop_last_column(char *text);
/* Seconds on a monotonic clock. */
double test_now(void);
/* Writes bytes to a file; returns 0 on success. */
int test_write_file(const char *path, const void *data, size_t n);
/* The tiny experiment of the plan tests: a fresh folder (*dir) with a 6-day CSES + DEMETER
 * archive (*archive = DIR/archive, seed 3) and the plan text in DIR/tiny.plan; 0 or -1. */
int test_tiny_experiment(char **dir, char **archive, const char *plan_text);
/* A plan of six units for test_tiny_experiment's archive in which dataset "bad" (rigorous, on an
 * archive too short to match controls) fails, taking search and model "gbm-bad" with it; the
 * other three (dataset ok, model gbm-ok, report r) can be done (--keep-going). */
extern const char test_keep_going_plan[];
/* Reads a whole file (NUL-terminated) or NULL. */
char *test_read_file(const char *path, size_t *n);
/* Number of entries in a directory whose name contains sub (to check no .tmp leftovers). */
int test_count_files(const char *dir, const char *sub);
/* dir/name read whole (NUL-terminated); fails the test when it is missing. */
char *test_read_in(const char *dir, const char *name);
/* Copies the folder src_dir/name into dir (cp -r); returns dir/name (malloc'd). */
char *test_copy_dir(const char *src_dir, const char *name, const char *dir);
/* Share of the n windows whose most probable class in probs (n, 3) is y (ties: lower class). */
double test_accuracy(const float *probs, const int32_t *y, size_t n);
/* A dataset file with labels only (no X), enough for the evaluation's checks: the format
 * attribute, y, split and event per window (n), and events/{id, kind} (n_events). */
void test_write_label_dataset(const char *path, size_t n, const int32_t *y, const uint8_t *split,
                              const int64_t *event, size_t n_events, const char *const *ids,
                              const uint8_t *kind);

/* Sets the root attribute format_version of a dataset or model file in place. */
void test_set_format_version(const char *path, int64_t version);

/* A dataset file with the core of the contract layout: format, format_version, T, F,
 * features and config attributes; X (N, T, F), y, split and event per window. */
void test_write_window_dataset(const char *path, size_t N, int T, int F, const float *X,
                               const int32_t *y, const uint8_t *split, const int64_t *event,
                               const char *features, const char *config);

#define assert_close(a, b, tol) \
    do { double _a = (a), _b = (b); if (!(fabs(_a - _b) <= (tol))) { \
        fail_msg("%s = %.10g, expected %.10g (tol %g)", #a, _a, _b, (double)(tol)); } } while (0)

#endif
