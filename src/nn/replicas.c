/* Data parallelism: a batch is split over replicas of the network that share its parameter
 * arena and have their own gradient and activation arenas. Gradients are scaled by each part's
 * share and summed in a fixed order, so a run is reproducible for a given thread count
 * (bit-for-bit equal to one thread when a batch is not split). An error inside a worker thread
 * (its message is per thread) is carried back to the caller's thread. */
#include "layer.h"
#include "sqk/core.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes sure there are n replicas (the net itself counts as the first). */
static int ensure_replicas(sqk_net *net, int n, int batch)
{
    if (n > SQK_NN_MAX_THREADS) n = SQK_NN_MAX_THREADS;
    if (net->n_rep == 0) net->n_rep = 1;
    while (net->n_rep < n) {
        sqk_layer_spec *specs = sqk_malloc((size_t)net->n_layers * sizeof *specs);
        if (!specs) return SQK_EMEM;
        for (int i = 0; i < net->n_layers; i++) specs[i] = net->L[i].s;
        sqk_net *r;
        int rc = sqk_net_create(&r, specs, net->n_layers, net->T, net->F, batch);
        free(specs);
        if (rc) return rc;
        free(r->params);
        r->params = net->params;
        r->is_replica = 1;
        net->rep[net->n_rep++] = r;
    }
    for (int k = 1; k < n; k++) {
        int rc = sqk_net_reserve(net->rep[k], batch);
        if (rc) return rc;
    }
    return SQK_OK;
}

/* How many threads a batch of B is worth splitting over. */
static int split_threads(const sqk_net *net, int B)
{
    int nt = sqk_nn_threads();
    if (nt > SQK_NN_MAX_THREADS) nt = SQK_NN_MAX_THREADS;
    if (net->has_batchnorm) return 1; /* batch statistics need the whole batch */
    /* a batch of less than ~200 MFLOP (about 6 flops per weight and window) finishes in a few
     * milliseconds, where the threads' hand-over costs more than it saves, above all on a
     * shared machine */
    if ((double)net->n_params * B * 6 < 2e8) return 1;
    while (nt > 1 && B / nt < 8) nt--;
    return nt < 1 ? 1 : nt;
}

/* A worker's failure: the first one (by thread number) is raised in the caller's thread. */
typedef struct {
    int rc;
    char msg[512];
} worker_error;

static void worker_failed(worker_error *e, int rc)
{
    e->rc = rc;
    snprintf(e->msg, sizeof e->msg, "%s", sqk_last_error());
}

static int raise_first(const worker_error *e, int n)
{
    for (int k = 0; k < n; k++)
        if (e[k].rc) return sqk_fail(e[k].rc, "%s", e[k].msg);
    return SQK_OK;
}

int sqk_net_train_batch(sqk_net *net, const float *X, const int32_t *y, int B, sqk_rng *rng,
                        float *probs, double *loss_out)
{
    int nt = split_threads(net, B), C = sqk_net_num_outputs(net);
    size_t row = (size_t)net->T * net->F;
    *loss_out = NAN;
    /* without memory for the replicas the batch runs whole: the same result, more slowly */
    if (nt == 1 || ensure_replicas(net, nt, (B + nt - 1) / nt)) {
        const float *p;
        int rc = sqk_net_forward(net, X, B, 1, rng, &p);
        if (rc) return rc;
        if (probs) memcpy(probs, p, (size_t)B * C * sizeof *probs);
        sqk_net_zero_grads(net);
        *loss_out = sqk_net_backward(net, y, B);
        return SQK_OK;
    }
    double loss[SQK_NN_MAX_THREADS];
    worker_error err[SQK_NN_MAX_THREADS] = {{0}};
    sqk_rng rngs[SQK_NN_MAX_THREADS];
    uint64_t key = sqk_rng_u64(rng); /* one draw per batch keeps the stream independent of nt */
    for (int k = 0; k < nt; k++) rngs[k] = sqk_rng_fork(rng, key + (uint64_t)k);
    int base = B / nt, extra = B % nt;
#pragma omp parallel num_threads(nt)
    {
        int k = omp_get_thread_num();
        int start = k * base + (k < extra ? k : extra), nb = base + (k < extra);
        sqk_net *r = k == 0 ? net : net->rep[k];
        const float *p;
        int rc = sqk_net_forward(r, X + (size_t)start * row, nb, 1, &rngs[k], &p);
        if (rc) {
            worker_failed(&err[k], rc);
            sqk_net_zero_grads(r);
            loss[k] = 0;
        } else {
            if (probs) memcpy(probs + (size_t)start * C, p, (size_t)nb * C * sizeof *probs);
            sqk_net_zero_grads(r);
            /* each part's mean gradient, weighted by its share of the batch */
            loss[k] = sqk_net_backward(r, y + start, nb) * nb / B;
            float w = (float)nb / (float)B;
            float *g = r->grads;
#pragma omp simd
            for (size_t i = 0; i < r->n_params; i++) g[i] *= w;
        }
#pragma omp barrier
        /* sum the parts in a fixed order, each thread a slice of the arena */
        size_t n = net->n_params, lo = n * k / nt, hi = n * (k + 1) / nt;
        for (int j = 1; j < nt; j++) {
            const float *gj = net->rep[j]->grads;
            for (size_t i = lo; i < hi; i++) net->grads[i] += gj[i];
        }
    }
    int rc = raise_first(err, nt);
    if (rc) return rc;
    double total = 0;
    for (int k = 0; k < nt; k++) total += loss[k];
    *loss_out = total;
    return SQK_OK;
}

int sqk_net_predict(sqk_net *net, const float *X, size_t N, float *probs)
{
    const int chunk = 256;
    int C = sqk_net_num_outputs(net);
    size_t row = (size_t)net->T * net->F;
    int nt = sqk_nn_threads();
    if (nt > SQK_NN_MAX_THREADS) nt = SQK_NN_MAX_THREADS;
    size_t nchunks = (N + chunk - 1) / chunk;
    if ((size_t)nt > nchunks) nt = nchunks ? (int)nchunks : 1;
    int rc = sqk_net_reserve(net, chunk);
    if (!rc && nt > 1) rc = ensure_replicas(net, nt, chunk);
    if (rc) return rc;
    worker_error err[SQK_NN_MAX_THREADS] = {{0}};
#pragma omp parallel for num_threads(nt) schedule(static)
    for (size_t ci = 0; ci < nchunks; ci++) {
        int k = omp_get_thread_num();
        if (err[k].rc) continue;
        sqk_net *r = k == 0 ? net : net->rep[k];
        size_t s = ci * chunk;
        int B = (int)(N - s < (size_t)chunk ? N - s : (size_t)chunk);
        const float *p;
        int frc = sqk_net_forward(r, X + s * row, B, 0, NULL, &p);
        if (frc) worker_failed(&err[k], frc);
        else memcpy(probs + s * C, p, (size_t)B * C * sizeof *probs);
    }
    return raise_first(err, nt);
}
