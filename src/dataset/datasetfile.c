/* The dataset file (docs/dataset-format.md). Written atomically, and byte-identical for the
 * same inputs: HDF5's object modification times are switched off everywhere. */
#include "sqk/dataset.h"
#include "sqk/isolate.h"
#include "sqk/h5.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The version the writer writes, and the oldest the reader reads (the version history is in
 * docs/dataset-format.md). Version 1 files may lack the columns marked "since 2" below, the
 * features attribute and leakage/: a missing column is absent when the stage may do without
 * it, takes its documented default when it has one, and is otherwise an error saying the file
 * predates it. */
#define DATASET_FORMAT_VERSION 2
#define DATASET_FORMAT_OLDEST 1

/* ---- the window table: one line per column, for the writer and the reader. The file type
 * and the sqk_window member have the same size; the order is the order of writing. */
enum { DS_F64, DS_I32, DS_I64, DS_U8 };
/* Written always, or only with a synthetic archive's truth.csv; the last three are event
 * columns the writer derives (windows per event, the event's split, the swap unit or -1). */
enum { DS_ALWAYS, DS_TRUTH, DS_N_WINDOWS, DS_EVENT_SPLIT, DS_UNIT };

typedef struct {
    const char *name;
    int type;
    size_t source_off;  /* member of sqk_window (sqk_event for events/) the writer takes */
    size_t dataset_off; /* member of sqk_dataset the reader fills */
    int when;
    int since;          /* the first format_version that has it */
    int has_default;    /* an older file lacking it reads as the default... */
    double default_value; /* ...this value in every row */
} ds_column;

#define COL(name, type, wmember, dmember, when) \
    {name, type, offsetof(sqk_window, wmember), offsetof(sqk_dataset, dmember), when, 1, 0, 0}
#define COL2(name, type, wmember, dmember, when) \
    {name, type, offsetof(sqk_window, wmember), offsetof(sqk_dataset, dmember), when, 2, 0, 0}
static const ds_column window_columns[] = {
    COL("time", DS_F64, t, time, DS_ALWAYS),
    COL("lat", DS_F64, lat, lat, DS_ALWAYS),
    COL("lon", DS_F64, lon, lon, DS_ALWAYS),
    COL("lt_h", DS_F64, lt_h, lt_h, DS_ALWAYS),
    COL("magnitude", DS_F64, magnitude, magnitude, DS_ALWAYS),
    COL("distance_km", DS_F64, distance_km, distance_km, DS_ALWAYS),
    COL("days_before", DS_F64, days_before, days_before, DS_ALWAYS),
    COL("kp", DS_F64, kp, kp, DS_ALWAYS),
    COL("y", DS_I32, y, y, DS_ALWAYS),
    COL("orbit", DS_I32, orbit, orbit, DS_ALWAYS),
    COL("file", DS_I32, file, file, DS_ALWAYS),
    COL("event", DS_I64, event, event, DS_ALWAYS),
    COL("sample", DS_I64, sample, sample, DS_ALWAYS),
    COL("event_kind", DS_U8, event_kind, event_kind, DS_ALWAYS),
    COL("satellite", DS_U8, satellite, satellite, DS_ALWAYS),
    COL2("cadence", DS_U8, cadence, cadence, DS_ALWAYS),
    COL2("precursor_weight", DS_F64, precursor_weight, precursor_weight, DS_TRUTH),
    COL2("precursor_event", DS_I64, precursor_event, precursor_event, DS_TRUTH),
};
#undef COL
#undef COL2
#define N_WINDOW_COLUMNS (sizeof window_columns / sizeof window_columns[0])

/* ---- the event table (group events/): one line per column, for the writer and the reader
 * (events/id, strings, is written and read apart). events/pair and unit came with matched
 * controls (version 2); a version 1 file was built with random controls: -1 in every row. */
#define EVCOL(name, type, member) \
    {name, type, offsetof(sqk_event, member), offsetof(sqk_dataset, events.member), DS_ALWAYS, 1, 0, 0}
#define EVCOL_DERIVED(name, type, member, when, since, value) \
    {name, type, 0, offsetof(sqk_dataset, events.member), when, since, since > 1, value}
static const ds_column event_columns[] = {
    EVCOL("kind", DS_U8, kind),
    EVCOL("status", DS_U8, status),
    {"time", DS_F64, offsetof(sqk_event, t), offsetof(sqk_dataset, events.time), DS_ALWAYS, 1, 0, 0},
    EVCOL("lat", DS_F64, lat),
    EVCOL("lon", DS_F64, lon),
    EVCOL("mag", DS_F64, mag),
    EVCOL("depth_km", DS_F64, depth_km),
    EVCOL("radius_deg", DS_F64, radius_deg),
    EVCOL_DERIVED("n_windows", DS_I64, n_windows, DS_N_WINDOWS, 1, 0),
    {"pair", DS_I64, offsetof(sqk_event, pair), offsetof(sqk_dataset, events.pair), DS_ALWAYS, 2, 1, -1},
    EVCOL_DERIVED("unit", DS_I64, unit, DS_UNIT, 2, -1),
    EVCOL_DERIVED("split", DS_U8, split, DS_EVENT_SPLIT, 1, 0),
};
#undef EVCOL
#undef EVCOL_DERIVED
#define N_EVENT_COLUMNS (sizeof event_columns / sizeof event_columns[0])

static size_t type_size(int type) { return type == DS_F64 || type == DS_I64 ? 8 : type == DS_I32 ? 4 : 1; }

static hid_t file_type(int type)
{
    return type == DS_F64 ? H5T_IEEE_F64LE : type == DS_I32 ? H5T_STD_I32LE : type == DS_I64 ? H5T_STD_I64LE : H5T_STD_U8LE;
}

static hid_t mem_type(int type)
{
    return type == DS_F64 ? H5T_NATIVE_DOUBLE : type == DS_I32 ? H5T_NATIVE_INT32
         : type == DS_I64 ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT8;
}

static int write_window_table(hid_t f, const sqk_dataset_contents *d)
{
    const sqk_window_set *s = d->windows;
    size_t n = s->n, dims[3] = {n, (size_t)s->T, (size_t)s->F};
    int st = sqk_h5_write(f, "X", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dims, s->x);
    if (st) return st;
    int truth = d->result && d->result->has_truth;
    for (size_t c = 0; c < N_WINDOW_COLUMNS; c++) {
        const ds_column *k = &window_columns[c];
        if (k->when == DS_TRUTH && !truth) continue;
        size_t size = type_size(k->type);
        char *col = sqk_malloc((n ? n : 1) * size);
        if (!col) return SQK_EMEM;
        for (size_t i = 0; i < n; i++) memcpy(col + i * size, (const char *)&s->w[i] + k->source_off, size);
        st = sqk_h5_write(f, k->name, file_type(k->type), mem_type(k->type), 1, &n, col);
        free(col);
        if (st) return st;
    }
    return sqk_h5_write(f, "split", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &n, d->split);
}

static int write_events(hid_t f, const sqk_dataset_contents *d)
{
    size_t n = d->nevents;
    const sqk_event *ev = d->events;
    hid_t g = sqk_h5_create_group(f, "events");
    if (g < 0) return SQK_EIO;
    int st = SQK_OK;
    int64_t *nwin = sqk_calloc(n ? n : 1, sizeof *nwin), *unit = sqk_malloc((n ? n : 1) * sizeof *unit);
    uint8_t *split = sqk_malloc(n ? n : 1);
    const char **ids = sqk_malloc((n ? n : 1) * sizeof *ids);
    char *col = sqk_malloc((n ? n : 1) * 8);
    if (!nwin || !unit || !split || !ids || !col) { st = SQK_EMEM; goto done; }
    memset(split, SQK_SPLIT_NONE, n ? n : 1);
    for (size_t i = 0; i < d->windows->n; i++) {
        int64_t e = d->windows->w[i].event;
        nwin[e]++;
        split[e] = d->split[i]; /* event mode: one split per event; paper mode: the last one */
    }
    for (size_t i = 0; i < n; i++) {
        ids[i] = ev[i].id;
        unit[i] = ev[i].pair_id[0] ? ev[i].unit : -1;
    }
    if ((st = sqk_h5_write_strings(g, "id", ids, n))) goto done;
    for (size_t c = 0; c < N_EVENT_COLUMNS && !st; c++) {
        const ds_column *k = &event_columns[c];
        size_t size = type_size(k->type);
        for (size_t i = 0; i < n; i++) {
            const void *v = k->when == DS_N_WINDOWS ? (const void *)&nwin[i]
                          : k->when == DS_UNIT ? (const void *)&unit[i]
                          : k->when == DS_EVENT_SPLIT ? (const void *)&split[i]
                          : (const void *)((const char *)&ev[i] + k->source_off);
            memcpy(col + i * size, v, size);
        }
        st = sqk_h5_write(g, k->name, file_type(k->type), mem_type(k->type), 1, &n, col);
    }
done:
    free(nwin);
    free(unit);
    free(split);
    free(ids);
    free(col);
    H5Gclose(g);
    return st;
}

/* A scalar int64 attribute (h5py reads it as a plain integer). */
static int set_i64(hid_t f, const char *name, int64_t v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_INT64, &v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return e < 0 ? sqk_fail(SQK_EIO, "cannot write attribute '%s'", name) : SQK_OK;
}

static int write_attributes(hid_t f, const sqk_dataset_contents *d)
{
    const sqk_build_config *c = d->config;
    char config[4096], feats[SQK_MAX_FEATURES * 33] = "";
    int st = sqk_build_config_text(c, config, sizeof config);
    if (st) return st;
    for (int i = 0; i < c->nfeat; i++) {
        if (i) strcat(feats, ",");
        strcat(feats, c->feature[i]);
    }
    const sqk_build_result *r = d->result;
    if ((st = sqk_h5_set_attr_str(f, ".", "format", "seqnetquake-dataset"))) return st;
    if ((st = set_i64(f, "format_version", DATASET_FORMAT_VERSION))) return st;
    if ((st = set_i64(f, "T", c->T)) || (st = set_i64(f, "F", c->nfeat))) return st;
    if ((st = sqk_h5_set_attr_str(f, ".", "features", feats))) return st;
    if ((st = sqk_h5_set_attr_str(f, ".", "config", config))) return st;
    if ((st = sqk_h5_set_attr_str(f, ".", "program_version", sqk_version()))) return st;
    if ((st = sqk_h5_set_attr_str(f, ".", "catalog", d->catalog_path))) return st;
    if ((st = sqk_h5_set_attr_str(f, ".", "catalog_sha256", d->catalog_sha256))) return st;
    if ((st = sqk_h5_set_attr_str(f, ".", "kp", d->kp_path))) return st;
    if ((st = sqk_h5_set_attr_str(f, ".", "kp_sha256", d->kp_sha256))) return st;
    if ((st = sqk_h5_set_attr_str(f, ".", "files_digest", d->files_digest))) return st;
    if (r) {
        if ((st = sqk_h5_set_attr_str(f, ".", "summary", r->summary ? r->summary : ""))) return st;
        double span[2] = {r->t0, r->t1};
        if ((st = sqk_h5_set_attr_f64(f, ".", "archive_span", span, 2))) return st;
        int64_t counts[] = {
            (int64_t)r->events_read, (int64_t)r->events_min_mag, (int64_t)r->events_kept,
            (int64_t)r->events_aftershocks, (int64_t)r->controls_wanted, (int64_t)r->controls_placed,
            (int64_t)r->samples.read, (int64_t)r->samples.fill, (int64_t)r->samples.ne_range,
            (int64_t)r->samples.te_range, (int64_t)r->samples.time_order,
            (int64_t)r->windows.cut, (int64_t)r->windows.gap, (int64_t)r->windows.time_of_day,
            (int64_t)r->windows.unassociated, (int64_t)r->windows.aftershock,
            (int64_t)r->windows.missing_kp, (int64_t)r->windows.used,
            (int64_t)r->files, (int64_t)r->files_bad};
        if ((st = sqk_h5_set_attr_i64(f, ".", "counts", counts, sizeof counts / sizeof counts[0]))) return st;
        if ((st = sqk_h5_set_attr_str(f, ".", "counts_names",
                "events_read,events_min_mag,events_kept,events_aftershocks,controls_wanted,"
                "controls_placed,samples_read,samples_fill,samples_ne_range,samples_te_range,"
                "samples_time_order,windows_cut,windows_gap,windows_time_of_day,"
                "windows_unassociated,windows_aftershock,windows_missing_kp,windows_used,"
                "files,files_bad"))) return st;
    }
    return SQK_OK;
}

/* leakage/: the audit's table (values, with its row and column names) and text. */
static int write_leakage(hid_t f, const sqk_build_audit *a)
{
    if (!a->values || !a->rows || !a->cols) return SQK_OK;
    hid_t g = sqk_h5_create_group(f, "leakage");
    if (g < 0) return SQK_EIO;
    size_t dims[2] = {a->rows, a->cols};
    int st = sqk_h5_write_f64(g, "values", 2, dims, a->values);
    if (!st) st = sqk_h5_set_attr_str(g, "values", "rows", a->row_names ? a->row_names : "");
    if (!st) st = sqk_h5_set_attr_str(g, "values", "columns", a->col_names ? a->col_names : "");
    if (!st) st = sqk_h5_set_attr_str(g, ".", "text", a->text ? a->text : "");
    int64_t warn = a->warn;
    if (!st) st = sqk_h5_set_attr_i64(g, ".", "warning", &warn, 1);
    H5Gclose(g);
    return st;
}

static int write_all(hid_t f, const void *ctx)
{
    const sqk_dataset_contents *d = ctx;
    int st = write_window_table(f, d);
    if (!st) st = sqk_h5_write_strings(f, "files", d->files, d->nfiles);
    if (!st) st = sqk_h5_write_strings(f, "files_sha256", d->files_sha256, d->nfiles);
    if (!st) st = write_events(f, d);
    if (!st) st = write_attributes(f, d);
    if (!st && d->result) st = write_leakage(f, &d->result->audit);
    return st;
}

int sqk_dataset_write(const char *path, const sqk_dataset_contents *d)
{
    return sqk_dataset_write_with_summary(path, d, NULL, NULL);
}

int sqk_dataset_write_with_summary(const char *path, const sqk_dataset_contents *d,
                                   const char *summary_path, const char *summary)
{
    unsigned char *image;
    size_t size;
    int st = sqk_h5_file_image(path, write_all, d, &image, &size);
    if (st) return st;
    const char *paths[2] = {path, summary_path};
    const void *bytes[2] = {image, summary};
    size_t sizes[2] = {size, summary ? strlen(summary) : 0};
    st = sqk_write_files_atomic(paths, bytes, sizes, summary_path ? 2 : 1);
    free(image);
    return st ? sqk_fail_context(st, "writing %s", path) : SQK_OK;
}

/* ------------------------------------------------------------------ reading */

/* What the caller asked for: 0 not asked, 1 required, 2 may be absent. */
typedef struct {
    uint8_t window[N_WINDOW_COLUMNS], event[N_EVENT_COLUMNS];
    uint8_t X, split, event_id, sha256, files;
} ds_selection;

static int select_fields(const char *path, const char *fields, ds_selection *sel)
{
    memset(sel, 0, sizeof *sel);
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", fields ? fields : "") >= (int)sizeof buf)
        return sqk_fail(SQK_EARG, "dataset fields '%.60s...': too long", fields);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t len = strlen(tok);
        uint8_t want = 1;
        if (len && tok[len - 1] == '?') { tok[--len] = '\0'; want = 2; }
        int found = 0;
        if (!strcmp(tok, "X")) sel->X = want, found = 1;
        else if (!strcmp(tok, "split")) sel->split = want, found = 1;
        else if (!strcmp(tok, "sha256")) sel->sha256 = 1, found = 1;
        else if (!strcmp(tok, "files")) sel->files = want, found = 1;
        else if (!strcmp(tok, "events") || !strcmp(tok, "events/id")) {
            sel->event_id = want;
            found = 1;
            if (!strcmp(tok, "events")) memset(sel->event, want, sizeof sel->event);
        } else if (!strncmp(tok, "events/", 7)) {
            for (size_t c = 0; c < N_EVENT_COLUMNS; c++)
                if (!strcmp(tok + 7, event_columns[c].name)) sel->event[c] = want, sel->event_id = 1, found = 1;
        } else {
            for (size_t c = 0; c < N_WINDOW_COLUMNS; c++)
                if (!strcmp(tok, window_columns[c].name)) sel->window[c] = want, found = 1;
        }
        if (!found) return sqk_fail(SQK_EARG, "%s: no dataset field '%s' to read", path, tok);
    }
    return SQK_OK;
}

/* Every row of column k set to its default (a file older than the column). */
static void fill_default(const ds_column *k, void *col, size_t n)
{
    for (size_t i = 0; i < n; i++)
        switch (k->type) {
        case DS_F64: ((double *)col)[i] = k->default_value; break;
        case DS_I32: ((int32_t *)col)[i] = (int32_t)k->default_value; break;
        case DS_I64: ((int64_t *)col)[i] = (int64_t)k->default_value; break;
        default: ((uint8_t *)col)[i] = (uint8_t)k->default_value; break;
        }
}

static int read_column(hid_t loc, const char *path, int version, const char *prefix, const ds_column *k,
                       size_t n, uint8_t want, sqk_dataset *d)
{
    char name[64];
    snprintf(name, sizeof name, "%s%s", prefix, k->name);
    int exists = sqk_h5_exists(loc, name);
    /* A version 2 file has every column the writer always writes: one missing is damage. */
    if (!exists && version >= 2 && version >= k->since && k->when != DS_TRUTH)
        return sqk_fail(SQK_EFORMAT, "%s: no '%s', which every dataset of format_version %d has (the file is "
                        "damaged)", path, name, version);
    if (want == 2 && !exists && !(version < k->since && k->has_default)) return SQK_OK;
    if (!exists && version < k->since && !k->has_default)
        return sqk_fail(SQK_EFORMAT, "%s: no '%s': the file is dataset format_version %d, older than that field "
                        "(version %d); rebuild the dataset with this program", path, name, version, k->since);
    void *col = sqk_malloc((n ? n : 1) * type_size(k->type));
    if (!col) return SQK_EMEM;
    *(void **)((char *)d + k->dataset_off) = col;
    if (!exists && version < k->since) {
        fill_default(k, col, n);
        return SQK_OK;
    }
    int st = exists ? SQK_OK : sqk_fail(SQK_EFORMAT, "%s: no dataset '%s'", path, name);
    int rank;
    size_t dims[4];
    if (!st) st = sqk_h5_dims(loc, name, &rank, dims);
    if (!st && (rank != 1 || dims[0] != n))
        st = sqk_fail(SQK_EFORMAT, "%s: '%s' has %zu rows, expected %zu", path, name, rank == 1 ? dims[0] : 0, n);
    if (!st) {
        hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
        herr_t e = ds < 0 ? -1 : H5Dread(ds, mem_type(k->type), H5S_ALL, H5S_ALL, H5P_DEFAULT, col);
        if (ds >= 0) H5Dclose(ds);
        if (e < 0) st = sqk_fail(SQK_EFORMAT, "%s: cannot read '%s' (corrupt or wrong type)", path, name);
    }
    return st;
}

static int read_root_int(hid_t f, const char *path, const char *name, int *out)
{
    double v[1];
    size_t got;
    if (sqk_h5_get_attr_f64(f, ".", name, v, 1, &got) || got != 1 || v[0] < 1 || v[0] > 1e7)
        return sqk_fail(SQK_EFORMAT, "%s: missing or bad root attribute %s", path, name);
    *out = (int)v[0];
    return SQK_OK;
}

static int read_body(hid_t f, const char *path, const ds_selection *sel, sqk_dataset *d)
{
    char fmt[64] = "";
    if (sqk_h5_get_attr_str(f, ".", "format", fmt, sizeof fmt) || strcmp(fmt, "seqnetquake-dataset"))
        return sqk_fail(SQK_EFORMAT, "%s: not a seqnetquake dataset (format attribute '%s')", path, fmt);
    double ver[1] = {0};
    size_t nver = 0;
    if (sqk_h5_get_attr_f64(f, ".", "format_version", ver, 1, &nver) || nver != 1 ||
        !(ver[0] >= DATASET_FORMAT_OLDEST && ver[0] <= DATASET_FORMAT_VERSION) || ver[0] != (int)ver[0])
        return nver ? sqk_fail(SQK_EFORMAT, "%s: dataset format_version %g is unknown: this program reads "
                               "versions %d to %d", path, ver[0], DATASET_FORMAT_OLDEST, DATASET_FORMAT_VERSION)
                    : sqk_fail(SQK_EFORMAT, "%s: dataset without a format_version: this program reads "
                               "versions %d to %d", path, DATASET_FORMAT_OLDEST, DATASET_FORMAT_VERSION);
    int st, version = d->format_version = (int)ver[0];
    /* T and F describe X: a file of labels alone (what evaluate needs) may lack them. */
    if (sel->X || (sqk_h5_attr_exists(f, ".", "T") && sqk_h5_attr_exists(f, ".", "F")))
        if ((st = read_root_int(f, path, "T", &d->T)) || (st = read_root_int(f, path, "F", &d->F))) return st;
    if (sqk_h5_get_attr_str(f, ".", "features", d->features, sizeof d->features)) d->features[0] = 0;
    size_t cap = 1 << 16;
    if (!(d->config = sqk_malloc(cap))) return SQK_EMEM;
    if (sqk_h5_get_attr_str(f, ".", "config", d->config, cap)) d->config[0] = 0;
    if (sqk_h5_get_attr_str(f, ".", "catalog", d->catalog_path, sizeof d->catalog_path)) d->catalog_path[0] = 0;
    if (sqk_h5_get_attr_str(f, ".", "kp", d->kp_path, sizeof d->kp_path)) d->kp_path[0] = 0;
    sqk_clear_error();
    int rank;
    size_t dims[4];
    if ((st = sqk_h5_dims(f, "y", &rank, dims))) return st;
    if (rank != 1) return sqk_fail(SQK_EFORMAT, "%s: 'y' has rank %d, expected 1", path, rank);
    size_t n = d->n = dims[0];
    for (size_t c = 0; c < N_WINDOW_COLUMNS; c++) {
        uint8_t want = sel->window[c] ? sel->window[c] : !strcmp(window_columns[c].name, "y");
        if (want && (st = read_column(f, path, version, "", &window_columns[c], n, want, d))) return st;
    }
    static const ds_column split_col = {"split", DS_U8, 0, offsetof(sqk_dataset, split), DS_ALWAYS, 1, 0, 0};
    if (sel->split && (st = read_column(f, path, version, "", &split_col, n, sel->split, d))) return st;
    if (sel->X) {
        if ((st = sqk_h5_dims(f, "X", &rank, dims))) return st;
        if (rank != 3 || dims[0] != n || dims[1] != (size_t)d->T || dims[2] != (size_t)d->F)
            return sqk_fail(SQK_EFORMAT, "%s: X has shape (%zu, %zu, %zu), expected (%zu, %d, %d)", path, dims[0],
                            dims[1], dims[2], n, d->T, d->F);
        size_t row = (size_t)d->T * d->F;
        if (!(d->X = sqk_malloc((n ? n : 1) * row * sizeof *d->X))) return SQK_EMEM;
        if ((st = sqk_h5_read_f32(f, "X", d->X, n * row))) return st;
        for (size_t j = 0; j < n * row; j++)
            if (!isfinite(d->X[j]))
                return sqk_fail(SQK_EFORMAT, "%s: window %zu has a non-finite value in X (sample %zu, feature %zu)",
                                path, j / row, j % row / d->F, j % d->F);
    }
    if (sel->files && (sel->files == 1 || sqk_h5_exists(f, "files")) &&
        (st = sqk_h5_read_strings(f, "files", &d->files, &d->n_files)))
        return st;
    if (sel->event_id) {
        if ((st = sqk_h5_read_strings(f, "events/id", &d->events.id, &d->events.n))) return st;
        for (size_t c = 0; c < N_EVENT_COLUMNS; c++)
            if (sel->event[c] && (st = read_column(f, path, version, "events/", &event_columns[c], d->events.n, sel->event[c], d)))
                return st;
    }
    for (size_t i = 0; i < n; i++) {
        if (d->y[i] < 0 || d->y[i] > 2)
            return sqk_fail(SQK_EFORMAT, "%s: window %zu has label y=%d, expected 0, 1 or 2", path, i, (int)d->y[i]);
        if (d->split && d->split[i] > 2)
            return sqk_fail(SQK_EFORMAT, "%s: window %zu has split %d, expected 0, 1 or 2", path, i, (int)d->split[i]);
        if (d->file && d->files && (d->file[i] < 0 || (size_t)d->file[i] >= d->n_files))
            return sqk_fail(SQK_EFORMAT, "%s: file[%zu] = %d is not a row of files (%zu rows)", path, i,
                            (int)d->file[i], d->n_files);
        if (d->event && d->events.id && (d->event[i] < -1 || d->event[i] >= (int64_t)d->events.n))
            return sqk_fail(SQK_EFORMAT, "%s: event[%zu] = %lld is not a row of events/ (%zu rows)", path, i,
                            (long long)d->event[i], d->events.n);
    }
    return SQK_OK;
}

static int read_direct(const char *path, const char *fields, sqk_dataset *d)
{
    memset(d, 0, sizeof *d);
    ds_selection sel;
    int st = select_fields(path, fields, &sel);
    if (st) return st;
    hid_t f;
    if ((st = sqk_h5_open_read(path, &f))) return st;
    st = read_body(f, path, &sel, d);
    H5Fclose(f);
    if (!st && sel.sha256) st = sqk_sha256_file(path, d->sha256);
    if (st) sqk_dataset_free(d);
    return st;
}

/* The same read in a worker process first (sqk/isolate.h), its result dropped: a corrupt
 * file that crashes or hangs libhdf5 is then an error naming the file. Readers of the windows
 * themselves (train, predict) read in a worker already and get no second read. */
static int probe_worker(const char *path, const void *arg, sqk_buf *reply)
{
    (void)reply;
    sqk_dataset d;
    int st = read_direct(path, arg, &d);
    if (!st) sqk_dataset_free(&d);
    return st;
}

int sqk_dataset_read(const char *path, const char *fields, sqk_dataset *d)
{
    memset(d, 0, sizeof *d);
    if (sqk_isolation_on()) {
        sqk_buf b;
        int st = sqk_isolated("HDF5", path, probe_worker, fields, &b);
        sqk_buf_free(&b);
        if (st) return st;
    }
    return read_direct(path, fields, d);
}

void sqk_dataset_free(sqk_dataset *d)
{
    free(d->X);
    for (size_t c = 0; c < N_WINDOW_COLUMNS; c++) free(*(void **)((char *)d + window_columns[c].dataset_off));
    free(d->split);
    for (size_t c = 0; c < N_EVENT_COLUMNS; c++) free(*(void **)((char *)d + event_columns[c].dataset_off));
    if (d->events.id) sqk_h5_free_strings(d->events.id, d->events.n);
    if (d->files) sqk_h5_free_strings(d->files, d->n_files);
    free(d->config);
    memset(d, 0, sizeof *d);
}
