/* Null-corrected skill with hand-made predictions of known answers: identical sides give a
 * difference of exactly 0 in every resample; a perfect planted side against an uninformative
 * null gives differences known exactly, and the paired bootstrap (the same events drawn on
 * both sides) keeps the AUC difference at exactly 0.5 in every resample; several pairs
 * average, and the pairs are resampled too; predictions of unpaired datasets are refused naming
 * both files and the line. The within-seismic AUC by hand, and every metric that scikit-learn
 * has against it. */
#include "testutil.h"

#include "sqk/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* n windows in events of `per` windows each; event e is an earthquake (label 1) when e is
 * odd, a control (0) when even; window 0 of every third event is a storm window (2). */
static void make_pred(sqk_pred *p, size_t n, int per)
{
    memset(p, 0, sizeof *p);
    p->n = n;
    p->window = calloc(n, sizeof *p->window);
    p->split = calloc(n, 1);
    p->event = calloc(n, sizeof *p->event);
    p->y_true = calloc(n, sizeof *p->y_true);
    p->y_pred = calloc(n, sizeof *p->y_pred);
    p->prob = calloc(n * SQK_NCLASS, sizeof *p->prob);
    p->line = calloc(n, sizeof *p->line);
    for (size_t i = 0; i < n; i++) {
        int64_t e = (int64_t)(i / (size_t)per);
        p->window[i] = (int64_t)i;
        p->split[i] = 2;
        p->event[i] = e;
        p->y_true[i] = (e % 3 == 0 && i % (size_t)per == 0) ? 2 : (int)(e % 2);
        p->line[i] = i + 2;
    }
}

/* Predictions: perfect (the true class with probability 0.9), or constant (always 0). */
static void predict(sqk_pred *p, int perfect)
{
    for (size_t i = 0; i < p->n; i++) {
        int c = perfect ? p->y_true[i] : 0;
        p->y_pred[i] = c;
        for (int k = 0; k < SQK_NCLASS; k++) p->prob[i * SQK_NCLASS + k] = k == c ? 0.9 : 0.05;
        if (!perfect) { p->prob[i * 3] = 0.8; p->prob[i * 3 + 1] = 0.1; p->prob[i * 3 + 2] = 0.1; }
    }
}

static void pair_of(sqk_null_pair *q, const sqk_pred *a, const sqk_pred *b)
{
    *q = (sqk_null_pair){.planted = a, .null = b, .threshold_planted = 0.5, .threshold_null = 0.5};
}

static void test_identical_sides(void **state)
{
    (void)state;
    sqk_pred a;
    make_pred(&a, 200, 5);
    predict(&a, 1);
    for (size_t i = 0; i < a.n; i += 7) a.y_pred[i] = (a.y_pred[i] + 1) % 3; /* some errors */
    sqk_null_pair q;
    pair_of(&q, &a, &a);
    sqk_null_corrected nc;
    assert_int_equal(sqk_null_corrected_compute(&q, 1, 300, 5, 0.95, &nc), SQK_OK);
    assert_int_equal(nc.n_units, 40);
    for (int k = 0; k < SQK_NC_COUNT; k++) {
        assert_true(nc.diff[k].value == 0 && nc.diff[k].lo == 0 && nc.diff[k].hi == 0);
        assert_true(nc.planted[k].value == nc.null[k].value);
        assert_close(nc.p_diff[k], 1.0, 1e-12); /* every resampled difference is <= 0 */
    }
    sqk_pred_free(&a);
}

static void test_perfect_vs_uninformative(void **state)
{
    (void)state;
    sqk_pred a, b;
    make_pred(&a, 300, 6);
    make_pred(&b, 300, 6);
    predict(&a, 1);
    predict(&b, 0);
    sqk_null_pair q;
    pair_of(&q, &a, &b);
    sqk_null_corrected nc;
    assert_int_equal(sqk_null_corrected_compute(&q, 1, 500, 9, 0.95, &nc), SQK_OK);
    /* planted: MCC 1, AUC 1, event MCC 1; null: never predicts 1 -> MCC 0 (sklearn's
     * convention), AUC 0.5 (all scores tied), event MCC 0. */
    assert_close(nc.planted[SQK_NC_MCC_SVC].value, 1.0, 1e-12);
    assert_close(nc.null[SQK_NC_MCC_SVC].value, 0.0, 1e-12);
    assert_close(nc.planted[SQK_NC_AUC1].value, 1.0, 1e-12);
    assert_close(nc.null[SQK_NC_AUC1].value, 0.5, 1e-12);
    assert_close(nc.planted[SQK_NC_EVENT_MCC].value, 1.0, 1e-12);
    assert_close(nc.null[SQK_NC_EVENT_MCC].value, 0.0, 1e-12);
    for (int k = 0; k < SQK_NC_COUNT; k++) assert_close(nc.diff[k].value, k == SQK_NC_AUC1 ? 0.5 : 1.0, 1e-12);
    /* Paired: both sides see the same events, so each resample's AUC difference is exactly
     * 1 - 0.5; an unpaired comparison of two intervals could not say so. */
    assert_close(nc.diff[SQK_NC_AUC1].lo, 0.5, 1e-12);
    assert_close(nc.diff[SQK_NC_AUC1].hi, 0.5, 1e-12);
    assert_close(nc.diff[SQK_NC_MCC_SVC].lo, 1.0, 1e-12);
    assert_close(nc.p_diff[SQK_NC_MCC_SVC], 1.0 / 501.0, 1e-12);
    assert_int_equal(nc.diff[SQK_NC_AUC1].n_valid, 500);

    /* Two pairs on the same dataset: the mean of their differences (here 1 and 0). */
    sqk_null_pair two[2];
    pair_of(&two[0], &a, &b);
    pair_of(&two[1], &a, &a);
    assert_int_equal(sqk_null_corrected_compute(two, 2, 200, 9, 0.95, &nc), SQK_OK);
    assert_close(nc.diff[SQK_NC_MCC_SVC].value, 0.5, 1e-12);
    assert_close(nc.pair_diff[0][SQK_NC_MCC_SVC], 1.0, 1e-12);
    assert_close(nc.pair_diff[1][SQK_NC_MCC_SVC], 0.0, 1e-12);
    /* The pairs are resampled too (two seeds: both twice, or one of each): the MCC difference
     * of a resample is 0, 0.5 or 1 with probabilities 1/4, 1/2, 1/4, so its 95% interval is
     * [0, 1]; the AUC difference (0.5 and 0 per pair) spans [0, 0.5]. */
    assert_close(nc.diff[SQK_NC_MCC_SVC].lo, 0.0, 1e-12);
    assert_close(nc.diff[SQK_NC_MCC_SVC].hi, 1.0, 1e-12);
    assert_close(nc.diff[SQK_NC_AUC1].lo, 0.0, 1e-12);
    assert_close(nc.diff[SQK_NC_AUC1].hi, 0.5, 1e-12);
    /* p_diff counts resampled differences <= 0: those that drew the second pair twice. */
    assert_true(nc.p_diff[SQK_NC_MCC_SVC] > 0.15 && nc.p_diff[SQK_NC_MCC_SVC] < 0.35);
    assert_int_equal(nc.n_units, 50); /* one dataset: its 50 events counted once */
    /* Same seed, same result. */
    sqk_null_corrected again;
    assert_int_equal(sqk_null_corrected_compute(two, 2, 200, 9, 0.95, &again), SQK_OK);
    assert_memory_equal(&nc, &again, sizeof nc);
    sqk_pred_free(&a);
    sqk_pred_free(&b);
}

/* A hand-computed case: 4 events of 2 windows (no storm), known 2x2 counts on each side. */
static void test_known_counts(void **state)
{
    (void)state;
    sqk_pred a, b;
    make_pred(&a, 8, 2);
    make_pred(&b, 8, 2);
    for (size_t i = 0; i < 8; i++) a.y_true[i] = b.y_true[i] = (int)((i / 2) % 2);
    /* events 0,2 control; 1,3 earthquake. planted predicts 1 at windows 2,3,6 and 0;
     * null predicts 1 at windows 0,1,2 */
    int pa[8] = {1, 0, 1, 1, 0, 0, 1, 0}, pb[8] = {1, 1, 1, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < 8; i++) {
        a.y_pred[i] = pa[i];
        b.y_pred[i] = pb[i];
        a.prob[i * 3 + 1] = pa[i] ? 0.7 : 0.2;
        a.prob[i * 3] = 1 - a.prob[i * 3 + 1];
        b.prob[i * 3 + 1] = pb[i] ? 0.7 : 0.2;
        b.prob[i * 3] = 1 - b.prob[i * 3 + 1];
    }
    sqk_null_pair q;
    pair_of(&q, &a, &b);
    sqk_null_corrected nc;
    assert_int_equal(sqk_null_corrected_compute(&q, 1, 0, 1, 0.95, &nc), SQK_OK);
    /* planted: tp 3 fn 1 fp 1 tn 3 -> MCC (9 - 1) / sqrt(4*4*4*4) = 0.5;
     * null: tp 1 fn 3 fp 2 tn 2 -> MCC (2 - 6) / sqrt(3*5*4*4) = -4 / sqrt(240) */
    assert_close(nc.planted[SQK_NC_MCC_SVC].value, 0.5, 1e-12);
    assert_close(nc.null[SQK_NC_MCC_SVC].value, -4.0 / sqrt(240.0), 1e-12);
    assert_close(nc.diff[SQK_NC_MCC_SVC].value, 0.5 + 4.0 / sqrt(240.0), 1e-12);
    /* AUC planted: positives' scores {.7,.7,.7,.2}, negatives {.7,.2,.2,.2}:
     * pairs won 3*3 + ties (3*1 + 1*3)/2 = 9 + 3 = 12 of 16 -> 0.75.
     * null: positives {.7,.2,.2,.2}, negatives {.7,.7,.2,.2}: 1*2 + (1*2 + 3*2)/2 = 6 of 16. */
    assert_close(nc.planted[SQK_NC_AUC1].value, 0.75, 1e-12);
    assert_close(nc.null[SQK_NC_AUC1].value, 6.0 / 16.0, 1e-12);
    /* Events at threshold 0.5 (share of windows predicted 1): planted event 0 0.5 (fp),
     * 1 1.0 (tp), 2 0 (tn), 3 0.5 (tp) -> tp 2 fp 1 tn 1 fn 0: MCC (2 - 0)/sqrt(3*2*1*2) */
    assert_close(nc.planted[SQK_NC_EVENT_MCC].value, 2.0 / sqrt(12.0), 1e-12);
    assert_true(isnan(nc.diff[SQK_NC_EVENT_MCC].lo)); /* no bootstrap asked */
    sqk_pred_free(&a);
    sqk_pred_free(&b);
}

static void test_unpaired_refused(void **state)
{
    (void)state;
    sqk_pred a, b;
    make_pred(&a, 20, 4);
    make_pred(&b, 20, 4);
    assert_int_equal(sqk_null_pair_check(&a, "p.csv", &b, "n.csv"), SQK_OK);
    b.event[7] = 9;
    assert_int_equal(sqk_null_pair_check(&a, "p.csv", &b, "n.csv"), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "p.csv line 9 and n.csv line 9: the event differs"));
    b.event[7] = a.event[7];
    b.split[3] = 1;
    assert_int_equal(sqk_null_pair_check(&a, "p.csv", &b, "n.csv"), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "split"));
    b.split[3] = a.split[3];
    b.n = 19;
    assert_int_equal(sqk_null_pair_check(&a, "p.csv", &b, "n.csv"), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "not predictions of paired datasets"));
    b.n = 20;
    sqk_pred_free(&a);
    sqk_pred_free(&b);
}

/* The within-seismic AUC by hand: class-1 windows 0..3 with weights {0.5, 0, 0.2, 0} and
 * class-1 probabilities {0.9, 0.4, 0.4, 0.1}: perturbed {0.9, 0.4} against unperturbed
 * {0.4, 0.1}: pairs won 3 of 4, one tie -> 3.5 / 4. Windows of other classes do not count. */
static void test_within_seismic_known(void **state)
{
    (void)state;
    sqk_pred t;
    make_pred(&t, 6, 1);
    int y[6] = {1, 1, 1, 1, 0, 2};
    double p1[6] = {0.9, 0.4, 0.4, 0.1, 0.99, 0.99}, w[6] = {0.5, 0, 0.2, 0, 1, 1};
    for (size_t i = 0; i < 6; i++) {
        t.y_true[i] = y[i];
        t.prob[i * 3 + 1] = p1[i];
        t.prob[i * 3] = 1 - p1[i];
    }
    sqk_eval_dataset ds = {.n_windows = 6, .precursor_weight = w};
    size_t np = 0, nu = 0;
    assert_close(sqk_within_seismic_auc(&t, &ds, &np, &nu), 3.5 / 4.0, 1e-12);
    assert_int_equal(np, 2);
    assert_int_equal(nu, 2);
    /* no weights: undefined */
    ds.precursor_weight = NULL;
    assert_true(isnan(sqk_within_seismic_auc(&t, &ds, &np, &nu)));
    sqk_pred_free(&t);
}

/* scikit-learn's answers (tests/fixtures/eval/make_nullcorr_fixtures.py): MCC seismic/control,
 * class-1 AUC and the within-seismic AUC of a planted and a null side, and their differences. */
static double expected(const char *key)
{
    FILE *f = fopen("tests/fixtures/eval/nc.expected.txt", "r");
    assert_non_null(f);
    char k[64];
    double v, out = NAN;
    while (fscanf(f, "%63s %lf", k, &v) == 2)
        if (!strcmp(k, key)) out = v;
    fclose(f);
    assert_false(isnan(out));
    return out;
}

static void test_sklearn_fixture(void **state)
{
    (void)state;
    sqk_pred a, b;
    assert_int_equal(sqk_pred_read("tests/fixtures/eval/nc_planted.pred.csv", &a), SQK_OK);
    assert_int_equal(sqk_pred_read("tests/fixtures/eval/nc_null.pred.csv", &b), SQK_OK);
    assert_int_equal(sqk_null_pair_check(&a, "planted", &b, "null"), SQK_OK);
    sqk_null_pair q;
    pair_of(&q, &a, &b);
    sqk_null_corrected nc;
    assert_int_equal(sqk_null_corrected_compute(&q, 1, 0, 1, 0.95, &nc), SQK_OK);
    assert_close(nc.planted[SQK_NC_MCC_SVC].value, expected("mcc_svc_planted"), 1e-12);
    assert_close(nc.null[SQK_NC_MCC_SVC].value, expected("mcc_svc_null"), 1e-12);
    assert_close(nc.diff[SQK_NC_MCC_SVC].value, expected("mcc_svc_diff"), 1e-12);
    assert_close(nc.planted[SQK_NC_AUC1].value, expected("auc1_planted"), 1e-12);
    assert_close(nc.null[SQK_NC_AUC1].value, expected("auc1_null"), 1e-12);
    assert_close(nc.diff[SQK_NC_AUC1].value, expected("auc1_diff"), 1e-12);
    double *w = calloc(a.n, sizeof *w);
    FILE *f = fopen("tests/fixtures/eval/nc_weight.txt", "r");
    assert_non_null(f);
    for (size_t i = 0; i < a.n; i++) assert_int_equal(fscanf(f, "%lf", &w[i]), 1);
    fclose(f);
    sqk_eval_dataset ds = {.n_windows = a.n, .precursor_weight = w};
    size_t np, nu;
    assert_close(sqk_within_seismic_auc(&a, &ds, &np, &nu), expected("within_auc_planted"), 1e-12);
    assert_close(sqk_within_seismic_auc(&b, &ds, &np, &nu), expected("within_auc_null"), 1e-12);
    free(w);
    sqk_pred_free(&a);
    sqk_pred_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical_sides),
        cmocka_unit_test(test_perfect_vs_uninformative),
        cmocka_unit_test(test_known_counts),
        cmocka_unit_test(test_unpaired_refused),
        cmocka_unit_test(test_within_seismic_known),
        cmocka_unit_test(test_sklearn_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
