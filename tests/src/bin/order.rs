//! `dropbear-order`: a client that orders inputs already sent to a group's
//! workers and follows the order to its certificates, through the client
//! library (`Client::order`, `Client::wait_ordered_proof`). The fork test
//! runs it inside a network namespace, where the one node it reaches builds
//! a fork of its own. It prints `ordered <ids>` (JSON) once the order is in
//! a best block, then `decided <certificate>` (JSON, as proven at a
//! finalized block) for each request in order, and exits 0 when every
//! request is decided.

use anyhow::{anyhow, Context, Result};
use clap::Parser;
use dropbear_client::{keys, Client, Digest, GroupId};
use std::{io::Write, time::Duration};

#[derive(Parser)]
#[command(name = "dropbear-order")]
struct Cli {
	/// The node's WebSocket RPC address.
	#[arg(long)]
	node: String,
	/// The client's key (`//Eve`).
	#[arg(long)]
	key: String,
	#[arg(long)]
	group: GroupId,
	/// An input's hash (0x-hex); repeat for several.
	#[arg(long = "input-hash", value_parser = parse_hash, required = true)]
	inputs: Vec<Digest>,
	/// Seconds to wait for each certificate.
	#[arg(long, default_value_t = 180)]
	timeout: u64,
}

fn parse_hash(s: &str) -> Result<Digest, String> {
	let bytes = hex::decode(s.trim_start_matches("0x")).map_err(|e| e.to_string())?;
	bytes.try_into().map_err(|_| "an input hash is 32 bytes".to_string())
}

fn say(line: String) -> Result<()> {
	let mut out = std::io::stdout().lock();
	writeln!(out, "{line}")?;
	Ok(out.flush()?)
}

#[tokio::main]
async fn main() -> Result<()> {
	let cli = Cli::parse();
	let client = Client::connect(&cli.node).await?;
	let signer = keys::signer(&cli.key)?;
	let price =
		client.group(cli.group).await?.ok_or_else(|| anyhow!("no group {}", cli.group))?.price;
	let mut ordered = client.order(&signer, cli.group, &cli.inputs, price).await?;
	say(format!("ordered {}", serde_json::to_string(&ordered.ids())?))?;
	for i in 0..cli.inputs.len() {
		// Decided in a finalized block: a fork's decisions can be undone.
		let proof = client
			.wait_ordered_proof(&mut ordered, i, Duration::from_secs(cli.timeout))
			.await
			.with_context(|| format!("request {i} of the order"))?;
		say(format!("decided {}", serde_json::to_string(&proof.certificate)?))?;
	}
	Ok(())
}
