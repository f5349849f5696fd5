/* Catalogue preparation (method.md section 2): aftershock removal and control events. */
#include "sqk/dataset.h"
#include "sqk/geo.h"
#include "sqk/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEG (M_PI / 180.0)

/* Slack on the inclusive box edges (deg, about 0.1 mm): coordinates exactly box_deg apart as
 * the catalogue writes them can be a few ulp further apart in binary (-64.9 and -63.9 differ by
 * 1.000000000000007), and rounding must not decide which side of the edge they fall. */
#define BOX_EDGE_SLACK_DEG 1e-9

static int in_box(double lat1, double lon1, double lat2, double lon2, double box_deg)
{
    /* Longitudes compared modulo 360 so that the box works across the date line. */
    double edge = box_deg + BOX_EDGE_SLACK_DEG;
    return fabs(lat1 - lat2) <= edge && fabs(sqk_lon_diff_deg(lon1, lon2)) <= edge;
}

size_t sqk_decluster(const sqk_quake *ev, size_t n, double box_deg, double window_s, uint8_t *status)
{
    for (size_t i = 0; i < n; i++) status[i] = SQK_EVENT_KEPT;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (status[i] != SQK_EVENT_KEPT) continue; /* aftershocks have no aftershocks of their own */
        kept++;
        for (size_t j = i + 1; j < n && ev[j].t - ev[i].t <= window_s; j++)
            if (status[j] == SQK_EVENT_KEPT && in_box(ev[i].lat, ev[i].lon, ev[j].lat, ev[j].lon, box_deg))
                status[j] = SQK_EVENT_AFTERSHOCK;
    }
    return kept;
}

/* First index with real[i].t >= t (real sorted by time). */
static size_t lower_bound_t(const sqk_quake *real, size_t n, double t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (real[mid].t < t) lo = mid + 1; else hi = mid;
    }
    return lo;
}

int sqk_control_rejected(const sqk_quake *real, size_t n, double t, double lat, double lon,
                         double box_deg, double window_s)
{
    for (size_t i = lower_bound_t(real, n, t - window_s); i < n && real[i].t <= t + window_s; i++)
        if (in_box(real[i].lat, real[i].lon, lat, lon, box_deg)) return 1;
    return 0;
}

int sqk_place_controls(const sqk_quake *real, size_t n_real, const double *mags, size_t n_mags,
                       size_t n_wanted, double t0, double t1, double lat_max_deg, double box_deg,
                       double window_s, int tries_per_event, uint64_t seed, sqk_event *out,
                       size_t *n_placed)
{
    *n_placed = 0;
    if (n_wanted == 0) return SQK_OK;
    if (n_mags == 0) return sqk_fail(SQK_EARG, "control events: no magnitudes to draw from");
    if (!(t1 > t0)) return sqk_fail(SQK_EARG, "control events: empty time span");
    sqk_rng root, r;
    sqk_rng_seed(&root, seed);
    r = sqk_rng_fork(&root, 0xC0C0); /* a stream of its own, independent of other seeded steps */
    double s = sin(lat_max_deg * DEG);
    size_t max_draws = (size_t)(tries_per_event > 0 ? tries_per_event : 1) * n_wanted;
    size_t placed = 0;
    for (size_t draw = 0; draw < max_draws && placed < n_wanted; draw++) {
        double t = sqk_rng_uniform_range(&r, t0, t1);
        /* Area-uniform on the sphere within the band: uniform in sin(latitude). */
        double lat = asin(sqk_rng_uniform_range(&r, -s, s)) / DEG;
        double lon = sqk_rng_uniform_range(&r, -180.0, 180.0);
        double mag = mags[sqk_rng_below(&r, n_mags)];
        if (sqk_control_rejected(real, n_real, t, lat, lon, box_deg, window_s)) continue;
        sqk_event *e = &out[placed];
        memset(e, 0, sizeof *e);
        snprintf(e->id, sizeof e->id, "control-%06zu", placed + 1);
        e->kind = SQK_EVENT_CONTROL;
        e->status = SQK_EVENT_KEPT;
        e->t = t;
        e->lat = lat;
        e->lon = lon;
        e->mag = mag;
        e->depth_km = NAN;
        placed++;
    }
    *n_placed = placed;
    return SQK_OK;
}

/* True when a real event (aftershocks included) could label windows near the control: its
 * association zone (radius R_E, days before it) and the control's (R_c) meet, i.e. within
 * R_c + R_E and within +-window_s. */
static int matched_rejected(const sqk_quake *real, size_t n, const sqk_build_config *c, double t,
                            double lat, double lon, double r_control, double window_s)
{
    for (size_t i = lower_bound_t(real, n, t - window_s); i < n && real[i].t <= t + window_s; i++) {
        double r = r_control + sqk_event_radius_deg(c, real[i].mag) + BOX_EDGE_SLACK_DEG;
        if (fabs(real[i].lat - lat) > r) continue;
        if (sqk_gc_angle_deg(real[i].lat, real[i].lon, lat, lon) <= r) return 1;
    }
    return 0;
}

static void matched_control(sqk_event *e, const sqk_event *q, double t, int64_t unit)
{
    memset(e, 0, sizeof *e);
    e->kind = SQK_EVENT_CONTROL;
    e->status = SQK_EVENT_KEPT;
    e->t = t;
    e->lat = q->lat;
    e->lon = q->lon;
    e->mag = q->mag;
    e->depth_km = NAN;
    e->unit = unit;
    snprintf(e->pair_id, sizeof e->pair_id, "%s", q->id);
}

int sqk_place_matched_controls(const sqk_quake *real, size_t n_real, const sqk_event *src,
                               size_t n_src, const sqk_build_config *c, double t0, double t1,
                               double window_s, sqk_event *out, uint8_t *matched, int64_t *unit,
                               size_t *n_placed)
{
    *n_placed = 0;
    if (matched) memset(matched, 0, n_src);
    for (size_t k = 0; unit && k < n_src; k++) unit[k] = -1;
    if (n_src == 0) return SQK_OK;
    if (!(t1 > t0)) return sqk_fail(SQK_EARG, "control events: empty time span");
    uint8_t *done = sqk_calloc(n_src, 1);
    size_t *order = sqk_malloc(n_src * sizeof *order), *pool = sqk_malloc(n_src * sizeof *pool);
    if (!done || !order || !pool) { free(done); free(order); free(pool); return SQK_EMEM; }
    sqk_rng root, r;
    sqk_rng_seed(&root, c->seed);
    r = sqk_rng_fork(&root, 0xC0C1); /* its own stream, apart from the paper's controls */
    for (size_t k = 0; k < n_src; k++) order[k] = k;
    for (size_t k = n_src; k > 1; k--) { /* the earthquakes in random order (Fisher-Yates) */
        size_t j = sqk_rng_below(&r, k), w = order[k - 1];
        order[k - 1] = order[j];
        order[j] = w;
    }
    int tries = c->control_tries > 0 ? c->control_tries : 1;
    size_t placed = 0;
    int64_t units = 0;
#define IN_SPAN(k) (src[k].t >= t0 && src[k].t < t1)
    for (size_t q = 0; q < n_src; q++) {
        size_t a = order[q], np = 0;
        if (done[a] || !IN_SPAN(a)) continue;
        for (size_t j = 0; j < n_src; j++)
            if (!done[j] && j != a && IN_SPAN(j)) pool[np++] = j;
        double ra = sqk_event_radius_deg(c, src[a].mag);
        for (int d = 0; d < tries && np > 0; d++) {
            size_t pi = 0;
            if (c->swap_partners == SQK_PARTNERS_MAGNITUDE) { /* nearest magnitude, ties at random */
                double best = INFINITY;
                for (size_t j = 0; j < np; j++) {
                    double dm = fabs(src[pool[j]].mag - src[a].mag) + 0.05 * sqk_rng_uniform(&r);
                    if (dm < best) { best = dm; pi = j; }
                }
            } else pi = sqk_rng_below(&r, np);
            size_t b = pool[pi];
            double rb = sqk_event_radius_deg(c, src[b].mag);
            if (matched_rejected(real, n_real, c, src[b].t, src[a].lat, src[a].lon, ra, window_s) ||
                matched_rejected(real, n_real, c, src[a].t, src[b].lat, src[b].lon, rb, window_s)) {
                pool[pi] = pool[--np]; /* this swap will never do */
                continue;
            }
            matched_control(&out[placed++], &src[a], src[b].t, units);
            matched_control(&out[placed++], &src[b], src[a].t, units);
            done[a] = done[b] = 1;
            if (matched) matched[a] = matched[b] = 1;
            if (unit) unit[a] = unit[b] = units;
            units++;
            break;
        }
    }
#undef IN_SPAN
    for (size_t i = 0; i < placed; i++) snprintf(out[i].id, sizeof out[i].id, "control-%06zu", i + 1);
    free(done); free(order); free(pool);
    *n_placed = placed;
    return SQK_OK;
}
