/* SeqNetQuake neural-network engine: plain layers on raw float pointers, plus a small
 * sequential network that owns ONE parameter arena (gradients and optimizer moments in
 * parallel arenas of the same length) and ONE activation arena. Knows nothing of earthquakes.
 * See docs/nn-design.md for the data layout.
 *
 * Conventions: a batch of sequences is row-major (B, T, C): sample b, time t, channel c at
 * [(b*T + t)*C + c]. Weights use Keras layouts: Conv1D kernel (k, in, filters), Dense kernel
 * (in, out), LSTM kernel (in, 4u) and recurrent kernel (u, 4u) with gate order i, f, c, o and
 * one bias (4u). Backward functions ACCUMULATE (+=) into weight gradients and OVERWRITE input
 * gradients, so several uses of one weight add up and the caller zeroes the arena once. */
#ifndef SQK_NN_H
#define SQK_NN_H

#include <stddef.h>
#include <stdint.h>

#include "sqk/core.h"
#include "sqk/rng.h"

/* ---- threads ---------------------------------------------------------------------------- */
/* Threads used to split batches (n <= 0: all cores); OpenBLAS itself runs single-threaded
 * inside them, which pays better than threading small GEMMs. With n = 1 every result is
 * bit-for-bit reproducible for a seed (and with any fixed n on one machine). */
void sqk_nn_set_threads(int n);
int sqk_nn_threads(void); /* 1 until set */
/* The setting is per calling thread; OpenBLAS's own thread count is process-wide, so a library
 * entry point brackets its work with push (which sets n) and pop (which restores both). */
typedef struct {
    int nn, blas;
} sqk_nn_thread_state;
sqk_nn_thread_state sqk_nn_threads_push(int n);
void sqk_nn_threads_pop(sqk_nn_thread_state s);

/* ---- activations ------------------------------------------------------------------------ */
typedef enum { SQK_ACT_LINEAR = 0, SQK_ACT_RELU, SQK_ACT_TANH, SQK_ACT_SIGMOID } sqk_activation;
/* "linear", "relu", "tanh", "sigmoid"; returns -1 for an unknown name. */
int sqk_activation_parse(const char *name);
const char *sqk_activation_name(sqk_activation a);
void sqk_act_forward(sqk_activation a, float *out, const float *in, size_t n);
/* Uses the forward OUTPUT y (all four derivatives are functions of y). din may equal dout. */
void sqk_act_backward(sqk_activation a, float *din, const float *dout, const float *out, size_t n);

/* ---- layers ----------------------------------------------------------------------------- */
/* Conv1D, valid padding, stride 1: in (B, T, C) -> out (B, T-K+1, F); kernel (K, C, F). */
void sqk_conv1d_forward(float *out, const float *in, const float *kernel, const float *bias,
                        int B, int T, int C, int K, int F);
void sqk_conv1d_backward(float *din, float *dkernel, float *dbias, const float *dout,
                         const float *in, const float *kernel, int B, int T, int C, int K, int F);

/* MaxPooling1D pool 2 stride 2 (floor): in (B, T, C) -> out (B, T/2, C). argmax (B, T/2, C)
 * records the winning input time (first on ties) for the backward pass. */
void sqk_maxpool1d_forward(float *out, int32_t *argmax, const float *in, int B, int T, int C);
void sqk_maxpool1d_backward(float *din, const float *dout, const int32_t *argmax, int B, int T, int C);

/* Inverted dropout: keeps each value with probability 1-rate and scales it by 1/(1-rate);
 * mask receives the factor (0 or 1/(1-rate)). */
void sqk_dropout_forward(float *out, float *mask, const float *in, size_t n, float rate, sqk_rng *rng);
void sqk_dropout_backward(float *din, const float *dout, const float *mask, size_t n);

/* Dense on rows: in (N, In) -> out (N, O) = in W + b; W (In, O). */
void sqk_dense_forward(float *out, const float *in, const float *W, const float *b, int N, int In, int O);
void sqk_dense_backward(float *din, float *dW, float *db, const float *dout, const float *in,
                        const float *W, int N, int In, int O);

/* LSTM over x (B, T, In), zero initial state, Keras semantics (tanh, sigmoid recurrent
 * activation). reverse = 1 runs from t = T-1 down to 0 (the backward half of Bidirectional);
 * h and c are still indexed by the input time. Saved for backward: gates (B, T, 4U) after
 * their activations [i, f, g, o], c (B, T, U), h (B, T, U). din may be NULL (first layer). */
void sqk_lstm_forward(float *h, float *c, float *gates, const float *x, const float *W,
                      const float *R, const float *bias, int B, int T, int In, int U, int reverse);
/* dh (B, T, U): gradient of the loss w.r.t. every h (zeros where an output was not used).
 * scratch: sqk_lstm_scratch_floats(B, T, U) floats. */
void sqk_lstm_backward(float *dx, float *dW, float *dR, float *dbias, const float *dh,
                       const float *x, const float *W, const float *R, const float *gates,
                       const float *c, const float *h, int B, int T, int In, int U, int reverse,
                       float *scratch);
size_t sqk_lstm_scratch_floats(int B, int T, int U);

/* BatchNormalization over the last axis of (N, C), Keras 2.3: training normalises with the batch
 * statistics (biased variance) and updates moving_mean/var with momentum, the variance as the
 * sample variance var * N / (N - (1 + eps)); inference uses the moving ones.
 * xhat (N, C) and inv_std (C) are saved for backward. */
void sqk_batchnorm_forward(float *out, float *xhat, float *inv_std, const float *in,
                           const float *gamma, const float *beta, float *moving_mean,
                           float *moving_var, int N, int C, int training, float momentum, float eps);
void sqk_batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                            const float *xhat, const float *inv_std, const float *gamma, int N, int C);

/* Row-wise softmax of (N, C). */
void sqk_softmax_forward(float *probs, const float *logits, int N, int C);
/* Mean categorical cross-entropy of probabilities clipped to [1e-7, 1-1e-7] (Keras) for integer
 * labels y; dlogits (may be NULL) receives the gradient through the softmax, (p - onehot)/N,
 * and zero for a row whose true-class probability was clipped (as Keras's clip). */
double sqk_softmax_xent(float *dlogits, const float *probs, const int32_t *y, int N, int C);

/* ---- Keras initialisers ----------------------------------------------------------------- */
/* glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)). */
void sqk_init_glorot_uniform(float *w, size_t n, double fan_in, double fan_out, sqk_rng *rng);
/* Keras orthogonal for a (rows, cols) matrix: QR of a Gaussian matrix, sign-corrected. */
int sqk_init_orthogonal(float *w, int rows, int cols, sqk_rng *rng);

/* GRU over x (B, T, In), Keras semantics with reset_after = True (tf.keras's default, as
 * torch.nn.GRU): gates [z, r, h] along the 3U axis, kernel (In, 3U), recurrent kernel (U, 3U),
 * bias (2, 3U) = [input bias; recurrent bias]; a layer of the network (SQK_LAYER_GRU / BIGRU). */

/* ---- sequential network ----------------------------------------------------------------- */
/* Each layer kind is one file of src/nn with its row in the layer table (src/nn/layer.h). */
/* The activation shape is tracked as (rows, T, C) where rows is a multiple of the batch. */
typedef enum {
    SQK_LAYER_CONV1D,      /* units = filters, kernel, act */
    SQK_LAYER_MAXPOOL1D,   /* pool 2 stride 2 */
    SQK_LAYER_DROPOUT,     /* rate */
    SQK_LAYER_FLATTEN,     /* (rows, T, C) -> (rows, 1, T*C) */
    SQK_LAYER_SPLIT_STEPS, /* TimeDistributed entry: (rows, T, C) -> (rows*units, T/units, C) */
    SQK_LAYER_MERGE_STEPS, /* TimeDistributed exit: (rows, 1, D) -> (rows/units, units, D) */
    SQK_LAYER_LSTM,        /* units, return_sequences */
    SQK_LAYER_BILSTM,      /* units per direction, return_sequences; output [fwd, bwd] */
    SQK_LAYER_DENSE,       /* units, act; applied to the last axis */
    SQK_LAYER_BATCHNORM,   /* over the last axis */
    SQK_LAYER_ACTIVATION,  /* act */
    SQK_LAYER_SOFTMAX,     /* last axis; must be the last layer */
    SQK_LAYER_GRU,         /* units, return_sequences; Keras GRU with reset_after = True */
    SQK_LAYER_BIGRU        /* units per direction, return_sequences; output [fwd, bwd] */
} sqk_layer_kind;

typedef struct {
    sqk_layer_kind kind;
    char name[32];         /* weight group in model files: "conv1", "bilstm1", "dense2", ... */
    int units;             /* filters / units / steps */
    int kernel;            /* Conv1D kernel size */
    sqk_activation act;    /* Conv1D, Dense, Activation */
    int return_sequences;  /* LSTM, BiLSTM, GRU, BiGRU */
    float rate;            /* Dropout */
} sqk_layer_spec;

/* A named parameter tensor inside the arena (Keras layout, dims[0..rank-1]). */
typedef struct {
    char name[64];         /* "conv1/kernel", "bilstm1/forward/recurrent_kernel", "bn1/moving_mean" */
    size_t offset, size;   /* in floats, into the parameter arena */
    int rank;
    size_t dims[4];        /* Conv1D kernel (k, in, filters); GRU bias (2, 3u) */
    int layer;             /* index of the owning layer spec */
    int trainable;         /* 0 for BatchNorm moving statistics and for frozen layers */
} sqk_param_tensor;

typedef struct sqk_net sqk_net;

/* Builds the network for inputs (T, F) and batches of up to max_batch. Parameters are zero until
 * sqk_net_init_keras or a copy into sqk_net_params. Errors (a shape that does not fit, e.g. a
 * kernel longer than the sequence) come back as SQK_EARG with the layer named. */
int sqk_net_create(sqk_net **out, const sqk_layer_spec *layers, int n_layers, int T, int F, int max_batch);
void sqk_net_free(sqk_net *net);
/* Grows the activation arena for a larger batch. */
int sqk_net_reserve(sqk_net *net, int max_batch);
/* Keras default initialisers, seeded (same seed -> same weights). */
int sqk_net_init_keras(sqk_net *net, uint64_t seed);

size_t sqk_net_num_params(const sqk_net *net);      /* floats in the arena (incl. non-trainable) */
float *sqk_net_params(sqk_net *net);
float *sqk_net_grads(sqk_net *net);
int sqk_net_num_tensors(const sqk_net *net);
const sqk_param_tensor *sqk_net_tensor(const sqk_net *net, int i);
const sqk_param_tensor *sqk_net_find_tensor(const sqk_net *net, const char *name);
int sqk_net_num_layers(const sqk_net *net);
const sqk_layer_spec *sqk_net_layer(const sqk_net *net, int i);
int sqk_net_num_outputs(const sqk_net *net);        /* C of the last layer */
size_t sqk_net_window_floats(const sqk_net *net);   /* T*F of one input window */
/* Freezes (trainable = 0) or unfreezes all tensors of the layer named; SQK_EARG listing the
 * layer names when there is no such layer. */
int sqk_net_set_trainable(sqk_net *net, const char *layer_name, int trainable);

/* Forward pass of B windows X (B, T, F) (the activation arena grows for a batch larger than
 * max_batch). training = 1 enables dropout (seeded from rng) and batch statistics. *out (may be
 * NULL) receives the outputs (B, n_outputs) inside the activation arena, valid until the next
 * call. Returns a status; errors name the layer. */
int sqk_net_forward(sqk_net *net, const float *X, int B, int training, sqk_rng *rng, const float **out);
/* After a training forward pass: the mean cross-entropy of the softmax outputs against y, and
 * the gradients of it w.r.t. every parameter ADDED to the gradient arena (zero it first with
 * sqk_net_zero_grads). */
double sqk_net_backward(sqk_net *net, const int32_t *y, int B);
void sqk_net_zero_grads(sqk_net *net);
/* One training step's gradients: zeroes the gradient arena, runs forward (training) and
 * backward on the batch and sets *loss to the mean loss; probs (may be NULL) receives the
 * outputs (B, n_outputs). With several threads (and no BatchNorm) the batch is split over
 * replicas of the network that share the parameters, and their gradients are summed in a fixed
 * order: reproducible for a given thread count. Returns a status; an error inside a worker
 * thread comes back with its message. */
int sqk_net_train_batch(sqk_net *net, const float *X, const int32_t *y, int B, sqk_rng *rng,
                        float *probs, double *loss);
/* Gradient w.r.t. the input of the last backward pass (B, T, F), for tests. */
const float *sqk_net_input_grad(const sqk_net *net);

/* ---- optimizers (flat loops over the trainable tensors) ---------------------------------- */
typedef enum { SQK_OPT_ADAM = 0, SQK_OPT_SGD } sqk_opt_kind;
typedef struct {
    sqk_opt_kind kind;
    double lr;             /* Adam 1e-3, SGD 1e-2 (Keras defaults) */
    double beta1, beta2, eps; /* Adam: 0.9, 0.999, 1e-7 */
    double momentum;       /* SGD */
    long t;                /* steps taken */
    float *m, *v;          /* moments, one per parameter (owned) */
    size_t n;
} sqk_optimizer;

/* Keras defaults for kind; lr <= 0 keeps the default. Allocates the moments for n params. */
int sqk_optimizer_init(sqk_optimizer *o, sqk_opt_kind kind, double lr, double momentum, size_t n);
void sqk_optimizer_free(sqk_optimizer *o);
/* One step on the trainable tensors of net using its gradient arena. Adam in Keras's form:
 * alpha_t = lr*sqrt(1-b2^t)/(1-b1^t); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= alpha_t * m / (sqrt(v) + eps). SGD: v = momentum v - lr g; p += v. */
void sqk_optimizer_step(sqk_optimizer *o, sqk_net *net);
/* The same update on raw arrays (for tests). */
void sqk_adam_update(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t n, double lr,
                     double b1, double b2, double eps, long t);

/* ---- training loop ---------------------------------------------------------------------- */
typedef struct {
    int epoch;             /* 1-based */
    double loss, accuracy, val_loss, val_accuracy, val_f1, seconds;
} sqk_epoch_stats;

typedef struct {
    const float *X;        /* (N, T, F), already scaled */
    const int32_t *y;      /* (N) classes 0..n_outputs-1 */
    size_t N;
} sqk_nn_data;

/* Everything a fit carries from one epoch to the next, beside the network's parameters and
 * the optimizer's moments (pointed to here): what a checkpoint saves so that a fit resumed from
 * it goes on bit for bit as one never stopped (one thread). */
typedef struct {
    int epoch;             /* epochs done */
    int best_epoch, since_best, stopped; /* early stopping; stopped: patience ran out */
    double best_f1;        /* of best_epoch (-1 before any) */
    sqk_rng shuffle, drop; /* the generators of the batch order and of dropout */
    size_t n_train;
    size_t *order;         /* (n_train) the training windows in the last epoch's order */
    size_t n_params;
    float *params;         /* (n_params) the network's parameters */
    float *best;           /* (n_params) the best epoch's parameters; NULL without validation */
    long opt_t;            /* the optimizer's steps taken */
    float *opt_m, *opt_v;  /* (n_params each) its moments */
} sqk_nn_fit_state;
typedef struct {
    int epochs, batch_size;
    int patience;          /* stop after this many epochs without a better val_f1; 0 = never */
    uint64_t seed;         /* shuffling and dropout */
    sqk_optimizer *opt;
    void (*on_epoch)(void *ctx, const sqk_epoch_stats *s); /* may be NULL */
    void *ctx;
    const struct sqk_progress *progress; /* may be NULL */
    /* Called after every epoch (early stopping decided) with the fit's state, valid during the
     * call; a status other than SQK_OK ends the fit with it. May be NULL. */
    int (*checkpoint)(void *ctx, const sqk_nn_fit_state *s);
    /* Continue from a state a checkpoint saw (same network, data and options): its parameters,
     * moments, generators, order and early stopping are taken and the fit goes on at the next
     * epoch. NULL: a fresh fit. */
    const sqk_nn_fit_state *resume;
    /* Asked after each epoch's validation (val given): non-zero stops training there, as
     * early stopping does (a pruned trial of a search); may be NULL. */
    int (*should_stop)(void *stop_ctx, const sqk_epoch_stats *s);
    void *stop_ctx;
} sqk_nn_fit_options;

/* Trains with shuffled mini-batches; when val is given (N > 0), evaluates after each epoch and
 * keeps the weights of the epoch with the best validation weighted F1 (restored at the end).
 * *best_epoch (may be NULL) receives that epoch. */
int sqk_net_fit(sqk_net *net, const sqk_nn_data *train, const sqk_nn_data *val,
                const sqk_nn_fit_options *o, int *best_epoch);
/* Inference in batches: probs (N, n_outputs). */
int sqk_net_predict(sqk_net *net, const float *X, size_t N, float *probs);
/* Weighted (by support) F1 of argmax predictions, as scikit-learn's average='weighted'. */
double sqk_weighted_f1(const int32_t *y, const int32_t *pred, size_t n, int n_classes);

#endif
