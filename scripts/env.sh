# Sourced by the other scripts: where builds go, and which toolchain pieces
# they expect. Build output lives outside the checkout so that it survives a
# fresh clone on the same machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dropbear-target}"
export DROPBEAR_NODE="${DROPBEAR_NODE:-$CARGO_TARGET_DIR/release/dropbear-node}"
# Two cores: one cargo job set is all the machine takes.
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-$(nproc)}"
# Workspace builds also build the runtime's try-runtime Wasm
# (runtime/try-runtime-wasm). Set for every command, so that a test run does
# not rerun its build script with another environment.
export DROPBEAR_TRY_RUNTIME_WASM="${DROPBEAR_TRY_RUNTIME_WASM:-1}"
# The target directory is outside the checkout, so tell the Wasm builder where
# the workspace (and its Cargo.lock) is: the runtime is built with the locked
# versions.
export WASM_BUILD_WORKSPACE_HINT="${WASM_BUILD_WORKSPACE_HINT:-$(pwd)}"
# The project's Python (scripts/setup-venv.sh makes it): PyTorch for the model
# scripts, and the libtorch that tch links against. torch-sys's build script
# asks `python` for torch's location when VIRTUAL_ENV is set, so the venv is
# activated for builds. LIBTORCH_BYPASS_VERSION_CHECK is deliberately left
# unset, so a tch/torch version mismatch fails the build instead of misbehaving.
export DROPBEAR_VENV="${DROPBEAR_VENV:-$HOME/.cache/dropbear-venv}"
export DROPBEAR_PYTHON="${DROPBEAR_PYTHON:-$DROPBEAR_VENV/bin/python}"
export DROPBEAR_MODELS="${DROPBEAR_MODELS:-$HOME/.cache/dropbear-models}"
export LIBTORCH_USE_PYTORCH=1
export VIRTUAL_ENV="$DROPBEAR_VENV"
case ":$PATH:" in
	*":$DROPBEAR_VENV/bin:"*) ;;
	*) export PATH="$DROPBEAR_VENV/bin:$PATH" ;;
esac
# pallet-revive's Ethereum JSON-RPC adapter, built by the workspace member
# eth-rpc/. Its build script reads the metadata of the contracts pallet's
# development runtime from that runtime's native build; the runtime's Wasm is
# never used, so it is not built.
export DROPBEAR_ETH_RPC="${DROPBEAR_ETH_RPC:-$CARGO_TARGET_DIR/release/eth-rpc}"
export SKIP_REVIVE_DEV_RUNTIME_WASM_BUILD=1
