#!/usr/bin/env bash
# Reproduces the paper's accuracy tables (arXiv 2411.08842 §5; docs/reproduction.md): for every seed, one CLIP
# pre-training on the seed's full train split, then fine-tuning of {photometry, spectra,
# metadata, all} x {full, sub50, sub25, sub10} x {from scratch, from CLIP}, each evaluated on
# its split set's test split (fused `all` runs also without each modality, the paper's
# ablation); finally results/paper_table.md (scripts/paper_table.py).
#
# Usage: scripts/reproduce_table.sh [--quick | --medium] [--seeds 42,0,66,12,123] [--data FILE]
#                                   [--out DIR] [--rows photometry,all] [--precision bf16]
#                                   [--set key=value ...]
#   --quick   the quick configs (configs/quick/) on the synthetic demo survey (data/demo.h5,
#             generated if missing or of an older survey version): at most 30 minutes for 3 seeds on 2 CPU cores; a smoke
#             test of the protocol (30-object sub10 test sets: differences under ~5 points are
#             noise).
#   --medium  the medium protocol (configs/medium/) on the medium synthetic survey
#             (data/medium.h5 from configs/medium/survey.json, generated as --quick's: 16,000
#             labelled objects, sub10 test sets of ~160, 4,000 unlabelled for pre-training);
#             2.65 h for seeds 42,0,66 on 2 CPU cores (docs/results/medium_table.md).
#             Without it: configs/paper/ (the paper's protocol; a GPU machine and the real
#             survey, e.g. --data data/astrom3.h5 --set runtime.device=cuda).
#   --rows    the modalities to fine-tune (default photometry,spectra,metadata,all).
#   --precision fp32|bf16: of every run, training (train.precision) and evaluation
#             (evaluate --precision); default fp32.
#   --set     extra config overrides for every run (repeatable).
# Every run keeps its directory (config, metrics, checkpoints, eval/metrics.json); rerunning
# skips finished runs and resumes interrupted ones, so the table can be rebuilt without
# retraining.
set -euo pipefail
cd "$(dirname "$0")/.."
ARGS=("$@")
QUICK=0
MEDIUM=0
SEEDS="42,0,66,12,123"
DATA=""
OUT=""
ROWS="photometry,spectra,metadata,all"
PRECISION=fp32
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds|--data|--out|--rows|--precision|--set)
      [[ $# -ge 2 ]] || { echo "reproduce_table.sh: $1 needs a value" >&2; exit 2; } ;;
  esac
  case "$1" in
    --quick) QUICK=1; shift ;;
    --medium) MEDIUM=1; shift ;;
    --seeds) SEEDS="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --rows) ROWS="$2"; shift 2 ;;
    --precision) PRECISION="$2"; shift 2 ;;
    --set) EXTRA+=(--set "$2"); shift 2 ;;
    -h|--help) sed -n '2,27{s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "reproduce_table.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $SEEDS =~ ^[0-9]+(,[0-9]+)*$ ]] ||
  { echo "reproduce_table.sh: --seeds: expected integers separated by commas, got '$SEEDS'" >&2; exit 2; }
IFS=',' read -r -a MODE_LIST <<< "$ROWS"
[[ ${#MODE_LIST[@]} -gt 0 ]] || { echo "reproduce_table.sh: --rows lists no modality" >&2; exit 2; }
for mode in "${MODE_LIST[@]}"; do
  case "$mode" in
    photometry|spectra|metadata|all) ;;
    *) echo "reproduce_table.sh: --rows: unknown modality $mode" \
         "(expected photometry, spectra, metadata, all)" >&2; exit 2 ;;
  esac
done
case "$PRECISION" in
  fp32|bf16) EXTRA+=(--set "train.precision=$PRECISION") ;;
  *) echo "reproduce_table.sh: --precision: expected fp32 or bf16, got $PRECISION" >&2; exit 2 ;;
esac
BIN="${ASTROM3_BIN:-build/astrom3}"
[[ -x "$BIN" ]] || { echo "reproduce_table.sh: $BIN not found; run scripts/build.sh" >&2; exit 2; }
[[ $QUICK -eq 1 && $MEDIUM -eq 1 ]] &&
  { echo "reproduce_table.sh: --quick and --medium exclude each other" >&2; exit 2; }
# default_survey FILE SYNTH_CONFIG: generates the protocol's synthetic survey when it is missing
# or was made by an older survey version (docs/synthetic-survey.md).
default_survey() {
  # The summary in a variable: `inspect | grep -q` could end inspect with SIGPIPE, which
  # pipefail would take for a missing version.
  local summary=""
  [[ -f "$1" ]] && summary="$("$BIN" inspect "$1" 2>/dev/null || true)"
  if [[ -f "$1" ]] && ! grep -q "synth_version: 2$" <<< "$summary"; then
    echo "reproduce_table.sh: $1 is not a version 2 synthetic survey; regenerating it" >&2
    rm -f "$1"
  fi
  [[ -f "$1" ]] || "$BIN" synth --config "$2" --out "$1"
}
if [[ $QUICK -eq 1 ]]; then
  CONF=configs/quick; CLIP=clip.json; OUT="${OUT:-results/paper_table_quick}"
  if [[ -z "$DATA" ]]; then
    DATA=data/demo.h5
    default_survey "$DATA" configs/demo.json
  fi
elif [[ $MEDIUM -eq 1 ]]; then
  CONF=configs/medium; CLIP=clip.json; OUT="${OUT:-results/paper_table_medium}"
  if [[ -z "$DATA" ]]; then
    DATA=data/medium.h5
    default_survey "$DATA" configs/medium/survey.json
  fi
else
  CONF=configs/paper; CLIP=clip-full.json; OUT="${OUT:-results/paper_table}"
  [[ -n "$DATA" ]] || { echo "reproduce_table.sh: the paper protocol needs --data FILE" >&2; exit 2; }
fi
[[ -f "$DATA" ]] || { echo "reproduce_table.sh: no such survey file: $DATA" >&2; exit 2; }

log() {
  echo "[reproduce $(date +%H:%M:%S)] $*"
  [[ -n "${started:-}" ]] && record_wall_time
  return 0
}
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

# One precision per run directory: a rerun at another one would mix fp32 and bf16 cells (the
# finished ones are skipped) into one table.
mkdir -p "$OUT"
if [[ -f "$OUT/precision" && "$(cat "$OUT/precision")" != "$PRECISION" ]]; then
  echo "reproduce_table.sh: $OUT holds a $(cat "$OUT/precision") run; use another --out for" \
    "--precision $PRECISION" >&2
  exit 2
fi
echo "$PRECISION" > "$OUT/precision"

start=$(date +%s)
# What the table's header reports (scripts/paper_table.py): the machine, and every invocation's
# command and wall time (a resumed table sums them).
{
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "cores: $(nproc)"
  echo "astrom3: $("$BIN" --version 2>/dev/null | head -1)"
} > "$OUT/machine"
# One line per invocation, "<start, UTC> <seconds> s: <command>", rewritten as each run starts
# and at exit: an invocation killed without running its exit trap (a batch job's time limit,
# SIGKILL, a reboot) still counts up to the run it was in.
started="$(date -u +%FT%TZ)"
record_wall_time() {
  local line="$started $(( $(date +%s) - start )) s: $0 ${ARGS[*]}"
  { grep -v "^$started " "$OUT/invocations.log" 2>/dev/null || true; echo "$line"; } \
    > "$OUT/invocations.tmp"
  mv "$OUT/invocations.tmp" "$OUT/invocations.log"
}
trap record_wall_time EXIT
IFS=',' read -r -a SEED_LIST <<< "$SEEDS"
for seed in "${SEED_LIST[@]}"; do
  common=(--set "data.path=$DATA" --set "runtime.seed=$seed")
  pre="$OUT/seed$seed/pretrain"
  log "seed $seed: CLIP pre-training ($CONF/$CLIP)"
  mkdir -p "$OUT"
  train "$pre" pretrain --config "$CONF/$CLIP" "${common[@]}" --set "data.split_set=full_$seed" \
    2> "$OUT.pretrain-$seed.log" || { cat "$OUT.pretrain-$seed.log" >&2; exit 1; }
  for mode in "${MODE_LIST[@]}"; do
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
          --precision "$PRECISION" \
          >> "$run.log" 2>&1 ||
          { cat "$run.log" >&2; exit 1; }
      done
    done
  done
done
# This invocation's wall time goes into the table it builds, and stays as the table says.
trap - EXIT
record_wall_time
started=""
# Built aside: a failing paper_table.py leaves no truncated table behind.
/usr/bin/python3 scripts/paper_table.py "$OUT" > "$OUT.md.tmp"
mv "$OUT.md.tmp" "$OUT.md"
cp "$OUT.md" "$(dirname "$OUT")/paper_table.md"
log "done in $(( $(date +%s) - start )) s: $OUT.md (also $(dirname "$OUT")/paper_table.md)"
