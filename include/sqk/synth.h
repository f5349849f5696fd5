/* The synthetic archive: CSES- and DEMETER-like half-orbit files, a catalogue, a Kp table and
 * the truth of the planted precursors, written in the real formats (archive.h writers).
 *
 * The pieces, each usable alone (tests check their physics in memory):
 *   orbits       circular sun-synchronous orbits over a rotating Earth, burst regions
 *   space weather solar flux by solar cycle, a 3-hourly Kp series with storms, storm index
 *   ionosphere   background Ne/Te (local time, magnetic latitude, season, solar flux,
 *                longitude wave-4, day-to-day random field), storm effects, noise
 *   seismicity   M >= 4.8 mainshocks along plate-boundary belts plus Omori-Utsu aftershocks
 *   precursors   Ne/Te level change + irregularities within the Dobrovolsky radius before a
 *                share of the mainshocks
 * Same seed -> byte-identical files, whatever the number of threads: every file draws from
 * its own stream forked from the seed by a key naming the file. docs/synthetic-archive.md
 * explains the models and the defaults. */
#ifndef SQK_SYNTH_H
#define SQK_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/rng.h"

/* ------------------------------------------------------------------ configuration */

typedef struct {
    uint64_t seed;
    int cses, demeter;                 /* satellites to write (1/0) */
    double cses_start, cses_days;      /* span start (s since epoch) and length (days) */
    double demeter_start, demeter_days;
    const char *catalog_path;          /* real catalogue to use instead of a synthetic one */
    const char *kp_path;               /* real Kp table to use instead of a synthetic one */
    /* Precursors. strength multiplies the three relative scales; 0 = null archive. */
    double precursor_fraction;         /* share of mainshocks with a precursor (0.7) */
    double precursor_strength;         /* (1) */
    double precursor_ne_level;         /* |relative Ne level change| at strength 1 (0.08) */
    double precursor_te_ratio;         /* Te change / Ne change, opposite sign (0.4) */
    double precursor_irregularity;     /* irregularity rms / measurement noise at strength 1 (2.5) */
    double precursor_onset_max_days;   /* onset drawn in [1, this] days before (15) */
    double precursor_duration_min_days, precursor_duration_max_days; /* (2, 10) */
    /* Background. */
    double ne_noise;                   /* relative measurement noise of Ne (0.03); Te 2/3 of it */
    double day_to_day;                 /* rms of the log-Ne day-to-day random field (0.12) */
    double irregularity;               /* rms of natural small-scale log-Ne irregularities (0.02) */
    /* Seismicity (synthetic catalogue). */
    double quake_rate_per_day;         /* M >= min_mag, aftershocks included (8.7) */
    double min_mag, b_value;           /* (4.8, 1.0) */
    double aftershock_share;           /* expected share of aftershocks (0.5) */
    /* Space weather (synthetic Kp). */
    double storm_share;                /* target share of 3-hour intervals with Kp > 3 (0.10) */
    /* Instrument. */
    double missing_file_prob;          /* half-orbits with no file (0.01) */
    double gap_prob;                   /* half-orbits with a minutes-long gap (0.08) */
    double fill_prob;                  /* half-orbits with a few fill values (0.05) */
    int threads;                       /* 0 = OpenMP default */
} sqk_synth_config;

void sqk_synth_defaults(sqk_synth_config *c);
/* Checks ranges (days > 0, fractions in [0, 1], strength >= 0, at least one satellite). */
int sqk_synth_check(const sqk_synth_config *c);
/* The configuration as key=value lines (for DIR/synth.txt and dataset provenance). */
int sqk_synth_config_text(const sqk_synth_config *c, char *buf, size_t bufsize);

/* ------------------------------------------------------------------ orbits */

typedef struct {
    int satellite;          /* SQK_SAT_* */
    double alt_km, incl_deg;
    double asc_node_lt_h;   /* local time of the ascending node (sun-synchronous: fixed) */
    double epoch;           /* time of the ascending node of orbit 0, s since epoch */
    double period_s;
    double survey_dt_s, burst_dt_s;
    double max_mlat_deg;    /* data only within +-this magnetic latitude */
} sqk_orbit;

/* CSES: 507 km, 97.4 deg, ascending 02:00 LT; DEMETER: 660 km, 98.3 deg, ascending 22:30 LT. */
sqk_orbit sqk_orbit_cses(void);
sqk_orbit sqk_orbit_demeter(void);
/* Position at t: geographic lat/lon (deg) and the argument of latitude u (deg, 0 = ascending
 * node, unwrapped: u / 360 counts orbits since the epoch). */
void sqk_orbit_position(const sqk_orbit *o, double t, double *lat, double *lon, double *u_deg);
/* Half-orbit (orbit number, direction) -> its time span [t0, t1): CSES orbit n is its
 * ascending half (south to north) then its descending half; DEMETER orbit n is its downgoing
 * (day, sub-orbit 0) half then its upgoing (night, 1) half. */
void sqk_orbit_half_span(const sqk_orbit *o, int orbit, int direction, double *t0, double *t1);
/* The orbit number whose span contains t. */
int sqk_orbit_number(const sqk_orbit *o, double t);
/* 1 when (lat, lon) lies in one of the satellite's burst-mode regions. */
int sqk_orbit_in_burst_region(int satellite, double lat, double lon);

/* ------------------------------------------------------------------ space weather */

/* Daily 10.7 cm solar radio flux (sfu) from a smooth solar-cycle model (minima 2008.9, 2019.9). */
double sqk_synth_f107(double t);
/* A 3-hourly Kp series in thirds from t0 (00 UT) over n_days, with storms. */
int sqk_synth_kp(uint64_t seed, double storm_share, double t0, int n_days, sqk_kp *out);

/* ------------------------------------------------------------------ seismicity */

/* A synthetic catalogue of events with M >= c->min_mag in [t0, t1), sorted by time.
 * mainshock[i] (malloc'd, may be NULL) is 1 for generated mainshocks, 0 for aftershocks. */
int sqk_synth_catalog(const sqk_synth_config *c, double t0, double t1, sqk_catalog *out,
                      uint8_t **mainshock);
/* The aftershock rule of the method (2x2 deg box, 15 days after a kept event) applied to the
 * earthquakes with M >= min_mag of a sorted catalogue: mainshock[i] = 1 for kept events, 0
 * for aftershocks and for rows outside the selection. */
int sqk_synth_decluster(const sqk_catalog *c, double min_mag, uint8_t *mainshock);

/* ------------------------------------------------------------------ the model */

typedef struct {
    char event_id[32];
    double t_event, lat, lon, mag;
    double onset_days, duration_days; /* starts onset_days before the event */
    double amplitude;                 /* signed relative Ne level change (strength included) */
    double irregularity;              /* extra log-Ne irregularity rms (strength included) */
    double unit_amplitude, unit_irregularity; /* the same at strength 1 */
    double radius_deg;                /* Dobrovolsky radius */
} sqk_precursor;

typedef struct sqk_synth_field sqk_synth_field;

/* Everything shared by the files of one archive: configuration, Kp and storm index,
 * catalogue, planted precursors and the day-to-day random field. Read-only once made, so
 * threads share it. */
typedef struct {
    sqk_synth_config cfg;
    sqk_rng root;
    double t0, t1;            /* the time the catalogue / Kp / field cover */
    sqk_kp kp;
    float *storm;             /* storm index per Kp interval (decays over ~1 day) */
    sqk_catalog cat;
    uint8_t *mainshock;
    size_t nprec;
    sqk_precursor *prec;
    sqk_synth_field *field;
} sqk_synth_model;

/* Builds the model: reads or generates the catalogue and Kp, plants the precursors. */
int sqk_synth_model_init(sqk_synth_model *m, const sqk_synth_config *c);
void sqk_synth_model_free(sqk_synth_model *m);

/* Background (no noise, no precursor) Ne (cm^-3) and Te (K) at a point. */
void sqk_synth_background(const sqk_synth_model *m, int satellite, double t, double lat,
                          double lon, double *ne, double *te);
/* The storm index at t (0 quiet; ~1 after a Kp 6 interval), decaying over ~1 day. */
double sqk_synth_storm_index(const sqk_synth_model *m, double t);
/* The precursor's footprint weight at (t, lat, lon): the product of its temporal ramps and
 * spatial cos^2 taper, in [0, 1], whatever its strength (0 outside). */
double sqk_synth_precursor_weight(const sqk_precursor *p, double t, double lat, double lon);
/* Sum of the planted relative Ne level changes at (t, lat, lon) and the extra irregularity
 * rms there (both 0 outside every precursor). */
void sqk_synth_precursor_at(const sqk_synth_model *m, double t, double lat, double lon,
                            double *level, double *irregularity);

/* Generates one half-orbit as a pass (variables "Ne", "Te" and, for DEMETER, "Ni"),
 * including gaps and fill values. *present = 0 when that half-orbit has no file (instrument
 * off) or no sample in [t_lo, t_hi); the pass is then empty. */
int sqk_synth_half_orbit(const sqk_synth_model *m, const sqk_orbit *o, int orbit, int direction,
                         double t_lo, double t_hi, sqk_pass *out, int *present);

/* ------------------------------------------------------------------ the archive */

typedef struct {
    size_t files_cses, files_demeter, samples, bytes;
    size_t events, mainshocks, precursors;
    size_t kp_intervals, kp_storm;
    int replaced_incomplete; /* dir held an incomplete archive (a killed synth), replaced */
} sqk_synth_summary;

/* Writes the whole archive into dir: synth.partial (first, holding the options), cses/,
 * demeter/, catalog.csv, kp.txt, truth.csv and synth.txt (last, the completeness mark; then
 * synth.partial is removed). Inputs are checked before anything is written. A complete
 * archive in dir is refused; an incomplete one (sqk_synth_incomplete) is removed and written
 * again, so the same command after a kill finishes the job. */
int sqk_synth_run(const char *dir, const sqk_synth_config *c, const sqk_progress *progress,
                  sqk_synth_summary *summary);
/* Writes truth.csv (contracts: event_id,time,lat,lon,mag,onset_days_before,duration_days,
 * amplitude,strength,unit_amplitude,unit_irregularity,radius_km): one row per would-be
 * precursor, also at strength 0 (amplitude 0 there). Atomic. */
int sqk_synth_write_truth(const char *path, const sqk_synth_model *m);
/* 1 when dir holds an archive synth began and did not finish (synth.partial, or truth.csv
 * without synth.txt as earlier versions left it): build refuses it. */
int sqk_synth_incomplete(const char *dir);

/* Reads truth.csv back (columns found by name; the unit_ columns may be absent, as in files
 * of earlier versions): one precursor per row, with the Dobrovolsky radius recomputed from
 * the magnitude. Bad input: an error naming the file, the line and the problem. */
int sqk_synth_truth_read(const char *path, sqk_precursor **out, size_t *n);

#endif
