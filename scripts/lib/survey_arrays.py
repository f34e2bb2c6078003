"""Reads an astrom3 survey file (docs/data-format.md) into numpy arrays with h5py.

Used by scripts/examples/make_catalog_example.py and tests/cli/export_datasets_test.py; runs
under Debian's /usr/bin/python3 (python3-h5py, python3-numpy).
"""
import json
from types import SimpleNamespace

import h5py
import numpy as np


def read_survey(path):
    """All per-object values; `lightcurve(i)` and `spectrum(i)` slice one object's rows."""
    with h5py.File(path) as f:
        s = SimpleNamespace(
            classes=json.loads(f.attrs["class_names"]),
            ids=f["objects/id"].asstr()[:],
            labels=f["objects/label"][:],
            phot_offsets=f["photometry/offsets"][:],
            time=f["photometry/time"][:],
            flux=f["photometry/flux"][:],
            flux_err=f["photometry/flux_err"][:],
            spec_offsets=f["spectra/offsets"][:],
            wavelength=f["spectra/wavelength"][:],
            spec_flux=f["spectra/flux"][:],
            ivar=f["spectra/ivar"][:],
            features=f["photometry/features"][:],
            meta=f["metadata/values"][:],
            meta_cols=json.loads(f["metadata"].attrs["columns"]),
            photo_cols=json.loads(f["photometry"].attrs["feature_columns"]),
            splits={name: {part: g[part][:] for part in ("train", "val", "test", "unlabeled")}
                    for name, g in f["splits"].items()},
            normalization={name: (g["normalization/mean"][:], g["normalization/std"][:])
                           for name, g in f["splits"].items()},
        )

    def lightcurve(i):
        a, b = s.phot_offsets[i], s.phot_offsets[i + 1]
        return np.stack([s.time[a:b], s.flux[a:b], s.flux_err[a:b]], 1)

    def spectrum(i):
        a, b = s.spec_offsets[i], s.spec_offsets[i + 1]
        return np.stack([s.wavelength[a:b], s.spec_flux[a:b], s.ivar[a:b]], 1)

    s.lightcurve, s.spectrum = lightcurve, spectrum
    return s
