/* truth.csv: the writer's file reads back exactly, and the one strict reader rejects every
 * kind of bad row with the file and line. */
#include "testutil.h"

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude,strength," \
             "unit_amplitude,unit_irregularity,radius_km\n"
#define ROW(id) id ",2020-01-01T00:00:00.000Z,1.5000,-2.2500,5.1,10.000000,5.000000,0.200000,1,0.200000,0.100000,158.489\n"
#define HEAD8 "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude\n"

static char *dir;

static int setup(void **s) { (void)s; dir = test_tmpdir(); return dir ? 0 : -1; }
static int teardown(void **s) { (void)s; test_rmtree(dir); free(dir); return 0; }

static const char *write_tmp(const char *text)
{
    static char path[1200];
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    return path;
}

static void test_round_trip(void **s)
{
    (void)s;
    const char *text = HEAD ROW("us1") ROW("us2");
    const char *p = write_tmp(text);
    sqk_truth t;
    assert_int_equal(sqk_truth_read(p, &t), SQK_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.row[1].event_id, "us2");
    assert_int_equal(t.row[1].line, 3);
    assert_true(t.row[0].lon == -2.25 && t.row[0].mag == 5.1 && t.row[0].amplitude == 0.2);
    char out[1300];
    snprintf(out, sizeof out, "%s/again.csv", dir);
    assert_int_equal(sqk_truth_write(out, &t), SQK_OK);
    char *back = test_read_file(out, NULL);
    assert_string_equal(back, text);
    free(back);
    sqk_truth_free(&t);
    /* An archive of an earlier version, without the last four columns. */
    assert_int_equal(sqk_truth_read(write_tmp(HEAD8 "us1,2020-01-01T00:00:00Z,1,2,5,10,5,0.2\n"), &t), SQK_OK);
    assert_int_equal(t.n, 1);
    assert_true(t.row[0].amplitude == 0.2 && isnan(t.row[0].strength) && isnan(t.row[0].radius_km));
    sqk_truth_free(&t);
    /* A null archive plants nothing: a header alone is a valid, empty table. */
    assert_int_equal(sqk_truth_read(write_tmp(HEAD), &t), SQK_OK);
    assert_int_equal(t.n, 0);
    sqk_truth_free(&t);
}

static void expect_bad(const char *text, int want_st, const char *want)
{
    const char *p = write_tmp(text);
    sqk_truth t;
    int st = sqk_truth_read(p, &t);
    if (st != want_st || !strstr(sqk_last_error(), p) || !strstr(sqk_last_error(), want))
        fail_msg("status %d, message '%s' (wanted %d and '%s')", st, sqk_last_error(), want_st, want);
    assert_null(t.row);
}

static void test_bad_rows(void **s)
{
    (void)s;
    expect_bad("", SQK_EEMPTY, "empty file");
    expect_bad("event_id,time\nus1,2020-01-01T00:00:00Z\n", SQK_EFORMAT, "line 1: no 'lat' column");
    expect_bad(HEAD ROW("us1") "us2,2020-01-01T00:00:00Z,1,2,5\n", SQK_EFORMAT, "line 3: 5 fields, the header has 12");
    expect_bad(HEAD8 ",2020-01-01T00:00:00Z,1,2,5,1,1,1\n", SQK_EFORMAT, "line 2: empty event_id");
    expect_bad(HEAD8 "us1,yesterday,1,2,5,1,1,1\n", SQK_EVALUE, "line 2");
    expect_bad(HEAD8 "us1,2020-01-01T00:00:00Z,1,2,big,1,1,1\n", SQK_EFORMAT, "line 2: mag 'big' is not a number");
    expect_bad(HEAD8 "us1,2020-01-01T00:00:00Z,91,2,5,1,1,1\n", SQK_EVALUE, "line 2: lat 91 outside");
    expect_bad(HEAD ROW("us1") ROW("us2") ROW("us1"), SQK_EVALUE, "line 4: event_id 'us1' is already on line 2");
    expect_bad(HEAD "\"us1,2020\n", SQK_EFORMAT, "line 2: unterminated quote");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
