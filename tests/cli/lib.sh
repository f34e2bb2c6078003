# Helpers shared by the end-to-end scripts of tests/cli/. Source after setting BIN and SRC;
# provides WORK (a temporary directory removed on exit), fail, expect and finish.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
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
