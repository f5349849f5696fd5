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
    sqk_truth t = {sqk_calloc(m->nprec ? m->nprec : 1, sizeof *t.row), m->nprec};
    if (!t.row) return SQK_EMEM;
    for (size_t i = 0; i < m->nprec; i++) {
        const sqk_precursor *p = &m->prec[i];
        sqk_truth_row *r = &t.row[i];
        snprintf(r->event_id, sizeof r->event_id, "%s", p->event_id);
        r->t = p->t_event;
        r->lat = p->lat;
        r->lon = p->lon;
        r->mag = p->mag;
        r->onset_days = p->onset_days;
        r->duration_days = p->duration_days;
        r->amplitude = p->amplitude;
        r->strength = m->cfg.precursor_strength;
        r->unit_amplitude = p->unit_amplitude;
        r->unit_irregularity = p->unit_irregularity;
        r->radius_km = sqk_dobrovolsky_radius_km(p->mag);
    }
    int rc = sqk_truth_write(path, &t);
    sqk_truth_free(&t);
    return rc;
}

/* ---- reading truth.csv back: the one reader (src/archive/truth.c), in the generator's type */

int sqk_synth_truth_read(const char *path, sqk_precursor **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    sqk_truth t;
    int st = sqk_truth_read(path, &t);
    if (st) return st;
    *out = sqk_calloc(t.n ? t.n : 1, sizeof **out);
    if (!*out) { sqk_truth_free(&t); return SQK_EMEM; }
    for (size_t i = 0; i < t.n; i++) {
        const sqk_truth_row *r = &t.row[i];
        sqk_precursor *p = &(*out)[i];
        snprintf(p->event_id, sizeof p->event_id, "%s", r->event_id);
        p->t_event = r->t;
        p->lat = r->lat;
        p->lon = r->lon;
        p->mag = r->mag;
        p->onset_days = r->onset_days;
        p->duration_days = r->duration_days;
        p->amplitude = r->amplitude;
        /* The unit columns are newer; older files lack them. */
        p->unit_amplitude = isnan(r->unit_amplitude) ? r->amplitude : r->unit_amplitude;
        p->unit_irregularity = isnan(r->unit_irregularity) ? 0 : r->unit_irregularity;
        p->radius_deg = sqk_km_to_deg(sqk_dobrovolsky_radius_km(p->mag));
    }
    *n_out = t.n;
    sqk_truth_free(&t);
    return SQK_OK;
}
