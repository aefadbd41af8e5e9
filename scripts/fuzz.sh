#!/usr/bin/env bash
# A long fuzzing campaign (CI runs a short one with the unit tests):
#   - both pallets' calls with random origins and arguments on the mock
#     runtime, invariants checked after every step;
#   - the worker's input checks and its JSON-RPC parsing with random bytes.
# CASES sets the number of random call sequences (default 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export DROPBEAR_FUZZ_CASES="${CASES:-5000}"
start=$(date +%s)
cargo test --release --locked -p pallet-inference fuzz -- --nocapture
cargo test --release --locked -p dropbear-worker fuzz -- --nocapture
echo "fuzz: $DROPBEAR_FUZZ_CASES cases each in $(( $(date +%s) - start ))s"
