#!/usr/bin/env bash
# Installs the built astrom3 into a scratch prefix, builds tests/package (a project outside the
# tree that calls find_package(astrom3) and links astrom3::core) against it, and runs it.
# Usage: consumer_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
BUILD="$(realpath "$1")"
SRC="$(realpath "$2")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cmake --install "$BUILD" --prefix "$WORK/prefix" > "$WORK/install.log" ||
  { cat "$WORK/install.log"; exit 1; }
for f in include/astrom3/common/version.h include/astrom3/train/trainer.h; do
  [[ -e "$WORK/prefix/$f" ]] || { echo "not installed: $f"; exit 1; }
done
[[ -n "$(find "$WORK/prefix" -name astrom3Config.cmake)" ]] || { echo "no astrom3Config.cmake"; exit 1; }
# The consumer is configured like astrom3 itself: same compiler launcher, LibTorch from the
# same place (CMAKE_PREFIX_PATH of the astrom3 build, when it had one).
torch_prefix="$(sed -n 's/^CMAKE_PREFIX_PATH:[A-Z]*=//p' "$BUILD/CMakeCache.txt")"
cmake -S "$SRC/tests/package" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$WORK/prefix${torch_prefix:+;$torch_prefix}" > "$WORK/configure.log" 2>&1 ||
  { cat "$WORK/configure.log"; exit 1; }
cmake --build "$WORK/build" > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
out="$("$WORK/build/consumer")"
# 10 classes; shard 2 of 3 of 10 rows is [6, 10); SHA-256("abc") starts ba7816bf; the
# convolution of four ones by 2 plus 1 sums to 12.
expected="10 6 10 ba7816bf 12"
if [[ "$out" != "$expected" ]]; then
  echo "consumer printed '$out', expected '$expected'"
  exit 1
fi
echo "find_package(astrom3) consumer built and ran: $out"
