/* The sequential network: a list of layers, each run through its row of the layer table
 * (layer.h), ONE parameter arena (weights in Keras layouts, one named tensor after the other;
 * gradients in a parallel arena) and ONE activation arena carved into per-layer buffers for
 * the largest batch. Reshape layers only reinterpret the previous buffer. */
#include "layer.h"
#include "sqk/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sqk_layer_add_tensor(sqk_net *net, sqk_layer *l, int slot, const char *leaf, int rank,
                         size_t d0, size_t d1, size_t d2, int trainable)
{
    if (net->n_tensors == net->cap_tensors) {
        int cap = net->cap_tensors ? 2 * net->cap_tensors : 16;
        sqk_param_tensor *t = sqk_realloc(net->tensors, (size_t)cap * sizeof *t);
        if (!t) return SQK_EMEM;
        net->tensors = t;
        net->cap_tensors = cap;
    }
    sqk_param_tensor *t = &net->tensors[net->n_tensors];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s/%s", l->s.name, leaf);
    t->rank = rank;
    t->dims[0] = d0;
    t->dims[1] = rank > 1 ? d1 : 0;
    t->dims[2] = rank > 2 ? d2 : 0;
    t->size = d0 * (rank > 1 ? d1 : 1) * (rank > 2 ? d2 : 1);
    t->offset = net->n_params;
    t->layer = (int)(l - net->L);
    t->trainable = trainable;
    net->n_params += t->size;
    l->tensor[slot] = net->n_tensors++;
    return SQK_OK;
}

float *sqk_layer_param(sqk_net *net, const sqk_layer *l, int slot)
{
    return net->params + net->tensors[l->tensor[slot]].offset;
}

float *sqk_layer_grad(sqk_net *net, const sqk_layer *l, int slot)
{
    return net->grads + net->tensors[l->tensor[slot]].offset;
}

void sqk_layer_carve_io(sqk_layer *l, sqk_carver *c, int B)
{
    l->out = sqk_carve(c, sqk_layer_out_floats(l, B));
    l->dout = sqk_carve(c, sqk_layer_out_floats(l, B));
}

/* Carves the activation arena for batches of B (with base NULL only counts). */
static void carve(sqk_net *net, int B, sqk_carver *c)
{
    net->input = sqk_carve(c, (size_t)B * net->T * net->F);
    net->dinput = sqk_carve(c, (size_t)B * net->T * net->F);
    float *prev = net->input, *dprev = net->dinput;
    for (int i = 0; i < net->n_layers; i++) {
        sqk_layer *l = &net->L[i];
        memset(l->buf, 0, sizeof l->buf);
        l->ibuf = NULL;
        if (l->reshape) {
            l->out = prev;
            l->dout = dprev;
        } else if (l->ops->carve) {
            l->ops->carve(l, c, B);
        } else {
            sqk_layer_carve_io(l, c, B);
        }
        prev = l->out;
        dprev = l->dout;
    }
}

int sqk_net_reserve(sqk_net *net, int max_batch)
{
    if (max_batch <= net->max_batch) return SQK_OK;
    sqk_carver count = {0};
    carve(net, max_batch, &count);
    float *a = sqk_calloc(count.nf ? count.nf : 1, sizeof *a);
    int32_t *ia = sqk_calloc(count.ni ? count.ni : 1, sizeof *ia);
    if (!a || !ia) {
        free(a);
        free(ia);
        carve(net, net->max_batch, &(sqk_carver){.base = net->acts, .ibase = net->iacts});
        return sqk_fail(SQK_EMEM, "network: no memory for the activations of a batch of %d", max_batch);
    }
    free(net->acts);
    free(net->iacts);
    net->acts = a;
    net->iacts = ia;
    net->max_batch = max_batch;
    carve(net, max_batch, &(sqk_carver){.base = a, .ibase = ia});
    return SQK_OK;
}

int sqk_net_create(sqk_net **out, const sqk_layer_spec *layers, int n_layers, int T, int F, int max_batch)
{
    *out = NULL;
    if (n_layers < 1 || T < 1 || F < 1)
        return sqk_fail(SQK_EARG, "network: need at least one layer and inputs of T >= 1, F >= 1");
    sqk_net *net = sqk_calloc(1, sizeof *net);
    if (!net) return SQK_EMEM;
    net->L = sqk_calloc((size_t)n_layers, sizeof *net->L);
    if (!net->L) {
        free(net);
        return SQK_EMEM;
    }
    net->n_layers = n_layers;
    net->T = T;
    net->F = F;
    int m = 1, t = T, c = F, rc = SQK_OK;
    for (int i = 0; i < n_layers && !rc; i++) {
        sqk_layer *l = &net->L[i];
        l->s = layers[i];
        l->ops = sqk_layer_ops_find(layers[i].kind);
        if (!l->ops) {
            rc = sqk_fail(SQK_EARG, "layer %s: unknown layer kind %d", l->s.name, (int)l->s.kind);
            break;
        }
        l->in_m = l->out_m = m;
        l->in_T = l->out_T = t;
        l->in_C = l->out_C = c;
        l->tensor0 = net->n_tensors;
        if (l->ops->plan) rc = l->ops->plan(net, l, i == n_layers - 1);
        l->ntensors = net->n_tensors - l->tensor0;
        net->has_batchnorm |= layers[i].kind == SQK_LAYER_BATCHNORM;
        m = l->out_m; t = l->out_T; c = l->out_C;
    }
    if (!rc) {
        net->params = sqk_calloc(net->n_params ? net->n_params : 1, sizeof *net->params);
        net->grads = sqk_calloc(net->n_params ? net->n_params : 1, sizeof *net->grads);
        if (!net->params || !net->grads) rc = SQK_EMEM;
    }
    if (!rc) rc = sqk_net_reserve(net, max_batch > 0 ? max_batch : 1);
    if (rc) {
        sqk_net_free(net);
        return rc;
    }
    *out = net;
    return SQK_OK;
}

void sqk_net_free(sqk_net *net)
{
    if (!net) return;
    for (int k = 1; k < net->n_rep; k++) sqk_net_free(net->rep[k]);
    free(net->L);
    if (!net->is_replica) free(net->params);
    free(net->grads);
    free(net->tensors);
    free(net->acts);
    free(net->iacts);
    free(net);
}

int sqk_layer_init_default(const sqk_param_tensor *t, float *w, sqk_rng *rng)
{
    const char *leaf = strrchr(t->name, '/') + 1;
    if (!strcmp(leaf, "kernel"))
        sqk_init_glorot_uniform(w, t->size, (double)t->dims[0], (double)t->dims[1], rng);
    else if (!strcmp(leaf, "recurrent_kernel"))
        return sqk_init_orthogonal(w, (int)t->dims[0], (int)t->dims[1], rng);
    else if (!strcmp(leaf, "gamma") || !strcmp(leaf, "moving_variance"))
        for (size_t i = 0; i < t->size; i++) w[i] = 1.0f;
    return SQK_OK;
}

int sqk_net_init_keras(sqk_net *net, uint64_t seed)
{
    sqk_rng root;
    sqk_rng_seed(&root, seed);
    for (int k = 0; k < net->n_tensors; k++) {
        const sqk_param_tensor *t = &net->tensors[k];
        const sqk_layer *l = &net->L[t->layer];
        float *w = net->params + t->offset;
        sqk_rng rng = sqk_rng_fork(&root, (uint64_t)k); /* one stream per tensor */
        memset(w, 0, t->size * sizeof *w);
        int rc = l->ops->init ? l->ops->init(net, l, t, w, &rng) : sqk_layer_init_default(t, w, &rng);
        if (rc) return rc;
    }
    return SQK_OK;
}

size_t sqk_net_num_params(const sqk_net *net) { return net->n_params; }
float *sqk_net_params(sqk_net *net) { return net->params; }
float *sqk_net_grads(sqk_net *net) { return net->grads; }
int sqk_net_num_tensors(const sqk_net *net) { return net->n_tensors; }
const sqk_param_tensor *sqk_net_tensor(const sqk_net *net, int i) { return &net->tensors[i]; }
int sqk_net_num_layers(const sqk_net *net) { return net->n_layers; }
const sqk_layer_spec *sqk_net_layer(const sqk_net *net, int i) { return &net->L[i].s; }
int sqk_net_num_outputs(const sqk_net *net) { return net->L[net->n_layers - 1].out_C; }
size_t sqk_net_window_floats(const sqk_net *net) { return (size_t)net->T * net->F; }
const float *sqk_net_input_grad(const sqk_net *net) { return net->dinput; }
void sqk_net_zero_grads(sqk_net *net) { memset(net->grads, 0, net->n_params * sizeof *net->grads); }

const sqk_param_tensor *sqk_net_find_tensor(const sqk_net *net, const char *name)
{
    for (int k = 0; k < net->n_tensors; k++)
        if (!strcmp(net->tensors[k].name, name)) return &net->tensors[k];
    return NULL;
}

int sqk_net_set_trainable(sqk_net *net, const char *layer_name, int trainable)
{
    for (int i = 0; i < net->n_layers; i++) {
        if (strcmp(net->L[i].s.name, layer_name)) continue;
        for (int k = net->L[i].tensor0; k < net->L[i].tensor0 + net->L[i].ntensors; k++) {
            const char *leaf = strrchr(net->tensors[k].name, '/') + 1;
            if (strncmp(leaf, "moving_", 7)) net->tensors[k].trainable = trainable;
        }
        return SQK_OK;
    }
    char names[512] = "";
    for (int i = 0; i < net->n_layers; i++)
        if (net->L[i].ntensors) {
            if (names[0]) strncat(names, ", ", sizeof names - strlen(names) - 1);
            strncat(names, net->L[i].s.name, sizeof names - strlen(names) - 1);
        }
    return sqk_fail(SQK_EARG, "no layer named '%s' with weights; layers: %s", layer_name, names);
}

int sqk_net_forward(sqk_net *net, const float *X, int B, int training, sqk_rng *rng,
                    const float **out)
{
    if (out) *out = NULL;
    if (B < 1 || !X)
        return sqk_fail(SQK_EARG, "network forward: need a batch of at least one window, got %d", B);
    if (training && !rng)
        return sqk_fail(SQK_EARG, "network forward: training needs a random stream for dropout");
    int rc = sqk_net_reserve(net, B);
    if (rc) return rc;
    memcpy(net->input, X, (size_t)B * net->T * net->F * sizeof *X);
    const float *in = net->input;
    for (int i = 0; i < net->n_layers; i++) {
        sqk_layer *l = &net->L[i];
        if (l->ops->forward && (rc = l->ops->forward(net, l, in, B, training, rng)))
            return sqk_fail_context(rc, "layer %s", l->s.name);
        in = l->out;
    }
    if (out) *out = in;
    return SQK_OK;
}

double sqk_net_backward(sqk_net *net, const int32_t *y, int B)
{
    sqk_layer *last = &net->L[net->n_layers - 1];
    float *dlogits = net->n_layers > 1 ? net->L[net->n_layers - 2].dout : net->dinput;
    double loss = sqk_softmax_xent(dlogits, last->out, y, B, last->out_C);
    for (int i = net->n_layers - 2; i >= 0; i--) {
        sqk_layer *l = &net->L[i];
        const float *in = i > 0 ? net->L[i - 1].out : net->input;
        float *din = i > 0 ? net->L[i - 1].dout : net->dinput;
        if (l->ops->backward) l->ops->backward(net, l, in, din, B);
    }
    return loss;
}
