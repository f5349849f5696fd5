#!/usr/bin/env bash
# Installs the library into a temporary prefix (cmake --install), then builds a small C program
# outside the tree against it twice, with pkg-config and with CMake's find_package, and runs it.
# Usage: tests/install/run.sh BUILD_DIR VERSION
set -euo pipefail
build=$1 version=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/sqk-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cat > "$tmp/catalog.csv" <<'CSV'
time,latitude,longitude,depth,mag,magType,nst,gap,dmin,rms,net,id,updated,place,type,horizontalError,depthError,magError,magNst,status,locationSource,magSource
2020-04-19T22:25:22.590Z,52.5575,-33.1433,1e+01,5.8,mww,,,,,,sq00002176,,,earthquake,,,,,,,
2020-04-19T16:28:44.990Z,41.8621,32.318,18.3,4.8,mb,,,,,,sq00002175,,,earthquake,,,,,,,
2020-04-18T10:00:00.000Z,10.0,20.0,5,4.0,mb,,,,,,sq00002174,,,earthquake,,,,,,,
CSV
libdir=$(find "$tmp/prefix" -name 'seqnetquake.pc' -printf '%h\n' | head -1)
[ -n "$libdir" ] || { echo "no seqnetquake.pc installed" >&2; exit 1; }
export PKG_CONFIG_PATH=$libdir
[ "$(pkg-config --modversion seqnetquake)" = "$version" ]
# the public header stands alone: no HDF5 include path is given
${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$tmp/consumer-pc" "$here/consumer.c" \
  $(pkg-config --cflags --libs seqnetquake) -lm
LD_LIBRARY_PATH=$(pkg-config --variable=libdir seqnetquake) "$tmp/consumer-pc" "$version" "$tmp/catalog.csv"
cmake -S "$here" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cmake-build" >/dev/null
"$tmp/cmake-build/consumer" "$version" "$tmp/catalog.csv"   # the exported target carries its RPATH
