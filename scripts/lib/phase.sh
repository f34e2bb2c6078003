# phase NAME COMMAND...: runs COMMAND and prints "[phase] NAME: N s" (its wall time) when it
# ends, successful or not; returns COMMAND's exit status. Sourced by scripts/test.sh and
# scripts/check_libtorch2.sh, so that .ci/run's log tells where its time went. The line goes to
# the script's standard output as it was when this file was sourced, also where COMMAND's own
# output is redirected to a log file.
exec {ASTROM3_PHASE_FD}>&1
phase() {
  local name="$1" start=$SECONDS rc=0
  shift
  "$@" || rc=$?
  echo "[phase] $name: $((SECONDS - start)) s$( ((rc)) && echo " (exit $rc)")" >&"$ASTROM3_PHASE_FD"
  return $rc
}
