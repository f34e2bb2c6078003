#!/usr/bin/env python3
"""Writes the fine-tuning configs of configs/paper/, configs/medium/ and configs/quick/ (standard
library only).

    python3 scripts/make_configs.py

Paper values: upstream's configs/*.yaml (arXiv 2411.08842 Appendix A). Values the paper does not publish and
that astrom3 chose (docs/reproduction.md):
  * CLIP-initialised runs (`*-clip.json`) reuse the from-scratch run's lr, beta1, weight decay
    and plateau factor (upstream's config-*-clip.yaml files are missing), with the dropouts of
    the published fine-tuned models where known (photometry full: 0.149, metadata: 0.326,
    all: p 0.233 / s 0.177 / m 0.118);
  * `all` runs (upstream's config-all-*.yaml are missing too) have their own fusion and
    optimiser settings, ALL below, chosen by scripts/search_fusion.sh on the quick configs
    (docs/fusion.md): per-modality heads (fusion concat), modality dropout, Adam with beta1 0.9,
    gradient clipping at 5 and the learning rate ALL_LR; weight decay and plateau factor stay
    the photometry run's of the same subset, dropouts the published `all` model's.
"""
import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSETS = ("full", "sub50", "sub25", "sub10")

# mode -> subset -> (lr, beta1, weight_decay, plateau_factor, dropout)
PAPER = {
    "photometry": {
        "full": (0.0029252820182446636, 0.9896136892033424, 4.706594018512592e-05, 0.5055209371179913, 0.23088861498106117),
        "sub50": (0.004085711843480401, 0.9650996147067188, 1.890204163209976e-05, 0.3864002447070358, 0.09866925844981277),
        "sub25": (0.0008657926375343512, 0.9595044001144828, 0.0007018263282014307, 0.9452305159548636, 0.1311369373756044),
        "sub10": (0.00012927149363744576, 0.9149369320298176, 0.002405679286704065, 0.9319938220468964, 0.09225591774389948),
    },
    "spectra": {
        "full": (0.003970178217704787, 0.7623427777917324, 0.00015797808521611945, 0.6019231988810758, 0.3161089643126984),
        "sub50": (0.009108121363693778, 0.9017578625564971, 0.00040105661758006, 0.8188233456609151, 0.2150546816155032),
        "sub25": (0.004633375203573378, 0.7008293738049856, 0.00011387417856645328, 0.8489857433390333, 0.3602762571526253),
        "sub10": (0.005733557394025984, 0.9706049382983424, 0.008311501808684634, 0.914364478102646, 0.219251883044236),
    },
    "metadata": {
        "full": (0.002744981242271558, 0.9219791256930212, 0.00026179047214550745, 0.3720521973024151, 0.19168856047566107),
        "sub50": (0.00894210151536042, 0.9503416583351104, 4.3077587972203614e-05, 0.39704562249416153, 0.2312530364243061),
        "sub25": (0.008218587195918435, 0.9036506970927458, 0.0002237573205487715, 0.3080174269485989, 0.13521790585984286),
        "sub10": (0.009586101387197628, 0.960355167407052, 0.0016692845865161668, 0.48040637245293494, 0.1479383968245285),
    },
}
CLIP_DROPOUT = {"photometry": 0.14904317667318695, "metadata": 0.3263553412288197}
ALL_DROPOUT = {"photometry": 0.23298025523387417, "spectra": 0.17681432650209564,
               "metadata": 0.11768506840534872}
DROPOUT_KEY = {"photometry": "photometry", "spectra": "spectra", "metadata": "metadata"}
# The fused classifier's own settings (docs/fusion.md, scripts/search_fusion.sh).
ALL_FINETUNE = {"fusion": "concat", "modality_dropout": 0.2}
ALL_TRAIN = {"beta1": 0.9, "clip_grad_norm": 5}
# Learning rate per label fraction: 3e-3 beat 1e-3 on full labels, 1e-3 beat 3e-3 on sub10;
# sub50 and sub25 follow their neighbours.
ALL_LR = {"full": 0.003, "sub50": 0.003, "sub25": 0.001, "sub10": 0.001}


# Epochs per label fraction of the reduced protocols: fewer on larger label sets, so that every
# subset gets enough steps. quick: the demo survey, minutes; medium: the medium survey
# (configs/medium/survey.json), about an hour per seed on 2 cores, each run converged or
# stopped early (docs/reproduction.md).
REDUCED_EPOCHS = {
    "quick": {"full": 3, "sub50": 4, "sub25": 5, "sub10": 8},
    "medium": {"full": 8, "sub50": 10, "sub25": 12, "sub10": 20},
}
# The metadata MLP costs ~1/60 of the photometry transformer per epoch and needs ~50 epochs to
# converge on the medium survey (measured: 78 % after 14 epochs, 81 % after 60).
MEDIUM_METADATA_EPOCHS = {"full": 60, "sub50": 70, "sub25": 80, "sub10": 100}


def finetune_config(base_model, data, mode, subset, clip, kind):
    lr, beta1, wd, factor, dropout = PAPER["photometry" if mode == "all" else mode][subset]
    model = copy.deepcopy(base_model)
    if mode == "all":
        for m, p in ALL_DROPOUT.items():
            model[m]["dropout"] = p
    else:
        p = CLIP_DROPOUT.get(mode, dropout) if clip and subset == "full" else dropout
        model[DROPOUT_KEY[mode]]["dropout"] = p
    train = {"epochs": 50, "optimizer": "adam", "lr": lr, "beta1": beta1, "beta2": 0.999,
             "weight_decay": wd, "schedule": "plateau", "warmup_epochs": 10,
             "warmup_start_factor": 1e-05, "plateau_factor": factor, "plateau_patience": 3,
             "clip_grad_norm": 5 if mode in ("photometry", "spectra") else 0,
             "early_stopping_patience": 6, "best_metric": "val_accuracy"}
    finetune = {"mode": mode, "fusion": "avg", "freeze_encoders": False, "class_weights": "none"}
    if mode == "all":
        train.update(ALL_TRAIN)
        finetune.update(ALL_FINETUNE)
    if kind in REDUCED_EPOCHS:
        train.update(epochs=REDUCED_EPOCHS[kind][subset], warmup_epochs=1,
                     warmup_start_factor=0.1, early_stopping_patience=3, plateau_patience=1,
                     log_every_steps=5 if kind == "quick" else 20)
        if kind == "medium" and mode == "metadata":
            train.update(epochs=MEDIUM_METADATA_EPOCHS[subset], early_stopping_patience=8,
                         plateau_patience=3)
        # Few epochs: learning rates that converge in them.
        train["lr"] = max(lr, 1e-3)
    if mode == "all":
        train["lr"] = ALL_LR[subset]
    d = dict(data)
    d["split_set"] = subset + "_42"
    return {"data": d, "model": model, "train": train, "finetune": finetune}


def main():
    for kind in ("paper", "medium", "quick"):
        clip_path = ROOT / "configs" / kind / ("clip-full.json" if kind == "paper" else "clip.json")
        clip = json.loads(clip_path.read_text())
        base_model = clip["model"]
        data = {k: v for k, v in clip["data"].items() if k != "split_set"}
        loader = clip.get("loader")
        for mode in ("photometry", "spectra", "metadata", "all"):
            for subset in SUBSETS:
                for init in (False, True):
                    cfg = finetune_config(base_model, data, mode, subset, init, kind)
                    if kind == "quick":
                        # Small label sets (sub10 of the demo survey: 240 objects) need small
                        # batches to take more than one step per epoch.
                        cfg["loader"] = {"batch_size": 64 if subset in ("full", "sub50") else 32}
                    elif kind == "medium":
                        cfg["loader"] = {"batch_size": 64}
                    elif loader:
                        cfg["loader"] = loader
                    name = "finetune-%s-%s%s.json" % (mode, subset, "-clip" if init else "")
                    (ROOT / "configs" / kind / name).write_text(json.dumps(cfg, indent=2) + "\n")


if __name__ == "__main__":
    main()
