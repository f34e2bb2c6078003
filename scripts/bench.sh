#!/usr/bin/env bash
# astrom3 against the PyTorch reference of the same model, in one run on this machine with the
# same threads (docs/performance.md explains every row). Prints a table and writes
# results/bench.json.
#
#   scripts/bench.sh            # everything, about 10 minutes on 2 cores
#   STEPS=3 scripts/bench.sh    # fewer timed steps per row (a quick look)
#
# Rows, each astrom3 vs PyTorch (Debian's python3-torch 1.13, the LibTorch that astrom3 links):
#   1 batch assembly from the raw survey (scripts/bench_loader.sh's measurement)
#   2 one CLIP training step, paper configuration, batch 32 and 128, fp32
#   3 embedding inference, paper configuration, batch 256, fp32
#   4 one pre-training epoch plus validation, quick configuration, 5,000-object survey, data
#     loading included (astrom3 pretrain vs a DataLoader with 2 workers)
#   5 peak resident memory of 2 and 4
#   6 the training step of 2 in bf16 mixed precision, against PyTorch fp32 and PyTorch under
#     bf16 autocast (torch.autocast on the CPU)
#   7 the inference of 3 in bf16, against the same two
#   + the non-paper options (full attention, mean pooling) for rows 2 and 3.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${THREADS:-2}"
STEPS="${STEPS:-10}"
OBJECTS="${OBJECTS:-5000}"
PY=/usr/bin/python3  # Debian's interpreter: python3-torch, numpy, scipy, h5py

./scripts/build.sh > /dev/null
mkdir -p results data
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DATA="data/bench-${OBJECTS}.h5"
[[ -f "$DATA" ]] || build/astrom3 --log-level warn synth --objects "$OBJECTS" --seed 1 --out "$DATA"

PAPER=(--config configs/paper/clip-full.json --set "data.path=$DATA")
FAST=(--set model.photometry.attention=full --set model.photometry.pooling=mean)
QUICK=(--config configs/quick/clip.json --set "data.path=$DATA")

# Same architecture on both sides: the PyTorch script builds the model astrom3 resolves.
build/bench/astrom3_bench_model "${PAPER[@]}" --print-model "$WORK/paper.json" \
  --print-train "$WORK/paper-train.json"
build/bench/astrom3_bench_model "${PAPER[@]}" "${FAST[@]}" --print-model "$WORK/fast.json"
build/bench/astrom3_bench_model "${QUICK[@]}" --print-model "$WORK/quick.json" \
  --print-train "$WORK/quick-train.json"

# astrom3 then PyTorch for one mode and model: $WORK/NAME.cpp.json and $WORK/NAME.py.json.
# PRECISION=bf16 runs both sides in bf16 (astrom3's train.precision, PyTorch's autocast).
pair() {  # NAME MODE BATCH MODEL_JSON [astrom3 flags...]
  local name=$1 mode=$2 batch=$3 model=$4
  shift 4
  local common=(--batch "$batch" --steps "$STEPS" --threads "$THREADS") cpp=() py=()
  if [[ ${PRECISION:-fp32} == bf16 ]]; then
    cpp=(--set train.precision=bf16)
    py=(--bf16)
  fi
  build/bench/astrom3_bench_model "${PAPER[@]}" "$@" "${cpp[@]}" --mode "$mode" "${common[@]}" \
    > "$WORK/$name.cpp.json"
  $PY scripts/bench_pytorch.py "$mode" --model "$model" --train "$WORK/paper-train.json" \
    "${py[@]}" "${common[@]}" > "$WORK/$name.py.json"
}

echo "[bench] 1/6 batch assembly" >&2
build/bench/astrom3_bench_loader --data "$DATA" --workers "$THREADS" > "$WORK/loader.cpp.json"
$PY scripts/bench_loader_numpy.py --data "$DATA" --processes "$THREADS" > "$WORK/loader.py.json"

echo "[bench] 2/6 training step (paper configuration, batch 32 and 128)" >&2
pair step step 32 "$WORK/paper.json"
pair step128 step 128 "$WORK/paper.json"
pair step_fast step 32 "$WORK/fast.json" "${FAST[@]}"

echo "[bench] 3/6 inference (paper configuration, batch 256)" >&2
pair infer infer 256 "$WORK/paper.json"
pair infer_fast infer 256 "$WORK/fast.json" "${FAST[@]}"

echo "[bench] 4/6 bf16 mixed precision: training step (batch 32 and 128), inference" >&2
PRECISION=bf16 pair step_bf16 step 32 "$WORK/paper.json"
PRECISION=bf16 pair step128_bf16 step 128 "$WORK/paper.json"
PRECISION=bf16 pair infer_bf16 infer 256 "$WORK/paper.json"

echo "[bench] 5/6 CPU: $(grep -o -w -m1 -E 'avx512_bf16|amx_bf16' /proc/cpuinfo | sort -u |
  tr '\n' ' ')(native bf16 when listed)" >&2

echo "[bench] 6/6 one pre-training epoch (quick configuration, ${OBJECTS} objects)" >&2
/usr/bin/time -f '{"wall_s": %e, "peak_rss_mb": %M}' -o "$WORK/cpp_epoch_time.json" \
  build/astrom3 --log-level warn --threads "$THREADS" pretrain "${QUICK[@]}" \
  --set train.epochs=1 --out "$WORK/epoch-run" > /dev/null
$PY - "$WORK" > "$WORK/epoch.cpp.json" <<'PY'
import json, sys
w = sys.argv[1]
t = json.load(open(w + "/cpp_epoch_time.json"))
t["peak_rss_mb"] /= 1024.0  # GNU time reports KiB
epoch = [json.loads(l) for l in open(w + "/epoch-run/metrics.jsonl") if '"epoch"' in l][-1]
t.update(epoch_seconds=epoch["train_seconds"] + epoch["val_seconds"],
         samples_per_s=epoch["samples_per_s"], val_accuracy=epoch["val_accuracy"],
         train_loss=epoch["train_loss"])
print(json.dumps(t))
PY
/usr/bin/time -f '{"wall_s": %e, "peak_rss_mb": %M}' -o "$WORK/py_epoch_time.json" \
  $PY scripts/bench_pytorch.py epoch --model "$WORK/quick.json" --train "$WORK/quick-train.json" \
  --data "$DATA" --workers "$THREADS" --threads "$THREADS" > "$WORK/py_epoch.json"
$PY - "$WORK" > "$WORK/epoch.py.json.tmp" <<'PY'
import json, sys
w = sys.argv[1]
t = json.load(open(w + "/py_epoch_time.json"))
out = json.load(open(w + "/py_epoch.json"))
out["wall_s"] = t["wall_s"]
print(json.dumps(out))
PY
mv "$WORK/epoch.py.json.tmp" "$WORK/epoch.py.json"

$PY scripts/bench_report.py "$(nproc)" "$THREADS" "$WORK"
