/* Output files and folders: the temporaries of dead runs are removed when the same folder is
 * written again, a folder is replaced whole, a folder of the user's own files is refused. */
#include "testutil.h"

#include "sqk/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int exists(const char *dir, const char *name)
{
    char p[2600];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

/* The temporaries of a dead process are removed when the same output is written again; those
 * of running processes, of other outputs and other names stay. A folder is replaced whole; a folder the command
 * did not write is refused. */
static void test_stale_temporaries_and_folders(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    pid_t dead = fork();
    if (dead == 0) _exit(0);
    waitpid(dead, NULL, 0);
    char p[1200], tmp[1300];
    char f[1600];
    snprintf(p, sizeof p, "%s/out.csv.tmp.%ld", dir, (long)dead);
    assert_int_equal(test_write_file(p, "x", 1), 0);
    snprintf(p, sizeof p, "%s/ev.tmp.%ld", dir, (long)dead);
    assert_int_equal(sqk_mkdir_p(p), SQK_OK);
    snprintf(p, sizeof p, "%s/ev.tmp.%ld/metrics.json", dir, (long)dead);
    assert_int_equal(test_write_file(p, "half", 4), 0);
    snprintf(p, sizeof p, "%s/live.csv.tmp.%ld", dir, (long)getppid()); /* a running process */
    assert_int_equal(test_write_file(p, "x", 1), 0);
    snprintf(p, sizeof p, "%s/notes.tmp.txt", dir);
    assert_int_equal(test_write_file(p, "x", 1), 0);
    snprintf(p, sizeof p, "%s/results.old.2019", dir); /* a user's file, of another output */
    assert_int_equal(test_write_file(p, "x", 1), 0);
    snprintf(p, sizeof p, "%s/out.csv", dir);
    assert_int_equal(sqk_tmp_path(p, tmp, sizeof tmp), SQK_OK);
    assert_int_equal(test_count_files(dir, ".tmp."), 3); /* ev's waits until ev is written */
    snprintf(p, sizeof p, "out.csv.tmp.%ld", (long)dead);
    assert_false(exists(dir, p));
    assert_true(exists(dir, "notes.tmp.txt") && exists(dir, "results.old.2019"));
    snprintf(p, sizeof p, "live.csv.tmp.%ld", (long)getppid());
    assert_true(exists(dir, p));

    /* a folder: new, then replaced whole (the old figure goes with the old folder) */
    snprintf(p, sizeof p, "%s/ev", dir);

    for (int round = 0; round < 2; round++) {
        assert_int_equal(sqk_tmp_dir(p, "metrics.json", tmp, sizeof tmp), SQK_OK);
        snprintf(f, sizeof f, "%s/%s", tmp, round ? "metrics.json" : "figure.png");
        assert_int_equal(test_write_file(f, "new", 3), 0);
        snprintf(f, sizeof f, "%s/metrics.json", tmp);
        assert_int_equal(test_write_file(f, round ? "new" : "old", 3), 0);
        assert_int_equal(sqk_commit_dir(tmp, p), SQK_OK);
    }
    assert_true(exists(p, "metrics.json") && !exists(p, "figure.png"));
    char *m = test_read_in(p, "metrics.json");
    assert_string_equal(m, "new");
    free(m);
    assert_int_equal(test_count_files(dir, "ev.old."), 0);
    assert_int_equal(test_count_files(dir, "ev.tmp."), 0);
    /* a folder of the user's own files is never replaced */
    snprintf(p, sizeof p, "%s/mine", dir);
    assert_int_equal(sqk_mkdir_p(p), SQK_OK);
    snprintf(f, sizeof f, "%s/data.txt", p);
    assert_int_equal(test_write_file(f, "keep", 4), 0);
    assert_int_equal(sqk_tmp_dir(p, "metrics.json", tmp, sizeof tmp), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "no metrics.json"));
    assert_true(exists(p, "data.txt"));
    assert_int_equal(sqk_tmp_dir(f, "metrics.json", tmp, sizeof tmp), SQK_EARG); /* a file */
    assert_non_null(strstr(sqk_last_error(), "not a folder"));
    test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stale_temporaries_and_folders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
