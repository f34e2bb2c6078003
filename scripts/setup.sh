#!/usr/bin/env bash
# Installs everything astrom3's build, tests, demo and scripts need on Debian 12.
# Idempotent and non-interactive: packages already present are skipped.
set -euo pipefail
source "$(dirname "$0")/lib/packages.sh"
PACKAGES=("${ASTROM3_BUILD_PACKAGES[@]}" "${ASTROM3_TEST_PACKAGES[@]}" "${ASTROM3_SCRIPT_PACKAGES[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
if ((${#missing[@]})); then
  echo "[setup] installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "[setup] all ${#PACKAGES[@]} packages present"
fi
# LibTorch's BLAS: OpenBLAS's OpenMP build, also where the pthread build is installed too.
"$(dirname "$0")/lib/select_blas.sh" --check || $SUDO "$(dirname "$0")/lib/select_blas.sh"
