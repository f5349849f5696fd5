/* Training and prediction on dataset files: reads DATASET.h5 (the contract layout), trains a
 * model kind on split 0 with early stopping on split 1, writes the model file and an epoch log,
 * and writes PRED.csv for a split. */
#ifndef SQK_TRAIN_H
#define SQK_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "sqk/core.h"
#include "sqk/dataset.h"
#include "sqk/model.h"
#include "sqk/wherewhen.h"


/* The parts of a dataset file that training and prediction use. */
typedef struct {
    size_t N;
    int T, F;
    float *X;          /* (N, T, F) */
    int32_t *y;        /* (N) */
    uint8_t *split;    /* (N) */
    int64_t *event;    /* (N) */
    char features[256];
    char *config;      /* root attribute config (may be "") */
    char sha256[65];   /* of the file */
} sqk_train_data;

int sqk_train_data_read(sqk_train_data *d, const char *path);

/* Replaces d's X by the where-and-when inputs of its windows (T = 1, F = 6, features
 * SQK_WHERE_WHEN_FEATURES), read from the file's time, lat, lon, lt_h and cadence columns; a
 * dataset without a cadence column is refused (rebuild it). Labels, splits, events stay. */
int sqk_train_data_where_when(sqk_train_data *d, const char *path);
/* Replaces d's X (N, T, F) by 3 numbers per feature of each window (T = 1, F = 3 F): the rms
 * of the first differences, of the second differences, and the standard deviation about a
 * least-squares line, of the feature's log values (features named dlog* are logs already;
 * other values are floored at 1e-30 before the log). */
int sqk_train_data_roughness(sqk_train_data *d);
/* The oracle's inputs (T = 1, F = 2): log10 of the mean square of the band-passed log Ne,
 * b_i = x_i - (x_{i-2} + x_{i+2}) / 2 (a filter passing periods of about 3-15 s, the band of
 * the planted irregularities), and whether the window's Kp exceeds 3 (the storm label's rule,
 * from the file's kp column; Kp itself would tell the time). Needs a
 * feature Ne or dlogNe. */
int sqk_train_data_band(sqk_train_data *d, const char *path);
/* The generic multi-scale inputs (T = 1, F = 5): log10 of the mean square of the second
 * differences x_j - 2 x_{j-L} + x_{j-2L} of the window's log Ne at the dyadic lags L = 1, 2, 4
 * samples (1.5, 3, 6 s), log10 of its variance about a least-squares line, and whether the
 * window's Kp exceeds 3 (the storm label's rule). Names d2lag1_Ne, d2lag2_Ne, d2lag4_Ne,
 * sd_Ne, kp_above_3. Needs a feature Ne or dlogNe (the same numbers: removing a window's mean
 * and line changes neither) and windows of more than 8 samples. */
int sqk_train_data_multiscale(sqk_train_data *d, const char *path);
/* Reads the dataset as a model kind sees it: sqk_train_data_read, then the where-and-when
 * inputs for a kind with inputs SQK_INPUTS_WHERE_WHEN. */
int sqk_train_data_read_for(sqk_train_data *d, const char *path, const sqk_model_kind *kind);
void sqk_train_data_free(sqk_train_data *d);
/* Gathers the windows of one split (SQK_SPLIT_ALL: every window) into malloc'd arrays;
 * rows (may be NULL) receives their row numbers. */
int sqk_train_data_select(const sqk_train_data *d, int split, float **X, int32_t **y,
                          size_t **rows, size_t *n);
/* "train" / "validation" / "test" / "all" -> split code; -2 when unknown. */
int sqk_split_parse(const char *name);

typedef struct {
    const char *data_path;
    const char *kind;                 /* "seqnet", ... */
    const char *const *sets;          /* "key=value" hyperparameter settings */
    int n_sets;
    const char *init_path;            /* transfer learning: start from this model (may be NULL) */
    const char *freeze;               /* comma-separated layer names kept fixed (may be NULL) */
    int threads;                      /* 0: all cores */
    const char *out_path;             /* MODEL.h5; committed together with the final log. The
                                         previous file there is removed when training starts */
    const char *log_path;             /* epochs.csv (may be NULL), rewritten after every epoch */
    int resume;                       /* continue from out_path + ".checkpoint" (written after
                                         every epoch of a neural kind, removed at the end) when
                                         it exists: bit for bit as an uninterrupted run with
                                         one thread; a checkpoint of another kind,
                                         hyperparameters, frozen layers or dataset is refused */
    const sqk_progress *progress;
    void (*on_epoch)(void *ctx, const sqk_epoch_stats *s); /* may be NULL */
    void *ctx;
} sqk_train_options;

typedef struct {
    size_t n_train, n_val;
    int resumed_epoch;                /* the checkpoint's epoch training went on from (0: none) */
    int epochs_run, best_epoch;
    double best_val_f1, seconds;
} sqk_train_summary;

int sqk_train_run(const sqk_train_options *o, sqk_train_summary *s);

/* Fits a fresh model (kind and values in hp) on split 0 of d, early stopping on split 1, and
 * returns its weighted F1 on split 1 in *val_f1; the model is not kept. The test split is never
 * read. An empty training or validation split is SQK_EEMPTY. For hyperparameter search. */
int sqk_train_fit_validate(const sqk_train_data *d, const sqk_hparams *hp, int threads,
                           const sqk_progress *progress, double *val_f1);
/* As sqk_train_fit_validate, reporting each epoch of a neural kind (its validation F1 among
 * the statistics) to on_epoch, whose non-zero return stops training after that epoch (a
 * pruned trial); *val_f1 is then the kept (best so far) epoch's F1. Tree kinds have no epochs
 * and never call it. on_epoch may be NULL. */
int sqk_train_fit_validate_epochs(const sqk_train_data *d, const sqk_hparams *hp, int threads,
                                  const sqk_progress *progress,
                                  int (*on_epoch)(void *ctx, const sqk_epoch_stats *s), void *ctx,
                                  double *val_f1);

/* PRED.csv (header window,split,event,y_true,p0,p1,p2,y_pred) for one split; refuses a dataset
 * whose T, F or features differ from the model's. *n_rows (may be NULL) gets the row count. */
int sqk_predict_run(const char *model_path, const char *data_path, int split, const char *out_csv,
                    int threads, size_t *n_rows);

/* The alarm rule of a model: a window is an alarm when its p1 (seismic) >= threshold. */
typedef struct {
    double threshold;       /* NaN when it cannot be chosen */
    double mcc;             /* seismic vs the other classes on the windows it was chosen on */
    double alarm_fraction;  /* share of those windows alarmed */
    size_t n, n_seismic;
} sqk_alarm_choice;
/* Chooses the threshold on (validation) windows: the p1 value maximising the MCC of
 * "p1 >= threshold" against "y == 1" (ties: the higher threshold). probs (n, 3). SQK_EEMPTY
 * when the windows hold no seismic window or only seismic windows. */
int sqk_alarm_threshold(const float *probs, const int32_t *y, size_t n, sqk_alarm_choice *out);

#endif
