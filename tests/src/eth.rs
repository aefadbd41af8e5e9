//! The Ethereum side of a test network: pallet-revive's `eth-rpc` adapter
//! beside a node (the workspace member `eth-rpc/`), and the
//! scripts of `contracts/` run against it with ethers.js, viem, web3.py and
//! Hardhat.

use crate::{free_port, repo_root, wait_for, Node};
use anyhow::{Context, Result};
use jsonrpsee::{core::client::ClientT, http_client::HttpClientBuilder, rpc_params};
use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::Duration,
};

/// The adapter's binary: `DROPBEAR_ETH_RPC`, else the workspace's build of
/// it beside the node's.
pub fn eth_rpc_binary() -> PathBuf {
	std::env::var_os("DROPBEAR_ETH_RPC")
		.map(PathBuf::from)
		.unwrap_or_else(|| crate::node_binary().with_file_name("eth-rpc"))
}

/// A running `eth-rpc`, killed on drop.
pub struct EthRpc {
	pub port: u16,
	child: Child,
	log: PathBuf,
}

impl EthRpc {
	/// Start one on a free port against `node`, keeping the latest blocks'
	/// receipts in memory, and wait until it answers `eth_chainId`.
	pub async fn start(node: &Node, dir: &Path) -> Result<EthRpc> {
		let port = free_port();
		let log = dir.join("eth-rpc.log");
		let out = std::fs::File::create(&log)?;
		let child = Command::new(eth_rpc_binary())
			.args(["--node-rpc-url", &node.ws_url(), "--rpc-port", &port.to_string()])
			.args(["--eth-pruning", "2048", "--no-prometheus"])
			.stdout(out.try_clone()?)
			.stderr(out)
			.stdin(Stdio::null())
			.spawn()
			.with_context(|| {
				format!("starting {} (scripts/build.sh builds it)", eth_rpc_binary().display())
			})?;
		let eth = EthRpc { port, child, log };
		let url = eth.url();
		wait_for("eth-rpc to answer eth_chainId", Duration::from_secs(60), || {
			let url = url.clone();
			async move {
				let client = HttpClientBuilder::default().build(&url)?;
				let id: String = client.request("eth_chainId", rpc_params![]).await?;
				Ok(Some(id))
			}
		})
		.await
		.with_context(|| eth.log_tail())?;
		Ok(eth)
	}

	pub fn url(&self) -> String {
		format!("http://127.0.0.1:{}", self.port)
	}

	pub fn log_tail(&self) -> String {
		crate::tail_of(&self.log, 40)
	}
}

impl Drop for EthRpc {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// Run `node contracts/<script> <args>`: its stdout's last line, parsed as
/// JSON, or its stderr as the error.
pub fn run_script(script: &str, args: &[String]) -> Result<serde_json::Value> {
	let mut command = Command::new("node");
	command.arg(repo_root().join("contracts").join(script)).args(args);
	json_of(script, command, "node (scripts/build-contracts.sh installs it)")
}

/// Run `contracts/<script> <args>` with the project's Python (web3.py,
/// installed by scripts/setup-venv.sh): its output as for [`run_script`].
pub fn run_python(script: &str, args: &[String]) -> Result<serde_json::Value> {
	let python = std::env::var("DROPBEAR_PYTHON").unwrap_or_else(|_| "python3".into());
	let mut command = Command::new(python);
	command.arg(repo_root().join("contracts").join(script)).args(args);
	json_of(script, command, "the project's Python (scripts/setup-venv.sh)")
}

/// Run `hardhat run --no-compile contracts/<script> --network dropbear` in
/// `contracts/` (hardhat.config.cjs) against `rpc`, with `env` set: its
/// output as for [`run_script`].
pub fn run_hardhat(script: &str, rpc: &str, env: &[(&str, String)]) -> Result<serde_json::Value> {
	let contracts = repo_root().join("contracts");
	let mut command = Command::new(contracts.join("node_modules/.bin/hardhat"));
	command
		.current_dir(&contracts)
		.args(["run", "--no-compile", script, "--network", "dropbear"])
		.env("DROPBEAR_ETH_RPC_URL", rpc)
		.env("HARDHAT_DISABLE_TELEMETRY_PROMPT", "true")
		.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
	json_of(script, command, "hardhat (scripts/build-contracts.sh installs it)")
}

fn json_of(script: &str, mut command: Command, what: &str) -> Result<serde_json::Value> {
	let out = command.output().with_context(|| format!("running {what}"))?;
	let stdout = String::from_utf8_lossy(&out.stdout);
	let stderr = String::from_utf8_lossy(&out.stderr);
	anyhow::ensure!(out.status.success(), "{script} failed: {stderr}{stdout}");
	let last = stdout.lines().last().context("no output")?;
	serde_json::from_str(last).with_context(|| format!("{script} printed {stdout}"))
}
