#!/bin/sh
# Runs the libFuzzer harnesses (tests/fuzz, built with -DSQK_FUZZ=ON by `make fuzz`), each for
# FUZZ_SECONDS (default 60), one after the other, under nice, then prints a table: executions,
# coverage (edges and features), corpus size, crashes, timeouts and out-of-memory runs.
#
# Usage: scripts/fuzz.sh BUILD_DIR [HARNESS ...]     (default: every fuzz_* in BUILD_DIR)
# Environment: FUZZ_SECONDS, FUZZ_TIMEOUT_S (one input; default 20), FUZZ_OUT (default
# BUILD_DIR/fuzz: corpus/<h> grows from run to run, crashes/<h> holds what was found, log/<h>.txt).
#
# Seeds: tests/fuzz/seeds/<h>, and the real files of ../shared/data/real where present (the
# HPM file for cses_any; the first lines of the catalogue and of the Kp tables). The harnesses run
# in libFuzzer's fork mode, so fuzzing goes on after a crash; one bug then leaves several
# crash files. An input that crashes or hangs a reader goes, once understood (and fixed when
# the bug is ours), into tests/fuzz/crashes/<h>/, which `make check` replays.
set -eu
BUILD=${1:?usage: scripts/fuzz.sh BUILD_DIR [HARNESS ...]}
shift
SECONDS_EACH=${FUZZ_SECONDS:-60}
TIMEOUT=${FUZZ_TIMEOUT_S:-20}
OUT=${FUZZ_OUT:-$BUILD/fuzz}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REAL=$ROOT/../shared/data/real
if [ $# -eq 0 ]; then
    set -- $(cd "$BUILD" && ls fuzz_* 2>/dev/null | sed 's/^fuzz_//')
fi
[ $# -gt 0 ] || { echo "fuzz.sh: no fuzz_* harness in $BUILD (build with -DSQK_FUZZ=ON)" >&2; exit 1; }

real_seeds() { # $1 harness, $2 folder: small seeds cut from the real files
    case $1 in
    cses_any) for f in "$REAL"/CSES_*.h5; do [ -f "$f" ] && cp "$f" "$2/"; done ;;
    catalog) for f in "$REAL"/usgs_*.csv; do [ -f "$f" ] && head -n 60 "$f" >"$2/$(basename "$f")"; done ;;
    kp) for f in "$REAL"/*.wdc "$REAL"/celestrak_*.csv; do [ -f "$f" ] && head -n 80 "$f" >"$2/$(basename "$f")"; done ;;
    esac
    return 0
}

mkdir -p "$OUT/log"
SUMMARY=$OUT/summary.txt
printf '%-12s %10s %7s %8s %7s %9s %9s %6s\n' harness executions edges features corpus crashes timeouts ooms >"$SUMMARY"
for h in "$@"; do
    bin=$BUILD/fuzz_$h
    [ -x "$bin" ] || { echo "fuzz.sh: no $bin" >&2; exit 1; }
    corpus=$OUT/corpus/$h
    real=$OUT/real/$h
    mkdir -p "$corpus" "$real" "$OUT/crashes/$h"
    real_seeds "$h" "$real"
    seeds=$ROOT/tests/fuzz/seeds/$h
    echo "fuzz_$h: ${SECONDS_EACH} s" >&2
    # -rss_limit_mb: the readers check sizes against the file, so a small input never needs
    # gigabytes; libhdf5 itself may (the worker's memory limit covers it for users), and an
    # allocation too big for the sanitizer fails as it would for libhdf5 outside it. Known
    # over-reads inside libhdf5 are suppressed (tests/fuzz/asan.supp); leaks are the
    # sanitizer build's tests' business (libhdf5 leaks on some error paths).
    # The harness's input file lives under TMPDIR: a run that crashes leaves it behind, so each
    # harness gets a folder of its own, removed afterwards.
    tmp=$OUT/tmp/$h
    mkdir -p "$tmp"
    TMPDIR=$tmp ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:suppressions=$ROOT/tests/fuzz/asan.supp" \
        nice -n 10 "$bin" "$corpus" "$seeds" "$real" \
        -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb=3072 -fork=1 \
        -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -print_final_stats=1 \
        -artifact_prefix="$OUT/crashes/$h/" >"$OUT/log/$h.txt" 2>&1 || true
    rm -rf "$tmp"
    last=$(grep -E '^#[0-9]+: cov:' "$OUT/log/$h.txt" | tail -n 1)
    # "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: O/T/X time: ..."
    echo "$last" | awk -v h="$h" '{
        n = substr($1, 2); sub(":", "", n); split($11, o, "/");
        printf "%-12s %10s %7s %8s %7s %9s %9s %6s\n", h, n, $3, $5, $7, o[3], o[2], o[1] }' >>"$SUMMARY"
done
cat "$SUMMARY"
