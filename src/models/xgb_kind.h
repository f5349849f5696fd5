/* What the XGBoost model kinds share (src/models/xgb_model.c), for kinds defined in their own
 * file that are the gbm kind on derived inputs: the gbm hyperparameter table and the kind
 * calls. Internal to src/models. */
#ifndef SQK_MODELS_XGB_KIND_H
#define SQK_MODELS_XGB_KIND_H

#include "sqk/model.h"

/* The gbm kind's hyperparameters: 7 entries plus the 3 scaler entries. */
#define SQK_GBM_N_HPARAMS 10
extern const sqk_hparam_def sqk_gbm_hparams[SQK_GBM_N_HPARAMS];

int sqk_xgb_kind_create(sqk_model *m);
int sqk_xgb_kind_fit(sqk_model *m, const sqk_model_data *train, const sqk_model_data *val,
                     const sqk_fit_options *o);
int sqk_xgb_kind_predict(sqk_model *m, const float *X, size_t N, float *probs);
int sqk_xgb_kind_save(const sqk_model *m, hid_t group);
int sqk_xgb_kind_load(sqk_model *m, hid_t group);
void sqk_xgb_kind_destroy(sqk_model *m);

/* No layers to freeze. */
#define SQK_XGB_KIND_CALLS \
    .create = sqk_xgb_kind_create, .fit = sqk_xgb_kind_fit, .predict_proba = sqk_xgb_kind_predict, \
    .save = sqk_xgb_kind_save, .load = sqk_xgb_kind_load, .freeze = NULL, .destroy = sqk_xgb_kind_destroy

#endif
