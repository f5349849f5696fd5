/* The dataset file (docs/dataset-format.md). Written atomically, and byte-identical for the
 * same inputs: HDF5's object modification times are switched off everywhere. */
#include "sqk/dataset.h"
#include "sqk/h5.h"

#include <stdlib.h>
#include <string.h>

/* One column of the window table, gathered from the structs. */
#define COLUMN(ctype, expr) do { \
        ctype *col = sqk_malloc((n ? n : 1) * sizeof *col); \
        if (!col) return SQK_EMEM; \
        for (size_t i = 0; i < n; i++) { const sqk_window *w = &ws[i]; col[i] = (ctype)(expr); } \
        st = sqk_h5_write(f, name, ftype, mtype, 1, &n, col); \
        free(col); \
        if (st) return st; \
    } while (0)

static int write_f64_col(hid_t f, const char *name, const sqk_window *ws, size_t n, size_t off)
{
    int st;
    hid_t ftype = H5T_IEEE_F64LE, mtype = H5T_NATIVE_DOUBLE;
    COLUMN(double, *(const double *)((const char *)w + off));
    return SQK_OK;
}

static int write_window_table(hid_t f, const sqk_dataset_contents *d)
{
    const sqk_window_set *s = d->windows;
    const sqk_window *ws = s->w;
    size_t n = s->n, dims[3] = {n, (size_t)s->T, (size_t)s->F};
    int st = sqk_h5_write(f, "X", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dims, s->x);
    if (st) return st;
    static const struct { const char *name; size_t off; } F64[] = {
        {"time", offsetof(sqk_window, t)}, {"lat", offsetof(sqk_window, lat)},
        {"lon", offsetof(sqk_window, lon)}, {"lt_h", offsetof(sqk_window, lt_h)},
        {"magnitude", offsetof(sqk_window, magnitude)},
        {"distance_km", offsetof(sqk_window, distance_km)},
        {"days_before", offsetof(sqk_window, days_before)}, {"kp", offsetof(sqk_window, kp)},
    };
    for (size_t i = 0; i < sizeof F64 / sizeof F64[0]; i++)
        if ((st = write_f64_col(f, F64[i].name, ws, n, F64[i].off))) return st;
    const char *name;
    hid_t ftype, mtype;
    name = "y"; ftype = H5T_STD_I32LE; mtype = H5T_NATIVE_INT32; COLUMN(int32_t, w->y);
    name = "orbit"; COLUMN(int32_t, w->orbit);
    name = "file"; COLUMN(int32_t, w->file);
    name = "event"; ftype = H5T_STD_I64LE; mtype = H5T_NATIVE_INT64; COLUMN(int64_t, w->event);
    name = "sample"; COLUMN(int64_t, w->sample);
    name = "event_kind"; ftype = H5T_STD_U8LE; mtype = H5T_NATIVE_UINT8; COLUMN(uint8_t, w->event_kind);
    name = "satellite"; COLUMN(uint8_t, w->satellite);
    name = "cadence"; COLUMN(uint8_t, w->cadence);
    if (d->result && d->result->has_truth) { /* window-level truth of a synthetic archive */
        if ((st = write_f64_col(f, "precursor_weight", ws, n, offsetof(sqk_window, precursor_weight)))) return st;
        name = "precursor_event"; ftype = H5T_STD_I64LE; mtype = H5T_NATIVE_INT64; COLUMN(int64_t, w->precursor_event);
    }
    return sqk_h5_write(f, "split", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &n, d->split);
}

#define EVCOLUMN(ctype, ftype, mtype, nm, expr) do { \
        ctype *col = sqk_malloc((n ? n : 1) * sizeof *col); \
        if (!col) { st = SQK_EMEM; goto done; } \
        for (size_t i = 0; i < n; i++) col[i] = (ctype)(expr); \
        st = sqk_h5_write(g, nm, ftype, mtype, 1, &n, col); \
        free(col); \
        if (st) goto done; \
    } while (0)

static int write_events(hid_t f, const sqk_dataset_contents *d)
{
    size_t n = d->nevents;
    const sqk_event *ev = d->events;
    hid_t g = sqk_h5_create_group(f, "events");
    if (g < 0) return SQK_EIO;
    int st = SQK_OK;
    int64_t *nwin = sqk_calloc(n ? n : 1, sizeof *nwin);
    uint8_t *split = sqk_malloc(n ? n : 1);
    const char **ids = sqk_malloc((n ? n : 1) * sizeof *ids);
    if (!nwin || !split || !ids) { st = SQK_EMEM; goto done; }
    memset(split, SQK_SPLIT_NONE, n ? n : 1);
    for (size_t i = 0; i < d->windows->n; i++) {
        int64_t e = d->windows->w[i].event;
        nwin[e]++;
        split[e] = d->split[i]; /* event mode: one split per event; paper mode: the last one */
    }
    for (size_t i = 0; i < n; i++) ids[i] = ev[i].id;
    if ((st = sqk_h5_write_strings(g, "id", ids, n))) goto done;
    EVCOLUMN(uint8_t, H5T_STD_U8LE, H5T_NATIVE_UINT8, "kind", ev[i].kind);
    EVCOLUMN(uint8_t, H5T_STD_U8LE, H5T_NATIVE_UINT8, "status", ev[i].status);
    EVCOLUMN(double, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "time", ev[i].t);
    EVCOLUMN(double, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "lat", ev[i].lat);
    EVCOLUMN(double, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "lon", ev[i].lon);
    EVCOLUMN(double, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "mag", ev[i].mag);
    EVCOLUMN(double, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "depth_km", ev[i].depth_km);
    EVCOLUMN(double, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, "radius_deg", ev[i].radius_deg);
    EVCOLUMN(int64_t, H5T_STD_I64LE, H5T_NATIVE_INT64, "n_windows", nwin[i]);
    EVCOLUMN(int64_t, H5T_STD_I64LE, H5T_NATIVE_INT64, "pair", ev[i].pair);
    st = sqk_h5_write(g, "split", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &n, split);
done:
    free(nwin);
    free(split);
    free(ids);
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
    if ((st = set_i64(f, "format_version", 1))) return st;
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

static int write_all(hid_t f, const void *ctx)
{
    const sqk_dataset_contents *d = ctx;
    int st = write_window_table(f, d);
    if (!st) st = sqk_h5_write_strings(f, "files", d->files, d->nfiles);
    if (!st) st = sqk_h5_write_strings(f, "files_sha256", d->files_sha256, d->nfiles);
    if (!st) st = write_events(f, d);
    if (!st) st = write_attributes(f, d);
    return st;
}

int sqk_dataset_write(const char *path, const sqk_dataset_contents *d)
{
    return sqk_h5_write_file(path, write_all, d);
}
