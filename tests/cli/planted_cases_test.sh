#!/usr/bin/env bash
# The embedding-space commands find what was planted in a synthetic survey: mislabels
# (misclassified), oddballs (outliers), the carbon / oxygen-rich Miras and the giant / dwarf
# rotators (map's spectral clustering), after the quick CLIP model pre-trained for 40 epochs (the
# default 8 leave the Mira split in the spectra barely encoded, and at 20 it depends on the
# training trajectory: 0.86 or 0.12 for two equally valid dropout streams). Fixed seeds; the
# thresholds sit below the values measured on the development machine (docs/embeddings.md):
# mislabel recall in the top 2 % 0.89 (asserted >= 0.8), oddball recall 1.0 (>= 0.7), Mira ARI
# in the spectra space 0.95 (>= 0.75), rotator ARI in the metadata space 0.94 (>= 0.8).
# Usage: planted_cases_test.sh PATH/TO/astrom3 SOURCE_DIR
set -u
BIN="$1"
SRC="$2"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

# Equal class weights (EA triple) so that every class, Miras included, has ~165 objects.
weights='{"DSCT":1,"EA":3,"EB":1,"EW":1,"HADS":1,"M":1,"ROT":1,"RRAB":1,"RRC":1,"SR":1}'
expect 0 "planted 28 mislabels and 20 EA oddballs" -- "$BIN" synth --objects 2000 --seed 4 \
  --set "synth.class_weights=$weights" --set synth.mislabel_fraction=0.01 \
  --set synth.oddball_fraction=0.04 --set synth.carbon_mira_fraction=0.5 --out "$WORK/s.h5"
[[ -f "$WORK/s.truth.csv" ]] || fail "synth wrote no truth file"
expect 0 "done: best checkpoint" -- "$BIN" pretrain --config "$SRC/configs/quick/clip.json" \
  --set "data.path=$WORK/s.h5" --set train.epochs=40 --set train.plateau_patience=100 \
  --set train.early_stopping_patience=100 --out "$WORK/pre"
expect 0 "wrote" -- "$BIN" embed --checkpoint "$WORK/pre" --out "$WORK/e.h5"
expect 0 "most suspicious first" -- "$BIN" misclassified -e "$WORK/e.h5" --out "$WORK/mis.csv"
expect 0 "outliers above" -- "$BIN" outliers -e "$WORK/e.h5" --percentile 95 --out "$WORK/out.csv"
expect 0 "M: [0-9]+ objects in 2 spectral clusters" -- "$BIN" map -e "$WORK/e.h5" \
  --cluster-class M --modality spectra --data "$WORK/s.h5" --out "$WORK/map"
for f in map.csv map.png clusters.csv clusters.png cluster_summary.csv; do
  [[ -f "$WORK/map/$f" ]] || fail "map did not write $f"
done
expect 0 "ROT: [0-9]+ objects in 2 spectral clusters" -- "$BIN" map -e "$WORK/e.h5" \
  --cluster-class ROT --modality metadata --out "$WORK/rot"

$PY - "$WORK" <<'PY' || fail "planted cases not found well enough"
import csv, sys
from sklearn.metrics import adjusted_rand_score
w = sys.argv[1]
truth = {r["id"]: r for r in csv.DictReader(open(f"{w}/s.truth.csv"))}
mis = list(csv.DictReader(open(f"{w}/mis.csv")))
planted = {i for i, r in truth.items() if r["mislabelled"] == "1"}
top = {r["id"] for r in mis[: int(round(0.02 * len(mis)))]}
recall_mis = len(planted & top) / len(planted)
out = list(csv.DictReader(open(f"{w}/out.csv")))
odd = {i for i, r in truth.items() if r["oddball"] == "1"}
flagged = {r["id"] for r in out if int(r["outlier_modalities"]) >= 1 or r["knn_outlier"] == "1"}
recall_odd = len(odd & flagged) / len(odd)
def ari(directory):
    members = list(csv.DictReader(open(f"{w}/{directory}/clusters.csv")))
    # Mislabelled members carry their true class's (empty) sub-population: a third group.
    return adjusted_rand_score([truth[r["id"]]["subpopulation"] for r in members],
                               [r["cluster"] for r in members]), len(members)
ari_m, n_m = ari("map")
ari_rot, n_rot = ari("rot")
print(f"planted: {len(planted)} mislabels, recall in the top 2 % of misclassified = {recall_mis:.3f}; "
      f"{len(odd)} oddballs, recall of outliers (95th percentile, any modality or k-NN) = {recall_odd:.3f} "
      f"with {len(flagged)} flagged; carbon/oxygen Miras ARI = {ari_m:.3f} over {n_m} objects "
      f"labelled M (spectra); giant/dwarf rotators ARI = {ari_rot:.3f} over {n_rot} (metadata)")
sys.exit(0 if recall_mis >= 0.8 and recall_odd >= 0.7 and ari_m >= 0.75 and ari_rot >= 0.8 else 1)
PY

finish planted_cases_test
