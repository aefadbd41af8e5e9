#!/usr/bin/env bash
# End to end on this machine: the main job's network (four validators, four
# workers, group 0 with q = 3) and the demo client at several offered loads,
# once with the four digit models and once with every member running the
# near-free model (the pipeline's own cost). Before the network starts, each
# member's raw tch throughput is measured at the workers' batch size, as the
# baseline of the certification-overhead ratio.
# Writes benches/reports/e2e.{json,png}.
#
#   scripts/bench-e2e.sh
#   RATES="25 50 100 200" SECONDS_PER_RATE=20 scripts/bench-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[[ "${SKIP_SETUP:-}" == 1 ]] || scripts/setup.sh
scripts/build.sh >/dev/null
cargo build --release --locked -p dropbear-benches --bin worker-infer
rates="${RATES:-25 50 100 200}"
seconds="${SECONDS_PER_RATE:-20}"
work="${BENCH_DIR:-$PWD/.bench-e2e}"
rm -rf "$work"
mkdir -p "$work"

# Raw inference of each member alone, batch 64 (the workers' default batch).
for model in digits-logreg digits-mlp digits-cnn-small digits-cnn-wide digits-free; do
	"$CARGO_TARGET_DIR/release/worker-infer" --model "$DROPBEAR_MODELS/$model.pt" --shape 1,8,8 \
		--classes 10 --batch-sizes 64 --seconds 2 --threads 1 >"$work/raw-$model.json"
	echo "bench-e2e: $model alone: $(cat "$work/raw-$model.json")"
done

for set in digits free; do
	GROUP_MAX_BATCH="${GROUP_MAX_BATCH:-256}" NETWORK_DIR="$work/$set" MODEL_SET=$set DEMO_RATES="$rates" DEMO_SECONDS=$seconds DEMO_QUIET=1 \
		EXIT_AFTER_DEMO=1 scripts/run-network.sh | grep -E '^demo|^network: (demo|gave|the demo)|[Ee]rror' || true
done
"$DROPBEAR_PYTHON" benches/plot.py e2e "$work" benches/reports/e2e.json
