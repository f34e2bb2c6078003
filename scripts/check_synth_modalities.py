#!/usr/bin/python3
"""Sanity check of a synthetic survey: how well does each modality alone separate the classes?

A k-nearest-neighbour classifier (k = 15, standardised features, numpy only) is trained on the
full_42 train split and scored on its test split, once per modality and once on all three
concatenated. The generator is meant to make every single modality ambiguous for some classes
(docs/synthetic-survey.md), so the combined score should be clearly higher than each single one.
This is a probe of the data, not of astrom3's models.

    /usr/bin/python3 scripts/check_synth_modalities.py data/demo.h5
"""
import sys

import h5py
import numpy as np

GRID = np.arange(3850, 9000, 2)


def features(f):
    n = len(f["objects/label"])
    off, t, fl = f["photometry/offsets"][:], f["photometry/time"][:], f["photometry/flux"][:]
    feat = f["photometry/features"][:]
    phot = np.zeros((n, 10))
    for i in range(n):
        x = fl[off[i]:off[i + 1]].astype(float)
        mad = np.median(np.abs(x - np.median(x))) or 1.0
        z = (x - x.mean()) / mad
        q = np.percentile(z, [5, 25, 50, 75, 95])
        phot[i] = [np.log10(feat[i, 0]), np.log10(feat[i, 1]), feat[i, 2], feat[i, 3],
                   *q, ((z[1:] - z[:-1]) ** 2).mean()]
    soff, wl, sf = f["spectra/offsets"][:], f["spectra/wavelength"][:], f["spectra/flux"][:]
    spec = np.zeros((n, 103))
    for i in range(n):
        y = np.interp(GRID, wl[soff[i]:soff[i + 1]], sf[soff[i]:soff[i + 1]])
        y = (y - y.mean()) / (np.median(np.abs(y - np.median(y))) or 1.0)
        spec[i] = y[:2575 - 2575 % 25].reshape(103, -1).mean(axis=1)
    meta = f["metadata/values"][:].copy()
    plx = np.where(meta[:, 8] > 0, meta[:, 8], 1.0)
    for c in [0, 1, 3, 5, 15, 17, 19, 21, 23, 25, 26]:
        meta[:, c] += 5 * np.log10(plx) - 10
    return {"photometry": phot, "spectra": spec, "metadata": meta}


def knn_votes(xtr, ytr, xte, k=15):
    """[n_test, 10] fraction of the k nearest train neighbours in each class."""
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-9
    a, b = (xtr - mu) / sd, (xte - mu) / sd
    d = (b ** 2).sum(1)[:, None] - 2 * b @ a.T + (a ** 2).sum(1)[None, :]
    nn = np.argsort(d, axis=1)[:, :k]
    return np.apply_along_axis(lambda r: np.bincount(r, minlength=10), 1, ytr[nn]) / k


def main():
    with h5py.File(sys.argv[1], "r") as f:
        y = f["objects/label"][:]
        tr, te = f["splits/full_42/train"][:], f["splits/full_42/test"][:]
        feats = features(f)
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in __import__("json").loads(f.attrs["class_names"])]
    votes = {m: knn_votes(x[tr], y[tr], x[te]) for m, x in feats.items()}
    votes["all (late fusion)"] = sum(votes.values())
    print(f"{'modality':18s} {'accuracy':>8s}  per-class recall: " + " ".join(f"{n:>5s}" for n in names))
    for m, v in votes.items():
        pred = v.argmax(1)
        recall = [(pred[y[te] == k] == k).mean() for k in range(10)]
        print(f"{m:18s} {(pred == y[te]).mean():8.3f}  {'':17s}" + " ".join(f"{r:5.2f}" for r in recall))


if __name__ == "__main__":
    main()
