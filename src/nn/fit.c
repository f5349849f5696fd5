/* The training loop: seeded shuffled mini-batches, one optimizer step per batch, validation
 * after each epoch with early stopping on the weighted F1 (best weights restored). */
#include "sqk/nn.h"
#include "sqk/core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int argmax_row(const float *p, int C)
{
    int best = 0;
    for (int c = 1; c < C; c++)
        if (p[c] > p[best]) best = c;
    return best;
}

double sqk_weighted_f1(const int32_t *y, const int32_t *pred, size_t n, int n_classes)
{
    double f1 = 0;
    if (n == 0) return 0;
    for (int k = 0; k < n_classes; k++) {
        size_t tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < n; i++) {
            tp += y[i] == k && pred[i] == k;
            fp += y[i] != k && pred[i] == k;
            fn += y[i] == k && pred[i] != k;
        }
        size_t support = tp + fn;
        double denom = 2.0 * tp + fp + fn; /* F1 = 2tp / (2tp + fp + fn); 0 when undefined */
        if (support && denom > 0) f1 += (double)support / n * (2.0 * tp / denom);
    }
    return f1;
}

/* Loss, accuracy and weighted F1 of the network on a data set (inference mode). */
static int evaluate(sqk_net *net, const sqk_nn_data *d, double *loss, double *acc, double *f1)
{
    int C = sqk_net_num_outputs(net);
    float *p = sqk_malloc(d->N * C * sizeof *p);
    int32_t *pred = sqk_malloc(d->N * sizeof *pred);
    int rc = p && pred ? sqk_net_predict(net, d->X, d->N, p) : SQK_EMEM;
    if (!rc) {
        size_t correct = 0;
        for (size_t i = 0; i < d->N; i++) {
            pred[i] = argmax_row(p + i * C, C);
            correct += pred[i] == d->y[i];
        }
        *loss = sqk_softmax_xent(NULL, p, d->y, (int)d->N, C);
        *acc = (double)correct / d->N;
        *f1 = sqk_weighted_f1(d->y, pred, d->N, C);
    }
    free(p);
    free(pred);
    return rc;
}

/* Takes a checkpoint's state into the fit: parameters, moments, generators, order, early
 * stopping. */
static int resume_state(sqk_net *net, const sqk_nn_fit_options *o, sqk_nn_fit_state *st)
{
    const sqk_nn_fit_state *r = o->resume;
    if (r->n_params != st->n_params || r->n_train != st->n_train || (st->best && !r->best) ||
        r->epoch < 0 || r->epoch > o->epochs)
        return sqk_fail(SQK_EARG, "resuming a fit: the saved state is of another network or data "
                        "(%zu parameters, %zu training windows, epoch %d; expected %zu, %zu, at most %d)",
                        r->n_params, r->n_train, r->epoch, st->n_params, st->n_train, o->epochs);
    for (size_t i = 0; i < r->n_train; i++)
        if (r->order[i] >= st->n_train) return sqk_fail(SQK_EARG, "resuming a fit: window %zu out of range", r->order[i]);
    memcpy(sqk_net_params(net), r->params, r->n_params * sizeof *r->params);
    memcpy(o->opt->m, r->opt_m, r->n_params * sizeof *r->opt_m);
    memcpy(o->opt->v, r->opt_v, r->n_params * sizeof *r->opt_v);
    o->opt->t = r->opt_t;
    if (st->best) memcpy(st->best, r->best, r->n_params * sizeof *r->best);
    memcpy(st->order, r->order, r->n_train * sizeof *r->order);
    st->epoch = r->epoch;
    st->best_epoch = r->best_epoch;
    st->since_best = r->since_best;
    st->stopped = r->stopped;
    st->best_f1 = r->best_f1;
    st->shuffle = r->shuffle;
    st->drop = r->drop;
    return SQK_OK;
}

int sqk_net_fit(sqk_net *net, const sqk_nn_data *train, const sqk_nn_data *val,
                const sqk_nn_fit_options *o, int *best_epoch)
{
    size_t row = sqk_net_window_floats(net), N = train->N, np = sqk_net_num_params(net);
    int C = sqk_net_num_outputs(net), bs = o->batch_size > 0 ? o->batch_size : 32;
    int has_val = val && val->N > 0;
    if (N == 0) return sqk_fail(SQK_EEMPTY, "training: no training windows");
    for (size_t i = 0; i < N; i++)
        if (train->y[i] < 0 || train->y[i] >= C)
            return sqk_fail(SQK_EVALUE, "training: window %zu has class %d, expected 0..%d", i,
                            (int)train->y[i], C - 1);
    int rc = sqk_net_reserve(net, bs);
    if (rc) return rc;
    sqk_nn_fit_state st = {.best_f1 = -1, .n_train = N, .n_params = np, .params = sqk_net_params(net),
                           .opt_m = o->opt->m, .opt_v = o->opt->v};
    st.order = sqk_malloc(N * sizeof *st.order);
    float *xb = sqk_malloc((size_t)bs * row * sizeof *xb);
    int32_t *yb = sqk_malloc((size_t)bs * sizeof *yb);
    float *pb = sqk_malloc((size_t)bs * C * sizeof *pb);
    st.best = has_val ? sqk_malloc(np * sizeof *st.best) : NULL;
    if (!st.order || !xb || !yb || !pb || (has_val && !st.best)) {
        rc = SQK_EMEM;
        goto done;
    }
    size_t *idx = st.order;
    for (size_t i = 0; i < N; i++) idx[i] = i;
    sqk_rng root;
    sqk_rng_seed(&root, o->seed);
    st.shuffle = sqk_rng_fork(&root, 1);
    st.drop = sqk_rng_fork(&root, 2);
    if (o->resume && (rc = resume_state(net, o, &st))) goto done;
    size_t nbatches = (N + bs - 1) / bs;
    for (int ep = st.epoch + 1; ep <= o->epochs && !st.stopped; ep++) {
        double t0 = now_s(), loss_sum = 0;
        size_t correct = 0;
        sqk_rng_shuffle_size(&st.shuffle, idx, N);
        for (size_t bi = 0; bi < nbatches; bi++) {
            size_t s = bi * bs;
            int B = (int)(N - s < (size_t)bs ? N - s : (size_t)bs);
            for (int b = 0; b < B; b++) {
                memcpy(xb + (size_t)b * row, train->X + idx[s + b] * row, row * sizeof *xb);
                yb[b] = train->y[idx[s + b]];
            }
            double loss;
            rc = sqk_net_train_batch(net, xb, yb, B, &st.drop, pb, &loss);
            if (rc) goto done;
            loss_sum += loss * B;
            for (int b = 0; b < B; b++) correct += argmax_row(pb + (size_t)b * C, C) == yb[b];
            sqk_optimizer_step(o->opt, net);
            if (o->progress) {
                char what[64];
                snprintf(what, sizeof what, "epoch %d/%d", ep, o->epochs);
                sqk_progress_report(o->progress, what, (double)bi + 1, (double)nbatches);
            }
        }
        sqk_epoch_stats es = {.epoch = ep, .loss = loss_sum / N, .accuracy = (double)correct / N,
                              .val_loss = NAN, .val_accuracy = NAN, .val_f1 = NAN};
        if (!isfinite(es.loss)) {
            rc = sqk_fail(SQK_EVALUE, "training diverged at epoch %d (loss %g); try a smaller lr", ep, es.loss);
            goto done;
        }
        if (has_val) {
            rc = evaluate(net, val, &es.val_loss, &es.val_accuracy, &es.val_f1);
            if (rc) goto done;
        }
        es.seconds = now_s() - t0;
        if (o->on_epoch) o->on_epoch(o->ctx, &es);
        st.epoch = ep;
        if (!has_val) {
            st.best_epoch = ep;
        } else if (es.val_f1 > st.best_f1) {
            st.best_f1 = es.val_f1;
            st.best_epoch = ep;
            st.since_best = 0;
            memcpy(st.best, sqk_net_params(net), np * sizeof *st.best);
        } else if (o->patience > 0 && ++st.since_best >= o->patience) {
            st.stopped = 1;
        }
        if (has_val && o->should_stop && o->should_stop(o->stop_ctx, &es)) st.stopped = 1;
        st.opt_t = o->opt->t;
        if (o->checkpoint && (rc = o->checkpoint(o->ctx, &st))) goto done;
    }
    if (has_val && st.best_epoch > 0) memcpy(sqk_net_params(net), st.best, np * sizeof *st.best);
    if (best_epoch) *best_epoch = st.best_epoch;
done:
    free(st.order);
    free(xb);
    free(yb);
    free(pb);
    free(st.best);
    return rc;
}
