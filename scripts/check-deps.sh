#!/usr/bin/env bash
# The off-chain parts build without any pallet or FRAME crate: their types
# come from dropbear-primitives and their chain access from dropbear-api.
# subxt's own metadata decoders (frame-metadata, frame-decode) are allowed:
# they read the metadata format and hold no runtime code.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for crate in dropbear-worker dropbear-client dropbear-api; do
	found=$(cargo tree --locked --offline -e normal -p "$crate" --prefix none --format '{p}' 2>/dev/null |
		awk '{print $1}' | sort -u | grep -E '^(pallet-|frame-)' | grep -vxE 'frame-(metadata|decode)' || true)
	if [ -n "$found" ]; then
		echo "check-deps: $crate depends on $(echo $found | tr '\n' ' ')" >&2
		status=1
	else
		echo "check-deps: $crate depends on no pallet or FRAME crate"
	fi
done
exit $status
