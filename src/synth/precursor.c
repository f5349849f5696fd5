/* Planted precursors: before a share of the mainshocks, a change of the Ne level (Te changes
 * the other way, by a smaller relative amount) and enhanced small-scale irregularities,
 * within about the Dobrovolsky radius of the epicentre, on some of the 15 days before.
 *
 * Spatial weight: 1 within 0.8 R, a cos^2 taper to 0 at 1.2 R. Temporal weight: ramps of
 * six hours at both ends of [t_event - onset, t_event - onset + duration]. */
#include "synth_internal.h"

#include "sqk/geo.h"
#include "sqk/time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAMP_S (0.25 * SQK_DAY_S)
#define INNER 0.8
#define OUTER 1.2

/* A stream per event, keyed by its id: whether an event carries a precursor and its form do
 * not depend on the other events of the catalogue (nor on the span or satellites). */
static sqk_rng event_stream(const sqk_synth_model *m, const char *id)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) h = (h ^ *p) * 0x100000001b3ULL;
    sqk_rng r = sqk_rng_fork(&m->root, KEY_PRECURSOR);
    return sqk_rng_fork(&r, h);
}

/* Days as truth.csv writes them (6 decimals), so a reader recomputes the same footprint. */
static double days6(double d) { return round(d * 1e6) / 1e6; }

int synth_plant_precursors(sqk_synth_model *m)
{
    const sqk_synth_config *c = &m->cfg;
    m->nprec = 0;
    m->prec = NULL;
    if (c->precursor_fraction <= 0) return SQK_OK;
    size_t cap = 0;
    for (size_t i = 0; i < m->cat.n; i++) {
        const sqk_quake *q = &m->cat.ev[i];
        if (!m->mainshock[i] || q->mag < c->min_mag) continue;
        /* Every mainshock draws the same numbers whatever the fraction and strength, so the
         * planted set only grows with the fraction and only scales with the strength; at
         * strength 0 the would-be precursors are kept (zero amplitude) so that a null archive
         * names the footprints its planted twin perturbs. */
        sqk_rng r = event_stream(m, q->id);
        double u = sqk_rng_uniform(&r);
        double onset = days6(sqk_rng_uniform_range(&r, 1.0, c->precursor_onset_max_days));
        double dur = days6(sqk_rng_uniform_range(&r, c->precursor_duration_min_days,
                                                 c->precursor_duration_max_days));
        double sign = sqk_rng_uniform(&r) < 0.5 ? -1.0 : 1.0;
        double scale = sqk_rng_uniform_range(&r, 0.75, 1.25);
        if (u >= c->precursor_fraction) continue;
        if (sqk_grow((void **)&m->prec, &cap, m->nprec + 1, sizeof *m->prec)) return SQK_EMEM;
        sqk_precursor *p = &m->prec[m->nprec++];
        memset(p, 0, sizeof *p);
        snprintf(p->event_id, sizeof p->event_id, "%s", q->id);
        p->t_event = q->t;
        p->lat = q->lat;
        p->lon = q->lon;
        p->mag = q->mag;
        p->onset_days = onset;
        p->duration_days = dur < onset ? dur : onset; /* never past the event */
        p->unit_amplitude = sign * scale * c->precursor_ne_level;
        p->unit_irregularity = scale * c->precursor_irregularity * c->ne_noise;
        p->amplitude = p->unit_amplitude * c->precursor_strength;
        p->irregularity = p->unit_irregularity * c->precursor_strength;
        p->radius_deg = sqk_km_to_deg(sqk_dobrovolsky_radius_km(q->mag));
    }
    return SQK_OK;
}

static double taper_space(double dist_deg, double r_deg)
{
    double x = dist_deg / r_deg;
    if (x <= INNER) return 1.0;
    if (x >= OUTER) return 0.0;
    double c = cos(0.5 * M_PI * (x - INNER) / (OUTER - INNER));
    return c * c;
}

static double taper_time(const sqk_precursor *p, double t)
{
    double a = p->t_event - p->onset_days * SQK_DAY_S;
    double b = a + p->duration_days * SQK_DAY_S;
    if (t <= a || t >= b) return 0.0;
    double ramp = fmin(RAMP_S, 0.5 * (b - a));
    double w = fmin((t - a) / ramp, (b - t) / ramp);
    return w >= 1.0 ? 1.0 : 0.5 - 0.5 * cos(M_PI * w);
}

double sqk_synth_precursor_weight(const sqk_precursor *p, double t, double lat, double lon)
{
    if (t >= p->t_event || t <= p->t_event - p->onset_days * SQK_DAY_S) return 0.0;
    if (fabs(lat - p->lat) > OUTER * p->radius_deg) return 0.0;
    double wt = taper_time(p, t);
    if (wt <= 0) return 0.0;
    return wt * taper_space(sqk_gc_angle_deg(lat, lon, p->lat, p->lon), p->radius_deg);
}

void sqk_synth_precursor_at(const sqk_synth_model *m, double t, double lat, double lon,
                            double *level, double *irregularity)
{
    double lv = 0.0, irr = 0.0;
    for (size_t i = 0; i < m->nprec; i++) {
        const sqk_precursor *p = &m->prec[i];
        if (p->amplitude == 0 && p->irregularity == 0) continue; /* a null archive's would-be precursor */
        double w = sqk_synth_precursor_weight(p, t, lat, lon);
        if (w <= 0) continue;
        lv += p->amplitude * w;
        irr += p->irregularity * w;
    }
    *level = lv;
    *irregularity = irr;
}

int sqk_synth_write_truth(const char *path, const sqk_synth_model *m)
{
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    FILE *f = a.f;
    fprintf(f, "event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude,strength,"
               "unit_amplitude,unit_irregularity,radius_km\n");
    for (size_t i = 0; i < m->nprec; i++) {
        const sqk_precursor *p = &m->prec[i];
        char iso[32];
        sqk_time_format_iso(p->t_event, iso);
        fprintf(f, "%s,%s,%.4f,%.4f,%.1f,%.6f,%.6f,%.6f,%g,%.6f,%.6f,%.3f\n", p->event_id, iso,
                p->lat, p->lon, p->mag, p->onset_days, p->duration_days, p->amplitude,
                m->cfg.precursor_strength, p->unit_amplitude, p->unit_irregularity,
                sqk_dobrovolsky_radius_km(p->mag));
    }
    return sqk_atomic_close(&a, SQK_OK);
}

/* ---- reading truth.csv back (this file owns the format) */

static int split_fields(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line;; p++) {
        if (n < max) f[n] = p;
        n++;
        p = strchr(p, ',');
        if (!p) break;
        *p = '\0';
    }
    return n;
}

int sqk_synth_truth_read(const char *path, sqk_precursor **out, size_t *n_out)
{
    enum { ID, TIME, LAT, LON, MAG, ONSET, DUR, AMP, UAMP, UIRR, NCOL };
    static const char *const names[NCOL] = {"event_id", "time", "lat", "lon", "mag", "onset_days_before",
                                            "duration_days", "amplitude", "unit_amplitude", "unit_irregularity"};
    *out = NULL;
    *n_out = 0;
    FILE *f = fopen(path, "r");
    if (!f) return sqk_fail(SQK_EIO, "%s: cannot open", path);
    int col[NCOL], ncols = 0, st = SQK_OK;
    size_t cap = 0, ln = 0;
    char line[4096], *fld[64];
    while (st == SQK_OK && fgets(line, sizeof line, f)) {
        ln++;
        if (!strchr(line, '\n') && !feof(f)) { st = sqk_fail(SQK_EFORMAT, "%s: line %zu: too long", path, ln); break; }
        int n = split_fields(line, fld, 64);
        if (ln == 1) {
            ncols = n;
            for (int k = 0; k < NCOL; k++) {
                col[k] = -1;
                for (int j = 0; j < n && j < 64; j++)
                    if (!strcmp(fld[j], names[k])) col[k] = j;
                if (col[k] < 0 && k < UAMP) /* the unit columns are newer; older files lack them */
                    st = sqk_fail(SQK_EFORMAT, "%s: line 1: no column '%s' (not a truth.csv?)", path, names[k]);
            }
            continue;
        }
        if (n == 1 && fld[0][0] == '\0') continue; /* blank line */
        if (n != ncols) { st = sqk_fail(SQK_EFORMAT, "%s: line %zu: %d fields, the header has %d", path, ln, n, ncols); break; }
        if (sqk_grow((void **)out, &cap, *n_out + 1, sizeof **out)) { st = SQK_EMEM; break; }
        sqk_precursor *p = &(*out)[*n_out];
        memset(p, 0, sizeof *p);
        double v[NCOL] = {0};
        for (int k = LAT; k < NCOL; k++) {
            if (col[k] < 0) continue;
            char *end;
            v[k] = strtod(fld[col[k]], &end);
            if (end == fld[col[k]] || *end || !isfinite(v[k])) {
                st = sqk_fail(SQK_EFORMAT, "%s: line %zu: %s '%s' is not a number", path, ln, names[k], fld[col[k]]);
                break;
            }
        }
        if (st) break;
        if (strlen(fld[col[ID]]) == 0 || strlen(fld[col[ID]]) >= sizeof p->event_id) {
            st = sqk_fail(SQK_EFORMAT, "%s: line %zu: bad event_id", path, ln);
            break;
        }
        if ((st = sqk_time_parse_iso(fld[col[TIME]], &p->t_event))) {
            st = sqk_fail_context(st, "%s: line %zu", path, ln);
            break;
        }
        if (!(fabs(v[LAT]) <= 90 && fabs(v[LON]) <= 360 && v[MAG] > 0 && v[MAG] < 10 && v[ONSET] > 0 &&
              v[DUR] > 0 && v[DUR] <= v[ONSET])) {
            st = sqk_fail(SQK_EFORMAT, "%s: line %zu: position, magnitude, onset or duration out of range", path, ln);
            break;
        }
        snprintf(p->event_id, sizeof p->event_id, "%s", fld[col[ID]]);
        p->lat = v[LAT];
        p->lon = v[LON];
        p->mag = v[MAG];
        p->onset_days = v[ONSET];
        p->duration_days = v[DUR];
        p->amplitude = v[AMP];
        p->unit_amplitude = col[UAMP] >= 0 ? v[UAMP] : v[AMP];
        p->unit_irregularity = v[UIRR];
        p->radius_deg = sqk_km_to_deg(sqk_dobrovolsky_radius_km(p->mag));
        (*n_out)++;
    }
    if (st == SQK_OK && ln == 0) st = sqk_fail(SQK_EEMPTY, "%s: empty file (no header)", path);
    if (st == SQK_OK && ferror(f)) st = sqk_fail(SQK_EIO, "%s: read error", path);
    fclose(f);
    if (st) { free(*out); *out = NULL; *n_out = 0; }
    return st;
}
