/* The derived inputs of the roughness model and of the oracle, on hand-made windows with
 * known answers. */
#include "testutil.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roughness_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
