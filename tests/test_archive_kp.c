/* Kp tables: the real GFZ WDC and CelesTrak files, hand-made GFZ tables, the writer round trip
 * and every kind of bad input we reject.
 *
 * Reference numbers for the real CelesTrak file (Python csv module, rows marked PRD/PRM left
 * out): observed days 1998-07-01..2026-04-26, 10,162 rows, no gaps, no empty Kp; intervals
 * with Kp > 3 (Kp*10 > 30): 2006: 385 of 2,920; 2020: 149 of 2,928; first Kp 9o on
 * 2000-07-15 18-21 UT. The WDC file and CelesTrak agree on all 96 intervals of 2019-01-01..12. */
#include "testutil.h"

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REAL_WDC "data/real/Kp_def2019_January_1-12.wdc"
#define REAL_CELESTRAK "data/real/celestrak_SW-All.csv"

static double day_t(int y, int m, int d) { return (double)sqk_days_from_civil(y, m, d) * SQK_DAY_S; }

static char *write_tmp(const char *text, char *path, size_t size)
{
    char *dir = test_tmpdir();
    assert_non_null(dir);
    snprintf(path, size, "%s/kp.txt", dir);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    return dir;
}

static void test_real_wdc(void **state)
{
    (void)state;
    sqk_kp kp;
    assert_int_equal(sqk_kp_read(test_shared(REAL_WDC), &kp), SQK_OK);
    assert_int_equal(kp.format, SQK_KP_FMT_WDC);
    assert_int_equal(kp.n, 96);
    assert_true(kp.t0 == day_t(2019, 1, 1));
    /* By hand from the file: 2019-01-01 is 10 13 27 17 20 3 0 7, 2019-01-05 starts 50 40,
     * 2019-01-12 ends 3. */
    assert_close(kp.kp[0], 1.0, 1e-6);
    assert_close(kp.kp[1], 4.0 / 3.0, 1e-6);
    assert_close(kp.kp[2], 8.0 / 3.0, 1e-6);
    assert_close(kp.kp[5], 1.0 / 3.0, 1e-6);
    assert_close(kp.kp[6], 0.0, 0);
    assert_close(sqk_kp_at(&kp, day_t(2019, 1, 5) + 1), 5.0, 1e-6);
    assert_close(sqk_kp_at(&kp, day_t(2019, 1, 5) + 3 * 3600), 4.0, 1e-6);
    assert_close(sqk_kp_at(&kp, day_t(2019, 1, 12) + 21 * 3600 + 10799), 1.0 / 3.0, 1e-6); /* " 7 3 0 010 7 3 3" */
    assert_true(isnan(sqk_kp_at(&kp, day_t(2019, 1, 13))));
    assert_true(isnan(sqk_kp_at(&kp, day_t(2019, 1, 1) - 1)));
    assert_true(isnan(sqk_kp_at(&kp, NAN)));
    sqk_kp_free(&kp);
}

static void share_above3(const sqk_kp *kp, int year, size_t *above, size_t *have)
{
    *above = *have = 0;
    for (double t = day_t(year, 1, 1); t < day_t(year + 1, 1, 1); t += 10800) {
        double v = sqk_kp_at(kp, t);
        if (isnan(v)) continue;
        (*have)++;
        *above += v > 3.0;
    }
}

static void test_real_celestrak(void **state)
{
    (void)state;
    sqk_kp kp, wdc;
    clock_t c0 = clock();
    assert_int_equal(sqk_kp_read(test_shared(REAL_CELESTRAK), &kp), SQK_OK);
    double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    print_message("CelesTrak SW-All.csv read in %.1f ms\n", secs * 1e3);
    assert_true(secs < 2.0); /* milliseconds in a normal build; generous for sanitizers */
    assert_int_equal(kp.format, SQK_KP_FMT_CELESTRAK);
    assert_true(kp.t0 == day_t(1998, 7, 1));
    assert_int_equal(kp.n, 10162 * 8);
    size_t missing = 0;
    for (size_t i = 0; i < kp.n; i++) missing += isnan(kp.kp[i]);
    assert_int_equal(missing, 0);

    /* Identical to the GFZ definitive WDC values for all 96 intervals of 2019-01-01..12. */
    assert_int_equal(sqk_kp_read(test_shared(REAL_WDC), &wdc), SQK_OK);
    for (size_t i = 0; i < wdc.n; i++) {
        double t = wdc.t0 + i * 10800.0 + 5400.0;
        double a = sqk_kp_at(&kp, t), b = sqk_kp_at(&wdc, t);
        if (!(a == b)) fail_msg("interval %zu: CelesTrak %g, WDC %g", i, a, b);
    }
    sqk_kp_free(&wdc);

    size_t above, have;
    share_above3(&kp, 2006, &above, &have);
    assert_int_equal(have, 2920);
    assert_int_equal(above, 385);
    share_above3(&kp, 2020, &above, &have);
    assert_int_equal(have, 2928);
    assert_int_equal(above, 149);

    /* Spot values by hand: 2003-10-29 is 47 40 90 80 ..., 2020-01-01 is 3 0 0 7 7 13 10 7. */
    assert_close(sqk_kp_at(&kp, day_t(2003, 10, 29) + 6 * 3600), 9.0, 1e-6);
    assert_close(sqk_kp_at(&kp, day_t(2003, 10, 29)), 14.0 / 3.0, 1e-6);
    assert_close(sqk_kp_at(&kp, day_t(2020, 1, 1) + 15 * 3600), 4.0 / 3.0, 1e-6);
    /* The predicted rows (from 2026-04-27) are not part of the series. */
    assert_true(isnan(sqk_kp_at(&kp, day_t(2026, 4, 27))));
    assert_false(isnan(sqk_kp_at(&kp, day_t(2026, 4, 26) + 22 * 3600)));
    sqk_kp_free(&kp);
}

static void assert_same_series(const sqk_kp *a, const sqk_kp *b)
{
    assert_true(a->t0 == b->t0);
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        if (!(a->kp[i] == b->kp[i] || (isnan(a->kp[i]) && isnan(b->kp[i]))))
            fail_msg("interval %zu: %g vs %g", i, a->kp[i], b->kp[i]);
}

static void test_gfz_roundtrip(void **state)
{
    (void)state;
    sqk_kp kp, back;
    assert_int_equal(sqk_kp_read(test_shared(REAL_CELESTRAK), &kp), SQK_OK);
    kp.kp[5] = NAN; /* missing must stay missing */
    kp.kp[kp.n - 1] = NAN;
    char *dir = test_tmpdir(), path[4096];
    snprintf(path, sizeof path, "%s/kp.txt", dir);
    assert_int_equal(sqk_kp_write_gfz(path, &kp), SQK_OK);
    assert_int_equal(test_count_files(dir, ".tmp"), 0);
    assert_int_equal(sqk_kp_read(path, &back), SQK_OK);
    assert_int_equal(back.format, SQK_KP_FMT_GFZ);
    assert_same_series(&kp, &back);
    sqk_kp_free(&back);
    char *text = test_read_file(path, NULL);
    assert_non_null(strstr(text, "\n1998 07 01 00.0 01.50 "));
    assert_non_null(strstr(text, " -1.000   -1  0\n"));
    free(text);
    kp.kp[0] = 3.5f; /* not a third: refused, no file left behind */
    char bad[4200];
    snprintf(bad, sizeof bad, "%s/bad.txt", dir);
    assert_int_equal(sqk_kp_write_gfz(bad, &kp), SQK_EVALUE);
    assert_int_equal(test_count_files(dir, "bad"), 0);
    sqk_kp_free(&kp);
    test_rmtree(dir);
    free(dir);
}

#define GFZ_HEAD "# PURPOSE: test\n#YYY MM DD hh.h hh._m        days      days_m     Kp     ap  D\n"
#define GFZ_ROW(d, h, m, kp) "2019 01 " d " " h " " m " 31777.00000 31777.06250 " kp "    0  2\n"

/* Gaps between rows and missing values stay NaN; rows in any order; equal duplicates pass. */
static void test_gfz_gaps_and_order(void **state)
{
    (void)state;
    const char *text = GFZ_HEAD
        GFZ_ROW("03", "21.0", "22.50", " 2.667")
        GFZ_ROW("01", "00.0", "01.50", " 3.333")
        GFZ_ROW("01", "03.0", "04.50", "-1.000")
        GFZ_ROW("01", "06.0", "07.50", " 0.000")
        GFZ_ROW("01", "00.0", "01.50", " 3.333");
    char path[4096];
    char *dir = write_tmp(text, path, sizeof path);
    sqk_kp kp;
    assert_int_equal(sqk_kp_read(path, &kp), SQK_OK);
    assert_int_equal(kp.format, SQK_KP_FMT_GFZ);
    assert_true(kp.t0 == day_t(2019, 1, 1));
    assert_int_equal(kp.n, 24);
    assert_close(kp.kp[0], 10.0 / 3.0, 1e-6);
    assert_true(isnan(kp.kp[1]));
    assert_true(kp.kp[2] == 0.0f);
    for (int i = 3; i < 23; i++) assert_true(isnan(kp.kp[i]));
    assert_close(kp.kp[23], 8.0 / 3.0, 1e-6);
    sqk_kp_free(&kp);
    test_rmtree(dir);
    free(dir);
}

/* CelesTrak rows out of order, a missing day and empty Kp fields, CRLF. */
static void test_celestrak_handmade(void **state)
{
    (void)state;
    const char *text =
        "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8,KP_SUM\r\n"
        "2020-03-03,1,1,0,3,7,10,13,17,20,23,93\r\n"
        "2020-03-01,1,1,90,87,83,80,77,73,70,67,627\r\n"
        "2020-03-04,1,1,,,,,,,,,\r\n";
    char path[4096];
    char *dir = write_tmp(text, path, sizeof path);
    sqk_kp kp;
    assert_int_equal(sqk_kp_read(path, &kp), SQK_OK);
    assert_int_equal(kp.format, SQK_KP_FMT_CELESTRAK);
    assert_true(kp.t0 == day_t(2020, 3, 1));
    assert_int_equal(kp.n, 32);
    assert_close(kp.kp[0], 9.0, 1e-6);
    assert_close(kp.kp[7], 20.0 / 3.0, 1e-6);
    for (int i = 8; i < 16; i++) assert_true(isnan(kp.kp[i]));
    assert_close(kp.kp[17], 1.0 / 3.0, 1e-6);
    assert_close(kp.kp[23], 7.0 / 3.0, 1e-6);
    for (int i = 24; i < 32; i++) assert_true(isnan(kp.kp[i]));
    sqk_kp_free(&kp);
    test_rmtree(dir);
    free(dir);
}

static void expect_bad(const char *text, int line, const char *word)
{
    char path[4096];
    char *dir = write_tmp(text, path, sizeof path);
    sqk_kp kp;
    int st = sqk_kp_read(path, &kp);
    const char *msg = sqk_last_error();
    if (st == SQK_OK || !strstr(msg, path) || !strstr(msg, word))
        fail_msg("status %d, message '%s' (expected the path and '%s')", st, msg, word);
    if (line > 0) {
        char want[32];
        snprintf(want, sizeof want, "line %d", line);
        if (!strstr(msg, want)) fail_msg("message '%s' does not name %s", msg, want);
    }
    assert_null(kp.kp);
    assert_int_equal(kp.n, 0);
    test_rmtree(dir);
    free(dir);
}

#define WDC_OK1 "19 1 12529 81013271720 3 0 7 97  4  5 12  6  7  2  0  3  50.21\n"
#define WDC_OK2 "19 1 22529 9 0 0 0 0 3 3 0 0  7  0  0  0  0  2  2  0  0  00.00\n"
#define CT_HEAD "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8\n"
#define CT_HEAD_TYPE "DATE,BSRN,ND,KP1,KP2,KP3,KP4,KP5,KP6,KP7,KP8,F10.7_DATA_TYPE,F10.7_OBS_CENTER81\n"

static void test_bad_input(void **state)
{
    (void)state;
    expect_bad("", 0, "no data lines");
    expect_bad("# only comments\n", 0, "no data lines");
    expect_bad("hello world\n", 1, "unknown Kp format");
    expect_bad("# c\n2019-01-01 3.3\n", 2, "unknown Kp format");
    expect_bad(CT_HEAD, 0, "no Kp rows");
    /* 4294967386 = 2^32 + 90: it wrapped to Kp 9.0 in a 32-bit accumulator */
    expect_bad(CT_HEAD "2020-03-01,1,1,4294967386,0,0,0,0,0,0,0\n", 2, "line 2");
    /* WDC */
    expect_bad("# h\n" WDC_OK1 "19 1 22529 9 0 0 0 0 3\n", 3, "truncated WDC line");
    expect_bad("# h\n" WDC_OK1 "19 1 22529 9 0 0 0 025 3 0 0  7  0  0  0  0  2  2  0  0  00.00\n", 3,
               "25 is not a valid third");
    expect_bad("# h\n" WDC_OK1 "19 1 22529 9 0 0 0 0 3 3 0 0  9  0  0  0  0  2  2  0  0  00.00\n", 3,
               "daily sum");
    expect_bad("# h\n" WDC_OK1 WDC_OK2 "19 1 22529 9 0 0 0 3 3 3 0 0 10  0  0  0  0  2  2  0  0  00.00\n", 4,
               "different Kp (first on line 3)");
    expect_bad("19 2302529 9 0 0 0 0 3 3 0 0  7  0  0  0  0  2  2  0  0  00.00\n", 1, "day 30");
    expect_bad("19 1 22529 9 0 0 0na 3 3 0 0  7  0  0  0  0  2  2  0  0  00.00\n", 1, "not a number");
    /* CelesTrak */
    expect_bad(CT_HEAD "2019-01-01,1,1,100,0,0,0,0,0,0,0\n", 2, "Kp 10.0 outside [0, 9]");
    expect_bad(CT_HEAD "2019-01-01,1,1,0,5,0,0,0,0,0,0\n", 2, "not a valid third");
    expect_bad(CT_HEAD "2019-01-01,1,1,0,nan,0,0,0,0,0,0\n", 2, "not a whole number");
    expect_bad(CT_HEAD "2019-02-30,1,1,0,0,0,0,0,0,0,0\n", 2, "bad DATE");
    expect_bad(CT_HEAD "2019-01-01,1,1,0,0,0\n", 2, "truncated CelesTrak row");
    expect_bad(CT_HEAD "2019-01-01,1,1,0,0,0,0,0,0,0,0\n2019-01-01,1,1,0,0,0,0,0,0,0,3\n", 3,
               "different Kp (first on line 2)");
    expect_bad("DATE,KP1,KP2,KP3\n2019-01-01,0,0,0\n", 1, "without a KP4 column");
    /* A download cut inside the forecast rows at its end: the PRD mark is lost, and the
     * forecast Kp must not be read as a measurement. */
    expect_bad(CT_HEAD_TYPE "2019-01-01,1,1,0,0,0,0,0,0,0,0,OBS,1\n2019-01-02,1,1,30,30,30,30,30,30,30,30,PR\n",
               3, "truncated CelesTrak row (12 fields, the header has 13)");
    expect_bad(CT_HEAD_TYPE "2019-01-01,1,1,0,0,0,0,0,0,0,0,OBS,1\n2019-01-02,1,1,30,30,30,30,30,30,30,30\n",
               3, "truncated CelesTrak row");
    expect_bad(CT_HEAD "2019-01-01,1,1,0,0,0,0,0,0,0,0,7\n", 2, "12 fields, the header has 11");
    /* GFZ */
    expect_bad(GFZ_HEAD GFZ_ROW("01", "00.0", "01.50", "10.000"), 3, "Kp 10 outside [0, 9]");
    expect_bad(GFZ_HEAD GFZ_ROW("01", "00.0", "01.50", "nan"), 3, "Kp 'nan' is not a number");
    expect_bad(GFZ_HEAD GFZ_ROW("01", "00.0", "01.50", "3.500"), 3, "not a valid third");
    expect_bad(GFZ_HEAD GFZ_ROW("01", "00.0", "01.50", "-2.000"), 3, "outside [0, 9]");
    expect_bad(GFZ_HEAD GFZ_ROW("01", "04.0", "05.50", "3.000"), 3, "interval start");
    expect_bad(GFZ_HEAD "2019 01 01 03.0 01.50 31777.00000 31777.06250 3.000 15 2\n", 3, "interval start");
    expect_bad("1932 01 01 -13879 -13878.5 1233 1 3.333 2.667 2.333 1.667 1.000 0.667 1.333 1.667 "
               "18 12 9 6 4 3 5 6 8 -1 -1.0 -1.0 2\n", 1, "daily GFZ tables are not supported");
    expect_bad(GFZ_HEAD "2019 01 01 00.0 01.50 31777.00000\n", 3, "truncated GFZ line");
    /* Cut inside the Kp of "1.667": the ap and D columns are missing too, so it is caught. */
    expect_bad(GFZ_HEAD "2019 01 01 00.0 01.50 31777.00000 31777.06250 1\n", 3, "truncated GFZ line");
    expect_bad(GFZ_HEAD "2019 01 01 00.0 01.50 31777.00000 31777.06250 1.667 6\n", 3, "truncated GFZ line");
    expect_bad(GFZ_HEAD GFZ_ROW("01", "00.0", "01.50", "3.000") GFZ_ROW("01", "00.0", "01.50", "3.333"), 4,
               "different Kp (first on line 3)");
    expect_bad(GFZ_HEAD "1019 01 01 00.0 01.50 31777.00000 31777.06250 3.000 15 2\n", 3, "year 1019");

    sqk_kp kp;
    assert_int_equal(sqk_kp_read("/nonexistent/kp.txt", &kp), SQK_EIO);
    assert_non_null(strstr(sqk_last_error(), "/nonexistent/kp.txt"));
}

static void test_format_names(void **state)
{
    (void)state;
    assert_string_equal(sqk_kp_format_name(SQK_KP_FMT_GFZ), "GFZ Kp_ap_since_1932.txt");
    assert_string_equal(sqk_kp_format_name(SQK_KP_FMT_WDC), "GFZ WDC Kp_defYYYY.wdc");
    assert_string_equal(sqk_kp_format_name(SQK_KP_FMT_CELESTRAK), "CelesTrak SW-All.csv");
    assert_string_equal(sqk_kp_format_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_wdc),
        cmocka_unit_test(test_real_celestrak),
        cmocka_unit_test(test_gfz_roundtrip),
        cmocka_unit_test(test_gfz_gaps_and_order),
        cmocka_unit_test(test_celestrak_handmade),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_format_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
