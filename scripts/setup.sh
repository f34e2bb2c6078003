#!/usr/bin/env bash
# Installs everything astrom3's build, tests, demo and scripts need on Debian 12.
# Idempotent and non-interactive: packages already present are skipped.
set -euo pipefail

PACKAGES=(
  build-essential cmake ccache pkg-config
  libtorch-dev
  libopenblas0-pthread    # without it Debian's LibTorch resolves libblas.so.3 to the reference BLAS (~4x slower)
  libhdf5-dev libcli11-dev libspdlog-dev nlohmann-json3-dev libgtest-dev
  python3-numpy python3-scipy python3-h5py python3-torch   # Debian's /usr/bin/python3: goldens, benchmarks
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "[setup] installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "[setup] all ${#PACKAGES[@]} packages present"
fi
