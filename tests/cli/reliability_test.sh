#!/usr/bin/env bash
# A full disk, as users meet it: small tmpfs file systems mounted for the test receive the
# outputs of synth, pretrain and embed. Each command must end with an error that names the file
# and the system's reason, never a crash (LibTorch's writer aborted with exit 134, HDF5 crashed
# at exit with 139), and leave no temporary file behind. mount(8) needs root, as in CI and in
# the LibTorch 2.6 chroot; elsewhere the test reports itself skipped (CTest code 77).
# Usage: reliability_test.sh PATH/TO/astrom3 SOURCE_DIR
set -u
BIN="$1"
SRC="$2"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

MOUNTS=()
cleanup() {
  for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  [[ -n "${ASTROM3_TEST_KEEP_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# full_disk NAME SIZE: a tmpfs of SIZE at $WORK/NAME.
full_disk() {
  mkdir -p "$WORK/$1"
  mount -t tmpfs -o "size=$2" tmpfs "$WORK/$1" 2>/dev/null || return 1
  MOUNTS+=("$WORK/$1")
}
if [[ $(id -u) -ne 0 ]] || ! full_disk probe 64k; then
  echo "SKIP: mounting a tmpfs needs root"
  exit 77
fi

# no_temporaries DIR: nothing named like an astrom3 temporary is left in DIR.
no_temporaries() {
  checks=$((checks + 1))
  local left
  left="$(find "$1" -name '.*tmp*' 2>/dev/null)"
  [[ -z "$left" ]] || fail "temporaries left in $1:"$'\n'"$left"
}

# not_a_crash RC WHAT: exit codes of a crash (abort 134, segfault 139) are failures.
not_a_crash() {
  checks=$((checks + 1))
  [[ $1 -ne 134 && $1 -ne 139 && $1 -ne 0 ]] || fail "$2: exit code $1"
}

# synth: the survey file does not fit.
full_disk synth 256k
out="$("$BIN" synth --objects 3000 --seed 1 --out "$WORK/synth/s.h5" 2>&1)"
rc=$?
not_a_crash $rc "synth on a full disk"
grep -q "s.h5" <<<"$out" || fail "synth on a full disk: message does not name the file: $out"
no_temporaries "$WORK/synth"
[[ ! -e "$WORK/synth/s.h5" ]] || fail "synth on a full disk left a survey file"

# pretrain: config.json and metrics fit, the first checkpoint does not.
"$BIN" synth --objects 300 --seed 5 --out "$WORK/s.h5" > /dev/null 2>&1 || fail "synth failed"
full_disk run 160k
out="$("$BIN" --threads 1 pretrain --config "$SRC/configs/quick/clip.json" \
  --set "data.path=$WORK/s.h5" --set loader.batch_size=60 --set train.epochs=1 \
  --out "$WORK/run/r" 2>&1)"
rc=$?
not_a_crash $rc "pretrain on a full disk"
grep -q "No space left on device" <<<"$out" ||
  fail "pretrain on a full disk: the reason is not given:"$'\n'"$out"
no_temporaries "$WORK/run"
[[ ! -e "$WORK/run/r/latest" ]] || fail "pretrain on a full disk left a latest link"

# embed: the embedding file does not fit.
"$BIN" --threads 1 pretrain --config "$SRC/configs/quick/clip.json" --set "data.path=$WORK/s.h5" \
  --set loader.batch_size=60 --set train.epochs=1 --out "$WORK/clip" > /dev/null 2>&1 ||
  fail "pretrain failed"
full_disk embed 4k
out="$("$BIN" --threads 1 embed --checkpoint "$WORK/clip" --out "$WORK/embed/e.h5" 2>&1)"
rc=$?
not_a_crash $rc "embed on a full disk"
grep -q "e.h5" <<<"$out" || fail "embed on a full disk: message does not name the file: $out"
no_temporaries "$WORK/embed"

finish reliability
