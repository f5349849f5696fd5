/* Windows and labels (method.md section 4): cut, check, associate with events, label by Kp. */
#include "sqk/dataset.h"
#include "sqk/geo.h"
#include "sqk/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (M_PI / 180.0)

void sqk_window_set_free(sqk_window_set *s)
{
    free(s->w);
    free(s->x);
    memset(s, 0, sizeof *s);
}

static int window_set_push(sqk_window_set *s, const sqk_window *w, const float *x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        sqk_window *nw = sqk_realloc(s->w, cap * sizeof *nw);
        if (!nw) return SQK_EMEM;
        s->w = nw;
        float *nx = sqk_realloc(s->x, cap * (size_t)s->T * s->F * sizeof *nx);
        if (!nx) return SQK_EMEM;
        s->x = nx;
        s->cap = cap;
    }
    size_t TF = (size_t)s->T * s->F;
    s->w[s->n] = *w;
    memcpy(s->x + s->n * TF, x, TF * sizeof *x);
    s->n++;
    return SQK_OK;
}

/* First event with ev[i].t > t (events sorted by time). */
static size_t first_after(const sqk_event *ev, size_t n, double t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ev[mid].t <= t) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Slack on the inclusive radius (deg, about 0.1 mm): the great-circle angle of points exactly R
 * apart comes out a few ulp above or below R (10 -> 13 deg gives 3.000000000000001), and
 * rounding must not decide whether a window on the circle belongs to the event. */
#define RADIUS_SLACK_DEG 1e-9

/* Association: the nearest kept or control event with t_event - D <= t < t_event and distance
 * <= its radius; *aftershock_only is set when only aftershocks match. Returns the row or -1. */
static int64_t associate(double t, double lat, double lon, const sqk_event *ev, size_t nev,
                         double window_s, double *dist_deg, int *aftershock_only, int *unmatched_only)
{
    int64_t best = -1;
    double best_d = INFINITY;
    int after = 0, unmatched = 0;
    for (size_t i = first_after(ev, nev, t); i < nev && ev[i].t - window_s <= t; i++) {
        double r = ev[i].radius_deg + RADIUS_SLACK_DEG;
        if (fabs(lat - ev[i].lat) > r) continue; /* cheap reject before the trigonometry */
        double d = sqk_gc_angle_deg(lat, lon, ev[i].lat, ev[i].lon);
        if (d > r) continue;
        if (ev[i].status == SQK_EVENT_AFTERSHOCK) { after = 1; continue; }
        if (ev[i].status == SQK_EVENT_UNMATCHED) { unmatched = 1; continue; }
        if (d < best_d) { best_d = d; best = (int64_t)i; }
    }
    *aftershock_only = best < 0 && after;
    *unmatched_only = best < 0 && !after && unmatched;
    *dist_deg = best_d;
    return best;
}

static int wanted_time_of_day(int sel, double lt_h)
{
    if (sel == SQK_TIME_ALL) return 1;
    return sel == SQK_TIME_NIGHT ? sqk_is_night(lt_h) : !sqk_is_night(lt_h);
}

/* Class of an associated window whose Kp is known. Kp comes in thirds (3o = 3, 3+ = 3.333);
 * comparing with the midpoint 3 + 1/6 makes "> 3" robust to rounded decimal tables. */
static int label_of(double kp, double kp_storm, int kind)
{
    if (kp >= kp_storm + 1.0 / 6.0) return SQK_CLASS_STORM;
    return kind == SQK_EVENT_QUAKE ? SQK_CLASS_SEISMIC : SQK_CLASS_CONTROL;
}

/* Decides the fate of the window starting at sample a; fills w when it is used. Returns 1 used,
 * 0 dropped (counted). */
static int judge_window(const sqk_series *s, size_t a, const sqk_build_config *c,
                        const sqk_event *ev, size_t nev, const sqk_kp *kp, sqk_window *w,
                        sqk_window_counts *cnt)
{
    int T = c->T;
    double span = s->t[a + T - 1] - s->t[a], want = (T - 1) * c->dt_s;
    if (fabs(span - want) > 0.01 * want) { cnt->gap++; return 0; }
    size_t m = a + T / 2;
    double t = s->t[m], lat = s->lat[m], lon = s->lon[m];
    double lt = sqk_local_time_h(t, lon);
    if (!wanted_time_of_day(c->time_of_day, lt)) { cnt->time_of_day++; return 0; }
    double k = kp ? sqk_kp_at(kp, t) : NAN;
    memset(w, 0, sizeof *w);
    if (!ev) { /* unlabelled (operational scan): no association, Kp kept even when unknown */
        w->precursor_event = w->event = -1;
        w->y = -1;
        w->event_kind = 255;
        w->t = t; w->lat = lat; w->lon = lon; w->lt_h = lt; w->kp = k;
        w->distance_km = w->days_before = w->magnitude = NAN;
        w->sample = a;
        return 1;
    }
    double d_deg;
    int after, unmatched;
    int64_t e = associate(t, lat, lon, ev, nev, c->days_before * 86400.0, &d_deg, &after, &unmatched);
    if (e < 0) {
        if (after) cnt->aftershock++;
        else if (unmatched) cnt->unmatched++;
        else cnt->unassociated++;
        return 0;
    }
    if (!isfinite(k)) { cnt->missing_kp++; return 0; }
    w->precursor_event = -1; /* set from truth.csv, when the archive has one */
    w->t = t;
    w->lat = lat;
    w->lon = lon;
    w->lt_h = lt;
    w->event = e;
    w->event_kind = ev[e].kind;
    w->magnitude = ev[e].mag;
    w->distance_km = d_deg * DEG * SQK_EARTH_RADIUS_KM;
    w->days_before = (ev[e].t - t) / 86400.0;
    w->kp = k;
    w->y = label_of(k, c->kp_storm, ev[e].kind);
    w->sample = a;
    return 1;
}

/* SQK_CADENCE_* of the T samples from a: burst when all come from native 1.5 s data. */
static uint8_t window_cadence(const sqk_series *s, size_t a, int T)
{
    int nb = 0;
    for (int i = 0; i < T; i++) nb += s->burst ? s->burst[a + i] != 0 : 0;
    return nb == T ? SQK_CADENCE_BURST : nb == 0 ? SQK_CADENCE_SURVEY : SQK_CADENCE_MIXED;
}

/* Relative features ("dlog<VAR>", read as VAR): log VAR with the window's least-squares line
 * (mean and linear trend over the sample index) removed, in place on the window x (T x F). */
static void relative_features(const sqk_build_config *c, float *x)
{
    int T = c->T, F = c->nfeat;
    double tm = (T - 1) / 2.0, stt = 0;
    for (int i = 0; i < T; i++) stt += (i - tm) * (i - tm);
    for (int f = 0; f < F; f++) {
        if (strncmp(c->feature[f], "dlog", 4) || !c->feature[f][4]) continue;
        double mean = 0, sty = 0;
        for (int i = 0; i < T; i++) mean += log((double)x[i * F + f]);
        mean /= T;
        for (int i = 0; i < T; i++) sty += (i - tm) * (log((double)x[i * F + f]) - mean);
        double slope = sty / stt;
        for (int i = 0; i < T; i++)
            x[i * F + f] = (float)(log((double)x[i * F + f]) - mean - slope * (i - tm));
    }
}

int sqk_window_series(const sqk_series *s, const sqk_build_config *c, const sqk_event *ev,
                      size_t nev, const sqk_kp *kp, int32_t file, int32_t orbit, int satellite,
                      sqk_window_set *out, sqk_window_counts *cnt)
{
    int T = c->T;
    size_t TF = (size_t)T * c->nfeat;
    float *xw = sqk_malloc(TF * sizeof *xw);
    if (!xw) return SQK_EMEM;
    if (out->n == 0) { out->T = T; out->F = c->nfeat; }
    if (out->T != T || out->F != c->nfeat) {
        free(xw);
        return sqk_fail(SQK_EARG, "window set holds T=%d F=%d, asked for T=%d F=%d", out->T, out->F, T, c->nfeat);
    }
    for (size_t st = 0; st < s->nstretch; st++) {
        size_t a = s->stretch_start[st], b = s->stretch_start[st + 1];
        /* Consecutive non-overlapping windows from the stretch's first sample; leftover dropped. */
        for (size_t w0 = a; w0 + (size_t)T <= b; w0 += T) {
            sqk_window w;
            cnt->cut++;
            if (!judge_window(s, w0, c, ev, nev, kp, &w, cnt)) continue;
            w.file = file;
            w.orbit = orbit;
            w.satellite = (uint8_t)satellite;
            w.cadence = window_cadence(s, w0, T);
            memcpy(xw, s->x + w0 * c->nfeat, TF * sizeof *xw);
            relative_features(c, xw);
            int e = window_set_push(out, &w, xw);
            if (e) { free(xw); return e; }
            cnt->used++;
            if (w.y >= 0) cnt->cls[w.y]++;
        }
    }
    free(xw);
    return SQK_OK;
}

int sqk_window_pass(const sqk_pass *p, const sqk_build_config *c, const sqk_event *ev, size_t nev,
                    const sqk_kp *kp, int32_t file, sqk_window_set *out,
                    sqk_sample_counts *sc, sqk_window_counts *wc)
{
    sqk_series s;
    int st = sqk_series_prepare(p, c, &s, sc);
    if (st) return st;
    st = sqk_window_series(&s, c, ev, nev, kp, file, p->orbit, p->satellite, out, wc);
    sqk_series_free(&s);
    return st;
}

int sqk_balance_units(sqk_window_set *ws, const sqk_event *ev, size_t nev, uint64_t seed, size_t dropped[2])
{
    if (dropped) dropped[0] = dropped[1] = 0;
    size_t nu = 0, n = ws->n;
    for (size_t e = 0; e < nev; e++)
        if (ev[e].pair_id[0] && ev[e].unit >= 0 && (size_t)ev[e].unit + 1 > nu) nu = (size_t)ev[e].unit + 1;
    if (nu == 0 || n == 0) return SQK_OK;
    size_t *count = sqk_calloc(nev, sizeof *count), *quota = sqk_malloc(nu * sizeof *quota);
    size_t *order = sqk_malloc(n * sizeof *order), *start = sqk_calloc(nev + 1, sizeof *start);
    double *key = sqk_malloc(n * sizeof *key);
    uint8_t *keep = sqk_malloc(n);
    if (!count || !quota || !order || !start || !key || !keep) {
        free(count); free(quota); free(order); free(start); free(key); free(keep);
        return SQK_EMEM;
    }
    for (size_t u = 0; u < nu; u++) quota[u] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) if (ws->w[i].y < 2) count[ws->w[i].event]++;
    for (size_t e = 0; e < nev; e++)
        if (ev[e].pair_id[0] && ev[e].unit >= 0 && count[e] < quota[ev[e].unit]) quota[ev[e].unit] = count[e];
    /* Each event's seismic/control windows in a seeded random order (keys drawn in table order,
     * which is fixed), the first quota of them kept. */
    sqk_rng root, r;
    sqk_rng_seed(&root, seed);
    r = sqk_rng_fork(&root, 0xBA1A);
    for (size_t i = 0; i < n; i++) key[i] = sqk_rng_uniform(&r);
    for (size_t e = 0; e < nev; e++) start[e + 1] = start[e] + count[e];
    memset(count, 0, nev * sizeof *count);
    for (size_t i = 0; i < n; i++) {
        int64_t e = ws->w[i].event;
        if (ws->w[i].y < 2) order[start[e] + count[e]++] = i;
    }
    memset(keep, 1, n);
    for (size_t e = 0; e < nev; e++) {
        if (!ev[e].pair_id[0] || ev[e].unit < 0) continue;
        size_t a = start[e], m = count[e], q = quota[ev[e].unit];
        for (size_t j = 1; j < m; j++) /* insertion sort by key: a few windows per event */
            for (size_t k = j; k > 0 && key[order[a + k]] < key[order[a + k - 1]]; k--) {
                size_t w = order[a + k]; order[a + k] = order[a + k - 1]; order[a + k - 1] = w;
            }
        for (size_t j = q; j < m; j++) keep[order[a + j]] = 0;
    }
    size_t TF = (size_t)ws->T * ws->F, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keep[i]) { if (dropped) dropped[ws->w[i].y]++; continue; }
        if (k != i) {
            ws->w[k] = ws->w[i];
            memmove(ws->x + k * TF, ws->x + i * TF, TF * sizeof *ws->x);
        }
        k++;
    }
    ws->n = k;
    free(count); free(quota); free(order); free(start); free(key); free(keep);
    return SQK_OK;
}
