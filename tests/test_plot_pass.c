/* ctest-labels: slow */
/* seqnetquake plot pass on a small synthetic archive: a figure for one file and for every pass
 * of one event, and the bad inputs (missing or corrupt file, unknown event, usage); the build
 * configuration read back from its text. */
#include "testutil.h"

#include "sqk/dataset.h"
#include "sqk/h5.h"

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
    int rc = test_cli(&out, "synth --out %s/a --satellites cses --cses-days 4 --seed 3 --quiet", dir);
    if (!rc) { free(out); out = NULL; rc = test_cli(&out, "build --archive %s/a --time all --out %s/d.h5 --quiet", dir, dir); }
    if (rc != 0) fprintf(stderr, "set-up failed: %s\n", out ? out : "");
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

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static unsigned be32(const unsigned char *p) { return (unsigned)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static void check_png(const char *path)
{
    size_t n = 0;
    unsigned char *png = (unsigned char *)test_read_file(path, &n);
    if (!png) fail_msg("%s was not written", path);
    assert_true(n > 50000); /* panels, map and text: far from a blank page */
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    unsigned w = be32(png + 16), h = be32(png + 20);
    if (w < 1500 || h < 900) fail_msg("%s is %ux%u", path, w, h);
    free(png);
}

/* The dataset's first window: its file and its event's id. */
static void first_window(char *file, size_t fsize, char *event, size_t esize, size_t *files_of_event)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/d.h5", dir);
    hid_t f;
    assert_int_equal(sqk_h5_open_read(path, &f), 0);
    char **files = NULL, **ids = NULL;
    size_t nf = 0, nid = 0;
    int rank;
    size_t dims[4];
    assert_int_equal(sqk_h5_read_strings(f, "files", &files, &nf), 0);
    assert_int_equal(sqk_h5_dims(f, "file", &rank, dims), 0);
    int32_t *fi = malloc(dims[0] * sizeof *fi);
    int64_t *ev = malloc(dims[0] * sizeof *ev);
    assert_int_equal(sqk_h5_read_i32(f, "file", fi, dims[0]), 0);
    assert_int_equal(sqk_h5_read_i64(f, "event", ev, dims[0]), 0);
    hid_t g = H5Gopen2(f, "events", H5P_DEFAULT);
    assert_int_equal(sqk_h5_read_strings(g, "id", &ids, &nid), 0);
    snprintf(file, fsize, "%s", files[fi[0]]);
    snprintf(event, esize, "%s", ids[ev[0]]);
    unsigned char *seen = calloc(nf, 1);
    *files_of_event = 0;
    for (size_t i = 0; i < dims[0]; i++)
        if (ev[i] == ev[0] && !seen[fi[i]]) { seen[fi[i]] = 1; (*files_of_event)++; }
    free(seen);
    free(fi);
    free(ev);
    sqk_h5_free_strings(files, nf);
    sqk_h5_free_strings(ids, nid);
    H5Gclose(g);
    H5Fclose(f);
}

static void test_one_pass_and_one_event(void **state)
{
    (void)state;
    char file[1024], event[64], path[1200];
    size_t nfiles;
    first_window(file, sizeof file, event, sizeof event, &nfiles);
    char *out = NULL;
    assert_int_equal(test_cli(&out, "plot pass %s --dataset %s/d.h5 --out %s/one.png", file, dir, dir), 0);
    assert_non_null(strstr(out, "one.png"));
    free(out);
    snprintf(path, sizeof path, "%s/one.png", dir);
    check_png(path);
    snprintf(path, sizeof path, "%s/one.pdf", dir);
    assert_true(exists(path));
    /* without a dataset, with a catalogue */
    assert_int_equal(test_cli(&out, "plot pass %s --catalog %s/a/catalog.csv --kp %s/a/kp.txt --out %s/bare --quiet",
                              file, dir, dir, dir), 0);
    assert_string_equal(out, "");
    free(out);
    snprintf(path, sizeof path, "%s/bare.png", dir);
    check_png(path);
    /* every pass of one event: one figure per file holding its windows */
    assert_int_equal(test_cli(&out, "plot pass --event %s --dataset %s/d.h5 --out %s/ev/e", event, dir, dir), 1);
    free(out); /* the folder does not exist: an error, nothing written */
    char mk[1200];
    snprintf(mk, sizeof mk, "%s/ev", dir);
    mkdir(mk, 0755);
    assert_int_equal(test_cli(&out, "plot pass --event %s --dataset %s/d.h5 --out %s/ev/e --quiet", event, dir, dir), 0);
    free(out);
    assert_int_equal(test_count_files(mk, ".png"), (int)nfiles);
    /* the pass with the most windows of a class */
    assert_int_equal(test_cli(&out, "plot pass --class seismic --dataset %s/d.h5 --out %s/storm --quiet", dir, dir), 0);
    free(out);
    snprintf(path, sizeof path, "%s/storm.png", dir);
    check_png(path);
    assert_int_equal(test_cli(&out, "plot pass --class quake --dataset %s/d.h5", dir), 2);
    free(out);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    char *out = NULL, path[1200], file[1024], event[64];
    size_t nfiles;
    first_window(file, sizeof file, event, sizeof event, &nfiles);
    /* a missing file */
    assert_int_equal(test_cli(&out, "plot pass %s/nope.h5 --out %s/x", dir, dir), 1);
    assert_non_null(strstr(out, "nope.h5"));
    free(out);
    /* a truncated CSES file */
    size_t n;
    char *bytes = test_read_file(file, &n);
    assert_non_null(bytes);
    snprintf(path, sizeof path, "%s/CSES_01_LAP_1_L02_A3_106230_20200101_000000_20200101_002336_000.h5", dir);
    assert_int_equal(test_write_file(path, bytes, n / 3), 0);
    free(bytes);
    assert_int_equal(test_cli(&out, "plot pass %s --out %s/x", path, dir), 1);
    assert_non_null(strstr(out, "CSES_01_LAP"));
    free(out);
    snprintf(path, sizeof path, "%s/x.png", dir);
    assert_false(exists(path));
    /* an unknown event, a bad dataset, usage errors */
    assert_int_equal(test_cli(&out, "plot pass --event no-such --dataset %s/d.h5 --out %s/x", dir, dir), 1);
    assert_non_null(strstr(out, "no-such"));
    free(out);
    assert_int_equal(test_cli(&out, "plot pass %s --dataset %s/a/kp.txt --out %s/x", file, dir, dir), 1);
    free(out);
    assert_int_equal(test_cli(&out, "plot pass --event x --out %s/x", dir), 2);
    free(out);
    assert_int_equal(test_cli(&out, "plot pass"), 2);
    free(out);
    assert_int_equal(test_cli(&out, "plot pies"), 2);
    free(out);
    assert_int_equal(test_cli(&out, "plot pass --help"), 0);
    assert_non_null(strstr(out, "--event"));
    free(out);
    assert_false(exists(path));
}

static void test_config_text_round_trip(void **state)
{
    (void)state;
    sqk_build_config c, back;
    sqk_build_config_default(&c);
    assert_int_equal(sqk_build_config_preset(&c, "11"), 0);
    c.min_mag = 5.1;
    c.ne_max = 2e6;
    c.seed = 12345;
    assert_int_equal(sqk_build_config_set_features(&c, "Ne"), 0);
    char a[4096], b[4096];
    assert_int_equal(sqk_build_config_text(&c, a, sizeof a), 0);
    assert_int_equal(sqk_build_config_parse(a, &back), 0);
    assert_int_equal(sqk_build_config_text(&back, b, sizeof b), 0);
    assert_string_equal(a, b);
    assert_int_equal(back.satellite, SQK_SAT_DEMETER);
    assert_int_equal(back.nfeat, 1);
    assert_true(back.radius_deg == 0);
    /* the rigorous design (harmonised cadence, matched controls, relative features) */
    sqk_build_config_default(&c);
    assert_int_equal(sqk_build_config_design(&c, "rigorous"), 0);
    assert_int_equal(sqk_build_config_text(&c, a, sizeof a), 0);
    assert_int_equal(sqk_build_config_parse(a, &back), 0);
    assert_int_equal(sqk_build_config_text(&back, b, sizeof b), 0);
    assert_string_equal(a, b);
    assert_int_equal(back.cadence_mode, SQK_CADENCE_MODE_HARMONISED);
    assert_int_equal(back.controls_mode, SQK_CONTROLS_MATCHED);
    /* what a newer build writes must not be ignored */
    assert_int_equal(sqk_build_config_parse("T=20\nwarp=9\n", &back), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "warp"));
    assert_int_equal(sqk_build_config_parse("T=twenty\n", &back), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "line 1"));
    assert_int_equal(sqk_build_config_parse("T=1\n", &back), SQK_EARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_pass_and_one_event),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_config_text_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
