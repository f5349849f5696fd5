/* Reading PRED.csv, the dataset facts and truth.csv: every kind of bad input gets a clear
 * message with the file and line, never a crash. */
#include "testutil.h"

#include "sqk/eval.h"
#include "sqk/h5.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "window,split,event,y_true,p0,p1,p2,y_pred\n"

static char *dir;

static int setup(void **s) { (void)s; dir = test_tmpdir(); return dir ? 0 : -1; }
static int teardown(void **s) { (void)s; test_rmtree(dir); free(dir); return 0; }

static const char *write_tmp(const char *name, const char *text)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    return path;
}

/* Reading text must fail with status st and a message containing each of the fragments. */
static void expect_bad(const char *text, int st, const char *frag1, const char *frag2)
{
    const char *path = write_tmp("bad.csv", text);
    sqk_pred p;
    int got = sqk_pred_read(path, &p);
    if (got != st) fail_msg("status %d (expected %d) for:\n%s\nmessage: %s", got, st, text, sqk_last_error());
    const char *msg = sqk_last_error();
    if (!strstr(msg, "bad.csv") || !strstr(msg, frag1) || (frag2 && !strstr(msg, frag2)))
        fail_msg("message '%s' lacks '%s' / '%s'", msg, frag1, frag2 ? frag2 : "");
    assert_null(p.window);
}

static void test_good_file(void **s)
{
    (void)s;
    /* Columns in another order, CRLF line ends, a blank line. */
    const char *path = write_tmp("ok.csv", "y_pred,window,split,event,y_true,p0,p1,p2\r\n"
                                           "1,10,2,4,1,0.1,0.8,0.1\r\n\r\n2,11,2,-1,2,0.2,0.2,0.6\r\n");
    sqk_pred p;
    assert_int_equal(sqk_pred_read(path, &p), SQK_OK);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.window[1], 11);
    assert_int_equal(p.event[0], 4);
    assert_int_equal(p.event[1], -1);
    assert_int_equal(p.y_pred[0], 1);
    assert_close(p.prob[1 * 3 + 2], 0.6, 0);
    assert_int_equal(p.line[1], 4);
    sqk_pred_free(&p);
}

static void test_bad_files(void **s)
{
    (void)s;
    expect_bad("", SQK_EEMPTY, "empty file", NULL);
    expect_bad(HEADER, SQK_EEMPTY, "no prediction rows", NULL);
    expect_bad("window,split,event,y_true,p0,p1,y_pred\n1,2,0,1,0.5,0.5,1\n", SQK_EFORMAT, "line 1", "'p2'");
    expect_bad(HEADER "1,2,0,1,0.2,0.5,0.3,1\n2,2,0,1,0.2,abc,0.5,1\n", SQK_EFORMAT, "line 3", "p1 'abc' is not a number");
    expect_bad(HEADER "1,2,0,1,0.2,nan,0.5,1\n", SQK_EFORMAT, "line 2", "p1 'nan' is not a number");
    expect_bad(HEADER "1,2,0,1.5,0.2,0.5,0.3,1\n", SQK_EFORMAT, "line 2", "y_true");
    expect_bad(HEADER "1,2,0,3,0.2,0.5,0.3,1\n", SQK_EVALUE, "line 2", "y_true = 3");
    expect_bad(HEADER "1,2,0,1,0.2,0.3,0.5,-1\n", SQK_EVALUE, "line 2", "y_pred = -1");
    expect_bad(HEADER "1,2,0,1,0.2,0.3,0.6,1\n", SQK_EVALUE, "line 2", "not 1");
    expect_bad(HEADER "1,2,0,1,-0.2,0.7,0.5,1\n", SQK_EVALUE, "line 2", "probability");
    expect_bad(HEADER "1,2,0,1,0.2,0.3,0.5\n", SQK_EFORMAT, "line 2", "7 fields");
    expect_bad(HEADER "-4,2,0,1,0.2,0.5,0.3,1\n", SQK_EVALUE, "line 2", "negative");
    expect_bad(HEADER "1,7,0,1,0.2,0.5,0.3,1\n", SQK_EVALUE, "line 2", "split 7");
    expect_bad(HEADER "1,2,-3,1,0.2,0.5,0.3,1\n", SQK_EVALUE, "line 2", "event -3");
    expect_bad(HEADER "5,2,0,1,0.2,0.5,0.3,1\n1,2,0,1,0.2,0.5,0.3,1\n5,2,0,1,0.2,0.5,0.3,1\n", SQK_EVALUE,
               "line 4: window 5", "already on line 2");
    /* y_pred must be the most probable class: a column that disagrees is refused, not trusted */
    expect_bad(HEADER "1,2,0,1,0.2,0.5,0.3,1\n2,2,0,0,0.1,0.3,0.6,0\n", SQK_EVALUE, "line 3",
               "y_pred = 0 but the most probable class is 2");
    expect_bad(HEADER "1,2,0,1,0.5,0.5,0,2\n", SQK_EVALUE, "line 2", "y_pred = 2 but the most probable class is 0");
    sqk_pred p;
    /* a printed tie: predict chose between probabilities that may differ beyond the file's
     * digits, so any of the tied classes is accepted */
    const char *tie = write_tmp("tie.csv", HEADER "1,2,0,1,0.4,0.4,0.2,0\n2,2,0,1,0.4,0.4,0.2,1\n");
    assert_int_equal(sqk_pred_read(tie, &p), SQK_OK);
    assert_int_equal(p.y_pred[1], 1);
    sqk_pred_free(&p);
    assert_int_equal(sqk_pred_read("no/such/file.csv", &p), SQK_EIO);
    assert_non_null(strstr(sqk_last_error(), "no/such/file.csv"));
}

/* A tiny dataset: 6 windows, 3 events. */
static void write_dataset(const char *path)
{
    const int32_t y[] = {1, 1, 0, 2, 0, 1};
    const uint8_t split[] = {0, 1, 1, 2, 2, 2};
    const int64_t event[] = {0, 1, 2, 2, -1, 0};
    const char *ids[] = {"us1000abc", "ci2000def", "ctl000001"};
    const uint8_t kind[] = {1, 1, 0};
    test_write_label_dataset(path, 6, y, split, event, 3, ids, kind);
}

static void test_dataset_checks(void **s)
{
    (void)s;
    char data[1024];
    snprintf(data, sizeof data, "%s/DATASET.h5", dir);
    write_dataset(data);
    sqk_eval_dataset d;
    assert_int_equal(sqk_eval_dataset_read(data, &d), SQK_OK);
    assert_int_equal(d.n_windows, 6);
    assert_int_equal(d.n_events, 3);
    assert_string_equal(d.event_id[1], "ci2000def");

    sqk_pred t, v;
    char tpath[1024], vpath[1024];
    snprintf(tpath, sizeof tpath, "%s", write_tmp("test.csv", HEADER "3,2,2,2,0.1,0.1,0.8,2\n"
                                                           "4,2,-1,0,0.5,0.3,0.2,0\n5,2,0,1,0.3,0.6,0.1,1\n"));
    snprintf(vpath, sizeof vpath, "%s", write_tmp("val.csv", HEADER "1,1,1,1,0.1,0.8,0.1,1\n2,1,2,0,0.6,0.3,0.1,0\n"));
    assert_int_equal(sqk_pred_read(tpath, &t), SQK_OK);
    assert_int_equal(sqk_pred_read(vpath, &v), SQK_OK);
    assert_int_equal(sqk_pred_check_dataset(&t, tpath, &d, data), SQK_OK);
    assert_int_equal(sqk_pred_check_dataset(&v, vpath, &d, data), SQK_OK);
    assert_int_equal(sqk_pred_check_pair(&t, tpath, &v, vpath), SQK_OK);

    /* Predictions of another dataset: a window past the end, a label that differs. */
    t.window[2] = 6;
    assert_int_equal(sqk_pred_check_dataset(&t, tpath, &d, data), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "line 4: window 6 is not in"));
    t.window[2] = 5;
    t.y_true[1] = 1;
    assert_int_equal(sqk_pred_check_dataset(&t, tpath, &d, data), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "line 3: window 4 has y_true = 1"));
    t.y_true[1] = 0;
    /* Validation rows must be validation windows and not overlap the test windows. */
    v.split[0] = 2;
    assert_int_equal(sqk_pred_check_pair(&t, tpath, &v, vpath), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "val.csv line 2: split 2"));
    v.split[0] = 1;
    v.window[1] = 4;
    v.event[1] = -1;
    assert_int_equal(sqk_pred_check_pair(&t, tpath, &v, vpath), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "overlap"));
    v.event[1] = 2;
    assert_int_equal(sqk_pred_check_pair(&t, tpath, &v, vpath), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "different datasets"));
    sqk_pred_free(&t);
    sqk_pred_free(&v);

    /* truth.csv matched by id; ids outside the dataset are counted, none inside is an error. */
    int64_t *planted;
    size_t np, nu;
    const char *truth = write_tmp("truth.csv", "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude\n"
                                               "ci2000def,2019-01-01T00:00:00Z,1,2,5.5,10,5,0.2\n"
                                               "xx9,2019-01-01T00:00:00Z,1,2,5.5,10,5,0.2\n");
    assert_int_equal(sqk_truth_read_match(truth, &d, data, &planted, &np, &nu), SQK_OK);
    assert_int_equal(np, 1);
    assert_int_equal(nu, 1);
    assert_int_equal(planted[0], 1);
    free(planted);
    truth = write_tmp("truth.csv", "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude\nzz8,2020-01-01T00:00:00Z,1,1,5,10,5,0.2\nzz9,2020-01-01T00:00:00Z,1,1,5,10,5,0.2\n");
    assert_int_equal(sqk_truth_read_match(truth, &d, data, &planted, &np, &nu), SQK_EVALUE);
    assert_non_null(strstr(sqk_last_error(), "truth.csv line 2: event_id 'zz8' is not in"));
    assert_non_null(strstr(sqk_last_error(), "another archive"));
    truth = write_tmp("truth.csv", "id,time\nci2000def,x\n");
    assert_int_equal(sqk_truth_read_match(truth, &d, data, &planted, &np, &nu), SQK_EFORMAT);
    truth = write_tmp("truth.csv", "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude\n");
    assert_int_equal(sqk_truth_read_match(truth, &d, data, &planted, &np, &nu), SQK_EEMPTY);
    sqk_eval_dataset_free(&d);

    /* Not a dataset. */
    const char *junk = write_tmp("junk.h5", "not hdf5");
    assert_int_equal(sqk_eval_dataset_read(junk, &d), SQK_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_dataset_checks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
