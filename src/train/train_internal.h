/* Inside the train stage: the training checkpoint (checkpoint.c). */
#ifndef SQK_TRAIN_INTERNAL_H
#define SQK_TRAIN_INTERNAL_H

#include "sqk/train.h"

/* What a checkpoint must share with the run that resumes from it. */
typedef struct {
    const char *kind, *hparams, *freeze, *data_sha256;
} sqk_train_identity;

/* A checkpoint read back: the fit's state (its arrays malloc'd) and the epoch log so far. */
typedef struct {
    sqk_nn_fit_state st;
    sqk_epoch_stats *rows;
    size_t n_rows;
} sqk_checkpoint;

/* Writes path atomically and durably. */
int sqk_checkpoint_write(const char *path, const sqk_train_identity *id, const sqk_nn_fit_state *st,
                         const sqk_epoch_stats *rows, size_t n_rows);
/* Reads path, refusing (SQK_EARG, naming it) a checkpoint of another kind, hyperparameters,
 * frozen layers or dataset, and (SQK_EFORMAT) one whose arrays do not fit n_params and
 * n_train. */
int sqk_checkpoint_read(const char *path, const sqk_train_identity *id, size_t n_params, size_t n_train,
                        sqk_checkpoint *c);
void sqk_checkpoint_free(sqk_checkpoint *c);

#endif
