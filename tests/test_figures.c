/* ctest-labels: slow */
/* Figures: every figure of an evaluation folder is a real PNG + PDF pair, comparative figures
 * take several folders, and bad input gives a clear error and no figure files. */
#include "testutil.h"

#include "sqk/figures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX "tests/fixtures/figures"

/* A writable copy of a fixture evaluation folder (figures are written inside it). */
static char *copy_eval(const char *tmp, const char *name) { return test_copy_dir(FIX, name, tmp); }

static unsigned be32(const unsigned char *p) { return (unsigned)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* A PNG of plausible size (IHDR width and height) and content, and its PDF twin. */
static void check_figure(const char *prefix, unsigned min_w, unsigned min_h, size_t min_bytes)
{
    char path[1400];
    snprintf(path, sizeof path, "%s.png", prefix);
    size_t n = 0;
    unsigned char *png = (unsigned char *)test_read_file(path, &n);
    if (!png) fail_msg("%s was not written", path);
    assert_true(n > 33);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(png + 12, "IHDR", 4);
    unsigned w = be32(png + 16), h = be32(png + 20);
    if (w < min_w || h < min_h || w > 6000 || h > 6000)
        fail_msg("%s is %ux%u, expected at least %ux%u", path, w, h, min_w, min_h);
    if (n < min_bytes) fail_msg("%s has %zu bytes: nearly blank?", path, n);
    free(png);
    snprintf(path, sizeof path, "%s.pdf", prefix);
    char *pdf = test_read_file(path, &n);
    if (!pdf) fail_msg("%s was not written", path);
    assert_true(n > 1000);
    assert_memory_equal(pdf, "%PDF", 4);
    free(pdf);
}

static void test_every_figure_of_an_evaluation(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), *ev = copy_eval(tmp, "eval_a");
    int rc = sqk_fig_evaluation(ev, FIX "/dataset.h5", NULL);
    if (rc) fail_msg("%s", sqk_last_error());
    char prefix[1300], figs[1300];
    const char *names[] = {"roc", "metrics", "ternary", "confusion", "map"};
    const unsigned minw[] = {1200, 900, 1500, 700, 1000};
    for (int i = 0; i < 5; i++) {
        snprintf(prefix, sizeof prefix, "%s/figures/%s", ev, names[i]);
        check_figure(prefix, minw[i], 400, 15000);
    }
    snprintf(figs, sizeof figs, "%s/figures", ev);
    assert_int_equal(test_count_files(figs, ".tmp"), 0);
    assert_int_equal(test_count_files(figs, "."), 10);
    free(ev);
    test_rmtree(tmp);
    free(tmp);
}

static void test_without_dataset_no_map(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), *ev = copy_eval(tmp, "eval_b");
    assert_int_equal(sqk_fig_evaluation(ev, NULL, NULL), SQK_OK);
    char figs[1300];
    snprintf(figs, sizeof figs, "%s/figures", ev);
    assert_int_equal(test_count_files(figs, "."), 8);
    assert_int_equal(test_count_files(figs, "map"), 0);
    free(ev);
    test_rmtree(tmp);
    free(tmp);
}

static void test_comparative_roc_and_bars(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), prefix[1300];
    const char *dirs[3] = {FIX "/eval_a", FIX "/eval_b", FIX "/eval_c"};
    const char *labels[3] = {"Night", NULL, "RF"};
    snprintf(prefix, sizeof prefix, "%s/roc3", tmp);
    if (sqk_fig_roc(dirs, labels, 3, prefix)) fail_msg("%s", sqk_last_error());
    check_figure(prefix, 1200, 400, 30000);
    /* Beyond three curves the legends go below the panels: the figure grows taller. */
    const char *four[4] = {FIX "/eval_a", FIX "/eval_b", FIX "/eval_c", FIX "/eval_a"};
    snprintf(prefix, sizeof prefix, "%s/roc4", tmp);
    if (sqk_fig_roc(four, NULL, 4, prefix)) fail_msg("%s", sqk_last_error());
    check_figure(prefix, 1200, 720, 30000);
    snprintf(prefix, sizeof prefix, "%s/bars3", tmp);
    if (sqk_fig_bars(dirs, NULL, 3, prefix)) fail_msg("%s", sqk_last_error());
    check_figure(prefix, 900, 400, 15000);
    test_rmtree(tmp);
    free(tmp);
}

/* Runs f on a broken copy of eval_a and checks the status, the message and that no figure
 * file appeared. */
static void expect_failure(const char *file, const char *content, int want_rc, const char *want_msg)
{
    char *tmp = test_tmpdir(), *ev = copy_eval(tmp, "eval_a"), path[1300];
    snprintf(path, sizeof path, "%s/%s", ev, file);
    assert_int_equal(test_write_file(path, content, strlen(content)), 0);
    int rc = sqk_fig_evaluation(ev, FIX "/dataset.h5", NULL);
    assert_int_equal(rc, want_rc);
    if (!strstr(sqk_last_error(), want_msg)) fail_msg("message '%s' lacks '%s'", sqk_last_error(), want_msg);
    snprintf(path, sizeof path, "%s/figures", ev);
    assert_int_equal(test_count_files(path, "."), 0);
    free(ev);
    test_rmtree(tmp);
    free(tmp);
}

static void test_malformed_roc_csv(void **state)
{
    (void)state;
    expect_failure("roc.csv", "class,threshold,fpr,tpr\n0,1,0,0\n0,0.5,abc,0.5\n", SQK_EFORMAT,
                   "roc.csv line 3: fpr 'abc' is not a number");
}

static void test_wrong_header(void **state)
{
    (void)state;
    expect_failure("confusion.csv", "true,a,b,c\n0,1,2,3\n", SQK_EFORMAT, "confusion.csv line 1: no 'pred0' column in the header");
}

static void test_missing_class_row(void **state)
{
    (void)state;
    expect_failure("per_class.csv", "class,precision,recall,f1,support,auc\n0,1,1,1,3,0.9\n", SQK_EFORMAT,
                   "no row for class 1");
}

static void test_bad_probability(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), *ev = copy_eval(tmp, "eval_a"), path[1300], prefix[1300];
    snprintf(path, sizeof path, "%s/predictions.csv", ev);
    const char *bad = "window,split,event,y_true,p0,p1,p2,y_pred\n3,2,1,0,0.5,0.2,1.7,2\n";
    assert_int_equal(test_write_file(path, bad, strlen(bad)), 0);
    snprintf(prefix, sizeof prefix, "%s/ternary", tmp);
    assert_int_equal(sqk_fig_ternary(ev, prefix), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "predictions.csv line 2: p2 = 1.7"));
    assert_int_equal(test_count_files(tmp, "ternary"), 0);
    free(ev);
    test_rmtree(tmp);
    free(tmp);
}

/* A class absent from the test windows has NaN in roc.csv (as scikit-learn): no curve for it,
 * the figure is still drawn. */
static void test_roc_of_an_absent_class(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), *ev = copy_eval(tmp, "eval_b"), path[1300], prefix[1300];
    snprintf(path, sizeof path, "%s/roc.csv", ev);
    const char *roc = "class,threshold,fpr,tpr\n0,2,0,0\n0,0.5,0.2,0.7\n0,0.1,1,1\n1,2,0,0\n1,0.4,0.3,0.8\n"
                      "1,0.1,1,1\n2,2,0,NaN\n2,0.1,1,NaN\n";
    assert_int_equal(test_write_file(path, roc, strlen(roc)), 0);
    sqk_evaluation f;
    assert_int_equal(sqk_evaluation_read(ev, &f), SQK_OK);
    assert_int_equal(f.roc[0].n, 3);
    assert_int_equal(f.roc[2].n, 0);
    sqk_evaluation_free(&f);
    snprintf(prefix, sizeof prefix, "%s/roc", tmp);
    const char *dirs[1] = {ev};
    if (sqk_fig_roc(dirs, NULL, 1, prefix)) fail_msg("%s", sqk_last_error());
    check_figure(prefix, 1200, 400, 15000);
    free(ev);
    test_rmtree(tmp);
    free(tmp);
}

static void test_missing_folder(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), prefix[1300], dir[1300];
    snprintf(dir, sizeof dir, "%s/nowhere", tmp);
    snprintf(prefix, sizeof prefix, "%s/roc", tmp);
    const char *dirs[2] = {FIX "/eval_a", dir};
    assert_int_equal(sqk_fig_roc(dirs, NULL, 2, prefix), SQK_EIO);
    assert_non_null(strstr(sqk_last_error(), "nowhere"));
    assert_int_equal(sqk_fig_evaluation(dir, NULL, NULL), SQK_EIO);
    assert_int_equal(test_count_files(tmp, "."), 0);
    test_rmtree(tmp);
    free(tmp);
}

static void test_map_needs_matching_dataset(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), prefix[1300], dir[1300];
    snprintf(prefix, sizeof prefix, "%s/map", tmp);
    snprintf(dir, sizeof dir, "%s/none.h5", tmp);
    assert_int_not_equal(sqk_fig_map(FIX "/eval_a", dir, prefix), SQK_OK);
    assert_non_null(strstr(sqk_last_error(), "none.h5"));
    /* Predictions that name windows the dataset does not have. */
    char *ev = copy_eval(tmp, "eval_c"), path[1300];
    snprintf(path, sizeof path, "%s/predictions.csv", ev);
    const char *far = "window,split,event,y_true,p0,p1,p2,y_pred\n99999,2,1,0,0.5,0.2,0.3,0\n";
    assert_int_equal(test_write_file(path, far, strlen(far)), 0);
    assert_int_equal(sqk_fig_map(ev, FIX "/dataset.h5", prefix), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "window 99999 is outside"));
    assert_int_equal(test_count_files(tmp, "map"), 0);
    free(ev);
    test_rmtree(tmp);
    free(tmp);
}

static void test_metric_names_and_fallback(void **state)
{
    (void)state;
    sqk_evaluation ev;
    assert_int_equal(sqk_evaluation_read(FIX "/eval_a", &ev), SQK_OK);
    assert_string_equal(ev.label, "SeqNetQuake (night)");
    assert_int_equal(ev.m.confusion[1][1], 57);
    sqk_eval_metric m;
    assert_int_equal(sqk_evaluation_metric(&ev, "mcc", &m), SQK_OK);
    assert_close(m.value, 0.641541, 1e-6);
    assert_close(m.lo, 0.539954, 1e-6);
    double mcc = m.value;
    /* Without bootstrap rows: point values from the confusion matrix (scikit-learn's numbers
     * in metrics.json) and per_class.csv, no interval. */
    ev.n_metrics = 0;
    assert_int_equal(sqk_evaluation_metric(&ev, "mcc", &m), SQK_OK);
    assert_close(m.value, mcc, 1e-5);
    assert_true(isnan(m.lo));
    assert_int_equal(sqk_evaluation_metric(&ev, "f1_weighted", &m), SQK_OK);
    assert_close(m.value, 0.7903182011604108, 1e-9);
    assert_int_equal(sqk_evaluation_metric(&ev, "accuracy", &m), SQK_OK);
    assert_close(m.value, 0.7770700636942676, 1e-12);
    assert_int_equal(sqk_evaluation_metric(&ev, "auc2", &m), SQK_OK);
    assert_close(m.value, 0.957265, 1e-6);
    assert_int_equal(sqk_evaluation_metric(&ev, "brier", &m), SQK_EEMPTY);
    sqk_evaluation_free(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_figure_of_an_evaluation),
        cmocka_unit_test(test_without_dataset_no_map),
        cmocka_unit_test(test_comparative_roc_and_bars),
        cmocka_unit_test(test_malformed_roc_csv),
        cmocka_unit_test(test_wrong_header),
        cmocka_unit_test(test_missing_class_row),
        cmocka_unit_test(test_bad_probability),
        cmocka_unit_test(test_roc_of_an_absent_class),
        cmocka_unit_test(test_missing_folder),
        cmocka_unit_test(test_map_needs_matching_dataset),
        cmocka_unit_test(test_metric_names_and_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
