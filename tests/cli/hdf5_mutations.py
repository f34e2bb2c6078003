#!/usr/bin/python3
"""Malformed survey files, written independently of astrom3 with h5py, against its readers.

Each case copies a valid survey made by `astrom3 synth`, breaks one documented rule of the
format (docs/data-format.md) with h5py, and runs `astrom3 inspect` on it: the command must exit
with 3 (a data error) and a message naming the file and the broken part, never crash (a
segfault once came from an offset past the stored values) and never accept the file. A few cases
also go through `pretrain`, whose reader is the one training uses. Controls: the untouched copy
and a copy with a missing (NaN) catalogue value must pass.

Run with Debian's interpreter, which has h5py and numpy:
  /usr/bin/python3 tests/cli/hdf5_mutations.py build/astrom3 WORK_DIR [SOURCE_DIR]
Prints one line per case and exits 1 if any case fails.
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

BIN, WORK = sys.argv[1], sys.argv[2]
SRC = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "..")
os.makedirs(WORK, exist_ok=True)
BASE = os.path.join(WORK, "valid.h5")
subprocess.run([BIN, "synth", "--objects", "40", "--unlabeled", "4", "--unseen", "4", "--seed",
                "7", "--out", BASE], check=True, capture_output=True)


def replace(f, name, data):
    """Rewrites dataset `name` with `data` (another dtype or shape), keeping its attributes."""
    attrs = dict(f[name].attrs)
    del f[name]
    f.create_dataset(name, data=data)
    for k, v in attrs.items():
        f[name].attrs[k] = v


def first_present(f, group):
    return int(np.flatnonzero(f[group + "/present"][:] == 1)[0])


def set_value(name, index, value):
    def mutate(f):
        d = f[name]
        data = d[:]
        data[index] = value
        d[...] = data
    return mutate


def offsets_past_end(f):
    off = f["photometry/offsets"][:]
    off[20] = 10**9
    f["photometry/offsets"][...] = off


def offsets_decreasing(f):
    off = f["photometry/offsets"][:]
    i = first_present(f, "photometry") + 1
    off[i] = off[i - 1] - 1 if off[i - 1] > 0 else off[i + 1] + 5
    f["photometry/offsets"][...] = off


def offsets_short_of_values(f):
    off = f["photometry/offsets"][:]
    off[-1] -= 1
    f["photometry/offsets"][...] = off


def absent_with_values(f):
    f["spectra/present"][first_present(f, "spectra")] = 0


def present_without_values(f):
    # Object 0 keeps its flag but its epochs go to object 1.
    off = f["photometry/offsets"][:]
    off[1] = off[0]
    f["photometry/offsets"][...] = off
    f["photometry/present"][0] = 1


def overflowing_time_span(f):
    i = first_present(f, "photometry")
    off = f["photometry/offsets"][:]
    time = f["photometry/time"][:]
    time[off[i]], time[off[i] + 1] = 1e308, -1e308
    f["photometry/time"][...] = time


def duplicate_class(f):
    f.attrs["class_names"] = '["DSCT","EA","EB","EB","HADS","M","ROT","RRAB","RRC","SR"]'


def duplicate_id(f):
    ids = f["objects/id"].asstr()[:]
    f["objects/id"][1] = ids[0]


def train_overlaps_test(f):
    test = f["splits/full_42/test"][:]
    test[0] = f["splits/full_42/train"][0]
    f["splits/full_42/test"][...] = test


def unlabelled_in_train(f):
    f["objects/label"][int(f["splits/full_42/train"][0])] = -1


def wrong_metadata_columns(f):
    replace(f, "metadata/values", f["metadata/values"][:, :33])


def spectrum_flux_short(f):
    replace(f, "spectra/flux", f["spectra/flux"][:-3])


def no_ivar(f):
    del f["spectra/ivar"]


def truncate(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)


def empty(path):
    open(path, "wb").close()


def text(path):
    with open(path, "w") as fh:
        fh.write("id,label\nA,EW\n")


# name, h5py mutation (or None), raw-file mutation (or None), expected exit, message fragments.
CASES = [
    ("untouched copy", None, None, 0, ["valid astrom3 survey file"]),
    ("missing catalogue value (NaN)", set_value("metadata/values", (3, 5), np.nan), None, 0,
     ["valid astrom3 survey file"]),
    ("interior offset past the stored values", offsets_past_end, None, 3, ["offsets: offset 1000000000 beyond the"]),
    ("decreasing offsets", offsets_decreasing, None, 3, ["offsets decrease"]),
    ("offsets end short of the values", offsets_short_of_values, None, 3, ["!= number of values"]),
    ("absent object with epochs", absent_with_values, None, 3, ["/spectra", "marked absent but has"]),
    ("present object without epochs", present_without_values, None, 3, ["present but has no epoch"]),
    ("presence flag 2", set_value("photometry/present", 2, 2), None, 3, ["field present: must be 0 or 1, got 2"]),
    ("negative flux_err", set_value("photometry/flux_err", 10, -0.5), None, 3,
     ["field flux_err: negative value -0.5"]),
    ("negative ivar", set_value("spectra/ivar", 100, -1.0), None, 3, ["field ivar: negative value -1"]),
    ("NaN flux", set_value("photometry/flux", 7, np.nan), None, 3, ["field flux: non-finite value nan"]),
    ("infinite wavelength", set_value("spectra/wavelength", 9, np.inf), None, 3,
     ["field wavelength: non-finite value inf"]),
    ("time span beyond a double", overflowing_time_span, None, 3, ["the time span overflows"]),
    ("a class named twice", duplicate_class, None, 3, ["class 'EB' appears twice"]),
    ("infinite catalogue value", set_value("metadata/values", (2, 4), np.inf), None, 3,
     ["/metadata", "is not finite (infinite"]),
    ("integer flux", lambda f: replace(f, "photometry/flux",
                                       f["photometry/flux"][:].astype(np.int32)), None, 3,
     ["/photometry/flux: expected floating-point values"]),
    ("floating-point labels", lambda f: replace(f, "objects/label",
                                                f["objects/label"][:].astype(np.float32)), None,
     3, ["/objects/label: expected integers"]),
    ("label past the class list", set_value("objects/label", 0, 10), None, 3, ["label 10 outside -1..9"]),
    ("duplicated id", duplicate_id, None, 3, ["duplicate id"]),
    ("empty id", set_value("objects/id", 2, ""), None, 3, ["empty id"]),
    ("metadata with 33 columns", wrong_metadata_columns, None, 3, ["/metadata/values: expected shape [48, 34], got [48, 33]"]),
    ("spectrum flux shorter than wavelength", spectrum_flux_short, None, 3, ["/spectra/flux: expected shape"]),
    ("missing ivar dataset", no_ivar, None, 3, ["/spectra/ivar: missing dataset"]),
    ("class_names not JSON", lambda f: f.attrs.__setitem__("class_names", "EW,EA"), None, 3,
     ["class_names or provenance is not valid JSON"]),
    ("newer format version", lambda f: f.attrs.__setitem__("format_version", np.int64(99)),
     None, 3, ["format_version 99 is not supported"]),
    ("split row out of range", set_value("splits/full_42/train", 0, 10**6), None, 3,
     ["full_42 field train: row index 1000000 out of range"]),
    ("train and test overlap", train_overlaps_test, None, 3, ["more than one split"]),
    ("unlabelled object in train", unlabelled_in_train, None, 3, ["unlabelled object in a labelled split"]),
    ("zero normalization std", set_value("splits/full_42/normalization/std", 0, 0.0), None, 3,
     ["column 0 has a non-finite mean or a std <= 0"]),
    ("NaN normalization mean", set_value("splits/full_42/normalization/mean", 3, np.nan), None,
     3, ["column 3 has a non-finite mean or a std <= 0"]),
    ("truncated file", None, truncate, 3, ["corrupt or truncated"]),
    ("empty file", None, empty, 3, ["not an HDF5 file"]),
    ("a CSV file", None, text, 3, ["not an HDF5 file"]),
]

# Cases also run through pretrain's reader: exit 3 before any training.
THROUGH_PRETRAIN = {"interior offset past the stored values", "presence flag 2", "NaN flux"}

failures = 0
for number, (name, mutate, mutate_raw, code, fragments) in enumerate(CASES):
    path = os.path.join(WORK, "case-%02d.h5" % number)
    shutil.copyfile(BASE, path)
    if mutate:
        with h5py.File(path, "r+") as f:
            mutate(f)
    if mutate_raw:
        mutate_raw(path)
    runs = [("inspect", [BIN, "inspect", path])]
    if name in THROUGH_PRETRAIN:
        runs.append(("pretrain", [BIN, "--threads", "1", "pretrain", "--config",
                                  os.path.join(SRC, "configs/quick/clip.json"), "--set",
                                  "data.path=" + path, "--set", "train.epochs=1", "--out",
                                  os.path.join(WORK, "run-%02d" % number)]))
    for command, argv in runs:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        output = result.stdout + result.stderr
        problems = []
        if result.returncode != code:
            problems.append("exit %d, expected %d" % (result.returncode, code))
        if code != 0 and os.path.basename(path) not in output:
            problems.append("the message does not name the file")
        problems += ["no '%s' in the message" % s for s in fragments if s not in output]
        if problems:
            failures += 1
            print("FAIL %s (%s): %s\n%s" % (name, command, "; ".join(problems), output.strip()))
        else:
            print("ok   %s (%s)" % (name, command))
print("hdf5 mutations: %d of %d cases failed" % (failures, len(CASES)))
sys.exit(1 if failures else 0)
