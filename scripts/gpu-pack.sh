#!/usr/bin/env bash
# Build the node, the worker, the CLI and worker-infer here (scripts/build.sh
# builds every binary of the workspace) and pack them,
# stripped, into .gpu/dropbear-gpu.tar.xz for scripts/gpu-bench.sh on a GPU
# machine (which has PyTorch but no Rust toolchain). The worker and
# worker-infer find libtorch there through LD_LIBRARY_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/build.sh
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
for b in dropbear-node dropbear-worker dropbear worker-infer; do
	strip -o "$stage/$b" "$CARGO_TARGET_DIR/release/$b"
done
mkdir -p .gpu/models
rm -rf .gpu/bin
tar cJf .gpu/dropbear-gpu.tar.xz -C "$stage" .
# The near-free model and the held-out digits, for the pipeline-ceiling run
# (the ImageNet-class files are traced there).
cp "$DROPBEAR_MODELS"/{digits-free,digits-free-2,digits-free-3,digits-free-4}.pt .gpu/models/
cp "$DROPBEAR_MODELS"/{imagenet-free,imagenet-free-2,imagenet-free-3,imagenet-free-4}.pt .gpu/models/
cp "$DROPBEAR_MODELS"/{digits-cnn-wide.pt,digits-test.bin,digits-test-labels.bin} .gpu/models/
ls -l .gpu/dropbear-gpu.tar.xz .gpu/models
