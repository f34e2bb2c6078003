#!/usr/bin/env bash
# End-to-end checks of `astrom3 prepare` and `astrom3 synth --raw-layout`: the raw-layout round
# trip field by field (read back with h5py, independently of the C++ reader), the import report,
# the README's "use your own data" command, exit codes on bad input, and
# scripts/export_from_datasets.py.
# Usage: prepare_test.sh PATH/TO/astrom3 SOURCE_DIR
set -u
BIN="$1"
SRC="$2"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

# synth direct and in the raw layout, then prepare: the same survey.
expect 0 "raw layout" -- "$BIN" synth --objects 180 --unlabeled 12 --unseen 8 --seed 9 \
  --out "$WORK/direct.h5" --raw-layout "$WORK/raw"
for f in photometry.zip splits/full/42/train.csv splits/sub10/123/info.json splits/full/42/unlabeled.csv \
  splits/sub10/0/unseen.csv; do
  [[ -f "$WORK/raw/$f" ]] || fail "raw layout lacks $f"
done
expect 2 "exists and is not empty" -- "$BIN" synth --objects 10 --raw-layout "$WORK/raw"
# Built aside and renamed into place, also when the directory is given with a trailing slash.
expect 0 "raw layout" -- "$BIN" synth --objects 10 --raw-layout "$WORK/small/"
[[ -f "$WORK/small/photometry.zip" && ! -e "$WORK/small.partial" ]] || fail "raw layout not renamed into place"
# Planted cases with only a raw layout: the truth goes into its directory, which still imports.
expect 0 "truth in .*rawonly/truth.csv" -- "$BIN" synth --objects 30 --unseen 5 --seed 3 \
  --raw-layout "$WORK/rawonly"
[[ $(wc -l < "$WORK/rawonly/truth.csv") -eq 36 ]] || fail "truth.csv lacks objects"
expect 0 "35 objects seen: 35 imported" -- "$BIN" prepare astrom3 --root "$WORK/rawonly" \
  --out "$WORK/rawonly.h5"
expect 0 "200 objects seen: 200 imported \(0 partial\), 0 rejected" -- \
  "$BIN" --threads 2 prepare astrom3 --root "$WORK/raw" --out "$WORK/prepared.h5"
expect 0 "valid astrom3 survey file" -- "$BIN" inspect "$WORK/prepared.h5"
[[ -f "$WORK/prepared.import-report.json" ]] || fail "no import report next to the output"
$PY - "$WORK/direct.h5" "$WORK/prepared.h5" "$WORK/prepared.import-report.json" <<'PY' || fail "round trip differs"
import json, sys
import h5py, numpy as np
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
other = []
b.visititems(lambda n, o: other.append(n) if isinstance(o, h5py.Dataset) else None)
assert sorted(names) == sorted(other), set(names) ^ set(other)
for n in names:
    x, y = a[n][()], b[n][()]
    assert x.dtype == y.dtype and np.array_equal(x, y), n
for attr in ("class_names", "modalities", "format_version"):
    assert a.attrs[attr] == b.attrs[attr], attr
prov = json.loads(b.attrs["provenance"])
assert prov["source"] == "MeriDK/AstroM3Dataset raw layout", prov
r = json.load(open(sys.argv[3]))
assert r["summary"]["imported"] == 200 and r["rejected"] == [] and r["partial"] == [], r["summary"]
print(f"{len(names)} datasets identical")
PY

# scripts/download_astrom3.sh's offline summary of a raw layout (the download itself needs a
# network and is not run here).
expect 0 "photometry.zip: [0-9]+ bytes, sha256 [0-9a-f]{64}" -- bash "$SRC/scripts/download_astrom3.sh" --summarize "$WORK/raw"
(cd "$WORK/raw" && sha256sum -c --quiet astrom3-download.sha256) || fail "checksum list does not verify"
expect 0 "spectra/: 200 files" -- bash "$SRC/scripts/download_astrom3.sh" --summarize "$WORK/raw"
expect 2 "method must be hf or git" -- bash "$SRC/scripts/download_astrom3.sh" "$WORK/dl" ftp

# --hjd-float32 quantises times to 0.25 d.
expect 0 "imported" -- "$BIN" prepare astrom3 --root "$WORK/raw" --out "$WORK/f32.h5" --hjd-float32
$PY -c "
import h5py, numpy as np, sys
t = h5py.File('$WORK/f32.h5')['photometry/time'][:]
assert np.all(np.mod(t * 4, 1) == 0) and np.array_equal(t, t.astype(np.float32).astype(np.float64))
" || fail "--hjd-float32 did not round HJD to float32"

# Bad input: exit code 3 with the file named; a broken object is reported, not fatal.
expect 3 "no splits/ directory" -- "$BIN" prepare astrom3 --root "$WORK" --out "$WORK/x.h5"
expect 3 "not a directory" -- "$BIN" prepare astrom3 --root "$WORK/none" --out "$WORK/x.h5"
cp -r "$WORK/raw" "$WORK/raw2"
printf 'broken\n' > "$WORK/raw2/spectra/$(ls "$WORK/raw2/spectra" | head -1)/$(ls "$WORK/raw2/spectra/$(ls "$WORK/raw2/spectra" | head -1)" | head -1)"
expect 0 "199 imported \(0 partial\), 1 rejected" -- \
  "$BIN" prepare astrom3 --root "$WORK/raw2" --out "$WORK/b.h5"
expect 0 "rejected SYN-.*not a readable FITS file" -- \
  "$BIN" prepare astrom3 --root "$WORK/raw2" --out "$WORK/b.h5"

# The README's own-data example, as written there (run from the repository root).
(
  cd "$SRC" && expect 0 "16 objects seen: 16 imported \(5 partial\), 0 rejected" -- \
    "$BIN" prepare catalog --lightcurves data/examples/catalog/lightcurves \
    --metadata data/examples/catalog/metadata.csv --spectra data/examples/catalog/spectra \
    --labels data/examples/catalog/labels.csv --band V --missing-columns w4_mag \
    --out "$WORK/my_survey.h5"
  [[ $failures -eq 0 ]]
) || fail "README own-data example"
expect 0 "valid astrom3 survey file" -- "$BIN" inspect "$WORK/my_survey.h5"
expect 3 "missing catalogue column\(s\) w4_mag" -- \
  "$BIN" prepare catalog --lightcurves "$SRC/data/examples/catalog/lightcurves" \
  --metadata "$SRC/data/examples/catalog/metadata.csv" --out "$WORK/y.h5"
expect 0 "rejected STAR-001: .*several bands \(V, g\): choose one with --band" -- \
  "$BIN" prepare catalog --lightcurves "$SRC/data/examples/catalog/lightcurves" \
  --metadata "$SRC/data/examples/catalog/metadata.csv" --allow-missing-columns --out "$WORK/y.h5"
expect 2 "" -- "$BIN" prepare catalog --metadata x.csv --out y.h5

# A catalogue of nothing but periods (no metadata modality): the period column is still
# normalised, with statistics over the train and unlabeled objects that have photometry (numpy
# reference).
$PY -c "
import csv
rows = list(csv.DictReader(open('$SRC/data/examples/catalog/metadata.csv')))
with open('$WORK/periods.csv', 'w') as f:
    f.write('id,period\\n' + ''.join('%s,%s\\n' % (r['id'], r['period']) for r in rows))
"
expect 0 "imported" -- "$BIN" prepare catalog --lightcurves "$SRC/data/examples/catalog/lightcurves" \
  --metadata "$WORK/periods.csv" --labels "$SRC/data/examples/catalog/labels.csv" --band V \
  --allow-missing-columns --out "$WORK/periods.h5"
$PY - "$WORK/periods.h5" <<'PY' || fail "a catalogue of only periods is not normalised"
import sys
import h5py, numpy as np
f = h5py.File(sys.argv[1])
assert not f["metadata/present"][:].any()
for name in f["splits"]:
    g = f["splits/" + name]
    # Statistics come from the train and unlabeled objects (those pre-training sees).
    train = np.concatenate([g["train"][:], g["unlabeled"][:]])
    assert len(g["unlabeled"]) == 2, len(g["unlabeled"])  # STAR-007, STAR-015
    train = train[f["photometry/present"][:][train].astype(bool)]
    logp = np.log10(f["photometry/features"][:, 1][train])
    mean, std = g["normalization/mean"][:], g["normalization/std"][:]
    assert len(train) > 1
    assert abs(mean[1] - logp.mean()) < 1e-9 and abs(std[1] - logp.std()) < 1e-9, (name, mean[1], std[1])
    assert mean[0] == 0 and std[0] == 1 and (mean[4:] == 0).all() and (std[4:] == 1).all(), name
print("period statistics fitted without metadata")
PY

# scripts/export_from_datasets.py (its core, without the datasets package).
expect 0 "all checks passed" -- $PY "$SRC/tests/cli/export_datasets_test.py" "$BIN" "$SRC"

# The prepare.catalog section does what the flags do, on the example catalogue (objects without
# a spectrum, a catalogue lacking w4_mag).
echo '{"prepare": {"catalog": {"band": "V", "missing_columns": ["w4_mag"], "split": {"stratified": true}}}}' > "$WORK/import.json"
EX="$SRC/data/examples/catalog"
EXIN=(--lightcurves "$EX/lightcurves" --metadata "$EX/metadata.csv" --spectra "$EX/spectra" --labels "$EX/labels.csv")
expect 0 "16 imported \(5 partial\)" -- "$BIN" prepare catalog --config "$WORK/import.json" "${EXIN[@]}" --out "$WORK/ex-config.h5"
expect 0 "wrote" -- "$BIN" prepare catalog "${EXIN[@]}" --band V --missing-columns w4_mag --stratified --out "$WORK/ex-flags.h5"
"$BIN" inspect --json "$WORK/ex-config.h5" > "$WORK/ex-config.json" 2>/dev/null
"$BIN" inspect --json "$WORK/ex-flags.h5" > "$WORK/ex-flags.json" 2>/dev/null
checks=$((checks + 1))
cmp -s "$WORK/ex-config.json" "$WORK/ex-flags.json" || fail "prepare catalog --config differs from the same flags"
expect 2 "held-out fractions exceed 1" -- "$BIN" prepare catalog "${EXIN[@]}" --val-fraction 0.6 --test-fraction 0.6 --out "$WORK/ex-bad.h5"
checks=$((checks + 1))
[[ ! -e "$WORK/ex-bad.h5" ]] || fail "a refused import left $WORK/ex-bad.h5 behind"
finish prepare_test
