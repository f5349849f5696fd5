/* seqnetquake inspect: every real reference file, written LAP/DEMETER files with mixed
 * sampling and gaps, and bad files (non-zero exit, message naming the file). */
#include "testutil.h"

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/h5.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REAL "data/real/"

static void expect(const char *out, const char *want)
{
    if (!strstr(out, want)) fail_msg("output lacks '%s':\n%s", want, out);
}

static void test_help_and_usage(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(test_cli(&out, "inspect --help"), 0);
    expect(out, "usage: seqnetquake inspect");
    free(out);
    assert_int_equal(test_cli(&out, "inspect"), 2);
    free(out);
    assert_int_equal(test_cli(&out, "inspect --bogus x"), 2);
    expect(out, "unknown option '--bogus'");
    free(out);
}

static void test_real_files(void **state)
{
    (void)state;
    char *out;
    int rc = test_cli(&out, "inspect %s", test_shared(REAL "CSES_01_HPM_5_L02_A2_096791_20191101_001933_20191101_005555_000.h5"));
    if (rc) fail_msg("rc %d: %s", rc, out);
    /* Values checked with h5py: 2079 samples at 1 s, 00:21:08..00:55:46, GEO_LAT -64.85..64.35. */
    expect(out, "CSES HPM Level-2");
    expect(out, "9679 ascending");
    expect(out, "samples:      2079");
    expect(out, "2019-11-01T00:21:08.000Z .. 2019-11-01T00:55:46.000Z");
    expect(out, "1 s: 2078; gaps > 2 s: 0");
    expect(out, "-64.8527 .. 64.3545 deg");
    expect(out, "A221");
    expect(out, "q_SIM_ECI[3]");
    expect(out, "PAYLOADID=146F0101, SAMPLERATE=FMAG:1Hz");
    free(out);
    static const char *const tables[] = {"Kp_def2019_January_1-12.wdc", "celestrak_SW-All.csv",
                                         "usgs_M4.5_2019-11-30_2020-12-31.csv"};
    for (int i = 0; i < 3; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, REAL "%s", tables[i]);
        rc = test_cli(&out, "inspect %s", test_shared(rel));
        if (rc) fail_msg("%s: rc %d: %s", tables[i], rc, out);
        expect(out, "kind:");
        free(out);
    }
    rc = test_cli(&out, "inspect --quiet %s/*", test_shared("data/real"));
    assert_int_equal(rc, 0);
    assert_string_equal(out, "");
    free(out);
}

/* 300 samples at 3 s (survey), a 20 s gap, 300 at 1.5 s (burst); one Ne missing. */
static void make_pass(sqk_pass *p)
{
    memset(p, 0, sizeof *p);
    assert_int_equal(sqk_pass_alloc(p, 600, 1, 0, 1), SQK_OK);
    p->orbit = 4321;
    p->direction = 0;
    int ne = sqk_pass_add_var(p, "Ne", "cm^-3"), te = sqk_pass_add_var(p, "Te", "K");
    for (size_t i = 0; i < 600; i++) {
        p->t[i] = 1600000000.0 + (i < 300 ? 3.0 * i : 897.0 + 20.0 + 1.5 * (i - 299));
        p->lat[i] = 60 - 0.2 * i;
        p->lon[i] = 100 + 0.01 * i;
        p->alt_km[i] = 507;
        p->mode[i] = i < 300 ? SQK_MODE_SURVEY : SQK_MODE_BURST;
        p->var[ne].v[i] = 1e5;
        p->var[te].v[i] = 2000;
    }
    p->var[ne].v[42] = NAN;
}

/* A DEMETER survey file holds survey blocks only. */
static int write_survey(const char *dir, sqk_pass *p, char *path, size_t size)
{
    memset(p->mode, SQK_MODE_SURVEY, p->n);
    return sqk_demeter_write(dir, p, SQK_DEMETER_APID_SURVEY, path, size);
}

static void test_written_files(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), lap[2048], dmt[2048], *out;
    sqk_pass p;
    make_pass(&p);
    assert_int_equal(sqk_cses_write_lap(dir, &p, lap, sizeof lap), SQK_OK);
    assert_int_equal(write_survey(dir, &p, dmt, sizeof dmt), SQK_OK);
    sqk_pass_free(&p);
    int rc = test_cli(&out, "inspect %s %s", lap, dmt);
    if (rc) fail_msg("rc %d: %s", rc, out);
    expect(out, "CSES LAP Level-2");
    expect(out, "4321 descending");
    expect(out, "1.5 s: 299, 3 s: 299; gaps > 6 s: 1");
    expect(out, "survey 300, burst 300, unknown 0");
    expect(out, "fill:         1 samples");
    expect(out, "fill/invalid 1");
    expect(out, "DEMETER ISL level-1");
    expect(out, "4321 downgoing (day)");
    free(out);
    /* Renamed with another orbit: the disagreement is reported. */
    char other[2100];
    snprintf(other, sizeof other, "%s/CSES_01_LAP_1_L02_A3_043221_20200913_121320_20200913_123456_000.h5", dir);
    assert_int_equal(rename(lap, other), 0);
    assert_int_equal(test_cli(&out, "inspect %s", other), 0);
    expect(out, "warning:      orbit 4321 in ORBITNUM but 4322 in the file name");
    free(out);
    test_rmtree(dir);
    free(dir);
}

/* Time stamps with a wide jitter: no step is common, so none can be called a gap. */
static void test_jittered_steps(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), lap[2048], *out;
    sqk_pass p;
    make_pass(&p);
    uint32_t x = 12345;
    for (size_t i = 0; i < p.n; i++) {
        x = x * 1103515245u + 12345u;
        p.t[i] = 1600000000.0 + 3.0 * (double)i + (double)(x >> 16 & 1023) / 1000.0; /* 0..1.023 s */
    }
    assert_int_equal(sqk_cses_write_lap(dir, &p, lap, sizeof lap), SQK_OK);
    sqk_pass_free(&p);
    int rc = test_cli(&out, "inspect %s", lap);
    if (rc) fail_msg("rc %d: %s", rc, out);
    expect(out, "time steps:   no common step; 599 steps of 2.045 .. 4.007 s");
    if (strstr(out, "gaps >")) fail_msg("jitter reported as gaps:\n%s", out);
    free(out);
    test_rmtree(dir);
    free(dir);
}

static void test_bad_files(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), path[2100], good[2048], *out;
    snprintf(path, sizeof path, "%s/junk.txt", dir);
    assert_int_equal(test_write_file(path, "hello\n", 6), 0);
    assert_int_equal(test_cli(&out, "inspect %s", path), 1);
    expect(out, path);
    free(out);
    snprintf(path, sizeof path, "%s/empty.dat", dir);
    assert_int_equal(test_write_file(path, "", 0), 0);
    assert_int_equal(test_cli(&out, "inspect %s", path), 1);
    expect(out, "empty");
    free(out);
    sqk_pass p;
    make_pass(&p);
    assert_int_equal(write_survey(dir, &p, good, sizeof good), SQK_OK);
    size_t n;
    char *data = test_read_file(good, &n);
    snprintf(path, sizeof path, "%s/DMT_N1_1144_043210_20200913_121320_20200913_123456.DAT", dir);
    assert_int_equal(test_write_file(path, data, n - 7), 0);
    free(data);
    assert_int_equal(test_cli(&out, "inspect %s", path), 1);
    expect(out, "truncated");
    expect(out, path);
    free(out);
    assert_int_equal(sqk_cses_write_lap(dir, &p, good, sizeof good), SQK_OK);
    data = test_read_file(good, &n);
    snprintf(path, sizeof path, "%s/CSES_cut.h5", dir);
    assert_int_equal(test_write_file(path, data, n / 3), 0);
    free(data);
    sqk_pass_free(&p);
    /* One bad file among good ones: the good ones are still summarised, the exit is 1. */
    assert_int_equal(test_cli(&out, "inspect %s %s/missing.h5 %s", good, dir, path), 1);
    expect(out, "CSES LAP Level-2");
    expect(out, "missing.h5: cannot open");
    expect(out, "CSES_cut.h5");
    free(out);
    test_rmtree(dir);
    free(dir);
}

/* A generic CSES file read in several batches whose last dataset is bad: an error and no
 * half-printed summary. */
static void test_generic_bad_late_dataset(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), path[2100], *out;
    size_t n;
    char *data = test_read_file(test_shared(REAL "CSES_01_HPM_5_L02_A2_096791_20191101_001933_20191101_005555_000.h5"), &n);
    assert_non_null(data);
    snprintf(path, sizeof path, "%s/CSES_01_HPM_5_L02_A2_096791_20191101_001933_20191101_005555_000.h5", dir);
    assert_int_equal(test_write_file(path, data, n), 0);
    free(data);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    double v[5] = {0};
    size_t d[2] = {5, 1};
    assert_int_equal(sqk_h5_write_f64(f, "ZZZ_LAST", 2, d, v), SQK_OK); /* 5 rows, not 2079 */
    H5Fclose(f);
    assert_int_equal(test_cli(&out, "inspect %s", path), 1);
    expect(out, "'ZZZ_LAST' has 5 rows");
    if (strstr(out, "samples:")) fail_msg("partial summary printed:\n%s", out);
    free(out);
    test_rmtree(dir);
    free(dir);
}

/* A minimal file in the dataset contract's layout. */
static void test_dataset_file(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), path[2100], *out;
    snprintf(path, sizeof path, "%s/DATASET.h5", dir);
    hid_t f;
    assert_int_equal(sqk_h5_create(path, &f), SQK_OK);
    int64_t T = 20, F = 2;
    assert_int_equal(sqk_h5_set_attr_str(f, ".", "format", "seqnetquake-dataset"), SQK_OK);
    int64_t version = 1;
    assert_int_equal(sqk_h5_set_attr_i64(f, ".", "format_version", &version, 1), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_i64(f, ".", "T", &T, 1), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_i64(f, ".", "F", &F, 1), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_str(f, ".", "features", "Ne,Te"), SQK_OK);
    int32_t y[4] = {0, 1, 2, 1};
    uint8_t split[4] = {0, 0, 1, 2};
    size_t n = 4;
    assert_int_equal(sqk_h5_write_i32(f, "y", 1, &n, y), SQK_OK);
    assert_int_equal(sqk_h5_write_u8(f, "split", 1, &n, split), SQK_OK);
    H5Fclose(f);
    assert_int_equal(test_cli(&out, "inspect %s", path), 0);
    expect(out, "4 windows of T = 20 samples x F = 2 features (Ne,Te)");
    expect(out, "control 1, seismic 2, storm 1");
    expect(out, "train 2, validation 1, test 1");
    free(out);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_written_files),
        cmocka_unit_test(test_jittered_steps),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_generic_bad_late_dataset),
        cmocka_unit_test(test_dataset_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
