/* Corrupt files that crash libhdf5 1.10.8 or make it take gigabytes (one-byte mutants of CSES files with the
 * real files' variable-length string attributes, tests/fixtures/isolation/README.md): each
 * becomes an ordinary error naming the file; no signal reaches the user; `build --skip-bad`
 * skips and counts it; `inspect` goes on to the next file; `scan` records it as bad and goes on. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define FIX "tests/fixtures/isolation/"
#define LAP_NAME "CSES_01_LAP_1_L02_A3_106230_20200101_000000_20200101_002336_000.h5"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = test_tmpdir();
    char *out = NULL;
    int rc = test_cli(&out, "synth --out %s/a --satellites cses --cses-days 6 --seed 3 --quiet", dir);
    free(out);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    test_rmtree(dir);
    free(dir);
    return 0;
}

/* An ordinary failure: exit 1 (not a signal, not 128+signal from the shell). */
static void assert_plain_failure(int rc)
{
    assert_int_equal(rc, 1);
}

static void test_inspect_goes_on(void **state)
{
    (void)state;
    char *out = NULL;
    const char *real = test_shared("data/real/CSES_01_HPM_5_L02_A2_096791_20191101_001933_20191101_005555_000.h5");
    int rc = test_cli(&out, "inspect " FIX "hpm_crash_segv.h5 " FIX "lap_crash_segv.h5 " FIX "lap_memory.h5 %s", real);
    assert_plain_failure(rc);
    assert_non_null(strstr(out, FIX "hpm_crash_segv.h5: the HDF5 or XGBoost library"));
    assert_non_null(strstr(out, FIX "lap_crash_segv.h5: the HDF5 or XGBoost library"));
    /* libhdf5 asks for ~1.9 GB for this 16 KB file: the worker's memory limit makes it fail at once */
    assert_non_null(strstr(out, FIX "lap_memory.h5: "));
    assert_non_null(strstr(out, "file is corrupt"));
    /* the good file after them is summarised */
    assert_non_null(strstr(out, "kind:         CSES HPM Level-2 HDF5"));
    assert_non_null(strstr(out, "samples:      2079"));
    free(out);
    /* the unmutated small file of the same layout reads */
    assert_int_equal(test_cli(&out, "inspect " FIX "lap_vlen.h5"), 0);
    assert_non_null(strstr(out, "samples:      64"));
    free(out);
}

/* The real HPM file with byte 2176 set to 70 sends libhdf5 into an endless loop: the watchdog
 * ends the worker after SQK_READ_TIMEOUT_S and says so, naming the file. */
static void test_inspect_hang_watchdog(void **state)
{
    (void)state;
    size_t n;
    char *bytes = test_read_file(test_shared("data/real/CSES_01_HPM_5_L02_A2_096791_20191101_001933_20191101_005555_000.h5"), &n);
    assert_non_null(bytes);
    assert_true(n > 2176);
    bytes[2176] = 70;
    char path[1024];
    snprintf(path, sizeof path, "%s/hang.h5", dir);
    assert_int_equal(test_write_file(path, bytes, n), 0);
    free(bytes);
    setenv("SQK_READ_TIMEOUT_S", "3", 1);
    char *out = NULL;
    int rc = test_cli(&out, "inspect %s", path);
    unsetenv("SQK_READ_TIMEOUT_S");
    assert_plain_failure(rc);
    assert_non_null(strstr(out, "hang.h5: the HDF5 or XGBoost library did not finish reading this file within 3 s"));
    free(out);
}

static void build_with(const char *fixture, const char *prefix, const char *why)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp " FIX "%s %s/a/cses/" LAP_NAME, fixture, dir);
    assert_int_equal(system(cmd), 0);
    char *out = NULL;
    int rc = test_cli(&out, "build --archive %s/a --out %s/d.h5 --time all --quiet", dir, dir);
    assert_plain_failure(rc);
    assert_non_null(strstr(out, prefix));
    assert_non_null(strstr(out, why));
    assert_non_null(strstr(out, "nothing written"));
    free(out);
    rc = test_cli(&out, "build --archive %s/a --out %s/d.h5 --time all --skip-bad", dir, dir);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "skipped: "));
    assert_non_null(strstr(out, prefix));
    free(out);
    snprintf(cmd, sizeof cmd, "grep -q 'unreadable' %s/d.h5.summary.txt || grep -qi 'skipped' %s/d.h5.summary.txt", dir, dir);
    assert_int_equal(system(cmd), 0);
}

static void test_build_skips_crash(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    /* under AddressSanitizer's allocator libhdf5 may fail on this file rather than crash */
    build_with("lap_crash_segv.h5", LAP_NAME ": ", LAP_NAME);
#else
    build_with("lap_crash_segv.h5", LAP_NAME ": the HDF5 library", "crashed reading this file");
#endif
}

static void test_build_skips_memory_hog(void **state)
{
    (void)state;
    /* whatever libhdf5 makes of the failed allocation (without a memory limit under
     * AddressSanitizer it may even succeed): an error naming the file */
    build_with("lap_memory.h5", LAP_NAME ": ", LAP_NAME);
}

/* scan reads through the same workers: a file that crashes libhdf5 among the scanned ones is
 * reported naming it, recorded as bad in the ledger and skipped; the others are scanned. */
static void test_scan_skips_crash(void **state)
{
    (void)state;
    char cmd[4096], *out = NULL;
    snprintf(cmd, sizeof cmd, "cp " FIX "lap_crash_segv.h5 %s/a/cses/" LAP_NAME, dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/scan.h5 --time all --quiet --skip-bad", dir, dir), 0);
    free(out);
    assert_int_equal(test_cli(&out, "train --data %s/scan.h5 --model gbm --set n_estimators=3 --out %s/scan_model.h5 --quiet",
                              dir, dir), 0);
    free(out);
    int rc = test_cli(&out, "scan --model %s/scan_model.h5 --files '%s/a/cses/*.h5' --kp %s/a/kp.txt --out %s/scan "
                      "--no-figures", dir, dir, dir, dir);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "1 unreadable"));
    assert_non_null(strstr(out, LAP_NAME));
    free(out);
    char *ledger = test_read_in(dir, "scan/scanned.tsv");
    const char *row = strstr(ledger, LAP_NAME "\t");
    assert_non_null(row);
    assert_non_null(strstr(row, "\tbad\t"));
    assert_true(strstr(ledger, "\tok\t") != NULL);
    free(ledger);
}

/* A disk that fills while the dataset is written (here a file size limit: EFBIG, as ENOSPC
 * on a full disk): an error with errno's words naming the file, no signal (HDF5 used to crash
 * at exit trying to flush the file again), and the previous dataset and summary untouched. */
static void test_build_disk_full(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/full.h5 --time all --quiet --skip-bad", dir, dir), 0);
    free(out);
    char cmd[4096], path[1024];
    snprintf(path, sizeof path, "%s/full.h5", dir);
    size_t n0, s0;
    char *before = test_read_file(path, &n0);
    char *sum_before = test_read_in(dir, "full.h5.summary.txt");
    s0 = strlen(sum_before);
    snprintf(cmd, sizeof cmd, "sh -c 'trap \"\" XFSZ; ulimit -f 40; exec %s build --archive %s/a --out %s "
             "--time all --T 10 --quiet --skip-bad' > %s/full.log 2>&1", getenv("SQK_BIN"), dir, path, dir);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    char *log = test_read_in(dir, "full.log");
    assert_non_null(strstr(log, "File too large"));
    assert_non_null(strstr(log, "full.h5"));
    free(log);
    size_t n1;
    char *after = test_read_file(path, &n1);
    char *sum_after = test_read_in(dir, "full.h5.summary.txt");
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    assert_int_equal(strlen(sum_after), s0);
    assert_string_equal(sum_before, sum_after);
    assert_int_equal(test_count_files(dir, ".tmp."), 0);
    free(before); free(after); free(sum_before); free(sum_after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_goes_on),
        cmocka_unit_test(test_inspect_hang_watchdog),
        cmocka_unit_test(test_build_skips_crash),
        cmocka_unit_test(test_build_skips_memory_hog),
        cmocka_unit_test(test_build_disk_full),
        cmocka_unit_test(test_scan_skips_crash),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
