/* The readers of every input kind, by name: what each libFuzzer harness (fuzz_<name>) drives
 * and what the crash corpus replay (tests/test_fuzz_replay.c) runs each file of
 * tests/fuzz/crashes/<name>/ through. One table, so the two cannot drift apart.
 *
 * Each reader takes a path (the fuzzer writes its input to a file first: libhdf5 and the
 * text readers read files) and returns a status with sqk_last_error() set. With isolation on
 * (the default) the HDF5 and XGBoost readers run in worker processes, as for a user; the
 * fuzzers set SQK_NO_ISOLATION=1 to see what the workers protect from. */
#ifndef SQK_FUZZ_READERS_H
#define SQK_FUZZ_READERS_H

#include <stddef.h>

typedef struct {
    const char *name;
    const char *what;
    int (*read)(const char *path);
    /* the name the harness gives its input file (readers take meaning from names too) */
    const char *file_name;
    /* 1 when an error names a table of a folder made from the input instead of the input */
    int names_folder;
} sqk_fuzz_reader;

extern const sqk_fuzz_reader sqk_fuzz_readers[];
extern const size_t sqk_fuzz_n_readers;
const sqk_fuzz_reader *sqk_fuzz_reader_find(const char *name);

/* The evaluation folder harness: its input is the six tables, separated by NUL bytes, in the
 * order below; missing ones are left out of the folder. */
#define SQK_FUZZ_EVAL_TABLES {"metrics.json", "per_class.csv", "confusion.csv", "roc.csv", "bootstrap.csv", "events.csv"}

#endif
