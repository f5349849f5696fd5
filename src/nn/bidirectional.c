/* The recurrent layers: a cell (lstm.c, gru.c) run over the sequence in one direction, or in
 * both as Keras's Bidirectional wrapper (merge_mode "concat": output [forward, backward]).
 * Weights per direction in Keras's names: "kernel", "recurrent_kernel", "bias", prefixed
 * "forward/" and "backward/" when bidirectional. With return_sequences = 0 the output is the
 * last step of each direction: t = T-1 for the forward one, t = 0 for the backward one. */
#include "layer.h"

#include <stdio.h>
#include <string.h>

enum { KERNEL, RECURRENT_KERNEL, BIAS, N_TENSORS };       /* tensors, + N_TENSORS * direction */
enum { H = 0, SAVED = 2, DH = 4, SCRATCH = 6, DX_BACKWARD }; /* buffers, H + direction, ... */

int sqk_rnn_plan(sqk_net *net, sqk_layer *l, int is_last)
{
    const sqk_layer_spec *s = &l->s;
    const sqk_rnn_cell *cell = l->ops->cell;
    if (s->units < 1) return sqk_fail(SQK_EARG, "layer %s: %s needs units >= 1", s->name, cell->name);
    l->ndir = l->ops->directions;
    l->out_T = s->return_sequences ? l->in_T : 1;
    l->out_C = l->ndir * s->units;
    size_t G = (size_t)cell->gates * s->units;
    int rc = SQK_OK;
    for (int d = 0; d < l->ndir && !rc; d++) {
        const char *pre = l->ndir == 1 ? "" : d == 0 ? "forward/" : "backward/";
        char nm[48];
        int t0 = N_TENSORS * d;
        snprintf(nm, sizeof nm, "%skernel", pre);
        rc = sqk_layer_add_tensor(net, l, t0 + KERNEL, nm, 2, l->in_C, G, 0, 1);
        snprintf(nm, sizeof nm, "%srecurrent_kernel", pre);
        if (!rc) rc = sqk_layer_add_tensor(net, l, t0 + RECURRENT_KERNEL, nm, 2, s->units, G, 0, 1);
        snprintf(nm, sizeof nm, "%sbias", pre);
        if (!rc)
            rc = cell->bias_rows == 1 ? sqk_layer_add_tensor(net, l, t0 + BIAS, nm, 1, G, 0, 0, 1)
                                      : sqk_layer_add_tensor(net, l, t0 + BIAS, nm, 2, cell->bias_rows, G, 0, 1);
    }
    return rc;
}

/* One direction returning every step writes its h straight into the output. */
static int output_is_h(const sqk_layer *l) { return l->ndir == 1 && l->s.return_sequences; }

void sqk_rnn_carve(sqk_layer *l, sqk_carver *c, int B)
{
    const sqk_rnn_cell *cell = l->ops->cell;
    int R = B * l->in_m, T = l->in_T, U = l->s.units;
    if (output_is_h(l)) l->dout = sqk_carve(c, sqk_layer_out_floats(l, B));
    else sqk_layer_carve_io(l, c, B);
    for (int d = 0; d < l->ndir; d++) {
        l->buf[H + d] = sqk_carve(c, (size_t)R * T * U);
        l->buf[SAVED + d] = sqk_carve(c, cell->saved_floats(R, T, U));
        l->buf[DH + d] = sqk_carve(c, (size_t)R * T * U);
    }
    l->buf[SCRATCH] = sqk_carve(c, cell->scratch_floats(R, T, U));
    if (l->ndir == 2) l->buf[DX_BACKWARD] = sqk_carve(c, sqk_layer_in_floats(l, B));
    if (output_is_h(l)) l->out = l->buf[H];
}

/* The input time whose h is output step `to` of direction d. */
static int output_time(const sqk_layer *l, int d, int to)
{
    return l->s.return_sequences ? to : d == 0 ? l->in_T - 1 : 0;
}

int sqk_rnn_forward(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng)
{
    const sqk_rnn_cell *cell = l->ops->cell;
    int R = B * l->in_m, T = l->in_T, U = l->s.units;
    for (int d = 0; d < l->ndir; d++) {
        int t0 = N_TENSORS * d;
        cell->forward(l->buf[H + d], l->buf[SAVED + d], in, sqk_layer_param(net, l, t0 + KERNEL),
                      sqk_layer_param(net, l, t0 + RECURRENT_KERNEL), sqk_layer_param(net, l, t0 + BIAS),
                      R, T, l->in_C, U, d);
    }
    if (output_is_h(l)) return SQK_OK;
    int oc = l->out_C;
    for (int r = 0; r < R; r++)
        for (int to = 0; to < l->out_T; to++)
            for (int d = 0; d < l->ndir; d++)
                memcpy(l->out + ((size_t)r * l->out_T + to) * oc + d * U,
                       l->buf[H + d] + ((size_t)r * T + output_time(l, d, to)) * U, (size_t)U * sizeof(float));
    return SQK_OK;
}

void sqk_rnn_backward(sqk_net *net, sqk_layer *l, const float *in, float *din, int B)
{
    const sqk_rnn_cell *cell = l->ops->cell;
    int R = B * l->in_m, T = l->in_T, U = l->s.units;
    for (int d = 0; d < l->ndir; d++) {
        float *dh = l->buf[DH + d];
        if (output_is_h(l)) {
            memcpy(dh, l->dout, (size_t)R * T * U * sizeof *dh);
            continue;
        }
        memset(dh, 0, (size_t)R * T * U * sizeof *dh);
        for (int r = 0; r < R; r++)
            for (int to = 0; to < l->out_T; to++)
                memcpy(dh + ((size_t)r * T + output_time(l, d, to)) * U,
                       l->dout + ((size_t)r * l->out_T + to) * l->out_C + d * U, (size_t)U * sizeof *dh);
    }
    size_t in_n = sqk_layer_in_floats(l, B);
    for (int d = 0; d < l->ndir; d++) {
        int t0 = N_TENSORS * d;
        /* the backward direction's input gradient is added to the forward one's */
        float *dx = d == 0 ? din : l->buf[DX_BACKWARD];
        cell->backward(dx, sqk_layer_grad(net, l, t0 + KERNEL), sqk_layer_grad(net, l, t0 + RECURRENT_KERNEL),
                       sqk_layer_grad(net, l, t0 + BIAS), l->buf[DH + d], in, sqk_layer_param(net, l, t0 + KERNEL),
                       sqk_layer_param(net, l, t0 + RECURRENT_KERNEL), l->buf[SAVED + d], l->buf[H + d], R, T,
                       l->in_C, U, d, l->buf[SCRATCH]);
        if (d == 1 && din)
            for (size_t i = 0; i < in_n; i++) din[i] += dx[i];
    }
}

/* Keras: kernel glorot_uniform, recurrent_kernel orthogonal, bias zeros with the LSTM's forget
 * gate at one (unit_forget_bias). */
int sqk_rnn_init(sqk_net *net, const sqk_layer *l, const sqk_param_tensor *t, float *w, sqk_rng *rng)
{
    const sqk_rnn_cell *cell = l->ops->cell;
    for (int d = 0; d < l->ndir; d++)
        if (cell->unit_forget_bias && t == &net->tensors[l->tensor[N_TENSORS * d + BIAS]]) {
            for (int u = l->s.units; u < 2 * l->s.units; u++) w[u] = 1.0f;
            return SQK_OK;
        }
    return sqk_layer_init_default(t, w, rng);
}
