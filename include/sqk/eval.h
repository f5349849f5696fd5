/* Evaluation: window-level metrics (as scikit-learn computes them), one-vs-rest ROC curves,
 * event-level detection, bootstrap confidence intervals that resample EVENTS, a permutation
 * test of the MCC, and injection-recovery on the synthetic archive.
 *
 * Classes: 0 control, 1 seismic, 2 storm. The metric functions work on plain arrays and know
 * nothing of files; predfile.c reads PRED.csv, the dataset facts and truth.csv, and
 * evalfolder.c writes the evaluation folder. Definitions: docs/metrics.md. */
#ifndef SQK_EVAL_H
#define SQK_EVAL_H

#include "sqk/core.h"

#include <stddef.h>
#include <stdint.h>

#define SQK_NCLASS 3

/* ---- Window-level metrics ---------------------------------------------------------- */

typedef struct sqk_metrics {
    size_t n;
    int64_t confusion[SQK_NCLASS][SQK_NCLASS]; /* [true][pred] counts */
    int64_t support[SQK_NCLASS];               /* true counts per class */
    int64_t predicted[SQK_NCLASS];             /* predicted counts per class */
    double accuracy, balanced_accuracy;
    double f1_weighted, f1_macro, f1_micro;    /* f1_weighted is the paper's F1 */
    double mcc;                                /* Gorodkin's R_K; 0 when undefined */
    /* Seismic vs control: windows whose true class is 0 or 1, "predicted seismic" = predicted
     * 1. The skill the paper is about, without the storm class; on a null archive it measures
     * what geography and confounders alone give away. */
    double mcc_seismic_vs_control;
    double precision[SQK_NCLASS], recall[SQK_NCLASS], f1[SQK_NCLASS]; /* zero_division = 0 */
    double auc[SQK_NCLASS];                    /* one-vs-rest; NaN when a side is empty */
    double auc_macro;                          /* mean over the defined AUCs; NaN if none */
} sqk_metrics;

/* Confusion counts; labels must be in 0..SQK_NCLASS-1 (checked by the reader). */
void sqk_confusion(const int *y_true, const int *y_pred, size_t n, int64_t c[SQK_NCLASS][SQK_NCLASS]);
/* Every metric that depends only on the confusion matrix (all but the AUCs, which are set NaN). */
void sqk_metrics_from_confusion(const int64_t c[SQK_NCLASS][SQK_NCLASS], sqk_metrics *m);
/* sklearn.metrics.matthews_corrcoef on a k x k confusion matrix (row-major, [true][pred]). */
double sqk_mcc_k(const int64_t *c, int k);
/* Everything, AUCs included; prob is n x SQK_NCLASS row-major. n >= 1. */
int sqk_metrics_compute(const int *y_true, const int *y_pred, const double *prob, size_t n,
                        sqk_metrics *m);

/* ---- ROC and precision-recall (binary; score read with a stride) --------------------- */

typedef struct sqk_roc {
    size_t n;
    double *threshold, *fpr, *tpr; /* as sklearn.metrics.roc_curve(drop_intermediate=True) */
} sqk_roc;

/* pos[i] != 0 marks a positive; score[i * stride]. fpr (tpr) is NaN when there is no
 * negative (positive), as in sklearn. The first threshold is the top score + 1 (sklearn 1.2). */
int sqk_roc_curve(const uint8_t *pos, const double *score, size_t stride, size_t n, sqk_roc *r);
void sqk_roc_free(sqk_roc *r);
/* Area under the ROC curve (trapezoids); NaN when either side is empty. */
double sqk_roc_auc(const uint8_t *pos, const double *score, size_t stride, size_t n);
/* sklearn.metrics.average_precision_score; NaN when there is no positive (sklearn says 0). */
double sqk_average_precision(const uint8_t *pos, const double *score, size_t stride, size_t n);

/* ---- Event level --------------------------------------------------------------------- */

enum { SQK_KIND_UNKNOWN = -1, SQK_KIND_CONTROL = 0, SQK_KIND_EARTHQUAKE = 1 };
/* The two event-level definitions (docs/metrics.md). */
enum { SQK_EVDEF_SEISMIC = 0, SQK_EVDEF_CODE = 1 };

typedef struct sqk_event_row {
    int64_t event;           /* row in the dataset's events/ table */
    int kind;                /* SQK_KIND_* */
    int64_t n_windows, n_correct, n_pred[SQK_NCLASS];
    int64_t n_quiet;         /* windows whose true label is not 2 (storm) */
    int64_t n_quiet_pred1;   /* of those, predicted 1 */
    double frac_correct;     /* n_correct / n_windows ([code]'s event score) */
    double score;            /* n_quiet_pred1 / n_quiet; NaN when n_quiet = 0 */
} sqk_event_row;

typedef struct sqk_event_table {
    size_t n;
    sqk_event_row *rows; /* sorted by event */
} sqk_event_table;

/* Groups windows with event >= 0. kind_of_event (may be NULL) gives each events/ row's kind
 * (0 control, 1 earthquake, n_kinds rows); without it the kind is inferred from the labels:
 * any window labelled 1 -> earthquake, else any labelled 0 -> control, else unknown. */
int sqk_events_group(const int64_t *event, const int *y_true, const int *y_pred, size_t n,
                     const uint8_t *kind_of_event, size_t n_kinds, sqk_event_table *t);
void sqk_events_free(sqk_event_table *t);
/* The distinct event ids >= 0 among event[0..n-1], ascending, into ids (room for n); returns
 * their count. */
size_t sqk_event_ids(const int64_t *event, size_t n, int64_t *ids);

typedef struct sqk_binary {
    int64_t tp, fp, tn, fn;
    double mcc, f1, precision, recall, accuracy;
} sqk_binary;

void sqk_binary_from_counts(sqk_binary *b);
/* Event-level confusion at a threshold under one definition (events that the definition
 * cannot judge are skipped: unknown kind, or no quiet window for SQK_EVDEF_SEISMIC). */
sqk_binary sqk_events_classify(const sqk_event_table *t, int definition, double threshold);
/* Scans thresholds k/100 for k = k_lo..k_hi and keeps the one with the highest event MCC
 * (the smallest on ties). */
int sqk_events_choose_threshold(const sqk_event_table *t, int definition, int k_lo, int k_hi,
                                double *threshold, double *mcc);
/* Event-level ROC AUC and average precision of the seismic score against the event kind. */
double sqk_events_roc_auc(const sqk_event_table *t);
double sqk_events_pr_auc(const sqk_event_table *t);

/* ---- Bootstrap and permutation test ---------------------------------------------------- */

enum {
    SQK_BM_ACCURACY, SQK_BM_BALANCED_ACCURACY, SQK_BM_F1_WEIGHTED, SQK_BM_F1_MACRO, SQK_BM_MCC,
    SQK_BM_AUC0, SQK_BM_AUC1, SQK_BM_AUC2, SQK_BM_AUC_MACRO, SQK_BM_MCC_SVC, SQK_BM_COUNT
};
/* bootstrap.csv names: accuracy, balanced_accuracy, f1_weighted, f1_macro, mcc, auc0..,
 * mcc_seismic_vs_control */
const char *sqk_bm_name(int metric);

typedef struct sqk_ci {
    double value, lo, hi; /* point estimate and percentile interval; NaN when undefined */
    int n_valid;          /* resamples where the metric was defined */
} sqk_ci;

/* Percentile bootstrap (level e.g. 0.95) resampling units: each event is one unit, each
 * window with event < 0 its own unit. Resample b draws from sqk_rng_fork(seed, b), so the
 * result does not depend on the number of threads. *n_units receives the unit count. */
int sqk_bootstrap(const int *y_true, const int *y_pred, const double *prob, const int64_t *event,
                  size_t n, int n_boot, uint64_t seed, double level, const sqk_progress *p,
                  sqk_ci out[SQK_BM_COUNT], size_t *n_units);
/* Permutation test of the MCC that respects events: the kind of each unit (an event, or a
 * window with event < 0; event may be NULL for windows only), i.e. the true class 0/1 of its
 * non-storm windows, is shuffled among the units n_perm times, storm labels (Kp, exogenous)
 * staying where they are; p = (1 + #{MCC_perm >= MCC_obs}) / (1 + n_perm). Shuffling single
 * windows instead would ignore their correlation within an event and give too small a p. */
int sqk_permutation_mcc(const int *y_true, const int *y_pred, const int64_t *event, size_t n,
                        int n_perm, uint64_t seed, const sqk_progress *p, double *p_value);
/* The same test with the kinds shuffled only within strata: event_stratum[e] (e a row of
 * events/, n_events rows) groups the events that are exchangeable under the null hypothesis;
 * -1 keeps an event's kind fixed; windows without an event stay fixed too. With strata of
 * two events (an earthquake and its matched control) it is a test by flips within pairs. */
int sqk_permutation_mcc_strata(const int *y_true, const int *y_pred, const int64_t *event, size_t n,
                               const int64_t *event_stratum, size_t n_events, int n_perm, uint64_t seed,
                               const sqk_progress *p, double *p_value);
/* One-sample Kolmogorov-Smirnov test of values (e.g. p-values over seeds) against U(0, 1):
 * *d = sup |F_n - F|, *p_value the exact two-sided p-value (scipy.stats.kstest(x, "uniform",
 * method="exact")). SQK_EARG for no value, more than 10000, or a value outside [0, 1]. */
int sqk_ks_uniform(const double *x, size_t n, double *d, double *p_value);
/* The one-sided test against an excess of small values (what a leak does to p-values):
 * *d_plus = sup (F_n - F), *p_value = P(D+ >= d_plus) exactly (scipy.stats.kstest(x,
 * "uniform", alternative="greater", method="exact")). Too many large p-values (a conservative
 * test: ties, degenerate predictions) do not count here; the two-sided test sees them. */
int sqk_ks_uniform_small(const double *x, size_t n, double *d_plus, double *p_value);
/* The strata of the honest test, from the dataset: matched pairs (events/pair) when the test
 * windows hold both members of at least one pair (the rigorous design), else cadence (the
 * majority native cadence of the event's windows) x 10-degree |magnetic latitude| band x
 * hemisphere of the event (the paper's design, whose controls lie elsewhere). scheme:
 * SQK_STRATA_NONE when the dataset lacks the columns (older files). */
enum { SQK_STRATA_NONE = 0, SQK_STRATA_CADENCE_MLAT = 1, SQK_STRATA_PAIRS = 2 };
struct sqk_eval_dataset;
int sqk_eval_strata(const struct sqk_eval_dataset *ds, const int64_t *event, size_t n, int64_t **event_stratum,
                    int *scheme);
/* Event-level intervals (main definition, fixed threshold): the judged events are resampled
 * with replacement; resample b draws from a fork of seed keyed apart from the window bootstrap.
 * bootstrap.csv names: event_mcc, event_f1, event_roc_auc, event_pr_auc. */
enum { SQK_EBM_MCC, SQK_EBM_F1, SQK_EBM_ROC_AUC, SQK_EBM_PR_AUC, SQK_EBM_COUNT };
const char *sqk_ebm_name(int metric);
int sqk_events_bootstrap(const sqk_event_table *t, double threshold, int n_boot, uint64_t seed,
                         double level, sqk_ci out[SQK_EBM_COUNT]);
/* numpy.percentile (linear) of sorted v[0..n-1] at q in [0, 100]. */
double sqk_percentile_sorted(const double *v, size_t n, double q);

/* ---- Injection-recovery ---------------------------------------------------------------- */

typedef struct sqk_recovery {
    size_t n_planted;   /* planted-precursor events of the dataset named by truth.csv */
    size_t n_tested;    /* of those, with windows in the evaluated predictions */
    double any;         /* share of tested planted events with >= 1 window predicted 1 */
    double by_threshold;/* share whose seismic score >= the event threshold */
    sqk_ci any_ci, threshold_ci; /* bootstrap over the tested planted events */
    /* The same two shares over the control events: the false-alarm baseline without which a
     * recovery rate means nothing (a model predicting 1 everywhere recovers everything). */
    size_t n_controls;
    double control_any, control_by_threshold;
    /* With the dataset's precursor_weight (window-level truth): the planted events above are
     * only those with >= 1 test window inside their footprint (n_untouched were left out: the
     * precursor never reached their windows), and the within-seismic AUC = ROC AUC of p1 for
     * seismic windows inside a footprint against seismic windows outside (n_perturbed,
     * n_unperturbed): does the model's seismic probability follow the precursor, or only the
     * seismic label? 0.5 = not at all. NaN without the column. */
    int has_weights;
    size_t n_untouched, n_perturbed, n_unperturbed;
    double within_seismic_auc;
} sqk_recovery;


/* planted[i] = events/ row of each planted precursor. */
int sqk_recovery_compute(const sqk_event_table *t, const int64_t *planted, size_t n_planted,
                         double threshold, int n_boot, uint64_t seed, double level,
                         sqk_recovery *r);

/* ---- Files: PRED.csv, the dataset facts, truth.csv (predfile.c) -------------------------- */

typedef struct sqk_pred {
    size_t n;
    int64_t *window;  /* row in the dataset */
    uint8_t *split;   /* 0 train, 1 validation, 2 test */
    int64_t *event;   /* row in events/, -1 none */
    int *y_true, *y_pred;
    double *prob;     /* n x SQK_NCLASS */
    size_t *line;     /* line of each row in its file (for messages) */
} sqk_pred;

/* Reads PRED.csv (header `window,split,event,y_true,p0,p1,p2,y_pred`, columns in any order).
 * Rejects missing columns, bad numbers, labels outside 0..2, probabilities outside [0,1] or
 * whose sum is off 1 by more than 1e-3, and an empty file, naming the file and line. */
int sqk_pred_read(const char *path, sqk_pred *p);
void sqk_pred_free(sqk_pred *p);

/* What evaluate needs from DATASET.h5. */
typedef struct sqk_eval_dataset {
    size_t n_windows;
    int32_t *y;
    uint8_t *split;
    int64_t *event;
    size_t n_events;
    char **event_id;     /* events/id */
    uint8_t *event_kind; /* events/kind */
    /* Optional (NULL when the file lacks them): what the honest tests of chance and
     * injection-recovery need. */
    uint8_t *cadence;          /* per window: 0 survey, 1 burst, 2 mixed */
    double *precursor_weight;  /* per window (synthetic archives) */
    double *event_lat, *event_lon; /* events/lat, events/lon */
    int64_t *event_pair;       /* events/pair: the matched partner's row, -1 */
} sqk_eval_dataset;

int sqk_eval_dataset_read(const char *path, sqk_eval_dataset *d);
void sqk_eval_dataset_free(sqk_eval_dataset *d);
/* Each PRED row must name a window of the dataset with the same label, split and event. */
int sqk_pred_check_dataset(const sqk_pred *p, const char *pred_path, const sqk_eval_dataset *d,
                           const char *data_path);
/* Validation predictions must be validation windows, disjoint from the test windows, and a
 * window present in both must agree (otherwise the two files come from different datasets). */
int sqk_pred_check_pair(const sqk_pred *test, const char *test_path, const sqk_pred *val,
                        const char *val_path);

/* truth.csv: the event ids of the planted precursors, matched to events/ rows (*planted,
 * malloc'd). Ids outside the events table (the archive spans more than this dataset: another
 * satellite, other dates) are counted in *n_unknown; when no id matches at all, the truth file
 * belongs to another archive: an error naming the truth file and the first unknown id's line. */
int sqk_truth_read_match(const char *truth_path, const sqk_eval_dataset *d, const char *data_path,
                         int64_t **planted, size_t *n_planted, size_t *n_unknown);

/* The within-seismic AUC of predictions t (see sqk_recovery) from the dataset's weights; NaN
 * when ds has no precursor_weight or either group is empty. */
double sqk_within_seismic_auc(const sqk_pred *t, const sqk_eval_dataset *ds, size_t *n_perturbed,
                              size_t *n_unperturbed);

/* ---- Null-corrected skill (nullcorr.c) ------------------------------------------------ */

/* A model's predictions on a synthetic archive and on its paired null archive (the same
 * synth options with --precursor-strength 0, the same build, the same training seed): the
 * same windows, events and splits, so the difference of a metric between the two sides is
 * what the planted precursors add to what confounders alone give. */
enum { SQK_NC_MCC_SVC, SQK_NC_AUC1, SQK_NC_EVENT_MCC, SQK_NC_COUNT };
/* null_corrected.csv names: mcc_seismic_vs_control, auc1, event_mcc */
const char *sqk_nc_name(int metric);

typedef struct sqk_null_pair {
    const sqk_pred *planted, *null;
    double threshold_planted, threshold_null; /* event thresholds (main definition), each
                                                 chosen on its own side's validation predictions */
    const uint8_t *kind_of_event;             /* events/kind (may be NULL: kinds from labels) */
    size_t n_kinds;
} sqk_null_pair;

typedef struct sqk_null_corrected {
    size_t n_pairs, n_units;  /* units: events (and event-less windows) of the distinct datasets */
    /* Means over the pairs; intervals from the paired bootstrap. */
    sqk_ci planted[SQK_NC_COUNT], null[SQK_NC_COUNT], diff[SQK_NC_COUNT];
    double p_diff[SQK_NC_COUNT]; /* (1 + #{resampled diff <= 0}) / (1 + B): one-sided */
    double pair_diff[8][SQK_NC_COUNT]; /* the first pairs' own differences */
} sqk_null_corrected;

/* The two prediction files of a pair must list the same windows in the same order with the
 * same split, event and true label; otherwise an error naming both files and the first line
 * that differs (they are not predictions of paired datasets). */
int sqk_null_pair_check(const sqk_pred *planted, const char *planted_path, const sqk_pred *null,
                        const char *null_path);
/* Paired bootstrap: resample b draws the units (events; windows without an event alone) once
 * and applies the same multiplicities to both sides of every pair on that dataset (pairs on
 * other datasets draw their own), then draws n_pairs pairs with replacement (several training
 * or archive seeds: what varies between them is in the interval too), recomputes MCC
 * seismic/control, the class-1 AUC and the event-level MCC on each side, and takes the mean
 * over the drawn pairs of planted - null. The point estimate is the mean over all pairs. */
int sqk_null_corrected_compute(const sqk_null_pair *pairs, size_t n_pairs, int n_boot, uint64_t seed,
                               double level, sqk_null_corrected *out);

/* ---- The whole evaluation (evaluate.c) and its folder (evalfolder.c) ---------------------- */

typedef struct sqk_eval_opts {
    const char *name;        /* label of this evaluation (figures, reports) */
    const char *pred_path, *val_path, *data_path, *truth_path; /* for the record */
    size_t truth_not_in_dataset; /* truth.csv rows whose event is not in the dataset */
    int n_boot, n_perm;      /* 1000, 1000 */
    uint64_t seed;
    double level;            /* 0.95 */
} sqk_eval_opts;

/* One bootstrap.csv row: a metric with its 95% confidence interval. */
typedef struct sqk_eval_metric {
    char name[48];
    double value, lo, hi;
} sqk_eval_metric;

#define SQK_EVAL_MAX_NOTES 16

typedef struct sqk_evaluation {
    sqk_eval_opts opts;
    sqk_metrics m;
    sqk_roc roc[SQK_NCLASS];
    sqk_ci boot[SQK_BM_COUNT];
    size_t n_units;
    double perm_p;       /* plain: kinds shuffled over all events (assumes them exchangeable) */
    double perm_p_strat; /* honest: within strata (perm_scheme, SQK_STRATA_*); NaN without */
    int perm_scheme;
    sqk_event_table events;
    const sqk_eval_dataset *ds; /* may be NULL (then events have no ids) */
    /* Event level: thresholds from the validation predictions (or defaults without them). */
    int threshold_from_val;
    size_t val_events;
    double threshold[2], val_mcc[2];     /* per SQK_EVDEF_* */
    sqk_binary ev[2];                    /* test events at those thresholds */
    double ev_roc_auc, ev_pr_auc;
    sqk_ci ev_boot[SQK_EBM_COUNT];       /* intervals of the main definition's metrics */
    int has_recovery;
    sqk_recovery rec;
    int n_notes;
    char notes[SQK_EVAL_MAX_NOTES][160];
    /* Read back from a folder (sqk_evaluation_read); empty in a computed evaluation. */
    char dir[1024];
    char label[256];             /* metrics.json "label" or "name", else the folder's name */
    size_t n_metrics;
    sqk_eval_metric *metrics;    /* bootstrap.csv's rows as written (any names) */
    char **event_id;             /* events.csv's ids, events.n of them */
} sqk_evaluation;

/* The event threshold of a definition chosen on validation predictions (the highest event MCC
 * over the grid of docs/metrics.md), or the default (0.50 seismic, 0.70 [code]) when val is
 * NULL or has no event. ds may be NULL (kinds from the labels). */
int sqk_eval_event_threshold(const sqk_pred *val, const sqk_eval_dataset *ds, int definition,
                             double *threshold, double *val_mcc, size_t *n_val_events);
/* Computes everything. val and ds may be NULL; planted may be NULL (no recovery). */
int sqk_evaluate(const sqk_pred *test, const sqk_pred *val, const sqk_eval_dataset *ds,
                 const int64_t *planted, size_t n_planted, const sqk_eval_opts *o,
                 const sqk_progress *p, sqk_evaluation *ev);
void sqk_evaluation_free(sqk_evaluation *ev);

/* ---- The evaluation folder (evalfolder.c): one type, written and read back ----------------- */

/* Writes metrics.json, per_class.csv, confusion.csv, roc.csv, bootstrap.csv, events.csv and
 * predictions.csv (a byte copy of pred_path) into dir (created if needed), each file atomically. */
int sqk_evaluation_write(const sqk_evaluation *ev, const char *pred_path, const char *dir);
/* Reads a folder back into the same type (the tables' columns are shared with the writer):
 * dir and label (metrics.json), m (the confusion matrix and what follows from it, then
 * per_class.csv's precision, recall, F1, support and AUC), roc (points by rising fpr; a class
 * without a curve, NaN in roc.csv, has none), events and event_id (events.csv) and metrics
 * (bootstrap.csv). What only metrics.json holds (thresholds, permutation p-values, recovery)
 * is not read: those fields are NaN. predictions.csv is read separately with sqk_pred_read (it
 * can be big). Every problem names the file and line. Free with sqk_evaluation_free. */
int sqk_evaluation_read(const char *dir, sqk_evaluation *ev);
/* Looks a metric up in bootstrap.csv by its canonical name, accepting common spellings:
 * "accuracy" (acc), "f1_weighted" (f1w, weighted_f1, f1), "mcc", "auc0".."auc2" (auc_0,
 * auc_class0, roc_auc_0). Without a bootstrap row, accuracy, f1_weighted and mcc are computed
 * from the confusion matrix and aucK taken from per_class.csv, with lo = hi = NaN.
 * Returns SQK_OK, or SQK_EEMPTY when the metric is nowhere to be found. */
int sqk_evaluation_metric(const sqk_evaluation *ev, const char *name, sqk_eval_metric *out);

/* ---- The evaluate stage's entry point (run.c) ------------------------------------------- */

#define SQK_EVALUATE_MAX_PAIRS 64

typedef struct sqk_evaluate_options {
    const char *pred, *out;        /* required: predictions (PRED.csv), evaluation folder */
    const char *val_pred;          /* validation predictions (event thresholds); may be NULL */
    const char *data;              /* DATASET.h5; may be NULL */
    const char *truth;             /* truth.csv (needs data): injection-recovery; may be NULL */
    const char *name;              /* label; NULL: PRED's name (its folder's for PRED/predictions.csv) */
    const char *null_pred, *null_val_pred; /* the paired null archive's predictions; may be NULL */
    int n_pairs;                   /* more (planted, null, planted val, null val) pairs; val may be NULL */
    const char *(*pairs)[4];
    int n_boot, n_perm;            /* 1000, 1000 */
    uint64_t seed;
} sqk_evaluate_options;

typedef struct sqk_evaluate_result {
    char name[256];
    sqk_evaluation ev;             /* ev.ds is NULL: the dataset is not kept */
    int has_null;                  /* null_pred given: nc and within_seismic_auc are set */
    sqk_null_corrected nc;
    double within_seismic_auc[2];  /* planted, null (NaN without data) */
} sqk_evaluate_result;

/* Reads and cross-checks the inputs, evaluates, computes the null-corrected skill and writes the
 * evaluation folder (null_corrected.csv first, metrics.json last). Figures are not drawn: the
 * caller draws them from the folder (sqk_fig_evaluation), since figures come after eval.
 * On success free r with sqk_evaluate_result_free. */
int sqk_evaluate_run(const sqk_evaluate_options *o, const sqk_progress *p, sqk_evaluate_result *r);
void sqk_evaluate_result_free(sqk_evaluate_result *r);

/* ---- alarms (operational scan) -------------------------------------------------------- */

/* A scored point in space-time (a window: its score; an earthquake: score unused). */
typedef struct {
    double t, lat, lon, score;
} sqk_alarm_point;

/* The space-time grid of a Molchan diagram: cells of cell_deg x cell_deg within
 * |lat| <= lat_max_deg, by UTC day, over the days of [t0, t1]. A point with score s alarms its
 * cell on the days from its own to the one holding t + days_before; a cell-day's score is the
 * highest score alarming it (none: never alarmed). Cell-days weigh their area. */
typedef struct {
    double cell_deg, lat_max_deg, days_before, t0, t1;
} sqk_molchan_grid;
int sqk_molchan_grid_check(const sqk_molchan_grid *g);

/* The Molchan diagram: tau = share of space-time alarmed, nu = share of earthquakes missed
 * (those in cell-days not alarmed), as the threshold falls from +inf (0, 1) through every
 * distinct cell-day score. The operating point is the given threshold. */
typedef struct {
    size_t n_quakes;           /* earthquakes inside the grid */
    size_t n_points;
    double *tau, *nu, *threshold;
    double observed_fraction;  /* share of space-time with any scored point (the largest tau) */
    double tau_at, nu_at, gain_at, p_value_at; /* at the threshold: gain = (1 - nu) / tau;
                                                  p = P(hits >= observed) for random alarms of
                                                  the same tau (binomial, independent quakes) */
    size_t hits_at;
    double area_skill;         /* area above the curve, the last point joined to (1, 0); 0.5 = random */
} sqk_molchan;
int sqk_molchan_compute(const sqk_alarm_point *scored, size_t n_scored, const sqk_alarm_point *quakes,
                        size_t n_quakes, const sqk_molchan_grid *g, double threshold, sqk_molchan *out);
void sqk_molchan_free(sqk_molchan *m);
/* The random-guess band: for n quakes and alarmed share tau, the central `level` interval of
 * nu when hits ~ Binomial(n, tau). */
void sqk_molchan_band(size_t n_quakes, double tau, double level, double *nu_lo, double *nu_hi);
/* P(X >= k) for X ~ Binomial(n, p). */
double sqk_binom_upper(size_t n, size_t k, double p);

#endif
