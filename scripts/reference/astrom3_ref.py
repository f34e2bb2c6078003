#!/usr/bin/python3
"""Independent PyTorch reference of the AstroM3 model and CLIP loss, written from the paper's
description (arXiv 2411.08842 §4, docs/model.md) with the official state-dict key names.

Run with Debian's interpreter (/usr/bin/python3, python3-torch 1.13, python3-numpy); the
`python3` on the PATH of the build machines lacks these packages.

    /usr/bin/python3 scripts/reference/astrom3_ref.py golden tests/data/golden
        writes, per case, model_<case>.safetensors (weights under official keys, inputs,
        ProbSparse key samples, embeddings, losses, gradients) and model_<case>.json (the
        astrom3 config of that model). The C++ golden test compares against them.
    /usr/bin/python3 scripts/reference/astrom3_ref.py weights GOLDEN OUT
        writes the weights of a golden file as a plain safetensors file (official keys), as
        Python users write theirs, for `astrom3 import`.
    /usr/bin/python3 scripts/reference/astrom3_ref.py bf16-errors tests/data/golden/model_CASE.json
        runs a golden case under PyTorch's CPU bf16 autocast and prints its errors against the
        float32 outputs (the scale astrom3's bf16 tolerances are set against).
    /usr/bin/python3 scripts/reference/astrom3_ref.py check-export FILE CONFIG
        loads an astrom3-exported safetensors file into this reference with strict key
        checking and verifies that it reproduces the embeddings of the golden case.

safetensors is read and written here with the standard library and numpy (Debian 12 has no
python3-safetensors); the format is a u64 little-endian header length, a JSON header and the
raw bytes.
"""
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------- safetensors
_DTYPES = {"F32": (np.float32, torch.float32), "F64": (np.float64, torch.float64),
           "I64": (np.int64, torch.int64), "I32": (np.int32, torch.int32),
           "U8": (np.uint8, torch.uint8), "BOOL": (np.bool_, torch.bool)}
_NAMES = {v[1]: k for k, v in _DTYPES.items()}


def save_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def load_safetensors(path):
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    buf = data[8 + n:]
    metadata = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        np_type, _ = _DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        arr = np.frombuffer(buf[b:end], dtype=np_type).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, metadata


# ----------------------------------------------------------------------------- model
class Photometry(nn.Module):
    """Informer encoder as arXiv 2411.08842 §4.1; attributes named as the official module tree."""

    def __init__(self, o, seq_len):
        super().__init__()
        self.o, self.seq_len = o, seq_len
        d = o["d_model"]
        self.enc_embedding = nn.Module()
        self.enc_embedding.value_embedding = nn.Module()
        self.enc_embedding.value_embedding.tokenConv = nn.Conv1d(
            o["input_channels"], d, 3, padding=1, bias=False,
            padding_mode="circular" if o["token_padding"] == "circular" else "zeros")
        self.enc_embedding.position_embedding = nn.Module()
        pos = torch.arange(o["max_len"], dtype=torch.float32)[:, None]
        freq = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
        pe = torch.zeros(o["max_len"], d)
        pe[:, 0::2] = torch.sin(pos * freq)
        pe[:, 1::2] = torch.cos(pos * freq)
        self.enc_embedding.position_embedding.register_buffer("pe", pe[None])
        self.encoder = nn.Module()
        layers = []
        for _ in range(o["layers"]):
            layer = nn.Module()
            layer.attention = nn.Module()
            for name in ("query_projection", "key_projection", "value_projection", "out_projection"):
                setattr(layer.attention, name, nn.Linear(d, d))
            layer.conv1 = nn.Conv1d(d, o["d_ff"], 1)
            layer.conv2 = nn.Conv1d(o["d_ff"], d, 1)
            layer.norm1 = nn.LayerNorm(d)
            layer.norm2 = nn.LayerNorm(d)
            layers.append(layer)
        self.encoder.attn_layers = nn.ModuleList(layers)
        self.encoder.norm = nn.LayerNorm(d)
        # Dropout as the official code places it (p = 0 in the golden cases): after the token
        # and position embedding, after attention, after the activation and the second
        # feed-forward convolution of every layer, and after the final norm.
        self.p_embedding = o.get("embedding_dropout", 0.0)
        self.p = o.get("dropout", 0.0)

    def attend(self, layer, x, mask, index):
        B, L, d = x.shape
        H = self.o["heads"]
        D = d // H
        a = layer.attention
        q = a.query_projection(x).view(B, L, H, D).permute(0, 2, 1, 3)
        k = a.key_projection(x).view(B, L, H, D).permute(0, 2, 1, 3)
        v = a.value_projection(x).view(B, L, H, D).permute(0, 2, 1, 3)
        if self.o["attention"] == "full":
            s = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(D)
            keep = mask.bool()
            keep = keep | ~keep.any(-1, keepdim=True)
            s = s.masked_fill(~keep[:, None, None, :], float("-inf"))
            ctx = torch.einsum("bhqk,bhkd->bhqd", s.softmax(-1), v)
            merged = ctx.permute(0, 2, 1, 3).reshape(B, L, d)
        else:
            u = min(self.o["probsparse_factor"] * math.ceil(math.log(L)), L)
            # Per query q, the keys index[q, :] are scored; M = max - sum / L.
            ks = k[:, :, index, :]                               # [B, H, L, U, D]
            qk_s = (q[:, :, :, None, :] * ks).sum(-1)            # [B, H, L, U]
            m = qk_s.max(-1).values - qk_s.sum(-1) / L
            top = m.topk(u, dim=-1).indices                      # [B, H, u]
            b_idx = torch.arange(B, device=x.device)[:, None, None]
            h_idx = torch.arange(H, device=x.device)[None, :, None]
            q_top = q[b_idx, h_idx, top]                         # [B, H, u, D]
            attn = (q_top @ k.transpose(-1, -2) / math.sqrt(D)).softmax(-1)
            ctx = v.mean(2, keepdim=True).expand(B, H, L, D).clone()
            ctx[b_idx, h_idx, top] = attn @ v
            if self.o["probsparse_official_layout"]:
                merged = ctx.contiguous().view(B, L, d)          # upstream's reinterpretation
            else:
                merged = ctx.permute(0, 2, 1, 3).reshape(B, L, d)
        return a.out_projection(merged)

    def forward(self, x, mask, indices):
        act = F.gelu if self.o["activation"] == "gelu" else F.relu
        e = self.enc_embedding
        h = e.value_embedding.tokenConv(x.transpose(1, 2)).transpose(1, 2)
        h = h + e.position_embedding.pe[:, : x.shape[1]]
        drop = lambda t, p: F.dropout(t, p, self.training)
        h = drop(h, self.p_embedding)
        for i, layer in enumerate(self.encoder.attn_layers):
            a = self.attend(layer, h, mask, indices[i] if indices else None)
            h = layer.norm1(h + drop(a, self.p))
            y = drop(act(layer.conv1(h.transpose(1, 2))), self.p)
            y = drop(layer.conv2(y).transpose(1, 2), self.p)
            h = layer.norm2(h + y)
        h = drop(self.encoder.norm(h), self.p) * mask[..., None]
        if self.o["pooling"] == "flatten":
            return h.reshape(h.shape[0], -1)
        return h.sum(1) / mask.sum(1, keepdim=True).clamp(min=1)


class Spectra(nn.Module):
    def __init__(self, o):
        super().__init__()
        mods, ch = [], o["channels"]
        for i in range(len(ch) - 1):
            mods += [nn.Conv1d(ch[i], ch[i + 1], o["kernel_size"]), nn.ReLU()]
            if i < len(ch) - 2:
                mods.append(nn.MaxPool1d(o["pool_size"]))
        self.layers = nn.ModuleList(mods)
        self.p = o.get("dropout", 0.0)

    def forward(self, x):
        for m in self.layers:
            x = m(x)
        return F.dropout(x.flatten(1), self.p, self.training)


class Metadata(nn.Module):
    def __init__(self, o):
        super().__init__()
        p = o.get("dropout", 0.0)
        self.model = nn.Sequential(nn.Linear(o["input_dim"], o["hidden_dim"]), nn.ReLU(),
                                   nn.Dropout(p), nn.Linear(o["hidden_dim"], o["hidden_dim"]),
                                   nn.ReLU(), nn.Dropout(p))

    def forward(self, x):
        return self.model(x)


class AstroM3(nn.Module):
    def __init__(self, model, seq_len, spectrum_length):
        super().__init__()
        self.cfg = model
        self.photometry_encoder = Photometry(model["photometry"], seq_len)
        self.spectra_encoder = Spectra(model["spectra"])
        self.metadata_encoder = Metadata(model["metadata"])
        with torch.no_grad():
            p_feat = self.photometry_encoder(torch.zeros(1, seq_len, model["photometry"]["input_channels"]),
                                             torch.ones(1, seq_len),
                                             [torch.zeros(seq_len, 8, dtype=torch.long)] * model["photometry"]["layers"]).shape[1]
            s_feat = self.spectra_encoder(torch.zeros(1, model["spectra"]["channels"][0], spectrum_length)).shape[1]
        e = model["embedding_dim"]
        self.photometry_proj = nn.Linear(p_feat, e)
        self.spectra_proj = nn.Linear(s_feat, e)
        self.metadata_proj = nn.Linear(model["metadata"]["hidden_dim"], e)
        for pair in ("ps", "sm", "mp"):
            setattr(self, "logit_scale_" + pair, nn.Parameter(torch.tensor(math.log(100.0))))

    def scale(self, pair):
        s = getattr(self, "logit_scale_" + pair)
        hi = self.cfg.get("logit_scale_max", 100.0)
        if self.cfg["logit_scale_clamp"] == "log":
            return torch.exp(torch.clamp(s, 0.0, math.log(hi)))
        return torch.clamp(torch.exp(s), 1.0, hi)

    def embed(self, phot, mask, spec, meta, indices):
        out = {}
        for name, feat in (("photometry", self.photometry_proj(self.photometry_encoder(phot, mask, indices))),
                           ("spectra", self.spectra_proj(self.spectra_encoder(spec))),
                           ("metadata", self.metadata_proj(self.metadata_encoder(meta)))):
            out[name] = feat / feat.norm(dim=-1, keepdim=True)
        return out


PAIRS = (("ps", "photometry", "spectra"), ("sm", "spectra", "metadata"), ("mp", "metadata", "photometry"))
COLUMN = {"photometry": 0, "spectra": 1, "metadata": 2}


def clip_loss(model, emb, present):
    """Per pair: symmetric cross-entropy over the objects that have both modalities."""
    losses, prob = {}, 0
    for key, a, b in PAIRS:
        keep = (present[:, COLUMN[a]] & present[:, COLUMN[b]]).nonzero().flatten()
        logits = model.scale(key) * emb[a][keep] @ emb[b][keep].T
        target = torch.arange(len(keep), device=logits.device)
        losses[key] = F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)
        # Retrieval candidates are the objects that have both modalities of the pair.
        valid = present[:, COLUMN[a]] & present[:, COLUMN[b]]
        full = (model.scale(key) * emb[a] @ emb[b].T).masked_fill(
            ~(valid[:, None] & valid[None, :]), float("-inf"))
        prob = prob + (full.softmax(1) + full.T.softmax(1)) / 2
    complete = present.all(1)
    prob = torch.where(complete[:, None], prob, torch.zeros_like(prob))  # rows of others are NaN
    hits = (prob.argmax(1) == torch.arange(len(present), device=prob.device)) & complete
    return losses, int(hits.sum()), int(complete.sum())


# ----------------------------------------------------------------------------- golden cases
def base_model():
    return {
        "modalities": ["photometry", "spectra", "metadata"], "embedding_dim": 16,
        "logit_scale_clamp": "exp", "logit_scale_init": 100.0, "logit_scale_max": 100.0,
        "photometry": {"input_channels": 9, "d_model": 32, "heads": 4, "d_ff": 64, "layers": 2,
                       "activation": "gelu", "dropout": 0.0, "embedding_dropout": 0.0,
                       "token_padding": "circular", "attention": "probsparse",
                       "probsparse_factor": 1, "probsparse_official_layout": True,
                       "pooling": "flatten", "max_len": 64},
        "spectra": {"channels": [3, 8, 8, 4, 4], "kernel_size": 3, "pool_size": 4, "dropout": 0.0},
        "metadata": {"input_dim": 34, "hidden_dim": 32, "dropout": 0.0},
    }


def cases():
    paper = base_model()
    full = base_model()
    full["logit_scale_clamp"] = "log"
    full["photometry"].update(attention="full", pooling="mean", token_padding="zeros",
                              activation="relu")
    standard = base_model()
    standard["photometry"].update(probsparse_official_layout=False, pooling="mean",
                                  probsparse_factor=2)
    return {"probsparse_official": (paper, False), "full_masked": (full, True),
            "probsparse_standard": (standard, False)}


def make_golden(out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seq_len, spectrum_length, batch = 50, 2575, 6
    for n, (name, (cfg, missing)) in enumerate(cases().items()):
        torch.manual_seed(1000 + n)
        model = AstroM3(cfg, seq_len, spectrum_length)
        with torch.no_grad():  # scales inside the clamp range so that their gradients flow
            model.logit_scale_ps.fill_(math.log(20.0))
            model.logit_scale_sm.fill_(math.log(50.0))
            model.logit_scale_mp.fill_(math.log(80.0))
        model.eval()
        weights = {k: v.detach().clone() for k, v in model.state_dict().items()}

        lengths = [50, 37, 50, 12, 1, 44]
        phot = torch.randn(batch, seq_len, 9)
        mask = torch.zeros(batch, seq_len)
        for i, l in enumerate(lengths):
            mask[i, :l] = 1
            phot[i, l:] = 0  # padding is zeros, as the loader writes it
        spec = torch.randn(batch, 3, spectrum_length)
        meta = torch.randn(batch, 34)
        present = torch.ones(batch, 3, dtype=torch.bool)
        if missing:
            present[1, 1] = False  # object 1 has no spectrum
            present[4, 2] = False  # object 4 has no metadata
        pcfg = cfg["photometry"]
        samples = min(pcfg["probsparse_factor"] * math.ceil(math.log(seq_len)), seq_len)
        indices = [torch.randint(seq_len, (seq_len, samples)) for _ in range(pcfg["layers"])]

        emb = model.embed(phot, mask, spec, meta, indices)
        losses, correct, counted = clip_loss(model, emb, present)
        total = sum(losses.values())
        total.backward()

        tensors = {"weight." + k: v for k, v in weights.items()}
        tensors.update({"input.photometry": phot, "input.photometry_mask": mask,
                        "input.spectra": spec, "input.metadata": meta,
                        "input.present": present.to(torch.uint8)})
        for i, idx in enumerate(indices):
            tensors["input.sample_index.%d" % i] = idx
        for k, v in emb.items():
            tensors["output.embedding." + k] = v.detach()
        tensors["output.loss"] = total.detach()
        for k, v in losses.items():
            tensors["output.loss_" + k] = v.detach()
        tensors["output.retrieval"] = torch.tensor([correct, counted], dtype=torch.int64)
        for k, p in model.named_parameters():
            tensors["grad." + k] = p.grad.detach().clone()
        save_safetensors(out_dir / ("model_%s.safetensors" % name), tensors,
                         {"generator": "scripts/reference/astrom3_ref.py", "torch": torch.__version__})
        config = {"data": {"seq_len": seq_len}, "model": cfg}
        (out_dir / ("model_%s.json" % name)).write_text(json.dumps(config, indent=2) + "\n")
        print("wrote", name, "loss", float(total))


def check_export(path, config_path):
    """Strictly loads an astrom3 export into the reference and re-runs the golden case."""
    config = json.loads(Path(config_path).read_text())
    golden_path = Path(config_path).with_suffix(".safetensors")
    golden, _ = load_safetensors(golden_path)
    tensors, metadata = load_safetensors(path)
    model = AstroM3(config["model"], config["data"]["seq_len"], 2575)
    model.load_state_dict(tensors, strict=True)
    model.eval()
    for k, v in golden.items():
        if k.startswith("weight.") and not torch.equal(tensors[k[len("weight."):]], v):
            sys.exit("exported tensor %s differs from the imported one" % k)
    n = config["model"]["photometry"]["layers"]
    indices = [golden["input.sample_index.%d" % i] for i in range(n)]
    with torch.no_grad():
        emb = model.embed(golden["input.photometry"], golden["input.photometry_mask"],
                          golden["input.spectra"], golden["input.metadata"], indices)
    for k, v in emb.items():
        diff = float((v - golden["output.embedding." + k]).abs().max())
        if diff > 1e-6:
            sys.exit("embedding %s differs by %g" % (k, diff))
    print("ok: %d tensors, metadata keys %s" % (len(tensors), sorted(metadata)))


def bf16_errors(config_path):
    """PyTorch's own CPU bf16 autocast on a golden case, against the case's float32 outputs:
    the error scale that astrom3's bf16 tolerances (tests/model/golden_model_test.cpp) are
    compared with. Embeddings are cast to float32 before the loss, as astrom3 does."""
    config = json.loads(Path(config_path).read_text())
    golden, _ = load_safetensors(Path(config_path).with_suffix(".safetensors"))
    model = AstroM3(config["model"], config["data"]["seq_len"], 2575)
    model.load_state_dict({k[len("weight."):]: v for k, v in golden.items()
                           if k.startswith("weight.")}, strict=True)
    model.eval()
    n = config["model"]["photometry"]["layers"]
    indices = [golden["input.sample_index.%d" % i] for i in range(n)]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        emb = model.embed(golden["input.photometry"], golden["input.photometry_mask"],
                          golden["input.spectra"], golden["input.metadata"], indices)
    emb = {k: v.float() for k, v in emb.items()}
    losses, _, _ = clip_loss(model, emb, golden["input.present"].bool())
    total = sum(losses.values())
    total.backward()
    out = {"embedding_max_abs_diff": max(float((v - golden["output.embedding." + k]).abs().max())
                                         for k, v in emb.items()),
           "loss_rel_diff": abs(float(total) / float(golden["output.loss"]) - 1)}
    frob = {}
    got = torch.cat([p.grad.flatten() for _, p in model.named_parameters()])
    want = torch.cat([golden["grad." + k].flatten() for k, _ in model.named_parameters()])
    out["gradient_model_rel_frobenius"] = float((got - want).norm() / want.norm())
    for k, p in model.named_parameters():
        ref = golden["grad." + k]
        if float(ref.norm()) > 1e-6 * float(ref.numel()) ** 0.5:  # skip zero-gradient tensors
            frob[k] = float((p.grad - ref).norm() / ref.norm())
    out["gradient_max_rel_frobenius"] = max(frob.values())
    out["gradient_worst_tensor"] = max(frob, key=frob.get)
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "golden":
        make_golden(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "weights":
        golden, _ = load_safetensors(sys.argv[2])
        save_safetensors(sys.argv[3], {k[len("weight."):]: v for k, v in golden.items()
                                       if k.startswith("weight.")}, {"format": "pt"})
    elif len(sys.argv) == 3 and sys.argv[1] == "bf16-errors":
        bf16_errors(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "check-export":
        check_export(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
