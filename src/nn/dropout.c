/* Inverted dropout (Keras): keeps each value with probability 1-rate, scaled by 1/(1-rate);
 * the identity at inference. */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "layer.h"

#include <string.h>

enum { MASK }; /* buffers: the factor applied to each value (0 or 1/(1-rate)) */

void sqk_dropout_forward(float *out, float *mask, const float *in, size_t n, float rate, sqk_rng *rng)
{
    float keep = 1.0f - rate, scale = 1.0f / keep;
    /* two 32-bit uniforms per 64-bit draw: keep when u < keep * 2^32 */
    uint64_t limit = (uint64_t)((double)keep * 4294967296.0);
    for (size_t i = 0; i < n; i += 2) {
        uint64_t r = sqk_rng_u64(rng);
        mask[i] = (r >> 32) < limit ? scale : 0.0f;
        if (i + 1 < n) mask[i + 1] = (r & 0xffffffffu) < limit ? scale : 0.0f;
    }
    for (size_t i = 0; i < n; i++) out[i] = in[i] * mask[i];
}

void sqk_dropout_backward(float *din, const float *dout, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++) din[i] = dout[i] * mask[i];
}

static int dropout_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    if (!(l->s.rate >= 0 && l->s.rate < 1))
        return sqk_fail(SQK_EARG, "layer %s: dropout rate %g not in [0, 1)", l->s.name, l->s.rate);
    return SQK_OK;
}

static void dropout_carve(sqk_layer *l, sqk_carver *c, int B)
{
    sqk_layer_carve_io(l, c, B);
    l->buf[MASK] = sqk_carve(c, sqk_layer_in_floats(l, B));
}

static int dropout_forward(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng)
{
    size_t n = sqk_layer_in_floats(l, B);
    if (training) sqk_dropout_forward(l->out, l->buf[MASK], in, n, l->s.rate, rng);
    else memcpy(l->out, in, n * sizeof *in);
    return SQK_OK;
}

static void dropout_backward(sqk_net *net, sqk_layer *l, const float *in, float *din, int B)
{
    sqk_dropout_backward(din, l->dout, l->buf[MASK], sqk_layer_in_floats(l, B));
}

const sqk_layer_ops sqk_layer_dropout = {
    .kind = SQK_LAYER_DROPOUT, .name = "Dropout", .plan = dropout_plan, .carve = dropout_carve,
    .forward = dropout_forward, .backward = dropout_backward,
};
