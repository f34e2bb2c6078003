#!/usr/bin/env python3
"""Builds the Markdown accuracy table of scripts/reproduce_table.sh from the runs' evaluations
(standard library only): test accuracy and macro-F1, mean +- population std over seeds, in the
layout of the paper's tables (paper.md §6.1-6.2), next to the paper's v1 numbers.

    python3 scripts/paper_table.py results/paper_table_quick > table.md
"""
import json
import statistics
import sys
from pathlib import Path

MODES = ("photometry", "spectra", "metadata", "all")
SUBSETS = (("full", "100%"), ("sub50", "50%"), ("sub25", "25%"), ("sub10", "10%"))
# Paper v1 test accuracy (%) without / with CLIP (paper.md §6.1-6.2); None = not published.
PAPER = {
    ("photometry", "full"): ("84.64 ± 6.32", "91.47 ± 0.45"),
    ("spectra", "full"): ("76.28 ± 0.93", "77.40 ± 0.61"),
    ("metadata", "full"): ("85.62 ± 0.63", "85.86 ± 0.86"),
    ("all", "full"): ("94.07 ± 0.39", "94.15 ± 0.58"),
    ("spectra", "sub25"): ("63.73", "67.87"),
    ("spectra", "sub10"): ("46.68", "59.24"),
    ("photometry", "sub25"): ("–", "– (gain +5.21)"),
}


def load(root):
    runs = {}
    for path in sorted(Path(root).glob("seed*/*/eval/metrics.json")):
        run = path.parent.parent.name  # mode-subset-init
        mode, subset, init = run.split("-")
        seed = path.parent.parent.parent.name[len("seed"):]
        m = json.loads(path.read_text())
        runs.setdefault((mode, subset, init), {})[seed] = (100 * m["accuracy"], 100 * m["macro_f1"])
    return runs


def cell(values):
    if not values:
        return "–"
    mean = statistics.fmean(values)
    std = statistics.pstdev(values) if len(values) > 1 else 0.0
    return "%.2f ± %.2f" % (mean, std)


def main(root):
    runs = load(root)
    seeds = sorted({s for r in runs.values() for s in r}, key=int)
    out = ["# Test accuracy: from scratch vs CLIP-initialised", "",
           "Runs: `%s`; seeds %s (mean ± population std over seeds). Subset rows use the "
           "subset's own balanced test split, as the paper does. Paper: v1 numbers of "
           "paper.md §6.1-6.2 (– where unpublished)." % (root, ", ".join(seeds)), "",
           "| modality | labels | accuracy, scratch | accuracy, CLIP | gain | paper, scratch | "
           "paper, CLIP | macro-F1, scratch | macro-F1, CLIP |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for mode in MODES:
        for subset, label in SUBSETS:
            scratch = runs.get((mode, subset, "scratch"), {})
            clip = runs.get((mode, subset, "clip"), {})
            acc_s = [v[0] for v in scratch.values()]
            acc_c = [v[0] for v in clip.values()]
            gain = ("%+.2f" % (statistics.fmean(acc_c) - statistics.fmean(acc_s))
                    if acc_s and acc_c else "–")
            paper = PAPER.get((mode, subset), ("–", "–"))
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                mode, label, cell(acc_s), cell(acc_c), gain, paper[0], paper[1],
                cell([v[1] for v in scratch.values()]), cell([v[1] for v in clip.values()])))
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
