/* SeqNetQuake models: one interface for every classifier kind (seqnet, cnn, lstm, dnn on the
 * neural-network engine; gbm, rf on XGBoost), a hyperparameter table per kind with
 * `key=value` parsing, the feature scaler shared by all kinds, and the model file
 * (docs/model-format.md).
 *
 * Adding a kind: define `const sqk_model_kind sqk_kind_<name>` in src/models/<name>.c and add
 * one line to the registry in src/models/model.c. A neural kind only builds its layer list
 * (sqk_netmodel_create) and uses the sqk_netmodel_* functions for the rest of its vtable. */
#ifndef SQK_MODEL_H
#define SQK_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sqk/core.h"
#include "sqk/h5.h"
#include "sqk/nn.h"

/* ---- hyperparameters -------------------------------------------------------------------- */
typedef enum { SQK_HP_INT = 0, SQK_HP_REAL, SQK_HP_CHOICE } sqk_hp_type;

typedef struct {
    const char *key;
    sqk_hp_type type;
    double def;            /* CHOICE: index into choices */
    double lo, hi;         /* INT / REAL: allowed range, inclusive */
    const char *choices;   /* CHOICE: comma-separated names, e.g. "relu,tanh,sigmoid" */
    int arch;              /* 1 when it changes the weights' shapes (must match for --init) */
    const char *help;
} sqk_hparam_def;

#define SQK_MAX_HPARAMS 48

struct sqk_model_kind;
typedef struct {
    const struct sqk_model_kind *kind;
    double v[SQK_MAX_HPARAMS]; /* in the order of kind->hparams; CHOICE as the index */
} sqk_hparams;

/* Entries every kind has (put them in the kind's table). */
#define SQK_HP_SCALER_ENTRIES \
    {"scale", SQK_HP_INT, 1, 0, 1, NULL, 0, "standardise each of the T*F inputs (mean/std of the training set)"}, \
    {"normalize", SQK_HP_INT, 0, 0, 1, NULL, 0, "scale each window to unit L2 norm (before scale)"}, \
    {"seed", SQK_HP_INT, 1, 0, 2147483647, NULL, 0, "random seed (weights, shuffling, dropout)"}
/* Entries every neural kind has (read by sqk_netmodel_fit). */
#define SQK_HP_NN_TRAINING_ENTRIES \
    {"batch_size", SQK_HP_INT, 60, 1, 100000, NULL, 0, "windows per mini-batch"}, \
    {"epochs", SQK_HP_INT, 50, 1, 100000, NULL, 0, "maximum passes over the training set"}, \
    {"patience", SQK_HP_INT, 10, 0, 100000, NULL, 0, "stop after this many epochs without a better validation F1 (0 = never)"}, \
    {"optimizer", SQK_HP_CHOICE, 0, 0, 0, "adam,sgd", 0, "Adam (Keras form) or SGD with momentum"}, \
    {"lr", SQK_HP_REAL, 1e-3, 1e-12, 10, NULL, 0, "learning rate"}, \
    {"momentum", SQK_HP_REAL, 0, 0, 1, NULL, 0, "SGD momentum"}

/* Entries of the dense head the cnn and lstm kinds share (read by sqk_netmodel_add_fc_head). */
#define SQK_HP_FC_HEAD_ENTRIES \
    {"num_fc_layers", SQK_HP_INT, 2, 1, 8, NULL, 1, "Dense layers including the softmax output (paper's space 2..6)"}, \
    {"units_fc", SQK_HP_INT, 64, 1, 4096, NULL, 1, "units of each hidden Dense layer (paper's space 64..512)"}, \
    {"activation_fc", SQK_HP_CHOICE, 0, 0, 0, "relu,tanh,sigmoid", 0, "hidden Dense activation"}

/* Defaults of the kind. */
void sqk_hparams_default(sqk_hparams *hp, const struct sqk_model_kind *kind);
/* "key=value"; an unknown key, a bad number, a value out of range or not among the choices is
 * SQK_EARG with a message listing the valid keys / the allowed range / the choices. */
int sqk_hparams_set(sqk_hparams *hp, const char *key_value);
int sqk_hparams_set_value(sqk_hparams *hp, const char *key, const char *value);
/* Index of key in the kind's table or -1. */
int sqk_hparams_index(const sqk_hparams *hp, const char *key);
/* Values by key (no such key: 0 / NULL; kinds read only their own keys). */
double sqk_hp_real(const sqk_hparams *hp, const char *key);
int sqk_hp_int(const sqk_hparams *hp, const char *key);
/* The chosen name of a CHOICE key, written into buf (returned). */
const char *sqk_hp_choice(const sqk_hparams *hp, const char *key, char *buf, size_t bufsize);
/* All values as text, one "key=value" per line (malloc'd). */
char *sqk_hparams_format(const sqk_hparams *hp);
/* Text listing keys, types, defaults and ranges (for --help; malloc'd). */
char *sqk_hparams_describe(const struct sqk_model_kind *kind);

/* ---- feature scaler --------------------------------------------------------------------- */
/* normalize: each window's flattened D = T*F vector is divided by its L2 norm (kept when the
 * norm is 0); then scale: each of the D inputs is standardised with the mean and standard
 * deviation of the (normalised) training windows (a std of 0 is taken as 1). */
typedef struct {
    int scale, normalize;
    size_t D;
    float *mean, *std;     /* D each when scale (NULL otherwise) */
} sqk_scaler;

int sqk_scaler_fit(sqk_scaler *s, const float *X, size_t N, size_t D, int scale, int normalize);
/* In place on X (N, D). */
void sqk_scaler_apply(const sqk_scaler *s, float *X, size_t N);
void sqk_scaler_free(sqk_scaler *s);

/* ---- models ----------------------------------------------------------------------------- */
typedef struct {
    const float *X;        /* (N, T, F) */
    const int32_t *y;      /* (N) in 0..2 */
    size_t N;
} sqk_model_data;

typedef struct {
    void (*on_epoch)(void *ctx, const sqk_epoch_stats *s); /* neural kinds; may be NULL */
    void *ctx;
    const sqk_progress *progress; /* may be NULL */
    int threads;                  /* 0 = keep the current setting */
    /* Neural kinds: the fit's state after every epoch, and a state to resume from (see
     * sqk_nn_fit_options); ignored by the other kinds. May be NULL. */
    int (*checkpoint)(void *ctx, const sqk_nn_fit_state *s);
    const sqk_nn_fit_state *resume;
    /* neural kinds: asked after each epoch, non-zero stops there (sqk_nn_fit_options) */
    int (*should_stop)(void *stop_ctx, const sqk_epoch_stats *s);
    void *stop_ctx;
} sqk_fit_options;

typedef struct sqk_model {
    const struct sqk_model_kind *kind;
    sqk_hparams hp;
    int T, F;
    char features[256];    /* "Ne,Te" */
    sqk_scaler scaler;
    char *data_config;     /* the training dataset's config text (may be NULL) */
    char data_sha256[65];  /* of the training dataset file ("" when unknown) */
    int best_epoch;        /* neural kinds: the epoch whose weights were kept */
    /* Alarm rule for scans: p1 >= alarm_threshold, chosen at training on the validation split
     * (max MCC of seismic vs the rest); NaN when unknown. */
    double alarm_threshold, alarm_val_mcc, alarm_val_fraction;
    void *impl;            /* the kind's state */
} sqk_model;

/* What a kind reads from a dataset: the window X (T, F), or the window's position and time
 * only (the where-and-when baseline: T = 1, F = 6, sqk_train_data_where_when), or summaries
 * of the window's roughness (sqk_train_data_roughness), or the synthetic archive's oracle
 * statistic (sqk_train_data_band), or multi-scale energies (sqk_train_data_multiscale). */
enum {
    SQK_INPUTS_WINDOW = 0, SQK_INPUTS_WHERE_WHEN = 1, SQK_INPUTS_ROUGHNESS = 2, SQK_INPUTS_BAND = 3,
    SQK_INPUTS_MULTISCALE = 4
};

typedef struct sqk_model_kind {
    const char *name;
    const char *description;
    int inputs;            /* SQK_INPUTS_* */
    const sqk_hparam_def *hparams;
    int n_hparams;
    /* Builds m->impl from m->hp, m->T, m->F with freshly initialised (seeded) weights. */
    int (*create)(sqk_model *m);
    /* X already scaled. val may have N = 0. */
    int (*fit)(sqk_model *m, const sqk_model_data *train, const sqk_model_data *val,
               const sqk_fit_options *o);
    /* X already scaled; probs (N, 3). */
    int (*predict_proba)(sqk_model *m, const float *X, size_t N, float *probs);
    /* Writes / reads the kind's state (weights, booster bytes) in an open group. load runs after
     * create and must fail with a clear message when shapes differ. */
    int (*save)(const sqk_model *m, hid_t group);
    int (*load)(sqk_model *m, hid_t group);
    /* Keeps the named layer fixed in later training; NULL when the kind has no layers. */
    int (*freeze)(sqk_model *m, const char *layer);
    void (*destroy)(sqk_model *m);
} sqk_model_kind;

const sqk_model_kind *sqk_model_kind_find(const char *name);
int sqk_model_kind_count(void);
const sqk_model_kind *sqk_model_kind_at(int i);
/* "seqnet, cnn, ..." for messages (static). */
const char *sqk_model_kind_names(void);
/* 1 when the kind trains epochs (a neural kind: it has the "epochs" hyperparameter), 0 for the
 * tree kinds and NULL. */
int sqk_model_kind_trains_epochs(const sqk_model_kind *k);

/* A new model with initialised weights for inputs (T, F). features may be NULL. */
int sqk_model_create(sqk_model **out, const sqk_model_kind *kind, const sqk_hparams *hp, int T,
                     int F, const char *features);
void sqk_model_free(sqk_model *m);
/* Fits the scaler on train (unscaled X), then the kind on scaled copies. */
int sqk_model_fit(sqk_model *m, const sqk_model_data *train, const sqk_model_data *val,
                  const sqk_fit_options *o);
/* Probabilities (N, 3) of unscaled windows. */
int sqk_model_predict(sqk_model *m, const float *X, size_t N, float *probs);
/* Model file, written atomically; loading reproduces predictions bit for bit. */
int sqk_model_save(const sqk_model *m, const char *path);
/* The bytes of the model file sqk_model_save would write (malloc'd), for committing it
 * together with other outputs (sqk_write_files_atomic); path names it in messages. */
int sqk_model_file_image(const sqk_model *m, const char *path, unsigned char **bytes, size_t *n);
int sqk_model_load(sqk_model **out, const char *path);
/* Transfer learning: copies the weights of the model file into m (same kind, architecture
 * hyperparameters, T and F, or SQK_EARG saying what differs). */
int sqk_model_init_from(sqk_model *m, const char *path);

/* ---- helpers for neural kinds ----------------------------------------------------------- */
/* create: builds the network from the layer list and initialises it with hp "seed". */
int sqk_netmodel_create(sqk_model *m, const sqk_layer_spec *layers, int n_layers);
sqk_net *sqk_netmodel_net(sqk_model *m);
int sqk_netmodel_fit(sqk_model *m, const sqk_model_data *train, const sqk_model_data *val,
                     const sqk_fit_options *o);
int sqk_netmodel_predict(sqk_model *m, const float *X, size_t N, float *probs);
int sqk_netmodel_save(const sqk_model *m, hid_t group);
int sqk_netmodel_load(sqk_model *m, hid_t group);
int sqk_netmodel_freeze(sqk_model *m, const char *layer);
void sqk_netmodel_destroy(sqk_model *m);
/* The vtable entries every neural kind shares (after .create in its sqk_model_kind). */
#define SQK_NETMODEL_CALLS \
    .fit = sqk_netmodel_fit, .predict_proba = sqk_netmodel_predict, .save = sqk_netmodel_save, \
    .load = sqk_netmodel_load, .freeze = sqk_netmodel_freeze, .destroy = sqk_netmodel_destroy

/* Layer-list building: appends a zeroed layer named "<prefix><index>" at l[*n] and returns it. */
sqk_layer_spec *sqk_netmodel_add_layer(sqk_layer_spec *l, int *n, sqk_layer_kind kind,
                                       const char *prefix, int index);
/* The activation a CHOICE key names (relu when it names none). */
sqk_activation sqk_netmodel_activation(const sqk_hparams *hp, const char *key);
/* 1 when the hyperparameter "rnn" chooses the GRU cell over the LSTM. */
int sqk_netmodel_is_gru(const sqk_hparams *hp);
/* The output: Dense(3, linear) "dense<index>" -> softmax "softmax1". */
void sqk_netmodel_add_output(sqk_layer_spec *l, int *n, int index);
/* The head of the cnn and lstm baselines: Dense(units_fc, activation_fc) "dense1".. x
 * (num_fc_layers - 1), then the output as dense<num_fc_layers>. */
void sqk_netmodel_add_fc_head(sqk_layer_spec *l, int *n, const sqk_hparams *hp);

#endif
