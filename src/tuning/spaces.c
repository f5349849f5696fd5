/* The paper's hyperparameter search spaces (method.md section 7) as TPE parameters mapped onto
 * each model kind's hyperparameter keys. hp.choice sets are CHOICE entries whose values are
 * the key's values; wide integer ranges are quniform (their order is kept); the mapping and
 * what is left out are in docs/tuning.md. */
#include "sqk/tuning.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CH(key, n, values) {{key, SQK_TPE_CHOICE, 0, 0, 0, n, -1, 0}, key, values}
#define QU(key, lo, hi, q) {{key, SQK_TPE_QUNIFORM, lo, hi, q, 0, -1, 0}, key, NULL}
#define UN(key, lo, hi) {{key, SQK_TPE_UNIFORM, lo, hi, 0, 0, -1, 0}, key, NULL}

#define NN_TAIL \
    CH("batch_size", 6, "10,20,40,60,80,100"), CH("epochs", 3, "10,50,100"), \
    CH("scale", 2, "0,1"), CH("normalize", 2, "0,1")
#define FC_HEAD \
    CH("num_fc_layers", 5, "2,3,4,5,6"), CH("units_fc", 4, "64,128,256,512"), \
    CH("activation_fc", 3, "relu,tanh,sigmoid")
#define CNN_PART \
    CH("num_cnn_layers", 3, "2,3,4"), CH("num_filters_cnn", 3, "2,3,4"), \
    CH("size_kernel_cnn", 2, "2,3"), CH("activation_cnn", 3, "relu,tanh,sigmoid")
#define DROPOUT(key) CH(key, 3, "0.25,0.5,0.75")

static const sqk_tune_param seqnet_space[] = {
    CNN_PART, CH("num_lstm_layers", 5, "1,2,3,4,5"), CH("units_lstm", 4, "64,128,256,512"),
    FC_HEAD, DROPOUT("dropout"), NN_TAIL};

static const sqk_tune_param cnn_space[] = {CNN_PART, FC_HEAD, DROPOUT("dropout"), NN_TAIL};

static const sqk_tune_param lstm_space[] = {
    CH("num_lstm_layers", 6, "1,2,3,4,5,6"), CH("units_lstm", 4, "64,128,256,512"), FC_HEAD,
    DROPOUT("dropout"), NN_TAIL};

#define UNITS(i) CH("units_" #i, 4, "64,128,256,512")
/* Index of "optimizer" in dnn_space (the parent of the learning rates and the momentum). */
#define DNN_OPT 18
static const sqk_tune_param dnn_space[] = {
    CH("num_layers", 5, "2,3,4,5,6"),
    UNITS(1), UNITS(2), UNITS(3), UNITS(4), UNITS(5), UNITS(6),
    DROPOUT("dropout_1"), DROPOUT("dropout_2"), DROPOUT("dropout_3"), DROPOUT("dropout_4"),
    DROPOUT("dropout_5"), DROPOUT("dropout_6"),
    CH("activation", 3, "relu,tanh,sigmoid"),
    NN_TAIL, /* 14..17 */
    CH("optimizer", 2, "adam,sgd"), /* DNN_OPT */
    {{"lr_adam", SQK_TPE_LOGUNIFORM, -10, 0, 0, 0, DNN_OPT, 0}, "lr", NULL},
    {{"lr_sgd", SQK_TPE_LOGUNIFORM, -15, 1, 0, 0, DNN_OPT, 1}, "lr", NULL},
    {{"momentum", SQK_TPE_UNIFORM, 0, 1, 0, 0, DNN_OPT, 1}, "momentum", NULL},
};

/* sklearn's min_samples_split and criterion have no XGBoost counterpart and are left out. */
static const sqk_tune_param rf_space[] = {
    QU("max_depth", 1, 27, 1), QU("max_features", 1, 9, 1), QU("n_estimators", 2, 298, 2),
    QU("min_samples_leaf", 1, 59, 1), QU("max_leaf_nodes", 2, 59, 1), CH("bootstrap", 2, "1,0"),
    CH("scale", 2, "0,1"), CH("normalize", 2, "0,1")};

static const sqk_tune_param gbm_space[] = {
    UN("learning_rate", 0.01, 0.2), UN("subsample", 0.8, 1.0), QU("max_depth", 2, 10, 1),
    CH("max_features", 3, "sqrt,log2,all"), UN("min_samples_leaf", 0.1, 0.5),
    CH("n_estimators", 3, "10,100,1000"), CH("scale", 2, "0,1"), CH("normalize", 2, "0,1")};

#define SPACE(kind, a) {kind, a, (int)(sizeof a / sizeof a[0])}
static const sqk_tune_space spaces[] = {
    SPACE("seqnet", seqnet_space), SPACE("cnn", cnn_space), SPACE("lstm", lstm_space),
    SPACE("dnn", dnn_space), SPACE("rf", rf_space), SPACE("gbm", gbm_space)};

const sqk_tune_space *sqk_tune_space_find(const char *kind)
{
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++)
        if (!strcmp(spaces[i].kind, kind)) return &spaces[i];
    sqk_fail(SQK_EARG, "no search space for model kind '%s' (seqnet, cnn, lstm, dnn, rf, gbm)", kind);
    return NULL;
}

/* The index-th comma-separated token of list into buf. */
static int token_at(const char *list, int index, char *buf, size_t n)
{
    for (int i = 0; i < index && list; i++) {
        list = strchr(list, ',');
        if (list) list++;
    }
    if (!list) return SQK_EARG;
    size_t len = strcspn(list, ",");
    if (len >= n) return SQK_EARG;
    memcpy(buf, list, len);
    buf[len] = 0;
    return SQK_OK;
}

int sqk_tune_space_apply(const sqk_tune_space *s, const double *x, sqk_hparams *hp)
{
    for (int j = 0; j < s->n; j++) {
        const sqk_tune_param *p = &s->params[j];
        if (!isfinite(x[j])) continue; /* inactive */
        char v[64];
        if (p->p.dist == SQK_TPE_CHOICE) {
            if (token_at(p->values, (int)x[j], v, sizeof v))
                return sqk_fail(SQK_EARG, "search space: %s has no choice %d", p->p.name, (int)x[j]);
        } else {
            int i = sqk_hparams_index(hp, p->key);
            int is_int = i >= 0 && hp->kind->hparams[i].type == SQK_HP_INT;
            snprintf(v, sizeof v, is_int ? "%.0f" : "%.17g", x[j]);
        }
        int rc = sqk_hparams_set_value(hp, p->key, v);
        if (rc) return sqk_fail_context(rc, "search space of %s, %s", s->kind, p->p.name);
    }
    return SQK_OK;
}

int sqk_tune_trial_hparams(const sqk_model_kind *kind, const sqk_tune_space *s, const double *x, uint64_t seed,
                           int max_epochs, int patience, sqk_hparams *hp)
{
    sqk_hparams_default(hp, kind);
    char v[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)(seed % 2147483648ull));
    int rc = sqk_hparams_set_value(hp, "seed", v);
    if (!rc) rc = sqk_tune_space_apply(s, x, hp);
    if (!rc && max_epochs > 0 && sqk_hparams_index(hp, "epochs") >= 0 && sqk_hp_int(hp, "epochs") > max_epochs) {
        snprintf(v, sizeof v, "%d", max_epochs);
        rc = sqk_hparams_set_value(hp, "epochs", v);
    }
    if (!rc && patience > 0) {
        if (sqk_hparams_index(hp, "patience") < 0)
            return sqk_fail(SQK_EARG, "a search's patience: a %s trains no epochs, so it has no early stopping", kind->name);
        snprintf(v, sizeof v, "%d", patience);
        rc = sqk_hparams_set_value(hp, "patience", v);
    }
    return rc;
}
