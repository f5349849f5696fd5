#!/usr/bin/env bash
# Search quality of the TPE beside optuna's (docs/tuning.md): bench_tpe (ours: default TPE,
# hyperopt's algorithm, random search) and bench/tpe_peer.py (optuna 3's multivariate TPE with
# group decomposition, and its default univariate TPE) on Branin, Hartmann-6, a 10-d mixed
# space and a conditional space like the paper's, 100 trials, SEEDS seeds each; then the cost of
# one suggestion after 100 and 1,000 trials, ours beside optuna's.
# Last, the distribution of one suggestion after the same fixed history, ours (3000 seeds)
# beside optuna's (DRAWS seeds): the two samplers should draw from the same distribution.
# Usage: bench/bench_tpe.sh [BUILD_DIR]   env: SEEDS (30), PEERS (optuna-mv; add ",optuna" for its
#        univariate TPE), DRAWS (300), FIRST (the first seed, 1: a replication takes fresh ones),
#        PROBLEMS (a comma list of branin,hartmann6,mixed10,conditional; default all)
# Writes bench/results/tpe.md (and the raw rows to bench/results/tpe_rows.csv).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seeds=${SEEDS:-30}
peers=${PEERS:-optuna-mv}
draws_optuna=${DRAWS:-300}
first=${FIRST:-1}
problems=${PROBLEMS:-branin,hartmann6,mixed10,conditional}
py=/usr/bin/python3
out=bench/results/tpe.md
[ -x "$build/bench_tpe" ] || { echo "no $build/bench_tpe: build first"; exit 1; }
mkdir -p bench/results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "ours, $seeds seeds from $first"
"$build/bench_tpe" quality "$seeds" 100 "$first" | awk -F, -v p=",$problems," 'NR == 1 || index(p, "," $1 ",")' > "$tmp/ours.csv"
echo "optuna ($peers), $seeds seeds from $first"
$py bench/tpe_peer.py quality "$seeds" "$peers" "$first" "$problems" > "$tmp/peer.csv"
echo "cost of one suggestion";   "$build/bench_tpe" cost 100 1000 | tee "$tmp/cost_c"
$py bench/tpe_peer.py cost 100 1000 | tee "$tmp/cost_p"
echo "suggestions after one fixed history (30 random mixed10 trials)"
$py bench/tpe_peer.py draws 30 "$draws_optuna" "$tmp/hist" > "$tmp/draws_p"
"$build/bench_tpe" draws "$tmp/hist" 3000 > "$tmp/draws_c"
load1=$(cut -d' ' -f1-3 /proc/loadavg)
{ cat "$tmp/ours.csv"; tail -n +2 "$tmp/peer.csv"; } > bench/results/tpe_rows.csv
get() { awk -v k="$2" '$1 == k {print $2}' "$1"; }
{
  echo "## TPE search quality and cost (bench/bench_tpe.sh)"
  echo
  echo "$(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d), optuna $($py -c 'import optuna; print(optuna.__version__)');"
  echo "load average $load0 before, $load1 after (a shared machine: timings are noisy, regrets are not)."
  echo "100 trials per search, seeds $first..$((first + seeds - 1)); ours-tpe is \`tune\`'s default, ours-hyperopt the paper's"
  echo "algorithm (\`--algorithm hyperopt\`), optuna-mv TPESampler(multivariate=True, group=True)."
  echo
  $py bench/tpe_summary.py bench/results/tpe_rows.csv
  echo
  echo "| seconds per suggestion (mixed10, 10 parameters) | ours | optuna-mv | optuna / ours |"
  echo "|---|---|---|---|"
  for n in 100 1000; do
    c=$(get "$tmp/cost_c" suggest_s_at_$n); p=$(get "$tmp/cost_p" suggest_s_at_$n)
    echo "| after $n trials | $c | $p | $(awk -v a="$p" -v b="$c" 'BEGIN{printf "%.0fx", a/b}') |"
  done
  echo
  echo "One suggestion after the same history of 30 random mixed10 trials, per seed (the TPE's"
  echo "own randomness only); lr and wd as natural logarithms; Kolmogorov-Smirnov test of ours"
  echo "against optuna-mv per parameter (large p: no difference seen):"
  echo
  $py bench/tpe_peer.py compare-draws "$tmp/draws_c" "$tmp/draws_p"
} > "$out"
cat "$out"
