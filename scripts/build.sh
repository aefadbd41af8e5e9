#!/usr/bin/env bash
# Build the node (with its Wasm runtime) and the worker (linked against the
# venv's libtorch) in release: the one profile the project uses for running
# and testing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
start=$(date +%s)
# With the node, the runtime's Wasm a second time with the try-runtime
# feature (runtime/try-runtime-wasm), for rehearsing upgrades with
# `dropbear-node try-runtime`.
DROPBEAR_TRY_RUNTIME_WASM=1 cargo build --release --locked \
	-p dropbear-node -p dropbear-worker -p dropbear-try-runtime-wasm
# The CLI builds on its own: built together, its features would change the
# node's dependency set and rebuild it.
cargo build --release --locked -p dropbear-client
echo "build: dropbear-node, dropbear-worker, the try-runtime Wasm and dropbear ready in $(( $(date +%s) - start ))s in $CARGO_TARGET_DIR/release"
