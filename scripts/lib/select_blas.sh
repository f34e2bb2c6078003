#!/usr/bin/env bash
# Points Debian's BLAS, LAPACK and OpenBLAS alternatives (libblas.so.3, liblapack.so.3,
# libopenblas.so.0) at OpenBLAS's OpenMP build (package libopenblas0-openmp), which LibTorch
# then calls. Run by scripts/setup.sh and, inside the LibTorch 2.6 root, by
# scripts/check_libtorch2.sh; idempotent. --check only tests (exit 0: already selected, 1: a
# switch is needed, which needs root), so that setup asks for sudo only when it must.
#
# Why: Debian's LibTorch runs its own parallel loops on OpenMP (libgomp). OpenBLAS's pthread
# build keeps a second pool of threads, and the two pools spin against each other on the same
# cores: on 2 cores the paper model's training step ran at 18 samples/s with it and 35 with the
# OpenMP build, which shares LibTorch's threads (docs/performance.md, "BLAS threads"). The
# pthread build has the higher alternatives priority, so a machine that has both needs this.
set -euo pipefail
check=0
[[ "${1:-}" == --check ]] && check=1
arch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2> /dev/null || gcc -print-multiarch)"
dir="/usr/lib/$arch/openblas-openmp"
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  name="$lib-$arch"
  [[ -e "$dir/$lib" ]] || { echo "[blas] $dir/$lib is missing (is libopenblas0-openmp installed?)" >&2; exit 1; }
  if [[ "$(readlink "/etc/alternatives/$name" 2> /dev/null || true)" != "$dir/$lib" ]]; then
    ((check)) && exit 1
    update-alternatives --quiet --set "$name" "$dir/$lib"
    echo "[blas] $name -> $dir/$lib"
  fi
done
