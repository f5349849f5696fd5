/* ctest-labels: parity */
/* Parity with PyTorch: tests/fixtures/nn/parity.h5 (made by make_fixtures.py) and gru.h5 (made
 * by make_gru_fixture.py, torch.nn.GRU as Keras's GRU with reset_after=True) hold inputs,
 * weights in Keras layouts, probabilities, loss, every weight gradient, the input gradient and
 * the weights after one Keras-form Adam step, computed in float64. The engine (float32) must
 * agree within 2e-5 of each tensor's largest magnitude (relative). */
#include "testutil.h"
#include "sqk/nn.h"
#include "sqk/h5.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE "tests/fixtures/nn/parity.h5"
#define GRU_FIXTURE "tests/fixtures/nn/gru.h5"
static double worst; /* the largest error relative to the tensor's magnitude in a case */
#define L(kind_, name_, ...) {.kind = kind_, .name = name_, __VA_ARGS__}

static double *read_ref(hid_t g, const char *name, size_t n)
{
    double *v = malloc(n * sizeof *v);
    if (sqk_h5_read_f64(g, name, v, n)) fail_msg("%s: %s", name, sqk_last_error());
    return v;
}

/* max |a - ref| <= tol * max |ref| (+ a tiny floor for all-zero tensors). */
static void compare(const char *what, const float *a, const double *ref, size_t n, double tol)
{
    double mx = 0, err = 0;
    for (size_t i = 0; i < n; i++) {
        mx = fmax(mx, fabs(ref[i]));
        err = fmax(err, fabs(a[i] - ref[i]));
    }
    if (mx > 0 && err / mx > worst) worst = err / mx;
    if (!(err <= tol * mx + 1e-9)) fail_msg("%s: max error %.3g, max magnitude %.3g", what, err, mx);
}

static void run_case_in(const char *fixture, const char *group, const sqk_layer_spec *layers,
                        int n_layers, int B, int T, int F)
{
    hid_t f, g;
    worst = 0;
    assert_int_equal(sqk_h5_open_read(fixture, &f), SQK_OK);
    g = H5Gopen2(f, group, H5P_DEFAULT);
    assert_true(g >= 0);
    sqk_net *net;
    assert_int_equal(sqk_net_create(&net, layers, n_layers, T, F, B), SQK_OK);
    float *p = sqk_net_params(net);
    char name[160];
    for (int k = 0; k < sqk_net_num_tensors(net); k++) {
        const sqk_param_tensor *t = sqk_net_tensor(net, k);
        snprintf(name, sizeof name, "weights/%s", t->name);
        if (sqk_h5_read_f32(g, name, p + t->offset, t->size)) fail_msg("%s", sqk_last_error());
    }
    float *X = malloc(sizeof(float) * B * T * F);
    int32_t *y = malloc(sizeof(int32_t) * B);
    assert_int_equal(sqk_h5_read_f32(g, "X", X, (size_t)B * T * F), SQK_OK);
    assert_int_equal(sqk_h5_read_i32(g, "y", y, (size_t)B), SQK_OK);
    sqk_rng r;
    sqk_rng_seed(&r, 1);
    const float *probs;
    assert_int_equal(sqk_net_forward(net, X, B, 1, &r, &probs), SQK_OK);
    double *ref = read_ref(g, "probs", (size_t)B * 3);
    compare("probs", probs, ref, (size_t)B * 3, 2e-6);
    free(ref);
    sqk_net_zero_grads(net);
    double loss = sqk_net_backward(net, y, B);
    ref = read_ref(g, "loss", 1);
    assert_close(loss, ref[0], 1e-6 * fabs(ref[0]));
    free(ref);
    ref = read_ref(g, "dX", (size_t)B * T * F);
    compare("dX", sqk_net_input_grad(net), ref, (size_t)B * T * F, 2e-5);
    free(ref);
    const float *grad = sqk_net_grads(net);
    for (int k = 0; k < sqk_net_num_tensors(net); k++) {
        const sqk_param_tensor *t = sqk_net_tensor(net, k);
        snprintf(name, sizeof name, "grads/%s", t->name);
        ref = read_ref(g, name, t->size);
        /* BatchNorm moving statistics: the fixture holds their values after the step */
        compare(t->name, t->trainable ? grad + t->offset : p + t->offset, ref, t->size, 2e-5);
        free(ref);
    }
    sqk_optimizer opt;
    assert_int_equal(sqk_optimizer_init(&opt, SQK_OPT_ADAM, 1e-3, 0, sqk_net_num_params(net)), SQK_OK);
    sqk_optimizer_step(&opt, net);
    for (int k = 0; k < sqk_net_num_tensors(net); k++) {
        const sqk_param_tensor *t = sqk_net_tensor(net, k);
        if (!t->trainable) continue;
        snprintf(name, sizeof name, "adam1/%s", t->name);
        ref = read_ref(g, name, t->size);
        compare(name, p + t->offset, ref, t->size, 1e-6);
        free(ref);
    }
    sqk_optimizer_free(&opt);
    print_message("%s: largest error %.2g of a tensor's largest magnitude\n", group, worst);
    free(X);
    free(y);
    sqk_net_free(net);
    H5Gclose(g);
    H5Fclose(f);
}

static void run_case(const char *group, const sqk_layer_spec *layers, int n_layers, int B, int T, int F)
{
    run_case_in(FIXTURE, group, layers, n_layers, B, T, F);
}

static void test_seqnet(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_SPLIT_STEPS, "td_split", .units = 2),
        L(SQK_LAYER_CONV1D, "conv1", .units = 3, .kernel = 3, .act = SQK_ACT_RELU),
        L(SQK_LAYER_CONV1D, "conv2", .units = 3, .kernel = 2, .act = SQK_ACT_TANH),
        L(SQK_LAYER_DROPOUT, "td_dropout", .rate = 0),
        L(SQK_LAYER_MAXPOOL1D, "td_pool"),
        L(SQK_LAYER_FLATTEN, "td_flatten"),
        L(SQK_LAYER_MERGE_STEPS, "td_merge", .units = 2),
        L(SQK_LAYER_BILSTM, "bilstm1", .units = 5, .return_sequences = 1),
        L(SQK_LAYER_BILSTM, "bilstm2", .units = 4),
        L(SQK_LAYER_DROPOUT, "dropout", .rate = 0),
        L(SQK_LAYER_DENSE, "fc1", .units = 6, .act = SQK_ACT_RELU),
        L(SQK_LAYER_DENSE, "output", .units = 3),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    run_case("seqnet", s, 13, 4, 12, 2);
}

static void test_lstm(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_LSTM, "lstm1", .units = 4, .return_sequences = 1),
        L(SQK_LAYER_LSTM, "lstm2", .units = 3),
        L(SQK_LAYER_DENSE, "output", .units = 3),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    run_case("lstm", s, 4, 3, 5, 3);
}

static void test_dnn_batchnorm(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_FLATTEN, "flatten"),
        L(SQK_LAYER_DENSE, "dense1", .units = 5, .act = SQK_ACT_SIGMOID),
        L(SQK_LAYER_BATCHNORM, "bn1"),
        L(SQK_LAYER_ACTIVATION, "tanh", .act = SQK_ACT_TANH),
        L(SQK_LAYER_DENSE, "output", .units = 3),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    run_case("dnn", s, 6, 6, 3, 2);
}

static void test_gru(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_GRU, "gru1", .units = 4, .return_sequences = 1),
        L(SQK_LAYER_GRU, "gru2", .units = 3),
        L(SQK_LAYER_DENSE, "output", .units = 3),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    run_case_in(GRU_FIXTURE, "gru", s, 4, 3, 5, 3);
}

static void test_bigru(void **state)
{
    (void)state;
    sqk_layer_spec s[] = {
        L(SQK_LAYER_BIGRU, "bigru1", .units = 3, .return_sequences = 1),
        L(SQK_LAYER_BIGRU, "bigru2", .units = 2),
        L(SQK_LAYER_DENSE, "output", .units = 3),
        L(SQK_LAYER_SOFTMAX, "softmax"),
    };
    run_case_in(GRU_FIXTURE, "bigru", s, 4, 4, 4, 2);
}

int main(void)
{
    sqk_nn_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seqnet),
        cmocka_unit_test(test_lstm),
        cmocka_unit_test(test_dnn_batchnorm),
        cmocka_unit_test(test_gru),
        cmocka_unit_test(test_bigru),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
