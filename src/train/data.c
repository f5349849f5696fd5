/* The windows, labels and splits of a dataset file, read by the dataset module, in the form
 * training and prediction use. */
#include "sqk/train.h"
#include "sqk/dataset.h"
#include "sqk/geo.h"
#include "sqk/isolate.h"
#include "sqk/time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int read_direct(sqk_train_data *d, const char *path)
{
    memset(d, 0, sizeof *d);
    sqk_dataset ds;
    int rc = sqk_dataset_read(path, "X,y,split,event?,sha256", &ds);
    if (rc) return sqk_fail_context(rc, "reading %s", path);
    d->N = ds.n;
    d->T = ds.T;
    d->F = ds.F;
    memcpy(d->features, ds.features, sizeof d->features);
    memcpy(d->sha256, ds.sha256, sizeof d->sha256);
    d->X = ds.X, ds.X = NULL;
    d->y = ds.y, ds.y = NULL;
    d->split = ds.split, ds.split = NULL;
    d->config = ds.config, ds.config = NULL;
    d->event = ds.event, ds.event = NULL;
    sqk_dataset_free(&ds);
    if (!d->event) { /* a dataset without event numbers: every window its own */
        d->event = sqk_malloc((d->N ? d->N : 1) * sizeof *d->event);
        if (!d->event) {
            sqk_train_data_free(d);
            return SQK_EMEM;
        }
        for (size_t i = 0; i < d->N; i++) d->event[i] = -1;
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
    sqk_dataset w;
    int rc = sqk_dataset_read(path, "time,lat,lon,lt_h,cadence?", &w);
    if (rc) return sqk_fail_context(rc, "where-and-when inputs");
    float *X = NULL;
    if (w.n != d->N) rc = sqk_fail(SQK_EFORMAT, "%s: %zu windows, not %zu", path, w.n, d->N);
    if (!rc && !w.cadence)
        rc = sqk_fail(SQK_EFORMAT, "%s has no cadence column (built by an older seqnetquake): rebuild it "
                      "for the where-and-when inputs", path);
    if (!rc && !(X = sqk_malloc((d->N ? d->N : 1) * SQK_WHERE_WHEN_F * sizeof *X))) rc = SQK_EMEM;
    for (size_t i = 0; !rc && i < d->N; i++) {
        if (!isfinite(w.time[i]) || !(fabs(w.lat[i]) <= 90) || !isfinite(w.lon[i]) || !isfinite(w.lt_h[i]) ||
            w.cadence[i] > 2)
            rc = sqk_fail(SQK_EFORMAT, "%s: window %zu has a bad time, position, local time or cadence", path, i);
        else sqk_where_when_row(w.time[i], w.lat[i], w.lon[i], w.lt_h[i], w.cadence[i], X + i * SQK_WHERE_WHEN_F);
    }
    if (!rc) {
        free(d->X);
        d->X = X;
        X = NULL;
        d->T = 1;
        d->F = SQK_WHERE_WHEN_F;
        snprintf(d->features, sizeof d->features, "%s", SQK_WHERE_WHEN_FEATURES);
    }
    free(X);
    sqk_dataset_free(&w);
    return rc ? sqk_fail_context(rc, "where-and-when inputs") : SQK_OK;
}

/* The i-th comma-separated name of list into buf; 0 when there is none. */
static int feature_name(const char *list, int i, char *buf, size_t n)
{
    const char *p = list;
    for (int k = 0; k < i && p; k++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
    if (!p || !*p) return 0;
    size_t len = strcspn(p, ",");
    if (len >= n) len = n - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return 1;
}

/* The first feature that is the variable var or dlog<var>; -1 when none is. */
static int feature_index(const sqk_train_data *d, const char *var)
{
    char name[64];
    for (int f = 0; f < d->F; f++)
        if (feature_name(d->features, f, name, sizeof name) &&
            (!strcmp(name, var) || (!strncmp(name, "dlog", 4) && !strcmp(name + 4, var))))
            return f;
    return -1;
}

/* Feature f of window i as log values into x[0..T-1]. */
static void window_logs(const sqk_train_data *d, size_t i, int f, int is_log, double *x)
{
    for (int j = 0; j < d->T; j++) {
        double v = d->X[(i * (size_t)d->T + (size_t)j) * (size_t)d->F + (size_t)f];
        x[j] = is_log ? v : log(v > 1e-30 ? v : 1e-30);
    }
}

/* The variance of x[0..T-1] about its least-squares line. */
static double detrended_variance(const double *x, int T)
{
    double sx = 0, sxt = 0, stt = 0, st = 0, tm = (T - 1) / 2.0;
    for (int j = 0; j < T; j++) {
        sx += x[j];
        sxt += x[j] * (j - tm);
        stt += (j - tm) * (j - tm);
    }
    double mean = sx / T, slope = stt > 0 ? sxt / stt : 0;
    for (int j = 0; j < T; j++) { double e = x[j] - mean - slope * (j - tm); st += e * e; }
    return st / T;
}

int sqk_train_data_roughness(sqk_train_data *d)
{
    int T = d->T, F = d->F, R = 3 * F;
    if (T < 3) return sqk_fail(SQK_EARG, "roughness inputs need windows of at least 3 samples, not %d", T);
    float *X = sqk_malloc((d->N ? d->N : 1) * (size_t)R * sizeof *X);
    double *x = sqk_malloc((size_t)T * sizeof *x);
    if (!X || !x) { free(X); free(x); return SQK_EMEM; }
    char names[256] = "", name[64];
    int is_log[64];
    for (int f = 0; f < F && f < 64; f++) {
        is_log[f] = feature_name(d->features, f, name, sizeof name) && !strncmp(name, "dlog", 4);
        if (!feature_name(d->features, f, name, sizeof name)) snprintf(name, sizeof name, "f%d", f);
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%sd1_%s,d2_%s,sd_%s", f ? "," : "", name, name, name);
    }
    for (size_t i = 0; i < d->N; i++)
        for (int f = 0; f < F; f++) {
            window_logs(d, i, f, f < 64 && is_log[f], x);
            double s1 = 0, s2 = 0;
            for (int j = 1; j < T; j++) {
                s1 += (x[j] - x[j - 1]) * (x[j] - x[j - 1]);
                if (j >= 2) { double e = x[j] - 2 * x[j - 1] + x[j - 2]; s2 += e * e; }
            }
            float *o = X + i * (size_t)R + 3 * (size_t)f;
            o[0] = (float)sqrt(s1 / (T - 1));
            o[1] = (float)sqrt(s2 / (T - 2));
            o[2] = (float)sqrt(detrended_variance(x, T));
        }
    free(x);
    free(d->X);
    d->X = X;
    d->T = 1;
    d->F = R;
    snprintf(d->features, sizeof d->features, "%s", names);
    return SQK_OK;
}

/* The window's Kp > 3 flags (the storm label's rule) from the file's kp column into flag[N]. */
static int kp_storm_flags(const sqk_train_data *d, const char *path, float *flag)
{
    sqk_dataset w;
    int rc = sqk_dataset_read(path, "kp", &w);
    if (rc) return rc;
    if (w.n != d->N) rc = sqk_fail(SQK_EFORMAT, "%s: %zu windows, not %zu", path, w.n, d->N);
    for (size_t i = 0; !rc && i < d->N; i++) flag[i] = (float)(w.kp[i] > 3.0);
    sqk_dataset_free(&w);
    return rc;
}

int sqk_train_data_band(sqk_train_data *d, const char *path)
{
    int T = d->T, ne = feature_index(d, "Ne");
    if (ne < 0) return sqk_fail(SQK_EARG, "%s: the oracle needs a feature Ne or dlogNe (features '%s')", path, d->features);
    if (T < 5) return sqk_fail(SQK_EARG, "the oracle needs windows of at least 5 samples, not %d", T);
    char name[64];
    feature_name(d->features, ne, name, sizeof name);
    double *x = sqk_malloc((size_t)T * sizeof *x);
    float *X = sqk_malloc((d->N ? d->N : 1) * 2 * sizeof *X), *storm = sqk_malloc((d->N ? d->N : 1) * sizeof *storm);
    int rc = x && X && storm ? kp_storm_flags(d, path, storm) : SQK_EMEM;
    for (size_t i = 0; !rc && i < d->N; i++) {
        window_logs(d, i, ne, !strncmp(name, "dlog", 4), x);
        double e = 0;
        for (int j = 2; j + 2 < T; j++) {
            double b = x[j] - 0.5 * (x[j - 2] + x[j + 2]);
            e += b * b;
        }
        X[2 * i] = (float)log10(e / (T - 4) + 1e-12);
        X[2 * i + 1] = storm[i]; /* the storm label's rule, not Kp itself (a where-when clue) */
    }
    if (!rc) {
        free(d->X);
        d->X = X;
        X = NULL;
        d->T = 1;
        d->F = 2;
        snprintf(d->features, sizeof d->features, "band_energy_logNe,kp_above_3");
    }
    free(x); free(X); free(storm);
    return rc ? sqk_fail_context(rc, "oracle inputs") : SQK_OK;
}

/* log10 of the mean square of the second differences x_j - 2 x_{j-L} + x_{j-2L} (T > 2 L). */
static double second_difference_energy(const double *x, int T, int L)
{
    double e = 0;
    for (int j = 2 * L; j < T; j++) {
        double b = x[j] - 2 * x[j - L] + x[j - 2 * L];
        e += b * b;
    }
    return log10(e / (T - 2 * L) + 1e-12);
}

/* The dyadic lags of the multi-scale inputs (samples; 1.5, 3 and 6 s on the 1.5 s grid). */
static const int multiscale_lags[] = {1, 2, 4};
#define MULTISCALE_NLAGS ((int)(sizeof multiscale_lags / sizeof multiscale_lags[0]))

int sqk_train_data_multiscale(sqk_train_data *d, const char *path)
{
    int T = d->T, ne = feature_index(d, "Ne"), R = MULTISCALE_NLAGS + 2;
    if (ne < 0)
        return sqk_fail(SQK_EARG, "%s: multi-scale inputs need a feature Ne or dlogNe (features '%s')", path, d->features);
    if (T <= 2 * multiscale_lags[MULTISCALE_NLAGS - 1])
        return sqk_fail(SQK_EARG, "multi-scale inputs need windows of more than %d samples, not %d",
                        2 * multiscale_lags[MULTISCALE_NLAGS - 1], T);
    char name[64];
    feature_name(d->features, ne, name, sizeof name);
    int is_log = !strncmp(name, "dlog", 4);
    float *X = sqk_malloc((d->N ? d->N : 1) * (size_t)R * sizeof *X);
    double *x = sqk_malloc((size_t)T * sizeof *x);
    float *storm = sqk_malloc((d->N ? d->N : 1) * sizeof *storm);
    int rc = X && x && storm ? kp_storm_flags(d, path, storm) : SQK_EMEM;
    for (size_t i = 0; !rc && i < d->N; i++) {
        float *o = X + i * (size_t)R;
        window_logs(d, i, ne, is_log, x);
        for (int l = 0; l < MULTISCALE_NLAGS; l++)
            o[l] = (float)second_difference_energy(x, T, multiscale_lags[l]);
        o[MULTISCALE_NLAGS] = (float)log10(detrended_variance(x, T) + 1e-12);
        o[R - 1] = storm[i];
    }
    if (!rc) {
        free(d->X);
        d->X = X;
        X = NULL;
        d->T = 1;
        d->F = R;
        snprintf(d->features, sizeof d->features, "d2lag1_Ne,d2lag2_Ne,d2lag4_Ne,sd_Ne,kp_above_3");
    }
    free(X); free(x); free(storm);
    return rc ? sqk_fail_context(rc, "multi-scale inputs") : SQK_OK;
}

int sqk_train_data_read_for(sqk_train_data *d, const char *path, const sqk_model_kind *kind)
{
    int rc = sqk_train_data_read(d, path);
    if (!rc && kind && kind->inputs != SQK_INPUTS_WINDOW) {
        rc = kind->inputs == SQK_INPUTS_WHERE_WHEN ? sqk_train_data_where_when(d, path)
           : kind->inputs == SQK_INPUTS_ROUGHNESS ? sqk_train_data_roughness(d)
           : kind->inputs == SQK_INPUTS_MULTISCALE ? sqk_train_data_multiscale(d, path)
           : sqk_train_data_band(d, path);
        if (rc) sqk_train_data_free(d);
    }
    return rc;
}
