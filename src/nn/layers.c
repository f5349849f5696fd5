/* The element-wise and small layers: activations, Conv1D, MaxPooling1D, Dropout, Dense,
 * BatchNormalization, softmax + cross-entropy. Raw float pointers, explicit sizes, no state. */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "sqk/nn.h"
#include "fastmath.h"

#include <cblas.h>
#include <math.h>
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

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SQK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SQK_CLONES
#endif

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
