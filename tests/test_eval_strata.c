/* The honest permutation tests with hand-made predictions of known answers: strata that each
 * hold one kind only (the paper's confounded design in miniature) leave nothing to shuffle,
 * p = 1, where the plain test finds "skill"; flips within k matched pairs have 2^k equally
 * likely outcomes, so a perfect prediction gets p ~ 2^-k; and the strata read from a dataset. */
#include "testutil.h"

#include "sqk/eval.h"
#include "sqk/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NEV 16
#define PER 4

/* 16 events of 4 windows; event e is an earthquake when e is odd; predictions = the truth. */
static void make(int *y, int *yp, int64_t *ev)
{
    for (int i = 0; i < NEV * PER; i++) {
        ev[i] = i / PER;
        y[i] = (int)(ev[i] % 2);
        yp[i] = y[i];
    }
}

static void test_one_kind_strata(void **state)
{
    (void)state;
    int y[NEV * PER], yp[NEV * PER];
    int64_t ev[NEV * PER], stratum[NEV];
    make(y, yp, ev);
    double plain, strat;
    assert_int_equal(sqk_permutation_mcc(y, yp, ev, NEV * PER, 999, 3, NULL, &plain), SQK_OK);
    /* Each event's kind decides its stratum (earthquakes on belts, controls elsewhere). */
    for (int e = 0; e < NEV; e++) stratum[e] = e % 2;
    assert_int_equal(sqk_permutation_mcc_strata(y, yp, ev, NEV * PER, stratum, NEV, 999, 3, NULL, &strat), SQK_OK);
    print_message("plain p %.4f, within one-kind strata p %.4f\n", plain, strat);
    assert_true(plain < 0.01);
    assert_close(strat, 1.0, 1e-12);
    /* Fixed events (-1) do not move either. */
    for (int e = 0; e < NEV; e++) stratum[e] = -1;
    assert_int_equal(sqk_permutation_mcc_strata(y, yp, ev, NEV * PER, stratum, NEV, 99, 3, NULL, &strat), SQK_OK);
    assert_close(strat, 1.0, 1e-12);
}

static void test_pair_flips(void **state)
{
    (void)state;
    int y[NEV * PER], yp[NEV * PER];
    int64_t ev[NEV * PER], stratum[NEV];
    make(y, yp, ev);
    /* Three matched pairs (events 0-1, 2-3, 4-5) may flip; the other events stay. */
    for (int e = 0; e < NEV; e++) stratum[e] = e < 6 ? e / 2 : -1;
    double p;
    int P = 4000;
    assert_int_equal(sqk_permutation_mcc_strata(y, yp, ev, NEV * PER, stratum, NEV, P, 11, NULL, &p), SQK_OK);
    /* MCC >= observed only when no pair flips: probability 1/8; p = (1 + #) / (1 + P). */
    double sd = sqrt(0.125 * 0.875 / P);
    print_message("pair flips p %.4f (expected %.4f +- %.4f)\n", p, 0.125, sd);
    assert_close(p, 0.125, 5 * sd);
}

static void test_strata_from_dataset(void **state)
{
    (void)state;
    /* 4 events: 0 (quake, lat 30 N, burst windows), 1 (control, lat 31 N, burst), 2 (control,
     * 30 S, survey), 3 (quake, 1 N, survey). Magnetic latitude of the centred dipole shifts
     * the bands, so compare the strata relationally. */
    sqk_eval_dataset d;
    memset(&d, 0, sizeof d);
    d.n_events = 4;
    double lat[4] = {30, 31, -30, 1}, lon[4] = {100, 101, 100, 100};
    uint8_t cad[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    int64_t event[8] = {0, 0, 1, 1, 2, 2, 3, 3};
    d.event_lat = lat;
    d.event_lon = lon;
    d.cadence = cad;
    int64_t *st;
    int scheme;
    assert_int_equal(sqk_eval_strata(&d, event, 8, &st, &scheme), SQK_OK);
    assert_int_equal(scheme, SQK_STRATA_CADENCE_MLAT);
    assert_true(st[0] == st[1]);                 /* same cadence, band, hemisphere */
    assert_true(st[2] != st[0] && st[3] != st[2]); /* other hemisphere / band */
    free(st);
    /* With matched pairs present (0-1 and 2-3), the pairs are the strata. */
    int64_t pair[4] = {1, 0, 3, 2};
    d.event_pair = pair;
    assert_int_equal(sqk_eval_strata(&d, event, 8, &st, &scheme), SQK_OK);
    assert_int_equal(scheme, SQK_STRATA_PAIRS);
    assert_true(st[0] == 0 && st[1] == 0 && st[2] == 2 && st[3] == 2);
    free(st);
    /* A pair whose partner has no test window is fixed. */
    assert_int_equal(sqk_eval_strata(&d, event, 6, &st, &scheme), SQK_OK);
    assert_true(st[0] == 0 && st[1] == 0 && st[2] == -1 && st[3] == -1);
    free(st);
    /* Neither columns: no strata. */
    memset(&d, 0, sizeof d);
    d.n_events = 4;
    assert_int_equal(sqk_eval_strata(&d, event, 8, &st, &scheme), SQK_OK);
    assert_int_equal(scheme, SQK_STRATA_NONE);
    assert_null(st);
}

/* Under the null (predictions depend on the stratum, never on the kind within it), the
 * stratified p-values are uniform over 40 independent replicates (Kolmogorov-Smirnov at the
 * 1% level), while the plain test, which shuffles kinds across strata of different earthquake
 * shares, calls the stratum-following predictions significant. */
static void test_uniform_under_null(void **state)
{
    (void)state;
    enum { NS = 4, PER_S = 10, E = NS * PER_S, W = 3, REPS = 40 };
    int y[E * W], yp[E * W];
    int64_t ev[E * W], stratum[E];
    double ps[REPS], pp[REPS];
    sqk_rng root;
    sqk_rng_seed(&root, 2024);
    for (int r = 0; r < REPS; r++) {
        sqk_rng g = sqk_rng_fork(&root, (uint64_t)r);
        for (int e = 0; e < E; e++) {
            static const int share[NS] = {1, 3, 7, 9}; /* earthquakes of 10 events per stratum */
            int k = e / PER_S, quake = (e % PER_S) < share[k];
            stratum[e] = k;
            for (int w = 0; w < W; w++) {
                int i = e * W + w;
                ev[i] = e;
                y[i] = quake;
                yp[i] = sqk_rng_uniform(&g) < share[k] / 10.0; /* follows the stratum only */
            }
        }
        assert_int_equal(sqk_permutation_mcc_strata(y, yp, ev, E * W, stratum, E, 199, 100 + r, NULL, &ps[r]), SQK_OK);
        assert_int_equal(sqk_permutation_mcc(y, yp, ev, E * W, 199, 100 + r, NULL, &pp[r]), SQK_OK);
    }
    qsort(ps, REPS, sizeof *ps, sqk_cmp_f64);
    qsort(pp, REPS, sizeof *pp, sqk_cmp_f64);
    double d = 0, mean_s = 0, mean_p = 0;
    for (int i = 0; i < REPS; i++) {
        d = fmax(d, fmax(fabs(ps[i] - (double)i / REPS), fabs(ps[i] - (double)(i + 1) / REPS)));
        mean_s += ps[i] / REPS;
        mean_p += pp[i] / REPS;
    }
    print_message("stratified p: KS D = %.3f (1%% critical 0.258), mean %.3f; plain p: mean %.3f, median %.3f\n",
                  d, mean_s, mean_p, pp[REPS / 2]);
    assert_true(d < 0.258);
    assert_true(pp[REPS / 2] < 0.05); /* the plain test finds "skill" in most replicates */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_kind_strata),
        cmocka_unit_test(test_pair_flips),
        cmocka_unit_test(test_strata_from_dataset),
        cmocka_unit_test(test_uniform_under_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
