/* Pieces shared by the files of src/eval (not public): the bootstrap's units and its
 * weighted AUC sweep, used by the plain bootstrap and by the paired (null-corrected) one. */
#ifndef SQK_EVAL_INTERNAL_H
#define SQK_EVAL_INTERNAL_H

#include "sqk/eval.h"

/* Units: one per event (in ascending event order, as sqk_event_ids), then one per window
 * without an event. */
typedef struct {
    size_t n_units;
    size_t *unit;        /* per window */
    int64_t *conf;       /* per unit, SQK_NCLASS^2 counts */
} units;

int units_build(const int *y_true, const int *y_pred, const int64_t *event, size_t n, units *u);
void units_free(units *u);

/* Per class, the windows by falling probability: each one's unit and flags (bit 0 the window
 * is of class k, bit 1 the next window has a different score), stored in that order so that
 * each resample's AUC sweep reads memory sequentially. */
typedef struct {
    size_t *unit_at[SQK_NCLASS];
    uint8_t *flags[SQK_NCLASS];
} auc_orders;

int orders_build(const double *prob, const int *y_true, const units *u, size_t n, auc_orders *o);
void orders_free(auc_orders *o);
/* AUC of class k when each window counts mult[its unit] times: trapezoids between tie groups,
 * the same area as the ROC curve of the resampled windows. NaN when a side is empty. */
double weighted_auc(const auc_orders *o, int k, const int *mult, size_t n);

/* Percentile interval of the defined values among v[0..n-1] (v is reordered). */
void sqk_eval_interval(double *v, size_t n, double level, sqk_ci *ci);

#endif
