/* seqnetquake experiment (docs/experiment.md): plans are checked line by line before anything
 * runs; the built-in paper plan is the paper's experiment; a tiny plan on a small synthetic
 * archive runs end to end, refuses an output folder of another plan, and, killed with SIGKILL
 * at random moments and rerun until it finishes, ends with exactly the files of an
 * uninterrupted run (same seed, one thread). Its SeqNetQuake search prunes: its trials, their
 * pruned flags and epochs and its best are those of seqnetquake tune --pruner. A journal
 * written before learning curves were journalled still resumes a search that does not prune.
 * With --keep-going a failing unit leaves the others to run. Work is given out longest critical
 * path first, a search weighed by its dataset's size once it is built. */
#include "testutil.h"
#include "sqk/experiment.h"

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

static const char tiny_plan[] =
    "# a tiny plan: two datasets, two searches, a transfer, a report\n"
    "seed 2\n"
    "dataset ds07 preset=07\n"
    "dataset ds11 preset=11\n"
    "search gbm-07 data=ds07 model=gbm trials=6\n"
    "search seqnet-11 data=ds11 model=seqnet trials=5 max-epochs=3 pruner=median prune-startup=1\n"
    "model gbm-07 data=ds07 kind=gbm params=gbm-07 bootstrap=20 permutations=20 figures=0\n"
    "model seqnet-11 data=ds11 kind=seqnet params=seqnet-11 epochs=2 bootstrap=20 permutations=20 figures=0\n"
    "model seqnet-11to07 data=ds07 kind=seqnet params=seqnet-11 init=seqnet-11 epochs=2 bootstrap=20 permutations=20 figures=0\n"
    "report all table=auto title=\"tiny plan\" eval=gbm-07,seqnet-11to07\n";

static int setup(void **state)
{
    (void)state;
    return test_tiny_experiment(&dir, &archive, tiny_plan);
}

static int teardown(void **state)
{
    (void)state;
    test_rmtree(dir);
    free(dir);
    free(archive);
    return 0;
}

/* Loads plan text; returns the status and copies the message. */
static int load_text(const char *text, char *msg, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/bad.plan", dir);
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    sqk_plan p;
    int rc = sqk_plan_load(&p, path, 0);
    snprintf(msg, n, "%s", rc ? sqk_last_error() : "");
    if (!rc) sqk_plan_free(&p);
    return rc;
}

static void expect_bad(const char *text, const char *where, const char *what)
{
    char msg[1024];
    assert_int_equal(load_text(text, msg, sizeof msg), SQK_EFORMAT);
    if (!strstr(msg, where) || !strstr(msg, what)) fail_msg("message '%s' lacks '%s' / '%s'", msg, where, what);
}

static void test_bad_plans(void **state)
{
    (void)state;
    expect_bad("seed 1\ndataset a preset=07\nmodle m data=a kind=gbm\n", "bad.plan:3:", "unknown entry 'modle'");
    expect_bad("dataset a preset=07 colour=red\n", "bad.plan:1:", "unknown key 'colour'");
    expect_bad("# no preset\ndataset a T=20\n", "bad.plan:2:", "missing preset=");
    expect_bad("dataset a preset=13\n", "bad.plan:1:", "preset=13");
    expect_bad("dataset a preset=07\nsearch s data=b model=gbm\n", "bad.plan:2:", "data=b names no dataset");
    expect_bad("dataset a preset=07\nsearch s data=a model=svm\n", "bad.plan:2:", "not a model kind");
    expect_bad("dataset a preset=07\nsearch s data=a model=gbm trials=0\n", "bad.plan:2:", "trials=0");
    expect_bad("dataset a preset=07\nsearch s data=a model=gbm\nmodel m data=a kind=rf params=s\n", "bad.plan:3:",
               "searched gbm, not rf");
    /* DataSet 01 has T = 10, 07 has T = 20: no transfer between them */
    expect_bad("dataset a preset=01\ndataset b preset=07\nmodel m data=a kind=seqnet\n"
               "model n data=b kind=seqnet init=m\n", "bad.plan:4:", "cannot transfer from m");
    expect_bad("dataset a preset=07 T=30\ndataset b preset=07\nmodel m data=a kind=seqnet\n"
               "model n data=b kind=seqnet init=m\n", "bad.plan:4:", "T=30");
    /* the paper's design has 2 features (Ne, Te), the rigorous one 4 (and dlogNe, dlogTe) */
    expect_bad("dataset a preset=07\ndataset b preset=07 design=rigorous\nmodel m data=a kind=seqnet\n"
               "model n data=b kind=seqnet init=m\n", "bad.plan:4:", "T=20 x 2 features, those of b are T=20 x 4");
    expect_bad("dataset a preset=07 design=sloppy\n", "bad.plan:1:", "design=sloppy is not paper or rigorous");
    expect_bad("dataset a preset=07 design=rigorous swap-partners=nearest\n", "bad.plan:1:",
               "swap-partners=nearest is not random or magnitude");
    expect_bad("dataset a preset=07 cadence=native\n", "bad.plan:1:", "cadence=native is not paper or harmonised");
    expect_bad("dataset a preset=07\ndataset a preset=11\n", "bad.plan:2:", "defined twice");
    expect_bad("dataset a preset=07\nmodel m data=a kind=gbm\nreport r eval=m,x\n", "bad.plan:3:", "eval=x");
    expect_bad("dataset a preset=07\nreport r title=\"open\n", "bad.plan:2:", "unterminated quote");
    expect_bad("\n# nothing\n", "bad.plan", "no entries");
    expect_bad("dataset a preset=07\nsearch s data=a model=geo\n", "bad.plan:2:", "not a model kind");
    expect_bad("dataset a preset=07\nsearch s data=a model=gbm algorithm=grid\n", "bad.plan:2:", "algorithm=grid");
    expect_bad("dataset a\n", "bad.plan:1:", "missing preset=");
    /* pruning: the pruner's name, its settings only with it and within tune's bounds */
    expect_bad("dataset a preset=07\nsearch s data=a model=cnn pruner=mean\n", "bad.plan:2:", "pruner=mean is not");
    expect_bad("dataset a preset=07\nsearch s data=a model=rf patience=2\n", "bad.plan:2:",
               "patience=: a rf trains no epochs");
    expect_bad("dataset a preset=07\nsearch s data=a model=cnn patience=0\n", "bad.plan:2:", "patience");
    expect_bad("dataset a preset=07\nsearch s data=a model=cnn prune-startup=2\n", "bad.plan:2:",
               "prune-startup= is a setting of pruner=median|floor|collapse, and this search's pruner is none");
    expect_bad("dataset a preset=07\nsearch s data=a model=cnn pruner=median floor-epochs=2\n", "bad.plan:2:",
               "floor-epochs= is a setting of pruner=floor|collapse, and this search's pruner is median");
    expect_bad("dataset a preset=07\nsearch s data=a model=cnn pruner=floor floor-epochs=0\n", "bad.plan:2:",
               "floor-epochs");
    expect_bad("dataset a preset=07\nsearch s data=a model=cnn pruner=asha prune-warmup=1\n", "bad.plan:2:",
               "prune-warmup= is a setting of pruner=median");
    expect_bad("dataset a preset=07\nsearch s data=a model=cnn pruner=asha min-resource=0\n", "bad.plan:2:",
               "min-resource=0 is not an integer >= 1");
    expect_bad("dataset a preset=07\nsearch s data=a model=cnn pruner=asha reduction-factor=1\n", "bad.plan:2:",
               "reduction-factor=1");
    expect_bad("dataset a preset=07\nsearch s data=a model=cnn pruner=median max-epochs=600\n", "bad.plan:2:",
               "at most 512 epochs");
    expect_bad("dataset a preset=07\nsearch s data=a model=gbm pruner=median\n", "bad.plan:2:", "nothing to prune");
    char msg[1024];
    assert_int_equal(load_text("dataset a preset=07\nmodel g data=a kind=geo\n", msg, sizeof msg), SQK_OK);
    assert_int_equal(load_text("dataset a preset=07 design=rigorous swap-partners=random\n", msg, sizeof msg), SQK_OK);
    assert_int_equal(load_text("dataset a preset=07\nsearch s data=a model=cnn pruner=asha min-resource=2 "
                               "reduction-factor=4 max-epochs=512\nsearch t data=a model=gbm pruner=none\n"
                               "search f data=a model=cnn pruner=floor prune-startup=3 floor-epochs=2\n",
                               msg, sizeof msg), SQK_OK);
    assert_int_equal(load_text("dataset a preset=07 T=10\ndataset b preset=01\nmodel m data=a kind=cnn\n"
                               "model n data=b kind=cnn init=m\n", msg, sizeof msg), SQK_OK);
}

static void test_paper_plan(void **state)
{
    (void)state;
    sqk_plan p;
    assert_int_equal(sqk_plan_load(&p, "paper", 0), SQK_OK);
    int n[4] = {0, 0, 0, 0};
    for (int i = 0; i < p.n_units; i++) n[p.units[i].type]++;
    assert_int_equal(n[SQK_UNIT_DATASET], 11);
    assert_int_equal(n[SQK_UNIT_SEARCH], 16);  /* seqnet on 01-11, five classifiers on 07 */
    assert_int_equal(n[SQK_UNIT_MODEL], 18);   /* + the transfer 11 -> 07, the geo baseline */
    assert_int_equal(n[SQK_UNIT_REPORT], 8);   /* Table 1, Table 2, Figures 3-8 */
    for (int i = 0; i < p.n_units; i++)
        if (p.units[i].type == SQK_UNIT_SEARCH) assert_string_equal(sqk_plan_get(&p.units[i], "trials"), "100");
    sqk_plan_free(&p);
    assert_int_equal(sqk_plan_load(&p, "paper", 5), SQK_OK); /* --trials 5 */
    for (int i = 0; i < p.n_units; i++)
        if (p.units[i].type == SQK_UNIT_SEARCH) assert_string_equal(sqk_plan_get(&p.units[i], "trials"), "5");
    /* and the plan as printed and recorded says so */
    assert_null(strstr(p.text, "trials=100"));
    assert_non_null(strstr(p.text, "search lstm-07 data=ds07 model=lstm trials=5\n"));
    sqk_plan_free(&p);
    /* --pruner median and --patience 3: every search of a neural kind prunes and stops its
     * trials 3 epochs after their best, the tree kinds' do neither, and the plan as recorded
     * says so */
    assert_int_equal(sqk_plan_load(&p, "paper", 0), SQK_OK);
    assert_int_equal(sqk_plan_set_pruner(&p, "median"), SQK_OK);
    assert_int_equal(sqk_plan_set_patience(&p, 3), SQK_OK);
    int pruned = 0;
    for (int i = 0; i < p.n_units; i++) {
        if (p.units[i].type != SQK_UNIT_SEARCH) continue;
        const char *kind = sqk_plan_get(&p.units[i], "model"), *v = sqk_plan_get(&p.units[i], "pruner"),
                   *pat = sqk_plan_get(&p.units[i], "patience");
        if (!strcmp(kind, "gbm") || !strcmp(kind, "rf")) {
            assert_null(v);
            assert_null(pat);
        } else {
            assert_non_null(v);
            assert_string_equal(v, "median");
            assert_non_null(pat);
            assert_string_equal(pat, "3");
            pruned++;
        }
    }
    assert_int_equal(pruned, 14); /* seqnet on 01-11, dnn, cnn, lstm on 07 */
    assert_non_null(strstr(p.text, "\n# experiment --pruner median\n"));
    assert_non_null(strstr(p.text, "\n# experiment --patience 3\n"));
    assert_int_equal(sqk_plan_set_pruner(&p, "mean"), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "--pruner mean: none, median, asha, floor or collapse"));
    sqk_plan_free(&p);
    /* a search that names its pruner keeps it; one whose epochs cannot all be recorded is
     * refused, naming its line */
    char path[4096];
    snprintf(path, sizeof path, "%s/pr.plan", dir);
    const char *text = "dataset a preset=07\nsearch s data=a model=cnn pruner=none\nsearch t data=a model=dnn max-epochs=600\n";
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    assert_int_equal(sqk_plan_load(&p, path, 0), SQK_OK);
    assert_int_equal(sqk_plan_set_pruner(&p, "asha"), SQK_EFORMAT);
    assert_non_null(strstr(sqk_last_error(), "pr.plan:3:"));
    assert_non_null(strstr(sqk_last_error(), "at most 512 epochs"));
    assert_string_equal(sqk_plan_get(&p.units[1], "pruner"), "none");
    sqk_plan_free(&p);
}

/* --design both: the plan once per design, references within a design, the reports side by
 * side with the where-and-when baseline of each design; the expanded text is a plan itself. */
static void test_design_both(void **state)
{
    (void)state;
    sqk_plan p;
    assert_int_equal(sqk_plan_load(&p, "paper", 3), SQK_OK);
    assert_int_equal(sqk_plan_set_design(&p, "both"), SQK_OK);
    int n[4] = {0, 0, 0, 0};
    for (int i = 0; i < p.n_units; i++) n[p.units[i].type]++;
    assert_int_equal(n[SQK_UNIT_DATASET], 22);
    assert_int_equal(n[SQK_UNIT_SEARCH], 32);
    assert_int_equal(n[SQK_UNIT_MODEL], 36);
    assert_int_equal(n[SQK_UNIT_REPORT], 8);
    const sqk_plan_unit *ds = NULL, *tr = NULL, *t2 = NULL, *se = NULL;
    for (int i = 0; i < p.n_units; i++) {
        const sqk_plan_unit *u = &p.units[i];
        if (!strcmp(u->name, "ds07.rigorous")) ds = u;
        if (!strcmp(u->name, "seqnet-11to07.rigorous")) tr = u;
        if (!strcmp(u->name, "table2")) t2 = u;
        if (!strcmp(u->name, "seqnet-03.paper") && u->type == SQK_UNIT_SEARCH) se = u;
    }
    assert_non_null(ds);
    assert_non_null(tr);
    assert_non_null(t2);
    assert_non_null(se);
    assert_string_equal(sqk_plan_get(ds, "design"), "rigorous");
    assert_string_equal(sqk_plan_get(ds, "preset"), "07");
    assert_string_equal(p.units[tr->init].name, "seqnet-11.rigorous");
    assert_string_equal(p.units[tr->data].name, "ds07.rigorous");
    assert_string_equal(p.units[tr->params].name, "seqnet-11.rigorous");
    assert_string_equal(sqk_plan_get(se, "trials"), "3"); /* --trials kept */
    assert_non_null(strstr(sqk_plan_get(t2, "eval"), "seqnet-07.paper,seqnet-07.rigorous,gbm-07.paper"));
    assert_non_null(strstr(sqk_plan_get(t2, "eval"), "geo-07.paper,geo-07.rigorous"));
    assert_non_null(strstr(sqk_plan_get(t2, "title"), "(paper and rigorous designs)"));
    /* the plan as run (OUT/plan.txt) reads back as the same plan */
    char path[4096];
    snprintf(path, sizeof path, "%s/both.plan", dir);
    assert_int_equal(test_write_file(path, p.text, strlen(p.text)), 0);
    sqk_plan q;
    assert_int_equal(sqk_plan_load(&q, path, 0), SQK_OK);
    assert_int_equal(q.n_units, p.n_units);
    for (int i = 0; i < p.n_units; i++) {
        assert_string_equal(q.units[i].name, p.units[i].name);
        assert_int_equal(q.units[i].n_kv, p.units[i].n_kv);
        for (int k = 0; k < p.units[i].n_kv; k++) assert_string_equal(q.units[i].value[k], p.units[i].value[k]);
    }
    sqk_plan_free(&q);
    sqk_plan_free(&p);
    assert_int_equal(sqk_plan_load(&p, "paper", 0), SQK_OK);
    assert_int_equal(sqk_plan_set_design(&p, "strict"), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "paper, rigorous or both"));
    sqk_plan_free(&p);
    char *out = NULL;
    assert_int_equal(test_cli(&out, "experiment --plan paper --design both --print-plan"), 0);
    assert_non_null(strstr(out, "dataset ds11.rigorous preset=11 design=rigorous\n"));
    assert_non_null(strstr(out, "model geo-07.paper data=ds07.paper kind=geo\n"));
    free(out);
}

/* A bad plan through the command line: exit 2, the line named, nothing written. */
static void test_bad_plan_runs_nothing(void **state)
{
    (void)state;
    char path[4096], *out = NULL;
    snprintf(path, sizeof path, "%s/bad2.plan", dir);
    const char *text = "dataset a preset=07\nsearch s data=a model=gbm trails=5\n";
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    assert_int_equal(test_cli(&out, "experiment --plan %s --archive %s --out %s/never --quiet", path, archive, dir), 2);
    assert_non_null(strstr(out, "bad2.plan:2:"));
    assert_non_null(strstr(out, "unknown key 'trails'"));
    free(out);
    char never[4200];
    snprintf(never, sizeof never, "%s/never", dir);
    struct stat st;
    assert_int_not_equal(stat(never, &st), 0);
}

static char *file_in(const char *out, const char *rel)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", out, rel);
    char *s = test_read_file(path, NULL);
    if (!s) fail_msg("missing %s", path);
    return s;
}

/* The results that must not depend on interruptions: the journal (every trial's point and
 * score, every unit, in order), the searches' outputs, predictions, metrics, tables. */
static const char *const results[] = {
    "journal.txt", "searches/gbm-07/best.txt", "searches/gbm-07/trials.csv",
    "searches/seqnet-11/best.txt", "searches/seqnet-11/trials.csv",
    "models/gbm-07/test.csv", "models/gbm-07/eval/metrics.json",
    "models/seqnet-11/test.csv", "models/seqnet-11to07/val.csv", "models/seqnet-11to07/test.csv",
    "models/seqnet-11to07/eval/metrics.json", "reports/all/table2.csv",
};

static void assert_same_results(const char *a, const char *b)
{
    for (size_t i = 0; i < sizeof results / sizeof results[0]; i++) {
        char *x = file_in(a, results[i]), *y = file_in(b, results[i]);
        if (strcmp(x, y)) { /* the first line that differs, to say how */
            const char *p = x, *q = y;
            for (const char *nx, *ny; (nx = strchr(p, '\n')) && (ny = strchr(q, '\n')) && nx - p == ny - q &&
                                      !strncmp(p, q, (size_t)(nx - p));
                 p = nx + 1, q = ny + 1) {
            }
            fail_msg("%s differs between %s and %s:\n  %.*s\n  %.*s", results[i], a, b, (int)strcspn(p, "\n"), p,
                     (int)strcspn(q, "\n"), q);
        }
        free(x);
        free(y);
    }
}

static void run_plan(const char *out)
{
    char *log = NULL;
    int rc = test_cli(&log, "experiment --plan %s/tiny.plan --archive %s --out %s --quiet", dir, archive, out);
    if (rc) fail_msg("experiment failed: %s", log);
    free(log);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Starts the tiny plan's experiment into out, quietly, in its own process group; returns its
 * pid. */
static pid_t start_experiment(const char *out)
{
    const char *bin = getenv("SQK_BIN");
    char plan[4096];
    snprintf(plan, sizeof plan, "%s/tiny.plan", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(127);
        execl(bin ? bin : "build/seqnetquake", "seqnetquake", "experiment", "--plan", plan, "--archive", archive,
              "--out", out, "--quiet", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

/* Starts the experiment in its own process group and kills the group with SIGKILL after
 * delay_s (as a crash would: no handler runs). Returns 1 when it was killed, 0 when it ended
 * first (successfully). */
static int run_and_kill(const char *out, double delay_s)
{
    pid_t pid = start_experiment(out);
    double t0 = now_s();
    int st;
    while (now_s() - t0 < delay_s) {
        if (waitpid(pid, &st, WNOHANG) == pid) {
            assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
            return 0;
        }
        usleep(20000);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, &st, 0);
    return 1;
}

static void test_tiny_plan_kill_and_resume(void **state)
{
    (void)state;
    char ref[4200], out[4200];
    snprintf(ref, sizeof ref, "%s/ref", dir);
    snprintf(out, sizeof out, "%s/killed", dir);
    double t0 = now_s();
    run_plan(ref);
    double full_s = now_s() - t0;
    /* the same command again: nothing left to do, nothing changes */
    char *log = NULL;
    assert_int_equal(test_cli(&log, "experiment --plan %s/tiny.plan --archive %s --out %s", dir, archive, ref), 0);
    assert_non_null(strstr(log, "8 units done (0 run now, 0 trials run"));
    free(log);

    unsigned seed = getenv("SQK_TEST_SEED") ? (unsigned)atoi(getenv("SQK_TEST_SEED")) : (unsigned)time(NULL);
    printf("kill points drawn with SQK_TEST_SEED=%u over a %.1f s run\n", seed, full_s);
    srand(seed);
    int kills = 0;
    double scale = 0.6;
    for (int attempt = 0; attempt < 6; attempt++) {
        double delay = 0.05 + (rand() / (double)RAND_MAX) * scale * full_s;
        int killed = run_and_kill(out, delay);
        printf("  run %d: %s after %.2f s\n", attempt + 1, killed ? "killed" : "finished", delay);
        kills += killed;
        if (!killed && kills > 0) break;
        if (!killed) { /* faster than the reference run (a machine less loaded): start again, sooner */
            test_rmtree(out);
            scale /= 2;
        }
    }
    run_plan(out); /* finishes whatever is left */
    assert_true(kills >= 1);
    assert_same_results(ref, out);
    char partial[4300];
    snprintf(partial, sizeof partial, "%s/.partial", out);
    assert_true(test_count_files(partial, "-") <= 0); /* no unit left half-built (-1: no folder) */
}

/* The pid of a process whose parent is ppid (from /proc), or 0. */
static pid_t child_of(pid_t ppid)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = 0;
    while (d && !found && (e = readdir(d))) {
        int pid = atoi(e->d_name);
        if (pid <= 0) continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        const char *c = strrchr(buf, ')'); /* "pid (comm) state ppid ..." */
        int parent = 0;
        if (c && sscanf(c + 1, " %*c %d", &parent) == 1 && parent == ppid) found = pid;
    }
    if (d) closedir(d);
    return found;
}

/* kill -9 of the runner alone (not its process group, as when only it is killed): the stage it
 * was running (the first dataset's build) dies with it instead of writing on into the folder a
 * rerun rebuilds: its dataset never appears. */
static void test_stage_dies_with_runner(void **state)
{
    (void)state;
    char out[4200];
    snprintf(out, sizeof out, "%s/orphan", dir);
    pid_t pid = start_experiment(out);
    pid_t stage = 0;
    for (int i = 0; i < 3000 && !stage; i++) { /* the first unit (a dataset build) is a stage */
        stage = child_of(pid);
        if (!stage) usleep(2000);
    }
    assert_true(stage > 0);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    int gone = 0;
    for (int i = 0; i < 6000 && !gone; i++) { /* an orphan would end in a few seconds */
        gone = kill(stage, 0) != 0;
        if (!gone) usleep(10000);
    }
    if (!gone) kill(-pid, SIGKILL);
    assert_true(gone);
    char built[4400];
    snprintf(built, sizeof built, "%s/.partial/dataset-ds07/dataset.h5", out);
    struct stat st_built;
    assert_int_not_equal(stat(built, &st_built), 0);
}

/* The pruned search of the tiny plan (one worker) against seqnetquake tune with the same seed,
 * space, trials, epoch cap and pruner on the same dataset: the same trials, each stopped at the
 * same epoch with the same F1 (the journalled curve is tune's logged one, digit for digit), and
 * the same best. The median pruner decides from the trials before each one, which the worker
 * replays from the journal: without them nothing would be pruned. */
/* The journal's trials of search `name` in experiment folder `out` and the log and best of
 * `seqnetquake tune` run on the same dataset with tune_args: the same trials, F1, epochs,
 * pruning decisions and curves, and the same best. */
static void assert_search_equals_tune(const char *out, const char *name, const char *dataset, const char *tune_args,
                                      int n_trials)
{
    char *log = NULL;
    assert_int_equal(test_cli(&log, "tune --data %s/datasets/%s/dataset.h5 --model seqnet --trials %d %s "
                              "--log %s/tune-%s.csv --out %s/tune-%s.txt --quiet",
                              out, dataset, n_trials, tune_args, dir, name, dir, name), 0);
    free(log);
    char csv[300], txt[300], best_path[300];
    snprintf(csv, sizeof csv, "tune-%s.csv", name);
    snprintf(txt, sizeof txt, "tune-%s.txt", name);
    snprintf(best_path, sizeof best_path, "searches/%s/best.txt", name);
    char *tune = test_read_in(dir, csv), *journal = test_read_in(out, "journal.txt");
    int trials = 0, pruned = 0;
    for (char *row = strchr(tune, '\n') + 1, *end; (end = strchr(row, '\n')); row = end + 1, trials++) {
        /* ...,val_f1,ok,epochs_run,pruned,val_f1_curve,seconds: the last six fields */
        char *f[6];
        *end = 0;
        for (int k = 5; k >= 0; k--) {
            f[k] = strrchr(row, ',');
            *f[k]++ = 0;
        }
        char expect[2048];
        snprintf(expect, sizeof expect, "trial %s %d %s %s ", name, trials + 1, f[1], f[0]);
        char *line = strstr(journal, expect);
        if (!line) fail_msg("trial %d: no journal line begins '%s'", trials + 1, expect);
        snprintf(expect, sizeof expect, " epochs %s pruned %s curve %s\n", f[2], f[3], f[4]);
        if (strncmp(strstr(line, " epochs "), expect, strlen(expect)))
            fail_msg("trial %d: tune logged '%s', the journal has '%.200s'", trials + 1, expect, strstr(line, " epochs "));
        pruned += atoi(f[3]);
    }
    assert_int_equal(trials, n_trials);
    assert_true(pruned >= 1);
    char *best = test_read_in(dir, txt), *ours = test_read_in(out, best_path);
    assert_string_equal(strchr(best, '\n') + 1, ours); /* tune's first line names the trial */
    free(best);
    free(ours);
    free(tune);
    free(journal);
}

static void test_pruned_search_equals_tune(void **state)
{
    (void)state;
    char ref[4200];
    snprintf(ref, sizeof ref, "%s/ref", dir);
    assert_search_equals_tune(ref, "seqnet-11", "ds11", "--max-epochs 3 --seed 2 --pruner median --prune-startup 1", 5);
    /* the floor and collapse rules: the floor (no skill on the validation split) and each
     * constant prediction's F1 set by the search, as tune does; a search's patience as tune's */
    static const char plan[] = "seed 2\ndataset ds11 preset=11\n"
                               "search floor data=ds11 model=seqnet trials=4 max-epochs=3 pruner=floor prune-startup=1 "
                               "floor-epochs=2\n"
                               "search collapse data=ds11 model=seqnet trials=4 max-epochs=3 patience=1 pruner=collapse "
                               "prune-startup=1\n";
    char path[4400], out[4200], *log = NULL;
    snprintf(path, sizeof path, "%s/floor.plan", dir);
    snprintf(out, sizeof out, "%s/floor", dir);
    assert_int_equal(test_write_file(path, plan, strlen(plan)), 0);
    assert_int_equal(test_cli(&log, "experiment --plan %s --archive %s --out %s --quiet", path, archive, out), 0);
    free(log);
    assert_search_equals_tune(out, "floor", "ds11", "--max-epochs 3 --seed 2 --pruner floor --prune-startup 1 --floor-epochs 2", 4);
    assert_search_equals_tune(out, "collapse", "ds11", "--max-epochs 3 --patience 1 --seed 2 --pruner collapse --prune-startup 1", 4);
}

/* A journal from before learning curves were journalled (trial lines that end after the point)
 * resumes a search that does not prune: its trials are replayed, the search ends as it would
 * have (epochs_run empty for those trials). A search that prunes refuses it, naming the line. */
static void test_old_journal(void **state)
{
    (void)state;
    char out[4200], path[4300], *log = NULL;
    snprintf(out, sizeof out, "%s/old", dir);
    snprintf(path, sizeof path, "%s/old.plan", dir);
    const char *plan = "seed 2\ndataset ds07 preset=07\nsearch gbm-07 data=ds07 model=gbm trials=4\n";
    assert_int_equal(test_write_file(path, plan, strlen(plan)), 0);
    assert_int_equal(test_cli(&log, "experiment --plan %s --archive %s --out %s --quiet", path, archive, out), 0);
    free(log);
    char *best = test_read_in(out, "searches/gbm-07/best.txt");
    /* the journal as an earlier version wrote it, cut after the third trial */
    char *j = test_read_in(out, "journal.txt"), *old = calloc(strlen(j) + 1, 1);
    int trials = 0;
    for (char *line = j, *nl; (nl = strchr(line, '\n')) && trials < 3; line = nl + 1) {
        char *tail = strstr(line, " epochs ");
        trials += !strncmp(line, "trial ", 6);
        strncat(old, line, (size_t)((tail && tail < nl ? tail : nl) - line));
        strcat(old, "\n");
    }
    snprintf(path, sizeof path, "%s/journal.txt", out);
    assert_int_equal(test_write_file(path, old, strlen(old)), 0);
    snprintf(path, sizeof path, "%s/searches/gbm-07", out);
    test_rmtree(path);
    snprintf(path, sizeof path, "%s/old.plan", dir);
    assert_int_equal(test_cli(&log, "experiment --plan %s --archive %s --out %s", path, archive, out), 0);
    assert_non_null(strstr(log, "1 trials run, 3 replayed from the journal"));
    free(log);
    char *again = test_read_in(out, "searches/gbm-07/best.txt"), *csv = test_read_in(out, "searches/gbm-07/trials.csv");
    assert_string_equal(again, best);
    assert_non_null(strstr(csv, ",val_f1,ok,epochs_run,pruned,val_f1_curve\n1,"));
    assert_non_null(strstr(csv, ",1,,0,\n4,"));     /* trial 3: journalled without its epochs */
    assert_non_null(strstr(csv, ",1,0,0,\n"));      /* trial 4: a tree trains no epochs */
    free(again);
    free(csv);
    free(best);
    /* a trial line as old under a search that prunes: refused, the line named, nothing run */
    char prune[4200], *r = test_read_in(dir, "ref/journal.txt"), *line = strstr(r, "trial seqnet-11 1 ");
    snprintf(prune, sizeof prune, "%s/old-pruned", dir);
    strcpy(strstr(line, " epochs "), "\n");
    plan = "seed 2\ndataset ds11 preset=11\nsearch seqnet-11 data=ds11 model=seqnet trials=5 max-epochs=3 pruner=median "
           "prune-startup=1\n";
    assert_int_equal(mkdir(prune, 0755), 0);
    snprintf(path, sizeof path, "%s/journal.txt", prune);
    assert_int_equal(test_write_file(path, line, strlen(line)), 0);
    snprintf(path, sizeof path, "%s/pruned.plan", dir);
    assert_int_equal(test_write_file(path, plan, strlen(plan)), 0);
    assert_int_equal(test_cli(&log, "experiment --plan %s --archive %s --out %s --quiet", path, archive, prune), 2);
    if (!strstr(log, "journal.txt:1: trial 1 of search seqnet-11 has no learning curve")) fail_msg("%s", log);
    free(log);
    /* and a damaged curve */
    snprintf(path, sizeof path, "%s/journal.txt", prune);
    strcpy(strchr(line, '\n'), " epochs 2 pruned 0 curve 0.5;x\n");
    assert_int_equal(test_write_file(path, line, strlen(line)), 0);
    snprintf(path, sizeof path, "%s/pruned.plan", dir);
    assert_int_equal(test_cli(&log, "experiment --plan %s --archive %s --out %s --quiet", path, archive, prune), 2);
    if (!strstr(log, "journal.txt:1: trial 1 of seqnet-11: damaged curve")) fail_msg("%s", log);
    free(log);
    snprintf(path, sizeof path, "%s/datasets", prune);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
    free(r);
    free(old);
    free(j);
}

/* An output folder made by another plan is refused, naming the line that differs. */
static void test_other_plans_folder(void **state)
{
    (void)state;
    char ref[4200], path[4200], *log = NULL;
    snprintf(ref, sizeof ref, "%s/ref", dir);
    snprintf(path, sizeof path, "%s/other.plan", dir);
    char *text = strdup(tiny_plan);
    char *t = strstr(text, "trials=6");
    t[7] = '7';
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
    free(text);
    assert_int_equal(test_cli(&log, "experiment --plan %s --archive %s --out %s --quiet", path, archive, ref), 2);
    assert_non_null(strstr(log, "another plan"));
    assert_non_null(strstr(log, "plan.txt line 5"));
    free(log);
}

/* A unit that fails stops the run; with --keep-going the units that do not need it are done,
 * the run still fails naming the failed unit and those left out, nothing half-built stays, and
 * a rerun tries the failed unit again. The failure: a rigorous dataset on an archive too short
 * to match controls (build's documented refusal). */
static void test_keep_going(void **state)
{
    (void)state;
    char path[4400], out[4200], *log = NULL;
    snprintf(path, sizeof path, "%s/keep.plan", dir);
    snprintf(out, sizeof out, "%s/keep", dir);
    assert_int_equal(test_write_file(path, test_keep_going_plan, strlen(test_keep_going_plan)), 0);
    /* stops at the failure: dataset bad goes first (it leads the longest chain), nothing after */
    assert_int_equal(test_cli(&log, "experiment --plan %s --archive %s --out %s --quiet", path, archive, out), 1);
    assert_non_null(strstr(log, "dataset bad failed"));
    free(log);
    char *j = file_in(out, "journal.txt");
    assert_string_equal(j, "");
    free(j);
    /* goes on without it, in the same folder */
    for (int run = 0; run < 2; run++) {
        assert_int_equal(test_cli(&log, "experiment --plan %s --archive %s --out %s --keep-going", path, archive, out), 1);
        assert_non_null(strstr(log, "[failed] dataset bad failed"));
        assert_non_null(strstr(log, "3 of 6 units not done: dataset bad failed"));
        assert_non_null(strstr(log, "search gbm-bad, model gbm-bad not run (they need a failed unit); the 3 done are kept"));
        free(log);
        j = file_in(out, "journal.txt");
        assert_string_equal(j, "done dataset ok\ndone model gbm-ok\ndone report r\n");
        free(j);
    }
    free(file_in(out, "models/gbm-ok/eval/metrics.json"));
    free(file_in(out, "reports/r/report.html"));
    snprintf(path, sizeof path, "%s/datasets/bad", out);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/.partial", out);
    assert_true(test_count_files(path, "-") <= 0);
}

/* Two searches alike but for their datasets' sizes (DataSet 06's long windows on a short
 * radius against DataSet 10's short ones on a wide radius: several times the windows x
 * samples): the larger one's trials go first, though it comes second in the plan; with
 * --order plan the first search's do. */
static void test_larger_dataset_first(void **state)
{
    (void)state;
    static const char plan[] =
        "seed 5\n"
        "dataset small preset=06\n"
        "dataset large preset=10\n"
        "search s data=small model=dnn trials=2 max-epochs=1 algorithm=random\n"
        "search l data=large model=dnn trials=2 max-epochs=1 algorithm=random\n";
    char path[4400], *log = NULL;
    snprintf(path, sizeof path, "%s/sizes.plan", dir);
    assert_int_equal(test_write_file(path, plan, strlen(plan)), 0);
    static const char *const order[] = {"critical-path", "plan"};
    static const char *const journal[] = {
        "done dataset small\ndone dataset large\ntrial l 1 ", "done dataset small\ndone dataset large\ntrial s 1 "};
    for (int k = 0; k < 2; k++) {
        char out[4300];
        snprintf(out, sizeof out, "%s/sizes-%s", dir, order[k]);
        assert_int_equal(test_cli(&log, "experiment --plan %s --archive %s --out %s --order %s --quiet", path, archive,
                                  out, order[k]), 0);
        free(log);
        char *j = file_in(out, "journal.txt");
        if (strncmp(j, journal[k], strlen(journal[k]))) fail_msg("--order %s: the journal begins\n%.200s", order[k], j);
        free(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_plans),
        cmocka_unit_test(test_paper_plan),
        cmocka_unit_test(test_design_both),
        cmocka_unit_test(test_bad_plan_runs_nothing),
        cmocka_unit_test(test_tiny_plan_kill_and_resume),
        cmocka_unit_test(test_stage_dies_with_runner),
        cmocka_unit_test(test_pruned_search_equals_tune),
        cmocka_unit_test(test_other_plans_folder),
        cmocka_unit_test(test_old_journal),
        cmocka_unit_test(test_keep_going),
        cmocka_unit_test(test_larger_dataset_first),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
