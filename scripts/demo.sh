#!/usr/bin/env bash
# The main job on the embedded default: the whole chain on the synthetic archive.
#   synthetic archive -> DataSet 07 (CSES-like) and 11 (DEMETER-like)
#   -> SeqNetQuake trained directly on 07; trained on 11 then transferred to 07
#   -> the five baselines (GBM, RF, DNN, CNN, LSTM) on 07
#   -> the same on a null archive without precursors (what geography alone gives away)
#   -> evaluations (metrics, bootstrap intervals, figures) -> report (tables + report.html)
# Usage: scripts/demo.sh [BIN] [OUTDIR]     (make demo runs it)
set -euo pipefail
bin=${1:-build/seqnetquake}
out=${2:-demo-out}
seed=${SEED:-1}
q=""  # progress lines appear only on a terminal; summaries always
mkdir -p "$out"
t0=$(date +%s)
step() { echo; echo "== [$(( $(date +%s) - t0 )) s] $*"; }

step "1. synthetic archive (CSES-like 2020, DEMETER-like 2006, 90 days each) -> $out/archive"
rm -rf "$out/archive"
"$bin" synth --out "$out/archive" --seed "$seed" $q
"$bin" inspect "$out/archive/catalog.csv" "$out/archive/kp.txt"

step "2. datasets: 07 (CSES, night, T=20, Dobrovolsky) and 11 (DEMETER, same)"
"$bin" build --archive "$out/archive" --preset 07 --seed "$seed" --out "$out/ds07.h5" $q
"$bin" build --archive "$out/archive" --preset 11 --seed "$seed" --out "$out/ds11.h5" $q

# The data before the models (the paper's Figure 1): one half-orbit of each class, its windows
# shaded by label and listed with their events.
mkdir -p "$out/passes"
for c in control seismic storm; do
  "$bin" plot pass --dataset "$out/ds07.h5" --class "$c" --out "$out/passes/ds07-$c"
done

train_eval() { # name kind dataset [train options...]
  local name=$1 kind=$2 data=$3; shift 3
  "$bin" train --data "$data" --model "$kind" --seed "$seed" --out "$out/models/$name.h5" \
        --log "$out/models/$name.epochs.csv" $q "$@" 2>&1 | tail -n 1   # per-epoch lines are in the log
  "$bin" predict --model "$out/models/$name.h5" --data "$data" --split test --out "$out/pred/$name.test.csv" --quiet
  "$bin" predict --model "$out/models/$name.h5" --data "$data" --split validation --out "$out/pred/$name.val.csv" --quiet
  "$bin" evaluate --pred "$out/pred/$name.test.csv" --val-pred "$out/pred/$name.val.csv" --data "$data" \
        "${truth[@]}" --name "$name" --seed "$seed" --out "$out/eval/$name" $q
}
mkdir -p "$out/models" "$out/pred" "$out/eval"
truth=(--truth "$out/archive/truth.csv")   # injection-recovery against the planted precursors

step "3. SeqNetQuake trained directly on DataSet 07 (TR1 -> TS1)"
train_eval seqnet-07 seqnet "$out/ds07.h5"

step "4. transfer learning: SeqNetQuake on DataSet 11 (TR0 -> TS0), then all weights on 07 (-> TS1)"
train_eval seqnet-11 seqnet "$out/ds11.h5"
train_eval seqnet-11to07 seqnet "$out/ds07.h5" --init "$out/models/seqnet-11.h5"

step "5. the five benchmark classifiers on DataSet 07"
for kind in gbm rf dnn cnn lstm; do
  train_eval "$kind-07" "$kind" "$out/ds07.h5"
done

step "6. null archive: the same archive with no planted precursors (--precursor-strength 0)"
# What a classifier scores here comes from geography and confounders alone (earthquakes lie
# on belts, controls anywhere), not from precursors: the honest baseline for every number above.
rm -rf "$out/archive-null"
"$bin" synth --out "$out/archive-null" --seed "$seed" --satellites cses --precursor-strength 0 $q
"$bin" build --archive "$out/archive-null" --preset 07 --seed "$seed" --out "$out/ds07-null.h5" --quiet
truth=()
train_eval seqnet-07-null seqnet "$out/ds07-null.h5"

step "7. seed-to-seed spread: SeqNetQuake retrained with 5 seeds, with and without precursors"
# One training run is one draw: initial weights, shuffling and dropout move the test MCC by
# a few hundredths, which is part of the uncertainty of every row above.
metric_of() { sed -n "s/^  \"$2\": \([-0-9.e]*\).*/\1/p" "$1/metrics.json"; }
for arch in "07:$out/ds07.h5" "07-null:$out/ds07-null.h5"; do
  name=${arch%%:*}; data=${arch#*:}; vals=""; svc=""
  for s in 11 12 13 14 15; do
    d="$out/seeds/seqnet-$name-s$s"; mkdir -p "$d"
    "$bin" train --data "$data" --model seqnet --seed "$s" --out "$d/model.h5" --quiet
    "$bin" predict --model "$d/model.h5" --data "$data" --split test --out "$d/test.csv" --quiet
    "$bin" evaluate --pred "$d/test.csv" --out "$d/eval" --no-figures --bootstrap 0 --permutations 0 --quiet
    vals="$vals $(metric_of "$d/eval" mcc)"
    svc="$svc $(metric_of "$d/eval" mcc_seismic_vs_control)"
  done
  for what in "MCC:$vals" "seismic/control MCC:$svc"; do
    echo "${what#*:}" | awk -v n="seqnet on DataSet $name" -v w="${what%%:*}" '{
      for (i = 1; i <= NF; i++) { s += $i; q += $i * $i }
      m = s / NF; printf "%-26s test %-20s over %d seeds: mean %.3f, sd %.3f\n", n, w, NF, m, sqrt((q - NF * m * m) / (NF - 1)) }'
  done
done

step "8. report: Table 1 (SeqNetQuake across datasets), Table 2 (all models on TS1), figures, HTML"
"$bin" report --out "$out/report" --title "SeqNetQuake on the synthetic archive (seed $seed)" \
      --eval "$out/eval/seqnet-07" --eval "$out/eval/seqnet-11" --eval "$out/eval/seqnet-11to07" \
      --eval "$out/eval/gbm-07" --eval "$out/eval/rf-07" --eval "$out/eval/dnn-07" \
      --eval "$out/eval/cnn-07" --eval "$out/eval/lstm-07" --eval "$out/eval/seqnet-07-null"

step "done: open $out/report/report.html"
