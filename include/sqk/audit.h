/* The leakage report of a dataset: how well place, time and cadence alone tell seismic (1)
 * from control (0) windows, per split. It sits above both the dataset stage (whose window
 * table it reads) and the models (it trains the where-and-when baseline), so the build
 * command hands it to sqk_build as its audit (sqk_build_inputs.audit); docs/confounders.md.
 *
 * Per split (and over all windows), class 0 vs 1 standardised mean differences
 * (m1 - m0) / sqrt((s1^2 + s0^2) / 2) of |magnetic latitude|, latitude, local time (hours from
 * midnight, -12..12), day of year, native-cadence share (burst or mixed windows), Kp and windows
 * per event (over the events of each class); the seismic/control MCC of the one-line rule
 * "native 1.5 s data, hence seismic"; and on the training split the cross-validated AUC of the
 * where-and-when baseline (geo kind, 5 folds grouped by event, a matched pair in one fold). */
#ifndef SQK_AUDIT_H
#define SQK_AUDIT_H

#include "sqk/dataset.h"

#define SQK_LEAKAGE_FOLDS 5
#define SQK_LEAKAGE_WARN_AUC 0.6

/* An sqk_build_audit_fn (ctx unused, may be NULL). */
int sqk_leakage_report(void *ctx, const sqk_build_config *c, const sqk_window_set *w,
                       const uint8_t *split, const sqk_event *ev, size_t nev, sqk_build_audit *out);

#endif
