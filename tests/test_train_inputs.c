/* The derived inputs of the roughness model and of the multi-scale model, on hand-made
 * windows with known answers. */
#include "testutil.h"

#include "sqk/dataset.h"
#include "sqk/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_roughness_known(void **state)
{
    (void)state;
    /* Window 0: Ne = e^(0.1 j) (log ramp: first differences 0.1, second 0, no spread about
     * the line); Te alternating 1000, 1000 e^0.2 (first differences +-0.2, second +-0.4).
     * Window 1: dlog features taken as logs already. */
    sqk_train_data d;
    memset(&d, 0, sizeof d);
    d.N = 2; d.T = 6; d.F = 2;
    d.X = calloc(d.N * 6 * 2, sizeof *d.X);
    snprintf(d.features, sizeof d.features, "Ne,Te");
    for (int j = 0; j < 6; j++) {
        d.X[j * 2] = (float)exp(0.1 * j);
        d.X[j * 2 + 1] = (float)(1000.0 * exp(j % 2 ? 0.2 : 0.0));
        d.X[12 + j * 2] = (float)(j == 3 ? 1.0 : 0.0);
        d.X[12 + j * 2 + 1] = 0.0f;
    }
    assert_int_equal(sqk_train_data_roughness(&d), SQK_OK);
    assert_int_equal(d.T, 1);
    assert_int_equal(d.F, 6);
    assert_string_equal(d.features, "d1_Ne,d2_Ne,sd_Ne,d1_Te,d2_Te,sd_Te");
    assert_close(d.X[0], 0.1, 1e-5);
    assert_close(d.X[1], 0.0, 1e-5);
    assert_close(d.X[2], 0.0, 1e-5);
    assert_close(d.X[3], 0.2, 1e-5);
    assert_close(d.X[4], 0.4, 1e-5);
    free(d.X);
    /* Both windows read with features "Ne,Te" above; now dlog names: a single spike of 1. */
    memset(&d, 0, sizeof d);
    d.N = 1; d.T = 6; d.F = 1;
    d.X = calloc(6, sizeof *d.X);
    d.X[3] = 1.0f;
    snprintf(d.features, sizeof d.features, "dlogNe");
    assert_int_equal(sqk_train_data_roughness(&d), SQK_OK);
    assert_close(d.X[0], sqrt(2.0 / 5.0), 1e-6); /* two steps of 1 over 5 differences */
    assert_close(d.X[1], sqrt((1.0 + 4.0 + 1.0) / 4.0), 1e-6);
    free(d.X);
}

/* The multi-scale inputs through a dataset file (they read its kp column): window 0 has a
 * log-linear Ne (no energy at any scale, no spread about the line), window 1 a single step of
 * 0.3 in log Ne at sample 4, in a storm (Kp 4). Te does not enter. */
enum { MS_N = 2, MS_T = 10, MS_F = 3 };

static void test_multiscale_known(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), path[1200];
    assert_non_null(dir);
    snprintf(path, sizeof path, "%s/ds.h5", dir);
    sqk_build_config c;
    sqk_build_config_default(&c);
    c.T = MS_T;
    assert_int_equal(sqk_build_config_set_features(&c, "Ne,Te,dlogNe"), SQK_OK);
    sqk_window w[MS_N];
    memset(w, 0, sizeof w);
    float x[MS_N * MS_T * MS_F];
    uint8_t split[MS_N] = {0, 1};
    const double a = 0.3;
    for (int i = 0; i < MS_N; i++)
        w[i] = (sqk_window){.t = 1e9 + i, .lat = 10, .lon = 20, .kp = i ? 4.0 : 2.0, .event = 0, .y = 1,
                            .satellite = 1, .event_kind = 1, .magnitude = 5.5, .precursor_event = -1};
    for (int j = 0; j < MS_T; j++) {
        float *r0 = x + j * MS_F, *r1 = x + (MS_T + j) * MS_F;
        r0[0] = (float)exp(0.1 * j);
        r0[1] = (float)(1000.0 * exp(j % 2 ? 0.2 : 0.0));
        r0[2] = 0.0f;
        r1[0] = (float)(1000.0 * exp(j == 4 ? a : 0.0));
        r1[1] = 1000.0f;
        r1[2] = 0.0f;
    }
    sqk_window_set ws = {MS_N, MS_N, MS_T, MS_F, w, x};
    sqk_event ev[1] = {{.id = "us1", .kind = 1, .t = 1e9, .lat = 10, .lon = 20, .mag = 5.5, .pair = -1}};
    const char *files[1] = {"CSES_x.h5"}, *sha[1] = {"00"};
    sqk_build_result r;
    memset(&r, 0, sizeof r);
    sqk_dataset_contents dc = {.config = &c, .windows = &ws, .split = split, .events = ev, .nevents = 1,
                               .files = files, .files_sha256 = sha, .nfiles = 1, .catalog_path = "cat.csv",
                               .catalog_sha256 = "aa", .kp_path = "kp.txt", .kp_sha256 = "bb",
                               .files_digest = "cc", .result = &r};
    assert_int_equal(sqk_dataset_write(path, &dc), SQK_OK);

    sqk_train_data d;
    assert_int_equal(sqk_train_data_read_for(&d, path, sqk_model_kind_find("multiscale")), SQK_OK);
    assert_int_equal(d.N, MS_N);
    assert_int_equal(d.T, 1);
    assert_int_equal(d.F, 5);
    assert_string_equal(d.features, "d2lag1_Ne,d2lag2_Ne,d2lag4_Ne,sd_Ne,kp_above_3");
    const float *o = d.X;
    for (int k = 0; k < 4; k++) assert_true(o[k] < -11.9); /* log-linear Ne: log10(0 + 1e-12) */
    assert_true(o[4] == 0.0f);
    o = d.X + 5;
    assert_close(o[0], log10(6 * a * a / 8), 1e-4); /* a, -2a, a among 8 differences */
    assert_close(o[1], log10(6 * a * a / 6), 1e-4); /* the same among 6 */
    assert_close(o[2], log10(4 * a * a / 2), 1e-4); /* -2a (x8 - 2 x4 + x0) among 2 */
    /* about the line: (a^2 - 10 (a / 10)^2 - (a (4 - 4.5))^2 / 82.5) / 10 */
    assert_close(o[3], log10((a * a - a * a / 10 - 0.25 * a * a / 82.5) / 10), 1e-4);
    assert_true(o[4] == 1.0f);
    sqk_train_data_free(&d);

    /* Too short for the 6 s scale: refused, naming the need. */
    assert_int_equal(sqk_train_data_read(&d, path), SQK_OK);
    d.T = 8;
    assert_int_not_equal(sqk_train_data_multiscale(&d, path), SQK_OK);
    assert_non_null(strstr(sqk_last_error(), "more than 8 samples"));
    /* No Ne: refused, naming the file and the features. */
    d.T = MS_T;
    snprintf(d.features, sizeof d.features, "Te,dlogTe,Nex");
    assert_int_not_equal(sqk_train_data_multiscale(&d, path), SQK_OK);
    assert_non_null(strstr(sqk_last_error(), "need a feature Ne or dlogNe (features 'Te,dlogTe,Nex')"));
    assert_non_null(strstr(sqk_last_error(), path));
    sqk_train_data_free(&d);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roughness_known),
        cmocka_unit_test(test_multiscale_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
