/* ctest-labels: slow */
/* Bootstrap over events, permutation test and injection-recovery: determinism for a seed
 * whatever the thread count, sensible intervals, sensible p-values. */
#include "testutil.h"

#include "sqk/eval.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void load(const char *path, sqk_pred *p)
{
    if (sqk_pred_read(path, p) != SQK_OK) fail_msg("%s", sqk_last_error());
}

static void test_percentile(void **s)
{
    (void)s;
    const double v[] = {1, 2, 3, 4};
    assert_close(sqk_percentile_sorted(v, 4, 50), 2.5, 1e-15);     /* numpy.percentile */
    assert_close(sqk_percentile_sorted(v, 4, 2.5), 1.075, 1e-15);
    assert_close(sqk_percentile_sorted(v, 4, 97.5), 3.925, 1e-15);
    assert_close(sqk_percentile_sorted(v, 4, 100), 4, 0);
    assert_close(sqk_percentile_sorted(v, 1, 30), 1, 0);
    assert_true(isnan(sqk_percentile_sorted(v, 0, 50)));
}

/* The random_skill fixture with windows grouped 8 to an event (a few left without one). */
static void grouped(sqk_pred *p)
{
    load("tests/fixtures/eval/random_skill.pred.csv", p);
    for (size_t i = 0; i < p->n; i++) p->event[i] = i % 50 == 0 ? -1 : (int64_t)(i / 8);
}

static void test_deterministic_across_threads(void **s)
{
    (void)s;
    sqk_pred p;
    grouped(&p);
    sqk_ci a[SQK_BM_COUNT], b[SQK_BM_COUNT], c[SQK_BM_COUNT];
    size_t ua, ub;
    double pa, pb;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    assert_int_equal(sqk_bootstrap(p.y_true, p.y_pred, p.prob, p.event, p.n, 200, 7, 0.95, NULL, a, &ua), SQK_OK);
    assert_int_equal(sqk_permutation_mcc(p.y_true, p.y_pred, p.event, p.n, 200, 7, NULL, &pa), SQK_OK);
    omp_set_num_threads(2);
    assert_int_equal(sqk_bootstrap(p.y_true, p.y_pred, p.prob, p.event, p.n, 200, 7, 0.95, NULL, b, &ub), SQK_OK);
    assert_int_equal(sqk_permutation_mcc(p.y_true, p.y_pred, p.event, p.n, 200, 7, NULL, &pb), SQK_OK);
    omp_set_num_threads(saved);
    assert_int_equal(ua, ub);
    assert_int_equal(ua, 500 + 80); /* 500 events of 8 windows, 80 windows on their own */
    for (int k = 0; k < SQK_BM_COUNT; k++) { /* bit for bit, NaN included */
        assert_memory_equal(&a[k].value, &b[k].value, 3 * sizeof(double));
        assert_int_equal(a[k].n_valid, b[k].n_valid);
    }
    assert_true(pa == pb);
    /* Another seed, other intervals. */
    assert_int_equal(sqk_bootstrap(p.y_true, p.y_pred, p.prob, p.event, p.n, 200, 8, 0.95, NULL, c, &ub), SQK_OK);
    assert_true(c[SQK_BM_MCC].lo != a[SQK_BM_MCC].lo || c[SQK_BM_MCC].hi != a[SQK_BM_MCC].hi);
    sqk_pred_free(&p);
}

static void test_interval_contains_estimate(void **s)
{
    (void)s;
    sqk_pred p;
    grouped(&p);
    sqk_ci ci[SQK_BM_COUNT];
    size_t u;
    assert_int_equal(sqk_bootstrap(p.y_true, p.y_pred, p.prob, p.event, p.n, 500, 1, 0.95, NULL, ci, &u), SQK_OK);
    for (int k = 0; k < SQK_BM_COUNT; k++) {
        assert_int_equal(ci[k].n_valid, 500);
        if (!(ci[k].lo < ci[k].value && ci[k].value < ci[k].hi))
            fail_msg("%s: %g not inside [%g, %g]", sqk_bm_name(k), ci[k].value, ci[k].lo, ci[k].hi);
        assert_true(ci[k].hi - ci[k].lo < 0.2);
    }
    /* Resampling events, not windows, widens the interval of correlated windows: give each
     * event one shared prediction and compare with windows as their own units. */
    for (size_t i = 0; i < p.n; i++) p.y_pred[i] = p.y_pred[i - i % 8];
    sqk_ci ev[SQK_BM_COUNT], win[SQK_BM_COUNT];
    assert_int_equal(sqk_bootstrap(p.y_true, p.y_pred, p.prob, p.event, p.n, 500, 1, 0.95, NULL, ev, &u), SQK_OK);
    int64_t *none = malloc(p.n * sizeof *none);
    for (size_t i = 0; i < p.n; i++) none[i] = -1;
    assert_int_equal(sqk_bootstrap(p.y_true, p.y_pred, p.prob, none, p.n, 500, 1, 0.95, NULL, win, &u), SQK_OK);
    assert_int_equal(u, p.n);
    assert_true(ev[SQK_BM_ACCURACY].hi - ev[SQK_BM_ACCURACY].lo > win[SQK_BM_ACCURACY].hi - win[SQK_BM_ACCURACY].lo);
    free(none);
    sqk_pred_free(&p);
}

/* One event: every resample is the data itself, so each interval collapses onto the point
 * estimate; this also checks the resample AUC (weighted sweep) against the exact AUC. */
static void test_single_event(void **s)
{
    (void)s;
    sqk_pred p;
    load("tests/fixtures/eval/single_event.pred.csv", &p);
    sqk_ci ci[SQK_BM_COUNT];
    size_t u;
    assert_int_equal(sqk_bootstrap(p.y_true, p.y_pred, p.prob, p.event, p.n, 50, 3, 0.95, NULL, ci, &u), SQK_OK);
    assert_int_equal(u, 1);
    for (int k = 0; k < SQK_BM_COUNT; k++) {
        if (isnan(ci[k].value)) {
            assert_int_equal(ci[k].n_valid, 0);
            continue;
        }
        assert_close(ci[k].lo, ci[k].value, 1e-12);
        assert_close(ci[k].hi, ci[k].value, 1e-12);
    }
    assert_true(isnan(ci[SQK_BM_AUC0].value)); /* class 0 absent from the truth */
    sqk_pred_free(&p);
}

static void test_permutation(void **s)
{
    (void)s;
    sqk_pred p;
    load("tests/fixtures/eval/perfect.pred.csv", &p);
    double pv;
    assert_int_equal(sqk_permutation_mcc(p.y_true, p.y_pred, p.event, p.n, 999, 5, NULL, &pv), SQK_OK);
    assert_close(pv, 1.0 / 1000, 1e-15);
    sqk_pred_free(&p);
    load("tests/fixtures/eval/random_noise.pred.csv", &p);
    assert_int_equal(sqk_permutation_mcc(p.y_true, p.y_pred, p.event, p.n, 999, 5, NULL, &pv), SQK_OK);
    assert_true(pv > 0.05);
    /* Truth independent of the predictions: about uniform p over seeds, rarely tiny. */
    int small = 0;
    for (uint64_t seed = 0; seed < 20; seed++) {
        for (size_t i = 0; i < p.n; i++) p.y_pred[i] = (int)((i * 7 + seed * 13 + i / 5) % 3);
        assert_int_equal(sqk_permutation_mcc(p.y_true, p.y_pred, p.event, p.n, 199, seed, NULL, &pv), SQK_OK);
        small += pv < 0.01;
    }
    assert_true(small <= 2);
    /* Constant predictions: MCC 0 and every permutation ties it, p = 1. */
    for (size_t i = 0; i < p.n; i++) p.y_pred[i] = 0;
    assert_int_equal(sqk_permutation_mcc(p.y_true, p.y_pred, p.event, p.n, 99, 5, NULL, &pv), SQK_OK);
    assert_close(pv, 1.0, 0);
    assert_int_equal(sqk_permutation_mcc(p.y_true, p.y_pred, p.event, p.n, 0, 5, NULL, &pv), SQK_EARG);
    sqk_pred_free(&p);
}

/* 20 events of 10 windows: kinds 1 for events 0-9, 0 for 10-19; every window of an event gets
 * the same prediction, agreeing with its kind for 14 events (MCC 0.4). Only 20 independent
 * units: P(MCC >= 0.4 by chance) = 16526 / 184756 = 0.089 (hypergeometric), while shuffling
 * the 200 windows one by one would call it significant. */
static void test_permutation_respects_events(void **s)
{
    (void)s;
    int yt[200], yp[200];
    int64_t ev[200];
    for (int i = 0; i < 200; i++) {
        int e = i / 10, kind = e < 10, agree = (e < 7) || (e >= 13);
        ev[i] = e;
        yt[i] = kind;
        yp[i] = agree ? kind : 1 - kind;
    }
    double p_events, p_windows;
    assert_int_equal(sqk_permutation_mcc(yt, yp, ev, 200, 1999, 3, NULL, &p_events), SQK_OK);
    assert_int_equal(sqk_permutation_mcc(yt, yp, NULL, 200, 1999, 3, NULL, &p_windows), SQK_OK);
    assert_close(p_events, 0.0894, 0.02);
    assert_true(p_windows < 0.001);
}

static void test_recovery(void **s)
{
    (void)s;
    /* Events 0..3: event 0 all windows predicted 1, event 1 one of three, event 2 none,
     * event 3 storm windows only but one predicted 1. */
    const int64_t ev[] = {0, 0, 1, 1, 1, 2, 2, 3, 4, 4, 5};
    const int yt[] = {1, 1, 1, 1, 1, 1, 1, 2, 0, 0, 0};
    const int yp[] = {1, 1, 1, 0, 0, 0, 2, 1, 1, 0, 0};
    sqk_event_table t;
    assert_int_equal(sqk_events_group(ev, yt, yp, 11, NULL, 0, &t), SQK_OK);
    const int64_t planted[] = {0, 1, 2, 3, 9}; /* event 9 has no window here */
    sqk_recovery r;
    assert_int_equal(sqk_recovery_compute(&t, planted, 5, 0.5, 300, 1, 0.95, &r), SQK_OK);
    assert_int_equal(r.n_planted, 5);
    assert_int_equal(r.n_tested, 4);
    assert_close(r.any, 3.0 / 4, 0);
    assert_close(r.by_threshold, 1.0 / 4, 0);
    assert_true(r.any_ci.lo <= r.any && r.any <= r.any_ci.hi);
    assert_true(r.threshold_ci.lo <= r.by_threshold && r.by_threshold <= r.threshold_ci.hi);
    assert_true(r.any_ci.hi <= 1.0 && r.threshold_ci.lo >= 0.0);
    assert_int_equal(r.n_controls, 2);  /* events 4 and 5 */
    assert_close(r.control_any, 0.5, 0);
    assert_close(r.control_by_threshold, 0.5, 0); /* event 4: 1 of 2 quiet windows >= 0.5 */
    sqk_events_free(&t);
}

/* Event-level intervals: same seed, same result whatever the threads; estimate inside. */
static void test_event_bootstrap(void **s)
{
    (void)s;
    sqk_pred p;
    load("tests/fixtures/eval/events_b.pred.csv", &p);
    sqk_event_table t;
    assert_int_equal(sqk_events_group(p.event, p.y_true, p.y_pred, p.n, NULL, 0, &t), SQK_OK);
    sqk_ci a[SQK_EBM_COUNT], b[SQK_EBM_COUNT];
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    assert_int_equal(sqk_events_bootstrap(&t, 0.34, 300, 4, 0.95, a), SQK_OK);
    omp_set_num_threads(2);
    assert_int_equal(sqk_events_bootstrap(&t, 0.34, 300, 4, 0.95, b), SQK_OK);
    omp_set_num_threads(saved);
    sqk_binary bin = sqk_events_classify(&t, SQK_EVDEF_SEISMIC, 0.34);
    assert_close(a[SQK_EBM_MCC].value, bin.mcc, 1e-15);
    assert_close(a[SQK_EBM_ROC_AUC].value, sqk_events_roc_auc(&t), 1e-15);
    for (int k = 0; k < SQK_EBM_COUNT; k++) {
        assert_memory_equal(&a[k].value, &b[k].value, 3 * sizeof(double));
        assert_int_equal(a[k].n_valid, 300);
        assert_true(a[k].lo < a[k].value && a[k].value < a[k].hi);
    }
    sqk_events_free(&t);
    /* No judged event: everything NaN, no crash. */
    sqk_event_table empty = {0, NULL};
    assert_int_equal(sqk_events_bootstrap(&empty, 0.5, 10, 4, 0.95, a), SQK_OK);
    assert_true(isnan(a[SQK_EBM_MCC].value) && isnan(a[SQK_EBM_MCC].lo));
    sqk_pred_free(&p);
}

/* 100k windows in 20k events, 1000 resamples: a few seconds at most (without sanitizers). */
static void test_speed(void **s)
{
    (void)s;
    size_t n = 100000;
    int *yt = malloc(n * sizeof *yt), *yp = malloc(n * sizeof *yp);
    double *prob = malloc(3 * n * sizeof *prob);
    int64_t *ev = malloc(n * sizeof *ev);
    uint64_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        yt[i] = (int)((x >> 33) % 3);
        yp[i] = (x >> 40) % 4 == 0 ? (int)((x >> 45) % 3) : yt[i];
        double a = (double)((x >> 20) % 1000) / 1000.0, b = (1 - a) * (double)((x >> 10) % 1000) / 1000.0;
        prob[3 * i] = a; prob[3 * i + 1] = b; prob[3 * i + 2] = 1 - a - b;
        ev[i] = (int64_t)(i / 5);
    }
    sqk_ci ci[SQK_BM_COUNT];
    size_t u;
    double pv;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(sqk_bootstrap(yt, yp, prob, ev, n, 1000, 1, 0.95, NULL, ci, &u), SQK_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double boot_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    assert_int_equal(sqk_permutation_mcc(yt, yp, ev, n, 1000, 1, NULL, &pv), SQK_OK);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double perm_s = (double)(t0.tv_sec - t1.tv_sec) + 1e-9 * (double)(t0.tv_nsec - t1.tv_nsec);
    print_message("100k windows, %d threads: 1000 bootstrap resamples %.2f s, 1000 permutations %.2f s\n",
                  omp_get_max_threads(), boot_s, perm_s);
    assert_true(pv < 0.01);
    free(yt); free(yp); free(prob); free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentile),
        cmocka_unit_test(test_permutation_respects_events),
        cmocka_unit_test(test_deterministic_across_threads),
        cmocka_unit_test(test_interval_contains_estimate),
        cmocka_unit_test(test_single_event),
        cmocka_unit_test(test_permutation),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_event_bootstrap),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
