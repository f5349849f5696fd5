/* Where the experiment's work runs (docs/experiment.md, "On a cluster"): a farm of worker
 * slots fed by one scheduler. The local farm (farm.c) is this process alone: one slot, the
 * work done when its result is waited for, so a run is exactly the serial one. The simulated
 * farm (farm.c, `experiment --simulate-ranks N`) is this process too, with N slots on a
 * simulated clock: each task is done when it is given out, its CPU time taken as its length,
 * and its result comes back when the slot's simulated time reaches its end, so the scheduler
 * sees what N ranks of that speed would show it and the run's simulated wall time is theirs. Under
 * `mpirun -n N` (farm_mpi.c, built in when CMake finds MPI) rank 0 schedules and works in a
 * thread of its own while ranks 1..N-1 work: N slots. Only farm_mpi.c includes mpi.h. */
#ifndef SQK_EXPERIMENT_FARM_H
#define SQK_EXPERIMENT_FARM_H

#include <stddef.h>

/* FARM_MAX_CURVE: the epochs of a trial's learning curve that travel back (a search that
 * prunes needs every one: the plan refuses max-epochs above it). */
enum { FARM_MAX_X = 64, FARM_MSG = 1024, FARM_MAX_CURVE = 512 };

typedef enum { FARM_UNIT = 1, FARM_TRIAL = 2 } farm_task_kind;

/* A unit (a dataset, model or report, built and renamed into place) or one trial of a search
 * (train on the training split, score on the validation split). Plain data: it travels as
 * bytes between ranks of one program. */
typedef struct {
    int kind;                /* farm_task_kind */
    int unit;                /* index in the plan */
    int number;              /* trials: the search's K-th suggestion */
    int n_x;                 /* trials: the point */
    double x[FARM_MAX_X];
    long long history;       /* trials of a search that prunes: the bytes of OUT/journal.txt
                              * written when the task was given out; the trials of the search
                              * journalled in them are the pruner's history (run.c) */
} farm_task;

typedef struct {
    int slot;                /* set by the farm */
    int rc;                  /* SQK_OK or the status of the failure */
    int ok;                  /* trials: the point could be trained */
    double val_f1;           /* trials */
    int epochs;              /* trials: epochs trained (0 for tree kinds) */
    int pruned;              /* trials: 1 when the pruner stopped it */
    int n_curve;             /* trials: the validation F1 after each of the first n_curve epochs */
    double size;             /* datasets: windows x samples x features of the file built (0: unknown) */
    double curve[FARM_MAX_CURVE];
    char msg[FARM_MSG];      /* rc != 0: the error message */
} farm_result;

/* Does one task; called in a worker (another rank, or the local slot). */
typedef void (*farm_work_fn)(void *ctx, const farm_task *t, farm_result *r);

typedef struct farm farm;
struct farm {
    int slots;               /* workers the scheduler can feed */
    int rank, size;          /* this process in the run (0, 1 when local) */
    const char *name;        /* "local" or "MPI" */
    farm_work_fn work;
    void *ctx;
    /* scheduler (rank 0): give a task to a free slot; wait for the next result */
    int (*submit)(farm *f, int slot, const farm_task *t);
    int (*wait)(farm *f, farm_result *r);
    /* workers (rank > 0): do tasks until the scheduler closes the farm */
    int (*serve)(farm *f);
    /* every rank: the scheduler's close tells the workers to stop */
    void (*close)(farm *f);
    /* the simulated farm: the simulated wall time so far, and the tasks' CPU seconds summed */
    double sim_seconds, task_seconds;
};

/* The MPI farm when this process was started by mpirun (and MPI is built in), else the local
 * one. */
int farm_open(farm **f, farm_work_fn work, void *ctx);
int farm_local_open(farm **f, farm_work_fn work, void *ctx);
int farm_sim_open(farm **f, farm_work_fn work, void *ctx, int slots);
/* *f = NULL (and SQK_OK) when this process was not started by an MPI launcher. */
int farm_mpi_open(farm **f, farm_work_fn work, void *ctx);
/* The rank an MPI launcher gave this process, and the number of ranks it started (from its
 * environment), 0 and 1 otherwise. */
int farm_launch_rank(void);
int farm_launch_size(void);

#endif
