/* Reading the windows, labels and splits of a dataset file (contract layout) with the HDF5
 * helpers. */
#include "sqk/train.h"
#include "sqk/geo.h"
#include "sqk/h5.h"
#include "sqk/isolate.h"
#include "sqk/time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int read_i64_attr(hid_t f, const char *path, const char *name, int *out)
{
    double v[1];
    size_t got;
    if (sqk_h5_get_attr_f64(f, ".", name, v, 1, &got) || got != 1 || v[0] < 1 || v[0] > 1e7)
        return sqk_fail(SQK_EFORMAT, "%s: missing or bad root attribute %s", path, name);
    *out = (int)v[0];
    return SQK_OK;
}

static int read_direct(sqk_train_data *d, const char *path)
{
    memset(d, 0, sizeof *d);
    hid_t f;
    int rc = sqk_h5_open_read(path, &f);
    if (rc) return rc;
    char fmt[64] = "";
    if (sqk_h5_get_attr_str(f, ".", "format", fmt, sizeof fmt) || strcmp(fmt, "seqnetquake-dataset")) {
        H5Fclose(f);
        return sqk_fail(SQK_EFORMAT, "%s: not a seqnetquake dataset (format attribute '%s')", path, fmt);
    }
    rc = read_i64_attr(f, path, "T", &d->T);
    if (!rc) rc = read_i64_attr(f, path, "F", &d->F);
    if (!rc && sqk_h5_get_attr_str(f, ".", "features", d->features, sizeof d->features))
        d->features[0] = 0;
    int rank = 0;
    size_t dims[4] = {0};
    if (!rc) rc = sqk_h5_dims(f, "X", &rank, dims);
    if (!rc && (rank != 3 || dims[1] != (size_t)d->T || dims[2] != (size_t)d->F))
        rc = sqk_fail(SQK_EFORMAT, "%s: X has shape (%zu, %zu, %zu), expected (N, %d, %d)", path,
                      dims[0], dims[1], dims[2], d->T, d->F);
    if (!rc) {
        d->N = dims[0];
        size_t n = d->N ? d->N : 1;
        d->X = sqk_malloc(n * d->T * d->F * sizeof *d->X);
        d->y = sqk_malloc(n * sizeof *d->y);
        d->split = sqk_malloc(n * sizeof *d->split);
        d->event = sqk_malloc(n * sizeof *d->event);
        if (!d->X || !d->y || !d->split || !d->event) rc = SQK_EMEM;
    }
    if (!rc) rc = sqk_h5_read_f32(f, "X", d->X, d->N * d->T * d->F);
    if (!rc) rc = sqk_h5_read_i32(f, "y", d->y, d->N);
    if (!rc) rc = sqk_h5_read_u8(f, "split", d->split, d->N);
    if (!rc) {
        if (sqk_h5_exists(f, "event")) rc = sqk_h5_read_i64(f, "event", d->event, d->N);
        else for (size_t i = 0; i < d->N; i++) d->event[i] = -1;
    }
    if (!rc) {
        size_t cap = 1 << 16;
        d->config = sqk_malloc(cap);
        if (!d->config) rc = SQK_EMEM;
        else if (sqk_h5_get_attr_str(f, ".", "config", d->config, cap)) d->config[0] = 0;
    }
    H5Fclose(f);
    size_t row = (size_t)d->T * d->F;
    for (size_t i = 0; !rc && i < d->N; i++) {
        for (size_t j = 0; j < row && !rc; j++)
            if (!isfinite(d->X[i * row + j]))
                rc = sqk_fail(SQK_EFORMAT, "%s: window %zu has a non-finite value in X (sample %zu, feature %zu)",
                              path, i, j / d->F, j % d->F);
        if (rc) break;
        if (d->y[i] < 0 || d->y[i] > 2)
            rc = sqk_fail(SQK_EFORMAT, "%s: window %zu has label y=%d, expected 0, 1 or 2", path, i, (int)d->y[i]);
        else if (d->split[i] > 2)
            rc = sqk_fail(SQK_EFORMAT, "%s: window %zu has split %d, expected 0, 1 or 2", path, i, (int)d->split[i]);
    }
    if (!rc) rc = sqk_sha256_file(path, d->sha256);
    if (rc) {
        sqk_train_data_free(d);
        return sqk_fail_context(rc, "reading %s", path);
    }
    return SQK_OK;
}

/* The dataset read in an HDF5 worker process (sqk/isolate.h) and sent back as bytes. */
static int read_worker(const char *path, const void *arg, sqk_buf *reply)
{
    (void)arg;
    sqk_train_data d;
    int st = read_direct(&d, path);
    size_t clen = st ? 0 : strlen(d.config) + 1;
    if (!st) st = sqk_buf_put(reply, &d, sizeof d);
    if (!st) st = sqk_buf_put(reply, d.X, d.N * d.T * d.F * sizeof *d.X);
    if (!st) st = sqk_buf_put(reply, d.y, d.N * sizeof *d.y);
    if (!st) st = sqk_buf_put(reply, d.split, d.N * sizeof *d.split);
    if (!st) st = sqk_buf_put(reply, d.event, d.N * sizeof *d.event);
    if (!st) st = sqk_buf_put(reply, d.config, clen);
    sqk_train_data_free(&d);
    return st;
}

int sqk_train_data_read(sqk_train_data *d, const char *path)
{
    if (!sqk_isolation_on()) return read_direct(d, path);
    memset(d, 0, sizeof *d);
    sqk_buf b;
    sqk_train_data h;
    int st = sqk_isolated("HDF5", path, read_worker, NULL, &b);
    if (!st) st = sqk_buf_get(&b, &h, sizeof h);
    if (!st && (h.T < 1 || h.F < 1 || h.N > (b.n - b.pos) / ((size_t)h.T * h.F * sizeof(float))))
        st = sqk_fail(SQK_EFORMAT, "%s: bad reply of the reader process", path);
    if (!st) {
        size_t n = h.N ? h.N : 1, clen = 0;
        d->N = h.N; d->T = h.T; d->F = h.F;
        memcpy(d->features, h.features, sizeof d->features);
        memcpy(d->sha256, h.sha256, sizeof d->sha256);
        d->X = sqk_malloc(n * h.T * h.F * sizeof *d->X);
        d->y = sqk_malloc(n * sizeof *d->y);
        d->split = sqk_malloc(n * sizeof *d->split);
        d->event = sqk_malloc(n * sizeof *d->event);
        if (!d->X || !d->y || !d->split || !d->event) st = SQK_EMEM;
        if (!st) st = sqk_buf_get(&b, d->X, h.N * h.T * h.F * sizeof *d->X);
        if (!st) st = sqk_buf_get(&b, d->y, h.N * sizeof *d->y);
        if (!st) st = sqk_buf_get(&b, d->split, h.N * sizeof *d->split);
        if (!st) st = sqk_buf_get(&b, d->event, h.N * sizeof *d->event);
        if (!st) clen = b.n - b.pos;
        if (!st && (clen == 0 || b.p[b.n - 1] != '\0')) st = sqk_fail(SQK_EFORMAT, "%s: bad reply of the reader process", path);
        if (!st && !(d->config = sqk_malloc(clen))) st = SQK_EMEM;
        if (!st) st = sqk_buf_get(&b, d->config, clen);
        if (st) sqk_train_data_free(d);
    }
    sqk_buf_free(&b);
    return st;
}

void sqk_train_data_free(sqk_train_data *d)
{
    free(d->X);
    free(d->y);
    free(d->split);
    free(d->event);
    free(d->config);
    memset(d, 0, sizeof *d);
}

int sqk_train_data_select(const sqk_train_data *d, int split, float **X, int32_t **y,
                          size_t **rows, size_t *n)
{
    size_t row = (size_t)d->T * d->F, k = 0;
    for (size_t i = 0; i < d->N; i++) k += split == SQK_SPLIT_ALL || d->split[i] == split;
    *X = sqk_malloc((k ? k : 1) * row * sizeof **X);
    *y = sqk_malloc((k ? k : 1) * sizeof **y);
    size_t *r = sqk_malloc((k ? k : 1) * sizeof *r);
    if (!*X || !*y || !r) {
        free(*X); free(*y); free(r);
        *X = NULL; *y = NULL;
        return SQK_EMEM;
    }
    k = 0;
    for (size_t i = 0; i < d->N; i++)
        if (split == SQK_SPLIT_ALL || d->split[i] == split) {
            memcpy(*X + k * row, d->X + i * row, row * sizeof **X);
            (*y)[k] = d->y[i];
            r[k++] = i;
        }
    *n = k;
    if (rows) *rows = r;
    else free(r);
    return SQK_OK;
}

int sqk_split_parse(const char *name)
{
    if (!strcmp(name, "train")) return SQK_SPLIT_TRAIN;
    if (!strcmp(name, "validation")) return SQK_SPLIT_VALIDATION;
    if (!strcmp(name, "test")) return SQK_SPLIT_TEST;
    if (!strcmp(name, "all")) return SQK_SPLIT_ALL;
    return -2;
}

void sqk_where_when_row(double t, double lat, double lon, double lt_h, int cadence, float *out)
{
    double mlat, mlon;
    sqk_geomag(lat, lon, &mlat, &mlon);
    sqk_civil cv;
    sqk_time_to_civil(t, &cv);
    double jan1 = (double)sqk_days_from_civil(cv.year, 1, 1) * 86400.0;
    out[0] = (float)lat;
    out[1] = (float)lon;
    out[2] = (float)mlat;
    out[3] = (float)lt_h;
    out[4] = (float)(1.0 + (t - jan1) / 86400.0);
    out[5] = (float)cadence;
}

int sqk_train_data_where_when(sqk_train_data *d, const char *path)
{
    hid_t f;
    int rc = sqk_h5_open_read(path, &f);
    if (rc) return rc;
    size_t n = d->N ? d->N : 1;
    double *t = sqk_malloc(n * sizeof *t), *lat = sqk_malloc(n * sizeof *lat);
    double *lon = sqk_malloc(n * sizeof *lon), *lt = sqk_malloc(n * sizeof *lt);
    uint8_t *cad = sqk_malloc(n);
    float *X = sqk_malloc(n * SQK_WHERE_WHEN_F * sizeof *X);
    if (!t || !lat || !lon || !lt || !cad || !X) rc = SQK_EMEM;
    if (!rc && !sqk_h5_exists(f, "cadence"))
        rc = sqk_fail(SQK_EFORMAT, "%s has no cadence column (built by an older seqnetquake): rebuild it "
                      "for the where-and-when inputs", path);
    if (!rc) rc = sqk_h5_read_f64(f, "time", t, d->N);
    if (!rc) rc = sqk_h5_read_f64(f, "lat", lat, d->N);
    if (!rc) rc = sqk_h5_read_f64(f, "lon", lon, d->N);
    if (!rc) rc = sqk_h5_read_f64(f, "lt_h", lt, d->N);
    if (!rc) rc = sqk_h5_read_u8(f, "cadence", cad, d->N);
    H5Fclose(f);
    for (size_t i = 0; !rc && i < d->N; i++) {
        if (!isfinite(t[i]) || !(fabs(lat[i]) <= 90) || !isfinite(lon[i]) || !isfinite(lt[i]) || cad[i] > 2)
            rc = sqk_fail(SQK_EFORMAT, "%s: window %zu has a bad time, position, local time or cadence", path, i);
        else sqk_where_when_row(t[i], lat[i], lon[i], lt[i], cad[i], X + i * SQK_WHERE_WHEN_F);
    }
    if (!rc) {
        free(d->X);
        d->X = X;
        X = NULL;
        d->T = 1;
        d->F = SQK_WHERE_WHEN_F;
        snprintf(d->features, sizeof d->features, "%s", SQK_WHERE_WHEN_FEATURES);
    }
    free(t); free(lat); free(lon); free(lt); free(cad); free(X);
    return rc ? sqk_fail_context(rc, "where-and-when inputs") : SQK_OK;
}

int sqk_train_data_read_for(sqk_train_data *d, const char *path, const sqk_model_kind *kind)
{
    int rc = sqk_train_data_read(d, path);
    if (!rc && kind && kind->inputs == SQK_INPUTS_WHERE_WHEN) {
        rc = sqk_train_data_where_when(d, path);
        if (rc) sqk_train_data_free(d);
    }
    return rc;
}
