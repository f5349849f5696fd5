/* seqnetquake inspect FILE...: detects what each file is and prints a human summary. */
#include "cli.h"
#include "opts.h"
#include "inspect.h"

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/dataset.h"
#include "sqk/h5.h"
#include "sqk/isolate.h"
#include "sqk/model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    fprintf(f,
        "usage: seqnetquake inspect [--quiet] FILE...\n\n"
        "Summarises each FILE, whose kind is found from its content:\n"
        "  CSES Level-2 HDF5 (LAP, or any instrument through the generic container),\n"
        "  DEMETER ISL level-1 (.DAT, 289-byte blocks), a USGS ComCat CSV catalogue,\n"
        "  a Kp table (GFZ, WDC or CelesTrak), a seqnetquake dataset or model (.h5).\n"
        "For satellite files: time span, sample count, sampling periods and gaps, fill/invalid\n"
        "counts per variable, latitude/longitude/local-time ranges, orbit and direction, and\n"
        "any disagreement between the file name and the file's own attributes.\n\n"
        "options:\n"
        "  --quiet      print nothing but errors; the exit status says whether every file reads\n"
        "  -h, --help   this help\n\n"
        "exit status: 0 all files read, 1 a file could not be read, 2 bad usage\n");
}

static size_t count_value(const uint8_t *v, size_t n, uint8_t x)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += v[i] == x;
    return k;
}

/* DATASET.h5 (the dataset contract): shape, features and class/split counts. */
static int inspect_dataset(const char *path, FILE *out)
{
    sqk_dataset d;
    int st = sqk_dataset_read(path, "split", &d);
    if (st) return st;
    size_t n = d.n;
    fprintf(out, "%-13s %s\n%-13s seqnetquake dataset\n", "file:", path, "kind:");
    fprintf(out, "%-13s %zu windows of T = %d samples x F = %d features (%s)\n", "windows:", n, d.T, d.F, d.features);
    size_t c[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) c[d.y[i]]++;
    fprintf(out, "%-13s control %zu, seismic %zu, storm %zu\n", "classes:", c[0], c[1], c[2]);
    fprintf(out, "%-13s train %zu, validation %zu, test %zu\n", "split:", count_value(d.split, n, 0),
            count_value(d.split, n, 1), count_value(d.split, n, 2));
    sqk_dataset_free(&d);
    return SQK_OK;
}

/* MODEL.h5 (docs/model-format.md): kind, window shape, hyperparameters, training provenance. */
static int inspect_model(const char *path, FILE *out)
{
    sqk_model *m;
    int st = sqk_model_load(&m, path);
    if (st) return st;
    char *hp = sqk_hparams_format(&m->hp);
    fprintf(out, "%-13s %s\n%-13s seqnetquake model, %s (%s)\n", "file:", path, "kind:", m->kind->name,
            m->kind->description);
    fprintf(out, "%-13s T = %d samples x F = %d features (%s)\n", "windows:", m->T, m->F, m->features);
    fprintf(out, "%-13s epoch or rounds kept %d; training dataset sha256 %s\n", "training:", m->best_epoch,
            m->data_sha256[0] ? m->data_sha256 : "unknown");
    fprintf(out, "hyperparameters:\n");
    for (const char *line = hp; line && *line;) {
        size_t len = strcspn(line, "\n");
        fprintf(out, "  %.*s\n", (int)len, line);
        line += len + (line[len] == '\n');
    }
    free(hp);
    sqk_model_free(m);
    return SQK_OK;
}

static int inspect_one(const char *path, FILE *out)
{
    sqk_h5_init(); /* quiet HDF5 before asking it whether the file is one */
    sqk_file_kind kind;
    int st = sqk_file_kind_of(path, &kind);
    if (st) return st;
    switch (kind) {
    case SQK_FILE_CSES:
    case SQK_FILE_DEMETER: return inspect_pass_file(path, out);
    case SQK_FILE_DATASET: return inspect_dataset(path, out);
    case SQK_FILE_MODEL: return inspect_model(path, out);
    case SQK_FILE_CATALOG: return inspect_catalog(path, out);
    case SQK_FILE_KP: break;
    }
    /* The last guess: say so, so that a stray file's error makes sense. */
    st = inspect_kp(path, out);
    if (st) {
        char why[600];
        snprintf(why, sizeof why, "%s", sqk_last_error());
        return sqk_fail(st, "%s: not a CSES/DEMETER file, catalogue, dataset or model; as a Kp table: %s", path, why);
    }
    return SQK_OK;
}

/* Inspection of one file in a worker process (sqk/isolate.h): the reading libraries are
 * libhdf5 and libxgboost, which a corrupt file can crash or hang; the summary comes back as text,
 * printed only when the whole file was read, and the next file is inspected either way. */
static int inspect_worker(const char *path, const void *arg, sqk_buf *reply)
{
    (void)arg;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) return sqk_fail(SQK_EMEM, "%s: no memory for the summary", path);
    int st = inspect_one(path, mem);
    if (fclose(mem) != 0 && !st) st = sqk_fail(SQK_EMEM, "%s: no memory for the summary", path);
    if (!st) st = sqk_buf_put(reply, text, len);
    free(text);
    return st;
}

static int inspect_isolated(const char *path, FILE *out)
{
    if (!sqk_isolation_on()) return inspect_one(path, out);
    sqk_buf b;
    int st = sqk_isolated("HDF5 or XGBoost", path, inspect_worker, NULL, &b);
    if (!st && b.n) fwrite(b.p, 1, b.n, out);
    sqk_buf_free(&b);
    return st;
}

int cmd_inspect(int argc, char **argv)
{
    int quiet = 0, nfiles = 0, failed = 0;
    const cli_option opts[] = {CLI_OPT("quiet", CLI_FLAG, &quiet)};
    const char **files = malloc(((size_t)argc + 1) * sizeof *files);
    if (!files) {
        fprintf(stderr, "seqnetquake inspect: out of memory\n");
        return 1;
    }
    int st = cli_parse("inspect", argc, argv, opts, CLI_NOPTS(opts), files, &nfiles);
    if (st == CLI_HELP) usage(stdout);
    else if (st == CLI_USAGE) fputc('\n', stderr), usage(stderr);
    else if (nfiles == 0) {
        fprintf(stderr, "seqnetquake inspect: no FILE given\n\n");
        usage(stderr);
        st = CLI_USAGE;
    }
    if (st) {
        free(files);
        return st == CLI_HELP ? 0 : 2;
    }
    FILE *out = quiet ? fopen("/dev/null", "w") : stdout;
    if (!out) out = stdout;
    for (int i = 0; i < nfiles; i++) {
        if (i && !quiet) fputc('\n', out);
        sqk_clear_error();
        if (inspect_isolated(files[i], out) != SQK_OK) {
            fflush(out);
            cli_fail("inspect");
            failed++;
        }
    }
    free(files);
    if (out != stdout) fclose(out);
    fflush(stdout);
    return failed ? 1 : 0;
}
