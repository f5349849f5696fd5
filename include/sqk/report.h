/* The report: several evaluation folders (written by `seqnetquake evaluate`) collected into
 * one table (Markdown and CSV), comparative figures (ROC overlay, metric bars) and a static
 * HTML page, report.html, that shows them with captions. The page is self-contained except
 * for relative links to the PNG figures, which are copied into the report folder. */
#ifndef SQK_REPORT_H
#define SQK_REPORT_H

#include "sqk/core.h"

/* Table kinds; also bits of the set of tables written. */
enum {
    SQK_TABLE_AUTO = 0, /* see sqk_report */
    SQK_TABLE1 = 1,     /* one model on many datasets: a row per dataset (the paper's Table 1) */
    SQK_TABLE2 = 2      /* many models on one test set: a row per model (the paper's Table 2) */
};

enum { SQK_REPORT_MAX_SECTIONS = 4 };

typedef struct sqk_report_opts {
    const char *const *eval_dirs; /* n evaluation folders, in row order */
    int n;
    const char *out_dir;          /* created, or replaced whole */
    const char *title;            /* NULL: a default title */
    int table;                    /* SQK_TABLE_AUTO, SQK_TABLE1 or SQK_TABLE2 */
    const char *const *figures;   /* n_figures more PNGs shown after the tables (e.g. the data:
                                     plot pass, the use: scan's Molchan diagram), copied as
                                     figureN.png and captioned with their file names */
    int n_figures;
    const char *const *sections;  /* n_sections folders of `seqnetquake sensitivity` whose
                                     sensitivity.md (with sensitivity.png) and nullcheck.md are
                                     shown first, the headline: null-corrected skill against
                                     precursor strength, and the test of chance */
    int n_sections;
} sqk_report_opts;

/* Writes into out_dir, for each table: tableK.md + tableK.csv, and its figures roc.png/.pdf
 * and metrics.png/.pdf (roc_table2.* and metrics_table2.* for a second table); a copy of each
 * evaluation's confusion, ternary and map PNGs when they exist (evalN_*.png); each section's
 * figure (sectionN.png); report.html.
 * SQK_TABLE1 or SQK_TABLE2 gives that one table of all evaluations. SQK_TABLE_AUTO gives
 * Table 2 when every evaluation has the same test windows (same window ids and labels in
 * predictions.csv); otherwise Table 1 of all evaluations and, when at least two share a test
 * set, Table 2 of the largest such group (datasets compared, and models on one test set).
 * Every input folder is read before anything is written; the folder is written under a
 * temporary name and put in place whole, replacing an earlier out_dir whole (sqk_commit_dir):
 * a failure or a kill leaves out_dir as it was. *tables (may be NULL) receives the tables written (SQK_TABLE1 | SQK_TABLE2). */
int sqk_report(const sqk_report_opts *o, const sqk_progress *p, int *tables);

#endif
