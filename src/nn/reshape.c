/* The reshapes, which only reinterpret the previous layer's buffers: Flatten, and the two ends
 * of Keras's TimeDistributed wrapper (split a window into sub-sequences run as rows of the
 * batch, and merge one vector per sub-sequence back into a sequence). */
#include "layer.h"

/* (rows, T, C) -> (rows, 1, T*C) */
static int flatten_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    l->reshape = 1;
    l->out_T = 1;
    l->out_C = l->in_T * l->in_C;
    return SQK_OK;
}

/* (rows, T, C) -> (rows*steps, T/steps, C) */
static int split_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    const sqk_layer_spec *s = &l->s;
    if (s->units < 1 || l->in_T % s->units)
        return sqk_fail(SQK_EARG, "layer %s: %d time steps cannot be split into %d equal sub-sequences",
                        s->name, l->in_T, s->units);
    l->reshape = 1;
    l->out_m = l->in_m * s->units;
    l->out_T = l->in_T / s->units;
    return SQK_OK;
}

/* (rows, 1, D) -> (rows/steps, steps, D) */
static int merge_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    const sqk_layer_spec *s = &l->s;
    if (s->units < 1 || l->in_T != 1 || l->in_m % s->units)
        return sqk_fail(SQK_EARG, "layer %s: cannot merge %d sub-sequences (flatten them first)",
                        s->name, s->units);
    l->reshape = 1;
    l->out_m = l->in_m / s->units;
    l->out_T = s->units;
    return SQK_OK;
}

const sqk_layer_ops sqk_layer_flatten = {.kind = SQK_LAYER_FLATTEN, .name = "Flatten", .plan = flatten_plan};
const sqk_layer_ops sqk_layer_split_steps = {.kind = SQK_LAYER_SPLIT_STEPS, .name = "TimeDistributed (split)",
                                             .plan = split_plan};
const sqk_layer_ops sqk_layer_merge_steps = {.kind = SQK_LAYER_MERGE_STEPS, .name = "TimeDistributed (merge)",
                                             .plan = merge_plan};
