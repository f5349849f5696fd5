/* Core: time encodings, geodesy, RNG determinism, checksums, HDF5 helpers, atomic files. */
#include "testutil.h"

#include "sqk/core.h"
#include "sqk/geo.h"
#include "sqk/h5.h"
#include "sqk/rng.h"
#include "sqk/time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_civil_roundtrip(void **state)
{
    (void)state;
    assert_int_equal(sqk_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(sqk_days_from_civil(2000, 3, 1), 11017);
    for (int64_t d = -800000; d < 800000; d += 997) {
        int y, m, dd;
        sqk_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(sqk_days_from_civil(y, m, dd), d);
    }
    double t;
    assert_int_equal(sqk_time_parse_iso("2020-12-31T23:12:35.050Z", &t), SQK_OK);
    assert_close(t, 1609456355.05, 1e-6);
    char buf[32];
    sqk_time_format_iso(t, buf);
    assert_string_equal(buf, "2020-12-31T23:12:35.050Z");
    assert_int_equal(sqk_time_parse_iso("2020-02-30T00:00:00Z", &t), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "day 30"));
    assert_int_equal(sqk_time_parse_iso("2020-13-01", &t), SQK_EVALUE);
    assert_int_equal(sqk_time_parse_iso("yesterday", &t), SQK_EVALUE);
    assert_int_equal(sqk_time_parse_iso("2020-01-01T10:00:00Zjunk", &t), SQK_EVALUE);
}

static void test_cses_times(void **state)
{
    (void)state;
    /* formats.md: VERSE_TIME 341799668000 = 2019-11-01T00:21:08 = UTC_TIME 20191101002108000 */
    double tv = sqk_time_from_verse(341799668000LL), tu;
    assert_int_equal(sqk_time_from_cses_utc(20191101002108000LL, &tu), SQK_OK);
    assert_close(tv, tu, 1e-6);
    assert_int_equal(sqk_time_to_cses_utc(tu), 20191101002108000LL);
    assert_int_equal(sqk_time_to_verse(tu), 341799668000LL);
    assert_int_equal(sqk_time_to_cses_utc(tu + 0.123), 20191101002108123LL);
    assert_int_equal(sqk_time_from_cses_utc(20191301002108000LL, &tu), SQK_EVALUE);
    assert_int_equal(sqk_time_from_cses_utc(123, &tu), SQK_EVALUE);
}

static void test_geodesy(void **state)
{
    (void)state;
    assert_close(sqk_gc_angle_deg(0, 0, 0, 90), 90.0, 1e-9);
    assert_close(sqk_gc_angle_deg(10, 179.5, 10, -179.5), 0.98481, 1e-4); /* date line */
    assert_close(sqk_gc_angle_deg(89.9, 0, 89.9, 180), 0.2, 1e-9);       /* over the pole */
    assert_close(sqk_gc_angle_deg(0, 0, 0, 180), 180.0, 1e-9);
    assert_close(sqk_gc_angle_deg(45, 45, 45, 45), 0.0, 1e-12);
    assert_close(sqk_gc_distance_km(0, 0, 1, 0), 111.19492664, 1e-6);
    assert_close(sqk_lon_diff_deg(179, -179), -2.0, 1e-12);
    assert_close(sqk_lon_wrap(540), -180.0, 1e-12);
    assert_close(sqk_local_time_h(0, 30), 2.0, 1e-12);
    assert_close(sqk_local_time_h(0, -30), 22.0, 1e-12);
    assert_true(sqk_is_night(18.0));
    assert_true(sqk_is_night(5.999));
    assert_false(sqk_is_night(6.0));
    assert_false(sqk_is_night(17.999));
    assert_close(sqk_dobrovolsky_radius_km(5.0), 141.2537545, 1e-6);
    double mlat, plat, plon;
    sqk_dipole_pole(&plat, &plon);
    sqk_geomag(plat, plon, &mlat, NULL);
    assert_close(mlat, 90.0, 1e-9);
    sqk_geomag(-plat, plon + 180, &mlat, NULL);
    assert_close(mlat, -90.0, 1e-9);
}

static void test_rng(void **state)
{
    (void)state;
    sqk_rng a, b;
    sqk_rng_seed(&a, 42);
    sqk_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++) assert_true(sqk_rng_u64(&a) == sqk_rng_u64(&b));
    sqk_rng_seed(&a, 7);
    double s = 0, s2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) { double z = sqk_rng_normal(&a); s += z; s2 += z * z; }
    assert_close(s / n, 0.0, 0.01);
    assert_close(s2 / n, 1.0, 0.02);
    double pm = 0;
    for (int i = 0; i < 20000; i++) pm += (double)sqk_rng_poisson(&a, 3.5);
    assert_close(pm / 20000, 3.5, 0.05);
    for (int i = 0; i < 1000; i++) assert_true(sqk_rng_below(&a, 7) < 7);
    sqk_rng f1 = sqk_rng_fork(&b, 1), f2 = sqk_rng_fork(&b, 2), f1b = sqk_rng_fork(&b, 1);
    assert_true(sqk_rng_u64(&f1) != sqk_rng_u64(&f2));
    sqk_rng_u64(&f1b);
    assert_true(sqk_rng_u64(&f1) == sqk_rng_u64(&f1b));
}

static void test_sha256_and_atomic(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char path[512], tmp[600], hex[65];
    snprintf(path, sizeof path, "%s/abc.txt", dir);
    assert_int_equal(sqk_tmp_path(path, tmp, sizeof tmp), SQK_OK);
    assert_int_equal(test_write_file(tmp, "abc", 3), 0);
    assert_int_equal(sqk_commit_file(tmp, path), SQK_OK);
    assert_int_equal(sqk_sha256_file(path, hex), SQK_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(test_count_files(dir, ".tmp"), 0);
    assert_int_equal(sqk_sha256_file("/nonexistent/file", hex), SQK_EIO);
    assert_non_null(strstr(sqk_last_error(), "/nonexistent/file"));
    char sub[600];
    snprintf(sub, sizeof sub, "%s/a/b/c", dir);
    assert_int_equal(sqk_mkdir_p(sub), SQK_OK);
    assert_int_equal(sqk_mkdir_p(sub), SQK_OK);
    test_rmtree(dir);
    free(dir);
}

static void test_h5_helpers(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/x.h5", dir);
    hid_t f;
    assert_int_equal(sqk_h5_create(path, &f), SQK_OK);
    double v[6] = {1, 2, 3, 4, 5, 6};
    size_t dims[2] = {3, 2};
    assert_int_equal(sqk_h5_write_f64(f, "D", 2, dims, v), SQK_OK);
    const char *names[] = {"alpha", "b", ""};
    assert_int_equal(sqk_h5_write_strings(f, "S", names, 3), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_str(f, ".", "NAME", "value"), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_f64(f, "D", "FillValue", v, 1), SQK_OK);
    H5Fclose(f);

    assert_int_equal(sqk_h5_open_read(path, &f), SQK_OK);
    int rank;
    size_t d[4];
    assert_int_equal(sqk_h5_dims(f, "D", &rank, d), SQK_OK);
    assert_int_equal(rank, 2);
    assert_int_equal(d[0], 3);
    float fv[6];
    assert_int_equal(sqk_h5_read_f32(f, "D", fv, 6), SQK_OK);
    assert_close(fv[5], 6.0, 0);
    assert_int_equal(sqk_h5_read_f32(f, "D", fv, 5), SQK_EFORMAT);
    assert_int_equal(sqk_h5_read_f32(f, "nope", fv, 5), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "'nope' is missing"));
    char buf[64];
    assert_int_equal(sqk_h5_get_attr_str(f, ".", "NAME", buf, sizeof buf), SQK_OK);
    assert_string_equal(buf, "value");
    double fill;
    size_t got;
    assert_int_equal(sqk_h5_get_attr_f64(f, "D", "FillValue", &fill, 1, &got), SQK_OK);
    assert_close(fill, 1.0, 0);
    assert_int_equal(sqk_h5_get_attr_f64(f, "D", "Units", &fill, 1, &got), SQK_EFORMAT);
    char **s;
    size_t ns;
    assert_int_equal(sqk_h5_read_strings(f, "S", &s, &ns), SQK_OK);
    assert_int_equal(ns, 3);
    assert_string_equal(s[0], "alpha");
    assert_string_equal(s[2], "");
    sqk_h5_free_strings(s, ns);
    H5Fclose(f);

    assert_int_equal(test_write_file(path, "not hdf5 at all", 15), 0);
    assert_int_equal(sqk_h5_open_read(path, &f), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "not an HDF5 file"));
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_roundtrip), cmocka_unit_test(test_cses_times),
        cmocka_unit_test(test_geodesy),         cmocka_unit_test(test_rng),
        cmocka_unit_test(test_sha256_and_atomic), cmocka_unit_test(test_h5_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
