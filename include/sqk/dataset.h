/* Dataset builder: from a satellite archive, an earthquake catalogue and the Kp index to the
 * labelled, windowed, split dataset of the method (method.md sections 2-6).
 *
 * Stages, each usable alone on in-memory data (the tests do that):
 *   sqk_decluster        aftershock removal (2x2 deg box, 15 days after each kept event)
 *   sqk_place_controls   artificial non-seismic events, seeded rejection sampling
 *   sqk_series_prepare   invalid-sample removal and resampling to 1.5 s within stretches
 *   sqk_window_pass      windows of one pass, association with events, labels
 *   sqk_split_assign     chronological train / validation / test split
 *   sqk_build            the whole chain over files, writing DATASET.h5 (docs/dataset-format.md)
 * Times are s since the Unix epoch (UTC), angles in degrees, Ne in cm^-3, Te in K. */
#ifndef SQK_DATASET_H
#define SQK_DATASET_H

#include "sqk/archive.h"
#include "sqk/core.h"
#include "sqk/synth.h"

#include <stddef.h>
#include <stdint.h>

enum { SQK_TIME_NIGHT = 0, SQK_TIME_DAY = 1, SQK_TIME_ALL = 2 };
enum { SQK_SPLITMODE_EVENT = 0, SQK_SPLITMODE_PAPER = 1 };
/* Split codes of the windows (SQK_SPLIT_ALL: every window, when selecting). */
enum { SQK_SPLIT_TRAIN = 0, SQK_SPLIT_VAL = 1, SQK_SPLIT_VALIDATION = 1, SQK_SPLIT_TEST = 2, SQK_SPLIT_NONE = 255,
       SQK_SPLIT_ALL = -1 };
enum { SQK_EVENT_CONTROL = 0, SQK_EVENT_QUAKE = 1 };
/* UNMATCHED: a kept earthquake whose matched control could not be placed; its windows are
 * dropped so that the two classes keep the same places and magnitudes. */
enum { SQK_EVENT_KEPT = 0, SQK_EVENT_AFTERSHOCK = 1, SQK_EVENT_UNMATCHED = 2 };
enum { SQK_CLASS_CONTROL = 0, SQK_CLASS_SEISMIC = 1, SQK_CLASS_STORM = 2 };
/* How a window's samples were made from the source: interpolated from a coarser (survey)
 * cadence, native at the 1.5 s grid (burst), or both. */
enum { SQK_CADENCE_SURVEY = 0, SQK_CADENCE_BURST = 1, SQK_CADENCE_MIXED = 2 };
/* --cadence: paper (burst passes unchanged) or harmonised (burst degraded to survey first). */
enum { SQK_CADENCE_MODE_PAPER = 0, SQK_CADENCE_MODE_HARMONISED = 1 };
/* --controls: paper (random place and time, 10 deg / 15 days off every earthquake) or matched
 * (at a kept earthquake's epicentre and magnitude, at a time no earthquake could label). */
enum { SQK_CONTROLS_PAPER = 0, SQK_CONTROLS_MATCHED = 1 };
/* How a matched control's swap partner is drawn (sqk_place_matched_controls). */
enum { SQK_PARTNERS_RANDOM = 0, SQK_PARTNERS_MAGNITUDE = 1 };

#define SQK_MAX_FEATURES 8

typedef struct {
    int satellite;              /* SQK_SAT_CSES / SQK_SAT_DEMETER */
    int time_of_day;            /* SQK_TIME_* by the window's middle-sample local time */
    int T;                      /* samples per window */
    double radius_deg;          /* association radius; <= 0 means Dobrovolsky 10^(0.43 M) km */
    double min_mag;             /* catalogue magnitude cut (4.8) */
    double days_before;         /* association window before the event (15 days) */
    int split_mode;             /* SQK_SPLITMODE_* */
    double test_fraction, val_fraction;
    uint64_t seed;
    int nfeat;
    char feature[SQK_MAX_FEATURES][32];  /* pass variable names, e.g. "Ne", "Te" */
    double dt_s;                /* resampling period (1.5 s) */
    double aftershock_box_deg;  /* half-width of the aftershock box (1 deg) */
    double aftershock_days;     /* 15 */
    double control_box_deg;     /* half-width of the control rejection box (10 deg) */
    double control_days;        /* +-15 days */
    double control_lat_deg;     /* controls drawn in [-x, x] latitude (satellite data band) */
    int control_tries;          /* draws allowed per wanted control before giving up */
    double kp_storm;            /* class 2 when Kp > kp_storm (3: i.e. 3+ or more) */
    double ne_min, ne_max;      /* instrument range, cm^-3 */
    double te_min, te_max;      /* K */
    int skip_bad;               /* build without unreadable files instead of failing */
    int file_checksums;         /* sha256 of every satellite file (1, default); 0 = names and
                                   sizes only in the files digest (the hashing is ~25% of a build) */
    int threads;                /* 0 = OpenMP default */
    char preset[8];             /* "" or "01".."11" */
    int cadence_mode;           /* SQK_CADENCE_MODE_* */
    double survey_s;            /* survey cadence burst data are degraded to (3 s) */
    int controls_mode;          /* SQK_CONTROLS_* */
    int swap_partners;          /* SQK_PARTNERS_*: matched controls' partners (random; the rigorous design: magnitude) */
} sqk_build_config;

/* Defaults of method.md (CSES, night, T = 20, 3 deg, M >= 4.8, event split, Ne,Te, seed 1). */
void sqk_build_config_default(sqk_build_config *c);
/* Applies a dataset of method.md section 5 ("01".."11"): satellite, time, T, radius. */
int sqk_build_config_preset(sqk_build_config *c, const char *id);
/* --design: "paper" (cadence paper, controls paper, features Ne,Te) or "rigorous" (harmonised
 * cadence, matched controls, features Ne,Te,dlogNe,dlogTe); options given after override. */
int sqk_build_config_design(sqk_build_config *c, const char *design);
/* The design the configuration amounts to: "paper", "rigorous" or "custom". */
const char *sqk_build_config_design_name(const sqk_build_config *c);
/* Parses "Ne,Te" into the feature list. A name "dlog<VAR>" is derived from the pass variable
 * VAR: per window, log VAR with the window's mean and least-squares linear trend removed. */
int sqk_build_config_set_features(sqk_build_config *c, const char *list);
/* Parses "3", "12.5" or "dobrovolsky". */
int sqk_build_config_set_radius(sqk_build_config *c, const char *s);
/* Checks ranges (T >= 2, fractions in [0, 1), ...). */
int sqk_build_config_check(const sqk_build_config *c);
/* The configuration as key=value lines (stored in the dataset's `config` attribute). */
int sqk_build_config_text(const sqk_build_config *c, char *buf, size_t bufsize);
/* The inverse: defaults, then every key=value line of such a text (a dataset's or a model's
 * data_config), then sqk_build_config_check. An unknown key or a bad value is SQK_EFORMAT
 * naming the line, so that no stage silently prepares data differently from the build. */
int sqk_build_config_parse(const char *text, sqk_build_config *c);

/* ------------------------------------------------------------------ events */

/* A real (kept or aftershock) or control event, as stored in the dataset's events/ group. */
typedef struct {
    char id[32];
    uint8_t kind;       /* SQK_EVENT_CONTROL / SQK_EVENT_QUAKE */
    uint8_t status;     /* SQK_EVENT_KEPT / SQK_EVENT_AFTERSHOCK / SQK_EVENT_UNMATCHED */
    double t, lat, lon, mag, depth_km;
    double radius_deg;  /* association radius of this event */
    int64_t pair;       /* matched pair: row of the other member in the table (build fills
                           it after sorting); -1 for every other event */
    char pair_id[32];   /* matched pair: the other member's id; else "" */
    int64_t unit;       /* matched design: the swap unit (two earthquakes and their two
                           controls, which trade times); meaningful only when pair_id is set */
} sqk_event;

/* Aftershock removal over events sorted by time: walks the list, and for each event still
 * kept drops every later event within +-box_deg latitude and +-box_deg longitude (compared
 * modulo 360) and within window_s after it. status[i] = SQK_EVENT_KEPT / AFTERSHOCK.
 * Returns the number kept. */
size_t sqk_decluster(const sqk_quake *ev, size_t n, double box_deg, double window_s, uint8_t *status);

/* True when any of the real events (sorted by time; aftershocks included) lies within
 * +-box_deg latitude AND +-box_deg longitude (mod 360) AND +-window_s of (t, lat, lon). */
int sqk_control_rejected(const sqk_quake *real, size_t n, double t, double lat, double lon,
                         double box_deg, double window_s);

/* Control events: n_wanted draws with time uniform in [t0, t1), latitude area-uniform in
 * [-lat_max, lat_max], longitude uniform in [-180, 180), magnitude drawn from mags; rejected
 * by sqk_control_rejected; at most tries_per_event * n_wanted draws. out (n_wanted rows) gets
 * the placed controls in drawing order, ids "control-NNNNNN"; *n_placed how many. */
int sqk_place_controls(const sqk_quake *real, size_t n_real, const double *mags, size_t n_mags,
                       size_t n_wanted, double t0, double t1, double lat_max_deg, double box_deg,
                       double window_s, int tries_per_event, uint64_t seed, sqk_event *out,
                       size_t *n_placed);

/* Matched controls by swaps: the n_src kept earthquakes are served in a seeded random order;
 * each one (A) still alone draws partners B among the others still alone (at most control_tries
 * draws, both times in [t0, t1); with swap_partners SQK_PARTNERS_MAGNITUDE each draw takes the
 * one of nearest magnitude, ties within 0.05 broken at random, so that both places of a unit
 * have similar association radii and window counts) until A's place is free at B's time and B's place at A's time:
 * no real event E (aftershocks included) within radius(control) + radius(E) (great circle) and
 * +-window_s, so the association zones of a control and of an earthquake never meet. Then A
 * gets a control at its epicentre with its magnitude (hence its radius) at B's time, and B one
 * at its own place at A's time: in each such unit of four events both classes have the same two
 * places and the same two times, so where and when say nothing of the class. An earthquake left
 * alone has matched[k] = 0 (may be NULL). out (n_src rows) gets the controls, pair_id naming
 * their earthquake and unit numbering the swap; unit[k] (may be NULL) the earthquake's unit or
 * -1; *n_placed how many controls. */
int sqk_place_matched_controls(const sqk_quake *real, size_t n_real, const sqk_event *src,
                               size_t n_src, const sqk_build_config *c, double t0, double t1,
                               double window_s, sqk_event *out, uint8_t *matched, int64_t *unit,
                               size_t *n_placed);

/* Association radius (deg) of an event of magnitude mag under the configuration. */
double sqk_event_radius_deg(const sqk_build_config *c, double mag);

/* ------------------------------------------------------------------ satellite series */

/* Samples read and removed, by reason (a sample counts under the first reason it meets). */
typedef struct {
    size_t read, fill, ne_range, te_range, time_order, resampled;
} sqk_sample_counts;

/* A cleaned, resampled pass: n samples on a 1.5 s grid inside each stretch. */
typedef struct {
    size_t n;
    int nfeat;
    double *t, *lat, *lon;
    float *x;                /* n x nfeat */
    uint8_t *burst;          /* n: 1 when the sample comes from native dt_s (burst) data only */
    size_t nstretch;
    size_t *stretch_start;   /* nstretch + 1 entries; stretch s is [start[s], start[s+1]) */
} sqk_series;

/* Removes invalid samples (NaN/fill in time, position or a feature; Ne or Te outside the
 * instrument range; time not increasing), splits into continuous stretches (a step > 2x the
 * stretch's median step, or a change of mode, starts a new one) and resamples each stretch to
 * the dt_s grid from its first sample by linear interpolation; a stretch already at dt_s
 * (median step within 1%) passes unchanged. Harmonised cadence: first every run of equal mode
 * sampled finer than survey_s is thinned to survey_s (every other burst sample), and a mode
 * change no longer starts a stretch, so every stretch is interpolated the same way. */
int sqk_series_prepare(const sqk_pass *p, const sqk_build_config *c, sqk_series *out,
                       sqk_sample_counts *counts);
void sqk_series_free(sqk_series *s);

/* ------------------------------------------------------------------ windows */

typedef struct {
    double t, lat, lon, lt_h;      /* middle sample (index T/2) */
    double distance_km, days_before, kp;
    int64_t event;                 /* row in the event table */
    int32_t file, orbit;
    int32_t y;                     /* SQK_CLASS_* */
    uint8_t satellite, event_kind;
    uint8_t cadence;               /* SQK_CADENCE_* */
    double magnitude;
    uint64_t sample;               /* first sample in the resampled pass */
    /* Synthetic archives (truth.csv): the planted precursor's footprint weight (0..1, the
     * generator's taper, strength not included) at the middle sample, and the row of its
     * event in the event table (-1: none, or its event is not in the table). */
    double precursor_weight;
    int64_t precursor_event;
} sqk_window;

typedef struct {
    size_t n, cap;
    int T, F;
    sqk_window *w;
    float *x;                      /* n x T x F */
} sqk_window_set;

/* Windows counted by what became of them. */
typedef struct {
    size_t cut, gap, time_of_day, unassociated, aftershock, missing_kp, used;
    size_t unmatched;              /* matched controls: only an earthquake without a control matched */
    size_t cls[3];
} sqk_window_counts;

/* Cuts a prepared series into windows and labels them against the events (sorted by time)
 * and Kp; appends the used windows to out. file/orbit/satellite are stored per window.
 * With ev NULL the windows are unlabelled (the operational scan of new orbits): the same cut,
 * gap and time-of-day checks, cadence and features, no association (event -1, y -1, event
 * fields NaN) and Kp NaN when the table does not know it. */
int sqk_window_series(const sqk_series *s, const sqk_build_config *c, const sqk_event *ev,
                      size_t nev, const sqk_kp *kp, int32_t file, int32_t orbit, int satellite,
                      sqk_window_set *out, sqk_window_counts *counts);
/* sqk_series_prepare + sqk_window_series on one pass. */
int sqk_window_pass(const sqk_pass *p, const sqk_build_config *c, const sqk_event *ev, size_t nev,
                    const sqk_kp *kp, int32_t file, sqk_window_set *out,
                    sqk_sample_counts *sc, sqk_window_counts *wc);
void sqk_window_set_free(sqk_window_set *s);

/* Matched swap units (events with pair_id set and the same unit: two earthquakes and their
 * two controls) keep the same number of seismic/control windows in each of their four events:
 * the smallest of the four counts, a seeded random choice of each event's windows (storm
 * windows stay). Each place and each time of a unit then carries as many windows of either
 * class, so a model of place and time alone cannot score on it. Windows are removed from ws
 * in place (order kept); *dropped (per class, may be NULL) counts them. */
int sqk_balance_units(sqk_window_set *ws, const sqk_event *ev, size_t nev, uint64_t seed, size_t dropped[2]);
/* Split membership (SQK_SPLIT_*) of n windows. Event mode: events with windows sorted by
 * (time, row); the last test_fraction of them test, the last val_fraction of the rest
 * validation; a matched swap unit (events with pair_id set and the same unit) is ranked as
 * one at the latest of its times. Paper mode: the same cut over windows sorted by (time, row). */
int sqk_split_assign(const sqk_window *w, size_t n, const sqk_event *ev, size_t nev,
                     const sqk_build_config *c, uint8_t *split);

/* ------------------------------------------------------------------ the whole build */

/* A check of the finished, split window table that sqk_build runs before anything is
 * written, supplied by a stage above this one: the leakage report (src/audit) trains the
 * where-and-when baseline, a model, and this stage knows no models. Its text ends the build
 * summary; its table is stored in the dataset's leakage/ group. */
typedef struct {
    char *text;             /* lines for the summary (malloc'd) */
    int warn;               /* 1: text carries a warning the build command repeats on stderr */
    size_t rows, cols;
    double *values;         /* rows x cols (malloc'd) */
    char *row_names, *col_names; /* comma-separated (malloc'd) */
} sqk_build_audit;
typedef int (*sqk_build_audit_fn)(void *ctx, const sqk_build_config *c, const sqk_window_set *w,
                                  const uint8_t *split, const sqk_event *ev, size_t nev,
                                  sqk_build_audit *out);
void sqk_build_audit_free(sqk_build_audit *a);

typedef struct {
    const char *archive_dir;  /* DIR with cses/ or demeter/, catalog.csv, kp.txt, truth.csv */
    const char *files_glob;   /* instead of DIR/<satellite>/ (optional) */
    const char *catalog_path; /* overrides DIR/catalog.csv */
    const char *kp_path;      /* overrides DIR/kp.txt */
    const char *truth_path;   /* overrides DIR/truth.csv (used when present) */
    const char *out_path;     /* DATASET.h5; a summary goes to <out>.summary.txt */
    sqk_build_audit_fn audit; /* may be NULL */
    void *audit_ctx;
} sqk_build_inputs;

typedef struct {
    size_t files, files_bad;
    char **bad;                /* files_bad messages "path: problem" */
    size_t events_read, events_min_mag, events_kept, events_aftershocks;
    size_t events_in_span, kept_in_span, aftershocks_in_span;
    size_t controls_wanted, controls_placed;
    size_t unmatched_in_span;  /* matched controls: kept earthquakes left without a control */
    size_t balanced_out[2];    /* matched controls: class 0 / 1 windows removed to balance units */
    sqk_sample_counts samples;
    sqk_window_counts windows;
    size_t by_split[3][3];     /* [split][class] */
    size_t cadence[3][3][3];   /* windows by [split][class][SQK_CADENCE_*] */
    size_t events_by_split[3]; /* events with windows in each split */
    int has_truth;
    size_t truth_events, truth_in_span, truth_by_split[3], truth_without_windows;
    size_t truth_windows[3];   /* windows inside a footprint (weight > 0), by class */
    size_t truth_events_touched; /* would-be precursors with >= 1 window inside their footprint */
    double t0, t1;             /* archive span */
    size_t kp_intervals, kp_known; /* 3-hour intervals of the span, and those with a Kp value */
    size_t n_windows;
    char *summary;             /* the build summary text (malloc'd) */
    sqk_build_audit audit;     /* what inputs->audit found (empty without one) */
} sqk_build_result;

int sqk_build(const sqk_build_config *c, const sqk_build_inputs *in, const sqk_progress *prog,
              sqk_build_result *res);
void sqk_build_result_free(sqk_build_result *r);

/* Window-level truth of a synthetic archive (precursors read from truth.csv by
 * sqk_synth_truth_read). sqk_window_weights, on the n windows just cut from series s: each
 * window's precursor_weight = the mean over its T samples of the largest footprint weight
 * within two samples of each (the generator's taper, strength not included, seen through
 * the resampling's support: > 0 exactly when some raw sample the window's values come from
 * may lie in a footprint), and precursor_event = the index in prec of the precursor weighing most over
 * the window (-1 none). sqk_windows_truth, over the whole set: turns those indices into rows
 * of the event table (-1 when the event is not in it) and counts the planted events with
 * windows per split, and the windows inside a footprint, into r. */
int sqk_window_weights(const sqk_series *s, int T, const sqk_precursor *prec, size_t np,
                       sqk_window *w, size_t n);
int sqk_windows_truth(const sqk_precursor *prec, size_t np, const sqk_event *ev, size_t nev,
                      sqk_window_set *ws, const uint8_t *split, sqk_build_result *r);

/* Writes the dataset file atomically (layout in docs/dataset-format.md). */
typedef struct {
    const sqk_build_config *config;
    const sqk_window_set *windows;
    const uint8_t *split;
    const sqk_event *events;
    size_t nevents;
    const char *const *files;         /* input satellite files */
    const char *const *files_sha256;  /* their checksums */
    size_t nfiles;
    const char *catalog_path, *catalog_sha256, *kp_path, *kp_sha256, *files_digest;
    const sqk_build_result *result;
} sqk_dataset_contents;
int sqk_dataset_write(const char *path, const sqk_dataset_contents *d);
/* The dataset and its summary text committed together (sqk_write_files_atomic): both or
 * neither, never a new dataset beside an old summary. */
int sqk_dataset_write_with_summary(const char *path, const sqk_dataset_contents *d,
                                   const char *summary_path, const char *summary);

/* ------------------------------------------------------------------ reading a dataset file
 * The one reader of DATASET.h5, beside its writer (datasetfile.c), with field selection so that
 * a stage reads only what it needs. fields is a comma-separated list of:
 *   X                       the windows (N, T, F), checked finite
 *   a window column         time lat lon lt_h magnitude distance_km days_before kp y orbit file
 *                           event sample event_kind satellite cadence precursor_weight
 *                           precursor_event split (y is always read: it fixes N)
 *   events/NAME or events   columns of the event table (id kind status time lat lon mag depth_km
 *                           radius_deg n_windows pair unit split), or all of them
 *   files                   the input satellite files (file numbers index them)
 *   sha256                  the file's checksum
 * A name ending in '?' may be absent from the file (its pointer stays NULL). Format versions 1
 * and 2 are read: a version 1 file lacks cadence, precursor_weight, precursor_event,
 * events/pair and events/unit (these two read as -1 in every row: no matched pairs); asked for without '?', the others
 * are an error naming the file and the version. T, F, features,
 * config and the catalogue and Kp paths are always read (T and F may be absent, as 0, when X is
 * not asked for; the paths as ""). Checks: every column has N rows, y in 0..2, split in 0..2, event in
 * -1..n_events-1 when the events are read. Adding a window column: a member of sqk_window (the
 * builder fills it), a pointer here and one line in the column table of datasetfile.c. */
typedef struct {
    int format_version;    /* of the file read (1 or 2) */
    size_t n;              /* windows (N) */
    int T, F;
    char features[256];    /* "Ne,Te" ("" when the file does not say: version 1) */
    char *config;          /* root attribute config ("" when absent) */
    char catalog_path[1024], kp_path[1024]; /* the inputs it was built from */
    char sha256[65];       /* of the file, when "sha256" is asked for */
    char **files;          /* input satellite files, when "files" is asked for */
    size_t n_files;
    float *X;              /* (N, T, F) */
    double *time, *lat, *lon, *lt_h, *magnitude, *distance_km, *days_before, *kp;
    int32_t *y, *orbit, *file;
    int64_t *event, *sample;
    uint8_t *event_kind, *satellite, *cadence;
    double *precursor_weight;
    int64_t *precursor_event;
    uint8_t *split;
    struct {
        size_t n;
        char **id;
        uint8_t *kind, *status, *split;
        double *time, *lat, *lon, *mag, *depth_km, *radius_deg;
        int64_t *n_windows, *pair, *unit;
    } events;
} sqk_dataset;

int sqk_dataset_read(const char *path, const char *fields, sqk_dataset *d);
void sqk_dataset_free(sqk_dataset *d);

#endif
