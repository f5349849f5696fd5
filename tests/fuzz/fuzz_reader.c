/* A libFuzzer harness for one reader of readers.c, chosen at compile time (SQK_FUZZ_HARNESS,
 * one executable fuzz_<name> per reader; `make fuzz`, docs/reliability.md). The input is
 * written to a file, as every reader takes a path, and read in this process: the fuzzer sets
 * SQK_NO_ISOLATION=1 so that it sees what the worker processes protect users from. An error
 * whose message does not name the file is a finding too: it aborts, and the fuzzer keeps the
 * input. */
#include "readers.h"

#include "sqk/core.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SQK_FUZZ_HARNESS
#error "SQK_FUZZ_HARNESS names the reader to fuzz"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const sqk_fuzz_reader *reader;
static char dir[256], path[512];

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("SQK_NO_ISOLATION", "1", 1);
    setenv("OMP_NUM_THREADS", "1", 1);
    reader = sqk_fuzz_reader_find(SQK_FUZZ_HARNESS);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/sqk-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", SQK_FUZZ_HARNESS);
    if (!reader || !mkdtemp(dir)) {
        fprintf(stderr, "fuzz_%s: no such reader or no temporary folder\n", SQK_FUZZ_HARNESS);
        exit(2);
    }
    snprintf(path, sizeof path, "%s/%s", dir, reader->file_name);
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "fuzz_%s: cannot write %s\n", SQK_FUZZ_HARNESS, path);
        exit(2);
    }
    sqk_clear_error();
    int st = reader->read(path);
    if (st) {
        const char *msg = sqk_last_error();
        const char *want = reader->names_folder ? "/sqk-fuzz-eval-" : reader->file_name;
        if (!strstr(msg, want)) {
            fprintf(stderr, "fuzz_%s: an error that does not name the file: %s\n", SQK_FUZZ_HARNESS, msg);
            abort();
        }
    }
    sqk_clear_error();
    return 0;
}
