/* The model file (docs/model-format.md): HDF5 with the kind, T, F, feature names,
 * hyperparameters, the training dataset's provenance and the scaler as attributes and small
 * datasets, and the kind's weights in group /weights. Written atomically. */
#include "sqk/model.h"
#include "sqk/isolate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_FORMAT "seqnetquake-model"
/* The version the writer writes, and the oldest the reader reads (docs/model-format.md,
 * "Version history"). Version 1 files may lack the alarm attributes (read as NaN: no alarm
 * threshold) and the checksums of the weights or booster (then refused unchecked). */
#define MODEL_FORMAT_VERSION 2
#define MODEL_FORMAT_OLDEST 1

/* Creates the groups of a slash-separated dataset path ("bilstm1/forward/kernel"). */
static int make_parents(hid_t loc, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        if (!sqk_h5_exists(loc, buf)) {
            hid_t g = sqk_h5_create_group(loc, buf);
            if (g < 0) return SQK_EIO;
            H5Gclose(g);
        }
        *s = '/';
    }
    return SQK_OK;
}

int sqk_netmodel_save(const sqk_model *m, hid_t group)
{
    sqk_net *net = m->impl;
    const float *p = sqk_net_params(net);
    for (int k = 0; k < sqk_net_num_tensors(net); k++) {
        const sqk_param_tensor *t = sqk_net_tensor(net, k);
        int rc = make_parents(group, t->name);
        if (!rc) rc = sqk_h5_write_f32(group, t->name, t->rank, t->dims, p + t->offset);
        if (rc) return rc;
    }
    char sha[65];
    sqk_sha256_bytes(p, sqk_net_num_params(net) * sizeof *p, sha);
    return sqk_h5_set_attr_str(group, ".", "sha256", sha);
}

int sqk_netmodel_load(sqk_model *m, hid_t group)
{
    sqk_net *net = m->impl;
    float *p = sqk_net_params(net);
    for (int k = 0; k < sqk_net_num_tensors(net); k++) {
        const sqk_param_tensor *t = sqk_net_tensor(net, k);
        if (!sqk_h5_exists(group, t->name))
            return sqk_fail(SQK_EFORMAT, "weights: no dataset %s (a different architecture?)", t->name);
        int rank;
        size_t dims[4];
        int rc = sqk_h5_dims(group, t->name, &rank, dims);
        if (rc) return rc;
        int same = rank == t->rank;
        for (int d = 0; same && d < rank; d++) same = dims[d] == t->dims[d];
        if (!same)
            return sqk_fail(SQK_EARG, "weights %s: shape in the file differs from this architecture",
                            t->name);
        rc = sqk_h5_read_f32(group, t->name, p + t->offset, t->size);
        if (rc) return rc;
        for (size_t i = 0; i < t->size; i++)
            if (!isfinite(p[t->offset + i]))
                return sqk_fail(SQK_EFORMAT, "weights %s: value %zu is not finite (%g): refused", t->name, i,
                                (double)p[t->offset + i]);
    }
    /* All weights (the arena, in its order) against the checksum written with them. */
    char want[80] = "", got[65];
    if (sqk_h5_get_attr_str(group, ".", "sha256", want, sizeof want))
        return sqk_fail(SQK_EFORMAT, "weights: no sha256 attribute: refused unchecked");
    sqk_sha256_bytes(p, sqk_net_num_params(net) * sizeof *p, got);
    if (strcmp(want, got))
        return sqk_fail(SQK_EFORMAT, "weights: they do not match their SHA-256 (the file is corrupt)");
    return SQK_OK;
}

static int write_hparams(const sqk_model *m, hid_t f)
{
    hid_t g = sqk_h5_create_group(f, "hyperparameters");
    if (g < 0) return SQK_EIO;
    int rc = SQK_OK;
    for (int i = 0; i < m->kind->n_hparams && !rc; i++) {
        const sqk_hparam_def *d = &m->kind->hparams[i];
        char c[64];
        if (d->type == SQK_HP_CHOICE)
            rc = sqk_h5_set_attr_str(g, ".", d->key, sqk_hp_choice(&m->hp, d->key, c, sizeof c));
        else if (d->type == SQK_HP_INT) {
            int64_t v = (int64_t)m->hp.v[i];
            rc = sqk_h5_set_attr_i64(g, ".", d->key, &v, 1);
        } else
            rc = sqk_h5_set_attr_f64(g, ".", d->key, &m->hp.v[i], 1);
    }
    H5Gclose(g);
    char *text = sqk_hparams_format(&m->hp);
    if (!text) return SQK_EMEM;
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "hyperparameters", text);
    free(text);
    return rc;
}

static int write_scaler(const sqk_model *m, hid_t f)
{
    hid_t g = sqk_h5_create_group(f, "scaler");
    if (g < 0) return SQK_EIO;
    int64_t sc = m->scaler.scale, nz = m->scaler.normalize;
    int rc = sqk_h5_set_attr_i64(g, ".", "scale", &sc, 1);
    if (!rc) rc = sqk_h5_set_attr_i64(g, ".", "normalize", &nz, 1);
    size_t dims[2] = {(size_t)m->T, (size_t)m->F};
    if (!rc && m->scaler.scale && m->scaler.mean) {
        rc = sqk_h5_write_f32(g, "mean", 2, dims, m->scaler.mean);
        if (!rc) rc = sqk_h5_write_f32(g, "std", 2, dims, m->scaler.std);
    }
    H5Gclose(g);
    return rc;
}

static int write_model(hid_t f, const void *ctx)
{
    const sqk_model *m = ctx;
    int64_t ver = MODEL_FORMAT_VERSION, T = m->T, F = m->F, best = m->best_epoch;
    int rc = sqk_h5_set_attr_str(f, ".", "format", MODEL_FORMAT);
    if (!rc) rc = sqk_h5_set_attr_i64(f, ".", "format_version", &ver, 1);
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "kind", m->kind->name);
    if (!rc) rc = sqk_h5_set_attr_i64(f, ".", "T", &T, 1);
    if (!rc) rc = sqk_h5_set_attr_i64(f, ".", "F", &F, 1);
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "features", m->features);
    if (!rc) rc = sqk_h5_set_attr_i64(f, ".", "best_epoch", &best, 1);
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "program_version", sqk_version());
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "data_sha256", m->data_sha256);
    if (!rc) rc = sqk_h5_set_attr_str(f, ".", "data_config", m->data_config ? m->data_config : "");
    if (!rc && isfinite(m->alarm_threshold)) {
        double alarm[3] = {m->alarm_threshold, m->alarm_val_mcc, m->alarm_val_fraction};
        rc = sqk_h5_set_attr_f64(f, ".", "alarm_threshold", alarm, 1);
        if (!rc) rc = sqk_h5_set_attr_f64(f, ".", "alarm_val_mcc", alarm + 1, 1);
        if (!rc) rc = sqk_h5_set_attr_f64(f, ".", "alarm_val_fraction", alarm + 2, 1);
        if (!rc) rc = sqk_h5_set_attr_str(f, ".", "alarm_rule", "alarm when p1 >= alarm_threshold; chosen on the "
                                                                "validation split (max MCC of seismic vs the rest)");
    }
    if (!rc) rc = write_hparams(m, f);
    if (!rc) rc = write_scaler(m, f);
    if (rc) return rc;
    hid_t g = sqk_h5_create_group(f, "weights");
    if (g < 0) return SQK_EIO;
    rc = m->kind->save(m, g);
    H5Gclose(g);
    return rc;
}

int sqk_model_save(const sqk_model *m, const char *path)
{
    return sqk_h5_write_file(path, write_model, m);
}

int sqk_model_file_image(const sqk_model *m, const char *path, unsigned char **bytes, size_t *n)
{
    return sqk_h5_file_image(path, write_model, m, bytes, n);
}

/* Header of a model file: kind, T, F, features, hyperparameters. */
static int read_header(hid_t f, const char *path, const sqk_model_kind **kind, int *T, int *F,
                       char *features, size_t fsize, sqk_hparams *hp)
{
    char buf[64];
    if (sqk_h5_get_attr_str(f, ".", "format", buf, sizeof buf) || strcmp(buf, MODEL_FORMAT))
        return sqk_fail(SQK_EFORMAT, "%s: not a seqnetquake model file (no format=%s)", path, MODEL_FORMAT);
    double v[1];
    size_t got;
    if (sqk_h5_get_attr_f64(f, ".", "format_version", v, 1, &got) || got != 1)
        return sqk_fail(SQK_EFORMAT, "%s: model without a format_version: this program reads versions %d to %d",
                        path, MODEL_FORMAT_OLDEST, MODEL_FORMAT_VERSION);
    if (!(v[0] >= MODEL_FORMAT_OLDEST && v[0] <= MODEL_FORMAT_VERSION) || v[0] != (int)v[0])
        return sqk_fail(SQK_EFORMAT, "%s: model format_version %g is unknown: this program reads versions %d to %d",
                        path, v[0], MODEL_FORMAT_OLDEST, MODEL_FORMAT_VERSION);
    if (sqk_h5_get_attr_str(f, ".", "kind", buf, sizeof buf))
        return sqk_fail(SQK_EFORMAT, "%s: no model kind", path);
    *kind = sqk_model_kind_find(buf);
    if (!*kind) return sqk_fail_context(SQK_EFORMAT, "%s", path);
    if (sqk_h5_get_attr_f64(f, ".", "T", v, 1, &got) || got != 1) return sqk_fail(SQK_EFORMAT, "%s: no T", path);
    *T = (int)v[0];
    if (sqk_h5_get_attr_f64(f, ".", "F", v, 1, &got) || got != 1) return sqk_fail(SQK_EFORMAT, "%s: no F", path);
    *F = (int)v[0];
    if (sqk_h5_get_attr_str(f, ".", "features", features, fsize)) features[0] = 0;
    sqk_hparams_default(hp, *kind);
    size_t cap = 64 * (size_t)((*kind)->n_hparams + 8);
    char *text = sqk_malloc(cap);
    if (!text) return SQK_EMEM;
    int rc = sqk_h5_get_attr_str(f, ".", "hyperparameters", text, cap);
    for (char *line = rc ? NULL : strtok(text, "\n"); line && !rc; line = strtok(NULL, "\n"))
        rc = sqk_hparams_set(hp, line);
    free(text);
    return rc ? sqk_fail_context(SQK_EFORMAT, "%s: hyperparameters", path) : SQK_OK;
}

static int read_scaler(sqk_model *m, hid_t f, const char *path)
{
    double v[1];
    size_t got;
    sqk_scaler *s = &m->scaler;
    memset(s, 0, sizeof *s);
    s->D = (size_t)m->T * m->F;
    if (sqk_h5_get_attr_f64(f, "scaler", "scale", v, 1, &got) || got != 1)
        return sqk_fail(SQK_EFORMAT, "%s: no scaler", path);
    s->scale = (int)v[0];
    if (sqk_h5_get_attr_f64(f, "scaler", "normalize", v, 1, &got) || got != 1)
        return sqk_fail(SQK_EFORMAT, "%s: no scaler normalize", path);
    s->normalize = (int)v[0];
    if (!s->scale) return SQK_OK;
    s->mean = sqk_malloc(s->D * sizeof *s->mean);
    s->std = sqk_malloc(s->D * sizeof *s->std);
    if (!s->mean || !s->std) return SQK_EMEM;
    int rc = sqk_h5_read_f32(f, "scaler/mean", s->mean, s->D);
    if (!rc) rc = sqk_h5_read_f32(f, "scaler/std", s->std, s->D);
    /* A zero or non-finite scale would turn every prediction into NaN or a constant. */
    for (size_t i = 0; !rc && i < s->D; i++)
        if (!isfinite(s->mean[i]) || !isfinite(s->std[i]) || !(s->std[i] > 0))
            rc = sqk_fail(SQK_EFORMAT, "%s: scaler value %zu (sample %zu, feature %zu) has mean %g and std %g: "
                          "refused (std must be finite and > 0)", path, i, i / (size_t)m->F, i % (size_t)m->F,
                          (double)s->mean[i], (double)s->std[i]);
    return rc;
}

/* The kind's state from the "weights" group into m (created with the file's shapes). */
static int load_weights(sqk_model *m, hid_t f, const char *path)
{
    hid_t g = H5Gopen2(f, "weights", H5P_DEFAULT);
    if (g < 0) return sqk_fail(SQK_EFORMAT, "%s: no weights group", path);
    int rc = m->kind->load(m, g);
    H5Gclose(g);
    return rc ? sqk_fail_context(rc, "%s", path) : SQK_OK;
}

/* What a model file says about the model before its weights. */
typedef struct {
    const sqk_model_kind *kind;
    int T, F;
    char features[256];
    sqk_hparams hp;
} model_header;

/* Opens a model file and reads its header; *f stays open only on success. */
static int open_model(const char *path, hid_t *f, model_header *h)
{
    int rc = sqk_h5_open_read(path, f);
    if (rc) return rc;
    rc = read_header(*f, path, &h->kind, &h->T, &h->F, h->features, sizeof h->features, &h->hp);
    if (rc) H5Fclose(*f);
    return rc;
}

static int load_direct(sqk_model **out, const char *path)
{
    *out = NULL;
    hid_t f;
    model_header h;
    int rc = open_model(path, &f, &h);
    if (rc) return rc;
    sqk_model *m = NULL;
    rc = sqk_model_create(&m, h.kind, &h.hp, h.T, h.F, h.features);
    if (!rc) rc = read_scaler(m, f, path);
    if (!rc) {
        char sha[65] = "";
        double v[1];
        size_t got;
        if (!sqk_h5_get_attr_str(f, ".", "data_sha256", sha, sizeof sha)) memcpy(m->data_sha256, sha, 65);
        if (!sqk_h5_get_attr_f64(f, ".", "best_epoch", v, 1, &got) && got == 1) m->best_epoch = (int)v[0];
        if (sqk_h5_attr_exists(f, ".", "alarm_threshold")) {
            if (!sqk_h5_get_attr_f64(f, ".", "alarm_threshold", v, 1, &got) && got == 1) m->alarm_threshold = v[0];
            if (!sqk_h5_get_attr_f64(f, ".", "alarm_val_mcc", v, 1, &got) && got == 1) m->alarm_val_mcc = v[0];
            if (!sqk_h5_get_attr_f64(f, ".", "alarm_val_fraction", v, 1, &got) && got == 1) m->alarm_val_fraction = v[0];
        }
        size_t cap = 1 << 16;
        m->data_config = sqk_malloc(cap);
        if (m->data_config && sqk_h5_get_attr_str(f, ".", "data_config", m->data_config, cap))
            m->data_config[0] = 0;
        rc = load_weights(m, f, path);
    }
    H5Fclose(f);
    if (rc) {
        sqk_model_free(m);
        return rc;
    }
    *out = m;
    return SQK_OK;
}

/* A model file is first read whole in a worker process (sqk/isolate.h): libhdf5 and
 * libxgboost parse it, and a corrupt file that crashes or hangs one of them is then an error
 * naming the file. Model files are small, so reading twice costs little. */
static int probe_worker(const char *path, const void *arg, sqk_buf *reply)
{
    (void)arg; (void)reply;
    sqk_model *m = NULL;
    int rc = load_direct(&m, path);
    sqk_model_free(m);
    return rc;
}

static int probe(const char *path)
{
    if (!sqk_isolation_on()) return SQK_OK;
    sqk_buf b;
    int rc = sqk_isolated("HDF5 or XGBoost", path, probe_worker, NULL, &b);
    sqk_buf_free(&b);
    return rc;
}

int sqk_model_load(sqk_model **out, const char *path)
{
    *out = NULL;
    int rc = probe(path);
    return rc ? rc : load_direct(out, path);
}

int sqk_model_init_from(sqk_model *m, const char *path)
{
    int rc0 = probe(path);
    if (rc0) return rc0;
    hid_t f;
    model_header h;
    int rc = open_model(path, &f, &h);
    if (rc) return rc;
    const sqk_model_kind *kind = h.kind;
    if (kind != m->kind)
        rc = sqk_fail(SQK_EARG, "%s: a %s model cannot initialise a %s model", path, kind->name, m->kind->name);
    if (!rc && (h.T != m->T || h.F != m->F))
        rc = sqk_fail(SQK_EARG, "%s: the model takes windows of T=%d F=%d, the data has T=%d F=%d",
                      path, h.T, h.F, m->T, m->F);
    for (int i = 0; !rc && i < kind->n_hparams; i++)
        if (kind->hparams[i].arch && h.hp.v[i] != m->hp.v[i])
            rc = sqk_fail(SQK_EARG, "%s: architecture differs: %s is %g there, %g here", path,
                          kind->hparams[i].key, h.hp.v[i], m->hp.v[i]);
    if (!rc) rc = load_weights(m, f, path);
    H5Fclose(f);
    return rc;
}
