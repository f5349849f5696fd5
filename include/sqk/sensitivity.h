/* The project's headline experiments on the synthetic archive (docs/sensitivity.md), each one
 * resumable run into one output folder:
 *
 * - the sensitivity curve: for each precursor strength a paired archive (strength 0 is the
 *   null of every other), DataSet 07 under each design, each model trained with several
 *   training seeds, and the null-corrected skill of every (design, model, strength) with a
 *   bootstrap that resamples the test events and the training seeds; s* per design and model;
 * - the null check: under one design at strength 0, one short archive per archive seed, a
 *   cheap model trained and evaluated on each, the permutation p-values tested for
 *   uniformity (Kolmogorov-Smirnov against U(0,1)) and the MCC seismic/control intervals
 *   that contain 0 counted.
 *
 * The stages run as child seqnetquake commands (synth, build, train, predict; their output in
 * OUT/logs/), the evaluations in this process. What exists complete is reused, so after an
 * interruption (even kill -9) the same command continues. Nothing is printed. */
#ifndef SQK_SENSITIVITY_H
#define SQK_SENSITIVITY_H

#include <stdint.h>

#include "sqk/core.h"

enum { SQK_SENS_MAX_STRENGTHS = 16, SQK_SENS_MAX_MODELS = 8, SQK_SENS_MAX_DESIGNS = 2,
       SQK_SENS_MAX_SEEDS = 64 };

typedef struct {
    const char *out;          /* output folder (created; rerun to continue) */
    const char *self_exe;     /* the seqnetquake executable that runs the stages */
    uint64_t seed;            /* archive, dataset and bootstrap seed (curve); first archive seed (null check) */
    int days;                 /* days of CSES data per archive */
    int n_strengths;          /* curve: strengths[0] must be 0 (the null archive) */
    double strengths[SQK_SENS_MAX_STRENGTHS];
    int n_designs;            /* curve: "paper", "rigorous"; null check: the first one */
    char designs[SQK_SENS_MAX_DESIGNS][16];
    int n_models;
    char models[SQK_SENS_MAX_MODELS][16];
    int n_train_seeds;        /* curve: training seeds 1..n per cell (default 3) */
    int n_archive_seeds;      /* null check: archive seeds seed .. seed + n - 1 (>= 2) */
    int n_boot, n_perm;       /* bootstrap resamples (1000); null check: permutations (1000) */
    char swap_partners[16];   /* the rigorous design's matched controls: "random" or "magnitude"
                               * (build --swap-partners); "" leaves build's default */
    int keep_archives;        /* 0: an archive is removed once its datasets are built */
    int threads;              /* per stage (1: bit-for-bit reproducible) */
    const sqk_progress *progress; /* may be NULL */
    void (*on_step)(void *ctx, const char *line); /* a line per finished step; may be NULL */
    void *ctx;
} sqk_sensitivity_options;

/* The curve: OUT/sensitivity.csv (a row per design, model, strength and null-corrected
 * metric), OUT/sstar.csv (s* per design and model), OUT/sensitivity.md (the report section;
 * it shows sensitivity.png, which the caller draws from the CSV with sqk_fig_sensitivity). */
int sqk_sensitivity_run(const sqk_sensitivity_options *o);

typedef struct {
    int n;                    /* archive seeds evaluated */
    double ks_d, ks_p;        /* KS of the stratified / matched-pair permutation p-values */
    double ks_small_d, ks_small_p; /* one-sided: an excess of small p-values (a leak) */
    double ks_d_plain, ks_p_plain; /* the same of the plain permutation p-values */
    int n_contain_0;          /* MCC seismic/control intervals that contain 0 */
} sqk_nullcheck_model;

/* The null check: OUT/nullcheck.csv (a row per model and archive seed: p-values, MCC
 * seismic/control and its interval), OUT/nullcheck_summary.csv (a row per model: KS D and
 * p-value, two-sided and against an excess of small p-values, intervals containing 0) and OUT/nullcheck.md. res gets the summary. */
int sqk_nullcheck_run(const sqk_sensitivity_options *o, sqk_nullcheck_model res[SQK_SENS_MAX_MODELS]);

#endif
