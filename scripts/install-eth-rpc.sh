#!/usr/bin/env bash
# Install pallet-revive's Ethereum JSON-RPC adapter (crate
# pallet-revive-eth-rpc, binary `eth-rpc`) at the version of this project's
# polkadot-sdk release (stable2609), as $DROPBEAR_ETH_RPC. Idempotent: skipped
# when that version is installed.
#
# It is built from crates.io with its own lock file, outside the workspace:
# it links SQLite through sqlx (libsqlite3-sys 0.30) while the explorer links
# it through rusqlite, and Cargo allows one crate per native library in a
# workspace. Its build keeps its own target directory, so a rebuild is
# incremental. The Wasm runtime its build compiles for metadata is skipped
# (SKIP_WASM_BUILD): it reads the metadata from the native runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
version=0.24.0
if [ -x "$DROPBEAR_ETH_RPC" ] && "$DROPBEAR_ETH_RPC" --version 2>/dev/null | grep -q " $version"; then
	echo "install-eth-rpc: eth-rpc $version ready at $DROPBEAR_ETH_RPC"
	exit 0
fi
start=$(date +%s)
echo "install-eth-rpc: building pallet-revive-eth-rpc $version (once per machine; see the README for its time)"
unset WASM_BUILD_WORKSPACE_HINT VIRTUAL_ENV
SKIP_WASM_BUILD=1 CARGO_TARGET_DIR="$HOME/.cache/dropbear-eth-rpc-target" \
	cargo install --locked --version "$version" pallet-revive-eth-rpc --bin eth-rpc \
	--root "$DROPBEAR_TOOLS"
"$DROPBEAR_ETH_RPC" --version
echo "install-eth-rpc: built in $(( $(date +%s) - start ))s"
