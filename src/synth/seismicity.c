/* Synthetic seismicity: mainshocks along hand-made plate-boundary belts with a
 * Gutenberg-Richter magnitude law, plus Omori-Utsu aftershock sequences near each mainshock.
 *
 * Rates: the world sees ~8.7 M >= 4.8 events a day (USGS: 20,727 in 2005-2010), about half
 * of them removed as aftershocks by the method's 2x2 deg / 15 day rule. Aftershock counts
 * grow as 10^(alpha (M - Mc)) with alpha = 0.8 (productivity law), times follow Omori-Utsu
 * (c = 0.02 d, p = 1.2, truncated at 60 d), positions scatter over ~the rupture length. */
#include "synth_internal.h"

#include "sqk/geo.h"
#include "sqk/time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEG (M_PI / 180.0)
#define MAX_MAG 9.0
#define PRODUCTIVITY_ALPHA 0.8
#define OMORI_C_D 0.02
#define OMORI_P 1.2
#define OMORI_TMAX_D 60.0

typedef struct { double lat, lon; } vertex;
typedef struct {
    const vertex *v;
    int n;
    double weight;      /* share of the belt family's events */
    double width_deg;   /* rms scatter across the belt */
    int family;         /* 0 subduction (deep events possible), 1 collision, 2 ridge */
} belt;

/* Longitudes may run past 180 so a belt can cross the date line; positions are wrapped. */
static const vertex b_andes[] = {{-46, -75}, {-38, -73.5}, {-30, -71.5}, {-23, -70.5}, {-18, -70.5},
                                 {-15, -75}, {-8, -79.5}, {-2, -80.5}, {4, -77.5}, {8, -78}};
static const vertex b_central_am[] = {{8, -83}, {12, -87.5}, {14, -91.5}, {16, -95}, {17, -100},
                                      {19, -105}};
static const vertex b_north_am[] = {{32, -115.5}, {36, -121}, {40, -124.5}, {45, -125.5}, {49, -128}};
static const vertex b_aleutian[] = {{58, 223}, {60, 213}, {57, 205}, {54, 198}, {52, 190},
                                    {51.5, 182}, {51, 175}, {53, 165}};
static const vertex b_kuril_japan[] = {{56, 162}, {52, 159}, {47, 152}, {43, 146}, {40, 143},
                                       {36, 141.5}, {34, 139}};
static const vertex b_mariana[] = {{34, 139}, {28, 142}, {20, 145}, {13, 145}};
static const vertex b_philippines[] = {{34, 132}, {30, 131}, {26, 128}, {24, 122}, {18, 121},
                                       {13, 125.5}, {7, 126.5}, {2, 127}};
static const vertex b_sunda[] = {{-8, 127}, {-9, 120}, {-10, 113}, {-8.5, 105}, {-5, 101},
                                  {0, 97.5}, {4, 95.5}, {10, 93}};
static const vertex b_melanesia[] = {{-3, 135}, {-5, 145}, {-6, 152}, {-9, 159}, {-14, 167},
                                     {-20, 169}, {-22, 170}};
static const vertex b_tonga[] = {{-15, 187}, {-20, 186}, {-25, 184}, {-30, 182.5}, {-36, 181},
                                 {-40, 176}, {-44, 172}};
static const vertex b_alpide[] = {{38, -28}, {36.5, -10}, {36, -3}, {37, 10}, {38, 15}, {38, 22},
                                  {39, 27}, {40, 30}, {39.5, 40}, {38, 44}, {35, 47}, {33, 50},
                                  {28, 55}, {27, 60}, {36, 70}, {34, 74}, {30, 80}, {28, 85},
                                  {27, 92}, {25, 95}, {20, 95}};
static const vertex b_tibet[] = {{36, 82}, {35, 90}, {33, 97}, {30, 102}, {25, 102}};
static const vertex b_mid_atlantic[] = {{65, -18}, {55, -35}, {45, -28}, {35, -36}, {20, -45},
                                        {10, -40}, {0, -20}, {-10, -13}, {-25, -13}, {-40, -16},
                                        {-55, -5}};
static const vertex b_east_pacific[] = {{22, -108}, {10, -104}, {0, -102}, {-15, -113},
                                        {-30, -112}, {-36, -100}, {-55, -120}};
static const vertex b_indian[] = {{12, 45}, {12, 58}, {5, 62}, {-5, 68}, {-20, 66}, {-30, 60},
                                  {-40, 45}, {-45, 80}, {-50, 120}, {-55, 150}};

#define BELT(a, w, width, fam) {a, (int)(sizeof a / sizeof a[0]), w, width, fam}
/* Weights: circum-Pacific ~0.76 of all events, Alpide ~0.17, ridges ~0.05, and 0.02 spread
 * anywhere (intraplate); within the Pacific rim roughly by observed activity. */
static const belt belts[] = {
    BELT(b_andes, 0.10, 1.0, 0), BELT(b_central_am, 0.05, 0.8, 0), BELT(b_north_am, 0.02, 0.6, 1),
    BELT(b_aleutian, 0.07, 0.8, 0), BELT(b_kuril_japan, 0.10, 1.0, 0), BELT(b_mariana, 0.05, 0.8, 0),
    BELT(b_philippines, 0.08, 1.0, 0), BELT(b_sunda, 0.11, 1.0, 0), BELT(b_melanesia, 0.09, 1.0, 0),
    BELT(b_tonga, 0.09, 0.9, 0), BELT(b_alpide, 0.13, 1.2, 1), BELT(b_tibet, 0.04, 1.5, 1),
    BELT(b_mid_atlantic, 0.02, 0.3, 2), BELT(b_east_pacific, 0.015, 0.3, 2),
    BELT(b_indian, 0.015, 0.3, 2),
};
#define NBELTS (sizeof belts / sizeof belts[0])
#define INTRAPLATE_SHARE 0.02

static double seg_len_deg(vertex a, vertex b) { return sqk_gc_angle_deg(a.lat, a.lon, b.lat, b.lon); }

/* A point along the belt, uniform in length, scattered across it. */
static void belt_point(sqk_rng *r, const belt *b, double *lat, double *lon)
{
    double total = 0.0;
    for (int i = 0; i + 1 < b->n; i++) total += seg_len_deg(b->v[i], b->v[i + 1]);
    double x = sqk_rng_uniform(r) * total;
    int i = 0;
    for (; i + 2 < b->n; i++) {
        double l = seg_len_deg(b->v[i], b->v[i + 1]);
        if (x < l) break;
        x -= l;
    }
    double f = x / seg_len_deg(b->v[i], b->v[i + 1]);
    if (f > 1) f = 1;
    double la = b->v[i].lat + f * (b->v[i + 1].lat - b->v[i].lat);
    double lo = b->v[i].lon + f * (b->v[i + 1].lon - b->v[i].lon);
    la += b->width_deg * sqk_rng_normal(r);
    lo += b->width_deg * sqk_rng_normal(r) / fmax(cos(la * DEG), 0.2);
    if (la > 89) la = 89;
    if (la < -89) la = -89;
    *lat = la;
    *lon = sqk_lon_wrap(lo);
}

/* Gutenberg-Richter magnitude in [lo, hi], rounded to 0.1 like most catalogue magnitudes. */
static double gr_magnitude(sqk_rng *r, double b, double lo, double hi)
{
    double beta = b * M_LN10, u = sqk_rng_uniform(r);
    double m = lo - log1p(-u * (1.0 - exp(-beta * (hi - lo)))) / beta;
    /* Round to tenths but never below the threshold (rounding may lower by 0.05). */
    double mr = round(m * 10.0) / 10.0;
    return mr < lo ? lo : mr;
}

static double depth_km(sqk_rng *r, int family)
{
    double u = sqk_rng_uniform(r);
    if (family == 2) return 10.0;
    if (u < 0.25) return 10.0; /* the common fixed depth */
    if (family == 0 && u > 0.92) return round(sqk_rng_uniform_range(r, 300, 650) * 10) / 10;
    if (family == 0 && u > 0.72) return round(sqk_rng_uniform_range(r, 70, 300) * 10) / 10;
    return round(sqk_rng_uniform_range(r, 5, 60) * 10) / 10;
}

/* Expected 10^(alpha (M - Mc)) over a truncated GR law in [Mc, MAX_MAG]. */
static double mean_productivity(double b, double mc)
{
    double beta = b * M_LN10, a = PRODUCTIVITY_ALPHA * M_LN10, dm = MAX_MAG - mc;
    return beta / (beta - a) * (1.0 - exp(-(beta - a) * dm)) / (1.0 - exp(-beta * dm));
}

static double omori_delay_days(sqk_rng *r)
{
    double q = 1.0 - OMORI_P, c0 = pow(OMORI_C_D, q), c1 = pow(OMORI_TMAX_D + OMORI_C_D, q);
    double u = sqk_rng_uniform(r);
    return pow(c0 + u * (c1 - c0), 1.0 / q) - OMORI_C_D;
}

typedef struct { sqk_quake q; uint8_t main; double key; } gen_event;

static int by_time(const void *a, const void *b)
{
    const gen_event *x = a, *y = b;
    if (x->q.t != y->q.t) return x->q.t < y->q.t ? -1 : 1;
    return x->key < y->key ? -1 : (x->key > y->key);
}

/* Ids name the day a sequence began and the event's rank among that day's generated events,
 * so an event keeps its id whatever span (and whichever satellites) the catalogue covers. */
#define ID_DAY0 (-25567) /* 1900-01-01 */

static int push(gen_event **ev, size_t *n, size_t *cap, const gen_event *e, int64_t day, int *rank)
{
    if (sqk_grow((void **)ev, cap, *n + 1, sizeof **ev)) return SQK_EMEM;
    (*ev)[*n] = *e;
    (*ev)[*n].key = (double)*n;
    snprintf((*ev)[*n].q.id, sizeof (*ev)[*n].q.id, "sq%05lld%04d", (long long)(day - ID_DAY0), (*rank)++);
    (*n)++;
    return SQK_OK;
}

static void fill_quake(sqk_quake *q, double t, double lat, double lon, double dep, double mag)
{
    memset(q, 0, sizeof *q);
    q->t = round(t * 100.0) / 100.0; /* catalogues give origin times to 10 ms */
    q->lat = round(lat * 1e4) / 1e4;
    q->lon = round(lon * 1e4) / 1e4;
    q->depth_km = dep;
    q->mag = mag;
    snprintf(q->mag_type, sizeof q->mag_type, "%s", mag >= 5.5 ? "mww" : "mb");
    snprintf(q->type, sizeof q->type, "earthquake");
}

static int make_sequence(sqk_rng *r, const sqk_synth_config *c, double t, double K, int64_t day,
                         int *rank, gen_event **ev, size_t *n, size_t *cap)
{
    gen_event e = {0};
    const belt *b = NULL;
    double lat, lon;
    int family = 1;
    if (sqk_rng_uniform(r) < INTRAPLATE_SHARE) {
        lat = asin(sqk_rng_uniform_range(r, -1, 1)) / DEG;
        lon = sqk_rng_uniform_range(r, -180, 180);
    } else {
        double w = sqk_rng_uniform(r) * (1.0 - INTRAPLATE_SHARE), acc = 0.0;
        for (size_t i = 0; i < NBELTS && !b; i++)
            if (w < (acc += belts[i].weight)) b = &belts[i];
        if (!b) b = &belts[NBELTS - 1];
        belt_point(r, b, &lat, &lon);
        family = b->family;
    }
    double mag = gr_magnitude(r, c->b_value, c->min_mag, MAX_MAG);
    fill_quake(&e.q, t, lat, lon, depth_km(r, family), mag);
    e.main = 1;
    if (push(ev, n, cap, &e, day, rank)) return SQK_EMEM;
    uint64_t na = sqk_rng_poisson(r, K * pow(10.0, PRODUCTIVITY_ALPHA * (mag - c->min_mag)));
    /* Aftershocks scatter over about the rupture length (~50 km at M7). */
    double sigma = fmin(fmax(0.3 * pow(10.0, 0.5 * (mag - 7.0)), 0.05), 0.6);
    for (uint64_t k = 0; k < na; k++) {
        gen_event a = {0};
        double alat = lat + sigma * sqk_rng_normal(r);
        double alon = lon + sigma * sqk_rng_normal(r) / fmax(cos(alat * DEG), 0.2);
        if (alat > 89) alat = 89;
        if (alat < -89) alat = -89;
        double am = gr_magnitude(r, c->b_value, c->min_mag, fmax(mag, c->min_mag));
        /* Draws in separate statements: the order of a call's arguments is unspecified in C
         * (GCC and clang differ), and the archive must not depend on the compiler. */
        double adepth_km = round(fmin(e.q.depth_km + 5.0 * fabs(sqk_rng_normal(r)), 700.0) * 10) / 10;
        double at = t + omori_delay_days(r) * SQK_DAY_S;
        fill_quake(&a.q, at, alat, sqk_lon_wrap(alon), adepth_km, am);
        if (push(ev, n, cap, &a, day, rank)) return SQK_EMEM;
    }
    return SQK_OK;
}

/* A few non-earthquake rows (quarry blasts, explosions) so readers' type filters get used. */
static int make_blasts(sqk_rng *r, int64_t day, int *rank, gen_event **ev, size_t *n, size_t *cap)
{
    uint64_t nb = sqk_rng_poisson(r, 0.02);
    for (uint64_t k = 0; k < nb; k++) {
        gen_event e = {0};
        double lat = sqk_rng_uniform_range(r, 20, 60), lon = sqk_rng_uniform_range(r, -120, 140);
        double mag = round(sqk_rng_uniform_range(r, 4.8, 5.2) * 10) / 10; /* drawn first: the order GCC used, so archives keep their bytes */
        double t = ((double)day + sqk_rng_uniform(r)) * SQK_DAY_S;
        fill_quake(&e.q, t, lat, lon, 0.0, mag);
        snprintf(e.q.type, sizeof e.q.type, "%s", sqk_rng_uniform(r) < 0.5 ? "quarry blast" : "explosion");
        snprintf(e.q.mag_type, sizeof e.q.mag_type, "ml");
        e.main = 0;
        if (push(ev, n, cap, &e, day, rank)) return SQK_EMEM;
    }
    return SQK_OK;
}

int sqk_synth_catalog(const sqk_synth_config *c, double t0, double t1, sqk_catalog *out,
                      uint8_t **mainshock)
{
    memset(out, 0, sizeof *out);
    if (mainshock) *mainshock = NULL;
    if (!(t1 > t0)) return sqk_fail(SQK_EARG, "synthetic catalogue: empty time span");
    if (!(c->aftershock_share >= 0 && c->aftershock_share < 0.95))
        return sqk_fail(SQK_EARG, "synthetic catalogue: aftershock share %g not in [0, 0.95)",
                        c->aftershock_share);
    sqk_rng root, cat_root;
    sqk_rng_seed(&root, c->seed);
    cat_root = sqk_rng_fork(&root, KEY_CATALOG);
    double main_rate = c->quake_rate_per_day * (1.0 - c->aftershock_share);
    double K = c->aftershock_share / (1.0 - c->aftershock_share) / mean_productivity(c->b_value, c->min_mag);
    gen_event *ev = NULL;
    size_t n = 0, cap = 0;
    int rc = SQK_OK;
    /* The world's seismicity is a function of time alone: each absolute day has its own
     * stream (Poisson sequence starts, uniform in the day), so any span sees the same events
     * as a longer one. Start early so that sequences begun before t0 leave their aftershocks
     * in the span. */
    int64_t d0 = (int64_t)floor(t0 / SQK_DAY_S - OMORI_TMAX_D), d1 = (int64_t)ceil(t1 / SQK_DAY_S);
    for (int64_t d = d0; d < d1 && rc == SQK_OK; d++) {
        sqk_rng r = sqk_rng_fork(&cat_root, (uint64_t)d);
        sqk_rng rb = sqk_rng_fork(&r, 1);
        int rank = 0;
        uint64_t ns = sqk_rng_poisson(&r, main_rate);
        for (uint64_t k = 0; k < ns && rc == SQK_OK; k++)
            rc = make_sequence(&r, c, ((double)d + sqk_rng_uniform(&r)) * SQK_DAY_S, K, d, &rank,
                               &ev, &n, &cap);
        if (rc == SQK_OK) rc = make_blasts(&rb, d, &rank, &ev, &n, &cap);
    }
    if (rc != SQK_OK) { free(ev); return rc; }
    qsort(ev, n, sizeof *ev, by_time);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].q.t >= t0 && ev[i].q.t < t1) ev[kept++] = ev[i];
    out->ev = sqk_malloc((kept ? kept : 1) * sizeof *out->ev);
    uint8_t *ms = sqk_malloc(kept ? kept : 1);
    if (!out->ev || !ms) { free(ev); free(out->ev); free(ms); out->ev = NULL; return SQK_EMEM; }
    for (size_t i = 0; i < kept; i++) {
        out->ev[i] = ev[i].q;
        ms[i] = ev[i].main;
    }
    out->n = out->rows_read = kept;
    free(ev);
    if (mainshock) *mainshock = ms; else free(ms);
    return SQK_OK;
}

int sqk_synth_decluster(const sqk_catalog *c, double min_mag, uint8_t *mainshock)
{
    /* Only earthquakes above the threshold take part, as in the dataset builder. */
    for (size_t i = 0; i < c->n; i++)
        mainshock[i] = !strcmp(c->ev[i].type, "earthquake") && c->ev[i].mag >= min_mag;
    for (size_t i = 0; i < c->n; i++) {
        if (!mainshock[i]) continue;
        for (size_t j = i + 1; j < c->n && c->ev[j].t - c->ev[i].t <= 15.0 * SQK_DAY_S; j++) {
            if (!mainshock[j]) continue;
            if (fabs(c->ev[j].lat - c->ev[i].lat) <= 1.0 &&
                fabs(sqk_lon_diff_deg(c->ev[j].lon, c->ev[i].lon)) <= 1.0)
                mainshock[j] = 0;
        }
    }
    return SQK_OK;
}
