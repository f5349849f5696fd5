/* The local farm: this process alone, one slot, each task done when its result is waited for
 * (so the scheduler's order is the serial order); and the choice between it and MPI. */
#include "farm.h"
#include "sqk/core.h"

#include <stdlib.h>
#include <string.h>

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

int farm_open(farm **out, farm_work_fn work, void *ctx)
{
    *out = NULL;
#ifdef SQK_HAVE_MPI
    int rc = farm_mpi_open(out, work, ctx);
    if (rc || *out) return rc;
#else
    static const char *const sizes[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", NULL};
    if (launch_var(sizes) > 1)
        return sqk_fail(SQK_EARG, "this seqnetquake was built without MPI, so its %d ranks cannot share the work: "
                        "install Open MPI (libopenmpi-dev) and rebuild, or run without mpirun", launch_var(sizes));
#endif
    return farm_local_open(out, work, ctx);
}
