/* The gbm and rf model kinds: scikit-learn-named hyperparameters (the paper's search spaces,
 * method.md section 7) mapped onto XGBoost (include/sqk/xgb.h). docs/baselines.md explains
 * each mapping and what has no counterpart. The booster is stored as XGBoost UBJSON bytes in
 * the uint8 dataset "booster" of the model file's kind group. */
#include "sqk/model.h"
#include "sqk/xgb.h"
#include "xgb_kind.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

/* XGBoost's softprob hessian of one sample is 2 p (1 - p); with the initial equal class
 * probabilities (p = 1/3) that is 4/9, so "at least k windows in a leaf" is a hessian sum of
 * 4k/9 in the first round (exact for rf, which has only that round; approximate later in gbm,
 * where confident samples weigh less). Half a window less keeps float sums on the right side. */
static double min_child_weight_for(double windows)
{
    return windows > 0.5 ? (windows - 0.5) * 4.0 / 9.0 : 0.0;
}

const sqk_hparam_def sqk_gbm_hparams[SQK_GBM_N_HPARAMS] = {
    {"n_estimators", SQK_HP_INT, 100, 1, 100000, NULL, 0, "boosting rounds (sklearn n_estimators -> XGBoost num_boost_round)"},
    {"learning_rate", SQK_HP_REAL, 0.1, 1e-6, 1, NULL, 0, "shrinkage (-> eta)"},
    {"subsample", SQK_HP_REAL, 1.0, 0.01, 1, NULL, 0, "fraction of windows per round, without replacement (-> subsample)"},
    {"max_depth", SQK_HP_INT, 3, 1, 64, NULL, 0, "tree depth (-> max_depth)"},
    {"max_features", SQK_HP_CHOICE, 0, 0, 0, "all,sqrt,log2", 0,
     "features tried per split: all (sklearn None), sqrt(D) or log2(D) of D = T*F (-> colsample_bynode)"},
    {"min_samples_leaf", SQK_HP_REAL, 1, 0, 1e9, NULL, 0,
     "windows per leaf; < 1 is a fraction of the training windows (-> min_child_weight, approximate)"},
    {"early_stopping_rounds", SQK_HP_INT, 20, 0, 100000, NULL, 0,
     "stop after this many rounds without a better validation log-loss, keep the best (0 = off)"},
    SQK_HP_SCALER_ENTRIES
};
_Static_assert(sizeof sqk_gbm_hparams / sizeof sqk_gbm_hparams[0] == SQK_GBM_N_HPARAMS,
               "SQK_GBM_N_HPARAMS counts the gbm table");

static const sqk_hparam_def rf_hparams[] = {
    {"n_estimators", SQK_HP_INT, 100, 1, 100000, NULL, 0, "trees in the forest (-> num_parallel_tree, one round)"},
    {"max_depth", SQK_HP_INT, 16, 1, 64, NULL, 0, "tree depth (-> max_depth)"},
    {"max_features", SQK_HP_INT, 0, 0, 1000000, NULL, 0,
     "features tried per split, 0 = sqrt(D) as sklearn's default (-> colsample_bynode = max_features/D)"},
    {"min_samples_leaf", SQK_HP_INT, 1, 1, 1000000000, NULL, 0, "windows per leaf (-> min_child_weight)"},
    {"max_leaf_nodes", SQK_HP_INT, 0, 0, 1000000000, NULL, 0,
     "leaves per tree, 0 = no limit (-> max_leaves with grow_policy lossguide)"},
    {"bootstrap", SQK_HP_INT, 1, 0, 1, NULL, 0,
     "1: each tree sees 63.2% of the windows (XGBoost subsamples without replacement), 0: all"},
    SQK_HP_SCALER_ENTRIES
};

static size_t n_inputs(const sqk_model *m) { return (size_t)m->T * (size_t)m->F; }

static double colsample_for_count(double features, size_t D)
{
    double f = floor(features);
    if (f < 1) f = 1;
    return f >= (double)D ? 1.0 : f / (double)D;
}

static void gbm_params(const sqk_model *m, size_t n_train, sqk_xgb_params *p)
{
    const sqk_hparams *hp = &m->hp;
    size_t D = n_inputs(m);
    sqk_xgb_params_default(p, SQK_XGB_GBM);
    p->n_rounds = sqk_hp_int(hp, "n_estimators");
    p->learning_rate = sqk_hp_real(hp, "learning_rate");
    p->subsample = sqk_hp_real(hp, "subsample");
    p->max_depth = sqk_hp_int(hp, "max_depth");
    char mf[16];
    sqk_hp_choice(hp, "max_features", mf, sizeof mf);
    p->colsample_bynode = !strcmp(mf, "sqrt") ? colsample_for_count(sqrt((double)D), D)
                        : !strcmp(mf, "log2") ? colsample_for_count(log2((double)D), D) : 1.0;
    double leaf = sqk_hp_real(hp, "min_samples_leaf");
    if (leaf < 1) leaf = ceil(leaf * (double)n_train); /* sklearn: a fraction of the samples */
    p->min_child_weight = min_child_weight_for(leaf);
    p->early_stopping_rounds = sqk_hp_int(hp, "early_stopping_rounds");
    p->seed = (uint64_t)sqk_hp_int(hp, "seed");
}

static void rf_params(const sqk_model *m, sqk_xgb_params *p)
{
    const sqk_hparams *hp = &m->hp;
    size_t D = n_inputs(m);
    sqk_xgb_params_default(p, SQK_XGB_RF);
    p->n_parallel_tree = sqk_hp_int(hp, "n_estimators");
    p->max_depth = sqk_hp_int(hp, "max_depth");
    int mf = sqk_hp_int(hp, "max_features");
    p->colsample_bynode = colsample_for_count(mf > 0 ? mf : sqrt((double)D), D);
    p->min_child_weight = min_child_weight_for(sqk_hp_int(hp, "min_samples_leaf"));
    p->max_leaves = sqk_hp_int(hp, "max_leaf_nodes");
    p->subsample = sqk_hp_int(hp, "bootstrap") ? 0.632 : 1.0; /* 1 - 1/e distinct windows */
    p->seed = (uint64_t)sqk_hp_int(hp, "seed");
}

int sqk_xgb_kind_create(sqk_model *m)
{
    m->impl = NULL; /* the booster exists once fitted or loaded */
    return SQK_OK;
}

int sqk_xgb_kind_fit(sqk_model *m, const sqk_model_data *train, const sqk_model_data *val,
                     const sqk_fit_options *o)
{
    sqk_xgb_params p;
    int is_rf = !strcmp(m->kind->name, "rf"); /* gbm, geo, rough, oracle: boosting */
    if (is_rf) rf_params(m, &p);
    else gbm_params(m, train->N, &p);
    p.nthread = o ? o->threads : 0;
    if (is_rf && p.max_leaves == 1)
        return sqk_fail(SQK_EARG, "rf: max_leaf_nodes 1 would give one-leaf trees; use 0 (no limit) or >= 2");
    sqk_xgb *init = m->impl;
    if (init && is_rf)
        return sqk_fail(SQK_EARG, "rf: a random forest cannot continue training from an existing "
                        "model (--init): its trees are grown at once from the training set, so "
                        "train a new forest instead");
    const sqk_progress *progress = o ? o->progress : NULL;
    sqk_xgb *fitted = NULL;
    int rc = sqk_xgb_fit(&p, train->X, train->y, train->N, n_inputs(m), val ? val->X : NULL,
                         val ? val->y : NULL, val ? val->N : 0, init, progress, &fitted);
    if (rc) return sqk_fail_context(rc, "%s", m->kind->name);
    sqk_xgb_free(init); /* gbm --init: the new booster holds the old rounds plus the new ones */
    m->impl = fitted;
    m->best_epoch = sqk_xgb_n_rounds(fitted);
    return SQK_OK;
}

int sqk_xgb_kind_predict(sqk_model *m, const float *X, size_t N, float *probs)
{
    if (!m->impl)
        return sqk_fail(SQK_EARG, "%s: the model has not been trained", m->kind->name);
    return sqk_xgb_predict_proba(m->impl, X, N, n_inputs(m), probs);
}

int sqk_xgb_kind_save(const sqk_model *m, hid_t group)
{
    if (!m->impl)
        return sqk_fail(SQK_EARG, "%s: the model has not been trained, nothing to save", m->kind->name);
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = sqk_xgb_save_bytes(m->impl, &bytes, &len);
    if (rc) return rc;
    int major, minor, patch;
    XGBoostVersion(&major, &minor, &patch);
    char version[32];
    snprintf(version, sizeof version, "%d.%d.%d", major, minor, patch);
    char sha[65];
    sqk_sha256_bytes(bytes, len, sha);
    if (!(rc = sqk_h5_write_u8(group, "booster", 1, &len, bytes)) &&
        !(rc = sqk_h5_set_attr_str(group, "booster", "format", "xgboost-ubj")) &&
        !(rc = sqk_h5_set_attr_str(group, "booster", "sha256", sha)))
        rc = sqk_h5_set_attr_str(group, "booster", "xgboost_version", version);
    free(bytes);
    return rc;
}

int sqk_xgb_kind_load(sqk_model *m, hid_t group)
{
    char file[256];
    int rank = 0;
    size_t dims[4] = {0};
    if (!sqk_h5_exists(group, "booster"))
        return sqk_fail(SQK_EFORMAT, "%s: no XGBoost booster in the model file (dataset \"booster\")",
                        sqk_h5_filename(group, file, sizeof file));
    int rc = sqk_h5_dims(group, "booster", &rank, dims);
    if (rc) return rc;
    if (rank != 1 || dims[0] == 0)
        return sqk_fail(SQK_EFORMAT, "%s: the booster dataset must be a non-empty 1-D uint8 array",
                        sqk_h5_filename(group, file, sizeof file));
    uint8_t *bytes = sqk_malloc(dims[0]);
    if (!bytes) return SQK_EMEM;
    sqk_xgb *b = NULL;
    /* The bytes must be the ones we wrote before libxgboost parses them: a corrupt booster
     * can crash it. */
    char want[80] = "", got[65];
    if (!(rc = sqk_h5_read_u8(group, "booster", bytes, dims[0]))) {
        sqk_sha256_bytes(bytes, dims[0], got);
        if (sqk_h5_get_attr_str(group, "booster", "sha256", want, sizeof want))
            rc = sqk_fail(SQK_EFORMAT, "%s: the booster has no sha256 attribute: refused unchecked",
                          sqk_h5_filename(group, file, sizeof file));
        else if (strcmp(want, got))
            rc = sqk_fail(SQK_EFORMAT, "%s: the booster's bytes do not match their SHA-256 (the file is corrupt)",
                          sqk_h5_filename(group, file, sizeof file));
    }
    if (!rc) rc = sqk_xgb_load_bytes(bytes, dims[0], 0, &b);
    free(bytes);
    if (rc) return sqk_fail_context(rc, "%s", sqk_h5_filename(group, file, sizeof file));
    if (sqk_xgb_n_features(b) != n_inputs(m) || sqk_xgb_n_class(b) != 3) {
        rc = sqk_fail(SQK_EFORMAT, "%s: the booster takes %zu features and %d classes, the model "
                      "%zu (T %d x F %d) and 3", sqk_h5_filename(group, file, sizeof file),
                      sqk_xgb_n_features(b), sqk_xgb_n_class(b), n_inputs(m), m->T, m->F);
        sqk_xgb_free(b);
        return rc;
    }
    sqk_xgb_free(m->impl);
    m->impl = b;
    return SQK_OK;
}

void sqk_xgb_kind_destroy(sqk_model *m)
{
    sqk_xgb_free(m->impl);
    m->impl = NULL;
}

/* gbm and rf differ only in their hyperparameters (sqk_xgb_kind_fit reads the kind's name). */

const sqk_model_kind sqk_kind_gbm = {
    .name = "gbm",
    .description = "gradient-boosted trees on the flattened window (XGBoost, multi:softprob)",
    .hparams = sqk_gbm_hparams,
    .n_hparams = SQK_GBM_N_HPARAMS,
    SQK_XGB_KIND_CALLS,
};

const sqk_model_kind sqk_kind_rf = {
    .name = "rf",
    .description = "random forest on the flattened window (XGBoost's random-forest mode)",
    .hparams = rf_hparams,
    .n_hparams = (int)(sizeof rf_hparams / sizeof rf_hparams[0]),
    SQK_XGB_KIND_CALLS,
};

/* The where-and-when baseline: the gbm kind on the window's position and time only (latitude,
 * longitude, magnetic latitude, local time, day of year, native cadence; the train stage makes
 * these inputs), never its Ne/Te. What it scores is what place and time alone give away: the
 * floor a precursor model must beat. */
const sqk_model_kind sqk_kind_geo = {
    .name = "geo",
    .description = "where-and-when baseline: gradient-boosted trees on the window's latitude, longitude, "
                   "magnetic latitude, local time, day of year and cadence only (never Ne/Te)",
    .inputs = SQK_INPUTS_WHERE_WHEN,
    .hparams = sqk_gbm_hparams,
    .n_hparams = SQK_GBM_N_HPARAMS,
    SQK_XGB_KIND_CALLS,
};

/* The simple roughness model: the gbm kind on three numbers per feature of the window (rms of
 * the first and of the second differences of its log values, and their standard deviation
 * about a line; sqk_train_data_roughness). It sees how irregular a window is, not where. */
const sqk_model_kind sqk_kind_rough = {
    .name = "rough",
    .description = "roughness model: gradient-boosted trees on the rms of first and second differences "
                   "and the detrended spread of each feature's log values",
    .inputs = SQK_INPUTS_ROUGHNESS,
    .hparams = sqk_gbm_hparams,
    .n_hparams = SQK_GBM_N_HPARAMS,
    SQK_XGB_KIND_CALLS,
};

/* The oracle of the synthetic archive: it knows the planted form (extra irregularities of
 * log Ne with a 5 s correlation time) and reads only the energy of log Ne in that band
 * (periods ~3-15 s) and whether Kp > 3 (the storm label's rule), through the gbm kind
 * (sqk_train_data_band). The upper bound of what a model can reach on the archive; it means
 * nothing on real data. */
const sqk_model_kind sqk_kind_oracle = {
    .name = "oracle",
    .description = "synthetic-archive oracle: gradient-boosted trees on the energy of log Ne in the "
                   "planted irregularity band and on Kp > 3 (knows the planted form)",
    .inputs = SQK_INPUTS_BAND,
    .hparams = sqk_gbm_hparams,
    .n_hparams = SQK_GBM_N_HPARAMS,
    SQK_XGB_KIND_CALLS,
};
