/* USGS ComCat catalogue: the real export, hand-made edge cases, the writer round trip and every
 * kind of bad input we reject.
 *
 * Reference counts for the real file (Python csv module): 7,150 rows, all M >= 4.5; 7,149 of
 * type earthquake and 1 mine collapse (M 4.9, us70009ja2); 2,936 rows with M >= 4.8 of which
 * 2,935 are earthquakes; magnitude bins of the earthquakes 4214/1366/1129/305/126/9; depth
 * -0.57..646.8 km; largest M 7.8 (us7000asvb, 2020-07-22T06:12:44.810Z). */
#include "testutil.h"

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REAL_CATALOG "data/real/usgs_M4.5_2019-11-30_2020-12-31.csv"
#define HEADER "time,latitude,longitude,depth,mag,magType,nst,gap,dmin,rms,net,id,updated,place,type," \
               "horizontalError,depthError,magError,magNst,status,locationSource,magSource\n"

static double iso(const char *s)
{
    double t = NAN;
    assert_int_equal(sqk_time_parse_iso(s, &t), SQK_OK);
    return t;
}

/* Writes text into a file in a fresh temporary folder; returns the folder (caller removes). */
static char *write_tmp(const char *text, char *path, size_t size)
{
    char *dir = test_tmpdir();
    assert_non_null(dir);
    snprintf(path, size, "%s/catalog.csv", dir);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    return dir;
}

static void test_real_counts(void **state)
{
    (void)state;
    sqk_catalog c;
    assert_int_equal(sqk_catalog_read(test_shared(REAL_CATALOG), 4.5, 0, &c), SQK_OK);
    assert_int_equal(c.rows_read, 7150);
    assert_int_equal(c.rows_other_type, 1);
    assert_int_equal(c.rows_below_mag, 0);
    assert_int_equal(c.n, 7149);
    for (size_t i = 1; i < c.n; i++) assert_true(c.ev[i - 1].t <= c.ev[i].t);
    assert_close(c.ev[0].t, iso("2019-11-30T01:45:12.620Z"), 1e-6);
    /* The first data row of the file is the newest event. */
    const sqk_quake *q = &c.ev[c.n - 1];
    assert_close(q->t, iso("2020-12-31T23:12:35.050Z"), 1e-6);
    assert_string_equal(q->id, "us6000d4nn");
    assert_close(q->lat, -9.1109, 1e-12);
    assert_close(q->lon, 118.9156, 1e-12);
    assert_close(q->depth_km, 85.73, 1e-12);
    assert_close(q->mag, 4.8, 1e-12);
    assert_string_equal(q->mag_type, "mb");
    assert_string_equal(q->type, "earthquake");
    size_t imax = 0;
    for (size_t i = 0; i < c.n; i++) if (c.ev[i].mag > c.ev[imax].mag) imax = i;
    assert_string_equal(c.ev[imax].id, "us7000asvb");
    assert_close(c.ev[imax].mag, 7.8, 1e-12);
    sqk_catalog_free(&c);

    assert_int_equal(sqk_catalog_read(test_shared(REAL_CATALOG), 4.8, 0, &c), SQK_OK);
    assert_int_equal(c.n, 2935);
    assert_int_equal(c.rows_other_type, 1);
    assert_int_equal(c.rows_below_mag, 7149 - 2935);
    sqk_catalog_free(&c);

    assert_int_equal(sqk_catalog_read(test_shared(REAL_CATALOG), 4.8, 1, &c), SQK_OK);
    assert_int_equal(c.n, 2936);
    assert_int_equal(c.rows_other_type, 0);
    int found = 0;
    for (size_t i = 0; i < c.n; i++)
        if (!strcmp(c.ev[i].id, "us70009ja2")) { found = 1; assert_string_equal(c.ev[i].type, "mine collapse"); }
    assert_true(found);
    sqk_catalog_free(&c);

    assert_int_equal(sqk_catalog_read(test_shared(REAL_CATALOG), 4.5, 1, &c), SQK_OK);
    assert_int_equal(c.n, 7150);
    sqk_catalog_free(&c);
}

static void assert_same_catalog(const sqk_catalog *a, const sqk_catalog *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const sqk_quake *x = &a->ev[i], *y = &b->ev[i];
        assert_true(x->t == y->t);
        assert_true(x->lat == y->lat);
        assert_true(x->lon == y->lon);
        assert_true(x->mag == y->mag);
        assert_true(x->depth_km == y->depth_km || (isnan(x->depth_km) && isnan(y->depth_km)));
        assert_string_equal(x->id, y->id);
        assert_string_equal(x->mag_type, y->mag_type);
        assert_string_equal(x->type, y->type);
    }
}

static void test_write_roundtrip_real(void **state)
{
    (void)state;
    sqk_catalog c, d;
    assert_int_equal(sqk_catalog_read(test_shared(REAL_CATALOG), -INFINITY, 1, &c), SQK_OK);
    char *dir = test_tmpdir(), path[4096];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    assert_int_equal(sqk_catalog_write(path, &c), SQK_OK);
    assert_int_equal(test_count_files(dir, ".tmp"), 0);
    char *text = test_read_file(path, NULL);
    assert_non_null(text);
    assert_memory_equal(text, HEADER, strlen(HEADER));
    /* Newest first, like a real export, numbers as short as they read back exactly. */
    assert_non_null(strstr(text, HEADER "2020-12-31T23:12:35.050Z,-9.1109,118.9156,85.73,4.8,mb,,,,,,us6000d4nn,,,earthquake,,,,,,,\n"));
    free(text);
    assert_int_equal(sqk_catalog_read(path, -INFINITY, 1, &d), SQK_OK);
    assert_same_catalog(&c, &d);
    sqk_catalog_free(&c);
    sqk_catalog_free(&d);
    test_rmtree(dir);
    free(dir);
}

/* Columns in another order with extras, quotes, CRLF, empty depth, lon in [180, 360),
 * unsorted rows, equal times, the type filter and the magnitude filter. */
static void test_handmade(void **state)
{
    (void)state;
    const char *text =
        "id,extra,type,mag,\"place\",time,depth,latitude,magType,longitude\r\n"
        "b1,x,earthquake,5.1,\"10 km N of \"\"Somewhere\"\", Chile\",2020-01-02T00:00:00.000Z,,10.5,mww,200\r\n"
        "a1,,earthquake,4.6,plain,2020-01-01T00:00:00.000Z,12.25,-5,mb,-179.5\r\n"
        "\r\n"
        "c1,,quarry blast,4.9,\"a, b\",2019-12-31T00:00:00.000Z,0,1,ml,1\r\n"
        "t2,,earthquake,6.0,p,2020-01-03T00:00:00.000Z,33,1,mww,359.999\r\n"
        "t1,,earthquake,4.9,p,2020-01-03T00:00:00.000Z,33,1,mww,0\r\n";
    char path[4096];
    char *dir = write_tmp(text, path, sizeof path);
    sqk_catalog c;
    assert_int_equal(sqk_catalog_read(path, 4.5, 0, &c), SQK_OK);
    assert_int_equal(c.rows_read, 5);
    assert_int_equal(c.rows_other_type, 1);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.ev[0].id, "a1");
    assert_string_equal(c.ev[1].id, "b1");
    assert_true(isnan(c.ev[1].depth_km));
    assert_close(c.ev[1].lon, -160.0, 1e-12);
    assert_close(c.ev[0].lon, -179.5, 1e-12);
    assert_close(c.ev[0].depth_km, 12.25, 1e-12);
    assert_string_equal(c.ev[0].mag_type, "mb");
    /* Equal times keep the file order. */
    assert_string_equal(c.ev[2].id, "t2");
    assert_string_equal(c.ev[3].id, "t1");
    assert_close(c.ev[2].lon, 359.999 - 360.0, 1e-9);

    /* Writer round trip keeps NaN depth and the order of equal times. */
    char out[4200];
    snprintf(out, sizeof out, "%s/rt.csv", dir);
    assert_int_equal(sqk_catalog_write(out, &c), SQK_OK);
    sqk_catalog d;
    assert_int_equal(sqk_catalog_read(out, 4.5, 0, &d), SQK_OK);
    assert_same_catalog(&c, &d);
    sqk_catalog_free(&d);
    sqk_catalog_free(&c);

    assert_int_equal(sqk_catalog_read(path, 5.0, 0, &c), SQK_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.rows_below_mag, 2);
    sqk_catalog_free(&c);
    assert_int_equal(sqk_catalog_read(path, 4.5, 1, &c), SQK_OK);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.ev[0].id, "c1");
    assert_string_equal(c.ev[0].type, "quarry blast");
    sqk_catalog_free(&c);
    /* Everything filtered out is not an error: the counts say why. */
    assert_int_equal(sqk_catalog_read(path, 9.0, 0, &c), SQK_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.rows_below_mag, 4);
    sqk_catalog_free(&c);
    test_rmtree(dir);
    free(dir);
}

/* Text fields that need quoting survive the writer. */
static void test_write_quoting(void **state)
{
    (void)state;
    sqk_quake ev[2] = {
        {.t = 1577836800.0, .lat = 1.5, .lon = -2.25, .depth_km = NAN, .mag = 5.0,
         .id = "x,1", .mag_type = "m\"w", .type = "explosion, test"},
        {.t = 1577836800.5, .lat = -90, .lon = 179.99999, .depth_km = -3.2, .mag = 4.55,
         .id = "y2", .mag_type = "", .type = "earthquake"},
    };
    sqk_catalog c = {.n = 2, .ev = ev}, d;
    char *dir = test_tmpdir(), path[4096];
    snprintf(path, sizeof path, "%s/q.csv", dir);
    assert_int_equal(sqk_catalog_write(path, &c), SQK_OK);
    assert_int_equal(sqk_catalog_read(path, -INFINITY, 1, &d), SQK_OK);
    assert_same_catalog(&c, &d);
    sqk_catalog_free(&d);
    char *text = test_read_file(path, NULL);
    assert_non_null(strstr(text, "\"x,1\""));
    /* An empty catalogue would not read back, so it is refused. */
    sqk_catalog empty = {0};
    char path2[4200];
    snprintf(path2, sizeof path2, "%s/empty.csv", dir);
    assert_int_equal(sqk_catalog_write(path2, &empty), SQK_EEMPTY);
    assert_int_equal(test_count_files(dir, "empty"), 0);
    assert_non_null(strstr(text, "\"m\"\"w\""));
    free(text);
    test_rmtree(dir);
    free(dir);
}

/* Reads text that must fail; checks the status, that the message names the file and (when
 * line > 0) the line, and that it contains the word. */
static void expect_bad(const char *text, int line, const char *word)
{
    char path[4096];
    char *dir = write_tmp(text, path, sizeof path);
    sqk_catalog c;
    int st = sqk_catalog_read(path, 4.5, 0, &c);
    const char *msg = sqk_last_error();
    if (st == SQK_OK || !strstr(msg, path) || !strstr(msg, word))
        fail_msg("status %d, message '%s' (expected the path and '%s')", st, msg, word);
    if (line > 0) {
        char want[32];
        snprintf(want, sizeof want, "line %d:", line);
        if (!strstr(msg, want)) fail_msg("message '%s' does not name %s", msg, want);
    }
    assert_null(c.ev);
    assert_int_equal(c.n, 0);
    test_rmtree(dir);
    free(dir);
}

#define ROW_OK "2020-01-01T00:00:00.000Z,1,2,3,4.5,mb,,,,,,us1,,\"a, b\",earthquake,,,,,,,\n"

static void test_bad_input(void **state)
{
    (void)state;
    expect_bad("", 0, "empty file");
    expect_bad("\n\n", 0, "empty file");
    expect_bad(HEADER, 0, "no data rows");
    expect_bad(HEADER ROW_OK ROW_OK, 0, "event id 'us1' appears more than once");
    expect_bad("time,latitude,longitude,depth,magType,id,type\n", 1, "'mag'");
    expect_bad("time,latitude,longitude,depth,mag,magType,type\n", 1, "'id'");
    expect_bad(HEADER ROW_OK "2020-01-01T00:00:00.000Z,1,2,3,4.5,mb,,,,,,us2,,\"unterminated,earthquake,,,,,,,\n",
               3, "unterminated quote");
    expect_bad(HEADER "2020-02-30T00:00:00.000Z,1,2,3,4.5,mb,,,,,,us1,,p,earthquake,,,,,,,\n", 2, "day 30");
    expect_bad(HEADER ROW_OK ROW_OK "2020-01-01T00:00:00.000Z,1,2,3,four,mb,,,,,,us1,,p,earthquake,,,,,,,\n",
               4, "mag 'four' is not a number");
    expect_bad(HEADER "2020-01-01T00:00:00.000Z,1,2,3,nan,mb,,,,,,us1,,p,earthquake,,,,,,,\n", 2, "not a number");
    expect_bad(HEADER "2020-01-01T00:00:00.000Z,1,2,3,,mb,,,,,,us1,,p,earthquake,,,,,,,\n", 2, "empty mag");
    expect_bad(HEADER "2020-01-01T00:00:00.000Z,91,2,3,4.5,mb,,,,,,us1,,p,earthquake,,,,,,,\n", 2, "latitude 91");
    expect_bad(HEADER "2020-01-01T00:00:00.000Z,1,360,3,4.5,mb,,,,,,us1,,p,earthquake,,,,,,,\n", 2, "longitude 360");
    expect_bad(HEADER "2020-01-01T00:00:00.000Z,1,2,3,45,mb,,,,,,us1,,p,earthquake,,,,,,,\n", 2, "magnitude 45");
    expect_bad(HEADER "2020-01-01T00:00:00.000Z,1,2,3,4.5,mb,,,,,,,,p,earthquake,,,,,,,\n", 2, "empty id");
    expect_bad(HEADER "2020-01-01T00:00:00.000Z,1,2,3,4.5,mb,,,,,,us1,,p,earthquake\n", 2, "5 fields, the header has 22");
    expect_bad(HEADER ",1,2,3,4.5,mb,,,,,,us1,,p,earthquake,,,,,,,\n", 2, "empty time");
    expect_bad(HEADER "2020-01-01T00:00:00.000Z,1,2,3,4.5,mb,,,,,,us1,,\"p\"x,earthquake,,,,,,,\n", 2, "closing quote");
    expect_bad(HEADER "2020-01-01T00:00:00.000Z,1,2,3,4.5,mb,,,,,,"
               "an_identifier_much_longer_than_31_chars,,p,earthquake,,,,,,,\n", 2, "longer than 31");

    sqk_catalog c;
    assert_int_equal(sqk_catalog_read("/nonexistent/catalog.csv", 4.5, 0, &c), SQK_EIO);
    assert_non_null(strstr(sqk_last_error(), "/nonexistent/catalog.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_counts),
        cmocka_unit_test(test_write_roundtrip_real),
        cmocka_unit_test(test_handmade),
        cmocka_unit_test(test_write_quoting),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
