#!/usr/bin/env bash
# The confounder table of docs/confounders.md: for DataSets 07 and 11 under the paper's and
# the rigorous design, the native-cadence rule's seismic/control MCC (all windows), the
# where-and-when baseline's cross-validated AUC on train (leakage report) and test AUC with its
# 95% event-bootstrap interval, and SeqNetQuake's test AUC / MCC beside it.
# Usage: scripts/confounders.sh BIN ARCHIVE OUTDIR      (ARCHIVE from `BIN synth --out ARCHIVE --seed 1`)
set -euo pipefail
bin=$1; arch=$2; out=$3; seed=${SEED:-1}
mkdir -p "$out"
metric() { # metrics.json key -> "value [lo, hi]"
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); k = sys.argv[2]; b = m["bootstrap"]["metrics"].get(k)
print("%.2f [%.2f, %.2f]" % (m[k], b["lo"], b["hi"]) if b else "%.2f" % m[k])
PY
}
leak() { # dataset, row, column of leakage/values
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys
try:
    import h5py
except ImportError:
    print("-"); sys.exit()
f = h5py.File(sys.argv[1], "r"); v = f["leakage/values"]
rows = v.attrs["rows"]; cols = v.attrs["columns"]
rows = (rows.decode() if isinstance(rows, bytes) else rows).split(",")
cols = (cols.decode() if isinstance(cols, bytes) else cols).split(",")
x = v[rows.index(sys.argv[2]), cols.index(sys.argv[3])]
print("%d" % x if sys.argv[3].startswith("n_") else "%.2f" % x)
PY
}
run() { # name kind data
  "$bin" train --data "$3" --model "$2" --seed "$seed" --out "$out/$1.h5" --quiet >/dev/null
  "$bin" predict --model "$out/$1.h5" --data "$3" --split test --out "$out/$1.test.csv" --quiet
  "$bin" predict --model "$out/$1.h5" --data "$3" --split validation --out "$out/$1.val.csv" --quiet
  "$bin" evaluate --pred "$out/$1.test.csv" --val-pred "$out/$1.val.csv" --data "$3" --seed "$seed" \
        --out "$out/ev-$1" --no-figures --permutations 0 --quiet
}
printf "| dataset | design | windows 0/1 | cadence rule MCC | geo CV AUC (train) | geo test AUC [95%%] | SeqNetQuake test AUC [95%%] | SeqNetQuake MCC (seismic/control) |\n|---|---|---|---|---|---|---|---|\n"
for p in 07 11; do
  for design in paper rigorous; do
    d="$out/ds$p-$design.h5"
    "$bin" build --archive "$arch" --preset "$p" --design "$design" --seed "$seed" --out "$d" --quiet
    run "geo-$p-$design" geo "$d"
    run "seqnet-$p-$design" seqnet "$d"
    printf "| %s | %s | %s/%s | %s | %s | %s | %s | %s |\n" "$p" "$design" \
      "$(leak "$d" all n_control)" "$(leak "$d" all n_seismic)" "$(leak "$d" all cadence_rule_mcc)" \
      "$(leak "$d" train geo_cv_auc)" "$(metric "$out/ev-geo-$p-$design/metrics.json" auc1)" \
      "$(metric "$out/ev-seqnet-$p-$design/metrics.json" auc1)" \
      "$(metric "$out/ev-seqnet-$p-$design/metrics.json" mcc_seismic_vs_control)"
  done
done
