#!/usr/bin/env bash
# The soak: the main job's network (four validators, four workers, the demo
# client, the explorer) at a sustained load for SOAK_MINUTES, sampled every
# SOAK_EVERY seconds, then checked:
#   - certified requests per second over time (from the demo's per-request lines);
#   - each node's resident memory and the databases' size on disk (and
#     their apparent size: ParityDB pre-allocates sparse index files), and
#     their growth;
#   - at the end: every request decided (the demo fails otherwise) and the
#     money ledger conserved from block 1 (`dropbear ledger --since 1`
#     against Alice's archive node).
# Writes $NETWORK_DIR/soak.csv (the samples) and $NETWORK_DIR/soak-report.json,
# and prints a summary. Not part of CI (it takes SOAK_MINUTES).
#
#   scripts/soak.sh                          30 minutes at 40 requests/s
#   SOAK_MINUTES=5 SOAK_RATE=100 scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
minutes=${SOAK_MINUTES:-30}
rate=${SOAK_RATE:-40}
every=${SOAK_EVERY:-30}
export NETWORK_DIR="${NETWORK_DIR:-/tmp/dropbear-soak}"
cli="${DROPBEAR_CLI:-$CARGO_TARGET_DIR/release/dropbear}"
logs="$NETWORK_DIR/logs"

scripts/build.sh >/dev/null
echo "soak: $minutes min at $rate requests/s, sampled every ${every}s, in $NETWORK_DIR"
DEMO_RATE=$rate DEMO_SECONDS=$((minutes * 60)) scripts/run-network.sh >/tmp/dropbear-soak-network.log 2>&1 &
network=$!
stop() { kill -INT "$network" 2>/dev/null || true; wait "$network" 2>/dev/null || true; }
trap stop EXIT

demo_log="$logs/demo-$rate.log"
report="$logs/demo-report-$rate.json"
until [ -f "$demo_log" ]; do
	kill -0 "$network" 2>/dev/null || { tail -20 /tmp/dropbear-soak-network.log; exit 1; }
	sleep 2
done

csv="$NETWORK_DIR/soak.csv"
echo "seconds,decided,certified,certified_per_s,alice_rss_kib,bob_rss_kib,charlie_rss_kib,dave_rss_kib,db_bytes,db_apparent_bytes" >"$csv"
rss() { # resident memory of the node whose base path is $NETWORK_DIR/$1
	local pid
	pid=$(pgrep -f -- "--base-path $NETWORK_DIR/$1( |$)" | head -1 || true)
	[ -n "$pid" ] && ps -o rss= -p "$pid" | tr -d ' ' || echo 0
}
start=$(date +%s)
last_certified=0
while [ ! -f "$report" ]; do
	kill -0 "$network" 2>/dev/null || { echo "soak: the network stopped early"; tail -20 /tmp/dropbear-soak-network.log; exit 1; }
	sleep "$every"
	t=$(( $(date +%s) - start ))
	decided=$(grep -c '^\[' "$demo_log" || true)
	certified=$(grep -c '^\[.* certified ' "$demo_log" || true)
	per_s=$(python3 -c "print(round(($certified - $last_certified) / $every, 2))")
	last_certified=$certified
	dbs=("$NETWORK_DIR"/alice "$NETWORK_DIR"/bob "$NETWORK_DIR"/charlie "$NETWORK_DIR"/dave)
	db=$(du -s -B1 "${dbs[@]}" 2>/dev/null | awk '{s += $1} END {print s}')
	apparent=$(du -s -b "${dbs[@]}" 2>/dev/null | awk '{s += $1} END {print s}')
	line="$t,$decided,$certified,$per_s,$(rss alice),$(rss bob),$(rss charlie),$(rss dave),$db,$apparent"
	echo "$line" >>"$csv"
	echo "soak: ${t}s decided $decided certified $certified ($per_s/s) rss(KiB) $(echo "$line" | cut -d, -f5-8) db $db on disk ($apparent apparent)"
done

echo "soak: the demo finished; checking the ledger from block 1 on Alice's archive node"
ledger=$("$cli" --node ws://127.0.0.1:9944 ledger --since 1)
echo "soak: $ledger"
python3 - "$csv" "$report" "$NETWORK_DIR/soak-report.json" "$ledger" "$minutes" "$rate" <<'PY'
import csv, json, sys
samples = list(csv.DictReader(open(sys.argv[1])))
demo = json.load(open(sys.argv[2]))
ledger = json.loads(sys.argv[4])
def col(name): return [float(s[name]) for s in samples]
rates = col("certified_per_s")
# Steady state: from the third sample to the last one taken while requests
# were still undecided (afterwards the demo only waits for finality).
sending = [float(s["certified_per_s"]) for s in samples if int(s["decided"]) < demo["inputs"]]
steady = sending[2:] or rates
nodes = ["alice", "bob", "charlie", "dave"]
first, last = samples[0], samples[-1]
report = {
    "minutes": float(sys.argv[5]), "offered_per_s": float(sys.argv[6]),
    "decided": demo["decided"], "inputs": demo["inputs"], "certified": demo["certified"],
    "certified_per_s": {"mean": round(sum(steady) / len(steady), 2), "min": min(steady), "max": max(steady)},
    "rss_kib": {n: {"first": int(first[f"{n}_rss_kib"]), "last": int(last[f"{n}_rss_kib"]),
                    "max": int(max(col(f"{n}_rss_kib")))} for n in nodes},
    "db_bytes": {"first": int(first["db_bytes"]), "last": int(last["db_bytes"])},
    "db_apparent_bytes": {"first": int(first["db_apparent_bytes"]), "last": int(last["db_apparent_bytes"])},
    "db_bytes_per_min": round((int(last["db_bytes"]) - int(first["db_bytes"])) /
                              max(1e-9, (float(last["seconds"]) - float(first["seconds"])) / 60)),
    "ledger": ledger, "latency_s": demo["latency_s"],
}
json.dump(report, open(sys.argv[3], "w"), indent=2)
print(json.dumps(report, indent=2))
PY
[ "$(python3 -c "import json,sys; print(json.load(open('$report'))['decided'] == json.load(open('$report'))['inputs'])")" = True ] ||
	{ echo "soak: not every request was decided"; exit 1; }
echo "soak: every request decided, ledger conserved; report $NETWORK_DIR/soak-report.json"
