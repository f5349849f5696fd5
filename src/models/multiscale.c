/* The generic multi-scale model: the gbm kind on the log energies of the window's log Ne at
 * three dyadic scales (second differences at lags of 1.5, 3 and 6 s), its spread about a line,
 * and Kp > 3 (sqk_train_data_multiscale). It knows nothing of a planted form: which scale
 * carries a perturbation is learned from the training split; the inputs (Ne alone rather than
 * Ne and Te, these scales) were chosen on the validation split (docs/baselines.md). */
#include "xgb_kind.h"

const sqk_model_kind sqk_kind_multiscale = {
    .name = "multiscale",
    .description = "multi-scale roughness model: gradient-boosted trees on the energies of log Ne at "
                   "1.5, 3 and 6 s scales, its detrended spread, and Kp > 3",
    .inputs = SQK_INPUTS_MULTISCALE,
    .hparams = sqk_gbm_hparams,
    .n_hparams = SQK_GBM_N_HPARAMS,
    SQK_XGB_KIND_CALLS,
};
