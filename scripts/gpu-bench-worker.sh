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
"$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'

# ImageNet-class models not copied here are traced from torchvision with random
# weights (the same architectures as scripts/make_models.py; the benchmark
# compares both sides on one file, so their digests do not matter).
"$python" - "$models" "${MODELS:-resnet18,mobilenet_v2,resnet50}" <<'PY'
import sys
from pathlib import Path
import torch
out, names = Path(sys.argv[1]), sys.argv[2].split(",")
missing = [n for n in names if not (out / f"{n}.pt").exists() and not n.startswith("digits")]
if missing:
    import torchvision
    for n in missing:
        torch.manual_seed(0)
        m = getattr(torchvision.models, n)(weights=None).eval()
        with torch.no_grad():
            torch.jit.trace(m, torch.zeros(1, 3, 224, 224)).save(str(out / f"{n}.pt"))
        print(f"traced {n} -> {out / (n + '.pt')}")
PY
"$python" "$here/benches/worker_vs_pytorch.py" \
	--worker-bin "$bin" --models-dir "$models" --device "${DEVICE:-cuda}" \
	--models "${MODELS:-resnet18,mobilenet_v2,resnet50}" \
	--batch-sizes "${BATCH_SIZES:-1,8,32,128}" --settings "${SETTINGS:-fp32,fp16+cl,fp16+cl+x2}" \
	--seconds "${SECONDS_PER_POINT:-3}" --rounds "${ROUNDS:-5}" \
	--out "${OUT:-$here/benches/reports/worker-vs-pytorch-cuda}"
