#!/usr/bin/python3
"""Plots of astrom3 outputs (PNG). Run with Debian's interpreter, which has python3-matplotlib,
python3-numpy, python3-h5py and python3-sklearn (scripts/setup.sh installs them):

    /usr/bin/python3 scripts/plot.py confusion EVAL_DIR [--out FILE.png]
        heat maps of EVAL_DIR/confusion.csv (counts and row-normalised), from astrom3 evaluate
    /usr/bin/python3 scripts/plot.py curves RUN_DIR [--out FILE.png]
        loss, accuracy, learning rate and logit scales per epoch from RUN_DIR/metrics.jsonl
    /usr/bin/python3 scripts/plot.py map EMBEDDINGS.h5 [--embedding fused] [--max N] [--out FILE.png]
        2-D map of embeddings (astrom3 embed) coloured by class: UMAP (cosine; Debian's
        umap-learn, which scripts/setup.sh installs), the paper's method; t-SNE (cosine) from
        scikit-learn only where umap-learn is not installed
    /usr/bin/python3 scripts/plot.py reliability EVAL_DIR|RUN_DIR|CHECKPOINT [--out FILE.png]
        reliability diagram (accuracy against confidence, 15 bins) before and after temperature
        scaling: of the split astrom3 evaluate scored (EVAL_DIR/metrics.json), or of the
        validation split finetune calibrated on (the checkpoint's manifest.json; a run
        directory means its best checkpoint)

The default output is next to the input (confusion.png, curves.png, <file>-map.png,
reliability.png).
"""
import argparse
import csv
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def confusion(args):
    rows = list(csv.reader(open(Path(args.input) / "confusion.csv")))
    names = rows[0][1:]
    n = len(names)
    counts = np.array([[int(v) for v in r[1:]] for r in rows[1:1 + n]])
    fractions = np.array([[float(v) for v in r[1:]] for r in rows[1 + n:1 + 2 * n]])
    fig, axes = plt.subplots(1, 2, figsize=(16, 7))
    for ax, data, title, fmt in ((axes[0], counts, "counts", "d"),
                                 (axes[1], 100 * fractions, "row-normalised (%)", ".0f")):
        im = ax.imshow(data, cmap="Blues")
        ax.set_xticks(range(n), names, rotation=45)
        ax.set_yticks(range(n), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title)
        for i in range(n):
            for j in range(n):
                ax.text(j, i, format(data[i, j], fmt), ha="center", va="center", fontsize=8,
                        color="white" if data[i, j] > data.max() / 2 else "black")
        fig.colorbar(im, ax=ax, fraction=0.046)
    out = args.out or str(Path(args.input) / "confusion.png")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return out


def curves(args):
    records = [json.loads(l) for l in open(Path(args.input) / "metrics.jsonl") if l.strip()]
    epochs = [r for r in records if r.get("type") == "epoch"]
    if not epochs:
        sys.exit("no epoch records in %s/metrics.jsonl" % args.input)
    x = [r["epoch"] for r in epochs]
    fig, axes = plt.subplots(1, 4, figsize=(20, 4.5))
    for split in ("train", "val"):
        # An empty val split logs null metrics (docs/training.md): nothing to draw.
        if any(r.get(split + "_loss") is None for r in epochs):
            continue
        axes[0].plot(x, [r[split + "_loss"] for r in epochs], label=split)
        axes[1].plot(x, [r[split + "_accuracy"] for r in epochs], label=split)
    axes[2].plot(x, [r["lr"] for r in epochs])
    scales = sorted(k for k in epochs[0] if k.startswith("logit_scale_"))
    for k in scales:
        axes[3].plot(x, [r[k] for r in epochs], label=k[len("logit_scale_"):])
    for ax, title in zip(axes, ("loss", "accuracy", "learning rate", "logit scales")):
        ax.set_title(title)
        ax.set_xlabel("epoch")
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    out = args.out or str(Path(args.input) / "curves.png")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return out


MAP_MIN_OBJECTS = 10


def embedding_map(args):
    import h5py
    with h5py.File(args.input, "r") as f:
        x = f["embeddings/" + args.embedding][:]
        labels = f["labels"][:]
        names = json.loads(f.attrs["class_names"])
    rng = np.random.default_rng(0)
    keep = np.arange(len(x)) if len(x) <= args.max else np.sort(rng.choice(len(x), args.max, replace=False))
    x, labels = x[keep], labels[keep]
    if len(x) < MAP_MIN_OBJECTS:
        sys.exit("%s: %d objects; a 2-D map needs at least %d (UMAP's spectral start and t-SNE's "
                 "perplexity fail below that)" % (args.input, len(x), MAP_MIN_OBJECTS))
    try:
        import umap
        # n_neighbors below the object count: UMAP needs more objects than neighbours.
        xy = umap.UMAP(n_neighbors=max(2, min(45, len(x) - 1)), min_dist=0.7, metric="cosine",
                       random_state=42).fit_transform(x)
        method = "UMAP"
    except ImportError:
        from sklearn.manifold import TSNE
        xy = TSNE(n_components=2, metric="cosine", init="pca", random_state=42,
                  perplexity=min(30, max(5, len(x) // 4))).fit_transform(x)
        method = "t-SNE"
    fig, ax = plt.subplots(figsize=(9, 8))
    cmap = plt.get_cmap("tab10")
    for c, name in enumerate(names):
        sel = labels == c
        if not sel.any():
            continue  # absent classes stay out of the legend
        ax.scatter(xy[sel, 0], xy[sel, 1], s=4, color=cmap(c % 10), label=name)
    if (labels < 0).any():
        ax.scatter(xy[labels < 0, 0], xy[labels < 0, 1], s=4, color="lightgrey", label="unlabelled")
    ax.legend(markerscale=4, fontsize=8)
    ax.set_title("%s of %s embeddings (%d objects)" % (method, args.embedding, len(x)))
    ax.set_xticks([])
    ax.set_yticks([])
    out = args.out or str(Path(args.input).with_suffix("")) + "-map.png"
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return out


def reliability(args):
    root = Path(args.input)
    if (root / "metrics.json").exists():
        cal = json.load(open(root / "metrics.json")).get("calibration")
        what = "%s split" % json.load(open(root / "metrics.json")).get("split", "?")
    else:
        manifest = root / "manifest.json"
        if not manifest.exists():
            manifest = root / "best" / "manifest.json"
        if not manifest.exists():
            sys.exit("%s: neither an evaluate output (metrics.json) nor a checkpoint or run "
                     "directory (manifest.json)" % root)
        cal = json.load(open(manifest)).get("calibration")
        what = "val split (%d objects)" % cal["objects"] if cal else ""
    if not cal:
        sys.exit("%s holds no calibration record (a classifier fine-tuned or evaluated by an "
                 "earlier astrom3, or a CLIP checkpoint)" % root)
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
    for ax, key, title in ((axes[0], "before", "raw (T = 1)"),
                           (axes[1], "after", "temperature %.3f" % cal["temperature"])):
        q = cal[key]
        bins = [b for b in q["bins"]]
        centre = [(b["lower"] + b["upper"]) / 2 for b in bins]
        width = bins[0]["upper"] - bins[0]["lower"]
        acc = [b["accuracy"] if b["count"] else 0 for b in bins]
        conf = [b["confidence"] if b["count"] else 0 for b in bins]
        ax.bar(centre, acc, width=width, edgecolor="black", color="tab:blue", label="accuracy")
        ax.bar(centre, np.array(conf) - np.array(acc), bottom=acc, width=width, color="tab:red",
               alpha=0.3, label="gap to confidence")
        ax.plot([0, 1], [0, 1], "k--", lw=1)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence (top-class probability)")
        ax.set_title("%s: ECE %.4f, NLL %.4f" % (title, q["ece"], q["nll"]))
    axes[0].set_ylabel("accuracy")
    axes[0].legend(loc="upper left")
    fig.suptitle("reliability on the %s" % what)
    out = args.out or str(root / "reliability.png")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="kind", required=True)
    for kind in ("confusion", "curves", "map", "reliability"):
        s = sub.add_parser(kind)
        s.add_argument("input")
        s.add_argument("--out")
        if kind == "map":
            s.add_argument("--embedding", default="fused")
            s.add_argument("--max", type=int, default=5000)
    args = p.parse_args()
    out = {"confusion": confusion, "curves": curves, "map": embedding_map,
           "reliability": reliability}[args.kind](args)
    print("wrote", out)


if __name__ == "__main__":
    main()
