#!/usr/bin/env bash
# Runs every benchmark (bench/bench_*.sh), each side by side with its Python reference peer,
# then collects their sections (bench/results/*.md) into bench/RESULTS.md.
# Usage: bench/run.sh [BUILD_DIR]   (make bench does the install and build first)
#        bench/run.sh --collect        only rebuild RESULTS.md from bench/results/
# Timings depend on what else runs on the machine: run it on a quiet one.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mkdir -p bench/results
if [ "$build" != "--collect" ]; then
  for b in bench/bench_*.sh; do
    echo "== $b"
    bash "$b" "$build"
  done
fi
{
  echo "# Benchmark results"
  echo
  echo "Collected by bench/run.sh from bench/results/*.md; each section names its machine, date and"
  echo "load. Every timing is measured beside its reference implementation in the same run, and the"
  echo "ratio is what to compare: absolute numbers move with the machine and its load."
  for f in synth read build nn baselines tpe prune scan experiment; do
    [ -f "bench/results/$f.md" ] && { echo; cat "bench/results/$f.md"; }
  done
} > bench/RESULTS.md.tmp && mv bench/RESULTS.md.tmp bench/RESULTS.md
echo "bench/RESULTS.md updated"
