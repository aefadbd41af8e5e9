#!/usr/bin/env bash
# Build the node (with its Wasm runtime) in release: the one profile the
# project uses for running and testing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
start=$(date +%s)
cargo build --release --locked -p dropbear-node
echo "build: dropbear-node ready in $(( $(date +%s) - start ))s at $DROPBEAR_NODE"
