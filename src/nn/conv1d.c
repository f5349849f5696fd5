/* Conv1D, valid padding, stride 1, with its activation: in (B, T, C) -> out (B, T-K+1, F);
 * kernel (K, C, F) and bias (F), as Keras. */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "layer.h"

#include <string.h>

enum { KERNEL, BIAS };   /* tensors */
enum { PREACT };         /* buffers: the pre-activation (the output itself when linear) */

/* Direct loops: the kernels here are tiny (k <= 3, a few channels), where im2col + GEMM costs
 * more than it saves. */
void sqk_conv1d_forward(float *out, const float *in, const float *kernel, const float *bias,
                        int B, int T, int C, int K, int F)
{
    int To = T - K + 1;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < To; t++) {
            float *o = out + ((size_t)b * To + t) * F;
            const float *x = in + ((size_t)b * T + t) * C; /* K*C contiguous inputs */
            for (int f = 0; f < F; f++) o[f] = bias ? bias[f] : 0.0f;
            for (int kc = 0; kc < K * C; kc++) {
                float xv = x[kc];
                const float *w = kernel + (size_t)kc * F;
                for (int f = 0; f < F; f++) o[f] += xv * w[f];
            }
        }
}

void sqk_conv1d_backward(float *din, float *dkernel, float *dbias, const float *dout,
                         const float *in, const float *kernel, int B, int T, int C, int K, int F)
{
    int To = T - K + 1;
    if (din) memset(din, 0, (size_t)B * T * C * sizeof *din);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < To; t++) {
            const float *g = dout + ((size_t)b * To + t) * F;
            const float *x = in + ((size_t)b * T + t) * C;
            float *dx = din ? din + ((size_t)b * T + t) * C : NULL;
            if (dbias)
                for (int f = 0; f < F; f++) dbias[f] += g[f];
            for (int kc = 0; kc < K * C; kc++) {
                const float *w = kernel + (size_t)kc * F;
                float *dw = dkernel + (size_t)kc * F;
                float xv = x[kc], acc = 0.0f;
                for (int f = 0; f < F; f++) {
                    dw[f] += xv * g[f];
                    acc += w[f] * g[f];
                }
                if (dx) dx[kc] += acc;
            }
        }
}

static int conv1d_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    const sqk_layer_spec *s = &l->s;
    if (s->kernel < 1 || s->units < 1 || s->kernel > l->in_T)
        return sqk_fail(SQK_EARG, "layer %s: Conv1D kernel %d does not fit a sequence of %d",
                        s->name, s->kernel, l->in_T);
    l->out_T = l->in_T - s->kernel + 1;
    l->out_C = s->units;
    int rc = sqk_layer_add_tensor(net, l, KERNEL, "kernel", 3, s->kernel, l->in_C, s->units, 1);
    if (!rc) rc = sqk_layer_add_tensor(net, l, BIAS, "bias", 1, s->units, 0, 0, 1);
    return rc;
}

static void conv1d_carve(sqk_layer *l, sqk_carver *c, int B)
{
    sqk_layer_carve_io(l, c, B);
    l->buf[PREACT] = l->s.act != SQK_ACT_LINEAR ? sqk_carve(c, sqk_layer_out_floats(l, B)) : l->out;
}

static int conv1d_forward(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng)
{
    sqk_conv1d_forward(l->buf[PREACT], in, sqk_layer_param(net, l, KERNEL), sqk_layer_param(net, l, BIAS),
                       B * l->in_m, l->in_T, l->in_C, l->s.kernel, l->s.units);
    sqk_act_forward(l->s.act, l->out, l->buf[PREACT], sqk_layer_out_floats(l, B));
    return SQK_OK;
}

static void conv1d_backward(sqk_net *net, sqk_layer *l, const float *in, float *din, int B)
{
    sqk_act_backward(l->s.act, l->dout, l->dout, l->out, sqk_layer_out_floats(l, B));
    sqk_conv1d_backward(din, sqk_layer_grad(net, l, KERNEL), sqk_layer_grad(net, l, BIAS), l->dout, in,
                        sqk_layer_param(net, l, KERNEL), B * l->in_m, l->in_T, l->in_C, l->s.kernel,
                        l->s.units);
}

/* Keras's fans for a (k, in, filters) kernel are k*in and k*filters. */
static int conv1d_init(sqk_net *net, const sqk_layer *l, const sqk_param_tensor *t, float *w, sqk_rng *rng)
{
    if (t != &net->tensors[l->tensor[KERNEL]]) return sqk_layer_init_default(t, w, rng);
    sqk_init_glorot_uniform(w, t->size, (double)t->dims[0] * t->dims[1], (double)t->dims[0] * t->dims[2], rng);
    return SQK_OK;
}

const sqk_layer_ops sqk_layer_conv1d = {
    .kind = SQK_LAYER_CONV1D, .name = "Conv1D", .plan = conv1d_plan, .carve = conv1d_carve,
    .forward = conv1d_forward, .backward = conv1d_backward, .init = conv1d_init,
};
