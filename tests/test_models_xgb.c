/* ctest-labels: slow parity */
/* XGBoost wrapper: parity with XGBoost's Python package (tests/fixtures/xgb), save/load round
 * trips, determinism, early stopping, continued boosting and bad input. */
#include "testutil.h"

#include "sqk/core.h"
#include "sqk/h5.h"
#include "sqk/xgb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NTR 300
#define NTE 100
#define D 40

static float X_train[NTR * D], X_test[NTE * D];
static int32_t y_train[NTR], y_test[NTE];

static int load_reference(void **state)
{
    (void)state;
    hid_t f;
    if (sqk_h5_open_read("tests/fixtures/xgb/xgb_reference.h5", &f)) return -1;
    int rc = sqk_h5_read_f32(f, "X_train", X_train, NTR * D) || sqk_h5_read_f32(f, "X_test", X_test, NTE * D) ||
             sqk_h5_read_i32(f, "y_train", y_train, NTR) || sqk_h5_read_i32(f, "y_test", y_test, NTE);
    H5Fclose(f);
    return rc ? -1 : 0;
}

static void read_expected(const char *name, float *proba)
{
    hid_t f;
    assert_int_equal(sqk_h5_open_read("tests/fixtures/xgb/xgb_reference.h5", &f), SQK_OK);
    assert_int_equal(sqk_h5_read_f32(f, name, proba, NTE * 3), SQK_OK);
    H5Fclose(f);
}

/* The parameters make_fixtures.py uses for each case. */
static sqk_xgb_params case_params(const char *name)
{
    sqk_xgb_params p;
    if (!strcmp(name, "rf")) {
        sqk_xgb_params_default(&p, SQK_XGB_RF);
        p.learning_rate = 1.0; p.max_depth = 6; p.min_child_weight = 1.0; p.subsample = 0.632;
        p.colsample_bynode = 0.3; p.n_parallel_tree = 20; p.n_rounds = 1; p.seed = 11;
    } else if (!strcmp(name, "gbm")) {
        sqk_xgb_params_default(&p, SQK_XGB_GBM);
        p.learning_rate = 0.1; p.max_depth = 3; p.min_child_weight = 0.5; p.subsample = 0.9;
        p.colsample_bynode = 0.5; p.n_rounds = 20; p.seed = 7;
    } else {
        sqk_xgb_params_default(&p, SQK_XGB_GBM);
        p.learning_rate = 0.3; p.max_depth = 0; p.max_leaves = 8; p.n_rounds = 10; p.seed = 3;
    }
    p.nthread = 1;
    return p;
}

static sqk_xgb *fit(const sqk_xgb_params *p)
{
    sqk_xgb *m = NULL;
    int rc = sqk_xgb_fit(p, X_train, y_train, NTR, D, NULL, NULL, 0, NULL, NULL, &m);
    if (rc) fail_msg("fit: %s", sqk_last_error());
    return m;
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - b[i]));
    return worst;
}

static void check_parity(const char *name, double min_accuracy)
{
    char dataset[32];
    snprintf(dataset, sizeof dataset, "proba_%s", name);
    float expected[NTE * 3], got[NTE * 3];
    read_expected(dataset, expected);
    sqk_xgb_params p = case_params(name);
    sqk_xgb *m = fit(&p);
    assert_int_equal(sqk_xgb_predict_proba(m, X_test, NTE, D, got), SQK_OK);
    double diff = max_abs_diff(got, expected, NTE * 3);
    if (diff > 1e-6) fail_msg("%s: probabilities differ from XGBoost's Python package by %g", name, diff);
    for (int i = 0; i < NTE; i++) assert_close(got[3 * i] + got[3 * i + 1] + got[3 * i + 2], 1.0, 1e-5);
    assert_true(test_accuracy(got, y_test, NTE) >= min_accuracy);
    sqk_xgb_free(m);
}

static void test_parity_gbm(void **state) { (void)state; check_parity("gbm", 0.7); }
static void test_parity_rf(void **state) { (void)state; check_parity("rf", 0.6); }
static void test_parity_lossguide(void **state) { (void)state; check_parity("lossguide", 0.7); }

static void test_save_load_roundtrip(void **state)
{
    (void)state;
    const char *names[] = {"gbm", "rf"};
    for (int k = 0; k < 2; k++) {
        sqk_xgb_params p = case_params(names[k]);
        sqk_xgb *m = fit(&p), *back = NULL;
        uint8_t *bytes = NULL;
        size_t len = 0;
        assert_int_equal(sqk_xgb_save_bytes(m, &bytes, &len), SQK_OK);
        assert_true(len > 100);
        assert_int_equal(sqk_xgb_load_bytes(bytes, len, 2, &back), SQK_OK);
        assert_int_equal(sqk_xgb_n_features(back), D);
        assert_int_equal(sqk_xgb_n_class(back), 3);
        assert_int_equal(sqk_xgb_n_rounds(back), sqk_xgb_n_rounds(m));
        float a[NTE * 3], b[NTE * 3];
        assert_int_equal(sqk_xgb_predict_proba(m, X_test, NTE, D, a), SQK_OK);
        assert_int_equal(sqk_xgb_predict_proba(back, X_test, NTE, D, b), SQK_OK);
        assert_memory_equal(a, b, sizeof a);
        free(bytes);
        sqk_xgb_free(m);
        sqk_xgb_free(back);
    }
}

/* Same seed -> byte-identical model, even with several threads; another seed -> another model. */
static void test_same_seed_same_model(void **state)
{
    (void)state;
    sqk_xgb_params p = case_params("rf");
    p.nthread = 2;
    sqk_xgb *a = fit(&p), *b = fit(&p);
    p.seed = 12;
    sqk_xgb *c = fit(&p);
    uint8_t *ba, *bb, *bc;
    size_t la, lb, lc;
    assert_int_equal(sqk_xgb_save_bytes(a, &ba, &la), SQK_OK);
    assert_int_equal(sqk_xgb_save_bytes(b, &bb, &lb), SQK_OK);
    assert_int_equal(sqk_xgb_save_bytes(c, &bc, &lc), SQK_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    assert_true(la != lc || memcmp(ba, bc, la) != 0);
    free(ba); free(bb); free(bc);
    sqk_xgb_free(a); sqk_xgb_free(b); sqk_xgb_free(c);
}

static void test_early_stopping(void **state)
{
    (void)state;
    sqk_xgb_params p = case_params("gbm");
    p.learning_rate = 0.5;
    p.n_rounds = 300;
    p.early_stopping_rounds = 5;
    sqk_xgb *m = NULL;
    /* The held-out rows act as validation set here (the test of this unit, not a test set). */
    assert_int_equal(sqk_xgb_fit(&p, X_train, y_train, NTR, D, X_test, y_test, NTE, NULL, NULL, &m), SQK_OK);
    int rounds = sqk_xgb_n_rounds(m);
    assert_true(rounds >= 1 && rounds < 300);
    sqk_xgb_free(m);
}

static void test_continue_boosting(void **state)
{
    (void)state;
    sqk_xgb_params p = case_params("gbm");
    p.n_rounds = 10;
    sqk_xgb *first = fit(&p), *more = NULL;
    assert_int_equal(sqk_xgb_fit(&p, X_train, y_train, NTR, D, NULL, NULL, 0, first, NULL, &more), SQK_OK);
    assert_int_equal(sqk_xgb_n_rounds(first), 10);
    assert_int_equal(sqk_xgb_n_rounds(more), 20);
    /* A forest cannot be continued: refused with a reason. */
    sqk_xgb_params rf = case_params("rf");
    sqk_xgb *none = NULL;
    assert_int_equal(sqk_xgb_fit(&rf, X_train, y_train, NTR, D, NULL, NULL, 0, first, NULL, &none), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "only for GBM"));
    assert_null(none);
    sqk_xgb_free(first);
    sqk_xgb_free(more);
}

static void test_bad_input(void **state)
{
    (void)state;
    sqk_xgb_params p = case_params("gbm");
    sqk_xgb *m = NULL;
    int32_t bad[NTR];
    memcpy(bad, y_train, sizeof bad);
    bad[17] = 3;
    assert_int_equal(sqk_xgb_fit(&p, X_train, bad, NTR, D, NULL, NULL, 0, NULL, NULL, &m), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "row 17"));
    assert_int_equal(sqk_xgb_fit(&p, X_train, y_train, 0, D, NULL, NULL, 0, NULL, NULL, &m), SQK_EEMPTY);
    p.subsample = 0;
    assert_int_equal(sqk_xgb_fit(&p, X_train, y_train, NTR, D, NULL, NULL, 0, NULL, NULL, &m), SQK_EARG);
    p = case_params("gbm");
    p.max_depth = 0;
    assert_int_equal(sqk_xgb_fit(&p, X_train, y_train, NTR, D, NULL, NULL, 0, NULL, NULL, &m), SQK_EARG);
    assert_null(m);

    /* Wrong width at prediction, and corrupt stored bytes: clear errors, XGBoost's text kept. */
    p = case_params("lossguide");
    m = fit(&p);
    float proba[3 * 2];
    assert_int_equal(sqk_xgb_predict_proba(m, X_test, 2, D - 1, proba), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "40 features"));
    sqk_xgb_free(m);
    const uint8_t junk[] = "this is not a booster";
    sqk_xgb *back = NULL;
    assert_int_not_equal(sqk_xgb_load_bytes(junk, sizeof junk, 1, &back), SQK_OK);
    assert_non_null(strstr(sqk_last_error(), "XGBoost"));
    assert_null(back);
    assert_int_equal(sqk_xgb_load_bytes(junk, 0, 1, &back), SQK_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parity_gbm),
        cmocka_unit_test(test_parity_rf),
        cmocka_unit_test(test_parity_lossguide),
        cmocka_unit_test(test_save_load_roundtrip),
        cmocka_unit_test(test_same_seed_same_model),
        cmocka_unit_test(test_early_stopping),
        cmocka_unit_test(test_continue_boosting),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, load_reference, NULL);
}
