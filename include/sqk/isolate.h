/* Isolation of the parsers we do not own (libhdf5, libxgboost).
 *
 * A corrupt input file can make a third-party parser crash (SIGSEGV, heap corruption) or hang.
 * Such parsing runs here in a worker process forked from this one: the worker runs a reader
 * on a path and sends back its status, its message and the bytes of its result; the parent
 * watches it with a time limit. A worker that dies or hangs becomes an ordinary SQK_EFORMAT
 * error naming the file ("...: the HDF5 library crashed reading this file (signal 11,
 * Segmentation fault): the file is corrupt"), and the next call starts a fresh worker.
 *
 * Environment: SQK_READ_TIMEOUT_S (seconds a worker may take for one file, default 60);
 * SQK_READ_MEMORY_MB (memory a worker may allocate for one file, default 64 times its size
 * and at least 512: a corrupt size field inside a library must not take the machine's memory);
 * SQK_NO_ISOLATION=1 runs readers in the calling process (for fuzzing and debuggers). */
#ifndef SQK_ISOLATE_H
#define SQK_ISOLATE_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer: what a worker sends back, and a cursor to read it again. */
typedef struct {
    unsigned char *p;
    size_t n, cap;
    size_t pos; /* read cursor */
} sqk_buf;
int sqk_buf_put(sqk_buf *b, const void *v, size_t n);
/* Copies the next n bytes to v (NULL: skips them); SQK_EFORMAT when fewer are left. */
int sqk_buf_get(sqk_buf *b, void *v, size_t n);
/* Points *v at the next n bytes inside the buffer (no copy). */
int sqk_buf_view(sqk_buf *b, const void **v, size_t n);
void sqk_buf_free(sqk_buf *b);

/* A reader run in a worker: reads path, puts its result in reply; returns a status with its
 * message set as usual. arg is the caller's (the worker sees it as it was when forked). */
typedef int (*sqk_isolated_fn)(const char *path, const void *arg, sqk_buf *reply);

/* 1 when readers should run in workers: not disabled by SQK_NO_ISOLATION and not already in
 * a worker. */
int sqk_isolation_on(void);
double sqk_isolation_timeout_s(void);

/* One call in a fresh worker (forked now, gone after). library names the parser in messages
 * ("HDF5", "XGBoost"). With isolation off, fn runs here. */
int sqk_isolated(const char *library, const char *path, sqk_isolated_fn fn, const void *arg,
                 sqk_buf *reply);

/* A worker kept for many calls (one per thread: calls on one worker must not overlap). It is
 * forked at sqk_worker_new and again after a crash or a hang. */
typedef struct sqk_worker sqk_worker;
int sqk_worker_new(sqk_worker **w, const char *library, sqk_isolated_fn fn, const void *arg);
int sqk_worker_call(sqk_worker *w, const char *path, sqk_buf *reply);
void sqk_worker_free(sqk_worker *w);

#endif
