#!/usr/bin/python3
"""Table and results/bench.json of scripts/bench.sh, from the JSON each benchmark printed.

Arguments: cores threads WORK, where WORK holds NAME.cpp.json (astrom3) and NAME.py.json
(PyTorch) for NAME in loader, step, step128, step_fast, infer, infer_fast, epoch and the bf16
runs step_bf16, step128_bf16 and infer_bf16 (PyTorch under bf16 autocast).
The FP32 peak is cores x clock x FLOPs per cycle per core from /proc/cpuinfo: 64 with AVX-512
(two 16-lane FMA units), 32 with AVX2 and FMA (two 8-lane FMA units: Haswell and later, Zen 2
and later), 16 otherwise. The clock is the nominal one the kernel reports; turbo can exceed it.
Standard library only.
"""
import json
import sys


def fp32_peak_gflops(threads):
    flags, mhz = set(), 0.0
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags") and not flags:
            flags = set(line.split(":", 1)[1].split())
        elif line.startswith("cpu MHz") and not mhz:
            mhz = float(line.split(":", 1)[1])
    per_cycle = 64 if "avx512f" in flags else 32 if {"avx2", "fma"} <= flags else 16
    return threads * mhz / 1000.0 * per_cycle, per_cycle, mhz


def main():
    cores, threads = int(sys.argv[1]), int(sys.argv[2])
    work = sys.argv[3]
    r = {}
    for name in ("loader", "step", "step128", "step_fast", "infer", "infer_fast", "epoch",
                 "step_bf16", "step128_bf16", "infer_bf16"):
        r["cpp_" + name] = json.load(open(f"{work}/{name}.cpp.json"))
        r["py_" + name] = json.load(open(f"{work}/{name}.py.json"))
    r["np_loader"] = r.pop("py_loader")
    peak, per_cycle, mhz = fp32_peak_gflops(threads)

    rows = []

    def row(name, target, cpp, py, unit="samples/s", higher=True):
        ratio = cpp / py if higher else py / cpp
        rows.append({"name": name, "astrom3": cpp, "pytorch": py, "ratio": ratio,
                     "target": target, "met": target is None or ratio >= target, "unit": unit})

    row("1 batch assembly, batch 512 (cached preprocessing)", 20,
        r["cpp_loader"]["cached_samples_per_s"], r["np_loader"]["samples_per_s"])
    row("  batch assembly, per-sample preprocessing", None,
        r["cpp_loader"]["per_sample_samples_per_s"], r["np_loader"]["samples_per_s"])
    row("2 training step, paper config, batch 32", 2,
        r["cpp_step"]["samples_per_s"], r["py_step"]["samples_per_s"])
    row("  training step, paper config, batch 128", 2,
        r["cpp_step128"]["samples_per_s"], r["py_step128"]["samples_per_s"])
    row("3 inference, paper config, batch 256", 2,
        r["cpp_infer"]["samples_per_s"], r["py_infer"]["samples_per_s"])
    row("4 epoch + validation, quick config (seconds)", 3,
        r["cpp_epoch"]["epoch_seconds"], r["py_epoch"]["epoch_seconds"], "s", higher=False)
    row("  whole process incl. start and file read (s)", None,
        r["cpp_epoch"]["wall_s"], r["py_epoch"]["wall_s"], "s", higher=False)
    row("5 peak memory, training step (MB)", 1,
        r["cpp_step"]["peak_rss_mb"], r["py_step"]["peak_rss_mb"], "MB", higher=False)
    row("5 peak memory, epoch (MB; PyTorch main process only)", 1,
        r["cpp_epoch"]["peak_rss_mb"], r["py_epoch"]["peak_rss_mb"], "MB", higher=False)

    for batch, key in ((32, "step"), (128, "step128")):
        row(f"6 bf16 training step, batch {batch} / PyTorch fp32", 3,
            r[f"cpp_{key}_bf16"]["samples_per_s"], r[f"py_{key}"]["samples_per_s"])
        row(f"  bf16 training step, batch {batch} / PyTorch bf16", 1.5,
            r[f"cpp_{key}_bf16"]["samples_per_s"], r[f"py_{key}_bf16"]["samples_per_s"])
    row("7 bf16 inference, batch 256 / PyTorch fp32", 3,
        r["cpp_infer_bf16"]["samples_per_s"], r["py_infer"]["samples_per_s"])
    row("  bf16 inference, batch 256 / PyTorch bf16", None,
        r["cpp_infer_bf16"]["samples_per_s"], r["py_infer_bf16"]["samples_per_s"])
    row("  astrom3 bf16 / astrom3 fp32, training step, batch 32", None,
        r["cpp_step_bf16"]["samples_per_s"], r["cpp_step"]["samples_per_s"])
    row("  astrom3 bf16 / astrom3 fp32, inference", None,
        r["cpp_infer_bf16"]["samples_per_s"], r["cpp_infer"]["samples_per_s"])

    row("  training step, full attention + mean pooling", None,
        r["cpp_step_fast"]["samples_per_s"], r["py_step_fast"]["samples_per_s"])
    row("  inference, full attention + mean pooling", None,
        r["cpp_infer_fast"]["samples_per_s"], r["py_infer_fast"]["samples_per_s"])

    print(f"astrom3 vs PyTorch {r['py_step']['torch']}, {threads} threads, {cores} cores "
          f"(FP32 peak {peak:.0f} GFLOP/s = {threads} x {mhz / 1000:.2f} GHz x {per_cycle})")
    print(f"{'':54s} {'astrom3':>10s} {'PyTorch':>10s} {'ratio':>7s} {'target':>7s}")
    print("(rows 6 and 7: astrom3 in bf16; the last two compare astrom3 with itself)")
    for x in rows:
        target = f">={x['target']}x" if x["target"] else ""
        flag = "" if x["met"] else "  MISSED"
        print(f"{x['name']:54s} {x['astrom3']:10.1f} {x['pytorch']:10.1f} {x['ratio']:6.2f}x "
              f"{target:>7s}{flag}")
    flops = {}
    for key, label in (("step", "training step"), ("infer", "inference")):
        cpp = r["cpp_" + key]
        per_sample = cpp["flops_per_sample"]
        for side in ("cpp", "py"):
            rate = r[f"{side}_{key}"]["samples_per_s"] * per_sample / 1e9
            flops[f"{side}_{key}_gflops"] = rate
            flops[f"{side}_{key}_peak_share"] = rate / peak
        print(f"{label}: {per_sample / 1e9:.2f} GFLOP per sample (analytic); astrom3 "
              f"{flops[f'cpp_{key}_gflops']:.1f} GFLOP/s ({100 * flops[f'cpp_{key}_peak_share']:.0f}"
              f"% of peak), PyTorch {flops[f'py_{key}_gflops']:.1f} GFLOP/s "
              f"({100 * flops[f'py_{key}_peak_share']:.0f}%)")
    print(f"epoch: val accuracy astrom3 {r['cpp_epoch']['val_accuracy']:.3f}, "
          f"PyTorch {r['py_epoch']['val_accuracy']:.3f} (one epoch, in-batch retrieval); PyTorch's "
          f"largest DataLoader worker peaked at {r['py_epoch'].get('worker_peak_rss_mb', 0):.0f} MB "
          f"besides its main process")
    json.dump({"cores": cores, "threads": threads, "fp32_peak_gflops": peak, "rows": rows,
               "flops": flops, "raw": r}, open("results/bench.json", "w"), indent=2)
    print("wrote results/bench.json")


if __name__ == "__main__":
    main()
