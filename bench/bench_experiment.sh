#!/usr/bin/env bash
# The paper's whole plan (`experiment --plan paper`), reduced to fit a few minutes: every search
# TRIALS trials of at most EPOCHS epochs, the neural models EPOCHS epochs, 50 bootstrap draws
# and permutations, on a small synthetic archive (6 days of each satellite). Run once without
# MPI (1 rank) and once under `mpirun -n RANKS`: wall times, speed-up and parallel efficiency
# (speed-up / ranks). The asynchronous TPE makes the searches (and so the models) of the MPI run
# differ from the serial run's (docs/experiment.md): only times are compared here; the equality
# of the units' results is tests/test_experiment_mpi.c's job.
# Then the schedule on more ranks than this machine has: `--simulate-ranks N` does every task
# here in turn and gives them out as N ranks would, each lasting its CPU time (load does not
# change it), once in the plan's order (`--order plan`, the reference) and once longest critical
# path first (the default): the simulated wall times and their ratio.
# Usage: bench/bench_experiment.sh [BUILD_DIR]
#        env: TRIALS (2), EPOCHS (2), RANKS (2), SIM (simulated ranks, "4,16"; "" for none)
# Writes bench/results/experiment.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
trials=${TRIALS:-2}
epochs=${EPOCHS:-2}
ranks=${RANKS:-2}
sim=${SIM-4,16}
bin=$build/seqnetquake
out=bench/results/experiment.md
[ -x "$bin" ] || { echo "no $bin: build first"; exit 1; }
command -v mpirun > /dev/null || { echo "bench_experiment: no mpirun (Open MPI): skipped"; exit 0; }
root=""
[ "$(id -u)" = 0 ] && root=--allow-run-as-root
mkdir -p bench/results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" synth --out "$tmp/archive" --cses-days 6 --demeter-days 6 --seed 1 --quiet
"$bin" experiment --plan paper --print-plan | awk -v e="$epochs" -v t="$trials" '
  $1 == "search" { sub(/trials=[0-9]+/, "trials=" t); print $0 " max-epochs=" e; next }
  $1 == "model" {
    extra = " bootstrap=50 permutations=50 figures=0"
    if ($0 ~ /kind=(seqnet|cnn|lstm|dnn) /) extra = extra " epochs=" e
    print $0 extra; next }
  { print }' > "$tmp/paper-small.plan"
units=$(grep -cE '^(dataset|search|model|report) ' "$tmp/paper-small.plan")
now() { date +%s.%N; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "1 rank (no MPI): $units units"
t0=$(now)
"$bin" experiment --plan "$tmp/paper-small.plan" --archive "$tmp/archive" --out "$tmp/r1" --quiet
t1=$(now)
echo "$ranks MPI ranks"
mpirun -n "$ranks" --oversubscribe $root "$bin" experiment --plan "$tmp/paper-small.plan" \
  --archive "$tmp/archive" --out "$tmp/r$ranks" --quiet
t2=$(now)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
s1=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}')
sn=$(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.1f", b - a}')
trials_run=$(grep -c '^trial ' "$tmp/r1/journal.txt")
{
  echo "## The paper's plan on 1 and $ranks ranks (bench/bench_experiment.sh)"
  echo
  echo "$(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d), $(mpirun --version | head -1);"
  echo "load average $load0 before, $load1 after. The paper plan ($units units: 11 datasets, 16 searches,"
  echo "18 models, 8 reports) with $trials trials per search ($trials_run trials in all), at most $epochs epochs per"
  echo "trial and per neural model, on a 6-day synthetic archive; --threads 1 (one core per rank)."
  echo
  echo "| ranks | wall s | speed-up | efficiency |"
  echo "|---|---|---|---|"
  echo "| 1 (no MPI) | $s1 | 1.00 | 1.00 |"
  awk -v r="$ranks" -v a="$s1" -v b="$sn" 'BEGIN{printf "| %d (mpirun) | %.1f | %.2f | %.2f |\n", r, b, a / b, a / b / r}'
} > "$out"
cat "$out"

[ -n "$sim" ] || exit 0
simulate() { # N ORDER: prints "wall cpu"
  "$bin" experiment --plan "$tmp/paper-small.plan" --archive "$tmp/archive" --out "$tmp/s$1-$2" \
    --simulate-ranks "$1" --order "$2" --quiet | sed -n 's/^simulated on [0-9]* ranks*: \([0-9.]*\) s wall for \([0-9.]*\) CPU s.*/\1 \2/p'
}
{
  echo
  echo "The schedule on N simulated ranks (\`--simulate-ranks N\`: tasks done here one after another, each"
  echo "lasting its CPU time; the two orders run side by side). Efficiency: CPU s of the tasks / (N x wall)."
  echo
  echo "| ranks | plan's order: wall s (efficiency) | critical path first: wall s (efficiency) | plan / critical path |"
  echo "|---|---|---|---|"
} >> "$out"
for n in ${sim//,/ }; do
  echo "$n simulated ranks, both orders"
  simulate "$n" plan > "$tmp/sim-plan" & simulate "$n" critical-path > "$tmp/sim-cp"; wait
  read -r wp cp < "$tmp/sim-plan"; read -r wc cc < "$tmp/sim-cp"
  awk -v n="$n" -v wp="$wp" -v cp="$cp" -v wc="$wc" -v cc="$cc" \
    'BEGIN{printf "| %d | %.1f (%.2f) | %.1f (%.2f) | %.2f |\n", n, wp, cp / wp / n, wc, cc / wc / n, wp / wc}' >> "$out"
done
tail -n +$(($(grep -n '^The schedule on N' "$out" | cut -d: -f1))) "$out"
