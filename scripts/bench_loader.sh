#!/usr/bin/env bash
# Batch-assembly throughput: astrom3's loader vs per-sample numpy preprocessing, same file,
# same machine, one run. Paper shapes: seq_len 200, 2575-point spectra, batch 512.
# Usage: scripts/bench_loader.sh [OBJECTS]   (default 6000 labelled objects -> 4800 train)
# Writes results/bench_loader.json and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
OBJECTS="${1:-6000}"
./scripts/build.sh > /dev/null
mkdir -p results data
DATA="data/bench-${OBJECTS}.h5"
[[ -f "$DATA" ]] || build/astrom3 --log-level warn synth --objects "$OBJECTS" --seed 1 --out "$DATA"

cpp=$(build/bench/astrom3_bench_loader --data "$DATA" --workers 2)
np1=$(/usr/bin/python3 scripts/bench_loader_numpy.py --data "$DATA" --processes 1)
np2=$(/usr/bin/python3 scripts/bench_loader_numpy.py --data "$DATA" --processes 2)

/usr/bin/python3 - "$cpp" "$np1" "$np2" "$(nproc)" <<'PY'
import json, sys
cpp, np1, np2 = (json.loads(x) for x in sys.argv[1:4])
best_np = max(np1["samples_per_s"], np2["samples_per_s"])
rows = [
    ("numpy per-sample, 1 process", np1["samples_per_s"]),
    ("numpy per-sample, 2 processes", np2["samples_per_s"]),
    ("astrom3, per-sample preprocessing, 2 workers", cpp["per_sample_samples_per_s"]),
    ("astrom3, cached preprocessing, 2 workers", cpp["cached_samples_per_s"]),
]
print(f"batch assembly, batch {cpp['batch_size']}, seq_len {cpp['seq_len']}, "
      f"{cpp['objects']} train objects, {sys.argv[4]} cores")
print(f"{'loader':48s} {'samples/s':>12s} {'vs best numpy':>14s}")
for name, v in rows:
    print(f"{name:48s} {v:12.0f} {v / best_np:13.1f}x")
print(f"(astrom3 one-time cache build: {cpp['prepare_seconds']:.2f} s; file read {cpp['read_seconds']:.2f} s)")
json.dump({"astrom3": cpp, "numpy_1": np1, "numpy_2": np2,
           "ratio_cached_vs_best_numpy": cpp["cached_samples_per_s"] / best_np,
           "ratio_per_sample_vs_best_numpy": cpp["per_sample_samples_per_s"] / best_np},
          open("results/bench_loader.json", "w"), indent=2)
PY
