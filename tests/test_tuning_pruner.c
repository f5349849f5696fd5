/* The pruners on hand-made learning curves (docs/tuning.md, "Pruning"): small cases whose
 * decisions are worked out by hand, and 29 curves replayed under twelve settings whose
 * decisions must equal those of optuna's MedianPruner, SuccessiveHalvingPruner and
 * ThresholdPruner (the floor rule; floor 0.5) and of the collapse rule written in optuna's
 * terms (constant predictions scoring 0.1, 0.5, 0.3) (tests/fixtures/tuning/pruner_decisions.csv,
 * made by make_pruner_fixture.py beside it). The floor itself: the F1 of no skill and of each
 * constant prediction, by hand; and how a stopped trial is told to the TPE (optuna's way, or
 * by its best for the floor and collapse rules). */
#include "testutil.h"
#include "sqk/tuning.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs one trial's curve (n epochs); returns the epoch it was pruned at, 0 if it finished. */
static int run_curve(sqk_pruner *p, const double *f1, int n)
{
    int id, prune = 0;
    assert_int_equal(sqk_pruner_begin(p, &id), SQK_OK);
    for (int e = 1; e <= n; e++) {
        assert_int_equal(sqk_pruner_report(p, id, e, f1[e - 1], &prune), SQK_OK);
        if (prune) {
            assert_int_equal(sqk_pruner_finish(p, id, 0), SQK_OK);
            return e;
        }
    }
    assert_int_equal(sqk_pruner_finish(p, id, 1), SQK_OK);
    return 0;
}

static sqk_pruner *make(sqk_pruner_kind kind, int a, int b)
{
    sqk_pruner_config c;
    sqk_pruner_config_default(&c, kind);
    if (kind == SQK_PRUNER_MEDIAN) {
        c.n_startup_trials = a;
        c.n_warmup_epochs = b;
    } else if (kind == SQK_PRUNER_ASHA) {
        c.min_resource = a;
        c.reduction_factor = b;
    } else if (kind == SQK_PRUNER_FLOOR || kind == SQK_PRUNER_COLLAPSE) {
        c.n_startup_trials = a;
        c.floor_epochs = b;
        c.floor = 0.5;
        c.constant_f1[0] = 0.1;
        c.constant_f1[1] = 0.5;
        c.constant_f1[2] = 0.3;
    }
    sqk_pruner *p;
    assert_int_equal(sqk_pruner_create(&p, &c), SQK_OK);
    return p;
}

static void test_median_by_hand(void **state)
{
    (void)state;
    sqk_pruner *p = make(SQK_PRUNER_MEDIAN, 3, 1);
    /* three finished trials: F1 at epoch 2 are 0.5, 0.6, 0.8 -> median 0.6 */
    const double a[] = {0.4, 0.5, 0.55}, b[] = {0.5, 0.6, 0.7}, c[] = {0.7, 0.8, 0.9};
    /* before 3 trials have finished nothing is pruned, however bad */
    const double bad[] = {0.1, 0.1, 0.1};
    assert_int_equal(run_curve(p, a, 3), 0);
    assert_int_equal(run_curve(p, bad, 3), 0);   /* only one finished before it */
    /* bad counts as finished now: epoch 2 values 0.5, 0.1 */
    assert_int_equal(run_curve(p, b, 3), 0);     /* 2 finished before it: no pruning yet */
    assert_int_equal(run_curve(p, c, 3), 0);     /* best 0.8 at epoch 2 vs median(0.5, 0.1, 0.6) */
    /* finished: a, bad, b, c; epoch-2 values 0.5, 0.1, 0.6, 0.8 -> median 0.55.
     * Epoch 1 is the warm-up; at epoch 2 the best so far 0.52 < 0.55: pruned at 2. */
    const double d[] = {0.3, 0.52, 0.9};
    assert_int_equal(run_curve(p, d, 3), 2);
    /* the best so far counts, not the last value: 0.6 then 0.5 stays above 0.55 */
    const double e[] = {0.6, 0.5, 0.5};
    /* epoch 3 values of the finished: 0.55, 0.1, 0.7, 0.9 -> median 0.625 > 0.6: pruned at 3 */
    assert_int_equal(run_curve(p, e, 3), 3);
    /* a pruned trial's curve never enters the median: were d counted, the epoch-2 median
     * would be 0.52 and a 0.53 would survive; it is 0.55 and 0.53 is pruned */
    const double f[] = {0.53, 0.53};
    assert_int_equal(run_curve(p, f, 2), 2);
    sqk_pruner_free(p);
}

static void test_asha_by_hand(void **state)
{
    (void)state;
    /* eta 2, rungs at epochs 1, 2, 4 */
    sqk_pruner *p = make(SQK_PRUNER_ASHA, 1, 2);
    const double a[] = {0.5, 0.6, 0.7, 0.8};
    assert_int_equal(run_curve(p, a, 4), 0);     /* alone at every rung: goes on */
    /* rung 0 values {0.5, 0.4}: the top 1 of 2 goes on -> 0.4 stops at epoch 1 */
    const double b[] = {0.4, 0.9, 0.9, 0.9};
    assert_int_equal(run_curve(p, b, 4), 1);
    /* rung 0 {0.5, 0.4, 0.55}: top 1 -> 0.55 goes on; rung 1 {0.6, 0.65}: goes on;
     * epoch 3 is no rung; rung 2 (epoch 4) {0.8, 0.75}: stops at 4 */
    const double c[] = {0.55, 0.65, 0.1, 0.75};
    assert_int_equal(run_curve(p, c, 4), 4);
    /* rung 0 {0.5, 0.4, 0.55, 0.45}: top 2 of 4 are 0.55, 0.5 -> 0.45 stops */
    const double d[] = {0.45};
    assert_int_equal(run_curve(p, d, 1), 1);
    /* ties go on: rung 0 {0.5, 0.4, 0.55, 0.45, 0.5}: top 2 of 5 are 0.55 and 0.5 */
    const double e[] = {0.5};
    assert_int_equal(run_curve(p, e, 1), 0);
    sqk_pruner_free(p);
}

static void test_floor_by_hand(void **state)
{
    (void)state;
    /* two startup trials, judged at epoch 2 against the floor 0.5 */
    sqk_pruner *p = make(SQK_PRUNER_FLOOR, 2, 2);
    const double flat[] = {0.3, 0.3, 0.3}, late[] = {0.2, 0.4999, 0.9}, tie[] = {0.2, 0.5, 0.9},
                 early[] = {0.6, 0.1, 0.1};
    assert_int_equal(run_curve(p, flat, 3), 0);  /* startup: runs to its end */
    assert_int_equal(run_curve(p, flat, 3), 0);
    /* at epoch 2 the best so far must not be below 0.5 (worse than no skill) */
    assert_int_equal(run_curve(p, late, 3), 2);
    /* at the floor itself (a constant prediction's score) it goes on */
    assert_int_equal(run_curve(p, tie, 3), 0);
    /* the best so far counts: 0.6 at epoch 1 keeps it on after it falls */
    assert_int_equal(run_curve(p, early, 3), 0);
    /* a trial that ends before epoch 2 is never judged; a NaN best is no skill */
    assert_int_equal(run_curve(p, flat, 1), 0);
    const double nan[] = {NAN, NAN};
    assert_int_equal(run_curve(p, nan, 2), 2);
    sqk_pruner_free(p);
    /* no skill: labels 0,0,0,1,1,2 -> a constant 0 scores F1 2*3/(6+3) = 2/3 on class 0,
     * weighted by 3/6: 1/3 (a constant 1: 1/2 * 2/6, a constant 2: 2/7 * 1/6) */
    const int32_t y[] = {0, 0, 0, 1, 1, 2, 2, 2};
    const uint8_t split[] = {1, 1, 1, 1, 1, 1, 0, 2};
    assert_close(sqk_no_skill_f1(y, split, 8, 1), 1.0 / 3, 1e-12);
    /* all eight: a constant 0 or 2 scores 2*3/(8+3) * 3/8 = 9/44 */
    assert_close(sqk_no_skill_f1(y, NULL, 8, 0), 9.0 / 44, 1e-12);
    /* a floor pruner without its floor, or judging before epoch 1, is refused */
    sqk_pruner_config c;
    sqk_pruner_config_default(&c, SQK_PRUNER_FLOOR);
    assert_int_equal(sqk_pruner_create(&p, &c), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "F1 of no skill"));
    c.floor = 0.4;
    c.floor_epochs = 0;
    assert_int_equal(sqk_pruner_create(&p, &c), SQK_EARG);
    sqk_pruner_kind k;
    assert_int_equal(sqk_pruner_parse(&k, "floor"), SQK_OK);
    assert_int_equal(k, SQK_PRUNER_FLOOR);
}

static void test_collapse_by_hand(void **state)
{
    (void)state;
    /* constant predictions score 0.1, 0.5 (no skill) and 0.3; one startup trial, judged from
     * epoch 1 */
    sqk_pruner *p = make(SQK_PRUNER_COLLAPSE, 1, 1);
    const double seismic[] = {0.5, 0.5}, one_class[] = {0.1, 0.1, 0.1}, varied[] = {0.2, 0.1},
                 two_classes[] = {0.3, 0.1, 0.9};
    assert_int_equal(run_curve(p, seismic, 2), 0);    /* startup */
    assert_int_equal(run_curve(p, one_class, 3), 1);  /* one class, not no skill's: stopped */
    assert_int_equal(run_curve(p, varied, 2), 0);     /* 0.2 is no constant's score: it learns */
    assert_int_equal(run_curve(p, seismic, 2), 0);    /* the constant of no skill goes on */
    sqk_pruner_free(p);
    /* judged from epoch 2: constant at both epochs (two classes in turn) is stopped there;
     * a curve that leaves the constants by epoch 2 goes on */
    p = make(SQK_PRUNER_COLLAPSE, 0, 2);
    const double learns[] = {0.1, 0.25, 0.3};
    assert_int_equal(run_curve(p, learns, 3), 0);      /* the first finished trial, always */
    assert_int_equal(run_curve(p, two_classes, 3), 2);
    assert_int_equal(run_curve(p, learns, 3), 0);
    sqk_pruner_free(p);
    /* each constant's F1 by hand: labels 0,0,0,1,1,2 (split 1): 1/3, 1/2 * 2/6, 2/7 * 1/6 */
    const int32_t y[] = {0, 0, 0, 1, 1, 2, 2, 2};
    const uint8_t split[] = {1, 1, 1, 1, 1, 1, 0, 2};
    double f1[3];
    assert_int_equal(sqk_constant_f1(y, split, 8, 1, f1), SQK_OK);
    assert_close(f1[0], 1.0 / 3, 1e-12);
    assert_close(f1[1], 1.0 / 6, 1e-12);
    assert_close(f1[2], 1.0 / 21, 1e-12);
    /* the search sets floor and constants from the validation split; without them: refused */
    sqk_pruner_config c;
    sqk_pruner_config_default(&c, SQK_PRUNER_COLLAPSE);
    assert_int_equal(c.floor_epochs, 1);
    assert_int_equal(sqk_pruner_create(&p, &c), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "collapse pruner"));
    assert_int_equal(sqk_constant_f1(y, split, 8, 1, f1), SQK_OK);
    sqk_pruner_set_floor(&c, f1);
    assert_close(c.floor, 1.0 / 3, 1e-12);
    assert_int_equal(sqk_pruner_create(&p, &c), SQK_OK);
    sqk_pruner_free(p);
}

/* How a stopped trial is told to the TPE: finished trials at x = 0.1 (F1 0.3) and 0.5, 0.6,
 * 0.7 (0.2), and one at x = 0.9 stopped with F1 0.001 at its last epoch after a best of 0.6.
 * The good group is one trial (ceil(0.1 * 5)). Stopped by the median rule it ranks below every finished
 * trial, so the TPE prefers x = 0.1; stopped by the floor or collapse rule it counts by its best, 0.6, and
 * the TPE prefers x = 0.9. */
static void test_stopped_trials_told_to_tpe(void **state)
{
    (void)state;
    const sqk_tpe_param space[] = {{"x", SQK_TPE_UNIFORM, 0, 1, 0, 0, -1, 0}};
    sqk_pruner_kind kinds[] = {SQK_PRUNER_MEDIAN, SQK_PRUNER_FLOOR, SQK_PRUNER_COLLAPSE};
    for (int k = 0; k < 3; k++) {
        sqk_tpe_config cfg;
        sqk_tpe_config_default(&cfg);
        cfg.n_startup = 1;
        sqk_tpe *t;
        assert_int_equal(sqk_tpe_create(&t, space, 1, &cfg, 1), SQK_OK);
        const double xs[] = {0.1, 0.5, 0.6, 0.7}, f1[] = {0.3, 0.2, 0.2, 0.2};
        for (int i = 0; i < 4; i++)
            assert_int_equal(sqk_tpe_observe_trial(t, &xs[i], kinds[k], 0, f1[i], 10, f1[i]), SQK_OK);
        double x = 0.9;
        assert_int_equal(sqk_tpe_observe_trial(t, &x, kinds[k], 1, 0.001, 3, 0.6), SQK_OK);
        const double at[] = {0.1, 0.9};
        double score[2];
        assert_int_equal(sqk_tpe_score(t, at, 2, score), SQK_OK);
        if (kinds[k] == SQK_PRUNER_MEDIAN) assert_true(score[0] > score[1]);
        else assert_true(score[1] > score[0]);
        sqk_tpe_free(t);
    }
}

static void test_none_and_errors(void **state)
{
    (void)state;
    sqk_pruner *p = make(SQK_PRUNER_NONE, 0, 0);
    const double bad[] = {0, 0, 0};
    for (int i = 0; i < 8; i++) assert_int_equal(run_curve(p, bad, 3), 0);
    int id, prune;
    assert_int_equal(sqk_pruner_begin(p, &id), SQK_OK);
    assert_int_equal(sqk_pruner_report(p, id, 2, 0.5, &prune), SQK_EARG); /* epoch 1 skipped */
    assert_int_equal(sqk_pruner_report(p, 99, 1, 0.5, &prune), SQK_EARG);
    assert_int_equal(sqk_pruner_finish(p, id, 1), SQK_OK);
    assert_int_equal(sqk_pruner_finish(p, id, 1), SQK_EARG);   /* already over */
    sqk_pruner_free(p);
    sqk_pruner_kind k;
    assert_int_equal(sqk_pruner_parse(&k, "asha"), SQK_OK);
    assert_int_equal(k, SQK_PRUNER_ASHA);
    assert_int_equal(sqk_pruner_parse(&k, "hyperband"), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "hyperband"));
    sqk_pruner_config c;
    sqk_pruner_config_default(&c, SQK_PRUNER_ASHA);
    c.reduction_factor = 1;
    assert_int_equal(sqk_pruner_create(&p, &c), SQK_EARG);
}

enum { MAX_TRIALS = 64, MAX_EPOCHS = 32 };

static void test_optuna_decisions(void **state)
{
    (void)state;
    FILE *f = fopen("tests/fixtures/tuning/pruner_decisions.csv", "r");
    assert_non_null(f);
    static double curve[MAX_TRIALS][MAX_EPOCHS];
    int len[MAX_TRIALS] = {0}, n_trials = 0, checked = 0, n_pruned = 0;
    char line[256], cfg[64] = "";
    sqk_pruner *p = NULL;
    while (fgets(line, sizeof line, f)) {
        int t, e, pruned;
        double v;
        if (sscanf(line, "curve,%d,%d,%lf", &t, &e, &v) == 3) {
            assert_true(t >= 0 && t < MAX_TRIALS && e == len[t] + 1 && e <= MAX_EPOCHS);
            curve[t][e - 1] = v;
            len[t] = e;
            if (t + 1 > n_trials) n_trials = t + 1;
            continue;
        }
        char kind[16], this_cfg[64];
        int a, b;
        assert_int_equal(sscanf(line, "%15[a-z]:%d:%d,%d,%d,%d", kind, &a, &b, &t, &e, &pruned), 6);
        snprintf(this_cfg, sizeof this_cfg, "%s:%d:%d", kind, a, b);
        if (strcmp(this_cfg, cfg)) { /* a new setting: a fresh pruner, trials from 0 */
            sqk_pruner_free(p);
            sqk_pruner_kind k;
            assert_int_equal(sqk_pruner_parse(&k, kind), SQK_OK);
            p = make(k, a, b);
            snprintf(cfg, sizeof cfg, "%s", this_cfg);
        }
        int at = run_curve(p, curve[t], len[t]);
        if (at != (pruned ? e : 0))
            fail_msg("%s trial %d: ours %s at epoch %d, optuna %s at epoch %d", cfg, t,
                     at ? "pruned" : "finished", at ? at : len[t], pruned ? "pruned" : "finished", e);
        checked++;
        n_pruned += pruned;
    }
    fclose(f);
    sqk_pruner_free(p);
    assert_int_equal(n_trials, 29);
    assert_int_equal(checked, 12 * 29);
    assert_true(n_pruned > 60 && n_pruned < checked - 20); /* the cases exercise both outcomes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_by_hand),
        cmocka_unit_test(test_asha_by_hand),
        cmocka_unit_test(test_floor_by_hand),
        cmocka_unit_test(test_collapse_by_hand),
        cmocka_unit_test(test_stopped_trials_told_to_tpe),
        cmocka_unit_test(test_none_and_errors),
        cmocka_unit_test(test_optuna_decisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
