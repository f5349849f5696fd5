/* Archive readers and writers: CSES L2 HDF5 (LAP and the generic container), DEMETER ISL
 * level-1 blocks, the USGS ComCat catalogue, and the Kp index.
 *
 * Units are fixed here, at the reader boundary: time in seconds since the Unix epoch (UTC),
 * angles in degrees, altitude in km, Ne in cm^-3, Te in K. */
#ifndef SQK_ARCHIVE_H
#define SQK_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "sqk/isolate.h"

/* ------------------------------------------------------------------ satellite passes */

enum { SQK_SAT_UNKNOWN = 0, SQK_SAT_CSES = 1, SQK_SAT_DEMETER = 2 };
enum { SQK_MODE_SURVEY = 0, SQK_MODE_BURST = 1, SQK_MODE_UNKNOWN = 255 };
enum { SQK_DIR_DESCENDING = 0, SQK_DIR_ASCENDING = 1, SQK_DIR_UNKNOWN = -1 };

#define SQK_PASS_MAXVAR 8

/* One physical variable of a pass. Missing/fill samples are NaN. */
typedef struct {
    char name[32];   /* "Ne", "Te", "Ni", or the L2 dataset name for generic files */
    char units[32];  /* after conversion: "cm^-3", "K", ... */
    double *v;       /* n values */
} sqk_var;

/* One half-orbit file as a time-ordered series (in file order; the dataset builder checks
 * monotonicity). Optional position arrays are NULL when the file lacks them. */
typedef struct {
    char path[1024];
    int satellite;         /* SQK_SAT_* */
    int orbit;             /* orbit number, -1 unknown */
    int direction;         /* SQK_DIR_*; DEMETER: 0 = downgoing (day), 1 = upgoing (night) */
    size_t n;
    double *t;             /* s since Unix epoch, UTC */
    double *lat, *lon;     /* geographic, deg (lon in [-180, 180)) */
    double *alt_km;        /* may be NULL */
    double *mlat;          /* geomagnetic latitude, may be NULL */
    uint8_t *mode;         /* SQK_MODE_* per sample, may be NULL */
    int nvar;
    sqk_var var[SQK_PASS_MAXVAR];
    /* What the reader saw (for inspect and the build summary). */
    size_t n_fill;         /* samples with at least one fill value in a variable */
    size_t n_time_mismatch;/* CSES: UTC_TIME and VERSE_TIME disagree by > 1 ms */
    char warning[256];     /* e.g. orbit number in attributes disagrees with the file name */
} sqk_pass;

/* Allocates t/lat/lon (and alt_km, mlat, mode when the flags say so) for n samples. */
int sqk_pass_alloc(sqk_pass *p, size_t n, int with_alt, int with_mlat, int with_mode);
/* Adds a variable of p->n values (NaN-filled); returns its index or a negative status. */
int sqk_pass_add_var(sqk_pass *p, const char *name, const char *units);
/* Index of the variable called name, or -1. */
int sqk_pass_find_var(const sqk_pass *p, const char *name);
void sqk_pass_free(sqk_pass *p);
/* A pass as bytes and back (for a reader run in another process, sqk/isolate.h). */
int sqk_pass_pack(const sqk_pass *p, sqk_buf *b);
int sqk_pass_unpack(sqk_buf *b, sqk_pass *p);

/* ------------------------------------------------------------------ CSES L2 HDF5 */

/* Parsed CSES file name CSES_01_<INS>_<n>_L02_<An>_<orbit:5><dir:1>_<start>_<end>_<ver>.h5 */
typedef struct {
    char instrument[8];    /* "LAP", "HPM", "EFD", ... */
    int orbit, direction;
    double t_start, t_end; /* from the name, s since epoch */
    int version;
} sqk_cses_name;
int sqk_cses_parse_name(const char *path, sqk_cses_name *out);
/* Builds the canonical file name (no folder) for a LAP file of this pass. */
int sqk_cses_lap_name(const sqk_pass *p, int version, char *buf, size_t bufsize);

/* Generic L2 container: time (UTC_TIME checked against VERSE_TIME), GEO_LAT/GEO_LON,
 * optional ALTITUDE/MAG_LAT/WORKMODE, and the named variables (e.g. {"A311","A321"} for LAP,
 * {"A221"} for HPM) with FillValue -> NaN. nvars may be 0 (position only). */
int sqk_cses_read(const char *path, const char *const *vars, int nvars, sqk_pass *out);
/* LAP: Ne = A311 converted to cm^-3 from its Units attribute, Te = A321 in K,
 * named "Ne" and "Te" in the pass. */
int sqk_cses_read_lap(const char *path, sqk_pass *out);
/* How sqk_cses_read_opt reads; NULL options (or all zero) read exactly as sqk_cses_read. */
typedef struct {
    /* The file's bytes, already read by the caller (size bytes), or NULL: HDF5 reads the file.
     * With them, HDF5 opens the file from memory and the data of plain contiguous datasets is
     * taken from the bytes directly; everything is checked as on the plain path. */
    const void *bytes;
    size_t size;
    /* Leave ALTITUDE and MAG_LAT unread (alt_km and mlat stay NULL), for callers that do not
     * use them; a broken one then goes unnoticed. */
    int skip_extras;
} sqk_cses_opts;
int sqk_cses_read_opt(const char *path, const char *const *vars, int nvars, const sqk_cses_opts *o,
                      sqk_pass *out);
int sqk_cses_read_lap_opt(const char *path, const sqk_cses_opts *o, sqk_pass *out);
/* The CSES readers run libhdf5 in a worker process (sqk/isolate.h), so that a file that
 * crashes or hangs it is an error naming the file. This is the worker's side for many files
 * (sqk_worker_new): reads a LAP file in one read and packs the pass; arg is a const
 * sqk_cses_opts * whose bytes are ignored. */
int sqk_cses_lap_worker(const char *path, const void *arg, sqk_buf *reply);
/* Writes a LAP L2 file with the real files' conventions into dir, named by the scheme;
 * the full path is returned in path_out. Atomic (temporary name, then rename). */
int sqk_cses_write_lap(const char *dir, const sqk_pass *p, char *path_out, size_t path_size);

/* ------------------------------------------------------------------ DEMETER ISL */

#define SQK_DEMETER_BLOCK 289
enum { SQK_DEMETER_APID_BURST = 1143, SQK_DEMETER_APID_SURVEY = 1144 };

typedef struct {
    double t;                        /* from the civil time fields */
    double t_days;                   /* from days since 1950 + ms of day */
    int orbit, suborbit;
    float lat, lon, alt_km, lt_h;
    float geo[22];                   /* the 22 geolocation floats as stored */
    char data_type[11];              /* "ISL SURVEY" / "ISL BURST " */
    float time_resolution_s;
    float ne, ni, te, plasma_pot, float_pot, sat_pot;
} sqk_isl_record;

int sqk_demeter_decode_block(const uint8_t blk[SQK_DEMETER_BLOCK], sqk_isl_record *r);
void sqk_demeter_encode_block(const sqk_isl_record *r, uint8_t blk[SQK_DEMETER_BLOCK]);
/* Reads an ISL file into a pass with variables "Ne", "Ni", "Te". */
int sqk_demeter_read(const char *path, sqk_pass *out);
/* Writes a pass as DMT_N1_<apid>_<orbit><suborbit>_<start>_<end>.DAT into dir (atomic). */
int sqk_demeter_write(const char *dir, const sqk_pass *p, int apid, char *path_out, size_t path_size);

/* Detects the kind of a satellite file (by content, then name) and reads it as LAP/ISL. */
int sqk_pass_read(const char *path, sqk_pass *out);

/* ------------------------------------------------------------------ what a file is
 * The one file-kind sniffer (filekind.c), by content first: the HDF5 signature (also after a
 * user block at 512, 1024, ...) and, for HDF5, the root "format" attribute of our own files;
 * whole 289-byte DEMETER blocks that decode; a CSV header naming time, latitude and
 * longitude (a ComCat catalogue); then by name (DMT_ files are DEMETER's, whose reader says
 * what is wrong with them). Anything else is taken for a Kp table, the last guess, whose
 * reader then judges it. An empty or unreadable file is an error. */
typedef enum {
    SQK_FILE_CSES,      /* an HDF5 file that is not one of ours: CSES Level-2 */
    SQK_FILE_DEMETER,
    SQK_FILE_DATASET,   /* seqnetquake dataset (format attribute) */
    SQK_FILE_MODEL,     /* seqnetquake model */
    SQK_FILE_CATALOG,
    SQK_FILE_KP,
} sqk_file_kind;
int sqk_file_kind_of(const char *path, sqk_file_kind *kind);
/* Start and end of the data from "..._YYYYMMDD_hhmmss_YYYYMMDD_hhmmss..." in a CSES or DEMETER
 * file name; SQK_EFORMAT when the name has no such span. */
int sqk_file_name_span(const char *path, double *t0, double *t1);
const char *sqk_file_kind_name(sqk_file_kind kind);

/* ------------------------------------------------------------------ catalogue */

typedef struct {
    double t;              /* origin time, s since epoch */
    double lat, lon;       /* deg */
    double depth_km;       /* NaN if empty */
    double mag;
    char id[32];
    char mag_type[8];
    char type[24];         /* "earthquake", ... */
} sqk_quake;

typedef struct {
    size_t n;
    sqk_quake *ev;
    /* What reading saw. */
    size_t rows_read, rows_other_type, rows_below_mag;
} sqk_catalog;

/* Reads a USGS ComCat CSV (columns by header name, quoted fields, empty fields, any row
 * order) keeping type "earthquake" (unless all_types) with mag >= min_mag; sorted by time. */
int sqk_catalog_read(const char *path, double min_mag, int all_types, sqk_catalog *out);
int sqk_catalog_write(const char *path, const sqk_catalog *c);
void sqk_catalog_free(sqk_catalog *c);

/* ------------------------------------------------------------------ Kp */

enum { SQK_KP_FMT_UNKNOWN = 0, SQK_KP_FMT_GFZ = 1, SQK_KP_FMT_WDC = 2, SQK_KP_FMT_CELESTRAK = 3 };

/* A uniform series of 3-hour intervals starting at t0 (00 UT of the first day). */
typedef struct {
    double t0;
    size_t n;
    float *kp;             /* NaN = missing */
    int format;            /* SQK_KP_FMT_* it was read from */
} sqk_kp;

int sqk_kp_read(const char *path, sqk_kp *out);   /* detects the format */
/* Kp of the 3-hour interval containing t; NaN when missing or outside the table. */
double sqk_kp_at(const sqk_kp *kp, double t);
/* Writes GFZ Kp_ap_since_1932.txt style text (missing = -1). */
int sqk_kp_write_gfz(const char *path, const sqk_kp *kp);
void sqk_kp_free(sqk_kp *kp);
const char *sqk_kp_format_name(int format);

/* ------------------------------------------------------------------ truth.csv
 * The planted (or, at strength 0, would-be) precursors of a synthetic archive, one row per
 * event: event_id,time,lat,lon,mag,onset_days_before,duration_days,amplitude,strength,
 * unit_amplitude,unit_irregularity,radius_km (ISO 8601 time). The reader is strict: the
 * first eight columns present (by name, any order; the last four, which older archives lack,
 * read as NaN when absent), every field readable, ids not empty and not repeated; errors name
 * the file and line. */
typedef struct {
    char event_id[32];
    double t, lat, lon, mag;
    double onset_days, duration_days; /* the precursor starts onset_days before the event */
    double amplitude;                 /* signed relative Ne change, strength included */
    double strength;                  /* --precursor-strength of the archive */
    double unit_amplitude, unit_irregularity; /* the same at strength 1 */
    double radius_km;                 /* Dobrovolsky radius */
    size_t line;        /* line in the file read (0 when not read from a file) */
} sqk_truth_row;

typedef struct {
    sqk_truth_row *row;
    size_t n;
} sqk_truth;

int sqk_truth_read(const char *path, sqk_truth *out);  /* n = 0: a header alone (null archive) */
int sqk_truth_write(const char *path, const sqk_truth *t); /* atomic */
void sqk_truth_free(sqk_truth *t);

#endif
