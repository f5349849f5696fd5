/* The model interface: registry of kinds, hyperparameter tables and `key=value` parsing, the
 * feature scaler, and the generic model calls (create, fit, predict) plus the helpers that
 * make any layer list a model kind (sqk_netmodel_*). */
#include "sqk/model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- registry: one line per kind ----------------------------------------------------------- */
extern const sqk_model_kind sqk_kind_seqnet, sqk_kind_cnn, sqk_kind_lstm, sqk_kind_dnn,
    sqk_kind_gbm, sqk_kind_rf, sqk_kind_geo, sqk_kind_rough, sqk_kind_oracle,
    sqk_kind_multiscale;

static const sqk_model_kind *const kinds[] = {
    &sqk_kind_seqnet,
    &sqk_kind_cnn,
    &sqk_kind_lstm,
    &sqk_kind_dnn,
    &sqk_kind_gbm,
    &sqk_kind_rf,
    &sqk_kind_geo,
    &sqk_kind_rough,
    &sqk_kind_oracle,
    &sqk_kind_multiscale,
};
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))

int sqk_model_kind_count(void) { return NKINDS; }
const sqk_model_kind *sqk_model_kind_at(int i) { return i >= 0 && i < NKINDS ? kinds[i] : NULL; }

const char *sqk_model_kind_names(void)
{
    static char buf[256];
    buf[0] = 0;
    for (int i = 0; i < NKINDS; i++) {
        if (i) strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
        strncat(buf, kinds[i]->name, sizeof buf - strlen(buf) - 1);
    }
    return buf;
}

const sqk_model_kind *sqk_model_kind_find(const char *name)
{
    for (int i = 0; i < NKINDS; i++)
        if (!strcmp(kinds[i]->name, name)) return kinds[i];
    sqk_fail(SQK_EARG, "unknown model '%s'; models: %s", name, sqk_model_kind_names());
    return NULL;
}

int sqk_model_kind_trains_epochs(const sqk_model_kind *k)
{
    for (int i = 0; k && i < k->n_hparams; i++)
        if (!strcmp(k->hparams[i].key, "epochs")) return 1;
    return 0;
}

/* ---- hyperparameters ----------------------------------------------------------------------- */
void sqk_hparams_default(sqk_hparams *hp, const sqk_model_kind *kind)
{
    memset(hp, 0, sizeof *hp);
    hp->kind = kind;
    for (int i = 0; i < kind->n_hparams && i < SQK_MAX_HPARAMS; i++) hp->v[i] = kind->hparams[i].def;
}

int sqk_hparams_index(const sqk_hparams *hp, const char *key)
{
    for (int i = 0; i < hp->kind->n_hparams; i++)
        if (!strcmp(hp->kind->hparams[i].key, key)) return i;
    return -1;
}

/* The n-th comma-separated choice into buf; returns 0 when there is none. */
static int choice_at(const char *choices, int n, char *buf, size_t bufsize)
{
    const char *s = choices;
    for (int i = 0; i < n && s; i++) {
        s = strchr(s, ',');
        if (s) s++;
    }
    if (!s) return 0;
    size_t len = strcspn(s, ",");
    if (len >= bufsize) len = bufsize - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    return 1;
}

static void list_keys(const sqk_model_kind *k, char *buf, size_t n)
{
    buf[0] = 0;
    for (int i = 0; i < k->n_hparams; i++) {
        if (i) strncat(buf, ", ", n - strlen(buf) - 1);
        strncat(buf, k->hparams[i].key, n - strlen(buf) - 1);
    }
}

int sqk_hparams_set_value(sqk_hparams *hp, const char *key, const char *value)
{
    int i = sqk_hparams_index(hp, key);
    if (i < 0) {
        char keys[1024];
        list_keys(hp->kind, keys, sizeof keys);
        return sqk_fail(SQK_EARG, "unknown hyperparameter '%s' for model %s; valid: %s", key,
                        hp->kind->name, keys);
    }
    const sqk_hparam_def *d = &hp->kind->hparams[i];
    if (d->type == SQK_HP_CHOICE) {
        char c[64];
        for (int n = 0; choice_at(d->choices, n, c, sizeof c); n++)
            if (!strcmp(c, value)) {
                hp->v[i] = n;
                return SQK_OK;
            }
        return sqk_fail(SQK_EARG, "%s=%s: not one of %s", key, value, d->choices);
    }
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end || errno || !isfinite(v))
        return sqk_fail(SQK_EARG, "%s=%s: not a number", key, value);
    if (d->type == SQK_HP_INT && v != floor(v))
        return sqk_fail(SQK_EARG, "%s=%s: must be an integer", key, value);
    if (v < d->lo || v > d->hi)
        return sqk_fail(SQK_EARG, "%s=%s: out of range [%g, %g]", key, value, d->lo, d->hi);
    hp->v[i] = v;
    return SQK_OK;
}

int sqk_hparams_set(sqk_hparams *hp, const char *key_value)
{
    const char *eq = strchr(key_value, '=');
    if (!eq || eq == key_value)
        return sqk_fail(SQK_EARG, "'%s': expected key=value", key_value);
    char key[64];
    size_t n = (size_t)(eq - key_value);
    if (n >= sizeof key) return sqk_fail(SQK_EARG, "'%s': key too long", key_value);
    memcpy(key, key_value, n);
    key[n] = 0;
    return sqk_hparams_set_value(hp, key, eq + 1);
}

double sqk_hp_real(const sqk_hparams *hp, const char *key)
{
    int i = sqk_hparams_index(hp, key);
    return i < 0 ? 0.0 : hp->v[i];
}

int sqk_hp_int(const sqk_hparams *hp, const char *key) { return (int)sqk_hp_real(hp, key); }

const char *sqk_hp_choice(const sqk_hparams *hp, const char *key, char *buf, size_t bufsize)
{
    int i = sqk_hparams_index(hp, key);
    if (i < 0 || hp->kind->hparams[i].type != SQK_HP_CHOICE ||
        !choice_at(hp->kind->hparams[i].choices, (int)hp->v[i], buf, bufsize))
        return NULL;
    return buf;
}

/* One value as text: integers without a fraction, reals with round-trip precision. */
static void format_value(const sqk_hparams *hp, int i, char *buf, size_t n)
{
    const sqk_hparam_def *d = &hp->kind->hparams[i];
    if (d->type == SQK_HP_CHOICE) choice_at(d->choices, (int)hp->v[i], buf, n);
    else if (d->type == SQK_HP_INT) snprintf(buf, n, "%.0f", hp->v[i]);
    else snprintf(buf, n, "%.17g", hp->v[i]);
}

char *sqk_hparams_format(const sqk_hparams *hp)
{
    size_t cap = 64 * (size_t)(hp->kind->n_hparams + 1);
    char *s = sqk_malloc(cap);
    if (!s) return NULL;
    s[0] = 0;
    for (int i = 0; i < hp->kind->n_hparams; i++) {
        char v[64];
        format_value(hp, i, v, sizeof v);
        size_t len = strlen(s);
        snprintf(s + len, cap - len, "%s=%s\n", hp->kind->hparams[i].key, v);
    }
    return s;
}

char *sqk_hparams_describe(const sqk_model_kind *kind)
{
    size_t cap = 200 * (size_t)(kind->n_hparams + 1);
    char *s = sqk_malloc(cap);
    if (!s) return NULL;
    s[0] = 0;
    sqk_hparams hp;
    sqk_hparams_default(&hp, kind);
    for (int i = 0; i < kind->n_hparams; i++) {
        const sqk_hparam_def *d = &kind->hparams[i];
        char v[64], range[96];
        format_value(&hp, i, v, sizeof v);
        if (d->type == SQK_HP_CHOICE) snprintf(range, sizeof range, "{%s}", d->choices);
        else snprintf(range, sizeof range, "[%g, %g]", d->lo, d->hi);
        size_t len = strlen(s);
        snprintf(s + len, cap - len, "  %-16s %-9s %-22s %s\n", d->key, v, range, d->help);
    }
    return s;
}

/* ---- scaler -------------------------------------------------------------------------------- */
static void normalize_rows(float *X, size_t N, size_t D)
{
    for (size_t n = 0; n < N; n++) {
        float *x = X + n * D;
        double ss = 0;
        for (size_t d = 0; d < D; d++) ss += (double)x[d] * x[d];
        if (ss > 0) {
            float inv = (float)(1.0 / sqrt(ss));
            for (size_t d = 0; d < D; d++) x[d] *= inv;
        }
    }
}

int sqk_scaler_fit(sqk_scaler *s, const float *X, size_t N, size_t D, int scale, int normalize)
{
    memset(s, 0, sizeof *s);
    s->scale = scale;
    s->normalize = normalize;
    s->D = D;
    if (!scale) return SQK_OK;
    s->mean = sqk_calloc(D, sizeof *s->mean);
    s->std = sqk_calloc(D, sizeof *s->std);
    double *sum = sqk_calloc(D, sizeof *sum), *sum2 = sqk_calloc(D, sizeof *sum2);
    float *row = sqk_malloc(D * sizeof *row);
    if (!s->mean || !s->std || !sum || !sum2 || !row) {
        free(sum); free(sum2); free(row);
        sqk_scaler_free(s);
        return SQK_EMEM;
    }
    for (size_t n = 0; n < N; n++) {
        memcpy(row, X + n * D, D * sizeof *row);
        if (normalize) normalize_rows(row, 1, D);
        for (size_t d = 0; d < D; d++) sum[d] += row[d];
    }
    for (size_t d = 0; d < D; d++) s->mean[d] = N ? (float)(sum[d] / N) : 0.0f;
    for (size_t n = 0; n < N; n++) {
        memcpy(row, X + n * D, D * sizeof *row);
        if (normalize) normalize_rows(row, 1, D);
        for (size_t d = 0; d < D; d++) {
            double e = row[d] - (double)s->mean[d];
            sum2[d] += e * e;
        }
    }
    for (size_t d = 0; d < D; d++) {
        double sd = N ? sqrt(sum2[d] / N) : 0.0; /* population std, as scikit-learn */
        s->std[d] = sd > 0 && isfinite(sd) ? (float)sd : 1.0f;
    }
    free(sum); free(sum2); free(row);
    return SQK_OK;
}

void sqk_scaler_apply(const sqk_scaler *s, float *X, size_t N)
{
    if (s->normalize) normalize_rows(X, N, s->D);
    if (!s->scale) return;
    for (size_t n = 0; n < N; n++)
        for (size_t d = 0; d < s->D; d++) X[n * s->D + d] = (X[n * s->D + d] - s->mean[d]) / s->std[d];
}

void sqk_scaler_free(sqk_scaler *s)
{
    free(s->mean);
    free(s->std);
    s->mean = s->std = NULL;
}

/* ---- models -------------------------------------------------------------------------------- */
int sqk_model_create(sqk_model **out, const sqk_model_kind *kind, const sqk_hparams *hp, int T,
                     int F, const char *features)
{
    *out = NULL;
    if (T < 1 || F < 1) return sqk_fail(SQK_EARG, "model %s: bad input shape T=%d F=%d", kind->name, T, F);
    sqk_model *m = sqk_calloc(1, sizeof *m);
    if (!m) return SQK_EMEM;
    m->kind = kind;
    if (hp) m->hp = *hp;
    else sqk_hparams_default(&m->hp, kind);
    m->hp.kind = kind;
    m->T = T;
    m->F = F;
    m->alarm_threshold = m->alarm_val_mcc = m->alarm_val_fraction = NAN;
    snprintf(m->features, sizeof m->features, "%s", features ? features : "");
    int rc = kind->create(m);
    if (rc) {
        free(m);
        return sqk_fail_context(rc, "model %s", kind->name);
    }
    *out = m;
    return SQK_OK;
}

void sqk_model_free(sqk_model *m)
{
    if (!m) return;
    if (m->impl && m->kind->destroy) m->kind->destroy(m);
    sqk_scaler_free(&m->scaler);
    free(m->data_config);
    free(m);
}

/* A scaled copy of windows (N, T*F). */
static float *scaled_copy(const sqk_model *m, const float *X, size_t N)
{
    size_t D = (size_t)m->T * m->F;
    float *c = sqk_malloc((N ? N : 1) * D * sizeof *c);
    if (!c) return NULL;
    memcpy(c, X, N * D * sizeof *c);
    sqk_scaler_apply(&m->scaler, c, N);
    return c;
}

int sqk_model_fit(sqk_model *m, const sqk_model_data *train, const sqk_model_data *val,
                  const sqk_fit_options *o)
{
    if (o && o->threads > 0) sqk_nn_set_threads(o->threads);
    sqk_scaler_free(&m->scaler);
    int rc = sqk_scaler_fit(&m->scaler, train->X, train->N, (size_t)m->T * m->F,
                            sqk_hp_int(&m->hp, "scale"), sqk_hp_int(&m->hp, "normalize"));
    if (rc) return rc;
    sqk_model_data tr = *train, va = {0};
    float *xt = scaled_copy(m, train->X, train->N), *xv = NULL;
    if (val && val->N) {
        va = *val;
        xv = scaled_copy(m, val->X, val->N);
    }
    if (!xt || (val && val->N && !xv)) {
        free(xt); free(xv);
        return SQK_EMEM;
    }
    tr.X = xt;
    va.X = xv;
    sqk_fit_options none = {0};
    rc = m->kind->fit(m, &tr, &va, o ? o : &none);
    free(xt);
    free(xv);
    return rc;
}

int sqk_model_predict(sqk_model *m, const float *X, size_t N, float *probs)
{
    float *xs = scaled_copy(m, X, N);
    if (!xs) return SQK_EMEM;
    int rc = m->kind->predict_proba(m, xs, N, probs);
    free(xs);
    return rc;
}

/* ---- neural kinds -------------------------------------------------------------------------- */
int sqk_netmodel_create(sqk_model *m, const sqk_layer_spec *layers, int n_layers)
{
    sqk_net *net;
    int rc = sqk_net_create(&net, layers, n_layers, m->T, m->F, sqk_hp_int(&m->hp, "batch_size"));
    if (!rc) rc = sqk_net_init_keras(net, (uint64_t)sqk_hp_int(&m->hp, "seed"));
    if (rc) {
        sqk_net_free(net);
        return rc;
    }
    m->impl = net;
    return SQK_OK;
}

sqk_net *sqk_netmodel_net(sqk_model *m) { return m->impl; }

int sqk_netmodel_fit(sqk_model *m, const sqk_model_data *train, const sqk_model_data *val,
                     const sqk_fit_options *o)
{
    sqk_net *net = m->impl;
    char opt_name[16];
    sqk_optimizer opt;
    int sgd = sqk_hp_choice(&m->hp, "optimizer", opt_name, sizeof opt_name) && !strcmp(opt_name, "sgd");
    int rc = sqk_optimizer_init(&opt, sgd ? SQK_OPT_SGD : SQK_OPT_ADAM, sqk_hp_real(&m->hp, "lr"),
                                sqk_hp_real(&m->hp, "momentum"), sqk_net_num_params(net));
    if (rc) return rc;
    sqk_nn_fit_options fo = {
        .epochs = sqk_hp_int(&m->hp, "epochs"),
        .batch_size = sqk_hp_int(&m->hp, "batch_size"),
        .patience = sqk_hp_int(&m->hp, "patience"),
        .seed = (uint64_t)sqk_hp_int(&m->hp, "seed"),
        .opt = &opt,
        .on_epoch = o->on_epoch,
        .ctx = o->ctx,
        .progress = o->progress,
        .checkpoint = o->checkpoint,
        .resume = o->resume,
        .should_stop = o->should_stop,
        .stop_ctx = o->stop_ctx,
    };
    sqk_nn_data tr = {train->X, train->y, train->N}, va = {val ? val->X : NULL, val ? val->y : NULL, val ? val->N : 0};
    rc = sqk_net_fit(net, &tr, &va, &fo, &m->best_epoch);
    sqk_optimizer_free(&opt);
    return rc;
}

int sqk_netmodel_predict(sqk_model *m, const float *X, size_t N, float *probs)
{
    return sqk_net_predict(m->impl, X, N, probs);
}

int sqk_netmodel_freeze(sqk_model *m, const char *layer)
{
    return sqk_net_set_trainable(m->impl, layer, 0);
}

void sqk_netmodel_destroy(sqk_model *m)
{
    sqk_net_free(m->impl);
    m->impl = NULL;
}

sqk_layer_spec *sqk_netmodel_add_layer(sqk_layer_spec *l, int *n, sqk_layer_kind kind,
                                       const char *prefix, int index)
{
    sqk_layer_spec *s = &l[(*n)++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    snprintf(s->name, sizeof s->name, "%s%d", prefix, index);
    return s;
}

sqk_activation sqk_netmodel_activation(const sqk_hparams *hp, const char *key)
{
    char c[16];
    int a = sqk_activation_parse(sqk_hp_choice(hp, key, c, sizeof c) ? c : "relu");
    return a < 0 ? SQK_ACT_RELU : (sqk_activation)a;
}

int sqk_netmodel_is_gru(const sqk_hparams *hp)
{
    char c[16];
    return sqk_hp_choice(hp, "rnn", c, sizeof c) && !strcmp(c, "gru");
}

void sqk_netmodel_add_output(sqk_layer_spec *l, int *n, int index)
{
    sqk_layer_spec *out = sqk_netmodel_add_layer(l, n, SQK_LAYER_DENSE, "dense", index);
    out->units = 3;
    out->act = SQK_ACT_LINEAR;
    sqk_netmodel_add_layer(l, n, SQK_LAYER_SOFTMAX, "softmax", 1);
}

void sqk_netmodel_add_fc_head(sqk_layer_spec *l, int *n, const sqk_hparams *hp)
{
    int n_fc = sqk_hp_int(hp, "num_fc_layers");
    for (int i = 1; i < n_fc; i++) {
        sqk_layer_spec *s = sqk_netmodel_add_layer(l, n, SQK_LAYER_DENSE, "dense", i);
        s->units = sqk_hp_int(hp, "units_fc");
        s->act = sqk_netmodel_activation(hp, "activation_fc");
    }
    sqk_netmodel_add_output(l, n, n_fc);
}
