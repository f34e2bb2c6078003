#!/usr/bin/env bash
# Installs, builds, generates the embedded default data (a synthetic survey) and inspects it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
BIN=build/astrom3
mkdir -p data
echo "== astrom3 synth: a synthetic trimodal survey (configs/demo.json)"
"$BIN" synth --config configs/demo.json --out data/demo.h5
echo
echo "== astrom3 inspect data/demo.h5"
"$BIN" inspect data/demo.h5
echo
echo "Survey written to data/demo.h5 (format: docs/data-format.md)."
