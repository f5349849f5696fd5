/* Inspection of any file the pipeline reads or writes: its kind from the sniffer, then a human
 * summary (sqk/inspect.h). The reading runs in a worker process when isolation is on. */
#include "sqk/inspect.h"
#include "inspect_internal.h"

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
    case SQK_FILE_CSES: return inspect_pass_file(path, 0, out);
    case SQK_FILE_DEMETER: return inspect_pass_file(path, 1, out);
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

int sqk_inspect(const char *path, FILE *out)
{
    if (!sqk_isolation_on()) return inspect_one(path, out);
    sqk_buf b;
    int st = sqk_isolated("HDF5 or XGBoost", path, inspect_worker, NULL, &b);
    if (!st && b.n) fwrite(b.p, 1, b.n, out);
    sqk_buf_free(&b);
    return st;
}

