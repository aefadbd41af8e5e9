#!/usr/bin/env bash
# Compile the Solidity contracts in contracts/ (the precompile's interface
# and the example dApp) into contracts/build/<Contract>.json with the solc-js
# pinned in contracts/package.json, and install the JavaScript packages the
# Ethereum-tool checks use (ethers, viem, Hardhat). Idempotent: npm runs only when
# package-lock.json changed since the last install; compiling takes seconds.
set -euo pipefail
cd "$(dirname "$0")/../contracts"

if ! command -v npm >/dev/null 2>&1; then
	echo "build-contracts: installing Node.js and npm"
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi

stamp=node_modules/.dropbear-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
	npm ci --no-audit --no-fund --loglevel=error
	cp package-lock.json "$stamp"
fi
node build.mjs
