/* Training a model kind on a dataset file (split 0, early stopping on split 1), transfer
 * learning from a model file, and prediction to PRED.csv.
 *
 * A neural kind's training writes MODEL.h5.checkpoint and the epoch log after every epoch, and
 * --resume continues from the checkpoint bit for bit (one thread). The previous model at the
 * output path is removed when training starts, and the new one is committed together with the
 * final log (sqk_write_files_atomic), then the checkpoint removed: an interrupted run never
 * leaves a model file, nor an old model beside a new log. */
#include "train_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    sqk_epoch_stats *rows;
    size_t n, cap;
    const sqk_train_options *o;
    char checkpoint[4200];
    sqk_train_identity id;
} epoch_log;

static void log_epoch(void *ctx, const sqk_epoch_stats *s)
{
    epoch_log *l = ctx;
    if (sqk_grow((void **)&l->rows, &l->cap, l->n + 1, sizeof *l->rows) == SQK_OK) l->rows[l->n++] = *s;
    if (l->o->on_epoch) l->o->on_epoch(l->o->ctx, s);
}

/* The epoch log as CSV text (malloc'd). */
static int log_text(const epoch_log *l, char **text, size_t *n)
{
    FILE *f = open_memstream(text, n);
    if (!f) return sqk_fail(SQK_EMEM, "epoch log: %s", strerror(errno));
    fprintf(f, "epoch,loss,accuracy,val_loss,val_accuracy,val_f1,seconds\n");
    for (size_t i = 0; i < l->n; i++) {
        const sqk_epoch_stats *s = &l->rows[i];
        fprintf(f, "%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.3f\n", s->epoch, s->loss, s->accuracy,
                s->val_loss, s->val_accuracy, s->val_f1, s->seconds);
    }
    return fclose(f) == 0 ? SQK_OK : sqk_fail(SQK_EMEM, "epoch log: out of memory");
}

static int write_log(const epoch_log *l, const char *path)
{
    char *text = NULL;
    size_t n = 0;
    int rc = log_text(l, &text, &n);
    if (!rc) rc = sqk_write_file_atomic(path, text, n);
    free(text);
    return rc ? sqk_fail_context(rc, "epoch log") : SQK_OK;
}

/* After every epoch: the checkpoint, then the log (so a log never runs ahead of it). */
static int save_epoch(void *ctx, const sqk_nn_fit_state *st)
{
    epoch_log *l = ctx;
    int rc = sqk_checkpoint_write(l->checkpoint, &l->id, st, l->rows, l->n);
    if (!rc && l->o->log_path) rc = write_log(l, l->o->log_path);
    return rc;
}

/* The model and its log, committed together; then the checkpoint is no longer needed. */
static int commit_outputs(const sqk_model *m, const epoch_log *l)
{
    const char *paths[2] = {l->o->out_path, l->o->log_path};
    unsigned char *model = NULL;
    char *text = NULL;
    size_t sizes[2] = {0, 0};
    int rc = sqk_model_file_image(m, paths[0], &model, &sizes[0]);
    if (!rc && paths[1]) rc = log_text(l, &text, &sizes[1]);
    const void *bytes[2] = {model, text};
    if (!rc) rc = sqk_write_files_atomic(paths, bytes, sizes, paths[1] ? 2 : 1);
    if (!rc) unlink(l->checkpoint);
    free(model);
    free(text);
    return rc;
}

/* Predicted class: the most probable, the lowest class on ties. */
static int argmax3(const float *q)
{
    int c = q[1] > q[0] ? 1 : 0;
    return q[2] > q[c] ? 2 : c;
}

/* Weighted F1 of the fitted model on the validation split, for kinds that keep no epoch log
 * (the tree models). */
static int validation_f1(sqk_model *m, const sqk_model_data *va, double *f1)
{
    float *p = sqk_malloc(va->N * 3 * sizeof *p);
    int32_t *pred = sqk_malloc(va->N * sizeof *pred);
    int rc = p && pred ? sqk_model_predict(m, va->X, va->N, p) : SQK_EMEM;
    for (size_t i = 0; !rc && i < va->N; i++) pred[i] = argmax3(p + 3 * i);
    if (!rc) *f1 = sqk_weighted_f1(va->y, pred, va->N, 3);
    free(p);
    free(pred);
    return rc;
}

/* The alarm threshold scans use, on the validation split (never the test split). A split
 * without seismic windows (or with nothing else) leaves it unknown rather than failing. */
static int choose_alarm(sqk_model *m, const sqk_model_data *va)
{
    if (va->N == 0) return SQK_OK;
    float *p = sqk_malloc(va->N * 3 * sizeof *p);
    if (!p) return SQK_EMEM;
    int rc = sqk_model_predict(m, va->X, va->N, p);
    sqk_alarm_choice a;
    if (!rc && sqk_alarm_threshold(p, va->y, va->N, &a) == SQK_OK) {
        m->alarm_threshold = a.threshold;
        m->alarm_val_mcc = a.mcc;
        m->alarm_val_fraction = a.alarm_fraction;
    }
    sqk_clear_error();
    free(p);
    return rc;
}

/* Hyperparameters: from the --init model when given (so the architecture matches), then the
 * user's settings. */
static int build_hparams(const sqk_train_options *o, const sqk_model_kind *kind, sqk_hparams *hp,
                         int *T, int *F)
{
    sqk_hparams_default(hp, kind);
    *T = *F = 0;
    if (o->init_path) {
        sqk_model *src;
        int rc = sqk_model_load(&src, o->init_path);
        if (rc) return sqk_fail_context(rc, "--init");
        if (src->kind != kind) {
            rc = sqk_fail(SQK_EARG, "--init %s is a %s model, not %s", o->init_path, src->kind->name, kind->name);
            sqk_model_free(src);
            return rc;
        }
        *hp = src->hp;
        *T = src->T;
        *F = src->F;
        sqk_model_free(src);
    }
    for (int i = 0; i < o->n_sets; i++) {
        int rc = sqk_hparams_set(hp, o->sets[i]);
        if (rc) return rc;
    }
    return SQK_OK;
}

static int apply_freeze(sqk_model *m, const char *list)
{
    if (!list || !*list) return SQK_OK;
    if (!m->kind->freeze)
        return sqk_fail(SQK_EARG, "--freeze: a %s model has no layers to freeze", m->kind->name);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int rc = m->kind->freeze(m, t);
        if (rc) return sqk_fail_context(rc, "--freeze");
    }
    return SQK_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* --resume: the checkpoint of this run, if there is one, into ck and the log rows. */
static int read_resume(const sqk_train_options *o, sqk_model *m, size_t n_train, epoch_log *log,
                       sqk_checkpoint *ck, int *resumed)
{
    *resumed = 0;
    if (!o->resume || access(log->checkpoint, F_OK) != 0) return SQK_OK;
    if (m->kind->fit != sqk_netmodel_fit) return SQK_OK; /* tree kinds keep no checkpoint */
    size_t np = sqk_net_num_params(sqk_netmodel_net(m));
    int rc = sqk_checkpoint_read(log->checkpoint, &log->id, np, n_train, ck);
    if (rc) return rc;
    log->rows = ck->rows;
    log->n = log->cap = ck->n_rows;
    ck->rows = NULL;
    *resumed = ck->st.epoch;
    return SQK_OK;
}

int sqk_train_run(const sqk_train_options *o, sqk_train_summary *s)
{
    memset(s, 0, sizeof *s);
    const sqk_model_kind *kind = sqk_model_kind_find(o->kind);
    if (!kind) return SQK_EARG;
    sqk_hparams hp;
    int init_T, init_F;
    int rc = build_hparams(o, kind, &hp, &init_T, &init_F);
    if (rc) return rc;
    sqk_nn_set_threads(o->threads);
    sqk_train_data d;
    rc = sqk_train_data_read_for(&d, o->data_path, kind);
    if (rc) return rc;
    if (o->init_path && (init_T != d.T || init_F != d.F)) {
        rc = sqk_fail(SQK_EARG, "--init %s takes windows of T=%d F=%d but %s has T=%d F=%d",
                      o->init_path, init_T, init_F, o->data_path, d.T, d.F);
        sqk_train_data_free(&d);
        return rc;
    }
    sqk_model *m = NULL;
    sqk_model_data tr = {0}, va = {0};
    float *xt = NULL, *xv = NULL;
    int32_t *yt = NULL, *yv = NULL;
    epoch_log log = {.o = o};
    sqk_checkpoint ck = {0};
    char *hp_text = sqk_hparams_format(&hp);
    log.id = (sqk_train_identity){kind->name, hp_text ? hp_text : "", o->freeze ? o->freeze : "", d.sha256};
    if (!hp_text) rc = SQK_EMEM;
    if (!rc && snprintf(log.checkpoint, sizeof log.checkpoint, "%s.checkpoint", o->out_path) >= (int)sizeof log.checkpoint)
        rc = sqk_fail(SQK_EARG, "%s: path too long", o->out_path);
    double t0 = now_s();
    if (!rc) rc = sqk_model_create(&m, kind, &hp, d.T, d.F, d.features);
    if (!rc && o->init_path) rc = sqk_model_init_from(m, o->init_path);
    if (!rc) rc = apply_freeze(m, o->freeze);
    if (!rc) rc = sqk_train_data_select(&d, SQK_SPLIT_TRAIN, &xt, &yt, NULL, &tr.N);
    if (!rc) rc = sqk_train_data_select(&d, SQK_SPLIT_VALIDATION, &xv, &yv, NULL, &va.N);
    if (!rc && (tr.N == 0 || va.N == 0)) {
        /* early stopping and the alarm threshold are chosen on split 1: without it there is
         * nothing to choose them on, and the reported F1 would be NaN */
        size_t n_test = 0;
        for (size_t i = 0; i < d.N; i++) n_test += d.split[i] == SQK_SPLIT_TEST;
        rc = sqk_fail(SQK_EEMPTY,
                      "%s: no %s windows (split %d); the dataset has %zu training, %zu validation "
                      "and %zu test windows",
                      o->data_path, tr.N == 0 ? "training" : "validation", tr.N == 0 ? 0 : 1, tr.N,
                      va.N, n_test);
    }
    if (!rc) rc = read_resume(o, m, tr.N, &log, &ck, &s->resumed_epoch);
    /* the log (so checked writable) grows per epoch; from here the previous model is gone */
    if (!rc && o->log_path) rc = write_log(&log, o->log_path);
    if (!rc && unlink(o->out_path) != 0 && errno != ENOENT)
        rc = sqk_fail(SQK_EIO, "%s: cannot replace: %s", o->out_path, strerror(errno));
    if (!rc) {
        tr.X = xt; tr.y = yt; va.X = xv; va.y = yv;
        m->data_config = d.config;
        d.config = NULL;
        memcpy(m->data_sha256, d.sha256, sizeof d.sha256);
        sqk_fit_options fo = {.on_epoch = log_epoch, .ctx = &log, .progress = o->progress, .threads = o->threads,
                              .checkpoint = save_epoch, .resume = s->resumed_epoch ? &ck.st : NULL};
        rc = sqk_model_fit(m, &tr, &va, &fo);
    }
    if (!rc) rc = choose_alarm(m, &va);
    if (!rc) rc = commit_outputs(m, &log);
    if (!rc) {
        s->n_train = tr.N;
        s->n_val = va.N;
        s->epochs_run = (int)log.n;
        s->best_epoch = m->best_epoch;
        s->best_val_f1 = -1;
        for (size_t i = 0; i < log.n; i++)
            if (log.rows[i].epoch == m->best_epoch) s->best_val_f1 = log.rows[i].val_f1;
        if (log.n == 0 && va.N > 0) rc = validation_f1(m, &va, &s->best_val_f1);
        s->seconds = now_s() - t0;
    }
    free(log.rows);
    free(hp_text);
    sqk_checkpoint_free(&ck);
    free(xt); free(yt); free(xv); free(yv);
    sqk_model_free(m);
    sqk_train_data_free(&d);
    return rc;
}

int sqk_train_fit_validate(const sqk_train_data *d, const sqk_hparams *hp, int threads,
                           const sqk_progress *progress, double *val_f1)
{
    return sqk_train_fit_validate_epochs(d, hp, threads, progress, NULL, NULL, val_f1);
}

int sqk_train_fit_validate_epochs(const sqk_train_data *d, const sqk_hparams *hp, int threads,
                                  const sqk_progress *progress,
                                  int (*on_epoch)(void *ctx, const sqk_epoch_stats *s), void *ctx,
                                  double *val_f1)
{
    sqk_nn_set_threads(threads);
    sqk_model *m = NULL;
    sqk_model_data tr = {0}, va = {0};
    float *xt = NULL, *xv = NULL;
    int32_t *yt = NULL, *yv = NULL;
    int rc = sqk_train_data_select(d, SQK_SPLIT_TRAIN, &xt, &yt, NULL, &tr.N);
    if (!rc) rc = sqk_train_data_select(d, SQK_SPLIT_VALIDATION, &xv, &yv, NULL, &va.N);
    if (!rc && (tr.N == 0 || va.N == 0))
        rc = sqk_fail(SQK_EEMPTY, "the dataset has no %s windows (split %d)",
                      tr.N == 0 ? "training" : "validation", tr.N == 0 ? 0 : 1);
    if (!rc) rc = sqk_model_create(&m, hp->kind, hp, d->T, d->F, d->features);
    if (!rc) {
        tr.X = xt; tr.y = yt; va.X = xv; va.y = yv;
        sqk_fit_options fo = {.progress = progress, .threads = threads, .should_stop = on_epoch, .stop_ctx = ctx};
        rc = sqk_model_fit(m, &tr, &va, &fo);
    }
    /* the kept model's own F1 (for neural kinds the best epoch's weights) */
    if (!rc) rc = validation_f1(m, &va, val_f1);
    free(xt); free(yt); free(xv); free(yv);
    sqk_model_free(m);
    return rc;
}

static int check_compatible(const sqk_model *m, const sqk_train_data *d, const char *model_path,
                            const char *data_path)
{
    if (m->T != d->T || m->F != d->F)
        return sqk_fail(SQK_EARG, "%s takes windows of T=%d F=%d but %s has T=%d F=%d", model_path,
                        m->T, m->F, data_path, d->T, d->F);
    if (m->features[0] && d->features[0] && strcmp(m->features, d->features))
        return sqk_fail(SQK_EARG, "%s was trained on features '%s' but %s has '%s'", model_path,
                        m->features, data_path, d->features);
    return SQK_OK;
}

static int write_predictions(const char *path, const sqk_train_data *d, const size_t *rows,
                             const float *p, size_t n)
{
    sqk_atomic_file a;
    int rc = sqk_atomic_open(&a, path);
    if (rc) return rc;
    FILE *f = a.f;
    fprintf(f, "window,split,event,y_true,p0,p1,p2,y_pred\n");
    for (size_t k = 0; k < n; k++) {
        size_t i = rows[k];
        const float *q = p + 3 * k;
        int pred = argmax3(q);
        fprintf(f, "%zu,%d,%lld,%d,%.6g,%.6g,%.6g,%d\n", i, (int)d->split[i], (long long)d->event[i],
                (int)d->y[i], q[0], q[1], q[2], pred);
    }
    return sqk_atomic_close(&a, SQK_OK);
}

int sqk_predict_run(const char *model_path, const char *data_path, int split, const char *out_csv,
                    int threads, size_t *n_rows)
{
    sqk_nn_set_threads(threads);
    sqk_model *m;
    int rc = sqk_model_load(&m, model_path);
    if (rc) return rc;
    sqk_train_data d;
    rc = sqk_train_data_read_for(&d, data_path, m->kind);
    if (rc) {
        sqk_model_free(m);
        return rc;
    }
    float *X = NULL, *p = NULL;
    int32_t *y = NULL;
    size_t *rows = NULL, n = 0;
    rc = check_compatible(m, &d, model_path, data_path);
    if (!rc) rc = sqk_train_data_select(&d, split, &X, &y, &rows, &n);
    if (!rc && !(p = sqk_malloc((n ? n : 1) * 3 * sizeof *p))) rc = SQK_EMEM;
    if (!rc) rc = sqk_model_predict(m, X, n, p);
    if (!rc) rc = write_predictions(out_csv, &d, rows, p, n);
    if (!rc && n_rows) *n_rows = n;
    free(X); free(y); free(rows); free(p);
    sqk_train_data_free(&d);
    sqk_model_free(m);
    return rc;
}
