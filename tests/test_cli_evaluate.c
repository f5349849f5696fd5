/* ctest-labels: slow */
/* seqnetquake evaluate end to end: the evaluation folder, determinism, bad input. */
#include "testutil.h"

#include "sqk/core.h"
#include "sqk/h5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX "tests/fixtures/eval/"
#define HEADER "window,split,event,y_true,p0,p1,p2,y_pred\n"

static char *dir;

static int setup(void **s) { (void)s; dir = test_tmpdir(); return dir ? 0 : -1; }
static int teardown(void **s) { (void)s; test_rmtree(dir); free(dir); return 0; }

static void test_folder(void **s)
{
    (void)s;
    char *out = NULL;
    int rc = test_cli(&out, "evaluate --pred " FIX "events_a.pred.csv --val-pred " FIX "events_a.val.csv "
                            "--name 'run A' --bootstrap 200 --permutations 200 --seed 3 --no-figures --out %s/ev", dir);
    if (rc != 0) fail_msg("exit %d: %s", rc, out);
    assert_non_null(strstr(out, "MCC"));
    assert_non_null(strstr(out, "event level (threshold 0.21, chosen on validation)"));
    free(out);
    char ev[1024];
    snprintf(ev, sizeof ev, "%s/ev", dir);
    assert_int_equal(test_count_files(ev, ".tmp"), 0);
    char *json = test_read_in(ev, "metrics.json");
    assert_non_null(strstr(json, "\"label\": \"run A\""));
    assert_non_null(strstr(json, "\"f1_weighted\": "));
    assert_non_null(strstr(json, "\"threshold_source\": \"validation\""));
    assert_non_null(strstr(json, "\"resamples\": 200"));
    assert_non_null(strstr(json, "\"p_value\": "));
    free(json);
    char *t = test_read_in(ev, "per_class.csv");
    assert_true(!strncmp(t, "class,precision,recall,f1,support,auc\n0,", 40));
    free(t);
    t = test_read_in(ev, "confusion.csv");
    assert_true(!strncmp(t, "true,pred0,pred1,pred2\n0,", 25));
    free(t);
    t = test_read_in(ev, "roc.csv");
    assert_true(!strncmp(t, "class,threshold,fpr,tpr\n0,", 26));
    free(t);
    t = test_read_in(ev, "bootstrap.csv");
    assert_true(!strncmp(t, "metric,value,lo,hi\naccuracy,", 28));
    assert_non_null(strstr(t, "\nmcc,"));
    assert_non_null(strstr(t, "\nauc2,"));
    free(t);
    t = test_read_in(ev, "events.csv");
    assert_non_null(strstr(t, "\n0,,"));
    free(t);
    char *a = test_read_in(ev, "predictions.csv"), *b = test_read_file(FIX "events_a.pred.csv", NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

/* --null: the paired comparison's file, and predictions of unpaired datasets refused. */
static void test_null_corrected(void **s)
{
    (void)s;
    char *out = NULL;
    int rc = test_cli(&out, "evaluate --pred " FIX "events_a.pred.csv --val-pred " FIX "events_a.val.csv "
                            "--null " FIX "events_a.pred.csv --null-val-pred " FIX "events_a.val.csv "
                            "--pair " FIX "events_a.pred.csv," FIX "events_a.pred.csv "
                            "--bootstrap 100 --permutations 0 --no-figures --out %s/nc", dir);
    if (rc != 0) fail_msg("exit %d: %s", rc, out);
    assert_non_null(strstr(out, "null-corrected skill (planted - paired null archive, 2 pairs"));
    free(out);
    char ev[1024];
    snprintf(ev, sizeof ev, "%s/nc", dir);
    char *t = test_read_in(ev, "null_corrected.csv");
    assert_true(!strncmp(t, "metric,planted,planted_lo,planted_hi,null,null_lo,null_hi,diff,diff_lo,diff_hi,"
                            "p_diff,n_pairs,n_units\nmcc_seismic_vs_control,", 112));
    assert_non_null(strstr(t, ",0,0,0,1,2,")); /* identical sides: difference 0 everywhere, p 1 */
    free(t);
    rc = test_cli(&out, "evaluate --pred " FIX "events_a.pred.csv --null " FIX "events_b.pred.csv "
                        "--no-figures --out %s/never", dir);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "not predictions of paired datasets"));
    assert_non_null(strstr(out, "events_b.pred.csv"));
    free(out);
    rc = test_cli(&out, "evaluate --pred " FIX "events_a.pred.csv --val-pred " FIX "events_a.val.csv --null "
                        FIX "events_a.pred.csv --no-figures --out %s/never", dir);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "--null-val-pred"));
    free(out);
    assert_int_equal(test_count_files(dir, "never"), 0);
}

static void test_same_seed_same_folder(void **s)
{
    (void)s;
    const char *args = "evaluate --pred " FIX "random_skill.pred.csv --bootstrap 100 --permutations 100 "
                       "--seed 9 --no-figures --quiet";
    char *o1 = NULL, *o2 = NULL;
    setenv("OMP_NUM_THREADS", "1", 1);
    assert_int_equal(test_cli(&o1, "%s --out %s/s1", args, dir), 0);
    setenv("OMP_NUM_THREADS", "2", 1);
    assert_int_equal(test_cli(&o2, "%s --out %s/s2", args, dir), 0);
    assert_string_equal(o1, ""); /* --quiet */
    free(o1);
    free(o2);
    char d1[1024], d2[1024];
    snprintf(d1, sizeof d1, "%s/s1", dir);
    snprintf(d2, sizeof d2, "%s/s2", dir);
    const char *files[] = {"bootstrap.csv", "roc.csv", "per_class.csv"};
    for (int i = 0; i < 3; i++) {
        char *a = test_read_in(d1, files[i]), *b = test_read_in(d2, files[i]);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    char *a = test_read_in(d1, "metrics.json");
    assert_non_null(strstr(a, "\"threshold_source\": \"default\""));
    free(a);
}

/* Bad input: a message naming the file and line, a non-zero exit and no folder written. */
static void expect_fail(const char *pred_text, const char *extra, int want_rc, const char *frag)
{
    char pred[1024], out_dir[1024];
    snprintf(pred, sizeof pred, "%s/p.csv", dir);
    snprintf(out_dir, sizeof out_dir, "%s/never", dir);
    assert_int_equal(test_write_file(pred, pred_text, strlen(pred_text)), 0);
    char *out = NULL;
    int rc = test_cli(&out, "evaluate --pred %s %s --no-figures --out %s", pred, extra, out_dir);
    if (rc != want_rc || !strstr(out, frag)) fail_msg("exit %d, output '%s' (wanted %d and '%s')", rc, out, want_rc, frag);
    free(out);
    assert_int_equal(test_count_files(dir, "never"), 0);
}

static void test_bad_input(void **s)
{
    (void)s;
    expect_fail("", "", 1, "p.csv: empty file");
    expect_fail("window,split,y_true,p0,p1,p2,y_pred\n", "", 1, "no 'event' column in the header");
    expect_fail(HEADER "0,2,-1,1,0.1,0.8,x,1\n", "", 1, "p.csv line 2: p2 'x' is not a number");
    expect_fail(HEADER "0,2,-1,1,0.1,0.8,0.3,1\n", "", 1, "line 2: p0 + p1 + p2 = 1.2");
    expect_fail(HEADER "0,2,-1,5,0.1,0.8,0.1,1\n", "", 1, "y_true = 5 is not a class");
    expect_fail(HEADER "0,2,-1,1,0.1,0.8,0.1,1\n", "--bootstrap many", 2, "--bootstrap wants an integer in 0..10000000, not 'many'");
    expect_fail(HEADER "0,2,-1,1,0.1,0.8,0.1,1\n", "--truth t.csv", 2, "--truth needs --data");
    char val[1024], extra[1100];
    snprintf(val, sizeof val, "%s/v.csv", dir);
    const char *vt = HEADER "0,1,-1,2,0.1,0.8,0.1,1\n";
    assert_int_equal(test_write_file(val, vt, strlen(vt)), 0);
    snprintf(extra, sizeof extra, "--val-pred %s", val);
    expect_fail(HEADER "0,2,-1,1,0.1,0.8,0.1,1\n", extra, 1, "v.csv line 2: window 0 is also in");
    expect_fail(HEADER "0,2,-1,1,0.1,0.8,0.1,1\n", "--data /nonexistent.h5", 1, "/nonexistent.h5");
    char *out = NULL;
    assert_int_equal(test_cli(&out, "evaluate --out x"), 2);
    assert_non_null(strstr(out, "--pred is required"));
    free(out);
    assert_int_equal(test_cli(&out, "evaluate --help"), 0);
    assert_non_null(strstr(out, "--val-pred"));
    free(out);
}

/* A dataset of 8 windows in 4 events and a truth.csv naming two of them. */
static void write_dataset(const char *path)
{
    const int32_t y[] = {1, 0, 1, 1, 1, 0, 0, 2};
    const uint8_t split[] = {1, 1, 2, 2, 2, 2, 2, 2};
    const int64_t event[] = {0, 1, 2, 2, 3, 1, 1, -1};
    const char *ids[] = {"ev0", "ctl1", "ev2", "ev3"};
    const uint8_t kind[] = {1, 0, 1, 1};
    test_write_label_dataset(path, 8, y, split, event, 4, ids, kind);
}

static void test_dataset_and_truth(void **s)
{
    (void)s;
    char data[1024], pred[1024], val[1024], truth[1024];
    snprintf(data, sizeof data, "%s/D.h5", dir);
    snprintf(pred, sizeof pred, "%s/test.csv", dir);
    snprintf(val, sizeof val, "%s/val.csv", dir);
    snprintf(truth, sizeof truth, "%s/truth.csv", dir);
    write_dataset(data);
    const char *tp = HEADER "2,2,2,1,0.1,0.8,0.1,1\n3,2,2,1,0.5,0.3,0.2,0\n4,2,3,1,0.6,0.3,0.1,0\n"
                     "5,2,1,0,0.7,0.2,0.1,0\n6,2,1,0,0.2,0.7,0.1,1\n7,2,-1,2,0.1,0.1,0.8,2\n";
    const char *vp = HEADER "0,1,0,1,0.1,0.8,0.1,1\n1,1,1,0,0.8,0.1,0.1,0\n";
    const char *tr = "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude\n"
                     "ev2,2020-01-01T00:00:00Z,1,1,5,10,5,0.2\nev3,2020-02-01T00:00:00Z,1,1,5,10,5,0.2\n";
    assert_int_equal(test_write_file(pred, tp, strlen(tp)), 0);
    assert_int_equal(test_write_file(val, vp, strlen(vp)), 0);
    assert_int_equal(test_write_file(truth, tr, strlen(tr)), 0);
    char *out = NULL;
    int rc = test_cli(&out, "evaluate --pred %s --val-pred %s --data %s --truth %s --bootstrap 50 "
                            "--permutations 50 --no-figures --out %s/dt", pred, val, data, truth, dir);
    if (rc != 0) fail_msg("exit %d: %s", rc, out);
    assert_non_null(strstr(out, "recovery of 2 tested planted precursors: 0.500 any window"));
    free(out);
    char d[1024];
    snprintf(d, sizeof d, "%s/dt", dir);
    char *json = test_read_in(d, "metrics.json");
    assert_non_null(strstr(json, "\"kinds_from\": \"dataset events/kind\""));
    assert_non_null(strstr(json, "\"planted\": 2"));
    free(json);
    char *ev = test_read_in(d, "events.csv");
    assert_non_null(strstr(ev, "\n2,ev2,earthquake,2,1,"));
    assert_non_null(strstr(ev, "\n1,ctl1,control,2,1,"));
    free(ev);
    char *bs = test_read_in(d, "bootstrap.csv");
    assert_non_null(strstr(bs, "\nrecovery_any_window,0.5,"));
    free(bs);

    /* A truth.csv naming events outside the dataset (counted), then one of another archive. */
    const char *wider = "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude\nev2,2020-01-01T00:00:00Z,1,1,5,10,5,0.2\nother,2020-01-01T00:00:00Z,1,1,5,10,5,0.2\n";
    assert_int_equal(test_write_file(truth, wider, strlen(wider)), 0);
    rc = test_cli(&out, "evaluate --pred %s --data %s --truth %s --no-figures --out %s/x0", pred, data, truth, dir);
    if (rc != 0) fail_msg("exit %d: %s", rc, out);
    assert_non_null(strstr(out, "1 planted precursors of truth.csv are not events of this dataset"));
    free(out);
    const char *bad_truth = "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude\nnope,2020-01-01T00:00:00Z,1,1,5,10,5,0.2\nnope2,2020-01-01T00:00:00Z,1,1,5,10,5,0.2\n";
    assert_int_equal(test_write_file(truth, bad_truth, strlen(bad_truth)), 0);
    rc = test_cli(&out, "evaluate --pred %s --data %s --truth %s --no-figures --out %s/x1", pred, data, truth, dir);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "truth.csv line 2: event_id 'nope' is not in"));
    free(out);
    const char *other = HEADER "2,2,2,0,0.1,0.8,0.1,1\n";
    assert_int_equal(test_write_file(pred, other, strlen(other)), 0);
    rc = test_cli(&out, "evaluate --pred %s --data %s --no-figures --out %s/x2", pred, data, dir);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "test.csv line 2: window 2 has y_true = 0"));
    free(out);
    assert_int_equal(test_count_files(dir, "x1"), 0);
    assert_int_equal(test_count_files(dir, "x2"), 0);
}

/* The figures of the folder are drawn at the end (src/figures), and the default label of a
 * generically named PRED.csv is its folder's name. */
static void test_figures(void **s)
{
    (void)s;
    char d[1024], cmd[2200], *out = NULL;
    snprintf(d, sizeof d, "%s/modelA", dir);
    snprintf(cmd, sizeof cmd, "mkdir -p %s && cp " FIX "events_a.pred.csv %s/PRED.csv", d, d);
    assert_int_equal(system(cmd), 0);
    int rc = test_cli(&out, "evaluate --pred %s/PRED.csv --bootstrap 20 --permutations 20 --quiet --out %s/fig", d, dir);
    if (rc != 0) fail_msg("exit %d: %s", rc, out);
    free(out);
    snprintf(d, sizeof d, "%s/fig/figures", dir);
    assert_true(test_count_files(d, "roc.png") == 1);
    assert_true(test_count_files(d, "confusion.png") == 1);
    snprintf(d, sizeof d, "%s/fig", dir);
    char *json = test_read_in(d, "metrics.json");
    assert_non_null(strstr(json, "\"name\": \"modelA\""));
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folder),
        cmocka_unit_test(test_null_corrected),
        cmocka_unit_test(test_same_seed_same_folder),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_dataset_and_truth),
        cmocka_unit_test(test_figures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
