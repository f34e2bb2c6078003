#!/usr/bin/env bash
# Builds astrom3 and runs its complete CTest suite against LibTorch 2.x.
#
# Debian 13 ("trixie") ships libtorch-dev 2.6. This script creates (or reuses, when complete) a
# minimal trixie root with debootstrap under .cache/trixie, installs astrom3's build and test
# packages in it (the list in scripts/lib/packages.sh, shared with scripts/setup.sh), mounts
# /proc, /sys and the source tree (read-only), builds in the chroot's /build with ccache, runs
# CTest, and unmounts on every exit path. Mirrors are debootstrap's and apt's defaults.
#
# Needs root (debootstrap, chroot, mount) and network access to Debian's archive for the first
# run. Environment: ASTROM3_TRIXIE_ROOT (default .cache/trixie), ASTROM3_TRIXIE_CCACHE (ccache
# directory kept outside the repository so fresh clones reuse it; default
# ~/.cache/astrom3/ccache-trixie), ASTROM3_JOBS (default 2), ASTROM3_WERROR (ON: warnings are errors; CI sets it).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
source "$REPO/scripts/lib/packages.sh"
source "$REPO/scripts/lib/phase.sh"
ROOT="${ASTROM3_TRIXIE_ROOT:-$REPO/.cache/trixie}"
CCACHE_HOST="${ASTROM3_TRIXIE_CCACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/astrom3/ccache-trixie}"
JOBS="${ASTROM3_JOBS:-2}"
SUITE=trixie
PACKAGES=("${ASTROM3_BUILD_PACKAGES[@]}" "${ASTROM3_TEST_PACKAGES[@]}")
STAMP="$ROOT/.astrom3-packages"
WANT="$(printf '%s\n' "$SUITE" "${PACKAGES[@]}" | sha256sum | cut -d' ' -f1)"

log() { echo "[libtorch2] $*"; }
if [[ $(id -u) -ne 0 ]]; then
  echo "[libtorch2] must run as root (debootstrap, chroot, mount)" >&2
  exit 2
fi

MOUNTED=()
cleanup() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" 2>/dev/null || true
  done
  MOUNTED=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mounts_under_root() { awk -v r="$ROOT/" 'index($2 "/", r) == 1' /proc/mounts; }

# mount_into TARGET mount-arguments...: mounts and remembers TARGET for cleanup.
mount_into() {
  local target="$1"
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTED+=("$target")
}

in_root() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    CCACHE_DIR=/ccache CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime \
    "$@"
}

if [[ -n "$(mounts_under_root)" ]]; then
  echo "[libtorch2] something is still mounted under $ROOT (an earlier run was killed?):" >&2
  mounts_under_root >&2
  echo "[libtorch2] unmount it first; refusing to touch the root" >&2
  exit 1
fi

command -v debootstrap > /dev/null || {
  log "installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
}

if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANT" ]]; then
  if [[ ! -x "$ROOT/usr/bin/apt-get" || ! -f "$ROOT/.astrom3-bootstrapped" ]]; then
    log "creating a Debian $SUITE root in $ROOT"
    rm -rf "$ROOT"
    mkdir -p "$(dirname "$ROOT")"
    phase "debootstrap (Debian $SUITE)" debootstrap --variant=minbase "$SUITE" "$ROOT" \
      > "$(dirname "$ROOT")/debootstrap.log" 2>&1 || {
      tail -20 "$(dirname "$ROOT")/debootstrap.log"
      exit 1
    }
    touch "$ROOT/.astrom3-bootstrapped"
  fi
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  mount_into "$ROOT/proc" -t proc proc
  log "installing ${#PACKAGES[@]} packages in the chroot"
  in_root apt-get update -qq
  phase "chroot packages" in_root apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" \
    > "$ROOT/.astrom3-apt.log" 2>&1 || {
    tail -30 "$ROOT/.astrom3-apt.log"
    exit 1
  }
  echo "$WANT" > "$STAMP"
  cleanup
fi

mount_into "$ROOT/proc" -t proc proc
mount_into "$ROOT/sys" -t sysfs sysfs
mkdir -p "$CCACHE_HOST"
mount_into "$ROOT/ccache" --bind "$CCACHE_HOST"
mount_into "$ROOT/src" --bind "$REPO"
mount -o remount,bind,ro "$ROOT/src"

# The chroot's BLAS as scripts/setup.sh chooses it natively (a root made before the switch to
# OpenBLAS's OpenMP build still has the pthread build, which has the higher priority).
in_root /src/scripts/lib/select_blas.sh
TORCH="$(in_root dpkg-query -W -f='${Version}' libtorch-dev)"
log "LibTorch under test: libtorch-dev $TORCH ($(in_root g++ --version | head -1))"
phase "build (LibTorch $TORCH)" in_root bash -euo pipefail -c "
  mkdir -p /build
  cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DASTROM3_BUILD_BENCHMARKS=OFF -DASTROM3_WERROR=${ASTROM3_WERROR:-OFF} > /build/configure.log 2>&1 || { cat /build/configure.log; exit 1; }
  cmake --build /build -j $JOBS
  /build/astrom3 --version
"
phase "ctest (LibTorch $TORCH)" in_root bash -euo pipefail -c "cd /build && ctest --output-on-failure -j $JOBS"
log "passed against LibTorch $TORCH"
