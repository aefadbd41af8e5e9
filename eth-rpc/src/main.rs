//! `eth-rpc`: pallet-revive's Ethereum JSON-RPC server, run beside a Dropbear
//! node (scripts/run-network.sh starts one on :8545). The command line is the
//! adapter's own; this crate only builds it with the workspace.

fn main() -> anyhow::Result<()> {
	let command = pallet_revive_eth_rpc::cli::CliCommand::parse_cli()?;
	pallet_revive_eth_rpc::cli::run(command)
}
