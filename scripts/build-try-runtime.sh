#!/usr/bin/env bash
# Print the path of this build's runtime with the try-runtime feature, for
# rehearsing an upgrade on a live chain's state before enacting it:
#
#   dropbear-node try-runtime on-runtime-upgrade --uri ws://127.0.0.1:9944 \
#       --runtime "$(scripts/build-try-runtime.sh)"
#
# scripts/build.sh builds it beside the node (runtime/try-runtime-wasm); this
# runs that build first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/build.sh >&2
wasm="$CARGO_TARGET_DIR/release/wbuild/dropbear-runtime/dropbear_runtime_try_runtime.compact.compressed.wasm"
[[ -f "$wasm" ]] || { echo "build-try-runtime: $wasm was not built" >&2; exit 1; }
echo "$wasm"
