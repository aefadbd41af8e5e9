#!/usr/bin/env bash
# The paper's three cloud sites, on this machine: the data-plane scenario
# (four validators, four workers, q = 3, the near-free ImageNet model on u8
# 3x224x224 images sent to every member over the Open Inference Protocol)
# run in one site (everything on loopback, the baseline) and then in three
# sites a network apart at the same offered loads. The three sites are
# network namespaces joined by site-router (benches/src/bin/site_router.rs),
# which holds each packet between two sites for a one-way delay: Alice's and
# Bob's validators and workers with the demo client in site 1, Charlie's in
# site 2, Dave's in site 3. Needs root. Writes benches/reports/sites.{json,png}.
#
#   scripts/bench-sites.sh
#   RATES="50 100" SECONDS_PER_RATE=20 SITE_DELAYS="1-2=20 1-3=30 2-3=40" scripts/bench-sites.sh
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
work="${BENCH_DIR:-$PWD/.bench-sites}"
rm -rf "$work"
mkdir -p "$work"
delays="${SITE_DELAYS:-1-2=20 1-3=30 2-3=40}"
echo "$delays (ms, one way)" >"$work/delays.txt"
for layout in one three; do
	sites=""
	[ "$layout" = three ] && sites=3
	echo "bench-sites: $layout site(s)"
	SITES=$sites SITE_DELAYS="$delays" DROPBEAR_CACHE="${WORKER_CACHE:-8192}" \
	GROUP_MAX_BATCH="${GROUP_MAX_BATCH:-256}" NETWORK_DIR="$work/$layout" MODEL_SET=free-u8 \
		DEMO_RATES="${RATES:-50 100 200}" DEMO_SECONDS="${SECONDS_PER_RATE:-15}" DEMO_QUIET=1 \
		DEMO_CONCURRENCY="${CONCURRENCY:-128}" NO_EXPLORER=1 NO_ETH_RPC=1 EXIT_AFTER_DEMO=1 \
		scripts/run-network.sh | grep -E '^demo|^network: (demo|gave|the |three)|[Ee]rror' || true
	grep -h "carried" "$work/$layout/logs/site-router.log" 2>/dev/null | tail -n1 || true
done
"$DROPBEAR_PYTHON" benches/plot.py sites "$work" benches/reports/sites.json
