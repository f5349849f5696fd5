/* The whole build on tiny archives written with the archive writers (known answers), the
 * declustering counts of the real catalogue, determinism, and each kind of bad input. */
#include "testutil.h"

#include "sqk/dataset.h"
#include "sqk/h5.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DAY 86400.0
#define T2020 1577836800.0 /* 2020-01-01T00:00:00Z */

/* ------------------------------------------------------------------ the real catalogue */

static size_t fixture_value(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    assert_non_null(p);
    return (size_t)strtoul(p + strlen(key) + 1, NULL, 10);
}

static void test_real_catalogue_declustering(void **state)
{
    (void)state;
    /* Counts computed independently by tests/fixtures/dataset/decluster_real.py. */
    char *want = test_read_file("tests/fixtures/dataset/decluster_real.txt", NULL);
    assert_non_null(want);
    sqk_catalog cat;
    assert_int_equal(sqk_catalog_read(test_shared("data/real/usgs_M4.5_2019-11-30_2020-12-31.csv"), 4.8, 0, &cat), SQK_OK);
    assert_int_equal(cat.rows_read, fixture_value(want, "rows"));
    assert_int_equal(cat.n, fixture_value(want, "min_mag_events"));
    uint8_t *st = malloc(cat.n);
    size_t kept = sqk_decluster(cat.ev, cat.n, 1.0, 15 * DAY, st);
    assert_int_equal(kept, fixture_value(want, "kept"));
    assert_int_equal(cat.n - kept, fixture_value(want, "aftershocks"));
    /* The numbers themselves, so a change in the fixture is seen too. */
    assert_int_equal(cat.n, 2935);
    assert_int_equal(kept, 1939);
    free(st);
    free(want);
    sqk_catalog_free(&cat);
}

/* ------------------------------------------------------------------ a tiny archive */

/* A stationary CSES survey pass: n samples 3 s apart from t0 at (lat, lon). */
static void write_pass(const char *dir, int orbit, double t0, size_t n, double lat, double lon)
{
    sqk_pass p;
    memset(&p, 0, sizeof p);
    assert_int_equal(sqk_pass_alloc(&p, n, 1, 0, 0), SQK_OK);
    assert_true(sqk_pass_add_var(&p, "Ne", "cm^-3") >= 0);
    assert_true(sqk_pass_add_var(&p, "Te", "K") >= 0);
    p.satellite = SQK_SAT_CSES;
    p.orbit = orbit;
    p.direction = SQK_DIR_ASCENDING;
    for (size_t i = 0; i < n; i++) {
        p.t[i] = t0 + 3.0 * i;
        p.lat[i] = lat;
        p.lon[i] = lon;
        p.alt_km[i] = 507;
        p.var[0].v[i] = 1e5 + 10.0 * i;
        p.var[1].v[i] = 1500 + i;
    }
    char path[2048];
    assert_int_equal(sqk_cses_write_lap(dir, &p, path, sizeof path), SQK_OK);
    sqk_pass_free(&p);
}

static sqk_quake quake(const char *id, double t, double lat, double lon, double mag)
{
    sqk_quake q;
    memset(&q, 0, sizeof q);
    snprintf(q.id, sizeof q.id, "%s", id);
    snprintf(q.type, sizeof q.type, "earthquake");
    snprintf(q.mag_type, sizeof q.mag_type, "mww");
    q.t = t;
    q.lat = lat;
    q.lon = lon;
    q.mag = mag;
    q.depth_km = 10;
    return q;
}

static void write_catalog(const char *path, sqk_quake *q, size_t n)
{
    sqk_catalog c = {.n = n, .ev = q};
    assert_int_equal(sqk_catalog_write(path, &c), SQK_OK);
}

/* Kp 1o everywhere over [t0, t0 + days), 4o on day 10, 00-03 UT (2020 tables). */
static void write_kp(const char *path, double t0, int days)
{
    float *v = malloc(days * 8 * sizeof *v);
    for (int i = 0; i < days * 8; i++) v[i] = 1.0f;
    if (t0 == T2020) v[10 * 8] = 4.0f;
    sqk_kp k = {.t0 = t0, .n = (size_t)days * 8, .kp = v, .format = SQK_KP_FMT_GFZ};
    assert_int_equal(sqk_kp_write_gfz(path, &k), SQK_OK);
    free(v);
}

typedef struct { char *dir, cses[512], cat[512], kp[512], out[512]; } archive;

/* One M6 earthquake Q at (0, 0) on day 20 with an aftershock A at (0.5, 0.5) on day 20.5, and
 * five passes, each 41 samples (120 s) at 3 s -> 81 samples at 1.5 s -> 4 windows of T = 20:
 *   day 15 00 UT, 1 deg N of Q, LT 0        -> 4 windows class 1, 111.19 km, ~5 days before
 *   day 10 00 UT, same place, Kp 4o        -> 4 windows class 2
 *   day 15 00 UT, (20, 0)                   -> 4 unassociated
 *   day 15 00 UT, (3, 2): A only            -> 4 dropped as aftershock
 *   day 15 12 UT, (1, 0), LT 12             -> 4 dropped by time of day */
static archive make_archive(void)
{
    archive a;
    a.dir = test_tmpdir();
    snprintf(a.cses, sizeof a.cses, "%s/cses", a.dir);
    snprintf(a.cat, sizeof a.cat, "%s/catalog.csv", a.dir);
    snprintf(a.kp, sizeof a.kp, "%s/kp.txt", a.dir);
    snprintf(a.out, sizeof a.out, "%s/out.h5", a.dir);
    assert_int_equal(sqk_mkdir_p(a.cses), SQK_OK);
    write_pass(a.cses, 100, T2020 + 15 * DAY, 41, 1, 0);
    write_pass(a.cses, 101, T2020 + 10 * DAY, 41, 1, 0);
    write_pass(a.cses, 102, T2020 + 15 * DAY, 41, 20, 0);
    write_pass(a.cses, 103, T2020 + 15 * DAY, 41, 3, 2);
    write_pass(a.cses, 104, T2020 + 15.5 * DAY, 41, 1, 0);
    sqk_quake q[] = {quake("Q", T2020 + 20 * DAY, 0, 0, 6), quake("A", T2020 + 20.5 * DAY, 0.5, 0.5, 5)};
    write_catalog(a.cat, q, 2);
    write_kp(a.kp, T2020, 60);
    return a;
}

static void drop_archive(archive *a)
{
    test_rmtree(a->dir);
    free(a->dir);
}

static void config_for_tests(sqk_build_config *c)
{
    sqk_build_config_default(c);
    c->T = 20;
    c->radius_deg = 3;
    /* Keep the one control event away from the passes (all near the equator). */
    c->control_lat_deg = 90;
    c->threads = 2;
}

static void test_build_known_answers(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    sqk_build_inputs in = {.archive_dir = a.dir, .out_path = a.out};
    sqk_build_result r;
    assert_int_equal(sqk_build(&c, &in, NULL, &r), SQK_OK);
    assert_int_equal(r.files, 5);
    assert_int_equal(r.events_min_mag, 2);
    assert_int_equal(r.events_kept, 1);
    assert_int_equal(r.events_aftershocks, 1);
    assert_int_equal(r.controls_placed, 1);
    assert_int_equal(r.samples.read, 5 * 41);
    assert_int_equal(r.samples.resampled, 5 * 81);
    assert_int_equal(r.windows.cut, 20);
    assert_int_equal(r.windows.time_of_day, 4);
    assert_int_equal(r.windows.aftershock, 4);
    assert_true(r.windows.unassociated >= 4);
    assert_int_equal(r.windows.cls[1], 4);
    assert_int_equal(r.windows.cls[2], 4);
    assert_int_equal(r.n_windows, 8);
    assert_non_null(strstr(r.summary, "controls: 1 placed of 1 wanted"));
    sqk_build_result_free(&r);

    hid_t f;
    assert_int_equal(sqk_h5_open_read(a.out, &f), SQK_OK);
    int32_t y[8], file[8];
    double dist[8], before[8], t[8];
    uint8_t split[8];
    assert_int_equal(sqk_h5_read_i32(f, "y", y, 8), SQK_OK);
    assert_int_equal(sqk_h5_read_i32(f, "file", file, 8), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "distance_km", dist, 8), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "days_before", before, 8), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "time", t, 8), SQK_OK);
    assert_int_equal(sqk_h5_read_u8(f, "split", split, 8), SQK_OK);
    for (int i = 0; i < 8; i++) {
        /* Files sort by orbit: 100 (day 15, class 1) before 101 (day 10, storm). */
        assert_int_equal(file[i], i < 4 ? 0 : 1);
        assert_int_equal(y[i], i < 4 ? 1 : 2);
        assert_close(dist[i], 111.19492664, 1e-3); /* positions stored as float32 in the file */
        double tm = T2020 + (i < 4 ? 15 : 10) * DAY + ((i % 4) * 20 + 10) * 1.5;
        assert_close(t[i], tm, 1e-3);
        assert_close(before[i], (T2020 + 20 * DAY - tm) / DAY, 1e-8);
        assert_int_equal(split[i], 0); /* one event: training */
    }
    char files_digest[80];
    assert_int_equal(sqk_h5_get_attr_str(f, ".", "files_digest", files_digest, sizeof files_digest), SQK_OK);
    assert_int_equal(strlen(files_digest), 64);
    H5Fclose(f);
    char sum[600];
    snprintf(sum, sizeof sum, "%s.summary.txt", a.out);
    char *text = test_read_file(sum, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "4 aftershock only"));
    free(text);
    drop_archive(&a);
}

static void test_build_deterministic(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    char out2[600];
    snprintf(out2, sizeof out2, "%s/out2.h5", a.dir);
    sqk_build_inputs in = {.archive_dir = a.dir, .out_path = a.out};
    sqk_build_result r;
    assert_int_equal(sqk_build(&c, &in, NULL, &r), SQK_OK);
    sqk_build_result_free(&r);
    c.threads = 1;
    in.out_path = out2;
    assert_int_equal(sqk_build(&c, &in, NULL, &r), SQK_OK);
    sqk_build_result_free(&r);
    size_t n1, n2;
    char *b1 = test_read_file(a.out, &n1), *b2 = test_read_file(out2, &n2);
    /* The output path is not stored, the inputs are the same: identical bytes. */
    assert_int_equal(n1, n2);
    assert_memory_equal(b1, b2, n1);
    free(b1);
    free(b2);
    drop_archive(&a);
}

/* ------------------------------------------------------------------ bad input */

static int build_fails(archive *a, sqk_build_config *c, const char *expect)
{
    sqk_build_inputs in = {.archive_dir = a->dir, .out_path = a->out};
    sqk_build_result r;
    int st = sqk_build(c, &in, NULL, &r);
    if (st == SQK_OK) fail_msg("the build should fail with '%s'", expect);
    if (!strstr(sqk_last_error(), expect)) fail_msg("message '%s' lacks '%s'", sqk_last_error(), expect);
    sqk_build_result_free(&r);
    struct stat sb;
    assert_true(stat(a->out, &sb) != 0);          /* nothing written */
    assert_int_equal(test_count_files(a->dir, ".tmp"), 0);
    return st;
}

static void test_bad_empty_archive(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    c.satellite = SQK_SAT_DEMETER; /* no demeter/ folder */
    assert_int_equal(build_fails(&a, &c, "no satellite files"), SQK_EEMPTY);
    drop_archive(&a);
}

static void test_bad_no_events_in_span(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    /* Events before and long after the archive: the spans overlap, none lies in it. */
    sqk_quake q[] = {quake("E1", T2020 - 100 * DAY, 0, 0, 6), quake("E2", T2020 + 300 * DAY, 0, 0, 6)};
    write_catalog(a.cat, q, 2);
    assert_int_equal(build_fails(&a, &c, "no kept earthquakes"), SQK_EEMPTY);
    /* Only small events: none above the magnitude cut. */
    sqk_quake s[] = {quake("S", T2020 + 20 * DAY, 0, 0, 4.5)};
    write_catalog(a.cat, s, 1);
    assert_int_equal(build_fails(&a, &c, "no earthquakes with M >= 4.8"), SQK_EEMPTY);
    drop_archive(&a);
}

/* Paper controls that cannot be placed anywhere (every draw lies within the rejection box of
 * an earthquake) leave a dataset without class 0: refused, naming the catalogue and why (it
 * used to print "controls: 0 placed of N wanted" and succeed). */
static void test_bad_no_controls_placed(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    c.control_box_deg = 180; /* the whole sphere */
    c.control_days = 400;    /* the whole span */
    assert_int_equal(build_fails(&a, &c, "paper controls: none of the 1 wanted could be placed"), SQK_EEMPTY);
    assert_non_null(strstr(sqk_last_error(), a.cat));
    drop_archive(&a);
}

static void test_bad_catalogue_span(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    sqk_quake q[] = {quake("E1", T2020 - 400 * DAY, 0, 0, 6), quake("E2", T2020 - 300 * DAY, 0, 0, 6)};
    write_catalog(a.cat, q, 2);
    assert_int_equal(build_fails(&a, &c, "do not overlap"), SQK_EEMPTY);
    drop_archive(&a);
}

static void test_bad_kp_span(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    write_kp(a.kp, T2020 - 365 * DAY, 30);
    assert_int_equal(build_fails(&a, &c, "has no value in the archive span"), SQK_EEMPTY);
    drop_archive(&a);
}

static void test_kp_partly_missing(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    write_kp(a.kp, T2020, 12); /* days 0-11: the day-15 windows have no Kp */
    sqk_build_inputs in = {.archive_dir = a.dir, .out_path = a.out};
    sqk_build_result r;
    assert_int_equal(sqk_build(&c, &in, NULL, &r), SQK_OK);
    assert_int_equal(r.windows.missing_kp, 4);
    assert_int_equal(r.windows.cls[0] + r.windows.cls[1], 0); /* never labelled instead */
    assert_int_equal(r.windows.cls[2], 4);
    assert_non_null(strstr(r.summary, "windows in the others are dropped"));
    sqk_build_result_free(&r);
    drop_archive(&a);
}

static void test_bad_corrupt_file(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    /* A truncated HDF5 file that sorts between orbits 100 and 101. */
    char bad[700];
    snprintf(bad, sizeof bad, "%s/CSES_01_LAP_1_L02_A3_001005_20200112_000000_20200112_000200_000.h5", a.cses);
    static const unsigned char junk[64] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 1, 2, 3};
    assert_int_equal(test_write_file(bad, junk, sizeof junk), 0);
    build_fails(&a, &c, "1 of 6 satellite files could not be read");
    /* --skip-bad: built without it, the file counted and named in the summary. */
    c.skip_bad = 1;
    sqk_build_inputs in = {.archive_dir = a.dir, .out_path = a.out};
    sqk_build_result r;
    assert_int_equal(sqk_build(&c, &in, NULL, &r), SQK_OK);
    assert_int_equal(r.files_bad, 1);
    assert_int_equal(r.n_windows, 8);
    assert_non_null(strstr(r.summary, "1 unreadable (skipped)"));
    assert_non_null(strstr(r.summary, "001005"));
    sqk_build_result_free(&r);
    drop_archive(&a);
}

static void test_bad_config(void **state)
{
    (void)state;
    archive a = make_archive();
    sqk_build_config c;
    config_for_tests(&c);
    c.T = 1;
    build_fails(&a, &c, "T = 1");
    config_for_tests(&c);
    assert_int_equal(sqk_build_config_set_features(&c, "Ne,Xx"), SQK_OK);
    build_fails(&a, &c, "no variable 'Xx'");
    drop_archive(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_catalogue_declustering),
        cmocka_unit_test(test_build_known_answers),
        cmocka_unit_test(test_build_deterministic),
        cmocka_unit_test(test_bad_empty_archive),
        cmocka_unit_test(test_bad_no_events_in_span),
        cmocka_unit_test(test_bad_no_controls_placed),
        cmocka_unit_test(test_bad_catalogue_span),
        cmocka_unit_test(test_bad_kp_span),
        cmocka_unit_test(test_kp_partly_missing),
        cmocka_unit_test(test_bad_corrupt_file),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
