# Helpers shared by the end-to-end scripts of tests/cli/. Source after setting BIN and SRC;
# provides WORK (a temporary directory removed on exit, or kept and named when
# ASTROM3_TEST_KEEP_WORK is set, to look at what a failing run wrote), fail, expect and finish.
WORK="$(mktemp -d)"
if [[ -n "${ASTROM3_TEST_KEEP_WORK:-}" ]]; then
  echo "work directory kept: $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi
failures=0
checks=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect CODE PATTERN -- command...: runs the command, checks its exit code and that its
# combined output matches the extended regex PATTERN ("" = anything).
expect() {
  local code="$1" pattern="$2"
  shift 3
  checks=$((checks + 1))
  local out rc
  out="$("$@" 2>&1)"
  rc=$?
  if [[ $rc -ne $code ]]; then
    fail "'$*' exited $rc, expected $code. Output:"$'\n'"$out"
  elif [[ -n "$pattern" ]] && ! grep -Eq -- "$pattern" <<<"$out"; then
    fail "'$*' output does not match /$pattern/. Output:"$'\n'"$out"
  fi
}

# finish NAME: prints the tally and returns non-zero on any failure.
finish() {
  echo "$1: $((checks - failures)) of $checks checks passed"
  [[ $failures -eq 0 ]]
}
