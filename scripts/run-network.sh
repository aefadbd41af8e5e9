#!/usr/bin/env bash
# Start a local Dropbear network: four validators (Alice, Bob, Charlie, Dave)
# on 127.0.0.1, each with its fixed node key so that the chain's allow-list
# admits it. Logs go to one folder; Ctrl-C stops every node cleanly.
#
#   scripts/run-network.sh            build if needed, start fresh, follow heights
#   NETWORK_DIR=/tmp/net scripts/run-network.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -x "$DROPBEAR_NODE" ] && [ -z "${REBUILD:-}" ] || scripts/build.sh

NETWORK_DIR="${NETWORK_DIR:-$PWD/.network}"
LOGS="$NETWORK_DIR/logs"
rm -rf "$NETWORK_DIR"
mkdir -p "$LOGS"

names=(alice bob charlie dave)
declare -A secret peer
while read -r name key id; do
	case "$name" in ''|\#*) continue ;; esac
	secret[$name]=$key
	peer[$name]=$id
done < scripts/dev-node-keys

P2P_BASE=30333 RPC_BASE=9944 METRICS_BASE=9615
pids=()
stop() {
	trap - INT TERM EXIT
	echo
	echo "network: stopping ${#pids[@]} nodes"
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	echo "network: stopped; logs in $LOGS"
}
trap stop INT TERM EXIT

boot="/ip4/127.0.0.1/tcp/$P2P_BASE/p2p/${peer[alice]}"
for i in "${!names[@]}"; do
	name=${names[$i]}
	args=(
		--chain local --"$name" --base-path "$NETWORK_DIR/$name"
		--node-key "${secret[$name]}"
		--port $((P2P_BASE + i)) --rpc-port $((RPC_BASE + i))
		--prometheus-port $((METRICS_BASE + i))
		--rpc-cors all --no-telemetry --no-mdns
		--offchain-worker always
	)
	[ "$i" -gt 0 ] && args+=(--bootnodes "$boot")
	"$DROPBEAR_NODE" "${args[@]}" >"$LOGS/$name.log" 2>&1 &
	pids+=($!)
	printf 'network: %-8s rpc ws://127.0.0.1:%d  p2p %d  metrics http://127.0.0.1:%d/metrics  log %s\n' \
		"$name" $((RPC_BASE + i)) $((P2P_BASE + i)) $((METRICS_BASE + i)) "$LOGS/$name.log"
done

rpc() {
	curl -sf -H 'Content-Type: application/json' \
		-d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":$3}" "http://127.0.0.1:$1"
}
height() { # port, which head: best or finalized
	local hash header
	if [ "$2" = finalized ]; then
		hash=$(rpc "$1" chain_getFinalizedHead '[]' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])') || return 1
		header=$(rpc "$1" chain_getHeader "[\"$hash\"]") || return 1
	else
		header=$(rpc "$1" chain_getHeader '[]') || return 1
	fi
	python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["number"],16))' <<<"$header"
}

echo "network: Ctrl-C stops all nodes"
while sleep 6; do
	line="network: $(date +%H:%M:%S)"
	for i in "${!names[@]}"; do
		best=$(height $((RPC_BASE + i)) best 2>/dev/null || echo '-')
		fin=$(height $((RPC_BASE + i)) finalized 2>/dev/null || echo '-')
		line+="  ${names[$i]} #$best (final #$fin)"
	done
	echo "$line"
	for pid in "${pids[@]}"; do
		kill -0 "$pid" 2>/dev/null || { echo "network: a node exited; see $LOGS"; exit 1; }
	done
done
