#!/usr/bin/env bash
# A full disk, as users meet it: small tmpfs file systems mounted for the test receive the
# outputs of synth, pretrain, embed, predict, evaluate and prepare. Each command must end with
# an error that names the file and the system's reason, never a crash (LibTorch's writer
# aborted with exit 134, HDF5 crashed at exit with 139), and leave no temporary file behind.
# mount(8) needs root, as in CI and in the LibTorch 2.6 chroot; elsewhere the test reports
# itself skipped (CTest code 77).
# It first runs tests/cli/hdf5_mutations.py (malformed survey files written with h5py).
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
# Malformed survey files written with h5py (tests/cli/hdf5_mutations.py): no root needed.
checks=$((checks + 1))
/usr/bin/python3 "$SRC/tests/cli/hdf5_mutations.py" "$BIN" "$WORK/mutations" "$SRC" ||
  fail "malformed survey files (hdf5_mutations.py)"

if [[ $(id -u) -ne 0 ]] || ! full_disk probe 64k; then
  finish "reliability (malformed files only)" || exit 1
  echo "SKIP: the full-disk checks mount a tmpfs, which needs root"
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

# refused_on_full_disk DIR WHAT PATTERN -- COMMAND...: COMMAND, writing into the full file
# system DIR, ends with an error (not a crash) whose message contains PATTERN, and leaves no
# temporary in DIR.
refused_on_full_disk() {
  local dir="$1" what="$2" pattern="$3" out rc
  shift 4
  out="$("$@" 2>&1)"
  rc=$?
  not_a_crash $rc "$what on a full disk"
  checks=$((checks + 1))
  grep -qF -- "$pattern" <<<"$out" ||
    fail "$what on a full disk: no '$pattern' in the message:"$'\n'"$out"
  no_temporaries "$dir"
}

# synth: the survey file does not fit.
full_disk synth 256k
refused_on_full_disk "$WORK/synth" synth "s.h5" -- \
  "$BIN" synth --objects 3000 --seed 1 --out "$WORK/synth/s.h5"
[[ ! -e "$WORK/synth/s.h5" ]] || fail "synth on a full disk left a survey file"

# pretrain: config.json and metrics fit, the first checkpoint does not.
"$BIN" synth --objects 300 --seed 5 --out "$WORK/s.h5" > /dev/null 2>&1 || fail "synth failed"
full_disk run 160k
refused_on_full_disk "$WORK/run" pretrain "No space left on device" -- \
  "$BIN" --threads 1 pretrain --config "$SRC/configs/quick/clip.json" \
  --set "data.path=$WORK/s.h5" --set loader.batch_size=60 --set train.epochs=1 \
  --out "$WORK/run/r"
[[ ! -e "$WORK/run/r/latest" ]] || fail "pretrain on a full disk left a latest link"

# embed: the embedding file does not fit.
"$BIN" --threads 1 pretrain --config "$SRC/configs/quick/clip.json" --set "data.path=$WORK/s.h5" \
  --set loader.batch_size=60 --set train.epochs=1 --out "$WORK/clip" > /dev/null 2>&1 ||
  fail "pretrain failed"
full_disk embed 4k
refused_on_full_disk "$WORK/embed" embed "e.h5" -- \
  "$BIN" --threads 1 embed --checkpoint "$WORK/clip" --out "$WORK/embed/e.h5"

# predict: neither the CSV nor the HDF5 predictions fit.
"$BIN" --threads 1 finetune --config "$SRC/configs/quick/finetune-photometry-full.json" \
  --set "data.path=$WORK/s.h5" --set loader.batch_size=60 --set train.epochs=1 \
  --out "$WORK/classifier" > /dev/null 2>&1 || fail "finetune failed"
full_disk predict 4k
for ext in csv h5; do
  refused_on_full_disk "$WORK/predict" "predict to .$ext" "No space left on device" -- \
    "$BIN" --threads 1 predict --checkpoint "$WORK/classifier" --data "$WORK/s.h5" \
    --out "$WORK/predict/p.$ext"
  [[ ! -e "$WORK/predict/p.$ext" ]] || fail "predict to .$ext on a full disk left an output"
done

# evaluate: the report files do not fit.
full_disk evaluate 4k
refused_on_full_disk "$WORK/evaluate" evaluate "No space left on device" -- \
  "$BIN" --threads 1 evaluate --checkpoint "$WORK/classifier" --out "$WORK/evaluate/e"

# prepare: the imported survey does not fit.
"$BIN" synth --objects 40 --seed 2 --raw-layout "$WORK/raw" > /dev/null 2>&1 || fail "synth failed"
full_disk prepare 16k
refused_on_full_disk "$WORK/prepare" prepare "No space left on device" -- \
  "$BIN" --threads 1 prepare astrom3 --root "$WORK/raw" --out "$WORK/prepare/s.h5"
[[ ! -e "$WORK/prepare/s.h5" ]] || fail "prepare on a full disk left a survey file"

finish reliability
