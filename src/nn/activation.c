/* Activations: the element-wise kernels (linear, relu, tanh, sigmoid) that Conv1D and Dense
 * apply to their outputs, and the Activation layer. */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "layer.h"
#include "fastmath.h"

#include <string.h>

static const char *const act_names[] = {"linear", "relu", "tanh", "sigmoid"};

int sqk_activation_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, act_names[i])) return i;
    return -1;
}

const char *sqk_activation_name(sqk_activation a)
{
    return (unsigned)a < 4 ? act_names[a] : "?";
}

/* Element-wise kernels with restrict pointers so they vectorise; in-place use goes through the
 * *_inplace variants. Every clone computes the same IEEE values. */
SQK_CLONES static void act_fwd(sqk_activation a, float *restrict out, const float *restrict in, size_t n)
{
    if (a == SQK_ACT_RELU) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
    } else if (a == SQK_ACT_TANH) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) out[i] = sqk_tanh(in[i]);
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++) out[i] = sqk_sigmoid(in[i]);
    }
}

SQK_CLONES static void act_fwd_inplace(sqk_activation a, float *restrict x, size_t n)
{
    if (a == SQK_ACT_RELU) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
    } else if (a == SQK_ACT_TANH) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) x[i] = sqk_tanh(x[i]);
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++) x[i] = sqk_sigmoid(x[i]);
    }
}

SQK_CLONES static void act_bwd(sqk_activation a, float *restrict din, const float *restrict dout,
                               const float *restrict y, size_t n)
{
    if (a == SQK_ACT_RELU) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) din[i] = y[i] > 0.0f ? dout[i] : 0.0f;
    } else if (a == SQK_ACT_TANH) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) din[i] = dout[i] * (1.0f - y[i] * y[i]);
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++) din[i] = dout[i] * y[i] * (1.0f - y[i]);
    }
}

SQK_CLONES static void act_bwd_inplace(sqk_activation a, float *restrict d, const float *restrict y, size_t n)
{
    if (a == SQK_ACT_RELU) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) d[i] = y[i] > 0.0f ? d[i] : 0.0f;
    } else if (a == SQK_ACT_TANH) {
#pragma omp simd
        for (size_t i = 0; i < n; i++) d[i] = d[i] * (1.0f - y[i] * y[i]);
    } else {
#pragma omp simd
        for (size_t i = 0; i < n; i++) d[i] = d[i] * y[i] * (1.0f - y[i]);
    }
}

void sqk_act_forward(sqk_activation a, float *out, const float *in, size_t n)
{
    if (a == SQK_ACT_LINEAR || (unsigned)a > SQK_ACT_SIGMOID) {
        if (out != in) memmove(out, in, n * sizeof *out);
    } else if (out == in) {
        act_fwd_inplace(a, out, n);
    } else {
        act_fwd(a, out, in, n);
    }
}

void sqk_act_backward(sqk_activation a, float *din, const float *dout, const float *out, size_t n)
{
    if (a == SQK_ACT_LINEAR || (unsigned)a > SQK_ACT_SIGMOID) {
        if (din != dout) memmove(din, dout, n * sizeof *din);
    } else if (din == dout) {
        act_bwd_inplace(a, din, out, n);
    } else {
        act_bwd(a, din, dout, out, n);
    }
}

static int activation_forward(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng)
{
    sqk_act_forward(l->s.act, l->out, in, sqk_layer_in_floats(l, B));
    return SQK_OK;
}

static void activation_backward(sqk_net *net, sqk_layer *l, const float *in, float *din, int B)
{
    sqk_act_backward(l->s.act, din, l->dout, l->out, sqk_layer_in_floats(l, B));
}

const sqk_layer_ops sqk_layer_activation = {
    .kind = SQK_LAYER_ACTIVATION, .name = "Activation",
    .forward = activation_forward, .backward = activation_backward,
};
