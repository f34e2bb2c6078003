#!/usr/bin/env python3
"""Builds the Markdown accuracy table of scripts/reproduce_table.sh from the runs' evaluations
(standard library only): test accuracy and macro-F1, mean +- population std over seeds, in the
layout of the paper's tables (arXiv 2411.08842 §5), next to the paper's v1 numbers; rows of the
fused classifier evaluated without one modality (`evaluate --drop-modality`, the paper's
ablation); and the comparisons of fusion: `all` minus the best single modality and CLIP `all`
minus scratch `all`, as per-seed differences (mean +- population std over seeds).

    python3 scripts/paper_table.py results/paper_table_quick > table.md
"""
import json
import statistics
import sys
from pathlib import Path

MODES = ("photometry", "spectra", "metadata", "all")
SUBSETS = (("full", "100%"), ("sub50", "50%"), ("sub25", "25%"), ("sub10", "10%"))
# Paper v1 test accuracy (%) without / with CLIP (arXiv 2411.08842 §5); None = not published.
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
        for dropped, d in m.get("drop_modality", {}).items():
            runs.setdefault(("all without " + dropped, subset, init), {})[seed] = (
                100 * d["accuracy"], 100 * d["macro_f1"])
    return runs


def differences(a, b):
    """Per-seed a - b over the seeds both have: mean +- population std, and the seed count."""
    seeds = sorted(set(a) & set(b), key=int)
    d = [a[s][0] - b[s][0] for s in seeds]
    if not d:
        return "–"
    std = statistics.pstdev(d) if len(d) > 1 else 0.0
    return "%+.2f ± %.2f (%d seed%s)" % (statistics.fmean(d), std, len(d), "s" * (len(d) > 1))


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
           "arXiv 2411.08842 §5 (– where unpublished)." % (root, ", ".join(seeds)), "",
           "| modality | labels | accuracy, scratch | accuracy, CLIP | gain | paper, scratch | "
           "paper, CLIP | macro-F1, scratch | macro-F1, CLIP |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    ablation = sorted({k[0] for k in runs if k[0].startswith("all without ")})
    for mode in list(MODES) + ablation:
        for subset, label in SUBSETS:
            if mode in ablation and not any((mode, subset, i) in runs for i in ("scratch", "clip")):
                continue
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
    out += ["", "## Fusion", "",
            "Per-seed differences of test accuracy (points): the fused classifier against the "
            "single modality with the best mean accuracy in the same column, and CLIP-initialised "
            "against scratch `all`.", "",
            "| labels | best single, scratch | all − best, scratch | best single, CLIP | "
            "all − best, CLIP | all: CLIP − scratch |",
            "|---|---|---:|---|---:|---:|"]
    for subset, label in SUBSETS:
        row = [label]
        for init in ("scratch", "clip"):
            singles = {m: runs[(m, subset, init)] for m in MODES[:3] if (m, subset, init) in runs}
            best = max(singles, key=lambda m: statistics.fmean(v[0] for v in singles[m].values()),
                       default=None)
            fused = runs.get(("all", subset, init), {})
            row += [best or "–", differences(fused, singles[best]) if best else "–"]
        row.append(differences(runs.get(("all", subset, "clip"), {}),
                               runs.get(("all", subset, "scratch"), {})))
        out.append("| " + " | ".join(row) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
