/* What the experiment runner (run.c) and the sensitivity experiments (sensitivity.c) share:
 * running a seqnetquake command as a child process with its output in a log, and the small
 * file functions of a resumable output folder (common.c). */
#ifndef SQK_EXP_INTERNAL_H
#define SQK_EXP_INTERNAL_H

#include "sqk/experiment.h"

#include <stddef.h>

/* Monotonic seconds. */
double exp_now_s(void);
/* A whole file, NUL-terminated, malloc'd (NULL with errno set when it cannot be read). */
char *exp_read_all(const char *path, size_t *n_out);
int exp_write_text_atomic(const char *path, const char *text);
/* OUT/NAME: written by the first run; every later run must bring the same text, otherwise
 * SQK_EARG naming the first line that differs ("holds the results of another WHAT"). */
int exp_check_same_text(const char *out, const char *name, const char *text, const char *what);

/* A command line being assembled (the arguments after the executable). */
typedef struct {
    char *argv[64];
    int argc;
    char buf[8192];
    size_t used;
} exp_cmdline;
void exp_arg(exp_cmdline *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs self_exe with c's arguments in folder dir (NULL: here), stdout and stderr appended to
 * log_path. A failure is SQK_EVALUE naming unit, the command and the last line it printed. */
int exp_spawn(const char *self_exe, exp_cmdline *c, const char *dir, const char *log_path, const char *unit);

#endif
