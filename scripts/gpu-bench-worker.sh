#!/usr/bin/env bash
# Run the worker-vs-PyTorch benchmark on a machine with an NVIDIA GPU, using
# that machine's own python3 with PyTorch 2.11 and no network. Build here,
# copy there:
#
#   here:  scripts/bench-worker.sh            (builds worker-infer, runs the CPU figures)
#          tar czf gpu-bench.tgz -C "$CARGO_TARGET_DIR/release" worker-infer \
#              -C "$PWD" benches/worker_vs_pytorch.py scripts/gpu-bench-worker.sh \
#              -C "$DROPBEAR_MODELS" resnet18.pt resnet50.pt mobilenet_v2.pt digits-cnn-wide.pt
#   there: tar xzf gpu-bench.tgz && scripts/gpu-bench-worker.sh
#
# The binary's rpath names this machine's venv; there, libtorch comes from the
# local PyTorch through LD_LIBRARY_PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
torch_lib="$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
bin="${WORKER_INFER:-$here/worker-infer}"
models="${MODELS_DIR:-$here}"
"$bin" --help >/dev/null
"$python" "$here/benches/worker_vs_pytorch.py" \
	--worker-bin "$bin" --models-dir "$models" --device "${DEVICE:-cuda}" \
	--models "${MODELS:-resnet18,mobilenet_v2,resnet50}" \
	--batch-sizes "${BATCH_SIZES:-1,8,32,128}" \
	--seconds "${SECONDS_PER_POINT:-3}" \
	--out "${OUT:-$here/benches/reports/worker-vs-pytorch-cuda}"
