/* Child commands and the file functions of resumable output folders (exp_internal.h). */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np */
#include "exp_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

double exp_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

char *exp_read_all(const char *path, size_t *n_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 0, n = 0, k;
    char *buf = NULL, chunk[8192];
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (sqk_grow((void **)&buf, &cap, n + k + 1, 1)) { fclose(f); free(buf); return NULL; }
        memcpy(buf + n, chunk, k);
        n += k;
    }
    fclose(f);
    if (!buf && !(buf = sqk_strdup(""))) return NULL;
    buf[n] = 0;
    if (n_out) *n_out = n;
    return buf;
}

int exp_write_text_atomic(const char *path, const char *text)
{
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    fputs(text, a.f);
    return sqk_atomic_close(&a, SQK_OK);
}

int exp_check_same_text(const char *out, const char *name, const char *text, const char *what)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out, name);
    char *old = exp_read_all(path, NULL);
    if (!old) return errno == ENOENT ? exp_write_text_atomic(path, text) : sqk_fail(SQK_EIO, "%s: %s", path, strerror(errno));
    int rc = SQK_OK;
    if (strcmp(old, text)) {
        int line = 1;
        const char *a = old, *b = text;
        while (*a && *a == *b) { line += *a == '\n'; a++; b++; }
        const char *la = a, *lb = b;
        while (la > old && la[-1] != '\n') la--;
        while (lb > text && lb[-1] != '\n') lb--;
        rc = sqk_fail(SQK_EARG, "%s holds the results of another %s (%s line %d is '%.*s', here it is '%.*s'): "
                      "use a new --out folder, or the same %s to continue", out, what, path, line,
                      (int)strcspn(la, "\n"), la, (int)strcspn(lb, "\n"), lb, what);
    }
    free(old);
    return rc;
}

void exp_arg(exp_cmdline *c, const char *fmt, ...)
{
    if (c->argc >= 62 || c->used >= sizeof c->buf) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->buf + c->used, sizeof c->buf - c->used, fmt, ap);
    va_end(ap);
    if (n < 0 || c->used + (size_t)n + 1 > sizeof c->buf) return;
    c->argv[c->argc++] = c->buf + c->used;
    c->argv[c->argc] = NULL;
    c->used += (size_t)n + 1;
}

int exp_spawn(const char *self_exe, exp_cmdline *c, const char *dir, const char *log_path, const char *unit)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (dir) posix_spawn_file_actions_addchdir_np(&fa, dir);
    char *argv[66];
    argv[0] = (char *)self_exe;
    for (int i = 0; i <= c->argc; i++) argv[i + 1] = c->argv[i];
    /* the environment, and the runner's pid: the stage dies with the runner (src/cli/main.c) */
    size_t n_env = 0;
    while (environ[n_env]) n_env++;
    char **env = sqk_malloc((n_env + 2) * sizeof *env), stage_of[48];
    if (!env) {
        posix_spawn_file_actions_destroy(&fa);
        return SQK_EMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++)
        if (strncmp(environ[i], "SQK_STAGE_OF=", 13)) env[k++] = environ[i];
    snprintf(stage_of, sizeof stage_of, "SQK_STAGE_OF=%ld", (long)getpid());
    env[k++] = stage_of;
    env[k] = NULL;
    pid_t pid;
    int err = posix_spawn(&pid, self_exe, &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    if (err) return sqk_fail(SQK_EIO, "%s: cannot start %s: %s", unit, self_exe, strerror(err));
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return sqk_fail(SQK_EIO, "%s: waitpid: %s", unit, strerror(errno));
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return SQK_OK;
    /* the last line the command printed says why */
    char last[512] = "";
    FILE *f = fopen(log_path, "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (line[0] != '\n') snprintf(last, sizeof last, "%.*s", (int)strcspn(line, "\n"), line);
    if (f) fclose(f);
    return sqk_fail(SQK_EVALUE, "%s failed (seqnetquake %s %s): %s (all of it in %s)", unit, c->argv[0],
                    WIFEXITED(st) ? "exited non-zero" : "was killed", last, log_path);
}
