/* `seqnetquake inspect` summaries of the two tables: a USGS ComCat catalogue and a Kp index. */
#include "inspect_internal.h"

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ catalogue */

typedef struct { const char *type; size_t n; } type_count;

/* Counts of each distinct type, in order of first appearance. */
static type_count *count_types(const sqk_catalog *c, size_t *ntypes)
{
    type_count *tc = NULL;
    size_t cap = 0, nt = 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t j = 0;
        while (j < nt && strcmp(tc[j].type, c->ev[i].type)) j++;
        if (j == nt) {
            if (sqk_grow((void **)&tc, &cap, nt + 1, sizeof *tc)) { free(tc); return NULL; }
            tc[nt++] = (type_count){c->ev[i].type, 0};
        }
        tc[j].n++;
    }
    *ntypes = nt;
    return tc;
}

static const double mag_edge[] = {4.5, 4.8, 5.0, 5.5, 6.0, 7.0};
#define NMAGBIN 7 /* below 4.5, the five closed bins, 7 and above */

static int mag_bin(double m)
{
    int b = 0;
    while (b < 6 && m >= mag_edge[b]) b++;
    return b;
}

static void print_mag_bins(const sqk_catalog *c, FILE *out)
{
    size_t bins[NMAGBIN] = {0};
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->ev[i].type, "earthquake")) bins[mag_bin(c->ev[i].mag)]++;
    fprintf(out, "magnitude (earthquakes):\n");
    if (bins[0]) fprintf(out, "  M < 4.5      %zu\n", bins[0]);
    for (int b = 1; b < 6; b++)
        fprintf(out, "  %.1f-%.1f      %zu\n", mag_edge[b - 1], mag_edge[b], bins[b]);
    fprintf(out, "  M >= 7.0     %zu\n", bins[6]);
}

static void print_depths(const sqk_catalog *c, FILE *out)
{
    double lo = INFINITY, hi = -INFINITY;
    size_t empty = 0;
    for (size_t i = 0; i < c->n; i++) {
        double d = c->ev[i].depth_km;
        if (isnan(d)) { empty++; continue; }
        if (d < lo) lo = d;
        if (d > hi) hi = d;
    }
    if (lo <= hi) fprintf(out, "depth:        %.2f .. %.2f km", lo, hi);
    else fprintf(out, "depth:        none given");
    fprintf(out, empty ? " (%zu rows without depth)\n" : "\n", empty);
}

int inspect_catalog(const char *path, FILE *out)
{
    sqk_catalog c;
    int st = sqk_catalog_read(path, -INFINITY, 1, &c);
    if (st) return st;
    size_t ntypes = 0, n_eq = 0, n48_eq = 0, n48_all = 0;
    type_count *tc = count_types(&c, &ntypes);
    if (!tc && c.n) { sqk_catalog_free(&c); return SQK_EMEM; }
    for (size_t i = 0; i < c.n; i++) {
        int eq = !strcmp(c.ev[i].type, "earthquake");
        n_eq += eq;
        n48_eq += eq && c.ev[i].mag >= 4.8;
        n48_all += c.ev[i].mag >= 4.8;
    }
    fprintf(out, "file:         %s\nkind:         USGS ComCat CSV\nrows:         %zu\n", path, c.n);
    if (c.n) {
        char a[32], b[32];
        sqk_time_format_iso(c.ev[0].t, a);
        sqk_time_format_iso(c.ev[c.n - 1].t, b);
        fprintf(out, "time span:    %s .. %s (%.1f days)\n", a, b, (c.ev[c.n - 1].t - c.ev[0].t) / SQK_DAY_S);
    }
    fprintf(out, "types:\n");
    for (size_t j = 0; j < ntypes; j++) fprintf(out, "  %-22s %zu\n", tc[j].type, tc[j].n);
    print_mag_bins(&c, out);
    print_depths(&c, out);
    fprintf(out, "M >= 4.8:     %zu earthquakes (%zu rows of any type)\n", n48_eq, n48_all);
    fprintf(out, "earthquakes:  %zu of %zu rows (only type 'earthquake' is used)\n", n_eq, c.n);
    free(tc);
    sqk_catalog_free(&c);
    return SQK_OK;
}

/* ------------------------------------------------------------------ Kp */

/* Kp in the notation of the tables: 3- 3o 3+ (thirds). */
static void kp_notation(float kp, char buf[16])
{
    int th = (int)floorf(kp * 3.0f + 0.5f);
    static const char mark[3] = {'o', '+', '-'};
    int whole = (th + 1) / 3; /* 3- belongs to 3 */
    snprintf(buf, 16, "%d%c", whole, mark[th - 3 * whole < 0 ? 2 : th - 3 * whole]);
}

int inspect_kp(const char *path, FILE *out)
{
    sqk_kp kp;
    int st = sqk_kp_read(path, &kp);
    if (st) return st;
    size_t missing = 0, above3 = 0, imax = 0;
    float vmax = -1.0f;
    for (size_t i = 0; i < kp.n; i++) {
        float v = kp.kp[i];
        if (isnan(v)) { missing++; continue; }
        above3 += v > 3.0f; /* "Kp > 3" is 3+ or more */
        if (v > vmax) { vmax = v; imax = i; }
    }
    char a[32], b[32];
    sqk_time_format_iso(kp.t0, a);
    sqk_time_format_iso(kp.t0 + (double)(kp.n / 8 - 1) * SQK_DAY_S, b);
    size_t have = kp.n - missing;
    fprintf(out, "file:         %s\nkind:         Kp table, %s\n", path, sqk_kp_format_name(kp.format));
    fprintf(out, "time span:    %.10s .. %.10s (%zu days)\n", a, b, kp.n / 8);
    fprintf(out, "intervals:    %zu of 3 h\nmissing:      %zu\n", kp.n, missing);
    if (have) {
        char note[16], when[32];
        kp_notation(vmax, note);
        sqk_time_format_iso(kp.t0 + imax * 10800.0, when);
        fprintf(out, "Kp > 3:       %.2f %% of the intervals with a value (%zu of %zu)\n",
                100.0 * above3 / have, above3, have);
        fprintf(out, "maximum Kp:   %s (%.3f) in the interval starting %.16s UT\n", note, vmax, when);
    }
    sqk_kp_free(&kp);
    return SQK_OK;
}
