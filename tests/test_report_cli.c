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
