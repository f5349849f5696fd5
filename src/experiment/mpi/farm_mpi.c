/* The MPI farm (farm.h), built in when CMake finds MPI: under `mpirun -n N` rank 0 schedules and
 * works in a thread of its own (slot 0) while ranks 1..N-1 work (slots 1..N-1). Tasks and
 * results travel as bytes (the ranks run one program); only the main thread calls MPI
 * (MPI_THREAD_FUNNELED). Idle ranks poll with short sleeps rather than spin, so that waiting
 * ranks leave the cores to working ones. A rank that dies ends the run (mpirun stops every
 * rank); the journal, written by rank 0 alone, lets the same command continue. */
#include "../farm.h"
#include "sqk/core.h"

#include <mpi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_TASK = 1, TAG_RESULT = 2, TAG_STOP = 3 };

typedef struct {
    farm f;
    int *busy;               /* (slots) */
    /* slot 0: rank 0's own worker thread */
    pthread_t thread;
    atomic_int thread_done;
    farm_task thread_task;
    farm_result thread_result;
} mpi_farm;

static void nap(void)
{
    struct timespec ts = {0, 2000000}; /* 2 ms */
    nanosleep(&ts, NULL);
}

static void *slot0_main(void *arg)
{
    mpi_farm *M = arg;
    memset(&M->thread_result, 0, sizeof M->thread_result);
    M->f.work(M->f.ctx, &M->thread_task, &M->thread_result);
    atomic_store(&M->thread_done, 1);
    return NULL;
}

static int mpi_submit(farm *f, int slot, const farm_task *t)
{
    mpi_farm *M = (mpi_farm *)f;
    if (slot < 0 || slot >= f->slots || M->busy[slot]) return sqk_fail(SQK_EARG, "MPI farm: slot %d is not free", slot);
    if (slot == 0) {
        M->thread_task = *t;
        atomic_store(&M->thread_done, 0);
        int err = pthread_create(&M->thread, NULL, slot0_main, M);
        if (err) return sqk_fail(SQK_EIO, "rank 0: cannot start its worker thread: %s", strerror(err));
    } else if (MPI_Send(t, (int)sizeof *t, MPI_BYTE, slot, TAG_TASK, MPI_COMM_WORLD) != MPI_SUCCESS) {
        return sqk_fail(SQK_EIO, "cannot send a task to rank %d", slot);
    }
    M->busy[slot] = 1;
    return SQK_OK;
}

static int mpi_wait(farm *f, farm_result *r)
{
    mpi_farm *M = (mpi_farm *)f;
    int any = 0;
    for (int s = 0; s < f->slots; s++) any |= M->busy[s];
    if (!any) return sqk_fail(SQK_EARG, "MPI farm: no task to wait for");
    for (;;) {
        if (M->busy[0] && atomic_load(&M->thread_done)) {
            pthread_join(M->thread, NULL);
            M->busy[0] = 0;
            *r = M->thread_result;
            r->slot = 0;
            return SQK_OK;
        }
        int flag = 0;
        MPI_Status st;
        if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS)
            return sqk_fail(SQK_EIO, "MPI: cannot probe for results");
        if (flag) {
            if (MPI_Recv(r, (int)sizeof *r, MPI_BYTE, st.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
                return sqk_fail(SQK_EIO, "MPI: cannot receive a result from rank %d", st.MPI_SOURCE);
            r->slot = st.MPI_SOURCE;
            r->msg[FARM_MSG - 1] = 0;
            M->busy[r->slot] = 0;
            return SQK_OK;
        }
        nap();
    }
}

static int mpi_serve(farm *f)
{
    for (;;) {
        farm_task t;
        MPI_Request req;
        MPI_Status st;
        int flag = 0;
        if (MPI_Irecv(&t, (int)sizeof t, MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
            return sqk_fail(SQK_EIO, "rank %d: cannot receive tasks", f->rank);
        while (MPI_Test(&req, &flag, &st) == MPI_SUCCESS && !flag) nap();
        if (!flag) return sqk_fail(SQK_EIO, "rank %d: lost the scheduler", f->rank);
        if (st.MPI_TAG == TAG_STOP) return SQK_OK;
        farm_result r;
        memset(&r, 0, sizeof r);
        f->work(f->ctx, &t, &r);
        if (MPI_Send(&r, (int)sizeof r, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD) != MPI_SUCCESS)
            return sqk_fail(SQK_EIO, "rank %d: cannot send a result", f->rank);
    }
}

static void mpi_close(farm *f)
{
    mpi_farm *M = (mpi_farm *)f;
    if (f->rank == 0) {
        if (M->busy[0]) pthread_join(M->thread, NULL);
        farm_task stop;
        memset(&stop, 0, sizeof stop);
        for (int s = 1; s < f->size; s++) MPI_Send(&stop, (int)sizeof stop, MPI_BYTE, s, TAG_STOP, MPI_COMM_WORLD);
    }
    MPI_Finalize();
    free(M->busy);
    free(M);
}

int farm_mpi_open(farm **out, farm_work_fn work, void *ctx)
{
    *out = NULL;
    const char *size_var = getenv("OMPI_COMM_WORLD_SIZE");
    if (!size_var) size_var = getenv("PMI_SIZE");
    if (!size_var || atoi(size_var) <= 1) return SQK_OK; /* not launched, or one rank: the local farm */
    int initialized = 0, provided = 0;
    MPI_Initialized(&initialized);
    if (initialized) return sqk_fail(SQK_EARG, "MPI is already initialised in this process");
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return sqk_fail(SQK_EIO, "MPI_Init failed");
    mpi_farm *M = sqk_calloc(1, sizeof *M);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (!M || !(M->busy = sqk_calloc((size_t)size, sizeof *M->busy))) {
        free(M);
        MPI_Abort(MPI_COMM_WORLD, 1);
        return SQK_EMEM;
    }
    M->f = (farm){.slots = size, .rank = rank, .size = size, .name = "MPI", .work = work, .ctx = ctx,
                  .submit = mpi_submit, .wait = mpi_wait, .serve = mpi_serve, .close = mpi_close};
    *out = &M->f;
    return SQK_OK;
}
