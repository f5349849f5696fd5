/* ctest-labels: slow */
/* kill -9 at random moments of synth, build, train and evaluate, then the same command: the
 * results equal an uninterrupted run's (same seed, one thread), and nothing mixed is ever
 * left: no dataset without its summary, no model file from a killed train, no evaluation folder
 * that is neither the old one nor the new one whole, no temporary of a dead run. A tiny
 * archive (6 days of CSES) keeps it short; tune's search is killed in test_cli_tune. The kill
 * moments are drawn from SQK_TEST_SEED (printed). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;

#define SYNTH "synth --out %s/%s --cses-days 6 --satellites cses --seed 3 --threads 1 --quiet"
#define BUILD "build --archive %s/%s --out %s/%s --threads 1 --quiet"
#define TRAIN                                                                                      \
    "train --data %s/ds.h5 --out %s/%s.h5 --log %s/%s.csv --set units_lstm=8 --set units_fc=8 "  \
    "--set num_cnn_layers=1 --set epochs=40 --set patience=0 --threads 1 --quiet"
#define EVALUATE "evaluate --pred %s/pred.csv --data %s/ds.h5 --name %s --out %s/%s --no-figures --quiet"

static int setup(void **state)
{
    (void)state;
    dir = test_tmpdir();
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    test_rmtree(dir);
    free(dir);
    return 0;
}

static int exists(const char *name)
{
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

/* 1 when the two files or folders under dir hold the same bytes. */
static int same(const char *a, const char *b)
{
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "diff -r -q '%s/%s' '%s/%s' >/dev/null 2>&1", dir, a, dir, b);
    return system(cmd) == 0;
}

/* An epoch log without its seconds column. */
static char *log_without_seconds(const char *name)
{
    return test_drop_last_column(test_read_in(dir, name));
}

static void report_run(const char *what, int k, int r, double delay, double full_s)
{
    printf("  %s run %d: %s after %.2f s (an uninterrupted run took %.2f s)\n", what, k + 1,
           r ? "killed" : "finished", delay, full_s);
}

static void test_synth_and_build(void **state)
{
    (void)state;
    char *out = NULL;
    double t0 = test_now();
    assert_int_equal(test_cli(NULL, SYNTH, dir, "arc"), 0);
    double full_s = test_now() - t0;
    /* synth: a killed archive is refused by build, naming it and how to finish it */
    int kills = 0;
    char cmd[9000];
    for (int k = 0; k < 6 && kills < 3; k++) {
        double delay = test_kill_delay(0.05, 0.7 * full_s);
        int r = test_cli_killed(delay, SYNTH, dir, "karc");
        report_run("synth", k, r, delay, full_s);
        assert_true(r >= 0);
        kills += r;
        snprintf(cmd, sizeof cmd, "rm -rf %s/karc", dir);
        if (!r) assert_int_equal(system(cmd), 0); /* it finished first: start again, to be killed */
        if (r && exists("karc/cses")) {
            assert_false(exists("karc/synth.txt"));
            assert_int_equal(test_cli(&out, BUILD, dir, "karc", dir, "k.h5"), 1);
            char want[4200];
            snprintf(want, sizeof want, "%s/karc is an incomplete synthetic archive", dir);
            if (!strstr(out, want) || !strstr(out, "synth.partial")) fail_msg("unexpected message: %s", out);
            free(out);
            assert_false(exists("k.h5"));
        }
    }
    assert_true(kills >= 1);
    assert_int_equal(test_cli(NULL, SYNTH, dir, "karc"), 0);
    assert_true(same("arc", "karc"));

    /* build: the dataset and its summary appear together or not at all */
    t0 = test_now();
    assert_int_equal(test_cli(NULL, BUILD, dir, "arc", dir, "ds.h5"), 0);
    full_s = test_now() - t0;
    kills = 0;
    for (int k = 0; k < 3; k++) {
        double delay = test_kill_delay(0.02, 0.7 * full_s);
        int r = test_cli_killed(delay, BUILD, dir, "arc", dir, "kds.h5");
        report_run("build", k, r, delay, full_s);
        assert_true(r >= 0);
        kills += r;
        if (exists("kds.h5")) assert_true(exists("kds.h5.summary.txt")); /* the dataset is the commit */
        if (exists("kds.h5")) assert_true(same("ds.h5", "kds.h5") && same("ds.h5.summary.txt", "kds.h5.summary.txt"));
        if (!r) break;
    }
    assert_int_equal(test_cli(NULL, BUILD, dir, "arc", dir, "kds.h5"), 0);
    assert_true(same("ds.h5", "kds.h5") && same("ds.h5.summary.txt", "kds.h5.summary.txt"));
    assert_int_equal(test_count_files(dir, ".tmp."), 0);
}

static void test_train_and_evaluate(void **state)
{
    (void)state;
    if (!exists("ds.h5")) skip();
    char *out = NULL;
    double t0 = test_now();
    assert_int_equal(test_cli(NULL, TRAIN, dir, dir, "m", dir, "m"), 0);
    double full_s = test_now() - t0;
    /* train: killed at any moment it leaves no model; --resume ends bit for bit as the
     * uninterrupted run, model and log */
    int kills = 0;
    char cmd[9000];
    for (int k = 0; k < 8 && kills < 3; k++) {
        double delay = test_kill_delay(0.05, 0.8 * full_s);
        int r = kills == 0 ? test_cli_killed(delay, TRAIN, dir, dir, "km", dir, "km")
                           : test_cli_killed(delay, TRAIN " --resume", dir, dir, "km", dir, "km");
        report_run("train", k, r, delay, full_s);
        assert_true(r >= 0);
        kills += r;
        /* killed before the commit: no model; killed after it (while the checkpoint is
         * removed or the process exits): the whole model and log, as an uninterrupted run's */
        if (r && exists("km.h5")) {
            assert_true(same("m.h5", "km.h5"));
            char *log = log_without_seconds("m.csv"), *klog = log_without_seconds("km.csv");
            assert_string_equal(log, klog);
            free(log);
            free(klog);
            kills -= r;
            r = 0;
        }
        snprintf(cmd, sizeof cmd, "rm -f %s/km.h5 %s/km.csv %s/km.h5.checkpoint", dir, dir, dir);
        if (!r) assert_int_equal(system(cmd), 0); /* it finished first: start again, to be killed */
    }
    assert_true(kills >= 1);
    assert_int_equal(test_cli(&out, TRAIN " --resume", dir, dir, "km", dir, "km"), 0);
    free(out);
    assert_true(same("m.h5", "km.h5"));
    char *log = log_without_seconds("m.csv"), *klog = log_without_seconds("km.csv");
    assert_string_equal(log, klog);
    free(log);
    free(klog);
    assert_false(exists("km.h5.checkpoint"));
    /* a log that cannot be written (a folder) fails before training, and no model is left */
    char logdir[4200];
    snprintf(logdir, sizeof logdir, "%s/logdir", dir);
    assert_int_equal(mkdir(logdir, 0777), 0);
    assert_int_equal(test_cli(&out, "train --data %s/ds.h5 --out %s/lm.h5 --log %s --set epochs=2 --quiet", dir, dir, logdir), 1);
    if (!strstr(out, logdir)) fail_msg("unexpected message: %s", out);
    free(out);
    assert_false(exists("lm.h5"));
    /* a checkpoint of other hyperparameters is refused by name; the run's own goes on */
    for (int k = 0; k < 10 && !exists("ck.h5.checkpoint"); k++) {
        snprintf(cmd, sizeof cmd, "rm -f %s/ck.h5 %s/ck.csv", dir, dir);
        assert_int_equal(system(cmd), 0);
        test_cli_killed(0.5 * full_s, TRAIN, dir, dir, "ck", dir, "ck");
    }
    if (exists("ck.h5.checkpoint")) {
        assert_int_equal(test_cli(&out, TRAIN " --resume --set lr=0.01", dir, dir, "ck", dir, "ck"), 2);
        if (!strstr(out, "ck.h5.checkpoint was written by a training run with other hyperparameters"))
            fail_msg("unexpected message: %s", out);
        free(out);
        assert_int_equal(test_cli(NULL, TRAIN " --resume", dir, dir, "ck", dir, "ck"), 0);
        assert_true(same("m.h5", "ck.h5"));
        printf("  a checkpoint of other hyperparameters was refused, its own run resumed\n");
    }
    /* a file that is not a checkpoint is refused by name */
    assert_int_equal(test_cli(NULL, TRAIN, dir, dir, "m2", dir, "m2"), 0);
    char ck[4200], ck2[8600];
    snprintf(ck, sizeof ck, "%s/m.h5.checkpoint", dir);
    snprintf(ck2, sizeof ck2, "cp %s/m2.h5 %s", dir, ck);
    assert_int_equal(system(ck2), 0);
    assert_int_equal(test_cli(&out, TRAIN " --resume --set lr=0.01", dir, dir, "m", dir, "m"), 1);
    if (!strstr(out, ck) || !strstr(out, "not a seqnetquake training checkpoint")) fail_msg("unexpected message: %s", out);
    free(out);

    /* evaluate into a folder holding an earlier evaluation (with a figure): after every kill the
     * folder is the old one or the new one, whole; the rerun gives the new one */
    assert_int_equal(test_cli(NULL, "predict --model %s/km.h5 --data %s/ds.h5 --out %s/pred.csv --quiet", dir, dir, dir), 0);
    assert_int_equal(test_cli(NULL, EVALUATE, dir, dir, "new", dir, "ev"), 0);
    assert_int_equal(test_cli(NULL, EVALUATE, dir, dir, "old", dir, "old"), 0);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/old/figures && echo png > %s/old/figures/confusion.png && cp -r %s/old %s/kev",
             dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    t0 = test_now();
    assert_int_equal(test_cli(NULL, EVALUATE, dir, dir, "new", dir, "ev2"), 0);
    full_s = test_now() - t0;
    for (int k = 0; k < 4; k++) {
        double delay = test_kill_delay(0.01, full_s);
        int r = test_cli_killed(delay, EVALUATE, dir, dir, "new", dir, "kev");
        report_run("evaluate", k, r, delay, full_s);
        assert_true(r >= 0);
        if (!same("old", "kev") && !same("ev", "kev")) fail_msg("after a kill at %.2f s the folder is neither whole", delay);
        if (!r) break;
    }
    assert_int_equal(test_cli(NULL, EVALUATE, dir, dir, "new", dir, "kev"), 0);
    assert_true(same("ev", "kev"));
    assert_false(exists("kev/figures"));
    assert_int_equal(test_count_files(dir, ".tmp."), 0);
    assert_int_equal(test_count_files(dir, ".old."), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synth_and_build),
        cmocka_unit_test(test_train_and_evaluate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
