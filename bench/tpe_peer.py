#!/usr/bin/python3
"""optuna peer of bench/bench_tpe.c: the same four problems (same bounds, steps, choices and
minima), searched with optuna's TPESampler(multivariate=True, group=True) ("optuna-mv") and its
default univariate TPESampler ("optuna"), both with optuna's other defaults (10 startup
trials, 24 EI candidates, gamma min(ceil(0.1 n), 25), prior weight 1). Prints the same CSV rows:
problem,sampler,seed,regret25,regret50,regret100.

    /usr/bin/python3 bench/tpe_peer.py quality SEEDS [SAMPLERS [FIRST [PROBLEMS]]]
        (SAMPLERS: optuna-mv,optuna; seeds FIRST (1)..; PROBLEMS: a comma list, default all)
    /usr/bin/python3 bench/tpe_peer.py cost N...   seconds per suggestion (mixed10) after N trials
    /usr/bin/python3 bench/tpe_peer.py draws N REPS HIST   one suggestion per seed after N random
        mixed10 trials (the history written to HIST, for bench_tpe draws)
    /usr/bin/python3 bench/tpe_peer.py compare-draws OURS THEIRS   their quartiles and KS test
"""
import math
import sys
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def branin(t):
    x1 = t.suggest_float("x1", -5, 10)
    x2 = t.suggest_float("x2", 0, 15)
    b, c, r = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    a = x2 - b * x1 * x1 + c * x1 - 6
    return a * a + 10 * (1 - r) * math.cos(x1) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
     [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
     [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
     [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(t):
    x = [t.suggest_float("x%d" % (j + 1), 0, 1) for j in range(6)]
    s = 0.0
    for i in range(4):
        e = sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))
        s += ALPHA[i] * math.exp(-e)
    return -s


def mixed10(t):
    u = [t.suggest_float("u%d" % (j + 1), -5, 5) for j in range(4)]
    lr = t.suggest_float("lr", 1e-5, 1, log=True)
    wd = t.suggest_float("wd", 1e-6, 0.1, log=True)
    n = t.suggest_int("n", 1, 32)
    m = t.suggest_float("m", 0, 100, step=5)
    c1 = t.suggest_categorical("c1", [0, 1, 2])
    c2 = t.suggest_categorical("c2", [0, 1, 2, 3, 4])
    a, b, c, d = u[0] - 1.5, u[1] + 2, u[2] - 0.5 * u[0], u[3]
    l, w = math.log10(lr) + 2.5, math.log10(wd) - math.log10(lr) + 1.5
    nn, mm = (n - 12) / 31, (m - 35) / 100
    return ((a * a + b * b + c * c + d * d) / 25 + l * l / 20 + w * w / 25 + nn * nn + mm * mm
            + [0.3, 0, 0.15][c1] + [0.2, 0.2, 0, 0.1, 0.3][c2])


def conditional(t):
    opt = t.suggest_categorical("optimizer", [0, 1])  # adam, sgd
    if opt == 0:
        lr = t.suggest_float("lr_adam", math.exp(-10), 1, log=True)
        v = 0.02 + ((math.log(lr) + 7) / 10) ** 2
    else:
        lr = t.suggest_float("lr_sgd", math.exp(-15), math.exp(1), log=True)
        mo = t.suggest_float("momentum", 0, 1)
        v = ((math.log(lr) + 4) / 16) ** 2 + (mo - 0.9) ** 2
    layers = t.suggest_categorical("num_layers", [0, 1, 2, 3, 4])
    units = t.suggest_categorical("units", [0, 1, 2, 3])
    dropout = t.suggest_categorical("dropout", [0, 1, 2])
    bs = t.suggest_float("batch_size", 10, 100, step=10)
    return (v + 0.1 * abs(layers - 2) / 4 + 0.1 * abs(units - 2) / 3 + [0.05, 0, 0.1][dropout]
            + 0.2 * ((bs - 40) / 90) ** 2)


PROBLEMS = [("branin", branin, 0.397887357729738), ("hartmann6", hartmann6, -3.32236801141551),
            ("mixed10", mixed10, 0.0), ("conditional", conditional, 0.0)]


def sampler(name, seed):
    if name == "optuna-mv":
        return optuna.samplers.TPESampler(multivariate=True, group=True, seed=seed)
    if name == "optuna":
        return optuna.samplers.TPESampler(seed=seed)
    raise SystemExit("unknown sampler " + name)


def quality(seeds, samplers, first=1, problems=None):
    print("problem,sampler,seed,regret25,regret50,regret100")
    for pname, f, fmin in PROBLEMS:
        if problems and pname not in problems:
            continue
        for s in samplers:
            for seed in range(first, first + seeds):
                study = optuna.create_study(sampler=sampler(s, seed))
                study.optimize(f, n_trials=100)
                vals = [tr.value for tr in study.trials]
                best = [min(vals[:k]) - fmin for k in (25, 50, 100)]
                print("%s,%s,%d,%.6g,%.6g,%.6g" % (pname, s, seed, *best), flush=True)


def cost(n):
    rnd = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    rnd.optimize(mixed10, n_trials=n)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(multivariate=True, group=True, seed=1))
    study.add_trials(rnd.trials)
    reps, t0 = 0, time.perf_counter()
    while True:
        tr = study.ask()
        mixed10(tr)  # the suggestions happen inside the objective's suggest_* calls
        study.tell(tr, state=optuna.trial.TrialState.FAIL)  # keep the history at n
        reps += 1
        el = time.perf_counter() - t0
        if el > 2 or reps >= 50:
            return el / reps


MIXED10 = ["u1", "u2", "u3", "u4", "lr", "wd", "n", "m", "c1", "c2"]


def draws(n, reps, hist):
    """A history of n random mixed10 trials (written to hist for bench_tpe draws), then one
    suggestion per seed 0..reps-1 of optuna-mv after it; prints the points (log lr, log wd)."""
    rnd = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=5))
    rnd.optimize(mixed10, n_trials=n)
    with open(hist, "w") as f:
        for t in rnd.trials:
            f.write(" ".join("%.17g" % t.params[k] for k in MIXED10) + " %.17g\n" % t.value)
    for s in range(reps):
        study = optuna.create_study(sampler=sampler("optuna-mv", s))
        study.add_trials(rnd.trials)
        tr = study.ask()
        mixed10(tr)
        v = [float(tr.params[k]) for k in MIXED10]
        v[4], v[5] = math.log(v[4]), math.log(v[5])
        print(" ".join("%.10g" % x for x in v), flush=True)


def compare_draws(ours, theirs):
    """Quartiles of each parameter's suggestions and the two-sample Kolmogorov-Smirnov p."""
    import numpy as np
    from scipy.stats import ks_2samp
    a, b = np.loadtxt(ours, ndmin=2), np.loadtxt(theirs, ndmin=2)
    print("| parameter | ours: quartiles (%d seeds) | optuna-mv: quartiles (%d seeds) | KS p |" % (len(a), len(b)))
    print("|---|---|---|---|")
    for j, k in enumerate(["u1", "u2", "u3", "u4", "log lr", "log wd", "n", "m", "c1", "c2"]):
        qa, qb = np.percentile(a[:, j], [25, 50, 75]), np.percentile(b[:, j], [25, 50, 75])
        print("| %s | %.3g, %.3g, %.3g | %.3g, %.3g, %.3g | %.2f |" % (k, *qa, *qb, ks_2samp(a[:, j], b[:, j]).pvalue))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "quality":
        quality(int(sys.argv[2]), (sys.argv[3] if len(sys.argv) > 3 else "optuna-mv,optuna").split(","),
                int(sys.argv[4]) if len(sys.argv) > 4 else 1, sys.argv[5].split(",") if len(sys.argv) > 5 else None)
    elif len(sys.argv) >= 3 and sys.argv[1] == "cost":
        for a in sys.argv[2:]:
            print("suggest_s_at_%d %.6g" % (int(a), cost(int(a))), flush=True)
    elif len(sys.argv) == 5 and sys.argv[1] == "draws":
        draws(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare-draws":
        compare_draws(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
