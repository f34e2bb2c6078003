#!/usr/bin/env bash
# Installs, builds, generates a synthetic trimodal survey, inspects it and pre-trains the
# small CLIP model of configs/quick/clip.json on it (a few minutes on 2 CPU cores).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
BIN=build/astrom3
RUN=results/demo-pretrain
mkdir -p data
echo "== astrom3 synth: a synthetic trimodal survey (configs/demo.json)"
"$BIN" synth --config configs/demo.json --out data/demo.h5
echo
echo "== astrom3 inspect data/demo.h5"
"$BIN" inspect data/demo.h5
echo
echo "== astrom3 pretrain: CLIP pre-training of the quick model (configs/quick/clip.json)"
rm -rf "$RUN"
start=$(date +%s)
"$BIN" pretrain --config configs/quick/clip.json --out "$RUN"
echo
echo "Pre-training took $(( $(date +%s) - start )) s."
echo "Checkpoints: $RUN/latest and $RUN/best (model.safetensors, manifest.json, optimizer.pt)"
echo "Metrics:     $RUN/metrics.jsonl (one JSON object per epoch and every few steps)"
echo "Last epoch:  $(grep '"type":"epoch"' "$RUN/metrics.jsonl" | tail -1)"
