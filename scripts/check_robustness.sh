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
#                                    [--blas default] [--jobs 1] [--suite] [--out DIR]
# (the defaults shown; --out defaults to results/robustness; relative paths are the caller's).
# --blas: OpenBLAS kernels to run under, e.g. default,Sandybridge (OPENBLAS_CORETYPE; "default"
# = the one OpenBLAS picks for this CPU). Another kernel (no FMA, other blocking) rounds matrix
# products differently, as another machine would; each name is checked before any training.
# --jobs runs that many planted-case runs at once (use it with --threads 1 on a 2-core machine).
# Exit status: 0 when every run passed, 1 otherwise, 2 for a usage error. Uses Debian's
# /usr/bin/python3 (scikit-learn) for the figures, as the test itself does.
set -uo pipefail
CALLER="$PWD"
cd "$(dirname "$0")/.."
SRC="$PWD"
BUILD=build
SEEDS=42,0,66,12,123
THREADS=1,2
BLAS=default
JOBS=1
SUITE=0
OUT=results/robustness
usage() { echo "check_robustness.sh: $*" >&2; exit 2; }
# value OPTION ARGS...: the option's value, or a usage error when it has none.
value() { [[ $# -ge 2 && -n "$2" ]] || usage "$1 needs a value (see --help)"; }
while (($#)); do
  case "$1" in
    --build) value "$@"; BUILD="$2"; shift 2 ;;
    --seeds) value "$@"; SEEDS="$2"; shift 2 ;;
    --threads) value "$@"; THREADS="$2"; shift 2 ;;
    --blas) value "$@"; BLAS="$2"; shift 2 ;;
    --jobs) value "$@"; JOBS="$2"; shift 2 ;;
    --suite) SUITE=1; shift ;;
    --out) value "$@"; OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) usage "unknown argument '$1' (see --help)" ;;
  esac
done
# Relative --build and --out are relative to the caller's directory.
[[ $BUILD == /* ]] || BUILD="$CALLER/$BUILD"
[[ $OUT == /* ]] || OUT="$CALLER/$OUT"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || usage "--jobs must be a positive integer, got '$JOBS'"
[[ $SEEDS =~ ^[0-9]+(,[0-9]+)*$ ]] || usage "--seeds must be a comma-separated list of seeds, got '$SEEDS'"
[[ $THREADS =~ ^[0-9]+(,[0-9]+)*$ ]] ||
  usage "--threads must be a comma-separated list of thread counts (0 = one per core), got '$THREADS'"
[[ $BLAS =~ ^[A-Za-z0-9]+(,[A-Za-z0-9]+)*$ ]] || usage "--blas must be a comma-separated list of kernels, got '$BLAS'"
BIN="$BUILD/astrom3"
[[ -x "$BIN" ]] || usage "no $BIN; run scripts/build.sh first"
BIN="$(cd "$(dirname "$BIN")" && pwd)/astrom3"
mkdir -p "$OUT" 2>/dev/null && [[ -w "$OUT" ]] || usage "cannot write to --out $OUT"
OUT="$(cd "$OUT" && pwd)"
IFS=, read -r -a seed_list <<<"$SEEDS"
IFS=, read -r -a thread_list <<<"$THREADS"
IFS=, read -r -a blas_list <<<"$BLAS"
# OpenBLAS falls back to another kernel, with only a warning, for a name it does not know, and a
# kernel whose instructions the CPU lacks dies of SIGILL: check each name before training.
for blas in "${blas_list[@]}"; do
  [[ $blas == default ]] && continue
  core="$(OPENBLAS_VERBOSE=2 OPENBLAS_CORETYPE=$blas "$BIN" --version 2>&1)"
  rc=$?
  ((rc == 0)) || usage "--blas $blas: astrom3 exited $rc under OPENBLAS_CORETYPE=$blas (132 = an instruction this CPU lacks)"
  grep -qix "Core: $blas" <<<"$core" ||
    usage "--blas $blas: OpenBLAS used another kernel ($(grep -m1 -i '^core' <<<"$core" || echo 'none reported'))"
  # A matrix product through the same OpenBLAS (Debian's numpy links it) runs the kernel's code.
  OPENBLAS_CORETYPE=$blas /usr/bin/python3 -c 'import numpy; a = numpy.ones((64, 64)); a @ a' \
    2>/dev/null || usage "--blas $blas: a matrix product under this kernel failed (exit $?; 132 = an instruction this CPU lacks)"
done
status=0
# An interrupted check stops its test runs too.
trap 'kill $(jobs -p) 2>/dev/null; exit 130' INT
trap 'kill $(jobs -p) 2>/dev/null; exit 143' TERM

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
running=0
logs=()
for blas in "${blas_list[@]}"; do
  for threads in "${thread_list[@]}"; do
    for seed in "${seed_list[@]}"; do
      log="$OUT/planted-seed$seed-threads$threads-$blas.log"
      logs+=("$log")
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
for log in "${logs[@]}"; do
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
    limit = limits.get(key.upper(), "?")
    # "!" marks a run below the asserted threshold.
    below = lambda v: "!" if limit != "?" and v < float(limit) else ""
    each = " ".join(f"{v:.3f}{below(v)}({r['seed']}/{r['threads']}/{r.get('blas', 'default')})"
                    for v, r in zip(values, runs))
    print(f"{key:<22} {min(values):6.3f} {statistics.median(values):7.3f} {max(values):6.3f} "
          f"{'>= ' + limit:>9}  {each}")
sys.exit(0 if runs else 1)
PY
exit $status
