/* SeqNetQuake (CNN-BiLSTM): X (T, F) -> (n_steps, T/n_steps, F);
 * TimeDistributed[Conv1D x num_cnn_layers -> Dropout -> MaxPooling1D(2) -> Flatten]
 * -> Bidirectional LSTM x num_lstm_layers (all but the last return sequences) -> Dropout
 * -> Dense(units_fc, activation_fc) x (num_fc_layers - 1) -> Dense(3, softmax).
 * Weight groups: conv1.., bilstm1.., fc1.., output. rnn=gru puts Bidirectional Keras GRUs
 * (reset_after=True) in place of the LSTMs (weight groups bigru1, ...). */
#include "sqk/model.h"

#include <stdio.h>

static const sqk_hparam_def seqnet_hparams[] = {
    {"num_cnn_layers", SQK_HP_INT, 2, 1, 8, NULL, 1, "Conv1D layers"},
    {"num_filters_cnn", SQK_HP_INT, 4, 1, 1024, NULL, 1, "filters per Conv1D layer"},
    {"size_kernel_cnn", SQK_HP_INT, 3, 1, 64, NULL, 1, "Conv1D kernel size"},
    {"activation_cnn", SQK_HP_CHOICE, 0, 0, 0, "relu,tanh,sigmoid", 1, "Conv1D activation"},
    {"num_lstm_layers", SQK_HP_INT, 1, 1, 8, NULL, 1, "Bidirectional LSTM layers"},
    {"units_lstm", SQK_HP_INT, 128, 1, 4096, NULL, 1, "units per LSTM direction"},
    {"rnn", SQK_HP_CHOICE, 0, 0, 0, "lstm,gru", 1, "recurrent cell: lstm, or gru (Keras GRU, reset_after=True)"},
    {"num_fc_layers", SQK_HP_INT, 2, 1, 8, NULL, 1, "dense layers including the softmax output"},
    {"units_fc", SQK_HP_INT, 128, 1, 8192, NULL, 1, "units per hidden dense layer"},
    {"activation_fc", SQK_HP_CHOICE, 0, 0, 0, "relu,tanh,sigmoid", 1, "hidden dense activation"},
    {"dropout", SQK_HP_REAL, 0.5, 0, 0.95, NULL, 1, "dropout rate (after the convolutions and after the LSTM)"},
    {"n_steps", SQK_HP_INT, 2, 1, 1000, NULL, 1, "sub-sequences the window is cut into (T must divide)"},
    SQK_HP_NN_TRAINING_ENTRIES,
    SQK_HP_SCALER_ENTRIES,
};

#define MAX_LAYERS 40

/* The layer list of the hyperparameters; returns the count. */
static int seqnet_layers(const sqk_hparams *hp, sqk_layer_spec *L)
{
    int n = 0, ncnn = sqk_hp_int(hp, "num_cnn_layers"), nlstm = sqk_hp_int(hp, "num_lstm_layers");
    int nfc = sqk_hp_int(hp, "num_fc_layers"), steps = sqk_hp_int(hp, "n_steps");
    float d = (float)sqk_hp_real(hp, "dropout");
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_SPLIT_STEPS, .name = "td_split", .units = steps};
    for (int i = 1; i <= ncnn; i++) {
        L[n] = (sqk_layer_spec){.kind = SQK_LAYER_CONV1D, .units = sqk_hp_int(hp, "num_filters_cnn"),
                                .kernel = sqk_hp_int(hp, "size_kernel_cnn"),
                                .act = sqk_netmodel_activation(hp, "activation_cnn")};
        snprintf(L[n++].name, sizeof L[0].name, "conv%d", i);
    }
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_DROPOUT, .name = "td_dropout", .rate = d};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_MAXPOOL1D, .name = "td_pool"};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_FLATTEN, .name = "td_flatten"};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_MERGE_STEPS, .name = "td_merge", .units = steps};
    int gru = sqk_netmodel_is_gru(hp);
    for (int i = 1; i <= nlstm; i++) {
        L[n] = (sqk_layer_spec){.kind = gru ? SQK_LAYER_BIGRU : SQK_LAYER_BILSTM,
                                .units = sqk_hp_int(hp, "units_lstm"), .return_sequences = i < nlstm};
        snprintf(L[n++].name, sizeof L[0].name, gru ? "bigru%d" : "bilstm%d", i);
    }
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_DROPOUT, .name = "dropout", .rate = d};
    for (int i = 1; i < nfc; i++) {
        L[n] = (sqk_layer_spec){.kind = SQK_LAYER_DENSE, .units = sqk_hp_int(hp, "units_fc"),
                                .act = sqk_netmodel_activation(hp, "activation_fc")};
        snprintf(L[n++].name, sizeof L[0].name, "fc%d", i);
    }
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_DENSE, .name = "output", .units = 3, .act = SQK_ACT_LINEAR};
    L[n++] = (sqk_layer_spec){.kind = SQK_LAYER_SOFTMAX, .name = "softmax"};
    return n;
}

static int seqnet_create(sqk_model *m)
{
    sqk_layer_spec L[MAX_LAYERS];
    int steps = sqk_hp_int(&m->hp, "n_steps");
    if (m->T % steps)
        return sqk_fail(SQK_EARG, "n_steps=%d does not divide the window length T=%d", steps, m->T);
    return sqk_netmodel_create(m, L, seqnet_layers(&m->hp, L));
}

const sqk_model_kind sqk_kind_seqnet = {
    .name = "seqnet",
    .description = "SeqNetQuake: TimeDistributed Conv1D + Bidirectional LSTM + dense layers",
    .hparams = seqnet_hparams,
    .n_hparams = (int)(sizeof seqnet_hparams / sizeof seqnet_hparams[0]),
    .create = seqnet_create,
    SQK_NETMODEL_CALLS,
};
