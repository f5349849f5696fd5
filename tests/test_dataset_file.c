/* The dataset file: what the writer puts in, the one reader gives back, field by field and
 * only the fields asked for; every kind of bad file is an error naming it. */
#include "testutil.h"

#include "sqk/core.h"
#include "sqk/dataset.h"
#include "sqk/h5.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static int setup(void **s) { (void)s; dir = test_tmpdir(); return dir ? 0 : -1; }
static int teardown(void **s) { (void)s; test_rmtree(dir); free(dir); return 0; }

enum { N = 5, T = 3, F = 2, NEV = 2 };

/* Writes a small dataset through sqk_dataset_write; truth: with the window-level truth. */
static void write_small(const char *path, int truth)
{
    sqk_build_config c;
    sqk_build_config_default(&c);
    c.T = T;
    sqk_window w[N];
    float x[N * T * F];
    uint8_t split[N];
    memset(w, 0, sizeof w);
    for (int i = 0; i < N; i++) {
        w[i] = (sqk_window){.t = 1e9 + i, .lat = -10 + i, .lon = 20.5 + i, .lt_h = 1.5, .distance_km = 100 * i,
                            .days_before = i, .kp = 2.0 / 3, .event = i % NEV, .file = 0, .orbit = 7 + i,
                            .y = i % 3, .satellite = 1, .event_kind = 1, .cadence = (uint8_t)(i % 2),
                            .magnitude = 5.5, .sample = 100u * i, .precursor_weight = 0.25 * i,
                            .precursor_event = i == 2 ? 1 : -1};
        split[i] = (uint8_t)(i % 3);
    }
    for (int j = 0; j < N * T * F; j++) x[j] = (float)j / 7;
    sqk_window_set ws = {N, N, T, F, w, x};
    sqk_event ev[NEV] = {{.id = "us1", .kind = 1, .t = 1e9, .lat = 1, .lon = 2, .mag = 5, .pair = -1},
                         {.id = "ctl2", .kind = 0, .t = 2e9, .lat = 3, .lon = 4, .mag = NAN, .pair = 0, .pair_id = "us1"}};
    const char *files[1] = {"CSES_x.h5"}, *sha[1] = {"00"};
    sqk_build_result r;
    memset(&r, 0, sizeof r);
    r.has_truth = truth;
    sqk_dataset_contents d = {.config = &c, .windows = &ws, .split = split, .events = ev, .nevents = NEV,
                              .files = files, .files_sha256 = sha, .nfiles = 1, .catalog_path = "cat.csv",
                              .catalog_sha256 = "aa", .kp_path = "kp.txt", .kp_sha256 = "bb",
                              .files_digest = "cc", .result = &r};
    assert_int_equal(sqk_dataset_write(path, &d), SQK_OK);
}

static void test_round_trip_and_selection(void **s)
{
    (void)s;
    char path[1200];
    snprintf(path, sizeof path, "%s/ds.h5", dir);
    write_small(path, 1);
    sqk_dataset d;
    assert_int_equal(sqk_dataset_read(path, "lat,cadence,precursor_weight,split,events/id,events/pair", &d), SQK_OK);
    assert_int_equal(d.n, N);
    assert_int_equal(d.T, T);
    assert_int_equal(d.F, F);
    assert_string_equal(d.features, "Ne,Te");
    assert_non_null(strstr(d.config, "T=3"));
    assert_true(d.lat[4] == -6 && d.cadence[3] == 1 && d.precursor_weight[2] == 0.5 && d.split[4] == 1);
    assert_true(d.y[2] == 2); /* always read */
    assert_null(d.X); /* not asked for */
    assert_null(d.lon);
    assert_null(d.events.lat);
    assert_int_equal(d.events.n, NEV);
    assert_string_equal(d.events.id[1], "ctl2");
    assert_true(d.events.pair[0] == -1 && d.events.pair[1] == 0);
    sqk_dataset_free(&d);

    assert_int_equal(sqk_dataset_read(path, "X,time,sample,event,events,sha256", &d), SQK_OK);
    assert_true(d.X[N * T * F - 1] == (float)(N * T * F - 1) / 7);
    assert_true(d.time[1] == 1e9 + 1 && d.sample[3] == 300 && d.event[3] == 1);
    assert_true(d.events.kind[0] == 1 && d.events.n_windows[0] == 3 && d.events.n_windows[1] == 2);
    assert_true(d.events.unit[0] == -1 && d.events.unit[1] == 0); /* -1 outside a matched pair */
    assert_true(d.events.split[0] == 1 && d.events.split[1] == 0); /* the split of its last window */
    assert_true(isnan(d.events.mag[1]));
    assert_int_equal(strlen(d.sha256), 64);
    sqk_dataset_free(&d);

    /* Without truth.csv the truth columns are not written: '?' reads them as absent. */
    write_small(path, 0);
    assert_int_equal(sqk_dataset_read(path, "precursor_weight?,precursor_event?", &d), SQK_OK);
    assert_null(d.precursor_weight);
    assert_null(d.precursor_event);
    sqk_dataset_free(&d);
    assert_int_equal(sqk_dataset_read(path, "precursor_weight", &d), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "ds.h5: no dataset 'precursor_weight'"));
    assert_int_equal(sqk_dataset_read(path, "lat,wind_speed", &d), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "no dataset field 'wind_speed'"));
}

/* The writer writes version 2; a version 1 file (before cadence, the truth columns,
 * events/pair and the features attribute) still reads: what it lacks is absent when the stage
 * may do without it, events/pair reads as "no pairs", and a stage that needs cadence is told
 * the file predates it. Other versions are refused naming the file and the versions read. */
static void test_format_versions(void **s)
{
    (void)s;
    char path[1200];
    snprintf(path, sizeof path, "%s/v.h5", dir);
    write_small(path, 1);
    sqk_dataset d;
    assert_int_equal(sqk_dataset_read(path, "cadence,events/pair", &d), SQK_OK);
    assert_int_equal(d.format_version, 2);
    sqk_dataset_free(&d);

    /* In a version 2 file a column the writer always writes is never optional. */
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_true(H5Ldelete(f, "cadence", H5P_DEFAULT) >= 0);
    H5Fclose(f);
    assert_int_equal(sqk_dataset_read(path, "cadence?", &d), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "v.h5: no 'cadence', which every dataset of format_version 2 has"));

    test_set_format_version(path, 1);
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_true(H5Ldelete(f, "precursor_weight", H5P_DEFAULT) >= 0);
    assert_true(H5Ldelete(f, "precursor_event", H5P_DEFAULT) >= 0);
    assert_true(H5Ldelete(f, "events/pair", H5P_DEFAULT) >= 0);
    assert_true(H5Ldelete(f, "events/unit", H5P_DEFAULT) >= 0);
    assert_true(H5Adelete(f, "features") >= 0);
    H5Fclose(f);
    assert_int_equal(sqk_dataset_read(path, "X,lat,cadence?,precursor_weight?,events/pair,events/unit", &d), SQK_OK);
    assert_int_equal(d.format_version, 1);
    assert_int_equal(d.n, N);
    assert_true(d.lat[4] == -6 && d.X[1] == (float)1 / 7);
    assert_null(d.cadence);
    assert_null(d.precursor_weight);
    assert_string_equal(d.features, "");
    assert_true(d.events.pair[0] == -1 && d.events.pair[1] == -1 && d.events.unit[1] == -1);
    sqk_dataset_free(&d);
    assert_int_equal(sqk_dataset_read(path, "events/pair?", &d), SQK_OK);
    assert_true(d.events.pair && d.events.pair[1] == -1);
    sqk_dataset_free(&d);
    assert_int_equal(sqk_dataset_read(path, "lat,cadence", &d), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "v.h5: no 'cadence': the file is dataset format_version 1, older than "
                                             "that field (version 2)"));
    assert_null(d.lat);

    test_set_format_version(path, 3);
    assert_int_equal(sqk_dataset_read(path, "y", &d), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "v.h5: dataset format_version 3 is unknown: this program reads "
                                             "versions 1 to 2"));
    test_set_format_version(path, 0);
    assert_int_equal(sqk_dataset_read(path, "y", &d), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "v.h5: dataset format_version 0 is unknown"));
}

/* A file written by hand: the reader's checks. */
static void expect_bad(const char *name, const float *X, const int32_t *y, const uint8_t *split,
                       const int64_t *event, const char *fields, const char *want)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    test_write_window_dataset(path, 3, 2, 1, X, y, split, event, "Ne", "");
    sqk_dataset d;
    int st = sqk_dataset_read(path, fields, &d);
    if (st != SQK_EFORMAT || !strstr(sqk_last_error(), path) || !strstr(sqk_last_error(), want))
        fail_msg("status %d, message '%s' (wanted '%s')", st, sqk_last_error(), want);
    assert_null(d.y);
}

static void test_bad_files(void **s)
{
    (void)s;
    const float X[6] = {1, 2, 3, 4, 5, 6}, Xnan[6] = {1, 2, 3, NAN, 5, 6};
    const int32_t y[3] = {0, 1, 2}, ybad[3] = {0, 3, 2};
    const uint8_t split[3] = {0, 1, 2}, sbad[3] = {0, 1, 9};
    const int64_t ev[3] = {-1, 0, 1};
    expect_bad("a.h5", Xnan, y, split, ev, "X", "window 1 has a non-finite value in X (sample 1, feature 0)");
    expect_bad("b.h5", X, ybad, split, ev, "X", "window 1 has label y=3");
    expect_bad("c.h5", X, y, sbad, ev, "split", "window 2 has split 9");
    expect_bad("d.h5", X, y, split, ev, "events", "events/id");
    char path[1200];
    snprintf(path, sizeof path, "%s/junk.h5", dir);
    assert_int_equal(test_write_file(path, "not hdf5", 8), 0);
    sqk_dataset d;
    assert_int_not_equal(sqk_dataset_read(path, "y", &d), SQK_OK);
    assert_non_null(strstr(sqk_last_error(), path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_selection),
        cmocka_unit_test(test_format_versions),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
