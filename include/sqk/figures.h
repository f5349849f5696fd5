/* Figures of evaluations, drawn with GMT (libgmt), each written as <prefix>.png and <prefix>.pdf.
 *
 * The input is an evaluation folder as written by `seqnetquake evaluate --out DIR`:
 * metrics.json (with a "name" or "label"), per_class.csv, confusion.csv, roc.csv,
 * bootstrap.csv and predictions.csv (PRED.csv format). Figures of one evaluation go into
 * DIR/figures/. Every figure is drawn in a private temporary GMT working directory, so
 * concurrent runs do not clash, and both files appear atomically or not at all: on bad input
 * (missing folder, malformed CSV) the function returns a negative status with a message
 * naming the file and line, and leaves no partial figure behind. */
#ifndef SQK_FIGURES_H
#define SQK_FIGURES_H

#include "sqk/core.h"
#include "sqk/eval.h"

#include <stddef.h>

#define SQK_FIG_NCLASS SQK_NCLASS /* 0 control, 1 seismic, 2 storm */

/* Draws every single-evaluation figure into eval_dir/figures/: roc, metrics (bar plot),
 * ternary (one panel per true class), confusion, and, when dataset_h5 is given, map. */
int sqk_fig_evaluation(const char *eval_dir, const char *dataset_h5_or_NULL, const sqk_progress *p);

/* ROC curves, one panel per class, the n evaluations overlaid, with the chance diagonal and
 * the AUC in the legend. labels may be NULL (or hold NULLs): each folder's label is used. */
int sqk_fig_roc(const char *const *eval_dirs, const char *const *labels, int n, const char *out_prefix);
/* Bars of MCC, weighted F1 and accuracy with 95% CI error bars (bootstrap.csv), the n
 * evaluations side by side. */
int sqk_fig_bars(const char *const *eval_dirs, const char *const *labels, int n, const char *out_prefix);
/* Ternary diagrams of the windows' (p0, p1, p2), one panel per true class (predictions.csv). */
int sqk_fig_ternary(const char *eval_dir, const char *out_prefix);
/* Confusion matrix tiles: counts with overall %, row % (recall) on the right, column %
 * (precision) below, overall accuracy in the corner; tiles coloured by share. */
int sqk_fig_confusion(const char *eval_dir, const char *out_prefix);
/* World map: kept earthquakes, aftershocks, control events (dataset events/) and the test
 * windows coloured by predicted class (predictions.csv + dataset lat/lon). */
int sqk_fig_map(const char *eval_dir, const char *dataset_h5, const char *out_prefix);

/* The sensitivity figure: MCC seismic/control against precursor strength with its 95%
 * intervals, a column per design, the null-corrected skill above and the planted archive
 * alone below, a line per model; from sensitivity.csv of `seqnetquake sensitivity`. */
int sqk_fig_sensitivity(const char *sensitivity_csv, const char *out_prefix);

/* Quick look of half-orbits (the paper's Figure 1 and S1): Ne and Te (log scales) against time
 * (UTC below) and latitude (above), cadence (survey / burst) and invalid or fill samples, Kp
 * along the pass, every window of the dataset that came from the file shaded by its label
 * and listed with its event (id, magnitude, distance, days before) and split, and a map of
 * the track with the events in reach (their association circles dashed). */
typedef struct {
    const char *file;          /* CSES LAP or DEMETER ISL file (ignored with event_id) */
    const char *dataset;       /* DATASET.h5 whose windows are shown (may be NULL) */
    const char *event_id;      /* instead of file: every pass with windows of this event */
    int pick_class;            /* instead of file, when 0..2 (set -1 otherwise): the file with the
                                  most windows of this class in the dataset (ties: the first);
                                  used only when file and event_id are NULL */
    const char *kp_path;       /* Kp table (NULL: the dataset's, when it still opens; else the
                                  windows' stored Kp) */
    const char *catalog_path;  /* without a dataset: events in reach from this catalogue */
    const char *out_prefix;    /* <prefix>.png and .pdf; with event_id <prefix>_<file stem> */
    void (*on_figure)(void *ctx, const char *prefix); /* called after each figure (may be NULL) */
    void *ctx;
} sqk_fig_pass_options;
typedef struct {
    size_t n_figures;
} sqk_fig_pass_result;
int sqk_fig_pass(const sqk_fig_pass_options *o, sqk_fig_pass_result *res);

/* Scan figures: the windows of a scan on a world map, alarms (alarm[i] = 1) in red; and the
 * Molchan diagram of a model beside the where-and-when baseline (past seismicity) and, when
 * given, another scan's alarms (e.g. the geo model's), with the random-guess
 * diagonal, its 95% band and the model's operating point. */
int sqk_fig_alarm_map(const sqk_alarm_point *w, const uint8_t *alarm, size_t n, double threshold, const char *out_prefix);
int sqk_fig_molchan(const sqk_molchan *model, const sqk_molchan *baseline, const sqk_molchan *other_or_NULL,
                    const char *out_prefix);

#endif
