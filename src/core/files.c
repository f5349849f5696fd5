/* Atomic output files, directories, and SHA-256 checksums for provenance. */
#include "sqk/core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sqk_tmp_path(const char *path, char *buf, size_t bufsize)
{
    int n = snprintf(buf, bufsize, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= bufsize) return sqk_fail(SQK_EARG, "%s: path too long", path);
    return SQK_OK;
}

int sqk_commit_file(const char *tmp, const char *path)
{
    if (rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return sqk_fail(SQK_EIO, "%s: cannot move the finished file into place: %s", path, strerror(e));
    }
    return SQK_OK;
}

void sqk_abandon_file(const char *tmp) { remove(tmp); }

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
    int bad = ferror(a->f);
    int closed = fclose(a->f) == 0;
    a->f = NULL;
    if (!status && (bad || !closed)) status = sqk_fail(SQK_EIO, "%s: write failed", a->path);
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
