#!/usr/bin/env bash
# End-to-end checks of data-parallel training and sharded embedding on CPU with Gloo: 2 ranks
# on 127.0.0.1 against 1 process (losses within 1e-4, final weights within 1e-5), SIGTERM to one rank
# stopping both at the same step and resuming on 1 process, a killed rank making the other
# fail within its timeout, a missing rank failing the rendezvous, the SLURM example script
# under a stand-in srun, and embed --shard / distributed embed / embed --merge against a
# single embed. Debian's /usr/bin/python3 (numpy, h5py) compares the files.
# Usage: distributed_test.sh PATH/TO/astrom3 SOURCE_DIR
set -u
BIN="$(realpath "$1")"
SRC="$(realpath "$2")"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# launch N NAME args...: runs `astrom3 --threads 1 args...` as N torchrun-style ranks; their
# logs go to $WORK/NAME.R.log and their exit codes to $WORK/NAME.R.rc.
launch() {
  local n="$1" name="$2"
  shift 2
  local port pids=() r
  port="$(free_port)"
  for ((r = 0; r < n; r++)); do
    # FAULT_RANK1, when set, is rank 1's ASTROM3_FAULT (common/fault_point.h): it stops or kills
    # that rank at an exact step instead of racing the run with a signal from outside.
    local fault=()
    [[ $r -eq 1 && -n "${FAULT_RANK1:-}" ]] && fault=(ASTROM3_FAULT="$FAULT_RANK1")
    env "${fault[@]}" RANK=$r WORLD_SIZE=$n LOCAL_RANK=$r MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
      "$BIN" --threads 1 "$@" >"$WORK/$name.$r.log" 2>&1 &
    pids+=($!)
  done
  for ((r = 0; r < n; r++)); do
    wait "${pids[$r]}"
    echo $? >"$WORK/$name.$r.rc"
  done
}

# rc_is NAME R CODE: checks a rank's exit code.
rc_is() {
  checks=$((checks + 1))
  local got
  got="$(cat "$WORK/$1.$2.rc")"
  [[ "$got" == "$3" ]] || fail "$1 rank $2 exited $got, expected $3:"$'\n'"$(tail -20 "$WORK/$1.$2.log")"
}

# same_weights A B TOL: the safetensors files hold the same tensors within TOL, except at most
# 1 element in 100,000 (and at least 1) within 1e-3: Adam normalises each element's update by
# its gradient's magnitude, so an element whose gradient is zero up to float32 rounding moves
# by up to lr per step in a direction that rounding decides (seen: 1 of 1,324,051 elements).
same_weights() {
  checks=$((checks + 1))
  local out
  out="$("$PY" - "$1" "$2" "$3" <<'PYEOF'
import json, struct, sys
import numpy as np
def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    kinds = {"F32": np.float32, "I64": np.int64, "F64": np.float64, "BF16": np.uint16}
    out = {}
    for key, v in header.items():
        if key == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[key] = np.frombuffer(data[a:b], dtype=kinds[v["dtype"]]).reshape(v["shape"])
    return out
a, b, tol = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
if a.keys() != b.keys():
    print("different tensors:", sorted(a.keys() ^ b.keys())); sys.exit(1)
diffs = {k: np.abs(a[k].astype(np.float64) - b[k].astype(np.float64)).ravel() for k in a}
worst = max((float(d.max()) if d.size else 0.0, k) for k, d in diffs.items())
total = sum(d.size for d in diffs.values())
beyond = sum(int((d > tol).sum()) for d in diffs.values())
print(f"max |diff| {worst[0]:.3g} ({worst[1]}), {beyond} of {total} elements beyond {tol:g}")
sys.exit(0 if beyond <= max(1, total // 100000) and worst[0] <= 1e-3 else 1)
PYEOF
)" || fail "weights $1 vs $2: $out"
  echo "weights $(basename "$(dirname "$1")") vs $(basename "$(dirname "$2")"): $out"
}

# same_losses A B TOL: metrics.jsonl of both runs have the same step and epoch records, with
# losses, validation metrics and gradient norms within TOL relative to max(1, |value|).
same_losses() {
  checks=$((checks + 1))
  local out
  out="$("$PY" - "$1" "$2" "$3" <<'PYEOF'
import json, sys
def records(path):
    return [json.loads(l) for l in open(path)]
a, b, tol = records(sys.argv[1]), records(sys.argv[2]), float(sys.argv[3])
if [(r["type"], r["global_step"]) for r in a] != [(r["type"], r["global_step"]) for r in b]:
    print("different record sequences", len(a), len(b)); sys.exit(1)
worst = 0.0  # relative to max(1, |value|)
for x, y in zip(a, b):
    for k in ("loss", "val_loss", "train_loss", "val_accuracy", "grad_norm"):
        if k in x:
            worst = max(worst, abs(x[k] - y[k]) / max(1.0, abs(x[k])))
print(f"{len(a)} records, max relative loss diff {worst:.3g}")
sys.exit(0 if worst <= tol else 1)
PYEOF
)" || fail "losses $1 vs $2: $out"
  echo "losses: $out"
}

# 140 objects: 7 steps of a global batch of 16 (8 rows per rank on 2 ranks) per epoch. Dropout
# stays on (the quick config's 0.1): every rank draws the single-process masks of its rows.
# Summation order differs between 1 and N ranks (a gradient is summed per rank, then across
# ranks), so float32 results agree to rounding, which training amplifies like any change of
# thread count: the comparisons cover one epoch, losses within 1e-4 relative, weights 1e-5.
# Measured largest loss differences: 6e-6 with OpenBLAS's default threads, 1.1e-5 with
# OMP_NUM_THREADS=1 (scripts/check_robustness.sh --suite). A wrong reduction (gradients averaged
# instead of summed halve every update) or other dropout masks change the step losses far more
# than 1e-4 within these 7 steps (expected, not measured here).
"$BIN" synth --out "$WORK/s.h5" --objects 140 --seed 5 2>/dev/null || fail "synth failed"
Q=(--config "$SRC/configs/quick/clip.json" --set "data.path=$WORK/s.h5" --set loader.batch_size=16
   --set train.log_every_steps=1 --set train.epochs=1)

# 1. Two ranks reproduce one process: step losses, validation metrics and final weights.
expect 0 "done: best checkpoint" -- "$BIN" --threads 1 pretrain "${Q[@]}" --out "$WORK/one"
launch 2 two pretrain "${Q[@]}" --out "$WORK/two"
rc_is two 0 0
rc_is two 1 0
grep -q "data parallel over 2 ranks (gloo): global batch 16" "$WORK/two.0.log" ||
  fail "rank 0 does not report the data-parallel setup:"$'\n'"$(cat "$WORK/two.0.log")"
checks=$((checks + 1))
if grep -q "\[info\]" "$WORK/two.1.log"; then fail "rank 1 logs at info level"; fi
same_losses "$WORK/one/metrics.jsonl" "$WORK/two/metrics.jsonl" 1e-4
same_weights "$WORK/one/latest/model.safetensors" "$WORK/two/latest/model.safetensors" 1e-5
# Three ranks with unequal shards (16 = 5 + 5 + 6) reproduce it too.
launch 3 three pretrain "${Q[@]}" --out "$WORK/three"
rc_is three 0 0
same_weights "$WORK/one/latest/model.safetensors" "$WORK/three/latest/model.safetensors" 1e-5

# Fine-tuning (class-weighted cross-entropy) from the CLIP run, 1 process vs 2 ranks.
FT=(--config "$SRC/configs/quick/finetune-all-full-clip.json" --set "data.path=$WORK/s.h5"
    --set loader.batch_size=16 --set train.epochs=1 --set finetune.class_weights=balanced
    --init "$WORK/one")
expect 0 "done" -- "$BIN" --threads 1 finetune "${FT[@]}" --out "$WORK/ft1"
launch 2 ft2 finetune "${FT[@]}" --out "$WORK/ft2"
rc_is ft2 0 0
rc_is ft2 1 0
same_losses "$WORK/ft1/metrics.jsonl" "$WORK/ft2/metrics.jsonl" 1e-4
same_weights "$WORK/ft1/latest/model.safetensors" "$WORK/ft2/latest/model.safetensors" 1e-5

# 2. SIGTERM to rank 1 only: both ranks stop after the same step (exit 75), rank 0 writes one
# resumable checkpoint, and 1 process resumes it to the end with the weights of the
# uninterrupted run ("one").
FAULT_RANK1=step@2:TERM launch 2 cut pretrain "${Q[@]}" --out "$WORK/cut"
rc_is cut 0 75
rc_is cut 1 75
grep -q "resume with --resume" "$WORK/cut.0.log" || fail "SIGTERM: rank 0 gives no resume hint"
checks=$((checks + 1))
stops=$(ls -d "$WORK"/cut/checkpoints/epoch-*-step-* 2>/dev/null | wc -l)
[[ $stops -eq 1 ]] || fail "SIGTERM: expected one mid-epoch checkpoint, found $stops"
expect 0 "resuming from" -- "$BIN" --threads 1 pretrain --resume "$WORK/cut"
same_weights "$WORK/one/latest/model.safetensors" "$WORK/cut/latest/model.safetensors" 1e-5
same_losses "$WORK/one/metrics.jsonl" "$WORK/cut/metrics.jsonl" 1e-4

# 3. A rank killed outright: the survivor fails with an error naming the collective, within
# its 15 s timeout, instead of waiting forever.
start=$(date +%s)
FAULT_RANK1=step@2:KILL launch 2 dead pretrain "${Q[@]}" --set train.epochs=50 --dist-timeout 15 \
  --out "$WORK/dead"
took=$(( $(date +%s) - start ))
rc_is dead 1 137
rc_is dead 0 1
grep -q "distributed .* failed on rank 0 of 2: another rank has died" "$WORK/dead.0.log" ||
  fail "killed rank: no clear error on rank 0:"$'\n'"$(tail -5 "$WORK/dead.0.log")"
checks=$((checks + 1))
# From the launch: start-up and two steps (a few seconds), then at most the 15 s timeout.
[[ $took -le 60 ]] || fail "killed rank: rank 0 took ${took}s from the launch to fail"
echo "rank 0 failed ${took}s after the launch (rank 1 killed itself after step 2)"

# A rank whose peers never start fails the rendezvous after the timeout.
port="$(free_port)"
checks=$((checks + 1))
out="$(RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$BIN" --threads 1 pretrain \
       "${Q[@]}" --dist-timeout 3 --out "$WORK/alone" 2>&1)"
rc=$?
[[ $rc -eq 1 ]] && grep -q "rendezvous failed for rank 1 of 2" <<<"$out" ||
  fail "lonely rank: exit $rc:"$'\n'"$out"
expect 2 "nccl needs CUDA devices" -- env RANK=0 WORLD_SIZE=2 MASTER_PORT="$port" \
  "$BIN" --device cpu pretrain "${Q[@]}" --dist-backend nccl --out "$WORK/nccl"
launch 2 tiny pretrain "${Q[@]}" --set loader.batch_size=1 --out "$WORK/tiny"
rc_is tiny 0 2
grep -q "needs every training batch to give each rank a row" "$WORK/tiny.0.log" ||
  fail "global batch 1 on 2 ranks:"$'\n'"$(cat "$WORK/tiny.0.log")"
expect 2 "dist.backend: expected one of" -- "$BIN" pretrain "${Q[@]}" --set dist.backend=mpi --dump-config

# 4. The SLURM example, run by a stand-in srun that starts SLURM_NTASKS local tasks with
# SLURM's per-task variables (astrom3 reads SLURM_PROCID, SLURM_STEP_NUM_TASKS, SLURM_LOCALID
# and the node list; the script derives the rendezvous).
mkdir -p "$WORK/fakebin"
cat >"$WORK/fakebin/srun" <<'SH'
#!/usr/bin/env bash
while [[ "$1" == --* ]]; do shift; done
pids=()
for ((i = 0; i < SLURM_NTASKS; i++)); do
  SLURM_PROCID=$i SLURM_LOCALID=$i SLURM_STEP_NUM_TASKS=$SLURM_NTASKS "$@" &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=$?; done
exit $rc
SH
chmod +x "$WORK/fakebin/srun"
checks=$((checks + 1))
out="$(cd "$WORK" && PATH="$WORK/fakebin:$PATH" SLURM_JOB_ID=4242 MASTER_PORT="$(free_port)" \
       SLURM_JOB_NAME=test SLURM_NTASKS=2 SLURM_JOB_NODELIST=localhost ASTROM3="$BIN" \
       ASTROM3_CONFIG="$SRC/configs/quick/clip.json" ASTROM3_OUT="$WORK/slurm" \
       ASTROM3_GLOBAL_ARGS="--threads 1 --device cpu" \
       ASTROM3_ARGS="--set data.path=$WORK/s.h5 --set loader.batch_size=16 --set train.epochs=1" \
       bash "$SRC/scripts/slurm/pretrain.sbatch" 2>&1)"
rc=$?
[[ $rc -eq 0 && -e "$WORK/slurm/latest/model.safetensors" ]] ||
  fail "scripts/slurm/pretrain.sbatch: exit $rc:"$'\n'"$(tail -20 <<<"$out")"
grep -q "2 ranks, rendezvous localhost:" <<<"$out" || fail "sbatch: no rendezvous line"
grep -q "data parallel over 2 ranks" <<<"$out" || fail "sbatch: not data parallel:"$'\n'"$out"
same_weights "$WORK/one/latest/model.safetensors" "$WORK/slurm/latest/model.safetensors" 1e-5

# 5. Sharded embedding: --shard I/N jobs and a distributed launch write shards that merge into
# the single embed's file.
expect 0 "wrote" -- "$BIN" --threads 1 embed --checkpoint "$WORK/one" --out "$WORK/whole.h5"
expect 0 "shard 0 of 2" -- "$BIN" --threads 1 embed --checkpoint "$WORK/one" --out "$WORK/e.h5" --shard 0/2
expect 0 "shard 1 of 2" -- "$BIN" --threads 1 embed --checkpoint "$WORK/one" --out "$WORK/e.h5" --shard 1/2
expect 3 "missing shard\(s\) 1" -- "$BIN" embed --merge --out "$WORK/bad.h5" "$WORK/e.shard-00000-of-00002.h5"
expect 3 "shard 0 is also given" -- "$BIN" embed --merge --out "$WORK/bad.h5" \
  "$WORK/e.shard-00000-of-00002.h5" "$WORK/e.shard-00000-of-00002.h5"
expect 2 "takes no --checkpoint" -- "$BIN" embed --merge --checkpoint "$WORK/one" --out "$WORK/bad.h5" "$WORK/e.h5"
expect 2 "expected I/N" -- "$BIN" embed --checkpoint "$WORK/one" --out "$WORK/bad.h5" --shard 2/2
expect 0 "merged 2 shards" -- "$BIN" embed --merge --out "$WORK/merged.h5" \
  "$WORK/e.shard-00001-of-00002.h5" "$WORK/e.shard-00000-of-00002.h5"
# Shards computed at another precision are not joined; --merge computes nothing, so it takes
# no --precision.
expect 0 "shard 1 of 2" -- "$BIN" --threads 1 embed --checkpoint "$WORK/one" --out "$WORK/b.h5" \
  --shard 1/2 --precision bf16
expect 3 "precision \"bf16\" differs from \"fp32\"" -- "$BIN" embed --merge --out "$WORK/bad.h5" \
  "$WORK/e.shard-00000-of-00002.h5" "$WORK/b.shard-00001-of-00002.h5"
expect 2 "takes no" -- "$BIN" embed --merge --precision bf16 --out "$WORK/bad.h5" \
  "$WORK/e.shard-00000-of-00002.h5" "$WORK/e.shard-00001-of-00002.h5"
# Three ranks of a SLURM-style launch (no torchrun variables), test split only.
port="$(free_port)"
pids=()
for r in 0 1 2; do
  SLURM_PROCID=$r SLURM_NTASKS=3 SLURM_LOCALID=$r SLURM_JOB_NODELIST=localhost MASTER_PORT=$port \
    "$BIN" --threads 1 embed --checkpoint "$WORK/one" --split test --out "$WORK/t.h5" \
    >"$WORK/embed.$r.log" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "distributed embed rank failed: $(cat "$WORK"/embed.*.log)"; done
expect 0 "merged 3 shards" -- "$BIN" embed --merge --out "$WORK/test-merged.h5" "$WORK"/t.shard-*-of-00003.h5
expect 0 "wrote" -- "$BIN" --threads 1 embed --checkpoint "$WORK/one" --split test --out "$WORK/test.h5"
checks=$((checks + 1))
out="$("$PY" - "$WORK/whole.h5" "$WORK/merged.h5" "$WORK/test.h5" "$WORK/test-merged.h5" <<'PYEOF'
import sys
import h5py, numpy as np
def compare(a_path, b_path):
    a, b = h5py.File(a_path, "r"), h5py.File(b_path, "r")
    for key in ("ids", "labels", "split"):
        if not np.array_equal(a[key][...], b[key][...]):
            sys.exit(f"{b_path}: {key} differs")
    for group in ("present", "embeddings"):
        if sorted(a[group]) != sorted(b[group]):
            sys.exit(f"{b_path}: /{group} members differ")
        for name in a[group]:
            x, y = a[group][name][...], b[group][name][...]
            if x.shape != y.shape or np.abs(x.astype(np.float64) - y).max() > 1e-5:
                sys.exit(f"{b_path}: /{group}/{name} differs")
    for attr in ("checkpoint", "split_set", "modalities", "class_names"):
        if a.attrs[attr] != b.attrs[attr]:
            sys.exit(f"{b_path}: attribute {attr} differs")
    if b.attrs["shard_count"] != 1 or b.attrs["catalogue_objects"] != len(a["ids"]):
        sys.exit(f"{b_path}: merged file keeps shard attributes")
    print(f"{b_path}: {len(a['ids'])} objects equal")
compare(sys.argv[1], sys.argv[2])
compare(sys.argv[3], sys.argv[4])
PYEOF
)" || fail "merged embeddings differ from a single embed: $out"

finish distributed_test
