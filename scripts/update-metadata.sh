#!/usr/bin/env bash
# Write the runtime's metadata (version 16) to api/metadata/dropbear.scale,
# the file subxt generates the typed chain interface (crate dropbear-api)
# from. Run it after changing a call, event, storage item or runtime API of
# the runtime; `cargo test -p dropbear-runtime --test metadata` fails until
# the file is the runtime's.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
DROPBEAR_WRITE_METADATA=1 cargo test --release --locked -p dropbear-runtime --test metadata -- --nocapture
