#!/usr/bin/env bash
# End-to-end checks of astrom3 finetune / evaluate / embed and scripts/reproduce_table.sh:
# CLIP initialisation, the leakage guard, resume, metric files, deterministic embeddings read
# back with Debian's python3-h5py, and the structure of a tiny table run.
# Usage: finetune_test.sh PATH/TO/astrom3 SOURCE_DIR
set -u
BIN="$1"
SRC="$2"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

"$BIN" synth --out "$WORK/s.h5" --objects 300 --seed 5 2>/dev/null || fail "synth failed"
D=(--set "data.path=$WORK/s.h5" --set loader.batch_size=60)
"$BIN" --threads 1 pretrain --config "$SRC/configs/quick/clip.json" "${D[@]}" --set train.epochs=2 \
  --out "$WORK/pre" 2>/dev/null || fail "pretrain failed"
FT=(--config "$SRC/configs/quick/finetune-photometry-sub50-clip.json" "${D[@]}" --set train.epochs=2)

# Leakage guard: pre-trained on full_42, fine-tuned on seed 66.
expect 2 "data leakage" -- "$BIN" finetune "${FT[@]}" --set data.split_set=sub50_66 \
  --init "$WORK/pre" --out "$WORK/leak"
[[ ! -e "$WORK/leak/latest" ]] || fail "refused fine-tuning still trained"
expect 0 "data leakage" -- "$BIN" --threads 1 finetune "${FT[@]}" --set data.split_set=sub50_66 \
  --set train.epochs=1 --init "$WORK/pre" --allow-split-mismatch --out "$WORK/leak-ok"
expect 2 "finetune --init needs a clip checkpoint" -- "$BIN" finetune "${FT[@]}" --init "$WORK/leak-ok" --out "$WORK/x"

# A checkpoint records data.path as given, here relative to the directory training ran in:
# elsewhere the error names where the path came from, and --data is the way out.
(cd "$WORK" && "$BIN" --threads 1 pretrain --config "$SRC/configs/quick/clip.json" \
  --set data.path=s.h5 --set loader.batch_size=60 --set train.epochs=1 --out rel 2>/dev/null) ||
  fail "pretrain with a relative data.path failed"
expect 3 "s.h5: no such file \(the survey .* was trained on.*pass --data FILE" -- \
  "$BIN" embed --checkpoint "$WORK/rel" --out "$WORK/rel.h5"
expect 0 "wrote" -- "$BIN" embed --checkpoint "$WORK/rel" --data "$WORK/s.h5" --out "$WORK/rel.h5"

# Fine-tune from CLIP, resume for one more epoch, evaluate.
expect 0 "initialised [0-9]+ tensors" -- "$BIN" --threads 1 finetune "${FT[@]}" --init "$WORK/pre/best" \
  --out "$WORK/ft"
expect 0 "resuming" -- "$BIN" --threads 1 finetune --resume "$WORK/ft" --set train.epochs=3
expect 0 "balanced accuracy" -- "$BIN" evaluate --checkpoint "$WORK/ft/best" --out "$WORK/ev"
$PY - "$WORK/ev" "$WORK/ft" <<'PY' || fail "classifier evaluation outputs are wrong"
import csv, json, sys
m = json.load(open(sys.argv[1] + "/metrics.json"))
rows = list(csv.reader(open(sys.argv[1] + "/confusion.csv")))
names = rows[0][1:]
assert names == m["class_names"] and len(names) == 10, names
counts = [[int(v) for v in r[1:]] for r in rows[1:11]]
total = sum(map(sum, counts))
assert total == m["objects"] > 0
assert abs(sum(counts[i][i] for i in range(10)) / total - m["accuracy"]) < 1e-12
assert m["split"] == "test" and m["kind"] == "classifier" and m["split_set"] == "sub50_42"
man = json.load(open(sys.argv[2] + "/latest/manifest.json"))
assert man["init"]["split_set"] == "full_42", man["init"]
assert man["training_state"]["epoch"] == 3
PY

# One scaler from pre-training to fine-tuning: a run from CLIP scales its inputs with the CLIP
# checkpoint's statistics (full_42 train), not with sub50_42's; finetune.normalization=split
# selects the subset's own; evaluate uses what the checkpoint records.
expect 0 "normalization statistics of split set sub50_42" -- "$BIN" --threads 1 finetune "${FT[@]}" \
  --set train.epochs=1 --set finetune.normalization=split --init "$WORK/pre/best" --out "$WORK/ft-split"
$PY - "$WORK" "$WORK/s.h5" <<'PY' || fail "fine-tuning does not keep the CLIP checkpoint's normalization"
import json, sys
import h5py, numpy as np
w = sys.argv[1]
pre = json.load(open(w + "/pre/best/manifest.json"))["normalization"]
ft = json.load(open(w + "/ft/best/manifest.json"))["normalization"]
split = json.load(open(w + "/ft-split/best/manifest.json"))["normalization"]
with h5py.File(sys.argv[2]) as f:
    sub50 = f["splits/sub50_42/normalization/mean"][:]
    full = f["splits/full_42/normalization/mean"][:]
assert np.allclose(pre["mean"], full) and not np.allclose(sub50, full)
assert ft["mean"] == pre["mean"] and ft["std"] == pre["std"], "CLIP statistics not used"
assert ft["source"].startswith("checkpoint " + w + "/pre/checkpoints/"), ft["source"]
assert np.allclose(split["mean"], sub50) and split["source"] == "split set sub50_42", split["source"]
m = json.load(open(w + "/ev/metrics.json"))
assert m["normalization"].startswith("checkpoint " + w + "/ft/checkpoints/"), m["normalization"]
PY

# A fused classifier (concat heads, modality dropout) evaluated with each modality removed: one
# row per removed modality, and removing nothing reproduces the plain evaluation.
expect 0 "initialised" -- "$BIN" --threads 1 finetune --config "$SRC/configs/quick/finetune-all-sub50-clip.json" \
  "${D[@]}" --set train.epochs=1 --set finetune.fusion=concat --set finetune.modality_dropout=0.3 \
  --init "$WORK/pre/best" --out "$WORK/all"
expect 0 "without metadata:" -- "$BIN" evaluate --checkpoint "$WORK/all/best" \
  --drop-modality spectra,metadata --out "$WORK/ev-all"
expect 0 "balanced accuracy" -- "$BIN" evaluate --checkpoint "$WORK/all/best" --out "$WORK/ev-all-plain"
$PY - "$WORK/ev-all" "$WORK/ev-all-plain" <<'PY' || fail "evaluate --drop-modality outputs are wrong"
import json, os, sys
m, plain = (json.load(open(d + "/metrics.json")) for d in sys.argv[1:3])
assert sorted(m["drop_modality"]) == ["metadata", "spectra"], m.get("drop_modality")
for k in ("accuracy", "macro_f1", "objects"):
    assert m[k] == plain[k], k
for name, d in m["drop_modality"].items():
    assert d["objects"] == m["objects"] and d["not_scored"] == 0, name  # photometry stays
    assert os.path.exists(sys.argv[1] + "/confusion-no-%s.csv" % name), name
PY
expect 2 "needs a fused classifier" -- "$BIN" evaluate --checkpoint "$WORK/ft/best" \
  --drop-modality spectra --out "$WORK/ev-x"
expect 2 "clip\" checkpoint; --drop-modality needs a classifier checkpoint" -- "$BIN" evaluate \
  --checkpoint "$WORK/pre" --drop-modality spectra --out "$WORK/ev-x"
[[ ! -e "$WORK/ev-x" ]] || fail "a refused --drop-modality created its output directory"

# CLIP checkpoint: retrieval and frozen-embedding probes.
expect 0 "retrieval p->s .*top-5" -- "$BIN" evaluate --checkpoint "$WORK/pre" --split val --out "$WORK/ev-clip"
$PY - "$WORK/ev-clip/metrics.json" <<'PY' || fail "clip evaluation outputs are wrong"
import json, sys
m = json.load(open(sys.argv[1]))
assert sorted(m["retrieval"]) == ["m->p", "m->s", "p->m", "p->s", "s->m", "s->p"], m["retrieval"]
for r in m["retrieval"].values():
    assert 0 <= r["top1"] <= r["top5"] <= 1 and r["median_rank"] >= 1 and 0 < r["queries"] <= 30
assert sorted(m["frozen_embedding_classification"]) == ["knn_10", "logistic_regression", "nearest_centroid"]
PY

# --config/--set/--dump-config on a checkpoint's configuration: runtime, loader, data.path and
# data.split_set may change; what the checkpoint fixes, or another command's key, is refused
# before anything is written. --dump-config needs no --out.
expect 0 '"batch_size": 7,?$' -- "$BIN" evaluate --checkpoint "$WORK/pre" --set loader.batch_size=7 \
  --dump-config
expect 0 '"threads": 1,?$' -- "$BIN" predict --checkpoint "$WORK/ft/best" --set runtime.threads=1 \
  --dump-config
expect 2 "evaluate: model.embedding_dim is fixed by the checkpoint .*only runtime" -- "$BIN" \
  evaluate --checkpoint "$WORK/pre" --set model.embedding_dim=8 --out "$WORK/ev-y"
expect 2 "embed: search.k does not apply to embed" -- "$BIN" embed --checkpoint "$WORK/pre" \
  --set search.k=3 --out "$WORK/e-y.h5"
expect 2 "predict: finetune.mode is fixed by the checkpoint" -- "$BIN" predict \
  --checkpoint "$WORK/ft/best" --set finetune.mode=spectra --out "$WORK/p-y.csv"
expect 2 "embed: --out is required" -- "$BIN" embed --checkpoint "$WORK/pre"
checks=$((checks + 1))
[[ ! -e "$WORK/ev-y" && ! -e "$WORK/e-y.h5" && ! -e "$WORK/p-y.csv" ]] ||
  fail "a refused --set left an output behind"
# Another batch size gives the same embeddings up to the last bits of float sums.
expect 0 "wrote" -- "$BIN" embed --checkpoint "$WORK/pre" --set loader.batch_size=17 \
  --out "$WORK/e-b17.h5"

# Embeddings: deterministic bytes, readable with h5py.
expect 0 "wrote" -- "$BIN" embed --checkpoint "$WORK/pre" --out "$WORK/e1.h5"
expect 0 "wrote" -- "$BIN" embed --checkpoint "$WORK/pre" --out "$WORK/e2.h5"
checks=$((checks + 1))
cmp -s "$WORK/e1.h5" "$WORK/e2.h5" || fail "embedding the same data twice gave different files"
expect 0 "" -- "$BIN" embed --checkpoint "$WORK/pre" --split val --out "$WORK/ev.h5"
$PY - "$WORK/e1.h5" "$WORK/ev.h5" "$WORK/e-b17.h5" <<'PY' || fail "embedding file content is wrong"
import json, sys
import h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f, h5py.File(sys.argv[3], "r") as g:
    for m in ["photometry", "spectra", "metadata", "fused"]:
        assert np.allclose(f["embeddings/" + m][:], g["embeddings/" + m][:], atol=1e-5), m
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["format"] == "astrom3-embeddings"
    mods = json.loads(f.attrs["modalities"])
    assert mods == ["photometry", "spectra", "metadata"]
    n = len(f["ids"])
    assert n == 300 and len(set(f["ids"].asstr()[:])) == 300
    split = list(f["split"].asstr()[:])
    assert split.count("train") == 240 and split.count("val") == 30 and split.count("test") == 30
    e = {m: f["embeddings/" + m][:] for m in mods}
    for m in mods:
        assert e[m].shape == (300, 128)
        assert np.allclose(np.linalg.norm(e[m], axis=1), 1, atol=1e-5)
    present = np.stack([f["present/" + m][:] for m in mods], 1).astype(bool)
    fused = sum(e[m] * present[:, i:i + 1] for i, m in enumerate(mods)) / present.sum(1, keepdims=True)
    assert np.allclose(f["embeddings/fused"][:], fused, atol=1e-6)
    labels = f["labels"][:]
    assert labels.min() >= 0 and labels.max() <= 9
    val_ids = list(f["ids"].asstr()[:][np.array(split) == "val"])
    val_fused = f["embeddings/fused"][:][np.array(split) == "val"]
with h5py.File(sys.argv[2], "r") as g:
    assert list(g["ids"].asstr()[:]) == val_ids
    assert np.array_equal(g["embeddings/fused"][:], val_fused)
PY
# bf16 mixed precision: embed and evaluate compute in bf16 on request, the vectors stay unit
# float32 close to fp32's (and differ from them: bf16 ran); any other precision is refused.
expect 0 "wrote" -- "$BIN" embed --checkpoint "$WORK/pre" --precision bf16 --out "$WORK/e-bf16.h5"
expect 2 "--precision: .*fp16" -- "$BIN" embed --checkpoint "$WORK/pre" --precision fp16 \
  --out "$WORK/e-fp16.h5"
expect 0 "balanced accuracy" -- "$BIN" evaluate --checkpoint "$WORK/ft/best" --precision bf16 \
  --out "$WORK/ev-bf16"
$PY - "$WORK/e1.h5" "$WORK/e-bf16.h5" "$WORK/ev" "$WORK/ev-bf16" <<'PY' || fail "bf16 inference is wrong"
import json, sys
import h5py, numpy as np
with h5py.File(sys.argv[1]) as f, h5py.File(sys.argv[2]) as g:
    assert list(f["ids"].asstr()[:]) == list(g["ids"].asstr()[:])
    assert f.attrs["precision"] == "fp32" and g.attrs["precision"] == "bf16"
    for m in ["photometry", "spectra", "metadata", "fused"]:
        a, b = f["embeddings/" + m][:], g["embeddings/" + m][:]
        assert b.dtype == np.float32, b.dtype
        diff = np.abs(a - b).max()
        assert 1e-5 < diff < 0.02, (m, diff)
    for m in ["photometry", "spectra", "metadata"]:
        assert np.allclose(np.linalg.norm(g["embeddings/" + m][:], axis=1), 1, atol=1e-5)
fp32 = json.load(open(sys.argv[3] + "/metrics.json"))
bf16 = json.load(open(sys.argv[4] + "/metrics.json"))
assert fp32["precision"] == "fp32" and bf16["precision"] == "bf16"
assert bf16["objects"] == fp32["objects"]
# 30 test objects: bf16 may move an object near a class boundary, not more than two.
assert abs(bf16["accuracy"] - fp32["accuracy"]) * fp32["objects"] <= 2 + 1e-9, (fp32, bf16)
PY
[[ ! -e "$WORK/e-fp16.h5" ]] || fail "a refused --precision left an output behind"

# search: neighbour lists against a numpy brute force, across modalities, contrast, errors.
first=$($PY -c "import h5py; print(h5py.File('$WORK/e1.h5')['ids'].asstr()[0])")
expect 0 "^query_id,query_label,query_split,rank,neighbour_id" -- \
  "$BIN" search --embeddings "$WORK/e1.h5" --query "$first" --modality photometry --k 5
expect 0 "wrote" -- "$BIN" search -e "$WORK/e1.h5" --all --k 4 --out "$WORK/nn.h5"
expect 0 "wrote" -- "$BIN" search -e "$WORK/e1.h5" --all --k 3 --modality photometry \
  --against spectra --contrast metadata --candidates train --out "$WORK/nn.csv"
$PY - "$WORK/e1.h5" "$WORK/nn.h5" "$WORK/nn.csv" <<'PY' || fail "search outputs are wrong"
import csv, sys
import h5py, numpy as np
with h5py.File(sys.argv[1]) as f:
    fused = f["embeddings/fused"][:].astype(np.float64)
    p, s, m = (f["embeddings/" + k][:].astype(np.float64) for k in ("photometry", "spectra", "metadata"))
    split = f["split"].asstr()[:]
    ids = f["ids"].asstr()[:]
with h5py.File(sys.argv[2]) as g:
    assert g.attrs["format"] == "astrom3-neighbours" and g.attrs["k"] == 4
    rows, sim = g["neighbour_rows"][:], g["similarity"][:]
fn = fused / np.linalg.norm(fused, axis=1, keepdims=True)
full = fn @ fn.T
np.fill_diagonal(full, -np.inf)
want = np.argsort(-full, axis=1, kind="stable")[:, :4]
assert rows.shape == (300, 4)
assert (rows == want).mean() > 0.99, (rows != want).sum()  # float32 vs float64 near-ties
assert np.allclose(sim, np.take_along_axis(full, rows, 1), atol=1e-5)
lines = list(csv.DictReader(open(sys.argv[3])))
assert len(lines) == 300 * 3 and set(lines[0]) >= {"contrast_similarity", "similarity", "rank"}
cross = p @ s.T
for line in lines[:30]:
    q, n = np.where(ids == line["query_id"])[0][0], np.where(ids == line["neighbour_id"])[0][0]
    assert split[n] == "train"
    assert abs(float(line["similarity"]) - cross[q, n]) < 1e-5
    assert abs(float(line["contrast_similarity"]) - m[q] @ m[n]) < 1e-5
PY
# The inverted-file index probing every cell is exact search.
expect 0 "ivf index: 4 cells, 4 probed" -- "$BIN" search -e "$WORK/e1.h5" --all --k 4 --index ivf \
  --lists 4 --probes 4 --out "$WORK/nn-ivf.h5"
$PY - "$WORK/nn.h5" "$WORK/nn-ivf.h5" <<'PY' || fail "ivf search with every cell probed is not exact"
import sys
import h5py, numpy as np
a, b = (h5py.File(p)["neighbour_rows"][:] for p in sys.argv[1:3])
assert a.shape == b.shape and (a == b).mean() > 0.99, (a != b).sum()
PY
# misclassified with the fine-tuned classifier: its predictions joined by id reproduce the
# confusion matrix that evaluate wrote for the classifier's own test split.
expect 0 "methods disagreeing \(of 7\)" -- "$BIN" misclassified -e "$WORK/e1.h5" \
  --checkpoint "$WORK/ft/best" --out "$WORK/mis.csv"
$PY - "$WORK/mis.csv" "$WORK/ev/confusion.csv" "$WORK/s.h5" <<'PY' || fail "misclassified --checkpoint is wrong"
import csv, sys
import h5py
rows = list(csv.DictReader(open(sys.argv[1])))
conf = list(csv.reader(open(sys.argv[2])))
names = conf[0][1:]
want = {(names[i], names[j]): int(v) for i, r in enumerate(conf[1:11]) for j, v in enumerate(r[1:])}
with h5py.File(sys.argv[3]) as f:
    ids = f["objects/id"].asstr()[:]
    test = {ids[r] for r in f["splits/sub50_42/test"][:]}
got = {}
for r in rows:
    if r["classifier_prediction"]:
        p, lp = float(r["classifier_probability"]), float(r["classifier_label_probability"])
        assert 0 <= lp <= p <= 1, r
        assert (r["classifier_prediction"] == r["label"]) == (lp == p), r
    if r["id"] in test:
        assert r["classifier_prediction"], r
        key = (r["label"], r["classifier_prediction"])
        got[key] = got.get(key, 0) + 1
assert {k: v for k, v in want.items() if v} == got, (want, got)
PY
# The search and index sections drive search as the flags do: the same neighbours from a
# config file, and other ones from the defaults (fused space, k = 10).
echo '{"search": {"modality": "photometry", "k": 5}, "index": {"kind": "exact"}}' > "$WORK/search.json"
"$BIN" search -e "$WORK/e1.h5" --query "$first" --config "$WORK/search.json" > "$WORK/nn-config.csv" 2>/dev/null
"$BIN" search -e "$WORK/e1.h5" --query "$first" --modality photometry --k 5 > "$WORK/nn-flags.csv" 2>/dev/null
"$BIN" search -e "$WORK/e1.h5" --query "$first" > "$WORK/nn-default.csv" 2>/dev/null
checks=$((checks + 1))
if ! cmp -s "$WORK/nn-config.csv" "$WORK/nn-flags.csv" || [[ $(wc -l < "$WORK/nn-config.csv") -ne 6 ]] ||
  [[ $(wc -l < "$WORK/nn-default.csv") -ne 11 ]]; then
  fail "search --config did not give the neighbours of the same flags"
fi
expect 2 "needs a classifier checkpoint" -- "$BIN" misclassified -e "$WORK/e1.h5" \
  --checkpoint "$WORK/pre"
expect 3 "no object with id 'nope'" -- "$BIN" search -e "$WORK/e1.h5" --query nope
expect 2 "modality 'colour' is not in" -- "$BIN" search -e "$WORK/e1.h5" --query "$first" --modality colour
expect 2 "needs --out" -- "$BIN" search -e "$WORK/e1.h5" --all
# map refuses a class smaller than --clusters before writing anything.
expect 3 "fewer than --clusters 40" -- "$BIN" map -e "$WORK/e1.h5" --cluster-class M --clusters 40 \
  --out "$WORK/map-bad"
checks=$((checks + 1))
[[ ! -e "$WORK/map-bad" ]] || fail "a refused map left $WORK/map-bad behind"
# Plots: PNG files from the evaluation, the training log and the embeddings.
expect 0 "wrote .*confusion.png" -- $PY "$SRC/scripts/plot.py" confusion "$WORK/ev"
expect 0 "wrote .*curves.png" -- $PY "$SRC/scripts/plot.py" curves "$WORK/pre"
expect 0 "wrote .*e1-map.png" -- $PY "$SRC/scripts/plot.py" map "$WORK/e1.h5"
for png in "$WORK/ev/confusion.png" "$WORK/pre/curves.png" "$WORK/e1-map.png"; do
  checks=$((checks + 1))
  [[ "$(head -c 8 "$png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" == "89504e470d0a1a0a" ]] ||
    fail "$png is not a PNG file"
done
expect 2 "needs a clip checkpoint" -- "$BIN" embed --checkpoint "$WORK/ft" --out "$WORK/bad.h5"

# sub10 of the 300-object survey has no val or test objects: a warning and empty metrics.
"$BIN" --threads 1 finetune --config "$SRC/configs/quick/finetune-metadata-sub10.json" "${D[@]}" \
  --set loader.batch_size=8 --set train.epochs=1 --out "$WORK/ft10" 2>/dev/null || fail "sub10 fine-tuning failed"
expect 0 "test split of split set sub10_42 .* has no objects" -- "$BIN" evaluate \
  --checkpoint "$WORK/ft10" --out "$WORK/empty"
$PY -c "import json,sys; m=json.load(open(sys.argv[1])); assert m['objects'] == 0 and m['accuracy'] == 0" \
  "$WORK/empty/metrics.json" || fail "empty evaluation wrote wrong metrics"
# Scored on another split set: full_42's test split is held out from sub10_42's training (the
# subsets nest), full_0's is not; objects.csv lists every scored object.
expect 0 "none of its val or test objects is in the train split of sub10_42" -- \
  "$BIN" evaluate --checkpoint "$WORK/ft10" --set data.split_set=full_42 --out "$WORK/ft10-full"
checks=$((checks + 1))
[[ $(($(wc -l < "$WORK/ft10-full/objects.csv") - 1)) -eq \
   $($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['objects'])" "$WORK/ft10-full/metrics.json") ]] ||
  fail "objects.csv does not list every scored object"
expect 0 "[0-9]+ val/test objects of split set full_0 are in the train split of sub10_42" -- \
  "$BIN" evaluate --checkpoint "$WORK/ft10" --set data.split_set=full_0 --out "$WORK/ft10-full0"

# A tiny table run: one seed, one epoch per run, the full grid (600 objects, so that sub10 has
# val and test objects).
"$BIN" synth --out "$WORK/t.h5" --objects 600 --seed 6 2>/dev/null || fail "synth failed"
checks=$((checks + 1))
if ASTROM3_BIN="$BIN" "$SRC/scripts/reproduce_table.sh" --quick --seeds 42 --data "$WORK/t.h5" \
     --out "$WORK/table/runs" --set train.epochs=1 --set loader.batch_size=16 \
     --set runtime.threads=1 > "$WORK/table.log" 2>&1; then
  $PY - "$WORK/table/paper_table.md" <<'PY' || fail "paper_table.md has the wrong structure"
import re
import sys
text = open(sys.argv[1]).read()
main, effects = text.split("## Effects")
clip_gain, fusion = effects.split("### Fusion")
fusion, spread = fusion.split("### Seed-to-seed spread")
rows = [l for l in main.splitlines() if l.startswith("| ") and not l.startswith("| modality")]
modes = [r.split("|")[1].strip() for r in rows]
# The four modalities, then the fused classifier without each modality (evaluate
# --drop-modality), every label fraction each.
ablation = ["all without metadata", "all without photometry", "all without spectra"]
want = ["photometry", "spectra", "metadata", "all"] + ablation
assert modes == [m for m in want for _ in range(4)], modes
interval = re.compile(r"^\d+\.\d\d ± 0\.00 \[(\d+\.\d), (\d+\.\d)\]$")  # one seed
for r in rows:
    cells = [c.strip() for c in r.split("|")[1:-1]]
    assert len(cells) == 10, cells
    if cells[2] == "0":  # a subset of the tiny survey without test objects
        assert cells[3] == cells[4] == cells[5] == "–", cells
        continue
    assert int(cells[2].split("/")[0]) > 0, cells  # test objects
    for c in cells[3:5]:
        m = interval.match(c)
        assert m and float(m.group(1)) <= float(c.split()[0]) <= float(m.group(2)), c
    float(cells[5])
gains = [l for l in clip_gain.splitlines() if l.startswith("| ") and not l.startswith("| modality")]
assert [g.split("|")[1].strip() for g in gains] == want[:4], gains
for g in gains:
    cells = [c.strip() for c in g.split("|")[2:-1]]
    assert cells[0].endswith("(1 seed)"), cells  # full labels always have test objects
    for c in cells:
        # Paired: evaluate wrote objects.csv for both runs; "–" for empty test splits.
        assert c == "–" or (c.endswith("(1 seed)") and "unpaired" not in c), c
fused = [l for l in fusion.splitlines() if l.startswith("| ") and not l.startswith("| labels")]
assert [r.split("|")[1].strip() for r in fused] == ["100%", "50%", "25%", "10%"], fused
for r in fused:
    cells = [c.strip() for c in r.split("|")[1:-1]]
    if cells[0] != "100%" and cells[1:] == ["–"] * 4:
        continue  # a subset of the tiny survey without test objects
    assert cells[1] in ("photometry", "spectra", "metadata") and cells[2].endswith("(1 seed)"), cells
    assert cells[4].endswith("(1 seed)"), cells
assert "84.64 ± 6.32" in rows[0] and "91.47 ± 0.45" in rows[0]
PY
  # One line per invocation, rewritten as each run starts (not one per run); a rerun of the
  # finished grid adds its own, and the header sums both.
  checks=$((checks + 1))
  ASTROM3_BIN="$BIN" "$SRC/scripts/reproduce_table.sh" --quick --seeds 42 --data "$WORK/t.h5" \
    --out "$WORK/table/runs" > "$WORK/table2.log" 2>&1 || fail "rerun of a finished table failed"
  $PY - "$WORK/table/runs/invocations.log" "$WORK/table/paper_table.md" <<'PY' ||
import re
import sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
pattern = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (\d+) s: .*reproduce_table\.sh --quick")
seconds = [int(pattern.match(l).group(1)) for l in lines]
assert seconds[0] > 0, lines  # the first one trained the grid
assert "Wall time: %d s" % sum(seconds) in open(sys.argv[2]).read()
assert "over 2 invocations" in open(sys.argv[2]).read()
PY
    fail "invocations.log or the table's wall time is wrong: $(cat "$WORK/table/runs/invocations.log")"
else
  fail "reproduce_table.sh failed:"$'\n'"$(tail -20 "$WORK/table.log")"
fi

finish finetune
