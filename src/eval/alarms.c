/* Alarms scored as earthquake-forecast testing does: the Molchan diagram of scored windows
 * against a catalogue, with the random-guess band. */
#include "sqk/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S 86400.0

/* ------------------------------------------------------------------ Molchan diagram */

/* Upper tail of the binomial: P(X >= k), X ~ Bin(n, p). */
double sqk_binom_upper(size_t n, size_t k, double p)
{
    if (k == 0) return 1.0;
    if (k > n) return 0.0;
    if (p <= 0) return 0.0;
    if (p >= 1) return 1.0;
    double sum = 0, lp = log(p), lq = log1p(-p), ln = lgamma((double)n + 1);
    for (size_t j = k; j <= n; j++)
        sum += exp(ln - lgamma((double)j + 1) - lgamma((double)(n - j) + 1) + (double)j * lp + (double)(n - j) * lq);
    return sum < 1 ? sum : 1.0;
}

/* Smallest h with P(X <= h) >= q. */
static size_t binom_quantile(size_t n, double p, double q)
{
    double cdf = 0, ln = lgamma((double)n + 1);
    if (p <= 0) return 0;
    if (p >= 1) return n;
    for (size_t h = 0; h <= n; h++) {
        cdf += exp(ln - lgamma((double)h + 1) - lgamma((double)(n - h) + 1) + (double)h * log(p) +
                   (double)(n - h) * log1p(-p));
        if (cdf >= q - 1e-12) return h;
    }
    return n;
}

void sqk_molchan_free(sqk_molchan *m)
{
    free(m->tau);
    free(m->nu);
    free(m->threshold);
    memset(m, 0, sizeof *m);
}

typedef struct {
    double score, weight;
} cellday;

static int by_cell_score_desc(const void *a, const void *b)
{
    const cellday *x = a, *y = b;
    return x->score > y->score ? -1 : x->score < y->score ? 1 : 0;
}

static int by_double_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y ? 1 : 0;
}

int sqk_molchan_grid_check(const sqk_molchan_grid *g)
{
    if (!(g->cell_deg > 0 && g->cell_deg <= 90 && fmod(180.0, g->cell_deg) < 1e-9))
        return sqk_fail(SQK_EARG, "Molchan cells of %g deg: expected a divisor of 180 in (0, 90]", g->cell_deg);
    if (!(g->lat_max_deg > 0 && g->lat_max_deg <= 90)) return sqk_fail(SQK_EARG, "Molchan latitude band %g: expected (0, 90]", g->lat_max_deg);
    if (!(g->days_before > 0)) return sqk_fail(SQK_EARG, "Molchan alarm duration %g days: expected > 0", g->days_before);
    if (!(g->t1 >= g->t0)) return sqk_fail(SQK_EARG, "Molchan period: end before start");
    return SQK_OK;
}

/* Index of the cell holding (lat, lon), or -1 outside the band. */
static long cell_of(const sqk_molchan_grid *g, long nlat, long nlon, double lat, double lon)
{
    if (!(fabs(lat) <= g->lat_max_deg) || !isfinite(lon)) return -1;
    long i = (long)floor((lat + g->lat_max_deg) / g->cell_deg), j = (long)floor((lon + 180.0) / g->cell_deg);
    if (i >= nlat) i = nlat - 1;
    if (i < 0) i = 0;
    j = ((j % nlon) + nlon) % nlon;
    return i * nlon + j;
}

int sqk_molchan_compute(const sqk_alarm_point *w, size_t nw, const sqk_alarm_point *quakes, size_t nq,
                        const sqk_molchan_grid *g, double threshold, sqk_molchan *out)
{
    memset(out, 0, sizeof *out);
    int rc = sqk_molchan_grid_check(g);
    if (rc) return rc;
    long nlat = (long)ceil(2 * g->lat_max_deg / g->cell_deg - 1e-9), nlon = (long)llround(360.0 / g->cell_deg);
    long d0 = (long)floor(g->t0 / DAY_S), d1 = (long)floor(g->t1 / DAY_S), ndays = d1 - d0 + 1;
    size_t ncell = (size_t)nlat * (size_t)nlon, ncd = ncell * (size_t)ndays;
    if (ncd > 200000000) return sqk_fail(SQK_EARG, "Molchan grid of %zu cell-days is too large: use larger cells", ncd);
    cellday *cd = sqk_malloc(ncd * sizeof *cd);
    double *qs = sqk_malloc((nq ? nq : 1) * sizeof *qs);
    if (!cd || !qs) { free(cd); free(qs); return SQK_EMEM; }
    /* cell-day weights: the cell's area (sin of its edges) over the band */
    for (long i = 0; i < nlat; i++) {
        double a = -g->lat_max_deg + i * g->cell_deg, b = a + g->cell_deg;
        if (b > g->lat_max_deg) b = g->lat_max_deg;
        double wgt = sin(b * M_PI / 180) - sin(a * M_PI / 180);
        for (long j = 0; j < nlon; j++)
            for (long d = 0; d < ndays; d++) {
                cellday *c = &cd[(size_t)d * ncell + (size_t)(i * nlon + j)];
                c->weight = wgt;
                c->score = -INFINITY; /* never observed: never alarmed */
            }
    }
    /* A scored point at time t alarms its cell on every day that starts before t + days_before
     * and ends after t: an earthquake that day lies at most days_before after it. */
    for (size_t k = 0; k < nw; k++) {
        if (!isfinite(w[k].score)) continue;
        long c = cell_of(g, nlat, nlon, w[k].lat, w[k].lon);
        if (c < 0) continue;
        long da = (long)floor(w[k].t / DAY_S), db = (long)floor((w[k].t + g->days_before * DAY_S) / DAY_S);
        for (long d = da; d <= db; d++) {
            if (d < d0 || d > d1) continue;
            cellday *x = &cd[(size_t)(d - d0) * ncell + (size_t)c];
            if (w[k].score > x->score) x->score = w[k].score;
        }
    }
    size_t n = 0;
    for (size_t k = 0; k < nq; k++) {
        long c = cell_of(g, nlat, nlon, quakes[k].lat, quakes[k].lon);
        long d = (long)floor(quakes[k].t / DAY_S);
        if (c < 0 || d < d0 || d > d1) continue;
        qs[n++] = cd[(size_t)(d - d0) * ncell + (size_t)c].score;
    }
    out->n_quakes = n;
    double total = 0, observed = 0;
    for (size_t k = 0; k < ncd; k++) {
        total += cd[k].weight;
        if (cd[k].score > -INFINITY) observed += cd[k].weight;
    }
    out->observed_fraction = observed / total;
    qsort(cd, ncd, sizeof *cd, by_cell_score_desc);
    qsort(qs, n, sizeof *qs, by_double_desc);
    /* the curve: one point per distinct score of an observed cell-day, from the highest */
    size_t cap = 64, np = 0, hit = 0;
    out->tau = sqk_malloc(cap * sizeof *out->tau);
    out->nu = sqk_malloc(cap * sizeof *out->nu);
    out->threshold = sqk_malloc(cap * sizeof *out->threshold);
    if (!out->tau || !out->nu || !out->threshold) { rc = SQK_EMEM; goto done; }
    out->tau[0] = 0;
    out->nu[0] = 1;
    out->threshold[0] = INFINITY;
    np = 1;
    double acc = 0;
    out->tau_at = 0;
    out->nu_at = 1;
    for (size_t k = 0; k < ncd && cd[k].score > -INFINITY;) {
        double s = cd[k].score;
        while (k < ncd && cd[k].score == s) acc += cd[k++].weight;
        while (hit < n && qs[hit] >= s) hit++;
        if (np == cap) {
            cap *= 2;
            double *a = sqk_realloc(out->tau, cap * sizeof *a);
            if (a) out->tau = a;
            double *b = a ? sqk_realloc(out->nu, cap * sizeof *b) : NULL;
            if (b) out->nu = b;
            double *c = b ? sqk_realloc(out->threshold, cap * sizeof *c) : NULL;
            if (c) out->threshold = c;
            if (!c) { rc = SQK_EMEM; goto done; }
        }
        out->tau[np] = acc / total;
        out->nu[np] = n ? 1.0 - (double)hit / (double)n : NAN;
        out->threshold[np] = s;
        np++;
        if (s >= threshold) { out->tau_at = acc / total; out->nu_at = n ? 1.0 - (double)hit / (double)n : NAN; out->hits_at = hit; }
    }
    out->n_points = np;
    out->gain_at = out->tau_at > 0 && n ? (1.0 - out->nu_at) / out->tau_at : NAN;
    out->p_value_at = n ? sqk_binom_upper(n, out->hits_at, out->tau_at) : NAN;
    /* area above the curve (the trapezoids to tau = 1, the rest alarmed at random) */
    double area = 0;
    for (size_t k = 1; k < np; k++) area += (out->tau[k] - out->tau[k - 1]) * (1 - (out->nu[k] + out->nu[k - 1]) / 2);
    double tl = out->tau[np - 1], nl = out->nu[np - 1];
    area += (1 - tl) * (1 - nl / 2); /* from (tl, nl) straight to (1, 0) */
    out->area_skill = n ? area : NAN;
done:
    free(cd);
    free(qs);
    if (rc) sqk_molchan_free(out);
    return rc;
}

void sqk_molchan_band(size_t n_quakes, double tau, double level, double *nu_lo, double *nu_hi)
{
    double a = (1 - level) / 2;
    size_t h_hi = binom_quantile(n_quakes, tau, 1 - a), h_lo = binom_quantile(n_quakes, tau, a);
    *nu_lo = n_quakes ? 1.0 - (double)h_hi / (double)n_quakes : NAN;
    *nu_hi = n_quakes ? 1.0 - (double)h_lo / (double)n_quakes : NAN;
}
