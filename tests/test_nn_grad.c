/* ctest-labels: parity */
/* Finite-difference gradient checks of every layer through small networks (central
 * differences in float; a parameter whose second difference shows a kink — ReLU at 0, a max
 * tie — is skipped), the Adam update against the Keras formula, and the initialisers. */
#include "testutil.h"
#include "sqk/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define B 5

static void random_data(float *X, int32_t *y, int n, int T, int F, uint64_t seed)
{
    sqk_rng r;
    sqk_rng_seed(&r, seed);
    for (int i = 0; i < n * T * F; i++) X[i] = (float)sqk_rng_normal(&r);
    for (int i = 0; i < n; i++) y[i] = (int32_t)sqk_rng_below(&r, 3);
}

static double loss_at(sqk_net *net, const float *X, const int32_t *y)
{
    sqk_rng r;
    sqk_rng_seed(&r, 99); /* the same dropout mask every time */
    assert_int_equal(sqk_net_forward(net, X, B, 1, &r, NULL), SQK_OK);
    sqk_net_zero_grads(net);
    return sqk_net_backward(net, y, B);
}

/* Central difference of the loss in *v with step eps; *kink set when the two one-sided
 * differences disagree (ReLU at 0 or a max-pool switch inside the interval). */
static double numeric(sqk_net *net, const float *X, const int32_t *y, float *v, float eps, int *kink)
{
    float keep = *v;
    double f0 = loss_at(net, X, y);
    *v = keep + eps;
    double fp = loss_at(net, X, y);
    *v = keep - eps;
    double fm = loss_at(net, X, y);
    *v = keep;
    *kink = fabs(fp - 2 * f0 + fm) > 1e-4;
    return (fp - fm) / (2 * eps);
}

static int close_enough(double num, double ana) { return fabs(num - ana) <= 3e-4 + 2e-2 * fabs(ana); }

/* Checks one value: a mismatch is retried with a step 8 times smaller, which moves most kinks
 * out of the interval; what still shows a kink is skipped. Returns 1 checked, 0 skipped. */
static int check_one(sqk_net *net, const float *X, const int32_t *y, float *v, double ana, const char *what, size_t i)
{
    int kink;
    double num = numeric(net, X, y, v, 4e-3f, &kink);
    if (close_enough(num, ana)) return 1;
    num = numeric(net, X, y, v, 5e-4f, &kink);
    if (close_enough(num, ana)) return 1;
    if (kink) return 0;
    if (getenv("GRAD_DEBUG")) {
        for (float e = 1e-2f; e > 1e-5f; e /= 2) {
            double n2 = numeric(net, X, y, v, e, &kink);
            print_message("eps %g num %.6g kink %d\n", e, n2, kink);
        }
    }
    fail_msg("%s[%zu]: analytic %.6g numeric %.6g", what, i, ana, num);
    return 0;
}

/* Compares analytic and numeric gradients of all parameters and of the inputs. */
static void check_net(const sqk_layer_spec *layers, int n, int T, int F)
{
    sqk_net *net;
    assert_int_equal(sqk_net_create(&net, layers, n, T, F, B), SQK_OK);
    assert_int_equal(sqk_net_init_keras(net, 7), SQK_OK);
    /* biases away from zero: with zero biases and an all-zero ReLU input a pre-activation sits
     * exactly on the kink */
    float *p = sqk_net_params(net);
    size_t np = sqk_net_num_params(net);
    sqk_rng br;
    sqk_rng_seed(&br, 11);
    for (int k = 0; k < sqk_net_num_tensors(net); k++) {
        const sqk_param_tensor *t = sqk_net_tensor(net, k);
        if (strstr(t->name, "bias") || strstr(t->name, "beta"))
            for (size_t i = 0; i < t->size; i++) p[t->offset + i] += 0.1f * (float)sqk_rng_normal(&br);
    }
    float *X = malloc(sizeof(float) * B * T * F), *ana = malloc(sizeof(float) * np);
    float *dx = malloc(sizeof(float) * B * T * F);
    int32_t y[B];
    random_data(X, y, B, T, F, 3);
    loss_at(net, X, y);
    memcpy(ana, sqk_net_grads(net), np * sizeof *ana);
    memcpy(dx, sqk_net_input_grad(net), sizeof(float) * B * T * F);
    int checked = 0, skipped = 0;
    for (int k = 0; k < sqk_net_num_tensors(net); k++) {
        const sqk_param_tensor *t = sqk_net_tensor(net, k);
        if (!t->trainable) continue;
        for (size_t i = t->offset; i < t->offset + t->size; i++) {
            int ok = check_one(net, X, y, &p[i], ana[i], t->name, i - t->offset);
            checked += ok;
            skipped += !ok;
        }
    }
    for (int i = 0; i < B * T * F; i++) {
        int ok = check_one(net, X, y, &X[i], dx[i], "input", (size_t)i);
        checked += ok;
        skipped += !ok;
    }
    assert_true(checked > 10 * skipped);
    free(X); free(ana); free(dx);
    sqk_net_free(net);
}

#define L(kind_, name_, ...) {.kind = kind_, .name = name_, __VA_ARGS__}

static void test_conv_pool_dense(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_CONV1D, "conv1", .units = 3, .kernel = 3, .act = SQK_ACT_TANH),
        L(SQK_LAYER_CONV1D, "conv2", .units = 4, .kernel = 2, .act = SQK_ACT_RELU),
        L(SQK_LAYER_MAXPOOL1D, "pool"),
        L(SQK_LAYER_FLATTEN, "flatten"),
        L(SQK_LAYER_DENSE, "dense1", .units = 3, .act = SQK_ACT_LINEAR),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    check_net(s, 6, 9, 2);
}

static void test_lstm(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_LSTM, "lstm1", .units = 4, .return_sequences = 1),
        L(SQK_LAYER_LSTM, "lstm2", .units = 3),
        L(SQK_LAYER_DENSE, "dense1", .units = 3, .act = SQK_ACT_LINEAR),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    check_net(s, 4, 4, 3);
}

static void test_bilstm(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_BILSTM, "bilstm1", .units = 3, .return_sequences = 1),
        L(SQK_LAYER_BILSTM, "bilstm2", .units = 2),
        L(SQK_LAYER_DENSE, "dense1", .units = 3, .act = SQK_ACT_LINEAR),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    check_net(s, 4, 3, 2);
}

/* GRU (Keras, reset_after): stacked, one returning sequences, and both directions. */
static void test_gru(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_GRU, "gru1", .units = 4, .return_sequences = 1),
        L(SQK_LAYER_GRU, "gru2", .units = 3),
        L(SQK_LAYER_DENSE, "dense1", .units = 3, .act = SQK_ACT_LINEAR),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    check_net(s, 4, 4, 3);
}

static void test_bigru(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_BIGRU, "bigru1", .units = 3, .return_sequences = 1),
        L(SQK_LAYER_BIGRU, "bigru2", .units = 2),
        L(SQK_LAYER_DENSE, "dense1", .units = 3, .act = SQK_ACT_LINEAR),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    check_net(s, 4, 3, 2);
}

static void test_dense_batchnorm_dropout(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_FLATTEN, "flatten"),
        L(SQK_LAYER_DENSE, "dense1", .units = 6, .act = SQK_ACT_SIGMOID),
        L(SQK_LAYER_DROPOUT, "dropout1", .rate = 0.3f),
        L(SQK_LAYER_BATCHNORM, "bn1"),
        L(SQK_LAYER_ACTIVATION, "act", .act = SQK_ACT_TANH),
        L(SQK_LAYER_DENSE, "dense2", .units = 3, .act = SQK_ACT_LINEAR),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    check_net(s, 7, 3, 2);
}

/* The whole SeqNetQuake layer stack, small. */
static void test_seqnet_stack(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_SPLIT_STEPS, "td_split", .units = 2),
        L(SQK_LAYER_CONV1D, "conv1", .units = 3, .kernel = 3, .act = SQK_ACT_RELU),
        L(SQK_LAYER_CONV1D, "conv2", .units = 3, .kernel = 2, .act = SQK_ACT_RELU),
        L(SQK_LAYER_DROPOUT, "td_dropout", .rate = 0.25f),
        L(SQK_LAYER_MAXPOOL1D, "td_pool"),
        L(SQK_LAYER_FLATTEN, "td_flatten"),
        L(SQK_LAYER_MERGE_STEPS, "td_merge", .units = 2),
        L(SQK_LAYER_BILSTM, "bilstm1", .units = 3, .return_sequences = 1),
        L(SQK_LAYER_BILSTM, "bilstm2", .units = 3),
        L(SQK_LAYER_DROPOUT, "dropout", .rate = 0.25f),
        L(SQK_LAYER_DENSE, "dense1", .units = 5, .act = SQK_ACT_RELU),
        L(SQK_LAYER_DENSE, "dense2", .units = 3, .act = SQK_ACT_LINEAR),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    check_net(s, 13, 14, 2);
}

static void test_shape_errors(void **state)
{
    (void)state;
    sqk_net *net;
    sqk_layer_spec conv[] = {L(SQK_LAYER_CONV1D, "conv1", .units = 2, .kernel = 5, .act = SQK_ACT_RELU)};
    assert_int_equal(sqk_net_create(&net, conv, 1, 4, 2, 8), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "conv1"));
    sqk_layer_spec split[] = {L(SQK_LAYER_SPLIT_STEPS, "td", .units = 2)};
    assert_int_equal(sqk_net_create(&net, split, 1, 5, 2, 8), SQK_EARG);
    sqk_layer_spec sm[] = {L(SQK_LAYER_SOFTMAX, "s"), L(SQK_LAYER_FLATTEN, "f")};
    assert_int_equal(sqk_net_create(&net, sm, 2, 1, 3, 8), SQK_EARG);
}

static void test_adam_keras_formula(void **state)
{
    (void)state;
    float p[3] = {0.5f, -1.0f, 2.0f}, g[3] = {0.1f, -0.2f, 0.0f}, m[3] = {0}, v[3] = {0};
    double pd[3] = {0.5, -1.0, 2.0}, md[3] = {0}, vd[3] = {0};
    for (long t = 1; t <= 3; t++) {
        sqk_adam_update(p, g, m, v, 3, 1e-3, 0.9, 0.999, 1e-7, t);
        double a = 1e-3 * sqrt(1 - pow(0.999, t)) / (1 - pow(0.9, t));
        for (int i = 0; i < 3; i++) {
            md[i] = 0.9 * md[i] + 0.1 * g[i];
            vd[i] = 0.999 * vd[i] + 0.001 * (double)g[i] * g[i];
            pd[i] -= a * md[i] / (sqrt(vd[i]) + 1e-7);
        }
    }
    for (int i = 0; i < 3; i++) assert_close(p[i], pd[i], 1e-6);
}

/* Keras SGD with momentum: v = momentum v - lr g; p += v. */
static void test_sgd_momentum(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {L(SQK_LAYER_DENSE, "output", .units = 3), L(SQK_LAYER_SOFTMAX, "softmax")};
    sqk_net *net;
    assert_int_equal(sqk_net_create(&net, s, 2, 1, 2, 4), SQK_OK);
    float *p = sqk_net_params(net), *g = sqk_net_grads(net);
    size_t n = sqk_net_num_params(net);
    double pd[9], vd[9] = {0};
    for (size_t i = 0; i < n; i++) pd[i] = p[i] = 0.1f * (float)i;
    sqk_optimizer o;
    assert_int_equal(sqk_optimizer_init(&o, SQK_OPT_SGD, 0.05, 0.9, n), SQK_OK);
    for (int step = 0; step < 3; step++) {
        for (size_t i = 0; i < n; i++) g[i] = 0.25f * (float)(i + 1) * (step % 2 ? -1 : 1);
        sqk_optimizer_step(&o, net);
        for (size_t i = 0; i < n; i++) {
            vd[i] = 0.9 * vd[i] - 0.05 * g[i];
            pd[i] += vd[i];
        }
    }
    for (size_t i = 0; i < n; i++) assert_close(p[i], pd[i], 1e-6);
    /* a frozen layer does not move */
    assert_int_equal(sqk_net_set_trainable(net, "output", 0), SQK_OK);
    float keep = p[0];
    sqk_optimizer_step(&o, net);
    assert_true(p[0] == keep);
    assert_int_equal(sqk_net_set_trainable(net, "nope", 0), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "output"));
    sqk_optimizer_free(&o);
    sqk_net_free(net);
}

static void test_orthogonal(void **state)
{
    (void)state;
    int U = 6;
    float w[6 * 24];
    sqk_rng r;
    sqk_rng_seed(&r, 1);
    assert_int_equal(sqk_init_orthogonal(w, U, 4 * U, &r), SQK_OK);
    /* rows orthonormal: W W^T = I */
    for (int a = 0; a < U; a++)
        for (int b = 0; b < U; b++) {
            double d = 0;
            for (int j = 0; j < 4 * U; j++) d += (double)w[a * 4 * U + j] * w[b * 4 * U + j];
            assert_close(d, a == b ? 1.0 : 0.0, 1e-5);
        }
}

static void test_xent_clipping(void **state)
{
    (void)state;
    float p[6] = {1.0f, 0.0f, 0.0f, 0.2f, 0.3f, 0.5f}, d[6];
    int32_t y[2] = {1, 2};
    double loss = sqk_softmax_xent(d, p, y, 2, 3);
    assert_close(loss, (-log(1e-7) - log(0.5)) / 2, 1e-6);
    for (int c = 0; c < 3; c++) assert_true(d[c] == 0.0f); /* clipped row: no gradient */
    assert_close(d[5], (0.5 - 1) / 2, 1e-7);
}

/* A batch split over two threads gives the one-thread gradients (to rounding), and the same
 * bits on every run. The net is big enough for sqk_net_train_batch to split it. */
static void test_data_parallel(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_FLATTEN, "flatten"),
        L(SQK_LAYER_DENSE, "dense1", .units = 600, .act = SQK_ACT_TANH),
        L(SQK_LAYER_DENSE, "dense2", .units = 600, .act = SQK_ACT_RELU),
        L(SQK_LAYER_DENSE, "output", .units = 3),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    enum { NB = 100, T = 4, F = 2 }; /* 367k weights x 100 windows: above the split threshold */
    sqk_net *net;
    assert_int_equal(sqk_net_create(&net, s, 5, T, F, NB), SQK_OK);
    assert_int_equal(sqk_net_init_keras(net, 3), SQK_OK);
    size_t np = sqk_net_num_params(net);
    float *X = malloc(sizeof(float) * NB * T * F), *g1 = malloc(sizeof(float) * np);
    float *g2 = malloc(sizeof(float) * np), *g3 = malloc(sizeof(float) * np);
    int32_t y[NB];
    random_data(X, y, NB, T, F, 9);
    sqk_rng r;
    sqk_nn_set_threads(1);
    double l1;
    assert_int_equal(sqk_net_train_batch(net, X, y, NB, &r, NULL, &l1), SQK_OK);
    memcpy(g1, sqk_net_grads(net), np * sizeof *g1);
    sqk_nn_set_threads(2);
    double l2;
    assert_int_equal(sqk_net_train_batch(net, X, y, NB, &r, NULL, &l2), SQK_OK);
    memcpy(g2, sqk_net_grads(net), np * sizeof *g2);
    double l3;
    assert_int_equal(sqk_net_train_batch(net, X, y, NB, &r, NULL, &l3), SQK_OK);
    memcpy(g3, sqk_net_grads(net), np * sizeof *g3);
    sqk_nn_set_threads(1);
    assert_close(l2, l1, 1e-6);
    assert_true(l3 == l2);
    assert_memory_equal(g2, g3, np * sizeof *g2);
    double mx = 0, err = 0;
    for (size_t i = 0; i < np; i++) {
        mx = fmax(mx, fabs(g1[i]));
        err = fmax(err, fabs(g1[i] - g2[i]));
    }
    assert_true(err <= 1e-5 * mx);
    sqk_net_free(net);
    /* a failure inside the second thread's part (a NaN window there, carried by linear layers
     * to the softmax) reaches the caller with its message, and the loss is not a number */
    s[1].act = s[2].act = SQK_ACT_LINEAR;
    assert_int_equal(sqk_net_create(&net, s, 5, T, F, NB), SQK_OK);
    assert_int_equal(sqk_net_init_keras(net, 3), SQK_OK);
    X[(NB - 1) * T * F] = NAN;
    sqk_nn_set_threads(2);
    double l4 = 0;
    assert_int_equal(sqk_net_train_batch(net, X, y, NB, &r, NULL, &l4), SQK_EVALUE);
    sqk_nn_set_threads(1);
    assert_true(isnan(l4));
    assert_non_null(strstr(sqk_last_error(), "non-finite probabilities for window 50 of a batch of 50"));
    assert_non_null(strstr(sqk_last_error(), "layer softmax"));
    free(X); free(g1); free(g2); free(g3);
    sqk_net_free(net);
}

/* Keras 2.3.0 BatchNormalization: training normalises with the batch mean and the biased
 * variance, but feeds the moving variance the sample variance var * n / (n - (1 + epsilon));
 * inference uses the moving statistics. One channel, inputs 0, 1, 2, 3. */
static void test_batchnorm_keras_moving_stats(void **state)
{
    (void)state;
    float x[4] = {0, 1, 2, 3}, out[4], xhat[4], inv_std, gamma = 2, beta = 0.5f;
    float mm = 0, mv = 1;
    sqk_batchnorm_forward(out, xhat, &inv_std, x, &gamma, &beta, &mm, &mv, 4, 1, 1, 0.99f, 1e-3f);
    double var = 1.25; /* biased */
    for (int i = 0; i < 4; i++) assert_close(out[i], 2 * (x[i] - 1.5) / sqrt(var + 1e-3) + 0.5, 1e-6);
    assert_close(mm, 0.01 * 1.5, 1e-7);
    assert_close(mv, 0.99 + 0.01 * var * 4 / (4 - 1.001), 1e-7);
    sqk_batchnorm_forward(out, xhat, &inv_std, x, &gamma, &beta, &mm, &mv, 4, 1, 0, 0.99f, 1e-3f);
    for (int i = 0; i < 4; i++) assert_close(out[i], 2 * (x[i] - mm) / sqrt(mv + 1e-3) + 0.5, 1e-6);
    assert_close(mm, 0.01 * 1.5, 1e-7); /* inference leaves them alone */
}

/* Keras glorot_uniform fans: Conv1D kernel (k, in, filters) has fan_in = k*in and
 * fan_out = k*filters; Dense and the LSTM input kernel (in, out) have in and out. The largest of
 * hundreds of draws lies just inside the limit sqrt(6 / (fan_in + fan_out)). */
static void check_glorot(const sqk_net *net, const char *name, double fan_in, double fan_out)
{
    const sqk_param_tensor *t = sqk_net_find_tensor(net, name);
    assert_non_null(t);
    const float *w = sqk_net_params((sqk_net *)net) + t->offset;
    double limit = sqrt(6.0 / (fan_in + fan_out)), mx = 0;
    for (size_t i = 0; i < t->size; i++) mx = fmax(mx, fabs(w[i]));
    if (!(mx <= limit && mx > 0.97 * limit)) fail_msg("%s: max |w| %g, limit %g", name, mx, limit);
}

static void test_glorot_fans(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_CONV1D, "conv1", .units = 32, .kernel = 3, .act = SQK_ACT_RELU),
        L(SQK_LAYER_LSTM, "lstm1", .units = 8),
        L(SQK_LAYER_DENSE, "fc1", .units = 64, .act = SQK_ACT_TANH),
        L(SQK_LAYER_DENSE, "output", .units = 3),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    sqk_net *net;
    assert_int_equal(sqk_net_create(&net, s, 5, 10, 8, 1), SQK_OK);
    assert_int_equal(sqk_net_init_keras(net, 5), SQK_OK);
    check_glorot(net, "conv1/kernel", 3 * 8, 3 * 32);
    check_glorot(net, "lstm1/kernel", 32, 4 * 8);
    check_glorot(net, "fc1/kernel", 8, 64);
    const sqk_param_tensor *b = sqk_net_find_tensor(net, "conv1/bias");
    for (size_t i = 0; i < b->size; i++) assert_true(sqk_net_params(net)[b->offset + i] == 0.0f);
    sqk_net_free(net);
}

/* Inverted dropout: kept values are scaled by 1/(1-rate), so the mean is kept in training and
 * inference needs no rescaling. */
static void test_dropout_inverted(void **state)
{
    (void)state;
    enum { n = 100000 };
    float *x = malloc(n * sizeof *x), *out = malloc(n * sizeof *out), *mask = malloc(n * sizeof *mask);
    for (int i = 0; i < n; i++) x[i] = 1.0f;
    const float rates[] = {0.25f, 0.5f, 0.75f};
    for (int k = 0; k < 3; k++) {
        sqk_rng r;
        sqk_rng_seed(&r, 4);
        sqk_dropout_forward(out, mask, x, n, rates[k], &r);
        double sum = 0;
        size_t kept = 0;
        for (int i = 0; i < n; i++) {
            assert_true(out[i] == 0.0f || out[i] == 1.0f / (1.0f - rates[k]));
            kept += out[i] != 0.0f;
            sum += out[i];
        }
        assert_close((double)kept / n, 1.0 - rates[k], 0.01);
        assert_close(sum / n, 1.0, 0.03);
    }
    free(x); free(out); free(mask);
}

int main(void)
{
    sqk_nn_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_pool_dense),
        cmocka_unit_test(test_lstm),
        cmocka_unit_test(test_bilstm),
        cmocka_unit_test(test_gru),
        cmocka_unit_test(test_bigru),
        cmocka_unit_test(test_dense_batchnorm_dropout),
        cmocka_unit_test(test_seqnet_stack),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_adam_keras_formula),
        cmocka_unit_test(test_sgd_momentum),
        cmocka_unit_test(test_orthogonal),
        cmocka_unit_test(test_xent_clipping),
        cmocka_unit_test(test_data_parallel),
        cmocka_unit_test(test_batchnorm_keras_moving_stats),
        cmocka_unit_test(test_glorot_fans),
        cmocka_unit_test(test_dropout_inverted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
