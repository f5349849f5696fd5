/* Softmax over the last axis, the network's last layer, and the categorical cross-entropy of
 * its probabilities (Keras), whose gradient goes straight to the logits. */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "layer.h"

#include <math.h>

void sqk_softmax_forward(float *probs, const float *logits, int N, int C)
{
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * C;
        float *p = probs + (size_t)n * C;
        float mx = z[0];
        for (int c = 1; c < C; c++) mx = z[c] > mx ? z[c] : mx;
        float s = 0.0f;
        for (int c = 0; c < C; c++) {
            p[c] = expf(z[c] - mx);
            s += p[c];
        }
        for (int c = 0; c < C; c++) p[c] /= s;
    }
}

double sqk_softmax_xent(float *dlogits, const float *probs, const int32_t *y, int N, int C)
{
    const double lo = 1e-7, hi = 1.0 - 1e-7;
    double loss = 0;
    for (int n = 0; n < N; n++) {
        const float *p = probs + (size_t)n * C;
        double py = p[y[n]];
        int clipped = py < lo || py > hi;
        loss -= log(py < lo ? lo : py > hi ? hi : py);
        if (!dlogits) continue;
        float *d = dlogits + (size_t)n * C;
        for (int c = 0; c < C; c++)
            d[c] = clipped ? 0.0f : (p[c] - (c == y[n] ? 1.0f : 0.0f)) / (float)N;
    }
    return loss / N;
}

static int softmax_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    if (!is_last) return sqk_fail(SQK_EARG, "layer %s: softmax must be the last layer", l->s.name);
    if (l->in_m != 1 || l->in_T != 1)
        return sqk_fail(SQK_EARG, "layer %s: softmax needs one output vector per window", l->s.name);
    return SQK_OK;
}

static int softmax_forward(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng)
{
    int N = B * l->in_m, C = l->in_C;
    sqk_softmax_forward(l->out, in, N, C);
    if (!training) return SQK_OK; /* inference passes a NaN on to the caller's checks */
    /* a training step on NaN would spoil every weight at the optimizer's update */
    for (size_t i = 0; i < (size_t)N * C; i++)
        if (!isfinite(l->out[i]))
            return sqk_fail(SQK_EVALUE, "non-finite probabilities for window %zu of a batch of %d "
                            "(a NaN or infinite input, or diverged weights)", i / C + 1, N);
    return SQK_OK;
}

/* no backward: sqk_net_backward takes the loss's gradient to the logits through the softmax */
const sqk_layer_ops sqk_layer_softmax = {
    .kind = SQK_LAYER_SOFTMAX, .name = "Softmax", .plan = softmax_plan, .forward = softmax_forward,
};
