#!/usr/bin/env bash
# Build the node (with its Wasm runtime) and the worker (linked against the
# venv's libtorch) in release: the one profile the project uses for running
# and testing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
start=$(date +%s)
# The whole workspace, with the feature set that `cargo test --workspace`
# resolves: `--examples` (the workspace has none) makes Cargo unify features
# with the dev-dependencies, as a test build does. Every build and test
# command then shares one compiled dependency stack; built package by
# package, the pallets' test-only features (try-runtime on frame-support and
# sp-runtime) would compile most of it a second time. DROPBEAR_TRY_RUNTIME_WASM
# (scripts/env.sh) builds the runtime's Wasm a second time with the
# try-runtime feature (runtime/try-runtime-wasm), for rehearsing upgrades with
# `dropbear-node try-runtime`.
cargo build --release --locked --workspace --lib --bins --examples
echo "build: dropbear-node, dropbear-worker, the try-runtime Wasm and dropbear ready in $(( $(date +%s) - start ))s in $CARGO_TARGET_DIR/release"
