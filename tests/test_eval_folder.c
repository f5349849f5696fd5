/* The evaluation folder: one type written and read back. What sqk_evaluation_write puts in
 * the tables, sqk_evaluation_read gives back exactly (numbers are written with enough digits
 * to read back as the same doubles); a bad events.csv is an error naming the file and line. */
#include "testutil.h"

#include "sqk/core.h"
#include "sqk/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRED "tests/fixtures/eval/events_a.pred.csv"

static char *dir;

static int setup(void **s) { (void)s; dir = test_tmpdir(); return dir ? 0 : -1; }
static int teardown(void **s) { (void)s; test_rmtree(dir); free(dir); return 0; }

/* Evaluates the fixture's predictions and writes the folder dir/name. */
static void write_folder(const char *name, sqk_evaluation *ev, char *out, size_t size)
{
    sqk_pred p;
    assert_int_equal(sqk_pred_read(PRED, &p), SQK_OK);
    sqk_eval_opts o = {.name = "run A", .pred_path = PRED, .n_boot = 50, .n_perm = 0, .seed = 3, .level = 0.95};
    assert_int_equal(sqk_evaluate(&p, NULL, NULL, NULL, 0, &o, NULL, ev), SQK_OK);
    snprintf(out, size, "%s/%s", dir, name);
    assert_int_equal(sqk_evaluation_write(ev, PRED, out), SQK_OK);
    sqk_pred_free(&p);
}

static int same(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static void test_round_trip(void **s)
{
    (void)s;
    sqk_evaluation w, r;
    char path[1200];
    write_folder("a", &w, path, sizeof path);
    assert_int_equal(sqk_evaluation_read(path, &r), SQK_OK);
    assert_string_equal(r.label, "run A");
    assert_string_equal(r.dir, path);
    assert_int_equal(r.m.n, w.m.n);
    assert_memory_equal(r.m.confusion, w.m.confusion, sizeof w.m.confusion);
    assert_memory_equal(r.m.support, w.m.support, sizeof w.m.support);
    assert_true(r.m.accuracy == w.m.accuracy && r.m.mcc == w.m.mcc && r.m.f1_weighted == w.m.f1_weighted);
    for (int k = 0; k < SQK_NCLASS; k++) {
        assert_true(same(r.m.precision[k], w.m.precision[k]) && same(r.m.recall[k], w.m.recall[k]));
        assert_true(same(r.m.f1[k], w.m.f1[k]) && same(r.m.auc[k], w.m.auc[k]));
        /* sklearn's curves rise in fpr and tpr: the reader's order is the writer's. */
        assert_int_equal(r.roc[k].n, w.roc[k].n);
        for (size_t i = 0; i < w.roc[k].n; i++)
            assert_true(r.roc[k].fpr[i] == w.roc[k].fpr[i] && r.roc[k].tpr[i] == w.roc[k].tpr[i] &&
                        same(r.roc[k].threshold[i], w.roc[k].threshold[i]));
    }
    assert_true(same(r.m.auc_macro, w.m.auc_macro));
    /* events.csv: every row back, ids empty (no dataset). */
    assert_true(w.events.n > 10);
    assert_int_equal(r.events.n, w.events.n);
    for (size_t k = 0; k < w.events.n; k++) {
        const sqk_event_row *a = &w.events.rows[k], *b = &r.events.rows[k];
        assert_true(a->event == b->event && a->kind == b->kind && a->n_windows == b->n_windows &&
                    a->n_correct == b->n_correct && a->n_quiet == b->n_quiet && a->n_quiet_pred1 == b->n_quiet_pred1);
        assert_memory_equal(a->n_pred, b->n_pred, sizeof a->n_pred);
        assert_true(same(a->frac_correct, b->frac_correct) && same(a->score, b->score));
        assert_string_equal(r.event_id[k], "");
    }
    /* bootstrap.csv: the rows by name, the same values as computed. */
    sqk_eval_metric m;
    assert_int_equal(sqk_evaluation_metric(&r, "mcc", &m), SQK_OK);
    assert_true(m.value == w.boot[SQK_BM_MCC].value && m.lo == w.boot[SQK_BM_MCC].lo && m.hi == w.boot[SQK_BM_MCC].hi);
    assert_int_equal(sqk_evaluation_metric(&r, "event_mcc", &m), SQK_OK);
    assert_true(same(m.lo, w.ev_boot[SQK_EBM_MCC].lo));
    /* What only metrics.json holds is not read back. */
    assert_true(isnan(r.threshold[SQK_EVDEF_SEISMIC]) && isnan(r.perm_p));

    /* The read evaluation written again gives the same tables (events.csv's last two columns
     * follow from the thresholds, which only metrics.json holds: set them as written). */
    r.threshold[0] = w.threshold[0], r.threshold[1] = w.threshold[1];
    char again[1300];
    snprintf(again, sizeof again, "%s/again", dir);
    assert_int_equal(sqk_evaluation_write(&r, PRED, again), SQK_OK);
    static const char *const tables[] = {"per_class.csv", "confusion.csv", "events.csv"};
    for (int t = 0; t < 3; t++) {
        char *x = test_read_in(path, tables[t]), *y = test_read_in(again, tables[t]);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
    sqk_evaluation_free(&r);
    sqk_evaluation_free(&w);
}

/* A damaged events.csv: the error names the file and the line, nothing is returned. */
static void test_bad_events(void **s)
{
    (void)s;
    sqk_evaluation w, r;
    char path[1200], file[1300];
    write_folder("b", &w, path, sizeof path);
    sqk_evaluation_free(&w);
    snprintf(file, sizeof file, "%s/events.csv", path);
    static const struct { const char *text, *want; } cases[] = {
        {"event,id,kind,n_windows,n_correct,n_pred0,n_pred1,n_pred2,n_quiet,n_quiet_pred1,frac_correct,score,"
         "predicted_seismic,detected_code\n0,,quake,1,1,0,1,0,1,1,1,1,1,1\n", "events.csv line 2: kind 'quake'"},
        {"event,id,kind,n_windows\n0,,control,1\n", "events.csv line 1: no 'n_correct' column"},
        {"event,id,kind,n_windows,n_correct,n_pred0,n_pred1,n_pred2,n_quiet,n_quiet_pred1,frac_correct,score,"
         "predicted_seismic,detected_code\n0,,control,-4,1,0,1,0,1,1,1,1,1,1\n", "events.csv line 2"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        assert_int_equal(test_write_file(file, cases[c].text, strlen(cases[c].text)), 0);
        int st = sqk_evaluation_read(path, &r);
        if (st == SQK_OK || !strstr(sqk_last_error(), cases[c].want) || !strstr(sqk_last_error(), path))
            fail_msg("case %zu: status %d, message '%s' (wanted '%s')", c, st, sqk_last_error(), cases[c].want);
        assert_null(r.events.rows);
        assert_null(r.metrics);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_events),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
