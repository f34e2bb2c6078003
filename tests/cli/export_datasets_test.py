#!/usr/bin/python3
"""Tests scripts/export_from_datasets.py's core with Debian's numpy and h5py (no `datasets`).

Usage: /usr/bin/python3 tests/cli/export_datasets_test.py ASTROM3_BINARY REPOSITORY_ROOT

A synthetic survey from `astrom3 synth` is turned into the rows a `datasets` object of the raw
AstroM3 schema would give (photometry as float32 N x 3, spectra M x 3, metadata dicts, class
names), exported, then validated by `astrom3 inspect` and compared with the original: values
exact (HJD rounded to float32 as on Hugging Face) and the normalization, computed by the
script's own Python transform, equal to astrom3's C++ fit.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np

binary, repo = sys.argv[1], Path(sys.argv[2])
sys.path.insert(0, str(repo / "scripts"))
sys.path.insert(0, str(repo / "scripts" / "lib"))
import export_from_datasets as ex  # noqa: E402
from survey_arrays import read_survey  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    subprocess.run([binary, "--log-level", "warn", "synth", "--objects", "150", "--seed", "3",
                    "--out", str(tmp / "s.h5")], check=True)
    src = read_survey(tmp / "s.h5")
    classes, ids, meta = src.classes, src.ids, src.meta
    po, t, fl = src.phot_offsets, src.time, src.flux
    sets = src.splits["full_42"]
    norm_mean, norm_std = src.normalization["full_42"]

    def row(i):
        return {"id": ids[i], "label": classes[src.labels[i]],
                "photometry": src.lightcurve(i).astype(np.float32),  # Hugging Face stores float32
                "spectra": src.spectrum(i), "meta": list(meta[i]), "photo": list(src.features[i])}

    splits = {s: [row(i) for i in sets[s]] for s in ex.SPLITS}
    ex.write_survey(tmp / "x.h5", splits, classes, "full_42")
    inspect = subprocess.run([binary, "inspect", "--json", str(tmp / "x.h5")],
                             capture_output=True, text=True)
    check(inspect.returncode == 0, "astrom3 inspect accepts the export: " + inspect.stderr[-500:])

    with h5py.File(tmp / "x.h5") as f:
        xid = list(f["objects/id"].asstr()[:])
        xpo = f["photometry/offsets"][:]
        xt, xfl = f["photometry/time"][:], f["photometry/flux"][:]
        check(xid == [ids[i] for s in ex.SPLITS for i in sets[s]], "ids in split order")
        ok_time = ok_flux = True
        for k, name in enumerate(xid):
            i = int(np.where(ids == name)[0][0])
            want_t = t[po[i]:po[i + 1]].astype(np.float32).astype(np.float64)
            ok_time &= np.array_equal(xt[xpo[k]:xpo[k + 1]], want_t)
            ok_flux &= np.array_equal(xfl[xpo[k]:xpo[k + 1]], fl[po[i]:po[i + 1]])
        check(ok_time, "HJD equals the float32-rounded original")
        check(ok_flux, "flux equals the original")
        check(np.array_equal(f["metadata/values"][:], meta[[int(np.where(ids == n)[0][0]) for n in xid]]),
              "metadata values equal")
        m, s = f["splits/full_42/normalization/mean"][:], f["splits/full_42/normalization/std"][:]
        check(np.allclose(m, norm_mean, rtol=1e-10, atol=1e-12), f"mean: max diff {np.abs(m - norm_mean).max()}")
        check(np.allclose(s, norm_std, rtol=1e-10, atol=1e-12), f"std: max diff {np.abs(s - norm_std).max()}")
        check(len(f["splits/full_42/train"]) == len(sets["train"]), "train size")

    # A hand case of the transform: log10(100) = 2.
    check(ex.transform([1.0, 100.0, 0.1, 0.9], [12.0] * 34)[1] == 2.0, "log10(period)")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("export_from_datasets: all checks passed")
