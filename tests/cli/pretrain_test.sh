#!/usr/bin/env bash
# End-to-end checks of astrom3 pretrain / export / import: outputs, refusal to overwrite,
# SIGTERM + resume reproducing an uninterrupted run bit for bit, interop with the PyTorch
# reference (Debian's /usr/bin/python3 with python3-torch).
# Usage: pretrain_test.sh PATH/TO/astrom3 SOURCE_DIR
set -u
BIN="$1"
SRC="$2"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

REF=(/usr/bin/python3 "$SRC/scripts/reference/astrom3_ref.py")
GOLDEN="$SRC/tests/data/golden"

expect 0 "total +15,869,827 +640,000" -- "$BIN" pretrain --config "$SRC/configs/paper/clip-full.json" --dry-run
expect 2 "model.photometry.attention: expected one of" -- \
  "$BIN" pretrain --config "$SRC/configs/quick/clip.json" --set model.photometry.attention=sparse --dry-run

"$BIN" synth --out "$WORK/s.h5" --objects 300 --seed 5 2>/dev/null || fail "synth failed"
Q=(--config "$SRC/configs/quick/clip.json" --set "data.path=$WORK/s.h5" --set loader.batch_size=60
   --set train.log_every_steps=1)

# A short run writes every promised output.
expect 0 "done: best checkpoint" -- "$BIN" --threads 1 pretrain "${Q[@]}" --set train.epochs=2 --out "$WORK/run"
for f in config.json metrics.jsonl latest/manifest.json latest/model.safetensors latest/optimizer.pt \
         best/model.safetensors; do
  [[ -e "$WORK/run/$f" ]] || fail "pretrain did not write $f"
done
[[ $(grep -c '"type":"epoch"' "$WORK/run/metrics.jsonl") -eq 2 ]] || fail "metrics.jsonl lacks 2 epoch records"
expect 2 "already holds a run" -- "$BIN" pretrain "${Q[@]}" --out "$WORK/run"
expect 0 "already finished" -- "$BIN" pretrain --resume "$WORK/run"
# Resuming on other data (other objects, hence other splits) is refused: it continued silently.
"$BIN" synth --out "$WORK/other.h5" --objects 200 --seed 9 2>/dev/null || fail "synth failed"
expect 2 "resuming would continue another experiment" -- \
  "$BIN" pretrain --resume "$WORK/run" --set "data.path=$WORK/other.h5" --set train.epochs=3
# A run directory whose lock another holder has (here this shell, through flock(1)) is refused,
# fresh or resumed: two runs sharing one --out used to both exit 0 with one run's checkpoints
# beside the other's config and metrics.
mkdir -p "$WORK/busy"
exec 8>"$WORK/busy/.astrom3.lock" 9>"$WORK/run/.astrom3.lock"
flock -n 8 && flock -n 9 || fail "could not take the test's locks"
expect 2 "busy is in use by another astrom3 run" -- "$BIN" pretrain "${Q[@]}" --out "$WORK/busy"
expect 2 "is in use by another astrom3 run" -- "$BIN" pretrain --resume "$WORK/run"
exec 8>&- 9>&-
expect 3 "not a checkpoint directory" -- "$BIN" pretrain --resume "$WORK"

# SIGTERM: finish the step, write a resumable checkpoint, exit 75; the resumed run ends with
# exactly the weights of an uninterrupted one. The signal comes from the fault point after step
# 3 (common/fault_point.h), so the run stops after step 4 every time, without racing it.
EPOCHS=(--set train.epochs=5)
"$BIN" --threads 1 pretrain "${Q[@]}" "${EPOCHS[@]}" --out "$WORK/straight" 2>/dev/null ||
  fail "uninterrupted run failed"
env ASTROM3_FAULT=step@3:TERM "$BIN" --threads 1 pretrain "${Q[@]}" "${EPOCHS[@]}" \
  --out "$WORK/cut" 2>"$WORK/cut.log"
rc=$?
checks=$((checks + 1))
if [[ $rc -ne 75 ]]; then
  fail "SIGTERM: exit code $rc, expected 75"; cat "$WORK/cut.log"
fi
grep -q "resume with --resume" "$WORK/cut.log" || fail "SIGTERM: no resume hint"$'\n'"$(cat "$WORK/cut.log")"
checks=$((checks + 1))
[[ $(grep -c '"type":"step"' "$WORK/cut/metrics.jsonl") -ge 1 &&
   $(grep -c '"global_step":5,' "$WORK/cut/metrics.jsonl") -eq 0 ]] ||
  fail "SIGTERM at the fault point after step 3: training went past step 4"
expect 0 "done" -- "$BIN" --threads 1 pretrain --resume "$WORK/cut"
expect 0 "wrote" -- "$BIN" export --checkpoint "$WORK/straight" --out "$WORK/straight.safetensors"
expect 0 "wrote" -- "$BIN" export --checkpoint "$WORK/cut/latest" --out "$WORK/cut.safetensors"
checks=$((checks + 1))
cmp -s "$WORK/straight.safetensors" "$WORK/cut.safetensors" ||
  fail "interrupted + resumed run differs from the uninterrupted run"

# A checkpoint written by an earlier astrom3 (before the training state became typed structs;
# tests/data/checkpoints/README.md) resumes and finishes with the LibTorch that wrote it (1.13).
# Where this machine also reproduces the fixture's first 8 steps bit for bit (same kernels as
# the writer's CPU; another CPU's BLAS or vector width changes the last bits), the resumed run
# must end with the uninterrupted run's weights, bit for bit. LibTorch 2.x misreads optimiser
# archives that 1.x wrote (their parameter keys); there the resume must be refused with exit 3
# naming optimizer.pt, never crash (it segfaulted), and the weights and manifest must still serve.
OLD="$SRC/tests/data/checkpoints/clip-v1-mid-epoch"
"$BIN" synth --out "$WORK/old.h5" --objects 160 --seed 11 2>/dev/null || fail "synth failed"
mkdir -p "$WORK/old/checkpoints" && cp -r "$OLD" "$WORK/old/checkpoints/epoch-0002-step-000002"
written_by=$(sed -n 's/.*"libtorch_version": "\([^"]*\)".*/\1/p' "$OLD/manifest.json")
if "$BIN" --version | grep -q "(LibTorch $written_by)"; then
  expect 0 "resuming from .*epoch 3, step 2 of it, global step 8" -- "$BIN" --threads 1 pretrain \
    --resume "$WORK/old/checkpoints/epoch-0002-step-000002" --set "data.path=$WORK/old.h5"
  checks=$((checks + 1))
  [[ $(grep '"type":"epoch"' "$WORK/old/metrics.jsonl" | grep -c '"epoch":4,"global_step":12,') -eq 1 ]] ||
    fail "the old checkpoint's run did not finish epoch 4 at step 12:"$'\n'"$(cat "$WORK/old/metrics.jsonl")"
  # The fixture's own position, recomputed here: the stop of its README.
  env ASTROM3_FAULT=step@7:TERM "$BIN" --threads 1 pretrain --config "$OLD.config.json" \
    --set "data.path=$WORK/old.h5" --out "$WORK/old-cut" > /dev/null 2>&1
  rc=$?
  checks=$((checks + 1))
  [[ $rc -eq 75 ]] || fail "the fixture's stop, recomputed: exit code $rc, expected 75"
  cp -r "$OLD" "$WORK/old-fixture"
  expect 0 "wrote" -- "$BIN" export --checkpoint "$WORK/old-fixture" --out "$WORK/old-fixture.safetensors"
  expect 0 "wrote" -- "$BIN" export --checkpoint "$WORK/old-cut/latest" --out "$WORK/old-cut.safetensors"
  if cmp -s "$WORK/old-fixture.safetensors" "$WORK/old-cut.safetensors"; then
    "$BIN" --threads 1 pretrain --config "$OLD.config.json" --set "data.path=$WORK/old.h5" \
      --out "$WORK/old-straight" 2>/dev/null || fail "uninterrupted run of the old config failed"
    expect 0 "wrote" -- "$BIN" export --checkpoint "$WORK/old" --out "$WORK/old.safetensors"
    expect 0 "wrote" -- "$BIN" export --checkpoint "$WORK/old-straight" --out "$WORK/old-straight.safetensors"
    checks=$((checks + 1))
    cmp -s "$WORK/old.safetensors" "$WORK/old-straight.safetensors" ||
      fail "the old checkpoint, resumed, differs from an uninterrupted run"
  else
    echo "note: this CPU does not reproduce the fixture's first 8 steps bit for bit (other" \
      "kernels than the writer's); the resumed run's end is checked, not its bits"
  fi
else
  expect 3 "optimizer.pt: the optimiser state does not fit the model" -- "$BIN" --threads 1 \
    pretrain --resume "$WORK/old/checkpoints/epoch-0002-step-000002" --set "data.path=$WORK/old.h5"
  expect 0 "wrote" -- "$BIN" export --checkpoint "$WORK/old/checkpoints/epoch-0002-step-000002" \
    --out "$WORK/old.safetensors"
  expect 0 "retrieval p->s" -- "$BIN" evaluate --checkpoint "$WORK/old/checkpoints/epoch-0002-step-000002" \
    --data "$WORK/old.h5" --split val --out "$WORK/old-eval"
fi

# A damaged stored configuration is the checkpoint's fault (exit 3 naming its manifest), not a
# mistake in the user's flags (exit 2).
cp -r "$OLD" "$WORK/damaged"
python3 - "$WORK/damaged/manifest.json" <<'PY' || fail "could not damage the manifest"
import json, sys
m = json.load(open(sys.argv[1]))
m["config"]["model"]["photometry"]["pooling"] = "max"
json.dump(m, open(sys.argv[1], "w"))
PY
expect 3 "damaged/manifest.json: the configuration the checkpoint stores is invalid" -- \
  "$BIN" pretrain --resume "$WORK/damaged" --set "data.path=$WORK/old.h5"
expect 3 "model.photometry.pooling: expected one of flatten, mean" -- \
  "$BIN" evaluate --checkpoint "$WORK/damaged" --data "$WORK/old.h5"

# Faults at exact points (ASTROM3_FAULT, common/fault_point.h). A stop signal while the data
# loads exits 75, the code the SLURM script requeues on (it exited 143).
expect 75 "before training began" -- env ASTROM3_FAULT=data_loaded:TERM \
  "$BIN" --threads 1 pretrain "${Q[@]}" --set train.epochs=1 --out "$WORK/early"
# kill -9 after the epoch-1 checkpoint is committed but before its metrics.jsonl line: the
# resumed run restores the record from the checkpoint's manifest (it was lost for good).
env ASTROM3_FAULT=checkpoint_committed:KILL "$BIN" --threads 1 pretrain "${Q[@]}" \
  --set train.epochs=2 --out "$WORK/killed" > /dev/null 2>&1
rc=$?
checks=$((checks + 1))
[[ $rc -eq 137 && -e "$WORK/killed/latest/manifest.json" ]] ||
  fail "the KILL fault point did not stop the run after its checkpoint (exit $rc)"
[[ $(grep -c '"type":"epoch"' "$WORK/killed/metrics.jsonl") -eq 0 ]] ||
  fail "the killed run wrote its epoch record"
expect 0 "done" -- "$BIN" --threads 1 pretrain --resume "$WORK/killed"
checks=$((checks + 1))
[[ $(grep '"type":"epoch"' "$WORK/killed/metrics.jsonl" | grep -c '"epoch":1,') -eq 1 &&
   $(grep '"type":"epoch"' "$WORK/killed/metrics.jsonl" | grep -c '"epoch":2,') -eq 1 ]] ||
  fail "resume did not restore the lost epoch record:"$'\n'"$(cat "$WORK/killed/metrics.jsonl")"

# Unlabeled objects join pre-training by default (data.pretrain_unlabeled) and change what it
# learns; val is untouched. The loss never reads labels (tests/train/trainer_test.cpp).
"$BIN" synth --out "$WORK/u.h5" --objects 200 --unlabeled 40 --seed 6 2>/dev/null || fail "synth failed"
U=(--config "$SRC/configs/quick/clip.json" --set "data.path=$WORK/u.h5" --set loader.batch_size=50
   --set train.epochs=1)
expect 0 "split set full_42 with 200 train \(40 of them unlabeled\), 20 val" -- \
  "$BIN" --threads 1 pretrain "${U[@]}" --out "$WORK/with-unlabeled"
expect 0 "split set full_42 with 160 train, 20 val" -- \
  "$BIN" --threads 1 pretrain "${U[@]}" --set data.pretrain_unlabeled=false --out "$WORK/labelled-only"
checks=$((checks + 1))
if cmp -s "$WORK/with-unlabeled/latest/model.safetensors" "$WORK/labelled-only/latest/model.safetensors"; then
  fail "pre-training with unlabeled objects gave the same weights as without"
fi
grep -q '"pretrain_unlabeled": false' "$WORK/labelled-only/config.json" ||
  fail "config.json does not record data.pretrain_unlabeled"

# Interop: a Python-written file imports; the export loads strictly in the PyTorch reference
# and reproduces the reference embeddings.
for case in probsparse_official full_masked; do
  "${REF[@]}" weights "$GOLDEN/model_$case.safetensors" "$WORK/$case.py.safetensors" ||
    fail "reference could not write $case weights"
  expect 0 "wrote checkpoint" -- "$BIN" import --weights "$WORK/$case.py.safetensors" \
    --config "$GOLDEN/model_$case.json" --out "$WORK/imported-$case"
  expect 0 "wrote" -- "$BIN" export --checkpoint "$WORK/imported-$case" --out "$WORK/$case.cpp.safetensors"
  expect 0 "^ok: " -- "${REF[@]}" check-export "$WORK/$case.cpp.safetensors" "$GOLDEN/model_$case.json"
done
# Strict import: the quick config's shapes differ from the golden weights.
expect 3 "key photometry_proj.weight has shape \[16, 32\], expected \[128, 6400\]" -- \
  "$BIN" import --weights "$WORK/full_masked.py.safetensors" --config "$SRC/configs/quick/clip.json" \
  --out "$WORK/bad"
[[ ! -e "$WORK/bad" ]] || fail "failed import left a directory"
# import never replaces what --out names (it used to delete a whole directory of runs).
mkdir -p "$WORK/existing" && echo keep > "$WORK/existing/notes.txt"
expect 2 "--out $WORK/existing already exists" -- "$BIN" import \
  --weights "$WORK/full_masked.py.safetensors" --config "$GOLDEN/model_full_masked.json" \
  --out "$WORK/existing"
checks=$((checks + 1))
[[ "$(cat "$WORK/existing/notes.txt")" == keep && ! -e "$WORK/existing/manifest.json" ]] ||
  fail "import touched an existing --out"
head -c 100 "$WORK/full_masked.py.safetensors" > "$WORK/trunc.safetensors"
expect 3 "not a valid safetensors file" -- "$BIN" import --weights "$WORK/trunc.safetensors" \
  --config "$GOLDEN/model_full_masked.json" --out "$WORK/bad"

finish pretrain
