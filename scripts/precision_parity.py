#!/usr/bin/python3
"""Accuracy parity of two reproduce_table.sh runs, typically fp32 against bf16 mixed precision
(docs/performance.md, "bf16 mixed precision"): for every (modality, labels, init) cell both
runs have, the test accuracy of each (mean over the seeds both have) and the difference of the
means; then the largest difference. Exit status 1 when one exceeds --tolerance points, 2 when a
run mixes precisions (each evaluation records its own in metrics.json).

    scripts/precision_parity.py results/parity-fp32 results/parity-bf16 [--tolerance 1.0]

Standard library only (reads each run's eval/metrics.json through scripts/paper_table.py).
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paper_table import MODES, SUBSETS, load  # noqa: E402


def precision_of(root):
    """The one precision every evaluation of a run was computed at (evaluate's metrics.json;
    files without the key are fp32). Exits when a run mixes precisions."""
    seen = {}
    for path in Path(root).glob("seed*/*/eval/metrics.json"):
        seen.setdefault(json.loads(path.read_text()).get("precision", "fp32"), path)
    if len(seen) > 1:
        print(f"precision_parity.py: {root} mixes precisions: " +
              ", ".join(f"{p} ({path})" for p, path in sorted(seen.items())), file=sys.stderr)
        sys.exit(2)
    return next(iter(seen), "none")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference", help="run directory of reproduce_table.sh (e.g. fp32)")
    ap.add_argument("other", help="run directory of reproduce_table.sh (e.g. bf16)")
    ap.add_argument("--tolerance", type=float, default=1.0,
                    help="largest allowed |difference| of mean accuracies, in points")
    a = ap.parse_args()
    ref, other = load(a.reference), load(a.other)
    print(f"{a.reference}: {precision_of(a.reference)}; {a.other}: {precision_of(a.other)}\n")
    print(f"| modality | labels | init | seeds | {Path(a.reference).name} | "
          f"{Path(a.other).name} | difference |")
    print("|---|---|---|---:|---:|---:|---:|")
    worst, cells, diffs = 0.0, 0, []
    paired = {"scratch": [], "clip": []}  # per-seed differences, by initialisation
    for mode in MODES:
        for subset, label in SUBSETS:
            for init in ("scratch", "clip"):
                key = (mode, subset, init)
                if key not in ref or key not in other:
                    continue
                seeds = sorted(set(ref[key]) & set(other[key]), key=int)
                if not seeds:
                    continue
                x = statistics.fmean(ref[key][s][0] for s in seeds)
                y = statistics.fmean(other[key][s][0] for s in seeds)
                d = y - x
                diffs.append(d)
                paired[init] += [other[key][s][0] - ref[key][s][0] for s in seeds]
                worst = max(worst, abs(d))
                cells += 1
                print(f"| {mode} | {label} | {init} | {len(seeds)} | {x:.2f} | {y:.2f} | "
                      f"{d:+.2f} |")
    if cells == 0:
        sys.exit("precision_parity.py: the two runs share no cell")
    print(f"\n{cells} cells; mean difference {statistics.fmean(diffs):+.2f} points, largest "
          f"|difference| {worst:.2f} points (tolerance {a.tolerance:.2f})")
    # Whether the runs differ systematically or only as two runs of a chaotic training do: the
    # mean of the per-seed differences against its standard error.
    for init, d in list(paired.items()) + [("all", paired["scratch"] + paired["clip"])]:
        if len(d) > 1:
            sd = statistics.stdev(d)
            print(f"per-seed differences, {init} cells: mean {statistics.fmean(d):+.2f} ± "
                  f"{sd / len(d) ** 0.5:.2f} (standard error; sd {sd:.2f}, {len(d)} pairs)")
    sys.exit(1 if worst > a.tolerance else 0)


if __name__ == "__main__":
    main()
