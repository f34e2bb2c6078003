#!/usr/bin/python3
"""Makes a large survey file by repeating a small one, for scale benchmarks (scripts/bench_predict.sh).

`astrom3 synth` draws every object (about 2 ms each on 2 cores), so 10^6 objects would take
over half an hour and 28 GB. This script repeats a few thousand drawn objects instead: copy k
of object ID is named ID~k, and its label, light curve, spectrum and metadata are the base's.
Each split set is repeated too (copy k's rows are the base's rows + k * n), so `embed` and
`predict --split` work on the result; the normalization statistics are the base's.

By default the value arrays are HDF5 virtual datasets that map the base file's arrays once per
copy (the base must stay where it is): the result is a valid survey of any size, made in
seconds, whose per-object reads decompress the base's chunks as a real file's would, but come
from the page cache rather than the disk. With --copy the values are written out, compressed
as astrom3 writes its surveys (chunked, shuffle + deflate level 1), at about 1,000 objects per
second and 28 kB per object. Memory stays at the size of the base either way.

Run with Debian's interpreter, which has h5py and numpy (scripts/setup.sh installs them):
    /usr/bin/python3 scripts/replicate_survey.py [--copy] BASE.h5 OUT.h5 OBJECTS
"""
import json
import os
import sys

import h5py
import numpy as np


def create(group, name, like, shape_tail=()):
    """An appendable dataset of like's type, compressed as astrom3 writes its surveys."""
    row = int(np.prod(shape_tail)) if shape_tail else 1
    chunk = (max(1, (1 << 18) // row),) + tuple(shape_tail)
    if like.dtype.kind == "O" or h5py.check_string_dtype(like.dtype):
        return group.create_dataset(name, shape=(0,), maxshape=(None,), chunks=(4096,),
                                    dtype=h5py.string_dtype("utf-8"), track_times=False)
    return group.create_dataset(name, shape=(0,) + tuple(shape_tail),
                                maxshape=(None,) + tuple(shape_tail), chunks=chunk,
                                dtype=like.dtype, shuffle=True, compression="gzip",
                                compression_opts=1, track_times=False)


def append(ds, values):
    n = ds.shape[0]
    ds.resize(n + len(values), axis=0)
    ds[n:] = values


def main():
    args = [a for a in sys.argv[1:] if a != "--copy"]
    plain = "--copy" in sys.argv[1:]
    if len(args) != 3:
        sys.exit(__doc__)
    base_path, out_path, total = args[0], args[1], int(args[2])
    with h5py.File(base_path, "r") as base:
        if base.attrs.get("format") != "astrom3-survey":
            sys.exit(f"{base_path}: not an astrom3 survey file")
        n = base["objects/id"].shape[0]
        if n == 0 or total < 1:
            sys.exit("need a non-empty base survey and OBJECTS >= 1")
        ids = base["objects/id"].asstr()[:]
        col = {}
        for g in ("photometry", "spectra"):
            for k in base[g]:
                col[f"{g}/{k}"] = base[f"{g}/{k}"][:]
        for k in ("objects/label", "metadata/present", "metadata/values"):
            col[k] = base[k][:]
        with h5py.File(out_path, "w", track_order=False) as out:
            for k, v in base.attrs.items():
                out.attrs[k] = v
            provenance = json.loads(base.attrs["provenance"])
            provenance["replicated_from"] = f"{base_path} ({n} objects, repeated to {total})"
            out.attrs["provenance"] = json.dumps(provenance)
            ds = {}
            for g in ("objects", "photometry", "spectra", "metadata"):
                og = out.create_group(g)
                for k, v in base[g].attrs.items():
                    og.attrs[k] = v
            ds["objects/id"] = create(out["objects"], "id", base["objects/id"])
            for key, v in col.items():
                g, name = key.split("/")
                if name == "offsets":
                    continue
                ds[key] = create(out[g], name, v, v.shape[1:])
            for g in ("photometry", "spectra"):
                out[g].create_dataset("offsets", shape=(total + 1,), dtype=np.int64,
                                      chunks=(min(total + 1, 1 << 16),), shuffle=True, compression="gzip",
                                      compression_opts=1, track_times=False)
                out[f"{g}/offsets"][0] = 0
            copies = [(k * n, min(n, total - k * n)) for k in range(-(-total // n))]
            copy = len(copies)
            for first, m in copies:
                append(ds["objects/id"], [f"{i}~{first // n}" for i in ids[:m]])
            for g in ("photometry", "spectra"):
                off = col[f"{g}/offsets"]
                whole = np.concatenate([[0]] + [off[1:m + 1] + k * off[n]
                                                for k, (_, m) in enumerate(copies)])
                out[f"{g}/offsets"][:] = whole
            for key, v in col.items():
                g, name = key.split("/")
                if name == "offsets":
                    continue
                ragged = g in ("photometry", "spectra") and v.ndim == 1 and name != "present"
                # Rows of copy k: the base's first m rows, or their values for a ragged column.
                counts = [int(col[f"{g}/offsets"][m]) if ragged else m for _, m in copies]
                if plain:
                    for c in counts:
                        append(ds[key], v[:c])
                    continue
                del out[key]
                layout = h5py.VirtualLayout(shape=(sum(counts),) + v.shape[1:], dtype=v.dtype)
                source = h5py.VirtualSource(os.path.abspath(base_path), key, shape=v.shape)
                at = 0
                for c in counts:
                    layout[at:at + c] = source[:c]
                    at += c
                out.create_virtual_dataset(key, layout)
            splits = out.create_group("splits")
            for name, s in base["splits"].items():
                g = splits.create_group(name)
                for k, v in s.attrs.items():
                    g.attrs[k] = v
                for lst in ("train", "val", "test", "unlabeled", "unseen"):
                    if lst not in s:
                        continue
                    rows = s[lst][:]
                    rows = np.concatenate([rows + k * n for k in range(copy)] or [rows[:0]])
                    g.create_dataset(lst, data=rows[rows < total].astype(np.int64),
                                     track_times=False)
                norm = g.create_group("normalization")
                for k, v in s["normalization"].attrs.items():
                    norm.attrs[k] = v
                for k in ("mean", "std"):
                    norm.create_dataset(k, data=s["normalization"][k][:], track_times=False)
    print(f"wrote {out_path}: {total} objects ({copy} copies of {base_path})")


if __name__ == "__main__":
    main()
