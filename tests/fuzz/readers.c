/* The readers of every input kind, by name (readers.h). */
#include "readers.h"

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/dataset.h"
#include "sqk/eval.h"
#include "sqk/experiment.h"
#include "sqk/inspect.h"
#include "sqk/isolate.h"
#include "sqk/model.h"
#include "sqk/train.h"
#include "sqk/xgb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* CSES LAP as build reads it: the file's bytes read once, HDF5 on them in memory, the raw
 * data taken from the bytes. */
static int read_cses_lap(const char *path)
{
    sqk_buf b;
    int st = sqk_isolated("HDF5", path, sqk_cses_lap_worker, NULL, &b);
    sqk_buf_free(&b);
    return st;
}

/* Any CSES instrument as inspect reads it: every dataset, and the root attributes (the
 * variable-length strings of the real files). */
static int read_cses_any(const char *path)
{
    FILE *null = fopen("/dev/null", "w");
    if (!null) return sqk_fail(SQK_EIO, "cannot open /dev/null");
    int st = sqk_inspect(path, null);
    fclose(null);
    return st;
}

static int read_demeter(const char *path)
{
    sqk_pass p;
    int st = sqk_demeter_read(path, &p);
    if (!st) sqk_pass_free(&p);
    return st;
}

static int read_catalog(const char *path)
{
    sqk_catalog c;
    int st = sqk_catalog_read(path, 0.0, 1, &c);
    if (!st) sqk_catalog_free(&c);
    return st;
}

static int read_kp(const char *path)
{
    sqk_kp k;
    int st = sqk_kp_read(path, &k);
    if (!st) sqk_kp_free(&k);
    return st;
}

/* Datasets as train reads them (windows, in a worker), as evaluate reads them (labels and
 * events) and with every column the figures read. */
static int read_dataset(const char *path)
{
    sqk_train_data t;
    int st = sqk_train_data_read(&t, path);
    if (st) return st;
    sqk_train_data_free(&t);
    sqk_eval_dataset e;
    if ((st = sqk_eval_dataset_read(path, &e))) return st;
    sqk_eval_dataset_free(&e);
    sqk_dataset d;
    st = sqk_dataset_read(path, "time?,lat?,lon?,lt_h?,magnitude?,distance_km?,days_before?,kp?,y,orbit?,file?,"
                                "event?,sample?,event_kind?,satellite?,cadence?,precursor_weight?,"
                                "precursor_event?,split,files?,events?",
                          &d);
    if (!st) sqk_dataset_free(&d);
    return st;
}

/* Models of every kind: the network weights or the XGBoost booster. */
static int read_model(const char *path)
{
    sqk_model *m;
    int st = sqk_model_load(&m, path);
    if (!st) sqk_model_free(m);
    return st;
}

/* An XGBoost booster's bytes as libxgboost parses them once a model file's checksum of them
 * matched, in a worker as the model reader runs it: a fuzzer's mutations of a model file
 * would stop at the checksum. */
static int booster_worker(const char *path, const void *arg, sqk_buf *reply)
{
    (void)arg;
    (void)reply;
    size_t n = 0;
    uint8_t *bytes = sqk_slurp(path, &n);
    if (!bytes) return sqk_fail(SQK_EFORMAT, "%s: empty or unreadable", path);
    sqk_xgb *b = NULL;
    int st = sqk_xgb_load_bytes(bytes, n, 1, &b);
    free(bytes);
    if (st) return sqk_fail_context(st, "%s", path);
    sqk_xgb_free(b);
    return SQK_OK;
}

static int read_booster(const char *path)
{
    sqk_buf b;
    int st = sqk_isolated("XGBoost", path, booster_worker, NULL, &b);
    sqk_buf_free(&b);
    return st;
}

static int read_predictions(const char *path)
{
    sqk_pred p;
    int st = sqk_pred_read(path, &p);
    if (!st) sqk_pred_free(&p);
    return st;
}

static int read_truth(const char *path)
{
    sqk_truth t;
    int st = sqk_truth_read(path, &t);
    if (!st) sqk_truth_free(&t);
    return st;
}

static int read_plan(const char *path)
{
    sqk_plan p;
    int st = sqk_plan_load(&p, path, 0);
    if (!st) sqk_plan_free(&p);
    return st;
}

/* The input split at NUL bytes into the tables of a fresh folder beside nothing else. */
static int read_evalfolder(const char *path)
{
    static const char *const tables[] = SQK_FUZZ_EVAL_TABLES;
    size_t n = 0;
    unsigned char *bytes = sqk_slurp(path, &n); /* NULL: empty, every table empty */
    if (!bytes) n = 0;
    const char *tmp = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/sqk-fuzz-eval-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        free(bytes);
        return sqk_fail(SQK_EIO, "cannot make a temporary folder");
    }
    char file[sizeof dir + 32];
    static const unsigned char none[1] = {0};
    const unsigned char *in = bytes ? bytes : none;
    size_t at = 0;
    int st = SQK_OK;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0] && at <= n && !st; t++) {
        const unsigned char *end = memchr(in + at, 0, n - at);
        size_t len = end ? (size_t)(end - (in + at)) : n - at;
        snprintf(file, sizeof file, "%s/%s", dir, tables[t]);
        FILE *f = fopen(file, "wb");
        if (!f || fwrite(in + at, 1, len, f) != len) st = sqk_fail(SQK_EIO, "%s: cannot write", file);
        if (f && fclose(f) != 0 && !st) st = sqk_fail(SQK_EIO, "%s: cannot write", file);
        at += len + 1;
        if (!end) break;
    }
    free(bytes);
    sqk_evaluation ev;
    if (!st && !(st = sqk_evaluation_read(dir, &ev))) sqk_evaluation_free(&ev);
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        snprintf(file, sizeof file, "%s/%s", dir, tables[t]);
        unlink(file);
    }
    rmdir(dir);
    return st;
}

const sqk_fuzz_reader sqk_fuzz_readers[] = {
    {"cses_lap", "CSES LAP Level-2 HDF5, as build reads it", read_cses_lap,
     "CSES_01_LAP_1_L02_A3_096790_20191101_002014_20191101_005643_000.h5", 0},
    {"cses_any", "CSES Level-2 HDF5 of any instrument, as inspect reads it", read_cses_any,
     "CSES_01_HPM_5_L02_A2_096791_20191101_001933_20191101_005555_000.h5", 0},
    {"demeter", "DEMETER ISL .DAT", read_demeter, "DMT_N1_1144_096790_20191101_002014_20191101_005643.DAT", 0},
    {"catalog", "USGS ComCat CSV catalogue", read_catalog, "catalog.csv", 0},
    {"kp", "Kp table (GFZ, WDC, CelesTrak)", read_kp, "kp.txt", 0},
    {"dataset", "dataset HDF5", read_dataset, "dataset.h5", 0},
    {"model", "model HDF5 (networks and XGBoost boosters)", read_model, "model.h5", 0},
    {"booster", "XGBoost booster bytes of a model file", read_booster, "booster.ubj", 0},
    {"predictions", "predictions CSV", read_predictions, "predictions.csv", 0},
    {"truth", "truth.csv of a synthetic archive", read_truth, "truth.csv", 0},
    {"plan", "experiment plan", read_plan, "plan.txt", 0},
    {"evalfolder", "evaluation folder tables", read_evalfolder, "tables.bin", 1},
};
const size_t sqk_fuzz_n_readers = sizeof sqk_fuzz_readers / sizeof sqk_fuzz_readers[0];

const sqk_fuzz_reader *sqk_fuzz_reader_find(const char *name)
{
    for (size_t i = 0; i < sqk_fuzz_n_readers; i++)
        if (!strcmp(sqk_fuzz_readers[i].name, name)) return &sqk_fuzz_readers[i];
    return NULL;
}
