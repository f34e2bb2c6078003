#!/usr/bin/python3
"""Golden values of the real LAMOST test spectra, read with astropy (not CFITSIO).

Run with Debian's interpreter (python3-astropy, python3-numpy):
    /usr/bin/python3 scripts/reference/lamost_golden.py tests/data/lamost > tests/data/lamost/golden.json
The C++ test (tests/ingest/lamost_fits_test.cpp) compares its reader against these numbers.
Wavelengths follow the official AstroM3 reader: 10**(COEFF0 + i*COEFF1), here rounded to
float32 as astrom3 stores them.
"""
import json
import pathlib
import sys

import numpy as np
from astropy.io import fits

PIXELS = [0, 1, 100, 1954, 3000, 3907, 3908]


def describe(path):
    with fits.open(path) as hdul:
        header = hdul[0].header
        image = np.asarray(hdul[0].data, dtype=np.float32)
        c0, c1 = float(header["COEFF0"]), float(header["COEFF1"])
    n = image.shape[1]
    wavelength = (10.0 ** (c0 + np.arange(n) * c1)).astype(np.float32)
    flux, ivar = image[0], image[1]
    return {
        "pixels": n,
        "rows": image.shape[0],
        "coeff0": c0,
        "coeff1": c1,
        "index": PIXELS,
        "wavelength": [float(wavelength[i]) for i in PIXELS],
        "flux": [float(flux[i]) for i in PIXELS],
        "ivar": [float(ivar[i]) for i in PIXELS],
        "flux_sum": float(np.sum(flux.astype(np.float64))),
        "ivar_sum": float(np.sum(ivar.astype(np.float64))),
        "zero_ivar_pixels": int(np.sum(ivar == 0)),
    }


def main():
    folder = pathlib.Path(sys.argv[1])
    out = {p.name: describe(p) for p in sorted(folder.glob("spec-*.fits*"))}
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
