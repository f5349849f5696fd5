/* Inside the engine: the layer table and what a layer file needs.
 *
 * Each layer kind is one file holding its kernels and its row of the table (KANN's operator
 * table): plan (output shape and parameter tensors), carve (its buffers in the activation
 * arena), forward, backward and, when Keras's defaults by tensor name are not enough, init.
 * A layer reaches its tensors and buffers through names local to its file (an enum indexing
 * l->tensor[] and l->buf[]), never by position in the network. Adding a kind is one file, its
 * enum value in sqk/nn.h and one row in layer_table.c. */
#ifndef SQK_NN_LAYER_H
#define SQK_NN_LAYER_H

#include "sqk/nn.h"

#include <stddef.h>
#include <stdint.h>

#define SQK_LAYER_MAX_TENSORS 8
#define SQK_LAYER_MAX_BUFS 12

typedef struct sqk_layer_ops sqk_layer_ops;

/* One layer of a network: its spec, shapes, tensors and buffers. Activations are
 * (B * m, T, C) for a batch of B windows. */
typedef struct {
    sqk_layer_spec s;
    const sqk_layer_ops *ops;
    int in_m, in_T, in_C;    /* input (B*in_m, in_T, in_C) */
    int out_m, out_T, out_C; /* output (B*out_m, out_T, out_C) */
    int tensor0, ntensors;   /* its tensors in the network's list */
    int tensor[SQK_LAYER_MAX_TENSORS]; /* network tensor index by the file's own names */
    int reshape;             /* output is the input reinterpreted: shares its buffers */
    int ndir;                /* recurrent layers: directions */
    float *out, *dout;       /* output and its gradient */
    float *buf[SQK_LAYER_MAX_BUFS]; /* saved state by the file's own names */
    int32_t *ibuf;           /* integer saved state (max-pool winners) */
} sqk_layer;

/* Carving the activation arena: with base NULL it only counts. */
typedef struct {
    float *base;
    int32_t *ibase;
    size_t nf, ni;
} sqk_carver;

static inline float *sqk_carve(sqk_carver *c, size_t n)
{
    float *p = c->base ? c->base + c->nf : NULL;
    c->nf += n;
    return p;
}

static inline int32_t *sqk_carve_i32(sqk_carver *c, size_t n)
{
    int32_t *p = c->ibase ? c->ibase + c->ni : NULL;
    c->ni += n;
    return p;
}

struct sqk_layer_ops {
    sqk_layer_kind kind;
    const char *name; /* for messages: "Conv1D", "Bidirectional(LSTM)", ... */
    /* From l->in_*: l->out_* (preset to the input shape), l->reshape, and the parameter
     * tensors (sqk_layer_add_tensor). Errors name the layer. NULL: shape unchanged, no weights. */
    int (*plan)(sqk_net *net, sqk_layer *l, int is_last);
    /* Buffers for batches of B, out and dout first (sqk_layer_carve_io); not called for
     * reshapes. */
    void (*carve)(sqk_layer *l, sqk_carver *c, int B);
    int (*forward)(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng);
    /* dout holds the output gradient; writes din (the input gradient, NULL for none) and adds
     * into the weight gradients. NULL: nothing to do (reshapes, softmax with the loss). */
    void (*backward)(sqk_net *net, sqk_layer *l, const float *in, float *din, int B);
    /* Keras initial value of tensor t (w, zeroed); NULL: sqk_layer_init_default. */
    int (*init)(sqk_net *net, const sqk_layer *l, const sqk_param_tensor *t, float *w, sqk_rng *rng);
    /* recurrent layers only: the cell and the number of directions */
    const struct sqk_rnn_cell *cell;
    int directions;
};

#define SQK_NN_MAX_THREADS 16

/* The network: layers, ONE parameter arena (gradients in a parallel one), ONE activation
 * arena carved into the layers' buffers for the largest batch, and the replicas that split
 * batches over threads (replicas.c). */
struct sqk_net {
    int n_layers;
    sqk_layer *L;
    int T, F, max_batch;
    float *params, *grads;
    size_t n_params;
    sqk_param_tensor *tensors;
    int n_tensors, cap_tensors;
    float *acts;
    int32_t *iacts;
    float *input, *dinput;
    /* Replicas share params (not owned) and have their own gradient and activation arenas;
     * rep[0] is unused (the net itself). */
    struct sqk_net *rep[SQK_NN_MAX_THREADS];
    int n_rep, is_replica, has_batchnorm;
};

/* The row of a kind, or NULL. */
const sqk_layer_ops *sqk_layer_ops_find(sqk_layer_kind kind);

/* Adds the tensor "<layer name>/<leaf>" of the given dims (rank 1..3) and records its index in
 * l->tensor[slot]. */
int sqk_layer_add_tensor(sqk_net *net, sqk_layer *l, int slot, const char *leaf, int rank,
                         size_t d0, size_t d1, size_t d2, int trainable);
/* The parameters and gradients of a layer's tensor by the file's slot name. */
float *sqk_layer_param(sqk_net *net, const sqk_layer *l, int slot);
float *sqk_layer_grad(sqk_net *net, const sqk_layer *l, int slot);
/* out and dout of B windows. */
void sqk_layer_carve_io(sqk_layer *l, sqk_carver *c, int B);
/* Keras defaults by leaf name: kernel glorot_uniform (fans dims[0], dims[1]), recurrent_kernel
 * orthogonal, gamma and moving_variance ones, the rest zeros. */
int sqk_layer_init_default(const sqk_param_tensor *t, float *w, sqk_rng *rng);

/* Sizes of a batch of B at the layer's input and output, in floats. */
static inline size_t sqk_layer_in_floats(const sqk_layer *l, int B)
{
    return (size_t)B * l->in_m * l->in_T * l->in_C;
}
static inline size_t sqk_layer_out_floats(const sqk_layer *l, int B)
{
    return (size_t)B * l->out_m * l->out_T * l->out_C;
}

/* out[g] += sum over rows of in (N, G): the bias gradients of the recurrent cells. */
static inline void sqk_add_column_sums(float *restrict out, const float *restrict in, int N, size_t G)
{
    for (int n = 0; n < N; n++)
#pragma omp simd
        for (size_t g = 0; g < G; g++) out[g] += in[(size_t)n * G + g];
}

/* The element-wise kernels are compiled for AVX-512 / AVX2 / baseline (every clone gives the
 * same bits); GCC only. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SQK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SQK_CLONES
#endif

/* The recurrent cells behind the LSTM and GRU layers, one or two directions each (the
 * Bidirectional glue, bidirectional.c). A cell owns its kernels; x (B, T, In), the state
 * saved for backward is (B, T, state_width) floats per direction, h (B, T, U). */
typedef struct sqk_rnn_cell {
    const char *name;       /* "LSTM", "GRU" */
    int gates;              /* width of the gate axis in units: 4 (LSTM), 3 (GRU) */
    int bias_rows;          /* 1 (LSTM), 2 (GRU reset_after: input and recurrent bias) */
    int unit_forget_bias;   /* Keras initialises the forget gate's bias to one */
    size_t (*saved_floats)(int B, int T, int U);   /* per direction, besides h */
    size_t (*scratch_floats)(int B, int T, int U); /* backward's */
    void (*forward)(float *h, float *saved, const float *x, const float *W, const float *R,
                    const float *bias, int B, int T, int In, int U, int reverse);
    void (*backward)(float *dx, float *dW, float *dR, float *dbias, const float *dh,
                     const float *x, const float *W, const float *R, const float *saved,
                     const float *h, int B, int T, int In, int U, int reverse, float *scratch);
} sqk_rnn_cell;

/* A recurrent layer's row: the cell run in one direction or both (Bidirectional). */
int sqk_rnn_plan(sqk_net *net, sqk_layer *l, int is_last);
void sqk_rnn_carve(sqk_layer *l, sqk_carver *c, int B);
int sqk_rnn_forward(sqk_net *net, sqk_layer *l, const float *in, int B, int training, sqk_rng *rng);
void sqk_rnn_backward(sqk_net *net, sqk_layer *l, const float *in, float *din, int B);
int sqk_rnn_init(sqk_net *net, const sqk_layer *l, const sqk_param_tensor *t, float *w, sqk_rng *rng);
#define SQK_RNN_LAYER(kind_, name_, cell_, directions_) \
    {.kind = (kind_), .name = (name_), .plan = sqk_rnn_plan, .carve = sqk_rnn_carve, \
     .forward = sqk_rnn_forward, .backward = sqk_rnn_backward, .init = sqk_rnn_init, \
     .cell = (cell_), .directions = (directions_)}

/* The table's rows, each defined in its layer's file. */
extern const sqk_layer_ops sqk_layer_conv1d, sqk_layer_maxpool1d, sqk_layer_dropout,
    sqk_layer_flatten, sqk_layer_split_steps, sqk_layer_merge_steps, sqk_layer_lstm,
    sqk_layer_bilstm, sqk_layer_gru, sqk_layer_bigru, sqk_layer_dense, sqk_layer_batchnorm,
    sqk_layer_activation, sqk_layer_softmax;

#endif
