/* Every input the fuzzers found to crash or hang a reader (tests/fuzz/crashes/<reader>/) goes
 * again through the normal reader, with the isolation on as for a user: each must end in an
 * error that names the file, never a signal or a hang. The seeds (tests/fuzz/seeds/<reader>/)
 * are valid files of their kind: each must read. The readers are the fuzzers' own table
 * (tests/fuzz/readers.c). */
#include "testutil.h"

#include "fuzz/readers.h"
#include "sqk/core.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef enum { CRASHES, SEEDS } corpus_kind;

/* Runs every file of tests/fuzz/<corpus>/<reader>/ through the reader; returns how many. */
static size_t replay(const sqk_fuzz_reader *r, corpus_kind kind)
{
    char dir[512];
    snprintf(dir, sizeof dir, "tests/fuzz/%s/%s", kind == CRASHES ? "crashes" : "seeds", r->name);
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md")) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
        sqk_clear_error();
        int st = r->read(path);
        const char *msg = sqk_last_error();
        if (kind == SEEDS) {
            if (st) fail_msg("seed %s of the %s reader does not read: %s", path, r->name, msg);
        } else {
            if (!st) fail_msg("%s: the %s reader accepts this corrupt file", path, r->name);
            const char *want = r->names_folder ? "/sqk-fuzz-eval-" : path;
            if (!strstr(msg, want)) fail_msg("%s: the %s reader's error does not name the file: %s", path, r->name, msg);
        }
        n++;
    }
    closedir(d);
    return n;
}

static void test_crashes_are_errors(void **state)
{
    (void)state;
    /* a hang found by a fuzzer ends by the watchdog: no need to wait the default minute */
    setenv("SQK_READ_TIMEOUT_S", "10", 1);
    size_t total = 0;
    for (size_t i = 0; i < sqk_fuzz_n_readers; i++) total += replay(&sqk_fuzz_readers[i], CRASHES);
    unsetenv("SQK_READ_TIMEOUT_S");
    print_message("replayed %zu crash inputs\n", total);
    assert_true(total > 0); /* run from the project's root, where tests/fuzz is */
}

static void test_seeds_read(void **state)
{
    (void)state;
    for (size_t i = 0; i < sqk_fuzz_n_readers; i++)
        if (!replay(&sqk_fuzz_readers[i], SEEDS)) fail_msg("no seed for the %s reader", sqk_fuzz_readers[i].name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crashes_are_errors),
        cmocka_unit_test(test_seeds_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
