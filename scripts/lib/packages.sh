# Debian package names astrom3 needs, sourced by scripts/setup.sh (Debian 12, LibTorch 1.13)
# and scripts/check_libtorch2.sh (Debian 13 chroot, LibTorch 2.6): one list for both.

# Build and test the C++ code.
ASTROM3_BUILD_PACKAGES=(
  build-essential cmake ccache pkg-config
  libtorch-dev
  # OpenBLAS built on OpenMP, the thread pool LibTorch's own loops use: without an OpenBLAS,
  # Debian's LibTorch resolves libblas.so.3 to the reference BLAS (~4x slower); with the pthread
  # build, its threads and LibTorch's fight over the cores (scripts/lib/select_blas.sh).
  libopenblas0-openmp
  libhdf5-dev libcli11-dev libspdlog-dev nlohmann-json3-dev libgtest-dev
  libbenchmark-dev  # bench/bench_micro.cpp (Google Benchmark)
  libzip-dev libcfitsio-dev  # astrom3 prepare: photometry.zip and LAMOST FITS spectra
  zlib1g-dev                 # astrom3 map: PNG output
  libgloo-dev  # c10d Gloo backend: data-parallel training on CPUs (src/dist/comm.cpp)
)
# Used by the tests themselves: tests/cli/cli_test.sh parses JSON with python3,
# tests/cli/pretrain_test.sh runs the PyTorch reference (scripts/reference/astrom3_ref.py) on
# astrom3's exports (so the LibTorch 2.6 chroot checks interop against PyTorch 2.6 too), and
# tests/cli/finetune_test.sh reads embedding files with h5py and draws every plot of
# scripts/plot.py (matplotlib; scikit-learn for the t-SNE fallback of embedding maps and for
# scripts/check_synth_modalities.py's probe).
ASTROM3_TEST_PACKAGES=(python3 python3-numpy python3-torch python3-h5py python3-matplotlib
                       python3-sklearn)
# Debian's /usr/bin/python3 stack for the other scripts: golden preprocessing values (scipy),
# golden values of the real LAMOST test spectra read independently of CFITSIO (astropy).
# UMAP, the paper's method for embedding maps (scripts/plot.py map): Debian 12 ships it as
# umap-learn, without a python3- prefix; Debian 13 has none (nor numba), so the LibTorch 2.6
# chroot, which installs the two lists above only, draws t-SNE maps.
ASTROM3_SCRIPT_PACKAGES=(python3-scipy python3-astropy umap-learn
                         time)  # time: peak memory in bench scripts
