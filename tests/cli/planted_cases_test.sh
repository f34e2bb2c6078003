#!/usr/bin/env bash
# The embedding-space commands find what was planted in a synthetic survey: mislabels
# (misclassified), oddballs (outliers), the carbon / oxygen-rich Miras and the giant / dwarf
# rotators (map's spectral clustering), after the quick CLIP model pre-trained for 40 epochs (the
# default 8 leave the Mira split in the spectra barely encoded).
#
# The figures depend on the training trajectory, which another thread count, BLAS kernel or CPU
# changes (docs/testing.md). The thresholds are therefore set below the minimum over the
# 14 trajectories measured with scripts/check_robustness.sh (5 training seeds x 1 and 2
# threads, a sixth seed, 2 other OpenBLAS kernels, one AVX-512 machine), with the margin stated;
# the spread is in docs/embeddings.md ("Planted cases"):
#   figure                          minimum (seed/threads)  asserted
#   mislabel recall in the top 2 %  0.857 (24 of 28)        >= 0.75 (21 of 28)
#   oddball recall                  0.85 (17 of 20)         >= 0.7 (14 of 20)
#   Mira ARI (spectra space)        0.739 (66/1)            >= 0.6
#   rotator ARI (metadata space)    0.311 (66/2)            >= 0.2
#   the better of the two ARIs      0.864 (66/2)            >= 0.75
# Each sub-population is found (ARI 0.86-0.95) on most trajectories, but on a few one of them is
# not (rotators 0.31, 0.34 and 0.42, Miras 0.74); no trajectory lost both, which the last line
# asserts. Where the rotators are lost, the metadata embeddings still hold the split (a linear
# probe separates giants from dwarfs with 97 % accuracy); what flips is the unsupervised two-way
# cut of the neighbour graph (map --neighbours 8 gives ARI 0.91 there, 10 gives 0.31, 15 0.01).
# Usage: planted_cases_test.sh PATH/TO/astrom3 SOURCE_DIR
set -u
BIN="$1"
SRC="$2"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
# scripts/check_robustness.sh reruns this test on other trajectories: ASTROM3_TEST_SEED (the
# training seed, runtime.seed; default 42), ASTROM3_TEST_THREADS (intra-op threads; default one
# per core) and ASTROM3_PLANTED_FIGURES (a file to which the measured figures are appended as
# one JSON line). OPENBLAS_CORETYPE and OMP_NUM_THREADS (OpenBLAS's own thread count with its
# pthread build, which --threads does not set; the OpenMP build that scripts/setup.sh selects
# follows --threads) are recorded with the figures.
RUN=("$BIN" --threads "${ASTROM3_TEST_THREADS:-0}")
TRAIN_SEED="${ASTROM3_TEST_SEED:-42}"
# What the test asserts (scripts/check_robustness.sh reads these lines).
LIMIT_MISLABEL_RECALL=0.75
LIMIT_ODDBALL_RECALL=0.7
LIMIT_MIRA_ARI=0.6
LIMIT_ROTATOR_ARI=0.2
LIMIT_BEST_SUBPOPULATION_ARI=0.75

# Equal class weights (EA triple) so that every class, Miras included, has ~165 objects.
weights='{"DSCT":1,"EA":3,"EB":1,"EW":1,"HADS":1,"M":1,"ROT":1,"RRAB":1,"RRC":1,"SR":1}'
expect 0 "planted 28 mislabels, 20 EA oddballs and 0 unseen-class objects" -- "$BIN" synth --objects 2000 --seed 4 \
  --set "synth.class_weights=$weights" --set synth.mislabel_fraction=0.01 \
  --set synth.oddball_fraction=0.04 --set synth.carbon_mira_fraction=0.5 --out "$WORK/s.h5"
[[ -f "$WORK/s.truth.csv" ]] || fail "synth wrote no truth file"
expect 0 "done: best checkpoint" -- "${RUN[@]}" pretrain --config "$SRC/configs/quick/clip.json" \
  --set "data.path=$WORK/s.h5" --set train.epochs=40 --set train.plateau_patience=100 \
  --set train.early_stopping_patience=100 --set "runtime.seed=$TRAIN_SEED" --out "$WORK/pre"
expect 0 "wrote" -- "${RUN[@]}" embed --checkpoint "$WORK/pre" --out "$WORK/e.h5"
expect 0 "most suspicious first" -- "$BIN" misclassified -e "$WORK/e.h5" --out "$WORK/mis.csv"
expect 0 "outliers above" -- "$BIN" outliers -e "$WORK/e.h5" --percentile 95 --out "$WORK/out.csv"
expect 0 "M: [0-9]+ objects in 2 spectral clusters" -- "$BIN" map -e "$WORK/e.h5" \
  --cluster-class M --modality spectra --data "$WORK/s.h5" --out "$WORK/map"
for f in map.csv map.png clusters.csv clusters.png cluster_summary.csv; do
  [[ -f "$WORK/map/$f" ]] || fail "map did not write $f"
done
expect 0 "ROT: [0-9]+ objects in 2 spectral clusters" -- "$BIN" map -e "$WORK/e.h5" \
  --cluster-class ROT --modality metadata --out "$WORK/rot"

$PY - "$WORK" "${ASTROM3_PLANTED_FIGURES:-}" "$TRAIN_SEED" "${ASTROM3_TEST_THREADS:-0}" \
  "$LIMIT_MISLABEL_RECALL" "$LIMIT_ODDBALL_RECALL" "$LIMIT_MIRA_ARI" "$LIMIT_ROTATOR_ARI" \
  "$LIMIT_BEST_SUBPOPULATION_ARI" <<'PY' || fail "planted cases not found well enough"
import csv, json, os, sys
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
if sys.argv[2]:
    with open(sys.argv[2], "a") as f:
        f.write(json.dumps({"seed": int(sys.argv[3]), "threads": int(sys.argv[4]),
                            "blas": os.environ.get("OPENBLAS_CORETYPE") or "default",
                            "omp_num_threads": os.environ.get("OMP_NUM_THREADS") or "unset",
                            "mislabel_recall": recall_mis, "oddball_recall": recall_odd,
                            "mira_ari": ari_m, "rotator_ari": ari_rot,
                            "best_subpopulation_ari": max(ari_m, ari_rot)}) + "\n")
limits = [float(v) for v in sys.argv[5:10]]
figures = [recall_mis, recall_odd, ari_m, ari_rot, max(ari_m, ari_rot)]
sys.exit(0 if all(f >= l for f, l in zip(figures, limits)) else 1)
PY

finish planted_cases_test
