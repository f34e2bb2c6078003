#!/usr/bin/python3
"""How much class information does each modality of a survey carry, alone and together?

A probe of the data, not of astrom3's models: hand features per modality (photometry: the 4
catalogue features, quantiles of the standardised flux and its point-to-point scatter; spectra:
the flux resampled on a common grid in 103 bins, standardised; metadata: the 34 columns with
magnitudes made absolute through the parallax, as the preprocessing does), a gradient-boosted
tree classifier (scikit-learn's HistGradientBoostingClassifier, fixed seed) trained on the train
split of a split set and scored on its test split, once per modality and once on the three
feature sets concatenated. On a survey where every modality is ambiguous for some classes and
the modalities disagree on which (docs/synthetic-survey.md), the concatenated probe scores
clearly above each single one. Debian's /usr/bin/python3 (numpy, h5py, scikit-learn).

    /usr/bin/python3 scripts/check_synth_modalities.py data/demo.h5 [--split-set full_42]
"""
import argparse
import json
import sys

import h5py
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

GRID = np.arange(3850, 9000, 2)
# Metadata columns holding apparent magnitudes (data::kMetaCols order).
MAGNITUDE_COLUMNS = [0, 1, 3, 5, 15, 17, 19, 21, 23, 25, 26]


def photometry_features(f, rows):
    off, fl = f["photometry/offsets"][:], f["photometry/flux"]
    feat = f["photometry/features"][:]
    out = np.zeros((len(rows), 11))
    for j, i in enumerate(rows):
        x = fl[off[i]:off[i + 1]].astype(float)
        if len(x) < 3:
            out[j] = np.nan
            continue
        mad = np.median(np.abs(x - np.median(x))) or 1.0
        z = (x - x.mean()) / mad
        q = np.percentile(z, [5, 25, 50, 75, 95])
        out[j] = [feat[i, 0], np.log10(max(feat[i, 1], 1e-3)), feat[i, 2], feat[i, 3], *q,
                  ((z[1:] - z[:-1]) ** 2).mean(), np.log10(mad / max(abs(np.median(x)), 1e-9))]
    return out


def spectra_features(f, rows):
    off, wl, sf = f["spectra/offsets"][:], f["spectra/wavelength"], f["spectra/flux"]
    out = np.full((len(rows), 103), np.nan)
    for j, i in enumerate(rows):
        if off[i + 1] - off[i] < 10:
            continue
        y = np.interp(GRID, wl[off[i]:off[i + 1]], sf[off[i]:off[i + 1]])
        y = (y - y.mean()) / (np.median(np.abs(y - np.median(y))) or 1.0)
        out[j] = y[:2575 - 2575 % 25].reshape(103, -1).mean(axis=1)
    return out


def metadata_features(f, rows):
    meta = f["metadata/values"][:][rows].astype(float)
    plx = np.where(meta[:, 8] > 0, meta[:, 8], np.nan)
    for c in MAGNITUDE_COLUMNS:
        meta[:, c] += 5 * np.log10(plx) - 10
    return meta


def probe(xtr, ytr, xte):
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=0)
    return model.fit(xtr, ytr).predict(xte)


def fail(message):
    print("check_synth_modalities.py: " + message, file=sys.stderr)
    sys.exit(2)


def survey_version(provenance):
    """The synthetic survey's version as the provenance records it; files `astrom3 synth` wrote
    before versions existed are version 1."""
    generator = provenance.get("generator", "")
    if "synth_version" in provenance:  # also a synthetic raw layout read by prepare astrom3
        return "survey version %s" % provenance["synth_version"]
    if generator.startswith("astrom3 synth"):
        return "survey version 1 (written before versions)"
    return "no synthetic survey version recorded (%s)" % (generator or "no generator")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("survey")
    parser.add_argument("--split-set", default="full_42")
    args = parser.parse_args()
    with h5py.File(args.survey, "r") as f:
        if f"splits/{args.split_set}" not in f:
            fail(f"{args.survey} has no split set {args.split_set} (it has: "
                 f"{', '.join(f['splits']) if 'splits' in f else 'none'})")
        y = f["objects/label"][:]
        tr = f[f"splits/{args.split_set}/train"][:]
        te = f[f"splits/{args.split_set}/test"][:]
        if len(tr) == 0 or len(te) == 0:
            fail(f"split set {args.split_set} has {len(tr)} train and {len(te)} test objects; "
                 "the probe needs both (a larger survey, or another --split-set)")
        names = json.loads(f.attrs["class_names"])
        rows = np.concatenate([tr, te])
        feats = {"photometry": photometry_features(f, rows), "spectra": spectra_features(f, rows),
                 "metadata": metadata_features(f, rows)}
        provenance = json.loads(f.attrs.get("provenance", "{}"))
    feats["all (concatenated)"] = np.concatenate(list(feats.values()), axis=1)
    n = len(tr)
    print(f"{args.survey}: {survey_version(provenance)}, split set "
          f"{args.split_set}, {n} train / {len(te)} test objects")
    print(f"{'modality':20s} {'accuracy':>8s}   recall: " + " ".join(f"{c:>5s}" for c in names))
    scores = {}
    for m, x in feats.items():
        pred = probe(x[:n], y[tr], x[n:])
        scores[m] = (pred == y[te]).mean()
        recall = [(pred[y[te] == k] == k).mean() if (y[te] == k).any() else float("nan")
                  for k in range(len(names))]
        print(f"{m:20s} {scores[m]:8.3f}   {'':7s} " + " ".join(f"{r:5.2f}" for r in recall))
    best = max((v, k) for k, v in scores.items() if not k.startswith("all"))
    print(f"fusion headroom: all - best single ({best[1]}) = "
          f"{100 * (scores['all (concatenated)'] - best[0]):+.1f} points")


if __name__ == "__main__":
    main()
