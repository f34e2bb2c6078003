#!/usr/bin/python3
"""Writes data/examples/catalog/: a tiny "own data" example for `astrom3 prepare catalog`.

Run with Debian's interpreter (python3-h5py, python3-numpy) on a synthetic survey:
    build/astrom3 synth --objects 300 --seed 21 --out /tmp/ex.h5
    /usr/bin/python3 scripts/examples/make_catalog_example.py /tmp/ex.h5 data/examples/catalog
The objects are synthetic; the file layout is what a user provides (docs/data-import.md):
light curves in magnitudes or flux, some multi-band, spectra as CSV, a catalogue with one
column absent and a few empty cells, labels for most objects.
"""
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from survey_arrays import read_survey  # noqa: E402

src, out = sys.argv[1], Path(sys.argv[2])
(out / "lightcurves").mkdir(parents=True, exist_ok=True)
(out / "spectra").mkdir(parents=True, exist_ok=True)
s = read_survey(src)
classes, labels, feats, meta = s.classes, s.labels, s.features, s.meta
meta_cols, photo_cols = s.meta_cols, s.photo_cols

rows = list(range(16))
names = [f"STAR-{k:03d}" for k in rows]
for k, i in enumerate(rows):
    with open(out / "lightcurves" / f"{names[k]}.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        if k % 3 == 0:  # magnitudes (AB), converted to mJy on import
            wr.writerow(["time", "mag", "mag_err"])
            for a, b, c in s.lightcurve(i):
                m = -2.5 * np.log10(b / 3631e3)
                wr.writerow([f"{a:.5f}", f"{m:.4f}", f"{1.0857 * c / b:.4f}"])
        elif k % 3 == 1:  # two bands; --band V keeps V
            wr.writerow(["time", "flux", "flux_err", "band"])
            for a, b, c in s.lightcurve(i):
                wr.writerow([f"{a:.5f}", f"{b:.4f}", f"{c:.4f}", "V"])
                wr.writerow([f"{a + 0.01:.5f}", f"{0.8 * b:.4f}", f"{c:.4f}", "g"])
        else:
            wr.writerow(["time", "flux", "flux_err"])
            for a, b, c in s.lightcurve(i):
                wr.writerow([f"{a:.5f}", f"{b:.4f}", f"{c:.4f}"])
    if k < 11:  # the last 5 objects have no spectrum
        with open(out / "spectra" / f"{names[k]}.csv", "w", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(["wavelength", "flux", "ivar"])
            for a, b, c in s.spectrum(i)[::3]:
                wr.writerow([f"{a:.2f}", f"{b:.5g}", f"{c:.4g}"])

with open(out / "metadata.csv", "w", newline="") as fh:
    cols = [c for c in photo_cols + meta_cols if c != "w4_mag"]  # w4_mag: not in this catalogue
    wr = csv.writer(fh)
    wr.writerow(["id"] + cols)
    for k, i in enumerate(rows):
        values = dict(zip(photo_cols, feats[i])) | dict(zip(meta_cols, meta[i]))
        cells = [f"{values[c]:.6g}" for c in cols]
        if k % 7 == 3:
            cells[cols.index("ruwe")] = ""  # a missing value
        wr.writerow([names[k]] + cells)

with open(out / "labels.csv", "w", newline="") as fh:
    wr = csv.writer(fh)
    wr.writerow(["id", "label"])
    for k, i in enumerate(rows):
        wr.writerow([names[k], classes[labels[i]] if k % 8 != 7 else ""])  # 2 unlabelled
print(f"wrote {len(rows)} objects to {out}")
