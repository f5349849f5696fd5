#!/usr/bin/env bash
# Installs the Debian packages the project needs; skips what is already present.
# Usage: scripts/install-deps.sh [build|check|bench|fuzz|all]   (default: build)
#   build  compilers, CMake and the C libraries (HDF5, OpenSSL, OpenBLAS, XGBoost, GMT, cmocka,
#          Open MPI)
#   check  build + what the tests need (headless Chromium for the report page, clang and its
#          OpenMP runtime for the second compiler's build, Debian's python3-numpy
#          for the Python binding)
#   bench  build + the Python reference implementations (torch, sklearn, xgboost, h5py, optuna)
#   fuzz   build + clang with its sanitizer and libFuzzer runtimes (`make fuzz`)
#   all    everything
set -euo pipefail
group=${1:-build}

build_pkgs="build-essential cmake pkg-config libhdf5-dev hdf5-tools libssl-dev libopenblas-dev
 libxgboost-dev libgmt-dev gmt gmt-gshhg-low gmt-dcw ghostscript libcmocka-dev
 libopenmpi-dev openmpi-bin"
check_pkgs="chromium clang libomp-dev python3-numpy"
fuzz_pkgs="clang libclang-rt-dev libomp-dev"
ref_pkgs="python3-numpy python3-h5py python3-torch python3-sklearn python3-xgboost python3-optuna"

case "$group" in
  build) want="$build_pkgs" ;;
  check) want="$build_pkgs $check_pkgs" ;;
  bench) want="$build_pkgs $ref_pkgs" ;;
  fuzz)  want="$build_pkgs $fuzz_pkgs" ;;
  all)   want="$build_pkgs $check_pkgs $fuzz_pkgs $ref_pkgs" ;;
  *) echo "install-deps.sh: unknown group '$group' (build, check, bench, fuzz, all)" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
