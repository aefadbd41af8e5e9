#!/usr/bin/env bash
# The GPU benchmarks, on a machine with an NVIDIA GPU, PyTorch 2.11 in its
# python3, no Rust toolchain and no network. The binaries are built on the
# development machine and copied there:
#
#   here:   scripts/gpu-pack.sh          builds and packs .gpu/dropbear-gpu.tar.xz
#   there:  scripts/gpu-bench.sh         (from a copy of this repository with .gpu/)
#
# It measures, with the ImageNet-class models (traced from torchvision with
# fixed random weights when the folder lacks them):
#   1. raw tch throughput per batch size, against PyTorch in Python on the same
#      files (scripts/gpu-bench-worker.sh): benches/reports/worker-vs-pytorch-cuda.*
#   2. certified requests/s and latency with a four-member group (four
#      validators, four workers sharing the GPU, q = 3, every member running
#      the same model in a byte-distinct copy, the demo client sending
#      synthetic images to every member at once over the Open Inference
#      Protocol) at several offered loads, next to each model's raw throughput
#      at the workers' batch size: $OUT_DIR/gpu-e2e/ (plot it here with
#      benches/plot.py e2e DIR benches/reports/e2e-cuda.json "GPU NAME").
#      A name with `:u8` sends u8 images (150 KB) that each worker normalises
#      on the GPU (--preprocess imagenet), its baseline measured the same
#      way; `free-u8` is the near-free ImageNet model on u8 images.
#
#   E2E_MODELS="resnet50 resnet50:u8"  RATES="100 200 400"  SECONDS_PER_RATE=15
#   SKIP_RAW=1 (only the end-to-end part), SKIP_E2E=1 (only the raw part);
#   the raw part takes SECONDS_PER_POINT, ROUNDS, RAW_MODELS, BATCH_SIZES and
#   SETTINGS (fp32,fp16+cl,fp16+cl+x2: each a precision, +cl for
#   channels-last, +xN for N model threads each on its own CUDA stream, both
#   sides run with it); the end-to-end part runs every worker (and its
#   baseline) with E2E_PRECISION (fp32), E2E_CHANNELS_LAST=1 if set and
#   E2E_INSTANCES model threads (1); the demo client makes and sends its
#   inputs on SENDERS tasks (4: one demo process on one sending task got
#   540 to 740 of 800 to 1,600 images/s out on the H200 machine, 2026-12-04),
#   CONCURRENCY (128) inputs in flight between them. After each model set it
#   prints what every worker's model threads did at each rate (forward
#   passes, mean batch, time in them over the run: benches/plot.py
#   model-threads), which tells a GPU-bound run from one held up before the
#   model.
set -euo pipefail
cd "$(dirname "$0")/.."
here="$PWD"
out="${OUT_DIR:-${OUT:-$here/.gpu/out}}"
mkdir -p "$out"
python="${PYTHON:-python3}"
bin="${GPU_BIN:-$here/.gpu/bin}"
if [ ! -x "$bin/dropbear-node" ]; then
	mkdir -p "$bin"
	tar xJf "$here/.gpu/dropbear-gpu.tar.xz" -C "$bin"
fi
torch_lib="$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
gpu="$("$python" -c 'import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU")')"
echo "gpu-bench: $gpu, torch $("$python" -c 'import torch; print(torch.__version__)')"
models="${MODELS_DIR:-$here/.gpu/models}"
mkdir -p "$models"
# `free` is the near-free digits model (packed with the binaries): the
# pipeline's own ceiling on this machine.
e2e_models="${E2E_MODELS:-free free-u8 resnet50 resnet50:u8}"
# DEVICE=cpu runs the same steps without a GPU (a smoke test of this script).
device="${DEVICE:-cuda}"

# The ImageNet-class files, traced once with fixed weights.
trace="$(for m in $e2e_models; do case "$m" in free | free-u8) ;; *) echo "${m%:u8}" ;; esac; done | sort -u)"
[ -n "${SKIP_RAW:-}" ] || trace="$trace resnet18 resnet50 mobilenet_v2"
"$python" - "$models" $trace <<'PY'
import sys
from pathlib import Path
import torch
out = Path(sys.argv[1])
for name in sys.argv[2:]:
    if (out / f"{name}.pt").exists():
        continue
    import torchvision
    torch.manual_seed(0)
    m = getattr(torchvision.models, name)(weights=None).eval()
    with torch.no_grad():
        torch.jit.trace(m, torch.zeros(1, 3, 224, 224)).save(str(out / f"{name}.pt"))
    print(f"gpu-bench: traced {name}")
PY

if [ -z "${SKIP_RAW:-}" ]; then
	WORKER_INFER="$bin/worker-infer" MODELS_DIR="$models" OUT="$out/worker-vs-pytorch-cuda" DEVICE="$device" \
		MODELS="${RAW_MODELS:-digits-cnn-wide,resnet18,mobilenet_v2,resnet50}" \
		scripts/gpu-bench-worker.sh
fi

[ -n "${SKIP_E2E:-}" ] && exit 0
work="$out/gpu-e2e"
rm -rf "$work"
mkdir -p "$work"
for entry in $e2e_models; do
	# `resnet50:u8` runs model set resnet50 with u8 inputs; its reports go
	# under resnet50-u8.
	model_set=${entry%:u8} input=f32 preprocess=none
	[ "$entry" != "$model_set" ] && input=u8 preprocess=imagenet
	model=${entry/:/-}
	# The baseline: this model alone through the worker's tch path at the
	# workers' batch size (u8 inputs: normalised on the device, as served).
	file=$model_set shape=3,224,224 classes=1000
	[ "$model_set" = free ] && file=digits-free shape=1,8,8 classes=10
	[ "$model_set" = free-u8 ] && file=imagenet-free preprocess=imagenet
	run_options=(--precision "${E2E_PRECISION:-fp32}")
	[ -n "${E2E_CHANNELS_LAST:-}" ] && run_options+=(--channels-last)
	run_options+=(--instances "${E2E_INSTANCES:-1}")
	# This model alone through the worker's path, as each worker runs it.
	infer=("$bin/worker-infer" --model "$models/$file.pt" --shape $shape --classes $classes
		--preprocess $preprocess --batch-sizes 64 --seconds 3 --device "$device" "${run_options[@]}")
	"${infer[@]}" >"$work/raw-$model.json"
	echo "gpu-bench: $model alone: $(cat "$work/raw-$model.json")"
	# Four at once, as the network's four members share this one GPU: the
	# slowest of them is what a member's model gives here (alone, above, is
	# what it would give on a GPU of its own, as in the paper's sites).
	shared="$work/shared-runs-$model"
	mkdir -p "$shared"
	copies=()
	for k in 0 1 2 3; do
		"${infer[@]}" >"$shared/$k.json" &
		copies+=($!)
	done
	failed=0
	for pid in "${copies[@]}"; do wait "$pid" || failed=1; done
	# A copy that failed leaves this set without its shared baseline (the
	# report then has none), not the whole benchmark without its other sets.
	if [ "$failed" = 0 ]; then
		"$python" - "$shared" "$work/shared-$model.json" <<'PY'
import json, sys
from pathlib import Path
each = [json.loads(p.read_text().strip().splitlines()[0])["inputs_per_s"] for p in sorted(Path(sys.argv[1]).glob("*.json"))]
Path(sys.argv[2]).write_text(json.dumps({"inputs_per_s": min(each), "each": each}) + "\n")
PY
		echo "gpu-bench: $model, four at once: $(cat "$work/shared-$model.json")"
	else
		echo "gpu-bench: $model, four at once: a copy failed; no shared baseline for this set"
	fi
	rm -rf "$shared"
	# Four workers each keep inputs for batches to come: 600 KB an image.
	NO_BUILD=1 DROPBEAR_NODE="$bin/dropbear-node" DROPBEAR_CLI="$bin/dropbear" \
		DROPBEAR_WORKER="$bin/dropbear-worker" DROPBEAR_PYTHON="$python" DROPBEAR_MODELS="$models" \
		DROPBEAR_CACHE="${WORKER_CACHE:-8192}" WORKER_DEVICE="$device" IMAGENET_INPUT=$input \
		DROPBEAR_PRECISION="${E2E_PRECISION:-fp32}" DROPBEAR_CHANNELS_LAST="$([ -n "${E2E_CHANNELS_LAST:-}" ] && echo true || echo false)" \
		DROPBEAR_INSTANCES="${E2E_INSTANCES:-1}" \
		DEMO_CONCURRENCY="${CONCURRENCY:-128}" DEMO_SENDERS="${SENDERS:-4}" NO_EXPLORER=1 NO_ETH_RPC=1 \
		GROUP_MAX_BATCH="${GROUP_MAX_BATCH:-256}" NETWORK_DIR="$work/$model" MODEL_SET="$model_set" \
		DEMO_RATES="$(case "$model_set" in free | free-u8) echo "${FREE_RATES:-200 400 800 1600}" ;; *) echo "${RATES:-100 200 400 800 1600}" ;; esac)" \
		DEMO_SECONDS="${SECONDS_PER_RATE:-15}" DEMO_QUIET=1 EXIT_AFTER_DEMO=1 \
		scripts/run-network.sh 2>&1 | grep -E '^demo|^network: (demo|gave|the demo)|[Ee]rror' || true
	# The nodes' databases are not part of the report; the last lines of
	# each log are kept for diagnosis.
	rm -rf "$work/$model"/{alice,bob,charlie,dave}
	# Whether the model threads or something before them was the limit, in
	# the output itself (the device tool may not bring the files back).
	"$python" benches/plot.py model-threads "$work" | grep -E "^(models|$model) " || true
	for log in "$work/$model"/logs/*.log; do
		case "$log" in */demo-*) continue ;; esac
		tail -n 300 "$log" >"$log.tail" && rm "$log"
	done
done
echo "$gpu" >"$work/machine.txt"
# The device tool brings back files at most a few folders deep: a flat copy.
flat="$out/gpu-e2e-flat"
mkdir -p "$flat"
for entry in $e2e_models; do
	model=${entry/:/-}
	for f in "$work/$model"/logs/*; do cp "$f" "$flat/$model--$(basename "$f")"; done
done
cp "$work"/raw-*.json "$work/machine.txt" "$flat/"
cp "$work"/shared-*.json "$flat/" 2>/dev/null || true
echo "gpu-bench: reports in $out"
