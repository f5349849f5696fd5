/* BatchNormalization over the last axis (Keras 2.3: momentum 0.99, epsilon 1e-3). The moving
 * statistics are non-trainable tensors of the parameter arena. */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "layer.h"

#include <math.h>

enum { GAMMA, BETA, MOVING_MEAN, MOVING_VARIANCE }; /* tensors */
enum { XHAT, INV_STD };                             /* buffers */

void sqk_batchnorm_forward(float *out, float *xhat, float *inv_std, const float *in,
                           const float *gamma, const float *beta, float *moving_mean,
                           float *moving_var, int N, int C, int training, float momentum, float eps)
{
    if (!training) {
        for (int c = 0; c < C; c++) inv_std[c] = 1.0f / sqrtf(moving_var[c] + eps);
        for (int n = 0; n < N; n++)
            for (int c = 0; c < C; c++) {
                size_t i = (size_t)n * C + c;
                xhat[i] = (in[i] - moving_mean[c]) * inv_std[c];
                out[i] = gamma[c] * xhat[i] + beta[c];
            }
        return;
    }
    for (int c = 0; c < C; c++) {
        double s = 0, ss = 0;
        for (int n = 0; n < N; n++) s += in[(size_t)n * C + c];
        double mean = s / N;
        for (int n = 0; n < N; n++) {
            double d = in[(size_t)n * C + c] - mean;
            ss += d * d;
        }
        double var = ss / N; /* biased, as the batch statistics Keras normalises with */
        inv_std[c] = (float)(1.0 / sqrt(var + eps));
        for (int n = 0; n < N; n++) {
            size_t i = (size_t)n * C + c;
            xhat[i] = (float)((in[i] - mean) * inv_std[c]);
            out[i] = gamma[c] * xhat[i] + beta[c];
        }
        /* Keras 2.3.0 (keras/layers/normalization.py, BatchNormalization.call) feeds the moving
         * average the sample variance, var * n / (n - (1 + epsilon)), not the biased one */
        double sample_var = N > 1 ? var * N / (N - (1.0 + eps)) : var;
        moving_mean[c] = (float)(moving_mean[c] * momentum + mean * (1.0 - momentum));
        moving_var[c] = (float)(moving_var[c] * momentum + sample_var * (1.0 - momentum));
    }
}

void sqk_batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                            const float *xhat, const float *inv_std, const float *gamma, int N, int C)
{
    for (int c = 0; c < C; c++) {
        double sg = 0, sgx = 0;
        for (int n = 0; n < N; n++) {
            size_t i = (size_t)n * C + c;
            sg += dout[i];
            sgx += dout[i] * xhat[i];
        }
        dbeta[c] += (float)sg;
        dgamma[c] += (float)sgx;
        if (!din) continue;
        double k = gamma[c] * inv_std[c] / N;
        for (int n = 0; n < N; n++) {
            size_t i = (size_t)n * C + c;
            din[i] = (float)(k * (N * dout[i] - sg - xhat[i] * sgx));
        }
    }
}

static int batchnorm_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    int rc = sqk_layer_add_tensor(net, l, GAMMA, "gamma", 1, l->in_C, 0, 0, 1);
    if (!rc) rc = sqk_layer_add_tensor(net, l, BETA, "beta", 1, l->in_C, 0, 0, 1);
    if (!rc) rc = sqk_layer_add_tensor(net, l, MOVING_MEAN, "moving_mean", 1, l->in_C, 0, 0, 0);
    if (!rc) rc = sqk_layer_add_tensor(net, l, MOVING_VARIANCE, "moving_variance", 1, l->in_C, 0, 0, 0);
    return rc;
}

static void batchnorm_carve(sqk_layer *l, sqk_carver *c, int B)
{
    sqk_layer_carve_io(l, c, B);
    l->buf[XHAT] = sqk_carve(c, sqk_layer_in_floats(l, B));
    l->buf[INV_STD] = sqk_carve(c, (size_t)l->in_C);
}

static int batchnorm_forward(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng)
{
    sqk_batchnorm_forward(l->out, l->buf[XHAT], l->buf[INV_STD], in, sqk_layer_param(net, l, GAMMA),
                          sqk_layer_param(net, l, BETA), sqk_layer_param(net, l, MOVING_MEAN),
                          sqk_layer_param(net, l, MOVING_VARIANCE), B * l->in_m * l->in_T, l->in_C,
                          training, 0.99f, 1e-3f);
    return SQK_OK;
}

static void batchnorm_backward(sqk_net *net, sqk_layer *l, const float *in, float *din, int B)
{
    sqk_batchnorm_backward(din, sqk_layer_grad(net, l, GAMMA), sqk_layer_grad(net, l, BETA), l->dout,
                           l->buf[XHAT], l->buf[INV_STD], sqk_layer_param(net, l, GAMMA),
                           B * l->in_m * l->in_T, l->in_C);
}

const sqk_layer_ops sqk_layer_batchnorm = {
    .kind = SQK_LAYER_BATCHNORM, .name = "BatchNormalization", .plan = batchnorm_plan,
    .carve = batchnorm_carve, .forward = batchnorm_forward, .backward = batchnorm_backward,
};
