#!/usr/bin/env bash
# The worker's tch inference against PyTorch in Python on this machine (CPU by
# default; DEVICE=cuda on a GPU machine), same models and batch sizes, one run.
# Writes benches/reports/worker-vs-pytorch-<device>.{json,png}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[[ "${SKIP_SETUP:-}" == 1 ]] || scripts/setup.sh
cargo build --release --locked -p dropbear-benches --bin worker-infer
device="${DEVICE:-cpu}"
"$DROPBEAR_PYTHON" benches/worker_vs_pytorch.py \
	--worker-bin "$CARGO_TARGET_DIR/release/worker-infer" \
	--device "$device" \
	--models "${MODELS:-digits-cnn-wide,resnet18}" \
	--batch-sizes "${BATCH_SIZES:-1,8,32}" \
	--seconds "${SECONDS_PER_POINT:-1}" --rounds "${ROUNDS:-5}" \
	--out "benches/reports/worker-vs-pytorch-${device%%:*}"
