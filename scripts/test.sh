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
# The worker's CUDA stream calls must be built in (scripts/setup-venv.sh
# installs their headers): inference-worker/src/cuda.rs checks.
export DROPBEAR_REQUIRE_CUDA_STREAMS=1
cargo test --release --locked --workspace --exclude dropbear-e2e

# The end-to-end tests each start several nodes; on two cores they run one at a time.
# They are picked by target name with the whole workspace selected, so that
# Cargo resolves the features the build above compiled (`-p dropbear-e2e`
# alone would compile much of the dependency stack again).
echo "test: end-to-end tests (real nodes on loopback)"
e2e=()
for file in tests/tests/*.rs; do
	e2e+=(--test "$(basename "$file" .rs)")
done
cargo test --release --locked --workspace "${e2e[@]}" -- --test-threads=1
