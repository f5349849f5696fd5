#!/usr/bin/python3
"""Summarises the CSV rows of bench_tpe and bench/tpe_peer.py (problem,sampler,seed,regret25,
regret50,regret100) as a Markdown table: per problem and sampler the median regret and its
quartiles after 25, 50 and 100 trials, and the ratio of optuna-mv's median to ours at 100
(> 1: ours is better), and the two-sided Mann-Whitney p-value of ours against optuna-mv at
each trial count (seeds are independent searches; a small p says the difference is beyond
the seed-to-seed spread).

    /usr/bin/python3 bench/tpe_summary.py ROWS.csv... > table.md
"""
import csv
import sys

import numpy as np
from scipy.stats import mannwhitneyu

rows = []
for path in sys.argv[1:]:
    with open(path) as f:
        rows += [r for r in csv.DictReader(f)]
problems, samplers = [], []
for r in rows:
    if r["problem"] not in problems:
        problems.append(r["problem"])
    if r["sampler"] not in samplers:
        samplers.append(r["sampler"])
order = ["ours-tpe", "optuna-mv", "optuna", "ours-hyperopt", "ours-random"]
samplers = [s for s in order if s in samplers] + [s for s in samplers if s not in order]


def cell(v):
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return "%.3g [%.3g, %.3g]" % (med, q1, q3)


print("| problem | sampler | seeds | regret @25 | regret @50 | regret @100 |")
print("|---|---|---|---|---|---|")
ratios, tests = [], []
for p in problems:
    med100 = {}
    for s in samplers:
        sel = [r for r in rows if r["problem"] == p and r["sampler"] == s]
        if not sel:
            continue
        cols = [np.array([float(r[k]) for r in sel]) for k in ("regret25", "regret50", "regret100")]
        med100[s] = np.median(cols[2])
        print("| %s | %s | %d | %s | %s | %s |" % (p, s, len(sel), cell(cols[0]), cell(cols[1]), cell(cols[2])))
    if "ours-tpe" in med100 and "optuna-mv" in med100 and med100["ours-tpe"] > 0:
        ratios.append((p, med100["optuna-mv"] / med100["ours-tpe"]))
        ps = []
        for k in ("regret25", "regret50", "regret100"):
            a = [float(r[k]) for r in rows if r["problem"] == p and r["sampler"] == "ours-tpe"]
            b = [float(r[k]) for r in rows if r["problem"] == p and r["sampler"] == "optuna-mv"]
            ps.append("%.2f" % mannwhitneyu(a, b, alternative="two-sided").pvalue)
        tests.append("%s %s" % (p, "/".join(ps)))
print()
print("Median regret at 100 trials, optuna-mv / ours (> 1: ours lower): " +
      ", ".join("%s %.2fx" % r for r in ratios) + ".")
if tests:
    print("Mann-Whitney p, ours-tpe against optuna-mv at 25/50/100 trials: " + ", ".join(tests) + ".")
print("Cells: median [first quartile, third quartile] over the seeds of the regret (best value "
      "found minus the known minimum).")
