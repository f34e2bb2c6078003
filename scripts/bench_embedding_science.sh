#!/usr/bin/env bash
# Speed, peak memory and approximate-search recall of `astrom3 search --all` and
# `astrom3 outliers` on N unit embeddings (default 100,000 x 512, three modalities + fused, ten
# classes, 80 % train), written by Debian's /usr/bin/python3 (numpy, h5py) in the embed format.
#   MODE=random (default): independent Gaussian directions, the hardest case for an index;
#   MODE=clustered: 200 cluster centres plus noise of the same norm (same-cluster cosine ~0.5),
#   closer to trained embeddings.
# Exact all-pairs runs only up to EXACT_MAX objects (default 200,000; it grows as N^2). The
# inverted-file index (--index ivf, PROBES default 16) always runs; its recall@10 is measured
# against exact search for 1,000 random queries, which is cheap at any N.
# Results: results/bench_embedding_science[-MODE-N].json.
# Usage: [MODE=clustered] [PROBES=16] scripts/bench_embedding_science.sh [N] [DIM]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
DIM="${2:-512}"
MODE="${MODE:-random}"
PROBES="${PROBES:-16}"
EXACT_MAX="${EXACT_MAX:-200000}"
BIN="${ASTROM3_BIN:-build/astrom3}"
[[ -x "$BIN" ]] || ./scripts/build.sh
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p results
OUT=results/bench_embedding_science.json
[[ "$MODE" == random && "$N" == 100000 && "$DIM" == 512 ]] || OUT="results/bench_embedding_science-$MODE-$N.json"

/usr/bin/python3 - "$WORK/e.h5" "$N" "$DIM" "$MODE" "$WORK/queries.txt" <<'PY'
import json, sys
import h5py, numpy as np
path, n, dim, mode, queries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rng = np.random.default_rng(0)
mods = ["photometry", "spectra", "metadata"]
ids = np.array([f"R{i:07d}" for i in range(n)], dtype=object)
with h5py.File(path, "w") as f:
    f.attrs.update(format="astrom3-embeddings", format_version=np.int64(1), checkpoint="random",
                   split_set="full_42", modalities=json.dumps(mods),
                   class_names=json.dumps([f"C{k}" for k in range(10)]))
    f["ids"] = ids
    f["labels"] = rng.integers(0, 10, n).astype(np.int32)
    f["split"] = np.array(rng.choice(["train", "val", "test"], n, p=[0.8, 0.1, 0.1]), dtype=object)
    fused = np.zeros((n, dim), np.float32)
    cluster = rng.integers(0, 200, n)
    for m in mods:
        e = np.empty((n, dim), np.float32)
        centres = rng.standard_normal((200, dim)).astype(np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        for s in range(0, n, 100000):  # in slices: bounded memory at 10^6 objects
            part = rng.standard_normal((min(100000, n - s), dim)).astype(np.float32)
            part /= np.linalg.norm(part, axis=1, keepdims=True)
            if mode == "clustered":
                part += centres[cluster[s:s + len(part)]]
            e[s:s + len(part)] = part / np.linalg.norm(part, axis=1, keepdims=True)
        f["embeddings/" + m] = e
        f["present/" + m] = np.ones(n, np.uint8)
        fused += e / 3
        del e
    f["embeddings/fused"] = fused
with open(queries, "w") as q:
    q.write("\n".join(ids[rng.choice(n, min(n, 1000), replace=False)]) + "\n")
PY

measure() {  # name, command...: wall seconds and peak resident memory (GNU time)
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" > /dev/null
  read -r secs kib < "$WORK/$name.time"
  echo "\"$name\": {\"seconds\": $secs, \"peak_rss_mib\": $((kib / 1024))},"
}
IVF=(--index ivf --probes "$PROBES")
{
  echo "{\"objects\": $N, \"dim\": $DIM, \"mode\": \"$MODE\", \"threads\": $(nproc), \"probes\": $PROBES,"
  if (( N <= EXACT_MAX )); then
    measure search_all "$BIN" --log-level warn search -e "$WORK/e.h5" --all --k 10 --out "$WORK/nn.h5"
    measure outliers "$BIN" --log-level warn outliers -e "$WORK/e.h5" --out "$WORK/out.csv"
  fi
  measure search_sample_exact "$BIN" --log-level warn search -e "$WORK/e.h5" \
    --queries "$WORK/queries.txt" --k 10 --out "$WORK/sample.csv"
  measure search_all_ivf "$BIN" --log-level warn search -e "$WORK/e.h5" --all --k 10 "${IVF[@]}" \
    --out "$WORK/ivf.h5"
  measure outliers_ivf "$BIN" --log-level warn outliers -e "$WORK/e.h5" "${IVF[@]}" \
    --out "$WORK/out_ivf.csv"
  /usr/bin/python3 - "$WORK" <<'PY'
import csv, sys
import h5py, numpy as np
w = sys.argv[1]
exact = {}
for r in csv.DictReader(open(f"{w}/sample.csv")):
    exact.setdefault(r["query_id"], set()).add(r["neighbour_id"])
with h5py.File(f"{w}/ivf.h5") as f:
    ids = [x.decode() if isinstance(x, bytes) else x for x in f["ids"][:]]
    rows, nbr = f["query_rows"][:], f["neighbour_rows"][:]
by_id = {ids[r]: nbr[q] for q, r in enumerate(rows)}
recall = np.mean([len(exact[q] & {ids[j] for j in by_id[q] if j >= 0}) / len(exact[q]) for q in exact])
print(f'"ivf_recall_at_10": {recall:.4f}, "recall_queries": {len(exact)}')
PY
  echo "}"
} | tee "$OUT"
