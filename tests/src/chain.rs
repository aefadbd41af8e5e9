//! What the tests read off the chain beyond `dropbear-api`'s [`Chain`]: who
//! authored a block (from its BABE pre-runtime digest), the money ledger
//! every test ends with, a refused call's error, and a vote cast by hand
//! (commit, then reveal) with a member's worker key.

use anyhow::{anyhow, Result};
use dropbear_api::{
	account,
	primitives::{commitment, inference::NO_REQUESTS, requests_digest},
	runtime, BatchId, BlockNumber, Chain, Digest, Included, Keypair, Output, Static, VersionNumber,
};
use std::time::Duration;

pub use dropbear_client::ledger::{
	check_ledger, check_ledger_moves, ledger_at, ledger_now, Ledger,
};

/// The digest of `batch`'s requests that a commitment names, read at the
/// best block as a worker does (a finalized block may come after the
/// commit window); that of no requests for a batch the chain does not
/// hold, which it refuses for that (`UnknownBatch`).
pub async fn requests_of(chain: &Chain, batch: BatchId) -> Result<Digest> {
	let view = chain.batch(Some(chain.best_hash().await?), batch).await?;
	Ok(view.map_or(NO_REQUESTS, |v| requests_digest(v.requests.iter().map(|r| &r.input_hash))))
}

/// The worker key `who` votes `outputs` of `version` on `batch` as a worker
/// does: it commits (with a fresh salt), waits until the batch takes
/// reveals, and reveals; the reveal's result is returned once finalized.
/// Votes of several members go in concurrently (`tokio::join!`), or the
/// commit window passes.
pub async fn vote(
	chain: &Chain,
	who: &Keypair,
	batch: BatchId,
	version: VersionNumber,
	outputs: Vec<Output>,
) -> Result<Included> {
	// A key that votes for no model commits for model 0 (and is refused).
	let model = chain.worker_model(None, &account(who)).await?.unwrap_or(0);
	let salt: Digest = rand::random();
	let digest = commitment(batch, model, version, &outputs, &salt);
	let requests = requests_of(chain, batch).await?;
	chain
		.submit(who, &runtime::tx().inference().commit_for_requests(batch, requests, digest))
		.await?;
	crate::wait_for("the batch to take reveals", Duration::from_secs(60), || async {
		let finalized = chain.at(None).await?;
		let view = chain
			.batch(Some(finalized.block_hash()), batch)
			.await?
			.ok_or_else(|| anyhow!("batch {batch} is gone"))?;
		Ok(view.reveals_open_after(finalized.block_number() as BlockNumber).then_some(()))
	})
	.await?;
	let outputs = outputs.into_iter().map(Static).collect();
	chain
		.submit_finalized(who, &runtime::tx().inference().reveal(batch, version, outputs, salt))
		.await
}

/// The error of a call the chain must refuse, as text with its context;
/// panics with `what` when the chain took the call.
pub fn refused(result: Result<Included>, what: &str) -> String {
	match result {
		Ok(included) => panic!("{what}, but block {:?} included it", included.block),
		Err(e) => format!("{e:#}"),
	}
}

/// The BABE authority index in a header's pre-runtime digest, from the hex
/// digest items that `chain_getHeader` returns.
///
/// A digest item `PreRuntime(*b"BABE", data)` encodes as `0x06`, the engine id,
/// then `data` with a compact length prefix; `data` is a `PreDigest` whose
/// variants (primary, secondary plain, secondary VRF) all start with the
/// authority index as a little-endian u32.
pub fn babe_author_index(digest_logs: &[String]) -> Option<u32> {
	for log in digest_logs {
		let bytes = hex::decode(log.trim_start_matches("0x")).ok()?;
		let Some(rest) = bytes.strip_prefix(&[6u8, b'B', b'A', b'B', b'E'][..]) else { continue };
		let prefix_len = match rest.first()? & 0b11 {
			0 => 1,
			1 => 2,
			2 => 4,
			_ => return None,
		};
		let data = rest.get(prefix_len..)?;
		let index = data.get(1..5)?;
		return Some(u32::from_le_bytes(index.try_into().ok()?));
	}
	None
}
