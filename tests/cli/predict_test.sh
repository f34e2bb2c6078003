#!/usr/bin/env bash
# End-to-end checks of astrom3 predict and of the calibration finetune fits: the temperature in
# the manifests, evaluate's NLL/ECE, predictions equal to evaluate's confusion matrix, every
# object of every split listed (unlabelled ones, and those lacking the classifier's modality
# with their reason), the unknown-class detector (threshold, scores, evaluate on unseen objects), shards merged to the single-run file in both formats, the README's
# "Classify your own stars" path, and the exit codes of bad input with no output left behind.
# Files are read back with Debian's python3-h5py, independently of the C++ writer.
# Usage: predict_test.sh PATH/TO/astrom3 SOURCE_DIR
set -u
BIN="$1"
SRC="$2"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

"$BIN" synth --out "$WORK/s.h5" --objects 300 --unlabeled 20 --seed 5 2>/dev/null || fail "synth failed"
D=(--set "data.path=$WORK/s.h5" --set loader.batch_size=60)
expect 0 "calibrated epoch-[0-9]+ on 30 val objects: temperature [0-9.]+; NLL" -- \
  "$BIN" --threads 1 finetune --config "$SRC/configs/quick/finetune-photometry-full.json" "${D[@]}" \
  --set train.epochs=3 --out "$WORK/ph"
expect 0 "calibrated" -- "$BIN" --threads 1 finetune --config "$SRC/configs/quick/finetune-all-full.json" \
  "${D[@]}" --set train.epochs=1 --out "$WORK/all"

# The temperature minimises the validation NLL (T = 1 is among the candidates, so the NLL cannot
# rise), is stored for best and latest, and evaluate applies it.
expect 0 "probabilities: NLL [0-9.]+, ECE [0-9.]+ \(15 bins\) raw; NLL [0-9.]+, ECE [0-9.]+ with temperature [0-9.]+ \(fitted on val\)" -- \
  "$BIN" evaluate --checkpoint "$WORK/ph/best" --out "$WORK/ev"
$PY - "$WORK" <<'PY' || fail "calibration records are wrong"
import json, sys
w = sys.argv[1]
for link in ("best", "latest"):
    c = json.load(open(f"{w}/ph/{link}/manifest.json"))["calibration"]
    assert c["method"] == "temperature" and c["fitted_on"] == "val" and c["objects"] == 30, c
    assert 0.05 <= c["temperature"] <= 20 and c["after"]["nll"] <= c["before"]["nll"] + 1e-12, c
    assert sum(b["count"] for b in c["after"]["bins"]) == 30 and len(c["after"]["bins"]) == 15
m = json.load(open(f"{w}/ev/metrics.json"))["calibration"]
best = json.load(open(f"{w}/ph/best/manifest.json"))["calibration"]
assert m["calibrated"] and m["temperature"] == best["temperature"], m
assert sum(b["count"] for b in m["before"]["bins"]) == json.load(open(f"{w}/ev/metrics.json"))["objects"]
PY
expect 0 "wrote .*reliability.png" -- $PY "$SRC/scripts/plot.py" reliability "$WORK/ev"
expect 0 "wrote .*reliability.png" -- $PY "$SRC/scripts/plot.py" reliability "$WORK/ph"

# Predictions on the test split give evaluate's confusion matrix; the probabilities are those of
# the calibrated softmax (rows sum to 1).
expect 0 "classifying 30 objects of .*\(split set full_42, test\)" -- "$BIN" predict \
  --checkpoint "$WORK/ph/best" --split test --out "$WORK/test.csv"
$PY - "$WORK/test.csv" "$WORK/ev/confusion.csv" <<'PY' || fail "predictions differ from evaluate"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
conf = list(csv.reader(open(sys.argv[2])))
names = conf[0][1:]
counts = [[0] * len(names) for _ in names]
for r in rows:
    assert r["split"] == "test" and r["usable"] == "1" and r["modalities"] == "photometry", r
    counts[names.index(r["label"])][names.index(r["predicted"])] += 1
    p = [float(r["p_" + n]) for n in names]
    assert abs(sum(p) - 1) < 1e-4 and max(p) == float(r["probability"]), r
    assert names[p.index(max(p))] == r["predicted"]
expected = [[int(v) for v in row[1:]] for row in conf[1:1 + len(names)]]
assert counts == expected, (counts, expected)
PY

# One split in small blocks of file rows, sharded: the shards hold the split's objects only and
# join to the single-run file (a block may hold none of them).
for i in 0 1; do
  expect 0 "shard $i of 2" -- "$BIN" predict --checkpoint "$WORK/ph/best" --split test --block 7 \
    --out "$WORK/tb.h5" --shard "$i/2"
done
expect 0 "merged 2 shards .*30 objects" -- "$BIN" predict --merge --out "$WORK/tb.csv" \
  "$WORK"/tb.shard-*-of-00002.h5
# Shards of another --split do not join, even when the counts happen to agree.
expect 0 "shard 1 of 2" -- "$BIN" predict --checkpoint "$WORK/ph/best" --split val \
  --out "$WORK/vb.h5" --shard 1/2
expect 3 "the selected split \(--split\) differs" -- "$BIN" predict --merge --out "$WORK/vt.csv" \
  "$WORK/tb.shard-00000-of-00002.h5" "$WORK/vb.shard-00001-of-00002.h5"
$PY - "$WORK/test.csv" "$WORK/tb.csv" <<'PY' || fail "blocked, sharded predictions differ"
import csv, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:])
assert [r["id"] for r in a] == [r["id"] for r in b] and len(a) == 30
for x, y in zip(a, b):
    assert x["split"] == y["split"] == "test"
    assert all(abs(float(x[k]) - float(y[k])) < 1e-5 for k in x if k.startswith("p_")), (x, y)
PY

# Every object of the split set, unlabelled ones included; shards merge to the single-run file.
expect 0 "wrote .*: 320 objects" -- "$BIN" predict --checkpoint "$WORK/all/best" --out "$WORK/p.csv"
expect 0 "wrote" -- "$BIN" predict --checkpoint "$WORK/all/best" --out "$WORK/p.h5" --batch 7 --block 50
for i in 0 1 2; do
  expect 0 "shard $i of 3" -- "$BIN" predict --checkpoint "$WORK/all/best" --out "$WORK/sh.h5" --shard "$i/3"
done
expect 2 "writes HDF5 shards" -- "$BIN" predict --checkpoint "$WORK/all/best" --out "$WORK/bad.csv" \
  --shard 0/3
expect 0 "merged 3 shards .*320 objects" -- "$BIN" predict --merge --out "$WORK/m.csv" \
  "$WORK"/sh.shard-0000{2,0,1}-of-00003.h5
expect 0 "merged 3 shards .*320 objects" -- "$BIN" predict --merge --out "$WORK/m.h5" \
  "$WORK"/sh.shard-*-of-00003.h5
expect 2 "is one of the shards" -- "$BIN" predict --merge --out "$WORK/sh.shard-00000-of-00003.h5" \
  "$WORK"/sh.shard-*-of-00003.h5
expect 3 "missing shard\(s\) 1" -- "$BIN" predict --merge --out "$WORK/m2.h5" \
  "$WORK/sh.shard-00000-of-00003.h5" "$WORK/sh.shard-00002-of-00003.h5"
[[ ! -e "$WORK/m2.h5" ]] || fail "a refused merge left a file"
$PY - "$WORK" <<'PY' || fail "HDF5 predictions are wrong"
import csv, json, sys
import h5py, numpy as np
w = sys.argv[1]
with h5py.File(f"{w}/p.h5") as a, h5py.File(f"{w}/m.h5") as b, h5py.File(f"{w}/s.h5") as s:
    for k in ("ids", "split", "reason"):
        assert list(a[k].asstr()[:]) == list(b[k].asstr()[:]), k
    for k in ("label", "usable", "modalities_used/photometry"):
        assert np.array_equal(a[k][:], b[k][:]), k
    sure = a["margin"][:] > 1e-4
    assert np.array_equal(a["predicted"][:][sure], b["predicted"][:][sure])
    # Blocks of 50 and batches of 7 give the single-batch numbers (float rounding aside).
    assert np.allclose(a["probabilities"][:], b["probabilities"][:], atol=1e-5)
    assert a.attrs["format"] == "astrom3-predictions" and a.attrs["catalogue_objects"] == 320
    assert json.loads(a.attrs["modalities"]) == ["photometry", "spectra", "metadata"]
    manifest = json.load(open(f"{w}/all/best/manifest.json"))
    assert a.attrs["temperature"] == manifest["calibration"]["temperature"]
    split = a["split"].asstr()[:]
    assert (split == "unlabeled").sum() == 20 and (a["label"][:][split == "unlabeled"] == -1).all()
    ids = a["ids"].asstr()[:]
    assert list(ids) == list(s["objects/id"].asstr()[:]), "not every object listed once, in file order"
    labels = dict(zip(s["objects/id"].asstr()[:], s["objects/label"][:]))
    assert all(labels[i] == l for i, l in zip(ids, a["label"][:]))
    p = a["probabilities"][:]
    assert np.allclose(p.sum(1), 1, atol=1e-5) and (a["predicted"][:] == p.argmax(1)).all()
rows = list(csv.DictReader(open(f"{w}/p.csv")))
assert [r["id"] for r in rows] == list(ids)
PY

# Unknown classes: the detector is fitted with the calibration; its threshold keeps 95 % of the
# val objects (29 of 30); predict writes the score and the flag. The same survey with 40
# unseen-class objects added (the other objects, splits and statistics are unchanged) lets
# evaluate score the detection on them.
"$BIN" synth --out "$WORK/u.h5" --objects 300 --unlabeled 20 --unseen 40 --seed 5 2>/dev/null ||
  fail "synth --unseen failed"
[[ -f "$WORK/u.truth.csv" ]] || fail "synth --unseen wrote no truth file"
expect 0 "unknown classes: 30 known objects of this split vs 40 unseen-class objects; threshold" -- \
  "$BIN" evaluate --checkpoint "$WORK/ph/best" --data "$WORK/u.h5" --out "$WORK/ev-u"
expect 0 "wrote .*: 30 objects.*; [0-9]+ flagged unknown \(mahalanobis score above" -- "$BIN" predict \
  --checkpoint "$WORK/ph/best" --data "$WORK/u.h5" --split val --out "$WORK/val.h5"
expect 0 "classifying 40 objects of .*\(split set full_42, unseen\)" -- "$BIN" predict \
  --checkpoint "$WORK/all/best" --data "$WORK/u.h5" --split unseen --out "$WORK/unseen.csv"
# A --block larger than any file reads it in one block (no overflow past the last row).
expect 0 "wrote .*: 40 objects" -- "$BIN" predict --checkpoint "$WORK/all/best" --data "$WORK/u.h5" \
  --split unseen --block 9223372036854775807 --out "$WORK/unseen-one-block.csv"
$PY - "$WORK" <<'PY' || fail "unknown-class scores are wrong"
import csv, json, sys
import h5py, numpy as np
w = sys.argv[1]
for link in ("latest", "best"):
    detector = json.load(open(f"{w}/ph/{link}/manifest.json"))["open_set"]
    assert detector["score"] == "mahalanobis" and detector["threshold_objects"] == 30, detector
    assert detector["fit_objects"] == 240 and detector["known_recall"] == 0.95
    assert len(detector["means"]) == 10 and len(detector["precision"][0]) == 10
with h5py.File(f"{w}/val.h5") as f:
    score, flag = f["unknown_score"][:], f["unknown"][:]
    assert f.attrs["unknown_score_method"] == "mahalanobis"
    t = f.attrs["unknown_threshold"]
    assert t == detector["threshold"]
    assert np.array_equal(flag, (score > t).astype(np.uint8))
    # ceil(0.95 * 30) = 29 val objects at or below the threshold, halfway to the 30th.
    s = np.sort(score)
    assert (score <= t).sum() == 29 and np.isclose(t, (s[28] + s[29]) / 2), (score, t)
m = json.load(open(f"{w}/ev-u/metrics.json"))["open_set"]
assert m["score"] == "mahalanobis" and set(m["scores"]) == {"mahalanobis", "energy", "max_softmax"}
for name, q in m["scores"].items():
    assert q["known"] == 30 and q["unseen"] == 40 and 0 <= q["auroc"] <= 1, (name, q)
    assert 0 <= q["fpr_at_95"] <= 1
truth = {r["id"]: r for r in csv.DictReader(open(f"{w}/u.truth.csv"))}
rows = list(csv.DictReader(open(f"{w}/unseen.csv")))
assert len(rows) == 40 and all(r["split"] == "unseen" and r["label"] == "" for r in rows)
assert {truth[r["id"]]["true_label"] for r in rows} == {"DCEP", "T2CEP", "LSP", "YSO"}
assert all(r["unknown_score"] != "" and r["unknown"] in ("0", "1") for r in rows)
PY

# The README's "Classify your own stars": the example catalogue, two light curves removed.
cp -r "$SRC/data/examples/catalog" "$WORK/cat"
rm "$WORK/cat/lightcurves/STAR-003.csv" "$WORK/cat/lightcurves/STAR-013.csv"
expect 0 "wrote" -- "$BIN" prepare catalog --lightcurves "$WORK/cat/lightcurves" \
  --metadata "$WORK/cat/metadata.csv" --spectra "$WORK/cat/spectra" --labels "$WORK/cat/labels.csv" \
  --band V --missing-columns w4_mag --out "$WORK/my.h5"
expect 0 "wrote .*: 16 objects" -- "$BIN" predict --checkpoint "$WORK/all/best" --data "$WORK/my.h5" \
  --out "$WORK/my.csv"
expect 0 "2 without the classifier's modalities" -- "$BIN" predict --checkpoint "$WORK/ph/best" \
  --data "$WORK/my.h5" --out "$WORK/my-ph.csv"
$PY - "$WORK" <<'PY' || fail "objects lacking a modality are not predicted as documented"
import csv, sys
w = sys.argv[1]
fused = {r["id"]: r for r in csv.DictReader(open(f"{w}/my.csv"))}
photometry = {r["id"]: r for r in csv.DictReader(open(f"{w}/my-ph.csv"))}
assert len(fused) == len(photometry) == 16
# STAR-011..015 have no spectrum; STAR-003 and STAR-013 now no light curve.
assert fused["STAR-003"]["modalities"] == "spectra+metadata", fused["STAR-003"]
assert fused["STAR-013"]["modalities"] == "metadata", fused["STAR-013"]
assert fused["STAR-012"]["modalities"] == "photometry+metadata"
assert fused["STAR-000"]["modalities"] == "photometry+spectra+metadata"
assert all(r["usable"] == "1" and r["predicted"] for r in fused.values())
for i in ("STAR-003", "STAR-013"):
    r = photometry[i]
    assert r["usable"] == "0" and r["reason"] == "no photometry" and r["predicted"] == "", r
assert sum(r["usable"] == "1" for r in photometry.values()) == 14
assert {r["split"] for r in fused.values()} >= {"train", "unlabeled"}
assert fused["STAR-007"]["label"] == "" and fused["STAR-007"]["split"] == "unlabeled"
PY

# A catalogue without the checkpoint's split set (full_7, not full_42) is classified whole,
# with no split names; --split then has nothing to select from.
expect 0 "wrote" -- "$BIN" prepare catalog --lightcurves "$WORK/cat/lightcurves" \
  --metadata "$WORK/cat/metadata.csv" --labels "$WORK/cat/labels.csv" --split-seed 7 \
  --band V --missing-columns w4_mag --out "$WORK/seed7.h5"
expect 0 "classifying 16 objects of .*\(no split set full_42 in the file\)" -- "$BIN" predict \
  --checkpoint "$WORK/all/best" --data "$WORK/seed7.h5" --out "$WORK/seed7.csv"
$PY - "$WORK/seed7.csv" <<'PY' || fail "a catalogue without the split set is not classified whole"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 16 and all(r["split"] == "" and r["usable"] == "1" for r in rows), rows[:2]
PY
expect 3 "has no split set full_42" -- "$BIN" predict --checkpoint "$WORK/all/best" \
  --data "$WORK/seed7.h5" --split test --out "$WORK/bad.csv"

# Bad input: exit codes and no output left behind.
cp "$WORK/my.h5" "$WORK/copy.h5"
expect 2 "is the survey file itself" -- "$BIN" predict --checkpoint "$WORK/ph" --data "$WORK/copy.h5" \
  --out "$WORK/copy.h5"
expect 0 "valid astrom3 survey file" -- "$BIN" inspect "$WORK/copy.h5"
"$BIN" --threads 1 pretrain --config "$SRC/configs/quick/clip.json" "${D[@]}" --set train.epochs=1 \
  --out "$WORK/pre" >/dev/null 2>&1 || fail "pretrain failed"
expect 2 "\"clip\" checkpoint; predict needs a classifier" -- "$BIN" predict --checkpoint "$WORK/pre" \
  --out "$WORK/bad.csv"
expect 2 "split" -- "$BIN" predict --checkpoint "$WORK/ph" --split everything --out "$WORK/bad.csv"
expect 2 "must end in .csv, .h5 or .hdf5" -- "$BIN" predict --checkpoint "$WORK/ph" --out "$WORK/bad.txt"
expect 3 "none.h5: no such file" -- "$BIN" predict --checkpoint "$WORK/ph" --data "$WORK/none.h5" \
  --out "$WORK/bad.csv"
expect 0 "wrote" -- "$BIN" prepare catalog --lightcurves "$WORK/cat/lightcurves" \
  --metadata "$WORK/cat/metadata.csv" --labels "$WORK/cat/labels.csv" --classes EW,SR,EB,RRAB \
  --band V --missing-columns w4_mag --out "$WORK/four.h5"
expect 3 "has the classes \[EW,SR,EB,RRAB\], but .* was trained on \[DSCT" -- "$BIN" predict \
  --checkpoint "$WORK/ph" --data "$WORK/four.h5" --out "$WORK/bad.csv"
expect 2 "exclude each other" -- env WORLD_SIZE=2 RANK=0 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 \
  MASTER_PORT=29555 "$BIN" predict --checkpoint "$WORK/ph" --out "$WORK/bad.csv" --shard 0/2
expect 2 "takes no --checkpoint" -- "$BIN" predict --merge --checkpoint "$WORK/ph" --out "$WORK/bad.csv" \
  "$WORK/m.csv"
ls "$WORK" | grep -q "^bad" && fail "a failed predict left an output file: $(ls "$WORK" | grep '^bad')"

finish predict_test
