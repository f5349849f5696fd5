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

typedef enum { KIND_PASS, KIND_DATASET, KIND_MODEL, KIND_CATALOG, KIND_KP } file_kind;

static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

/* The kind of a seqnetquake HDF5 file from its root "format" attribute; KIND_PASS otherwise. */
static file_kind own_hdf5_kind(const char *path)
{
    hid_t f;
    if (sqk_h5_open_read(path, &f) != SQK_OK) { sqk_clear_error(); return KIND_PASS; }
    char fmt[64] = "";
    if (sqk_h5_attr_exists(f, ".", "format")) sqk_h5_get_attr_str(f, ".", "format", fmt, sizeof fmt);
    sqk_clear_error();
    H5Fclose(f);
    return !strcmp(fmt, "seqnetquake-dataset") ? KIND_DATASET
         : !strcmp(fmt, "seqnetquake-model")   ? KIND_MODEL : KIND_PASS;
}

/* 1 when the first line of path names the time, latitude and longitude columns: a ComCat
 * export, whose columns the reader finds by name in any order. */
static int is_catalog_header(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char line[8192];
    int found = 0;
    if (fgets(line, sizeof line, f)) {
        char *h = line, *save = NULL;
        if (!strncmp(h, "\xEF\xBB\xBF", 3)) h += 3;
        h[strcspn(h, "\r\n")] = '\0';
        for (char *tok = strtok_r(h, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            found |= !strcmp(tok, "time") ? 1 : !strcmp(tok, "latitude") ? 2 : !strcmp(tok, "longitude") ? 4 : 0;
    }
    fclose(f);
    return found == 7;
}

/* By content first (HDF5 signature, whole 289-byte blocks that decode, a CSV header), then
 * by name (DMT_ files go to the DEMETER reader, which explains what is wrong with them). */
static int detect(const char *path, file_kind *kind)
{
    sqk_h5_init(); /* quiet HDF5 before asking it whether the file is one */
    FILE *f = fopen(path, "rb");
    if (!f) return sqk_fail(SQK_EIO, "%s: cannot open the file", path);
    unsigned char head[SQK_DEMETER_BLOCK];
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    struct stat st;
    if (stat(path, &st) != 0 || S_ISDIR(st.st_mode)) return sqk_fail(SQK_EIO, "%s: not a regular file", path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* After a user block the signature sits at 512, 1024, ...: HDF5 looks for it there. */
    int hdf5 = (got >= 8 && !memcmp(head, hdf5_sig, 8)) || (st.st_size >= 512 + 8 && H5Fis_hdf5(path) > 0);
    if (hdf5) {
        *kind = own_hdf5_kind(path);
        return SQK_OK;
    }
    sqk_isl_record r;
    if (!strncmp(base, "DMT_", 4) ||
        (got == SQK_DEMETER_BLOCK && st.st_size % SQK_DEMETER_BLOCK == 0 && sqk_demeter_decode_block(head, &r) == SQK_OK)) {
        *kind = KIND_PASS;
        return SQK_OK;
    }
    sqk_clear_error();
    if (st.st_size == 0) return sqk_fail(SQK_EEMPTY, "%s: empty file", path);
    /* A ComCat export starts with its header (possibly after a UTF-8 byte order mark). */
    size_t skip = got >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF ? 3 : 0;
    int csv_header = (got >= skip + 13 && !strncasecmp((const char *)head + skip, "time,latitude", 13)) ||
                     is_catalog_header(path);
    *kind = csv_header ? KIND_CATALOG : KIND_KP;
    return SQK_OK;
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
    file_kind kind = KIND_KP;
    int st = detect(path, &kind);
    if (st) return st;
    switch (kind) {
    case KIND_PASS: return inspect_pass_file(path, out);
    case KIND_DATASET: return inspect_dataset(path, out);
    case KIND_MODEL: return inspect_model(path, out);
    case KIND_CATALOG: return inspect_catalog(path, out);
    case KIND_KP: break;
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
