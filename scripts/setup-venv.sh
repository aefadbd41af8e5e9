#!/usr/bin/env bash
# Make the project's Python environment, idempotently: a venv with PyPI's
# PyTorch (the worker's tch links against its libtorch through
# LIBTORCH_USE_PYTORCH=1), torchvision, what scripts/make_models.py and the
# benchmarks use, and Triton's client and web3.py for the end-to-end tests. It lives
# outside the checkout, in $DROPBEAR_VENV, so that it survives fresh clones on
# the same machine; a stamp file records what was
# installed, and a run that would install the same set again does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# torchvision 0.26.0 is the release built for torch 2.11.0 (it requires
# torch==2.11.0 exactly). The others are pinned too so that the models
# scripts/make_models.py trains are the same on every machine.
requirements=(
	torch==2.11.0
	torchvision==0.26.0
	scikit-learn==1.9.1
	numpy==2.4.6
	matplotlib==3.11.2
	# Triton's own client, with which the end-to-end tests speak the Open
	# Inference Protocol to workers as a Triton user would.
	'tritonclient[http,grpc]==2.73.0'
	# web3.py, with which the end-to-end tests use the chain's Ethereum
	# JSON-RPC as a Python dApp developer would.
	web3==7.16.0
	# The CUDA runtime headers' crt/ part, which the CUDA wheels torch pulls
	# in leave out: the worker's CUDA stream calls (inference-worker/cuda/)
	# compile against c10's CUDA headers, which include them. 134 KB.
	nvidia-cuda-crt==13.0.88
)

venv="$DROPBEAR_VENV"
stamp="$venv/.dropbear-requirements"
want="$(python3 -c 'import sys; print(sys.version.split()[0])') ${requirements[*]}"

# A venv whose interpreter no longer runs (the base Python moved) is remade.
if [ -e "$venv" ] && ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
	echo "setup-venv: $venv is broken, remaking it"
	rm -rf "$venv"
fi

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "setup-venv: $venv up to date (${requirements[*]})"
	exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
	echo "setup-venv: creating $venv with $(python3 --version)"
	mkdir -p "$(dirname "$venv")"
	python3 -m venv "$venv"
fi

echo "setup-venv: installing ${requirements[*]} (first time: several minutes, about 5 GiB with CUDA libraries)"
rm -f "$stamp"
"$venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
	--no-cache-dir --progress-bar off "${requirements[@]}"
"$venv/bin/python" -c 'import torch, torchvision, sklearn, matplotlib, tritonclient.http, tritonclient.grpc, web3; print("setup-venv: torch", torch.__version__, "torchvision", torchvision.__version__)'
printf '%s\n' "$want" >"$stamp"
echo "setup-venv: $venv ready"
