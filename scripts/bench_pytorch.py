#!/usr/bin/python3
"""The PyTorch side of scripts/bench.sh: the reference model (scripts/reference/astrom3_ref.py)
timed the way a Python user runs it, with the same shapes and threads as astrom3's benchmarks.

Run with Debian's interpreter (/usr/bin/python3: python3-torch 1.13, the same LibTorch build
that astrom3 links, numpy, scipy, h5py). Every mode prints one JSON object.

    bench_pytorch.py step  --model MODEL.json --batch 32  [--steps N] [--threads 2]
        one CLIP training step: forward, loss, backward, gradient clipping and Adam.
    bench_pytorch.py infer --model MODEL.json --batch 256 [--steps N] [--threads 2]
        embedding inference (eval mode, torch.inference_mode).
    --bf16: the same under PyTorch's bf16 autocast (torch.autocast on the CPU or CUDA, the way a
        Python user turns on mixed precision; its loss and softmax follow autocast's own lists).
    --device cuda: the same on a GPU, with peak GPU memory.
    bench_pytorch.py epoch --model MODEL.json --train TRAIN.json --data SURVEY.h5 [--workers 2]
        one pre-training epoch plus a validation pass, from the raw survey file: a DataLoader
        with per-sample numpy preprocessing (scripts/bench_loader_numpy.py) feeding the model.

MODEL.json is the resolved `model` section that astrom3_bench_model --print-model writes, so
that both sides build the same architecture; TRAIN.json holds lr, betas, eps, weight_decay,
clip_grad_norm, batch_size and seq_len.
"""
import argparse
import contextlib
import json
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent / "reference"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import astrom3_ref as ref  # noqa: E402

SPECTRUM_LENGTH = 2575


def peak_rss_mb(who=resource.RUSAGE_SELF):
    """Peak resident memory of this process (or of its largest finished child), MB."""
    return resource.getrusage(who).ru_maxrss / 1024.0


DEVICE = torch.device("cpu")
BF16 = False


def sample_indices(model_cfg, seq_len):
    """Fresh ProbSparse key samples for every layer, as the official code draws them."""
    p = model_cfg["photometry"]
    u = min(p["probsparse_factor"] * math.ceil(math.log(seq_len)), seq_len)
    return [torch.randint(seq_len, (seq_len, u), device=DEVICE) for _ in range(p["layers"])]


def autocast():
    return (torch.autocast(DEVICE.type, dtype=torch.bfloat16) if BF16
            else contextlib.nullcontext())


def synchronize():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def random_batch(batch, seq_len, seed):
    """Inputs with the loader's shapes; light curves of random length, zero padded."""
    g = torch.Generator().manual_seed(seed)
    phot = torch.randn(batch, seq_len, 9, generator=g)
    lengths = torch.randint(seq_len // 4, seq_len + 1, (batch,), generator=g)
    mask = (torch.arange(seq_len)[None, :] < lengths[:, None]).float()
    phot = phot * mask[..., None]
    spec = torch.randn(batch, 3, SPECTRUM_LENGTH, generator=g)
    meta = torch.randn(batch, 34, generator=g)
    present = torch.ones(batch, 3, dtype=torch.bool)
    return tuple(t.to(DEVICE) for t in (phot, mask, spec, meta, present))


def make_optimizer(model, train):
    return torch.optim.Adam(model.parameters(), lr=train["lr"],
                            betas=(train["beta1"], train["beta2"]), eps=train["eps"],
                            weight_decay=train["weight_decay"])


def train_step(model, optimizer, train, model_cfg, seq_len, phot, mask, spec, meta, present):
    optimizer.zero_grad()
    with autocast():
        emb = model.embed(phot, mask, spec, meta, sample_indices(model_cfg, seq_len))
        emb = {k: v.float() for k, v in emb.items()}
        losses, correct, counted = ref.clip_loss(model, emb, present)
        loss = sum(losses.values())
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), train["clip_grad_norm"])
    optimizer.step()
    return float(loss), correct, counted


def build(model_cfg, seq_len, seed=0):
    torch.manual_seed(seed)
    return ref.AstroM3(model_cfg, seq_len, SPECTRUM_LENGTH).to(DEVICE)


def timed(fn, steps, warmup):
    for _ in range(warmup):
        fn()
    synchronize()
    if DEVICE.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    synchronize()
    return time.perf_counter() - t0


def bench_step(a, model_cfg, train):
    seq_len = train["seq_len"]
    model = build(model_cfg, seq_len)
    model.train()
    optimizer = make_optimizer(model, train)
    inputs = random_batch(a.batch, seq_len, 1)
    seconds = timed(lambda: train_step(model, optimizer, train, model_cfg, seq_len, *inputs),
                    a.steps, a.warmup)
    return {"samples_per_s": a.steps * a.batch / seconds, "batch": a.batch, "steps": a.steps}


def bench_infer(a, model_cfg, train):
    seq_len = train["seq_len"]
    model = build(model_cfg, seq_len)
    model.eval()
    phot, mask, spec, meta, _ = random_batch(a.batch, seq_len, 2)
    torch.manual_seed(0)
    indices = sample_indices(model_cfg, seq_len)  # evaluation uses one fixed sample

    def run():
        with torch.inference_mode(), autocast():
            model.embed(phot, mask, spec, meta, indices)

    seconds = timed(run, a.steps, a.warmup)
    return {"samples_per_s": a.steps * a.batch / seconds, "batch": a.batch, "steps": a.steps}


class SurveyDataset(torch.utils.data.Dataset):
    """Per-sample preprocessing from the raw arrays, as the official loader does it."""

    def __init__(self, survey, rows, seq_len, seed):
        self.survey, self.rows, self.seq_len, self.seed = survey, rows, seq_len, seed
        self.rng = None

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        if self.rng is None:  # one generator per worker process
            info = torch.utils.data.get_worker_info()
            self.rng = np.random.default_rng(self.seed + (info.id if info else 0))
        import bench_loader_numpy as pre
        return pre.preprocess(self.survey, self.rows[i], self.seq_len, self.rng)


def bench_epoch(a, model_cfg, train):
    import bench_loader_numpy as pre
    t_start = time.perf_counter()
    seq_len, batch = train["seq_len"], train["batch_size"]
    survey = pre.load(a.data, a.split_set)
    import h5py
    with h5py.File(a.data, "r") as f:
        val_rows = f["splits"][a.split_set]["val"][:]
    model = build(model_cfg, seq_len)
    optimizer = make_optimizer(model, train)
    loader = torch.utils.data.DataLoader(
        SurveyDataset(survey, survey["rows"], seq_len, 0), batch_size=batch, shuffle=True,
        drop_last=True, num_workers=a.workers, persistent_workers=False)
    val = torch.utils.data.DataLoader(
        SurveyDataset(survey, val_rows, seq_len, 1), batch_size=batch, shuffle=False,
        num_workers=a.workers)
    t_epoch = time.perf_counter()
    model.train()
    samples, losses = 0, []
    for phot, mask, spec, meta in loader:
        present = torch.ones(len(phot), 3, dtype=torch.bool)
        loss, _, _ = train_step(model, optimizer, train, model_cfg, seq_len, phot, mask, spec,
                                meta, present)
        losses.append(loss)
        samples += len(phot)
    model.eval()
    torch.manual_seed(0)
    indices = sample_indices(model_cfg, seq_len)
    correct = counted = 0
    with torch.inference_mode():
        for phot, mask, spec, meta in val:
            present = torch.ones(len(phot), 3, dtype=torch.bool)
            emb = model.embed(phot, mask, spec, meta, indices)
            _, c, n = ref.clip_loss(model, emb, present)
            correct, counted = correct + c, counted + n
    end = time.perf_counter()
    return {"seconds": end - t_start, "epoch_seconds": end - t_epoch, "samples": samples,
            "samples_per_s": samples / (end - t_epoch), "train_loss": float(np.mean(losses)),
            "val_accuracy": correct / max(counted, 1), "workers": a.workers}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["step", "infer", "epoch"])
    ap.add_argument("--model", required=True, help="resolved model options (JSON)")
    ap.add_argument("--train", required=True,
                    help="training options (JSON): astrom3_bench_model --print-train")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data")
    ap.add_argument("--split-set", default="full_42")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast (CPU or CUDA)")
    a = ap.parse_args()
    global DEVICE, BF16
    DEVICE, BF16 = torch.device(a.device), a.bf16
    torch.set_num_threads(a.threads)
    model_cfg = json.loads(Path(a.model).read_text())
    train = json.loads(Path(a.train).read_text())
    out = {"step": bench_step, "infer": bench_infer, "epoch": bench_epoch}[a.mode](a, model_cfg,
                                                                                  train)
    out.update(mode=a.mode, threads=a.threads, torch=torch.__version__, device=str(DEVICE),
               precision="bf16" if BF16 else "fp32", peak_rss_mb=peak_rss_mb(),
               worker_peak_rss_mb=peak_rss_mb(resource.RUSAGE_CHILDREN))
    if DEVICE.type == "cuda":
        out["gpu_peak_allocated_mb"] = torch.cuda.max_memory_allocated() / 1048576.0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
