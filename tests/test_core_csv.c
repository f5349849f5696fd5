/* The one CSV reader (sqk/csv.h): columns by header name, quoted fields, blank lines, CRLF,
 * a byte-order mark, and every kind of bad input with the file and line in the message. */
#include "testutil.h"

#include "sqk/core.h"
#include "sqk/csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static int setup(void **s) { (void)s; dir = test_tmpdir(); return dir ? 0 : -1; }
static int teardown(void **s) { (void)s; test_rmtree(dir); free(dir); return 0; }

static const char *write_tmp(const char *name, const char *text)
{
    static char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    return path;
}

static void test_columns_by_name(void **s)
{
    (void)s;
    const char *p = write_tmp("ok.csv", "\xEF\xBB\xBF" "b, a ,\"c,d\"\r\n\r\n 2 ,\"x, \"\"y\"\"\",-1.5e2\r\n \n3,,nan\n");
    sqk_csv c;
    assert_int_equal(sqk_csv_open(&c, p), SQK_OK);
    static const char *const want[] = {"a", "c,d", "b"};
    int col[3];
    assert_int_equal(sqk_csv_columns(&c, want, 3, col), SQK_OK);
    assert_int_equal(col[0], 1);
    assert_int_equal(col[1], 2);
    assert_int_equal(col[2], 0);
    assert_int_equal(sqk_csv_column(&c, "zz"), -1);
    assert_int_equal(sqk_csv_next(&c), 1);
    assert_int_equal(sqk_csv_line(&c), 3);
    assert_string_equal(sqk_csv_get(&c, col[0]), "x, \"y\"");
    double v;
    int64_t i;
    assert_int_equal(sqk_csv_f64(&c, col[1], &v), SQK_OK);
    assert_true(v == -150.0);
    assert_int_equal(sqk_csv_i64(&c, col[2], 0, 5, &i), SQK_OK);
    assert_int_equal(i, 2);
    assert_int_equal(sqk_csv_next(&c), 1);
    assert_int_equal(sqk_csv_line(&c), 5);
    assert_int_equal(sqk_csv_f64_or_nan(&c, col[1], &v), SQK_OK);
    assert_true(isnan(v));
    assert_int_equal(sqk_csv_f64_or_nan(&c, col[0], &v), SQK_OK); /* empty */
    assert_true(isnan(v));
    assert_int_equal(sqk_csv_f64(&c, col[1], &v), SQK_EFORMAT); /* strict: no nan */
    assert_non_null(strstr(sqk_last_error(), "ok.csv line 5: c,d 'nan' is not a number"));
    assert_int_equal(sqk_csv_i64(&c, col[2], 0, 2, &i), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "ok.csv line 5: b 3 is outside 0..2"));
    assert_int_equal(sqk_csv_next(&c), 0);
    sqk_csv_close(&c);
}

/* Opens text as a CSV, reads every row and expects the status and message. */
static void expect_bad(const char *text, int want_st, const char *want)
{
    const char *p = write_tmp("bad.csv", text);
    sqk_csv c;
    int st = sqk_csv_open(&c, p);
    if (!st) {
        static const char *const need[] = {"a", "b"};
        int col[2];
        st = sqk_csv_columns(&c, need, 2, col);
        while (!st && (st = sqk_csv_next(&c)) == 1) {
            char buf[4];
            if ((st = sqk_csv_text(&c, col[0], buf, sizeof buf))) break;
            double v;
            if ((st = sqk_csv_f64(&c, col[1], &v))) break;
        }
        sqk_csv_close(&c);
    }
    if (st != want_st || !strstr(sqk_last_error(), p) || !strstr(sqk_last_error(), want))
        fail_msg("status %d, message '%s' (wanted %d and '%s')", st, sqk_last_error(), want_st, want);
}

static void test_bad_input(void **s)
{
    (void)s;
    expect_bad("", SQK_EEMPTY, "empty file");
    expect_bad("\n \n", SQK_EEMPTY, "empty file");
    expect_bad("a,c\n1,2\n", SQK_EFORMAT, "line 1: no 'b' column in the header");
    expect_bad("a,\"b\n", SQK_EFORMAT, "line 1: header: unterminated quote");
    expect_bad("a,b\n1,2\n\"x\"y,3\n", SQK_EFORMAT, "line 3: text after a closing quote");
    expect_bad("a,b\n1,2\n1,2,3\n", SQK_EFORMAT, "line 3: 3 fields, the header has 2");
    expect_bad("a,b\n1\n", SQK_EFORMAT, "line 2: 1 fields, the header has 2");
    expect_bad("a,b\n1,0x10\n", SQK_EFORMAT, "line 2: b '0x10' is not a number");
    expect_bad("a,b\n1,\n", SQK_EFORMAT, "line 2: empty b");
    expect_bad("a,b\nlong,1\n", SQK_EVALUE, "line 2: a 'long' longer than 3 characters");
    expect_bad("a,b\n1,1e999\n", SQK_EFORMAT, "line 2: b '1e999' is not a number");
    sqk_csv c;
    const char *p = write_tmp("nul.csv", "");
    assert_int_equal(test_write_file(p, "a,b\n1,2\0\n", 9), 0);
    assert_int_equal(sqk_csv_open(&c, p), SQK_OK);
    assert_int_equal(sqk_csv_next(&c), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "nul.csv line 2: NUL byte"));
    sqk_csv_close(&c);
    assert_int_equal(sqk_csv_open(&c, "/nonexistent/x.csv"), SQK_EIO);
    assert_non_null(strstr(sqk_last_error(), "/nonexistent/x.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_by_name),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
