#!/usr/bin/env bash
# The example dApp (contracts/DigitBounty.sol) against the main job's
# network, while `scripts/run-network.sh` runs: a held-out digit goes to the
# four members over the Open Inference Protocol without an order (`dropbear
# infer --fast --no-order`), which prints their quorum receipt; then ethers.js
# (contracts/bounty.mjs), through the Ethereum JSON-RPC on :8545 with the
# Hardhat development accounts, deploys a bounty for the label the receipt
# says, claims it with the digit's hash (the contract orders the inference
# through the precompile), waits for the certificate and settles.
#
#   scripts/dapp-demo.sh            DIGIT=42 scripts/dapp-demo.sh
#   ETH_RPC=http://127.0.0.1:8545 NODE_WS=ws://127.0.0.1:9944 WORKER_HTTP_BASE=8000
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cli="${DROPBEAR_CLI:-$CARGO_TARGET_DIR/release/dropbear}"
node_ws="${NODE_WS:-ws://127.0.0.1:9944}"
eth="${ETH_RPC:-http://127.0.0.1:8545}"
base="${WORKER_HTTP_BASE:-8000}"
digit="${DIGIT:-7}"
[ -d contracts/build ] || scripts/build-contracts.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Held-out digit number $digit: 256 bytes (8x8 f32) of the test set.
dd if="$DROPBEAR_MODELS/digits-test.bin" of="$work/digit.bin" bs=256 skip="$digit" count=1 status=none
http="http://127.0.0.1:$base,http://127.0.0.1:$((base + 10)),http://127.0.0.1:$((base + 20)),http://127.0.0.1:$((base + 30))"
echo "dapp-demo: digit $digit to the four members (no order yet)"
receipt=$("$cli" --node "$node_ws" infer --group 0 --fast --no-order --http "$http" --format json --input "$work/digit.bin")
read -r hash label < <(node -e '
const r = JSON.parse(process.argv[1]);
const hash = r.inputHash.startsWith("0x") ? r.inputHash : "0x" + r.inputHash;
console.log(hash, r.output.Label);' "$receipt")
echo "dapp-demo: quorum receipt: input $hash, the members answer $label"
echo "dapp-demo: a bounty for $label through $eth (deploy, claim, certificate, settle)"
node contracts/bounty.mjs --rpc "$eth" --input-hash "$hash" --target "$label"
