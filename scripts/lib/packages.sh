# Debian package names astrom3 needs, sourced by scripts/setup.sh (Debian 12, LibTorch 1.13)
# and scripts/check_libtorch2.sh (Debian 13 chroot, LibTorch 2.6): one list for both.

# Build and test the C++ code.
ASTROM3_BUILD_PACKAGES=(
  build-essential cmake ccache pkg-config
  libtorch-dev
  libopenblas0-pthread  # without it Debian's LibTorch resolves libblas.so.3 to the reference BLAS (~4x slower)
  libhdf5-dev libcli11-dev libspdlog-dev nlohmann-json3-dev libgtest-dev
)
# Used by the tests themselves: tests/cli/cli_test.sh parses JSON with python3, and
# tests/cli/pretrain_test.sh runs the PyTorch reference (scripts/reference/astrom3_ref.py) on
# astrom3's exports, so the LibTorch 2.6 chroot checks interop against PyTorch 2.6 too.
ASTROM3_TEST_PACKAGES=(python3 python3-numpy python3-torch)
# Debian's /usr/bin/python3 stack for the other reference scripts (golden values, benchmarks).
ASTROM3_SCRIPT_PACKAGES=(python3-scipy python3-h5py)
