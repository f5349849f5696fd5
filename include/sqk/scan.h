/* The operational scan: a trained model applied to new half-orbit files with no labels.
 *
 * Every file is cleaned, resampled and windowed exactly as the model's training dataset was
 * (its build configuration is stored in the model file: satellite, time of day, T, dt, ranges,
 * cadence handling, features), every window is scored, and a window is an alarm when its p1
 * reaches the threshold chosen on the validation split at training time. Results go into a
 * folder (docs/scan.md):
 *   scan.txt          the model (path, sha256), threshold and build configuration of the scan
 *   scanned.tsv       one line per file handled: name, size, ok|bad, windows, message
 *   windows.csv       one row per window: file, orbit, time, position, local time, cadence,
 *                     Kp, p0, p1, p2, alarm
 *   alarms_daily.csv  alarmed windows per UTC day and region (cell_deg x cell_deg cells)
 *   alarms.png/.pdf   map of the windows and the alarms
 * and, with a catalogue, the Molchan diagram of the alarms and of the where-and-when baseline:
 *   molchan.csv, molchan.txt, molchan.png/.pdf
 * A scan is incremental (files in scanned.tsv are skipped), reports and skips corrupt files,
 * and loses nothing already written when killed: each file's rows are appended and synced
 * before its line in scanned.tsv, and rows beyond the last complete line are dropped when the
 * scan resumes. */
#ifndef SQK_SCAN_H
#define SQK_SCAN_H

#include "sqk/core.h"
#include "sqk/eval.h"

#include <stddef.h>

typedef struct {
    const char *model_path;    /* MODEL.h5 (required) */
    const char *files_glob;    /* new satellite files (NULL: only rescore the folder) */
    const char *kp_path;       /* Kp table for the Kp column (required with files) */
    const char *out_dir;       /* the scan folder (created) */
    const char *catalog_path;  /* USGS catalogue: Molchan diagrams (may be NULL) */
    const char *baseline_dir;  /* another scan folder of the same files, e.g. with the where-and-when
                                  model (train --model geo): its curve beside the model's */
    double threshold;          /* NaN: the model's alarm threshold */
    double cell_deg;           /* regions and Molchan cells (5 deg) */
    int figures;               /* draw the map and the Molchan diagram (1) */
    const sqk_progress *progress;
} sqk_scan_options;

void sqk_scan_options_default(sqk_scan_options *o);

typedef struct {
    size_t files_matched, files_skipped, files_scanned, files_bad;
    char **bad;                /* files_bad messages "path: problem" */
    size_t windows_new, windows_total, alarms_total;
    double threshold;
    double seconds;            /* reading, windowing and scoring the new files */
    int scored;                /* Molchan diagrams computed */
    sqk_molchan model, baseline, other; /* other: baseline_dir's alarms (n_points 0 without) */
    char *summary;             /* what the scan did (malloc'd) */
} sqk_scan_result;

int sqk_scan_run(const sqk_scan_options *o, sqk_scan_result *r);
void sqk_scan_result_free(sqk_scan_result *r);

#endif
