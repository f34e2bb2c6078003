#!/usr/bin/python3
"""Compares two evaluations of classifiers on the same test objects (astrom3 evaluate --out
DIR): each accuracy with its test-object count and 95 % bootstrap interval, and the difference
B - A with its 95 % paired bootstrap interval (the same resampled objects score both), the
statistics of scripts/paper_table.py. Debian's /usr/bin/python3 (numpy).

    /usr/bin/python3 scripts/compare_evals.py EVAL_A EVAL_B [--names "from scratch,from CLIP"]

Exit status 2 when a directory has no metrics.json or one that is not a classifier's
evaluation, or the two evaluations did not score the same objects, or scored none.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paper_table import Run, bootstrap_difference, bootstrap_mean  # noqa: E402


def fail(message):
    print("compare_evals.py: " + message, file=sys.stderr)
    sys.exit(2)


def load(directory):
    metrics = Path(directory) / "metrics.json"
    if not metrics.is_file():
        fail("%s: no such file (an `astrom3 evaluate --out DIR` directory is needed)" % metrics)
    try:
        m = json.loads(metrics.read_text())
    except ValueError as e:
        fail("%s: not JSON (%s)" % (metrics, e))
    if not isinstance(m, dict) or "accuracy" not in m or "macro_f1" not in m:
        fail("%s: not a classifier's evaluation (no accuracy; a CLIP checkpoint's evaluation "
             "scores retrieval, not classes)" % metrics)
    return Run(m, metrics.parent / "objects.csv")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--names", default="A,B", help="two labels, comma-separated")
    args = parser.parse_args()
    names = args.names.split(",")
    if len(names) != 2:
        fail("--names needs two labels, comma-separated")
    a, b = load(args.a), load(args.b)
    if a.correct is None or b.correct is None or set(a.correct) != set(b.correct):
        fail("the evaluations did not score the same objects (or lack objects.csv)")
    if a.objects == 0:
        fail("the evaluations scored no object")
    rng = np.random.default_rng(0)
    width = max(len(n) for n in names)
    for name, run in zip(names, (a, b)):
        low, high = bootstrap_mean({"0": run}, rng)
        print("  %-*s %5.1f %%  (95 %% interval %.1f-%.1f %%, %d test objects)" % (
            width + 1, name + ":", run.accuracy, low, high, run.objects))
    mean, low, high, _, _ = bootstrap_difference({"0": b}, {"0": a}, rng)
    verdict = ("the interval excludes 0: a real gain" if low > 0 else
               "the interval excludes 0: a real loss" if high < 0 else
               "the interval includes 0: not distinguishable from test-set noise")
    print("  %s - %s: %+.1f points (95 %% paired interval %+.1f to %+.1f; %s)" % (
        names[1], names[0], mean, low, high, verdict))


if __name__ == "__main__":
    main()
