/* seqnetquake synth on the command line: help, a small run, and each kind of bad input
 * (clear message, non-zero exit, no output folder). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_help_and_small_run(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "synth --help"), 0);
    assert_non_null(strstr(out, "--precursor-strength"));
    free(out);
    char *dir = test_tmpdir();
    assert_int_equal(test_cli(&out, "synth --out %s/a --satellites cses --cses-days 0.3 --seed 3 --quiet", dir), 0);
    assert_string_equal(out, ""); /* --quiet: nothing at all */
    free(out);
    char p[4200];
    const char *names[] = {"catalog.csv", "kp.txt", "truth.csv", "synth.txt", "cses"};
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/a/%s", dir, names[i]);
        assert_true(exists(p));
    }
    snprintf(p, sizeof p, "%s/a/demeter", dir);
    assert_false(exists(p));
    /* Without --quiet and off a terminal: a one-line summary, no progress line. */
    assert_int_equal(test_cli(&out, "synth --out %s/b --satellites demeter --demeter-days 0.2 --precursor-strength 0", dir), 0);
    assert_non_null(strstr(out, "DEMETER files"));
    assert_null(strchr(out, '\r'));
    free(out);
    snprintf(p, sizeof p, "%s/b/truth.csv", dir);
    char *truth = test_read_file(p, NULL);
    /* The would-be precursors are listed at strength 0 too, with zero amplitude. */
    const char *header = "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude,strength,"
                         "unit_amplitude,unit_irregularity,radius_km\n";
    assert_true(strncmp(truth, header, strlen(header)) == 0);
    for (char *l = strchr(truth, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
        double amp, strength;
        assert_int_equal(sscanf(l, "%*[^,],%*[^,],%*[^,],%*[^,],%*[^,],%*[^,],%*[^,],%lf,%lf", &amp, &strength), 2);
        assert_true(amp == 0 && strength == 0);
    }
    free(truth);
    test_rmtree(dir);
    free(dir);
}

/* Runs a failing command and checks its message and that DIR/out was not created. */
static void expect_failure(const char *dir, const char *args, const char *needle)
{
    char *out = NULL;
    int rc = test_cli(&out, "synth --out %s/out %s", dir, args);
    if (rc == 0 || !strstr(out, needle))
        fail_msg("synth %s: exit %d, output '%s' (expected '%s')", args, rc, out, needle);
    free(out);
    char p[4200];
    snprintf(p, sizeof p, "%s/out", dir);
    assert_false(exists(p));
}

static void test_bad_input(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    expect_failure(dir, "--cses-start 2020-02-30", "--cses-start");
    expect_failure(dir, "--demeter-start yesterday", "not a date");
    expect_failure(dir, "--cses-days -5", "CSES span of -5 days");
    expect_failure(dir, "--demeter-days abc", "not a number");
    expect_failure(dir, "--precursor-fraction 1.5", "precursor fraction");
    expect_failure(dir, "--precursor-strength -1", "precursor strength");
    expect_failure(dir, "--satellites cses,swarm", "unknown satellite 'swarm'");
    expect_failure(dir, "--threads 0", "--threads");
    expect_failure(dir, "--seed -4", "--seed");
    expect_failure(dir, "--catalog /nonexistent/cat.csv", "/nonexistent/cat.csv");
    expect_failure(dir, "--kp /nonexistent/kp.txt", "/nonexistent/kp.txt");
    expect_failure(dir, "--bogus 1", "unknown option '--bogus'");
    expect_failure(dir, "--cses-days", "--cses-days needs a value");
    expect_failure(dir, "--seed=x", "--seed wants a non-negative integer, not 'x'");
    expect_failure(dir, "--quiet=1", "--quiet takes no value");
    expect_failure(dir, "stray", "unexpected argument 'stray'");
    char *out = NULL;
    assert_int_not_equal(test_cli(&out, "synth --seed 3"), 0);
    assert_non_null(strstr(out, "--out"));
    free(out);
    /* Unwritable output: a folder under a regular file. */
    char file[4200];
    snprintf(file, sizeof file, "%s/plain", dir);
    assert_int_equal(test_write_file(file, "x", 1), 0);
    assert_int_not_equal(test_cli(&out, "synth --out %s/sub --satellites cses --cses-days 0.2", file), 0);
    assert_non_null(strstr(out, "error"));
    free(out);
    assert_int_equal(test_count_files(dir, ""), 1);
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_small_run),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
