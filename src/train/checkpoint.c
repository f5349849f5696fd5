/* The training checkpoint MODEL.h5.checkpoint (the owner of its format): after every epoch of a
 * neural kind, the fit's whole state (sqk_nn_fit_state: parameters, optimizer moments and
 * steps, the generators of batch order and dropout, the order itself, early stopping and the
 * best epoch's parameters) and the epoch log so far, with what identifies the run (kind,
 * hyperparameters, frozen layers, the dataset's SHA-256). An HDF5 file written atomically and
 * durably; a checkpoint of another run is refused by name. */
#include "train_internal.h"

#include "sqk/h5.h"

#include <stdlib.h>
#include <string.h>

#define CHECKPOINT_FORMAT "seqnetquake-training-checkpoint"
enum { N_STATE = 13, N_LOG = 7 }; /* the integers of the state; the columns of a log row */

typedef struct {
    const sqk_train_identity *id;
    const sqk_nn_fit_state *st;
    const sqk_epoch_stats *rows;
    size_t n_rows;
} ckpt_out;

static int write_checkpoint(hid_t f, const void *ctx)
{
    const ckpt_out *c = ctx;
    const sqk_nn_fit_state *st = c->st;
    int64_t state[N_STATE] = {st->epoch, st->best_epoch, st->since_best, st->stopped, st->opt_t};
    for (int k = 0; k < 4; k++) {
        state[5 + k] = (int64_t)st->shuffle.s[k];
        state[9 + k] = (int64_t)st->drop.s[k];
    }
    int rc = sqk_h5_set_attr_str(f, ".", "format", CHECKPOINT_FORMAT);
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "kind", c->id->kind);
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "hparams", c->id->hparams);
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "freeze", c->id->freeze);
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "data_sha256", c->id->data_sha256);
    if (!rc) rc = sqk_h5_set_attr_f64(f, ".", "best_f1", &st->best_f1, 1);
    size_t n = N_STATE;
    if (!rc) rc = sqk_h5_write_i64(f, "state", 1, &n, state);
    if (!rc) rc = sqk_h5_write_f32(f, "params", 1, &st->n_params, st->params);
    if (!rc) rc = sqk_h5_write_f32(f, "opt_m", 1, &st->n_params, st->opt_m);
    if (!rc) rc = sqk_h5_write_f32(f, "opt_v", 1, &st->n_params, st->opt_v);
    if (!rc && st->best) rc = sqk_h5_write_f32(f, "best", 1, &st->n_params, st->best);
    int64_t *order = rc ? NULL : sqk_malloc(st->n_train * sizeof *order);
    double *log = rc ? NULL : sqk_malloc((c->n_rows ? c->n_rows : 1) * N_LOG * sizeof *log);
    if (!rc && (!order || !log)) rc = SQK_EMEM;
    for (size_t i = 0; !rc && i < st->n_train; i++) order[i] = (int64_t)st->order[i];
    if (!rc) rc = sqk_h5_write_i64(f, "order", 1, &st->n_train, order);
    for (size_t i = 0; !rc && i < c->n_rows; i++) {
        const sqk_epoch_stats *s = &c->rows[i];
        double row[N_LOG] = {s->epoch, s->loss, s->accuracy, s->val_loss, s->val_accuracy, s->val_f1, s->seconds};
        memcpy(log + i * N_LOG, row, sizeof row);
    }
    size_t dims[2] = {c->n_rows, N_LOG};
    if (!rc && c->n_rows) rc = sqk_h5_write_f64(f, "log", 2, dims, log);
    free(order);
    free(log);
    return rc;
}

int sqk_checkpoint_write(const char *path, const sqk_train_identity *id, const sqk_nn_fit_state *st,
                         const sqk_epoch_stats *rows, size_t n_rows)
{
    ckpt_out c = {id, st, rows, n_rows};
    return sqk_h5_write_file(path, write_checkpoint, &c);
}

void sqk_checkpoint_free(sqk_checkpoint *c)
{
    free(c->st.order);
    free(c->st.params);
    free(c->st.best);
    free(c->st.opt_m);
    free(c->st.opt_v);
    free(c->rows);
    memset(c, 0, sizeof *c);
}

/* One string attribute that must equal want; the message names the checkpoint and the field. */
static int check_same(hid_t f, const char *path, const char *attr, const char *what, const char *want)
{
    size_t n = strlen(want) + 2;
    char *got = sqk_malloc(n);
    if (!got) return SQK_EMEM;
    int rc = sqk_h5_get_attr_str(f, ".", attr, got, n);
    if (!rc && strcmp(got, want))
        rc = sqk_fail(SQK_EARG, "%s was written by a training run with other %s: remove it, or train "
                      "without --resume to start again", path, what);
    else if (rc)
        rc = sqk_fail(SQK_EARG, "%s was written by a training run with other %s (or is damaged): remove "
                      "it, or train without --resume to start again", path, what);
    free(got);
    return rc;
}

/* A float dataset of exactly n values (malloc'd). */
static int read_floats(hid_t f, const char *path, const char *name, size_t n, float **out)
{
    int rank;
    size_t dims[4];
    int rc = sqk_h5_dims(f, name, &rank, dims);
    if (!rc && (rank != 1 || dims[0] != n))
        rc = sqk_fail(SQK_EFORMAT, "%s: '%s' holds %zu values, the network has %zu parameters", path, name,
                      rank == 1 ? dims[0] : 0, n);
    if (!rc && !(*out = sqk_malloc((n ? n : 1) * sizeof **out))) rc = SQK_EMEM;
    if (!rc) rc = sqk_h5_read_f32(f, name, *out, n);
    return rc;
}

int sqk_checkpoint_read(const char *path, const sqk_train_identity *id, size_t n_params, size_t n_train,
                        sqk_checkpoint *c)
{
    memset(c, 0, sizeof *c);
    hid_t f;
    int rc = sqk_h5_open_read(path, &f);
    if (rc) return rc;
    char format[64] = "";
    if (sqk_h5_get_attr_str(f, ".", "format", format, sizeof format) || strcmp(format, CHECKPOINT_FORMAT))
        rc = sqk_fail(SQK_EFORMAT, "%s is not a seqnetquake training checkpoint", path);
    if (!rc) rc = check_same(f, path, "kind", "model kind", id->kind);
    if (!rc) rc = check_same(f, path, "hparams", "hyperparameters", id->hparams);
    if (!rc) rc = check_same(f, path, "freeze", "frozen layers", id->freeze);
    if (!rc) rc = check_same(f, path, "data_sha256", "data (the dataset file differs)", id->data_sha256);
    int64_t state[N_STATE];
    if (!rc) rc = sqk_h5_read_i64(f, "state", state, N_STATE);
    size_t got = 0;
    if (!rc) rc = sqk_h5_get_attr_f64(f, ".", "best_f1", &c->st.best_f1, 1, &got);
    if (!rc && got != 1) rc = sqk_fail(SQK_EFORMAT, "%s: no best_f1", path);
    sqk_nn_fit_state *st = &c->st;
    st->n_params = n_params;
    st->n_train = n_train;
    if (!rc) {
        st->epoch = (int)state[0];
        st->best_epoch = (int)state[1];
        st->since_best = (int)state[2];
        st->stopped = (int)state[3];
        st->opt_t = (long)state[4];
        for (int k = 0; k < 4; k++) {
            st->shuffle.s[k] = (uint64_t)state[5 + k];
            st->drop.s[k] = (uint64_t)state[9 + k];
        }
        if (st->epoch < 1 || st->best_epoch < 0 || st->best_epoch > st->epoch || st->opt_t < 0)
            rc = sqk_fail(SQK_EFORMAT, "%s: a damaged state (epoch %d, best epoch %d)", path, st->epoch, st->best_epoch);
    }
    if (!rc) rc = read_floats(f, path, "params", n_params, &st->params);
    if (!rc) rc = read_floats(f, path, "opt_m", n_params, &st->opt_m);
    if (!rc) rc = read_floats(f, path, "opt_v", n_params, &st->opt_v);
    if (!rc && sqk_h5_exists(f, "best")) rc = read_floats(f, path, "best", n_params, &st->best);
    int64_t *order = NULL;
    if (!rc && !(order = sqk_malloc(n_train * sizeof *order)) ) rc = SQK_EMEM;
    if (!rc && !(st->order = sqk_malloc(n_train * sizeof *st->order))) rc = SQK_EMEM;
    if (!rc) rc = sqk_h5_read_i64(f, "order", order, n_train);
    for (size_t i = 0; !rc && i < n_train; i++) {
        if (order[i] < 0 || (size_t)order[i] >= n_train)
            rc = sqk_fail(SQK_EFORMAT, "%s: order holds window %lld of %zu", path, (long long)order[i], n_train);
        else st->order[i] = (size_t)order[i];
    }
    free(order);
    int rank;
    size_t dims[4];
    if (!rc) rc = sqk_h5_dims(f, "log", &rank, dims);
    if (!rc && (rank != 2 || dims[1] != N_LOG || dims[0] != (size_t)st->epoch))
        rc = sqk_fail(SQK_EFORMAT, "%s: the log does not hold one row per epoch done (%d)", path, st->epoch);
    double *log = NULL;
    if (!rc && (!(log = sqk_malloc(dims[0] * N_LOG * sizeof *log)) ||
                !(c->rows = sqk_malloc(dims[0] * sizeof *c->rows))))
        rc = SQK_EMEM;
    if (!rc) rc = sqk_h5_read_f64(f, "log", log, dims[0] * N_LOG);
    for (size_t i = 0; !rc && i < dims[0]; i++) {
        const double *r = log + i * N_LOG;
        c->rows[i] = (sqk_epoch_stats){.epoch = (int)r[0], .loss = r[1], .accuracy = r[2], .val_loss = r[3],
                                       .val_accuracy = r[4], .val_f1 = r[5], .seconds = r[6]};
    }
    if (!rc) c->n_rows = dims[0];
    free(log);
    H5Fclose(f);
    if (rc) sqk_checkpoint_free(c);
    return rc;
}
