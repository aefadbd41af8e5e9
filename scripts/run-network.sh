#!/usr/bin/env bash
# The main job: a local Dropbear network on 127.0.0.1 with
#   - four validators (Alice, Bob, Charlie, Dave), each with its fixed node key
#     so that the chain's allow-list admits it, on the local chain spec with the
#     demo models' weight digests replaced by those of the files
#     scripts/make_models.py wrote;
#   - four workers, one per owner and digit model (group 0, quorum 3), each
#     talking to its owner's validator, announcing its libp2p peer on chain
#     and connecting to the other members it finds there;
#   - a demo client (`dropbear demo`) that streams the held-out digits to
#     every member over the Open Inference Protocol (HTTP/2), prints
#     each certified answer, then the agreement rate, the accuracy of certified
#     answers against each model alone, throughput and latency percentiles;
#   - the web explorer (`dropbear explorer`) on http://127.0.0.1:8088, indexing
#     Alice's node, which keeps the state of every finalized block for it
#     (archive-canonical pruning). NO_EXPLORER=1 leaves it out;
#     EXPLORER_PORT=... moves it;
#   - the Ethereum JSON-RPC (pallet-revive's eth-rpc adapter, the workspace
#     member eth-rpc/) beside Alice's node on http://127.0.0.1:8545
#     (ws on the same port), for ethers, viem, Hardhat and MetaMask, with
#     the Hardhat/Anvil development accounts funded. NO_ETH_RPC=1 leaves it
#     out; ETH_RPC_PORT=... moves it. `scripts/dapp-demo.sh` runs the example
#     dApp against it.
# Then it follows the nodes' heights. All logs go to one folder; Ctrl-C stops
# every process cleanly.
#
#   scripts/run-network.sh                      set up and build if needed, run
#   NETWORK_DIR=/tmp/net scripts/run-network.sh
#   DEMO_RATE=100 DEMO_COUNT=200 scripts/run-network.sh
#   EXIT_AFTER_DEMO=1 scripts/run-network.sh    stop once the demo has reported
#   MODEL_SET=free DEMO_RATES="50 200" ...      every member runs the near-free model
#                                               (the pipeline's own cost); one demo per rate
#   MODEL_SET=free-u8 ...                       the same with u8 3x224x224 images (150 KB),
#                                               normalised by each worker (--preprocess imagenet)
#   DEMO_DOOR=rpc ...                           the demo hands each input to one worker over
#                                               JSON-RPC (default: to every member over HTTP/2)
#   MODEL_SET=resnet50 ...                      every member runs $DROPBEAR_MODELS/resnet50.pt
#                                               (any ImageNet-class file: 3x224x224 in, 1000
#                                               classes); the demo sends synthetic images
#   IMAGENET_INPUT=u8 MODEL_SET=resnet50 ...    the same with u8 images the workers normalise
#   DROPBEAR_PRECISION=fp16 DROPBEAR_CHANNELS_LAST=true ...
#                                               every worker runs its model in half precision,
#                                               channels-last (the workers read these themselves)
#   DROPBEAR_INSTANCES=2 ...                    two model threads per worker, each with its
#                                               own copy of the model and CUDA stream
#   WORKER_TORCH_THREADS=N ...                  libtorch's CPU threads per worker (default:
#                                               a quarter of the cores, at least one)
#   DEMO_SECONDS=20 ...                         send for 20 s at each rate
#   DEMO_WARMUP=8192 ...                        first send 8192 inputs, not reported
#   GROUP_MAX_BATCH=256 ...                     requests per batch (one vote covers a
#                                               batch; the spec's default is 64)
#   SITES=3 ...                                 three sites a network apart (root only): the
#                                               validators and workers in three network
#                                               namespaces joined by site-router (benches/),
#                                               which holds each packet between two sites for
#                                               SITE_DELAYS ms one way ("1-2=20 1-3=30 2-3=40"):
#                                               Alice's and Bob's in site 1 with the demo
#                                               client, Charlie's in 2, Dave's in 3; each at
#                                               10.77.<site>.1; no explorer or eth-rpc
#   NO_BUILD=1 DROPBEAR_CLI=... DROPBEAR_WORKER=...   run binaries built elsewhere
#                                               (the GPU benchmarks: scripts/gpu-bench.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cli="${DROPBEAR_CLI:-$CARGO_TARGET_DIR/release/dropbear}"
worker_bin="${DROPBEAR_WORKER:-$CARGO_TARGET_DIR/release/dropbear-worker}"
if [ -z "${NO_BUILD:-}" ] && { [ -n "${REBUILD:-}" ] || [ ! -x "$DROPBEAR_NODE" ] || [ ! -x "$worker_bin" ] ||
	[ ! -x "$cli" ] || [ ! -f "$DROPBEAR_MODELS/manifest.json" ]; }; then
	scripts/build.sh
fi
model_set="${MODEL_SET:-digits}"

NETWORK_DIR="${NETWORK_DIR:-$PWD/.network}"
LOGS="$NETWORK_DIR/logs"
rm -rf "$NETWORK_DIR"
mkdir -p "$LOGS"

names=(alice bob charlie dave)
# Where each validator and its owner's worker run (SITES=3), and at which address.
site_of=(1 1 2 3)
host_of() { if [ -n "${SITES:-}" ]; then echo "10.77.${site_of[$1]}.1"; else echo 127.0.0.1; fi; }
# WORKER_NICE / DEMO_NICE: the workers' and the demo client's nice level
# (0, the validators' priority, by default). DATA_PLANE_NICE: the levels
# each worker runs its data plane (the doors inputs come in by, hashing,
# inference) below its voter (0 by default). The data-plane benchmarks
# saturate this machine and run the data planes and the client at 10, so
# that block production and votes come first, as they would on validators'
# and owners' own machines: at equal shares a saturated machine stretched
# proposals toward the 2-second slot, BABE forked and certificates fell
# behind. At the main job's light load nice 10 cost latency instead
# (docs/worker.md, "One machine, two priorities").
WORKER_NICE="${WORKER_NICE:-0}"
DEMO_NICE="${DEMO_NICE:-0}"
DATA_PLANE_NICE="${DATA_PLANE_NICE:-0}"
for level in "$WORKER_NICE" "$DEMO_NICE" "$DATA_PLANE_NICE"; do
	[[ "$level" =~ ^-?[0-9]+$ ]] || { echo "network: WORKER_NICE, DEMO_NICE and DATA_PLANE_NICE take a nice level (an integer), not '$level'"; exit 1; }
done
# Run a command in validator i's site, in place of the calling shell: it is
# only ever called in a subshell of its own (`&` or a pipeline), so that `$!`
# is the process itself and stop() reaches it.
in_site() { # index, command...
	local i=$1
	shift
	if [ -n "${SITES:-}" ]; then exec ip netns exec "dropbear-site${site_of[$i]}" "$@"; else exec "$@"; fi
}
if [ -n "${SITES:-}" ]; then
	[ "$SITES" = 3 ] || { echo "network: SITES=3 is the one layout there is"; exit 1; }
	[ "$(id -u)" = 0 ] || { echo "network: SITES needs root (network namespaces)"; exit 1; }
	NO_EXPLORER=1 NO_ETH_RPC=1
fi
declare -A secret peer
while read -r name key id; do
	case "$name" in ''|\#*) continue ;; esac
	secret[$name]=$key
	peer[$name]=$id
done < scripts/dev-node-keys

# The four members' model files.
case "$model_set" in
	digits) models=(digits-logreg digits-mlp digits-cnn-small digits-cnn-wide) ;;
	# Four copies of the near-free model that differ only in their bytes:
	# members must serve different weights.
	free) models=(digits-free digits-free-2 digits-free-3 digits-free-4) ;;
	free-u8) models=(imagenet-free imagenet-free-2 imagenet-free-3 imagenet-free-4) ;;
	# Any other TorchScript file: it and three copies whose bytes differ only
	# by an extra file in the archive (same model, different digests), made
	# once next to it.
	*)
		models=("$model_set" "$model_set-copy2" "$model_set-copy3" "$model_set-copy4")
		if [ -f "$DROPBEAR_MODELS/$model_set.pt" ]; then
			"$DROPBEAR_PYTHON" - "$DROPBEAR_MODELS" "$model_set" <<'PY'
import os, sys, torch
folder, name = sys.argv[1], sys.argv[2]
for k in (2, 3, 4):
    out = os.path.join(folder, f"{name}-copy{k}.pt")
    if not os.path.exists(out):
        module = torch.jit.load(os.path.join(folder, f"{name}.pt"), map_location="cpu")
        torch.jit.save(module, out + ".tmp", _extra_files={"dropbear-copy": str(k)})
        os.replace(out + ".tmp", out)
PY
		fi
		;;
esac
for model in "${models[@]}"; do
	[ -f "$DROPBEAR_MODELS/$model.pt" ] || { echo "network: no model file $DROPBEAR_MODELS/$model.pt"; exit 1; }
done

# The group's input: digits (0), ImageNet-class f32 (1) or u8 images (u8,
# normalised by each worker on its device).
case "$model_set" in
	digits | free) input_kind=0 ;;
	free-u8) input_kind=u8 ;;
	*) [ "${IMAGENET_INPUT:-f32}" = u8 ] && input_kind=u8 || input_kind=1 ;;
esac

# The local spec, committing to the real model files' digests (blake2-256 of
# each file) and naming each model after its file. An ImageNet-class set also
# changes the models' and the group's input (3x224x224 f32) and classes (1000).
spec="$NETWORK_DIR/local.json"
"$DROPBEAR_NODE" export-chain-spec --chain local 2>/dev/null | "$DROPBEAR_PYTHON" -c '
import hashlib, json, sys
spec, out, models_dir, imagenet, max_batch = json.load(sys.stdin), sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
files = sys.argv[5:]
def digest(name):
    with open(f"{models_dir}/{name}.pt", "rb") as f:
        return list(hashlib.blake2b(f.read(), digest_size=32).digest())
def imagenet_terms(task, spec_):
    for variant in task.values():
        variant["classes"] = 1000
    spec_["shape"] = [3, 224, 224]
    # u8 images, which the workers normalise on their device.
    if imagenet == "u8":
        spec_["dtype"] = "U8"
genesis = spec["genesis"]["runtimeGenesis"]["patch"]["models"]
for entry, name in zip(genesis["models"], files):
    entry[4] = digest(name)
    # The registry names each model after the file its worker serves.
    raw = name.encode()
    entry[1] = "0x" + raw.hex() if isinstance(entry[1], str) else list(raw)
    if imagenet != "0":
        imagenet_terms(entry[2], entry[3])
if imagenet != "0":
    for group in genesis["groups"]:
        imagenet_terms(group[0], group[1])
if max_batch:
    for group in genesis["groups"]:
        group[5] = int(max_batch)
json.dump(spec, open(out, "w"))
' "$spec" "$DROPBEAR_MODELS" "$input_kind" "${GROUP_MAX_BATCH:-}" "${models[@]}"

P2P_BASE=30333 RPC_BASE=9944 METRICS_BASE=9615
WORKER_P2P_BASE=30400 WORKER_RPC_BASE=9950 WORKER_METRICS_BASE=9960
# The Open Inference Protocol on Triton's ports: worker i serves HTTP on
# 8000 + 10i and gRPC on 8001 + 10i.
WORKER_HTTP_BASE=${WORKER_HTTP_BASE:-8000}
EXPLORER_PORT="${EXPLORER_PORT:-8088}"
pids=() worker_pids=() explorer_pids=() eth_pids=() router_pid=""
stop() {
	trap - EXIT
	echo
	echo "network: stopping ${#eth_pids[@]} eth-rpc, ${#explorer_pids[@]} explorer, ${#worker_pids[@]} workers and ${#pids[@]} nodes"
	for pid in "${eth_pids[@]}" "${explorer_pids[@]}" "${worker_pids[@]}" "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${eth_pids[@]}" "${explorer_pids[@]}" "${worker_pids[@]}" "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	if [ -n "$router_pid" ]; then
		kill -TERM "$router_pid" 2>/dev/null || true
		wait "$router_pid" 2>/dev/null || true
		for k in 1 2 3; do ip netns del "dropbear-site$k" 2>/dev/null || true; done
	fi
	echo "network: stopped; logs in $LOGS"
}
# Ctrl-C or SIGTERM exits, and leaving for any reason stops everything once.
trap stop EXIT
trap 'exit 130' INT TERM

if [ -n "${SITES:-}" ]; then
	# The sites, and this namespace as site 0 (no delay: the script's own
	# view of every process). The router makes each site's device there.
	for k in 1 2 3; do
		ip netns del "dropbear-site$k" 2>/dev/null || true
		ip netns add "dropbear-site$k"
	done
	delays=()
	for d in ${SITE_DELAYS:-1-2=20 1-3=30 2-3=40}; do delays+=(--delay "$d"); done
	"${SITE_ROUTER:-$CARGO_TARGET_DIR/release/site-router}" --site=-=0 --site dropbear-site1=1 \
		--site dropbear-site2=2 --site dropbear-site3=3 "${delays[@]}" >"$LOGS/site-router.log" 2>&1 &
	router_pid=$!
	for _ in $(seq 50); do grep -q ready "$LOGS/site-router.log" && break; sleep 0.2; done
	grep -q ready "$LOGS/site-router.log" || { echo "network: the site router did not start; see $LOGS/site-router.log"; exit 1; }
	for k in 0 1 2 3; do
		ns=()
		[ "$k" = 0 ] || ns=(ip netns exec "dropbear-site$k")
		"${ns[@]}" ip link set lo up
		"${ns[@]}" ip addr add "10.77.$k.1/24" dev "dbsite$k"
		"${ns[@]}" ip link set "dbsite$k" mtu 16000 up
		"${ns[@]}" ip route add 10.77.0.0/16 dev "dbsite$k"
	done
	echo "network: three sites ($(head -n1 "$LOGS/site-router.log" | sed 's/^site-router: ready; //'))"
fi

boot="/ip4/$(host_of 0)/tcp/$P2P_BASE/p2p/${peer[alice]}"
for i in "${!names[@]}"; do
	name=${names[$i]}
	args=(
		--chain "$spec" --"$name" --base-path "$NETWORK_DIR/$name"
		--node-key "${secret[$name]}"
		--rpc-port $((RPC_BASE + i))
		--prometheus-port $((METRICS_BASE + i))
		--rpc-cors all --no-telemetry --no-mdns
		--rpc-message-buffer-capacity-per-connection 4096
		--offchain-worker always
	)
	[ "$i" -gt 0 ] && args+=(--bootnodes "$boot")
	# In a site: peers dial its site address; the script and the other
	# sites' workers reach its RPC there.
	if [ -n "${SITES:-}" ]; then
		args+=(--listen-addr "/ip4/$(host_of "$i")/tcp/$((P2P_BASE + i))"
			--unsafe-rpc-external --prometheus-external)
	else
		args+=(--port $((P2P_BASE + i)))
	fi
	# Alice is the explorer's archive node: it reads every finalized block's state.
	[ "$i" -eq 0 ] && args+=(--state-pruning archive-canonical --blocks-pruning archive-canonical)
	in_site "$i" "$DROPBEAR_NODE" "${args[@]}" >"$LOGS/$name.log" 2>&1 &
	pids+=($!)
	printf 'network: %-8s rpc ws://%s:%d  p2p %d  metrics http://%s:%d/metrics  log %s\n' \
		"$name" "$(host_of "$i")" $((RPC_BASE + i)) $((P2P_BASE + i)) "$(host_of "$i")" $((METRICS_BASE + i)) "$LOGS/$name.log"
done

rpc() { # host:port, method, params
	curl -sf -H 'Content-Type: application/json' \
		-d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":$3}" "http://$1"
}
node_rpc() { echo "$(host_of "$1"):$((RPC_BASE + $1))"; }
height() { # host:port, which head: best or finalized
	local hash header
	if [ "$2" = finalized ]; then
		hash=$(rpc "$1" chain_getFinalizedHead '[]' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])') || return 1
		header=$(rpc "$1" chain_getHeader "[\"$hash\"]") || return 1
	else
		header=$(rpc "$1" chain_getHeader '[]') || return 1
	fi
	python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["number"],16))' <<<"$header"
}

wait_until() { # what, seconds, command...
	local what=$1 left=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		left=$((left - 1))
		[ "$left" -gt 0 ] || { echo "network: gave up waiting for $what; see $LOGS"; exit 1; }
		sleep 1
	done
}
for i in "${!names[@]}"; do
	wait_until "${names[$i]}'s RPC" 60 height "$(node_rpc "$i")" best
done
finalized_past() { [ "$(height "$(node_rpc 0)" finalized)" -ge "$1" ]; }
wait_until "finality" 90 finalized_past 1

if [ -z "${NO_EXPLORER:-}" ]; then
	"$cli" --node "ws://127.0.0.1:$RPC_BASE" explorer --listen "127.0.0.1:$EXPLORER_PORT" \
		--db "$NETWORK_DIR/explorer.sqlite" >"$LOGS/explorer.log" 2>&1 &
	explorer_pids+=($!)
	explorer_up() { curl -sf "http://127.0.0.1:$EXPLORER_PORT/api/status" >/dev/null; }
	wait_until "the explorer" 30 explorer_up
	printf 'network: explorer http://127.0.0.1:%d  (index %s, log %s)\n' \
		"$EXPLORER_PORT" "$NETWORK_DIR/explorer.sqlite" "$LOGS/explorer.log"
fi

if [ -z "${NO_ETH_RPC:-}" ]; then
	[ -x "$DROPBEAR_ETH_RPC" ] || { echo "run-network: no $DROPBEAR_ETH_RPC (scripts/build.sh builds it)" >&2; exit 1; }
	eth_port="${ETH_RPC_PORT:-8545}"
	# Receipts are indexed in SQLite under the network directory, from
	# Alice's node, which keeps every finalized block.
	"$DROPBEAR_ETH_RPC" --node-rpc-url "ws://127.0.0.1:$RPC_BASE" --rpc-port "$eth_port" \
		--base-path "$NETWORK_DIR/eth-rpc" --no-prometheus >"$LOGS/eth-rpc.log" 2>&1 &
	eth_pids+=($!)
	eth_up() {
		curl -sf -H 'Content-Type: application/json' \
			-d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' \
			"http://127.0.0.1:$eth_port" >/dev/null
	}
	wait_until "the Ethereum JSON-RPC" 60 eth_up
	printf 'network: ethereum json-rpc http://127.0.0.1:%d (ws on the same port)  chain id %d  dev accounts: Hardhat/Anvil mnemonic  log %s\n' \
		"$eth_port" 1684170081 "$LOGS/eth-rpc.log"
fi

# The workers: owner i's model, talking to owner i's node (failing over to
# Alice's), keeping their ballots in the network directory.
workers_ws=()
for i in "${!names[@]}"; do
	name=${names[$i]}
	owner="${name^}"
	node_urls="ws://127.0.0.1:$((RPC_BASE + i))"
	[ "$i" != 0 ] && node_urls+=",ws://$(node_rpc 0)"
	host=$(host_of "$i")
	args=(
		--node-url "$node_urls" --worker-key "//$owner-worker" --group 0
		--state-dir "$NETWORK_DIR/worker-$name"
		--model "$DROPBEAR_MODELS/${models[$i]}.pt" --device "${WORKER_DEVICE:-auto}"
		--listen "/ip4/$host/tcp/$((WORKER_P2P_BASE + i))"
		--rpc-addr "$host:$((WORKER_RPC_BASE + i))"
		--http-addr "$host:$((WORKER_HTTP_BASE + 10 * i))"
		--grpc-addr "$host:$((WORKER_HTTP_BASE + 10 * i + 1))"
		--metrics-addr "$host:$((WORKER_METRICS_BASE + i))"
		--data-plane-nice "$DATA_PLANE_NICE"
	)
	# u8 images, scaled and normalised by each worker on its device.
	[ "$input_kind" = u8 ] && args+=(--preprocess imagenet)
	# The four workers share this machine's cores: libtorch's OpenMP threads
	# spin while idle, so each gets a quarter of them (at least one).
	args+=(--torch-threads "${WORKER_TORCH_THREADS:-$(( $(nproc) / 4 > 0 ? $(nproc) / 4 : 1 ))}")
	# No peer list: each worker announces its libp2p peer on chain with its
	# worker key and connects only to the group's members found there.
	in_site "$i" nice -n "$WORKER_NICE" "$worker_bin" "${args[@]}" >"$LOGS/worker-$name.log" 2>&1 &
	worker_pids+=($!)
	workers_ws+=("ws://$host:$((WORKER_RPC_BASE + i))")
	printf 'network: worker %-8s %-17s rpc ws://%s:%d  http http://%s:%d/v2  grpc %d  metrics http://%s:%d/metrics  log %s\n' \
		"$name" "${models[$i]}" "$host" $((WORKER_RPC_BASE + i)) "$host" $((WORKER_HTTP_BASE + 10 * i)) $((WORKER_HTTP_BASE + 10 * i + 1)) "$host" $((WORKER_METRICS_BASE + i)) "$LOGS/worker-$name.log"
done
worker_ready() {
	rpc "$1" worker_health '[]' | "$DROPBEAR_PYTHON" -c '
import json, sys
h = json.load(sys.stdin)["result"]
sys.exit(0 if h["ready"] and h["peers"] >= 3 else 1)'
}
for i in "${!names[@]}"; do
	wait_until "worker ${names[$i]} to be ready with its peers" 120 worker_ready "$(host_of "$i"):$((WORKER_RPC_BASE + i))"
done

# Each worker's Prometheus metrics, to $LOGS/metrics-$1-<worker>.txt
# (benchmarks read the input bytes each member received between two snapshots).
snapshot_metrics() {
	for i in "${!names[@]}"; do
		"$DROPBEAR_PYTHON" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
			"http://$(host_of "$i"):$((WORKER_METRICS_BASE + i))/metrics" >"$LOGS/metrics-$1-${names[$i]}.txt" 2>/dev/null || true
	done
}

# The demo's door: each input to every member at once over the Open
# Inference Protocol (DEMO_DOOR=rpc: to one worker in turn over JSON-RPC,
# which gossips it).
door_args() {
	if [ "${DEMO_DOOR:-http}" = http ]; then
		for i in "${!names[@]}"; do echo --http "http://$(host_of "$i"):$((WORKER_HTTP_BASE + 10 * i))"; done
	else
		for ws in "${workers_ws[@]}"; do echo --worker "$ws"; done
	fi
}

demo_status=0
# DEMO_WARMUP=N: first N inputs (at DEMO_WARMUP_RATE, 400/s), not reported, so that
# the runs that count find the workers in their steady state (input stores
# full, their memory reused rather than first touched).
if [ -n "${DEMO_WARMUP:-}" ] && [ "${DEMO_WARMUP}" -gt 0 ]; then
	warm_rate="${DEMO_WARMUP_RATE:-400}"
	echo "network: warming up with $DEMO_WARMUP inputs at $warm_rate requests/s (log $LOGS/demo-warmup.log)"
	warm_args=(--group 0 --rate "$warm_rate" --count "$DEMO_WARMUP" --quiet --seed 7)
	[ -n "${DEMO_CONCURRENCY:-}" ] && warm_args+=(--concurrency "$DEMO_CONCURRENCY")
	[ -n "${DEMO_SENDERS:-}" ] && warm_args+=(--senders "$DEMO_SENDERS")
	warm_args+=($(door_args))
	(in_site 0 nice -n "$DEMO_NICE" "$cli" --node "ws://$(node_rpc 0)" --key //Ferdie demo "${warm_args[@]}") >"$LOGS/demo-warmup.log" 2>&1 ||
		echo "network: the warm-up run failed; see $LOGS/demo-warmup.log"
fi
snapshot_metrics start
for rate in ${DEMO_RATES:-${DEMO_RATE:-50}}; do
	report="$LOGS/demo-report-$rate.json"
	echo "network: demo client at $rate requests/s: $cli demo (log $LOGS/demo-$rate.log, report $report)"
	demo_args=(--group 0 --rate "$rate" --report "$report")
	[ "$model_set" = digits ] || [ "$model_set" = free ] && demo_args+=(--models "$DROPBEAR_MODELS")
	[ -n "${DEMO_COUNT:-}" ] && demo_args+=(--count "$DEMO_COUNT")
	[ -n "${DEMO_SECONDS:-}" ] && demo_args+=(--count $((rate * DEMO_SECONDS)))
	[ -n "${DEMO_QUIET:-}" ] && demo_args+=(--quiet)
	[ -n "${DEMO_CONCURRENCY:-}" ] && demo_args+=(--concurrency "$DEMO_CONCURRENCY")
	[ -n "${DEMO_SENDERS:-}" ] && demo_args+=(--senders "$DEMO_SENDERS")
	# Synthetic inputs differ from one rate to the next: none is already held.
	demo_args+=(--seed $((rate * 1000000)))
	demo_args+=($(door_args))
	# A failed demo is reported and the next rate still runs.
	set +e
	# In Alice's site (SITES=3): a client near one validator, far from others.
	in_site 0 nice -n "$DEMO_NICE" "$cli" --node "ws://$(node_rpc 0)" --key //Ferdie demo "${demo_args[@]}" 2>&1 | tee "$LOGS/demo-$rate.log"
	status=${PIPESTATUS[0]}
	set -e
	[ "$status" = 0 ] || { demo_status=1; echo "network: the demo at $rate requests/s failed (exit $status); see $LOGS/demo-$rate.log"; }
	snapshot_metrics "$rate"
done
if [ -n "${EXIT_AFTER_DEMO:-}" ]; then
	exit "$demo_status"
fi

echo "network: Ctrl-C stops all workers and nodes"
while sleep 6; do
	line="network: $(date +%H:%M:%S)"
	for i in "${!names[@]}"; do
		best=$(height "$(node_rpc "$i")" best 2>/dev/null || echo '-')
		fin=$(height "$(node_rpc "$i")" finalized 2>/dev/null || echo '-')
		line+="  ${names[$i]} #$best (final #$fin)"
	done
	echo "$line"
	for pid in "${pids[@]}" "${worker_pids[@]}" "${explorer_pids[@]}" "${eth_pids[@]}"; do
		kill -0 "$pid" 2>/dev/null || { echo "network: a node, worker, the explorer or eth-rpc exited; see $LOGS"; exit 1; }
	done
done
