#!/usr/bin/env bash
# Fetches the raw AstroM3 dataset (Hugging Face: MeriDK/AstroM3Dataset) for
# `astrom3 prepare astrom3`. This script is the only part of astrom3 that uses the network;
# every astrom3 command works offline on the files it leaves behind.
#
# Usage:
#   scripts/download_astrom3.sh DEST [hf|git]   download into DEST (default method: hf), then
#                                               list sizes and checksums
#   scripts/download_astrom3.sh --summarize DEST  only list sizes and checksums (no network)
#
# Methods (both need internet access on this machine):
#   hf   the Hugging Face CLI:  pip install -U "huggingface_hub[cli]"
#        huggingface-cli download MeriDK/AstroM3Dataset --repo-type dataset --local-dir DEST
#   git  git with LFS:          apt install git git-lfs   (or your platform's equivalent)
#        git lfs install && git clone https://huggingface.co/datasets/MeriDK/AstroM3Dataset DEST
#
# Expect about 95 MB for photometry.zip (21,440 light curves) and about 1 GB for spectra/
# (21,440 LAMOST FITS files); splits/ holds a few hundred small CSV and JSON files.
# The summary is also written to DEST/astrom3-download.sha256 so that a later copy can be
# checked with `sha256sum -c astrom3-download.sha256` from inside DEST.
set -euo pipefail

REPO_ID="MeriDK/AstroM3Dataset"

summarize() {
  local dest="$1"
  [[ -d "$dest" ]] || { echo "download_astrom3: $dest is not a directory" >&2; exit 2; }
  (
    cd "$dest"
    local files=()
    [[ -f photometry.zip ]] && files+=(photometry.zip)
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find splits -type f -print0 2>/dev/null | sort -z)
    ((${#files[@]})) || { echo "download_astrom3: no photometry.zip or splits/ in $dest" >&2; exit 3; }
    sha256sum "${files[@]}" > astrom3-download.sha256
    # Spectra: one line for the whole folder (file count, bytes, digest of the per-file digests).
    if [[ -d spectra ]]; then
      local count bytes digest
      count=$(find spectra -type f | wc -l)
      bytes=$(find spectra -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
      digest=$(find spectra -type f -print0 | sort -z | xargs -0 -r sha256sum | sha256sum | cut -d' ' -f1)
      echo "spectra/: $count files, $bytes bytes, sha256 of the sorted per-file sha256 list: $digest"
    else
      echo "spectra/: missing (objects will be imported without spectra)"
    fi
    if [[ -f photometry.zip ]]; then
      echo "photometry.zip: $(stat -c %s photometry.zip) bytes, sha256 $(grep ' photometry.zip$' astrom3-download.sha256 | cut -d' ' -f1)"
    fi
    echo "splits/: $(find splits -name '*.csv' 2>/dev/null | wc -l) CSV files in $(find splits -mindepth 2 -maxdepth 2 -type d 2>/dev/null | wc -l) split directories"
    echo "checksums of photometry.zip and splits/: $dest/astrom3-download.sha256"
  )
  echo "next: build/astrom3 prepare astrom3 --root $dest --out data/astrom3.h5"
}

if [[ "${1:-}" == "--summarize" ]]; then
  summarize "${2:?usage: download_astrom3.sh --summarize DEST}"
  exit 0
fi

DEST="${1:?usage: download_astrom3.sh DEST [hf|git]}"
METHOD="${2:-hf}"
case "$METHOD" in
  hf)
    command -v huggingface-cli > /dev/null ||
      { echo "download_astrom3: install the CLI first: pip install -U 'huggingface_hub[cli]'" >&2; exit 2; }
    huggingface-cli download "$REPO_ID" --repo-type dataset --local-dir "$DEST"
    ;;
  git)
    command -v git-lfs > /dev/null ||
      { echo "download_astrom3: install git-lfs first (apt install git-lfs)" >&2; exit 2; }
    git lfs install
    git clone "https://huggingface.co/datasets/$REPO_ID" "$DEST"
    ;;
  *)
    echo "download_astrom3: method must be hf or git" >&2
    exit 2
    ;;
esac
summarize "$DEST"
