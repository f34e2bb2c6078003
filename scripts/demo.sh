#!/usr/bin/env bash
# The main job on the embedded default data: installs, builds, generates a synthetic trimodal
# survey, pre-trains the quick CLIP model, fine-tunes a photometry classifier on 10 % of the
# labels from scratch and from CLIP, evaluates both on the test split and plots the results
# (about 3 minutes on 2 CPU cores).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
ASTROM3_TARGETS=astrom3 ./scripts/build.sh  # the executable only: the demo runs no test or benchmark
BIN=build/astrom3
OUT=results/demo
PY=/usr/bin/python3
mkdir -p data
rm -rf "$OUT"
start=$(date +%s)
echo "== astrom3 synth: a synthetic trimodal survey (configs/demo.json)"
"$BIN" synth --config configs/demo.json --out data/demo.h5
"$BIN" inspect data/demo.h5
echo
echo "== astrom3 pretrain: CLIP pre-training of the quick model (configs/quick/clip.json)"
"$BIN" pretrain --config configs/quick/clip.json --out "$OUT/pretrain"
for init in scratch clip; do
  echo
  echo "== astrom3 finetune: photometry classifier, 10 % of the labels, from $init"
  cfg=configs/quick/finetune-photometry-sub10.json
  extra=()
  if [[ $init == clip ]]; then
    cfg=configs/quick/finetune-photometry-sub10-clip.json
    extra=(--init "$OUT/pretrain")
  fi
  "$BIN" finetune --config "$cfg" "${extra[@]}" --out "$OUT/photometry-sub10-$init"
  "$BIN" evaluate --checkpoint "$OUT/photometry-sub10-$init/best" --out "$OUT/photometry-sub10-$init/eval"
  $PY scripts/plot.py confusion "$OUT/photometry-sub10-$init/eval" > /dev/null
done
"$BIN" embed --checkpoint "$OUT/pretrain" --out "$OUT/embeddings.h5"
$PY scripts/plot.py curves "$OUT/pretrain" > /dev/null
$PY scripts/plot.py map "$OUT/embeddings.h5" > /dev/null
acc() { $PY -c "import json,sys; m=json.load(open(sys.argv[1])); print('%.1f %%' % (100*m['accuracy']))" "$1"; }
echo
echo "Photometry classifier, 10 % of the labels (sub10_42 test split):"
echo "  from scratch: $(acc "$OUT/photometry-sub10-scratch/eval/metrics.json")"
echo "  from CLIP:    $(acc "$OUT/photometry-sub10-clip/eval/metrics.json")"
echo "Plots: $OUT/photometry-sub10-{scratch,clip}/eval/confusion.png, $OUT/pretrain/curves.png,"
echo "       $OUT/embeddings-map.png"
echo "Done in $(( $(date +%s) - start )) s."
