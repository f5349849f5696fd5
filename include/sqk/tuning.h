/* Hyperparameter search (method.md section 7, "Search"): a Tree-structured Parzen Estimator
 * (optuna's multivariate design by default, hyperopt's tpe.suggest on request; docs/tuning.md),
 * the search spaces of the paper per model kind, and `seqnetquake tune`: each trial fits on the training split and is scored by
 * the weighted F1 on the validation split. The test split is never read. */
#ifndef SQK_TUNING_H
#define SQK_TUNING_H

#include <stddef.h>
#include <stdint.h>

#include "sqk/core.h"
#include "sqk/model.h"

/* ---- TPE ------------------------------------------------------------------------------- */
typedef enum {
    SQK_TPE_UNIFORM = 0, /* uniform(lo, hi) */
    SQK_TPE_QUNIFORM,    /* round(uniform(lo, hi) / q) * q, kept on the grid inside [lo, hi] */
    SQK_TPE_LOGUNIFORM,  /* exp(uniform(lo, hi)): lo, hi are bounds of log(value), as hyperopt */
    SQK_TPE_CHOICE       /* index 0 .. n_choices-1, uniform prior */
} sqk_tpe_dist;

typedef struct {
    const char *name;
    sqk_tpe_dist dist;
    double lo, hi, q;
    int n_choices;
    /* Conditional parameter: active only when parameter `parent` (a CHOICE listed before it)
     * took index `parent_choice`; parent = -1 for always active. */
    int parent, parent_choice;
} sqk_tpe_param;

/* Two algorithms (docs/tuning.md):
 * - MULTIVARIATE (the default): the good group is the best min(ceil(gamma n), n_good_max)
 *   trials (gamma 0.1, as optuna); one multivariate Parzen estimator per group of parameters
 *   that are active together (optuna's multivariate TPE with group decomposition), every
 *   kernel of width 0.2 n^(-1/(d+4)) of the range (Scott's rule), 10 startup trials.
 * - HYPEROPT: hyperopt's tpe.suggest, exactly as the paper ran it: good group
 *   ceil(gamma sqrt(n)) (gamma 0.25), parameters independent, adaptive kernel widths, 20
 *   startup trials. */
typedef enum { SQK_TPE_MULTIVARIATE = 0, SQK_TPE_HYPEROPT = 1 } sqk_tpe_algorithm;

typedef struct {
    sqk_tpe_algorithm algorithm;
    double gamma;          /* share of good trials (see above) */
    int n_startup;         /* random trials before the model is used */
    int n_ei_candidates;   /* candidates drawn from the good density (24) */
    double prior_weight;   /* weight of the prior component in every density (1.0) */
    int lf;                /* at most lf good trials; older observations beyond the lf newest
                              get linearly smaller weights (25) */
    int width_weighted_scoring; /* MULTIVARIATE: when scoring candidates, weigh each kernel also
                                   by the product of its continuous widths, as optuna 3 does
                                   (1, the default; 0: the plain mixture densities) */
} sqk_tpe_config;

/* The default (MULTIVARIATE) and hyperopt's settings; sqk_tpe_algorithm_parse accepts "tpe"
 * (multivariate) and "hyperopt". */
void sqk_tpe_config_default(sqk_tpe_config *c);
void sqk_tpe_config_hyperopt(sqk_tpe_config *c);
int sqk_tpe_config_for(sqk_tpe_config *c, const char *algorithm);

typedef struct sqk_tpe sqk_tpe;

/* params are copied. A bad space (lo >= hi, q <= 0, no choices, a parent that is not an earlier
 * CHOICE) is SQK_EARG naming the parameter. cfg may be NULL (defaults). */
int sqk_tpe_create(sqk_tpe **out, const sqk_tpe_param *params, int n, const sqk_tpe_config *cfg,
                   uint64_t seed);
void sqk_tpe_free(sqk_tpe *t);
/* The next point x[n] (CHOICE as the index; NAN for an inactive conditional parameter):
 * drawn from the prior during the first n_startup observations, then by TPE. */
int sqk_tpe_suggest(sqk_tpe *t, double *x);
/* As sqk_tpe_suggest with n_pending points (n_pending, n) still being evaluated (asynchronous
 * search): they count as the worst trials so far ("constant liar"), which steers the
 * suggestion away from them; they do not count towards n_startup or the good group's size. */
int sqk_tpe_suggest_pending(sqk_tpe *t, double *x, const double *pending, size_t n_pending);
/* Records a point and its loss (lower is better; a non-finite loss counts as the worst). */
int sqk_tpe_observe(sqk_tpe *t, const double *x, double loss);
/* Records a trial stopped early (pruned) after `steps` steps (epochs) with its loss there: it
 * ranks below every finished trial, and among pruned trials the later-stopped ones first. */
int sqk_tpe_observe_pruned(sqk_tpe *t, const double *x, double loss, int steps);
/* The acquisition score log l(x) - log g(x) that the next multivariate suggestion maximises
 * over its candidates, at m points (m, n; values as suggested: CHOICE as the index), from the
 * observations so far split as sqk_tpe_suggest splits them. Up to one constant per call (the
 * densities are optuna 3's, whose continuous kernels leave out their 1/sigma): differences
 * and the order of the points are what it says. Multivariate TPE on a space without
 * conditional parameters only (SQK_EARG otherwise); for tests and diagnostics. */
int sqk_tpe_score(sqk_tpe *t, const double *points, size_t m, double *score);
size_t sqk_tpe_count(const sqk_tpe *t);

/* ---- pruning (docs/tuning.md) ----------------------------------------------------------- */
/* A trial reports its validation F1 (higher is better) after every epoch; the pruner says
 * whether to stop it there.
 * - MEDIAN, optuna's MedianPruner: once n_startup_trials trials have finished and after
 *   n_warmup_epochs epochs, a trial whose best F1 so far is below the median F1 of the
 *   finished trials at the same epoch (those that reached it) is stopped.
 * - ASHA, asynchronous successive halving (optuna's SuccessiveHalvingPruner): rung k at
 *   min_resource * reduction_factor^k epochs; at a rung the trial's F1 of that epoch is recorded
 *   and the trial goes on only if it is within the top 1/reduction_factor of the F1 recorded
 *   there by every trial so far (itself included; never fewer than one goes on).
 * - FLOOR, worse than no skill (optuna's ThresholdPruner on the best F1 so far): once
 *   n_startup_trials trials have finished, a trial whose best F1 after floor_epochs epochs is
 *   below `floor`, the validation F1 of the best constant prediction (sqk_no_skill_f1; the
 *   search sets it from its validation labels, sqk_pruner_set_floor), is stopped.
 * - COLLAPSE, one class throughout: as FLOOR, but only a trial each of whose F1 so far is
 *   exactly one of constant_f1 (it predicted one class for every window at every epoch), as
 *   over 40% of a SeqNetQuake search's trials on DataSet 07 do from their first epoch to
 *   their early stop. A trial whose predictions vary goes on (docs/tuning.md). */
typedef enum { SQK_PRUNER_NONE = 0, SQK_PRUNER_MEDIAN, SQK_PRUNER_ASHA, SQK_PRUNER_FLOOR, SQK_PRUNER_COLLAPSE } sqk_pruner_kind;

typedef struct {
    sqk_pruner_kind kind;
    int n_startup_trials;  /* MEDIAN, FLOOR: finished trials before any pruning (5) */
    int n_warmup_epochs;   /* MEDIAN: epochs 1..n_warmup_epochs are never pruned (0) */
    int min_resource;      /* ASHA: epochs of the first rung (1) */
    int reduction_factor;  /* ASHA: eta, >= 2 (3) */
    int floor_epochs;      /* FLOOR, COLLAPSE: the first epoch judged (3; COLLAPSE 1) */
    double floor;          /* FLOOR, COLLAPSE: the F1 of no skill (NaN until the search sets it) */
    double constant_f1[3]; /* COLLAPSE: the F1 of predicting class k for every validation window */
} sqk_pruner_config;

typedef struct sqk_pruner sqk_pruner;

void sqk_pruner_config_default(sqk_pruner_config *c, sqk_pruner_kind kind);
/* "none", "median", "asha", "floor" */
int sqk_pruner_parse(sqk_pruner_kind *kind, const char *name);
int sqk_pruner_create(sqk_pruner **out, const sqk_pruner_config *c);
void sqk_pruner_free(sqk_pruner *p);
/* Starts the next trial; *trial gets its number (0, 1, ...). */
int sqk_pruner_begin(sqk_pruner *p, int *trial);
/* The trial's F1 after epoch `epoch` (1, 2, ... in order); *prune = 1: stop it now. */
int sqk_pruner_report(sqk_pruner *p, int trial, int epoch, double f1, int *prune);
/* The trial is over: finished = 1 when it ran to its end (its curve then counts for MEDIAN),
 * 0 when it was pruned or failed. */
int sqk_pruner_finish(sqk_pruner *p, int trial, int finished);
/* The best finite F1 of a learning curve f1[0..n-1] (NaN when none is finite): the "best so
 * far" the median and floor rules judge, and what a floor-stopped trial is told to the TPE by. */
double sqk_curve_best(const double *f1, int n);
/* A trial told to the TPE: one that ran to its end (or failed) by its F1 (val_f1); one the
 * median or ASHA rule stopped as optuna's TPE sees a pruned trial (sqk_tpe_observe_pruned: below
 * every finished trial, the later stopped first); one the floor rule stopped by its best F1
 * so far (best_f1), as if it had finished: it was judged against no skill, not against the
 * other trials, and its outcome, no skill by then, is known. Told below every finished trial,
 * the floor's stopped trials would leave the TPE's good group to the first finished trials
 * whatever they scored (a search whose five start-up trials all predicted "control" kept
 * proposing such points). */
int sqk_tpe_observe_trial(sqk_tpe *t, const double *x, sqk_pruner_kind pruner, int pruned, double val_f1, int epochs,
                          double best_f1);
/* The weighted F1 (the paper's) of the best constant prediction of the labels y (classes 0..2)
 * of the windows whose split is `which` (split NULL: all n): what a model that has learnt
 * nothing scores there; the FLOOR pruner's floor, on the validation split. NaN: no memory. */
double sqk_no_skill_f1(const int32_t *y, const uint8_t *split, size_t n, int which);
/* The weighted F1 of each constant prediction: f1[k] when every window is called class k. */
int sqk_constant_f1(const int32_t *y, const uint8_t *split, size_t n, int which, double f1[3]);
/* A pruner's constants (sqk_constant_f1 of the search's validation split) and its floor, the
 * best of them: what FLOOR and COLLAPSE judge by (the other kinds ignore them). */
void sqk_pruner_set_floor(sqk_pruner_config *c, const double constant_f1[3]);

/* ---- search spaces of the model kinds ----------------------------------------------------- */
typedef struct {
    sqk_tpe_param p;
    const char *key;       /* the model hyperparameter it sets */
    const char *values;    /* CHOICE: the key's values, comma-separated, one per index */
} sqk_tune_param;

typedef struct {
    const char *kind;
    const sqk_tune_param *params;
    int n;
} sqk_tune_space;

const sqk_tune_space *sqk_tune_space_find(const char *kind);
/* Sets hp (already the kind's defaults) from a point x of the space; inactive entries are left. */
int sqk_tune_space_apply(const sqk_tune_space *s, const double *x, sqk_hparams *hp);
/* One trial's hyperparameters, as tune and the experiment's searches run it: the kind's
 * defaults, the model seed, the point x, then the search's settings: "epochs" capped at
 * max_epochs and the early-stopping "patience" set to `patience` (each when > 0; a patience
 * for a kind without early stopping is refused). */
int sqk_tune_trial_hparams(const sqk_model_kind *kind, const sqk_tune_space *s, const double *x, uint64_t seed,
                           int max_epochs, int patience, sqk_hparams *hp);

/* ---- the search on a dataset -------------------------------------------------------------- */
typedef struct {
    int trial, n_trials;
    double val_f1, best_val_f1, seconds;
    int best_trial;
    int epochs, pruned;    /* epochs trained (0 for tree kinds); 1 when the pruner stopped it */
} sqk_tune_trial;

typedef struct {
    const char *data_path;
    const char *kind;
    int n_trials;          /* 100 */
    int n_startup;         /* > 0: random trials first; 0: the algorithm's default (10 or 20) */
    const char *algorithm; /* "tpe" (NULL: the default, multivariate) or "hyperopt" (the paper's) */
    uint64_t seed;         /* TPE and every model's "seed" */
    int max_epochs;        /* > 0: caps "epochs" */
    int patience;          /* > 0: every trial's early-stopping patience (else the kind's, 10) */
    int threads;
    const char *out_path;  /* BEST.txt: a comment naming the best trial and its val_f1, then its
                              hyperparameters as key=value lines; never replaced by a worse
                              result (one whose comment records a better val_f1 is kept) */
    const char *log_path;  /* trials.csv (may be NULL), rewritten durably after every trial. An
                              existing log is continued: its trials are replayed (they must be
                              the ones this search suggests) and only the rest are run, so an
                              interrupted search ends as an uninterrupted one; a log with more
                              than n_trials trials is kept whole */
    const char *curves_path; /* curves.csv: trial,epoch,val_f1 of every epoch (may be NULL) */
    const sqk_pruner_config *pruner; /* NULL: no pruning */
    const sqk_progress *progress;
    void (*on_trial)(void *ctx, const sqk_tune_trial *t); /* may be NULL */
    void *ctx;
} sqk_tune_options;

typedef struct {
    int best_trial, n_trials;
    int n_resumed;         /* trials read back from the log */
    int kept_better;       /* BEST.txt kept an earlier, better result (best_val_f1 is this search's) */
    double best_val_f1, seconds;
    long epochs;           /* epochs trained over all trials (the search's compute) */
    int n_pruned;
} sqk_tune_summary;

/* The search: each trial reports its validation F1 per epoch to the pruner (when given); a
 * pruned trial is logged with its last epoch and its F1 there, and the TPE ranks it below the
 * finished trials (sqk_tpe_observe_pruned). Only finished trials can be the best. */

int sqk_tune_run(const sqk_tune_options *o, sqk_tune_summary *s);

#endif
