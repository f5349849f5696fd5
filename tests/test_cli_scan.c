/* ctest-labels: slow */
/* seqnetquake scan end to end on a small synthetic archive: windows prepared and scored as the
 * training dataset's, incremental runs, corrupt files, kill -9 at any moment, Molchan scoring,
 * and the usage errors. */
#include "testutil.h"

#include "sqk/h5.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = test_tmpdir();
    char *out = NULL;
    int rc = test_cli(&out, "synth --out %s/a --satellites cses --cses-days 5 --seed 4 --quiet", dir);
    if (!rc) { free(out); out = NULL; rc = test_cli(&out, "build --archive %s/a --time all --out %s/d.h5 --quiet", dir, dir); }
    if (!rc) {
        free(out); out = NULL;
        rc = test_cli(&out, "train --data %s/d.h5 --model seqnet --set epochs=2 --set units_lstm=16 --out %s/m.h5 --quiet", dir, dir);
    }
    if (rc != 0) fprintf(stderr, "set-up failed: %s\n", out ? out : "");
    free(out);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    test_rmtree(dir);
    free(dir);
    return 0;
}

static size_t count_lines(const char *path)
{
    size_t n = 0;
    char *t = test_read_file(path, NULL);
    if (!t) return 0;
    for (char *p = t; *p; p++) n += *p == '\n';
    free(t);
    return n;
}

/* Every dataset window of the scanned files is in windows.csv at the same time and place, with
 * the probabilities predict gives for it: the scan prepares windows as the build did. */
static void test_same_windows_as_the_dataset(void **state)
{
    (void)state;
    char *out = NULL, path[1200];
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --files '%s/a/cses/*.h5' --kp %s/a/kp.txt --out %s/s1 --no-figures",
                              dir, dir, dir, dir), 0);
    assert_non_null(strstr(out, "scanned now"));
    free(out);
    assert_int_equal(test_cli(&out, "predict --model %s/m.h5 --data %s/d.h5 --split all --out %s/pall.csv --quiet", dir, dir, dir), 0);
    free(out);
    /* dataset times, predict's p1 by window */
    snprintf(path, sizeof path, "%s/d.h5", dir);
    hid_t f;
    assert_int_equal(sqk_h5_open_read(path, &f), 0);
    int rank;
    size_t dims[4];
    assert_int_equal(sqk_h5_dims(f, "time", &rank, dims), 0);
    size_t n = dims[0];
    double *t = malloc(n * sizeof *t), *lat = malloc(n * sizeof *lat), *p1 = malloc(n * sizeof *p1);
    assert_int_equal(sqk_h5_read_f64(f, "time", t, n), 0);
    assert_int_equal(sqk_h5_read_f64(f, "lat", lat, n), 0);
    H5Fclose(f);
    snprintf(path, sizeof path, "%s/pall.csv", dir);
    FILE *fp = fopen(path, "r");
    char line[512];
    assert_non_null(fgets(line, sizeof line, fp));
    for (size_t i = 0; i < n; i++) {
        long w, sp, ev, y;
        double a, b, c;
        assert_non_null(fgets(line, sizeof line, fp));
        assert_int_equal(sscanf(line, "%ld,%ld,%ld,%ld,%lf,%lf,%lf", &w, &sp, &ev, &y, &a, &b, &c), 7);
        p1[w] = b;
    }
    fclose(fp);
    /* the scan's rows by time */
    snprintf(path, sizeof path, "%s/s1/windows.csv", dir);
    fp = fopen(path, "r");
    assert_non_null(fgets(line, sizeof line, fp));
    size_t found = 0, rows = 0;
    while (fgets(line, sizeof line, fp)) {
        char name[200], iso[40], cad[16], kp[16];
        long orbit;
        int alarm;
        double tt, la, lo, lt, q0, q1, q2;
        char *c = line;
        /* kp may be empty: split by hand */
        for (char *s = c; *s; s++) if (*s == ',') *s = ' ';
        assert_int_equal(sscanf(c, "%199s %ld %39s %lf %lf %lf %lf %15s %15s %lf %lf %lf %d", name, &orbit, iso, &tt, &la,
                                &lo, &lt, cad, kp, &q0, &q1, &q2, &alarm), 13);
        rows++;
        assert_close(q0 + q1 + q2, 1.0, 3e-6);
        for (size_t i = 0; i < n; i++)
            if (fabs(t[i] - tt) < 1e-3 && fabs(lat[i] - la) < 1e-3) {
                assert_close(q1, p1[i], 2e-6);
                found++;
            }
    }
    fclose(fp);
    assert_int_equal(found, n);
    assert_true(rows > n); /* the scan keeps the unassociated windows too */
    free(t); free(lat); free(p1);
}

/* A second run skips what was scanned; a corrupt file is reported, recorded and skipped. */
static void test_incremental_and_corrupt(void **state)
{
    (void)state;
    char *out = NULL, path[1200], src[1200];
    snprintf(path, sizeof path, "%s/new", dir);
    mkdir(path, 0755);
    /* two days of files, then all five */
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --files '%s/a/cses/*_2020010[12]_*.h5' --kp %s/a/kp.txt --out %s/s2 --quiet",
                              dir, dir, dir, dir), 0);
    assert_string_equal(out, "");
    free(out);
    snprintf(path, sizeof path, "%s/s2/scanned.tsv", dir);
    size_t first = count_lines(path);
    assert_true(first > 40);
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --files '%s/a/cses/*.h5' --kp %s/a/kp.txt --out %s/s2 --no-figures",
                              dir, dir, dir, dir), 0);
    char expect[64];
    snprintf(expect, sizeof expect, "%zu already scanned", first - 1);
    assert_non_null(strstr(out, expect));
    free(out);
    /* the folder now holds the rows of a scan of everything at once (in the order scanned: a
     * file of day 2 ending on day 3 came with the first run) */
    snprintf(src, sizeof src, "bash -c 'cmp -s <(sort %s/s1/windows.csv) <(sort %s/s2/windows.csv)'", dir, dir);
    assert_int_equal(system(src), 0);
    /* a truncated copy of a real file and a file of noise */
    snprintf(src, sizeof src, "sh -c 'f=$(ls %s/a/cses/*.h5 | head -n 1); head -c 20000 \"$f\" > %s/new/$(basename \"$f\" .h5)_cut.h5; "
                              "head -c 5000 /dev/urandom > %s/new/CSES_01_LAP_1_L02_A3_999990_20200106_000000_20200106_003000_000.h5'",
             dir, dir, dir);
    assert_int_equal(system(src), 0);
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --files '%s/new/*.h5' --kp %s/a/kp.txt --out %s/s2 --no-figures",
                              dir, dir, dir, dir), 0);
    assert_non_null(strstr(out, "skipped"));
    assert_non_null(strstr(out, "_cut.h5"));
    assert_non_null(strstr(out, "999990"));
    assert_non_null(strstr(out, "2 unreadable"));
    free(out);
    assert_int_equal(system(src), 0); /* nothing of them in the table */
    snprintf(path, sizeof path, "%s/s2/scanned.tsv", dir);
    char *ledger = test_read_file(path, NULL);
    assert_non_null(strstr(ledger, "\tbad\t"));
    free(ledger);
    /* recorded: not tried again */
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --files '%s/new/*.h5' --kp %s/a/kp.txt --out %s/s2 --no-figures",
                              dir, dir, dir, dir), 0);
    assert_non_null(strstr(out, "2 already scanned"));
    free(out);
    /* another model into the same folder is refused */
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --threshold 0.01 --files '%s/new/*.h5' --kp %s/a/kp.txt --out %s/s2",
                              dir, dir, dir, dir), 1);
    assert_non_null(strstr(out, "another model or threshold"));
    free(out);
}

/* Killed with SIGKILL at any moment, a scan resumes and ends with the same table as one that
 * was never interrupted; rows of a file whose ledger line was cut are dropped. */
static void test_kill_and_resume(void **state)
{
    (void)state;
    char cmd[2400], *out = NULL, path[1200];
    const char *bin = getenv("SQK_BIN") ? getenv("SQK_BIN") : "build/seqnetquake";
    const double delays[] = {0.02, 0.08, 0.15, 0.3, 0.6, 1.0};
    /* a first day scanned in full, so that the folder exists however slow the machine is */
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --files '%s/a/cses/*_20200101_*.h5' --kp %s/a/kp.txt --out %s/s3 "
                                    "--no-figures --quiet", dir, dir, dir, dir), 0);
    free(out);
    for (int k = 0; k < 6; k++) {
        snprintf(cmd, sizeof cmd, "timeout -s KILL %.2f %s scan --model %s/m.h5 --files '%s/a/cses/*.h5' --kp %s/a/kp.txt "
                                  "--out %s/s3 --no-figures --quiet > /dev/null 2>&1", delays[k], bin, dir, dir, dir, dir);
        int st = system(cmd);
        (void)st;
    }
    /* a kill between the rows and the ledger line, by hand: rows and a cut line appended */
    snprintf(path, sizeof path, "%s/s3/windows.csv", dir);
    FILE *fp = fopen(path, "a");
    assert_non_null(fp);
    fputs("CSES_X.h5,1,2020-01-01T00:00:00.000Z,0,0,0,0,survey,1,0.3,0.3,0.4,0\n", fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/s3/scanned.tsv", dir);
    fp = fopen(path, "a");
    assert_non_null(fp);
    fputs("CSES_X.h5\t123\tok\t1", fp);
    fclose(fp);
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --files '%s/a/cses/*.h5' --kp %s/a/kp.txt --out %s/s3 --no-figures",
                              dir, dir, dir, dir), 0);
    free(out);
    snprintf(cmd, sizeof cmd, "bash -c 'cmp -s <(sort %s/s1/windows.csv) <(sort %s/s3/windows.csv)'", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/s3/scanned.tsv", dir);
    char *ledger = test_read_file(path, NULL);
    assert_null(strstr(ledger, "CSES_X"));
    free(ledger);
}

/* With a catalogue: the Molchan files and figure, the daily table and the map. */
static void test_score_with_catalogue(void **state)
{
    (void)state;
    char *out = NULL, path[1200];
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --out %s/s1 --score --catalog %s/a/catalog.csv", dir, dir, dir), 0);
    assert_non_null(strstr(out, "Molchan diagram"));
    assert_non_null(strstr(out, "probability gain"));
    assert_non_null(strstr(out, "baseline"));
    free(out);
    const char *files[] = {"molchan.csv", "molchan.png", "molchan.pdf", "alarms.png", "alarms_daily.csv"};
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/s1/%s", dir, files[i]);
        struct stat sb;
        if (stat(path, &sb) != 0 || sb.st_size < 100) fail_msg("%s missing or empty", path);
    }
    snprintf(path, sizeof path, "%s/s1/molchan.csv", dir);
    char *m = test_read_file(path, NULL);
    assert_non_null(strstr(m, "curve,threshold,tau,nu\nmodel,inf,0,1\n"));
    assert_non_null(strstr(m, "\nbaseline,inf,0,1\n"));
    free(m);
    /* the where-and-when model scans the same files (its inputs are the windows' place and
     * time), and its curve goes beside the model's */
    assert_int_equal(test_cli(&out, "train --data %s/d.h5 --model geo --out %s/geo.h5 --quiet", dir, dir), 0);
    free(out);
    assert_int_equal(test_cli(&out, "scan --model %s/geo.h5 --files '%s/a/cses/*.h5' --kp %s/a/kp.txt --out %s/s4 --no-figures --quiet",
                              dir, dir, dir, dir), 0);
    free(out);
    snprintf(path, sizeof path, "%s/s4/windows.csv", dir);
    assert_int_equal(count_lines(path), count_lines(strcat(strcpy(path, dir), "/s1/windows.csv")));
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --out %s/s1 --score --catalog %s/a/catalog.csv --baseline %s/s4",
                              dir, dir, dir, dir), 0);
    assert_non_null(strstr(out, "(its own alarms)"));
    free(out);
    snprintf(path, sizeof path, "%s/s1/molchan.csv", dir);
    m = test_read_file(path, NULL);
    assert_non_null(strstr(m, "\nother,inf,0,1\n"));
    free(m);
}

static void test_usage_and_bad_models(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "scan --help"), 0);
    assert_non_null(strstr(out, "--threshold"));
    free(out);
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --out %s/x", dir, dir), 2);
    free(out);
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --out %s/x --score", dir, dir), 2);
    free(out);
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --files x --kp y --out %s/x --threshold 2", dir, dir), 2);
    free(out);
    /* not a model, and a model whose dataset configuration cannot be read */
    assert_int_equal(test_cli(&out, "scan --model %s/d.h5 --files '%s/a/cses/*.h5' --kp %s/a/kp.txt --out %s/x", dir, dir, dir, dir), 1);
    free(out);
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "cp %s/m.h5 %s/m2.h5 && h5py_attr=1", dir, dir);
    assert_int_equal(system(cmd), 0);
    hid_t f = H5Fopen(strcat(strcpy(cmd, dir), "/m2.h5"), H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_int_equal(sqk_h5_set_attr_str(f, ".", "data_config", "T=20\ncadence=sideways\n"), 0);
    H5Fclose(f);
    assert_int_equal(test_cli(&out, "scan --model %s/m2.h5 --files '%s/a/cses/*.h5' --kp %s/a/kp.txt --out %s/x", dir, dir, dir, dir), 1);
    assert_non_null(strstr(out, "cadence=sideways"));
    free(out);
    /* no files match */
    assert_int_equal(test_cli(&out, "scan --model %s/m.h5 --files '%s/none/*.h5' --kp %s/a/kp.txt --out %s/x", dir, dir, dir, dir), 1);
    assert_non_null(strstr(out, "no files match"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_windows_as_the_dataset),
        cmocka_unit_test(test_incremental_and_corrupt),
        cmocka_unit_test(test_kill_and_resume),
        cmocka_unit_test(test_score_with_catalogue),
        cmocka_unit_test(test_usage_and_bad_models),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
