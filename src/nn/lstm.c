/* LSTM, Keras semantics: z = x_t W + h_{t-1} R + b, gates [i, f, c, o] along the 4U axis,
 * i, f, o = sigmoid, g = tanh, c_t = f c_{t-1} + i g, h_t = o tanh(c_t), zero initial state.
 * The input projection of all time steps is one GEMM; each step adds one GEMM with R (skipped
 * at the first step, where h = 0). */
/* Vectorising the element-wise loops needs GCC to if-convert float selects, which it does only
 * when floating-point exceptions are not observed; no program here reads FP flags, and
 * results are the same IEEE values (this is not -ffast-math). */
#if defined(__GNUC__) && !defined(__clang__) /* a GCC pragma; clang has no equivalent */
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif

#include "layer.h"
#include "fastmath.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* One cell update in place: z (4U) pre-activations -> gate values [i, f, g, o]; c and h of
 * this step from the previous c (NULL at the first step, where it is zero). */
SQK_CLONES
static void lstm_cell(float *restrict z, float *restrict ct, float *restrict ht,
                      const float *restrict cp, int U)
{
    float *restrict zi = z, *restrict zf = z + U, *restrict zg = z + 2 * U, *restrict zo = z + 3 * U;
    if (cp) {
#pragma omp simd
        for (int u = 0; u < U; u++) {
            float ig = sqk_sigmoid(zi[u]), fg = sqk_sigmoid(zf[u]);
            float gg = sqk_tanh(zg[u]), og = sqk_sigmoid(zo[u]);
            zi[u] = ig; zf[u] = fg; zg[u] = gg; zo[u] = og;
            float cv = ig * gg + fg * cp[u];
            ct[u] = cv;
            ht[u] = og * sqk_tanh(cv);
        }
    } else {
#pragma omp simd
        for (int u = 0; u < U; u++) {
            float ig = sqk_sigmoid(zi[u]), fg = sqk_sigmoid(zf[u]);
            float gg = sqk_tanh(zg[u]), og = sqk_sigmoid(zo[u]);
            zi[u] = ig; zf[u] = fg; zg[u] = gg; zo[u] = og;
            float cv = ig * gg;
            ct[u] = cv;
            ht[u] = og * sqk_tanh(cv);
        }
    }
}

/* Gradients of one cell: dz (4U) from dh (this step's output gradient plus the recurrent one)
 * and dc_next; dc_next becomes the gradient for the previous c (cp = 0 at the first step). */
SQK_CLONES
static void lstm_cell_backward(float *restrict d, float *restrict dcn, const float *restrict z,
                               const float *restrict ct, const float *restrict cp,
                               const float *restrict g_h, const float *restrict dhn, int U)
{
#pragma omp simd
    for (int u = 0; u < U; u++) {
        float ig = z[u], fg = z[U + u], gg = z[2 * U + u], og = z[3 * U + u];
        float th = sqk_tanh(ct[u]);
        float dht = g_h[u] + dhn[u];
        float dc = dcn[u] + dht * og * (1.0f - th * th);
        d[u] = dc * gg * ig * (1.0f - ig);
        d[U + u] = dc * cp[u] * fg * (1.0f - fg);
        d[2 * U + u] = dc * ig * (1.0f - gg * gg);
        d[3 * U + u] = dht * th * og * (1.0f - og);
        dcn[u] = dc * fg;
    }
}

void sqk_lstm_forward(float *h, float *c, float *gates, const float *x, const float *W,
                      const float *R, const float *bias, int B, int T, int In, int U, int reverse)
{
    size_t G = 4 * (size_t)U;
    for (size_t r = 0; r < (size_t)B * T; r++) memcpy(gates + r * G, bias, G * sizeof *gates);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B * T, (int)G, In, 1.0f, x, In, W,
                (int)G, 1.0f, gates, (int)G);
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
        if (s > 0) {
            /* rows of h and gates for time t are strided by T*U and T*4U */
            if (B == 1)
                cblas_sgemv(CblasRowMajor, CblasTrans, U, (int)G, 1.0f, R, (int)G,
                            h + (size_t)tp * U, 1, 1.0f, gates + t * G, 1);
            else
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, (int)G, U, 1.0f,
                            h + (size_t)tp * U, T * U, R, (int)G, 1.0f, gates + t * G, (int)(T * G));
        }
        for (int b = 0; b < B; b++) {
            float *z = gates + ((size_t)b * T + t) * G;
            float *ct = c + ((size_t)b * T + t) * U, *ht = h + ((size_t)b * T + t) * U;
            const float *cp = s > 0 ? c + ((size_t)b * T + tp) * U : NULL;
            lstm_cell(z, ct, ht, cp, U);
        }
    }
}

size_t sqk_lstm_scratch_floats(int B, int T, int U)
{
    return (size_t)B * T * 4 * U + 2 * (size_t)B * U + U;
}

void sqk_lstm_backward(float *dx, float *dW, float *dR, float *dbias, const float *dh,
                       const float *x, const float *W, const float *R, const float *gates,
                       const float *c, const float *h, int B, int T, int In, int U, int reverse,
                       float *scratch)
{
    size_t G = 4 * (size_t)U;
    float *dz = scratch;                      /* (B, T, 4U) pre-activation gradients */
    float *dh_next = dz + (size_t)B * T * G;  /* (B, U) gradient from the later step */
    float *dc_next = dh_next + (size_t)B * U; /* (B, U) */
    float *zeros = dc_next + (size_t)B * U;     /* (U) the c before the first step */
    memset(dh_next, 0, (2 * (size_t)B * U + U) * sizeof *dh_next);
    for (int s = T - 1; s >= 0; s--) {
        int t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
        for (int b = 0; b < B; b++) {
            size_t bt = (size_t)b * T + t;
            const float *z = gates + bt * G, *ct = c + bt * U, *g_h = dh + bt * U;
            const float *cp = s > 0 ? c + ((size_t)b * T + tp) * U : zeros;
            lstm_cell_backward(dz + bt * G, dc_next + (size_t)b * U, z, ct, cp, g_h,
                               dh_next + (size_t)b * U, U);
        }
        if (s > 0) {
            const float *hp = h + (size_t)tp * U;
            /* dh_{t-1} = dz_t R^T ; dR += h_{t-1}^T dz_t */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, U, (int)G, 1.0f, dz + t * G,
                        (int)(T * G), R, (int)G, 0.0f, dh_next, U);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, U, (int)G, B, 1.0f, hp, T * U,
                        dz + t * G, (int)(T * G), 1.0f, dR, (int)G);
        }
    }
    int N = B * T;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, In, (int)G, N, 1.0f, x, In, dz, (int)G,
                1.0f, dW, (int)G);
    sqk_add_column_sums(dbias, dz, N, G);
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, In, (int)G, 1.0f, dz, (int)G, W,
                    (int)G, 0.0f, dx, In);
}

/* The cell behind the LSTM layers (bidirectional.c): the saved state is c (B, T, U) followed by
 * the gates (B, T, 4U). */
static size_t lstm_saved_floats(int B, int T, int U) { return (size_t)B * T * U * 5; }

static void lstm_cell_forward(float *h, float *saved, const float *x, const float *W, const float *R,
                              const float *bias, int B, int T, int In, int U, int reverse)
{
    sqk_lstm_forward(h, saved, saved + (size_t)B * T * U, x, W, R, bias, B, T, In, U, reverse);
}

static void lstm_cell_backward_all(float *dx, float *dW, float *dR, float *dbias, const float *dh,
                                   const float *x, const float *W, const float *R, const float *saved,
                                   const float *h, int B, int T, int In, int U, int reverse, float *scratch)
{
    sqk_lstm_backward(dx, dW, dR, dbias, dh, x, W, R, saved + (size_t)B * T * U, saved, h, B, T, In,
                      U, reverse, scratch);
}

static const sqk_rnn_cell sqk_cell_lstm = {
    .name = "LSTM", .gates = 4, .bias_rows = 1, .unit_forget_bias = 1,
    .saved_floats = lstm_saved_floats, .scratch_floats = sqk_lstm_scratch_floats,
    .forward = lstm_cell_forward, .backward = lstm_cell_backward_all,
};

const sqk_layer_ops sqk_layer_lstm = SQK_RNN_LAYER(SQK_LAYER_LSTM, "LSTM", &sqk_cell_lstm, 1);
const sqk_layer_ops sqk_layer_bilstm = SQK_RNN_LAYER(SQK_LAYER_BILSTM, "Bidirectional(LSTM)", &sqk_cell_lstm, 2);
