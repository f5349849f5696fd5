/* ctest-labels: slow */
/* seqnetquake tune on a small hand-made dataset: writes BEST.txt and the trial log, is
 * deterministic for a seed, never looks at the test split, and train --params BEST.txt
 * reproduces the best trial; bad params files and bad options are clear errors; killed at
 * random moments and rerun, a search ends as an uninterrupted one. */
#include "testutil.h"
#include "sqk/core.h"
#include "sqk/h5.h"
#include "sqk/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Contract layout; class 1 / 2 = a bump early / late in feature 0, class 0 = noise. Splits
 * 60/20/20 by row (or no validation rows). poison_test: the test rows hold nonsense (a constant 1e30, class 2). */
static void write_dataset(const char *path, size_t N, int poison_test, int no_validation)
{
    const int T = 20, F = 2;
    float *X = malloc(sizeof(float) * N * T * F);
    int32_t *y = malloc(sizeof(int32_t) * N);
    uint8_t *split = malloc(N);
    int64_t *event = malloc(sizeof(int64_t) * N);
    sqk_rng r;
    sqk_rng_seed(&r, 42);
    for (size_t i = 0; i < N; i++) {
        y[i] = (int32_t)(i % 3);
        split[i] = i < N * 6 / 10 ? 0 : i < N * 8 / 10 ? (no_validation ? 0 : 1) : 2;
        event[i] = (int64_t)(i / 4);
        int centre = (y[i] == 1 ? T / 4 : 3 * T / 4) + (int)sqk_rng_below(&r, 5) - 2;
        for (int t = 0; t < T; t++)
            for (int f = 0; f < F; f++) {
                double v = 1000.0 * (f + 1) + 80.0 * sqk_rng_normal(&r);
                if (y[i] && f == 0) v += 150.0 * exp(-0.5 * (t - centre) * (t - centre));
                X[((size_t)i * T + t) * F + f] = (float)v;
            }
        if (poison_test && split[i] == 2) {
            y[i] = 2;
            for (int k = 0; k < T * F; k++) X[i * T * F + k] = 1e30f;
        }
    }
    test_write_window_dataset(path, N, T, F, X, y, split, event, "Ne,Te", "T=20\n");
    free(X); free(y); free(split); free(event);
}

typedef struct {
    char *dir;
    char data[512], poisoned[512], noval[512];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    fx->dir = test_tmpdir();
    snprintf(fx->data, sizeof fx->data, "%s/data.h5", fx->dir);
    snprintf(fx->poisoned, sizeof fx->poisoned, "%s/poisoned.h5", fx->dir);
    snprintf(fx->noval, sizeof fx->noval, "%s/noval.h5", fx->dir);
    write_dataset(fx->data, 150, 0, 0);
    write_dataset(fx->poisoned, 150, 1, 0);
    write_dataset(fx->noval, 150, 0, 1);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    test_rmtree(fx->dir);
    free(fx->dir);
    free(fx);
    return 0;
}

static void test_tune_gbm_and_train_params(void **state)
{
    fixture *fx = *state;
    char *out = NULL;
    int rc = test_cli(&out, "tune --data %s --model gbm --trials 5 --seed 3 --out %s/best.txt --log %s/trials.csv --quiet",
                      fx->data, fx->dir, fx->dir);
    if (rc) fail_msg("tune failed: %s", out);
    free(out);
    char *best = test_read_in(fx->dir, "best.txt");
    assert_non_null(strstr(best, "learning_rate="));
    assert_non_null(strstr(best, "seed=3\n"));
    char *log = test_read_in(fx->dir, "trials.csv");
    const char *header = "trial,learning_rate,subsample,max_depth,max_features,min_samples_leaf,"
                         "n_estimators,scale,normalize,val_f1,ok,epochs_run,pruned,val_f1_curve,seconds\n";
    assert_true(!strncmp(log, header, strlen(header)));
    int lines = 0;
    double best_f1 = -1;
    for (char *l = strchr(log, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
        lines++;
        char *c = l + 1, *last = strchr(c, '\n');
        int commas = 0;
        for (char *q = last; q > c; q--)
            if (*q == ',' && ++commas == 6) {
                double f1 = atof(q + 1);
                if (f1 > best_f1) best_f1 = f1;
                break;
            }
    }
    assert_int_equal(lines, 5);
    assert_true(best_f1 > 0.5);
    assert_int_equal(test_count_files(fx->dir, ".tmp"), 0);

    /* same seed: the same trials and the same choice */
    assert_int_equal(test_cli(NULL, "tune --data %s --model gbm --trials 5 --seed 3 --out %s/best2.txt --log %s/trials2.csv --quiet",
                              fx->data, fx->dir, fx->dir), 0);
    char *best2 = test_read_in(fx->dir, "best2.txt"), *log2 = test_read_in(fx->dir, "trials2.csv");
    assert_string_equal(best, best2);
    assert_string_equal(test_drop_last_column(log), test_drop_last_column(log2));
    /* the test split is never used: poisoning it changes nothing */
    assert_int_equal(test_cli(NULL, "tune --data %s --model gbm --trials 5 --seed 3 --out %s/best3.txt --log %s/trials3.csv --quiet",
                              fx->poisoned, fx->dir, fx->dir), 0);
    char *best3 = test_read_in(fx->dir, "best3.txt"), *log3 = test_read_in(fx->dir, "trials3.csv");
    assert_string_equal(best, best3);
    assert_string_equal(log, test_drop_last_column(log3));

    /* train --params reproduces the best trial's validation F1 */
    rc = test_cli(&out, "train --data %s --model gbm --params %s/best.txt --out %s/model.h5", fx->data, fx->dir, fx->dir);
    if (rc) fail_msg("train --params failed: %s", out);
    char want[32];
    snprintf(want, sizeof want, "val F1 %.4f", best_f1);
    if (!strstr(out, want)) fail_msg("expected '%s' in: %s", want, out);
    free(out);
    /* inspect recognises the model file and lists what it was trained with */
    assert_int_equal(test_cli(&out, "inspect %s/model.h5", fx->dir), 0);
    assert_non_null(strstr(out, "seqnetquake model, gbm"));
    assert_non_null(strstr(out, "T = 20 samples x F = 2 features (Ne,Te)"));
    assert_non_null(strstr(out, "learning_rate="));
    free(out);
    /* --set after the file wins */
    assert_int_equal(test_cli(NULL, "train --data %s --model gbm --params %s/best.txt --set n_estimators=3 --out %s/model2.h5 --quiet",
                              fx->data, fx->dir, fx->dir), 0);
    free(best); free(best2); free(best3); free(log); free(log2); free(log3);
}

static void test_tune_dnn_epoch_cap(void **state)
{
    fixture *fx = *state;
    char *out = NULL;
    int rc = test_cli(&out, "tune --data %s --model dnn --trials 3 --max-epochs 2 --out %s/dnn.txt --log %s/dnn.csv --quiet",
                      fx->data, fx->dir, fx->dir);
    if (rc) fail_msg("tune dnn failed: %s", out);
    free(out);
    char *best = test_read_in(fx->dir, "dnn.txt");
    assert_true(strstr(best, "epochs=2\n") || strstr(best, "epochs=1\n"));
    assert_non_null(strstr(best, "optimizer="));
    char *log = test_read_in(fx->dir, "dnn.csv");
    assert_non_null(strstr(log, ",optimizer,lr,momentum,val_f1,ok,epochs_run,pruned,val_f1_curve,seconds\n"));
    free(best);
    free(log);
}

/* The value in a log line of the column named ",name" in the header. */
static double log_field(const char *header, const char *line, const char *name)
{
    int col = 0;
    const char *h = header;
    for (const char *c = strstr(header, name); h <= c; h++) col += *h == ',';
    const char *v = line;
    for (int i = 0; i < col; i++) v = strchr(v, ',') + 1;
    return atof(v);
}

static void test_tune_pruning_deterministic(void **state)
{
    fixture *fx = *state;
    char *out = NULL;
    const char *cmd = "tune --data %s --model dnn --trials 8 --startup 4 --max-epochs 6 --seed 5 "
                      "--pruner asha --min-resource 1 --reduction-factor 2 --out %s/%s.txt --log %s/%s.csv --quiet%s";
    char curves_opt[600];
    snprintf(curves_opt, sizeof curves_opt, " --curves %s/curves.csv", fx->dir);
    int rc = test_cli(&out, cmd, fx->data, fx->dir, "asha1", fx->dir, "asha1", curves_opt);
    if (rc) fail_msg("tune --pruner asha failed: %s", out);
    free(out);
    /* the same search in two goes (3 trials, then continued from the log to 8): the pruner hears
     * the logged curves again and the search ends as the uninterrupted one */
    const char *cmd3 = "tune --data %s --model dnn --trials 3 --startup 4 --max-epochs 6 --seed 5 "
                       "--pruner asha --min-resource 1 --reduction-factor 2 --out %s/%s.txt --log %s/%s.csv --quiet";
    assert_int_equal(test_cli(NULL, cmd3, fx->data, fx->dir, "asha2", fx->dir, "asha2"), 0);
    assert_int_equal(test_cli(NULL, cmd, fx->data, fx->dir, "asha2", fx->dir, "asha2", ""), 0);
    char *log1 = test_read_in(fx->dir, "asha1.csv"), *log2 = test_read_in(fx->dir, "asha2.csv");
    char *best1 = test_read_in(fx->dir, "asha1.txt"), *best2 = test_read_in(fx->dir, "asha2.txt");
    assert_string_equal(test_drop_last_column(log1), test_drop_last_column(log2));
    assert_string_equal(best1, best2);
    /* pruned rows: stopped at a rung (1, 2 or 4 epochs) with their F1 there; the best trial
     * (BEST.txt's) ran to its end */
    char *header = log1, *nl = strchr(log1, '\n');
    *nl = 0;
    int pruned = 0, finished = 0, epochs_run = 0;
    double best_f1 = -1, best_pruned_f1 = -1;
    for (char *l = nl + 1; *l; l = strchr(l, '\n') + 1) {
        int epochs = (int)log_field(header, l, ",epochs_run"), p = (int)log_field(header, l, ",pruned");
        double f1 = log_field(header, l, ",val_f1");
        assert_true(epochs >= 1 && epochs <= 6);
        epochs_run += epochs;
        if (p) {
            pruned++;
            if (epochs != 1 && epochs != 2 && epochs != 4) fail_msg("pruned off a rung: %s", l);
            if (f1 > best_pruned_f1) best_pruned_f1 = f1;
        } else {
            finished++;
            if (f1 > best_f1) best_f1 = f1;
        }
    }
    assert_int_equal(pruned + finished, 8);
    if (pruned < 1 || finished < 1) fail_msg("expected pruned and finished trials: %d pruned", pruned);
    assert_true(best_f1 > 0);
    /* the learning curves: one row per epoch trained */
    char *curves = test_read_in(fx->dir, "curves.csv");
    int rows = -1;
    for (char *c = curves; (c = strchr(c, '\n')); c++) rows++;
    assert_int_equal(rows, epochs_run);
    assert_true(!strncmp(curves, "trial,epoch,val_f1\n1,1,", 23));
    free(curves);
    free(log1); free(log2); free(best1); free(best2);
    /* an unknown pruner is refused before anything runs */
    assert_int_equal(test_cli(&out, "tune --data %s --model dnn --pruner hyperband --out %s/hb.txt", fx->data, fx->dir), 2);
    assert_non_null(strstr(out, "hyperband"));
    free(out);
    assert_int_equal(test_count_files(fx->dir, "hb.txt"), 0);
}

/* --patience: every trial ends at its epoch cap or `patience` epochs after its best epoch (the
 * first of its highest F1), BEST.txt keeps the patience it ran with; a log written with another
 * patience is refused when continued, and a kind without early stopping refuses it. */
static void test_tune_patience(void **state)
{
    fixture *fx = *state;
    char *out = NULL;
    const char *cmd = "tune --data %s --model dnn --trials 5 --startup 5 --max-epochs 8 --seed 3 --patience %d "
                      "--out %s/pat.txt --log %s/pat.csv --quiet";
    int rc = test_cli(&out, cmd, fx->data, 1, fx->dir, fx->dir);
    if (rc) fail_msg("tune --patience failed: %s", out);
    free(out);
    char *log = test_read_in(fx->dir, "pat.csv"), *header = log, *nl = strchr(log, '\n');
    *nl = 0;
    int rows = 0, early = 0;
    for (char *l = nl + 1; *l; rows++) {
        char *end = strchr(l, '\n');
        *end = 0;
        int epochs = (int)log_field(header, l, ",epochs_run"), cap = (int)log_field(header, l, ",epochs");
        char *curve = strrchr(l, ','); /* ...,val_f1_curve,seconds */
        *curve = 0;
        curve = strrchr(l, ',') + 1;
        double best = -1;
        int best_epoch = 0, e = 0;
        for (char *c = strtok(curve, ";"); c; c = strtok(NULL, ";")) {
            e++;
            if (atof(c) > best) best = atof(c), best_epoch = e;
        }
        assert_int_equal(e, epochs);
        if (epochs != cap) assert_int_equal(epochs, best_epoch + 1);
        early += epochs < cap;
        l = end + 1;
    }
    assert_int_equal(rows, 5);
    assert_true(early >= 1);
    char *best = test_read_in(fx->dir, "pat.txt");
    assert_non_null(strstr(best, "\npatience=1\n"));
    free(best);
    free(log);
    /* continued with another patience: refused, naming the option */
    assert_int_equal(test_cli(&out, cmd, fx->data, 4, fx->dir, fx->dir), 1);
    assert_non_null(strstr(out, "--patience"));
    free(out);
    assert_int_equal(test_cli(&out, "tune --data %s --model gbm --patience 2 --out %s/gp.txt", fx->data, fx->dir), 2);
    assert_non_null(strstr(out, "a gbm trains no epochs"));
    free(out);
    assert_int_equal(test_count_files(fx->dir, "gp.txt"), 0);
}

static void test_params_errors(void **state)
{
    fixture *fx = *state;
    char path[600], *out = NULL;
    snprintf(path, sizeof path, "%s/params.txt", fx->dir);
    const char *bad = "# chosen by hand\nn_estimators=5\n\nnosuch=1\n";
    assert_int_equal(test_write_file(path, bad, strlen(bad)), 0);
    assert_int_equal(test_cli(&out, "train --data %s --model gbm --params %s --out %s/m.h5", fx->data, path, fx->dir), 2);
    char want[700];
    snprintf(want, sizeof want, "%s line 4", path);
    if (!strstr(out, want) || !strstr(out, "nosuch")) fail_msg("unexpected message: %s", out);
    free(out);
    const char *range = "max_depth=1000\n";
    assert_int_equal(test_write_file(path, range, strlen(range)), 0);
    assert_int_equal(test_cli(&out, "train --data %s --model gbm --params %s --out %s/m.h5", fx->data, path, fx->dir), 2);
    assert_non_null(strstr(out, "line 1"));
    free(out);
    assert_int_equal(test_cli(&out, "train --data %s --model gbm --params %s/missing.txt --out %s/m.h5", fx->data, fx->dir, fx->dir), 1);
    assert_non_null(strstr(out, "missing.txt"));
    free(out);
    assert_int_equal(test_count_files(fx->dir, "m.h5"), 0);
}

static void test_tune_errors(void **state)
{
    fixture *fx = *state;
    char *out = NULL;
    assert_int_equal(test_cli(NULL, "tune --data %s --model gbm --quiet", fx->data), 2);
    assert_int_equal(test_cli(NULL, "tune --data %s --model gbm --trials 0 --out %s/b.txt", fx->data, fx->dir), 2);
    assert_int_equal(test_cli(&out, "tune --data %s --model nosuch --out %s/b.txt", fx->data, fx->dir), 2);
    assert_non_null(strstr(out, "nosuch"));
    free(out);
    assert_int_equal(test_cli(&out, "tune --data %s/missing.h5 --model gbm --out %s/b.txt", fx->dir, fx->dir), 1);
    free(out);
    assert_int_not_equal(test_cli(&out, "tune --data %s --model gbm --trials 2 --out %s/b.txt --quiet", fx->noval, fx->dir), 0);
    assert_non_null(strstr(out, "validation"));
    free(out);
    assert_int_equal(test_count_files(fx->dir, "b.txt"), 0);
    assert_int_equal(test_cli(&out, "tune --help"), 0);
    assert_non_null(strstr(out, "--max-epochs"));
    assert_non_null(strstr(out, "--pruner"));
    free(out);
}

/* Killed with SIGKILL at random moments and run again with the same command until it ends, a
 * search ends with the log and BEST.txt of an uninterrupted one (same seed, one thread), with
 * no temporary left; a rerun asking fewer trials keeps the longer search, another search never
 * replaces a BEST.txt that records a better result, and a log of other options is refused. */
#define KILL_TUNE "tune --data %s --model gbm --trials 8 --seed 4 --out %s/%s.txt --log %s/%s.csv"
static void test_tune_kill_and_resume(void **state)
{
    fixture *fx = *state;
    char *out = NULL;
    double t0 = test_now();
    assert_int_equal(test_cli(NULL, KILL_TUNE " --quiet", fx->data, fx->dir, "kref", fx->dir, "kref"), 0);
    double full_s = test_now() - t0;
    int kills = 0;
    char path[600];
    for (int k = 0; k < 8 && kills < 3; k++) {
        double delay = test_kill_delay(0.02, 0.7 * full_s);
        int r = test_cli_killed(delay, KILL_TUNE, fx->data, fx->dir, "kill", fx->dir, "kill");
        printf("  tune run %d: %s after %.2f s of a %.2f s search\n", k + 1, r ? "killed" : "finished", delay, full_s);
        assert_true(r >= 0);
        kills += r;
        for (int i = 0; !r && i < 2; i++) { /* it finished first: start again, to be killed */
            snprintf(path, sizeof path, "%s/kill.%s", fx->dir, i ? "csv" : "txt");
            remove(path);
        }
    }
    assert_true(kills >= 1);
    int rc = test_cli(&out, KILL_TUNE, fx->data, fx->dir, "kill", fx->dir, "kill");
    if (rc) fail_msg("the rerun failed: %s", out);
    free(out);
    char *best = test_read_in(fx->dir, "kref.txt"), *log = test_read_in(fx->dir, "kref.csv");
    char *best2 = test_read_in(fx->dir, "kill.txt"), *log2 = test_read_in(fx->dir, "kill.csv");
    assert_non_null(strstr(best, "# seqnetquake tune: trial "));
    assert_string_equal(best, best2);
    assert_string_equal(test_drop_last_column(log), test_drop_last_column(log2));
    assert_int_equal(test_count_files(fx->dir, ".tmp."), 0);
    free(best2);
    free(log2);

    /* fewer trials asked: the 8 logged ones are kept, and so is their best */
    assert_int_equal(test_cli(&out, "tune --data %s --model gbm --trials 3 --seed 4 --out %s/kill.txt --log %s/kill.csv",
                              fx->data, fx->dir, fx->dir), 0);
    assert_non_null(strstr(out, "8 trials read back"));
    free(out);
    best2 = test_read_in(fx->dir, "kill.txt");
    log2 = test_read_in(fx->dir, "kill.csv");
    assert_string_equal(best, best2);
    assert_string_equal(log, test_drop_last_column(log2));
    free(best2);
    free(log2);

    /* another search (no log) never overwrites a better recorded result */
    snprintf(path, sizeof path, "%s/better.txt", fx->dir);
    const char *better = "# seqnetquake tune: trial 3, val_f1 0.99999\nn_estimators=7\n";
    assert_int_equal(test_write_file(path, better, strlen(better)), 0);
    assert_int_equal(test_cli(&out, "tune --data %s --model gbm --trials 2 --seed 4 --out %s --quiet", fx->data, path), 0);
    assert_non_null(strstr(out, "was kept"));
    free(out);
    best2 = test_read_file(path, NULL);
    assert_string_equal(best2, better);
    free(best2);

    /* the log of another seed is refused, naming its first trial's line */
    assert_int_equal(test_cli(&out, "tune --data %s --model gbm --trials 9 --seed 5 --out %s/other.txt --log %s/kill.csv",
                              fx->data, fx->dir, fx->dir), 1);
    assert_non_null(strstr(out, "kill.csv line 2"));
    assert_non_null(strstr(out, "--seed"));
    free(out);
    assert_int_equal(test_count_files(fx->dir, "other.txt"), 0);
    free(best);
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tune_gbm_and_train_params),
        cmocka_unit_test(test_tune_dnn_epoch_cap),
        cmocka_unit_test(test_tune_pruning_deterministic),
        cmocka_unit_test(test_tune_patience),
        cmocka_unit_test(test_params_errors),
        cmocka_unit_test(test_tune_errors),
        cmocka_unit_test(test_tune_kill_and_resume),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
