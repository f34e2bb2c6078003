#!/usr/bin/env bash
# Configures and builds astrom3 (Release, ccache, precompiled LibTorch headers) into build/.
# Usage: scripts/build.sh [extra cmake -D options]
# ASTROM3_WERROR=ON in the environment makes warnings in astrom3's own code errors (CI sets it);
# ASTROM3_TARGETS (space-separated, e.g. "astrom3") builds only those targets (scripts/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${ASTROM3_BUILD_DIR:-build}"
JOBS="${ASTROM3_JOBS:-2}"
# Paths relative to the checkout, so that clones in other folders (CI) share the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
# Debian's ccache needs these for precompiled headers to be cacheable.
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
mkdir -p "$BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DASTROM3_WERROR="${ASTROM3_WERROR:-OFF}" "$@" > "$BUILD_DIR/configure.log" 2>&1 ||
  { cat "$BUILD_DIR/configure.log"; exit 1; }
targets=()
for t in ${ASTROM3_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$BUILD_DIR" -j "$JOBS" "${targets[@]}"
