#!/usr/bin/python3
"""Per-sample numpy preprocessing, as the official AstroM3 data loader does it.

Reads the same survey file as astrom3 (with h5py), then for every sample of the train split:
np.unique + sort of the light curve, mean/MAD normalisation, random crop and padding, np.interp
of the spectrum onto the 2575-point grid and its normalisation, and the catalogue transform
with z-scoring; samples are stacked into batches of 512 (what torch's default collate does).
`--processes N` spreads the work over N processes, like DataLoader(num_workers=N).

Run with Debian's interpreter: /usr/bin/python3 (python3-numpy, python3-scipy, python3-h5py).
Prints one JSON object.
"""
import argparse
import json
import multiprocessing as mp
import time

import h5py
import numpy as np
from scipy.stats import median_abs_deviation

GRID = np.arange(3850, 9000, 2)
ABS = [0, 1, 3, 5, 15, 17, 19, 21, 23, 25, 26]  # magnitude columns in meta_cols order
PLX, L, B = 8, 32, 33
STATE = {}


def load(path, split_set):
    with h5py.File(path, "r") as f:
        s = {
            "rows": f["splits"][split_set]["train"][:],
            "p_off": f["photometry/offsets"][:], "t": f["photometry/time"][:],
            "f": f["photometry/flux"][:], "e": f["photometry/flux_err"][:],
            "feat": f["photometry/features"][:],
            "s_off": f["spectra/offsets"][:], "wl": f["spectra/wavelength"][:],
            "sf": f["spectra/flux"][:], "iv": f["spectra/ivar"][:],
            "meta": f["metadata/values"][:],
            "mean": f["splits"][split_set]["normalization/mean"][:],
            "std": f["splits"][split_set]["normalization/std"][:],
        }
    return s


def preprocess(s, row, seq_len, rng):
    a, b = s["p_off"][row], s["p_off"][row + 1]
    X = np.stack([s["t"][a:b], s["f"][a:b], s["e"][a:b]], axis=1)
    X = np.unique(X, axis=0)
    X = X[np.argsort(X[:, 0])]
    mean, mad = X[:, 1].mean(), median_abs_deviation(X[:, 1])
    X[:, 1] = (X[:, 1] - mean) / mad
    X[:, 2] = X[:, 2] / mad
    t0, t1 = X[:, 0].min(), X[:, 0].max()
    delta_t = (t1 - t0) / 365
    X[:, 0] = (X[:, 0] - t0) / (t1 - t0)
    if len(X) > seq_len:
        start = rng.integers(0, len(X) - seq_len + 1)
        X = X[start:start + seq_len]
    n = len(X)
    mask = np.zeros(seq_len, np.float32)
    mask[:n] = 1
    X = np.pad(X, ((0, seq_len - n), (0, 0)))
    feat = s["feat"][row].copy()
    feat[1] = np.log10(feat[1])
    meta = s["meta"][row].copy()
    plx = meta[PLX] if meta[PLX] > 0 else 1.0
    meta[ABS] = meta[ABS] - 10 + 5 * np.log10(plx)
    meta[L] = np.cos(np.radians(meta[L]))
    meta[B] = np.sin(np.radians(meta[B]))
    z = (np.concatenate([feat, meta]) - s["mean"]) / s["std"]
    aux = np.tile(np.concatenate([z[:4], [np.log10(mad), delta_t]]), (seq_len, 1))
    phot = np.concatenate([X, aux], axis=1).astype(np.float32)

    a, b = s["s_off"][row], s["s_off"][row + 1]
    fl = np.interp(GRID, s["wl"][a:b], s["sf"][a:b])
    iv = np.interp(GRID, s["wl"][a:b], s["iv"][a:b])
    m, smad = fl.mean(), median_abs_deviation(fl[fl != 0])
    spec = np.stack([(fl - m) / smad, iv / smad, np.full(len(GRID), np.log10(smad))])
    return phot, mask, spec.astype(np.float32), z[4:].astype(np.float32)


def make_batch(args):
    rows, seq_len, seed = args
    s = STATE["survey"]
    rng = np.random.default_rng(seed)
    out = [preprocess(s, r, seq_len, rng) for r in rows]
    return [np.stack(x) for x in zip(*out)]


def init(path, split_set):
    STATE["survey"] = load(path, split_set)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--split-set", default="full_42")
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--seq-len", type=int, default=200)
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--max-batches", type=int, default=8)
    a = ap.parse_args()
    init(a.data, a.split_set)
    rows = np.random.default_rng(0).permutation(STATE["survey"]["rows"])
    nb = min(a.max_batches, len(rows) // a.batch_size)
    jobs = [(rows[i * a.batch_size:(i + 1) * a.batch_size], a.seq_len, i) for i in range(nb)]
    t0 = time.perf_counter()
    if a.processes > 1:
        with mp.get_context("fork").Pool(a.processes) as pool:
            batches = pool.map(make_batch, jobs)
    else:
        batches = [make_batch(j) for j in jobs]
    dt = time.perf_counter() - t0
    assert batches[0][0].shape == (a.batch_size, a.seq_len, 9)
    assert batches[0][2].shape == (a.batch_size, 3, 2575)
    print(json.dumps({"processes": a.processes, "samples": nb * a.batch_size,
                      "samples_per_s": nb * a.batch_size / dt}))


if __name__ == "__main__":
    main()
