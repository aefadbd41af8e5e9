#!/usr/bin/env bash
# Install what a build needs, idempotently: Debian packages for the native
# dependencies (and the headless Chromium the explorer's browser test
# drives), the Wasm targets and rust-src for the runtime, then the Python
# venv with PyTorch (scripts/setup-venv.sh), then the Solidity contracts
# and the Ethereum tools' packages (scripts/build-contracts.sh). The Ethereum
# JSON-RPC adapter is a workspace member (eth-rpc/), built with the rest.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in protobuf-compiler clang libclang-dev chromium-headless-shell; do
	dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "setup: installing ${need_apt[*]}"
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

installed_targets=$(rustup target list --installed)
for target in wasm32v1-none wasm32-unknown-unknown; do
	grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src

echo "setup: system packages and Rust targets ready"

scripts/setup-venv.sh
source scripts/env.sh
# The digit models (and ImageNet-class models for the benchmarks) the workers
# and tests use; skipped in seconds when they are up to date.
"$DROPBEAR_PYTHON" scripts/make_models.py --out "$DROPBEAR_MODELS"
# The Solidity contracts (the inference precompile's interface, the example
# dApp) and the ethers package the contract tests use.
scripts/build-contracts.sh
