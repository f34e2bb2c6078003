#!/usr/bin/env bash
# One prepared run on a GPU machine that has CUDA, CMake, a compiler and PyTorch but no Debian
# packages and no network. Checks the machine, builds astrom3 against the LibTorch inside that
# PyTorch, runs the unit tests and a CUDA end-to-end run (pretrain, embed), and benchmarks the
# paper-config training step and inference at batch 512 in fp32 and bf16 beside the PyTorch
# reference on the same GPU. Everything lands in $OUT (default results/gpu); about 10 minutes.
#
# Before, on a machine with Debian's archive (docs/performance.md, "GPU"):
#   ../shared/gpu/fetch-deps.sh .gpudeps && (cd .gpudeps && apt-get download zlib1g-dev googletest)
#   echo /.gpudeps/ >> .git/info/exclude
# then carry .gpudeps to the GPU machine beside the source tree and run:
#   OUT=/some/dir scripts/gpu_check.sh
# The packages are unpacked into .gpudeps/root (never into /).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-results/gpu}"
DEPS="${ASTROM3_GPU_DEPS:-.gpudeps}"
BUILD="${ASTROM3_GPU_BUILD:-build-gpu}"
JOBS="${JOBS:-$(nproc)}"
PY="${PYTHON:-python3}"
STEPS="${STEPS:-20}"
mkdir -p "$OUT"
LOG="$OUT/gpu_check.log"
log() { echo "[gpu-check $(date +%T)] $*" | tee -a "$LOG"; }
fail() { log "FAILED: $*"; exit 1; }
START=$(date +%s)

# --------------------------------------------------------------------------- 1 the machine
log "machine"
{ nvidia-smi || true; nproc; free -g; cmake --version | head -1; c++ --version | head -1; } \
  > "$OUT/machine.txt" 2>&1
"$PY" - > "$OUT/torch.json" <<'PY' || fail "python3 cannot import torch"
import json, torch
print(json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda,
                  "cuda_available": torch.cuda.is_available(),
                  "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                  "cxx11_abi": bool(torch.compiled_with_cxx11_abi()),
                  "cmake_prefix_path": torch.utils.cmake_prefix_path}))
PY
cat "$OUT/torch.json" | tee -a "$LOG"
TORCH_PREFIX=$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)')
ABI=$("$PY" -c 'import torch; print(int(torch.compiled_with_cxx11_abi()))')
"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' ||
  fail "torch sees no CUDA device"

# --------------------------------------------------------------------------- 2 dependencies
ROOT="$PWD/$DEPS/root"
if [[ ! -d "$ROOT/usr" ]]; then
  ls "$DEPS"/*.deb > /dev/null 2>&1 || fail "no packages in $DEPS (run ../shared/gpu/fetch-deps.sh $DEPS)"
  mkdir -p "$ROOT"
  for f in "$DEPS"/*.deb; do
    if command -v dpkg > /dev/null; then
      dpkg -x "$f" "$ROOT"
    else  # a .deb is an ar archive holding data.tar.*
      tmp=$(mktemp -d) && (cd "$tmp" && ar x "$OLDPWD/$f") && tar -xf "$tmp"/data.tar.* -C "$ROOT"
      rm -rf "$tmp"
    fi
  done
fi
LIBDIR="$ROOT/usr/lib/x86_64-linux-gnu"
export LD_LIBRARY_PATH="$LIBDIR:$LIBDIR/hdf5/serial${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
log "dependencies unpacked in $ROOT"

# --------------------------------------------------------------------------- 3 build
# Official LibTorch with the old string ABI cannot link Debian's compiled spdlog, fmt and
# GoogleTest: use them header-only / from source with LibTorch's flags.
extra=()
TESTS=1
if [[ "$ABI" == 0 ]]; then
  extra+=(-DASTROM3_HEADER_ONLY_LOGGING=ON)
  if [[ -d "$ROOT/usr/src/googletest" ]]; then
    extra+=(-DASTROM3_GTEST_SOURCE_DIR="$ROOT/usr/src/googletest")
  else  # Debian's googletest package holds the sources; without it no tests can be built
    log "no GoogleTest sources (apt-get download googletest): building without the unit tests"
    extra+=(-DASTROM3_BUILD_TESTS=OFF)
    TESTS=0
  fi
fi
# The NCCL backend needs nccl.h: pip's torch depends on nvidia-nccl, which ships it.
NCCL_ROOT="$("$PY" -c 'import nvidia.nccl as n; print(list(n.__path__)[0])' 2>/dev/null || true)"
[[ -n "$NCCL_ROOT" ]] && export NCCL_ROOT
log "configure (torch cxx11 abi: $ABI; NCCL headers: ${NCCL_ROOT:-none})"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DASTROM3_USE_PCH=ON \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX;$ROOT/usr;$LIBDIR/cmake" \
  -DCMAKE_INCLUDE_PATH="$ROOT/usr/include" -DCMAKE_LIBRARY_PATH="$LIBDIR" \
  -DHDF5_ROOT="$LIBDIR/hdf5/serial" -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON \
  "${extra[@]}" > "$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; fail "configure"; }
log "build with $JOBS jobs"
cmake --build "$BUILD" -j "$JOBS" > "$OUT/build.log" 2>&1 || { grep -m 20 -B2 -A6 "error" "$OUT/build.log"; fail "build"; }
log "built in $(($(date +%s) - START)) s; $(grep -m1 'distributed backends' "$OUT/configure.log")"

# --------------------------------------------------------------------------- 4 tests
if [[ $TESTS == 1 ]]; then
  log "unit tests"
  (cd "$BUILD" && ctest -L unit -j "$JOBS" --timeout 120 --output-on-failure) \
    > "$OUT/unit_tests.log" 2>&1
  tail -3 "$OUT/unit_tests.log" | tee -a "$LOG"
fi

log "CUDA end to end: synth, pretrain (bf16, 2 epochs; fp32, 1 epoch), embed (bf16)"
A3="$BUILD/astrom3"
DATA="$OUT/paper-size.h5"  # the paper's object counts: 17,063 train objects in full_42
"$A3" --log-level warn synth --objects 21440 --seed 1 --out "$DATA" > /dev/null 2>&1 || fail "synth"
"$A3" --device cuda pretrain --config configs/paper/clip-full.json --set "data.path=$DATA" \
  --set train.epochs=2 --set train.precision=bf16 --out "$OUT/pretrain-bf16" \
  > "$OUT/pretrain.log" 2>&1 || { tail -20 "$OUT/pretrain.log"; fail "pretrain on cuda"; }
"$A3" --device cuda pretrain --config configs/paper/clip-full.json --set "data.path=$DATA" \
  --set train.epochs=1 --out "$OUT/pretrain-fp32" > "$OUT/pretrain-fp32.log" 2>&1 ||
  { tail -20 "$OUT/pretrain-fp32.log"; fail "fp32 pretrain on cuda"; }
# The paper protocol: 17,063 training objects x 100 epochs, extrapolated from each measured
# epoch (the first includes CUDA's warm-up, so the last one of a run is the estimate).
"$PY" - "$OUT/pretrain-bf16/metrics.jsonl" "$OUT/pretrain-fp32/metrics.jsonl" <<'PY' | tee -a "$LOG"
import json, sys
for path, precision in zip(sys.argv[1:], ("bf16", "fp32")):
    epochs = [json.loads(l) for l in open(path) if json.loads(l).get("type") == "epoch"]
    for e in epochs:
        seconds = e["train_seconds"] + e["val_seconds"]
        print(f"{precision} epoch {e['epoch']}: {seconds:.1f} s ({e['samples_per_s']:.0f} "
              f"samples/s), val acc {e['val_accuracy']:.3f}; the paper's 100 epochs at this "
              f"rate: {100 * seconds / 60:.1f} min")
PY
"$A3" --device cuda embed --checkpoint "$OUT/pretrain-bf16" --precision bf16 --out "$OUT/embeddings.h5" \
  > "$OUT/embed.log" 2>&1 || { tail -20 "$OUT/embed.log"; fail "embed on cuda"; }
log "embed on cuda: ok"

# Data parallel on CUDA: 2 ranks, NCCL on cuda:0 and cuda:1 when there are 2 GPUs, otherwise
# Gloo with both ranks on cuda:0 (NCCL refuses two ranks on one GPU).
NGPU=$("$PY" -c 'import torch; print(torch.cuda.device_count())')
if ((NGPU >= 2)); then DIST=(--dist-backend nccl); DEV=(--device cuda); else DIST=(--dist-backend gloo); DEV=(--device cuda:0); fi
"$A3" --log-level warn synth --objects 3000 --seed 2 --out "$OUT/dist.h5" > /dev/null 2>&1 || fail "synth"
for r in 0 1; do
  RANK=$r WORLD_SIZE=2 LOCAL_RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=29531 \
    "$A3" "${DEV[@]}" --threads 4 pretrain --config configs/quick/clip.json --set "data.path=$OUT/dist.h5" \
    --set train.epochs=2 "${DIST[@]}" --out "$OUT/dist-run" > "$OUT/dist.$r.log" 2>&1 &
done
wait || true
if [[ -e "$OUT/dist-run/latest/model.safetensors" ]]; then
  log "data parallel on CUDA (${DIST[*]}, ${NGPU} GPU): $(grep -o '"samples_per_s":[0-9.]*' "$OUT/dist-run/metrics.jsonl" | tail -1)"
else
  log "data parallel on CUDA failed: $(tail -3 "$OUT/dist.0.log")"
fi

# --------------------------------------------------------------------------- 5 benchmarks
log "benchmarks: paper configuration, batch 512, fp32 and bf16, astrom3 vs PyTorch"
BENCH="$BUILD/bench/astrom3_bench_model"
PAPER=(--config configs/paper/clip-full.json)
"$BENCH" "${PAPER[@]}" --print-model "$OUT/paper.json" --print-train "$OUT/paper-train.json"
: > "$OUT/bench.jsonl"
for precision in fp32 bf16; do
  bf16=()
  [[ $precision == bf16 ]] && bf16=(--bf16)
  for mode in step infer; do
    "$BENCH" "${PAPER[@]}" --set "train.precision=$precision" --device cuda --mode "$mode" \
      --batch 512 --steps "$STEPS" --threads 4 | sed 's/^{/{"side":"astrom3",/' >> "$OUT/bench.jsonl"
    "$PY" scripts/bench_pytorch.py "$mode" --model "$OUT/paper.json" --train "$OUT/paper-train.json" \
      --device cuda "${bf16[@]}" --batch 512 --steps "$STEPS" --threads 4 |
      sed 's/^{/{"side":"pytorch",/' >> "$OUT/bench.jsonl"
  done
done
"$PY" - "$OUT/bench.jsonl" <<'PY' | tee "$OUT/bench.txt" | tee -a "$LOG"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
get = lambda side, mode, prec: next(r for r in rows if r["side"] == side and r["mode"] == mode
                                    and r["precision"] == prec)
print(f"{'':22s} {'astrom3 /s':>11s} {'PyTorch /s':>11s} {'ratio':>6s} {'GPU MB a3':>10s} {'GPU MB py':>10s}")
for mode in ("step", "infer"):
    for prec in ("fp32", "bf16"):
        a, p = get("astrom3", mode, prec), get("pytorch", mode, prec)
        print(f"{mode + ' ' + prec:22s} {a['samples_per_s']:11.0f} {p['samples_per_s']:11.0f} "
              f"{a['samples_per_s'] / p['samples_per_s']:5.2f}x {a.get('gpu_peak_allocated_mb', 0):10.0f} "
              f"{p.get('gpu_peak_allocated_mb', 0):10.0f}")
PY
log "done in $(($(date +%s) - START)) s"
