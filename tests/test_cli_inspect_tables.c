/* `inspect` summaries of the catalogue and Kp tables, checked against numbers computed
 * independently with Python's csv module (see tests/test_archive_catalog.c and
 * tests/test_archive_kp.c for the reference values). */
#include "testutil.h"

#include "sqk/core.h"

#include "inspect/inspect_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REAL_CATALOG "data/real/usgs_M4.5_2019-11-30_2020-12-31.csv"
#define REAL_WDC "data/real/Kp_def2019_January_1-12.wdc"
#define REAL_CELESTRAK "data/real/celestrak_SW-All.csv"

/* Runs fn on path and returns what it printed (malloc'd). */
static char *capture(int (*fn)(const char *, FILE *), const char *path, int *status)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    *status = fn(path, mem);
    fclose(mem);
    return buf;
}

static void expect_lines(const char *text, const char *const *want)
{
    for (; *want; want++)
        if (!strstr(text, *want)) fail_msg("missing '%s' in:\n%s", *want, text);
}

static void test_inspect_catalog(void **state)
{
    (void)state;
    int st;
    char *text = capture(inspect_catalog, test_shared(REAL_CATALOG), &st);
    assert_int_equal(st, SQK_OK);
    static const char *const want[] = {
        "kind:         USGS ComCat CSV\n",
        "rows:         7150\n",
        "time span:    2019-11-30T01:45:12.620Z .. 2020-12-31T23:12:35.050Z",
        "  earthquake             7149\n",
        "  mine collapse          1\n",
        "  4.5-4.8      4214\n", "  4.8-5.0      1366\n", "  5.0-5.5      1129\n",
        "  5.5-6.0      305\n", "  6.0-7.0      126\n", "  M >= 7.0     9\n",
        "depth:        -0.57 .. 646.80 km\n",
        "M >= 4.8:     2935 earthquakes (2936 rows of any type)\n",
        NULL};
    expect_lines(text, want);
    free(text);
}

static void test_inspect_kp(void **state)
{
    (void)state;
    int st;
    char *text = capture(inspect_kp, test_shared(REAL_CELESTRAK), &st);
    assert_int_equal(st, SQK_OK);
    static const char *const want_ct[] = {
        "kind:         Kp table, CelesTrak SW-All.csv\n",
        "time span:    1998-07-01 .. 2026-04-26 (10162 days)\n",
        "intervals:    81296 of 3 h\n",
        "missing:      0\n",
        "maximum Kp:   9o (9.000) in the interval starting 2000-07-15T18:00 UT\n",
        NULL};
    expect_lines(text, want_ct);
    free(text);

    text = capture(inspect_kp, test_shared(REAL_WDC), &st);
    assert_int_equal(st, SQK_OK);
    /* By hand from the file, the Kp*10 values above 30: 33 (01-04), 50 40 (01-05), 33 (01-11). */
    static const char *const want_wdc[] = {
        "kind:         Kp table, GFZ WDC Kp_defYYYY.wdc\n",
        "time span:    2019-01-01 .. 2019-01-12 (12 days)\n",
        "intervals:    96 of 3 h\n",
        "Kp > 3:       4.17 % of the intervals with a value (4 of 96)\n",
        "maximum Kp:   5o (5.000) in the interval starting 2019-01-05T00:00 UT\n",
        NULL};
    expect_lines(text, want_wdc);
    free(text);
}

static void test_inspect_bad(void **state)
{
    (void)state;
    int st;
    char *text = capture(inspect_kp, test_shared(REAL_CATALOG), &st);
    assert_int_not_equal(st, SQK_OK);
    assert_non_null(strstr(sqk_last_error(), "unknown Kp format"));
    free(text);
    text = capture(inspect_catalog, test_shared(REAL_WDC), &st);
    assert_int_not_equal(st, SQK_OK);
    free(text);
}

/* The same through the command line (dispatch by file kind lives in cmd_inspect.c). */
static void test_cli_inspect(void **state)
{
    (void)state;
    char *out = NULL;
    int rc = test_cli(&out, "inspect '%s'", test_shared(REAL_CATALOG));
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    assert_non_null(strstr(out, "USGS ComCat CSV"));
    assert_non_null(strstr(out, "rows:         7150"));
    free(out);
    rc = test_cli(&out, "inspect '%s'", test_shared(REAL_CELESTRAK));
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    assert_non_null(strstr(out, "CelesTrak SW-All.csv"));
    assert_non_null(strstr(out, "intervals:    81296"));
    free(out);
    rc = test_cli(&out, "inspect '%s'", test_shared(REAL_WDC));
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    assert_non_null(strstr(out, "GFZ WDC Kp_defYYYY.wdc"));
    free(out);

    /* A catalogue whose columns come in another order (the reader finds them by name). */
    char *dir = test_tmpdir(), path[4096];
    snprintf(path, sizeof path, "%s/reordered.csv", dir);
    const char *cat = "id,type,mag,magType,depth,longitude,latitude,time\n"
                      "us1,earthquake,5.1,mb,10,120.5,-3.25,2020-01-02T03:04:05.060Z\n";
    assert_int_equal(test_write_file(path, cat, strlen(cat)), 0);
    rc = test_cli(&out, "inspect '%s'", path);
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    assert_non_null(strstr(out, "USGS ComCat CSV"));
    assert_non_null(strstr(out, "rows:         1"));
    free(out);

    /* A bad table: exit status 1, the message names the file and the line. */
    snprintf(path, sizeof path, "%s/kp.csv", dir);
    const char *bad = "DATE,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8\n2019-01-01,0,0,0,0,0,0,0,100\n";
    assert_int_equal(test_write_file(path, bad, strlen(bad)), 0);
    rc = test_cli(&out, "inspect '%s'", path);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, path));
    assert_non_null(strstr(out, "line 2: Kp 10.0 outside [0, 9]"));
    free(out);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_catalog),
        cmocka_unit_test(test_inspect_kp),
        cmocka_unit_test(test_inspect_bad),
        cmocka_unit_test(test_cli_inspect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
