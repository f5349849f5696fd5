/* The synthetic archive's configuration and shared model: catalogue, Kp, storm index,
 * precursors and the day-to-day field, built once and then read by every file's thread. */
#include "synth_internal.h"

#include "sqk/time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARGIN_BEFORE_D 30.0 /* catalogue/Kp before a span: declustering and storm history */
#define MARGIN_AFTER_D 20.0  /* after: events up to 15 days after the last sample matter */

void sqk_synth_defaults(sqk_synth_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->cses = c->demeter = 1;
    c->cses_start = (double)sqk_days_from_civil(2020, 1, 1) * SQK_DAY_S;
    c->demeter_start = (double)sqk_days_from_civil(2006, 1, 1) * SQK_DAY_S;
    c->cses_days = c->demeter_days = 90;
    c->precursor_fraction = 0.7;
    c->precursor_strength = 1.0;
    c->precursor_ne_level = 0.08;
    c->precursor_te_ratio = 0.4;
    c->precursor_irregularity = 2.5;
    c->precursor_onset_max_days = 15.0;
    c->precursor_duration_min_days = 2.0;
    c->precursor_duration_max_days = 10.0;
    c->ne_noise = 0.03;
    c->day_to_day = 0.12;
    c->irregularity = 0.02;
    c->quake_rate_per_day = 8.7;
    c->min_mag = 4.8;
    c->b_value = 1.0;
    c->aftershock_share = 0.55;
    c->storm_share = 0.10;
    c->missing_file_prob = 0.01;
    c->gap_prob = 0.08;
    c->fill_prob = 0.05;
}

static int in01(double x) { return x >= 0 && x <= 1; }

int sqk_synth_check(const sqk_synth_config *c)
{
    if (!c->cses && !c->demeter) return sqk_fail(SQK_EARG, "no satellite selected");
    if (c->cses && !(c->cses_days > 0 && c->cses_days <= 20000))
        return sqk_fail(SQK_EARG, "CSES span of %g days: must be in (0, 20000]", c->cses_days);
    if (c->demeter && !(c->demeter_days > 0 && c->demeter_days <= 20000))
        return sqk_fail(SQK_EARG, "DEMETER span of %g days: must be in (0, 20000]", c->demeter_days);
    if (!in01(c->precursor_fraction))
        return sqk_fail(SQK_EARG, "precursor fraction %g not in [0, 1]", c->precursor_fraction);
    if (!(c->precursor_strength >= 0 && c->precursor_strength <= 100))
        return sqk_fail(SQK_EARG, "precursor strength %g not in [0, 100]", c->precursor_strength);
    if (!(c->precursor_ne_level >= 0 && c->precursor_ne_level * c->precursor_strength < 1.0))
        return sqk_fail(SQK_EARG, "precursor Ne level %g x strength %g must stay below 1",
                        c->precursor_ne_level, c->precursor_strength);
    if (!(c->precursor_onset_max_days >= 1 && c->precursor_duration_min_days > 0 &&
          c->precursor_duration_max_days >= c->precursor_duration_min_days))
        return sqk_fail(SQK_EARG, "precursor onset/duration ranges are inconsistent");
    if (!(c->ne_noise >= 0 && c->ne_noise < 0.5 && c->day_to_day >= 0 && c->day_to_day < 2 &&
          c->irregularity >= 0 && c->irregularity < 1))
        return sqk_fail(SQK_EARG, "noise / variability parameters out of range");
    if (!(c->quake_rate_per_day > 0 && c->quake_rate_per_day < 1000 && c->b_value > 0.3 &&
          c->b_value < 3 && c->min_mag >= 0 && c->min_mag < 8.5))
        return sqk_fail(SQK_EARG, "seismicity parameters out of range");
    if (!(c->aftershock_share >= 0 && c->aftershock_share < 0.95))
        return sqk_fail(SQK_EARG, "aftershock share %g not in [0, 0.95)", c->aftershock_share);
    if (!(c->storm_share >= 0 && c->storm_share < 0.6))
        return sqk_fail(SQK_EARG, "storm share %g not in [0, 0.6)", c->storm_share);
    if (!in01(c->missing_file_prob) || !in01(c->gap_prob) || !in01(c->fill_prob))
        return sqk_fail(SQK_EARG, "instrument probabilities must be in [0, 1]");
    if (c->threads < 0 || c->threads > 1024) return sqk_fail(SQK_EARG, "threads %d", c->threads);
    return SQK_OK;
}

int sqk_synth_config_text(const sqk_synth_config *c, char *buf, size_t bufsize)
{
    char cs[32], ds[32];
    sqk_time_format_iso(c->cses_start, cs);
    sqk_time_format_iso(c->demeter_start, ds);
    int n = snprintf(buf, bufsize,
        "seed=%llu\nsatellites=%s%s%s\ncses_start=%s\ncses_days=%g\ndemeter_start=%s\n"
        "demeter_days=%g\ncatalog=%s\nkp=%s\nprecursor_fraction=%g\nprecursor_strength=%g\n"
        "precursor_ne_level=%g\nprecursor_te_ratio=%g\nprecursor_irregularity=%g\n"
        "precursor_onset_days=1..%g\nprecursor_duration_days=%g..%g\nprecursor_radius=dobrovolsky\n"
        "ne_noise=%g\nte_noise=%g\nday_to_day=%g\nirregularity=%g\nquake_rate_per_day=%g\n"
        "min_mag=%g\nb_value=%g\naftershock_share=%g\nstorm_share=%g\nmissing_file_prob=%g\n"
        "gap_prob=%g\nfill_prob=%g\n",
        (unsigned long long)c->seed, c->cses ? "cses" : "", c->cses && c->demeter ? "," : "",
        c->demeter ? "demeter" : "", cs, c->cses_days, ds, c->demeter_days,
        c->catalog_path ? c->catalog_path : "synthetic", c->kp_path ? c->kp_path : "synthetic",
        c->precursor_fraction, c->precursor_strength, c->precursor_ne_level,
        c->precursor_te_ratio, c->precursor_irregularity, c->precursor_onset_max_days,
        c->precursor_duration_min_days, c->precursor_duration_max_days, c->ne_noise,
        c->ne_noise * 2.0 / 3.0, c->day_to_day, c->irregularity, c->quake_rate_per_day,
        c->min_mag, c->b_value, c->aftershock_share, c->storm_share, c->missing_file_prob,
        c->gap_prob, c->fill_prob);
    if (n < 0 || (size_t)n >= bufsize) return sqk_fail(SQK_EARG, "configuration text too long");
    return SQK_OK;
}

typedef struct { double t0, t1; } span;

/* The satellites' spans widened by the margins, merged when they overlap (at most two). */
static int model_spans(const sqk_synth_config *c, span out[2])
{
    int n = 0;
    if (c->demeter)
        out[n++] = (span){c->demeter_start - MARGIN_BEFORE_D * SQK_DAY_S,
                          c->demeter_start + (c->demeter_days + MARGIN_AFTER_D) * SQK_DAY_S};
    if (c->cses)
        out[n++] = (span){c->cses_start - MARGIN_BEFORE_D * SQK_DAY_S,
                          c->cses_start + (c->cses_days + MARGIN_AFTER_D) * SQK_DAY_S};
    for (int i = 0; i < n; i++) {
        out[i].t0 = floor(out[i].t0 / SQK_DAY_S) * SQK_DAY_S;
        out[i].t1 = ceil(out[i].t1 / SQK_DAY_S) * SQK_DAY_S;
    }
    if (n == 2 && out[1].t0 < out[0].t0) { span s = out[0]; out[0] = out[1]; out[1] = s; }
    if (n == 2 && out[1].t0 <= out[0].t1) {
        out[0].t1 = fmax(out[0].t1, out[1].t1);
        n = 1;
    }
    return n;
}

/* Synthetic catalogue over the (one or two) spans. An event's id and values depend on its
 * time alone (sqk_synth_catalog), so a satellite's span reads the same whichever others are
 * generated. */
static int make_catalog(sqk_synth_model *m, const span *sp, int nsp)
{
    sqk_catalog part[2] = {{0}};
    uint8_t *ms[2] = {NULL, NULL};
    int rc = SQK_OK;
    size_t n = 0;
    for (int k = 0; k < nsp && rc == SQK_OK; k++) {
        rc = sqk_synth_catalog(&m->cfg, sp[k].t0, sp[k].t1, &part[k], &ms[k]);
        n += part[k].n;
    }
    if (rc == SQK_OK) {
        m->cat.ev = sqk_malloc((n ? n : 1) * sizeof *m->cat.ev);
        m->mainshock = sqk_malloc(n ? n : 1);
        if (!m->cat.ev || !m->mainshock) rc = SQK_EMEM;
    }
    for (int k = 0; k < nsp && rc == SQK_OK; k++) {
        memcpy(m->cat.ev + m->cat.n, part[k].ev, part[k].n * sizeof *part[k].ev);
        memcpy(m->mainshock + m->cat.n, ms[k], part[k].n);
        m->cat.n += part[k].n;
    }
    m->cat.rows_read = m->cat.n;
    for (int k = 0; k < nsp; k++) { sqk_catalog_free(&part[k]); free(ms[k]); }
    return rc;
}

static int load_catalog(sqk_synth_model *m)
{
    /* Keep every row and type (the copy in the archive is the whole file); only
     * earthquakes above the threshold can carry precursors. */
    int rc = sqk_catalog_read(m->cfg.catalog_path, -100.0, 1, &m->cat);
    if (rc) return sqk_fail_context(rc, "--catalog");
    if (m->cat.n == 0) return sqk_fail(SQK_EEMPTY, "--catalog %s: no event", m->cfg.catalog_path);
    m->mainshock = sqk_malloc(m->cat.n);
    if (!m->mainshock) return SQK_EMEM;
    return sqk_synth_decluster(&m->cat, m->cfg.min_mag, m->mainshock);
}

int sqk_synth_model_init(sqk_synth_model *m, const sqk_synth_config *c)
{
    memset(m, 0, sizeof *m);
    int rc = sqk_synth_check(c);
    if (rc) return rc;
    m->cfg = *c;
    sqk_rng_seed(&m->root, c->seed);
    span sp[2] = {{0, 0}, {0, 0}};
    int nsp = model_spans(c, sp);
    m->t0 = sp[0].t0;
    m->t1 = sp[nsp - 1].t1;
    rc = c->catalog_path ? load_catalog(m) : make_catalog(m, sp, nsp);
    if (rc == SQK_OK) {
        if (c->kp_path) {
            rc = sqk_kp_read(c->kp_path, &m->kp);
            if (rc) rc = sqk_fail_context(rc, "--kp");
        } else {
            rc = sqk_synth_kp(c->seed, c->storm_share, m->t0,
                              (int)llround((m->t1 - m->t0) / SQK_DAY_S), &m->kp);
        }
    }
    if (rc == SQK_OK) rc = synth_storm_series(&m->kp, &m->storm);
    if (rc == SQK_OK) rc = synth_field_make(&m->root, c->day_to_day, m->t0, m->t1, &m->field);
    if (rc == SQK_OK) rc = synth_plant_precursors(m);
    if (rc) sqk_synth_model_free(m);
    return rc;
}

void sqk_synth_model_free(sqk_synth_model *m)
{
    sqk_catalog_free(&m->cat);
    sqk_kp_free(&m->kp);
    free(m->storm);
    free(m->mainshock);
    free(m->prec);
    synth_field_free(m->field);
    memset(m, 0, sizeof *m);
}
