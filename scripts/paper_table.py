#!/usr/bin/python3
"""Builds the Markdown accuracy table of scripts/reproduce_table.sh from the runs' evaluations,
in the layout of the paper's tables (arXiv 2411.08842 §5) next to the paper's v1 numbers, with
the statistics needed to tell an effect from noise (docs/reproduction.md):

  * every cell: test accuracy, mean ± population std over seeds, and a 95 % bootstrap interval
    of that mean over test objects: each seed's test objects are resampled with replacement
    (2,000 times, fixed generator), the accuracies of the resampled sets averaged over the seeds,
    and the 2.5th and 97.5th percentiles taken. The interval measures how much the finite test
    sets move the number, not how much a new seed would;
  * the effects the paper claims, as their own rows, each a per-seed difference averaged over
    the seeds with a paired bootstrap interval (both runs of a seed are scored on the same test
    objects, which are resampled together): CLIP − scratch per modality and label fraction, and
    `all` − the best single modality (the one with the best mean in the same column);
  * the seed std with and without CLIP per modality and label fraction;
  * rows of the fused classifier evaluated without one modality (`evaluate --drop-modality`).

The per-object results come from each evaluation's objects.csv (astrom3 evaluate); a run
evaluated before evaluate wrote that file falls back to a binomial resampling of its accuracy
(same interval for a cell, unpaired for an effect, marked "unpaired"). Debian's /usr/bin/python3
(numpy).

    /usr/bin/python3 scripts/paper_table.py results/paper_table_quick > table.md
"""
import csv
import json
import statistics
import sys
from pathlib import Path

import numpy as np

MODES = ("photometry", "spectra", "metadata", "all")
SUBSETS = (("full", "100%"), ("sub50", "50%"), ("sub25", "25%"), ("sub10", "10%"))
RESAMPLES = 2000
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


class Run:
    """One evaluation: accuracy and macro-F1 [%], and the per-object correctness by object id
    (None when the evaluation has no objects.csv)."""

    def __init__(self, metrics, objects_csv):
        self.accuracy = 100 * metrics["accuracy"]
        self.macro_f1 = 100 * metrics["macro_f1"]
        self.objects = int(metrics.get("objects", 0))
        self.correct = None
        if objects_csv.is_file():
            with objects_csv.open(newline="") as f:
                self.correct = {r["id"]: int(r["correct"]) for r in csv.DictReader(f)}

    def correctness(self):
        """[n] 0/1 array; reconstructed from the accuracy when there is no objects.csv."""
        if self.correct is not None:
            return np.array(list(self.correct.values()), dtype=float)
        hits = round(self.accuracy / 100 * self.objects)
        return np.array([1.0] * hits + [0.0] * (self.objects - hits))


def load(root):
    """{(mode, subset, init): {seed: Run}}, with the ablation rows as modes "all without X".
    Directories the script does not write (a CLIP evaluation, a renamed copy) are skipped with a
    warning on stderr."""
    runs = {}
    subsets = [s for s, _ in SUBSETS]
    for path in sorted(Path(root).glob("seed*/*/eval/metrics.json")):
        parts = path.parent.parent.name.split("-")
        seed = path.parent.parent.parent.name[len("seed"):]
        try:
            m = json.loads(path.read_text())
            ok = (len(parts) == 3 and parts[0] in MODES and parts[1] in subsets and
                  parts[2] in ("scratch", "clip") and seed.isdigit() and
                  "accuracy" in m and "macro_f1" in m)
        except (ValueError, AttributeError):
            ok = False
        if not ok:
            print("paper_table.py: skipping %s: not a classifier evaluation of "
                  "seed<N>/<mode>-<subset>-<scratch|clip>" % path, file=sys.stderr)
            continue
        mode, subset, init = parts
        runs.setdefault((mode, subset, init), {})[seed] = Run(m, path.parent / "objects.csv")
        for dropped, d in m.get("drop_modality", {}).items():
            runs.setdefault(("all without " + dropped, subset, init), {})[seed] = Run(
                d, path.parent / ("objects-no-%s.csv" % dropped))
    return runs


def seed_order(seeds):
    return sorted(seeds, key=int)


def scored(runs):
    """The seeds whose test split holds objects: a tiny survey's subset can be empty for one seed
    and not another, and an empty split has no accuracy to average, pair or spread."""
    return {s: r for s, r in runs.items() if r.objects > 0}


def bootstrap_mean(runs, rng):
    """95 % interval of the mean accuracy over seeds, resampling each seed's test objects."""
    total = np.zeros(RESAMPLES)
    for run in runs.values():
        c = run.correctness()
        if len(c) == 0:
            return None
        total += c[rng.integers(0, len(c), (RESAMPLES, len(c)))].mean(axis=1)
    return np.percentile(100 * total / len(runs), [2.5, 97.5])


def bootstrap_difference(a, b, rng):
    """Mean over the seeds both have of a - b [points], its 95 % paired bootstrap interval,
    whether it was paired, and the seed count; None without a common seed."""
    a, b = scored(a), scored(b)
    seeds = seed_order(set(a) & set(b))
    if not seeds:
        return None
    total = np.zeros(RESAMPLES)
    paired = True
    for s in seeds:
        ra, rb = a[s], b[s]
        common = sorted(set(ra.correct) & set(rb.correct)) if ra.correct and rb.correct else []
        if common and len(common) == len(ra.correct) == len(rb.correct):
            ca = np.array([ra.correct[i] for i in common], dtype=float)
            cb = np.array([rb.correct[i] for i in common], dtype=float)
            idx = rng.integers(0, len(common), (RESAMPLES, len(common)))
            total += (ca[idx].mean(axis=1) - cb[idx].mean(axis=1))
        else:
            paired = False
            ca, cb = ra.correctness(), rb.correctness()
            if len(ca) == 0 or len(cb) == 0:
                return None
            total += (ca[rng.integers(0, len(ca), (RESAMPLES, len(ca)))].mean(axis=1) -
                      cb[rng.integers(0, len(cb), (RESAMPLES, len(cb)))].mean(axis=1))
    mean = statistics.fmean(a[s].accuracy - b[s].accuracy for s in seeds)
    low, high = np.percentile(100 * total / len(seeds), [2.5, 97.5])
    return mean, low, high, paired, len(seeds)


def spread(values):
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def cell(runs, rng):
    runs = scored(runs)
    if not runs:
        return "–"  # no run, or test splits without objects (tiny surveys' subsets)
    acc = [r.accuracy for r in runs.values()]
    interval = bootstrap_mean(runs, rng)
    ci = " [%.1f, %.1f]" % tuple(interval) if interval is not None else ""
    return "%.2f ± %.2f%s" % (statistics.fmean(acc), spread(acc), ci)


def effect(a, b, rng):
    d = bootstrap_difference(a, b, rng)
    if d is None:
        return "–"
    mean, low, high, paired, n = d
    verdict = "**> 0**" if low > 0 else "**< 0**" if high < 0 else "interval holds 0"
    return "%+.2f [%+.1f, %+.1f]%s, %s (%d seed%s)" % (
        mean, low, high, "" if paired else " unpaired", verdict, n, "s" * (n > 1))


def test_objects(runs):
    counts = sorted({r.objects for r in runs.values()})
    return "/".join(str(c) for c in counts) if counts else "–"


def provenance(root):
    """Lines on the machine and the wall time, from the files reproduce_table.sh writes."""
    lines = []
    machine = Path(root) / "machine"
    if machine.is_file():
        lines.append("Machine: " + "; ".join(machine.read_text().split("\n")).strip("; ") + ".")
    log = Path(root) / "invocations.log"
    if log.is_file():
        entries = [l for l in log.read_text().splitlines() if " s: " in l]
        seconds = sum(int(l.split()[1]) for l in entries)
        lines.append("Wall time: %d s (%.2f h) over %d invocation%s of `%s`." % (
            seconds, seconds / 3600, len(entries), "s" * (len(entries) != 1),
            entries[-1].split(" s: ", 1)[1] if entries else ""))
    return lines


def fail(message):
    print("paper_table.py: " + message, file=sys.stderr)
    sys.exit(2)


def main(root):
    if not Path(root).is_dir():
        fail("%s is not a directory of reproduce_table.sh runs" % root)
    runs = load(root)
    if not runs:
        fail("no evaluations under %s (seed<N>/<run>/eval/metrics.json)" % root)
    rng = np.random.default_rng(0)
    seeds = seed_order({s for r in runs.values() for s in r})
    about = provenance(root)
    out = ["# Test accuracy: from scratch vs CLIP-initialised", ""] + about + [""] * bool(about) + [
           "Runs: `%s`; seeds %s. Each cell: mean ± population std over seeds, then the 95 %% "
           "bootstrap interval of that mean over test objects (resampled within each seed, averaged "
           "over seeds). Subset rows "
           "use the subset's own balanced test split, as the paper does; `test objects` is its "
           "size per seed (a seed whose split is empty, 0, is left out of the row's statistics). "
           "Paper: v1 numbers of arXiv 2411.08842 §5 (– where unpublished)."
           % (root, ", ".join(seeds)), "",
           "| modality | labels | test objects | accuracy, scratch | accuracy, CLIP | gain | "
           "paper, scratch | paper, CLIP | macro-F1, scratch | macro-F1, CLIP |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    ablation = sorted({k[0] for k in runs if k[0].startswith("all without ")})
    for mode in list(MODES) + ablation:
        for subset, label in SUBSETS:
            if mode in ablation and not any((mode, subset, i) in runs for i in ("scratch", "clip")):
                continue
            scratch = runs.get((mode, subset, "scratch"), {})
            clip = runs.get((mode, subset, "clip"), {})
            acc_s = [r.accuracy for r in scored(scratch).values()]
            acc_c = [r.accuracy for r in scored(clip).values()]
            gain = ("%+.2f" % (statistics.fmean(acc_c) - statistics.fmean(acc_s))
                    if acc_s and acc_c else "–")
            paper = PAPER.get((mode, subset), ("–", "–"))
            f1_s = [r.macro_f1 for r in scored(scratch).values()]
            f1_c = [r.macro_f1 for r in scored(clip).values()]
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                mode, label, test_objects({**scratch, **clip}), cell(scratch, rng),
                cell(clip, rng), gain, paper[0], paper[1],
                "%.2f ± %.2f" % (statistics.fmean(f1_s), spread(f1_s)) if f1_s else "–",
                "%.2f ± %.2f" % (statistics.fmean(f1_c), spread(f1_c)) if f1_c else "–"))

    out += ["", "## Effects", "",
            "Per-seed differences of test accuracy [points], averaged over the seeds both runs "
            "have, with the 95 % paired bootstrap interval over test objects. **> 0** or **< 0**: "
            "the interval excludes 0.", "",
            "### CLIP − scratch", "",
            "| modality | " + " | ".join(label for _, label in SUBSETS) + " |",
            "|---|" + "---:|" * len(SUBSETS)]
    for mode in MODES:
        out.append("| %s | %s |" % (mode, " | ".join(
            effect(runs.get((mode, s, "clip"), {}), runs.get((mode, s, "scratch"), {}), rng)
            for s, _ in SUBSETS)))

    out += ["", "### Fusion: `all` − the best single modality", "",
            "| labels | best single, scratch | all − best, scratch | best single, CLIP | "
            "all − best, CLIP |", "|---|---|---:|---|---:|"]
    for subset, label in SUBSETS:
        row = [label]
        for init in ("scratch", "clip"):
            singles = {m: scored(runs.get((m, subset, init), {})) for m in MODES[:3]}
            singles = {m: r for m, r in singles.items() if r}
            best = max(singles, key=lambda m: statistics.fmean(
                r.accuracy for r in singles[m].values()), default=None)
            fused = runs.get(("all", subset, init), {})
            row += [best or "–", effect(fused, singles[best], rng) if best else "–"]
        out.append("| " + " | ".join(row) + " |")

    out += ["", "### Seed-to-seed spread", "",
            "Population std of test accuracy over seeds [points], without and with CLIP "
            "(the paper: CLIP lowers photometry's from 6.32 to 0.45 at full labels).", "",
            "| modality | " + " | ".join("%s: scratch / CLIP" % label for _, label in SUBSETS) +
            " |", "|---|" + "---:|" * len(SUBSETS)]
    for mode in MODES:
        cells = []
        for subset, _ in SUBSETS:
            s = [r.accuracy for r in scored(runs.get((mode, subset, "scratch"), {})).values()]
            c = [r.accuracy for r in scored(runs.get((mode, subset, "clip"), {})).values()]
            if len(s) > 1 and len(c) > 1:
                mark = "lower with CLIP" if spread(c) < spread(s) else "not lower"
                cells.append("%.2f / %.2f (%s)" % (spread(s), spread(c), mark))
            else:
                cells.append("–")
        out.append("| %s | %s |" % (mode, " | ".join(cells)))
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
