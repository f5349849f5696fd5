/* The alarm threshold a model stores for scans, on hand-made validation windows. */
#include "testutil.h"

#include "sqk/train.h"

#include <math.h>

static void test_threshold_max_mcc(void **state)
{
    (void)state;
    /* p1 = 0.9 .. 0.5, truth 1 1 0 1 0: MCC at 0.9 0.408, 0.8 0.667, 0.7 0.167, 0.6 0.612, 0.5 0 */
    const float p[] = {0.05f, 0.9f, 0.05f, 0.1f, 0.8f, 0.1f, 0.2f, 0.7f, 0.1f, 0.2f, 0.6f, 0.2f, 0.3f, 0.5f, 0.2f};
    const int32_t y[] = {1, 1, 0, 1, 2};
    sqk_alarm_choice a;
    assert_int_equal(sqk_alarm_threshold(p, y, 5, &a), 0);
    assert_close(a.threshold, 0.8f, 1e-7);
    assert_close(a.mcc, 4.0 / 6.0, 1e-12);
    assert_close(a.alarm_fraction, 0.4, 1e-12);
    assert_int_equal(a.n_seismic, 3);
    /* tied scores are one threshold: both windows alarmed or neither */
    const float t[] = {0, 0.7f, 0, 0, 0.7f, 0, 0, 0.2f, 0};
    const int32_t yt[] = {1, 0, 0};
    assert_int_equal(sqk_alarm_threshold(t, yt, 3, &a), 0);
    assert_close(a.threshold, 0.7f, 1e-7);
    assert_close(a.alarm_fraction, 2.0 / 3.0, 1e-12);
    /* no seismic window, or only seismic windows: no threshold */
    const int32_t none[] = {0, 0, 2};
    assert_int_equal(sqk_alarm_threshold(t, none, 3, &a), SQK_EEMPTY);
    assert_true(isnan(a.threshold));
    const int32_t all[] = {1, 1, 1};
    assert_int_equal(sqk_alarm_threshold(t, all, 3, &a), SQK_EEMPTY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_threshold_max_mcc)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
