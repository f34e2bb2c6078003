#!/usr/bin/env bash
# End-to-end checks of the astrom3 binary: exit codes, messages, outputs.
# Usage: cli_test.sh PATH/TO/astrom3 SOURCE_DIR
set -u
BIN="$1"
SRC="$2"
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

expect 0 "^astrom3 [0-9.]+ \(LibTorch [0-9]+\.[0-9]+\.[0-9]+\)$" -- "$BIN" --version
expect 2 "" -- "$BIN"
expect 2 "" -- "$BIN" no-such-command
expect 0 "synth" -- "$BIN" --help

# synth + inspect
expect 0 "wrote" -- "$BIN" synth --out "$WORK/a.h5" --objects 300 --unlabeled 20 --seed 5
[[ -f "$WORK/a.h5" ]] || fail "synth wrote no file"
[[ $(ls -A "$WORK" | wc -l) -eq 1 ]] || fail "synth left temporary files: $(ls -A "$WORK")"
expect 0 "valid astrom3 survey file" -- "$BIN" inspect "$WORK/a.h5"
expect 0 "sub10_123" -- "$BIN" inspect "$WORK/a.h5"
"$BIN" inspect --json "$WORK/a.h5" > "$WORK/a.json" 2>/dev/null || fail "inspect --json failed"
python3 - "$WORK/a.json" <<'PY' || fail "inspect --json output is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["objects"] == 320 and d["labelled"] == 300, d["objects"]
assert d["split_sets"]["full_42"]["sizes"] == {"train": 240, "val": 30, "test": 30, "unlabeled": 20,
                                              "unseen": 0}
assert len(d["split_sets"]) == 20
assert [c["column"] for c in d["split_sets"]["full_42"]["normalization"]][:2] == ["amplitude", "period"]
PY

# determinism through the CLI: same seed, same content
"$BIN" synth --out "$WORK/b.h5" --objects 300 --unlabeled 20 --seed 5 2>/dev/null
"$BIN" inspect --json "$WORK/b.h5" > "$WORK/b.json" 2>/dev/null
cmp -s "$WORK/a.json" "$WORK/b.json" || fail "same seed gave different surveys"

# config precedence: defaults < --config < --set < typed flags
expect 0 '"objects": 3000' -- "$BIN" synth --config "$SRC/configs/demo.json" --dump-config
expect 0 '"objects": 77' -- "$BIN" synth --config "$SRC/configs/demo.json" --set synth.objects=77 --dump-config
expect 0 '"objects": 88' -- "$BIN" synth --config "$SRC/configs/demo.json" --set synth.objects=77 --objects 88 --dump-config
# The analysis commands and prepare resolve the same configuration (sections index, search,
# outliers, misclassified, map, prepare), with the same precedence and strictness.
echo '{"outliers": {"percentile": 90, "knn": 2}, "index": {"kind": "ivf"}}' > "$WORK/analysis.json"
expect 0 '"percentile": 90' -- "$BIN" outliers --config "$WORK/analysis.json" --dump-config
expect 0 '"knn": 4' -- "$BIN" outliers --config "$WORK/analysis.json" --knn 4 --dump-config
expect 0 '"kind": "ivf"' -- "$BIN" search --config "$WORK/analysis.json" --dump-config
expect 0 '"kind": "exact"' -- "$BIN" search --config "$WORK/analysis.json" --index exact --dump-config
expect 0 '"k": 3' -- "$BIN" misclassified --set misclassified.k=3 --dump-config
expect 0 '"cluster_method": "kmeans"' -- "$BIN" map --cluster-method kmeans --dump-config
expect 0 '"stratified": true' -- "$BIN" prepare catalog --stratified --dump-config
expect 0 '"hjd_float32": true' -- "$BIN" prepare astrom3 --set prepare.astrom3.hjd_float32=true --dump-config
expect 0 '"threads": 1' -- "$BIN" --threads 1 map --dump-config
expect 2 'outliers.percentil: unknown key' -- "$BIN" outliers --set outliers.percentil=3 --dump-config
expect 2 'map.clusters: expected an integer in \[2, 50\], got 1' -- "$BIN" map --set map.clusters=1 --dump-config
expect 2 'runtime.device' -- "$BIN" --device tpu search --dump-config
expect 2 'search: --embeddings is required' -- "$BIN" search --query x
expect 2 'map: --out is required' -- "$BIN" map -e "$WORK/a.h5"
expect 2 'misclassified: --data names the survey of --checkpoint' -- "$BIN" misclassified \
  -e "$WORK/a.h5" --data "$WORK/a.h5"
expect 2 'embed: --checkpoint is required' -- "$BIN" embed --dump-config
expect 2 'takes no --checkpoint, --data, --shard, --config' -- "$BIN" predict --merge \
  --set loader.batch_size=3 --out "$WORK/m.csv" "$WORK/a.h5"
# A command that computes on the CPU says so rather than ignoring --device.
expect 3 'computes on the CPU; runtime.device=cuda has no effect' -- "$BIN" --device cuda outliers -e "$WORK/none.h5"
expect 0 '"device": "cpu"' -- "$BIN" --device cpu synth --dump-config
expect 0 '"threads": 1' -- "$BIN" --threads 1 inspect "$WORK/a.h5" --dump-config

# usage and config errors: exit 2 with the key path
expect 2 'data.seq_len: expected an integer in \[1, 1048576\], got "200x"' -- "$BIN" synth --set data.seq_len=200x --dump-config
expect 2 'unknown key' -- "$BIN" synth --set data.seq_lenn=3 --dump-config
expect 2 'runtime.device' -- "$BIN" --device tpu synth --dump-config
expect 2 'log-level' -- "$BIN" --log-level loud synth --dump-config
expect 2 '--out FILE or --raw-layout DIR is required' -- "$BIN" synth
expect 1 'cannot write /proc/astrom3/x.h5' -- "$BIN" synth --objects 5 --out /proc/astrom3/x.h5
# usage errors name what is wrong (CLI11 said "A subcommand is required" and printed a
# 309-digit range)
expect 2 'unknown command "frobnicate"; the commands are synth, inspect' -- "$BIN" frobnicate
expect 2 'unknown command "frobnicate"' -- "$BIN" --threads 1 frobnicate --help
expect 2 '^--threads: expected a number >= 0, got abc$' -- "$BIN" --threads abc inspect "$WORK/a.h5"
expect 2 'expected a number > 0, got -5' -- "$BIN" predict --checkpoint "$WORK" --block -5
checks=$((checks + 1))
[[ $("$BIN" --threads abc inspect "$WORK/a.h5" 2>&1 | wc -c) -lt 200 ]] || fail "--threads abc: long message"
echo '{"loader": {"batchsize": 1}}' > "$WORK/bad.json"
expect 2 'loader.batchsize: unknown key' -- "$BIN" synth --config "$WORK/bad.json" --dump-config

# data errors: exit 3 naming the file
expect 3 'missing.h5: no such file' -- "$BIN" inspect "$WORK/missing.h5"
head -c 20000 "$WORK/a.h5" > "$WORK/truncated.h5"
expect 3 'truncated.h5' -- "$BIN" inspect "$WORK/truncated.h5"
echo "not hdf5" > "$WORK/text.h5"
expect 3 'not an HDF5 file' -- "$BIN" inspect "$WORK/text.h5"

finish cli
