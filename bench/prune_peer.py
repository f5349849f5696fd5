#!/usr/bin/python3
"""Helpers of bench/bench_prune.sh.

    prune_peer.py summary ROWS.csv            the table: compute and best F1 per pruner
    prune_peer.py replay DIR PRUNERS SEEDS    optuna's pruners on our pruned searches' curves
    prune_peer.py fixed DIR PRUNERS SEEDS     the pruners on the unpruned searches' own path

replay: for each pruned search (DIR/P-S.log, as tune --log writes it, with each trial's
learning curve in its val_f1_curve column) the trials' learning curves are reported, in trial order, to optuna's MedianPruner
(n_startup_trials 5, no warm-up; step = epoch - 1, as its warm-up counts from zero),
SuccessiveHalvingPruner (min_resource 1, reduction_factor 3; step = epoch), for floor
ThresholdPruner (lower = the weighted F1 of the best constant prediction of DIR/ds07.h5's
validation labels, from scikit-learn, less 1e-12: a tie with no skill is not below it whatever
the last bits of two summations; n_warmup_steps = floor-epochs - 1; told the best F1 so far;
asked once 5 trials have completed), or for collapse the same floor, a trial being stopped only
when every epoch's F1 so far is a constant prediction's (CollapsePruner below), exactly as far
as our search ran them; a trial agrees when
optuna prunes it at the epoch we did, or never prunes a trial we let finish. Trials that failed
to train are told to optuna as failed.

fixed: each unpruned search (DIR/none-S.log, those there) replayed through each pruner in the same way:
what the pruner alone would have saved had the TPE proposed the same points (it does not: a
pruned trial changes what it proposes next). A trial's CPU seconds are taken as spread evenly
over its epochs; the best is the best final F1 among the trials the pruner lets finish.
"""
import csv
import os
import statistics
import sys

import h5py
import numpy as np
import optuna
from sklearn.metrics import f1_score

optuna.logging.set_verbosity(optuna.logging.ERROR)


TIE = 1e-12  # two F1 of the same counts summed by two programs agree to this


def constant_f1(dataset):
    """The weighted F1 of each constant prediction on the validation split (split 1)."""
    with h5py.File(dataset, "r") as f:
        y = f["y"][:][f["split"][:] == 1]
    return [f1_score(y, np.full_like(y, c), average="weighted", zero_division=0) for c in range(3)]


class CollapsePruner(optuna.pruners.BasePruner):
    """The collapse rule in optuna's terms (optuna has none): once n_startup trials have
    completed and from step n_warmup_steps on, a trial whose best F1 so far is below the best
    constant prediction's and every one of whose F1 so far is a constant prediction's."""

    def __init__(self, constants, n_warmup_steps, n_startup):
        self.constants, self.lower = constants, max(constants) - TIE
        self.n_warmup_steps, self.n_startup = n_warmup_steps, max(n_startup, 1)

    def prune(self, study, trial):
        done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        values = list(trial.intermediate_values.values())
        if len(done) < self.n_startup or trial.last_step is None or trial.last_step < self.n_warmup_steps:
            return False
        return max(values) < self.lower and all(min(abs(v - c) for c in self.constants) < TIE for v in values)


class FloorPruner(optuna.pruners.BasePruner):
    """optuna's ThresholdPruner, asked only once n_startup trials have completed."""

    def __init__(self, lower, n_warmup_steps, n_startup):
        self.threshold = optuna.pruners.ThresholdPruner(lower=lower, n_warmup_steps=n_warmup_steps)
        self.n_startup = max(n_startup, 1)

    def prune(self, study, trial):
        done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        return len(done) >= self.n_startup and self.threshold.prune(study, trial)


def summary(path):
    rows = list(csv.DictReader(open(path)))
    by = {}
    for r in rows:
        by.setdefault(r["pruner"], []).append(r)
    base = by.get("none")
    print("| pruner | seeds | trials pruned | epochs per search | CPU s per search | best val F1 per seed | mean best val F1 |")
    print("|---|---|---|---|---|---|---|")
    for p, rs in by.items():
        ep = [int(r["epochs"]) for r in rs]
        cpu = [float(r["cpu_s"]) for r in rs]
        f1 = [float(r["best_val_f1"]) for r in rs]
        print("| %s | %d | %s | %.0f (%s) | %.0f | %s | %.4f |" % (
            p, len(rs), ", ".join("%s/%s" % (r["pruned"], r["trials"]) for r in rs),
            statistics.mean(ep), ", ".join(map(str, ep)), statistics.mean(cpu),
            ", ".join("%.4f" % v for v in f1), statistics.mean(f1)))
    if not base:
        return
    b_ep = statistics.mean(int(r["epochs"]) for r in base)
    b_cpu = statistics.mean(float(r["cpu_s"]) for r in base)
    b_f1 = [float(r["best_val_f1"]) for r in base]
    spread = (min(b_f1), max(b_f1))
    print()
    for p, rs in by.items():
        if p == "none":
            continue
        ep = statistics.mean(int(r["epochs"]) for r in rs)
        cpu = statistics.mean(float(r["cpu_s"]) for r in rs)
        f1 = statistics.mean(float(r["best_val_f1"]) for r in rs)
        print("- %s: %.1fx fewer epochs and %.1fx less CPU than no pruning; mean best val F1 %.4f "
              "against %.4f without pruning, whose seeds span %.4f-%.4f (%s that span)." % (
                  p, b_ep / ep, b_cpu / cpu, f1, statistics.mean(b_f1), spread[0], spread[1],
                  "within" if spread[0] <= f1 <= spread[1] else "outside"))


def options(label):
    """NAME[:OPTION=V...] -> NAME and its options, with tune's defaults (patience 0: the kind's)."""
    name, *opts = label.split(":")
    o = {"prune-startup": 5, "prune-warmup": 0, "min-resource": 1, "reduction-factor": 3,
         "floor-epochs": 1 if name == "collapse" else 3, "patience": 0}
    for kv in opts:
        k, v = kv.split("=")
        o[k] = int(v)
    return name, o


def pruner(label, d):
    """optuna's pruner for NAME[:OPTION=V...] (tune's option names and defaults; none: optuna's
    NopPruner), the offset from our epochs to its steps, and whether it is told the best F1 so
    far (else each epoch's)."""
    name, o = options(label)
    if name == "none":
        return optuna.pruners.NopPruner(), 1, False
    if name == "median":
        # our warm-up counts epochs 1..W, optuna's steps 0..W-1 with step = epoch - 1
        return optuna.pruners.MedianPruner(n_startup_trials=o["prune-startup"],
                                           n_warmup_steps=o["prune-warmup"]), 1, False
    if name == "floor":
        # ours stops a trial whose best is below the floor, as optuna's below `lower`
        lower = max(constant_f1("%s/ds07.h5" % d)) - TIE
        return FloorPruner(lower, o["floor-epochs"] - 1, o["prune-startup"]), 1, True
    if name == "collapse":
        return CollapsePruner(constant_f1("%s/ds07.h5" % d), o["floor-epochs"] - 1, o["prune-startup"]), 1, False
    return optuna.pruners.SuccessiveHalvingPruner(min_resource=o["min-resource"],
                                                  reduction_factor=o["reduction-factor"]), 0, False


def hear(study, r, offset, best=False):
    """One logged trial told to optuna's study as our search ran it: its curve (or its best so
    far) reported epoch by epoch until optuna's pruner stops it. Returns the epoch it was
    stopped at (0: it finished; None: it failed to train)."""
    c = [float(v) for v in r["val_f1_curve"].split(";") if v]
    trial = study.ask()
    if r["ok"] != "1":
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        return None
    for e, v in enumerate(c, 1):
        trial.report(max(c[:e]) if best else v, e - offset)
        if trial.should_prune():
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            return e
    study.tell(trial, max(c) if c else 0.0)
    return 0


def replay(d, pruners, seeds):
    print("| pruner | searches | trials | pruned by us | optuna decides the same | differs |")
    print("|---|---|---|---|---|---|")
    for p in pruners.split(","):
        if options(p)[0] == "none":
            continue
        n = same = ours = 0
        diffs = []
        for s in range(1, seeds + 1):
            log = list(csv.DictReader(open("%s/%s-%d.log" % (d, p, s))))
            pr, offset, by_best = pruner(p, d)
            study = optuna.create_study(direction="maximize", pruner=pr,
                                        sampler=optuna.samplers.RandomSampler(seed=0))
            for r in log:
                t = int(r["trial"])
                at = hear(study, r, offset, by_best)
                if at is None:
                    continue
                we = int(r["epochs_run"]) if r["pruned"] == "1" else 0
                n += 1
                ours += we > 0
                if at == we:
                    same += 1
                else:
                    diffs.append("seed %d trial %d: ours %s, optuna %s" % (
                        s, t, "epoch %d" % we if we else "finish", "epoch %d" % at if at else "finish"))
        print("| %s | %d | %d | %d | %d | %s |" % (p, seeds, n, ours, same, "; ".join(diffs) or "none"))


def with_patience(r, patience):
    """A logged trial as it would have run with early-stopping patience `patience` (0: as
    logged): its curve cut `patience` epochs after its best so far stopped improving."""
    if not patience or r["ok"] != "1":
        return r
    c = r["val_f1_curve"].split(";")
    best, since = -1.0, 0
    for e, v in enumerate(c, 1):
        if float(v) > best:
            best, since = float(v), 0
        else:
            since += 1
            if since >= patience:
                c = c[:e]
                break
    return dict(r, val_f1_curve=";".join(c), epochs_run=str(len(c)), val_f1=repr(max(float(v) for v in c)))


def fixed(d, pruners, seeds):
    have = [s for s in range(1, seeds + 1) if os.path.exists("%s/none-%d.log" % (d, s))]
    if not have:
        return
    print("| pruner | unpruned seeds | trials pruned | epochs kept | trial s kept | compute saved | best val F1 kept per seed (unpruned) |")
    print("|---|---|---|---|---|---|---|")
    for p in pruners.split(","):
        if p == "none":
            continue
        n_pruned, ep, ep0, cpu, cpu0, bests = [], [], [], [], [], []
        for s in have:
            log = list(csv.DictReader(open("%s/none-%d.log" % (d, s))))
            pr, offset, by_best = pruner(p, d)
            study = optuna.create_study(direction="maximize", pruner=pr,
                                        sampler=optuna.samplers.RandomSampler(seed=0))
            k = e_kept = e_all = 0
            c_kept = c_all = 0.0
            best = best0 = 0.0
            for r in log:
                sec, run = float(r["seconds"]), int(r["epochs_run"])
                e_all += run
                c_all += sec
                cut = with_patience(r, options(p)[1]["patience"])
                at = hear(study, cut, offset, by_best)
                kept = at or int(cut["epochs_run"])
                e_kept += kept
                c_kept += sec * kept / max(run, 1)
                if at is None:
                    continue
                best0 = max(best0, float(r["val_f1"]))
                if at:
                    k += 1
                else:
                    best = max(best, float(cut["val_f1"]))
            n_pruned.append("%d/%d" % (k, len(log)))
            ep.append(e_kept); ep0.append(e_all); cpu.append(c_kept); cpu0.append(c_all)
            bests.append("%.4f (%.4f)" % (best, best0))
        print("| %s | %s | %s | %.0f of %.0f | %.0f of %.0f | %.1fx | %s |" % (
            p, ", ".join(map(str, have)), ", ".join(n_pruned), statistics.mean(ep), statistics.mean(ep0),
            statistics.mean(cpu), statistics.mean(cpu0), sum(cpu0) / sum(cpu), ", ".join(bests)))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "summary":
        summary(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "replay":
        replay(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == "fixed":
        fixed(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
