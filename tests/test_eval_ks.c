/* The Kolmogorov-Smirnov test of p-values against U(0, 1): one value by hand (n = 1: D =
 * max(x, 1 - x) and P(D >= d) = 2 (1 - d); D+ = 1 - x and P(D+ >= d) = 1 - d), samples against
 * SciPy's exact two-sided and one-sided ("greater") p-values
 * (tests/fixtures/eval/make_nullcorr_fixtures.py), and bad input refused. */
#include "testutil.h"

#include "sqk/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_by_hand(void **state)
{
    (void)state;
    double x = 0.1, d, p;
    assert_int_equal(sqk_ks_uniform(&x, 1, &d, &p), SQK_OK);
    assert_close(d, 0.9, 1e-15);
    assert_close(p, 0.2, 1e-12);
    x = 0.5;
    assert_int_equal(sqk_ks_uniform(&x, 1, &d, &p), SQK_OK);
    assert_close(d, 0.5, 1e-15);
    assert_close(p, 1.0, 1e-12);
    /* two values at the quartiles' midpoints of their halves: F_n jumps to 1/2 at 0.25 and to 1
     * at 0.75, D = 0.25 */
    double y[2] = {0.25, 0.75};
    assert_int_equal(sqk_ks_uniform(y, 2, &d, &p), SQK_OK);
    assert_close(d, 0.25, 1e-15);
    /* one-sided, n = 1: D+ = 1 - x, P(D+ >= d) = P(x <= 1 - d) = 1 - d */
    x = 0.1;
    assert_int_equal(sqk_ks_uniform_small(&x, 1, &d, &p), SQK_OK);
    assert_close(d, 0.9, 1e-15);
    assert_close(p, 0.1, 1e-12);
    /* only large values: no excess of small ones */
    double big[3] = {0.9, 0.95, 1.0};
    assert_int_equal(sqk_ks_uniform_small(big, 3, &d, &p), SQK_OK);
    assert_close(p, 1.0, 1e-12);
}

static void test_scipy(void **state)
{
    (void)state;
    FILE *e = fopen("tests/fixtures/eval/ks.expected.txt", "r");
    assert_non_null(e);
    char name[32];
    double d_ref, p_ref, d1_ref, p1_ref;
    int cases = 0;
    while (fscanf(e, "%31s %lf %lf %lf %lf", name, &d_ref, &p_ref, &d1_ref, &p1_ref) == 5) {
        double x[64];
        size_t n = 0;
        FILE *f = fopen("tests/fixtures/eval/ks.csv", "r");
        assert_non_null(f);
        char line[128];
        while (fgets(line, sizeof line, f)) {
            char *comma = strchr(line, ',');
            if (!comma) continue;
            *comma = 0;
            if (!strcmp(line, name) && n < 64) x[n++] = strtod(comma + 1, NULL);
        }
        fclose(f);
        double d, p;
        assert_int_equal(sqk_ks_uniform(x, n, &d, &p), SQK_OK);
        assert_close(d, d_ref, 1e-12);
        assert_close(p, p_ref, 1e-9);
        assert_int_equal(sqk_ks_uniform_small(x, n, &d, &p), SQK_OK);
        assert_close(d, d1_ref, 1e-12);
        assert_close(p, p1_ref, 1e-9);
        cases++;
    }
    fclose(e);
    assert_int_equal(cases, 6);
}

static void test_bad_input(void **state)
{
    (void)state;
    double d, p, x[2] = {0.5, 1.5};
    assert_int_equal(sqk_ks_uniform(x, 0, &d, &p), SQK_EARG);
    assert_int_equal(sqk_ks_uniform(x, 2, &d, &p), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "not in [0, 1]"));
    x[1] = NAN;
    assert_int_equal(sqk_ks_uniform(x, 2, &d, &p), SQK_EARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_scipy),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
