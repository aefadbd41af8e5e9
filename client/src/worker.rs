//! Sending input bytes to the workers of a group. Worker endpoints are given
//! by the caller (the chain records which models and worker keys form a
//! group, not where workers listen); each endpoint is checked against the
//! chain before any input goes to it: the model it serves must be a member
//! of the group.

use crate::{input_hash, Client, Digest, GroupId};
use anyhow::{anyhow, bail, Context, Result};
use dropbear_api::worker_rpc::{code, InputBytes, WorkerApiClient, MAX_BODY};
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use std::time::Duration;

/// One worker's JSON-RPC endpoint.
pub struct Worker {
	pub url: String,
	pub model: u32,
	rpc: WsClient,
}

/// The checked workers of one group.
pub struct Workers {
	pub group: GroupId,
	pub workers: Vec<Worker>,
}

impl Workers {
	/// Connect to each URL and keep the workers that serve a member of `group`
	/// on chain; an error if none does.
	pub async fn connect(client: &Client, group: GroupId, urls: &[String]) -> Result<Self> {
		let record =
			client.group(group).await?.ok_or_else(|| anyhow!("group {group} does not exist"))?;
		let mut workers = Vec::new();
		for url in urls {
			let rpc = WsClientBuilder::default()
				.max_request_size(MAX_BODY)
				.request_timeout(Duration::from_secs(30))
				.build(url)
				.await
				.with_context(|| format!("connecting to worker {url}"))?;
			let info = rpc.info().await.with_context(|| format!("worker_info of {url}"))?;
			let model = info.model;
			if info.group != group || !record.members.0.iter().any(|m| m.model == model) {
				bail!(
					"worker {url} serves model {model} of group {}, not a member of group {group}",
					info.group
				);
			}
			workers.push(Worker { url: url.clone(), model, rpc });
		}
		if workers.is_empty() {
			bail!("no worker endpoint given for group {group} (--worker URL)");
		}
		Ok(Self { group, workers })
	}

	/// Send `bytes` to the workers, in turn, until one accepts it (it gossips
	/// the input to the other members); the input hash. A worker's refusal of
	/// the input itself (wrong size, wrong group) is returned at once.
	pub async fn submit(&self, bytes: &[u8]) -> Result<Digest> {
		self.submit_to(0, bytes).await
	}

	/// As [`Workers::submit`], starting with worker `first` (modulo their
	/// number): spreads many inputs over the workers.
	pub async fn submit_to(&self, first: usize, bytes: &[u8]) -> Result<Digest> {
		self.submit_hashed_to(first, bytes, input_hash(bytes)).await
	}

	/// [`Workers::submit_to`] of an input already hashed: `expected` is its
	/// [`input_hash`] (as [`crate::input_hashes`] gives it for several
	/// inputs at once), which the accepting worker must name.
	pub async fn submit_hashed_to(
		&self,
		first: usize,
		bytes: &[u8],
		expected: Digest,
	) -> Result<Digest> {
		let input = InputBytes(bytes.to_vec());
		let mut last = None;
		let n = self.workers.len();
		for w in (0..n).map(|k| &self.workers[(first + k) % n]) {
			match w.rpc.submit_input(self.group, input.clone()).await {
				Ok(hash) => {
					if hash.0 != expected {
						bail!(
							"worker {} answered hash 0x{} for an input whose hash is 0x{}",
							w.url,
							hex::encode(hash.0),
							hex::encode(expected)
						);
					}
					return Ok(expected);
				}
				Err(jsonrpsee::core::ClientError::Call(e)) if code::refuses_input(e.code()) => {
					bail!("worker {} refused the input: {}", w.url, e.message())
				}
				Err(e) => last = Some(anyhow!("worker {}: {e}", w.url)),
			}
		}
		Err(last.unwrap_or_else(|| anyhow!("no workers")))
	}
}
