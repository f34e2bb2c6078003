#!/usr/bin/python3
"""Checks the statistics of scripts/paper_table.py and scripts/compare_evals.py against
hand-computed binomial values, on evaluation directories written here.

    /usr/bin/python3 tests/cli/paper_table_test.py SOURCE_DIR
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SRC = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
N = 1000


def write_eval(directory, correct, objects_csv=True):
    """An evaluation of N objects where object i is right when correct(i)."""
    d = Path(directory)
    d.mkdir(parents=True)
    hits = [correct(i) for i in range(N)]
    (d / "metrics.json").write_text(json.dumps(
        {"accuracy": sum(hits) / N, "macro_f1": sum(hits) / N, "objects": N}))
    if objects_csv:
        rows = ["id,label,predicted,correct"] + [
            "SYN-%07d,EW,%s,%d" % (i, "EW" if h else "EA", h) for i, h in enumerate(hits)]
        (d / "objects.csv").write_text("\n".join(rows) + "\n")


def interval(cell):
    lo, hi = cell.split("[")[1].split("]")[0].split(", ")
    return float(lo), float(hi)


def check(condition, what):
    if not condition:
        sys.exit("paper_table_test: " + what)


with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "runs"
    # Scratch right on objects 0-799, CLIP on 0-899: +10 points, all discordant objects in
    # CLIP's favour. Paired, the difference of a resample is 100 x Binomial(N, 0.1) / N: standard
    # error 100 sqrt(0.1 x 0.9 / N) = 0.95, so the 95 % interval is 10 +- 1.86; unpaired it
    # would be 10 +- 1.96 x 100 sqrt((0.8 x 0.2 + 0.9 x 0.1) / N) = 10 +- 3.1.
    write_eval(root / "seed42/photometry-sub10-scratch/eval", lambda i: i < 800)
    write_eval(root / "seed42/photometry-sub10-clip/eval", lambda i: i < 900)
    # Metadata without objects.csv: the effect falls back to unpaired resampling.
    write_eval(root / "seed42/metadata-full-scratch/eval", lambda i: i < 800, objects_csv=False)
    write_eval(root / "seed42/metadata-full-clip/eval", lambda i: i < 900, objects_csv=False)
    # Seed 0's photometry sub10 test split is empty (a tiny survey's subset): left out of the
    # row's every statistic, not averaged in as 0 %.
    for init in ("scratch", "clip"):
        empty = root / ("seed0/photometry-sub10-%s/eval" % init)
        empty.mkdir(parents=True)
        (empty / "metrics.json").write_text(json.dumps(
            {"accuracy": 0.0, "macro_f1": 0.0, "objects": 0}))
        (empty / "objects.csv").write_text("id,label,predicted,correct\n")
    # A CLIP checkpoint's evaluation (retrieval, no accuracy) is not a cell: skipped, with a
    # warning.
    (root / "seed42/pretrain/eval").mkdir(parents=True)
    (root / "seed42/pretrain/eval/metrics.json").write_text(json.dumps({"retrieval": {}}))
    done = subprocess.run(["/usr/bin/python3", str(SRC / "scripts/paper_table.py"), str(root)],
                          check=True, capture_output=True, text=True)
    table = done.stdout
    check("skipping" in done.stderr and "pretrain" in done.stderr, "no warning: " + done.stderr)

    table_rows = [l for l in table.splitlines() if l.startswith("| photometry | 10% |")]
    check(len(table_rows) == 1, "no photometry 10% row")
    c = [x.strip() for x in table_rows[0].split("|")[1:-1]]
    check(c[2] == "0/1000", "test objects: " + c[2])
    check(c[5] == "+10.00", "gain: " + c[5])
    # One cell: 80 % of 1000, 95 % interval 80 +- 1.96 x 100 sqrt(0.8 x 0.2 / 1000) = 80 +- 2.48.
    lo, hi = interval(c[3])
    check(abs(lo - 77.5) < 0.4 and abs(hi - 82.5) < 0.4, "scratch interval %s" % c[3])
    check(c[3].startswith("80.00 ± 0.00"), c[3])

    gain = [x.strip() for x in table.split("### CLIP − scratch")[1].split("###")[0].splitlines()
            if x.startswith("| photometry")][0].split("|")[1:-1]
    sub10 = gain[4].strip()
    check(sub10.startswith("+10.00 [") and "**> 0**" in sub10 and "unpaired" not in sub10
          and "(1 seed)" in sub10, sub10)
    lo, hi = [float(x) for x in sub10.split("[")[1].split("]")[0].split(", ")]
    check(abs(lo - 8.14) < 0.4 and abs(hi - 11.86) < 0.4, "paired interval " + sub10)

    meta = [x.strip() for x in table.split("### CLIP − scratch")[1].split("###")[0].splitlines()
            if x.startswith("| metadata")][0].split("|")[1:-1]
    full = meta[1].strip()
    lo, hi = [float(x) for x in full.split("[")[1].split("]")[0].split(", ")]
    check("unpaired" in full and abs(lo - 6.9) < 0.5 and abs(hi - 13.1) < 0.5,
          "unpaired interval " + full)

    # compare_evals.py: the same paired interval, and a refusal of different objects.
    out = subprocess.run(["/usr/bin/python3", str(SRC / "scripts/compare_evals.py"),
                          str(root / "seed42/photometry-sub10-scratch/eval"),
                          str(root / "seed42/photometry-sub10-clip/eval"),
                          "--names", "scratch,CLIP"], check=True, capture_output=True,
                         text=True).stdout
    check("+10.0 points" in out and "a real gain" in out and "1000 test objects" in out, out)
    refused = subprocess.run(["/usr/bin/python3", str(SRC / "scripts/compare_evals.py"),
                              str(root / "seed42/photometry-sub10-scratch/eval"),
                              str(root / "seed42/metadata-full-clip/eval")],
                             capture_output=True, text=True)
    check(refused.returncode == 2, "compare_evals.py accepted evaluations of other objects")
    refused = subprocess.run(["/usr/bin/python3", str(SRC / "scripts/compare_evals.py"),
                              str(root / "seed42/photometry-sub10-scratch/eval"),
                              str(root / "seed42/pretrain/eval")], capture_output=True, text=True)
    check(refused.returncode == 2 and "not a classifier" in refused.stderr,
          "compare_evals.py accepted a CLIP evaluation: " + refused.stderr)
    missing = subprocess.run(["/usr/bin/python3", str(SRC / "scripts/paper_table.py"),
                              str(Path(tmp) / "nothing")], capture_output=True, text=True)
    check(missing.returncode == 2 and "not a directory" in missing.stderr,
          "paper_table.py on a missing directory: %d %s" % (missing.returncode, missing.stderr))
print("paper_table_test: ok")
