#!/usr/bin/env bash
# Reproduces the paper's accuracy tables (arXiv 2411.08842 §5; docs/reproduction.md): for every seed, one CLIP
# pre-training on the seed's full train split, then fine-tuning of {photometry, spectra,
# metadata, all} x {full, sub50, sub25, sub10} x {from scratch, from CLIP}, each evaluated on
# its split set's test split (fused `all` runs also without each modality, the paper's
# ablation); finally results/paper_table.md (scripts/paper_table.py).
#
# Usage: scripts/reproduce_table.sh [--quick] [--seeds 42,0,66,12,123] [--data FILE]
#                                   [--out DIR] [--set key=value ...]
#   --quick   the quick configs (configs/quick/) on the synthetic demo survey (data/demo.h5,
#             generated if missing): at most 30 minutes for 3 seeds on 2 CPU cores.
#             Without it: configs/paper/ (the paper's protocol; a GPU machine and the real
#             survey, e.g. --data data/astrom3.h5 --set runtime.device=cuda).
#   --set     extra config overrides for every run (repeatable).
# Every run keeps its directory (config, metrics, checkpoints, eval/metrics.json); rerunning
# skips finished runs and resumes interrupted ones, so the table can be rebuilt without
# retraining.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0
SEEDS="42,0,66,12,123"
DATA=""
OUT=""
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1; shift ;;
    --seeds) SEEDS="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --set) EXTRA+=(--set "$2"); shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "reproduce_table.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
BIN="${ASTROM3_BIN:-build/astrom3}"
[[ -x "$BIN" ]] || { echo "reproduce_table.sh: $BIN not found; run scripts/build.sh" >&2; exit 2; }
if [[ $QUICK -eq 1 ]]; then
  CONF=configs/quick; CLIP=clip.json; OUT="${OUT:-results/paper_table_quick}"
  if [[ -z "$DATA" ]]; then
    DATA=data/demo.h5
    [[ -f "$DATA" ]] || "$BIN" synth --config configs/demo.json --out "$DATA"
  fi
else
  CONF=configs/paper; CLIP=clip-full.json; OUT="${OUT:-results/paper_table}"
  [[ -n "$DATA" ]] || { echo "reproduce_table.sh: the paper protocol needs --data FILE" >&2; exit 2; }
fi
[[ -f "$DATA" ]] || { echo "reproduce_table.sh: no such survey file: $DATA" >&2; exit 2; }

log() { echo "[reproduce $(date +%H:%M:%S)] $*"; }
# train RUN_DIR COMMAND ARGS...: trains into RUN_DIR, resuming an interrupted run.
train() {
  local dir="$1" cmd="$2"
  shift 2
  [[ -e "$dir/done" ]] && return 0
  if [[ -e "$dir/latest" ]]; then
    "$BIN" "$cmd" --resume "$dir" "${EXTRA[@]}"
  else
    "$BIN" "$cmd" "$@" --out "$dir" "${EXTRA[@]}"
  fi
  touch "$dir/done"
}

start=$(date +%s)
IFS=',' read -r -a SEED_LIST <<< "$SEEDS"
for seed in "${SEED_LIST[@]}"; do
  common=(--set "data.path=$DATA" --set "runtime.seed=$seed")
  pre="$OUT/seed$seed/pretrain"
  log "seed $seed: CLIP pre-training ($CONF/$CLIP)"
  mkdir -p "$OUT"
  train "$pre" pretrain --config "$CONF/$CLIP" "${common[@]}" --set "data.split_set=full_$seed" \
    2> "$OUT.pretrain-$seed.log" || { cat "$OUT.pretrain-$seed.log" >&2; exit 1; }
  for mode in photometry spectra metadata all; do
    for subset in full sub50 sub25 sub10; do
      for init in scratch clip; do
        run="$OUT/seed$seed/$mode-$subset-$init"
        [[ -f "$run/eval/metrics.json" ]] && continue
        cfg="$CONF/finetune-$mode-$subset.json"
        init_args=()
        if [[ $init == clip ]]; then
          cfg="$CONF/finetune-$mode-$subset-clip.json"
          init_args=(--init "$pre/best")
        fi
        log "seed $seed: $mode $subset $init"
        mkdir -p "$(dirname "$run")"
        train "$run" finetune --config "$cfg" "${common[@]}" --set "data.split_set=${subset}_$seed" \
          "${init_args[@]}" 2> "$run.log" || { cat "$run.log" >&2; exit 1; }
        drop=()
        [[ $mode == all ]] && drop=(--drop-modality photometry,spectra,metadata)
        "$BIN" evaluate --checkpoint "$run/best" --split test --out "$run/eval" "${drop[@]}" \
          >> "$run.log" 2>&1 ||
          { cat "$run.log" >&2; exit 1; }
      done
    done
  done
done
python3 scripts/paper_table.py "$OUT" > "$OUT.md"
cp "$OUT.md" "$(dirname "$OUT")/paper_table.md"
log "done in $(( $(date +%s) - start )) s: $OUT.md (also $(dirname "$OUT")/paper_table.md)"
