/* The generic multi-scale model: the gbm kind on log energies of each variable's log values at
 * three dyadic scales (second differences at lags of 1.5, 3 and 6 s), their spread about a
 * line, and Kp > 3 (sqk_train_data_multiscale). It knows nothing of a planted form: which
 * scale and which variable carry a perturbation is learned from the training split; the
 * scales and the inputs were chosen on the validation split (docs/baselines.md). */
#include "xgb_kind.h"

const sqk_model_kind sqk_kind_multiscale = {
    .name = "multiscale",
    .description = "multi-scale roughness model: gradient-boosted trees on the energies of each variable's "
                   "log values at 1.5, 3 and 6 s scales, their detrended spread, and Kp > 3",
    .inputs = SQK_INPUTS_MULTISCALE,
    .hparams = sqk_gbm_hparams,
    .n_hparams = SQK_GBM_N_HPARAMS,
    SQK_XGB_KIND_CALLS,
};
