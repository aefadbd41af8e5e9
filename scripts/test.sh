#!/usr/bin/env bash
# Set up, build and run every test: pallet unit tests on mock runtimes, then
# end-to-end tests that start real dropbear-node processes on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/build.sh

echo "test: the off-chain parts depend on no pallet or FRAME crate"
scripts/check-deps.sh

echo "test: unit tests"
cargo test --release --locked --workspace --exclude dropbear-e2e

# The end-to-end tests each start several nodes; on two cores they run one at a time.
echo "test: end-to-end tests (real nodes on loopback)"
cargo test --release --locked -p dropbear-e2e -- --test-threads=1
