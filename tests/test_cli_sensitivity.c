/* ctest-labels: slow */
/* seqnetquake sensitivity end to end on tiny archives: the curve (files, known answers: the
 * strength-0 difference is exactly 0, the where-and-when model sees no Ne/Te so its difference
 * is exactly 0 at every strength), resuming without redoing anything and with the same numbers,
 * bad options refused; the null check over a handful of archive seeds (rows, KS summary). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;

static int setup(void **s) { (void)s; dir = test_tmpdir(); return dir ? 0 : -1; }
static int teardown(void **s) { (void)s; test_rmtree(dir); free(dir); return 0; }

#define CURVE "sensitivity --designs paper --models rough,geo --strengths 0,4 --days 20 --train-seeds 2 " \
              "--bootstrap 100 --no-figure --quiet"

static long mtime_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec : -1;
}

static void test_curve(void **s)
{
    (void)s;
    char *out = NULL;
    int rc = test_cli(&out, CURVE " --out %s/c", dir);
    if (rc != 0) fail_msg("exit %d: %s", rc, out);
    free(out);
    char c[1024], model[1200];
    snprintf(c, sizeof c, "%s/c", dir);
    char *csv = test_read_in(c, "sensitivity.csv");
    assert_true(!strncmp(csv, "design,model,strength,metric,planted,planted_lo,planted_hi,null,null_lo,null_hi,"
                              "diff,diff_lo,diff_hi,p_diff,train_seeds,n_units\n", 120));
    /* strength 0 is its own null: difference exactly 0 in every resample */
    assert_non_null(strstr(csv, "\npaper,rough,0,mcc_seismic_vs_control,"));
    char *row = strstr(csv, "\npaper,rough,0,auc1,");
    assert_non_null(row);
    assert_non_null(strstr(row, ",0,0,0,1,2,"));
    /* geo reads position and time only, the same on paired archives: 0 at strength 4 too */
    row = strstr(csv, "\npaper,geo,4,mcc_seismic_vs_control,");
    assert_non_null(row);
    assert_non_null(strstr(row, ",0,0,0,1,2,"));
    char *sstar = test_read_in(c, "sstar.csv");
    assert_non_null(strstr(sstar, "\npaper,geo,none,"));
    free(sstar);
    char *md = test_read_in(c, "sensitivity.md");
    assert_non_null(strstr(md, "| paper | rough |"));
    assert_non_null(strstr(md, "2 training seeds"));
    free(md);
    /* planted archives are removed once their datasets exist */
    snprintf(model, sizeof model, "%s/archives/s4", c);
    struct stat st;
    assert_int_not_equal(stat(model, &st), 0);

    /* rerun: nothing trained again, the same numbers */
    snprintf(model, sizeof model, "%s/models/paper-rough-s4-t2.h5", c);
    long before = mtime_of(model);
    assert_true(before > 0);
    rc = test_cli(&out, CURVE " --out %s/c", dir);
    if (rc != 0) fail_msg("exit %d: %s", rc, out);
    free(out);
    assert_true(mtime_of(model) == before);
    char *again = test_read_in(c, "sensitivity.csv");
    assert_string_equal(csv, again);
    free(again);
    free(csv);

    /* another archive seed into the same folder is refused */
    rc = test_cli(&out, CURVE " --seed 2 --out %s/c", dir);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "settings.txt"));
    free(out);
    /* and so are other swap partners */
    rc = test_cli(&out, CURVE " --swap-partners random --out %s/c", dir);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "settings.txt"));
    free(out);
}

static void test_bad_options(void **s)
{
    (void)s;
    char *out = NULL;
    assert_int_equal(test_cli(&out, "sensitivity --strengths 1,2 --out %s/x", dir), 2);
    assert_non_null(strstr(out, "must start with 0"));
    free(out);
    assert_int_equal(test_cli(&out, "sensitivity --strengths 0,x --out %s/x", dir), 2);
    assert_non_null(strstr(out, "'x' is not a strength"));
    free(out);
    assert_int_equal(test_cli(&out, "sensitivity --designs paper,sloppy --out %s/x", dir), 2);
    assert_non_null(strstr(out, "design 'sloppy'"));
    free(out);
    assert_int_equal(test_cli(&out, "sensitivity --swap-partners nearest --out %s/x", dir), 2);
    assert_non_null(strstr(out, "expected random or magnitude, not 'nearest'"));
    free(out);
    assert_int_equal(test_cli(&out, "sensitivity --strengths 0,2,1 --out %s/x", dir), 2);
    assert_non_null(strstr(out, "must rise"));
    free(out);
    assert_int_equal(test_cli(&out, "sensitivity --null-check 3 --designs paper,rigorous --out %s/x", dir), 2);
    free(out);
    assert_int_equal(test_cli(&out, "sensitivity --permutations 10 --out %s/x", dir), 2);
    assert_non_null(strstr(out, "--permutations goes with --null-check"));
    free(out);
    assert_int_equal(test_cli(&out, "sensitivity --null-check 3 --train-seeds 2 --out %s/x", dir), 2);
    free(out);
    assert_int_equal(test_cli(&out, "sensitivity --help"), 0);
    assert_non_null(strstr(out, "--null-check N"));
    free(out);
}

static void test_null_check(void **s)
{
    (void)s;
    char *out = NULL;
    int rc = test_cli(&out, "sensitivity --null-check 3 --days 40 --permutations 200 --bootstrap 100 --quiet --out %s/n", dir);
    if (rc != 0) fail_msg("exit %d: %s", rc, out);
    free(out);
    char n[1024];
    snprintf(n, sizeof n, "%s/n", dir);
    char *csv = test_read_in(n, "nullcheck.csv");
    assert_true(!strncmp(csv, "model,archive_seed,p_stratified,scheme,p_plain,", 47));
    assert_non_null(strstr(csv, "\nrough,1,"));
    assert_non_null(strstr(csv, "\nrough,3,"));
    assert_non_null(strstr(csv, ",matched_pairs,"));
    free(csv);
    char *sum = test_read_in(n, "nullcheck_summary.csv");
    double d, p;
    int k, contain;
    char *row = strstr(sum, "\nrough,");
    assert_non_null(row);
    double p_small;
    assert_int_equal(sscanf(row, "\nrough,%d,%lf,%lf,%*f,%lf,%*f,%*f,%d", &k, &d, &p, &p_small, &contain), 5);
    assert_true(p_small >= p / 2 - 1e-12 && p_small <= 1); /* the one-sided p-value is at least half the two-sided */
    assert_int_equal(k, 3);
    assert_true(d > 0 && d <= 1 && p >= 0 && p <= 1);
    assert_true(contain >= 0 && contain <= 3);
    free(sum);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_curve),
        cmocka_unit_test(test_null_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
