#include "testutil.h"

#include "sqk/core.h"
#include "sqk/h5.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *test_shared(const char *rel)
{
    static char buf[4096];
    const char *base = getenv("SQK_SHARED");
    snprintf(buf, sizeof buf, "%s/%s", base ? base : "../shared", rel);
    if (!strncmp(rel, "data/real", 9) && access(buf, R_OK) != 0) {
        print_message("SKIPPED: the real reference file %s is absent (put the real data in "
                      "../shared/data/real or point SQK_SHARED at its parent)\n", buf);
        skip();
    }
    return buf;
}

char *test_tmpdir(void)
{
    char tmpl[] = "/tmp/sqk-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

void test_rmtree(const char *dir)
{
    if (!dir || strncmp(dir, "/tmp/sqk-test-", 14) != 0) return;
    if (getenv("SQK_TEST_KEEP")) { /* for a post-mortem of a failure */
        fprintf(stderr, "kept %s (SQK_TEST_KEEP)\n", dir);
        return;
    }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

/* The shell command line: pre, the binary (env SQK_BIN), the arguments, post. */
static void command_line(char *cmd, size_t n, const char *pre, const char *post, const char *fmt, va_list ap)
{
    char args[8192];
    vsnprintf(args, sizeof args, fmt, ap);
    const char *bin = getenv("SQK_BIN");
    snprintf(cmd, n, "%s%s %s%s", pre, bin ? bin : "build/seqnetquake", args, post);
}

int test_cli(char **out, const char *fmt, ...)
{
    char cmd[9000];
    va_list ap;
    va_start(ap, fmt);
    command_line(cmd, sizeof cmd, "", " 2>&1", fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int c;
    while ((c = fgetc(p)) != EOF) {
        if (n + 1 >= cap) buf = realloc(buf, cap *= 2);
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    int st = pclose(p);
    if (out) *out = buf; else free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *test_drop_last_column(char *text)
{
    char *w = text;
    for (char *l = text; *l;) {
        char *end = strchr(l, '\n');
        size_t n = end ? (size_t)(end - l) : strlen(l);
        char *comma = l + n;
        while (comma > l && *comma != ',') comma--;
        memmove(w, l, (size_t)(comma - l));
        w += comma - l;
        *w++ = '\n';
        l += n + (end ? 1 : 0);
    }
    *w = 0;
    return text;
}

double test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int test_cli_killed(double delay_s, const char *fmt, ...)
{
    char cmd[9000];
    va_list ap;
    va_start(ap, fmt);
    command_line(cmd, sizeof cmd, "exec ", " >/dev/null 2>&1", fmt, ap);
    va_end(ap);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    double t0 = test_now();
    int st;
    while (test_now() - t0 < delay_s) {
        if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
        usleep(5000);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, &st, 0);
    return 1;
}

double test_kill_delay(double lo, double hi)
{
    static int seeded;
    if (!seeded) {
        unsigned seed = getenv("SQK_TEST_SEED") ? (unsigned)atoi(getenv("SQK_TEST_SEED")) : (unsigned)time(NULL);
        printf("kill moments drawn with SQK_TEST_SEED=%u\n", seed);
        srand(seed);
        seeded = 1;
    }
    return lo + (hi - lo) * (rand() / (double)RAND_MAX);
}

int test_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, n, f);
    fclose(f);
    return w == n ? 0 : -1;
}

const char test_keep_going_plan[] =
    "seed 2\n"
    "dataset ok preset=07\n"
    "dataset bad preset=07 design=rigorous\n"
    "model gbm-ok data=ok kind=gbm bootstrap=20 permutations=20 figures=0\n"
    "search gbm-bad data=bad model=gbm trials=3\n"
    "model gbm-bad data=bad kind=gbm params=gbm-bad bootstrap=20 permutations=20 figures=0\n"
    "report r table=auto title=\"keep going\" eval=gbm-ok\n";

int test_tiny_experiment(char **dir, char **archive, const char *plan_text)
{
    *dir = test_tmpdir();
    if (!*dir) return -1;
    *archive = malloc(strlen(*dir) + 16);
    if (!*archive) return -1;
    sprintf(*archive, "%s/archive", *dir);
    char *out = NULL, path[4096];
    int rc = test_cli(&out, "synth --out %s --cses-days 6 --demeter-days 6 --seed 3 --quiet", *archive);
    if (rc) fprintf(stderr, "synth failed: %s\n", out ? out : "");
    free(out);
    snprintf(path, sizeof path, "%s/tiny.plan", *dir);
    return rc || test_write_file(path, plan_text, strlen(plan_text)) ? -1 : 0;
}

char *test_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    size_t got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    buf[got] = '\0';
    if (n) *n = got;
    return buf;
}

int test_count_files(const char *dir, const char *sub)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strstr(e->d_name, sub)) k++;
    closedir(d);
    return k;
}

char *test_read_in(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *s = test_read_file(path, NULL);
    if (!s) fail_msg("%s was not written", path);
    return s;
}

char *test_copy_dir(const char *src_dir, const char *name, const char *dir)
{
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "cp -r '%s/%s' '%s/%s'", src_dir, name, dir, name);
    assert_int_equal(system(cmd), 0);
    size_t len = strlen(dir) + strlen(name) + 2;
    char *out = malloc(len);
    snprintf(out, len, "%s/%s", dir, name);
    return out;
}

double test_accuracy(const float *probs, const int32_t *y, size_t n)
{
    size_t right = 0;
    for (size_t i = 0; i < n; i++) {
        const float *p = probs + 3 * i;
        int best = p[1] > p[0] ? 1 : 0;
        if (p[2] > p[best]) best = 2;
        right += best == y[i];
    }
    return (double)right / n;
}

void test_set_format_version(const char *path, int64_t version)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_int_equal(sqk_h5_set_attr_i64(f, ".", "format_version", &version, 1), SQK_OK);
    H5Fclose(f);
}

void test_write_label_dataset(const char *path, size_t n, const int32_t *y, const uint8_t *split,
                              const int64_t *event, size_t n_events, const char *const *ids,
                              const uint8_t *kind)
{
    hid_t f;
    assert_int_equal(sqk_h5_create(path, &f), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_str(f, ".", "format", "seqnetquake-dataset"), SQK_OK);
    int64_t version = 1;
    assert_int_equal(sqk_h5_set_attr_i64(f, ".", "format_version", &version, 1), SQK_OK);
    assert_int_equal(sqk_h5_write_i32(f, "y", 1, &n, y), SQK_OK);
    assert_int_equal(sqk_h5_write_u8(f, "split", 1, &n, split), SQK_OK);
    assert_int_equal(sqk_h5_write_i64(f, "event", 1, &n, event), SQK_OK);
    hid_t g = H5Gcreate2(f, "events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_int_equal(sqk_h5_write_strings(g, "id", ids, n_events), SQK_OK);
    assert_int_equal(sqk_h5_write_u8(g, "kind", 1, &n_events, kind), SQK_OK);
    H5Gclose(g);
    H5Fclose(f);
}

void test_write_window_dataset(const char *path, size_t N, int T, int F, const float *X,
                               const int32_t *y, const uint8_t *split, const int64_t *event,
                               const char *features, const char *config)
{
    hid_t h;
    assert_int_equal(sqk_h5_create(path, &h), SQK_OK);
    int64_t one = 1, tt = T, ff = F;
    size_t dims[3] = {N, (size_t)T, (size_t)F};
    assert_int_equal(sqk_h5_set_attr_str(h, ".", "format", "seqnetquake-dataset"), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_i64(h, ".", "format_version", &one, 1), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_i64(h, ".", "T", &tt, 1), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_i64(h, ".", "F", &ff, 1), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_str(h, ".", "features", features), SQK_OK);
    assert_int_equal(sqk_h5_set_attr_str(h, ".", "config", config), SQK_OK);
    assert_int_equal(sqk_h5_write_f32(h, "X", 3, dims, X), SQK_OK);
    assert_int_equal(sqk_h5_write_i32(h, "y", 1, dims, y), SQK_OK);
    assert_int_equal(sqk_h5_write_u8(h, "split", 1, dims, split), SQK_OK);
    assert_int_equal(sqk_h5_write_i64(h, "event", 1, dims, event), SQK_OK);
    H5Fclose(h);
}
