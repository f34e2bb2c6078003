#!/usr/bin/env bash
# Data-parallel scaling on CPUs: quick-config CLIP pre-training throughput of 1 process with 1
# thread against 2 Gloo ranks with 1 thread each (the same global batch, so the same
# optimisation), plus 1 process with 2 threads, the alternative use of the same 2 cores.
# Throughput is the training samples/s of the epoch record (excluding validation), median of
# EPOCHS epochs after the first. Debian's /usr/bin/python3 reads the metrics.
# Usage: scripts/bench_distributed.sh [OBJECTS] [GLOBAL_BATCH] [EPOCHS]   (default 3000 64 3)
# Writes results/bench_distributed.json and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
OBJECTS="${1:-3000}"
BATCH="${2:-64}"
EPOCHS="${3:-3}"
./scripts/build.sh > /dev/null
mkdir -p results data
DATA="data/bench-dist-${OBJECTS}.h5"
[[ -f "$DATA" ]] || build/astrom3 --log-level warn synth --objects "$OBJECTS" --seed 1 --out "$DATA"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ARGS=(--config configs/quick/clip.json --set "data.path=$DATA" --set "loader.batch_size=$BATCH"
      --set "train.epochs=$EPOCHS" --set train.early_stopping_patience=100)
PORT=$((29500 + RANDOM % 20000))

build/astrom3 --log-level warn --threads 1 pretrain "${ARGS[@]}" --out "$WORK/p1t1"
build/astrom3 --log-level warn --threads 2 pretrain "${ARGS[@]}" --out "$WORK/p1t2"
for r in 0 1; do
  RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT \
    build/astrom3 --log-level warn --threads 1 pretrain "${ARGS[@]}" --out "$WORK/p2t1" &
done
wait

/usr/bin/python3 - "$WORK" "$OBJECTS" "$BATCH" "$(nproc)" <<'PY'
import json, statistics, sys
work, objects, batch, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def rate(run):
    epochs = [json.loads(l) for l in open(f"{work}/{run}/metrics.jsonl") if '"type":"epoch"' in l]
    rates = [e["samples_per_s"] for e in epochs[1:]] or [epochs[0]["samples_per_s"]]
    return statistics.median(rates), epochs[-1]["val_loss"]
one, one_val = rate("p1t1")
threads2, threads2_val = rate("p1t2")
ranks2, ranks2_val = rate("p2t1")
efficiency = ranks2 / (2 * one)
print(f"quick config, global batch {batch}, {objects} objects, {cores} cores, Gloo on loopback")
print(f"{'configuration':34s} {'samples/s':>10s} {'vs 1x1':>8s} {'final val loss':>15s}")
for name, v, val in (("1 process x 1 thread", one, one_val),
                     ("1 process x 2 threads", threads2, threads2_val),
                     ("2 ranks x 1 thread (Gloo)", ranks2, ranks2_val)):
    print(f"{name:34s} {v:10.1f} {v / one:7.2f}x {val:15.4f}")
print(f"data-parallel scaling efficiency (2 ranks): {100 * efficiency:.0f} %")
json.dump({"objects": objects, "global_batch": batch, "cores": int(cores),
           "samples_per_s": {"1x1": one, "1x2_threads": threads2, "2x1_ranks": ranks2},
           "final_val_loss": {"1x1": one_val, "1x2_threads": threads2_val, "2x1_ranks": ranks2_val},
           "scaling_efficiency_2_ranks": efficiency},
          open("results/bench_distributed.json", "w"), indent=2)
PY
