#!/usr/bin/env bash
# Produce the runtime pallets' weights with FRAME benchmarks, run against the
# real runtime (Wasm) on this machine, and write them into each pallet's
# weights.rs through scripts/frame-weight-template.hbs.
#
# The benchmark node is a separate build (feature runtime-benchmarks), kept
# apart from the normal node binary so that tests keep using the latter.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# SKIP_SETUP=1 when the machine is known to be set up (saves the checks).
[[ "${SKIP_SETUP:-}" == 1 ]] || scripts/setup.sh

# The benchmark CLI carries a test runtime for `benchmark storage`, which this
# script does not use; its Wasm build cannot share our workspace hint.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
# pallet-revive's benchmark fixtures (contracts compiled for its own
# benchmarks, with a RISC-V toolchain) are not built: this script runs only
# our pallets' benchmarks, and revive keeps its own published weights.
export SKIP_PALLET_REVIVE_FIXTURES=1
cargo build --release --locked -p dropbear-node --features runtime-benchmarks
bench="$CARGO_TARGET_DIR/release/dropbear-node-benchmarks"
cp "$CARGO_TARGET_DIR/release/dropbear-node" "$bench"
# The normal binary is rebuilt on the next plain build; make sure it is not
# left as the benchmark build.
rm -f "$CARGO_TARGET_DIR/release/dropbear-node"

# Pallet names as the runtime's benchmark list has them, less `pallet_`; each
# lives in pallets/<name with - for _>/ (pallet_validator_set in
# pallets/validator-set).
for pallet in ${PALLETS:-models inference validator_set}; do
	echo "benchmark: pallet_$pallet"
	"$bench" benchmark pallet \
		--chain dev \
		--pallet "pallet_$pallet" \
		--extrinsic '*' \
		--steps "${STEPS:-20}" \
		--repeat "${REPEAT:-10}" \
		--wasm-execution compiled \
		--template scripts/frame-weight-template.hbs \
		--output "pallets/${pallet//_/-}/src/weights.rs"
done
# Back to the one feature set every other command builds with.
scripts/build.sh
