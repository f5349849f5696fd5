/* Worker processes for the parsers we do not own: a crash or a hang of libhdf5 or libxgboost
 * on a corrupt file becomes an error naming the file instead of taking the program down. */
#include "sqk/isolate.h"
#include "sqk/core.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ byte buffers */

int sqk_buf_put(sqk_buf *b, const void *v, size_t n)
{
    if (n == 0) return SQK_OK;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        unsigned char *p = sqk_realloc(b->p, cap);
        if (!p) return SQK_EMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, v, n);
    b->n += n;
    return SQK_OK;
}

int sqk_buf_view(sqk_buf *b, const void **v, size_t n)
{
    if (n > b->n - b->pos) return sqk_fail(SQK_EFORMAT, "reply of a reader process cut short");
    *v = b->p + b->pos;
    b->pos += n;
    return SQK_OK;
}

int sqk_buf_get(sqk_buf *b, void *v, size_t n)
{
    const void *src = NULL;
    int st = sqk_buf_view(b, &src, n);
    if (!st && v && n) memcpy(v, src, n);
    return st;
}

void sqk_buf_free(sqk_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------ settings */

static int in_worker;

int sqk_isolation_on(void)
{
    const char *e = getenv("SQK_NO_ISOLATION");
    return !in_worker && !(e && *e && strcmp(e, "0"));
}

double sqk_isolation_timeout_s(void)
{
    const char *e = getenv("SQK_READ_TIMEOUT_S");
    double t = e ? strtod(e, NULL) : 0;
    return t > 0 && isfinite(t) ? t : 60.0;
}

/* ------------------------------------------------------------------ the wire */

static int write_full(int fd, const void *v, size_t n)
{
    const unsigned char *p = v;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Reads n bytes before the deadline (deadline <= 0: none). 0 done, -1 end or error, -2 time up. */
static int read_full(int fd, void *v, size_t n, double deadline)
{
    unsigned char *p = v;
    while (n) {
        if (deadline > 0) {
            double left = deadline - now_s();
            if (left <= 0) return -2;
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            int r = poll(&pf, 1, (int)ceil(left * 1000));
            if (r < 0 && errno == EINTR) continue;
            if (r == 0) return -2;
            if (r < 0) return -1;
        }
        ssize_t got = recv(fd, p, n, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

typedef struct {
    int32_t status;
    uint32_t msg_len;
    uint64_t reply_len;
} reply_header;

#define PATH_MAX_BYTES 65536

/* A corrupt size field inside a library can make it allocate gigabytes (and then spend
 * minutes touching them): for each file the worker may grow beyond what it inherited by
 * SQK_READ_MEMORY_MB, by default 64 times the file's size but at least 512 MB, so such a
 * file fails fast as an error naming it. Not under AddressSanitizer, whose shadow memory is
 * terabytes of address space. */
static double inherited_bytes;
#if defined(__SANITIZE_ADDRESS__) /* GCC's word for AddressSanitizer, */
#define SQK_ASAN 1
#elif defined(__has_feature)      /* and clang's */
#if __has_feature(address_sanitizer)
#define SQK_ASAN 1
#endif
#endif

static void limit_memory(const char *path)
{
#if defined(SQK_ASAN)
    (void)path;
    (void)inherited_bytes;
#else
    if (inherited_bytes == 0) {
        FILE *f = fopen("/proc/self/statm", "r");
        unsigned long pages = 0;
        if (!f) return;
        int ok = fscanf(f, "%lu", &pages) == 1;
        fclose(f);
        if (!ok) return;
        inherited_bytes = (double)pages * (double)sysconf(_SC_PAGESIZE);
    }
    const char *e = getenv("SQK_READ_MEMORY_MB");
    double budget = e ? strtod(e, NULL) * 1048576.0 : 0;
    if (!(budget > 0) || !isfinite(budget)) {
        struct stat sb;
        budget = stat(path, &sb) == 0 ? 64.0 * (double)sb.st_size : 0;
        if (budget < 512.0 * 1048576.0) budget = 512.0 * 1048576.0;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0) return;
    double want = inherited_bytes + budget;
    if (rl.rlim_max != RLIM_INFINITY && want > (double)rl.rlim_max) want = (double)rl.rlim_max;
    rl.rlim_cur = (rlim_t)want;
    setrlimit(RLIMIT_AS, &rl);
#endif
}

/* The worker: answers requests (a path) until the parent closes its end. It never returns. */
static void worker_main(int fd, sqk_isolated_fn fn, const void *arg)
{
    in_worker = 1;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* A crashing library may print (glibc's "malloc(): corrupted ..."); the parent says what
     * happened, naming the file. */
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) { dup2(devnull, 2); close(devnull); }
    /* A crash ends the worker by its signal, so the parent can name it, even where a
     * sanitizer has installed its own handlers. */
    static const int deadly[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof deadly / sizeof deadly[0]; i++) signal(deadly[i], SIG_DFL);
    /* GNU OpenMP's thread pool does not survive fork: a parallel region of more than one
     * thread in the worker (libxgboost's, ours) would wait for threads that are not there. */
    omp_set_num_threads(1);
    for (;;) {
        uint32_t len;
        if (read_full(fd, &len, sizeof len, 0) || len == 0 || len > PATH_MAX_BYTES) _exit(0);
        char *path = malloc(len + 1);
        if (!path || read_full(fd, path, len, 0)) _exit(0);
        path[len] = '\0';
        limit_memory(path);
        sqk_buf reply = {0};
        sqk_clear_error();
        int st = fn(path, arg, &reply);
        const char *msg = st ? sqk_last_error() : "";
        reply_header h = {st, (uint32_t)strlen(msg), st ? 0 : reply.n};
        if (write_full(fd, &h, sizeof h) || write_full(fd, msg, h.msg_len) ||
            (h.reply_len && write_full(fd, reply.p, reply.n)))
            _exit(0);
        sqk_buf_free(&reply);
        free(path);
    }
}

struct sqk_worker {
    pid_t pid;        /* 0: none running */
    int fd;
    const char *library;
    sqk_isolated_fn fn;
    const void *arg;
};

static int worker_spawn(sqk_worker *w)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return sqk_fail(SQK_EIO, "cannot start a reader process: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        return sqk_fail(SQK_EIO, "cannot start a reader process: %s", strerror(e));
    }
    if (pid == 0) {
        close(sv[0]);
        worker_main(sv[1], w->fn, w->arg);
    }
    close(sv[1]);
    w->pid = pid;
    w->fd = sv[0];
    return SQK_OK;
}

/* Ends the worker: politely when it is idle (it sees the end of its requests), by SIGKILL
 * otherwise; always reaped. Returns its wait status. */
static int worker_stop(sqk_worker *w, int kill_it)
{
    int ws = 0;
    if (w->pid <= 0) return 0;
    if (kill_it) kill(w->pid, SIGKILL);
    shutdown(w->fd, SHUT_RDWR);
    close(w->fd);
    while (waitpid(w->pid, &ws, 0) < 0 && errno == EINTR) {
    }
    w->pid = 0;
    w->fd = -1;
    return ws;
}

int sqk_worker_new(sqk_worker **out, const char *library, sqk_isolated_fn fn, const void *arg)
{
    sqk_worker *w = sqk_calloc(1, sizeof *w);
    if (!w) return SQK_EMEM;
    *w = (sqk_worker){0, -1, library, fn, arg};
    int st = sqk_isolation_on() ? worker_spawn(w) : SQK_OK;
    if (st) { free(w); return st; }
    *out = w;
    return SQK_OK;
}

void sqk_worker_free(sqk_worker *w)
{
    if (!w) return;
    worker_stop(w, 0);
    free(w);
}

int sqk_worker_call(sqk_worker *w, const char *path, sqk_buf *reply)
{
    memset(reply, 0, sizeof *reply);
    if (!sqk_isolation_on()) return w->fn(path, w->arg, reply);
    size_t plen = strlen(path);
    if (plen == 0 || plen > PATH_MAX_BYTES) return sqk_fail(SQK_EARG, "%.200s: bad file name", path);
    uint32_t len = (uint32_t)plen;
    int st;
    /* A worker that ended since its last answer (killed from outside) is replaced once. */
    for (int attempt = 0;; attempt++) {
        if (w->pid <= 0 && (st = worker_spawn(w))) return sqk_fail_context(st, "%s", path);
        if (!write_full(w->fd, &len, sizeof len) && !write_full(w->fd, path, plen)) break;
        worker_stop(w, 1);
        if (attempt) return sqk_fail(SQK_EIO, "%s: cannot hand the file to a reader process", path);
    }
    double limit = sqk_isolation_timeout_s(), deadline = now_s() + limit;
    reply_header h;
    char msg[1024];
    int r = read_full(w->fd, &h, sizeof h, deadline);
    if (!r && h.msg_len >= sizeof msg) r = -1;
    if (!r) r = read_full(w->fd, msg, h.msg_len, deadline);
    if (!r && h.reply_len) {
        if (h.reply_len > (uint64_t)SIZE_MAX / 2 || !(reply->p = sqk_malloc(h.reply_len))) {
            worker_stop(w, 1);
            return sqk_fail_context(SQK_EMEM, "%s", path);
        }
        reply->n = reply->cap = h.reply_len;
        r = read_full(w->fd, reply->p, h.reply_len, deadline);
    }
    if (r == 0) {
        if (!h.status) return SQK_OK;
        sqk_buf_free(reply);
        msg[h.msg_len] = '\0';
        return sqk_fail(h.status, "%s", msg);
    }
    sqk_buf_free(reply);
    int ws = worker_stop(w, 1);
    if (r == -2)
        return sqk_fail(SQK_EFORMAT, "%s: the %s library did not finish reading this file within %g s "
                        "(set SQK_READ_TIMEOUT_S to wait longer): the file is corrupt or too large",
                        path, w->library, limit);
    if (WIFSIGNALED(ws))
        return sqk_fail(SQK_EFORMAT, "%s: the %s library crashed reading this file (signal %d, %s): "
                        "the file is corrupt", path, w->library, WTERMSIG(ws), strsignal(WTERMSIG(ws)));
    return sqk_fail(SQK_EFORMAT, "%s: the %s library failed reading this file (its process ended "
                    "with status %d without an answer): the file is corrupt",
                    path, w->library, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
}

int sqk_isolated(const char *library, const char *path, sqk_isolated_fn fn, const void *arg,
                 sqk_buf *reply)
{
    memset(reply, 0, sizeof *reply);
    if (!sqk_isolation_on()) return fn(path, arg, reply);
    sqk_worker *w;
    int st = sqk_worker_new(&w, library, fn, arg);
    if (st) return sqk_fail_context(st, "%s", path);
    st = sqk_worker_call(w, path, reply);
    sqk_worker_free(w);
    return st;
}
