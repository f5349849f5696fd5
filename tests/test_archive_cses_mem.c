/* CSES reading from the file's bytes in memory (sqk_cses_read_opt with bytes, the dataset
 * builder's path) against the plain path: identical passes for plain files, for files whose
 * datasets HDF5 must decode itself (chunked + deflate, big-endian, another integer type),
 * identical failures (status and message) for damaged files, and several threads at once. */
#include "testutil.h"

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/geo.h"
#include "sqk/h5.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REAL_HPM "data/real/CSES_01_HPM_5_L02_A2_096791_20191101_001933_20191101_005555_000.h5"

static void write_lap(const char *dir, char *path, size_t size)
{
    sqk_pass p;
    size_t n = 300;
    memset(&p, 0, sizeof p);
    assert_int_equal(sqk_pass_alloc(&p, n, 1, 1, 1), SQK_OK);
    p.satellite = SQK_SAT_CSES;
    p.orbit = 12345;
    p.direction = SQK_DIR_ASCENDING;
    sqk_pass_add_var(&p, "Ne", "cm^-3");
    sqk_pass_add_var(&p, "Te", "K");
    for (size_t i = 0; i < n; i++) {
        p.t[i] = 1577836800.0 + 1.5 * (double)i + 0.25;
        p.lat[i] = -65 + 130.0 * (double)i / (double)n;
        p.lon[i] = sqk_lon_wrap(170 + 0.03 * (double)i);
        p.alt_km[i] = 507 + 0.001 * (double)i;
        p.mlat[i] = p.lat[i] - 3;
        p.mode[i] = i % 100 < 60 ? SQK_MODE_SURVEY : SQK_MODE_BURST;
        p.var[0].v[i] = 2.5e5 * (1 + 0.5 * sin(0.02 * (double)i));
        p.var[1].v[i] = 1500.0 + (double)i * 0.75;
    }
    p.var[0].v[7] = NAN;
    p.lat[20] = NAN;
    int st = sqk_cses_write_lap(dir, &p, path, size);
    if (st) fail_msg("%s", sqk_last_error());
    sqk_pass_free(&p);
}

static void same_doubles(const double *a, const double *b, size_t n)
{
    if (!a || !b) { assert_true(!a && !b); return; }
    assert_memory_equal(a, b, n * sizeof *a); /* bit for bit, NaN included */
}

static void same_pass(const sqk_pass *a, const sqk_pass *b, int extras)
{
    assert_string_equal(a->path, b->path);
    assert_int_equal(a->satellite, b->satellite);
    assert_int_equal(a->orbit, b->orbit);
    assert_int_equal(a->direction, b->direction);
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->n_fill, b->n_fill);
    assert_int_equal(a->n_time_mismatch, b->n_time_mismatch);
    assert_string_equal(a->warning, b->warning);
    same_doubles(a->t, b->t, a->n);
    same_doubles(a->lat, b->lat, a->n);
    same_doubles(a->lon, b->lon, a->n);
    if (extras) {
        same_doubles(a->alt_km, b->alt_km, a->n);
        same_doubles(a->mlat, b->mlat, a->n);
    }
    assert_true((a->mode == NULL) == (b->mode == NULL));
    if (a->mode) assert_memory_equal(a->mode, b->mode, a->n);
    assert_int_equal(a->nvar, b->nvar);
    for (int k = 0; k < a->nvar; k++) {
        assert_string_equal(a->var[k].name, b->var[k].name);
        assert_string_equal(a->var[k].units, b->var[k].units);
        same_doubles(a->var[k].v, b->var[k].v, a->n);
    }
}

/* Reads path both ways (LAP reader when vars is NULL) and checks they agree, in success or
 * failure; returns the status. */
static int both_ways(const char *path, const char *const *vars, int nvars, int skip_extras)
{
    size_t size = 0;
    char *bytes = test_read_file(path, &size);
    assert_non_null(bytes);
    sqk_cses_opts o = {.bytes = bytes, .size = size, .skip_extras = skip_extras};
    sqk_pass a, b;
    int sa = vars ? sqk_cses_read(path, vars, nvars, &a) : sqk_cses_read_lap(path, &a);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", sa ? sqk_last_error() : "");
    int sb = vars ? sqk_cses_read_opt(path, vars, nvars, &o, &b) : sqk_cses_read_lap_opt(path, &o, &b);
    assert_int_equal(sa, sb);
    if (sa) {
        assert_string_equal(msg, sqk_last_error());
    } else {
        same_pass(&a, &b, !skip_extras);
        if (skip_extras) {
            assert_null(b.alt_km);
            assert_null(b.mlat);
        }
        sqk_pass_free(&a);
        sqk_pass_free(&b);
    }
    free(bytes);
    return sa;
}

static void test_plain_files(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), path[2048];
    write_lap(dir, path, sizeof path);
    assert_int_equal(both_ways(path, NULL, 0, 0), SQK_OK);
    assert_int_equal(both_ways(path, NULL, 0, 1), SQK_OK);
    static const char *const vars[] = {"A221", "B_FGM", "FLAG_SHW"};
    assert_int_equal(both_ways(test_shared(REAL_HPM), vars, 3, 0), SQK_OK);
    test_rmtree(dir);
    free(dir);
}

/* Replaces a dataset by a copy stored as ftype, chunked and compressed when chunk > 0,
 * keeping its FillValue and Units. */
static void restore(const char *path, const char *name, hid_t ftype, hid_t mtype, size_t elem, size_t chunk)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t sp = H5Dget_space(ds);
    hsize_t d[2];
    assert_int_equal(H5Sget_simple_extent_ndims(sp), 2);
    H5Sget_simple_extent_dims(sp, d, NULL);
    void *v = malloc(d[0] * d[1] * elem);
    assert_true(H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    double fill;
    char units[64] = "";
    size_t got;
    assert_int_equal(sqk_h5_get_attr_f64(f, name, "FillValue", &fill, 1, &got), SQK_OK);
    assert_int_equal(sqk_h5_get_attr_str(f, name, "Units", units, sizeof units), SQK_OK);
    H5Dclose(ds);
    assert_true(H5Ldelete(f, name, H5P_DEFAULT) >= 0);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunk) {
        hsize_t c[2] = {chunk, 1};
        H5Pset_chunk(dcpl, 2, c);
        H5Pset_deflate(dcpl, 4);
    }
    ds = H5Dcreate2(f, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    assert_true(ds >= 0);
    assert_true(H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(sp);
    assert_int_equal(sqk_h5_set_attr_f64(f, name, "FillValue", &fill, 1), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_str(f, name, "Units", units), SQK_OK);
    H5Fclose(f);
    free(v);
}

static void test_fallback_layouts(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), path[2048];
    write_lap(dir, path, sizeof path);
    restore(path, "A311", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 8, 64);     /* chunked + deflate */
    restore(path, "UTC_TIME", H5T_STD_I64LE, H5T_NATIVE_INT64, 8, 50);   /* chunked, partial last chunk */
    restore(path, "A321", H5T_IEEE_F64BE, H5T_NATIVE_DOUBLE, 8, 0);      /* big-endian, contiguous */
    restore(path, "VERSE_TIME", H5T_STD_I64BE, H5T_NATIVE_INT64, 8, 0);
    restore(path, "GEO_LAT", H5T_IEEE_F32BE, H5T_NATIVE_FLOAT, 4, 0);
    restore(path, "WORKMODE", H5T_STD_I16LE, H5T_NATIVE_INT32, 4, 0);     /* a type the fast path lacks */
    restore(path, "GEO_LON", H5T_IEEE_F64LE, H5T_NATIVE_FLOAT, 4, 0);    /* f32 values stored as f64 */
    assert_int_equal(both_ways(path, NULL, 0, 0), SQK_OK);
    assert_int_equal(both_ways(path, NULL, 0, 1), SQK_OK);
    test_rmtree(dir);
    free(dir);
}

static void delete_dataset(const char *path, const char *name)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_true(H5Ldelete(f, name, H5P_DEFAULT) >= 0);
    H5Fclose(f);
}

static void test_same_failures(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), path[2048];
    static const char *const required[] = {"A321", "A311", "GEO_LAT", "GEO_LON", "UTC_TIME"};
    for (int k = 0; k < 5; k++) {
        write_lap(dir, path, sizeof path);
        delete_dataset(path, required[k]);
        assert_int_equal(both_ways(path, NULL, 0, 1), SQK_EFORMAT);
        assert_non_null(strstr(sqk_last_error(), path));
        assert_null(strstr(sqk_last_error(), "#"));
    }
    /* Wrong Units, time disagreement: checked the same way. */
    write_lap(dir, path, sizeof path);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_int_equal(sqk_h5_set_attr_str(f, "A311", "Units", "furlongs"), SQK_OK);
    H5Fclose(f);
    assert_int_equal(both_ways(path, NULL, 0, 1), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "furlongs"));
    write_lap(dir, path, sizeof path);
    restore(path, "VERSE_TIME", H5T_STD_I64LE, H5T_NATIVE_INT64, 8, 0);
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    int64_t v[300];
    hid_t ds = H5Dopen2(f, "VERSE_TIME", H5P_DEFAULT);
    H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    for (int i = 0; i < 300; i++) v[i] += 5000;
    H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(ds);
    H5Fclose(f);
    assert_int_equal(both_ways(path, NULL, 0, 1), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "disagree in every sample"));
    /* A truncated file, and one that is not HDF5 at all. */
    write_lap(dir, path, sizeof path);
    size_t size;
    char *bytes = test_read_file(path, &size);
    assert_int_equal(test_write_file(path, bytes, size / 2), 0);
    assert_int_not_equal(both_ways(path, NULL, 0, 1), SQK_OK);
    assert_int_equal(test_write_file(path, "not an HDF5 file at all", 23), 0);
    assert_int_not_equal(both_ways(path, NULL, 0, 1), SQK_OK);
    free(bytes);
    test_rmtree(dir);
    free(dir);
}

/* Several threads reading at once (as the builder's do) read what one thread reads. */
typedef struct {
    const char *path;
    const char *bytes;
    size_t size;
    sqk_pass p;
    int st;
} reader_job;

static void *reader(void *arg)
{
    reader_job *j = arg;
    for (int k = 0; k < 20; k++) {
        sqk_cses_opts o = {.bytes = j->bytes, .size = j->size, .skip_extras = 1};
        if (k) sqk_pass_free(&j->p);
        j->st = sqk_cses_read_lap_opt(j->path, &o, &j->p);
        if (j->st) break;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), path[2048];
    write_lap(dir, path, sizeof path);
    size_t size;
    char *bytes = test_read_file(path, &size);
    reader_job jobs[4];
    pthread_t th[4];
    /* This checks that the reader itself is safe to call from several threads, so it reads
     * in-process: isolated, every read would be its own forked process, and forks from four
     * threads at once can deadlock a child inside the sanitizer runtime's allocator. */
    setenv("SQK_NO_ISOLATION", "1", 1);
    for (int i = 0; i < 4; i++) {
        jobs[i] = (reader_job){.path = path, .bytes = bytes, .size = size};
        assert_int_equal(pthread_create(&th[i], NULL, reader, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    unsetenv("SQK_NO_ISOLATION");
    sqk_pass plain;
    assert_int_equal(sqk_cses_read_lap(path, &plain), SQK_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(jobs[i].st, SQK_OK);
        same_pass(&plain, &jobs[i].p, 0);
        sqk_pass_free(&jobs[i].p);
    }
    sqk_pass_free(&plain);
    free(bytes);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_files),
        cmocka_unit_test(test_fallback_layouts),
        cmocka_unit_test(test_same_failures),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
