/* The paper's whole experiment as one resumable run (docs/experiment.md): a plan (a small text
 * file, or the built-in "paper") names datasets with their build options, hyperparameter
 * searches, models (trained, transferred), and reports; `seqnetquake experiment` runs the
 * units in order into one output folder, journalling every finished trial and unit, so that
 * after kill -9 the same command continues where it stopped. */
#ifndef SQK_EXPERIMENT_H
#define SQK_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "sqk/core.h"

/* SQK_PLAN_MAX_PRUNED_EPOCHS: the most epochs (max-epochs=) of a search that prunes, whose
 * trials' learning curves are journalled whole. */
enum { SQK_PLAN_MAX_KV = 24, SQK_PLAN_MAX_PRUNED_EPOCHS = 512 };

typedef enum { SQK_UNIT_DATASET, SQK_UNIT_SEARCH, SQK_UNIT_MODEL, SQK_UNIT_REPORT } sqk_unit_type;

typedef struct {
    sqk_unit_type type;
    char name[64];
    int line;                        /* in the plan, for messages */
    int n_kv;
    char key[SQK_PLAN_MAX_KV][32];
    char value[SQK_PLAN_MAX_KV][1024];
    /* resolved references (indices into the plan's units; -1 when absent) */
    int data, params, init;
    int T, F;                        /* datasets: window length and feature count */
} sqk_plan_unit;

typedef struct {
    char source[512];                /* the plan's file name or "paper" (for messages) */
    char *text;                      /* the plan as read (normalised copy kept in the output) */
    uint64_t seed;
    int n_units;
    sqk_plan_unit *units;
} sqk_plan;

/* Parses and checks a plan: the built-in one when name_or_path is "paper", else a file. Every
 * problem (unknown entry or key, missing option, unknown reference, a transfer between
 * datasets of different window lengths or features, a duplicate name) is SQK_EFORMAT with a
 * message "PLAN:LINE: ...". trials_override > 0 replaces every search's trials. */
int sqk_plan_load(sqk_plan *p, const char *name_or_path, int trials_override);
void sqk_plan_free(sqk_plan *p);
/* --design paper|rigorous (docs/confounders.md): sets design= on every dataset that does not
 * name one, and records it in the plan's text (so a folder of the other design is refused).
 * --design both: the plan twice, every dataset, search and model as NAME.paper and
 * NAME.rigorous, each report comparing its models under both designs side by side. */
int sqk_plan_set_design(sqk_plan *p, const char *design);
/* --pruner none|median|asha|floor|collapse (docs/experiment.md, "Pruning"): sets pruner= on every
 * search of a neural kind that does not name one (tree kinds train no epochs), checks those
 * searches again and records it in the plan's text (so a folder searched otherwise is refused). */
int sqk_plan_set_pruner(sqk_plan *p, const char *pruner);
/* --patience N: patience=N likewise, on every search of a neural kind that names none. */
int sqk_plan_set_patience(sqk_plan *p, int patience);
/* The value of key in a unit, or NULL. */
const char *sqk_plan_get(const sqk_plan_unit *u, const char *key);
/* The built-in paper plan's text. */
const char *sqk_plan_paper_text(void);

typedef struct {
    const char *archive;             /* the archive folder (synth's output or real data) */
    const char *out;                 /* output folder */
    const char *self_exe;            /* the seqnetquake executable that runs the units */
    int threads;                     /* per unit (1: bit-for-bit reproducible) */
    int keep_going;                  /* a failed unit does not stop the others (make -k) */
    /* 1: work is given out in the plan's order; 0: longest critical path first (docs/experiment.md) */
    int plan_order;
    /* > 0: no MPI; this process does every task in turn and schedules them as this many ranks
     * would, each task lasting its CPU time, to measure the schedule (threads must be 1) */
    int simulate_ranks;
    int quiet;
    const sqk_progress *progress;    /* may be NULL */
    /* a line per finished unit (with the ETA of the rest); may be NULL */
    void (*on_unit)(void *ctx, const char *line);
    void *ctx;
} sqk_experiment_options;

typedef struct {
    int units_done, units_run, trials_run, trials_replayed;
    int trials_pruned;               /* of trials_run: stopped by their search's pruner */
    int units_failed, units_skipped; /* --keep-going: failed, and not run because they need one */
    double seconds;
    int rank;                        /* this process under mpirun (0: the scheduler; local: 0) */
    int workers;                     /* the slots the work was farmed out to (local: 1) */
    /* simulate_ranks: the simulated wall time on those ranks, and the tasks' CPU time summed */
    double simulated_seconds, task_seconds;
} sqk_experiment_summary;

/* Runs the plan. Started by mpirun (and built with MPI), every rank calls it: rank 0 schedules,
 * journals and works, the other ranks work (datasets, models, reports, search trials) until
 * rank 0 is done; a rank's summary says which it was. */
int sqk_experiment_run(const sqk_plan *p, const sqk_experiment_options *o, sqk_experiment_summary *s);
/* This process's rank when an MPI launcher started it, else 0 (known before the run: only rank
 * 0 should print). */
int sqk_experiment_rank(void);

#endif
