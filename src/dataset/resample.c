/* Satellite data preparation (method.md section 3): invalid samples, continuous stretches,
 * resampling to the 1.5 s grid. */
#include "sqk/dataset.h"
#include "sqk/geo.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void sqk_series_free(sqk_series *s)
{
    free(s->t);
    free(s->lat);
    free(s->lon);
    free(s->x);
    free(s->burst);
    free(s->stretch_start);
    memset(s, 0, sizeof *s);
}

/* The valid samples of a pass, in order, before resampling. */
typedef struct {
    size_t n;
    double *t, *lat, *lon;
    float *x;
    uint8_t *mode;
    uint8_t *native;   /* 1: the sample belongs to a stretch sampled at dt_s (burst) */
} clean_series;

static void clean_free(clean_series *c)
{
    free(c->t); free(c->lat); free(c->lon); free(c->x); free(c->mode); free(c->native);
}

/* The pass variable behind each feature ("dlogNe" reads Ne; the window step takes its log and
 * removes mean and trend), its instrument range (1 Ne, 2 Te, 0 none) and whether it must be
 * positive (a log is taken). */
static int feature_columns(const sqk_pass *p, const sqk_build_config *c, int *col, int *range, int *positive)
{
    for (int f = 0; f < c->nfeat; f++) {
        const char *name = c->feature[f];
        positive[f] = !strncmp(name, "dlog", 4) && name[4];
        if (positive[f]) name += 4;
        col[f] = sqk_pass_find_var(p, name);
        if (col[f] < 0)
            return sqk_fail(SQK_EFORMAT, "%s: the pass has no variable '%s' (asked for by --features %s)",
                            p->path, name, c->feature[f]);
        range[f] = !strcmp(name, "Ne") ? 1 : !strcmp(name, "Te") ? 2 : 0;
    }
    return SQK_OK;
}

/* True when the next two samples with a finite time both lie at or before t[i]: sample i's time
 * is a glitch far ahead of its neighbours. Kept, it would make every later (good) sample look
 * "not increasing" and remove the rest of the pass. With fewer than two samples after it, it
 * cannot be told from a good sample followed by a bad one, and stays. */
static int ahead_of_next_two(const double *t, size_t i, size_t n)
{
    int seen = 0;
    for (size_t j = i + 1; j < n && seen < 2; j++) {
        if (!isfinite(t[j])) continue;
        if (t[j] > t[i]) return 0;
        seen++;
    }
    return seen == 2;
}

static int remove_invalid(const sqk_pass *p, const sqk_build_config *c, clean_series *o,
                          sqk_sample_counts *cnt)
{
    int col[SQK_MAX_FEATURES], range[SQK_MAX_FEATURES], positive[SQK_MAX_FEATURES], F = c->nfeat;
    int st = feature_columns(p, c, col, range, positive);
    if (st) return st;
    size_t n = p->n ? p->n : 1;
    o->t = sqk_malloc(n * sizeof *o->t);
    o->lat = sqk_malloc(n * sizeof *o->lat);
    o->lon = sqk_malloc(n * sizeof *o->lon);
    o->x = sqk_malloc(n * F * sizeof *o->x);
    o->mode = sqk_malloc(n);
    o->native = sqk_calloc(n, 1);
    if (!o->t || !o->lat || !o->lon || !o->x || !o->mode || !o->native) return SQK_EMEM;
    double last_t = -INFINITY;
    size_t k = 0;
    cnt->read += p->n;
    for (size_t i = 0; i < p->n; i++) {
        int fill = !isfinite(p->t[i]) || !isfinite(p->lat[i]) || !isfinite(p->lon[i]);
        int bad_ne = 0, bad_te = 0;
        for (int f = 0; f < F && !fill; f++) {
            double v = p->var[col[f]].v[i];
            if (!isfinite(v) || (positive[f] && !(v > 0))) fill = 1; /* no log of it */
            else if (range[f] == 1 && (v < c->ne_min || v > c->ne_max)) bad_ne = 1;
            else if (range[f] == 2 && (v < c->te_min || v > c->te_max)) bad_te = 1;
        }
        if (fill) { cnt->fill++; continue; }
        if (bad_ne) { cnt->ne_range++; continue; }
        if (bad_te) { cnt->te_range++; continue; }
        if (!(p->t[i] > last_t) || ahead_of_next_two(p->t, i, p->n)) { cnt->time_order++; continue; }
        last_t = p->t[i];
        o->t[k] = p->t[i];
        o->lat[k] = p->lat[i];
        o->lon[k] = p->lon[i];
        for (int f = 0; f < F; f++) o->x[k * F + f] = (float)p->var[col[f]].v[i];
        o->mode[k] = p->mode ? p->mode[i] : SQK_MODE_UNKNOWN;
        k++;
    }
    o->n = k;
    return SQK_OK;
}

/* The k-th smallest of a[0..n) (k < n), partly reordering a: Wirth's selection, linear on
 * average, and even on the many equal steps a regular pass has (equal values swap, so both
 * sides shrink). The same value a full sort would put at k. */
static double kth_smallest(double *a, size_t n, size_t k)
{
    ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (l < m) {
        double x = a[kk];
        ptrdiff_t i = l, j = m;
        do {
            while (a[i] < x) i++;
            while (x < a[j]) j--;
            if (i <= j) { double w = a[i]; a[i] = a[j]; a[j] = w; i++; j--; }
        } while (i <= j);
        if (j < kk) l = i;
        if (kk < i) m = j;
    }
    return a[kk];
}

/* Median time step of samples [a, b) (b - a >= 2); tmp has room for b - a values. */
static double median_step(const double *t, size_t a, size_t b, double *tmp)
{
    size_t m = b - a - 1;
    for (size_t i = 0; i < m; i++) tmp[i] = t[a + i + 1] - t[a + i];
    double hi = kth_smallest(tmp, m, m / 2);
    if (m % 2) return hi;
    double lo = tmp[0]; /* the largest of the lower half, which selection left below m/2 */
    for (size_t i = 1; i < m / 2; i++) if (tmp[i] > lo) lo = tmp[i];
    return 0.5 * (lo + hi);
}

/* Stretch boundaries into bounds (room for n + 1): a mode change, or a step > 2x the median
 * step of the run of equal mode, starts a new stretch. Returns the number of stretches. */
static size_t find_stretches(const clean_series *c, double *tmp, size_t *bounds)
{
    size_t ns = 0, a = 0;
    while (a < c->n) {
        size_t b = a + 1;
        while (b < c->n && c->mode[b] == c->mode[a]) b++;
        double med = b - a >= 2 ? median_step(c->t, a, b, tmp) : 0;
        bounds[ns++] = a;
        for (size_t i = a + 1; i < b; i++)
            if (c->t[i] - c->t[i - 1] > 2.0 * med) bounds[ns++] = i;
        a = b;
    }
    bounds[ns] = c->n;
    return ns;
}

/* Samples the stretch [a, b) yields on the grid; *passthru when it is already at dt. */
static size_t stretch_out_len(const clean_series *c, size_t a, size_t b, double dt, double *tmp, int *passthru)
{
    *passthru = 0;
    if (b - a < 2) return b - a;
    double med = median_step(c->t, a, b, tmp);
    if (fabs(med - dt) <= 0.01 * dt) { *passthru = 1; return b - a; }
    return (size_t)floor((c->t[b - 1] - c->t[a]) / dt + 1e-9) + 1;
}

static void resample_stretch(const clean_series *c, size_t a, size_t b, double dt, int passthru,
                             int F, sqk_series *o, size_t k)
{
    if (passthru || b - a < 2) {
        for (size_t i = a; i < b; i++, k++) {
            o->t[k] = c->t[i];
            o->lat[k] = c->lat[i];
            o->lon[k] = c->lon[i];
            memcpy(o->x + k * F, c->x + i * F, F * sizeof(float));
            o->burst[k] = c->native[i];
        }
        return;
    }
    size_t K = (size_t)floor((c->t[b - 1] - c->t[a]) / dt + 1e-9) + 1, j = a;
    for (size_t q = 0; q < K; q++, k++) {
        double tq = c->t[a] + q * dt;
        while (j + 2 < b && c->t[j + 1] < tq) j++;
        double f = (tq - c->t[j]) / (c->t[j + 1] - c->t[j]);
        if (f > 1) f = 1;
        o->t[k] = tq;
        o->lat[k] = c->lat[j] + f * (c->lat[j + 1] - c->lat[j]);
        /* Interpolate the shorter way round so the date line does not sweep the globe. */
        o->lon[k] = sqk_lon_wrap(c->lon[j] + f * sqk_lon_diff_deg(c->lon[j + 1], c->lon[j]));
        for (int v = 0; v < F; v++) {
            double x0 = c->x[j * F + v], x1 = c->x[(j + 1) * F + v];
            o->x[k * F + v] = (float)(x0 + f * (x1 - x0));
        }
        /* burst-made only when every source sample it draws on is */
        o->burst[k] = f == 0 ? c->native[j] : f == 1 ? c->native[j + 1] : c->native[j] && c->native[j + 1];
    }
}

/* Harmonised cadence: each stretch sampled finer than the survey cadence (burst) keeps only
 * samples at least survey_s apart (within 1%), from its first sample: every other sample of
 * 1.5 s burst data, which is how the instrument samples in survey mode. Burst samples are
 * marked native, the mode is forgotten (all 0) so that a survey stretch running on into a
 * burst one is one stretch, made one way. Rewrites c in place (it only shrinks). */
static void thin_to_survey(clean_series *c, const size_t *bounds, size_t ns, const sqk_build_config *cfg,
                           double *tmp, int F)
{
    size_t k = 0;
    double keep_s = 0.99 * cfg->survey_s;
    for (size_t s = 0; s < ns; s++) {
        size_t a = bounds[s], b = bounds[s + 1];
        double med = b - a >= 2 ? median_step(c->t, a, b, tmp) : cfg->survey_s;
        int native = b - a >= 2 && fabs(med - cfg->dt_s) <= 0.01 * cfg->dt_s;
        int thin = b - a >= 2 && med < keep_s;
        double last = -INFINITY;
        for (size_t i = a; i < b; i++) {
            if (thin && c->t[i] - last < keep_s) continue;
            last = c->t[i];
            c->t[k] = c->t[i];
            c->lat[k] = c->lat[i];
            c->lon[k] = c->lon[i];
            memmove(c->x + k * F, c->x + i * F, F * sizeof(float));
            c->mode[k] = 0;
            c->native[k] = (uint8_t)native;
            k++;
        }
    }
    c->n = k;
}

int sqk_series_prepare(const sqk_pass *p, const sqk_build_config *c, sqk_series *out,
                       sqk_sample_counts *counts)
{
    memset(out, 0, sizeof *out);
    clean_series cs = {0};
    int F = c->nfeat, st = remove_invalid(p, c, &cs, counts);
    double *tmp = NULL;
    size_t *bounds = NULL;
    int *pass = NULL;
    if (st) goto done;
    size_t cap = cs.n + 1;
    tmp = sqk_malloc(cap * sizeof *tmp);
    bounds = sqk_malloc((cap + 1) * sizeof *bounds);
    pass = sqk_malloc(cap * sizeof *pass);
    if (!tmp || !bounds || !pass) { st = SQK_EMEM; goto done; }
    size_t ns = find_stretches(&cs, tmp, bounds), total = 0;
    if (c->cadence_mode == SQK_CADENCE_MODE_HARMONISED) {
        thin_to_survey(&cs, bounds, ns, c, tmp, F);
        ns = find_stretches(&cs, tmp, bounds);
    }
    out->stretch_start = sqk_malloc((ns + 1) * sizeof *out->stretch_start);
    if (!out->stretch_start) { st = SQK_EMEM; goto done; }
    for (size_t s = 0; s < ns; s++) {
        out->stretch_start[s] = total;
        total += stretch_out_len(&cs, bounds[s], bounds[s + 1], c->dt_s, tmp, &pass[s]);
        /* native cadence: a stretch that is already on the grid (paper design) */
        if (pass[s]) memset(cs.native + bounds[s], 1, bounds[s + 1] - bounds[s]);
    }
    out->stretch_start[ns] = total;
    out->nstretch = ns;
    out->nfeat = F;
    size_t alloc = total ? total : 1;
    out->t = sqk_malloc(alloc * sizeof *out->t);
    out->lat = sqk_malloc(alloc * sizeof *out->lat);
    out->lon = sqk_malloc(alloc * sizeof *out->lon);
    out->x = sqk_malloc(alloc * F * sizeof *out->x);
    out->burst = sqk_malloc(alloc);
    if (!out->t || !out->lat || !out->lon || !out->x || !out->burst) { st = SQK_EMEM; goto done; }
    for (size_t s = 0; s < ns; s++)
        resample_stretch(&cs, bounds[s], bounds[s + 1], c->dt_s, pass[s], F, out, out->stretch_start[s]);
    out->n = total;
    counts->resampled += total;
done:
    free(tmp);
    free(bounds);
    free(pass);
    clean_free(&cs);
    if (st) sqk_series_free(out);
    return st;
}
