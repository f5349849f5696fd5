/* ctest-labels: slow */
/* Report: tables 1 and 2 from evaluation folders (Markdown, CSV), the comparative figures,
 * report.html with its images, and bad input leaving nothing behind. */
#include "testutil.h"

#include "sqk/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX "tests/fixtures/figures"

static char *copy_eval(const char *tmp, const char *name) { return test_copy_dir(FIX, name, tmp); }

static void test_table2_for_models_on_one_test_set(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), out[1300];
    snprintf(out, sizeof out, "%s/report", tmp);
    const char *dirs[3] = {FIX "/eval_a", FIX "/eval_b", FIX "/eval_c"};
    sqk_report_opts o = {dirs, 3, out, "Models on TS1", SQK_TABLE_AUTO, NULL, 0, NULL, 0};
    int table = 0;
    if (sqk_report(&o, NULL, &table)) fail_msg("%s", sqk_last_error());
    assert_int_equal(table, SQK_TABLE2); /* the three share their test windows */
    char *md = test_read_in(out, "table2.md"), *csv = test_read_in(out, "table2.csv"), *html = test_read_in(out, "report.html");
    assert_non_null(strstr(md, "# Models on TS1"));
    assert_non_null(strstr(md, "| Model | N | F1 (weighted) | MCC | MCC seismic/control | Accuracy |"));
    /* scikit-learn's values (metrics.json) with the bootstrap interval; the best is bold. */
    assert_non_null(strstr(md, "| SeqNetQuake (night) | 157 | **0.7903 [0.737, 0.837]** | **0.6415 [0.540, 0.724]** |"));
    assert_non_null(strstr(md, "| CNN | 157 | 0.6481 [0.572, 0.733] |"));
    assert_non_null(strstr(md, "resamples events"));
    assert_non_null(strstr(csv, "model,n_windows,f1_weighted,f1_weighted_lo,f1_weighted_hi,mcc,"));
    assert_non_null(strstr(csv, "\nSeqNetQuake (night),157,0.790318,0.736577,0.83668,0.641541,"));
    assert_non_null(strstr(html, "<img src=\"roc.png\""));
    assert_non_null(strstr(html, "<img src=\"metrics.png\""));
    assert_non_null(strstr(html, "chosen on the validation set"));
    assert_null(strstr(html, "eval1_confusion.png")); /* the fixture folders have no figures */
    assert_int_equal(test_count_files(out, ".png"), 2);
    assert_int_equal(test_count_files(out, ".pdf"), 2);
    assert_int_equal(test_count_files(out, ".tmp"), 0);
    free(md); free(csv); free(html);
    test_rmtree(tmp);
    free(tmp);
}

static void test_table1_for_different_test_sets(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), out[1300], path[1300];
    char *a = copy_eval(tmp, "eval_a"), *b = copy_eval(tmp, "eval_b");
    /* Another test set: one window fewer. */
    snprintf(path, sizeof path, "%s/predictions.csv", b);
    char *pred = test_read_file(path, NULL);
    char *last = strrchr(pred, '\n');
    *last = '\0';
    last = strrchr(pred, '\n');
    last[1] = '\0';
    assert_int_equal(test_write_file(path, pred, strlen(pred)), 0);
    free(pred);
    /* A label with characters that need escaping in HTML and Markdown. */
    snprintf(path, sizeof path, "%s/metrics.json", a);
    const char *json = "{\"name\": \"DS<07>|night\", \"mcc\": 0.5}";
    assert_int_equal(test_write_file(path, json, strlen(json)), 0);
    snprintf(out, sizeof out, "%s/report", tmp);
    const char *dirs[2] = {a, b};
    sqk_report_opts o = {dirs, 2, out, NULL, SQK_TABLE_AUTO, NULL, 0, NULL, 0};
    int table = 0;
    if (sqk_report(&o, NULL, &table)) fail_msg("%s", sqk_last_error());
    assert_int_equal(table, SQK_TABLE1);
    char *md = test_read_in(out, "table1.md"), *html = test_read_in(out, "report.html");
    assert_non_null(strstr(md, "| Dataset | N |"));
    assert_non_null(strstr(md, "| DS<07>\\|night |"));
    assert_non_null(strstr(html, "DS&lt;07&gt;|night"));
    assert_null(strstr(html, "DS<07>"));
    free(md); free(html);
    /* Forcing the other table. */
    o.table = SQK_TABLE2;
    assert_int_equal(sqk_report(&o, NULL, &table), SQK_OK);
    assert_int_equal(table, SQK_TABLE2);
    free(test_read_in(out, "table2.csv"));
    free(a); free(b);
    test_rmtree(tmp);
    free(tmp);
}

/* Datasets compared and, on one test set, models compared: both tables from one call. */
static void test_both_tables_for_a_mixed_study(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), *a = copy_eval(tmp, "eval_a"), out[1300], path[1300];
    snprintf(path, sizeof path, "%s/predictions.csv", a);
    const char *other = "window,split,event,y_true,p0,p1,p2,y_pred\n1,2,0,1,0.2,0.7,0.1,1\n";
    assert_int_equal(test_write_file(path, other, strlen(other)), 0);
    snprintf(out, sizeof out, "%s/report", tmp);
    const char *dirs[3] = {a, FIX "/eval_b", FIX "/eval_c"};
    sqk_report_opts o = {dirs, 3, out, NULL, SQK_TABLE_AUTO, NULL, 0, NULL, 0};
    int tables = 0;
    if (sqk_report(&o, NULL, &tables)) fail_msg("%s", sqk_last_error());
    assert_int_equal(tables, SQK_TABLE1 | SQK_TABLE2);
    char *t1 = test_read_in(out, "table1.md"), *t2 = test_read_in(out, "table2.md"), *html = test_read_in(out, "report.html");
    assert_non_null(strstr(t1, "| SeqNetQuake (night) |"));
    assert_non_null(strstr(t1, "| Random forest |"));
    assert_null(strstr(t2, "SeqNetQuake (night)"));
    assert_non_null(strstr(t2, "| CNN |"));
    assert_non_null(strstr(t2, "| Random forest |"));
    assert_non_null(strstr(html, "<img src=\"roc_table2.png\""));
    assert_non_null(strstr(html, "<img src=\"metrics_table2.png\""));
    assert_non_null(strstr(html, "<h2>Table 2</h2>"));
    assert_int_equal(test_count_files(out, ".png"), 4);
    free(t1); free(t2); free(html);
    free(a);
    test_rmtree(tmp);
    free(tmp);
}

/* A folder with its own figures: the confusion, ternary and map PNGs are copied and shown. */
static void test_evaluation_figures_are_shown(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), *a = copy_eval(tmp, "eval_a"), out[1300], path[1300];
    snprintf(path, sizeof path, "%s/figures", a);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && printf '\\211PNG fake' > '%s/confusion.png' && "
             "printf '\\211PNG fake' > '%s/map.png'", path, path, path);
    assert_int_equal(system(cmd), 0);
    snprintf(out, sizeof out, "%s/report", tmp);
    const char *dirs[1] = {a};
    sqk_report_opts o = {dirs, 1, out, NULL, SQK_TABLE_AUTO, NULL, 0, NULL, 0};
    if (sqk_report(&o, NULL, NULL)) fail_msg("%s", sqk_last_error());
    char *html = test_read_in(out, "report.html");
    assert_non_null(strstr(html, "<img src=\"eval1_confusion.png\""));
    assert_non_null(strstr(html, "<img src=\"eval1_map.png\""));
    assert_null(strstr(html, "eval1_ternary.png"));
    assert_int_equal(test_count_files(out, "eval1_"), 2);
    free(html);
    free(a);
    test_rmtree(tmp);
    free(tmp);
}

/* Any bad folder stops the report before anything is written. */
static void test_bad_folder_writes_nothing(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), *b = copy_eval(tmp, "eval_b"), out[1300], path[1300], missing[1300];
    snprintf(out, sizeof out, "%s/report", tmp);
    snprintf(missing, sizeof missing, "%s/none", tmp);
    const char *dirs[2] = {FIX "/eval_a", missing};
    sqk_report_opts o = {dirs, 2, out, NULL, SQK_TABLE_AUTO, NULL, 0, NULL, 0};
    assert_int_equal(sqk_report(&o, NULL, NULL), SQK_EIO);
    assert_non_null(strstr(sqk_last_error(), "evaluation 2"));
    assert_non_null(strstr(sqk_last_error(), "none"));
    assert_int_equal(test_count_files(tmp, "report"), 0);
    snprintf(path, sizeof path, "%s/bootstrap.csv", b);
    const char *bad = "metric,value,lo,hi\nmcc,0.4,low,0.5\n";
    assert_int_equal(test_write_file(path, bad, strlen(bad)), 0);
    dirs[1] = b;
    assert_int_equal(sqk_report(&o, NULL, NULL), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "bootstrap.csv line 2: lo 'low' is not a number"));
    assert_int_equal(test_count_files(tmp, "report"), 0);
    o.n = 0;
    assert_int_equal(sqk_report(&o, NULL, NULL), SQK_EARG);
    free(b);
    test_rmtree(tmp);
    free(tmp);
}

/* The sensitivity folders' sections come first in report.html, Markdown turned into HTML (the
 * heading, the paragraph, the table with its header row, the figure copied as section1.png);
 * a folder with neither section is refused before anything is written. */
static void test_sensitivity_sections(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), out[1300], sens[1300], path[1400];
    snprintf(out, sizeof out, "%s/report", tmp);
    snprintf(sens, sizeof sens, "%s/sens", tmp);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && printf '\\211PNG fake' > '%s/sensitivity.png'", sens, sens);
    assert_int_equal(system(cmd), 0);
    const char *md = "## Sensitivity: skill & strength\n\nFirst line\nsecond line.\n\n"
                     "| design | model | s* |\n|---|---|---|\n| rigorous | oracle | 1 |\n\n![sensitivity](sensitivity.png)\n";
    snprintf(path, sizeof path, "%s/sensitivity.md", sens);
    assert_int_equal(test_write_file(path, md, strlen(md)), 0);
    const char *nc = "## Null check\n\n| model | KS p |\n|---|---|\n| rough | 0.41 |\n";
    snprintf(path, sizeof path, "%s/nullcheck.md", sens);
    assert_int_equal(test_write_file(path, nc, strlen(nc)), 0);
    const char *dirs[1] = {FIX "/eval_a"}, *sections[1] = {sens};
    sqk_report_opts o = {dirs, 1, out, NULL, SQK_TABLE_AUTO, NULL, 0, sections, 1};
    if (sqk_report(&o, NULL, NULL)) fail_msg("%s", sqk_last_error());
    char *html = test_read_in(out, "report.html");
    char *h = strstr(html, "<h2>Sensitivity: skill &amp; strength</h2>");
    assert_non_null(h);
    assert_true(h < strstr(html, "<h2>Table"));
    assert_non_null(strstr(h, "<p class=\"caption\">First line\nsecond line.</p>"));
    assert_non_null(strstr(h, "<tr><th>design</th><th>model</th><th>s*</th></tr>\n<tr><td>rigorous</td><td>oracle</td><td>1</td></tr>"));
    assert_null(strstr(h, "---"));
    assert_non_null(strstr(h, "<img src=\"section1.png\""));
    assert_non_null(strstr(h, "<h2>Null check</h2>"));
    assert_non_null(strstr(h, "<td>rough</td><td>0.41</td>"));
    assert_int_equal(test_count_files(out, "section1.png"), 1);
    free(html);
    test_rmtree(out);
    /* a folder that is not one of seqnetquake sensitivity */
    sections[0] = tmp;
    assert_int_equal(sqk_report(&o, NULL, NULL), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "neither sensitivity.md nor nullcheck.md"));
    assert_int_equal(test_count_files(tmp, "report"), 0);
    test_rmtree(tmp);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table2_for_models_on_one_test_set),
        cmocka_unit_test(test_table1_for_different_test_sets),
        cmocka_unit_test(test_both_tables_for_a_mixed_study),
        cmocka_unit_test(test_evaluation_figures_are_shown),
        cmocka_unit_test(test_sensitivity_sections),
        cmocka_unit_test(test_bad_folder_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
