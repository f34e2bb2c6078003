#!/usr/bin/python3
"""Golden values for astrom3's preprocessing, from an independent numpy/scipy implementation.

Run with Debian's interpreter, which has numpy and scipy (python3-numpy, python3-scipy):

    /usr/bin/python3 scripts/make_golden.py > tests/data/golden/preprocess.json

The implementation below follows arXiv 2411.08842 §4.1-4.2 (the official code's src/dataset.py) directly with numpy
and scipy calls, plus astrom3's documented fallbacks for degenerate inputs
(docs/preprocessing.md). It shares no code with the C++ implementation.
"""
import json
import math
import sys

import numpy as np
from scipy.stats import median_abs_deviation

GRID = np.arange(3850, 9000, 2).astype(np.float64)  # 2575 points
META_COLS = ["mean_vmag", "phot_g_mean_mag", "e_phot_g_mean_mag", "phot_bp_mean_mag",
             "e_phot_bp_mean_mag", "phot_rp_mean_mag", "e_phot_rp_mean_mag", "bp_rp",
             "parallax", "parallax_error", "parallax_over_error", "pmra", "pmra_error",
             "pmdec", "pmdec_error", "j_mag", "e_j_mag", "h_mag", "e_h_mag", "k_mag",
             "e_k_mag", "w1_mag", "e_w1_mag", "w2_mag", "e_w2_mag", "w3_mag", "w4_mag",
             "j_k", "w1_w2", "w3_w4", "pm", "ruwe", "l", "b"]
ABS_MAGS = ["mean_vmag", "phot_g_mean_mag", "phot_bp_mean_mag", "phot_rp_mean_mag", "j_mag",
            "h_mag", "k_mag", "w1_mag", "w2_mag", "w3_mag", "w4_mag"]


def robust_scale(values):
    """MAD (scale=1), else population std, else 1."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return 1.0
    mad = median_abs_deviation(values)
    if mad > 0:
        return float(mad)
    sd = np.std(values)
    if sd > 0:
        return float(sd)
    return 1.0


def prepare_lightcurve(t, flux, err):
    X = np.stack([np.asarray(t, np.float64), np.asarray(flux, np.float32).astype(np.float64),
                  np.asarray(err, np.float32).astype(np.float64)], axis=1)
    X = X[np.all(np.isfinite(X), axis=1)]
    if len(X) == 0:
        return None
    X = np.unique(X, axis=0)
    X = X[np.argsort(X[:, 0], kind="stable")]
    mean = X[:, 1].mean()
    scale = robust_scale(X[:, 1])
    t0, t1 = X[:, 0].min(), X[:, 0].max()
    span = t1 - t0
    time = (X[:, 0] - t0) / span if span > 0 else np.zeros(len(X))
    return {
        "time": time.astype(np.float32),
        "flux": ((X[:, 1] - mean) / scale).astype(np.float32),
        "flux_err": (X[:, 2] / scale).astype(np.float32),
        "log10_scale": np.float32(np.log10(scale)),
        "delta_t_years": np.float32(span / 365.0),
    }


def window(lc, seq_len, photo):
    n = len(lc["time"])
    start = (n - seq_len) // 2 if n > seq_len else 0
    out = np.zeros((seq_len, 9), np.float32)
    mask = np.zeros(seq_len, np.float32)
    take = min(seq_len, n - start)
    out[:take, 0] = lc["time"][start:start + take]
    out[:take, 1] = lc["flux"][start:start + take]
    out[:take, 2] = lc["flux_err"][start:start + take]
    mask[:take] = 1
    aux = np.array(list(photo) + [lc["log10_scale"], lc["delta_t_years"]], np.float32)
    out[:, 3:] = aux[None, :]
    return out, mask


def prepare_spectrum(wl, flux, ivar, min_coverage):
    S = np.stack([np.asarray(wl, np.float32), np.asarray(flux, np.float32),
                  np.asarray(ivar, np.float32)], axis=1).astype(np.float64)
    S = S[np.all(np.isfinite(S), axis=1)]
    if len(S) == 0:
        return None
    S = S[np.argsort(S[:, 0], kind="stable")]
    covered = np.count_nonzero((GRID >= S[0, 0]) & (GRID <= S[-1, 0]))
    if covered / len(GRID) < min_coverage:
        return None
    f = np.interp(GRID, S[:, 0], S[:, 1])
    iv = np.interp(GRID, S[:, 0], S[:, 2])
    mean = f.mean()
    scale = robust_scale(f[f != 0])
    return np.stack([(f - mean) / scale, iv / scale,
                     np.full(len(GRID), np.log10(scale))]).astype(np.float32)


def transform_catalogue(photo, meta):
    photo = np.array(photo, np.float64)
    meta = dict(zip(META_COLS, np.array(meta, np.float64)))
    out_photo = photo.copy()
    out_photo[1] = np.log10(photo[1]) if photo[1] > 0 else np.nan
    plx = meta["parallax"]
    p = plx if plx > 0 else 1.0
    for c in ABS_MAGS:
        meta[c] = meta[c] - 10 + 5 * np.log10(p)
    meta["l"] = np.cos(np.radians(meta["l"]))
    meta["b"] = np.sin(np.radians(meta["b"]))
    return np.concatenate([out_photo, [meta[c] for c in META_COLS]])


def water_filling_cap(counts, target):
    """Largest cap c with sum(min(n, c)) <= target, by exhaustive search."""
    best = 0
    for c in range(0, max(counts) + 1):
        if sum(min(n, c) for n in counts) <= target:
            best = c
    return best


def f32list(a):
    """float32 values as JSON numbers; non-finite ones as "nan", "inf", "-inf" (JSON has none)."""
    return [float(x) if np.isfinite(x) else str(float(x)) for x in np.asarray(a, np.float32).ravel()]


def main():
    rng = np.random.default_rng(20241113)
    cases = []

    def lc_case(name, t, flux, err, photo, seq_len=200):
        lc = prepare_lightcurve(t, flux, err)
        case = {"name": name, "time": [float(x) for x in t], "flux": f32list(flux),
                "flux_err": f32list(err), "photo_features": f32list(photo), "seq_len": seq_len}
        if lc is None:
            case["rejected"] = True
        else:
            out, mask = window(lc, seq_len, photo)
            case.update({"rejected": False, "prepared_time": f32list(lc["time"]),
                         "prepared_flux": f32list(lc["flux"]),
                         "prepared_flux_err": f32list(lc["flux_err"]),
                         "log10_scale": float(lc["log10_scale"]),
                         "delta_t_years": float(lc["delta_t_years"]),
                         "window": f32list(out), "mask": f32list(mask)})
        cases.append(case)

    photo = rng.normal(size=4)
    # A realistic light curve: unsorted, with repeated rows, longer than seq_len.
    n = 350
    t = 2456000 + np.sort(rng.uniform(0, 1500, n))
    flux = 50 + 5 * np.sin(2 * np.pi * t / 0.37) + rng.normal(0, 0.8, n)
    err = np.abs(rng.normal(0.8, 0.1, n))
    idx = np.concatenate([rng.permutation(n), rng.integers(0, n, 12)])
    lc_case("realistic_unsorted_with_duplicates", t[idx], flux[idx], err[idx], photo)
    # Shorter than seq_len: zero padding plus tiled auxiliary values.
    lc_case("short_padded", t[:57], flux[:57], err[:57], photo)
    # Odd and even lengths exercise both median branches.
    lc_case("odd_length_crop", t[:251], flux[:251], err[:251], photo, seq_len=100)
    # Constant flux: MAD = std = 0, so the scale falls back to 1.
    lc_case("constant_flux", t[:40], np.full(40, 12.5), err[:40], photo)
    # Most epochs share one value: MAD = 0 but std > 0, so the scale is the std.
    f = np.full(30, 7.0)
    f[:5] = [8.0, 9.5, 6.0, 7.5, 10.0]
    lc_case("mad_zero_std_positive", t[:30], f, err[:30], photo)
    lc_case("single_epoch", t[:1], flux[:1], err[:1], photo)
    f = flux[:80].copy()
    f[[3, 17, 40]] = np.nan
    e = err[:80].copy()
    e[55] = np.inf
    lc_case("non_finite_rows_dropped", t[:80], f, e, photo)
    lc_case("all_non_finite_rejected", t[:5], np.full(5, np.nan), err[:5], photo)
    lc_case("empty_rejected", [], [], [], photo)

    spectra = []

    def spec_case(name, wl, fl, iv, min_coverage=0.5):
        out = prepare_spectrum(wl, fl, iv, min_coverage)
        case = {"name": name, "wavelength": f32list(wl), "flux": f32list(fl), "ivar": f32list(iv),
                "min_coverage": min_coverage, "rejected": out is None}
        if out is not None:
            case["output"] = f32list(out)
        spectra.append(case)

    wl = 10 ** (3.5682 + 1e-4 * np.arange(3909))
    cont = 1500 * np.exp(-((wl - 6000) / 3000) ** 2)
    fl = cont * (1 - 0.5 * np.exp(-0.5 * ((wl - 6564.6) / 8) ** 2)) + rng.normal(0, 20, 3909)
    iv = 1 / (20 + rng.uniform(0, 5, 3909)) ** 2
    fl[-7:] = 0
    iv[-7:] = 0
    spec_case("lamost_like_with_zero_edge", wl, fl, iv)
    perm = rng.permutation(3909)
    fl2 = fl.copy()
    fl2[100] = np.nan
    spec_case("unsorted_with_nan_pixel", wl[perm], fl2[perm], iv[perm])
    sel = (wl > 4500) & (wl < 9500)
    spec_case("partial_coverage_flat_extrapolation", wl[sel], fl[sel], iv[sel])
    sel = (wl > 6000) & (wl < 7000)
    spec_case("low_coverage_rejected", wl[sel], fl[sel], iv[sel])
    spec_case("constant_spectrum_scale_one", wl, np.full(3909, 3.0), iv)

    catalogue = []
    meta_rows = []
    for i in range(6):
        meta = rng.normal(10, 3, 34)
        meta[META_COLS.index("parallax")] = [2.5, 0.8, -0.3, 0.0, 1.1, 4.0][i]
        meta[META_COLS.index("l")] = rng.uniform(0, 360)
        meta[META_COLS.index("b")] = rng.uniform(-90, 90)
        photo_raw = np.array([rng.uniform(0.1, 2), [0.37, 250.0, 1.2, -1.0, 0.0, 3.3][i],
                              rng.uniform(0, 1), rng.uniform(0.4, 1)])
        transformed = transform_catalogue(photo_raw, meta)
        meta_rows.append(transformed)
        catalogue.append({"photo_raw": [float(x) for x in photo_raw],
                          "meta_raw": [float(x) for x in meta],
                          "transformed": [None if not math.isfinite(x) else float(x)
                                          for x in transformed]})
    # Normalization over rows 0..3 (pandas semantics: NaN skipped, ddof = 0; std 0 -> 1).
    fit = np.array(meta_rows[:4])
    mean = np.nanmean(fit, axis=0)
    std = np.nanstd(fit, axis=0)
    std[~(std > 0)] = 1.0
    normalization = {"rows": [0, 1, 2, 3], "mean": [float(x) for x in mean],
                     "std": [float(x) for x in std]}

    # Water-filling caps for the paper's full_42 counts (arXiv 2411.08842 §3).
    train = [4890, 3647, 2343, 1886, 1571, 1454, 624, 226, 216, 206]
    val = [597, 479, 272, 231, 207, 189, 93, 29, 30, 25]
    test = [681, 464, 301, 234, 198, 196, 79, 26, 22, 24]
    caps = []
    for split, counts in (("train", train), ("val", val), ("test", test)):
        for factor in (2, 4, 10):
            caps.append({"split": split, "factor": factor, "counts": counts,
                         "cap": water_filling_cap(counts, sum(counts) // factor)})

    json.dump({"generator": "scripts/make_golden.py (numpy %s, scipy median_abs_deviation)"
               % np.__version__, "lightcurves": cases, "spectra": spectra,
               "catalogue": catalogue, "normalization": normalization,
               "water_filling": caps}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
