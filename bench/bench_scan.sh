#!/usr/bin/env bash
# Operational-scan benchmark: raw CSES LAP files -> windows -> SeqNetQuake scores -> alarms,
# `seqnetquake scan` beside bench/scan_peer.py (h5py + numpy + PyTorch, the same steps and the
# same weights), on DAYS days of a fresh synthetic archive (about 30 half-orbits a day).
# Checks that both give the same p1 for every window, prints the ratio, and writes
# bench/results/scan.md.
# Usage: bench/bench_scan.sh [BUILD_DIR] [DAYS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
days=${2:-2}
threads=${3:-2}
bin="$build/seqnetquake"
py=/usr/bin/python3
[ -x "$bin" ] || { echo "bench_scan.sh: $bin not built" >&2; exit 1; }
work=$(mktemp -d /tmp/sqk-bench-scan.XXXXXX)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }

# a model trained briefly on a month of the archive (its speed does not depend on its skill)
"$bin" synth --out "$work/train" --satellites cses --cses-days 20 --seed 5 --quiet
"$bin" build --archive "$work/train" --preset 07 --out "$work/ds.h5" --quiet
"$bin" train --data "$work/ds.h5" --model seqnet --set epochs=2 --out "$work/m.h5" --quiet
# the new orbits
"$bin" synth --out "$work/new" --satellites cses --cses-start 2020-03-01 --cses-days "$days" --seed 5 --quiet
nfiles=$(ls "$work"/new/cses/*.h5 | wc -l)

best_c=1e9; best_c_wall=1e9
for rep in 1 2 3; do
  rm -rf "$work/scan"
  a=$(now)
  out=$(OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads "$bin" scan --model "$work/m.h5" \
        --files "$work/new/cses/*.h5" --kp "$work/new/kp.txt" --out "$work/scan" --no-figures)
  b=$(now)
  s=$(echo "$out" | sed -n 's/.*windows, \([0-9.]*\) s).*/\1/p' | head -1)
  nwin=$(echo "$out" | sed -n 's/.*scanned now (\([0-9]*\) windows.*/\1/p' | head -1)
  best_c=$(awk -v x="$s" -v y="$best_c" 'BEGIN {print (x < y) ? x : y}')
  best_c_wall=$(awk -v a="$a" -v b="$b" -v y="$best_c_wall" 'BEGIN {d = b - a; print (d < y) ? d : y}')
done
a=$(now)
"$py" bench/scan_peer.py "$work/m.h5" "$work/new/kp.txt" "$work/peer.csv" "$work"/new/cses/*.h5 \
      --threads "$threads" --compare "$work/scan/windows.csv" >"$work/peer.txt"
b=$(now)
val() { awk -v k="$1" '$1 == k {print $2}' "$work/peer.txt"; }
p_s=$(val py_scan_s); p_win=$(val py_windows); match=$(val py_matched_windows); diff=$(val py_max_abs_p1_diff)
p_wall=$(awk -v a="$a" -v b="$b" 'BEGIN {print b - a}')
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", n / s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
day_c=$(awk -v s="$best_c" -v n="$nfiles" 'BEGIN {printf "%.3f", s * 30 / n}')
day_c_wall=$(awk -v s="$best_c_wall" -v n="$nfiles" 'BEGIN {printf "%.3f", s * 30 / n}')
day_p=$(awk -v s="$p_s" -v n="$nfiles" 'BEGIN {printf "%.2f", s * 30 / n}')
cpu=$(lscpu 2>/dev/null | awk -F: '/Model name/ {sub(/^ +/, "", $2); print $2; exit}')
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
mkdir -p bench/results
cat > bench/results/scan.md <<MD
## Operational scan: raw files to alarms (bench/bench_scan.sh)

Machine: $cpu, $(nproc) cores; $(date -u +"%Y-%m-%d %H:%M UTC"); load average $load when it
ended. $threads threads on each side. Timings move with the load: read the ratio.

$nfiles CSES LAP half-orbits ($days days) of a fresh synthetic archive; a SeqNetQuake model
(paper architecture, DataSet 07 configuration: night windows of T = 20). Both sides read,
clean, resample, window, look Kp up, scale, run the model file by file and write one CSV row
per window. The peer is bench/scan_peer.py (h5py + numpy + PyTorch with the model file's
weights). Same windows: $match of $p_win matched by file and time, largest |p1 difference|
$diff (the CSV's 6 decimals).

| | C (seqnetquake scan) | Python (h5py + PyTorch) | C / Python |
|---|---|---|---|
| windows/s (scan loop) | $(rate "$nwin" "$best_c") | $(rate "$p_win" "$p_s") | $(ratio "$p_s" "$best_c") |
| files/s (scan loop) | $(rate "$nfiles" "$best_c") | $(rate "$nfiles" "$p_s") | |
| one day (30 files), s, scan loop | $day_c | $day_p | |
| one day, s, whole command (start, model load, ledger, daily table) | $day_c_wall | | |
| whole run, s (incl. start-up; Python: imports) | $(printf %.2f "$best_c_wall") | $(printf %.2f "$p_wall") | $(ratio "$p_wall" "$best_c_wall") |

C: best of 3 runs into a fresh folder (--no-figures); Python: one run.
MD
cat bench/results/scan.md
