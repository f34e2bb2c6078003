#!/usr/bin/env bash
# Measures `astrom3 predict` at catalogue scale (docs/performance.md, "Prediction at catalogue
# scale"): objects per second and peak resident memory for the photometry and the fused (`all`)
# classifier on synthetic surveys of each size in SIZES, against `embed` with the CLIP model the
# classifiers were fine-tuned from. The models are the quick configuration trained for one epoch
# on the demo survey (speed does not depend on how well they were trained); the large surveys
# repeat the demo survey's objects (scripts/replicate_survey.py). Writes OUT/bench_predict.md and
# OUT/bench_predict.json.
# Usage: scripts/bench_predict.sh [OUT_DIR (default results/bench_predict)]
# Environment: ASTROM3 (binary, default build/astrom3), SIZES (default "100000 1000000"),
# EMBED_MAX (largest size embed is run at, default 100000: embed holds the whole survey in
# memory), KEEP=1 keeps the large survey files (virtual datasets over
# OUT/demo.h5: a few MB each).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${ASTROM3:-build/astrom3}"
OUT="${1:-results/bench_predict}"
SIZES="${SIZES:-100000 1000000}"
EMBED_MAX="${EMBED_MAX:-100000}"
PY=/usr/bin/python3  # Debian's interpreter: h5py and numpy
mkdir -p "$OUT/logs"
log() { echo "[bench_predict] $*" >&2; }

# One command under GNU time; appends "name objects seconds peak_kB" to OUT/runs.txt.
measure() {
  local name="$1" objects="$2"
  shift 2
  if ! /usr/bin/time -f "%e %M" -o "$OUT/logs/$name.time" "$@" > "$OUT/logs/$name.log" 2>&1; then
    tail -5 "$OUT/logs/$name.log" >&2
    echo "bench_predict: $name failed; log in $OUT/logs/$name.log" >&2
    exit 1
  fi
  read -r seconds peak < "$OUT/logs/$name.time"
  echo "$name $objects $seconds $peak" >> "$OUT/runs.txt"
  log "$name: $objects objects in $seconds s, peak $((peak / 1024)) MB"
}

BASE="$OUT/demo.h5"
[[ -f "$BASE" ]] || "$BIN" synth --config configs/demo.json --out "$BASE" 2> "$OUT/logs/synth.log"
if [[ ! -f "$OUT/clip/latest/manifest.json" ]]; then
  "$BIN" pretrain --config configs/quick/clip.json --set "data.path=$BASE" --set train.epochs=1 \
    --out "$OUT/clip" > "$OUT/logs/pretrain.log" 2>&1
fi
for mode in photometry all; do
  if [[ ! -f "$OUT/$mode/latest/manifest.json" ]]; then
    "$BIN" finetune --config "configs/quick/finetune-$mode-full-clip.json" --init "$OUT/clip" \
      --set "data.path=$BASE" --set train.epochs=1 --out "$OUT/$mode" > "$OUT/logs/$mode.log" 2>&1
  fi
done

rm -f "$OUT/runs.txt"
for n in $SIZES; do
  big="$OUT/survey-$n.h5"
  if [[ ! -f "$big" ]]; then
    log "making a survey of $n objects"
    $PY scripts/replicate_survey.py "$BASE" "$big.part" "$n" 2> "$OUT/logs/replicate-$n.log"
    mv "$big.part" "$big"
  fi
  for mode in photometry all; do
    measure "predict-$mode-$n" "$n" "$BIN" predict --checkpoint "$OUT/$mode" --data "$big" \
      --out "$OUT/predict-$mode-$n.h5"
    rm -f "$OUT/predict-$mode-$n.h5"
  done
  if ((n <= EMBED_MAX)); then
    # embed writes the train, val and test splits: all objects but the unlabelled ones.
    objects=$($PY -c "import h5py,sys; s=h5py.File(sys.argv[1])['splits/full_42']; \
print(sum(s[k].shape[0] for k in ('train','val','test')))" "$big")
    measure "embed-$n" "$objects" "$BIN" embed --checkpoint "$OUT/clip" --data "$big" \
      --out "$OUT/embed-$n.h5"
    rm -f "$OUT/embed-$n.h5"
  fi
  [[ "${KEEP:-0}" == 1 ]] || rm -f "$big"
done

$PY - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
runs = {}
for line in open(f"{out}/runs.txt"):
    name, objects, seconds, peak = line.split()
    runs[name] = {"objects": int(objects), "seconds": float(seconds),
                  "objects_per_s": int(objects) / float(seconds), "peak_mb": int(peak) / 1024}
json.dump(runs, open(f"{out}/bench_predict.json", "w"), indent=2)
lines = ["| run | objects | seconds | objects/s | peak memory, MB |", "|---|---:|---:|---:|---:|"]
for name, r in runs.items():
    lines.append(f"| {name} | {r['objects']:,} | {r['seconds']:.1f} | {r['objects_per_s']:,.0f} | "
                 f"{r['peak_mb']:,.0f} |")
open(f"{out}/bench_predict.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
