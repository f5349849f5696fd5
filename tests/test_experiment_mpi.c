/* seqnetquake experiment under `mpirun -n 3` (docs/experiment.md, "On a cluster"), and on 3
 * simulated ranks (--simulate-ranks), against the same plan run without MPI.
 *
 * What must match: every unit's results (datasets' summaries, best hyperparameters, trials,
 * predictions, metrics, tables). The plan's searches draw every point from the prior
 * (algorithm=random): the K-th suggestion is then the K-th draw whatever the ranks and timing,
 * so the farmed-out search equals the serial one. A TPE search is asynchronous under MPI (what
 * it suggests depends on which trials are still in flight, counted as constant liars), so its
 * points may legitimately differ from the serial ones: of the plan's TPE search only the number
 * of trials and their validity are checked; so for the search that prunes (under several
 * ranks a trial's pruner has not heard the trials still in flight). One rank (mpirun -n 1) is
 * the run without MPI, file for file, the pruned search and the journal included. Then a worker
 * rank is killed with SIGKILL: the run fails saying how to continue, and the same command
 * finishes it with the same results.
 * The simulated ranks must give the same results as the real ones, and one simulated rank the
 * run without MPI file for file; the order work is given out in (critical path first, or the
 * plan's) shows in the journal.
 * The MPI tests are skipped (exit 77 when nothing else ran) when the program was built without
 * MPI or mpirun is missing.
 * ctest-labels: slow */
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *dir, *archive;
static const char *bin;

static const char plan_text[] =
    "# a tiny plan: its random searches give the same points on any number of ranks\n"
    "seed 4\n"
    "dataset ds07 preset=07\n"
    "search gbm-07 data=ds07 model=gbm trials=6 algorithm=random\n"
    "search seqnet-07 data=ds07 model=seqnet trials=3 max-epochs=1 algorithm=random\n"
    "search tpe-07 data=ds07 model=rf trials=5 startup=2\n"
    "search prune-07 data=ds07 model=dnn trials=4 max-epochs=3 algorithm=random pruner=asha\n"
    "model gbm-07 data=ds07 kind=gbm params=gbm-07 bootstrap=20 permutations=20 figures=0\n"
    "model geo-07 data=ds07 kind=geo bootstrap=20 permutations=20 figures=0\n"
    "report all table=auto title=\"tiny plan\" eval=gbm-07,geo-07\n";

/* The files that must be the same with and without MPI. */
static const char *const same[] = {
    "datasets/ds07/dataset.h5.summary.txt",
    "searches/gbm-07/best.txt", "searches/gbm-07/trials.csv",
    "searches/seqnet-07/best.txt", "searches/seqnet-07/trials.csv",
    "models/gbm-07/test.csv", "models/gbm-07/val.csv", "models/gbm-07/eval/metrics.json",
    "models/geo-07/test.csv", "models/geo-07/eval/metrics.json", "reports/all/table2.csv",
};

/* Runs a shell command; captures stdout and stderr into *out; returns the exit status. */
static int sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(char **out, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    strncat(cmd, " 2>&1", sizeof cmd - strlen(cmd) - 1);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += k;
        if (n + 1 == cap) buf = realloc(buf, cap *= 2);
    }
    buf[n] = 0;
    int st = pclose(p);
    if (out) *out = buf;
    else free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#ifdef SQK_HAVE_MPI
/* mpirun as the tests run it: root allowed (containers), more ranks than cores allowed; the
 * leak checker off in the ranks (MPI's own allocations live until exit); when a rank dies,
 * the others have 30 s between SIGTERM and SIGKILL (Open MPI's default, 1 s, can pass before a
 * loaded machine runs rank 0's handler at all). */
#define MPIRUN "ASAN_OPTIONS=detect_leaks=0 mpirun -n 3 --oversubscribe --allow-run-as-root " \
               "--mca odls_base_sigkill_timeout 30"
#endif

static int setup(void **state)
{
    (void)state;
    bin = getenv("SQK_BIN") ? getenv("SQK_BIN") : "build/seqnetquake";
    return test_tiny_experiment(&dir, &archive, plan_text);
}

static int teardown(void **state)
{
    (void)state;
    test_rmtree(dir);
    free(dir);
    free(archive);
    return 0;
}

static void assert_same_files(const char *a, const char *b, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *x = test_read_in(a, names[i]), *y = test_read_in(b, names[i]);
        if (strcmp(x, y)) fail_msg("%s differs between %s and %s", names[i], a, b);
        free(x);
        free(y);
    }
}

static void assert_same_results(const char *a, const char *b)
{
    assert_same_files(a, b, same, sizeof same / sizeof same[0]);
    /* the TPE search and the pruned one: as many trials, every one trained, whatever the points
     * and pruning decisions */
    for (int k = 0; k < 4; k++) {
        char *t = test_read_in(k % 2 ? b : a, k < 2 ? "searches/tpe-07/trials.csv" : "searches/prune-07/trials.csv");
        int rows = 0;
        for (char *c = strchr(t, '\n'), *end; c && (end = strchr(c + 1, '\n')); c = end) {
            rows++;
            char *f = end; /* ...,val_f1,ok,epochs_run,pruned,val_f1_curve */
            for (int commas = 0; commas < 4; commas += *--f == ',') {}
            assert_int_equal(f[1], '1'); /* ok */
        }
        assert_int_equal(rows, k < 2 ? 5 : 4);
        free(t);
    }
}

/* The journal's lines, sorted, without the "workers" lines: the same set of finished trials
 * and units, whatever order the ranks finished them in. */
static char *journal_set(const char *out)
{
    char *s = NULL;
    assert_int_equal(sh(&s, "grep -v '^workers\\|^trial tpe-07\\|^trial prune-07' %s/journal.txt | sort", out), 0);
    return s;
}

/* Run b, made by 3 workers (real or simulated ranks), against the serial run a: the same
 * results and the same finished trials and units in its journal, which says 3 workers made
 * them. */
static void assert_three_workers_same(const char *a, const char *b)
{
    assert_same_results(a, b);
    char *ja = journal_set(a), *jb = journal_set(b);
    assert_string_equal(ja, jb);
    free(ja);
    free(jb);
    char *j = test_read_in(b, "journal.txt");
    assert_true(!strncmp(j, "workers 3\n", 10));
    free(j);
}

/* The files that one rank, real or simulated, must write as the run without MPI does. */
static const char *const serial_also[] = {"journal.txt", "searches/tpe-07/trials.csv", "searches/prune-07/trials.csv",
                                          "searches/prune-07/best.txt"};

/* The second line of a journal (after "done dataset ds07"): the first trial given out. */
static char *first_trial(const char *out)
{
    char *j = test_read_in(out, "journal.txt"), *l = strchr(j, '\n');
    assert_non_null(l);
    char *end = strchr(++l, ' ');
    end = end ? strchr(end + 1, ' ') : NULL;
    end = end ? strchr(end + 1, ' ') : NULL;
    assert_non_null(end);
    *end = 0;
    memmove(j, l, strlen(l) + 1);
    return j;
}

static void test_simulated_ranks(void **state)
{
    (void)state;
    char *log = NULL, a[4200], b[4200];
    assert_int_equal(test_cli(&log, "experiment --plan %s/tiny.plan --archive %s --out %s/local --quiet", dir, archive, dir), 0);
    free(log);
    snprintf(a, sizeof a, "%s/local", dir);
    /* critical path first: the dnn search (4 trials of a neural kind) leads */
    char *first = first_trial(a);
    assert_string_equal(first, "trial prune-07 1");
    free(first);
    /* three simulated ranks: the real ranks' results, and a wall time below the CPU time */
    assert_int_equal(test_cli(&log, "experiment --plan %s/tiny.plan --archive %s --out %s/sim3 --simulate-ranks 3", dir, archive, dir), 0);
    double wall = 0, cpu = 0;
    char *line = strstr(log, "simulated on 3 ranks: ");
    if (!line || sscanf(line, "simulated on 3 ranks: %lf s wall for %lf CPU s", &wall, &cpu) != 2) fail_msg("%s", log);
    assert_true(wall > 0 && wall < cpu);
    assert_null(strstr(log, "MPI ranks"));
    free(log);
    snprintf(b, sizeof b, "%s/sim3", dir);
    assert_three_workers_same(a, b);
    /* one simulated rank: the run without MPI, file for file */
    assert_int_equal(test_cli(&log, "experiment --plan %s/tiny.plan --archive %s --out %s/sim1 --simulate-ranks 1 --quiet", dir, archive, dir), 0);
    assert_non_null(strstr(log, "simulated on 1 rank: ")); /* what was asked for, even with --quiet */
    assert_null(strstr(log, "units done"));
    free(log);
    snprintf(b, sizeof b, "%s/sim1", dir);
    assert_same_files(a, b, serial_also, sizeof serial_also / sizeof serial_also[0]);
    assert_same_results(a, b);
    /* the plan's order: the first search's trials first, the same results */
    assert_int_equal(test_cli(&log, "experiment --plan %s/tiny.plan --archive %s --out %s/plan-order --order plan --quiet", dir, archive, dir), 0);
    free(log);
    snprintf(b, sizeof b, "%s/plan-order", dir);
    first = first_trial(b);
    assert_string_equal(first, "trial gbm-07 1");
    free(first);
    assert_same_results(a, b);
    /* what cannot be simulated, and an unknown order: nothing run */
    assert_int_equal(test_cli(&log, "experiment --plan %s/tiny.plan --archive %s --out %s/no --simulate-ranks 2 --threads 2", dir, archive, dir), 2);
    assert_non_null(strstr(log, "--simulate-ranks runs every task in this one process"));
    free(log);
    assert_int_equal(test_cli(&log, "experiment --plan %s/tiny.plan --archive %s --out %s/no --order fastest", dir, archive, dir), 2);
    assert_non_null(strstr(log, "--order fastest: critical-path or plan"));
    free(log);
    snprintf(b, sizeof b, "%s/no", dir);
    assert_int_equal(access(b, F_OK), -1);
}

#ifdef SQK_HAVE_MPI
static void test_mpi_equals_local(void **state)
{
    (void)state;
    char *log = NULL;
    /* against the run without MPI that test_simulated_ranks made in the same folder */
    int rc = sh(&log, MPIRUN " %s experiment --plan %s/tiny.plan --archive %s --out %s/mpi", bin, dir, archive, dir);
    if (rc) fail_msg("mpirun failed (%d): %s", rc, log);
    /* rank 0 alone speaks: one summary line, which names the ranks */
    assert_non_null(strstr(log, "on 3 MPI ranks"));
    assert_null(strstr(strstr(log, "units done") + 1, "units done"));
    free(log);
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/local", dir);
    snprintf(b, sizeof b, "%s/mpi", dir);
    assert_three_workers_same(a, b);
    /* one rank: the run without MPI, every file the same */
    rc = sh(&log, "ASAN_OPTIONS=detect_leaks=0 mpirun -n 1 --allow-run-as-root %s experiment --plan %s/tiny.plan "
            "--archive %s --out %s/mpi1 --quiet", bin, dir, archive, dir);
    if (rc) fail_msg("mpirun -n 1 failed (%d): %s", rc, log);
    free(log);
    snprintf(b, sizeof b, "%s/mpi1", dir);
    assert_same_files(a, b, serial_also, sizeof serial_also / sizeof serial_also[0]);
    assert_same_results(a, b);
}

/* The pid of rank 1 of the run writing into out (its environment names the rank), or -1. */
static pid_t find_rank1(const char *out)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = -1;
    while (d && found < 0 && (e = readdir(d))) {
        char path[300], buf[8192];
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        int experiment = 0, ours = 0;
        for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
            buf[n] = 0;
            experiment |= !strcmp(buf + i, "experiment");
            ours |= !strcmp(buf + i, out);
        }
        if (!experiment || !ours) continue;
        snprintf(path, sizeof path, "/proc/%s/environ", e->d_name);
        if (!(f = fopen(path, "rb"))) continue;
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
            if (!strcmp(buf + i, "OMPI_COMM_WORLD_RANK=1")) found = (pid_t)atoi(e->d_name);
    }
    if (d) closedir(d);
    return found;
}

static int journal_has(const char *out, const char *what)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/journal.txt", out);
    char *s = test_read_file(path, NULL);
    int has = s && strstr(s, what);
    free(s);
    return has;
}

/* A worker rank killed mid-run: the run stops with a message saying how to continue; the same
 * command then finishes it, with the results of the uninterrupted run. */
static void test_rank_dies_then_resume(void **state)
{
    (void)state;
    char out[4200], logp[4300], cmd[12000];
    snprintf(out, sizeof out, "%s/killed", dir);
    snprintf(logp, sizeof logp, "%s/killed.log", dir);
    snprintf(cmd, sizeof cmd, MPIRUN " %s experiment --plan %s/tiny.plan --archive %s --out %s > %s 2>&1", bin, dir,
             archive, out, logp);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    /* once the search trials are being farmed out (the dnn search's first: it leads the
     * critical path), kill rank 1 */
    pid_t victim = -1;
    for (int i = 0; i < 3000 && victim < 0; i++) {
        if (journal_has(out, "\ntrial ")) victim = find_rank1(out);
        if (victim < 0) usleep(20000);
    }
    if (victim < 0) fail_msg("rank 1 of the run into %s was not found", out);
    assert_int_equal(kill(victim, SIGKILL), 0);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
    char *log = test_read_file(logp, NULL);
    assert_non_null(log);
    if (!strstr(log, "run the same command again to continue")) fail_msg("no clear message: %s", log);
    free(log);
    /* not every unit done (the report may be: it waits only for two quick models) */
    char *j = test_read_in(out, "journal.txt");
    int units = 0;
    for (char *l = j; (l = strstr(l, "done ")); l++) units++;
    assert_true(units < 8);
    free(j);
    char *again = NULL;
    int rc = sh(&again, MPIRUN " %s experiment --plan %s/tiny.plan --archive %s --out %s", bin, dir, archive, out);
    if (rc) fail_msg("the rerun failed (%d): %s", rc, again);
    assert_non_null(strstr(again, "replayed from the journal"));
    free(again);
    char ref[4200];
    snprintf(ref, sizeof ref, "%s/local", dir);
    assert_same_results(ref, out);
}

/* --keep-going under MPI: a dataset that fails on a worker rank leaves the others to run; rank
 * 0 alone reports it, the run fails naming what is not done, and the units done are
 * journalled. */
static void test_mpi_keep_going(void **state)
{
    (void)state;
    char path[4200], *log = NULL;
    snprintf(path, sizeof path, "%s/keep.plan", dir);
    assert_int_equal(test_write_file(path, test_keep_going_plan, strlen(test_keep_going_plan)), 0);
    int rc = sh(&log, MPIRUN " %s experiment --plan %s --archive %s --out %s/keep --keep-going", bin, path, archive, dir);
    assert_int_not_equal(rc, 0);
    const char *f = strstr(log, "[failed] dataset bad failed");
    if (!f) fail_msg("no failure line: %s", log);
    assert_null(strstr(f + 1, "[failed]")); /* rank 0 alone speaks */
    assert_non_null(strstr(log, "3 of 6 units not done"));
    free(log);
    snprintf(path, sizeof path, "%s/keep", dir);
    char *j = test_read_in(path, "journal.txt");
    assert_non_null(strstr(j, "done dataset ok\n"));
    assert_non_null(strstr(j, "done model gbm-ok\n"));
    assert_non_null(strstr(j, "done report r\n"));
    assert_null(strstr(j, "bad"));
    free(j);
}

#endif

int main(void)
{
    /* one group, one tiny archive: the MPI tests compare with the run without MPI that
     * test_simulated_ranks makes first */
    const struct CMUnitTest simulated[] = {cmocka_unit_test(test_simulated_ranks)};
#ifndef SQK_HAVE_MPI
    printf("MPI tests skipped: built without MPI (docs/experiment.md)\n");
    return cmocka_run_group_tests(simulated, setup, teardown);
#else
    if (system("mpirun --version > /dev/null 2>&1") != 0) {
        printf("MPI tests skipped: mpirun is not on PATH\n");
        return cmocka_run_group_tests(simulated, setup, teardown);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulated_ranks),
        cmocka_unit_test(test_mpi_equals_local),
        cmocka_unit_test(test_rank_dies_then_resume),
        cmocka_unit_test(test_mpi_keep_going),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
#endif
}
