/* ctest-labels: slow */
/* seqnetquake report on the command line: help, usage errors, quiet, and a failing folder. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX "tests/fixtures/figures"

static void test_help_and_usage_errors(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "report --help"), 0);
    assert_non_null(strstr(out, "usage: seqnetquake report --eval DIR"));
    free(out);
    assert_int_equal(test_cli(&out, "report --out /tmp/nowhere-sqk"), 2);
    assert_non_null(strstr(out, "--eval is required"));
    free(out);
    assert_int_equal(test_cli(&out, "report --eval " FIX "/eval_a"), 2);
    assert_non_null(strstr(out, "--out is required"));
    free(out);
    assert_int_equal(test_cli(&out, "report --eval " FIX "/eval_a --out x --table 3"), 2);
    assert_non_null(strstr(out, "--table wants auto, 1 or 2, not '3'"));
    free(out);
    assert_int_equal(test_cli(&out, "report --eval " FIX "/eval_a --out x stray"), 2);
    assert_non_null(strstr(out, "unexpected argument 'stray'"));
    free(out);
}

static void test_report_and_quiet(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), *out = NULL;
    assert_int_equal(test_cli(&out, "report --eval " FIX "/eval_a --eval " FIX "/eval_c --table1 "
                                    "--title 'Two datasets' --out '%s/r'", tmp), 0);
    assert_non_null(strstr(out, "report: 2 evaluations, Table 1"));
    free(out);
    char path[1300];
    snprintf(path, sizeof path, "%s/r/table1.md", tmp);
    char *md = test_read_file(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "# Two datasets"));
    assert_non_null(strstr(md, "| Random forest | 157 |"));
    free(md);
    assert_int_equal(test_cli(&out, "report --quiet --eval " FIX "/eval_b --out '%s/q'", tmp), 0);
    assert_string_equal(out, "");
    free(out);
    /* more figures (a pass plot, a Molchan diagram): copied and shown; a non-PNG is refused */
    assert_int_equal(test_cli(&out, "report --quiet --eval " FIX "/eval_b --figure docs/img/pass-seismic-cses.png "
                                    "--figure docs/img/molchan-scan.png --out '%s/f'", tmp), 0);
    free(out);
    snprintf(path, sizeof path, "%s/f/report.html", tmp);
    char *html = test_read_file(path, NULL);
    assert_non_null(html);
    assert_non_null(strstr(html, "<img src=\"figure2.png\" alt=\"molchan-scan.png\""));
    free(html);
    snprintf(path, sizeof path, "%s/f/figure1.png", tmp);
    size_t n = 0;
    char *png = test_read_file(path, &n);
    assert_non_null(png);
    assert_memory_equal(png, "\x89PNG", 4);
    free(png);
    assert_int_equal(test_cli(&out, "report --eval " FIX "/eval_b --figure README.md --out '%s/g'", tmp), 1);
    assert_non_null(strstr(out, "expected a .png file"));
    free(out);
    snprintf(path, sizeof path, "%s/g/report.html", tmp);
    assert_null(test_read_file(path, NULL));
    test_rmtree(tmp);
    free(tmp);
}

static void test_missing_folder_fails_cleanly(void **state)
{
    (void)state;
    char *tmp = test_tmpdir(), *out = NULL;
    assert_int_equal(test_cli(&out, "report --eval " FIX "/eval_a --eval '%s/gone' --out '%s/r'", tmp, tmp), 1);
    assert_non_null(strstr(out, "seqnetquake report: error: evaluation 2: evaluation folder"));
    assert_non_null(strstr(out, "gone"));
    free(out);
    assert_int_equal(test_count_files(tmp, ""), 0);
    test_rmtree(tmp);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage_errors),
        cmocka_unit_test(test_report_and_quiet),
        cmocka_unit_test(test_missing_folder_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
