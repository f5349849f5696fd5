/* Dense on the last axis, with its activation: (N, In) -> (N, O) = in W + b; W (In, O). */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "layer.h"

#include <cblas.h>
#include <string.h>

enum { KERNEL, BIAS }; /* tensors */
enum { PREACT };       /* buffers: the pre-activation (the output itself when linear) */

void sqk_dense_forward(float *out, const float *in, const float *W, const float *b, int N, int In, int O)
{
    for (int n = 0; n < N; n++) {
        if (b) memcpy(out + (size_t)n * O, b, (size_t)O * sizeof *out);
        else memset(out + (size_t)n * O, 0, (size_t)O * sizeof *out);
    }
    if (N == 1) cblas_sgemv(CblasRowMajor, CblasTrans, In, O, 1.0f, W, O, in, 1, 1.0f, out, 1);
    else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, O, In, 1.0f, in, In, W, O, 1.0f, out, O);
}

void sqk_dense_backward(float *din, float *dW, float *db, const float *dout, const float *in,
                        const float *W, int N, int In, int O)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, In, O, N, 1.0f, in, In, dout, O, 1.0f, dW, O);
    if (db)
        for (int n = 0; n < N; n++)
            for (int o = 0; o < O; o++) db[o] += dout[(size_t)n * O + o];
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, In, O, 1.0f, dout, O, W, O, 0.0f, din, In);
}

static int dense_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    if (l->s.units < 1) return sqk_fail(SQK_EARG, "layer %s: Dense needs units >= 1", l->s.name);
    l->out_C = l->s.units;
    int rc = sqk_layer_add_tensor(net, l, KERNEL, "kernel", 2, l->in_C, l->s.units, 0, 1);
    if (!rc) rc = sqk_layer_add_tensor(net, l, BIAS, "bias", 1, l->s.units, 0, 0, 1);
    return rc;
}

static void dense_carve(sqk_layer *l, sqk_carver *c, int B)
{
    sqk_layer_carve_io(l, c, B);
    l->buf[PREACT] = l->s.act != SQK_ACT_LINEAR ? sqk_carve(c, sqk_layer_out_floats(l, B)) : l->out;
}

static int dense_forward(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng)
{
    sqk_dense_forward(l->buf[PREACT], in, sqk_layer_param(net, l, KERNEL), sqk_layer_param(net, l, BIAS),
                      B * l->in_m * l->in_T, l->in_C, l->s.units);
    sqk_act_forward(l->s.act, l->out, l->buf[PREACT], sqk_layer_out_floats(l, B));
    return SQK_OK;
}

static void dense_backward(sqk_net *net, sqk_layer *l, const float *in, float *din, int B)
{
    sqk_act_backward(l->s.act, l->dout, l->dout, l->out, sqk_layer_out_floats(l, B));
    sqk_dense_backward(din, sqk_layer_grad(net, l, KERNEL), sqk_layer_grad(net, l, BIAS), l->dout, in,
                       sqk_layer_param(net, l, KERNEL), B * l->in_m * l->in_T, l->in_C, l->s.units);
}

const sqk_layer_ops sqk_layer_dense = {
    .kind = SQK_LAYER_DENSE, .name = "Dense", .plan = dense_plan, .carve = dense_carve,
    .forward = dense_forward, .backward = dense_backward,
};
