/* The lstm baseline (method.md section 7): LSTM(units) x n (all but the last return sequences)
 * -> Dropout -> Dense(units_fc, act_fc) x (num_fc_layers - 1) -> Dense(3) -> softmax.
 * rnn=gru puts Keras GRUs (reset_after=True) in place of the LSTMs (weight groups gru1, ...). */
#include "sqk/model.h"

static const sqk_hparam_def lstm_hparams[] = {
    {"num_lstm_layers", SQK_HP_INT, 1, 1, 8, NULL, 1, "stacked LSTM layers (paper's space 1..6)"},
    {"units_lstm", SQK_HP_INT, 64, 1, 4096, NULL, 1, "units per LSTM layer (paper's space 64..512)"},
    {"rnn", SQK_HP_CHOICE, 0, 0, 0, "lstm,gru", 1, "recurrent cell: lstm, or gru (Keras GRU, reset_after=True)"},
    SQK_HP_FC_HEAD_ENTRIES,
    {"dropout", SQK_HP_REAL, 0.25, 0, 0.95, NULL, 0, "dropout rate after the last LSTM layer"},
    SQK_HP_NN_TRAINING_ENTRIES,
    SQK_HP_SCALER_ENTRIES
};

static int lstm_create(sqk_model *m)
{
    const sqk_hparams *hp = &m->hp;
    int n_lstm = sqk_hp_int(hp, "num_lstm_layers");
    sqk_layer_spec layers[8 + 1 + 8 + 1];
    int n = 0, gru = sqk_netmodel_is_gru(hp);
    for (int i = 1; i <= n_lstm; i++) {
        sqk_layer_spec *s = sqk_netmodel_add_layer(layers, &n, gru ? SQK_LAYER_GRU : SQK_LAYER_LSTM,
                                                   gru ? "gru" : "lstm", i);
        s->units = sqk_hp_int(hp, "units_lstm");
        s->return_sequences = i < n_lstm;
    }
    sqk_netmodel_add_layer(layers, &n, SQK_LAYER_DROPOUT, "dropout", 1)->rate = (float)sqk_hp_real(hp, "dropout");
    sqk_netmodel_add_fc_head(layers, &n, hp);
    return sqk_netmodel_create(m, layers, n);
}

const sqk_model_kind sqk_kind_lstm = {
    .name = "lstm",
    .description = "stacked LSTM baseline (LSTM x n, dense layers)",
    .hparams = lstm_hparams,
    .n_hparams = (int)(sizeof lstm_hparams / sizeof lstm_hparams[0]),
    .create = lstm_create,
    SQK_NETMODEL_CALLS,
};
