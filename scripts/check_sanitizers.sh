#!/usr/bin/env bash
# Builds astrom3 and its tests with AddressSanitizer and UndefinedBehaviorSanitizer in their own
# build directory and runs the CTest suite there: out-of-bounds reads (such as the segfault an
# offset past the stored values once caused), use-after-free, signed overflow, misaligned or
# null accesses and invalid shifts in astrom3's code stop the test that triggers them.
# LibTorch, HDF5 and the other libraries are not instrumented, so their own code is checked only
# where astrom3's instrumented code touches its memory.
#
# Usage: scripts/check_sanitizers.sh [--build DIR] [--tests REGEX] [--all] [--jobs N]
#   --build  build directory (default build-sanitize; configured on first use)
#   --tests  CTest -R regex of the tests to run
#   --all    every tier; the default is the `unit` and `cli` tiers (CTest labels, docs/testing.md)
#   --jobs   parallel compile and test jobs (default 2)
# The same configuration is the `asan` preset of CMakePresets.json
# (cmake --preset asan && cmake --build --preset asan && ctest --preset asan).
# A cold build takes about as long as the normal one (-O1 instead of -O2); the suite runs about
# twice as slowly as in the normal build (docs/testing.md gives the measured figures).
# Exit status: CTest's (0 when every test passed and no sanitizer fired).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build-sanitize
TESTS=""
LABELS="unit|cli"
JOBS=2
while (($#)); do
  case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --tests) TESTS="$2"; shift 2 ;;
    --all) LABELS=""; shift ;;
    --jobs) JOBS="$2"; shift 2 ;;
    *) echo "check_sanitizers.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
ASTROM3_BUILD_DIR="$BUILD" ASTROM3_JOBS="$JOBS" ./scripts/build.sh \
  -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" -DASTROM3_BUILD_BENCHMARKS=OFF

# Leak checking is off: LibTorch and OpenBLAS keep process-lifetime allocations (thread pools,
# kernel caches) that LeakSanitizer would report on every test. Every other error is fatal.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$BUILD"
ctest --output-on-failure -j "$JOBS" ${TESTS:+-R "$TESTS"} ${LABELS:+-L "$LABELS"}
