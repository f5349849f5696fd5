/* Atomic output files and folders, temporaries of dead runs, directories, and SHA-256
 * checksums for provenance. */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE) */
#include "sqk/core.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

/* Removes a file or a folder and everything in it; 0, or the errno of the failure. */
static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : errno;
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 ? (errno ? errno : EIO) : 0;
}

int sqk_rm_tree(const char *path)
{
    int e = remove_tree(path);
    return e ? sqk_fail(SQK_EIO, "%s: cannot remove: %s", path, strerror(e)) : SQK_OK;
}

/* The folder part of path ("." for a bare name). */
static void parent_of(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, n, ".");
    else if (slash == path) snprintf(dir, n, "/");
    else snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

/* The process id of a temporary "NAME.tmp.PID" or set-aside "NAME.old.PID"; 0 for any other
 * name. */
static long temporary_pid(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot - name < 5 || !dot[1]) return 0;
    if (strncmp(dot - 4, ".tmp", 4) && strncmp(dot - 4, ".old", 4)) return 0;
    char *end;
    long pid = strtol(dot + 1, &end, 10);
    return *end || pid <= 0 ? 0 : pid;
}

/* The temporaries that runs killed before they could commit left beside an output: entries
 * "NAME.tmp.PID" and "NAME.old.PID" (files or folders) whose process no longer runs, removed
 * when NAME is written again. A folder is read once per process, when the first output goes
 * there (a folder of thousands of outputs is not read once per file); what it held is kept in
 * a short list per folder. Nothing here can fail the write that asked for it. */
typedef struct {
    uint64_t hash;  /* FNV-1a of the folder's name */
    char **names;   /* its dead runs' temporaries (NULL once removed) */
    size_t n;
} dead_temporaries;

static void forget_folder(dead_temporaries *d)
{
    for (size_t i = 0; i < d->n; i++) free(d->names[i]);
    free(d->names);
    memset(d, 0, sizeof *d);
}

static void read_folder(const char *dir, dead_temporaries *d)
{
    DIR *f = opendir(dir);
    if (!f) return;
    long self = (long)getpid();
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(f))) {
        long pid = temporary_pid(e->d_name);
        if (!pid || pid == self || kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        if (d->n == cap) {
            char **grown = realloc(d->names, (cap = cap ? 2 * cap : 8) * sizeof *grown);
            if (!grown) break;
            d->names = grown;
        }
        if (!(d->names[d->n] = strdup(e->d_name))) break;
        d->n++;
    }
    closedir(f);
}

static void remove_dead_temporaries(const char *path)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static dead_temporaries folders[64];
    static unsigned n_folders;
    int saved = errno;
    char dir[4096];
    parent_of(path, dir, sizeof dir);
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t nb = strlen(base);
    uint64_t h = 1469598103934665603ull;
    for (const char *c = dir; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
    pthread_mutex_lock(&lock);
    dead_temporaries *d = NULL;
    for (unsigned i = 0; i < n_folders && i < 64 && !d; i++)
        if (folders[i].hash == h) d = &folders[i];
    if (!d) {
        d = &folders[n_folders++ % 64];
        forget_folder(d);
        d->hash = h;
        read_folder(dir, d);
    }
    for (size_t i = 0; i < d->n; i++) {
        const char *name = d->names[i];
        if (!name || strlen(name) <= nb + 5 || strncmp(name, base, nb) ||
            (strncmp(name + nb, ".tmp.", 5) && strncmp(name + nb, ".old.", 5)) ||
            name[nb + 5 + strspn(name + nb + 5, "0123456789")])
            continue;
        char victim[8300];
        if (snprintf(victim, sizeof victim, "%s/%s", dir, name) < (int)sizeof victim) remove_tree(victim);
        free(d->names[i]);
        d->names[i] = NULL;
    }
    pthread_mutex_unlock(&lock);
    errno = saved;
}

int sqk_tmp_path(const char *path, char *buf, size_t bufsize)
{
    int n = snprintf(buf, bufsize, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= bufsize) return sqk_fail(SQK_EARG, "%s: path too long", path);
    remove_dead_temporaries(path);
    return SQK_OK;
}

/* Makes a rename durable: the folder's entry reaches the disk. */
static void sync_parent(const char *path)
{
    char dir[4096];
    parent_of(path, dir, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) { fsync(fd); close(fd); }
}

int sqk_commit_file(const char *tmp, const char *path)
{
    /* The bytes reach the disk before the name does: after a crash the final name holds the
     * old file or the new one, never an empty or partial one. */
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        remove(tmp);
        return sqk_fail(SQK_EIO, "%s: cannot write the file: %s", path, strerror(e));
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return sqk_fail(SQK_EIO, "%s: cannot move the finished file into place: %s", path, strerror(e));
    }
    sync_parent(path);
    return SQK_OK;
}

/* Writes and flushes one temporary file; on failure nothing is left. */
static int write_tmp(const char *tmp, const void *bytes, size_t n)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return sqk_fail(SQK_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    const unsigned char *p = bytes;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            close(fd);
            remove(tmp);
            return sqk_fail(SQK_EIO, "%s: cannot write: %s", tmp, strerror(e));
        }
        p += w;
        n -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        close(fd);
        remove(tmp);
        return sqk_fail(SQK_EIO, "%s: cannot write: %s", tmp, strerror(e));
    }
    return SQK_OK;
}

int sqk_write_files_atomic(const char *const *paths, const void *const *bytes, const size_t *sizes, int n)
{
    char tmp[8][4200];
    if (n < 1 || n > 8) return sqk_fail(SQK_EARG, "sqk_write_files_atomic: %d files", n);
    int st = SQK_OK, made = 0;
    for (; made < n && !st; made++) {
        st = sqk_tmp_path(paths[made], tmp[made], sizeof tmp[made]);
        if (!st) st = write_tmp(tmp[made], bytes[made], sizes[made]);
        if (st) break;
    }
    if (st) {
        for (int i = 0; i < made; i++) remove(tmp[i]);
        return st;
    }
    /* The main file is the commit: it goes out first (a kill from here on leaves no main
     * file beside old companions), its companions are moved in, and the main file last, so
     * a main file on disk always has all of its own companions beside it. */
    struct stat sb;
    for (int i = 0; i < n && !st; i++)
        if (stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            st = sqk_fail(SQK_EIO, "%s: is a folder, not a file that can be written", paths[i]);
    if (st) {
        for (int i = 0; i < n; i++) remove(tmp[i]);
        return st;
    }
    if (n > 1) unlink(paths[0]); /* one file alone is replaced by the rename itself */
    for (int k = 1; k <= n && !st; k++) {
        int i = k % n; /* 1, ..., n-1, then 0 */
        if (rename(tmp[i], paths[i]) != 0) {
            st = sqk_fail(SQK_EIO, "%s: cannot move the finished file into place: %s", paths[i], strerror(errno));
            for (int j = k; j <= n; j++) remove(tmp[j % n]);
        }
    }
    sync_parent(paths[0]);
    return st;
}

int sqk_write_file_atomic(const char *path, const void *bytes, size_t n)
{
    return sqk_write_files_atomic(&path, &bytes, &n, 1);
}

void sqk_abandon_file(const char *tmp) { remove(tmp); }

/* 1 when dir holds no entry. */
static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d))) empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    return empty;
}

/* The name of an output folder to rename: without trailing slashes ("out/" is "out"), and
 * absolute when it ends in "." or ".." (which cannot be renamed as such). */
static int folder_name(const char *dir, char *clean, size_t size)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    if (n >= size) return sqk_fail(SQK_EARG, "%s: path too long", dir);
    memcpy(clean, dir, n);
    clean[n] = '\0';
    const char *base = strrchr(clean, '/');
    base = base ? base + 1 : clean;
    if (!strcmp(base, ".") || !strcmp(base, "..")) {
        char abs[PATH_MAX];
        if (!realpath(clean, abs)) return sqk_fail(SQK_EIO, "%s: %s", dir, strerror(errno));
        if (strlen(abs) >= size || !strcmp(abs, "/")) return sqk_fail(SQK_EARG, "%s: cannot be replaced whole", dir);
        snprintf(clean, size, "%s", abs);
    }
    return SQK_OK;
}

int sqk_tmp_dir(const char *dir, const char *mark, char *tmp, size_t size)
{
    char clean[4096];
    int rc = folder_name(dir, clean, sizeof clean);
    if (rc) return rc;
    struct stat st;
    if (stat(clean, &st) == 0 && !S_ISDIR(st.st_mode))
        return sqk_fail(SQK_EARG, "%s exists and is not a folder", clean);
    char marked[4200];
    snprintf(marked, sizeof marked, "%s/%s", clean, mark);
    if (stat(clean, &st) == 0 && stat(marked, &st) != 0 && !dir_is_empty(clean))
        return sqk_fail(SQK_EARG, "%s holds files but no %s, so it is not a folder this command wrote; "
                        "as the folder is replaced whole, choose another one (or empty it)", clean, mark);
    char parent[4096];
    parent_of(clean, parent, sizeof parent);
    rc = sqk_mkdir_p(parent);
    if (!rc) rc = sqk_tmp_path(clean, tmp, size);
    if (!rc) rc = sqk_rm_tree(tmp); /* a folder of an earlier process with our id */
    if (!rc && mkdir(tmp, 0777) != 0) rc = sqk_fail(SQK_EIO, "%s: cannot create directory: %s", tmp, strerror(errno));
    return rc;
}

int sqk_commit_dir(const char *tmp, const char *dir)
{
    char clean[4096], aside[4200];
    if (folder_name(dir, clean, sizeof clean)) {
        remove_tree(tmp);
        return SQK_EARG;
    }
    snprintf(aside, sizeof aside, "%s.old.%ld", clean, (long)getpid());
    int fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* its entries reach the disk first */
    if (fd >= 0) { fsync(fd); close(fd); }
    struct stat st;
    int rc = SQK_OK;
    if (lstat(clean, &st) != 0) {
        if (rename(tmp, clean) != 0)
            rc = sqk_fail(SQK_EIO, "%s: cannot move the finished folder into place: %s", clean, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        rc = sqk_fail(SQK_EARG, "%s exists and is not a folder", clean);
    } else {
        /* Swap the two folders in one step where the file system can, so the name always holds
         * a whole folder; otherwise the old one is renamed aside first. Either way the old folder
         * ends under the temporary name and is deleted after. */
        int swapped = 0;
#ifdef RENAME_EXCHANGE
        swapped = renameat2(AT_FDCWD, tmp, AT_FDCWD, clean, RENAME_EXCHANGE) == 0;
        if (swapped && rename(tmp, aside) != 0) snprintf(aside, sizeof aside, "%s", tmp);
#endif
        if (!swapped && rename(clean, aside) != 0)
            rc = sqk_fail(SQK_EIO, "%s: cannot move the previous folder aside: %s", clean, strerror(errno));
        if (!swapped && !rc && rename(tmp, clean) != 0) {
            rc = sqk_fail(SQK_EIO, "%s: cannot move the finished folder into place: %s", clean, strerror(errno));
            rename(aside, clean);
        }
        if (!rc) {
            sync_parent(clean);
            remove_tree(aside);
        }
    }
    if (rc) remove_tree(tmp);
    else sync_parent(clean);
    return rc;
}

unsigned char *sqk_slurp(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return NULL;
    struct stat sb;
    unsigned char *buf = NULL;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 && (buf = malloc((size_t)sb.st_size))) {
        size_t got = 0, want = (size_t)sb.st_size;
        while (got < want) {
            ssize_t r = pread(fd, buf + got, want - got, (off_t)got);
            if (r <= 0) break;
            got += (size_t)r;
        }
        if (got != want) { free(buf); buf = NULL; }
        *size = want;
    }
    close(fd);
    return buf;
}

int sqk_atomic_open(sqk_atomic_file *a, const char *path)
{
    a->f = NULL;
    if (snprintf(a->path, sizeof a->path, "%s", path) >= (int)sizeof a->path)
        return sqk_fail(SQK_EARG, "%s: path too long", path);
    int st = sqk_tmp_path(path, a->tmp, sizeof a->tmp);
    if (st) return st;
    a->f = fopen(a->tmp, "wb");
    if (!a->f) return sqk_fail(SQK_EIO, "%s: cannot create: %s", a->tmp, strerror(errno));
    return SQK_OK;
}

int sqk_atomic_close(sqk_atomic_file *a, int status)
{
    if (!a->f) return status;
    /* A failed buffered write is tried again by the flush, which leaves its errno. */
    errno = 0;
    int bad = fflush(a->f) != 0 || ferror(a->f);
    int e = errno;
    int closed = fclose(a->f) == 0;
    if (!closed && !e) e = errno;
    a->f = NULL;
    if (!status && (bad || !closed))
        status = sqk_fail(SQK_EIO, "%s: write failed: %s", a->path, e ? strerror(e) : "I/O error");
    if (status) {
        sqk_abandon_file(a->tmp);
        return status;
    }
    return sqk_commit_file(a->tmp, a->path);
}

int sqk_cmp_f64(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int sqk_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int sqk_mkdir_p(const char *dir)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf) return sqk_fail(SQK_EARG, "bad directory name '%s'", dir);
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return sqk_fail(SQK_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
            buf[i] = c;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sqk_fail(SQK_EIO, "%s: not a directory", dir);
    return SQK_OK;
}

void sqk_sha256_bytes(const void *bytes, size_t n, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32) { hex[0] = '\0'; return; }
    for (unsigned i = 0; i < len; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* SHA-256 through OpenSSL's EVP interface (it uses the CPU's SHA instructions where present). */
int sqk_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f) return sqk_fail(SQK_EIO, "%s: cannot open: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        fclose(f);
        EVP_MD_CTX_free(ctx);
        return sqk_fail(SQK_EMEM, "%s: cannot start a SHA-256 digest", path);
    }
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(ctx, buf, got);
    int err = ferror(f);
    fclose(f);
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (err) return sqk_fail(SQK_EIO, "%s: read error", path);
    for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return SQK_OK;
}
