/* MaxPooling1D, pool 2 stride 2 (floor): in (B, T, C) -> out (B, T/2, C). */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "layer.h"

#include <string.h>

void sqk_maxpool1d_forward(float *out, int32_t *argmax, const float *in, int B, int T, int C)
{
    int To = T / 2;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < To; t++)
            for (int c = 0; c < C; c++) {
                float a = in[((size_t)b * T + 2 * t) * C + c];
                float z = in[((size_t)b * T + 2 * t + 1) * C + c];
                size_t o = ((size_t)b * To + t) * C + c;
                /* first on ties, as TensorFlow's max pooling gradient */
                int second = z > a;
                out[o] = second ? z : a;
                argmax[o] = 2 * t + second;
            }
}

void sqk_maxpool1d_backward(float *din, const float *dout, const int32_t *argmax, int B, int T, int C)
{
    int To = T / 2;
    memset(din, 0, (size_t)B * T * C * sizeof *din);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < To; t++)
            for (int c = 0; c < C; c++) {
                size_t o = ((size_t)b * To + t) * C + c;
                din[((size_t)b * T + argmax[o]) * C + c] += dout[o];
            }
}

static int maxpool_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    if (l->in_T < 2)
        return sqk_fail(SQK_EARG, "layer %s: MaxPooling1D needs at least 2 time steps, got %d",
                        l->s.name, l->in_T);
    l->out_T = l->in_T / 2;
    return SQK_OK;
}

static void maxpool_carve(sqk_layer *l, sqk_carver *c, int B)
{
    sqk_layer_carve_io(l, c, B);
    l->ibuf = sqk_carve_i32(c, sqk_layer_out_floats(l, B)); /* the winners */
}

static int maxpool_forward(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng)
{
    sqk_maxpool1d_forward(l->out, l->ibuf, in, B * l->in_m, l->in_T, l->in_C);
    return SQK_OK;
}

static void maxpool_backward(sqk_net *net, sqk_layer *l, const float *in, float *din, int B)
{
    sqk_maxpool1d_backward(din, l->dout, l->ibuf, B * l->in_m, l->in_T, l->in_C);
}

const sqk_layer_ops sqk_layer_maxpool1d = {
    .kind = SQK_LAYER_MAXPOOL1D, .name = "MaxPooling1D", .plan = maxpool_plan,
    .carve = maxpool_carve, .forward = maxpool_forward, .backward = maxpool_backward,
};
