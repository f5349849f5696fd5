#!/usr/bin/python3
"""How the inputs of the multiscale model kind were chosen: on the VALIDATION split only.

Usage: /usr/bin/python3 scripts/multiscale_validation.py DATASET.h5
(the rigorous DataSet 07 of a planted archive, e.g. sensitivity-out/datasets/rigorous-s1.h5 of
`make sensitivity`). For each candidate set of window features (energies of the second
differences of log values at dyadic lags, spread about a line, Kp > 3), XGBoost's Python
package is trained on the training split (early stopping on validation log-loss) with three
seeds and row subsampling 0.8, and scored by the validation MCC seismic/control (a window
predicted 2 counts as not seismic, as `evaluate` does) and the validation class-1 AUC. The test
split is never read. Needs Debian's python3-h5py, -numpy, -sklearn, -xgboost.
"""
import sys

import h5py
import numpy as np
import xgboost as xgb
from sklearn.metrics import matthews_corrcoef, roc_auc_score


def d2_energy(x, lag):
    b = x[:, 2 * lag:] - 2 * x[:, lag:-lag] + x[:, :-2 * lag]
    return np.log10((b ** 2).mean(1) + 1e-12)


def d1_energy(x, lag):
    b = x[:, lag:] - x[:, :-lag]
    return np.log10((b ** 2).mean(1) + 1e-12)


def spread(x):
    t = np.arange(x.shape[1]) - (x.shape[1] - 1) / 2
    m = x.mean(1, keepdims=True)
    s = (x * t).sum(1, keepdims=True) / (t * t).sum()
    return np.log10(((x - m - s * t) ** 2).mean(1) + 1e-12)


def features(X, names, kp, variables, d2_lags, d1_lags=(), storm=True):
    cols = []
    for v in variables:
        x = np.log(X[:, :, names.index(v)].astype(float))
        cols += [d2_energy(x, L) for L in d2_lags] + [d1_energy(x, L) for L in d1_lags] + [spread(x)]
    if storm:
        cols.append((kp > 3).astype(float))
    return np.stack(cols, 1)


CANDIDATES = {
    "Ne; lags 1,2,4 (chosen)": dict(variables=["Ne"], d2_lags=[1, 2, 4]),
    "Ne, Te; lags 1,2,4": dict(variables=["Ne", "Te"], d2_lags=[1, 2, 4]),
    "Ne, Te; lags 1,2,4,8": dict(variables=["Ne", "Te"], d2_lags=[1, 2, 4, 8]),
    "Ne, Te; lags 1,2": dict(variables=["Ne", "Te"], d2_lags=[1, 2]),
    "Ne, Te; lags 1,2,4 + first differences 1,2,4,8": dict(variables=["Ne", "Te"], d2_lags=[1, 2, 4], d1_lags=[1, 2, 4, 8]),
    "Ne, Te; lags 1,2,4; no Kp > 3": dict(variables=["Ne", "Te"], d2_lags=[1, 2, 4], storm=False),
}


def main(path):
    with h5py.File(path, "r") as h:
        X, y, split, kp = h["X"][:], h["y"][:], h["split"][:], h["kp"][:]
        names = h.attrs["features"]
        names = (names.decode() if isinstance(names, bytes) else names).split(",")
    tr, va = split == 0, split == 1
    print(f"{path}: {tr.sum()} training, {va.sum()} validation windows (the test split is not read)")
    for label, spec in CANDIDATES.items():
        Z = features(X, names, kp, **spec)
        mcc, auc = [], []
        for seed in (1, 2, 3):
            clf = xgb.XGBClassifier(n_estimators=100, learning_rate=0.1, max_depth=3, tree_method="hist",
                                    subsample=0.8, random_state=seed, early_stopping_rounds=20,
                                    eval_metric="mlogloss")
            clf.fit(Z[tr], y[tr], eval_set=[(Z[va], y[va])], verbose=False)
            p = clf.predict_proba(Z[va])
            sc = y[va] < 2
            mcc.append(matthews_corrcoef(y[va][sc] == 1, p.argmax(1)[sc] == 1))
            auc.append(roc_auc_score(y[va] == 1, p[:, 1]))
        print(f"  {label:50s} validation MCC seismic/control {np.mean(mcc):.3f} "
              f"({' '.join(f'{m:.2f}' for m in mcc)}), class-1 AUC {np.mean(auc):.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
