#!/usr/bin/env bash
# Installs the dependencies, builds astrom3 and runs the whole test suite through CTest; prints
# each phase's wall time ("[phase] ...").
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/phase.sh
phase "setup (Debian packages)" ./scripts/setup.sh
phase "build (native LibTorch)" ./scripts/build.sh
cd "${ASTROM3_BUILD_DIR:-build}"
phase "ctest (native LibTorch)" ctest --output-on-failure -j 2
