#!/usr/bin/env bash
# Speed and peak memory of `astrom3 search --all` and `astrom3 outliers` on N random unit
# embeddings (default 100,000 x 512, three modalities + fused, ten classes, 80 % train),
# written by Debian's /usr/bin/python3 (numpy, h5py) in the embed file format.
# Results: results/bench_embedding_science.json. Usage: scripts/bench_embedding_science.sh [N] [DIM]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
DIM="${2:-512}"
BIN="${ASTROM3_BIN:-build/astrom3}"
[[ -x "$BIN" ]] || ./scripts/build.sh
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p results

/usr/bin/python3 - "$WORK/e.h5" "$N" "$DIM" <<'PY'
import json, sys
import h5py, numpy as np
path, n, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
mods = ["photometry", "spectra", "metadata"]
with h5py.File(path, "w") as f:
    f.attrs.update(format="astrom3-embeddings", format_version=np.int64(1), checkpoint="random",
                   split_set="full_42", modalities=json.dumps(mods),
                   class_names=json.dumps([f"C{k}" for k in range(10)]))
    f["ids"] = np.array([f"R{i:07d}" for i in range(n)], dtype=object)
    f["labels"] = rng.integers(0, 10, n).astype(np.int32)
    f["split"] = np.array(rng.choice(["train", "val", "test"], n, p=[0.8, 0.1, 0.1]), dtype=object)
    fused = np.zeros((n, dim), np.float32)
    for m in mods:
        e = rng.standard_normal((n, dim)).astype(np.float32)
        e /= np.linalg.norm(e, axis=1, keepdims=True)
        f["embeddings/" + m] = e
        f["present/" + m] = np.ones(n, np.uint8)
        fused += e / 3
    f["embeddings/fused"] = fused
PY

measure() {  # name, command...: wall seconds and peak resident memory (GNU time)
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" > /dev/null
  read -r secs kib < "$WORK/$name.time"
  echo "\"$name\": {\"seconds\": $secs, \"peak_rss_mib\": $((kib / 1024))}"
}
{
  echo "{\"objects\": $N, \"dim\": $DIM, \"threads\": $(nproc),"
  measure search_all "$BIN" --log-level warn search -e "$WORK/e.h5" --all --k 10 --out "$WORK/nn.h5"
  echo ","
  measure outliers "$BIN" --log-level warn outliers -e "$WORK/e.h5" --out "$WORK/out.csv"
  echo "}"
} | tee results/bench_embedding_science.json
