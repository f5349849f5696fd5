/* The SeqNetQuake kind: the paper-sized default architecture (weights in Keras layouts and
 * their count), hyperparameters that reshape it, and the text form of the hyperparameters. */
#include "testutil.h"
#include "sqk/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_paper_architecture(void **state)
{
    (void)state;
    const sqk_model_kind *k = sqk_model_kind_find("seqnet");
    assert_non_null(k);
    sqk_model *m;
    assert_int_equal(sqk_model_create(&m, k, NULL, 20, 2, "Ne,Te"), SQK_OK);
    sqk_net *net = sqk_netmodel_net(m);
    /* conv 3*2*4+4 + 3*4*4+4; BiLSTM 2 x (12*512 + 128*512 + 512); fc 256*128+128; out 128*3+3 */
    assert_int_equal(sqk_net_num_params(net), 28 + 52 + 2 * 72192 + 32896 + 387);
    struct { const char *name; int rank; size_t d0, d1, d2; } want[] = {
        {"conv1/kernel", 3, 3, 2, 4}, {"conv2/kernel", 3, 3, 4, 4},
        {"bilstm1/forward/kernel", 2, 12, 512, 0}, {"bilstm1/backward/recurrent_kernel", 2, 128, 512, 0},
        {"bilstm1/backward/bias", 1, 512, 0, 0}, {"fc1/kernel", 2, 256, 128, 0}, {"output/kernel", 2, 128, 3, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const sqk_param_tensor *t = sqk_net_find_tensor(net, want[i].name);
        assert_non_null(t);
        assert_int_equal(t->rank, want[i].rank);
        assert_int_equal(t->dims[0], want[i].d0);
        if (t->rank > 1) assert_int_equal(t->dims[1], want[i].d1);
        if (t->rank > 2) assert_int_equal(t->dims[2], want[i].d2);
    }
    /* Keras initialisers: unit forget bias, zero conv bias */
    const sqk_param_tensor *b = sqk_net_find_tensor(net, "bilstm1/forward/bias");
    const float *p = sqk_net_params(net) + b->offset;
    assert_true(p[0] == 0.0f && p[128] == 1.0f && p[255] == 1.0f && p[256] == 0.0f);
    assert_int_equal(sqk_net_num_outputs(net), 3);
    sqk_model_free(m);
}

static void test_deeper_variant(void **state)
{
    (void)state;
    sqk_hparams hp;
    sqk_hparams_default(&hp, sqk_model_kind_find("seqnet"));
    const char *sets[] = {"num_cnn_layers=3", "size_kernel_cnn=2", "num_lstm_layers=2", "units_lstm=16",
                          "num_fc_layers=3", "units_fc=8", "activation_fc=tanh", "n_steps=4"};
    for (int i = 0; i < 8; i++) assert_int_equal(sqk_hparams_set(&hp, sets[i]), SQK_OK);
    sqk_model *m;
    assert_int_equal(sqk_model_create(&m, hp.kind, &hp, 24, 3, NULL), SQK_OK);
    sqk_net *net = sqk_netmodel_net(m);
    assert_non_null(sqk_net_find_tensor(net, "conv3/kernel"));
    assert_non_null(sqk_net_find_tensor(net, "bilstm2/forward/kernel"));
    assert_non_null(sqk_net_find_tensor(net, "fc2/kernel"));
    /* 24 / 4 = 6 samples per step -> 5 -> 4 -> 3 after three k=2 convs -> pool 1 -> 4 filters */
    assert_int_equal(sqk_net_find_tensor(net, "bilstm1/forward/kernel")->dims[0], 4);
    assert_int_equal(sqk_net_find_tensor(net, "bilstm2/forward/kernel")->dims[0], 32);
    float X[2 * 24 * 3] = {0}, p[6];
    assert_int_equal(sqk_model_predict(m, X, 2, p), SQK_OK); /* scaler not fitted: identity */
    assert_close(p[0] + p[1] + p[2], 1.0, 1e-6);
    sqk_model_free(m);
    /* too many convolutions for the sub-sequence: a clear error naming the layer */
    assert_int_equal(sqk_hparams_set(&hp, "num_cnn_layers=6"), SQK_OK);
    assert_int_equal(sqk_model_create(&m, hp.kind, &hp, 24, 3, NULL), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "conv"));
    /* an odd window cannot be cut into n_steps = 2 equal halves (Keras's reshape would fail too):
     * refused with both numbers named */
    assert_int_equal(sqk_hparams_set(&hp, "num_cnn_layers=1"), SQK_OK);
    assert_int_equal(sqk_hparams_set(&hp, "n_steps=2"), SQK_OK);
    assert_int_equal(sqk_model_create(&m, hp.kind, &hp, 25, 3, NULL), SQK_EARG);
    assert_non_null(strstr(sqk_last_error(), "n_steps=2"));
    assert_non_null(strstr(sqk_last_error(), "T=25"));
}

/* rnn=gru: the same stack with Bidirectional GRUs (Keras weights: bias (2, 3u)), in the seqnet
 * and lstm kinds, trained a step and round-tripped through a model file bit for bit. */
static void test_gru_option(void **state)
{
    (void)state;
    const char *kinds[] = {"seqnet", "lstm"}, *tensor[] = {"bigru1/backward/bias", "gru1/bias"};
    for (int k = 0; k < 2; k++) {
        sqk_hparams hp;
        sqk_hparams_default(&hp, sqk_model_kind_find(kinds[k]));
        assert_int_equal(sqk_hparams_set(&hp, "rnn=gru"), SQK_OK);
        assert_int_equal(sqk_hparams_set(&hp, "units_lstm=6"), SQK_OK);
        assert_int_equal(sqk_hparams_set(&hp, "epochs=1"), SQK_OK);
        assert_int_equal(sqk_hparams_set(&hp, "rnn=rnn"), SQK_EARG);
        sqk_model *m;
        assert_int_equal(sqk_model_create(&m, hp.kind, &hp, 12, 2, "Ne,Te"), SQK_OK);
        sqk_net *net = sqk_netmodel_net(m);
        const sqk_param_tensor *t = sqk_net_find_tensor(net, tensor[k]);
        assert_non_null(t);
        assert_int_equal(t->rank, 2);
        assert_int_equal(t->dims[0], 2);
        assert_int_equal(t->dims[1], 18);
        assert_null(sqk_net_find_tensor(net, k ? "lstm1/kernel" : "bilstm1/forward/kernel"));
        enum { N = 12 };
        float X[N * 24], p[N * 3], q[N * 3];
        int32_t y[N];
        for (int i = 0; i < N * 24; i++) X[i] = (float)sin(0.7 * i);
        for (int i = 0; i < N; i++) y[i] = i % 3;
        sqk_model_data d = {.X = X, .y = y, .N = N};
        assert_int_equal(sqk_model_fit(m, &d, NULL, NULL), SQK_OK);
        assert_int_equal(sqk_model_predict(m, X, N, p), SQK_OK);
        char *dir = test_tmpdir(), path[4200];
        snprintf(path, sizeof path, "%s/gru.h5", dir);
        assert_int_equal(sqk_model_save(m, path), SQK_OK);
        sqk_model_free(m);
        assert_int_equal(sqk_model_load(&m, path), SQK_OK);
        assert_int_equal(sqk_model_predict(m, X, N, q), SQK_OK);
        assert_memory_equal(p, q, sizeof p);
        sqk_model_free(m);
        test_rmtree(dir);
        free(dir);
    }
}

static void test_hparams_text_round_trip(void **state)
{
    (void)state;
    sqk_hparams a, b;
    sqk_hparams_default(&a, sqk_model_kind_find("seqnet"));
    assert_int_equal(sqk_hparams_set(&a, "lr=0.000123456789"), SQK_OK);
    assert_int_equal(sqk_hparams_set(&a, "optimizer=sgd"), SQK_OK);
    char *text = sqk_hparams_format(&a);
    assert_non_null(strstr(text, "optimizer=sgd\n"));
    sqk_hparams_default(&b, a.kind);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        assert_int_equal(sqk_hparams_set(&b, line), SQK_OK);
    assert_memory_equal(a.v, b.v, sizeof a.v);
    free(text);
    char *help = sqk_hparams_describe(a.kind);
    assert_non_null(strstr(help, "units_lstm"));
    free(help);
}

static void test_scaler(void **state)
{
    (void)state;
    float X[3 * 2] = {1, 10, 3, 10, 5, 10};
    sqk_scaler s;
    assert_int_equal(sqk_scaler_fit(&s, X, 3, 2, 1, 0), SQK_OK);
    assert_close(s.mean[0], 3.0, 1e-6);
    assert_close(s.std[0], sqrt(8.0 / 3), 1e-6);
    assert_close(s.std[1], 1.0, 0); /* constant input: std taken as 1 */
    sqk_scaler_apply(&s, X, 3);
    assert_close(X[0], -2 / sqrt(8.0 / 3), 1e-6);
    assert_close(X[1], 0.0, 0);
    sqk_scaler_free(&s);
    float Y[2] = {3, 4};
    assert_int_equal(sqk_scaler_fit(&s, Y, 1, 2, 0, 1), SQK_OK);
    sqk_scaler_apply(&s, Y, 1);
    assert_close(Y[0], 0.6, 1e-7);
    assert_close(Y[1], 0.8, 1e-7);
    sqk_scaler_free(&s);
}

int main(void)
{
    sqk_nn_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_architecture),
        cmocka_unit_test(test_deeper_variant),
        cmocka_unit_test(test_gru_option),
        cmocka_unit_test(test_hparams_text_round_trip),
        cmocka_unit_test(test_scaler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
