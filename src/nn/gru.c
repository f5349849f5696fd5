/* GRU, Keras semantics with reset_after = True (the TF2 / tf.keras default, the CuDNN form, and
 * PyTorch's torch.nn.GRU): gates [z, r, h] along the 3U axis, kernel (In, 3U), recurrent_kernel
 * (U, 3U), bias (2, 3U) = [input bias; recurrent bias], zero initial state, and
 *   z = sigmoid(x Wz + bz + h Rz + rbz),  r = sigmoid(x Wr + br + h Rr + rbr),
 *   n = tanh(x Wh + bh + r * (h Rh + rbh)),  h' = z * h + (1 - z) * n.
 * (Keras 2.3's standalone GRU defaults to reset_after = False, which applies r before the
 * product with Rh; model files name the layers "gru"/"bigru" with these weights.)
 * The input projection of all steps is one GEMM; each step adds one GEMM with R. */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "layer.h"
#include "fastmath.h"

#include <cblas.h>
#include <string.h>

/* One step in place: g (3U) holds x W + b on entry and [z, r, n] on exit; rec (3U) is
 * h_prev R + rb; rh (U) keeps rec's candidate part for backward; hp is NULL at the first step. */
SQK_CLONES
static void gru_cell(float *restrict g, float *restrict rh, float *restrict ht,
                     const float *restrict rec, const float *restrict hp, int U)
{
#pragma omp simd
    for (int u = 0; u < U; u++) {
        float z = sqk_sigmoid(g[u] + rec[u]);
        float r = sqk_sigmoid(g[U + u] + rec[U + u]);
        float n = sqk_tanh(g[2 * U + u] + r * rec[2 * U + u]);
        g[u] = z; g[U + u] = r; g[2 * U + u] = n;
        rh[u] = rec[2 * U + u];
        ht[u] = hp ? z * hp[u] + (1.0f - z) * n : (1.0f - z) * n;
    }
}

/* Gradients of one step: from dh (this step's output gradient) and dhn (the later step's,
 * replaced by the part that flows directly to h_prev), dx (3U) of x W + b and drec (3U) of
 * h_prev R + rb. */
SQK_CLONES
static void gru_cell_backward(float *restrict dx, float *restrict drec, float *restrict dhn,
                              const float *restrict g, const float *restrict rh,
                              const float *restrict hp, const float *restrict dh, int U)
{
#pragma omp simd
    for (int u = 0; u < U; u++) {
        float z = g[u], r = g[U + u], n = g[2 * U + u];
        float dht = dh[u] + dhn[u];
        float dz = dht * (hp[u] - n) * z * (1.0f - z);
        float dn = dht * (1.0f - z) * (1.0f - n * n);
        float dr = dn * rh[u] * r * (1.0f - r);
        dx[u] = dz; dx[U + u] = dr; dx[2 * U + u] = dn;
        drec[u] = dz; drec[U + u] = dr; drec[2 * U + u] = dn * r;
        dhn[u] = dht * z;
    }
}

/* saved: gates [z, r, n] (B, T, 3U), rh (B, T, U), and the step's rec (B, 3U) */
static size_t gru_saved_floats(int B, int T, int U) { return (size_t)B * T * 4 * U + (size_t)B * 3 * U; }

/* dx of the gates (B, T, 3U), drec of one step (B, 3U), dh_next (B, U), zeros (U) */
static size_t gru_scratch_floats(int B, int T, int U)
{
    return (size_t)B * T * 3 * U + (size_t)B * 3 * U + (size_t)B * U + U;
}

static void gru_forward(float *h, float *saved, const float *x, const float *W, const float *R,
                        const float *bias, int B, int T, int In, int U, int reverse)
{
    size_t G = 3 * (size_t)U;
    float *gates = saved, *rh = saved + (size_t)B * T * G, *rec = rh + (size_t)B * T * U;
    for (size_t r = 0; r < (size_t)B * T; r++) memcpy(gates + r * G, bias, G * sizeof *gates);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B * T, (int)G, In, 1.0f, x, In, W,
                (int)G, 1.0f, gates, (int)G);
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
        for (int b = 0; b < B; b++) memcpy(rec + (size_t)b * G, bias + G, G * sizeof *rec);
        if (s > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, (int)G, U, 1.0f,
                        h + (size_t)tp * U, T * U, R, (int)G, 1.0f, rec, (int)G);
        for (int b = 0; b < B; b++) {
            size_t bt = (size_t)b * T + t;
            gru_cell(gates + bt * G, rh + bt * U, h + bt * U, rec + (size_t)b * G,
                     s > 0 ? h + ((size_t)b * T + tp) * U : NULL, U);
        }
    }
}

static void gru_backward(float *dx, float *dW, float *dR, float *dbias, const float *dh,
                         const float *x, const float *W, const float *R, const float *saved,
                         const float *h, int B, int T, int In, int U, int reverse, float *scratch)
{
    size_t G = 3 * (size_t)U;
    const float *gates = saved, *rh = saved + (size_t)B * T * G;
    float *dg = scratch;                        /* (B, T, 3U) */
    float *drec = dg + (size_t)B * T * G;       /* (B, 3U) */
    float *dh_next = drec + (size_t)B * G;      /* (B, U) */
    float *zeros = dh_next + (size_t)B * U;     /* (U) the h before the first step */
    memset(dh_next, 0, ((size_t)B * U + U) * sizeof *dh_next);
    for (int s = T - 1; s >= 0; s--) {
        int t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
        for (int b = 0; b < B; b++) {
            size_t bt = (size_t)b * T + t;
            const float *hp = s > 0 ? h + ((size_t)b * T + tp) * U : zeros;
            gru_cell_backward(dg + bt * G, drec + (size_t)b * G, dh_next + (size_t)b * U,
                              gates + bt * G, rh + bt * U, hp, dh + bt * U, U);
        }
        sqk_add_column_sums(dbias + G, drec, B, G); /* the recurrent bias */
        if (s > 0) {
            /* dh_{t-1} += drec R^T ; dR += h_{t-1}^T drec */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, U, (int)G, 1.0f, drec, (int)G,
                        R, (int)G, 1.0f, dh_next, U);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, U, (int)G, B, 1.0f,
                        h + (size_t)tp * U, T * U, drec, (int)G, 1.0f, dR, (int)G);
        }
    }
    int N = B * T;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, In, (int)G, N, 1.0f, x, In, dg, (int)G,
                1.0f, dW, (int)G);
    sqk_add_column_sums(dbias, dg, N, G);
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, In, (int)G, 1.0f, dg, (int)G, W,
                    (int)G, 0.0f, dx, In);
}

static const sqk_rnn_cell sqk_cell_gru = {
    .name = "GRU", .gates = 3, .bias_rows = 2, .unit_forget_bias = 0,
    .saved_floats = gru_saved_floats, .scratch_floats = gru_scratch_floats,
    .forward = gru_forward, .backward = gru_backward,
};

const sqk_layer_ops sqk_layer_gru = SQK_RNN_LAYER(SQK_LAYER_GRU, "GRU", &sqk_cell_gru, 1);
const sqk_layer_ops sqk_layer_bigru = SQK_RNN_LAYER(SQK_LAYER_BIGRU, "Bidirectional(GRU)", &sqk_cell_gru, 2);
