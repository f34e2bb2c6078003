#!/usr/bin/env bash
# Import speed of `astrom3 prepare astrom3`: writes a synthetic survey in the published raw
# layout (photometry.zip, FITS spectra in both layouts, split CSVs) and imports it with 1 and 2
# threads, checking that both imports give the same file. Results: results/bench_prepare.json.
# Usage: scripts/bench_prepare.sh [OBJECTS (default 20000)]
set -euo pipefail
cd "$(dirname "$0")/.."
OBJECTS="${1:-20000}"
BIN="${ASTROM3_BIN:-build/astrom3}"
[[ -x "$BIN" ]] || ./scripts/build.sh
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p results

ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
"$BIN" --log-level warn synth --objects "$OBJECTS" --seed 1 --raw-layout "$WORK/raw"
t1=$(ms)
raw_bytes=$(du -sb "$WORK/raw" | cut -f1)
declare -A wall
for threads in 1 2; do
  sync
  a=$(ms)
  "$BIN" --log-level warn --threads "$threads" prepare astrom3 --root "$WORK/raw" --out "$WORK/p$threads.h5"
  b=$(ms)
  wall[$threads]=$((b - a))
done
# Survey files are byte-reproducible (no HDF5 timestamps): the thread count must not matter.
cmp -s "$WORK/p1.h5" "$WORK/p2.h5" ||
  { echo "bench_prepare: 1 and 2 threads gave different surveys" >&2; exit 1; }
python3 - "$OBJECTS" "$((t1 - t0))" "$raw_bytes" "${wall[1]}" "${wall[2]}" "$WORK" <<'PY' | tee results/bench_prepare.json
import json, sys
n, size, work = int(sys.argv[1]), int(sys.argv[3]), sys.argv[6]
synth, w1, w2 = (float(sys.argv[k]) / 1000 for k in (2, 4, 5))
# The import report times reading and checking the files; the rest is writing the survey file.
read = {t: json.load(open(f"{work}/p{t}.import-report.json"))["summary"]["seconds"] for t in (1, 2)}
print(json.dumps({
    "objects": n,
    "raw_layout_bytes": size,
    "synth_raw_layout_seconds": round(synth, 2),
    "prepare_seconds": {"1_thread": round(w1, 2), "2_threads": round(w2, 2)},
    "objects_per_second": {"1_thread": round(n / w1, 1), "2_threads": round(n / w2, 1)},
    "read_seconds": {"1_thread": round(read[1], 2), "2_threads": round(read[2], 2)},
    "read_objects_per_second": {"1_thread": round(n / read[1], 1), "2_threads": round(n / read[2], 1)},
}, indent=2))
PY
