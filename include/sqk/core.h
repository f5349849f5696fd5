/* SeqNetQuake core: status codes, error messages, progress reporting, small checked helpers.
 *
 * Every library function that can fail returns an int status: SQK_OK (0) on success or a
 * negative SQK_E* code, and leaves a message for sqk_last_error() that names the file, the
 * record or line and the problem. The library never prints and never exits; only the
 * command line (src/cli) does. The message is per thread, so OpenMP readers are safe. */
#ifndef SQK_CORE_H
#define SQK_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The status codes, sqk_last_error(), sqk_clear_error() and sqk_version() are those of the
 * public interface. */
#include "seqnetquake.h"

/* Sets the thread's last error message (printf-style) and returns code. */
int sqk_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepends context ("reading X: ") to the current message and returns code. */
int sqk_fail_context(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Checked allocation: on failure sets the error message and returns NULL. */
void *sqk_malloc(size_t n);
void *sqk_calloc(size_t count, size_t size);
void *sqk_realloc(void *p, size_t n);
char *sqk_strdup(const char *s);

/* Growable array helper: ensures *cap >= need elements of size elem; returns status. */
int sqk_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Progress reporting. The library calls report() now and then during long work; the command
 * line decides whether and how to show it (a line on a terminal, nothing with --quiet). */
typedef struct sqk_progress {
    void (*report)(void *ctx, const char *what, double done, double total);
    void *ctx;
} sqk_progress;
void sqk_progress_report(const sqk_progress *p, const char *what, double done, double total);

/* Atomic output: write to a temporary name next to the final path, then rename.
 * sqk_tmp_path fills buf with "<path>.tmp.<pid>"; sqk_commit_file flushes it to the disk
 * (fsync) and renames it into place;
 * sqk_abandon_file removes it. sqk_tmp_path also removes what runs killed before they could
 * commit left for the same path: "<path>.tmp.PID" and "<path>.old.PID" files and folders whose
 * process no longer runs (each folder is read once per process). */
int sqk_tmp_path(const char *path, char *buf, size_t bufsize);
int sqk_commit_file(const char *tmp, const char *path);
void sqk_abandon_file(const char *tmp);
/* Writes bytes to path atomically and durably (temporary name, fsync, rename, fsync of the
 * folder); errors carry errno's words ("No space left on device") and the file name. */
int sqk_write_file_atomic(const char *path, const void *bytes, size_t n);
/* The outputs of one run (at most 8), committed together: all are written and flushed under
 * temporary names first (a failure leaves everything as it was); then the previous paths[0]
 * is removed, the companions paths[1..] renamed into place and paths[0] last. paths[0] is the
 * commit: whenever it exists, every companion beside it is its own. */
int sqk_write_files_atomic(const char *const *paths, const void *const *bytes, const size_t *sizes, int n);
/* An output folder written whole: sqk_tmp_dir makes the empty folder "<dir>.tmp.<pid>" (and
 * dir's parents) for the run to fill. It refuses a dir that exists and is not a folder, or is a
 * folder holding files but not the file `mark` (what the command writes last, e.g.
 * "metrics.json"), so that a user's other files are never replaced;
 * sqk_commit_dir(tmp, dir) then puts it in place of dir. An existing dir is replaced whole:
 * swapped with the new folder in one step where the file system allows (renameat2), else renamed
 * aside to "<dir>.old.<pid>" first, and deleted after. A kill at any moment leaves dir as the
 * previous folder or the new one, never a mix (after a kill between the two renames of the
 * fallback, dir is absent and the old and new folders sit under their temporary names, removed
 * when dir is written again). On failure the temporary folder is removed. */
int sqk_tmp_dir(const char *dir, const char *mark, char *tmp, size_t size);
int sqk_commit_dir(const char *tmp, const char *dir);
/* Removes a file or a folder with everything in it (absent: SQK_OK). */
int sqk_rm_tree(const char *path);
/* A whole regular file in one read, malloc'd, its length in *size; NULL when it cannot be read
 * so (missing, empty, not a regular file): the readers then say why. */
unsigned char *sqk_slurp(const char *path, size_t *size);

/* A stdio stream written atomically: sqk_atomic_open opens "<path>.tmp.<pid>";
 * sqk_atomic_close(a, status) renames it into place when status is SQK_OK and every write
 * succeeded, and otherwise removes it; it returns the final status (a write error becomes
 * SQK_EIO naming the path). */
typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4200];
} sqk_atomic_file;
int sqk_atomic_open(sqk_atomic_file *a, const char *path);
int sqk_atomic_close(sqk_atomic_file *a, int status);

/* qsort comparators for ascending double and int64_t arrays. */
int sqk_cmp_f64(const void *a, const void *b);
int sqk_cmp_i64(const void *a, const void *b);

/* Creates a directory and its parents (like mkdir -p). */
int sqk_mkdir_p(const char *dir);

/* SHA-256 of a file as 64 hex characters + NUL (for provenance in dataset and model files). */
int sqk_sha256_file(const char *path, char hex[65]);
/* SHA-256 of bytes in memory (hex[0] = 0 if the digest fails). Model files carry these for the
 * bytes we write and parse back (booster, weights), checked before parsing. */
void sqk_sha256_bytes(const void *bytes, size_t n, char hex[65]);


#endif
