/* The layer table: one row per kind, each defined in its layer's file (layer.h). */
#include "layer.h"

static const sqk_layer_ops *const table[] = {
    &sqk_layer_conv1d,      &sqk_layer_maxpool1d, &sqk_layer_dropout,     &sqk_layer_flatten,
    &sqk_layer_split_steps, &sqk_layer_merge_steps, &sqk_layer_lstm,      &sqk_layer_bilstm,
    &sqk_layer_dense,       &sqk_layer_batchnorm, &sqk_layer_activation,  &sqk_layer_softmax,
    &sqk_layer_gru,         &sqk_layer_bigru,
};

const sqk_layer_ops *sqk_layer_ops_find(sqk_layer_kind kind)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i]->kind == kind) return table[i];
    return NULL;
}
