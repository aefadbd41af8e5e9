#!/usr/bin/env bash
# Write the runtime's metadata (version 16) to api/metadata/dropbear.scale,
# the file subxt generates the typed chain interface (crate dropbear-api)
# from. Run it after changing a call, event, storage item or runtime API of
# the runtime: `runtime/tests/metadata.rs` fails until the file is the
# runtime's. It runs that test with the same cargo invocation as
# scripts/test.sh's unit tests, so the two see the same features (metadata
# docs depend on them).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
DROPBEAR_WRITE_METADATA=1 cargo test --release --locked --workspace --exclude dropbear-e2e \
	--test metadata -- --nocapture
