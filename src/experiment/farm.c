/* The local farm: this process alone, one slot, each task done when its result is waited for
 * (so the scheduler's order is the serial order); the simulated farm of N slots; and the
 * choice between the local farm and MPI. */
#include "farm.h"
#include "sqk/core.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
    farm f;
    farm_task task;
    int busy;
} local_farm;

static int local_submit(farm *f, int slot, const farm_task *t)
{
    local_farm *L = (local_farm *)f;
    if (slot != 0 || L->busy) return sqk_fail(SQK_EARG, "local farm: slot %d is not free", slot);
    L->task = *t;
    L->busy = 1;
    return SQK_OK;
}

static int local_wait(farm *f, farm_result *r)
{
    local_farm *L = (local_farm *)f;
    if (!L->busy) return sqk_fail(SQK_EARG, "local farm: no task to wait for");
    memset(r, 0, sizeof *r);
    f->work(f->ctx, &L->task, r);
    r->slot = 0;
    L->busy = 0;
    return SQK_OK;
}

static int local_serve(farm *f)
{
    (void)f;
    return SQK_OK; /* no other ranks */
}

static void local_close(farm *f) { free(f); }

int farm_local_open(farm **out, farm_work_fn work, void *ctx)
{
    local_farm *L = sqk_calloc(1, sizeof *L);
    if (!L) return SQK_EMEM;
    L->f = (farm){.slots = 1, .rank = 0, .size = 1, .name = "local", .work = work, .ctx = ctx,
                  .submit = local_submit, .wait = local_wait, .serve = local_serve, .close = local_close};
    *out = &L->f;
    return SQK_OK;
}

/* The simulated farm: N slots on a simulated clock (farm.h). */
typedef struct {
    farm f;
    farm_result *result;     /* (slots) */
    double *end;             /* (slots): simulated time the slot's task ends */
    unsigned char *busy;     /* (slots) */
} sim_farm;

/* CPU seconds (user + system) of this process and of its children waited for: a task's
 * length whatever else the machine runs, the stages it starts as processes included. */
static double cpu_seconds(void)
{
    struct rusage self, children;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    double s = 0;
    const struct rusage *u[] = {&self, &children};
    for (int k = 0; k < 2; k++)
        s += (double)u[k]->ru_utime.tv_sec + 1e-6 * (double)u[k]->ru_utime.tv_usec +
             (double)u[k]->ru_stime.tv_sec + 1e-6 * (double)u[k]->ru_stime.tv_usec;
    return s;
}

static int sim_submit(farm *f, int slot, const farm_task *t)
{
    sim_farm *S = (sim_farm *)f;
    if (slot < 0 || slot >= f->slots || S->busy[slot]) return sqk_fail(SQK_EARG, "simulated farm: slot %d is not free", slot);
    farm_result *r = &S->result[slot];
    memset(r, 0, sizeof *r);
    double t0 = cpu_seconds();
    f->work(f->ctx, t, r);
    double dt = cpu_seconds() - t0;
    r->slot = slot;
    S->end[slot] = f->sim_seconds + dt;
    S->busy[slot] = 1;
    f->task_seconds += dt;
    return SQK_OK;
}

/* The result of the task that ends first (the lowest slot among equals). */
static int sim_wait(farm *f, farm_result *r)
{
    sim_farm *S = (sim_farm *)f;
    int first = -1;
    for (int s = 0; s < f->slots; s++)
        if (S->busy[s] && (first < 0 || S->end[s] < S->end[first])) first = s;
    if (first < 0) return sqk_fail(SQK_EARG, "simulated farm: no task to wait for");
    if (S->end[first] > f->sim_seconds) f->sim_seconds = S->end[first];
    *r = S->result[first];
    S->busy[first] = 0;
    return SQK_OK;
}

static void sim_close(farm *f)
{
    sim_farm *S = (sim_farm *)f;
    free(S->result);
    free(S->end);
    free(S->busy);
    free(S);
}

int farm_sim_open(farm **out, farm_work_fn work, void *ctx, int slots)
{
    *out = NULL;
    if (slots < 1) return sqk_fail(SQK_EARG, "simulated farm: %d ranks (at least 1)", slots);
    sim_farm *S = sqk_calloc(1, sizeof *S);
    if (!S) return SQK_EMEM;
    S->result = sqk_calloc((size_t)slots, sizeof *S->result);
    S->end = sqk_calloc((size_t)slots, sizeof *S->end);
    S->busy = sqk_calloc((size_t)slots, sizeof *S->busy);
    S->f = (farm){.slots = slots, .rank = 0, .size = 1, .name = "simulated", .work = work, .ctx = ctx,
                  .submit = sim_submit, .wait = sim_wait, .serve = local_serve, .close = sim_close};
    if (!S->result || !S->end || !S->busy) {
        sim_close(&S->f);
        return SQK_EMEM;
    }
    *out = &S->f;
    return SQK_OK;
}

/* The variables Open MPI's, PMIx's and MPICH's launchers set in every rank. */
static int launch_var(const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        const char *v = getenv(names[i]);
        if (v && *v) return atoi(v);
    }
    return -1;
}

int farm_launch_rank(void)
{
    static const char *const ranks[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", NULL};
    int r = launch_var(ranks);
    return r > 0 ? r : 0;
}

int farm_launch_size(void)
{
    static const char *const sizes[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", NULL};
    int n = launch_var(sizes);
    return n > 1 ? n : 1;
}

int farm_open(farm **out, farm_work_fn work, void *ctx)
{
    *out = NULL;
#ifdef SQK_HAVE_MPI
    int rc = farm_mpi_open(out, work, ctx);
    if (rc || *out) return rc;
#else
    if (farm_launch_size() > 1)
        return sqk_fail(SQK_EARG, "this seqnetquake was built without MPI, so its %d ranks cannot share the work: "
                        "install Open MPI (libopenmpi-dev) and rebuild, or run without mpirun", farm_launch_size());
#endif
    return farm_local_open(out, work, ctx);
}
