#!/usr/bin/env bash
# The chain's vote path from the runtime's benchmarked weights and block
# limits: requests whose votes fit one block, against the 10,000 target and
# against what one block can order. Writes benches/reports/chain-vote-path.{json,png}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[[ "${SKIP_SETUP:-}" == 1 ]] || scripts/setup.sh
# The report needs the runtime's native code only; the Wasm build script is
# left as the node's build has it, so neither build makes the other rebuild.
cargo build --release --locked -p dropbear-benches --bin vote-path
"$CARGO_TARGET_DIR/release/vote-path" benches/reports/chain-vote-path
"$DROPBEAR_PYTHON" benches/plot.py chain benches/reports/chain-vote-path.json
