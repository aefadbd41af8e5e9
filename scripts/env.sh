# Sourced by the other scripts: where builds go, and which toolchain pieces
# they expect. Build output lives outside the checkout so that it survives a
# fresh clone on the same machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dropbear-target}"
export DROPBEAR_NODE="${DROPBEAR_NODE:-$CARGO_TARGET_DIR/release/dropbear-node}"
# Two cores: one cargo job set is all the machine takes.
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-$(nproc)}"
# The target directory is outside the checkout, so tell the Wasm builder where
# the workspace (and its Cargo.lock) is: the runtime is built with the locked
# versions.
export WASM_BUILD_WORKSPACE_HINT="${WASM_BUILD_WORKSPACE_HINT:-$(pwd)}"
