#!/usr/bin/python3
"""Makes a large survey file by repeating a small one, for scale benchmarks (scripts/bench_predict.sh).

`astrom3 synth` draws every object (about 2 ms each on 2 cores), so 10^6 objects would take
over half an hour; repeating a few thousand drawn objects gives a file of the same format and
the same per-object sizes in minutes. Copy k of object ID is named ID~k; labels, light curves,
spectra and metadata are the base's. Each split set of the base is repeated too (copy k's rows
are the base's rows + k * n), so `embed` and `predict --split` work on the result; the
normalization statistics are the base's. The file is written in the layout astrom3 writes
(docs/data-format.md: chunked, shuffle + deflate level 1), copy by copy, so memory stays at the
size of the base.

Run with Debian's interpreter, which has h5py and numpy (scripts/setup.sh installs them):
    /usr/bin/python3 scripts/replicate_survey.py BASE.h5 OUT.h5 OBJECTS
"""
import json
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
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    base_path, out_path, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
                og = out.create_group(g, track_times=False)
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
                                      chunks=(1 << 16,), shuffle=True, compression="gzip",
                                      compression_opts=1, track_times=False)
                out[f"{g}/offsets"][0] = 0
            written, copy, ends = 0, 0, {"photometry": 0, "spectra": 0}
            while written < total:
                m = min(n, total - written)
                append(ds["objects/id"], [f"{i}~{copy}" for i in ids[:m]])
                for key, v in col.items():
                    g, name = key.split("/")
                    if name == "offsets":
                        continue
                    if g in ends and v.ndim == 1 and name not in ("present",):
                        stop = col[f"{g}/offsets"][m]
                        append(ds[key], v[:stop])
                    else:
                        append(ds[key], v[:m])
                for g in ends:
                    off = col[f"{g}/offsets"]
                    out[f"{g}/offsets"][written + 1:written + m + 1] = off[1:m + 1] + ends[g]
                    ends[g] += int(off[m])
                written += m
                copy += 1
                print(f"\r{written} of {total} objects", end="", file=sys.stderr, flush=True)
            print(file=sys.stderr)
            splits = out.create_group("splits", track_times=False)
            for name, s in base["splits"].items():
                g = splits.create_group(name, track_times=False)
                for k, v in s.attrs.items():
                    g.attrs[k] = v
                for lst in ("train", "val", "test", "unlabeled", "unseen"):
                    if lst not in s:
                        continue
                    rows = s[lst][:]
                    rows = np.concatenate([rows + k * n for k in range(copy)] or [rows[:0]])
                    g.create_dataset(lst, data=rows[rows < total].astype(np.int64),
                                     track_times=False)
                norm = g.create_group("normalization", track_times=False)
                for k, v in s["normalization"].attrs.items():
                    norm.attrs[k] = v
                for k in ("mean", "std"):
                    norm.create_dataset(k, data=s["normalization"][k][:], track_times=False)
    print(f"wrote {out_path}: {total} objects ({copy} copies of {base_path})")


if __name__ == "__main__":
    main()
