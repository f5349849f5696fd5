/* Molchan diagrams on hand-made alarms and catalogues whose answers are worked out by hand,
 * and the binomial band of random alarms. */
#include "testutil.h"

#include "sqk/eval.h"

#include <math.h>

/* Eight cells of 90 x 90 deg (two latitude bands of equal area), one day: every cell-day weighs
 * 1/8. Scores 0.9, 0.5 and 0.2 in three cells; two earthquakes in the first, one in the third,
 * one in a cell never observed. */
static void test_hand_made_diagram(void **state)
{
    (void)state;
    sqk_alarm_point w[] = {{3600, 10, 10, 0.9}, {3600, 10, 100, 0.5}, {7200, -10, 10, 0.2}, {7200, 10, 10, 0.3}};
    sqk_alarm_point q[] = {{50000, 20, 20, 0}, {60000, 45, 80, 0}, {70000, -45, 45, 0}, {70000, -45, -100, 0},
                           {90000.0 * 2, 10, 10, 0} /* another day: outside the grid */};
    sqk_molchan_grid g = {.cell_deg = 90, .lat_max_deg = 90, .days_before = 0.25, .t0 = 0, .t1 = 86399};
    sqk_molchan m;
    assert_int_equal(sqk_molchan_compute(w, 4, q, 5, &g, 0.5, &m), 0);
    assert_int_equal(m.n_quakes, 4);
    assert_int_equal(m.n_points, 4);
    const double tau[] = {0, 0.125, 0.25, 0.375}, nu[] = {1, 0.5, 0.5, 0.25}, thr[] = {INFINITY, 0.9, 0.5, 0.2};
    for (int i = 0; i < 4; i++) {
        assert_close(m.tau[i], tau[i], 1e-12);
        assert_close(m.nu[i], nu[i], 1e-12);
        assert_true(m.threshold[i] == thr[i]);
    }
    assert_close(m.observed_fraction, 0.375, 1e-12);
    assert_close(m.tau_at, 0.25, 1e-12);
    assert_close(m.nu_at, 0.5, 1e-12);
    assert_int_equal(m.hits_at, 2);
    assert_close(m.gain_at, 2.0, 1e-12);
    /* P(Bin(4, 1/4) >= 2) = 1 - 0.75^4 - 4 0.25 0.75^3 */
    assert_close(m.p_value_at, 1 - pow(0.75, 4) - 4 * 0.25 * pow(0.75, 3), 1e-12);
    /* trapezoids 0.03125 + 0.0625 + 0.078125, then to (1, 0): 0.625 x 0.875 */
    assert_close(m.area_skill, 0.71875, 1e-12);
    sqk_molchan_free(&m);
}

/* A point alarms its cell from its own day to the day of t + days_before; cells weigh their
 * area (sin of the edges), so a polar cell counts less than an equatorial one. */
static void test_duration_and_area(void **state)
{
    (void)state;
    /* 30 deg cells in |lat| <= 60: bands 0-30 weigh 0.5, 30-60 weigh 0.366 */
    sqk_alarm_point w[] = {{0.5 * 86400, 45, 5, 1.0}};
    sqk_alarm_point q[] = {{2.5 * 86400, 40, 10, 0}, {3.5 * 86400, 40, 10, 0}};
    sqk_molchan_grid g = {.cell_deg = 30, .lat_max_deg = 60, .days_before = 2.2, .t0 = 0, .t1 = 4 * 86400 - 1};
    sqk_molchan m;
    assert_int_equal(sqk_molchan_compute(w, 1, q, 2, &g, 1.0, &m), 0);
    /* alarmed days 0, 1, 2 (0.5 + 2.2 = 2.7) of 4, in one of 12 x 4 cells */
    double band_hi = sin(60 * M_PI / 180) - sin(30 * M_PI / 180), total = 12 * 2 * (band_hi + 0.5) * 4;
    assert_close(m.tau_at, 3 * band_hi / total, 1e-12);
    assert_int_equal(m.hits_at, 1); /* the quake of day 2, not the one of day 3 */
    assert_close(m.nu_at, 0.5, 1e-12);
    sqk_molchan_free(&m);
    /* bad grids */
    g.cell_deg = 7;
    assert_int_equal(sqk_molchan_compute(w, 1, q, 2, &g, 1.0, &m), SQK_EARG);
    g.cell_deg = 30;
    g.t1 = -1;
    assert_int_equal(sqk_molchan_compute(w, 1, q, 2, &g, 1.0, &m), SQK_EARG);
}

static void test_random_band(void **state)
{
    (void)state;
    double lo, hi;
    /* Bin(10, 0.5): 2.5% quantile 2, 97.5% quantile 8 */
    sqk_molchan_band(10, 0.5, 0.95, &lo, &hi);
    assert_close(lo, 0.2, 1e-12);
    assert_close(hi, 0.8, 1e-12);
    sqk_molchan_band(10, 0.0, 0.95, &lo, &hi);
    assert_close(lo, 1.0, 1e-12);
    assert_close(hi, 1.0, 1e-12);
    assert_close(sqk_binom_upper(3, 2, 0.5), 0.5, 1e-12);
    assert_close(sqk_binom_upper(3, 0, 0.3), 1.0, 1e-12);
    assert_close(sqk_binom_upper(3, 4, 0.3), 0.0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_made_diagram),
        cmocka_unit_test(test_duration_and_area),
        cmocka_unit_test(test_random_band),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
