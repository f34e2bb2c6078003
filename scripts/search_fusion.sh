#!/usr/bin/env bash
# The small search behind the `all` configs' fusion and optimiser settings (docs/fusion.md):
# fine-tunes the fused classifier of configs/quick/ with every combination of a grid, from
# scratch and from a CLIP checkpoint, and prints the validation accuracy of the best checkpoint
# (never the test split, which reproduce_table.sh reports) per seed and its mean.
#
# Usage: scripts/search_fusion.sh --grid FILE --pretrained DIR [--seeds 42,0]
#                                 [--subsets full,sub10] [--data FILE] [--out DIR]
#   --grid        lines "name: --set k=v --set k=v ..." over the `all` configs of
#                 configs/quick/ (configs/search/fusion-full.grid, fusion-sub10.grid).
#   --pretrained  a directory with seed<s>/pretrain/ runs, e.g. results/paper_table_quick of
#                 scripts/reproduce_table.sh --quick (the CLIP checkpoint of each seed).
# Runs are kept under --out (default results/search_fusion) and skipped when rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="42,0"
SUBSETS="full,sub10"
DATA=data/demo.h5
OUT=results/search_fusion
PRE=""
GRID=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pretrained) PRE="$2"; shift 2 ;;
    --seeds) SEEDS="$2"; shift 2 ;;
    --subsets) SUBSETS="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --grid) GRID="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "search_fusion.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
BIN="${ASTROM3_BIN:-build/astrom3}"
[[ -x "$BIN" ]] || { echo "search_fusion.sh: $BIN not found; run scripts/build.sh" >&2; exit 2; }
[[ -n "$PRE" ]] || { echo "search_fusion.sh: --pretrained DIR is required" >&2; exit 2; }
[[ -f "$DATA" ]] || { echo "search_fusion.sh: no such survey file: $DATA" >&2; exit 2; }
[[ -f "$GRID" ]] || { echo "search_fusion.sh: --grid FILE is required (configs/search/*.grid)" >&2; exit 2; }
IFS=',' read -r -a SEED_LIST <<< "$SEEDS"
IFS=',' read -r -a SUBSET_LIST <<< "$SUBSETS"
printf '%-36s %-7s %-7s %s\n' combination subset init "val accuracy per seed -> mean"
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  name="${line%%:*}"
  read -r -a sets <<< "${line#*:}"
  for subset in "${SUBSET_LIST[@]}"; do
    for init in scratch clip; do
      accs=()
      for seed in "${SEED_LIST[@]}"; do
        run="$OUT/$name/seed$seed-$subset-$init"
        cfg=configs/quick/finetune-all-$subset.json
        init_args=()
        if [[ $init == clip ]]; then
          cfg=configs/quick/finetune-all-$subset-clip.json
          init_args=(--init "$PRE/seed$seed/pretrain/best")
        fi
        if [[ ! -e "$run/done" ]]; then
          rm -rf "$run"
          mkdir -p "$(dirname "$run")"
          "$BIN" finetune --config "$cfg" --set "data.path=$DATA" --set "runtime.seed=$seed" \
            --set "data.split_set=${subset}_$seed" "${sets[@]}" "${init_args[@]}" --out "$run" \
            2> "$run.log" || { cat "$run.log" >&2; exit 1; }
          touch "$run/done"
        fi
        accs+=("$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['metrics']['val_accuracy'])" "$run/best/manifest.json")")
      done
      /usr/bin/python3 - "$name" "$subset" "$init" "${accs[@]}" <<'PY'
import statistics, sys
name, subset, init, *accs = sys.argv[1:]
a = [100 * float(x) for x in accs]
print("%-36s %-7s %-7s %s -> %.2f" % (name, subset, init, " ".join("%.2f" % x for x in a), statistics.fmean(a)))
PY
    done
  done
done < "$GRID"
