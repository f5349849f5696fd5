/* SeqNetQuake: pre-earthquake ionospheric perturbations in CSES and DEMETER satellite data.
 * The public C interface of libseqnetquake.so (pkg-config seqnetquake; CMake
 * find_package(seqnetquake) -> seqnetquake::seqnetquake). It needs no other header: files are
 * named by path, results come back in plain arrays owned by opaque handles.
 *
 * Every function that can fail returns SQK_OK (0) or a negative SQK_E* status and leaves a
 * message naming the file, the record or line and the problem for sqk_last_error() (one per
 * thread). The library never prints (sqk_command excepted: it is the command line), never
 * exits, and changes no process-wide setting: thread counts are passed per call. */
#ifndef SEQNETQUAKE_H
#define SEQNETQUAKE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    SQK_OK = 0,
    SQK_EIO = -1,      /* cannot open / read / write a file */
    SQK_EFORMAT = -2,  /* the file is not what it should be (truncated, corrupt, missing field) */
    SQK_EVALUE = -3,   /* a value is out of range or inconsistent */
    SQK_EMEM = -4,     /* out of memory */
    SQK_EARG = -5,     /* bad argument from the caller or the user */
    SQK_EEMPTY = -6    /* nothing to work on (no events, no files, no windows) */
};

const char *sqk_version(void);     /* "0.1.0" */
const char *sqk_last_error(void);  /* the calling thread's last message */
void sqk_clear_error(void);

/* ---- tables: a file read into named float64 columns of equal length ---------------------- */
/* what: "cses" (a CSES LAP/HPM/... HDF5 file: time_s, lat_deg, lon_deg, then its variables
 * with units converted, e.g. Ne_cm-3, Te_K), "demeter" (an ISL .DAT file, the same columns),
 * "catalog" (a USGS ComCat CSV: time_s, lat_deg, lon_deg, depth_km, mag; min_mag applies),
 * "kp" (GFZ / WDC / CelesTrak: time_s of each 3-hour interval's start, kp); NULL or "" tells
 * them apart by content, as `seqnetquake inspect` does (a dataset or model file is then an
 * error). Times are seconds since 1970-01-01 UTC. */
typedef struct sqk_table sqk_table;
int sqk_table_read(sqk_table **out, const char *path, const char *what, double min_mag);
size_t sqk_table_rows(const sqk_table *t);
int sqk_table_columns(const sqk_table *t);
const char *sqk_table_column_name(const sqk_table *t, int i);
const double *sqk_table_column(const sqk_table *t, int i);  /* rows values */
const char *sqk_table_kind(const sqk_table *t);              /* "cses", "demeter", "catalog", "kp" */
void sqk_table_free(sqk_table *t);

/* ---- datasets (seqnetquake build) ------------------------------------------------------- */
typedef struct sqk_dataset_file sqk_dataset_file;
int sqk_dataset_open(sqk_dataset_file **out, const char *path);
size_t sqk_dataset_windows(const sqk_dataset_file *d);
int sqk_dataset_shape(const sqk_dataset_file *d, int *T, int *F);
const float *sqk_dataset_X(const sqk_dataset_file *d);        /* (N, T, F) */
const int32_t *sqk_dataset_y(const sqk_dataset_file *d);      /* (N) 0 control, 1 seismic, 2 storm */
const uint8_t *sqk_dataset_split(const sqk_dataset_file *d);  /* (N) 0 train, 1 validation, 2 test */
const int64_t *sqk_dataset_event(const sqk_dataset_file *d);  /* (N) row of the event table */
const char *sqk_dataset_features(const sqk_dataset_file *d);  /* "Ne,Te" */
const char *sqk_dataset_config(const sqk_dataset_file *d);    /* the build options, key=value lines */
void sqk_dataset_close(sqk_dataset_file *d);

/* ---- models (seqnetquake train) --------------------------------------------------------- */
typedef struct sqk_model sqk_model;
int sqk_model_load(sqk_model **out, const char *path);
void sqk_model_free(sqk_model *m);
const char *sqk_model_kind_name(const sqk_model *m);      /* "seqnet", "gbm", ... */
int sqk_model_window_shape(const sqk_model *m, int *T, int *F);
const char *sqk_model_feature_names(const sqk_model *m);  /* "Ne,Te" */
/* Class probabilities (N, 3) of N unscaled windows X (N, T, F), as `seqnetquake predict`
 * writes them; threads <= 0: all cores. A NaN or infinite value is refused (SQK_EVALUE naming
 * the window, time step and feature). */
int sqk_model_predict_windows(sqk_model *m, const float *X, size_t N, float *probs, int threads);

/* ---- the command line in-process -------------------------------------------------------- */
/* Runs one command with the command line's own options, e.g. {"build", "--archive", "A",
 * "--preset", "07", "--out", "d.h5"}; prints what the command prints. Returns its exit status
 * (0 success, 1 failure, 2 usage); on failure sqk_last_error() holds the message. */
int sqk_command(int argc, const char *const *argv);

#ifdef __cplusplus
}
#endif

#endif
