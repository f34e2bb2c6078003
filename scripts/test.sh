#!/usr/bin/env bash
# Installs the dependencies, builds astrom3 and runs the whole test suite through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
cd "${ASTROM3_BUILD_DIR:-build}"
ctest --output-on-failure -j 2
