/* ctest-labels: slow */
/* seqnetquake build end to end on a small synthetic archive: exit codes, summary, determinism,
 * presets, and the bad-input paths as a user meets them. */
#include "testutil.h"

#include "sqk/dataset.h"
#include "sqk/geo.h"
#include "sqk/h5.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = test_tmpdir();
    char *out = NULL;
    int rc = test_cli(&out, "synth --out %s/a --satellites cses --cses-days 6 --seed 3 --quiet", dir);
    if (rc != 0) fprintf(stderr, "synth failed: %s\n", out ? out : "");
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

static int exists(const char *fmt, const char *a)
{
    char p[1024];
    snprintf(p, sizeof p, fmt, a);
    struct stat sb;
    return stat(p, &sb) == 0;
}

static void test_build_and_determinism(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/d1.h5 --time all", dir, dir), 0);
    assert_non_null(strstr(out, "catalogue:"));
    assert_non_null(strstr(out, "planted precursors (truth.csv)"));
    free(out);
    assert_true(exists("%s/d1.h5.summary.txt", dir));
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/d2.h5 --time all --threads 1 --quiet", dir, dir), 0);
    assert_string_equal(out, "");
    free(out);
    char cmp[2048];
    snprintf(cmp, sizeof cmp, "cmp -s %s/d1.h5 %s/d2.h5", dir, dir);
    assert_int_equal(system(cmp), 0);
    /* --design paper is the default: the same bytes */
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/d2p.h5 --time all --design paper --quiet", dir, dir), 0);
    free(out);
    snprintf(cmp, sizeof cmp, "cmp -s %s/d1.h5 %s/d2p.h5", dir, dir);
    assert_int_equal(system(cmp), 0);
    /* A preset with a free option on top, in either order. */
    assert_int_equal(test_cli(&out, "build --time all --preset 07 --archive %s/a --out %s/d3.h5 --quiet", dir, dir), 0);
    free(out);
}

/* The rules of method.md sections 2-6 read back from a built file: every window belongs to a
 * kept event or a control within its radius and the 15 days before it, its label follows Kp
 * (storm from 3+) and the event kind, its split is its event's, the splits are chronological
 * by event, and the counts add up. */
static void check_dataset(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    hid_t f;
    assert_int_equal(sqk_h5_open_read(path, &f), SQK_OK);
    int rank;
    size_t dims[4], ne;
    assert_int_equal(sqk_h5_dims(f, "y", &rank, dims), SQK_OK);
    size_t n = dims[0];
    assert_int_equal(sqk_h5_dims(f, "events/time", &rank, dims), SQK_OK);
    ne = dims[0];
    assert_true(n > 0 && ne > 0);
    int32_t *y = calloc(n, sizeof *y);
    int64_t *ev = calloc(n, sizeof *ev), *nwin = calloc(ne, sizeof *nwin), counts[20];
    uint8_t *split = calloc(n, 1), *kind = calloc(n, 1), *ekind = calloc(ne, 1), *status = calloc(ne, 1),
            *esplit = calloc(ne, 1);
    double *t = calloc(n, sizeof *t), *lat = calloc(n, sizeof *lat), *lon = calloc(n, sizeof *lon),
           *lt = calloc(n, sizeof *lt), *kp = calloc(n, sizeof *kp), *dist = calloc(n, sizeof *dist),
           *before = calloc(n, sizeof *before), *mag = calloc(n, sizeof *mag),
           *et = calloc(ne, sizeof *et), *elat = calloc(ne, sizeof *elat), *elon = calloc(ne, sizeof *elon),
           *emag = calloc(ne, sizeof *emag), *erad = calloc(ne, sizeof *erad);
    assert_int_equal(sqk_h5_read_i32(f, "y", y, n), SQK_OK);
    assert_int_equal(sqk_h5_read_i64(f, "event", ev, n), SQK_OK);
    assert_int_equal(sqk_h5_read_u8(f, "split", split, n), SQK_OK);
    assert_int_equal(sqk_h5_read_u8(f, "event_kind", kind, n), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "time", t, n), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "lat", lat, n), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "lon", lon, n), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "lt_h", lt, n), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "kp", kp, n), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "distance_km", dist, n), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "days_before", before, n), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "magnitude", mag, n), SQK_OK);
    assert_int_equal(sqk_h5_read_u8(f, "events/kind", ekind, ne), SQK_OK);
    assert_int_equal(sqk_h5_read_u8(f, "events/status", status, ne), SQK_OK);
    assert_int_equal(sqk_h5_read_u8(f, "events/split", esplit, ne), SQK_OK);
    assert_int_equal(sqk_h5_read_i64(f, "events/n_windows", nwin, ne), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "events/time", et, ne), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "events/lat", elat, ne), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "events/lon", elon, ne), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "events/mag", emag, ne), SQK_OK);
    assert_int_equal(sqk_h5_read_f64(f, "events/radius_deg", erad, ne), SQK_OK);
    hid_t a = H5Aopen(f, "counts", H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_INT64, counts) >= 0);
    H5Aclose(a);
    H5Fclose(f);
    /* counts: ..., windows_cut (11), gap, time_of_day, unassociated, aftershock, missing_kp, used (17) */
    assert_int_equal(counts[11], counts[12] + counts[13] + counts[14] + counts[15] + counts[16] + counts[17]);
    assert_int_equal(counts[17], (int64_t)n);
    assert_int_equal(counts[1], counts[2] + counts[3]);
    int64_t total = 0;
    size_t kinds[2] = {0, 0};
    for (size_t e = 0; e < ne; e++) {
        total += nwin[e];
        if (e) assert_true(et[e] >= et[e - 1]);
        if (ekind[e] == SQK_EVENT_CONTROL) kinds[0]++;
        else if (status[e] == SQK_EVENT_KEPT) kinds[1]++;
    }
    assert_int_equal(total, (int64_t)n);
    assert_true(kinds[0] <= kinds[1]); /* as many controls as kept earthquakes, when they fit */
    double last[3] = {-INFINITY, -INFINITY, -INFINITY}, first[3] = {INFINITY, INFINITY, INFINITY};
    for (size_t i = 0; i < n; i++) {
        int64_t e = ev[i];
        assert_true(e >= 0 && (size_t)e < ne);
        assert_int_equal(status[e], SQK_EVENT_KEPT);
        assert_int_equal(kind[i], ekind[e]);
        assert_true(mag[i] == emag[e]);
        assert_true(t[i] < et[e] && t[i] >= et[e] - 15 * 86400.0);
        assert_true(fabs(before[i] - (et[e] - t[i]) / 86400.0) < 1e-9 && before[i] > 0 && before[i] <= 15);
        double d = sqk_gc_distance_km(lat[i], lon[i], elat[e], elon[e]);
        assert_true(fabs(dist[i] - d) < 1e-6);
        assert_true(sqk_gc_angle_deg(lat[i], lon[i], elat[e], elon[e]) <= erad[e] + 1e-9);
        assert_true(fabs(lt[i] - sqk_local_time_h(t[i], lon[i])) < 1e-9);
        int storm = kp[i] > 3.0 + 1.0 / 6.0;
        assert_int_equal(y[i], storm ? SQK_CLASS_STORM : kind[i] == SQK_EVENT_QUAKE ? SQK_CLASS_SEISMIC : SQK_CLASS_CONTROL);
        assert_int_equal(split[i], esplit[e]); /* no event on two sides */
        if (et[e] > last[split[i]]) last[split[i]] = et[e];
        if (et[e] < first[split[i]]) first[split[i]] = et[e];
    }
    /* Chronological by event: training events, then validation, then test. */
    assert_true(last[SQK_SPLIT_TRAIN] <= first[SQK_SPLIT_VAL] || first[SQK_SPLIT_VAL] == INFINITY);
    assert_true(last[SQK_SPLIT_VAL] <= first[SQK_SPLIT_TEST] || first[SQK_SPLIT_TEST] == INFINITY);
    assert_true(last[SQK_SPLIT_TRAIN] <= first[SQK_SPLIT_TEST]);
    free(y); free(ev); free(nwin); free(split); free(kind); free(ekind); free(status); free(esplit);
    free(t); free(lat); free(lon); free(lt); free(kp); free(dist); free(before); free(mag);
    free(et); free(elat); free(elon); free(emag); free(erad);
}

static void test_rules_hold_in_the_file(void **state)
{
    (void)state;
    check_dataset("d1.h5"); /* 3 deg, all times */
    check_dataset("d3.h5"); /* preset 07: Dobrovolsky */
}

static void test_usage(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "build --help"), 0);
    assert_non_null(strstr(out, "--preset"));
    free(out);
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/x.h5 --bogus 1", dir, dir), 2);
    assert_non_null(strstr(out, "unknown option"));
    free(out);
    assert_int_equal(test_cli(&out, "build --archive %s/a", dir), 2);
    assert_non_null(strstr(out, "--out"));
    free(out);
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/x.h5 --radius 0", dir, dir), 2);
    free(out);
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/x.h5 --preset 13", dir, dir), 2);
    free(out);
    assert_false(exists("%s/x.h5", dir));
}

/* --design rigorous with every preset option: same seed, same bytes whatever the threads;
 * the summary names the design and counts the native cadence; each new option's bad value is
 * refused before anything is written. */
static void test_design_rigorous(void **state)
{
    (void)state;
    char *out = NULL;
    /* six days are too short for a swap (controls 15 days off their own earthquake): refused */
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/r0.h5 --design rigorous", dir, dir), 1);
    assert_non_null(strstr(out, "matched controls: none of the"));
    free(out);
    assert_false(exists("%s/r0.h5", dir));
    assert_int_equal(test_cli(&out, "synth --out %s/long --satellites cses --cses-days 40 --seed 3 --quiet", dir), 0);
    free(out);
    assert_int_equal(test_cli(&out, "build --archive %s/long --out %s/r1.h5 --preset 07 --time all --design rigorous", dir, dir), 0);
    assert_non_null(strstr(out, "design: rigorous (cadence harmonised, controls matched, features Ne,Te,dlogNe,dlogTe)"));
    assert_non_null(strstr(out, "native cadence (windows burst / survey / mixed)"));
    assert_non_null(strstr(out, "(matched: at kept epicentres"));
    assert_non_null(strstr(out, "leakage report"));
    assert_non_null(strstr(out, "where-and-when baseline (geo, 5-fold cross-validation on train"));
    free(out);
    assert_int_equal(test_cli(&out, "build --design rigorous --archive %s/long --out %s/r2.h5 --time all --preset 07 --threads 1 --quiet", dir, dir), 0);
    free(out);
    char cmp[2048];
    snprintf(cmp, sizeof cmp, "cmp -s %s/r1.h5 %s/r2.h5", dir, dir);
    assert_int_equal(system(cmp), 0);
    /* an option after the design overrides it */
    assert_int_equal(test_cli(&out, "build --archive %s/a --out %s/r3.h5 --time all --design rigorous --controls paper --quiet", dir, dir), 0);
    free(out);
    char path[1024], cfg[4096];
    snprintf(path, sizeof path, "%s/r3.h5", dir);
    hid_t f;
    assert_int_equal(sqk_h5_open_read(path, &f), SQK_OK);
    assert_int_equal(sqk_h5_get_attr_str(f, ".", "config", cfg, sizeof cfg), SQK_OK);
    H5Fclose(f);
    assert_non_null(strstr(cfg, "design=custom\ncadence=harmonised\nsurvey_s=3\ncontrols=paper\n"));
    /* the leakage table is in the file */
    snprintf(path, sizeof path, "%s/r1.h5", dir);
    assert_int_equal(sqk_h5_open_read(path, &f), SQK_OK);
    int rank = 0;
    size_t dims[4] = {0};
    assert_int_equal(sqk_h5_dims(f, "leakage/values", &rank, dims), SQK_OK);
    H5Fclose(f);
    assert_int_equal(rank, 2);
    assert_int_equal(dims[0], 4);
    assert_int_equal(dims[1], 11);
    static const char *bad[][2] = {
        {"--design rigourous", "paper or rigorous"}, {"--cadence native", "paper or harmonised"},
        {"--controls random", "paper or matched"}, {"--survey-cadence 1", "survey cadence"},
        {"--survey-cadence x", "not a number"}, {"--features Ne,dlogXe", "no variable 'Xe'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = test_cli(&out, "build --archive %s/a --out %s/bad.h5 %s", dir, dir, bad[i][0]);
        if (rc == 0 || !strstr(out, bad[i][1])) fail_msg("%s: rc %d, output '%s'", bad[i][0], rc, out);
        free(out);
        assert_false(exists("%s/bad.h5", dir));
    }
}

static void test_empty_archive(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "build --files '%s/none/*.h5' --catalog %s/a/catalog.csv --kp %s/a/kp.txt --out %s/e.h5",
                              dir, dir, dir, dir), 1);
    assert_non_null(strstr(out, "no satellite files"));
    free(out);
    assert_false(exists("%s/e.h5", dir));
}

static void test_corrupt_file(void **state)
{
    (void)state;
    char bad[1024], cmd[2048];
    snprintf(cmd, sizeof cmd, "cp -r %s/a %s/b", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(bad, sizeof bad, "%s/b/cses/CSES_01_LAP_1_L02_A3_000010_20200102_000000_20200102_003000_000.h5", dir);
    assert_int_equal(test_write_file(bad, "not an HDF5 file", 16), 0);
    char *out = NULL;
    assert_int_equal(test_cli(&out, "build --archive %s/b --out %s/c.h5 --quiet", dir, dir), 1);
    assert_non_null(strstr(out, "000010"));
    assert_non_null(strstr(out, "--skip-bad"));
    free(out);
    assert_false(exists("%s/c.h5", dir));
    assert_int_equal(test_count_files(dir, ".tmp"), 0);
    assert_int_equal(test_cli(&out, "build --archive %s/b --out %s/c.h5 --skip-bad", dir, dir), 0);
    assert_non_null(strstr(out, "1 unreadable (skipped)"));
    free(out);
    assert_true(exists("%s/c.h5", dir));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_determinism),
        cmocka_unit_test(test_rules_hold_in_the_file),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_design_rigorous),
        cmocka_unit_test(test_empty_archive),
        cmocka_unit_test(test_corrupt_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
