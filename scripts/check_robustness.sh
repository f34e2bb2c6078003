#!/usr/bin/env bash
# Reruns astrom3's trajectory-dependent tests on other floating-point trajectories, so that a test
# which passes only on the machine, thread count or seed it was written on is caught before it
# lands (docs/testing.md).
#
#   1. --suite: the whole CTest suite with OMP_NUM_THREADS=1 and again with 2, which changes the
#      intra-op thread count (and so the float summation order) of every test that does not fix
#      its own; cli.planted_cases is left to step 2.
#   2. tests/cli/planted_cases_test.sh once per (training seed, thread count, BLAS kernel)
#      triple; every run's figures go to OUT/planted.jsonl and the spread of each figure is
#      printed against the threshold the test asserts.
#
# Usage: scripts/check_robustness.sh [--build DIR] [--seeds 42,0,66,12,123] [--threads 1,2]
#                                    [--blas default,Sandybridge] [--jobs N] [--suite] [--out DIR]
# --blas: OpenBLAS kernels to run under (OPENBLAS_CORETYPE; "default" = the one OpenBLAS picks
# for this CPU). Another kernel (no FMA, other blocking) rounds matrix products differently, as
# another machine would. --jobs runs that many planted-case runs at once (use it with
# --threads 1 on a 2-core machine).
# Exit status: 0 when every run passed, 1 otherwise. Uses Debian's /usr/bin/python3 (scikit-learn)
# for the figures, as the test itself does.
set -uo pipefail
cd "$(dirname "$0")/.."
SRC="$PWD"
BUILD=build
SEEDS=42,0,66,12,123
THREADS=1,2
BLAS=default
JOBS=1
SUITE=0
OUT=results/robustness
while (($#)); do
  case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --seeds) SEEDS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --blas) BLAS="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --suite) SUITE=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "check_robustness.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
BIN="$BUILD/astrom3"
[[ -x "$BIN" ]] || { echo "check_robustness.sh: no $BIN; run scripts/build.sh first" >&2; exit 2; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/astrom3"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
status=0

if ((SUITE)); then
  for t in 1 2; do
    echo "[robustness] CTest suite with OMP_NUM_THREADS=$t"
    if ! (cd "$BUILD" && OMP_NUM_THREADS=$t ctest -j 2 -E '^cli\.planted_cases$' --output-on-failure \
            > "$OUT/ctest-threads$t.log" 2>&1); then
      status=1
    fi
    grep -E "tests passed|tests failed" "$OUT/ctest-threads$t.log" | sed "s/^/[robustness]   /"
  done
fi

FIGURES="$OUT/planted.jsonl"
: > "$FIGURES"
IFS=, read -r -a seed_list <<<"$SEEDS"
IFS=, read -r -a thread_list <<<"$THREADS"
IFS=, read -r -a blas_list <<<"$BLAS"
running=0
for blas in "${blas_list[@]}"; do
  for threads in "${thread_list[@]}"; do
    for seed in "${seed_list[@]}"; do
      log="$OUT/planted-seed$seed-threads$threads-$blas.log"
      echo "[robustness] planted cases, training seed $seed, $threads thread(s), BLAS $blas: $log"
      (
        [[ $blas == default ]] || export OPENBLAS_CORETYPE=$blas
        ASTROM3_TEST_SEED=$seed ASTROM3_TEST_THREADS=$threads ASTROM3_PLANTED_FIGURES="$FIGURES" \
          exec bash tests/cli/planted_cases_test.sh "$BIN" "$SRC"
      ) > "$log" 2>&1 &
      running=$((running + 1))
      if ((running >= JOBS)); then
        wait -n
        running=$((running - 1))
      fi
    done
  done
done
wait
for log in "$OUT"/planted-seed*.log; do
  grep -q "checks passed" "$log" && ! grep -q "^FAIL" "$log" ||
    { echo "[robustness] FAILED: $log"; status=1; }
done

/usr/bin/python3 - "$FIGURES" "$SRC/tests/cli/planted_cases_test.sh" <<'PY' || status=1
import json, re, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
# The thresholds are read from the test itself, so that this table shows what it asserts.
test = open(sys.argv[2]).read()
limits = dict(re.findall(r'^LIMIT_(\w+)=([0-9.]+)', test, re.M))
print(f"[robustness] {len(runs)} planted-case runs")
print(f"{'figure':<22} {'min':>6} {'median':>7} {'max':>6} {'asserted':>9}  per run (seed/threads/BLAS)")
for key in ("mislabel_recall", "oddball_recall", "mira_ari", "rotator_ari",
            "best_subpopulation_ari"):
    values = [r.get(key, max(r["mira_ari"], r["rotator_ari"])) for r in runs]
    if not values:
        continue
    each = " ".join(f"{v:.3f}({r['seed']}/{r['threads']}/{r.get('blas', 'default')})"
                    for v, r in zip(values, runs))
    limit = limits.get(key.upper(), "?")
    print(f"{key:<22} {min(values):6.3f} {statistics.median(values):7.3f} {max(values):6.3f} "
          f"{'>= ' + limit:>9}  {each}")
sys.exit(0 if runs else 1)
PY
exit $status
