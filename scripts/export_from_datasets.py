#!/usr/bin/env python3
"""Write an astrom3 survey file (docs/data-format.md) from a Hugging Face `datasets` object.

For users who already have the AstroM3 data loaded in Python. On your own machine:

    pip install "datasets<4" h5py numpy
    python3 scripts/export_from_datasets.py --name full_42 --out data/astrom3_full_42.h5

loads `MeriDK/AstroM3Dataset` (config `full_42`, raw values) and writes one survey file with one
split set named after the config. Use a config without the `_norm` suffix: astrom3 stores raw
values and normalizes them itself. The newer preprocessed Parquet release
(`AstroMLCore/AstroM3Processed`, 9-channel photometry, interpolated spectra) cannot be turned
back into raw values; the script refuses it. `astrom3 prepare astrom3` on the raw files is the
route that needs no Python at all (docs/data-import.md).

The core, `write_survey(path, splits, class_names, config)`, works on plain numpy arrays and is
tested with Debian's numpy and h5py (tests/cli/export_datasets_test.py); the `datasets` import
happens only in main().
"""
import argparse
import json
import math
import sys

import h5py
import numpy as np

META_COLS = [
    "mean_vmag", "phot_g_mean_mag", "e_phot_g_mean_mag", "phot_bp_mean_mag", "e_phot_bp_mean_mag",
    "phot_rp_mean_mag", "e_phot_rp_mean_mag", "bp_rp", "parallax", "parallax_error",
    "parallax_over_error", "pmra", "pmra_error", "pmdec", "pmdec_error", "j_mag", "e_j_mag",
    "h_mag", "e_h_mag", "k_mag", "e_k_mag", "w1_mag", "e_w1_mag", "w2_mag", "e_w2_mag", "w3_mag",
    "w4_mag", "j_k", "w1_w2", "w3_w4", "pm", "ruwe", "l", "b"]
PHOTO_COLS = ["amplitude", "period", "lksl_statistic", "rfr_score"]
ABS_MAG_COLS = ["mean_vmag", "phot_g_mean_mag", "phot_bp_mean_mag", "phot_rp_mean_mag", "j_mag",
                "h_mag", "k_mag", "w1_mag", "w2_mag", "w3_mag", "w4_mag"]
SPLITS = ("train", "val", "test")
FORMAT_VERSION = 1


def transform(photo, meta):
    """The AstroM3 catalogue transform (docs/preprocessing.md) of one object -> 38 values."""
    meta = dict(zip(META_COLS, meta))
    parallax = meta["parallax"]
    p = parallax if (math.isfinite(parallax) and parallax > 0) else 1.0
    for c in ABS_MAG_COLS:
        meta[c] = meta[c] - 10.0 + 5.0 * math.log10(p)
    meta["l"] = math.cos(math.radians(meta["l"]))
    meta["b"] = math.sin(math.radians(meta["b"]))
    photo = list(photo)
    photo[1] = math.log10(photo[1]) if photo[1] > 0 else float("nan")
    return photo + [meta[c] for c in META_COLS]


def normalization(objects):
    """Mean and population std (ddof=0) per column, astrom3's rule (docs/preprocessing.md):
    the 4 photometry features over objects with a light curve, the 34 metadata columns over
    objects with metadata, finite values only; a constant column (std <= 1e-8 |mean|) or one
    without values gets std 1."""
    zeros = [0.0] * 34
    values = np.array([transform(o["photo"], o["meta"] if o["meta"] is not None else zeros)
                       for o in objects], dtype=np.float64).reshape(-1, 38)
    has_photo = np.array([o["photometry"] is not None and len(o["photometry"]) > 0
                          for o in objects], dtype=bool)
    has_meta = np.array([o["meta"] is not None for o in objects], dtype=bool)
    mean, std = np.zeros(38), np.ones(38)
    for c in range(38):
        col = values[has_photo if c < 4 else has_meta, c]
        col = col[np.isfinite(col)]
        if col.size:
            mean[c] = col.mean()
            s = np.sqrt(np.mean((col - mean[c]) ** 2))
            std[c] = s if s > 1e-8 * abs(mean[c]) else 1.0
    return mean, std


def _ragged(objects, key, width):
    present = np.array([o[key] is not None and len(o[key]) > 0 for o in objects], dtype=np.uint8)
    lengths = [len(o[key]) if p else 0 for o, p in zip(objects, present)]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    parts = [np.asarray(o[key], dtype=np.float64).reshape(-1, width)
             for o, p in zip(objects, present) if p]
    values = np.concatenate(parts) if parts else np.zeros((0, width))
    return present, offsets, values


def write_survey(path, splits, class_names, config):
    """Write the survey file.

    splits: {"train"|"val"|"test": list of objects}; an object is a dict with
      id (str), label (class name or None), photometry (N x 3: HJD, flux mJy, flux_err mJy, or
      None), spectra (M x 3: wavelength Angstrom, flux, ivar, or None), meta (34 values in
      META_COLS order, or None), photo (4 values in PHOTO_COLS order).
    class_names: the label vocabulary (labels are indices into it, in this order).
    config: the split set name, e.g. "full_42" (subset "full", seed 42).
    """
    objects, rows = [], {}
    for split in SPLITS:
        rows[split] = []
        for o in splits.get(split, []):
            rows[split].append(len(objects))
            objects.append(o)
    ids = [o["id"] for o in objects]
    if len(set(ids)) != len(ids):
        raise ValueError("object ids are not unique")
    index = {c: k for k, c in enumerate(class_names)}
    labels = np.array([-1 if o["label"] is None else index[o["label"]] for o in objects],
                      dtype=np.int32)
    phot_present, phot_off, phot = _ragged(objects, "photometry", 3)
    if phot.shape[1] != 3:
        raise ValueError("photometry must have 3 columns (HJD, flux, flux_err)")
    spec_present, spec_off, spec = _ragged(objects, "spectra", 3)
    meta_present = np.array([o["meta"] is not None for o in objects], dtype=np.uint8)
    meta = np.array([o["meta"] if o["meta"] is not None else [0.0] * 34 for o in objects],
                    dtype=np.float64).reshape(-1, 34)
    photo = np.array([o["photo"] for o in objects], dtype=np.float64).reshape(-1, 4)
    subset, _, seed = config.rpartition("_")
    mean, std = normalization(splits.get("train", []))

    text = h5py.string_dtype("utf-8")
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "astrom3-survey"
        f.attrs["format_version"] = np.int64(FORMAT_VERSION)
        f.attrs["class_names"] = json.dumps(list(class_names))
        f.attrs["modalities"] = json.dumps(["photometry", "spectra", "metadata"])
        f.attrs["provenance"] = json.dumps({"generator": "scripts/export_from_datasets.py",
                                            "source": "Hugging Face datasets", "config": config})
        g = f.create_group("objects")
        g.create_dataset("id", data=np.array(ids, dtype=object), dtype=text)
        g.create_dataset("label", data=labels)
        g = f.create_group("photometry")
        g.create_dataset("present", data=phot_present)
        g.create_dataset("offsets", data=phot_off)
        g.create_dataset("time", data=phot[:, 0].astype(np.float64))
        g.create_dataset("flux", data=phot[:, 1].astype(np.float32))
        g.create_dataset("flux_err", data=phot[:, 2].astype(np.float32))
        g.create_dataset("features", data=photo)
        g.attrs["feature_columns"] = json.dumps(PHOTO_COLS)
        g = f.create_group("spectra")
        g.create_dataset("present", data=spec_present)
        g.create_dataset("offsets", data=spec_off)
        for k, name in enumerate(["wavelength", "flux", "ivar"]):
            g.create_dataset(name, data=spec[:, k].astype(np.float32))
        g = f.create_group("metadata")
        g.create_dataset("present", data=meta_present)
        g.create_dataset("values", data=meta)
        g.attrs["columns"] = json.dumps(META_COLS)
        s = f.create_group("splits").create_group(config)
        s.attrs["subset"] = subset or config
        s.attrs["seed"] = np.int64(int(seed)) if seed.lstrip("-").isdigit() else np.int64(0)
        for split in SPLITS:
            s.create_dataset(split, data=np.array(rows[split], dtype=np.int64))
        s.create_dataset("unlabeled", data=np.zeros(0, dtype=np.int64))
        n = s.create_group("normalization")
        n.attrs["columns"] = json.dumps(PHOTO_COLS + META_COLS)
        n.create_dataset("mean", data=mean)
        n.create_dataset("std", data=std)


def from_datasets(dataset_dict):
    """Convert a DatasetDict of the raw AstroM3 schema into write_survey's arguments."""
    names = {"train": "train", "val": "validation", "test": "test"}
    splits, classes = {}, set()
    for split, hf_name in names.items():
        ds = dataset_dict[hf_name].with_format("numpy")
        label_feature = ds.features["label"]
        to_name = getattr(label_feature, "int2str", None)
        objects = []
        for i, el in enumerate(ds):
            phot = np.asarray(el["photometry"], dtype=np.float64)
            if phot.ndim == 2 and phot.shape[1] == 9:
                sys.exit("this is the preprocessed release (9-channel photometry): astrom3 needs the "
                         "raw values; load MeriDK/AstroM3Dataset instead")
            label = el["label"]
            label = to_name(int(label)) if to_name else str(label)
            classes.add(label)
            md = el["metadata"]
            objects.append({
                "id": str(el["id"]) if "id" in el else f"{split}-{i:06d}",
                "label": label,
                "photometry": phot,
                "spectra": np.asarray(el["spectra"], dtype=np.float64),
                "meta": [float(md["meta_cols"][c]) for c in META_COLS],
                "photo": [float(md["photo_cols"][c]) for c in PHOTO_COLS],
            })
        splits[split] = objects
    return splits, sorted(classes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", default="MeriDK/AstroM3Dataset")
    ap.add_argument("--name", default="full_42", help="config: <subset>_<seed>, without _norm")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.name.endswith("_norm"):
        sys.exit("use a config without _norm: astrom3 needs raw catalogue values")
    from datasets import load_dataset  # only needed here
    dd = load_dataset(args.repo, name=args.name, trust_remote_code=True)
    splits, classes = from_datasets(dd)
    write_survey(args.out, splits, classes, args.name)
    print(f"wrote {args.out}: " + ", ".join(f"{k} {len(v)}" for k, v in splits.items()))


if __name__ == "__main__":
    main()
