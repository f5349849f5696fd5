#!/usr/bin/env bash
# Pruning of SeqNetQuake searches on DataSet 07 (docs/tuning.md, "Pruning"): the same TPE
# search (seqnet, the paper's space) without pruning, with the median rule and with ASHA, over
# SEEDS seeds; per search the compute (epochs trained, CPU seconds) and the best validation F1.
# Then each pruner replayed on the unpruned searches' own learning curves: what its decisions
# alone would save, apart from the other points a pruned search goes on to propose.
# The reference for the decisions is optuna: bench/prune_peer.py replays every pruned search's
# learning curves, in trial order, through optuna's MedianPruner / SuccessiveHalvingPruner with
# the same settings and counts the trials on which it decides as we did.
# Usage: bench/bench_prune.sh [BUILD_DIR]
#   env: SEEDS (3), TRIALS (30), MAX_EPOCHS (10), DAYS (days of synthetic CSES data, 10),
#        PRUNERS (none,median,asha; floor and collapse too; an entry may carry tune's options after
#        colons, e.g. asha:min-resource=2, median:prune-warmup=1 or collapse:patience=2, and
#        none:patience=2 is a search with a shorter patience and no pruner), JOBS (searches at
#        once, 1; each runs one thread),
#        WORK (a folder kept between runs: rerun to continue; finished searches are not run
#        again, an interrupted one starts over so that its CPU seconds stay whole)
# Writes bench/results/prune.md (raw: bench/results/prune_rows.csv).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seeds=${SEEDS:-3}
trials=${TRIALS:-30}
max_epochs=${MAX_EPOCHS:-10}
days=${DAYS:-10}
pruners=${PRUNERS:-none,median,asha}
jobs=${JOBS:-1}
py=/usr/bin/python3
bin="$build/seqnetquake"
out=bench/results/prune.md
[ -x "$bin" ] || { echo "no $bin: build first"; exit 1; }
mkdir -p bench/results
if [ -n "${WORK:-}" ]; then
  tmp=$WORK; mkdir -p "$tmp"
else
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fi
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "DataSet 07 from a $days-day synthetic CSES archive"
if [ ! -f "$tmp/ds07.h5" ]; then
  "$bin" synth --out "$tmp/archive" --seed 1 --satellites cses --cses-days "$days" --quiet
  "$bin" build --archive "$tmp/archive" --preset 07 --seed 1 --out "$tmp/ds07.h5" --quiet
fi
windows=$("$bin" inspect "$tmp/ds07.h5" | awk '$1 == "windows:" {print $2; exit}')
# one search: its row of rows.csv in $tmp/P-S.row
search() {
  local p=$1 seed=$2 run="$tmp/$1-$2" opt
  local args=(--pruner "${p%%:*}")
  if [[ $p == *:* ]]; then
    IFS=: read -ra opt <<< "${p#*:}"
    for o in "${opt[@]}"; do args+=("--${o%%=*}" "${o#*=}"); done
  fi
  [ -s "$run.row" ] && { cat "$run.row"; return; }
  rm -rf "$run.log" "$run.best"
  /usr/bin/time -f "%U %S %e" -o "$run.time" \
    "$bin" tune --data "$tmp/ds07.h5" --model seqnet --trials "$trials" --max-epochs "$max_epochs" \
    --seed "$seed" --threads 1 "${args[@]}" --out "$run.best" --log "$run.log" --quiet
  read -r user sys wall < "$run.time"
  $py - "$run.log" "$p" "$seed" "$user" "$sys" "$wall" > "$run.row" <<'PY'
import csv, sys
log, p, seed, user, sys_s, wall = sys.argv[1:]
rows = list(csv.DictReader(open(log)))
done = [r for r in rows if r["ok"] == "1" and r["pruned"] == "0"]
print("%s,%s,%d,%d,%d,%.1f,%.1f,%.4f" % (p, seed, len(rows), sum(r["pruned"] == "1" for r in rows),
      sum(int(r["epochs_run"]) for r in rows), float(user) + float(sys_s), float(wall),
      max(float(r["val_f1"]) for r in done)))
PY
  cat "$run.row"
}
echo "$seeds seeds x {$pruners}, $jobs at a time"
for seed in $(seq 1 "$seeds"); do
  for p in ${pruners//,/ }; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    search "$p" "$seed" &
  done
done
wait
{ echo "pruner,seed,trials,pruned,epochs,cpu_s,wall_s,best_val_f1"
  for p in ${pruners//,/ }; do for seed in $(seq 1 "$seeds"); do cat "$tmp/$p-$seed.row"; done; done; } > "$tmp/rows.csv"
load1=$(cut -d' ' -f1-3 /proc/loadavg)
cp "$tmp/rows.csv" bench/results/prune_rows.csv
{
  echo "## Pruning SeqNetQuake searches on DataSet 07 (bench/bench_prune.sh)"
  echo
  echo "$(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d), optuna $($py -c 'import optuna; print(optuna.__version__)');"
  echo "load average $load0 before, $load1 after, $jobs searches at once (a shared machine: CPU seconds"
  echo "are less noisy than wall seconds; epochs do not depend on the machine)."
  echo "DataSet 07 (\`build --preset 07\`) of a $days-day synthetic CSES archive (seed 1): $windows windows."
  echo "Each search: \`tune --model seqnet --trials $trials --max-epochs $max_epochs --threads 1 --seed S\`,"
  echo "seeds 1..$seeds, the default TPE; median: \`--pruner median\` (5 startup trials, no warm-up),"
  echo "asha: \`--pruner asha\` (rungs at 1, 3, 9, 27 epochs), floor: \`--pruner floor\` (5 startup trials, then"
  echo "stopped if below no skill after epoch 3), collapse: \`--pruner collapse\` (5 startup trials, then stopped"
  echo "while every epoch's F1 is a constant prediction's below no skill, from epoch 1); NAME:OPTION=V:"
  echo "the same with \`--OPTION V\` (patience=N: every trial's early-stopping patience N instead of 10)."
  echo
  $py bench/prune_peer.py summary "$tmp/rows.csv"
  echo
  $py bench/prune_peer.py replay "$tmp" "$pruners" "$seeds"
  echo
  echo "The pruners on the unpruned searches' own path (what their decisions alone would save had"
  echo "the TPE proposed the same points; trial seconds are wall seconds of the search's log):"
  echo
  $py bench/prune_peer.py fixed "$tmp" "$pruners" "$seeds"
} > "$out"
cat "$out"
