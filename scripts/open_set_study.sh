#!/usr/bin/env bash
# Measures astrom3's unknown-class detection (docs/predictions.md, "Unknown classes") on the
# demo survey with planted unseen-class objects: for each seed, the quick photometry and fused
# (`all`) classifiers are fine-tuned on split set full_<seed>, then `evaluate` scores the test
# split (known classes) against every unseen object with the three scores. Writes
# OUT/open_set.md (mean and standard deviation over the seeds) and OUT/open_set.json; the table
# is made by Debian's /usr/bin/python3 (numpy-free, standard library only).
# Usage: scripts/open_set_study.sh [OUT_DIR (default results/open_set)] [SEED ...] (default 42 0 66)
# Environment: ASTROM3 (binary, default build/astrom3), UNSEEN (objects, default 400).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${ASTROM3:-build/astrom3}"
OUT="${1:-results/open_set}"
shift || true
SEEDS=("$@")
[[ ${#SEEDS[@]} -gt 0 ]] || SEEDS=(42 0 66)
UNSEEN="${UNSEEN:-400}"
mkdir -p "$OUT"
DATA="$OUT/demo-unseen.h5"
[[ -f "$DATA" ]] || "$BIN" synth --config configs/demo.json --unseen "$UNSEEN" --out "$DATA"
for seed in "${SEEDS[@]}"; do
  for mode in photometry all; do
    run="$OUT/$mode-$seed"
    if [[ ! -f "$run/eval/metrics.json" ]]; then
      rm -rf "$run"
      # Logs kept next to the run; a failed step stops the script with its log's tail.
      mkdir -p "$OUT/logs"
      log="$OUT/logs/$mode-$seed.log"
      if ! "$BIN" finetune --config "configs/quick/finetune-$mode-full.json" \
        --set "data.path=$DATA" --set "data.split_set=full_$seed" --set "runtime.seed=$seed" \
        --out "$run" > "$log" 2>&1 ||
        ! "$BIN" predict --checkpoint "$run/best" --split unseen --out "$run/unseen.csv" \
          >> "$log" 2>&1 ||
        ! "$BIN" evaluate --checkpoint "$run/best" --out "$run/eval" >> "$log" 2>&1; then
        tail -5 "$log" >&2
        echo "open_set_study: $mode seed $seed failed; log in $log" >&2
        exit 1
      fi
      grep -E "calibrated|unknown-class|AUROC" "$log"
    fi
  done
done
/usr/bin/python3 - "$OUT" "${SEEDS[@]}" <<'PY'
import csv, json, statistics, sys
out, seeds = sys.argv[1], sys.argv[2:]
rows, record, by_class = [], {}, {}
for mode in ("photometry", "all"):
    runs = [json.load(open(f"{out}/{mode}-{s}/eval/metrics.json")) for s in seeds]
    for score in ("mahalanobis", "energy", "max_softmax"):
        q = [r["open_set"]["scores"][score] for r in runs]
        cell = {}
        for key in ("auroc", "fpr_at_95", "flagged_known", "flagged_unseen"):
            v = [x[key] for x in q]
            cell[key] = {"mean": statistics.mean(v),
                         "sd": statistics.stdev(v) if len(v) > 1 else None, "values": v}
        record[f"{mode}/{score}"] = cell
        f = lambda k: (f"{cell[k]['mean']:.3f} ± {cell[k]['sd']:.3f}" if len(seeds) > 1
                       else f"{cell[k]['mean']:.3f}")
        rows.append(f"| {mode} | {score} | {f('auroc')} | {f('fpr_at_95')} | "
                    f"{f('flagged_known')} | {f('flagged_unseen')} |")
    record[f"{mode}/accuracy"] = [r["accuracy"] for r in runs]
    # Flagged share of each unseen class at the checkpoint's threshold (truth file joined).
    truth = {r["id"]: r["true_label"] for r in csv.DictReader(open(f"{out}/demo-unseen.truth.csv"))}
    for s in seeds:
        for r in csv.DictReader(open(f"{out}/{mode}-{s}/unseen.csv")):
            by_class.setdefault((mode, truth[r["id"]]), []).append(r["unknown"] == "1")
known, unseen = runs[0]["open_set"]["scores"]["energy"]["known"], runs[0]["open_set"]["scores"]["energy"]["unseen"]
text = (f"Unknown-class detection, {len(seeds)} seed(s) ({', '.join(seeds)}), quick configs, "
        f"{known} known test objects vs {unseen} unseen-class objects per run"
        f"{'; mean ± sd' if len(seeds) > 1 else ''}.\n"
        "Flagged: shares above the threshold (the checkpoint's, fitted on val, for its own score "
        "mahalanobis; the test split's 95 % quantile for the others).\n\n"
        "| classifier | score | AUROC | FPR@95 | flagged known | flagged unseen |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n")
classes = sorted({c for _, c in by_class})
text += ("\nShare of each unseen class flagged at the checkpoint's threshold (all seeds pooled):\n\n"
         "| classifier | " + " | ".join(classes) + " |\n|---|" + "---|" * len(classes) + "\n")
for mode in ("photometry", "all"):
    cells = [sum(by_class[(mode, c)]) / len(by_class[(mode, c)]) for c in classes]
    text += f"| {mode} | " + " | ".join(f"{v:.2f}" for v in cells) + " |\n"
    record[f"{mode}/flagged_by_class"] = dict(zip(classes, cells))
open(f"{out}/open_set.md", "w").write(text)
json.dump(record, open(f"{out}/open_set.json", "w"), indent=2)
print(text)
PY
