#!/usr/bin/env bash
# The input path on this machine: the main job's network (four validators,
# four workers, group 0 with q = 3) with every member running the near-free
# ImageNet model on u8 3x224x224 images (150 KB each; each worker normalises
# them on its device, --preprocess imagenet), and the demo client offering
# 100, 200, 400 and 800 requests/s. Twice: inputs to every member at once
# over the Open Inference Protocol (HTTP/2, binary, no gossip), and, as the
# baseline measured in the same run, the old door (each input to one worker
# over JSON-RPC, hex in JSON, gossiped on to the others). The workers'
# metrics give the input bytes each member received, by way.
# Writes benches/reports/data-plane.{json,png}.
#
#   scripts/bench-data-plane.sh
#   RATES="100 200" RPC_RATES=100 SECONDS_PER_RATE=10 DOORS="http" WARMUP=0 scripts/bench-data-plane.sh
#
# Each rate sends RATE x SECONDS_PER_RATE inputs; a door that cannot keep up
# takes longer to send them, so the baseline door runs the lower rates only.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[[ "${SKIP_SETUP:-}" == 1 ]] || scripts/setup.sh
scripts/build.sh >/dev/null
# This benchmark saturates the machine on purpose: the workers' data planes
# and the client run below the validators' CPU priority, so that block
# production keeps its slots; each worker's voter keeps the validators'
# priority, so that its votes keep their windows (docs/worker.md, "One
# machine, two priorities").
export WORKER_NICE="${WORKER_NICE:-0}" DATA_PLANE_NICE="${DATA_PLANE_NICE:-10}" DEMO_NICE="${DEMO_NICE:-10}"
seconds="${SECONDS_PER_RATE:-20}"
work="${BENCH_DIR:-$PWD/.bench-data-plane}"
rm -rf "$work"
mkdir -p "$work"

for door in ${DOORS:-http rpc}; do
	# The Open Inference Protocol's runs start once every worker's input store
	# is full (WARMUP inputs first, not reported): a worker's first 1.2 GB
	# of inputs is memory the kernel hands out and zeroes once, a fifth of
	# this machine's CPU at 800 offered, and not the steady state. (The
	# baseline door's runs are too slow for that to matter.)
	warmup=0
	if [ "$door" = http ]; then rates="${RATES:-100 200 400 800}"; warmup="${WARMUP:-${WORKER_CACHE:-8192}}"; else rates="${RPC_RATES:-100 200}"; fi
	# 256-request batches: one vote covers more requests; 128 inputs in
	# flight from the client; 8,192 inputs kept per worker (1.2 GB).
	DROPBEAR_CACHE="${WORKER_CACHE:-8192}" \
	GROUP_MAX_BATCH="${GROUP_MAX_BATCH:-256}" NETWORK_DIR="$work/$door" MODEL_SET=free-u8 DEMO_DOOR=$door \
		DEMO_RATES="$rates" DEMO_WARMUP=$warmup DEMO_SECONDS=$seconds DEMO_QUIET=1 DEMO_CONCURRENCY="${CONCURRENCY:-128}" \
		NO_EXPLORER=1 EXIT_AFTER_DEMO=1 scripts/run-network.sh | grep -E '^demo|^network: (demo|gave|the demo|warming|the warm)|[Ee]rror' || true
done
"$DROPBEAR_PYTHON" benches/plot.py data-plane "$work" benches/reports/data-plane.json
